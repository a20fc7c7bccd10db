//! `witloom run`'s linker provides exactly what `Capabilities::run()`
//! declares: a component importing every declared interface links (with a
//! database granted), and one importing anything else is refused before
//! linking, naming the import the way composition names it.

use witloom_run::{Capabilities, RunError, RunOptions};
use witloom_testkit::carried_component as component;

fn link(bytes: &[u8], opts: &RunOptions) -> Result<(), RunError> {
    let path = std::path::Path::new("test.wasm");
    let engine = witloom_run::engine(opts)?;
    let component = witloom_run::load(&engine, path, bytes, opts.no_cache)?;
    witloom_run::prepare(&engine, &component, opts).map(|_| ())
}

#[test]
fn every_declared_interface_links() {
    let (imports, count) = witloom_testkit::import_lines(Capabilities::run());
    assert!(count >= 25, "{imports}");
    let bytes = component(
        &format!("package test:all;\n\nworld all {{\n{imports}}}\n"),
        "all",
    );
    let opts = RunOptions {
        sqlite: Some(witloom_run::IN_MEMORY.into()),
        no_cache: true,
        ..RunOptions::default()
    };
    link(&bytes, &opts).unwrap_or_else(|e| panic!("{e}"));

    // Without the database, the one interface that needs a grant is named.
    let err = link(
        &bytes,
        &RunOptions {
            sqlite: None,
            ..opts
        },
    )
    .unwrap_err();
    assert!(
        matches!(err, RunError::NotGranted { ref import, .. } if import == "witloom:host/sql@0.1.0"),
        "{err}"
    );
}

#[test]
fn anything_else_is_refused_before_linking() {
    let opts = RunOptions {
        no_cache: true,
        ..RunOptions::default()
    };
    let bytes = component(
        "package test:other;\n\ninterface api { f: func(); }\n\nworld w { import api; }\n",
        "w",
    );
    let err = link(&bytes, &opts).unwrap_err();
    assert!(
        matches!(err, RunError::NotProvided { ref import, .. } if import == "test:other/api"),
        "{err:?}"
    );
    assert_eq!(
        witloom_diag::Diagnostic::from(err).to_string(),
        format!(
            "error: the component imports `test:other/api`, which `witloom run` does not provide (no package `test:other` is provided)\n\
             = note: `witloom run` provides {}\n\
             = help: compose in a component that exports it\n",
            Capabilities::run().summary()
        )
    );
}

/// A WASI 0.3 command (whose `run` is an `async func`) links and is
/// called (this one, wit-component's dummy, traps in it); a WASI 0.3 HTTP
/// handler is named as one, for `witloom serve`, before linking rather
/// than by the 0.3 `wasi:http` it imports, which `run` does not link.
#[test]
fn a_wasi_0_3_command_runs_and_a_0_3_handler_is_named() {
    let opts = RunOptions {
        no_cache: true,
        ..RunOptions::default()
    };
    let engine = witloom_run::engine(&opts).unwrap();
    let run = |wit: &str| {
        let bytes = component(wit, "w");
        let component =
            witloom_run::load(&engine, std::path::Path::new("p3.wasm"), &bytes, true).unwrap();
        witloom_run::run_component(&engine, &component, &opts)
    };
    let err = run(
        "package test:p3;\n\nworld w {\n  import wasi:cli/stdout@0.3.0;\n  export wasi:cli/run@0.3.0;\n}\n",
    )
    .unwrap_err();
    assert!(matches!(err, RunError::Trap(_)), "{err:?}");

    let err = run(
        "package test:p3;\n\nworld w {\n  import wasi:cli/stdout@0.3.0;\n  export wasi:http/handler@0.3.0;\n}\n",
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            RunError::Handler {
                entry: witloom_host::Entry::Http(witloom_host::Wasi::P3)
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        witloom_diag::Diagnostic::from(err).to_string(),
        "error: the component is a WASI 0.3 HTTP handler (`wasi:http/handler@0.3.x`), which a server answers requests with: it is not a command\n\
         = help: serve it with `witloom serve`, or call one of its exports with --invoke\n"
    );
}
