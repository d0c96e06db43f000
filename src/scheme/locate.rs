//! Where each node of a YAML document is: `positions[0].kpis[1].weight` →
//! line and column. serde_yaml reports positions only for its own errors, so
//! the validation that runs after parsing looks locations up here.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Positions of the nodes of one document, by path.
#[derive(Debug, Default)]
pub struct PathIndex {
    /// Where the value at a path starts.
    values: HashMap<String, LineCol>,
    /// Where the key naming a path starts (mapping entries only).
    keys: HashMap<String, LineCol>,
    /// The text of each scalar value as written: numbers are read from it
    /// exactly, never through binary floating point.
    scalars: HashMap<String, String>,
    /// The first alias (`*name`), for problems with alias expansion.
    first_alias: Option<LineCol>,
    /// The first key written twice in one mapping, where it is written again
    /// (serde_yaml reports a duplicate at the start of the mapping).
    first_duplicate_key: Option<LineCol>,
}

impl PathIndex {
    /// Indexes `text`; a document the scanner rejects yields an empty index
    /// (serde_yaml reports the syntax error itself, with its location).
    pub fn build(text: &str) -> PathIndex {
        Self::build_bounded(text, usize::MAX).unwrap_or_default()
    }

    /// [`PathIndex::build`], or where a collection first opens deeper than
    /// `max_depth`. The events are pulled one by one: yaml-rust2's own
    /// `load` recurses once per level, and 100 000 nested `- ` in block
    /// style overflowed the stack before any limit was checked.
    pub fn build_bounded(text: &str, max_depth: usize) -> Result<PathIndex, LineCol> {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        // A scanner error ends the index; serde_yaml reports it with its location.
        while let Ok((event, mark)) = parser.next_token() {
            match event {
                // One document, as serde_yaml reads.
                Event::StreamEnd | Event::DocumentEnd => break,
                Event::MappingStart(..) | Event::SequenceStart(..) if builder.stack.len() >= max_depth => {
                    return Err(line_col(mark));
                }
                _ => builder.on_event(event, mark),
            }
        }
        Ok(builder.index)
    }

    /// The best location for a problem at `path`: the key that names it, else
    /// its value, else the nearest enclosing node that is known.
    pub fn locate(&self, path: &str) -> LineCol {
        let mut p = path;
        loop {
            if let Some(lc) = self.keys.get(p).or_else(|| self.values.get(p)) {
                return *lc;
            }
            match p.rfind(['.', '[']) {
                Some(cut) => p = &p[..cut],
                None => return self.values.get("").copied().unwrap_or(LineCol { line: 1, column: 1 }),
            }
        }
    }

    /// Where the document first uses an alias (`*name`).
    pub fn first_alias(&self) -> Option<LineCol> {
        self.first_alias
    }

    /// Where a key is first written a second time in the same mapping.
    pub fn first_duplicate_key(&self) -> Option<LineCol> {
        self.first_duplicate_key
    }

    /// The text of the scalar at `path`, as written.
    pub fn scalar(&self, path: &str) -> Option<&str> {
        self.scalars.get(path).map(String::as_str)
    }

    /// The location of the value at `path` (for "this value is wrong").
    pub fn locate_value(&self, path: &str) -> LineCol {
        self.values.get(path).copied().unwrap_or_else(|| self.locate(path))
    }
}

enum Frame {
    Mapping { path: String, key: Option<String> },
    Sequence { path: String, next: usize },
}

#[derive(Default)]
struct Builder {
    index: PathIndex,
    stack: Vec<Frame>,
}

fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn line_col(mark: Marker) -> LineCol {
    // yaml-rust2 lines are 1-based, columns 0-based.
    LineCol { line: mark.line(), column: mark.col() + 1 }
}

impl Builder {
    /// Called for every node; returns the node's path when it is a value
    /// (None when it is a mapping key, which is recorded instead).
    fn node(&mut self, mark: Marker, scalar: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Sequence { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                Some(p)
            }
            Some(Frame::Mapping { path, key }) => match key.take() {
                Some(k) => Some(join_key(path, &k)),
                None => {
                    // A key: complex keys (mappings as keys) get a placeholder.
                    let k = scalar.unwrap_or("?").to_string();
                    if let Some(_first) = self.index.keys.insert(join_key(path, &k), line_col(mark)) {
                        if scalar.is_some() && !path.starts_with('?') {
                            self.index.first_duplicate_key.get_or_insert(line_col(mark));
                        }
                    }
                    *key = Some(k);
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(ref value, ..) => {
                if let Some(path) = self.node(mark, Some(value)) {
                    self.index.values.insert(path.clone(), line_col(mark));
                    self.index.scalars.insert(path, value.clone());
                }
            }
            Event::Alias(_) => {
                self.index.first_alias.get_or_insert(line_col(mark));
                if let Some(path) = self.node(mark, None) {
                    self.index.values.insert(path, line_col(mark));
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_key = matches!(self.stack.last(), Some(Frame::Mapping { key: None, .. }));
                let path = if is_key {
                    // A collection used as a key: index what is inside it under a dummy path.
                    self.node(mark, None);
                    "?".to_string()
                } else {
                    let p = self.node(mark, None).unwrap_or_default();
                    self.index.values.insert(p.clone(), line_col(mark));
                    p
                };
                self.stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Mapping { path, key: None }
                } else {
                    Frame::Sequence { path, next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_keys_and_values() {
        let text = "scheme: x\npositions:\n  - id: a\n    kpis:\n      - {id: k, weight: 40}\n";
        let index = PathIndex::build(text);
        assert_eq!(index.locate("scheme"), LineCol { line: 1, column: 1 });
        assert_eq!(index.locate("positions[0].id"), LineCol { line: 3, column: 5 });
        assert_eq!(index.locate_value("positions[0].kpis[0].weight"), LineCol { line: 5, column: 25 });
        // Unknown paths fall back to the nearest known parent: here the `{` of the KPI item.
        assert_eq!(index.locate("positions[0].kpis[0].scoring"), LineCol { line: 5, column: 9 });
    }

    #[test]
    fn nesting_is_bounded_before_anything_recurses() {
        let text = format!("a:\n  {}x\n", "- ".repeat(100_000));
        // The root mapping is level 1, so the fourth `- ` (column 9) opens level 5.
        assert_eq!(PathIndex::build_bounded(&text, 4).unwrap_err(), LineCol { line: 2, column: 9 });
        assert!(PathIndex::build_bounded("a:\n  - - x\n", 4).is_ok());
        // Unbounded, the walk is a loop: no stack overflow (kept small: the scanner is slow at depth).
        let text = format!("a:\n  {}x\n", "- ".repeat(2_000));
        assert_eq!(PathIndex::build(&text).locate("a[0][0]"), LineCol { line: 2, column: 7 });
    }
}
