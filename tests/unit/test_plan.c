/*
 * Planning root fields into one SQL statement each: the statement text for a
 * few shapes, what reaches it as parameters, the visibility rule, the list
 * limits, cursors, and taking the answer out of a PGresult built in memory.
 * No server needed.
 */
#include "check.h"
#include "resolvers/sql/auth_scope.h"
#include "resolvers/sql/catalog.h"
#include "resolvers/cursor_key.h"
#include "resolvers/sql/cursor.h"
#include "schema/gql_exec.h"
#include "schema/gql_parser.h"
#include "schema/gql_validate.h"
#include "resolvers/sql/plan.h"
#include "resolvers/sql/render.h"
#include "resolvers/sql/sql_build.h"

#include <stdbool.h>
#include <stdlib.h>

static gql_schema *schema;

static const rs_principal admin = {.kind = RS_PRINCIPAL_ADMIN};
static const rs_principal anonymous = {.kind = RS_PRINCIPAL_ANONYMOUS};
static const rs_principal customer_4567 = {.kind = RS_PRINCIPAL_CUSTOMER, .customer_id = "4567"};

typedef struct planned {
    base_arena arena;
    gql_errors errors;
    gql_errors request_errors;
    gql_exec_ctx ctx;
    rs_plan plan;
    rs_plan_status status;
    const char *sql; /* "" unless planned into a statement */
} planned;

/* Plans the first root field of `query` as `who`, with list default 50 and maximum 200. */
static void plan_as(planned *p, const rs_principal *who, const char *query, const char *vars)
{
    base_arena_init(&p->arena, 0);
    gql_errors_init(&p->errors, &p->arena);
    gql_errors_init(&p->request_errors, &p->arena);
    gql_syntax_error syn;
    gql_document *doc = gql_parse(&p->arena, query, strlen(query), NULL, &syn);
    CHECK(doc != NULL);
    CHECK_INT(gql_validate(schema, doc, &p->errors), 0);
    json_t *v = vars ? json_loads(vars, JSON_ALLOW_NUL, NULL) /* as if a front door let NUL through */ : NULL;
    CHECK_INT(gql_exec_prepare(&p->ctx, schema, doc, NULL, v, &p->arena, &p->errors), 0);
    json_decref(v);
    gql_field_groups roots;
    CHECK_INT(gql_collect_fields(&p->ctx, schema->query, p->ctx.operation->selection_set, &roots), 0);
    gql_path path = {NULL, roots.first->response_key, 0};
    rs_plan_ctx pc = {&p->ctx, *who, 50, 200, &p->request_errors};
    p->status = plan_root(&pc, roots.first, catalog_root(roots.first->def->name), &path, &p->plan);
    p->sql = "";
    if (p->status == RS_PLAN_QUERY) {
        CHECK_INT(sql_build(&p->plan, &p->arena), 0);
        p->sql = p->plan.sql;
    }
}

static void plan_query(planned *p, const char *query, const char *vars)
{
    plan_as(p, &admin, query, vars);
}

static const char *param(const planned *p, unsigned n)
{
    return n >= 1 && n <= p->plan.nparams ? p->plan.params[n - 1] : "(no such parameter)";
}

