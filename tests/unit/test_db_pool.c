/*
 * test_db_pool.c: the libpq pool against a real PostgreSQL, driven by a real
 * h2o event loop. Needs GQLD_TEST_DATABASE_URL (exit 77, "skipped", when it
 * is unset). Every wait is bounded, and alarm() ends the run if anything
 * hangs anyway.
 *
 * Optional: GQLD_TEST_PG_STOP and GQLD_TEST_PG_START, shell commands that stop
 * and start the server, add a restart-in-the-middle test. The hung-backend
 * test stops a backend with SIGSTOP, and only runs when the server is on this
 * machine and the backend may be signalled (else it says it skipped).
 */
#include "check.h"
#include "resolvers/db/db_pool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static h2o_loop_t *loop;
static const char *db_url;

typedef struct reply {
    int calls;
    db_status status;
    char sqlstate[8];
    char value[64];
    char value2[64];
    char message[256];
    int ntuples;
    int length; /* of the first value */
    int format;
    bool sent;
    uint64_t at_ms;
} reply;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static long num(const char *s)
{
    return strtol(s, NULL, 10);
}

static void on_reply(void *ctx, const db_result *r)
{
    reply *rep = ctx;
    rep->calls++;
    rep->status = r->status;
    rep->at_ms = now_ms();
    rep->sent = r->sent;
    snprintf(rep->sqlstate, sizeof(rep->sqlstate), "%s", r->sqlstate != NULL ? r->sqlstate : "(null)");
    snprintf(rep->message, sizeof(rep->message), "%s", r->message != NULL ? r->message : "(null)");
    if (r->status == DB_OK) {
        rep->ntuples = PQntuples(r->res);
        rep->format = PQnfields(r->res) > 0 ? PQfformat(r->res, 0) : -1;
        if (rep->ntuples > 0 && PQnfields(r->res) > 0)
            rep->length = PQgetlength(r->res, 0, 0);
        if (rep->ntuples > 0 && PQnfields(r->res) > 0)
            snprintf(rep->value, sizeof(rep->value), "%s", PQgetvalue(r->res, 0, 0));
        if (rep->ntuples > 0 && PQnfields(r->res) > 1)
            snprintf(rep->value2, sizeof(rep->value2), "%s", PQgetvalue(r->res, 0, 1));
    }
}

/* Runs the loop until done(arg) or `ms` pass. */
static bool run_until(bool (*done)(const void *), const void *arg, unsigned ms)
{
    uint64_t end = now_ms() + ms;
    while (!done(arg)) {
        if (now_ms() > end)
            return false;
        h2o_evloop_run(loop, 10);
    }
    return true;
}

static void run_for(unsigned ms)
{
    uint64_t end = now_ms() + ms;
    while (now_ms() < end)
        h2o_evloop_run(loop, 10);
}

static bool replied(const void *arg)
{
    return ((const reply *)arg)->calls > 0;
}

typedef struct replies {
    reply *r;
    int n;
} replies;

static bool all_replied(const void *arg)
{
    const replies *rs = arg;
    for (int i = 0; i < rs->n; i++)
        if (rs->r[i].calls == 0)
            return false;
    return true;
}

static bool pool_up(const void *arg)
{
    return db_pool_is_up(arg);
}

typedef struct want_up {
    const db_pool *pool;
    unsigned n;
} want_up;

static bool conns_up(const void *arg)
{
    const want_up *w = arg;
    db_pool_stats st;
    db_pool_get_stats(w->pool, &st);
    return st.connections_up == w->n;
}

/* Waits (at most 5 s) until n connections are up. */
static bool wait_up(const db_pool *pool, unsigned n)
{
    want_up w = {pool, n};
    return run_until(conns_up, &w, 5000);
}

static db_pool *make_pool(const char *conninfo, unsigned size, unsigned depth, unsigned queue_max,
                          unsigned statement_ms, unsigned connect_ms, bool prepare)
{
    db_pool_config cfg = {
        .conninfo = conninfo,
        .size = size,
        .pipeline_depth = depth,
        .queue_max = queue_max,
        .statement_timeout_ms = statement_ms,
        .connect_timeout_ms = connect_ms,
        .protocol = prepare ? DB_PROTOCOL_PREPARED : DB_PROTOCOL_PROXY,
    };
    char err[256] = "";
    db_pool *pool = db_pool_create(loop, &cfg, err, sizeof(err));
    if (pool == NULL)
        fprintf(stderr, "db_pool_create: %s\n", err);
    return pool;
}

/* Destroys the pool, then lets h2o free the closed socket wrappers. */
static void drop_pool(db_pool *pool)
{
    db_pool_destroy(pool);
    h2o_evloop_run(loop, 0);
}

/* One query, waited for (at most 10 s). */
static reply query1(db_pool *pool, const char *sql, int nparams, const char *const *params)
{
    reply r = {0};
    db_query *q = db_pool_query(pool, sql, nparams, params, on_reply, &r);
    CHECK(q != NULL);
    CHECK_INT(r.calls, 0); /* never inside db_pool_query */
    CHECK(run_until(replied, &r, 10000));
    CHECK_INT(r.calls, 1);
    return r;
}

