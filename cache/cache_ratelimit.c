#include "cache/cache_ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache/cache_key.h"
#include "cache/cache_memc.h"

enum {
    STRIPES = 64,      /* locks over the callers: threads rarely wait on one another */
    BUCKETS = 1024,    /* hash chains per stripe */
    ID_MAX = 512,      /* caller bytes kept (longer ids are cut: still one caller each in practice) */
    KEY_TTL_S = 20,    /* a second's counter in memcached outlives its reconciliation */
    PERIOD_S = 10,     /* processes count themselves once per period */
    IDLE_MS = 2000,    /* an entry with a full bucket unused this long is forgotten */
    DIGEST_BYTES = 16, /* of the caller, in memcached keys */
    MC_KEY_MAX = 250,  /* memcached's limit */
    SLOW_MS = 1000,    /* the reconciliation's poll timeout, at least */
    HIST = 8,          /* seconds an entry keeps: a reconciliation late by less loses nothing */
    STALE_MS = 250,    /* without a reconciliation this long a process decides on its share */
    DOWN_AFTER = 3,    /* rounds failing in a row before budgets fall back to shares */
};

typedef struct entry entry;
struct entry {
    entry *next;       /* in its hash chain */
    entry *dirty_next; /* on the list the reconciliation walks */
    uint64_t hash;
    unsigned policy;
    double tokens;    /* below zero: a debt */
    uint64_t last_ms; /* monotonic: the last refill */
    uint64_t used_ms; /* monotonic: the last take */
    int64_t second;   /* wall second of slot 0; slot 1 is the second before */
    /* Per second, slot i being second `second - i`: */
    int64_t unrep[HIST];  /* own points not yet added to memcached */
    int64_t mine[HIST];   /* own points added */
    int64_t others[HIST]; /* the other processes' points, as last learned */
    unsigned unsettled;   /* bit i: second i was used here and not yet read once every process reported it */
    bool dirty;           /* on the dirty list */
    uint8_t digest[DIGEST_BYTES];
    size_t len;
    char id[];
};

/* A stripe's counters, written under its lock: no shared line bounces between threads per request. */
typedef struct stripe {
    pthread_mutex_t lock;
    uint64_t admitted[CACHE_RL_POLICIES_MAX], refused[CACHE_RL_POLICIES_MAX], points[CACHE_RL_POLICIES_MAX];
    entry *buckets[BUCKETS];
} stripe;

typedef struct counters {
    _Atomic uint64_t remote[CACHE_RL_POLICIES_MAX];
    _Atomic uint64_t syncs, sync_errors, untracked, callers, processes;
    atomic_bool up;
} counters;

struct cache_ratelimit {
    /* Pointers and 64-bit numbers first, then the locks and tables, then the small fields: no padding. */
    entry *dirty; /* entries to reconcile; under dirty_lock */
    /* the reconciliation's own (its thread, or cache_ratelimit_sync in tests) */
    memcached_st *memc;
    uint64_t generation;
    int64_t period;         /* the last period whose count of processes is known */
    int64_t period_counted; /* the last period this process counted itself in */
    uint64_t counted;       /* processes counted in it, this one included */
    uint64_t last_sweep_ms;
    _Atomic uint64_t last_ok_ms; /* monotonic: the end of the last round memcached answered in full */
    pthread_t thread;
    pthread_mutex_t dirty_lock; /* after a stripe's lock when both are held */
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    cache_ratelimit_config cfg;
    counters stats;
    stripe stripes[STRIPES];
    unsigned failures; /* reconciliation rounds that failed in a row */
    bool memcached;    /* configured: spending is shared */
    bool was_up;       /* for the log line on a change */
    bool started;
    bool stop;
    char prefix[64];
};

static uint64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void log_line(const cache_ratelimit *rl, const char *level, const char *msg, const char *detail)
{
    if (rl->cfg.log != NULL)
        rl->cfg.log(level, msg, detail);
}

/* FNV-1a over the policy and the caller: the chain and stripe. */
static uint64_t hash_of(unsigned policy, const char *id, size_t len)
{
    uint64_t h = 1469598103934665603ULL ^ policy;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)id[i]) * 1099511628211ULL;
    return h;
}

/* ---- the local bucket ---- */

