//! Rules of the sources that no compiler checks, read from every crate's
//! `src/`.
//!
//! witloom's one error path, kept: the two ways an error used to lose its
//! structure.
//!
//! - A `Result<_, String>` in a public signature (or `type Err = String`):
//!   callers can neither match on the failure nor keep it as a cause. Use
//!   a typed error (`thiserror`) that converts into a `Diagnostic`.
//! - `{e:#}` formatting into an error value: the cause chain flattened
//!   into a string. Keep the foreign error as a `#[source]` field
//!   (`witloom_diag::Cause`); the `Diagnostic` shows the chain as notes,
//!   and a log line shows it with `witloom_diag::one_line`. Log macros and
//!   panics may format a chain: they are not errors a caller handles.
//!
//! `witloom-testkit` is exempt: its `String`s are test failures, which
//! libtest prints and nothing handles.
//!
//! And no silent tests: a crate whose `Cargo.toml` turns its unit tests off
//! (`test = false`, so that cargo links no empty test binary) has no
//! `#[test]` in `src/`, where it would never run.

use std::path::{Path, PathBuf};

/// The workspace's `crates/`.
fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("a crate sits in crates/")
        .to_path_buf()
}

/// Every `.rs` file under `crates/*/src`, but the test kit's.
fn sources() -> Vec<PathBuf> {
    let crates = crates_dir();
    let mut files = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with("witloom-testkit"))
        .map(|p| p.join("src"))
        .filter(|p| p.is_dir())
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 50, "found only {} source files", files.len());
    files
}

/// The text of a file without its `#[cfg(test)]` module (unit tests may
/// use strings as they like) and without comments.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|l| match l.trim_start().starts_with("//") {
            true => "",
            false => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `pub` function signatures (from `pub … fn` to the body or `;`), and
/// `type Err = …;` lines, with the line each starts on.
fn signatures(code: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if t.starts_with("type Err") {
            out.push((i + 1, t.to_string()));
            continue;
        }
        if !(t.starts_with("pub ") || t.starts_with("pub(")) || !t.contains("fn ") {
            continue;
        }
        let mut sig = String::new();
        for more in &lines[i..lines.len().min(i + 12)] {
            sig.push_str(more.trim());
            sig.push(' ');
            if more.contains('{') || more.trim_end().ends_with(';') {
                break;
            }
        }
        out.push((i + 1, sig));
    }
    out
}

/// Whether a signature returns `Result<_, String>` (or is `Err = String`).
fn returns_string_error(sig: &str) -> bool {
    if sig.starts_with("type Err") {
        return sig.contains("= String;");
    }
    let Some(ret) = sig.split("->").nth(1) else {
        return false;
    };
    let ret = ret.split(['{', ';']).next().unwrap_or_default();
    let ret: String = ret.split_whitespace().collect();
    ret.starts_with("Result<") && ret.ends_with(",String>") || ret.contains(",String>where")
}

/// Statements (split at `;`) that put `{x:#}` into a value that is not a
/// log line or a panic.
fn flattened_chains(code: &str) -> Vec<(usize, String)> {
    const LOGS: &[&str] = &[
        "trace!",
        "debug!",
        "info!",
        "warn!",
        "error!",
        "panic!",
        "println!",
        "eprintln!",
        "eprint!",
        "print!",
        "unreachable!",
        "expect(",
    ];
    let mut out = Vec::new();
    let mut line = 1;
    for statement in code.split(';') {
        if statement.contains(":#}") && !LOGS.iter().any(|m| statement.contains(m)) {
            let at = statement.find(":#}").unwrap();
            let shown = statement[..at].rsplit('\n').next().unwrap_or_default();
            out.push((
                line + statement[..at].matches('\n').count(),
                format!("{}:#}}", shown.trim()),
            ));
        }
        line += statement.matches('\n').count();
    }
    out
}

#[test]
fn no_string_errors_in_public_signatures_and_no_flattened_causes() {
    let mut found = Vec::new();
    for file in sources() {
        let text = std::fs::read_to_string(&file).unwrap();
        let code = code(&text);
        let shown = file.strip_prefix(crates_dir()).unwrap_or(&file);
        let shown = format!("crates/{}", shown.display());
        for (line, sig) in signatures(&code) {
            if returns_string_error(&sig) {
                found.push(format!("{shown}:{line}: a String error: {sig}"));
            }
        }
        for (line, statement) in flattened_chains(&code) {
            found.push(format!(
                "{shown}:{line}: a cause chain formatted into a value: {statement}"
            ));
        }
    }
    assert!(
        found.is_empty(),
        "{} place(s) leave the one error path (see this test's docs):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_checks_catch_what_they_are_for() {
    let sigs = signatures(
        "pub fn a(s: &str) -> Result<usize, String> {\npub(crate) fn b(\n    s: &str,\n) -> Result<Vec<u8>, String>\nwhere\n{\npub fn c() -> Result<String, Error> {\nfn d() -> Result<(), String> {\n    type Err = String;\n",
    );
    let flagged: Vec<usize> = sigs
        .iter()
        .filter(|(_, s)| returns_string_error(s))
        .map(|(l, _)| *l)
        .collect();
    assert_eq!(flagged, [1, 2, 9], "{sigs:?}");
    let chains = flattened_chains(
        "let a = Error::Link(format!(\"{e:#}\"));\ntracing::warn!(\"x: {e:#}\");\nlet b = Err(\n    format!(\"y: {err:#}\"),\n);",
    );
    assert_eq!(chains.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [1, 4]);
}

#[test]
fn no_unit_test_hides_in_a_crate_whose_unit_tests_are_off() {
    let crates = crates_dir();
    let mut off = 0;
    let mut hidden = Vec::new();
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let Ok(manifest) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        if !manifest.lines().any(|l| l.trim() == "test = false") {
            continue;
        }
        off += 1;
        let mut dirs = vec![dir.join("src")];
        while let Some(d) = dirs.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if std::fs::read_to_string(&path)
                    .is_ok_and(|t| t.contains("#[test]") || t.contains("#[cfg(test)]"))
                {
                    hidden.push(path.display().to_string());
                }
            }
        }
    }
    assert!(
        off >= 4,
        "the crates that turn their unit tests off were not found"
    );
    assert!(
        hidden.is_empty(),
        "unit tests that cargo never runs (their crate says `test = false`): {hidden:?}"
    );
}
