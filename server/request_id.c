#include "server/request_id.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* Not one of h2o's predefined tokens, so looked up by name. */
#define ID_HEADER H2O_STRLIT("x-request-id")

static bool sane(h2o_iovec_t v)
{
    if (v.len == 0 || v.len > REQUEST_ID_MAX)
        return false;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.base[i];
        /* '=': API Gateway HTTP API request ids end in base64 padding ("JKJaXmPLvHcESHA="). */
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_' || c == '.' || c == '='))
            return false;
    }
    return true;
}

static size_t make_id(char *buf, unsigned thread_index, uint64_t n)
{
    /* Seconds since the epoch at first use keep ids distinct across restarts. */
    static _Atomic uint32_t boot;
    uint32_t b = atomic_load_explicit(&boot, memory_order_relaxed);
    if (b == 0) {
        uint32_t now = (uint32_t)time(NULL);
        atomic_compare_exchange_strong(&boot, &b, now);
        b = atomic_load(&boot);
    }
    /* "%08x-%02x-%010llx" (boot, thread, counter), without printf: one per request. */
    static const char hex[] = "0123456789abcdef";
    char *p = buf;
    for (int shift = 28; shift >= 0; shift -= 4)
        *p++ = hex[(b >> shift) & 15];
    *p++ = '-';
    *p++ = hex[(thread_index >> 4) & 15];
    *p++ = hex[thread_index & 15];
    *p++ = '-';
    int digits = 10;
    while (digits < 16 && (n >> (4 * digits)) != 0)
        digits++;
    for (int d = digits - 1; d >= 0; d--)
        *p++ = hex[(n >> (4 * d)) & 15];
    *p = '\0';
    return (size_t)(p - buf);
}

static bool lower_hex(const char *s, size_t n, bool *all_zero)
{
    *all_zero = true;
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
        *all_zero &= s[i] == '0';
    }
    return true;
}

/*
 * The trace id of a W3C Trace Context `traceparent`:
 * version "-" trace-id "-" parent-id "-" flags, 2, 32, 16 and 2 lowercase hex
 * digits. Version ff is invalid, and so are all-zero ids; version 00 is exactly
 * 55 characters, a later version may append "-" and more (read as 00).
 */
static bool traceparent_trace_id(h2o_iovec_t v, h2o_iovec_t *trace_id)
{
    const char *s = v.base;
    bool zero;
    if (v.len < 55 || s[2] != '-' || s[35] != '-' || s[52] != '-' || !lower_hex(s, 2, &zero) ||
        (s[0] == 'f' && s[1] == 'f') || (s[0] == '0' && s[1] == '0' && v.len != 55) ||
        (v.len > 55 && s[55] != '-') || !lower_hex(s + 53, 2, &zero))
        return false;
    if (!lower_hex(s + 3, 32, &zero) || zero || !lower_hex(s + 36, 16, &zero) || zero)
        return false;
    *trace_id = h2o_iovec_init(s + 3, 32);
    return true;
}

/* The caller's id, by the order in request_id.h; false when none is usable. */
static bool caller_id(h2o_req_t *req, h2o_iovec_t *id)
{
    ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-amzn-requestid"), -1);
    if (at >= 0 && sane(req->headers.entries[at].value))
        return *id = req->headers.entries[at].value, true;
    at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("traceparent"), -1);
    if (at >= 0 && traceparent_trace_id(req->headers.entries[at].value, id))
        return true;
    at = h2o_find_header_by_str(&req->headers, ID_HEADER, -1);
    if (at >= 0 && sane(req->headers.entries[at].value))
        return *id = req->headers.entries[at].value, true;
    return false;
}

void request_id_assign(h2o_req_t *req, unsigned thread_index, uint64_t *counter)
{
    h2o_iovec_t v;
    if (caller_id(req, &v)) {
        h2o_add_header_by_str(&req->pool, &req->res.headers, ID_HEADER, 0, NULL, v.base, v.len);
        return;
    }
    char *buf = h2o_mem_alloc_pool(&req->pool, REQUEST_ID_MAX + 1);
    size_t len = make_id(buf, thread_index, ++*counter);
    h2o_add_header_by_str(&req->pool, &req->res.headers, ID_HEADER, 0, NULL, buf, len);
}

h2o_iovec_t request_id_of_response(h2o_req_t *req, char buf[REQUEST_ID_MAX + 1])
{
    ssize_t at = h2o_find_header_by_str(&req->res.headers, ID_HEADER, -1);
    if (at >= 0)
        return req->res.headers.entries[at].value;
    static _Atomic uint64_t orphan;
    size_t len = make_id(buf, 0xff, atomic_fetch_add(&orphan, 1) + 1);
    return h2o_iovec_init(buf, len);
}
