/*
 * libFuzzer target: the Lambda front door's translation of untrusted bytes.
 * An event (any bytes) becomes an HTTP request or a clean refusal; the same
 * bytes read as an HTTP/1.1 response (through a socketpair, as from the
 * worker) become a response object or a clean refusal. Never a crash, a leak,
 * or a request with a line break where the event had one.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/lambda/lambda_event.h"
#include "server/http1_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    base_buf out;
    base_buf_init(&out);
    lambda_request req;
    if (lambda_event_to_request((const char *)data, size, &req, &out, err, sizeof(err)) == 0) {
        /* The head is lines of "name: value": exactly one blank line ends it. */
        char *end = memmem(out.data, out.len, "\r\n\r\n", 4);
        if (end == NULL)
            abort();
        for (char *p = out.data; p < end; p++)
            if ((*p == '\n' && p[-1] != '\r') || (*p == '\r' && p[1] != '\n') || *p == '\0')
                abort();
    }
    base_buf_free(&out);

    int sv[2];
    if (size > 60000 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return 0;
    if (lambda_write_all(sv[1], (const char *)data, size) == 0) {
        close(sv[1]);
        http1_response res;
        if (http1_read_response(sv[0], 0, 1 << 20, &res, err, sizeof(err)) == 0) {
            base_buf_init(&out);
            (void)lambda_event_response(size % 2 ? LAMBDA_EVENT_V1 : LAMBDA_EVENT_V2, &res, &out);
            base_buf_free(&out);
            http1_response_free(&res);
        }
    } else {
        close(sv[1]);
    }
    close(sv[0]);
    return 0;
}
