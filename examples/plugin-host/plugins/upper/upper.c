// The `upper` plugin, in C: uppercases ASCII letters, line by line, and
// says at the end how many lines it changed.

#include "plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef exports_example_textfilter_filter_info_t info_t;

void exports_example_textfilter_filter_about(info_t *ret) {
    plugin_string_dup(&ret->name, "upper");
    plugin_string_dup(&ret->description, "uppercases ASCII letters");
}

// A session counts the lines it changed.
struct exports_example_textfilter_filter_session_t {
    uint32_t changed;
};

exports_example_textfilter_filter_own_session_t exports_example_textfilter_filter_constructor_session(void) {
    exports_example_textfilter_filter_session_t *session = calloc(1, sizeof *session);
    return exports_example_textfilter_filter_session_new(session);
}

void exports_example_textfilter_filter_method_session_push(exports_example_textfilter_filter_borrow_session_t self,
                                                           plugin_string_t *line, plugin_list_string_t *ret) {
    // The line is ours: change it in place and hand it back.
    int changed = 0;
    for (size_t i = 0; i < line->len; i++) {
        if (line->ptr[i] >= 'a' && line->ptr[i] <= 'z') {
            line->ptr[i] -= 'a' - 'A';
            changed = 1;
        }
    }
    self->changed += changed;
    ret->ptr = malloc(sizeof(plugin_string_t));
    ret->ptr[0] = *line;
    ret->len = 1;
}

void exports_example_textfilter_filter_method_session_finish(exports_example_textfilter_filter_borrow_session_t self,
                                                             plugin_list_string_t *ret) {
    char message[64];
    snprintf(message, sizeof message, "uppercased %u line(s)", (unsigned)self->changed);
    plugin_string_t log;
    plugin_string_set(&log, message);
    example_textfilter_host_log(&log);
    ret->ptr = NULL;
    ret->len = 0;
}

void exports_example_textfilter_filter_session_destructor(exports_example_textfilter_filter_session_t *rep) {
    free(rep);
}
