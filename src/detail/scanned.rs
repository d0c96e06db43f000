//! One employee of a file that is scanned, not held in memory (see
//! `batch::scan`): the employee's row is evaluated by the exact detailed
//! path against the composites of their cohort, and for `what-if` the
//! others whose standing the change moves are found by a second scan and
//! evaluated the same way, before and after. Under quotas the queue needs
//! `evaluate`'s pass 1, which then does the scan's work too (`explain`:
//! [`one_queued`]; `what-if`: [`one_for_change`], whose pass 1 is kept for
//! the quota pass of the change). The in-memory evaluation of every row is
//! the reference these are held equal to.

use crate::batch::cohorts::{hundredths, CohortKey};
use crate::batch::memory::{Batch, Evaluation, Outcome};
use crate::batch::quota::Allocation;
use crate::batch::scan::{self, evaluation, outcome, standing_in, with, without, KeptRow, Scan};
use crate::batch::stream;
use crate::figures::{Periods, ScoreColumns};
use crate::input::records::{parse_row, Layout, LongScores, Row};
use crate::input::source::Source;
use crate::rule::words::{Lang, Words};
use crate::scheme::Scheme;
use anyhow::Result;
use rust_decimal::Decimal;

/// The employee found, evaluated, with their cohort's composites.
pub struct One<'s> {
    /// An evaluation of the employee's row alone (outcome 0).
    pub evaluation: Evaluation<'s>,
    /// The composites of the others in the employee's cohort, highest first.
    pub others: Vec<Decimal>,
    /// The employee's row index in input order, as `evaluate` numbers rows (for the quota queue).
    pub row_index: u64,
    /// What the scan found (none when `evaluate`'s passes found the employee).
    pub place: Option<Place>,
}

/// What the scan found, for a second look (`what-if`).
pub struct Place {
    pub scan: Scan,
    /// The employee's row: its line.
    pub line: u64,
    /// The employee's row index in input order.
    pub row_index: u64,
    /// The language the reasons are written in.
    pub lang: Lang,
    /// The employee file, opened once for every read of it.
    pub source: Source,
    /// Under quotas, `evaluate`'s pass 1 of the file, which found the
    /// employee (no scan), kept for the quota pass once the change is known.
    pub pass_one: Option<stream::PassOne>,
}

/// Scans the file for the employee `id` (the first row with it). The inner
/// error is the "no employee with id" message.
/// `members`: keep every ranked row's cohort and composite (what-if).
pub fn one<'s>(req: &scan::Request<'s>, id: &str, members: bool, lang: Lang) -> Result<Result<One<'s>, String>> {
    let scheme = req.scheme;
    let source = scan::open(req)?;
    let wanted = scan::locate(req, &source, id);
    let mut scanned = scan::scan(req, &source, id, &|row: &Row, _, _| row.id == id, members, wanted)?;
    let Some(KeptRow { line, index: row_index, cells }) = (!scanned.kept.is_empty()).then(|| scanned.kept.remove(0)) else {
        return Ok(Err(unknown_id(&scanned, id)));
    };
    let layout = std::mem::take(&mut scanned.layout);
    let row = parse_row(scheme, &layout, line, cells, req.as_of);
    let (employee, others) = employee(req, lang, &layout, &scanned.long, row, |key| scanned.cohorts.composites(key));
    let warnings = std::mem::take(&mut scanned.warnings);
    let read = (scanned.inputs.clone(), scanned.notes.clone());
    let evaluation = evaluation(scheme, req.as_of, layout, read, warnings, vec![employee], lang);
    Ok(Ok(One { evaluation, others, row_index, place: Some(Place { scan: scanned, line, row_index, lang, source, pass_one: None }) }))
}

