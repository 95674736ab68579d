#include "resolvers/sql/sql_build.h"

#include <stdbool.h>
#include <string.h>

#include "resolvers/sql/cursor.h"
#include "schema/base/buf.h"

typedef struct builder {
    base_buf sql;
    bool bad_name;
} builder;

/* [_A-Za-z][_0-9A-Za-z]*: what validation admits as a response key or type name. */
static bool graphql_name(const char *s)
{
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    return s[strspn(s, "_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")] == '\0';
}

/* ---- concatenations: JSON text from literals and SQL expressions ---- */

/*
 * Adjacent literal text is merged into one SQL string literal, so an object
 * is `'{"a":' || expr || ',"b":' || expr || '}'`. The literal text is JSON
 * punctuation, names and type names only: quotes are doubled, and it never
 * holds a backslash, so it reads the same whatever standard_conforming_strings says.
 */
typedef struct concat {
    builder *b;
    base_buf lit; /* pending literal text */
    bool started; /* an operand was written */
} concat;

static void cat_begin(concat *c, builder *b)
{
    c->b = b;
    base_buf_init(&c->lit);
    c->started = false;
}

static void cat_flush(concat *c)
{
    if (c->lit.len == 0)
        return;
    base_buf *s = &c->b->sql;
    if (c->started)
        base_buf_puts(s, " || ");
    base_buf_putc(s, '\'');
    for (size_t i = 0; i < c->lit.len; i++) {
        if (c->lit.data[i] == '\\')
            c->b->bad_name = true;
        if (c->lit.data[i] == '\'')
            base_buf_putc(s, '\'');
        base_buf_putc(s, c->lit.data[i]);
    }
    base_buf_putc(s, '\'');
    c->lit.len = 0;
    c->started = true;
}

static void cat_lit(concat *c, const char *text)
{
    base_buf_puts(&c->lit, text);
}

/* A JSON string of a GraphQL name, as literal text. */
static void cat_name(concat *c, const char *name)
{
    if (!graphql_name(name))
        c->b->bad_name = true;
    base_buf_json_string(&c->lit, name, strlen(name));
}

static void cat_key(concat *c, bool first, const char *key)
{
    if (!first)
        cat_lit(c, ",");
    cat_name(c, key);
    cat_lit(c, ":");
}

/* Starts an expression operand: the caller writes it to the returned buffer. */
static base_buf *cat_expr(concat *c)
{
    cat_flush(c);
    if (c->started)
        base_buf_puts(&c->b->sql, " || ");
    c->started = true;
    return &c->b->sql;
}

static void cat_end(concat *c)
{
    cat_flush(c);
    if (!c->started)
        base_buf_puts(&c->b->sql, "''");
    if (c->lit.failed)
        c->b->sql.failed = true;
    base_buf_free(&c->lit);
}

/* ---- names and parameters (appended piece by piece: a statement per request is built on the hot path) ----
 */

/* <prefix><id>, an alias: t3, j2, c0_ */
static void put_alias(base_buf *s, const char *prefix, unsigned id)
{
    base_buf_puts(s, prefix);
    base_buf_put_uint(s, id);
}

/* <prefix>t<id>.<column> */
static void put_col(base_buf *s, const char *prefix, unsigned id, const char *column)
{
    base_buf_puts(s, prefix);
    put_alias(s, "t", id);
    base_buf_putc(s, '.');
    base_buf_puts(s, column);
}

/* <prefix>$<n>::<cast> */
static void put_param(base_buf *s, const char *prefix, unsigned n, const char *cast)
{
    base_buf_puts(s, prefix);
    put_alias(s, "$", n);
    base_buf_puts(s, "::");
    base_buf_puts(s, cast);
}

/* ---- values ---- */

/* The row's value of a column: t<id>.column. */
static void put_value(base_buf *s, const rs_node *n, const rs_column *col)
{
    put_col(s, "", n->id, col->column);
}

static const char *const TIMESTAMP_FORMAT = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";