/* The test URL with application_name set, as a URI parameter or a key=value pair. */
static void with_app_name(char *buf, size_t len, const char *name)
{
    bool uri = strncmp(db_url, "postgres://", 11) == 0 || strncmp(db_url, "postgresql://", 13) == 0;
    if (uri)
        snprintf(buf, len, "%s%capplication_name=%s", db_url, strchr(db_url, '?') != NULL ? '&' : '?', name);
    else
        snprintf(buf, len, "%s application_name=%s", db_url, name);
}

/* A blocking side connection for what the test does behind the pool's back. */
static PGconn *side_connection(void)
{
    PGconn *pg = PQconnectdb(db_url);
    if (PQstatus(pg) != CONNECTION_OK)
        fprintf(stderr, "side connection: %s", PQerrorMessage(pg));
    CHECK(PQstatus(pg) == CONNECTION_OK);
    return pg;
}

static int terminate_backends(const char *app_name)
{
    PGconn *pg = side_connection();
    const char *params[] = {app_name};
    PGresult *r =
        PQexecParams(pg,
                     "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                     "WHERE application_name = $1",
                     1, NULL, params, NULL, NULL, 0);
    int n = PQresultStatus(r) == PGRES_TUPLES_OK ? num(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    PQfinish(pg);
    return n;
}

/* ---- tests ---- */

static void test_rejects_bad_config(void)
{
    db_pool_config cfg = {.conninfo = db_url, .size = 0, .pipeline_depth = 1, .connect_timeout_ms = 100};
    char err[128] = "";
    CHECK(db_pool_create(loop, &cfg, err, sizeof(err)) == NULL);
    CHECK(err[0] != '\0');
    cfg.size = 1;
    cfg.conninfo = "host='unterminated";
    err[0] = '\0';
    CHECK(db_pool_create(loop, &cfg, err, sizeof(err)) == NULL);
    CHECK(err[0] != '\0');
}

static void test_simple_query_returns_text_rows(bool prepare)
{
    db_pool *pool = make_pool(db_url, 1, 4, 16, 5000, 2000, prepare);
    CHECK(pool != NULL);
    const char *params[] = {"left", "right"};
    for (int round = 0; round < 2; round++) { /* the second run uses the prepared statement */
        reply r = query1(pool, "SELECT $1::text || '-' || $2::text, 42", 2, params);
        CHECK_INT(r.status, DB_OK);
        CHECK_INT(r.ntuples, 1);
        CHECK_INT(r.format, 0);
        CHECK_STR(r.value, "left-right");
        CHECK_STR(r.value2, "42");
        CHECK_STR(r.sqlstate, "");
    }
    db_pool_stats st;
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.statements_sent, 2);
    CHECK_INT(st.in_flight, 0);
    CHECK_INT(st.waiting, 0);
    CHECK_INT(st.connections_up, 1);

    /* Defaults the pool sets: application_name and statement_timeout. */
    reply r = query1(pool, "SELECT current_setting('application_name'), current_setting('statement_timeout')",
                     0, NULL);
    CHECK_STR(r.value, "gqld");
    /* The proxy protocol sends no startup options: the server's default stays. */
    CHECK_STR(r.value2, prepare ? "5s" : "0");
    /* ... and no named statements either. */
    r = query1(pool, "SELECT count(*) FROM pg_prepared_statements", 0, NULL);
    CHECK_INT(r.status, DB_OK);
    CHECK(prepare ? strcmp(r.value, "0") != 0 : strcmp(r.value, "0") == 0);
    drop_pool(pool);
}

/* The same server through a key=value conninfo carrying its own application_name and options. */
static void test_key_value_conninfo(void)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(db_url, &perr);
    CHECK(opts != NULL);
    if (opts == NULL) {
        PQfreemem(perr);
        return;
    }
    char conninfo[1024] = "application_name=gqld_kv options='-c work_mem=5MB'";
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL || strcmp(o->keyword, "application_name") == 0 ||
            strcmp(o->keyword, "options") == 0)
            continue;
        size_t used = strlen(conninfo);
        snprintf(conninfo + used, sizeof(conninfo) - used, " %s='%s'", o->keyword, o->val);
    }
    PQconninfoFree(opts);
    db_pool *pool = make_pool(conninfo, 1, 4, 16, 1500, 2000, true);
    CHECK(pool != NULL);
    reply r =
        query1(pool, "SELECT current_setting('application_name'), current_setting('work_mem')", 0, NULL);
    CHECK_INT(r.status, DB_OK);
    CHECK_STR(r.value, "gqld_kv");
    CHECK_STR(r.value2, "5MB");
    r = query1(pool, "SELECT current_setting('statement_timeout')", 0, NULL);
    CHECK_STR(r.value, "1500ms");
    drop_pool(pool);
}

static int closed_port(void);

/* libpq tries a dead first host, then the real one: a new socket, often with the same fd number. */
static void test_multi_host_falls_through_to_live_host(void)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(db_url, &perr);
    CHECK(opts != NULL);
    if (opts == NULL) {
        PQfreemem(perr);
        return;
    }
    const char *host = "", *port = "";
    char conninfo[1024] = "";
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL)
            continue;
        if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "hostaddr") != 0) {
            size_t used = strlen(conninfo);
            snprintf(conninfo + used, sizeof(conninfo) - used, " %s='%s'", o->keyword, o->val);
        }
    }
    size_t used = strlen(conninfo);
    snprintf(conninfo + used, sizeof(conninfo) - used, " host='127.0.0.1,%s' port='%d,%s'", host,
             closed_port(), port);
    PQconninfoFree(opts);
    db_pool *pool = make_pool(conninfo, 2, 4, 16, 5000, 2000, true);
    reply r = query1(pool, "SELECT 9", 0, NULL);
    CHECK_INT(r.status, DB_OK);
    CHECK_STR(r.value, "9");
    drop_pool(pool);
}

