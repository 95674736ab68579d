/*
 * The lexer: every token kind, the spec's number, string and block-string
 * rules, locations in code points, and graphql-js 16's error wording and
 * positions. Sources are copied into exact-size heap buffers so ASan sees any
 * read past the end.
 */
#include "check.h"
#include "schema/gql_lexer.h"

#include <stdlib.h>

typedef struct lexed {
    char *copy; /* exact-size, not NUL-terminated */
    gql_lexer lx;
    gql_syntax_error err;
    bool ok;
} lexed;

static void lex_start(lexed *l, const char *src, size_t len)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, src, len);
    gql_lexer_init(&l->lx, copy, len, &l->err);
    l->copy = copy;
    l->ok = true;
}

/* The first token of src (len bytes). */
static gql_token first_token(lexed *l, const char *src, size_t len)
{
    gql_token tok = {0};
    lex_start(l, src, len);
    l->ok = gql_lexer_next(&l->lx, &tok, &l->err);
    return tok;
}

/* Lexes everything; returns the message of the first error or NULL, with its loc in *loc. */
static const char *lex_error_n(lexed *l, const char *src, size_t len, gql_loc *loc)
{
    gql_token tok;
    lex_start(l, src, len);
    for (int i = 0; i < 1000; i++) {
        if (!gql_lexer_next(&l->lx, &tok, &l->err)) {
            *loc = l->err.loc;
            return l->err.message;
        }
        if (tok.kind == GQL_TOK_EOF)
            return NULL;
    }
    return "runaway lexer";
}

static void check_error_at(int at, const char *src, size_t len, const char *want, uint32_t line, uint32_t col)
{
    lexed l;
    gql_loc loc = {0};
    const char *got = lex_error_n(&l, src, len, &loc);
    check_count++;
    if (got == NULL || strcmp(got, want) != 0 || loc.line != line || loc.column != col) {
        check_failures++;
        fprintf(stderr, "test_lexer.c:%d: lexing [%.*s]: got \"%s\" at %u:%u, want \"%s\" at %u:%u\n", at,
                (int)len, src, got ? got : "(no error)", loc.line, loc.column, want, line, col);
    }
    free(l.copy);
}

#define CHECK_LEX_ERROR(src, want, line, col) check_error_at(__LINE__, src, sizeof(src) - 1, want, line, col)

/* The cooked value of the first token, which must be a string; NULL if it fails to lex. */
static const char *string_value(base_arena *arena, const char *src, size_t len, size_t *out_len)
{
    lexed l;
    gql_token tok = first_token(&l, src, len);
    const char *v = NULL;
    if (l.ok && (tok.kind == GQL_TOK_STRING || tok.kind == GQL_TOK_BLOCK_STRING)) {
        gql_str s = gql_token_value(&l.lx, &tok, arena);
        v = s.ptr;
        if (out_len != NULL)
            *out_len = s.len;
    } else if (!l.ok) {
        fprintf(stderr, "  (lexing [%.*s] failed: %s)\n", (int)len, src, l.err.message);
    }
    free(l.copy);
    return v;
}

#define STRING_VALUE(src) string_value(&arena, src, sizeof(src) - 1, NULL)

static void every_token_kind(void)
{
    static const char src[] = "! $ & ( ) ... : = @ [ ] { | } name 12 1.5 \"s\" \"\"\"b\"\"\"";
    static const gql_token_kind want[] = {
        GQL_TOK_BANG,      GQL_TOK_DOLLAR,  GQL_TOK_AMP,    GQL_TOK_PAREN_L,      GQL_TOK_PAREN_R,
        GQL_TOK_SPREAD,    GQL_TOK_COLON,   GQL_TOK_EQUALS, GQL_TOK_AT,           GQL_TOK_BRACKET_L,
        GQL_TOK_BRACKET_R, GQL_TOK_BRACE_L, GQL_TOK_PIPE,   GQL_TOK_BRACE_R,      GQL_TOK_NAME,
        GQL_TOK_INT,       GQL_TOK_FLOAT,   GQL_TOK_STRING, GQL_TOK_BLOCK_STRING, GQL_TOK_EOF,
        GQL_TOK_EOF,
    };
    lexed l;
    gql_token tok;
    lex_start(&l, src, sizeof(src) - 1);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        CHECK(gql_lexer_next(&l.lx, &tok, &l.err));
        CHECK_INT(tok.kind, want[i]);
    }
    free(l.copy);

    /* Token texts and lengths are spans of the source. */
    tok = first_token(&l, "  _Name_1x(", 11);
    CHECK_INT(tok.kind, GQL_TOK_NAME);
    CHECK_INT(tok.len, 8);
    CHECK(memcmp(gql_token_text(&l.lx, &tok), "_Name_1x", 8) == 0);
    free(l.copy);
    tok = first_token(&l, "...", 3);
    CHECK_INT(tok.kind, GQL_TOK_SPREAD);
    CHECK_INT(tok.len, 3);
    free(l.copy);
}

