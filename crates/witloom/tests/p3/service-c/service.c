// A WASI 0.3 HTTP handler in C (wit-bindgen-c's async mode): `GET /hello`,
// `POST /echo` (the request's body stream and trailers handed back as the
// response's), `GET /big?N` (N bytes written in chunks), `GET /trailers`
// (a body, then trailers), 404 for anything else. `handle` returns its
// response first (task.return), then writes the body and the trailers the
// response was made with.

#include <string.h>
#include "service.h"

#define CHUNK (64 * 1024)

typedef wasi_http_types_stream_u8_writer_t body_writer_t;
typedef wasi_http_types_future_result_option_own_trailers_error_code_writer_t trailers_writer_t;

// The next event on `waitable`, alone in a set of its own.
static service_event_t next_event(uint32_t waitable) {
    service_event_t event;
    service_waitable_set_t set = service_waitable_set_new();
    service_waitable_join(waitable, set);
    service_waitable_set_wait(set, &event);
    service_waitable_join(waitable, 0);
    service_waitable_set_drop(set);
    return event;
}

// A stream or future operation's outcome, once it has one.
static service_waitable_status_t outcome(uint32_t waitable, service_waitable_status_t status) {
    return status == SERVICE_WAITABLE_STATUS_BLOCKED ? next_event(waitable).code : status;
}

static bool is(const service_string_t *s, const char *text) {
    return s->len == strlen(text) && memcmp(s->ptr, text, s->len) == 0;
}

// Whether `s` starts with `prefix`; if so, the decimal number after it
// (0 if there is none) in `number`.
static bool number_after(const service_string_t *s, const char *prefix, uint64_t *number) {
    size_t at = strlen(prefix);
    if (s->len < at || memcmp(s->ptr, prefix, at) != 0) {
        return false;
    }
    *number = 0;
    for (; at < s->len && s->ptr[at] >= '0' && s->ptr[at] <= '9'; at++) {
        *number = *number * 10 + (s->ptr[at] - '0');
    }
    return true;
}

// Fields of one entry, `name: value`.
static wasi_http_types_own_fields_t one_field(const char *name, const char *value) {
    wasi_http_types_tuple2_field_name_field_value_t entry = {
        .f0 = {.ptr = (uint8_t *)name, .len = strlen(name)},
        .f1 = {.ptr = (uint8_t *)value, .len = strlen(value)},
    };
    wasi_http_types_list_tuple2_field_name_field_value_t list = {.ptr = &entry, .len = 1};
    wasi_http_types_own_fields_t fields;
    wasi_http_types_header_error_t err;
    if (!wasi_http_types_static_fields_from_list(&list, &fields, &err)) {
        wasi_http_types_header_error_free(&err);
        return wasi_http_types_constructor_fields();
    }
    return fields;
}

// Writes all of `data`; false if the reader went away first.
static bool write_all(body_writer_t body, const uint8_t *data, size_t len) {
    size_t off = 0;
    while (off < len) {
        service_waitable_status_t s =
            outcome(body, wasi_http_types_stream_u8_write(body, data + off, len - off));
        off += SERVICE_WAITABLE_COUNT(s);
        if (SERVICE_WAITABLE_STATE(s) != SERVICE_WAITABLE_COMPLETED && off < len) {
            return false;
        }
    }
    return true;
}

// Ends the response: no more body, then `trailers` (none if `value` is
// NULL: `name: value` otherwise).
static void end(body_writer_t body, trailers_writer_t trailers, const char *name,
                const char *value) {
    wasi_http_types_stream_u8_drop_writable(body);
    wasi_http_types_result_option_own_trailers_error_code_t sent = {.is_err = false};
    sent.val.ok.is_some = value != NULL;
    if (value != NULL) {
        sent.val.ok.val = one_field(name, value);
    }
    outcome(trailers, wasi_http_types_future_result_option_own_trailers_error_code_write(trailers, &sent));
    wasi_http_types_future_result_option_own_trailers_error_code_drop_writable(trailers);
}

// A response of `status` with `headers` whose body and trailers are
// written later, through `body` and `trailers`.
static wasi_http_types_own_response_t respond(uint16_t status, wasi_http_types_own_fields_t headers,
                                              body_writer_t *body, trailers_writer_t *trailers) {
    wasi_http_types_stream_u8_t contents = wasi_http_types_stream_u8_new(body);
    wasi_http_types_tuple2_own_response_future_result_void_error_code_t made;
    wasi_http_types_static_response_new(
        headers, &contents,
        wasi_http_types_future_result_option_own_trailers_error_code_new(trailers), &made);
    // How the host took the body: nothing to do with it here.
    wasi_http_types_future_result_void_error_code_drop_readable(made.f1);
    wasi_http_types_method_response_set_status_code(wasi_http_types_borrow_response(made.f0),
                                                    status);
    return made.f0;
}

