/*
 * The JWT verifier against the worked examples of RFC 7515 (appendix A.1,
 * HS256, and A.3, ES256: tokens and keys written by the RFC's authors), the
 * strict base64url it relies on, and the claims-to-principal mapping with its
 * scope rules. The integration tests (tests/integration/auth_*.test.mjs) run
 * the same code against tokens jose mints.
 */
#include <stdio.h>
#include <string.h>

#include "schema/base/b64url.h"
#include "check.h"
#include "schema/base/buf.h"
#include "server/auth/jwk.h"
#include "server/auth/jwt.h"
#include "resolvers/sql/auth_scope.h"
#include "server/auth/principal.h"

/* RFC 7515 A.1: HS256. */
static const char hs_token[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
static const char hs_key[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

/* RFC 7515 A.3: ES256 (the signature is r || s). */
static const char es_token[] =
    "eyJhbGciOiJFUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
static const char es_jwks[] =
    "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
    "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},"
    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}";

enum { BEFORE_EXP = 1300819000, AFTER_EXP = 1300819380 };

static void test_b64url(void)
{
    unsigned char out[16];
    CHECK_INT(b64url_decode("aGk", 3, out), 2);
    CHECK(memcmp(out, "hi", 2) == 0);
    CHECK_INT(b64url_decode("aGk=", 4, out), -1); /* padding */
    CHECK_INT(b64url_decode("aGl", 3, out), -1);  /* leftover bits set: a second spelling */
    CHECK_INT(b64url_decode("a+k", 3, out), -1);  /* base64, not base64url */
    CHECK_INT(b64url_decode("a", 1, out), -1);    /* six bits are no byte */
    CHECK_INT(b64url_decode("-_-_", 4, out), 3);
    CHECK_INT(b64url_decode("", 0, out), 0);
}

static void test_hs256(void)
{
    unsigned char key[64];
    ssize_t klen = b64url_decode(hs_key, strlen(hs_key), key);
    CHECK_INT(klen, 64);
    jwk_set *keys = jwk_set_secret(key, (size_t)klen);
    jwt_policy p = {.algorithms = JWT_HS256, .issuer = "joe"};
    json_t *claims;
    const char *why;
    CHECK_INT(jwt_verify(&p, keys, hs_token, strlen(hs_token), BEFORE_EXP, &claims, &why), JWT_VALID);
    CHECK(json_is_true(json_object_get(claims, "http://example.com/is_root")));
    json_decref(claims);
    CHECK_INT(jwt_verify(&p, keys, hs_token, strlen(hs_token), AFTER_EXP, &claims, &why), JWT_INVALID);
    CHECK_STR(why, "the token has expired");
    p.leeway = 1;
    CHECK_INT(jwt_verify(&p, keys, hs_token, strlen(hs_token), AFTER_EXP, &claims, &why), JWT_VALID);
    json_decref(claims);
    p.issuer = "jane";
    CHECK_INT(jwt_verify(&p, keys, hs_token, strlen(hs_token), BEFORE_EXP, &claims, &why), JWT_INVALID);
    CHECK_STR(why, "the token is from another issuer");
    p.issuer = NULL;
    p.algorithms = JWT_RS256 | JWT_ES256; /* the token's alg never picks the key type */
    CHECK_INT(jwt_verify(&p, keys, hs_token, strlen(hs_token), BEFORE_EXP, &claims, &why), JWT_INVALID);
    CHECK_STR(why, "the token's algorithm is not accepted");
    jwk_set_release(keys);
}

static void test_es256(void)
{
    char err[256] = "";
    jwk_set *keys = jwk_set_parse(es_jwks, strlen(es_jwks), NULL, 0, NULL, NULL, err, sizeof(err));
    CHECK(keys != NULL);
    if (keys == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_INT(keys->nkeys, 1);
    CHECK_INT(keys->skipped, 1); /* the Ed25519 key */
    jwt_policy p = {.algorithms = JWT_ES256};
    json_t *claims;
    const char *why;
    CHECK_INT(jwt_verify(&p, keys, es_token, strlen(es_token), BEFORE_EXP, &claims, &why), JWT_VALID);
    json_decref(claims);
    char flipped[sizeof(es_token)];
    memcpy(flipped, es_token, sizeof(es_token));
    flipped[sizeof(es_token) - 3] = flipped[sizeof(es_token) - 3] == 'N' ? 'M' : 'N';
    CHECK_INT(jwt_verify(&p, keys, flipped, strlen(flipped), BEFORE_EXP, &claims, &why), JWT_INVALID);
    CHECK_STR(why, "the token's signature does not verify");
    /* An HS256 header against this set: no secret, whatever the bytes. */
    p.algorithms = JWT_ES256 | JWT_HS256;
    CHECK_INT(jwt_verify(&p, keys, hs_token, strlen(hs_token), BEFORE_EXP, &claims, &why), JWT_INVALID);
    jwk_set_release(keys);

    /* A set whose only key is malformed (y is no canonical base64url) is refused when it is read. */
    const char *bad = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
                      "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                      "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1\"}]}";
    CHECK(jwk_set_parse(bad, strlen(bad), NULL, 0, NULL, NULL, err, sizeof(err)) == NULL);
    CHECK_STR(err,
              "key 0 of the JWKS (kid \"\"): a P-256 key needs 32-byte base64url \"x\" and \"y\"; no key "
              "of the JWKS is usable");
    CHECK(jwk_set_parse("{\"keys\":7}", 10, NULL, 0, NULL, NULL, err, sizeof(err)) == NULL);
    CHECK(jwk_set_parse("[]", 2, NULL, 0, NULL, NULL, err, sizeof(err)) == NULL);
}

typedef struct skipped_keys {
    size_t count;
    char kids[4][32];
    char why[4][96];
} skipped_keys;

static void on_skip(void *user, size_t index, const char *kid, const char *why)
{
    skipped_keys *s = user;
    (void)index;
    if (s->count < 4) {
        snprintf(s->kids[s->count], sizeof(s->kids[0]), "%s", kid);
        snprintf(s->why[s->count], sizeof(s->why[0]), "%s", why);
    }
    s->count++;
}

/* One weak or broken key among good ones (an identity provider mid-rotation): skipped, named, the rest kept.
 */
static void test_unusable_keys_are_skipped(void)
{
    char err[256] = "";
    const char *mixed =
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"weak\",\"alg\":\"RS256\",\"e\":\"AQAB\",\"n\":"
        "\"w8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8"
        "PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8M\"},"
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"good\","
        "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
        "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},"
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"malformed\","
        "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
        "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1\"},"
        "{\"kty\":\"RSA\",\"kid\":\"enc\",\"use\":\"enc\"}]}";
    skipped_keys s = {0};
    jwk_set *keys = jwk_set_parse(mixed, strlen(mixed), NULL, 0, on_skip, &s, err, sizeof(err));
    CHECK(keys != NULL);
    if (keys == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_INT(keys->nkeys, 1);
    CHECK_INT(keys->unusable, 2);
    CHECK_INT(keys->skipped, 1); /* the encryption key: ignored, not reported */
    CHECK_INT(s.count, 2);
    CHECK_STR(s.kids[0], "weak");
    CHECK_STR(s.why[0], "an RSA key is shorter than 2048 bits");
    CHECK_STR(s.kids[1], "malformed");
    CHECK(jwk_set_find(keys, "good", JWK_EC256) != NULL);
    CHECK(jwk_set_find(keys, "weak", JWK_RSA) == NULL);
    /* The RFC's token has no kid: the one P-256 key left verifies it. */
    jwt_policy p = {.algorithms = JWT_ES256};
    json_t *claims;
    const char *why;
    CHECK_INT(jwt_verify(&p, keys, es_token, strlen(es_token), BEFORE_EXP, &claims, &why), JWT_VALID);
    json_decref(claims);
    jwk_set_release(keys);
}

static void test_algorithms(void)
{
    CHECK_INT(jwt_parse_algorithms("RS256,ES256"), JWT_RS256 | JWT_ES256);
    CHECK_INT(jwt_parse_algorithms("HS256"), JWT_HS256);
    CHECK_INT(jwt_parse_algorithms("none"), 0);
    CHECK_INT(jwt_parse_algorithms("RS256,"), 0);
    CHECK_INT(jwt_parse_algorithms(""), 0);
}

static void test_principal(void)
{
    principal_policy pol = {
        .groups_claim = "cognito:groups", .customer_claim = "custom:customer_id", .admin_group = "admin"};
    char err[200];
    CHECK_INT(principal_parse_rules(&pol, "Order=orders:read, Order=orders:all Customer=c", err, sizeof(err)),
              0);
    CHECK_INT(pol.nrules, 3);
    CHECK_INT(principal_parse_rules(&pol, "Order", err, sizeof(err)), -1);
    CHECK_INT(principal_parse_rules(&pol, "Order=orders:read Customer=c", err, sizeof(err)), 0);

    gqld_principal p;
    const char *why;
    json_t *claims = json_pack("{s:s, s:[s,s], s:s, s:s}", "sub", "u1", "cognito:groups", "staff", "beta",
                               "custom:customer_id", "4567", "scope", "openid orders:read");
    CHECK_INT(principal_from_claims(&pol, claims, NULL, true, &p, &why), 0);
    CHECK_INT(p.rs.kind, RS_PRINCIPAL_CUSTOMER);
    CHECK_STR(p.rs.customer_id, "4567");
    CHECK_STR(p.groups, "staff,beta");
    CHECK_STR(p.rs.scope_denied, " Customer ");
    base_buf b;
    base_buf_init(&b);
    auth_scope_visibility_class(&p.rs, &b);
    base_buf_putc(&b, '\0');
    CHECK_STR(b.data, "customer:4567;deny: Customer ");
    base_buf_free(&b);
    json_decref(claims);

    /* Gateway (lenient): "[a b]" lists, a numeric id; admin. */
    claims = json_pack("{s:s, s:s, s:i}", "principalId", "u2", "cognito:groups", "[beta admin]",
                       "custom:customer_id", 12);
    CHECK_INT(principal_from_claims(&pol, claims, NULL, false, &p, &why), 0);
    CHECK_INT(p.rs.kind, RS_PRINCIPAL_ADMIN);
    CHECK_STR(p.sub, "u2");
    json_decref(claims);
    /* Strict: wrong JSON types are refused. */
    claims = json_pack("{s:i}", "sub", 5);
    CHECK_INT(principal_from_claims(&pol, claims, NULL, true, &p, &why), -1);
    json_decref(claims);
    claims = json_pack("{s:s, s:{}}", "sub", "x", "cognito:groups");
    CHECK_INT(principal_from_claims(&pol, claims, NULL, true, &p, &why), -1);
    json_decref(claims);
    /* A group list too long for its buffer is refused, never cut. */
    char big[2000];
    memset(big, 'g', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK_INT(principal_from_values(&pol, "x", big, NULL, NULL, &p, &why), -1);
    principal_anonymous(&pol, &p);
    CHECK_INT(p.rs.kind, RS_PRINCIPAL_ANONYMOUS);
    CHECK_STR(p.rs.scope_denied, " Order Customer ");
}

int main(void)
{
    test_b64url();
    test_hs256();
    test_es256();
    test_unusable_keys_are_skipped();
    test_algorithms();
    test_principal();
    return CHECK_EXIT();
}
