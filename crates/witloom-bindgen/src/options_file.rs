//! The options file: everything `bindgen!` takes beyond its path, written
//! as TOML or JSON with `bindgen!`'s own keys, so a `build.rs` and
//! `witloom bindgen --options FILE` have the same power.
//!
//! ```toml
//! world = "cache"
//! additional_derives = ["Hash"]
//! ownership = "borrowing-duplicate-if-necessary"
//! anyhow = false
//! [imports]
//! default = "async"
//! "foo:foo/store.get" = "async | store"
//! [exports]
//! default = "async | store"
//! [with]
//! "wasi:io/streams" = "wasmtime_wasi::p2::bindings::io::streams"
//! [trappable_error_type]
//! "foo:foo/store#error" = "crate::StoreError"
//! ```

use crate::{Flags, FunctionConfig, Options, Ownership};
use indexmap::IndexMap;
use serde::Deserialize;
use std::path::Path;
use witloom_ir::Diagnostic;

/// Options files are small; a bound keeps a wrong path from being read.
const MAX_OPTIONS_FILE: u64 = 1 << 20;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    world: Option<String>,
    #[serde(default)]
    imports: IndexMap<String, String>,
    #[serde(default)]
    exports: IndexMap<String, String>,
    #[serde(default)]
    with: IndexMap<String, String>,
    #[serde(default)]
    trappable_error_type: IndexMap<String, String>,
    #[serde(default)]
    additional_derives: Vec<String>,
    /// `owning`, `borrowing` or `borrowing-duplicate-if-necessary`.
    ownership: Option<String>,
    #[serde(default)]
    anyhow: bool,
}

impl Options {
    /// Reads an options file: JSON when its name ends in `.json`, else
    /// TOML. Errors point into the file.
    pub fn from_file(path: &Path) -> Result<Options, Diagnostic> {
        let bytes = witloom_diag::io::read_capped(path, MAX_OPTIONS_FILE)?;
        let text = witloom_diag::utf8(path, &bytes)?;
        Options::parse(path, text)
    }

    /// [`Options::from_file`] for `text`, the contents of `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Options, Diagnostic> {
        let json = path.extension().is_some_and(|e| e == "json");
        let raw: Raw = if json {
            serde_json::from_str(text).map_err(|e| {
                let at = offset(text, e.line(), e.column());
                Diagnostic::at_span(path, text, at.map(|a| a..a + 1), json_message(&e))
            })?
        } else {
            toml::from_str(text).map_err(|e| {
                Diagnostic::at_span(path, text, e.span(), e.message().trim_end().to_string())
            })?
        };
        let side = |table: &IndexMap<String, String>, which: &str| {
            let mut config = FunctionConfig::default();
            for (name, flags) in table {
                let flags = Flags::parse(flags).map_err(|why| {
                    // Point at the rule: the first quoted or bare use of
                    // its name after the table's header.
                    Diagnostic::at_span(path, text, find_key(text, which, name), why.to_string())
                })?;
                if name == "default" {
                    config.default = flags;
                } else {
                    config.rules.push((name.clone(), flags));
                }
            }
            Ok::<_, Diagnostic>(config)
        };
        let ownership = match &raw.ownership {
            Some(o) => Ownership::parse(o).map_err(|why| {
                Diagnostic::at_span(path, text, find_key(text, "ownership", o), why.to_string())
            })?,
            None => Ownership::default(),
        };
        Ok(Options {
            anyhow: raw.anyhow,
            ownership,
            world: raw.world,
            imports: side(&raw.imports, "imports")?,
            exports: side(&raw.exports, "exports")?,
            with: raw.with,
            trappable_error_types: raw.trappable_error_type,
            additional_derives: raw.additional_derives,
        })
    }
}

/// serde_json's message without its own ` at line L column C` (the
/// location is shown with the source line instead).
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// The byte offset of 1-based `line` and `column`.
fn offset(text: &str, line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let line_text = text[start..].split('\n').next().unwrap_or("");
    let col = column.saturating_sub(1).min(line_text.len());
    let mut at = start + col;
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    Some(at)
}

/// Where rule `name` of table `table` is written, for errors about it.
fn find_key(text: &str, table: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let from = text.find(table).unwrap_or(0);
    let rest = &text[from..];
    let quoted = format!("\"{name}\"");
    let (i, len) = match rest.find(&quoted) {
        Some(i) => (i, quoted.len()),
        None => (rest.find(name)?, name.len()),
    };
    Some(from + i..from + i + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_json_say_the_same() {
        let toml = r#"
world = "cache"
additional_derives = ["Hash"]
[imports]
default = "async"
"foo:foo/store.get" = "async | store"
[exports]
default = "async | store"
[with]
"wasi:io/streams" = "my::streams"
[trappable_error_type]
"foo:foo/store#error" = "crate::E"
"#;
        let json = r#"{
  "world": "cache",
  "additional_derives": ["Hash"],
  "imports": { "default": "async", "foo:foo/store.get": "async | store" },
  "exports": { "default": "async | store" },
  "with": { "wasi:io/streams": "my::streams" },
  "trappable_error_type": { "foo:foo/store#error": "crate::E" }
}"#;
        for opts in [
            Options::parse(Path::new("o.toml"), toml).unwrap(),
            Options::parse(Path::new("o.json"), json).unwrap(),
        ] {
            assert_eq!(opts.world.as_deref(), Some("cache"));
            assert!(opts.imports.default.asynchronous && !opts.imports.default.store);
            assert_eq!(opts.imports.rules.len(), 1);
            assert_eq!(opts.imports.rules[0].0, "foo:foo/store.get");
            assert!(opts.imports.rules[0].1.store);
            assert!(opts.exports.default.store);
            assert_eq!(opts.with["wasi:io/streams"], "my::streams");
            assert_eq!(
                opts.trappable_error_types["foo:foo/store#error"],
                "crate::E"
            );
            assert_eq!(opts.additional_derives, ["Hash"]);
        }
    }

    #[test]
    fn ownership_is_spelled_as_a_word() {
        let opts = Options::parse(Path::new("o.toml"), "ownership = \"borrowing\"\n").unwrap();
        assert_eq!(
            opts.ownership,
            Ownership::Borrowing {
                duplicate_if_necessary: false
            }
        );
        let e = Options::parse(Path::new("o.json"), "{\"ownership\": \"lent\"}").unwrap_err();
        assert!(e.message.contains("`lent` is not an ownership"), "{e}");
        assert_eq!(e.location().unwrap().col, 15, "{e}");
    }

    #[test]
    fn errors_point_into_the_file() {
        let text = "[imports]\n\"a:b/c.f\" = \"async | fast\"\n";
        let e = Options::parse(Path::new("o.toml"), text).unwrap_err();
        assert!(e.message.contains("`fast`"), "{e}");
        let at = e.location().unwrap();
        assert_eq!((at.line, at.col), (2, 1), "{e}");

        let e = Options::parse(Path::new("o.toml"), "[imports]\nasync = 3\n").unwrap_err();
        assert_eq!(e.location().unwrap().line, 2, "{e}");
        let e = Options::parse(Path::new("o.toml"), "sugar = true\n").unwrap_err();
        assert!(e.message.contains("unknown field"), "{e}");

        let e = Options::parse(Path::new("o.json"), "{\n  \"imports\": [1]\n}").unwrap_err();
        assert_eq!(e.location().unwrap().line, 2, "{e}");
        assert!(!e.message.contains(" at line "), "{e}");
    }
}
