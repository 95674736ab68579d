/*
 * metrics: bucket boundaries (Prometheus `le` is "less than or equal"), the
 * text rendering, the cache source hook, EMF deltas, and per-worker counters
 * written by their own threads while another thread reads them: no count is
 * lost.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "server/metrics.h"

static bool has_line(const base_buf *b, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = b->data; p != NULL && p < b->data + b->len;
         p = memchr(p, '\n', (size_t)(b->data + b->len - p))) {
        if (*p == '\n')
            p++;
        if ((size_t)(b->data + b->len - p) >= n + 1 && memcmp(p, line, n) == 0 && p[n] == '\n')
            return true;
    }
    return false;
}

static void render(const metrics *m, base_buf *b)
{
    base_buf_free(b);
    base_buf_init(b);
    metrics_render_prometheus(m, b);
    base_buf_putc(b, '\0');
    b->len--;
}

static void test_buckets_and_render(void)
{
    metrics *m = metrics_create(2);
    CHECK(m != NULL);
    metrics_worker *w0 = metrics_worker_at(m, 0), *w1 = metrics_worker_at(m, 1);
    metrics_record(w0, METRICS_ROUTE_GRAPHQL, 200, 250, NULL);      /* on the bound: le="0.00025" */
    metrics_record(w1, METRICS_ROUTE_GRAPHQL, 200, 251, NULL);      /* just above: le="0.0005" */
    metrics_record(w1, METRICS_ROUTE_GRAPHQL, 503, 10000001, NULL); /* beyond the last bound: +Inf only */
    metrics_record(w0, METRICS_ROUTE_OTHER, 404, 0, NULL);
    metrics_record(w0, METRICS_ROUTE_OTHER, 1000, 0, NULL); /* not an HTTP status: counted as 0 */
    rs_facts facts = {.db_us = 1500000, .db_statements = 2, .db_timeouts = 1, .db_failures = 1};
    metrics_record(w1, METRICS_ROUTE_GRAPHQL, 200, 2000000, &facts);

    base_buf b;
    base_buf_init(&b);
    render(m, &b);
    CHECK(has_line(&b, "# TYPE gqld_http_requests_total counter"));
    CHECK(has_line(&b, "gqld_http_requests_total{route=\"graphql\",status=\"200\"} 3"));
    CHECK(has_line(&b, "gqld_http_requests_total{route=\"graphql\",status=\"503\"} 1"));
    CHECK(has_line(&b, "gqld_http_requests_total{route=\"other\",status=\"404\"} 1"));
    CHECK(has_line(&b, "gqld_http_requests_total{route=\"other\",status=\"0\"} 1"));
    CHECK(has_line(&b, "gqld_http_request_duration_seconds_bucket{route=\"graphql\",le=\"0.00025\"} 1"));
    CHECK(has_line(&b, "gqld_http_request_duration_seconds_bucket{route=\"graphql\",le=\"0.0005\"} 2"));
    CHECK(has_line(&b, "gqld_http_request_duration_seconds_bucket{route=\"graphql\",le=\"2.5\"} 3"));
    CHECK(has_line(&b, "gqld_http_request_duration_seconds_bucket{route=\"graphql\",le=\"10\"} 3"));
    CHECK(has_line(&b, "gqld_http_request_duration_seconds_bucket{route=\"graphql\",le=\"+Inf\"} 4"));
    CHECK(has_line(&b, "gqld_http_request_duration_seconds_count{route=\"graphql\"} 4"));
    CHECK(has_line(&b, "gqld_http_request_duration_seconds_sum{route=\"graphql\"} 12.000502"));
    CHECK(has_line(&b, "gqld_db_errors_total{kind=\"timeout\"} 1"));
    CHECK(has_line(&b, "gqld_db_errors_total{kind=\"query\"} 1"));
    CHECK(has_line(&b, "gqld_db_errors_total{kind=\"unavailable\"} 0"));
    CHECK(has_line(&b, "gqld_db_time_seconds_total 1.500000"));
    CHECK(has_line(&b, "gqld_cache_hits_total{tier=\"local\"} 0"));

    rs_worker_stats s0 = {.pool = {.connections_up = 2,
                                   .connections_busy = 1,
                                   .in_flight = 3,
                                   .waiting = 4,
                                   .statements_sent = 10,
                                   .reconnects = 1},
                          .coalesce = {.queries = 40, .shared = 30, .retried = 1, .statements = 12}};
    rs_worker_stats s1 = {
        .pool = {.connections_up = 1, .connections_busy = 1, .in_flight = 1, .statements_sent = 5},
        .coalesce = {.queries = 9, .shared = 6, .statements = 5}};
    metrics_publish_pool(w0, &s0, 2);
    metrics_publish_pool(w1, &s1, 2);
    render(m, &b);
    CHECK(has_line(&b, "gqld_db_pool_size 4"));
    CHECK(has_line(&b, "gqld_db_pool_connections{state=\"up\"} 3"));
    CHECK(has_line(&b, "gqld_db_pool_connections{state=\"in_use\"} 2"));
    CHECK(has_line(&b, "gqld_db_statements_in_flight 4"));
    CHECK(has_line(&b, "gqld_db_queries_waiting 4"));
    CHECK(has_line(&b, "gqld_db_statements_total 15"));
    CHECK(has_line(&b, "gqld_db_reconnects_total 1"));
    CHECK(has_line(&b, "gqld_db_coalesced_queries_total 36"));
    CHECK(has_line(&b, "gqld_db_coalesce_retries_total 1"));
    base_buf_free(&b);
    metrics_destroy(m);
}

