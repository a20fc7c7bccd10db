//! Class `wit`: damaged WIT text to `witloom wit check`.
//!
//! The corpus is a few valid packages written here (interfaces, worlds,
//! resources, records, variants, enums, flags, `use`, `include`,
//! `@since`/`@unstable` gates, versions; one that uses a package from
//! `deps/`) and the repository's own `wit/*.wit`, read at run time. Each
//! case takes one and applies one to four edits: byte flips, inserts,
//! deletes, truncation, token edits (delete, duplicate, swap, a keyword for
//! an identifier, other punctuation), control characters, bidi controls and
//! other non-ASCII, invalid UTF-8. One case in eight is checked as a
//! package directory with a `deps/`, the rest as a single file.
//!
//! Every run also checks the fixed extremes of [`extremes`] (a 100 KB
//! identifier, 2,000-deep nesting, 20,000 functions, 5 MB of whitespace and
//! comments, a 1 MB line). Those get [`EXTREME_TIMEOUT`] rather than the
//! configured one: the debug binary takes seconds over megabytes of WIT,
//! which is not a hang; more than a minute is.
//!
//! Counted: panics, hangs, crashes, odd exits; `unlocated` for every
//! failure (exit 1) without a ` --> file:line:col` line, since every
//! input here is text in one file whose every error has a place (invalid
//! UTF-8 too: the offending byte's); `unsafe_output` for raw control or
//! bidi characters in stderr.

use crate::{Config, Counts, Rng, mutate};
use std::path::Path;
use std::time::Duration;

/// How long one extreme case may take before it counts as a hang.
pub const EXTREME_TIMEOUT: Duration = Duration::from_secs(60);

const SEED_TYPES: &str = r#"package fuzz:types@1.2.3;

/// Shapes and the things they hold.
@since(version = 1.0.0)
interface shapes {
    record point { x: s32, y: s32 }
    variant shape { circle(f64), rect(tuple<point, point>), empty }
    enum color { red, green, blue }
    flags perms { read, write, exec }
    type points = list<point>;

    /// The area, if it has one.
    area: func(s: shape) -> option<f64>;
    paint: func(s: shape, c: color) -> result<_, string>;
    @unstable(feature = fancy)
    blend: func(a: color, b: color, weight: f32) -> color;
}

@since(version = 1.1.0)
interface store {
    use shapes.{shape, perms};

    resource bucket {
        constructor(name: string);
        put: func(key: string, s: shape) -> result<u64, error>;
        get: func(key: string) -> option<shape>;
        %list: static func() -> list<string>;
        perms: func() -> perms;
    }
    enum error { missing, denied, full }
    open: func(name: borrow<bucket>) -> own<bucket>;
}

world drawing {
    import shapes;
    export store;
    export run: func(args: list<string>) -> s32;
}

world bigger {
    include drawing;
    import log: func(msg: string);
    @unstable(feature = fancy)
    export fancy: interface {
        twirl: func(n: u8) -> tuple<u8, u16, u32, u64, s8, s16, s64, char, bool>;
    }
}
"#;

const SEED_ASYNC: &str = r#"package fuzz:streams;

interface io {
    resource reader {
        read: func(n: u32) -> result<list<u8>, error-code>;
        close: func();
    }
    enum error-code { closed, again }
    pipe: func() -> tuple<reader, reader>;
    pump: async func(r: reader) -> future<u32>;
    chunks: func() -> stream<list<u8>>;
}

interface nested {
    use io.{reader};
    type deep = option<result<list<option<tuple<u8, string>>>, list<list<string>>>>;
    variant tree { leaf(u32), node(list<u32>), nothing }
    take: func(r: reader, d: deep) -> tree;
}

world pipes {
    import io;
    export nested;
}
"#;

const SEED_DEPS_MAIN: &str = r#"package fuzz:app@0.1.0;

interface api {
    use fuzz:dep/types@0.2.0.{thing, kind};
    make: func(k: kind) -> thing;
}

world app {
    import fuzz:dep/types@0.2.0;
    export api;
}
"#;

