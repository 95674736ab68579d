#include "resolvers/sql/catalog.h"

#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Non-null fields read NOT NULL columns (infra/db/migrations/0001_init.sql);
 * the one value of a column that JSON cannot represent, a numeric NaN, is
 * found by render.c and becomes a field error there.
 */
static const rs_column product_columns[] = {
    {"productId", "product_id", RS_FMT_STRING},
    {"productName", "product_name", RS_FMT_STRING},
    {"price", "price", RS_FMT_FLOAT},
    {"description", "description", RS_FMT_STRING},
};

static const rs_column customer_columns[] = {
    {"customerId", "customer_id", RS_FMT_ID_NUMBER},
    {"name", "name", RS_FMT_STRING},
    {"email", "email", RS_FMT_STRING},
};

static const rs_column order_columns[] = {
    {"orderId", "order_id", RS_FMT_ID_NUMBER},
    {"orderRef", "order_ref", RS_FMT_INT},
    {"customerId", "customer_id", RS_FMT_ID_NUMBER},
    {"createdAt", "created_at", RS_FMT_TIMESTAMP},
    /* Over every item of the order (not only those a nested `items` list returns), kept by triggers (0003).
     */
    {"total", "total", RS_FMT_FLOAT},
    {"status", "status", RS_FMT_ENUM},
};

static const rs_column order_item_columns[] = {
    {"orderId", "order_id", RS_FMT_ID_NUMBER},
    {"orderItemId", "order_item_id", RS_FMT_ID_NUMBER},
    {"quantity", "quantity", RS_FMT_INT},
    {"unitPrice", "unit_price", RS_FMT_FLOAT},
};

/* Every relationship walks an index whose leading column is target_column (migrations 0001, 0003). */
static const rs_relation customer_relations[] = {
    {"orders", "Order", "customer_id", "customer_id", true, true, true},
};

static const rs_relation order_relations[] = {
    {"customer", "Customer", "customer_id", "customer_id", false, false, true},
    {"items", "OrderItem", "order_id", "order_id", true, false, true},
};

static const rs_relation order_item_relations[] = {
    {"order", "Order", "order_id", "order_id", false, false, true},
    {"product", "Product", "product_id", "product_id", false, false, false},
};

static const char *const product_order[] = {"product_id"};
static const char *const customer_order[] = {"customer_id"};
/* Newest first, as orders_customer_created_cover_idx stores them (migration 0003). */
static const char *const order_order[] = {"created_at", "order_id"};
static const char *const order_item_order[] = {"order_id", "order_item_id"};

static const rs_owner by_customer_id = {"customer_id", NULL, NULL};
static const rs_owner by_order = {"customer_id", "orders", "order_id"};

static const rs_entity entities[] = {
    {.type = "Product",
     .table = "products",
     .key = "product_id",
     .key_type = RS_SQL_TEXT,
     .columns = product_columns,
     .ncolumns = COUNT(product_columns),
     .order = product_order,
     .norder = COUNT(product_order)},
    {.type = "Customer",
     .table = "customers",
     .key = "customer_id",
     .key_type = RS_SQL_BIGINT,
     .columns = customer_columns,
     .ncolumns = COUNT(customer_columns),
     .relations = customer_relations,
     .nrelations = COUNT(customer_relations),
     .order = customer_order,
     .norder = COUNT(customer_order),
     .owner = &by_customer_id},
    {.type = "Order",
     .table = "orders",
     .key = "order_id",
     .key_type = RS_SQL_BIGINT,
     .columns = order_columns,
     .ncolumns = COUNT(order_columns),
     .relations = order_relations,
     .nrelations = COUNT(order_relations),
     .order = order_order,
     .norder = COUNT(order_order),
     .descending = true,
     .owner = &by_customer_id},
    /* No key of its own ((order_id, order_item_id) is): no paged list of items. */
    {.type = "OrderItem",
     .table = "order_items",
     .columns = order_item_columns,
     .ncolumns = COUNT(order_item_columns),
     .relations = order_item_relations,
     .nrelations = COUNT(order_item_relations),
     .order = order_item_order,
     .norder = COUNT(order_item_order),
     .owner = &by_order},
};

