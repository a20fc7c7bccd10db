//! The whole WASI 0.2 set (cli, clocks, filesystem, http, io, random,
//! sockets) loads into the IR, and the IR holds exactly what wit-parser
//! holds. The WIT comes from the `wasmtime-wasi-http` package in cargo's
//! registry, at the version our wasmtime pin names; it is never committed.

use witloom_ir::wit_parser::{Resolve, WorldItem};
use witloom_ir::{LoadOptions, load};

fn wit_parser_counts(opts: &LoadOptions) -> (usize, usize, usize, usize, usize) {
    let mut resolve = Resolve {
        all_features: opts.all_features,
        ..Resolve::default()
    };
    resolve.push_dir(witloom_testkit::wasi_wit_dir()).unwrap();
    let world_functions = resolve
        .worlds
        .iter()
        .flat_map(|(_, w)| w.imports.values().chain(w.exports.values()))
        .filter(|item| matches!(item, WorldItem::Function(_)))
        .count();
    let functions = resolve
        .interfaces
        .iter()
        .map(|(_, i)| i.functions.len())
        .sum::<usize>()
        + world_functions;
    (
        resolve.packages.len(),
        resolve.worlds.len(),
        resolve.interfaces.len(),
        resolve.types.len(),
        functions,
    )
}

#[test]
fn wasi_set_loads_with_wit_parsers_counts() {
    for all_features in [false, true] {
        let opts = LoadOptions {
            all_features,
            ..LoadOptions::default()
        };
        let loaded =
            load(&witloom_testkit::wasi_wit_dir(), &opts).unwrap_or_else(|d| panic!("{d}"));
        let c = loaded.ir.counts();
        assert_eq!(
            (c.packages, c.worlds, c.interfaces, c.types, c.functions),
            wit_parser_counts(&opts),
            "all_features = {all_features}"
        );
        loaded.ir.check().unwrap();

        let mut names: Vec<String> = loaded
            .ir
            .packages
            .iter()
            .filter(|(_, p)| p.name.namespace == "wasi")
            .map(|(_, p)| p.name.name.clone())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "cli",
                "clocks",
                "filesystem",
                "http",
                "io",
                "random",
                "sockets"
            ]
        );
    }
}

#[test]
fn every_wasi_world_lowers_on_its_own() {
    let loaded = load(&witloom_testkit::wasi_wit_dir(), &LoadOptions::default()).unwrap();
    for (id, world) in loaded.ir.worlds.iter() {
        let ir = loaded.world_ir(id);
        ir.check()
            .unwrap_or_else(|e| panic!("{}: {e}", world.qualified_name));
        assert_eq!(ir.worlds.len(), 1);
        // The world's own imports survive the cut, in order.
        let names = |w: &witloom_ir::World| -> Vec<String> {
            w.imports
                .iter()
                .chain(&w.exports)
                .map(|i| i.name.clone())
                .collect()
        };
        assert_eq!(names(ir.worlds.iter().next().unwrap().1), names(world));
    }
    let proxy = loaded.select_world(Some("wasi:http/proxy")).unwrap();
    let ir = loaded.world_ir(proxy);
    let handler = ir
        .interfaces
        .iter()
        .find(|(_, i)| i.name.as_deref() == Some("incoming-handler"))
        .expect("proxy exports wasi:http/incoming-handler");
    assert!(handler.1.functions.contains_key("handle"));
}

/// Resources, `use` across packages and gates survive lowering: spot checks
/// on well-known WASI items.
#[test]
fn wasi_items_keep_their_shape() {
    let ir = load(&witloom_testkit::wasi_wit_dir(), &LoadOptions::default())
        .unwrap()
        .ir;
    let iface = |q: &str| {
        ir.interfaces
            .iter()
            .find(|(_, i)| i.qualified_name.starts_with(q))
            .unwrap_or_else(|| panic!("no {q}"))
            .1
    };
    let streams = iface("wasi:io/streams@0.2.");
    let input = streams.types["input-stream"];
    let witloom_ir::TypeDefKind::Resource { methods, .. } = &ir[input].kind else {
        panic!("input-stream is a resource")
    };
    assert!(methods.contains(&"[method]input-stream.read".to_string()));
    assert!(
        !streams.gate.is_none(),
        "WASI 0.2.x interfaces are gated with @since"
    );

    // `use wasi:io/streams.{input-stream}` in wasi:http/types.
    let types = iface("wasi:http/types@0.2.");
    let from_io = types
        .uses
        .iter()
        .find(|u| ir[u.from].qualified_name.starts_with("wasi:io/streams@"))
        .expect("wasi:http/types uses wasi:io/streams");
    assert!(
        from_io
            .names
            .iter()
            .any(|n| n.name == "input-stream" && n.target == input)
    );
}