/// The employee `id` under quotas (`explain`): `evaluate`'s pass 1 keeps
/// the employee's row and counts their cohort as it reads every row, so the
/// file is not scanned first; its quota pass allocates the queue, which is
/// applied to the employee's decision and kept in the evaluation. The
/// inner error is the "no employee with id" message. Only for a scheme
/// with quotas.
pub fn one_queued<'s>(req: &scan::Request<'s>, id: &str, lang: Lang) -> Result<Result<One<'s>, String>> {
    let scheme = req.scheme;
    let source = scan::open(req)?;
    let (mut pass, found) = match found_by_pass_one(req, &source, id, None)? {
        Ok(found) => found,
        Err(message) => return Ok(Err(message)),
    };
    let (queue, _) = pass.queues(&queue_request(req), &source, None)?;
    let stream::Employee { row: KeptRow { line, index: row_index, cells }, cohort, layout, long, inputs, notes, warnings } = found.employee;
    let row = parse_row(scheme, &layout, line, cells, req.as_of);
    let (employee, others) = employee(req, lang, &layout, &long, row, |_| cohort);
    let mut evaluation = evaluation(scheme, req.as_of, layout, (inputs, notes), warnings, vec![employee], lang);
    let outcome = &mut evaluation.outcomes[0];
    queue.apply(scheme, &evaluation.words, row_index, outcome.row.grade, &mut outcome.decision);
    evaluation.quotas = Some(queue);
    Ok(Ok(One { evaluation, others, row_index, place: None }))
}

/// The employee `id` for `what-if` under quotas: `evaluate`'s pass 1
/// finds their row, counts every cohort and keeps every ranked row of the
/// employee's cohort (found first by [`scan::locate`]), as [`one`]'s scan
/// would; the pass is kept in the place for the quota pass of the change.
/// The inner error is the "no employee with id" message.
pub fn one_for_change<'s>(req: &scan::Request<'s>, id: &str, lang: Lang) -> Result<Result<One<'s>, String>> {
    let scheme = req.scheme;
    let source = scan::open(req)?;
    let wanted = scan::locate(req, &source, id);
    let (pass, found) = match found_by_pass_one(req, &source, id, Some(&wanted))? {
        Ok(found) => found,
        Err(message) => return Ok(Err(message)),
    };
    let stream::PassOneFound { employee: found, members, records_start } = found;
    // The scan's counts are pass 1's, which its quota pass reads too: a copy.
    let (cohorts, duplicates) = pass.counts();
    let (cohorts, duplicates) = (cohorts.clone(), duplicates.clone());
    let stream::Employee { row: KeptRow { line, index: row_index, cells }, cohort, layout, long, inputs, notes, warnings } = found;
    let row = parse_row(scheme, &layout, line, cells, req.as_of);
    let (employee, others) = employee(req, lang, &layout, &long, row, |_| cohort);
    // What a scan for the employee would have kept of the file.
    let scanned = Scan {
        display: source.display.clone(),
        layout: layout.clone(),
        inputs: inputs.clone(),
        long,
        warnings: Vec::new(),
        notes: notes.clone(),
        cohorts,
        duplicates,
        kept: Vec::new(),
        ids: scan::Ids::default(),
        members,
        records_start,
        wanted,
    };
    let evaluation = evaluation(scheme, req.as_of, layout, (inputs, notes), warnings, vec![employee], lang);
    let place = Place { scan: scanned, line, row_index, lang, source, pass_one: Some(pass) };
    Ok(Ok(One { evaluation, others, row_index, place: Some(place) }))
}

/// `evaluate`'s pass 1 of the file opened as `source` (with quotas), which
/// kept the first row with the id `id` and every ranked row of the cohorts
/// `members_of`, and what it found. The inner error is the "no employee
/// with id" message (a scan gathers what it says of the file's ids).
fn found_by_pass_one(
    req: &scan::Request,
    source: &Source,
    id: &str,
    members_of: Option<&scan::Wanted>,
) -> Result<Result<(stream::PassOne, stream::PassOneFound), String>> {
    let queue = queue_request(req);
    let Some(mut pass) = stream::pass_one(&queue, source, Some(id), members_of)? else {
        anyhow::bail!("internal error: a scheme without quotas has no queue")
    };
    Ok(match pass.found(&queue, source) {
        Some(found) => Ok((pass, found)),
        None => {
            let scanned = scan::scan(req, source, id, &|_, _, _| false, false, scan::Wanted::Cohorts(Vec::new()))?;
            Err(unknown_id(&scanned, id))
        }
    })
}