static void ignored_tokens_are_skipped(void)
{
    lexed l;
    /* BOM, tabs, spaces, commas, comments (with any characters), all three line terminators. */
    static const char src[] =
        "\xEF\xBB\xBF\t ,,# comment \xE2\x9C\x93 \x01\r\n#another\r\n\r,\xEF\xBB\xBF  x";
    gql_token tok = first_token(&l, src, sizeof(src) - 1);
    CHECK(l.ok);
    CHECK_INT(tok.kind, GQL_TOK_NAME);
    CHECK_INT(tok.loc.line, 4);
    CHECK_INT(tok.loc.column, 5); /* ',' BOM ' ' ' ' x */
    CHECK_INT(tok.loc.offset, sizeof(src) - 2);
    free(l.copy);

    tok = first_token(&l, "# only a comment", 16);
    CHECK(l.ok);
    CHECK_INT(tok.kind, GQL_TOK_EOF);
    CHECK_INT(tok.loc.column, 17);
    free(l.copy);

    tok = first_token(&l, "", 0);
    CHECK(l.ok);
    CHECK_INT(tok.kind, GQL_TOK_EOF);
    CHECK_INT(tok.loc.line, 1);
    CHECK_INT(tok.loc.column, 1);
    CHECK_INT(tok.loc.offset, 0);
    free(l.copy);

    CHECK(gql_lexer_init(&l.lx, NULL, 0, &l.err));
    CHECK(gql_lexer_next(&l.lx, &tok, &l.err) && tok.kind == GQL_TOK_EOF);
}

static void locations_count_lines_and_code_points(void)
{
    lexed l;
    gql_token tok;
    /* LF, CRLF and CR each end exactly one line. */
    static const char lines[] = "a\nb\r\nc\rd\n\ne";
    lex_start(&l, lines, sizeof(lines) - 1);
    static const uint32_t want_line[] = {1, 2, 3, 4, 6};
    for (int i = 0; i < 5; i++) {
        CHECK(gql_lexer_next(&l.lx, &tok, &l.err));
        CHECK_INT(tok.loc.line, want_line[i]);
        CHECK_INT(tok.loc.column, 1);
    }
    free(l.copy);

    /* Columns count code points after 2-, 3- and 4-byte characters; offsets count bytes. */
    static const char wide[] =
        "\"\xC3\xA9\" \"\xE2\x82\xAC\" \"\xF0\x9F\x98\x80\" # \xF0\x9F\x98\x80\xC3\xA9\n"
        "  \"\xC3\xA9\" x";
    lex_start(&l, wide, sizeof(wide) - 1);
    static const uint32_t want_col[] = {1, 5, 9, 3, 7}, want_off[] = {0, 5, 11, 29, 34};
    for (int i = 0; i < 5; i++) {
        CHECK(gql_lexer_next(&l.lx, &tok, &l.err));
        CHECK_INT(tok.loc.column, want_col[i]);
        CHECK_INT(tok.loc.offset, want_off[i]);
    }
    free(l.copy);

    /* A block string moves the line count; the token after it is placed on its last line. */
    static const char block[] = "  \"\"\"a\n\xC3\xA9\r\nbc\r\xE2\x82\xAC\"\"\" x";
    lex_start(&l, block, sizeof(block) - 1);
    CHECK(gql_lexer_next(&l.lx, &tok, &l.err));
    CHECK_INT(tok.kind, GQL_TOK_BLOCK_STRING);
    CHECK_INT(tok.loc.line, 1);
    CHECK_INT(tok.loc.column, 3);
    CHECK(gql_lexer_next(&l.lx, &tok, &l.err));
    CHECK_INT(tok.loc.line, 4);
    CHECK_INT(tok.loc.column, 6);
    free(l.copy);

    /* Errors inside a multi-line block string are located on their own line. */
    CHECK_LEX_ERROR("\"\"\"ok\n  \xC3\xA9\x01\"\"\"",
                    "Syntax Error: Invalid character within String: U+0001.", 2, 4);
}

