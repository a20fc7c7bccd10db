//! Golden wiring results: each `tests/ui/*.case` names parts (worlds of WIT
//! files, composed before anything is built) and options; the plan's report
//! or its error is compared with `*.stderr` (a test per case, `BLESS=1`
//! re-blesses).
//!
//! A case file has lines `parts: NAME=WORLD[@FILE.wit] …` (the file
//! defaults to the case's own `.wit`), `root: NAME`, `with: IFACE=NAME` and
//! `chain: NAME NAME …`.

use std::path::Path;
use witloom_compose::{Options, Part, plan};
use witloom_ir::LoadOptions;
use witloom_testkit::golden::{self, Suite};

fn run_case(case: &Path) -> String {
    let text = std::fs::read_to_string(case).unwrap();
    let dir = case.parent().unwrap();
    let default_wit = case.with_extension("wit");
    let mut parts = Vec::new();
    let mut opts = Options::default();
    for line in text.lines() {
        if let Some(list) = line.strip_prefix("parts:") {
            for spec in list.split_whitespace() {
                let (name, rest) = spec.split_once('=').unwrap();
                let (world, file) = match rest.split_once('@') {
                    Some((w, f)) => (w, dir.join(f)),
                    None => (rest, default_wit.clone()),
                };
                let wit = witloom_ir::load(&file, &LoadOptions::default()).unwrap();
                let world = wit.select_world(Some(world)).unwrap();
                parts.push(Part::from_world(name, wit.into(), world));
            }
        } else if let Some(root) = line.strip_prefix("root:") {
            opts.root = Some(root.trim().to_string());
        } else if let Some(with) = line.strip_prefix("with:") {
            let (iface, part) = with.trim().split_once('=').unwrap();
            opts.with.insert(iface.to_string(), part.to_string());
        } else if let Some(chain) = line.strip_prefix("chain:") {
            opts.chain = chain.split_whitespace().map(str::to_string).collect();
        }
    }
    match plan(&parts, &opts) {
        Ok(plan) => plan.report(),
        Err(e) => witloom_diag::Diagnostic::from(e).to_string(),
    }
}

fn main() -> std::process::ExitCode {
    let cases = Suite::in_dir(
        "ui",
        "tests/ui",
        |p| p.extension().is_some_and(|e| e == "case"),
        |case| {
            let out = run_case(case);
            if out.contains("panicked") {
                return Err(out);
            }
            Ok(out)
        },
    )
    .golden(|p| p.with_extension("stderr"))
    .at_least(9);
    golden::main(vec![cases], Vec::new())
}
