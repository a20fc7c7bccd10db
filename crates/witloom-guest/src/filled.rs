//! Skeleton bodies that work at once, for the two worlds people start
//! from, so that `witloom new` (and `witloom init`) give a component that
//! builds *and does something* with no edits:
//! - a world exporting `wasi:cli/run` (WASI 0.2's, or 0.3's, whose `run`
//!   is an `async func`): `run` prints `hello from NAME`;
//! - a world exporting an HTTP handler (WASI 0.2's
//!   `wasi:http/incoming-handler`, or 0.3's `wasi:http/handler`, whose
//!   `handle` is an `async func`): the handler answers every request with
//!   `200 hello from NAME`, under `witloom serve`.
//!
//! Which function is the entry point is decided on the model; each
//! language's skeleton puts the body here in that function's place. A
//! body is written against the bindings the build generates, so each
//! comes with what it assumes of them (the parameters it names, the
//! generated names it calls), which the skeleton checks against the
//! generator's output before writing it.

use crate::scaffold::exports::Exports;
use wit_bindgen_core::wit_parser::WorldId;
use witloom_ir::Loaded;

/// What a skeleton's entry point does once filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `wasi:cli/run@0.2`: prints a greeting.
    Command,
    /// `wasi:cli/run@0.3`, an async export: prints a greeting, then
    /// returns its result (C: `…_return`, then `…_CALLBACK_CODE_EXIT`).
    AsyncCommand,
    /// `wasi:http/incoming-handler`: answers `200 hello from NAME`.
    Http,
    /// `wasi:http/handler@0.3`, an async export: returns a response whose
    /// body (`hello from NAME`) it writes once the response is returned.
    AsyncHttp,
}

impl Entry {
    /// The host's entry point this fills (what a component is is decided
    /// by `witloom_host::Entry`).
    pub(crate) fn host(self) -> witloom_host::Entry {
        use witloom_host::{Entry as Host, Wasi};
        match self {
            Entry::Command => Host::Command(Wasi::P2),
            Entry::AsyncCommand => Host::Command(Wasi::P3),
            Entry::Http => Host::Http(Wasi::P2),
            Entry::AsyncHttp => Host::Http(Wasi::P3),
        }
    }

    /// Whether it is an async export, whose C result goes back through
    /// `SYMBOL_return`.
    pub(crate) fn is_async(self) -> bool {
        matches!(self, Entry::AsyncCommand | Entry::AsyncHttp)
    }
}

/// The entry point `world` exports, if it is one that is filled.
pub(crate) fn entry(wit: &Loaded, world: WorldId) -> Option<Entry> {
    entry_of(&Exports::of(wit, world))
}

/// The entry point among `exports`. A world exporting both is a handler
/// first (`witloom serve` is how it is used).
pub(crate) fn entry_of(exports: &Exports<'_>) -> Option<Entry> {
    [
        Entry::Http,
        Entry::AsyncHttp,
        Entry::Command,
        Entry::AsyncCommand,
    ]
    .into_iter()
    .find(|e| exports.find(e.host()).is_some())
}

/// A C body, and what it assumes of its declaration in the header.
pub(crate) struct CFill {
    /// The system header it needs, as `#include` takes it.
    pub include: &'static str,
    pub returns: String,
    pub params: &'static [&'static str],
    /// The statements, one a line, indented.
    pub body: String,
}

