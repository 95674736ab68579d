#include "cache/cache_shared.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache_discovery.h"
#include "cache/cache_value.h"

struct cache_shared {
    cache_settings settings;
    cache_counters counters;
    pthread_mutex_t lock; /* guards servers */
    char *servers;
    _Atomic uint64_t generation;
    atomic_uint nodes; /* entries in servers */
    atomic_bool down;
    _Atomic uint64_t last_error_ms;
    cache_discovery *discovery;
};

/* "host:port,host:port": the number of nodes (0 for an empty list). */
static unsigned count_nodes(const char *servers)
{
    if (servers == NULL || servers[0] == '\0')
        return 0;
    unsigned n = 1;
    for (const char *c = servers; *c != '\0'; c++)
        n += *c == ',';
    return n;
}

static void log_line(const cache_shared *s, const char *level, const char *msg, const char *detail)
{
    if (s->settings.log != NULL)
        s->settings.log(level, msg, detail);
}

cache_shared *cache_shared_create(const cache_settings *settings, char *err, size_t errlen)
{
    cache_shared *s = calloc(1, sizeof(*s));
    if (s == NULL || (s->servers = strdup(settings->servers ? settings->servers : "")) == NULL) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->settings = *settings;
    pthread_mutex_init(&s->lock, NULL);
    atomic_store(&s->counters.memcached_up, cache_shared_has_memcached(s) ? 1 : 0);
    atomic_store(&s->nodes, count_nodes(s->servers));
    if (settings->discovery != NULL && settings->discovery[0] != '\0') {
        s->discovery =
            cache_discovery_start(s, settings->discovery, settings->discovery_interval_ms, err, errlen);
        if (s->discovery == NULL) {
            cache_shared_destroy(s);
            return NULL;
        }
    }
    return s;
}

void cache_shared_destroy(cache_shared *s)
{
    if (s == NULL)
        return;
    cache_discovery_stop(s->discovery);
    pthread_mutex_destroy(&s->lock);
    free(s->servers);
    free(s);
}

const cache_settings *cache_shared_settings(const cache_shared *s)
{
    return &s->settings;
}

cache_counters *cache_shared_counters(cache_shared *s)
{
    return &s->counters;
}

bool cache_shared_has_memcached(const cache_shared *s)
{
    return (s->settings.servers != NULL && s->settings.servers[0] != '\0') ||
           (s->settings.discovery != NULL && s->settings.discovery[0] != '\0');
}

uint64_t cache_shared_servers(cache_shared *s, char *buf, size_t size)
{
    pthread_mutex_lock(&s->lock);
    snprintf(buf, size, "%s", s->servers);
    uint64_t g = atomic_load(&s->generation);
    pthread_mutex_unlock(&s->lock);
    return g;
}

uint64_t cache_shared_generation(cache_shared *s)
{
    return atomic_load_explicit(&s->generation, memory_order_acquire);
}

void cache_shared_set_servers(cache_shared *s, const char *servers)
{
    pthread_mutex_lock(&s->lock);
    bool changed = strcmp(s->servers, servers) != 0;
    char *copy = changed ? strdup(servers) : NULL;
    if (copy != NULL) {
        free(s->servers);
        s->servers = copy;
        atomic_store(&s->nodes, count_nodes(copy));
        atomic_fetch_add_explicit(&s->generation, 1, memory_order_release);
    }
    pthread_mutex_unlock(&s->lock);
    if (copy != NULL)
        log_line(s, "info", "memcached node list changed", servers);
}

/*
 * Down on the first failure; up again only after a clean batch at least one
 * retry period after the last failure. libmemcached skips a failed node for
 * the retry timeout and then tries it again, so with one node of two dead the
 * state stays "down" instead of flapping (one log line per change, never per
 * request). The first thread to flip the state logs it.
 */
void cache_shared_report(cache_shared *s, bool ok, const char *reason)
{
    uint64_t now = cache_now_ms();
    if (!ok) {
        atomic_store(&s->last_error_ms, now);
        bool was_down = false;
        if (atomic_compare_exchange_strong(&s->down, &was_down, true)) {
            atomic_store(&s->counters.memcached_up, 0);
            log_line(s, "warn", "memcached unavailable: reads bypass the cache until it answers again",
                     reason != NULL ? reason : "");
        }
        return;
    }
    if (!atomic_load_explicit(&s->down, memory_order_relaxed))
        return;
    if (now < atomic_load(&s->last_error_ms) + (uint64_t)s->settings.retry_timeout_s * 1000 + 500)
        return;
    bool was_down = true;
    if (atomic_compare_exchange_strong(&s->down, &was_down, false)) {
        atomic_store(&s->counters.memcached_up, 1);
        log_line(s, "info", "memcached available again", "");
    }
}

bool cache_shared_bypass(const cache_shared *s)
{
    return atomic_load_explicit(&s->down, memory_order_relaxed) &&
           atomic_load_explicit(&s->nodes, memory_order_relaxed) <= 1;
}

void cache_stats_snapshot(const cache_shared *s, cache_stats *out)
{
    cache_counters_read(&s->counters, out);
}
