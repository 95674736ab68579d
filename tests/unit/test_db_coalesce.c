/*
 * test_db_coalesce.c: queries of one statement text asked in the same turn of
 * the loop share one statement, against a real PostgreSQL through the real
 * pool (GQLD_TEST_DATABASE_URL; exit 77, "skipped", when it is unset). Each
 * query must see exactly the rows its own statement would return; the pool's
 * statement counter shows how many statements were really sent.
 */
#include "check.h"
#include "resolvers/db/db_coalesce.h"

#include <time.h>
#include <unistd.h>

static h2o_loop_t *loop;
static const char *db_url;

enum { MAX_ROWS = 4 };

/* What one query was answered: its rows' first two columns ("(null)" for NULL). */
typedef struct answer {
    int calls;
    db_status status;
    char sqlstate[8];
    int rows;
    int col; /* where its columns started */
    char value[MAX_ROWS][2][48];
} answer;

static void on_answer(void *ctx, const db_result *r)
{
    answer *a = ctx;
    a->calls++;
    a->status = r->status;
    snprintf(a->sqlstate, sizeof(a->sqlstate), "%s", r->sqlstate != NULL ? r->sqlstate : "");
    if (r->status != DB_OK)
        return;
    a->rows = r->rows;
    a->col = r->col;
    for (int i = 0; i < r->rows && i < MAX_ROWS; i++)
        for (int k = 0; k < 2 && r->col + k < PQnfields(r->res); k++)
            snprintf(a->value[i][k], sizeof(a->value[i][k]), "%s",
                     PQgetisnull(r->res, r->row + i, r->col + k)
                         ? "(null)"
                         : PQgetvalue(r->res, r->row + i, r->col + k));
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs the loop until the n answers have come (at most 10 s). */
static bool wait_answers(answer *a, int n)
{
    uint64_t end = now_ms() + 10000;
    for (;;) {
        int done = 0;
        for (int i = 0; i < n; i++)
            done += a[i].calls > 0;
        if (done == n)
            return true;
        if (now_ms() > end)
            return false;
        h2o_evloop_run(loop, 10);
    }
}

typedef struct fixture {
    db_pool *pool;
    db_coalesce *co;
} fixture;

static fixture make(unsigned max, unsigned statement_ms)
{
    db_pool_config cfg = {.conninfo = db_url,
                          .size = 2,
                          .pipeline_depth = 16,
                          .queue_max = 100,
                          .statement_timeout_ms = statement_ms,
                          .connect_timeout_ms = 5000};
    char err[256] = "";
    fixture f = {db_pool_create(loop, &cfg, err, sizeof(err)), NULL};
    if (f.pool == NULL) {
        fprintf(stderr, "db_pool_create: %s\n", err);
        exit(1);
    }
    f.co = db_coalesce_create(f.pool, loop, max);
    CHECK(f.co != NULL);
    uint64_t end = now_ms() + 5000;
    while (!db_pool_is_up(f.pool) && now_ms() < end)
        h2o_evloop_run(loop, 10);
    CHECK(db_pool_is_up(f.pool));
    return f;
}

static uint64_t sent(const fixture *f)
{
    db_pool_stats st;
    db_pool_get_stats(f->pool, &st);
    return st.statements_sent;
}

static void drop(fixture *f)
{
    db_pool_destroy(f->pool);
    db_coalesce_destroy(f->co);
    h2o_evloop_run(loop, 0);
}

static void ask(fixture *f, const char *sql, int nparams, const char *const *params, answer *a)
{
    CHECK_INT(db_coalesce_query(f->co, sql, nparams, params, on_answer, a), 0);
    CHECK_INT(a->calls, 0); /* never inside db_coalesce_query */
}

/*
 * Asks each of the n lists (nparams values each, one after another in `lists`)
 * in the same turn of the loop and waits for every answer; returns how many
 * statements the pool sent meanwhile.
 */
static uint64_t ask_all(fixture *f, const char *sql, int nparams, const char *const *lists, int n, answer *a)
{
    uint64_t before = sent(f);
    for (int i = 0; i < n; i++)
        ask(f, sql, nparams, lists + (size_t)i * (size_t)nparams, &a[i]);
    CHECK(wait_answers(a, n));
    return sent(f) - before;
}

/* A tour of what a list may hold: several rows, none, NULL parameters, quotes and braces. */
static void test_same_text_shares_one_statement(void)
{
    fixture f = make(16, 5000);
    const char *sql = "SELECT g, $2::text FROM generate_series(1, $1::integer) g";
    const char *lists[][2] = {
        {"2", "a"}, {"0", "b"}, {"3", "c\"d\\e,{} NULL"}, {"2", "a"}, {NULL, "n"}, {"1", NULL},
    };
    enum { N = sizeof(lists) / sizeof(lists[0]) };
    answer a[N] = {0};
    CHECK_INT(ask_all(&f, sql, 2, &lists[0][0], N, a), 1);
    for (int i = 0; i < N; i++) {
        CHECK_INT(a[i].calls, 1);
        CHECK_INT(a[i].status, DB_OK);
        CHECK_INT(a[i].col, 1);
    }
    CHECK_INT(a[0].rows, 2);
    CHECK_STR(a[0].value[1][0], "2");
    CHECK_STR(a[0].value[1][1], "a");
    CHECK_INT(a[1].rows, 0); /* its own statement returns no row: neither does its share */
    CHECK_INT(a[2].rows, 3);
    CHECK_STR(a[2].value[0][1], "c\"d\\e,{} NULL");
    CHECK_STR(a[2].value[2][0], "3");
    CHECK_INT(a[3].rows, 2); /* the same list: asked once, answered to both */
    CHECK_STR(a[3].value[0][1], "a");
    CHECK_INT(a[4].rows, 0); /* generate_series(1, NULL) */
    CHECK_INT(a[5].rows, 1);
    CHECK_STR(a[5].value[0][1], "(null)"); /* a NULL parameter stays NULL, not the text "NULL" */
    db_coalesce_stats st;
    db_coalesce_get_stats(f.co, &st);
    CHECK_INT(st.queries, N);
    CHECK_INT(st.shared, N);
    CHECK_INT(st.statements, 1);
    CHECK_INT(st.retried, 0);
    drop(&f);
}

/* A parameter the server rejects fails its own query only; the others still get their rows. */
static void test_bad_neighbour_fails_alone(void)
{
    fixture f = make(16, 5000);
    const char *sql = "SELECT 100 / $1::integer";
    const char *lists[][1] = {{"5"}, {"0"}, {"x"}, {"4"}};
    answer a[4] = {0};
    uint64_t statements = ask_all(&f, sql, 1, &lists[0][0], 4, a);
    CHECK_INT(a[0].status, DB_OK);
    CHECK_STR(a[0].value[0][0], "20");
    CHECK_INT(a[1].status, DB_ERR_QUERY);
    CHECK_STR(a[1].sqlstate, "22012"); /* division by zero: its own error */
    CHECK_INT(a[2].status, DB_ERR_QUERY);
    CHECK_STR(a[2].sqlstate, "22P02"); /* invalid input syntax for integer */
    CHECK_INT(a[3].status, DB_OK);
    CHECK_STR(a[3].value[0][0], "25");
    CHECK_INT(a[3].col, 0); /* answered by a statement of its own */
    /* The pool counts the statements a failure in the same pipeline batch skipped again (re-runs). */
    CHECK(statements >= 1 + 4);
    db_coalesce_stats st;
    db_coalesce_get_stats(f.co, &st);
    CHECK_INT(st.retried, 1);
    CHECK_INT(st.statements, 1 + 4);
    for (int i = 0; i < 4; i++)
        CHECK_INT(a[i].calls, 1);
    drop(&f);
}

/* One list (however many ask it) goes as the statement it is; a query alone too. */
static void test_one_list_is_sent_unchanged(void)
{
    fixture f = make(16, 5000);
    const char *sql = "SELECT $1::text || '!'";
    const char *p[] = {"hi", "hi", "hi"};
    answer a[3] = {0};
    CHECK_INT(ask_all(&f, sql, 1, p, 3, a), 1);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(a[i].col, 0);
        CHECK_STR(a[i].value[0][0], "hi!");
    }
    answer alone = {0};
    ask(&f, sql, 1, p, &alone);
    CHECK(wait_answers(&alone, 1));
    CHECK_INT(alone.col, 0);
    CHECK_STR(alone.value[0][0], "hi!");
    drop(&f);
}

