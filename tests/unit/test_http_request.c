/*
 * The front door's per-request pure parts, on h2o request objects built here
 * (no connection): the request id every answer carries (request_id.h), the
 * CORS origin judgement (http_cors.h) and the client's address behind trusted
 * proxies (client_ip.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <string.h>

#include <h2o.h>

#include "check.h"
#include "server/config.h"
#include "server/client_ip.h"
#include "server/http_cors.h"
#include "server/request_id.h"

typedef struct fake_req {
    h2o_req_t req;
} fake_req;

static void fake_init(fake_req *f)
{
    memset(f, 0, sizeof(*f));
    h2o_mem_init_pool(&f->req.pool);
}

static void fake_header(fake_req *f, const char *name, const char *value)
{
    h2o_add_header_by_str(&f->req.pool, &f->req.headers, name, strlen(name), 1, NULL, value, strlen(value));
}

/* The x-request-id the response got, NUL-terminated in buf. */
static const char *assigned_id(fake_req *f, uint64_t *counter, char *buf, size_t size)
{
    request_id_assign(&f->req, 3, counter);
    ssize_t at = h2o_find_header_by_str(&f->req.res.headers, H2O_STRLIT("x-request-id"), -1);
    if (at < 0)
        return NULL;
    h2o_iovec_t v = f->req.res.headers.entries[at].value;
    snprintf(buf, size, "%.*s", (int)v.len, v.base);
    return buf;
}

