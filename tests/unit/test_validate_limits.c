/*
 * Document limits (gql_validate_limits): depth, aliases per selection set and
 * fields after fragment expansion, measured without expanding fragments, so
 * a fragment bomb is refused at once.
 */
#include "check.h"
#include "schema/gql_parser.h"
#include "schema/gql_schema.h"
#include "schema/gql_validate.h"

#include <stdlib.h>

static gql_schema *schema;

/* Applies the limits to `query`; writes "line:col message" lines to out and returns the count. */
static size_t limited(const char *query, size_t depth, size_t aliases, size_t fields, char *out, size_t size)
{
    base_arena a;
    base_arena_init(&a, 0);
    gql_errors errors;
    gql_errors_init(&errors, &a);
    gql_document *doc = gql_parse(&a, query, strlen(query), NULL, NULL);
    CHECK(doc != NULL);
    gql_doc_limits limits = {.max_depth = depth, .max_aliases = aliases, .max_fields = fields};
    size_t n = doc != NULL ? gql_validate_limits(schema, doc, &limits, &errors) : 0;
    size_t used = 0;
    out[0] = '\0';
    for (const gql_error *e = errors.first; e != NULL && used < size; e = e->next)
        used +=
            (size_t)snprintf(out + used, size - used, "%s%u:%u %s", e == errors.first ? "" : "\n",
                             e->nlocs ? e->locs[0].line : 0, e->nlocs ? e->locs[0].column : 0, e->message);
    CHECK_INT(n, errors.count);
    base_arena_free(&a);
    return n;
}

static void depth(void)
{
    char out[512];
    const char *q = "{ viewer { friends { friends { id } } } }";
    CHECK_INT(limited(q, 4, 0, 0, out, sizeof(out)), 0);
    CHECK_INT(limited(q, 3, 0, 0, out, sizeof(out)), 1);
    CHECK_STR(out, "1:1 Query exceeds the maximum depth of 3 (found 4).");
    /* fragments and inline fragments add no level of their own, their fields do */
    q = "query Deep { viewer { ...A } }\n"
        "fragment A on Member { ... on Member { friends { ...B } } }\n"
        "fragment B on Member { friends { friends { id } } }";
    CHECK_INT(limited(q, 5, 0, 0, out, sizeof(out)), 0);
    CHECK_INT(limited(q, 4, 0, 0, out, sizeof(out)), 1);
    CHECK_STR(out, "1:1 Query exceeds the maximum depth of 4 (found 5).");
    /* each operation is judged, the error names the first too deep */
    q = "query A { viewer { id } } query B { viewer { friends { id } } }";
    CHECK_INT(limited(q, 2, 0, 0, out, sizeof(out)), 1);
    CHECK_STR(out, "1:27 Query exceeds the maximum depth of 2 (found 3).");
}

static void fields(void)
{
    char out[512];
    const char *q = "{ viewer { id name } book { title } }";
    CHECK_INT(limited(q, 0, 0, 5, out, sizeof(out)), 0);
    CHECK_INT(limited(q, 0, 0, 4, out, sizeof(out)), 1);
    CHECK_STR(out, "1:1 Query exceeds the maximum of 4 fields after fragment expansion (found 5).");
    /* every spread counts the fragment's fields again */
    q = "{ viewer { ...A ...A ... on Member { ...A } } } fragment A on Member { id friends { id } }";
    CHECK_INT(limited(q, 0, 0, 10, out, sizeof(out)), 0);
    CHECK_INT(limited(q, 0, 0, 9, out, sizeof(out)), 1);
    CHECK_STR(out, "1:1 Query exceeds the maximum of 9 fields after fragment expansion (found 10).");
}

/* 20 levels of 10 spreads: 10^20 fields, more than a size_t counts; refused at once without expanding. */
static void fragment_bomb(void)
{
    base_buf b;
    base_buf_init(&b);
    base_buf_puts(&b, "{ viewer { ...F0 } }");
    for (int i = 0; i < 20; i++) {
        base_buf_printf(&b, "\nfragment F%d on Member {", i);
        for (int j = 0; j < 10; j++)
            base_buf_printf(&b, " ...F%d", i + 1);
        base_buf_puts(&b, " }");
    }
    base_buf_puts(&b, "\nfragment F20 on Member { a: id b: name }");
    base_buf_putc(&b, '\0');
    char out[512];
    CHECK_INT(limited(b.data, 10, 100, 10000, out, sizeof(out)), 2);
    CHECK_STR(out, "1:10 A selection set exceeds the maximum of 100 aliases.\n"
                   "1:1 Query exceeds the maximum of 10000 fields after fragment expansion.");
    /* the same with 3 levels: counted exactly */
    base_buf_free(&b);
    base_buf_init(&b);
    base_buf_puts(&b, "{ viewer { ...F0 } }");
    for (int i = 0; i < 3; i++) {
        base_buf_printf(&b, " fragment F%d on Member {", i);
        for (int j = 0; j < 10; j++)
            base_buf_printf(&b, " ...F%d", i + 1);
        base_buf_puts(&b, " }");
    }
    base_buf_puts(&b, " fragment F3 on Member { id }");
    base_buf_putc(&b, '\0');
    CHECK_INT(limited(b.data, 0, 0, 1000, out, sizeof(out)), 1);
    CHECK_STR(out, "1:1 Query exceeds the maximum of 1000 fields after fragment expansion (found 1001).");
    base_buf_free(&b);
}