/*
 * The bucket in force: the policy's while budgets are shared and reconciled
 * lately, else this process's share of it (memcached down, or too slow to
 * tell what the others spend: deciding alone on the whole budget would let
 * every process spend it).
 */
static void effective(const cache_ratelimit *rl, const cache_rl_policy *p, uint64_t mono_ms, double *rate,
                      double *burst)
{
    uint64_t ok = atomic_load_explicit(&rl->last_ok_ms, memory_order_relaxed);
    bool fresh = atomic_load_explicit(&rl->stats.up, memory_order_relaxed) &&
                 (!rl->memcached || mono_ms <= ok + STALE_MS);
    uint64_t n = fresh ? 1 : atomic_load_explicit(&rl->stats.processes, memory_order_relaxed);
    n = n ? n : 1;
    *rate = (double)p->rate / (double)n;
    *burst = (double)p->burst / (double)n;
}

/* Moves the per-second slots forward to wall second `now` (seconds beyond HIST are forgotten). */
static void roll(entry *e, int64_t now)
{
    if (now <= e->second)
        return;
    int64_t k = now - e->second;
    for (int64_t i = HIST - 1; i >= 0; i--) {
        bool kept = i - k >= 0;
        e->unrep[i] = kept ? e->unrep[i - k] : 0;
        e->mine[i] = kept ? e->mine[i - k] : 0;
        e->others[i] = kept ? e->others[i - k] : 0;
    }
    e->unsettled = k >= HIST ? 0 : (e->unsettled << k) & ((1u << HIST) - 1);
    e->second = now;
}

static void refill(entry *e, double rate, double burst, uint64_t mono_ms)
{
    if (mono_ms > e->last_ms) {
        e->tokens += rate * (double)(mono_ms - e->last_ms) / 1000.0;
        e->last_ms = mono_ms;
    }
    if (e->tokens > burst)
        e->tokens = burst;
}

static entry *find(stripe *s, uint64_t hash, unsigned policy, const char *id, size_t len)
{
    for (entry *e = s->buckets[hash % BUCKETS]; e != NULL; e = e->next)
        if (e->hash == hash && e->policy == policy && e->len == len && memcmp(e->id, id, len) == 0)
            return e;
    return NULL;
}

static entry *create_entry(cache_ratelimit *rl, stripe *s, uint64_t hash, unsigned policy, const char *id,
                           size_t len, double burst, uint64_t mono_ms, int64_t second)
{
    if (atomic_load(&rl->stats.callers) >= rl->cfg.max_callers)
        return NULL;
    entry *e = calloc(1, sizeof(*e) + len);
    if (e == NULL)
        return NULL;
    e->hash = hash;
    e->policy = policy;
    e->tokens = burst;
    e->last_ms = e->used_ms = mono_ms;
    e->second = second;
    e->len = len;
    memcpy(e->id, id, len);
    uint8_t digest[CACHE_KEY_BYTES];
    cache_sha256(id, len, digest);
    memcpy(e->digest, digest, DIGEST_BYTES);
    e->next = s->buckets[hash % BUCKETS];
    s->buckets[hash % BUCKETS] = e;
    atomic_fetch_add(&rl->stats.callers, 1);
    return e;
}

static void mark_dirty(cache_ratelimit *rl, entry *e)
{
    if (e->dirty || !rl->memcached)
        return;
    e->dirty = true;
    pthread_mutex_lock(&rl->dirty_lock);
    e->dirty_next = rl->dirty;
    rl->dirty = e;
    pthread_mutex_unlock(&rl->dirty_lock);
}

static uint64_t ceil_seconds(double points, double rate)
{
    double s = ceil(points / rate);
    return s < 1 ? 1 : s > 86400 ? 86400 : (uint64_t)s;
}