/* The value as JSON text; quoted formats write their quotes around it (`quote` is the text to use). */
static void put_json_value(base_buf *s, const rs_node *n, const rs_column *col)
{
    switch (col->format) {
    case RS_FMT_STRING:
    case RS_FMT_ENUM:
        base_buf_puts(s, "to_json(");
        put_value(s, n, col);
        base_buf_puts(s, ")::text");
        break;
    case RS_FMT_ID_NUMBER:
    case RS_FMT_INT:
    case RS_FMT_FLOAT: /* a NaN prints as NaN, which render.c finds and turns into a field error */
        put_value(s, n, col);
        base_buf_puts(s, "::text");
        break;
    case RS_FMT_TIMESTAMP:
        base_buf_puts(s, "to_char(");
        put_value(s, n, col);
        base_buf_puts(s, " AT TIME ZONE 'UTC', ");
        base_buf_puts(s, TIMESTAMP_FORMAT);
        base_buf_putc(s, ')');
        break;
    }
}

static bool quoted(rs_format format)
{
    return format == RS_FMT_ID_NUMBER || format == RS_FMT_TIMESTAMP;
}

static void put_column(concat *c, const rs_node *n, const rs_output *o)
{
    const rs_column *col = o->column;
    if (o->nullable) {
        base_buf *s = cat_expr(c);
        base_buf_puts(s, quoted(col->format) ? "coalesce('\"' || " : "coalesce(");
        put_json_value(s, n, col);
        base_buf_puts(s, quoted(col->format) ? " || '\"', 'null')" : ", 'null')");
        return;
    }
    /* Non-null columns are NOT NULL in the database (catalog.c): no coalesce needed. */
    if (quoted(col->format))
        cat_lit(c, "\"");
    put_json_value(cat_expr(c), n, col);
    if (quoted(col->format))
        cat_lit(c, "\"");
}

/* ---- rows ---- */

static void put_sort(base_buf *s, const rs_node *n)
{
    const rs_entity *e = n->entity;
    for (size_t i = 0; i < e->norder; i++) {
        put_col(s, i ? ", " : "", n->id, e->order[i]);
        if (e->descending)
            base_buf_puts(s, " DESC");
    }
}

static void put_object(builder *b, const rs_node *n, const rs_output *outs, size_t nouts);

/*
 * A page's items: coalesce('[' || string_agg(<object>, ',' ORDER BY <sort>)
 * FILTER (WHERE gqld_row <= $k) || ']', '[]'). The page object aggregates its
 * pageInfo over the same rows, so its items stay an aggregate (lists: put_list).
 */
static void put_page_items(builder *b, const rs_node *n, const rs_output *outs, size_t nouts)
{
    base_buf *s = &b->sql;
    base_buf_puts(s, "coalesce('[' || string_agg(");
    put_object(b, n, outs, nouts);
    base_buf_puts(s, ", ',' ORDER BY ");
    put_sort(s, n);
    put_col(s, ") FILTER (WHERE ", n->id, "gqld_row");
    put_param(s, " <= ", n->limit_param, "integer");
    base_buf_puts(s, ") || ']', '[]')");
}

/*
 * pageInfo, so that "pass endCursor as after until hasNextPage is false" ends
 * for every `first`: endCursor is the key of the page's last item, or on an
 * empty page the `after` it was given (null without one), so continuing from
 * it never goes back to the start; hasNextPage says whether the next page
 * (same `first`, after endCursor) has items: rows follow this page's and
 * `first` is not 0 (a page of 0 rows is never followed by one with items).
 */