/// `prefix` is the world's own prefix in the bindings (`my_app` for world
/// `my-app`: `my_app_string_t`).
pub(crate) fn c(entry: Entry, name: &str, prefix: &str) -> CFill {
    match entry {
        Entry::Command => CFill {
            include: "<stdio.h>",
            returns: "bool".to_string(),
            params: &[],
            body: format!(
                r#"    // The program. Arguments and environment variables come from
    // wasi:cli/environment; stdout and stderr are the host's.
    printf("hello from {name}\n");
    return true;
"#
            ),
        },
        Entry::AsyncCommand => CFill {
            include: "<stdio.h>",
            returns: format!("{prefix}_callback_code_t"),
            params: &[],
            body: format!(
                r#"    // The program, an async export: it may wait on a waitable set
    // ({prefix}_waitable_set_wait) for the streams and futures of WASI 0.3,
    // or return {upper}_CALLBACK_CODE_WAIT(set) and go on in the callback
    // below. printf writes through wasi-libc, with WASI 0.2 beside your
    // 0.3 imports. The result goes back in the `_return` call; one with
    // is_err set exits with status 1.
    printf("hello from {name}\n");
    {{return}}(({{result}}){{.is_err = false}});
    return {upper}_CALLBACK_CODE_EXIT;
"#,
                upper = prefix.to_uppercase()
            ),
        },
        Entry::AsyncHttp => CFill {
            include: "<string.h>",
            returns: format!("{prefix}_callback_code_t"),
            params: &["request"],
            body: format!(
                r#"    // Answers every request with `200 hello from {name}`: the response
    // goes back first (`_return`), then its body is written to the stream
    // it was made with, and its trailers (none) to its future. Read the
    // request with wasi_http_types_method_request_{{get_method,
    // get_path_with_query,get_headers}} and its body with
    // wasi_http_types_static_request_consume_body; see witloom's
    // docs/serve.md.
    wasi_http_types_request_drop_own(request);
    wasi_http_types_stream_u8_writer_t body;
    wasi_http_types_stream_u8_t contents = wasi_http_types_stream_u8_new(&body);
    wasi_http_types_future_result_option_own_trailers_error_code_writer_t trailers;
    wasi_http_types_tuple2_own_response_future_result_void_error_code_t made;
    wasi_http_types_static_response_new(wasi_http_types_constructor_fields(), &contents,
        wasi_http_types_future_result_option_own_trailers_error_code_new(&trailers), &made);
    wasi_http_types_future_result_void_error_code_drop_readable(made.f1);
    {{result}} result = {{.is_err = false}};
    result.val.ok = made.f0;
    {{return}}(result);

    // Each write waits, if it must, for the host to take it.
    {prefix}_waitable_set_t set = {prefix}_waitable_set_new();
    {prefix}_event_t event;
    const char *text = "hello from {name}\n";
    if (wasi_http_types_stream_u8_write(body, (const uint8_t *)text, strlen(text)) == {upper}_WAITABLE_STATUS_BLOCKED) {{
        {prefix}_waitable_join(body, set);
        {prefix}_waitable_set_wait(set, &event);
        {prefix}_waitable_join(body, 0);
    }}
    wasi_http_types_stream_u8_drop_writable(body);
    wasi_http_types_result_option_own_trailers_error_code_t none = {{.is_err = false}};
    none.val.ok.is_some = false;
    if (wasi_http_types_future_result_option_own_trailers_error_code_write(trailers, &none) == {upper}_WAITABLE_STATUS_BLOCKED) {{
        {prefix}_waitable_join(trailers, set);
        {prefix}_waitable_set_wait(set, &event);
        {prefix}_waitable_join(trailers, 0);
    }}
    wasi_http_types_future_result_option_own_trailers_error_code_drop_writable(trailers);
    {prefix}_waitable_set_drop(set);
    return {upper}_CALLBACK_CODE_EXIT;
"#,
                upper = prefix.to_uppercase()
            ),
        },
        Entry::Http => CFill {
            include: "<string.h>",
            returns: "void".to_string(),
            params: &["request", "response_out"],
            body: format!(
                r#"    // Answers every request with `200 hello from {name}`. Read the request
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
    wasi_http_types_static_outgoing_body_finish(body, NULL, &finish_err);
"#
            ),
        },
    }
}

/// A Rust body, and what it assumes of the stub's signature.
pub(crate) struct RustFill {
    pub params: &'static [&'static str],
    /// The return type, its path left out: `Result<(),()>`.
    pub returns: &'static str,
    /// Items of the generated bindings it names.
    pub uses: &'static [&'static str],
    /// The statements, one a line, indented.
    pub body: String,
}

