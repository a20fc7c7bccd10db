// `shell`: runs whatever SQL it is given, as an attacker's guest would,
// and says what came back, so the tests can see what the host allowed.

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "shell.h"

static const char *codes[] = {"syntax", "constraint", "bind", "unavailable", "other"};

// The answer being written: a growing, NUL-terminated buffer.
static char *out;
static size_t len, cap;

static void put(const char *fmt, ...) {
    va_list args;
    for (;;) {
        va_start(args, fmt);
        int n = vsnprintf(out + len, cap - len, fmt, args);
        va_end(args);
        if (n < 0) return;
        if ((size_t)n < cap - len) {
            len += (size_t)n;
            return;
        }
        cap = 2 * cap + (size_t)n;
        out = realloc(out, cap);
        if (!out) abort();
    }
}

static void put_value(const witloom_host_sql_value_t *v) {
    switch (v->tag) {
    case WITLOOM_HOST_SQL_VALUE_NULL: put("null"); break;
    case WITLOOM_HOST_SQL_VALUE_INTEGER: put("%lld", (long long)v->val.integer); break;
    case WITLOOM_HOST_SQL_VALUE_REAL: put("%g", v->val.real); break;
    case WITLOOM_HOST_SQL_VALUE_TEXT:
        put("'%.*s'", (int)v->val.text.len, (const char *)v->val.text.ptr);
        break;
    case WITLOOM_HOST_SQL_VALUE_BLOB: put("blob[%zu]", v->val.blob.len); break;
    }
}

void exports_shell_exec(shell_string_t *statement, shell_string_t *ret) {
    cap = 256;
    len = 0;
    out = malloc(cap);
    if (!out) abort();
    out[0] = 0;
    witloom_host_sql_list_value_t none = {NULL, 0};
    witloom_host_sql_rows_t rows;
    witloom_host_sql_error_t err;
    if (witloom_host_sql_query(statement, &none, &rows, &err)) {
        put("ok %zu row(s)", rows.values.len);
        for (size_t r = 0; r < rows.values.len; r++) {
            witloom_host_sql_list_value_t *row = &rows.values.ptr[r];
            put(r ? "; " : ": ");
            for (size_t c = 0; c < row->len; c++) {
                put("%s%.*s=", c ? ", " : "", (int)rows.columns.ptr[c].len,
                    (const char *)rows.columns.ptr[c].ptr);
                put_value(&row->ptr[c]);
            }
        }
        witloom_host_sql_rows_free(&rows);
    } else {
        put("error %s: %.*s", codes[err.code], (int)err.message.len, (const char *)err.message.ptr);
        witloom_host_sql_error_free(&err);
    }
    shell_string_free(statement);
    ret->ptr = (uint8_t *)out;
    ret->len = len;
}
