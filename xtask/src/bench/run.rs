//! `bench run`: a cold `witloom run` (its compiled-code cache warm) against
//! `wasmtime run` of the same file and the same wasmtime version, whole
//! process wall time, interleaved (goals: ≤ 0.5× on the sandbox app, ≤ 0.3×
//! on the 6 MB matrix app). Timing starts once the files are older than
//! the cache's settle time, as the files a user runs again are: a file
//! written that instant is hashed on each run until then (see
//! `witloom_run::cache`). Then the per-call cost of
//! host→guest and guest→guest calls with 0 B, 1 KiB and 1 MiB strings
//! (`crates/witloom-run/benches/calls.rs`), and WASI 0.3's streams: a
//! `stream<u8>` of 1 MiB and 64 MiB against a `list<u8>` of the same
//! bytes, host→guest and guest→guest, and an async call against a sync
//! one (`crates/witloom-run/benches/streams.rs`, on `tests/p3`).

use super::{median, ms, time, verdict};
use crate::apps;
use anyhow::Result;
use std::process::{Command, Stdio};

pub fn run(plan: super::Plan) -> Result<()> {
    let runs = plan.pick(30, 10);
    let wasmtime = crate::tools::wasmtime().find(plan.install)?;
    let witloom = apps::witloom()?;
    let out = apps::out_dir("bench-run")?;
    let sandbox = apps::build(&witloom, "sandbox", true)?;
    let app = out.join("sandbox.wasm");
    apps::compose(&witloom, &sandbox, &app)?;
    let matrix = apps::build(&witloom, "matrix", false)?;
    let pair = out.join("matrix-rust-go.wasm");
    apps::compose_pair(&witloom, &matrix, "rust", "go", &pair)?;

    println!(
        "bench run: whole-process wall time, {runs} runs each, interleaved; medians (both warm: witloom's compiled cache, wasmtime's own cache)"
    );
    // Both files were just written: wait until witloom's cache may record
    // them (`witloom_run::cache::SETTLE`, 2 s, with a margin).
    std::thread::sleep(std::time::Duration::from_millis(2100));
    for (name, file, target) in [
        ("sandbox app (C + C)", &app, 0.5),
        ("matrix Rust runner x Go test x C plug", &pair, 0.3),
    ] {
        let size = witloom_diag::io::metadata(file)?.len();
        let cmd = |tool: &std::path::Path| {
            let mut cmd = Command::new(tool);
            cmd.arg("run")
                .arg(file)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            cmd
        };
        // Fill both caches.
        time(&mut cmd(&witloom))?;
        time(&mut cmd(&wasmtime))?;
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for run in 0..runs {
            if run % 2 == 0 {
                ours.push(time(&mut cmd(&witloom))?);
                theirs.push(time(&mut cmd(&wasmtime))?);
            } else {
                theirs.push(time(&mut cmd(&wasmtime))?);
                ours.push(time(&mut cmd(&witloom))?);
            }
        }
        let (a, b) = (median(&mut ours), median(&mut theirs));
        let ratio = ms(a) / ms(b);
        println!("  {name}, {size} bytes");
        println!("    witloom run   {:>8.2} ms", ms(a));
        println!("    wasmtime run  {:>8.2} ms", ms(b));
        println!(
            "    ratio         {ratio:>8.2}x   (target <= {target}x: {})",
            verdict(
                format!("run {name}: <= {target}x wasmtime run"),
                ratio,
                target
            )
        );
    }

    if plan.quick {
        println!("per-call cost and streams: left out by --quick");
        return Ok(());
    }
    println!("per-call cost (release host, typed calls through witloom_run::prepare):");
    crate::run(run_bench("calls").arg(sandbox.wasm("greeter")).arg(&app))?;

    let p3 = apps::build_p3(&witloom, &["pipes-rust", "bench-rust"])?;
    let bench_app = out.join("p3-bench.wasm");
    apps::check(
        Command::new(&witloom)
            .arg("compose")
            .arg(p3.wasm("bench-rust"))
            .arg("--plug")
            .arg(p3.wasm("pipes-rust"))
            .arg("-o")
            .arg(&bench_app),
    )?;
    println!(
        "streams (release host and guests, medians; MiB/s of a stream<u8> into `digest` and of a list<u8> into `digest-list`; guest→guest less the loop's own cost):"
    );
    crate::run(
        run_bench("streams")
            .arg(p3.wasm("pipes-rust"))
            .arg(&bench_app),
    )
}

/// `cargo bench` of witloom-run's benchmark `name`, to be given its
/// inputs.
fn run_bench(name: &str) -> Command {
    let mut cmd = crate::cargo();
    cmd.args([
        "bench",
        "--quiet",
        "-p",
        "witloom-run",
        "--bench",
        name,
        "--",
    ]);
    cmd
}
