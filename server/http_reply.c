#include "server/http_reply.h"

#include <string.h>

void http_respond(h2o_req_t *req, int status, const char *reason, const char *content_type, const char *body,
                  size_t len)
{
    req->res.status = status;
    req->res.reason = reason;
    req->res.content_length = len; /* h2o_send_inline leaves it unset */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type,
                   strlen(content_type));
    /* An error answers this request only: no cache may keep it. */
    if (status >= 400 && h2o_find_header(&req->res.headers, H2O_TOKEN_CACHE_CONTROL, -1) < 0)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    h2o_send_inline(req, body, len);
}

static void on_pool_dispose(void *p)
{
    http_pending **guard = p;
    if (*guard != NULL)
        (*guard)->req = NULL;
}

void http_pending_start(http_pending *p, h2o_req_t *req)
{
    p->req = req;
    p->worker = http_worker_of(req);
    p->guard = h2o_mem_alloc_shared(&req->pool, sizeof(http_pending *), on_pool_dispose);
    *p->guard = p;
    p->worker->inflight++;
}

h2o_req_t *http_pending_end(http_pending *p)
{
    h2o_req_t *req = p->req;
    if (req != NULL)
        *p->guard = NULL;
    p->req = NULL;
    p->worker->inflight--;
    return req;
}
