//! Every bad manifest in `tests/ui/*.toml` fails with the located
//! diagnostic in `*.stderr` (a test per input, `BLESS=1` re-blesses).

use witloom_manifest::Manifest;
use witloom_testkit::golden::{self, Suite};

fn main() -> std::process::ExitCode {
    let ui = Suite::in_dir(
        "ui",
        "tests/ui",
        |p| p.extension().is_some_and(|x| x == "toml"),
        |path| match Manifest::load(path) {
            Ok(_) => Err("loaded without an error".to_string()),
            Err(d) => Ok(d.to_string()),
        },
    )
    .golden(|p| p.with_extension("stderr"))
    .at_least(8);
    golden::main(vec![ui], Vec::new())
}
