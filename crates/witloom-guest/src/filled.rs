//! Skeleton bodies that work at once, for the two worlds people start
//! from, so that `witloom new` (and `witloom init`) give a component that
//! builds *and does something* with no edits:
//! - a world exporting `wasi:cli/run`: `run` prints `hello from NAME`;
//! - a world exporting `wasi:http/incoming-handler`: the handler answers
//!   every request with `200 hello from NAME`, under `witloom serve`.
//!
//! The bodies use only the bindings the build generates for such worlds.

use std::path::PathBuf;
use wit_bindgen_core::wit_parser::WorldId;
use witloom_ir::Loaded;

/// What a skeleton's entry point does once filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `wasi:cli/run`: prints a greeting.
    Command,
    /// `wasi:http/incoming-handler`: answers `200 hello from NAME`.
    Http,
}

/// The entry point `world` exports, if it is one that is filled. A world
/// exporting both is a handler first (`witloom serve` is how it is used).
pub(crate) fn entry(wit: &Loaded, world: WorldId) -> Option<Entry> {
    let resolve = &wit.resolve;
    let exports = || {
        resolve.worlds[world]
            .exports
            .keys()
            .map(|key| resolve.name_world_key(key))
    };
    if exports().any(|n| n.starts_with("wasi:http/incoming-handler@0.2.")) {
        Some(Entry::Http)
    } else if exports().any(|n| n.starts_with("wasi:cli/run@0.2.")) {
        Some(Entry::Command)
    } else {
        None
    }
}

/// Replaces the entry point's placeholder in the skeleton's files.
pub(crate) fn fill(
    files: &mut [(PathBuf, String)],
    entry: Entry,
    language: crate::Language,
    name: &str,
) {
    for (path, text) in files.iter_mut() {
        let filled = match (entry, language) {
            (Entry::Http, crate::Language::C) => c(text, name),
            (Entry::Http, crate::Language::Rust) => rust(text, name),
            (Entry::Http, crate::Language::Go) => go(path, text, name),
            (Entry::Command, crate::Language::C) => c_command(text, name),
            (Entry::Command, crate::Language::Rust) => rust_command(text, name),
            (Entry::Command, crate::Language::Go) => go_command(path, text, name),
        };
        if let Some(filled) = filled {
            *text = filled;
        }
    }
}

fn c_command(text: &str, name: &str) -> Option<String> {
    let at = text.find("bool exports_wasi_cli_run_run(void) {\n")?;
    let open = at + text[at..].find("{\n")?;
    let close = open + text[open..].find("\n}\n")?;
    let body = format!(
        r#"{{
    // The program. Arguments and environment variables come from
    // wasi:cli/environment; stdout and stderr are the host's.
    printf("hello from {name}\n");
    return true;"#
    );
    let mut out = text[..open].to_string();
    out.push_str(&body);
    out.push_str(&text[close..]);
    Some(out.replacen("#include \"", "#include <stdio.h>\n#include \"", 1))
}

fn rust_command(text: &str, name: &str) -> Option<String> {
    let imp = text.find("impl exports::wasi::cli::run::Guest for")?;
    let run = imp + text[imp..].find("fn run(")?;
    let todo = run + text[run..].find("        todo!()\n")?;
    let body = format!(
        r#"        // The program: Rust's std works as usual (`std::env::args`,
        // `std::env::var`, `println!`); `Err(())` exits with status 1.
        println!("hello from {name}");
        Ok(())
"#
    );
    let mut out = text[..todo].to_string();
    out.push_str(&body);
    out.push_str(&text[todo + "        todo!()\n".len()..]);
    Some(out)
}

fn go_command(path: &std::path::Path, text: &str, name: &str) -> Option<String> {
    if !path.starts_with("export_wasi_cli_run") {
        return None;
    }
    let head = &text[..text.find("\npackage ")?];
    Some(format!(
        r#"{head}
package export_wasi_cli_run

import (
	"fmt"

	witTypes "go.bytecodealliance.org/pkg/wit/types"
)

// Run is the program: Go's os and fmt packages work as usual
// (os.Args, os.Getenv, fmt.Println); an Err result exits with status 1.
func Run() witTypes.Result[witTypes.Unit, witTypes.Unit] {{
	fmt.Println("hello from {name}")
	return witTypes.Ok[witTypes.Unit, witTypes.Unit](witTypes.Unit{{}})
}}
"#
    ))
}

