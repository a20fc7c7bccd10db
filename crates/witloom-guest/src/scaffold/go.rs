//! The Go skeleton: one file per exported interface (and one for the
//! world's own functions), in the `export_…` package the bindings call:
//! the functions and resource types the user writes, bodies that panic.
//!
//! Which packages, functions and resources there are comes from the
//! model, named as wit-bindgen-go names them. The declarations themselves
//! are read from wit-bindgen-go's stubs, because how it spells types
//! (packages, `witTypes`) is private to it: the package's declarations
//! that only the stubbed run writes (those the plain run writes are the
//! bindings) are parsed by tokens and printed as gofmt lays them out, so
//! whether gofmt ran, or how the generator spaced its output, does not
//! matter. A stub for a function the world does not export, or an
//! exported function without one, is an error.

use super::exports::{Exports, Func, Group};
use super::lex::{self, Kind, Token};
use super::{Generated, SkeletonError, generate, header, unexpected};
use crate::filled::Entry;
use heck::{ToSnakeCase, ToUpperCamelCase};
use std::path::PathBuf;
use wit_bindgen_core::wit_parser::{FunctionKind, Resolve, TypeId, WorldKey};

const GENERATOR: &str = "wit-bindgen-go";

/// The generator's runs: the bindings as a build writes them, and with
/// stubs.
pub(super) fn generators() -> [Box<dyn wit_bindgen_core::WorldGenerator>; 2] {
    [
        wit_bindgen_go::Opts::default().build(),
        wit_bindgen_go::Opts {
            generate_stubs: true,
            ..Default::default()
        }
        .build(),
    ]
}

/// One file per package with exports.
pub(super) fn skeleton(
    exports: &Exports<'_>,
    name: &str,
    entry: Option<Entry>,
) -> Result<Vec<(PathBuf, String)>, SkeletonError> {
    let [plain, stubbed] = generators();
    let plain = generate(exports, plain, "Go")?;
    let stubbed = generate(exports, stubbed, "Go")?;
    files(exports, name, entry, &plain, &stubbed)
}