bool cache_ratelimit_take_at(cache_ratelimit *rl, unsigned policy, const char *caller, size_t len,
                             double cost, uint64_t mono_ms, uint64_t wall_ms, cache_rl_verdict *v)
{
    const cache_rl_policy *p = policy < rl->cfg.npolicies ? &rl->cfg.policies[policy] : NULL;
    *v = (cache_rl_verdict){.admitted = true};
    if (p == NULL || p->rate == 0)
        return true;
    len = len > ID_MAX ? ID_MAX : len;
    double rate, burst;
    effective(rl, p, mono_ms, &rate, &burst);
    int64_t points = cost <= 0 ? 0 : cost >= 1e15 ? (int64_t)1e15 : (int64_t)ceil(cost);
    int64_t second = (int64_t)(wall_ms / 1000);
    uint64_t hash = hash_of(policy, caller, len);
    stripe *s = &rl->stripes[(hash >> 32) % STRIPES];
    pthread_mutex_lock(&s->lock);
    entry *e = find(s, hash, policy, caller, len);
    /* New here, a caller starts with this process's share of the burst: the rest may be spent elsewhere. */
    uint64_t n = atomic_load_explicit(&rl->stats.processes, memory_order_relaxed);
    if (e == NULL && (e = create_entry(rl, s, hash, policy, caller, len, burst / (double)(n ? n : 1), mono_ms,
                                       second)) == NULL) {
        pthread_mutex_unlock(&s->lock);
        atomic_fetch_add_explicit(&rl->stats.untracked, 1, memory_order_relaxed);
        return true; /* never an error because of the limiter: admitted, counted */
    }
    roll(e, second);
    refill(e, rate, burst, mono_ms);
    /* A cost above the burst passes only on a full bucket, leaving a debt. */
    bool ok = e->tokens >= (double)points || e->tokens >= burst;
    if (ok) {
        e->tokens -= (double)points;
        e->unrep[0] += points;
    }
    e->used_ms = mono_ms;
    e->unsettled |= 1u; /* the others' spending of this second is to be learned once it is over */
    mark_dirty(rl, e);
    double need = (double)points < burst ? (double)points : burst;
    v->admitted = ok;
    v->limit = (uint64_t)burst;
    v->window_s = ceil_seconds(burst, rate);
    v->remaining = e->tokens > 0 ? (uint64_t)e->tokens : 0;
    v->retry_after_s = (unsigned)(ok ? (e->tokens >= burst ? 0 : ceil_seconds(burst - e->tokens, rate))
                                     : ceil_seconds(need - e->tokens, rate));
    (ok ? s->admitted : s->refused)[policy]++;
    s->points[policy] += ok ? (uint64_t)points : 0;
    pthread_mutex_unlock(&s->lock);
    return ok;
}

bool cache_ratelimit_take(cache_ratelimit *rl, unsigned policy, const char *caller, size_t len, double cost,
                          cache_rl_verdict *verdict)
{
    return cache_ratelimit_take_at(rl, policy, caller, len, cost, clock_ms(CLOCK_MONOTONIC),
                                   clock_ms(CLOCK_REALTIME_COARSE), verdict);
}

/* ---- reconciliation ---- */

/* One second of one entry to add to memcached (delta 0: only read). */
typedef struct sync_op {
    entry *e;
    int64_t second;
    int64_t delta;
    bool settles; /* the read after the second's grace */
} sync_op;

static void key_of(const cache_ratelimit *rl, const entry *e, int64_t second, char *key, size_t size)
{
    char hex[2 * DIGEST_BYTES + 1];
    for (size_t i = 0; i < DIGEST_BYTES; i++)
        snprintf(hex + 2 * i, 3, "%02x", e->digest[i]);
    snprintf(key, size, "%s:rl:%s:%s:%lld", rl->prefix, rl->cfg.policies[e->policy].name, hex,
             (long long)second);
}

static bool ensure_memc(cache_ratelimit *rl)
{
    if (rl->memc != NULL && cache_shared_generation(rl->cfg.shared) == rl->generation)
        return true;
    if (rl->memc != NULL)
        memcached_free(rl->memc);
    rl->memc = cache_memc_connect(rl->cfg.shared, false, &rl->generation);
    if (rl->memc != NULL) {
        /* Nothing waits on these answers but the next reconciliation: a busy memcached is slow, not down. */
        const cache_settings *s = cache_shared_settings(rl->cfg.shared);
        memcached_behavior_set(rl->memc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT,
                               s->poll_timeout_ms > SLOW_MS ? s->poll_timeout_ms : SLOW_MS);
        memcached_behavior_set(rl->memc, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, DOWN_AFTER);
    }
    return rl->memc != NULL;
}

