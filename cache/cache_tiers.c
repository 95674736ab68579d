#include "cache/cache_tiers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache_key.h"
#include "cache/cache_mc.h"

/* An in-process entry: the encoded value and until when this tier trusts it. */
typedef struct local_value {
    char *value;
    size_t len;
    uint64_t local_until_ms;
    bool refreshing; /* memcached has been asked for it (refresh) */
} local_value;

struct cache_tiers {
    cache_tiers_config cfg;
    char prefix[40];
    cache_lru *local; /* NULL when off */
    cache_mc *mc;     /* NULL without memcached */
    cache_counters *counters;
    cache_counters own_counters; /* when there is no shared state */
    cache_shared *shared;        /* NULL without one */
};

/* A lookup waiting on memcached. */
typedef struct pending_lookup {
    cache_tiers *tiers;
    cache_namespace ns;
    uint8_t key[CACHE_KEY_BYTES];
    cache_entry *local; /* pinned: a stale in-process entry, the fallback when memcached has nothing fresh */
    cache_lookup_cb cb;
    void *user;
} pending_lookup;

/* An in-process entry past its local TTL being asked of memcached again (refresh). */
typedef struct pending_refresh {
    cache_tiers *tiers;
    cache_namespace ns;
    uint8_t key[CACHE_KEY_BYTES];
} pending_refresh;

static void free_local_value(void *v)
{
    local_value *lv = v;
    free(lv->value);
    free(lv);
}

cache_tiers *cache_tiers_create(cache_shared *shared, const cache_tiers_config *cfg, char *err, size_t errlen)
{
    cache_tiers *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->cfg = *cfg;
    snprintf(t->prefix, sizeof(t->prefix), "%s", cfg->prefix != NULL ? cfg->prefix : "gqld");
    t->cfg.prefix = t->prefix;
    t->counters = shared != NULL ? cache_shared_counters(shared) : &t->own_counters;
    t->shared = shared;
    if (cfg->local_bytes > 0) {
        /* Entries are bounded by bytes; the count bound only sizes the hash table. */
        size_t max_entries = cfg->local_bytes / 256 > 16 ? cfg->local_bytes / 256 : 16;
        t->local = cache_lru_create(max_entries, cfg->local_bytes, free_local_value);
        if (t->local == NULL) {
            snprintf(err, errlen, "out of memory");
            free(t);
            return NULL;
        }
    }
    if (shared != NULL && cache_shared_has_memcached(shared)) {
        t->mc = cache_mc_create(shared, err, errlen);
        if (t->mc == NULL) {
            cache_lru_destroy(t->local);
            free(t);
            return NULL;
        }
    }
    return t;
}

void cache_tiers_destroy(cache_tiers *t)
{
    if (t == NULL)
        return;
    cache_mc_destroy(t->mc); /* answers the lookups still waiting, with the in-process tier still there */
    cache_lru_destroy(t->local);
    free(t);
}

int cache_tiers_fd(const cache_tiers *t)
{
    return t->mc != NULL ? cache_mc_fd(t->mc) : -1;
}

void cache_tiers_dispatch(cache_tiers *t)
{
    if (t->mc != NULL)
        cache_mc_dispatch(t->mc);
}

void cache_tiers_set_kick(cache_tiers *t, void (*kick)(void *user), void (*kick_later)(void *user),
                          void *user)
{
    if (t->mc != NULL)
        cache_mc_set_kick(t->mc, kick, kick_later, user);
}

void cache_tiers_flush(cache_tiers *t)
{
    if (t->mc != NULL)
        cache_mc_flush(t->mc);
}

void cache_tiers_mc_key(const char *prefix, cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES], char *out,
                        size_t size)
{
    /* prefix ":" ns ":" digits, without printf: one per memcached operation. */
    size_t plen = strlen(prefix);
    if (size < plen + 3 + (size_t)2 * CACHE_KEY_BYTES + 1) {
        if (size > 0)
            out[0] = '\0';
        return;
    }
    memcpy(out, prefix, plen);
    out[plen] = ':';
    out[plen + 1] = (char)ns;
    out[plen + 2] = ':';
    cache_key_hex(key, out + plen + 3);
}

/* The in-process tier's key: the digest with the namespace folded in, so namespaces never collide. */
static void local_key(cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES], uint8_t out[CACHE_KEY_BYTES])
{
    memcpy(out, key, CACHE_KEY_BYTES);
    out[CACHE_KEY_BYTES - 1] ^= (uint8_t)ns;
}

