/*
 * OverlappingFieldsCanBeMerged (spec 5.3.2): fields that end up under one
 * response name must be the same field with the same arguments, or at least
 * return shapes that can merge when their parents can never both apply.
 *
 * graphql-js's algorithm, step for step (its comments A-J name the steps),
 * because the order and grouping of its errors is what the differential test
 * compares: per selection set a "field map" (response name -> fields, plus the
 * fragments spread there), memoised per selection set; fields compared
 * "within" a set once, and "between" sets and fragments; fragment pairs
 * memoised (the PairSet) so fragments are never compared twice.
 *
 * What graphql-js leaves quadratic is bounded here without changing a single
 * message: each field gets a structural class (parent type, name, printed
 * arguments and, recursively, the field map below it), and a comparison of
 * two classes that found no conflict is remembered, so a hostile `{ a a a ...
 * }` or many copies of one subtree cost a comparison per distinct pair of
 * shapes rather than per pair of fields. (Skipping a repeat is exact: a
 * repeat can only find fewer conflicts, because the fragment pairs it would
 * compare are already marked.) A work limit stops what is left, with an error.
 */
#include <string.h>

#include "schema/validate/overlapping_fields.h"

/* ---- conflicts ---- */

static ofc_conflict *leaf(ofc *o, const char *response_name, const char *reason, const ofc_field *f1,
                          const ofc_field *f2)
{
    ofc_conflict *c = base_arena_calloc(o->ctx->arena, 1, sizeof(*c));
    if (c == NULL)
        return ofc_oom(o);
    c->response_name = response_name;
    c->reason = reason;
    c->node1 = f1->node;
    c->node2 = f2->node;
    return c;
}

/* Adds a conflict; true once the list holds all its caller can use. */
static bool append(ofc *o, ofc_list *list, ofc_conflict *c)
{
    if (list->last != NULL)
        list->last->next = c;
    else
        list->first = c;
    list->last = c;
    list->count++;
    if (list->limit != 0 && list->count >= list->limit)
        o->stop = true;
    return o->stop;
}

static bool same_arguments(ofc *o, const gql_selection *a, const gql_selection *b)
{
    if (a->args.count == 0 || b->args.count == 0)
        return a->args.count == b->args.count;
    if (a->args.count != b->args.count)
        return false;
    for (const gql_argument *x = a->args.first; x != NULL; x = x->next) {
        const gql_argument *match = NULL; /* graphql-js keys b's arguments by name: the last one wins */
        for (const gql_argument *y = b->args.first; y != NULL; y = y->next)
            if (strcmp(x->name.ptr, y->name.ptr) == 0)
                match = y;
        if (match == NULL || ofc_argument_value(o, x) != ofc_argument_value(o, match))
            return false;
    }
    return true;
}

static bool types_conflict(const gql_tref *a, const gql_tref *b)
{
    if (a->wrap == GQL_TYPE_LIST)
        return b->wrap == GQL_TYPE_LIST ? types_conflict(a->of, b->of) : true;
    if (b->wrap == GQL_TYPE_LIST)
        return true;
    if (a->wrap == GQL_TYPE_NON_NULL)
        return b->wrap == GQL_TYPE_NON_NULL ? types_conflict(a->of, b->of) : true;
    if (b->wrap == GQL_TYPE_NON_NULL)
        return true;
    if (gqlv_is_leaf(a->named) || gqlv_is_leaf(b->named))
        return a->named != b->named;
    return false;
}

static bool is_object(const gql_typedef *t)
{
    return t != NULL && t->kind == GQL_OBJECT;
}

static void between_sub_selection_sets(ofc *o, ofc_list *out, bool mutex, const gql_typedef *p1,
                                       const gql_selection_set *s1, const gql_typedef *p2,
                                       const gql_selection_set *s2);

