#include "server/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/access_log.h"
#include "cache/cache_shared.h"
#include "server/http_cors.h"
#include "server/http_graphql.h"
#include "server/http_guard.h"
#include "server/http_metrics.h"
#include "server/http_playground.h"
#include "server/http_ratelimit.h"
#include "server/http_tls.h"
#include "server/http_reply.h"
#include "server/http_routes.h"
#include "server/http_worker.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/request_id.h"
#include "resolvers/cursor_key.h"
#include "server/trusted_docs.h"

/* Set by the signal thread, read by every loop between iterations. */
static atomic_bool stop_requested;

typedef struct server {
    const gqld_config *cfg;
    const rs_engine *engine;
    h2o_globalconf_t globalconf;
    int listen_fd;
    http_worker *workers;
    db_pool_config pool;
    db_pool_config writer_pool; /* mutations' (DATABASE_URL); conninfo NULL: they share `pool` */
    SSL_CTX *ssl_ctx;           /* NULL: plain HTTP */
    metrics *metrics;
    http_ratelimit *ratelimit; /* budgets per caller, shared by the workers */
    trusted_docs *trusted;     /* the manifest loaded last (GQLD_TRUSTED_DOCUMENTS), or NULL */
    unsigned nworkers;         /* started: the ones a reloaded manifest goes to */
    atomic_int started;        /* workers that finished start-up (or failed) */
    atomic_int failed;
    /* A front door other than TCP (see http_server_run_door): it hands connections to worker 0. */
    http_door *door;
    h2o_multithread_queue_t *inject_queue;
    h2o_multithread_receiver_t inject_receiver;
    pthread_t main_thread;
    atomic_bool door_done;
    int door_status;
    /* GQLD_METRICS_LISTEN: a listener of its own (fd -1: none), served by worker 0 alone. */
    int metrics_fd;
    h2o_socket_t *metrics_listener;
    h2o_accept_ctx_t metrics_accept;
    h2o_hostconf_t *public_hosts[2], *metrics_hosts[2]; /* each listener sees its own host only */
} server;

typedef struct worker_start {
    server *srv;
    http_worker *w;
} worker_start;

/* ---- routing ---- */

static int on_request(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    http_worker *w = http_worker_of(req);
    request_id_assign(req, w->index, &w->request_ids);
    if (http_guard_refused(req))
        return 0;
    h2o_iovec_t path = req->path_normalized; /* the raw path: http_guard refuses any other */
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/graphql")))
        return http_graphql_handle(req);
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/healthz")))
        return http_health_handle(req);
    if (h2o_memis(path.base, path.len, H2O_STRLIT("/readyz")))
        return http_ready_handle(req);
    if (w->cfg->metrics && w->cfg->metrics_listen_host[0] == '\0' &&
        h2o_memis(path.base, path.len, H2O_STRLIT("/metrics")))
        return http_metrics_handle(req);
    if (http_playground_handle(req) == 0)
        return 0;
    static const char body[] = "{\"error\":\"not found\"}";
    http_respond(req, 404, "Not Found", "application/json; charset=utf-8", body, sizeof(body) - 1);
    return 0;
}

/* ---- listener ---- */

