#include "server/http_ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/log.h"

/* Trusted proxies kept at most (GQLD_TRUSTED_PROXIES); a longer list is refused at start-up. */
enum { TRUSTED_MAX = 256, CALLERS_MAX = 200000 };

static const char *const policy_names[HTTP_RL_POLICIES] = {"anonymous", "customer", "admin", "mutations"};

const char *http_ratelimit_policy_name(int policy)
{
    return policy >= 0 && policy < HTTP_RL_POLICIES ? policy_names[policy] : "default";
}

/* The limiter's log lines (memcached lost and back), as the server's events. */
static void log_limiter(const char *level, const char *msg, const char *detail)
{
    log_event(level, msg, "detail", detail, NULL);
}

struct http_ratelimit {
    cache_ratelimit *limiter; /* NULL: no budget set */
    bool limited[HTTP_RL_POLICIES];
    client_ip_block trusted[TRUSTED_MAX];
    size_t ntrusted;
    bool everyone_admin; /* AUTH_MODE=none: every request is an admin (told apart by client IP) */
};

http_ratelimit *http_ratelimit_create(const gqld_config *cfg, cache_shared *shared, char *err, size_t errlen)
{
    http_ratelimit *rl = calloc(1, sizeof(*rl));
    if (rl == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int n = client_ip_parse_cidrs(cfg->trusted_proxies, rl->trusted, TRUSTED_MAX);
    if (n < 0 || n > TRUSTED_MAX) {
        snprintf(err, errlen, "GQLD_TRUSTED_PROXIES: more than %d entries, or a malformed one", TRUSTED_MAX);
        free(rl);
        return NULL;
    }
    rl->ntrusted = (size_t)n;
    rl->everyone_admin = cfg->auth_mode == GQLD_AUTH_NONE;
    const gqld_rate *rates[HTTP_RL_POLICIES] = {&cfg->rate_anonymous, &cfg->rate_customer, &cfg->rate_admin,
                                                &cfg->rate_mutations};
    cache_ratelimit_config c = {.shared = shared,
                                .prefix = cfg->cache_prefix,
                                .sync_ms = cfg->rate_limit_sync_ms,
                                .npolicies = HTTP_RL_POLICIES,
                                .max_callers = CALLERS_MAX,
                                .log = log_limiter};
    bool any = false;
    for (size_t i = 0; i < HTTP_RL_POLICIES; i++) {
        c.policies[i] = (cache_rl_policy){policy_names[i], rates[i]->rate, rates[i]->burst};
        rl->limited[i] = rates[i]->rate > 0;
        any |= rl->limited[i];
    }
    if (any && (rl->limiter = cache_ratelimit_create(&c, err, errlen)) == NULL) {
        free(rl);
        return NULL;
    }
    return rl;
}

void http_ratelimit_destroy(http_ratelimit *rl)
{
    if (rl == NULL)
        return;
    cache_ratelimit_destroy(rl->limiter);
    free(rl);
}

bool http_ratelimit_stats(http_ratelimit *rl, cache_rl_stats *out)
{
    if (rl == NULL || rl->limiter == NULL)
        return false;
    cache_ratelimit_stats(rl->limiter, out);
    return true;
}

bool http_ratelimit_identify(const http_ratelimit *rl, h2o_req_t *req, const gqld_principal *who,
                             http_rl_caller *out)
{
    if (rl == NULL || rl->limiter == NULL)
        return false;
    int policy = rl->everyone_admin                   ? HTTP_RL_ADMIN
                 : !who->authenticated                ? HTTP_RL_ANONYMOUS
                 : who->rs.kind == RS_PRINCIPAL_ADMIN ? HTTP_RL_ADMIN
                                                      : HTTP_RL_CUSTOMER;
    if (!rl->limited[policy] && !rl->limited[HTTP_RL_MUTATIONS])
        return false;
    out->policy = rl->limited[policy] ? policy : -1;
    out->charged = -1;
    /* Bytes, not text: this runs on every request (a class letter, then the address or the id). */
    const char *id = NULL;
    size_t len = 0;
    uint8_t addr[16];
    if (rl->everyone_admin || !who->authenticated) {
        if (client_ip_addr(req, rl->trusted, rl->ntrusted, addr))
            id = (const char *)addr, len = sizeof(addr);
        out->id[0] = 'a';
    } else if (who->rs.kind == RS_PRINCIPAL_CUSTOMER && who->customer_id[0] != '\0') {
        id = who->customer_id, len = strnlen(who->customer_id, sizeof(who->customer_id));
        out->id[0] = 'c';
    } else {
        id = who->sub, len = strnlen(who->sub, sizeof(who->sub));
        out->id[0] = 's';
    }
    len = len < sizeof(out->id) - 1 ? len : sizeof(out->id) - 1;
    if (len > 0)
        memcpy(out->id + 1, id, len);
    out->len = 1 + len;
    return true;
}

bool http_ratelimit_admit(http_ratelimit *rl, http_rl_caller *caller, const rs_admission *admission)
{
    /* Mutations have a budget of their own when one is set; else they count against the class's. */
    int policy = admission->type == GQL_OP_MUTATION && rl->limited[HTTP_RL_MUTATIONS] ? HTTP_RL_MUTATIONS
                                                                                      : caller->policy;
    caller->charged = policy;
    if (policy < 0)
        return true;
    return cache_ratelimit_take(rl->limiter, (unsigned)policy, caller->id, caller->len, admission->cost,
                                &caller->verdict);
}

size_t http_ratelimit_refusal(h2o_req_t *req, const http_rl_caller *caller, char *out, size_t size)
{
    const cache_rl_verdict *v = &caller->verdict;
    const char *name = caller->charged >= 0 ? policy_names[caller->charged] : "default";
    unsigned retry = v->retry_after_s ? v->retry_after_s : 1;
    char value[160];
    int n = snprintf(value, sizeof(value), "%u", retry);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL,
                   h2o_strdup(&req->pool, value, (size_t)n).base, (size_t)n);
    /* The draft's fields: a quota of `burst` points refilled over w seconds; none left; back in `retry`. */
    n = snprintf(value, sizeof(value), "\"%s\";q=%llu;w=%llu", name, (unsigned long long)v->limit,
                 (unsigned long long)v->window_s);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("ratelimit-policy"), 0, NULL,
                          h2o_strdup(&req->pool, value, (size_t)n).base, (size_t)n);
    n = snprintf(value, sizeof(value), "\"%s\";r=%llu;t=%u", name, (unsigned long long)v->remaining, retry);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("ratelimit"), 0, NULL,
                          h2o_strdup(&req->pool, value, (size_t)n).base, (size_t)n);
    n = snprintf(
        out, size,
        "{\"errors\":[{\"message\":\"Rate limit exceeded: the %s budget of cost points is spent; retry "
        "in %u s.\",\"extensions\":{\"code\":\"RATE_LIMITED\",\"policy\":\"%s\",\"retryAfter\":%u}}]}",
        name, retry, name, retry);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}