#define MANY 1000

static void test_many_concurrent_queries(void)
{
    static char text[MANY][16];
    static const char *params[MANY][1];
    static reply r[MANY];
    memset(r, 0, sizeof(r));
    db_pool *pool = make_pool(db_url, 2, 8, 2000, 5000, 2000, true);
    CHECK(pool != NULL);
    for (int i = 0; i < MANY; i++) {
        snprintf(text[i], sizeof(text[i]), "%d", i);
        params[i][0] = text[i];
        CHECK(db_pool_query(pool, "SELECT $1::int * 2", 1, params[i], on_reply, &r[i]) != NULL);
    }
    db_pool_stats st;
    db_pool_get_stats(pool, &st);
    CHECK(st.in_flight <= 16);
    CHECK_INT(st.in_flight + st.waiting, MANY);
    replies rs = {r, MANY};
    CHECK(run_until(all_replied, &rs, 20000));
    int ok = 0, right = 0;
    for (int i = 0; i < MANY; i++) {
        ok += r[i].calls == 1 && r[i].status == DB_OK;
        right += num(r[i].value) == 2L * i;
    }
    CHECK_INT(ok, MANY);
    CHECK_INT(right, MANY);
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.statements_sent, MANY);
    CHECK_INT(st.in_flight, 0);
    CHECK_INT(st.waiting, 0);
    drop_pool(pool);
}

static void test_queue_overflow_refuses_the_excess(void)
{
    enum { N = 16, QUEUE = 10 };
    static char text[N][8];
    static const char *params[N][1];
    reply r[N];
    memset(r, 0, sizeof(r));
    db_pool *pool = make_pool(db_url, 1, 1, QUEUE, 5000, 2000, true);
    CHECK(run_until(pool_up, pool, 5000));
    for (int i = 0; i < N; i++) {
        snprintf(text[i], sizeof(text[i]), "%d", i);
        params[i][0] = text[i];
        db_pool_query(pool, "SELECT $1::int", 1, params[i], on_reply, &r[i]);
    }
    int calls = 0;
    for (int i = 0; i < N; i++)
        calls += r[i].calls;
    CHECK_INT(calls, 0); /* even refusals arrive from the loop */
    replies rs = {r, N};
    CHECK(run_until(all_replied, &rs, 10000));
    int overloaded = 0;
    for (int i = 0; i < N; i++) {
        CHECK_INT(r[i].calls, 1);
        if (i <= QUEUE) { /* one in flight, QUEUE waiting */
            CHECK_INT(r[i].status, DB_OK);
            CHECK_INT(num(r[i].value), i);
        } else {
            CHECK_INT(r[i].status, DB_ERR_OVERLOADED);
        }
        overloaded += r[i].status == DB_ERR_OVERLOADED;
    }
    CHECK_INT(overloaded, N - 1 - QUEUE);

    /* A refused query can be cancelled before its refusal is delivered. */
    reply a = {0}, b = {0}, c = {0};
    db_pool_query(pool, "SELECT pg_sleep(0.05)", 0, NULL, on_reply, &a);
    for (int i = 0; i < QUEUE; i++)
        db_pool_query(pool, "SELECT 1", 0, NULL, on_reply, &b);
    db_query *refused = db_pool_query(pool, "SELECT 1", 0, NULL, on_reply, &c);
    db_query_cancel(refused);
    db_pool_stats st;
    CHECK(run_until(replied, &a, 5000));
    run_for(200);
    CHECK_INT(b.calls, QUEUE);
    CHECK_INT(c.calls, 0);
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.waiting, 0);
    drop_pool(pool);
}

