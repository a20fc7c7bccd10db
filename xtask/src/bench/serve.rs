//! `bench serve [--install]`: one component under `witloom serve` and under
//! a stock `wasmtime serve` of the version we link, loaded by `wrk` on
//! loopback (64 connections, 2 threads, a fixed duration), rounds
//! interleaved, each on a fresh server after a warm-up. Reported per
//! server: requests per second, p50 and p99 latency and peak RSS (medians
//! of the rounds). Goals: witloom ≥ 1.0× wasmtime's requests per second and
//! ≤ 1.0× its p99. Then a soak of the C handler and of the WASI 0.3 one:
//! `witloom serve` under the same load for a minute, which must answer
//! every request with 200 and keep its RSS within 10% of where it started.
//!
//! The components are plain handlers (`tests/serve`'s world `web`, in C
//! and Rust, release builds), which import nothing witloom-specific, so
//! both servers run the same file; the WASI 0.3 handlers (`tests/p3`'s
//! `service-rust` and `service-c`, `GET /hello`), which both servers
//! serve on reused instances (their defaults: 128 requests, 16 at once,
//! per instance); and the Python and JavaScript hello handlers `witloom
//! init` makes (`bench languages`' apps: an interpreter in each
//! instance), with the goals of the C and Rust ones. Goals for the 0.3
//! handlers: ≥ 1.2× wasmtime's requests per second, ≤ 0.9× its p99; and
//! what reuse gives is the Rust 0.3 handler's requests per second over
//! the 0.2 Rust handler's, an instance per request, in the same run.
//!
//! Then the database under load, side by side (goal: embedded SQLite on one
//! replica at least as fast as PostgreSQL, p99 ≤ 100 ms, no errors): the Rust
//! counter handler (`POST /count/NAME`, an upsert with `RETURNING`) on one
//! replica with SQLite, one with PostgreSQL, and two replicas sharing
//! PostgreSQL (two `wrk`s, half the connections each), checking afterwards
//! that the count equals the requests answered.

use crate::apps;
use crate::served::{Kind, Server};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;
use witloom_manifest::Language;

const CONNECTIONS: u32 = 64;

/// How long each part runs: a full run, or `--quick` (one round of 5 s,
/// a 10 s soak).
#[derive(Clone, Copy)]
struct Lengths {
    rounds: usize,
    seconds: u32,
    soak_seconds: u32,
}

/// What one `wrk` run measured.
#[derive(Debug, Clone, Copy)]
pub(super) struct Load {
    pub(super) rps: f64,
    pub(super) p50_ms: f64,
    pub(super) p99_ms: f64,
    /// Non-2xx answers and socket errors.
    pub(super) errors: u64,
    pub(super) requests: u64,
}

