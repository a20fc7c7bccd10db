// The `test` world in C, against the bindings wit-bindgen-c generates
// (test.h). Arguments passed by pointer are owned by this side: echoes move
// them into the result, the rest free them.
#include "test.h"

#include <stdlib.h>
#include <string.h>

bool exports_witloom_test_values_echo_bool(bool x) { return x; }
uint8_t exports_witloom_test_values_echo_u8(uint8_t x) { return x; }
int8_t exports_witloom_test_values_echo_s8(int8_t x) { return x; }
uint16_t exports_witloom_test_values_echo_u16(uint16_t x) { return x; }
int16_t exports_witloom_test_values_echo_s16(int16_t x) { return x; }
uint32_t exports_witloom_test_values_echo_u32(uint32_t x) { return x; }
int32_t exports_witloom_test_values_echo_s32(int32_t x) { return x; }
uint64_t exports_witloom_test_values_echo_u64(uint64_t x) { return x; }
int64_t exports_witloom_test_values_echo_s64(int64_t x) { return x; }
float exports_witloom_test_values_echo_f32(float x) { return x; }
double exports_witloom_test_values_echo_f64(double x) { return x; }
uint32_t exports_witloom_test_values_echo_char(uint32_t x) { return x; }

void exports_witloom_test_values_echo_string(test_string_t *x, test_string_t *ret) { *ret = *x; }

uint32_t exports_witloom_test_values_string_len(test_string_t *x) {
    uint32_t len = (uint32_t)x->len;
    test_string_free(x);
    return len;
}

void exports_witloom_test_values_repeat_string(test_string_t *x, uint32_t n, test_string_t *ret) {
    size_t total = x->len * (size_t)n;
    uint8_t *buf = malloc(total ? total : 1);
    for (uint32_t i = 0; i < n; i++) {
        memcpy(buf + i * x->len, x->ptr, x->len);
    }
    ret->ptr = buf;
    ret->len = total;
    test_string_free(x);
}

void exports_witloom_test_values_echo_bytes(test_list_u8_t *x, test_list_u8_t *ret) { *ret = *x; }

uint64_t exports_witloom_test_values_sum_bytes(test_list_u8_t *x) {
    uint64_t sum = 0;
    for (size_t i = 0; i < x->len; i++) {
        sum += x->ptr[i];
    }
    test_list_u8_free(x);
    return sum;
}

void exports_witloom_test_values_flip_points(exports_witloom_test_values_list_point_t *x,
                                             exports_witloom_test_values_list_point_t *ret) {
    // Reverse in place, swapping each point's coordinates on the way.
    size_t n = x->len;
    for (size_t i = 0; i < (n + 1) / 2; i++) {
        exports_witloom_test_values_point_t a = x->ptr[i], b = x->ptr[n - 1 - i];
        x->ptr[i] = (exports_witloom_test_values_point_t){b.y, b.x};
        x->ptr[n - 1 - i] = (exports_witloom_test_values_point_t){a.y, a.x};
    }
    *ret = *x;
}

exports_witloom_test_values_color_t exports_witloom_test_values_echo_color(exports_witloom_test_values_color_t x) {
    return x;
}
exports_witloom_test_values_perms_t exports_witloom_test_values_echo_perms(exports_witloom_test_values_perms_t x) {
    return x;
}
exports_witloom_test_values_many_t exports_witloom_test_values_echo_many(exports_witloom_test_values_many_t x) {
    return x;
}

void exports_witloom_test_values_echo_shape(exports_witloom_test_values_shape_t *x,
                                            exports_witloom_test_values_shape_t *ret) {
    *ret = *x;
}

void exports_witloom_test_values_echo_everything(exports_witloom_test_values_everything_t *x,
                                                 exports_witloom_test_values_everything_t *ret) {
    *ret = *x;
}

bool exports_witloom_test_values_echo_option(uint32_t *maybe_x, uint32_t *ret) {
    if (maybe_x == NULL) {
        return false;
    }
    *ret = *maybe_x;
    return true;
}

