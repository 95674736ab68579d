/*
 * OverlappingFieldsCanBeMerged, its data: the field map of a selection set
 * (graphql-js's getFieldsAndFragmentNames: response name -> the fields under
 * it, inline fragments merged in, plus the names of the fragments spread
 * there), built once per set; and each field's structural class, which lets
 * the comparisons skip repeats (see overlapping_fields_can_be_merged.c).
 */
#include <string.h>

#include "schema/validate/overlapping_fields.h"

void *ofc_oom(ofc *o)
{
    return gqlv_oom(o->ctx);
}

bool ofc_halted(const ofc *o)
{
    return o->stop || o->ctx->aborted;
}

bool ofc_work(ofc *o)
{
    if (++o->work <= OFC_WORK_LIMIT)
        return true;
    gqlv_abort(o->ctx, "Validation aborted: comparing the document's overlapping fields took too long.");
    return false;
}

bool ofc_enter_recursion(ofc *o)
{
    if (++o->depth <= OFC_MAX_RECURSION)
        return true;
    gqlv_abort(o->ctx, "Validation aborted: the document nests too deeply.");
    return false;
}

/* ---- field maps (getFieldsAndFragmentNames) ---- */

/* Groups looked up by a scan up to this many; a hash index beyond. */
enum { FEW_GROUPS = 8 };

ofc_group *ofc_group_named(const ofc_map *m, const char *name)
{
    if (m->ngroups <= FEW_GROUPS) {
        for (size_t g = 0; g < m->ngroups; g++)
            if (strcmp(m->groups[g].response_name, name) == 0)
                return &m->groups[g];
        return NULL;
    }
    size_t gi = (size_t)gqlv_map_id(&m->index, name, strlen(name));
    return gi != 0 ? &m->groups[gi - 1] : NULL;
}

/* Records a spread fragment's name once, in first-seen order. */
static bool add_fragment(ofc *o, ofc_map *m, const gql_str *name)
{
    if (m->fragments.len < FEW_GROUPS) {
        for (size_t i = 0; i < m->fragments.len; i++)
            if (strcmp(m->fragments.items[i], name->ptr) == 0)
                return true;
    } else {
        if (m->fragments.len == FEW_GROUPS)
            for (size_t i = 0; i < m->fragments.len; i++) {
                const char *f = m->fragments.items[i];
                void **slot = gqlv_map_slot(&m->fragment_index, f, strlen(f));
                if (slot == NULL)
                    return ofc_oom(o) != NULL;
                *slot = (void *)f;
            }
        void **slot = gqlv_map_slot(&m->fragment_index, name->ptr, name->len);
        if (slot == NULL)
            return ofc_oom(o) != NULL;
        if (*slot != NULL)
            return true;
        *slot = (void *)name->ptr;
    }
    return gqlv_vec_push(o->ctx->arena, &m->fragments, name->ptr) || ofc_oom(o) != NULL;
}

/* Fields (inline fragments merged in) and spreads of a set, as the field map will hold them. */
static void count_selections(const gql_selection_set *set, size_t *fields, size_t *spreads)
{
    for (const gql_selection *sel = set->first; sel != NULL; sel = sel->next) {
        if (sel->kind == GQL_SELECTION_INLINE_FRAGMENT)
            count_selections(sel->selection_set, fields, spreads);
        else if (sel->kind == GQL_SELECTION_FIELD)
            (*fields)++;
        else
            (*spreads)++;
    }
}

/*
 * Pass one (fill == false): gives each field its group, in first-seen order,
 * and counts the groups' fields; pass two (fill == true) stores the fields,
 * each group's contiguous. `order` holds each field's group, in document order.
 */
