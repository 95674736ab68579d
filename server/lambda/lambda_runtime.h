/*
 * lambda_runtime: the client of the Lambda Runtime API (version 2018-06-01) at
 * AWS_LAMBDA_RUNTIME_API: plain blocking HTTP/1.1, one connection per call.
 * GET .../invocation/next waits with no timeout (Lambda freezes the process
 * there between invocations); responses, errors and the init error are POSTs.
 */
#ifndef GQLD_LAMBDA_RUNTIME_H
#define GQLD_LAMBDA_RUNTIME_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lambda_runtime {
    char host[256];
    char port[16];
    pthread_mutex_t lock; /* guards conn_fd: interrupt() must not shut down a reused descriptor */
    int conn_fd;          /* the connection of the call in progress, -1 when none */
    atomic_bool stopping;
} lambda_runtime;

typedef struct lambda_invocation {
    char request_id[128];
    char trace_id[512];
    uint64_t deadline_ms; /* Unix time in ms, 0 when Lambda sent none */
    char *event;          /* malloc'd, NUL-terminated */
    size_t event_len;
} lambda_invocation;

/* The largest event Lambda delivers synchronously is 6 MB; allow some slack. */
#define LAMBDA_MAX_PAYLOAD (7u << 20)

/* Parses "host:port" (AWS_LAMBDA_RUNTIME_API). 0, or -1 with err. */
int lambda_runtime_init(lambda_runtime *rt, const char *api, char *err, size_t errlen);

/* Waits for the next event. 0, or -1 with err (also when lambda_runtime_interrupt was called). */
int lambda_runtime_next(lambda_runtime *rt, lambda_invocation *inv, char *err, size_t errlen);
void lambda_invocation_free(lambda_invocation *inv);

/* POST .../invocation/{id}/response with body (JSON). */
int lambda_runtime_respond(lambda_runtime *rt, const char *request_id, const char *body, size_t len,
                           char *err, size_t errlen);

/*
 * POST .../invocation/{id}/error, or /runtime/init/error when request_id is
 * NULL: {"errorMessage","errorType","stackTrace":[]} with the
 * Lambda-Runtime-Function-Error-Type header set to error_type.
 */
int lambda_runtime_error(lambda_runtime *rt, const char *request_id, const char *error_type,
                         const char *message, char *err, size_t errlen);

/* From another thread: makes a pending lambda_runtime_next return -1 now and every later call fail. */
void lambda_runtime_interrupt(lambda_runtime *rt);

#endif
