#include "server/http_tls.h"

#include <h2o.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>

#define TLS12_CIPHERS                                                                                        \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"               \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* "SETTING \"file\" problem (OpenSSL: its reason)" into err, and OpenSSL's error queue emptied. */
static SSL_CTX *fail(SSL_CTX *ctx, char *err, size_t errlen, const char *setting, const char *file,
                     const char *problem)
{
    unsigned long code = ERR_peek_last_error();
    const char *reason = code != 0 ? ERR_reason_error_string(code) : NULL;
    snprintf(err, errlen, "%s \"%s\" %s (OpenSSL: %s)", setting, file, problem,
             reason != NULL ? reason : "no reason given");
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return NULL;
}

SSL_CTX *http_tls_create(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return fail(NULL, err, errlen, "GQLD_TLS_CERT", cert_file, "cannot have a TLS context");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* TLS 1.3's own suites are all AEAD with forward secrecy; OpenSSL's default list is kept for them. */
    SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS);
    SSL_CTX_set_options(ctx,
                        SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1)
        return fail(ctx, err, errlen, "GQLD_TLS_CERT", cert_file, "is not a usable PEM certificate (chain)");
    /* OpenSSL checks the key against the certificate as it loads it: a mismatch is said as one. */
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1)
        return fail(ctx, err, errlen, "GQLD_TLS_KEY", key_file,
                    ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH
                        ? "does not match the certificate of GQLD_TLS_CERT"
                        : "is not a usable PEM private key");
    if (SSL_CTX_check_private_key(ctx) != 1)
        return fail(ctx, err, errlen, "GQLD_TLS_KEY", key_file,
                    "does not match the certificate of GQLD_TLS_CERT");
    /* h2o_alpn_protocols is h2 (and its drafts) then http/1.1: a client offering only http/1.1 gets it named.
     */
    h2o_ssl_register_alpn_protocols(ctx, h2o_alpn_protocols);
    return ctx;
}
