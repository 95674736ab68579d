/*
 * cache_key: a key is the SHA-256 of its parts, each preceded by its length,
 * so no two different lists of parts give the same input ("ab"+"c" is not
 * "a"+"bc"). What the parts are (prefix, schema version, document, operation,
 * variables, visibility class) is the caller's business.
 */
#ifndef CACHE_KEY_H
#define CACHE_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "cache/cache_lru.h"

typedef struct cache_key_part {
    const void *data;
    size_t len;
} cache_key_part;

/* 0, or -1 when OpenSSL fails (out of memory). */
int cache_key_derive(const cache_key_part *parts, size_t nparts, uint8_t out[CACHE_KEY_BYTES]);

/* Lower-case hex of a digest (out: 65 bytes). */
void cache_key_hex(const uint8_t key[CACHE_KEY_BYTES], char out[2 * CACHE_KEY_BYTES + 1]);

#endif