static void put_page_info(concat *c, const rs_node *n, const rs_output *o)
{
    cat_lit(c, "{");
    for (size_t i = 0; i < o->nfields; i++) {
        const rs_output *f = &o->fields[i];
        cat_key(c, i == 0, f->key);
        if (f->kind == RS_OUT_TYPENAME) {
            cat_name(c, f->type_name);
        } else if (f->kind == RS_OUT_END_CURSOR) {
            base_buf *s = cat_expr(c);
            base_buf last;
            base_buf_init(&last);
            if (n->after_param != 0)
                base_buf_puts(&last, "coalesce(");
            put_col(&last, "(array_agg(", n->id, n->entity->key);
            put_col(&last, " ORDER BY ", n->id, "gqld_row");
            put_col(&last, " DESC) FILTER (WHERE ", n->id, "gqld_row");
            put_param(&last, " <= ", n->limit_param, "integer");
            base_buf_puts(&last, "))[1]");
            if (n->after_param != 0) {
                put_param(&last, ", ", n->after_param, catalog_sql_cast(n->entity->key_type));
                base_buf_putc(&last, ')');
            }
            base_buf_puts(s, "coalesce('\"' || ");
            cursor_sql(s, last.failed ? "NULL" : last.data);
            base_buf_puts(s, " || '\"', 'null')");
            if (last.failed)
                s->failed = true;
            base_buf_free(&last);
        } else {
            base_buf *s = cat_expr(c);
            put_param(s, "CASE WHEN count(*) > ", n->limit_param, "integer");
            put_param(s, " AND ", n->limit_param, "integer");
            base_buf_puts(s, " > 0 THEN 'true' ELSE 'false' END");
        }
    }
    cat_lit(c, "}");
}

/* '{"key":' || value || ... || '}' for one row of n (or, for a page, the page object). */
static void put_object(builder *b, const rs_node *n, const rs_output *outs, size_t nouts)
{
    concat c;
    cat_begin(&c, b);
    cat_lit(&c, "{");
    for (size_t i = 0; i < nouts; i++) {
        const rs_output *o = &outs[i];
        cat_key(&c, i == 0, o->key);
        switch (o->kind) {
        case RS_OUT_TYPENAME:
            cat_name(&c, o->type_name);
            break;
        case RS_OUT_COLUMN:
            put_column(&c, n, o);
            break;
        case RS_OUT_CHILD:
            if (o->child->kind == RS_NODE_ONE) {
                put_alias(cat_expr(&c), "coalesce(j", o->child->id);
                base_buf_puts(&b->sql, ".j, 'null')");
            } else {
                put_alias(cat_expr(&c), "j", o->child->id);
                base_buf_puts(&b->sql, ".j");
            }
            break;
        case RS_OUT_ITEMS:
            cat_expr(&c);
            put_page_items(b, n, o->fields, o->nfields);
            break;
        case RS_OUT_PAGE_INFO:
            put_page_info(&c, n, o);
            break;
        case RS_OUT_DENIED:
            cat_lit(&c, "null"); /* not read: render reports the error at its path */
            break;
        default:
            b->bad_name = true; /* pageInfo's own fields appear only inside it */
            break;
        }
    }
    cat_lit(&c, "}");
    cat_end(&c);
}

static void put_from(builder *b, const rs_node *n);
static void put_list(builder *b, const rs_node *n);

/* Each related object or list is a LATERAL subquery producing one text column `j`. */
static void put_laterals(builder *b, const rs_output *outs, size_t nouts)
{
    base_buf *s = &b->sql;
    for (size_t i = 0; i < nouts; i++) {
        const rs_output *o = &outs[i];
        if (o->kind == RS_OUT_ITEMS)
            put_laterals(b, o->fields, o->nfields);
        if (o->kind != RS_OUT_CHILD)
            continue;
        const rs_node *child = o->child;
        /* A list is one array (always one row); an object may be missing: LEFT JOIN gives NULL. */
        if (child->kind == RS_NODE_ONE) {
            base_buf_puts(s, " LEFT JOIN LATERAL (SELECT ");
            put_object(b, child, child->outputs, child->noutputs);
            base_buf_puts(s, " AS j FROM ");
            put_from(b, child);
            put_alias(s, ") j", child->id);
            base_buf_puts(s, " ON true");
        } else {
            base_buf_puts(s, " CROSS JOIN LATERAL (SELECT ");
            put_list(b, child);
            put_alias(s, " AS j) j", child->id);
        }
    }
}

