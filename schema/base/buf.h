/*
 * gql_buf: a growable byte buffer for response bodies and log lines, with the
 * JSON string escaping every writer shares (RFC 8259: quote, backslash and
 * control characters escaped; everything else, UTF-8 included, passed through).
 *
 * Allocation failure is sticky: appends become no-ops and `failed` is set, so
 * writers check once at the end instead of after every append.
 */
#ifndef GQL_BUF_H
#define GQL_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct gql_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} gql_buf;

void gql_buf_init(gql_buf *b);
void gql_buf_free(gql_buf *b);
void gql_buf_append(gql_buf *b, const char *s, size_t len);
void gql_buf_puts(gql_buf *b, const char *s);
void gql_buf_putc(gql_buf *b, char c);
void gql_buf_printf(gql_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Decimal digits of n: what "%llu" prints, without printf's cost on paths that run per request. */
void gql_buf_put_uint(gql_buf *b, unsigned long long n);
/* Writes the decimal digits of n to out (room for 21 bytes, NUL-terminated); returns their count. */
size_t gql_format_uint(unsigned long long n, char out[21]);
/* Appends s[0..len) as a quoted JSON string. */
void gql_buf_json_string(gql_buf *b, const char *s, size_t len);

#endif
