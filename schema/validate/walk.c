/*
 * The walk: graphql-js's visit() with visitInParallel and visitWithTypeInfo
 * (TypeInfo itself is type_info.c's), over gqld's AST. Children are visited in graphql-js's key order
 * (QueryDocumentKeys), TypeInfo enters a node before the rules see it and
 * leaves after they have, and rules run in table order on enter and on leave.
 *
 * Recursion follows the document's nesting, which the parser bounds; a guard
 * here stops validation (with an error) should a caller allow more.
 */
#include <string.h>

#include "schema/validate/validate_internal.h"

/* Nesting the walk follows before it gives up (the parser's default bound is 256). */
enum { MAX_NESTING = 1000 };

/* ---- visiting ---- */

/* Enters a node: TypeInfo, then each rule in order. False when validation was aborted. */
static bool enter(gqlv_walk *w, const gqlv_node *n)
{
    if (w->ctx->aborted)
        return false;
    gqlv_ti_enter(w, n);
    const uint8_t *rules = w->by_kind[n->kind];
    for (size_t k = 0, count = w->nby_kind[n->kind]; k < count; k++) {
        size_t i = rules[k];
        gqlv_handler h = w->rules[i]->enter[n->kind];
        if (h == NULL || w->skipping[i] != NULL)
            continue;
        if (h(w, w->states[i], n))
            w->skipping[i] = n;
        if (w->ctx->aborted)
            return false;
    }
    return true;
}

/* Leaves a node: the rules' leave handlers, then TypeInfo. Only rules with a handler for the kind can be
 * skipping this very node, so the others need no look. */
static void leave(gqlv_walk *w, const gqlv_node *n)
{
    if (w->ctx->aborted)
        return;
    const uint8_t *rules = w->by_kind[n->kind];
    for (size_t k = 0, count = w->nby_kind[n->kind]; k < count; k++) {
        size_t i = rules[k];
        if (w->skipping[i] == NULL) {
            gqlv_handler h = w->rules[i]->leave[n->kind];
            if (h != NULL)
                h(w, w->states[i], n);
            if (w->ctx->aborted)
                return;
        } else if (w->skipping[i] == n) {
            w->skipping[i] = NULL;
        }
    }
    gqlv_ti_leave(w, n);
}

static bool deeper(gqlv_walk *w)
{
    if (++w->depth <= MAX_NESTING)
        return true;
    gqlv_abort(w->ctx, "Validation aborted: the document nests too deeply.");
    return false;
}

static void visit_value(gqlv_walk *w, const gql_value *v, const gqlv_node *parent);

static void visit_object_field(gqlv_walk *w, const gql_object_field *f, const gqlv_node *parent)
{
    gqlv_node n = {.kind = GQLV_OBJECT_FIELD, .parent = parent, .u.object_field = f};
    if (!enter(w, &n))
        return;
    visit_value(w, f->value, &n);
    leave(w, &n);
}

static void visit_value(gqlv_walk *w, const gql_value *v, const gqlv_node *parent)
{
    gqlv_node n = {.kind = GQLV_VALUE, .parent = parent, .u.value = v};
    if (!deeper(w) || !enter(w, &n))
        return;
    if (v->kind == GQL_VALUE_LIST) {
        for (const gql_value *item = v->list.first; item != NULL && !w->ctx->aborted; item = item->next)
            visit_value(w, item, &n);
    } else if (v->kind == GQL_VALUE_OBJECT) {
        for (const gql_object_field *f = v->object.first; f != NULL && !w->ctx->aborted; f = f->next)
            visit_object_field(w, f, &n);
    }
    leave(w, &n);
    w->depth--;
}

static void visit_arguments(gqlv_walk *w, const gql_arguments *args, const gqlv_node *parent)
{
    for (const gql_argument *a = args->first; a != NULL && !w->ctx->aborted; a = a->next) {
        gqlv_node n = {.kind = GQLV_ARGUMENT, .parent = parent, .u.argument = a};
        if (!enter(w, &n))
            return;
        visit_value(w, a->value, &n);
        leave(w, &n);
    }
}

static void visit_directives(gqlv_walk *w, const gql_directives *dirs, const gqlv_node *holder)
{
    for (const gql_directive *d = dirs->first; d != NULL && !w->ctx->aborted; d = d->next) {
        gqlv_node n = {.kind = GQLV_DIRECTIVE, .parent = holder, .u.directive = d};
        if (!enter(w, &n))
            return;
        visit_arguments(w, &d->args, &n);
        leave(w, &n);
    }
}

static void visit_named_type(gqlv_walk *w, gql_str name, gql_loc loc, const gqlv_node *parent)
{
    gqlv_node n = {.kind = GQLV_NAMED_TYPE, .parent = parent, .name = name, .loc = loc};
    if (enter(w, &n))
        leave(w, &n);
}

