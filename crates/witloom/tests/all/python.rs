//! Python guests as a user meets them: what a broken module, a wrong class
//! name and a missing componentize-py (or componentize-js) look like, the
//! stubs editors find, and hostile guests (Python's and JavaScript's
//! handlers too) held by the run and serve limits. (`init` and the matrix
//! build, run and serve them as they do the other languages.)

use crate::common::{text, witloom, witloom_within};
use std::path::{Path, PathBuf};

/// A one-component app `name` whose component `main` (Python, a command)
/// is `app.py` with `source`.
fn app(name: &str, source: &str) -> PathBuf {
    crate::common::init_command(&format!("python/{name}"), "python", "app.py", source)
}

fn build(app: &Path) -> std::process::Output {
    let manifest = app.join("witloom.toml");
    witloom_within(&["build", "--manifest", manifest.to_str().unwrap()], 300)
}

#[test]
fn a_syntax_error_is_shown_at_the_users_file_and_line_and_nothing_is_written() {
    let app = app(
        "syntax",
        "from wit_world import exports\n\nclass Run(exports.Run):\n    def run(self) -> None\n        print('no colon')\n",
    );
    let out = build(&app);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("`main` (python) failed to compile"), "{err}");
    assert!(
        err.contains(&format!(
            "File \"{}/app.py\", line 4",
            app.join("main").display()
        )) || err.contains("main/app.py\", line 4"),
        "{err}"
    );
    assert!(err.contains("SyntaxError: expected ':'"), "{err}");
    // Not componentize-py's own wrapping.
    assert!(!err.contains("Stack backtrace"), "{err}");
    assert!(!err.contains("AssertionError"), "{err}");
    assert!(!app.join("target/witloom/main.wasm").exists());
}

#[test]
fn an_exception_at_import_and_a_missing_class_are_told_in_python_terms() {
    let app = app(
        "import-error",
        "from wit_world import exports\nimport no_such_module\n",
    );
    let err = text(&build(&app).stderr);
    assert!(err.contains("app.py\", line 2, in <module>"), "{err}");
    assert!(
        err.contains("ModuleNotFoundError: No module named 'no_such_module'"),
        "{err}"
    );
    assert!(!app.join("target/witloom/main.wasm").exists());

    // The world exports `wasi:cli/run`: its class is `Run`.
    std::fs::write(
        app.join("main/app.py"),
        "from wit_world import exports\n\nclass Runner(exports.Run):\n    def run(self) -> None:\n        pass\n",
    )
    .unwrap();
    let out = build(&app);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("AttributeError: module 'app' has no attribute 'Run'"),
        "{err}"
    );
    assert!(!app.join("target/witloom/main.wasm").exists());
}

/// With no toolchain where witloom looks (nor Python's on `PATH`), each
/// language's build says the exact command that installs its own.
#[test]
fn a_missing_componentize_py_or_js_says_how_to_install_it() {
    let cases = [
        (
            "python",
            "app.py",
            "componentize-py is not installed",
            "python3 -m venv /nonexistent/witloom-toolchains/componentize-py-0.25.1 && /nonexistent/witloom-toolchains/componentize-py-0.25.1/bin/pip install componentize-py==0.25.1",
        ),
        (
            "js",
            "app.js",
            "componentize-js is not installed",
            "npm install --prefix /nonexistent/witloom-toolchains/componentize-js-0.23.0 --no-audit --no-fund @bytecodealliance/componentize-js@0.23.0 @bytecodealliance/jco-transpile@0.15.0",
        ),
    ];
    for (lang, file, what, install) in cases {
        let app = crate::common::init_command(&format!("missing/{lang}"), lang, file, "");
        let manifest = app.join("witloom.toml");
        let out = crate::common::command()
            .args(["build", "--manifest", manifest.to_str().unwrap()])
            .env("PATH", "/usr/bin:/bin")
            .env("WITLOOM_TOOLCHAINS", "/nonexistent/witloom-toolchains")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("cannot build `main` ({lang}): {what}")),
            "{err}"
        );
        assert!(err.contains(install), "{err}");
    }
}

