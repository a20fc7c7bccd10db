// `pipes` in C, for the async matrix: each export is an async function
// that blocks on one waitable at a time (`waitable-set.wait`) and, where
// it hands out a stream or a future, returns first and then writes it.

#include <stdlib.h>
#include <string.h>
#include "pipes_test.h"

#define CHUNK (64 * 1024)

static pipes_test_event_t await_one(uint32_t waitable) {
    pipes_test_event_t event;
    pipes_test_waitable_set_t set = pipes_test_waitable_set_new();
    pipes_test_waitable_join(waitable, set);
    pipes_test_waitable_set_wait(set, &event);
    pipes_test_waitable_join(waitable, 0);
    pipes_test_waitable_set_drop(set);
    return event;
}

static pipes_test_waitable_status_t settle(uint32_t waitable, pipes_test_waitable_status_t status) {
    return status == PIPES_TEST_WAITABLE_STATUS_BLOCKED ? await_one(waitable).code : status;
}

// Waits for an async import's subtask to return.
static void finish(pipes_test_subtask_status_t status) {
    if (PIPES_TEST_SUBTASK_STATE(status) == PIPES_TEST_SUBTASK_RETURNED) {
        return;
    }
    pipes_test_subtask_t subtask = PIPES_TEST_SUBTASK_HANDLE(status);
    while (await_one(subtask).code != PIPES_TEST_SUBTASK_RETURNED) {
    }
    pipes_test_subtask_drop(subtask);
}

pipes_test_callback_code_t exports_witloom_tests_p3_pipes_later(pipes_test_string_t *text, uint32_t ms) {
    finish(wasi_clocks_monotonic_clock_wait_for((uint64_t)ms * 1000000));
    pipes_test_string_t loud;
    pipes_test_string_dup_n(&loud, (const char *)text->ptr, text->len);
    for (size_t i = 0; i < loud.len; i++) {
        if (loud.ptr[i] >= 'a' && loud.ptr[i] <= 'z') {
            loud.ptr[i] -= 'a' - 'A';
        }
    }
    pipes_test_string_free(text);
    exports_witloom_tests_p3_pipes_later_return(loud);
    // `task.return` has copied it out.
    pipes_test_string_free(&loud);
    return PIPES_TEST_CALLBACK_CODE_EXIT;
}

pipes_test_callback_code_t exports_witloom_tests_p3_pipes_later_callback(pipes_test_event_t *event) {
    (void)event;
    return PIPES_TEST_CALLBACK_CODE_EXIT;
}

pipes_test_callback_code_t exports_witloom_tests_p3_pipes_digest(exports_witloom_tests_p3_pipes_stream_u8_t data) {
    uint8_t *buf = malloc(CHUNK);
    pipes_test_tuple2_u64_u64_t seen = {0, 0};
    while (buf != NULL) {
        pipes_test_waitable_status_t s =
            settle(data, exports_witloom_tests_p3_pipes_stream_u8_read(data, buf, CHUNK));
        size_t n = PIPES_TEST_WAITABLE_COUNT(s);
        seen.f0 += n;
        for (size_t i = 0; i < n; i++) {
            seen.f1 += buf[i];
        }
        if (PIPES_TEST_WAITABLE_STATE(s) != PIPES_TEST_WAITABLE_COMPLETED) {
            break;
        }
    }
    free(buf);
    exports_witloom_tests_p3_pipes_stream_u8_drop_readable(data);
    exports_witloom_tests_p3_pipes_digest_return(seen);
    return PIPES_TEST_CALLBACK_CODE_EXIT;
}

pipes_test_callback_code_t exports_witloom_tests_p3_pipes_digest_callback(pipes_test_event_t *event) {
    (void)event;
    return PIPES_TEST_CALLBACK_CODE_EXIT;
}

