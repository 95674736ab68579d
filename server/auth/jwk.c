#include "server/auth/jwk.h"

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/base/b64url.h"

enum { MAX_KEYS = 64, MIN_RSA_BITS = 2048, MAX_RSA_BYTES = 1024, P256_COORD = 32 };

/* A base64url member decoded into a fresh buffer; NULL when absent or malformed. */
static unsigned char *member_bytes(const json_t *jwk, const char *name, size_t max, size_t *len)
{
    const json_t *v = json_object_get(jwk, name);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return NULL;
    size_t n = json_string_length(v);
    if (b64url_decoded_max(n) > max + 2)
        return NULL;
    unsigned char *out = malloc(b64url_decoded_max(n));
    ssize_t got = out != NULL ? b64url_decode(json_string_value(v), n, out) : -1;
    if (got <= 0) {
        free(out);
        return NULL;
    }
    *len = (size_t)got;
    return out;
}

static EVP_PKEY *pkey_from(const char *type, OSSL_PARAM_BLD *bld)
{
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return pkey;
}

static EVP_PKEY *rsa_key(const json_t *jwk, const char **why)
{
    size_t nlen = 0, elen = 0;
    unsigned char *n = member_bytes(jwk, "n", MAX_RSA_BYTES, &nlen);
    unsigned char *e = member_bytes(jwk, "e", 8, &elen);
    EVP_PKEY *pkey = NULL;
    BIGNUM *bn = n ? BN_bin2bn(n, (int)nlen, NULL) : NULL, *be = e ? BN_bin2bn(e, (int)elen, NULL) : NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bn == NULL || be == NULL)
        *why = "an RSA key needs base64url \"n\" and \"e\"";
    else if (BN_num_bits(bn) < MIN_RSA_BITS)
        *why = "an RSA key is shorter than 2048 bits";
    else if (bld != NULL && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
        pkey = pkey_from("RSA", bld);
    if (pkey == NULL && *why == NULL)
        *why = "an RSA key OpenSSL refuses";
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    free(n);
    free(e);
    return pkey;
}

static EVP_PKEY *ec_key(const json_t *jwk, const char **why)
{
    size_t xlen = 0, ylen = 0;
    unsigned char *x = member_bytes(jwk, "x", P256_COORD, &xlen);
    unsigned char *y = member_bytes(jwk, "y", P256_COORD, &ylen);
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (x == NULL || y == NULL || xlen != P256_COORD || ylen != P256_COORD) {
        *why = "a P-256 key needs 32-byte base64url \"x\" and \"y\"";
    } else if (bld != NULL) {
        unsigned char point[1 + 2 * P256_COORD] = {0x04}; /* SEC 1 uncompressed point */
        memcpy(point + 1, x, P256_COORD);
        memcpy(point + 1 + P256_COORD, y, P256_COORD);
        if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
            OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)))
            pkey = pkey_from("EC", bld);
        /* fromdata decodes the point; the check makes "on the curve" explicit, not an implementation detail.
         */
        EVP_PKEY_CTX *check = pkey ? EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL) : NULL;
        if (pkey != NULL && (check == NULL || EVP_PKEY_public_check(check) != 1)) {
            EVP_PKEY_free(pkey);
            pkey = NULL;
        }
        EVP_PKEY_CTX_free(check);
        if (pkey == NULL)
            *why = "a P-256 key whose point is not on the curve";
    }
    OSSL_PARAM_BLD_free(bld);
    free(x);
    free(y);
    return pkey;
}

static void key_free(jwk_key *k)
{
    free(k->kid);
    free(k->alg);
    EVP_PKEY_free(k->pkey);
    if (k->secret != NULL)
        OPENSSL_cleanse(k->secret, k->secret_len);
    free(k->secret);
}

static const char *optional_string(const json_t *jwk, const char *name, bool *bad)
{
    const json_t *v = json_object_get(jwk, name);
    if (v != NULL && !json_is_string(v))
        *bad = true;
    return json_string_value(v);
}

/*
 * 1: key parsed into k; 0: ignored (not a signature key we serve); -1: unusable (why says why), or out of
 * memory (*oom).
 */
static int parse_key(const json_t *jwk, jwk_key *k, const char **why, bool *oom)
{
    if (!json_is_object(jwk)) {
        *why = "a key that is not a JSON object";
        return -1;
    }
    bool bad = false;
    const char *kty = optional_string(jwk, "kty", &bad), *use = optional_string(jwk, "use", &bad);
    const char *kid = optional_string(jwk, "kid", &bad), *alg = optional_string(jwk, "alg", &bad);
    const char *crv = optional_string(jwk, "crv", &bad);
    if (bad || kty == NULL) {
        *why = "a key whose kty, use, kid, alg or crv is missing or not a string";
        return -1;
    }
    if (use != NULL && strcmp(use, "sig") != 0)
        return 0;
    if (strcmp(kty, "RSA") == 0 && (alg == NULL || strcmp(alg, "RS256") == 0)) {
        k->kind = JWK_RSA;
        k->pkey = rsa_key(jwk, why);
    } else if (strcmp(kty, "EC") == 0 && crv != NULL && strcmp(crv, "P-256") == 0 &&
               (alg == NULL || strcmp(alg, "ES256") == 0)) {
        k->kind = JWK_EC256;
        k->pkey = ec_key(jwk, why);
    } else {
        return 0; /* other types, curves and algorithms: not ours to verify with */
    }
    if (k->pkey == NULL)
        return -1;
    k->kid = kid ? strdup(kid) : NULL;
    k->alg = alg ? strdup(alg) : NULL;
    if ((kid != NULL && k->kid == NULL) || (alg != NULL && k->alg == NULL)) {
        *why = "out of memory";
        *oom = true;
        return -1;
    }
    return 1;
}