bool exports_witloom_test_values_echo_option_string(test_string_t *maybe_x, test_string_t *ret) {
    if (maybe_x == NULL) {
        return false;
    }
    *ret = *maybe_x;
    return true;
}

bool exports_witloom_test_values_checked_div(int32_t a, int32_t b, int32_t *ret, test_string_t *err) {
    if (b == 0) {
        test_string_dup(err, "cannot divide by zero");
        return false;
    }
    *ret = a / b;
    return true;
}

bool exports_witloom_test_values_echo_result(exports_witloom_test_values_result_point_color_t *x,
                                             exports_witloom_test_values_point_t *ret,
                                             exports_witloom_test_values_color_t *err) {
    if (x->is_err) {
        *err = x->val.err;
        return false;
    }
    *ret = x->val.ok;
    return true;
}

void exports_witloom_test_values_echo_tuple(test_tuple3_u8_string_f64_t *x, test_tuple3_u8_string_f64_t *ret) {
    *ret = *x;
}

void exports_witloom_test_values_swap(test_string_t *a, test_string_t *b, test_tuple2_string_string_t *ret) {
    ret->f0 = *b;
    ret->f1 = *a;
}

static int64_t gcd(int64_t a, int64_t b) {
    while (b != 0) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a < 0 ? -a : a;
}

static exports_witloom_test_values_fraction_t lowest(int64_t n, int64_t d) {
    int64_t g = gcd(n, d);
    if (g == 0) {
        g = 1;
    }
    int64_t sign = d < 0 ? -1 : 1;
    return (exports_witloom_test_values_fraction_t){(int32_t)(sign * n / g), (int32_t)(sign * d / g)};
}

bool exports_witloom_test_values_new(int32_t numerator, int32_t denominator,
                                     exports_witloom_test_values_fraction_t *ret, test_string_t *err) {
    if (denominator == 0) {
        test_string_dup(err, "the denominator is zero");
        return false;
    }
    *ret = lowest(numerator, denominator);
    return true;
}

void exports_witloom_test_values_add(exports_witloom_test_values_fraction_t *a,
                                     exports_witloom_test_values_fraction_t *b,
                                     exports_witloom_test_values_fraction_t *ret) {
    int64_t n = (int64_t)a->numerator * b->denominator + (int64_t)b->numerator * a->denominator;
    int64_t d = (int64_t)a->denominator * b->denominator;
    *ret = lowest(n, d);
}

uint32_t exports_witloom_test_values_call_host(uint32_t x) {
    // Arguments to imports are borrowed: a static string is fine.
    test_string_t msg;
    test_string_set(&msg, "call-host");
    witloom_test_host_log(&msg);
    return witloom_test_host_add_one(x) * 2;
}

// The counter resource: a heap cell per instance, and a count of the live
// ones so the host can check that drops arrive.
struct exports_witloom_test_counters_counter_t {
    int64_t value;
};

static uint32_t live_counters = 0;

static exports_witloom_test_counters_own_counter_t make_counter(int64_t value) {
    exports_witloom_test_counters_counter_t *c = malloc(sizeof *c);
    c->value = value;
    live_counters++;
    return exports_witloom_test_counters_counter_new(c);
}

exports_witloom_test_counters_own_counter_t exports_witloom_test_counters_constructor_counter(int64_t start) {
    return make_counter(start);
}

int64_t exports_witloom_test_counters_method_counter_add(exports_witloom_test_counters_borrow_counter_t self,
                                                         int64_t by) {
    self->value += by;
    return self->value;
}

int64_t exports_witloom_test_counters_method_counter_get(exports_witloom_test_counters_borrow_counter_t self) {
    return self->value;
}

exports_witloom_test_counters_own_counter_t exports_witloom_test_counters_static_counter_merge(
    exports_witloom_test_counters_borrow_counter_t a, exports_witloom_test_counters_borrow_counter_t b) {
    return make_counter(a->value + b->value);
}

uint32_t exports_witloom_test_counters_live(void) { return live_counters; }

void exports_witloom_test_counters_counter_destructor(exports_witloom_test_counters_counter_t *rep) {
    live_counters--;
    free(rep);
}
