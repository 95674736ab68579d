/* Validation and execution preparation against the served schema (schema/schema.graphql). */
#include "check.h"
#include "schema/gql_exec.h"
#include "schema/gql_parser.h"
#include "schema/gql_schema.h"
#include "schema/gql_validate.h"

#include <stdlib.h>

static gql_schema *schema;

/* Validates `query`; returns the first error message ("" when valid) in a static buffer, and the count. */
static const char *first_error(const char *query, size_t *count, gql_loc *loc)
{
    static char message[512];
    base_arena a;
    base_arena_init(&a, 0);
    gql_errors errors;
    gql_errors_init(&errors, &a);
    gql_syntax_error syn;
    gql_document *doc = gql_parse(&a, query, strlen(query), NULL, &syn);
    message[0] = '\0';
    if (doc == NULL) {
        snprintf(message, sizeof(message), "%s", syn.message);
        *count = 1;
        if (loc)
            *loc = syn.loc;
    } else {
        *count = gql_validate(schema, doc, &errors);
        if (errors.first != NULL) {
            snprintf(message, sizeof(message), "%s", errors.first->message);
            if (loc)
                *loc = errors.first->locs[0];
        }
    }
    base_arena_free(&a);
    return message;
}

static void valid(const char *query)
{
    size_t n;
    const char *msg = first_error(query, &n, NULL);
    if (n != 0)
        fprintf(stderr, "expected valid: %s\n  got: %s\n", query, msg);
    CHECK_INT(n, 0);
}

static void invalid(const char *query, const char *want, unsigned line, unsigned column)
{
    size_t n;
    gql_loc loc = {0, 0, 0};
    CHECK_STR(first_error(query, &n, &loc), want);
    CHECK(n >= 1);
    CHECK_INT(loc.line, line);
    CHECK_INT(loc.column, column);
}

static void schema_errors(void)
{
    char err[256];
    const char *bad = "type Query {\n  a: Nope\n}\n";
    CHECK(gql_schema_load(bad, strlen(bad), "x.graphql", err, sizeof(err)) == NULL);
    CHECK_STR(err, "x.graphql:2:6: Unknown type \"Nope\".");
    const char *syntax = "type Query {\n  a: String\n";
    CHECK(gql_schema_load(syntax, strlen(syntax), "x.graphql", err, sizeof(err)) == NULL);
    CHECK(strncmp(err, "x.graphql:3:1: Syntax Error:", 28) == 0);
    const char *dup = "type Query { a: String }\ntype Query { b: String }";
    CHECK(gql_schema_load(dup, strlen(dup), "x.graphql", err, sizeof(err)) == NULL);
    CHECK_STR(err, "x.graphql:2:6: There can be only one type named \"Query\".");
}

static void rules(void)
{
    valid("{ Product(productId: \"notebook\") { productId productName price description __typename } }");
    valid("query P($id: ID!) { Product(productId: $id) { productName } }");
    valid("{ a: Product(productId: 1) { n: productName } b: Product(productId: \"x\") { price } }");
    valid("query { ...Q } fragment Q on Query { Product(productId: \"x\") { ... on Product { price } } }");
    valid("query ($skip: Boolean!) { Product(productId: \"x\") @skip(if: $skip) { price @include(if: true) } "
          "}");
    valid("{ __typename }");

    invalid("{ Product(productId: \"notebook\") { nope } }",
            "Cannot query field \"nope\" on type \"Product\".", 1, 36);
    invalid("{ Product { productId } }",
            "Field \"Product\" argument \"productId\" of type \"ID!\" is required, but it was not provided.",
            1, 3);
    invalid("{ Product(productId: \"n\") }",
            "Field \"Product\" of type \"Product\" must have a selection of subfields. Did you mean "
            "\"Product { ... "
            "}\"?",
            1, 3);
    invalid("{ Product(productId: \"n\") { price { x } } }",
            "Field \"price\" must not have a selection since type \"Float!\" has no subfields.", 1, 35);
    invalid("{ Product(productId: \"n\", color: RED) { price } }",
            "Unknown argument \"color\" on field \"Query.Product\".", 1, 27);
    invalid("{ Product(productId: 1.5) { price } }",
            "ID cannot represent a non-string and non-integer value: 1.5", 1, 22);
    invalid("{ Product(productId: null) { price } }", "Expected value of type \"ID!\", found null.", 1, 22);
    invalid("query { Product(productId: $id) { price } }", "Variable \"$id\" is not defined.", 1, 28);
    invalid("query Q { Product(productId: $id) { price } }",
            "Variable \"$id\" is not defined by operation \"Q\".", 1, 30);
    invalid("{ ...Missing }", "Unknown fragment \"Missing\".", 1, 6);
    invalid("query A { __typename } query A { __typename }", "There can be only one operation named \"A\".",
            1, 7);
    invalid("{ __typename } query B { __typename }",
            "This anonymous operation must be the only defined operation.", 1, 1);
    invalid("type T { a: String }", "The \"T\" definition is not executable.", 1, 1);
    invalid("{ Product(productId: \"n\") @deferred { price } }", "Unknown directive \"@deferred\".", 1, 27);
    invalid("{ __typename @skip }",
            "Directive \"@skip\" argument \"if\" of type \"Boolean!\" is required, but it was not provided.",
            1, 14);
    invalid("fragment F on Float { x } { ...F }",
            "Fragment \"F\" cannot condition on non composite type \"Float\".", 1, 15);
    invalid("query ($x: Nope) { __typename }", "Unknown type \"Nope\".", 1, 12);
    invalid("{ Product(productId: \"a\", productId: \"b\") { price } }",
            "There can be only one argument named \"productId\".", 1, 11);
}

