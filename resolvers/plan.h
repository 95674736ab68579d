/*
 * plan: turns one validated root field into the SQL that fetches exactly what
 * its selection asks for (only the selected columns are read) and the map from
 * result columns back to response keys. Pure: no I/O, easy to test.
 *
 * SQL text depends only on which columns are selected (in catalog order), not
 * on aliases or field order, so equivalent queries share one prepared statement.
 */
#ifndef RS_PLAN_H
#define RS_PLAN_H

#include "catalog.h"
#include "gql_exec.h"

typedef enum rs_output_kind { RS_OUT_TYPENAME, RS_OUT_COLUMN } rs_output_kind;

typedef struct rs_output {
    const char *key; /* response key (alias or name) */
    rs_output_kind kind;
    int column; /* RS_OUT_COLUMN: index in the SELECT list */
    const gql_fielddef *def;
    const gql_selection *node;
} rs_output;

typedef struct rs_plan {
    const rs_root_lookup *root;
    const gql_typedef *type; /* the object type the rows become */
    const char *sql;
    const char *params[1];
    int nparams;
    rs_output *outputs;
    size_t noutputs;
} rs_plan;

/*
 * Plans a root lookup. Returns 0; 1 when the key argument is null (the field
 * resolves to null without a query); -1 when out of memory or on an argument
 * error (added to ctx->errors at `path`).
 */
int plan_root_lookup(const gql_exec_ctx *ctx, const gql_field_group *group, const rs_root_lookup *root,
                     const gql_path *path, rs_plan *out);

#endif
