#include "server/metrics.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

typedef _Atomic uint64_t counter;

enum { STATUS_SLOTS = 600 }; /* HTTP statuses 0..599; anything else is counted as 0 */

/* Upper bounds of the latency buckets, in microseconds: 0.25 ms to 10 s. */
static const uint64_t latency_bound_us[METRICS_LATENCY_BOUNDS] = {
    250,    500,    1000,   2500,    5000,    10000,   25000,    50000,
    100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};

/* Upper bounds of the query cost buckets, in cost points (schema/gql_cost.h). */
static const double cost_bound[METRICS_COST_BOUNDS] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};

static const char *const route_name[METRICS_ROUTES] = {"graphql", "healthz",    "readyz",
                                                       "metrics", "playground", "other"};

/* Aligned to a cache line each, so that two workers never write the same line. */
struct metrics_worker {
    _Alignas(64) counter requests[METRICS_ROUTES][STATUS_SLOTS];
    counter latency[METRICS_ROUTES][METRICS_LATENCY_SLOTS]; /* per bucket, not cumulative */
    counter latency_sum_us[METRICS_ROUTES];
    counter db_us, db_statements, db_timeouts, db_unavailable, db_failures;
    /* The pool's gauges and counters, as last published. */
    counter pool_size, pool_up, pool_busy, pool_in_flight, pool_waiting, pool_sent, pool_reconnects;
    counter coalesced, coalesce_retries;
    counter cost[METRICS_COST_SLOTS]; /* GraphQL requests by static cost, per bucket */
    counter cost_sum;                 /* their costs, rounded up */
};

struct metrics {
    metrics_worker *workers;
    unsigned nworkers;
    metrics_cache_source cache_source;
    void *cache_user;
    metrics_ratelimit_source ratelimit_source;
    void *ratelimit_user;
};

