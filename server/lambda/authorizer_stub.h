/*
 * TEMPORARY STUB: the coordinator deletes this file and authorizer_stub.c when
 * the auth branch (server/auth/authorizer.h, authorizer.c) merges. It declares
 * the authorizer interface that branch provides, so the Lambda branch links.
 */
#ifndef GQLD_AUTHORIZER_STUB_H
#define GQLD_AUTHORIZER_STUB_H

#include <stddef.h>

#include "config.h"

typedef struct gqld_authorizer gqld_authorizer;
gqld_authorizer *gqld_authorizer_create(const gqld_config *cfg, char *err, size_t errlen);
/* 0: *out = response JSON (malloc'd); 1: the Lambda error "Unauthorized" (*out NULL); -1: malformed event,
 * *out = malloc'd message */
int gqld_authorizer_handle(gqld_authorizer *a, const char *event, size_t len, char **out);
void gqld_authorizer_destroy(gqld_authorizer *a);

#endif
