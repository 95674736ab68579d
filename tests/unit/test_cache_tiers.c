/*
 * The two cache tiers against a real memcached (GQLD_TEST_MEMCACHED, host:port;
 * skipped without it): an in-process entry past its local TTL is served at
 * once while memcached is asked for the key in the background, with the next
 * hand-over (kick_later, not kick); a newer entry there replaces it; memcached
 * having none never takes a fresh entry away.
 */
#include "check.h"
#include "cache_testing.h"
#include "cache/cache_shared.h"
#include "cache/cache_tiers.h"

#include <libmemcached/memcached.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int kicks, later_kicks;
static void kick(void *user)
{
    (void)user;
    kicks++;
}
static void kick_later(void *user)
{
    (void)user;
    later_kicks++;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits up to 10 ms for memcached's answers to t and runs them. */
static void pump_once(cache_tiers *t)
{
    struct pollfd p = {cache_tiers_fd(t), POLLIN, 0};
    poll(&p, 1, 10);
    cache_tiers_dispatch(t);
}

/* Asks t for key and waits (at most 5 s) for the answer. */
static lookup ask(cache_tiers *t, const uint8_t key[CACHE_KEY_BYTES])
{
    lookup l = {0};
    cache_tiers_lookup(t, CACHE_NS_RESPONSE, key, on_lookup, &l);
    for (int i = 0; i < 500 && l.calls == 0; i++)
        pump_once(t);
    return l;
}

/* Waits (at most 5 s) until memcached holds payload for key, as a tier without an in-process part sees it. */
static bool memcached_holds(cache_tiers *reader, const uint8_t key[CACHE_KEY_BYTES], const char *payload)
{
    for (int i = 0; i < 100; i++) {
        lookup l = ask(reader, key);
        if (l.hit.freshness == CACHE_FRESH && strcmp(l.payload, payload) == 0)
            return true;
        sleep_ms(50);
    }
    return false;
}

/* Runs t's memcached answers for ms milliseconds. */
static void pump(cache_tiers *t, int ms)
{
    for (int i = 0; i < ms / 10; i++)
        pump_once(t);
}

static void test_refresh(const char *servers)
{
    char err[256], prefix[32];
    cache_shared *shared = test_cache_shared(servers, "tiers", prefix, sizeof(prefix));
    CHECK(shared != NULL);
    if (shared == NULL)
        return;
    cache_tiers_config with_local = {.local_bytes = 1 << 20, .local_ttl_ms = 2000, .prefix = prefix};
    cache_tiers_config memcached_only = {.local_bytes = 0, .local_ttl_ms = 2000, .prefix = prefix};
    cache_tiers *a = cache_tiers_create(shared, &with_local, err, sizeof(err));
    cache_tiers *b = cache_tiers_create(shared, &memcached_only, err, sizeof(err));
    CHECK(a != NULL && b != NULL);
    if (a == NULL || b == NULL)
        goto done;
    cache_tiers_set_kick(a, kick, kick_later, NULL);

    /* a stores v1 in both tiers; then b stores a newer v2 in memcached, over it. */
    uint8_t key[CACHE_KEY_BYTES] = {42, 1};
    cache_tiers_store(a, CACHE_NS_RESPONSE, key, "{\"v\":1}", 7, 60, 0);
    CHECK_INT(kicks, 1); /* a set goes with the next loop iteration's hand-over */
    CHECK_INT(later_kicks, 0);
    cache_tiers_flush(a);
    CHECK(memcached_holds(b, key, "{\"v\":1}"));
    sleep_ms(5); /* a later creation time */
    cache_tiers_store(b, CACHE_NS_RESPONSE, key, "{\"v\":2}", 7, 60, 0);
    CHECK(memcached_holds(b, key, "{\"v\":2}"));

    /* Within its local TTL, a serves its own copy without asking memcached. */
    cache_hit hit;
    cache_entry *pin;
    CHECK(cache_tiers_local_hit(a, CACHE_NS_RESPONSE, key, &hit, &pin));
    CHECK(pin != NULL && hit.len == 7 && memcmp(hit.payload, "{\"v\":1}", 7) == 0);
    cache_entry_unpin(pin);
    CHECK_INT(later_kicks, 0);

    /* Past it: still served at once, and memcached asked once, with the next hand-over. */
    sleep_ms(2100);
    CHECK(cache_tiers_local_hit(a, CACHE_NS_RESPONSE, key, &hit, &pin));
    CHECK(pin != NULL && hit.tier == CACHE_TIER_LOCAL && memcmp(hit.payload, "{\"v\":1}", 7) == 0);
    cache_entry_unpin(pin);
    lookup l = {0};
    cache_tiers_lookup(a, CACHE_NS_RESPONSE, key, on_lookup, &l);
    CHECK_INT(l.calls, 1); /* answered before returning: nothing waits for memcached */
    CHECK_STR(l.payload, "{\"v\":1}");
    CHECK_INT(later_kicks, 1); /* one refresh for both reads */
    CHECK_INT(kicks, 1);
    cache_tiers_flush(a);
    pump(a, 1000);
    /* The newer entry replaced the copy, in the in-process tier. */
    CHECK(cache_tiers_local_hit(a, CACHE_NS_RESPONSE, key, &hit, &pin));
    CHECK(pin != NULL && hit.tier == CACHE_TIER_LOCAL && memcmp(hit.payload, "{\"v\":2}", 7) == 0);
    if (pin != NULL)
        cache_entry_unpin(pin);

    /* memcached loses the entry: a's fresh copy stays, trusted a local TTL more. */
    memcached_st *m = memcached_create(NULL);
    memcached_server_st *list = memcached_servers_parse(servers);
    memcached_server_push(m, list);
    memcached_server_list_free(list);
    char mk[128];
    cache_tiers_mc_key(prefix, CACHE_NS_RESPONSE, key, mk, sizeof(mk));
    CHECK_INT(memcached_delete(m, mk, strlen(mk), 0), MEMCACHED_SUCCESS);
    memcached_free(m);
    CHECK_INT(ask(b, key).hit.freshness, CACHE_EXPIRED);
    sleep_ms(2100);
    CHECK(cache_tiers_local_hit(a, CACHE_NS_RESPONSE, key, &hit, &pin)); /* and a refresh asked */
    if (pin != NULL)
        cache_entry_unpin(pin);
    CHECK_INT(later_kicks, 2);
    cache_tiers_flush(a);
    pump(a, 1000);
    CHECK(cache_tiers_local_hit(a, CACHE_NS_RESPONSE, key, &hit, &pin));
    CHECK(pin != NULL && memcmp(hit.payload, "{\"v\":2}", 7) == 0);
    if (pin != NULL)
        cache_entry_unpin(pin);
    CHECK_INT(later_kicks, 2); /* within the new local TTL: not asked again */

    cache_stats st;
    cache_stats_snapshot(shared, &st);
    CHECK_INT(st.local_hits, 6); /* refreshes are not hits */
done:
    cache_tiers_destroy(a);
    cache_tiers_destroy(b);
    cache_shared_destroy(shared);
}

int main(void)
{
    const char *mc = getenv("GQLD_TEST_MEMCACHED");
    if (mc == NULL || mc[0] == '\0') {
        fprintf(stderr, "GQLD_TEST_MEMCACHED is not set: skipped\n");
        return 77;
    }
    alarm(60);
    test_refresh(mc);
    return CHECK_EXIT();
}