/// The "no employee with id" message, from what the scan kept of the ids.
fn unknown_id(scanned: &Scan, id: &str) -> String {
    let ids = &scanned.ids;
    super::unknown_id_among(id, &scanned.display, ids.count, ids.close.as_deref(), ids.first.as_deref(), ids.last.as_deref())
}

/// The employee's row evaluated by the exact detailed path, ranked among
/// the composites `cohort_of` gives for their cohort (which counted them
/// too); and the others' composites, highest first.
fn employee(
    req: &scan::Request,
    lang: Lang,
    layout: &Layout,
    long: &LongScores,
    row: Row,
    cohort_of: impl FnOnce(&CohortKey) -> Vec<i32>,
) -> (Outcome, Vec<Decimal>) {
    let scheme = req.scheme;
    let periods = Periods::new(scheme, req.as_of);
    let columns = ScoreColumns::new(scheme, layout, &periods);
    // The employee's reasons in `lang`, as the in-memory evaluation writes them.
    let words = Words::new(lang, scheme, Some(layout));
    let batch = Batch { scheme, layout, periods: &periods, columns: &columns, long, detail: true, words: &words };
    let mut cohort = Vec::new();
    let employee = outcome(&batch, row, |key, composite, band| {
        cohort = cohort_of(key);
        standing_in(scheme, &cohort, composite, band)
    });
    // The cohort counted the employee too.
    let mut others = cohort;
    if let Some(h) = employee.figures.as_ref().and_then(|f| f.composite).and_then(hundredths) {
        without(&mut others, h);
    }
    (employee, others.into_iter().map(|h| Decimal::new(i64::from(h), 2)).collect())
}

/// What the quota allocation of a scanned file reads it with: `evaluate`'s
/// passes, writing nothing.
fn queue_request<'a>(req: &scan::Request<'a>) -> stream::Request<'a> {
    stream::Request {
        scheme: req.scheme,
        files: req.files,
        scores: req.scores,
        as_of: req.as_of,
        // A format whose meta names the file's hash when the answer does.
        format: if req.hash { crate::report::Format::Json } else { crate::report::Format::Csv },
        statuses: &[],
        color: false,
        width: None,
        lang: Lang::En,
        progress: false,
        placement: false,
    }
}

/// The composites of a cohort, highest first, as a list that a change may edit.
struct Lists {
    entries: Vec<(CohortKey, Vec<i32>)>,
}

impl Lists {
    fn get(&mut self, scan: &Scan, key: &CohortKey) -> &mut Vec<i32> {
        let i = match self.entries.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                self.entries.push((key.clone(), scan.cohorts.composites(key)));
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    fn find(&self, key: &CohortKey) -> Option<&[i32]> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, l)| l.as_slice())
    }
}