static bool collect_fields(ofc *o, ofc_map *m, const gql_typedef *parent, const gql_selection_set *set,
                           uint32_t *order, size_t *next, bool fill)
{
    for (const gql_selection *sel = set->first; sel != NULL; sel = sel->next) {
        if (sel->kind == GQL_SELECTION_INLINE_FRAGMENT) {
            const gql_typedef *t = parent;
            if (sel->type_condition.ptr != NULL)
                t = gqlv_type(o->ctx, sel->type_condition.ptr, sel->type_condition.len);
            if (!collect_fields(o, m, t, sel->selection_set, order, next, fill))
                return false;
            continue;
        }
        if (sel->kind == GQL_SELECTION_FRAGMENT_SPREAD) {
            if (!fill && !add_fragment(o, m, &sel->name))
                return false;
            continue;
        }
        if (fill) {
            ofc_group *g = &m->groups[order[(*next)++]];
            g->fields[g->n++] =
                (ofc_field){parent, sel, gqlv_type_field(parent, sel->name.ptr, sel->name.len), 0};
            continue;
        }
        const char *key = sel->alias.ptr != NULL ? sel->alias.ptr : sel->name.ptr;
        ofc_group *g = ofc_group_named(m, key);
        if (g == NULL) {
            g = &m->groups[m->ngroups++];
            g->response_name = key;
            g->n = 0;
            if (m->ngroups == FEW_GROUPS + 1) {
                for (size_t i = 0; i < m->ngroups; i++) {
                    uint64_t *slot = gqlv_map_id_slot(&m->index, m->groups[i].response_name,
                                                      strlen(m->groups[i].response_name));
                    if (slot == NULL)
                        return ofc_oom(o) != NULL;
                    *slot = i + 1;
                }
            } else if (m->ngroups > FEW_GROUPS + 1) {
                uint64_t *slot = gqlv_map_id_slot(&m->index, key, strlen(key));
                if (slot == NULL)
                    return ofc_oom(o) != NULL;
                *slot = m->ngroups;
            }
        }
        g->n++;
        order[(*next)++] = (uint32_t)(g - m->groups);
    }
    return true;
}

static ofc_map *build_field_map(ofc *o, const gql_typedef *parent, const gql_selection_set *set)
{
    size_t nfields = 0, nspreads = 0;
    count_selections(set, &nfields, &nspreads);
    base_arena *arena = o->ctx->arena;
    ofc_map *m = base_arena_alloc(arena, sizeof(*m));
    ofc_field *fields = base_arena_alloc(arena, (nfields ? nfields : 1) * sizeof(*fields));
    uint32_t *order = base_arena_alloc(arena, (nfields ? nfields : 1) * sizeof(*order));
    if (m == NULL || fields == NULL || order == NULL)
        return ofc_oom(o);
    memset(m, 0, sizeof(*m));
    gqlv_map_init(&m->index, arena);
    gqlv_map_init(&m->fragment_index, arena);
    m->groups = base_arena_alloc(arena, (nfields ? nfields : 1) * sizeof(*m->groups));
    if (m->groups == NULL)
        return ofc_oom(o);
    size_t next = 0;
    if (!collect_fields(o, m, parent, set, order, &next, false))
        return NULL;
    size_t offset = 0;
    for (size_t g = 0; g < m->ngroups; g++) {
        m->groups[g].fields = fields + offset;
        offset += m->groups[g].n;
        m->groups[g].n = 0;
    }
    next = 0;
    return collect_fields(o, m, parent, set, order, &next, true) ? m : NULL;
}

/* The field map of a selection set; the first parent type it was asked with wins, as graphql-js's cache. */
ofc_map *ofc_field_map(ofc *o, const gql_typedef *parent, const gql_selection_set *set)
{
    void **slot = gqlv_map_slot_u64(&o->maps, (uint64_t)(uintptr_t)set);
    if (slot == NULL)
        return ofc_oom(o);
    if (*slot != NULL)
        return *slot;
    ofc_map *m = build_field_map(o, parent, set);
    if (m != NULL)
        *slot = m;
    return m;
}

ofc_map *ofc_fragment_field_map(ofc *o, const gqlv_fragment *f)
{
    const gql_definition *d = f->def;
    ofc_map *cached = gqlv_map_get_u64(&o->maps, (uint64_t)(uintptr_t)d->selection_set);
    if (cached != NULL)
        return cached;
    return ofc_field_map(o, gqlv_type(o->ctx, d->type_condition.ptr, d->type_condition.len),
                         d->selection_set);
}

/* ---- structural classes ---- */

uint32_t ofc_intern_string(ofc *o, const char *s, size_t len)
{
    uint64_t *slot = gqlv_map_id_slot(&o->strings, s, len);
    if (slot == NULL) {
        ofc_oom(o);
        return 0;
    }
    if (*slot == 0)
        *slot = ++o->nstrings;
    return (uint32_t)*slot;
}

