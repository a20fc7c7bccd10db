// `recorder`: a C command on the DB world. Each run records itself and
// three words in the granted database, provokes one error of each kind
// the `sql` interface names, prints the tables, and logs a summary.

#include <stdio.h>
#include <string.h>
#include "recorder.h"

static const char *codes[] = {"syntax", "constraint", "bind", "unavailable", "other"};

static witloom_host_sql_value_t text(const char *s) {
    witloom_host_sql_value_t v = {.tag = WITLOOM_HOST_SQL_VALUE_TEXT};
    recorder_string_set(&v.val.text, s);
    return v;
}

// Runs `sql` with `n` parameters; prints and returns -1 on error.
static long long execute(const char *sql, witloom_host_sql_value_t *params, size_t n) {
    recorder_string_t statement;
    recorder_string_set(&statement, sql);
    witloom_host_sql_list_value_t list = {params, n};
    uint64_t changed;
    witloom_host_sql_error_t err;
    if (!witloom_host_sql_execute(&statement, &list, &changed, &err)) {
        printf("error %s: %.*s\n", codes[err.code], (int)err.message.len, (const char *)err.message.ptr);
        witloom_host_sql_error_free(&err);
        return -1;
    }
    return (long long)changed;
}

static void print_value(const witloom_host_sql_value_t *v) {
    switch (v->tag) {
    case WITLOOM_HOST_SQL_VALUE_NULL: printf("null"); break;
    case WITLOOM_HOST_SQL_VALUE_INTEGER: printf("%lld", (long long)v->val.integer); break;
    case WITLOOM_HOST_SQL_VALUE_REAL: printf("%.2f", v->val.real); break;
    case WITLOOM_HOST_SQL_VALUE_TEXT:
        printf("'%.*s'", (int)v->val.text.len, (const char *)v->val.text.ptr);
        break;
    case WITLOOM_HOST_SQL_VALUE_BLOB: printf("blob[%zu]", v->val.blob.len); break;
    }
}

// Prints every row of `sql`, one line each: `col=value …`.
static int query(const char *sql) {
    recorder_string_t statement;
    recorder_string_set(&statement, sql);
    witloom_host_sql_list_value_t none = {NULL, 0};
    witloom_host_sql_rows_t rows;
    witloom_host_sql_error_t err;
    if (!witloom_host_sql_query(&statement, &none, &rows, &err)) {
        printf("error %s: %.*s\n", codes[err.code], (int)err.message.len, (const char *)err.message.ptr);
        witloom_host_sql_error_free(&err);
        return -1;
    }
    for (size_t r = 0; r < rows.values.len; r++) {
        witloom_host_sql_list_value_t *row = &rows.values.ptr[r];
        for (size_t c = 0; c < row->len; c++) {
            printf("%s%.*s=", c ? " " : "", (int)rows.columns.ptr[c].len,
                   (const char *)rows.columns.ptr[c].ptr);
            print_value(&row->ptr[c]);
        }
        printf("\n");
    }
    int n = (int)rows.values.len;
    witloom_host_sql_rows_free(&rows);
    return n;
}

bool exports_wasi_cli_run_run(void) {
    // SQL that SQLite and PostgreSQL both take: ids computed rather than
    // auto-assigned, `BYTEA` for bytes (SQLite stores a blob as it is in
    // any column).
    execute("CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY)", NULL, 0);
    execute("CREATE TABLE IF NOT EXISTS words (word TEXT PRIMARY KEY, count INTEGER NOT NULL, "
            "weight REAL, data BYTEA)", NULL, 0);
    printf("insert run: %lld row\n",
           execute("INSERT INTO runs (id) SELECT COALESCE(MAX(id), 0) + 1 FROM runs", NULL, 0));

    const char *words[] = {"loom", "wit", "loom"};
    uint8_t bytes[] = {0xde, 0xad, 0xbe, 0xef};
    for (int i = 0; i < 3; i++) {
        witloom_host_sql_value_t params[3] = {text(words[i])};
        params[1].tag = WITLOOM_HOST_SQL_VALUE_REAL;
        params[1].val.real = 0.5 * (i + 1);
        params[2].tag = WITLOOM_HOST_SQL_VALUE_BLOB;
        params[2].val.blob.ptr = bytes;
        params[2].val.blob.len = sizeof bytes;
        execute("INSERT INTO words (word, count, weight, data) VALUES (?1, 1, ?2, ?3) "
                "ON CONFLICT (word) DO UPDATE SET count = words.count + 1, weight = ?2",
                params, 3);
    }

    // One error of each kind; none of them traps.
    witloom_host_sql_value_t dup[1] = {text("orphan")};
    execute("INSERT INTO words (word, count) VALUES (?1, NULL)", dup, 1);
    execute("SELEC nonsense", NULL, 0);
    execute("INSERT INTO runs (id) VALUES (?1)", NULL, 0);

    query("SELECT count(*) AS runs FROM runs");
    int n = query("SELECT word, count, weight, data FROM words ORDER BY word");

    recorder_string_t target, message;
    recorder_string_set(&target, "recorder");
    recorder_string_set(&message, "recorded three words");
    char rows[16];
    snprintf(rows, sizeof rows, "%d", n);
    witloom_host_log_field_t field;
    recorder_string_set(&field.key, "rows");
    recorder_string_set(&field.value, rows);
    witloom_host_log_list_field_t fields = {&field, 1};
    witloom_host_log_log(WITLOOM_HOST_LOG_LEVEL_INFO, &target, &message, &fields);
    fflush(stdout);
    return true;
}
