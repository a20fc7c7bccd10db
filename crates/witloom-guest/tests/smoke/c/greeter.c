#include "hello.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void exports_smoke_hello_greeter_greet(hello_string_t *name, hello_string_t *ret) {
    hello_string_t msg;
    hello_string_dup(&msg, "greeting someone");
    smoke_hello_host_log_log(&msg);
    hello_string_free(&msg);

    size_t len = 7 + name->len + 1;
    char *buf = malloc(len);
    snprintf(buf, len, "hello, %.*s!", (int)name->len, (const char *)name->ptr);
    ret->ptr = (uint8_t *)buf;
    ret->len = strlen(buf);
    hello_string_free(name);
}