static const rs_root roots[] = {
    {.field = "Product",
     .kind = RS_ROOT_ONE,
     .type = "Product",
     .argument = "productId",
     .column = "product_id",
     .column_type = RS_SQL_TEXT},
    {.field = "OrderItem",
     .kind = RS_ROOT_LIST,
     .type = "OrderItem",
     .argument = "order",
     .column = "order_id",
     .column_type = RS_SQL_BIGINT},
    {.field = "Order",
     .kind = RS_ROOT_LIST,
     .type = "Order",
     .argument = "customerId",
     .column = "customer_id",
     .column_type = RS_SQL_BIGINT},
    {.field = "products",
     .kind = RS_ROOT_PAGE,
     .type = "Product",
     .page_type = "ProductPage",
     .search_argument = "nameContains",
     .search_column = "product_name"},
    {.field = "customer",
     .kind = RS_ROOT_ONE,
     .type = "Customer",
     .argument = "customerId",
     .column = "customer_id",
     .column_type = RS_SQL_BIGINT},
};

/* An order placed by placeOrder: the one its idempotency key names (migration 0006). */
static const rs_lookup order_by_idempotency_key = {
    .table = "idempotency_keys",
    .column = "order_id",
    .by = {"customer_id", "idempotency_key"},
    .by_type = {RS_SQL_BIGINT, RS_SQL_TEXT},
};

static const rs_mutation mutations[] = {
    {.field = "placeOrder",
     .type = "Order",
     .kind = RS_MUTATION_PLACE_ORDER,
     .lookup = &order_by_idempotency_key},
    {.field = "cancelOrder", .type = "Order", .kind = RS_MUTATION_CANCEL_ORDER, .key_arg = "orderId"},
    {.field = "updateProduct",
     .type = "Product",
     .kind = RS_MUTATION_UPDATE_PRODUCT,
     .key_arg = "productId",
     .admin_only = true},
};

enum { NENTITIES = COUNT(entities), NROOTS = COUNT(roots), NMUTATIONS = COUNT(mutations) };

const rs_entity *catalog_entity(const char *type)
{
    for (size_t i = 0; i < NENTITIES; i++)
        if (strcmp(entities[i].type, type) == 0)
            return &entities[i];
    return NULL;
}

const rs_root *catalog_root(const char *field)
{
    for (size_t i = 0; i < NROOTS; i++)
        if (strcmp(roots[i].field, field) == 0)
            return &roots[i];
    return NULL;
}

const rs_mutation *catalog_mutation(const char *field)
{
    for (size_t i = 0; i < NMUTATIONS; i++)
        if (strcmp(mutations[i].field, field) == 0)
            return &mutations[i];
    return NULL;
}

const rs_column *catalog_column(const rs_entity *entity, const char *field)
{
    for (size_t i = 0; i < entity->ncolumns; i++)
        if (strcmp(entity->columns[i].field, field) == 0)
            return &entity->columns[i];
    return NULL;
}

const rs_relation *catalog_relation(const rs_entity *entity, const char *field)
{
    for (size_t i = 0; i < entity->nrelations; i++)
        if (strcmp(entity->relations[i].field, field) == 0)
            return &entity->relations[i];
    return NULL;
}

const char *catalog_sql_cast(rs_sql_type type)
{
    return type == RS_SQL_BIGINT ? "bigint" : "text";
}

bool catalog_value_valid(rs_sql_type type, const char *value)
{
    if (value == NULL)
        return false;
    if (type == RS_SQL_TEXT)
        return true;
    /* -?(0|[1-9][0-9]*) within int64: IDs are compared as the strings the API writes, so "052" is no id. */
    const char *p = value + (value[0] == '-');
    size_t n = strspn(p, "0123456789");
    if (n == 0 || p[n] != '\0' || (p[0] == '0' && (n > 1 || p != value)) || n > 19)
        return false;
    return n < 19 || strcmp(p, value[0] == '-' ? "9223372036854775808" : "9223372036854775807") <= 0;
}

/* ---- the check against the schema ---- */

static bool is_list_of_non_null(const gql_tref *t)
{
    return t->wrap == GQL_TYPE_NON_NULL && t->of->wrap == GQL_TYPE_LIST &&
           t->of->of->wrap == GQL_TYPE_NON_NULL;
}

