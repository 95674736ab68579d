/*
 * lambda_http1: a blocking HTTP/1.1 client side of one exchange, for the two
 * peers the Lambda front door talks to over a plain socket: the Runtime API
 * (TCP) and gqld's own worker (a socketpair). Reads one response: status line,
 * headers, then the body by Content-Length, chunked coding, or until EOF.
 * It never touches h2o: this runs on the front door's own thread.
 */
#ifndef GQLD_LAMBDA_HTTP1_H
#define GQLD_LAMBDA_HTTP1_H

#include <stddef.h>

#include "schema/base/buf.h"

typedef struct lambda_http_header {
    const char *name; /* lower-cased */
    const char *value;
} lambda_http_header;

typedef struct lambda_http_response {
    int status;
    lambda_http_header *headers;
    size_t nheaders;
    char *body; /* NUL-terminated after body_len bytes */
    size_t body_len;
    char *head; /* owns the header strings */
} lambda_http_response;

/*
 * Reads one response from fd (blocking; a receive timeout set on fd bounds it).
 * head_request: the request was HEAD, so there is no body. Refuses a response
 * larger than max_bytes. Returns 0, or -1 with a message in err.
 */
int lambda_http1_read(int fd, int head_request, size_t max_bytes, lambda_http_response *out, char *err,
                      size_t errlen);
void lambda_http1_free(lambda_http_response *r);

/* The first value of the header named name (lower case), or NULL. */
const char *lambda_http1_header(const lambda_http_response *r, const char *name);

/* Writes all of buf to fd (blocking); 0 or -1 with errno. */
int lambda_write_all(int fd, const char *buf, size_t len);

#endif
