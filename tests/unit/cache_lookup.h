/* A cache_tiers_lookup answer kept for the checks of the cache unit tests. */
#ifndef GQLD_TEST_CACHE_LOOKUP_H
#define GQLD_TEST_CACHE_LOOKUP_H

#include "cache_tiers.h"

#include <stdio.h>

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

#endif
