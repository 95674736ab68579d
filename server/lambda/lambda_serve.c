/*
 * The Lambda loop: GET next (no timeout), translate, serve through the h2o
 * worker over a socketpair, translate back, POST the response. One event at a
 * time, as Lambda delivers them; the database pool and memcached connections
 * live in the worker and survive between invocations.
 *
 * Why a socketpair rather than calling the handlers directly: h2o 2.2's
 * request objects belong to a connection, and every part of the pipeline
 * (Accept negotiation, CORS, body limits, access log, request ids, auth)
 * already runs on HTTP/1.1 connections. A local connection per event costs
 * microseconds next to a Lambda invocation and leaves nothing to duplicate.
 */
#include "server/lambda/lambda.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "server/http_server.h"
#include "server/lambda/lambda_command.h"
#include "server/lambda/lambda_event.h"
#include "server/http1_reader.h"
#include "server/lambda/lambda_runtime.h"
#include "server/log.h"

/* Without a deadline from Lambda (never in practice), Lambda's longest timeout. */
#define DEFAULT_BUDGET_MS (15ull * 60 * 1000)

typedef struct lambda_door {
    http_door door; /* first: the server hands this back */
    lambda_runtime rt;
    const gqld_config *cfg;
    bool started; /* run() was called: the workers are up */
} lambda_door;

bool lambda_runtime_active(void)
{
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    return api != NULL && api[0] != '\0';
}

bool lambda_handler_is_authorizer(void)
{
    const char *handler = getenv("_HANDLER");
    return handler != NULL && strcmp(handler, "authorizer") == 0;
}

void lambda_init_error(const char *error_type, const char *message)
{
    if (!lambda_runtime_active())
        return;
    lambda_runtime rt;
    char err[256];
    if (lambda_runtime_init(&rt, getenv("AWS_LAMBDA_RUNTIME_API"), err, sizeof(err)) != 0 ||
        lambda_runtime_error(&rt, NULL, error_type, message, err, sizeof(err)) != 0)
        log_event("error", "cannot report the start-up failure to the Runtime API", "detail", err, NULL);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Bounds the exchange with the worker by the invocation's deadline, so a stuck request cannot outlive it. */
static void set_budget(int fd, uint64_t deadline_ms)
{
    uint64_t now = now_ms();
    uint64_t ms = deadline_ms == 0 ? DEFAULT_BUDGET_MS : deadline_ms > now + 50 ? deadline_ms - now : 50;
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Sends req through the pipeline; 0 with *res filled, or -1 with err. */
static int exchange(http_server *srv, const base_buf *req, bool head, uint64_t deadline_ms,
                    http1_response *res, char *err, size_t errlen)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(err, errlen, "socketpair: %s", strerror(errno));
        return -1;
    }
    set_budget(sv[0], deadline_ms);
    if (http_server_inject(srv, sv[1]) != 0) {
        close(sv[0]);
        close(sv[1]);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* The worker may answer early (413) and close: a failed write still leaves its answer to read. */
    (void)lambda_write_all(sv[0], req->data, req->len);
    int rc = http1_read_response(sv[0], head, LAMBDA_MAX_PAYLOAD, res, err, errlen);
    close(sv[0]);
    return rc;
}

static void handle(lambda_door *d, http_server *srv, const lambda_invocation *inv)
{
    char err[512];
    base_buf req, out;
    base_buf_init(&req);
    base_buf_init(&out);
    lambda_request lr;
    http1_response res = {0};
    const char *error_type = NULL;
    if (lambda_event_to_request(inv->event, inv->event_len, &lr, &req, err, sizeof(err)) != 0)
        error_type = "Gqld.InvalidEvent";
    else if (exchange(srv, &req, lr.head, inv->deadline_ms, &res, err, sizeof(err)) != 0)
        error_type = "Gqld.PipelineError";
    else if (lambda_event_response(lr.format, &res, &out) != 0)
        error_type = "Gqld.PipelineError", snprintf(err, sizeof(err), "out of memory");

    char post_err[256];
    int rc =
        error_type == NULL
            ? lambda_runtime_respond(&d->rt, inv->request_id, out.data, out.len, post_err, sizeof(post_err))
            : lambda_runtime_error(&d->rt, inv->request_id, error_type, err, post_err, sizeof(post_err));
    if (error_type != NULL)
        log_event("error", "invocation failed", "request_id", inv->request_id, "type", error_type, "detail",
                  err, NULL);
    if (rc != 0) {
        log_event("error", "the Runtime API refused the answer", "request_id", inv->request_id, "detail",
                  post_err, NULL);
        /* A response Lambda refuses (too large) still needs an answer for this invocation. */
        if (error_type == NULL)
            lambda_runtime_error(&d->rt, inv->request_id, "Gqld.ResponseRefused", post_err, post_err,
                                 sizeof(post_err));
    }
    http1_response_free(&res);
    base_buf_free(&req);
    base_buf_free(&out);
}

static int door_run(http_door *door, http_server *srv)
{
    lambda_door *d = (lambda_door *)door;
    d->started = true;
    log_event("info", "serving Lambda events", "runtime_api", getenv("AWS_LAMBDA_RUNTIME_API"), NULL);
    for (;;) {
        lambda_invocation inv;
        char err[512];
        if (lambda_runtime_next(&d->rt, &inv, err, sizeof(err)) != 0) {
            if (atomic_load(&d->rt.stopping))
                return 0;
            log_event("error", "Runtime API next failed", "detail", err, NULL);
            return 1;
        }
        /* X-Ray's convention for custom runtimes. Overwriting a variable that exists (set before the
         * threads started, see lambda_serve) only swaps a pointer in glibc: safe beside getenv. */
        setenv("_X_AMZN_TRACE_ID", inv.trace_id, 1);
        if (!lambda_command_handle(&d->rt, d->cfg, &inv)) /* {"gqld":"migrate"}: lambda_command.c */
            handle(d, srv, &inv);
        lambda_invocation_free(&inv);
    }
}

static void door_stop(http_door *door)
{
    lambda_runtime_interrupt(&((lambda_door *)door)->rt);
}

int lambda_serve(const gqld_config *cfg, const rs_engine *engine)
{
    lambda_door d = {.door = {.run = door_run, .stop = door_stop}, .cfg = cfg};
    char err[256];
    if (lambda_runtime_init(&d.rt, getenv("AWS_LAMBDA_RUNTIME_API"), err, sizeof(err)) != 0) {
        log_event("error", "cannot start", "detail", err, NULL);
        return 1;
    }
    /* Before any thread exists, so that later updates replace it in place (see door_run). */
    if (getenv("_X_AMZN_TRACE_ID") == NULL)
        setenv("_X_AMZN_TRACE_ID", "", 1);
    int status = http_server_run_door(cfg, engine, &d.door);
    if (status != 0 && !d.started)
        lambda_init_error("Gqld.StartFailed", "gqld could not start its worker; see the function's log");
    return status;
}