pub fn run(plan: super::Plan) -> Result<()> {
    let Lengths {
        rounds,
        seconds,
        soak_seconds,
    } = plan.pick(
        Lengths {
            rounds: 3,
            seconds: 10,
            soak_seconds: 60,
        },
        Lengths {
            rounds: 1,
            seconds: 5,
            soak_seconds: 10,
        },
    );
    let wasmtime = crate::tools::wasmtime().find(plan.install)?;
    let wrk = crate::tools::wrk(plan.install)?;
    let witloom = apps::witloom()?;
    let dir = witloom_testkit::link_wasi_deps(crate::root().join("crates/witloom/tests/serve"));
    apps::check(
        Command::new(&witloom)
            .args([
                "build",
                "--release",
                "-c",
                "web-c",
                "-c",
                "web-rust",
                "-c",
                "hello-rust",
                "--manifest",
            ])
            .arg(dir.join("witloom.toml")),
    )?;
    let p3 = apps::build_p3(&witloom, &["service-rust", "service-c"])?;
    let interpreted = [Language::Python, Language::Js]
        .map(|l| super::languages::hello(&witloom, l, "http", true).map(|(file, _)| file));
    let [python, js] = interpreted;
    let (python, js) = (python?, js?);
    let out = apps::out_dir("bench-serve")?;
    let version = String::from_utf8(Command::new(&wasmtime).arg("--version").output()?.stdout)?;
    println!(
        "bench serve: witloom serve vs {} under wrk ({CONNECTIONS} connections, 2 threads, {seconds}s), {rounds} interleaved rounds each, medians",
        version.trim()
    );
    let mut soak_file = None;
    // (name, file, path, the req/s and p99 goals against wasmtime serve)
    let handlers = [
        (
            "web-c",
            dir.join("target/witloom/web-c.wasm"),
            "/",
            (1.0, 1.0),
        ),
        (
            "web-rust",
            dir.join("target/witloom/web-rust.wasm"),
            "/",
            (1.0, 1.0),
        ),
        (
            "service-rust (WASI 0.3)",
            p3.wasm("service-rust"),
            "/hello",
            (1.2, 0.9),
        ),
        (
            "service-c (WASI 0.3)",
            p3.wasm("service-c"),
            "/hello",
            (1.2, 0.9),
        ),
        ("hello handler, Python (init)", python, "/", (1.0, 1.0)),
        ("hello handler, JavaScript (init)", js, "/", (1.0, 1.0)),
    ];
    let mut rps = Vec::new();
    for (component, file, path, (rps_goal, p99_goal)) in handlers {
        let mut results: [Vec<(Load, u64)>; 2] = [Vec::new(), Vec::new()];
        for round in 0..rounds {
            let order = if round % 2 == 0 {
                [Kind::Witloom, Kind::Wasmtime]
            } else {
                [Kind::Wasmtime, Kind::Witloom]
            };
            for kind in order {
                let tool = if kind == Kind::Witloom {
                    &witloom
                } else {
                    &wasmtime
                };
                let stem = file.file_stem().unwrap_or_default().to_string_lossy();
                let log = out.join(format!("{stem}-{}.log", kind.name().replace(' ', "-")));
                let server = Server::start(kind, tool, &file, &[], &log)?;
                let url = format!("{}{path}", server.url);
                load(&wrk, &url, 2)?; // warm-up
                let measured = load(&wrk, &url, seconds)?;
                let (_, peak) = server.rss_kib()?;
                results[(kind == Kind::Wasmtime) as usize].push((measured, peak));
            }
        }
        let [ours, theirs] = results.map(|r| summary(&r));
        println!(
            "  {component} ({} KiB)",
            witloom_diag::io::metadata(&file)?.len() / 1024
        );
        println!("                   req/s      p50 ms   p99 ms   peak RSS   errors");
        for (name, s) in [("witloom serve", ours), ("wasmtime serve", theirs)] {
            println!(
                "    {name:<14} {:>9.0} {:>10.2} {:>8.2} {:>7} MiB {:>7}",
                s.0.rps,
                s.0.p50_ms,
                s.0.p99_ms,
                s.1 / 1024,
                s.0.errors
            );
        }
        let throughput = ours.0.rps / theirs.0.rps;
        let tail = ours.0.p99_ms / theirs.0.p99_ms;
        println!(
            "    req/s ratio {throughput:.2}x (goal >= {rps_goal:.1}x: {}), p99 ratio {tail:.2}x (goal <= {p99_goal:.1}x: {})",
            super::goal(
                format!("serve {component}: req/s >= {rps_goal:.1}x wasmtime serve"),
                throughput >= rps_goal
            ),
            super::goal(
                format!("serve {component}: p99 <= {p99_goal:.1}x wasmtime serve"),
                tail <= p99_goal
            )
        );
        rps.push(ours.0.rps);
        soak_file.get_or_insert(file);
    }
    println!(
        "  WASI 0.3, instances reused, over WASI 0.2, an instance per request (Rust, witloom serve): {:.2}x the requests per second",
        rps[2] / rps[1]
    );

    metrics_overhead(
        &wrk,
        &witloom,
        &dir.join("target/witloom/web-c.wasm"),
        &out,
        seconds,
    )?;

    databases(&wrk, &witloom, &dir, &out, seconds)?;

    let file = soak_file.context("a component to soak")?;
    for (name, file, path) in [
        ("web-c", file, "/"),
        ("service-rust (WASI 0.3)", p3.wasm("service-rust"), "/hello"),
    ] {
        println!("soak: witloom serve, {name}, {CONNECTIONS} connections for {soak_seconds}s");
        let stem = file.file_stem().unwrap_or_default().to_string_lossy();
        let server = Server::start(
            Kind::Witloom,
            &witloom,
            &file,
            &[],
            &out.join(format!("soak-{stem}.log")),
        )?;
        let url = format!("{}{path}", server.url);
        load(&wrk, &url, 5)?;
        let (start, _) = server.rss_kib()?;
        let soak = load(&wrk, &url, soak_seconds)?;
        let (end, peak) = server.rss_kib()?;
        let growth = (end as f64 - start as f64) / start as f64 * 100.0;
        println!(
            "  {} requests, {:.0} req/s, {} errors; RSS {} MiB after warm-up, {} MiB at the end ({growth:+.1}%), peak {} MiB",
            soak.requests,
            soak.rps,
            soak.errors,
            start / 1024,
            end / 1024,
            peak / 1024
        );
        println!(
            "  goals: 0 errors ({}), RSS growth under 10% ({})",
            super::goal(format!("serve soak {name}: 0 errors"), soak.errors == 0),
            super::goal(
                format!("serve soak {name}: RSS growth < 10%"),
                growth < 10.0
            )
        );
    }
    Ok(())
}

