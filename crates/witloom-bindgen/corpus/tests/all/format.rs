//! The formatted layout (`witloom_bindgen::generate`, what is checked in)
//! is written directly, without a parser: here it is checked to be the
//! same Rust as the unformatted output, token for token (syn parses both;
//! the layout may add a trailing comma before a closing bracket and wrap
//! doc comments, nothing else), and to keep within 100 columns but where
//! a string literal leaves no choice, for every world of the IR corpus,
//! the WASI set, wasmtime's `bindgen!` corpus, the edge cases and the
//! async corpus, under
//! the option sets that change the code most. (The corpus crate compiles
//! the formatted output of all of them.)

use quote::ToTokens;
use std::path::PathBuf;
use witloom_bindgen::{Flags, Options, Ownership};
use witloom_ir::{LoadOptions, load};

fn inputs() -> Vec<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![
        witloom_testkit::wasi_wit_dir(),
        manifest.join("wit/edge"),
        manifest.join("wit/types"),
        manifest.join("wit/concurrency"),
    ];
    for dir in [
        manifest.join("../../witloom-ir/tests/corpus"),
        witloom_buildsupport::locked_package_dir(
            "wasmtime-internal-component-macro",
            "tests/codegen",
        )
        .join("tests/codegen"),
    ] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "wit"))
            .collect();
        entries.sort();
        dirs.extend(entries);
    }
    dirs
}

/// The tokens of `src`, with trailing commas before closing brackets
/// dropped, and the words of its docs apart (wrapping moves them between
/// doc attributes).
fn tokens(src: &str) -> (String, Vec<String>) {
    let text = syn::parse_file(src)
        .unwrap_or_else(|e| panic!("{e}"))
        .to_token_stream()
        .to_string();
    let mut code = String::with_capacity(text.len());
    let mut docs = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("# [doc = \"") {
        code.push_str(&rest[..i]);
        let after = &rest[i + "# [doc = \"".len()..];
        let mut end = 0;
        let bytes = after.as_bytes();
        while end < bytes.len() && bytes[end] != b'"' {
            end += if bytes[end] == b'\\' { 2 } else { 1 };
        }
        docs.extend(after[..end].split_whitespace().map(str::to_string));
        rest = after[end..].trim_start_matches('"').trim_start();
        rest = rest.strip_prefix(']').unwrap_or(rest);
    }
    code.push_str(rest);
    let code: String = code.split_whitespace().collect();
    let code = code
        .replace(",)", ")")
        .replace(",]", "]")
        .replace(",}", "}")
        .replace(",>", ">")
        // A `where` clause's last predicate, before the body.
        .replace(",{", "{");
    (code, docs)
}

#[test]
fn the_formatted_layout_is_the_same_rust_within_100_columns() {
    let sets = [
        Options::default(),
        Options::default().with_defaults(Flags::parse("async | store | tracing").unwrap()),
        Options {
            ownership: Ownership::Borrowing {
                duplicate_if_necessary: true,
            },
            ..Options::default().with_defaults(Flags::parse("trappable").unwrap())
        },
    ];
    let mut worlds = 0;
    let mut long = Vec::new();
    for input in inputs() {
        let opts = LoadOptions {
            all_features: true,
            ..LoadOptions::default()
        };
        let Ok(wit) = load(&input, &opts) else {
            continue;
        };
        for (id, pkg) in wit.ir.packages.iter() {
            let all = input.ends_with("wit") || wit.ir.roots.contains(&id);
            if !all {
                continue;
            }
            for world in pkg.worlds.keys() {
                for set in &sets {
                    let opts = Options {
                        world: Some(pkg.name.item(world)),
                        ..set.clone()
                    };
                    // Refused worlds (unsupported kinds) have nothing to lay out.
                    let Ok(raw) = witloom_bindgen::generate_unformatted(&wit, &opts) else {
                        continue;
                    };
                    let formatted = witloom_bindgen::generate(&wit, &opts).unwrap();
                    let (ours, theirs) = (tokens(&formatted), tokens(&raw));
                    if ours != theirs {
                        let at = ours
                            .0
                            .bytes()
                            .zip(theirs.0.bytes())
                            .position(|(a, b)| a != b)
                            .unwrap_or(ours.0.len().min(theirs.0.len()));
                        let near = |t: &str| {
                            let from = t.floor_char_boundary(at.saturating_sub(200));
                            let to = t.ceil_char_boundary((at + 200).min(t.len()));
                            t[from..to].to_string()
                        };
                        panic!(
                            "{} {world}: the layout changed the code\nformatted: …{}…\nraw:       …{}…\ndocs equal: {}",
                            input.display(),
                            near(&ours.0),
                            near(&theirs.0),
                            ours.1 == theirs.1
                        );
                    }
                    for line in formatted.lines() {
                        if line.chars().count() > 100 && !line.contains('"') {
                            long.push(format!("{} {world}: {line}", input.display()));
                        }
                    }
                    worlds += 1;
                }
            }
        }
    }
    assert!(worlds > 100, "{worlds}");
    assert!(
        long.is_empty(),
        "lines over 100 columns:\n{}",
        long.join("\n")
    );
}