static bool has_arg(const gql_fielddef *f, const char *name)
{
    return gql_field_arg(f, name, strlen(name)) != NULL;
}

static bool named(const gql_tref *t, const char *name)
{
    return strcmp(gql_tref_named(t)->name, name) == 0;
}

/* The page object {items: [T!]!, pageInfo: PageInfo!} and PageInfo {endCursor: String, hasNextPage:
 * Boolean!}. */
static bool page_type_ok(const gql_typedef *page, const char *item_type, const gql_typedef **info)
{
    const gql_fielddef *items = gql_type_field(page, RS_PAGE_ITEMS, strlen(RS_PAGE_ITEMS));
    const gql_fielddef *pi = gql_type_field(page, RS_PAGE_INFO, strlen(RS_PAGE_INFO));
    if (page->kind != GQL_OBJECT || page->nfields != 2 || items == NULL || pi == NULL ||
        !is_list_of_non_null(items->type) || !named(items->type, item_type) ||
        pi->type->wrap != GQL_TYPE_NON_NULL)
        return false;
    *info = gql_tref_named(pi->type);
    const gql_fielddef *end = gql_type_field(*info, RS_PAGE_END_CURSOR, strlen(RS_PAGE_END_CURSOR));
    const gql_fielddef *next = gql_type_field(*info, RS_PAGE_HAS_NEXT_PAGE, strlen(RS_PAGE_HAS_NEXT_PAGE));
    return (*info)->kind == GQL_OBJECT && (*info)->nfields == 2 && end != NULL && next != NULL &&
           end->type->wrap == GQL_TYPE_NAMED && named(end->type, "String") &&
           next->type->wrap == GQL_TYPE_NON_NULL && named(next->type, "Boolean");
}

static int check_root(const gql_fielddef *f, const rs_root *r, const gql_typedef **page,
                      const gql_typedef **info, char *err, size_t errlen)
{
    const rs_entity *e = catalog_entity(r->type);
    bool ok = e != NULL;
    switch (r->kind) {
    case RS_ROOT_ONE: /* at most one row: by the key */
        ok = ok && f->type->wrap == GQL_TYPE_NAMED && named(f->type, r->type) && has_arg(f, r->argument) &&
             e->key != NULL && strcmp(r->column, e->key) == 0 && r->column_type == e->key_type;
        break;
    case RS_ROOT_LIST:
        ok = ok && is_list_of_non_null(f->type) && named(f->type, r->type) && has_arg(f, r->argument);
        break;
    case RS_ROOT_PAGE:
        *page = gql_tref_named(f->type);
        ok = ok && f->type->wrap == GQL_TYPE_NON_NULL && named(f->type, r->page_type) && e->key != NULL &&
             has_arg(f, RS_PAGE_FIRST_ARGUMENT) && has_arg(f, RS_PAGE_AFTER_ARGUMENT) &&
             (r->search_argument == NULL || has_arg(f, r->search_argument)) &&
             page_type_ok(*page, r->type, info);
        break;
    }
    if (!ok)
        snprintf(err, errlen, "resolver for Query.%s does not match its schema type or arguments", f->name);
    return ok ? 0 : -1;
}

/* The GraphQL scalar a format writes (RS_FMT_ENUM: any enum). */
static bool format_serves(rs_format format, const gql_typedef *type)
{
    static const char *const scalars[] = {
        [RS_FMT_STRING] = "String", [RS_FMT_ID_NUMBER] = "ID",     [RS_FMT_INT] = "Int",
        [RS_FMT_FLOAT] = "Float",   [RS_FMT_TIMESTAMP] = "String",
    };
    if (format == RS_FMT_ENUM || type->kind == GQL_ENUM)
        return format == RS_FMT_ENUM && type->kind == GQL_ENUM;
    return strcmp(scalars[format], type->name) == 0 ||
           (format == RS_FMT_STRING && strcmp(type->name, "ID") == 0);
}