/* Adds delta to key (creating it), returning the total; false when memcached did not answer. */
static bool add_to(cache_ratelimit *rl, const char *key, uint64_t delta, uint64_t *total)
{
    atomic_fetch_add_explicit(&rl->stats.syncs, 1, memory_order_relaxed);
    memcached_return_t rc =
        memcached_increment_with_initial(rl->memc, key, strlen(key), delta, delta, KEY_TTL_S, total);
    if (rc == MEMCACHED_SUCCESS)
        return true;
    atomic_fetch_add_explicit(&rl->stats.sync_errors, 1, memory_order_relaxed);
    return false;
}

static void set_up(cache_ratelimit *rl, bool up, const char *why)
{
    atomic_store(&rl->stats.up, up);
    if (up != rl->was_up)
        log_line(rl, up ? "info" : "warn",
                 up ? "rate limits shared again through memcached"
                    : "rate limits not shared: memcached does not answer; each process enforces its share",
                 why);
    rl->was_up = up;
}

/*
 * Once per period: this process counts itself, and learns how many did in the
 * period before. 1 when memcached answered, 0 when not, -1 when not asked.
 */
static int count_processes(cache_ratelimit *rl, uint64_t wall_ms)
{
    int64_t period = (int64_t)(wall_ms / 1000 / PERIOD_S);
    if (period == rl->period)
        return -1;
    char key[MC_KEY_MAX + 1];
    if (period != rl->period_counted) { /* once per period, even when the read below fails and is retried */
        snprintf(key, sizeof(key), "%s:rl:procs:%lld", rl->prefix, (long long)period);
        if (!add_to(rl, key, 1, &rl->counted))
            return 0;
        rl->period_counted = period;
    }
    uint64_t before = 0;
    snprintf(key, sizeof(key), "%s:rl:procs:%lld", rl->prefix, (long long)period - 1);
    if (!add_to(rl, key, 0, &before))
        return 0;
    uint64_t n = before > rl->counted ? before : rl->counted;
    atomic_store(&rl->stats.processes, n ? n : 1);
    rl->period = period;
    return 1;
}

/* Learns what a reply says: the others' points of that second, debited from the bucket. */
static void apply(cache_ratelimit *rl, sync_op *op, uint64_t total)
{
    entry *e = op->e;
    int64_t slot = e->second - op->second;
    if (slot < 0 || slot >= HIST)
        return; /* the entry moved on past what it keeps meanwhile: too late to matter */
    e->mine[slot] += op->delta;
    int64_t others = (int64_t)total - e->mine[slot];
    int64_t learned = others - e->others[slot];
    if (learned > 0) {
        e->tokens -= (double)learned;
        e->others[slot] = others;
        atomic_fetch_add_explicit(&rl->stats.remote[e->policy], (uint64_t)learned, memory_order_relaxed);
    }
    if (op->settles && slot >= 1)
        e->unsettled &= ~(1u << slot);
}

/* An operation memcached did not take: its points wait for the next round (if their second is still kept). */
static void restore(cache_ratelimit *rl, const sync_op *op)
{
    entry *e = op->e;
    int64_t slot = e->second - op->second;
    if (slot >= 0 && slot < HIST)
        e->unrep[slot] += op->delta;
    if (!e->dirty) {
        e->dirty = true;
        pthread_mutex_lock(&rl->dirty_lock);
        e->dirty_next = rl->dirty;
        rl->dirty = e;
        pthread_mutex_unlock(&rl->dirty_lock);
    }
}

/* Forgets entries whose bucket has refilled and that nobody used for a while. */
static void sweep(cache_ratelimit *rl, uint64_t mono_ms)
{
    for (size_t i = 0; i < STRIPES; i++) {
        stripe *s = &rl->stripes[i];
        pthread_mutex_lock(&s->lock);
        for (size_t b = 0; b < BUCKETS; b++) {
            entry **link = &s->buckets[b];
            while (*link != NULL) {
                entry *e = *link;
                double rate, burst;
                effective(rl, &rl->cfg.policies[e->policy], mono_ms, &rate, &burst);
                refill(e, rate, burst, mono_ms);
                if (!e->dirty && e->tokens >= burst && mono_ms - e->used_ms > IDLE_MS) {
                    *link = e->next;
                    free(e);
                    atomic_fetch_sub(&rl->stats.callers, 1);
                } else {
                    link = &e->next;
                }
            }
        }
        pthread_mutex_unlock(&s->lock);
    }
}

