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

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        if self.line == 0 {
            return write!(f, "  --> {}", self.file);
        }
        write!(f, "  --> {}:{}:{}", self.file, self.line, self.column)?;
        if let Some(snippet) = &self.snippet {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            let caret_pad: String =
                snippet.chars().take(self.column.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
            write!(f, "\n{pad} |\n{number} | {snippet}\n{pad} | {caret_pad}^")?;
        }
        Ok(())
    }
}

/// A scheme that cannot be used, with every problem found.
#[derive(Debug)]
pub struct SchemeError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for SchemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{p}")?;
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
    let files = read_files(arg.unwrap_or(builtin::DEFAULT))?;
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
        let mut names: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
            .collect();
        names.sort();
        if names.is_empty() {
            return Err(whole_file_problem(arg, "the directory holds no .yaml or .yml file".into()));
        }
        names
            .into_iter()
            .map(|p| {
                let shown = p.display().to_string();
                read_one(&p).map(|bytes| (shown, bytes))
            })
            .collect()
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
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(e) => {
            return Err(whole(format!(
                "not UTF-8 text (invalid byte at offset {}): a scheme is a YAML text file",
                e.valid_up_to()
            )))
        }
    };
    if text.contains('\0') {
        return Err(whole("the file holds NUL bytes: a scheme is a YAML text file, not a binary file".into()));
    }
    if text.trim().is_empty() || text.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        return Err(whole("the file is empty: expected a mapping of scheme keys (scheme, positions, sequences, …)".into()));
    }
    let index = PathIndex::build(&text);
    let raw: RawFile = match serde_yaml::from_str(&text) {
        Ok(raw) => raw,
        Err(e) => {
            let at = e.location().map(|l| LineCol { line: l.line(), column: l.column() }).unwrap_or(LineCol { line: 1, column: 1 });
            let message = clean_serde_message(&e.to_string());
            let source = SourceFile { path, text, sha256, index, raw: RawFile::default() };
            return Err(source.problem(at, message));
        }
    };
    Ok(SourceFile { path, text, sha256, index, raw })
}

/// serde_yaml appends " at line L column C" to its messages; the location is
/// shown separately, so drop it.
fn clean_serde_message(message: &str) -> String {
    let cut = message.find(" at line ").unwrap_or(message.len());
    let m = &message[..cut];
    if let Some(rest) = m.strip_prefix("data did not match any variant of untagged enum RawItem") {
        return format!("a competency item is an id or {{id, title}}{rest}");
    }
    m.to_string()
}
