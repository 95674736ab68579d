/*
 * What decides a cached response: the maxAge and scope computed from the
 * served schema's @cacheControl hints (Apollo Server's rules), the response
 * key and what goes into it (document tokens, operation, variables,
 * visibility class), the stale marker, and the persisted query hash checks.
 */
#include "check.h"
#include "resolvers/pipeline/cache_policy.h"
#include "schema/gql_parser.h"
#include "schema/gql_validate.h"
#include "resolvers/engine.h"
#include "resolvers/pipeline/response_cache.h"

#include <stdlib.h>

static gql_schema *schema;

/* The policy of `query` (valid against the served schema) with variables and a default maxAge. */
static rs_cache_policy policy_of(const char *query, const char *vars, unsigned default_max_age)
{
    base_arena arena;
    gql_errors errors;
    gql_exec_ctx ctx;
    base_arena_init(&arena, 0);
    gql_errors_init(&errors, &arena);
    gql_syntax_error syn;
    gql_document *doc = gql_parse(&arena, query, strlen(query), NULL, &syn);
    CHECK(doc != NULL);
    rs_cache_policy p = {12345, true};
    if (doc == NULL)
        return p;
    CHECK_INT(gql_validate(schema, doc, &errors), 0);
    json_t *v = vars ? json_loads(vars, 0, NULL) : NULL;
    CHECK_INT(gql_exec_prepare(&ctx, schema, doc, NULL, v, &arena, &errors), 0);
    CHECK_INT(cache_policy_compute(&ctx, default_max_age, &p), 0);
    json_decref(v);
    base_arena_free(&arena);
    return p;
}

#define CHECK_POLICY(query, vars, def, age, priv)                                                            \
    do {                                                                                                     \
        rs_cache_policy p_ = policy_of(query, vars, def);                                                    \
        CHECK_INT(p_.max_age, age);                                                                          \
        CHECK_INT(p_.private_scope, priv);                                                                   \
    } while (0)

static void test_policy(void)
{
    /* The type's hint (Product: 60) for the root field; scalar fields inherit. */
    CHECK_POLICY("{ Product(productId: \"1\") { productId productName } }", NULL, 0, 60, false);
    /* A field's own hint (price: 30) lowers it: the smallest wins. */
    CHECK_POLICY("{ Product(productId: \"1\") { productId price } }", NULL, 0, 30, false);
    /* Through fragments, aliases and @include as the variables decide. */
    CHECK_POLICY("query($p: Boolean!) { a: Product(productId: \"1\") { ...F } } "
                 "fragment F on Product { productName price @include(if: $p) }",
                 "{\"p\": false}", 0, 60, false);
    CHECK_POLICY("query($p: Boolean!) { a: Product(productId: \"1\") { ...F } } "
                 "fragment F on Product { productName price @include(if: $p) }",
                 "{\"p\": true}", 0, 30, false);
    /* PRIVATE sticks, whatever public fields sit below. */
    CHECK_POLICY("{ Order(customerId: \"1\") { orderId items { product { productName } } } }", NULL, 0, 30,
                 true);
    CHECK_POLICY("{ Product(productId: \"1\") { productId } customer(customerId: \"1\") { name } }", NULL, 0,
                 30, true);
    /* A root field without a hint takes the default: 0 (not cached), or the setting. */
    CHECK_POLICY("{ __typename }", NULL, 0, 0, false);
    CHECK_POLICY("{ __typename }", NULL, 15, 15, false);
    CHECK_POLICY("{ __typename Product(productId: \"1\") { productId } }", NULL, 0, 0, false);
    CHECK_POLICY("{ __typename Product(productId: \"1\") { productId } }", NULL, 120, 60, false);
    /* Object types with hints all the way down (ProductPage, PageInfo, Product: 60). */
    CHECK_POLICY("{ products(first: 2) { items { productId } pageInfo { endCursor } } }", NULL, 0, 60, false);
    /* Introspection: root fields without hints take the default. */
    CHECK_POLICY("{ __schema { queryType { name } } }", NULL, 0, 0, false);
}

