//! The Rust skeleton: a `cdylib` crate, `Cargo.toml` and `src/lib.rs`
//! with `generate!` and an `impl` of every export trait, bodies `todo!()`.
//!
//! What is implemented comes from the model: each exported interface's
//! trait path (named as wit-bindgen-rust names modules: `to_rust_ident`,
//! `name_package_module`), a `Guest<Resource>` trait per resource, each
//! function's name and docs. Only each function's signature is read from
//! wit-bindgen-rust's stubs, because how it spells types (ownership,
//! borrows, paths) is private to it: the stubs are found by tokens (`impl
//! <trait> for Stub`, `fn <name>`), taken as laid out there (the
//! generator formats them) and re-indented, with the generated module's
//! `_rt::` taken off `String` and `Vec`. A trait or function the stubs
//! lack, or one the model does not know, is an error.

use super::exports::{Exports, Func, Group};
use super::lex::{self, Token};
use super::{Generated, SkeletonError, WIT_BINDGEN_VERSION, generate, header, unexpected};
use crate::filled::Entry;
use heck::{ToSnakeCase, ToUpperCamelCase};
use std::path::PathBuf;
use wit_bindgen_core::wit_parser::{FunctionKind, WorldKey};
use wit_bindgen_rust::to_rust_ident;

const GENERATOR: &str = "wit-bindgen-rust";

/// The generator's options for the stubs the signatures are read from.
pub(super) fn generator() -> Box<dyn wit_bindgen_core::WorldGenerator> {
    let opts = wit_bindgen_rust::Opts {
        stubs: true,
        format: true,
        generate_all: true,
        ..Default::default()
    };
    Box::new(opts.build())
}

/// `Cargo.toml`, `src/lib.rs` and `.gitignore`.
pub(super) fn skeleton(
    exports: &Exports<'_>,
    name: &str,
    entry: Option<Entry>,
    world_spec: &str,
    wit_rel: &str,
) -> Result<Vec<(PathBuf, String)>, SkeletonError> {
    let generated = generate(exports, generator(), "Rust")?;
    let lib = lib_rs(exports, name, entry, world_spec, wit_rel, &generated)?;
    // A 0.3 handler's greeting writes its body from a task of its own.
    let wit_bindgen = if entry == Some(Entry::AsyncHttp) {
        format!("{{ version = \"{WIT_BINDGEN_VERSION}\", features = [\"async-spawn\"] }}")
    } else {
        format!("\"{WIT_BINDGEN_VERSION}\"")
    };
    let cargo = format!(
        "[package]\nname = {name:?}\nversion = \"0.1.0\"\nedition = \"2024\"\n\
         publish = false\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\n\
         wit-bindgen = {wit_bindgen}\n\n\
         # A guest is a crate of its own, not a member of an enclosing workspace.\n\
         [workspace]\n"
    );
    Ok(vec![
        (PathBuf::from("Cargo.toml"), cargo),
        (PathBuf::from("src/lib.rs"), lib),
        (
            PathBuf::from(".gitignore"),
            "/target\n/Cargo.lock\n".to_string(),
        ),
    ])
}

