//! Golden text of `witloom new`'s skeletons, a test per language
//! (`BLESS=1` re-blesses): for the cross-language suite's `test` world
//! (`scaffold/<lang>.txt`), for a world exporting its own functions and an
//! inline interface (`scaffold/lone/<lang>.txt`), and for what `witloom
//! init` writes for each template, whose entry point is filled
//! (`scaffold/init/<template>-<lang>.txt`). That they build is tested by
//! the CLI's `new` and `init` tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use witloom_guest::Language;
use witloom_guest::init::{Template, WasiLine, init};
use witloom_guest::scaffold::skeleton;
use witloom_ir::LoadOptions;
use witloom_testkit::golden::{self, Suite};

fn main() -> std::process::ExitCode {
    golden::main(
        vec![
            world_suite("skeleton", "tests/scaffold", "tests/runtime/wit", "test"),
            world_suite("lone", "tests/scaffold/lone", "tests/scaffold/wit", "lone"),
            init_suite(),
        ],
        Vec::new(),
    )
}

/// A golden per language, `<dir>/<lang>.txt`: the skeleton of `world` in
/// the WIT at `wit`.
fn world_suite(name: &'static str, dir: &str, wit: &'static str, world: &'static str) -> Suite {
    let inputs: Vec<PathBuf> = Language::ALL
        .iter()
        .map(|l| Path::new(dir).join(format!("{l}.txt")))
        .collect();
    Suite {
        name,
        min: inputs.len(),
        inputs,
        golden: Path::to_path_buf,
        run: Arc::new(move |golden: &Path| {
            let language: Language = golden
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .parse()
                .map_err(|e| format!("{e}"))?;
            let wit = witloom_ir::load(Path::new(wit), &LoadOptions::default())
                .map_err(|d| d.to_string())?;
            let id =
                wit.wit_parser_world(wit.select_world(Some(world)).map_err(|d| d.to_string())?);
            let files =
                skeleton(&wit, id, "demo", language, world, "../wit").map_err(|d| d.to_string())?;
            Ok(listing(files))
        }),
    }
}

/// A golden per template and language, `init/<template>-<lang>.txt`: the
/// component `witloom init` writes for an app named `my-app` (whose world
/// has that name, so the C bindings' names are mangled from it); and
/// `init/<template>-<lang>-0.3.txt` for a WASI 0.3 command and handler in
/// each language that builds one.
fn init_suite() -> Suite {
    let mut inputs = Vec::new();
    for template in ["command", "http"] {
        for language in Language::ALL {
            inputs.push(PathBuf::from(format!(
                "tests/scaffold/init/{template}-{language}.txt"
            )));
        }
    }
    for template in ["command", "http"] {
        for language in [Language::C, Language::Rust, Language::Python] {
            inputs.push(PathBuf::from(format!(
                "tests/scaffold/init/{template}-{language}-0.3.txt"
            )));
        }
    }
    Suite {
        name: "init",
        min: inputs.len(),
        inputs,
        golden: Path::to_path_buf,
        run: Arc::new(|golden: &Path| {
            let stem = golden.file_stem().unwrap().to_string_lossy().into_owned();
            let (rest, wasi) = match stem.strip_suffix("-0.3") {
                Some(rest) => (rest, WasiLine::P3),
                None => (stem.as_str(), WasiLine::P2),
            };
            let (template, language) = rest.split_once('-').ok_or("`<template>-<lang>.txt`")?;
            let language: Language = language.parse().map_err(|e| format!("{e}"))?;
            let template = match template {
                "command" => Template::Command,
                "http" => Template::Http,
                other => return Err(format!("no template `{other}`")),
            };
            let dir = witloom_testkit::scratch_dir(format!("witloom-guest-tests/init/{stem}"))
                .join("my-app");
            let made = init(&dir, None, template, language, wasi).map_err(|d| d.to_string())?;
            let component = dir.join(&made.component);
            let mut files = Vec::new();
            for path in &made.created.files {
                let rel = path.strip_prefix(&component).map_err(|e| e.to_string())?;
                let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
                files.push((rel.to_path_buf(), text));
            }
            Ok(listing(files))
        }),
    }
}

/// Every file, headed by its path.
fn listing(files: Vec<(PathBuf, String)>) -> String {
    let mut all = String::new();
    for (path, contents) in files {
        all.push_str(&format!("==> {}\n{contents}", path.display()));
    }
    all
}
