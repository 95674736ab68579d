/*
 * base_arena: a bump allocator for everything that lives as long as one request
 * (tokens, AST, plan, output). Allocation is a pointer bump; the whole arena is
 * released in one step, so request code never frees individual objects.
 *
 * Allocation failure is reported as NULL (never abort): callers turn it into an
 * "out of memory" GraphQL error for that request only.
 */
#ifndef BASE_ARENA_H
#define BASE_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct base_arena_chunk base_arena_chunk;

typedef struct base_arena {
    base_arena_chunk *head; /* current chunk; older chunks follow via ->prev */
    size_t used;            /* bytes used in head */
    size_t cap;             /* capacity of head */
    size_t total;           /* bytes handed out, for limits and metrics */
    size_t limit;           /* 0 = unbounded; otherwise allocations past it fail */
} base_arena;

/* Starts empty; the first allocation takes a chunk. limit 0 means no bound. */
void base_arena_init(base_arena *a, size_t limit);
/* Returns all chunks to the system; the arena can be reused after init. */
void base_arena_free(base_arena *a);
/* Keeps the first chunk for reuse and forgets every allocation. */
void base_arena_reset(base_arena *a);

/* Memory aligned for any object; NULL when out of memory or past the limit. */
void *base_arena_alloc(base_arena *a, size_t size);
/* Zeroed memory. */
void *base_arena_calloc(base_arena *a, size_t count, size_t size);
/* Copies len bytes and appends a NUL. */
char *base_arena_strndup(base_arena *a, const char *s, size_t len);

#endif