static void put_local(cache_tiers *t, cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES],
                      const char *value, size_t len)
{
    if (t->local == NULL)
        return;
    local_value *lv = malloc(sizeof(*lv));
    char *copy = lv != NULL ? malloc(len) : NULL;
    if (copy == NULL) {
        free(lv);
        return;
    }
    memcpy(copy, value, len);
    *lv = (local_value){copy, len, cache_now_ms() + t->cfg.local_ttl_ms, false};
    uint8_t lk[CACHE_KEY_BYTES];
    local_key(ns, key, lk);
    cache_entry *e = cache_lru_put(t->local, lk, lv, len + sizeof(*lv) + 64);
    if (e == NULL)
        free_local_value(lv);
    else
        cache_entry_unpin(e);
}

/* Decodes value into hit; a value that does not decode is a miss. */
static void fill_hit(cache_hit *hit, const char *value, size_t len, cache_tier tier, uint64_t now)
{
    *hit = (cache_hit){.freshness = CACHE_EXPIRED, .tier = CACHE_TIER_NONE};
    if (value != NULL && cache_value_decode(value, len, &hit->meta, &hit->payload, &hit->len) == 0) {
        hit->freshness = cache_value_freshness(&hit->meta, now);
        hit->tier = hit->freshness == CACHE_EXPIRED ? CACHE_TIER_NONE : tier;
    }
}

static void count_hit(cache_tiers *t, const cache_hit *hit)
{
    if (hit->freshness != CACHE_FRESH)
        return; /* stale entries count when served (stale_served), misses where the fetch happens */
    cache_count(hit->tier == CACHE_TIER_LOCAL ? &t->counters->local_hits : &t->counters->memcached_hits, 1);
}

/* Memcached's answer, or none; the pinned in-process entry (if any) is the fallback. */
static void on_mc(void *user, char *value, size_t len)
{
    pending_lookup *p = user;
    cache_tiers *t = p->tiers;
    uint64_t now = cache_now_ms();
    cache_hit hit;
    fill_hit(&hit, value, len, CACHE_TIER_MEMCACHED, now);
    if (hit.freshness != CACHE_EXPIRED) {
        put_local(t, p->ns, p->key, value, len);
    } else if (p->local != NULL) {
        const local_value *lv = cache_entry_value(p->local);
        fill_hit(&hit, lv->value, lv->len, CACHE_TIER_LOCAL, now);
    }
    count_hit(t, &hit);
    p->cb(p->user, &hit);
    if (p->local != NULL)
        cache_entry_unpin(p->local);
    free(value);
    free(p);
}

bool cache_tiers_can_hit(const cache_tiers *t)
{
    return t->local != NULL || (t->mc != NULL && !cache_shared_bypass(t->shared));
}

/* memcached's answer to a refresh: its entry replaces ours, or ours is trusted a local TTL more. */
static void on_refresh(void *user, char *value, size_t len)
{
    pending_refresh *r = user;
    cache_tiers *t = r->tiers;
    uint64_t now = cache_now_ms();
    uint8_t lk[CACHE_KEY_BYTES];
    local_key(r->ns, r->key, lk);
    cache_entry *e = cache_lru_get(t->local, lk);
    local_value *lv = e != NULL ? cache_entry_value(e) : NULL;
    cache_hit fresh, ours;
    fill_hit(&fresh, value, len, CACHE_TIER_MEMCACHED, now);
    if (lv != NULL)
        fill_hit(&ours, lv->value, lv->len, CACHE_TIER_LOCAL, now);
    if (lv != NULL && (fresh.freshness == CACHE_EXPIRED || fresh.meta.created_ms == ours.meta.created_ms)) {
        /*
         * The same entry (no copy needed), or memcached has none: a miss there
         * (evicted, or memcached failing) never takes away what is still fresh
         * here, as a waiting lookup's miss does not (on_mc).
         */
        lv->refreshing = false;
        lv->local_until_ms = now + t->cfg.local_ttl_ms;
    } else if (fresh.freshness != CACHE_EXPIRED) {
        put_local(t, r->ns, r->key, value, len); /* newer: stored by another process */
    }
    if (e != NULL)
        cache_entry_unpin(e);
    free(value);
    free(r);
}

