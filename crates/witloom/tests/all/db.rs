//! The DB world end to end: a C command (`tests/db/recorder`, written again
//! in Python and JavaScript as `recorder-py` and `recorder-js`) uses
//! `witloom:host/sql` and `witloom:host/log` through `witloom run`, whose
//! host side is built on witloom's own generated bindings. Rows land in the
//! SQLite file `--sqlite` names and survive the process; SQL errors come
//! back as WIT `result` errors, not traps; no grant, no database. A guest
//! that runs any SQL it is given (`tests/db/shell`) reaches no file but the
//! one granted, through `witloom run` and through a host built on
//! `witloom-run`'s library.

use crate::common::{text, witloom};

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The test app, built once: `recorder` and `shell`.
fn app() -> &'static Path {
    static APP: OnceLock<PathBuf> = OnceLock::new();
    APP.get_or_init(|| {
        let app =
            witloom_testkit::link_wasi_deps(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/db"));
        let manifest = app.join("witloom.toml");
        let out = witloom(&["build", "--manifest", manifest.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        app
    })
}

fn recorder() -> PathBuf {
    app().join("target/witloom/recorder.wasm")
}

fn shell() -> PathBuf {
    app().join("target/witloom/shell.wasm")
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

/// The recorder written again in Python and in JavaScript prints what the
/// C one prints, run after run on a database file of its own, and logs the
/// same line: the DB world is the same for every language.
#[test]
fn python_and_js_recorders_do_what_the_c_one_does() {
    let dir = witloom_testkit::target_dir().join("witloom-cli-tests/db-languages");
    std::fs::create_dir_all(&dir).unwrap();
    // The log line without its timestamp.
    let logged = |stderr: &str| -> Vec<String> {
        stderr
            .lines()
            .filter_map(|l| l.split_once(" INFO ").map(|(_, rest)| rest.to_string()))
            .collect()
    };
    let twice = |component: &str| -> Vec<(String, Vec<String>)> {
        let db = dir.join(format!("{component}.sqlite"));
        let _ = std::fs::remove_file(&db);
        let wasm = app().join(format!("target/witloom/{component}.wasm"));
        (0..2)
            .map(|_| {
                let out = witloom(&[
                    "run",
                    wasm.to_str().unwrap(),
                    "--sqlite",
                    db.to_str().unwrap(),
                ]);
                let stderr = text(&out.stderr);
                assert_eq!(out.status.code(), Some(0), "{component}: {stderr}");
                (text(&out.stdout), logged(&stderr))
            })
            .collect()
    };
    let c = twice("recorder");
    assert!(c[1].0.contains("runs=2\n"), "{:?}", c[1]);
    assert_eq!(
        c[0].1,
        ["guest: recorded three words target=recorder fields=rows=\"2\""]
    );
    for component in ["recorder-py", "recorder-js"] {
        assert_eq!(twice(component), c, "{component}");
    }
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

/// `s` as a WAVE string literal.
fn wave(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Every way SQLite offers a connection of reaching another file, with
/// the file each one would create or read, relative to the scratch dir.
fn attacks(dir: &Path) -> Vec<String> {
    let d = dir.display();
    vec![
        format!("ATTACH DATABASE '{d}/created.db' AS c"),
        format!("ATTACH '{d}/secret.db' AS s"),
        format!("ATTACH 'file:{d}/uri.db?mode=rwc' AS u"),
        format!("ATTACH '{d}/' || 'computed.db' AS c"),
        format!("VACUUM INTO '{d}/copy.db'"),
        format!("SELECT load_extension('{d}/evil.so')"),
        format!("PRAGMA temp_store_directory = '{d}/tmp'"),
        "SELECT * FROM pragma_database_list".to_string(),
    ]
}

/// A directory with a database the guest must not read, and the one it
/// is granted.
fn sql_scratch(name: &str) -> (PathBuf, PathBuf) {
    let dir = crate::common::scratch(&format!("sql-sandbox/{name}"));
    rusqlite::Connection::open(dir.join("secret.db"))
        .unwrap()
        .execute_batch("CREATE TABLE s (x); INSERT INTO s VALUES ('the secret')")
        .unwrap();
    let granted = dir.join("granted.db");
    (dir, granted)
}

/// Only the two databases are there, and beside the granted one only what
/// SQLite keeps with it (its journal or WAL, while a connection is open).
fn assert_only_the_databases(dir: &Path) {
    let names = witloom_testkit::dir_entries(dir);
    assert!(names.contains(&"granted.db".to_string()), "{names:?}");
    for name in &names {
        assert!(
            name == "secret.db"
                || ["", "-wal", "-shm", "-journal"]
                    .iter()
                    .any(|s| *name == format!("granted.db{s}")),
            "{name} was created: {names:?}"
        );
    }
}

/// What ordinary SQL a guest keeps, and what it says back.
const ORDINARY: &[(&str, &str)] = &[
    ("CREATE TABLE t (x INTEGER, y TEXT)", "ok 0 row(s)"),
    ("INSERT INTO t VALUES (1, 'one'), (2, 'two')", "ok 0 row(s)"),
    (
        "PRAGMA journal_mode = WAL",
        "ok 1 row(s): journal_mode='wal'",
    ),
    ("VACUUM", "ok 0 row(s)"),
    (
        "SELECT x, y FROM t ORDER BY x",
        "ok 2 row(s): x=1, y='one'; x=2, y='two'",
    ),
];

#[test]
fn sql_through_witloom_run_reaches_no_other_file() {
    let (dir, granted) = sql_scratch("cli");
    let exec = |statement: &str| {
        let call = format!("exec({})", wave(statement));
        let out = witloom(&[
            "run",
            shell().to_str().unwrap(),
            "--sqlite",
            granted.to_str().unwrap(),
            "--invoke",
            &call,
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{statement}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    for attack in attacks(&dir) {
        let said = exec(&attack);
        assert!(
            said.starts_with("\"error other: not permitted: "),
            "{attack}: {said}"
        );
    }
    for (statement, expected) in ORDINARY {
        assert_eq!(
            exec(statement),
            format!("{}\n", wave(expected)),
            "{statement}"
        );
    }
    assert_only_the_databases(&dir);
}

#[test]
fn sql_through_the_run_library_reaches_no_other_file() {
    use witloom_run::{Outcome, RunOptions};
    let (dir, granted) = sql_scratch("library");
    let opts = RunOptions {
        sqlite: Some(granted.clone()),
        no_cache: true,
        ..RunOptions::default()
    };

    // `witloom_run::run`, one call per statement.
    for attack in attacks(&dir) {
        let opts = RunOptions {
            invoke: Some(format!("exec({})", wave(&attack))),
            ..opts.clone()
        };
        match witloom_run::run(&shell(), &opts) {
            Ok(Outcome::Returned(said)) => assert!(
                said.starts_with("\"error other: not permitted: "),
                "{attack}: {said}"
            ),
            other => panic!("{attack}: {other:?}"),
        }
    }

    // A host of its own on `prepare`: one instance, many calls.
    let engine = witloom_run::engine(&opts).unwrap();
    let bytes = std::fs::read(shell()).unwrap();
    let component = witloom_run::load(&engine, &shell(), &bytes, opts.no_cache).unwrap();
    let witloom_run::Prepared { mut store, pre, .. } =
        witloom_run::prepare(&engine, &component, &opts).unwrap();
    let instance = pre.instantiate(&mut store).unwrap();
    let exec = instance
        .get_typed_func::<(String,), (String,)>(&mut store, "exec")
        .unwrap();
    let mut call = |statement: &str| exec.call(&mut store, (statement.to_string(),)).unwrap().0;
    for attack in attacks(&dir) {
        let said = call(&attack);
        assert!(
            said.starts_with("error other: not permitted: "),
            "{attack}: {said}"
        );
    }
    for (statement, expected) in ORDINARY {
        assert_eq!(call(statement), *expected, "{statement}");
    }
    assert_only_the_databases(&dir);
}
