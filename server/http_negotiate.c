#include "server/http_negotiate.h"

#include <string.h>
#include <strings.h>

/* One media range or media type as written: type/subtype and the parameters we look at. */
typedef struct media_range {
    const char *type, *subtype;
    size_t type_len, subtype_len;
    int q; /* in thousandths, 0..1000; 1000 when absent */
    enum { CHARSET_NONE, CHARSET_UTF8, CHARSET_OTHER } charset;
} media_range;

/* RFC 9110 5.6.2 tchar */
static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void skip_ows(const char **p, const char *end)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
}

static size_t read_token(const char **p, const char *end)
{
    const char *start = *p;
    while (*p < end && is_tchar(**p))
        (*p)++;
    return (size_t)(*p - start);
}

/* A quoted-string (RFC 9110 5.6.4), *p on its opening quote; the value keeps its escapes. */
static bool read_quoted(const char **p, const char *end, const char **value, size_t *len)
{
    (*p)++;
    *value = *p;
    while (*p < end && **p != '"') {
        if (**p == '\\' && *p + 1 < end)
            (*p)++;
        (*p)++;
    }
    if (*p >= end)
        return false;
    *len = (size_t)(*p - *value);
    (*p)++;
    return true;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ); -1 when malformed. */
static int parse_qvalue(const char *s, size_t len)
{
    if (len == 0 || (s[0] != '0' && s[0] != '1') || len > 5 || (len > 1 && s[1] != '.'))
        return -1;
    int q = (s[0] - '0') * 1000, scale = 100;
    for (size_t i = 2; i < len; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9' || (s[0] == '1' && s[i] != '0'))
            return -1;
        q += (s[i] - '0') * scale;
    }
    return q;
}

/*
 * Parses one media range (in_accept: q and what follows it are Accept's own)
 * or media type at *p up to the next ',' (or the end) and leaves *p there.
 * False when it is malformed; *p still moves past it (to the next comma
 * outside a quoted string) so a list goes on with the next range.
 */
static bool parse_range(const char **p, const char *end, bool in_accept, media_range *r)
{
    memset(r, 0, sizeof(*r));
    r->q = 1000;
    bool ok = true, seen_q = false;
    skip_ows(p, end);
    r->type = *p;
    r->type_len = read_token(p, end);
    if (r->type_len == 0 || *p >= end || **p != '/') {
        ok = false;
    } else {
        (*p)++;
        r->subtype = *p;
        r->subtype_len = read_token(p, end);
        ok = r->subtype_len > 0;
    }
    while (ok) {
        skip_ows(p, end);
        if (*p >= end || **p == ',')
            break;
        if (**p != ';') {
            ok = false;
            break;
        }
        (*p)++;
        skip_ows(p, end);
        if (*p >= end || **p == ',' || **p == ';')
            continue; /* an empty parameter */
        const char *name = *p;
        size_t name_len = read_token(p, end), value_len = 0;
        const char *value = NULL;
        if (name_len == 0 || *p >= end || **p != '=') {
            ok = false;
            break;
        }
        (*p)++;
        if (*p < end && **p == '"') {
            ok = read_quoted(p, end, &value, &value_len);
        } else {
            value = *p;
            value_len = read_token(p, end);
            ok = value_len > 0;
        }
        if (!ok || seen_q)
            continue; /* after q come accept-ext parameters: not about the media type */
        if (in_accept && name_len == 1 && (name[0] == 'q' || name[0] == 'Q')) {
            seen_q = true;
            r->q = parse_qvalue(value, value_len);
            ok = r->q >= 0;
        } else if (name_len == 7 && strncasecmp(name, "charset", 7) == 0) {
            r->charset = value_len == 5 && strncasecmp(value, "utf-8", 5) == 0 ? CHARSET_UTF8 : CHARSET_OTHER;
        }
    }
    if (!ok) {
        bool quoted = false;
        for (; *p < end && (quoted || **p != ','); (*p)++) {
            if (**p == '"')
                quoted = !quoted;
            else if (quoted && **p == '\\' && *p + 1 < end)
                (*p)++;
        }
    }
    return ok;
}

static bool token_is(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

enum { SPEC_NONE, SPEC_ANY, SPEC_APPLICATION, SPEC_EXACT, SPEC_EXACT_CHARSET };

/* How specifically the range names application/<subtype>: SPEC_NONE when it does not match it. */
static int specificity(const media_range *r, const char *subtype)
{
    if (r->charset == CHARSET_OTHER)
        return SPEC_NONE;
    if (token_is(r->type, r->type_len, "*"))
        return token_is(r->subtype, r->subtype_len, "*") ? SPEC_ANY : SPEC_NONE;
    if (!token_is(r->type, r->type_len, "application"))
        return SPEC_NONE;
    if (token_is(r->subtype, r->subtype_len, "*"))
        return SPEC_APPLICATION;
    if (!token_is(r->subtype, r->subtype_len, subtype))
        return SPEC_NONE;
    return r->charset == CHARSET_UTF8 ? SPEC_EXACT_CHARSET : SPEC_EXACT;
}

typedef struct candidate {
    const char *subtype;
    int spec; /* of the most specific range that matched */
    int q;
} candidate;

static void consider(candidate *c, const media_range *r)
{
    int spec = specificity(r, c->subtype);
    if (spec == SPEC_NONE || spec < c->spec)
        return;
    if (spec > c->spec || r->q > c->q)
        c->q = r->q;
    c->spec = spec;
}

http_media http_negotiate_accept(const char *accept, size_t len)
{
    candidate json = {"json", SPEC_NONE, 0}, gql = {"graphql-response+json", SPEC_NONE, 0};
    const char *p = accept, *end = accept + len;
    size_t ranges = 0;
    while (p < end) {
        media_range r;
        if (parse_range(&p, end, true, &r)) {
            ranges++;
            consider(&json, &r);
            consider(&gql, &r);
        }
        if (p < end)
            p++; /* the comma */
    }
    if (ranges == 0)
        return HTTP_MEDIA_JSON; /* absent, blank or unreadable: as if there were no Accept */
    if (json.q == 0 && gql.q == 0)
        return HTTP_MEDIA_NONE;
    if (json.q != gql.q)
        return gql.q > json.q ? HTTP_MEDIA_GRAPHQL_RESPONSE : HTTP_MEDIA_JSON;
    return gql.spec >= SPEC_EXACT ? HTTP_MEDIA_GRAPHQL_RESPONSE : HTTP_MEDIA_JSON;
}

const char *http_media_content_type(http_media media)
{
    return media == HTTP_MEDIA_GRAPHQL_RESPONSE ? "application/graphql-response+json; charset=utf-8"
                                                : "application/json; charset=utf-8";
}

bool http_content_type_is_json(const char *value, size_t len)
{
    const char *p = value, *end = value + len;
    media_range r;
    if (!parse_range(&p, end, false, &r))
        return false;
    return p == end && r.charset != CHARSET_OTHER && token_is(r.type, r.type_len, "application") &&
           token_is(r.subtype, r.subtype_len, "json");
}
