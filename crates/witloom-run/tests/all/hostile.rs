//! Hostile and broken guests are contained: each ends with an error that
//! names the limit, within bounded time, and the same process then runs a
//! well-behaved component. Bad files and bad `--invoke` calls get errors,
//! never panics.

use std::path::PathBuf;
use std::time::{Duration, Instant};
use witloom_run::{Outcome, RunError, RunOptions, run};

/// A component whose exports misbehave on purpose, next to one that works.
const HOSTILE: &str = r#"
(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "spin") (loop $l (br $l)))
    (func $recurse (export "recurse") (call $recurse))
    (func (export "grow")
      (loop $l (drop (memory.grow (i32.const 16))) (br $l)))
    (func (export "add") (param i32 i32) (result i32)
      (i32.add (local.get 0) (local.get 1)))
    ;; A 100 MiB string of `a`s, returned to the host.
    (func (export "big") (result i32)
      (if (i32.eq (memory.grow (i32.const 1600)) (i32.const -1)) (then unreachable))
      (memory.fill (i32.const 16) (i32.const 97) (i32.const 104857600))
      (i32.store (i32.const 0) (i32.const 16))
      (i32.store (i32.const 4) (i32.const 104857600))
      (i32.const 0))
  )
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (func (export "big") (result string) (canon lift (core func $i "big") (memory $mem)))
  (func (export "spin") (canon lift (core func $i "spin")))
  (func (export "recurse") (canon lift (core func $i "recurse")))
  (func (export "grow") (canon lift (core func $i "grow")))
  (type $add (func (param "a" u32) (param "b" u32) (result u32)))
  (func (export "add") (type $add) (canon lift (core func $i "add")))
)
"#;

fn file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = witloom_testkit::target_dir().join("witloom-run-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Written once: tests run in parallel and must not read a half-written file.
fn hostile() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| file("hostile.wasm", &wat::parse_str(HOSTILE).unwrap()))
        .clone()
}

fn invoke(call: &str, opts: RunOptions) -> Result<Outcome, RunError> {
    run(
        &hostile(),
        &RunOptions {
            invoke: Some(call.to_string()),
            no_cache: true,
            ..opts
        },
    )
}

fn limit_of(r: Result<Outcome, RunError>) -> &'static str {
    match r {
        Err(RunError::Limit { limit, .. }) => limit,
        other => panic!("expected a limit, got {other:?}"),
    }
}

#[test]
fn an_infinite_loop_times_out_and_the_next_run_works() {
    let start = Instant::now();
    let r = invoke(
        "spin()",
        RunOptions {
            limits: witloom_run::Limits {
                timeout: Some(Duration::from_millis(300)),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    assert_eq!(limit_of(r), "--timeout");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(
        invoke("add(2, 40)", RunOptions::default()).unwrap(),
        Outcome::Returned("42".into())
    );
}

#[test]
fn fuel_runs_out() {
    let r = invoke(
        "spin()",
        RunOptions {
            limits: witloom_run::Limits {
                fuel: Some(1_000_000),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    assert_eq!(limit_of(r), "--fuel");
}

#[test]
fn unbounded_memory_growth_hits_the_memory_limit() {
    let r = invoke(
        "grow()",
        RunOptions {
            limits: witloom_run::Limits {
                max_memory: Some(64 << 20),
                timeout: Some(Duration::from_secs(20)),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    assert_eq!(limit_of(r), "--max-memory");
}

#[test]
fn a_100_mib_string_for_the_host_is_refused_and_the_next_run_works() {
    let start = Instant::now();
    let r = invoke("big()", RunOptions::default());
    assert_eq!(limit_of(r), "--max-result");
    assert!(start.elapsed() < Duration::from_secs(30));
    // With its memory capped, the guest cannot even make the string.
    let r = invoke(
        "big()",
        RunOptions {
            limits: witloom_run::Limits {
                max_memory: Some(64 << 20),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    assert_eq!(limit_of(r), "--max-memory");
    assert_eq!(
        invoke("add(2, 40)", RunOptions::default()).unwrap(),
        Outcome::Returned("42".into())
    );
}

#[test]
fn deep_recursion_overflows_the_stack() {
    let r = invoke(
        "recurse()",
        RunOptions {
            limits: witloom_run::Limits {
                max_wasm_stack: Some(256 << 10),
                ..Default::default()
            },
            ..Default::default()
        },
    );
    assert_eq!(limit_of(r), "--max-wasm-stack");
}

#[test]
fn bad_files_and_bad_calls() {
    let message = |r: Result<Outcome, RunError>| match r {
        Err(e) => e.to_string(),
        Ok(o) => panic!("expected an error, got {o:?}"),
    };
    let core = file("core.wasm", &wat::parse_str("(module)").unwrap());
    let err = message(run(&core, &RunOptions::default()));
    assert!(err.contains("a core wasm module, not a component"), "{err}");

    let garbage = file("garbage.wasm", b"not wasm at all");
    let err = message(run(&garbage, &RunOptions::default()));
    assert!(err.contains("not a WebAssembly component"), "{err}");

    let good = wat::parse_str(HOSTILE).unwrap();
    let truncated = file("truncated.wasm", &good[..good.len() / 2]);
    let err = message(run(
        &truncated,
        &RunOptions {
            no_cache: true,
            ..Default::default()
        },
    ));
    assert!(err.contains("is not a valid component"), "{err}");

    let mut corrupt = good.clone();
    let at = corrupt.len() / 3;
    corrupt[at..at + 8].copy_from_slice(&[0xff; 8]);
    let err = message(run(
        &file("corrupt.wasm", &corrupt),
        &RunOptions {
            no_cache: true,
            ..Default::default()
        },
    ));
    assert!(err.contains("is not a valid component"), "{err}");

    let err = message(invoke("add(1)", RunOptions::default()));
    assert!(err.contains("`add` takes (a: u32, b: u32)"), "{err}");
    let err = message(invoke("add(\"one\", 2)", RunOptions::default()));
    assert!(err.contains("`add` takes"), "{err}");
    // Positions are in what the user typed: a qualified name is longer
    // than the stand-in the call is parsed under.
    let err = message(invoke("add(1, 2 3)", RunOptions::default()));
    assert!(
        err.contains("(column 10)\n  add(1, 2 3)\n           ^"),
        "{err}"
    );
    let err = message(invoke("add(\"one\", 2)", RunOptions::default()));
    assert!(
        err.contains("(column 5)\n  add(\"one\", 2)\n      ^^^^^"),
        "{err}"
    );
    let err = message(invoke("add(1, [", RunOptions::default()));
    assert!(!err.contains(".."), "no internal spans: {err}");

    let err = message(invoke("nope()", RunOptions::default()));
    assert!(err.contains("exports no function `nope`"), "{err}");
    assert!(err.contains("add"), "lists what it does export: {err}");

    // Not a command: says to use --invoke.
    let err = message(run(
        &hostile(),
        &RunOptions {
            no_cache: true,
            ..Default::default()
        },
    ));
    assert!(err.contains("not a command"), "{err}");
}
