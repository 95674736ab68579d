/*
 * The lexer follows graphql-js 16 (src/language/lexer.ts) rule for rule, so
 * messages and error positions match what clients of other servers see, with
 * three deliberate differences:
 *   - the source is UTF-8 bytes, not UTF-16: ill-formed UTF-8 is an error of
 *     its own, columns count code points, offsets count bytes;
 *   - control characters other than tab (and line terminators in block
 *     strings) are rejected inside strings, as the June 2018 spec did: a NUL
 *     in a cooked value would silently truncate it for every C consumer (an
 *     escaped \u0000 is the spec's and stays: values carry their length, and
 *     the resolvers refuse a NUL in an argument, resolvers/sql/plan.c; a block
 *     string has no escapes, so there \u0000 is six characters);
 *   - the spec's lone-surrogate rules apply to escapes only, since UTF-8 that
 *     encodes a surrogate is already ill-formed.
 */
#include "schema/gql_lexer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Bytes of a token value quoted in a message; keeps messages within 256. */
enum { DESC_VALUE_MAX = 96 };

/* Documents are bounded well below 4 GiB so `pos + k` never wraps. */
#define GQL_LEXER_MAX_LEN (UINT32_MAX / 2)

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static bool is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_continue(int c)
{
    return is_name_start(c) || is_digit(c);
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static bool is_scalar_value(uint32_t cp)
{
    return cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0x10FFFF);
}

/* The byte at i, or -1 past the end (graphql-js's charCodeAt() NaN). */
static int byte_at(const gql_lexer *lx, uint32_t i)
{
    return i < lx->len ? (unsigned char)lx->src[i] : -1;
}

/*
 * Decodes one well-formed UTF-8 sequence (Unicode table 3-7: no overlong
 * forms, no surrogates, nothing past U+10FFFF). Returns its length, or 0 when
 * the bytes are ill-formed or cut short.
 */
static uint32_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned b0 = s[0], lo = 0x80, hi = 0xBF;
    uint32_t n, c;
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
        c = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        c = b0 & 0x0F;
        lo = b0 == 0xE0 ? 0xA0 : 0x80;
        hi = b0 == 0xED ? 0x9F : 0xBF;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        c = b0 & 0x07;
        lo = b0 == 0xF0 ? 0x90 : 0x80;
        hi = b0 == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (avail < n || s[1] < lo || s[1] > hi)
        return 0;
    c = (c << 6) | (s[1] & 0x3Fu);
    for (uint32_t i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    *cp = c;
    return n;
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* The longest prefix of s[0..len) of at most max bytes that ends on a character boundary. */
static size_t utf8_prefix(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* len, or less so that s[0..len) does not end inside a character. */
static size_t utf8_complete(const char *s, size_t len)
{
    size_t i = len;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0)
        return len;
    unsigned lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return len - (i - 1) >= need ? len : i - 1;
}

void gql_syntax_error_set(gql_syntax_error *err, gql_loc loc, const char *fmt, ...)
{
    static const char prefix[] = "Syntax Error: ";
    const size_t plen = sizeof(prefix) - 1, room = sizeof(err->message) - plen;
    memcpy(err->message, prefix, plen);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message + plen, room, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= room) {
        /* Cut short: never leave half a UTF-8 character for the JSON writer. */
        err->message[utf8_complete(err->message, sizeof(err->message) - 1)] = '\0';
    }
    err->loc = loc;
}

/* Valid when every character in [line_start, pos) has been scanned. */
static gql_loc loc_at(const gql_lexer *lx, uint32_t pos)
{
    return (gql_loc){.line = lx->line, .column = 1 + pos - lx->line_start - lx->line_extra, .offset = pos};
}

static void new_line(gql_lexer *lx, uint32_t pos)
{
    lx->line++;
    lx->line_start = pos;
    lx->line_extra = 0;
}

static bool utf8_error(const gql_lexer *lx, uint32_t pos, gql_syntax_error *err)
{
    gql_syntax_error_set(err, loc_at(lx, pos), "Invalid UTF-8 byte 0x%02X.", (unsigned)byte_at(lx, pos));
    return false;
}

