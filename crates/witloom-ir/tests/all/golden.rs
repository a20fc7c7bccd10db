//! IR tests beyond the corpus goldens (`tests/corpus.rs`): a world's IR,
//! gates, components and WIT binaries, and damaged binaries.

use std::path::{Path, PathBuf};
use witloom_ir::wit_parser::Resolve;
use witloom_ir::{Ir, LoadOptions, Type, TypeDefKind, WorldItemKind, load};
use witloom_testkit::assert_golden;

fn corpus() -> PathBuf {
    PathBuf::from("tests/corpus")
}

fn all_features() -> LoadOptions {
    LoadOptions {
        all_features: true,
        ..LoadOptions::default()
    }
}

fn load_ok(path: &Path, opts: &LoadOptions) -> witloom_ir::Loaded {
    load(path, opts).unwrap_or_else(|d| panic!("{} failed to load:\n{d}", path.display()))
}

#[test]
fn world_ir_keeps_only_what_the_world_reaches() {
    let loaded = load_ok(&corpus().join("multi"), &all_features());
    let world = loaded.select_world(Some("service")).unwrap();
    let ir = loaded.world_ir(world);
    check_references(&ir);
    // `corpus:nested` and the `admin` interface are not reachable.
    assert!(!ir.packages.iter().any(|(_, p)| p.name.name == "nested"));
    assert!(
        !ir.interfaces
            .iter()
            .any(|(_, i)| i.name.as_deref() == Some("admin"))
    );
    assert_golden(&corpus().join("multi.service.json"), &ir.to_json());
}

#[test]
fn unstable_items_need_their_feature() {
    let path = corpus().join("gates.wit");
    let has_fancy = |opts: &LoadOptions| {
        let ir = load_ok(&path, opts).ir;
        ir.interfaces
            .iter()
            .any(|(_, i)| i.functions.contains_key("fancy"))
    };
    assert!(!has_fancy(&LoadOptions::default()));
    assert!(has_fancy(&LoadOptions {
        features: vec!["fancy-points".into()],
        ..LoadOptions::default()
    }));
    assert!(has_fancy(&all_features()));
}

/// A component made from the `calculator` world (a dummy core module,
/// componentized by wit-component) decodes back into the same world.
#[test]
fn component_binary_decodes_to_its_world() {
    let wasm = fraction_component();
    let path = witloom_testkit::target_dir().join("witloom-ir-tests/fraction.wasm");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &wasm).unwrap();

    let loaded = load_ok(&path, &LoadOptions::default());
    assert_eq!(loaded.kind, witloom_ir::InputKind::Component);
    let world = loaded.select_world(None).unwrap();
    let ir = loaded.world_ir(world);
    check_references(&ir);
    let w = &ir.worlds.iter().next().unwrap().1;
    let export = &w.exports[0];
    assert_eq!(export.name, "corpus:fraction/fractions");
    let WorldItemKind::Interface { interface } = export.kind else {
        panic!("expected an interface export, got {:?}", export.kind)
    };
    let iface = &ir[interface];
    assert_eq!(
        iface.functions.keys().collect::<Vec<_>>(),
        ["new", "add"],
        "functions in order"
    );
    let add = &iface.functions["add"];
    assert_eq!(ir.type_name(add.params[0].r#type), "fraction");
    let Type::Id(fraction) = add.params[0].r#type else {
        panic!()
    };
    let TypeDefKind::Record { fields } = &ir[fraction].kind else {
        panic!()
    };
    let fields: Vec<_> = fields
        .iter()
        .map(|f| (f.name.as_str(), ir.type_name(f.r#type)))
        .collect();
    assert_eq!(
        fields,
        [
            ("numerator", "s32".to_string()),
            ("denominator", "s32".to_string())
        ]
    );
    // A binary has no source: no locations, and a golden of its own.
    assert!(iface.location.is_none());
    assert_golden(&corpus().join("fraction.component.json"), &ir.to_json());
}

/// WIT packages encoded as wasm give the same IR as the text, less the
/// source locations.
#[test]
fn wit_package_binary_matches_text() {
    let path = corpus().join("worlds.wit");
    let text = load_ok(&path, &all_features());
    let wasm = wit_component::encode(&text.resolve, text.roots[0], false).unwrap();
    let bin_path = witloom_testkit::target_dir().join("witloom-ir-tests/worlds.wasm");
    std::fs::create_dir_all(bin_path.parent().unwrap()).unwrap();
    std::fs::write(&bin_path, wasm).unwrap();
    let binary = load_ok(&bin_path, &LoadOptions::default());
    assert_eq!(binary.kind, witloom_ir::InputKind::WitBinary);
    assert_eq!(text.ir.counts(), binary.ir.counts());
    let names = |ir: &Ir| -> Vec<String> {
        let mut v: Vec<String> = ir
            .types
            .iter()
            .filter_map(|(_, t)| t.qualified_name.clone())
            .chain(ir.interfaces.iter().map(|(_, i)| i.qualified_name.clone()))
            .chain(
                ir.interfaces
                    .iter()
                    .flat_map(|(_, i)| i.functions.values().map(|f| f.qualified_name.clone())),
            )
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&text.ir), names(&binary.ir));
}

/// Truncated and corrupted components are errors, never panics.
#[test]
fn damaged_binaries_are_diagnosed() {
    let wasm = fraction_component();
    let dir = witloom_testkit::target_dir().join("witloom-ir-tests/damaged");
    std::fs::create_dir_all(&dir).unwrap();
    let mut cases: Vec<Vec<u8>> = (8..wasm.len())
        .step_by(wasm.len() / 40 + 1)
        .map(|n| wasm[..n].to_vec())
        .collect();
    for i in (8..wasm.len()).step_by(wasm.len() / 40 + 1) {
        let mut bad = wasm.clone();
        bad[i] ^= 0xff;
        cases.push(bad);
    }
    let mut errors = 0;
    for (n, bytes) in cases.iter().enumerate() {
        let path = dir.join(format!("case-{n}.wasm"));
        std::fs::write(&path, bytes).unwrap();
        match load(&path, &LoadOptions::default()) {
            Ok(loaded) => check_references(&loaded.ir),
            Err(d) => {
                errors += 1;
                assert!(
                    d.message.contains("case-"),
                    "the diagnostic names the file: {d}"
                );
            }
        }
    }
    // Every truncation must fail; a flipped byte may land in a name.
    assert!(
        errors >= cases.len() / 2,
        "{errors} of {} failed",
        cases.len()
    );
}

fn fraction_component() -> Vec<u8> {
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve.push_path(corpus().join("fraction.wit")).unwrap();
    let world = resolve.select_world(&[pkg], Some("calculator")).unwrap();
    witloom_testkit::dummy_component(&resolve, world)
}

fn check_references(ir: &Ir) {
    ir.check()
        .unwrap_or_else(|e| panic!("inconsistent IR: {e}"));
}
