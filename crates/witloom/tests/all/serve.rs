//! `witloom serve` end to end, over real TCP on 127.0.0.1 (a free port
//! the server picks and prints): the handlers of `tests/serve` built by
//! `witloom build`, driven by a plain HTTP client. Every wait is bounded,
//! and every server process is killed when its test ends, passing or not.

use crate::common::served::{
    Served, body, client, concurrent_counts, get, scrape_until, sigterm_lets_slow_requests_finish,
};
use crate::common::text;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

/// The test app, built once.
fn app() -> &'static Path {
    static APP: OnceLock<PathBuf> = OnceLock::new();
    APP.get_or_init(|| {
        let app = witloom_testkit::link_wasi_deps(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/serve"),
        );
        let manifest = app.join("witloom.toml");
        let out = crate::common::witloom(&["build", "--manifest", manifest.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        app
    })
}

pub(crate) fn handler(name: &str) -> PathBuf {
    app().join(format!("target/witloom/{name}.wasm"))
}

/// 10 MiB that do not repeat with a short period.
fn ten_mib() -> Vec<u8> {
    (0..10u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

#[test]
fn a_handler_in_each_language_answers_get_post_and_10_mib_both_ways() {
    let sent = ten_mib();
    for lang in ["c", "go", "rust"] {
        let server = Served::start(
            &handler(&format!("hello-{lang}")),
            &["--sqlite"],
            &format!("language-{lang}"),
        );
        let agent = client();

        let (status, hello) = get(&agent, &server.url("/hello"));
        assert_eq!(
            (status, text(&hello)),
            (200, format!("hello from {lang}\n")),
            "{lang}"
        );
        assert_eq!(get(&agent, &server.url("/nowhere")).0, 404, "{lang}");

        // 10 MiB up and back: every byte, in order, and the headers the
        // guest read and set.
        let mut r = agent
            .post(&server.url("/echo"))
            .header("x-probe", "probe-42")
            .send(&sent[..])
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{lang}");
        assert_eq!(
            r.headers()["x-echo-length"],
            (10u32 << 20).to_string(),
            "{lang}"
        );
        assert_eq!(r.headers()["x-probe"], "probe-42", "{lang}");
        let echoed = body(&mut r);
        assert!(
            echoed == sent,
            "{lang}: the echo differs from what was sent"
        );

        // The DB world: a row incremented through `witloom:host/sql`.
        for expected in ["1", "2"] {
            let mut r = agent.post(&server.url("/count/x")).send(&[][..]).unwrap();
            assert_eq!(r.status().as_u16(), 200, "{lang}");
            assert_eq!(text(&body(&mut r)), expected, "{lang}");
        }
        let log = server.log();
        assert!(
            log.contains("witloom::access: method=POST path=/echo status=200"),
            "{lang}: {log}"
        );
    }
}

#[test]
fn a_10_mib_response_streams_and_every_request_is_logged() {
    let server = Served::start(&handler("hello-rust"), &["--sqlite"], "streaming");
    let agent = client();
    // 10 MiB written by the guest 4 KiB at a time, never held whole.
    let (status, big) = get(&agent, &server.url(&format!("/big?{}", 10 << 20)));
    assert_eq!(status, 200);
    assert_eq!(big.len(), 10 << 20);
    assert!(
        big.iter()
            .enumerate()
            .all(|(i, &b)| b == b'a' + ((i % 4096) % 26) as u8)
    );
    assert_eq!(get(&agent, &server.url("/hello")).0, 200);

    // The access log, and the guest's own log line inside its request.
    let log = server.log();
    assert!(
        log.contains("witloom::access: method=GET path=/big status=200"),
        "{log}"
    );
    assert!(log.contains("request{id=2}: guest: saying hello"), "{log}");
    assert!(
        log.contains("request{id=2}: witloom::access: method=GET path=/hello status=200"),
        "{log}"
    );
}

#[test]
fn five_hundred_concurrent_increments_lose_nothing() {
    let dir = crate::common::scratch("serve-db");
    let db = dir.join("counts.sqlite");
    let mut server = Served::start(
        &handler("hello-rust"),
        &["--sqlite", db.to_str().unwrap()],
        "increments",
    );
    let agent = client();
    const N: usize = 500;
    let seen = concurrent_counts(&agent, &[server.url("/count/hits")], N);
    // Each increment saw its own value: none lost, none doubled.
    assert_eq!(seen, (1..=N as i64).collect::<Vec<_>>());

    assert_eq!(server.terminate(Duration::from_secs(30)), Some(0));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row("SELECT n FROM counters WHERE name = 'hits'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, N as i64);
    assert!(!server.log().contains("locked"), "{}", server.log());
}

#[test]
fn sixty_four_writers_on_sqlite_take_turns_and_none_starves() {
    // What a new user tried: clients hammering one row under a short
    // --timeout. Every answer must be 200, the count exact, and no request
    // may wait long for its turn to write (read from the log's
    // `lock_wait`, not timed here).
    let dir = crate::common::scratch("serve-writers");
    let db = dir.join("counts.sqlite");
    let mut server = Served::start_with_env(
        &handler("hello-rust"),
        &["--sqlite", db.to_str().unwrap(), "--timeout", "2s"],
        &[("WITLOOM_LOG", "info,witloom::sql=debug")],
        "writers",
    );
    const CLIENTS: usize = 64;
    const EACH: usize = 8;
    let url = server.url("/count/row");
    let start = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (url, start) = (url.clone(), start.clone());
            std::thread::spawn(move || {
                let agent = client();
                start.wait();
                (0..EACH)
                    .map(|_| {
                        let mut r = agent.post(&url).send(&[][..]).unwrap();
                        let answer = text(&body(&mut r));
                        assert_eq!(r.status().as_u16(), 200, "{answer}");
                        answer.trim().parse::<i64>().unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen: Vec<i64> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    seen.sort();
    assert_eq!(seen, (1..=(CLIENTS * EACH) as i64).collect::<Vec<_>>());
    assert_eq!(server.terminate(Duration::from_secs(30)), Some(0));

    let log = server.log();
    let waits: Vec<f64> = log
        .lines()
        .filter(|l| l.contains("witloom::sql: database use"))
        .map(|l| {
            let ms = l.split("lock_wait=").nth(1).expect("a lock_wait field");
            ms.trim_end().trim_end_matches("ms").parse().unwrap()
        })
        .collect();
    assert_eq!(waits.len(), CLIENTS * EACH, "{log}");
    let longest = waits.iter().copied().fold(0.0, f64::max);
    assert!(
        longest <= 200.0,
        "a writer waited {longest} ms for its turn"
    );
    assert!(log.contains("committed=true"), "{log}");
    assert!(!log.contains("locked"), "{log}");
}

#[test]
fn hostile_handlers_get_5xx_and_the_server_goes_on() {
    let server = Served::start(
        &handler("hello-rust"),
        &["--sqlite", "--timeout", "2s", "--max-memory", "64MiB"],
        "hostile",
    );
    let agent = client();
    let warm = |n: usize| {
        for _ in 0..n {
            assert_eq!(get(&agent, &server.url("/hello")).0, 200);
        }
    };
    warm(50);
    let before = server.rss_kib();
    for _ in 0..3 {
        assert_eq!(get(&agent, &server.url("/trap")).0, 500);
        warm(1);
        let start = Instant::now();
        assert_eq!(get(&agent, &server.url("/loop")).0, 500);
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            start.elapsed()
        );
        warm(1);
        assert_eq!(get(&agent, &server.url("/bomb")).0, 500);
        warm(1);
    }
    warm(50);
    let after = server.rss_kib();
    // Each bomb held 64 MiB while it ran; none of it may stay.
    assert!(
        after < before + 32 * 1024,
        "RSS grew from {before} KiB to {after} KiB"
    );
    let log = server.log();
    assert!(log.contains("the guest trapped"), "{log}");
    assert!(log.contains("(--timeout)"), "{log}");
    assert!(log.contains("(--max-memory)"), "{log}");
    assert!(log.contains("path=/loop status=500"), "{log}");
}

#[test]
fn sigterm_lets_requests_in_flight_finish_then_exits_0() {
    let mut server = Served::start(&handler("hello-rust"), &["--sqlite"], "sigterm");
    sigterm_lets_slow_requests_finish(&mut server, "/slow?1500");
    assert!(server.log().contains("SIGTERM received"));
}

#[test]
fn excess_requests_wait_their_turn() {
    let server = Served::start(
        &handler("hello-rust"),
        &["--sqlite", "--max-concurrent-requests", "2"],
        "concurrency",
    );
    let agent = client();
    let start = Instant::now();
    let requests: Vec<_> = (0..6)
        .map(|_| {
            let (agent, url) = (agent.clone(), server.url("/slow?400"));
            std::thread::spawn(move || get(&agent, &url).0)
        })
        .collect();
    for r in requests {
        assert_eq!(r.join().unwrap(), 200);
    }
    // Two at a time: three rounds of 400 ms at least.
    assert!(
        start.elapsed() >= Duration::from_millis(1150),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn what_cannot_be_served_is_refused_at_start() {
    // A handler that imports `sql`, with no database granted.
    let out = crate::common::witloom(&[
        "serve",
        handler("hello-rust").to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("imports `witloom:host/sql@0.1.0` but no database was granted")
            && stderr.contains("help: add `--sqlite PATH`"),
        "{stderr}"
    );

    // A component that exports no handler.
    let dir = crate::common::scratch("serve-refusals");
    let empty = dir.join("empty.wasm");
    std::fs::write(&empty, wat::parse_str("(component)").unwrap()).unwrap();
    let out = crate::common::witloom(&["serve", empty.to_str().unwrap(), "--addr", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("exports no HTTP handler (`wasi:http/incoming-handler@0.2.x` or `wasi:http/handler@0.3.x`)")
            && stderr.contains("it exports nothing"),
        "{stderr}"
    );

    // An address in use.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = crate::common::witloom(&[
        "serve",
        handler("hello-rust").to_str().unwrap(),
        "--sqlite",
        "--addr",
        &addr,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(&format!("cannot listen on {addr}")),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_middleware_chain_composed_in_front_of_a_handler() {
    // The chain app builds on the serve app's WIT (its deps linked by
    // `app()`), and one of its handlers.
    app();
    let chain = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/serve-chain");
    let manifest = chain.join("witloom.toml");
    let manifest = manifest.to_str().unwrap();
    let out = crate::common::witloom(&["build", "--manifest", manifest]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let out = crate::common::witloom(&["compose", "--check", "--manifest", manifest]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.contains(
            "chain (outermost first):\n  auth -> healthz -> handler  (wasi:http/incoming-handler@0.2.12)\n"
        ),
        "{report}"
    );
    assert!(report.contains("exported (from auth):"), "{report}");

    let out = crate::common::witloom(&["compose", "--manifest", manifest]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let server = Served::start(
        &chain.join("target/witloom/serve-chain.wasm"),
        &["--sqlite"],
        "chain",
    );
    let agent = client();
    let call = |path: &str, token: bool| {
        let mut request = agent.get(&server.url(path));
        if token {
            request = request.header("authorization", "Bearer letmein");
        }
        let mut r = request.call().unwrap();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let (refused, answered) = (header("x-refused-by"), header("x-answered-by"));
        (r.status().as_u16(), refused, answered, text(&body(&mut r)))
    };
    // Through both middlewares to the handler.
    assert_eq!(
        call("/hello", true),
        (200, None, None, "hello from rust\n".into())
    );
    // `auth`, outermost, refuses first, whatever the route.
    assert_eq!(
        call("/hello", false),
        (
            401,
            Some("auth".into()),
            None,
            "a token is required\n".into()
        )
    );
    assert_eq!(call("/healthz", false).0, 401);
    // `healthz` answers its route before the handler sees it.
    assert_eq!(
        call("/healthz", true),
        (200, None, Some("healthz".into()), "ok\n".into())
    );
    let log = server.log();
    assert!(
        log.contains("guest: refused a request without a token target=auth"),
        "{log}"
    );
}

#[test]
fn new_handlers_serve_hello_at_once_in_every_language() {
    let dir = crate::common::scratch("serve-new");
    std::fs::create_dir_all(dir.join("wit")).unwrap();
    std::fs::write(dir.join("witloom.toml"), "[app]\nname = \"site\"\n").unwrap();
    std::fs::write(
        dir.join("wit/site.wit"),
        "package demo:site;\n\nworld web {\n    export wasi:http/incoming-handler@0.2.12;\n}\n",
    )
    .unwrap();
    let dir = witloom_testkit::link_wasi_deps(dir);
    let manifest = dir.join("witloom.toml");
    let manifest = manifest.to_str().unwrap();
    for lang in ["c", "go", "rust"] {
        let name = format!("web-{lang}");
        let out = crate::common::witloom(&[
            "new",
            &name,
            "--lang",
            lang,
            "--world",
            "web",
            "--manifest",
            manifest,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let said = text(&out.stderr);
        assert!(
            said.contains(&format!(
                "serve it with: witloom serve {}",
                dir.join(format!("target/witloom/{name}.wasm")).display()
            )),
            "{said}"
        );
    }
    let out = crate::common::witloom(&["build", "--manifest", manifest]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for lang in ["c", "go", "rust"] {
        let name = format!("web-{lang}");
        let server = Served::start(
            &dir.join(format!("target/witloom/{name}.wasm")),
            &[],
            &format!("new-{lang}"),
        );
        let (status, answer) = get(&client(), &server.url("/"));
        assert_eq!(
            (status, text(&answer)),
            (200, format!("hello from {name}\n"))
        );
    }
}

#[test]
fn sql_state_is_each_requests_own_under_load() {
    let dir = crate::common::scratch("serve-session");
    let db = dir.join("session.sqlite");
    let server = Served::start(
        &handler("hello-rust"),
        &["--sqlite", db.to_str().unwrap()],
        "session",
    );
    let agent = client();
    let start = Arc::new(Barrier::new(100));
    let threads: Vec<_> = (0..100)
        .map(|_| {
            let (agent, url, start) = (agent.clone(), server.url("/session"), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let mut r = agent.post(&url).send(&[][..]).unwrap();
                (r.status().as_u16(), text(&body(&mut r)))
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap(), (200, "ok".to_string()));
    }
}

#[test]
fn sql_is_bounded_by_the_timeout_and_the_result_cap() {
    let server = Served::start(
        &handler("hello-rust"),
        &["--sqlite", "--timeout", "1s"],
        "sql-bounds",
    );
    let agent = client();
    let start = Instant::now();
    let (status, answer) = get(&agent, &server.url("/sql-forever"));
    let answer = text(&answer);
    // The statement was interrupted (were it not, nothing could stop it,
    // and the time bound below fails). The guest then answers 503 with the
    // reason, unless its own deadline traps it first (500): both are
    // fine, a hang is not.
    assert!(
        (status == 503 && answer.contains("interrupted")) || status == 500,
        "{status} {answer}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let (status, answer) = get(&agent, &server.url("/sql-huge"));
    assert_eq!(status, 500);
    assert!(text(&answer).contains("too big"), "{}", text(&answer));
    assert_eq!(get(&agent, &server.url("/hello")).0, 200);
}

#[test]
fn busy_guests_do_not_stall_the_others() {
    let server = Served::start(
        &handler("hello-rust"),
        &["--sqlite", "--timeout", "4s"],
        "yield",
    );
    let agent = client();
    // As many endless loops as the machine has cores, and then some.
    let loops: Vec<_> = (0..4)
        .map(|_| {
            let (agent, url) = (agent.clone(), server.url("/loop"));
            std::thread::spawn(move || get(&agent, &url).0)
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    assert_eq!(get(&agent, &server.url("/hello")).0, 200);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "hello waited {:?} behind the loops",
        start.elapsed()
    );
    for l in loops {
        assert_eq!(l.join().unwrap(), 500);
    }
}

#[test]
fn shutdown_stops_a_guest_that_never_ends() {
    // The guest's own time (a minute) is longer than the shutdown's grace.
    let mut server = Served::start(
        &handler("hello-rust"),
        &["--sqlite", "--timeout", "60s", "--shutdown-grace", "1s"],
        "forced-stop",
    );
    let (status, answer) = get(&client(), &server.url("/answer-then-loop"));
    assert_eq!((status, text(&answer).as_str()), (200, "answered\n"));
    let start = Instant::now();
    assert_eq!(server.terminate(Duration::from_secs(20)), Some(0));
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "{:?}",
        start.elapsed()
    );
    let log = server.log();
    assert!(log.contains("stopping them"), "{log}");
    assert!(
        log.contains("the server shut down before the guest finished"),
        "{log}"
    );
}

#[test]
fn a_request_wasi_http_cannot_take_is_a_400() {
    use std::io::{Read, Write};
    let server = Served::start(&handler("hello-rust"), &["--sqlite"], "bad-request");
    let addr = server.url.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    // HTTP/1.0 without a Host: no authority for the request.
    stream.write_all(b"GET /hello HTTP/1.0\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(
        answer.starts_with("HTTP/1.0 400") || answer.starts_with("HTTP/1.1 400"),
        "{answer}"
    );
    assert_eq!(get(&client(), &server.url("/hello")).0, 200);
}

#[test]
fn bodies_over_max_body_are_refused_and_the_server_goes_on() {
    use std::io::{Read, Write};
    let server = Served::start(
        &handler("hello-rust"),
        &["--sqlite", "--max-body", "1MiB", "--timeout", "10s"],
        "max-body",
    );
    let agent = client();
    // At the limit: echoed whole.
    let at_limit = vec![7u8; 1 << 20];
    let mut r = agent
        .post(&server.url("/echo"))
        .send(&at_limit[..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(body(&mut r).len(), 1 << 20);

    // Declared over the limit: 413 before the guest runs (the head alone
    // is sent, so the answer cannot race a body the server never reads).
    let addr = server.url.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413");
    drop(stream);

    // Chunked, growing past the limit: the guest's read fails, and no 200
    // goes out with a cut body. The server may close before reading all
    // that was sent, so what it did is read from its access log.
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut request =
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            .to_vec();
    for _ in 0..3 {
        request.extend_from_slice(format!("{:x}\r\n", 512 << 10).as_bytes());
        request.extend(std::iter::repeat_n(b'a', 512 << 10));
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let _ = stream.write_all(&request);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP/1.1 200"), "a 200 for a cut body");

    assert_eq!(get(&agent, &server.url("/hello")).0, 200);
    // Three requests to /echo were logged: one 200, one 413, one that was
    // not answered 200.
    let deadline = Instant::now() + Duration::from_secs(10);
    let echoes = loop {
        let log = server.log();
        let echoes: Vec<String> = log
            .lines()
            .filter(|l| l.contains("path=/echo status="))
            .map(str::to_string)
            .collect();
        if echoes.len() >= 3 || Instant::now() > deadline {
            break echoes;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(echoes.len(), 3, "{echoes:?}");
    assert_eq!(
        echoes.iter().filter(|l| l.contains("status=200")).count(),
        1,
        "{echoes:?}"
    );
    assert!(
        echoes.iter().any(|l| l.contains("status=413")),
        "{echoes:?}"
    );
}

/// `--metrics` on a WASI 0.2 server: an instance per request, each
/// counted, the fault that ended one by its kind, the SQL it ran.
#[test]
fn serve_metrics_count_an_instance_per_request_on_wasi_0_2() {
    let db = crate::common::scratch("serve/metrics").join("counts.db");
    let server = Served::start(
        &handler("hello-rust"),
        &[
            "--sqlite",
            db.to_str().unwrap(),
            "--metrics",
            "127.0.0.1:0",
            "--max-memory",
            "32MiB",
        ],
        "metrics",
    );
    let agent = client();
    assert_eq!(get(&agent, &server.url("/hello")).0, 200);
    for _ in 0..3 {
        // Read whole: a response dropped unread closes the connection
        // under a guest still writing, which fails it.
        let mut r = agent.post(&server.url("/count/m")).send(&[]).unwrap();
        assert_eq!(r.status().as_u16(), 200);
        body(&mut r);
    }
    assert_eq!(get(&agent, &server.url("/trap")).0, 500);
    assert_eq!(get(&agent, &server.url("/bomb")).0, 500);
    let m = scrape_until(&server, |m| m["witloom_instances"] == 0.0);
    for (name, value) in [
        ("witloom_http_requests_total{class=\"2xx\"}", 4.0),
        ("witloom_http_requests_total{class=\"5xx\"}", 2.0),
        ("witloom_instances_created_total", 6.0),
        ("witloom_instance_requests_total", 6.0),
        ("witloom_instances", 0.0),
        ("witloom_guest_failures_total{kind=\"trap\"}", 1.0),
        ("witloom_guest_failures_total{kind=\"memory\"}", 1.0),
        ("witloom_sql_errors_total", 0.0),
    ] {
        assert_eq!(
            m.get(name),
            Some(&value),
            "{name} in {m:#?}\n{}",
            server.log()
        );
    }
    assert!(m["witloom_sql_statements_total"] >= 3.0, "{m:#?}");
}
