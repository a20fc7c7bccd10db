//! witloom's development tasks, run as `cargo xtask <task>`:
//!
//! - `setup`: install what a fresh machine lacks (rustup targets, Debian
//!   packages for C guests, chromium for the docs' browser test) and check
//!   Go.
//! - `demo`: the main job of the README.
//! - `test`: `setup`, then the whole test suite.
//! - `bench [--quick] all|ir|build|bindgen|doc|compose|run|serve|ship`:
//!   benchmarks, side by side with the anchor tool where there is one, each
//!   goal's verdict listed at the end.
//! - `compat`: composed output under a stock `wasmtime run`.
//! - `bindgen [--check]`: regenerate the checked-in generated files.
//! - `doc [--check]`: regenerate `docs/wit/`, the docs of our own WIT.
//! - `fuzz`: the hostile-input suites against a release build, with counts.
//! - `deps`: each pinned dependency line against the registry (a report).

mod apps;
mod bench;
mod codegen;
mod compat;
mod demo;
mod deps;
mod fuzz;
mod registry;
mod served;
mod setup;
mod tools;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  bindgen [--check]
               regenerate the checked-in host bindings (--check: fail if stale)
  doc [--check]
               regenerate docs/wit/, the Markdown of wit/ (--check: fail if stale)
  setup        install what is missing (rustup targets, C toolchain, chromium)
               and check Go
  demo [--db PATH]
               the main job: build the wordstats example (C, Go, Rust), compose
               it, run it on an embedded SQLite database
  test         setup, then run every test (the README's test command)
  bench [--quick] [--install] all|ir|build|bindgen|doc|compose|run|serve|ship
               benchmarks, side by side with the anchor tool, each goal met
               or MISSED (listed at the end; a missed goal fails the task).
               `bench --quick` runs them all in under 3 minutes once the
               apps are built and the anchors installed:
    ir         load the WASI 0.2 set into the IR vs wit-parser alone
    build      cold guest builds per language, no-op rebuild, sizes
    bindgen [generation|incremental]
               host bindings: generation vs wasmtime's generator; incremental
               rebuild with checked-in bindings vs bindgen!
    doc        Markdown for the WASI 0.2 set vs wit-bindgen markdown
    compose    witloom compose vs wac plug: time and output size
    run        witloom run vs wasmtime run: wall time; per-call costs
    serve      witloom serve vs wasmtime serve under wrk; a soak; SQLite vs
               PostgreSQL under concurrent writers
    ship       witloom push/pull vs skopeo copy on a local registry
  compat [--install]
               composed apps under a stock `wasmtime run` of our wasmtime
               version: same output as `witloom run`
  fuzz [--cases N] [--seed S] [--class C[,C…]] [--work DIR] [--witloom PATH] [--timeout SECS]
               hostile inputs (classes wit, manifest, binary, wave, http,
               registry, worlds) against a release build (or PATH): counts
               per class; fails on any panic, hang, crash or odd exit
               (reproducers under DIR, default target/witloom-fuzz)
  deps         each dependency line the workspaces pin (and the anchor tools):
               locked version, newest release on its line, behind or held and
               why; what `cargo update` would still move (reads crates.io)
  (--install: install the anchor tool into target/tools with cargo install)";

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["setup"] => setup::run(),
        ["demo", rest @ ..] => demo::run(rest),
        ["test", rest @ ..] => test(rest),
        ["bench", rest @ ..] => bench::run(rest),
        ["compat", rest @ ..] => compat::run(rest),
        ["bindgen", rest @ ..] => codegen::run(rest),
        ["doc", rest @ ..] => codegen::run_doc(rest),
        ["fuzz", rest @ ..] => fuzz::run(rest),
        ["deps", rest @ ..] => deps::run(rest),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ sits in the root")
        .to_path_buf()
}

/// Cargo's target directory, as cargo itself decides it
/// (`CARGO_TARGET_DIR`, `build.target-dir` in a config file, or
/// `<workspace>/target`): what `cargo metadata` reports.
pub fn target_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        witloom_testkit::cargo_target_dir(&root())
            .unwrap_or_else(|e| panic!("cannot find cargo's target directory: {e}"))
    })
}

/// Runs `cmd`, failing with its command line if it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// The README's test command.
fn test(extra: &[&str]) -> Result<()> {
    setup::run()?;
    run(cargo()
        .args(["test", "--workspace", "--locked"])
        .args(extra))
}
