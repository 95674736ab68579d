/*
 * libFuzzer target: any byte sequence as a token, through the whole verifier
 * (split, base64url, header JSON, key choice, RS256/ES256/HS256 signature,
 * claims, principal), and as an API Gateway authorizer context. The key set
 * holds an RSA, an EC P-256 key and an HS256 secret, so every path is
 * reachable; the clock is fixed so that runs reproduce.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/auth/gateway.h"
#include "server/auth/jwk.h"
#include "server/auth/jwt.h"
#include "server/auth/principal.h"

static const char jwks[] =
    "{\"keys\":["
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},"
    "{\"kty\":\"RSA\",\"kid\":\"rsa\",\"e\":\"AQAB\",\"n\":\""
    "q7r9bFum5NL3bH1MmJUcBXJ2F1rLGyECxgH1f1OA4Y4QrGefqZP5_RZJxi7pqv5ozWCCCCBm2FuGh1USsuz7ZN2_nPaAVUxxSceT"
    "9JrJBMQ2SobLHNySGdJXqlmesAa1Th7wivOK_tK4skYhopxM80F4QvGhRInVyL0nUf3XBmBGbWRhknjrJzyOoz_WcksLeSmiMoTt"
    "lS5Lqxg_C6Zhb5GuyVl5LK2LoxYIiB-bkF7PXJkDunvVTv2emrj-Iqjv7zTNisJJO3QL85Gp9Ns1IZP83gfu_pII5RVgCtv8RUqu"
    "Zndvr6dvEfnjwfe1_3tkNsZlAXbqot_kda2BXHe4yQ"
    "\"}"
    "]}";

static jwk_set *keys;
static principal_policy policy = {
    .groups_claim = "cognito:groups", .customer_claim = "custom:customer_id", .admin_group = "admin"};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const unsigned char secret[] = "a-shared-secret-of-at-least-32-bytes-long!";
    char err[256];
    keys = jwk_set_parse(jwks, sizeof(jwks) - 1, secret, sizeof(secret) - 1, NULL, NULL, err, sizeof(err));
    if (keys == NULL)
        __builtin_trap();
    principal_parse_rules(&policy, "Order=orders:read Customer=customers:read", err, sizeof(err));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jwt_policy p = {.algorithms = JWT_RS256 | JWT_ES256 | JWT_HS256,
                    .issuer = "joe",
                    .audiences = "a,b",
                    .leeway = 30,
                    .cognito = (size & 1) != 0,
                    .allow_access = true,
                    .allow_id = true};
    json_t *claims = NULL;
    const char *why;
    if (jwt_verify(&p, keys, (const char *)data, size, 1300819000, &claims, &why) == JWT_VALID) {
        gqld_principal out;
        principal_from_claims(&policy, claims, NULL, true, &out, &why);
        json_decref(claims);
    }
    gqld_principal gw;
    gateway_principal_from_context(&policy, (const char *)data, size, &gw, &why);
    return 0;
}
