#include "server/auth/jwt.h"

#include <math.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <string.h>

#include "schema/base/b64url.h"

enum { P256_SIG = 64, SHA256_LEN = 32 };

unsigned jwt_parse_algorithms(const char *list)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"RS256", JWT_RS256}, {"ES256", JWT_ES256}, {"HS256", JWT_HS256}};
    unsigned algs = 0;
    const char *s = list;
    while (*s != '\0') {
        size_t n = strcspn(s, ","), i;
        for (i = 0; i < 3; i++)
            if (strlen(names[i].name) == n && strncmp(s, names[i].name, n) == 0)
                break;
        if (i == 3)
            return 0;
        algs |= names[i].bit;
        s += n;
        if (*s == ',' && *++s == '\0')
            return 0;
    }
    return algs;
}

/* A segment decoded as a JSON object (duplicate names refused: two readers must not disagree). */
static json_t *decode_object(const char *seg, size_t len)
{
    unsigned char buf[JWT_MAX_TOKEN];
    if (b64url_decoded_max(len) > sizeof(buf))
        return NULL;
    ssize_t n = b64url_decode(seg, len, buf);
    if (n <= 0)
        return NULL;
    json_error_t jerr;
    json_t *v = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(v)) {
        json_decref(v);
        return NULL;
    }
    return v;
}

static bool verify_pkey(EVP_PKEY *pkey, const unsigned char *sig, size_t siglen, const char *input,
                        size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
              EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)input, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* JWS carries an ECDSA signature as r || s (RFC 7518 3.4); OpenSSL verifies DER. */
static bool verify_es256(EVP_PKEY *pkey, const unsigned char *sig, size_t siglen, const char *input,
                         size_t len)
{
    if (siglen != P256_SIG)
        return false;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, P256_SIG / 2, NULL), *s = BN_bin2bn(sig + P256_SIG / 2, P256_SIG / 2, NULL);
    if (es == NULL || r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return false;
    }
    unsigned char der[80], *p = der; /* SEQUENCE of two INTEGERs of at most 33 bytes */
    int derlen = i2d_ECDSA_SIG(es, NULL) <= (int)sizeof(der) ? i2d_ECDSA_SIG(es, &p) : -1;
    ECDSA_SIG_free(es);
    return derlen > 0 && verify_pkey(pkey, der, (size_t)derlen, input, len);
}

static bool verify_hs256(const jwk_key *k, const unsigned char *sig, size_t siglen, const char *input,
                         size_t len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned maclen = 0;
    if (siglen != SHA256_LEN || HMAC(EVP_sha256(), k->secret, (int)k->secret_len,
                                     (const unsigned char *)input, len, mac, &maclen) == NULL)
        return false;
    return maclen == SHA256_LEN && CRYPTO_memcmp(mac, sig, SHA256_LEN) == 0;
}

/* A NumericDate: a JSON number (integer or not), finite. */
static int numeric_date(const json_t *claims, const char *name, double *out, bool *present)
{
    const json_t *v = json_object_get(claims, name);
    *present = v != NULL;
    if (v == NULL)
        return 0;
    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
    return isfinite(*out) ? 0 : -1;
}

static bool listed(const char *list, const char *value)
{
    size_t vlen = strlen(value);
    for (const char *s = list; *s != '\0';) {
        size_t n = strcspn(s, ",");
        if (n == vlen && n > 0 && memcmp(s, value, n) == 0)
            return true;
        s += n;
        s += *s == ',';
    }
    return false;
}

/* aud (a string or an array of strings) or client_id in the list, as API Gateway's JWT authorizer checks. */
static const char *check_audience(const jwt_policy *p, const json_t *claims)
{
    const json_t *aud = json_object_get(claims, "aud"), *client = json_object_get(claims, "client_id");
    if ((aud != NULL && !json_is_string(aud) && !json_is_array(aud)) ||
        (client != NULL && !json_is_string(client)))
        return "the token's aud or client_id is not a string";
    /* The whole claim is well-formed or the token is refused: never a verdict that depends on the order. */
    size_t i;
    const json_t *item;
    json_array_foreach(aud, i, item)
    {
        if (!json_is_string(item))
            return "the token's aud is not a string";
    }
    if (p->cognito) {
        const json_t *use = json_object_get(claims, "token_use");
        const char *u = json_string_value(use);
        bool access = u != NULL && strcmp(u, "access") == 0, id = u != NULL && strcmp(u, "id") == 0;
        if ((!access || !p->allow_access) && (!id || !p->allow_id))
            return "the token's token_use is not accepted";
        /* Cognito puts the app client id in client_id (access tokens) or aud (id tokens). */
        const json_t *where = access ? client : aud;
        if (p->audiences == NULL || p->audiences[0] == '\0')
            return NULL;
        return json_is_string(where) && listed(p->audiences, json_string_value(where))
                   ? NULL
                   : "the token is for another audience";
    }
    if (p->audiences == NULL || p->audiences[0] == '\0')
        return NULL;
    if (json_is_string(aud) && listed(p->audiences, json_string_value(aud)))
        return NULL;
    json_array_foreach(aud, i, item)
    {
        if (listed(p->audiences, json_string_value(item)))
            return NULL;
    }
    if (json_is_string(client) && listed(p->audiences, json_string_value(client)))
        return NULL;
    return "the token is for another audience";
}

