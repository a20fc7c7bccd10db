// The `concurrent` world in C (wit-bindgen-c's async mode): each export blocks
// on one waitable at a time (`waitable-set.wait`); where it hands out a
// stream or a future it returns first, then writes it. wit-bindgen-c
// writes the intrinsics of one payload type once, under the first
// interface using it: every `stream<u8>` here goes through
// `witloom_test_flow_host_stream_u8_*`.

#include <stdlib.h>
#include <string.h>
#include "concurrent.h"

#define CHUNK (64 * 1024)

// The next event on `waitable`, alone in a set of its own.
static concurrent_event_t next_event(uint32_t waitable) {
    concurrent_event_t event;
    concurrent_waitable_set_t set = concurrent_waitable_set_new();
    concurrent_waitable_join(waitable, set);
    concurrent_waitable_set_wait(set, &event);
    concurrent_waitable_join(waitable, 0);
    concurrent_waitable_set_drop(set);
    return event;
}

// A stream or future operation's outcome, once it has one.
static concurrent_waitable_status_t outcome(uint32_t waitable, concurrent_waitable_status_t status) {
    return status == CONCURRENT_WAITABLE_STATUS_BLOCKED ? next_event(waitable).code : status;
}

// Waits until an async import's subtask has returned.
static void returned(concurrent_subtask_status_t status) {
    if (CONCURRENT_SUBTASK_STATE(status) == CONCURRENT_SUBTASK_RETURNED) {
        return;
    }
    concurrent_subtask_t subtask = CONCURRENT_SUBTASK_HANDLE(status);
    while (next_event(subtask).code != CONCURRENT_SUBTASK_RETURNED) {
    }
    concurrent_subtask_drop(subtask);
}

// Writes `len` bytes (byte `i` is `i % 251`) to `bytes`, then drops it;
// returns how many the reader took.
static uint64_t write_pattern(witloom_test_flow_host_stream_u8_writer_t bytes, uint64_t len) {
    uint8_t *buf = malloc(CHUNK);
    uint64_t written = 0;
    while (buf != NULL && written < len) {
        size_t n = len - written < CHUNK ? (size_t)(len - written) : CHUNK;
        for (size_t i = 0; i < n; i++) {
            buf[i] = (uint8_t)((written + i) % 251);
        }
        concurrent_waitable_status_t s =
            outcome(bytes, witloom_test_flow_host_stream_u8_write(bytes, buf, n));
        written += CONCURRENT_WAITABLE_COUNT(s);
        if (CONCURRENT_WAITABLE_STATE(s) != CONCURRENT_WAITABLE_COMPLETED) {
            break;
        }
    }
    free(buf);
    witloom_test_flow_host_stream_u8_drop_writable(bytes);
    return written;
}

static void reverse_bytes(uint8_t *p, size_t n) {
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t c = p[i];
        p[i] = p[n - 1 - i];
        p[n - 1 - i] = c;
    }
}

// Reverses UTF-8 text by character: the bytes, then each character's
// bytes back into order (its continuation bytes now come first).
static void reverse_utf8(uint8_t *p, size_t n) {
    reverse_bytes(p, n);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            reverse_bytes(p + start, i - start + 1);
            start = i + 1;
        }
    }
}

concurrent_callback_code_t exports_witloom_test_flows_shout(concurrent_string_t *text, uint32_t ms) {
    returned(witloom_test_flow_host_pause(ms));
    concurrent_string_t loud;
    concurrent_string_dup_n(&loud, (const char *)text->ptr, text->len);
    for (size_t i = 0; i < loud.len; i++) {
        if (loud.ptr[i] >= 'a' && loud.ptr[i] <= 'z') {
            loud.ptr[i] -= 'a' - 'A';
        }
    }
    concurrent_string_free(text);
    exports_witloom_test_flows_shout_return(loud);
    concurrent_string_free(&loud);
    return CONCURRENT_CALLBACK_CODE_EXIT;
}

concurrent_callback_code_t exports_witloom_test_flows_shout_callback(concurrent_event_t *event) {
    (void)event;
    return CONCURRENT_CALLBACK_CODE_EXIT;
}