/// The skeleton's files from the two runs' output.
pub(super) fn files(
    exports: &Exports<'_>,
    name: &str,
    entry: Option<Entry>,
    plain: &Generated,
    stubbed: &Generated,
) -> Result<Vec<(PathBuf, String)>, SkeletonError> {
    // Go has a greeting for what it builds: an async command is stubs.
    let entry = entry.filter(|e| crate::filled::go(*e, name).is_some());
    let entry_func = entry.and_then(|e| exports.find(e.host()));
    let mut out = Vec::new();
    for group in &exports.groups {
        if group.functions.is_empty() && group.resources.is_empty() {
            // An interface of types only: nothing for the user to write.
            continue;
        }
        let package = format!("export_{}", package_name(exports, group.key));
        let path = format!("{package}/wit_bindings.go");
        let text = stubbed.get(&path).ok_or_else(|| {
            unexpected(
                GENERATOR,
                &path,
                "the stubs of an exported interface".into(),
            )
        })?;
        let stub = GoFile::parse(&path, text)?;
        if stub.package != package {
            return Err(unexpected(
                GENERATOR,
                &path,
                format!("`package {package}` (it says `package {}`)", stub.package),
            ));
        }
        // Declarations the plain run writes too are the bindings'.
        let bindings = match plain.get(&path) {
            Some(text) => GoFile::parse(&path, text)?
                .decls
                .into_iter()
                .map(|d| d.key)
                .collect(),
            None => Vec::new(),
        };
        let user: Vec<&Decl> = stub
            .decls
            .iter()
            .filter(|d| !bindings.contains(&d.key))
            .collect();
        let file_name = package.trim_start_matches("export_");
        let file = PathBuf::from(&package).join(format!("{file_name}.go"));
        let mut text = header("//", name, exports.world_name);
        match entry_func {
            Some((g, _)) if std::ptr::eq(g, group) => {
                let entry = entry.expect("found for it");
                text.push_str(&filled(&stub, &user, entry, name, &package, stubbed)?);
            }
            _ => {
                let decls = user_part(exports.resolve, &stub, group, &user)?;
                text.push_str(&format!("\npackage {package}\n"));
                let imports = stub.imports_used_by(&decls);
                if !imports.is_empty() {
                    text.push_str("\nimport (\n");
                    for import in &imports {
                        text.push_str(&format!("\t{}\n", import.spec()));
                    }
                    text.push_str(")\n");
                    if bindings.is_empty() {
                        // A package whose every declaration is the user's
                        // has always had two blank lines after its
                        // imports; kept, so skeletons stay as they were.
                        text.push('\n');
                    }
                }
                for decl in decls {
                    text.push('\n');
                    text.push_str(&decl);
                }
            }
        }
        out.push((file, text));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The package wit-bindgen-go binds an export in (without `export_`).
fn package_name(exports: &Exports<'_>, key: Option<&WorldKey>) -> String {
    let resolve = exports.resolve;
    let name = match key {
        Some(WorldKey::Name(name)) => name.to_snake_case(),
        Some(WorldKey::Interface(id)) => {
            let iface = &resolve.interfaces[*id];
            let package = &resolve.packages[iface.package.expect("a named interface")];
            let versions = resolve
                .packages
                .iter()
                .filter(|(_, p)| {
                    p.name.namespace == package.name.namespace && p.name.name == package.name.name
                })
                .count();
            // The version goes into the name only when the WIT holds two.
            let version = match &package.name.version {
                Some(v) if versions > 1 => {
                    format!("{}_", v.to_string().replace(['.', '-', '+'], "_"))
                }
                _ => String::new(),
            };
            format!(
                "{}_{}_{version}{}",
                package.name.namespace.to_snake_case(),
                package.name.name.to_snake_case(),
                iface
                    .name
                    .as_deref()
                    .expect("a named interface")
                    .to_snake_case()
            )
        }
        None => "wit_world".to_string(),
    };
    if GO_KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

const GO_KEYWORDS: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "type",
    "var",
];

/// Methods the bindings define on every resource, which a user's method
/// of that name would collide with: wit-bindgen-go suffixes it with `_`.
const RESERVED_METHODS: &[&str] = &["TakeHandle", "SetHandle", "Handle", "Drop", "OnDrop"];

/// How wit-bindgen-go declares an exported function: its receiver type
/// (for a method) and its name.
fn go_name(resolve: &Resolve, f: &Func<'_>) -> (Option<String>, String) {
    let resource = |ty: TypeId| {
        resolve.types[ty]
            .name
            .as_deref()
            .unwrap_or_default()
            .to_upper_camel_case()
    };
    let camel = f.wit.item_name().to_upper_camel_case();
    match f.wit.kind {
        FunctionKind::Constructor(ty) => (None, format!("Make{}", resource(ty))),
        FunctionKind::Method(ty) | FunctionKind::AsyncMethod(ty) => {
            let name = if RESERVED_METHODS.contains(&camel.as_str()) {
                format!("{camel}_")
            } else {
                camel
            };
            (Some(resource(ty)), name)
        }
        FunctionKind::Static(ty) | FunctionKind::AsyncStatic(ty) => {
            (None, format!("{}{camel}", resource(ty)))
        }
        _ => (None, camel),
    }
}

/// The user's declarations in order, checked against the model and
/// printed: resource types and what goes with them, then a stub per
/// exported function.
fn user_part(
    resolve: &Resolve,
    stub: &GoFile<'_>,
    group: &Group<'_>,
    user: &[&Decl],
) -> Result<Vec<String>, SkeletonError> {
    let resources: Vec<String> = group
        .resources
        .iter()
        .map(|r| r.name.to_upper_camel_case())
        .collect();
    let functions: Vec<(Option<String>, String)> = group
        .functions
        .iter()
        .map(|f| go_name(resolve, f))
        .collect();
    for (receiver, name) in &functions {
        let key = Key::Func(receiver.clone(), name.clone());
        if !user.iter().any(|d| d.key == key) {
            return Err(unexpected(
                GENERATOR,
                stub.file,
                format!("a stub of `{}`", key.shown()),
            ));
        }
    }
    for resource in &resources {
        if !user.iter().any(|d| d.key == Key::Type(resource.clone())) {
            return Err(unexpected(
                GENERATOR,
                stub.file,
                format!("the type of resource `{resource}` among the stubs"),
            ));
        }
    }
    let mut out = Vec::new();
    for decl in user {
        let text = match &decl.key {
            Key::Func(receiver, name) if functions.contains(&(receiver.clone(), name.clone())) => {
                format!(
                    "// TODO: implement.\n{} {{\n\tpanic(\"not implemented\")\n}}\n",
                    stub.signature(decl)
                )
            }
            // What goes with a resource's type (its `OnDrop` hook):
            // written as the stubs have it, empty.
            Key::Func(Some(receiver), _)
                if resources.contains(receiver) && decl.body.is_empty() =>
            {
                format!("{} {{}}\n", stub.signature(decl))
            }
            Key::Type(name) if resources.contains(name) => stub.type_decl(decl)?,
            key => {
                return Err(unexpected(
                    GENERATOR,
                    stub.file,
                    format!(
                        "stubs of the world's exports only (it has `{}`, which witloom does not know)",
                        key.shown()
                    ),
                ));
            }
        };
        out.push(text);
    }
    Ok(out)
}

/// The file of the filled entry point: its declaration is witloom's, so
/// the stub must be the one it replaces, and the bindings must have what
/// its body calls.
fn filled(
    stub: &GoFile<'_>,
    user: &[&Decl],
    entry: Entry,
    name: &str,
    package: &str,
    stubbed: &Generated,
) -> Result<String, SkeletonError> {
    let Some(fill) = crate::filled::go(entry, name) else {
        return Err(unexpected(
            GENERATOR,
            stub.file,
            "a synchronous entry point, which witloom's greeting fills".to_string(),
        ));
    };
    let wanted = Key::Func(None, fill.function.to_string());
    // The file is witloom's whole: the stub it replaces must be all the
    // package asks of the user.
    if let Some(other) = user.iter().find(|d| d.key != wanted) {
        return Err(unexpected(
            GENERATOR,
            stub.file,
            format!(
                "only a stub of `func {}` (it has `{}`), which witloom's greeting replaces",
                fill.function,
                other.key.shown()
            ),
        ));
    }
    let decl = user.iter().find(|d| d.key == wanted).ok_or_else(|| {
        unexpected(
            GENERATOR,
            stub.file,
            format!("a stub of `func {}`", fill.function),
        )
    })?;
    let signature = stub.signature(decl);
    // `{types}` stands for the package of `wasi:http/types`, by whatever
    // identifier the stub imports it with.
    let types = if fill.signature.contains("{types}") {
        stub.imports
            .iter()
            .find(|i| signature == fill.signature.replace("{types}", i.ident()))
    } else {
        None
    };
    if types.is_none() && signature != fill.signature {
        return Err(unexpected(
            GENERATOR,
            stub.file,
            format!(
                "`{}`, which witloom's greeting implements (it declares `{signature}`)",
                fill.signature.replace("{types}", "…")
            ),
        ));
    }
    let types_file = match types {
        Some(types) => {
            let dir = types
                .path
                .trim_matches('"')
                .rsplit('/')
                .next()
                .unwrap_or_default();
            let path = format!("{dir}/wit_bindings.go");
            let (path, text) = stubbed.get_key_value(&path).ok_or_else(|| {
                unexpected(GENERATOR, &path, "the bindings of `wasi:http/types`".into())
            })?;
            Some(GoFile::parse(path, text)?)
        }
        None => None,
    };
    if let Some(file) = &types_file {
        let declared = |name: &str| {
            file.decls.iter().any(|d| match &d.key {
                Key::Func(None, n) | Key::Type(n) | Key::Value(n) => n == name,
                Key::Func(Some(_), _) => false,
            })
        };
        if let Some(missing) = fill.uses.iter().find(|u| !declared(u)) {
            return Err(unexpected(
                GENERATOR,
                file.file,
                format!("`{missing}`, which witloom's greeting calls"),
            ));
        }
    }
    // The support package's path, as the bindings import it.
    let wit_types = stub
        .imports
        .iter()
        .chain(types_file.iter().flat_map(|f| f.imports.iter()))
        .find(|i| i.ident() == "witTypes")
        .ok_or_else(|| {
            unexpected(
                GENERATOR,
                stub.file,
                "an import of `witTypes`, which witloom's greeting uses".into(),
            )
        })?;
    Ok(fill
        .text
        .replace("{package}", package)
        .replace("{types_path}", types.map_or("", |t| t.path))
        .replace("{wit_types_path}", wit_types.path))
}

/// Identifies a declaration across the two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    /// A function, with its receiver's type for a method.
    Func(Option<String>, String),
    Type(String),
    /// `var` or `const`, by its first name.
    Value(String),
}

impl Key {
    fn shown(&self) -> String {
        match self {
            Key::Func(Some(receiver), name) => format!("func (*{receiver}) {name}"),
            Key::Func(None, name) => format!("func {name}"),
            Key::Type(name) => format!("type {name}"),
            Key::Value(name) => name.clone(),
        }
    }
}

/// A Go file's package, imports and top-level declarations.
struct GoFile<'a> {
    file: &'a str,
    tokens: Vec<Token<'a>>,
    package: String,
    imports: Vec<Import<'a>>,
    decls: Vec<Decl>,
}

