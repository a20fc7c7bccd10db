//! `witloom serve`'s linker provides exactly what `Capabilities::serve()`
//! declares: a handler importing every declared interface starts (with a
//! database granted); one importing anything else, or exporting no
//! handler, is refused before it listens.

use witloom_host::Capabilities;
use witloom_run::RunError;
use witloom_serve::{ServeError, ServeOptions, Server};
use witloom_testkit::{carried_component, import_lines};

fn start(bytes: &[u8], name: &str, sqlite: bool) -> Result<Server, ServeError> {
    let dir = witloom_testkit::scratch_dir(format!("witloom-serve-tests/{name}"));
    let path = dir.join("handler.wasm");
    std::fs::write(&path, bytes).unwrap();
    let opts = ServeOptions {
        addr: "127.0.0.1:0".parse().unwrap(),
        sqlite: sqlite.then(|| witloom_run::IN_MEMORY.into()),
        no_cache: true,
        ..ServeOptions::default()
    };
    Server::new(&path, &opts)
}

/// The version of `wasi:http` witloom carries.
fn http_version() -> String {
    witloom_host::carried()
        .package("wasi:http")
        .and_then(|p| p.version.as_ref())
        .map(|v| v.to_string())
        .expect("witloom carries wasi:http")
}

#[test]
fn every_declared_interface_links() {
    let (imports, count) = import_lines(Capabilities::serve());
    // Everything `run` provides of WASI 0.2 (`serve` does not link 0.3
    // yet), and the proxy world's two HTTP imports.
    let (run, _) = import_lines(Capabilities::run());
    let run_0_2: Vec<&str> = run.lines().filter(|l| !l.contains("@0.3.")).collect();
    assert_eq!(count, run_0_2.len() + 2, "{imports}");
    for line in run_0_2 {
        assert!(imports.contains(line), "{line} in {imports}");
    }
    assert!(imports.contains("import wasi:http/types@0.2."), "{imports}");
    assert!(
        imports.contains("import wasi:http/outgoing-handler@0.2."),
        "{imports}"
    );
    let bytes = carried_component(
        &format!(
            "package test:all;\n\nworld all {{\n{imports}    export wasi:http/incoming-handler@{};\n}}\n",
            http_version()
        ),
        "all",
    );
    let server = start(&bytes, "all", true).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(server.local_addr().port(), 0);

    // Without the database, the one interface that needs a grant is named.
    let err = start(&bytes, "all-no-db", false).unwrap_err();
    assert!(
        matches!(err, ServeError::Run(RunError::NotGranted { ref import, .. }) if import == "witloom:host/sql@0.1.0"),
        "{err}"
    );
}

#[test]
fn anything_else_is_refused_before_listening() {
    let bytes = carried_component(
        &format!(
            "package test:other;\n\ninterface api {{ f: func(); }}\n\nworld w {{ import api; export wasi:http/incoming-handler@{}; }}\n",
            http_version()
        ),
        "w",
    );
    let err = start(&bytes, "other", false).unwrap_err();
    assert_eq!(
        witloom_diag::Diagnostic::from(err).to_string(),
        format!(
            "error: the component imports `test:other/api`, which `witloom serve` does not provide (no package `test:other` is provided)\n\
             = note: `witloom serve` provides {}\n\
             = help: compose in a component that exports it\n",
            Capabilities::serve().summary()
        )
    );

    // A command is not a handler: what it exports is named.
    let bytes = carried_component(
        "package test:cmd;\n\nworld w { export wasi:cli/run@0.2.12; }\n",
        "w",
    );
    let err = start(&bytes, "command", false).unwrap_err();
    assert!(
        matches!(err, ServeError::NotAHandler { ref exports } if exports == "`wasi:cli/run@0.2.12`"),
        "{err}"
    );
    assert_eq!(
        witloom_diag::Diagnostic::from(err).to_string(),
        "error: the component does not export `wasi:http/incoming-handler@0.2.x`, so it cannot serve HTTP\n\
         = note: it exports `wasi:cli/run@0.2.12`\n\
         = help: run a command with `witloom run`\n"
    );

    // A WASI 0.3 handler is named as such.
    let bytes = carried_component(
        "package test:p3;\n\nworld w { export wasi:http/handler@0.3.0; }\n",
        "w",
    );
    let err = start(&bytes, "p3-handler", false).unwrap_err();
    assert_eq!(
        witloom_diag::Diagnostic::from(err).to_string(),
        format!(
            "error: the component is a WASI 0.3 HTTP handler (`wasi:http/handler@0.3.x`), which `witloom serve` does not serve yet\n\
             = help: `witloom serve` serves WASI 0.2 handlers for now (`witloom --version`): build it against `wasi:http/incoming-handler@{}`\n",
            http_version()
        )
    );
}
