/*
 * access_log: one JSON line per request on stdout, written when h2o finishes
 * the response, so responses h2o makes itself (413, 400 on bad framing) are
 * logged too: {"time","method","path","status","duration_us","request_id"}.
 * The path is logged without its query string (it may carry variables).
 */
#ifndef GQLD_ACCESS_LOG_H
#define GQLD_ACCESS_LOG_H

#include <h2o.h>

/* Registers the logger on a path configuration. */
void access_log_register(h2o_pathconf_t *pathconf);

#endif
