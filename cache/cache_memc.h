/*
 * cache_memc: how a thread of this process opens libmemcached on the shared
 * node list, and which of libmemcached's answers mean memcached is not
 * answering. Shared by the threads that talk to memcached (the response
 * cache's, cache_mc.c; the rate limiter's, cache_ratelimit.c), so every one
 * runs with the same protocol, hashing and timeouts.
 */
#ifndef CACHE_MEMC_H
#define CACHE_MEMC_H

#include <libmemcached/memcached.h>
#include <stdbool.h>
#include <stdint.h>

#include "cache/cache_shared.h"

/*
 * A connection set on the current node list: the binary protocol,
 * TCP_NODELAY, consistent (ketama) hashing, the connect and poll timeouts of
 * the settings, failed nodes removed for the retry timeout; quiet: no replies,
 * requests buffered. *generation: the node list's generation it was made from.
 * NULL when out of memory.
 */
memcached_st *cache_memc_connect(cache_shared *shared, bool quiet, uint64_t *generation);

/* Misses, stored-nots and too-big values are answers; true for the rest: memcached is not answering. */
bool cache_memc_failed(memcached_return_t rc);

#endif
