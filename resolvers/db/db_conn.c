/*
 * db_conn.c: one pooled libpq connection driven by the h2o event loop.
 *
 * Life cycle: DOWN --backoff timer--> CONNECTING --PQconnectPoll OK--> UP, and
 * any failure back to DOWN with a fresh PQconnectStartParams after an
 * exponential, jittered backoff. An UP connection is in pipeline mode: every
 * query is [Parse] + Bind/Execute, and the statements written during one loop
 * iteration share one Sync, written by the pool's tick (db_conn_sync). Why
 * batch: libpq flushes the socket on every PQpipelineSync, so a Sync per
 * statement costs a write here and a wake-up and read in the backend per
 * statement; a Sync per iteration costs one of each per batch, which is what
 * lets a few connections carry a load that pgbench needs many for. The price:
 * an error aborts the rest of its batch until the Sync. The aborted
 * statements did not run; they are sent again (rerun) after the Sync, so an
 * error still reaches only its own query. Results are matched to the FIFO of
 * entries in the order they were sent.
 *
 * The socket: h2o watches a dup() of libpq's socket, never libpq's own fd.
 * libpq closes its fd by itself (inside PQconsumeInput when the server goes
 * away, inside PQconnectPoll when it moves on to the next address, and the
 * next socket often gets the same number). A wrapper around libpq's fd would
 * then make h2o call epoll_ctl on a closed or reused descriptor: after a
 * server-side disconnect PQsocket is already -1 and h2o 2.2.5's
 * h2o_socket_export prints "socket_export: epoll(DEL) returned error 9"
 * (measured), a reused number could drop another socket's registration, and
 * a MOD on a stale one makes h2o_evloop_run return -1 (evloop/epoll.c.h,
 * update_status). With our own duplicate the descriptor
 * h2o watches stays valid until we close it (h2o_socket_close deletes it from
 * epoll, then closes only the duplicate), a pending write notification needs
 * no special care, and while connecting we simply re-wrap after every
 * PQconnectPoll step instead of guessing whether the fd changed.
 */
#include "resolvers/db/db_pool_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

static void on_connect_ready(h2o_socket_t *sock, const char *err);
static void on_readable(h2o_socket_t *sock, const char *err);
static void on_writable(h2o_socket_t *sock, const char *err);

/* libpq prints notices and warnings to stderr by default; the pool logs nothing. */
static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static void set_error(db_conn *c, const char *message)
{
    if (message != c->errmsg)
        db_copy_message(c->errmsg, sizeof(c->errmsg), message);
}

/* ---- the per-connection statement cache: SQL text -> statement id ---- */

static uint64_t hash_sql(const char *s)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* The slot holding `sql`, or the empty slot where it would go. */
static db_stmt_slot *stmt_slot(db_conn *c, const char *sql, uint64_t hash)
{
    size_t mask = DB_STMT_CACHE_SLOTS - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        db_stmt_slot *s = &c->stmts[i];
        if (s->sql == NULL || (s->hash == hash && strcmp(s->sql, sql) == 0))
            return s;
    }
}

/* Removes one entry, shifting later members of its probe run back (no tombstones). */
static void stmt_remove(db_conn *c, db_stmt_slot *hole)
{
    size_t mask = DB_STMT_CACHE_SLOTS - 1;
    size_t h = (size_t)(hole - c->stmts);
    free(hole->sql);
    hole->sql = NULL;
    c->nstmts--;
    for (size_t i = (h + 1) & mask; c->stmts[i].sql != NULL; i = (i + 1) & mask) {
        size_t home = c->stmts[i].hash & mask;
        /* The entry may move into the hole if its home is not in (h, i]. */
        bool stays = h <= i ? (home > h && home <= i) : (home > h || home <= i);
        if (!stays) {
            c->stmts[h] = c->stmts[i];
            c->stmts[i].sql = NULL;
            h = i;
        }
    }
}

/* A Parse failed: that name does not exist on the server. */
static void stmt_forget_id(db_conn *c, const char *sql, uint32_t id)
{
    if (c->stmts == NULL)
        return;
    db_stmt_slot *s = stmt_slot(c, sql, hash_sql(sql));
    if (s->sql != NULL && s->id == id)
        stmt_remove(c, s);
}

