#include "cache/cache_discovery.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cache/cache_shared.h"

enum { ANSWER_MAX = 65536, IO_TIMEOUT_MS = 2000 };

struct cache_discovery {
    cache_shared *shared;
    char host[256];
    char port[8];
    unsigned interval_ms;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    bool failing; /* log a failed poll once, until one succeeds */
};

int cache_discovery_parse(const char *answer, size_t len, char *out, size_t size)
{
    const char *end = answer + len;
    const char *p = memchr(answer, '\n', len); /* CONFIG cluster 0 <bytes>\r\n */
    if (p == NULL || len < 7 || memcmp(answer, "CONFIG ", 7) != 0)
        return -1;
    p++;
    const char *nl = memchr(p, '\n', (size_t)(end - p)); /* the config version */
    if (nl == NULL)
        return -1;
    p = nl + 1;
    nl = memchr(p, '\n', (size_t)(end - p)); /* the nodes */
    if (nl == NULL)
        return -1;
    const char *line_end = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
    size_t o = 0, nodes = 0;
    out[0] = '\0';
    while (p < line_end) {
        const char *sp = memchr(p, ' ', (size_t)(line_end - p));
        const char *node_end = sp != NULL ? sp : line_end;
        const char *bar1 = memchr(p, '|', (size_t)(node_end - p));
        const char *bar2 = bar1 != NULL ? memchr(bar1 + 1, '|', (size_t)(node_end - bar1 - 1)) : NULL;
        if (node_end > p) {
            if (bar2 == NULL || bar2 + 1 == node_end)
                return -1;
            const char *addr = bar2 > bar1 + 1 ? bar1 + 1 : p; /* the ip, else the host name */
            size_t addr_len = bar2 > bar1 + 1 ? (size_t)(bar2 - bar1 - 1) : (size_t)(bar1 - p);
            for (const char *c = bar2 + 1; c < node_end; c++)
                if (*c < '0' || *c > '9')
                    return -1;
            int n = snprintf(out + o, size - o, "%s%.*s:%.*s", nodes ? "," : "", (int)addr_len, addr,
                             (int)(node_end - bar2 - 1), bar2 + 1);
            if (addr_len == 0 || n < 0 || (size_t)n >= size - o)
                return -1;
            o += (size_t)n;
            nodes++;
        }
        p = node_end + 1;
    }
    return nodes > 0 ? 0 : -1;
}

/* One poll: connect, ask, read to END. 0 with the answer in buf, or -1 with a reason. */
static int fetch(const cache_discovery *d, char *buf, size_t size, size_t *len, const char **reason)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    if (getaddrinfo(d->host, d->port, &hints, &ai) != 0 || ai == NULL) {
        *reason = "cannot resolve the configuration endpoint";
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int rc = fd < 0 ? -1 : connect(fd, ai->ai_addr, ai->ai_addrlen);
    freeaddrinfo(ai);
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    int soerr = 0;
    socklen_t soerr_len = sizeof(soerr);
    if (fd < 0 || (rc != 0 && errno != EINPROGRESS) ||
        (rc != 0 && (poll(&pfd, 1, IO_TIMEOUT_MS) != 1 ||
                     getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) != 0 || soerr != 0))) {
        *reason = "cannot connect to the configuration endpoint";
        if (fd >= 0)
            close(fd);
        return -1;
    }
    static const char ask[] = "config get cluster\r\n";
    if (send(fd, ask, sizeof(ask) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(ask) - 1) {
        *reason = "cannot send to the configuration endpoint";
        close(fd);
        return -1;
    }
    *len = 0;
    *reason = "the configuration endpoint did not answer in time";
    pfd.events = POLLIN;
    while (*len + 1 < size && poll(&pfd, 1, IO_TIMEOUT_MS) == 1) {
        ssize_t n = recv(fd, buf + *len, size - 1 - *len, 0);
        if (n <= 0) {
            *reason = "the configuration endpoint closed the connection";
            break;
        }
        *len += (size_t)n;
        buf[*len] = '\0';
        if (*len >= 5 && strstr(buf, "END\r\n") != NULL) {
            close(fd);
            return 0;
        }
        if (strncmp(buf, "ERROR", *len < 5 ? *len : 5) == 0 && memchr(buf, '\n', *len) != NULL) {
            *reason = "the configuration endpoint answered ERROR (not an ElastiCache cluster?)";
            break;
        }
    }
    close(fd);
    return -1;
}

static void poll_once(cache_discovery *d, char *buf)
{
    size_t len = 0;
    const char *reason = NULL;
    char nodes[4096];
    if (fetch(d, buf, ANSWER_MAX, &len, &reason) == 0)
        reason = cache_discovery_parse(buf, len, nodes, sizeof(nodes)) == 0
                     ? NULL
                     : "the configuration endpoint's answer is malformed";
    const cache_settings *s = cache_shared_settings(d->shared);
    if (reason != NULL) {
        if (!d->failing && s->log != NULL)
            s->log("warn", "memcached discovery failed: keeping the last node list", reason);
        d->failing = true;
        return;
    }
    if (d->failing && s->log != NULL)
        s->log("info", "memcached discovery answers again", "");
    d->failing = false;
    cache_shared_set_servers(d->shared, nodes);
}

static void *discovery_main(void *arg)
{
    cache_discovery *d = arg;
    char *buf = malloc(ANSWER_MAX);
    pthread_mutex_lock(&d->lock);
    while (!d->stop) {
        pthread_mutex_unlock(&d->lock);
        if (buf != NULL)
            poll_once(d, buf);
        pthread_mutex_lock(&d->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += d->interval_ms / 1000;
        until.tv_nsec += (long)(d->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!d->stop && pthread_cond_timedwait(&d->wake, &d->lock, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&d->lock);
    free(buf);
    return NULL;
}

cache_discovery *cache_discovery_start(cache_shared *shared, const char *endpoint, unsigned interval_ms,
                                       char *err, size_t errlen)
{
    cache_discovery *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->shared = shared;
    d->interval_ms = interval_ms;
    /* The first entry of a host:port list, as the settings table checked it. */
    size_t len = strcspn(endpoint, ",");
    const char *end = endpoint + len, *colon = NULL;
    for (size_t i = 0; i < len; i++)
        if (endpoint[i] == ':')
            colon = endpoint + i;
    size_t host_len = colon != NULL ? (size_t)(colon - endpoint) : 0;
    if (host_len > 1 && endpoint[0] == '[')
        endpoint++, host_len -= 2;
    if (colon == NULL || host_len == 0 || host_len >= sizeof(d->host) ||
        (size_t)(end - colon) > sizeof(d->port)) {
        snprintf(err, errlen, "MEMCACHED_DISCOVERY is not host:port");
        free(d);
        return NULL;
    }
    memcpy(d->host, endpoint, host_len);
    snprintf(d->port, sizeof(d->port), "%.*s", (int)(end - colon - 1), colon + 1);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    if (pthread_create(&d->thread, NULL, discovery_main, d) != 0) {
        snprintf(err, errlen, "cannot start the discovery thread");
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return NULL;
    }
    return d;
}

void cache_discovery_stop(cache_discovery *d)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->lock);
    d->stop = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}
