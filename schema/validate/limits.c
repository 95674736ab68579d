/*
 * Document limits (issue 3's "depth, aliases, total fields"): how large an
 * operation becomes once its fragments are expanded, measured without
 * expanding them. Each fragment is measured once and its figures reused at
 * every spread, so a fragment bomb (20 levels of ten spreads each: 10^20
 * fields) costs a pass over its text, and counts saturate instead of
 * overflowing.
 *
 * What is measured, per operation:
 *  - depth: the most fields on a path from the root, fragments expanded
 *    (`{ a { b } }` is 2; inline fragments and spreads add no level);
 *  - fields: every field selection after expansion, __typename included;
 *  - aliases: per selection set, the aliased fields that end up in it once
 *    its inline fragments and spreads are merged in (what multiplies the work
 *    of one resolver). Each set is judged where it is written, so a
 *    fragment's inner sets are judged once, whatever spreads it;
 *  - root fields: the field selections of the operation's own set once its
 *    fragments are merged in (each one a SQL statement, or introspection);
 * and, per document, the operations it defines.
 * Cycles are validation's to report (NoFragmentCycles); here a fragment
 * already being measured counts as empty.
 */
#include <string.h>

#include "schema/gql_validate.h"
#include "schema/validate/validate_internal.h"

/* Fields and fragment spreads followed in one chain before measuring gives up. */
enum { MAX_NESTING = 5000 };

typedef struct figures {
    size_t depth;
    size_t fields;
    size_t aliases;  /* merged into the set measured */
    size_t selected; /* field selections merged into the set measured (at the root: the root fields) */
} figures;

typedef struct fragment_figures {
    int state; /* 0 unmeasured, 1 being measured, 2 measured */
    figures f;
} fragment_figures;

typedef struct measurer {
    base_arena *arena;
    const gql_doc_limits *limits;
    gql_errors *errors;
    gqlv_map fragments; /* name -> the last gql_definition of that name */
    gqlv_map measured;  /* name -> fragment_figures * */
    size_t nesting;
    size_t found; /* errors added */
    bool aliases_reported;
    bool failed; /* out of memory or too deep: stop */
} measurer;

static size_t add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static void fail(measurer *m, const gql_loc *loc, const char *message)
{
    if (!m->failed) {
        gql_errors_add(m->errors, loc, "%s", message);
        m->found++;
    }
    m->failed = true;
}

static void merge(figures *into, const figures *f)
{
    if (f->depth > into->depth)
        into->depth = f->depth;
    into->fields = add(into->fields, f->fields);
    into->aliases = add(into->aliases, f->aliases);
    into->selected = add(into->selected, f->selected);
}

static void measure_set(measurer *m, const gql_selection_set *set, figures *out);

static void measure_fragment(measurer *m, const gql_str *name, figures *out)
{
    const gql_definition *def = gqlv_map_get(&m->fragments, name->ptr, name->len);
    if (def == NULL)
        return; /* unknown: KnownFragmentNames reports it */
    void **slot = gqlv_map_slot(&m->measured, name->ptr, name->len);
    if (slot == NULL) {
        fail(m, NULL, "Out of memory.");
        return;
    }
    fragment_figures *ff = *slot;
    if (ff == NULL) {
        if ((ff = base_arena_calloc(m->arena, 1, sizeof(*ff))) == NULL) {
            fail(m, NULL, "Out of memory.");
            return;
        }
        *slot = ff;
    }
    if (ff->state == 0) {
        ff->state = 1;
        measure_set(m, def->selection_set, &ff->f);
        ff->state = 2;
    }
    if (ff->state == 2)
        merge(out, &ff->f);
}

static void check_aliases(measurer *m, const gql_selection_set *set, size_t aliases)
{
    size_t max = m->limits->max_aliases;
    if (max == 0 || aliases <= max || m->aliases_reported)
        return;
    m->aliases_reported = true;
    if (aliases == SIZE_MAX)
        gql_errors_add(m->errors, &set->loc, "A selection set exceeds the maximum of %zu aliases.", max);
    else
        gql_errors_add(m->errors, &set->loc,
                       "A selection set exceeds the maximum of %zu aliases (found %zu).", max, aliases);
    m->found++;
}

