#include "resolvers/pipeline/response_cache.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache_key.h"
#include "resolvers/engine.h"
#include "schema/base/buf.h"
#include "schema/gql_lexer.h"

int response_doc_digest(const char *text, size_t len, uint8_t out[CACHE_KEY_BYTES])
{
    gql_lexer lx;
    gql_syntax_error err;
    gql_token tok;
    base_buf b;
    base_buf_init(&b);
    int rc = gql_lexer_init(&lx, text, len, &err) ? 0 : -1;
    /* Each token as its kind and length, then its text: "a b" and "ab" differ. */
    while (rc == 0 && gql_lexer_next(&lx, &tok, &err) && tok.kind != GQL_TOK_EOF) {
        base_buf_printf(&b, "%d:%u:", (int)tok.kind, tok.len);
        base_buf_append(&b, gql_token_text(&lx, &tok), tok.len);
    }
    if (rc == 0 && tok.kind != GQL_TOK_EOF)
        rc = -1;
    if (rc == 0 && !b.failed)
        cache_sha256(b.data != NULL ? b.data : "", b.len, out);
    else
        rc = -1;
    base_buf_free(&b);
    return rc;
}

const char *response_visibility(const rs_principal *principal, char *buf, size_t size)
{
    base_buf b;
    base_buf_init(&b);
    auth_scope_visibility_class(principal, &b);
    const char *out = NULL;
    if (!b.failed && b.data != NULL && b.len < size) {
        memcpy(buf, b.data, b.len + 1);
        out = buf;
    }
    base_buf_free(&b);
    return out;
}

int response_base_key(const char *prefix, const char *schema_version, const uint8_t doc[CACHE_KEY_BYTES],
                      const char *operation_name, const json_t *variables, uint8_t out[CACHE_KEY_BYTES])
{
    char *vars = NULL;
    if (variables != NULL && json_object_size(variables) > 0) {
        vars = json_dumps(variables, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        if (vars == NULL)
            return -1;
    }
    prefix = prefix != NULL ? prefix : "";
    schema_version = schema_version != NULL ? schema_version : ""; /* a front door that set no cache config */
    const cache_key_part parts[] = {
        {"response", 8},
        {prefix, strlen(prefix)},
        {schema_version, strlen(schema_version)},
        {doc, CACHE_KEY_BYTES},
        {operation_name != NULL ? operation_name : "", operation_name != NULL ? strlen(operation_name) : 0},
        /* an absent operation name and an empty one differ */
        {operation_name != NULL ? "1" : "0", 1},
        {vars != NULL ? vars : "{}", vars != NULL ? strlen(vars) : 2},
    };
    int rc = cache_key_derive(parts, sizeof(parts) / sizeof(parts[0]), out);
    free(vars);
    return rc;
}

int response_key(const uint8_t base[CACHE_KEY_BYTES], const char *visibility, uint8_t out[CACHE_KEY_BYTES])
{
    const cache_key_part parts[] = {{base, CACHE_KEY_BYTES}, {visibility, strlen(visibility)}};
    return cache_key_derive(parts, sizeof(parts) / sizeof(parts[0]), out);
}

int response_request_digest(bool get, const char *raw, size_t len, uint8_t out[CACHE_KEY_BYTES])
{
    const cache_key_part parts[] = {{get ? "GET" : "POST", get ? 3 : 4}, {raw != NULL ? raw : "", len}};
    return cache_key_derive(parts, sizeof(parts) / sizeof(parts[0]), out);
}

char *response_mark_stale(const char *body, size_t len, unsigned age_s, size_t *out_len)
{
    if (len < 2 || body[0] != '{' || body[len - 1] != '}')
        return NULL;
    char marker[96];
    int n = snprintf(marker, sizeof(marker), "%s\"extensions\":{\"cache\":{\"stale\":true,\"age\":%u}}}",
                     len > 2 ? "," : "", age_s);
    char *out = malloc(len - 1 + (size_t)n + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, body, len - 1);
    memcpy(out + len - 1, marker, (size_t)n + 1);
    *out_len = len - 1 + (size_t)n;
    return out;
}

bool apq_hash_valid(const char *hash, size_t len)
{
    if (hash == NULL || len != (size_t)2 * CACHE_KEY_BYTES)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!isxdigit((unsigned char)hash[i]))
            return false;
    return true;
}

bool apq_hash_matches(const char *query, size_t len, const char *hash)
{
    uint8_t digest[CACHE_KEY_BYTES];
    char hex[2 * CACHE_KEY_BYTES + 1];
    cache_sha256(query, len, digest);
    cache_key_hex(digest, hex);
    return strcmp(hex, hash) == 0;
}

void apq_key(const char *hash, uint8_t out[CACHE_KEY_BYTES])
{
    const cache_key_part parts[] = {{"apq", 3}, {hash, strlen(hash)}};
    if (cache_key_derive(parts, 2, out) != 0)
        cache_sha256(hash, strlen(hash), out); /* out of memory in OpenSSL: still a stable key */
}
