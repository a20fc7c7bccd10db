//! Runs the `witloom` binary as a user would and checks exit codes, stdout
//! and stderr.

use crate::common::{scratch, text, witloom};
use std::path::Path;

fn corpus(name: &str) -> String {
    let path = Path::new("../witloom-ir/tests/corpus").join(name);
    assert!(path.exists(), "{}", path.display());
    path.to_str().unwrap().to_string()
}

#[test]
fn check_valid_wit_prints_a_summary() {
    let out = witloom(&["wit", "check", &corpus("fraction.wit")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "{}: 1 package, 1 world, 1 interface, 1 type, 2 functions\n",
            corpus("fraction.wit")
        )
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn check_a_package_directory_with_deps() {
    let out = witloom(&["wit", "check", &corpus("multi")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("4 packages, 1 world, 5 interfaces"));
}

#[test]
fn check_invalid_wit_shows_a_located_diagnostic() {
    let dir = scratch("invalid");
    let file = dir.join("bad.wit");
    std::fs::write(
        &file,
        "package a:b;\n\ninterface greet {\n    greet: func(name: strng) -> string;\n}\n",
    )
    .unwrap();
    let out = witloom(&["wit", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: name `strng` does not exist\n"),
        "{err}"
    );
    assert!(err.contains(&format!("{}:4:23", file.display())), "{err}");
    assert!(err.contains("^^^^^"), "{err}");
    assert!(err.contains("help: did you mean `string`?"), "{err}");
}

#[test]
fn missing_path_is_an_error() {
    let out = witloom(&["wit", "check", "does/not/exist.wit"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot read `does/not/exist.wit`: no such file or directory"),
        "{err}"
    );
}

#[test]
fn directory_without_wit_is_an_error() {
    let dir = scratch("empty");
    std::fs::create_dir_all(dir.join("wit")).unwrap();
    let out = witloom(&["wit", "check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no WIT files in"), "{err}");
    assert!(err.contains("did you mean that folder?"), "{err}");
}

#[test]
fn core_module_is_not_a_component() {
    let dir = scratch("core");
    let file = dir.join("module.wasm");
    // The smallest valid core module: magic and version 1.
    std::fs::write(&file, b"\0asm\x01\0\0\0").unwrap();
    let out = witloom(&["wit", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("is a core WebAssembly module, not a component"),
        "{err}"
    );
}

#[test]
fn binaries_are_validated_before_they_are_decoded_and_the_input_is_blamed() {
    let dir = scratch("hostile-binaries");
    // 14 bytes that claim a 4 GiB module section: refused from the bytes
    // there are, not after allocating what the header claims.
    let big = dir.join("claims-4gib.wasm");
    std::fs::write(&big, b"\0asm\x0d\x00\x01\x00\x01\xff\xff\xff\xff\x0f").unwrap();
    // Well-formed, but its core code does not type-check.
    let invalid = dir.join("invalid-code.wasm");
    let wat = "(component (core module (func (result i32))))";
    std::fs::write(&invalid, wat::parse_str(wat).unwrap()).unwrap();
    for file in [&big, &invalid] {
        let f = file.to_str().unwrap();
        for args in [
            vec!["wit", "check", f],
            vec!["compose", f, "--plug", f, "-o", "/dev/null"],
        ] {
            let out = crate::common::witloom_within(&args, 20);
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
            assert!(err.contains("is not a valid component"), "{args:?}: {err}");
            assert!(!err.contains("bug in witloom"), "{args:?}: {err}");
        }
    }
}

#[test]
fn inputs_that_are_not_files_are_refused_at_once() {
    let dir = scratch("not-files");
    let fifo = dir.join("pipe.wit");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let zero = dir.join("zero.wasm");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let folder = dir.join("folder.wasm");
    std::fs::create_dir(&folder).unwrap();
    // A FIFO inside a WIT package directory: wit-parser would block on it.
    let pkg = dir.join("pkg");
    std::fs::create_dir(&pkg).unwrap();
    std::fs::write(pkg.join("a.wit"), "package a:b;\ninterface i {}\n").unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(pkg.join("b.wit"))
            .status()
            .unwrap()
            .success()
    );
    for (path, says) in [
        (&fifo, "it is a FIFO (named pipe), not a file"),
        (&zero, "it is a device, not a file"),
        (&pkg, "it is a FIFO (named pipe), not a file"),
    ] {
        let p = path.to_str().unwrap();
        for args in [
            vec!["wit", "check", p],
            vec!["run", p],
            vec!["compose", p, "--plug", p],
        ] {
            if args[0] != "wit" && path == &pkg {
                continue;
            }
            let out = crate::common::witloom_within(&args, 20);
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
            assert!(err.contains(says), "{args:?}: {err}");
        }
    }
    let out = crate::common::witloom_within(&["run", folder.to_str().unwrap()], 20);
    assert!(
        text(&out.stderr).contains("it is a directory, not a file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn run_flags_out_of_range_are_usage_errors() {
    for (args, says) in [
        (vec!["--max-wasm-stack", "0"], "outside the 4KiB..4MiB"),
        (vec!["--max-wasm-stack", "1GiB"], "outside the 4KiB..4MiB"),
        (vec!["--dir", "/tmp::.."], "climbs with `..`"),
        (vec!["--dir", "/tmp::/data/../x"], "climbs with `..`"),
        (vec!["--dir", "/tmp::"], "names no guest path"),
        (vec!["--dir", "::/x"], "names no host directory"),
        (vec!["--env", "=V"], "has no name before `=`"),
        (vec!["--invoke", "f()", "--", "arg"], "cannot be used with"),
        (
            vec!["--profile", "p", "--profile-interval", "0ms"],
            "must be longer than 0",
        ),
        (vec!["--profile-interval", "1ms"], "--profile"),
    ] {
        let mut all = vec!["run", "x.wasm"];
        all.extend(args.iter().copied());
        let out = witloom(&all);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {err}");
        assert!(err.contains(says), "{all:?}: {err}");
    }
    for args in [
        ["--max-concurrent-requests", "0"],
        ["--db-connections", "0"],
    ] {
        let out = witloom(&["serve", "x.wasm", args[0], args[1]]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains("must be at least 1"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn garbage_binary_is_an_error() {
    let dir = scratch("garbage");
    let file = dir.join("junk.wasm");
    std::fs::write(
        &file,
        [0u8, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0, 0xff, 0xff, 0xff],
    )
    .unwrap();
    let out = witloom(&["wit", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not a valid component"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn ir_prints_json() {
    let out = witloom(&["wit", "ir", &corpus("fraction.wit")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("\"qualified_name\": \"corpus:fraction/fractions#fraction\""));
    // Deterministic: the same bytes twice.
    assert_eq!(
        out.stdout,
        witloom(&["wit", "ir", &corpus("fraction.wit")]).stdout
    );
}

#[test]
fn ir_for_one_world() {
    let out = witloom(&["wit", "ir", &corpus("multi"), "--world", "service"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("corpus:app/service@2.0.0"));
    assert!(
        !stdout.contains("corpus:nested"),
        "unreachable package left in"
    );
}

#[test]
fn unknown_world_is_an_error_listing_worlds() {
    let out = witloom(&["wit", "ir", &corpus("worlds.wit"), "--world", "ap"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("no world named `ap`"), "{err}");
    assert!(err.contains("did you mean `app`?"), "{err}");
    assert!(err.contains("corpus:worlds/base"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["wit"][..],
        &["wit", "frobnicate"],
        &["wit", "check"],
        &["nope"],
    ] {
        let out = witloom(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains("Usage:"), "{args:?}");
    }
}

#[test]
fn help_and_version() {
    let out = witloom(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("wit"));
    // The runtime's versions: tests/wit_deps.rs.
    let out = witloom(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).starts_with(&format!(
            "witloom {}\nruntime: wasmtime ",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        text(&out.stdout)
    );
}

/// `witloom bindgen` writes what `cargo xtask bindgen` checks in, given the
/// same options on the command line.
#[test]
fn bindgen_writes_the_checked_in_bindings() {
    let dir = scratch("bindgen");
    let out_file = dir.join("db.rs");
    let out = witloom(&[
        "bindgen",
        "../../wit",
        "--world",
        "db",
        "--trappable-imports",
        "--trappable-error-type",
        "witloom:host/sql#error=crate::SqlError",
        "-o",
        out_file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    let written = std::fs::read_to_string(&out_file).unwrap();
    let golden =
        std::fs::read_to_string("../witloom-bindgen/tests/golden/db-trappable.rs").unwrap();
    assert_eq!(written, golden);

    // Without `-o`, to stdout; `--with` takes a whole interface from Rust.
    let out = witloom(&[
        "bindgen",
        "../../wit",
        "--world",
        "db",
        "--with",
        "witloom:host/log=crate::my_log",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let code = text(&out.stdout);
    assert!(code.starts_with("// Generated by witloom"), "{code}");
    assert!(code.contains("pub mod sql"), "{code}");
    assert!(
        !code.contains("pub mod log"),
        "log comes from crate::my_log: {code}"
    );
}

/// `bindgen!`'s options, from a TOML or JSON file or from flags, give the
/// same bindings; a rule that names nothing, or a flag that does not
/// exist, is an error pointing at it.
#[test]
fn bindgen_takes_the_macros_options_from_a_file_or_flags() {
    let dir = scratch("bindgen-options");
    let golden =
        std::fs::read_to_string("../witloom-bindgen/tests/golden/edge-named-imports-store.rs")
            .unwrap();
    let edge = "../witloom-bindgen/corpus/wit/edge";
    let toml = dir.join("opts.toml");
    std::fs::write(
        &toml,
        "world = \"named-imports\"\n[imports]\ndefault = \"store\"\n[exports]\ndefault = \"store\"\n",
    )
    .unwrap();
    let json = dir.join("opts.json");
    std::fs::write(
        &json,
        r#"{"imports": {"default": "store"}, "exports": {"default": "store"}}"#,
    )
    .unwrap();
    for args in [
        vec!["bindgen", edge, "--options", toml.to_str().unwrap()],
        vec![
            "bindgen",
            edge,
            "--world",
            "named-imports",
            "--options",
            json.to_str().unwrap(),
        ],
        vec!["bindgen", edge, "--world", "named-imports", "--store"],
    ] {
        let out = witloom(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), golden, "{args:?}");
    }

    // A per-function rule changes that function only.
    let out = witloom(&[
        "bindgen",
        edge,
        "--world",
        "named-imports",
        "--import",
        "witloom-corpus:edge/kv.get=async",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let code = text(&out.stdout);
    assert_eq!(code.matches("func_wrap_async(").count(), 1, "{code}");
    assert!(
        code.contains("func_wrap_async(\n                    \"get\""),
        "{code}"
    );

    // An interface written inline in a world is named by its item name,
    // as in `bindgen!`, and linked under it.
    let out = witloom(&[
        "bindgen",
        "../witloom-ir/tests/corpus/worlds.wit",
        "--world",
        "app",
        "--import",
        "clock.now=async",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let code = text(&out.stdout);
    assert_eq!(code.matches("func_wrap_async(").count(), 1, "{code}");
    assert!(code.contains("linker.instance(\"clock\")"), "{code}");

    let out = witloom(&[
        "bindgen",
        edge,
        "--world",
        "named-imports",
        "--import",
        "witloom-corpus:edge/kv.nope=async",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("the `imports` rule `witloom-corpus:edge/kv.nope` names no import function of world `named-imports`"),
        "{err}"
    );

    std::fs::write(
        &toml,
        "[imports]\n\"witloom-corpus:edge/kv\" = \"async | quick\"\n",
    )
    .unwrap();
    let out = witloom(&[
        "bindgen",
        edge,
        "--world",
        "named-imports",
        "--options",
        toml.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("`quick` is not a function flag"), "{err}");
    assert!(err.contains("opts.toml:2:1"), "{err}");
}

#[test]
fn bindgen_errors_name_the_item() {
    // A world the generator cannot write names what stops it.
    let dir = scratch("bindgen-unsupported");
    let wit = dir.join("map.wit");
    std::fs::write(
        &wit,
        "package a:b;\ninterface feed {\n    next: func() -> map<string, u32>;\n}\nworld w {\n    import feed;\n}\n",
    )
    .unwrap();
    let out = witloom(&["bindgen", wit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("does not generate `map` types"), "{err}");
    assert!(err.contains("a:b/feed") || err.contains("next"), "{err}");
    assert!(out.stdout.is_empty());

    // Component-model async is generated, as `bindgen!` 48 does it.
    let wit = dir.join("stream.wit");
    std::fs::write(
        &wit,
        "package a:b;\ninterface feed {\n    next: async func() -> stream<u8>;\n    oops: func() -> error-context;\n}\nworld w {\n    import feed;\n    export feed;\n}\n",
    )
    .unwrap();
    let out = witloom(&["bindgen", wit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let code = text(&out.stdout);
    for expected in [
        "func_wrap_concurrent(",
        "accessor: &wasmtime::component::Accessor<T, Self>",
        "wasmtime::component::StreamReader<u8>",
        "wasmtime::component::ErrorContext",
        "call_concurrent(",
    ] {
        assert!(code.contains(expected), "no `{expected}` in:\n{code}");
    }

    // One interface imported under two names is linked under each (found
    // by `cargo xtask fuzz`); exported under two names, it is a named
    // limitation.
    let wit = dir.join("two-names.wit");
    std::fs::write(
        &wit,
        "package a:b;\ninterface store {\n    get: func() -> u32;\n}\nworld w {\n    import store;\n    import cache: store;\n}\n",
    )
    .unwrap();
    let out = witloom(&["bindgen", wit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let code = text(&out.stdout);
    assert_eq!(code.matches("pub mod store").count(), 1, "{code}");
    assert!(code.contains("linker.instance(\"cache\")"), "{code}");
    std::fs::write(
        &wit,
        "package a:b;\ninterface store {\n    get: func() -> u32;\n}\nworld w {\n    export store;\n    export cache: store;\n}\n",
    )
    .unwrap();
    let out = witloom(&["bindgen", wit.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("one interface exported under two names (`a:b/store` and `cache`)"),
        "{err}"
    );
    assert!(err.contains("leave it out of the world"), "{err}");

    // A resource declared in a world is a host trait at the root, as
    // `bindgen!` makes it.
    let wit = dir.join("world-resource.wit");
    std::fs::write(
        &wit,
        "package a:b;\nworld w {\n    resource r {\n        constructor();\n        m: func() -> u32;\n    }\n    import f: func() -> r;\n}\n",
    )
    .unwrap();
    let out = witloom(&["bindgen", wit.to_str().unwrap()]);
    let code = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(code.contains("pub trait HostR"), "{code}");
    assert!(code.contains("pub trait WImports: HostR"), "{code}");

    // An unknown world lists the ones there are.
    let out = witloom(&["bindgen", "../../wit", "--world", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("nope") && err.contains("db"), "{err}");

    // `--with` needs WIT=PATH: a usage error.
    let out = witloom(&["bindgen", "../../wit", "--with", "witloom:host/log"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--with"));
}

#[test]
fn doc_writes_markdown_for_wit_and_for_an_app() {
    let dir = scratch("doc");
    let out = witloom(&[
        "doc",
        &corpus("fraction.wit"),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let index = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        index.contains("[`corpus:fraction`](corpus-fraction.md)"),
        "{index}"
    );
    let page = std::fs::read_to_string(dir.join("corpus-fraction.md")).unwrap();
    assert!(page.contains("## World `calculator`"), "{page}");
    assert!(page.contains("#### record `fraction`"), "{page}");

    // An application: its page has the wiring as Mermaid, and links into
    // the package pages next to it. Its WASI deps are linked from cargo's
    // registry, as `cargo xtask demo` does, since this test may run first.
    witloom_testkit::link_wasi_deps(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/wordstats"),
    );
    let app = scratch("doc-app");
    let out = witloom(&[
        "doc",
        "../../examples/wordstats/witloom.toml",
        "--out",
        app.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let page = std::fs::read_to_string(app.join("README.md")).unwrap();
    assert!(page.contains("# Application `wordstats`"), "{page}");
    assert!(page.contains("```mermaid\nflowchart LR"), "{page}");
    assert!(
        page.contains("| `kernel` | C | [`kernel`](witloom-examples-wordstats.md#world:kernel) |"),
        "{page}"
    );
    assert!(
        page.contains("[`witloom:host/sql@0.1.0`](witloom-host.md#sql) (imported by `flow`)"),
        "{page}"
    );
    assert!(app.join("witloom-host.md").is_file());
}

#[test]
fn doc_of_bad_wit_is_the_located_diagnostic() {
    let dir = scratch("doc-bad");
    let file = dir.join("bad.wit");
    std::fs::write(
        &file,
        "package a:b;\ninterface i {\n    f: func(x: strng);\n}\n",
    )
    .unwrap();
    for format in ["md", "html", "both"] {
        let out = witloom(&[
            "doc",
            file.to_str().unwrap(),
            "--out",
            dir.join("out").to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(err.contains("strng") && err.contains("bad.wit:3:"), "{err}");
        assert!(!dir.join("out").exists(), "nothing written for bad input");
    }
    // An unknown format is a usage error naming the ones there are.
    let out = witloom(&[
        "doc",
        file.to_str().unwrap(),
        "--out",
        "x",
        "--format",
        "pdf",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("html"), "{}", text(&out.stderr));
}

#[test]
fn doc_writes_an_html_site_for_wit_and_for_an_app() {
    let dir = scratch("doc-html");
    let out = witloom(&[
        "doc",
        &corpus("fraction.wit"),
        "--out",
        dir.to_str().unwrap(),
        "--format",
        "html",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for file in [
        "index.html",
        "corpus-fraction.html",
        "corpus-fraction/fractions.html",
        "assets/search-index.js",
        "assets/search.js",
        "assets/style.css",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    assert!(!dir.join("README.md").exists(), "html only");

    // Both formats side by side; the app page draws the wiring as SVG.
    witloom_testkit::link_wasi_deps(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/wordstats"),
    );
    let app = scratch("doc-html-app");
    let out = witloom(&[
        "doc",
        "../../examples/wordstats/witloom.toml",
        "--out",
        app.to_str().unwrap(),
        "--format",
        "both",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(app.join("README.md").is_file());
    let index = std::fs::read_to_string(app.join("index.html")).unwrap();
    assert!(index.contains("<svg class=\"graph\""), "{index}");
    assert!(
        index.contains("Application <code>wordstats</code>"),
        "{index}"
    );
}

/// `with` cannot map an interface a world both imports and exports.
#[test]
fn bindgen_with_on_both_sides_is_refused() {
    let out = witloom(&[
        "bindgen",
        "../witloom-bindgen/corpus/wit/edge",
        "--world",
        "middleware",
        "--with",
        "witloom-corpus:edge/a=crate::ext_a",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("both imports and exports"), "{err}");
    assert!(err.contains("witloom-corpus:edge/a@0.1.0"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn an_app_with_no_components_is_an_error_not_a_panic() {
    let dir = scratch("no-components");
    std::fs::create_dir_all(dir.join("wit")).unwrap();
    std::fs::write(dir.join("wit/app.wit"), "package a:b;\n\nworld w {}\n").unwrap();
    let manifest = dir.join("witloom.toml");
    std::fs::write(&manifest, "[app]\nname = \"empty\"\n").unwrap();
    let m = manifest.to_str().unwrap();
    let doc = dir.join("doc");
    for args in [
        &["compose", "--manifest", m, "--check"][..],
        &["compose", "--manifest", m],
        &["compose", "--manifest", m, "--graph", "dot"],
        &["doc", m, "--out", doc.to_str().unwrap()],
    ] {
        let out = witloom(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: `{m}` has no components\n")),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("witloom new NAME"), "{args:?}: {stderr}");
    }
    assert!(!dir.join("target").exists(), "nothing is written");
    assert!(!doc.exists(), "nothing is written");
}

#[test]
fn an_app_name_that_is_a_path_is_refused_and_nothing_is_written() {
    let dir = scratch("app-name-path");
    for (name, col) in [("../../escaped", 8), ("/tmp/witloom-escaped", 8), ("", 8)] {
        let app = dir.join("app");
        let _ = std::fs::remove_dir_all(&app);
        std::fs::create_dir_all(&app).unwrap();
        let manifest = app.join("witloom.toml");
        std::fs::write(&manifest, format!("[app]\nname = {name:?}\n")).unwrap();
        let m = manifest.to_str().unwrap();
        let out = witloom(&["compose", "--manifest", m]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name:?}: {stderr}");
        let message = if name.is_empty() {
            "error: the app name is empty".to_string()
        } else {
            format!("error: bad app name `{name}`")
        };
        assert!(stderr.starts_with(&message), "{name:?}: {stderr}");
        assert!(
            stderr.contains(&format!("--> {m}:2:{col}")),
            "{name:?}: {stderr}"
        );
        assert_eq!(
            std::fs::read_dir(&app).unwrap().count(),
            1,
            "{name:?}: only the manifest is there"
        );
    }
    assert!(!dir.join("escaped.wasm").exists());
    assert!(!Path::new("/tmp/witloom-escaped.wasm").exists());
}

#[test]
fn printing_into_a_closed_pipe_stops_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let ir = corpus("fraction.wit");
    let cases: [&[&str]; 6] = [
        &["wit", "ir", &ir],
        &["wit", "check", &ir],
        &["bindgen", "../../wit", "--world", "db"],
        &["--help"],
        &["--version"],
        &["doctor"],
    ];
    for args in cases {
        // The reader is gone before witloom writes its first byte, as
        // after `| head -1` has read its line.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = crate::common::command()
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let said = text(&out.stderr);
        assert!(!said.contains("panicked"), "{args:?}: {said}");
        // Stopped by SIGPIPE, as `cat` would be (a shell shows 141); or
        // done before it wrote, for a command that says nothing more.
        assert!(
            out.status.signal() == Some(libc::SIGPIPE) || out.status.code() == Some(0),
            "{args:?}: {:?} {said}",
            out.status
        );
    }
}
