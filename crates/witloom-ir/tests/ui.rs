//! Diagnostic golden tests: every entry of `tests/ui` (a `.wit` file or a
//! package directory) must fail to load, and its rendered diagnostic must
//! match the checked-in `<name>.stderr` (the testkit's golden harness: a
//! test per input, `BLESS=1` re-blesses).

use std::path::Path;
use witloom_ir::{LoadOptions, load};
use witloom_testkit::golden::{self, Suite};

fn main() -> std::process::ExitCode {
    let ui = Suite::in_dir(
        "ui",
        "tests/ui",
        |p| p.is_dir() || p.extension().is_some_and(|x| x == "wit"),
        |path| match load(path, &LoadOptions::default()) {
            Ok(_) => Err("loaded without an error".to_string()),
            Err(diagnostic) => Ok(diagnostic.to_string()),
        },
    )
    .golden(|p| p.with_extension("stderr"))
    .at_least(25);
    let located = golden::Trial::test("diagnostics_point_at_file_line_col", || {
        let d = load(
            Path::new("tests/ui/unknown-user-type.wit"),
            &LoadOptions::default(),
        )
        .unwrap_err();
        let loc = d.location().ok_or("no location")?;
        assert_eq!(loc.to_string(), "tests/ui/unknown-user-type.wit:5:18");
        assert!(d.help.iter().any(|h| h.contains("`fraction`")), "{d}");
        Ok(())
    });
    golden::main(vec![ui], vec![located])
}