// Writes `len` bytes (byte `i` is `i % 251`) a chunk at a time, each made
// as the reader takes the one before.
static void pattern(body_writer_t body, uint64_t len) {
    static uint8_t chunk[CHUNK];
    for (uint64_t at = 0; at < len;) {
        size_t n = len - at < CHUNK ? (size_t)(len - at) : CHUNK;
        for (size_t i = 0; i < n; i++) {
            chunk[i] = (uint8_t)((at + i) % 251);
        }
        if (!write_all(body, chunk, n)) {
            return;
        }
        at += n;
    }
}

// The request's `trailer` header, if it has one, as the only field of the
// echo's headers: the server sends on only the trailers declared.
static wasi_http_types_own_fields_t declared_trailers(wasi_http_types_borrow_request_t request) {
    wasi_http_types_own_fields_t headers = wasi_http_types_method_request_get_headers(request);
    wasi_http_types_field_name_t name = {.ptr = (uint8_t *)"trailer", .len = 7};
    wasi_http_types_list_field_value_t values;
    wasi_http_types_method_fields_get(wasi_http_types_borrow_fields(headers), &name, &values);
    wasi_http_types_fields_drop_own(headers);
    wasi_http_types_own_fields_t echoed = wasi_http_types_constructor_fields();
    if (values.len > 0) {
        wasi_http_types_header_error_t err;
        if (!wasi_http_types_method_fields_set(wasi_http_types_borrow_fields(echoed), &name, &values,
                                               &err)) {
            wasi_http_types_header_error_free(&err);
        }
    }
    wasi_http_types_list_field_value_free(&values);
    return echoed;
}

service_callback_code_t exports_wasi_http_handler_handle(exports_wasi_http_handler_own_request_t request) {
    wasi_http_types_borrow_request_t borrowed = wasi_http_types_borrow_request(request);
    wasi_http_types_method_t method;
    wasi_http_types_method_request_get_method(borrowed, &method);
    service_string_t path = {0};
    bool has_path = wasi_http_types_method_request_get_path_with_query(borrowed, &path);
    bool get = method.tag == WASI_HTTP_TYPES_METHOD_GET;
    bool post = method.tag == WASI_HTTP_TYPES_METHOD_POST;
    bool hello = get && has_path && is(&path, "/hello");
    bool echo = post && has_path && is(&path, "/echo");
    bool trailed = get && has_path && is(&path, "/trailers");
    uint64_t big_len = 0;
    bool big = get && has_path && number_after(&path, "/big?", &big_len);
    wasi_http_types_method_free(&method);
    if (has_path) {
        service_string_free(&path);
    }

    exports_wasi_http_handler_result_own_response_error_code_t ret = {.is_err = false};
    if (echo) {
        // The request's body and trailers become the response's; `done`
        // says the guest took the body well.
        wasi_http_types_own_fields_t headers = declared_trailers(borrowed);
        wasi_http_types_future_result_void_error_code_writer_t done;
        wasi_http_types_tuple2_stream_u8_future_result_option_own_trailers_error_code_t body;
        wasi_http_types_static_request_consume_body(
            request, wasi_http_types_future_result_void_error_code_new(&done), &body);
        wasi_http_types_tuple2_own_response_future_result_void_error_code_t made;
        wasi_http_types_static_response_new(headers, &body.f0, body.f1, &made);
        wasi_http_types_future_result_void_error_code_drop_readable(made.f1);
        ret.val.ok = made.f0;
        exports_wasi_http_handler_handle_return(ret);
        wasi_http_types_result_void_error_code_t ok = {.is_err = false};
        outcome(done, wasi_http_types_future_result_void_error_code_write(done, &ok));
        wasi_http_types_future_result_void_error_code_drop_writable(done);
        return SERVICE_CALLBACK_CODE_EXIT;
    }
    wasi_http_types_request_drop_own(request);
    body_writer_t body;
    trailers_writer_t trailers;
    if (big) {
        ret.val.ok = respond(200, wasi_http_types_constructor_fields(), &body, &trailers);
        exports_wasi_http_handler_handle_return(ret);
        pattern(body, big_len);
        end(body, trailers, NULL, NULL);
    } else if (trailed) {
        ret.val.ok = respond(200, one_field("trailer", "x-served-by"), &body, &trailers);
        exports_wasi_http_handler_handle_return(ret);
        const char *text = "trailers follow\n";
        write_all(body, (const uint8_t *)text, strlen(text));
        end(body, trailers, "x-served-by", "c");
    } else {
        ret.val.ok = respond(hello ? 200 : 404, wasi_http_types_constructor_fields(), &body, &trailers);
        exports_wasi_http_handler_handle_return(ret);
        const char *text = hello ? "hello from c on WASI 0.3\n" : "not found\n";
        write_all(body, (const uint8_t *)text, strlen(text));
        end(body, trailers, NULL, NULL);
    }
    return SERVICE_CALLBACK_CODE_EXIT;
}

service_callback_code_t exports_wasi_http_handler_handle_callback(service_event_t *event) {
    (void)event;
    return SERVICE_CALLBACK_CODE_EXIT;
}