struct Import<'a> {
    alias: Option<&'a str>,
    /// With its quotes.
    path: &'a str,
}

impl Import<'_> {
    /// The identifier code uses for the package.
    fn ident(&self) -> &str {
        self.alias.unwrap_or_else(|| {
            let path = self.path.trim_matches('"');
            path.rsplit('/').next().unwrap_or(path)
        })
    }

    fn spec(&self) -> String {
        match self.alias {
            Some(alias) => format!("{alias} {}", self.path),
            None => self.path.to_string(),
        }
    }
}

struct Decl {
    key: Key,
    /// Token range: from `func`/`type`/`var`/`const` to the token before
    /// the body's `{` (a function), or to the declaration's end.
    head: std::ops::Range<usize>,
    /// A function's or struct's body, between its braces.
    body: std::ops::Range<usize>,
}

impl<'a> GoFile<'a> {
    fn parse(file: &'a str, text: &'a [u8]) -> Result<GoFile<'a>, SkeletonError> {
        let text = std::str::from_utf8(text)
            .map_err(|_| unexpected(GENERATOR, file, "UTF-8 text".into()))?;
        let tokens = lex::tokens(text).map_err(|u| {
            unexpected(
                GENERATOR,
                file,
                format!(
                    "Go, but it has an unterminated {} at line {}",
                    u.what, u.line
                ),
            )
        })?;
        let bad = |at: &Token<'_>, what: &str| {
            unexpected(
                GENERATOR,
                file,
                format!("{what} (line {}: `{}`)", at.line + 1, at.text),
            )
        };
        let t = &tokens;
        if !(t.first().is_some_and(|p| p.is("package")) && t.get(1).is_some_and(Token::is_ident)) {
            return Err(unexpected(
                GENERATOR,
                file,
                "a `package` clause first".into(),
            ));
        }
        let package = t[1].text.to_string();
        let mut imports = Vec::new();
        let mut decls = Vec::new();
        let mut i = 2;
        while i < t.len() {
            let start = i;
            match t[i].text {
                ";" => i += 1,
                "import" => {
                    let specs = if t.get(i + 1).is_some_and(|p| p.is("(")) {
                        let close = lex::closing(t, i + 1)
                            .ok_or_else(|| bad(&t[i], "a closed import block"))?;
                        let specs = i + 2..close;
                        i = close + 1;
                        specs
                    } else {
                        let end = (i + 1..t.len())
                            .find(|j| t[*j].kind == Kind::Literal)
                            .ok_or_else(|| bad(&t[i], "an import path"))?;
                        let specs = i + 1..end + 1;
                        i = end + 1;
                        specs
                    };
                    let mut alias = None;
                    for tok in &t[specs] {
                        match tok.kind {
                            Kind::Literal => imports.push(Import {
                                alias: alias.take(),
                                path: tok.text,
                            }),
                            Kind::Ident => alias = Some(tok.text),
                            _ if tok.is(".") || tok.is("_") => alias = Some(tok.text),
                            _ if tok.is(";") => {}
                            _ => return Err(bad(tok, "import specs")),
                        }
                    }
                }
                "func" => {
                    let mut j = i + 1;
                    let receiver = if t.get(j).is_some_and(|p| p.is("(")) {
                        let close = lex::closing(t, j).ok_or_else(|| bad(&t[j], "a receiver"))?;
                        let ty = t[j + 1..close]
                            .iter()
                            .rev()
                            .find(|t| t.is_ident())
                            .ok_or_else(|| bad(&t[j], "a receiver type"))?;
                        j = close + 1;
                        Some(ty.text.to_string())
                    } else {
                        None
                    };
                    let name = t
                        .get(j)
                        .filter(|n| n.is_ident())
                        .ok_or_else(|| bad(&t[i], "a function name"))?;
                    // The body's `{` ends the signature's line (Go ends a
                    // statement at a line's end); a declaration without
                    // one (`//go:wasmimport`) ends at its line's end.
                    let mut k = j + 1;
                    let mut body = None;
                    while k < t.len() && t[k].line == t[k - 1].line {
                        let punct = t[k].kind == Kind::Punct;
                        match t[k].text {
                            "(" | "[" if punct => {
                                k = lex::closing(t, k)
                                    .ok_or_else(|| bad(&t[k], "closed brackets"))?
                                    + 1;
                            }
                            "{" if punct
                                && !(t[k - 1].is("struct") || t[k - 1].is("interface")) =>
                            {
                                body = Some(k);
                                break;
                            }
                            "{" if punct => {
                                k = lex::closing(t, k)
                                    .ok_or_else(|| bad(&t[k], "closed braces"))?
                                    + 1;
                            }
                            _ => k += 1,
                        }
                    }
                    let (head_end, body, next) = match body {
                        Some(open) => {
                            let close = lex::closing(t, open)
                                .ok_or_else(|| bad(&t[open], "a closed body"))?;
                            (open, open + 1..close, close + 1)
                        }
                        None => (k, k..k, k),
                    };
                    decls.push(Decl {
                        key: Key::Func(receiver, name.text.to_string()),
                        head: start..head_end,
                        body,
                    });
                    i = next;
                }
                "type" | "var" | "const" => {
                    // A block (`const (…)`) is known by its first name.
                    let named = if t.get(i + 1).is_some_and(|p| p.is("(")) {
                        i + 2
                    } else {
                        i + 1
                    };
                    let name = t.get(named).ok_or_else(|| bad(&t[i], "a declaration"))?;
                    let end = decl_end(t, i + 1);
                    let (key, body) = match t[i].text {
                        "type" => {
                            // `type X struct { … }`: the fields are its body.
                            let body = if lex::starts_with(t, i + 2, &["struct", "{"]) {
                                let close = lex::closing(t, i + 3)
                                    .ok_or_else(|| bad(&t[i], "a closed struct"))?;
                                i + 4..close
                            } else {
                                i + 2..i + 2
                            };
                            (Key::Type(name.text.to_string()), body)
                        }
                        _ => (Key::Value(name.text.to_string()), i + 1..i + 1),
                    };
                    decls.push(Decl {
                        key,
                        head: start..end,
                        body,
                    });
                    i = end;
                }
                _ => {
                    return Err(bad(
                        &t[i],
                        "top-level `import`, `func`, `type`, `var` and `const` only",
                    ));
                }
            }
        }
        Ok(GoFile {
            file,
            tokens,
            package,
            imports,
            decls,
        })
    }

    /// A function's declaration, laid out as gofmt does.
    fn signature(&self, decl: &Decl) -> String {
        go_layout(&self.tokens[decl.head.clone()])
    }

    /// `type X struct { … }` laid out as gofmt does: a field a line, the
    /// types aligned.
    fn type_decl(&self, decl: &Decl) -> Result<String, SkeletonError> {
        let t = &self.tokens;
        if !lex::starts_with(t, decl.head.start + 2, &["struct", "{"]) {
            return Err(unexpected(
                GENERATOR,
                self.file,
                format!("`{}` as a struct", decl.key.shown()),
            ));
        }
        let mut fields: Vec<Vec<&Token<'_>>> = Vec::new();
        let mut last_line = None;
        for tok in &t[decl.body.clone()] {
            if tok.is(";") {
                last_line = None;
                continue;
            }
            if last_line != Some(tok.line) {
                fields.push(Vec::new());
            }
            last_line = Some(tok.line);
            fields.last_mut().expect("pushed").push(tok);
        }
        let width = fields
            .iter()
            .filter(|f| f.len() > 1)
            .map(|f| f[0].text.len())
            .max()
            .unwrap_or(0);
        let Key::Type(name) = &decl.key else {
            unreachable!("a type's key")
        };
        let mut out = format!("type {name} struct {{\n");
        for field in fields {
            let ty: Vec<Token<'_>> = field[1..].iter().map(|t| **t).collect();
            if ty.is_empty() {
                out.push_str(&format!("\t{}\n", field[0].text));
            } else {
                out.push_str(&format!("\t{:width$} {}\n", field[0].text, go_layout(&ty)));
            }
        }
        out.push_str("}\n");
        Ok(out)
    }

    /// The imports `decls` name, in gofmt's order (by path).
    fn imports_used_by(&self, decls: &[String]) -> Vec<&Import<'a>> {
        let mut used: Vec<&Import<'a>> = self
            .imports
            .iter()
            .filter(|import| {
                import.ident() == "."
                    || decls.iter().any(|d| {
                        lex::tokens(d).is_ok_and(|t| {
                            t.windows(2)
                                .any(|w| w[0].is(import.ident()) && w[0].is_ident() && w[1].is("."))
                        })
                    })
            })
            .collect();
        used.sort_by_key(|i| i.path);
        used
    }
}