/* The single writer's increment: no read-modify-write instruction needed. */
static inline void bump(counter *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

static inline void set(counter *c, uint64_t v)
{
    atomic_store_explicit(c, v, memory_order_relaxed);
}

static inline uint64_t get(const counter *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

metrics *metrics_create(unsigned nworkers)
{
    metrics *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    size_t size = (size_t)nworkers * sizeof(metrics_worker);
    m->workers = aligned_alloc(_Alignof(metrics_worker), size);
    if (m->workers == NULL) {
        free(m);
        return NULL;
    }
    memset(m->workers, 0, size); /* zero is a valid value of every atomic counter */
    m->nworkers = nworkers;
    return m;
}

void metrics_destroy(metrics *m)
{
    if (m == NULL)
        return;
    free(m->workers);
    free(m);
}

metrics_worker *metrics_worker_at(metrics *m, unsigned index)
{
    return &m->workers[index];
}

void metrics_set_cache_source(metrics *m, metrics_cache_source source, void *user)
{
    m->cache_source = source;
    m->cache_user = user;
}

void metrics_set_ratelimit_source(metrics *m, metrics_ratelimit_source source, void *user)
{
    m->ratelimit_source = source;
    m->ratelimit_user = user;
}

metrics_route metrics_route_of(const char *path, size_t len)
{
#define IS(lit) (len == sizeof(lit) - 1 && memcmp(path, lit, len) == 0)
    if (IS("/graphql"))
        return METRICS_ROUTE_GRAPHQL;
    if (IS("/healthz"))
        return METRICS_ROUTE_HEALTHZ;
    if (IS("/readyz"))
        return METRICS_ROUTE_READYZ;
    if (IS("/metrics"))
        return METRICS_ROUTE_METRICS;
    if (IS("/") || IS("/playground") || (len > 12 && memcmp(path, "/playground/", 12) == 0))
        return METRICS_ROUTE_PLAYGROUND;
    return METRICS_ROUTE_OTHER;
#undef IS
}

static size_t bucket_of(uint64_t us)
{
    size_t i = 0;
    while (i < METRICS_LATENCY_BOUNDS && us > latency_bound_us[i])
        i++;
    return i;
}

void metrics_record(metrics_worker *w, metrics_route route, int status, uint64_t duration_us,
                    const rs_facts *facts)
{
    bump(&w->requests[route][status >= 0 && status < STATUS_SLOTS ? status : 0], 1);
    bump(&w->latency[route][bucket_of(duration_us)], 1);
    bump(&w->latency_sum_us[route], duration_us);
    if (facts != NULL && facts->cost >= 0 && route == METRICS_ROUTE_GRAPHQL) {
        size_t i = 0;
        while (i < METRICS_COST_BOUNDS && facts->cost > cost_bound[i])
            i++;
        bump(&w->cost[i], 1);
        bump(&w->cost_sum, facts->cost < 1e15 ? (uint64_t)(facts->cost + 0.999999) : (uint64_t)1e15);
    }
    if (facts != NULL && facts->db_statements > 0) {
        bump(&w->db_us, facts->db_us);
        bump(&w->db_statements, facts->db_statements);
        bump(&w->db_timeouts, facts->db_timeouts);
        bump(&w->db_unavailable, facts->db_unavailable);
        bump(&w->db_failures, facts->db_failures);
    }
}

void metrics_publish_pool(metrics_worker *w, const rs_worker_stats *stats, unsigned pool_size)
{
    set(&w->coalesced, stats->coalesce.shared);
    set(&w->coalesce_retries, stats->coalesce.retried);
    set(&w->pool_size, pool_size);
    set(&w->pool_up, stats->pool.connections_up);
    set(&w->pool_busy, stats->pool.connections_busy);
    set(&w->pool_in_flight, stats->pool.in_flight);
    set(&w->pool_waiting, stats->pool.waiting);
    set(&w->pool_sent, stats->pool.statements_sent);
    set(&w->pool_reconnects, stats->pool.reconnects);
}

/* ---- reading ---- */

/* The sum over workers of the counter at the same place in each worker. */
static uint64_t sum(const metrics *m, const counter *first)
{
    size_t offset = (size_t)((const char *)first - (const char *)&m->workers[0]);
    uint64_t total = 0;
    for (unsigned i = 0; i < m->nworkers; i++)
        total += get((const counter *)((const char *)&m->workers[i] + offset));
    return total;
}

#define SUM(m, field) sum((m), &(m)->workers[0].field)

static void cache_counts(const metrics *m, metrics_cache_counts *out)
{
    memset(out, 0, sizeof(*out));
    if (m->cache_source != NULL)
        m->cache_source(m->cache_user, out);
}

/* ---- Prometheus text ---- */

static void header(base_buf *b, const char *name, const char *type, const char *help)
{
    base_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(base_buf *b, const char *name, const char *labels, uint64_t value)
{
    base_buf_printf(b, "%s%s %llu\n", name, labels, (unsigned long long)value);
}

static void single(base_buf *b, const char *name, const char *type, const char *help, uint64_t value)
{
    header(b, name, type, help);
    sample(b, name, "", value);
}

static void seconds(base_buf *b, const char *name, const char *labels, uint64_t us)
{
    base_buf_printf(b, "%s%s %llu.%06llu\n", name, labels, (unsigned long long)(us / 1000000),
                    (unsigned long long)(us % 1000000));
}

/* A bucket bound as Prometheus clients write it: the shortest decimal, "0.00025", "2.5", "10". */
static void bound_text(uint64_t us, char out[32])
{
    int n = snprintf(out, 32, "%llu.%06llu", (unsigned long long)(us / 1000000),
                     (unsigned long long)(us % 1000000));
    while (n > 0 && out[n - 1] == '0')
        out[--n] = '\0';
    if (n > 0 && out[n - 1] == '.')
        out[--n] = '\0';
}

static void render_requests(const metrics *m, base_buf *b)
{
    header(b, "gqld_http_requests_total", "counter", "HTTP requests answered, by route and status.");
    for (int r = 0; r < METRICS_ROUTES; r++)
        for (int s = 0; s < STATUS_SLOTS; s++) {
            uint64_t n = SUM(m, requests[r][s]);
            if (n > 0)
                base_buf_printf(b, "gqld_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                                route_name[r], s, (unsigned long long)n);
        }
    header(b, "gqld_http_request_duration_seconds", "histogram",
           "Time from the request's first byte to its response, by route.");
    for (int r = 0; r < METRICS_ROUTES; r++) {
        uint64_t cumulative = 0;
        for (int i = 0; i < METRICS_LATENCY_SLOTS; i++) {
            cumulative += SUM(m, latency[r][i]);
            char le[32] = "+Inf";
            if (i < METRICS_LATENCY_BOUNDS)
                bound_text(latency_bound_us[i], le);
            base_buf_printf(b, "gqld_http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %llu\n",
                            route_name[r], le, (unsigned long long)cumulative);
        }
        char labels[32];
        snprintf(labels, sizeof(labels), "{route=\"%s\"}", route_name[r]);
        seconds(b, "gqld_http_request_duration_seconds_sum", labels, SUM(m, latency_sum_us[r]));
        sample(b, "gqld_http_request_duration_seconds_count", labels, cumulative);
    }
}

static void render_database(const metrics *m, base_buf *b)
{
    single(b, "gqld_db_pool_size", "gauge", "Database connections configured (all threads).",
           SUM(m, pool_size));
    header(b, "gqld_db_pool_connections", "gauge",
           "Database connections by state: up (usable), in_use (up, "
           "with statements in flight).");
    sample(b, "gqld_db_pool_connections", "{state=\"up\"}", SUM(m, pool_up));
    sample(b, "gqld_db_pool_connections", "{state=\"in_use\"}", SUM(m, pool_busy));
    single(b, "gqld_db_statements_in_flight", "gauge", "Statements sent and not yet answered.",
           SUM(m, pool_in_flight));
    single(b, "gqld_db_queries_waiting", "gauge", "Queries waiting for a database connection.",
           SUM(m, pool_waiting));
    single(b, "gqld_db_statements_total", "counter", "Statements the pool executed (re-runs included).",
           SUM(m, pool_sent));
    single(b, "gqld_db_reconnects_total", "counter", "Database connections re-established after a loss.",
           SUM(m, pool_reconnects));
    single(
        b, "gqld_db_coalesced_queries_total", "counter",
        "Root-field queries sent in a statement shared with other requests of the same shape (DB_COALESCE).",
        SUM(m, coalesced));
    single(b, "gqld_db_coalesce_retries_total", "counter",
           "Shared statements that failed and were run again one request at a time.",
           SUM(m, coalesce_retries));
    header(
        b, "gqld_db_errors_total", "counter",
        "Statements of GraphQL requests that failed, by kind: timeout, unavailable, query (server error).");
    sample(b, "gqld_db_errors_total", "{kind=\"timeout\"}", SUM(m, db_timeouts));
    sample(b, "gqld_db_errors_total", "{kind=\"unavailable\"}", SUM(m, db_unavailable));
    sample(b, "gqld_db_errors_total", "{kind=\"query\"}", SUM(m, db_failures));
    header(b, "gqld_db_time_seconds_total", "counter",
           "Time GraphQL requests waited on the database, from their first statement to their last answer.");
    seconds(b, "gqld_db_time_seconds_total", "", SUM(m, db_us));
}

static void render_cache(const metrics *m, base_buf *b)
{
    metrics_cache_counts c;
    cache_counts(m, &c);
    header(b, "gqld_cache_hits_total", "counter", "Responses answered by the response cache, by tier.");
    sample(b, "gqld_cache_hits_total", "{tier=\"local\"}", c.hits_local);
    sample(b, "gqld_cache_hits_total", "{tier=\"memcached\"}", c.hits_memcached);
    single(b, "gqld_cache_misses_total", "counter", "Cacheable responses no cache tier had.", c.misses);
    single(b, "gqld_cache_stale_served_total", "counter",
           "Stale responses served because the database failed.", c.stale_served);
    single(b, "gqld_cache_errors_total", "counter", "Cache tier errors (memcached unreachable or slow).",
           c.errors);
    single(b, "gqld_cache_stores_total", "counter", "Responses written to the cache.", c.stores);
    header(b, "gqld_cache_memcached_bytes_total", "counter", "Value bytes moved to and from memcached.");
    sample(b, "gqld_cache_memcached_bytes_total", "{direction=\"read\"}", c.bytes_read);
    sample(b, "gqld_cache_memcached_bytes_total", "{direction=\"written\"}", c.bytes_written);
    single(b, "gqld_cache_flight_waits_total", "counter",
           "Requests that waited on another request's fetch of the same response (single flight).",
           c.flight_waits);
    single(b, "gqld_cache_unparsed_hits_total", "counter",
           "Hits found by a request's bytes alone: a repeat of a cacheable request, answered before parsing "
           "(also counted in gqld_cache_hits_total).",
           c.unparsed_hits);
    header(b, "gqld_apq_lookups_total", "counter", "Automatic persisted query lookups by hash, by result.");
    sample(b, "gqld_apq_lookups_total", "{result=\"hit\"}", c.apq_hits);
    sample(b, "gqld_apq_lookups_total", "{result=\"not_found\"}", c.apq_misses);
    single(b, "gqld_cache_memcached_up", "gauge",
           "1 while memcached answers (0 after a failure, or without one).", c.memcached_up);
}

static void render_cost(const metrics *m, base_buf *b)
{
    header(b, "gqld_graphql_cost", "histogram",
           "Static cost of the GraphQL operations requested (IBM cost directives: Type Cost + Field Cost).");
    uint64_t cumulative = 0;
    for (int i = 0; i < METRICS_COST_SLOTS; i++) {
        cumulative += SUM(m, cost[i]);
        if (i < METRICS_COST_BOUNDS)
            base_buf_printf(b, "gqld_graphql_cost_bucket{le=\"%.0f\"} %llu\n", cost_bound[i],
                            (unsigned long long)cumulative);
        else
            base_buf_printf(b, "gqld_graphql_cost_bucket{le=\"+Inf\"} %llu\n",
                            (unsigned long long)cumulative);
    }
    sample(b, "gqld_graphql_cost_sum", "", SUM(m, cost_sum));
    sample(b, "gqld_graphql_cost_count", "", cumulative);
}

static void render_ratelimit(const metrics *m, base_buf *b)
{
    cache_rl_stats r;
    if (m->ratelimit_source == NULL || !m->ratelimit_source(m->ratelimit_user, &r))
        return;
    header(
        b, "gqld_rate_limit_requests_total", "counter",
        "GraphQL requests charged to a rate limit budget, by policy and result (admitted or refused, 429).");
    for (size_t p = 0; p < r.npolicies; p++)
        for (int refused = 0; refused < 2; refused++)
            base_buf_printf(b, "gqld_rate_limit_requests_total{policy=\"%s\",result=\"%s\"} %llu\n",
                            r.names[p], refused ? "refused" : "admitted",
                            (unsigned long long)(refused ? r.refused[p] : r.admitted[p]));
    header(b, "gqld_rate_limit_points_total", "counter",
           "Cost points admitted, by policy: by this process (local), or by the others as learned from "
           "memcached (remote).");
    for (size_t p = 0; p < r.npolicies; p++) {
        base_buf_printf(b, "gqld_rate_limit_points_total{policy=\"%s\",by=\"local\"} %llu\n", r.names[p],
                        (unsigned long long)r.points[p]);
        base_buf_printf(b, "gqld_rate_limit_points_total{policy=\"%s\",by=\"remote\"} %llu\n", r.names[p],
                        (unsigned long long)r.remote_points[p]);
    }
    single(b, "gqld_rate_limit_syncs_total", "counter", "memcached round trips reconciling the budgets.",
           r.syncs);
    single(b, "gqld_rate_limit_sync_errors_total", "counter", "Reconciliation round trips memcached failed.",
           r.sync_errors);
    single(b, "gqld_rate_limit_untracked_total", "counter",
           "Requests admitted without a budget: too many callers tracked at once.", r.untracked);
    single(b, "gqld_rate_limit_callers", "gauge", "Callers whose budget this process tracks now.", r.callers);
    single(b, "gqld_rate_limit_processes", "gauge",
           "Processes sharing the budgets, as last counted through memcached.", r.processes);
    single(b, "gqld_rate_limit_shared", "gauge",
           "1 while budgets are shared through memcached; 0: each process enforces its share.", r.shared);
}

void metrics_render_prometheus(const metrics *m, base_buf *out)
{
    render_requests(m, out);
    render_database(m, out);
    render_cache(m, out);
    render_cost(m, out);
    render_ratelimit(m, out);
}

/* ---- CloudWatch Embedded Metric Format ---- */

/* The upper bound (ms) of the bucket holding the q-quantile of the counts; the largest bound for +Inf. */
static double quantile_ms(const uint64_t *counts, uint64_t total, double q)
{
    uint64_t rank = (uint64_t)((double)total * q + 0.999999), seen = 0;
    for (int i = 0; i < METRICS_LATENCY_BOUNDS; i++) {
        seen += counts[i];
        if (seen >= rank)
            return (double)latency_bound_us[i] / 1000.0;
    }
    return (double)latency_bound_us[METRICS_LATENCY_BOUNDS - 1] / 1000.0;
}

typedef struct emf_metric {
    const char *name;
    const char *unit;
    double value;
} emf_metric;

void metrics_emf_line(const metrics *m, metrics_emf_state *state, const char *ns, base_buf *out)
{
    const int g = METRICS_ROUTE_GRAPHQL;
    metrics_emf_state now = {0};
    for (int s = 0; s < STATUS_SLOTS; s++) {
        uint64_t n = SUM(m, requests[g][s]);
        now.requests += n;
        now.status_4xx += s >= 400 && s < 500 ? n : 0;
        now.status_5xx += s >= 500 ? n : 0;
    }
    for (int i = 0; i < METRICS_LATENCY_SLOTS; i++)
        now.latency[i] = SUM(m, latency[g][i]);
    now.latency_sum_us = SUM(m, latency_sum_us[g]);
    now.db_errors = SUM(m, db_timeouts) + SUM(m, db_unavailable) + SUM(m, db_failures);
    now.db_us = SUM(m, db_us);
    metrics_cache_counts c;
    cache_counts(m, &c);
    now.cache_hits = c.hits_local + c.hits_memcached;
    now.cache_misses = c.misses;

    uint64_t requests = now.requests - state->requests;
    uint64_t delta[METRICS_LATENCY_SLOTS];
    for (int i = 0; i < METRICS_LATENCY_SLOTS; i++)
        delta[i] = now.latency[i] - state->latency[i];
    emf_metric list[12];
    size_t n = 0;
    list[n++] = (emf_metric){"Requests", "Count", (double)requests};
    list[n++] = (emf_metric){"Http4xx", "Count", (double)(now.status_4xx - state->status_4xx)};
    list[n++] = (emf_metric){"Http5xx", "Count", (double)(now.status_5xx - state->status_5xx)};
    if (requests > 0) { /* latencies of no request would read as 0 ms: leave them out */
        list[n++] =
            (emf_metric){"LatencyAverage", "Milliseconds",
                         (double)(now.latency_sum_us - state->latency_sum_us) / 1000.0 / (double)requests};
        list[n++] = (emf_metric){"LatencyP50", "Milliseconds", quantile_ms(delta, requests, 0.50)};
        list[n++] = (emf_metric){"LatencyP99", "Milliseconds", quantile_ms(delta, requests, 0.99)};
    }
    list[n++] = (emf_metric){"DatabaseTime", "Milliseconds", (double)(now.db_us - state->db_us) / 1000.0};
    list[n++] = (emf_metric){"DatabaseErrors", "Count", (double)(now.db_errors - state->db_errors)};
    list[n++] = (emf_metric){"CacheHits", "Count", (double)(now.cache_hits - state->cache_hits)};
    list[n++] = (emf_metric){"CacheMisses", "Count", (double)(now.cache_misses - state->cache_misses)};
    list[n++] = (emf_metric){"DatabaseConnectionsInUse", "Count", (double)SUM(m, pool_busy)};
    list[n++] = (emf_metric){"DatabaseQueriesWaiting", "Count", (double)SUM(m, pool_waiting)};
    *state = now;

    struct timeval tv;
    gettimeofday(&tv, NULL);
    base_buf_printf(out, "{\"_aws\":{\"Timestamp\":%lld,\"CloudWatchMetrics\":[{\"Namespace\":",
                    (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
    base_buf_json_string(out, ns, strlen(ns));
    base_buf_puts(out, ",\"Dimensions\":[[\"Service\"]],\"Metrics\":[");
    for (size_t i = 0; i < n; i++)
        base_buf_printf(out, "%s{\"Name\":\"%s\",\"Unit\":\"%s\"}", i ? "," : "", list[i].name, list[i].unit);
    base_buf_puts(out, "]}]},\"Service\":\"gqld\"");
    for (size_t i = 0; i < n; i++)
        base_buf_printf(out, ",\"%s\":%.15g", list[i].name, list[i].value);
    base_buf_puts(out, "}\n");
}
