#include "resolvers/sql/render.h"

#include <stdbool.h>
#include <string.h>

#include "schema/base/buf.h"

typedef struct walk {
    const char *s;
    size_t len;
    size_t pos;
    base_buf out;
    gql_errors *errors;
    base_arena *arena;
    unsigned discarding; /* > 0: inside a value already nulled by a sibling, whose errors are not reported */
    bool bad;            /* not the shape the plan describes */
} walk;

static bool at(const walk *w, const char *text)
{
    size_t n = strlen(text);
    return w->len - w->pos >= n && memcmp(w->s + w->pos, text, n) == 0;
}

static void expect(walk *w, char c, bool copy)
{
    if (w->pos >= w->len || w->s[w->pos] != c) {
        w->bad = true;
        return;
    }
    w->pos++;
    if (copy)
        base_buf_putc(&w->out, c);
}

/* The end of the value at pos: a string, a literal or number, or a nested object or array. */
static size_t value_end(const walk *w)
{
    int depth = 0;
    for (size_t i = w->pos; i < w->len; i++) {
        char c = w->s[i];
        if (c == '"') {
            for (i++; i < w->len && w->s[i] != '"'; i++)
                if (w->s[i] == '\\')
                    i++;
            if (i >= w->len)
                return w->len;
            if (depth == 0)
                return i + 1;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return i;
            if (--depth == 0)
                return i + 1;
        } else if (c == ',' && depth == 0) {
            return i;
        }
    }
    return w->len;
}

static void copy_value(walk *w)
{
    size_t end = value_end(w);
    if (end == w->pos)
        w->bad = true;
    base_buf_append(&w->out, w->s + w->pos, end - w->pos);
    w->pos = end;
}

static int walk_list(walk *w, const rs_node *n, const rs_output *outs, size_t nouts, const gql_path *path);

/* NaN, Infinity, -Infinity: what PostgreSQL prints for a numeric JSON has no number for. */
static bool not_a_number(const walk *w)
{
    return at(w, "NaN") || at(w, "Infinity") || at(w, "-Infinity");
}

/* A value JSON cannot hold: an error at its path, and null in its place. */
static void unrepresentable(walk *w, const rs_output *o, const gql_path *path)
{
    size_t end = value_end(w);
    const char *text = w->s + w->pos;
    int len = (int)(end - w->pos);
    w->pos = end;
    gql_error *e = w->discarding
                       ? NULL
                       : gql_errors_add(w->errors, &o->node->loc, "%s cannot represent value: %.*s",
                                        gql_tref_named(o->def->type)->name, len > 40 ? 40 : len, text);
    if (e != NULL)
        e->path = gql_path_copy(w->arena, path);
    base_buf_puts(&w->out, "null");
}

/* A field the principal may not read (the statement wrote null in its place): its error at its path. */
static void denied(walk *w, const rs_output *o, const gql_path *path)
{
    w->pos = value_end(w);
    gql_error *e = w->discarding ? NULL : gql_errors_add(w->errors, &o->node->loc, "%s", o->message);
    if (e != NULL) {
        e->code = o->code;
        e->path = gql_path_copy(w->arena, path);
    }
    base_buf_puts(&w->out, "null");
}

/*
 * Copies the object of `outs` at pos (or null). Returns true when a non-null
 * field of it is null: the object is written as null and its holder decides.
 */
static bool walk_object(walk *w, const rs_node *n, const rs_output *outs, size_t nouts, const gql_path *path)
{
    if (at(w, "null")) {
        copy_value(w);
        return false;
    }
    size_t start = w->out.len;
    bool nulled = false;
    expect(w, '{', true);
    for (size_t i = 0; i < nouts && !w->bad; i++) {
        const rs_output *o = &outs[i];
        if (i > 0)
            expect(w, ',', true);
        copy_value(w); /* the key */
        expect(w, ':', true);
        gql_path here = {path, o->key, 0};
        bool null_here = false;
        switch (o->kind) {
        case RS_OUT_COLUMN:
            if (o->column->format == RS_FMT_FLOAT && not_a_number(w)) {
                unrepresentable(w, o, &here);
                null_here = true;
            } else {
                copy_value(w);
            }
            break;
        case RS_OUT_CHILD:
            null_here = o->child->kind == RS_NODE_ONE
                            ? walk_object(w, o->child, o->child->outputs, o->child->noutputs, &here)
                            : walk_list(w, o->child, o->child->outputs, o->child->noutputs, &here);
            break;
        case RS_OUT_ITEMS:
            null_here = walk_list(w, n, o->fields, o->nfields, &here);
            break;
        case RS_OUT_PAGE_INFO:
            null_here = walk_object(w, n, o->fields, o->nfields, &here);
            break;
        case RS_OUT_DENIED:
            denied(w, o, &here);
            null_here = true;
            break;
        default:
            copy_value(w);
            break;
        }
        /* The first non-null field that is null nulls the object: the rest of it is read, not reported. */
        if (null_here && !o->nullable && !nulled) {
            nulled = true;
            w->discarding++;
        }
    }
    expect(w, '}', true);
    if (nulled)
        w->discarding--;
    if (nulled) {
        w->out.len = start;
        base_buf_puts(&w->out, "null");
    }
    return nulled;
}

/* Copies a list of non-null objects; true when one of them is null: the list is written as null. */
static int walk_list(walk *w, const rs_node *n, const rs_output *outs, size_t nouts, const gql_path *path)
{
    size_t start = w->out.len;
    bool nulled = false;
    expect(w, '[', true);
    for (size_t i = 0; !w->bad && w->pos < w->len && w->s[w->pos] != ']'; i++) {
        if (i > 0)
            expect(w, ',', true);
        gql_path item = {path, NULL, i};
        /* The first null item nulls the list (its items are non-null): the rest is read, not reported. */
        if (walk_object(w, n, outs, nouts, &item) && !nulled) {
            nulled = true;
            w->discarding++;
        }
    }
    expect(w, ']', true);
    if (nulled)
        w->discarding--;
    if (nulled) {
        w->out.len = start;
        base_buf_puts(&w->out, "null");
    }
    return nulled;
}

int render_value(const rs_plan *plan, const db_result *r, const gql_path *path, gql_errors *errors,
                 base_arena *arena, const char **json, size_t *len)
{
    if (PQnfields(r->res) != r->col + 1 || r->rows > 1)
        return -1;
    if (r->rows == 0) {
        *json = "null";
        *len = 4;
        return 0;
    }
    /* NULL only if a NOT NULL column the catalog relies on held one: never splice half an answer. */
    if (PQgetisnull(r->res, r->row, r->col))
        return -1;
    const char *text = PQgetvalue(r->res, r->row, r->col);
    size_t n = (size_t)PQgetlength(r->res, r->row, r->col);
    if (plan->denied == 0 && memmem(text, n, "NaN", 3) == NULL && memmem(text, n, "Infinity", 8) == NULL) {
        *len = n;
        *json = base_arena_strndup(arena, text, n);
        return *json != NULL ? 0 : -1;
    }
    walk w = {.s = text, .len = n, .errors = errors, .arena = arena};
    base_buf_init(&w.out);
    const rs_node *root = plan->root;
    if (root->kind == RS_NODE_LIST)
        walk_list(&w, root, root->outputs, root->noutputs, path);
    else
        walk_object(&w, root, root->outputs, root->noutputs, path);
    bool ok = !w.bad && !w.out.failed && w.pos == w.len;
    *len = w.out.len;
    *json = ok ? base_arena_strndup(arena, w.out.data, w.out.len) : NULL;
    base_buf_free(&w.out);
    return *json != NULL ? 0 : -1;
}
