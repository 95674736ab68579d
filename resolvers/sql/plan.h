/*
 * plan: turns one validated root field into a tree of row sources (rs_node),
 * one per table a selection walks, each with the JSON object its rows become
 * (rs_output: response keys in query order, with fragments, @skip/@include,
 * aliases and merged fields resolved by gql_collect_subfields), the columns
 * it reads (only those the selection needs), how it joins its parent, and its
 * bounds. sql_build.c turns the tree into one statement; the parameters are
 * collected here, numbered in the order the shape is walked, so the SQL text
 * depends only on the query's shape and a prepared statement serves every
 * value.
 *
 * Visibility is decided here too (auth_scope.h). A root field the principal
 * may not read is null with the error at its path, and sends nothing. A
 * nested object or list it may not read (a type JWT_REQUIRED_SCOPES refuses
 * it, below one it may read) is not read either: the statement writes null
 * in its place and render reports the error at each path where the field is
 * reached (["customer","orders"], with list indexes below a list), so the
 * client sees which field lacked the scope; the null propagates as any
 * field error's does.
 *
 * Limits are checked here, before anything is sent: `first` above the list
 * maximum (or below 0) and a cursor this server did not write are request
 * errors, reported like validation errors (no `data`), at the argument. They
 * make the whole request invalid the way a wrong argument type would, and
 * checking them while planning costs nothing; a field error would instead
 * send the other root fields' statements for a response the client must
 * discard anyway. Lists without a `first` argument (Order, OrderItem,
 * Order.items) return at most the list maximum, as their descriptions say.
 *
 * Pure: no I/O, easy to test.
 */
#ifndef RS_PLAN_H
#define RS_PLAN_H

#include <stdbool.h>

#include "resolvers/sql/auth_scope.h"
#include "resolvers/sql/catalog.h"
#include "schema/gql_exec.h"

typedef struct rs_plan_ctx {
    const gql_exec_ctx *exec;   /* the operation and its variables; field errors go to exec->errors */
    rs_principal principal;     /* who reads (after AUTH_MODE) */
    unsigned list_default;      /* `first` when a list has no default of its own */
    unsigned list_max;          /* the largest `first`, and the bound of lists without one */
    gql_errors *request_errors; /* limit and cursor errors: the request fails with these */
} rs_plan_ctx;

typedef enum rs_node_kind {
    RS_NODE_ONE,  /* at most one row: an object or null */
    RS_NODE_LIST, /* ordered rows: a JSON array */
    RS_NODE_PAGE, /* ordered rows plus one, for a page object {items, pageInfo} */
} rs_node_kind;

typedef enum rs_out_kind {
    RS_OUT_TYPENAME,      /* "__typename": the literal type_name */
    RS_OUT_COLUMN,        /* a column of the row */
    RS_OUT_CHILD,         /* a related object or list: another node */
    RS_OUT_ITEMS,         /* page: the rows, each the object `fields` describe */
    RS_OUT_PAGE_INFO,     /* page: the object `fields` describe */
    RS_OUT_END_CURSOR,    /* pageInfo.endCursor */
    RS_OUT_HAS_NEXT_PAGE, /* pageInfo.hasNextPage */
    RS_OUT_DENIED, /* a related object or list the principal may not read: null and an error at each path */
} rs_out_kind;

typedef struct rs_node rs_node;
typedef struct rs_output rs_output;

struct rs_output {
    const char *key; /* response key (alias or name) */
    rs_out_kind kind;
    const gql_selection *node; /* the (first) field node, for error locations */
    const gql_fielddef *def;
    const char *type_name;   /* TYPENAME */
    const rs_column *column; /* COLUMN */
    bool nullable;           /* COLUMN, CHILD: the field's type admits null */
    rs_node *child;          /* CHILD */
    rs_output *fields;       /* ITEMS, PAGE_INFO */
    size_t nfields;
    const char *code, *message; /* DENIED: the error (auth_scope_denial) */
};

struct rs_node {
    rs_node_kind kind;
    unsigned id; /* the row alias is t<id>, its lateral subquery j<id> */
    const rs_entity *entity;
    const rs_node *parent;
    /* Which rows: match_column equals the parent row's parent_column, or parameter match_param. */
    const char *match_column;
    const char *parent_column;
    unsigned match_param;
    rs_sql_type match_type;
    const rs_lookup *lookup;   /* root only: match_column equals what lookup finds for lookup_params */
    unsigned lookup_params[2]; /* ... ($n, $m), instead of match_param */
    unsigned owner_param;      /* rows owned by the principal's customer id ($n), 0 = not scoped here */
    unsigned after_param;      /* rows after the one whose key is $n, 0 = from the start */
    unsigned search_param;     /* search_column ILIKE $n, 0 = none */
    const char *search_column;
    unsigned limit_param; /* LIST, PAGE: $n rows at most */
    /* ONE, LIST: the object each row becomes. PAGE: the page object (its ITEMS hold the rows' objects). */
    rs_output *outputs;
    size_t noutputs;
    const char **reads; /* the columns of the table the statement reads, without duplicates */
    size_t nreads;
};

typedef struct rs_plan {
    rs_node *root;
    const char **params; /* text values; NULL is SQL NULL (an id that matches no row) */
    unsigned nparams;
    unsigned nnodes;
    const char *sql;   /* set by sql_build */
    const char *value; /* RS_PLAN_VALUE: the field's JSON value without a statement */
    unsigned denied;   /* RS_OUT_DENIED outputs: render walks the answer to report them */
} rs_plan;

typedef enum rs_plan_status {
    RS_PLAN_QUERY,         /* run plan->sql (after sql_build) */
    RS_PLAN_VALUE,         /* plan->value is the answer; any error is already recorded at `path` */
    RS_PLAN_REQUEST_ERROR, /* recorded in request_errors: the request fails, nothing may be sent */
} rs_plan_status;

rs_plan_status plan_root(const rs_plan_ctx *pc, const gql_field_group *group, const rs_root *root,
                         const gql_path *path, rs_plan *out);

/*
 * The answer of a Mutation field (group): the one row of `entity` whose key
 * is key_value or, with lookup, the one lookup finds for lookup_values, with
 * the field's selection, under the visibility rule of reads. It is planned
 * before the write is sent, so a denial or a limit refuses the write; it is
 * read in the write's transaction, after the write.
 */
rs_plan_status plan_written(const rs_plan_ctx *pc, const gql_field_group *group, const rs_entity *entity,
                            const char *key_value, const rs_lookup *lookup,
                            const char *const lookup_values[2], const gql_path *path, rs_plan *out);

#endif
