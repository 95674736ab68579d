/*
 * gql_check: gqld's verdict on GraphQL documents, for the differential test
 * against graphql-js (differential.test.mjs).
 *
 *   gql_check SCHEMA.graphql [QUERIES.jsonl]
 *       Reads one JSON object per line ({"query": "...", ...}; other members
 *       are ignored) from the file or stdin and prints, per line, one line:
 *       {"valid": bool, "errors": [{"message": ..., "locations": [...]}]}
 *       A syntax error is the only error of its line, as graphql-js's parse.
 *
 *   gql_check --time N SCHEMA.graphql DOCUMENT.graphql
 *       Parses the document and validates it N times; prints the median and
 *       fastest microseconds of each (a figure, never a pass/fail).
 *
 * Uses the schema/ code gqld runs: gql_schema_load, gql_parse, gql_validate.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schema/gql_errors.h"
#include "schema/gql_parser.h"
#include "schema/gql_schema.h"
#include "schema/gql_validate.h"

static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            return NULL;
        }
        buf = bigger;
        cap *= 2;
    }
    if (buf != NULL)
        buf[n] = '\0';
    *len = n;
    return buf;
}

static char *read_path(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = read_all(f, len);
    fclose(f);
    return buf;
}

static json_t *location(gql_loc loc)
{
    return json_pack("{s:i,s:i}", "line", (json_int_t)loc.line, "column", (json_int_t)loc.column);
}

static json_t *error_json(const char *message, const gql_loc *locs, unsigned nlocs)
{
    json_t *l = json_array();
    for (unsigned i = 0; i < nlocs; i++)
        json_array_append_new(l, location(locs[i]));
    return json_pack("{s:s,s:o}", "message", message, "locations", l);
}

/* The verdict on one document, as a JSON object. */
static json_t *check(const gql_schema *schema, const char *query, size_t len)
{
    base_arena arena;
    base_arena_init(&arena, 0);
    gql_errors errors;
    gql_errors_init(&errors, &arena);
    json_t *list = json_array();
    gql_syntax_error syntax;
    gql_document *doc = gql_parse(&arena, query, len, NULL, &syntax);
    if (doc == NULL) {
        json_array_append_new(list, error_json(syntax.message, &syntax.loc, 1));
    } else {
        gql_validate(schema, doc, &errors);
        for (const gql_error *e = errors.first; e != NULL; e = e->next)
            json_array_append_new(list, error_json(e->message, e->locs, e->nlocs));
    }
    base_arena_free(&arena);
    return json_pack("{s:b,s:o}", "valid", json_array_size(list) == 0, "errors", list);
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Parses and validates a document `runs` times; prints the median and fastest run of each step. */
static int time_document(const gql_schema *schema, const char *path, long runs)
{
    size_t len;
    char *text = read_path(path, &len);
    double *parse_us = calloc((size_t)runs, sizeof(double)),
           *validate_us = calloc((size_t)runs, sizeof(double));
    if (text == NULL || parse_us == NULL || validate_us == NULL) {
        fprintf(stderr, "gql_check: cannot read %s\n", path);
        free(text);
        free(parse_us);
        free(validate_us);
        return 2;
    }
    size_t nerrors = 0;
    int status = 0;
    for (long i = 0; i < runs && status == 0; i++) {
        base_arena arena;
        base_arena_init(&arena, 0);
        gql_errors errors;
        gql_errors_init(&errors, &arena);
        gql_syntax_error syntax;
        double t0 = now_us();
        gql_document *doc = gql_parse(&arena, text, len, NULL, &syntax);
        double t1 = now_us();
        if (doc == NULL) {
            fprintf(stderr, "gql_check: %s:%u:%u: %s\n", path, syntax.loc.line, syntax.loc.column,
                    syntax.message);
            status = 1;
        } else {
            nerrors = gql_validate(schema, doc, &errors);
        }
        double t2 = now_us();
        parse_us[i] = t1 - t0;
        validate_us[i] = t2 - t1;
        base_arena_free(&arena);
    }
    if (status == 0) {
        qsort(parse_us, (size_t)runs, sizeof(double), compare_doubles);
        qsort(validate_us, (size_t)runs, sizeof(double), compare_doubles);
        printf("%s: %zu bytes; parse %.1f us (fastest %.1f), validate %.1f us (fastest %.1f); median of %ld "
               "runs; "
               "%zu errors\n",
               path, len, parse_us[runs / 2], parse_us[0], validate_us[runs / 2], validate_us[0], runs,
               nerrors);
    }
    free(text);
    free(parse_us);
    free(validate_us);
    return status;
}

int main(int argc, char **argv)
{
    long runs = 0;
    if (argc > 2 && strcmp(argv[1], "--time") == 0) {
        runs = strtol(argv[2], NULL, 10);
        argv += 2;
        argc -= 2;
    }
    if (argc < 2 || argc > 3 || (runs > 0 && argc != 3)) {
        fprintf(stderr, "usage: gql_check SCHEMA.graphql [QUERIES.jsonl]\n"
                        "       gql_check --time N SCHEMA.graphql DOCUMENT.graphql\n");
        return 2;
    }
    size_t sdl_len;
    char *sdl = read_path(argv[1], &sdl_len);
    char err[512];
    gql_schema *schema = sdl != NULL ? gql_schema_load(sdl, sdl_len, argv[1], err, sizeof(err)) : NULL;
    if (schema == NULL) {
        fprintf(stderr, "gql_check: %s\n", sdl != NULL ? err : "cannot read the schema");
        free(sdl);
        return 2;
    }
    int status = 0;
    if (runs > 0) {
        status = time_document(schema, argv[2], runs);
    } else {
        FILE *in = argc == 3 ? fopen(argv[2], "rb") : stdin;
        size_t len;
        char *text = in != NULL ? read_all(in, &len) : NULL;
        if (in != NULL && in != stdin)
            fclose(in);
        if (text == NULL) {
            fprintf(stderr, "gql_check: cannot read the queries\n");
            status = 2;
        }
        for (char *line = text, *end; status == 0 && line != NULL && *line != '\0'; line = end) {
            end = strchr(line, '\n');
            if (end != NULL)
                *end++ = '\0';
            if (strspn(line, " \t\r") == strlen(line))
                continue;
            json_error_t jerr;
            json_t *req = json_loads(line, JSON_ALLOW_NUL, &jerr);
            const char *query = json_string_value(json_object_get(req, "query"));
            if (query == NULL) {
                fprintf(stderr, "gql_check: a line without a \"query\" string: %s\n", jerr.text);
                json_decref(req);
                status = 2;
                break;
            }
            json_t *verdict = check(schema, query, json_string_length(json_object_get(req, "query")));
            char *out = json_dumps(verdict, JSON_COMPACT);
            puts(out);
            free(out);
            json_decref(verdict);
            json_decref(req);
        }
        free(text);
    }
    gql_schema_free(schema);
    free(sdl);
    return status;
}
