/*
 * http_server: the h2o front door. Binds the listener, starts GQLD_THREADS
 * workers (one event loop and h2o context each, all accepting on the same
 * socket), routes requests, and on SIGTERM/SIGINT stops accepting, lets
 * in-flight requests finish within the drain timeout, and returns.
 */
#ifndef GQLD_HTTP_SERVER_H
#define GQLD_HTTP_SERVER_H

#include "server/config.h"
#include "resolvers/engine.h"

/* Serves until a stop signal; returns the process exit status. */
int http_server_run(const gqld_config *cfg, const rs_engine *engine);

/*
 * A front door other than the TCP listener (the Lambda runtime loop). The
 * server starts one worker that listens on nothing, then calls run() on a
 * thread of its own; run() hands the worker connections (one end of a
 * socketpair each) with http_server_inject, so every request takes the same
 * pipeline as one from TCP. When run() returns, or on SIGTERM/SIGINT (which
 * calls stop(), and must make run() return soon), the worker drains and the
 * server returns run()'s status.
 */
typedef struct server http_server;
typedef struct http_door {
    int (*run)(struct http_door *door, http_server *srv);
    void (*stop)(struct http_door *door);
} http_door;
int http_server_run_door(const gqld_config *cfg, const rs_engine *engine, http_door *door);

/* Any thread: gives fd to the worker as an accepted connection (it owns fd from now on). 0 or -1. */
int http_server_inject(http_server *srv, int fd);

#endif