/* Steps over one multi-byte character at *pos, keeping columns in code points. */
static bool skip_utf8(gql_lexer *lx, uint32_t *pos, gql_syntax_error *err)
{
    uint32_t cp, n = utf8_decode((const unsigned char *)lx->src + *pos, lx->len - *pos, &cp);
    if (n == 0)
        return utf8_error(lx, *pos, err);
    *pos += n;
    lx->line_extra += n - 1;
    return true;
}

/*
 * "<prefix><char>." with the character printed as graphql-js's
 * printCodePointAt() does: "x" for printable ASCII, '"' for a quote, U+XXXX
 * otherwise, <EOF> past the end. Ill-formed UTF-8 is reported as such.
 */
static bool char_error(const gql_lexer *lx, uint32_t pos, gql_syntax_error *err, const char *prefix)
{
    int c = byte_at(lx, pos);
    gql_loc loc = loc_at(lx, pos);
    uint32_t cp = (uint32_t)c;
    if (c < 0) {
        gql_syntax_error_set(err, loc, "%s<EOF>.", prefix);
    } else if (c == '"') {
        gql_syntax_error_set(err, loc, "%s'\"'.", prefix);
    } else if (c >= 0x20 && c <= 0x7E) {
        gql_syntax_error_set(err, loc, "%s\"%c\".", prefix, c);
    } else if (c >= 0x80 && utf8_decode((const unsigned char *)lx->src + pos, lx->len - pos, &cp) == 0) {
        return utf8_error(lx, pos, err);
    } else {
        gql_syntax_error_set(err, loc, "%sU+%04X.", prefix, (unsigned)cp);
    }
    return false;
}

static bool emit(gql_lexer *lx, gql_token *tok, gql_token_kind kind, gql_loc loc, uint32_t end, bool escaped)
{
    tok->kind = kind;
    tok->loc = loc;
    tok->len = end - loc.offset;
    tok->escaped = escaped;
    lx->pos = end;
    return true;
}

static bool skip_comment(gql_lexer *lx, uint32_t *pos, gql_syntax_error *err)
{
    uint32_t p = *pos + 1;
    while (p < lx->len) {
        unsigned char c = (unsigned char)lx->src[p];
        if (c == '\n' || c == '\r')
            break;
        if (c < 0x80)
            p++;
        else if (!skip_utf8(lx, &p, err))
            return false;
    }
    *pos = p;
    return true;
}

static bool read_name(gql_lexer *lx, uint32_t start, gql_token *tok)
{
    uint32_t pos = start + 1;
    while (is_name_continue(byte_at(lx, pos)))
        pos++;
    return emit(lx, tok, GQL_TOK_NAME, loc_at(lx, start), pos, false);
}

static bool read_digits(const gql_lexer *lx, uint32_t *pos, gql_syntax_error *err)
{
    if (!is_digit(byte_at(lx, *pos)))
        return char_error(lx, *pos, err, "Invalid number, expected digit but got: ");
    do
        (*pos)++;
    while (is_digit(byte_at(lx, *pos)));
    return true;
}

/* IntValue and FloatValue, with the lookahead restriction: no `.` or NameStart right after. */
static bool read_number(gql_lexer *lx, uint32_t start, gql_token *tok, gql_syntax_error *err)
{
    uint32_t pos = start;
    bool is_float = false;
    int c = byte_at(lx, pos);
    if (c == '-')
        c = byte_at(lx, ++pos);
    if (c == '0') {
        c = byte_at(lx, ++pos);
        if (is_digit(c))
            return char_error(lx, pos, err, "Invalid number, unexpected digit after 0: ");
    } else {
        if (!read_digits(lx, &pos, err))
            return false;
        c = byte_at(lx, pos);
    }
    if (c == '.') {
        is_float = true;
        pos++;
        if (!read_digits(lx, &pos, err))
            return false;
        c = byte_at(lx, pos);
    }
    if (c == 'e' || c == 'E') {
        is_float = true;
        c = byte_at(lx, ++pos);
        if (c == '+' || c == '-')
            pos++;
        if (!read_digits(lx, &pos, err))
            return false;
        c = byte_at(lx, pos);
    }
    if (c == '.' || is_name_start(c))
        return char_error(lx, pos, err, "Invalid number, expected digit but got: ");
    return emit(lx, tok, is_float ? GQL_TOK_FLOAT : GQL_TOK_INT, loc_at(lx, start), pos, false);
}

