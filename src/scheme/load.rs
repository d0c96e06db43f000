//! Reading a scheme's files, parsing them and merging a directory's files
//! into one document. Problems are collected, located and reported together.

use super::build::build;
use super::builtin;
use super::locate::{LineCol, PathIndex};
use super::raw::RawFile;
use super::Scheme;
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::Path;

/// A problem in a scheme, at a place in one of its files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// The source line, for showing the problem in context.
    pub snippet: Option<String>,
}

impl Problem {
    /// The message and its location, without the leading `error: `.
    fn fmt_body(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.message)?;
        if self.line == 0 {
            return write!(f, "  --> {}", self.file);
        }
        write!(f, "  --> {}:{}:{}", self.file, self.line, self.column)?;
        if let Some(snippet) = &self.snippet {
            let (shown, caret_at) = snippet_window(snippet, self.column);
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            let caret_pad = caret_pad(&shown, caret_at);
            write!(f, "\n{pad} |\n{number} | {shown}\n{pad} | {caret_pad}^")?;
        }
        Ok(())
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: ")?;
        self.fmt_body(f)
    }
}

/// The blanks that put a caret under character `at` of `shown` on a
/// terminal: a tab stays a tab, and a wide character (CJK) takes two
/// columns, so the caret lands under the character and not before it.
fn caret_pad(shown: &str, at: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut pad = String::new();
    for c in shown.chars().take(at) {
        if c == '\t' {
            pad.push('\t');
        } else {
            pad.push_str(&" ".repeat(c.width().unwrap_or(0)));
        }
    }
    pad
}

/// Widest source excerpt shown under a problem, in characters.
const SNIPPET_CHARS: usize = 100;

/// The part of a source line shown under a problem, and how many of its
/// characters come before the caret. A long line (a minified or generated
/// file) is cut to a window around the column, marked with `…`.
fn snippet_window(line: &str, column: usize) -> (String, usize) {
    let chars: Vec<char> = line.chars().collect();
    let at = column.saturating_sub(1).min(chars.len());
    if chars.len() <= SNIPPET_CHARS {
        return (line.to_string(), at);
    }
    let start = at.saturating_sub(SNIPPET_CHARS / 2);
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let mut shown = String::new();
    let mut caret_at = at - start;
    if start > 0 {
        shown.push('…');
        caret_at += 1;
    }
    shown.extend(&chars[start..end]);
    if end < chars.len() {
        shown.push('…');
    }
    (shown, caret_at)
}

