//! Hostile inputs for witloom, as numbers.
//!
//! Each [`Class`] generates inputs deterministically from a seed (no
//! nightly toolchain, no coverage feedback: plain mutation of a corpus and
//! a few hand-made extremes), feeds them to the `witloom` binary one
//! process per case, and counts what happened in [`Counts`]: exit codes,
//! panics, hangs (killed at the timeout), crashes (signals), errors that
//! name no location, and diagnostics that echo raw control bytes. A case
//! that panics, hangs or crashes is kept as a reproducer under the work
//! directory.
//!
//! `cargo xtask fuzz` runs every class with the full counts; a test runs a
//! small fixed slice of each in CI.

pub mod binary;
mod exec;
pub mod http;
pub mod manifest;
mod mutate;
pub mod registry;
mod support;
pub mod wave;
pub mod wit;
pub mod worlds;

pub use exec::{Outcome, exec};
pub use support::unsafe_char;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A suite of hostile inputs, one kind of input each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// WIT text to `witloom wit check`.
    Wit,
    /// `witloom.toml` to `witloom compose --check`.
    Manifest,
    /// Component binaries to `wit check`, `compose` and `run`.
    Binary,
    /// WAVE expressions to `run --invoke`.
    Wave,
    /// HTTP requests to `witloom serve`.
    Http,
    /// OCI registry responses to `pull` and `wit deps`.
    Registry,
    /// Generated WIT worlds through every stage.
    Worlds,
}

impl Class {
    /// Every class, in the order `cargo xtask fuzz` runs them.
    pub const ALL: [Class; 7] = [
        Class::Wit,
        Class::Manifest,
        Class::Binary,
        Class::Wave,
        Class::Http,
        Class::Registry,
        Class::Worlds,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::Wit => "wit",
            Class::Manifest => "manifest",
            Class::Binary => "binary",
            Class::Wave => "wave",
            Class::Http => "http",
            Class::Registry => "registry",
            Class::Worlds => "worlds",
        }
    }

    /// How many cases a full run makes: WIT text is the cheapest input
    /// and the one most exposed, so it gets ten times the others.
    pub fn default_cases(self) -> u64 {
        match self {
            Class::Wit => 10_000,
            _ => 1_000,
        }
    }
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Class {
    type Err = UnknownClass;

    fn from_str(s: &str) -> Result<Self, UnknownClass> {
        Class::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| UnknownClass {
                name: s.to_string(),
            })
    }
}

/// A class name that no [`Class`] has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown class `{name}`, expected one of {}", class_names())]
pub struct UnknownClass {
    pub name: String,
}

fn class_names() -> String {
    let names: Vec<&str> = Class::ALL.iter().map(|c| c.name()).collect();
    names.join(", ")
}

/// Runs one class's suite.
pub fn run_class(class: Class, cfg: &Config) -> anyhow::Result<Counts> {
    std::fs::create_dir_all(&cfg.work)?;
    // Cases run in the work directory (what they write stays there), so
    // every path they are given is absolute.
    let cfg = &Config {
        work: cfg.work.canonicalize()?,
        witloom: std::path::absolute(&cfg.witloom)?,
        ..cfg.clone()
    };
    match class {
        Class::Wit => wit::run(cfg),
        Class::Manifest => manifest::run(cfg),
        Class::Binary => binary::run(cfg),
        Class::Wave => wave::run(cfg),
        Class::Http => http::run(cfg),
        Class::Registry => registry::run(cfg),
        Class::Worlds => worlds::run(cfg),
    }
}

/// How a suite runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `witloom` binary under test.
    pub witloom: PathBuf,
    /// How many cases per class.
    pub cases: u64,
    /// The seed every generator starts from.
    pub seed: u64,
    /// A scratch directory the suite owns (inputs, reproducers).
    pub work: PathBuf,
    /// How long one case may take before it counts as a hang.
    pub timeout: Duration,
}

