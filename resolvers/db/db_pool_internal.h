/*
 * db_pool_internal.h: what db_pool.c (the pool: queue, dispatch, timers,
 * public API) and db_conn.c (one libpq connection: connect, send, results,
 * teardown) share. Nothing outside these two files includes it.
 *
 * Ownership in one paragraph: the pool owns every db_query from
 * db_pool_query until it is released to the freelist. A query is in exactly
 * one place at a time: the pool's wait queue (DBQ_WAITING), the deferred list
 * (DBQ_DEFERRED, a failure to deliver on the next tick), or one connection's
 * FIFO of statements sent and not yet synced (DBQ_IN_FLIGHT). Statements
 * written during one loop iteration form a batch closed by one Sync, written
 * by the pool's tick (db_conn_sync). Entries leave a FIFO only when their
 * batch's PGRES_PIPELINE_SYNC is read or the connection is torn down; a
 * cancelled or already answered entry stays until then so the results still
 * line up with the FIFO.
 *
 * Re-entrancy: user callbacks may call db_pool_query and db_query_cancel.
 * Therefore nothing that runs inside db_pool_query invokes a callback or tears
 * a connection down: failures found while sending mark the connection broken
 * and the pool's 0 ms tick tears it down from the loop. Code that invokes
 * callbacks while walking a connection re-checks its epoch afterwards.
 */
#ifndef DB_POOL_INTERNAL_H
#define DB_POOL_INTERNAL_H

#include "resolvers/db/db_pool.h"

/* Named statements per connection; beyond this, statements run unnamed. */
#define DB_STMT_CACHE_MAX 512
/* Open-addressing slots, a power of two at twice the maximum: probes stay short. */
#define DB_STMT_CACHE_SLOTS 1024
/* Released queries kept for reuse. */
#define DB_FREELIST_MAX   1024
#define DB_BACKOFF_MIN_MS 50
#define DB_BACKOFF_MAX_MS 5000
/* The client-side deadline of a sent statement is statement_timeout_ms plus this. */
#define DB_CLIENT_GRACE_MS 1000
/* Steps (ms) of the timeouts that make up variable delays; see db_timer. */
#define DB_TIMER_STEPS 4

typedef struct db_conn db_conn;

typedef enum db_query_state {
    DBQ_FREE,
    DBQ_WAITING,
    DBQ_DEFERRED,
    DBQ_IN_FLIGHT,
} db_query_state;

struct db_query {
    db_pool *pool;
    db_conn *conn;                /* DBQ_IN_FLIGHT: the connection whose FIFO holds it */
    h2o_linklist_t link;          /* wait queue, deferred list or a connection's FIFO */
    h2o_timeout_entry_t deadline; /* queue wait, or the client-side statement deadline */
    const char *sql;
    const char *const *params;
    int nparams;
    db_callback cb;
    void *ctx;
    db_query *next_free;
    db_status deferred_status; /* DBQ_DEFERRED: what to deliver */
    const char *deferred_message;
    db_query_state state;
    uint32_t stmt_id;         /* the Parse sent with this entry, 0 if none */
    uint8_t results_expected; /* 2 when a Parse precedes the statement, else 1 */
    uint8_t results_seen;
    bool by_name;      /* executed as a named prepared statement */
    bool answered;     /* the callback ran (or must not): later results are dropped */
    bool cancelled;    /* db_query_cancel: the callback never runs */
    bool retried;      /* the one unprepared re-run after 26000 has been used */
    bool rerun;        /* run again (unprepared) once this entry's sync is read */
    bool health_check; /* the idle check: an empty query of the pool's own, no callback */
    bool sync_after;   /* the last entry of its batch: a Sync follows it on the wire */
    bool sent;         /* written to a connection once (db_result.sent) */
    /* ---- a write (db_pool_write): stmts != NULL, sent in a batch of its own ---- */
    const db_statement *stmts;
    uint8_t nstmts;
    bool write_failed; /* a statement failed: the transaction rolls back; held is its error */
    db_status held_status;
    PGresult *held; /* until the Sync: the last statement's rows, or the first error */
    /* per result, in order: 1 + i when it is statement i's Parse, else 0 */
    uint8_t parse_of[2 * DB_WRITE_MAX_STATEMENTS];
    uint32_t parse_ids[DB_WRITE_MAX_STATEMENTS]; /* the names those Parses create */
};

