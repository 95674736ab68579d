#include "server/lambda/lambda_runtime.h"

#include <errno.h>
#include <stdbool.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "schema/base/buf.h"
#include "gqld_version.h"
#include "server/http1_reader.h"

#define API_PREFIX "/2018-06-01/runtime"

int lambda_runtime_init(lambda_runtime *rt, const char *api, char *err, size_t errlen)
{
    memset(rt, 0, sizeof(*rt));
    pthread_mutex_init(&rt->lock, NULL);
    rt->conn_fd = -1;
    const char *colon = api != NULL ? strrchr(api, ':') : NULL;
    size_t hostlen = colon != NULL ? (size_t)(colon - api) : 0;
    if (colon == NULL || hostlen == 0 || hostlen >= sizeof(rt->host) || colon[1] == '\0' ||
        strlen(colon + 1) >= sizeof(rt->port) || strspn(colon + 1, "0123456789") != strlen(colon + 1)) {
        snprintf(err, errlen, "AWS_LAMBDA_RUNTIME_API \"%s\" is not host:port", api ? api : "");
        return -1;
    }
    memcpy(rt->host, api, hostlen);
    rt->host[hostlen] = '\0';
    /* An IPv6 literal comes bracketed. */
    if (rt->host[0] == '[' && rt->host[hostlen - 1] == ']') {
        memmove(rt->host, rt->host + 1, hostlen - 2);
        rt->host[hostlen - 2] = '\0';
    }
    snprintf(rt->port, sizeof(rt->port), "%s", colon + 1);
    return 0;
}

static int connect_api(lambda_runtime *rt, char *err, size_t errlen)
{
    if (atomic_load(&rt->stopping)) {
        snprintf(err, errlen, "stopping");
        return -1;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC}, *res = NULL;
    int rc = getaddrinfo(rt->host, rt->port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "Runtime API %s:%s: %s", rt->host, rt->port, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot connect to the Runtime API at %s:%s: %s", rt->host, rt->port,
                 strerror(errno));
        return -1;
    }
    pthread_mutex_lock(&rt->lock);
    /* interrupt() may have run since the check above: look again under the lock. */
    bool stopping = atomic_load(&rt->stopping);
    rt->conn_fd = stopping ? -1 : fd;
    pthread_mutex_unlock(&rt->lock);
    if (stopping) {
        close(fd);
        snprintf(err, errlen, "stopping");
        return -1;
    }
    return fd;
}

static void disconnect_api(lambda_runtime *rt, int fd)
{
    pthread_mutex_lock(&rt->lock);
    rt->conn_fd = -1;
    close(fd);
    pthread_mutex_unlock(&rt->lock);
}

/* One call: sends the request, reads the answer; returns its status, or -1 with err. */
static int call(lambda_runtime *rt, const char *method, const char *path, const char *extra_headers,
                const char *body, size_t len, http1_response *res, char *err, size_t errlen)
{
    int fd = connect_api(rt, err, errlen);
    if (fd < 0)
        return -1;
    base_buf req;
    base_buf_init(&req);
    base_buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: gqld/%s\r\n", method, path, rt->host,
                    rt->port, GQLD_VERSION);
    if (body != NULL)
        base_buf_printf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n", len);
    base_buf_puts(&req, extra_headers ? extra_headers : "");
    base_buf_puts(&req, "Connection: close\r\n\r\n");
    int rc = req.failed ? -1 : lambda_write_all(fd, req.data, req.len);
    if (rc == 0 && body != NULL)
        rc = lambda_write_all(fd, body, len);
    base_buf_free(&req);
    if (rc != 0) {
        snprintf(err, errlen, "writing to the Runtime API: %s", strerror(errno));
        disconnect_api(rt, fd);
        return -1;
    }
    rc = http1_read_response(fd, 0, LAMBDA_MAX_PAYLOAD, res, err, errlen);
    disconnect_api(rt, fd);
    return rc == 0 ? res->status : -1;
}