static bool generated_shape(const char *id)
{
    /* boot (8 hex) - thread (2 hex) - counter (10 to 16 hex) */
    size_t n = strlen(id);
    if (n < 22 || id[8] != '-' || id[11] != '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (i != 8 && i != 11 && !isxdigit((unsigned char)id[i]))
            return false;
    return strncmp(id + 9, "03", 2) == 0;
}

static void test_request_id(void)
{
    uint64_t counter = 0;
    char a[80] = "", b[80] = "";
    fake_req f;

    /* Nothing sent: made here, unique per request, naming the thread. */
    fake_init(&f);
    CHECK(assigned_id(&f, &counter, a, sizeof(a)) != NULL);
    CHECK(generated_shape(a));
    h2o_mem_clear_pool(&f.req.pool);
    fake_init(&f);
    CHECK(assigned_id(&f, &counter, b, sizeof(b)) != NULL);
    CHECK(generated_shape(b));
    CHECK(strcmp(a, b) != 0);
    CHECK_INT(counter, 2);
    h2o_mem_clear_pool(&f.req.pool);

    /* The caller's own, when sane. */
    fake_init(&f);
    fake_header(&f, "x-request-id", "client-42.A_b");
    CHECK_STR(assigned_id(&f, &counter, a, sizeof(a)), "client-42.A_b");
    h2o_mem_clear_pool(&f.req.pool);

    /* Insane (a character that would need escaping, or too long): replaced by a new one. */
    const char *insane[] = {"has space", "quote\"", "",
                            "0123456789012345678901234567890123456789012345678901234567890123X"};
    for (size_t i = 0; i < sizeof(insane) / sizeof(*insane); i++) {
        fake_init(&f);
        fake_header(&f, "x-request-id", insane[i]);
        CHECK(assigned_id(&f, &counter, a, sizeof(a)) != NULL);
        CHECK(generated_shape(a));
        h2o_mem_clear_pool(&f.req.pool);
    }

    /* A valid traceparent's trace id beats the caller's id; an all-zero trace id is not valid. */
    fake_init(&f);
    fake_header(&f, "x-request-id", "mine");
    fake_header(&f, "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    CHECK_STR(assigned_id(&f, &counter, a, sizeof(a)), "4bf92f3577b34da6a3ce929d0e0e4736");
    h2o_mem_clear_pool(&f.req.pool);
    fake_init(&f);
    fake_header(&f, "x-request-id", "mine");
    fake_header(&f, "traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01");
    CHECK_STR(assigned_id(&f, &counter, a, sizeof(a)), "mine");
    h2o_mem_clear_pool(&f.req.pool);
    fake_init(&f);
    fake_header(&f, "x-request-id", "mine");
    fake_header(&f, "traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01");
    CHECK_STR(assigned_id(&f, &counter, a, sizeof(a)), "mine"); /* upper case: not a valid traceparent */
    h2o_mem_clear_pool(&f.req.pool);

    /* API Gateway's id comes first. */
    fake_init(&f);
    fake_header(&f, "x-request-id", "mine");
    fake_header(&f, "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    fake_header(&f, "x-amzn-requestid", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    CHECK_STR(assigned_id(&f, &counter, a, sizeof(a)), "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    h2o_mem_clear_pool(&f.req.pool);
}

static void test_cors_methods(void)
{
    gqld_config cfg = {0};
    cfg.cors_origins = "";
    CHECK_STR(http_cors_allowed_methods(&cfg), "GET, POST");
    cfg.cors_origins = "https://shop.example";
    CHECK_STR(http_cors_allowed_methods(&cfg), "GET, POST, OPTIONS");
}

static void test_origin_list(void)
{
    /* The list as GQLD_CORS_ORIGINS gives it (validated at start-up): entries trimmed. */
    const char *s = " https://a.example ,https://b.example:8443, * ", *entry;
    size_t len;
    const char *want[] = {"https://a.example", "https://b.example:8443", "*"};
    size_t n = 0;
    while (config_origin_next(&s, &entry, &len)) {
        if (n < 3) {
            CHECK_INT(len, strlen(want[n]));
            CHECK(strncmp(entry, want[n], len) == 0);
        }
        n++;
    }
    CHECK_INT(n, 3);
}

static origin_verdict judge(const char *list, const char *origin)
{
    gqld_config cfg = {0};
    cfg.cors_origins = list;
    return http_cors_judge_origin(&cfg, h2o_iovec_init(origin, strlen(origin)));
}

static void test_cors_origins(void)
{
    const char *list = "https://shop.example, http://localhost:5173";
    CHECK_INT(judge(list, "https://shop.example"), ORIGIN_LISTED);
    CHECK_INT(judge(list, "HTTPS://Shop.Example"), ORIGIN_LISTED); /* scheme and host ignore case */
    CHECK_INT(judge(list, "http://localhost:5173"), ORIGIN_LISTED);
    /* Exact entries: no prefix, suffix, other port or scheme, and no Origin at all. */
    CHECK_INT(judge(list, "https://shop.example.evil"), ORIGIN_REFUSED);
    CHECK_INT(judge(list, "https://evil-shop.example"), ORIGIN_REFUSED);
    CHECK_INT(judge(list, "https://shop.exampl"), ORIGIN_REFUSED);
    CHECK_INT(judge(list, "http://shop.example"), ORIGIN_REFUSED);
    CHECK_INT(judge(list, "http://localhost:5174"), ORIGIN_REFUSED);
    CHECK_INT(judge(list, "null"), ORIGIN_REFUSED);
    CHECK_INT(judge(list, ""), ORIGIN_REFUSED);
    CHECK_INT(judge("*", "https://anyone.example"), ORIGIN_ANY);
    CHECK_INT(judge("*", ""), ORIGIN_REFUSED);
}

/* ---- the client's address (client_ip.h) ---- */

static struct sockaddr_storage peer;

static socklen_t fake_peername(h2o_conn_t *conn, struct sockaddr *sa)
{
    (void)conn;
    memcpy(sa, &peer, sizeof(peer));
    return peer.ss_family == AF_INET   ? sizeof(struct sockaddr_in)
           : peer.ss_family == AF_UNIX ? sizeof(sa_family_t)
                                       : sizeof(struct sockaddr_in6);
}

static void set_peer(const char *text)
{
    memset(&peer, 0, sizeof(peer));
    if (text == NULL) {
        peer.ss_family = AF_UNIX;
    } else if (strchr(text, ':') == NULL) {
        peer.ss_family = AF_INET;
        inet_pton(AF_INET, text, &((struct sockaddr_in *)&peer)->sin_addr);
    } else {
        peer.ss_family = AF_INET6;
        inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)&peer)->sin6_addr);
    }
}