static uint32_t intern_words(ofc *o, const uint64_t *words, size_t n)
{
    size_t bytes = n * sizeof(*words);
    uint64_t known = gqlv_map_id(&o->classes, (const char *)words, bytes);
    if (known != 0)
        return (uint32_t)known;
    uint64_t *copy = base_arena_alloc(o->ctx->arena, bytes);
    if (copy != NULL)
        memcpy(copy, words, bytes);
    uint64_t *slot = copy != NULL ? gqlv_map_id_slot(&o->classes, (const char *)copy, bytes) : NULL;
    if (slot == NULL) {
        ofc_oom(o);
        return 0;
    }
    *slot = ++o->nclasses;
    return o->nclasses;
}

/* The id of an argument value as graphql-js compares it: print(sortValueNode(value)). */
uint32_t ofc_argument_value(ofc *o, const gql_argument *a)
{
    uint64_t *slot = gqlv_map_id_slot_u64(&o->arg_values, (uint64_t)(uintptr_t)a);
    if (slot == NULL) {
        ofc_oom(o);
        return 0;
    }
    if (*slot == 0) {
        gqlv_str s;
        gqlv_str_init(&s, o->ctx->arena);
        gqlv_print_value(&s, a->value, true);
        *slot = ofc_intern_string(o, gqlv_str_cstr(&s), s.len);
    }
    return (uint32_t)*slot;
}

static uint32_t map_class(ofc *o, ofc_map *m);

const gql_typedef *ofc_named_or_null(const gql_fielddef *def)
{
    return def != NULL ? gql_tref_named(def->type) : NULL;
}

uint32_t ofc_field_class(ofc *o, ofc_field *f)
{
    if (f->cls != 0 || ofc_halted(o))
        return f->cls;
    const gql_selection *sel = f->node;
    size_t n = 4 + 2 * sel->args.count;
    uint64_t small[32];
    uint64_t *w = n <= 32 ? small : base_arena_alloc(o->ctx->arena, n * sizeof(*w));
    if (w == NULL) {
        ofc_oom(o);
        return 0;
    }
    size_t i = 0;
    w[i++] = (uint64_t)(uintptr_t)f->parent;
    w[i++] = ofc_intern_string(o, sel->name.ptr, sel->name.len);
    for (const gql_argument *a = sel->args.first; a != NULL && i + 2 < n; a = a->next) {
        w[i++] = ofc_intern_string(o, a->name.ptr, a->name.len);
        w[i++] = ofc_argument_value(o, a);
    }
    uint64_t sub = 0;
    if (sel->selection_set != NULL) {
        ofc_map *m = ofc_field_map(o, ofc_named_or_null(f->def), sel->selection_set);
        sub = m != NULL ? (uint64_t)map_class(o, m) + 1 : 0;
    }
    w[i++] = sub;
    f->cls = intern_words(o, w, i);
    return f->cls;
}

static uint32_t map_class(ofc *o, ofc_map *m)
{
    if (m->cls != 0 || ofc_halted(o))
        return m->cls;
    if (!ofc_enter_recursion(o))
        return 0;
    size_t n = 2 + m->fragments.len;
    for (size_t g = 0; g < m->ngroups; g++)
        n += 2 + m->groups[g].n;
    uint64_t small[64];
    uint64_t *w = n <= 64 ? small : base_arena_alloc(o->ctx->arena, n * sizeof(*w));
    if (w == NULL) {
        ofc_oom(o);
        return 0;
    }
    size_t i = 0;
    w[i++] = UINT64_MAX; /* a map, never a field's first word (a pointer) */
    for (size_t g = 0; g < m->ngroups; g++) {
        const ofc_group *grp = &m->groups[g];
        w[i++] = ofc_intern_string(o, grp->response_name, strlen(grp->response_name));
        w[i++] = grp->n;
        for (size_t k = 0; k < grp->n; k++)
            w[i++] = ofc_field_class(o, &grp->fields[k]);
    }
    for (size_t k = 0; k < m->fragments.len; k++) {
        const char *name = m->fragments.items[k];
        w[i++] = ofc_intern_string(o, name, strlen(name));
    }
    w[i++] = m->fragments.len;
    o->depth--;
    m->cls = ofc_halted(o) ? 0 : intern_words(o, w, i);
    return m->cls;
}