static void numbers(void)
{
    static const struct {
        const char *src;
        gql_token_kind kind;
        uint32_t len;
    } ok[] = {
        {"0", GQL_TOK_INT, 1},          {"-0", GQL_TOK_INT, 2},          {"4", GQL_TOK_INT, 1},
        {"-4", GQL_TOK_INT, 2},         {"9876543210", GQL_TOK_INT, 10}, {"4.123", GQL_TOK_FLOAT, 5},
        {"-4.123", GQL_TOK_FLOAT, 6},   {"0.123", GQL_TOK_FLOAT, 5},     {"123e4", GQL_TOK_FLOAT, 5},
        {"123E4", GQL_TOK_FLOAT, 5},    {"123e-4", GQL_TOK_FLOAT, 6},    {"123e+4", GQL_TOK_FLOAT, 6},
        {"-1.123e4", GQL_TOK_FLOAT, 8}, {"-1.123E-4", GQL_TOK_FLOAT, 9}, {"-1.123e+4567", GQL_TOK_FLOAT, 12},
        {"1 ", GQL_TOK_INT, 1},         {"1,", GQL_TOK_INT, 1},          {"1)", GQL_TOK_INT, 1},
        {"0]", GQL_TOK_INT, 1},         {"1\xC3\xA9", GQL_TOK_INT, 1},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        lexed l;
        gql_token tok = first_token(&l, ok[i].src, strlen(ok[i].src));
        CHECK(l.ok);
        CHECK_INT(tok.kind, ok[i].kind);
        CHECK_INT(tok.len, ok[i].len);
        free(l.copy);
    }

    CHECK_LEX_ERROR("00", "Syntax Error: Invalid number, unexpected digit after 0: \"0\".", 1, 2);
    CHECK_LEX_ERROR("01", "Syntax Error: Invalid number, unexpected digit after 0: \"1\".", 1, 2);
    CHECK_LEX_ERROR("-01", "Syntax Error: Invalid number, unexpected digit after 0: \"1\".", 1, 3);
    CHECK_LEX_ERROR("01.23", "Syntax Error: Invalid number, unexpected digit after 0: \"1\".", 1, 2);
    CHECK_LEX_ERROR("1.", "Syntax Error: Invalid number, expected digit but got: <EOF>.", 1, 3);
    CHECK_LEX_ERROR("1e", "Syntax Error: Invalid number, expected digit but got: <EOF>.", 1, 3);
    CHECK_LEX_ERROR("1.e1", "Syntax Error: Invalid number, expected digit but got: \"e\".", 1, 3);
    CHECK_LEX_ERROR("1.A", "Syntax Error: Invalid number, expected digit but got: \"A\".", 1, 3);
    CHECK_LEX_ERROR("-A", "Syntax Error: Invalid number, expected digit but got: \"A\".", 1, 2);
    CHECK_LEX_ERROR("-", "Syntax Error: Invalid number, expected digit but got: <EOF>.", 1, 2);
    CHECK_LEX_ERROR("1.0e", "Syntax Error: Invalid number, expected digit but got: <EOF>.", 1, 5);
    CHECK_LEX_ERROR("1.0eA", "Syntax Error: Invalid number, expected digit but got: \"A\".", 1, 5);
    CHECK_LEX_ERROR("1.0e\"", "Syntax Error: Invalid number, expected digit but got: '\"'.", 1, 5);
    CHECK_LEX_ERROR("1.2e3e", "Syntax Error: Invalid number, expected digit but got: \"e\".", 1, 6);
    CHECK_LEX_ERROR("1.2e3.4", "Syntax Error: Invalid number, expected digit but got: \".\".", 1, 6);
    CHECK_LEX_ERROR("1.23.4", "Syntax Error: Invalid number, expected digit but got: \".\".", 1, 5);
    CHECK_LEX_ERROR("1e+", "Syntax Error: Invalid number, expected digit but got: <EOF>.", 1, 4);
    /* A NameStart or '.' right after a number is an error, not two tokens. */
    CHECK_LEX_ERROR("0xF1", "Syntax Error: Invalid number, expected digit but got: \"x\".", 1, 2);
    CHECK_LEX_ERROR("0b10", "Syntax Error: Invalid number, expected digit but got: \"b\".", 1, 2);
    CHECK_LEX_ERROR("123abc", "Syntax Error: Invalid number, expected digit but got: \"a\".", 1, 4);
    CHECK_LEX_ERROR("1_234", "Syntax Error: Invalid number, expected digit but got: \"_\".", 1, 2);
    CHECK_LEX_ERROR("1\xDF", "Syntax Error: Invalid UTF-8 byte 0xDF.", 1, 2);
    CHECK_LEX_ERROR("-\xC3\xA9", "Syntax Error: Invalid number, expected digit but got: U+00E9.", 1, 2);
    CHECK_LEX_ERROR("+1", "Syntax Error: Unexpected character: \"+\".", 1, 1);
    CHECK_LEX_ERROR(".123", "Syntax Error: Unexpected character: \".\".", 1, 1);
}

