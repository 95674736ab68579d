#include "cache/cache_mc.h"

#include "cache/cache_memc.h"
#include "cache/cache_value.h"

#include <libmemcached/memcached.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

enum {
    KEY_MAX = 250,     /* memcached's limit */
    BATCH_MAX = 256,   /* operations per round trip */
    QUEUE_MAX = 16384, /* beyond it, gets are refused (misses) rather than queued */
};

typedef struct mc_op mc_op;
struct mc_op {
    bool is_set;
    char key[KEY_MAX + 1];
    size_t key_len;
    char *value; /* set: what to store; get: what was found */
    size_t len;
    uint32_t ttl_s;
    cache_mc_get_cb cb;
    void *user;
    mc_op *next;
};

typedef struct op_list {
    mc_op *head, *tail;
    size_t count;
} op_list;

struct cache_mc {
    cache_shared *shared;
    cache_counters *counters;
    int efd;
    pthread_t thread;
    pthread_mutex_t lock; /* guards todo, done and stop */
    pthread_cond_t wake;
    op_list todo, done;
    bool stop;
    /* The loop's own: operations held until cache_mc_flush (see cache_mc_set_kick). */
    op_list held;
    void (*kick)(void *user);       /* arranges a flush before the loop next waits */
    void (*kick_later)(void *user); /* arranges one within a few milliseconds */
    void *kick_user;
    bool kicked;            /* kick ran since the last flush */
    uint64_t next_probe_ms; /* while memcached is down: when the next get may go and ask */
    /* The thread's own. */
    memcached_st *memc; /* gets: multi-gets that wait for their answers */
    memcached_st *sets; /* sets: quiet (no reply) and buffered, one write per batch; see run_sets */
    uint64_t generation;
    char reason[256]; /* why the last batch failed: the node and its error (see failure) */
};

static void list_push(op_list *l, mc_op *op)
{
    op->next = NULL;
    if (l->tail != NULL)
        l->tail->next = op;
    else
        l->head = op;
    l->tail = op;
    l->count++;
}

static mc_op *list_take(op_list *l)
{
    mc_op *all = l->head;
    *l = (op_list){0};
    return all;
}

/* The first node with an error, for failure(). */
static memcached_return_t first_failed(const memcached_st *m, const memcached_instance_st *node, void *ctx)
{
    (void)m;
    const memcached_instance_st **found = ctx;
    if (*found == NULL && memcached_server_error_return(node) != MEMCACHED_SUCCESS)
        *found = node;
    return MEMCACHED_SUCCESS;
}

/*
 * Why a call failed, for the "memcached unavailable" line: the failing node and
 * its own error ("127.0.0.1:11311: CONNECTION FAILURE(Connection refused)"),
 * not the call's summary (a multi-get's is "SOME ERRORS WERE REPORTED").
 * libmemcached words a node's error "(0x...) WHAT,  host: h:p -> file:line":
 * the pointer and the source position are dropped.
 */
static const char *failure(cache_mc *mc, memcached_st *m, memcached_return_t rc)
{
    const memcached_instance_st *node = NULL;
    memcached_server_fn each[] = {first_failed};
    memcached_server_cursor(m, each, &node, 1);
    const char *what = node != NULL ? memcached_server_error(node) : NULL;
    if (node == NULL) {
        snprintf(mc->reason, sizeof(mc->reason), "%s", memcached_strerror(m, rc));
        return mc->reason;
    }
    if (what == NULL)
        what = memcached_strerror(m, memcached_server_error_return(node));
    if (strncmp(what, "(0x", 3) == 0 && strstr(what, ") ") != NULL)
        what = strstr(what, ") ") + 2;
    const char *host = strstr(what, ",  host: ");
    int len = host != NULL ? (int)(host - what) : (int)strlen(what);
    snprintf(mc->reason, sizeof(mc->reason), "%s:%u: %.*s", memcached_server_name(node),
             (unsigned)memcached_server_port(node), len, what);
    return mc->reason;
}

/*
 * A batch's sets, on a connection of their own with quiet (no reply) buffered
 * requests, written at once by memcached_flush_buffers: storing costs the
 * thread one write, not a round trip per key (measured: synchronous sets, one
 * round trip each, held every get of the batch behind them, and a Product read
 * with 20% misses ran at a fifth of its uncached rate). Quiet sets get no
 * answer on success; a failed one's error reply lands on this connection, never
 * among the gets' answers. A set that is lost is only a later miss.
 */
