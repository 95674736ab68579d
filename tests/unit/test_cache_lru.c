/* The in-process LRU: bounds by entries and bytes, recency, pins that outlive eviction. */
#include "cache/cache_lru.h"
#include "check.h"

#include <stdlib.h>

static int freed;

static void count_free(void *value)
{
    freed++;
    free(value);
}

static void key_of(int n, uint8_t key[CACHE_KEY_BYTES])
{
    char text[32];
    int len = snprintf(text, sizeof(text), "query %d", n);
    cache_sha256(text, (size_t)len, key);
}

static cache_entry *put(cache_lru *lru, int n, size_t bytes)
{
    uint8_t key[CACHE_KEY_BYTES];
    key_of(n, key);
    int *v = malloc(sizeof(int));
    *v = n;
    return cache_lru_put(lru, key, v, bytes);
}

static int get(cache_lru *lru, int n)
{
    uint8_t key[CACHE_KEY_BYTES];
    key_of(n, key);
    cache_entry *e = cache_lru_get(lru, key);
    if (e == NULL)
        return -1;
    int v = *(int *)cache_entry_value(e);
    cache_entry_unpin(e);
    return v;
}

int main(void)
{
    /* SHA-256 of "abc", the FIPS 180-2 test vector. */
    uint8_t digest[CACHE_KEY_BYTES];
    cache_sha256("abc", 3, digest);
    CHECK_INT(digest[0], 0xba);
    CHECK_INT(digest[31], 0xad);

    cache_lru *lru = cache_lru_create(3, 1000, count_free);
    for (int i = 1; i <= 3; i++)
        cache_entry_unpin(put(lru, i, 10));
    CHECK_INT(get(lru, 1), 1); /* 1 is now the most recent; 2 the least */
    cache_entry_unpin(put(lru, 4, 10));
    CHECK_INT(get(lru, 2), -1);
    CHECK_INT(get(lru, 1), 1);
    CHECK_INT(get(lru, 3), 3);
    CHECK_INT(get(lru, 4), 4);
    CHECK_INT(freed, 1);

    /* The byte bound evicts as many as needed. */
    cache_entry_unpin(put(lru, 5, 995));
    CHECK_INT(get(lru, 5), 5);
    CHECK_INT(get(lru, 3), -1);
    CHECK_INT(get(lru, 4), -1);
    cache_lru_stats st;
    cache_lru_get_stats(lru, &st);
    CHECK_INT(st.entries, 1);
    CHECK_INT(st.bytes, 995);

    /* A pinned entry that is evicted stays usable until unpinned, then is freed. */
    cache_entry *pinned = put(lru, 6, 10); /* evicts 5 */
    int before = freed;
    cache_entry_unpin(put(lru, 7, 991)); /* evicts 6, which is pinned */
    CHECK_INT(get(lru, 6), -1);
    CHECK_INT(*(int *)cache_entry_value(pinned), 6);
    CHECK_INT(freed, before);
    cache_entry_unpin(pinned);
    CHECK_INT(freed, before + 1);

    /* Replacing a key frees the old value; too heavy a value is served once and not kept. */
    cache_entry_unpin(put(lru, 7, 5));
    CHECK_INT(get(lru, 7), 7);
    cache_entry *heavy = put(lru, 8, 5000);
    CHECK(heavy != NULL);
    CHECK_INT(get(lru, 8), -1);
    cache_entry_unpin(heavy);

    /* Destroy with a pin outstanding: the value is freed by the last unpin. */
    cache_entry *last = put(lru, 9, 1);
    cache_lru_destroy(lru);
    CHECK_INT(*(int *)cache_entry_value(last), 9);
    cache_entry_unpin(last);

    /* Many keys: the hash chains hold. */
    lru = cache_lru_create(5000, 1 << 20, count_free);
    for (int i = 0; i < 10000; i++)
        cache_entry_unpin(put(lru, i, 1));
    int found = 0;
    for (int i = 0; i < 10000; i++)
        found += get(lru, i) == i;
    CHECK_INT(found, 5000);
    cache_lru_destroy(lru);

    /*
     * A bigger map: a hit near the back moves the entry to the front (it
     * outlives the next evictions); a hit among the most recent quarter
     * leaves it where it is, which is where a strict LRU would keep it too.
     */
    lru = cache_lru_create(8, 1 << 20, count_free);
    for (int i = 1; i <= 8; i++)
        cache_entry_unpin(put(lru, i, 1)); /* front to back: 8 7 ... 1 */
    CHECK_INT(get(lru, 1), 1);             /* the oldest, moved: 1 8 7 ... 2 */
    CHECK_INT(get(lru, 8), 8);             /* among the recent quarter: stays second */
    cache_entry_unpin(put(lru, 9, 1));     /* evicts 2 */
    cache_entry_unpin(put(lru, 10, 1));    /* evicts 3 */
    CHECK_INT(get(lru, 2), -1);
    CHECK_INT(get(lru, 3), -1);
    for (int i = 1; i <= 10; i++)
        if (i != 2 && i != 3)
            CHECK_INT(get(lru, i), i);
    cache_lru_destroy(lru);
    return CHECK_EXIT();
}
