//! The C skeleton: one `.c` file that includes the world's header and
//! defines every function the component exports, and the struct of each
//! exported resource.
//!
//! What is defined comes from the model, named by wit-bindgen-c's own
//! functions: an export's symbol by `c_func_name`, a resource's struct by
//! `owner_namespace` and `gen_type_name`, the header by the world's name
//! in snake case (how wit-bindgen-c names it). Only the C spelling of each
//! signature is read from the header, because wit-bindgen-c computes it
//! privately (flattened results, the names of anonymous types): the
//! declaration of that one symbol, found by tokens and printed in one
//! canonical layout. Whatever the header lacks is an error.

use super::exports::{Exports, Func};
use super::lex::{self, Kind, Token};
use super::{Generated, SkeletonError, generate, header, unexpected};
use crate::filled::Entry;
use heck::ToSnakeCase;
use std::collections::HashMap;
use std::path::PathBuf;
use wit_bindgen_core::AsyncFilterSet;

const GENERATOR: &str = "wit-bindgen-c";

/// The skeleton's one file.
pub(super) fn skeleton(
    exports: &Exports<'_>,
    name: &str,
    entry: Option<Entry>,
) -> Result<Vec<(PathBuf, String)>, SkeletonError> {
    let generated = generate(exports, wit_bindgen_c::Opts::default().build(), "C")?;
    file(exports, name, entry, &generated)
}

/// The file, from the model and the header in `generated`.
pub(super) fn file(
    exports: &Exports<'_>,
    name: &str,
    entry: Option<Entry>,
    generated: &Generated,
) -> Result<Vec<(PathBuf, String)>, SkeletonError> {
    // wit-bindgen-c names the header, and the prefix of the world's own
    // types, after the world.
    let prefix = exports.world_name.to_snake_case();
    let header_name = format!("{prefix}.h");
    let text = generated
        .get(&header_name)
        .ok_or_else(|| unexpected(GENERATOR, &header_name, "the world's header".into()))?;
    let h = Header::parse(&header_name, text)?;
    let plan = plan(exports, &h, entry)?;
    let filled = match plan.entry {
        Some((entry, at)) => Some((at, fill(&h, entry, name, &prefix, &plan.definitions[at])?)),
        None => None,
    };

    let mut out = header("//", name, exports.world_name);
    out.push_str(&format!(
        "//\n// The bindings (`{header_name}`) are generated at each build: they \
         declare\n// the types and the functions below. Arguments passed to you \
         are yours to\n// free; what you return is freed by the bindings.\n\n"
    ));
    if let Some((_, fill)) = &filled {
        out.push_str(&format!("#include {}\n", fill.include));
    }
    out.push_str(&format!("#include \"{header_name}\"\n"));
    for name in &plan.structs {
        out.push_str(&format!(
            "\n// The state of one `{name}`.\nstruct {name} {{\n    int todo;\n}};\n"
        ));
    }
    for (i, def) in plan.definitions.iter().enumerate() {
        out.push_str(&format!("\n{} {{\n", def.declaration));
        match &filled {
            Some((at, fill)) if *at == i => out.push_str(&fill.body),
            _ => {
                out.push_str(&format!("    // TODO: implement `{}`.\n", def.label));
                if def.returns != "void" {
                    out.push_str(&format!("    return ({}){{0}};\n", def.returns));
                }
            }
        }
        out.push_str("}\n");
    }
    let file = format!("{}.c", name.replace('-', "_"));
    Ok(vec![(PathBuf::from(file), out)])
}