/// Where a `type`/`var`/`const` declaration starting at `from` ends: past
/// its brackets, at the end of its last line.
fn decl_end(t: &[Token<'_>], from: usize) -> usize {
    let mut i = from;
    let mut line = t[from].line;
    while i < t.len() {
        if matches!(t[i].text, "(" | "[" | "{") && t[i].kind == Kind::Punct {
            match lex::closing(t, i) {
                Some(close) => {
                    line = t[close].line;
                    i = close + 1;
                    continue;
                }
                None => return t.len(),
            }
        }
        if t[i].line > line || t[i].is(";") {
            return i;
        }
        i += 1;
    }
    i
}

/// Go tokens as gofmt spaces a declaration: words apart, nothing inside
/// brackets or around `.`, a space after `,` and before `{`, `*` against
/// its type, a slice's `[]` apart from the name before it.
fn go_layout(tokens: &[Token<'_>]) -> String {
    let mut out = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if let Some(p) = i.checked_sub(1).map(|i| &tokens[i]) {
            let next = tokens.get(i + 1);
            let space = match (p.text, t.text) {
                (_, "{") => true,
                ("func", "(") | (")", "(") => true,
                (_, ")" | "]" | "," | "." | "(") => false,
                (".", _) | ("(" | "[" | "*", _) => false,
                (",", _) => true,
                ("]", _) => false,
                // `x []T`, `) [4]T`; but `Option[T]`, `map[K]V`.
                (_, "[") => next.is_some_and(|n| n.is("]") || n.kind == Kind::Literal),
                _ => true,
            };
            if space {
                out.push(' ');
            }
        }
        out.push_str(t.text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaffold::fixtures::{self, expected};
    use wit_bindgen_go::Format;

    fn runs(wit: &witloom_ir::Loaded, world: &str, format: Format) -> (Generated, Generated) {
        let id = fixtures::world(wit, world);
        let run = |generate_stubs| {
            let opts = wit_bindgen_go::Opts {
                format,
                generate_stubs,
                quiet: true,
                ..Default::default()
            };
            fixtures::generated(wit, id, opts.build())
        };
        (run(false), run(true))
    }

    fn skeleton_of(
        wit: &witloom_ir::Loaded,
        world: &str,
        (plain, stubbed): &(Generated, Generated),
    ) -> Result<Vec<(PathBuf, String)>, SkeletonError> {
        let exports = Exports::of(wit, fixtures::world(wit, world));
        files(
            &exports,
            "demo",
            crate::filled::entry_of(&exports),
            plain,
            stubbed,
        )
    }

    fn edited(generated: &Generated, edit: impl Fn(&str) -> String) -> Generated {
        generated
            .iter()
            .map(|(name, text)| {
                let text = edit(std::str::from_utf8(text).unwrap());
                (name.clone(), text.into_bytes())
            })
            .collect()
    }

    #[test]
    fn output_laid_out_otherwise_gives_the_same_skeleton() {
        for (wit, world) in [(fixtures::suite(), "test"), (fixtures::wasi(), "all")] {
            let formatted = runs(&wit, world, Format::True);
            let as_generated = skeleton_of(&wit, world, &formatted).unwrap();
            // As wit-bindgen-go writes it when gofmt is not there.
            let raw = runs(&wit, world, Format::False);
            assert_eq!(
                skeleton_of(&wit, world, &raw).unwrap(),
                as_generated,
                "{world}"
            );
            // Spaced out further: every space doubled, tabs as spaces.
            let spaced = |g: &Generated| edited(g, |t| t.replace(' ', "  ").replace('\t', "    "));
            let spaced = (spaced(&formatted.0), spaced(&formatted.1));
            assert_ne!(spaced.1, formatted.1);
            assert_eq!(
                skeleton_of(&wit, world, &spaced).unwrap(),
                as_generated,
                "{world}"
            );
        }
    }

    #[test]
    fn what_the_stubs_lack_or_add_is_an_error_naming_it() {
        let wit = fixtures::suite();
        let (plain, stubbed) = runs(&wit, "test", Format::True);
        let values = "export_witloom_test_values/wit_bindings.go";
        let cases: [(&str, &str, &str, &str); 3] = [
            (
                values,
                "func EchoBool(",
                "func EchoBoolean(",
                "a stub of `func EchoBool`",
            ),
            (
                "export_witloom_test_counters/wit_bindings.go",
                "type Counter struct",
                "type Count struct",
                "the type of resource `Counter` among the stubs",
            ),
            (
                values,
                "package export_witloom_test_values",
                "package export_values",
                "`package export_witloom_test_values` (it says `package export_values`)",
            ),
        ];
        for (file, from, to, want) in cases {
            let mut stubbed = stubbed.clone();
            let text = String::from_utf8(stubbed[file].clone()).unwrap();
            assert!(text.contains(from), "{from}");
            stubbed.insert(file.to_string(), text.replace(from, to).into_bytes());
            let e = skeleton_of(&wit, "test", &(plain.clone(), stubbed)).unwrap_err();
            assert_eq!(expected(e), (file.to_string(), want.to_string()));
        }
    }

    #[test]
    fn an_entry_point_declared_otherwise_than_its_body_expects_is_an_error() {
        let wit = fixtures::wasi();
        let (plain, stubbed) = runs(&wit, "all", Format::True);
        let renamed = edited(&stubbed, |t| t.replace("_responseOut", "_out"));
        let e = skeleton_of(&wit, "all", &(plain.clone(), renamed)).unwrap_err();
        let (file, what) = expected(e);
        assert_eq!(file, "export_wasi_http_incoming_handler/wit_bindings.go");
        assert!(
            what.starts_with(
                "`func Handle(_request *….IncomingRequest, _responseOut *….ResponseOutparam)`, which"
            ),
            "{what}"
        );
        let types = "wasi_http_types/wit_bindings.go";
        let mut gone = stubbed.clone();
        let text = String::from_utf8(gone[types].clone()).unwrap();
        gone.insert(
            types.to_string(),
            text.replace("func MakeFields(", "func NewFields(")
                .into_bytes(),
        );
        let e = skeleton_of(&wit, "all", &(plain, gone)).unwrap_err();
        assert_eq!(
            expected(e),
            (
                types.to_string(),
                "`MakeFields`, which witloom's greeting calls".to_string()
            )
        );
    }

    #[test]
    fn declarations_are_laid_out_as_gofmt_does() {
        let t = lex::tokens(
            "func  (self  *X)  F( _a []uint8 ,_b witTypes.Option[ uint32 ], _c map[string]int32 )  (uint8,[]string)",
        )
        .unwrap();
        assert_eq!(
            go_layout(&t),
            "func (self *X) F(_a []uint8, _b witTypes.Option[uint32], _c map[string]int32) (uint8, []string)"
        );
        let t = lex::tokens("func F(_x [4]uint8)[]uint8").unwrap();
        assert_eq!(go_layout(&t), "func F(_x [4]uint8) []uint8");
    }
}
