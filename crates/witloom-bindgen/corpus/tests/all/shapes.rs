//! The shape differential: for every world of wasmtime's own `bindgen!`
//! corpus (`tests/codegen` of its component-macro crate, read from cargo's
//! registry) under every option set its `codegen.rs` uses, the public items
//! of witloom's bindings (modules, type names and their fields or cases,
//! traits and their method signatures, functions and inherent methods)
//! equal those of what `bindgen!` expands to: the source wasmtime's own
//! generator (`wasmtime-internal-wit-bindgen`, the crate behind the macro)
//! writes for the same world and options. Host code written against one
//! compiles against the other.
//!
//! Parameter names, docs, attributes, `where` clauses and bounds are not
//! compared (the generators spell them differently, and the corpus crate
//! compiles ours), nor are trait impls (`Debug`, `Display`). Nothing else
//! may differ.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use syn::{FnArg, ImplItem, Item, ReturnType, TraitItem};
use wasmtime_wit_bindgen::{FunctionConfig, FunctionFilter, FunctionFlags, Opts, Ownership};

fn codegen_dir() -> PathBuf {
    witloom_buildsupport::locked_package_dir("wasmtime-internal-component-macro", "tests/codegen")
        .join("tests/codegen")
}

/// `codegen.rs`'s option sets: (name, imports, exports, borrowing);
/// `with_anyhow` also sets `anyhow: true`.
const SETS: [(&str, &str, &str, bool); 6] = [
    ("sugar", "", "", false),
    ("async", "async", "async", false),
    ("concurrent", "async | store", "async | store", false),
    (
        "tracing",
        "tracing | verbose_tracing",
        "tracing | verbose_tracing",
        true,
    ),
    ("imports_with_store", "store", "", false),
    ("with_anyhow", "trappable", "", false),
];

fn wasmtime_flags(text: &str) -> FunctionFlags {
    let f = witloom_bindgen::Flags::parse(text).unwrap();
    let mut out = FunctionFlags::empty();
    for (on, flag) in [
        (f.asynchronous, FunctionFlags::ASYNC),
        (f.store, FunctionFlags::STORE),
        (f.trappable, FunctionFlags::TRAPPABLE),
        (f.tracing, FunctionFlags::TRACING),
        (f.verbose_tracing, FunctionFlags::VERBOSE_TRACING),
    ] {
        if on {
            out |= flag;
        }
    }
    out
}

fn theirs(path: &Path, world: &str, set: (&str, &str, &str, bool)) -> String {
    let (_, imports, exports, borrowing) = set;
    let mut resolve = wit_parser_wasmtime::Resolve {
        all_features: true,
        ..Default::default()
    };
    let (pkg, _) = resolve.push_path(path).unwrap();
    let world = resolve.select_world(&[pkg], Some(world)).unwrap();
    let mut opts = Opts::default();
    let mut config = FunctionConfig::new();
    config.push(FunctionFilter::Default, wasmtime_flags(imports));
    opts.imports = config;
    let mut config = FunctionConfig::new();
    config.push(FunctionFilter::Default, wasmtime_flags(exports));
    opts.exports = config;
    if borrowing {
        opts.ownership = Ownership::Borrowing {
            duplicate_if_necessary: true,
        };
    }
    opts.anyhow = set.0 == "with_anyhow";
    opts.generate(&mut resolve, world).unwrap()
}

fn ours(path: &Path, world: &str, set: (&str, &str, &str, bool)) -> String {
    let (_, imports, exports, borrowing) = set;
    let wit = witloom_ir::load(
        path,
        &witloom_ir::LoadOptions {
            all_features: true,
            ..Default::default()
        },
    )
    .unwrap();
    let mut opts = witloom_bindgen::Options {
        world: Some(world.to_string()),
        ..Default::default()
    };
    opts.imports.default = witloom_bindgen::Flags::parse(imports).unwrap();
    opts.exports.default = witloom_bindgen::Flags::parse(exports).unwrap();
    if borrowing {
        opts.ownership = witloom_bindgen::Ownership::Borrowing {
            duplicate_if_necessary: true,
        };
    }
    opts.anyhow = set.0 == "with_anyhow";
    witloom_bindgen::generate_unformatted(&wit, &opts).unwrap()
}

/// Tokens as one string, whitespace gone and wasmtime's private paths to
/// std types dropped.
fn norm(tokens: impl quote::ToTokens) -> String {
    let text: String = tokens
        .to_token_stream()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    // A trailing comma in a tuple or list is the same tuple.
    text.replace("wasmtime::component::__internal::", "")
        .replace("::core::future::Future", "core::future::Future")
        .replace(",)", ")")
        .replace(",>", ">")
}

/// The names of generic parameters, without their bounds.
fn param_names(g: &syn::Generics) -> Vec<String> {
    g.params
        .iter()
        .map(|p| match p {
            syn::GenericParam::Type(t) => t.ident.to_string(),
            syn::GenericParam::Lifetime(l) => l.lifetime.to_string(),
            syn::GenericParam::Const(c) => c.ident.to_string(),
        })
        .collect()
}

