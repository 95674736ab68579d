/*
 * Introspection (__schema, __type) against the served schema and a richer
 * inline one. The expected answers are graphql-js 16's for the same SDL and
 * query (`graphql(buildSchema(sdl), query)`), byte for byte.
 */
#include "check.h"
#include "schema/base/buf.h"
#include "schema/gql_exec.h"
#include "schema/gql_introspect.h"
#include "schema/gql_parser.h"
#include "schema/gql_schema.h"
#include "schema/gql_validate.h"

#include <jansson.h>
#include <stdlib.h>

static const char rich_sdl[] =
    "\"The test schema.\"\n"
    "schema { query: Q }\n"
    "directive @tag(name: String!, weight: Float = 0.5) repeatable on OBJECT | FIELD_DEFINITION | "
    "ENUM_VALUE\n"
    "\"Cost.\" directive @cost(value: Int = 1) on FIELD_DEFINITION | OBJECT\n"
    "\"A date.\" scalar Date @specifiedBy(url: \"https://example.com/date\")\n"
    "interface Named { name: String }\n"
    "\"A pet.\" interface Pet implements Named { name: String legs: Int! }\n"
    "type Dog implements Pet & Named { name: String legs: Int!\n"
    "  barks(loud: Boolean = true, times: Int @deprecated(reason: \"Use loud.\")): [[Float!]]!\n"
    "  old: String @deprecated }\n"
    "type Cat implements Pet & Named { name: String legs: Int! }\n"
    "union Animal = Dog | Cat\n"
    "enum Color { RED \"Green.\" GREEN BLUE @deprecated(reason: \"Out of stock.\") }\n"
    "input Where { color: Color = RED names: [String!] = \"a\" limit: Int = 10 near: Near = {x: 1.5}\n"
    "  old: Boolean @deprecated }\n"
    "input Near { x: Float! y: Float = 0 }\n"
    "type Q { pet(where: Where = {limit: 3}, at: Date): Pet animals: [Animal] dogs: [Dog!]! }\n";

static gql_schema *load(const char *sdl, size_t len)
{
    char err[256];
    gql_schema *s = gql_schema_load(sdl, len, "test.graphql", err, sizeof(err));
    if (s == NULL)
        fprintf(stderr, "schema: %s\n", err);
    return s;
}

/*
 * Runs a query whose root fields are meta fields and returns the response as
 * JSON ({"errors":[...],"data":{...}}); the text stays valid until the next
 * call. validate=false runs a document validation would reject, to reach
 * execution's own error paths.
 */
static char *last;

static const char *run_query(const gql_schema *s, const char *query, const char *variables, bool validate)
{
    free(last);
    base_arena arena;
    base_arena_init(&arena, 0);
    gql_errors errors;
    gql_errors_init(&errors, &arena);
    base_buf data, body;
    base_buf_init(&data);
    base_buf_init(&body);
    json_t *vars = variables ? json_loads(variables, 0, NULL) : NULL;
    gql_syntax_error syntax;
    gql_document *doc = gql_parse(&arena, query, strlen(query), NULL, &syntax);
    gql_exec_ctx ctx;
    bool executed = false, data_null = false;
    if (doc == NULL) {
        gql_errors_add(&errors, &syntax.loc, "%s", syntax.message);
    } else if ((!validate || gql_validate(s, doc, &errors) == 0) &&
               gql_exec_prepare(&ctx, s, doc, NULL, vars, &arena, &errors) == 0) {
        gql_field_groups roots;
        executed = gql_collect_fields(&ctx, s->query, ctx.operation->selection_set, &roots) == 0;
        base_buf_putc(&data, '{');
        for (const gql_field_group *g = executed ? roots.first : NULL; g != NULL; g = g->next) {
            if (g != roots.first)
                base_buf_putc(&data, ',');
            base_buf_printf(&data, "\"%s\":", g->response_key);
            gql_path path = {NULL, g->response_key, 0};
            size_t mark = data.len;
            if (g->def == s->meta_typename) {
                base_buf_printf(&data, "\"%s\"", s->query->name);
            } else if (gql_introspect_root(&ctx, g, &path, &data) != 0) {
                data.len = mark;
                base_buf_puts(&data, "null");
                data_null |= g->def->type->wrap == GQL_TYPE_NON_NULL;
            }
        }
        base_buf_putc(&data, '}');
    }
    base_buf_putc(&body, '{');
    if (errors.count > 0) {
        base_buf_puts(&body, "\"errors\":");
        gql_errors_write(&errors, &body);
    }
    if (executed) {
        base_buf_puts(&body, errors.count > 0 ? ",\"data\":" : "\"data\":");
        if (data_null)
            base_buf_puts(&body, "null");
        else
            base_buf_append(&body, data.data, data.len);
    }
    base_buf_putc(&body, '}');
    last = strndup(body.data, body.len);
    base_buf_free(&data);
    base_buf_free(&body);
    json_decref(vars);
    base_arena_free(&arena);
    return last;
}

