//! `examples/plugin-host` as its users use it: a Rust program of its own
//! whose host bindings witloom's generator writes (its own `cargo xtask
//! bindgen --check` must find them fresh), plugins in C, Rust and Go built
//! by `witloom build`, and the host run over a document through all three.

use crate::common::{text, witloom};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/plugin-host")
}

/// `cargo ARGS` in the example, its build in a target directory of its
/// own under witloom's (the example is a workspace of its own).
fn cargo(args: &[&str], stdin: Option<&str>) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut child = Command::new(cargo)
        .args(args)
        .current_dir(example())
        .env(
            "CARGO_TARGET_DIR",
            witloom_testkit::target_dir().join("plugin-host"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo runs");
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(stdin.unwrap_or_default().as_bytes())
        .unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn the_plugin_host_runs_plugins_in_three_languages() {
    // The checked-in bindings are what witloom's generator gives.
    // (`cargo xtask` spelled out, to add `--locked`.)
    let out = cargo(
        &[
            "run", "--quiet", "--locked", "-p", "xtask", "--", "bindgen", "--check",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );

    // The plugins, built by witloom.
    let manifest = example().join("plugins/witloom.toml");
    let out = witloom(&["build", "--manifest", manifest.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let built = example().join("plugins/target/witloom");
    let plugin = |name: &str| built.join(format!("{name}.wasm")).display().to_string();
    let (upper, number, dedupe) = (plugin("upper"), plugin("number"), plugin("dedupe"));

    // What each says it does.
    let run = |args: &[&str], input: &str| {
        let mut all = vec!["run", "--quiet", "--locked", "-p", "plugin-host", "--"];
        all.extend(args);
        cargo(&all, Some(input))
    };
    let out = run(&["--list", &upper, &number, &dedupe], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "upper: uppercases ASCII letters\n\
         number: numbers the non-empty lines (setting number.start, default 1)\n\
         dedupe: drops a line that repeats the one before it\n"
    );

    // A document through the pipeline: each plugin's lines go to the next.
    let out = run(
        &["--set", "number.start=10", &upper, &dedupe, &number],
        "hello\nhello\nworld\n\nbye\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "  10  HELLO\n  11  WORLD\n\n  12  BYE\n");
    let log = text(&out.stderr);
    assert!(log.contains("[upper] uppercased 4 line(s)"), "{log}");
    assert!(log.contains("[dedupe] dropped 1 repeated line(s)"), "{log}");

    // The order is the user's: numbering first numbers the repeat too.
    let out = run(&[&number, &dedupe], "a\na\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "   1  a\n   2  a\n");

    // A setting that makes no sense is the plugin's to report.
    let out = run(&["--set", "number.start=ten", &number], "x\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "   1  x\n");
    assert!(text(&out.stderr).contains("[number] number.start `ten` is not a number"));

    // What is not a plugin is named.
    let wit = example().join("wit/plugin.wit").display().to_string();
    let out = run(&[&wit], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("plugin.wit: not a component this host can load"),
        "{}",
        text(&out.stderr)
    );
}
