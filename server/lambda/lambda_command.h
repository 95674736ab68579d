/*
 * lambda_command: events addressed to gqld itself under the Lambda front door
 * ({"gqld":"migrate"}), beside the API Gateway events the pipeline serves.
 */
#ifndef GQLD_LAMBDA_COMMAND_H
#define GQLD_LAMBDA_COMMAND_H

#include <stdbool.h>

#include "server/config.h"
#include "server/lambda/lambda_runtime.h"

/* True when inv was a command event: it has then been run and answered (response or error). */
bool lambda_command_handle(lambda_runtime *rt, const gqld_config *cfg, const lambda_invocation *inv);

#endif
