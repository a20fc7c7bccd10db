//! Turns wit-parser spans into `file:line:col` and source lines.
//!
//! `wit_parser::SourceMap` can say which file and byte range a span covers,
//! but not the file's text, and its own line/column lookup rescans the file
//! from the top for every span. Lowering asks for a location per item, so
//! this cache reads each file once and answers with a binary search over line
//! starts.

use crate::model::Location;
use std::collections::HashMap;
use wit_parser::{Resolve, Span};

/// Files seen so far, with their line starts.
#[derive(Debug, Default)]
pub(crate) struct SourceCache {
    files: HashMap<String, Option<SourceFile>>,
}

#[derive(Debug)]
struct SourceFile {
    text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

/// A span resolved against its file.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub location: Location,
    /// The whole line the span starts on, without its line break.
    pub line_text: String,
    /// The span's length in characters, clipped to its first line, at least 1.
    pub width: usize,
}

impl SourceCache {
    /// A cache that starts with files already read (name as wit-parser's
    /// source map shows it, and text), so lowering reads nothing again.
    pub fn with_texts(texts: impl IntoIterator<Item = (String, String)>) -> SourceCache {
        SourceCache {
            files: texts
                .into_iter()
                .map(|(name, text)| (name, Some(SourceFile::new(text))))
                .collect(),
        }
    }

    /// Where `span` starts, or `None` when the span is unknown (as in items
    /// decoded from a component binary) or its file cannot be read.
    pub fn location(&mut self, resolve: &Resolve, span: Span) -> Option<Location> {
        // Asked once per item of a load: no snippet, and no allocation but
        // the file name.
        let loc = resolve.source_map.resolve_span(span)?;
        let file = self.file(loc.path)?;
        let (location, _, _) = file.locate(loc.path, loc.range.start)?;
        Some(location)
    }

    fn file(&mut self, path: &str) -> Option<&SourceFile> {
        if !self.files.contains_key(path) {
            self.files.insert(path.to_string(), SourceFile::read(path));
        }
        self.files.get(path)?.as_ref()
    }

    /// Like [`SourceCache::location`], with the source line for a snippet.
    pub fn resolve(&mut self, resolve: &Resolve, span: Span) -> Option<Resolved> {
        let loc = resolve.source_map.resolve_span(span)?;
        let file = self.file(loc.path)?;
        let (location, start, line_start) = file.locate(loc.path, loc.range.start)?;
        let line_end = file.text[line_start..]
            .find('\n')
            .map_or(file.text.len(), |i| line_start + i);
        let line_text = file.text.get(line_start..line_end)?.trim_end_matches('\r');
        let end = loc.range.end.clamp(start, line_end);
        let width = file
            .text
            .get(start..end)
            .map_or(1, |s| s.chars().count().max(1));
        Some(Resolved {
            location,
            line_text: line_text.to_string(),
            width,
        })
    }

    /// The text of every file seen so far, for name suggestions.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.files.values().flatten().map(|f| f.text.as_str())
    }

    /// Reads every file in the resolve's source map.
    pub fn load_all(&mut self, resolve: &Resolve) {
        for name in resolve.source_map.source_names() {
            self.files
                .entry(name.to_string())
                .or_insert_with(|| SourceFile::read(name));
        }
    }
}

impl SourceFile {
    fn read(path: &str) -> Option<SourceFile> {
        std::fs::read_to_string(path).ok().map(SourceFile::new)
    }

    /// The location of byte `offset` (clamped to the text) in the file
    /// named `path`, with the offset and the start of its line.
    fn locate(&self, path: &str, offset: usize) -> Option<(Location, usize, usize)> {
        let start = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= start) - 1;
        let line_start = self.line_starts[line];
        let col = self.text.get(line_start..start)?.chars().count() + 1;
        let location = Location {
            file: path.replace('\\', "/"),
            line: u32::try_from(line + 1).ok()?,
            col: u32::try_from(col).ok()?,
        };
        Some((location, start, line_start))
    }

    fn new(text: String) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile { text, line_starts }
    }
}