static void test_syntax_error_keeps_connection(bool prepare)
{
    db_pool *pool = make_pool(db_url, 1, 4, 16, 5000, 2000, prepare);
    for (int round = 0; round < 2; round++) {
        reply r = query1(pool, "SELEC 1", 0, NULL);
        CHECK_INT(r.status, DB_ERR_QUERY);
        CHECK_STR(r.sqlstate, "42601");
        CHECK(strstr(r.message, "syntax") != NULL);
    }
    /* An error in the middle of a busy pipeline fails only its own query. */
    reply r[3] = {{0}};
    db_pool_query(pool, "SELECT 1", 0, NULL, on_reply, &r[0]);
    db_pool_query(pool, "SELECT 1/0", 0, NULL, on_reply, &r[1]);
    db_pool_query(pool, "SELECT 3", 0, NULL, on_reply, &r[2]);
    replies rs = {r, 3};
    CHECK(run_until(all_replied, &rs, 5000));
    CHECK_INT(r[0].status, DB_OK);
    CHECK_INT(r[1].status, DB_ERR_QUERY);
    CHECK_STR(r[1].sqlstate, "22012");
    CHECK_INT(r[2].status, DB_OK);
    CHECK_STR(r[2].value, "3");
    db_pool_stats st;
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.reconnects, 0);

    /*
     * One batch (one Sync) holds all five: the failures at Parse (42601) and at
     * execution (22012) make the server skip the rest of the batch, and the
     * skipped statements run again after the Sync, so each answer is its own.
     */
    drop_pool(pool);
    pool = make_pool(db_url, 1, 8, 16, 5000, 2000, prepare);
    reply b[5] = {{0}};
    static const char *const sql[5] = {"SELECT 10", "SELEC 11", "SELECT 12", "SELECT 13/0", "SELECT 14"};
    for (int i = 0; i < 5; i++)
        db_pool_query(pool, sql[i], 0, NULL, on_reply, &b[i]);
    replies bs = {b, 5};
    CHECK(run_until(all_replied, &bs, 5000));
    for (int i = 0; i < 5; i++)
        CHECK_INT(b[i].calls, 1);
    CHECK_INT(b[0].status, DB_OK);
    CHECK_STR(b[0].value, "10");
    CHECK_INT(b[1].status, DB_ERR_QUERY);
    CHECK_STR(b[1].sqlstate, "42601");
    CHECK_INT(b[2].status, DB_OK);
    CHECK_STR(b[2].value, "12");
    CHECK_INT(b[3].status, DB_ERR_QUERY);
    CHECK_STR(b[3].sqlstate, "22012");
    CHECK_INT(b[4].status, DB_OK);
    CHECK_STR(b[4].value, "14");
    db_pool_get_stats(pool, &st);
    /* 5 sent in the first batch; 12, 13/0 and 14 again after it; 14 a third time after 13/0's. */
    CHECK_INT(st.statements_sent, 9);
    CHECK_INT(st.reconnects, 0);
    drop_pool(pool);
}

/* A Bind with the wrong parameter count (08P01 at ERROR) is the caller's bug: no reset. */
static void test_wrong_parameter_count_is_a_query_error(void)
{
    db_pool *pool = make_pool(db_url, 1, 4, 16, 5000, 2000, true);
    reply r = query1(pool, "SELECT $1::int", 0, NULL);
    CHECK_INT(r.status, DB_ERR_QUERY);
    CHECK_STR(r.sqlstate, "08P01");
    r = query1(pool, "SELECT 6", 0, NULL);
    CHECK_STR(r.value, "6");
    db_pool_stats st;
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.reconnects, 0);
    drop_pool(pool);
}

/* Results and parameters larger than socket buffers (and TLS records, under sslmode=require). */
static void test_large_values_both_ways(void)
{
    enum { BIG = 4 << 20, N = 4 };
    db_pool *pool = make_pool(db_url, 1, 8, 16, 10000, 2000, true);
    char *big = malloc(BIG + 1);
    memset(big, 'p', BIG);
    big[BIG] = '\0';
    const char *params[] = {big};
    reply r[N];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < N; i++) /* pipelined: the writes outrun the socket buffer */
        db_pool_query(pool, "SELECT length($1), 'x'", 1, params, on_reply, &r[i]);
    replies rs = {r, N};
    CHECK(run_until(all_replied, &rs, 20000));
    for (int i = 0; i < N; i++) {
        CHECK_INT(r[i].status, DB_OK);
        CHECK_INT(num(r[i].value), BIG);
    }
    free(big);
    reply wide = query1(pool, "SELECT repeat('x', 3000000)", 0, NULL);
    CHECK_INT(wide.status, DB_OK);
    CHECK_INT(wide.length, 3000000);
    reply tall = query1(pool, "SELECT g, repeat('y', 100) FROM generate_series(1, 20000) g", 0, NULL);
    CHECK_INT(tall.status, DB_OK);
    CHECK_INT(tall.ntuples, 20000);
    /* Sizes that end a result in the middle of a TLS record. */
    int ok = 0;
    for (int n = 8000; n < 8000 + 64 * 97; n += 97) {
        char sql[64];
        snprintf(sql, sizeof(sql), "SELECT repeat('z', %d)", n);
        reply one = query1(pool, sql, 0, NULL);
        ok += one.status == DB_OK && one.length == n;
    }
    CHECK_INT(ok, 64);
    drop_pool(pool);
}

static void test_statement_timeout(void)
{
    db_pool *pool = make_pool(db_url, 1, 4, 16, 200, 2000, true);
    CHECK(run_until(pool_up, pool, 5000));
    uint64_t t0 = now_ms();
    reply r = query1(pool, "SELECT pg_sleep(2)", 0, NULL);
    CHECK_INT(r.status, DB_ERR_TIMEOUT);
    CHECK_STR(r.sqlstate, "57014");
    CHECK(r.at_ms - t0 < 1500);
    r = query1(pool, "SELECT current_setting('statement_timeout')", 0, NULL);
    CHECK_INT(r.status, DB_OK);
    CHECK_STR(r.value, "200ms");
    db_pool_stats st;
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.reconnects, 0);
    drop_pool(pool);
}

/* The proxy protocol: no server-side timeout, the client-side deadline alone, and the connection comes back.
 */
static void test_proxy_statement_timeout(void)
{
    db_pool *pool = make_pool(db_url, 1, 4, 16, 300, 2000, false);
    CHECK(run_until(pool_up, pool, 5000));
    uint64_t t0 = now_ms();
    reply r = query1(pool, "SELECT pg_sleep(3)", 0, NULL);
    CHECK_INT(r.status, DB_ERR_TIMEOUT);
    CHECK(r.at_ms - t0 >= 290);
    CHECK(r.at_ms - t0 < 1000);
    t0 = now_ms();
    r = query1(pool, "SELECT 7", 0, NULL);
    CHECK_INT(r.status, DB_OK);
    CHECK_STR(r.value, "7");
    CHECK(r.at_ms - t0 < 1000);
    drop_pool(pool);
}

