/*
 * cache_policy: how long a response may be cached and by whom, from the
 * schema's @cacheControl hints, with Apollo Server's rules: each selected
 * field gets its type's hint (for object, interface and union types), then
 * its own hint overrides it; a root field, or a field of object type, with
 * no maxAge takes the default (unless inheritMaxAge); the response's maxAge
 * is the smallest over its fields and a single PRIVATE makes it PRIVATE.
 * Computed from the operation's selection (fragments, @skip/@include and
 * variables applied) before anything runs, so a lookup knows it up front.
 */
#ifndef RS_CACHE_POLICY_H
#define RS_CACHE_POLICY_H

#include <stdbool.h>

#include "schema/gql_exec.h"

typedef struct rs_cache_policy {
    unsigned max_age;   /* seconds; 0: not cacheable */
    bool private_scope; /* PRIVATE: only for the caller's own visibility class */
} rs_cache_policy;

/* 0, or -1 when out of memory (the policy is then 0: not cached). */
int cache_policy_compute(const gql_exec_ctx *ctx, unsigned default_max_age, rs_cache_policy *out);

#endif