/// `src/lib.rs`, from the model and the stubs in `generated`.
pub(super) fn lib_rs(
    exports: &Exports<'_>,
    name: &str,
    entry: Option<Entry>,
    world_spec: &str,
    wit_rel: &str,
    generated: &Generated,
) -> Result<String, SkeletonError> {
    // The generator writes one file, named after the world.
    let file = format!("{}.rs", exports.world_name.to_snake_case());
    let (file, text) = generated
        .get_key_value(&file)
        .ok_or_else(|| unexpected(GENERATOR, &file, "the world's bindings".into()))?;
    let text =
        std::str::from_utf8(text).map_err(|_| unexpected(GENERATOR, file, "UTF-8 text".into()))?;
    let stubs = Stubs::parse(file, text)?;
    let entry_func = entry.and_then(|e| exports.find(e.host()));

    let mut lib = header("//!", name, exports.world_name);
    lib.push_str(&format!(
        "\nwit_bindgen::generate!({{\n    world: {world_spec:?},\n    path: \
         {wit_rel:?},\n    // Bindings for every interface the world uses, \
         WASI included.\n    generate_all,\n}});\n\n/// The component: each export's trait is \
         implemented on it.\npub struct Component;\n"
    ));
    for group in &exports.groups {
        for resource in &group.resources {
            let resource = resource.name.to_upper_camel_case();
            lib.push_str(&format!(
                "\n/// The state of one `{resource}`.\npub struct {resource} {{}}\n"
            ));
        }
    }
    let mut seen = Vec::new();
    for group in &exports.groups {
        for imp in impls(exports, group) {
            let stub = stubs.find(&imp.path)?;
            seen.push(imp.path.clone());
            lib.push_str(&format!(
                "\n#[allow(unused_variables)]\nimpl {} for {} {{\n",
                imp.path, imp.target
            ));
            stub.check_types(&stubs, &imp)?;
            for resource in &imp.types {
                lib.push_str(&format!("    type {resource} = {resource};\n"));
            }
            stub.check_functions(&stubs, &imp)?;
            for f in &imp.functions {
                let fn_name = fn_name(f);
                let item = stub.function(&stubs, &fn_name)?;
                for line in f.wit.docs.contents.iter().flat_map(|d| d.trim().lines()) {
                    lib.push_str("    ///");
                    if !line.is_empty() {
                        lib.push(' ');
                        lib.push_str(line);
                    }
                    lib.push('\n');
                }
                lib.push_str("    ");
                lib.push_str(&stubs.signature(item)?);
                lib.push_str(" {\n");
                match entry_func {
                    Some((_, e)) if std::ptr::eq(e, *f) => {
                        let entry = entry.expect("found for it");
                        let fill = crate::filled::rust(entry, name);
                        stubs.check_fill(item, &fill, &fn_name)?;
                        lib.push_str(&fill.body);
                    }
                    _ => lib.push_str("        todo!()\n"),
                }
                lib.push_str("    }\n");
            }
            lib.push_str("}\n");
        }
    }
    if let Some(extra) = stubs.impls.iter().find(|i| !seen.contains(&i.path)) {
        return Err(unexpected(
            GENERATOR,
            file,
            format!(
                "stubs for the world's exports only (it implements `{}`, which the world does not export)",
                extra.path
            ),
        ));
    }
    lib.push_str("\nexport!(Component);\n");
    Ok(lib)
}

/// One `impl` the skeleton writes.
struct Impl<'g, 'a> {
    /// The trait: `exports::ns::pkg::iface::Guest`, `…::GuestCounter`.
    path: String,
    /// What implements it: `Component`, or the resource's type.
    target: String,
    /// The resource types it names (`type Counter = Counter;`).
    types: Vec<String>,
    functions: Vec<&'g Func<'a>>,
}

/// A group's impls, in the generator's order: each resource's, then the
/// interface's own (when it has functions or resources).
fn impls<'g, 'a>(exports: &Exports<'a>, group: &'g Group<'a>) -> Vec<Impl<'g, 'a>> {
    let module = group.key.map(|key| module_path(exports, key));
    let trait_path = |name: &str| match &module {
        Some(module) => format!("{module}::{name}"),
        None => name.to_string(),
    };
    let mut out = Vec::new();
    let mut types = Vec::new();
    for resource in &group.resources {
        let camel = resource.name.to_upper_camel_case();
        out.push(Impl {
            path: trait_path(&format!("Guest{camel}")),
            target: camel.clone(),
            types: Vec::new(),
            functions: group.functions_of(Some(resource.id)).collect(),
        });
        types.push(camel);
    }
    let functions: Vec<_> = group.functions_of(None).collect();
    if !functions.is_empty() || !types.is_empty() {
        out.push(Impl {
            path: trait_path("Guest"),
            target: "Component".to_string(),
            types,
            functions,
        });
    }
    out
}

