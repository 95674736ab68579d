#include "server/access_log.h"

#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "schema/base/buf.h"
#include "server/http_worker.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/request_facts.h"
#include "server/request_id.h"

typedef struct access_logger {
    h2o_logger_t super;
    bool write_lines;
} access_logger;

/*
 * The path as a URI spells it: a byte outside printable ASCII (which a client
 * should have percent-encoded, and h2o takes raw) written as %XX, so the line
 * is ASCII, valid UTF-8 whatever came, and still says which bytes came.
 */
static void put_path(base_buf *b, const char *s, size_t len)
{
    size_t plain = 0;
    while (plain < len && s[plain] > 0x20 && s[plain] < 0x7f)
        plain++;
    if (plain == len) {
        base_buf_json_string(b, s, len);
        return;
    }
    static const char hex[] = "0123456789ABCDEF";
    base_buf uri;
    base_buf_init(&uri);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > 0x20 && c < 0x7f) {
            base_buf_putc(&uri, (char)c);
        } else {
            base_buf_putc(&uri, '%');
            base_buf_putc(&uri, hex[c >> 4]);
            base_buf_putc(&uri, hex[c & 15]);
        }
    }
    if (uri.failed)
        b->failed = true;
    else
        base_buf_json_string(b, uri.data, uri.len);
    base_buf_free(&uri);
}

static void write_line(h2o_req_t *req, uint64_t us, const rs_facts *facts)
{
    char idbuf[REQUEST_ID_MAX + 1];
    h2o_iovec_t id = request_id_of_response(req, idbuf);
    size_t pathlen = req->path.len;
    if (req->query_at != SIZE_MAX && req->query_at < pathlen)
        pathlen = req->query_at;
    const char *cache = facts != NULL && facts->cache != NULL ? facts->cache : "off";

    base_buf b;
    base_buf_init(&b);
    base_buf_puts(&b, "{\"time\":\"");
    log_put_time(&b);
    base_buf_puts(&b, "\",\"method\":");
    base_buf_json_string(&b, req->method.base, req->method.len);
    base_buf_puts(&b, ",\"path\":");
    put_path(&b, req->path.base, pathlen);
    base_buf_puts(&b, ",\"status\":");
    base_buf_put_uint(&b, req->res.status > 0 ? (unsigned long long)req->res.status : 0);
    base_buf_puts(&b, ",\"duration_us\":");
    base_buf_put_uint(&b, us);
    base_buf_puts(&b, ",\"request_id\":");
    base_buf_json_string(&b, id.base, id.len);
    base_buf_puts(&b, ",\"cache\":");
    base_buf_json_string(&b, cache, strlen(cache));
    base_buf_puts(&b, ",\"db_us\":");
    base_buf_put_uint(&b, facts != NULL ? facts->db_us : 0);
    base_buf_puts(&b, "}\n");
    if (!b.failed) {
        ssize_t unused = write(STDOUT_FILENO, b.data, b.len);
        (void)unused; /* a full or closed stdout must not stop serving */
    }
    base_buf_free(&b);
}

static void log_access(h2o_logger_t *self, h2o_req_t *req)
{
    access_logger *logger = (access_logger *)self;
    uint64_t us = 0;
    if (req->timestamps.request_begin_at.tv_sec != 0) {
        struct timeval now;
        gettimeofday(&now, NULL);
        int64_t d = (int64_t)(now.tv_sec - req->timestamps.request_begin_at.tv_sec) * 1000000 +
                    (now.tv_usec - req->timestamps.request_begin_at.tv_usec);
        us = d > 0 ? (uint64_t)d : 0;
    }
    const rs_facts *facts = request_facts_find(req);
    /* The route as served: by the raw path (http_guard refuses one that normalizes to another). */
    size_t pathlen =
        req->query_at != SIZE_MAX && req->query_at < req->path.len ? req->query_at : req->path.len;
    metrics_record(http_worker_of(req)->metrics, metrics_route_of(req->path.base, pathlen), req->res.status,
                   us, facts);
    if (logger->write_lines)
        write_line(req, us, facts);
}

void access_log_register(h2o_pathconf_t *pathconf, bool write_lines)
{
    access_logger *logger = (access_logger *)h2o_create_logger(pathconf, sizeof(*logger));
    logger->super.log_access = log_access;
    logger->write_lines = write_lines;
}