/* The client of a request from peer (NULL: the Lambda socketpair) with the headers name=value, ... NULL. */
static const char *client_of(const char *trusted, const char *from, ...)
{
    static char out[CLIENT_IP_TEXT];
    static h2o_conn_callbacks_t callbacks = {.get_peername = fake_peername};
    h2o_conn_t conn = {.callbacks = &callbacks};
    client_ip_block blocks[8];
    int n = client_ip_parse_cidrs(trusted, blocks, 8);
    CHECK(n >= 0);
    fake_req f;
    fake_init(&f);
    f.req.conn = &conn;
    set_peer(from);
    va_list ap;
    va_start(ap, from);
    for (const char *name; (name = va_arg(ap, const char *)) != NULL;)
        fake_header(&f, name, va_arg(ap, const char *));
    va_end(ap);
    client_ip_of(&f.req, blocks, n > 0 ? (size_t)n : 0, out);
    h2o_mem_clear_pool(&f.req.pool);
    return out;
}

static void test_client_ip(void)
{
    /* No trusted proxy: the peer, whatever X-Forwarded-For says (a spoof changes nothing). */
    CHECK_STR(client_of("", "203.0.113.9", "x-forwarded-for", "1.2.3.4", NULL), "203.0.113.9");
    /* An untrusted peer's X-Forwarded-For is ignored. */
    CHECK_STR(client_of("10.0.0.0/8", "203.0.113.9", "x-forwarded-for", "1.2.3.4", NULL), "203.0.113.9");
    /* A trusted peer: the right-most entry that is not a trusted proxy (what the client wrote is left of it).
     */
    CHECK_STR(
        client_of("10.0.0.0/8", "10.1.2.3", "x-forwarded-for", "1.2.3.4, 198.51.100.20, 10.9.9.9", NULL),
        "198.51.100.20");
    /* Several headers are one list, in order. */
    CHECK_STR(client_of("10.0.0.0/8", "10.1.2.3", "x-forwarded-for", "1.2.3.4", "x-forwarded-for",
                        "198.51.100.21", NULL),
              "198.51.100.21");
    /* A trusted peer without X-Forwarded-For, or with garbage at its right end: the peer. */
    CHECK_STR(client_of("10.0.0.0/8", "10.1.2.3", NULL), "10.1.2.3");
    CHECK_STR(client_of("10.0.0.0/8", "10.1.2.3", "x-forwarded-for", "1.2.3.4, not-an-ip", NULL), "10.1.2.3");
    /* IPv6 peers and blocks; an IPv4 block does not match IPv6 addresses. */
    CHECK_STR(client_of("::1/128", "::1", "x-forwarded-for", "2001:db8::7", NULL), "2001:db8::7");
    CHECK_STR(client_of("0.0.0.0/0", "2001:db8::1", "x-forwarded-for", "1.2.3.4", NULL), "2001:db8::1");
    /* The Lambda front door's socketpair: API Gateway's sourceIp, as the front door set it. */
    CHECK_STR(client_of("", NULL, "x-gqld-source-ip", "198.51.100.3", NULL), "198.51.100.3");
    CHECK_STR(client_of("", NULL, NULL), "unknown");
    /* CIDR lists */
    client_ip_block b[4];
    CHECK_INT(client_ip_parse_cidrs("10.0.0.0/8, 192.168.1.7 ,::1", b, 4), 3);
    CHECK_INT(client_ip_parse_cidrs("", b, 4), 0);
    CHECK_INT(client_ip_parse_cidrs("10.0.0.0/33", b, 4), -1);
    CHECK_INT(client_ip_parse_cidrs("::/129", b, 4), -1);
    CHECK_INT(client_ip_parse_cidrs("10.0.0.0/8,", b, 4), -1);
    uint8_t a[16];
    CHECK(client_ip_parse("10.255.0.1", 10, a) && client_ip_in(b, 3, a));
    CHECK(client_ip_parse("11.0.0.1", 8, a) && !client_ip_in(b, 3, a));
    CHECK(client_ip_parse("192.168.1.7", 11, a) && client_ip_in(b, 3, a));
    CHECK(client_ip_parse("192.168.1.8", 11, a) && !client_ip_in(b, 3, a));
}

int main(void)
{
    test_cors_origins();
    test_request_id();
    test_cors_methods();
    test_origin_list();
    test_client_ip();
    return CHECK_EXIT();
}
