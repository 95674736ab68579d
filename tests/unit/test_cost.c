/*
 * Static query cost (schema/gql_cost.h): the IBM GraphQL Cost Directives
 * specification's own examples, its schema rules, fragments, and the costs of
 * this schema's queries: the README's, the benchmark's, and the nested
 * `items { order {` attack of issue 17 (argv[1] is schema/schema.graphql).
 */
#include "check.h"
#include "schema/gql_cost.h"
#include "schema/gql_parser.h"
#include "schema/gql_validate.h"

#include <math.h>
#include <stdlib.h>

#define DIRECTIVES                                                                                           \
    "directive @cost(weight: String!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | "                   \
    "INPUT_FIELD_DEFINITION | OBJECT | SCALAR\n"                                                             \
    "directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], "            \
    "requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION\n"

/* The specification's examples, in one schema (examples 1, 10 to 13, 16 to 18). */
static const char spec_sdl[] = DIRECTIVES
    "directive @approx(tolerance: Float! @cost(weight: \"-1.0\")) on FIELD\n"
    "enum Approximate { YES }\n"
    "input Filter { approx: Approximate @cost(weight: \"-12.0\") max: Int }\n"
    "type User { name: String age: Int @cost(weight: \"2.0\") }\n"
    "type Product { name: String }\n"
    "type Film { title: String }\n"
    "type FilmEdge { cursor: ID node: Film }\n"
    "type PageInfo { hasNextPage: Boolean }\n"
    "type FilmConnection { edges: [FilmEdge] pageInfo: PageInfo }\n"
    "type Query {\n"
    "  users(max: Int): [User] @listSize(slicingArguments: [\"max\"])\n"
    "  topProducts(filter: Filter @cost(weight: \"15.0\")): [String] @cost(weight: \"5.0\") "
    "@listSize(assumedSize: 10)\n"
    "  mostPopularProduct(approx: Approximate @cost(weight: \"-3.0\")): Product @cost(weight: \"5.0\")\n"
    "  films(first: Int, after: ID, last: Int, before: ID): FilmConnection @listSize(slicingArguments: "
    "[\"first\", \"last\"], sizedFields: [\"edges\"])\n"
    "}\n";

static const gql_cost_sizes sizes = {50, 200};

typedef struct costed {
    double type, field;
    size_t errors;
    char first_error[256];
} costed;

/* Parses, validates (must be valid) and costs the document's first operation. */
static costed cost_of(const gql_schema *schema, const char *query)
{
    costed out = {0, 0, 0, ""};
    base_arena a;
    base_arena_init(&a, 0);
    gql_errors errors;
    gql_errors_init(&errors, &a);
    gql_document *doc = gql_parse(&a, query, strlen(query), NULL, NULL);
    CHECK(doc != NULL);
    if (doc != NULL && gql_validate(schema, doc, &errors) != 0) {
        fprintf(stderr, "invalid test query: %s\n  %s\n", query, errors.first->message);
        CHECK(0);
    }
    const gql_definition *op = doc != NULL ? doc->first : NULL;
    while (op != NULL && op->kind != GQL_DEF_OPERATION)
        op = op->next;
    if (op != NULL) {
        gql_cost c;
        out.errors = gql_cost_operation(schema, doc, op, &sizes, &c, &errors);
        out.type = c.type;
        out.field = c.field;
        if (out.errors > 0 && errors.first != NULL)
            snprintf(out.first_error, sizeof(out.first_error), "%s", errors.first->message);
    }
    base_arena_free(&a);
    return out;
}

#define CHECK_COST(got, want) CHECK_INT(llround((got)*10), llround((want)*10))

static gql_schema *load(const char *sdl, size_t len)
{
    char err[300];
    gql_schema *s = gql_schema_load(sdl, len, "test.graphql", err, sizeof(err));
    if (s == NULL)
        fprintf(stderr, "%s\n", err);
    CHECK(s != NULL);
    return s;
}

