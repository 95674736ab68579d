/*
 * jwks_source: where the verification keys come from, and the one place they
 * change. A JWKS file (JWT_JWKS_FILE) and an HS256 secret file
 * (JWT_HS256_SECRET_FILE) are read once at start-up; a JWKS URL
 * (JWT_JWKS_URL) is fetched at start-up and then by a background thread,
 * every JWT_JWKS_REFRESH_SECONDS and when a token names a kid the set does not
 * hold, at most once per JWT_JWKS_MIN_REFRESH_SECONDS (so a stream of forged
 * kids cannot turn into a stream of fetches).
 *
 * The current set is an immutable, reference-counted jwk_set behind a pointer
 * that the fetcher swaps under a mutex; a request takes a reference for the
 * length of one verification (a few instructions under an uncontended lock)
 * and never waits on the network. A failed fetch keeps the previous set.
 */
#ifndef GQLD_JWKS_SOURCE_H
#define GQLD_JWKS_SOURCE_H

#include <stddef.h>

#include "server/auth/jwk.h"

typedef struct jwks_source_config {
    const char *jwks_file;   /* "" or NULL: none */
    const char *jwks_url;    /* "" or NULL: none */
    const char *secret_file; /* "" or NULL: none */
    unsigned refresh_seconds;
    unsigned min_refresh_seconds;
    const char *ca_file; /* "" or NULL: libcurl's default CA bundle; else the only CAs trusted for https */
} jwks_source_config;

typedef struct jwks_source jwks_source;

/* Reads the files and makes the first fetch; NULL with a message naming the setting when a file is bad. */
jwks_source *jwks_source_create(const jwks_source_config *cfg, char *err, size_t errlen);

/* The current key set, retained (jwk_set_release it); NULL while none could be fetched yet. */
jwk_set *jwks_source_acquire(jwks_source *s);

/* A token named a kid the current set lacks: asks the fetcher for a refresh (rate limited). */
void jwks_source_unknown_kid(jwks_source *s);

void jwks_source_destroy(jwks_source *s);

#endif
