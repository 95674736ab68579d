/* worker: one thread's share of the engine: its pool, shared statements, caches and their timers. */

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "resolvers/pipeline/pipeline_internal.h"
#include "resolvers/sql/catalog.h"
#include "resolvers/sql/write.h"

int rs_engine_check(const rs_engine *engine, char *err, size_t errlen)
{
    return catalog_check(engine->schema, err, errlen);
}

static void on_cache_readable(h2o_socket_t *sock, const char *err)
{
    (void)err;
    rs_worker *w = sock->data;
    cache_tiers_dispatch(w->tiers);
}

static void on_cache_tick(h2o_timeout_entry_t *entry)
{
    rs_worker *w = H2O_STRUCT_FROM_MEMBER(rs_worker, cache_tick_entry, entry);
    cache_tiers_flush(w->tiers);
}

static void on_cache_later(h2o_timeout_entry_t *entry)
{
    rs_worker *w = H2O_STRUCT_FROM_MEMBER(rs_worker, cache_later_entry, entry);
    cache_tiers_flush(w->tiers);
}

static void kick_cache(void *user)
{
    rs_worker *w = user;
    if (!h2o_timeout_is_linked(&w->cache_tick_entry))
        h2o_timeout_link(w->loop, &w->cache_tick, &w->cache_tick_entry);
}

static void kick_cache_later(void *user)
{
    rs_worker *w = user;
    if (!h2o_timeout_is_linked(&w->cache_later_entry))
        h2o_timeout_link(w->loop, &w->cache_later, &w->cache_later_entry);
}

