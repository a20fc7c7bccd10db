// The `host` interface of the test suite, as a component: what the test
// host provides in the guest tests, provided here by a plug instead.

#include <stdio.h>
#include "host_plug.h"

void exports_witloom_test_host_log(host_plug_string_t *msg) {
    fprintf(stderr, "log: %.*s\n", (int)msg->len, (const char *)msg->ptr);
    host_plug_string_free(msg);
}

uint32_t exports_witloom_test_host_add_one(uint32_t x) {
    return x + 1;
}
