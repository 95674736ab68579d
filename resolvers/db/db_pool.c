/*
 * db_pool.c: the pool around db_conn.c: configuration, the bounded wait
 * queue, choosing a connection, deadlines, deferred deliveries, statistics
 * and shutdown. See db_pool.h for the contract and db_pool_internal.h for who
 * owns a query when.
 *
 * Timers: this h2o (2.2.5) has one duration per h2o_timeout_t, so the pool
 * keeps one per duration it needs: 0 ms (the tick), connect_timeout_ms
 * (connection attempts and queue waits), statement_timeout_ms + 1 s (the
 * client-side deadline of sent statements), and four fixed steps from which
 * db_timer builds the jittered reconnect delays. All are disposed by
 * db_pool_destroy, which must therefore not run inside a pool callback (h2o is
 * iterating its timeout list while callbacks run).
 */
#include "resolvers/db/db_pool_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const uint64_t timer_step_ms[DB_TIMER_STEPS] = {1, 10, 100, 1000};

static const char msg_overloaded[] = "database wait queue is full";
static const char msg_shutdown[] = "database pool is shutting down";

void db_copy_message(char *dst, size_t dstlen, const char *msg)
{
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        n--; /* libpq ends its messages with a newline */
    if (n >= dstlen)
        n = dstlen - 1;
    memcpy(dst, msg, n);
    dst[n] = '\0';
}

/*
 * The idle check's clock. Not h2o_now: the loop's cached time is as old as the
 * last event, and a query can arrive (db_pool_query) before the loop has run.
 */
uint64_t db_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t db_pool_random(db_pool *pool)
{
    uint64_t x = pool->rng; /* xorshift64*: jitter only, no secrets */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    pool->rng = x;
    return x * 2685821657736338717u;
}

/* ---- variable delays ---- */

static void timer_relink(db_timer *t);

static void on_timer_step(h2o_timeout_entry_t *entry)
{
    db_timer *t = H2O_STRUCT_FROM_MEMBER(db_timer, entry, entry);
    if (h2o_now(t->pool->loop) >= t->due)
        t->cb(t);
    else
        timer_relink(t);
}

static void timer_relink(db_timer *t)
{
    uint64_t now = h2o_now(t->pool->loop);
    uint64_t left = t->due > now ? t->due - now : 0;
    size_t i = DB_TIMER_STEPS - 1;
    while (i > 0 && timer_step_ms[i] > left)
        i--;
    t->entry.cb = on_timer_step;
    h2o_timeout_link(t->pool->loop, &t->pool->steps[i], &t->entry);
}

void db_timer_arm(db_timer *t, uint64_t delay_ms)
{
    db_timer_disarm(t);
    t->due = h2o_now(t->pool->loop) + delay_ms;
    timer_relink(t);
}

void db_timer_disarm(db_timer *t)
{
    h2o_timeout_unlink(&t->entry);
}

/* ---- queries ---- */

db_query *db_query_alloc(db_pool *pool)
{
    db_query *q = pool->freelist;
    if (q != NULL) {
        pool->freelist = q->next_free;
        pool->nfree--;
    } else if ((q = malloc(sizeof(*q))) == NULL) {
        return NULL;
    }
    memset(q, 0, sizeof(*q));
    q->pool = pool;
    return q;
}

void db_query_release(db_query *q)
{
    db_pool *pool = q->pool;
    h2o_timeout_unlink(&q->deadline);
    PQclear(q->held); /* a write's answer it never delivered */
    q->held = NULL;
    q->state = DBQ_FREE;
    q->cb = NULL;
    if (pool->nfree < DB_FREELIST_MAX) {
        q->next_free = pool->freelist;
        pool->freelist = q;
        pool->nfree++;
    } else {
        free(q);
    }
}

/* Unlinks and returns the oldest query of a non-empty list. */
static db_query *pop_first(h2o_linklist_t *list)
{
    db_query *q = H2O_STRUCT_FROM_MEMBER(db_query, link, list->next);
    h2o_linklist_unlink(&q->link);
    /* Never its own successor: tells the static analyzer (in every build type, unlike assert) that q is gone.
     */
    if (list->next == &q->link)
        __builtin_unreachable();
    return q;
}

