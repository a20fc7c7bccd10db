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

mod exec;

pub use exec::{Outcome, exec};

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

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
    /// The largest peak resident set of one case, in KiB.
    pub peak_rss_kib: u64,
    /// What went wrong, one line each, with the reproducer's path.
    pub findings: Vec<String>,
}

impl Counts {
    pub fn new(class: &str) -> Self {
        Counts {
            class: class.to_string(),
            ..Counts::default()
        }
    }

    /// Whether nothing panicked, hung or crashed.
    pub fn clean(&self) -> bool {
        self.panics == 0 && self.hangs == 0 && self.crashes == 0
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let exits: Vec<String> = self.exits.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        write!(
            f,
            "{:<10} cases {:>6}  panics {}  hangs {}  crashes {}  unlocated {}  unsafe output {}  peak RSS {} MiB  exits {{{}}}",
            self.class,
            self.cases,
            self.panics,
            self.hangs,
            self.crashes,
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
