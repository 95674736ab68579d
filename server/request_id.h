/*
 * request_id: every response carries `x-request-id`: the caller's own when it
 * sent a sane one (so a trace crosses API Gateway and gqld), else one made
 * here from the process start time, the thread and a counter: unique without a
 * random source or a lock on the hot path.
 */
#ifndef GQLD_REQUEST_ID_H
#define GQLD_REQUEST_ID_H

#include <h2o.h>
#include <stdint.h>

enum { REQUEST_ID_MAX = 64 };

/* Sets x-request-id on the response from the request's header or a new id. */
void request_id_assign(h2o_req_t *req, unsigned thread_index, uint64_t *counter);

/* The id the response carries, or a fresh one written into buf for responses h2o made alone. */
h2o_iovec_t request_id_of_response(h2o_req_t *req, char buf[REQUEST_ID_MAX + 1]);

#endif
