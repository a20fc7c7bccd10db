//! JavaScript guests as a user meets them: what a syntax error, an
//! exception at import and a wrong export name look like, and a hostile
//! guest held by the run limits. (A missing componentize-js: `python.rs`;
//! `init` and `new` build, run and serve them as they do the other
//! languages.)

use crate::common::{text, witloom, witloom_within};
use std::path::{Path, PathBuf};

/// A one-component app `name` whose component `main` (JavaScript, a
/// command) is `app.js` with `source`.
fn app(name: &str, source: &str) -> PathBuf {
    crate::common::init_command(&format!("js/{name}"), "js", "app.js", source)
}

fn build(app: &Path) -> (Option<i32>, String) {
    let manifest = app.join("witloom.toml");
    let out = witloom_within(&["build", "--manifest", manifest.to_str().unwrap()], 300);
    (out.status.code(), text(&out.stderr))
}

#[test]
fn build_errors_are_told_at_the_users_file_and_line_and_nothing_is_written() {
    let app = app(
        "syntax-error",
        "export const run = {\n  run() {\n    console.log(\"x\"\n  },\n};\n",
    );
    let (status, err) = build(&app);
    assert_eq!(status, Some(1), "{err}");
    assert!(err.contains("`main` (js) failed to compile"), "{err}");
    assert!(err.contains("main/app.js:3"), "{err}");
    assert!(
        err.contains("SyntaxError: missing ) after argument list"),
        "{err}"
    );
    // Not componentize-js's own line that threw.
    assert!(!err.contains("throw new Error("), "{err}");
    assert!(!app.join("target/witloom/main.wasm").exists());

    std::fs::write(
        app.join("main/app.js"),
        "throw new Error(\"boom at import\");\nexport const run = { run() {} };\n",
    )
    .unwrap();
    let (status, err) = build(&app);
    assert_eq!(status, Some(1), "{err}");
    assert!(
        err.contains("main/app.js:1:7 Error: boom at import"),
        "{err}"
    );
    assert!(!app.join("target/witloom/main.wasm").exists());

    // The world exports `wasi:cli/run`: its object is `run`.
    std::fs::write(
        app.join("main/app.js"),
        "export const runner = { run() {} };\n",
    )
    .unwrap();
    let (status, err) = build(&app);
    assert_eq!(status, Some(1), "{err}");
    assert!(
        err.contains("does not export a \"run\" interface as expected by the world"),
        "{err}"
    );
    assert!(!app.join("target/witloom/main.wasm").exists());
}

/// An endless loop, an array that grows without end and a recursion
/// without end, each a function of the component's own world called with
/// `--invoke`, each stopped by the run's limits or by the engine, with a
/// message and a failing status.
#[test]
fn hostile_javascript_is_held_by_the_limits() {
    let dir = crate::common::scratch("js/hostile");
    std::fs::create_dir_all(dir.join("wit")).unwrap();
    std::fs::create_dir_all(dir.join("main")).unwrap();
    std::fs::write(
        dir.join("wit/hostile.wit"),
        "package test:hostile;\n\nworld hostile {\n    export spin: func();\n    export grow: func();\n    export recurse: func();\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("witloom.toml"),
        "[app]\nname = \"hostile\"\n\n[components.main]\nlanguage = \"js\"\npath = \"main\"\nworld = \"hostile\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("main/app.js"),
        r#"export function spin() {
  for (;;) {}
}

export function grow() {
  const hog = [];
  for (;;) {
    hog.push(new Uint8Array(1 << 20));
  }
}

export function recurse() {
  const down = (n) => down(n + 1) + 1;
  down(0);
}
"#,
    )
    .unwrap();
    let (status, err) = build(&dir);
    assert_eq!(status, Some(0), "{err}");
    let wasm = dir.join("target/witloom/main.wasm");
    let wasm = wasm.to_str().unwrap();
    // Every run bounded: a guest the limit under test fails to stop
    // ends at the timeout instead of hanging the test.
    let run = |args: &[&str]| {
        let out = witloom(&[&["run"], args].concat());
        (out.status.code(), text(&out.stderr))
    };
    let (status, err) = run(&["--timeout", "2s", "--invoke", "spin()", wasm]);
    assert_eq!(status, Some(1), "{err}");
    assert!(err.contains("stopped after 2s (--timeout)"), "{err}");
    let (status, err) = run(&[
        "--timeout",
        "120s",
        "--max-memory",
        "100MiB",
        "--invoke",
        "grow()",
        wasm,
    ]);
    assert_eq!(status, Some(1), "{err}");
    assert!(
        err.contains("(--max-memory)") || err.contains("out of memory"),
        "{err}"
    );
    let (status, err) = run(&["--timeout", "120s", "--invoke", "recurse()", wasm]);
    assert_eq!(status, Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// `init` writes a `jsconfig.json` that includes the TypeScript
/// declarations `build` writes: TypeScript (VS Code's checker, here as
/// `tsc -p`) accepts code that uses the world's imports as their types
/// say, and names the file and line of code that does not.
#[test]
fn editors_check_the_module_against_the_worlds_types() {
    let app = app(
        "types",
        "import { now } from \"wasi:clocks/wall-clock@0.2.12\";\n\nexport const run = {\n  run() {\n    console.log(`${now().seconds + 1n}`);\n  },\n};\n",
    );
    let wit = app.join("wit/types.wit");
    let source = std::fs::read_to_string(&wit).unwrap();
    std::fs::write(
        &wit,
        source.replace(
            "    export wasi:cli/run@0.2.12;",
            "    import wasi:clocks/wall-clock@0.2.12;\n    export wasi:cli/run@0.2.12;",
        ),
    )
    .unwrap();
    let config = std::fs::read_to_string(app.join("main/jsconfig.json")).unwrap();
    assert!(
        config.contains("\"../target/witloom/types/main/**/*.d.ts\""),
        "{config}"
    );
    let (status, err) = build(&app);
    assert_eq!(status, Some(0), "{err}");
    let declared = std::fs::read_to_string(
        app.join("target/witloom/types/main/interfaces/wasi-clocks-wall-clock.d.ts"),
    )
    .unwrap();
    assert!(
        declared.contains("export function now(): Datetime;"),
        "{declared}"
    );

    let tsc = witloom_app::toolchain::componentize_js_dir()
        .unwrap()
        .join("node_modules/.bin/tsc");
    let check = || {
        let out = std::process::Command::new(&tsc)
            .arg("-p")
            .arg(app.join("main/jsconfig.json"))
            .output()
            .unwrap();
        (out.status.code(), text(&out.stdout))
    };
    let (status, out) = check();
    assert_eq!(status, Some(0), "{out}");

    // `seconds` is a `u64`: a `bigint`, which does not add to a number.
    std::fs::write(
        app.join("main/app.js"),
        "import { now } from \"wasi:clocks/wall-clock@0.2.12\";\n\nexport const run = {\n  run() {\n    console.log(`${now().seconds + 1}`);\n  },\n};\n",
    )
    .unwrap();
    let (status, out) = check();
    assert_eq!(status, Some(1), "{out}");
    assert!(
        out.contains(
            "main/app.js(5,20): error TS2365: Operator '+' cannot be applied to types 'bigint' and '1'."
        ),
        "{out}"
    );
}