/*
 * Past its local TTL, a fresh in-process entry is still served, at once, and
 * memcached is asked for the key in the background with the next hand-over
 * (cache_mc_get_later). Waiting for memcached instead cost a round trip
 * through its thread for every key read less often than the local TTL: with
 * Zipf reads over 100k products, a tenth of all reads and two context switches
 * per loop iteration on a busy core.
 */
static void refresh(cache_tiers *t, cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES], local_value *lv)
{
    if (lv->refreshing)
        return;
    pending_refresh *r = malloc(sizeof(*r));
    if (r == NULL)
        return;
    *r = (pending_refresh){t, ns, {0}};
    memcpy(r->key, key, CACHE_KEY_BYTES);
    char mk[128];
    cache_tiers_mc_key(t->prefix, ns, key, mk, sizeof(mk));
    if (cache_mc_get_later(t->mc, mk, on_refresh, r)) {
        lv->refreshing = true;
    } else {
        /* memcached down or its queue full: ask again a local TTL later, not on every read. */
        lv->local_until_ms = cache_now_ms() + t->cfg.local_ttl_ms;
        free(r);
    }
}

/*
 * The in-process entry for key, pinned in *pin, and *hit from it. True when it
 * is fresh: then it is served, and memcached asked for a newer one (refresh)
 * when it is past its local TTL.
 */
static bool local_lookup(cache_tiers *t, cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES], uint64_t now,
                         cache_hit *hit, cache_entry **pin)
{
    *pin = NULL;
    *hit = (cache_hit){.freshness = CACHE_EXPIRED};
    if (t->local == NULL)
        return false;
    uint8_t lk[CACHE_KEY_BYTES];
    local_key(ns, key, lk);
    cache_entry *local = cache_lru_get(t->local, lk);
    if (local == NULL)
        return false;
    *pin = local;
    local_value *lv = cache_entry_value(local);
    fill_hit(hit, lv->value, lv->len, CACHE_TIER_LOCAL, now);
    if (hit->freshness != CACHE_FRESH)
        return false;
    if (now >= lv->local_until_ms && t->mc != NULL)
        refresh(t, ns, key, lv);
    count_hit(t, hit);
    return true;
}

bool cache_tiers_local_hit(cache_tiers *t, cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES],
                           cache_hit *hit, cache_entry **pin)
{
    if (local_lookup(t, ns, key, cache_now_ms(), hit, pin))
        return true;
    if (*pin != NULL)
        cache_entry_unpin(*pin);
    *pin = NULL;
    return false;
}

void cache_tiers_lookup(cache_tiers *t, cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES],
                        cache_lookup_cb cb, void *user)
{
    cache_hit hit;
    cache_entry *local;
    if (local_lookup(t, ns, key, cache_now_ms(), &hit, &local)) {
        cb(user, &hit);
        cache_entry_unpin(local);
        return;
    }
    pending_lookup *p = t->mc != NULL ? calloc(1, sizeof(*p)) : NULL;
    if (p != NULL) {
        *p = (pending_lookup){t, ns, {0}, local, cb, user};
        memcpy(p->key, key, CACHE_KEY_BYTES);
        char mk[128];
        cache_tiers_mc_key(t->prefix, ns, key, mk, sizeof(mk));
        if (cache_mc_get(t->mc, mk, on_mc, p))
            return;
        free(p);
    }
    /* No memcached (or it refused): what the in-process tier has, if anything. */
    count_hit(t, &hit);
    cb(user, &hit);
    if (local != NULL)
        cache_entry_unpin(local);
}

void cache_tiers_store(cache_tiers *t, cache_namespace ns, const uint8_t key[CACHE_KEY_BYTES],
                       const char *payload, size_t len, uint32_t max_age_s, uint32_t grace_s)
{
    cache_value_meta meta = {cache_now_ms(), max_age_s, grace_s};
    size_t vlen;
    char *value = cache_value_encode(&meta, payload, len, &vlen);
    if (value == NULL)
        return;
    cache_count(&t->counters->stores, 1);
    put_local(t, ns, key, value, vlen);
    if (t->mc == NULL) {
        free(value);
        return;
    }
    char mk[128];
    cache_tiers_mc_key(t->prefix, ns, key, mk, sizeof(mk));
    /* memcached reads an expiry over 30 days as a Unix time: cap it. */
    uint64_t ttl = (uint64_t)max_age_s + grace_s;
    cache_mc_set(t->mc, mk, value, vlen, ttl > 2592000 ? 2592000 : (uint32_t)ttl);
}
