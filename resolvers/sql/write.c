#include "resolvers/sql/write.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache_key.h"
#include "resolvers/sql/auth_scope.h"
#include "resolvers/sql/sql_build.h"
#include "schema/base/buf.h"

typedef struct writer {
    const rs_plan_ctx *pc;
    const rs_write_limits *limits;
    const gql_field_group *group;
    const gql_path *path;
    base_arena *arena;
    rs_write *out;
} writer;

/* ---- refusals ---- */

/* The field's error, at its path, with its code and where in the arguments the culprit is. */
__attribute__((format(printf, 4, 5))) static rs_write_status
refuse(writer *w, const char *code, const gql_path *input_path, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    gql_error *e = gql_errors_add(w->pc->exec->errors, &w->group->field->loc, "%s", msg);
    if (e != NULL) {
        e->code = code;
        e->path = gql_path_copy(w->arena, w->path);
        e->input_path = input_path;
    }
    return RS_WRITE_REFUSED;
}

static rs_write_status denied(writer *w, rs_access access)
{
    const char *message;
    const char *code = auth_scope_denial(access, &message);
    return refuse(w, code, NULL, "%s",
                  access == RS_ACCESS_FORBIDDEN ? "Not allowed to call this field." : message);
}

/* A step of an input path: a key under parent (index ignored), or a list index when key is NULL. */
static const gql_path *step(writer *w, const gql_path *parent, const char *key, size_t index)
{
    gql_path *p = base_arena_alloc(w->arena, sizeof(*p));
    if (p != NULL)
        *p = (gql_path){.parent = parent, .key = key, .index = index};
    return p;
}

/* ---- argument values ---- */

/* The field `name` of an input object value: NULL when absent, a GQL_VALUE_NULL node for null. */
static const gql_value *input_field(const gql_value *object, const char *name)
{
    if (object == NULL || object->kind != GQL_VALUE_OBJECT)
        return NULL;
    for (const gql_object_field *f = object->object.first; f != NULL; f = f->next)
        if (strcmp(f->name.ptr, name) == 0)
            return f->value;
    return NULL;
}

static bool is_given(const gql_value *v)
{
    return v != NULL && v->kind != GQL_VALUE_NULL;
}

/* A string that SQL can hold: no NUL inside (a GraphQL literal "\u0000" makes one). */
static bool sql_text(const gql_value *v)
{
    return v->text.ptr != NULL && strlen(v->text.ptr) == v->text.len;
}

