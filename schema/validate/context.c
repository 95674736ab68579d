/*
 * The validation context: error reporting with graphql-js's limit, the
 * fragment index and the memoised fragment and variable-usage questions the
 * rules ask (graphql-js's ValidationContext). The schema as the rules see it
 * is schema_view.c's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "schema/validate/validate_internal.h"

/* ---- errors ---- */

/*
 * Validation keeps its own bound (graphql-js's: 100 errors, then one saying
 * so), so the caller's gql_errors cap is lifted while ours are added.
 */
static void add_error(gqlv_ctx *ctx, const char *message, const gql_loc *locs, size_t nlocs)
{
    size_t saved = ctx->errors->max;
    ctx->errors->max = SIZE_MAX;
    gql_error *e = gql_errors_add(ctx->errors, nlocs ? &locs[0] : NULL, "%s", message);
    ctx->errors->max = saved;
    for (size_t i = 1; i < nlocs; i++)
        gql_error_add_loc(e, locs[i]);
}

bool gqlv_report(gqlv_ctx *ctx, const char *message, const gql_loc *locs, size_t nlocs)
{
    if (ctx->aborted)
        return false;
    if (ctx->reported >= GQLV_MAX_ERRORS) {
        gqlv_abort(ctx, "Too many validation errors, error limit reached. Validation aborted.");
        return false;
    }
    ctx->reported++;
    add_error(ctx, message, locs, nlocs);
    return true;
}

static bool vreport(gqlv_ctx *ctx, const gql_loc *locs, size_t nlocs, const char *fmt, va_list ap)
{
    char small[512];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    if (n < 0 || (size_t)n < sizeof(small)) {
        va_end(again);
        return gqlv_report(ctx, n < 0 ? fmt : small, locs, nlocs);
    }
    char *big = base_arena_alloc(ctx->arena, (size_t)n + 1);
    if (big != NULL)
        vsnprintf(big, (size_t)n + 1, fmt, again);
    va_end(again);
    if (big == NULL)
        return gqlv_oom(ctx) != NULL;
    return gqlv_report(ctx, big, locs, nlocs);
}

bool gqlv_reportf(gqlv_ctx *ctx, const gql_loc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = vreport(ctx, loc, loc != NULL, fmt, ap);
    va_end(ap);
    return ok;
}

bool gqlv_reportn(gqlv_ctx *ctx, const gql_loc *locs, size_t nlocs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = vreport(ctx, locs, nlocs, fmt, ap);
    va_end(ap);
    return ok;
}

void gqlv_abort(gqlv_ctx *ctx, const char *message)
{
    if (ctx->aborted)
        return;
    ctx->aborted = true;
    ctx->reported++;
    add_error(ctx, message, NULL, 0);
}

void *gqlv_oom(gqlv_ctx *ctx)
{
    gqlv_abort(ctx, "Validation ran out of memory.");
    return NULL;
}

void gqlv_report_duplicates(gqlv_ctx *ctx, const char *const *names, const gql_loc *locs, size_t n,
                            const char *what)
{
    if (n < 2)
        return;
    size_t *first = base_arena_alloc(ctx->arena, n * sizeof(*first));
    size_t *count = base_arena_calloc(ctx->arena, n, sizeof(*count));
    gql_loc *group = base_arena_alloc(ctx->arena, n * sizeof(*group));
    gqlv_names index;
    gqlv_names_init(&index, ctx->arena);
    if (first == NULL || count == NULL || group == NULL) {
        gqlv_oom(ctx);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const size_t *seen = gqlv_names_get(&index, names[i]);
        first[i] = seen != NULL ? *seen : i;
        count[first[i]]++;
        if (seen == NULL && !gqlv_names_put(&index, names[i], &first[i])) {
            gqlv_oom(ctx);
            return;
        }
    }
    for (size_t i = 0; i < n && !ctx->aborted; i++) {
        if (first[i] != i || count[i] < 2)
            continue; /* each scan below ends in an error, and errors are bounded */
        size_t ngroup = 0;
        for (size_t j = i; j < n; j++)
            if (first[j] == i)
                group[ngroup++] = locs[j];
        gqlv_reportn(ctx, group, ngroup, "There can be only one %s named \"%s\".", what, names[i]);
    }
}

/* ---- fragments ---- */

gqlv_fragment *gqlv_fragment_named(gqlv_ctx *ctx, const char *name, size_t len)
{
    return gqlv_map_get(&ctx->fragments, name, len);
}

/* getFragmentSpreads: a stack of sets, so nested sets come out after their parent's direct spreads. */
bool gqlv_collect_spreads(gqlv_ctx *ctx, const gql_selection_set *set, gqlv_vec *out)
{
    gqlv_vec todo = {0};
    if (!gqlv_vec_push(ctx->arena, &todo, set))
        return false;
    while (todo.len > 0) {
        const gql_selection_set *s = todo.items[--todo.len];
        for (const gql_selection *sel = s->first; sel != NULL; sel = sel->next) {
            if (sel->kind == GQL_SELECTION_FRAGMENT_SPREAD) {
                if (!gqlv_vec_push(ctx->arena, out, sel))
                    return false;
            } else if (sel->selection_set != NULL && !gqlv_vec_push(ctx->arena, &todo, sel->selection_set)) {
                return false;
            }
        }
    }
    return true;
}

const gqlv_vec *gqlv_fragment_spreads(gqlv_ctx *ctx, const gqlv_fragment *frag)
{
    gqlv_fragment *f = (gqlv_fragment *)frag;
    if (!f->have_spreads) {
        if (!gqlv_collect_spreads(ctx, f->def->selection_set, &f->spreads))
            return gqlv_oom(ctx);
        f->have_spreads = true;
    }
    return &f->spreads;
}