static const char *check_claims(const jwt_policy *p, const json_t *claims, long long now)
{
    double exp = 0, nbf = 0, iat = 0;
    bool has_exp, has_nbf, has_iat;
    if (numeric_date(claims, "exp", &exp, &has_exp) != 0 ||
        numeric_date(claims, "nbf", &nbf, &has_nbf) != 0 || numeric_date(claims, "iat", &iat, &has_iat) != 0)
        return "the token's exp, nbf or iat is not a number";
    if (!has_exp)
        return "the token has no expiry (exp)";
    double t = (double)now, leeway = (double)p->leeway;
    if (t >= exp + leeway)
        return "the token has expired";
    if (has_nbf && t + leeway < nbf)
        return "the token is not valid yet";
    if (has_iat && iat > t + leeway)
        return "the token was issued in the future";
    const json_t *iss = json_object_get(claims, "iss");
    if (iss != NULL && !json_is_string(iss))
        return "the token's iss is not a string";
    if (p->issuer != NULL && p->issuer[0] != '\0' &&
        (!json_is_string(iss) || strcmp(json_string_value(iss), p->issuer) != 0))
        return "the token is from another issuer";
    return check_audience(p, claims);
}

static bool key_allows(const jwk_key *k, const char *alg)
{
    return k->alg == NULL || strcmp(k->alg, alg) == 0;
}

jwt_result jwt_verify(const jwt_policy *policy, const jwk_set *keys, const char *token, size_t len,
                      long long now, json_t **claims, const char **why)
{
    *claims = NULL;
    *why = "the token is malformed";
    if (len == 0 || len > JWT_MAX_TOKEN)
        return JWT_INVALID;
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (dot2 == NULL || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL)
        return JWT_INVALID;
    size_t hlen = (size_t)(dot1 - token), plen = (size_t)(dot2 - dot1 - 1),
           slen = len - (size_t)(dot2 + 1 - token);
    if (hlen > JWT_MAX_HEADER) {
        *why = "the token's header is too large";
        return JWT_INVALID;
    }
    json_t *header = decode_object(token, hlen);
    const char *alg = json_string_value(json_object_get(header, "alg"));
    const json_t *kidv = json_object_get(header, "kid");
    if (header == NULL || alg == NULL || (kidv != NULL && !json_is_string(kidv)) ||
        json_object_get(header, "crit") != NULL) {
        json_decref(header); /* crit names extensions we do not implement: RFC 7515 4.1.11 says refuse */
        return JWT_INVALID;
    }
    unsigned bit = strcmp(alg, "RS256") == 0   ? JWT_RS256
                   : strcmp(alg, "ES256") == 0 ? JWT_ES256
                   : strcmp(alg, "HS256") == 0 ? JWT_HS256
                                               : 0;
    if ((bit & policy->algorithms) == 0) {
        json_decref(header);
        *why = "the token's algorithm is not accepted";
        return JWT_INVALID;
    }
    jwk_kind kind = bit == JWT_RS256 ? JWK_RSA : bit == JWT_ES256 ? JWK_EC256 : JWK_SECRET;
    const jwk_key *key = jwk_set_find(keys, json_string_value(kidv), kind);
    bool had_kid = kidv != NULL;
    if (key == NULL || !key_allows(key, alg)) {
        json_decref(header);
        *why = "no key matches the token's kid";
        return had_kid && kind != JWK_SECRET ? JWT_UNKNOWN_KID : JWT_INVALID;
    }
    json_decref(header);

    unsigned char sig[1024]; /* RSA up to 8192 bits, like the keys jwk.c accepts */
    ssize_t siglen = b64url_decoded_max(slen) <= sizeof(sig) ? b64url_decode(dot2 + 1, slen, sig) : -1;
    if (siglen <= 0)
        return JWT_INVALID;
    size_t input_len = (size_t)(dot2 - token);
    bool ok = kind == JWK_RSA     ? verify_pkey(key->pkey, sig, (size_t)siglen, token, input_len)
              : kind == JWK_EC256 ? verify_es256(key->pkey, sig, (size_t)siglen, token, input_len)
                                  : verify_hs256(key, sig, (size_t)siglen, token, input_len);
    if (!ok) {
        *why = "the token's signature does not verify";
        return JWT_INVALID;
    }
    /* Only a signed payload is parsed: unauthenticated bytes never reach the claim checks. */
    json_t *payload = decode_object(dot1 + 1, plen);
    if (payload == NULL)
        return JWT_INVALID;
    const char *problem = check_claims(policy, payload, now);
    if (problem != NULL) {
        json_decref(payload);
        *why = problem;
        return JWT_INVALID;
    }
    *claims = payload;
    *why = NULL;
    return JWT_VALID;
}
