/*
 * healthcheck: `gqld healthcheck` asks the server this configuration
 * describes (GQLD_LISTEN) for GET /healthz and exits 0 on a 200, 1 otherwise.
 * For container HEALTHCHECKs: the runtime image has no curl, and the check
 * needs no shell.
 */
#ifndef GQLD_HEALTHCHECK_H
#define GQLD_HEALTHCHECK_H

#include "server/config.h"

int healthcheck_run(const gqld_config *cfg);

#endif
