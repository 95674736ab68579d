#include "server/client_ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool client_ip_parse(const char *text, size_t len, uint8_t out[16])
{
    char buf[INET6_ADDRSTRLEN];
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    struct in_addr a4;
    if (inet_pton(AF_INET, buf, &a4) == 1) {
        memcpy(out, v4_mapped, 12);
        memcpy(out + 12, &a4, 4);
        return true;
    }
    return inet_pton(AF_INET6, buf, out) == 1;
}

static bool parse_block(const char *s, size_t len, client_ip_block *out)
{
    const char *slash = memchr(s, '/', len);
    size_t addr_len = slash != NULL ? (size_t)(slash - s) : len;
    if (!client_ip_parse(s, addr_len, out->addr))
        return false;
    bool v4 = memcmp(out->addr, v4_mapped, 12) == 0 && memchr(s, ':', addr_len) == NULL;
    unsigned max = v4 ? 32 : 128, prefix = max;
    if (slash != NULL) {
        const char *p = slash + 1, *end = s + len;
        if (p == end || end - p > 3)
            return false;
        prefix = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9')
                return false;
            prefix = prefix * 10 + (unsigned)(*p - '0');
        }
        if (prefix > max)
            return false;
    }
    out->prefix = v4 ? prefix + 96 : prefix;
    return true;
}

int client_ip_parse_cidrs(const char *list, client_ip_block *blocks, size_t max)
{
    int n = 0;
    const char *s = list;
    while (*s != '\0') {
        size_t len = strcspn(s, ",");
        const char *e = s;
        size_t l = len;
        while (l > 0 && *e == ' ')
            e++, l--;
        while (l > 0 && e[l - 1] == ' ')
            l--;
        client_ip_block b;
        if (!parse_block(e, l, &b))
            return -1;
        if ((size_t)n < max)
            blocks[n] = b;
        n++;
        s += len;
        if (*s == ',' && *++s == '\0')
            return -1; /* a trailing comma is a typo */
    }
    return n;
}

bool client_ip_in(const client_ip_block *blocks, size_t n, const uint8_t addr[16])
{
    for (size_t i = 0; i < n; i++) {
        unsigned bits = blocks[i].prefix, whole = bits / 8, rest = bits % 8;
        if (memcmp(blocks[i].addr, addr, whole) != 0)
            continue;
        if (rest == 0 || ((blocks[i].addr[whole] ^ addr[whole]) & (uint8_t)(0xff << (8 - rest))) == 0)
            return true;
    }
    return false;
}

static void to_text(const uint8_t addr[16], char out[CLIENT_IP_TEXT])
{
    if (memcmp(addr, v4_mapped, 12) == 0)
        inet_ntop(AF_INET, addr + 12, out, CLIENT_IP_TEXT);
    else
        inet_ntop(AF_INET6, addr, out, CLIENT_IP_TEXT);
}

/* The value of the last header named name (NUL-free bytes), or a zero-length vector. */
static h2o_iovec_t last_header(h2o_req_t *req, const char *name, size_t len)
{
    h2o_iovec_t v = {NULL, 0};
    for (size_t i = 0; i < req->headers.size; i++)
        if (h2o_memis(req->headers.entries[i].name->base, req->headers.entries[i].name->len, name, len))
            v = req->headers.entries[i].value;
    return v;
}

/*
 * X-Forwarded-For, every header of it in order as one list, from the right:
 * the first entry that is no trusted proxy. False when there is none, or an
 * entry is no address (then the peer is all that can be told).
 */
static bool forwarded_client(h2o_req_t *req, const client_ip_block *trusted, size_t ntrusted, uint8_t out[16])
{
    ssize_t at = -1;
    h2o_iovec_t values[16];
    size_t nvalues = 0;
    while ((at = h2o_find_header(&req->headers, H2O_TOKEN_X_FORWARDED_FOR, at)) >= 0 && nvalues < 16)
        values[nvalues++] = req->headers.entries[at].value;
    for (size_t v = nvalues; v-- > 0;) {
        const char *base = values[v].base;
        size_t end = values[v].len;
        while (end > 0) {
            size_t start = end;
            while (start > 0 && base[start - 1] != ',')
                start--;
            size_t a = start, b = end;
            while (a < b && (base[a] == ' ' || base[a] == '\t'))
                a++;
            while (b > a && (base[b - 1] == ' ' || base[b - 1] == '\t'))
                b--;
            if (b > a) {
                if (!client_ip_parse(base + a, b - a, out))
                    return false;
                if (!client_ip_in(trusted, ntrusted, out))
                    return true;
            }
            end = start > 0 ? start - 1 : 0;
        }
    }
    return false;
}

bool client_ip_addr(h2o_req_t *req, const client_ip_block *trusted, size_t ntrusted, uint8_t addr[16])
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    if (len > 0 && ss.ss_family == AF_UNIX) {
        /* The Lambda front door's socketpair: API Gateway's sourceIp, as the front door passed it. */
        h2o_iovec_t source = last_header(req, H2O_STRLIT("x-gqld-source-ip"));
        return client_ip_parse(source.base, source.len, addr);
    }
    if (len > 0 && ss.ss_family == AF_INET) {
        memcpy(addr, v4_mapped, 12);
        memcpy(addr + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
    } else if (len > 0 && ss.ss_family == AF_INET6) {
        memcpy(addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
    } else {
        return false;
    }
    uint8_t client[16];
    if (ntrusted > 0 && client_ip_in(trusted, ntrusted, addr) &&
        forwarded_client(req, trusted, ntrusted, client))
        memcpy(addr, client, 16);
    return true;
}

void client_ip_of(h2o_req_t *req, const client_ip_block *trusted, size_t ntrusted, char out[CLIENT_IP_TEXT])
{
    uint8_t addr[16];
    if (client_ip_addr(req, trusted, ntrusted, addr))
        to_text(addr, out);
    else
        snprintf(out, CLIENT_IP_TEXT, "unknown");
}