void cache_ratelimit_sync(cache_ratelimit *rl, uint64_t mono_ms, uint64_t wall_ms)
{
    if (mono_ms - rl->last_sweep_ms >= 1000) {
        rl->last_sweep_ms = mono_ms;
        sweep(rl, mono_ms);
    }
    if (!rl->memcached)
        return;
    pthread_mutex_lock(&rl->dirty_lock);
    entry *list = rl->dirty;
    rl->dirty = NULL;
    pthread_mutex_unlock(&rl->dirty_lock);
    /* What this round's answers said of memcached: 1 answering, 0 not, -1 not asked (no change). */
    int state = ensure_memc(rl) ? count_processes(rl, wall_ms) : 0;
    const char *why = state != 0         ? NULL
                      : rl->memc == NULL ? "out of memory"
                                         : memcached_last_error_message(rl->memc);
    int64_t now = (int64_t)(wall_ms / 1000);
    /* Every process reports a second within a sync of its end: read it once more after two. */
    unsigned grace_ms = 2u * rl->cfg.sync_ms + 20;
    bool grace_over = wall_ms % 1000 >= (grace_ms < 900 ? grace_ms : 900);
    entry *again = NULL;
    while (list != NULL) {
        entry *e = list;
        list = e->dirty_next;
        stripe *s = &rl->stripes[(e->hash >> 32) % STRIPES];
        sync_op ops[HIST];
        size_t n = 0;
        pthread_mutex_lock(&s->lock);
        e->dirty = false;
        roll(e, now);
        /* Each second: what this process spent and has not reported; and, once every process has reported
         * a second this one used, one more read to learn the rest of what the others spent in it. */
        for (int64_t i = HIST - 1; i >= 0; i--) {
            bool settles = i >= 1 && (e->unsettled & (1u << i)) && (i >= 2 || grace_over);
            if (e->unrep[i] > 0 || settles)
                ops[n++] = (sync_op){e, now - i, e->unrep[i], settles};
            e->unrep[i] = 0; /* in the operations now; put back if memcached does not take them */
        }
        if (e->unsettled != 0) {
            e->dirty = true;
            e->dirty_next = again;
            again = e;
        }
        pthread_mutex_unlock(&s->lock);
        for (size_t i = 0; i < n; i++) {
            char key[MC_KEY_MAX + 1];
            uint64_t total = 0;
            key_of(rl, e, ops[i].second, key, sizeof(key));
            /* After a failure the rest of the round waits for the next one rather than for more timeouts. */
            bool done = state != 0 && add_to(rl, key, (uint64_t)ops[i].delta, &total);
            if (!done && state != 0) {
                state = 0;
                why = memcached_last_error_message(rl->memc);
            }
            state = done ? 1 : state;
            pthread_mutex_lock(&s->lock);
            if (done)
                apply(rl, &ops[i], total);
            else
                restore(rl, &ops[i]);
            pthread_mutex_unlock(&s->lock);
        }
    }
    if (again != NULL) {
        pthread_mutex_lock(&rl->dirty_lock);
        entry *tail = again;
        while (tail->dirty_next != NULL)
            tail = tail->dirty_next;
        tail->dirty_next = rl->dirty;
        rl->dirty = again;
        pthread_mutex_unlock(&rl->dirty_lock);
    }
    /* Slow answers are retried; only rounds failing in a row turn the budgets into shares. */
    rl->failures = state == 0 ? rl->failures + 1 : state == 1 ? 0 : rl->failures;
    if (state != 0) /* when it ended: a slow round's learning is that late */
        atomic_store_explicit(&rl->last_ok_ms, rl->started ? clock_ms(CLOCK_MONOTONIC) : mono_ms,
                              memory_order_relaxed);
    if (state == 1 || rl->failures >= DOWN_AFTER)
        set_up(rl, state == 1, why != NULL ? why : "");
}