/* findConflict: whether two fields under one response name conflict, and why. */
static ofc_conflict *find_conflict(ofc *o, bool parent_mutex, const char *response_name, ofc_field *f1,
                                   ofc_field *f2)
{
    uint64_t key =
        ((uint64_t)ofc_field_class(o, f1) << 32) | ((uint64_t)ofc_field_class(o, f2) << 1) | parent_mutex;
    if (ofc_halted(o) || gqlv_keyset_get(&o->no_conflict, key) != 0 || !ofc_work(o))
        return NULL;
    bool mutex = parent_mutex || (f1->parent != f2->parent && is_object(f1->parent) && is_object(f2->parent));
    const gql_selection *n1 = f1->node, *n2 = f2->node;
    ofc_conflict *c = NULL;
    gqlv_str why;
    gqlv_str_init(&why, o->ctx->arena);
    if (!mutex && strcmp(n1->name.ptr, n2->name.ptr) != 0) {
        gqlv_str_printf(&why, "\"%s\" and \"%s\" are different fields", n1->name.ptr, n2->name.ptr);
        return leaf(o, response_name, gqlv_str_cstr(&why), f1, f2);
    }
    if (!mutex && !same_arguments(o, n1, n2))
        return leaf(o, response_name, "they have differing arguments", f1, f2);
    const gql_tref *t1 = f1->def != NULL ? f1->def->type : NULL, *t2 = f2->def != NULL ? f2->def->type : NULL;
    if (t1 != NULL && t2 != NULL && types_conflict(t1, t2)) {
        gqlv_str_puts(&why, "they return conflicting types \"");
        gqlv_print_tref(&why, t1);
        gqlv_str_puts(&why, "\" and \"");
        gqlv_print_tref(&why, t2);
        gqlv_str_puts(&why, "\"");
        return leaf(o, response_name, gqlv_str_cstr(&why), f1, f2);
    }
    if (n1->selection_set != NULL && n2->selection_set != NULL) {
        if (!ofc_enter_recursion(o))
            return NULL;
        ofc_list subs = {0};
        between_sub_selection_sets(o, &subs, mutex, ofc_named_or_null(f1->def), n1->selection_set,
                                   ofc_named_or_null(f2->def), n2->selection_set);
        o->depth--;
        if (subs.count != 0 && (c = leaf(o, response_name, NULL, f1, f2)) != NULL)
            c->subs = subs.first;
    }
    if (c == NULL && !ofc_halted(o))
        gqlv_keyset_put(&o->no_conflict, key, 1); /* refused when full: the memo just stops growing */
    return c;
}

/* Distinct classes tracked per comparison before falling back to the memo alone. */
enum { FEW_CLASSES = 32 };

/*
 * Compares fields a[i] with b[j] (j > i when within one group), in graphql-js's
 * order. Pairs whose classes are known not to conflict are skipped, and once
 * every class of b is known free of conflicts with a[i] the row ends early: a
 * group of identical fields costs one comparison, not one per pair.
 */
static void compare_fields(ofc *o, ofc_list *out, bool mutex, const char *name, ofc_field *a, size_t na,
                           ofc_field *b, size_t nb, bool within)
{
    uint32_t distinct[FEW_CLASSES];
    size_t nd = 0;
    for (size_t j = 0; j < nb && nd <= FEW_CLASSES && !ofc_halted(o); j++) {
        uint32_t c = ofc_field_class(o, &b[j]);
        size_t d = 0;
        while (d < nd && distinct[d] != c)
            d++;
        if (d == nd && nd++ < FEW_CLASSES)
            distinct[d] = c;
    }
    bool few = nd <= FEW_CLASSES && !ofc_halted(o);
    for (size_t i = 0; i < na && !ofc_halted(o); i++) {
        uint64_t ci = (uint64_t)ofc_field_class(o, &a[i]) << 32;
        size_t unknown = 0;
        bool known[FEW_CLASSES] = {false};
        for (size_t d = 0; few && d < nd; d++) {
            known[d] = gqlv_keyset_get(&o->no_conflict, ci | ((uint64_t)distinct[d] << 1) | mutex) != 0;
            unknown += !known[d];
        }
        for (size_t j = within ? i + 1 : 0; j < nb && (!few || unknown != 0) && !ofc_halted(o); j++) {
            size_t d = 0;
            while (few && d < nd && distinct[d] != b[j].cls)
                d++;
            if (few && d < nd && known[d])
                continue;
            ofc_conflict *c = find_conflict(o, mutex, name, &a[i], &b[j]);
            if (c != NULL) {
                if (append(o, out, c))
                    return;
            } else if (few && d < nd && !ofc_halted(o)) {
                known[d] = true;
                unknown--;
            }
        }
    }
}

