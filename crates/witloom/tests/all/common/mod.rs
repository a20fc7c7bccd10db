//! Helpers shared by the CLI's integration tests: run the built `witloom`
//! binary as a user would, in scratch directories under the target
//! directory.

pub mod served;

use std::path::PathBuf;
use std::process::{Command, Output};

/// A fresh, empty `witloom-cli-tests/REL` under the target directory.
pub fn scratch(rel: &str) -> PathBuf {
    witloom_testkit::scratch_dir(std::path::Path::new("witloom-cli-tests").join(rel))
}

/// The built `witloom`, as the tests run it. The Rust guests of every test
/// app share one cargo build directory: the apps are many and their
/// dependencies the same, so wit-bindgen's macro compiles once per test run
/// instead of once per app (about 20 s each).
pub fn command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_witloom"));
    cmd.env(
        "CARGO_BUILD_BUILD_DIR",
        witloom_testkit::target_dir().join("witloom-cli-tests/cargo-build"),
    );
    cmd
}

/// Runs `witloom ARGS`, with the compiled-code cache under `target/`.
pub fn witloom(args: &[&str]) -> Output {
    command()
        .args(args)
        .env(
            "WITLOOM_CACHE_DIR",
            witloom_testkit::target_dir().join("witloom-cli-tests/compiled"),
        )
        .output()
        .expect("the witloom binary runs")
}

/// A fresh `witloom init --template command --lang LANG` app under
/// scratch `rel`, whose component `main`'s module `file` holds `source`.
pub fn init_command(rel: &str, lang: &str, file: &str, source: &str) -> PathBuf {
    init_template(rel, "command", lang, file, source)
}

/// [`init_command`] for `template` (`command`, whose component is `main`,
/// or `http`, whose component is `handler`).
pub fn init_template(rel: &str, template: &str, lang: &str, file: &str, source: &str) -> PathBuf {
    let dir = scratch(rel);
    let made = witloom(&[
        "init",
        dir.to_str().unwrap(),
        "--template",
        template,
        "--lang",
        lang,
    ]);
    assert_eq!(made.status.code(), Some(0), "{}", text(&made.stderr));
    let component = if template == "http" {
        "handler"
    } else {
        "main"
    };
    std::fs::write(dir.join(component).join(file), source).unwrap();
    dir
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `witloom ARGS` and fails the test if it takes over `secs`; its
/// output is read while it runs, so a chatty command cannot block on a
/// full pipe and pass for a hang.
pub fn witloom_within(args: &[&str], secs: u64) -> Output {
    let child = command()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the witloom binary runs");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(out) => out.expect("witloom's output is read"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("`witloom {}` ran over {secs}s", args.join(" "));
        }
    }
}
