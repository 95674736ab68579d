#include "schema/gql_errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void gql_errors_init(gql_errors *e, base_arena *arena)
{
    memset(e, 0, sizeof(*e));
    e->arena = arena;
}

gql_error *gql_errors_add(gql_errors *e, const gql_loc *loc, const char *fmt, ...)
{
    size_t max = e->max ? e->max : 100;
    e->count++;
    if (e->count > max)
        return NULL;
    gql_error *err = base_arena_calloc(e->arena, 1, sizeof(*err));
    if (err == NULL)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = n >= 0 ? base_arena_alloc(e->arena, (size_t)n + 1) : NULL;
    if (msg == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
    err->message = msg;
    if (loc != NULL)
        gql_error_add_loc(err, *loc);
    if (e->last != NULL)
        e->last->next = err;
    else
        e->first = err;
    e->last = err;
    return err;
}

void gql_error_add_loc(gql_error *err, gql_loc loc)
{
    if (err != NULL && err->nlocs < GQL_ERROR_MAX_LOCS && loc.line != 0)
        err->locs[err->nlocs++] = loc;
}

const gql_path *gql_path_copy(base_arena *arena, const gql_path *path)
{
    if (path == NULL)
        return NULL;
    gql_path *p = base_arena_alloc(arena, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->key = path->key;
    p->index = path->index;
    p->parent = gql_path_copy(arena, path->parent);
    return p;
}

static void write_path(const gql_path *p, base_buf *out)
{
    if (p->parent != NULL) {
        write_path(p->parent, out);
        base_buf_putc(out, ',');
    }
    if (p->key != NULL)
        base_buf_json_string(out, p->key, strlen(p->key));
    else
        base_buf_printf(out, "%zu", p->index);
}

void gql_errors_write(const gql_errors *e, base_buf *out)
{
    base_buf_putc(out, '[');
    for (const gql_error *err = e->first; err != NULL; err = err->next) {
        if (err != e->first)
            base_buf_putc(out, ',');
        base_buf_puts(out, "{\"message\":");
        base_buf_json_string(out, err->message, strlen(err->message));
        if (err->nlocs > 0) {
            base_buf_puts(out, ",\"locations\":[");
            for (unsigned i = 0; i < err->nlocs; i++)
                base_buf_printf(out, "%s{\"line\":%u,\"column\":%u}", i ? "," : "", err->locs[i].line,
                                err->locs[i].column);
            base_buf_putc(out, ']');
        }
        if (err->path != NULL) {
            base_buf_puts(out, ",\"path\":[");
            write_path(err->path, out);
            base_buf_putc(out, ']');
        }
        if (err->code != NULL) {
            base_buf_puts(out, ",\"extensions\":{\"code\":");
            base_buf_json_string(out, err->code, strlen(err->code));
            if (err->input_path != NULL) {
                base_buf_puts(out, ",\"inputPath\":[");
                write_path(err->input_path, out);
                base_buf_putc(out, ']');
            }
            if (err->extensions != NULL) {
                base_buf_putc(out, ',');
                base_buf_puts(out, err->extensions);
            }
            base_buf_putc(out, '}');
        }
        base_buf_putc(out, '}');
    }
    base_buf_putc(out, ']');
}
