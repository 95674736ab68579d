#include "server/http1_reader.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum { MAX_HEADERS = 100 };

int lambda_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads more bytes into b; returns bytes read, 0 at EOF, -1 on error or timeout. */
static ssize_t fill(int fd, base_buf *b, size_t max_bytes)
{
    char chunk[16384];
    size_t room = max_bytes - b->len + 1; /* one byte over the limit proves it is over */
    ssize_t n;
    do
        n = read(fd, chunk, room < sizeof(chunk) ? room : sizeof(chunk));
    while (n < 0 && errno == EINTR);
    if (n > 0)
        base_buf_append(b, chunk, (size_t)n);
    return b->failed ? -1 : n;
}

static int parse_head(char *head, http1_response *out, char *err, size_t errlen)
{
    char *line = head, *eol = strstr(line, "\r\n");
    if (eol == NULL || strncmp(line, "HTTP/1.", 7) != 0 || eol - line < 12 || line[8] != ' ') {
        snprintf(err, errlen, "malformed HTTP status line");
        return -1;
    }
    *eol = '\0';
    char *end;
    long status = strtol(line + 9, &end, 10);
    if (end != line + 12 || status < 100 || status > 999) {
        snprintf(err, errlen, "malformed HTTP status code");
        return -1;
    }
    out->status = (int)status;
    out->headers = calloc(MAX_HEADERS, sizeof(*out->headers));
    if (out->headers == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (line = eol + 2; *line != '\0'; line = eol + 2) {
        eol = strstr(line, "\r\n");
        char *colon = strchr(line, ':');
        if (eol == NULL || colon == NULL || colon > eol || colon == line || out->nheaders == MAX_HEADERS) {
            snprintf(err, errlen, "malformed or too many HTTP header lines");
            return -1;
        }
        *eol = '\0';
        *colon = '\0';
        for (char *p = line; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        for (char *t = eol; t > value && (t[-1] == ' ' || t[-1] == '\t');)
            *--t = '\0';
        out->headers[out->nheaders++] = (http1_header){line, value};
    }
    return 0;
}

/* Decodes a chunked body in place; returns its length, or -1 when malformed or incomplete. */
static ssize_t dechunk(char *data, size_t len, int *complete)
{
    size_t in = 0, out = 0;
    *complete = 0;
    for (;;) {
        char *eol = memmem(data + in, len - in, "\r\n", 2);
        if (eol == NULL)
            return (ssize_t)out;
        char *end;
        unsigned long size = strtoul(data + in, &end, 16);
        if (end == data + in || (end != eol && *end != ';'))
            return -1;
        size_t at = (size_t)(eol - data) + 2;
        if (size == 0) {
            *complete = 1;
            return (ssize_t)out;
        }
        if (size > len || at + size + 2 > len)
            return (ssize_t)out;
        memmove(data + out, data + at, size);
        out += size;
        in = at + size + 2;
    }
}

int http1_read_response(int fd, int head_request, size_t max_bytes, http1_response *out, char *err,
                        size_t errlen)
{
    memset(out, 0, sizeof(*out));
    base_buf b;
    base_buf_init(&b);
    char *sep = NULL;
    while (sep == NULL) {
        ssize_t n = fill(fd, &b, max_bytes);
        if (n <= 0 || b.len > max_bytes) {
            snprintf(err, errlen,
                     n == 0  ? "connection closed before the response headers"
                     : n < 0 ? "reading the response: %s"
                             : "response headers too large",
                     strerror(errno));
            base_buf_free(&b);
            return -1;
        }
        sep = memmem(b.data, b.len, "\r\n\r\n", 4);
    }
    size_t head_len = (size_t)(sep - b.data) + 2;
    out->head = malloc(head_len + 1);
    if (out->head == NULL) {
        snprintf(err, errlen, "out of memory");
        base_buf_free(&b);
        return -1;
    }
    memcpy(out->head, b.data, head_len);
    out->head[head_len] = '\0';
    if (parse_head(out->head, out, err, errlen) != 0) {
        base_buf_free(&b);
        http1_response_free(out);
        return -1;
    }
    /* The body starts after the blank line: slide it to the front of the buffer. */
    size_t body_at = head_len + 2;
    memmove(b.data, b.data + body_at, b.len - body_at);
    b.len -= body_at;

    const char *te = http1_response_header(out, "transfer-encoding");
    const char *cl = http1_response_header(out, "content-length");
    int no_body = head_request || out->status == 204 || out->status == 304 || out->status < 200;
    int chunked = !no_body && te != NULL && strcasecmp(te, "chunked") == 0;
    size_t want = SIZE_MAX;
    if (no_body)
        want = 0;
    else if (!chunked && cl != NULL) {
        char *end;
        unsigned long long v = strtoull(cl, &end, 10);
        if (*cl == '\0' || *end != '\0' || v > max_bytes) {
            snprintf(err, errlen, "bad or too large Content-Length");
            base_buf_free(&b);
            http1_response_free(out);
            return -1;
        }
        want = (size_t)v;
    }
    for (;;) {
        if (want != SIZE_MAX && b.len >= want) {
            b.len = want;
            break;
        }
        /* A chunked body ends with the last chunk; the peer may keep the connection open after it. */
        int chunked_end = chunked && b.len >= 5 && memcmp(b.data + b.len - 5, "0\r\n\r\n", 5) == 0;
        ssize_t n = chunked_end ? 0 : fill(fd, &b, max_bytes);
        if (n == 0 && chunked) {
            int complete = 0;
            ssize_t len = b.len > 0 ? dechunk(b.data, b.len, &complete) : -1;
            if (len < 0 || !complete) {
                snprintf(err, errlen, "malformed or truncated chunked body");
                base_buf_free(&b);
                http1_response_free(out);
                return -1;
            }
            b.len = (size_t)len;
            break;
        }
        if (n == 0 && want == SIZE_MAX)
            break; /* delimited by the end of the connection */
        if (n <= 0 || b.len > max_bytes) {
            snprintf(err, errlen,
                     n == 0  ? "connection closed in the middle of the body"
                     : n < 0 ? "reading the body: %s"
                             : "response body too large",
                     strerror(errno));
            base_buf_free(&b);
            http1_response_free(out);
            return -1;
        }
    }
    base_buf_putc(&b, '\0');
    if (b.failed) {
        snprintf(err, errlen, "out of memory");
        base_buf_free(&b);
        http1_response_free(out);
        return -1;
    }
    out->body = b.data;
    out->body_len = b.len - 1;
    return 0;
}

void http1_response_free(http1_response *r)
{
    free(r->headers);
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

const char *http1_response_header(const http1_response *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}