typedef struct escape {
    uint32_t size; /* source bytes consumed; on failure, how many to quote */
    uint32_t cp;   /* the code point it stands for */
    bool ok;
} escape;

static int32_t read_hex4(const gql_lexer *lx, uint32_t pos)
{
    int32_t v = 0;
    for (uint32_t i = 0; i < 4; i++) {
        int h = hex_value(byte_at(lx, pos + i));
        if (h < 0)
            return -1;
        v = (v << 4) | h;
    }
    return v;
}

/*
 * The escape sequence at pos (a backslash): \n and friends, \uXXXX (a
 * surrogate pair written as two such escapes makes one code point; a lone
 * surrogate is an error) and the working draft's \u{X...} (up to 8 hex
 * digits, any Unicode scalar value).
 */
static escape read_escape(const gql_lexer *lx, uint32_t pos)
{
    int c = byte_at(lx, pos + 1);
    if (c == 'u' && byte_at(lx, pos + 2) == '{') {
        uint32_t point = 0, size = 3;
        while (size < 12) {
            int code = byte_at(lx, pos + size++);
            if (code == '}') {
                if (size < 5 || !is_scalar_value(point))
                    break;
                return (escape){size, point, true};
            }
            int h = hex_value(code);
            /* graphql-js computes in int32 and gives up once the sign bit is set. */
            if (h < 0 || (point & 0xF8000000u) != 0)
                break;
            point = (point << 4) | (uint32_t)h;
        }
        return (escape){size, 0, false};
    }
    if (c == 'u') {
        int32_t code = read_hex4(lx, pos + 2);
        if (code >= 0 && is_scalar_value((uint32_t)code))
            return (escape){6, (uint32_t)code, true};
        if (code >= 0xD800 && code <= 0xDBFF && byte_at(lx, pos + 6) == '\\' && byte_at(lx, pos + 7) == 'u') {
            int32_t trail = read_hex4(lx, pos + 8);
            if (trail >= 0xDC00 && trail <= 0xDFFF)
                return (escape){12, 0x10000 + (((uint32_t)code - 0xD800) << 10) + ((uint32_t)trail - 0xDC00),
                                true};
        }
        return (escape){6, 0, false};
    }
    static const char simple_from[] = "\"\\/bfnrt", simple_to[] = "\"\\/\b\f\n\r\t";
    const char *hit = c > 0 ? memchr(simple_from, c, sizeof(simple_from) - 1) : NULL;
    if (hit != NULL)
        return (escape){2, (unsigned char)simple_to[hit - simple_from], true};
    return (escape){2, 0, false};
}

/* Quotes up to `count` characters of the source from pos, as graphql-js's body.slice() does. */
static bool escape_error(const gql_lexer *lx, uint32_t pos, uint32_t count, gql_syntax_error *err)
{
    const unsigned char *s = (const unsigned char *)lx->src;
    uint32_t end = pos, cp;
    for (uint32_t i = 0; i < count && end < lx->len; i++) {
        uint32_t n = utf8_decode(s + end, lx->len - end, &cp);
        if (n == 0)
            break;
        end += n;
    }
    const char *what = byte_at(lx, pos + 1) == 'u' ? "Unicode" : "character";
    gql_syntax_error_set(err, loc_at(lx, pos), "Invalid %s escape sequence: \"%.*s\".", what,
                         (int)(end - pos), lx->src + pos);
    return false;
}

