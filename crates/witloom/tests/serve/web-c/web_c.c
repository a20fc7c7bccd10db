// Component `web-c`, implementing the world `web`.
// witloom wrote this file once (`witloom new`); it is yours to edit.
//
// The bindings (`web.h`) are generated at each build: they declare
// the types and the functions below. Arguments passed to you are yours to
// free; what you return is freed by the bindings.

#include <string.h>
#include "web.h"

void exports_wasi_http_incoming_handler_handle(exports_wasi_http_incoming_handler_own_incoming_request_t request, exports_wasi_http_incoming_handler_own_response_outparam_t response_out) {
    // Answers every request with `200 hello from web-c`. Read the request
    // with wasi_http_types_method_incoming_request_{method,path_with_query,
    // headers,consume}; see witloom's docs/serve.md for the body and for
    // streaming a response.
    wasi_http_types_incoming_request_drop_own(request);
    wasi_http_types_own_fields_t headers = wasi_http_types_constructor_fields();
    wasi_http_types_field_name_t name;
    web_string_set(&name, "content-type");
    wasi_http_types_field_value_t value = {(uint8_t *)"text/plain", 10};
    wasi_http_types_header_error_t header_err;
    wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(headers), &name, &value, &header_err);

    wasi_http_types_own_outgoing_response_t response = wasi_http_types_constructor_outgoing_response(headers);
    wasi_http_types_own_outgoing_body_t body;
    wasi_http_types_method_outgoing_response_body(wasi_http_types_borrow_outgoing_response(response), &body);
    wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = false};
    result.val.ok = response;
    wasi_http_types_static_response_outparam_set(response_out, &result);

    wasi_http_types_own_output_stream_t stream;
    wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(body), &stream);
    const char *text = "hello from web-c\n";
    web_list_u8_t chunk = {(uint8_t *)text, strlen(text)};
    wasi_io_streams_stream_error_t write_err;
    wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(stream), &chunk, &write_err);
    wasi_io_streams_output_stream_drop_own(stream);
    wasi_http_types_error_code_t finish_err;
    wasi_http_types_static_outgoing_body_finish(body, NULL, &finish_err);
}