/// `what-if` on a scanned file: the employee's row (`before`, found at `place`) changed into
/// `cells` (on `layout_after`, with the scores `long_after`), and every other
/// row whose result the change moves. Returns the before and after
/// evaluations of the employee, and what `diff` makes of each other row
/// evaluated before and after, in file order (their outcomes are not kept:
/// a change can move the rank of thousands).
pub fn what_if_after<'s, T>(
    req: &scan::Request<'s>,
    mut before: Evaluation<'s>,
    place: Place,
    layout_after: Layout,
    cells: crate::input::cells::Cells,
    long_after: &LongScores,
    diff: impl Fn(&Outcome, &Outcome) -> Option<T> + Sync,
) -> Result<(Evaluation<'s>, Evaluation<'s>, Vec<T>)>
where
    T: Send,
{
    let scheme = req.scheme;
    let Place { scan: mut scanned, line, row_index, lang, source, pass_one } = place;
    // The changed record, as the queue of the changed file reads it.
    let changed_cells = (!scheme.quotas.is_empty()).then(|| cells.clone());
    let row = parse_row(scheme, &layout_after, line, cells, req.as_of);
    let own_before = &before.outcomes[0];
    let key_before = own_before.cohort.clone();
    // A change that moves the employee to a cohort the scan did not rank:
    // the file is scanned again for both cohorts.
    if row.errors.is_empty() {
        let key_after = CohortKey::of(scheme, &layout_after, &row);
        if !scanned.wanted.ranks(&key_after) {
            let wanted = scan::Wanted::Cohorts(key_before.iter().cloned().chain([key_after]).collect());
            scanned = scan::scan(req, &source, &row.id, &|_, _, _| false, true, wanted)?;
        }
    }
    let h_before = own_before.figures.as_ref().and_then(|f| f.composite).and_then(hundredths);
    let mut lists = Lists { entries: Vec::new() };
    let mut lists_after = Lists { entries: Vec::new() };
    // The cohorts as they are, and as they are once the employee's composite moves.
    if let (Some(key), Some(h)) = (&key_before, h_before) {
        lists.get(&scanned, key);
        without(lists_after.get(&scanned, key), h);
    }
    let mut key_after = None;
    let periods = Periods::new(scheme, req.as_of);
    let columns = ScoreColumns::new(scheme, &layout_after, &periods);
    // Every reason in `lang` (the others' too: their unmet lists may change).
    let words = Words::new(lang, scheme, Some(&layout_after));
    let after =
        Batch { scheme, layout: &layout_after, periods: &periods, columns: &columns, long: long_after, detail: true, words: &words };
    let mut own_after = outcome(&after, row, |key, composite, band| {
        key_after = Some(key.clone());
        let list = lists_after.get(&scanned, key);
        with(list, hundredths(composite)?);
        standing_in(scheme, list, composite, band)
    });
    if let Some(key) = &key_after {
        lists.get(&scanned, key);
    }
    let h_after = own_after.figures.as_ref().and_then(|f| f.composite).and_then(hundredths);
    // Another row's result can only change through its standing, and only
    // in the cohorts the employee leaves or joins (none when the composite
    // and cohort stay), or, under quotas, through its place in the queue.
    // A change that makes the row invalid is refused (by the caller): the others need not be looked for.
    let invalid = own_after.row.errors.iter().any(|e| !before.outcomes[0].row.errors.contains(e));
    let mut moved = hashbrown::HashSet::new();
    if !invalid && (&key_before, h_before) != (&key_after, h_after) {
        let (was, now) = ((key_before.as_ref(), h_before), (key_after.as_ref(), h_after));
        moved = standing_moved(scheme, &scanned, line, (&lists, &lists_after), was, now);
    }
    // Under quotas: the queue of the file, and of the file as changed (the
    // employee's record read as changed, the ranks moved with it), from one
    // pass 1; the rows the two treat differently are read back too.
    let allocations = match changed_cells {
        Some(cells) if !invalid => {
            let was = key_before.as_ref().zip(h_before);
            let change = stream::Change { index: row_index, line, cells: &cells, long: long_after, was };
            // Under quotas the place holds the pass 1 that found the employee ([`one_for_change`]).
            let Some(mut pass) = pass_one else { anyhow::bail!("internal error: a queue without its pass 1") };
            let (queue_before, Some(queue_after)) = pass.queues(&queue_request(req), &source, Some(&change))? else {
                anyhow::bail!("internal error: a change without the queue of the file as changed")
            };
            moved.extend(queue_before.lines_that_differ(&queue_after).into_iter().filter(|l| *l != line));
            let own_before = &mut before.outcomes[0];
            queue_before.apply(scheme, &words, row_index, own_before.row.grade, &mut own_before.decision);
            queue_after.apply(scheme, &words, row_index, own_after.row.grade, &mut own_after.decision);
            Some((queue_before, queue_after))
        }
        _ => None,
    };
    let mut others = Vec::new();
    if !moved.is_empty() {
        let layout = &before.layout;
        // The others' figures the batch's fast way (explain's detail is only the employee's).
        let columns_before = ScoreColumns::new(scheme, layout, &periods);
        let others_ranked = Batch { layout, columns: &columns_before, long: &scanned.long, detail: false, ..after };
        let others_after = Batch { long: &scanned.long, detail: false, ..after };
        // An other's decision with the queue's allocation of it applied (its row index by its line).
        let queued = |queue: Option<&Allocation>, mut o: Outcome| {
            if let Some(queue) = queue {
                if let Some(index) = queue.row_at_line(o.row.line) {
                    queue.apply(scheme, &words, index, o.row.grade, &mut o.decision);
                }
            }
            o
        };
        // Members are ranked rows, never a duplicate id's; the employee's own line is not among them.
        // Each picked row is evaluated as its chunk comes in, and only what changed is kept.
        others = scan::pick_lines(&source, scanned.records_start, &moved, |other_line, cells| {
            let row = parse_row(scheme, layout, other_line, cells.clone(), req.as_of);
            let standing = |key: &CohortKey, c, band| lists.find(key).and_then(|l| standing_in(scheme, l, c, band));
            let other_before = queued(allocations.as_ref().map(|(b, _)| b), outcome(&others_ranked, row, standing));
            let row = parse_row(scheme, &layout_after, other_line, cells, req.as_of);
            let standing = |key: &CohortKey, c, band| lists_after.find(key).and_then(|l| standing_in(scheme, l, c, band));
            let other_after = queued(allocations.as_ref().map(|(_, a)| a), outcome(&others_after, row, standing));
            diff(&other_before, &other_after)
        })?;
    }
    // `before` is the employee's evaluation as `one` made it; the others are in `others`.
    let read = (scanned.inputs.clone(), scanned.notes.clone());
    let mut after = evaluation(scheme, req.as_of, layout_after, read, Vec::new(), vec![own_after], lang);
    if let Some((queue_before, queue_after)) = allocations {
        before.quotas = Some(queue_before);
        after.quotas = Some(queue_after);
    }
    Ok((before, after, others))
}

