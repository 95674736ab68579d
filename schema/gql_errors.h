/*
 * gql_errors: the `errors` list of a GraphQL response, as the spec shapes it:
 * message, locations (line/column), path (keys and list indexes) and an
 * optional extensions.code (and more extension members). Entries live in the request's arena.
 */
#ifndef GQL_ERRORS_H
#define GQL_ERRORS_H

#include <stddef.h>

#include "schema/base/arena.h"
#include "schema/gql_ast.h"
#include "schema/base/buf.h"

/* A response path, linked from leaf to root so nested resolution can extend it on the stack. */
typedef struct gql_path gql_path;
struct gql_path {
    const gql_path *parent;
    const char *key; /* NULL for a list index */
    size_t index;
};

/* graphql-js lists every node of an error: a nested field conflict names two per level. */
enum { GQL_ERROR_MAX_LOCS = 16 };

typedef struct gql_error gql_error;
struct gql_error {
    const char *message;
    gql_loc locs[GQL_ERROR_MAX_LOCS];
    unsigned nlocs;
    const gql_path *path; /* NULL for request errors */
    const char *code;     /* extensions.code, NULL when none */
    /* extensions.inputPath: where in the field's arguments the offending value is, or NULL */
    const gql_path *input_path;
    const char
        *extensions; /* with a code: more members of extensions as JSON text ("\"limit\":5"), or NULL */
    gql_error *next;
};

typedef struct gql_errors {
    base_arena *arena;
    gql_error *first;
    gql_error *last;
    size_t count;
    size_t max; /* later errors are counted but not kept; 0 = 100 */
} gql_errors;

void gql_errors_init(gql_errors *e, base_arena *arena);

/* Adds an error with a printf-formatted message; returns it (NULL when out of memory or past max). */
gql_error *gql_errors_add(gql_errors *e, const gql_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void gql_error_add_loc(gql_error *err, gql_loc loc);

/* Copies a path into the arena so it outlives the stack frames that built it. */
const gql_path *gql_path_copy(base_arena *arena, const gql_path *path);

/* Writes `[{"message":...,"locations":[...],"path":[...],"extensions":{"code":...,"inputPath":[...]}}, ...]`.
 */
void gql_errors_write(const gql_errors *e, base_buf *out);

#endif
