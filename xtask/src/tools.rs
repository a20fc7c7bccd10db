//! The anchor tools that benchmarks and the compat check run side by side
//! with witloom: `wac` and a stock `wasmtime` CLI of the line we link.
//! They are found on `PATH` or in `target/tools/bin`, and installed there
//! with `cargo install --locked` only when the user asks (`--install`),
//! since each takes minutes to build. `cargo xtask deps` reports their
//! pins next to the workspace's.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

/// A tool: its command, the crate that installs it, and the version.
pub struct Tool {
    pub command: &'static str,
    krate: &'static str,
    version: String,
    /// What `cargo install --version` gets.
    req: String,
    minutes: u32,
    /// Said once the tool is found, when the comparison needs a word.
    note: Option<String>,
}

/// The stock `wasmtime` CLI release the anchors run: the newest
/// `wasmtime-cli` on the line of the runtime witloom links (the
/// workspace's `wasmtime` pin), so the comparison is of the same runtime.
///
/// It can trail the runtime by patches: the wasmtime project published
/// `wasmtime` 48.0.9 to 48.0.11 but `wasmtime-cli` (and `wasmtime-wasi`)
/// stop at 48.0.8, and the CLI's preview1 host (`wiggle =48.0.8`) cannot
/// link a newer runtime. The patches between are security fixes, none of
/// which changes what `compat` compares or the benchmarks time. Move it
/// with the runtime; `cargo xtask deps` says when a newer one exists.
pub const WASMTIME_CLI: &str = "48.0.8";

/// `(crate, pinned release)` of the anchor tools pinned exactly.
pub fn pinned_anchors() -> Vec<(&'static str, semver::Version)> {
    vec![(
        "wasmtime-cli",
        semver::Version::parse(WASMTIME_CLI).expect("a version"),
    )]
}

/// `wasmtime`, the CLI of the runtime witloom links ([`WASMTIME_CLI`]).
pub fn wasmtime() -> Tool {
    let runtime = witloom_testkit::pinned_version("wasmtime");
    Tool {
        command: "wasmtime",
        krate: "wasmtime-cli",
        version: WASMTIME_CLI.to_string(),
        req: format!("={WASMTIME_CLI}"),
        minutes: 15,
        note: (runtime != WASMTIME_CLI).then(|| {
            format!(
                "the anchor is wasmtime-cli {WASMTIME_CLI}, the newest release of the CLI on \
                 witloom's line; witloom links wasmtime {runtime}"
            )
        }),
    }
}

/// `wac`, the composition tool our `compose` is measured against.
pub fn wac() -> Tool {
    Tool {
        command: "wac",
        krate: "wac-cli",
        version: "0.12".to_string(),
        req: "^0.12".to_string(),
        minutes: 8,
        note: None,
    }
}

impl Tool {
    /// The tool's path, installing it when `install` and it is missing.
    pub fn find(&self, install: bool) -> Result<PathBuf> {
        let root = crate::target_dir().join("tools");
        let local = root.join("bin").join(self.command);
        for candidate in [local.clone(), PathBuf::from(self.command)] {
            if self.version_of(&candidate).is_some() {
                if let Some(note) = &self.note {
                    println!("note: {note}");
                }
                return Ok(candidate);
            }
        }
        let cmd = format!(
            "cargo install {} --version '{}' --locked --root {}",
            self.krate,
            self.req,
            root.display()
        );
        if !install {
            bail!(
                "`{}` {} is not on PATH or in {}. Add --install to install it \
                 (about {} min: {cmd}), or install it yourself",
                self.command,
                self.version,
                root.join("bin").display(),
                self.minutes
            );
        }
        println!(
            "installing {} {} (about {} min): {cmd}",
            self.krate, self.version, self.minutes
        );
        crate::run(
            crate::cargo()
                .args([
                    "install",
                    self.krate,
                    "--version",
                    &self.req,
                    "--locked",
                    "--root",
                ])
                .arg(&root),
        )?;
        self.version_of(&local)
            .with_context(|| format!("{} was installed but does not run", local.display()))?;
        if let Some(note) = &self.note {
            println!("note: {note}");
        }
        Ok(local)
    }

    /// `Some(version line)` when `path` runs and is of our version.
    fn version_of(&self, path: &PathBuf) -> Option<String> {
        let out = Command::new(path).arg("--version").output().ok()?;
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let found = line.split_whitespace().nth(1)?;
        let wanted: Vec<&str> = self.version.split('.').collect();
        let has: Vec<&str> = found.split('.').collect();
        (has.len() >= wanted.len() && has[..wanted.len()] == wanted[..]).then_some(line)
    }
}

/// `wrk`, the HTTP load generator of `bench serve`: Debian's package,
/// installed with apt when asked and possible (as root).
pub fn wrk(install: bool) -> Result<PathBuf> {
    let runs = |p: &str| Command::new(p).arg("--version").output().is_ok();
    if runs("wrk") {
        return Ok(PathBuf::from("wrk"));
    }
    if !install {
        bail!(
            "`wrk` is not on PATH. Add --install to install it (apt-get install wrk), or install it yourself"
        );
    }
    crate::run(Command::new("apt-get").args(["install", "-y", "-q", "wrk"]))
        .context("cannot install wrk with apt-get (are you root?)")?;
    if runs("wrk") {
        Ok(PathBuf::from("wrk"))
    } else {
        bail!("wrk was installed but does not run")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_wasmtime_anchor_is_on_the_runtime_line_and_not_ahead_of_it() {
        let runtime = semver::Version::parse(&witloom_testkit::pinned_version("wasmtime")).unwrap();
        let cli = semver::Version::parse(super::WASMTIME_CLI).unwrap();
        assert_eq!(
            (cli.major, cli.minor),
            (runtime.major, runtime.minor),
            "wasmtime-cli {cli} is not on the line of the wasmtime witloom links ({runtime})"
        );
        assert!(
            cli <= runtime,
            "wasmtime-cli {cli} is ahead of the runtime {runtime}"
        );
    }
}