static const char *run(const gql_schema *s, const char *query)
{
    return run_query(s, query, NULL, true);
}

static void served_schema(const gql_schema *s)
{
    CHECK_STR(run(s, "{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }"),
              "{\"data\":{\"__schema\":{\"queryType\":{\"name\":\"Query\"},\"mutationType\":{\"name\":"
              "\"Mutation\"},\"subscriptionType\":null}}}");
    CHECK_STR(run(s, "{ __type(name: \"Nope\") { name } t: __type(name: \"Product\") { kind name } }"),
              "{\"data\":{\"__type\":null,\"t\":{\"kind\":\"OBJECT\",\"name\":\"Product\"}}}");
    /* The public contract: Query.Product(productId: ID!): Product. */
    const char *fields = run(s, "{ __type(name: \"Query\") { fields { name args { name type { kind name "
                                "ofType { kind name ofType { kind } } } } type { kind name } } } }");
    CHECK(strstr(fields, "{\"name\":\"Product\",\"args\":[{\"name\":\"productId\",\"type\":{\"kind\":"
                         "\"NON_NULL\",\"name\":null,\"ofType\":{\"kind\":\"SCALAR\",\"name\":\"ID\","
                         "\"ofType\":null}}}],\"type\":{\"kind\":\"OBJECT\",\"name\":\"Product\"}}") != NULL);
    /* The introspection types are the working draft's. */
    CHECK_STR(
        run(s, "{ __type(name: \"__Type\") { fields { name args { name defaultValue } } } }"),
        "{\"data\":{\"__type\":{\"fields\":[{\"name\":\"kind\",\"args\":[]},{\"name\":\"name\",\"args\":[]},"
        "{\"name\":\"description\",\"args\":[]},{\"name\":\"specifiedByURL\",\"args\":[]},"
        "{\"name\":\"fields\",\"args\":[{\"name\":\"includeDeprecated\",\"defaultValue\":\"false\"}]},"
        "{\"name\":\"interfaces\",\"args\":[]},{\"name\":\"possibleTypes\",\"args\":[]},"
        "{\"name\":\"enumValues\",\"args\":[{\"name\":\"includeDeprecated\",\"defaultValue\":\"false\"}]},"
        "{\"name\":\"inputFields\",\"args\":[{\"name\":\"includeDeprecated\",\"defaultValue\":"
        "\"false\"}]},{\"name\":\"ofType\",\"args\":[]}]}}}");
    CHECK_STR(run(s, "{ __type(name: \"__InputValue\") { fields { name } } }"),
              "{\"data\":{\"__type\":{\"fields\":[{\"name\":\"name\"},{\"name\":\"description\"},"
              "{\"name\":\"type\"},{\"name\":\"defaultValue\"},{\"name\":\"isDeprecated\"},"
              "{\"name\":\"deprecationReason\"}]}}}");
    /* ID and Float are referenced by the served schema, so listed. */
    CHECK(strstr(run(s, "{ __schema { types { name } } }"), "{\"name\":\"ID\"}") != NULL);
    CHECK(strstr(run(s, "{ __schema { types { name } } }"), "{\"name\":\"Float\"}") != NULL);
}

