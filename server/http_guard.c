#include "server/http_guard.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/*
 * picohttpparser, as libh2o carries and exports it (h2o installs no header for
 * it): the parser h2o read the request with, so a second reading sees the
 * same fields.
 */
struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, struct phr_header *headers, size_t *num_headers,
                      size_t last_len);

static const char OBS_FOLD[] = "a header field is folded over lines (obs-fold)";

static bool name_is(const struct phr_header *h, const char *name, size_t len)
{
    return h->name_len == len && strncasecmp(h->name, name, len) == 0;
}

int http_framing_check(const char *head, size_t len, const char **problem)
{
    *problem = NULL;
    struct phr_header headers[H2O_MAX_HEADERS];
    size_t nheaders = H2O_MAX_HEADERS, method_len, path_len;
    const char *method, *path;
    int minor;
    if (len > H2O_MAX_REQLEN)
        len = H2O_MAX_REQLEN; /* as much as h2o reads */
    if (phr_parse_request(head, len, &method, &method_len, &path, &path_len, &minor, headers, &nheaders, 0) <
        0)
        return -1;
    const struct phr_header *length = NULL, *coding = NULL;
    for (size_t i = 0; i < nheaders; i++) {
        const struct phr_header *h = &headers[i];
        if (h->name_len == 0) {
            *problem = OBS_FOLD; /* a reader may join it to the field above, or read a field of its own */
            return 0;
        }
        if (name_is(h, H2O_STRLIT("transfer-encoding"))) {
            if (coding != NULL) {
                *problem = "Transfer-Encoding appears twice"; /* h2o reads the last, others the list */
                return 0;
            }
            coding = h;
        } else if (name_is(h, H2O_STRLIT("content-length"))) {
            if (length != NULL && !h2o_memis(length->value, length->value_len, h->value, h->value_len)) {
                *problem = "Content-Length appears twice with different values"; /* h2o reads the first */
                return 0;
            }
            length = h;
        }
    }
    if (coding != NULL && length != NULL)
        *problem = "the request has both Content-Length and Transfer-Encoding"; /* h2o reads it chunked */
    else if (coding != NULL && minor == 0)
        *problem = "Transfer-Encoding in an HTTP/1.0 request"; /* RFC 9112 6.1: faulty framing */
    return 0;
}

bool http_path_is_plain(const h2o_req_t *req)
{
    size_t raw = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    return h2o_memis(req->path.base, raw, req->path_normalized.base, req->path_normalized.len);
}

/* Why the request's framing has more than one reading; NULL when it has one (or is not HTTP/1.x). */
static const char *framing_problem(h2o_req_t *req)
{
    /* h2o keeps a folded line as a field without a name. */
    for (size_t i = 0; i < req->headers.size; i++)
        if (req->headers.entries[i].name->len == 0)
            return OBS_FOLD;
    /* Without Content-Length and Transfer-Encoding h2o leaves the entity unset: there is nothing to read
     * twice. */
    if (req->version >= 0x200 || req->entity.base == NULL || req->conn->callbacks->get_socket == NULL)
        return NULL;
    h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
    if (sock == NULL || sock->input == NULL)
        return NULL;
    /* The head is still at the start of the input buffer: h2o consumes a request once it has answered it. */
    const char *problem;
    if (http_framing_check(sock->input->bytes, sock->input->size, &problem) != 0)
        return NULL; /* not an HTTP/1.x head: h2o's own framing (an upgraded connection) */
    return problem;
}

static void refuse(h2o_req_t *req, const char *why)
{
    char body[256];
    int len =
        snprintf(body, sizeof(body), "{\"error\":\"%s\"}", why); /* our own phrases: nothing to escape */
    req->res.status = 400;
    req->res.reason = "Bad Request";
    req->res.content_length = (size_t)len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    h2o_send_inline(req, body, (size_t)len);
}

bool http_guard_refused(h2o_req_t *req)
{
    const char *framing = framing_problem(req);
    if (framing != NULL) {
        char why[160];
        snprintf(why, sizeof(why), "ambiguous request framing: %s", framing);
        req->http1_is_persistent = 0; /* Connection: close, and nothing after this request is read */
        refuse(req, why);
        return true;
    }
    if (!http_path_is_plain(req)) {
        refuse(req, "the path must be written plainly: no path here has percent-encoding or dot-segments");
        return true;
    }
    return false;
}
