/*
 * libFuzzer target: the HTTP/1.1 framing rule (server/http_guard.c) on any
 * bytes taken as a request head. The promise checked: whenever the rule lets
 * a head through and h2o can read its body's length (the last
 * Transfer-Encoding, else the first Content-Length, as lib/http1.c of h2o
 * 2.2 does), every other reader of the same bytes that reads a length at all
 * reads the same one. The other readers are a plain line-by-line reading,
 * independent of picohttpparser: the first or the last Content-Length, with
 * Transfer-Encoding over Content-Length or the other way round, a folded line
 * joined to the field above or read as a field of its own, and Transfer-
 * Encoding ignored in HTTP/1.0. A reader that finds no length refuses the
 * request: that is no disagreement.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/http_guard.h"

struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, struct phr_header *headers, size_t *num_headers,
                      size_t last_len);

typedef enum { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_REFUSED } body_kind;
typedef struct framing {
    body_kind kind;
    unsigned long long length;
} framing;

static bool same(framing a, framing b)
{
    return a.kind == b.kind && (a.kind != BODY_LENGTH || a.length == b.length);
}

/* 1*DIGIT with blanks around it trimmed; false when it is not one (or too long to be one). */
static bool digits(const char *s, size_t len, unsigned long long *out)
{
    while (len > 0 && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len > 18)
        return false;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* Whether a Transfer-Encoding list ends in chunked (RFC 9112 6.3: then the body is chunked). */
static bool ends_chunked(const char *s, size_t len)
{
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    size_t start = len;
    while (start > 0 && s[start - 1] != ',' && s[start - 1] != ' ' && s[start - 1] != '\t')
        start--;
    return len - start == 7 && strncasecmp(s + start, "chunked", 7) == 0;
}

/* h2o 2.2's reading, from the fields its parser found. */
static framing h2o_reading(const struct phr_header *h, size_t n)
{
    const struct phr_header *entity = NULL;
    for (size_t i = 0; i < n; i++) {
        if (h[i].name_len == 17 && strncasecmp(h[i].name, "transfer-encoding", 17) == 0)
            entity = &h[i];
        else if (h[i].name_len == 14 && strncasecmp(h[i].name, "content-length", 14) == 0 && entity == NULL)
            entity = &h[i];
    }
    framing f = {BODY_NONE, 0};
    if (entity == NULL)
        return f;
    if (entity->name_len == 17) {
        f.kind = entity->value_len == 7 && strncasecmp(entity->value, "chunked", 7) == 0 ? BODY_CHUNKED
                                                                                         : BODY_REFUSED;
        return f;
    }
    f.kind = digits(entity->value, entity->value_len, &f.length) && entity->value[0] >= '0' &&
                     entity->value[entity->value_len - 1] <= '9'
                 ? BODY_LENGTH
                 : BODY_REFUSED;
    return f;
}

/* A field as the plain reader sees it. */
typedef struct field {
    const char *name, *value;
    size_t name_len, value_len;
    char joined[512]; /* the value with folded lines joined, when it fits */
} field;

enum { MAX_FIELDS = 128 };

/*
 * The plain reader's fields: lines split at LF (a CR before it dropped), the
 * request line first, a line that starts with a blank folded (join: onto the
 * value above; else a field of its own, blanks trimmed). Returns the count;
 * *http10 when the request line ends in HTTP/1.0.
 */
static size_t plain_fields(const char *head, size_t len, bool join, field *out, bool *http10)
{
    size_t n = 0, pos = 0, line = 0;
    *http10 = false;
    while (pos < len) {
        const char *nl = memchr(head + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - head) : len, stop = end;
        if (stop > pos && head[stop - 1] == '\r')
            stop--;
        const char *s = head + pos;
        size_t l = stop - pos;
        pos = end + 1;
        if (line++ == 0) {
            if (l == 0) {
                line = 0; /* empty lines before the request line */
                continue;
            }
            *http10 = l >= 8 && memcmp(s + l - 8, "HTTP/1.0", 8) == 0;
            continue;
        }
        if (l == 0)
            break;
        bool folded = s[0] == ' ' || s[0] == '\t';
        if (folded && join && n > 0) {
            field *f = &out[n - 1];
            size_t have = f->value_len;
            if (have + 1 + l < sizeof(f->joined)) {
                if (f->value != f->joined) {
                    memcpy(f->joined, f->value, have);
                    f->value = f->joined;
                }
                f->joined[have] = ' ';
                memcpy(f->joined + have + 1, s, l);
                f->value_len = have + 1 + l;
            }
            continue;
        }
        while (l > 0 && (*s == ' ' || *s == '\t'))
            s++, l--;
        const char *colon = memchr(s, ':', l);
        if (colon == NULL || n == MAX_FIELDS)
            continue;
        field *f = &out[n++];
        f->name = s;
        f->name_len = (size_t)(colon - s);
        while (f->name_len > 0 && (s[f->name_len - 1] == ' ' || s[f->name_len - 1] == '\t'))
            f->name_len--;
        f->value = colon + 1;
        f->value_len = (size_t)(s + l - (colon + 1));
    }
    return n;
}

/* One of the plain readings: the first or last Content-Length; Transfer-Encoding first or last in rank. */
static framing plain_reading(const field *f, size_t n, bool http10, bool last_length, bool te_first,
                             bool te_ignored_in_10)
{
    const field *length = NULL;
    bool coding = false, chunked = false;
    char list[1024];
    size_t list_len = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i].name_len == 14 && strncasecmp(f[i].name, "content-length", 14) == 0) {
            if (length == NULL || last_length)
                length = &f[i];
        } else if (f[i].name_len == 17 && strncasecmp(f[i].name, "transfer-encoding", 17) == 0) {
            coding = true; /* several fields are one list (RFC 9110 5.3) */
            if (list_len + f[i].value_len + 1 < sizeof(list)) {
                list[list_len++] = ',';
                memcpy(list + list_len, f[i].value, f[i].value_len);
                list_len += f[i].value_len;
            }
        }
    }
    if (coding && http10 && te_ignored_in_10)
        coding = false;
    if (coding)
        chunked = ends_chunked(list, list_len);
    framing r = {BODY_NONE, 0};
    if (coding && (te_first || length == NULL)) {
        r.kind = chunked ? BODY_CHUNKED : BODY_REFUSED;
        return r;
    }
    if (length != NULL) {
        r.kind = digits(length->value, length->value_len, &r.length) ? BODY_LENGTH : BODY_REFUSED;
        return r;
    }
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *head = (const char *)data, *problem;
    if (http_framing_check(head, size, &problem) != 0 || problem != NULL)
        return 0; /* h2o refuses it, or the rule does */
    struct phr_header h[H2O_MAX_HEADERS];
    size_t nh = H2O_MAX_HEADERS, method_len, path_len;
    const char *method, *path;
    int minor;
    int consumed = phr_parse_request(head, size, &method, &method_len, &path, &path_len, &minor, h, &nh, 0);
    if (consumed < 0)
        abort(); /* the rule read it: so must the parser */
    framing ours = h2o_reading(h, nh);
    if (ours.kind == BODY_REFUSED)
        return 0; /* h2o answers 400 itself */
    static field fields[MAX_FIELDS];
    for (int join = 0; join <= 1; join++) {
        bool http10;
        size_t n = plain_fields(head, (size_t)consumed, join, fields, &http10);
        for (int variant = 0; variant < 8; variant++) {
            framing theirs = plain_reading(fields, n, http10, variant & 1, variant & 2, variant & 4);
            if (theirs.kind != BODY_REFUSED && !same(ours, theirs))
                abort(); /* the rule let through a head whose body another reader frames otherwise */
        }
    }
    return 0;
}