/// The entry point's body, once the header is seen to declare it as the
/// body expects, and to declare every generated name the body calls.
fn fill(
    h: &Header<'_>,
    entry: Entry,
    name: &str,
    prefix: &str,
    def: &Definition,
) -> Result<crate::filled::CFill, SkeletonError> {
    let mut fill = crate::filled::c(entry, name, prefix);
    if def.returns != fill.returns || def.parameters != fill.params {
        return Err(unexpected(
            GENERATOR,
            h.file,
            format!(
                "a prototype `{} {}({})`, which witloom's greeting implements (it declares `{}`)",
                fill.returns,
                def.symbol,
                fill.params.join(", "),
                def.declaration
            ),
        ));
    }
    if entry.is_async() {
        // An async export's result goes back through `SYMBOL_return`,
        // whose one parameter's type wit-bindgen-c names.
        let returned = format!("{}_return", def.symbol);
        let decl = h.declaration(&returned)?;
        let types = decl.parameter_types();
        let [result] = &types[..] else {
            return Err(unexpected(
                GENERATOR,
                h.file,
                format!("`void {returned}(RESULT ret)`, which witloom's greeting calls"),
            ));
        };
        fill.body = fill
            .body
            .replace("{return}", &returned)
            .replace("{result}", result);
    }
    let body = lex::tokens(&fill.body).expect("witloom's own C");
    let own = format!("{prefix}_");
    if let Some(missing) = body
        .iter()
        .filter(|t| t.is_ident() && (t.text.starts_with("wasi_") || t.text.starts_with(&own)))
        .find(|t| !h.names(t.text))
    {
        return Err(unexpected(
            GENERATOR,
            h.file,
            format!("`{}`, which witloom's greeting calls", missing.text),
        ));
    }
    Ok(fill)
}

/// What the file defines.
struct Plan {
    /// Exported resources' structs.
    structs: Vec<String>,
    /// Every function, in the header's order: the exports, then the
    /// resources' destructors.
    definitions: Vec<Definition>,
    /// The entry point, and its index in `definitions`.
    entry: Option<(Entry, usize)>,
}

struct Definition {
    symbol: String,
    /// The declaration, canonically laid out, without its `;`.
    declaration: String,
    /// Its parameters' names.
    parameters: Vec<String>,
    /// Its return type, `void` when none.
    returns: String,
    /// What it implements, in WIT terms.
    label: String,
}

fn plan(
    exports: &Exports<'_>,
    h: &Header<'_>,
    entry: Option<Entry>,
) -> Result<Plan, SkeletonError> {
    let symbols = symbols(exports);
    let entry_func = entry.and_then(|e| exports.find(e.host()));
    for (name, resource) in &symbols.structs {
        if !h.typedefs_struct(name) {
            return Err(unexpected(
                GENERATOR,
                h.file,
                format!("`typedef struct {name} {name};`, the struct of resource `{resource}`"),
            ));
        }
    }
    let mut plan = Plan {
        structs: symbols.structs.into_iter().map(|(name, _)| name).collect(),
        definitions: Vec::new(),
        entry: None,
    };
    for (symbol, label, export) in symbols.functions {
        if let (Some((_, e)), Some(f)) = (entry_func, export)
            && std::ptr::eq(e, f)
        {
            plan.entry = Some((entry.expect("found for it"), plan.definitions.len()));
        }
        plan.definitions.push(h.definition(&symbol, label)?);
    }
    Ok(plan)
}

/// What a C guest of a world defines, named as wit-bindgen-c names it.
pub(crate) struct Symbols<'e, 'a> {
    /// The struct of each exported resource, and the resource's name.
    pub structs: Vec<(String, &'a str)>,
    /// Each function, in the header's order (the exports, then the
    /// resources' destructors): its symbol, what it implements in WIT
    /// terms, and the export it is (not for a callback or destructor).
    pub functions: Vec<(String, String, Option<&'e Func<'a>>)>,
}

pub(crate) fn symbols<'e, 'a>(exports: &'e Exports<'a>) -> Symbols<'e, 'a> {
    let resolve = exports.resolve;
    // Opts::default() renames no interface.
    let renamed = HashMap::new();
    let mut out = Symbols {
        structs: Vec::new(),
        functions: Vec::new(),
    };
    let mut destructors = Vec::new();
    for group in &exports.groups {
        for f in &group.functions {
            let symbol = wit_bindgen_c::c_func_name(
                false,
                resolve,
                exports.world_name,
                group.key,
                f.wit,
                &renamed,
            );
            let label = f.ir.qualified_name.clone();
            // An async export needs a callback too, which the generator
            // declares next to it, named after it.
            let callback = is_async(exports, group.key, f).then(|| {
                (
                    format!("{symbol}_callback"),
                    format!("{label} (its callback)"),
                    None,
                )
            });
            out.functions.push((symbol, label, Some(f)));
            out.functions.extend(callback);
        }
        let (Some(key), Some(interface), Some(ir)) = (group.key, group.interface, group.ir) else {
            continue;
        };
        for resource in &group.resources {
            let ns = wit_bindgen_c::owner_namespace(
                Some((interface, key)),
                false,
                exports.world_name.to_string(),
                resolve,
                resource.id,
                &renamed,
            );
            let (_, encoded) = wit_bindgen_c::gen_type_name(resolve, resource.id);
            out.structs
                .push((format!("{ns}_{encoded}_t"), resource.name));
            destructors.push((
                format!("{ns}_{}_destructor", resource.name.to_snake_case()),
                format!("{}#{} (its destructor)", ir.qualified_name, resource.name),
                None,
            ));
        }
    }
    out.functions.extend(destructors);
    out
}

fn is_async(
    exports: &Exports<'_>,
    key: Option<&wit_bindgen_core::wit_parser::WorldKey>,
    f: &Func<'_>,
) -> bool {
    // The options wit-bindgen-c runs with: the defaults.
    AsyncFilterSet::default().is_async(exports.resolve, key, f.wit, false)
}

/// The tokens of a generated header, preprocessor lines left out.
pub(crate) struct Header<'a> {
    pub file: &'a str,
    tokens: Vec<Token<'a>>,
}

