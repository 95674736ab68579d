/*
 * request_facts: what a handler learned about a request (database time and
 * errors, the response cache's answer) kept with the request until it is
 * logged, for the access log and metrics, which run when h2o disposes of it.
 *
 * h2o 2.2 has no per-request slot for a handler's data, so the record lives
 * in the request's pool and is found through the request's `env` vector
 * (used by h2o only for its FastCGI/CGI/mruby handlers, which gqld does not
 * have) under a name of our own.
 */
#ifndef GQLD_REQUEST_FACTS_H
#define GQLD_REQUEST_FACTS_H

#include <h2o.h>

#include "resolvers/engine.h"

/* The request's record, created (zeroed) on first use; NULL when out of memory. */
rs_facts *request_facts_of(h2o_req_t *req);

/* The request's record if a handler made one, else NULL. */
const rs_facts *request_facts_find(h2o_req_t *req);

#endif