/// A scheme that cannot be used, with every problem found.
#[derive(Debug)]
pub struct SchemeError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for SchemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The caller prints the first line after its own `error: ` (cli::main
        // does), so the first problem starts with its message.
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                write!(f, "\nerror: ")?;
            }
            p.fmt_body(f)?;
            writeln!(f)?;
        }
        let n = self.problems.len();
        write!(f, "the scheme has {n} problem{}; nothing was evaluated", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for SchemeError {}

/// One YAML file of a scheme, parsed.
pub(super) struct SourceFile {
    pub path: String,
    pub text: String,
    pub sha256: String,
    pub index: PathIndex,
    pub raw: RawFile,
}

impl SourceFile {
    pub fn problem(&self, at: LineCol, message: impl Into<String>) -> Problem {
        Problem {
            file: self.path.clone(),
            line: at.line,
            column: at.column,
            message: message.into(),
            snippet: self.text.lines().nth(at.line.wrapping_sub(1)).map(|l| l.trim_end().to_string()),
        }
    }

    pub fn problem_at(&self, path: &str, message: impl Into<String>) -> Problem {
        self.problem(self.index.locate(path), message)
    }

    pub fn problem_at_value(&self, path: &str, message: impl Into<String>) -> Problem {
        self.problem(self.index.locate_value(path), message)
    }

    pub fn render(&self, path: &str) -> String {
        let at = self.index.locate(path);
        format!("{}:{}:{}", self.path, at.line, at.column)
    }
}

/// Largest scheme file read: a scheme is a few kilobytes; anything this big is a mistake.
const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// Loads a scheme from a YAML file, a directory of YAML files, or a built-in
/// name (`None`: the default built-in scheme).
pub fn load_scheme(arg: Option<&str>) -> Result<Scheme, SchemeError> {
    load_scheme_files(read_files(arg.unwrap_or(builtin::DEFAULT))?)
}

/// Loads a scheme from files already read: (name shown in messages, bytes),
/// in merge order. `load_scheme` reads the files and calls this; the fuzz
/// targets call it directly.
pub fn load_scheme_files(files: Vec<(String, Vec<u8>)>) -> Result<Scheme, SchemeError> {
    if files.is_empty() {
        return Err(whole_file_problem("<scheme>", "no scheme file was given".into()));
    }
    let mut problems = Vec::new();
    let mut sources = Vec::new();
    for (path, bytes) in files {
        match parse_file(path, &bytes) {
            Ok(source) => sources.push(source),
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(SchemeError { problems });
    }
    build(&sources).map_err(|mut problems| {
        problems.sort();
        problems.dedup();
        SchemeError { problems }
    })
}

fn whole_file_problem(path: &str, message: String) -> SchemeError {
    SchemeError { problems: vec![Problem { file: path.to_string(), line: 0, column: 0, message, snippet: None }] }
}

fn read_files(arg: &str) -> Result<Vec<(String, Vec<u8>)>, SchemeError> {
    let path = Path::new(arg);
    if path.is_dir() {
        let entries = std::fs::read_dir(path).map_err(|e| whole_file_problem(arg, format!("cannot read the directory: {e}")))?;
        let mut problems = Vec::new();
        let mut names = Vec::new();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    problems.push(whole_file_problem(arg, format!("cannot list the directory: {e}")).problems.remove(0));
                    continue;
                }
            };
            let p = entry.path();
            // `.YAML` and `.Yml` are YAML files too (Windows users write them so).
            let is_yaml =
                p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
            if !is_yaml {
                continue;
            }
            // Following symlinks: a dangling link or a loop is an error naming
            // the file, never a file silently left out of the scheme.
            match std::fs::metadata(&p) {
                Ok(meta) if meta.is_file() => names.push(p),
                Ok(_) => problems.push(
                    whole_file_problem(&p.display().to_string(), "is not a regular file; a scheme directory holds YAML files".into())
                        .problems
                        .remove(0),
                ),
                Err(e) => problems.push(whole_file_problem(&p.display().to_string(), format!("cannot read: {e}")).problems.remove(0)),
            }
        }
        names.sort();
        let mut files = Vec::new();
        for p in names {
            match read_one(&p) {
                Ok(bytes) => files.push((p.display().to_string(), bytes)),
                Err(mut e) => problems.append(&mut e.problems),
            }
        }
        if !problems.is_empty() {
            problems.sort();
            return Err(SchemeError { problems });
        }
        if files.is_empty() {
            return Err(whole_file_problem(arg, "the directory holds no .yaml or .yml file".into()));
        }
        Ok(files)
    } else if path.is_file() {
        Ok(vec![(arg.to_string(), read_one(path)?)])
    } else if let Some(files) = builtin::files(arg) {
        Ok(files.into_iter().map(|(p, b)| (p, b.to_vec())).collect())
    } else {
        Err(whole_file_problem(
            arg,
            format!("no such file or directory, and no built-in scheme of that name (built-in: {})", builtin::names().join(", ")),
        ))
    }
}

fn read_one(path: &Path) -> Result<Vec<u8>, SchemeError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| whole_file_problem(&shown, format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(whole_file_problem(&shown, format!("the file is {} bytes; a scheme file may be at most {MAX_FILE_BYTES}", meta.len())));
    }
    std::fs::read(path).map_err(|e| whole_file_problem(&shown, format!("cannot read: {e}")))
}