/// One function's declaration in a header.
pub(crate) struct Declaration<'h, 'a> {
    /// From the return type to the `)` closing the parameters.
    tokens: &'h [Token<'a>],
    /// Where the function's name is in `tokens`.
    name: usize,
}

impl<'a> Header<'a> {
    pub fn parse(file: &'a str, text: &'a [u8]) -> Result<Header<'a>, SkeletonError> {
        let text = std::str::from_utf8(text)
            .map_err(|_| unexpected(GENERATOR, file, "UTF-8 text".into()))?;
        let all = lex::tokens(text).map_err(|u| {
            unexpected(
                GENERATOR,
                file,
                format!(
                    "C, but it has an unterminated {} at line {}",
                    u.what, u.line
                ),
            )
        })?;
        let mut tokens = Vec::with_capacity(all.len());
        let mut directive: Option<usize> = None;
        for (i, t) in all.iter().enumerate() {
            let first_on_line = i == 0 || all[i - 1].line < t.line;
            if let Some(line) = directive {
                // A directive runs to the end of its line, and on past a
                // line that ends in `\`.
                let continued = i > 0 && all[i - 1].text == "\\" && all[i - 1].line == line;
                if t.line == line || continued {
                    directive = Some(t.line);
                    continue;
                }
                directive = None;
            }
            if first_on_line && t.is("#") {
                directive = Some(t.line);
                continue;
            }
            tokens.push(*t);
        }
        Ok(Header { file, tokens })
    }

    /// The prototype of function `symbol`: exactly one, or an error.
    pub fn declaration(&self, symbol: &str) -> Result<Declaration<'_, 'a>, SkeletonError> {
        let t = &self.tokens;
        let mut found = Vec::new();
        for i in 0..t.len() {
            if !(t[i].is_ident() && t[i].text == symbol && t.get(i + 1).is_some_and(|p| p.is("(")))
            {
                continue;
            }
            let Some(close) = lex::closing(t, i + 1) else {
                continue;
            };
            if !t.get(close + 1).is_some_and(|p| p.is(";")) {
                continue;
            }
            let mut start = i;
            while start > 0 && !matches!(t[start - 1].text, ";" | "{" | "}") {
                start -= 1;
            }
            found.push((start, i, close));
        }
        let what = || format!("a prototype of `{symbol}`");
        let [(start, name, close)] = found[..] else {
            let what = if found.is_empty() {
                what()
            } else {
                format!("{} (it has {})", what(), found.len())
            };
            return Err(unexpected(GENERATOR, self.file, what));
        };
        let decl = Declaration {
            tokens: &t[start..=close],
            name: name - start,
        };
        // What comes before the name is its return type: words and `*`.
        if decl.tokens[..decl.name]
            .iter()
            .any(|t| !(t.is_ident() || t.is("*")))
            || decl.name == 0
        {
            return Err(unexpected(
                GENERATOR,
                self.file,
                format!("{} with a plain return type", what()),
            ));
        }
        Ok(decl)
    }

    fn definition(&self, symbol: &str, label: String) -> Result<Definition, SkeletonError> {
        let decl = self.declaration(symbol)?;
        Ok(Definition {
            symbol: symbol.to_string(),
            declaration: decl.text(),
            parameters: decl.parameters().into_iter().map(str::to_string).collect(),
            returns: decl.returns(),
            label,
        })
    }

    /// Whether the header says `typedef struct NAME NAME;`: a struct the
    /// user defines.
    fn typedefs_struct(&self, name: &str) -> bool {
        (0..self.tokens.len())
            .any(|i| lex::starts_with(&self.tokens, i, &["typedef", "struct", name, name, ";"]))
    }

    /// Whether the header names `ident` at all (a function, a type).
    pub fn names(&self, ident: &str) -> bool {
        self.tokens.iter().any(|t| t.is_ident() && t.text == ident)
    }
}

