//! Rust names for WIT names: `snake_case` items, `UpperCamelCase` types,
//! `SHOUTY` flags, with keywords escaped the way wasmtime's `bindgen!`
//! escapes them (a trailing `_`), so code written against either reads the
//! same.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// `name`, or `name_` when `taken` has it.
fn unless_taken(name: String, taken: &[&str]) -> String {
    if taken.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

fn escape(name: String) -> String {
    unless_taken(name, KEYWORDS)
}

/// A function, field, parameter or module name.
pub fn snake(wit: &str) -> String {
    escape(wit.to_snake_case())
}

/// A type or variant case name.
pub fn camel(wit: &str) -> String {
    escape(wit.to_upper_camel_case())
}

/// Type names the generated code itself uses unqualified in every module
/// (generic parameters, std types, the per-interface traits and structs):
/// a WIT type that would take one of them gets a trailing `_` instead of
/// silently shadowing it.
const TAKEN_TYPES: &[&str] = &[
    "T",
    "D",
    "Vec",
    "String",
    "Box",
    "Option",
    "Result",
    "Send",
    "Sync",
    "Host",
    "Guest",
    "GuestIndices",
];

/// A type's name (records, variants, resources, aliases, worlds).
pub fn type_name(wit: &str) -> String {
    unless_taken(camel(wit), TAKEN_TYPES)
}

/// What a world's own items are named from (`W`, `WPre`, `WIndices`,
/// `WImports`): its name in `UpperCamelCase`, with `host` as `Host_`, as
/// `bindgen!` names them (`Host` is every interface's trait).
pub fn world_base(world: &str) -> String {
    if world == "host" {
        "Host_".to_string()
    } else {
        camel(world)
    }
}

/// The name of a type declared in world `world` itself: such types sit
/// beside the world's own `W`, `WPre`, `WIndices` and `WImports`, and one
/// that would take one of those names gets a trailing `_` (`bindgen!`
/// emits both and fails to compile).
pub fn world_type_name(wit: &str, world: &str) -> String {
    let w = world_base(world);
    let own = [
        type_name(world),
        format!("{w}Pre"),
        format!("{w}Indices"),
        format!("{w}Imports"),
    ];
    let name = type_name(wit);
    if own.contains(&name) {
        format!("{name}_")
    } else {
        name
    }
}

/// The `Guest<Resource>` view of an exported resource, kept clear of the
/// interface's own `GuestIndices`.
pub fn guest_view(resource: &str) -> String {
    unless_taken(format!("Guest{}", camel(resource)), &["GuestIndices"])
}

/// A resource method's or static function's Rust name. `taken` are the
/// names the constructor and destructor already have (`new`/`drop` on a
/// host trait, `constructor` on a guest view): a WIT function with one of
/// them gets a trailing `_`.
pub fn resource_fn(wit: &str, taken: &[&str]) -> String {
    unless_taken(snake(wit), taken)
}

/// An exported function's `func_*` accessor, from its `call_*` method
/// name (`method`, escaped) and WIT name: `func_read`; a keyword needs no
/// escape after the prefix (`func_type`), a clash with the constructor
/// keeps its escape (`func_constructor_`).
pub fn func_accessor(method: &str, wit: &str) -> String {
    let plain = wit.to_snake_case();
    if KEYWORDS.contains(&plain.as_str()) {
        format!("func_{plain}")
    } else {
        format!("func_{method}")
    }
}

/// A flag's constant name.
pub fn shouty(wit: &str) -> String {
    escape(wit.to_shouty_snake_case())
}

/// The field of a `Guest` struct holding a function, from its canonical
/// name: `greet`, `[method]file.read` → `method_file__read`. The double
/// `_` (which `snake` never writes) keeps `[method]a-b.c` and
/// `[method]a.b-c` apart.
pub fn func_field(canonical: &str) -> String {
    let (kind, rest) = match canonical.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((kind, rest)) => (Some(kind), rest),
        None => (None, canonical),
    };
    let rest: Vec<String> = rest.split('.').map(|p| p.to_snake_case()).collect();
    let rest = rest.join("__");
    escape(match kind {
        Some(kind) => format!("{}_{rest}", kind.to_snake_case()),
        None => rest,
    })
}

/// A version as it appears in a module name after the package's, as
/// `bindgen!` writes it: `0.2.6` → `0_2_6`, `1.0.0-rc.1` → `1_0_0_rc_1`.
pub fn version_suffix(version: &str) -> String {
    version.replace(['.', '-', '+'], "_").to_snake_case()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("echo-u8"), "echo_u8");
        assert_eq!(snake("type"), "type_");
        assert_eq!(camel("error-code"), "ErrorCode");
        assert_eq!(camel("self"), "Self_");
        assert_eq!(shouty("b31"), "B31");
        assert_eq!(func_field("[method]counter.add"), "method_counter__add");
        assert_eq!(func_field("[constructor]counter"), "constructor_counter");
        assert_ne!(func_field("[method]a-b.c"), func_field("[method]a.b-c"));
        assert_eq!(func_field("type"), "type_");
        assert_eq!(type_name("vec"), "Vec_");
        assert_eq!(type_name("t"), "T_");
        assert_eq!(type_name("host"), "Host_");
        assert_eq!(type_name("error-code"), "ErrorCode");
        assert_eq!(world_type_name("name", "name"), "Name_");
        assert_eq!(world_type_name("name-pre", "name"), "NamePre_");
        assert_eq!(world_type_name("other", "name"), "Other");
        assert_eq!(guest_view("indices"), "GuestIndices_");
        assert_eq!(resource_fn("drop", &["new", "drop"]), "drop_");
        assert_eq!(version_suffix("0.2.6"), "0_2_6");
        assert_eq!(version_suffix("1.0.0-rc.1"), "1_0_0_rc_1");
    }
}
