// The serve tests' handler in C: `GET /hello`, `POST /echo` (the body
// back, with `x-echo-length` and the request's `x-probe`), `POST
// /count/NAME` (a row incremented through `witloom:host/sql`), else 404.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "handler.h"

typedef wasi_http_types_borrow_fields_t fields_t;

static void header(fields_t fields, const char *name, const char *value, size_t len) {
    wasi_http_types_field_name_t n;
    handler_string_set(&n, name);
    wasi_http_types_field_value_t v = {(uint8_t *)value, len};
    wasi_http_types_header_error_t err;
    wasi_http_types_method_fields_append(fields, &n, &v, &err);
}

// Copies the first value of request header `name` into `out` (at most
// `cap - 1` bytes, NUL-terminated; empty when absent).
static void request_header(wasi_http_types_borrow_incoming_request_t request, const char *name,
                           char *out, size_t cap) {
    wasi_http_types_own_headers_t headers = wasi_http_types_method_incoming_request_headers(request);
    wasi_http_types_field_name_t n;
    handler_string_set(&n, name);
    wasi_http_types_list_field_value_t values;
    wasi_http_types_method_fields_get(wasi_http_types_borrow_fields(headers), &n, &values);
    out[0] = 0;
    if (values.len > 0) {
        size_t len = values.ptr[0].len < cap - 1 ? values.ptr[0].len : cap - 1;
        memcpy(out, values.ptr[0].ptr, len);
        out[len] = 0;
    }
    wasi_http_types_list_field_value_free(&values);
    wasi_http_types_fields_drop_own(headers);
}

// Sends the response head, then `body` in chunks of at most 4 KiB (what
// one blocking write takes).
static void respond(wasi_http_types_own_response_outparam_t out, uint16_t status,
                    wasi_http_types_own_fields_t fields, const uint8_t *body, size_t len) {
    wasi_http_types_own_outgoing_response_t response = wasi_http_types_constructor_outgoing_response(fields);
    wasi_http_types_borrow_outgoing_response_t borrowed = wasi_http_types_borrow_outgoing_response(response);
    wasi_http_types_method_outgoing_response_set_status_code(borrowed, status);
    wasi_http_types_own_outgoing_body_t outgoing;
    wasi_http_types_method_outgoing_response_body(borrowed, &outgoing);
    wasi_http_types_result_own_outgoing_response_error_code_t result = {.is_err = false};
    result.val.ok = response;
    wasi_http_types_static_response_outparam_set(out, &result);

    wasi_http_types_own_output_stream_t stream;
    wasi_http_types_method_outgoing_body_write(wasi_http_types_borrow_outgoing_body(outgoing), &stream);
    wasi_io_streams_borrow_output_stream_t s = wasi_io_streams_borrow_output_stream(stream);
    for (size_t at = 0; at < len; at += 4096) {
        size_t n = len - at < 4096 ? len - at : 4096;
        handler_list_u8_t chunk = {(uint8_t *)body + at, n};
        wasi_io_streams_stream_error_t err;
        if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(s, &chunk, &err)) {
            break;
        }
    }
    wasi_io_streams_output_stream_drop_own(stream);
    wasi_http_types_error_code_t err;
    wasi_http_types_static_outgoing_body_finish(outgoing, NULL, &err);
}

static void respond_text(wasi_http_types_own_response_outparam_t out, uint16_t status, const char *text) {
    wasi_http_types_own_fields_t fields = wasi_http_types_constructor_fields();
    header(wasi_http_types_borrow_fields(fields), "content-type", "text/plain", 10);
    respond(out, status, fields, (const uint8_t *)text, strlen(text));
}

