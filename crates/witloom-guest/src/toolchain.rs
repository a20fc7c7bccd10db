//! Finding each language's toolchain, its version, and what is missing,
//! with the exact command that installs it. `witloom doctor` prints these;
//! builds refuse to start without them.

use crate::Language;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A language's toolchain as found on this machine.
#[derive(Debug, Clone)]
pub struct Toolchain {
    pub language: Language,
    /// The compiler or build tool that drives the build.
    pub program: Option<PathBuf>,
    /// Its version, as it reports it.
    pub version: Option<String>,
    /// Where it looks for what else it needs (sysroot, target).
    pub detail: Option<String>,
    /// What is missing, with how to install it; empty when ready.
    pub missing: Vec<Missing>,
    /// Extra settings for the build (the C sysroot flags).
    pub(crate) args: Vec<String>,
}

/// Something a toolchain lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub what: String,
    pub install: String,
}

impl Toolchain {
    pub(crate) fn new(language: Language) -> Self {
        Toolchain {
            language,
            program: None,
            version: None,
            detail: None,
            missing: Vec::new(),
            args: Vec::new(),
        }
    }

    /// Whether everything needed is there.
    pub fn ready(&self) -> bool {
        self.missing.is_empty()
    }

    pub(crate) fn lacks(&mut self, what: impl Into<String>, install: impl Into<String>) {
        self.missing.push(Missing {
            what: what.into(),
            install: install.into(),
        });
    }

    /// A string that changes whenever the toolchain does, for build caches:
    /// its version and flags. Not its path: the rustup proxy and the
    /// toolchain's own cargo are the same compiler.
    pub fn fingerprint(&self) -> String {
        format!("{}|{:?}|{:?}", self.language, self.version, self.args)
    }
}

/// Finds `program` on `PATH`.
pub(crate) fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// The first line of `program args…`'s output, if it runs and succeeds.
pub(crate) fn version_line(program: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let text = if text.trim().is_empty() {
        String::from_utf8_lossy(&out.stderr).into_owned()
    } else {
        text.into_owned()
    };
    text.lines().next().map(|l| l.trim().to_string())
}
