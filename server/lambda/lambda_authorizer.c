/*
 * _HANDLER=authorizer: the API Gateway Lambda authorizer, from the same binary.
 * The verification is the auth module's (gqld_authorizer_*); this file only
 * moves events and answers between it and the Runtime API. An invalid token is
 * the Lambda error "Unauthorized", which API Gateway turns into a 401.
 */
#include <stdlib.h>
#include <string.h>

#include "server/lambda/lambda.h"
#include "server/lambda/lambda_runtime.h"
#include "server/log.h"

#include "server/auth/authorizer.h"

int lambda_authorizer_run(const gqld_config *cfg)
{
    lambda_runtime rt;
    char err[512];
    if (lambda_runtime_init(&rt, getenv("AWS_LAMBDA_RUNTIME_API"), err, sizeof(err)) != 0) {
        log_event("error", "cannot start", "detail", err, NULL);
        return 1;
    }
    gqld_authorizer *a = gqld_authorizer_create(cfg, err, sizeof(err));
    if (a == NULL) {
        log_event("error", "cannot start the authorizer", "detail", err, NULL);
        char post_err[256];
        if (lambda_runtime_error(&rt, NULL, "Gqld.AuthorizerInit", err, post_err, sizeof(post_err)) != 0)
            log_event("error", "cannot report the start-up failure", "detail", post_err, NULL);
        return 1;
    }
    log_event("info", "serving Lambda authorizer events", "runtime_api", getenv("AWS_LAMBDA_RUNTIME_API"),
              NULL);
    int status = 0;
    for (;;) {
        lambda_invocation inv;
        if (lambda_runtime_next(&rt, &inv, err, sizeof(err)) != 0) {
            log_event("error", "Runtime API next failed", "detail", err, NULL);
            status = 1;
            break;
        }
        setenv("_X_AMZN_TRACE_ID", inv.trace_id, 1); /* single-threaded here */
        char *out = NULL;
        int rc = gqld_authorizer_handle(a, inv.event, inv.event_len, &out);
        int posted;
        if (rc == 0 && out != NULL)
            posted = lambda_runtime_respond(&rt, inv.request_id, out, strlen(out), err, sizeof(err));
        else if (rc == 1)
            posted =
                lambda_runtime_error(&rt, inv.request_id, "Unauthorized", "Unauthorized", err, sizeof(err));
        else
            posted = lambda_runtime_error(&rt, inv.request_id, "Gqld.InvalidEvent",
                                          out != NULL ? out : "malformed authorizer event", err, sizeof(err));
        if (posted != 0)
            log_event("error", "the Runtime API refused the answer", "request_id", inv.request_id, "detail",
                      err, NULL);
        free(out);
        lambda_invocation_free(&inv);
    }
    gqld_authorizer_destroy(a);
    return status;
}