static void run_sets(cache_mc *mc, mc_op *ops, bool *failed, const char **reason)
{
    bool any = false;
    uint64_t bytes = 0; /* counted once written out, not when buffered */
    for (mc_op *op = ops; op != NULL && !*failed; op = op->next) {
        if (!op->is_set)
            continue;
        any = true;
        memcached_return_t rc =
            memcached_set(mc->sets, op->key, op->key_len, op->value, op->len, (time_t)op->ttl_s, 0);
        if (cache_memc_failed(rc)) {
            *failed = true;
            *reason = failure(mc, mc->sets, rc);
            cache_count(&mc->counters->errors, 1);
        } else {
            bytes += op->len;
        }
    }
    if (any && !*failed) {
        memcached_return_t rc = memcached_flush_buffers(mc->sets);
        if (cache_memc_failed(rc)) {
            *failed = true;
            *reason = failure(mc, mc->sets, rc);
            cache_count(&mc->counters->errors, 1);
        } else {
            cache_count(&mc->counters->bytes_written, bytes);
        }
    }
}

/* One multi-get for every distinct key of the batch; each result goes to every get that asked for it. */
static void run_gets(cache_mc *mc, mc_op *ops, bool *failed, const char **reason)
{
    const char *keys[BATCH_MAX];
    size_t lens[BATCH_MAX];
    size_t n = 0;
    for (mc_op *op = ops; op != NULL; op = op->next) {
        if (op->is_set)
            continue;
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = lens[i] == op->key_len && memcmp(keys[i], op->key, op->key_len) == 0;
        if (!dup) {
            keys[n] = op->key;
            lens[n++] = op->key_len;
        }
    }
    if (n == 0)
        return;
    memcached_return_t rc = memcached_mget(mc->memc, keys, lens, n);
    if (cache_memc_failed(rc)) {
        *failed = true;
        *reason = failure(mc, mc->memc, rc);
        cache_count(&mc->counters->errors, 1);
        return;
    }
    memcached_result_st result_buf, *result = memcached_result_create(mc->memc, &result_buf);
    if (result == NULL)
        return;
    while (memcached_fetch_result(mc->memc, result, &rc) != NULL) {
        const char *key = memcached_result_key_value(result);
        size_t key_len = memcached_result_key_length(result);
        const char *value = memcached_result_value(result);
        size_t len = memcached_result_length(result);
        for (mc_op *op = ops; op != NULL; op = op->next) {
            if (op->is_set || op->value != NULL || op->key_len != key_len ||
                memcmp(op->key, key, key_len) != 0)
                continue;
            op->value = malloc(len ? len : 1);
            if (op->value != NULL) {
                memcpy(op->value, value, len);
                op->len = len;
                cache_count(&mc->counters->bytes_read, len);
            }
        }
    }
    if (cache_memc_failed(rc)) {
        *failed = true;
        *reason = failure(mc, mc->memc, rc);
        cache_count(&mc->counters->errors, 1);
    }
    memcached_result_free(result);
}