int lambda_runtime_next(lambda_runtime *rt, lambda_invocation *inv, char *err, size_t errlen)
{
    memset(inv, 0, sizeof(*inv));
    http1_response res;
    int status = call(rt, "GET", API_PREFIX "/invocation/next", NULL, NULL, 0, &res, err, errlen);
    if (status < 0)
        return -1;
    const char *id = http1_response_header(&res, "lambda-runtime-aws-request-id");
    const char *trace = http1_response_header(&res, "lambda-runtime-trace-id");
    const char *deadline = http1_response_header(&res, "lambda-runtime-deadline-ms");
    if (status != 200 || id == NULL || id[0] == '\0' || strlen(id) >= sizeof(inv->request_id) ||
        strcspn(id, "/?#% \"\\") != strlen(id)) {
        snprintf(err, errlen, "Runtime API next answered %d%s", status,
                 status == 200 ? " without a usable Lambda-Runtime-Aws-Request-Id" : "");
        http1_response_free(&res);
        return -1;
    }
    snprintf(inv->request_id, sizeof(inv->request_id), "%s", id);
    snprintf(inv->trace_id, sizeof(inv->trace_id), "%s", trace ? trace : "");
    inv->deadline_ms = deadline ? strtoull(deadline, NULL, 10) : 0;
    inv->event = res.body;
    inv->event_len = res.body_len;
    res.body = NULL;
    http1_response_free(&res);
    return 0;
}

void lambda_invocation_free(lambda_invocation *inv)
{
    free(inv->event);
    inv->event = NULL;
}

static int post(lambda_runtime *rt, const char *path, const char *headers, const char *body, size_t len,
                char *err, size_t errlen)
{
    http1_response res;
    int status = call(rt, "POST", path, headers, body, len, &res, err, errlen);
    if (status < 0)
        return -1;
    http1_response_free(&res);
    if (status != 202) {
        /* 413: response too large; 400/403/500: Lambda refused it; the caller reports. */
        snprintf(err, errlen, "Runtime API answered %d to POST %s", status, path);
        return -1;
    }
    return 0;
}

int lambda_runtime_respond(lambda_runtime *rt, const char *request_id, const char *body, size_t len,
                           char *err, size_t errlen)
{
    char path[256];
    snprintf(path, sizeof(path), API_PREFIX "/invocation/%s/response", request_id);
    return post(rt, path, NULL, body, len, err, errlen);
}

int lambda_runtime_error(lambda_runtime *rt, const char *request_id, const char *error_type,
                         const char *message, char *err, size_t errlen)
{
    char path[256];
    if (request_id != NULL)
        snprintf(path, sizeof(path), API_PREFIX "/invocation/%s/error", request_id);
    else
        snprintf(path, sizeof(path), API_PREFIX "/init/error");
    base_buf body, headers;
    base_buf_init(&body);
    base_buf_init(&headers);
    base_buf_puts(&body, "{\"errorMessage\":");
    base_buf_json_string(&body, message, strlen(message));
    base_buf_puts(&body, ",\"errorType\":");
    base_buf_json_string(&body, error_type, strlen(error_type));
    base_buf_puts(&body, ",\"stackTrace\":[]}");
    base_buf_printf(&headers, "Lambda-Runtime-Function-Error-Type: %s\r\n", error_type);
    int rc =
        body.failed || headers.failed ? -1 : post(rt, path, headers.data, body.data, body.len, err, errlen);
    base_buf_free(&body);
    base_buf_free(&headers);
    return rc;
}

void lambda_runtime_interrupt(lambda_runtime *rt)
{
    pthread_mutex_lock(&rt->lock);
    atomic_store(&rt->stopping, true);
    if (rt->conn_fd >= 0)
        shutdown(rt->conn_fd, SHUT_RDWR);
    pthread_mutex_unlock(&rt->lock);
}