pipes_test_callback_code_t exports_witloom_tests_p3_pipes_produce(uint64_t len) {
    exports_witloom_tests_p3_pipes_stream_u8_writer_t bytes;
    exports_witloom_tests_p3_pipes_future_u64_writer_t taken;
    exports_witloom_tests_p3_pipes_tuple2_stream_u8_future_u64_t out = {
        .f0 = exports_witloom_tests_p3_pipes_stream_u8_new(&bytes),
        .f1 = exports_witloom_tests_p3_pipes_future_u64_new(&taken),
    };
    exports_witloom_tests_p3_pipes_produce_return(out);

    // The task goes on after its result: the bytes, then their count.
    uint8_t *buf = malloc(CHUNK);
    uint64_t written = 0;
    while (buf != NULL && written < len) {
        size_t n = len - written < CHUNK ? (size_t)(len - written) : CHUNK;
        for (size_t i = 0; i < n; i++) {
            buf[i] = (uint8_t)((written + i) % 251);
        }
        pipes_test_waitable_status_t s =
            settle(bytes, exports_witloom_tests_p3_pipes_stream_u8_write(bytes, buf, n));
        written += PIPES_TEST_WAITABLE_COUNT(s);
        if (PIPES_TEST_WAITABLE_STATE(s) != PIPES_TEST_WAITABLE_COMPLETED) {
            break;
        }
    }
    free(buf);
    exports_witloom_tests_p3_pipes_stream_u8_drop_writable(bytes);
    settle(taken, exports_witloom_tests_p3_pipes_future_u64_write(taken, &written));
    exports_witloom_tests_p3_pipes_future_u64_drop_writable(taken);
    return PIPES_TEST_CALLBACK_CODE_EXIT;
}

pipes_test_callback_code_t exports_witloom_tests_p3_pipes_produce_callback(pipes_test_event_t *event) {
    (void)event;
    return PIPES_TEST_CALLBACK_CODE_EXIT;
}

pipes_test_callback_code_t exports_witloom_tests_p3_pipes_reverse(pipes_test_string_t *text) {
    exports_witloom_tests_p3_pipes_future_string_writer_t writer;
    exports_witloom_tests_p3_pipes_future_string_t reader =
        exports_witloom_tests_p3_pipes_future_string_new(&writer);
    exports_witloom_tests_p3_pipes_reverse_return(reader);

    pipes_test_string_t backwards;
    pipes_test_string_dup_n(&backwards, (const char *)text->ptr, text->len);
    for (size_t i = 0; i < backwards.len / 2; i++) {
        uint8_t c = backwards.ptr[i];
        backwards.ptr[i] = backwards.ptr[backwards.len - 1 - i];
        backwards.ptr[backwards.len - 1 - i] = c;
    }
    pipes_test_string_free(text);
    settle(writer, exports_witloom_tests_p3_pipes_future_string_write(writer, &backwards));
    exports_witloom_tests_p3_pipes_future_string_drop_writable(writer);
    pipes_test_string_free(&backwards);
    return PIPES_TEST_CALLBACK_CODE_EXIT;
}

pipes_test_callback_code_t exports_witloom_tests_p3_pipes_reverse_callback(pipes_test_event_t *event) {
    (void)event;
    return PIPES_TEST_CALLBACK_CODE_EXIT;
}

void exports_witloom_tests_p3_pipes_digest_list(pipes_test_list_u8_t *data, pipes_test_tuple2_u64_u64_t *ret) {
    ret->f0 = data->len;
    ret->f1 = 0;
    for (size_t i = 0; i < data->len; i++) {
        ret->f1 += data->ptr[i];
    }
    pipes_test_list_u8_free(data);
}

pipes_test_callback_code_t exports_witloom_tests_p3_pipes_ping(void) {
    exports_witloom_tests_p3_pipes_ping_return();
    return PIPES_TEST_CALLBACK_CODE_EXIT;
}

pipes_test_callback_code_t exports_witloom_tests_p3_pipes_ping_callback(pipes_test_event_t *event) {
    (void)event;
    return PIPES_TEST_CALLBACK_CODE_EXIT;
}

void exports_witloom_tests_p3_pipes_ping_sync(void) {
}