/// What a class's cases did.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub class: String,
    pub cases: u64,
    /// Exit code (or `signal N`, `timeout`) to how many cases ended so.
    pub exits: BTreeMap<String, u64>,
    pub panics: u64,
    pub hangs: u64,
    pub crashes: u64,
    /// Failures whose message names no `file:line:col` where the class
    /// expects one (WIT text).
    pub unlocated: u64,
    /// Diagnostics that carried raw control or bidi characters.
    pub unsafe_output: u64,
    /// Exits other than 0, 1 (an error reported) and 2 (a usage error),
    /// not counting panics' 101.
    pub other_exits: u64,
    /// Failures on valid input that witloom does not name as a limitation
    /// of its own (`worlds`: a stage that refuses a valid world without
    /// saying what it does not support, bindings that do not compile).
    pub wrong: u64,
    /// The largest peak resident set of one case, in KiB.
    pub peak_rss_kib: u64,
    /// What went wrong, one line each, with the reproducer's path.
    pub findings: Vec<String>,
    /// A few unlocated or unsafe diagnostics, one line each with the input
    /// kept beside the reproducers: what to look at first, not failures
    /// of [`Counts::clean`].
    pub examples: Vec<String>,
}

/// How many examples of each kind (unlocated, unsafe output) are kept.
const EXAMPLES_PER_KIND: usize = 3;

impl Counts {
    pub fn new(class: &str) -> Self {
        Counts {
            class: class.to_string(),
            ..Counts::default()
        }
    }

    /// Whether nothing panicked, hung, crashed or exited with a code no
    /// witloom error gives.
    pub fn clean(&self) -> bool {
        self.panics == 0
            && self.hangs == 0
            && self.crashes == 0
            && self.other_exits == 0
            && self.wrong == 0
    }

    /// Counts one process: `what` names the command (for the finding
    /// line), `input` is what it was fed (kept as a reproducer when the
    /// case panicked, hung, crashed or exited oddly), and
    /// `expect_location` says a failure should point at `file:line:col`.
    pub fn record(
        &mut self,
        cfg: &Config,
        what: &str,
        outcome: &Outcome,
        input: &Path,
        expect_location: bool,
    ) {
        self.tally(outcome);
        let stderr = String::from_utf8_lossy(&outcome.stderr);
        let failure = if outcome.timed_out {
            self.hangs += 1;
            Some(format!("hang after {:.1?}", outcome.elapsed))
        } else if outcome.panicked() {
            self.panics += 1;
            let mut lines = support::panic_lines(&stderr);
            let at = lines.next().unwrap_or_default();
            let why = lines.next().unwrap_or_default();
            Some(format!(
                "panic: {}",
                support::clip_escaped(&format!("{at} {why}"), 300)
            ))
        } else if let Some(signal) = outcome.signal {
            self.crashes += 1;
            Some(format!(
                "signal {signal}: {}",
                support::clip_escaped(support::last_line(&stderr), 200)
            ))
        } else if !matches!(outcome.code, Some(0..=2)) {
            self.other_exits += 1;
            Some(format!(
                "exit {}: {}",
                outcome.key(),
                support::clip_escaped(support::last_line(&stderr), 200)
            ))
        } else {
            None
        };
        if let Some(failure) = failure {
            let kept = self.keep(cfg, input, "");
            self.findings
                .push(format!("{}: {what}: {failure} ({kept})", self.class));
            return;
        }
        if outcome.code == Some(1) && expect_location && !stderr.contains(" --> ") {
            self.unlocated += 1;
            // Examples of different messages: the first words tell them
            // apart (the rest names this case's file).
            let headline = support::clip_escaped(support::first_line(&stderr), 200);
            let gist: String = headline.chars().take(24).collect();
            if self.examples_of("unlocated") < EXAMPLES_PER_KIND
                && !self.examples.iter().any(|e| e.contains(&gist))
            {
                let kept = self.keep(cfg, input, "unlocated-");
                self.examples
                    .push(format!("unlocated: {what}: {headline} ({kept})"));
            }
        }
        if let Some((c, line)) = support::first_unsafe(&stderr) {
            self.unsafe_output += 1;
            if self.examples_of("unsafe") < EXAMPLES_PER_KIND {
                let kept = self.keep(cfg, input, "unsafe-");
                self.examples.push(format!(
                    "unsafe output: {what}: U+{:04X} in {:?} ({kept})",
                    c as u32,
                    support::clip_escaped(line.unwrap_or(&stderr), 160)
                ));
            }
        }
    }

