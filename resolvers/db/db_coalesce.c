/*
 * db_coalesce.c: see db_coalesce.h for what is folded and why.
 *
 * A group is one statement text's queries of this turn: its distinct
 * parameter lists (numbered from 0 here, from 1 in SQL) and its members (the
 * queries, each pointing at its list). A group takes new queries until the
 * 0 ms tick sends it, or until it has `max` lists (then the next query of the
 * same text starts another group). Nothing is sent from inside
 * db_coalesce_query: a failure to send must still answer later, as
 * db_pool_query promises.
 *
 * Lifetimes: a member's text and parameters belong to its caller, valid until
 * its answer. A single statement uses the text and list of one of the members
 * it answers (the pool no longer reads them once it has answered); a shared
 * statement's text and array parameters belong to the group.
 */
#include "resolvers/db/db_coalesce.h"

#include <stdlib.h>
#include <string.h>

#include "schema/base/buf.h"

typedef struct member {
    db_callback cb;
    void *ctx;
    const char *sql;
    const char *const *params;
    unsigned list; /* its parameter list's number in the group */
} member;

typedef struct group {
    h2o_linklist_t link; /* in open, while it takes queries */
    db_coalesce *owner;
    size_t sql_len;
    int nparams;
    const char *const **lists; /* [max]: the first member's parameters for each distinct list */
    unsigned nlists;
    int *first; /* [max]: a shared answer's first row for each list, and how many */
    int *count;
    member *members;
    size_t nmembers, cap;
    char *text;    /* the shared statement */
    char **arrays; /* and its parameters, one text[] literal per parameter */
} group;

struct db_coalesce {
    db_pool *pool;
    h2o_loop_t *loop;
    unsigned max;
    h2o_linklist_t open;
    h2o_timeout_t tick;
    h2o_timeout_entry_t tick_entry;
    bool closing;
    db_coalesce_stats stats;
};

static const char msg_oom[] = "out of memory";

static void on_tick(h2o_timeout_entry_t *entry);

db_coalesce *db_coalesce_create(db_pool *pool, h2o_loop_t *loop, unsigned max)
{
    db_coalesce *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->pool = pool;
    c->loop = loop;
    c->max = max;
    h2o_linklist_init_anchor(&c->open);
    h2o_timeout_init(loop, &c->tick, 0);
    c->tick_entry.cb = on_tick;
    return c;
}

static void group_free(group *g)
{
    if (g->arrays != NULL)
        for (int i = 0; i < g->nparams; i++)
            free(g->arrays[i]);
    free(g->arrays);
    free(g->text);
    free(g->members);
    free(g->lists);
    free(g->first);
    free(g->count);
    free(g);
}

/* Every member gets `r` as it is (one statement's answer for all of them, or a failure). */
static void answer_all(group *g, const db_result *r)
{
    for (size_t i = 0; i < g->nmembers; i++)
        g->members[i].cb(g->members[i].ctx, r);
}

static void fail_all(group *g, db_status status, const char *message)
{
    db_result r = {.status = status, .sqlstate = "", .message = message};
    answer_all(g, &r);
}

/* ---- the shared statement ---- */

/*
 * Writes `sql` inside the shared statement, each $n as b.pn. False when the
 * text is not one this can rewrite safely: a $ that is not a parameter
 * 1..nparams written with a cast (a dollar quote, say), or an unclosed quote.
 * Quoted text ('...' and "...", where a doubled quote just closes and reopens)
 * is copied as it is; sql_build writes no E'' strings and no comments.
 */
static bool put_rewritten(base_buf *out, const char *sql, int nparams)
{
    char quote = 0;
    for (const char *p = sql; *p != '\0'; p++) {
        if (quote != 0) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
        } else if (*p == '$') {
            char *end;
            unsigned long n = strtoul(p + 1, &end, 10);
            if (end == p + 1 || p[1] < '1' || p[1] > '9' || n > (unsigned long)nparams ||
                strncmp(end, "::", 2) != 0)
                return false;
            base_buf_puts(out, "b.p");
            base_buf_put_uint(out, n);
            p = end - 1;
            continue;
        }
        base_buf_putc(out, *p);
    }
    return quote == 0;
}

/* The buffer's text, NUL-terminated, for the caller to free; NULL (and freed) when it ran out of memory. */
static char *take(base_buf *b)
{
    base_buf_putc(b, '\0'); /* a failed buffer takes nothing more */
    if (!b->failed)
        return b->data;
    base_buf_free(b);
    return NULL;
}

/* Parameter k of every list as one array literal: {"v1",NULL,"v\"2"}. */
static char *array_literal(const group *g, int k)
{
    base_buf b;
    base_buf_init(&b);
    base_buf_putc(&b, '{');
    for (unsigned i = 0; i < g->nlists; i++) {
        const char *v = g->lists[i][k];
        if (i > 0)
            base_buf_putc(&b, ',');
        if (v == NULL) {
            base_buf_puts(&b, "NULL");
            continue;
        }
        base_buf_putc(&b, '"');
        for (const char *s = v; *s != '\0'; s++) {
            if (*s == '"' || *s == '\\')
                base_buf_putc(&b, '\\');
            base_buf_putc(&b, *s);
        }
        base_buf_putc(&b, '"');
    }
    base_buf_putc(&b, '}');
    return take(&b);
}