static void types_and_directives(const gql_schema *s)
{
    /* graphql-js's order: the SDL's types, each followed by the built-in scalars it first references,
     * then the introspection types; ID is not referenced, so not listed. */
    CHECK_STR(run(s, "{ __schema { description types { name } queryType { name } mutationType { name } "
                     "subscriptionType { name } } }"),
              "{\"data\":{\"__schema\":{\"description\":\"The test schema.\",\"types\":[{\"name\":\"Date\"},"
              "{\"name\":\"Named\"},{\"name\":\"String\"},{\"name\":\"Pet\"},{\"name\":\"Int\"},"
              "{\"name\":\"Dog\"},{\"name\":\"Float\"},{\"name\":\"Boolean\"},{\"name\":\"Cat\"},"
              "{\"name\":\"Animal\"},{\"name\":\"Color\"},{\"name\":\"Where\"},{\"name\":\"Near\"},"
              "{\"name\":\"Q\"},{\"name\":\"__Schema\"},{\"name\":\"__Type\"},{\"name\":\"__TypeKind\"},"
              "{\"name\":\"__Field\"},{\"name\":\"__InputValue\"},{\"name\":\"__EnumValue\"},"
              "{\"name\":\"__Directive\"},{\"name\":\"__DirectiveLocation\"}],\"queryType\":{\"name\":\"Q\"},"
              "\"mutationType\":null,\"subscriptionType\":null}}}");
    CHECK_STR(run(s, "{ __type(name: \"Nope\") { name } id: __type(name: \"ID\") { name } "
                     "int: __type(name: \"Int\") { name kind } }"),
              "{\"data\":{\"__type\":null,\"id\":null,\"int\":{\"name\":\"Int\",\"kind\":\"SCALAR\"}}}");
    /* The SDL's directives first, locations as declared, repeatable, printed defaults. */
    CHECK_STR(
        run(s, "{ __schema { directives { name description isRepeatable locations args { name defaultValue "
               "type { name } } } } }"),
        "{\"data\":{\"__schema\":{\"directives\":[{\"name\":\"tag\",\"description\":null,\"isRepeatable\":"
        "true,"
        "\"locations\":[\"OBJECT\",\"FIELD_DEFINITION\",\"ENUM_VALUE\"],\"args\":[{\"name\":\"name\","
        "\"defaultValue\":null,\"type\":{\"name\":null}},{\"name\":\"weight\",\"defaultValue\":\"0.5\","
        "\"type\":{\"name\":\"Float\"}}]},{\"name\":\"cost\",\"description\":\"Cost.\",\"isRepeatable\":"
        "false,"
        "\"locations\":[\"FIELD_DEFINITION\",\"OBJECT\"],\"args\":[{\"name\":\"value\",\"defaultValue\":"
        "\"1\","
        "\"type\":{\"name\":\"Int\"}}]},{\"name\":\"include\",\"description\":\"Directs the executor to "
        "include this field or fragment only when the `if` argument is true.\",\"isRepeatable\":false,"
        "\"locations\":[\"FIELD\",\"FRAGMENT_SPREAD\",\"INLINE_FRAGMENT\"],\"args\":[{\"name\":\"if\","
        "\"defaultValue\":null,\"type\":{\"name\":null}}]},{\"name\":\"skip\",\"description\":\"Directs the "
        "executor to skip this field or fragment when the `if` argument is true.\",\"isRepeatable\":false,"
        "\"locations\":[\"FIELD\",\"FRAGMENT_SPREAD\",\"INLINE_FRAGMENT\"],\"args\":[{\"name\":\"if\","
        "\"defaultValue\":null,\"type\":{\"name\":null}}]},{\"name\":\"deprecated\",\"description\":\"Marks "
        "an element of a GraphQL schema as no longer supported.\",\"isRepeatable\":false,\"locations\":["
        "\"FIELD_DEFINITION\",\"ARGUMENT_DEFINITION\",\"INPUT_FIELD_DEFINITION\",\"ENUM_VALUE\"],\"args\":[{"
        "\"name\":\"reason\",\"defaultValue\":\"\\\"No longer "
        "supported\\\"\",\"type\":{\"name\":\"String\"}}]"
        "},{\"name\":\"specifiedBy\",\"description\":\"Exposes a URL that specifies the behavior of this "
        "scalar.\",\"isRepeatable\":false,\"locations\":[\"SCALAR\"],\"args\":[{\"name\":\"url\","
        "\"defaultValue\":null,\"type\":{\"name\":null}}]}]}}}");
    CHECK_STR(run(s, "{ __type(name: \"Date\") { kind name specifiedByURL description fields { name } "
                     "interfaces { name } possibleTypes { name } inputFields { name } enumValues { name } "
                     "ofType { name } } }"),
              "{\"data\":{\"__type\":{\"kind\":\"SCALAR\",\"name\":\"Date\",\"specifiedByURL\":"
              "\"https://example.com/date\",\"description\":\"A date.\",\"fields\":null,\"interfaces\":null,"
              "\"possibleTypes\":null,\"inputFields\":null,\"enumValues\":null,\"ofType\":null}}}");
}