/* A response key from all its parts, as the executor derives it. */
static int key_of(const char *prefix, const char *version, const uint8_t doc[CACHE_KEY_BYTES], const char *op,
                  const json_t *vars, const char *visibility, uint8_t out[CACHE_KEY_BYTES])
{
    uint8_t base[CACHE_KEY_BYTES];
    return response_base_key(prefix, version, doc, op, vars, base) != 0 ? -1
                                                                        : response_key(base, visibility, out);
}
static void test_keys(void)
{
    uint8_t d1[CACHE_KEY_BYTES], d2[CACHE_KEY_BYTES], d3[CACHE_KEY_BYTES];
    /* Whitespace, commas and comments do not change a document's digest; a token does. */
    CHECK_INT(response_doc_digest("{ a, b }", 8, d1), 0);
    const char *spaced = "{\n  a # the first\n  b\n}\n";
    CHECK_INT(response_doc_digest(spaced, strlen(spaced), d2), 0);
    CHECK(memcmp(d1, d2, CACHE_KEY_BYTES) == 0);
    CHECK_INT(response_doc_digest("{ ab }", 6, d3), 0);
    CHECK(memcmp(d1, d3, CACHE_KEY_BYTES) != 0);
    CHECK_INT(response_doc_digest("{ \"unterminated }", 17, d3), -1);

    char buf[96];
    const rs_principal anonymous = {.kind = RS_PRINCIPAL_ANONYMOUS}, admin = {.kind = RS_PRINCIPAL_ADMIN},
                       a = {.kind = RS_PRINCIPAL_CUSTOMER, .customer_id = "4567"},
                       b = {.kind = RS_PRINCIPAL_CUSTOMER, .customer_id = "1"};
    CHECK_STR(response_visibility(&anonymous, buf, sizeof(buf)), "anonymous");
    CHECK_STR(response_visibility(&admin, buf, sizeof(buf)), "admin");
    CHECK_STR(response_visibility(&a, buf, sizeof(buf)), "customer:4567");
    /* A token whose scopes miss some types reads fewer fields: a class of its own. */
    const rs_principal narrow = {
        .kind = RS_PRINCIPAL_CUSTOMER, .customer_id = "4567", .scope_denied = " Order "};
    CHECK_STR(response_visibility(&narrow, buf, sizeof(buf)), "customer:4567;deny: Order ");
    /* A class that does not fit is no class at all: such a response is not cached. */
    char tiny[8];
    CHECK(response_visibility(&a, tiny, sizeof(tiny)) == NULL);

    /* Every part of the key counts: each variation below gives a key of its own. */
    json_t *vars1 = json_loads("{\"id\":\"1\",\"n\":2}", 0, NULL),
           *vars1b = json_loads("{\"n\":2,\"id\":\"1\"}", 0, NULL),
           *vars2 = json_loads("{\"id\":\"2\",\"n\":2}", 0, NULL);
    char vb[96];
    uint8_t keys[9][CACHE_KEY_BYTES];
    CHECK_INT(key_of("gqld", "v1", d1, NULL, vars1, "anonymous", keys[0]), 0);
    CHECK_INT(key_of("gqld", "v1", d1, NULL, vars1b, "anonymous", keys[1]), 0); /* key order: same */
    CHECK(memcmp(keys[0], keys[1], CACHE_KEY_BYTES) == 0);
    CHECK_INT(key_of("gqld", "v1", d1, NULL, vars2, "anonymous", keys[1]), 0);
    CHECK_INT(key_of("gqld", "v2", d1, NULL, vars1, "anonymous", keys[2]), 0);
    CHECK_INT(key_of("other", "v1", d1, NULL, vars1, "anonymous", keys[3]), 0);
    CHECK_INT(key_of("gqld", "v1", d3, NULL, vars1, "anonymous", keys[4]), 0);
    CHECK_INT(key_of("gqld", "v1", d1, "Op", vars1, "anonymous", keys[5]), 0);
    CHECK_INT(key_of("gqld", "v1", d1, "", vars1, "anonymous", keys[6]), 0);
    CHECK_INT(key_of("gqld", "v1", d1, NULL, vars1, response_visibility(&a, vb, sizeof(vb)), keys[7]), 0);
    CHECK_INT(key_of("gqld", "v1", d1, NULL, vars1, response_visibility(&b, vb, sizeof(vb)), keys[8]), 0);
    for (int i = 0; i < 9; i++)
        for (int j = i + 1; j < 9; j++)
            CHECK(memcmp(keys[i], keys[j], CACHE_KEY_BYTES) != 0);
    /* The visibility class is applied to the base key: the same base, two classes, two keys. */
    uint8_t base[CACHE_KEY_BYTES], k2[CACHE_KEY_BYTES];
    CHECK_INT(response_base_key("gqld", "v1", d1, NULL, vars1, base), 0);
    CHECK_INT(response_key(base, "anonymous", k2), 0);
    CHECK(memcmp(k2, keys[0], CACHE_KEY_BYTES) == 0);
    CHECK_INT(response_key(base, "admin", k2), 0);
    CHECK(memcmp(k2, keys[0], CACHE_KEY_BYTES) != 0);

    /* A request's digest: its bytes and its method, nothing else. */
    uint8_t r[4][CACHE_KEY_BYTES];
    CHECK_INT(response_request_digest(false, "{\"query\":\"{a}\"}", 15, r[0]), 0);
    CHECK_INT(response_request_digest(false, "{\"query\":\"{a}\"}", 15, r[1]), 0);
    CHECK(memcmp(r[0], r[1], CACHE_KEY_BYTES) == 0);
    CHECK_INT(response_request_digest(true, "{\"query\":\"{a}\"}", 15, r[1]), 0);
    CHECK_INT(response_request_digest(false, "{\"query\":\"{b}\"}", 15, r[2]), 0);
    CHECK_INT(response_request_digest(false, "{\"query\": \"{a}\"}", 16, r[3]), 0);
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            CHECK(memcmp(r[i], r[j], CACHE_KEY_BYTES) != 0);
    json_decref(vars1);
    json_decref(vars1b);
    json_decref(vars2);
}

