/*
 * NoFragmentCycles (spec 5.5.2.2): no fragment spreads itself, directly or
 * through others. graphql-js's depth-first search, which reports every cycle
 * once, with an explicit stack so a long chain of fragments cannot exhaust
 * the C stack.
 */
#include "schema/validate/validate_internal.h"

typedef struct frame {
    gqlv_fragment *frag;
    const gqlv_vec *spreads;
    size_t next;
} frame;

typedef struct state {
    gqlv_vec path; /* the spread selections from the starting fragment to here */
    frame *frames; /* the search's stack */
    size_t nframes;
    size_t cap;
} state;

static void report_cycle(gqlv_ctx *ctx, const state *s, size_t from, const gql_selection *spread)
{
    size_t n = s->path.len - from;
    gql_loc *locs = base_arena_alloc(ctx->arena, n * sizeof(*locs));
    gqlv_str msg;
    gqlv_str_init(&msg, ctx->arena);
    if (locs == NULL) {
        gqlv_oom(ctx);
        return;
    }
    gqlv_str_printf(&msg, "Cannot spread fragment \"%s\" within itself", spread->name.ptr);
    for (size_t i = 0; i < n; i++) {
        const gql_selection *sel = s->path.items[from + i];
        locs[i] = sel->loc;
        if (i + 1 < n)
            gqlv_str_printf(&msg, "%s\"%s\"", i == 0 ? " via " : ", ", sel->name.ptr);
    }
    gqlv_str_puts(&msg, ".");
    gqlv_report(ctx, gqlv_str_cstr(&msg), locs, n);
}

/* Starts the search at a fragment; false when there is nothing to search from it. */
static bool push_frame(gqlv_ctx *ctx, state *s, gqlv_fragment *f, const gql_definition *def)
{
    if (f->cycle_visited)
        return false;
    f->cycle_visited = true;
    gqlv_vec fresh = {0};
    const gqlv_vec *spreads;
    if (def == f->def) {
        spreads = gqlv_fragment_spreads(ctx, f);
    } else { /* an earlier definition of a duplicated name: its own spreads */
        spreads = gqlv_collect_spreads(ctx, def->selection_set, &fresh) ? &fresh : gqlv_oom(ctx);
        if (spreads != NULL) {
            gqlv_vec *copy = base_arena_alloc(ctx->arena, sizeof(*copy));
            spreads = copy != NULL ? (*copy = fresh, copy) : gqlv_oom(ctx);
        }
    }
    if (spreads == NULL || spreads->len == 0)
        return false;
    if (s->nframes == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        frame *frames = base_arena_alloc(ctx->arena, cap * sizeof(*frames));
        if (frames == NULL)
            return gqlv_oom(ctx) != NULL;
        for (size_t i = 0; i < s->nframes; i++)
            frames[i] = s->frames[i];
        s->frames = frames;
        s->cap = cap;
    }
    f->cycle_path_index = (long)s->path.len;
    s->frames[s->nframes++] = (frame){f, spreads, 0};
    return true;
}

static void detect_cycles(gqlv_ctx *ctx, state *s, gqlv_fragment *start, const gql_definition *def)
{
    if (!push_frame(ctx, s, start, def))
        return;
    while (s->nframes > 0 && !ctx->aborted) {
        frame *top = &s->frames[s->nframes - 1];
        if (top->next == top->spreads->len) {
            top->frag->cycle_path_index = -1;
            s->nframes--;
            if (s->nframes > 0)
                s->path.len--; /* the spread that led into the finished fragment */
            continue;
        }
        const gql_selection *spread = top->spreads->items[top->next++];
        if (!gqlv_vec_push(ctx->arena, &s->path, spread)) {
            gqlv_oom(ctx);
            return;
        }
        gqlv_fragment *target = gqlv_fragment_named(ctx, spread->name.ptr, spread->name.len);
        if (target != NULL && target->cycle_path_index >= 0) {
            report_cycle(ctx, s, (size_t)target->cycle_path_index, spread);
        } else if (target != NULL && push_frame(ctx, s, target, target->def)) {
            continue; /* the spread stays on the path while its fragment is searched */
        }
        s->path.len--;
    }
}

static bool enter_fragment_definition(gqlv_walk *w, void *st, const gqlv_node *node)
{
    const gql_definition *d = node->u.definition;
    gqlv_fragment *f = gqlv_fragment_named(w->ctx, d->name.ptr, d->name.len);
    if (f != NULL)
        detect_cycles(w->ctx, st, f, d);
    return true;
}

static bool skip(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)w, (void)st, (void)node;
    return true;
}

const gqlv_rule gqlv_no_fragment_cycles = {
    .name = "NoFragmentCyclesRule",
    .state_size = sizeof(state),
    .enter = {[GQLV_OPERATION] = skip, [GQLV_FRAGMENT_DEFINITION] = enter_fragment_definition},
};
