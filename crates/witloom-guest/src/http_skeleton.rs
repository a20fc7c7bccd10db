//! `witloom new` for a world that exports `wasi:http/incoming-handler`:
//! instead of a placeholder, the handler's body answers every request with
//! `200 hello from NAME`, so the new component serves at once under
//! `witloom serve`. The bodies use only the WASI HTTP bindings the build
//! generates for every such world.

use std::path::PathBuf;
use wit_bindgen_core::wit_parser::WorldId;
use witloom_ir::Loaded;

/// Whether `world` exports `wasi:http/incoming-handler@0.2.x`.
pub(crate) fn serves_http(wit: &Loaded, world: WorldId) -> bool {
    let resolve = &wit.resolve;
    resolve.worlds[world].exports.keys().any(|key| {
        resolve
            .name_world_key(key)
            .strip_prefix("wasi:http/incoming-handler@0.2.")
            .is_some()
    })
}

/// Replaces the handler's placeholder in the skeleton's files.
pub(crate) fn fill(files: &mut [(PathBuf, String)], language: crate::Language, name: &str) {
    for (path, text) in files.iter_mut() {
        let filled = match language {
            crate::Language::C => c(text, name),
            crate::Language::Rust => rust(text, name),
            crate::Language::Go => go(path, text, name),
        };
        if let Some(filled) = filled {
            *text = filled;
        }
    }
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
