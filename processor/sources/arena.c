/* processor/sources/arena.c - see arena.h. */
#include "processor/sources/arena.h"

#include <stdlib.h>
#include <string.h>

typedef struct lg_arena_block {
    struct lg_arena_block *next;
    size_t size;
    size_t used;
    char data[];
} lg_arena_block;

struct lg_arena {
    lg_arena_block *head; /* current block (newest first) */
    lg_arena_block *first;
    size_t block_size;
};

static lg_arena_block *block_new(size_t size) {
    lg_arena_block *b = malloc(sizeof *b + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

lg_arena *lg_arena_new(size_t block_size) {
    lg_arena *a = calloc(1, sizeof *a);
    if (!a)
        goto fail;
    a->block_size = block_size ? block_size : 16384;
    a->first = block_new(a->block_size);
    if (!a->first)
        goto fail;
    a->head = a->first;
    return a;
fail:
    free(a);
    return NULL;
}

static void free_chain(lg_arena_block *b, const lg_arena_block *stop) {
    while (b && b != stop) {
        lg_arena_block *next = b->next;
        free(b);
        b = next;
    }
}

void lg_arena_destroy(lg_arena *a) {
    if (!a)
        return;
    free_chain(a->head, NULL);
    free(a);
}

void lg_arena_reset(lg_arena *a) {
    free_chain(a->head, a->first);
    a->head = a->first;
    a->first->next = NULL;
    a->first->used = 0;
}

char *lg_arena_alloc(lg_arena *a, size_t n) {
    lg_arena_block *b = a->head;
    if (b->size - b->used < n) {
        size_t size = n > a->block_size ? n : a->block_size;
        lg_arena_block *nb = block_new(size);
        if (!nb)
            return NULL;
        nb->next = b;
        a->head = nb;
        b = nb;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

lg_str lg_arena_join(lg_arena *a, const lg_str *parts, size_t n) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += parts[i].n;
    char *p = lg_arena_alloc(a, total ? total : 1);
    if (!p)
        return LG_STR_NULL;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (parts[i].n)
            memcpy(p + off, parts[i].p, parts[i].n);
        off += parts[i].n;
    }
    return (lg_str){p, total};
}

lg_str lg_arena_lower(lg_arena *a, lg_str s) {
    size_t i = 0;
    while (i < s.n && !(s.p[i] >= 'A' && s.p[i] <= 'Z'))
        i++;
    if (i == s.n)
        return s;
    char *p = lg_arena_alloc(a, s.n);
    if (!p)
        return LG_STR_NULL;
    for (size_t j = 0; j < s.n; j++) {
        char c = s.p[j];
        p[j] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    return (lg_str){p, s.n};
}
