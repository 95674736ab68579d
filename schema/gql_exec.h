/*
 * gql_exec: the execution semantics of the spec (section 6) that do not depend
 * on where data comes from: choosing the operation, coercing variables,
 * collecting fields (fragments, @skip/@include, merging by response key) and
 * coercing argument values. resolvers/ calls these while it plans data access.
 */
#ifndef GQL_EXEC_H
#define GQL_EXEC_H

#include <jansson.h>

#include "schema/base/arena.h"
#include "schema/gql_ast.h"
#include "schema/gql_errors.h"
#include "schema/gql_schema.h"

typedef struct gql_coerced_var {
    const char *name;
    const gql_value *value; /* a constant; GQL_VALUE_NULL for an explicit null */
} gql_coerced_var;

typedef struct gql_exec_ctx {
    const gql_schema *schema;
    const gql_document *doc;
    const gql_definition *operation;
    base_arena *arena;
    gql_errors *errors;
    gql_coerced_var *vars; /* provided or defaulted variables only */
    size_t nvars;
} gql_exec_ctx;

/* The operation a request names (or its only one); NULL with a request error added when there is none. */
const gql_definition *gql_exec_find_operation(const gql_document *doc, const char *name, gql_errors *errors);

/*
 * Picks the operation (by name, or the only one), coerces the variables
 * (JSON object or NULL) and fills ctx. Returns 0, or -1 with request errors
 * added (the response then has no `data`).
 */
int gql_exec_prepare(gql_exec_ctx *ctx, const gql_schema *schema, const gql_document *doc,
                     const char *operation_name, const json_t *variables, base_arena *arena,
                     gql_errors *errors);

/* The root type the chosen operation runs on (NULL when the schema does not serve it). */
const gql_typedef *gql_exec_root_type(const gql_exec_ctx *ctx);

/* One entry of a collected selection: the fields sharing a response key, merged. */
typedef struct gql_field_group gql_field_group;
struct gql_field_group {
    const char *response_key;
    const gql_selection *field; /* the first field node for this key */
    const gql_fielddef *def;    /* meta fields too (schema->meta_typename, ...); NULL only if unvalidated */
    const gql_selection **nodes;
    size_t nnodes;
    gql_field_group *next;
};

typedef struct gql_field_groups {
    gql_field_group *first;
    size_t count;
} gql_field_groups;

/* CollectFields over one selection set for an object type. -1 when out of memory. */
int gql_collect_fields(const gql_exec_ctx *ctx, const gql_typedef *object_type, const gql_selection_set *set,
                       gql_field_groups *out);

/* CollectFields over the sub-selections of every node of a group (merged fields). */
int gql_collect_subfields(const gql_exec_ctx *ctx, const gql_typedef *object_type,
                          const gql_field_group *group, gql_field_groups *out);

/*
 * The coerced value of argument `name` of the group's field: the literal, the
 * variable's coerced value, or the argument's default. NULL when absent; a
 * GQL_VALUE_NULL node for null. Errors (e.g. null for a non-null argument) are
 * added to ctx->errors with the given path and -1 returned.
 */
int gql_exec_arg(const gql_exec_ctx *ctx, const gql_field_group *group, const char *name,
                 const gql_path *path, const gql_value **out);

#endif
