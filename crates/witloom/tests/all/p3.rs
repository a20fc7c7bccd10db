//! WASI 0.3 and component-model async under `witloom run`, end to end
//! (`tests/p3`): guests in Rust and C built against `wasi:cli@0.3.0`,
//! whose `run` is an `async func`, with the WASI 0.3 WIT written by
//! `witloom wit deps` as a user's would be. A 0.3 command streams a file to
//! stdout through its own memory; async exports are called with
//! `--invoke`; guests that misbehave with tasks, futures and streams are
//! stopped with a message that says how, and nothing hangs. A 0.3 HTTP
//! handler is served by `witloom serve` over real TCP, its instances
//! reused.

use crate::common::served::{
    Served, body, client, concurrent_counts, exchange, get, scrape, scrape_until,
    sigterm_lets_slow_requests_finish,
};
use crate::common::{text, witloom, witloom_within};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The app, its WASI deps written and every component built, once.
fn built() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/p3");
        let manifest = app.join("witloom.toml");
        let manifest = manifest.to_str().unwrap();
        let deps = witloom(&["wit", "deps", "--manifest", manifest]);
        assert_eq!(deps.status.code(), Some(0), "{}", text(&deps.stderr));
        let build = witloom(&["build", "--manifest", manifest]);
        assert_eq!(build.status.code(), Some(0), "{}", text(&build.stderr));
        app.join("target/witloom")
    })
}

pub(crate) fn component(name: &str) -> String {
    built()
        .join(format!("{name}.wasm"))
        .to_str()
        .unwrap()
        .to_string()
}

/// A 10 MB file of bytes that are not text, and the directory holding it.
fn big_file() -> &'static (PathBuf, Vec<u8>) {
    static BIG: OnceLock<(PathBuf, Vec<u8>)> = OnceLock::new();
    BIG.get_or_init(|| {
        let dir = crate::common::scratch("p3/data");
        // A cheap generator: every byte value, in an order no run repeats
        // within the file's length.
        let mut state: u32 = 0x9e37_79b9;
        let bytes: Vec<u8> = (0..10 << 20)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        std::fs::write(dir.join("big.bin"), &bytes).unwrap();
        (dir, bytes)
    })
}

#[test]
fn a_wasi_0_3_command_streams_a_10_mb_file_to_stdout_byte_for_byte() {
    let (dir, bytes) = big_file();
    let grant = format!("{}::/data", dir.display());
    for cat in ["cat-rust", "cat-c"] {
        let out = witloom_within(
            &["run", &component(cat), "--dir", &grant, "--", "big.bin"],
            120,
        );
        assert_eq!(out.status.code(), Some(0), "{cat}: {}", text(&out.stderr));
        assert_eq!(out.stdout.len(), bytes.len(), "{cat}");
        assert!(out.stdout == *bytes, "{cat}: the bytes differ");
    }
}

#[test]
fn a_wasi_0_3_command_fails_with_its_own_words_and_exit_code() {
    let (dir, _) = big_file();
    let grant = format!("{}::/data", dir.display());
    for cat in ["cat-rust", "cat-c"] {
        let missing = witloom_within(
            &[
                "run",
                &component(cat),
                "--dir",
                &grant,
                "--",
                "nothing-here",
            ],
            60,
        );
        assert_eq!(missing.status.code(), Some(1), "{cat}");
        assert!(
            text(&missing.stderr).starts_with("cat: "),
            "{cat}: {}",
            text(&missing.stderr)
        );
        assert!(missing.stdout.is_empty(), "{cat}");
        // Nothing granted: no directory to read from.
        let ungranted = witloom_within(&["run", &component(cat), "--", "big.bin"], 60);
        assert_eq!(ungranted.status.code(), Some(1), "{cat}");
        assert!(
            text(&ungranted.stderr).contains("no directory granted"),
            "{cat}: {}",
            text(&ungranted.stderr)
        );
    }
}