void db_query_deliver(db_query *q, db_status status, PGresult *res, const char *sqlstate, const char *message)
{
    db_result result = {.status = status,
                        .res = res,
                        .rows = res != NULL ? PQntuples(res) : 0,
                        .sqlstate = sqlstate,
                        .message = message};
    db_query_deliver_result(q, &result);
}

void db_query_deliver_result(db_query *q, db_result *result)
{
    result->sent = q->sent;
    db_callback cb = q->cb;
    q->cb = NULL; /* exactly once */
    if (cb != NULL)
        cb(q->ctx, result);
}

void db_pool_kick(db_pool *pool)
{
    if (!h2o_timeout_is_linked(&pool->tick_entry))
        h2o_timeout_link(pool->loop, &pool->tick, &pool->tick_entry);
}

static void defer(db_pool *pool, db_query *q, db_status status, const char *message)
{
    q->state = DBQ_DEFERRED;
    q->deferred_status = status;
    q->deferred_message = message;
    h2o_linklist_insert(&pool->deferred, &q->link);
    db_pool_kick(pool);
}

bool db_conn_usable(const db_conn *c)
{
    return c->state == DBC_UP && !c->broken;
}

/*
 * A usable connection below the pipeline depth: one that already has a batch
 * open in this loop iteration (its statements share that batch's write and the
 * backend's wake-up), else the one with the fewest statements in flight.
 */
static db_conn *pick(db_pool *pool)
{
    db_conn *best = NULL;
    for (unsigned i = 0; i < pool->cfg.size; i++) {
        db_conn *c = &pool->conns[i];
        if (!db_conn_usable(c) || c->checking || c->in_flight >= pool->cfg.pipeline_depth)
            continue;
        if (c->unsynced != 0)
            return c;
        if (best == NULL || c->in_flight < best->in_flight)
            best = c;
    }
    return best;
}

/*
 * pick(), but a connection idle for idle_check_ms first gets its check (and
 * is skipped until the check answers): see db_conn_check.
 */
static db_conn *pick_checked(db_pool *pool)
{
    db_conn *c;
    uint64_t now = pool->cfg.idle_check_ms != 0 ? db_clock_ms() : 0;
    while ((c = pick(pool)) != NULL) {
        if (pool->cfg.idle_check_ms == 0 || c->in_flight != 0 ||
            now - c->last_active < pool->cfg.idle_check_ms)
            return c;
        db_conn_check(c); /* on failure c is marked broken: pick() skips it as well */
    }
    return NULL;
}

static bool any_usable(const db_pool *pool)
{
    for (unsigned i = 0; i < pool->cfg.size; i++)
        if (db_conn_usable(&pool->conns[i]))
            return true;
    return false;
}

/*
 * A waiting query's deadline: while no connection is usable it fails after
 * connect_timeout_ms; while connections are up but busy it keeps its place
 * (the statement deadline bounds it once sent) and is checked again a period
 * later.
 */
static void on_queue_deadline(h2o_timeout_entry_t *entry)
{
    db_query *q = H2O_STRUCT_FROM_MEMBER(db_query, deadline, entry);
    db_pool *pool = q->pool;
    if (any_usable(pool)) {
        h2o_timeout_link(pool->loop, &pool->connect_timeout, &q->deadline);
        return;
    }
    h2o_linklist_unlink(&q->link);
    pool->nwaiting--;
    db_query_deliver(q, DB_ERR_UNAVAILABLE, NULL, "",
                     pool->last_error[0] != '\0' ? pool->last_error
                                                 : "no database connection within connect_timeout_ms");
    db_query_release(q);
}

static void enqueue(db_pool *pool, db_query *q, bool front)
{
    q->state = DBQ_WAITING;
    q->conn = NULL;
    h2o_linklist_insert(front ? pool->waiting.next : &pool->waiting, &q->link);
    pool->nwaiting++;
    if (!pool->destroying) {
        q->deadline.cb = on_queue_deadline;
        h2o_timeout_link(pool->loop, &pool->connect_timeout, &q->deadline);
    }
}

void db_pool_requeue_front(db_pool *pool, db_query *q)
{
    enqueue(pool, q, true);
}

/* Sends waiting queries while some connection has room. Never runs a callback. */
void db_pool_dispatch(db_pool *pool)
{
    db_conn *c;
    while (!pool->destroying && !h2o_linklist_is_empty(&pool->waiting) && (c = pick_checked(pool)) != NULL) {
        db_query *q = pop_first(&pool->waiting);
        h2o_timeout_unlink(&q->deadline);
        pool->nwaiting--;
        if (!db_conn_send(c, q))
            enqueue(pool, q, true); /* c is now marked broken: pick() skips it */
    }
}