static void *mc_main(void *arg)
{
    cache_mc *mc = arg;
    pthread_mutex_lock(&mc->lock);
    for (;;) {
        while (mc->todo.head == NULL && !mc->stop)
            pthread_cond_wait(&mc->wake, &mc->lock);
        if (mc->stop)
            break;
        /* Everything queued since the last round trip, up to BATCH_MAX, is one batch. */
        mc_op *batch = mc->todo.head, *last = batch;
        size_t n = 1;
        while (last->next != NULL && n < BATCH_MAX)
            last = last->next, n++;
        mc->todo.head = last->next;
        if (mc->todo.head == NULL)
            mc->todo.tail = NULL;
        mc->todo.count -= n;
        last->next = NULL;
        pthread_mutex_unlock(&mc->lock);

        /* A batch while memcached is down is a probe: on fresh connections, not the ones it broke. */
        if (mc->memc == NULL || mc->sets == NULL || cache_shared_generation(mc->shared) != mc->generation ||
            cache_shared_bypass(mc->shared)) {
            if (mc->memc != NULL)
                memcached_free(mc->memc);
            if (mc->sets != NULL)
                memcached_free(mc->sets);
            mc->memc = cache_memc_connect(mc->shared, false, &mc->generation);
            mc->sets = cache_memc_connect(mc->shared, true, &mc->generation);
        }
        bool usable = mc->memc != NULL && mc->sets != NULL && memcached_server_count(mc->memc) > 0;
        bool failed = false;
        const char *reason = NULL;
        if (usable)
            run_gets(mc, batch, &failed, &reason);

        /* The gets' answers go back to the loop first: no hit waits for the batch's sets. */
        mc_op *sets = NULL;
        pthread_mutex_lock(&mc->lock);
        bool was_empty = mc->done.head == NULL;
        for (mc_op *op = batch, *next; op != NULL; op = next) {
            next = op->next;
            if (op->is_set) {
                op->next = sets;
                sets = op;
            } else {
                list_push(&mc->done, op);
            }
        }
        if (was_empty && mc->done.head != NULL) {
            uint64_t one = 1;
            ssize_t w = write(mc->efd, &one, sizeof(one));
            (void)w; /* the counter only saturates, and then the loop is awake anyway */
        }
        pthread_mutex_unlock(&mc->lock);

        if (usable) {
            run_sets(mc, sets, &failed, &reason);
            cache_shared_report(mc->shared, !failed, reason);
        }
        for (mc_op *op = sets, *next; op != NULL; op = next) {
            next = op->next;
            free(op->value);
            free(op);
        }
        pthread_mutex_lock(&mc->lock);
    }
    pthread_mutex_unlock(&mc->lock);
    return NULL;
}