/* collectConflictsWithin (A). */
static void within(ofc *o, ofc_list *out, ofc_map *m)
{
    for (size_t g = 0; g < m->ngroups && !ofc_halted(o); g++) {
        ofc_group *grp = &m->groups[g];
        if (grp->n > 1)
            compare_fields(o, out, false, grp->response_name, grp->fields, grp->n, grp->fields, grp->n, true);
    }
}

/* collectConflictsBetween. */
static void between(ofc *o, ofc_list *out, bool mutex, ofc_map *m1, ofc_map *m2)
{
    for (size_t g = 0; g < m1->ngroups && !ofc_halted(o); g++) {
        ofc_group *g1 = &m1->groups[g];
        ofc_group *g2 = ofc_group_named(m2, g1->response_name);
        if (g2 == NULL)
            continue;
        if (!ofc_work(o))
            return;
        compare_fields(o, out, mutex, g1->response_name, g1->fields, g1->n, g2->fields, g2->n, false);
    }
}

static uint64_t pair_key(ofc *o, const char *a, const char *b)
{
    uint64_t x = ofc_intern_string(o, a, strlen(a)), y = ofc_intern_string(o, b, strlen(b));
    return x < y ? (x << 32) | y : (y << 32) | x;
}

/* PairSet.has: an exclusive comparison is covered by any earlier one; a general one only by a general one. */
static bool pair_seen(ofc *o, const char *a, const char *b, bool mutex)
{
    uint8_t v = gqlv_keyset_get(&o->pairs, pair_key(o, a, b));
    return v != 0 && (mutex || v == 1);
}

static void pair_add(ofc *o, const char *a, const char *b, bool mutex)
{
    if (!gqlv_keyset_put(&o->pairs, pair_key(o, a, b), mutex ? 2 : 1))
        ofc_oom(o);
}

/* collectConflictsBetweenFieldsAndFragment (D, E). */
static void fields_and_fragment(ofc *o, ofc_list *out, bool mutex, ofc_map *m, const char *fragment)
{
    const gqlv_fragment *f = gqlv_fragment_named(o->ctx, fragment, strlen(fragment));
    if (f == NULL || ofc_halted(o) || !ofc_work(o))
        return;
    ofc_map *m2 = ofc_fragment_field_map(o, f);
    if (m2 == NULL || m2 == m || !ofc_enter_recursion(o))
        return;
    between(o, out, mutex, m, m2);
    for (size_t i = 0; i < m2->fragments.len && !ofc_halted(o); i++) {
        const char *ref = m2->fragments.items[i];
        if (pair_seen(o, ref, fragment, mutex))
            continue;
        pair_add(o, ref, fragment, mutex);
        fields_and_fragment(o, out, mutex, m, ref);
    }
    o->depth--;
}

/* collectConflictsBetweenFragments (F, G). */
static void fragments(ofc *o, ofc_list *out, bool mutex, const char *a, const char *b)
{
    if (strcmp(a, b) == 0 || ofc_halted(o) || pair_seen(o, a, b, mutex) || !ofc_work(o))
        return;
    pair_add(o, a, b, mutex);
    const gqlv_fragment *fa = gqlv_fragment_named(o->ctx, a, strlen(a));
    const gqlv_fragment *fb = gqlv_fragment_named(o->ctx, b, strlen(b));
    if (fa == NULL || fb == NULL)
        return;
    ofc_map *m1 = ofc_fragment_field_map(o, fa), *m2 = ofc_fragment_field_map(o, fb);
    if (m1 == NULL || m2 == NULL || !ofc_enter_recursion(o))
        return;
    between(o, out, mutex, m1, m2);
    for (size_t i = 0; i < m2->fragments.len && !ofc_halted(o); i++)
        fragments(o, out, mutex, a, m2->fragments.items[i]);
    for (size_t i = 0; i < m1->fragments.len && !ofc_halted(o); i++)
        fragments(o, out, mutex, m1->fragments.items[i], b);
    o->depth--;
}