concurrent_callback_code_t exports_witloom_test_flows_digest(exports_witloom_test_flows_stream_u8_t data) {
    uint8_t *buf = malloc(CHUNK);
    concurrent_tuple2_u64_u64_t seen = {0, 0};
    while (buf != NULL) {
        concurrent_waitable_status_t s =
            outcome(data, witloom_test_flow_host_stream_u8_read(data, buf, CHUNK));
        size_t n = CONCURRENT_WAITABLE_COUNT(s);
        seen.f0 += n;
        for (size_t i = 0; i < n; i++) {
            seen.f1 += buf[i];
        }
        if (CONCURRENT_WAITABLE_STATE(s) != CONCURRENT_WAITABLE_COMPLETED) {
            break;
        }
    }
    free(buf);
    witloom_test_flow_host_stream_u8_drop_readable(data);
    exports_witloom_test_flows_digest_return(seen);
    return CONCURRENT_CALLBACK_CODE_EXIT;
}

concurrent_callback_code_t exports_witloom_test_flows_digest_callback(concurrent_event_t *event) {
    (void)event;
    return CONCURRENT_CALLBACK_CODE_EXIT;
}

concurrent_callback_code_t exports_witloom_test_flows_produce(uint64_t len) {
    witloom_test_flow_host_stream_u8_writer_t bytes;
    exports_witloom_test_flows_future_u64_writer_t taken;
    exports_witloom_test_flows_tuple2_stream_u8_future_u64_t out = {
        .f0 = witloom_test_flow_host_stream_u8_new(&bytes),
        .f1 = exports_witloom_test_flows_future_u64_new(&taken),
    };
    exports_witloom_test_flows_produce_return(out);

    // The task goes on after its result: the bytes, then their count.
    uint64_t written = write_pattern(bytes, len);
    outcome(taken, exports_witloom_test_flows_future_u64_write(taken, &written));
    exports_witloom_test_flows_future_u64_drop_writable(taken);
    return CONCURRENT_CALLBACK_CODE_EXIT;
}

concurrent_callback_code_t exports_witloom_test_flows_produce_callback(concurrent_event_t *event) {
    (void)event;
    return CONCURRENT_CALLBACK_CODE_EXIT;
}

concurrent_callback_code_t exports_witloom_test_flows_reverse(concurrent_string_t *text) {
    exports_witloom_test_flows_future_string_writer_t writer;
    exports_witloom_test_flows_future_string_t reader =
        exports_witloom_test_flows_future_string_new(&writer);
    exports_witloom_test_flows_reverse_return(reader);

    concurrent_string_t backwards;
    concurrent_string_dup_n(&backwards, (const char *)text->ptr, text->len);
    reverse_utf8(backwards.ptr, backwards.len);
    concurrent_string_free(text);
    outcome(writer, exports_witloom_test_flows_future_string_write(writer, &backwards));
    exports_witloom_test_flows_future_string_drop_writable(writer);
    concurrent_string_free(&backwards);
    return CONCURRENT_CALLBACK_CODE_EXIT;
}

concurrent_callback_code_t exports_witloom_test_flows_reverse_callback(concurrent_event_t *event) {
    (void)event;
    return CONCURRENT_CALLBACK_CODE_EXIT;
}

concurrent_callback_code_t exports_witloom_test_flows_send(uint64_t len) {
    witloom_test_flow_host_stream_u8_writer_t bytes;
    witloom_test_flow_host_stream_u8_t reader = witloom_test_flow_host_stream_u8_new(&bytes);
    uint64_t counted = 0;
    // The host's `drain` reads (a subtask) while this task writes.
    concurrent_subtask_status_t draining = witloom_test_flow_host_drain(reader, &counted);
    write_pattern(bytes, len);
    returned(draining);
    exports_witloom_test_flows_send_return(counted);
    return CONCURRENT_CALLBACK_CODE_EXIT;
}

concurrent_callback_code_t exports_witloom_test_flows_send_callback(concurrent_event_t *event) {
    (void)event;
    return CONCURRENT_CALLBACK_CODE_EXIT;
}
