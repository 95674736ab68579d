/*
 * http_metrics: GET /metrics, the Prometheus text exposition format (0.0.4) of
 * every worker's counters (metrics.h). Not cached: each scrape reads the
 * counters afresh.
 */
#include "schema/base/buf.h"
#include "server/http_reply.h"
#include "server/metrics.h"

int http_metrics_handle(h2o_req_t *req)
{
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
        !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        static const char body[] = "{\"error\":\"use GET on /metrics\"}";
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("GET, HEAD"));
        http_respond(req, 405, "Method Not Allowed", "application/json; charset=utf-8", body,
                     sizeof(body) - 1);
        return 0;
    }
    base_buf b;
    base_buf_init(&b);
    metrics_render_prometheus(http_worker_of(req)->metrics_all, &b);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    if (b.failed) {
        static const char body[] = "{\"error\":\"out of memory\"}";
        http_respond(req, 503, "Service Unavailable", "application/json; charset=utf-8", body,
                     sizeof(body) - 1);
    } else {
        http_respond(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", b.data, b.len);
    }
    base_buf_free(&b);
    return 0;
}
