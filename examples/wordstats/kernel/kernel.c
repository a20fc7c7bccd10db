// The text kernel of wordstats, in C: one pass over the bytes, words
// counted in an open-addressing hash table, then sorted most frequent
// first. C suits it: a tight loop over bytes, no allocation per word.
//
// A word is a run of letters and digits, with apostrophes inside it
// ("don't" is one word, "'tis" is "tis"). ASCII letters are lowercased;
// any non-ASCII UTF-8 byte counts as a letter, so "naïve" and "日本" stay
// whole (they are compared byte for byte, not case-folded).

#include "kernel.h"

#include <stdlib.h>
#include <string.h>

typedef exports_witloom_examples_wordstats_tokenizer_word_count_t word_count_t;
typedef exports_witloom_examples_wordstats_tokenizer_list_word_count_t word_counts_t;
typedef exports_witloom_examples_wordstats_tokenizer_text_stats_t text_stats_t;

static int is_word_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

static unsigned char lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

// Calls `on_word(start, len, ctx)` for each word of `s`, where the word's
// bytes are `s[start..start+len]` (not yet lowercased).
typedef void (*word_fn)(const unsigned char *s, size_t start, size_t len, void *ctx);

static void each_word(const unsigned char *s, size_t n, word_fn on_word, void *ctx) {
    size_t i = 0;
    while (i < n) {
        while (i < n && !is_word_byte(s[i])) i++;
        size_t start = i;
        while (i < n) {
            if (is_word_byte(s[i])) {
                i++;
            } else if (s[i] == '\'' && i + 1 < n && is_word_byte(s[i + 1]) && i > start) {
                i++;  // an inner apostrophe
            } else {
                break;
            }
        }
        if (i > start) on_word(s, start, i - start, ctx);
    }
}

// The table: slots hold (hash, word, count); the word is lowercased into
// memory the result list will own.
typedef struct {
    uint32_t hash;
    word_count_t entry;  // entry.word.ptr == NULL: empty slot
} slot_t;

typedef struct {
    slot_t *slots;
    size_t cap, used;
} table_t;

static uint32_t fnv1a(const unsigned char *s, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= lower(s[i]);
        h *= 16777619u;
    }
    return h;
}

static int same_word(const kernel_string_t *w, const unsigned char *s, size_t len) {
    if (w->len != len) return 0;
    for (size_t i = 0; i < len; i++)
        if (w->ptr[i] != lower(s[i])) return 0;
    return 1;
}

static void grow(table_t *t) {
    size_t cap = t->cap ? t->cap * 2 : 256;
    slot_t *slots = calloc(cap, sizeof(slot_t));
    if (!slots) abort();
    for (size_t i = 0; i < t->cap; i++) {
        slot_t *old = &t->slots[i];
        if (!old->entry.word.ptr) continue;
        size_t j = old->hash & (cap - 1);
        while (slots[j].entry.word.ptr) j = (j + 1) & (cap - 1);
        slots[j] = *old;
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
}

static void count_word(const unsigned char *s, size_t start, size_t len, void *ctx) {
    table_t *t = ctx;
    if ((t->used + 1) * 4 > t->cap * 3) grow(t);  // load factor 3/4
    const unsigned char *w = s + start;
    uint32_t h = fnv1a(w, len);
    size_t j = h & (t->cap - 1);
    while (t->slots[j].entry.word.ptr) {
        slot_t *slot = &t->slots[j];
        if (slot->hash == h && same_word(&slot->entry.word, w, len)) {
            slot->entry.count++;
            return;
        }
        j = (j + 1) & (t->cap - 1);
    }
    uint8_t *copy = malloc(len);
    if (!copy) abort();
    for (size_t i = 0; i < len; i++) copy[i] = lower(w[i]);
    t->slots[j].hash = h;
    t->slots[j].entry.word.ptr = copy;
    t->slots[j].entry.word.len = len;
    t->slots[j].entry.count = 1;
    t->used++;
}

// Most frequent first; ties in byte order, so the output is the same on
// every run.
static int by_count_then_word(const void *a, const void *b) {
    const word_count_t *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    size_t n = x->word.len < y->word.len ? x->word.len : y->word.len;
    int c = memcmp(x->word.ptr, y->word.ptr, n);
    if (c) return c;
    return (x->word.len > y->word.len) - (x->word.len < y->word.len);
}

void exports_witloom_examples_wordstats_tokenizer_count_words(kernel_string_t *text, word_counts_t *ret) {
    table_t t = {0};
    each_word(text->ptr, text->len, count_word, &t);
    ret->len = t.used;
    ret->ptr = t.used ? malloc(t.used * sizeof(word_count_t)) : NULL;
    if (t.used && !ret->ptr) abort();
    size_t k = 0;
    for (size_t i = 0; i < t.cap; i++)
        if (t.slots[i].entry.word.ptr) ret->ptr[k++] = t.slots[i].entry;
    free(t.slots);
    qsort(ret->ptr, ret->len, sizeof(word_count_t), by_count_then_word);
    kernel_string_free(text);
}

static void tally(const unsigned char *s, size_t start, size_t len, void *ctx) {
    (void)s, (void)start, (void)len;
    ++*(uint64_t *)ctx;
}

void exports_witloom_examples_wordstats_tokenizer_stats(kernel_string_t *text, text_stats_t *ret) {
    const unsigned char *s = text->ptr;
    size_t n = text->len;
    uint64_t words = 0;
    each_word(s, n, tally, &words);
    // A sentence ends at a run of '.', '!' or '?' followed by a space or
    // the end, once it has a word; a trailing sentence without its stop
    // counts too.
    uint32_t sentences = 0;
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        if (is_word_byte(s[i])) {
            open = 1;
        } else if (open && (s[i] == '.' || s[i] == '!' || s[i] == '?')) {
            while (i + 1 < n && (s[i + 1] == '.' || s[i + 1] == '!' || s[i + 1] == '?')) i++;
            if (i + 1 == n || s[i + 1] == ' ' || s[i + 1] == '\n' || s[i + 1] == '\t' || s[i + 1] == '\r') {
                sentences++;
                open = 0;
            }
        }
    }
    if (open) sentences++;
    ret->bytes = n;
    ret->words = words;
    ret->sentences = sentences;
    kernel_string_free(text);
}