/*
 * The backend goes away while the connection is idle and the loop is not
 * running, so the pool cannot have heard of it (as with a NAT or a proxy that
 * drops a connection without a word): the next query must still succeed when
 * the idle check is on, and fails without it (which shows the test bites).
 */
static void test_idle_check(bool check, bool prepare)
{
    char conninfo[1024];
    with_app_name(conninfo, sizeof(conninfo), "gqld_test_idle");
    db_pool_config cfg = {
        .conninfo = conninfo,
        .size = 1,
        .pipeline_depth = 4,
        .queue_max = 16,
        .statement_timeout_ms = 5000,
        .connect_timeout_ms = 2000,
        .protocol = prepare ? DB_PROTOCOL_PREPARED : DB_PROTOCOL_PROXY,
        .idle_check_ms = check ? 100 : 0,
    };
    char err[256] = "";
    db_pool *pool = db_pool_create(loop, &cfg, err, sizeof(err));
    CHECK(pool != NULL);
    if (pool == NULL)
        return;
    CHECK(run_until(pool_up, pool, 5000));
    reply r = query1(pool, "SELECT 1", 0, NULL);
    CHECK_INT(r.status, DB_OK);
    CHECK_INT(terminate_backends("gqld_test_idle"), 1);
    usleep(300 * 1000); /* the backend exits; our loop does not run meanwhile */
    r = query1(pool, "SELECT 2", 0, NULL);
    db_pool_stats st;
    db_pool_get_stats(pool, &st);
    if (check) {
        CHECK_INT(r.status, DB_OK);
        CHECK_STR(r.value, "2");
        CHECK(st.health_checks >= 1);
        CHECK_INT(st.statements_sent, 2); /* the checks are not statements */
        CHECK_INT(st.reconnects, 1);
        /* A busy connection is not checked again. */
        uint64_t checks = st.health_checks;
        r = query1(pool, "SELECT 3", 0, NULL);
        CHECK_INT(r.status, DB_OK);
        db_pool_get_stats(pool, &st);
        CHECK_INT(st.health_checks, checks);
    } else {
        CHECK_INT(r.status, DB_ERR_UNAVAILABLE);
        CHECK_INT(st.health_checks, 0);
    }
    drop_pool(pool);
}

static void test_terminated_backends_reconnect(void)
{
    char conninfo[1024];
    with_app_name(conninfo, sizeof(conninfo), "gqld_test_term");
    db_pool *pool = make_pool(conninfo, 2, 8, 100, 30000, 2000, true);
    CHECK(wait_up(pool, 2));
    reply r[4] = {{0}};
    /* Two per connection: the statements of one loop iteration share a connection (one batch). */
    for (int i = 0; i < 4; i++) {
        db_pool_query(pool, "SELECT pg_sleep(10)", 0, NULL, on_reply, &r[i]);
        if (i == 1)
            run_for(50);
    }
    run_for(300); /* sent, and running on the server */
    db_pool_stats busy;
    db_pool_get_stats(pool, &busy);
    CHECK_INT(busy.in_flight, 4);
    CHECK_INT(terminate_backends("gqld_test_term"), 2);
    replies rs = {r, 4};
    CHECK(run_until(all_replied, &rs, 5000));
    for (int i = 0; i < 4; i++)
        CHECK_INT(r[i].status, DB_ERR_UNAVAILABLE);
    reply ok = query1(pool, "SELECT 7", 0, NULL);
    CHECK_INT(ok.status, DB_OK);
    CHECK_STR(ok.value, "7");
    CHECK(wait_up(pool, 2));
    db_pool_stats st;
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.reconnects, 2);
    drop_pool(pool);
}

/* A TCP port nobody listens on (bound, then closed). */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void test_unreachable_server_fails_fast(void)
{
    char conninfo[128];
    snprintf(conninfo, sizeof(conninfo), "postgresql://postgres@127.0.0.1:%d/postgres", closed_port());
    db_pool *pool = make_pool(conninfo, 2, 4, 16, 1000, 300, true);
    CHECK(pool != NULL);
    uint64_t t0 = now_ms();
    reply r = query1(pool, "SELECT 1", 0, NULL);
    CHECK_INT(r.status, DB_ERR_UNAVAILABLE);
    CHECK(r.at_ms - t0 >= 250 && r.at_ms - t0 < 1500);
    CHECK(r.message[0] != '\0');
    CHECK(!db_pool_is_up(pool));
    db_pool_stats st;
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.connections_up, 0);
    CHECK_INT(st.waiting, 0);
    drop_pool(pool);
}

/* A listener that never accepts: the TCP handshake completes, the server never speaks. */
static void test_silent_server_hits_connect_timeout(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, 16) == 0);
    CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    char conninfo[160];
    snprintf(conninfo, sizeof(conninfo),
             "host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable", ntohs(sa.sin_port));
    db_pool *pool = make_pool(conninfo, 1, 4, 16, 1000, 300, true);
    uint64_t t0 = now_ms();
    reply r = query1(pool, "SELECT 1", 0, NULL);
    CHECK_INT(r.status, DB_ERR_UNAVAILABLE);
    CHECK(r.at_ms - t0 >= 250 && r.at_ms - t0 < 1500);
    CHECK(strstr(r.message, "timed out") != NULL);
    CHECK(!db_pool_is_up(pool));
    drop_pool(pool);
    close(fd);
}

