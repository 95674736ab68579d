#include "access_log.h"

#include <sys/time.h>
#include <unistd.h>

#include "gql_buf.h"
#include "log.h"
#include "request_id.h"

static void log_access(h2o_logger_t *self, h2o_req_t *req)
{
    (void)self;
    struct timeval now;
    gettimeofday(&now, NULL);
    int64_t us = (int64_t)(now.tv_sec - req->timestamps.request_begin_at.tv_sec) * 1000000 +
                 (now.tv_usec - req->timestamps.request_begin_at.tv_usec);
    if (us < 0 || req->timestamps.request_begin_at.tv_sec == 0)
        us = 0;

    char idbuf[REQUEST_ID_MAX + 1];
    h2o_iovec_t id = request_id_of_response(req, idbuf);
    size_t pathlen = req->path.len;
    if (req->query_at != SIZE_MAX && req->query_at < pathlen)
        pathlen = req->query_at;

    gql_buf b;
    gql_buf_init(&b);
    gql_buf_puts(&b, "{\"time\":\"");
    log_put_time(&b);
    gql_buf_puts(&b, "\",\"method\":");
    gql_buf_json_string(&b, req->method.base, req->method.len);
    gql_buf_puts(&b, ",\"path\":");
    gql_buf_json_string(&b, req->path.base, pathlen);
    gql_buf_printf(&b, ",\"status\":%d,\"duration_us\":%lld,\"request_id\":", req->res.status, (long long)us);
    gql_buf_json_string(&b, id.base, id.len);
    gql_buf_puts(&b, "}\n");
    if (!b.failed) {
        ssize_t unused = write(STDOUT_FILENO, b.data, b.len);
        (void)unused; /* a full or closed stdout must not stop serving */
    }
    gql_buf_free(&b);
}

void access_log_register(h2o_pathconf_t *pathconf)
{
    h2o_logger_t *logger = h2o_create_logger(pathconf, sizeof(*logger));
    logger->log_access = log_access;
}
