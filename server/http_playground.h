/*
 * http_playground: the browser playground. GET or HEAD on /, /playground and
 * /playground/ answer GraphiQL's page; /playground/assets/NAME.HASH.EXT its
 * scripts and style sheets. Every file is embedded in the binary at build time
 * (infra/playground/build.sh: pinned npm packages, content-hashed names, a
 * gzip -9 copy of each), so the page works with no internet; assets are cached
 * for a year, the page itself is revalidated by its ETag, and a strict
 * Content-Security-Policy keeps the page to this origin. GQLD_PLAYGROUND=off
 * turns it off: those paths then get the server's ordinary 404.
 */
#ifndef GQLD_HTTP_PLAYGROUND_H
#define GQLD_HTTP_PLAYGROUND_H

#include <h2o.h>

/* Answers req and returns 0 when its path is the playground's and the playground is on; else -1. */
int http_playground_handle(h2o_req_t *req);

#endif
