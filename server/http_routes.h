/*
 * http_routes: the handlers the router (http_server.c) dispatches to by path.
 * Each returns 0 when it took the request; they answer through http_reply.h
 * and never call the router back.
 */
#ifndef GQLD_HTTP_ROUTES_H
#define GQLD_HTTP_ROUTES_H

#include <h2o.h>

int http_graphql_handle(h2o_req_t *req);
int http_health_handle(h2o_req_t *req);
int http_ready_handle(h2o_req_t *req);
int http_metrics_handle(h2o_req_t *req);

#endif
