//! The CI slice of the hostile-input suites (`cargo xtask fuzz` runs them
//! in full): each class of `witloom-fuzz` with a few fixed-seed cases and
//! its fixed extremes, against this build of the CLI. Nothing may panic,
//! hang, crash or exit oddly; every failure on WIT text must name its
//! place and echo no raw control or bidi character.

use std::path::PathBuf;
use std::time::Duration;
use witloom_fuzz::{Class, Config, Counts};

/// Fixed: a failure here reproduces with the same cases.
const SEED: u64 = 1;

/// Generous for one case of a debug build on a busy machine; the WIT
/// extremes have their own minute.
const TIMEOUT: Duration = Duration::from_secs(20);

fn run(class: Class, cases: u64) -> Counts {
    let cfg = Config {
        witloom: PathBuf::from(env!("CARGO_BIN_EXE_witloom")),
        cases,
        seed: SEED,
        work: PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("fuzz")
            .join(class.name()),
        timeout: TIMEOUT,
    };
    // A fresh directory: reproducers of an earlier run would mislead.
    let _ = std::fs::remove_dir_all(&cfg.work);
    let counts = witloom_fuzz::run_class(class, &cfg).expect("the suite runs");
    eprintln!("{counts}");
    counts
}

/// The counts, their findings and examples, for a failed assertion.
fn report(counts: &Counts) -> String {
    let mut out = counts.to_string();
    for line in counts.findings.iter().chain(&counts.examples) {
        out.push_str("\n  ");
        out.push_str(line);
    }
    out
}

#[test]
fn wit_text() {
    let counts = run(Class::Wit, 40);
    // The extremes ran as well as the cases.
    assert!(counts.cases > 40, "{}", report(&counts));
    assert!(counts.clean(), "{}", report(&counts));
    assert_eq!(counts.unlocated, 0, "{}", report(&counts));
    assert_eq!(counts.unsafe_output, 0, "{}", report(&counts));
}

#[test]
fn manifests() {
    let counts = run(Class::Manifest, 20);
    assert!(counts.cases >= 20, "{}", report(&counts));
    assert!(counts.clean(), "{}", report(&counts));
    assert_eq!(counts.unlocated, 0, "{}", report(&counts));
}

#[test]
fn component_binaries() {
    let counts = run(Class::Binary, 20);
    // Each input goes to three commands.
    assert!(counts.cases >= 60, "{}", report(&counts));
    assert!(counts.clean(), "{}", report(&counts));
}

#[test]
fn wave_calls() {
    let counts = run(Class::Wave, 20);
    assert!(counts.cases >= 20, "{}", report(&counts));
    assert!(counts.clean(), "{}", report(&counts));
}

#[test]
fn http_requests() {
    let counts = run(Class::Http, 30);
    assert!(counts.cases >= 30, "{}", report(&counts));
    assert!(counts.clean(), "{}", report(&counts));
    assert!(counts.findings.is_empty(), "{}", report(&counts));
}

#[test]
fn registry_answers() {
    let counts = run(Class::Registry, 30);
    assert!(counts.cases >= 30, "{}", report(&counts));
    assert!(counts.clean(), "{}", report(&counts));
    assert!(counts.findings.is_empty(), "{}", report(&counts));
}

#[test]
fn random_worlds() {
    let counts = run(Class::Worlds, 20);
    // At least the four per-world commands of each of the 20 worlds ran.
    assert!(counts.cases >= 80, "{}", report(&counts));
    assert!(counts.clean(), "{}", report(&counts));
}