/// The lines of the ranked rows (other than the employee's, on `line`)
/// whose standing differs between the cohorts as they are and as they are
/// after the change (`lists`), the employee having moved from `was` to `now`
/// (their cohort and composite in hundredths), from what the scan kept of
/// every ranked row.
fn standing_moved(
    scheme: &Scheme,
    scanned: &Scan,
    line: u64,
    (lists, lists_after): (&Lists, &Lists),
    was: (Option<&CohortKey>, Option<i32>),
    now: (Option<&CohortKey>, Option<i32>),
) -> hashbrown::HashSet<u64> {
    // The cohorts the employee leaves and joins, by their place among the members'.
    let watched: Vec<(u32, &[i32], &[i32])> = [was.0, now.0]
        .into_iter()
        .flatten()
        .filter_map(|key| Some((scanned.members.keys.get(key)?, lists.find(key)?, lists_after.find(key)?)))
        .collect();
    // Within one cohort only the composites from the lower of the
    // employee's two up to (not including) the higher have a different
    // number above them: no other member's standing can move.
    let between = match (was.1, now.1) {
        (Some(b), Some(a)) if was.0 == now.0 => Some((b.min(a), b.max(a))),
        _ => None,
    };
    let mut moved = hashbrown::HashSet::new();
    for m in scanned.members.iter(scheme) {
        if between.is_some_and(|(low, high)| m.composite < low || m.composite >= high) {
            continue;
        }
        let Some((_, b, a)) = watched.iter().find(|(c, _, _)| *c == m.cohort) else { continue };
        let composite = Decimal::new(i64::from(m.composite), 2);
        let band = m.band.map(|b| b as usize);
        if m.line != line && standing_in(scheme, b, composite, band) != standing_in(scheme, a, composite, band) {
            moved.insert(m.line);
        }
    }
    moved
}