static int prepare(const char *query, const char *operation, const char *variables_json, char *first,
                   size_t size)
{
    base_arena a;
    base_arena_init(&a, 0);
    gql_errors errors;
    gql_errors_init(&errors, &a);
    gql_syntax_error syn;
    gql_document *doc = gql_parse(&a, query, strlen(query), NULL, &syn);
    json_t *vars = variables_json ? json_loads(variables_json, 0, NULL) : NULL;
    gql_exec_ctx ctx;
    int rc = doc ? gql_exec_prepare(&ctx, schema, doc, operation, vars, &a, &errors) : -2;
    snprintf(first, size, "%s", errors.first ? errors.first->message : "");
    json_decref(vars);
    base_arena_free(&a);
    return rc;
}

static void preparation(void)
{
    char msg[512];
    const char *q = "query P($id: ID!) { Product(productId: $id) { price } }";
    CHECK_INT(prepare(q, NULL, "{\"id\":\"x\"}", msg, sizeof(msg)), 0);
    CHECK_INT(prepare(q, NULL, "{\"id\":42}", msg, sizeof(msg)), 0);
    CHECK_INT(prepare(q, NULL, "{}", msg, sizeof(msg)), -1);
    CHECK_STR(msg, "Variable \"$id\" of required type \"ID!\" was not provided.");
    CHECK_INT(prepare(q, NULL, "{\"id\":null}", msg, sizeof(msg)), -1);
    CHECK_STR(msg, "Variable \"$id\" of non-null type \"ID!\" must not be null.");
    CHECK_INT(prepare(q, NULL, "{\"id\":true}", msg, sizeof(msg)), -1);
    CHECK_STR(msg, "Variable \"$id\" got invalid value true; ID cannot represent value: true");
    CHECK_INT(prepare(q, "Nope", NULL, msg, sizeof(msg)), -1);
    CHECK_STR(msg, "Unknown operation named \"Nope\".");
    const char *two = "query A { __typename } query B { __typename }";
    CHECK_INT(prepare(two, NULL, NULL, msg, sizeof(msg)), -1);
    CHECK_STR(msg, "Must provide operation name if query contains multiple operations.");
    CHECK_INT(prepare(two, "B", NULL, msg, sizeof(msg)), 0);
    CHECK_INT(prepare("subscription { x }", NULL, NULL, msg, sizeof(msg)), -1);
    CHECK_STR(msg, "Schema is not configured to execute subscription operation.");
    CHECK_INT(prepare("mutation { __typename }", NULL, NULL, msg, sizeof(msg)), 0);
    CHECK_INT(prepare("query ($d: ID = \"dflt\") { __typename }", NULL, NULL, msg, sizeof(msg)), 0);
}

/* GQLD_SUGGESTIONS=off, or introspection off: the same errors without any "Did you mean ...?". */
static void without_suggestions(void)
{
    static const struct {
        const char *query, *with, *without;
    } cases[] = {
        {"{ Prodct(productId: \"x\") { productId } }",
         "Cannot query field \"Prodct\" on type \"Query\". Did you mean \"Product\" or \"products\"?",
         "Cannot query field \"Prodct\" on type \"Query\"."},
        {"{ Product(productID: \"x\") { productId } }",
         "Unknown argument \"productID\" on field \"Query.Product\". Did you mean \"productId\"?",
         "Unknown argument \"productID\" on field \"Query.Product\"."},
        {"query($x: Strin) { __typename }", "Unknown type \"Strin\". Did you mean \"String\"?",
         "Unknown type \"Strin\"."},
        {"{ Product(productId: \"x\") }", NULL,
         "Field \"Product\" of type \"Product\" must have a selection of subfields."},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int off = 0; off < 2; off++) {
            base_arena a;
            base_arena_init(&a, 0);
            gql_errors errors;
            gql_errors_init(&errors, &a);
            gql_document *doc = gql_parse(&a, cases[i].query, strlen(cases[i].query), NULL, NULL);
            gql_validate_options options = {.no_suggestions = off};
            CHECK(doc != NULL && gql_validate_with(schema, doc, &options, &errors) > 0);
            if (off)
                CHECK_STR(errors.first->message, cases[i].without);
            else if (cases[i].with != NULL)
                CHECK_STR(errors.first->message, cases[i].with);
            if (off)
                CHECK(strstr(errors.first->message, "Did you mean") == NULL);
            base_arena_free(&a);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_validate schema.graphql\n");
        return 2;
    }
    size_t len;
    char *sdl = check_read_file(argv[1], &len);
    char err[256];
    schema = sdl ? gql_schema_load(sdl, len, "schema.graphql", err, sizeof(err)) : NULL;
    if (schema == NULL) {
        fprintf(stderr, "cannot load %s: %s\n", argv[1], sdl ? err : "unreadable");
        return 1;
    }
    const gql_fielddef *product = gql_type_field(schema->query, "Product", 7);
    CHECK(product != NULL && product->nargs == 1);
    schema_errors();
    rules();
    preparation();
    without_suggestions();
    gql_schema_free(schema);
    free(sdl);
    return CHECK_EXIT();
}
