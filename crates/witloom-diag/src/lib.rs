//! witloom's one way of telling a person what went wrong: a
//! [`Diagnostic`] (a headline, source locations with the offending line,
//! notes that explain and help that says what to do), rendered like
//! rustc's:
//!
//! ```text
//! error: type `strng` does not exist
//!   --> wit/greet.wit:4:20
//!    |
//!  4 |     greet: func(name: strng) -> string;
//!    |                       ^^^^^
//!    |
//!    = help: did you mean `string`?
//! ```
//!
//! Every stage has its own typed error with structured fields; each
//! converts into a `Diagnostic` (`From`), and the CLI prints that, so there
//! is one renderer. A stage's error keeps a foreign failure (wasmtime's,
//! SQLite's) as its `#[source]` ([`Cause`]), never flattened into a string;
//! the conversion shows that chain as notes ([`causes`],
//! [`Diagnostic::with_causes`]),
//! and a log line shows it on one line ([`one_line`]). [`io`] gives I/O
//! failures one wording that names the path.

pub mod io;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

pub use io::IoError;

/// A foreign error kept as the cause of one of ours (a `#[source]`
/// field): wasmtime's, SQLite's, PostgreSQL's. Its own causes come with it.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The messages of `error`'s causes, outermost first (not `error`'s own).
/// An [`IoError`] already says its cause, so the walk ends there.
pub fn causes(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut out = Vec::new();
    if error.is::<IoError>() {
        return out;
    }
    let mut next = error.source();
    while let Some(cause) = next {
        // wasmtime's chains are a few links; the bound stops a cycle.
        if out.len() == 32 {
            break;
        }
        out.push(cause.to_string());
        if cause.is::<IoError>() {
            break;
        }
        next = cause.source();
    }
    out
}

/// `error` and its causes on one line, `a: b: c`: for a log line, which
/// has no room for notes.
pub fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    for cause in causes(error) {
        line.push_str(": ");
        line.push_str(&cause);
    }
    line
}

/// Where something was written: `file:line:col`, 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// A failure, ready to show to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The headline, after `error: `.
    pub message: String,
    /// Source locations, the primary one first.
    pub labels: Vec<Label>,
    /// `= note: …` lines: facts that explain the error.
    pub notes: Vec<String>,
    /// `= help: …` lines: what to do about it.
    pub help: Vec<String>,
}

/// A place in a source file that a [`Diagnostic`] points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    /// The source line, for the snippet.
    pub line_text: String,
    /// How many characters to underline.
    pub width: usize,
    /// Text beside the underline.
    pub text: Option<String>,
}

impl std::error::Error for Diagnostic {}

impl Diagnostic {
    /// A diagnostic with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        Diagnostic {
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
            help: Vec::new(),
        }
    }

    /// Adds a `help:` line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// Adds a `note:` line.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Adds a `note: caused by: …` line for each of `causes` (an error's
    /// [`causes`]; the error's own message is the headline).
    pub fn with_causes(mut self, causes: impl IntoIterator<Item = String>) -> Self {
        self.notes
            .extend(causes.into_iter().map(|c| format!("caused by: {c}")));
        self
    }

    /// A diagnostic whose headline is `error`'s message, with its causes
    /// as notes: for an error with nothing more to say.
    pub fn from_error(error: &(dyn std::error::Error + 'static)) -> Self {
        Diagnostic::new(error.to_string()).with_causes(causes(error))
    }

    /// The primary location, if the error has one.
    pub fn location(&self) -> Option<&Location> {
        self.labels.first().map(|l| &l.location)
    }

    /// A diagnostic at byte span `span` of `text`, the contents of `path`
    /// (a parser's error span, as TOML and JSON parsers give them); with
    /// no span, the path is named in a note.
    pub fn at_span(
        path: &std::path::Path,
        text: &str,
        span: Option<std::ops::Range<usize>>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let mut d = Diagnostic::new(message);
        let Some(span) = span else {
            d.notes.push(format!("in `{}`", path.display()));
            return d;
        };
        let mut start = span.start.min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line_text = text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let col = text[line_start..start].chars().count() + 1;
        let mut end = span.end.clamp(start, line_end);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        d.labels.push(Label {
            location: Location {
                file: path.display().to_string(),
                line: (text[..start].matches('\n').count() + 1) as u32,
                col: col as u32,
            },
            line_text,
            width: text[start..end].chars().count().max(1),
            text: None,
        });
        d
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines = self.message.lines();
        writeln!(f, "error: {}", shown(lines.next().unwrap_or_default()))?;
        for extra in lines {
            writeln!(f, "       {}", shown(extra))?;
        }
        let gutter = self
            .labels
            .iter()
            .map(|l| l.location.line.to_string().len())
            .max()
            .unwrap_or(0)
            .max(1);
        let pad = " ".repeat(gutter);
        for label in &self.labels {
            let loc = &label.location;
            writeln!(f, "{pad}--> {}:{}:{}", shown(&loc.file), loc.line, loc.col)?;
            writeln!(f, "{pad} |")?;
            writeln!(f, "{:>gutter$} | {}", loc.line, shown(&label.line_text))?;
            // The caret goes under the character as shown: a tab keeps its
            // width, an escaped character takes its escape's.
            let before = loc.col.saturating_sub(1) as usize;
            let lead: String = label
                .line_text
                .chars()
                .take(before)
                .flat_map(|c| {
                    let (fill, n) = if c == '\t' {
                        ('\t', 1)
                    } else {
                        (' ', shown_width(c))
                    };
                    std::iter::repeat_n(fill, n)
                })
                .collect();
            let under: usize = label
                .line_text
                .chars()
                .skip(before)
                .chain(std::iter::repeat(' '))
                .take(label.width.max(1))
                .map(shown_width)
                .sum();
            let carets = "^".repeat(under);
            match &label.text {
                Some(text) => writeln!(f, "{pad} | {lead}{carets} {}", shown(text))?,
                None => writeln!(f, "{pad} | {lead}{carets}")?,
            }
        }
        if !self.notes.is_empty() || !self.help.is_empty() {
            if !self.labels.is_empty() {
                writeln!(f, "{pad} |")?;
            }
            let prefix = if self.labels.is_empty() {
                String::new()
            } else {
                format!("{pad} ")
            };
            for note in &self.notes {
                write_indented(f, &prefix, "= note: ", note)?;
            }
            for help in &self.help {
                write_indented(f, &prefix, "= help: ", help)?;
            }
        }
        Ok(())
    }
}

