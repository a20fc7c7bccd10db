//! The DB world end to end: a C command (`tests/db/recorder`) uses
//! `witloom:host/sql` and `witloom:host/log` through `witloom run`, whose
//! host side is built on witloom's own generated bindings. Rows land in the
//! SQLite file `--sqlite` names and survive the process; SQL errors come
//! back as WIT `result` errors, not traps; no grant, no database.

mod common;
use common::{text, witloom};

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn recorder() -> &'static Path {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| {
        let app =
            witloom_testkit::link_wasi_deps(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/db"));
        let manifest = app.join("witloom.toml");
        let out = witloom(&["build", "--manifest", manifest.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        app.join("target/witloom/recorder.wasm")
    })
}

fn run(extra: &[&str]) -> (i32, String, String) {
    let out = witloom(&[&["run", recorder().to_str().unwrap()], extra].concat());
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn rows_persist_in_the_granted_file_across_runs() {
    let dir = witloom_testkit::target_dir().join("witloom-cli-tests/db");
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("words.sqlite");
    let _ = std::fs::remove_file(&db);
    let db_arg = db.to_str().unwrap();

    let (code, first, stderr) = run(&["--sqlite", db_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(first.contains("runs=1\n"), "{first}");
    assert!(
        first.contains("word='loom' count=2 weight=1.50 data=blob[4]\n"),
        "{first}"
    );
    assert!(
        first.contains("word='wit' count=1 weight=1.00 data=blob[4]\n"),
        "{first}"
    );
    // The guest's log went through `tracing` to stderr.
    assert!(
        stderr.contains("INFO guest: recorded three words"),
        "{stderr}"
    );
    assert!(stderr.contains("target=recorder"), "{stderr}");
    assert!(stderr.contains("rows=\"2\""), "{stderr}");

    // A second process sees the first one's rows.
    let (code, second, stderr) = run(&["--sqlite", db_arg]);
    assert_eq!(code, 0, "{stderr}");
    assert!(second.contains("runs=2\n"), "{second}");
    assert!(second.contains("word='loom' count=4"), "{second}");

    // And so does SQLite itself, with the types the guest bound.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let runs: i64 = conn
        .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(runs, 2);
    let (count, weight, data): (i64, f64, Vec<u8>) = conn
        .query_row(
            "SELECT count, weight, data FROM words WHERE word = 'loom'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (count, weight, data),
        (4, 1.5, vec![0xde, 0xad, 0xbe, 0xef])
    );
}

#[test]
fn sql_errors_are_results_not_traps() {
    let (code, stdout, stderr) = run(&["--sqlite"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("error constraint: NOT NULL constraint failed: words.count\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("error syntax: near \"SELEC\": syntax error"),
        "{stdout}"
    );
    assert!(
        stdout.contains("error bind: the statement has 1 parameter(s) but 0 value(s) were given\n"),
        "{stdout}"
    );
    // In memory: a fresh database every run.
    assert!(stdout.contains("runs=1\n"), "{stdout}");
}

#[test]
fn no_grant_no_database() {
    let (code, stdout, stderr) = run(&[]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("imports `witloom:host/sql@0.1.0` but no database was granted"),
        "{stderr}"
    );
    assert!(stderr.contains("--sqlite PATH"), "{stderr}");
}
