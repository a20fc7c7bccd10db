// `greeter`: "hello, NAME!".

#include <stdlib.h>
#include <string.h>
#include "greeter_world.h"

void exports_witloom_test_sandbox_greeter_greet(greeter_world_string_t *name,
                                                greeter_world_string_t *ret) {
    static const char hello[] = "hello, ";
    size_t n = strlen(hello) + name->len + 1;
    uint8_t *buf = malloc(n);
    memcpy(buf, hello, strlen(hello));
    memcpy(buf + strlen(hello), name->ptr, name->len);
    buf[n - 1] = '!';
    greeter_world_string_free(name);
    ret->ptr = buf;
    ret->len = n;
}