static void test_cancel(void)
{
    db_pool *pool = make_pool(db_url, 1, 1, 10, 5000, 2000, true);
    CHECK(run_until(pool_up, pool, 5000));
    reply sent = {0}, queued = {0}, last = {0};
    db_query *q1 = db_pool_query(pool, "SELECT pg_sleep(0.2)", 0, NULL, on_reply, &sent);
    db_query *q2 = db_pool_query(pool, "SELECT 2", 0, NULL, on_reply, &queued);
    db_pool_query(pool, "SELECT 3", 0, NULL, on_reply, &last);
    db_pool_stats st;
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.in_flight, 1);
    CHECK_INT(st.waiting, 2);
    db_query_cancel(q1); /* in flight: its result is read and dropped */
    db_query_cancel(q2); /* waiting: simply removed */
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.waiting, 1);
    CHECK(run_until(replied, &last, 5000));
    CHECK_INT(last.status, DB_OK);
    CHECK_STR(last.value, "3");
    run_for(50);
    CHECK_INT(sent.calls, 0);
    CHECK_INT(queued.calls, 0);
    reply again = query1(pool, "SELECT 4", 0, NULL);
    CHECK_STR(again.value, "4");
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.in_flight, 0);
    CHECK_INT(st.waiting, 0);
    drop_pool(pool);
}

/* A named statement that vanished server-side (26000) is re-run once by text. */
static void test_lost_prepared_statement_is_rerun(void)
{
    db_pool *pool = make_pool(db_url, 1, 4, 16, 5000, 2000, true);
    const char *params[] = {"41"};
    reply r = query1(pool, "SELECT $1::int + 1", 1, params);
    CHECK_STR(r.value, "42");
    r = query1(pool, "DEALLOCATE ALL", 0, NULL);
    CHECK_INT(r.status, DB_OK);
    db_pool_stats before, after;
    db_pool_get_stats(pool, &before);
    r = query1(pool, "SELECT $1::int + 1", 1, params);
    CHECK_INT(r.status, DB_OK);
    CHECK_STR(r.value, "42");
    db_pool_get_stats(pool, &after);
    CHECK_INT(after.statements_sent - before.statements_sent, 2);
    r = query1(pool, "SELECT $1::int + 1", 1, params); /* prepared afresh */
    CHECK_STR(r.value, "42");
    db_pool_get_stats(pool, &before);
    CHECK_INT(before.statements_sent - after.statements_sent, 1);
    CHECK_INT(before.reconnects, 0);
    drop_pool(pool);
}

/* Is pid a PostgreSQL backend on this machine? (Only then may the test stop it.) */
static bool local_backend(PGconn *side, int pid)
{
    PGresult *r =
        PQexec(side, "SELECT inet_server_addr() IS NULL OR host(inet_server_addr()) IN ('127.0.0.1', '::1')");
    bool local = PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    char path[64], comm[32] = "";
    snprintf(path, sizeof(path), "/proc/%d/comm", pid);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        if (fgets(comm, sizeof(comm), f) == NULL)
            comm[0] = '\0';
        fclose(f);
    }
    return local && strncmp(comm, "postgres", 8) == 0;
}

/* A backend that stops answering (SIGSTOP): the client-side deadline resets the connection. */
static void test_hung_backend_hits_client_deadline(void)
{
    char conninfo[1024];
    with_app_name(conninfo, sizeof(conninfo), "gqld_test_hang");
    db_pool *pool = make_pool(conninfo, 1, 4, 16, 300, 2000, true);
    CHECK(run_until(pool_up, pool, 5000));
    PGconn *side = side_connection();
    PGresult *res =
        PQexec(side, "SELECT pid FROM pg_stat_activity WHERE application_name = 'gqld_test_hang'");
    int pid = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 ? num(PQgetvalue(res, 0, 0)) : 0;
    PQclear(res);
    if (pid <= 0 || !local_backend(side, pid) || kill(pid, SIGSTOP) != 0) {
        fprintf(stderr, "hung-backend test skipped: backend not local or not ours to signal\n");
        PQfinish(side);
        drop_pool(pool);
        return;
    }
    uint64_t t0 = now_ms();
    reply r = query1(pool, "SELECT 1", 0, NULL);
    kill(pid, SIGCONT);
    CHECK_INT(r.status, DB_ERR_TIMEOUT);
    CHECK(r.at_ms - t0 >= 1200 && r.at_ms - t0 < 3000); /* 300 ms + 1 s grace */
    reply ok = query1(pool, "SELECT 5", 0, NULL);
    CHECK_INT(ok.status, DB_OK);
    CHECK_STR(ok.value, "5");
    PQfinish(side);
    drop_pool(pool);
}

typedef struct resubmitter {
    db_pool *pool;
    reply first, second;
} resubmitter;

static void on_reply_and_resubmit(void *ctx, const db_result *r)
{
    resubmitter *rs = ctx;
    on_reply(&rs->first, r);
    db_pool_query(rs->pool, "SELECT 1", 0, NULL, on_reply, &rs->second);
}