/// `load` reads a directory once and parses its packages on two threads;
/// what it hands on must be exactly what wit-parser's `push_dir` makes of
/// the same directory: the same items under the same ids, the same spans.
/// The layout mixes both forms of `deps/`: folders and single files.
#[test]
fn a_directory_loads_into_the_same_resolve_as_push_dir() {
    let dir = witloom_testkit::scratch_dir("ir-same-resolve/wit");
    let wasi = witloom_testkit::wasi_wit_dir().join("deps");
    for entry in std::fs::read_dir(&wasi).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap();
        // Half the packages as folders, half as files.
        let target = if name < "h" {
            let folder = dir.join("deps").join(name.trim_end_matches(".wit"));
            std::fs::create_dir_all(&folder).unwrap();
            folder.join("package.wit")
        } else {
            std::fs::create_dir_all(dir.join("deps")).unwrap();
            dir.join("deps").join(name)
        };
        std::fs::copy(&path, target).unwrap();
    }
    std::fs::write(
        dir.join("deps/extra.wit"),
        "package test:extra;\ninterface greet {\n  use wasi:io/streams@0.2.12.{output-stream};\n  hello: func(out: borrow<output-stream>) -> string;\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("app.wit"),
        "package test:app;\nworld app {\n  import test:extra/greet;\n  include wasi:http/proxy@0.2.12;\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("types.wit"),
        "package test:app;\ninterface t {\n  type x = u32;\n}\n",
    )
    .unwrap();
    for all_features in [false, true] {
        let opts = LoadOptions {
            all_features,
            ..LoadOptions::default()
        };
        let loaded = load(&dir, &opts).unwrap_or_else(|d| panic!("{d}"));
        let mut expected = Resolve {
            all_features,
            ..Resolve::default()
        };
        let (pkg, _) = expected.push_dir(&dir).unwrap();
        assert_eq!(loaded.roots.len(), 1);
        assert_eq!(loaded.roots[0].index(), pkg.index());
        // Everything but the arenas' own ids, which differ per arena.
        let shape = |r: &Resolve| -> Vec<String> {
            format!(
                "{:#?}\n{:#?}\n{:#?}\n{:#?}",
                r.packages, r.worlds, r.interfaces, r.types
            )
            .lines()
            .filter(|line| !line.trim_start().starts_with("arena_id:"))
            .map(str::to_string)
            .collect()
        };
        let (ours, theirs) = (shape(&loaded.resolve), shape(&expected));
        if let Some(i) = (0..ours.len().max(theirs.len())).find(|&i| ours.get(i) != theirs.get(i)) {
            panic!(
                "the resolves differ from line {i}:\n  load:     {:?}\n  push_dir: {:?}",
                ours.get(i),
                theirs.get(i)
            );
        }
        // Every span points at the same file, line and column in both.
        for (_, ty) in expected.types.iter() {
            assert_eq!(
                loaded.resolve.render_location(ty.span),
                expected.render_location(ty.span)
            );
        }
    }
}

/// `Ir::async_use` names the first async feature a world reaches, however
/// deep (a stream in a record field, an error-context in a result), and
/// nothing for a world without one; what another world uses does not count.
#[test]
fn async_use_is_found_where_a_world_reaches_it() {
    let dir = witloom_testkit::scratch_dir("ir-async-use");
    let file = dir.join("a.wit");
    std::fs::write(
        &file,
        "package test:a;\n\
         interface plain { f: func(x: u32) -> string; }\n\
         interface deep { record r { body: stream<u8> } get: func() -> r; }\n\
         interface errs { try: func() -> result<u32, error-context>; }\n\
         interface calls { go: async func(); }\n\
         world sync { import plain; }\n\
         world streams { import plain; import deep; }\n\
         world errors { export errs; }\n\
         world asyncs { export calls; }\n",
    )
    .unwrap();
    let loaded = load(&file, &LoadOptions::default()).unwrap_or_else(|d| panic!("{d}"));
    let found = |world: &str| {
        let id = loaded.select_world(Some(world)).unwrap();
        loaded.world_ir(id).async_use()
    };
    assert_eq!(found("sync"), None);
    assert_eq!(found("streams").as_deref(), Some("`stream<u8>`"));
    assert_eq!(found("errors").as_deref(), Some("`error-context`"));
    assert_eq!(
        found("asyncs").as_deref(),
        Some("async func `go` (`test:a/calls#go`)")
    );
}
