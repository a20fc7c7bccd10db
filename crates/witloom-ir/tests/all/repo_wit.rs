//! The WIT this repository ships (`wit/`, the examples) stays valid, and
//! keeps the shape later stages rely on.

use witloom_ir::{LoadOptions, WorldItemKind, load};

#[test]
fn own_wit_defines_the_db_world() {
    let loaded =
        load("../../wit".as_ref(), &LoadOptions::default()).unwrap_or_else(|d| panic!("{d}"));
    let world = loaded.select_world(Some("db")).unwrap();
    let ir = loaded.world_ir(world);
    let imports: Vec<&str> = ir
        .worlds
        .iter()
        .next()
        .unwrap()
        .1
        .imports
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(
        imports,
        ["witloom:host/sql@0.1.0", "witloom:host/log@0.1.0"]
    );
}

#[test]
fn example_wit_is_valid() {
    // WASI's WIT is never committed: link it from cargo's registry first.
    let app = witloom_testkit::link_wasi_deps("../../examples/wordstats".into());
    let loaded = load(&app.join("wit"), &LoadOptions::default()).unwrap_or_else(|d| panic!("{d}"));
    for world in ["kernel", "formatter", "analyst", "flow"] {
        let id = loaded.select_world(Some(world)).unwrap();
        let ir = loaded.world_ir(id);
        ir.check().unwrap();
        let w = ir.worlds.iter().next().unwrap().1;
        assert!(
            w.imports
                .iter()
                .chain(&w.exports)
                .all(|i| matches!(i.kind, WorldItemKind::Interface { .. })),
            "{world} imports and exports interfaces only"
        );
    }
}
