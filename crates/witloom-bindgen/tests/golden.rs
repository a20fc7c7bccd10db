//! Golden host bindings: each `tests/golden/*.case` names a WIT input, a
//! world and generator options; the bindings are compared with the
//! `<case>.rs` beside it (a test per case, `BLESS=1` re-blesses). The
//! corpus crate compiles those files too.
//!
//! A case has lines `wit: PATH` (relative to this crate), `world: W`,
//! `flags: async | store` (`bindgen!`'s function flags, for imports and
//! exports), `with: WIT=RUST`, `trappable-error-type: WIT=RUST`,
//! `additional-derive: PATH`, `ownership: borrowing…` and `anyhow: true`; `#` starts a comment.

use std::path::Path;
use witloom_bindgen::Options;
use witloom_testkit::golden::{self, Suite};

fn generate(case: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(case).map_err(|e| e.to_string())?;
    let mut wit = None;
    let mut opts = Options::default();
    let pair = |v: &str| -> Result<(String, String), String> {
        v.split_once('=')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .ok_or_else(|| format!("`{v}` is not WIT=RUST"))
    };
    for (key, value) in golden::case_lines(&text)? {
        match key {
            "wit" => wit = Some(value.to_string()),
            "world" => opts.world = Some(value.to_string()),
            // `bindgen!`'s flags for both sides: `flags: async | store`.
            "flags" => {
                opts = opts.with_defaults(
                    witloom_bindgen::Flags::parse(value).map_err(|e| e.to_string())?,
                );
            }
            "additional-derive" => opts.additional_derives.push(value.to_string()),
            "ownership" => {
                opts.ownership =
                    witloom_bindgen::Ownership::parse(value).map_err(|e| e.to_string())?
            }
            "anyhow" => opts.anyhow = value == "true",
            "with" => {
                let (k, v) = pair(value)?;
                opts.with.insert(k, v);
            }
            "trappable-error-type" => {
                let (k, v) = pair(value)?;
                opts.trappable_error_types.insert(k, v);
            }
            other => return Err(format!("unknown key `{other}`")),
        }
    }
    let wit = wit.ok_or("no `wit:` line")?;
    witloom_bindgen::generate_from_path(Path::new(&wit), &opts).map_err(|d| d.to_string())
}

fn main() -> std::process::ExitCode {
    let cases = Suite::in_dir(
        "bindgen",
        "tests/golden",
        |p| p.extension().is_some_and(|e| e == "case"),
        generate,
    )
    .golden(|p| p.with_extension("rs"))
    .at_least(3);
    golden::main(vec![cases], Vec::new())
}