/* How the rows of n are chosen, for the table aliased `alias`. */
static void put_match(base_buf *s, const rs_node *n, const char *alias)
{
    base_buf_puts(s, alias);
    base_buf_putc(s, '.');
    base_buf_puts(s, n->match_column);
    if (n->parent != NULL) {
        put_col(s, " = ", n->parent->id, n->parent_column);
    } else if (n->lookup != NULL) {
        const rs_lookup *l = n->lookup;
        base_buf_printf(s, " = (SELECT l.%s FROM %s l WHERE l.%s", l->column, l->table, l->by[0]);
        put_param(s, " = ", n->lookup_params[0], catalog_sql_cast(l->by_type[0]));
        base_buf_printf(s, " AND l.%s", l->by[1]);
        put_param(s, " = ", n->lookup_params[1], catalog_sql_cast(l->by_type[1]));
        base_buf_putc(s, ')');
    } else {
        put_param(s, " = ", n->match_param, catalog_sql_cast(n->match_type));
    }
}

/*
 * Keyset continuation: the rows after the one whose key is $n in the list's
 * order. When the order is the key itself, a comparison with the key; else
 * with that row's order columns, looked up among the rows this list could
 * return (same parent, same owner), so a key from elsewhere continues nowhere.
 */
static void put_after(base_buf *s, const rs_node *n, const char *alias)
{
    const rs_entity *e = n->entity;
    const char *cmp = e->descending ? "<" : ">";
    const char *cast = catalog_sql_cast(e->key_type);
    if (e->norder == 1 && strcmp(e->order[0], e->key) == 0) {
        base_buf_printf(s, "%s.%s %s", alias, e->key, cmp);
        put_param(s, " ", n->after_param, cast);
        return;
    }
    base_buf_putc(s, '(');
    for (size_t i = 0; i < e->norder; i++)
        base_buf_printf(s, "%s%s.%s", i ? ", " : "", alias, e->order[i]);
    base_buf_printf(s, ") %s (SELECT ", cmp);
    for (size_t i = 0; i < e->norder; i++)
        base_buf_printf(s, "%sa%u.%s", i ? ", " : "", n->id, e->order[i]);
    char after_alias[16];
    snprintf(after_alias, sizeof(after_alias), "a%u", n->id);
    base_buf_printf(s, " FROM %s %s WHERE %s.%s", e->table, after_alias, after_alias, e->key);
    put_param(s, " = ", n->after_param, cast);
    if (n->match_column != NULL) {
        base_buf_puts(s, " AND ");
        put_match(s, n, after_alias);
    }
    if (n->owner_param != 0) {
        base_buf_puts(s, " AND ");
        auth_scope_predicate(s, e, after_alias, n->owner_param);
    }
    base_buf_putc(s, ')');
}

/* " FROM <table> t<id>", with t<id> written to alias. */
static void put_table(base_buf *s, const rs_node *n, char alias[static 22])
{
    alias[0] = 't';
    gql_format_uint(n->id, alias + 1);
    base_buf_puts(s, " FROM ");
    base_buf_puts(s, n->entity->table);
    base_buf_putc(s, ' ');
    base_buf_puts(s, alias);
}

/* The conditions choosing the rows of n from its table aliased `alias`: " WHERE ..." or nothing. */
static void put_where(base_buf *s, const rs_node *n, const char *alias)
{
    const char *sep = " WHERE ";
    if (n->match_column != NULL) {
        base_buf_puts(s, sep);
        put_match(s, n, alias);
        sep = " AND ";
    }
    if (n->owner_param != 0) {
        base_buf_puts(s, sep);
        auth_scope_predicate(s, n->entity, alias, n->owner_param);
        sep = " AND ";
    }
    if (n->after_param != 0) {
        base_buf_puts(s, sep);
        put_after(s, n, alias);
        sep = " AND ";
    }
    if (n->search_param != 0) {
        base_buf_printf(s, "%s%s.%s", sep, alias, n->search_column);
        put_param(s, " ILIKE ", n->search_param, "text");
    }
}

