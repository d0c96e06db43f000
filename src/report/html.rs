//! `html`: one self-contained page for people who would rather look than
//! read a table — the summary by grade and status, each grade's composite
//! distribution as an inline SVG histogram, the ladder itself drawn as an
//! inline SVG (sequences as columns of grades, bridges as curved arrows), and
//! every result in a table that sorts when a header is clicked.
//!
//! Nothing is fetched: the CSS, the SVG and the few lines of JavaScript are
//! inline, so the page opens from a mail attachment or an air-gapped share.
//! Every text from the inputs (names may hold `<script>`) is escaped. The
//! page has no date or random id in it: the same inputs give the same bytes.
//!
//! Test hooks: when its script has run, the page sets `data-ready="1"` on
//! `<html>`; a fragment `#sort=COLUMN:asc|desc` sorts on load (the table then
//! carries `data-sorted="COLUMN:desc"`), so a headless browser can check both.

use super::{Meta, ResultRecord, Summary};
use crate::decision::Status;
use crate::exact::format_figure_fixed;
use crate::report::i18n::{Label, Lang};
use crate::scheme::Scheme;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Escapes text for HTML content and attribute values (and SVG text).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn status_class(s: Status) -> &'static str {
    s.as_str()
}

fn figure(d: Option<Decimal>) -> String {
    d.map(format_figure_fixed).unwrap_or_default()
}

/// One grade as the report groups results: by sequence and grade id as the
/// records carry them (a row in error may name a grade the scheme lacks).
struct GradeStats<'a> {
    sequence: &'a str,
    grade: &'a str,
    title: String,
    by_status: [usize; 6],
    composites: Vec<Decimal>,
}

fn status_index(s: Status) -> usize {
    Status::EVERY.iter().position(|x| *x == s).unwrap_or(0)
}

/// Grades in scheme order (sequence by sequence, lowest first), then any
/// other grade text the records hold, in order of appearance.
fn grade_stats<'a>(meta: &'a Meta, records: &'a [ResultRecord]) -> Vec<GradeStats<'a>> {
    let mut stats: Vec<GradeStats> = Vec::new();
    let mut index: HashMap<(&str, &str), usize> = HashMap::new();
    for s in &meta.scheme.sequences {
        for g in &s.grades {
            index.insert((s.id.as_str(), g.id.as_str()), stats.len());
            stats.push(GradeStats { sequence: &s.id, grade: &g.id, title: g.title.clone(), by_status: [0; 6], composites: Vec::new() });
        }
    }
    for r in records {
        // A placement is counted at the grade placed at (the given grade is not read).
        let grade = if r.status == Status::Place { r.recommended_grade.as_deref().unwrap_or(&r.grade) } else { &r.grade };
        let key = (&*r.sequence, grade);
        let i = *index.entry(key).or_insert_with(|| {
            stats.push(GradeStats { sequence: &r.sequence, grade, title: String::new(), by_status: [0; 6], composites: Vec::new() });
            stats.len() - 1
        });
        stats[i].by_status[status_index(r.status)] += 1;
        if let Some(c) = r.composite {
            stats[i].composites.push(c);
        }
    }
    stats
}

