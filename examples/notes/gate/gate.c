// notes' gate, in C: middleware in front of the API. A request that
// changes notes (POST, PUT, PATCH, DELETE) must carry
// `authorization: Bearer $NOTES_TOKEN`; without it the gate answers 401
// itself and the API never sees the request. Every other request, and
// every authorized one, goes on to the API unchanged (wasi:http 0.2
// middleware passes the request and its response-outparam on as they are).
//
// NOTES_TOKEN comes from the environment (`witloom serve --env
// NOTES_TOKEN=...`); when it is unset, no write is authorized.

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "gate.h"

// Whether the request carries `authorization: Bearer <token>`.
static bool authorized(wasi_http_types_borrow_incoming_request_t request, const char *token) {
    if (token == NULL || token[0] == 0) return false;
    wasi_http_types_own_headers_t headers = wasi_http_types_method_incoming_request_headers(request);
    wasi_http_types_field_name_t name;
    gate_string_set(&name, "authorization");
    wasi_http_types_list_field_value_t values;
    wasi_http_types_method_fields_get(wasi_http_types_borrow_fields(headers), &name, &values);
    const char *prefix = "Bearer ";
    size_t plen = strlen(prefix), tlen = strlen(token);
    bool ok = false;
    for (size_t i = 0; i < values.len; i++) {
        wasi_http_types_field_value_t *v = &values.ptr[i];
        if (v->len == plen + tlen && memcmp(v->ptr, prefix, plen) == 0 &&
            memcmp(v->ptr + plen, token, tlen) == 0) {
            ok = true;
        }
    }
    wasi_http_types_list_field_value_free(&values);
    wasi_http_types_fields_drop_own(headers);
    return ok;
}

static void header(wasi_http_types_own_fields_t fields, const char *name, const char *value) {
    wasi_http_types_field_name_t n;
    gate_string_set(&n, name);
    wasi_http_types_field_value_t v = {(uint8_t *)value, strlen(value)};
    wasi_http_types_header_error_t err;
    wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(fields), &n, &v, &err);
}

// Answers 401 with a JSON error.
static void refuse(wasi_http_types_own_response_outparam_t out) {
    wasi_http_types_own_fields_t fields = wasi_http_types_constructor_fields();
    header(fields, "content-type", "application/json");
    header(fields, "www-authenticate", "Bearer realm=\"notes\"");
    wasi_http_types_own_outgoing_response_t response = wasi_http_types_constructor_outgoing_response(fields);
    wasi_http_types_borrow_outgoing_response_t r = wasi_http_types_borrow_outgoing_response(response);
    wasi_http_types_method_outgoing_response_set_status_code(r, 401);
    wasi_http_types_own_outgoing_body_t body;
    wasi_http_types_method_outgoing_response_body(r, &body);
    wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = false};
    result.val.ok = response;
    wasi_http_types_static_response_outparam_set(out, &result);

    wasi_http_types_own_output_stream_t stream;
    wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(body), &stream);
    const char *text = "{\"error\":\"changing notes needs authorization: Bearer <token>\"}\n";
    gate_list_u8_t chunk = {(uint8_t *)text, strlen(text)};
    wasi_io_streams_stream_error_t err;
    wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(stream), &chunk, &err);
    wasi_io_streams_output_stream_drop_own(stream);
    wasi_http_types_error_code_t finish_err;
    wasi_http_types_static_outgoing_body_finish(body, NULL, &finish_err);
}

void exports_wasi_http_incoming_handler_handle(exports_wasi_http_incoming_handler_own_incoming_request_t request,
                                               exports_wasi_http_incoming_handler_own_response_outparam_t out) {
    wasi_http_types_borrow_incoming_request_t req = wasi_http_types_borrow_incoming_request(request);
    wasi_http_types_method_t method;
    wasi_http_types_method_incoming_request_method(req, &method);
    bool writes = method.tag == WASI_HTTP_TYPES_METHOD_POST || method.tag == WASI_HTTP_TYPES_METHOD_PUT ||
                  method.tag == WASI_HTTP_TYPES_METHOD_PATCH || method.tag == WASI_HTTP_TYPES_METHOD_DELETE;
    wasi_http_types_method_free(&method);
    if (writes && !authorized(req, getenv("NOTES_TOKEN"))) {
        wasi_http_types_incoming_request_drop_own(request);
        refuse(out);
        return;
    }
    wasi_http_incoming_handler_handle(request, out);
}
