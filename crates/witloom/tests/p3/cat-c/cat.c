// `cat NAME`, a WASI 0.3 command in C: the file NAME in the first
// preopened directory, copied to stdout through this guest's memory, as
// the Rust `cat-rust` does. Written in the plainest style the async ABI
// allows: `run` is an async export that blocks on one waitable at a time
// (`waitable-set.wait`) instead of returning to a callback.

#include <stdlib.h>
#include <string.h>
#include "cat.h"

#define CHUNK (64 * 1024)

// Waits for the next event on `waitable` alone.
static cat_event_t await_one(uint32_t waitable) {
    cat_event_t event;
    cat_waitable_set_t set = cat_waitable_set_new();
    cat_waitable_join(waitable, set);
    cat_waitable_set_wait(set, &event);
    cat_waitable_join(waitable, 0);
    cat_waitable_set_drop(set);
    return event;
}

// A waitable's status, waited for when the operation blocked.
static cat_waitable_status_t settle(uint32_t waitable, cat_waitable_status_t status) {
    if (status != CAT_WAITABLE_STATUS_BLOCKED) {
        return status;
    }
    return await_one(waitable).code;
}

// Says `message` on stderr through a stream of its own.
static void complain(const char *message) {
    wasi_cli_stdin_stream_u8_writer_t writer;
    wasi_cli_stdin_stream_u8_t reader = wasi_cli_stdin_stream_u8_new(&writer);
    wasi_cli_stderr_future_result_void_error_code_t done =
        wasi_cli_stderr_write_via_stream(reader);
    size_t len = strlen(message), off = 0;
    while (off < len) {
        cat_waitable_status_t s = settle(
            writer, wasi_cli_stdin_stream_u8_write(writer, (const uint8_t *)message + off, len - off));
        off += CAT_WAITABLE_COUNT(s);
        if (CAT_WAITABLE_STATE(s) != CAT_WAITABLE_COMPLETED) {
            break;
        }
    }
    wasi_cli_stdin_stream_u8_drop_writable(writer);
    wasi_cli_stderr_result_void_error_code_t result;
    settle(done, wasi_cli_stderr_future_result_void_error_code_read(done, &result));
    wasi_cli_stderr_future_result_void_error_code_drop_readable(done);
}

static bool cat(void) {
    cat_list_string_t args;
    wasi_cli_environment_get_arguments(&args);
    if (args.len < 2) {
        complain("cat: usage: cat NAME\n");
        return false;
    }
    wasi_filesystem_preopens_list_tuple2_own_descriptor_string_t dirs;
    wasi_filesystem_preopens_get_directories(&dirs);
    if (dirs.len == 0) {
        complain("cat: no directory granted (--dir)\n");
        return false;
    }

    wasi_filesystem_types_method_descriptor_open_at_args_t open = {
        .self = wasi_filesystem_types_borrow_descriptor(dirs.ptr[0].f0),
        .path_flags = 0,
        .path = args.ptr[1],
        .open_flags = 0,
        .flags = WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_READ,
    };
    wasi_filesystem_types_result_own_descriptor_error_code_t opened;
    cat_subtask_status_t status = wasi_filesystem_types_method_descriptor_open_at(&open, &opened);
    if (CAT_SUBTASK_STATE(status) != CAT_SUBTASK_RETURNED) {
        cat_subtask_t subtask = CAT_SUBTASK_HANDLE(status);
        cat_event_t event;
        do {
            event = await_one(subtask);
        } while (event.code != CAT_SUBTASK_RETURNED);
        cat_subtask_drop(subtask);
    }
    if (opened.is_err) {
        complain("cat: cannot open the file\n");
        return false;
    }

    wasi_filesystem_types_tuple2_stream_u8_future_result_void_error_code_t input;
    wasi_filesystem_types_method_descriptor_read_via_stream(
        wasi_filesystem_types_borrow_descriptor(opened.val.ok), 0, &input);
    wasi_cli_stdin_stream_u8_writer_t output;
    wasi_cli_stdin_stream_u8_t drained = wasi_cli_stdin_stream_u8_new(&output);
    wasi_cli_stdout_future_result_void_error_code_t written =
        wasi_cli_stdout_write_via_stream(drained);

    uint8_t *buf = malloc(CHUNK);
    bool ok = buf != NULL;
    while (ok) {
        cat_waitable_status_t s =
            settle(input.f0, wasi_filesystem_types_stream_u8_read(input.f0, buf, CHUNK));
        size_t n = CAT_WAITABLE_COUNT(s), off = 0;
        while (off < n) {
            cat_waitable_status_t w =
                settle(output, wasi_cli_stdin_stream_u8_write(output, buf + off, n - off));
            off += CAT_WAITABLE_COUNT(w);
            if (CAT_WAITABLE_STATE(w) != CAT_WAITABLE_COMPLETED && off < n) {
                ok = false;
                break;
            }
        }
        if (CAT_WAITABLE_STATE(s) == CAT_WAITABLE_DROPPED) {
            break;
        }
    }
    free(buf);
    wasi_filesystem_types_stream_u8_drop_readable(input.f0);
    wasi_cli_stdin_stream_u8_drop_writable(output);

    wasi_filesystem_types_result_void_error_code_t read_result;
    settle(input.f1, wasi_filesystem_types_future_result_void_error_code_read(input.f1, &read_result));
    wasi_filesystem_types_future_result_void_error_code_drop_readable(input.f1);
    wasi_cli_stdout_result_void_error_code_t write_result;
    settle(written, wasi_cli_stdout_future_result_void_error_code_read(written, &write_result));
    wasi_cli_stdout_future_result_void_error_code_drop_readable(written);
    if (read_result.is_err || write_result.is_err) {
        complain("cat: the copy failed\n");
        return false;
    }
    return ok;
}

cat_callback_code_t exports_wasi_cli_run_run(void) {
    exports_wasi_cli_run_result_void_void_t result = {.is_err = !cat()};
    exports_wasi_cli_run_run_return(result);
    return CAT_CALLBACK_CODE_EXIT;
}

// `run` never waits with a callback, so this is never called.
cat_callback_code_t exports_wasi_cli_run_run_callback(cat_event_t *event) {
    (void)event;
    return CAT_CALLBACK_CODE_EXIT;
}