/// An endless loop, a list that grows without end and a recursion without
/// end (`sys.argv[1]` picks one), each stopped by the run's limits or by
/// the interpreter, with a message and a failing status.
#[test]
fn hostile_python_is_held_by_the_limits() {
    let app = app(
        "hostile",
        r#"import sys
from wit_world import exports


class Run(exports.Run):
    def run(self) -> None:
        what = sys.argv[1]
        if what == "loop":
            while True:
                pass
        if what == "grow":
            hog = []
            while True:
                hog.append(bytearray(1 << 20))
        if what == "recurse":
            def down(n):
                return down(n + 1) + 1
            down(0)
"#,
    );
    let out = build(&app);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // componentize-py's bytecode stays in witloom's copy of the sources.
    let mut sources: Vec<_> = std::fs::read_dir(app.join("main"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    sources.sort();
    assert_eq!(sources, ["app.py", "pyrightconfig.json"]);
    let wasm = app.join("target/witloom/main.wasm");
    let wasm = wasm.to_str().unwrap();
    // Every run bounded: a guest the limit under test fails to stop
    // ends at the timeout instead of hanging the test.
    let run = |args: &[&str]| {
        let out = witloom(&[&["run"], args].concat());
        (out.status.code(), text(&out.stderr))
    };
    let (status, err) = run(&["--timeout", "2s", wasm, "--", "loop"]);
    assert_eq!(status, Some(1), "{err}");
    assert!(err.contains("stopped after 2s (--timeout)"), "{err}");
    let (status, err) = run(&[
        "--timeout",
        "120s",
        "--max-memory",
        "100MiB",
        wasm,
        "--",
        "grow",
    ]);
    assert_eq!(status, Some(1), "{err}");
    assert!(
        err.contains("the guest asked for more memory than it may have (100MiB)"),
        "{err}"
    );
    let (status, err) = run(&["--timeout", "120s", wasm, "--", "recurse"]);
    assert_eq!(status, Some(1), "{err}");
    assert!(
        err.contains("RecursionError: maximum recursion depth exceeded"),
        "{err}"
    );
}

/// `init` writes a `pyrightconfig.json` whose search path holds the stubs
/// `build` writes (componentize-py's `wit_world` package): the module
/// imports against them as an editor's checker reads it.
#[test]
fn editors_find_the_worlds_stubs() {
    let app = app(
        "stubs",
        "from wit_world import exports\n\n\nclass Run(exports.Run):\n    def run(self) -> None:\n        print('hi')\n",
    );
    let config = std::fs::read_to_string(app.join("main/pyrightconfig.json")).unwrap();
    assert!(
        config.contains("\"extraPaths\": [\"../target/witloom/types/main\"]"),
        "{config}"
    );
    let out = build(&app);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stubs = app.join("main/../target/witloom/types/main");
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sys; sys.path[:0] = sys.argv[1:]\n\
             import app, wit_world.exports\n\
             assert wit_world.exports.Run in app.Run.__mro__\n\
             print(wit_world.exports.Run.run.__annotations__)",
        )
        .arg(&stubs)
        .arg(app.join("main"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("'return': None"),
        "{}",
        text(&out.stdout)
    );
}

/// A Python and a JavaScript handler that loops, grows its memory without
/// end or recurses without end on request: each such request is answered
/// 500 within the server's limits, and the next one is served.
#[test]
fn hostile_python_and_js_handlers_get_500_and_the_server_goes_on() {
    use crate::common::served::{Served, client, get};
    let python = r#"from componentize_py_types import Ok
from wit_world import exports
from wit_world.imports.types import Fields, OutgoingBody, OutgoingResponse, ResponseOutparam


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request, response_out) -> None:
        path = request.path_with_query()
        if path == "/loop":
            while True:
                pass
        if path == "/grow":
            hog = []
            while True:
                hog.append(bytearray(1 << 20))
        if path == "/recurse":
            def down(n):
                return down(n + 1) + 1
            down(0)
        response = OutgoingResponse(Fields.from_list([]))
        body = response.body()
        ResponseOutparam.set(response_out, Ok(response))
        with body.write() as stream:
            stream.blocking_write_and_flush(b"ok\n")
        OutgoingBody.finish(body, None)
"#;
    let js = r#"import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from "wasi:http/types@0.2.12";

function down(n) {
  return down(n + 1) + 1;
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = request.pathWithQuery();
    if (path === "/loop") for (;;) {}
    if (path === "/grow") {
      const hog = [];
      for (;;) hog.push(new Uint8Array(1 << 20).fill(1));
    }
    if (path === "/recurse") down(0);
    const response = new OutgoingResponse(new Fields());
    const body = response.body();
    ResponseOutparam.set(responseOut, { tag: "ok", val: response });
    const stream = body.write();
    stream.blockingWriteAndFlush(new TextEncoder().encode("ok\n"));
    stream[Symbol.dispose]();
    OutgoingBody.finish(body, undefined);
  },
};
"#;
    for (lang, file, source) in [("python", "app.py", python), ("js", "app.js", js)] {
        let app = crate::common::init_template(
            &format!("hostile-serve/{lang}"),
            "http",
            lang,
            file,
            source,
        );
        let manifest = app.join("witloom.toml");
        let out = witloom_within(&["build", "--manifest", manifest.to_str().unwrap()], 300);
        assert_eq!(out.status.code(), Some(0), "{lang}: {}", text(&out.stderr));
        let server = Served::start(
            &app.join("target/witloom/handler.wasm"),
            &["--timeout", "2s", "--max-memory", "128MiB"],
            &format!("hostile-{lang}"),
        );
        let agent = client();
        let ok = |what: &str| {
            let (status, said) = get(&agent, &server.url("/"));
            assert_eq!(
                (status, text(&said).as_str()),
                (200, "ok\n"),
                "{lang} after {what}"
            );
        };
        ok("start");
        for path in ["/loop", "/grow", "/recurse"] {
            let start = std::time::Instant::now();
            let (status, _) = get(&agent, &server.url(path));
            assert_eq!(status, 500, "{lang} {path}\n{}", server.log());
            assert!(
                start.elapsed() < std::time::Duration::from_secs(30),
                "{lang} {path}: {:?}",
                start.elapsed()
            );
            ok(path);
        }
        let log = server.log();
        assert!(log.contains("(--timeout)"), "{lang}: {log}");
        assert!(log.contains("(--max-memory)"), "{lang}: {log}");
        assert!(log.contains("path=/recurse status=500"), "{lang}: {log}");
    }
}
