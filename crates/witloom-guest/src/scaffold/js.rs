//! The JavaScript skeleton: `app.js`, an ES module exporting what
//! componentize-js looks up, under jco's names:
//! - an object per exported interface, named in lower camel case after it
//!   (`export const incomingHandler = { handle(request, responseOut) {} }`),
//!   holding its functions and, in upper camel case, a class per resource
//!   it exports (`Counter: class Counter { constructor(start) {} }`, static
//!   functions as `static` methods);
//! - a function per function the world exports itself.
//!
//! Members of objects and classes keep their names even when JavaScript
//! reserves them (`values.new`); parameters do not (`new_`). Bodies throw
//! an `Error` naming the WIT function, except the entry point, which works
//! at once (`filled`).

use super::exports::{Exports, Func, Group};
use crate::filled::Entry;
use heck::{ToLowerCamelCase, ToUpperCamelCase};
use std::fmt::Write as _;
use std::path::PathBuf;
use wit_bindgen_core::wit_parser::FunctionKind;

pub(super) fn skeleton(
    exports: &Exports<'_>,
    name: &str,
    entry: Option<Entry>,
    world: &str,
) -> Vec<(PathBuf, String)> {
    let mut app = super::header("//", name, world);
    for group in &exports.groups {
        let filled = entry.and_then(|e| {
            exports
                .find(e.host())
                .filter(|(g, _)| std::ptr::eq(*g, group))
                .and_then(|_| fill(e, name, http_version(exports, group)))
        });
        if let Some(text) = filled {
            app.push_str(&text);
            continue;
        }
        let Some(key) = group.key else {
            // The world's own functions.
            for f in group.functions_of(None) {
                let _ = write!(
                    app,
                    "\nexport function {}({}) {{\n  {}\n}}\n",
                    identifier(f.wit.item_name()),
                    params(f),
                    todo(&f.wit.name)
                );
            }
            continue;
        };
        let iface = exports.interface_name(key);
        let _ = write!(app, "\nexport const {} = {{\n", iface.to_lower_camel_case());
        for f in group.functions_of(None) {
            let _ = write!(
                app,
                "  {}({}) {{\n    {}\n  }},\n",
                f.wit.item_name().to_lower_camel_case(),
                params(f),
                todo(&format!("{iface}.{}", f.wit.name))
            );
        }
        for resource in &group.resources {
            app.push_str(&class(group, resource.id, resource.name, &iface));
        }
        app.push_str("};\n");
    }
    vec![(PathBuf::from(crate::js::MODULE), app)]
}

/// A resource's class, as a member of its interface's object.
fn class(
    group: &Group<'_>,
    id: wit_bindgen_core::wit_parser::TypeId,
    resource: &str,
    iface: &str,
) -> String {
    let class = resource.to_upper_camel_case();
    let mut out = format!("  {class}: class {class} {{\n");
    for f in group.functions_of(Some(id)) {
        let shown = format!(
            "{iface}.{resource}.{}",
            match f.wit.kind {
                FunctionKind::Constructor(_) => "constructor",
                _ => f.wit.item_name(),
            }
        );
        let head = match f.wit.kind {
            FunctionKind::Constructor(_) => "constructor".to_string(),
            FunctionKind::Static(_) | FunctionKind::AsyncStatic(_) => {
                format!("static {}", f.wit.item_name().to_lower_camel_case())
            }
            _ => f.wit.item_name().to_lower_camel_case(),
        };
        let asynchronous = if f.wit.kind.is_async() { "async " } else { "" };
        let _ = write!(
            out,
            "    {asynchronous}{head}({}) {{\n      {}\n    }}\n",
            params(f),
            todo(&shown)
        );
    }
    out.push_str("  },\n");
    out
}

/// The parameters, without a method's `self`.
fn params(f: &Func<'_>) -> String {
    let method = matches!(
        f.wit.kind,
        FunctionKind::Method(_) | FunctionKind::AsyncMethod(_)
    );
    f.wit
        .params
        .iter()
        .skip(usize::from(method))
        .map(|p| identifier(&p.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn todo(shown: &str) -> String {
    format!("throw new Error(\"`{shown}` is not implemented yet\");")
}

/// A WIT name as a JavaScript identifier: lower camel case, a reserved
/// word with `_`.
fn identifier(name: &str) -> String {
    const RESERVED: &[&str] = &[
        "await",
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "let",
        "new",
        "null",
        "return",
        "static",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
    ];
    let camel = name.to_lower_camel_case();
    if RESERVED.contains(&camel.as_str()) {
        format!("{camel}_")
    } else {
        camel
    }
}

/// The version of `wasi:http` the entry group belongs to (`@0.2.12`), for
/// the handler's import of its types.
fn http_version(exports: &Exports<'_>, group: &Group<'_>) -> String {
    group
        .interface
        .and_then(|id| exports.resolve.interfaces[id].package)
        .and_then(|p| exports.resolve.packages[p].name.version.as_ref())
        .map(|v| format!("@{v}"))
        .unwrap_or_default()
}

/// The entry point's object, working at once; `None` for the WASI 0.3
/// entries (the JavaScript skeleton is for 0.2 worlds).
fn fill(entry: Entry, name: &str, http_version: String) -> Option<String> {
    Some(match entry {
        Entry::AsyncCommand | Entry::AsyncHttp => return None,
        Entry::Command => format!(
            r#"
// The program: console.log and console.error print; a thrown error exits
// with status 1.
export const run = {{
  run() {{
    console.log("hello from {name}");
  }},
}};
"#
        ),
        Entry::Http => format!(
            r#"
import {{
  Fields,
  OutgoingBody,
  OutgoingResponse,
  ResponseOutparam,
}} from "wasi:http/types{http_version}";

// Answers every request with `200 hello from {name}`. Read the request
// with request.method(), .pathWithQuery(), .headers() and .consume() (its
// body, as a stream); see witloom's docs/serve.md.
export const incomingHandler = {{
  handle(request, responseOut) {{
    const headers = Fields.fromList([
      ["content-type", new TextEncoder().encode("text/plain")],
    ]);
    const response = new OutgoingResponse(headers);
    const body = response.body();
    ResponseOutparam.set(responseOut, {{ tag: "ok", val: response }});
    const stream = body.write();
    stream.blockingWriteAndFlush(new TextEncoder().encode("hello from {name}\n"));
    stream[Symbol.dispose]();
    OutgoingBody.finish(body, undefined);
  }},
}};
"#
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaffold::fixtures::*;

    #[test]
    fn the_suites_world_has_an_object_per_interface_and_a_class_per_resource() {
        let wit = suite();
        let files = skeleton(&Exports::of(&wit, world(&wit, "test")), "t", None, "test");
        assert_eq!(files.len(), 1);
        let app = &files[0].1;
        assert!(app.contains("export const values = {\n"), "{app}");
        assert!(
            app.contains("  checkedDiv(a, b) {\n    throw new Error(\"`values.checked-div` is not implemented yet\");"),
            "{app}"
        );
        assert!(
            app.contains("export const counters = {\n  live() {"),
            "{app}"
        );
        assert!(
            app.contains("  Counter: class Counter {\n    constructor(start) {"),
            "{app}"
        );
        assert!(app.contains("    static merge(a, b) {"), "{app}");
        assert!(app.contains("    add(by) {\n      throw new Error(\"`counters.counter.add` is not implemented yet\");"), "{app}");
    }

    #[test]
    fn reserved_words_are_not_names() {
        assert_eq!(identifier("new"), "new_");
        assert_eq!(identifier("get-thing"), "getThing");
    }
}