/* Different texts never share; one text takes at most `max` lists a statement. */
static void test_texts_apart_and_bounded(void)
{
    fixture f = make(4, 5000);
    const char *a_sql = "SELECT $1::integer * 2";
    const char *b_sql = "SELECT $1::integer * 3";
    char nums[10][4];
    const char *lists[10][1];
    answer a[10] = {0}, b[2] = {0};
    uint64_t before = sent(&f);
    for (int i = 0; i < 10; i++) {
        snprintf(nums[i], sizeof(nums[i]), "%d", i);
        lists[i][0] = nums[i];
        ask(&f, a_sql, 1, lists[i], &a[i]);
    }
    ask(&f, b_sql, 1, lists[7], &b[0]);
    ask(&f, b_sql, 1, lists[8], &b[1]);
    CHECK(wait_answers(a, 10));
    CHECK(wait_answers(b, 2));
    CHECK_INT(sent(&f) - before, 3 + 1); /* 4 + 4 + 2 lists of a, 2 of b */
    for (int i = 0; i < 10; i++) {
        char want[8];
        snprintf(want, sizeof(want), "%d", i * 2);
        CHECK_STR(a[i].value[0][0], want);
    }
    CHECK_STR(b[0].value[0][0], "21");
    CHECK_STR(b[1].value[0][0], "24");
    drop(&f);
}