static void selections(const gql_schema *s)
{
    /* Aliases, a named fragment, an inline fragment, __typename: output in query order. */
    CHECK_STR(
        run(s, "query { a: __type(name: \"Pet\") { ...About k: kind possibleTypes { name } } "
               "b: __type(name: \"Animal\") { ... on __Type { possibleTypes { name __typename } } } } "
               "fragment About on __Type { name description interfaces { name } __typename }"),
        "{\"data\":{\"a\":{\"name\":\"Pet\",\"description\":\"A pet.\",\"interfaces\":[{\"name\":"
        "\"Named\"}],\"__typename\":\"__Type\",\"k\":\"INTERFACE\",\"possibleTypes\":[{\"name\":\"Dog\"},"
        "{\"name\":\"Cat\"}]},\"b\":{\"possibleTypes\":[{\"name\":\"Dog\",\"__typename\":\"__Type\"},"
        "{\"name\":\"Cat\",\"__typename\":\"__Type\"}]}}}");
    CHECK_STR(
        run(s, "{ __typename a: __typename __schema { __typename directives { __typename } } }"),
        "{\"data\":{\"__typename\":\"Q\",\"a\":\"Q\",\"__schema\":{\"__typename\":\"__Schema\","
        "\"directives\":[{\"__typename\":\"__Directive\"},{\"__typename\":\"__Directive\"},{\"__typename\":"
        "\"__Directive\"},{\"__typename\":\"__Directive\"},{\"__typename\":\"__Directive\"},{\"__typename\":"
        "\"__Directive\"}]}}}");
    /* ofType chains: [[Float!]]! */
    CHECK_STR(run(s, "{ __type(name: \"Dog\") { fields { name type { kind name ofType { kind name ofType { "
                     "kind name ofType { kind name ofType { kind name } } } } } } } }"),
              "{\"data\":{\"__type\":{\"fields\":[{\"name\":\"name\",\"type\":{\"kind\":\"SCALAR\",\"name\":"
              "\"String\",\"ofType\":null}},{\"name\":\"legs\",\"type\":{\"kind\":\"NON_NULL\",\"name\":null,"
              "\"ofType\":{\"kind\":\"SCALAR\",\"name\":\"Int\",\"ofType\":null}}},{\"name\":\"barks\","
              "\"type\":{\"kind\":\"NON_NULL\",\"name\":null,\"ofType\":{\"kind\":\"LIST\",\"name\":null,"
              "\"ofType\":{\"kind\":\"LIST\",\"name\":null,\"ofType\":{\"kind\":\"NON_NULL\",\"name\":null,"
              "\"ofType\":{\"kind\":\"SCALAR\",\"name\":\"Float\"}}}}}}]}}}");
    /* @skip / @include with variables, and fields merged across fragments. */
    const char *q =
        "query($s: Boolean!) { __schema { queryType { name @skip(if: $s) fields @include(if: $s) { "
        "name } } } }";
    CHECK_STR(run_query(s, q, "{\"s\": true}", true),
              "{\"data\":{\"__schema\":{\"queryType\":{\"fields\":[{\"name\":\"pet\"},{\"name\":\"animals\"},"
              "{\"name\":\"dogs\"}]}}}}");
    CHECK_STR(run_query(s, q, "{\"s\": false}", true),
              "{\"data\":{\"__schema\":{\"queryType\":{\"name\":\"Q\"}}}}");
    CHECK_STR(run(s, "{ __type(name: \"Cat\") { name ...F ... on __Type { fields { type { name } } } } } "
                     "fragment F on __Type { fields { name } }"),
              "{\"data\":{\"__type\":{\"name\":\"Cat\",\"fields\":[{\"name\":\"name\",\"type\":{\"name\":"
              "\"String\"}},{\"name\":\"legs\",\"type\":{\"name\":null}}]}}}");
    CHECK_STR(run_query(s, "query($n: String!) { __type(name: $n) { name } }", "{\"n\": \"Color\"}", true),
              "{\"data\":{\"__type\":{\"name\":\"Color\"}}}");
}

