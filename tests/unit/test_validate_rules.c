/*
 * Validation, rule by rule: for each of graphql-js's specifiedRules a valid
 * document and an invalid one, against tests/conformance/test_schema.graphql,
 * with every error's exact message and locations, in order. (The expectations
 * are graphql-js 16.9's answers; the differential test compares hundreds more.)
 * Then the error limit, and the bounds on hostile documents.
 */
#include "check.h"
#include "schema/gql_parser.h"
#include "schema/gql_schema.h"
#include "schema/gql_validate.h"

#include <stdbool.h>
#include <stdlib.h>

static gql_schema *schema;

/* Validates `query` and writes its errors as lines "line:col[,line:col...] message"; returns the count. */
static size_t validate_text(const char *query, base_buf *out)
{
    base_arena a;
    base_arena_init(&a, 0);
    gql_errors errors;
    gql_errors_init(&errors, &a);
    gql_syntax_error syn;
    gql_document *doc = gql_parse(&a, query, strlen(query), NULL, &syn);
    size_t n = 0;
    if (doc == NULL) {
        base_buf_printf(out, "%u:%u %s", syn.loc.line, syn.loc.column, syn.message);
    } else {
        n = gql_validate(schema, doc, &errors);
        for (const gql_error *e = errors.first; e != NULL; e = e->next) {
            if (e != errors.first)
                base_buf_putc(out, '\n');
            for (unsigned i = 0; i < e->nlocs; i++)
                base_buf_printf(out, "%s%u:%u", i ? "," : "", e->locs[i].line, e->locs[i].column);
            base_buf_printf(out, " %s", e->message);
        }
        CHECK_INT(n, errors.count);
    }
    base_arena_free(&a);
    base_buf_putc(out, '\0');
    return n;
}

static void expect(int line, const char *query, const char *want)
{
    base_buf got;
    base_buf_init(&got);
    validate_text(query, &got);
    check_count++;
    if (got.data == NULL || strcmp(got.data, want) != 0) {
        check_failures++;
        fprintf(stderr, "%s:%d: %s\n  got:  %s\n  want: %s\n", __FILE__, line, query,
                got.data ? got.data : "", want);
    }
    base_buf_free(&got);
}