static const char *arena_printf(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *arena_printf(writer *w, const char *fmt, ...)
{
    char text[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < sizeof(text) ? base_arena_strndup(w->arena, text, (size_t)n) : NULL;
}

static const char *buf_to_arena(writer *w, base_buf *b)
{
    const char *s = b->failed || b->data == NULL ? NULL : base_arena_strndup(w->arena, b->data, b->len);
    base_buf_free(b);
    return s;
}

/* The statement's parameters, in order; NULL entries are SQL NULL. */
static int set_params(writer *w, unsigned n, const char *const *values)
{
    const char **params = base_arena_calloc(w->arena, n, sizeof(*params));
    if (params == NULL)
        return -1;
    memcpy(params, values, n * sizeof(*params));
    w->out->params = params;
    w->out->nparams = n;
    return 0;
}

/* The answer's read: planned (a denial or a limit refuses the write too) and built. */
static rs_write_status plan_answer(writer *w, const char *key_value, const char *const lookup_values[2])
{
    const rs_mutation *m = w->out->mutation;
    rs_plan_status st = plan_written(w->pc, w->group, catalog_entity(m->type), key_value, m->lookup,
                                     lookup_values, w->path, &w->out->read);
    if (st == RS_PLAN_REQUEST_ERROR)
        return RS_WRITE_REQUEST_ERROR;
    if (st != RS_PLAN_QUERY)
        return RS_WRITE_REFUSED; /* the denial is recorded at the path */
    if (sql_build(&w->out->read, w->arena) != 0)
        return refuse(w, "INTERNAL", NULL, "Internal server error.");
    return RS_WRITE_SEND;
}

static rs_write_status out_of_memory(writer *w)
{
    return refuse(w, "INTERNAL", NULL, "Out of memory.");
}

/* ---- placeOrder ---- */

/* Whose order: the caller's own, or for an admin the customer named. NULL after a refusal. */
static const char *order_customer(writer *w, const gql_value *input, const gql_path *input_path,
                                  rs_write_status *status)
{
    const rs_principal *who = &w->pc->principal;
    const gql_value *named = input_field(input, "customerId");
    const gql_path *at = step(w, input_path, "customerId", 0);
    w->out->customer_named = is_given(named);
    if (who->kind == RS_PRINCIPAL_ADMIN) {
        if (!is_given(named)) {
            *status = refuse(w, "BAD_USER_INPUT", at,
                             "An admin places an order for a customer: give input.customerId.");
            return NULL;
        }
        if (!catalog_value_valid(RS_SQL_BIGINT, named->text.ptr)) {
            *status =
                refuse(w, "BAD_USER_INPUT", at, "There is no customer with id \"%.64s\".", named->text.ptr);
            return NULL;
        }
        return named->text.ptr;
    }
    if (!catalog_value_valid(RS_SQL_BIGINT, who->customer_id)) {
        *status = denied(w, RS_ACCESS_FORBIDDEN); /* a principal that is no customer */
        return NULL;
    }
    if (is_given(named) && strcmp(named->text.ptr, who->customer_id) != 0) {
        *status = refuse(w, "FORBIDDEN", at, "A customer places orders for themselves only.");
        return NULL;
    }
    return who->customer_id;
}

/*
 * The lines: 1 to max_lines of them, each product once, each quantity from 1
 * to max_quantity. Duplicate products are refused, not merged: a client that
 * sends two lines for one product most likely has a bug, and a merged line
 * would make the order differ from the request the key stands for.
 */
static rs_write_status order_lines(writer *w, const gql_value *items, const gql_path *items_path,
                                   base_buf *products, base_buf *quantities, base_buf *canonical)
{
    size_t n = items != NULL && items->kind == GQL_VALUE_LIST ? items->list.count : 0;
    if (n == 0)
        return refuse(w, "BAD_USER_INPUT", items_path, "An order needs at least one line in input.items.");
    if (n > w->limits->max_lines)
        return refuse(w, "BAD_USER_INPUT", items_path,
                      "The order has %zu lines; the most one order may have is %u (GQLD_ORDER_MAX_LINES).", n,
                      w->limits->max_lines);
    const gql_value **seen = base_arena_calloc(w->arena, n, sizeof(const gql_value *));
    if (seen == NULL)
        return out_of_memory(w);
    base_buf_putc(products, '{');
    base_buf_putc(quantities, '{');
    base_buf_putc(canonical, '[');
    size_t i = 0;
    for (const gql_value *line = items->list.first; line != NULL; line = line->next, i++) {
        const gql_path *at = step(w, items_path, NULL, i);
        const gql_value *product = input_field(line, "productId");
        const gql_value *quantity = input_field(line, "quantity");
        if (!is_given(product) || !is_given(quantity))
            return refuse(w, "BAD_USER_INPUT", at, "Line %zu needs a productId and a quantity.", i + 1);
        if (!sql_text(product) || product->text.len == 0 || product->text.len > 64)
            return refuse(w, "BAD_USER_INPUT", step(w, at, "productId", 0),
                          "Line %zu: there is no product with id \"%.64s\".", i + 1,
                          product->text.ptr != NULL ? product->text.ptr : "");
        for (size_t j = 0; j < i; j++)
            if (strcmp(seen[j]->text.ptr, product->text.ptr) == 0)
                return refuse(
                    w, "BAD_USER_INPUT", step(w, at, "productId", 0),
                    "Line %zu orders product \"%.64s\" again (line %zu has it): one line per product, "
                    "with the whole quantity.",
                    i + 1, product->text.ptr, j + 1);
        seen[i] = product;
        errno = 0;
        char *end;
        long q = quantity->kind == GQL_VALUE_INT ? strtol(quantity->text.ptr, &end, 10) : 0;
        if (quantity->kind != GQL_VALUE_INT || errno != 0 || *end != '\0' || q < 1)
            return refuse(w, "BAD_USER_INPUT", step(w, at, "quantity", 0),
                          "Line %zu: the quantity must be at least 1; got %s.", i + 1,
                          quantity->text.ptr != NULL ? quantity->text.ptr : "?");
        if (q > (long)w->limits->max_quantity)
            return refuse(
                w, "BAD_USER_INPUT", step(w, at, "quantity", 0),
                "Line %zu orders %ld units; the most one line may order is %u (GQLD_ORDER_MAX_QUANTITY).",
                i + 1, q, w->limits->max_quantity);
        /* Array literals: every id quoted, its quotes and backslashes escaped. */
        base_buf_puts(products, i ? ",\"" : "\"");
        for (const char *c = product->text.ptr; *c != '\0'; c++) {
            if (*c == '"' || *c == '\\')
                base_buf_putc(products, '\\');
            base_buf_putc(products, *c);
        }
        base_buf_putc(products, '"');
        base_buf_printf(quantities, "%s%ld", i ? "," : "", q);
        /* The request as the key stands for it: the lines in order, as JSON. */
        base_buf_puts(canonical, i ? ",[" : "[");
        base_buf_json_string(canonical, product->text.ptr, product->text.len);
        base_buf_printf(canonical, ",%ld]", q);
    }
    base_buf_putc(products, '}');
    base_buf_putc(quantities, '}');
    base_buf_putc(canonical, ']');
    w->out->lines = seen;
    w->out->nlines = n;
    return RS_WRITE_SEND;
}

static rs_write_status place_order(writer *w)
{
    const gql_value *input;
    if (gql_exec_arg(w->pc->exec, w->group, "input", w->path, &input) != 0)
        return RS_WRITE_REFUSED;
    const gql_path *input_path = step(w, NULL, "input", 0);
    rs_write_status status = RS_WRITE_SEND;
    const char *customer = order_customer(w, input, input_path, &status);
    if (customer == NULL)
        return status;
    const gql_value *key = input_field(input, "idempotencyKey");
    const gql_path *key_path = step(w, input_path, "idempotencyKey", 0);
    if (!is_given(key) || key->text.len == 0)
        return refuse(
            w, "BAD_USER_INPUT", key_path,
            "input.idempotencyKey is empty: send a new key (a UUID, say) with each order, and the same key "
            "with every retry of it.");
    if (key->text.len > RS_IDEMPOTENCY_KEY_MAX)
        return refuse(w, "BAD_USER_INPUT", key_path,
                      "input.idempotencyKey is %zu bytes long; the most is %d.", key->text.len,
                      RS_IDEMPOTENCY_KEY_MAX);
    if (!sql_text(key))
        return refuse(w, "BAD_USER_INPUT", key_path,
                      "input.idempotencyKey must not contain a NUL character.");

    base_buf products, quantities, canonical;
    base_buf_init(&products);
    base_buf_init(&quantities);
    base_buf_init(&canonical);
    status = order_lines(w, input_field(input, "items"), step(w, input_path, "items", 0), &products,
                         &quantities, &canonical);
    uint8_t digest[CACHE_KEY_BYTES];
    char hash[2 * CACHE_KEY_BYTES + 1];
    if (!canonical.failed) {
        cache_sha256(canonical.data, canonical.len, digest);
        cache_key_hex(digest, hash);
    }
    bool failed = canonical.failed;
    base_buf_free(&canonical);
    const char *product_list = buf_to_arena(w, &products);
    const char *quantity_list = buf_to_arena(w, &quantities);
    if (status != RS_WRITE_SEND)
        return status;
    const char *hash_text = failed ? NULL : base_arena_strndup(w->arena, hash, (size_t)2 * CACHE_KEY_BYTES);
    const char *ttl = arena_printf(w, "%u", w->limits->key_ttl_s);
    if (product_list == NULL || quantity_list == NULL || hash_text == NULL || ttl == NULL)
        return out_of_memory(w);

    w->out->customer_id = customer;
    w->out->sql = "SELECT gqld_place_order($1::bigint, $2::text, decode($3::text, 'hex'), $4::text[], "
                  "$5::integer[], $6::integer * interval '1 second')";
    const char *params[] = {customer, key->text.ptr, hash_text, product_list, quantity_list, ttl};
    if (set_params(w, 6, params) != 0)
        return out_of_memory(w);
    const char *lookup[2] = {customer, key->text.ptr};
    return plan_answer(w, NULL, lookup);
}

/* ---- cancelOrder ---- */

static rs_write_status cancel_order(writer *w)
{
    const rs_principal *who = &w->pc->principal;
    const gql_value *id;
    if (gql_exec_arg(w->pc->exec, w->group, "orderId", w->path, &id) != 0)
        return RS_WRITE_REFUSED;
    if (who->kind != RS_PRINCIPAL_ADMIN && !catalog_value_valid(RS_SQL_BIGINT, who->customer_id))
        return denied(w, RS_ACCESS_FORBIDDEN);
    w->out->key_value = id->text.ptr;
    if (!catalog_value_valid(RS_SQL_BIGINT, id->text.ptr)) {
        const char *message;
        const gql_path *at;
        const char *code = write_not_found(w->out, w->arena, &message, &at);
        return refuse(w, code, at, "%s", message);
    }
    /* The owner's predicate keeps a customer's cancel to their own orders; an admin's reaches any. */
    if (who->kind == RS_PRINCIPAL_ADMIN) {
        w->out->sql =
            "UPDATE orders SET status = 'CANCELLED' WHERE order_id = $1::bigint AND status <> 'CANCELLED'";
        if (set_params(w, 1, (const char *const[]){id->text.ptr}) != 0)
            return out_of_memory(w);
    } else {
        w->out->sql =
            "UPDATE orders SET status = 'CANCELLED' WHERE order_id = $1::bigint AND status <> 'CANCELLED' "
            "AND customer_id = $2::bigint";
        if (set_params(w, 2, (const char *const[]){id->text.ptr, who->customer_id}) != 0)
            return out_of_memory(w);
    }
    return plan_answer(w, id->text.ptr, NULL);
}

/* ---- updateProduct ---- */

/* numeric(12,2): up to 9,999,999,999.99. */
#define PRICE_MAX 9999999999.99

static rs_write_status update_product(writer *w)
{
    const gql_value *id, *input;
    if (gql_exec_arg(w->pc->exec, w->group, "productId", w->path, &id) != 0 ||
        gql_exec_arg(w->pc->exec, w->group, "input", w->path, &input) != 0)
        return RS_WRITE_REFUSED;
    w->out->key_value = id->text.ptr;
    const gql_path *input_path = step(w, NULL, "input", 0);
    const gql_value *name = input_field(input, "productName");
    const gql_value *price = input_field(input, "price");
    const gql_value *description = input_field(input, "description");
    if (name == NULL && price == NULL && description == NULL)
        return refuse(w, "BAD_USER_INPUT", input_path,
                      "input names nothing to change: give productName, price or description.");
    if (name != NULL && (!is_given(name) || name->text.len == 0 || !sql_text(name)))
        return refuse(w, "BAD_USER_INPUT", step(w, input_path, "productName", 0),
                      "input.productName must be a name: not null, not empty, no NUL character.");
    if (description != NULL && is_given(description) && !sql_text(description))
        return refuse(w, "BAD_USER_INPUT", step(w, input_path, "description", 0),
                      "input.description must not contain a NUL character.");
    if (price != NULL) {
        char *end = NULL;
        double v = is_given(price) ? strtod(price->text.ptr, &end) : -1;
        if (!is_given(price) || end == price->text.ptr || *end != '\0' || !(v >= 0) || v > PRICE_MAX)
            return refuse(w, "BAD_USER_INPUT", step(w, input_path, "price", 0),
                          "input.price must be a number from 0 to %.2f; got %s.", PRICE_MAX,
                          is_given(price) ? price->text.ptr : "null");
    }
    /* One statement for every combination of fields (one prepared statement): a flag says which are set. */
    w->out->sql =
        "UPDATE products SET product_name = CASE WHEN $2::boolean THEN $3::text ELSE product_name END, "
        "price = CASE WHEN $4::boolean THEN round($5::numeric, 2) ELSE price END, "
        "description = CASE WHEN $6::boolean THEN $7::text ELSE description END "
        "WHERE product_id = $1::text";
    const char *params[] = {
        id->text.ptr,
        name != NULL ? "true" : "false",
        name != NULL ? name->text.ptr : NULL,
        price != NULL ? "true" : "false",
        price != NULL ? price->text.ptr : NULL,
        description != NULL ? "true" : "false",
        is_given(description) ? description->text.ptr : NULL,
    };
    if (!sql_text(id))
        params[0] = NULL; /* matches no product */
    if (set_params(w, 7, params) != 0)
        return out_of_memory(w);
    return plan_answer(w, id->text.ptr, NULL);
}

/* ---- the entry points ---- */

rs_write_status write_plan(const rs_plan_ctx *pc, const rs_write_limits *limits, const gql_field_group *group,
                           const rs_mutation *mutation, const gql_path *path, rs_write *out)
{
    memset(out, 0, sizeof(*out));
    out->mutation = mutation;
    writer w = {
        .pc = pc, .limits = limits, .group = group, .path = path, .arena = pc->exec->arena, .out = out};
    const rs_principal *who = &pc->principal;
    rs_access access = auth_scope_field_access(who, "Mutation", mutation->field);
    if (access == RS_ACCESS_ALL && who->kind == RS_PRINCIPAL_ANONYMOUS)
        access = RS_ACCESS_UNAUTHENTICATED;
    if (access == RS_ACCESS_ALL && mutation->admin_only && who->kind != RS_PRINCIPAL_ADMIN)
        access = RS_ACCESS_FORBIDDEN;
    if (access != RS_ACCESS_ALL)
        return denied(&w, access);
    switch (mutation->kind) {
    case RS_MUTATION_PLACE_ORDER:
        return place_order(&w);
    case RS_MUTATION_CANCEL_ORDER:
        return cancel_order(&w);
    case RS_MUTATION_UPDATE_PRODUCT:
        return update_product(&w);
    }
    return refuse(&w, "INTERNAL", NULL, "Internal server error.");
}

const char *write_refusal(const rs_write *w, const char *sqlstate, const char *detail, base_arena *arena,
                          const char **message, const gql_path **input_path)
{
    writer ww = {.arena = arena};
    const gql_path *input = step(&ww, NULL, "input", 0);
    *input_path = NULL;
    if (strcmp(sqlstate, "GQ001") == 0) {
        *message =
            "This idempotencyKey was used before for an order with other items: a new order needs a new "
            "key (a retry sends the same items with the same key).";
        *input_path = step(&ww, input, "idempotencyKey", 0);
        return "IDEMPOTENCY_CONFLICT";
    }
    if (strcmp(sqlstate, "GQ002") == 0) {
        if (!w->customer_named) {
            *message = "The caller's customer id names no customer.";
            return "FORBIDDEN";
        }
        *message = "There is no customer with this id.";
        *input_path = step(&ww, input, "customerId", 0);
        return "BAD_USER_INPUT";
    }
    if (strcmp(sqlstate, "GQ003") == 0) {
        char *end = NULL;
        unsigned long line = detail != NULL ? strtoul(detail, &end, 10) : 0;
        char text[160];
        if (line >= 1 && line <= w->nlines && end != NULL && *end == '\0') {
            snprintf(text, sizeof(text), "Line %lu: there is no product with id \"%.64s\".", line,
                     w->lines[line - 1]->text.ptr);
            *input_path = step(&ww, step(&ww, step(&ww, input, "items", 0), NULL, line - 1), "productId", 0);
        } else {
            snprintf(text, sizeof(text), "An item names a product that does not exist.");
        }
        *message = base_arena_strndup(arena, text, strlen(text));
        if (*message == NULL)
            *message = "An item names a product that does not exist.";
        return "BAD_USER_INPUT";
    }
    return NULL;
}

const char *write_not_found(const rs_write *w, base_arena *arena, const char **message,
                            const gql_path **input_path)
{
    writer ww = {.arena = arena};
    *input_path = step(&ww, NULL, w->mutation->key_arg, 0);
    *message = w->mutation->kind == RS_MUTATION_CANCEL_ORDER
                   ? "There is no order with this id (among the caller's orders)."
                   : "There is no product with this id.";
    return "NOT_FOUND";
}

const char write_key_purge_sql[] =
    "WITH gone AS (DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(SELECT ctid FROM idempotency_keys "
    "WHERE created_at < now() - $1::integer * interval '1 second' LIMIT 10000)) RETURNING 1) "
    "SELECT count(*) FROM gone";
