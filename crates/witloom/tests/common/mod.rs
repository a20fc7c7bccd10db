//! Helpers shared by the CLI's integration tests: run the built `witloom`
//! binary as a user would.

#![allow(dead_code)]

pub mod served;

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