static void deprecation_and_defaults(const gql_schema *s)
{
    const char *q = "query($all: Boolean) { __type(name: \"Dog\") { fields(includeDeprecated: $all) { name "
                    "isDeprecated deprecationReason args(includeDeprecated: $all) { name isDeprecated "
                    "deprecationReason } } } c: __type(name: \"Color\") { enumValues { name description } "
                    "all: enumValues(includeDeprecated: true) { name isDeprecated deprecationReason } } }";
    const char *enums =
        "\"c\":{\"enumValues\":[{\"name\":\"RED\",\"description\":null},{\"name\":\"GREEN\",\"description\":"
        "\"Green.\"}],\"all\":[{\"name\":\"RED\",\"isDeprecated\":false,\"deprecationReason\":null},{"
        "\"name\":"
        "\"GREEN\",\"isDeprecated\":false,\"deprecationReason\":null},{\"name\":\"BLUE\",\"isDeprecated\":"
        "true,"
        "\"deprecationReason\":\"Out of stock.\"}]}}}";
    char want[2048];
    snprintf(
        want, sizeof(want),
        "{\"data\":{\"__type\":{\"fields\":[{\"name\":\"name\",\"isDeprecated\":false,\"deprecationReason\":"
        "null,\"args\":[]},{\"name\":\"legs\",\"isDeprecated\":false,\"deprecationReason\":null,\"args\":[]},"
        "{\"name\":\"barks\",\"isDeprecated\":false,\"deprecationReason\":null,\"args\":[{\"name\":\"loud\","
        "\"isDeprecated\":false,\"deprecationReason\":null}]}]},%s",
        enums);
    CHECK_STR(run_query(s, q, NULL, true), want); /* an unprovided variable: the default, false */
    CHECK_STR(run_query(s, q, "{\"all\": null}", true), want);
    snprintf(
        want, sizeof(want),
        "{\"data\":{\"__type\":{\"fields\":[{\"name\":\"name\",\"isDeprecated\":false,\"deprecationReason\":"
        "null,\"args\":[]},{\"name\":\"legs\",\"isDeprecated\":false,\"deprecationReason\":null,\"args\":[]},"
        "{\"name\":\"barks\",\"isDeprecated\":false,\"deprecationReason\":null,\"args\":[{\"name\":\"loud\","
        "\"isDeprecated\":false,\"deprecationReason\":null},{\"name\":\"times\",\"isDeprecated\":true,"
        "\"deprecationReason\":\"Use "
        "loud.\"}]},{\"name\":\"old\",\"isDeprecated\":true,\"deprecationReason\":"
        "\"No longer supported\",\"args\":[]}]},%s",
        enums);
    CHECK_STR(run_query(s, q, "{\"all\": true}", true), want);

    /* Defaults printed as graphql-js prints the coerced value: a single value in a list position becomes
     * a list, input objects take their fields' defaults in the type's field order. */
    CHECK_STR(
        run(s, "{ __type(name: \"Where\") { inputFields { name defaultValue } all: "
               "inputFields(includeDeprecated: true) { name isDeprecated deprecationReason } } "
               "q: __type(name: \"Q\") { fields { args { name defaultValue } } } }"),
        "{\"data\":{\"__type\":{\"inputFields\":[{\"name\":\"color\",\"defaultValue\":\"RED\"},{\"name\":"
        "\"names\",\"defaultValue\":\"[\\\"a\\\"]\"},{\"name\":\"limit\",\"defaultValue\":\"10\"},{\"name\":"
        "\"near\",\"defaultValue\":\"{x: 1.5, y: 0}\"}],\"all\":[{\"name\":\"color\",\"isDeprecated\":false,"
        "\"deprecationReason\":null},{\"name\":\"names\",\"isDeprecated\":false,\"deprecationReason\":null},"
        "{\"name\":\"limit\",\"isDeprecated\":false,\"deprecationReason\":null},{\"name\":\"near\","
        "\"isDeprecated\":false,\"deprecationReason\":null},{\"name\":\"old\",\"isDeprecated\":true,"
        "\"deprecationReason\":\"No longer supported\"}]},\"q\":{\"fields\":[{\"args\":[{\"name\":\"where\","
        "\"defaultValue\":\"{color: RED, names: [\\\"a\\\"], limit: 3, near: {x: 1.5, y: 0}}\"},{\"name\":"
        "\"at\",\"defaultValue\":null}]},{\"args\":[]},{\"args\":[]}]}}}");
}