static void test_stale_marker(void)
{
    size_t len;
    char *m = response_mark_stale("{\"data\":{\"a\":1}}", 16, 42, &len);
    CHECK_STR(m, "{\"data\":{\"a\":1},\"extensions\":{\"cache\":{\"stale\":true,\"age\":42}}}");
    CHECK_INT(len, strlen(m));
    free(m);
    CHECK(response_mark_stale("[1]", 3, 0, &len) == NULL);
}

static void test_apq_hash(void)
{
    /* sha256("{ __typename }"), as `printf '{ __typename }' | sha256sum` gives it. */
    const char *h = "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b";
    CHECK(apq_hash_valid(h, strlen(h)));
    CHECK(apq_hash_matches("{ __typename }", 14, h));
    CHECK(!apq_hash_matches("{ __typename } ", 15, h));
    CHECK(!apq_hash_valid("abc", 3));
    CHECK(!apq_hash_valid("zf56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b", 64));
    uint8_t k1[CACHE_KEY_BYTES], k2[CACHE_KEY_BYTES];
    apq_key(h, k1);
    apq_key("7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4c", k2);
    CHECK(memcmp(k1, k2, CACHE_KEY_BYTES) != 0);
}

int main(int argc, char **argv)
{
    size_t len = 0;
    char *sdl = argc > 1 ? check_read_file(argv[1], &len) : NULL;
    char err[256];
    schema = sdl != NULL ? gql_schema_load(sdl, len, "schema.graphql", err, sizeof(err)) : NULL;
    free(sdl);
    if (schema == NULL) {
        fprintf(stderr, "cannot load the schema\n");
        return 1;
    }
    test_policy();
    test_keys();
    test_stale_marker();
    test_apq_hash();
    gql_schema_free(schema);
    return CHECK_EXIT();
}
