/*
 * http1_reader: the blocking client side of one HTTP/1.1 exchange, for the
 * peers gqld talks to over a plain socket: the Lambda Runtime API (TCP),
 * gqld's own worker (a socketpair, under the Lambda front door) and the
 * container health check. Reads one response: status line, headers, then
 * the body by Content-Length, chunked coding, or until EOF.
 * It never touches h2o: this runs on the front door's own thread.
 */
#ifndef GQLD_HTTP1_READER_H
#define GQLD_HTTP1_READER_H

#include <stddef.h>

#include "schema/base/buf.h"

typedef struct http1_header {
    const char *name; /* lower-cased */
    const char *value;
} http1_header;

typedef struct http1_response {
    int status;
    http1_header *headers;
    size_t nheaders;
    char *body; /* NUL-terminated after body_len bytes */
    size_t body_len;
    char *head; /* owns the header strings */
} http1_response;

/*
 * Reads one response from fd (blocking; a receive timeout set on fd bounds it).
 * head_request: the request was HEAD, so there is no body. Refuses a response
 * larger than max_bytes. Returns 0, or -1 with a message in err.
 */
int http1_read_response(int fd, int head_request, size_t max_bytes, http1_response *out, char *err,
                        size_t errlen);
void http1_response_free(http1_response *r);

/* The first value of the header named name (lower case), or NULL. */
const char *http1_response_header(const http1_response *r, const char *name);

/* Writes all of buf to fd (blocking); 0 or -1 with errno. */
int lambda_write_all(int fd, const char *buf, size_t len);

#endif