/* Scalar defaults: JavaScript's number printing, printString's escapes, IDs that look like integers. */
static void default_printing(void)
{
    static const char sdl[] =
        "input D { a: Float = 1e3 b: Float = 0.0000001 c: Float = 1e21 d: Float = 123456789012345678901234\n"
        "  e: Int = -0 f: ID = \"123\" g: ID = \"x1\" h: ID = 7 i: String = \"q\\\" b\\\\ \\n \\u0007 "
        "\\u007F "
        "\\u0085 \\u00e9\"\n"
        "  j: [[Int]] = 1 k: Int = \"bad\" l: E = B m: [E] = [A, B] }\n"
        "enum E { A B }\n"
        "type Query { f(d: D): Int }\n";
    gql_schema *s = load(sdl, sizeof(sdl) - 1);
    CHECK(s != NULL);
    if (s == NULL)
        return;
    CHECK_STR(
        run(s, "{ __type(name: \"D\") { inputFields { defaultValue } } }"),
        "{\"data\":{\"__type\":{\"inputFields\":[{\"defaultValue\":\"1000\"},{\"defaultValue\":\"1e-7\"},"
        "{\"defaultValue\":\"1e+21\"},{\"defaultValue\":\"1.2345678901234569e+23\"},{\"defaultValue\":"
        "\"0\"},{\"defaultValue\":\"123\"},{\"defaultValue\":\"\\\"x1\\\"\"},{\"defaultValue\":\"7\"},"
        "{\"defaultValue\":\"\\\"q\\\\\\\" b\\\\\\\\ \\\\n \\\\u0007 \\\\u007F \\\\u0085 \xc3\xa9\\\"\"},"
        "{\"defaultValue\":\"[[1]]\"},{\"defaultValue\":null},{\"defaultValue\":\"B\"},"
        "{\"defaultValue\":\"[A, B]\"}]}}}");
    gql_schema_free(s);
}

