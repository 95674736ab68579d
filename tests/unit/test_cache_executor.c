/*
 * The response cache through the executor, against a real PostgreSQL and a
 * real memcached (GQLD_TEST_DATABASE_URL and GQLD_TEST_MEMCACHED, which
 * ./dev test exports; exit 77, skipped, without them), driven by a real h2o
 * loop: the pipeline the front doors call, with the principals the auth
 * layer produces. Customer A's cached orders never reach customer B (cold or
 * warm), nor an anonymous caller; a second worker finds entries in memcached;
 * concurrent identical misses cost one statement (single flight).
 */
#include "check.h"
#include "cache_testing.h"
#include "resolvers/engine.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static h2o_loop_t *loop;

typedef struct answer {
    int calls;
    rs_outcome outcome;
    char body[16384];
    rs_response_meta meta;
} answer;

static void on_done(void *user, rs_outcome outcome, const char *body, size_t len)
{
    answer *a = user;
    a->calls++;
    a->outcome = outcome;
    snprintf(a->body, sizeof(a->body), "%.*s", (int)len, body);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void start(rs_worker *w, const char *query, rs_principal who, answer *a)
{
    memset(a, 0, sizeof(*a));
    rs_request r = {.query = query, .query_len = strlen(query), .principal = who, .meta = &a->meta};
    rs_execute(w, &r, on_done, a);
}

static void wait_for(answer *a, int n)
{
    uint64_t end = now_ms() + 10000;
    for (int i = 0; i < n; i++)
        while (a[i].calls == 0 && now_ms() < end)
            h2o_evloop_run(loop, 10);
    for (int i = 0; i < n; i++)
        CHECK_INT(a[i].calls, 1);
}

static void ask(rs_worker *w, const char *query, rs_principal who, answer *a)
{
    start(w, query, who, a);
    wait_for(a, 1);
}

static const rs_principal anonymous = {.kind = RS_PRINCIPAL_ANONYMOUS};
static const rs_principal admin = {.kind = RS_PRINCIPAL_ADMIN};
static const rs_principal customer_a = {.kind = RS_PRINCIPAL_CUSTOMER, .customer_id = "4567"};
static const rs_principal customer_b = {.kind = RS_PRINCIPAL_CUSTOMER, .customer_id = "1"};

/*
 * Sets leave after the answers, quietly, from the memcached thread: waits (at
 * most 5 s) until at least `bytes` more value bytes than `since` were written.
 */
static void wait_written(cache_shared *shared, const cache_stats *since, size_t bytes)
{
    uint64_t end = now_ms() + 5000;
    cache_stats s;
    cache_stats_snapshot(shared, &s);
    while (s.bytes_written - since->bytes_written < bytes && now_ms() < end) {
        h2o_evloop_run(loop, 5);
        cache_stats_snapshot(shared, &s);
    }
    CHECK(s.bytes_written - since->bytes_written >= bytes);
}

static void test_isolation(rs_worker *w, rs_worker *other, cache_shared *shared)
{
    static answer b1, a1, a2, b2, anon, adm, a_other;
    const char *q = "{ Order(customerId: \"4567\") { orderId customer { email } } }";
    cache_stats s0;
    cache_stats_snapshot(shared, &s0);
    /* Cold: B asks for A's orders first and gets none. */
    ask(w, q, customer_b, &b1);
    CHECK_STR(b1.body, "{\"data\":{\"Order\":[]}}");
    CHECK(!b1.meta.hit);
    CHECK_INT(b1.meta.max_age, 30);
    CHECK(b1.meta.private_scope);
    /* A gets their own, not B's cached empty list. */
    ask(w, q, customer_a, &a1);
    CHECK(strstr(a1.body, "\"orderId\":\"52\"") != NULL);
    CHECK(!a1.meta.hit);
    /* Warm: each class hits its own entry. */
    ask(w, q, customer_a, &a2);
    CHECK(a2.meta.hit);
    CHECK_STR(a2.body, a1.body);
    ask(w, q, customer_b, &b2);
    CHECK(b2.meta.hit);
    CHECK_STR(b2.body, "{\"data\":{\"Order\":[]}}");
    /* Anonymous: the refusal, never an entry. */
    ask(w, q, anonymous, &anon);
    CHECK(strstr(anon.body, "UNAUTHENTICATED") != NULL);
    CHECK(!anon.meta.hit);
    CHECK_INT(anon.meta.max_age, 0);
    /* An admin is a class of its own: a miss first. */
    ask(w, q, admin, &adm);
    CHECK(!adm.meta.hit);
    CHECK_STR(adm.body, a1.body);
    /*
     * Another worker (its in-process tier off) finds A's entry in memcached,
     * once it is there: B's and A's values (each its body and a 20-byte
     * header, written in that order) are more than their bodies' bytes only
     * when A's is written.
     */
    wait_written(shared, &s0, strlen(b1.body) + strlen(a1.body));
    ask(other, q, customer_a, &a_other);
    CHECK(a_other.meta.hit);
    CHECK_STR(a_other.body, a1.body);
}

static void test_single_flight(rs_worker *w, cache_shared *shared)
{
    enum { N = 10 };
    static answer a[N];
    char q[128];
    snprintf(q, sizeof(q), "{ Product(productId: \"flight-%d\") { productId } }", (int)getpid());
    rs_worker_stats before, after;
    rs_worker_get_stats(w, &before);
    cache_stats s0, s1;
    cache_stats_snapshot(shared, &s0);
    for (int i = 0; i < N; i++)
        start(w, q, anonymous, &a[i]);
    wait_for(a, N);
    rs_worker_get_stats(w, &after);
    cache_stats_snapshot(shared, &s1);
    CHECK_INT(after.pool.statements_sent - before.pool.statements_sent, 1);
    CHECK_INT(s1.flight_waits - s0.flight_waits, N - 1);
    for (int i = 0; i < N; i++)
        CHECK_STR(a[i].body, "{\"data\":{\"Product\":null}}");
}

static void test_apq_not_found(rs_worker *w)
{
    static answer a;
    memset(&a, 0, sizeof(a));
    rs_request r = {.apq_hash = "0000000000000000000000000000000000000000000000000000000000000000",
                    .meta = &a.meta};
    rs_execute(w, &r, on_done, &a);
    wait_for(&a, 1);
    CHECK_INT(a.outcome, RS_DATA);
    CHECK_STR(a.body, "{\"errors\":[{\"message\":\"PersistedQueryNotFound\",\"extensions\":{\"code\":"
                      "\"PERSISTED_QUERY_NOT_FOUND\"}}]}");
    CHECK(a.meta.apq_not_found);
}

int main(int argc, char **argv)
{
    const char *db_url = getenv("GQLD_TEST_DATABASE_URL"), *mc = getenv("GQLD_TEST_MEMCACHED");
    if (db_url == NULL || db_url[0] == '\0' || mc == NULL || mc[0] == '\0') {
        fprintf(stderr, "GQLD_TEST_DATABASE_URL or GQLD_TEST_MEMCACHED is not set: skipped\n");
        return 77;
    }
    alarm(120);
    size_t len = 0;
    char *sdl = argc > 1 ? check_read_file(argv[1], &len) : NULL;
    char err[256];
    gql_schema *schema = sdl != NULL ? gql_schema_load(sdl, len, "schema.graphql", err, sizeof(err)) : NULL;
    free(sdl);
    if (schema == NULL)
        return 1;
    char prefix[32];
    cache_shared *shared = test_cache_shared(mc, "unit", prefix, sizeof(prefix));
    CHECK(shared != NULL);
    rs_engine engine = {
        .schema = schema,
        .limits = {.max_query_bytes = 65536,
                   .max_tokens = 10000,
                   .max_depth = 64,
                   .document = {.max_depth = 20, .max_aliases = 50, .max_fields = 5000},
                   .max_arena_bytes = 16u << 20,
                   .doc_cache_entries = 64,
                   .doc_cache_bytes = 1 << 20,
                   .list_default = 50,
                   .list_max = 200},
        .introspection = true,
        .auth_mode = RS_AUTH_JWT,
        .cache = {.responses = true,
                  .shared = shared,
                  .local_bytes = 1 << 20,
                  .local_ttl_ms = 60000,
                  .default_max_age = 0,
                  .stale_grace = 60,
                  .apq_ttl = 60,
                  .prefix = prefix,
                  .schema_version = "test"},
    };
    rs_engine memcached_only = engine;
    memcached_only.cache.local_bytes = 0;
    db_pool_config pool = {.conninfo = db_url,
                           .size = 2,
                           .pipeline_depth = 16,
                           .queue_max = 100,
                           .statement_timeout_ms = 5000,
                           .connect_timeout_ms = 3000};
    loop = h2o_evloop_create();
    rs_worker *w = rs_worker_create(&engine, loop, &pool, NULL, err, sizeof(err));
    rs_worker *other = rs_worker_create(&memcached_only, loop, &pool, NULL, err, sizeof(err));
    CHECK(w != NULL && other != NULL);
    if (w != NULL && other != NULL) {
        test_isolation(w, other, shared);
        test_single_flight(w, shared);
        test_apq_not_found(w);
    }
    rs_worker_destroy(w);
    rs_worker_destroy(other);
    h2o_evloop_run(loop, 0); /* frees the socket wrappers closed above */
    cache_shared_destroy(shared);
    gql_schema_free(schema);
    return CHECK_EXIT();
}