static void cache_source(void *user, metrics_cache_counts *out)
{
    CHECK_STR((const char *)user, "the cache");
    *out = (metrics_cache_counts){.hits_local = 7,
                                  .hits_memcached = 5,
                                  .misses = 3,
                                  .stale_served = 2,
                                  .errors = 1,
                                  .stores = 11,
                                  .bytes_read = 4096,
                                  .bytes_written = 512,
                                  .flight_waits = 4,
                                  .unparsed_hits = 9,
                                  .apq_hits = 6,
                                  .apq_misses = 8,
                                  .memcached_up = 1};
}

static void test_cache_source(void)
{
    metrics *m = metrics_create(1);
    metrics_set_cache_source(m, cache_source, (void *)"the cache");
    base_buf b;
    base_buf_init(&b);
    render(m, &b);
    CHECK(has_line(&b, "gqld_cache_hits_total{tier=\"local\"} 7"));
    CHECK(has_line(&b, "gqld_cache_hits_total{tier=\"memcached\"} 5"));
    CHECK(has_line(&b, "gqld_cache_misses_total 3"));
    CHECK(has_line(&b, "gqld_cache_stale_served_total 2"));
    CHECK(has_line(&b, "gqld_cache_errors_total 1"));
    CHECK(has_line(&b, "gqld_cache_stores_total 11"));
    CHECK(has_line(&b, "gqld_cache_memcached_bytes_total{direction=\"read\"} 4096"));
    CHECK(has_line(&b, "gqld_cache_memcached_bytes_total{direction=\"written\"} 512"));
    CHECK(has_line(&b, "gqld_cache_flight_waits_total 4"));
    CHECK(has_line(&b, "gqld_cache_unparsed_hits_total 9"));
    CHECK(has_line(&b, "gqld_apq_lookups_total{result=\"hit\"} 6"));
    CHECK(has_line(&b, "gqld_apq_lookups_total{result=\"not_found\"} 8"));
    CHECK(has_line(&b, "gqld_cache_memcached_up 1"));
    base_buf_free(&b);
    metrics_destroy(m);
}

static bool emf_has(const base_buf *b, const char *member)
{
    return strstr(b->data, member) != NULL;
}

