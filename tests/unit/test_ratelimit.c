/*
 * cache_ratelimit: the token bucket of one process (refill, burst, debt, a
 * cost above the burst, shares), and two limiters sharing budgets through a
 * real memcached (GQLD_TEST_MEMCACHED; that part is skipped without it),
 * on simulated clocks: 10 s of load far above the budget on both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache_ratelimit.h"
#include "check.h"

static cache_ratelimit *make(cache_shared *shared, const char *prefix, uint64_t rate, uint64_t burst)
{
    cache_ratelimit_config c = {
        .shared = shared, .prefix = prefix, .sync_ms = 0, .npolicies = 2, .max_callers = 3};
    c.policies[0] = (cache_rl_policy){"one", rate, burst};
    c.policies[1] = (cache_rl_policy){"off", 0, 0};
    char err[200];
    cache_ratelimit *rl = cache_ratelimit_create(&c, err, sizeof(err));
    CHECK(rl != NULL);
    return rl;
}

static bool take(cache_ratelimit *rl, const char *who, double cost, uint64_t ms, cache_rl_verdict *v)
{
    return cache_ratelimit_take_at(rl, 0, who, strlen(who), cost, ms, 1000000000000ULL + ms, v);
}

static void local_bucket(void)
{
    cache_ratelimit *rl = make(NULL, "t", 100, 200);
    cache_rl_verdict v;
    /* a full bucket of 200: 66 requests of 3 points, then refused */
    int admitted = 0;
    for (int i = 0; i < 100; i++)
        admitted += take(rl, "a", 3, 0, &v);
    CHECK_INT(admitted, 66);
    CHECK(!v.admitted);
    CHECK_INT(v.limit, 200);
    CHECK_INT(v.window_s, 2);
    CHECK_INT(v.remaining, 2);
    CHECK_INT(v.retry_after_s, 1);
    /* another caller has a bucket of its own */
    CHECK(take(rl, "b", 3, 0, &v));
    /* 100 points a second: 33 more after one second */
    admitted = 0;
    for (int i = 0; i < 100; i++)
        admitted += take(rl, "a", 3, 1000, &v);
    CHECK_INT(admitted, 34); /* 2 left + 100 refilled = 102 points: 34 requests */
    /* a cost above the burst: only on a full bucket, leaving a debt that refuses until repaid */
    CHECK(!take(rl, "a", 500, 1000, &v));
    CHECK(take(rl, "a", 500, 4000, &v)); /* full again after 2 s */
    CHECK_INT(v.remaining, 0);
    CHECK(!take(rl, "a", 1, 6000, &v)); /* -300 + 200 refilled: still owes */
    CHECK_INT(v.retry_after_s, 2);
    CHECK(take(rl, "a", 1, 7100, &v));
    /* a policy without a rate never refuses */
    for (int i = 0; i < 1000; i++)
        CHECK(cache_ratelimit_take_at(rl, 1, "a", 1, 1e9, 0, 0, &v));
    /* too many callers tracked (3 here): admitted, counted */
    CHECK(take(rl, "c", 3, 7100, &v));
    CHECK(take(rl, "d", 1000, 7100, &v));
    CHECK(take(rl, "d", 1000, 7100, &v));
    cache_rl_stats st;
    cache_ratelimit_stats(rl, &st);
    CHECK_INT(st.untracked, 2);
    CHECK_INT(st.callers, 3);
    CHECK(!st.shared);
    /* idle callers with a full bucket are forgotten */
    cache_ratelimit_sync(rl, 20000, 1000000020000ULL);
    cache_ratelimit_stats(rl, &st);
    CHECK_INT(st.callers, 0);
    cache_ratelimit_destroy(rl);
}

/*
 * Two processes' limiters on one memcached, 10 simulated seconds of requests
 * far above a budget of 3000 points/s (burst 3000), reconciled every 20 ms:
 * what both admitted together stays within 10% of the budget.
 */
static void shared_budget(const char *servers)
{
    cache_settings s = {
        .servers = servers, .connect_timeout_ms = 200, .poll_timeout_ms = 200, .retry_timeout_s = 1};
    char err[200], prefix[64];
    cache_shared *shared = cache_shared_create(&s, err, sizeof(err));
    CHECK(shared != NULL);
    snprintf(prefix, sizeof(prefix), "t%ld", (long)getpid() ^ (long)time(NULL));
    cache_ratelimit *a = make(shared, prefix, 3000, 3000), *b = make(shared, prefix, 3000, 3000);
    uint64_t wall0 = ((uint64_t)time(NULL) + 100) * 1000; /* a whole second, in the future: fresh keys */
    uint64_t admitted = 0, tried = 0;
    cache_rl_verdict v;
    for (uint64_t ms = 0; ms < 10000; ms++) {
        for (int i = 0; i < 4; i++, tried += 2) {
            admitted += cache_ratelimit_take_at(a, 0, "ip:1", 4, 3, ms, wall0 + ms, &v) ? 3 : 0;
            admitted += cache_ratelimit_take_at(b, 0, "ip:1", 4, 3, ms, wall0 + ms, &v) ? 3 : 0;
        }
        if (ms % 20 == 19) {
            cache_ratelimit_sync(a, ms, wall0 + ms);
            cache_ratelimit_sync(b, ms + 1, wall0 + ms + 1);
        }
    }
    double rate = (double)admitted / 10.0;
    printf("two limiters, 10 s at %.0f points/s offered: %.0f points/s admitted for a budget of 3000/s "
           "(burst 3000)\n",
           (double)tried * 3 / 10.0, rate);
    CHECK(rate >= 2700 && rate <= 3300 + 300); /* the budget, its burst once, within 10% */
    cache_rl_stats st;
    cache_ratelimit_stats(a, &st);
    CHECK(st.shared);
    CHECK(st.remote_points[0] > 0);
    CHECK_INT(st.sync_errors, 0);
    cache_ratelimit_destroy(a);
    cache_ratelimit_destroy(b);
    cache_shared_destroy(shared);
}

int main(void)
{
    local_bucket();
    const char *mc = getenv("GQLD_TEST_MEMCACHED");
    if (mc != NULL && mc[0] != '\0')
        shared_budget(mc);
    else
        fprintf(stderr, "GQLD_TEST_MEMCACHED is not set: the shared budget is not tested\n");
    return CHECK_EXIT();
}