static void aliases(void)
{
    char out[512];
    /* the aliases merged into one set: its own, its inline fragments' and its spreads' */
    const char *q =
        "{ viewer { a: id b: name ...F } } fragment F on Member { c: id ... { d: email } friends { e: id } }";
    CHECK_INT(limited(q, 0, 4, 0, out, sizeof(out)), 0);
    CHECK_INT(limited(q, 0, 3, 0, out, sizeof(out)), 1);
    CHECK_STR(out, "1:10 A selection set exceeds the maximum of 3 aliases (found 4).");
    /* at the root */
    q = "{ a: viewer { id } b: viewer { id } }";
    CHECK_INT(limited(q, 0, 1, 0, out, sizeof(out)), 1);
    CHECK_STR(out, "1:1 A selection set exceeds the maximum of 1 aliases (found 2).");
    /* a fragment's inner sets are judged where they are written, once */
    q = "{ viewer { ...F ...F } }\nfragment F on Member { friends { a: id b: id } }";
    CHECK_INT(limited(q, 0, 2, 0, out, sizeof(out)), 0);
    CHECK_INT(limited(q, 0, 1, 0, out, sizeof(out)), 1);
    CHECK_STR(out, "2:32 A selection set exceeds the maximum of 1 aliases (found 2).");
}

static void odd_documents(void)
{
    char out[512];
    /* no limits, no errors */
    CHECK_INT(limited("{ a: viewer { b: id } }", 0, 0, 0, out, sizeof(out)), 0);
    /* cycles and unknown fragments are validation's to report: here they measure as empty */
    const char *q = "{ viewer { ...A ...Nope } } fragment A on Member { id ...B } fragment B on Member { "
                    "friends { ...A } }";
    CHECK_INT(limited(q, 3, 0, 3, out, sizeof(out)), 0);
    CHECK_INT(limited(q, 1, 0, 2, out, sizeof(out)), 2);
    CHECK_STR(out, "1:1 Query exceeds the maximum depth of 1 (found 2).\n"
                   "1:1 Query exceeds the maximum of 2 fields after fragment expansion (found 3).");
    /* a chain of fragments longer than measuring follows */
    base_buf b;
    base_buf_init(&b);
    base_buf_puts(&b, "{ viewer { ...C0 } }");
    for (int i = 0; i < 6000; i++)
        base_buf_printf(&b, " fragment C%d on Member { ...C%d }", i, i + 1);
    base_buf_puts(&b, " fragment C6000 on Member { id }");
    base_buf_putc(&b, '\0');
    CHECK_INT(limited(b.data, 10, 10, 10, out, sizeof(out)), 1);
    CHECK(strstr(out, "Query nests selections and fragments too deeply to be measured.") != NULL);
    base_buf_free(&b);
}

/* Root fields per operation (fragments merged in) and operations per document. */
static void roots_and_operations(void)
{
    char out[512];
    base_arena a;
    base_arena_init(&a, 0);
    gql_errors errors;
    gql_errors_init(&errors, &a);
    gql_doc_limits limits = {.max_root_fields = 3, .max_operations = 2};
    const char *q =
        "query A { viewer { id } ...R } query B { book { title } } fragment R on Query { a: viewer { "
        "id } b: viewer { id } }";
    gql_document *doc = gql_parse(&a, q, strlen(q), NULL, NULL);
    CHECK_INT(gql_validate_limits(schema, doc, &limits, &errors), 0);
    limits.max_root_fields = 2;
    CHECK_INT(gql_validate_limits(schema, doc, &limits, &errors), 1);
    CHECK_STR(errors.first->message, "Operation exceeds the maximum of 2 root fields (found 3).");
    limits.max_root_fields = 0;
    limits.max_operations = 1;
    gql_errors_init(&errors, &a);
    CHECK_INT(gql_validate_limits(schema, doc, &limits, &errors), 1);
    CHECK_STR(errors.first->message, "The document exceeds the maximum of 1 operations (found 2).");
    base_arena_free(&a);
    (void)out;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_validate_limits test_schema.graphql\n");
        return 2;
    }
    size_t len;
    char *sdl = check_read_file(argv[1], &len);
    char err[256];
    schema = sdl ? gql_schema_load(sdl, len, "test_schema.graphql", err, sizeof(err)) : NULL;
    if (schema == NULL) {
        fprintf(stderr, "cannot load %s: %s\n", argv[1], sdl ? err : "unreadable");
        return 1;
    }
    depth();
    fields();
    fragment_bomb();
    aliases();
    odd_documents();
    roots_and_operations();
    gql_schema_free(schema);
    free(sdl);
    return CHECK_EXIT();
}