/* One valid and one invalid document per rule, in specifiedRules order. */
static void rules(void)
{
    /* ExecutableDefinitions */
    expect(__LINE__, "{ viewer { id } }", "");
    expect(__LINE__, "{ viewer { id } }\ntype Extra { a: String }\nextend schema @onQuery",
           "2:1 The \"Extra\" definition is not executable.\n3:1 The schema definition is not "
           "executable.\n3:15 Directive \"@onQuery\" may not be used on SCHEMA.");
    /* UniqueOperationNames */
    expect(__LINE__, "query A { viewer { id } } query B { viewer { id } }", "");
    expect(__LINE__, "query A { viewer { id } } mutation A { deleteWork(id: \"1\") }",
           "1:7,1:36 There can be only one operation named \"A\".");
    /* LoneAnonymousOperation */
    expect(__LINE__, "{ viewer { id } }", "");
    expect(__LINE__, "{ viewer { id } } query B { viewer { id } }",
           "1:1 This anonymous operation must be the only defined operation.");
    /* SingleFieldSubscriptions */
    expect(__LINE__, "subscription S { tick }", "");
    expect(__LINE__,
           "subscription S { tick __typename ...F } fragment F on Subscription { workAdded { id } }",
           "1:23,1:70 Subscription \"S\" must select only one top level field.\n1:23 Subscription \"S\" must "
           "not select an introspection top level field.");
    /* KnownTypeNames */
    expect(__LINE__, "query ($f: BookFilter) { books(filter: $f) { id } }", "");
    expect(__LINE__, "query ($f: BookFiltr) { work(id: \"1\") { ... on Boook { id } } }",
           "1:12 Unknown type \"BookFiltr\". Did you mean \"BookFilter\"?\n1:48 Unknown type \"Boook\". Did "
           "you mean \"Book\" or \"Work\"?\n1:8 Variable \"$f\" is never used.");
    /* FragmentsOnCompositeTypes */
    expect(__LINE__, "{ search(text: \"x\") { ... on Book { id } } }", "");
    expect(__LINE__, "{ book { ... on Genre { x } ...F } } fragment F on BookFilter { x }",
           "1:17 Fragment cannot condition on non composite type \"Genre\".\n1:52 Fragment \"F\" cannot "
           "condition on non composite type \"BookFilter\".");
    /* VariablesAreInputTypes */
    expect(__LINE__, "query ($g: [Genre!]) { books(filter: {genres: $g}) { id } }", "");
    expect(__LINE__, "query ($b: Book, $u: [SearchResult!]!) { __typename }",
           "1:12 Variable \"$b\" cannot be non-input type \"Book\".\n1:22 Variable \"$u\" cannot be "
           "non-input type \"[SearchResult!]!\".\n1:8 Variable \"$b\" is never used.\n1:18 Variable \"$u\" "
           "is never used.");
    /* ScalarLeafs */
    expect(__LINE__, "{ book { title author { name } } }", "");
    expect(
        __LINE__, "{ viewer book { title { length } } }",
        "1:3 Field \"viewer\" of type \"Member\" must have a selection of subfields. Did you mean \"viewer { "
        "... }\"?\n1:23 Field \"title\" must not have a selection since type \"String!\" has no subfields.");
    /* FieldsOnCorrectType */
    expect(__LINE__, "{ work(id: \"1\") { title ... on Book { isbn } } }", "");
    expect(__LINE__, "{ book { titel } work(id: \"1\") { isbn } search(text: \"x\") { title } }",
           "1:10 Cannot query field \"titel\" on type \"Book\". Did you mean \"title\"?\n1:34 Cannot query "
           "field \"isbn\" on type \"Work\". Did you mean to use an inline fragment on \"Book\"?\n1:61 "
           "Cannot query field \"title\" on type \"SearchResult\". Did you mean to use an inline fragment on "
           "\"Work\", \"Book\", or \"Film\"?");
    /* UniqueFragmentNames */
    expect(__LINE__, "{ viewer { ...A ...B } } fragment A on Member { id } fragment B on Member { id }", "");
    expect(__LINE__, "{ viewer { ...A } } fragment A on Member { id } fragment A on Member { name }",
           "1:30,1:58 There can be only one fragment named \"A\".");
    /* KnownFragmentNames */
    expect(__LINE__, "{ viewer { ...A } } fragment A on Member { id }", "");
    expect(__LINE__, "{ viewer { ...A ... B } }",
           "1:15 Unknown fragment \"A\".\n1:21 Unknown fragment \"B\".");
    /* NoUnusedFragments */
    expect(__LINE__, "{ viewer { ...A } } fragment A on Member { ...B } fragment B on Member { id }", "");
    expect(__LINE__, "{ viewer { id } } fragment A on Member { ...B } fragment B on Member { id }",
           "1:19 Fragment \"A\" is never used.\n1:49 Fragment \"B\" is never used.");
    /* PossibleFragmentSpreads */
    expect(__LINE__, "{ work(id: \"1\") { ... on Book { isbn } ...S } } fragment S on Sellable { sku }", "");
    expect(__LINE__, "{ book { ... on Film { runtime } ...C } } fragment C on Creator { id }",
           "1:10 Fragment cannot be spread here as objects of type \"Book\" can never be of type "
           "\"Film\".\n1:34 Fragment \"C\" cannot be spread here as objects of type \"Book\" can never be of "
           "type \"Creator\".");
    /* NoFragmentCycles */
    expect(__LINE__, "{ viewer { ...A } } fragment A on Member { ...B } fragment B on Member { id }", "");
    expect(__LINE__,
           "{ viewer { ...A } } fragment A on Member { id ...B } fragment B on Member { friends { ...C } } "
           "fragment C on Member { ...A }",
           "1:47,1:87,1:119 Cannot spread fragment \"A\" within itself via \"B\", \"C\".");
    /* UniqueVariableNames */
    expect(__LINE__, "query ($a: Int, $b: Int) { arguments { a: intArg(i: $a) b: intArg(i: $b) } }", "");
    expect(__LINE__, "query ($a: Int, $b: Int, $a: Int) { arguments { a: intArg(i: $a) b: intArg(i: $b) } }",
           "1:9,1:27 There can be only one variable named \"$a\".");
    /* NoUndefinedVariables */
    expect(__LINE__,
           "query Q($n: Int) { viewer { ...M } } fragment M on Member { friends(first: $n) { id } }", "");
    expect(__LINE__, "query Q { viewer { ...M } } fragment M on Member { friends(first: $n) { id } }",
           "1:67,1:1 Variable \"$n\" is not defined by operation \"Q\".");
    /* NoUnusedVariables */
    expect(__LINE__, "query Q($n: Int) { viewer { friends(first: $n) { id } } }", "");
    expect(__LINE__, "query Q($n: Int, $m: Int) { viewer { friends(first: $n) { id } } }",
           "1:18 Variable \"$m\" is never used in operation \"Q\".");
    /* KnownDirectives */
    expect(__LINE__,
           "query Q @onQuery { viewer @onField { ...M @onFragmentSpread } } fragment M on Member "
           "@onFragmentDefinition { id }",
           "");
    expect(__LINE__, "query Q @onField { viewer @nope { id @onQuery } }",
           "1:9 Directive \"@onField\" may not be used on QUERY.\n1:27 Unknown directive \"@nope\".\n1:38 "
           "Directive \"@onQuery\" may not be used on FIELD.");
    /* UniqueDirectivesPerLocation */
    expect(__LINE__, "{ viewer @tag(name: \"a\") @tag(name: \"b\") @onField { id } }", "");
    expect(__LINE__, "{ viewer @onField @cached @onField { id } }",
           "1:10,1:27 The directive \"@onField\" can only be used once at this location.");
    /* KnownArgumentNames */
    expect(__LINE__, "{ book(isbn: \"1\") @skip(if: false) { id } }", "");
    expect(__LINE__, "{ book(isnb: \"1\") @skip(iff: false) { id } }",
           "1:8 Unknown argument \"isnb\" on field \"Query.book\". Did you mean \"isbn\"?\n1:25 Unknown "
           "argument \"iff\" on directive \"@skip\". Did you mean \"if\"?\n1:19 Directive \"@skip\" argument "
           "\"if\" of type \"Boolean!\" is required, but it was not provided.");
    /* UniqueArgumentNames */
    expect(__LINE__, "{ book(id: \"1\", isbn: \"2\") { id } }", "");
    expect(__LINE__, "{ book(id: \"1\", id: \"2\") @skip(if: true, if: false) { id } }",
           "1:8,1:17 There can be only one argument named \"id\".\n1:32,1:42 There can be only one argument "
           "named \"if\".");
    /* ValuesOfCorrectType */
    expect(__LINE__,
           "{ arguments { intArg(i: 1) enumArg(genre: POETRY) complexArg(input: {requiredField: true}) } }",
           "");
    expect(
        __LINE__,
        "{ arguments { intArg(i: \"1\") enumArg(genre: POETRI) complexArg(input: {intFeld: 1}) "
        "nonNullIntArg(i: null) } }",
        "1:25 Int cannot represent non-integer value: \"1\"\n1:45 Value \"POETRI\" does not exist in "
        "\"Genre\" enum. Did you mean the enum value \"POETRY\"?\n1:71 Field \"ComplexInput.requiredField\" "
        "of required type \"Boolean!\" was not provided.\n1:72 Field \"intFeld\" is not defined by type "
        "\"ComplexInput\". Did you mean \"intField\"?\n1:102 Expected value of type \"Int!\", found null.");
    /* ProvidedRequiredArguments */
    expect(__LINE__, "{ arguments { multipleReqs(a: 1, b: 2) defaultedNonNull } viewer @cached { id } }", "");
    expect(__LINE__, "{ arguments { multipleReqs(a: 1) } viewer @auth { id } }",
           "1:15 Field \"multipleReqs\" argument \"b\" of type \"Int!\" is required, but it was not "
           "provided.\n1:43 Directive \"@auth\" argument \"requires\" of type \"Role!\" is required, but it "
           "was not provided.");
    /* VariablesInAllowedPosition */
    expect(__LINE__,
           "query ($i: Int = 1, $j: Int!) { arguments { a: nonNullIntArg(i: $i) b: intArg(i: $j) } }", "");
    expect(__LINE__, "query ($i: Int, $s: String) { arguments { a: nonNullIntArg(i: $i) b: intArg(i: $s) } }",
           "1:8,1:63 Variable \"$i\" of type \"Int\" used in position expecting type \"Int!\".\n1:17,1:80 "
           "Variable \"$s\" of type \"String\" used in position expecting type \"Int\".");
    /* OverlappingFieldsCanBeMerged */
    expect(__LINE__,
           "{ book { title title t: title ... on Book { t: title } } media(id: \"1\") { ... on Book { x: "
           "pages } ... on Film { x: runtime } } }",
           "");
    expect(__LINE__, "{ book { x: title x: isbn author { n: name } author { n: country } } }",
           "1:10,1:19 Fields \"x\" conflict because \"title\" and \"isbn\" are different fields. Use "
           "different aliases on the fields to fetch both if this was intentional.\n1:27,1:36,1:46,1:55 "
           "Fields \"author\" conflict because subfields \"n\" conflict because \"name\" and \"country\" are "
           "different fields. Use different aliases on the fields to fetch both if this was intentional.");
    /* UniqueInputFieldNames */
    expect(__LINE__, "{ books(filter: {title: \"a\", price: {min: 1}}) { id } }", "");
    expect(__LINE__, "{ books(filter: {title: \"a\", title: \"b\", price: {min: 1, min: 2}}) { id } }",
           "1:18,1:30 There can be only one input field named \"title\".\n1:50,1:58 There can be only one "
           "input field named \"min\".");
}