fn parse_file(path: String, bytes: &[u8]) -> Result<SourceFile, Problem> {
    let sha256 = format!("{:x}", Sha256::digest(bytes));
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let whole = |message: String| Problem { file: path.clone(), line: 0, column: 0, message, snippet: None };
    let at_byte = |offset: usize, message: String| {
        let at = line_col_of_byte(bytes, offset);
        Problem { file: path.clone(), line: at.line, column: at.column, message, snippet: None }
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(e) => {
            return Err(at_byte(
                e.valid_up_to(),
                format!("not UTF-8 text (invalid byte at offset {}): a scheme is a YAML text file", e.valid_up_to()),
            ))
        }
    };
    if let Some(offset) = text.find('\0') {
        return Err(at_byte(offset, "the file holds NUL bytes: a scheme is a YAML text file, not a binary file".into()));
    }
    if text.trim().is_empty() || text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        let mut problem = whole("the file is empty: expected a mapping of scheme keys (scheme, positions, sequences, …)".into());
        (problem.line, problem.column) = (1, 1);
        return Err(problem);
    }
    if let Some(at) = too_deep(&text, MAX_DEPTH) {
        let source = SourceFile { path, text, sha256, index: PathIndex::default(), raw: RawFile::default() };
        return Err(source.problem(at, format!("the YAML nests deeper than {MAX_DEPTH} levels here; a scheme needs a handful")));
    }
    let index = match PathIndex::build_bounded(&text, MAX_DEPTH) {
        Ok(index) => index,
        Err(at) => {
            let source = SourceFile { path, text, sha256, index: PathIndex::default(), raw: RawFile::default() };
            return Err(source.problem(at, format!("the YAML nests deeper than {MAX_DEPTH} levels here; a scheme needs a handful")));
        }
    };
    let raw: RawFile = match serde_yaml::from_str(&text) {
        Ok(raw) => raw,
        Err(e) => {
            let mut at = e.location().map_or(LineCol { line: 1, column: 1 }, |l| LineCol { line: l.line(), column: l.column() });
            let mut message = clean_serde_message(&e.to_string());
            if message == "repetition limit exceeded" {
                // serde_yaml stops expanding aliases past a limit, without a location.
                if let Some(alias) = index.first_alias() {
                    at = alias;
                }
                message = "aliases (`*name`) expand to too many nodes (a \"billion laughs\" alias bomb?); a scheme never needs that".into();
            } else if message.contains("duplicate field") || message.contains("duplicate entry") {
                // serde_yaml points at the mapping; the index knows the repeated key's own line.
                if let Some(duplicate) = index.first_duplicate_key() {
                    at = duplicate;
                }
            } else if message == "recursion limit exceeded" {
                message = format!("the YAML nests deeper than {MAX_DEPTH} levels here; a scheme needs a handful");
            } else if let Some(tab) = tab_near(&text, at).filter(|_| message.starts_with("YAML syntax error")) {
                // libyaml's "found a tab character that violates indentation"
                // (or a stranger message) when a tab indents a line.
                at = tab;
                message = "tab character: YAML indents with spaces".into();
            }
            let source = SourceFile { path, text, sha256, index, raw: RawFile::default() };
            return Err(source.problem(at, message));
        }
    };
    Ok(SourceFile { path, text, sha256, index, raw })
}

/// The tab that indents the line of a syntax error at `at` (or the line
/// before: libyaml may report the error where the next token starts).
fn tab_near(text: &str, at: LineCol) -> Option<LineCol> {
    let lines: Vec<&str> = text.lines().collect();
    for line in [at.line, at.line.saturating_sub(1)] {
        let Some(l) = line.checked_sub(1).and_then(|i| lines.get(i)) else { continue };
        let indent: String = l.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        if let Some(i) = indent.chars().position(|c| c == '\t') {
            return Some(LineCol { line, column: i + 1 });
        }
    }
    None
}

/// The deepest nesting accepted; serde_yaml refuses more than 128 levels too.
const MAX_DEPTH: usize = 128;

