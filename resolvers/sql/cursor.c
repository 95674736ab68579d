#include "resolvers/sql/cursor.h"

#include "resolvers/cursor_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "schema/base/b64url.h"

#define TAG_BYTES 16
#define KEY_BYTES 32
#define BLOCK     ((size_t)64) /* SHA-256's block */

static struct {
    bool set;
    unsigned char key[KEY_BYTES];
    /* HMAC's padded keys, as the hex PostgreSQL's decode() reads */
    char ipad_hex[2 * BLOCK + 1], opad_hex[2 * BLOCK + 1];
} cursor_key;

void rs_cursor_key_set(const char *secret, const char *schema_version)
{
    static const char label[] = "gqld cursor 1\n";
    secret = secret != NULL ? secret : "";
    schema_version = schema_version != NULL ? schema_version : "";
    unsigned char msg[sizeof(label) + 128];
    size_t vlen = strnlen(schema_version, 128);
    memcpy(msg, label, sizeof(label) - 1);
    memcpy(msg + sizeof(label) - 1, schema_version, vlen);
    unsigned len = 0;
    HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, sizeof(label) - 1 + vlen, cursor_key.key, &len);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < BLOCK; i++) {
        unsigned char k = i < KEY_BYTES ? cursor_key.key[i] : 0;
        unsigned char in = k ^ 0x36, out = k ^ 0x5c;
        cursor_key.ipad_hex[2 * i] = hex[in >> 4];
        cursor_key.ipad_hex[2 * i + 1] = hex[in & 15];
        cursor_key.opad_hex[2 * i] = hex[out >> 4];
        cursor_key.opad_hex[2 * i + 1] = hex[out & 15];
    }
    cursor_key.ipad_hex[2 * BLOCK] = cursor_key.opad_hex[2 * BLOCK] = '\0';
    cursor_key.set = true;
}

static void ensure_key(void)
{
    if (!cursor_key.set)
        rs_cursor_key_set("", "");
}

/*
 * base64url of the key's UTF-8 and the tag: HMAC-SHA256 written out, sha256(opad || sha256(ipad || key)),
 * as PostgreSQL 11 and later compute it without an extension. encode() wraps base64 at 76 characters;
 * translate() drops the newlines and padding and makes it URL-safe.
 */
void cursor_sql(base_buf *sql, const char *key)
{
    ensure_key();
    base_buf_printf(
        sql,
        "translate(encode(convert_to((%s)::text, 'UTF8') || substring(sha256(decode('%s', 'hex') || "
        "sha256(decode('%s', 'hex') || convert_to((%s)::text, 'UTF8'))) from 1 for %d), 'base64'), "
        "E'+/=\\n', '-_')",
        key, cursor_key.opad_hex, cursor_key.ipad_hex, key, TAG_BYTES);
}

static void tag_of(const unsigned char *key, size_t len, unsigned char tag[KEY_BYTES])
{
    ensure_key();
    unsigned n = 0;
    HMAC(EVP_sha256(), cursor_key.key, KEY_BYTES, key, len, tag, &n);
}

/* Well-formed UTF-8 without NUL (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF). */
static bool utf8_text(const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t n = c < 0x80             ? 0
                   : (c & 0xE0) == 0xC0 ? 1
                   : (c & 0xF0) == 0xE0 ? 2
                   : (c & 0xF8) == 0xF0 ? 3
                                        : 9;
        if (c == 0 || n == 9 || n >= len - i)
            return false;
        uint32_t cp = n == 0 ? c : c & (0x3Fu >> n);
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3Fu);
        }
        static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

const char *cursor_decode(base_arena *arena, const char *cursor)
{
    size_t len = strlen(cursor);
    if (len == 0 || len > 4096)
        return NULL;
    unsigned char *out = base_arena_alloc(arena, b64url_decoded_max(len) + 1);
    if (out == NULL)
        return NULL;
    ssize_t n = b64url_decode(cursor, len, out); /* canonical: one cursor, one spelling */
    if (n <= TAG_BYTES)
        return NULL;
    size_t keylen = (size_t)n - TAG_BYTES;
    unsigned char tag[KEY_BYTES];
    tag_of(out, keylen, tag);
    if (CRYPTO_memcmp(tag, out + keylen, TAG_BYTES) != 0 || !utf8_text(out, keylen))
        return NULL;
    out[keylen] = '\0';
    return (const char *)out;
}

size_t cursor_encode(const char *key, char *out, size_t cap)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t keylen = strlen(key), total = keylen + TAG_BYTES, need = (total * 8 + 5) / 6;
    if (need + 1 > cap)
        return 0;
    unsigned char tag[KEY_BYTES];
    tag_of((const unsigned char *)key, keylen, tag);
    size_t o = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < total; i++) {
        acc = (acc << 8) | (i < keylen ? (unsigned char)key[i] : tag[i - keylen]);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = alphabet[(acc >> bits) & 63];
        }
        acc &= (1u << bits) - 1;
    }
    if (bits > 0)
        out[o++] = alphabet[(acc << (6 - bits)) & 63];
    out[o] = '\0';
    return o;
}
