/*
 * The cache's parts that need no server: the value format and its freshness,
 * key derivation, single flight, the parser of ElastiCache's `config get
 * cluster` answer, and the two-tier lookup with the in-process tier alone.
 */
#include "check.h"
#include "cache_testing.h"
#include "cache/cache_discovery.h"
#include "cache/cache_flight.h"
#include "cache/cache_key.h"
#include "cache/cache_shared.h"
#include "cache/cache_tiers.h"
#include "cache/cache_value.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void test_value(void)
{
    cache_value_meta meta = {1000000, 30, 300};
    size_t len;
    char *v = cache_value_encode(&meta, "{\"data\":1}", 10, &len);
    CHECK(v != NULL);
    CHECK_INT(len, CACHE_VALUE_HEADER + 10);
    cache_value_meta back;
    const char *payload;
    size_t payload_len;
    CHECK_INT(cache_value_decode(v, len, &back, &payload, &payload_len), 0);
    CHECK_INT(back.created_ms, 1000000);
    CHECK_INT(back.max_age_s, 30);
    CHECK_INT(back.grace_s, 300);
    CHECK_INT(payload_len, 10);
    CHECK(memcmp(payload, "{\"data\":1}", 10) == 0);
    CHECK_INT(cache_value_freshness(&back, 1000000), CACHE_FRESH);
    CHECK_INT(cache_value_freshness(&back, 1000000 + 29999), CACHE_FRESH);
    CHECK_INT(cache_value_freshness(&back, 1000000 + 30000), CACHE_STALE);
    CHECK_INT(cache_value_freshness(&back, 1000000 + 329999), CACHE_STALE);
    CHECK_INT(cache_value_freshness(&back, 1000000 + 330000), CACHE_EXPIRED);
    CHECK_INT(cache_value_age_s(&back, 1000000 + 4500), 4);
    CHECK_INT(cache_value_age_s(&back, 10), 0); /* a clock that went back */
    /* Not ours: too short, or another magic. */
    CHECK_INT(cache_value_decode(v, CACHE_VALUE_HEADER - 1, &back, &payload, &payload_len), -1);
    v[0] = 'X';
    CHECK_INT(cache_value_decode(v, len, &back, &payload, &payload_len), -1);
    free(v);
}