static void stmt_forget_all(db_conn *c)
{
    if (c->stmts == NULL)
        return;
    for (size_t i = 0; i < DB_STMT_CACHE_SLOTS; i++) {
        free(c->stmts[i].sql);
        c->stmts[i].sql = NULL;
    }
    c->nstmts = 0;
}

static void stmt_name(char *buf, size_t len, uint32_t id)
{
    snprintf(buf, len, "gqld_%u", (unsigned)id);
}

/* ---- socket watching ---- */

static void unwatch(db_conn *c)
{
    if (c->sock != NULL) {
        h2o_socket_close(c->sock); /* closes our duplicate only */
        c->sock = NULL;
    }
    c->write_wait = false;
}

static bool watch(db_conn *c, bool for_write, h2o_socket_cb cb)
{
    int pqfd = PQsocket(c->pg);
    if (pqfd < 0)
        return false;
    int fd = fcntl(pqfd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return false;
    c->sock = h2o_evloop_socket_create(c->pool->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    c->sock->data = c;
    if (for_write) {
        h2o_socket_notify_write(c->sock, cb);
        c->write_wait = true;
    } else {
        h2o_socket_read_start(c->sock, cb);
    }
    return true;
}

/* ---- teardown and reconnect ---- */

static void on_backoff_done(db_timer *t)
{
    db_conn *c = H2O_STRUCT_FROM_MEMBER(db_conn, backoff, t);
    db_conn_start(c);
}

static void schedule_reconnect(db_conn *c)
{
    if (c->pool->destroying)
        return;
    uint64_t b = c->backoff_ms == 0 ? DB_BACKOFF_MIN_MS : c->backoff_ms * 2;
    if (b > DB_BACKOFF_MAX_MS)
        b = DB_BACKOFF_MAX_MS;
    c->backoff_ms = b;
    /* "Equal jitter": half fixed, half random, so a fleet does not reconnect in step. */
    db_timer_arm(&c->backoff, b / 2 + db_pool_random(c->pool) % (b / 2 + 1));
}

static void teardown(db_conn *c)
{
    unwatch(c);
    h2o_timeout_unlink(&c->connect_deadline);
    if (c->pg != NULL) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    stmt_forget_all(c);
    c->state = DBC_DOWN;
    c->broken = false;
    c->needs_drain = false;
    c->checking = false;
    c->unsynced = 0;
    c->done = NULL;
    c->epoch++;
}

/*
 * Tears the connection down, fails every entry of its FIFO with `status`
 * (callbacks run here: call only from the loop, never inside db_pool_query),
 * and schedules the reconnect unless the pool is being destroyed.
 */
void db_conn_fail(db_conn *c, db_status status, const char *message)
{
    const char *fallback = c->pg != NULL ? PQerrorMessage(c->pg) : "";
    set_error(c, message != NULL ? message : fallback[0] != '\0' ? fallback : "database connection lost");

    h2o_linklist_t failed;
    h2o_linklist_init_anchor(&failed);
    h2o_linklist_insert_list(&failed, &c->fifo);
    c->in_flight = 0;
    teardown(c);
    schedule_reconnect(c);

    /* A callback may cancel an entry still on `failed`: that only marks it. */
    while (!h2o_linklist_is_empty(&failed)) {
        db_query *q = H2O_STRUCT_FROM_MEMBER(db_query, link, failed.next);
        h2o_linklist_unlink(&q->link);
        h2o_timeout_unlink(&q->deadline);
        if (!q->answered && !q->cancelled)
            db_query_deliver(q, status, NULL, "", c->errmsg);
        db_query_release(q);
    }
}

/* A failure found where callbacks may not run: the pool's next tick tears it down. */
static void mark_broken(db_conn *c, const char *message)
{
    if (!c->broken) {
        set_error(c, message);
        c->broken = true;
        db_pool_kick(c->pool);
    }
}

/* ---- connecting ---- */

static void attempt_failed(db_conn *c, const char *message)
{
    const char *why = message;
    if (why == NULL)
        why = c->pg != NULL && PQerrorMessage(c->pg)[0] != '\0' ? PQerrorMessage(c->pg) : "connection failed";
    set_error(c, why);
    db_copy_message(c->pool->last_error, sizeof(c->pool->last_error), c->errmsg);
    teardown(c);
    schedule_reconnect(c);
}

static void on_connect_timeout(h2o_timeout_entry_t *entry)
{
    db_conn *c = H2O_STRUCT_FROM_MEMBER(db_conn, connect_deadline, entry);
    attempt_failed(c, "connection attempt timed out (connect_timeout_ms)");
}

static void established(db_conn *c)
{
    h2o_timeout_unlink(&c->connect_deadline);
    if (PQsetnonblocking(c->pg, 1) != 0 || PQenterPipelineMode(c->pg) != 1) {
        attempt_failed(c, NULL);
        return;
    }
    if (!watch(c, false, on_readable)) {
        attempt_failed(c, "cannot watch the connection's socket");
        return;
    }
    c->state = DBC_UP;
    c->backoff_ms = 0;
    c->last_active = db_clock_ms();
    if (c->was_up)
        c->pool->reconnects++;
    c->was_up = true;
    db_pool_dispatch(c->pool);
}

static void connect_step(db_conn *c, PostgresPollingStatusType st)
{
    switch (st) {
    case PGRES_POLLING_READING:
    case PGRES_POLLING_WRITING:
        if (!watch(c, st == PGRES_POLLING_WRITING, on_connect_ready))
            attempt_failed(c, NULL);
        break;
    case PGRES_POLLING_OK:
        established(c);
        break;
    default:
        attempt_failed(c, NULL);
        break;
    }
}

static void on_connect_ready(h2o_socket_t *sock, const char *err)
{
    db_conn *c = sock->data;
    (void)err; /* PQconnectPoll finds out for itself */
    unwatch(c);
    connect_step(c, PQconnectPoll(c->pg));
}

/* Starts one non-blocking attempt. Never runs a user callback. */
void db_conn_start(db_conn *c)
{
    db_pool *pool = c->pool;
    c->pg = PQconnectStartParams(pool->keywords, pool->values, 1);
    if (c->pg == NULL) {
        attempt_failed(c, "out of memory");
        return;
    }
    PQsetNoticeProcessor(c->pg, ignore_notice, NULL);
    if (PQstatus(c->pg) == CONNECTION_BAD) {
        attempt_failed(c, NULL);
        return;
    }
    c->state = DBC_CONNECTING;
    c->connect_deadline.cb = on_connect_timeout;
    h2o_timeout_link(pool->loop, &pool->connect_timeout, &c->connect_deadline);
    /* libpq: before the first PQconnectPoll, behave as if it returned WRITING. */
    connect_step(c, PGRES_POLLING_WRITING);
}

void db_conn_init(db_conn *c, db_pool *pool)
{
    memset(c, 0, sizeof(*c));
    c->pool = pool;
    h2o_linklist_init_anchor(&c->fifo);
    c->backoff.pool = pool;
    c->backoff.cb = on_backoff_done;
}

/* Releases what teardown keeps (the cache table); the pool is being destroyed. */
void db_conn_free(db_conn *c)
{
    db_timer_disarm(&c->backoff);
    teardown(c);
    free(c->stmts);
    c->stmts = NULL;
}

/* ---- sending ---- */

static bool flush(db_conn *c)
{
    int r = PQflush(c->pg);
    if (r < 0)
        return false;
    if (r == 1 && !c->write_wait) {
        h2o_socket_notify_write(c->sock, on_writable);
        c->write_wait = true;
    }
    return true;
}

/* q's statement is written: its results come back in FIFO order on c. */
static void track_in_flight(db_conn *c, db_query *q)
{
    q->state = DBQ_IN_FLIGHT;
    q->conn = c;
    q->sent = true;
    q->sync_after = false;
    h2o_linklist_insert(&c->fifo, &q->link);
    c->in_flight++;
}

/*
 * Flushes what was written and makes sure the results get read. False (c marked
 * broken) when the socket failed.
 */
static bool push(db_conn *c)
{
    if (!flush(c)) {
        mark_broken(c, PQerrorMessage(c->pg));
        return false;
    }
    /* PQflush reads input when the socket is full; no readiness event will announce it. */
    if (!c->needs_drain) {
        c->needs_drain = true;
        db_pool_kick(c->pool);
    }
    return true;
}

static void on_statement_deadline(h2o_timeout_entry_t *entry)
{
    db_query *q = H2O_STRUCT_FROM_MEMBER(db_query, deadline, entry);
    db_conn_fail(q->conn, DB_ERR_TIMEOUT,
                 q->pool->cfg.protocol == DB_PROTOCOL_PROXY
                     ? "no reply within statement_timeout_ms (proxy protocol): connection reset"
                     : "no reply within statement_timeout_ms + 1 s: connection reset");
}

/*
 * Looks up (or prepares, within the cache bound) the statement for sql and
 * writes its name to `name`; false = run it unnamed (always when `unnamed`).
 * *parsed is the new statement's id when a Parse was written now (its result
 * comes first), else 0. Fails only on a broken connection, reported through *ok.
 */
static bool choose_statement(db_conn *c, const char *sql, bool unnamed, char *name, size_t namelen, bool *ok,
                             uint32_t *parsed)
{
    *ok = true;
    *parsed = 0;
    if (c->pool->cfg.protocol == DB_PROTOCOL_PROXY || unnamed)
        return false;
    if (c->stmts == NULL && (c->stmts = calloc(DB_STMT_CACHE_SLOTS, sizeof(*c->stmts))) == NULL)
        return false;
    uint64_t hash = hash_sql(sql);
    db_stmt_slot *slot = stmt_slot(c, sql, hash);
    if (slot->sql != NULL) {
        stmt_name(name, namelen, slot->id);
        return true;
    }
    if (c->nstmts >= DB_STMT_CACHE_MAX)
        return false;
    char *copy = strdup(sql);
    if (copy == NULL)
        return false;
    uint32_t id = ++c->next_stmt_id;
    stmt_name(name, namelen, id);
    if (!PQsendPrepare(c->pg, name, sql, 0, NULL)) {
        free(copy);
        *ok = false;
        return false;
    }
    /* Cached before the Parse completes: later queries in the pipeline may use it at once. */
    *slot = (db_stmt_slot){.sql = copy, .hash = hash, .id = id};
    c->nstmts++;
    *parsed = id;
    return true;
}

static void arm_statement_deadline(db_pool *pool, db_query *q)
{
    if (pool->cfg.statement_timeout_ms != 0) {
        q->deadline.cb = on_statement_deadline;
        h2o_timeout_link(pool->loop, &pool->statement_timeout, &q->deadline);
    }
}

/*
 * A write (db_pool_write): its statements, then a Sync of its own, so that
 * they are one transaction with no other query's statements in it. A batch
 * of other queries still open on c is closed first. False (c marked broken,
 * q not tracked) when writing failed before the write's Sync: the server then
 * has at most part of it and no Sync, so it runs nothing of it, and the
 * caller may send it elsewhere.
 */
static bool send_write(db_conn *c, db_query *q)
{
    db_pool *pool = c->pool;
    db_conn_sync(c);
    if (!db_conn_usable(c))
        return false;
    q->results_expected = 0;
    q->results_seen = 0;
    q->answered = false;
    q->write_failed = false;
    for (unsigned i = 0; i < q->nstmts; i++) {
        const db_statement *st = &q->stmts[i];
        char name[32];
        bool ok;
        uint32_t parsed;
        bool by_name = choose_statement(c, st->sql, q->retried, name, sizeof(name), &ok, &parsed);
        if (ok && parsed != 0) {
            q->parse_ids[i] = parsed;
            q->parse_of[q->results_expected++] = (uint8_t)(i + 1);
        }
        if (ok)
            ok = by_name ? PQsendQueryPrepared(c->pg, name, st->nparams, st->params, NULL, NULL, 0)
                         : PQsendQueryParams(c->pg, st->sql, st->nparams, NULL, st->params, NULL, NULL, 0);
        if (!ok) {
            mark_broken(c, PQerrorMessage(c->pg));
            return false;
        }
        q->parse_of[q->results_expected++] = 0;
    }
    if (!PQpipelineSync(c->pg)) {
        mark_broken(c, PQerrorMessage(c->pg));
        return false;
    }
    track_in_flight(c, q);
    q->sync_after = true;
    pool->statements_sent += q->nstmts;
    arm_statement_deadline(pool, q);
    push(c); /* on failure q is in the FIFO: the teardown answers it */
    return true;
}

/*
 * Sends q on c. Never runs a callback. On failure the connection is marked
 * broken (torn down on the next tick) and q is left for the caller to requeue.
 */
bool db_conn_send(db_conn *c, db_query *q)
{
    db_pool *pool = c->pool;
    char name[32];
    bool ok;
    uint32_t parsed;

    if (q->stmts != NULL)
        return send_write(c, q);
    q->results_seen = 0;
    q->answered = false;
    q->by_name = choose_statement(c, q->sql, q->retried, name, sizeof(name), &ok, &parsed);
    q->stmt_id = parsed;
    q->results_expected = parsed != 0 ? 2 : 1;
    if (ok) {
        if (q->by_name)
            ok = PQsendQueryPrepared(c->pg, name, q->nparams, q->params, NULL, NULL, 0);
        else
            ok = PQsendQueryParams(c->pg, q->sql, q->nparams, NULL, q->params, NULL, NULL, 0);
    }
    if (!ok) {
        mark_broken(c, PQerrorMessage(c->pg));
        return false;
    }
    track_in_flight(c, q);
    pool->statements_sent++;
    arm_statement_deadline(pool, q);
    if (c->unsynced++ == 0)
        db_pool_kick(pool); /* the tick writes the batch's Sync and flushes */
    return true;
}

/*
 * Closes the batch written since the last Sync: the server answers nothing
 * before a Sync (or Flush), and PQpipelineSync flushes. Never runs a callback;
 * a socket failure marks c broken (its FIFO is answered by the teardown).
 */
void db_conn_sync(db_conn *c)
{
    if (c->unsynced == 0 || !db_conn_usable(c))
        return;
    c->unsynced = 0;
    H2O_STRUCT_FROM_MEMBER(db_query, link, c->fifo.prev)->sync_after = true;
    if (!PQpipelineSync(c->pg)) {
        mark_broken(c, PQerrorMessage(c->pg));
        return;
    }
    push(c);
}

static void on_check_deadline(h2o_timeout_entry_t *entry)
{
    db_query *q = H2O_STRUCT_FROM_MEMBER(db_query, deadline, entry);
    db_conn_fail(q->conn, DB_ERR_UNAVAILABLE, "idle connection check unanswered within connect_timeout_ms");
}

/*
 * The idle check: an empty query (Parse/Bind/Execute of "", answered by
 * EmptyQueryResponse: no plan, no snapshot, no session state, so it is fine
 * behind RDS Proxy too) + Sync, sent on an idle connection before it serves
 * again. Until its Sync comes back the connection takes no work (pick() skips
 * it), so when the server is gone only the check fails: a FATAL or EOF tears
 * the connection down, the reconnect follows, and the queries that waited go
 * to a fresh connection without an error reaching their callers. A silent
 * network is bounded by connect_timeout_ms. Counted in health_checks, not in
 * statements_sent. Never runs a callback; false = c is marked broken.
 */
bool db_conn_check(db_conn *c)
{
    db_pool *pool = c->pool;
    db_query *q = db_query_alloc(pool);
    if (q == NULL) { /* no check this time: use the connection as it is */
        c->last_active = db_clock_ms();
        return true;
    }
    q->sql = "";
    q->health_check = true;
    q->cancelled = true; /* no callback, and its results are dropped */
    q->results_expected = 1;
    if (!PQsendQueryParams(c->pg, "", 0, NULL, NULL, NULL, NULL, 0) || !PQpipelineSync(c->pg)) {
        db_query_release(q);
        mark_broken(c, PQerrorMessage(c->pg));
        return false;
    }
    track_in_flight(c, q);
    q->sync_after = true;
    c->checking = true;
    pool->health_checks++;
    q->deadline.cb = on_check_deadline;
    h2o_timeout_link(pool->loop, &pool->connect_timeout, &q->deadline);
    return push(c); /* on failure q is in the FIFO: the teardown releases it */
}

/* ---- results ---- */

/*
 * 57014 (query_canceled) is what statement_timeout raises. Class 08 and
 * 57P01..57P03 mean the session is gone or going; so does an error without
 * SQLSTATE on a connection libpq has marked bad. One exception: 08P01 at
 * ERROR severity on a healthy connection is a malformed request (a Bind with
 * the wrong parameter count), the caller's bug, not an outage to reset for.
 */
static db_status classify(const PGresult *r, const char *sqlstate, PGconn *pg)
{
    if (strcmp(sqlstate, "57014") == 0)
        return DB_ERR_TIMEOUT;
    if (strcmp(sqlstate, "08P01") == 0 && PQstatus(pg) == CONNECTION_OK) {
        const char *severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
        if (severity != NULL && strcmp(severity, "ERROR") == 0)
            return DB_ERR_QUERY;
    }
    if (strncmp(sqlstate, "08", 2) == 0 || strcmp(sqlstate, "57P01") == 0 || strcmp(sqlstate, "57P02") == 0 ||
        strcmp(sqlstate, "57P03") == 0)
        return DB_ERR_UNAVAILABLE;
    if (sqlstate[0] == '\0' && PQstatus(pg) == CONNECTION_BAD)
        return DB_ERR_UNAVAILABLE;
    return DB_ERR_QUERY;
}

/* The statement (or its Parse) failed. Takes ownership of r. */
static void answer_error(db_conn *c, db_query *q, PGresult *r)
{
    const char *sqlstate = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (sqlstate == NULL)
        sqlstate = "";
    ExecStatusType st = PQresultStatus(r);
    db_status status = st == PGRES_FATAL_ERROR ? classify(r, sqlstate, c->pg) : DB_ERR_QUERY;
    const char *message = PQresultErrorMessage(r);
    if (message[0] == '\0')
        message = st == PGRES_PIPELINE_ABORTED ? "statement skipped: pipeline aborted" : PQresStatus(st);

    /* The named statement is gone (e.g. a proxy moved us to another backend): run it once by text. */
    if (strcmp(sqlstate, "26000") == 0 && q->by_name && !q->retried && !q->cancelled) {
        stmt_forget_all(c);
        q->retried = true;
        q->rerun = true; /* not answered: a teardown before the sync still answers it */
        PQclear(r);
        return;
    }
    if (status == DB_ERR_UNAVAILABLE)
        set_error(c, message); /* kept for the entries failed by the reset below */
    q->answered = true;
    if (!q->cancelled)
        db_query_deliver(q, status, NULL, sqlstate, message);
    PQclear(r);
    if (status == DB_ERR_UNAVAILABLE && c->state == DBC_UP)
        db_conn_fail(c, DB_ERR_UNAVAILABLE, c->errmsg);
}

/*
 * A write's Sync has come back: the transaction committed (the last
 * statement's rows) or rolled back (its first error). Answered now.
 */
static void answer_write(db_query *q)
{
    db_result r = {.status = DB_OK, .sqlstate = "", .message = ""};
    PGresult *res = q->held;
    if (res == NULL) {
        r.status = DB_ERR_QUERY;
        r.message = "no result for the write";
    } else if (q->write_failed) {
        const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        r.status = q->held_status;
        r.sqlstate = sqlstate != NULL ? sqlstate : "";
        r.message = PQresultErrorMessage(res);
        r.detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    } else {
        r.res = res;
        r.rows = PQntuples(res);
    }
    q->answered = true;
    db_query_deliver_result(q, &r);
}

/*
 * The batch's Sync: its entries leave the FIFO, oldest first. Reruns go back
 * to the front of the wait queue in their original order (so each is inserted
 * before the ones after it: walk the batch backwards).
 */
static void on_sync(db_conn *c)
{
    h2o_linklist_t batch;
    h2o_linklist_init_anchor(&batch);
    while (!h2o_linklist_is_empty(&c->fifo)) {
        db_query *q = H2O_STRUCT_FROM_MEMBER(db_query, link, c->fifo.next);
        h2o_linklist_unlink(&q->link);
        h2o_linklist_insert(&batch, &q->link);
        if (q->sync_after)
            break;
    }
    c->done = NULL;
    c->last_active = db_clock_ms();
    while (!h2o_linklist_is_empty(&batch)) {
        db_query *q = H2O_STRUCT_FROM_MEMBER(db_query, link, batch.prev);
        h2o_linklist_unlink(&q->link);
        h2o_timeout_unlink(&q->deadline);
        c->in_flight--;
        if (q->health_check)
            c->checking = false;
        if (q->rerun && !q->cancelled) {
            q->rerun = false;
            db_pool_requeue_front(c->pool, q);
        } else {
            if (!q->answered && !q->cancelled && q->stmts != NULL)
                answer_write(q);
            else if (!q->answered && !q->cancelled)
                db_query_deliver(q, DB_ERR_QUERY, NULL, "", "no result for statement");
            db_query_release(q);
        }
    }
    db_pool_dispatch(c->pool);
}

/* q has all its results: later ones belong to the next entry, or are the Sync after q. */
static void entry_complete(db_conn *c, db_query *q)
{
    if (q->results_seen == q->results_expected && !q->sync_after)
        c->done = q;
}

/*
 * An earlier statement of q's batch failed, so the server skipped q: it did
 * not run, and runs again after the Sync (a failed neighbour is not q's error).
 */
static bool skipped(db_query *q, ExecStatusType st)
{
    if (st != PGRES_PIPELINE_ABORTED || q->answered || q->cancelled)
        return false;
    q->rerun = true;
    return true;
}

/*
 * One result of a write: held until its Sync (answer_write) when it is the
 * last statement's rows or the transaction's first error. Takes ownership of r.
 */
static void on_write_result(db_conn *c, db_query *q, PGresult *r, ExecStatusType st)
{
    unsigned at = q->results_seen - 1u;
    unsigned parse_of = q->parse_of[at];
    bool ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
    if (parse_of != 0 && !ok)
        stmt_forget_id(c, q->stmts[parse_of - 1].sql, q->parse_ids[parse_of - 1]);
    if (ok && parse_of == 0 && at + 1u == q->results_expected && !q->write_failed && !q->cancelled) {
        q->held = r;
        return;
    }
    if (ok || st == PGRES_PIPELINE_ABORTED || q->write_failed || q->rerun) {
        PQclear(r);
        return;
    }
    const char *sqlstate = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (sqlstate == NULL)
        sqlstate = "";
    /* A named statement is gone: the transaction aborted, so it may run once more, by text. */
    if (strcmp(sqlstate, "26000") == 0 && !q->retried && !q->cancelled) {
        stmt_forget_all(c);
        q->retried = true;
        q->rerun = true;
        PQclear(r);
        return;
    }
    q->write_failed = true;
    q->held_status = st == PGRES_FATAL_ERROR ? classify(r, sqlstate, c->pg) : DB_ERR_QUERY;
    PQclear(q->held);
    q->held = r;
    if (q->held_status == DB_ERR_UNAVAILABLE && c->state == DBC_UP) {
        set_error(c, PQresultErrorMessage(r));
        db_conn_fail(c, DB_ERR_UNAVAILABLE, c->errmsg); /* answers q too: the commit was not seen */
    }
}

/* One result of q (its Parse's or its statement's). Takes ownership of r. */
static void on_entry_result(db_conn *c, db_query *q, PGresult *r, ExecStatusType st)
{
    if (q->stmts != NULL) {
        on_write_result(c, q, r, st);
        return;
    }
    if (q->results_expected == 2 && q->results_seen == 1) { /* the Parse */
        if (st == PGRES_COMMAND_OK) {
            PQclear(r);
            return;
        }
        stmt_forget_id(c, q->sql, q->stmt_id);
        if (skipped(q, st) || q->answered || q->cancelled || q->rerun) {
            PQclear(r);
            return;
        }
        answer_error(c, q, r); /* e.g. 42601: syntax errors surface at Parse */
        return;
    }
    if (q->answered || q->cancelled || q->rerun) { /* e.g. PIPELINE_ABORTED after a failed Parse */
        PQclear(r);
        return;
    }
    if (skipped(q, st)) {
        PQclear(r);
        return;
    }
    if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        q->answered = true;
        db_query_deliver(q, DB_OK, r, "", "");
        PQclear(r);
        return;
    }
    answer_error(c, q, r);
}

/* One result from PQgetResult, matched to the entry it belongs to. Takes ownership of r. */
static void on_result(db_conn *c, PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    /* The result belongs to the entry after the last complete one. */
    h2o_linklist_t *at = c->done != NULL ? c->done->link.next : c->fifo.next;
    if (at == &c->fifo) {
        PQclear(r);
        db_conn_fail(c, DB_ERR_UNAVAILABLE, "result without a pending statement");
        return;
    }
    db_query *q = H2O_STRUCT_FROM_MEMBER(db_query, link, at);

    if (st == PGRES_PIPELINE_SYNC) {
        PQclear(r);
        if (!q->sync_after || q->results_seen < q->results_expected) {
            db_conn_fail(c, DB_ERR_UNAVAILABLE, "Sync before the results of its batch: connection reset");
            return;
        }
        on_sync(c);
        return;
    }
    if (q->results_seen >= q->results_expected) {
        PQclear(r);
        db_conn_fail(c, DB_ERR_UNAVAILABLE, "more results than statements: connection reset");
        return;
    }
    q->results_seen++;
    unsigned epoch = c->epoch;
    on_entry_result(c, q, r, st);
    if (c->epoch == epoch) /* a callback or an error may have torn c down */
        entry_complete(c, q);
}

/*
 * Reads every complete result libpq holds. Stops when libpq would block, when
 * nothing is in flight, or when a callback (or an error) tore the connection
 * down. PQgetResult returns NULL between statements and keeps returning NULL
 * when idle: two in a row mean nothing more is ready.
 */
void db_conn_drain(db_conn *c)
{
    unsigned epoch = c->epoch;
    bool after_null = false;
    c->needs_drain = false;
    while (c->epoch == epoch && c->state == DBC_UP && !h2o_linklist_is_empty(&c->fifo)) {
        if (PQstatus(c->pg) == CONNECTION_BAD || PQisBusy(c->pg))
            return;
        PGresult *r = PQgetResult(c->pg);
        if (r == NULL) {
            if (after_null)
                return;
            after_null = true;
            continue;
        }
        after_null = false;
        on_result(c, r);
    }
}

/*
 * PQconsumeInput reads at most one TLS record's worth, and when libpq's buffer
 * has less room than the record, the decrypted rest stays inside OpenSSL,
 * where no readiness event will ever announce it: read until OpenSSL holds
 * nothing more.
 */
static int consume_input(PGconn *pg)
{
    int ok = PQconsumeInput(pg);
    if (ok && PQsslInUse(pg)) {
        SSL *ssl = PQsslStruct(pg, "OpenSSL");
        while (ok && ssl != NULL && SSL_pending(ssl) > 0)
            ok = PQconsumeInput(pg);
    }
    return ok;
}

static void on_readable(h2o_socket_t *sock, const char *err)
{
    db_conn *c = sock->data;
    unsigned epoch = c->epoch;
    (void)err;
    int ok = consume_input(c->pg);
    if (ok && PQstatus(c->pg) != CONNECTION_BAD)
        db_conn_drain(c);
    if (c->epoch != epoch)
        return;
    if (!ok || PQstatus(c->pg) == CONNECTION_BAD)
        db_conn_fail(c, DB_ERR_UNAVAILABLE, NULL);
}

static void on_writable(h2o_socket_t *sock, const char *err)
{
    db_conn *c = sock->data;
    (void)err;
    c->write_wait = false;
    if (!flush(c)) {
        db_conn_fail(c, DB_ERR_UNAVAILABLE, NULL);
        return;
    }
    db_conn_drain(c);
}
