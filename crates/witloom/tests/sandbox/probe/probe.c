// `probe`: reports what the sandbox lets it see. One line per probe, so
// the tests can check each grant on its own.

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "probe.h"

static void read_first_line(const char *what, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("%s: denied (%s)\n", what, strerror(errno));
        return;
    }
    char line[256] = {0};
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    line[strcspn(line, "\n")] = 0;
    printf("%s: read \"%s\"\n", what, line);
    fclose(f);
}

bool exports_wasi_cli_run_run(void) {
    probe_string_t name, greeting;
    probe_string_set(&name, "sandbox");
    witloom_test_sandbox_greeter_greet(&name, &greeting);
    printf("greeting: %.*s\n", (int)greeting.len, (const char *)greeting.ptr);
    probe_string_free(&greeting);

    const char *env = getenv("GREETING");
    printf("env GREETING: %s\n", env ? env : "(unset)");

    read_first_line("data", "/data/in.txt");
    read_first_line("passwd", "/etc/passwd");
    fflush(stdout);
    return true;
}

uint64_t exports_witloom_test_sandbox_relay_call_greeter(probe_string_t *name, uint32_t times) {
    uint64_t got = 0;
    for (uint32_t i = 0; i < times; i++) {
        probe_string_t greeting;
        witloom_test_sandbox_greeter_greet(name, &greeting);
        got += greeting.len;
        probe_string_free(&greeting);
    }
    probe_string_free(name);
    return got;
}