/// The module wit-bindgen-rust binds an export in: `exports::` and the
/// interface's path, or the inline interface's name.
fn module_path(exports: &Exports<'_>, key: &WorldKey) -> String {
    let resolve = exports.resolve;
    match key {
        WorldKey::Name(name) => format!("exports::{}", to_rust_ident(name)),
        WorldKey::Interface(id) => {
            let iface = &resolve.interfaces[*id];
            let package = iface.package.expect("a named interface is in a package");
            format!(
                "exports::{}::{}::{}",
                to_rust_ident(&resolve.packages[package].name.namespace),
                wit_bindgen_core::name_package_module(resolve, package),
                to_rust_ident(iface.name.as_deref().expect("a named interface"))
            )
        }
    }
}

/// The name wit-bindgen-rust gives a function's method.
fn fn_name(f: &Func<'_>) -> String {
    let name = match f.wit.kind {
        FunctionKind::Constructor(_) => "new".to_string(),
        FunctionKind::Setter | FunctionKind::MethodSetter(_) | FunctionKind::StaticSetter(_) => {
            format!("set-{}", f.wit.item_name())
        }
        _ => f.wit.item_name().to_string(),
    };
    to_rust_ident(&name)
}

/// wit-bindgen-rust's stubs: every `impl <trait> for Stub { … }`.
struct Stubs<'a> {
    file: &'a str,
    text: &'a str,
    tokens: Vec<Token<'a>>,
    impls: Vec<StubImpl>,
}

struct StubImpl {
    path: String,
    /// `type X = Stub;` items.
    types: Vec<String>,
    functions: Vec<StubFn>,
}

struct StubFn {
    name: String,
    /// Token range of the signature, from its first qualifier to the
    /// token before the body's `{`.
    signature: std::ops::Range<usize>,
}

