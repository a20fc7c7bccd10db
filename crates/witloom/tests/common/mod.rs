//! Helpers shared by the CLI's integration tests: run the built `witloom`
//! binary as a user would.

#![allow(dead_code)]

use std::process::{Command, Output};

/// Runs `witloom ARGS`, with the compiled-code cache under `target/`.
pub fn witloom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_witloom"))
        .args(args)
        .env(
            "WITLOOM_CACHE_DIR",
            witloom_testkit::target_dir().join("witloom-cli-tests/compiled"),
        )
        .output()
        .expect("the witloom binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The test app in `dir`, with WASI's WIT linked into its `wit/deps` from
/// cargo's registry (it is never committed).
pub fn app_with_wasi(dir: std::path::PathBuf) -> std::path::PathBuf {
    let deps = dir.join("wit/deps");
    std::fs::create_dir_all(&deps).unwrap();
    for entry in std::fs::read_dir(witloom_testkit::wasi_wit_dir().join("deps")).unwrap() {
        let entry = entry.unwrap();
        let link = deps.join(entry.file_name());
        // Tests in one binary may race to make the same link.
        match std::os::unix::fs::symlink(entry.path(), &link) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => panic!("{e}"),
            _ => {}
        }
    }
    dir
}
