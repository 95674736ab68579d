/*
 * http_guard: what every request passes before it is routed.
 *
 * Framing (RFC 9112 6.1, 6.3). h2o 2.2 reads an HTTP/1.x body by the last
 * Transfer-Encoding, else by the first Content-Length, and keeps neither in
 * req->headers. A proxy in front may frame the same bytes another way (the
 * other Content-Length, or Content-Length over Transfer-Encoding), and what it
 * took for the body h2o would serve as a second request: request smuggling.
 * So the head of a request with a body is read again, by h2o's own parser
 * (picohttpparser, in libh2o), and a request whose body length has more than
 * one reading is answered 400 with `Connection: close`: the bytes behind it
 * are never read as a request.
 *
 * Path. h2o routes on the path it normalized (percent-decoded, dot-segments
 * resolved): "/graphql%2f..%2fmetrics" would be "/metrics", behind a proxy
 * rule that forwards only "/graphql*". A path is served only when its raw form
 * already is its normal form (gqld has no path that needs percent-encoding or
 * a dot-segment); any other gets 400.
 */
#ifndef GQLD_HTTP_GUARD_H
#define GQLD_HTTP_GUARD_H

#include <h2o.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * The framing rule over the head of an HTTP/1.x request (request line and
 * header fields up to the empty line; bytes after it are ignored), read as
 * h2o reads it. Returns -1 when h2o's parser does not take it as a complete
 * head (h2o refuses such a request itself); else 0, with *problem NULL when
 * the body's length has exactly one reading, or a phrase saying why not:
 * Content-Length and Transfer-Encoding together, Content-Length twice with
 * different values, Transfer-Encoding twice or in HTTP/1.0, a field folded
 * over lines (obs-fold).
 */
int http_framing_check(const char *head, size_t len, const char **problem);

/* True when the raw path (before any '?') is its own normal form: no percent-encoding, no dot-segment. */
bool http_path_is_plain(const h2o_req_t *req);

/*
 * Applies both rules to a request: true when it was refused (answered 400;
 * for a framing problem, with the connection closed after the answer).
 */
bool http_guard_refused(h2o_req_t *req);

#endif
