//! `cargo xtask bench …`: speed targets measured side by side with the
//! anchor tool in one run, interleaved so that both see the same machine.
//! Always runs optimized: a debug xtask re-runs itself with `--release`.
//!
//! `bench all` runs every benchmark; `--quick` (alone, `bench --quick`,
//! runs them all) repeats each measurement fewer times and leaves out the
//! parts that take minutes (cold Rust and Go builds, the bindgen rebuild
//! of every host crate, the per-call loop) and `languages`, which has no
//! goals, so that the whole set runs in under three minutes once the apps
//! it measures are built and the anchor tools installed. Every goal's verdict is recorded as it is printed,
//! and a run ends with the list of them; a missed goal fails the command.

mod bindgen;
mod build;
mod compose;
mod dev;
mod doc;
mod ir;
mod languages;
mod run;
mod serve;
pub(crate) mod shim;
mod ship;

use anyhow::{Result, bail};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How much of a benchmark to run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plan {
    /// Fewer repetitions, and the parts that take minutes left out.
    pub quick: bool,
    /// Install a missing anchor tool (`cargo install`, minutes) instead of
    /// failing with the command that would.
    pub install: bool,
}

impl Plan {
    /// `full` for a full run, `quick` for `--quick`.
    pub fn pick<T>(self, full: T, quick: T) -> T {
        if self.quick { quick } else { full }
    }
}

const USAGE: &str = "usage: cargo xtask bench [--quick] [--install] [all|ir|build|bindgen [generation|incremental]|doc|compose|run|serve|languages|dev|ship|shim]";

pub fn run(args: &[&str]) -> Result<()> {
    if cfg!(debug_assertions) {
        return crate::run(
            crate::cargo()
                .args(["run", "--quiet", "--release", "-p", "xtask", "--", "bench"])
                .args(args),
        );
    }
    let plan = Plan {
        quick: args.contains(&"--quick"),
        install: args.contains(&"--install"),
    };
    let rest: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !matches!(*a, "--quick" | "--install"))
        .collect();
    let started = Instant::now();
    let ran = match rest.as_slice() {
        [] if plan.quick => all(plan),
        ["all"] => all(plan),
        ["ir"] => ir::run(plan),
        ["build"] => build::run(plan),
        ["bindgen", rest @ ..] => bindgen::run(plan, rest),
        ["doc"] => doc::run(plan),
        ["compose"] => compose::run(plan),
        ["run"] => run::run(plan),
        ["serve"] => serve::run(plan),
        ["languages"] => languages::run(plan),
        ["dev"] => dev::run(plan),
        ["ship"] => ship::run(plan),
        ["shim"] => shim::run(plan),
        _ => bail!("{USAGE}"),
    };
    // The goals measured before a failure are listed all the same.
    let listed = summary(started.elapsed());
    ran.and(listed)
}

/// Every benchmark, in order of how long it takes.
fn all(plan: Plan) -> Result<()> {
    type Bench = fn(Plan) -> Result<()>;
    let benches: [(&str, Bench); 11] = [
        ("ir", ir::run),
        ("doc", doc::run),
        ("bindgen", |plan| bindgen::run(plan, &[])),
        ("build", build::run),
        ("compose", compose::run),
        ("run", run::run),
        ("ship", ship::run),
        ("serve", serve::run),
        ("shim", shim::run),
        ("languages", languages::run),
        ("dev", dev::run),
    ];
    for (name, bench) in benches {
        // Figures for the docs, no goals: nothing for `--quick` to guard.
        if plan.quick && name == "languages" {
            println!("(bench languages: left out of --quick; it has no goals)\n");
            continue;
        }
        let t = Instant::now();
        bench(plan).map_err(|e| e.context(format!("bench {name}")))?;
        println!("(bench {name}: {:.1} s)\n", t.elapsed().as_secs_f64());
    }
    Ok(())
}

/// The goals checked in this run, as (what, met).
static GOALS: Mutex<Vec<(String, bool)>> = Mutex::new(Vec::new());

/// Records a goal's verdict; returns "met" or "MISSED" for the line that
/// prints it.
pub fn goal(what: impl Into<String>, met: bool) -> &'static str {
    if let Ok(mut goals) = GOALS.lock() {
        goals.push((what.into(), met));
    }
    if met { "met" } else { "MISSED" }
}

/// [`goal`] for a ratio that must be at most `target`.
pub fn verdict(what: impl Into<String>, ratio: f64, target: f64) -> &'static str {
    goal(what, ratio <= target)
}

/// The goals of this run, one line each; an error if one was missed.
fn summary(elapsed: Duration) -> Result<()> {
    let goals = std::mem::take(&mut *GOALS.lock().unwrap_or_else(|e| e.into_inner()));
    if goals.len() < 2 {
        return match goals.first() {
            Some((what, false)) => bail!("goal missed: {what}"),
            _ => Ok(()),
        };
    }
    let missed = goals.iter().filter(|(_, met)| !met).count();
    println!(
        "goals: {} of {} met ({:.0} s in all)",
        goals.len() - missed,
        goals.len(),
        elapsed.as_secs_f64()
    );
    for (what, met) in &goals {
        println!("  {:<7} {what}", if *met { "met" } else { "MISSED" });
    }
    if missed > 0 {
        bail!("{missed} goal(s) missed");
    }
    Ok(())
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