impl Declaration<'_, '_> {
    /// The declaration laid out one way, whatever the header's layout:
    /// `T name(A *a, B b)`. `extern` is left out: this is the definition.
    pub fn text(&self) -> String {
        let tokens: Vec<&Token<'_>> = self.tokens.iter().filter(|t| !t.is("extern")).collect();
        c_layout(&tokens)
    }

    /// The return type, `void` when it returns nothing.
    pub fn returns(&self) -> String {
        let tokens: Vec<&Token<'_>> = self.tokens[..self.name]
            .iter()
            .filter(|t| !t.is("extern"))
            .collect();
        c_layout(&tokens)
    }

    /// The parameters' types (all but the last word of each), in order.
    pub fn parameter_types(&self) -> Vec<String> {
        let params = &self.tokens[self.name + 2..self.tokens.len() - 1];
        lex::split_top_level(params, ",")
            .filter(|p| !(p.len() == 1 && p[0].is("void")))
            .filter_map(|p| {
                let last = p.iter().rposition(|t| t.is_ident())?;
                let ty: Vec<&Token<'_>> = p[..last].iter().collect();
                Some(c_layout(&ty))
            })
            .collect()
    }

    /// The parameters' names (the last word of each), in order.
    pub fn parameters(&self) -> Vec<&str> {
        let params = &self.tokens[self.name + 2..self.tokens.len() - 1];
        lex::split_top_level(params, ",")
            .filter_map(|p| p.iter().rev().find(|t| t.is_ident()).map(|t| t.text))
            .filter(|p| *p != "void")
            .collect()
    }
}