/* Past 100 errors graphql-js adds one saying so and stops; so does gqld. */
static void error_limit(void)
{
    base_buf q;
    base_buf_init(&q);
    base_buf_puts(&q, "{ book {");
    for (int i = 0; i < 150; i++)
        base_buf_printf(&q, " f%d", i);
    base_buf_puts(&q, " } }");
    base_buf_putc(&q, '\0');
    base_buf got;
    base_buf_init(&got);
    CHECK_INT(validate_text(q.data, &got), 101);
    const char *last = strrchr(got.data, '\n');
    CHECK_STR(last, "\n Too many validation errors, error limit reached. Validation aborted.");
    CHECK(strstr(got.data, "f99\" on type") != NULL);
    CHECK(strstr(got.data, "f100\" on type") == NULL);
    base_buf_free(&got);
    base_buf_free(&q);
}

/* A caller's cap on its error list does not cut validation's own 101. */
static void caller_cap(void)
{
    base_arena a;
    base_arena_init(&a, 0);
    gql_errors errors;
    gql_errors_init(&errors, &a);
    errors.max = 5;
    const char *q = "{ book { a b c d e f g h } }";
    gql_document *doc = gql_parse(&a, q, strlen(q), NULL, NULL);
    CHECK(doc != NULL);
    CHECK_INT(gql_validate(schema, doc, &errors), 8);
    CHECK_INT(errors.count, 8);
    CHECK_INT(errors.max, 5);
    base_arena_free(&a);
}

