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

/*
 * Base64 as senders spell it (API Gateway's isBase64Encoded bodies): the
 * standard or the URL-safe alphabet, '=' padding or none, unused low bits not
 * checked. Same room and result as b64url_decode.
 */
ssize_t base64_decode_lenient(const char *in, size_t len, unsigned char *out);

#endif