/* findConflictsBetweenSubSelectionSets (H, I, J). */
static void between_sub_selection_sets(ofc *o, ofc_list *out, bool mutex, const gql_typedef *p1,
                                       const gql_selection_set *s1, const gql_typedef *p2,
                                       const gql_selection_set *s2)
{
    ofc_map *m1 = ofc_field_map(o, p1, s1), *m2 = ofc_field_map(o, p2, s2);
    if (m1 == NULL || m2 == NULL)
        return;
    between(o, out, mutex, m1, m2);
    for (size_t i = 0; i < m2->fragments.len && !ofc_halted(o); i++)
        fields_and_fragment(o, out, mutex, m1, m2->fragments.items[i]);
    for (size_t i = 0; i < m1->fragments.len && !ofc_halted(o); i++)
        fields_and_fragment(o, out, mutex, m2, m1->fragments.items[i]);
    for (size_t i = 0; i < m1->fragments.len && !ofc_halted(o); i++)
        for (size_t j = 0; j < m2->fragments.len && !ofc_halted(o); j++)
            fragments(o, out, mutex, m1->fragments.items[i], m2->fragments.items[j]);
}

/* findConflictsWithinSelectionSet (A, B, C). */
static void within_selection_set(ofc *o, ofc_list *out, const gql_typedef *parent,
                                 const gql_selection_set *set)
{
    ofc_map *m = ofc_field_map(o, parent, set);
    if (m == NULL)
        return;
    within(o, out, m);
    for (size_t i = 0; i < m->fragments.len && !ofc_halted(o); i++) {
        fields_and_fragment(o, out, false, m, m->fragments.items[i]);
        for (size_t j = i + 1; j < m->fragments.len && !ofc_halted(o); j++)
            fragments(o, out, false, m->fragments.items[i], m->fragments.items[j]);
    }
}

/* ---- reporting ---- */

static void reason_message(gqlv_str *s, const ofc_conflict *c)
{
    if (c->reason != NULL) {
        gqlv_str_puts(s, c->reason);
        return;
    }
    for (const ofc_conflict *sub = c->subs; sub != NULL; sub = sub->next) {
        if (sub != c->subs)
            gqlv_str_puts(s, " and ");
        gqlv_str_printf(s, "subfields \"%s\" conflict because ", sub->response_name);
        reason_message(s, sub);
    }
}

/* The conflict's nodes on one side: its own field, then its subfields' in order. */
static void side_locations(base_arena *arena, gqlv_vec *locs, const ofc_conflict *c, bool second)
{
    const gql_selection *node = second ? c->node2 : c->node1;
    gqlv_vec_push(arena, locs, &node->loc);
    for (const ofc_conflict *sub = c->subs; sub != NULL; sub = sub->next)
        side_locations(arena, locs, sub, second);
}

static void report(ofc *o, const ofc_conflict *c)
{
    gqlv_ctx *ctx = o->ctx;
    gqlv_str msg;
    gqlv_str_init(&msg, ctx->arena);
    gqlv_str_printf(&msg, "Fields \"%s\" conflict because ", c->response_name);
    reason_message(&msg, c);
    gqlv_str_puts(&msg, ". Use different aliases on the fields to fetch both if this was intentional.");
    gqlv_vec locs = {0};
    side_locations(ctx->arena, &locs, c, false);
    side_locations(ctx->arena, &locs, c, true);
    gql_loc *flat = base_arena_alloc(ctx->arena, (locs.len ? locs.len : 1) * sizeof(*flat));
    if (flat == NULL || msg.failed) {
        gqlv_oom(ctx);
        return;
    }
    for (size_t i = 0; i < locs.len; i++)
        flat[i] = *(const gql_loc *)locs.items[i];
    gqlv_report(ctx, gqlv_str_cstr(&msg), flat, locs.len);
}

