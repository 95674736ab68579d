#include "cache/cache_key.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdbool.h>

/*
 * OpenSSL 3 looks SHA-256 up in its provider tables, under a lock, on every
 * EVP_sha256() digest and every SHA256() call; a cached request takes two
 * digests (the document's and the response key), so the algorithm is fetched
 * once for the process instead (kept until exit). Each thread also keeps one
 * digest context (freed when the thread ends): a new one per key costs a
 * malloc, a free and the provider's set-up, more than hashing a key's bytes.
 */
static EVP_MD *fetched;
static pthread_key_t ctx_key;
static bool ctx_key_ok;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void free_ctx(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void fetch_sha256(void)
{
    fetched = EVP_MD_fetch(NULL, "SHA256", NULL);
    ctx_key_ok = pthread_key_create(&ctx_key, free_ctx) == 0;
}

static const EVP_MD *sha256(void)
{
    pthread_once(&fetch_once, fetch_sha256);
    return fetched != NULL ? fetched : EVP_sha256();
}

/* This thread's context, ready for a new digest; NULL when out of memory. */
static EVP_MD_CTX *thread_ctx(void)
{
    const EVP_MD *md = sha256();
    if (!ctx_key_ok)
        return NULL;
    EVP_MD_CTX *ctx = pthread_getspecific(ctx_key);
    if (ctx == NULL) {
        ctx = EVP_MD_CTX_new();
        if (ctx == NULL)
            return NULL;
        if (pthread_setspecific(ctx_key, ctx) != 0) {
            EVP_MD_CTX_free(ctx);
            return NULL;
        }
    }
    return EVP_DigestInit_ex(ctx, md, NULL) == 1 ? ctx : NULL;
}

void cache_sha256(const void *data, size_t len, uint8_t out[CACHE_KEY_BYTES])
{
    EVP_MD_CTX *ctx = thread_ctx();
    unsigned int n = 0;
    if (ctx != NULL && EVP_DigestUpdate(ctx, data, len) == 1 && EVP_DigestFinal_ex(ctx, out, &n) == 1 &&
        n == CACHE_KEY_BYTES)
        return;
    if (EVP_Digest(data, len, out, &n, sha256(), NULL) != 1 || n != CACHE_KEY_BYTES)
        SHA256(data, len, out); /* out of memory in OpenSSL: its other way, as before */
}

int cache_key_derive(const cache_key_part *parts, size_t nparts, uint8_t out[CACHE_KEY_BYTES])
{
    EVP_MD_CTX *ctx = thread_ctx();
    bool own = false;
    if (ctx == NULL) { /* no per-thread context: one for this digest */
        own = (ctx = EVP_MD_CTX_new()) != NULL;
        if (!own || EVP_DigestInit_ex(ctx, sha256(), NULL) != 1) {
            EVP_MD_CTX_free(ctx);
            return -1;
        }
    }
    int ok = 1;
    for (size_t i = 0; ok && i < nparts; i++) {
        unsigned char len[8];
        for (int b = 0; b < 8; b++)
            len[b] = (unsigned char)((uint64_t)parts[i].len >> (8 * b));
        ok = EVP_DigestUpdate(ctx, len, sizeof(len)) == 1 &&
             (parts[i].len == 0 || EVP_DigestUpdate(ctx, parts[i].data, parts[i].len) == 1);
    }
    unsigned int n = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == CACHE_KEY_BYTES;
    if (own)
        EVP_MD_CTX_free(ctx);
    return ok ? 0 : -1;
}

void cache_key_hex(const uint8_t key[CACHE_KEY_BYTES], char out[2 * CACHE_KEY_BYTES + 1])
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < CACHE_KEY_BYTES; i++) {
        out[2 * i] = hex[key[i] >> 4];
        out[2 * i + 1] = hex[key[i] & 15];
    }
    out[(size_t)2 * CACHE_KEY_BYTES] = '\0';
}