/* The cache tiers, single flight and the loop's watch on memcached's results. */
static int cache_start(rs_worker *w, h2o_loop_t *loop, char *err, size_t errlen)
{
    const rs_cache_config *c = &w->engine->cache;
    cache_tiers_config tc = {c->local_bytes, c->local_ttl_ms, c->prefix};
    w->tiers = cache_tiers_create(c->shared, &tc, err, errlen);
    if (w->tiers != NULL) {
        w->loop = loop;
        h2o_timeout_init(loop, &w->cache_tick, 0);
        w->cache_tick_entry.cb = on_cache_tick;
        h2o_timeout_init(loop, &w->cache_later, 10);
        w->cache_later_entry.cb = on_cache_later;
        cache_tiers_set_kick(w->tiers, kick_cache, kick_cache_later, w);
    }
    w->flights = w->tiers != NULL ? cache_flights_create() : NULL;
    /* A remembered request weighs its rs_known, the map's entry and malloc's headers: about 160 bytes. */
    if (w->flights != NULL && c->responses && c->requests > 0 &&
        (w->known = cache_lru_create(c->requests, (size_t)c->requests * 160, free)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (w->flights == NULL) {
        if (w->tiers != NULL)
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* h2o watches a duplicate: closing its wrapper must not close the cache thread's eventfd. */
    int fd = cache_tiers_fd(w->tiers) >= 0 ? dup(cache_tiers_fd(w->tiers)) : -1;
    if (fd >= 0) {
        fcntl(fd, F_SETFL, O_NONBLOCK);
        w->cache_sock = h2o_evloop_socket_create(loop, fd, H2O_SOCKET_FLAG_DONT_READ);
        w->cache_sock->data = w;
        h2o_socket_read_start(w->cache_sock, on_cache_readable);
    }
    return 0;
}

/* ---- the purge of expired idempotency keys ---- */

static void on_purged(void *ctx, const db_result *r)
{
    rs_worker *w = ctx;
    w->purging = false;
    if (w->closing)
        return;
    bool full = r->status == DB_OK && r->rows == 1 && PQgetvalue(r->res, 0, 0) != NULL &&
                strtol(PQgetvalue(r->res, 0, 0), NULL, 10) >= RS_KEY_PURGE_BATCH;
    if (r->status != DB_OK && r->status != DB_ERR_OVERLOADED && w->engine->log_error != NULL)
        w->engine->log_error("KEY_PURGE", r->message != NULL ? r->message : "");
    h2o_timeout_link(w->loop, full ? &w->purge_soon : &w->purge_later, &w->purge_entry);
}

static void on_purge_due(h2o_timeout_entry_t *entry)
{
    rs_worker *w = H2O_STRUCT_FROM_MEMBER(rs_worker, purge_entry, entry);
    if (w->closing || w->purging)
        return;
    w->purging = db_pool_write(w->writer, &w->purge_stmt, 1, on_purged, w) != NULL;
    if (!w->purging)
        h2o_timeout_link(w->loop, &w->purge_later, &w->purge_entry);
}

static void purge_start(rs_worker *w, h2o_loop_t *loop)
{
    snprintf(w->purge_ttl, sizeof(w->purge_ttl), "%u", w->engine->writes.key_ttl_s);
    w->purge_params[0] = w->purge_ttl;
    w->purge_stmt = (db_statement){write_key_purge_sql, 1, w->purge_params};
    h2o_timeout_init(loop, &w->purge_soon, 1000);
    h2o_timeout_init(loop, &w->purge_later, 300000);
    w->purge_entry.cb = on_purge_due;
    h2o_timeout_link(loop, &w->purge_soon, &w->purge_entry);
}

rs_worker *rs_worker_create(const rs_engine *engine, h2o_loop_t *loop, const db_pool_config *pool,
                            const db_pool_config *writer, char *err, size_t errlen)
{
    rs_worker *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->engine = engine;
    w->documents =
        cache_lru_create(engine->limits.doc_cache_entries ? engine->limits.doc_cache_entries : 1,
                         engine->limits.doc_cache_bytes ? engine->limits.doc_cache_bytes : 1, free_document);
    if (w->documents == NULL)
        snprintf(err, errlen, "out of memory");
    w->pool = w->documents != NULL && cache_start(w, loop, err, errlen) == 0
                  ? db_pool_create(loop, pool, err, errlen)
                  : NULL;
    if (w->pool != NULL)
        w->writer = writer != NULL ? db_pool_create(loop, writer, err, errlen) : w->pool;
    if (w->writer != NULL && (w->coalesce = db_coalesce_create(w->pool, loop, engine->db_coalesce)) == NULL)
        snprintf(err, errlen, "out of memory");
    if (w->coalesce != NULL && engine->writes.key_ttl_s > 0)
        purge_start(w, loop);
    if (w->coalesce == NULL) {
        rs_worker_destroy(w);
        return NULL;
    }
    return w;
}

void rs_worker_destroy(rs_worker *worker)
{
    if (worker == NULL)
        return;
    if (worker->cache_sock != NULL) {
        h2o_socket_read_stop(worker->cache_sock);
        h2o_socket_close(worker->cache_sock);
    }
    /* Lookups still waiting on memcached go on as misses: to the pool, which fails them as it shuts down. */
    worker->closing = true;
    cache_tiers_destroy(worker->tiers); /* with the operations still held: answered as misses */
    if (worker->loop != NULL) {
        h2o_timeout_unlink(&worker->cache_tick_entry);
        h2o_timeout_dispose(worker->loop, &worker->cache_tick);
        h2o_timeout_unlink(&worker->cache_later_entry);
        h2o_timeout_dispose(worker->loop, &worker->cache_later);
    }
    cache_lru_destroy(worker->known);
    if (worker->purge_entry.cb != NULL)
        h2o_timeout_unlink(&worker->purge_entry); /* a purge in flight is answered below, and ends there */
    if (worker->writer != worker->pool)
        db_pool_destroy(worker->writer); /* writes in flight are answered: sent ones OUTCOME_UNKNOWN */
    db_pool_destroy(worker->pool);
    db_coalesce_destroy(worker->coalesce); /* after the pool: its answers in flight go through it */
    if (worker->purge_entry.cb != NULL) {
        h2o_timeout_dispose(worker->loop, &worker->purge_soon);
        h2o_timeout_dispose(worker->loop, &worker->purge_later);
    }
    cache_flights_destroy(worker->flights);
    cache_lru_destroy(worker->documents);
    free(worker);
}

void rs_worker_get_stats(const rs_worker *worker, rs_worker_stats *out)
{
    db_pool_get_stats(worker->pool, &out->pool);
    db_coalesce_get_stats(worker->coalesce, &out->coalesce);
}

typedef struct ping {
    rs_ping_cb cb;
    void *user;
} ping;

static void on_ping(void *ctx, const db_result *result)
{
    ping *p = ctx;
    p->cb(p->user, result->status == DB_OK);
    free(p);
}

void rs_worker_ping(rs_worker *worker, rs_ping_cb cb, void *user)
{
    ping *p = db_pool_is_up(worker->pool) ? malloc(sizeof(*p)) : NULL;
    if (p == NULL) {
        cb(user, false); /* no live connection: at once, not after a connect timeout */
        return;
    }
    *p = (ping){cb, user};
    db_pool_query(worker->pool, "SELECT 1", 0, NULL, on_ping, p);
}
