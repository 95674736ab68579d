#include "cache/cache_stats.h"

#define READ(f) out->f = atomic_load_explicit(&c->f, memory_order_relaxed)

void cache_counters_read(const cache_counters *c, cache_stats *out)
{
    READ(local_hits);
    READ(memcached_hits);
    READ(misses);
    READ(stale_served);
    READ(stores);
    READ(errors);
    READ(bytes_read);
    READ(bytes_written);
    READ(flight_waits);
    READ(unparsed_hits);
    READ(bypassed);
    READ(apq_hits);
    READ(apq_misses);
    READ(memcached_up);
}
