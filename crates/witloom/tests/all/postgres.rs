//! The DB world on a real PostgreSQL server (Debian's `postgresql`,
//! `initdb` into a scratch directory, a free 127.0.0.1 port) with the same
//! guests as on SQLite: the C `recorder` command through `witloom run
//! --sql`, the Rust handler through `witloom serve --sql`; errors keep
//! their codes; a server that goes away is `unavailable`, not a trap or a
//! hang; and two `witloom serve` replicas on one database lose no
//! increment.

use crate::common::served::{Served, body, client, concurrent_counts};
use crate::common::{text, witloom};

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use witloom_testkit::postgres::LocalPostgres;

/// The DB test app and the serve test app, built once.
fn built(app: &str) -> PathBuf {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    static SERVE: OnceLock<PathBuf> = OnceLock::new();
    let cell = if app == "db" { &DB } else { &SERVE };
    cell.get_or_init(|| {
        let dir = witloom_testkit::link_wasi_deps(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests")
                .join(app),
        );
        let manifest = dir.join("witloom.toml");
        let out = witloom(&["build", "--manifest", manifest.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        dir
    })
    .clone()
}

fn recorder(url: &str) -> (i32, String, String) {
    recorder_in("recorder", url)
}

/// The recorder `component` (`recorder`, or its Python or JS twin) on the
/// database at `url`.
fn recorder_in(component: &str, url: &str) -> (i32, String, String) {
    let wasm = built("db").join(format!("target/witloom/{component}.wasm"));
    let out = witloom(&["run", wasm.to_str().unwrap(), "--sql", url]);
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn the_recorder_keeps_its_rows_and_error_codes_on_postgres() {
    let pg =
        LocalPostgres::start(&witloom_testkit::target_dir().join("witloom-cli-tests/pg-recorder"));
    let (code, first, stderr) = recorder(&pg.url);
    assert_eq!(code, 0, "{stderr}");
    assert!(first.contains("insert run: 1 row\n"), "{first}");
    assert!(first.contains("runs=1\n"), "{first}");
    assert!(
        first.contains("word='loom' count=2 weight=1.50 data=blob[4]\n"),
        "{first}"
    );
    assert!(
        first.contains("word='wit' count=1 weight=1.00 data=blob[4]\n"),
        "{first}"
    );
    // One error of each kind, with PostgreSQL's words and SQLSTATE.
    assert!(
        first.contains("error constraint: null value in column \"count\""),
        "{first}"
    );
    assert!(first.contains("(23502)"), "{first}");
    assert!(
        first.contains("error syntax: syntax error at or near \"SELEC\" (42601)"),
        "{first}"
    );
    assert!(
        first.contains("error bind: the statement has 1 parameter(s) but 0 value(s) were given\n"),
        "{first}"
    );
    assert!(
        stderr.contains("INFO guest: recorded three words"),
        "{stderr}"
    );

    // A second process sees the first one's rows; so does psql.
    let (code, second, stderr) = recorder(&pg.url);
    assert_eq!(code, 0, "{stderr}");
    assert!(second.contains("runs=2\n"), "{second}");
    assert!(second.contains("word='loom' count=4"), "{second}");
    assert_eq!(pg.psql("SELECT count(*) FROM runs"), "2");
    assert_eq!(
        pg.psql("SELECT count, weight, encode(data, 'hex') FROM words WHERE word = 'loom'"),
        "4|1.5|deadbeef"
    );

    // The Python and JavaScript recorders on the same tables carry on.
    for (component, runs, loom) in [("recorder-py", 3, 6), ("recorder-js", 4, 8)] {
        let (code, out, stderr) = recorder_in(component, &pg.url);
        assert_eq!(code, 0, "{component}: {stderr}");
        assert!(
            out.contains(&format!("runs={runs}\n")),
            "{component}: {out}"
        );
        assert!(
            out.contains(&format!("word='loom' count={loom} weight=1.50")),
            "{component}: {out}"
        );
        assert!(out.contains("(42601)"), "{component}: {out}");
        assert!(
            stderr.contains("INFO guest: recorded three words"),
            "{component}: {stderr}"
        );
    }
    assert_eq!(pg.psql("SELECT count(*) FROM runs"), "4");
}

#[test]
fn an_unreachable_or_lost_server_is_unavailable() {
    // Nothing listens: refused before the guest runs, naming the server.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let (code, _, stderr) = recorder(&format!("postgres://witloom:secret@127.0.0.1:{closed}/x"));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("cannot connect to PostgreSQL at `postgres://witloom:***@127.0.0.1"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("secret"),
        "the password is not shown: {stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    let (code, _, stderr) = recorder("mysql://nope");
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("is not a PostgreSQL connection string"),
        "{stderr}"
    );

    // The server goes away while `serve` runs: requests get an error
    // answer (the guest sees `unavailable`), in bounded time.
    let mut pg =
        LocalPostgres::start(&witloom_testkit::target_dir().join("witloom-cli-tests/pg-lost"));
    let handler = built("serve").join("target/witloom/hello-rust.wasm");
    let server = Served::start(&handler, &["--sql", &pg.url], "pg-lost");
    let agent = client();
    let mut r = agent
        .post(&server.url("/count/lost"))
        .send(&[][..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", text(&body(&mut r)));
    pg.stop();
    let started = Instant::now();
    let mut r = agent
        .post(&server.url("/count/lost"))
        .send(&[][..])
        .unwrap();
    let answer = text(&body(&mut r));
    assert!(r.status().as_u16() >= 500, "{answer}");
    assert!(answer.contains("Unavailable"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

#[test]
fn two_replicas_on_one_database_lose_no_increment() {
    let pg =
        LocalPostgres::start(&witloom_testkit::target_dir().join("witloom-cli-tests/pg-replicas"));
    let handler = built("serve").join("target/witloom/hello-rust.wasm");
    let replicas = [
        Served::start(&handler, &["--sql", &pg.url], "pg-replica-1"),
        Served::start(&handler, &["--sql", &pg.url], "pg-replica-2"),
    ];
    let agent = client();
    // The schema first (concurrent `CREATE TABLE IF NOT EXISTS` race in
    // PostgreSQL's catalog), then the increments.
    let mut r = agent
        .post(&replicas[0].url("/count/warm-up"))
        .send(&[][..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", text(&body(&mut r)));

    const N: usize = 1000;
    let urls: Vec<String> = replicas.iter().map(|r| r.url("/count/hits")).collect();
    let seen = concurrent_counts(&agent, &urls, N);
    // Each increment saw its own value, across both processes.
    assert_eq!(seen, (1..=N as i64).collect::<Vec<_>>());
    assert_eq!(
        pg.psql("SELECT n FROM counters WHERE name = 'hits'"),
        N.to_string()
    );
    for r in &replicas {
        assert!(!r.log().contains("panicked"), "{}", r.log());
    }
}

#[test]
fn a_statement_past_the_timeout_is_interrupted_on_postgres() {
    let pg =
        LocalPostgres::start(&witloom_testkit::target_dir().join("witloom-cli-tests/pg-timeout"));
    let handler = built("serve").join("target/witloom/hello-rust.wasm");
    let server = Served::start(
        &handler,
        &["--sql", &pg.url, "--timeout", "1s"],
        "pg-timeout",
    );
    let agent = client();
    let started = Instant::now();
    // An endless recursive query: PostgreSQL's statement_timeout, set
    // from the request's time left, stops it.
    let mut r = agent.get(&server.url("/sql-forever")).call().unwrap();
    let status = r.status().as_u16();
    let answer = text(&body(&mut r));
    assert!(
        (status == 503 && answer.contains("interrupted")) || status == 500,
        "{status} {answer}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The connection is reset and serves the next request.
    let mut r = agent
        .post(&server.url("/count/after"))
        .send(&[][..])
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", text(&body(&mut r)));
}

#[test]
fn connections_are_reset_and_reused() {
    let pg =
        LocalPostgres::start(&witloom_testkit::target_dir().join("witloom-cli-tests/pg-reuse"));
    let handler = built("serve").join("target/witloom/hello-rust.wasm");
    let server = Served::start(&handler, &["--sql", &pg.url], "pg-reuse");
    let agent = client();
    for i in 1..=20 {
        let mut r = agent
            .post(&server.url("/count/reuse"))
            .send(&[][..])
            .unwrap();
        assert_eq!(text(&body(&mut r)), i.to_string());
    }
    // One request at a time: the connection made at start serves them,
    // and now and then a second one (a store is dropped just after its
    // answer, when the next request may already have begun).
    let made = pg
        .log()
        .lines()
        .filter(|l| l.contains("connection authorized") && l.contains("application_name=witloom"))
        .count();
    assert!(
        (1..=3).contains(&made),
        "{made} connections for 20 requests:\n{}",
        pg.log()
    );
    assert!(
        !pg.log().contains("no transaction in progress"),
        "{}",
        pg.log()
    );
}
