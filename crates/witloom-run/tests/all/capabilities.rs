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