/// Where flow collections (`[`, `{`) first nest deeper than `limit`. The
/// YAML parser is quadratic in that depth, so a file of 100 000 `[` would take
/// minutes to be refused: this quick scan refuses it at once. It skips
/// comments but not quoted text, so that no quote can hide brackets from it;
/// an overcount needs over a hundred unmatched `[` in titles, which no real
/// scheme has.
fn too_deep(text: &str, limit: usize) -> Option<LineCol> {
    let (mut depth, mut line, mut column) = (0usize, 1usize, 0usize);
    let mut chars = text.chars().peekable();
    let mut prev = '\n';
    while let Some(c) = chars.next() {
        column += 1;
        match c {
            '\n' => {
                line += 1;
                column = 0;
            }
            '#' if prev.is_whitespace() => while chars.next_if(|c| *c != '\n').is_some() {},
            '[' | '{' => {
                depth += 1;
                if depth > limit {
                    return Some(LineCol { line, column });
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = c;
    }
    None
}

/// The 1-based line and column (in characters) of a byte offset.
fn line_col_of_byte(bytes: &[u8], offset: usize) -> LineCol {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    LineCol {
        line: before.iter().filter(|b| **b == b'\n').count() + 1,
        column: String::from_utf8_lossy(&before[line_start..]).chars().count() + 1,
    }
}

/// serde's "unknown field `reveiw`, expected one of `scheme`, …" with the
/// closest key first: "unknown field `reveiw`: did you mean `review`?
/// (expected one of …)".
fn unknown_key(m: &str) -> Option<String> {
    let start = m.find("unknown field `")?;
    let rest = &m[start + "unknown field `".len()..];
    let (key, expected) = rest.split_once('`')?;
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let near = crate::suggest::closest(key, known.iter().copied())?;
    let expected = expected.trim_start_matches([',', ' ']);
    Some(format!("{}unknown field `{key}`: did you mean `{near}`? ({expected})", &m[..start]))
}

/// serde_yaml appends " at line L column C" to its messages; the location is
/// shown separately, so drop it.
fn clean_serde_message(message: &str) -> String {
    let cut = message.find(" at line ").unwrap_or(message.len());
    let m = &message[..cut];
    if let Some(rest) = m.strip_prefix("data did not match any variant of untagged enum RawItem") {
        return format!("a competency item is an id or {{id, title}}{rest}");
    }
    // libyaml's syntax errors carry no path; say what kind of problem they are.
    const SYNTAX: [&str; 6] = [
        "did not find expected",
        "found ",
        "mapping values are not allowed",
        "block sequence entries are not allowed",
        "could not find expected",
        "control characters are not allowed",
    ];
    // serde_yaml holds integers in 64 bits; a wider one reads as a type error.
    if let Some(rest) = m.split_once("invalid type: integer `").map(|(_, rest)| rest) {
        if let Some((digits, _)) = rest.split_once("` as u128") {
            let prefix = m.split_once("invalid type").map_or("", |(p, _)| p);
            return format!("{prefix}`{digits}` is too large: a whole number here is at most {}", u64::MAX);
        }
    }
    if let Some(unknown) = unknown_key(m) {
        return unknown;
    }
    if SYNTAX.iter().any(|s| m.starts_with(s)) {
        return format!("YAML syntax error: {m}");
    }
    m.replace("expected usize", "expected a whole number").replace("expected u64", "expected a whole number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_scan_skips_comments_and_sees_through_quotes() {
        assert_eq!(too_deep("a: [[1]]\n", 2), None);
        assert_eq!(too_deep("a: [[[1]]]\n", 2), Some(LineCol { line: 1, column: 6 }));
        assert_eq!(too_deep("a: {b: [1]} # [[[[\n# {{{{\n", 2), None);
        // A stray quote must not hide what follows it.
        assert_eq!(too_deep("a: it's\nb: [[[x]]]\n", 2), Some(LineCol { line: 2, column: 6 }));
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = "x".repeat(1000);
        let (shown, caret) = snippet_window(&line, 500);
        assert!(shown.chars().count() <= SNIPPET_CHARS + 2, "{}", shown.len());
        assert!(shown.starts_with('…') && shown.ends_with('…'));
        assert_eq!(caret, SNIPPET_CHARS / 2 + 1);
        assert_eq!(snippet_window("short", 3), ("short".to_string(), 2));
    }

    #[test]
    fn byte_offsets_become_line_and_column() {
        assert_eq!(line_col_of_byte(b"ab\ncd\xff", 5), LineCol { line: 2, column: 3 });
        assert_eq!(line_col_of_byte(b"\xff", 0), LineCol { line: 1, column: 1 });
    }
}
