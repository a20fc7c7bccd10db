//! The examples end to end, run exactly as the README says (`cargo xtask
//! demo`), with this build's `witloom` (`WITLOOM_BIN`) and databases of the
//! test's own (`--db`, `--notes-db`).
//!
//! wordstats: the four guests (C, Go, Python, Rust) build, the check
//! leaves exactly SQL, log and WASI for the host, the composed app prints
//! a report that needs all four parts, and its rows are in SQLite and carry over to a second run;
//! under containerd, through witloom's shim, it prints the same report.
//!
//! notes (WASI 0.3): the chain gate → etag → api (with pages) is checked,
//! composed and served; a write without the token is refused by the C
//! gate, one with it is stored by the Rust API, the list and the
//! Go-rendered page show it, a `GET` naming the list's etag is answered
//! 304 by the etag middleware, and the server stops with 0 on SIGTERM, its
//! rows in the file.

use std::path::Path;
use std::process::Command;

fn demo(db: &Path, notes_db: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(&root)
        .args(["xtask", "demo", "--db"])
        .arg(db)
        .arg("--notes-db")
        .arg(notes_db)
        .env("WITLOOM_BIN", env!("CARGO_BIN_EXE_witloom"))
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cargo xtask demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The lines of `section` (up to the next unindented line) in the
/// `compose --check` report.
fn section<'a>(report: &'a str, section: &str) -> Vec<&'a str> {
    report
        .lines()
        .skip_while(|l| *l != section)
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .collect()
}

/// `word  this-run  all-runs` from the report's table.
fn row(report: &str, word: &str) -> Option<(u64, u64)> {
    report.lines().find_map(|l| {
        let mut cols = l.split_whitespace();
        if cols.next()? != word {
            return None;
        }
        Some((cols.next()?.parse().ok()?, cols.next()?.parse().ok()?))
    })
}