static void spec_examples(void)
{
    gql_schema *s = load(spec_sdl, sizeof(spec_sdl) - 1);
    if (s == NULL)
        return;
    char err[300];
    CHECK_INT(gql_cost_check_schema(s, err, sizeof(err)), 0);

    /* Example 2: one Query.users resolution (1.0) and five User.age (2.0 each): a Field Cost of 11.0. */
    costed c = cost_of(s, "query Example { users (max: 5) { age } }");
    CHECK_COST(c.field, 11);
    CHECK_COST(c.type, 6); /* Query 1, User 5; Int 0 */
    CHECK_INT(c.errors, 0);

    /* Example 10: topProducts 5.0, with its filter 20.0. */
    c = cost_of(s, "{ topProducts }");
    CHECK_COST(c.field, 5);
    CHECK_COST(c.type, 1); /* ten Strings weigh 0 */
    c = cost_of(s, "{ topProducts(filter: {max: 3}) }");
    CHECK_COST(c.field, 20);
    /* Example 12: an approximate filter adds 15.0 - 12.0: 8.0 in all. */
    c = cost_of(s, "{ topProducts(filter: {approx: YES}) }");
    CHECK_COST(c.field, 8);

    /* Example 11: mostPopularProduct 5.0, approximate 2.0. */
    c = cost_of(s, "{ mostPopularProduct { name } }");
    CHECK_COST(c.field, 5);
    CHECK_COST(c.type, 2);
    c = cost_of(s, "{ mostPopularProduct(approx: YES) { name } }");
    CHECK_COST(c.field, 2);
    /* Example 13: @approx's tolerance lowers the cost of each field that uses it by 1.0. */
    c = cost_of(s, "{ mostPopularProduct @approx(tolerance: 0.1) { name } }");
    CHECK_COST(c.field, 4);
    /* a field's cost never goes below zero */
    c = cost_of(s, "{ users(max: 1) { name @approx(tolerance: 1) } }");
    CHECK_COST(c.field, 1);

    /* Example 18: first sizes FilmConnection.edges, not films itself. */
    c = cost_of(s, "{ films(first: 10) { edges { node { title } } pageInfo { hasNextPage } } }");
    CHECK_COST(c.field, 1 + 1 + 10 + 1);     /* films, edges, ten nodes, pageInfo */
    CHECK_COST(c.type, 1 + 1 + 10 + 10 + 1); /* Query, FilmConnection, FilmEdge x10, Film x10, PageInfo */
    CHECK_INT(c.errors, 0);
    /* 8.2: with several slicing arguments the largest counts; 8.4: but exactly one is required by default */
    c = cost_of(s, "{ films(first: 10, last: 30) { edges { cursor } } }");
    CHECK_COST(c.type, 1 + 1 + 30);
    CHECK_INT(c.errors, 1);
    CHECK_STR(c.first_error, "Field \"Query.films\" must be given exactly one of its slicing arguments.");
    c = cost_of(s, "{ films { edges { cursor } } }");
    CHECK_INT(c.errors, 1);
    /* a slicing argument from a variable: the most the server returns */
    c = cost_of(s, "query($n: Int) { users(max: $n) { age } }");
    CHECK_COST(c.field, 1 + 200 * 2);
    /* @skip(if: true) and @include(if: false) written out remove the field; variables do not */
    c = cost_of(s, "{ users(max: 5) { age @skip(if: true) } }");
    CHECK_COST(c.field, 1);
    c = cost_of(s, "query($x: Boolean!) { users(max: 5) { age @include(if: $x) } }");
    CHECK_COST(c.field, 11);
    gql_schema_free(s);
}