/*
 * Whether a selection set could hold a conflict within it: a response name
 * given twice (inline fragments merged in) or a fragment spread. Most sets
 * have neither, and are passed without building their field map (a parent's
 * comparison builds it if it needs it, with the same parent type).
 */
static bool counts(const gql_selection_set *set, size_t *fields)
{
    for (const gql_selection *sel = set->first; sel != NULL; sel = sel->next) {
        if (sel->kind == GQL_SELECTION_FRAGMENT_SPREAD)
            return true;
        if (sel->kind == GQL_SELECTION_INLINE_FRAGMENT && counts(sel->selection_set, fields))
            return true;
        *fields += sel->kind == GQL_SELECTION_FIELD;
    }
    return false;
}

static size_t response_names(const gql_selection_set *set, const char **names, size_t n)
{
    for (const gql_selection *sel = set->first; sel != NULL; sel = sel->next) {
        if (sel->kind == GQL_SELECTION_INLINE_FRAGMENT)
            n = response_names(sel->selection_set, names, n);
        else if (sel->kind == GQL_SELECTION_FIELD)
            names[n++] = sel->alias.ptr != NULL ? sel->alias.ptr : sel->name.ptr;
    }
    return n;
}

static bool may_conflict(ofc *o, const gql_selection_set *set)
{
    size_t n = 0;
    if (counts(set, &n))
        return true;
    if (n < 2)
        return false;
    const char *few[16];
    const char **names = n <= 16 ? few : base_arena_alloc(o->ctx->arena, n * sizeof(*names));
    if (names == NULL)
        return true;
    n = response_names(set, names, 0);
    if (n <= 16) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (strcmp(names[i], names[j]) == 0)
                    return true;
        return false;
    }
    gqlv_map seen;
    gqlv_map_init(&seen, o->ctx->arena);
    for (size_t i = 0; i < n; i++) {
        void **slot = gqlv_map_slot(&seen, names[i], strlen(names[i]));
        if (slot == NULL || *slot != NULL)
            return true;
        *slot = (void *)names[i];
    }
    return false;
}

static void init(gqlv_ctx *ctx, void *st)
{
    ofc *o = st;
    o->ctx = ctx;
    gqlv_map_init(&o->maps, ctx->arena);
    gqlv_keyset_init(&o->pairs, ctx->arena, 0);
    gqlv_map_init(&o->strings, ctx->arena);
    gqlv_map_init(&o->classes, ctx->arena);
    gqlv_map_init(&o->arg_values, ctx->arena);
    gqlv_keyset_init(&o->no_conflict, ctx->arena, OFC_MEMO_ENTRIES);
}

static bool enter_selection_set(gqlv_walk *w, void *st, const gqlv_node *node)
{
    ofc *o = st;
    /* Beyond the error limit nothing is reported: collect no more conflicts than can be. */
    ofc_list conflicts = {.limit = GQLV_MAX_ERRORS + 1 -
                                   (w->ctx->reported < GQLV_MAX_ERRORS ? w->ctx->reported : GQLV_MAX_ERRORS)};
    o->depth = 0;
    if (!may_conflict(o, node->u.selection_set))
        return false;
    within_selection_set(o, &conflicts, gqlv_ti_parent_type(w), node->u.selection_set);
    o->stop = false;
    for (const ofc_conflict *c = conflicts.first; c != NULL && !w->ctx->aborted; c = c->next)
        report(o, c);
    return false;
}

const gqlv_rule gqlv_overlapping_fields_can_be_merged = {
    .name = "OverlappingFieldsCanBeMergedRule",
    .state_size = sizeof(ofc),
    .init = init,
    .enter = {[GQLV_SELECTION_SET] = enter_selection_set},
};
