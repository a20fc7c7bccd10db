//! The manifest: a valid one loads with absolute paths and defaults, and
//! components are added keeping the file (the bad ones are `tests/ui.rs`).

use std::path::Path;
use witloom_manifest::{Language, Manifest, add_component};

#[test]
fn valid_manifest_with_defaults() {
    let text = r#"
[app]
name = "wordstats"

[components.tokenizer]
language = "c"
path = "tokenizer"
world = "kernel"

[components.flow]
language = "rust"
path = "flow"
world = "flow"
wit = "flow-wit"
"#;
    let m = Manifest::parse(Path::new("/apps/ws/witloom.toml"), text).unwrap();
    assert_eq!(m.app.name, "wordstats");
    assert_eq!(m.app.wit, Path::new("/apps/ws/wit"));
    assert_eq!(
        m.components.keys().collect::<Vec<_>>(),
        ["tokenizer", "flow"]
    );
    let t = &m.components["tokenizer"];
    assert_eq!(t.language, Language::C);
    assert_eq!(t.path, Path::new("/apps/ws/tokenizer"));
    assert_eq!(t.wit, Path::new("/apps/ws/wit"));
    assert_eq!(m.components["flow"].wit, Path::new("/apps/ws/flow-wit"));
}

#[test]
fn add_component_keeps_the_file() {
    let dir = witloom_testkit::target_dir().join("witloom-manifest-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("witloom.toml");
    std::fs::write(&path, "# my app\n[app]\nname = \"demo\" # the name\n").unwrap();
    add_component(&path, "kernel", Language::C, "kernel", "kernel").unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.starts_with("# my app\n[app]\nname = \"demo\" # the name\n"),
        "{text}"
    );
    let m = Manifest::load(&path).unwrap();
    assert_eq!(m.components["kernel"].world, "kernel");
    let again = add_component(&path, "kernel", Language::Go, "k2", "kernel").unwrap_err();
    assert!(
        again
            .message
            .contains("already has a component named `kernel`")
    );
    let bad = add_component(&path, "Bad_Name", Language::Go, "k2", "kernel").unwrap_err();
    assert!(bad.message.contains("bad component name"));
}