typedef enum db_conn_state {
    DBC_DOWN,       /* waiting for the backoff timer */
    DBC_CONNECTING, /* PQconnectPoll in progress */
    DBC_UP,
} db_conn_state;

typedef struct db_stmt_slot {
    char *sql; /* owned copy; NULL = empty slot */
    uint64_t hash;
    uint32_t id; /* statement name is "gqld_<id>" */
} db_stmt_slot;

/*
 * A delay of any length built from the pool's fixed-step timeouts (this h2o's
 * h2o_timeout_t has one duration per timeout object): the entry hops through
 * the largest step that fits until `due`, then `cb` runs from the loop.
 */
typedef struct db_timer {
    h2o_timeout_entry_t entry;
    db_pool *pool;
    uint64_t due;
    void (*cb)(struct db_timer *timer);
} db_timer;

struct db_conn {
    db_pool *pool;
    PGconn *pg;
    h2o_socket_t *sock; /* wraps our dup() of PQsocket, never libpq's own fd */
    db_conn_state state;
    bool write_wait;      /* h2o_socket_notify_write is pending on sock */
    bool broken;          /* failed where callbacks may not run: torn down on the next tick */
    bool needs_drain;     /* PQflush may have buffered input that no readiness event will announce */
    bool was_up;          /* has been established once: the next success counts as a reconnect */
    bool checking;        /* the idle check is in flight: nothing else is sent until it answers */
    uint64_t last_active; /* db_clock_ms() when it was established or a statement last completed */
    unsigned epoch;       /* bumped by every teardown */
    unsigned in_flight;
    unsigned unsynced;   /* entries written since the last Sync: the pool's tick syncs them */
    h2o_linklist_t fifo; /* db_query.link, oldest first */
    db_query *done;      /* the last entry with all its results before the Sync; NULL = none yet */
    h2o_timeout_entry_t connect_deadline;
    db_timer backoff;
    uint64_t backoff_ms;
    db_stmt_slot *stmts; /* DB_STMT_CACHE_SLOTS, allocated on first use */
    unsigned nstmts;
    uint32_t next_stmt_id;
    char errmsg[256];
};

struct db_pool {
    h2o_loop_t *loop;
    db_pool_config cfg;
    char *conninfo;
    char *options;
    const char *keywords[4];
    const char *values[4];
    db_conn *conns;
    h2o_linklist_t waiting; /* db_query.link, FIFO */
    unsigned nwaiting;
    h2o_linklist_t deferred;
    h2o_timeout_t tick; /* 0 ms: deferred deliveries, broken connections, drains */
    h2o_timeout_entry_t tick_entry;
    h2o_timeout_t connect_timeout;   /* connect_timeout_ms: attempts and queue waits */
    h2o_timeout_t statement_timeout; /* statement_timeout_ms + DB_CLIENT_GRACE_MS */
    h2o_timeout_t steps[DB_TIMER_STEPS];
    db_query *freelist;
    unsigned nfree;
    uint64_t statements_sent;
    uint64_t reconnects;
    uint64_t health_checks;
    uint64_t rng;
    bool destroying;
    char last_error[256]; /* last failed connection attempt, for queue-deadline failures */
};

/* db_pool.c */
void db_pool_kick(db_pool *pool);
void db_pool_dispatch(db_pool *pool);
void db_pool_requeue_front(db_pool *pool, db_query *q);
uint64_t db_pool_random(db_pool *pool);
bool db_conn_usable(const db_conn *c);
void db_query_deliver(db_query *q, db_status status, PGresult *res, const char *sqlstate,
                      const char *message);
void db_query_deliver_result(db_query *q, db_result *result);
void db_query_release(db_query *q);
void db_timer_arm(db_timer *t, uint64_t delay_ms);
void db_timer_disarm(db_timer *t);
void db_copy_message(char *dst, size_t dstlen, const char *msg);
uint64_t db_clock_ms(void);
db_query *db_query_alloc(db_pool *pool);

/* db_conn.c */
void db_conn_init(db_conn *c, db_pool *pool);
void db_conn_start(db_conn *c);
bool db_conn_send(db_conn *c, db_query *q);
bool db_conn_check(db_conn *c);
void db_conn_sync(db_conn *c);
void db_conn_drain(db_conn *c);
void db_conn_fail(db_conn *c, db_status status, const char *message);
void db_conn_free(db_conn *c);

#endif