#[test]
fn an_async_export_is_invoked_like_any_other() {
    let out = witloom_within(
        &[
            "run",
            &component("trials-rust"),
            "--invoke",
            "shout(\"hi\")",
        ],
        60,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "\"HI!\"\n");
    let out = witloom_within(
        &["run", &component("trials-rust"), "--invoke", "sleep(10)"],
        60,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A result WAVE cannot write is refused before the call, by name.
    let out = witloom_within(
        &[
            "run",
            &component("trials-rust"),
            "--invoke",
            "spell(\"hi\")",
        ],
        60,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(
            "`spell` cannot be called with --invoke: its result is or holds a `stream<u8>`, which WAVE cannot write"
        ),
        "{}",
        text(&out.stderr)
    );
}

/// Each way an async guest can misbehave ends the run with a message that
/// says what happened (a deadlock at once, with no limit given), inside
/// the test's bound on a hang.
#[test]
fn hostile_async_guests_are_stopped_and_named() {
    let trials = component("trials-rust");
    let cases: [(&str, &[&str], &str); 5] = [
        (
            "wait-forever()",
            &[],
            "the guest can make no progress: every task waits for a future or stream that nothing will write or close",
        ),
        (
            "read-forever()",
            &[],
            "the guest can make no progress: every task waits for a future or stream that nothing will write or close",
        ),
        (
            "sleep(3600000)",
            &["--timeout", "1s"],
            "stopped after 1s, while the guest was waiting (for the host, a timer or another task) (--timeout)",
        ),
        (
            "spin()",
            &["--timeout", "1s"],
            "stopped after 1s (--timeout)",
        ),
        (
            "spawn-forever()",
            &["--max-memory", "64MiB", "--timeout", "30s"],
            "the guest asked for more memory than it may have (64MiB) (--max-memory)",
        ),
    ];
    for (call, flags, said) in cases {
        let args = [&["run", trials.as_str(), "--invoke", call], flags].concat();
        let out = witloom_within(&args, 60);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{call}: {stderr}");
        assert!(stderr.contains(said), "{call}: {stderr}");
        assert!(!stderr.contains("panicked"), "{call}: {stderr}");
    }
}

/// The async runner × implementation matrix: a runner (C, Rust) composed
/// by `witloom compose` with an implementation of `pipes` (C, Rust), then
/// run: an async function, a 1 MiB `stream<u8>` each way with every byte
/// checked, a `future<string>`, and (the Rust runner, with `faults`) an
/// `error-context` passed out.
#[test]
fn every_async_runner_passes_with_every_implementation() {
    let dir = crate::common::scratch("p3/matrix");
    let mut failures = Vec::new();
    for (runner, checks) in [("c", 5), ("rust", 6)] {
        for test in ["c", "rust"] {
            let pair = format!("{runner}-runner x {test}-test");
            let composed = dir.join(format!("{runner}-{test}.wasm"));
            let mut args = vec![
                "compose".to_string(),
                component(&format!("runner-{runner}")),
                "--plug".to_string(),
                component(&format!("pipes-{test}")),
            ];
            if runner == "rust" {
                args.extend(["--plug".to_string(), component("faults-rust")]);
            }
            args.extend(["-o".to_string(), composed.display().to_string()]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = witloom(&args);
            if out.status.code() != Some(0) {
                failures.push(format!("{pair}: compose failed: {}", text(&out.stderr)));
                continue;
            }
            let out = witloom_within(&["run", composed.to_str().unwrap()], 120);
            let stdout = text(&out.stdout);
            if out.status.code() != Some(0)
                || !stdout.ends_with(&format!("{checks} checks, 0 failed\n"))
            {
                failures.push(format!(
                    "{pair}: exit {:?}\n{stdout}{}",
                    out.status.code(),
                    text(&out.stderr)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// wit-bindgen-c 0.63 does not implement `error-context` (its generator
/// stops on it): a C component of such a world is refused by name, with
/// what to do, and nothing is written.
#[test]
fn a_c_component_passing_an_error_context_is_refused_by_name() {
    let app = crate::common::scratch("p3/c-error-context");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/p3");
    std::fs::create_dir_all(app.join("wit/deps/witloom-host")).unwrap();
    std::fs::copy(source.join("wit/p3.wit"), app.join("wit/p3.wit")).unwrap();
    // `witloom:host`, which one of its worlds imports, as the app has it.
    std::fs::copy(
        source.join("wit/deps/witloom-host/host.wit"),
        app.join("wit/deps/witloom-host/host.wit"),
    )
    .unwrap();
    std::fs::write(
        app.join("witloom.toml"),
        "[app]\nname = \"faulty\"\nwit = \"wit\"\n",
    )
    .unwrap();
    let manifest = app.join("witloom.toml");
    let manifest = manifest.to_str().unwrap();
    let deps = witloom(&["wit", "deps", "--manifest", manifest]);
    assert_eq!(deps.status.code(), Some(0), "{}", text(&deps.stderr));
    let before = std::fs::read_to_string(manifest).unwrap();
    let out = witloom(&[
        "new",
        "faults-c",
        "--lang",
        "c",
        "--world",
        "faults-test",
        "--manifest",
        manifest,
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "`witloom-tests:p3/faults@0.1.0#fail` passes an `error-context`, which wit-bindgen-c 0.63.0 does not implement: write this component in Rust"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!app.join("faults-c").exists());
    assert_eq!(std::fs::read_to_string(manifest).unwrap(), before);
}

/// `served`'s answer to `GET /served`: how many requests the instance that
/// answered has taken.
fn served(agent: &ureq::Agent, server: &Served) -> u64 {
    let (status, body) = get(agent, &server.url("/served"));
    assert_eq!(status, 200, "{}", server.log());
    text(&body).trim().parse().unwrap()
}

#[test]
fn a_wasi_0_3_handler_in_rust_and_c_answers_get_404_10_mib_each_way_and_trailers() {
    let (_, sent) = big_file();
    for lang in ["rust", "c"] {
        let handler = PathBuf::from(component(&format!("service-{lang}")));
        let server = Served::start(&handler, &["--timeout", "10s"], &format!("p3-{lang}"));
        let agent = client();
        let (status, hello) = get(&agent, &server.url("/hello"));
        assert_eq!(
            (status, text(&hello)),
            (200, format!("hello from {lang} on WASI 0.3\n")),
            "{}",
            server.log()
        );
        assert_eq!(get(&agent, &server.url("/nowhere")).0, 404, "{lang}");

        // 10 MiB up and back: the request's body stream handed back as
        // the response's, every byte in order, read as it comes back.
        let echo = exchange(&server, "POST", "/echo", sent, &[]);
        assert_eq!(echo.status, 200, "{lang}");
        assert!(
            echo.body == *sent,
            "{lang}: the echo differs from what was sent"
        );

        // 10 MiB down, written by the guest in 64 KiB chunks as the
        // client takes them.
        let len = 10 << 20;
        let big = exchange(&server, "GET", &format!("/big?{len}"), &[], &[]);
        assert_eq!(big.status, 200, "{lang}: {}", server.log());
        assert_eq!(big.body.len(), len, "{lang}");
        assert!(
            big.body
                .iter()
                .enumerate()
                .all(|(i, b)| *b == (i % 251) as u8),
            "{lang}: the streamed body differs from its pattern"
        );

        // Trailers: the guest's own after its body, and the request's
        // handed back with the echo.
        let trailed = exchange(&server, "GET", "/trailers", &[], &[]);
        assert_eq!(
            (trailed.status, text(&trailed.body).as_str()),
            (200, "trailers follow\n"),
            "{lang}"
        );
        assert_eq!(trailed.trailer("x-served-by"), Some(lang), "{lang}");
        let echo = exchange(
            &server,
            "POST",
            "/echo",
            b"with a tail",
            &[("x-tail", "wagged")],
        );
        assert_eq!(
            (echo.status, echo.body.as_slice(), echo.trailer("x-tail")),
            (200, &b"with a tail"[..], Some("wagged")),
            "{lang}: {:?}",
            echo.headers
        );
    }
}

/// Requests at once in one instance: eight that each sleep 1.5 s on the
/// host's clock, sent 100 ms apart, finish together, and the instance that
/// took them counts them all. (An instance takes another request only once
/// those it has are waiting on I/O, as `wasmtime serve`'s does: requests
/// sent at the same instant would go to instances of their own.)
#[test]
fn one_wasi_0_3_instance_serves_requests_at_once() {
    use std::time::{Duration, Instant};
    let handler = PathBuf::from(component("service-rust"));
    let server = Served::start(&handler, &[], "p3-concurrent");
    let agent = client();
    assert_eq!(served(&agent, &server), 1);
    let start = Instant::now();
    let slept: Vec<u16> = std::thread::scope(|s| {
        let asked: Vec<_> = (0..8)
            .map(|_| {
                let asked = s.spawn(|| get(&agent, &server.url("/slow?1500")).0);
                std::thread::sleep(Duration::from_millis(100));
                asked
            })
            .collect();
        asked.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let took = start.elapsed();
    assert_eq!(slept, [200; 8], "{}", server.log());
    assert!(took < Duration::from_secs(6), "one after another: {took:?}");
    assert_eq!(served(&agent, &server), 10, "{}", server.log());
}

#[test]
fn a_wasi_0_3_handler_is_served_and_its_instances_reused() {
    let handler = PathBuf::from(component("service-rust"));
    let server = Served::start(&handler, &["--timeout", "10s"], "p3-service");
    let agent = client();
    for path in ["/hello", "/nowhere", "/hello"] {
        get(&agent, &server.url(path));
    }

    // One instance answers one request after another: its count goes on.
    let first = served(&agent, &server);
    assert!(first >= 4, "the earlier requests counted: {first}");
    assert_eq!(served(&agent, &server), first + 1);
    assert_eq!(served(&agent, &server), first + 2);

    // A trap fails its own request; the next one gets a fresh instance.
    assert_eq!(get(&agent, &server.url("/trap")).0, 500);
    assert_eq!(served(&agent, &server), 1);
    assert!(
        server
            .log()
            .contains("the guest failed, and its instance with it"),
        "{}",
        server.log()
    );
}

#[test]
fn instance_reuse_stops_where_it_is_told() {
    let handler = PathBuf::from(component("service-rust"));
    let agent = client();

    // At most two requests per instance.
    let server = Served::start(&handler, &["--max-instance-reuse", "2"], "p3-reuse-2");
    let counts: Vec<u64> = (0..6).map(|_| served(&agent, &server)).collect();
    assert_eq!(counts, [1, 2, 1, 2, 1, 2], "{}", server.log());

    // One: a fresh instance per request, as for a WASI 0.2 handler.
    let server = Served::start(&handler, &["--max-instance-reuse", "1"], "p3-reuse-1");
    let counts: Vec<u64> = (0..3).map(|_| served(&agent, &server)).collect();
    assert_eq!(counts, [1, 1, 1], "{}", server.log());

    // An idle instance is dropped after the idle timeout.
    let server = Served::start(&handler, &["--instance-idle-timeout", "100ms"], "p3-idle");
    assert_eq!(served(&agent, &server), 1);
    assert_eq!(served(&agent, &server), 2);
    std::thread::sleep(std::time::Duration::from_millis(600));
    assert_eq!(served(&agent, &server), 1, "{}", server.log());
}

/// WASI 0.3 handlers that misbehave, three times each: each is stopped
/// within `--timeout` (or `--max-memory`), answered 500 (or, for a body
/// never closed, cut off after its head), and the server goes on to
/// answer the next request.
#[test]
fn hostile_wasi_0_3_handlers_are_contained() {
    use std::time::{Duration, Instant};
    let handler = PathBuf::from(component("service-rust"));
    let server = Served::start(
        &handler,
        &["--timeout", "1s", "--max-memory", "64MiB"],
        "p3-hostile",
    );
    let agent = client();
    for path in ["/spin", "/bomb", "/never", "/endless-body"] {
        for round in 0..3 {
            let start = Instant::now();
            let mut r = agent.get(&server.url(path)).call().unwrap();
            if path == "/endless-body" {
                // The head went out; the body ends when the instance is
                // ended, a `--timeout` after the request, with what had
                // been written (nothing).
                assert_eq!(r.status().as_u16(), 200);
                let read = r.body_mut().read_to_vec().unwrap_or_default();
                assert!(read.is_empty(), "{path}: {read:?}");
            } else {
                assert_eq!(r.status().as_u16(), 500, "{path} {round}: {}", server.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "{path} {round} took {:?}",
                start.elapsed()
            );
            let (status, hello) = get(&agent, &server.url("/hello"));
            assert_eq!(
                (status, text(&hello).as_str()),
                (200, "hello from rust on WASI 0.3\n"),
                "after {path}"
            );
        }
    }
    let log = server.log();
    for said in [
        "(--max-memory)",
        "the guest did not answer in time (--timeout 1000ms)",
        "the guest failed, and its instance with it",
    ] {
        assert!(log.contains(said), "no `{said}` in:\n{log}");
    }
    // Every hostile instance's memory went back.
    assert!(server.rss_kib() < 512 << 10, "RSS {} KiB", server.rss_kib());
}

/// SQL from a WASI 0.3 handler: 500 increments of one row at once, none
/// lost (each instance has its connection; requests on one go one at a
/// time, as `--max-instance-concurrency` is 1 with a database).
#[test]
fn a_wasi_0_3_handler_counts_500_concurrent_increments_without_losing_one() {
    let handler = PathBuf::from(component("counter-rust"));
    let db = crate::common::scratch("p3/counter").join("counts.db");
    let server = Served::start(
        &handler,
        &["--sqlite", db.to_str().unwrap(), "--timeout", "30s"],
        "p3-counter",
    );
    let agent = client();
    let seen = concurrent_counts(&agent, &[server.url("/count/x")], 500);
    assert_eq!(seen, (1..=500).collect::<Vec<i64>>(), "{}", server.log());
}

/// SIGTERM with requests in flight on one reused instance: they finish,
/// then the server exits 0 and listens no more.
#[test]
fn sigterm_lets_requests_on_reused_instances_finish() {
    let handler = PathBuf::from(component("service-rust"));
    let mut server = Served::start(&handler, &[], "p3-sigterm");
    sigterm_lets_slow_requests_finish(&mut server, "/slow?1500");
}

/// A WASI 0.3 middleware composed in front of a 0.3 handler by `[compose]
/// chain` (`tests/p3-chain`): it adds a header to, and rewrites the body
/// of, the response of the handler behind it, as the body streams
/// through; what a 0.2 chain cannot do.
#[test]
fn a_wasi_0_3_middleware_rewrites_the_response_behind_it() {
    built();
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/p3-chain");
    let manifest = app.join("witloom.toml");
    let manifest = manifest.to_str().unwrap();
    for verb in ["build", "compose"] {
        let out = witloom(&[verb, "--manifest", manifest]);
        assert_eq!(out.status.code(), Some(0), "{verb}: {}", text(&out.stderr));
    }
    let server = Served::start(
        &app.join("target/witloom/p3-chain.wasm"),
        &["--timeout", "10s"],
        "p3-chain",
    );
    let agent = client();
    let mut r = agent.get(&server.url("/hello")).call().unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", server.log());
    assert_eq!(r.headers()["x-shout"], "yes");
    assert_eq!(text(&body(&mut r)), "HELLO FROM RUST ON WASI 0.3\n");

    let mut r = agent.get(&server.url("/nowhere")).call().unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.headers()["x-shout"], "yes");
    assert_eq!(text(&body(&mut r)), "NOT FOUND\n");

    // 1 MiB through both: echoed behind, upper-cased in front, in chunks.
    let sent: Vec<u8> = (0..1u32 << 20).map(|i| b'a' + (i % 26) as u8).collect();
    let echo = exchange(&server, "POST", "/echo", &sent, &[]);
    assert_eq!(echo.status, 200);
    assert!(
        echo.body == sent.to_ascii_uppercase(),
        "the body differs ({} bytes)",
        echo.body.len()
    );
}

/// `--metrics` on a WASI 0.3 server: requests by status class and their
/// latencies, instances made and the requests they took (the reuse), the
/// faults that ended instances by kind, and, with a database, its
/// statements; on a port of its own, which answers nothing else.
#[test]
fn serve_metrics_count_requests_reuse_faults_and_sql() {
    let handler = PathBuf::from(component("service-rust"));
    let server = Served::start(
        &handler,
        &[
            "--metrics",
            "127.0.0.1:0",
            "--timeout",
            "1s",
            "--max-instance-reuse",
            "3",
            "--instance-idle-timeout",
            "100ms",
        ],
        "p3-metrics",
    );
    let agent = client();
    let asked = [
        ("/hello", 200),
        ("/hello", 200),
        ("/hello", 200),
        ("/hello", 200),
        ("/nowhere", 404),
        ("/trap", 500),
        ("/spin", 500),
    ];
    for (path, status) in asked {
        assert_eq!(get(&agent, &server.url(path)).0, status, "{path}");
    }
    let m = scrape_until(&server, |m| m["witloom_instances"] == 0.0);
    let expect = [
        ("witloom_http_requests_total{class=\"2xx\"}", 4.0),
        ("witloom_http_requests_total{class=\"4xx\"}", 1.0),
        ("witloom_http_requests_total{class=\"5xx\"}", 2.0),
        ("witloom_http_request_duration_seconds_count", 7.0),
        (
            "witloom_http_request_duration_seconds_bucket{le=\"+Inf\"}",
            7.0,
        ),
        ("witloom_http_requests_in_flight", 0.0),
        ("witloom_instance_requests_total", 7.0),
        ("witloom_instances", 0.0),
        ("witloom_guest_failures_total{kind=\"trap\"}", 1.0),
        ("witloom_guest_failures_total{kind=\"timeout\"}", 1.0),
        ("witloom_guest_failures_total{kind=\"memory\"}", 0.0),
        ("witloom_sql_statements_total", 0.0),
    ];
    for (name, value) in expect {
        assert_eq!(
            m.get(name),
            Some(&value),
            "{name} in {m:#?}\n{}",
            server.log()
        );
    }
    // At most three requests an instance, and the trap and the spin each
    // ended theirs: three instances at least, fewer than a request each.
    let made = m["witloom_instances_created_total"];
    assert!((3.0..7.0).contains(&made), "{made} instances");
    // The spin took its --timeout: the slowest bucket under 1 s holds
    // the other six.
    assert_eq!(
        m["witloom_http_request_duration_seconds_bucket{le=\"0.5\"}"], 6.0,
        "{m:#?}"
    );
    let other = get(
        &agent,
        &server.metrics.as_ref().unwrap().replace("/metrics", "/"),
    );
    assert_eq!(other.0, 404);

    // With a database: its statements, none failed.
    let db = crate::common::scratch("p3/metrics").join("counts.db");
    let server = Served::start(
        &PathBuf::from(component("counter-rust")),
        &["--sqlite", db.to_str().unwrap(), "--metrics", "127.0.0.1:0"],
        "p3-metrics-sql",
    );
    for _ in 0..5 {
        // Read whole: a response dropped unread closes the connection
        // under a guest still writing, which fails it.
        let mut r = agent.post(&server.url("/count/x")).send(&[]).unwrap();
        assert_eq!(r.status().as_u16(), 200);
        body(&mut r);
    }
    let m = scrape(&server);
    assert!(m["witloom_sql_statements_total"] >= 5.0, "{m:#?}");
    assert_eq!(m["witloom_sql_errors_total"], 0.0, "{m:#?}");
    assert_eq!(m["witloom_http_requests_total{class=\"2xx\"}"], 5.0);
}