/// Whether `c` must not reach a terminal as it is: control characters
/// (escape sequences could rewrite the user's screen; a carriage return
/// overwrite the line) and the bidirectional overrides that make text read
/// differently from how it parses. A tab is kept.
pub fn hidden(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// How many columns `c` takes as shown.
fn shown_width(c: char) -> usize {
    if hidden(c) {
        format!("{}", c.escape_unicode()).len()
    } else {
        1
    }
}

/// `text` as it may be shown: [`hidden`] characters written as escapes
/// (`\u{1b}`), so input text cannot drive the terminal.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `bytes` (the contents of `path`) as text, or an error located at the
/// first byte that is not UTF-8: WIT and TOML are UTF-8, and a file that is
/// not gets the line and column of where it stops being so.
pub fn utf8<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, Diagnostic> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line_start = bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let line_end = bytes[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| at + i);
        let before = String::from_utf8_lossy(&bytes[line_start..at]);
        let mut d = Diagnostic::new(format!(
            "`{}` is not UTF-8 text: byte {:#04x} cannot start or continue a character",
            path.display(),
            bytes[at]
        ));
        d.labels.push(Label {
            location: Location {
                file: path.display().to_string(),
                line: (bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1) as u32,
                col: (before.chars().count() + 1) as u32,
            },
            line_text: String::from_utf8_lossy(&bytes[line_start..line_end])
                .trim_end_matches('\r')
                .to_string(),
            width: 1,
            text: None,
        });
        d.with_help("save the file as UTF-8")
    })
}

fn write_indented(f: &mut fmt::Formatter<'_>, prefix: &str, head: &str, text: &str) -> fmt::Result {
    let mut lines = text.lines();
    writeln!(
        f,
        "{prefix}{head}{}",
        shown(lines.next().unwrap_or_default())
    )?;
    let indent = " ".repeat(prefix.len() + head.len());
    for line in lines {
        writeln!(f, "{indent}{}", shown(line))?;
    }
    Ok(())
}

/// `did you mean `x`?` for the candidates closest to `name`, if any is close.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1);
    let mut close: Vec<(usize, &str)> = candidates
        .filter(|c| *c != name)
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .collect();
    close.sort();
    close.dedup();
    let names: Vec<String> = close
        .iter()
        .take(3)
        .map(|(_, c)| format!("`{c}`"))
        .collect();
    match names.len() {
        0 => None,
        1 => Some(format!("did you mean {}?", names[0])),
        _ => Some(format!("did you mean one of {}?", names.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line_text: &str, col: u32, width: usize) -> Diagnostic {
        let mut d = Diagnostic::new("bad \u{1b}[2Jthing");
        d.labels.push(Label {
            location: Location {
                file: "a\u{202e}.wit".into(),
                line: 1,
                col,
            },
            line_text: line_text.into(),
            width,
            text: None,
        });
        d.with_help("see \r here")
    }

    #[derive(Debug, thiserror::Error)]
    #[error("cannot link the component")]
    struct Outer(#[source] Cause);

    #[derive(Debug, thiserror::Error)]
    #[error("instance `wasi:cli/env` is missing")]
    struct Middle(#[source] IoError);

    #[test]
    fn causes_become_notes_and_one_line_and_an_io_error_ends_the_chain() {
        let io = IoError::new(
            io::Action::Read,
            "x.wasm",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        let e = Outer(Box::new(Middle(io)));
        assert_eq!(
            causes(&e),
            [
                "instance `wasi:cli/env` is missing",
                "cannot read `x.wasm`: no such file or directory"
            ]
        );
        assert_eq!(
            one_line(&e),
            "cannot link the component: instance `wasi:cli/env` is missing: cannot read `x.wasm`: no such file or directory"
        );
        assert_eq!(
            Diagnostic::from_error(&e).to_string(),
            "error: cannot link the component\n= note: caused by: instance `wasi:cli/env` is missing\n= note: caused by: cannot read `x.wasm`: no such file or directory\n"
        );
    }

    #[test]
    fn control_and_bidi_characters_are_shown_escaped_with_the_caret_under_them() {
        let shown = at("a\u{1b}[31m b;", 7, 1).to_string();
        assert!(!shown.chars().any(|c| c != '\n' && hidden(c)), "{shown:?}");
        assert_eq!(
            shown,
            "error: bad \\u{1b}[2Jthing\n --> a\\u{202e}.wit:1:7\n  |\n1 | a\\u{1b}[31m b;\n  |            ^\n  |\n  = help: see \\u{d} here\n"
        );
        // Underlining the escaped character itself covers its escape.
        let shown = at("x\u{7}y", 2, 1).to_string();
        assert!(shown.contains("1 | x\\u{7}y\n  |  ^^^^^\n"), "{shown}");
    }
}