static void visit_type_ref(gqlv_walk *w, const gql_type_ref *t, const gqlv_node *parent)
{
    if (t->kind == GQL_TYPE_NAMED) {
        visit_named_type(w, t->name, t->loc, parent);
        return;
    }
    gqlv_node n = {.kind = t->kind == GQL_TYPE_LIST ? GQLV_LIST_TYPE : GQLV_NON_NULL_TYPE,
                   .parent = parent,
                   .u.type_ref = t};
    if (!deeper(w) || !enter(w, &n))
        return;
    visit_type_ref(w, t->of, &n);
    leave(w, &n);
    w->depth--;
}

static void visit_selection_set(gqlv_walk *w, const gql_selection_set *set, const gqlv_node *parent);

static void visit_selection(gqlv_walk *w, const gql_selection *sel, const gqlv_node *parent)
{
    gqlv_node n = {.parent = parent, .u.selection = sel};
    switch (sel->kind) {
    case GQL_SELECTION_FIELD:
        n.kind = GQLV_FIELD;
        if (!enter(w, &n))
            return;
        visit_arguments(w, &sel->args, &n);
        visit_directives(w, &sel->directives, &n);
        if (sel->selection_set != NULL)
            visit_selection_set(w, sel->selection_set, &n);
        break;
    case GQL_SELECTION_FRAGMENT_SPREAD:
        n.kind = GQLV_FRAGMENT_SPREAD;
        if (!enter(w, &n))
            return;
        visit_directives(w, &sel->directives, &n);
        break;
    case GQL_SELECTION_INLINE_FRAGMENT:
        n.kind = GQLV_INLINE_FRAGMENT;
        if (!enter(w, &n))
            return;
        if (sel->type_condition.ptr != NULL)
            visit_named_type(w, sel->type_condition, sel->type_condition_loc, &n);
        visit_directives(w, &sel->directives, &n);
        visit_selection_set(w, sel->selection_set, &n);
        break;
    }
    leave(w, &n);
}

static void visit_selection_set(gqlv_walk *w, const gql_selection_set *set, const gqlv_node *parent)
{
    gqlv_node n = {.kind = GQLV_SELECTION_SET, .parent = parent, .u.selection_set = set};
    if (!deeper(w) || !enter(w, &n))
        return;
    for (const gql_selection *sel = set->first; sel != NULL && !w->ctx->aborted; sel = sel->next)
        visit_selection(w, sel, &n);
    leave(w, &n);
    w->depth--;
}

static void visit_operation(gqlv_walk *w, const gql_definition *d, const gqlv_node *parent)
{
    gqlv_node n = {.kind = GQLV_OPERATION, .parent = parent, .u.definition = d};
    if (!enter(w, &n))
        return;
    for (const gql_variable_definition *v = d->variables.first; v != NULL && !w->ctx->aborted; v = v->next) {
        gqlv_node vn = {.kind = GQLV_VARIABLE_DEFINITION, .parent = &n, .u.variable = v};
        if (!enter(w, &vn))
            return;
        visit_type_ref(w, v->type, &vn);
        if (v->default_value != NULL)
            visit_value(w, v->default_value, &vn);
        visit_directives(w, &v->directives, &vn);
        leave(w, &vn);
    }
    visit_directives(w, &d->directives, &n);
    visit_selection_set(w, d->selection_set, &n);
    leave(w, &n);
}

static void visit_fragment_definition(gqlv_walk *w, const gql_definition *d, const gqlv_node *parent)
{
    gqlv_node n = {.kind = GQLV_FRAGMENT_DEFINITION, .parent = parent, .u.definition = d};
    if (!enter(w, &n))
        return;
    visit_named_type(w, d->type_condition, d->type_condition_loc, &n);
    visit_directives(w, &d->directives, &n);
    visit_selection_set(w, d->selection_set, &n);
    leave(w, &n);
}

/* ---- type-system definitions: an executable document may not hold them, but rules still look inside ---- */

static void visit_input_values(gqlv_walk *w, const gql_input_value_defs *defs, const gqlv_node *parent)
{
    for (const gql_input_value_def *iv = defs->first; iv != NULL && !w->ctx->aborted; iv = iv->next) {
        gqlv_node n = {.kind = GQLV_INPUT_VALUE_DEFINITION, .parent = parent, .u.input_value_def = iv};
        if (!enter(w, &n))
            return;
        visit_type_ref(w, iv->type, &n);
        if (iv->default_value != NULL)
            visit_value(w, iv->default_value, &n);
        visit_directives(w, &iv->directives, &n);
        leave(w, &n);
    }
}

static void visit_names(gqlv_walk *w, const gql_name_list *names, const gqlv_node *parent)
{
    for (const gql_name_list *l = names; l != NULL && !w->ctx->aborted; l = l->next)
        visit_named_type(w, l->name, l->loc, parent);
}

