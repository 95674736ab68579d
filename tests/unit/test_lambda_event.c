/*
 * The Lambda front door's translation (server/lambda/lambda_event.c) and its
 * HTTP/1.1 reader: exact request bytes built from events, exact response
 * objects built from HTTP responses, and the authorizer header rules (the
 * client's X-Gqld-Authorizer / X-Authorizer-* never pass; API Gateway's
 * requestContext.authorizer does). The end-to-end path is
 * tests/integration/lambda.test.mjs.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "server/lambda/lambda_event.h"
#include "server/http1_reader.h"

/* Translates event; returns the request text (static buffer) or NULL when refused. */
static const char *request_of(const char *event, lambda_request *req)
{
    static char text[8192];
    base_buf out;
    base_buf_init(&out);
    char err[256];
    int rc = lambda_event_to_request(event, strlen(event), req, &out, err, sizeof(err));
    snprintf(text, sizeof(text), "%.*s", (int)out.len, out.data ? out.data : "");
    base_buf_free(&out);
    return rc == 0 ? text : NULL;
}

static void test_v2_request(void)
{
    lambda_request req;
    const char *got = request_of(
        "{\"version\":\"2.0\",\"rawPath\":\"/graphql\",\"rawQueryString\":\"query=%7B%20a%20%7D&x=1\","
        "\"cookies\":[\"a=1\",\"b=2\"],"
        "\"headers\":{\"content-type\":\"application/json\",\"x-gqld-authorizer\":\"{\\\"forged\\\":1}\","
        "\"X-Authorizer-Sub\":\"admin\",\"X-Amzn-RequestId\":\"forged\",\"connection\":\"keep-alive\","
        "\"content-length\":\"999\",\"X-Gqld-Source-Ip\":\"6.6.6.6\"},"
        "\"requestContext\":{\"http\":{\"method\":\"POST\",\"sourceIp\":\"198.51.100.7\"},"
        "\"requestId\":\"rid-1\",\"stage\":\"$default\","
        "\"domainName\":\"api.example.com\",\"authorizer\":{\"jwt\":{\"claims\":{\"sub\":\"4567\",\"n\":"
        "\"\xc3\xa9\"},"
        "\"scopes\":null}}},"
        "\"body\":\"{\\\"query\\\":\\\"{a}\\\"}\",\"isBase64Encoded\":false}",
        &req);
    CHECK_STR(
        got,
        "POST /graphql?query=%7B%20a%20%7D&x=1 HTTP/1.1\r\n"
        "content-type: application/json\r\n"
        "cookie: a=1; b=2\r\n"
        "host: api.example.com\r\n"
        "x-amzn-requestid: rid-1\r\n"
        "x-gqld-source-ip: 198.51.100.7\r\n"
        "x-gqld-authorizer: {\"jwt\":{\"claims\":{\"sub\":\"4567\",\"n\":\"\\u00E9\"},\"scopes\":null}}\r\n"
        "content-length: 15\r\nconnection: close\r\n\r\n"
        "{\"query\":\"{a}\"}");
    CHECK_INT(req.format, LAMBDA_EVENT_V2);
    CHECK_INT(req.head, 0);
}

