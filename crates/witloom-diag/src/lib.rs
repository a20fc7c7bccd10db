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
//! is one renderer. [`io`] gives I/O failures one wording that names the
//! path.

pub mod io;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use io::IoError;

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

    /// The primary location, if the error has one.
    pub fn location(&self) -> Option<&Location> {
        self.labels.first().map(|l| &l.location)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines = self.message.lines();
        writeln!(f, "error: {}", lines.next().unwrap_or_default())?;
        for extra in lines {
            writeln!(f, "       {extra}")?;
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
            writeln!(f, "{pad}--> {loc}")?;
            writeln!(f, "{pad} |")?;
            writeln!(f, "{:>gutter$} | {}", loc.line, label.line_text)?;
            // Tabs keep their width so the caret lines up under them.
            let lead: String = label
                .line_text
                .chars()
                .take(loc.col.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let carets = "^".repeat(label.width.max(1));
            match &label.text {
                Some(text) => writeln!(f, "{pad} | {lead}{carets} {text}")?,
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

fn write_indented(f: &mut fmt::Formatter<'_>, prefix: &str, head: &str, text: &str) -> fmt::Result {
    let mut lines = text.lines();
    writeln!(f, "{prefix}{head}{}", lines.next().unwrap_or_default())?;
    let indent = " ".repeat(prefix.len() + head.len());
    for line in lines {
        writeln!(f, "{indent}{line}")?;
    }
    Ok(())
}
