//! The compiled-code cache as `witloom run` uses it: a directory named by
//! an empty or relative `WITLOOM_CACHE_DIR`, or one that other users may
//! write, is not used: the run still answers right, says why on stderr,
//! and writes nothing there. A private directory is used.

use crate::common::text;
use witloom_testkit::dir_entries as entries;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

const ANSWER: &str = r#"(component
  (core module $m (func (export "answer") (result i32) (i32.const 42)))
  (core instance $i (instantiate $m))
  (func (export "answer") (result u32) (canon lift (core func $i "answer"))))"#;

fn scratch(name: &str) -> PathBuf {
    crate::common::scratch(&format!("cache/{name}"))
}

/// `witloom run answer.wasm --invoke 'answer()'` in `cwd`, with
/// `WITLOOM_CACHE_DIR` set to `cache`.
fn run(component: &Path, cwd: &Path, cache: &str) -> Output {
    crate::common::command()
        .args(["run", component.to_str().unwrap(), "--invoke", "answer()"])
        .current_dir(cwd)
        .env("WITLOOM_CACHE_DIR", cache)
        .output()
        .unwrap()
}

fn component(dir: &Path) -> PathBuf {
    let path = dir.join("answer.wasm");
    std::fs::write(&path, wat::parse_str(ANSWER).unwrap()).unwrap();
    path
}

#[test]
fn an_empty_or_relative_cache_dir_is_not_used() {
    let dir = scratch("unnamed");
    let wasm = component(&dir);
    let cwd = dir.join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    for (value, why) in [
        ("", "WITLOOM_CACHE_DIR is empty"),
        ("cache", "the cache directory `cache` is a relative path"),
        (".", "the cache directory `.` is a relative path"),
    ] {
        let out = run(&wasm, &cwd, value);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{value:?}: {stderr}");
        assert_eq!(text(&out.stdout), "42\n", "{value:?}");
        assert!(
            stderr.contains(&format!("not using the compiled-code cache: {why}")),
            "{value:?}: {stderr}"
        );
        assert!(entries(&cwd).is_empty(), "{value:?}: {:?}", entries(&cwd));
    }
}

#[test]
fn a_cache_dir_others_may_write_is_not_used() {
    let dir = scratch("shared");
    let wasm = component(&dir);
    let shared = dir.join("shared-cache");
    std::fs::create_dir_all(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    // A file planted where the cache would look for this component.
    let engine = witloom_run::engine(&witloom_run::RunOptions::default()).unwrap();
    let bytes = std::fs::read(&wasm).unwrap();
    let private = witloom_run::cache::Cache::at(&dir.join("private")).unwrap();
    let name = private
        .path(&engine, &bytes)
        .file_name()
        .unwrap()
        .to_owned();
    std::fs::write(shared.join(&name), b"planted native code").unwrap();

    let out = run(&wasm, &dir, shared.to_str().unwrap());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(text(&out.stdout), "42\n");
    assert!(
        stderr.contains("may be written by other users (mode 777)"),
        "{stderr}"
    );
    assert_eq!(entries(&shared), [name.to_string_lossy().into_owned()]);
    assert_eq!(
        std::fs::read(shared.join(&name)).unwrap(),
        b"planted native code"
    );
}

#[test]
fn a_private_cache_dir_is_used() {
    let dir = scratch("private");
    let wasm = component(&dir);
    let cache = dir.join("compiled");
    for _ in 0..2 {
        let out = run(&wasm, &dir, cache.to_str().unwrap());
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "42\n");
        assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    }
    let files = entries(&cache);
    let compiled: Vec<&String> = files.iter().filter(|f| f.ends_with(".cwasm")).collect();
    assert_eq!(compiled.len(), 1, "{files:?}");
    // Besides compiled code, only identity records (once the file is old
    // enough to be recorded).
    assert!(
        files
            .iter()
            .all(|f| f.ends_with(".cwasm") || f.ends_with(".file")),
        "{files:?}"
    );
    let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
}

/// Once a component file is old enough, its identity is recorded and a
/// run does not read it; rewriting it (same length, another answer)
/// changes its identity, and the new bytes run.
#[test]
fn a_recorded_file_that_changes_runs_its_new_bytes() {
    let dir = scratch("identity");
    let wasm = component(&dir);
    let cache = dir.join("compiled");
    std::thread::sleep(witloom_run::cache::SETTLE + std::time::Duration::from_millis(100));
    for _ in 0..2 {
        let out = run(&wasm, &dir, cache.to_str().unwrap());
        assert_eq!(text(&out.stdout), "42\n", "{}", text(&out.stderr));
    }
    let records = || {
        entries(&cache)
            .into_iter()
            .filter(|f| f.ends_with(".file"))
            .count()
    };
    assert_eq!(records(), 1, "{:?}", entries(&cache));
    std::fs::write(&wasm, wat::parse_str(ANSWER.replace("42", "43")).unwrap()).unwrap();
    let out = run(&wasm, &dir, cache.to_str().unwrap());
    assert_eq!(text(&out.stdout), "43\n", "{}", text(&out.stderr));
}
