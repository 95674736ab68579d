/*
 * The HTTP/1.1 framing rule (server/http_guard.c) on request heads: one
 * reading of the body's length passes; Content-Length with
 * Transfer-Encoding, two different Content-Lengths, Transfer-Encoding twice
 * or in HTTP/1.0, and folded fields do not (RFC 9112 6.1, 6.3, 5.2).
 * tests/fuzz/fuzz_http_framing.c checks the rule's promise on any bytes.
 */
#include "check.h"
#include "server/http_guard.h"

static const char *problem_of(const char *head)
{
    const char *problem = "(unread)";
    CHECK_INT(http_framing_check(head, strlen(head), &problem), 0);
    return problem;
}

int main(void)
{
    /* One reading. */
    CHECK(problem_of("GET /graphql HTTP/1.1\r\nHost: x\r\n\r\n") == NULL);
    CHECK(problem_of("POST /graphql HTTP/1.1\r\nContent-Length: 12\r\n\r\n") == NULL);
    CHECK(problem_of("POST /graphql HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == NULL);
    CHECK(problem_of("POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n") ==
          NULL); /* the same */
    CHECK(problem_of("POST / HTTP/1.0\r\nContent-Length: 5\r\n\r\n") == NULL);
    /* Bytes after the head (a body, another request) are not the head's. */
    CHECK(problem_of(
              "GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") ==
          NULL);

    /* More than one. */
    CHECK_STR(problem_of("POST / HTTP/1.1\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n"),
              "the request has both Content-Length and Transfer-Encoding");
    CHECK_STR(problem_of("POST / HTTP/1.1\r\nTRANSFER-ENCODING: chunked\r\ncontent-length: 0\r\n\r\n"),
              "the request has both Content-Length and Transfer-Encoding");
    CHECK_STR(problem_of("GET / HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 37\r\n\r\n"),
              "Content-Length appears twice with different values");
    CHECK_STR(problem_of("GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 05\r\n\r\n"),
              "Content-Length appears twice with different values");
    CHECK_STR(problem_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"),
              "Transfer-Encoding appears twice");
    CHECK_STR(problem_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
              "Transfer-Encoding in an HTTP/1.0 request");
    CHECK_STR(
        problem_of("POST / HTTP/1.1\r\nX-A: a\r\n Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
        "a header field is folded over lines (obs-fold)");

    /* Not a head h2o's parser completes: h2o refuses it itself. */
    const char *problem;
    CHECK_INT(http_framing_check("GET / HTTP/1.1\r\nHost: x\r\n", 25, &problem), -1);
    CHECK_INT(http_framing_check("GET / HTTP/1.1\r\nContent-Length : 5\r\n\r\n", 38, &problem), -1);
    return CHECK_EXIT();
}
