//! The documentation as a format-neutral tree: what [`crate::pages`] finds
//! in the IR is said once as blocks of lines, and each output format
//! ([`crate::markdown`], [`crate::html`]) renders the same blocks its own
//! way. Links name an item by page stem and anchor; a renderer turns them
//! into its own file names.

use crate::wit::Pieces;
use witloom_ir::InterfaceId;

/// A piece of a line.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// WIT text (a name, a type, a signature); the items it names linked.
    Code(Pieces),
    /// Prose.
    Text(String),
    /// Doc text as written in WIT (Markdown), on one line: a summary in a
    /// list, the docs of a field in a table.
    Docs(String),
    /// Badges for `@since`, `@unstable` and `@deprecated`.
    Badges(Vec<String>),
    /// `text` (as code) linked to an item of another site's pages: the
    /// application page links into the pages of several WIT directories.
    Link {
        text: String,
        stem: String,
        anchor: String,
    },
    /// A package's page, named by its qualified name.
    Package { text: String, stem: String },
    /// The list of all packages.
    Index(&'static str),
    /// A line break inside a table cell.
    Break,
}

pub type Line = Vec<Inline>;

/// A table row: `name` is the item the row documents (a field, case or
/// flag), written in the first column; the search index lists it.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: String,
    pub cells: Vec<Line>,
}

/// What a heading documents, for the search index.
#[derive(Debug, Clone)]
pub struct Item {
    /// `interface`, `world`, `record`, `func`, `method`, …
    pub kind: &'static str,
    /// The name a person types: `input-stream`, `read`.
    pub name: String,
    /// Where it is: `wasi:io/streams`, `wasi:io/streams.input-stream`.
    pub path: String,
}

#[derive(Debug, Clone)]
pub enum Block {
    Heading {
        level: usize,
        anchor: Option<String>,
        title: Line,
        item: Option<Item>,
    },
    Para(Line),
    /// A declaration: a function's signature, a type alias.
    Signature(Pieces),
    /// Doc text as written in WIT (Markdown), whole.
    Docs(String),
    List(Vec<Line>),
    Table {
        /// Column titles, the first for the names.
        head: Vec<&'static str>,
        rows: Vec<Row>,
    },
    /// A labelled group inside an item (`Constructor:`, `Methods:`).
    Label(&'static str),
    /// The application's wiring: Mermaid for Markdown, SVG for HTML.
    Graph {
        mermaid: String,
        svg: String,
    },
}

/// One package: its heading, docs and contents list, each world's section,
/// then each interface's section (a page of its own in HTML).
pub struct PackageDoc {
    pub head: Vec<Block>,
    pub worlds: Vec<Vec<Block>>,
    pub interfaces: Vec<(InterfaceId, Vec<Block>)>,
}

/// The first paragraph of `docs`, as one line: a summary for lists.
pub fn first_line(docs: Option<&str>) -> Option<String> {
    let para: Vec<&str> = docs?
        .trim()
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .collect();
    (!para.is_empty()).then(|| para.join(" "))
}

/// All of `docs` on one line, for a table cell.
pub fn one_line(docs: Option<&str>) -> Option<String> {
    let words: Vec<&str> = docs?.split_whitespace().collect();
    (!words.is_empty()).then(|| words.join(" "))
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn text(s: &str) -> Inline {
    Inline::Text(s.to_string())
}

/// `s` as code, unlinked.
pub fn code(s: &str) -> Inline {
    Inline::Code(Pieces::plain(s))
}