/* A $ inside quotes is text, not a parameter; the shared statement keeps it as it is. */
static void test_quoted_dollars_are_kept(void)
{
    fixture f = make(16, 5000);
    const char *sql = "SELECT '$1 ''$2''' || $1::text AS \"x$1\"";
    const char *lists[][1] = {{"p"}, {"q"}};
    answer a[2] = {0};
    CHECK_INT(ask_all(&f, sql, 1, &lists[0][0], 2, a), 1);
    CHECK_INT(a[0].col, 1);
    CHECK_STR(a[0].value[0][0], "$1 '$2'p");
    CHECK_STR(a[1].value[0][0], "$1 '$2'q");
    drop(&f);
}

/* A parameter without a cast could change type inside the shared statement: sent one by one instead. */
static void test_uncast_parameters_go_one_by_one(void)
{
    fixture f = make(16, 5000);
    const char *sql = "SELECT $1 || 'x'";
    const char *lists[][1] = {{"a"}, {"b"}};
    answer a[2] = {0};
    CHECK_INT(ask_all(&f, sql, 1, &lists[0][0], 2, a), 2);
    CHECK_INT(a[0].col, 0);
    CHECK_STR(a[0].value[0][0], "ax");
    CHECK_STR(a[1].value[0][0], "bx");
    db_coalesce_stats st;
    db_coalesce_get_stats(f.co, &st);
    CHECK_INT(st.retried, 0);
    drop(&f);
}

/* max 1: every query is its own statement, as db_pool_query would send it. */
static void test_off_sends_each(void)
{
    fixture f = make(1, 5000);
    const char *sql = "SELECT $1::integer + 1";
    const char *lists[][1] = {{"1"}, {"2"}, {"3"}};
    answer a[3] = {0};
    CHECK_INT(ask_all(&f, sql, 1, &lists[0][0], 3, a), 3);
    CHECK_STR(a[2].value[0][0], "4");
    CHECK_INT(a[2].col, 0);
    drop(&f);
}

/* A timeout is every member's answer: a slow statement is not run again piecemeal. */
static void test_timeout_is_not_retried(void)
{
    fixture f = make(16, 200);
    const char *sql = "SELECT pg_sleep($1::float8)";
    const char *lists[][1] = {{"1"}, {"1.5"}};
    answer a[2] = {0};
    CHECK_INT(ask_all(&f, sql, 1, &lists[0][0], 2, a), 1);
    CHECK_INT(a[0].status, DB_ERR_TIMEOUT);
    CHECK_INT(a[1].status, DB_ERR_TIMEOUT);
    db_coalesce_stats st;
    db_coalesce_get_stats(f.co, &st);
    CHECK_INT(st.retried, 0);
    drop(&f);
}

/* Queries still held when the worker stops are answered, once, with DB_ERR_SHUTDOWN. */
static void test_destroy_answers_held_queries(void)
{
    fixture f = make(16, 5000);
    const char *lists[][1] = {{"1"}, {"2"}};
    answer a[2] = {0};
    ask(&f, "SELECT $1::integer", 1, lists[0], &a[0]);
    ask(&f, "SELECT $1::integer", 1, lists[1], &a[1]);
    drop(&f);
    CHECK_INT(a[0].calls, 1);
    CHECK_INT(a[1].calls, 1);
    CHECK_INT(a[0].status, DB_ERR_SHUTDOWN);
    CHECK_INT(a[1].status, DB_ERR_SHUTDOWN);
}

int main(void)
{
    db_url = getenv("GQLD_TEST_DATABASE_URL");
    if (db_url == NULL || db_url[0] == '\0') {
        fprintf(stderr, "GQLD_TEST_DATABASE_URL is not set: skipped\n");
        return 77;
    }
    alarm(120); /* the whole run, whatever happens */
    loop = h2o_evloop_create();

    test_same_text_shares_one_statement();
    test_bad_neighbour_fails_alone();
    test_one_list_is_sent_unchanged();
    test_texts_apart_and_bounded();
    test_quoted_dollars_are_kept();
    test_uncast_parameters_go_one_by_one();
    test_off_sends_each();
    test_timeout_is_not_retried();
    test_destroy_answers_held_queries();

    h2o_evloop_run(loop, 0);
    h2o_evloop_destroy(loop);
    return CHECK_EXIT();
}