/* The 0 ms tick: deferred deliveries, then connections that broke, have a batch to sync or need a drain. */
static void on_tick(h2o_timeout_entry_t *entry)
{
    db_pool *pool = H2O_STRUCT_FROM_MEMBER(db_pool, tick_entry, entry);
    h2o_linklist_t due; /* refusals queued by these callbacks wait for the next tick */
    h2o_linklist_init_anchor(&due);
    h2o_linklist_insert_list(&due, &pool->deferred);
    while (!h2o_linklist_is_empty(&due)) {
        db_query *q = pop_first(&due);
        db_query_deliver(q, q->deferred_status, NULL, "", q->deferred_message);
        db_query_release(q);
    }
    for (unsigned i = 0; i < pool->cfg.size; i++) {
        db_conn *c = &pool->conns[i];
        if (c->broken) {
            db_conn_fail(c, DB_ERR_UNAVAILABLE, c->errmsg);
            continue;
        }
        db_conn_sync(c);
        if (c->broken)
            db_conn_fail(c, DB_ERR_UNAVAILABLE, c->errmsg);
        else if (c->needs_drain && c->state == DBC_UP)
            db_conn_drain(c);
    }
}

void db_pool_flush(db_pool *pool)
{
    if (!h2o_timeout_is_linked(&pool->tick_entry))
        return;
    h2o_timeout_unlink(&pool->tick_entry);
    on_tick(&pool->tick_entry);
}

/* ---- configuration ---- */

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err != NULL && errlen > 0)
        db_copy_message(err, errlen, msg);
}

/*
 * statement_timeout travels in the startup packet (`options=-c
 * statement_timeout=N`) rather than as a pipelined SET: it is in force before
 * the first statement, costs no statement or round trip, and a SET is one of
 * the session changes that make RDS Proxy pin a client connection to one
 * backend. Our option is appended to the user's own `options` (from the
 * conninfo, else PGOPTIONS) because a later keyword replaces an earlier one.
 * A pooler that refuses the `options` parameter (PgBouncer without
 * ignore_startup_parameters) needs statement_timeout_ms = 0 and the timeout
 * set on the role instead.
 *
 * DB_PROTOCOL_PROXY sends no `options` of ours: RDS Proxy pins a session
 * whose startup packet carries options (or refuses it), and a SET would pin
 * too. The statement timeout is then the client-side deadline alone, at
 * exactly statement_timeout_ms (no grace: no server-side timeout is coming
 * first): when it passes, the connection is closed and every statement in
 * flight on it fails with DB_ERR_TIMEOUT, which frees the pool slot at once
 * and makes the proxy (or PostgreSQL, once it notices the closed socket)
 * drop the backend's work. Wrapping each statement in a transaction with
 * SET LOCAL would cost two extra statements per query and still be session
 * state the proxy has to track, so we wrap nothing. For a server-side bound
 * as well, set statement_timeout on the database role (ALTER ROLE ... SET
 * statement_timeout), which needs no session state from gqld.
 * application_name goes in as
 * fallback_application_name, which libpq uses only when neither the conninfo
 * nor PGAPPNAME names one.
 */
static bool build_params(db_pool *pool, char *err, size_t errlen)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(pool->conninfo, &perr);
    if (opts == NULL) {
        set_err(err, errlen, perr != NULL ? perr : "cannot parse conninfo (out of memory)");
        PQfreemem(perr);
        return false;
    }
    const char *user_options = NULL;
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++)
        if (strcmp(o->keyword, "options") == 0 && o->val != NULL && o->val[0] != '\0')
            user_options = o->val;
    const char *env_options = getenv("PGOPTIONS");
    if (user_options == NULL && env_options != NULL && env_options[0] != '\0')
        user_options = env_options;

    size_t n = 0;
    pool->keywords[n] = "dbname"; /* expanded: a URI or key=value conninfo */
    pool->values[n++] = pool->conninfo;
    pool->keywords[n] = "fallback_application_name";
    pool->values[n++] = "gqld";
    if (pool->cfg.statement_timeout_ms != 0 && pool->cfg.protocol != DB_PROTOCOL_PROXY) {
        char own[64];
        snprintf(own, sizeof(own), "-c statement_timeout=%u", pool->cfg.statement_timeout_ms);
        size_t len = (user_options != NULL ? strlen(user_options) + 1 : 0) + strlen(own) + 1;
        if ((pool->options = malloc(len)) == NULL) {
            PQconninfoFree(opts);
            set_err(err, errlen, "out of memory");
            return false;
        }
        snprintf(pool->options, len, "%s%s%s", user_options != NULL ? user_options : "",
                 user_options != NULL ? " " : "", own);
        pool->keywords[n] = "options";
        pool->values[n++] = pool->options;
    }
    pool->keywords[n] = NULL;
    pool->values[n] = NULL;
    PQconninfoFree(opts);
    return true;
}