static void strings_and_escapes(void)
{
    base_arena arena;
    base_arena_init(&arena, 0);
    CHECK_STR(STRING_VALUE("\"\""), "");
    CHECK_STR(STRING_VALUE("\"simple\""), "simple");
    CHECK_STR(STRING_VALUE("\" white space \""), " white space ");
    CHECK_STR(STRING_VALUE("\"tab\there\""), "tab\there");
    CHECK_STR(STRING_VALUE("\"quote \\\"\""), "quote \"");
    CHECK_STR(STRING_VALUE("\"escaped \\n\\r\\b\\t\\f\""), "escaped \n\r\b\t\f");
    CHECK_STR(STRING_VALUE("\"slashes \\\\ \\/\""), "slashes \\ /");
    CHECK_STR(STRING_VALUE("\"unicode \\u1234\\u5678\\u90AB\\uCDEF\""),
              "unicode \xE1\x88\xB4\xE5\x99\xB8\xE9\x82\xAB\xEC\xB7\xAF");
    CHECK_STR(STRING_VALUE("\"\\u0041\\u00e9\\u00E9\""), "A\xC3\xA9\xC3\xA9");
    CHECK_STR(STRING_VALUE("\"unicode \\u{1234}\\u{5678}\\u{90AB}\\u{CDEF}\""),
              "unicode \xE1\x88\xB4\xE5\x99\xB8\xE9\x82\xAB\xEC\xB7\xAF");
    CHECK_STR(STRING_VALUE("\"string with unicode escape outside BMP \\u{1F600}\""),
              "string with unicode escape outside BMP \xF0\x9F\x98\x80");
    CHECK_STR(STRING_VALUE("\"\\u{41}\\u{0000041}\\u{10FFFF}\""), "AA\xF4\x8F\xBF\xBF");
    CHECK_STR(STRING_VALUE("\"surrogate pair \\uD83D\\uDE00 \\ud83d\\ude00\""),
              "surrogate pair \xF0\x9F\x98\x80 \xF0\x9F\x98\x80");
    CHECK_STR(STRING_VALUE("\"raw \xF0\x9F\x98\x80 \xC3\xA9\""), "raw \xF0\x9F\x98\x80 \xC3\xA9");
    /* \u0000 is a valid escape: the value keeps its length. */
    size_t len = 0;
    const char *nul = string_value(&arena, "\"a\\u0000b\"", 10, &len);
    CHECK(nul != NULL && len == 3 && memcmp(nul, "a\0b", 3) == 0);
    base_arena_free(&arena);

    CHECK_LEX_ERROR("\"", "Syntax Error: Unterminated string.", 1, 2);
    CHECK_LEX_ERROR("\"no end quote", "Syntax Error: Unterminated string.", 1, 14);
    CHECK_LEX_ERROR("\"multi\nline\"", "Syntax Error: Unterminated string.", 1, 7);
    CHECK_LEX_ERROR("\"multi\rline\"", "Syntax Error: Unterminated string.", 1, 7);
    CHECK_LEX_ERROR("\"bad \\", "Syntax Error: Invalid character escape sequence: \"\\\".", 1, 6);
    CHECK_LEX_ERROR("\"bad \\z esc\"", "Syntax Error: Invalid character escape sequence: \"\\z\".", 1, 6);
    CHECK_LEX_ERROR("\"bad \\x esc\"", "Syntax Error: Invalid character escape sequence: \"\\x\".", 1, 6);
    CHECK_LEX_ERROR("\"bad \\\xC3\xA9 esc\"",
                    "Syntax Error: Invalid character escape sequence: \"\\\xC3\xA9\".", 1, 6);
    CHECK_LEX_ERROR("\"bad \\u1 esc\"", "Syntax Error: Invalid Unicode escape sequence: \"\\u1 es\".", 1, 6);
    CHECK_LEX_ERROR("\"bad \\u0XX1 esc\"", "Syntax Error: Invalid Unicode escape sequence: \"\\u0XX1\".", 1,
                    6);
    CHECK_LEX_ERROR("\"bad \\uXXXX esc\"", "Syntax Error: Invalid Unicode escape sequence: \"\\uXXXX\".", 1,
                    6);
    CHECK_LEX_ERROR("\"bad \\uFXXX esc\"", "Syntax Error: Invalid Unicode escape sequence: \"\\uFXXX\".", 1,
                    6);
    CHECK_LEX_ERROR("\"bad \\uXXXF esc\"", "Syntax Error: Invalid Unicode escape sequence: \"\\uXXXF\".", 1,
                    6);
    CHECK_LEX_ERROR("\"\\u12\"", "Syntax Error: Invalid Unicode escape sequence: \"\\u12\"\".", 1, 2);
    CHECK_LEX_ERROR("\"bad \\u{} esc\"", "Syntax Error: Invalid Unicode escape sequence: \"\\u{}\".", 1, 6);
    CHECK_LEX_ERROR("\"bad \\u{FXXX} esc\"", "Syntax Error: Invalid Unicode escape sequence: \"\\u{FX\".", 1,
                    6);
    CHECK_LEX_ERROR("\"bad \\u{FFFF esc\"", "Syntax Error: Invalid Unicode escape sequence: \"\\u{FFFF \".",
                    1, 6);
    CHECK_LEX_ERROR("\"bad \\u{FFFF\"", "Syntax Error: Invalid Unicode escape sequence: \"\\u{FFFF\"\".", 1,
                    6);
    CHECK_LEX_ERROR("\"too high \\u{110000} esc\"",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\u{110000}\".", 1, 11);
    CHECK_LEX_ERROR("\"way too high \\u{12345678} esc\"",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\u{12345678}\".", 1, 15);
    CHECK_LEX_ERROR("\"too long \\u{000000000} esc\"",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\u{000000000\".", 1, 11);
    CHECK_LEX_ERROR("\"overflow \\u{FFFFFFFFF}\"",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\u{FFFFFFFF\".", 1, 11);
    /* Lone surrogates, written either way, are not Unicode scalar values. */
    CHECK_LEX_ERROR("\"bad surrogate \\uDEAD esc\"",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\uDEAD\".", 1, 16);
    CHECK_LEX_ERROR("\"bad high surrogate pair \\uDEAD\\uDEAD esc\"",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\uDEAD\".", 1, 26);
    CHECK_LEX_ERROR("\"bad low surrogate pair \\uD800\\uD800 esc\"",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\uD800\".", 1, 25);
    CHECK_LEX_ERROR("\"lone \\uD83D\"", "Syntax Error: Invalid Unicode escape sequence: \"\\uD83D\".", 1, 7);
    CHECK_LEX_ERROR("\"then a \\uD83D\\u0041\"",
                    "Syntax Error: Invalid Unicode escape sequence: \"\\uD83D\".", 1, 9);
    CHECK_LEX_ERROR("\"\\u{D800}\"", "Syntax Error: Invalid Unicode escape sequence: \"\\u{D800}\".", 1, 2);
    CHECK_LEX_ERROR("\"\\u{DFFF}\"", "Syntax Error: Invalid Unicode escape sequence: \"\\u{DFFF}\".", 1, 2);
    /* Control characters other than tab are not allowed in strings. */
    CHECK_LEX_ERROR("\"contains \x01 char\"", "Syntax Error: Invalid character within String: U+0001.", 1,
                    11);
    CHECK_LEX_ERROR("\"null-byte \0 here\"", "Syntax Error: Invalid character within String: U+0000.", 1, 12);
    CHECK_LEX_ERROR("\"\x1F\"", "Syntax Error: Invalid character within String: U+001F.", 1, 2);
    /* Ill-formed UTF-8: bad continuation, overlong, encoded surrogate, past U+10FFFF, cut short. */
    CHECK_LEX_ERROR("\"\xC3\x28\"", "Syntax Error: Invalid UTF-8 byte 0xC3.", 1, 2);
    CHECK_LEX_ERROR("\"\xC0\xAF\"", "Syntax Error: Invalid UTF-8 byte 0xC0.", 1, 2);
    CHECK_LEX_ERROR("\"\xE0\x80\xAF\"", "Syntax Error: Invalid UTF-8 byte 0xE0.", 1, 2);
    CHECK_LEX_ERROR("\"\xC3\xA9\xED\xA0\x80\"", "Syntax Error: Invalid UTF-8 byte 0xED.", 1, 3);
    CHECK_LEX_ERROR("\"\xF4\x90\x80\x80\"", "Syntax Error: Invalid UTF-8 byte 0xF4.", 1, 2);
    CHECK_LEX_ERROR("\"\xF5\x80\x80\x80\"", "Syntax Error: Invalid UTF-8 byte 0xF5.", 1, 2);
    CHECK_LEX_ERROR("\"\x80\"", "Syntax Error: Invalid UTF-8 byte 0x80.", 1, 2);
    CHECK_LEX_ERROR("\"\xE2\x82", "Syntax Error: Invalid UTF-8 byte 0xE2.", 1, 2);
}

static void block_strings(void)
{
    base_arena arena;
    base_arena_init(&arena, 0);
    CHECK_STR(STRING_VALUE("\"\"\"\"\"\""), "");
    CHECK_STR(STRING_VALUE("\"\"\"simple\"\"\""), "simple");
    CHECK_STR(STRING_VALUE("\"\"\" white space \"\"\""), " white space ");
    CHECK_STR(STRING_VALUE("\"\"\"contains \" quote\"\"\""), "contains \" quote");
    CHECK_STR(STRING_VALUE("\"\"\"contains \\\"\"\" triple quote\"\"\""), "contains \"\"\" triple quote");
    CHECK_STR(STRING_VALUE("\"\"\"multi\nline\"\"\""), "multi\nline");
    CHECK_STR(STRING_VALUE("\"\"\"multi\rline\r\nnormalized\"\"\""), "multi\nline\nnormalized");
    CHECK_STR(STRING_VALUE("\"\"\"unescaped \\n\\r\\b\\t\\f\\u1234\"\"\""),
              "unescaped \\n\\r\\b\\t\\f\\u1234");
    CHECK_STR(STRING_VALUE("\"\"\"unescaped unicode outside BMP \xF0\x9F\x98\x80\"\"\""),
              "unescaped unicode outside BMP \xF0\x9F\x98\x80");
    CHECK_STR(STRING_VALUE("\"\"\"slashes \\\\ \\/\"\"\""), "slashes \\\\ \\/");
    CHECK_STR(STRING_VALUE("\"\"\"tab\tinside\"\"\""), "tab\tinside");
    /* The spec's example: blank first and last lines go, the common indent goes. */
    CHECK_STR(
        STRING_VALUE("\"\"\"\n\n        spans\n          multiple\n            lines\n\n        \"\"\""),
        "spans\n  multiple\n    lines");
    /* The first line is never dedented and does not count towards the common indent. */
    CHECK_STR(STRING_VALUE("\"\"\"  first\n    second\n  third\"\"\""), "  first\n  second\nthird");
    CHECK_STR(STRING_VALUE("\"\"\"first\n      second\n    third\n\"\"\""), "first\n  second\nthird");
    /* Blank lines do not count towards the indent; inside the text they keep what is left. */
    CHECK_STR(STRING_VALUE("\"\"\"\n    a\n\n      \n    b\n\"\"\""), "a\n\n  \nb");
    CHECK_STR(STRING_VALUE("\"\"\"\n  a\n \n  b\"\"\""), "a\n\nb");
    /* Tabs count as indent like spaces, one each. */
    CHECK_STR(STRING_VALUE("\"\"\"\n\t\ta\n\t\t\tb\n\"\"\""), "a\n\tb");
    /* Only blank lines: the value is empty. */
    CHECK_STR(STRING_VALUE("\"\"\"   \n  \t \r\n   \"\"\""), "");
    /* Leading blank lines with CRLF and CR. */
    CHECK_STR(STRING_VALUE("\"\"\"\r\n\r  x\r\n    y\r\n\"\"\""), "x\n  y");
    /* Escaped triple quotes in an indented line; indent is counted before them. */
    CHECK_STR(STRING_VALUE("\"\"\"\n    \\\"\"\"x\n      y\"\"\""), "\"\"\"x\n  y");
    CHECK_STR(STRING_VALUE("\"\"\"a\\\\b\"\"\""), "a\\\\b");
    base_arena_free(&arena);

    CHECK_LEX_ERROR("\"\"\"", "Syntax Error: Unterminated string.", 1, 4);
    CHECK_LEX_ERROR("\"\"\"no end quote", "Syntax Error: Unterminated string.", 1, 16);
    CHECK_LEX_ERROR("\"\"\"a\nb\"\"", "Syntax Error: Unterminated string.", 2, 4);
    CHECK_LEX_ERROR("\"\"\"contains \x01 char\"\"\"",
                    "Syntax Error: Invalid character within String: U+0001.", 1, 13);
    CHECK_LEX_ERROR("\"\"\"null-byte \0 here\"\"\"", "Syntax Error: Invalid character within String: U+0000.",
                    1, 14);
    CHECK_LEX_ERROR("\"\"\"\n\xFF\"\"\"", "Syntax Error: Invalid UTF-8 byte 0xFF.", 2, 1);
}

static void unexpected_characters(void)
{
    CHECK_LEX_ERROR("?", "Syntax Error: Unexpected character: \"?\".", 1, 1);
    CHECK_LEX_ERROR("  ~", "Syntax Error: Unexpected character: \"~\".", 1, 3);
    CHECK_LEX_ERROR("..", "Syntax Error: Unexpected character: \".\".", 1, 1);
    CHECK_LEX_ERROR("a.b", "Syntax Error: Unexpected character: \".\".", 1, 2);
    CHECK_LEX_ERROR(
        "'", "Syntax Error: Unexpected single quote character ('), did you mean to use a double quote (\")?",
        1, 1);
    CHECK_LEX_ERROR("\x07", "Syntax Error: Unexpected character: U+0007.", 1, 1);
    CHECK_LEX_ERROR("{ a\0 }", "Syntax Error: Unexpected character: U+0000.", 1, 4);
    CHECK_LEX_ERROR("\x7F", "Syntax Error: Unexpected character: U+007F.", 1, 1);
    CHECK_LEX_ERROR("\xC2\xA0", "Syntax Error: Unexpected character: U+00A0.", 1, 1);
    CHECK_LEX_ERROR("\xE2\x80\x8B", "Syntax Error: Unexpected character: U+200B.", 1, 1);
    CHECK_LEX_ERROR("x \xF0\x9F\x98\x80", "Syntax Error: Unexpected character: U+1F600.", 1, 3);
    CHECK_LEX_ERROR("\"\xC3\xA9\" \xC3\xA9", "Syntax Error: Unexpected character: U+00E9.", 1, 5);
    CHECK_LEX_ERROR("\xFF", "Syntax Error: Invalid UTF-8 byte 0xFF.", 1, 1);
    CHECK_LEX_ERROR("\xEF\xBB", "Syntax Error: Invalid UTF-8 byte 0xEF.", 1, 1);
    CHECK_LEX_ERROR("\xEF\xBF\xBE", "Syntax Error: Unexpected character: U+FFFE.", 1, 1);
    CHECK_LEX_ERROR("# comment \xC3\n", "Syntax Error: Invalid UTF-8 byte 0xC3.", 1, 11);
    CHECK_LEX_ERROR("a\r\n  \xC3\xA9", "Syntax Error: Unexpected character: U+00E9.", 2, 3);
}

static void token_descriptions(void)
{
    char buf[160];
    static const struct {
        const char *src, *want;
    } cases[] = {
        {"", "<EOF>"},
        {"{", "\"{\""},
        {"...", "\"...\""},
        {"name", "Name \"name\""},
        {"-12", "Int \"-12\""},
        {"1.5e3", "Float \"1.5e3\""},
        {"\"a\\nb\"", "String \"a\nb\""},
        {"\"\"\"\n  block\n  \"\"\"", "BlockString \"block\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lexed l;
        gql_token tok = first_token(&l, cases[i].src, strlen(cases[i].src));
        CHECK(l.ok);
        gql_token_describe(&l.lx, &tok, buf, sizeof(buf));
        CHECK_STR(buf, cases[i].want);
        free(l.copy);
    }
    CHECK_STR(gql_token_kind_desc(GQL_TOK_BRACE_R), "\"}\"");
    CHECK_STR(gql_token_kind_desc(GQL_TOK_BLOCK_STRING), "BlockString");

    /* Long values are cut at a character boundary, never inside one. */
    static const char euro[3] = {'\xE2', '\x82', '\xAC'};
    char big[400];
    size_t n = 0;
    big[n++] = '"';
    while (n < 300) {
        memcpy(big + n, euro, sizeof(euro));
        n += sizeof(euro);
    }
    big[n++] = '"';
    lexed l;
    gql_token tok = first_token(&l, big, n);
    CHECK(l.ok);
    gql_token_describe(&l.lx, &tok, buf, sizeof(buf));
    CHECK(strlen(buf) < 120);
    CHECK(strncmp(buf, "String \"\xE2\x82\xAC", 11) == 0);
    CHECK(strcmp(buf + strlen(buf) - 7, "\xE2\x82\xAC...\"") == 0);
    free(l.copy);

    /* Escapes are cooked in descriptions too, also when the value is cut. */
    char xs[194];
    memset(xs, 'x', sizeof(xs) - 1);
    xs[sizeof(xs) - 1] = '\0';
    n = (size_t)snprintf(big, sizeof(big), "\"\\u00e9%s\\n\"", xs);
    tok = first_token(&l, big, n);
    CHECK(l.ok);
    gql_token_describe(&l.lx, &tok, buf, sizeof(buf));
    CHECK(strncmp(buf, "String \"\xC3\xA9xxx", 13) == 0);
    CHECK(strcmp(buf + strlen(buf) - 5, "x...\"") == 0);
    free(l.copy);
}

static void limits_and_errors(void)
{
    gql_lexer lx;
    gql_syntax_error err;
    /* The length is checked before anything is read. */
    CHECK(!gql_lexer_init(&lx, "x", (size_t)UINT32_MAX, &err));
    CHECK_STR(err.message, "Syntax Error: Document too large.");

    /* A message that would overflow is cut at a character boundary. */
    char longmsg[300];
    memset(longmsg, 'a', sizeof(longmsg));
    memcpy(longmsg + 240, "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 12);
    longmsg[299] = '\0';
    gql_syntax_error_set(&err, (gql_loc){1, 1, 0}, "%s", longmsg);
    size_t len = strlen(err.message);
    CHECK(len < sizeof(err.message));
    CHECK(len >= sizeof(err.message) - 4);
    unsigned char last = (unsigned char)err.message[len - 1];
    CHECK(last == 'a' || last == 0xAC);

    /* After EOF the lexer keeps returning EOF. */
    lexed l;
    gql_token tok = first_token(&l, " x ", 3);
    CHECK(gql_lexer_next(&l.lx, &tok, &l.err) && tok.kind == GQL_TOK_EOF);
    CHECK(gql_lexer_next(&l.lx, &tok, &l.err) && tok.kind == GQL_TOK_EOF);
    CHECK_INT(tok.loc.column, 4);
    free(l.copy);
}

int main(void)
{
    every_token_kind();
    ignored_tokens_are_skipped();
    locations_count_lines_and_code_points();
    numbers();
    strings_and_escapes();
    block_strings();
    unexpected_characters();
    token_descriptions();
    limits_and_errors();
    return CHECK_EXIT();
}