/* Execution's own errors: at their path, with a null where the spec puts it. */
static void errors_and_null_propagation(gql_schema *s)
{
    /* A document validation would reject ($n may be null), executed anyway: the argument error. */
    CHECK_STR(
        run_query(s, "query($n: String) { __type(name: $n) { name } }", NULL, false),
        "{\"errors\":[{\"message\":\"Argument \\\"name\\\" of required type \\\"String!\\\" was provided "
        "the variable \\\"$n\\\" which was not provided a runtime value.\",\"locations\":[{\"line\":1,"
        "\"column\":34}],\"path\":[\"__type\"]}],\"data\":{\"__type\":null}}");

    /* A schema object with a null in a non-null place (which only a bug could make) nulls the nearest
     * nullable parent: __Field.name is String!, __Type.fields is [__Field!], so fields becomes null. */
    gql_typedef *cat = (gql_typedef *)gql_schema_type(s, "Cat", 3);
    gql_fielddef *legs = (gql_fielddef *)&cat->fields[1];
    const char *name = legs->name;
    legs->name = NULL;
    CHECK_STR(run(s, "{ __type(name: \"Cat\") { name fields { name } } }"),
              "{\"errors\":[{\"message\":\"Cannot return null for non-nullable field __Field.name.\","
              "\"locations\":[{\"line\":1,\"column\":39}],\"path\":[\"__type\",\"fields\",1,\"name\"]}],"
              "\"data\":{\"__type\":{\"name\":\"Cat\",\"fields\":null}}}");
    legs->name = name;

    /* __Directive.locations is [__DirectiveLocation!]!, directives is [__Directive!]!, __schema is
     * __Schema!: the null goes up to `data`. */
    gql_name_list *location = (gql_name_list *)s->directives[4].declared_locations;
    const char *location_name = location->name.ptr;
    location->name.ptr = NULL;
    CHECK_STR(
        run(s, "{ __schema { directives { name locations } } }"),
        "{\"errors\":[{\"message\":\"Cannot return null for non-nullable field __Directive.locations.\","
        "\"locations\":[{\"line\":1,\"column\":32}],\"path\":[\"__schema\",\"directives\",0,"
        "\"locations\",0]}],\"data\":null}");
    location->name.ptr = location_name;
}

static size_t reject(const gql_schema *s, const char *query, char *first, size_t size)
{
    base_arena arena;
    base_arena_init(&arena, 0);
    gql_errors errors;
    gql_errors_init(&errors, &arena);
    gql_syntax_error syntax;
    gql_document *doc = gql_parse(&arena, query, strlen(query), NULL, &syntax);
    size_t n = doc ? gql_introspect_reject(s, doc, &errors) : 99;
    snprintf(first, size, "%s@%u:%u", errors.first ? errors.first->message : "",
             errors.first ? errors.first->locs[0].line : 0, errors.first ? errors.first->locs[0].column : 0);
    base_arena_free(&arena);
    return n;
}

/* GQLD_INTROSPECTION=off: graphql-js's NoSchemaIntrospectionCustomRule. */
static void disabled(const gql_schema *s)
{
    char first[512];
    CHECK_INT(reject(s, "{ __typename dogs { __typename name } }", first, sizeof(first)), 0);
    CHECK_INT(reject(s, "{ __schema { types { name } } }", first, sizeof(first)), 2);
    CHECK_STR(first, "GraphQL introspection has been disabled, but the requested query contained the field "
                     "\"__schema\".@1:3");
    /* Fragments are checked where they are defined, in document order. */
    CHECK_INT(reject(s,
                     "fragment F on __Type { fields { name } }\n"
                     "query { x: __type(name: \"Q\") { ...F } ... on Q { __typename } }",
                     first, sizeof(first)),
              2);
    CHECK_STR(first, "GraphQL introspection has been disabled, but the requested query contained the field "
                     "\"fields\".@1:24");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_introspect schema.graphql\n");
        return 2;
    }
    size_t len;
    char *sdl = check_read_file(argv[1], &len);
    gql_schema *served = sdl ? load(sdl, len) : NULL;
    gql_schema *rich = load(rich_sdl, sizeof(rich_sdl) - 1);
    if (served == NULL || rich == NULL) {
        fprintf(stderr, "cannot load the schemas\n");
        return 1;
    }
    served_schema(served);
    types_and_directives(rich);
    selections(rich);
    deprecation_and_defaults(rich);
    default_printing();
    errors_and_null_propagation(rich);
    disabled(rich);
    free(last);
    gql_schema_free(served);
    gql_schema_free(rich);
    free(sdl);
    return CHECK_EXIT();
}
