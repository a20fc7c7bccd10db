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

fn escape(name: String) -> String {
    if KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// A function, field, parameter or module name.
pub fn snake(wit: &str) -> String {
    escape(wit.to_snake_case())
}

/// A type or variant case name.
pub fn camel(wit: &str) -> String {
    escape(wit.to_upper_camel_case())
}

/// A flag's constant name.
pub fn shouty(wit: &str) -> String {
    escape(wit.to_shouty_snake_case())
}

/// The field of a `Guest` struct holding a function, from its canonical
/// name: `greet`, `[method]file.read` → `method_file_read`.
pub fn func_field(canonical: &str) -> String {
    let plain: String = canonical
        .chars()
        .map(|c| match c {
            '[' | ']' | '.' => '-',
            c => c,
        })
        .collect();
    snake(plain.trim_matches('-'))
}

/// A version as it appears in a module name: `0.2.6` → `v0_2_6`.
pub fn version_suffix(version: &str) -> String {
    let clean: String = version
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("v{clean}")
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
        assert_eq!(func_field("[method]counter.add"), "method_counter_add");
        assert_eq!(func_field("[constructor]counter"), "constructor_counter");
        assert_eq!(version_suffix("0.2.6"), "v0_2_6");
    }
}