/* Builds a document: `before`, then `unit` n times (printf with i and i + 1 when numbered), then `after`. */
static char *repeat(const char *before, const char *unit, int n, bool numbered, const char *after)
{
    base_buf b;
    base_buf_init(&b);
    base_buf_puts(&b, before);
    for (int i = 0; i < n; i++) {
        if (numbered)
            base_buf_printf(&b, unit, i, i + 1);
        else
            base_buf_puts(&b, unit);
    }
    base_buf_puts(&b, after);
    base_buf_putc(&b, '\0');
    return b.data;
}

static size_t count_errors(const char *query, char *first, size_t size)
{
    base_buf got;
    base_buf_init(&got);
    size_t n = validate_text(query, &got);
    snprintf(first, size, "%s", got.data != NULL ? got.data : "");
    char *nl = strchr(first, '\n');
    if (nl != NULL)
        *nl = '\0';
    base_buf_free(&got);
    return n;
}

/*
 * Hostile documents finish, with graphql-js's verdict where it has one in
 * reasonable time, and otherwise with an error of ours: never a hang, never
 * a crash. (Timings are the benchmark's to report: here only the outcomes.)
 */
static void hostile(void)
{
    char first[512];
    /* 10 000 identical fields: one comparison, not fifty million */
    char *q = repeat("{ book {", " title", 10000, false, " } }");
    CHECK_INT(count_errors(q, first, sizeof(first)), 0);
    free(q);
    /* a chain of 2 000 fragments, each spreading the next */
    q = repeat("{ viewer { ...C0 } }", " fragment C%d on Member { id ...C%d }", 2000, true,
               " fragment C2000 on Member { id }");
    CHECK_INT(count_errors(q, first, sizeof(first)), 0);
    free(q);
    /* and a cycle through all of them */
    q = repeat("{ viewer { ...C0 } }", " fragment C%d on Member { id ...C%d }", 2000, true,
               " fragment C2000 on Member { ...C0 }");
    CHECK_INT(count_errors(q, first, sizeof(first)), 1);
    CHECK(strstr(first, "Cannot spread fragment \"C0\" within itself via \"C1\", \"C2\"") != NULL);
    free(q);
    /* a fragment bomb: 20 levels of 10 spreads, 10^20 fields once expanded */
    base_buf b;
    base_buf_init(&b);
    base_buf_puts(&b, "{ viewer { ...F0 } }");
    for (int i = 0; i < 20; i++) {
        base_buf_printf(&b, " fragment F%d on Member {", i);
        for (int j = 0; j < 10; j++)
            base_buf_printf(&b, " ...F%d", i + 1);
        base_buf_puts(&b, " }");
    }
    base_buf_puts(&b, " fragment F20 on Member { id }");
    base_buf_putc(&b, '\0');
    CHECK_INT(count_errors(b.data, first, sizeof(first)), 0);
    base_buf_free(&b);
    /* 5 000 conflicting fields: 100 errors, then the limit */
    q = repeat("{ book {", " x: title x: isbn", 2500, false, " } }");
    CHECK_INT(count_errors(q, first, sizeof(first)), 101);
    free(q);
    /* thousands of copies of one field with distinct subselections: the work limit, with an error */
    q = repeat("{", " book { a%d: title }", 3000, true, " }");
    CHECK_INT(count_errors(q, first, sizeof(first)), 1);
    CHECK_STR(first, " Validation aborted: comparing the document's overlapping fields took too long.");
    free(q);
    /* nesting as deep as the parser allows by default */
    q = repeat("{ viewer {", " friends {", 250, false, " id");
    base_buf_init(&b);
    base_buf_puts(&b, q);
    for (int i = 0; i < 252; i++)
        base_buf_puts(&b, " }");
    base_buf_putc(&b, '\0');
    CHECK_INT(count_errors(b.data, first, sizeof(first)), 0);
    base_buf_free(&b);
    free(q);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_validate_rules test_schema.graphql\n");
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
    rules();
    error_limit();
    caller_cap();
    hostile();
    gql_schema_free(schema);
    free(sdl);
    return CHECK_EXIT();
}