fn signature(sig: &syn::Signature) -> String {
    let generics = param_names(&sig.generics);
    let params: Vec<String> = sig
        .inputs
        .iter()
        .map(|a| match a {
            FnArg::Receiver(r) => match &r.kind {
                syn::ReceiverKind::Reference(_, _, Some(_)) => "&mut self".to_string(),
                syn::ReceiverKind::Reference(_, _, None) => "&self".to_string(),
                syn::ReceiverKind::Typed(_, ty) => norm(ty),
                _ => "self".to_string(),
            },
            FnArg::Typed(t) => norm(&t.ty),
        })
        .collect();
    let ret = match &sig.output {
        ReturnType::Default => String::new(),
        ReturnType::Type(_, ty) if norm(ty) == "()" => String::new(),
        ReturnType::Type(_, ty) => format!("->{}", norm(ty)),
    };
    let asyncness = if sig.asyncness.is_some() {
        "async "
    } else {
        ""
    };
    format!(
        "{asyncness}fn {}<{}>({}){ret}",
        sig.ident,
        generics.join(","),
        params.join(",")
    )
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

fn generics(g: &syn::Generics) -> String {
    let names = param_names(g);
    if names.is_empty() {
        String::new()
    } else {
        format!("<{}>", names.join(","))
    }
}

/// The public items of `items`, under module path `at`.
fn surface(items: &[&Item], at: &str, out: &mut BTreeSet<String>) {
    for item in items {
        match item {
            Item::Mod(m) if is_pub(&m.vis) => {
                let at = format!("{at}::{}", m.ident);
                out.insert(format!("mod {at}"));
                if let Some((_, items)) = &m.content {
                    surface(&items.iter().collect::<Vec<_>>(), &at, out);
                }
            }
            Item::Struct(s) if is_pub(&s.vis) => {
                let name = format!("{at}::{}", s.ident);
                out.insert(format!("struct {name}{}", generics(&s.generics)));
                for f in &s.fields {
                    if is_pub(&f.vis) {
                        let field = f.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
                        out.insert(format!("field {name}.{field}: {}", norm(&f.ty)));
                    }
                }
            }
            Item::Enum(e) if is_pub(&e.vis) => {
                let name = format!("{at}::{}", e.ident);
                out.insert(format!("enum {name}{}", generics(&e.generics)));
                for v in &e.variants {
                    out.insert(format!("case {name}::{}{}", v.ident, norm(&v.fields)));
                }
            }
            Item::Type(t) if is_pub(&t.vis) => {
                out.insert(format!(
                    "type {at}::{}{} = {}",
                    t.ident,
                    generics(&t.generics),
                    norm(&t.ty)
                ));
            }
            Item::Trait(t) if is_pub(&t.vis) => {
                let name = format!("{at}::{}", t.ident);
                out.insert(format!("trait {name}{}", generics(&t.generics)));
                for i in &t.items {
                    if let TraitItem::Fn(f) = i {
                        out.insert(format!("{name}: {}", signature(&f.sig)));
                    }
                }
            }
            Item::Fn(f) if is_pub(&f.vis) => {
                out.insert(format!("{at}: {}", signature(&f.sig)));
            }
            Item::Impl(i) if i.trait_.is_none() => {
                let ty = norm(&i.self_ty);
                for item in &i.items {
                    if let ImplItem::Fn(f) = item
                        && is_pub(&f.vis)
                    {
                        out.insert(format!("impl {at}::{ty}: {}", signature(&f.sig)));
                    }
                }
            }
            // wasmtime puts a world's impls in `const _: () = { … };`.
            Item::Const(c) => {
                if let syn::Expr::Block(b) = &*c.expr {
                    let items: Vec<&Item> = b
                        .block
                        .stmts
                        .iter()
                        .filter_map(|s| match s {
                            syn::Stmt::Item(i) => Some(i),
                            _ => None,
                        })
                        .collect();
                    surface(&items, at, out);
                }
                if is_pub(&c.vis) {
                    out.insert(format!("const {at}::{}", c.ident));
                }
            }
            Item::Macro(m) => {
                // `flags! { Name { … } }`: the type it defines.
                let name = m
                    .mac
                    .tokens
                    .clone()
                    .into_iter()
                    .next()
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                out.insert(format!("flags {at}::{name}"));
            }
            Item::Use(u) if is_pub(&u.vis) => {
                out.insert(format!("use {at}::{}", norm(&u.tree)));
            }
            _ => {}
        }
    }
}

/// `text` with `from` replaced by `to` where `from` is a whole identifier
/// (not part of a longer one).
fn replace_ident(text: &str, from: &str, to: &str) -> String {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + from.len()..].chars().next();
        let whole = !before.is_some_and(ident) && !after.is_some_and(ident);
        out.push_str(&rest[..at]);
        out.push_str(if whole { to } else { from });
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

fn public_items(src: &str) -> BTreeSet<String> {
    let file = syn::parse_file(src).unwrap_or_else(|e| panic!("{e}"));
    let mut out = BTreeSet::new();
    surface(&file.items.iter().collect::<Vec<_>>(), "", &mut out);
    out
}

/// `bindgen!` 48's public items, with its two known defects mended (each
/// makes its output fail to compile; witloom's compiles, in `build.rs`):
/// - a named stream or future type (`type bytes = stream<u8>;`) is defined
///   under its WIT name as `HostStream<u8>`/`HostFuture<T>`, types
///   wasmtime 48 does not have, while every use names it `Bytes`. witloom
///   defines `Bytes = StreamReader<u8>`, what the uses expect;
/// - with `ownership: Borrowing`, a type whose only strings or lists are
///   inside a stream's or future's payload (always owned) is defined
///   borrowing, `EventParam<'a>`, with `'a` used nowhere (E0392). witloom
///   defines it once, owning, as there is nothing to lend.
fn mended(items: BTreeSet<String>) -> BTreeSet<String> {
    let lifeless: Vec<String> = items
        .iter()
        .filter_map(|i| {
            let (kind, rest) = i.split_once(' ')?;
            let name = rest.strip_suffix("Param<'a>")?;
            let inside = format!("{name}Param");
            let uses_lifetime = items.iter().any(|j| {
                (j.starts_with(&format!("field {inside}."))
                    || j.starts_with(&format!("case {inside}::")))
                    && j.contains("'a")
            });
            (matches!(kind, "struct" | "enum") && !uses_lifetime).then(|| name.to_string())
        })
        .collect();
    let items: BTreeSet<String> = items
        .into_iter()
        .map(|mut item| {
            for path in &lifeless {
                let bare = path.rsplit("::").next().unwrap();
                for from in [
                    format!("{bare}Param<'a>"),
                    format!("{bare}Param"),
                    format!("{bare}Result"),
                ] {
                    item = replace_ident(&item, &from, bare);
                }
            }
            item
        })
        .collect();
    items
        .into_iter()
        .map(|item| {
            let Some((lhs, rhs)) = item.split_once(" = ") else {
                return item;
            };
            let rhs = rhs
                .replace(
                    "wasmtime::component::HostStream<",
                    "wasmtime::component::StreamReader<",
                )
                .replace(
                    "wasmtime::component::HostFuture<",
                    "wasmtime::component::FutureReader<",
                );
            if rhs == item.split_once(" = ").unwrap().1 {
                return item;
            }
            let (path, name) = lhs.rsplit_once("::").unwrap();
            let camel: String = name
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect::<String>())
                        .unwrap_or_default()
                })
                .collect();
            format!("{path}::{camel} = {rhs}")
        })
        .collect()
}

