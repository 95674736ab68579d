/*
 * catalog: where each GraphQL type and field lives in PostgreSQL. The SDL says
 * what clients may ask; this table says how to read it. Checked against the
 * schema at start-up (catalog_check) so a field without a column, or a root
 * field without a resolver, stops the server before it serves anything.
 */
#ifndef RS_CATALOG_H
#define RS_CATALOG_H

#include <stddef.h>

#include "gql_schema.h"

typedef struct rs_column {
    const char *field; /* GraphQL field name */
    const char *sql;   /* column expression, trusted text written here, never from clients */
} rs_column;

typedef struct rs_entity {
    const char *type;  /* GraphQL object type */
    const char *table; /* relation to read from */
    const rs_column *columns;
    size_t ncolumns;
} rs_entity;

/* A root field that fetches one entity by a unique key taken from one argument. */
typedef struct rs_root_lookup {
    const char *field; /* root field name on Query */
    const rs_entity *entity;
    const char *argument;   /* argument carrying the key */
    const char *key_column; /* unique column compared with the argument */
    const char *key_cast;   /* SQL type of the parameter, e.g. "text" */
} rs_root_lookup;

const rs_entity *catalog_entity(const char *type);
const rs_root_lookup *catalog_root(const char *field);
/* Index of the column serving `field` in entity->columns, or -1. */
int catalog_column(const rs_entity *entity, const char *field);

/* 0 when every field of every object type and every Query field is served; else -1 and a message. */
int catalog_check(const gql_schema *schema, char *err, size_t errlen);

#endif
