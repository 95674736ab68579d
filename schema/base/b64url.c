#include "schema/base/b64url.h"

#include <stdbool.h>

/* A character's value: the URL-safe alphabet, and with `any` the standard one's '+' and '/' too. */
static int sextet(unsigned char c, bool any)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-' || (any && c == '+'))
        return 62;
    if (c == '_' || (any && c == '/'))
        return 63;
    return -1;
}

/* The one decoding loop: strict (one spelling per byte string) or lenient (either alphabet, padding). */
static ssize_t decode(const char *in, size_t len, unsigned char *out, bool lenient)
{
    if (lenient)
        while (len > 0 && in[len - 1] == '=')
            len--; /* padding, at the end only: an '=' anywhere else is no sextet */
    if (len % 4 == 1)
        return -1; /* one character holds 6 bits: never a whole byte */
    size_t o = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = sextet((unsigned char)in[i], lenient);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0 && !lenient)
        return -1; /* leftover bits set: a second spelling of the same bytes */
    return (ssize_t)o;
}

ssize_t b64url_decode(const char *in, size_t len, unsigned char *out)
{
    return decode(in, len, out, false);
}

ssize_t base64_decode_lenient(const char *in, size_t len, unsigned char *out)
{
    return decode(in, len, out, true);
}
