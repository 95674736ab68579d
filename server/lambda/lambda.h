/*
 * lambda: the AWS Lambda front door (custom runtime, provided.al2023, gqld
 * installed as `bootstrap`). When AWS_LAMBDA_RUNTIME_API is set, `gqld serve`
 * takes its requests from the Runtime API instead of a TCP port: each API
 * Gateway event is translated into an HTTP/1.1 request and served by the very
 * same h2o pipeline (negotiation, CORS, auth, cache, logs) through a
 * socketpair, and the HTTP response is translated back (lambda_event.h).
 * _HANDLER=authorizer runs the API Gateway Lambda authorizer instead.
 */
#ifndef GQLD_LAMBDA_H
#define GQLD_LAMBDA_H

#include <stdbool.h>

#include "server/config.h"
#include "resolvers/engine.h"

/* True when AWS_LAMBDA_RUNTIME_API is set (gqld runs inside Lambda or its emulator). */
bool lambda_runtime_active(void);

/* True when _HANDLER names the authorizer handler ("authorizer"). */
bool lambda_handler_is_authorizer(void);

/* Under Lambda, reports a start-up failure to /runtime/init/error; otherwise does nothing. */
void lambda_init_error(const char *error_type, const char *message);

/* Serves Runtime API events through the h2o pipeline until stopped; returns the exit status. */
int lambda_serve(const gqld_config *cfg, const rs_engine *engine);

/* Answers authorizer events until stopped; returns the exit status. */
int lambda_authorizer_run(const gqld_config *cfg);

#endif
