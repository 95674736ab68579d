/*
 * cache_mc: one worker's memcached client, off its event loop. libmemcached
 * is synchronous, so a thread of its own does the network calls: the loop
 * queues gets and sets and returns at once; the thread takes everything
 * queued since its last round trip as one batch (all gets of the batch in one
 * multi-get, so the busier the loop, the bigger the batch), then hands the
 * results back through a queue and an eventfd the loop watches. The loop never
 * waits on memcached; a dead memcached costs a miss, never an error.
 *
 * libmemcached is set up with the binary protocol, TCP_NODELAY, consistent
 * (ketama) hashing over the nodes, tight connect and poll timeouts, and failed
 * nodes removed for the retry timeout.
 */
#ifndef CACHE_MC_H
#define CACHE_MC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache/cache_shared.h"

typedef struct cache_mc cache_mc;

/* value: malloc'd, now the callee's (free it); NULL on a miss or an error. On the loop's thread. */
typedef void (*cache_mc_get_cb)(void *user, char *value, size_t len);

cache_mc *cache_mc_create(cache_shared *shared, char *err, size_t errlen);
/* Stops the thread; gets not answered yet get their callbacks now, as misses (sets are dropped). */
void cache_mc_destroy(cache_mc *mc);

/* Readable when results wait: the loop watches it and then calls cache_mc_dispatch. */
int cache_mc_fd(const cache_mc *mc);
/* On the loop: runs the callbacks of every finished get. */
void cache_mc_dispatch(cache_mc *mc);

/*
 * Queues a get (key: NUL-terminated, at most 250 bytes). False when refused
 * (the queue is full: memcached is slower than the load): the caller takes it
 * as a miss, and cb is never called.
 */
bool cache_mc_get(cache_mc *mc, const char *key, cache_mc_get_cb cb, void *user);
/*
 * A get nothing waits for (a refresh): with a kick set it is held until the
 * next flush, which kick_later arranges within a few milliseconds when nothing
 * sooner does, so refreshes ride along with other operations' hand-overs or
 * go many at a time instead of waking the thread on their own.
 */
bool cache_mc_get_later(cache_mc *mc, const char *key, cache_mc_get_cb cb, void *user);
/* Queues a set; takes value (malloc'd). Fire and forget. */
void cache_mc_set(cache_mc *mc, const char *key, char *value, size_t len, uint32_t ttl_s);

/*
 * Holding. Without it each operation queued on an idle thread wakes it at
 * once, and on a busy core the woken thread preempts the loop: batches of one
 * or two, two context switches each. With a kick set, operations are held on
 * the loop's side and handed over by cache_mc_flush, one hand-over (one
 * wake-up, one multi-get) for everything queued in a loop iteration. kick runs
 * on the loop when the first operation is held; it must arrange a flush before
 * the loop next waits for events (a 0 ms timer). kick_later (cache_mc_get_later)
 * must arrange one within a few milliseconds; both may run again before the
 * flush. Set them before queueing.
 */
void cache_mc_set_kick(cache_mc *mc, void (*kick)(void *user), void (*kick_later)(void *user), void *user);
void cache_mc_flush(cache_mc *mc);

#endif
