#include "cache/cache_flight.h"

#include <stdlib.h>
#include <string.h>

enum { NBUCKETS = 256 };

typedef struct waiter waiter;
struct waiter {
    cache_flight_cb cb;
    void *user;
    waiter *next;
};

typedef struct flight flight;
struct flight {
    uint8_t key[CACHE_KEY_BYTES];
    waiter *head, *tail;
    flight *next;
};

struct cache_flights {
    flight *buckets[NBUCKETS];
    size_t count;
};

cache_flights *cache_flights_create(void)
{
    return calloc(1, sizeof(cache_flights));
}

static void free_waiters(waiter *w)
{
    while (w != NULL) {
        waiter *next = w->next;
        free(w);
        w = next;
    }
}

void cache_flights_destroy(cache_flights *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < NBUCKETS; i++)
        for (flight *fl = f->buckets[i], *next; fl != NULL; fl = next) {
            next = fl->next;
            free_waiters(fl->head);
            free(fl);
        }
    free(f);
}

static flight **find(cache_flights *f, const uint8_t key[CACHE_KEY_BYTES])
{
    flight **link = &f->buckets[key[0]]; /* the key is a uniform hash: its first byte is a fine bucket */
    while (*link != NULL && memcmp((*link)->key, key, CACHE_KEY_BYTES) != 0)
        link = &(*link)->next;
    return link;
}

cache_flight_role cache_flight_join(cache_flights *f, const uint8_t key[CACHE_KEY_BYTES], cache_flight_cb cb,
                                    void *user)
{
    flight **link = find(f, key);
    if (*link == NULL) {
        flight *fl = calloc(1, sizeof(*fl));
        if (fl == NULL)
            return CACHE_FLIGHT_ALONE;
        memcpy(fl->key, key, CACHE_KEY_BYTES);
        *link = fl;
        f->count++;
        return CACHE_FLIGHT_LEAD;
    }
    waiter *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return CACHE_FLIGHT_ALONE;
    w->cb = cb;
    w->user = user;
    if ((*link)->tail != NULL)
        (*link)->tail->next = w;
    else
        (*link)->head = w;
    (*link)->tail = w;
    return CACHE_FLIGHT_WAIT;
}

void cache_flight_land(cache_flights *f, const uint8_t key[CACHE_KEY_BYTES], const void *result)
{
    flight **link = find(f, key);
    flight *fl = *link;
    if (fl == NULL)
        return;
    *link = fl->next; /* out of the map first: a callback may lead a new flight for the key */
    f->count--;
    for (waiter *w = fl->head, *next; w != NULL; w = next) {
        next = w->next;
        w->cb(w->user, result);
        free(w);
    }
    free(fl);
}

size_t cache_flights_count(const cache_flights *f)
{
    return f->count;
}
