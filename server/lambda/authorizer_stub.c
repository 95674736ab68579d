/*
 * TEMPORARY STUB, not a feature: the Lambda authorizer is built by the auth
 * branch. Until it merges, creating the authorizer fails with "not built", so
 * `_HANDLER=authorizer` reports an init error (and tests/integration/
 * lambda_authorizer.test.mjs skips). The coordinator deletes this file, its
 * header and its line in server/meson.build at merge.
 */
#include "authorizer_stub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

gqld_authorizer *gqld_authorizer_create(const gqld_config *cfg, char *err, size_t errlen)
{
    (void)cfg;
    snprintf(err, errlen, "the Lambda authorizer is not built into this binary (stub)");
    return NULL;
}

int gqld_authorizer_handle(gqld_authorizer *a, const char *event, size_t len, char **out)
{
    (void)a;
    (void)event;
    (void)len;
    *out = strdup("the Lambda authorizer is not built into this binary (stub)");
    return -1;
}

void gqld_authorizer_destroy(gqld_authorizer *a)
{
    (void)a;
}