static bool read_string(gql_lexer *lx, uint32_t start, gql_token *tok, gql_syntax_error *err)
{
    gql_loc loc = loc_at(lx, start);
    uint32_t pos = start + 1;
    bool escaped = false;
    while (pos < lx->len) {
        unsigned char c = (unsigned char)lx->src[pos];
        if (c == '"')
            return emit(lx, tok, GQL_TOK_STRING, loc, pos + 1, escaped);
        if (c == '\\') {
            escape e = read_escape(lx, pos);
            if (!e.ok)
                return escape_error(lx, pos, e.size, err);
            escaped = true;
            pos += e.size;
        } else if (c == '\n' || c == '\r') {
            break;
        } else if (c >= 0x80) {
            if (!skip_utf8(lx, &pos, err))
                return false;
        } else if (c < 0x20 && c != '\t') {
            return char_error(lx, pos, err, "Invalid character within String: ");
        } else {
            pos++;
        }
    }
    gql_syntax_error_set(err, loc_at(lx, pos), "Unterminated string.");
    return false;
}

static bool is_triple_quote(const gql_lexer *lx, uint32_t pos)
{
    return byte_at(lx, pos) == '"' && byte_at(lx, pos + 1) == '"' && byte_at(lx, pos + 2) == '"';
}

static bool read_block_string(gql_lexer *lx, uint32_t start, gql_token *tok, gql_syntax_error *err)
{
    gql_loc loc = loc_at(lx, start);
    uint32_t pos = start + 3;
    bool escaped = false;
    while (pos < lx->len) {
        unsigned char c = (unsigned char)lx->src[pos];
        if (c == '"' && is_triple_quote(lx, pos))
            return emit(lx, tok, GQL_TOK_BLOCK_STRING, loc, pos + 3, escaped);
        if (c == '\\' && is_triple_quote(lx, pos + 1)) {
            escaped = true;
            pos += 4;
        } else if (c == '\n') {
            new_line(lx, ++pos);
        } else if (c == '\r') {
            pos += byte_at(lx, pos + 1) == '\n' ? 2 : 1;
            new_line(lx, pos);
        } else if (c >= 0x80) {
            if (!skip_utf8(lx, &pos, err))
                return false;
        } else if (c < 0x20 && c != '\t') {
            return char_error(lx, pos, err, "Invalid character within String: ");
        } else {
            pos++;
        }
    }
    gql_syntax_error_set(err, loc_at(lx, pos), "Unterminated string.");
    return false;
}

bool gql_lexer_init(gql_lexer *lx, const char *src, size_t len, gql_syntax_error *err)
{
    memset(lx, 0, sizeof(*lx));
    lx->src = src != NULL ? src : "";
    lx->line = 1;
    if (src == NULL)
        len = 0;
    if (len > GQL_LEXER_MAX_LEN) {
        gql_syntax_error_set(err, (gql_loc){1, 1, 0}, "Document too large.");
        return false;
    }
    lx->len = (uint32_t)len;
    return true;
}

