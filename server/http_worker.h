/*
 * http_worker: what one worker thread owns: its event loop, h2o context,
 * listener, executor (with its database pool) and the count of requests still
 * waiting on the database (so a drain knows when it is done). Handlers find
 * their worker from the request's h2o context, which is the first member.
 */
#ifndef GQLD_HTTP_WORKER_H
#define GQLD_HTTP_WORKER_H

#include <h2o.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/config.h"
#include "resolvers/engine.h"
#include "server/metrics.h"

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
    metrics *metrics_all;    /* every worker's counters, for GET /metrics */
    metrics_worker *metrics; /* this worker's own, written only by this thread */
    uint64_t pool_published; /* h2o_now() when the pool's gauges were last published */
} http_worker;

static inline http_worker *http_worker_of(h2o_req_t *req)
{
    return (http_worker *)req->conn->ctx;
}

/* Sends a complete response with the given status and content type (body copied). */
void http_respond(h2o_req_t *req, int status, const char *reason, const char *content_type, const char *body,
                  size_t len);

/* The routes: each returns 0 when it took the request. */
int http_graphql_handle(h2o_req_t *req);
int http_health_handle(h2o_req_t *req);
int http_ready_handle(h2o_req_t *req);
int http_metrics_handle(h2o_req_t *req);

/*
 * A request waiting on asynchronous work. h2o frees the request's pool when
 * the client goes away (HTTP/1.1 in h2o 2.2 even while work is pending), so the
 * request pointer is cleared by a pool-dispose hook and checked before replying.
 */
typedef struct http_pending {
    h2o_req_t *req; /* NULL once the client is gone */
    struct http_pending **guard;
    http_worker *worker;
} http_pending;

/* Ties p to req; counts it in the worker's in-flight requests. */
void http_pending_start(http_pending *p, h2o_req_t *req);
/*
 * Detaches p from its request and uncounts it; returns the request to reply
 * to, or NULL when the client is gone. Detach first: replying may free the pool
 * that holds the guard.
 */
h2o_req_t *http_pending_end(http_pending *p);

#endif
