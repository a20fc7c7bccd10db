//! One import per interface and semver track: parts that import `1.0.0`
//! and `1.2.0` of one interface (with a resource) share the whole's
//! `1.2.0` import, typed as the union of what both use; `0.1.0` and `0.2.0`
//! are not compatible and stay two imports; a type defined in a world
//! passes through. The whole validates, and its imports are counted from
//! the binary.

use std::path::PathBuf;
use witloom_compose::{Host, Options, Part, encode, plan};

/// Two versions of `test:v` (compatible), two of `test:w` (not), and two
/// parts: `plug` (older versions) provides `test:mid/svc` to `socket`
/// (newer versions).
const PACKAGES: [&str; 4] = [
    "package test:v@1.0.0;\ninterface api {\n  resource r {\n    get: func() -> u32;\n  }\n  make: func() -> r;\n}\n",
    "package test:v@1.2.0;\ninterface api {\n  resource r {\n    get: func() -> u32;\n  }\n  make: func() -> r;\n  newer: func(x: borrow<r>) -> u32;\n}\n",
    "package test:w@0.1.0;\ninterface x {\n  ping: func() -> u8;\n}\n",
    "package test:w@0.2.0;\ninterface x {\n  ping: func() -> u16;\n}\n",
];

const PARTS: &str = "package test:mid@0.1.0;\n\
interface svc {\n  call: func() -> u32;\n}\n\
interface out {\n  go: func();\n}\n\
world plug {\n  record point {\n    x: u32,\n  }\n  import take: func(p: point);\n  import test:v/api@1.0.0;\n  import test:w/x@0.1.0;\n  export svc;\n}\n\
world socket {\n  import test:v/api@1.2.0;\n  import test:w/x@0.2.0;\n  import svc;\n  export out;\n}\n";

fn part(resolve: &wit_parser::Resolve, pkg: wit_parser::PackageId, world: &str) -> Part {
    let world_id = resolve.select_world(&[pkg], Some(world)).unwrap();
    let bytes = witloom_testkit::dummy_component(resolve, world_id);
    let dir = witloom_testkit::target_dir().join("witloom-compose-tests/versions");
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join(format!("{world}.wasm"));
    std::fs::write(&path, bytes).unwrap();
    Part::from_file(world, &path).unwrap()
}

#[test]
fn compatible_versions_are_one_import_at_the_newest() {
    let mut resolve = wit_parser::Resolve::default();
    for (i, p) in PACKAGES.iter().enumerate() {
        resolve.push_str(format!("dep{i}.wit"), p).unwrap();
    }
    let pkg = resolve.push_str("parts.wit", PARTS).unwrap();
    let parts = [part(&resolve, pkg, "plug"), part(&resolve, pkg, "socket")];
    let opts = Options {
        host: Host::Anything,
        ..Options::default()
    };
    let plan = plan(&parts, &opts).unwrap();
    let host: Vec<(&str, &[usize])> = plan
        .host
        .iter()
        .map(|(n, u)| (n.as_str(), u.as_slice()))
        .collect();
    assert_eq!(
        host,
        [
            ("test:v/api@1.2.0", &[0, 1][..]),
            ("test:w/x@0.1.0", &[0][..]),
            ("take", &[0][..]),
            ("test:w/x@0.2.0", &[1][..]),
        ]
    );
    assert_eq!(
        plan.host_import(0, "test:v/api@1.0.0"),
        Some("test:v/api@1.2.0")
    );
    let report = plan.report();
    assert!(!report.contains("@1.0.0"), "{report}");

    // The whole imports each once, and the 1.2.0 instance has what both
    // parts use: the older part's `make` and the newer's `newer`.
    let bytes = encode(&parts, &plan).unwrap();
    let mut imports = witloom_testkit::top_level_imports(&bytes);
    // The world's own type (`point`) is imported as a type, as the part
    // imports it.
    imports.sort();
    assert_eq!(
        imports,
        [
            "point",
            "take",
            "test:v/api@1.2.0",
            "test:w/x@0.1.0",
            "test:w/x@0.2.0"
        ]
    );
    let wit_component::DecodedWasm::Component(resolve, world) =
        wit_component::decode(&bytes).unwrap()
    else {
        panic!("a component")
    };
    let api = resolve.worlds[world]
        .imports
        .keys()
        .find(|k| resolve.name_world_key(k) == "test:v/api@1.2.0")
        .map(|k| match &resolve.worlds[world].imports[k] {
            wit_parser::WorldItem::Interface { id, .. } => *id,
            _ => panic!("an interface"),
        })
        .unwrap();
    let mut functions: Vec<&str> = resolve.interfaces[api]
        .functions
        .keys()
        .map(String::as_str)
        .collect();
    functions.sort();
    assert_eq!(functions, ["[method]r.get", "make", "newer"]);
}

/// Async functions, streams, futures and `error-context` wire like any
/// other function and type: a part exporting them plugs one importing
/// them, the host gets what is left (here, an interface of async
/// functions with a stream), and the whole validates.
#[test]
fn async_functions_streams_and_futures_compose() {
    let mut resolve = wit_parser::Resolve::default();
    let pkg = resolve
        .push_str(
            "async.wit",
            "package test:pipe@0.1.0;\n\
             interface pipe {\n  record chunk { seq: u32, data: list<u8> }\n  \
             copy: async func(input: stream<u8>) -> result<u64, error-context>;\n  \
             next: func() -> future<option<chunk>>;\n}\n\
             interface source {\n  open: async func(name: string) -> stream<u8>;\n}\n\
             interface entry {\n  main: async func() -> u64;\n}\n\
             world lib {\n  import source;\n  export pipe;\n}\n\
             world app {\n  import pipe;\n  export entry;\n}\n",
        )
        .unwrap();
    let parts = [part(&resolve, pkg, "app"), part(&resolve, pkg, "lib")];
    let opts = Options {
        host: Host::Anything,
        ..Options::default()
    };
    let plan = plan(&parts, &opts).unwrap();
    let host: Vec<&str> = plan.host.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(host, ["test:pipe/source@0.1.0"]);
    let bytes = encode(&parts, &plan).unwrap();
    assert_eq!(
        witloom_testkit::top_level_imports(&bytes),
        ["test:pipe/source@0.1.0"]
    );
    // The whole, bodies and all, as a validator with every feature sees it.
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&bytes)
        .unwrap();
}