bool gql_lexer_next(gql_lexer *lx, gql_token *tok, gql_syntax_error *err)
{
    uint32_t pos = lx->pos;
    for (;;) {
        if (pos >= lx->len)
            return emit(lx, tok, GQL_TOK_EOF, loc_at(lx, lx->len), lx->len, false);
        int c = (unsigned char)lx->src[pos];
        gql_token_kind kind;
        switch (c) {
        case ' ':
        case '\t':
        case ',':
            pos++;
            continue;
        case '\n':
            new_line(lx, ++pos);
            continue;
        case '\r':
            pos += byte_at(lx, pos + 1) == '\n' ? 2 : 1;
            new_line(lx, pos);
            continue;
        case 0xEF: /* U+FEFF, the byte order mark, is ignored anywhere */
            if (byte_at(lx, pos + 1) == 0xBB && byte_at(lx, pos + 2) == 0xBF) {
                pos += 3;
                lx->line_extra += 2;
                continue;
            }
            return char_error(lx, pos, err, "Unexpected character: ");
        case '#':
            if (!skip_comment(lx, &pos, err))
                return false;
            continue;
        case '!':
            kind = GQL_TOK_BANG;
            break;
        case '$':
            kind = GQL_TOK_DOLLAR;
            break;
        case '&':
            kind = GQL_TOK_AMP;
            break;
        case '(':
            kind = GQL_TOK_PAREN_L;
            break;
        case ')':
            kind = GQL_TOK_PAREN_R;
            break;
        case ':':
            kind = GQL_TOK_COLON;
            break;
        case '=':
            kind = GQL_TOK_EQUALS;
            break;
        case '@':
            kind = GQL_TOK_AT;
            break;
        case '[':
            kind = GQL_TOK_BRACKET_L;
            break;
        case ']':
            kind = GQL_TOK_BRACKET_R;
            break;
        case '{':
            kind = GQL_TOK_BRACE_L;
            break;
        case '|':
            kind = GQL_TOK_PIPE;
            break;
        case '}':
            kind = GQL_TOK_BRACE_R;
            break;
        case '.':
            if (byte_at(lx, pos + 1) == '.' && byte_at(lx, pos + 2) == '.')
                return emit(lx, tok, GQL_TOK_SPREAD, loc_at(lx, pos), pos + 3, false);
            return char_error(lx, pos, err, "Unexpected character: ");
        case '"':
            if (is_triple_quote(lx, pos))
                return read_block_string(lx, pos, tok, err);
            return read_string(lx, pos, tok, err);
        case '\'':
            gql_syntax_error_set(
                err, loc_at(lx, pos),
                "Unexpected single quote character ('), did you mean to use a double quote (\")?");
            return false;
        default:
            if (c == '-' || is_digit(c))
                return read_number(lx, pos, tok, err);
            if (is_name_start(c))
                return read_name(lx, pos, tok);
            return char_error(lx, pos, err, "Unexpected character: ");
        }
        return emit(lx, tok, kind, loc_at(lx, pos), pos + 1, false);
    }
}

const char *gql_token_text(const gql_lexer *lx, const gql_token *tok)
{
    return lx->src + tok->loc.offset;
}

/*
 * Cooking writes into a caller's buffer: out[0..cap) receives as much of the
 * value as fits and the return value is the value's full length, as with
 * snprintf(). The arena copy and the few bytes quoted in a message share it.
 */
typedef struct cooked {
    char *out;
    size_t cap, len;
} cooked;

static void put(cooked *c, const char *s, size_t n)
{
    if (c->len < c->cap)
        memcpy(c->out + c->len, s, n < c->cap - c->len ? n : c->cap - c->len);
    c->len += n;
}

