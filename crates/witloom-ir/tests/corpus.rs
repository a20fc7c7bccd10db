//! Golden IR tests: every entry of `tests/corpus` (a `.wit` file or a
//! package directory with `deps/`) loads with all features into a
//! consistent IR, compared with the checked-in `<name>.json` (a test per
//! input, `BLESS=1` re-blesses).

use witloom_ir::{LoadOptions, load};
use witloom_testkit::golden::{self, Suite};

fn main() -> std::process::ExitCode {
    let corpus = Suite::in_dir(
        "corpus",
        "tests/corpus",
        |p| p.is_dir() || p.extension().is_some_and(|x| x == "wit"),
        |path| {
            let opts = LoadOptions {
                all_features: true,
                ..LoadOptions::default()
            };
            let loaded = load(path, &opts).map_err(|d| format!("failed to load:\n{d}"))?;
            loaded
                .ir
                .check()
                .map_err(|e| format!("inconsistent IR: {e}"))?;
            Ok(loaded.ir.to_json())
        },
    )
    .golden(|p| p.with_extension("json"))
    .at_least(5);
    golden::main(vec![corpus], Vec::new())
}
