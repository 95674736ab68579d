/* Planning root fields into SQL and rendering rows back, with PGresults built in memory. */
#include "check.h"
#include "catalog.h"
#include "gql_exec.h"
#include "gql_parser.h"
#include "gql_validate.h"
#include "plan.h"
#include "render.h"

#include <stdlib.h>

static gql_schema *schema;

typedef struct planned {
    gql_arena arena;
    gql_errors errors;
    gql_exec_ctx ctx;
    rs_plan plan;
    int rc;
} planned;

static void plan_query(planned *p, const char *query, const char *vars)
{
    gql_arena_init(&p->arena, 0);
    gql_errors_init(&p->errors, &p->arena);
    gql_syntax_error syn;
    gql_document *doc = gql_parse(&p->arena, query, strlen(query), NULL, &syn);
    CHECK(doc != NULL);
    CHECK_INT(gql_validate(schema, doc, &p->errors), 0);
    json_t *v = vars ? json_loads(vars, 0, NULL) : NULL;
    CHECK_INT(gql_exec_prepare(&p->ctx, schema, doc, NULL, v, &p->arena, &p->errors), 0);
    json_decref(v);
    gql_field_groups roots;
    CHECK_INT(gql_collect_fields(&p->ctx, schema->query, p->ctx.operation->selection_set, &roots), 0);
    gql_path path = {NULL, roots.first->response_key, 0};
    p->rc = plan_root_lookup(&p->ctx, roots.first, catalog_root(roots.first->def->name), &path, &p->plan);
}

static PGresult *make_result(int ncols, const char *const *names, const char *const *values)
{
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    PGresAttDesc attrs[8];
    memset(attrs, 0, sizeof(attrs));
    for (int i = 0; i < ncols; i++)
        attrs[i].name = (char *)names[i];
    PQsetResultAttrs(res, ncols, attrs);
    for (int i = 0; i < ncols; i++)
        PQsetvalue(res, 0, i, (char *)values[i], values[i] ? (int)strlen(values[i]) : -1);
    return res;
}

static void sql_follows_selection(void)
{
    planned a, b, c;
    plan_query(&a, "{ Product(productId: \"notebook\") { productId productName price } }", NULL);
    CHECK_INT(a.rc, 0);
    CHECK_STR(a.plan.sql, "SELECT product_id, product_name, price FROM products WHERE product_id = $1::text");
    CHECK_STR(a.plan.params[0], "notebook");
    /* Aliases, order and repetition do not change the statement: one prepared plan serves them all. */
    plan_query(&b, "query ($id: ID!) { p: Product(productId: $id) { price x: productName productId price } }",
               "{\"id\": 42}");
    CHECK_INT(b.rc, 0);
    CHECK_STR(b.plan.sql, a.plan.sql);
    CHECK_STR(b.plan.params[0], "42");
    CHECK_INT(b.plan.noutputs, 3);
    /* Only __typename: existence still decides null, no column is read. */
    plan_query(&c, "{ Product(productId: \"n\") { __typename } }", NULL);
    CHECK_STR(c.plan.sql, "SELECT 1 FROM products WHERE product_id = $1::text");
    gql_arena_free(&a.arena);
    gql_arena_free(&b.arena);
    gql_arena_free(&c.arena);
}

static void rows_render_as_json(void)
{
    planned p;
    plan_query(&p, "{ Product(productId: \"n\") { __typename name: productName price description } }", NULL);
    const char *names[] = {"product_name", "price", "description"};
    const char *values[] = {"say \"hi\"\\\n\x01 é", "19.99", NULL};
    PGresult *res = make_result(3, names, values);
    gql_buf out;
    gql_buf_init(&out);
    gql_path path = {NULL, "Product", 0};
    CHECK_INT(render_row(&p.plan, res, 0, &path, &p.errors, &out), 0);
    CHECK_STR(out.data,
              "{\"__typename\":\"Product\",\"name\":\"say \\\"hi\\\"\\\\\\n\\u0001 é\",\"price\":19.99,"
              "\"description\":null}");
    PQclear(res);

    /* NaN is not JSON: a non-null Float that cannot be represented nulls its parent, with an error at its
     * path. */
    const char *nan_values[] = {"x", "NaN", NULL};
    res = make_result(3, names, nan_values);
    out.len = 0;
    CHECK_INT(render_row(&p.plan, res, 0, &path, &p.errors, &out), -1);
    CHECK_INT(p.errors.count, 1);
    CHECK_STR(p.errors.first->message, "Float cannot represent value: NaN");
    gql_buf err;
    gql_buf_init(&err);
    gql_errors_write(&p.errors, &err);
    CHECK_STR(err.data,
              "[{\"message\":\"Float cannot represent value: NaN\",\"locations\":[{\"line\":1,\"column\":"
              "58}],\"path\":[\"Product\",\"price\"]}]");
    PQclear(res);

    /* A null in a non-null column is the spec's null propagation case too. */
    const char *null_values[] = {NULL, "1.00", NULL};
    res = make_result(3, names, null_values);
    out.len = 0;
    CHECK_INT(render_row(&p.plan, res, 0, &path, &p.errors, &out), -1);
    CHECK_STR(p.errors.last->message, "Cannot return null for non-nullable field Product.productName.");
    PQclear(res);
    gql_buf_free(&out);
    gql_buf_free(&err);
    gql_arena_free(&p.arena);
}

static void null_key_needs_no_query(void)
{
    planned p;
    plan_query(&p, "query ($id: ID) { Product(productId: $id) { price } }", "{}");
    /* An unprovided variable for a required argument is a field error at the field's path (spec 6.4.1). */
    CHECK_INT(p.rc, -1);
    CHECK_STR(p.errors.first->message,
              "Argument \"productId\" of required type \"ID!\" was provided the variable "
              "\"$id\" which was not provided a runtime value.");
    CHECK(p.errors.first->path != NULL && strcmp(p.errors.first->path->key, "Product") == 0);
    gql_arena_free(&p.arena);
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
    sql_follows_selection();
    rows_render_as_json();
    null_key_needs_no_query();
    gql_schema_free(schema);
    return CHECK_EXIT();
}
