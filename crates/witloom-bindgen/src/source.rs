//! The one place generated text is written: a line-oriented buffer that
//! builders fill without tracking indentation; [`indent`] lays the finished
//! text out once, and `format` breaks its long lines.

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

/// Indents `raw` four spaces per open bracket, as rustfmt would for code
/// whose lines already break where it breaks them; one linear pass, so the
/// unformatted output is readable at no real cost. Brackets inside string
/// literals (docs, error messages) do not count.
pub fn indent(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + raw.len() / 2);
    let mut depth: usize = 0;
    for line in raw.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let closing = line
            .bytes()
            .take_while(|b| matches!(b, b'}' | b')' | b']'))
            .count();
        let mut balance: isize = 0;
        let mut in_str = false;
        let mut escaped = false;
        for b in line.bytes() {
            if in_str {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_str = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' | b'(' | b'[' => balance += 1,
                b'}' | b')' | b']' => balance -= 1,
                _ => {}
            }
        }
        let here = depth.saturating_sub(closing);
        for _ in 0..here {
            out.push_str("    ");
        }
        out.push_str(line);
        out.push('\n');
        depth = depth.saturating_add_signed(balance);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::indent;

    #[test]
    fn indents_by_brackets_outside_strings() {
        let raw = "pub mod a {\nfn f(\nx: u32,\n) {\nlet s = \"}{(\";\n}\n}\n";
        assert_eq!(
            indent(raw),
            "pub mod a {\n    fn f(\n        x: u32,\n    ) {\n        let s = \"}{(\";\n    }\n}\n"
        );
    }
}