/// The counter handler on SQLite, on PostgreSQL, and as two replicas on
/// PostgreSQL.
fn databases(wrk: &Path, witloom: &Path, dir: &Path, out: &Path, seconds: u32) -> Result<()> {
    use witloom_testkit::postgres::LocalPostgres;
    let file = dir.join("target/witloom/hello-rust.wasm");
    let script = out.join("post.lua");
    witloom_diag::io::write(&script, "wrk.method = \"POST\"\n")?;
    println!(
        "databases: the Rust counter handler, POST /count/NAME (an upsert), {CONNECTIONS} connections, {seconds}s"
    );
    println!("                              req/s      p99 ms   errors   count check");
    let sqlite = out.join("counts.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sqlite.display()));
    }
    let pg = LocalPostgres::start(&out.join("postgres"));
    let setups: [(&str, Vec<Vec<String>>); 3] = [
        (
            "1 replica, SQLite",
            vec![vec!["--sqlite".into(), sqlite.display().to_string()]],
        ),
        (
            "1 replica, PostgreSQL",
            vec![vec!["--sql".into(), pg.url.clone()]],
        ),
        (
            "2 replicas, PostgreSQL",
            vec![
                vec!["--sql".into(), pg.url.clone()],
                vec!["--sql".into(), pg.url.clone()],
            ],
        ),
    ];
    // (req/s, p99 ms, errors) of each setup.
    let mut measured = Vec::new();
    for (i, (name, replicas)) in setups.iter().enumerate() {
        let servers = replicas
            .iter()
            .enumerate()
            .map(|(r, args)| {
                Server::start_with(
                    Kind::Witloom,
                    witloom,
                    &file,
                    args,
                    &out.join(format!("db-{i}-{r}.log")),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let counter = format!("bench{i}");
        // The table first, then warm-up and the measured load.
        apps::check(Command::new("curl").args([
            "-s",
            "-X",
            "POST",
            &format!("{}/count/{counter}", servers[0].url),
        ]))?;
        let per = CONNECTIONS / servers.len() as u32;
        let _ = spread(wrk, &servers, &counter, &script, per, 2)?;
        let loads = spread(wrk, &servers, &counter, &script, per, seconds)?;
        let rps: f64 = loads.iter().map(|l| l.rps).sum();
        let p99 = loads.iter().map(|l| l.p99_ms).fold(0.0, f64::max);
        let errors: u64 = loads.iter().map(|l| l.errors).sum();
        let answered: u64 = loads.iter().map(|l| l.requests).sum();
        drop(servers);
        // Every answered request counted: the warm-up, and the
        // one that made the table, too.
        let counted: u64 = if i == 0 {
            sqlite_count(&sqlite, &counter)?
        } else {
            pg.psql(&format!("SELECT n FROM counters WHERE name = '{counter}'"))
                .parse()
                .unwrap_or(0)
        };
        let exact = counted >= answered;
        super::goal(format!("serve db: {name}, no lost updates"), exact);
        let check = if exact { "ok" } else { "LOST UPDATES" };
        println!(
            "  {name:<24} {rps:>9.0} {p99:>10.2} {errors:>8}   {check}: {counted} counted, {answered} answered in the measured run (plus warm-up)"
        );
        measured.push((rps, p99, errors));
    }
    let ((sqlite_rps, sqlite_p99, sqlite_errors), (pg_rps, ..)) = (measured[0], measured[1]);
    let ratio = sqlite_rps / pg_rps;
    println!(
        "  SQLite vs PostgreSQL (one replica): req/s {ratio:.2}x (goal >= 1.0x: {}), p99 {sqlite_p99:.1} ms (goal <= 100 ms: {}), errors {sqlite_errors} (goal 0: {})",
        super::goal("serve db: SQLite req/s >= 1.0x PostgreSQL", ratio >= 1.0),
        super::goal("serve db: SQLite p99 <= 100 ms", sqlite_p99 <= 100.0),
        super::goal("serve db: SQLite 0 errors", sqlite_errors == 0),
    );
    Ok(())
}

/// `counters.n` for `name` in a SQLite file.
fn sqlite_count(db: &Path, name: &str) -> Result<u64> {
    let conn = rusqlite::Connection::open(db)?;
    let n: i64 = conn.query_row("SELECT n FROM counters WHERE name = ?1", [name], |r| {
        r.get(0)
    })?;
    Ok(n as u64)
}

/// `wrk` against every server at once, `connections` each, POSTing to
/// `/count/NAME`.
fn spread(
    wrk: &Path,
    servers: &[Server],
    counter: &str,
    script: &Path,
    connections: u32,
    seconds: u32,
) -> Result<Vec<Load>> {
    let children = servers
        .iter()
        .map(|s| {
            Command::new(wrk)
                .args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s")])
                .arg("--latency")
                .arg("-s")
                .arg(script)
                .arg(format!("{}/count/{counter}", s.url))
                .stdout(std::process::Stdio::piped())
                .spawn()
                .context("cannot run wrk")
        })
        .collect::<Result<Vec<_>>>()?;
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output()?;
            parse_wrk(&String::from_utf8_lossy(&out.stdout))
        })
        .collect()
}

/// The median round by requests per second, and the median peak RSS.
fn summary(rounds: &[(Load, u64)]) -> (Load, u64) {
    let mut by_rps: Vec<Load> = rounds.iter().map(|r| r.0).collect();
    by_rps.sort_by(|a, b| a.rps.total_cmp(&b.rps));
    let mut load = by_rps[by_rps.len() / 2];
    let mut p99: Vec<f64> = rounds.iter().map(|r| r.0.p99_ms).collect();
    p99.sort_by(f64::total_cmp);
    load.p99_ms = p99[p99.len() / 2];
    let mut p50: Vec<f64> = rounds.iter().map(|r| r.0.p50_ms).collect();
    p50.sort_by(f64::total_cmp);
    load.p50_ms = p50[p50.len() / 2];
    load.errors = rounds.iter().map(|r| r.0.errors).sum();
    let mut peaks: Vec<u64> = rounds.iter().map(|r| r.1).collect();
    peaks.sort();
    (load, peaks[peaks.len() / 2])
}

/// Runs `wrk` against `url` (a whole URL, path included) for `seconds`
/// and reads its report.
pub(super) fn load(wrk: &Path, url: &str, seconds: u32) -> Result<Load> {
    let out = apps::check(Command::new(wrk).args([
        "-t2",
        &format!("-c{CONNECTIONS}"),
        &format!("-d{seconds}s"),
        "--latency",
        url,
    ]))?;
    parse_wrk(&String::from_utf8_lossy(&out.stdout))
}

fn parse_wrk(report: &str) -> Result<Load> {
    let line = |prefix: &str| {
        report
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .map(|l| l[prefix.len()..].trim().to_string())
    };
    let rps: f64 = line("Requests/sec:")
        .context("wrk printed no Requests/sec")?
        .parse()?;
    let p50 = duration_ms(&line("50%").context("wrk printed no 50% latency")?)?;
    let p99 = duration_ms(&line("99%").context("wrk printed no 99% latency")?)?;
    let requests = report
        .lines()
        .find(|l| l.contains(" requests in "))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .context("wrk printed no request count")?;
    let non_2xx: u64 = line("Non-2xx or 3xx responses:")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let socket: u64 = line("Socket errors:").map_or(0, |l| {
        l.split(',')
            .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
            .sum()
    });
    Ok(Load {
        rps,
        p50_ms: p50,
        p99_ms: p99,
        errors: non_2xx + socket,
        requests,
    })
}

/// `1.23ms`, `850.00us`, `1.02s` in milliseconds.
fn duration_ms(text: &str) -> Result<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e3)
    } else {
        bail!("`{text}` is not a wrk duration")
    };
    Ok(number.parse::<f64>()? * factor)
}