static bool valid_config(const db_pool_config *cfg, char *err, size_t errlen)
{
    const char *why = NULL;
    if (cfg->conninfo == NULL)
        why = "conninfo is required";
    else if (cfg->size < 1 || cfg->size > 1024)
        why = "size must be between 1 and 1024";
    else if (cfg->pipeline_depth < 1 || cfg->pipeline_depth > 65536)
        why = "pipeline_depth must be between 1 and 65536";
    else if (cfg->connect_timeout_ms < 1)
        why = "connect_timeout_ms must be at least 1";
    else if (cfg->protocol != DB_PROTOCOL_PREPARED && cfg->protocol != DB_PROTOCOL_PROXY)
        why = "protocol must be prepared or proxy";
    else if (cfg->statement_timeout_ms > INT32_MAX - DB_CLIENT_GRACE_MS)
        why = "statement_timeout_ms is too large";
    if (why != NULL)
        set_err(err, errlen, why);
    return why == NULL;
}

/* ---- public API ---- */

db_pool *db_pool_create(h2o_loop_t *loop, const db_pool_config *cfg, char *err, size_t errlen)
{
    if (loop == NULL || cfg == NULL) {
        set_err(err, errlen, "loop and configuration are required");
        return NULL;
    }
    if (!valid_config(cfg, err, errlen))
        return NULL;
    db_pool *pool = calloc(1, sizeof(*pool));
    if (pool == NULL) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    pool->loop = loop;
    pool->cfg = *cfg;
    pool->conninfo = strdup(cfg->conninfo);
    pool->conns = calloc(cfg->size, sizeof(*pool->conns));
    if (pool->conninfo == NULL || pool->conns == NULL) {
        set_err(err, errlen, "out of memory");
        free(pool->conninfo);
        free(pool->conns);
        free(pool);
        return NULL;
    }
    pool->cfg.conninfo = pool->conninfo;
    if (!build_params(pool, err, errlen)) {
        free(pool->conninfo);
        free(pool->conns);
        free(pool);
        return NULL;
    }
    pool->rng = ((uint64_t)(uintptr_t)pool ^ (uint64_t)time(NULL) * 0x9E3779B97F4A7C15u) | 1;
    h2o_linklist_init_anchor(&pool->waiting);
    h2o_linklist_init_anchor(&pool->deferred);
    h2o_timeout_init(loop, &pool->tick, 0);
    pool->tick_entry.cb = on_tick;
    h2o_timeout_init(loop, &pool->connect_timeout, cfg->connect_timeout_ms);
    h2o_timeout_init(loop, &pool->statement_timeout,
                     (uint64_t)cfg->statement_timeout_ms +
                         (cfg->protocol == DB_PROTOCOL_PROXY ? 0 : DB_CLIENT_GRACE_MS));
    for (size_t i = 0; i < DB_TIMER_STEPS; i++)
        h2o_timeout_init(loop, &pool->steps[i], timer_step_ms[i]);
    for (unsigned i = 0; i < cfg->size; i++)
        db_conn_init(&pool->conns[i], pool);
    for (unsigned i = 0; i < cfg->size; i++)
        db_conn_start(&pool->conns[i]);
    return pool;
}

/* A new query or write: to a connection at once when nobody waits, else to the queue (or refused). */
static db_query *submit(db_pool *pool, db_query *q)
{
    if (pool->destroying) { /* from a callback run by db_pool_destroy: it answers this too */
        enqueue(pool, q, false);
        return q;
    }
    if (h2o_linklist_is_empty(&pool->waiting)) { /* nobody ahead: straight to a connection */
        db_conn *c;
        while ((c = pick_checked(pool)) != NULL)
            if (db_conn_send(c, q))
                return q;
    }
    if (pool->nwaiting >= pool->cfg.queue_max) {
        defer(pool, q, DB_ERR_OVERLOADED, msg_overloaded);
        return q;
    }
    enqueue(pool, q, false);
    return q;
}