impl<'a> Stubs<'a> {
    fn parse(file: &'a str, text: &'a str) -> Result<Stubs<'a>, SkeletonError> {
        let tokens = lex::tokens(text).map_err(|u| {
            unexpected(
                GENERATOR,
                file,
                format!(
                    "Rust, but it has an unterminated {} at line {}",
                    u.what, u.line
                ),
            )
        })?;
        let mut stubs = Stubs {
            file,
            text,
            tokens,
            impls: Vec::new(),
        };
        let t = &stubs.tokens;
        let mut i = 0;
        while i < t.len() {
            if !t[i].is("impl") {
                i += 1;
                continue;
            }
            // `impl a::b::Guest for Stub {`: a path of words and `::`.
            let path_end = (i + 1..t.len())
                .find(|j| !(t[*j].is_ident() || t[*j].is(":")) || t[*j].is("for"))
                .unwrap_or(t.len());
            if !lex::starts_with(t, path_end, &["for", "Stub", "{"]) {
                i += 1;
                continue;
            }
            let path: String = t[i + 1..path_end].iter().map(|t| t.text).collect();
            let open = path_end + 2;
            let close = lex::closing(t, open).ok_or_else(|| {
                unexpected(
                    GENERATOR,
                    file,
                    format!("the end of `impl {path} for Stub`"),
                )
            })?;
            let imp = stub_impl(file, t, path, open + 1..close)?;
            stubs.impls.push(imp);
            i = close + 1;
        }
        Ok(stubs)
    }

    fn find(&self, path: &str) -> Result<&StubImpl, SkeletonError> {
        self.impls.iter().find(|i| i.path == path).ok_or_else(|| {
            unexpected(
                GENERATOR,
                self.file,
                format!("a stub `impl {path} for Stub`"),
            )
        })
    }

    /// The signature as the generator laid it out, indented for an item
    /// of an `impl`, without `_rt::` before `String` and `Vec` (names in
    /// the prelude; the generated `_rt` module is its own business).
    fn signature(&self, f: &StubFn) -> Result<String, SkeletonError> {
        let t = &self.tokens[f.signature.clone()];
        if let Some(stub) = t.iter().find(|t| t.is("Stub")) {
            return Err(unexpected(
                GENERATOR,
                self.file,
                format!(
                    "signatures that name only what the crate has (`fn {}` names `Stub`, line {})",
                    f.name,
                    stub.line + 1
                ),
            ));
        }
        let mut text = String::new();
        let mut from = t[0].start;
        for (k, tok) in t.iter().enumerate() {
            if tok.is("_rt")
                && lex::starts_with(t, k + 1, &[":", ":"])
                && t.get(k + 3).is_some_and(|n| n.is("String") || n.is("Vec"))
            {
                text.push_str(&self.text[from..tok.start]);
                from = t[k + 3].start;
            }
        }
        text.push_str(&self.text[from..t[t.len() - 1].end()]);
        // Lines after the first keep their indentation relative to it.
        let line_start = self.text[..t[0].start].rfind('\n').map_or(0, |n| n + 1);
        let column = t[0].start - line_start;
        let mut out = String::new();
        for (n, line) in text.lines().enumerate() {
            if n > 0 {
                let indent = line.len() - line.trim_start_matches(' ').len();
                out.push_str("\n    ");
                out.push_str(&line[indent.min(column)..]);
            } else {
                out.push_str(line);
            }
        }
        Ok(out)
    }

    /// The entry point's stub takes the parameters, and returns what, the
    /// greeting's body expects.
    fn check_fill(
        &self,
        f: &StubFn,
        fill: &crate::filled::RustFill,
        fn_name: &str,
    ) -> Result<(), SkeletonError> {
        let t = &self.tokens[f.signature.clone()];
        let open = t
            .iter()
            .position(|t| t.is("("))
            .expect("parsed with parameters");
        let close = lex::closing(t, open).expect("parsed with parameters");
        let params: Vec<&str> = lex::split_top_level(&t[open + 1..close], ",")
            .filter_map(|p| p.first())
            .map(|t| t.text)
            .collect();
        let returns: String = t[close + 1..]
            .iter()
            .skip_while(|t| t.is("-") || t.is(">"))
            .map(|t| t.text)
            .collect();
        // Paths left out (`::core::result::Result`, `exports::…::Response`),
        // and `-> ()` and no return type are the same.
        let returns = unqualified(&returns);
        let returns = match returns.as_str() {
            "()" => "",
            r => r,
        };
        if params != fill.params || returns != fill.returns {
            return Err(unexpected(
                GENERATOR,
                self.file,
                format!(
                    "`fn {fn_name}` taking `{}` and returning `{}`, as witloom's greeting does (it takes `{}` and returns `{returns}`)",
                    fill.params.join(", "),
                    fill.returns,
                    params.join(", "),
                ),
            ));
        }
        let idents: Vec<&str> = self
            .tokens
            .iter()
            .filter(|t| t.is_ident())
            .map(|t| t.text)
            .collect();
        if let Some(missing) = fill.uses.iter().find(|u| !idents.contains(u)) {
            return Err(unexpected(
                GENERATOR,
                self.file,
                format!("`{missing}`, which witloom's greeting uses"),
            ));
        }
        Ok(())
    }
}

/// Type text with its paths left out and no trailing commas:
/// `Result<a::Response,a::ErrorCode,>` is `Result<Response,ErrorCode>`.
fn unqualified(text: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else if c == ':' && chars.peek() == Some(&':') {
            // What came before `::` is a path.
            chars.next();
            word.clear();
        } else {
            out.push_str(&word);
            word.clear();
            out.push(c);
        }
    }
    out.push_str(&word);
    out.replace(",>", ">")
}

