//! A small real app (`tests/sandbox`: a C command `probe` importing a C
//! `greeter`) composed from its manifest alone, then run with and without
//! grants: nothing is granted by default, `--dir` and `--env` grant exactly
//! what they name, and `/etc/passwd` stays out of reach.

use crate::common::{text, witloom};

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Builds the app and composes it with `witloom compose --manifest`, once
/// for all tests here.
fn composed() -> &'static Path {
    static COMPOSED: OnceLock<PathBuf> = OnceLock::new();
    COMPOSED.get_or_init(|| {
        let app = witloom_testkit::link_wasi_deps(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox"),
        );
        let manifest = app.join("witloom.toml");
        let manifest = manifest.to_str().unwrap();
        let out = witloom(&["build", "--manifest", manifest]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let dest = witloom_testkit::target_dir().join("witloom-cli-tests/sandbox/app.wasm");
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let out = witloom(&[
            "compose",
            "--manifest",
            manifest,
            "-o",
            dest.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        dest
    })
}

fn run(extra: &[&str]) -> (i32, String, String) {
    let app = composed().to_str().unwrap();
    let out = witloom(&[&["run", app], extra].concat());
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn nothing_is_granted_by_default() {
    let (code, stdout, stderr) = run(&[]);
    assert_eq!(code, 0, "{stderr}");
    // Both components took part: the greeting crossed from `greeter`.
    assert!(stdout.contains("greeting: hello, sandbox!\n"), "{stdout}");
    assert!(stdout.contains("env GREETING: (unset)\n"), "{stdout}");
    assert!(stdout.contains("data: denied ("), "{stdout}");
    assert!(stdout.contains("passwd: denied ("), "{stdout}");
    assert!(!stdout.contains("root:"), "{stdout}");
}

#[test]
fn dir_and_env_grant_exactly_what_they_name() {
    let data = witloom_testkit::target_dir().join("witloom-cli-tests/sandbox/data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("in.txt"), "granted line\nsecond\n").unwrap();
    let dir = format!("{}::/data", data.display());
    let (code, stdout, stderr) = run(&["--dir", &dir, "--env", "GREETING=bonjour"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("env GREETING: bonjour\n"), "{stdout}");
    assert!(stdout.contains("data: read \"granted line\"\n"), "{stdout}");
    // A preopen of /data does not reach /etc.
    assert!(stdout.contains("passwd: denied ("), "{stdout}");
    assert!(!stdout.contains("root:"), "{stdout}");

    // The probe is not blind: granted `/etc`, it reads the file.
    let (code, stdout, stderr) = run(&["--dir", "/etc::/etc"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("passwd: read \"root:"), "{stdout}");
}

#[test]
fn the_graph_shows_the_wire() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sandbox/witloom.toml");
    witloom_testkit::link_wasi_deps(manifest.parent().unwrap().to_path_buf());
    for (format, edge) in [
        (
            "dot",
            "\"greeter\" -> \"probe\" [label=\"witloom-test:sandbox/greeter\"]",
        ),
        ("mermaid", "-->|\"witloom-test:sandbox/greeter\"|"),
    ] {
        let out = witloom(&[
            "compose",
            "--graph",
            format,
            "--manifest",
            manifest.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let graph = text(&out.stdout);
        assert!(graph.contains(edge), "{format}:\n{graph}");
    }
}