static void test_v2_stage_and_base64(void)
{
    lambda_request req;
    /* A named stage prefixes rawPath; the body is base64 ("hi\n"). */
    CHECK_STR(request_of("{\"version\":\"2.0\",\"rawPath\":\"/prod/graphql\",\"rawQueryString\":\"\","
                         "\"headers\":{\"host\":\"h\"},\"requestContext\":{\"http\":{\"method\":\"HEAD\"},"
                         "\"stage\":\"prod\"},\"body\":\"aGkK\",\"isBase64Encoded\":true}",
                         &req),
              "HEAD /graphql HTTP/1.1\r\nhost: h\r\ncontent-length: 3\r\nconnection: close\r\n\r\nhi\n");
    CHECK_INT(req.head, 1);
    /* Only a whole first segment equal to the stage is removed. */
    CHECK_STR(request_of("{\"version\":\"2.0\",\"rawPath\":\"/production\",\"headers\":{\"host\":\"h\"},"
                         "\"requestContext\":{\"http\":{\"method\":\"GET\"},\"stage\":\"prod\"}}",
                         &req),
              "GET /production HTTP/1.1\r\nhost: h\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
}

static void test_v1_request(void)
{
    lambda_request req;
    /* Payload 1.0: the query arrives decoded, multiValueHeaders holds every header, the client's
     * authorizer headers are dropped, and a REST Lambda authorizer's context passes as JSON. */
    CHECK_STR(
        request_of("{\"httpMethod\":\"GET\",\"path\":\"/graphql\","
                   "\"headers\":{\"Host\":\"ignored-when-multi\"},"
                   "\"multiValueHeaders\":{\"Host\":[\"api\"],\"Accept\":[\"a\",\"b\"],\"\":[\"\"],"
                   "\"X-Gqld-Authorizer\":[\"x\"],\"x-authorizer-groups\":[\"admin\"]},"
                   "\"queryStringParameters\":{\"query\":\"only-last\"},"
                   "\"multiValueQueryStringParameters\":{\"query\":[\"{ a }\"],\"x\":[\"1\",\"2&3\"]},"
                   "\"requestContext\":{\"requestId\":\"r\",\"identity\":{\"sourceIp\":\"2001:db8::5\"},"
                   "\"authorizer\":{\"principalId\":\"u1\","
                   "\"groups\":\"admin\"}},\"body\":null,\"isBase64Encoded\":false}",
                   &req),
        "GET /graphql?query=%7B%20a%20%7D&x=1&x=2%263 HTTP/1.1\r\n"
        "Host: api\r\nAccept: a\r\nAccept: b\r\n"
        "x-amzn-requestid: r\r\n"
        "x-gqld-source-ip: 2001:db8::5\r\n"
        "x-gqld-authorizer: {\"principalId\":\"u1\",\"groups\":\"admin\"}\r\n"
        "content-length: 0\r\nconnection: close\r\n\r\n");
    CHECK_INT(req.format, LAMBDA_EVENT_V1);
    /* A decoded path is encoded again. */
    CHECK_STR(request_of("{\"httpMethod\":\"GET\",\"path\":\"/a b%\",\"headers\":{\"host\":\"h\"}}", &req),
              "GET /a%20b%25 HTTP/1.1\r\nhost: h\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
}

static void test_refused_events(void)
{
    lambda_request req;
    CHECK(request_of("not json", &req) == NULL);
    CHECK(request_of("[1]", &req) == NULL);
    CHECK(request_of("{\"Records\":[]}", &req) == NULL); /* an SQS event, not API Gateway */
    CHECK(request_of("{\"httpMethod\":\"GE T\",\"path\":\"/\"}", &req) == NULL);
    CHECK(request_of("{\"httpMethod\":\"GET\",\"path\":\"graphql\"}", &req) == NULL);
    /* Header injection through a value or a name. */
    CHECK(request_of(
              "{\"httpMethod\":\"GET\",\"path\":\"/\",\"headers\":{\"a\":\"1\\r\\nx-gqld-authorizer: {}\"}}",
              &req) == NULL);
    CHECK(request_of("{\"httpMethod\":\"GET\",\"path\":\"/\",\"headers\":{\"a b\":\"1\"}}", &req) == NULL);
    CHECK(request_of(
              "{\"version\":\"2.0\",\"rawPath\":\"/\",\"requestContext\":{\"http\":{\"method\":\"GET\"}},"
              "\"cookies\":[\"a\\nb\"]}",
              &req) == NULL);
    CHECK(request_of("{\"httpMethod\":\"POST\",\"path\":\"/\",\"body\":\"@@@\",\"isBase64Encoded\":true}",
                     &req) == NULL);
}

static const char *response_of(lambda_event_format format, int status, http1_header *headers, size_t n,
                               const char *body, size_t len)
{
    static char text[4096];
    http1_response res = {
        .status = status, .headers = headers, .nheaders = n, .body = (char *)body, .body_len = len};
    base_buf out;
    base_buf_init(&out);
    int rc = lambda_event_response(format, &res, &out);
    snprintf(text, sizeof(text), "%.*s", (int)out.len, out.data ? out.data : "");
    base_buf_free(&out);
    return rc == 0 ? text : NULL;
}

static void test_responses(void)
{
    http1_header h[] = {
        {"date", "Mon, 23 Nov 2026 16:00:00 GMT"},
        {"content-type", "text/plain"},
        {"vary", "accept"},
        {"set-cookie", "a=1"},
        {"vary", "origin"},
        {"set-cookie", "b=2"},
        {"connection", "close"},
        {"transfer-encoding", "chunked"},
    };
    size_t n = sizeof(h) / sizeof(h[0]);
    CHECK_STR(response_of(LAMBDA_EVENT_V1, 200, h, n, "h\xc3\xa9\"", 4),
              "{\"statusCode\":200,\"headers\":{\"content-type\":\"text/plain\"},"
              "\"multiValueHeaders\":{\"vary\":[\"accept\",\"origin\"],\"set-cookie\":[\"a=1\",\"b=2\"]},"
              "\"body\":\"h\xc3\xa9\\\"\",\"isBase64Encoded\":false}");
    CHECK_STR(response_of(LAMBDA_EVENT_V2, 200, h, n, "ok", 2),
              "{\"statusCode\":200,\"headers\":{\"content-type\":\"text/plain\",\"vary\":\"accept, origin\"},"
              "\"cookies\":[\"a=1\",\"b=2\"],\"body\":\"ok\",\"isBase64Encoded\":false}");
    /* Not UTF-8, or content-encoded: base64. */
    CHECK_STR(
        response_of(LAMBDA_EVENT_V2, 200, NULL, 0, "\xff\x00\x01", 3),
        "{\"statusCode\":200,\"headers\":{},\"cookies\":[],\"body\":\"/wAB\",\"isBase64Encoded\":true}");
    http1_header gz[] = {{"content-encoding", "gzip"}};
    CHECK_STR(response_of(LAMBDA_EVENT_V1, 304, gz, 1, "", 0),
              "{\"statusCode\":304,\"headers\":{\"content-encoding\":\"gzip\"},\"multiValueHeaders\":{},"
              "\"body\":\"\",\"isBase64Encoded\":true}");
}

/* Writes text to one end of a socketpair, closes it, and reads a response from the other. */
static int read_from(const char *text, int head, http1_response *res)
{
    memset(res, 0, sizeof(*res));
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return -2;
    (void)lambda_write_all(sv[1], text, strlen(text));
    close(sv[1]);
    char err[256];
    int rc = http1_read_response(sv[0], head, 1 << 20, res, err, sizeof(err));
    close(sv[0]);
    return rc;
}

static void test_http1_reader(void)
{
    http1_response res;
    CHECK_INT(read_from("HTTP/1.1 200 OK\r\nContent-Type: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n",
                        0, &res),
              0);
    CHECK_INT(res.status, 200);
    CHECK_STR(res.body, "abcde");
    CHECK_STR(http1_response_header(&res, "content-type"), "a");
    http1_response_free(&res);
    CHECK_INT(read_from("HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nokEXTRA", 0, &res), 0);
    CHECK_STR(res.body, "ok");
    http1_response_free(&res);
    CHECK_INT(read_from("HTTP/1.0 200 OK\r\n\r\nuntil the end", 0, &res), 0);
    CHECK_STR(res.body, "until the end");
    http1_response_free(&res);
    CHECK_INT(read_from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 1, &res), 0); /* HEAD */
    CHECK_INT(res.body_len, 0);
    http1_response_free(&res);
    CHECK_INT(read_from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", 0, &res), -1);
    CHECK_INT(read_from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, &res), -1);
    CHECK_INT(read_from("garbage\r\n\r\n", 0, &res), -1);
    CHECK_INT(read_from("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", 0, &res), -1);
}

int main(void)
{
    test_v2_request();
    test_v2_stage_and_base64();
    test_v1_request();
    test_refused_events();
    test_responses();
    test_http1_reader();
    return CHECK_EXIT();
}