static void test_destroy_answers_everything(void)
{
    enum { N = 8 };
    db_pool *pool = make_pool(db_url, 2, 2, 3, 5000, 2000, true);
    CHECK(wait_up(pool, 2));
    reply r[N];
    memset(r, 0, sizeof(r));
    resubmitter rs = {.pool = pool};
    db_pool_query(pool, "SELECT pg_sleep(1)", 0, NULL, on_reply_and_resubmit, &rs);
    for (int i = 0; i < N; i++) /* 3 more in flight, 3 waiting, 2 refused */
        db_pool_query(pool, "SELECT pg_sleep(1)", 0, NULL, on_reply, &r[i]);
    run_for(20);
    db_pool_destroy(pool);
    for (int i = 0; i < N; i++) {
        CHECK_INT(r[i].calls, 1);
        CHECK(r[i].status == DB_ERR_SHUTDOWN || r[i].status == DB_ERR_OVERLOADED);
    }
    CHECK_INT(rs.first.calls, 1);
    CHECK_INT(rs.first.status, DB_ERR_SHUTDOWN);
    CHECK_INT(rs.second.calls, 1); /* submitted during destroy, answered by it */
    CHECK_INT(rs.second.status, DB_ERR_SHUTDOWN);
    h2o_evloop_run(loop, 0);
}

static int shell(const char *what, const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "%s: '%s' exited %d\n", what, cmd, rc);
    return rc;
}

static void test_server_restart(void)
{
    const char *stop = getenv("GQLD_TEST_PG_STOP"), *start = getenv("GQLD_TEST_PG_START");
    if (stop == NULL || start == NULL) {
        fprintf(stderr, "restart test skipped: set GQLD_TEST_PG_STOP and GQLD_TEST_PG_START\n");
        return;
    }
    enum { N = 10 };
    db_pool *pool = make_pool(db_url, 2, 8, 100, 5000, 500, true);
    CHECK(wait_up(pool, 2));
    reply r[N];
    memset(r, 0, sizeof(r));
    for (int i = 0; i < N; i++)
        db_pool_query(pool, "SELECT pg_sleep(3)", 0, NULL, on_reply, &r[i]);
    run_for(100);
    CHECK_INT(shell("stop", stop), 0);
    replies all = {r, N};
    CHECK(run_until(all_replied, &all, 5000));
    for (int i = 0; i < N; i++)
        CHECK_INT(r[i].status, DB_ERR_UNAVAILABLE);
    CHECK(!db_pool_is_up(pool));
    reply down = query1(pool, "SELECT 1", 0, NULL);
    CHECK_INT(down.status, DB_ERR_UNAVAILABLE);
    CHECK_INT(shell("start", start), 0);
    CHECK(run_until(conns_up, &(want_up){pool, 2}, 15000));
    reply up = query1(pool, "SELECT 8", 0, NULL);
    CHECK_INT(up.status, DB_OK);
    CHECK_STR(up.value, "8");
    db_pool_stats st;
    db_pool_get_stats(pool, &st);
    CHECK_INT(st.reconnects, 2);
    drop_pool(pool);
}

/* ---- writes (db_pool_write) ---- */

static char write_table[64];

