/*
 * request_id: every response carries `x-request-id`, and the access log line
 * the same id, so a request can be followed from API Gateway or a tracing
 * client into gqld's logs. Taken, first found first:
 *   1. `x-amzn-requestid` (API Gateway's request id), when sane;
 *   2. the trace id of a valid W3C `traceparent` (32 lowercase hex digits);
 *   3. the caller's own `x-request-id`, when sane;
 *   4. else one made here from the process start time, the thread and a
 *      counter: unique without a random source or a lock on the hot path.
 * "Sane": 1 to 64 of [A-Za-z0-9._-], so an id never needs escaping.
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