/// What `--metrics` costs: the C handler under `witloom serve` without and
/// with it, three interleaved rounds each (also under `--quick`: a 3% goal
/// needs more than one), medians. Goal: with ≥ 0.97× the requests per
/// second without.
fn metrics_overhead(
    wrk: &Path,
    witloom: &Path,
    file: &Path,
    out: &Path,
    seconds: u32,
) -> Result<()> {
    let mut without = Vec::new();
    let mut with = Vec::new();
    for round in 0..3 {
        for metrics in if round % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        } {
            let args: Vec<String> = if metrics {
                vec!["--metrics".to_string(), "127.0.0.1:0".to_string()]
            } else {
                Vec::new()
            };
            let log = out.join(format!("metrics-{metrics}.log"));
            let server = Server::start_with(Kind::Witloom, witloom, file, &args, &log)?;
            load(wrk, &server.url, 2)?;
            let measured = load(wrk, &server.url, seconds)?;
            if measured.errors > 0 {
                bail!("{} errors with --metrics {metrics}", measured.errors);
            }
            if metrics { &mut with } else { &mut without }.push(measured.rps);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (with, without) = (median(&mut with), median(&mut without));
    let ratio = with / without;
    println!(
        "  --metrics on web-c: {with:.0} req/s with, {without:.0} without: {ratio:.3}x (goal >= 0.97x: {})",
        super::goal("serve: --metrics costs <= 3% of req/s", ratio >= 0.97)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_a_wrk_report() {
        let report = "Running 10s test @ http://127.0.0.1:1/\n  2 threads and 64 connections\n  Latency Distribution\n     50%  826.00us\n     75%    1.10ms\n     90%    1.50ms\n     99%    3.21ms\n  81234 requests in 10.00s, 9.75MB read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n  Non-2xx or 3xx responses: 4\nRequests/sec:   8123.40\nTransfer/sec:    998.00KB\n";
        let load = super::parse_wrk(report).unwrap();
        assert_eq!(load.rps, 8123.40);
        assert!((load.p50_ms - 0.826).abs() < 1e-9);
        assert_eq!(load.p99_ms, 3.21);
        assert_eq!(load.requests, 81234);
        assert_eq!(load.errors, 7);
    }
}