#[test]
fn the_readme_demo_builds_composes_runs_and_remembers() {
    let dir = witloom_testkit::target_dir().join("witloom-cli-tests/wordstats");
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("wordstats.db");
    let _ = std::fs::remove_file(&db);
    let notes_db = dir.join("notes.db");
    let _ = std::fs::remove_file(&notes_db);

    let first = demo(&db, &notes_db);

    // The check: everything inside is wired; exactly SQL, log and WASI
    // are left for the host.
    let check = &first[first
        .find("$ witloom compose --check")
        .expect("the check ran")..];
    assert_eq!(
        section(check, "satisfied inside:"),
        [
            "  kernel -> flow  (witloom-examples:wordstats/tokenizer@0.1.0)",
            "  formatter -> flow  (witloom-examples:wordstats/report@0.1.0)",
            "  readability -> flow  (witloom-examples:wordstats/analysis@0.1.0)",
        ],
        "{check}"
    );
    let host = section(check, "left for the host:");
    let top: Vec<&str> = host
        .iter()
        .filter(|l| !l.starts_with("    "))
        .map(|l| l.split("  (").next().unwrap().trim())
        .collect();
    assert_eq!(
        top,
        ["witloom:host/sql@0.1.0", "witloom:host/log@0.1.0", "WASI"],
        "{check}"
    );
    assert!(
        host.iter()
            .filter(|l| l.starts_with("    "))
            .all(|l| l.trim_start().starts_with("wasi:")),
        "{check}"
    );
    assert_eq!(
        section(check, "exported (from flow):"),
        ["  wasi:cli/run@0.2.12"]
    );

    // One version per WASI package, in the report and in the binary: the
    // Rust part's std names 0.2.6 and the adapter 0.2.12, and the whole
    // imports 0.2.12 only, each interface once.
    let packages: Vec<&str> = host
        .iter()
        .filter(|l| l.starts_with("    "))
        .map(|l| l.trim_start().split('@').next().unwrap())
        .collect();
    let unique: std::collections::BTreeSet<&str> = packages.iter().copied().collect();
    assert_eq!(packages.len(), unique.len(), "{check}");
    let composed = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/wordstats/target/wordstats.wasm"),
    )
    .unwrap();
    let imports = witloom_testkit::top_level_imports(&composed);
    let wasi: Vec<&String> = imports.iter().filter(|i| i.starts_with("wasi:")).collect();
    let versions: std::collections::BTreeSet<(&str, &str)> = wasi
        .iter()
        .map(|i| {
            let (base, version) = i.rsplit_once('@').unwrap();
            (base.split('/').next().unwrap(), version)
        })
        .collect();
    let by_package: std::collections::BTreeSet<&str> = versions.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        versions.len(),
        by_package.len(),
        "one version each: {wasi:?}"
    );
    let mut bases: Vec<&str> = wasi.iter().map(|i| i.split('@').next().unwrap()).collect();
    bases.sort();
    bases.dedup();
    assert_eq!(bases.len(), wasi.len(), "each interface once: {wasi:?}");
    assert_eq!(
        imports.len(),
        wasi.len() + 2,
        "WASI, sql and log: {imports:?}"
    );

    // The report: counts from the C kernel, totals from SQL (Rust),
    // readability from Python, the table and bars drawn by Go.
    assert!(
        first.contains(
            "wordstats run 1: 2 file(s), 1132 bytes, 220 words, 17 sentences, 114 distinct; 114 distinct over all runs"
        ),
        "{first}"
    );
    assert!(
        first.contains(
            "\nreadability: Flesch reading ease 87.9, grade 4.2 (1.25 syllables a word)\n"
        ),
        "{first}"
    );
    assert_eq!(row(&first, "river"), Some((5, 5)), "{first}");
    assert_eq!(row(&first, "loom"), Some((4, 4)), "{first}");
    assert_eq!(row(&first, "the"), None, "stop words are left out: {first}");
    assert!(
        first.contains("  river          5         5  ████████████████████████\n"),
        "{first}"
    );

    // A second run against the same file sees the first one's rows.
    let second = demo(&db, &notes_db);
    assert!(second.contains("wordstats run 2: "), "{second}");
    assert_eq!(row(&second, "river"), Some((5, 10)), "{second}");
    assert_eq!(row(&second, "loom"), Some((4, 8)), "{second}");

    // And so does SQLite itself.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM runs"), 2);
    assert_eq!(count("SELECT sum(words) FROM runs"), 440);
    assert_eq!(count("SELECT total FROM words WHERE word = 'river'"), 10);
    assert_eq!(count("SELECT count(*) FROM run_words WHERE run = 1"), 114);
    assert_eq!(count("SELECT count(*) FROM words"), 114);

    // The same app under containerd, through witloom's shim.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/wordstats");
    crate::containerd::wordstats_runs_under_the_shim(
        &example.join("target/wordstats.wasm"),
        &example.join("texts").canonicalize().unwrap(),
    );

    // notes: served, refused without the token, stored with it, listed.
    let notes = &first[first
        .find("demo: the notes service")
        .expect("the notes part ran")..];
    assert!(
        notes.contains(
            "chain (outermost first):\n  gate -> etag -> api  (wasi:http/handler@0.3.0)\n"
        ),
        "{notes}"
    );
    assert!(
        notes.contains("  pages -> api  (witloom-examples:notes/pages@0.1.0)\n"),
        "{notes}"
    );
    assert!(
        notes.contains("401 {\"error\":\"changing notes needs authorization: Bearer <token>\"}"),
        "{notes}"
    );
    assert!(
        notes.contains("201 {\"body\":\"C gate, Rust API, Go pages\""),
        "{notes}"
    );
    assert!(
        notes.contains("\"id\":1,\"title\":\"Try witloom serve\"}"),
        "{notes}"
    );
    assert!(notes.contains("(the home page: "), "{notes}");
    assert!(
        notes.contains("\n304 (0 bytes of body: the copy you have is current)\n"),
        "{notes}"
    );
    assert!(notes.contains(", 1 note(s) on it)"), "{notes}");
    assert!(
        notes.contains("the server stopped on SIGTERM (exit 0)"),
        "{notes}"
    );
    // The second demo added its note to the first one's.
    assert!(second.contains(", 2 note(s) on it)"), "{second}");
    let conn = rusqlite::Connection::open(&notes_db).unwrap();
    let titles: i64 = conn
        .query_row(
            "SELECT count(*) FROM notes WHERE title = 'Try witloom serve'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(titles, 2);
}
