/*
 * http_server: the h2o front door. Binds the listener, starts GQLD_THREADS
 * workers (one event loop and h2o context each, all accepting on the same
 * socket), routes requests, and on SIGTERM/SIGINT stops accepting, lets
 * in-flight requests finish within the drain timeout, and returns.
 */
#ifndef GQLD_HTTP_SERVER_H
#define GQLD_HTTP_SERVER_H

#include "config.h"
#include "executor.h"

/* Serves until a stop signal; returns the process exit status. */
int http_server_run(const gqld_config *cfg, const rs_engine *engine);

#endif