/* setting: the one that names host:port, for messages. */
static int open_listener(const char *listen_host, uint16_t listen_port, const char *setting, char *address,
                         size_t addrlen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, listen_host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(listen_port);
        sslen = sizeof(*in4);
    } else if (inet_pton(AF_INET6, listen_host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(listen_port);
        sslen = sizeof(*in6);
    } else if (strcmp(listen_host, "localhost") == 0) {
        in4->sin_family = AF_INET;
        in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        in4->sin_port = htons(listen_port);
        sslen = sizeof(*in4);
    } else {
        snprintf(address, addrlen, "%s host \"%s\" is not an IP address", setting, listen_host);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, 1024) != 0) {
        snprintf(address, addrlen, "cannot listen on %s:%u: %s", listen_host, listen_port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    sslen = sizeof(ss);
    getsockname(fd, (struct sockaddr *)&ss, &sslen);
    char host[INET6_ADDRSTRLEN];
    if (ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        snprintf(address, addrlen, "[%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
        snprintf(address, addrlen, "%s:%u", host, ntohs(in4->sin_port));
    }
    return fd;
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL)
        return;
    http_worker *w = listener->data;
    /* Several connections may be waiting; take a few per wake-up, leave the rest to other loops. */
    for (int i = 0; i < 16; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            return;
        h2o_accept(&w->accept_ctx, sock);
    }
}

static void on_metrics_accept(h2o_socket_t *listener, const char *err)
{
    h2o_socket_t *sock;
    if (err == NULL && (sock = h2o_evloop_socket_accept(listener)) != NULL)
        h2o_accept(listener->data, sock);
}

/* ---- connections from a front door other than TCP ---- */

typedef struct injected {
    h2o_multithread_message_t super;
    int fd;
} injected;

int http_server_inject(http_server *srv, int fd)
{
    injected *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return -1;
    m->fd = fd;
    h2o_multithread_send_message(&srv->inject_receiver, &m->super);
    return 0;
}

/* On worker 0's thread: each message is a connected socket to serve like an accepted one. */
static void on_injected(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    server *srv = H2O_STRUCT_FROM_MEMBER(server, inject_receiver, receiver);
    http_worker *w = &srv->workers[0];
    h2o_linklist_t *node = messages->next;
    while (node != messages) {
        h2o_linklist_t *next = node->next;
        injected *m = H2O_STRUCT_FROM_MEMBER(injected, super.link, node);
        fcntl(m->fd, F_SETFL, O_NONBLOCK);
        h2o_accept(&w->accept_ctx, h2o_evloop_socket_create(w->loop, m->fd, 0));
        free(m);
        node = next;
    }
    h2o_linklist_init_anchor(messages); /* every message is taken: h2o expects the list empty */
}

static void *door_main(void *arg)
{
    server *srv = arg;
    srv->door_status = srv->door->run(srv->door, srv);
    atomic_store(&srv->door_done, true);
    pthread_kill(srv->main_thread, SIGUSR1); /* wakes the sigwait in http_server_run_door */
    return NULL;
}

/* ---- workers ---- */

/* The pool's gauges into this worker's metrics, at most once per loop millisecond (metrics.h). */
static void publish_pool(http_worker *w, unsigned pool_size)
{
    uint64_t now = h2o_now(w->loop);
    if (now == w->pool_published)
        return;
    w->pool_published = now;
    rs_worker_stats stats;
    rs_worker_get_stats(w->rs, &stats);
    metrics_publish_pool(w->metrics, &stats, pool_size);
}

static void begin_drain(http_worker *w)
{
    w->draining = true;
    if (w->listener != NULL) {
        h2o_socket_read_stop(w->listener);
        h2o_socket_close(w->listener); /* closes this worker's dup of the listening fd */
        w->listener = NULL;
    }
    h2o_context_request_shutdown(&w->ctx);
}

static void *worker_main(void *arg)
{
    worker_start *start = arg;
    server *srv = start->srv;
    http_worker *w = start->w;
    free(start);

    w->loop = h2o_evloop_create();
    h2o_context_init(&w->ctx, w->loop, &srv->globalconf);
    w->accept_ctx.ctx = &w->ctx;
    w->accept_ctx.hosts = srv->public_hosts;
    w->accept_ctx.ssl_ctx = srv->ssl_ctx;
    w->metrics_all = srv->metrics;
    w->metrics = metrics_worker_at(srv->metrics, w->index);
    w->ratelimit = srv->ratelimit;
    if (srv->trusted != NULL)
        trusted_docs_retain(srv->trusted);
    w->trusted = srv->trusted;

    char err[256];
    w->rs = rs_worker_create(srv->engine, w->loop, &srv->pool,
                             srv->writer_pool.conninfo != NULL ? &srv->writer_pool : NULL, err, sizeof(err));
    int fd = w->rs != NULL && srv->door == NULL ? dup(srv->listen_fd) : -1;
    if (w->rs == NULL || (srv->door == NULL && fd < 0)) {
        log_event("error", "worker start-up failed", "detail", w->rs == NULL ? err : strerror(errno), NULL);
        atomic_fetch_add(&srv->failed, 1);
        atomic_fetch_add(&srv->started, 1);
        return NULL;
    }
    if (srv->door != NULL) {
        srv->inject_queue = h2o_multithread_create_queue(w->loop);
        h2o_multithread_register_receiver(srv->inject_queue, &srv->inject_receiver, on_injected);
    } else {
        fcntl(fd, F_SETFL, O_NONBLOCK);
        w->listener = h2o_evloop_socket_create(w->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
        w->listener->data = w;
        h2o_socket_read_start(w->listener, on_accept);
    }
    if (w->index == 0 && srv->metrics_fd >= 0) { /* plain HTTP, for a scraper nearby */
        srv->metrics_accept = (h2o_accept_ctx_t){.ctx = &w->ctx, .hosts = srv->metrics_hosts};
        fcntl(srv->metrics_fd, F_SETFL, O_NONBLOCK);
        srv->metrics_listener = h2o_evloop_socket_create(w->loop, srv->metrics_fd, H2O_SOCKET_FLAG_DONT_READ);
        srv->metrics_listener->data = &srv->metrics_accept;
        h2o_socket_read_start(srv->metrics_listener, on_metrics_accept);
    }
    atomic_fetch_add(&srv->started, 1);
    char index[16], share[16];
    snprintf(index, sizeof(index), "%u", w->index);
    snprintf(share, sizeof(share), "%u", srv->pool.size);
    log_event("debug", "worker started", "worker", index, "db_connections", share, NULL);

    uint64_t drain_deadline = 0, flush_deadline = 0;
    for (;;) {
        h2o_evloop_run(w->loop, 50);
        publish_pool(w, srv->pool.size);
        if (!w->draining && atomic_load(&stop_requested)) {
            begin_drain(w);
            if (srv->metrics_listener != NULL && w->index == 0) {
                h2o_socket_read_stop(srv->metrics_listener);
                h2o_socket_close(srv->metrics_listener);
                srv->metrics_listener = NULL;
            }
            drain_deadline = h2o_now(w->loop) + w->cfg->drain_timeout_ms;
        }
        if (!w->draining)
            continue;
        uint64_t now = h2o_now(w->loop);
        if (w->inflight == 0 && flush_deadline == 0)
            flush_deadline = now + 100; /* let the last responses leave the socket buffers */
        if ((flush_deadline != 0 && now >= flush_deadline) || now >= drain_deadline)
            break;
    }
    if (w->inflight > 0) {
        char n[32];
        snprintf(n, sizeof(n), "%zu", w->inflight);
        log_event("warn", "drain timeout: abandoning in-flight requests", "requests", n, NULL);
    }
    /* On this thread: the pool's shutdown callbacks may still touch this loop's requests. */
    rs_worker_destroy(w->rs);
    w->rs = NULL;
    h2o_evloop_run(w->loop, 0); /* frees the socket wrappers the pool closed */
    if (srv->inject_queue != NULL) {
        h2o_multithread_unregister_receiver(srv->inject_queue, &srv->inject_receiver);
        h2o_multithread_destroy_queue(srv->inject_queue);
        srv->inject_queue = NULL;
    }
    trusted_docs_release(w->trusted);
    trusted_docs_release(atomic_exchange(&w->trusted_next, NULL));
    w->trusted = NULL;
    /* The h2o context and loop are not disposed: h2o 2.2 asserts when a context with open keep-alive
     * connections is disposed, and the process exits next (tests/lsan.supp names what stays). */
    return NULL;
}

/* ---- the server ---- */

/* One EMF line on stdout (the access log's stream: CloudWatch reads both from there). */
static void write_emf(server *srv, metrics_emf_state *state)
{
    base_buf b;
    base_buf_init(&b);
    metrics_emf_line(srv->metrics, state, srv->cfg->emf_namespace, &b);
    if (!b.failed) {
        ssize_t unused = write(STDOUT_FILENO, b.data, b.len);
        (void)unused; /* a full or closed stdout must not stop serving */
    }
    base_buf_free(&b);
}

/*
 * SIGHUP: the manifest of trusted documents read again. A manifest that does
 * not parse or validate leaves the one in use; a good one is handed to every
 * worker, which takes it between two requests.
 */
static void reload_trusted(server *srv)
{
    if (srv->cfg->trusted_documents[0] == '\0') {
        log_event("info", "SIGHUP: nothing to reload (no GQLD_TRUSTED_DOCUMENTS)", NULL);
        return;
    }
    char err[600];
    trusted_docs *t = trusted_docs_load(srv->cfg->trusted_documents, srv->engine, err, sizeof(err));
    if (t == NULL) {
        log_event("error", "trusted documents not reloaded: the previous manifest stays in use", "detail",
                  err, NULL);
        return;
    }
    for (unsigned i = 0; i < srv->nworkers; i++)
        trusted_docs_offer(&srv->workers[i].trusted_next, t);
    trusted_docs_release(srv->trusted);
    srv->trusted = t;
    char count[32];
    snprintf(count, sizeof(count), "%zu", trusted_docs_count(t));
    log_event("info", "trusted documents reloaded", "documents", count, NULL);
}

/*
 * Waits for SIGTERM or SIGINT and returns it (SIGHUP reloads the trusted documents meanwhile). With GQLD_EMF,
 * this thread also writes the EMF lines, one per GQLD_EMF_INTERVAL_MS, between signals: off the workers'
 * loops, from counters they only ever write.
 */
static int wait_for_stop(server *srv, const sigset_t *signals, metrics_emf_state *emf)
{
    if (!srv->cfg->emf) {
        for (;;) {
            int sig = 0;
            sigwait(signals, &sig);
            if (sig != SIGHUP)
                return sig;
            reload_trusted(srv);
        }
    }
    struct timespec interval = {.tv_sec = srv->cfg->emf_interval_ms / 1000,
                                .tv_nsec = (long)(srv->cfg->emf_interval_ms % 1000) * 1000000};
    for (;;) {
        int sig = sigtimedwait(signals, NULL, &interval);
        if (sig == SIGHUP)
            reload_trusted(srv);
        else if (sig > 0)
            return sig;
        if (errno == EAGAIN)
            write_emf(srv, emf);
    }
}

/* GET /metrics reads the response cache's process-wide counters through this. */
static void cache_metrics(void *user, metrics_cache_counts *out)
{
    cache_stats s;
    cache_stats_snapshot(user, &s);
    *out = (metrics_cache_counts){.hits_local = s.local_hits,
                                  .hits_memcached = s.memcached_hits,
                                  .misses = s.misses,
                                  .stale_served = s.stale_served,
                                  .errors = s.errors,
                                  .stores = s.stores,
                                  .bytes_read = s.bytes_read,
                                  .bytes_written = s.bytes_written,
                                  .flight_waits = s.flight_waits,
                                  .unparsed_hits = s.unparsed_hits,
                                  .apq_hits = s.apq_hits,
                                  .apq_misses = s.apq_misses,
                                  .memcached_up = s.memcached_up};
}

/* GET /metrics reads the rate limiter's counters through this. */
static bool ratelimit_metrics(void *user, cache_rl_stats *out)
{
    return http_ratelimit_stats(user, out);
}

static void setup_globalconf(server *srv)
{
    h2o_config_init(&srv->globalconf);
    srv->globalconf.max_request_entity_size = srv->cfg->max_body_bytes;
    srv->globalconf.server_name = h2o_iovec_init(H2O_STRLIT("gqld"));
    /* h2o closes a keep-alive connection idle this long (HTTP/1.1: the request timeout, which also bounds
     * reading one request; HTTP/2: the idle timeout). Above a load balancer's own idle timeout, it is always
     * the balancer that closes first, never gqld under a request the balancer is already sending. */
    srv->globalconf.http1.req_timeout = srv->cfg->keepalive_timeout_ms;
    srv->globalconf.http2.idle_timeout = srv->cfg->keepalive_timeout_ms;
    h2o_hostconf_t *host =
        h2o_config_register_host(&srv->globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    srv->public_hosts[0] = host;
    if (srv->metrics_fd >= 0)
        srv->metrics_hosts[0] = http_metrics_register_host(&srv->globalconf, srv->cfg->access_log);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof(*handler));
    handler->on_req = on_request;
    /* Always: the logger also counts requests for the metrics. On the fallback path too, which h2o uses
     * for the answers it makes alone (413, 400): they are counted and logged like the others. */
    access_log_register(path, srv->cfg->access_log);
    access_log_register(&host->fallback_path, srv->cfg->access_log);
    /* Also on the fallback path, where h2o answers by itself (413 for a body over the limit). */
    http_cors_register(path, srv->cfg);
    http_cors_register(&host->fallback_path, srv->cfg);
    http_graphql_register_own_errors(&host->fallback_path, srv->cfg); /* x-request-id, GraphQL-shaped */
}

static int run(const gqld_config *cfg, const rs_engine *engine, http_door *door)
{
    server srv = {
        .cfg = cfg, .engine = engine, .door = door, .main_thread = pthread_self(), .metrics_fd = -1};
    char address[300] = "", metrics_address[300] = "";
    /* A front door brings its own connections: one worker, no listener (fd -1 stands for none). */
    unsigned nthreads = door != NULL ? 1 : cfg->threads;
    srv.listen_fd = door != NULL ? -1
                                 : open_listener(cfg->listen_host, cfg->listen_port, "GQLD_LISTEN", address,
                                                 sizeof(address));
    if (door == NULL && srv.listen_fd < 0) {
        log_event("error", "cannot start", "detail", address, NULL);
        return 1;
    }
    if (cfg->tls_cert[0] != '\0') {
        char err[512];
        srv.ssl_ctx = http_tls_create(cfg->tls_cert, cfg->tls_key, err, sizeof(err));
        if (srv.ssl_ctx == NULL) {
            log_event("error", "cannot start", "detail", err, NULL);
            close(srv.listen_fd);
            return 2; /* a configuration error, like an invalid setting */
        }
    }
    srv.metrics = metrics_create(cfg->threads);
    if (srv.metrics == NULL) {
        log_event("error", "cannot start", "detail", "out of memory", NULL);
        SSL_CTX_free(srv.ssl_ctx);
        close(srv.listen_fd);
        return 1;
    }
    if (engine->cache.shared != NULL)
        metrics_set_cache_source(srv.metrics, cache_metrics, engine->cache.shared);
    rs_cursor_key_set(cfg->cursor_secret, engine->cache.schema_version); /* before any worker plans a page */
    if (door == NULL && cfg->metrics_listen_host[0] != '\0') {
        srv.metrics_fd = open_listener(cfg->metrics_listen_host, cfg->metrics_listen_port,
                                       "GQLD_METRICS_LISTEN", metrics_address, sizeof(metrics_address));
        if (srv.metrics_fd < 0) {
            log_event("error", "cannot start", "detail", metrics_address, NULL);
            metrics_destroy(srv.metrics);
            SSL_CTX_free(srv.ssl_ctx);
            close(srv.listen_fd);
            return 1;
        }
    }
    char err[600];
    srv.ratelimit = http_ratelimit_create(cfg, engine->cache.shared, err, sizeof(err));
    if (srv.ratelimit != NULL && cfg->trusted_documents[0] != '\0' &&
        (srv.trusted = trusted_docs_load(cfg->trusted_documents, engine, err, sizeof(err))) == NULL) {
        http_ratelimit_destroy(srv.ratelimit);
        srv.ratelimit = NULL;
    }
    if (srv.ratelimit == NULL) {
        log_event("error",
                  cfg->trusted_documents[0] != '\0'
                      ? "cannot start: the trusted documents manifest is refused"
                      : "cannot start",
                  "detail", err, NULL);
        metrics_destroy(srv.metrics);
        SSL_CTX_free(srv.ssl_ctx);
        if (srv.listen_fd >= 0)
            close(srv.listen_fd);
        if (srv.metrics_fd >= 0)
            close(srv.metrics_fd);
        return 2; /* a configuration error: a manifest that does not load */
    }
    if (srv.trusted != NULL) {
        char count[32];
        snprintf(count, sizeof(count), "%zu", trusted_docs_count(srv.trusted));
        log_event("info", "trusted documents loaded", "documents", count, NULL);
    }
    metrics_set_ratelimit_source(srv.metrics, ratelimit_metrics, srv.ratelimit);
    setup_globalconf(&srv);

    /* DB_POOL_SIZE is per process: each thread gets its share, at least one. */
    unsigned per_thread = (cfg->db_pool_size + nthreads - 1) / nthreads;
    srv.pool = (db_pool_config){
        .conninfo = cfg->database_reader_url[0] ? cfg->database_reader_url : cfg->database_url,
        .size = per_thread ? per_thread : 1,
        .pipeline_depth = cfg->db_pipeline_depth,
        .queue_max = cfg->db_queue_max,
        .statement_timeout_ms = cfg->db_statement_timeout_ms,
        .connect_timeout_ms = cfg->db_connect_timeout_ms,
        .idle_check_ms = cfg->db_idle_check_ms,
        .protocol = cfg->db_protocol == GQLD_DB_PROXY ? DB_PROTOCOL_PROXY : DB_PROTOCOL_PREPARED,
    };
    /* Writes always go to DATABASE_URL, on connections of their own (DB_WRITE_POOL_SIZE=0: shared). */
    if (cfg->db_write_pool_size > 0) {
        unsigned writers = (cfg->db_write_pool_size + nthreads - 1) / nthreads;
        srv.writer_pool = srv.pool;
        srv.writer_pool.conninfo = cfg->database_url;
        srv.writer_pool.size = writers ? writers : 1;
        srv.writer_pool.queue_max = cfg->db_write_queue_max;
    }

    /* Signals are taken by this thread alone, with sigwait; workers never see them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    if (door != NULL)
        sigaddset(&stop_signals, SIGUSR1); /* the front door thread's "done" */
    else
        sigaddset(&stop_signals, SIGHUP); /* reloads the trusted documents (wait_for_stop) */
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    srv.workers = calloc(nthreads, sizeof(*srv.workers));
    pthread_t *threads = calloc(nthreads, sizeof(*threads));
    if (srv.workers == NULL || threads == NULL) {
        log_event("error", "cannot start", "detail", "out of memory", NULL);
        free(srv.workers);
        free(threads);
        if (srv.listen_fd >= 0)
            close(srv.listen_fd);
        if (srv.metrics_fd >= 0)
            close(srv.metrics_fd);
        h2o_config_dispose(&srv.globalconf);
        metrics_destroy(srv.metrics);
        http_ratelimit_destroy(srv.ratelimit);
        trusted_docs_release(srv.trusted);
        SSL_CTX_free(srv.ssl_ctx);
        return 1;
    }
    metrics_emf_state emf = {0};
    unsigned launched = 0;
    for (unsigned i = 0; i < nthreads; i++) {
        srv.workers[i].cfg = cfg;
        srv.workers[i].index = i;
        worker_start *start = malloc(sizeof(*start));
        if (start == NULL)
            break;
        *start = (worker_start){&srv, &srv.workers[i]};
        if (pthread_create(&threads[i], NULL, worker_main, start) != 0) {
            free(start);
            break;
        }
        launched++;
    }
    while (atomic_load(&srv.started) < (int)launched)
        usleep(1000);
    srv.nworkers = launched;
    /* Workers hold their own dups; closing ours means the port closes when the last worker lets go. */
    if (srv.listen_fd >= 0)
        close(srv.listen_fd);

    int status = 0;
    pthread_t door_thread;
    if (launched < nthreads || atomic_load(&srv.failed) > 0) {
        log_event("error", "cannot start", "detail", "a worker thread failed to start", NULL);
        atomic_store(&stop_requested, true);
        status = 1;
    } else if (door != NULL) {
        if (pthread_create(&door_thread, NULL, door_main, &srv) != 0) {
            log_event("error", "cannot start", "detail", "the front door thread failed to start", NULL);
            status = 1;
        } else {
            int sig = 0;
            sigwait(&stop_signals, &sig);
            if (!atomic_load(&srv.door_done)) {
                log_event("info", "draining", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL);
                door->stop(door);
            }
            pthread_join(door_thread, NULL);
            status = srv.door_status;
        }
        atomic_store(&stop_requested, true);
    } else {
        char threads_text[16];
        snprintf(threads_text, sizeof(threads_text), "%u", cfg->threads);
        log_event("info", "listening", "address", address, "threads", threads_text, "tls",
                  srv.ssl_ctx != NULL ? "on" : "off", srv.metrics_fd >= 0 ? "metrics_address" : NULL,
                  metrics_address, NULL);
        int sig = wait_for_stop(&srv, &stop_signals, &emf);
        log_event("info", "draining", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM", NULL);
        atomic_store(&stop_requested, true);
    }
    for (unsigned i = 0; i < launched; i++)
        pthread_join(threads[i], NULL);
    if (cfg->emf)
        write_emf(&srv, &emf); /* what the drain served */
    if (status == 0)
        log_event("info", "stopped", NULL);
    free(threads);
    free(srv.workers);
    h2o_config_dispose(&srv.globalconf);
    metrics_destroy(srv.metrics);
    http_ratelimit_destroy(srv.ratelimit);
    trusted_docs_release(srv.trusted);
    SSL_CTX_free(srv.ssl_ctx);
    return status;
}

int http_server_run(const gqld_config *cfg, const rs_engine *engine)
{
    return run(cfg, engine, NULL);
}

int http_server_run_door(const gqld_config *cfg, const rs_engine *engine, http_door *door)
{
    return run(cfg, engine, door);
}