static void test_emf_deltas(void)
{
    metrics *m = metrics_create(1);
    metrics_set_cache_source(m, cache_source, (void *)"the cache");
    metrics_worker *w = metrics_worker_at(m, 0);
    for (int i = 0; i < 99; i++)
        metrics_record(w, METRICS_ROUTE_GRAPHQL, 200, 800, NULL); /* the 1 ms bucket */
    metrics_record(w, METRICS_ROUTE_GRAPHQL, 500, 40000, NULL);   /* the 50 ms bucket */
    metrics_record(w, METRICS_ROUTE_HEALTHZ, 200, 10, NULL);      /* not a GraphQL request */
    metrics_emf_state state = {0};
    base_buf b;
    base_buf_init(&b);
    metrics_emf_line(m, &state, "ns/x", &b);
    base_buf_putc(&b, '\0');
    CHECK(strncmp(b.data, "{\"_aws\":{\"Timestamp\":", 21) == 0);
    CHECK(emf_has(&b, "\"Namespace\":\"ns/x\",\"Dimensions\":[[\"Service\"]]"));
    CHECK(emf_has(&b, "\"Service\":\"gqld\""));
    CHECK(emf_has(&b, "\"Requests\":100,"));
    CHECK(emf_has(&b, "\"Http5xx\":1,"));
    CHECK(emf_has(&b, "\"LatencyP50\":1,"));
    CHECK(emf_has(&b, "\"LatencyP99\":1,")); /* the 99th of 100 is still in the 1 ms bucket */
    CHECK(emf_has(&b, "\"LatencyAverage\":1.192,"));
    CHECK(emf_has(&b, "\"CacheHits\":12,"));
    CHECK(b.data[b.len - 2] == '\n');

    /* Nothing since: zero counts, and no latencies of no request. */
    base_buf_free(&b);
    base_buf_init(&b);
    metrics_emf_line(m, &state, "ns/x", &b);
    base_buf_putc(&b, '\0');
    CHECK(emf_has(&b, "\"Requests\":0,"));
    CHECK(emf_has(&b, "\"CacheHits\":0,"));
    CHECK(!emf_has(&b, "Latency"));

    metrics_record(w, METRICS_ROUTE_GRAPHQL, 200, 40000, NULL);
    base_buf_free(&b);
    base_buf_init(&b);
    metrics_emf_line(m, &state, "ns/x", &b);
    base_buf_putc(&b, '\0');
    CHECK(emf_has(&b, "\"Requests\":1,"));
    CHECK(emf_has(&b, "\"LatencyP99\":50,"));
    base_buf_free(&b);
    metrics_destroy(m);
}

enum { PER_THREAD = 200000, THREADS = 4 };

static void *writer(void *arg)
{
    metrics_worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++)
        metrics_record(w, METRICS_ROUTE_GRAPHQL, 200, (uint64_t)(i % 3000), NULL);
    return NULL;
}

static void test_threads(void)
{
    metrics *m = metrics_create(THREADS);
    pthread_t t[THREADS];
    for (unsigned i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, writer, metrics_worker_at(m, i));
    base_buf b;
    base_buf_init(&b);
    for (int i = 0; i < 20; i++)
        render(m, &b); /* reading while they write */
    for (unsigned i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    render(m, &b);
    char want[128];
    snprintf(want, sizeof(want), "gqld_http_requests_total{route=\"graphql\",status=\"200\"} %d",
             PER_THREAD * THREADS);
    CHECK(has_line(&b, want));
    base_buf_free(&b);
    metrics_destroy(m);
}

static void test_routes(void)
{
    CHECK_INT(metrics_route_of("/graphql", 8), METRICS_ROUTE_GRAPHQL);
    CHECK_INT(metrics_route_of("/graphqlx", 9), METRICS_ROUTE_OTHER);
    CHECK_INT(metrics_route_of("/metrics", 8), METRICS_ROUTE_METRICS);
    CHECK_INT(metrics_route_of("/", 1), METRICS_ROUTE_PLAYGROUND);
    CHECK_INT(metrics_route_of("/playground/app.js", 18), METRICS_ROUTE_PLAYGROUND);
    CHECK_INT(metrics_route_of(NULL, 0), METRICS_ROUTE_OTHER);
}

int main(void)
{
    test_buckets_and_render();
    test_cache_source();
    test_emf_deltas();
    test_threads();
    test_routes();
    return CHECK_EXIT();
}