/// C tokens with the spacing of wit-bindgen-c's own prototypes: words
/// apart, `*` against the name it points with, nothing inside brackets,
/// a space after each `,`.
fn c_layout(tokens: &[&Token<'_>]) -> String {
    let mut out = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if let Some(p) = i.checked_sub(1).map(|i| tokens[i]) {
            let space = match (p.text, t.text) {
                (_, ")" | "," | ";" | "(" | "[" | "]") => false,
                ("(" | "[" | "*" | "&", _) => false,
                (",", _) | (_, "*") => true,
                _ => p.kind != Kind::Punct && t.kind != Kind::Punct,
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

    /// The header as a generator laying it out otherwise might write it:
    /// every token on a line of its own, indented, with comments between
    /// (preprocessor lines, which end at their line, kept as they were).
    fn relaid(text: &str) -> String {
        let mut out = String::new();
        let mut continued = false;
        for line in text.lines() {
            if continued || line.trim_start().starts_with('#') {
                continued = line.ends_with('\\');
                out.push_str(line);
                out.push('\n');
                continue;
            }
            for t in lex::tokens(line).unwrap() {
                out.push_str("   ");
                out.push_str(t.text);
                out.push_str(if t.is(";") { " /* ; { */\n" } else { "\n\t" });
            }
        }
        out
    }

    fn skeleton_with(
        exports: &Exports<'_>,
        generated: &Generated,
        header: &str,
        edit: impl Fn(&str) -> String,
    ) -> Result<String, SkeletonError> {
        let mut generated = generated.clone();
        let text = String::from_utf8(generated[header].clone()).unwrap();
        generated.insert(header.to_string(), edit(&text).into_bytes());
        let entry = crate::filled::entry_of(exports);
        let mut files = file(exports, "demo", entry, &generated)?;
        Ok(files.remove(0).1)
    }

    #[test]
    fn a_header_laid_out_otherwise_gives_the_same_skeleton() {
        for (wit, world, header) in [
            (fixtures::suite(), "test", "test.h"),
            // An entry point that is filled.
            (fixtures::wasi(), "all", "all.h"),
        ] {
            let id = fixtures::world(&wit, world);
            let exports = Exports::of(&wit, id);
            let generated = fixtures::generated(&wit, id, wit_bindgen_c::Opts::default().build());
            let as_generated = skeleton_with(&exports, &generated, header, str::to_string).unwrap();
            let relaid_header = relaid(std::str::from_utf8(&generated[header]).unwrap());
            assert!(relaid_header.lines().count() > 2 * as_generated.lines().count());
            let relaid = skeleton_with(&exports, &generated, header, |_| relaid_header.clone());
            assert_eq!(relaid.unwrap(), as_generated, "{world}");
        }
    }

    #[test]
    fn what_the_header_lacks_is_an_error_naming_it() {
        let wit = fixtures::suite();
        let id = fixtures::world(&wit, "test");
        let exports = Exports::of(&wit, id);
        let generated = fixtures::generated(&wit, id, wit_bindgen_c::Opts::default().build());
        let cases: [(&str, &str, &str); 3] = [
            (
                "bool exports_witloom_test_values_echo_bool(bool x);",
                "",
                "a prototype of `exports_witloom_test_values_echo_bool`",
            ),
            (
                "typedef struct exports_witloom_test_counters_counter_t exports_witloom_test_counters_counter_t;",
                "",
                "`typedef struct exports_witloom_test_counters_counter_t exports_witloom_test_counters_counter_t;`, the struct of resource `counter`",
            ),
            (
                "void exports_witloom_test_counters_counter_destructor(",
                "void exports_witloom_test_counters_counter_dtor(",
                "a prototype of `exports_witloom_test_counters_counter_destructor`",
            ),
        ];
        for (from, to, want) in cases {
            let e = skeleton_with(&exports, &generated, "test.h", |h| {
                assert!(h.contains(from), "{from}");
                h.replace(from, to)
            })
            .unwrap_err();
            assert_eq!(expected(e), ("test.h".to_string(), want.to_string()));
        }
    }

    #[test]
    fn an_entry_point_declared_otherwise_than_its_body_expects_is_an_error() {
        let wit = fixtures::wasi();
        let id = fixtures::world(&wit, "all");
        let exports = Exports::of(&wit, id);
        let generated = fixtures::generated(&wit, id, wit_bindgen_c::Opts::default().build());
        let handle = "exports_wasi_http_incoming_handler_handle";
        let renamed = skeleton_with(&exports, &generated, "all.h", |h| {
            h.replace("response_out)", "out)")
        })
        .unwrap_err();
        let (file, what) = expected(renamed);
        assert_eq!(file, "all.h");
        assert!(
            what.starts_with(&format!(
                "a prototype `void {handle}(request, response_out)`"
            )),
            "{what}"
        );
        let gone = skeleton_with(&exports, &generated, "all.h", |h| {
            h.replace(
                "wasi_http_types_method_fields_append",
                "wasi_http_types_method_fields_add",
            )
        })
        .unwrap_err();
        assert_eq!(
            expected(gone).1,
            "`wasi_http_types_method_fields_append`, which witloom's greeting calls"
        );
    }

    #[test]
    fn declarations_are_laid_out_one_way() {
        let t = lex::tokens("extern  T*\n f ( A  * a ,B b,\n  C**c ) ;").unwrap();
        let h = Header {
            file: "x.h",
            tokens: t,
        };
        let d = h.declaration("f").unwrap();
        assert_eq!(d.text(), "T *f(A *a, B b, C **c)");
        assert_eq!(d.returns(), "T *");
        assert_eq!(d.parameters(), ["a", "b", "c"]);
    }
}
