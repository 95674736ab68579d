/*
 * db_pool: non-blocking libpq connections driven by one h2o event loop.
 *
 * One pool belongs to one worker thread and its loop; nothing here is shared
 * between threads. Each connection runs in libpq pipeline mode, so several
 * statements are in flight on one socket; statements are prepared once per
 * connection in DB_PROTOCOL_PREPARED; DB_PROTOCOL_PROXY keeps no session
 * state at all (see db_protocol).
 * When every connection is at its pipeline depth, queries wait in a bounded
 * FIFO queue; a full queue refuses at once (DB_ERR_OVERLOADED) so the HTTP side
 * can answer 503 instead of piling up latency.
 *
 * A connection idle for idle_check_ms or longer gets an empty query, and no
 * work until it answers, before it serves again: a connection that a NAT or
 * proxy dropped without a word is found out (and replaced) before a request
 * depends on it.
 *
 * Lost connections are reset from the loop with exponential backoff; queries
 * that were in flight on them fail with DB_ERR_UNAVAILABLE. Every query has a
 * deadline: the server-side statement_timeout plus a client-side timer that
 * also covers a silent network.
 *
 * Only resolvers/ includes libpq; callers see rows through db_result.
 */
#ifndef DB_POOL_H
#define DB_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <h2o.h>
#include <libpq-fe.h>

#include "resolvers/engine_db.h"

typedef struct db_pool db_pool;
typedef struct db_query db_query;

typedef enum db_status {
    DB_OK,
    DB_ERR_UNAVAILABLE, /* no connection could be had, or it broke mid-query */
    DB_ERR_TIMEOUT,     /* statement_timeout or the client-side deadline */
    DB_ERR_OVERLOADED,  /* the wait queue is full */
    DB_ERR_QUERY,       /* the server rejected the statement (sqlstate tells why) */
    DB_ERR_SHUTDOWN,    /* the pool is being destroyed */
} db_status;

typedef struct db_result {
    db_status status;
    PGresult *res; /* DB_OK: rows in text format; owned by the pool, valid during the callback */
    /*
     * DB_OK: the query's rows are rows [row, row + rows) of res, its columns
     * those from col on. A statement shared by several queries (db_coalesce.h)
     * holds theirs too; db_pool_query's own are 0, all rows, 0.
     */
    int row;
    int rows;
    int col;
    const char *sqlstate; /* DB_ERR_QUERY / DB_ERR_TIMEOUT when known, else "" */
    const char *message;  /* for the server log only: never sent to clients; valid during the callback */
    const char *detail;   /* a write's error: its DETAIL field, or NULL; valid during the callback */
    bool sent;            /* the statement was written to a connection (see db_pool_write) */
} db_result;

typedef void (*db_callback)(void *ctx, const db_result *result);

/* Creates the pool and starts connecting (non-blocking). NULL + err on bad config. */
db_pool *db_pool_create(h2o_loop_t *loop, const db_pool_config *cfg, char *err, size_t errlen);

/*
 * Fails every queued and in-flight query with DB_ERR_SHUTDOWN (callbacks run
 * before this returns), closes the connections and frees the pool.
 * Not from inside a pool callback (it disposes timeouts h2o may be walking).
 * h2o frees the closed socket wrappers on the loop's next h2o_evloop_run.
 */
void db_pool_destroy(db_pool *pool);

/*
 * Runs `sql` with text parameters. The callback runs exactly once, always later
 * from the event loop (never inside this call). `sql` and `params` must stay
 * valid until then. Returns a handle for db_query_cancel, valid until the
 * callback runs; NULL only when out of memory (then no callback).
 * Callbacks may call db_pool_query and db_query_cancel.
 */
db_query *db_pool_query(db_pool *pool, const char *sql, int nparams, const char *const *params,
                        db_callback cb, void *ctx);

/* One statement of a write. */
typedef struct db_statement {
    const char *sql;
    int nparams;
    const char *const *params;
} db_statement;

enum { DB_WRITE_MAX_STATEMENTS = 4 };

/*
 * A write: up to DB_WRITE_MAX_STATEMENTS statements that commit together or
 * not at all. They are one transaction, the implicit one of the extended
 * protocol: written together and closed by a Sync of their own, which no
 * other query shares (queries batched under one Sync are one transaction too,
 * and a neighbour's error would roll the write back, or the write's error its
 * neighbours). The callback runs once that Sync has come back, that is once
 * PostgreSQL has committed (DB_OK, with the last statement's rows) or rolled
 * back (the first error, with its sqlstate and detail); never with a
 * statement's answer before the commit.
 *
 * result.sent says whether the write could have reached the server. False: it
 * was refused before anything was sent (DB_ERR_OVERLOADED, no connection
 * within connect_timeout_ms, shutdown), nothing was written. True with
 * DB_ERR_UNAVAILABLE, DB_ERR_SHUTDOWN or a client-side DB_ERR_TIMEOUT (sqlstate
 * ""): the connection ended between sending and the commit's answer, and
 * whether the transaction committed is unknown. A write is never sent twice,
 * except when a named statement vanished (26000), which aborted it.
 * `stmts` and everything they point to must stay valid until the callback.
 */
db_query *db_pool_write(db_pool *pool, const db_statement *stmts, int nstmts, db_callback cb, void *ctx);

/*
 * Writes now what the pool's tick would write at the end of this turn of the
 * loop (the statements' Sync, answers it owes). For a caller that hands
 * queries over from a 0 ms timer of its own: h2o may run that after the
 * pool's, and the statements would then wait a whole turn. Only from a timer
 * callback (where the pool's own tick runs), never from a pool callback.
 */
void db_pool_flush(db_pool *pool);

/* The callback will not run. The statement may still execute; its result is dropped. */
void db_query_cancel(db_query *query);

/* True when at least one connection is established and usable. */
bool db_pool_is_up(const db_pool *pool);

void db_pool_get_stats(const db_pool *pool, db_pool_stats *out);

#endif