const CSS: &str = r#"
:root{--promote:#1a7f37;--hold:#6e7781;--top:#0969da;--demote:#bc4c00;--error:#cf222e;--line:#d0d7de;--ink:#1f2328;--muted:#656d76;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:var(--ink);margin:0;padding:20px 24px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:32px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta{color:var(--muted);margin:0 0 4px}.meta code{font-size:12px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:110px;background:var(--bg)}
.card b{display:block;font-size:24px}.card.promote b{color:var(--promote)}.card.hold b{color:var(--hold)}.card.top b{color:var(--top)}.card.demote b{color:var(--demote)}.card.error b{color:var(--error)}
table{border-collapse:collapse}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
.wide{overflow-x:auto}#results{font-size:13px;width:100%}
th{background:var(--bg);white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
#results th{cursor:pointer;user-select:none;position:sticky;top:0}
#results th[aria-sort=ascending]::after{content:" \25B2"}#results th[aria-sort=descending]::after{content:" \25BC"}
#results tbody tr:nth-child(even){background:#fbfcfd}
#results th{font-size:12px}#results td.why{min-width:260px}#results td.why ul{margin:0;padding-left:16px}
.status{font-weight:600;white-space:nowrap}.status.promote{color:var(--promote)}.status.hold{color:var(--hold)}.status.top{color:var(--top)}.status.demote{color:var(--demote)}.status.error{color:var(--error)}
.charts{display:flex;flex-wrap:wrap;gap:14px}
.chart{border:1px solid var(--line);border-radius:8px;padding:6px 8px}
.chart h3{font-size:13px;margin:0 0 2px}
svg text{font-family:inherit}
.ladder{overflow-x:auto}
#filter{margin:0 0 8px;padding:4px 8px;width:320px;font:inherit}
.empty{color:var(--muted)}td.date{white-space:nowrap}
@media print{#filter{display:none}#results th{position:static}}
"#;

/// Sorting (click a header; again for the other direction) and filtering;
/// `#sort=COLUMN:asc|desc` sorts on load.
const JS: &str = r"
(function(){
  var table=document.getElementById('results');
  if(!table){document.documentElement.setAttribute('data-ready','1');return;}
  var body=table.tBodies[0], heads=Array.prototype.slice.call(table.tHead.rows[0].cells);
  function key(row,i){var c=row.cells[i];return c.hasAttribute('data-v')?c.getAttribute('data-v'):c.textContent;}
  function sortBy(i,dir){
    var num=heads[i].getAttribute('data-type')==='num';
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){
      var x=key(a,i),y=key(b,i),d;
      if(num){
        if(x===''||y===''){d=(x==='')-(y==='');if(d)return d;}
        d=dir*((parseFloat(x)||0)-(parseFloat(y)||0));
      }else{d=dir*x.localeCompare(y);}
      return d||(a.getAttribute('data-i')-b.getAttribute('data-i'));
    });
    rows.forEach(function(r){body.appendChild(r);});
    heads.forEach(function(h,j){if(j===i){h.setAttribute('aria-sort',dir>0?'ascending':'descending');}else{h.removeAttribute('aria-sort');}});
    table.setAttribute('data-sorted',heads[i].getAttribute('data-key')+':'+(dir>0?'asc':'desc'));
  }
  heads.forEach(function(h,i){
    h.addEventListener('click',function(){sortBy(i,h.getAttribute('aria-sort')==='ascending'?-1:1);});
  });
  var filter=document.getElementById('filter');
  if(filter){filter.addEventListener('input',function(){
    var q=filter.value.toLowerCase();
    Array.prototype.forEach.call(body.rows,function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';});
  });}
  var m=/^#sort=([a-z_]+):(asc|desc)$/.exec(location.hash);
  if(m){heads.forEach(function(h,i){if(h.getAttribute('data-key')===m[1]){sortBy(i,m[2]==='asc'?1:-1);}});}
  document.documentElement.setAttribute('data-ready','1');
})();
";

/// `calibration`: the calibration sheet, drawn after the ladder when the
/// scheme has a `distribution` (SPEC §8.5).
pub fn write_html(
    meta: &Meta,
    records: &[ResultRecord],
    summary: &Summary,
    calibration: Option<&crate::batch::calibration::Sheet>,
    out: &mut dyn Write,
    lang: Lang,
) -> io::Result<()> {
    let mut page = String::with_capacity(64 * 1024 + records.len() * 512);
    let scheme = meta.scheme;
    let title = format!("{} — {}", scheme.title, meta.periods.as_of);
    let join = |ps: &[crate::calendar::Period]| ps.iter().map(std::string::ToString::to_string).collect::<Vec<_>>().join(" ");
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"ladder {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        lang.pick("en", "zh-CN"),
        escape(crate::VERSION),
        escape(&title)
    );
    let _ = writeln!(page, "<h1>{} <small>({})</small></h1>", escape(&scheme.title), escape(&scheme.id));
    let _ = writeln!(
        page,
        "<p class=\"meta\">{} {} · {} {} · {} {}</p>",
        lang.pick("as of", "评估日期"),
        meta.periods.as_of,
        lang.pick("quarters", "考核季度"),
        escape(&join(&meta.periods.quarters)),
        lang.pick("halves", "评价半年"),
        escape(&join(&meta.periods.halves)),
    );
    for (path, sha) in &meta.inputs {
        let hash = if sha.is_empty() { String::new() } else { format!(" · sha256 <code>{}</code>", escape(sha)) };
        let _ = writeln!(page, "<p class=\"meta\">{} <code>{}</code>{hash}</p>", lang.pick("input", "输入"), escape(path));
    }
    let _ = writeln!(page, "<p class=\"meta\">ladder {}</p>", escape(crate::VERSION));

    let stats = grade_stats(meta, records);
    write_summary(&mut page, summary, &stats, lang);
    write_histograms(&mut page, meta, &stats, lang);
    write_ladder(&mut page, meta, &stats, lang);
    if let Some(sheet) = calibration {
        write_calibration(&mut page, scheme, sheet, lang);
    }
    write_results(&mut page, meta, records, lang);
    let _ = write!(page, "<script>{JS}</script>\n</body>\n</html>\n");
    out.write_all(page.as_bytes())
}

fn write_summary(page: &mut String, summary: &Summary, stats: &[GradeStats], lang: Lang) {
    let _ = writeln!(page, "<h2>{}</h2>", lang.pick("Summary", "汇总"));
    let _ = writeln!(page, "<div class=\"cards\">");
    match summary.evaluated {
        // `--status` printed some: of how many.
        Some(n) => {
            let _ = writeln!(
                page,
                "<div class=\"card\"><b>{}</b>{}</div>",
                summary.total,
                match lang {
                    Lang::En => format!("of {n} employees"),
                    Lang::Zh => format!("人（共 {n} 人）"),
                }
            );
        }
        None => {
            let _ = writeln!(page, "<div class=\"card\"><b>{}</b>{}</div>", summary.total, lang.pick("employees", "人"));
        }
    }
    for (s, n) in &summary.by_status {
        let _ = writeln!(page, "<div class=\"card {}\"><b>{n}</b>{}</div>", status_class(*s), escape(lang.status(*s)));
    }
    let _ = writeln!(page, "</div>");
    let _ =
        writeln!(page, "<table id=\"by-grade\">\n<thead><tr><th>{}</th><th>{}</th>", lang.label(Label::Sequence), lang.label(Label::Grade));
    // `place` has a column only in a placement's report.
    let placing = summary.by_status.iter().any(|(s, n)| *s == Status::Place && *n > 0);
    let shown = |s: &Status| *s != Status::Place || placing;
    for s in Status::EVERY.into_iter().filter(shown) {
        let _ = write!(page, "<th class=\"n status {}\">{}</th>", status_class(s), escape(lang.status(s)));
    }
    let _ = writeln!(page, "<th class=\"n\">{}</th></tr></thead>\n<tbody>", lang.pick("total", "合计"));
    for g in stats.iter().filter(|g| g.by_status.iter().sum::<usize>() > 0) {
        let total: usize = g.by_status.iter().sum();
        let _ = write!(page, "<tr><td>{}</td><td>{} {}</td>", escape(g.sequence), escape(g.grade), escape(&g.title));
        for (_, n) in Status::EVERY.iter().zip(g.by_status).filter(|(s, _)| shown(s)) {
            let _ = write!(page, "<td class=\"n\">{}</td>", if n == 0 { String::new() } else { n.to_string() });
        }
        let _ = writeln!(page, "<td class=\"n\"><b>{total}</b></td></tr>");
    }
    let _ = writeln!(page, "</tbody>\n</table>");
}

/// One histogram per grade with composites: 10 bins of 10 points (the last
/// includes 100), dashed lines at the band cut points.
fn write_histograms(page: &mut String, meta: &Meta, stats: &[GradeStats], lang: Lang) {
    let _ = writeln!(page, "<h2>{}</h2>", lang.pick("Composite by grade", "各职级综合得分分布"));
    let with = stats.iter().filter(|g| !g.composites.is_empty()).count();
    if with == 0 {
        let _ = writeln!(page, "<p class=\"empty\">{}</p>", lang.pick("No composite to show.", "没有综合得分。"));
        return;
    }
    let _ = writeln!(page, "<div class=\"charts\">");
    let (w, h, left, bottom, top) = (300.0f64, 140.0f64, 14.0f64, 20.0f64, 26.0f64);
    let plot_w = w - left - 16.0;
    let plot_h = h - bottom - top;
    for g in stats.iter().filter(|g| !g.composites.is_empty()) {
        let mut bins = [0usize; 10];
        for c in &g.composites {
            let bin = (*c / Decimal::TEN).floor().to_usize().unwrap_or(0).min(9);
            bins[bin] += 1;
        }
        let max = *bins.iter().max().unwrap_or(&1).max(&1) as f64;
        let _ = writeln!(
            page,
            "<div class=\"chart\"><h3>{} {} <span class=\"empty\">(n={})</span></h3>",
            escape(g.grade),
            escape(&g.title),
            g.composites.len()
        );
        let _ = writeln!(
            page,
            "<svg class=\"histogram\" data-grade=\"{}\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">",
            escape(g.grade),
            escape(&format!("{} {}", lang.pick("composite distribution of", "综合得分分布"), g.grade))
        );
        let x = |v: f64| left + plot_w * v / 100.0;
        let base = top + plot_h;
        let _ = writeln!(page, "<line x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#8c959f\"/>", left + plot_w);
        for (i, n) in bins.iter().enumerate() {
            if *n == 0 {
                continue;
            }
            let bh = plot_h * (*n as f64) / max;
            let x0 = x(i as f64 * 10.0) + 1.0;
            let _ = writeln!(
                page,
                "<rect x=\"{x0:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#54aeff\"><title>{}–{}: {n}</title></rect>",
                base - bh,
                plot_w / 10.0 - 2.0,
                i * 10,
                if i == 9 { 100 } else { i * 10 + 10 }
            );
            let _ = writeln!(
                page,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{n}</text>",
                x0 + plot_w / 20.0 - 1.0,
                base - bh - 2.0
            );
        }
        for band in meta.scheme.bands.iter().filter(|b| b.min > Decimal::ZERO && b.min < Decimal::ONE_HUNDRED) {
            let bx = x(band.min.to_f64().unwrap_or(0.0));
            let _ = writeln!(
                page,
                "<line x1=\"{bx:.1}\" y1=\"14\" x2=\"{bx:.1}\" y2=\"{base}\" stroke=\"#bc4c00\" stroke-dasharray=\"3 3\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#bc4c00\">{}</text>",
                bx + 2.0,
                11.0,
                escape(&band.id)
            );
        }
        for tick in [0, 20, 40, 60, 80, 100] {
            let _ = writeln!(
                page,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#656d76\">{tick}</text>",
                x(f64::from(tick)),
                h - 6.0
            );
        }
        let _ = writeln!(page, "</svg></div>");
    }
    let _ = writeln!(page, "</div>");
}

/// The ladder: one column per sequence, grades bottom-up; a grade sits
/// above the grades that bridge into it, so every arrow points up.
fn write_ladder(page: &mut String, meta: &Meta, stats: &[GradeStats], lang: Lang) {
    let scheme = meta.scheme;
    let _ = writeln!(page, "<h2>{}</h2>", lang.pick("The ladder", "晋升通道"));
    let row = ladder_rows(scheme);
    // Columns: sequences by their lowest row, so the entry track is on the left.
    let mut order: Vec<usize> = (0..scheme.sequences.len()).collect();
    order.sort_by_key(|s| (row[*s].first().copied().unwrap_or(0), *s));
    let column_of = |s: usize| order.iter().position(|x| *x == s).unwrap_or(0);
    let rows = row.iter().flat_map(|r| r.iter().copied()).max().map_or(1, |m| m + 1);
    let (box_w, box_h, gap_x, gap_y, pad) = (190.0f64, 50.0f64, 90.0f64, 28.0f64, 20.0f64);
    let width = pad * 2.0 + order.len() as f64 * box_w + (order.len().saturating_sub(1)) as f64 * gap_x;
    let height = pad * 2.0 + 24.0 + rows as f64 * box_h + (rows.saturating_sub(1)) as f64 * gap_y;
    let bx = |s: usize| pad + column_of(s) as f64 * (box_w + gap_x);
    let by = |s: usize, g: usize| height - pad - box_h - row[s][g] as f64 * (box_h + gap_y);
    let count: HashMap<(&str, &str), &GradeStats> = stats.iter().map(|g| ((g.sequence, g.grade), g)).collect();
    let _ = writeln!(page, "<div class=\"ladder\">");
    let _ = writeln!(
        page,
        "<svg id=\"ladder\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">",
        escape(lang.pick("sequences and bridges", "序列与转换通道"))
    );
    let _ = writeln!(
        page,
        "<defs><marker id=\"up\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#57606a\"/></marker>\
         <marker id=\"bridge\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0L10,5L0,10z\" fill=\"#8250df\"/></marker></defs>"
    );
    for (s, seq) in scheme.sequences.iter().enumerate() {
        let _ = writeln!(
            page,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" font-weight=\"600\" text-anchor=\"middle\">{} ({})</text>",
            bx(s) + box_w / 2.0,
            pad + 4.0,
            escape(&seq.title),
            escape(&seq.id)
        );
    }
    // Bridges first, so the grade boxes cover where a curve crosses a column.
    for b in &scheme.bridges {
        let (fs, fg, ts, tg) = (b.from.sequence, b.from.index, b.to.sequence, b.to.index);
        let rightward = column_of(ts) >= column_of(fs);
        let (x1, x2) = if rightward { (bx(fs) + box_w, bx(ts)) } else { (bx(fs), bx(ts) + box_w) };
        let (y1, y2) = (by(fs, fg) + box_h / 2.0, by(ts, tg) + box_h / 2.0);
        let bend = (x2 - x1) / 2.0;
        let label = b.title.clone().unwrap_or_else(|| format!("{} → {}", scheme.grade(b.from).id, scheme.grade(b.to).id));
        let _ = writeln!(
            page,
            "<path class=\"bridge\" d=\"M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}\" fill=\"none\" stroke=\"#8250df\" stroke-width=\"1.6\" stroke-dasharray=\"6 3\" marker-end=\"url(#bridge)\"><title>{}</title></path>",
            x1 + bend,
            x2 - bend,
            escape(&label)
        );
    }
    for (s, seq) in scheme.sequences.iter().enumerate() {
        for (g, grade) in seq.grades.iter().enumerate() {
            let (x, y) = (bx(s), by(s, g));
            if g > 0 {
                let below = by(s, g - 1);
                let _ = writeln!(
                    page,
                    "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"#57606a\" stroke-width=\"1.6\" marker-end=\"url(#up)\"/>",
                    x + box_w / 2.0,
                    below,
                    y + box_h + 1.0
                );
            }
            let people = count.get(&(seq.id.as_str(), grade.id.as_str()));
            let total: usize = people.map_or(0, |p| p.by_status.iter().sum());
            let promote = people.map_or(0, |p| p.by_status[status_index(Status::Promote)]);
            let line2 = match (total, lang) {
                (0, _) => String::new(),
                (1, Lang::En) => format!("1 employee · {promote} promote"),
                (n, Lang::En) => format!("{n} employees · {promote} promote"),
                (n, Lang::Zh) => format!("{n} 人 · 晋升 {promote}"),
            };
            let _ = writeln!(
                page,
                "<g class=\"grade\" data-grade=\"{}\"><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{box_w}\" height=\"{box_h}\" rx=\"7\" fill=\"#ffffff\" stroke=\"#0969da\" stroke-width=\"1.4\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" text-anchor=\"middle\"><tspan font-weight=\"600\">{}</tspan> {}</text>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#656d76\">{}</text></g>",
                escape(&grade.id),
                x + box_w / 2.0,
                y + 21.0,
                escape(&grade.id),
                escape(&grade.title),
                x + box_w / 2.0,
                y + 39.0,
                escape(&line2)
            );
        }
    }
    let _ = writeln!(page, "</svg>\n</div>");
    write_bridge_list(page, scheme);
}

/// The row of each grade in the drawing (0 at the bottom), per sequence:
/// within a sequence one above the other; a bridge's target above its source.
fn ladder_rows(scheme: &Scheme) -> Vec<Vec<usize>> {
    let mut row: Vec<Vec<usize>> = scheme.sequences.iter().map(|s| (0..s.grades.len()).collect()).collect();
    let total: usize = row.iter().map(Vec::len).sum();
    // Each round lifts what must be higher; a layout settles within as many rounds as grades.
    for _ in 0..=total {
        let mut changed = false;
        for b in &scheme.bridges {
            let need = row[b.from.sequence][b.from.index] + 1;
            if row[b.to.sequence][b.to.index] < need {
                row[b.to.sequence][b.to.index] = need;
                changed = true;
            }
        }
        for r in &mut row {
            for i in 1..r.len() {
                if r[i] <= r[i - 1] {
                    r[i] = r[i - 1] + 1;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    row
}

/// The bridges as a list under the drawing, with their titles.
fn write_bridge_list(page: &mut String, scheme: &Scheme) {
    if scheme.bridges.is_empty() {
        return;
    }
    let _ = writeln!(page, "<ul class=\"bridges\">");
    for b in &scheme.bridges {
        let (from, to) = (scheme.grade(b.from), scheme.grade(b.to));
        let title = b.title.as_deref().map(|t| format!(" — {}", escape(t))).unwrap_or_default();
        let _ = writeln!(page, "<li>{} {} → {} {}{title}</li>", escape(&from.id), escape(&from.title), escape(&to.id), escape(&to.title));
    }
    let _ = writeln!(page, "</ul>");
}

fn write_results(page: &mut String, meta: &Meta, records: &[ResultRecord], lang: Lang) {
    let _ = writeln!(page, "<h2>{}</h2>", lang.pick("Results", "评估结果"));
    let _ = writeln!(
        page,
        "<input id=\"filter\" type=\"search\" placeholder=\"{}\" aria-label=\"{}\">",
        escape(lang.pick("Filter rows…", "筛选…")),
        escape(lang.pick("filter rows", "筛选"))
    );
    // (key for #sort=, label, numeric?)
    // The sequence is not a column: grade ids are unique scheme-wide, and the
    // summary and the ladder show which sequence each grade is on.
    let columns: [(&str, Label, bool); 13] = [
        ("id", Label::Id, false),
        ("name", Label::Name, false),
        ("grade", Label::Grade, false),
        ("position", Label::Position, false),
        ("kpi", Label::Kpi, true),
        ("competency", Label::Competency, true),
        ("composite", Label::Composite, true),
        ("band", Label::Band, true),
        ("rank_pct", Label::RankPct, true),
        ("status", Label::Status, true),
        ("recommended", Label::Recommended, false),
        ("eligible_on", Label::EligibleOn, false),
        ("why", Label::Why, false),
    ];
    let _ = write!(page, "<div class=\"wide\"><table id=\"results\">\n<thead><tr>");
    for (key, label, numeric) in columns {
        let class = if numeric && !matches!(key, "band" | "status") { " class=\"n\"" } else { "" };
        let _ = write!(
            page,
            "<th data-key=\"{key}\"{}{class} title=\"{}\">{}</th>",
            if numeric { " data-type=\"num\"" } else { "" },
            escape(lang.pick("click to sort", "点击排序")),
            escape(lang.label(label))
        );
    }
    let _ = writeln!(page, "</tr></thead>\n<tbody>");
    let band_rank: HashMap<&str, usize> = meta.scheme.bands.iter().enumerate().map(|(i, b)| (b.id.as_str(), i)).collect();
    for (i, r) in records.iter().enumerate() {
        let num = |d: Option<Decimal>| {
            let shown = figure(d);
            format!("<td class=\"n\" data-v=\"{}\">{}</td>", d.map(|d| d.normalize().to_string()).unwrap_or_default(), shown)
        };
        let _ = write!(page, "<tr data-i=\"{i}\" data-status=\"{}\">", r.status.as_str());
        let _ = write!(
            page,
            "<td>{}</td><td>{}</td><td title=\"{}\">{}</td><td>{}</td>",
            escape(&r.id),
            escape(&r.name),
            escape(lang.sequence(meta.scheme, &r.sequence)),
            escape(lang.grade(meta.scheme, &r.grade)),
            escape(lang.position(meta.scheme, &r.position))
        );
        page.push_str(&num(r.kpi));
        page.push_str(&num(r.competency));
        page.push_str(&num(r.composite));
        // Bands sort best first when ascending: A (0) before D (3).
        let band_v = r.band.as_deref().and_then(|b| band_rank.get(b)).map(std::string::ToString::to_string).unwrap_or_default();
        let band_text = super::table::band_text(r).unwrap_or_default();
        let _ = write!(page, "<td data-v=\"{band_v}\">{}</td>", escape(&band_text));
        match (r.rank, r.cohort_size) {
            // The rank in the cohort on hover: "2 / 6".
            (Some(rank), Some(size)) => {
                let d = r.rank_pct;
                let _ = write!(
                    page,
                    "<td class=\"n\" data-v=\"{}\" title=\"{rank} / {size}\">{}</td>",
                    d.map(|d| d.normalize().to_string()).unwrap_or_default(),
                    figure(d)
                );
            }
            _ => page.push_str(&num(r.rank_pct)),
        }
        let _ = write!(
            page,
            "<td class=\"status {}\" data-v=\"{}\">{}</td>",
            status_class(r.status),
            status_index(r.status),
            escape(lang.status(r.status))
        );
        let _ = write!(
            page,
            "<td>{}</td><td class=\"date\">{}</td>",
            escape(r.recommended_grade.as_deref().map_or("", |g| lang.grade(meta.scheme, g))),
            escape(r.eligible_on.as_deref().unwrap_or(""))
        );
        let why = super::table::why(r, lang, meta.scheme);
        if why.is_empty() {
            page.push_str("<td class=\"why\"></td>");
        } else {
            page.push_str("<td class=\"why\"><ul>");
            for line in &why {
                let _ = write!(page, "<li>{}</li>", escape(line));
            }
            page.push_str("</ul></td>");
        }
        page.push_str("</tr>\n");
    }
    let _ = writeln!(page, "</tbody>\n</table></div>");
}

/// The calibration sheet (SPEC §8.5), when the scheme has a `distribution`:
/// per cohort, each band's head count against the distribution's target and
/// the difference, as `ladder calibrate` prints them (the same
/// [`Sheet`](crate::batch::calibration::Sheet)), with the two drawn side by
/// side as inline SVG bars; then every cohort added up. The numbers are in
/// `data-` attributes too, for a script or a test to read.
pub fn write_calibration(page: &mut String, scheme: &crate::scheme::Scheme, sheet: &crate::batch::calibration::Sheet, lang: Lang) {
    use crate::batch::calibration::{group_label, BandLine};
    let Some(distribution) = &scheme.distribution else { return };
    let _ = writeln!(page, "<h2 id=\"calibration\">{}</h2>", lang.pick("Calibration", "强制分布校准"));
    let shares: Vec<String> =
        scheme.bands.iter().zip(&distribution.percent).map(|(b, p)| format!("{} {} %", escape(&b.id), p.normalize())).collect();
    let _ = writeln!(
        page,
        "<p class=\"meta\">{} {} · {}</p>",
        lang.pick("distribution", "分布"),
        shares.join(" · "),
        match lang {
            Lang::En => format!("cohorts under {} keep their bands (distribution_min_cohort)", distribution.min_cohort),
            Lang::Zh => format!("不足 {} 人的组保留原档次（distribution_min_cohort）", distribution.min_cohort),
        }
    );
    let _ = writeln!(
        page,
        "<p class=\"meta\">{}</p>",
        lang.pick(
            "count: employees whose band (by composite, before calibration) is this band; target: the percentage × the head count, rounded; difference = count − target (+n: n more than the target).",
            "人数：按综合得分（校准前）落在该档的人数；目标：比例 × 组人数，四舍五入；差额 = 人数 − 目标（+n 表示比目标多 n 人）。"
        )
    );
    let draw = |page: &mut String, kind: &str, label: &str, values: &[String], head_count: usize, forced: bool, bands: &[BandLine]| {
        let mut fields = String::new();
        for (f, v) in sheet.fields.iter().zip(values) {
            let _ = write!(fields, " data-{}=\"{}\"", escape(&attribute_name(f)), escape(v));
        }
        let _ = writeln!(
            page,
            "<div class=\"chart {kind}\" data-group=\"{}\" data-head-count=\"{head_count}\" data-forced=\"{forced}\"{fields}>",
            escape(label)
        );
        let note = if forced {
            String::new()
        } else {
            format!(" — {}", lang.pick("under distribution_min_cohort, keeps its bands", "人数不足，保留原档次"))
        };
        let _ = writeln!(page, "<h3>{} <span class=\"empty\">(n={head_count}){}</span></h3>", escape(label), escape(&note));
        calibration_bars(page, scheme, label, bands, lang);
        let _ = writeln!(
            page,
            "<table class=\"calibration\"><thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th></tr></thead><tbody>",
            lang.pick("band", "档次"),
            lang.pick("target %", "目标比例"),
            lang.pick("count", "人数"),
            lang.pick("target", "目标"),
            lang.pick("difference", "差额")
        );
        for l in bands {
            let band = &scheme.bands[l.band];
            let diff = l.difference();
            let shown = if diff > 0 { format!("+{diff}") } else { diff.to_string() };
            let _ = writeln!(
                page,
                "<tr data-band=\"{}\" data-count=\"{}\" data-target=\"{}\" data-difference=\"{diff}\"><td>{} {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{shown}</td></tr>",
                escape(&band.id),
                l.count,
                l.target,
                escape(&band.id),
                escape(&band.title),
                distribution.percent[l.band].normalize(),
                l.count,
                l.target
            );
        }
        let _ = writeln!(page, "</tbody></table></div>");
    };
    let _ = writeln!(page, "<div class=\"charts\">");
    for g in &sheet.groups {
        draw(page, "calibration-group", &group_label(&sheet.fields, &g.values), &g.values, g.head_count, g.forced, &g.bands);
    }
    let _ = writeln!(page, "</div>");
    let _ = writeln!(page, "<div class=\"charts\">");
    let all = lang.pick("all groups", "全部");
    draw(page, "calibration-total", all, &[], sheet.head_count(), true, &sheet.totals(scheme));
    let _ = writeln!(page, "</div>");
    let _ = writeln!(
        page,
        "<p class=\"meta\" data-unbanded=\"{0}\">{1}</p>",
        sheet.unbanded,
        match lang {
            Lang::En => format!(
                "{} group(s), {} employees with a band; {} without one (in error or without a composite) are in no group.",
                sheet.groups.len(),
                sheet.head_count(),
                sheet.unbanded
            ),
            Lang::Zh => format!(
                "共 {} 组，{} 人有档次；{} 人没有档次（出错或没有综合得分），不计入任何组。",
                sheet.groups.len(),
                sheet.head_count(),
                sheet.unbanded
            ),
        }
    );
}

/// A grouping field as the name of a `data-` attribute: lower-case ASCII
/// letters, digits and `-`; anything else (a Chinese header) as its code point.
fn attribute_name(field: &str) -> String {
    let mut name = String::from("by-");
    for c in field.chars() {
        match c {
            'a'..='z' | '0'..='9' | '-' => name.push(c),
            'A'..='Z' => name.push(c.to_ascii_lowercase()),
            '_' | ' ' | '.' => name.push('-'),
            c => {
                let _ = write!(name, "u{:x}", c as u32);
            }
        }
    }
    name
}

/// One group's bands drawn: for each band, the target (outlined) beside the
/// count (filled), on one scale; the count is red above its target, grey below.
fn calibration_bars(
    page: &mut String,
    scheme: &crate::scheme::Scheme,
    label: &str,
    bands: &[crate::batch::calibration::BandLine],
    lang: Lang,
) {
    let (h, left, bottom, top, slot) = (150.0f64, 10.0f64, 34.0f64, 16.0f64, 56.0f64);
    // Wide enough for the legend however few the bands.
    let w = (left * 2.0 + slot * bands.len() as f64).max(200.0);
    let plot_h = h - bottom - top;
    let base = top + plot_h;
    let max = bands.iter().map(|l| (l.count as f64).max(l.target.max(0) as f64)).fold(1.0f64, f64::max);
    let _ = writeln!(
        page,
        "<svg class=\"calibration-bars\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">",
        escape(&format!("{} {label}", lang.pick("count against target by band:", "各档人数与目标：")))
    );
    let _ = writeln!(page, "<line x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#8c959f\"/>", w - left);
    let bar_w = (slot - 14.0) / 2.0;
    for (i, l) in bands.iter().enumerate() {
        let x0 = left + slot * i as f64 + 6.0;
        let target = l.target.max(0) as f64;
        let th = plot_h * target / max;
        let ch = plot_h * l.count as f64 / max;
        let over = l.difference() > 0;
        let band = escape(&scheme.bands[l.band].id);
        let _ = writeln!(
            page,
            "<rect class=\"target\" x=\"{x0:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{th:.1}\" fill=\"#ffffff\" stroke=\"#57606a\" stroke-dasharray=\"3 2\"><title>{band} {}: {}</title></rect>",
            base - th,
            lang.pick("target", "目标"),
            l.target
        );
        let _ = writeln!(
            page,
            "<rect class=\"count\" x=\"{:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{ch:.1}\" fill=\"{}\"><title>{band} {}: {}</title></rect>",
            x0 + bar_w + 2.0,
            base - ch,
            if over { "#cf222e" } else { "#54aeff" },
            lang.pick("count", "人数"),
            l.count
        );
        for (x, n, y) in
            [(x0 + bar_w / 2.0, l.target.to_string(), base - th - 2.0), (x0 + bar_w * 1.5 + 2.0, l.count.to_string(), base - ch - 2.0)]
        {
            let _ = writeln!(page, "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"10\" text-anchor=\"middle\">{n}</text>");
        }
        let _ = writeln!(
            page,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{band}</text>",
            x0 + bar_w + 1.0,
            base + 13.0
        );
    }
    let legend_y = h - 6.0;
    let _ = writeln!(
        page,
        "<rect x=\"{left}\" y=\"{:.1}\" width=\"9\" height=\"9\" fill=\"#ffffff\" stroke=\"#57606a\" stroke-dasharray=\"3 2\"/><text x=\"{:.1}\" y=\"{legend_y:.1}\" font-size=\"10\">{}</text>\
         <rect x=\"{:.1}\" y=\"{:.1}\" width=\"9\" height=\"9\" fill=\"#54aeff\"/><text x=\"{:.1}\" y=\"{legend_y:.1}\" font-size=\"10\">{}</text>\
         <rect x=\"{:.1}\" y=\"{:.1}\" width=\"9\" height=\"9\" fill=\"#cf222e\"/><text x=\"{:.1}\" y=\"{legend_y:.1}\" font-size=\"10\">{}</text>",
        legend_y - 8.0,
        left + 12.0,
        lang.pick("target", "目标"),
        left + 56.0,
        legend_y - 8.0,
        left + 68.0,
        lang.pick("count", "人数"),
        left + 100.0,
        legend_y - 8.0,
        left + 112.0,
        lang.pick("over target", "超出目标")
    );
    let _ = writeln!(page, "</svg>");
}

#[cfg(test)]
mod tests {
    use super::{escape, ladder_rows};

    #[test]
    fn every_bridge_points_up_and_grades_climb_their_sequence() {
        for name in crate::scheme::builtin::names() {
            let scheme = crate::scheme::load_scheme(Some(name)).unwrap();
            let row = ladder_rows(&scheme);
            for r in &row {
                assert!(r.windows(2).all(|w| w[0] < w[1]), "{name}: {row:?}");
            }
            assert!(!scheme.bridges.is_empty());
            for b in &scheme.bridges {
                assert!(row[b.to.sequence][b.to.index] > row[b.from.sequence][b.from.index], "{name}: {row:?}");
            }
        }
    }

    #[test]
    fn escaping_defuses_markup() {
        assert_eq!(escape("<script>alert('x')</script>"), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
        assert_eq!(escape("a & \"b\""), "a &amp; &quot;b&quot;");
        assert_eq!(escape("张伟"), "张伟");
    }
}
