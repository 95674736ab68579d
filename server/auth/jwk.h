/*
 * jwk: an immutable set of verification keys, parsed once from a JWKS (RFC
 * 7517) or made from an HS256 secret, then shared by every thread. A key is
 * RSA (n, e; at least 2048 bits), EC P-256 (x, y; the point is checked to lie
 * on the curve), or a shared secret. Keys whose "use" is not "sig", of other
 * types or curves are ignored, not fatal: identity providers publish them. A
 * key of ours that cannot be used (an RSA key under 2048 bits, a point off the
 * curve, a malformed member) is skipped and reported, and the set keeps its
 * other keys: an identity provider rotating keys may publish such a set, and
 * refusing it whole would refuse every token. A set in which no key is usable
 * for that reason is refused.
 *
 * Sets are reference counted so that a refresh can swap in a new set while
 * requests still verify against the old one (jwks_source.h).
 */
#ifndef GQLD_JWK_H
#define GQLD_JWK_H

#include <openssl/evp.h>
#include <stdatomic.h>
#include <stddef.h>

typedef enum jwk_kind {
    JWK_RSA,    /* RS256 */
    JWK_EC256,  /* ES256 */
    JWK_SECRET, /* HS256 */
} jwk_kind;

typedef struct jwk_key {
    char *kid; /* NULL when the key has none */
    char *alg; /* NULL, or the one algorithm the key is for ("RS256", ...) */
    jwk_kind kind;
    EVP_PKEY *pkey;        /* RSA and EC */
    unsigned char *secret; /* JWK_SECRET */
    size_t secret_len;
} jwk_key;

typedef struct jwk_set {
    atomic_uint refs;
    size_t nkeys;
    size_t skipped;  /* keys ignored (other use, type or curve) */
    size_t unusable; /* keys of ours that cannot be used (reported through jwk_skip_cb) */
    jwk_key keys[];
} jwk_set;

/* An unusable key of a set: its position, its kid ("" when it has none) and why. */
typedef void (*jwk_skip_cb)(void *user, size_t index, const char *kid, const char *why);

/*
 * Parses a JWKS document ({"keys":[...]}), adding the HS256 secret when one is
 * given (copied). Each unusable key is skipped and passed to on_skip (may be
 * NULL). NULL with a message when the document is not a JWKS, or when it has
 * unusable keys and no usable one.
 */
jwk_set *jwk_set_parse(const char *json, size_t len, const unsigned char *secret, size_t secret_len,
                       jwk_skip_cb on_skip, void *user, char *err, size_t errlen);

/* A set holding one HS256 secret (copied). */
jwk_set *jwk_set_secret(const unsigned char *secret, size_t len);

jwk_set *jwk_set_retain(jwk_set *set);
void jwk_set_release(jwk_set *set);

/*
 * The key for a token's kid (NULL: the token has none) and algorithm's key
 * kind. Without a kid, only a set with exactly one key of that kind answers.
 */
const jwk_key *jwk_set_find(const jwk_set *set, const char *kid, jwk_kind kind);

#endif
