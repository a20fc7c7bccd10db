//! The Python skeleton: what componentize-py looks up in the user's
//! sources, under its names.
//! - `app.py` holds a class per exported interface, named in UpperCamel
//!   case after it and subclassing the protocol of `wit_world.exports`
//!   (`IncomingHandler(exports.IncomingHandler)`; an interface written
//!   inline in the world has no protocol, its class stands alone), and
//!   `WitWorld` for the world's own functions.
//! - A resource an interface exports is a class of a module named after
//!   the interface in snake case (`counters.py`: `class Counter`), with
//!   `__init__` for its constructor and `@classmethod`s for its static
//!   functions.
//! - Functions and parameters are in snake case; parameters are passed by
//!   position, so their names are the user's (Python keywords get a `_`).
//!
//! Bodies raise `NotImplementedError` naming the WIT function, except the
//! entry point, which works at once (`filled`), on WASI 0.2 and 0.3
//! (`async def`; a 0.3 handler's body is written by a task `spawn`ed once
//! the response has gone back).

use super::exports::{Exports, Func, Group};
use crate::filled::Entry;
use heck::{ToSnakeCase, ToUpperCamelCase};
use std::fmt::Write as _;
use std::path::PathBuf;
use wit_bindgen_core::wit_parser::FunctionKind;

pub(super) fn skeleton(
    exports: &Exports<'_>,
    name: &str,
    entry: Option<Entry>,
    world: &str,
) -> Vec<(PathBuf, String)> {
    let mut app = super::header("#", name, world);
    // `wit_world.exports` exists when an interface with a name of its own
    // is exported (an inline one has no protocol: its class stands alone).
    let world_functions = exports.groups.iter().any(|g| g.key.is_none());
    let named = exports.groups.iter().any(|g| {
        g.interface
            .is_some_and(|id| exports.resolve.interfaces[id].name.is_some())
    });
    app.push('\n');
    if world_functions {
        app.push_str("import wit_world\n");
    }
    if named {
        app.push_str("from wit_world import exports\n");
    }
    let mut modules = Vec::new();
    let types = http_types_module(exports);
    for group in &exports.groups {
        let filled = entry.and_then(|e| {
            exports
                .find(e.host())
                .filter(|(g, _)| std::ptr::eq(*g, group))
                .map(|_| fill(e, name, &types))
        });
        if let Some(text) = filled {
            app.push_str(&text);
            continue;
        }
        let (class, base, label) = match group.key {
            None => (
                "WitWorld".to_string(),
                "(wit_world.WitWorld)".to_string(),
                None,
            ),
            Some(key) => {
                let iface = exports.interface_name(key);
                let class = iface.to_upper_camel_case();
                let inline = group
                    .interface
                    .is_some_and(|id| exports.resolve.interfaces[id].name.is_none());
                let base = if inline {
                    String::new()
                } else {
                    format!("(exports.{class})")
                };
                (class, base, Some(iface))
            }
        };
        let _ = write!(app, "\n\nclass {class}{base}:\n");
        let mut any = false;
        for f in group.functions_of(None) {
            app.push_str(&method(f, label.as_deref(), None, "    "));
            any = true;
        }
        if !any {
            app.push_str("    pass\n");
        }
        if !group.resources.is_empty() {
            let iface = label.as_deref().unwrap_or(exports.world_name);
            modules.push(resource_module(group, iface, name, world));
        }
    }
    let mut files = vec![(PathBuf::from(format!("{}.py", crate::python::MODULE)), app)];
    files.extend(modules);
    files
}

/// The module of an interface's resources.
fn resource_module(group: &Group<'_>, iface: &str, name: &str, world: &str) -> (PathBuf, String) {
    let module = iface.to_snake_case();
    let mut text = super::header("#", name, world);
    let _ = writeln!(text, "\nfrom wit_world.exports import {module}");
    for resource in &group.resources {
        let class = resource.name.to_upper_camel_case();
        let _ = write!(text, "\n\nclass {class}({module}.{class}):\n");
        let mut any = false;
        for f in group.functions_of(Some(resource.id)) {
            text.push_str(&method(f, Some(iface), Some(resource.name), "    "));
            any = true;
        }
        if !any {
            text.push_str("    pass\n");
        }
    }
    (PathBuf::from(format!("{module}.py")), text)
}

/// One function, as a method that raises until it is written.
fn method(f: &Func<'_>, iface: Option<&str>, resource: Option<&str>, indent: &str) -> String {
    let wit = f.wit;
    let item = wit.item_name();
    // As the user reads it in the WIT: `counters.counter.add`.
    let last = match wit.kind {
        FunctionKind::Constructor(_) => "constructor",
        _ => item,
    };
    let shown: Vec<&str> = iface.into_iter().chain(resource).chain([last]).collect();
    let shown = shown.join(".");
    let mut out = String::new();
    let params = wit
        .params
        .iter()
        .skip(usize::from(matches!(
            wit.kind,
            FunctionKind::Method(_) | FunctionKind::AsyncMethod(_)
        )))
        .map(|p| identifier(&p.name));
    let (receiver, fname) = match wit.kind {
        FunctionKind::Constructor(_) => ("self", "__init__".to_string()),
        FunctionKind::Static(_) | FunctionKind::AsyncStatic(_) => {
            let _ = writeln!(out, "{indent}@classmethod");
            ("cls", identifier(item))
        }
        _ => ("self", identifier(item)),
    };
    let all: Vec<String> = std::iter::once(receiver.to_string())
        .chain(params)
        .collect();
    let asynchronous = if wit.kind.is_async() { "async " } else { "" };
    let _ = writeln!(
        out,
        "{indent}{asynchronous}def {fname}({}):\n{indent}    raise NotImplementedError(\"`{shown}` is not implemented yet\")\n",
        all.join(", ")
    );
    out
}