    /// Counts one process's exit and memory, whatever else the class
    /// makes of it.
    pub(crate) fn tally(&mut self, outcome: &Outcome) {
        self.cases += 1;
        *self.exits.entry(outcome.key()).or_default() += 1;
        self.peak_rss_kib = self.peak_rss_kib.max(outcome.peak_rss_kib);
    }

    fn examples_of(&self, kind: &str) -> usize {
        self.examples.iter().filter(|e| e.starts_with(kind)).count()
    }

    /// Copies `input` to `work/repro/<class>-<prefix><n>.<ext>` and says
    /// where. Only a regular file is copied: a FIFO, a device or a
    /// directory would block or never end, so those are described.
    fn keep(&self, cfg: &Config, input: &Path, prefix: &str) -> String {
        let dir = support::repro_dir(cfg);
        let ext = input
            .extension()
            .map_or_else(|| "bin".to_string(), |e| e.to_string_lossy().into_owned());
        let to = dir.join(format!("{}-{prefix}{}.{ext}", self.class, self.cases));
        let kind = match std::fs::metadata(input) {
            Ok(m) if m.is_file() => None,
            Ok(m) if m.is_dir() => Some("a directory"),
            Ok(_) => Some("not a regular file (FIFO or device)"),
            Err(_) => Some("gone"),
        };
        if let Some(kind) = kind {
            return format!("input {}: {kind}", input.display());
        }
        match std::fs::create_dir_all(&dir).and_then(|()| std::fs::copy(input, &to)) {
            Ok(_) => format!("repro {}", to.display()),
            Err(e) => format!("input {} not kept: {e}", input.display()),
        }
    }
}

/// A `witloom` command for one case: the binary under test, run in the
/// work directory, with its data segment capped so that an input that
/// makes it read without end (`/dev/zero`) ends in an allocation failure
/// (a crash, counted) instead of taking the machine's memory. The cap is
/// on data, not address space: wasmtime reserves gigabytes of address
/// space it never touches.
pub fn witloom(cfg: &Config) -> Command {
    let mut cmd = Command::new(&cfg.witloom);
    cmd.current_dir(&cfg.work)
        .env("WITLOOM_CACHE_DIR", cfg.work.join("cache"))
        .env_remove("WITLOOM_LOG")
        .env_remove("RUST_BACKTRACE");
    limit_data(&mut cmd, DATA_LIMIT);
    cmd
}

/// The data-segment cap of every case: far above what any sane input
/// needs, far below what would hurt a shared machine.
pub const DATA_LIMIT: u64 = 4 << 30;

