/*
 * Helpers of the cache unit tests: a lookup's answer kept for checks, and the
 * shared cache state on a real memcached.
 */
#ifndef GQLD_TEST_CACHE_TESTING_H
#define GQLD_TEST_CACHE_TESTING_H

#include "cache/cache_shared.h"
#include "cache/cache_tiers.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

typedef struct lookup {
    int calls;
    cache_hit hit;
    char payload[64];
} lookup;

static inline void on_lookup(void *user, const cache_hit *hit)
{
    lookup *l = user;
    l->calls++;
    l->hit = *hit;
    snprintf(l->payload, sizeof(l->payload), "%.*s", (int)hit->len, hit->payload ? hit->payload : "");
}

/*
 * Shared cache state on the memcached at servers (host:port), and in prefix a
 * key prefix no other run shares ("<tag>-<pid>-<time>"). NULL on failure.
 */
static inline cache_shared *test_cache_shared(const char *servers, const char *tag, char *prefix, size_t size)
{
    cache_settings settings = {
        .servers = servers,
        .discovery = "",
        /* generous: under a sanitizer on a busy machine a first connect can take 100 ms */
        .connect_timeout_ms = 2000,
        .poll_timeout_ms = 2000,
        .retry_timeout_s = 1};
    snprintf(prefix, size, "%s-%d-%ld", tag, (int)getpid(), (long)time(NULL) % 100000);
    char err[256];
    cache_shared *shared = cache_shared_create(&settings, err, sizeof(err));
    if (shared == NULL)
        fprintf(stderr, "cache_shared_create: %s\n", err);
    return shared;
}

#endif
