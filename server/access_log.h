/*
 * access_log: what happens when h2o finishes a request, for every request,
 * responses h2o makes itself (413, 400 on bad framing) included: the request
 * is counted in its worker's metrics, and when the access log is on, one JSON
 * line goes to stdout:
 *   {"time","method","path","status","duration_us","request_id","cache","db_us"}
 * `path` is without its query string (it may carry variables), and a byte
 * outside printable ASCII in it is written %XX (as a URI spells it); `request_id`
 * is the id the response carries (request_id.h); `cache` is the response
 * cache's answer ("off" until the cache reports one); `db_us` the time the
 * request waited on the database (0 when it sent no statement).
 */
#ifndef GQLD_ACCESS_LOG_H
#define GQLD_ACCESS_LOG_H

#include <h2o.h>
#include <stdbool.h>

/* Registers the logger on a path configuration; write_lines: the JSON lines (GQLD_ACCESS_LOG). */
void access_log_register(h2o_pathconf_t *pathconf, bool write_lines);

#endif
