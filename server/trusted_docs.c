#include "server/trusted_docs.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache_key.h"

typedef struct doc {
    uint8_t digest[32];
    char *text;
    size_t len;
} doc;

struct trusted_docs {
    atomic_uint refs;
    doc *slots; /* open addressing by the digest's first bytes; text NULL: free */
    size_t cap; /* a power of two, at least twice the count */
    size_t count;
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool trusted_docs_parse_hex(const char *hex, size_t len, uint8_t digest[32])
{
    if (len != 64)
        return false;
    for (size_t i = 0; i < 32; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        digest[i] = (uint8_t)(hi * 16 + lo);
    }
    return true;
}

static size_t slot_of(const trusted_docs *t, const uint8_t digest[32])
{
    uint64_t h;
    memcpy(&h, digest, sizeof(h)); /* a SHA-256: its bytes are as good as any hash of them */
    return (size_t)h & (t->cap - 1);
}

const char *trusted_docs_find(const trusted_docs *t, const uint8_t digest[32], size_t *len)
{
    if (t == NULL || t->count == 0)
        return NULL;
    for (size_t i = slot_of(t, digest);; i = (i + 1) & (t->cap - 1)) {
        const doc *d = &t->slots[i];
        if (d->text == NULL)
            return NULL;
        if (memcmp(d->digest, digest, 32) == 0) {
            *len = d->len;
            return d->text;
        }
    }
}

size_t trusted_docs_count(const trusted_docs *t)
{
    return t != NULL ? t->count : 0;
}

static void free_docs(trusted_docs *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slots[i].text);
    free(t->slots);
    free(t);
}

void trusted_docs_retain(trusted_docs *t)
{
    atomic_fetch_add(&t->refs, 1);
}

void trusted_docs_release(trusted_docs *t)
{
    if (t != NULL && atomic_fetch_sub(&t->refs, 1) == 1)
        free_docs(t);
}

trusted_docs *trusted_docs_current(trusted_docs **current, trusted_docs *_Atomic *next)
{
    if (atomic_load_explicit(next, memory_order_relaxed) != NULL) {
        trusted_docs *t = atomic_exchange_explicit(next, NULL, memory_order_acquire);
        if (t != NULL) {
            trusted_docs_release(*current);
            *current = t;
        }
    }
    return *current;
}

void trusted_docs_offer(trusted_docs *_Atomic *next, trusted_docs *t)
{
    trusted_docs_retain(t);
    trusted_docs_release(atomic_exchange_explicit(next, t, memory_order_acq_rel));
}

/* Checks one entry and adds it; -1 with err naming the entry. */
static int add_entry(trusted_docs *t, const rs_engine *engine, const char *key, json_t *value, char *err,
                     size_t errlen)
{
    uint8_t digest[32], actual[CACHE_KEY_BYTES];
    if (!trusted_docs_parse_hex(key, strlen(key), digest)) {
        snprintf(err, errlen, "key \"%.80s\" is not a SHA-256 in hex (64 digits)", key);
        return -1;
    }
    if (!json_is_string(value)) {
        snprintf(err, errlen, "the value of %.64s is not a string (a GraphQL document)", key);
        return -1;
    }
    const char *text = json_string_value(value);
    size_t len = json_string_length(value);
    cache_sha256(text, len, actual);
    if (memcmp(actual, digest, 32) != 0) {
        snprintf(err, errlen, "key %.64s is not the SHA-256 of its document", key);
        return -1;
    }
    char why[300];
    if (rs_engine_validate(engine, text, len, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "document %.64s is not valid: %s", key, why);
        return -1;
    }
    size_t i = slot_of(t, digest);
    while (t->slots[i].text != NULL) {
        if (memcmp(t->slots[i].digest, digest, 32) == 0)
            return 0; /* the same key twice (different case): the same document */
        i = (i + 1) & (t->cap - 1);
    }
    if ((t->slots[i].text = malloc(len + 1)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(t->slots[i].text, text, len + 1);
    memcpy(t->slots[i].digest, digest, 32);
    t->slots[i].len = len;
    t->count++;
    return 0;
}

trusted_docs *trusted_docs_load(const char *path, const rs_engine *engine, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        snprintf(err, errlen, "%s: %s (line %d)", path, jerr.text, jerr.line);
        return NULL;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, "%s: not a JSON object of SHA-256 to document", path);
        json_decref(root);
        return NULL;
    }
    trusted_docs *t = calloc(1, sizeof(*t));
    size_t n = json_object_size(root);
    if (t != NULL) {
        t->cap = 16;
        while (t->cap < 2 * n)
            t->cap *= 2;
        t->slots = calloc(t->cap, sizeof(*t->slots));
    }
    if (t == NULL || t->slots == NULL) {
        snprintf(err, errlen, "out of memory");
        free(t);
        json_decref(root);
        return NULL;
    }
    atomic_init(&t->refs, 1);
    const char *key;
    json_t *value;
    char why[512];
    json_object_foreach(root, key, value)
    {
        if (add_entry(t, engine, key, value, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "%s: %s", path, why);
            free_docs(t);
            json_decref(root);
            return NULL;
        }
    }
    json_decref(root);
    return t;
}
