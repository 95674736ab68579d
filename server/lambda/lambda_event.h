/*
 * lambda_event: the translation a front door does, and nothing else. An API
 * Gateway proxy event (REST API or HTTP API payload 1.0, HTTP API payload 2.0)
 * becomes an HTTP/1.1 request for gqld's own pipeline; the pipeline's HTTP
 * response becomes the event's response object. Pure functions on bytes, so
 * they are tested and fuzzed without Lambda.
 *
 * Trust: headers that carry the authorizer's verdict (X-Gqld-Authorizer,
 * X-Authorizer-*) are always removed from the client's headers; the
 * authorizer object API Gateway put in requestContext.authorizer is passed as
 * X-Gqld-Authorizer (compact JSON) for AUTH_MODE=gateway to read.
 */
#ifndef GQLD_LAMBDA_EVENT_H
#define GQLD_LAMBDA_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "schema/base/buf.h"
#include "server/http1_reader.h"

typedef enum lambda_event_format {
    LAMBDA_EVENT_V1, /* REST API proxy, or HTTP API payload 1.0 */
    LAMBDA_EVENT_V2, /* HTTP API payload 2.0 */
} lambda_event_format;

typedef struct lambda_request {
    lambda_event_format format;
    bool head; /* a HEAD request: its response has no body */
} lambda_request;

/*
 * Appends to out the HTTP/1.1 request (with Connection: close) the event
 * describes. Returns 0, or -1 with a message in err when the event is not an
 * API Gateway proxy event or carries something HTTP cannot (a line break in a
 * header, an invalid method, bad base64).
 */
int lambda_event_to_request(const char *event, size_t len, lambda_request *req, base_buf *out, char *err,
                            size_t errlen);

/*
 * Appends to out the response object for format: payload 1.0 {statusCode,
 * headers, multiValueHeaders, body, isBase64Encoded}, payload 2.0 {statusCode,
 * headers, cookies, body, isBase64Encoded}. The body is base64 when it is
 * content-encoded or not UTF-8. Returns 0, or -1 when out of memory.
 */
int lambda_event_response(lambda_event_format format, const http1_response *res, base_buf *out);

#endif