/* A String with escapes: the lexer validated every one, so this only decodes. */
static void cook_string(const gql_lexer *lx, const gql_token *tok, cooked *c)
{
    uint32_t pos = tok->loc.offset + 1, end = tok->loc.offset + tok->len - 1;
    while (pos < end) {
        uint32_t run = pos;
        while (run < end && lx->src[run] != '\\')
            run++;
        put(c, lx->src + pos, run - pos);
        if (run == end)
            break;
        escape e = read_escape(lx, run);
        char utf8[4];
        put(c, utf8, utf8_encode(e.cp, utf8));
        pos = run + e.size;
    }
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The end of the line starting at i, and where the next one starts. */
static size_t line_end(const char *s, size_t len, size_t i, size_t *next)
{
    while (i < len && s[i] != '\n' && s[i] != '\r')
        i++;
    *next = i + (i < len ? (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n' ? 2 : 1) : 0);
    return i;
}

/*
 * The spec's BlockStringValue(): split into lines (LF, CRLF, CR), drop the
 * common indent of every line but the first (counted over lines that are not
 * all blanks), drop blank leading and trailing lines, join with LF; \""" is
 * """. Two passes over the raw text, no allocation.
 */
static void cook_block_string(const char *raw, size_t len, cooked *c)
{
    size_t common = SIZE_MAX, first = SIZE_MAX, last = 0, line = 0, i = 0, next;
    for (;; line++, i = next) {
        size_t start = i;
        while (i < len && is_blank(raw[i]))
            i++;
        size_t indent = i - start, end = line_end(raw, len, i, &next);
        if (end > i) {
            if (first == SIZE_MAX)
                first = line;
            last = line;
            if (line != 0 && indent < common)
                common = indent;
        }
        if (end >= len)
            break;
    }
    i = 0;
    for (line = 0; first != SIZE_MAX && line <= last; line++, i = next) {
        size_t end = line_end(raw, len, i, &next);
        if (line < first)
            continue;
        if (line > first)
            put(c, "\n", 1);
        for (size_t k = 0; line != 0 && k < common && i < end && is_blank(raw[i]); k++)
            i++;
        while (i < end) {
            size_t run = i;
            while (run < end &&
                   !(raw[run] == '\\' && end - run >= 4 && memcmp(raw + run + 1, "\"\"\"", 3) == 0))
                run++;
            put(c, raw + i, run - i);
            if (run == end)
                break;
            put(c, "\"\"\"", 3); /* \""" stands for """ */
            i = run + 4;
        }
    }
}

static void cook(const gql_lexer *lx, const gql_token *tok, cooked *c)
{
    const char *text = gql_token_text(lx, tok);
    switch (tok->kind) {
    case GQL_TOK_STRING:
        if (tok->escaped)
            cook_string(lx, tok, c);
        else
            put(c, text + 1, tok->len - 2);
        break;
    case GQL_TOK_BLOCK_STRING:
        cook_block_string(text + 3, tok->len - 6, c);
        break;
    default:
        put(c, text, tok->len);
        break;
    }
}

gql_str gql_token_value(const gql_lexer *lx, const gql_token *tok, base_arena *arena)
{
    /* No value is longer than its source text: escapes only ever shrink. */
    cooked c = {base_arena_alloc(arena, (size_t)tok->len + 1), tok->len, 0};
    if (c.out == NULL)
        return (gql_str){NULL, 0};
    cook(lx, tok, &c);
    c.out[c.len] = '\0';
    return (gql_str){c.out, c.len};
}

const char *gql_token_kind_desc(gql_token_kind kind)
{
    static const char *const desc[] = {
        [GQL_TOK_EOF] = "<EOF>",       [GQL_TOK_BANG] = "\"!\"",
        [GQL_TOK_DOLLAR] = "\"$\"",    [GQL_TOK_AMP] = "\"&\"",
        [GQL_TOK_PAREN_L] = "\"(\"",   [GQL_TOK_PAREN_R] = "\")\"",
        [GQL_TOK_SPREAD] = "\"...\"",  [GQL_TOK_COLON] = "\":\"",
        [GQL_TOK_EQUALS] = "\"=\"",    [GQL_TOK_AT] = "\"@\"",
        [GQL_TOK_BRACKET_L] = "\"[\"", [GQL_TOK_BRACKET_R] = "\"]\"",
        [GQL_TOK_BRACE_L] = "\"{\"",   [GQL_TOK_PIPE] = "\"|\"",
        [GQL_TOK_BRACE_R] = "\"}\"",   [GQL_TOK_NAME] = "Name",
        [GQL_TOK_INT] = "Int",         [GQL_TOK_FLOAT] = "Float",
        [GQL_TOK_STRING] = "String",   [GQL_TOK_BLOCK_STRING] = "BlockString",
    };
    return (unsigned)kind < sizeof(desc) / sizeof(desc[0]) ? desc[kind] : "<unknown>";
}

void gql_token_describe(const gql_lexer *lx, const gql_token *tok, char *buf, size_t cap)
{
    const char *kind = gql_token_kind_desc(tok->kind);
    if (tok->kind < GQL_TOK_NAME) {
        snprintf(buf, cap, "%s", kind);
        return;
    }
    char value[DESC_VALUE_MAX + 4];
    cooked c = {value, sizeof(value), 0};
    cook(lx, tok, &c);
    size_t n = utf8_prefix(value, c.len < sizeof(value) ? c.len : sizeof(value), DESC_VALUE_MAX);
    snprintf(buf, cap, "%s \"%.*s%s\"", kind, (int)n, value, n < c.len ? "..." : "");
}
