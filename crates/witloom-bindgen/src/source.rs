//! The one place generated text is written: a line-oriented buffer, later
//! parsed and formatted by prettyplease, so builders never track indentation.

use std::fmt::Write as _;

#[derive(Default, Debug)]
pub struct Source {
    text: String,
}

impl Source {
    /// Appends `text` and a newline.
    pub fn line(&mut self, text: impl AsRef<str>) {
        self.text.push_str(text.as_ref());
        self.text.push('\n');
    }

    /// Appends `docs` as `///` lines (nothing when there are none).
    pub fn docs(&mut self, docs: Option<&str>) {
        let Some(docs) = docs else { return };
        for line in docs.lines() {
            // A doc line is a string in an attribute: escaping keeps any
            // text (even `*/` or a stray quote) from breaking the source.
            let _ = writeln!(self.text, "#[doc = {:?}]", format!(" {line}"));
        }
    }

    pub fn append(&mut self, other: &Source) {
        self.text.push_str(&other.text);
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}
