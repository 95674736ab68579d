/*
 * http_worker: what one worker thread owns: its event loop, h2o context,
 * listener, executor (with its database pool) and the count of requests still
 * waiting on the database (so a drain knows when it is done). Handlers find
 * their worker from the request's h2o context, which is the first member.
 */
#ifndef GQLD_HTTP_WORKER_H
#define GQLD_HTTP_WORKER_H

#include <h2o.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/config.h"
#include "resolvers/engine.h"
#include "server/metrics.h"

struct http_ratelimit;
struct trusted_docs;

typedef struct http_worker {
    h2o_context_t ctx; /* first: handlers cast req->conn->ctx back to the worker */
    h2o_accept_ctx_t accept_ctx;
    h2o_evloop_t *loop;
    h2o_socket_t *listener;
    rs_worker *rs;
    const gqld_config *cfg;
    unsigned index;
    size_t inflight;      /* requests waiting on the executor */
    uint64_t request_ids; /* counter for generated request ids */
    bool draining;
    metrics *metrics_all;             /* every worker's counters, for GET /metrics */
    metrics_worker *metrics;          /* this worker's own, written only by this thread */
    uint64_t pool_published;          /* h2o_now() when the pool's gauges were last published */
    struct http_ratelimit *ratelimit; /* the server's (http_ratelimit.h), shared by every worker */
    struct trusted_docs *trusted;     /* the manifest this worker serves with (trusted_docs.h), or NULL */
    /* A reloaded manifest the main thread left (SIGHUP); taken between requests (http_worker_trusted). */
    struct trusted_docs *_Atomic trusted_next;
} http_worker;

static inline http_worker *http_worker_of(h2o_req_t *req)
{
    return (http_worker *)req->conn->ctx;
}

#endif
