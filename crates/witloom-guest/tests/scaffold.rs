//! Golden text of `witloom new`'s skeletons for the cross-language suite's
//! `test` world, a test per language (`BLESS=1` re-blesses). That they
//! build is tested by the CLI's `new` tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use witloom_guest::Language;
use witloom_guest::scaffold::skeleton;
use witloom_ir::LoadOptions;
use witloom_testkit::golden::{self, Suite};

fn main() -> std::process::ExitCode {
    // The inputs are the languages, named by their golden files.
    let inputs: Vec<PathBuf> = Language::ALL
        .iter()
        .map(|l| PathBuf::from(format!("tests/scaffold/{l}.txt")))
        .collect();
    let skeletons = Suite {
        name: "skeleton",
        min: inputs.len(),
        inputs,
        golden: Path::to_path_buf,
        run: Arc::new(|golden: &Path| {
            let language: Language = golden.file_stem().unwrap().to_string_lossy().parse()?;
            let wit = witloom_ir::load(Path::new("tests/runtime/wit"), &LoadOptions::default())
                .map_err(|d| d.to_string())?;
            let world =
                wit.wit_parser_world(wit.select_world(Some("test")).map_err(|d| d.to_string())?);
            let files = skeleton(&wit, world, "demo", language, "test", "../wit")
                .map_err(|d| d.to_string())?;
            let mut all = String::new();
            for (path, contents) in files {
                all.push_str(&format!("==> {}\n{contents}", path.display()));
            }
            Ok(all)
        }),
    };
    golden::main(vec![skeletons], Vec::new())
}
