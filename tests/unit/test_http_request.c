/*
 * The front door's per-request pure parts, on h2o request objects built here
 * (no connection): the request id every answer carries (request_id.h) and the
 * CORS origin judgement (http_cors.h).
 */
#include <ctype.h>
#include <string.h>

#include <h2o.h>

#include "check.h"
#include "server/config.h"
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

int main(void)
{
    test_cors_origins();
    test_request_id();
    test_cors_methods();
    test_origin_list();
    return CHECK_EXIT();
}
