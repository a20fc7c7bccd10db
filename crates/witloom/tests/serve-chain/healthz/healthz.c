// Middleware in C: `GET /healthz` is answered here (`200 ok`, with
// `x-answered-by: healthz`); every other request goes on to the next
// handler unchanged.

#include <string.h>
#include "middleware.h"

static void answer(wasi_http_types_own_response_outparam_t out) {
    wasi_http_types_own_fields_t fields = wasi_http_types_constructor_fields();
    wasi_http_types_field_name_t name;
    middleware_string_set(&name, "x-answered-by");
    wasi_http_types_field_value_t value = {(uint8_t *)"healthz", 7};
    wasi_http_types_header_error_t err;
    wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(fields), &name, &value, &err);

    wasi_http_types_own_outgoing_response_t response = wasi_http_types_constructor_outgoing_response(fields);
    wasi_http_types_borrow_outgoing_response_t r = wasi_http_types_borrow_outgoing_response(response);
    wasi_http_types_method_outgoing_response_set_status_code(r, 200);
    wasi_http_types_own_outgoing_body_t body;
    wasi_http_types_method_outgoing_response_body(r, &body);
    wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = false};
    result.val.ok = response;
    wasi_http_types_static_response_outparam_set(out, &result);

    wasi_http_types_own_output_stream_t stream;
    wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(body), &stream);
    middleware_list_u8_t text = {(uint8_t *)"ok\n", 3};
    wasi_io_streams_stream_error_t serr;
    wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(stream), &text, &serr);
    wasi_io_streams_output_stream_drop_own(stream);
    wasi_http_types_error_code_t ferr;
    wasi_http_types_static_outgoing_body_finish(body, NULL, &ferr);
}

void exports_wasi_http_incoming_handler_handle(exports_wasi_http_incoming_handler_own_incoming_request_t request,
                                               exports_wasi_http_incoming_handler_own_response_outparam_t out) {
    wasi_http_types_borrow_incoming_request_t req = wasi_http_types_borrow_incoming_request(request);
    wasi_http_types_method_t method;
    wasi_http_types_method_incoming_request_method(req, &method);
    middleware_string_t path = {NULL, 0};
    wasi_http_types_method_incoming_request_path_with_query(req, &path);
    int mine = method.tag == WASI_HTTP_TYPES_METHOD_GET && path.len == 8 && memcmp(path.ptr, "/healthz", 8) == 0;
    wasi_http_types_method_free(&method);
    middleware_string_free(&path);
    if (mine) {
        wasi_http_types_incoming_request_drop_own(request);
        answer(out);
    } else {
        wasi_http_incoming_handler_handle(request, out);
    }
}
