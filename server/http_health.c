/*
 * http_health: /healthz says the process is alive and serving (no I/O, so a
 * slow database never makes an orchestrator kill a healthy process); /readyz
 * says this worker can reach the database right now (a SELECT 1 through the
 * same pool the queries use), so a load balancer stops sending traffic while
 * the database is down and resumes when it is back.
 */
#include <stdlib.h>

#include "server/http_reply.h"

static const char JSON_TYPE[] = "application/json; charset=utf-8";

int http_health_handle(h2o_req_t *req)
{
    static const char body[] = "{\"status\":\"ok\"}";
    http_respond(req, 200, "OK", JSON_TYPE, body, sizeof(body) - 1);
    return 0;
}

static void respond_unready(h2o_req_t *req)
{
    static const char body[] = "{\"status\":\"unavailable\",\"reason\":\"database\"}";
    http_respond(req, 503, "Service Unavailable", JSON_TYPE, body, sizeof(body) - 1);
}

static void on_ping(void *user, bool ok)
{
    http_pending *p = user;
    h2o_req_t *req = http_pending_end(p);
    if (req != NULL) {
        if (ok) {
            static const char body[] = "{\"status\":\"ready\"}";
            http_respond(req, 200, "OK", JSON_TYPE, body, sizeof(body) - 1);
        } else {
            respond_unready(req);
        }
    }
    free(p);
}

int http_ready_handle(h2o_req_t *req)
{
    http_pending *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        respond_unready(req);
        return 0;
    }
    http_pending_start(p, req);
    rs_worker_ping(http_worker_of(req)->rs, on_ping, p); /* no live connection: answered at once */
    return 0;
}
