/*
 * base_buf's JSON strings: escapes as RFC 8259 wants them, well-formed UTF-8
 * passed through, and every byte of an ill-formed sequence written as U+FFFD,
 * so what gqld writes (answers, log lines) is valid UTF-8 whatever it was given.
 */
#include "check.h"
#include "schema/base/buf.h"

static void check_json(const char *in, size_t len, const char *want)
{
    base_buf b;
    base_buf_init(&b);
    base_buf_json_string(&b, in, len);
    CHECK(!b.failed);
    CHECK_STR(b.data, want);
    base_buf_free(&b);
}

#define JSON(lit, want) check_json(lit, sizeof(lit) - 1, want)

int main(void)
{
    JSON("", "\"\"");
    JSON("a\"b\\c\n\t\x01", "\"a\\\"b\\\\c\\n\\t\\u0001\"");
    JSON("\0x", "\"\\u0000x\"");
    /* Well-formed UTF-8, up to four bytes and the last code point, passes through. */
    JSON("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",
         "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
    /* The access log's case: a path with the bytes FF FE. */
    JSON("/\xff\xfe", "\"/\\ufffd\\ufffd\"");
    /* A lone continuation byte, a lead byte cut short (mid-string and at the end), overlong forms,
     * a surrogate, past U+10FFFF: one U+FFFD per byte that starts no well-formed sequence. */
    JSON("\x80", "\"\\ufffd\"");
    JSON("\xc3x", "\"\\ufffdx\"");
    JSON("ab\xe2\x82", "\"ab\\ufffd\\ufffd\"");
    JSON("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    JSON("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
    JSON("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    JSON("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    JSON("\xf5\x80", "\"\\ufffd\\ufffd\"");
    /* Room: the worst case, every byte six characters. */
    char ff[300];
    memset(ff, 0xff, sizeof(ff));
    base_buf b;
    base_buf_init(&b);
    base_buf_json_string(&b, ff, sizeof(ff));
    CHECK(!b.failed);
    CHECK_INT(b.len, 2 + 6 * sizeof(ff));
    base_buf_free(&b);
    return CHECK_EXIT();
}
