#include "catalog.h"

#include <stdio.h>
#include <string.h>

static const rs_column product_columns[] = {
    {"productId", "product_id"},
    {"productName", "product_name"},
    {"price", "price"},
    {"description", "description"},
};

static const rs_entity entities[] = {
    {"Product", "products", product_columns, sizeof(product_columns) / sizeof(product_columns[0])},
};

static const rs_root_lookup roots[] = {
    {"Product", &entities[0], "productId", "product_id", "text"},
};

enum { NENTITIES = sizeof(entities) / sizeof(entities[0]), NROOTS = sizeof(roots) / sizeof(roots[0]) };

const rs_entity *catalog_entity(const char *type)
{
    for (size_t i = 0; i < NENTITIES; i++)
        if (strcmp(entities[i].type, type) == 0)
            return &entities[i];
    return NULL;
}

const rs_root_lookup *catalog_root(const char *field)
{
    for (size_t i = 0; i < NROOTS; i++)
        if (strcmp(roots[i].field, field) == 0)
            return &roots[i];
    return NULL;
}

int catalog_column(const rs_entity *entity, const char *field)
{
    for (size_t i = 0; i < entity->ncolumns; i++)
        if (strcmp(entity->columns[i].field, field) == 0)
            return (int)i;
    return -1;
}

int catalog_check(const gql_schema *schema, char *err, size_t errlen)
{
    const gql_typedef *query = schema->query;
    for (size_t i = 0; i < query->nfields; i++) {
        const rs_root_lookup *r = catalog_root(query->fields[i].name);
        if (r == NULL) {
            snprintf(err, errlen, "schema field Query.%s has no resolver in resolvers/catalog.c",
                     query->fields[i].name);
            return -1;
        }
        if (strcmp(gql_tref_named(query->fields[i].type)->name, r->entity->type) != 0 ||
            gql_field_arg(&query->fields[i], r->argument, strlen(r->argument)) == NULL) {
            snprintf(err, errlen, "resolver for Query.%s does not match its schema type or argument",
                     query->fields[i].name);
            return -1;
        }
    }
    for (size_t t = 0; t < schema->ntypes; t++) {
        const gql_typedef *type = schema->types[t];
        if (type->kind != GQL_OBJECT || type == query || strncmp(type->name, "__", 2) == 0)
            continue; /* introspection types are answered from the schema itself */
        const rs_entity *e = catalog_entity(type->name);
        if (e == NULL) {
            snprintf(err, errlen, "schema type %s has no table in resolvers/catalog.c", type->name);
            return -1;
        }
        for (size_t f = 0; f < type->nfields; f++)
            if (catalog_column(e, type->fields[f].name) < 0) {
                snprintf(err, errlen, "schema field %s.%s has no column in resolvers/catalog.c", type->name,
                         type->fields[f].name);
                return -1;
            }
    }
    return 0;
}