fn c(text: &str, name: &str) -> Option<String> {
    let at = text.find("void exports_wasi_http_incoming_handler_handle(")?;
    let open = at + text[at..].find("{\n")?;
    let close = open + text[open..].find("\n}\n")?;
    // The world's own prefix (`handler_string_t` for world `handler`).
    let include = text.find("#include \"")? + "#include \"".len();
    let prefix = text[include..].split(".h\"").next()?.replace('-', "_");
    let body = format!(
        r#"{{
    // Answers every request with `200 hello from {name}`. Read the request
    // with wasi_http_types_method_incoming_request_{{method,path_with_query,
    // headers,consume}}; see witloom's docs/serve.md for the body and for
    // streaming a response.
    wasi_http_types_incoming_request_drop_own(request);
    wasi_http_types_own_fields_t headers = wasi_http_types_constructor_fields();
    wasi_http_types_field_name_t name;
    {prefix}_string_set(&name, "content-type");
    wasi_http_types_field_value_t value = {{(uint8_t *)"text/plain", 10}};
    wasi_http_types_header_error_t header_err;
    wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(headers), &name, &value, &header_err);

    wasi_http_types_own_outgoing_response_t response = wasi_http_types_constructor_outgoing_response(headers);
    wasi_http_types_own_outgoing_body_t body;
    wasi_http_types_method_outgoing_response_body(wasi_http_types_borrow_outgoing_response(response), &body);
    wasi_http_types_result_own_outgoing_response_error_code_t result = {{.is_err = false}};
    result.val.ok = response;
    wasi_http_types_static_response_outparam_set(response_out, &result);

    wasi_http_types_own_output_stream_t stream;
    wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(body), &stream);
    const char *text = "hello from {name}\n";
    {prefix}_list_u8_t chunk = {{(uint8_t *)text, strlen(text)}};
    wasi_io_streams_stream_error_t write_err;
    wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(stream), &chunk, &write_err);
    wasi_io_streams_output_stream_drop_own(stream);
    wasi_http_types_error_code_t finish_err;
    wasi_http_types_static_outgoing_body_finish(body, NULL, &finish_err);"#
    );
    let mut out = text[..open].to_string();
    out.push_str(&body);
    out.push_str(&text[close..]);
    Some(out.replacen("#include \"", "#include <string.h>\n#include \"", 1))
}

fn rust(text: &str, name: &str) -> Option<String> {
    let imp = text.find("impl exports::wasi::http::incoming_handler::Guest for")?;
    let handle = imp + text[imp..].find("fn handle(")?;
    let todo = handle + text[handle..].find("        todo!()\n")?;
    let body = format!(
        r#"        // Answers every request with `200 hello from {name}`. Read the
        // request with `request.method()`, `.path_with_query()`, `.headers()`
        // and `.consume()` (its body, as a stream); see witloom's
        // docs/serve.md for streaming a response.
        use wasi::http::types::{{Fields, OutgoingBody, OutgoingResponse, ResponseOutparam}};
        let headers = Fields::from_list(&[("content-type".to_string(), b"text/plain".to_vec())])
            .expect("a valid header");
        let response = OutgoingResponse::new(headers);
        let body = response.body().expect("the body, taken once");
        ResponseOutparam::set(response_out, Ok(response));
        let stream = body.write().expect("the body's stream, taken once");
        stream
            .blocking_write_and_flush(b"hello from {name}\n")
            .expect("written");
        drop(stream);
        OutgoingBody::finish(body, None).expect("finished");
"#
    );
    let mut out = text[..todo].to_string();
    out.push_str(&body);
    out.push_str(&text[todo + "        todo!()\n".len()..]);
    Some(out)
}

fn go(path: &std::path::Path, text: &str, name: &str) -> Option<String> {
    if !path.starts_with("export_wasi_http_incoming_handler") {
        return None;
    }
    let head = &text[..text.find("\npackage ")?];
    Some(format!(
        r#"{head}
package export_wasi_http_incoming_handler

import (
	witTypes "go.bytecodealliance.org/pkg/wit/types"
	http "wit_component/wasi_http_types"
)

// Handle answers every request with `200 hello from {name}`. Read the
// request with request.Method(), .PathWithQuery(), .Headers() and
// .Consume() (its body, as a stream); see witloom's docs/serve.md for
// streaming a response.
func Handle(request *http.IncomingRequest, responseOut *http.ResponseOutparam) {{
	request.Drop()
	headers := http.MakeFields()
	headers.Append("content-type", []byte("text/plain"))
	response := http.MakeOutgoingResponse(headers)
	body := response.Body().Ok()
	http.ResponseOutparamSet(responseOut, witTypes.Ok[*http.OutgoingResponse, http.ErrorCode](response))
	stream := body.Write().Ok()
	stream.BlockingWriteAndFlush([]byte("hello from {name}\n"))
	stream.Drop()
	http.OutgoingBodyFinish(body, witTypes.None[*http.Fields]())
}}
"#
    ))
}
