//! Generates host bindings for every world of the IR corpus, of the
//! WASI 0.2 and 0.3 sets (plus async and `with` variants), of wasmtime's
//! `bindgen!` corpus and of witloom's async corpus into `OUT_DIR`, and a
//! module per world that `src/lib.rs` includes: building this crate is
//! the test that witloom-bindgen's output compiles. Worlds the generator
//! refuses are listed with its message, for the tests to check.

use std::fmt::Write as _;
use std::path::PathBuf;
// The formatted layout, as checked in: compiling it is the proof that the
// layout keeps the code valid (tests/format.rs shows it is the same code).
use witloom_bindgen::{Flags, Options, generate};
use witloom_ir::{LoadOptions, Loaded, load};

struct Case {
    name: String,
    wit: Loaded,
    opts: Options,
}

fn world_cases(prefix: &str, wit: &Loaded, all_packages: bool, out: &mut Vec<Case>) {
    let packages: Vec<_> = wit
        .ir
        .packages
        .iter()
        .filter(|(id, _)| all_packages || wit.ir.roots.contains(id))
        .map(|(_, p)| p.clone())
        .collect();
    for pkg in packages {
        for (world, _) in &pkg.worlds {
            let qualified = pkg.name.item(world);
            out.push(Case {
                name: format!("{prefix}{qualified}"),
                wit: wit.clone(),
                opts: Options {
                    world: Some(qualified),
                    ..Options::default()
                },
            });
        }
    }
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let corpus = manifest_dir.join("../../witloom-ir/tests/corpus");
    println!("cargo:rerun-if-changed={}", corpus.display());
    println!("cargo:rerun-if-changed=wit");

    let mut cases = Vec::new();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "wit"))
        .collect();
    inputs.sort();
    inputs.push(manifest_dir.join("wit/types"));
    inputs.push(manifest_dir.join("wit/edge"));
    for input in &inputs {
        let wit = load(input, &LoadOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", input.display()));
        world_cases("", &wit, false, &mut cases);
    }

    let edge = load(&manifest_dir.join("wit/edge"), &LoadOptions::default()).unwrap();
    cases.push(Case {
        name: "edge-imports with a trappable error".into(),
        wit: edge,
        opts: Options {
            world: Some("edge-imports".into()),
            trappable_error_types: [(
                "witloom-corpus:edge/files#error".to_string(),
                "crate::EdgeError".to_string(),
            )]
            .into_iter()
            .collect(),
            ..Options::default()
        },
    });

    let wasi = load(&witloom_testkit::wasi_wit_dir(), &LoadOptions::default()).unwrap();
    world_cases("", &wasi, true, &mut cases);
    // WASI 0.3: async functions, streams and futures throughout.
    let wasi_0_3 = load(
        &witloom_testkit::wasi_0_3_wit_dir(),
        &LoadOptions::default(),
    )
    .unwrap();
    world_cases("", &wasi_0_3, true, &mut cases);
    let command = cases
        .iter()
        .find(|c| c.name.starts_with("wasi:cli/command@"))
        .expect("WASI has wasi:cli/command")
        .opts
        .world
        .clone();
    cases.push(Case {
        name: "async wasi:cli/command".into(),
        wit: wasi.clone(),
        opts: Options {
            world: command.clone(),
            ..Options::default()
        }
        .with_defaults(Flags::parse("async").unwrap()),
    });
    // Interfaces bound by wasmtime-wasi's own bindings.
    let with = ["error", "poll", "streams"]
        .iter()
        .map(|i| {
            (
                format!("wasi:io/{i}"),
                format!("wasmtime_wasi::p2::bindings::io::{i}"),
            )
        })
        .collect();
    cases.push(Case {
        name: "wasi:cli/command with wasi:io from wasmtime-wasi".into(),
        wit: wasi,
        opts: Options {
            world: command,
            with,
            ..Options::default()
        }
        .with_defaults(Flags::parse("trappable").unwrap()),
    });

    // The corpus wasmtime tests `bindgen!` with (its component-macro
    // crate's `tests/codegen`, from cargo's registry at the locked
    // version; never committed here), under every option set its
    // `codegen.rs` uses, spelled as there. Entries the pinned wit-parser
    // cannot load are listed with its message. (`with_anyhow` is
    // `anyhow: true` with trappable imports.)
    let sets: [(&str, &str, &str); 6] = [
        ("sugar", "", ""),
        ("async", "async", "async"),
        ("concurrent", "async | store", "async | store"),
        (
            "tracing",
            "tracing | verbose_tracing",
            "tracing | verbose_tracing",
        ),
        ("imports_with_store", "store", ""),
        ("with_anyhow", "trappable", ""),
    ];
    let macro_dir = witloom_buildsupport::locked_package_dir(
        "wasmtime-internal-component-macro",
        "tests/codegen",
    );
    let codegen = macro_dir.join("tests/codegen");
    println!("cargo:rerun-if-changed={}", codegen.display());
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&codegen)
        .unwrap_or_else(|e| panic!("{}: {e}", codegen.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "wit"))
        .collect();
    entries.sort();
    // wasmtime's corpus has no component-model async; witloom's own async
    // corpus goes through the same option sets.
    let mut entries: Vec<(&str, PathBuf)> = entries
        .into_iter()
        .map(|e| ("wasmtime codegen", e))
        .collect();
    entries.push(("async corpus", manifest_dir.join("wit/concurrency")));
    let mut unloaded = Vec::new();
    for (corpus, entry) in &entries {
        let short = entry.file_name().unwrap().to_string_lossy().into_owned();
        let opts = LoadOptions {
            all_features: true,
            ..LoadOptions::default()
        };
        let wit = match load(entry, &opts) {
            Ok(wit) => wit,
            Err(e) => {
                unloaded.push((short, e.message));
                continue;
            }
        };
        let mut worlds = Vec::new();
        world_cases("", &wit, false, &mut worlds);
        for world in worlds {
            for (set, imports, exports) in sets {
                let mut opts = world.opts.clone();
                opts.imports.default = Flags::parse(imports).unwrap();
                opts.exports.default = Flags::parse(exports).unwrap();
                opts.anyhow = set == "with_anyhow";
                if set == "tracing" {
                    opts.ownership = witloom_bindgen::Ownership::Borrowing {
                        duplicate_if_necessary: true,
                    };
                }
                cases.push(Case {
                    name: format!("{corpus} {short} {} {set}", world.name),
                    wit: wit.clone(),
                    opts,
                });
            }
        }
    }

    let mut lib = String::new();
    let mut generated = Vec::new();
    let mut refused = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        match generate(&case.wit, &case.opts) {
            Ok(code) => {
                let file = out_dir.join(format!("case{i}.rs"));
                std::fs::write(&file, code).unwrap();
                writeln!(
                    lib,
                    "#[doc = {:?}]\n#[allow(dead_code, unused, clippy::all, non_camel_case_types)]\npub mod case{i} {{ include!({:?}); }}",
                    case.name,
                    file.display().to_string()
                )
                .unwrap();
                // The edge corpus's worlds by name, for tests that run them.
                if let Some(world) = case.name.strip_prefix("witloom-corpus:edge/")
                    && !world.contains(' ')
                {
                    let world = world.split('@').next().unwrap().replace('-', "_");
                    writeln!(lib, "pub use case{i} as edge_{world};").unwrap();
                }
                generated.push(case.name.clone());
            }
            Err(e) => refused.push((case.name.clone(), e.message)),
        }
    }
    writeln!(lib, "/// The worlds whose bindings are compiled here.").unwrap();
    writeln!(lib, "pub const GENERATED: &[&str] = &{generated:?};").unwrap();
    writeln!(lib, "/// Worlds the generator refused, with its message.").unwrap();
    writeln!(lib, "pub const REFUSED: &[(&str, &str)] = &{refused:?};").unwrap();
    writeln!(
        lib,
        "/// Entries of wasmtime's codegen corpus the pinned wit-parser cannot load, with its message."
    )
    .unwrap();
    writeln!(lib, "pub const UNLOADED: &[(&str, &str)] = &{unloaded:?};").unwrap();
    // The generator's golden files (`tests/golden.rs`) compile too.
    let golden_dir = manifest_dir.join("../tests/golden");
    println!("cargo:rerun-if-changed={}", golden_dir.display());
    let mut goldens: Vec<PathBuf> = std::fs::read_dir(&golden_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    goldens.sort();
    writeln!(lib, "/// The generator's golden files.").unwrap();
    writeln!(
        lib,
        "#[allow(dead_code, unused, clippy::all)]\npub mod golden {{"
    )
    .unwrap();
    for g in &goldens {
        let name = g.file_stem().unwrap().to_string_lossy().replace('-', "_");
        writeln!(
            lib,
            "pub mod {name} {{ include!({:?}); }}",
            g.display().to_string()
        )
        .unwrap();
    }
    writeln!(lib, "}}").unwrap();
    std::fs::write(out_dir.join("all.rs"), lib).unwrap();
}
