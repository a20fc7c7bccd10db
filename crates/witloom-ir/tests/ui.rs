//! Diagnostic golden tests: every entry of `tests/ui` (a `.wit` file or a
//! package directory) must fail to load, and its rendered diagnostic must
//! match the checked-in `<name>.stderr`. `BLESS=1` re-blesses.

use std::path::PathBuf;
use witloom_ir::{LoadOptions, load};

#[test]
fn ui_diagnostics_match_golden() {
    let mut entries: Vec<PathBuf> = std::fs::read_dir("tests/ui")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "wit"))
        .collect();
    entries.sort();
    assert!(entries.len() >= 25, "only {} failing inputs", entries.len());
    let mut failures = Vec::new();
    for path in &entries {
        let golden = path.with_extension("stderr");
        let result = std::panic::catch_unwind(|| load(path, &LoadOptions::default()));
        let rendered = match result {
            Err(_) => {
                failures.push(format!("{}: panicked", path.display()));
                continue;
            }
            Ok(Ok(_)) => {
                failures.push(format!("{}: loaded without an error", path.display()));
                continue;
            }
            Ok(Err(diagnostic)) => diagnostic.to_string(),
        };
        if let Err(e) =
            std::panic::catch_unwind(|| witloom_testkit::assert_golden(&golden, &rendered))
        {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| "mismatch".to_string());
            failures.push(msg);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn diagnostics_point_at_file_line_col() {
    let d = load(
        "tests/ui/unknown-user-type.wit".as_ref(),
        &LoadOptions::default(),
    )
    .unwrap_err();
    let loc = d.location().expect("a location");
    assert_eq!(loc.to_string(), "tests/ui/unknown-user-type.wit:5:18");
    assert!(d.help.iter().any(|h| h.contains("`fraction`")), "{d}");
}