impl StubImpl {
    fn function(&self, stubs: &Stubs<'_>, name: &str) -> Result<&StubFn, SkeletonError> {
        self.functions
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| {
                unexpected(
                    GENERATOR,
                    stubs.file,
                    format!("a stub of `fn {name}` in `impl {} for Stub`", self.path),
                )
            })
    }

    fn check_types(&self, stubs: &Stubs<'_>, imp: &Impl<'_, '_>) -> Result<(), SkeletonError> {
        if self.types != imp.types {
            return Err(unexpected(
                GENERATOR,
                stubs.file,
                format!(
                    "`impl {} for Stub` naming the resource types [{}] (it names [{}])",
                    self.path,
                    imp.types.join(", "),
                    self.types.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn check_functions(&self, stubs: &Stubs<'_>, imp: &Impl<'_, '_>) -> Result<(), SkeletonError> {
        let want: Vec<String> = imp.functions.iter().map(|f| fn_name(f)).collect();
        if let Some(extra) = self.functions.iter().find(|f| !want.contains(&f.name)) {
            return Err(unexpected(
                GENERATOR,
                stubs.file,
                format!(
                    "only the world's functions in `impl {} for Stub` (it has `fn {}`)",
                    self.path, extra.name
                ),
            ));
        }
        Ok(())
    }
}

/// The items of an `impl … for Stub` body (`range` of `t`): attributes
/// are skipped, `type X = Stub;` and `fn`s recorded; anything else is not
/// what witloom knows.
fn stub_impl(
    file: &str,
    t: &[Token<'_>],
    path: String,
    range: std::ops::Range<usize>,
) -> Result<StubImpl, SkeletonError> {
    let mut imp = StubImpl {
        path,
        types: Vec::new(),
        functions: Vec::new(),
    };
    let unknown = |at: &Token<'_>, path: &str| {
        unexpected(
            GENERATOR,
            file,
            format!(
                "`type`s and `fn`s in `impl {path} for Stub` (line {}: `{}`)",
                at.line + 1,
                at.text
            ),
        )
    };
    let mut i = range.start;
    while i < range.end {
        if t[i].is("#") && t.get(i + 1).is_some_and(|b| b.is("[")) {
            i = lex::closing(t, i + 1).ok_or_else(|| unknown(&t[i], &imp.path))? + 1;
            continue;
        }
        if t[i].is("type") {
            if !(t.get(i + 1).is_some_and(Token::is_ident)
                && lex::starts_with(t, i + 2, &["=", "Stub", ";"]))
            {
                return Err(unknown(&t[i], &imp.path));
            }
            imp.types.push(t[i + 1].text.to_string());
            i += 5;
            continue;
        }
        let start = i;
        while i < range.end && matches!(t[i].text, "pub" | "async" | "unsafe" | "const") {
            i += 1;
        }
        if !(i + 1 < range.end && t[i].is("fn") && t[i + 1].is_ident()) {
            return Err(unknown(&t[start], &imp.path));
        }
        let name = t[i + 1].text.to_string();
        let open = (i + 2..range.end)
            .find(|j| t[*j].is("{"))
            .ok_or_else(|| unknown(&t[i], &imp.path))?;
        if !t[i + 2..open].iter().any(|t| t.is("(")) {
            return Err(unknown(&t[i], &imp.path));
        }
        let close = lex::closing(t, open).ok_or_else(|| unknown(&t[open], &imp.path))?;
        imp.functions.push(StubFn {
            name,
            signature: start..open,
        });
        i = close + 1;
    }
    Ok(imp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaffold::fixtures::{self, expected};

    fn lib_with(
        wit: &witloom_ir::Loaded,
        world: &str,
        generated: &Generated,
        edit: impl Fn(&str) -> String,
    ) -> Result<String, SkeletonError> {
        let exports = Exports::of(wit, fixtures::world(wit, world));
        let generated: Generated = generated
            .iter()
            .map(|(name, text)| {
                let text = edit(std::str::from_utf8(text).unwrap());
                (name.clone(), text.into_bytes())
            })
            .collect();
        let entry = crate::filled::entry_of(&exports);
        lib_rs(&exports, "demo", entry, world, "../wit", &generated)
    }

    /// The tokens of Rust source, but what a formatter adds or takes
    /// away: a `,` before a closing bracket (as it breaks lines), the `::`
    /// of a turbofish in a type (`Vec::<u8>` is `Vec<u8>`).
    fn tokens_of(src: &str) -> Vec<String> {
        let t = lex::tokens(src).unwrap();
        let next = |i: usize, n: usize| t.get(i + n).map(|t| t.text);
        t.iter()
            .enumerate()
            .filter(|(i, tok)| {
                let trailing = tok.is(",") && matches!(next(*i, 1), Some(")" | ">" | "]"));
                let turbofish = tok.is(":")
                    && (next(*i, 1) == Some(":") && next(*i, 2) == Some("<")
                        || i.checked_sub(1).is_some_and(|p| t[p].is(":"))
                            && next(*i, 1) == Some("<"));
                !(trailing || turbofish)
            })
            .map(|(_, tok)| tok.text.to_string())
            .collect()
    }

    #[test]
    fn stubs_laid_out_otherwise_give_the_same_skeleton() {
        for (wit, world) in [(fixtures::suite(), "test"), (fixtures::wasi(), "all")] {
            let id = fixtures::world(&wit, world);
            let generated = fixtures::generated(&wit, id, generator());
            let as_generated = lib_with(&wit, world, &generated, str::to_string).unwrap();
            // Nested one level deeper: the same file.
            let indented = lib_with(&wit, world, &generated, |text| {
                text.lines().map(|l| format!("    {l}\n")).collect()
            })
            .unwrap();
            assert_eq!(indented, as_generated, "{world}");
            // Not formatted at all (the generator's own other layout): the
            // same items and signatures, laid out as the generator wrote
            // them.
            let opts = wit_bindgen_rust::Opts {
                stubs: true,
                format: false,
                generate_all: true,
                ..Default::default()
            };
            let raw = fixtures::generated(&wit, id, Box::new(opts.build()));
            assert_ne!(raw, generated);
            let unformatted = lib_with(&wit, world, &raw, str::to_string).unwrap();
            assert_eq!(tokens_of(&unformatted), tokens_of(&as_generated), "{world}");
        }
    }

    #[test]
    fn what_the_stubs_lack_or_add_is_an_error_naming_it() {
        let wit = fixtures::suite();
        let generated = fixtures::generated(&wit, fixtures::world(&wit, "test"), generator());
        let file = generated.keys().next().unwrap().clone();
        let cases: [(&str, &str, &str); 4] = [
            (
                "for Stub",
                "for Stubs",
                "a stub `impl exports::witloom::test::values::Guest for Stub`",
            ),
            (
                "fn echo_bool(",
                "fn echo_boolean(",
                "only the world's functions in `impl exports::witloom::test::values::Guest for Stub` (it has `fn echo_boolean`)",
            ),
            (
                "type Counter = Stub;",
                "",
                "`impl exports::witloom::test::counters::Guest for Stub` naming the resource types [Counter] (it names [])",
            ),
            (
                "impl exports::witloom::test::values::Guest for Stub {",
                "impl exports::witloom::test::values::Guest for Stub {\n    const X: u8 = 0;",
                "`type`s and `fn`s in `impl exports::witloom::test::values::Guest for Stub` (line ",
            ),
        ];
        for (from, to, want) in cases {
            let e = lib_with(&wit, "test", &generated, |text| {
                assert!(text.contains(from), "{from}");
                text.replace(from, to)
            })
            .unwrap_err();
            let (at, what) = expected(e);
            assert_eq!(at, file);
            assert!(what.starts_with(want), "{what}\nnot {want}");
        }
    }

    #[test]
    fn an_entry_point_declared_otherwise_than_its_body_expects_is_an_error() {
        let wit = fixtures::wasi();
        let generated = fixtures::generated(&wit, fixtures::world(&wit, "all"), generator());
        let e = lib_with(&wit, "all", &generated, |text| {
            assert!(text.contains("response_out:"));
            text.replace("response_out:", "out:")
        })
        .unwrap_err();
        assert_eq!(
            expected(e).1,
            "`fn handle` taking `request, response_out` and returning ``, as witloom's greeting does (it takes `request, out` and returns ``)"
        );
    }
}