cache_mc *cache_mc_create(cache_shared *shared, char *err, size_t errlen)
{
    cache_mc *mc = calloc(1, sizeof(*mc));
    if (mc == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    mc->shared = shared;
    mc->counters = cache_shared_counters(shared);
    mc->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (mc->efd < 0) {
        snprintf(err, errlen, "eventfd failed");
        free(mc);
        return NULL;
    }
    pthread_mutex_init(&mc->lock, NULL);
    pthread_cond_init(&mc->wake, NULL);
    if (pthread_create(&mc->thread, NULL, mc_main, mc) != 0) {
        snprintf(err, errlen, "cannot start the memcached thread");
        pthread_cond_destroy(&mc->wake);
        pthread_mutex_destroy(&mc->lock);
        close(mc->efd);
        free(mc);
        return NULL;
    }
    return mc;
}

/* Gets still queued or answered but not dispatched get their callbacks, as misses; sets are dropped. */
static void answer_as_misses(mc_op *op)
{
    while (op != NULL) {
        mc_op *next = op->next;
        if (!op->is_set)
            op->cb(op->user, NULL, 0);
        free(op->value);
        free(op);
        op = next;
    }
}

void cache_mc_destroy(cache_mc *mc)
{
    if (mc == NULL)
        return;
    pthread_mutex_lock(&mc->lock);
    mc->stop = true;
    pthread_cond_signal(&mc->wake);
    pthread_mutex_unlock(&mc->lock);
    pthread_join(mc->thread, NULL);
    answer_as_misses(list_take(&mc->done));
    answer_as_misses(list_take(&mc->todo));
    answer_as_misses(list_take(&mc->held));
    if (mc->memc != NULL)
        memcached_free(mc->memc);
    if (mc->sets != NULL)
        memcached_free(mc->sets);
    pthread_cond_destroy(&mc->wake);
    pthread_mutex_destroy(&mc->lock);
    close(mc->efd);
    free(mc);
}

int cache_mc_fd(const cache_mc *mc)
{
    return mc->efd;
}

void cache_mc_dispatch(cache_mc *mc)
{
    uint64_t count;
    ssize_t r = read(mc->efd, &count, sizeof(count));
    (void)r; /* EAGAIN: nothing signalled, but the list is checked anyway */
    pthread_mutex_lock(&mc->lock);
    mc_op *ops = list_take(&mc->done);
    pthread_mutex_unlock(&mc->lock);
    while (ops != NULL) {
        mc_op *next = ops->next;
        ops->cb(ops->user, ops->value, ops->len); /* the value is the callee's now */
        free(ops);
        ops = next;
    }
}

static bool enqueue(cache_mc *mc, mc_op *op, bool later)
{
    if (mc->kick != NULL) {
        if (mc->held.count >= QUEUE_MAX)
            return false;
        if (!mc->kicked && later && mc->kick_later != NULL) {
            mc->kick_later(mc->kick_user); /* goes with the next flush, whatever arranges it */
        } else if (!mc->kicked) {
            mc->kicked = true;
            mc->kick(mc->kick_user);
        }
        list_push(&mc->held, op);
        return true;
    }
    pthread_mutex_lock(&mc->lock);
    if (mc->todo.count >= QUEUE_MAX) {
        pthread_mutex_unlock(&mc->lock);
        return false;
    }
    bool was_empty = mc->todo.head == NULL;
    list_push(&mc->todo, op);
    if (was_empty)
        pthread_cond_signal(&mc->wake);
    pthread_mutex_unlock(&mc->lock);
    return true;
}

static mc_op *new_op(const char *key)
{
    size_t key_len = strlen(key);
    if (key_len == 0 || key_len > KEY_MAX)
        return NULL;
    mc_op *op = calloc(1, sizeof(*op));
    if (op == NULL)
        return NULL;
    memcpy(op->key, key, key_len + 1);
    op->key_len = key_len;
    return op;
}

/*
 * While memcached (its only node) is down, operations are not handed over at all: a get is a
 * miss on the loop, a set is dropped. A hand-over to a thread that fails at
 * once still cost each loop iteration two context switches, and made the
 * database path slower than with the cache off (measured: 22k against 29k
 * req/s, p99 14-20 ms against 4 ms). One get a second still goes, to notice
 * that memcached is back.
 */
static bool bypass(cache_mc *mc, bool probe)
{
    if (!cache_shared_bypass(mc->shared))
        return false;
    uint64_t now = cache_now_ms();
    if (!probe || now < mc->next_probe_ms)
        return true;
    mc->next_probe_ms = now + 1000;
    return false;
}

static bool get(cache_mc *mc, const char *key, cache_mc_get_cb cb, void *user, bool later)
{
    if (bypass(mc, true)) {
        cache_count(&mc->counters->bypassed, 1);
        return false;
    }
    mc_op *op = new_op(key);
    if (op == NULL)
        return false;
    op->cb = cb;
    op->user = user;
    if (!enqueue(mc, op, later)) {
        free(op);
        cache_count(&mc->counters->bypassed, 1);
        return false;
    }
    return true;
}

void cache_mc_set(cache_mc *mc, const char *key, char *value, size_t len, uint32_t ttl_s)
{
    if (bypass(mc, false)) {
        free(value);
        return;
    }
    mc_op *op = new_op(key);
    if (op == NULL) {
        free(value);
        return;
    }
    op->is_set = true;
    op->value = value;
    op->len = len;
    op->ttl_s = ttl_s;
    if (!enqueue(mc, op, false)) {
        free(value);
        free(op);
    }
}

bool cache_mc_get(cache_mc *mc, const char *key, cache_mc_get_cb cb, void *user)
{
    return get(mc, key, cb, user, false);
}

bool cache_mc_get_later(cache_mc *mc, const char *key, cache_mc_get_cb cb, void *user)
{
    return get(mc, key, cb, user, true);
}

void cache_mc_set_kick(cache_mc *mc, void (*kick)(void *user), void (*kick_later)(void *user), void *user)
{
    mc->kick = kick;
    mc->kick_later = kick_later;
    mc->kick_user = user;
}

void cache_mc_flush(cache_mc *mc)
{
    mc->kicked = false;
    if (mc->held.head == NULL)
        return;
    op_list held = mc->held;
    mc->held = (op_list){0};
    mc_op *refused = NULL; /* what no longer fits behind the thread's backlog */
    pthread_mutex_lock(&mc->lock);
    bool was_empty = mc->todo.head == NULL;
    while (held.head != NULL) {
        mc_op *op = held.head;
        held.head = op->next;
        if (mc->todo.count < QUEUE_MAX) {
            list_push(&mc->todo, op);
        } else {
            op->next = refused;
            refused = op;
        }
    }
    if (was_empty && mc->todo.head != NULL)
        pthread_cond_signal(&mc->wake);
    pthread_mutex_unlock(&mc->lock);
    for (mc_op *op = refused; op != NULL; op = op->next)
        if (!op->is_set)
            cache_count(&mc->counters->bypassed, 1);
    answer_as_misses(refused);
}