/* The key's kid for a message: its string, or "" when it has none (or not a string). */
static const char *kid_of(const json_t *jwk)
{
    const char *kid = json_string_value(json_object_get(jwk, "kid"));
    return kid != NULL ? kid : "";
}

jwk_set *jwk_set_parse(const char *json, size_t len, const unsigned char *secret, size_t secret_len,
                       jwk_skip_cb on_skip, void *user, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    const json_t *keys = json_object_get(doc, "keys");
    if (!json_is_array(keys)) {
        snprintf(err, errlen, "not a JWKS: %s", doc == NULL ? jerr.text : "no \"keys\" array");
        json_decref(doc);
        return NULL;
    }
    size_t n = json_array_size(keys);
    if (n > MAX_KEYS) {
        snprintf(err, errlen, "a JWKS with %zu keys (at most %d)", n, MAX_KEYS);
        json_decref(doc);
        return NULL;
    }
    jwk_set *set = calloc(1, sizeof(*set) + (n + 1) * sizeof(jwk_key));
    if (set == NULL) {
        snprintf(err, errlen, "out of memory");
        json_decref(doc);
        return NULL;
    }
    atomic_init(&set->refs, 1);
    for (size_t i = 0; i < n; i++) {
        const char *why = NULL;
        bool oom = false;
        const json_t *jwk = json_array_get(keys, i);
        jwk_key *k = &set->keys[set->nkeys];
        int rc = parse_key(jwk, k, &why, &oom);
        if (rc < 0) {
            key_free(k);
            *k = (jwk_key){0};
            why = why ? why : "invalid";
            /* The set's first unusable key says why, should no key be usable at all. */
            if (set->unusable++ == 0 || oom)
                snprintf(err, errlen, "key %zu of the JWKS (kid \"%s\"): %s", i, kid_of(jwk), why);
            if (oom) {
                jwk_set_release(set);
                json_decref(doc);
                return NULL;
            }
            if (on_skip != NULL)
                on_skip(user, i, kid_of(jwk), why);
        } else if (rc == 0) {
            set->skipped++;
        } else {
            set->nkeys++;
        }
    }
    json_decref(doc);
    if (set->nkeys == 0 && set->unusable > 0) {
        /* Nothing to verify with, and not for want of keys: a broken set, not a rotation in progress. */
        size_t used = strlen(err);
        snprintf(err + used, errlen - used, "; no key of the JWKS is usable");
        jwk_set_release(set);
        return NULL;
    }
    if (secret != NULL) {
        jwk_key *k = &set->keys[set->nkeys];
        *k = (jwk_key){
            .kind = JWK_SECRET, .secret = malloc(secret_len ? secret_len : 1), .secret_len = secret_len};
        if (k->secret == NULL) {
            snprintf(err, errlen, "out of memory");
            jwk_set_release(set);
            return NULL;
        }
        memcpy(k->secret, secret, secret_len);
        set->nkeys++;
    }
    return set;
}

jwk_set *jwk_set_secret(const unsigned char *secret, size_t len)
{
    jwk_set *set = calloc(1, sizeof(*set) + sizeof(jwk_key));
    unsigned char *copy = set != NULL ? malloc(len ? len : 1) : NULL;
    if (copy == NULL) {
        free(set);
        return NULL;
    }
    memcpy(copy, secret, len);
    atomic_init(&set->refs, 1);
    set->nkeys = 1;
    set->keys[0] = (jwk_key){.kind = JWK_SECRET, .secret = copy, .secret_len = len};
    return set;
}

jwk_set *jwk_set_retain(jwk_set *set)
{
    if (set != NULL)
        atomic_fetch_add_explicit(&set->refs, 1, memory_order_relaxed);
    return set;
}

void jwk_set_release(jwk_set *set)
{
    if (set == NULL || atomic_fetch_sub_explicit(&set->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < set->nkeys; i++)
        key_free(&set->keys[i]);
    free(set);
}

const jwk_key *jwk_set_find(const jwk_set *set, const char *kid, jwk_kind kind)
{
    const jwk_key *only = NULL;
    size_t count = 0;
    for (size_t i = 0; set != NULL && i < set->nkeys; i++) {
        const jwk_key *k = &set->keys[i];
        if (k->kind != kind)
            continue;
        /* A shared secret has no kid to match: it is the one secret configured. */
        if (kind == JWK_SECRET || (kid != NULL && k->kid != NULL && strcmp(k->kid, kid) == 0))
            return k;
        only = k;
        count++;
    }
    return kid == NULL && count == 1 ? only : NULL;
}
