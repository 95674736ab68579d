#include "schema/base/arena.h"

#include <stdlib.h>
#include <string.h>

struct base_arena_chunk {
    base_arena_chunk *prev;
    size_t cap;
    max_align_t data[]; /* aligned for any object */
};

enum { ARENA_FIRST_CHUNK = 8192, ARENA_ALIGN = _Alignof(max_align_t) };

void base_arena_init(base_arena *a, size_t limit)
{
    memset(a, 0, sizeof(*a));
    a->limit = limit;
}

static void free_chunks(base_arena_chunk *c, base_arena_chunk *keep)
{
    while (c != NULL && c != keep) {
        base_arena_chunk *prev = c->prev;
        free(c);
        c = prev;
    }
}

void base_arena_free(base_arena *a)
{
    free_chunks(a->head, NULL);
    size_t limit = a->limit;
    base_arena_init(a, limit);
}

void base_arena_reset(base_arena *a)
{
    if (a->head == NULL)
        return;
    base_arena_chunk *first = a->head;
    while (first->prev != NULL)
        first = first->prev;
    free_chunks(a->head, first);
    a->head = first;
    a->cap = first->cap;
    a->used = 0;
    a->total = 0;
}

void *base_arena_alloc(base_arena *a, size_t size)
{
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (rounded < size)
        return NULL; /* overflow */
    if (a->limit != 0 && (rounded > a->limit || a->total > a->limit - rounded))
        return NULL;
    if (a->head == NULL || a->cap - a->used < rounded) {
        /* Chunks grow geometrically so a large request costs few mallocs. */
        size_t cap = a->head == NULL ? ARENA_FIRST_CHUNK : a->head->cap * 2;
        while (cap < rounded)
            cap *= 2;
        base_arena_chunk *c = malloc(sizeof(*c) + cap);
        if (c == NULL)
            return NULL;
        c->prev = a->head;
        c->cap = cap;
        a->head = c;
        a->cap = cap;
        a->used = 0;
    }
    void *p = (char *)a->head->data + a->used;
    a->used += rounded;
    a->total += rounded;
    return p;
}

void *base_arena_calloc(base_arena *a, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    void *p = base_arena_alloc(a, count * size);
    if (p != NULL)
        memset(p, 0, count * size);
    return p;
}

char *base_arena_strndup(base_arena *a, const char *s, size_t len)
{
    char *p = base_arena_alloc(a, len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}
