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
    // Everything `run` provides (WASI 0.2 and 0.3), and the HTTP imports
    // of the 0.2 proxy world and the 0.3 service world.
    let (run, run_count) = import_lines(Capabilities::run());
    assert_eq!(count, run_count + 4, "{imports}");
    for line in run.lines() {
        assert!(imports.contains(line), "{line} in {imports}");
    }
    for http in [
        "import wasi:http/types@0.2.",
        "import wasi:http/outgoing-handler@0.2.",
        "import wasi:http/types@0.3.",
        "import wasi:http/client@0.3.",
    ] {
        assert!(imports.contains(http), "{http} in {imports}");
    }
    // A 0.2 handler and a 0.3 one, each importing all of it.
    for (name, handler) in [
        (
            "all",
            format!("wasi:http/incoming-handler@{}", http_version()),
        ),
        ("all-0-3", "wasi:http/handler@0.3.0".to_string()),
    ] {
        let bytes = carried_component(
            &format!("package test:all;\n\nworld all {{\n{imports}    export {handler};\n}}\n"),
            "all",
        );
        let server = start(&bytes, name, true).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_ne!(server.local_addr().port(), 0);

        // Without the database, the one interface that needs a grant is
        // named.
        let err = start(&bytes, &format!("{name}-no-db"), false).unwrap_err();
        assert!(
            matches!(err, ServeError::Run(RunError::NotGranted { ref import, .. }) if import == "witloom:host/sql@0.1.0"),
            "{err}"
        );
    }
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
        "error: the component exports no HTTP handler (`wasi:http/incoming-handler@0.2.x` or `wasi:http/handler@0.3.x`), so it cannot serve HTTP\n\
         = note: it exports `wasi:cli/run@0.2.12`\n\
         = help: run a command with `witloom run`\n"
    );

    // A WASI 0.3 handler is served.
    let bytes = carried_component(
        "package test:p3;\n\nworld w { export wasi:http/handler@0.3.0; }\n",
        "w",
    );
    start(&bytes, "p3-handler", false).unwrap_or_else(|e| panic!("{e}"));
}
