//! `cargo xtask bench …`: speed targets measured side by side with the
//! anchor tool in one run, interleaved so that both see the same machine.
//! Always runs optimized: a debug xtask re-runs itself with `--release`.

mod bindgen;
mod build;
mod compose;
mod doc;
mod ir;
mod run;
mod serve;
mod ship;

use anyhow::{Result, bail};
use std::process::Command;
use std::time::{Duration, Instant};

pub fn run(args: &[&str]) -> Result<()> {
    if cfg!(debug_assertions) {
        return crate::run(
            crate::cargo()
                .args(["run", "--quiet", "--release", "-p", "xtask", "--", "bench"])
                .args(args),
        );
    }
    match args {
        ["ir"] => ir::run(),
        ["build"] => build::run(),
        ["bindgen", rest @ ..] => bindgen::run(rest),
        ["doc"] => doc::run(),
        ["compose", rest @ ..] => compose::run(rest),
        ["run", rest @ ..] => run::run(rest),
        ["serve", rest @ ..] => serve::run(rest),
        ["ship"] => ship::run(),
        _ => bail!(
            "usage: cargo xtask bench ir|build|bindgen [generation|incremental]|compose|run|serve|ship [--install]"
        ),
    }
}

pub fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Times `cmd` (output discarded), failing if it fails.
pub fn time(cmd: &mut Command) -> Result<Duration> {
    let t = Instant::now();
    crate::apps::check(cmd)?;
    Ok(t.elapsed())
}

/// "met" or "MISSED" for a ratio against its target.
pub fn verdict(ratio: f64, target: f64) -> &'static str {
    if ratio <= target { "met" } else { "MISSED" }
}