static void test_key(void)
{
    uint8_t a[CACHE_KEY_BYTES], b[CACHE_KEY_BYTES], c[CACHE_KEY_BYTES];
    const cache_key_part ab_c[] = {{"ab", 2}, {"c", 1}}, a_bc[] = {{"a", 1}, {"bc", 2}};
    CHECK_INT(cache_key_derive(ab_c, 2, a), 0);
    CHECK_INT(cache_key_derive(a_bc, 2, b), 0);
    CHECK(memcmp(a, b, CACHE_KEY_BYTES) != 0); /* part boundaries count */
    CHECK_INT(cache_key_derive(ab_c, 2, c), 0);
    CHECK(memcmp(a, c, CACHE_KEY_BYTES) == 0); /* and the same parts give the same key */
    char hex[2 * CACHE_KEY_BYTES + 1];
    cache_sha256("abc", 3, a);
    cache_key_hex(a, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"); /* FIPS 180-2 */
    char mk[128];
    cache_tiers_mc_key("gqld", CACHE_NS_RESPONSE, a, mk, sizeof(mk));
    CHECK_STR(mk, "gqld:r:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

typedef struct landed {
    int calls;
    int order[4];
    const char *result;
} landed;

static landed got;

static void on_land(void *user, const void *result)
{
    got.order[got.calls++] = (int)(intptr_t)user;
    got.result = result;
}

static void test_flight(void)
{
    cache_flights *f = cache_flights_create();
    uint8_t k1[CACHE_KEY_BYTES] = {1}, k2[CACHE_KEY_BYTES] = {2};
    CHECK_INT(cache_flight_join(f, k1, on_land, (void *)1), CACHE_FLIGHT_LEAD);
    CHECK_INT(cache_flight_join(f, k1, on_land, (void *)2), CACHE_FLIGHT_WAIT);
    CHECK_INT(cache_flight_join(f, k1, on_land, (void *)3), CACHE_FLIGHT_WAIT);
    CHECK_INT(cache_flight_join(f, k2, on_land, (void *)4), CACHE_FLIGHT_LEAD);
    CHECK_INT(cache_flights_count(f), 2);
    cache_flight_land(f, k1, "result");
    CHECK_INT(got.calls, 2); /* the waiters, in arrival order; the leader answers by itself */
    CHECK_INT(got.order[0], 2);
    CHECK_INT(got.order[1], 3);
    CHECK_STR(got.result, "result");
    CHECK_INT(cache_flights_count(f), 1);
    /* Landed: the next miss leads again. */
    CHECK_INT(cache_flight_join(f, k1, on_land, (void *)5), CACHE_FLIGHT_LEAD);
    CHECK_INT(cache_flight_join(f, k2, on_land, (void *)6), CACHE_FLIGHT_WAIT);
    cache_flights_destroy(f); /* waiters still queued are dropped (and freed: LSan checks) */
    CHECK_INT(got.calls, 2);
}

static void test_discovery_parse(void)
{
    char out[256];
    const char ok[] = "CONFIG cluster 0 147\r\n12\nmc1.x.cache.amazonaws.com|10.0.0.1|11211 "
                      "mc2.x.cache.amazonaws.com|10.0.0.2|11212\n\r\nEND\r\n";
    CHECK_INT(cache_discovery_parse(ok, sizeof(ok) - 1, out, sizeof(out)), 0);
    CHECK_STR(out, "10.0.0.1:11211,10.0.0.2:11212");
    const char no_ip[] = "CONFIG cluster 0 30\r\n3\nmc1.local||11211\n\r\nEND\r\n";
    CHECK_INT(cache_discovery_parse(no_ip, sizeof(no_ip) - 1, out, sizeof(out)), 0);
    CHECK_STR(out, "mc1.local:11211");
    const char *bad[] = {
        "ERROR\r\n",
        "CONFIG cluster 0 10\r\n1\n\n\r\nEND\r\n",              /* no node */
        "CONFIG cluster 0 10\r\n1\nhost|10.0.0.1\n\r\nEND\r\n", /* no port */
        "CONFIG cluster 0 10\r\n1\nhost|10.0.0.1|11x\n\r\nEND\r\n",
        "CONFIG cluster 0 10\r\n1\n", /* cut short */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(cache_discovery_parse(bad[i], strlen(bad[i]), out, sizeof(out)), -1);
    /* A list that does not fit the output is refused, not cut. */
    CHECK_INT(cache_discovery_parse(ok, sizeof(ok) - 1, out, 20), -1);
}

static void test_tiers_local_only(void)
{
    char err[128];
    cache_settings settings = {.servers = "", .discovery = "", .retry_timeout_s = 1};
    cache_shared *shared = cache_shared_create(&settings, err, sizeof(err));
    CHECK(shared != NULL);
    cache_tiers_config cfg = {.local_bytes = 1 << 20, .local_ttl_ms = 60000, .prefix = "t"};
    cache_tiers *t = cache_tiers_create(shared, &cfg, err, sizeof(err));
    CHECK(t != NULL);
    CHECK_INT(cache_tiers_fd(t), -1); /* no memcached */
    uint8_t key[CACHE_KEY_BYTES] = {7};
    lookup l = {0};
    cache_tiers_lookup(t, CACHE_NS_RESPONSE, key, on_lookup, &l);
    CHECK_INT(l.calls, 1); /* answered at once: nothing to wait for */
    CHECK_INT(l.hit.freshness, CACHE_EXPIRED);
    cache_tiers_store(t, CACHE_NS_RESPONSE, key, "{\"data\":{}}", 11, 30, 0);
    cache_tiers_lookup(t, CACHE_NS_RESPONSE, key, on_lookup, &l);
    CHECK_INT(l.calls, 2);
    CHECK_INT(l.hit.freshness, CACHE_FRESH);
    CHECK_INT(l.hit.tier, CACHE_TIER_LOCAL);
    CHECK_STR(l.payload, "{\"data\":{}}");
    /* Namespaces are apart: the same digest as a persisted query is a miss. */
    cache_tiers_lookup(t, CACHE_NS_APQ, key, on_lookup, &l);
    CHECK_INT(l.hit.freshness, CACHE_EXPIRED);
    /* maxAge 0 with a grace: stale at once (served only when the database is down). */
    uint8_t key2[CACHE_KEY_BYTES] = {8};
    cache_tiers_store(t, CACHE_NS_RESPONSE, key2, "{}", 2, 0, 60);
    cache_tiers_lookup(t, CACHE_NS_RESPONSE, key2, on_lookup, &l);
    CHECK_INT(l.hit.freshness, CACHE_STALE);
    cache_stats st;
    cache_stats_snapshot(shared, &st);
    CHECK_INT(st.local_hits, 1);
    CHECK_INT(st.stores, 2);
    CHECK_INT(st.memcached_up, 0); /* no memcached configured */
    cache_tiers_destroy(t);

    /* The in-process tier off and no memcached: every lookup misses. */
    cfg.local_bytes = 0;
    t = cache_tiers_create(shared, &cfg, err, sizeof(err));
    CHECK(t != NULL);
    cache_tiers_store(t, CACHE_NS_RESPONSE, key, "{}", 2, 30, 0);
    cache_tiers_lookup(t, CACHE_NS_RESPONSE, key, on_lookup, &l);
    CHECK_INT(l.hit.freshness, CACHE_EXPIRED);
    cache_tiers_destroy(t);
    cache_shared_destroy(shared);
}

int main(void)
{
    test_value();
    test_key();
    test_flight();
    test_discovery_parse();
    test_tiers_local_only();
    return CHECK_EXIT();
}