/// A WIT name as a Python identifier: snake case, a keyword with `_`.
fn identifier(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "false", "none", "true", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ];
    let snake = name.to_snake_case();
    if KEYWORDS.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// The module componentize-py gives `wasi:http/types` among the world's
/// imports: `types`, unless another imported interface is also named
/// `types` (WASI 0.3's service world imports `wasi:cli/types` too), when
/// each is named after its package as well (`wasi_http_types`). Its
/// generated helpers are named after the module
/// (`result_option_wasi_http_types_fields_…_future`).
fn http_types_module(exports: &Exports<'_>) -> String {
    use wit_bindgen_core::wit_parser::WorldItem;
    let resolve = exports.resolve;
    let named_types = resolve.worlds[exports.world]
        .imports
        .values()
        .filter(|item| {
            matches!(item, WorldItem::Interface { id, .. }
                if resolve.interfaces[*id].name.as_deref() == Some("types"))
        })
        .count();
    if named_types > 1 {
        "wasi_http_types".to_string()
    } else {
        "types".to_string()
    }
}

/// The entry point's class, working at once. `types` is the module of
/// `wasi:http/types` ([`http_types_module`]).
fn fill(entry: Entry, name: &str, types: &str) -> String {
    match entry {
        Entry::AsyncCommand => format!(
            r#"

class Run(exports.Run):
    async def run(self) -> None:
        """The program, a WASI 0.3 `async func`: print, sys.argv and
        os.environ work as usual; an exception exits with status 1."""
        print("hello from {name}")
"#
        ),
        Entry::AsyncHttp => format!(
            r#"
from componentize_py_async_support import spawn
from componentize_py_types import Ok
from wit_world import byte_stream
from wit_world import result_option_{types}_fields_{types}_error_code_future as trailers_future
from wit_world.imports.{types} import Fields, Request, Response


class Handler(exports.Handler):
    async def handle(self, request: Request) -> Response:
        """Answers every request with `200 hello from {name}`: the response
        goes back at once, and a task of its own writes the body after.
        Read the request with request.get_method(), .get_path_with_query(),
        .get_headers() and Request.consume_body; see witloom's
        docs/serve.md."""
        body, contents = byte_stream()
        trailers_out, trailers = trailers_future(lambda: Ok(None))
        headers = Fields.from_list([("content-type", b"text/plain")])
        response, _ = Response.new(headers, contents, trailers)

        async def write_body() -> None:
            with body:
                await body.write_all(b"hello from {name}\n")
            await trailers_out.write(Ok(None))

        spawn(write_body())
        return response
"#
        ),
        Entry::Command => format!(
            r#"

class Run(exports.Run):
    def run(self) -> None:
        """The program: print, sys.argv and os.environ work as usual; an
        exception exits with status 1."""
        print("hello from {name}")
"#
        ),
        Entry::Http => format!(
            r#"
from wit_world.imports.types import (
    Fields,
    IncomingRequest,
    OutgoingBody,
    OutgoingResponse,
    ResponseOutparam,
)
from componentize_py_types import Ok


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        """Answers every request with `200 hello from {name}`. Read the
        request with request.method(), .path_with_query(), .headers() and
        .consume() (its body, as a stream); see witloom's docs/serve.md."""
        headers = Fields.from_list([("content-type", b"text/plain")])
        response = OutgoingResponse(headers)
        body = response.body()
        ResponseOutparam.set(response_out, Ok(response))
        with body.write() as stream:
            stream.blocking_write_and_flush(b"hello from {name}\n")
        OutgoingBody.finish(body, None)
"#
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaffold::fixtures::*;

    #[test]
    fn the_suites_world_has_a_class_per_interface_and_a_module_per_resource_interface() {
        let wit = suite();
        let files = skeleton(&Exports::of(&wit, world(&wit, "test")), "t", None, "test");
        let names: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
        assert_eq!(names, ["app.py", "counters.py"]);
        let app = &files[0].1;
        assert!(app.contains("class Values(exports.Values):\n"), "{app}");
        assert!(app.contains("    def checked_div(self, a, b):\n        raise NotImplementedError(\"`values.checked-div` is not implemented yet\")"), "{app}");
        assert!(
            app.contains("class Counters(exports.Counters):\n    def live(self):"),
            "{app}"
        );
        let counters = &files[1].1;
        assert!(
            counters.contains("from wit_world.exports import counters\n"),
            "{counters}"
        );
        assert!(
            counters.contains("class Counter(counters.Counter):\n    def __init__(self, start):"),
            "{counters}"
        );
        assert!(
            counters.contains("    @classmethod\n    def merge(cls, a, b):"),
            "{counters}"
        );
        assert!(counters.contains("    def add(self, by):\n        raise NotImplementedError(\"`counters.counter.add` is not implemented yet\")"), "{counters}");
        assert!(
            counters.contains("`counters.counter.constructor` is not"),
            "{counters}"
        );
    }

    #[test]
    fn keywords_are_not_names() {
        assert_eq!(identifier("from"), "from_");
        assert_eq!(identifier("get-thing"), "get_thing");
    }
}
