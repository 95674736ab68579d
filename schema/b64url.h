/*
 * b64url: the strict base64url of JWS (RFC 7515 section 2): the URL-safe
 * alphabet, no padding, no blanks, and the unused low bits of the last
 * character zero, so that one text has exactly one spelling. JWTs
 * (server/auth) and page cursors (resolvers/cursor.c) both decode with it.
 */
#ifndef GQLD_B64URL_H
#define GQLD_B64URL_H

#include <stddef.h>
#include <sys/types.h>

/* Bytes that decoding len characters can give (an upper bound). */
static inline size_t b64url_decoded_max(size_t len)
{
    return len / 4 * 3 + 2;
}

/* Decodes into out (room for b64url_decoded_max(len)); the byte count, or -1 when the text is not strict
 * base64url. */
ssize_t b64url_decode(const char *in, size_t len, unsigned char *out);

#endif