static void visit_type_system(gqlv_walk *w, const gql_definition *d, const gqlv_node *parent)
{
    gqlv_node n = {.kind = GQLV_TYPE_SYSTEM_DEFINITION, .parent = parent, .u.definition = d};
    if (!enter(w, &n))
        return;
    switch (d->kind) {
    case GQL_DEF_OBJECT:
    case GQL_DEF_INTERFACE:
        visit_names(w, d->interfaces, &n);
        visit_directives(w, &d->directives, &n);
        for (const gql_field_def *f = d->fields; f != NULL && !w->ctx->aborted; f = f->next) {
            gqlv_node fn = {.kind = GQLV_FIELD_DEFINITION, .parent = &n, .u.field_def = f};
            if (!enter(w, &fn))
                return;
            visit_input_values(w, &f->args, &fn);
            visit_type_ref(w, f->type, &fn);
            visit_directives(w, &f->directives, &fn);
            leave(w, &fn);
        }
        break;
    case GQL_DEF_UNION:
        visit_directives(w, &d->directives, &n);
        visit_names(w, d->members, &n);
        break;
    case GQL_DEF_ENUM:
        visit_directives(w, &d->directives, &n);
        for (const gql_enum_value_def *e = d->enum_values; e != NULL && !w->ctx->aborted; e = e->next) {
            gqlv_node en = {.kind = GQLV_ENUM_VALUE_DEFINITION, .parent = &n, .u.enum_value_def = e};
            if (!enter(w, &en))
                return;
            visit_directives(w, &e->directives, &en);
            leave(w, &en);
        }
        break;
    case GQL_DEF_INPUT_OBJECT:
        visit_directives(w, &d->directives, &n);
        visit_input_values(w, &d->input_fields, &n);
        break;
    case GQL_DEF_DIRECTIVE:
        visit_input_values(w, &d->args, &n);
        break;
    default: /* schema (its root types' names carry no location in the AST) and scalars */
        visit_directives(w, &d->directives, &n);
        break;
    }
    leave(w, &n);
}

static void visit_definition(gqlv_walk *w, const gql_definition *d, const gqlv_node *parent)
{
    w->definition = d;
    if (d->kind == GQL_DEF_OPERATION)
        visit_operation(w, d, parent);
    else if (d->kind == GQL_DEF_FRAGMENT)
        visit_fragment_definition(w, d, parent);
    else
        visit_type_system(w, d, parent);
}

static bool walk_init(gqlv_walk *w, gqlv_ctx *ctx, const gqlv_rule *const *rules, void **states, size_t n)
{
    memset(w, 0, sizeof(*w));
    w->ctx = ctx;
    w->rules = rules;
    w->states = states;
    w->nrules = n < GQLV_MAX_RULES ? n : GQLV_MAX_RULES;
    for (size_t i = 0; i < w->nrules; i++)
        for (int kind = 0; kind < GQLV_KIND_COUNT; kind++)
            if (rules[i]->enter[kind] != NULL || rules[i]->leave[kind] != NULL)
                w->by_kind[kind][w->nby_kind[kind]++] = (uint8_t)i;
    w->skipping = base_arena_calloc(ctx->arena, n ? n : 1, sizeof(const gqlv_node *));
    return w->skipping != NULL || gqlv_oom(ctx) != NULL;
}

void gqlv_walk_document(gqlv_ctx *ctx, const gqlv_rule *const *rules, size_t nrules)
{
    void **states = base_arena_calloc(ctx->arena, nrules ? nrules : 1, sizeof(*states));
    if (states == NULL) {
        gqlv_oom(ctx);
        return;
    }
    for (size_t i = 0; i < nrules; i++) {
        if (rules[i]->state_size != 0 &&
            (states[i] = base_arena_calloc(ctx->arena, 1, rules[i]->state_size)) == NULL) {
            gqlv_oom(ctx);
            return;
        }
        if (rules[i]->init != NULL)
            rules[i]->init(ctx, states[i]);
    }
    gqlv_walk w;
    if (!walk_init(&w, ctx, rules, states, nrules))
        return;
    gqlv_node n = {.kind = GQLV_DOCUMENT, .u.document = ctx->doc};
    if (!enter(&w, &n))
        return;
    for (const gql_definition *d = ctx->doc->first; d != NULL && !ctx->aborted; d = d->next)
        visit_definition(&w, d, &n);
    leave(&w, &n);
}

void gqlv_walk_definition(gqlv_ctx *ctx, const gql_definition *def, const gqlv_rule *const *rules,
                          void **states, size_t nrules)
{
    gqlv_walk w;
    if (walk_init(&w, ctx, rules, states, nrules))
        visit_definition(&w, def, NULL);
}