/*
 * The group's shared statement and its parameters; false when it has none
 * (not rewritable, or no memory). Each array is read through a subquery so
 * that the planner cannot see how long it is: it then estimates the same rows
 * for every execution, and PostgreSQL keeps one generic plan for the prepared
 * statement instead of planning again whenever an array is shorter than its
 * default estimate of ten (measured: k=2 ran at 0.65 of k=1 before this).
 */
static bool build_shared(group *g)
{
    const char *sql = g->members[0].sql;
    base_buf b;
    base_buf_init(&b);
    base_buf_puts(&b, "SELECT b.gqld_n, r.* FROM unnest(");
    for (int i = 1; i <= g->nparams; i++)
        base_buf_printf(&b, "%s(SELECT $%d::text[])", i > 1 ? ", " : "", i);
    base_buf_puts(&b, ") WITH ORDINALITY AS b(");
    for (int i = 1; i <= g->nparams; i++)
        base_buf_printf(&b, "p%d, ", i);
    base_buf_puts(&b, "gqld_n) CROSS JOIN LATERAL (");
    if (!put_rewritten(&b, sql, g->nparams)) {
        base_buf_free(&b);
        return false;
    }
    base_buf_puts(&b, ") r ORDER BY b.gqld_n");
    g->text = take(&b);
    g->arrays = calloc((size_t)g->nparams, sizeof(*g->arrays));
    if (g->text == NULL || g->arrays == NULL)
        return false;
    for (int k = 0; k < g->nparams; k++)
        if ((g->arrays[k] = array_literal(g, k)) == NULL)
            return false;
    return true;
}

/*
 * Each list's rows in a shared answer: column 0 numbers them (1..nlists, in
 * order). False when the answer is not of that shape.
 */
static bool split_rows(group *g, const PGresult *res)
{
    if (PQnfields(res) < 2)
        return false;
    memset(g->count, 0, g->nlists * sizeof(*g->count));
    memset(g->first, 0, g->nlists * sizeof(*g->first));
    unsigned long last = 0;
    for (int row = 0; row < PQntuples(res); row++) {
        unsigned long n = strtoul(PQgetvalue(res, row, 0), NULL, 10);
        if (n < last || n < 1 || n > g->nlists)
            return false;
        if (n != last)
            g->first[n - 1] = row;
        g->count[n - 1]++;
        last = n;
    }
    return true;
}

/* ---- sending ---- */

static void send_single(group *g);
static void send_each(group *g);

static void on_single(void *ctx, const db_result *r)
{
    group *g = ctx;
    answer_all(g, r);
    group_free(g);
}

static void on_shared(void *ctx, const db_result *r)
{
    group *g = ctx;
    if (r->status == DB_OK && split_rows(g, r->res)) {
        for (size_t i = 0; i < g->nmembers; i++) {
            const member *m = &g->members[i];
            db_result mine = *r;
            mine.row = g->first[m->list];
            mine.rows = g->count[m->list];
            mine.col = 1;
            m->cb(m->ctx, &mine);
        }
        group_free(g);
        return;
    }
    if (r->status == DB_OK || r->status == DB_ERR_QUERY) {
        g->owner->stats.retried++;
        send_each(g); /* takes g */
        return;
    }
    answer_all(g, r);
    group_free(g);
}

/* Sends a group of one parameter list as its own statement. Takes g. */
static void send_single(group *g)
{
    const member *m = &g->members[0];
    g->owner->stats.statements++;
    if (db_pool_query(g->owner->pool, m->sql, g->nparams, m->params, on_single, g) == NULL) {
        fail_all(g, DB_ERR_UNAVAILABLE, msg_oom);
        group_free(g);
    }
}

static group *group_new(db_coalesce *c, const member *first, int nparams, unsigned max)
{
    group *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return NULL;
    g->owner = c;
    g->sql_len = strlen(first->sql);
    g->nparams = nparams;
    g->cap = 4;
    g->lists = malloc(max * sizeof(*g->lists));
    g->first = malloc(max * sizeof(*g->first));
    g->count = malloc(max * sizeof(*g->count));
    g->members = malloc(g->cap * sizeof(*g->members));
    if (g->lists == NULL || g->first == NULL || g->count == NULL || g->members == NULL) {
        group_free(g);
        return NULL;
    }
    return g;
}

static bool add_member(group *g, const member *m)
{
    if (g->nmembers == g->cap) {
        member *grown = realloc(g->members, g->cap * 2 * sizeof(*grown));
        if (grown == NULL)
            return false;
        g->members = grown;
        g->cap *= 2;
    }
    g->members[g->nmembers++] = *m;
    return true;
}

