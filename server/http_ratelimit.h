/*
 * http_ratelimit: the front door's side of the rate limits (README "Rate
 * limits"). It knows the caller: a customer by customer id, another token
 * holder (an admin) by token subject, an anonymous caller by client IP
 * (server/client_ip.h); and the budget: GQLD_RATE_LIMIT_ANONYMOUS,
 * _CUSTOMER, _ADMIN by class, and GQLD_RATE_LIMIT_MUTATIONS for mutations.
 * The engine tells it what each request costs (rs_request.admit), before the
 * cache or the database is asked; cache/cache_ratelimit.h keeps the budgets.
 * A refusal is HTTP 429 with Retry-After and the IETF HTTPAPI draft's
 * RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers),
 * and a GraphQL error with code RATE_LIMITED.
 */
#ifndef GQLD_HTTP_RATELIMIT_H
#define GQLD_HTTP_RATELIMIT_H

#include <h2o.h>
#include <stdbool.h>

#include "cache/cache_ratelimit.h"
#include "resolvers/engine.h"
#include "server/auth/principal.h"
#include "server/client_ip.h"
#include "server/config.h"

/* The policies, in cache_ratelimit's order. */
enum { HTTP_RL_ANONYMOUS, HTTP_RL_CUSTOMER, HTTP_RL_ADMIN, HTTP_RL_MUTATIONS, HTTP_RL_POLICIES };

typedef struct http_ratelimit http_ratelimit;

/* "anonymous", "customer", "admin", "mutations": the policy's name in headers and metrics. */
const char *http_ratelimit_policy_name(int policy);

/*
 * The server's limiter (NULL with err on failure). Without any budget it
 * limits nothing and only resolves trusted proxies. shared: memcached nodes
 * (may be NULL).
 */
http_ratelimit *http_ratelimit_create(const gqld_config *cfg, cache_shared *shared, char *err, size_t errlen);
void http_ratelimit_destroy(http_ratelimit *rl);

/* The limiter's counters (GET /metrics); false when no budget is set. */
bool http_ratelimit_stats(http_ratelimit *rl, cache_rl_stats *out);

/* One request's caller, as http_ratelimit_identify found it, and its verdict. */
typedef struct http_rl_caller {
    int policy;  /* its class's policy; -1: the class has no budget */
    int charged; /* the policy charged by http_ratelimit_admit */
    size_t len;
    char id[320];
    cache_rl_verdict verdict;
} http_rl_caller;

/* Before the engine runs: false when no budget can apply to this caller (nothing to charge). */
bool http_ratelimit_identify(const http_ratelimit *rl, h2o_req_t *req, const gqld_principal *who,
                             http_rl_caller *out);

/* The engine's rs_request.admit: charges the request's cost; false refuses it. */
bool http_ratelimit_admit(http_ratelimit *rl, http_rl_caller *caller, const rs_admission *admission);

/*
 * A refusal's fields (Retry-After, RateLimit-Policy, RateLimit) on req, and
 * its GraphQL body into out (NUL-terminated); returns the body's length.
 */
size_t http_ratelimit_refusal(h2o_req_t *req, const http_rl_caller *caller, char *out, size_t size);

#endif
