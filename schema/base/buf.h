/*
 * base_buf: a growable byte buffer for response bodies and log lines, with the
 * JSON string escaping every writer shares (RFC 8259: quote, backslash and
 * control characters escaped; well-formed UTF-8 passed through; a byte that
 * is not part of one written as \ufffd, so that what is written is always
 * valid UTF-8, whatever a caller sent).
 *
 * Allocation failure is sticky: appends become no-ops and `failed` is set, so
 * writers check once at the end instead of after every append.
 */
#ifndef BASE_BUF_H
#define BASE_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct base_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} base_buf;

void base_buf_init(base_buf *b);
void base_buf_free(base_buf *b);
void base_buf_append(base_buf *b, const char *s, size_t len);
void base_buf_puts(base_buf *b, const char *s);
void base_buf_putc(base_buf *b, char c);
void base_buf_printf(base_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Decimal digits of n: what "%llu" prints, without printf's cost on paths that run per request. */
void base_buf_put_uint(base_buf *b, unsigned long long n);
/* Writes the decimal digits of n to out (room for 21 bytes, NUL-terminated); returns their count. */
size_t gql_format_uint(unsigned long long n, char out[21]);
/* Appends s[0..len) as a quoted JSON string (valid UTF-8: each byte of an ill-formed sequence is U+FFFD). */
void base_buf_json_string(base_buf *b, const char *s, size_t len);

#endif
