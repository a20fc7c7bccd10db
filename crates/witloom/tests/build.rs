//! `witloom build` and `witloom doctor`, run as a user would.

use std::path::Path;
use std::process::{Command, Output};

fn witloom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_witloom"))
        .args(args)
        .output()
        .expect("the witloom binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const SMOKE: &str = "../witloom-guest/tests/smoke/witloom.toml";

#[test]
fn build_noop_rebuild_and_selection() {
    let out = witloom(&["build", "--release", "--manifest", SMOKE]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for name in ["c-hello", "rust-hello", "go-hello"] {
        let wasm =
            Path::new("../witloom-guest/tests/smoke/target/witloom").join(format!("{name}.wasm"));
        let bytes = std::fs::read(&wasm).unwrap();
        assert!(wasmparser::Parser::is_component(&bytes), "{name}");
    }
    // Nothing changed: nothing is rebuilt.
    let out = witloom(&["build", "--release", "--manifest", SMOKE]);
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert_eq!(err.matches("up to date").count(), 3, "{err}");

    // One component only. (In the same test: builds of one app share its
    // target directory and must not run at once.)
    let out = witloom(&["build", "--manifest", SMOKE, "-c", "c-hello"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("c-hello (c)"));
    assert!(!text(&out.stderr).contains("rust-hello"));

    let out = witloom(&["build", "--manifest", SMOKE, "-c", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no component named `nope`"));
}

#[test]
fn build_without_a_manifest() {
    let out = witloom(&["build", "--manifest", "no/such/witloom.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read `no/such/witloom.toml`"));
}

#[test]
fn doctor_tells_the_truth_without_go() {
    // A PATH with the system's tools but none of the user's: no cargo (it
    // lives under ~/.cargo/bin), and no Go (under /usr/local/go/bin).
    let out = Command::new(env!("CARGO_BIN_EXE_witloom"))
        .arg("doctor")
        .env("PATH", "/usr/bin:/bin")
        .env_remove("CARGO")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("go    missing"), "{stdout}");
    assert!(stdout.contains("Go is not installed"), "{stdout}");
    assert!(
        stdout.contains("install: install Go 1.25 or newer"),
        "{stdout}"
    );
}

#[test]
fn doctor_reports_every_language() {
    let out = witloom(&["doctor"]);
    let stdout = text(&out.stdout);
    for lang in ["c    ", "rust ", "go   "] {
        assert!(stdout.lines().any(|l| l.starts_with(lang)), "{stdout}");
    }
}