/*
 * An object or a page: (SELECT <the columns read> FROM <table> t<id> WHERE ...
 * [ORDER BY ... LIMIT $k + 1]) t<id> <laterals>. A page's rows are chosen,
 * ordered and cut in the subquery, before the laterals read their children,
 * so the children are read for the rows returned only.
 */
static void put_from(builder *b, const rs_node *n)
{
    base_buf *s = &b->sql;
    base_buf_puts(s, "(SELECT ");
    for (size_t i = 0; i < n->nreads; i++)
        put_col(s, i ? ", " : "", n->id, n->reads[i]);
    if (n->nreads == 0)
        base_buf_puts(s, "1"); /* only __typename: the row's existence is the answer */
    if (n->kind == RS_NODE_PAGE) {
        base_buf_puts(s, ", row_number() OVER (ORDER BY ");
        put_sort(s, n);
        base_buf_puts(s, ") AS gqld_row");
    }
    char alias[22];
    put_table(s, n, alias);
    put_where(s, n, alias);
    if (n->kind == RS_NODE_PAGE) {
        base_buf_puts(s, " ORDER BY ");
        put_sort(s, n);
        put_param(s, " LIMIT ", n->limit_param, "integer");
        base_buf_puts(s, " + 1"); /* the extra row only tells whether another page follows */
    }
    base_buf_puts(s, ") ");
    base_buf_puts(s, alias);
    put_laterals(b, n->outputs, n->noutputs);
}

/*
 * A list: '[' || array_to_string(ARRAY(SELECT <object> FROM <table> t<id>
 * <laterals> WHERE ... ORDER BY <sort> LIMIT $k), ',') || ']'.
 *
 * Why an ARRAY subquery and not string_agg(... ORDER BY ...): an ARRAY
 * subquery keeps its rows in the order of its own ORDER BY, which the list's
 * index already returns, while an ordered aggregate sorts every group again
 * (PostgreSQL 15 does not skip presorted input). Why the laterals at the same
 * level as the LIMIT: each child is one row per row (an array, or an object
 * by its key), the Limit above the nested loop still stops the children's
 * reads at the last row returned, and the plan has one level less. Nested
 * Order reads: 1.3 times the statements a second under pgbench. Every list
 * walks an index in its order (catalog.c), so no sort is planned; without
 * one the answer would still be right, only slower. array_to_string skips
 * NULL elements as string_agg does; no rows give '[]'.
 */
static void put_list(builder *b, const rs_node *n)
{
    base_buf *s = &b->sql;
    base_buf_puts(s, "'[' || array_to_string(ARRAY(SELECT ");
    put_object(b, n, n->outputs, n->noutputs);
    char alias[22];
    put_table(s, n, alias);
    put_laterals(b, n->outputs, n->noutputs);
    put_where(s, n, alias);
    base_buf_puts(s, " ORDER BY ");
    put_sort(s, n);
    put_param(s, " LIMIT ", n->limit_param, "integer");
    base_buf_puts(s, "), ',') || ']'");
}

int sql_build(rs_plan *plan, base_arena *arena)
{
    builder b = {.bad_name = false};
    base_buf_init(&b.sql);
    const rs_node *n = plan->root;
    base_buf_puts(&b.sql, "SELECT ");
    if (n->kind == RS_NODE_LIST) {
        put_list(&b, n);
    } else {
        put_object(&b, n, n->outputs, n->noutputs); /* a row, or the page object */
        base_buf_puts(&b.sql, " FROM ");
        put_from(&b, n);
    }
    plan->sql = b.sql.failed || b.bad_name ? NULL : base_arena_strndup(arena, b.sql.data, b.sql.len);
    base_buf_free(&b.sql);
    return plan->sql != NULL ? 0 : -1;
}
