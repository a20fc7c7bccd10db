//! Inputs for the benchmarks and the compat check, built by the release
//! `witloom` from the CLI tests' own apps, so what is measured is what is
//! tested: `tests/sandbox` (a C command `probe` importing a C `greeter`),
//! `tests/matrix` (runners and `test` implementations in C, Rust, Go) and
//! `tests/p3` (WASI 0.3 and async guests), `tests/serve` (WASI 0.2
//! handlers) and `tests/serve-compat` (the notes gate in front of a 0.3
//! handler).

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds the release `witloom` and returns its path.
pub fn witloom() -> Result<PathBuf> {
    crate::run(crate::cargo().args(["build", "--quiet", "--release", "-p", "witloom"]))?;
    Ok(crate::target_dir().join("release/witloom"))
}

/// Where benchmark and compat outputs go.
pub fn out_dir(task: &str) -> Result<PathBuf> {
    let dir = crate::target_dir().join("xtask").join(task);
    witloom_diag::io::create_dir_all(&dir)?;
    Ok(dir)
}

/// A built test app: its directory of built components.
pub struct App {
    pub manifest: PathBuf,
    pub built: PathBuf,
}

impl App {
    pub fn wasm(&self, component: &str) -> PathBuf {
        self.built.join(format!("{component}.wasm"))
    }
}

/// Builds the CLI tests' app `name` (with WASI's WIT linked in).
pub fn build(witloom: &Path, name: &str, release: bool) -> Result<App> {
    let dir =
        witloom_testkit::link_wasi_deps(crate::root().join("crates/witloom/tests").join(name));
    build_dir(witloom, &dir, release)
}

/// Builds the app of `dir` (whose WIT has its deps already).
pub fn build_dir(witloom: &Path, dir: &Path, release: bool) -> Result<App> {
    let manifest = dir.join("witloom.toml");
    let mut cmd = Command::new(witloom);
    cmd.arg("build").arg("--manifest").arg(&manifest);
    if release {
        cmd.arg("--release");
    }
    check(&mut cmd)?;
    Ok(App {
        manifest,
        built: dir.join("target/witloom"),
    })
}

/// Builds `components` of the CLI tests' WASI 0.3 app (`tests/p3`), in
/// release, its WIT's deps written by `witloom wit deps` (which writes the
/// 0.3 packages its worlds name, and no 0.2 beside them).
pub fn build_p3(witloom: &Path, components: &[&str]) -> Result<App> {
    let dir = crate::root().join("crates/witloom/tests/p3");
    wit_deps(witloom, &dir)?;
    build_components(witloom, &dir, components)
}

/// Writes the WASI packages the worlds of the app of `dir` name into its
/// `wit/deps`, as a user would: `witloom wit deps`.
pub fn wit_deps(witloom: &Path, dir: &Path) -> Result<()> {
    check(
        Command::new(witloom)
            .args(["wit", "deps", "--manifest"])
            .arg(dir.join("witloom.toml")),
    )
    .map(drop)
}

/// Builds `components` of the app of `dir` (whose WIT has its deps
/// already), in release.
pub fn build_components(witloom: &Path, dir: &Path, components: &[&str]) -> Result<App> {
    let manifest = dir.join("witloom.toml");
    let mut cmd = Command::new(witloom);
    cmd.arg("build")
        .arg("--release")
        .arg("--manifest")
        .arg(&manifest);
    for c in components {
        cmd.args(["-c", c]);
    }
    check(&mut cmd)?;
    Ok(App {
        manifest,
        built: dir.join("target/witloom"),
    })
}

/// Composes a built app from its manifest into `dest`.
pub fn compose(witloom: &Path, app: &App, dest: &Path) -> Result<()> {
    check(
        Command::new(witloom)
            .arg("compose")
            .arg("--manifest")
            .arg(&app.manifest)
            .arg("-o")
            .arg(dest),
    )
    .map(drop)
}

/// Composes a matrix pair into `dest`: the runner in `runner`'s language
/// with the `test` implementation in `test`'s and the host plug.
pub fn compose_pair(
    witloom: &Path,
    matrix: &App,
    runner: &str,
    test: &str,
    dest: &Path,
) -> Result<()> {
    check(
        Command::new(witloom)
            .arg("compose")
            .arg(matrix.wasm(&format!("runner-{runner}")))
            .arg("--plug")
            .arg(matrix.wasm(&format!("test-{test}")))
            .arg("--plug")
            .arg(matrix.wasm("host-plug"))
            .arg("-o")
            .arg(dest),
    )
    .map(drop)
}

/// Runs `cmd` quietly, failing with its stderr.
pub fn check(cmd: &mut Command) -> Result<std::process::Output> {
    let out = cmd.output()?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed with {}:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out)
}