static void *sync_main(void *arg)
{
    cache_ratelimit *rl = arg;
    pthread_mutex_lock(&rl->stop_lock);
    while (!rl->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)rl->cfg.sync_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&rl->stop_cond, &rl->stop_lock, &until);
        if (rl->stop)
            break;
        pthread_mutex_unlock(&rl->stop_lock);
        cache_ratelimit_sync(rl, clock_ms(CLOCK_MONOTONIC), clock_ms(CLOCK_REALTIME));
        pthread_mutex_lock(&rl->stop_lock);
    }
    pthread_mutex_unlock(&rl->stop_lock);
    return NULL;
}

cache_ratelimit *cache_ratelimit_create(const cache_ratelimit_config *config, char *err, size_t errlen)
{
    cache_ratelimit *rl = calloc(1, sizeof(*rl));
    if (rl == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    rl->cfg = *config;
    if (rl->cfg.npolicies > CACHE_RL_POLICIES_MAX)
        rl->cfg.npolicies = CACHE_RL_POLICIES_MAX;
    snprintf(rl->prefix, sizeof(rl->prefix), "%s", config->prefix != NULL ? config->prefix : "gqld");
    rl->memcached = config->shared != NULL && cache_shared_has_memcached(config->shared);
    rl->period = rl->period_counted = -1;
    rl->was_up = rl->memcached;
    atomic_store(&rl->stats.up, rl->memcached);
    atomic_store(&rl->stats.processes, 1);
    for (size_t i = 0; i < STRIPES; i++)
        pthread_mutex_init(&rl->stripes[i].lock, NULL);
    pthread_mutex_init(&rl->dirty_lock, NULL);
    pthread_mutex_init(&rl->stop_lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&rl->stop_cond, &attr);
    pthread_condattr_destroy(&attr);
    /* sync_ms 0: no thread (tests call cache_ratelimit_sync themselves). */
    if (config->sync_ms > 0) {
        if (pthread_create(&rl->thread, NULL, sync_main, rl) != 0) {
            snprintf(err, errlen, "cannot start the rate limiter's thread");
            cache_ratelimit_destroy(rl);
            return NULL;
        }
        rl->started = true;
    }
    return rl;
}

void cache_ratelimit_destroy(cache_ratelimit *rl)
{
    if (rl == NULL)
        return;
    if (rl->started) {
        pthread_mutex_lock(&rl->stop_lock);
        rl->stop = true;
        pthread_cond_signal(&rl->stop_cond);
        pthread_mutex_unlock(&rl->stop_lock);
        pthread_join(rl->thread, NULL);
    }
    for (size_t i = 0; i < STRIPES; i++) {
        for (size_t b = 0; b < BUCKETS; b++) {
            entry *e = rl->stripes[i].buckets[b];
            while (e != NULL) {
                entry *next = e->next;
                free(e);
                e = next;
            }
        }
        pthread_mutex_destroy(&rl->stripes[i].lock);
    }
    if (rl->memc != NULL)
        memcached_free(rl->memc);
    pthread_mutex_destroy(&rl->dirty_lock);
    pthread_mutex_destroy(&rl->stop_lock);
    pthread_cond_destroy(&rl->stop_cond);
    free(rl);
}

void cache_ratelimit_stats(cache_ratelimit *rl, cache_rl_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->npolicies = rl->cfg.npolicies;
    for (size_t i = 0; i < rl->cfg.npolicies; i++)
        out->names[i] = rl->cfg.policies[i].name;
    for (size_t i = 0; i < CACHE_RL_POLICIES_MAX; i++)
        out->remote_points[i] = atomic_load(&rl->stats.remote[i]);
    for (size_t k = 0; k < STRIPES; k++) {
        stripe *s = &rl->stripes[k];
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < CACHE_RL_POLICIES_MAX; i++) {
            out->admitted[i] += s->admitted[i];
            out->refused[i] += s->refused[i];
            out->points[i] += s->points[i];
        }
        pthread_mutex_unlock(&s->lock);
    }
    out->syncs = atomic_load(&rl->stats.syncs);
    out->sync_errors = atomic_load(&rl->stats.sync_errors);
    out->untracked = atomic_load(&rl->stats.untracked);
    out->callers = atomic_load(&rl->stats.callers);
    out->processes = atomic_load(&rl->stats.processes);
    out->shared = atomic_load(&rl->stats.up);
}