/// Caps the data segment of the process `cmd` starts at `bytes`: a memory
/// bomb ends it (a crash, counted) instead of hurting a shared machine.
/// Data rather than address space, which wasmtime reserves in bulk.
pub(crate) fn limit_data(cmd: &mut Command, bytes: u64) {
    use std::os::unix::process::CommandExt;
    let limit = libc::rlimit {
        rlim_cur: bytes as libc::rlim_t,
        rlim_max: bytes as libc::rlim_t,
    };
    // SAFETY: the closure runs in the forked child before exec and calls
    // only setrlimit(2), which is async-signal-safe, on a local value.
    #[allow(unsafe_code)]
    unsafe {
        cmd.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_DATA, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// A core module that imports and exports what `world` says (wit-
/// component's dummy module), with the world embedded, encoded as a
/// validated component: what a guest built for the world looks like to
/// witloom. Every class that needs a component makes it here.
pub(crate) fn dummy_component(
    resolve: &wit_parser::Resolve,
    world: wit_parser::WorldId,
) -> anyhow::Result<Vec<u8>> {
    let mut module =
        wit_component::dummy_module(resolve, world, wit_parser::ManglingAndAbi::Standard32);
    wit_component::embed_component_metadata(
        &mut module,
        resolve,
        world,
        wit_component::StringEncoding::UTF8,
        false,
    )?;
    wit_component::ComponentEncoder::default()
        .module(&module)?
        .validate(true)
        .encode()
}

/// The workspace root, where the repository's own inputs (its WIT, the
/// examples' manifests) are read from.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let exits: Vec<String> = self
            .exits
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        write!(
            f,
            "{:<10} cases {:>6}  panics {}  hangs {}  crashes {}  other exits {}  wrong {}  unlocated {}  unsafe output {}  peak RSS {} MiB  exits {{{}}}",
            self.class,
            self.cases,
            self.panics,
            self.hangs,
            self.crashes,
            self.other_exits,
            self.wrong,
            self.unlocated,
            self.unsafe_output,
            self.peak_rss_kib / 1024,
            exits.join(", ")
        )
    }
}

/// A small deterministic generator (SplitMix64): the same seed gives the
/// same cases on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(code: Option<i32>, signal: Option<i32>, stderr: &str) -> Outcome {
        Outcome {
            code,
            signal,
            timed_out: false,
            stdout: Vec::new(),
            stderr: stderr.as_bytes().to_vec(),
            peak_rss_kib: 10,
            elapsed: Duration::ZERO,
        }
    }

    /// Each way a case can go wrong is counted where the suites look.
    #[test]
    fn record_counts_each_kind() {
        let work = std::env::temp_dir().join(format!("witloom-fuzz-record-{}", std::process::id()));
        let cfg = Config {
            witloom: PathBuf::from("witloom"),
            cases: 0,
            seed: 0,
            work: work.clone(),
            timeout: Duration::from_secs(1),
        };
        std::fs::create_dir_all(&work).unwrap();
        let input = work.join("in.wit");
        std::fs::write(&input, "package a:b;").unwrap();
        let mut counts = Counts::new("t");
        counts.record(
            &cfg,
            "check",
            &outcome(Some(1), None, "error: bad\x1b[31m\n"),
            &input,
            true,
        );
        counts.record(
            &cfg,
            "check",
            &outcome(Some(1), None, "error: bad\n --> in.wit:1:1\n"),
            &input,
            true,
        );
        counts.record(
            &cfg,
            "check",
            &outcome(Some(1), None, "error: \u{202E}x\n"),
            &input,
            false,
        );
        counts.record(
            &cfg,
            "check",
            &outcome(
                Some(101),
                None,
                "thread 'main' panicked at src/x.rs:1:1:\noops\n",
            ),
            &input,
            false,
        );
        counts.record(&cfg, "check", &outcome(None, Some(11), ""), &input, false);
        counts.record(&cfg, "check", &outcome(Some(3), None, ""), &input, false);
        counts.record(
            &cfg,
            "check",
            &outcome(Some(2), None, "usage"),
            &input,
            true,
        );
        assert_eq!(counts.cases, 7);
        assert_eq!(counts.unlocated, 1);
        assert_eq!(counts.unsafe_output, 2);
        assert_eq!(
            (counts.panics, counts.crashes, counts.other_exits),
            (1, 1, 1)
        );
        assert!(!counts.clean());
        assert_eq!(counts.findings.len(), 3, "{:?}", counts.findings);
        assert!(work.join("repro").join("t-4.wit").is_file());
        std::fs::remove_dir_all(&work).unwrap();
    }
}