/// Every loadable world of the corpus, of witloom's async corpus
/// (wasmtime's has no component-model async) and of the WASI sets.
fn worlds() -> Vec<(PathBuf, String)> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(codegen_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    entries.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("wit/concurrency"));
    // And the WASI sets' root worlds: `wasi:http/proxy` at 0.2, and
    // `wasi:http/service` at 0.3 (async throughout).
    entries.push(witloom_testkit::wasi_wit_dir());
    entries.push(witloom_testkit::wasi_0_3_wit_dir());
    let mut out = Vec::new();
    for entry in entries {
        let opts = witloom_ir::LoadOptions {
            all_features: true,
            ..Default::default()
        };
        let Ok(wit) = witloom_ir::load(&entry, &opts) else {
            continue;
        };
        for (id, pkg) in wit.ir.packages.iter() {
            if wit.ir.roots.contains(&id) {
                for world in pkg.worlds.keys() {
                    out.push((entry.clone(), pkg.name.item(world)));
                }
            }
        }
    }
    out
}

#[test]
fn public_items_equal_bindgens_for_every_corpus_world_and_option_set() {
    let worlds = worlds();
    assert!(worlds.len() >= 29, "{worlds:?}");
    let mut report = String::new();
    let mut compared = 0;
    for (path, world) in &worlds {
        for set in SETS {
            let theirs = mended(public_items(&theirs(path, world, set)));
            let ours = public_items(&ours(path, world, set));
            let missing: Vec<&String> = theirs.difference(&ours).collect();
            let extra: Vec<&String> = ours.difference(&theirs).collect();
            compared += 1;
            if !missing.is_empty() || !extra.is_empty() {
                report.push_str(&format!(
                    "\n{} {world} {}:\n",
                    path.file_name().unwrap().to_string_lossy(),
                    set.0
                ));
                for m in missing {
                    report.push_str(&format!("  only bindgen!: {m}\n"));
                }
                for e in extra {
                    report.push_str(&format!("  only witloom:  {e}\n"));
                }
            }
        }
    }
    assert!(compared >= 29 * 6, "{compared}");
    assert!(report.is_empty(), "public items differ:{report}");
}