static int check_field(const gql_typedef *type, const rs_entity *e, const gql_fielddef *f, char *err,
                       size_t errlen)
{
    const rs_column *c = catalog_column(e, f->name);
    if (c != NULL) {
        if (format_serves(c->format, gql_tref_named(f->type)))
            return 0;
        snprintf(err, errlen, "column of %s.%s in resolvers/catalog.c does not write a %s", type->name,
                 f->name, gql_tref_named(f->type)->name);
        return -1;
    }
    const rs_relation *r = catalog_relation(e, f->name);
    const rs_entity *target = r ? catalog_entity(r->target) : NULL;
    if (r == NULL) {
        snprintf(err, errlen, "schema field %s.%s has no column in resolvers/catalog.c", type->name, f->name);
        return -1;
    }
    bool ok = target != NULL && named(f->type, r->target) &&
              (r->list ? is_list_of_non_null(f->type)
                       : f->type->wrap == GQL_TYPE_NON_NULL && target->key != NULL &&
                             strcmp(r->target_column, target->key) == 0) &&
              (!r->paged || (target->key != NULL && has_arg(f, RS_PAGE_FIRST_ARGUMENT) &&
                             has_arg(f, RS_PAGE_AFTER_ARGUMENT))) &&
              /* The planner scopes private rows once, where they are entered: see auth_scope.h. */
              (e->owner == NULL || target->owner == NULL || r->same_owner);
    if (!ok)
        snprintf(err, errlen, "relationship %s.%s in resolvers/catalog.c does not match the schema",
                 type->name, f->name);
    return ok ? 0 : -1;
}

/* A Mutation field answers a non-null object of its entity, with its key argument when it has one. */
static int check_mutation(const gql_fielddef *f, const rs_mutation *m, char *err, size_t errlen)
{
    const rs_entity *e = m != NULL ? catalog_entity(m->type) : NULL;
    bool ok = e != NULL && f->type->wrap == GQL_TYPE_NON_NULL && f->type->of->wrap == GQL_TYPE_NAMED &&
              named(f->type, m->type) && e->key != NULL && (m->key_arg != NULL) != (m->lookup != NULL) &&
              (m->key_arg == NULL || has_arg(f, m->key_arg));
    if (m == NULL)
        snprintf(err, errlen, "schema field Mutation.%s has no resolver in resolvers/catalog.c", f->name);
    else if (!ok)
        snprintf(err, errlen, "resolver for Mutation.%s does not match its schema type or arguments",
                 f->name);
    return ok ? 0 : -1;
}

int catalog_check(const gql_schema *schema, char *err, size_t errlen)
{
    const gql_typedef *query = schema->query;
    const gql_typedef *mutation = schema->mutation;
    for (size_t i = 0; mutation != NULL && i < mutation->nfields; i++)
        if (check_mutation(&mutation->fields[i], catalog_mutation(mutation->fields[i].name), err, errlen) !=
            0)
            return -1;
    const gql_typedef *pages[NROOTS * 2];
    size_t npages = 0;
    for (size_t i = 0; i < query->nfields; i++) {
        const rs_root *r = catalog_root(query->fields[i].name);
        if (r == NULL) {
            snprintf(err, errlen, "schema field Query.%s has no resolver in resolvers/catalog.c",
                     query->fields[i].name);
            return -1;
        }
        const gql_typedef *page = NULL, *info = NULL;
        if (check_root(&query->fields[i], r, &page, &info, err, errlen) != 0)
            return -1;
        if (page != NULL) {
            pages[npages++] = page;
            pages[npages++] = info;
        }
    }
    for (size_t t = 0; t < schema->ntypes; t++) {
        const gql_typedef *type = schema->types[t];
        if (type->kind != GQL_OBJECT || type == query || type == mutation ||
            strncmp(type->name, "__", 2) == 0)
            continue; /* introspection types are answered from the schema itself */
        bool is_page = false;
        for (size_t p = 0; p < npages; p++)
            is_page |= pages[p] == type;
        if (is_page)
            continue; /* checked with their root field */
        const rs_entity *e = catalog_entity(type->name);
        if (e == NULL) {
            snprintf(err, errlen, "schema type %s has no table in resolvers/catalog.c", type->name);
            return -1;
        }
        for (size_t f = 0; f < type->nfields; f++)
            if (check_field(type, e, &type->fields[f], err, errlen) != 0)
                return -1;
    }
    return 0;
}