static void fragments(void)
{
    gql_schema *s = load(spec_sdl, sizeof(spec_sdl) - 1);
    if (s == NULL)
        return;
    /* a fragment counts where it is spread, as often as it is */
    costed c = cost_of(s, "{ users(max: 5) { ...A ...A } } fragment A on User { age }");
    CHECK_COST(c.field, 1 + 2 * 5 * 2);
    /* sized fields reach through a fragment spread in the sized field's selection */
    c = cost_of(s, "{ films(first: 4) { ...E } } fragment E on FilmConnection { edges { node { title } } }");
    CHECK_COST(c.field, 1 + 1 + 4);
    /* a fragment bomb (10^12 fields once expanded): costed at once, and saturated */
    char bomb[4096];
    size_t n = (size_t)snprintf(bomb, sizeof(bomb), "{ users(max: 5) { ...F0 } }\n");
    for (int i = 0; i < 12; i++) {
        n += (size_t)snprintf(bomb + n, sizeof(bomb) - n, "fragment F%d on User {", i);
        for (int j = 0; j < 10; j++)
            n += (size_t)snprintf(bomb + n, sizeof(bomb) - n, " ...F%d", i + 1);
        n += (size_t)snprintf(bomb + n, sizeof(bomb) - n, " }\n");
    }
    snprintf(bomb + n, sizeof(bomb) - n, "fragment F12 on User { age }\n");
    c = cost_of(s, bomb);
    CHECK(c.field > 1e12);
    gql_schema_free(s);
}