/*
 * Every parameter list of g as its own statement, answering the members that
 * share it: after a shared statement failed, or when it cannot be written.
 * Each single statement uses the text and list of a member it answers. Takes g.
 */
static void send_each(group *g)
{
    static const db_result oom = {.status = DB_ERR_UNAVAILABLE, .sqlstate = "", .message = msg_oom};
    for (unsigned list = 0; list < g->nlists; list++) {
        group *one = group_new(g->owner, &g->members[0], g->nparams, 1);
        for (size_t i = 0; i < g->nmembers; i++) {
            member m = g->members[i];
            if (m.list != list)
                continue;
            m.list = 0;
            if (one == NULL || !add_member(one, &m))
                m.cb(m.ctx, &oom);
        }
        if (one == NULL)
            continue;
        if (one->nmembers == 0) {
            group_free(one);
            continue;
        }
        one->lists[0] = one->members[0].params;
        one->nlists = 1;
        send_single(one);
    }
    group_free(g);
}

static void send_group(group *g)
{
    db_coalesce *c = g->owner;
    if (g->nmembers > 1)
        c->stats.shared += g->nmembers;
    if (g->nlists == 1) {
        send_single(g);
        return;
    }
    if (!build_shared(g)) {
        send_each(g);
        return;
    }
    c->stats.statements++;
    if (db_pool_query(c->pool, g->text, g->nparams, (const char *const *)g->arrays, on_shared, g) == NULL) {
        fail_all(g, DB_ERR_UNAVAILABLE, msg_oom);
        group_free(g);
    }
}

/* The oldest open group, taken out of `open`; NULL when there is none. */
static group *pop_open(db_coalesce *c)
{
    if (h2o_linklist_is_empty(&c->open))
        return NULL;
    group *g = H2O_STRUCT_FROM_MEMBER(group, link, c->open.next);
    h2o_linklist_unlink(&g->link);
    /* Never its own successor: tells the static analyzer that g left the list (as db_pool.c's pop_first). */
    if (c->open.next == &g->link)
        __builtin_unreachable();
    return g;
}

static void on_tick(h2o_timeout_entry_t *entry)
{
    db_coalesce *c = H2O_STRUCT_FROM_MEMBER(db_coalesce, tick_entry, entry);
    group *g;
    while ((g = pop_open(c)) != NULL)
        send_group(g);
    db_pool_flush(c->pool);
}

/* ---- taking queries ---- */

static bool same_list(const char *const *a, const char *const *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] != b[i] && (a[i] == NULL || b[i] == NULL || strcmp(a[i], b[i]) != 0))
            return false;
    return true;
}

/* The open group for this text with room for `params` (an equal list, or a free slot), or NULL. */
static group *find_group(db_coalesce *c, const char *sql, size_t len, int nparams, const char *const *params,
                         unsigned *list)
{
    for (h2o_linklist_t *l = c->open.next; l != &c->open; l = l->next) {
        group *g = H2O_STRUCT_FROM_MEMBER(group, link, l);
        if (g->sql_len != len || g->nparams != nparams || memcmp(g->members[0].sql, sql, len) != 0)
            continue;
        for (*list = 0; *list < g->nlists; (*list)++)
            if (same_list(g->lists[*list], params, nparams))
                return g;
        if (g->nlists < c->max)
            return g;
    }
    return NULL;
}

int db_coalesce_query(db_coalesce *c, const char *sql, int nparams, const char *const *params, db_callback cb,
                      void *ctx)
{
    c->stats.queries++;
    if (c->max <= 1) {
        c->stats.statements++;
        return db_pool_query(c->pool, sql, nparams, params, cb, ctx) != NULL ? 0 : -1;
    }
    member m = {cb, ctx, sql, params, 0};
    size_t len = strlen(sql);
    group *g = find_group(c, sql, len, nparams, params, &m.list);
    bool fresh = g == NULL;
    if (fresh) {
        m.list = 0;
        if ((g = group_new(c, &m, nparams, c->max)) == NULL)
            return -1;
        h2o_linklist_insert(&c->open, &g->link);
    }
    if (!add_member(g, &m)) {
        if (fresh) {
            h2o_linklist_unlink(&g->link);
            group_free(g);
        }
        return -1;
    }
    if (m.list == g->nlists)
        g->lists[g->nlists++] = params;
    if (!c->closing && !h2o_timeout_is_linked(&c->tick_entry))
        h2o_timeout_link(c->loop, &c->tick, &c->tick_entry);
    return 0;
}

void db_coalesce_destroy(db_coalesce *c)
{
    if (c == NULL)
        return;
    c->closing = true;
    h2o_timeout_unlink(&c->tick_entry);
    h2o_timeout_dispose(c->loop, &c->tick);
    /* An answer may ask again (it joins `open` and is answered here too). */
    group *g;
    while ((g = pop_open(c)) != NULL) {
        fail_all(g, DB_ERR_SHUTDOWN, "database pool is shutting down");
        group_free(g);
    }
    free(c);
}

void db_coalesce_get_stats(const db_coalesce *c, db_coalesce_stats *out)
{
    *out = c->stats;
}
