/*
 * http_metrics: GET /metrics, the Prometheus text exposition format (0.0.4) of
 * every worker's counters (metrics.h). Not cached: each scrape reads the
 * counters afresh. With GQLD_METRICS_LISTEN, /metrics is served on a listener
 * of its own (its own h2o host, so no other route reaches it) and no longer on
 * the public one.
 */
#include "schema/base/buf.h"
#include "server/access_log.h"
#include "server/http_guard.h"
#include "server/http_metrics.h"
#include "server/http_reply.h"
#include "server/http_routes.h"
#include "server/metrics.h"
#include "server/request_id.h"

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

/* The metrics listener's only route. */
static int on_metrics_request(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    http_worker *w = http_worker_of(req);
    request_id_assign(req, w->index, &w->request_ids);
    if (http_guard_refused(req))
        return 0;
    if (h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/metrics")))
        return http_metrics_handle(req);
    static const char body[] = "{\"error\":\"not found: this listener serves /metrics only\"}";
    http_respond(req, 404, "Not Found", "application/json; charset=utf-8", body, sizeof(body) - 1);
    return 0;
}

h2o_hostconf_t *http_metrics_register_host(h2o_globalconf_t *conf, bool access_log)
{
    h2o_hostconf_t *host = h2o_config_register_host(conf, h2o_iovec_init(H2O_STRLIT("gqld-metrics")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof(*handler));
    handler->on_req = on_metrics_request;
    access_log_register(path, access_log);
    access_log_register(&host->fallback_path, access_log);
    return host;
}
