//! The anchor tools that benchmarks and the compat check run side by side
//! with witloom: `wac` and a stock `wasmtime` CLI of the version we link.
//! They are found on `PATH` or in `target/tools/bin`, and installed there
//! with `cargo install --locked` only when the user asks (`--install`),
//! since each takes minutes to build.

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
}

/// `wasmtime` of exactly the version witloom links, so the comparison is
/// of the same runtime.
pub fn wasmtime() -> Tool {
    Tool {
        command: "wasmtime",
        krate: "wasmtime-cli",
        version: witloom_testkit::pinned_version("wasmtime"),
        req: format!("={}", witloom_testkit::pinned_version("wasmtime")),
        minutes: 15,
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
    }
}

impl Tool {
    /// The tool's path, installing it when `install` and it is missing.
    pub fn find(&self, install: bool) -> Result<PathBuf> {
        let root = crate::target_dir().join("tools");
        let local = root.join("bin").join(self.command);
        for candidate in [local.clone(), PathBuf::from(self.command)] {
            if self.version_of(&candidate).is_some() {
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
            .map(|_| local.clone())
            .with_context(|| format!("{} was installed but does not run", local.display()))
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
