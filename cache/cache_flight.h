/*
 * cache_flight: single flight on one event loop. The first request to miss a
 * key leads (it fetches from the database); requests for the same key that
 * arrive before it lands wait on it and get its result, so a burst of
 * identical misses costs one fetch. One thread, no locks; the result is
 * opaque here (the executor's response).
 */
#ifndef CACHE_FLIGHT_H
#define CACHE_FLIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "cache/cache_lru.h"

typedef struct cache_flights cache_flights;

/* result is valid during the call only. */
typedef void (*cache_flight_cb)(void *user, const void *result);

cache_flights *cache_flights_create(void);
/* Waiters still queued are dropped without their callbacks. */
void cache_flights_destroy(cache_flights *f);

typedef enum cache_flight_role {
    CACHE_FLIGHT_LEAD,  /* no flight for the key: the caller leads one and must land it */
    CACHE_FLIGHT_WAIT,  /* a flight is under way: cb runs when it lands */
    CACHE_FLIGHT_ALONE, /* out of memory: the caller fetches on its own and must not land */
} cache_flight_role;

cache_flight_role cache_flight_join(cache_flights *f, const uint8_t key[CACHE_KEY_BYTES], cache_flight_cb cb,
                                    void *user);

/* Ends the flight: every waiter's cb runs with result, in arrival order. */
void cache_flight_land(cache_flights *f, const uint8_t key[CACHE_KEY_BYTES], const void *result);

/* Flights under way (tests). */
size_t cache_flights_count(const cache_flights *f);

#endif
