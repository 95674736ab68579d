#include "server/healthcheck.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "server/http1_reader.h"

/* The check must answer before the container runtime's own timeout (30 s by default). */
enum { TIMEOUT_S = 5 };

int healthcheck_run(const gqld_config *cfg)
{
    /* A wildcard listen address is reached on loopback. */
    const char *host = cfg->listen_host;
    if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "") == 0)
        host = "127.0.0.1";
    else if (strcmp(host, "::") == 0)
        host = "::1";
    char port[8];
    snprintf(port, sizeof(port), "%u", cfg->listen_port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST}, *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0 && getaddrinfo("127.0.0.1", port, &hints, &res) != 0) {
        fprintf(stderr, "gqld healthcheck: cannot resolve %s\n", host);
        return 1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {.tv_sec = TIMEOUT_S};
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    int ok = fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0;
    freeaddrinfo(res);
    char err[400] = "";
    int status = 0;
    if (ok) {
        static const char req[] = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        http1_response r;
        ok = lambda_write_all(fd, req, sizeof(req) - 1) == 0 &&
             http1_read_response(fd, 0, 65536, &r, err, sizeof(err)) == 0;
        if (ok) {
            status = r.status;
            http1_response_free(&r);
        }
    } else {
        snprintf(err, sizeof(err), "connect to %.64s:%s: %.200s", host, port, strerror(errno));
    }
    if (fd >= 0)
        close(fd);
    if (status == 200)
        return 0;
    if (ok)
        fprintf(stderr, "gqld healthcheck: /healthz answered %d\n", status);
    else
        fprintf(stderr, "gqld healthcheck: %s\n", err);
    return 1;
}