// Reads the whole request body into a malloc'd buffer.
static uint8_t *read_body(wasi_http_types_borrow_incoming_request_t request, size_t *len) {
    wasi_http_types_own_incoming_body_t body;
    *len = 0;
    if (!wasi_http_types_method_incoming_request_consume(request, &body)) return NULL;
    wasi_http_types_own_input_stream_t stream;
    wasi_http_types_method_incoming_body_stream(wasi_http_types_borrow_incoming_body(body), &stream);
    wasi_io_streams_borrow_input_stream_t s = wasi_io_streams_borrow_input_stream(stream);
    size_t cap = 64 * 1024;
    uint8_t *bytes = malloc(cap);
    for (;;) {
        handler_list_u8_t chunk;
        wasi_io_streams_stream_error_t err;
        if (!wasi_io_streams_method_input_stream_blocking_read(s, 64 * 1024, &chunk, &err)) break;
        if (*len + chunk.len > cap) {
            while (*len + chunk.len > cap) cap *= 2;
            bytes = realloc(bytes, cap);
        }
        memcpy(bytes + *len, chunk.ptr, chunk.len);
        *len += chunk.len;
        handler_list_u8_free(&chunk);
    }
    wasi_io_streams_input_stream_drop_own(stream);
    wasi_http_types_future_trailers_drop_own(wasi_http_types_static_incoming_body_finish(body));
    return bytes;
}

// Increments row `name` of `counters`; returns its new value, or -1.
static long long count(const char *name, size_t len) {
    handler_string_t create;
    handler_string_set(&create, "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)");
    witloom_host_sql_list_value_t none = {NULL, 0};
    uint64_t changed;
    witloom_host_sql_error_t err;
    if (!witloom_host_sql_execute(&create, &none, &changed, &err)) {
        witloom_host_sql_error_free(&err);
        return -1;
    }
    handler_string_t upsert;
    handler_string_set(&upsert, "INSERT INTO counters (name, n) VALUES (?1, 1) "
                                "ON CONFLICT (name) DO UPDATE SET n = counters.n + 1 RETURNING n");
    witloom_host_sql_value_t param = {.tag = WITLOOM_HOST_SQL_VALUE_TEXT};
    param.val.text.ptr = (uint8_t *)name;
    param.val.text.len = len;
    witloom_host_sql_list_value_t params = {&param, 1};
    witloom_host_sql_rows_t rows;
    if (!witloom_host_sql_query(&upsert, &params, &rows, &err)) {
        witloom_host_sql_error_free(&err);
        return -1;
    }
    long long n = -1;
    if (rows.values.len == 1 && rows.values.ptr[0].len == 1 &&
        rows.values.ptr[0].ptr[0].tag == WITLOOM_HOST_SQL_VALUE_INTEGER) {
        n = rows.values.ptr[0].ptr[0].val.integer;
    }
    witloom_host_sql_rows_free(&rows);
    return n;
}

void exports_wasi_http_incoming_handler_handle(exports_wasi_http_incoming_handler_own_incoming_request_t request,
                                               exports_wasi_http_incoming_handler_own_response_outparam_t out) {
    wasi_http_types_borrow_incoming_request_t req = wasi_http_types_borrow_incoming_request(request);
    wasi_http_types_method_t method;
    wasi_http_types_method_incoming_request_method(req, &method);
    handler_string_t path = {NULL, 0};
    wasi_http_types_method_incoming_request_path_with_query(req, &path);
    const char *p = (const char *)path.ptr;
    size_t plen = path.len;

    if (method.tag == WASI_HTTP_TYPES_METHOD_GET && plen == 6 && memcmp(p, "/hello", 6) == 0) {
        respond_text(out, 200, "hello from c\n");
    } else if (method.tag == WASI_HTTP_TYPES_METHOD_POST && plen == 5 && memcmp(p, "/echo", 5) == 0) {
        char probe[256];
        request_header(req, "x-probe", probe, sizeof probe);
        size_t len;
        uint8_t *body = read_body(req, &len);
        char length[32];
        snprintf(length, sizeof length, "%zu", len);
        wasi_http_types_own_fields_t fields = wasi_http_types_constructor_fields();
        header(wasi_http_types_borrow_fields(fields), "x-echo-length", length, strlen(length));
        header(wasi_http_types_borrow_fields(fields), "x-probe", probe, strlen(probe));
        respond(out, 200, fields, body, len);
        free(body);
    } else if (method.tag == WASI_HTTP_TYPES_METHOD_POST && plen > 7 && memcmp(p, "/count/", 7) == 0) {
        long long n = count(p + 7, plen - 7);
        char answer[32];
        snprintf(answer, sizeof answer, "%lld", n);
        respond_text(out, n < 0 ? 500 : 200, answer);
    } else {
        respond_text(out, 404, "not found\n");
    }
    handler_string_free(&path);
    wasi_http_types_incoming_request_drop_own(request);
}