static void measure_set(measurer *m, const gql_selection_set *set, figures *out)
{
    memset(out, 0, sizeof(*out));
    if (m->failed)
        return;
    if (++m->nesting > MAX_NESTING) {
        fail(m, &set->loc, "Query nests selections and fragments too deeply to be measured.");
        return;
    }
    for (const gql_selection *sel = set->first; sel != NULL && !m->failed; sel = sel->next) {
        figures f = {0};
        switch (sel->kind) {
        case GQL_SELECTION_FIELD:
            out->aliases = add(out->aliases, sel->alias.ptr != NULL);
            out->selected = add(out->selected, 1);
            if (sel->selection_set != NULL) {
                measure_set(m, sel->selection_set, &f);
                check_aliases(m, sel->selection_set, f.aliases);
            }
            f.depth++;
            f.fields = add(f.fields, 1);
            f.aliases = 0; /* the subfields' aliases belong to their own set */
            f.selected = 0;
            break;
        case GQL_SELECTION_INLINE_FRAGMENT:
            measure_set(m, sel->selection_set, &f);
            break;
        case GQL_SELECTION_FRAGMENT_SPREAD:
            measure_fragment(m, &sel->name, &f);
            break;
        }
        merge(out, &f);
    }
    m->nesting--;
}

size_t gql_validate_limits(const gql_schema *schema, const gql_document *doc, const gql_doc_limits *limits,
                           gql_errors *errors)
{
    (void)schema;
    base_arena scratch;
    base_arena_init(&scratch, 0);
    measurer m = {.arena = &scratch, .limits = limits, .errors = errors};
    gqlv_map_init(&m.fragments, &scratch);
    gqlv_map_init(&m.measured, &scratch);
    for (const gql_definition *d = doc->first; d != NULL && !m.failed; d = d->next) {
        void **slot =
            d->kind == GQL_DEF_FRAGMENT ? gqlv_map_slot(&m.fragments, d->name.ptr, d->name.len) : NULL;
        if (d->kind == GQL_DEF_FRAGMENT && slot == NULL)
            fail(&m, NULL, "Out of memory.");
        else if (slot != NULL)
            *slot = (void *)d;
    }
    bool depth_reported = false, fields_reported = false, roots_reported = false;
    size_t operations = 0;
    for (const gql_definition *d = doc->first; d != NULL; d = d->next)
        operations += d->kind == GQL_DEF_OPERATION;
    if (limits->max_operations != 0 && operations > limits->max_operations) {
        gql_errors_add(errors, NULL, "The document exceeds the maximum of %zu operations (found %zu).",
                       limits->max_operations, operations);
        m.found++;
        m.failed = true; /* each operation would be measured, and costed, for nothing */
    }
    for (const gql_definition *d = doc->first; d != NULL && !m.failed; d = d->next) {
        if (d->kind == GQL_DEF_FRAGMENT) {
            /* unused fragments too: a fragment's inner sets are judged once, wherever it is spread */
            figures f = {0};
            m.nesting = 0;
            measure_fragment(&m, &d->name, &f);
            continue;
        }
        if (d->kind != GQL_DEF_OPERATION)
            continue;
        figures f;
        m.nesting = 0;
        measure_set(&m, d->selection_set, &f);
        if (m.failed)
            break;
        check_aliases(&m, d->selection_set, f.aliases);
        if (limits->max_root_fields != 0 && f.selected > limits->max_root_fields && !roots_reported) {
            roots_reported = true;
            gql_errors_add(errors, &d->loc, "Operation exceeds the maximum of %zu root fields (found %zu).",
                           limits->max_root_fields, f.selected);
            m.found++;
        }
        if (limits->max_depth != 0 && f.depth > limits->max_depth && !depth_reported) {
            depth_reported = true;
            gql_errors_add(errors, &d->loc, "Query exceeds the maximum depth of %zu (found %zu).",
                           limits->max_depth, f.depth);
            m.found++;
        }
        if (limits->max_fields != 0 && f.fields > limits->max_fields && !fields_reported) {
            fields_reported = true;
            if (f.fields == SIZE_MAX)
                gql_errors_add(errors, &d->loc,
                               "Query exceeds the maximum of %zu fields after fragment expansion.",
                               limits->max_fields);
            else
                gql_errors_add(
                    errors, &d->loc,
                    "Query exceeds the maximum of %zu fields after fragment expansion (found %zu).",
                    limits->max_fields, f.fields);
            m.found++;
        }
    }
    base_arena_free(&scratch);
    return m.found;
}
