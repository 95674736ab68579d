/*
 * http_reply: how a handler answers, the leaf every handler and the router
 * call: a complete response at once (http_respond), or a request parked while
 * the engine works (http_pending), whose client may go away meanwhile. It
 * calls nothing of the router or the handlers back.
 */
#ifndef GQLD_HTTP_REPLY_H
#define GQLD_HTTP_REPLY_H

#include <h2o.h>

#include "server/http_worker.h"

/* Sends a complete response with the given status and content type (body copied). */
void http_respond(h2o_req_t *req, int status, const char *reason, const char *content_type, const char *body,
                  size_t len);

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
