/*
 * SingleFieldSubscriptions (spec 5.2.3.1): a subscription selects exactly one
 * root field, and not an introspection one. The root fields are collected as
 * execution's CollectFields does with no variables: @skip(if: true) and
 * @include(if: false) written as literals leave a selection out.
 */
#include <string.h>

#include "schema/validate/validate_internal.h"

/* Past this many nested fragments and inline fragments the collection stops descending. */
enum { MAX_COLLECT_DEPTH = 1000 };

typedef struct collector {
    gqlv_ctx *ctx;
    const gql_typedef *type;
    gqlv_names groups; /* response name -> gqlv_vec * of field selections */
    gqlv_vec order;    /* the gqlv_vec * groups, in first-seen order */
    gqlv_names visited_fragments;
    size_t depth;
} collector;

/* The literal `if` of the first @name directive: 1 true, 0 false, -1 anything else or absent. */
static int directive_if(const gql_directives *dirs, const char *name)
{
    for (const gql_directive *d = dirs->first; d != NULL; d = d->next) {
        if (strcmp(d->name.ptr, name) != 0)
            continue;
        int value = -1;
        for (const gql_argument *a = d->args.first; a != NULL; a = a->next)
            if (strcmp(a->name.ptr, "if") == 0)
                value = a->value->kind == GQL_VALUE_BOOLEAN ? a->value->boolean : -1;
        return value;
    }
    return -1;
}

static bool should_include(const gql_directives *dirs)
{
    return directive_if(dirs, "skip") != 1 && directive_if(dirs, "include") != 0;
}

static bool condition_matches(collector *c, const gql_str *cond)
{
    if (cond->ptr == NULL)
        return true;
    const gql_typedef *t = gqlv_type(c->ctx, cond->ptr, cond->len);
    if (t == c->type)
        return true;
    return gqlv_is_abstract(t) && gqlv_is_sub_type(t, c->type);
}

static void collect(collector *c, const gql_selection_set *set)
{
    if (++c->depth > MAX_COLLECT_DEPTH) {
        c->depth--;
        return;
    }
    for (const gql_selection *sel = set->first; sel != NULL && !c->ctx->aborted; sel = sel->next) {
        switch (sel->kind) {
        case GQL_SELECTION_FIELD: {
            if (!should_include(&sel->directives))
                continue;
            const char *key = sel->alias.ptr != NULL ? sel->alias.ptr : sel->name.ptr;
            gqlv_vec *group = (gqlv_vec *)gqlv_names_get(&c->groups, key);
            if (group == NULL) {
                group = base_arena_calloc(c->ctx->arena, 1, sizeof(*group));
                if (group == NULL || !gqlv_names_put(&c->groups, key, group) ||
                    !gqlv_vec_push(c->ctx->arena, &c->order, group)) {
                    gqlv_oom(c->ctx);
                    return;
                }
            }
            if (!gqlv_vec_push(c->ctx->arena, group, sel))
                gqlv_oom(c->ctx);
            break;
        }
        case GQL_SELECTION_INLINE_FRAGMENT:
            if (should_include(&sel->directives) && condition_matches(c, &sel->type_condition))
                collect(c, sel->selection_set);
            break;
        case GQL_SELECTION_FRAGMENT_SPREAD: {
            if (gqlv_names_get(&c->visited_fragments, sel->name.ptr) != NULL ||
                !should_include(&sel->directives))
                continue;
            if (!gqlv_names_put(&c->visited_fragments, sel->name.ptr, sel)) {
                gqlv_oom(c->ctx);
                return;
            }
            const gqlv_fragment *f = gqlv_fragment_named(c->ctx, sel->name.ptr, sel->name.len);
            if (f != NULL && condition_matches(c, &f->def->type_condition))
                collect(c, f->def->selection_set);
            break;
        }
        }
    }
    c->depth--;
}

static void report(gqlv_ctx *ctx, const gql_definition *op, const char *what, const gqlv_vec *nodes)
{
    gql_loc *locs = base_arena_alloc(ctx->arena, (nodes->len ? nodes->len : 1) * sizeof(*locs));
    if (locs == NULL) {
        gqlv_oom(ctx);
        return;
    }
    for (size_t i = 0; i < nodes->len; i++)
        locs[i] = ((const gql_selection *)nodes->items[i])->loc;
    if (op->name.ptr != NULL)
        gqlv_reportn(ctx, locs, nodes->len, "Subscription \"%s\" must %s.", op->name.ptr, what);
    else
        gqlv_reportn(ctx, locs, nodes->len, "Anonymous Subscription must %s.", what);
}

static bool enter_operation(gqlv_walk *w, void *st, const gqlv_node *node)
{
    (void)st;
    gqlv_ctx *ctx = w->ctx;
    const gql_definition *op = node->u.definition;
    if (op->operation != GQL_OP_SUBSCRIPTION || ctx->schema->subscription == NULL)
        return false;
    collector c = {.ctx = ctx, .type = ctx->schema->subscription};
    gqlv_names_init(&c.groups, ctx->arena);
    gqlv_names_init(&c.visited_fragments, ctx->arena);
    collect(&c, op->selection_set);
    if (ctx->aborted)
        return false;
    if (c.order.len > 1) {
        gqlv_vec extra = {0};
        for (size_t i = 1; i < c.order.len; i++) {
            const gqlv_vec *group = c.order.items[i];
            for (size_t j = 0; j < group->len; j++)
                if (!gqlv_vec_push(ctx->arena, &extra, group->items[j])) {
                    gqlv_oom(ctx);
                    return false;
                }
        }
        report(ctx, op, "select only one top level field", &extra);
    }
    for (size_t i = 0; i < c.order.len && !ctx->aborted; i++) {
        const gqlv_vec *group = c.order.items[i];
        const gql_selection *first = group->items[0];
        if (strncmp(first->name.ptr, "__", 2) == 0)
            report(ctx, op, "not select an introspection top level field", group);
    }
    return false;
}

const gqlv_rule gqlv_single_field_subscriptions = {
    .name = "SingleFieldSubscriptionsRule",
    .enter = {[GQLV_OPERATION] = enter_operation},
};
