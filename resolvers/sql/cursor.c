#include "resolvers/sql/cursor.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "schema/base/b64url.h"

/* encode() wraps base64 at 76 characters; translate() drops the newlines and padding and makes it URL-safe.
 */
void cursor_sql(base_buf *sql, const char *key)
{
    base_buf_printf(sql, "translate(encode(convert_to((%s)::text, 'UTF8'), 'base64'), E'+/=\\n', '-_')", key);
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
    if (n < 0 || !utf8_text(out, (size_t)n))
        return NULL;
    out[n] = '\0';
    return (const char *)out;
}
