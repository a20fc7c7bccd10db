// A WASI 0.3 HTTP handler in C (wit-bindgen-c's async mode): `GET /hello`,
// `POST /echo` (the request's body stream handed back as the response's),
// 404 for anything else. `handle` returns its response first (task.return),
// then writes the body and the trailers the response was made with.

#include <string.h>
#include "service.h"

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

// A response of `status` whose body and trailers are written later,
// through `body` and `trailers`.
static wasi_http_types_own_response_t respond(uint16_t status, body_writer_t *body,
                                              trailers_writer_t *trailers) {
    wasi_http_types_stream_u8_t contents = wasi_http_types_stream_u8_new(body);
    wasi_http_types_tuple2_own_response_future_result_void_error_code_t made;
    wasi_http_types_static_response_new(
        wasi_http_types_constructor_fields(), &contents,
        wasi_http_types_future_result_option_own_trailers_error_code_new(trailers), &made);
    // How the host took the body: nothing to do with it here.
    wasi_http_types_future_result_void_error_code_drop_readable(made.f1);
    wasi_http_types_method_response_set_status_code(wasi_http_types_borrow_response(made.f0),
                                                    status);
    return made.f0;
}

// Writes `text` as the body, then no trailers.
static void finish(body_writer_t body, trailers_writer_t trailers, const char *text) {
    outcome(body, wasi_http_types_stream_u8_write(body, (const uint8_t *)text, strlen(text)));
    wasi_http_types_stream_u8_drop_writable(body);
    wasi_http_types_result_option_own_trailers_error_code_t none = {.is_err = false};
    none.val.ok.is_some = false;
    outcome(trailers, wasi_http_types_future_result_option_own_trailers_error_code_write(trailers, &none));
    wasi_http_types_future_result_option_own_trailers_error_code_drop_writable(trailers);
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
    wasi_http_types_method_free(&method);
    if (has_path) {
        service_string_free(&path);
    }

    exports_wasi_http_handler_result_own_response_error_code_t ret = {.is_err = false};
    if (echo) {
        // The request's body and trailers become the response's; `done`
        // says the guest took the body well.
        wasi_http_types_future_result_void_error_code_writer_t done;
        wasi_http_types_tuple2_stream_u8_future_result_option_own_trailers_error_code_t body;
        wasi_http_types_static_request_consume_body(
            request, wasi_http_types_future_result_void_error_code_new(&done), &body);
        wasi_http_types_tuple2_own_response_future_result_void_error_code_t made;
        wasi_http_types_static_response_new(wasi_http_types_constructor_fields(), &body.f0, body.f1,
                                            &made);
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
    ret.val.ok = respond(hello ? 200 : 404, &body, &trailers);
    exports_wasi_http_handler_handle_return(ret);
    finish(body, trailers, hello ? "hello from c on WASI 0.3\n" : "not found\n");
    return SERVICE_CALLBACK_CODE_EXIT;
}

service_callback_code_t exports_wasi_http_handler_handle_callback(service_event_t *event) {
    (void)event;
    return SERVICE_CALLBACK_CODE_EXIT;
}
