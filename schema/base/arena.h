/*
 * gql_arena: a bump allocator for everything that lives as long as one request
 * (tokens, AST, plan, output). Allocation is a pointer bump; the whole arena is
 * released in one step, so request code never frees individual objects.
 *
 * Allocation failure is reported as NULL (never abort): callers turn it into an
 * "out of memory" GraphQL error for that request only.
 */
#ifndef GQL_ARENA_H
#define GQL_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct gql_arena_chunk gql_arena_chunk;

typedef struct gql_arena {
    gql_arena_chunk *head; /* current chunk; older chunks follow via ->prev */
    size_t used;           /* bytes used in head */
    size_t cap;            /* capacity of head */
    size_t total;          /* bytes handed out, for limits and metrics */
    size_t limit;          /* 0 = unbounded; otherwise allocations past it fail */
} gql_arena;

/* Starts empty; the first allocation takes a chunk. limit 0 means no bound. */
void gql_arena_init(gql_arena *a, size_t limit);
/* Returns all chunks to the system; the arena can be reused after init. */
void gql_arena_free(gql_arena *a);
/* Keeps the first chunk for reuse and forgets every allocation. */
void gql_arena_reset(gql_arena *a);

/* Memory aligned for any object; NULL when out of memory or past the limit. */
void *gql_arena_alloc(gql_arena *a, size_t size);
/* Zeroed memory. */
void *gql_arena_calloc(gql_arena *a, size_t count, size_t size);
/* Copies len bytes and appends a NUL. */
char *gql_arena_strndup(gql_arena *a, const char *s, size_t len);

#endif
