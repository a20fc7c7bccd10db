// notes' gate, in C: WASI 0.3 middleware in front of the API. A request
// that changes notes (POST, PUT, PATCH, DELETE) must carry
// `authorization: Bearer $NOTES_TOKEN`; without it the gate answers 401
// itself and the handler behind it never sees the request. Every other
// request, and every authorized one, is passed to that handler (an async
// import), and its response returned as it is.
//
// NOTES_TOKEN comes from the environment (`witloom serve --env
// NOTES_TOKEN=...`); when it is unset, no write is authorized.

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "gate.h"

typedef wasi_http_types_stream_u8_writer_t body_writer_t;
typedef wasi_http_types_future_result_option_own_trailers_error_code_writer_t trailers_writer_t;

// Waits for the next event on `waitable`, alone in a set of its own.
static gate_event_t await_one(uint32_t waitable) {
    gate_event_t event;
    gate_waitable_set_t set = gate_waitable_set_new();
    gate_waitable_join(waitable, set);
    gate_waitable_set_wait(set, &event);
    gate_waitable_join(waitable, 0);
    gate_waitable_set_drop(set);
    return event;
}

// A stream or future operation's outcome, waited for if it blocked.
static gate_waitable_status_t settle(uint32_t waitable, gate_waitable_status_t status) {
    return status == GATE_WAITABLE_STATUS_BLOCKED ? await_one(waitable).code : status;
}

// Whether the request carries `authorization: Bearer <token>`.
static bool authorized(wasi_http_types_borrow_request_t request, const char *token) {
    if (token == NULL || token[0] == 0) return false;
    wasi_http_types_own_headers_t headers = wasi_http_types_method_request_get_headers(request);
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
    if (!wasi_http_types_method_fields_append(wasi_http_types_borrow_fields(fields), &n, &v, &err)) {
        wasi_http_types_header_error_free(&err);
    }
}

// Answers 401 with a JSON error: the response goes back first
// (task.return), then its body is written and its trailers (none) sent.
static void refuse(void) {
    wasi_http_types_own_fields_t fields = wasi_http_types_constructor_fields();
    header(fields, "content-type", "application/json");
    header(fields, "www-authenticate", "Bearer realm=\"notes\"");
    body_writer_t body;
    trailers_writer_t trailers;
    wasi_http_types_stream_u8_t contents = wasi_http_types_stream_u8_new(&body);
    wasi_http_types_tuple2_own_response_future_result_void_error_code_t made;
    wasi_http_types_static_response_new(
        fields, &contents, wasi_http_types_future_result_option_own_trailers_error_code_new(&trailers),
        &made);
    // How the host took the body: nothing to do with it here.
    wasi_http_types_future_result_void_error_code_drop_readable(made.f1);
    wasi_http_types_method_response_set_status_code(wasi_http_types_borrow_response(made.f0), 401);
    exports_wasi_http_handler_result_own_response_error_code_t ret = {.is_err = false};
    ret.val.ok = made.f0;
    exports_wasi_http_handler_handle_return(ret);

    const char *text = "{\"error\":\"changing notes needs authorization: Bearer <token>\"}\n";
    size_t len = strlen(text), off = 0;
    while (off < len) {
        gate_waitable_status_t s = settle(
            body, wasi_http_types_stream_u8_write(body, (const uint8_t *)text + off, len - off));
        off += GATE_WAITABLE_COUNT(s);
        if (GATE_WAITABLE_STATE(s) != GATE_WAITABLE_COMPLETED) break;
    }
    wasi_http_types_stream_u8_drop_writable(body);
    wasi_http_types_result_option_own_trailers_error_code_t none = {.is_err = false};
    none.val.ok.is_some = false;
    settle(trailers, wasi_http_types_future_result_option_own_trailers_error_code_write(trailers, &none));
    wasi_http_types_future_result_option_own_trailers_error_code_drop_writable(trailers);
}

gate_callback_code_t exports_wasi_http_handler_handle(exports_wasi_http_handler_own_request_t request) {
    wasi_http_types_borrow_request_t req = wasi_http_types_borrow_request(request);
    wasi_http_types_method_t method;
    wasi_http_types_method_request_get_method(req, &method);
    bool writes = method.tag == WASI_HTTP_TYPES_METHOD_POST || method.tag == WASI_HTTP_TYPES_METHOD_PUT ||
                  method.tag == WASI_HTTP_TYPES_METHOD_PATCH || method.tag == WASI_HTTP_TYPES_METHOD_DELETE;
    wasi_http_types_method_free(&method);
    if (writes && !authorized(req, getenv("NOTES_TOKEN"))) {
        wasi_http_types_request_drop_own(request);
        refuse();
        return GATE_CALLBACK_CODE_EXIT;
    }
    // The handler behind: an async import, waited for if it did not
    // return at once; its result (a response or an error) is ours.
    wasi_http_handler_result_own_response_error_code_t inner;
    gate_subtask_status_t status = wasi_http_handler_handle(request, &inner);
    if (GATE_SUBTASK_STATE(status) != GATE_SUBTASK_RETURNED) {
        gate_subtask_t subtask = GATE_SUBTASK_HANDLE(status);
        while (await_one(subtask).code != GATE_SUBTASK_RETURNED) {
        }
        gate_subtask_drop(subtask);
    }
    // The same result, under the export's name for its type.
    exports_wasi_http_handler_result_own_response_error_code_t ret = {.is_err = inner.is_err};
    if (inner.is_err) {
        ret.val.err = inner.val.err;
    } else {
        ret.val.ok = inner.val.ok;
    }
    exports_wasi_http_handler_handle_return(ret);
    return GATE_CALLBACK_CODE_EXIT;
}

// `handle` never waits with a callback, so this is never called.
gate_callback_code_t exports_wasi_http_handler_handle_callback(gate_event_t *event) {
    (void)event;
    return GATE_CALLBACK_CODE_EXIT;
}
