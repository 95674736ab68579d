/*
 * http_tls: the OpenSSL server context of the HTTPS listener (GQLD_TLS_CERT,
 * GQLD_TLS_KEY): TLS 1.2 and 1.3 only; for TLS 1.2 only AEAD ciphers with
 * forward secrecy (ECDHE with AES-GCM or ChaCha20-Poly1305, Mozilla's
 * "intermediate" list); no compression, no renegotiation; HTTP/2 ("h2") by
 * ALPN, with HTTP/1.1 for clients that do not offer it.
 */
#ifndef GQLD_HTTP_TLS_H
#define GQLD_HTTP_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

/* A new context, or NULL with a message naming the failing setting in err. */
SSL_CTX *http_tls_create(const char *cert_file, const char *key_file, char *err, size_t errlen);

#endif
