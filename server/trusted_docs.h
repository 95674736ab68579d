/*
 * trusted_docs: the manifest of trusted documents (GQLD_TRUSTED_DOCUMENTS),
 * `{"<sha256 hex>": "<document>", ...}` as GraphQL Code Generator's client
 * preset and Relay write it, looked up by the document's SHA-256. A manifest
 * is loaded whole or not at all: every key must be the SHA-256 of its
 * document and every document must pass the checks a request's document
 * passes (rs_engine_validate), else the load fails and says which.
 *
 * Immutable once loaded and shared by reference count: each worker holds the
 * manifest it serves with and swaps to a new one between requests (SIGHUP),
 * so a reload never touches a request in progress; the last holder frees it.
 */
#ifndef GQLD_TRUSTED_DOCS_H
#define GQLD_TRUSTED_DOCS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resolvers/engine.h"

typedef struct trusted_docs trusted_docs;

/* Reads and checks the manifest at path; NULL with a one-line reason in err. Its reference count is 1. */
trusted_docs *trusted_docs_load(const char *path, const rs_engine *engine, char *err, size_t errlen);

void trusted_docs_retain(trusted_docs *t);
void trusted_docs_release(trusted_docs *t); /* NULL is fine */

size_t trusted_docs_count(const trusted_docs *t);

/* The document whose SHA-256 is digest (32 bytes), or NULL. */
const char *trusted_docs_find(const trusted_docs *t, const uint8_t digest[32], size_t *len);

/*
 * A reader's manifest now (a worker's, between requests): when the main
 * thread left a newer one in *next, it becomes *current and the old one is
 * released. One relaxed load when there is none.
 */
trusted_docs *trusted_docs_current(trusted_docs **current, trusted_docs *_Atomic *next);
/* The main thread's side: leaves t (a reference taken here) in a reader's *next, releasing one not taken. */
void trusted_docs_offer(trusted_docs *_Atomic *next, trusted_docs *t);

/* 64 hex digits (either case) to 32 bytes; false when it is not that. */
bool trusted_docs_parse_hex(const char *hex, size_t len, uint8_t digest[32]);

#endif
