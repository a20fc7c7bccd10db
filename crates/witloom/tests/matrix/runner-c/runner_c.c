// The matrix runner in C: calls the `values` and `counters` exports of
// whichever `test` implementation it is composed with, and checks every
// result. Prints one line per check; `run` fails if any check fails.

#include <stdio.h>
#include <string.h>
#include "runner.h"

static int checks, failed;

static void check(const char *name, bool ok) {
    checks++;
    if (!ok) failed++;
    printf("%s %s\n", ok ? "ok  " : "FAIL", name);
}

static bool str_is(const runner_string_t *s, const char *want) {
    return s->len == strlen(want) && memcmp(s->ptr, want, s->len) == 0;
}

bool exports_wasi_cli_run_run(void) {
    check("echo-u8", witloom_test_values_echo_u8(255) == 255);
    check("echo-s64", witloom_test_values_echo_s64(INT64_MIN) == INT64_MIN);
    check("echo-f64", witloom_test_values_echo_f64(1.5) == 1.5);
    check("echo-char", witloom_test_values_echo_char(0x20AC) == 0x20AC);

    runner_string_t s, out;
    runner_string_set(&s, "h\xc3\xa9llo, w\xc3\xb6rld \xe2\x9c\x93");
    witloom_test_values_echo_string(&s, &out);
    check("echo-string", str_is(&out, "h\xc3\xa9llo, w\xc3\xb6rld \xe2\x9c\x93"));
    runner_string_free(&out);

    runner_string_set(&s, "h\xc3\xa9llo");
    check("string-len", witloom_test_values_string_len(&s) == 6);

    runner_string_set(&s, "ab");
    witloom_test_values_repeat_string(&s, 3, &out);
    check("repeat-string", str_is(&out, "ababab"));
    runner_string_free(&out);

    uint8_t bytes[] = {1, 2, 3, 250};
    runner_list_u8_t list = {bytes, 4};
    check("sum-bytes", witloom_test_values_sum_bytes(&list) == 256);

    witloom_test_values_point_t pts[] = {{1, 2}, {3, -4}};
    witloom_test_values_list_point_t plist = {pts, 2}, pout;
    witloom_test_values_flip_points(&plist, &pout);
    check("flip-points", pout.len == 2 && pout.ptr[0].x == -4 && pout.ptr[0].y == 3 &&
                             pout.ptr[1].x == 2 && pout.ptr[1].y == 1);
    witloom_test_values_list_point_free(&pout);

    check("echo-color", witloom_test_values_echo_color(WITLOOM_TEST_VALUES_COLOR_BLUE) ==
                            WITLOOM_TEST_VALUES_COLOR_BLUE);
    witloom_test_values_perms_t perms = WITLOOM_TEST_VALUES_PERMS_READ | WITLOOM_TEST_VALUES_PERMS_EXEC;
    check("echo-perms", witloom_test_values_echo_perms(perms) == perms);

    witloom_test_values_shape_t shape = {.tag = WITLOOM_TEST_VALUES_SHAPE_RECT}, shape_out;
    shape.val.rect.width = 3;
    shape.val.rect.height = 4;
    witloom_test_values_echo_shape(&shape, &shape_out);
    check("echo-shape", shape_out.tag == WITLOOM_TEST_VALUES_SHAPE_RECT &&
                            shape_out.val.rect.width == 3 && shape_out.val.rect.height == 4);

    uint32_t seven = 7, got = 0;
    check("echo-option", witloom_test_values_echo_option(&seven, &got) && got == 7);
    check("echo-option-none", !witloom_test_values_echo_option(NULL, &got));

    int32_t q = 0;
    runner_string_t err;
    check("checked-div", witloom_test_values_checked_div(7, 2, &q, &err) && q == 3);
    bool ok = witloom_test_values_checked_div(1, 0, &q, &err);
    check("checked-div-by-zero", !ok && err.len > 0);
    if (!ok) runner_string_free(&err);

    runner_string_t a, b;
    runner_tuple2_string_string_t swapped;
    runner_string_set(&a, "left");
    runner_string_set(&b, "right");
    witloom_test_values_swap(&a, &b, &swapped);
    check("swap", str_is(&swapped.f0, "right") && str_is(&swapped.f1, "left"));
    runner_tuple2_string_string_free(&swapped);

    witloom_test_values_fraction_t half, third, sum;
    bool made = witloom_test_values_new(2, 4, &half, &err);
    check("fraction-new", made && half.numerator == 1 && half.denominator == 2);
    made = witloom_test_values_new(1, 3, &third, &err) && made;
    witloom_test_values_add(&half, &third, &sum);
    check("fraction-add", made && sum.numerator == 5 && sum.denominator == 6);

    check("call-host", witloom_test_values_call_host(5) == 12);

    uint32_t live = witloom_test_counters_live();
    witloom_test_counters_own_counter_t c1 = witloom_test_counters_constructor_counter(10);
    witloom_test_counters_own_counter_t c2 = witloom_test_counters_constructor_counter(1);
    witloom_test_counters_borrow_counter_t b1 = witloom_test_counters_borrow_counter(c1);
    witloom_test_counters_borrow_counter_t b2 = witloom_test_counters_borrow_counter(c2);
    check("counter-add", witloom_test_counters_method_counter_add(b1, 5) == 15);
    check("counter-get", witloom_test_counters_method_counter_get(b1) == 15);
    witloom_test_counters_own_counter_t c3 = witloom_test_counters_static_counter_merge(b1, b2);
    check("counter-merge", witloom_test_counters_method_counter_get(
                               witloom_test_counters_borrow_counter(c3)) == 16);
    check("counters-live", witloom_test_counters_live() == live + 3);
    witloom_test_counters_counter_drop_own(c1);
    witloom_test_counters_counter_drop_own(c2);
    witloom_test_counters_counter_drop_own(c3);
    check("counters-dropped", witloom_test_counters_live() == live);

    printf("%d checks, %d failed\n", checks, failed);
    // A reactor's stdout is not flushed for it when `run` returns.
    fflush(stdout);
    return failed == 0;
}