/// The package `deps/` holds for [`SEED_DEPS_MAIN`], kept valid.
const SEED_DEPS_DEP: &str = r#"package fuzz:dep@0.2.0;

interface types {
    record thing { id: u64, name: string, tags: list<string> }
    enum kind { small, large }
}
"#;

/// Words a mutation puts where an identifier was: WIT's keywords, names
/// that exist elsewhere in the corpus, and names WIT does not allow.
const WORDS: &[&str] = &[
    "package",
    "interface",
    "world",
    "use",
    "type",
    "func",
    "record",
    "variant",
    "enum",
    "flags",
    "resource",
    "constructor",
    "static",
    "import",
    "export",
    "include",
    "with",
    "as",
    "from",
    "borrow",
    "own",
    "list",
    "option",
    "result",
    "tuple",
    "string",
    "char",
    "bool",
    "u8",
    "u32",
    "s64",
    "f64",
    "future",
    "stream",
    "async",
    "_",
    "shapes",
    "point",
    "fuzz:dep/types",
    "%interface",
    "Upper",
    "a--b",
    "-x",
    "1abc",
    "@since",
    "@unstable",
    "@deprecated",
    "version",
    "feature",
    "1.0.0",
    "0.0.0-pre+build",
    "99999999999999999999.0.0",
];

const PUNCT: &[u8] = b"{}()<>[];:,.=@/#-*\"'";

/// The corpus: each text with a name.
fn corpus() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = [
        ("types", SEED_TYPES),
        ("async", SEED_ASYNC),
        ("deps-main", SEED_DEPS_MAIN),
        ("deps-dep", SEED_DEPS_DEP),
    ]
    .into_iter()
    .map(|(n, t)| (n.to_string(), t.to_string()))
    .collect();
    // The repository's own WIT: what witloom itself ships.
    let dir = crate::workspace_root().join("wit");
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "wit"))
            .collect();
        files.sort();
        for path in files {
            if let Ok(text) = std::fs::read_to_string(&path) {
                let name = path.file_stem().unwrap_or_default().to_string_lossy();
                out.push((format!("repo-{name}"), text));
            }
        }
    }
    out
}