/* A blocking count on a side connection: what another session sees committed. */
static long committed_rows(const char *key)
{
    PGconn *pg = side_connection();
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE k = '%s'", write_table, key);
    PGresult *r = PQexec(pg, sql);
    long n = PQresultStatus(r) == PGRES_TUPLES_OK ? num(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    PQfinish(pg);
    return n;
}

typedef struct write_seen {
    reply r;
    long committed; /* rows another session saw at the moment the callback ran */
    const char *key;
} write_seen;

static void on_write_seen(void *ctx, const db_result *r)
{
    write_seen *w = ctx;
    on_reply(&w->r, r);
    w->committed = committed_rows(w->key);
}

static void test_writes_commit_alone(bool prepare)
{
    snprintf(write_table, sizeof(write_table), "gqld_pool_write_%d", (int)getpid());
    PGconn *side = side_connection();
    char sql[256];
    snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s; CREATE TABLE %s (k text PRIMARY KEY)", write_table,
             write_table);
    PQclear(PQexec(side, sql));
    db_pool *pool = make_pool(db_url, 1, 8, 16, 5000, 2000, prepare);
    char insert[128], count[128];
    snprintf(insert, sizeof(insert), "INSERT INTO %s VALUES ($1)", write_table);
    snprintf(count, sizeof(count), "SELECT count(*) FROM %s WHERE k = $1", write_table);

    /* Two statements, one transaction: the second sees the first; answered once committed (seen by
     * another session from inside the callback), the last statement's rows in hand. */
    const char *k1[] = {"k1"};
    const db_statement ok[] = {{insert, 1, k1}, {count, 1, k1}};
    write_seen w1 = {.key = "k1"};
    CHECK(db_pool_write(pool, ok, 2, on_write_seen, &w1) != NULL);
    CHECK_INT(w1.r.calls, 0);
    CHECK(run_until(replied, &w1.r, 5000));
    CHECK_INT(w1.r.status, DB_OK);
    CHECK_STR(w1.r.value, "1");
    CHECK_INT(w1.committed, 1);
    CHECK(w1.r.sent);

    /* A failing second statement rolls the first back; the first error is the answer. */
    const char *k2[] = {"k2"};
    const db_statement bad[] = {{insert, 1, k2}, {"SELECT 1/0", 0, NULL}};
    write_seen w2 = {.key = "k2"};
    db_pool_write(pool, bad, 2, on_write_seen, &w2);
    CHECK(run_until(replied, &w2.r, 5000));
    CHECK_INT(w2.r.status, DB_ERR_QUERY);
    CHECK_STR(w2.r.sqlstate, "22012");
    CHECK_INT(w2.committed, 0);

    /* Queries of the same loop turn, on the same connection, a failing one among them: the write's
     * transaction is its own (not rolled back by the neighbour), and theirs are theirs. */
    const char *k3[] = {"k3"};
    const db_statement mine[] = {{insert, 1, k3}, {count, 1, k3}};
    reply before = {0}, failing = {0}, after = {0};
    write_seen w3 = {.key = "k3"};
    db_pool_query(pool, "SELECT 5", 0, NULL, on_reply, &before);
    db_pool_query(pool, "SELECT 1/0", 0, NULL, on_reply, &failing);
    db_pool_write(pool, mine, 2, on_write_seen, &w3);
    db_pool_query(pool, "SELECT 6", 0, NULL, on_reply, &after);
    reply *all[] = {&before, &failing, &w3.r, &after};
    for (int i = 0; i < 4; i++)
        CHECK(run_until(replied, all[i], 5000));
    CHECK_INT(before.status, DB_OK);
    CHECK_STR(before.value, "5");
    CHECK_INT(failing.status, DB_ERR_QUERY);
    CHECK_INT(w3.r.status, DB_OK);
    CHECK_INT(w3.committed, 1);
    CHECK_INT(after.status, DB_OK);
    CHECK_STR(after.value, "6");
    /* The write's error does not reach its neighbours either (the key exists now). */
    reply n1 = {0}, n2 = {0};
    write_seen w4 = {.key = "k3"};
    db_pool_query(pool, "SELECT 7", 0, NULL, on_reply, &n1);
    db_pool_write(pool, mine, 2, on_write_seen, &w4);
    db_pool_query(pool, "SELECT 8", 0, NULL, on_reply, &n2);
    CHECK(run_until(replied, &n2, 5000) && run_until(replied, &w4.r, 5000) && run_until(replied, &n1, 5000));
    CHECK_INT(w4.r.status, DB_ERR_QUERY);
    CHECK_STR(w4.r.sqlstate, "23505");
    CHECK_STR(n1.value, "7");
    CHECK_STR(n2.value, "8");
    drop_pool(pool);
    snprintf(sql, sizeof(sql), "DROP TABLE %s", write_table);
    PQclear(PQexec(side, sql));
    PQfinish(side);
}

/* sent: false when refused before anything went out; true with a connection lost mid-way. */
static void test_write_sent_or_not(void)
{
    char conninfo[1024];
    with_app_name(conninfo, sizeof(conninfo), "gqld_test_write");
    db_pool *pool = make_pool(conninfo, 1, 1, 0, 30000, 2000, true);
    CHECK(wait_up(pool, 1));
    const db_statement slow[] = {{"SELECT pg_sleep(10)", 0, NULL}};
    reply busy = {0}, refused = {0};
    db_pool_write(pool, slow, 1, on_reply, &busy);
    db_pool_write(pool, slow, 1, on_reply, &refused);
    CHECK(run_until(replied, &refused, 5000));
    CHECK_INT(refused.status, DB_ERR_OVERLOADED);
    CHECK(!refused.sent);
    run_for(300); /* the first is running on the server */
    CHECK_INT(terminate_backends("gqld_test_write"), 1);
    CHECK(run_until(replied, &busy, 5000));
    CHECK_INT(busy.status, DB_ERR_UNAVAILABLE);
    CHECK(busy.sent);
    drop_pool(pool);
}

int main(void)
{
    db_url = getenv("GQLD_TEST_DATABASE_URL");
    if (db_url == NULL || db_url[0] == '\0') {
        fprintf(stderr, "GQLD_TEST_DATABASE_URL is not set: skipped\n");
        return 77;
    }
    alarm(300); /* the whole run, whatever happens */
    loop = h2o_evloop_create();

    test_rejects_bad_config();
    test_simple_query_returns_text_rows(true);
    test_simple_query_returns_text_rows(false);
    test_key_value_conninfo();
    test_multi_host_falls_through_to_live_host();
    test_many_concurrent_queries();
    test_queue_overflow_refuses_the_excess();
    test_syntax_error_keeps_connection(true);
    test_syntax_error_keeps_connection(false);
    test_wrong_parameter_count_is_a_query_error();
    test_large_values_both_ways();
    test_statement_timeout();
    test_proxy_statement_timeout();
    test_terminated_backends_reconnect();
    test_idle_check(true, true);
    test_idle_check(true, false);
    test_idle_check(false, true);
    test_unreachable_server_fails_fast();
    test_silent_server_hits_connect_timeout();
    test_cancel();
    test_lost_prepared_statement_is_rerun();
    test_hung_backend_hits_client_deadline();
    test_destroy_answers_everything();
    test_server_restart();
    test_writes_commit_alone(true);
    test_writes_commit_alone(false);
    test_write_sent_or_not();

    h2o_evloop_run(loop, 0);
    h2o_evloop_destroy(loop);
    return CHECK_EXIT();
}
