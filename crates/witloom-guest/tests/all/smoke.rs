//! Builds the smallest guest in each language and checks the component's
//! shape against its world.

use std::path::Path;
use witloom_guest::{Guest, Language, Profile, build, shape_of};
use witloom_ir::{LoadOptions, load};

fn build_smoke(language: Language) -> Vec<u8> {
    let wit = load(Path::new("tests/smoke/wit"), &LoadOptions::default()).unwrap();
    let world = wit.resolve.select_world(&wit.roots, Some("hello")).unwrap();
    let sources = Path::new("tests/smoke").join(language.to_string());
    let guest = Guest {
        name: "smoke",
        language,
        sources: &sources,
        wit: &wit,
        world,
        profile: Profile::Release,
        work_dir: witloom_testkit::target_dir()
            .join(format!("witloom-guest-tests/smoke-{language}")),
        shared_dir: witloom_testkit::target_dir().join("witloom-guest-tests/shared"),
        types_dir: witloom_testkit::target_dir()
            .join(format!("witloom-guest-tests/types/smoke-{language}")),
        report: &|_| {},
        verbose: false,
    };
    let tc = witloom_app::toolchain::detect(language);
    build(&guest, &tc).unwrap_or_else(|e| panic!("{e}"))
}

/// The component exports the greeter and imports the host log (and WASI).
fn assert_smoke(language: Language) {
    let shape = shape_of(&build_smoke(language)).unwrap();
    assert_eq!(
        shape.exports.iter().collect::<Vec<_>>(),
        ["smoke:hello/greeter"]
    );
    assert!(shape.imports.contains("smoke:hello/host-log"));
    assert!(
        shape
            .imports
            .iter()
            .all(|i| i == "smoke:hello/host-log" || i.starts_with("wasi:"))
    );
}

#[test]
fn c_smoke() {
    assert_smoke(Language::C);
}

#[test]
fn rust_smoke() {
    assert_smoke(Language::Rust);
}

#[test]
fn go_smoke() {
    assert_smoke(Language::Go);
}
