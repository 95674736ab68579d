/*
 * http_metrics: GET /metrics (Prometheus text), and the h2o host of the
 * separate metrics listener (GQLD_METRICS_LISTEN) that serves it alone.
 */
#ifndef GQLD_HTTP_METRICS_H
#define GQLD_HTTP_METRICS_H

#include <h2o.h>
#include <stdbool.h>

/*
 * Registers the metrics listener's host on conf: GET /metrics, 404 for any
 * other path; access_log: the JSON lines (GQLD_ACCESS_LOG). Requests are
 * counted like those of the public listener. Give the listener's accept
 * context a host list holding this host alone.
 */
h2o_hostconf_t *http_metrics_register_host(h2o_globalconf_t *conf, bool access_log);

#endif
