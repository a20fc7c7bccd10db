// The `extra` world in C: one interface imported under two names, and a
// resource the world declares itself, implemented by the host.

#include "extra.h"

// The same import twice, each by its name.
uint32_t exports_witloom_test_extras_journal_twice(extra_string_t *entry) {
    // Arguments to imports are borrowed: the one string goes to both.
    primary_append(entry);
    uint32_t count = backup_append(entry);
    extra_string_free(entry);
    return count;
}

void exports_witloom_test_extras_use_ticket(extra_string_t *label, uint32_t punches,
                                            extra_tuple2_string_u32_t *ret) {
    extra_own_ticket_t ticket = extra_constructor_ticket(label);
    extra_string_free(label);
    extra_borrow_ticket_t borrowed = extra_borrow_ticket(ticket);
    uint32_t count = 0;
    for (uint32_t i = 0; i < punches; i++) {
        count = extra_method_ticket_punch(borrowed);
    }
    extra_method_ticket_label(borrowed, &ret->f0);
    ret->f1 = count;
    extra_ticket_drop_own(ticket);
}
