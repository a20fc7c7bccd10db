//! `cargo xtask demo`: the README's main job. Builds the wordstats example
//! (a C kernel, a Go formatter, a Rust flow), checks and composes it into
//! one component, and runs it on an embedded SQLite database, the way a
//! user would with the `witloom` CLI; every command is printed before it
//! runs.
//!
//! `--db PATH` picks the database (default
//! `examples/wordstats/target/wordstats.db`, kept between demos, so totals
//! grow); `WITLOOM_BIN` runs a `witloom` built elsewhere instead of
//! building the release one (the end-to-end test uses its own).

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run(args: &[&str]) -> Result<()> {
    let root = crate::root();
    let example = root.join("examples/wordstats");
    let db = match args {
        [] => example.join("target/wordstats.db"),
        ["--db", path] => PathBuf::from(path),
        _ => bail!("usage: cargo xtask demo [--db PATH]"),
    };

    crate::setup::guests()?;
    let witloom = match std::env::var_os("WITLOOM_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => {
            println!("demo: building witloom (release)");
            crate::apps::witloom()?
        }
    };
    // Which guest toolchains are ready, or what to install.
    let doctor = Command::new(&witloom)
        .arg("doctor")
        .status()
        .with_context(|| format!("cannot run `{}`", witloom.display()))?;
    if !doctor.success() {
        bail!(
            "a guest toolchain is missing; install what `witloom doctor` says above, then run `cargo xtask demo` again"
        );
    }
    // WASI's WIT comes from cargo's registry, never from the repository.
    witloom_testkit::link_wasi_deps(example.clone());

    let app = example.join("target/wordstats.wasm");
    step(&witloom, &example, &["build", "--release"])?;
    step(&witloom, &example, &["compose", "--check"])?;
    step(
        &witloom,
        &example,
        &["compose", "-o", "target/wordstats.wasm"],
    )?;
    if let Some(dir) = db.parent() {
        witloom_diag::io::create_dir_all(dir)?;
    }
    let db_arg = db.to_str().context("the database path is not UTF-8")?;
    step(
        &witloom,
        &example,
        &[
            "run",
            "target/wordstats.wasm",
            "--sqlite",
            db_arg,
            "--dir",
            "texts::/texts",
            "--",
            "/texts/loom.txt",
            "/texts/river.txt",
        ],
    )?;
    println!(
        "\ndemo: the app is {} ({} KiB); its counts are in {} (run the demo again and the totals grow)",
        app.display(),
        witloom_diag::io::metadata(&app)?.len().div_ceil(1024),
        db.display()
    );
    Ok(())
}

/// Runs `witloom ARGS` in the example's directory, printed first as a user
/// would type it.
fn step(witloom: &Path, dir: &Path, args: &[&str]) -> Result<()> {
    println!("\n$ witloom {}", args.join(" "));
    let status = Command::new(witloom)
        .args(args)
        .current_dir(dir)
        .status()
        .with_context(|| format!("cannot run {}", witloom.display()))?;
    if !status.success() {
        bail!("`witloom {}` failed ({status})", args.join(" "));
    }
    Ok(())
}
