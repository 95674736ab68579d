/*
 * cache_ratelimit: budgets per caller, in points per second with a burst (a
 * token bucket per caller and policy), shared by every process that uses the
 * same memcached. It knows keys and numbers only: who a caller is and what a
 * request costs are the front door's (server/http_ratelimit.c).
 *
 * Deciding never waits on the network. A process decides alone, on its own
 * copy of each caller's bucket: it refills at the policy's full rate and is
 * debited at once with what this process admits. A thread of its own
 * reconciles in the background every sync_ms: it adds what this process spent
 * to the caller's counter of the current second in memcached (one atomic
 * increment, `<prefix>:rl:<policy>:<caller hash>:<second>`), and the counter's
 * new value tells it what the other processes spent meanwhile, which it
 * debits from the local bucket too. Once a second is over (and a grace of two
 * syncs later, when every process has reported it), the second's counter is
 * read once more, so nothing another process spent is missed. The local
 * bucket may go below zero (a debt): the caller then waits until it is
 * repaid, so over time the callers' admitted rate across all processes is the
 * configured one.
 *
 * The overshoot: a process learns what the others admitted one
 * reconciliation (sync_ms plus a memcached round trip) late, so during that
 * time N processes together may admit up to N times a caller's remaining
 * burst; the debt takes it back from the caller's next requests. At most
 * (N - 1) x burst above the budget at the start of a burst, and
 * about (N - 1) x rate x sync_ms in steady state, both repaid.
 *
 * memcached down (or not configured): each process enforces its share, the
 * policy's rate and burst divided by the number of processes last seen
 * (each process adds one to `<prefix>:rl:procs:<10 s period>` once per
 * period); a process that never reached memcached counts itself alone. The
 * limiter never fails a request: out of memory or with too many callers
 * tracked, a request is admitted (and counted).
 */
#ifndef CACHE_RATELIMIT_H
#define CACHE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache_shared.h"

enum { CACHE_RL_POLICIES_MAX = 8 };

typedef struct cache_rl_policy {
    const char *name; /* in keys and headers: letters, digits, '-' */
    uint64_t rate;    /* points per second; 0: no limit */
    uint64_t burst;   /* the bucket's size: what a caller may spend at once */
} cache_rl_policy;

typedef struct cache_ratelimit_config {
    cache_shared *shared; /* memcached nodes; NULL or none configured: each process alone */
    const char *prefix;   /* of every key (GQLD_CACHE_PREFIX) */
    unsigned sync_ms;     /* how often spending is reconciled */
    cache_rl_policy policies[CACHE_RL_POLICIES_MAX];
    size_t npolicies;
    size_t max_callers; /* callers tracked at once per process; beyond, new ones are admitted unlimited */
    cache_log_fn log;   /* may be NULL */
} cache_ratelimit_config;

typedef struct cache_ratelimit cache_ratelimit;

/* Starts the reconciliation thread (when memcached is configured). NULL with err on failure. */
cache_ratelimit *cache_ratelimit_create(const cache_ratelimit_config *config, char *err, size_t errlen);
void cache_ratelimit_destroy(cache_ratelimit *rl);

typedef struct cache_rl_verdict {
    bool admitted;
    uint64_t limit;         /* the burst in force (the share while memcached is down) */
    uint64_t window_s;      /* seconds the burst takes to refill */
    uint64_t remaining;     /* points left after this request (0 in debt) */
    unsigned retry_after_s; /* refused: seconds until this cost fits; admitted: until the bucket is full */
} cache_rl_verdict;

/*
 * Charges cost points to caller (any bytes) under policy; any thread. A cost
 * above the burst is admitted only when the bucket is full (the caller then
 * owes the rest). Returns verdict->admitted.
 */
bool cache_ratelimit_take(cache_ratelimit *rl, unsigned policy, const char *caller, size_t len, double cost,
                          cache_rl_verdict *verdict);

/* The same at given clocks (monotonic and wall, milliseconds): for tests. */
bool cache_ratelimit_take_at(cache_ratelimit *rl, unsigned policy, const char *caller, size_t len,
                             double cost, uint64_t mono_ms, uint64_t wall_ms, cache_rl_verdict *verdict);

/* One reconciliation now, on the caller's thread (tests; the thread does it every sync_ms). */
void cache_ratelimit_sync(cache_ratelimit *rl, uint64_t mono_ms, uint64_t wall_ms);

typedef struct cache_rl_stats {
    const char *names[CACHE_RL_POLICIES_MAX]; /* the policies' */
    size_t npolicies;
    uint64_t admitted[CACHE_RL_POLICIES_MAX];      /* requests */
    uint64_t refused[CACHE_RL_POLICIES_MAX];       /* requests */
    uint64_t points[CACHE_RL_POLICIES_MAX];        /* points admitted by this process */
    uint64_t remote_points[CACHE_RL_POLICIES_MAX]; /* points other processes admitted, as learned */
    uint64_t syncs, sync_errors; /* memcached round trips of the reconciliation, and failed ones */
    uint64_t untracked;          /* requests admitted unlimited: too many callers, or out of memory */
    uint64_t callers;            /* gauge: callers tracked now */
    uint64_t processes;          /* gauge: processes sharing the budgets, as last counted */
    bool shared;                 /* gauge: memcached answers (budgets are shared) */
} cache_rl_stats;
void cache_ratelimit_stats(cache_ratelimit *rl, cache_rl_stats *out);

#endif
