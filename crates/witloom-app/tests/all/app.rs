//! The application model's own promises: worlds selected when the app is
//! loaded (a wrong one names the component), artifacts where the stages
//! look for them, and a single built component as an app of one.

use std::path::Path;
use witloom_app::{App, AppError};

/// An app in a scratch directory of its own (tests run at once).
fn app(name: &str, manifest: &str, wit: &str) -> std::path::PathBuf {
    let dir = witloom_testkit::scratch_dir(Path::new("witloom-app-tests/app").join(name));
    witloom_diag::io::write(&dir.join("wit/app.wit"), wit).unwrap();
    witloom_diag::io::write(&dir.join("witloom.toml"), manifest).unwrap();
    dir.join("witloom.toml")
}

const WIT: &str = "package my:app;\n\ninterface api { f: func(); }\n\nworld lib { export api; }\nworld main { import api; export run: func(); }\n";

#[test]
fn components_with_worlds_and_artifacts() {
    let manifest = app(
        "two",
        "[app]\nname = \"two\"\n\n[components.lib]\nlanguage = \"c\"\npath = \"lib\"\nworld = \"lib\"\n\n[components.main]\nlanguage = \"go\"\npath = \"main\"\nworld = \"my:app/main\"\n",
        WIT,
    );
    let app = App::load(&manifest).unwrap();
    let dir = manifest.parent().unwrap();
    assert_eq!(app.name, "two");
    assert_eq!(app.names(), ["lib", "main"]);
    let (id, main) = app.component("main").unwrap();
    assert_eq!(id.0, 1);
    assert_eq!(app.wit(main.wit).ir[main.world].name, "main");
    assert_eq!(main.artifact, dir.join("target/witloom/main.wasm"));
    assert_eq!(app.composed_artifact(), dir.join("target/witloom/two.wasm"));
    assert_eq!(app.wits().len(), 1);
}

#[test]
fn a_wrong_world_names_the_component() {
    let manifest = app(
        "bad",
        "[app]\nname = \"bad\"\n\n[components.kernel]\nlanguage = \"c\"\npath = \"k\"\nworld = \"libs\"\n",
        WIT,
    );
    let err = App::load(&manifest).unwrap_err();
    assert!(matches!(err, AppError::Wit { ref component, .. } if component == "kernel"));
    let d = witloom_diag::Diagnostic::from(err);
    assert!(
        d.message
            .starts_with("component `kernel`: no world named `libs`"),
        "{d}"
    );
    assert!(d.to_string().contains("did you mean `lib`?"), "{d}");
}

#[test]
fn one_built_component_is_an_app_of_one() {
    let dir = witloom_testkit::scratch_dir("witloom-app-tests/single");
    let wasm = dir.join("answer.wasm");
    std::fs::write(
        &wasm,
        wat::parse_str(
            r#"(component
                 (core module $m (func (export "f") (result i32) (i32.const 1)))
                 (core instance $i (instantiate $m))
                 (func (export "f") (result u32) (canon lift (core func $i "f"))))"#,
        )
        .unwrap(),
    )
    .unwrap();
    let app = App::single(&wasm).unwrap();
    assert_eq!(app.name, "answer");
    let c = &app.components()[0];
    assert_eq!((c.language, c.sources.as_deref()), (None, None));
    assert_eq!(c.artifact, wasm);
    assert!(
        app.wit(c.wit).ir[c.world]
            .exports
            .iter()
            .any(|e| e.name == "f")
    );

    let missing = App::single(&dir.join("nowhere.wasm")).unwrap_err();
    assert!(
        missing
            .to_string()
            .ends_with("nowhere.wasm`: no such file or directory"),
        "{missing}"
    );
    std::fs::write(dir.join("text.wasm"), "not wasm").unwrap();
    assert!(matches!(
        App::single(&dir.join("text.wasm")),
        Err(AppError::NotAComponent(_))
    ));
}
