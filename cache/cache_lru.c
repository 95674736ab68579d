#include "cache/cache_lru.h"

#include <stdlib.h>
#include <string.h>

struct cache_entry {
    uint8_t key[CACHE_KEY_BYTES];
    void *value;
    size_t bytes;
    uint64_t stamp; /* the map's clock when last put at the front */
    unsigned pins;
    bool in_map;              /* false once evicted or replaced: the last unpin frees it */
    cache_free_fn free_value; /* kept per entry: a pinned entry can outlive its map */
    cache_entry *prev, *next; /* recency list, most recent at head */
    cache_entry *bucket_next; /* hash chain */
};

struct cache_lru {
    cache_entry **buckets;
    size_t nbuckets; /* a power of two */
    cache_entry *head, *tail;
    size_t entries, bytes;
    size_t max_entries, max_bytes;
    cache_free_fn free_value;
    uint64_t clock; /* counts moves to the front */
    uint64_t hits, misses, evictions;
};

static size_t bucket_of(const cache_lru *lru, const uint8_t key[CACHE_KEY_BYTES])
{
    uint64_t h;
    memcpy(&h, key, sizeof(h)); /* the key is already a uniform hash */
    return (size_t)h & (lru->nbuckets - 1);
}

cache_lru *cache_lru_create(size_t max_entries, size_t max_bytes, cache_free_fn free_value)
{
    if (max_entries == 0 || max_bytes == 0)
        return NULL;
    cache_lru *lru = calloc(1, sizeof(*lru));
    if (lru == NULL)
        return NULL;
    lru->nbuckets = 16;
    while (lru->nbuckets < max_entries && lru->nbuckets < ((size_t)1 << 24))
        lru->nbuckets *= 2;
    lru->buckets = calloc(lru->nbuckets, sizeof(cache_entry *));
    if (lru->buckets == NULL) {
        free(lru);
        return NULL;
    }
    lru->max_entries = max_entries;
    lru->max_bytes = max_bytes;
    lru->free_value = free_value;
    return lru;
}

static void release(cache_entry *e)
{
    if (e->free_value != NULL)
        e->free_value(e->value);
    free(e);
}

/* Takes e out of the map and the recency list; frees it unless pinned. */
static void detach(cache_lru *lru, cache_entry *e)
{
    cache_entry **link = &lru->buckets[bucket_of(lru, e->key)];
    while (*link != e)
        link = &(*link)->bucket_next;
    *link = e->bucket_next;
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        lru->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        lru->tail = e->prev;
    e->prev = e->next = e->bucket_next = NULL;
    e->in_map = false;
    lru->entries--;
    lru->bytes -= e->bytes;
    if (e->pins == 0)
        release(e);
}

void cache_lru_destroy(cache_lru *lru)
{
    if (lru == NULL)
        return;
    while (lru->head != NULL)
        detach(lru, lru->head); /* pinned entries are freed by their last unpin */
    free(lru->buckets);
    free(lru);
}

static void to_front(cache_lru *lru, cache_entry *e)
{
    if (lru->head == e)
        return;
    e->prev->next = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        lru->tail = e->prev;
    e->prev = NULL;
    e->next = lru->head;
    lru->head->prev = e;
    lru->head = e;
}

cache_entry *cache_lru_get(cache_lru *lru, const uint8_t key[CACHE_KEY_BYTES])
{
    for (cache_entry *e = lru->buckets[bucket_of(lru, key)]; e != NULL; e = e->bucket_next)
        if (memcmp(e->key, key, CACHE_KEY_BYTES) == 0) {
            /*
             * An entry moved to the front within the last quarter of the map's
             * moves is near the front already: moving it again would write two
             * neighbours' memory for nothing (with 100k hot keys, the recency
             * list's writes were most of a cached answer's hash-map cost).
             * Small maps (under 4 entries) stay exact.
             */
            if (lru->clock - e->stamp > lru->entries / 4) {
                to_front(lru, e);
                e->stamp = ++lru->clock;
            }
            e->pins++;
            lru->hits++;
            return e;
        }
    lru->misses++;
    return NULL;
}

cache_entry *cache_lru_put(cache_lru *lru, const uint8_t key[CACHE_KEY_BYTES], void *value, size_t bytes)
{
    cache_entry *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    memcpy(e->key, key, CACHE_KEY_BYTES);
    e->value = value;
    e->bytes = bytes;
    e->pins = 1;
    e->stamp = ++lru->clock;
    e->free_value = lru->free_value;
    for (cache_entry *old = lru->buckets[bucket_of(lru, key)]; old != NULL; old = old->bucket_next)
        if (memcmp(old->key, key, CACHE_KEY_BYTES) == 0) {
            detach(lru, old);
            break;
        }
    if (bytes > lru->max_bytes)
        return e; /* too heavy to keep: the caller uses it once */
    /* Evict from the old end; each victim's predecessor becomes the tail. */
    cache_entry *victim = lru->tail;
    while (victim != NULL && (lru->entries + 1 > lru->max_entries || lru->bytes + bytes > lru->max_bytes)) {
        cache_entry *prev = victim->prev;
        lru->evictions++;
        detach(lru, victim);
        victim = prev;
    }
    size_t b = bucket_of(lru, key);
    e->bucket_next = lru->buckets[b];
    lru->buckets[b] = e;
    e->next = lru->head;
    if (lru->head != NULL)
        lru->head->prev = e;
    lru->head = e;
    if (lru->tail == NULL)
        lru->tail = e;
    e->in_map = true;
    lru->entries++;
    lru->bytes += bytes;
    return e;
}

void *cache_entry_value(const cache_entry *entry)
{
    return entry->value;
}

void cache_entry_unpin(cache_entry *entry)
{
    if (--entry->pins == 0 && !entry->in_map)
        release(entry);
}

void cache_lru_get_stats(const cache_lru *lru, cache_lru_stats *out)
{
    out->entries = lru->entries;
    out->bytes = lru->bytes;
    out->hits = lru->hits;
    out->misses = lru->misses;
    out->evictions = lru->evictions;
}