/// The fixed extremes, each a name and the bytes of one `.wit` file.
pub fn extremes() -> Vec<(&'static str, Vec<u8>)> {
    const DEPTH: usize = 2_000;
    let ident = "a".repeat(100 * 1024);
    let nest = |open: &str, leaf: &str, close: &str| {
        format!(
            "package fuzz:deep;\ninterface i {{\n    type t = {}{leaf}{};\n}}\n",
            open.repeat(DEPTH),
            close.repeat(DEPTH)
        )
    };
    // Named `fn-N`: `fN` would meet keywords (`f32`).
    let mut functions = String::from("package fuzz:wide;\ninterface i {\n");
    for n in 0..20_000 {
        functions.push_str(&format!(
            "    fn-{n}: func(a: u32, b: string) -> list<u8>;\n"
        ));
    }
    functions.push_str("}\n");
    // 5 MB of whitespace and comments before a small valid package.
    let mut padding = String::with_capacity(5 << 20);
    while padding.len() < 5 << 20 {
        padding.push_str("  \t\n// a line comment\n/* a block /* nested */ comment */\n\n");
    }
    let commented = format!("{padding}package fuzz:quiet;\ninterface i {{ f: func(); }}\n");
    // 5 MB of nested block comments, never closed.
    let unclosed = format!("package fuzz:open;\n{}", "/* ".repeat((5 << 20) / 3));
    // One line of 1 MB, with the error at its end: the diagnostic shows
    // the line.
    let long_line = format!(
        "package fuzz:long;\ninterface i {{ {} f: func() -> nope; }}\n",
        " ".repeat(1 << 20)
    );
    let long_valid = format!(
        "package fuzz:long;\ninterface i {{ {} }}\n",
        (0..40_000)
            .map(|n| format!("type t{n} = u8;"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    vec![
        (
            "identifier",
            format!("package fuzz:id;\ninterface i {{ type {ident} = u32; }}\n").into_bytes(),
        ),
        (
            "identifier-unknown",
            format!("package fuzz:id;\ninterface i {{ f: func() -> {ident}; }}\n").into_bytes(),
        ),
        ("list-2000", nest("list<", "u8", ">").into_bytes()),
        ("option-2000", nest("option<", "u8", ">").into_bytes()),
        ("tuple-2000", nest("tuple<", "u8", ">").into_bytes()),
        ("result-2000", nest("result<", "u8", ", u8>").into_bytes()),
        (
            "parens-2000",
            format!(
                "package fuzz:deep;\ninterface i {{ f: func{}a: u8{}; }}\n",
                "(".repeat(DEPTH),
                ")".repeat(DEPTH)
            )
            .into_bytes(),
        ),
        ("functions-20000", functions.into_bytes()),
        ("comments-5mb", commented.into_bytes()),
        ("unclosed-comments-5mb", unclosed.into_bytes()),
        ("line-1mb-error", long_line.into_bytes()),
        ("line-1mb-valid", long_valid.into_bytes()),
    ]
}

pub fn run(cfg: &Config) -> anyhow::Result<Counts> {
    let mut counts = Counts::new("wit");
    let dir = cfg.work.join("wit");
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in extremes() {
        let file = dir.join(format!("extreme-{name}.wit"));
        std::fs::write(&file, &bytes)?;
        check(
            cfg,
            &mut counts,
            &file,
            &file,
            EXTREME_TIMEOUT.max(cfg.timeout),
        )?;
        std::fs::remove_file(&file)?;
    }
    let corpus = corpus();
    // A different stream per class: the same seed should not make every
    // class take the same choices.
    let mut rng = Rng::new(cfg.seed ^ 0x7769_7400);
    let package = dir.join("pkg");
    let deps = package.join("deps");
    for _ in 0..cfg.cases {
        let (name, text) = rng.pick(&corpus);
        let mut data = text.clone().into_bytes();
        mutate::mutate(&mut rng, &mut data, WORDS, PUNCT);
        if rng.below(8) == 0 {
            // As a package directory: the mutated file is either the main
            // package or the one in deps/ (the other kept valid).
            if package.exists() {
                std::fs::remove_dir_all(&package)?;
            }
            std::fs::create_dir_all(&deps)?;
            let (main, dep) = if name == "deps-dep" {
                (SEED_DEPS_MAIN.as_bytes().to_vec(), data)
            } else {
                (data, SEED_DEPS_DEP.as_bytes().to_vec())
            };
            let main_file = package.join("main.wit");
            let dep_file = deps.join("dep.wit");
            std::fs::write(&main_file, &main)?;
            std::fs::write(&dep_file, &dep)?;
            let mutated = if name == "deps-dep" {
                &dep_file
            } else {
                &main_file
            };
            check(cfg, &mut counts, &package, mutated, cfg.timeout)?;
        } else {
            let file = dir.join("case.wit");
            std::fs::write(&file, &data)?;
            check(cfg, &mut counts, &file, &file, cfg.timeout)?;
        }
    }
    Ok(counts)
}

/// `witloom wit check PATH`, counted against `input` (the file that was
/// mutated, kept as the reproducer).
fn check(
    cfg: &Config,
    counts: &mut Counts,
    path: &Path,
    input: &Path,
    timeout: Duration,
) -> anyhow::Result<()> {
    let mut cmd = crate::witloom(cfg);
    cmd.args(["wit", "check"]).arg(path);
    let outcome = crate::exec(cmd, timeout)?;
    counts.record(cfg, "wit check", &outcome, input, true);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The corpus starts valid: its mutants are one edit from accepted WIT.
    #[test]
    fn seeds_resolve() {
        for text in [SEED_TYPES, SEED_ASYNC] {
            let mut resolve = wit_parser::Resolve::default();
            resolve.push_source("seed.wit", text).unwrap();
        }
        let mut resolve = wit_parser::Resolve::default();
        resolve.push_source("dep.wit", SEED_DEPS_DEP).unwrap();
        resolve.push_source("main.wit", SEED_DEPS_MAIN).unwrap();
    }
}