static void schema_rules(void)
{
    static const struct {
        const char *sdl;
        const char *error; /* a part of the message */
    } cases[] = {
        {DIRECTIVES "type Query { a: Int @cost(weight: \"lots\") }", "weight must be a number"},
        {DIRECTIVES "type Query { a: Int @cost(weight: \"inf\") }", "weight must be a number"},
        {DIRECTIVES "interface I { a: Int @cost(weight: \"1\") } type Query { i: I }",
         "not allowed on interface fields"},
        {DIRECTIVES "type Query { a: Int @listSize(assumedSize: 3) }", "returns no list"},
        {DIRECTIVES "type Q2 { b: Int } type Query { a: Q2 @listSize(sizedFields: [\"b\"]) }",
         "not a list field"},
        {DIRECTIVES "type Query { a(n: String): [Int] @listSize(slicingArguments: [\"n\"]) }",
         "not an Int argument"},
        {DIRECTIVES "type Query { a(n: Int = 3): [Int] @listSize(slicingArguments: [\"n\"], assumedSize: 4, "
                    "requireOneSlicingArgument: false) }",
         "assumedSize beside slicingArguments"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gql_schema *s = load(cases[i].sdl, strlen(cases[i].sdl));
        if (s == NULL)
            continue;
        char err[300] = "";
        CHECK_INT(gql_cost_check_schema(s, err, sizeof(err)), -1);
        if (strstr(err, cases[i].error) == NULL)
            fprintf(stderr, "case %zu: \"%s\" does not say \"%s\"\n", i, err, cases[i].error);
        CHECK(strstr(err, cases[i].error) != NULL);
        gql_schema_free(s);
    }
    /* the fallback the specification allows: assumedSize for a left-out slicing argument without default */
    const char ok[] =
        DIRECTIVES "type Query { a(n: Int): [Int] @listSize(slicingArguments: [\"n\"], assumedSize: 4, "
                   "requireOneSlicingArgument: false) }";
    gql_schema *s = load(ok, sizeof(ok) - 1);
    char err[300];
    CHECK_INT(s != NULL ? gql_cost_check_schema(s, err, sizeof(err)) : -1, 0);
    gql_schema_free(s);
}

/* `items { order { ` nested `levels` times under Order(customerId:), as issue 17 sent it. */
static char *attack(int levels)
{
    char *q = malloc(64 + (size_t)levels * 40);
    size_t n = (size_t)sprintf(q, "{ Order(customerId: \"4567\") { ");
    for (int i = 0; i < levels; i++)
        n += (size_t)sprintf(q + n, "items { order { ");
    n += (size_t)sprintf(q + n, "orderId ");
    for (int i = 0; i < levels; i++)
        n += (size_t)sprintf(q + n, "} } ");
    sprintf(q + n, "} }");
    return q;
}

static void served_schema(const char *path)
{
    size_t len;
    char *sdl = check_read_file(path, &len);
    CHECK(sdl != NULL);
    gql_schema *s = sdl != NULL ? load(sdl, len) : NULL;
    if (s == NULL) {
        free(sdl);
        return;
    }
    char err[300] = "";
    CHECK_INT(gql_cost_check_schema(s, err, sizeof(err)), 0);
    if (err[0] != '\0')
        fprintf(stderr, "%s\n", err);

    /* README: a product by id: Query and one Product; one root field of object type */
    costed c = cost_of(s, "{ Product(productId: \"notebook\") { productId productName price } }");
    CHECK_COST(c.type + c.field, 3);
    /* README: a customer's orders with their customer and items' products: 200 orders of 200 items at most */
    c = cost_of(s,
                "{ Order(customerId: \"4567\") { orderId orderRef createdAt total customer { name } items { "
                "quantity product { productName price } } } }");
    CHECK_COST(c.type, 1 + 200 + 200 * (1 + 200 + 200));
    CHECK_COST(c.field, 1 + 200 * (1 + 1 + 200));
    CHECK_COST(c.type + c.field, 120802);
    /* README: a page of a search (first: 2): the search weighs 10 */
    c = cost_of(s, "{ products(first: 2, nameContains: \"notebook\") { items { productId productName price } "
                   "pageInfo { endCursor hasNextPage } } }");
    CHECK_COST(c.type + c.field, 18);
    /* tests/bench: orders.lua, products.lua (first: 20) */
    c = cost_of(s,
                "query($c: ID!) { Order(customerId: $c) { orderId orderRef createdAt total items { quantity "
                "unitPrice product { productName price } } } }");
    CHECK_COST(c.type + c.field, 120402);
    c = cost_of(s,
                "query($after: String) { products(first: 20, after: $after) { items { productId productName "
                "price } pageInfo { endCursor hasNextPage } } }");
    CHECK_COST(c.type + c.field, 26);
    /* products without first: its default, 20 */
    c = cost_of(s, "{ products { items { productId } } }");
    CHECK_COST(c.type + c.field, 2 + 20 + 2);
    /* Customer.orders without first: the server's list default (50) */
    c = cost_of(s, "{ customer(customerId: \"4567\") { orders { items { product { productName } } } } }");
    CHECK_COST(c.type + c.field, 30104);
    /* introspection and __typename read the schema in memory: only the root counts */
    c = cost_of(s, "{ __typename __schema { types { name fields { name type { name } } } } }");
    CHECK_COST(c.type + c.field, 1);
    /* issue 17: one `items { order {` level is an ordinary read; two already cost millions; 6 and 7 far more
     */
    char *q = attack(1);
    c = cost_of(s, q);
    CHECK_COST(c.type + c.field, 120402);
    free(q);
    q = attack(2);
    c = cost_of(s, q);
    CHECK_COST(c.type + c.field, 24160402);
    free(q);
    for (int levels = 6; levels <= 7; levels++) {
        q = attack(levels);
        c = cost_of(s, q);
        CHECK(c.type + c.field > 1e15);
        free(q);
    }
    /* mutations: a write weighs 10 (placeOrder) or 5, each order line 1 more (its row and product read) */
    c = cost_of(
        s, "mutation { placeOrder(input: {idempotencyKey: \"k\", items: [{productId: \"a\", quantity: 1}, "
           "{productId: \"b\", quantity: 2}]}) { orderId } }");
    CHECK_COST(c.field, 10 + 1 + (1 + 2));
    CHECK_COST(c.type, 2);
    c = cost_of(s, "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { orderId } }");
    CHECK_COST(c.field, 10 + 1 + (1 + 1)); /* a variable's lines: each input field's weight once */
    c = cost_of(s, "mutation { cancelOrder(orderId: \"1\") { orderId } }");
    CHECK_COST(c.type + c.field, 5 + 2);
    char buf[32];
    CHECK_STR(gql_cost_format(120802, buf, sizeof(buf)), "120802");
    CHECK_STR(gql_cost_format(11.5, buf, sizeof(buf)), "11.5");
    CHECK_STR(gql_cost_format(GQL_COST_MAX, buf, sizeof(buf)), "1e+18");
    gql_schema_free(s);
    free(sdl);
}

int main(int argc, char **argv)
{
    spec_examples();
    fragments();
    schema_rules();
    if (argc > 1)
        served_schema(argv[1]);
    return CHECK_EXIT();
}
