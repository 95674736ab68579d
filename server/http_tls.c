#include "server/http_tls.h"

#include <h2o.h>
#include <openssl/err.h>
#include <stdio.h>

#define TLS12_CIPHERS                                                                                        \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"               \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* "what: OpenSSL's reason" into err, and OpenSSL's error queue emptied. */
static SSL_CTX *fail(SSL_CTX *ctx, char *err, size_t errlen, const char *what, const char *file)
{
    unsigned long code = ERR_peek_last_error();
    char reason[256];
    ERR_error_string_n(code, reason, sizeof(reason));
    snprintf(err, errlen, "%s \"%s\": %s", what, file, code != 0 ? reason : "unknown error");
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return NULL;
}

SSL_CTX *http_tls_create(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return fail(NULL, err, errlen, "GQLD_TLS_CERT: cannot create a TLS context for", cert_file);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* TLS 1.3's own suites are all AEAD with forward secrecy; OpenSSL's default list is kept for them. */
    SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS);
    SSL_CTX_set_options(ctx,
                        SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
        return fail(ctx, err, errlen, "GQLD_TLS_CERT: cannot use the certificate", cert_file);
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1)
        return fail(ctx, err, errlen, "GQLD_TLS_KEY: cannot use the private key", key_file);
    if (SSL_CTX_check_private_key(ctx) != 1)
        return fail(ctx, err, errlen, "GQLD_TLS_KEY: the key does not match the certificate of GQLD_TLS_CERT",
                    key_file);
    /* h2o_alpn_protocols is h2 (and its drafts) then http/1.1: a client offering only http/1.1 gets it named.
     */
    h2o_ssl_register_alpn_protocols(ctx, h2o_alpn_protocols);
    return ctx;
}