static gqlv_operation *operation_info(gqlv_ctx *ctx, const gql_definition *op)
{
    void **slot = gqlv_map_slot_u64(&ctx->operations, (uint64_t)(uintptr_t)op);
    if (slot == NULL)
        return gqlv_oom(ctx);
    if (*slot == NULL && (*slot = base_arena_calloc(ctx->arena, 1, sizeof(gqlv_operation))) == NULL)
        return gqlv_oom(ctx);
    return *slot;
}

const gqlv_vec *gqlv_referenced_fragments(gqlv_ctx *ctx, const gql_definition *operation)
{
    gqlv_operation *info = operation_info(ctx, operation);
    if (info == NULL)
        return NULL;
    if (info->have_fragments)
        return &info->fragments;
    unsigned walk = ++ctx->collect_walk;
    gqlv_vec root = {0};
    if (!gqlv_collect_spreads(ctx, operation->selection_set, &root))
        return gqlv_oom(ctx);
    gqlv_vec todo = {0}; /* gqlv_fragment *, NULL standing for the operation's own set */
    if (!gqlv_vec_push(ctx->arena, &todo, NULL))
        return gqlv_oom(ctx);
    while (todo.len > 0) {
        const gqlv_fragment *from = todo.items[--todo.len];
        const gqlv_vec *spreads = from != NULL ? gqlv_fragment_spreads(ctx, from) : &root;
        if (spreads == NULL)
            return NULL;
        for (size_t i = 0; i < spreads->len; i++) {
            const gql_selection *spread = spreads->items[i];
            gqlv_fragment *f = gqlv_fragment_named(ctx, spread->name.ptr, spread->name.len);
            if (f == NULL || f->collected == walk)
                continue;
            f->collected = walk;
            if (!gqlv_vec_push(ctx->arena, &info->fragments, f) || !gqlv_vec_push(ctx->arena, &todo, f))
                return gqlv_oom(ctx);
        }
    }
    info->have_fragments = true;
    return &info->fragments;
}

/* ---- variable usages: a walk of one definition with TypeInfo, as getVariableUsages ---- */

typedef struct usage_state {
    gqlv_vec found; /* gqlv_usage * */
} usage_state;

static bool usage_skip_definition(gqlv_walk *w, void *state, const gqlv_node *node)
{
    (void)w, (void)state, (void)node;
    return true; /* a variable's own definition is not a use */
}

static bool usage_value(gqlv_walk *w, void *state, const gqlv_node *node)
{
    usage_state *st = state;
    if (node->u.value->kind != GQL_VALUE_VARIABLE)
        return false;
    gqlv_usage *u = base_arena_alloc(w->ctx->arena, sizeof(*u));
    if (u == NULL || !gqlv_vec_push(w->ctx->arena, &st->found, u)) {
        gqlv_oom(w->ctx);
        return false;
    }
    u->node = node->u.value;
    u->type = gqlv_ti_input_type(w);
    u->default_value = gqlv_ti_default_value(w);
    return false;
}

static const gqlv_rule usage_rule = {
    .name = "VariableUsages",
    .enter = {[GQLV_VARIABLE_DEFINITION] = usage_skip_definition, [GQLV_VALUE] = usage_value},
};

static bool definition_usages(gqlv_ctx *ctx, const gql_definition *def, gqlv_usages *out)
{
    usage_state st = {{0}};
    void *states[1] = {&st};
    const gqlv_rule *rules[1] = {&usage_rule};
    gqlv_walk_definition(ctx, def, rules, states, 1);
    if (ctx->aborted)
        return false;
    out->count = st.found.len;
    out->items = base_arena_alloc(ctx->arena, (st.found.len ? st.found.len : 1) * sizeof(gqlv_usage));
    if (out->items == NULL)
        return gqlv_oom(ctx) != NULL;
    for (size_t i = 0; i < st.found.len; i++)
        out->items[i] = *(const gqlv_usage *)st.found.items[i];
    return true;
}

const gqlv_usages *gqlv_recursive_usages(gqlv_ctx *ctx, const gql_definition *operation)
{
    gqlv_operation *info = operation_info(ctx, operation);
    if (info == NULL)
        return NULL;
    if (info->have_usages)
        return &info->usages;
    gqlv_usages own;
    const gqlv_vec *frags = gqlv_referenced_fragments(ctx, operation);
    if (frags == NULL || !definition_usages(ctx, operation, &own))
        return NULL;
    size_t total = own.count;
    for (size_t i = 0; i < frags->len; i++) {
        gqlv_fragment *f = (gqlv_fragment *)frags->items[i];
        if (!f->have_usages) {
            if (!definition_usages(ctx, f->def, &f->usages))
                return NULL;
            f->have_usages = true;
        }
        total += f->usages.count;
    }
    gqlv_usage *all = base_arena_alloc(ctx->arena, (total ? total : 1) * sizeof(*all));
    if (all == NULL)
        return gqlv_oom(ctx);
    size_t n = 0;
    for (size_t i = 0; i < own.count; i++)
        all[n++] = own.items[i];
    for (size_t i = 0; i < frags->len; i++) {
        const gqlv_fragment *f = frags->items[i];
        for (size_t j = 0; j < f->usages.count; j++)
            all[n++] = f->usages.items[j];
    }
    info->usages.items = all;
    info->usages.count = n;
    info->have_usages = true;
    return &info->usages;
}