pub(crate) fn rust(entry: Entry, name: &str) -> RustFill {
    match entry {
        // `run` is an `async fn` for 0.3: the same body, which may `.await`.
        Entry::Command | Entry::AsyncCommand => RustFill {
            params: &[],
            returns: "Result<(),()>",
            uses: &[],
            body: format!(
                r#"        // The program: Rust's std works as usual (`std::env::args`,
        // `std::env::var`, `println!`); `Err(())` exits with status 1.
        println!("hello from {name}");
        Ok(())
"#
            ),
        },
        Entry::AsyncHttp => RustFill {
            params: &["request"],
            returns: "Result<Response,ErrorCode>",
            uses: &["Fields", "Response"],
            body: format!(
                r#"        // Answers every request with `200 hello from {name}`: the response
        // is returned at once, and a task of the component's own writes its
        // body to the stream it was made with (with no trailers). Read the
        // request with `request.get_method()`, `.get_path_with_query()`,
        // `.get_headers()`, and its body with `Request::consume_body`; see
        // witloom's docs/serve.md.
        use wasi::http::types::{{Fields, Response}};
        drop(request);
        let (mut body, contents) = wit_stream::new::<u8>();
        let (_, trailers) = wit_future::new(|| Ok(None));
        let (response, _) = Response::new(Fields::new(), Some(contents), trailers);
        wit_bindgen::spawn_local(async move {{
            body.write_all(b"hello from {name}\n".to_vec()).await;
        }});
        Ok(response)
"#
            ),
        },
        Entry::Http => RustFill {
            params: &["request", "response_out"],
            returns: "",
            uses: &[
                "Fields",
                "OutgoingBody",
                "OutgoingResponse",
                "ResponseOutparam",
            ],
            body: format!(
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
            ),
        },
    }
}

/// A Go file, whole: the entry point's declaration is witloom's own (it
/// names its parameters and imports), so it replaces the stub's.
pub(crate) struct GoFill {
    /// The stub it replaces.
    pub function: &'static str,
    /// That stub's declaration, as wit-bindgen-go writes it; `{types}`
    /// is whatever identifier the stub imports `wasi:http/types` by.
    pub signature: &'static str,
    /// What it calls from `wasi:http/types`' package.
    pub uses: &'static [&'static str],
    /// From the `package` clause on; `{package}`, `{types_path}` and
    /// `{wit_types_path}` (import paths, quoted) are filled in.
    pub text: String,
}

/// `None` for an async command: Go builds no async world (the build
/// refuses it by name), so its skeleton is left as stubs.
pub(crate) fn go(entry: Entry, name: &str) -> Option<GoFill> {
    Some(match entry {
        Entry::AsyncCommand | Entry::AsyncHttp => return None,
        Entry::Command => GoFill {
            function: "Run",
            signature: "func Run() witTypes.Result[witTypes.Unit, witTypes.Unit]",
            uses: &[],
            text: format!(
                r#"
package {{package}}

import (
	"fmt"

	witTypes {{wit_types_path}}
)

// Run is the program: Go's os and fmt packages work as usual
// (os.Args, os.Getenv, fmt.Println); an Err result exits with status 1.
func Run() witTypes.Result[witTypes.Unit, witTypes.Unit] {{
	fmt.Println("hello from {name}")
	return witTypes.Ok[witTypes.Unit, witTypes.Unit](witTypes.Unit{{}})
}}
"#
            ),
        },
        Entry::Http => GoFill {
            function: "Handle",
            signature: "func Handle(_request *{types}.IncomingRequest, _responseOut *{types}.ResponseOutparam)",
            uses: &[
                "MakeFields",
                "MakeOutgoingResponse",
                "ResponseOutparamSet",
                "OutgoingBodyFinish",
                "ErrorCode",
            ],
            text: format!(
                r#"
package {{package}}

import (
	witTypes {{wit_types_path}}
	http {{types_path}}
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
            ),
        },
    })
}