db_query *db_pool_query(db_pool *pool, const char *sql, int nparams, const char *const *params,
                        db_callback cb, void *ctx)
{
    db_query *q = db_query_alloc(pool);
    if (q == NULL)
        return NULL;
    q->sql = sql;
    q->nparams = nparams;
    q->params = params;
    q->cb = cb;
    q->ctx = ctx;
    return submit(pool, q);
}

db_query *db_pool_write(db_pool *pool, const db_statement *stmts, int nstmts, db_callback cb, void *ctx)
{
    db_query *q = nstmts >= 1 && nstmts <= DB_WRITE_MAX_STATEMENTS ? db_query_alloc(pool) : NULL;
    if (q == NULL)
        return NULL;
    q->stmts = stmts;
    q->nstmts = (uint8_t)nstmts;
    q->sql = stmts[nstmts - 1].sql;
    q->cb = cb;
    q->ctx = ctx;
    return submit(pool, q);
}

void db_query_cancel(db_query *q)
{
    if (q == NULL)
        return;
    switch (q->state) {
    case DBQ_WAITING:
        h2o_linklist_unlink(&q->link);
        q->pool->nwaiting--;
        db_query_release(q);
        break;
    case DBQ_DEFERRED:
        h2o_linklist_unlink(&q->link);
        db_query_release(q);
        break;
    case DBQ_IN_FLIGHT: /* its results must still be read to keep the FIFO aligned */
        q->cancelled = true;
        q->cb = NULL;
        break;
    case DBQ_FREE:
        break;
    }
}

bool db_pool_is_up(const db_pool *pool)
{
    return any_usable(pool);
}

void db_pool_get_stats(const db_pool *pool, db_pool_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < pool->cfg.size; i++) {
        const db_conn *c = &pool->conns[i];
        out->connections_up += db_conn_usable(c);
        out->connections_busy += db_conn_usable(c) && (c->in_flight > 0 || c->checking);
        out->in_flight += c->in_flight;
    }
    out->waiting = pool->nwaiting;
    out->statements_sent = pool->statements_sent;
    out->reconnects = pool->reconnects;
    out->health_checks = pool->health_checks;
}

static void fail_list(db_pool *pool, h2o_linklist_t *list, bool counted)
{
    while (!h2o_linklist_is_empty(list)) {
        db_query *q = pop_first(list);
        if (counted)
            pool->nwaiting--;
        db_query_deliver(q, DB_ERR_SHUTDOWN, NULL, "", msg_shutdown);
        db_query_release(q);
    }
}

void db_pool_destroy(db_pool *pool)
{
    if (pool == NULL)
        return;
    pool->destroying = true; /* no reconnects; db_pool_query from callbacks only enqueues */
    for (unsigned i = 0; i < pool->cfg.size; i++) {
        db_conn *c = &pool->conns[i];
        db_timer_disarm(&c->backoff);
        db_conn_fail(c, DB_ERR_SHUTDOWN, msg_shutdown);
    }
    /* Callbacks may add queries (to the wait queue) or cancel them: loop until empty. */
    while (!h2o_linklist_is_empty(&pool->waiting) || !h2o_linklist_is_empty(&pool->deferred)) {
        fail_list(pool, &pool->deferred, false);
        fail_list(pool, &pool->waiting, true);
    }
    for (unsigned i = 0; i < pool->cfg.size; i++)
        db_conn_free(&pool->conns[i]);
    h2o_timeout_unlink(&pool->tick_entry);
    h2o_timeout_dispose(pool->loop, &pool->tick);
    h2o_timeout_dispose(pool->loop, &pool->connect_timeout);
    h2o_timeout_dispose(pool->loop, &pool->statement_timeout);
    for (size_t i = 0; i < DB_TIMER_STEPS; i++)
        h2o_timeout_dispose(pool->loop, &pool->steps[i]);
    while (pool->freelist != NULL) {
        db_query *q = pool->freelist;
        pool->freelist = q->next_free;
        free(q);
    }
    free(pool->conns);
    free(pool->options);
    free(pool->conninfo);
    free(pool);
}
