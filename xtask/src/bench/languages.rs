//! `bench languages`: the five guest languages side by side, each as the
//! hello apps `witloom init` makes (`--template command` and `--template
//! http`, what a user starts from), built with `--release`. Per language:
//! - the HTTP handler's size and its cold build (its app's `target/`
//!   removed first, so Rust's and Go's include compiling their runtime
//!   and bindings crates);
//! - the command's first `witloom run` on an empty compiled-code cache
//!   (the engine compiles the component) and its warm start (median);
//! - the handler under `witloom serve` (started once before, so that it
//!   starts from the compiled-code cache), loaded by `wrk` as `bench
//!   serve` loads it: requests per second, p99, peak RSS.
//!
//! No goals: these are the figures `docs/guests.md` states, since Python's
//! and JavaScript's components embed an interpreter. `--quick` reuses the
//! apps a previous run built (no cold builds) and measures for less time.

use super::serve::load;
use crate::apps;
use crate::served::{Kind, Server};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use witloom_manifest::Language;

/// The hello app of `template` (`command` or `http`) in `language`, made
/// by `witloom init` under `target/bench-languages` unless `reuse` finds it
/// built; returns its component's file and how long its build took.
pub(super) fn hello(
    witloom: &Path,
    language: Language,
    template: &str,
    reuse: bool,
) -> Result<(PathBuf, Duration)> {
    let app = crate::target_dir()
        .join("bench-languages")
        .join(format!("{language}-{template}"));
    let component = if template == "http" {
        "handler"
    } else {
        "main"
    };
    let wasm = app.join("target/witloom").join(format!("{component}.wasm"));
    if !reuse || !app.join("witloom.toml").is_file() {
        let _ = std::fs::remove_dir_all(&app);
        apps::check(Command::new(witloom).arg("init").arg(&app).args([
            "--lang",
            &language.to_string(),
            "--template",
            template,
        ]))?;
    }
    let t = Instant::now();
    apps::check(
        Command::new(witloom)
            .args(["build", "--release", "--manifest"])
            .arg(app.join("witloom.toml")),
    )?;
    Ok((wasm, t.elapsed()))
}

pub fn run(plan: super::Plan) -> Result<()> {
    let witloom = apps::witloom()?;
    let wrk = crate::tools::wrk(plan.install)?;
    let out = apps::out_dir("bench-languages")?;
    let (runs, seconds) = plan.pick((10, 10), (5, 3));
    let mut built = Vec::new();
    for language in Language::ALL {
        let (handler, cold) = hello(&witloom, language, "http", plan.quick)?;
        let (command, _) = hello(&witloom, language, "command", plan.quick)?;
        built.push((language, handler, cold, command));
    }
    // The files were just written: the compiled-code cache records a file
    // once it is older than its settle time (2 s).
    std::thread::sleep(Duration::from_millis(2100));
    println!(
        "bench languages: the `witloom init` hello apps, release builds; run: whole process, {runs} warm runs (median); serve: wrk, 64 connections, {seconds}s"
    );
    println!(
        "  language   handler   cold build   first run   warm run      req/s    p99 ms   peak RSS"
    );
    for (language, handler, cold, command) in built {
        let cache = out.join(format!("cache-{language}"));
        let _ = std::fs::remove_dir_all(&cache);
        let run = || {
            let mut cmd = Command::new(&witloom);
            cmd.arg("run")
                .arg(&command)
                .env("WITLOOM_CACHE_DIR", &cache)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            super::time(&mut cmd)
        };
        let first = run()?;
        let mut warm: Vec<Duration> = (0..runs).map(|_| run()).collect::<Result<_>>()?;
        let warm = super::median(&mut warm);

        let log = out.join(format!("serve-{language}.log"));
        // A first start compiles the handler into the cache (hundreds of
        // MB of the compiler's own memory for an interpreter): the measured
        // server starts from the cache, as a restarted server does.
        drop(Server::start(Kind::Witloom, &witloom, &handler, &[], &log)?);
        let server = Server::start(Kind::Witloom, &witloom, &handler, &[], &log)?;
        load(&wrk, &server.url, 2)?; // warm-up
        let served = load(&wrk, &server.url, seconds)?;
        let (_, peak) = server.rss_kib()?;
        drop(server);
        anyhow::ensure!(
            served.errors == 0,
            "{language}: {} of {} requests failed",
            served.errors,
            served.requests
        );
        let size = witloom_diag::io::metadata(&handler)
            .with_context(|| handler.display().to_string())?
            .len();
        println!(
            "  {:<8} {:>7} KiB {:>10.1} s {:>9.2} s {:>7.0} ms {:>10.0} {:>9.2} {:>6} MiB",
            language.to_string(),
            size / 1024,
            cold.as_secs_f64(),
            first.as_secs_f64(),
            super::ms(warm),
            served.rps,
            served.p99_ms,
            peak / 1024
        );
    }
    if plan.quick {
        println!("  (--quick: the builds reused a previous run's apps, so they are not cold)");
    }
    Ok(())
}
