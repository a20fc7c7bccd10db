// The async matrix's runner in C: checks an implementation of `pipes`
// (its async function, a 1 MiB `stream<u8>` each way, a `future<string>`),
// prints each check and `N checks, M failed`, and fails if any did.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pipes_runner.h"

#define LEN (1024 * 1024)
#define CHUNK (64 * 1024)

static int checks, failed;

static void check(const char *what, int ok) {
    checks++;
    if (!ok) {
        failed++;
    }
    printf("%s: %s\n", ok ? "ok" : "FAILED", what);
}

static pipes_runner_event_t await_one(uint32_t waitable) {
    pipes_runner_event_t event;
    pipes_runner_waitable_set_t set = pipes_runner_waitable_set_new();
    pipes_runner_waitable_join(waitable, set);
    pipes_runner_waitable_set_wait(set, &event);
    pipes_runner_waitable_join(waitable, 0);
    pipes_runner_waitable_set_drop(set);
    return event;
}

static pipes_runner_waitable_status_t settle(uint32_t waitable, pipes_runner_waitable_status_t status) {
    return status == PIPES_RUNNER_WAITABLE_STATUS_BLOCKED ? await_one(waitable).code : status;
}

// The subtask of an async import, or 0 when it has returned already.
static pipes_runner_subtask_t started(pipes_runner_subtask_status_t status) {
    return PIPES_RUNNER_SUBTASK_STATE(status) == PIPES_RUNNER_SUBTASK_RETURNED
               ? 0
               : PIPES_RUNNER_SUBTASK_HANDLE(status);
}

static void finish(pipes_runner_subtask_t subtask) {
    if (subtask == 0) {
        return;
    }
    while (await_one(subtask).code != PIPES_RUNNER_SUBTASK_RETURNED) {
    }
    pipes_runner_subtask_drop(subtask);
}

static void check_later(void) {
    pipes_runner_string_t text, loud;
    pipes_runner_string_set(&text, "hi there");
    finish(started(witloom_tests_p3_pipes_later(text, 20, &loud)));
    check("later: an async func answers after a host timer",
          loud.len == 8 && memcmp(loud.ptr, "HI THERE", 8) == 0);
    pipes_runner_string_free(&loud);
}

static void check_digest(void) {
    witloom_tests_p3_pipes_stream_u8_writer_t writer;
    witloom_tests_p3_pipes_stream_u8_t reader = witloom_tests_p3_pipes_stream_u8_new(&writer);
    pipes_runner_tuple2_u64_u64_t seen;
    // The callee reads while this task writes.
    pipes_runner_subtask_t digest = started(witloom_tests_p3_pipes_digest(reader, &seen));
    uint8_t *buf = malloc(CHUNK);
    uint64_t written = 0, sum = 0;
    while (buf != NULL && written < LEN) {
        for (size_t i = 0; i < CHUNK; i++) {
            buf[i] = (uint8_t)((written + i) * 7);
            sum += buf[i];
        }
        size_t off = 0;
        while (off < CHUNK) {
            pipes_runner_waitable_status_t s = settle(
                writer, witloom_tests_p3_pipes_stream_u8_write(writer, buf + off, CHUNK - off));
            off += PIPES_RUNNER_WAITABLE_COUNT(s);
            if (PIPES_RUNNER_WAITABLE_STATE(s) != PIPES_RUNNER_WAITABLE_COMPLETED) {
                break;
            }
        }
        written += off;
        if (off < CHUNK) {
            break;
        }
    }
    free(buf);
    witloom_tests_p3_pipes_stream_u8_drop_writable(writer);
    finish(digest);
    check("digest: 1 MiB written to the callee's stream, every byte counted",
          written == LEN && seen.f0 == LEN && seen.f1 == sum);
}

static void check_produce(void) {
    witloom_tests_p3_pipes_tuple2_stream_u8_future_u64_t out;
    finish(started(witloom_tests_p3_pipes_produce(LEN, &out)));
    uint8_t *buf = malloc(CHUNK);
    uint64_t read = 0;
    int in_order = buf != NULL;
    while (buf != NULL) {
        pipes_runner_waitable_status_t s =
            settle(out.f0, witloom_tests_p3_pipes_stream_u8_read(out.f0, buf, CHUNK));
        size_t n = PIPES_RUNNER_WAITABLE_COUNT(s);
        for (size_t i = 0; i < n; i++) {
            in_order &= buf[i] == (uint8_t)((read + i) % 251);
        }
        read += n;
        if (PIPES_RUNNER_WAITABLE_STATE(s) != PIPES_RUNNER_WAITABLE_COMPLETED) {
            break;
        }
    }
    free(buf);
    witloom_tests_p3_pipes_stream_u8_drop_readable(out.f0);
    uint64_t taken = 0;
    settle(out.f1, witloom_tests_p3_pipes_future_u64_read(out.f1, &taken));
    witloom_tests_p3_pipes_future_u64_drop_readable(out.f1);
    check("produce: 1 MiB read from the callee's stream, every byte in order",
          read == LEN && in_order);
    check("produce: the future says how many were taken", taken == LEN);
}

static void check_reverse(void) {
    pipes_runner_string_t text, backwards;
    pipes_runner_string_set(&text, "stressed");
    witloom_tests_p3_pipes_future_string_t later;
    finish(started(witloom_tests_p3_pipes_reverse(text, &later)));
    settle(later, witloom_tests_p3_pipes_future_string_read(later, &backwards));
    witloom_tests_p3_pipes_future_string_drop_readable(later);
    check("reverse: a future<string> written after the call returned",
          backwards.len == 8 && memcmp(backwards.ptr, "desserts", 8) == 0);
    pipes_runner_string_free(&backwards);
}

pipes_runner_callback_code_t exports_wasi_cli_run_run(void) {
    check_later();
    check_digest();
    check_produce();
    check_reverse();
    printf("%d checks, %d failed\n", checks, failed);
    fflush(stdout);
    exports_wasi_cli_run_run_return((exports_wasi_cli_run_result_void_void_t){.is_err = failed != 0});
    return PIPES_RUNNER_CALLBACK_CODE_EXIT;
}

pipes_runner_callback_code_t exports_wasi_cli_run_run_callback(pipes_runner_event_t *event) {
    (void)event;
    return PIPES_RUNNER_CALLBACK_CODE_EXIT;
}
