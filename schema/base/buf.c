#include "schema/base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void base_buf_init(base_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void base_buf_free(base_buf *b)
{
    free(b->data);
    base_buf_init(b);
}

static bool reserve(base_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (b->cap - b->len > extra)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= extra) {
        if (cap > ((size_t)-1) / 2) {
            b->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void base_buf_append(base_buf *b, const char *s, size_t len)
{
    if (!reserve(b, len))
        return;
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void base_buf_puts(base_buf *b, const char *s)
{
    base_buf_append(b, s, strlen(s));
}

void base_buf_putc(base_buf *b, char c)
{
    base_buf_append(b, &c, 1);
}

/* Formats once into the room there is; only text that does not fit is formatted again, after growing. */
void base_buf_printf(base_buf *b, const char *fmt, ...)
{
    if (!reserve(b, 64))
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        if (!reserve(b, (size_t)n + 1)) {
            b->data[b->len] = '\0';
            return;
        }
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/*
 * The length of the well-formed UTF-8 sequence (RFC 3629: no overlong form, no
 * surrogate, nothing past U+10FFFF) that starts s[0..len), a byte of 0x80 or
 * more; 0 when there is none.
 */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || n > len)
        return 0;
    /* The second byte's range narrows after E0 (overlong), ED (surrogates), F0 (overlong) and F4 (>
     * U+10FFFF). */
    unsigned char lo = c == 0xE0   ? 0xA0
                       : c == 0xF0 ? 0x90
                                   : 0x80,
                  hi = c == 0xED   ? 0x9F
                       : c == 0xF4 ? 0x8F
                                   : 0xBF;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < n; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return n;
}

void base_buf_json_string(base_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    /* Worst case every byte becomes \u00XX (or \ufffd): reserve once, then write in place. */
    if (len > ((size_t)-1) / 6 - 4 || !reserve(b, len * 6 + 2))
        return;
    char *out = b->data + b->len;
    *out++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t n = utf8_sequence((const unsigned char *)s + i, len - i);
            if (n == 0) { /* not UTF-8: the replacement character, so the output always is */
                static const char replacement[] = {'\\', 'u', 'f', 'f', 'f', 'd'};
                memcpy(out, replacement, sizeof(replacement));
                out += sizeof(replacement);
                continue;
            }
            memcpy(out, s + i, n);
            out += n;
            i += n - 1;
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') {
            *out++ = (char)c;
            continue;
        }
        *out++ = '\\';
        switch (c) {
        case '"':
            *out++ = '"';
            break;
        case '\\':
            *out++ = '\\';
            break;
        case '\n':
            *out++ = 'n';
            break;
        case '\r':
            *out++ = 'r';
            break;
        case '\t':
            *out++ = 't';
            break;
        case '\b':
            *out++ = 'b';
            break;
        case '\f':
            *out++ = 'f';
            break;
        default:
            *out++ = 'u';
            *out++ = '0';
            *out++ = '0';
            *out++ = hex[c >> 4];
            *out++ = hex[c & 15];
        }
    }
    *out++ = '"';
    b->len = (size_t)(out - b->data);
    b->data[b->len] = '\0';
}

size_t gql_format_uint(unsigned long long n, char out[21])
{
    char digits[20];
    size_t len = 0;
    do {
        digits[len++] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    for (size_t i = 0; i < len; i++)
        out[i] = digits[len - 1 - i];
    out[len] = '\0';
    return len;
}

void base_buf_put_uint(base_buf *b, unsigned long long n)
{
    char text[21];
    base_buf_append(b, text, gql_format_uint(n, text));
}