static bool contains(const char *haystack, const char *needle)
{
    return strstr(haystack, needle) != NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static size_t occurrences(const char *haystack, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(haystack, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void one_object_one_statement(void)
{
    planned a, b, c;
    plan_query(&a, "{ Product(productId: \"notebook\") { productId productName price } }", NULL);
    CHECK_INT(a.status, RS_PLAN_QUERY);
    CHECK_STR(a.sql, "SELECT '{\"productId\":' || to_json(t0.product_id)::text || ',\"productName\":' || "
                     "to_json(t0.product_name)::text || ',\"price\":' || t0.price::text || '}' FROM (SELECT "
                     "t0.product_id, t0.product_name, t0.price FROM products t0 WHERE t0.product_id = "
                     "$1::text) t0");
    CHECK_INT(a.plan.nparams, 1);
    CHECK_STR(param(&a, 1), "notebook");
    /* Values are parameters: the same shape with another id (here a variable) is the same statement. */
    plan_query(&b, "query ($id: ID!) { Product(productId: $id) { productId productName price } }",
               "{\"id\": 42}");
    CHECK_STR(b.sql, a.sql);
    CHECK_STR(param(&b, 1), "42");
    /* Aliases are response keys, written by the statement; __typename is a literal; nullable is coalesced. */
    plan_query(&c, "{ Product(productId: \"n\") { __typename name: productName description } }", NULL);
    CHECK_STR(c.sql, "SELECT '{\"__typename\":\"Product\",\"name\":' || to_json(t0.product_name)::text || "
                     "',\"description\":' || coalesce(to_json(t0.description)::text, 'null') || '}' FROM "
                     "(SELECT t0.product_name, t0.description FROM products t0 WHERE t0.product_id = "
                     "$1::text) t0");
    base_arena_free(&a.arena);
    base_arena_free(&b.arena);
    base_arena_free(&c.arena);
}

static void nested_lists_are_laterals_of_one_statement(void)
{
    planned p;
    plan_query(&p,
               "{ Order(customerId: \"4567\") { orderId createdAt total items { quantity product { "
               "productName price } } } }",
               NULL);
    CHECK_INT(p.status, RS_PLAN_QUERY);
    CHECK_STR(
        p.sql,
        "SELECT '[' || array_to_string(ARRAY(SELECT '{\"orderId\":\"' || t0.order_id::text || "
        "'\",\"createdAt\":\"' || to_char(t0.created_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') || '\",\"total\":' || t0.total::text || ',\"items\":' || "
        "j1.j || '}' FROM orders t0 CROSS JOIN LATERAL (SELECT '[' || array_to_string(ARRAY(SELECT "
        "'{\"quantity\":' || t1.quantity::text || ',\"product\":' || coalesce(j2.j, 'null') || '}' FROM "
        "order_items t1 LEFT JOIN LATERAL (SELECT '{\"productName\":' || to_json(t2.product_name)::text || "
        "',\"price\":' || t2.price::text || '}' AS j FROM (SELECT t2.product_name, t2.price FROM products "
        "t2 WHERE t2.product_id = t1.product_id) t2) j2 ON true WHERE t1.order_id = t0.order_id ORDER BY "
        "t1.order_id, t1.order_item_id LIMIT $3::integer), ',') || ']' AS j) j1 WHERE t0.customer_id = "
        "$1::bigint ORDER BY t0.created_at DESC, t0.order_id DESC LIMIT $2::integer), ',') || ']'");
    /* The key, then each list's bound: lists without `first` return at most the list maximum. */
    CHECK_INT(p.plan.nparams, 3);
    CHECK_STR(param(&p, 1), "4567");
    CHECK_STR(param(&p, 2), "200");
    CHECK_STR(param(&p, 3), "200");
    base_arena_free(&p.arena);
}

static void fragments_directives_and_merging_at_every_level(void)
{
    planned p;
    plan_query(&p,
               "query ($skip: Boolean!) { Order(customerId: 1) { ...F items @skip(if: $skip) { quantity } "
               "o: orderId ... on Order { items { unitPrice } } } } "
               "fragment F on Order { orderId items { orderItemId product @include(if: false) { price } } }",
               "{\"skip\": false}");
    CHECK_INT(p.status, RS_PLAN_QUERY);
    /* orderId, then the merged items {orderItemId quantity unitPrice}, then o; no product join at all. */
    const rs_node *order = p.plan.root;
    CHECK_INT(order->noutputs, 3);
    CHECK_STR(order->outputs[0].key, "orderId");
    CHECK_STR(order->outputs[1].key, "items");
    CHECK_STR(order->outputs[2].key, "o");
    const rs_node *items = order->outputs[1].child;
    CHECK_INT(items->noutputs, 3);
    CHECK_STR(items->outputs[0].key, "orderItemId");
    CHECK_STR(items->outputs[1].key, "quantity");
    CHECK_STR(items->outputs[2].key, "unitPrice");
    CHECK(!contains(p.sql, "products"));
    CHECK(contains(p.sql, "'{\"orderItemId\":\"' || t1.order_item_id::text || '\",\"quantity\":' || "
                          "t1.quantity::text || ',\"unitPrice\":' || t1.unit_price::text || '}'"));
    base_arena_free(&p.arena);

    plan_query(&p, "query ($skip: Boolean!) { Order(customerId: 1) { items @skip(if: $skip) { quantity } } }",
               "{\"skip\": true}");
    CHECK(!contains(p.sql, "order_items"));
    CHECK(contains(p.sql, "ARRAY(SELECT '{}' FROM orders t0 WHERE"));
    base_arena_free(&p.arena);
}

static void visibility_is_a_predicate_of_the_statement(void)
{
    planned p;
    const char *q = "{ Order(customerId: \"4567\") { orderId customer { name } items { quantity } } }";
    /* An admin: no predicate. */
    plan_as(&p, &admin, q, NULL);
    CHECK(!contains(p.sql, "$3::bigint") && !contains(p.sql, "EXISTS"));
    base_arena_free(&p.arena);

    /* A customer: their own rows where private rows are entered; what hangs below shares their owner. */
    plan_as(&p, &customer_4567, q, NULL);
    CHECK_INT(p.status, RS_PLAN_QUERY);
    CHECK(contains(p.sql, " WHERE t0.customer_id = $2::bigint AND t0.customer_id = $1::bigint ORDER BY "));
    CHECK_INT(occurrences(p.sql, "$1::bigint"), 1);
    CHECK_STR(param(&p, 1), "4567");
    CHECK_STR(param(&p, 2), "4567");
    base_arena_free(&p.arena);

    /* Order items belong to a customer through their order. */
    plan_as(&p, &customer_4567, "{ OrderItem(order: \"52\") { quantity } }", NULL);
    CHECK(contains(p.sql,
                   "FROM order_items t0 WHERE t0.order_id = $2::bigint AND EXISTS (SELECT 1 FROM orders "
                   "own WHERE own.order_id = t0.order_id AND own.customer_id = $1::bigint) ORDER BY"));
    base_arena_free(&p.arena);

    /* Anonymous: no statement, null with UNAUTHENTICATED at the root field. */
    plan_as(&p, &anonymous, "{ customer(customerId: \"4567\") { name } }", NULL);
    CHECK_INT(p.status, RS_PLAN_VALUE);
    CHECK_STR(p.plan.value, "null");
    CHECK_INT(p.errors.count, 1);
    CHECK_STR(p.errors.first->code, "UNAUTHENTICATED");
    CHECK(p.errors.first->path != NULL && strcmp(p.errors.first->path->key, "customer") == 0);
    base_arena_free(&p.arena);

    /* A customer id that is not an id owns nothing. */
    rs_principal odd = {.kind = RS_PRINCIPAL_CUSTOMER, .customer_id = "4567 OR 1=1"};
    plan_as(&p, &odd, q, NULL);
    CHECK_INT(p.status, RS_PLAN_VALUE);
    CHECK_STR(p.errors.first->code, "FORBIDDEN");
    base_arena_free(&p.arena);

    /* Products are public. */
    plan_as(&p, &anonymous, "{ Product(productId: \"notebook\") { price } }", NULL);
    CHECK_INT(p.status, RS_PLAN_QUERY);
    base_arena_free(&p.arena);

    rs_principal given = {.kind = RS_PRINCIPAL_ANONYMOUS};
    CHECK_INT(auth_scope_principal(RS_AUTH_NONE, &given).kind, RS_PRINCIPAL_ADMIN);
    CHECK_INT(auth_scope_principal(RS_AUTH_JWT, &given).kind, RS_PRINCIPAL_ANONYMOUS);
}

static void ids_that_cannot_exist_match_nothing(void)
{
    planned p;
    plan_query(&p, "{ Order(customerId: \"' OR 1=1 --\") { orderId } }", NULL);
    CHECK_INT(p.status, RS_PLAN_QUERY);
    CHECK(p.plan.params[0] == NULL); /* SQL NULL: equal to nothing */
    base_arena_free(&p.arena);
    plan_query(&p, "{ Product(productId: \"' OR 1=1 --\") { price } }", NULL);
    CHECK_STR(param(&p, 1), "' OR 1=1 --");
    base_arena_free(&p.arena);

    CHECK(catalog_value_valid(RS_SQL_BIGINT, "0"));
    CHECK(catalog_value_valid(RS_SQL_BIGINT, "-12"));
    CHECK(catalog_value_valid(RS_SQL_BIGINT, "9223372036854775807"));
    CHECK(catalog_value_valid(RS_SQL_BIGINT, "-9223372036854775808"));
    CHECK(!catalog_value_valid(RS_SQL_BIGINT, "9223372036854775808"));
    CHECK(!catalog_value_valid(RS_SQL_BIGINT, "052"));
    CHECK(!catalog_value_valid(RS_SQL_BIGINT, "-0"));
    CHECK(!catalog_value_valid(RS_SQL_BIGINT, " 52"));
    CHECK(!catalog_value_valid(RS_SQL_BIGINT, "52 "));
    CHECK(!catalog_value_valid(RS_SQL_BIGINT, ""));
    CHECK(!catalog_value_valid(RS_SQL_BIGINT, "+1"));
    CHECK(!catalog_value_valid(RS_SQL_BIGINT, NULL));
}

static void pages_continue_after_a_cursor(void)
{
    planned p;
    /* The cursor of "p000040" as the statement writes endCursor: its base64url and a MAC of it. */
    char after[128], query[512];
    CHECK(cursor_encode("p000040", after, sizeof(after)) > 0);
    snprintf(query, sizeof(query),
             "{ products(first: 2, after: \"%s\", nameContains: \"50%%_off\\\\\") { items { productId } "
             "pageInfo { hasNextPage endCursor } } }",
             after);
    plan_query(&p, query, NULL);
    CHECK_INT(p.status, RS_PLAN_QUERY);
    base_buf expected;
    base_buf_init(&expected);
    base_buf_puts(
        &expected,
        "SELECT '{\"items\":' || coalesce('[' || string_agg('{\"productId\":' || "
        "to_json(t0.product_id)::text "
        "|| '}', ',' ORDER BY t0.product_id) FILTER (WHERE t0.gqld_row <= $3::integer) || ']', '[]') || "
        "',\"pageInfo\":{\"hasNextPage\":' || CASE WHEN count(*) > $3::integer AND $3::integer > 0 THEN "
        "'true' ELSE 'false' END || ',\"endCursor\":' || coalesce('\"' || ");
    cursor_sql(&expected, "coalesce((array_agg(t0.product_id ORDER BY t0.gqld_row DESC) FILTER (WHERE "
                          "t0.gqld_row <= $3::integer))[1], $1::text)");
    base_buf_puts(
        &expected,
        " || '\"', 'null') || '}}' FROM (SELECT t0.product_id, row_number() OVER (ORDER BY "
        "t0.product_id) AS gqld_row FROM products t0 WHERE t0.product_id > $1::text AND t0.product_name "
        "ILIKE $2::text ORDER BY t0.product_id LIMIT $3::integer + 1) t0");
    CHECK_STR(p.sql, expected.data);
    base_buf_free(&expected);
    CHECK_STR(param(&p, 1), "p000040");
    CHECK_STR(param(&p, 2), "%50\\%\\_off\\\\%"); /* the client's wildcards are plain characters */
    CHECK_STR(param(&p, 3), "2");
    base_arena_free(&p.arena);

    /* Without after and nameContains: the default page size of the schema, 20. */
    plan_query(&p, "{ products { pageInfo { hasNextPage } } }", NULL);
    CHECK(!contains(p.sql, "WHERE t0"));
    CHECK_STR(param(&p, 1), "20");
    base_arena_free(&p.arena);

    /* Customer.orders continues after an order of the same customer, by its position newest first. */
    plan_query(&p, "{ customer(customerId: 1) { orders(first: 2, after: \"9119\") { orderId } } }", NULL);
    CHECK(contains(p.sql,
                   "WHERE t1.customer_id = t0.customer_id AND (t1.created_at, t1.order_id) < (SELECT "
                   "a1.created_at, a1.order_id FROM orders a1 WHERE a1.order_id = $2::bigint AND "
                   "a1.customer_id = t0.customer_id) ORDER BY t1.created_at DESC, t1.order_id DESC LIMIT "
                   "$3::integer"));
    CHECK_STR(param(&p, 2), "9119");
    CHECK_STR(param(&p, 3), "2");
    base_arena_free(&p.arena);
    /* ... and its default size is the list default. */
    plan_query(&p, "{ customer(customerId: 1) { orders { orderId } } }", NULL);
    CHECK_STR(param(&p, 2), "50");
    base_arena_free(&p.arena);

    base_arena a;
    base_arena_init(&a, 0);
    char c[128];
    CHECK_STR(cursor_decode(&a, after), "p000040");
    CHECK(cursor_encode("notebook", c, sizeof(c)) > 0);
    CHECK_STR(cursor_decode(&a, c), "notebook");
    CHECK(cursor_encode("\xc3\xa9", c, sizeof(c)) > 0);
    CHECK_STR(cursor_decode(&a, c), "\xc3\xa9");
    CHECK(cursor_decode(&a, "") == NULL);
    CHECK(cursor_decode(&a, "a") == NULL); /* no whole byte */
    /* What cursors were before they carried a MAC, the bare base64url of a key: not from this server. */
    CHECK(cursor_decode(&a, "cDAwMDA0MA") == NULL);
    CHECK(cursor_decode(&a, "bm90ZWJvb2s") == NULL);
    /* Another key under the MAC of "p000040", the MAC changed, or cut short. */
    CHECK(cursor_encode("p000040", c, sizeof(c)) > 0);
    c[0] = 'd'; /* "p" -> "t" */
    CHECK(cursor_decode(&a, c) == NULL);
    CHECK(cursor_encode("p000040", c, sizeof(c)) > 0);
    c[strlen(c) - 2] = c[strlen(c) - 2] == 'A' ? 'B' : 'A';
    CHECK(cursor_decode(&a, c) == NULL);
    c[strlen(c) - 4] = '\0';
    CHECK(cursor_decode(&a, c) == NULL);
    CHECK(cursor_encode("\xff", c, sizeof(c)) > 0); /* 0xFF: not UTF-8, even with its MAC */
    CHECK(cursor_decode(&a, c) == NULL);
    CHECK(cursor_encode("p000040", c, 8) == 0); /* no room */
    /* Another secret, or another schema: another key, and the old cursors are refused. */
    rs_cursor_key_set("a secret", "");
    CHECK(cursor_decode(&a, after) == NULL);
    CHECK(cursor_encode("p000040", c, sizeof(c)) > 0);
    CHECK_STR(cursor_decode(&a, c), "p000040");
    rs_cursor_key_set("a secret", "another schema");
    CHECK(cursor_decode(&a, c) == NULL);
    rs_cursor_key_set("", "");
    CHECK_STR(cursor_decode(&a, after), "p000040");
    base_arena_free(&a);
}

/* PostgreSQL text holds no NUL: a "\u0000" in a string argument is a request error, never the prefix before
 * it. */
static void strings_holding_nul_are_request_errors(void)
{
    static const struct {
        const char *query, *vars, *message;
    } cases[] = {
        {"{ Product(productId: \"notebook\\u0000junk\") { productId } }", NULL,
         "Argument \"productId\" of field \"Query.Product\" holds a NUL character (\\u0000), which no value "
         "can "
         "hold."},
        {"query ($id: ID!) { Product(productId: $id) { productId } }", "{\"id\": \"notebook\\u0000junk\"}",
         "Argument \"productId\" of field \"Query.Product\" holds a NUL character (\\u0000), which no value "
         "can "
         "hold."},
        {"{ customer(customerId: \"4567\\u0000zzz\") { customerId } }", NULL,
         "Argument \"customerId\" of field \"Query.customer\" holds a NUL character (\\u0000), which no "
         "value can "
         "hold."},
        {"{ products(nameContains: \"\\u0000\") { items { productId } } }", NULL,
         "Argument \"nameContains\" of field \"Query.products\" holds a NUL character (\\u0000), which no "
         "value "
         "can hold."},
        {"{ products(after: \"x\\u0000\") { items { productId } } }", NULL,
         "Argument \"after\" of field \"Query.products\" holds a NUL character (\\u0000), which no value can "
         "hold."},
        {"{ customer(customerId: 1) { orders(after: \"52\\u0000\") { orderId } } }", NULL,
         "Argument \"after\" of field \"Customer.orders\" holds a NUL character (\\u0000), which no value "
         "can "
         "hold."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        planned p;
        plan_query(&p, cases[i].query, cases[i].vars);
        CHECK_INT(p.status, RS_PLAN_REQUEST_ERROR);
        CHECK(p.request_errors.first != NULL);
        if (p.request_errors.first != NULL)
            CHECK_STR(p.request_errors.first->message, cases[i].message);
        base_arena_free(&p.arena);
    }
    /* A block string has no escapes: its \u0000 is six characters, a key like any other. */
    planned p;
    plan_query(&p, "{ Product(productId: \"\"\"notebook\\u0000junk\"\"\") { productId } }", NULL);
    CHECK_INT(p.status, RS_PLAN_QUERY);
    CHECK_STR(param(&p, 1), "notebook\\u0000junk");
    base_arena_free(&p.arena);
}

static void lists_beyond_the_maximum_are_request_errors(void)
{
    planned p;
    plan_query(&p, "{ products(first: 1000) { items { productId } } }", NULL);
    CHECK_INT(p.status, RS_PLAN_REQUEST_ERROR);
    CHECK_INT(p.request_errors.count, 1);
    CHECK_STR(p.request_errors.first->message,
              "Argument \"first\" of field \"Query.products\" is 1000, above the maximum list size of 200.");
    CHECK_INT(p.request_errors.first->locs[0].column, 12); /* at the argument */
    CHECK(p.request_errors.first->path == NULL);
    base_arena_free(&p.arena);

    plan_query(&p, "query ($n: Int) { customer(customerId: 1) { orders(first: $n) { orderId } } }",
               "{\"n\": -1}");
    CHECK_INT(p.status, RS_PLAN_REQUEST_ERROR);
    CHECK_STR(p.request_errors.first->message,
              "Argument \"first\" of field \"Customer.orders\" must not be negative; got -1.");
    base_arena_free(&p.arena);

    plan_query(&p, "{ products(first: 200) { items { productId } } }", NULL);
    CHECK_INT(p.status, RS_PLAN_QUERY);
    base_arena_free(&p.arena);

    plan_query(&p, "{ products(after: \"not a cursor\") { items { productId } } }", NULL);
    CHECK_INT(p.status, RS_PLAN_REQUEST_ERROR);
    CHECK_STR(p.request_errors.first->message,
              "Argument \"after\" of field \"Query.products\" is not a cursor from this server.");
    base_arena_free(&p.arena);
}

static PGresult *make_result(int nrows, const char *value)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc attr;
    memset(&attr, 0, sizeof(attr));
    attr.name = (char *)"j";
    PQsetResultAttrs(res, 1, &attr);
    for (int r = 0; r < nrows; r++)
        PQsetvalue(res, r, 0, (char *)value, value ? (int)strlen(value) : -1);
    return res;
}

/* Renders `value` as the answer of the first root field of `query` as `who`; returns the JSON or NULL. */
static const char *render_for(planned *p, const rs_principal *who, const char *query, int nrows,
                              const char *value)
{
    plan_as(p, who, query, NULL);
    PGresult *res = make_result(nrows, value);
    gql_path path = {NULL, p->plan.root ? "root" : "", 0};
    const char *json = NULL;
    size_t len = 0;
    db_result r = {.status = DB_OK, .res = res, .rows = PQntuples(res)};
    int rc = render_value(&p->plan, &r, &path, &p->errors, &p->arena, &json, &len);
    PQclear(res);
    return rc == 0 && json != NULL && strlen(json) == len ? json : NULL;
}

/* The same as an admin. */
static const char *render_as(planned *p, const char *query, int nrows, const char *value)
{
    return render_for(p, &admin, query, nrows, value);
}

static const char *error_path(const gql_error *e, char *buf, size_t size)
{
    const char *keys[32];
    size_t idx[32], n = 0;
    for (const gql_path *p = e ? e->path : NULL; p != NULL && n < 32; p = p->parent, n++) {
        keys[n] = p->key;
        idx[n] = p->index;
    }
    size_t used = 0;
    buf[0] = '\0';
    while (n-- > 0 && used < size)
        used += (size_t)(keys[n] ? snprintf(buf + used, size - used, "/%s", keys[n])
                                 : snprintf(buf + used, size - used, "/%zu", idx[n]));
    return buf;
}

static void answers_are_spliced_as_they_are(void)
{
    planned p;
    char path[256];
    const char *order = "{ Order(customerId: 1) { orderId items { unitPrice product { price } } } }";
    const char *text = "[{\"orderId\":\"1\",\"items\":[{\"unitPrice\":1.50,\"product\":{\"price\":1.50}}]}]";
    CHECK_STR(render_as(&p, order, 1, text), text);
    CHECK_INT(p.errors.count, 0);
    base_arena_free(&p.arena);
    CHECK_STR(render_as(&p, "{ Product(productId: \"x\") { price } }", 0, NULL), "null"); /* no such row */
    base_arena_free(&p.arena);
    CHECK(render_as(&p, "{ Product(productId: \"x\") { price } }", 1, NULL) == NULL); /* half an answer */
    base_arena_free(&p.arena);
    CHECK(render_as(&p, "{ Product(productId: \"x\") { price } }", 2, "{}") == NULL);
    base_arena_free(&p.arena);

    /* A NaN deep down: the error at its path, null up to the nearest nullable position (here the root list).
     */
    CHECK_STR(
        render_as(
            &p, order, 1,
            "[{\"orderId\":\"1\",\"items\":[{\"unitPrice\":1.50,\"product\":{\"price\":2}},{\"unitPrice\":"
            "1.50,\"product\":{\"price\":NaN}}]}]"),
        "null");
    CHECK_INT(p.errors.count, 1);
    CHECK_STR(p.errors.first->message, "Float cannot represent value: NaN");
    CHECK_STR(error_path(p.errors.first, path, sizeof(path)), "/root/0/items/1/product/price");
    CHECK_INT(p.errors.first->locs[0].column, strstr(order, "price }") - order + 1);
    base_arena_free(&p.arena);

    /* A nullable root stops it; NaN in a string is text. */
    CHECK_STR(render_as(&p, "{ customer(customerId: 1) { name orders { orderRef total } } }", 1,
                        "{\"name\":\"NaN, \\\"Infinity\",\"orders\":[{\"orderRef\":1,\"total\":-Infinity}]}"),
              "null");
    CHECK_STR(p.errors.first->message, "Float cannot represent value: -Infinity");
    CHECK_STR(error_path(p.errors.first, path, sizeof(path)), "/root/orders/0/total");
    base_arena_free(&p.arena);
    CHECK_STR(render_as(&p, "{ customer(customerId: 1) { name orders { total } } }", 1,
                        "{\"name\":\"NaN\",\"orders\":[{\"total\":1.00}]}"),
              "{\"name\":\"NaN\",\"orders\":[{\"total\":1.00}]}");
    CHECK_INT(p.errors.count, 0);
    base_arena_free(&p.arena);

    /* Pages: an item nulls the items list, which nulls the (non-null) page. */
    CHECK_STR(
        render_as(&p, "{ products { pageInfo { hasNextPage } items { productId price } } }", 1,
                  "{\"pageInfo\":{\"hasNextPage\":false},\"items\":[{\"productId\":\"NaN\",\"price\":NaN}]}"),
        "null");
    CHECK_STR(error_path(p.errors.first, path, sizeof(path)), "/root/items/0/price");
    base_arena_free(&p.arena);

    /* What the plan does not describe is refused, not spliced. */
    CHECK(render_as(&p, order, 1, "[{\"orderId\":\"1\",\"items\":NaN}]") == NULL);
    base_arena_free(&p.arena);
    CHECK(render_as(&p, order, 1, "[{\"orderId\":\"1\",\"items\":[]},NaN]") == NULL);
    base_arena_free(&p.arena);
}

/*
 * A nested field of a type the principal's scopes do not reach (JWT_REQUIRED_SCOPES): the rest of the root
 * field is read, the refused table is not, and the error is at the nested field's path and location.
 */
static void refused_nested_fields_are_reported_where_they_are(void)
{
    planned p;
    char path[256];
    const rs_principal no_orders = {
        .kind = RS_PRINCIPAL_CUSTOMER, .customer_id = "4567", .scope_denied = " Order "};
    const char *q = "{ customer(customerId: \"4567\") { name\n  orders { orderId } } }";
    plan_as(&p, &no_orders, q, NULL);
    CHECK_INT(p.status, RS_PLAN_QUERY);
    CHECK_INT(p.plan.denied, 1);
    CHECK(contains(p.sql, "',\"orders\":null}'"));
    CHECK(!contains(p.sql, "orders t")); /* the refused table is not read */
    base_arena_free(&p.arena);
    /* orders is [Order!]!: its null nulls the (nullable) customer. */
    CHECK_STR(render_for(&p, &no_orders, q, 1, "{\"name\":\"Niklaus\",\"orders\":null}"), "null");
    CHECK_INT(p.errors.count, 1);
    CHECK_STR(p.errors.first->code, "FORBIDDEN");
    CHECK_STR(p.errors.first->message, "Not allowed to read this field.");
    CHECK_STR(error_path(p.errors.first, path, sizeof(path)), "/root/orders");
    CHECK_INT(p.errors.first->locs[0].line, 2);
    CHECK_INT(p.errors.first->locs[0].column, 3);
    base_arena_free(&p.arena);
    /* No such customer: the field is never reached, so there is nothing to report. */
    CHECK_STR(render_for(&p, &no_orders, q, 0, NULL), "null");
    CHECK_INT(p.errors.count, 0);
    base_arena_free(&p.arena);

    /* Below a list: at the item's index; once the first nulls the list, the others are not reported. */
    const rs_principal no_customers = {
        .kind = RS_PRINCIPAL_CUSTOMER, .customer_id = "4567", .scope_denied = " Customer "};
    const char *orders = "{ Order(customerId: \"4567\") { orderId customer { name } } }";
    CHECK_STR(render_for(&p, &no_customers, orders, 1,
                         "[{\"orderId\":\"52\",\"customer\":null},{\"orderId\":\"53\",\"customer\":null}]"),
              "null");
    CHECK_INT(p.errors.count, 1);
    CHECK_STR(error_path(p.errors.first, path, sizeof(path)), "/root/0/customer");
    CHECK_INT(p.errors.first->locs[0].column, strstr(orders, "customer {") - orders + 1);
    base_arena_free(&p.arena);
    CHECK_STR(render_for(&p, &no_customers, orders, 1, "[]"), "[]");
    CHECK_INT(p.errors.count, 0);
    base_arena_free(&p.arena);

    /* The root itself refused: no statement, the error at the root field, as before. */
    plan_as(&p, &no_customers, "{ customer(customerId: \"4567\") { name } }", NULL);
    CHECK_INT(p.status, RS_PLAN_VALUE);
    CHECK_STR(error_path(p.errors.first, path, sizeof(path)), "/customer");
    base_arena_free(&p.arena);
}

/* Runs the statement of `query` as `who` against the seeded test database; the JSON, or NULL. */
static const char *run_as(PGconn *conn, planned *p, const rs_principal *who, const char *query)
{
    plan_as(p, who, query, NULL);
    if (p->status != RS_PLAN_QUERY)
        return NULL;
    PGresult *res = PQexecParams(conn, p->sql, (int)p->plan.nparams, NULL, p->plan.params, NULL, NULL, 0);
    const char *json = NULL;
    size_t len;
    gql_path path = {NULL, "root", 0};
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fprintf(stderr, "%s\n%s\n", PQresultErrorMessage(res), p->sql);
    else if (render_value(&p->plan, &(db_result){.status = DB_OK, .res = res, .rows = PQntuples(res)}, &path,
                          &p->errors, &p->arena, &json, &len) != 0)
        json = NULL;
    PQclear(res);
    return json;
}

/* The statements run, and the rule holds in PostgreSQL itself (when ./dev test provides one). */
static void customers_read_only_their_own_rows(void)
{
    const char *url = getenv("GQLD_TEST_DATABASE_URL");
    if (url == NULL) {
        fprintf(stderr, "GQLD_TEST_DATABASE_URL is not set: statements not run against PostgreSQL\n");
        return;
    }
    PGconn *conn = PQconnectdb(url);
    CHECK(PQstatus(conn) == CONNECTION_OK);
    PGresult *other =
        PQexec(conn, "SELECT o.order_id, o.customer_id FROM orders o WHERE o.customer_id <> 4567 "
                     "ORDER BY o.order_id LIMIT 1");
    CHECK(PQntuples(other) == 1);
    char q[256];
    planned p;

    CHECK_STR(run_as(conn, &p, &customer_4567, "{ Order(customerId: 4567) { orderId } }"),
              "[{\"orderId\":\"52\"}]");
    base_arena_free(&p.arena);
    snprintf(q, sizeof(q), "{ Order(customerId: %s) { orderId } }", PQgetvalue(other, 0, 1));
    CHECK_STR(run_as(conn, &p, &customer_4567, q), "[]");
    base_arena_free(&p.arena);
    CHECK(strcmp(run_as(conn, &p, &admin, q), "[]") != 0);
    base_arena_free(&p.arena);

    const char *items =
        run_as(conn, &p, &customer_4567, "{ OrderItem(order: 52) { product { productId } } }");
    CHECK(starts_with(items, "[{\"product\":{\"productId\":\"notebook\"}}"));
    base_arena_free(&p.arena);
    snprintf(q, sizeof(q), "{ OrderItem(order: %s) { orderItemId } }", PQgetvalue(other, 0, 0));
    CHECK_STR(run_as(conn, &p, &customer_4567, q), "[]");
    base_arena_free(&p.arena);
    CHECK(strcmp(run_as(conn, &p, &admin, q), "[]") != 0);
    base_arena_free(&p.arena);

    snprintf(q, sizeof(q), "{ customer(customerId: %s) { name } }", PQgetvalue(other, 0, 1));
    CHECK_STR(run_as(conn, &p, &customer_4567, q), "null");
    base_arena_free(&p.arena);
    const char *own =
        run_as(conn, &p, &customer_4567,
               "{ customer(customerId: 4567) { orders { items { order { customer { customerId } } } } } }");
    CHECK(starts_with(own, "{\"orders\":[{\"items\":[{\"order\":{\"customer\":{\"customerId\":\"4567\"}}}"));
    CHECK(own != NULL && occurrences(own, "\"customerId\":\"4567\"") == occurrences(own, "\"customerId\""));
    base_arena_free(&p.arena);
    PQclear(other);
    PQfinish(conn);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL)
        return 1;
    static char sdl[1 << 16];
    size_t len = fread(sdl, 1, sizeof(sdl) - 1, f);
    fclose(f);
    char err[256];
    schema = gql_schema_load(sdl, len, "schema.graphql", err, sizeof(err));
    if (schema == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    CHECK_INT(catalog_check(schema, err, sizeof(err)), 0);
    one_object_one_statement();
    nested_lists_are_laterals_of_one_statement();
    fragments_directives_and_merging_at_every_level();
    visibility_is_a_predicate_of_the_statement();
    ids_that_cannot_exist_match_nothing();
    pages_continue_after_a_cursor();
    strings_holding_nul_are_request_errors();
    lists_beyond_the_maximum_are_request_errors();
    answers_are_spliced_as_they_are();
    refused_nested_fields_are_reported_where_they_are();
    customers_read_only_their_own_rows();
    gql_schema_free(schema);
    return CHECK_EXIT();
}
