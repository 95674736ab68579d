/*
 * catalog: where each GraphQL type, field and root field lives in PostgreSQL.
 * The SDL says what clients may ask; this table says how to read it: type ->
 * table, field -> column (with how its value becomes JSON), relationship ->
 * the columns that join two tables, root field -> how its argument selects
 * rows, and which tables are private (whose rows belong to a customer).
 *
 * Every SQL fragment here is trusted text written in catalog.c, never from a
 * client. catalog_check() compares this table with the schema at start-up, so
 * a field without a column, or a root field without a resolver, stops the
 * server before it serves anything.
 */
#ifndef RS_CATALOG_H
#define RS_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "schema/gql_schema.h"

/* The SQL type of a value a client supplies (a key or cursor), which decides how it is checked and cast. */
typedef enum rs_sql_type {
    RS_SQL_TEXT,   /* any string */
    RS_SQL_BIGINT, /* a canonical decimal 64-bit integer; anything else matches no row */
} rs_sql_type;

/* How a column's value is written as JSON by PostgreSQL (and which GraphQL scalar it serves). */
typedef enum rs_format {
    RS_FMT_STRING,    /* text (String, ID): a JSON string, escaped by to_json */
    RS_FMT_ID_NUMBER, /* integer key (ID): its digits as a JSON string */
    RS_FMT_INT,       /* integer (Int): a JSON number */
    RS_FMT_FLOAT,     /* numeric (Float): a JSON number as PostgreSQL prints it (numeric(12,2): 19.99, 5.00);
                         a NaN prints as NaN, which render.c turns into a field error */
    RS_FMT_TIMESTAMP, /* timestamptz (String): "YYYY-MM-DDTHH:MM:SSZ" in UTC */
    RS_FMT_ENUM,      /* text holding an enum value's name (a CHECK keeps it one): a JSON string */
} rs_format;

typedef struct rs_column {
    const char *field;  /* GraphQL field name */
    const char *column; /* the table column read */
    rs_format format;   /* how the value becomes JSON */
} rs_column;

/* A field whose value is the rows of another table whose target_column equals this row's column. */
typedef struct rs_relation {
    const char *field;         /* GraphQL field name */
    const char *target;        /* object type of the related rows */
    const char *column;        /* column of this row */
    const char *target_column; /* column of the related rows */
    bool list;                 /* a list (in the target's order), else at most one row */
    bool paged;                /* a list with `first` and `after` arguments */
    bool same_owner;           /* private to private: the related rows belong to the same customer */
} rs_relation;

/* Who a private row belongs to: the customer id in `column`, of the row or of the row's via_table row. */
typedef struct rs_owner {
    const char *column;
    const char *via_table; /* NULL: `column` is on the row itself */
    const char *via_key;   /* the column joining the row to its via_table row (same name on both) */
} rs_owner;

typedef struct rs_entity {
    const char *type;  /* GraphQL object type */
    const char *table; /* relation to read from */
    const char *key;   /* NULL, or a unique column: what `after` arguments name (paged lists need one) */
    const rs_column *columns;
    size_t ncolumns;
    const rs_relation *relations;
    size_t nrelations;
    /* The order of every list of this type: unique (it ends with the key), all ascending or all descending.
     */
    const char *const *order;
    size_t norder;
    const rs_owner *owner; /* NULL: public rows */
    rs_sql_type key_type;
    bool descending;
} rs_entity;

typedef enum rs_root_kind {
    RS_ROOT_ONE,  /* the row whose `column` equals the argument, or null */
    RS_ROOT_LIST, /* the rows whose `column` equals the argument, in the entity's order */
    RS_ROOT_PAGE, /* a page of all rows (first, after, an optional substring search) */
} rs_root_kind;

typedef struct rs_root {
    const char *field;           /* root field name on Query */
    const char *type;            /* object type of the rows */
    const char *argument;        /* ONE, LIST: the argument compared with `column` ... */
    const char *column;          /* ... (ONE: the entity's key) */
    const char *page_type;       /* PAGE: the page object type ({items, pageInfo}) */
    const char *search_argument; /* PAGE: NULL, or the argument matched case-insensitively ... */
    const char *search_column;   /* ... as a substring of this text column */
    rs_root_kind kind;
    rs_sql_type column_type;
} rs_root;

/*
 * A row found through another table, for the answer of a write that learns
 * its row's key only as it runs (placeOrder: the order an idempotency key
 * names): the row whose key equals `column` of the `table` row whose `by`
 * columns equal the given values (a unique key of `table`).
 */
typedef struct rs_lookup {
    const char *table;
    const char *column;
    const char *by[2];
    rs_sql_type by_type[2];
} rs_lookup;

/* What a Mutation field writes (resolvers/sql/write.c builds its statement). */
typedef enum rs_mutation_kind {
    RS_MUTATION_PLACE_ORDER,
    RS_MUTATION_CANCEL_ORDER,
    RS_MUTATION_UPDATE_PRODUCT,
} rs_mutation_kind;

/*
 * A Mutation field: its write, and the object it answers with, read back by
 * its key in the same transaction once written (by `lookup` when the write
 * makes the key).
 */
typedef struct rs_mutation {
    const char *field;   /* Mutation field name */
    const char *type;    /* the object type of the answer */
    const char *key_arg; /* the argument holding the answer's key, or NULL (lookup) */
    const rs_lookup *lookup;
    rs_mutation_kind kind;
    bool admin_only; /* else any caller with a customer id (the write checks whose rows) */
} rs_mutation;

/* The field names of page objects and of their PageInfo, which the planner serves. */
#define RS_PAGE_ITEMS          "items"
#define RS_PAGE_INFO           "pageInfo"
#define RS_PAGE_END_CURSOR     "endCursor"
#define RS_PAGE_HAS_NEXT_PAGE  "hasNextPage"
#define RS_PAGE_FIRST_ARGUMENT "first"
#define RS_PAGE_AFTER_ARGUMENT "after"

const rs_entity *catalog_entity(const char *type);
const rs_root *catalog_root(const char *field);
const rs_mutation *catalog_mutation(const char *field);
const rs_column *catalog_column(const rs_entity *entity, const char *field);
const rs_relation *catalog_relation(const rs_entity *entity, const char *field);
/* The SQL type name of a cast: "text", "bigint". */
const char *catalog_sql_cast(rs_sql_type type);
/* True when a client's value can be cast to `type` as it is (bigint: canonical decimal in range). */
bool catalog_value_valid(rs_sql_type type, const char *value);

/* 0 when every field of every object type and every Query and Mutation field is served; else -1 and a
 * message. */
int catalog_check(const gql_schema *schema, char *err, size_t errlen);

#endif
