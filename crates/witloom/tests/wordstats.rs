//! The flagship example end to end, run exactly as the README says
//! (`cargo xtask demo`), with this build's `witloom` (`WITLOOM_BIN`) and a
//! database of the test's own (`--db`): the three guests build, the check
//! leaves exactly SQL, log and WASI for the host, the composed app prints
//! a report that needs all three parts, and its rows are in SQLite and
//! carry over to a second run.

use std::path::Path;
use std::process::Command;

fn demo(db: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(&root)
        .args(["xtask", "demo", "--db"])
        .arg(db)
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

    let first = demo(&db);

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

    // The report: counts from the C kernel, totals from SQL (Rust), the
    // table and bars drawn by Go.
    assert!(
        first.contains(
            "wordstats run 1: 2 file(s), 1132 bytes, 220 words, 17 sentences, 114 distinct; 114 distinct over all runs"
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
    let second = demo(&db);
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
}
