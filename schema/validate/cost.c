/*
 * cost: the static cost of an operation (schema/gql_cost.h says what is
 * counted and how). One pass over the operation's text: each selection set
 * is costed per instance of its parent and multiplied by how many instances
 * the parent field may produce; a fragment is costed once and its figures
 * reused at every spread, so the pass is linear in the text whatever the
 * fragments expand to.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/gql_cost.h"
#include "schema/validate/validate_internal.h"

/* Fields and fragment spreads followed in one chain before costing gives up (the document limits stop far
 * sooner). */
enum { MAX_NESTING = 5000, MAX_INPUT_DEPTH = 8 };

typedef struct frag_memo {
    int state; /* 0 not costed, 1 being costed, 2 costed */
    gql_cost cost;
} frag_memo;

/* The sizing a field's @listSize(sizedFields) hands to its subfields. */
typedef struct sizing {
    const gql_value *names; /* the sizedFields list */
    double size;
} sizing;

typedef struct coster {
    const gql_schema *schema;
    const gql_cost_sizes *sizes;
    gql_errors *errors;
    base_arena *arena;
    gqlv_map fragments; /* name -> gql_definition */
    gqlv_map memo;      /* name -> frag_memo */
    size_t nesting;
    size_t found;
    bool failed;
} coster;

static double sat(double x)
{
    return x > GQL_COST_MAX ? GQL_COST_MAX : x;
}

/* ---- weights ---- */

/* A weight as the specification writes it: a String holding a Float (an Int or Float literal accepted too).
 */
static bool parse_weight(const gql_value *v, double *out)
{
    if (v == NULL || (v->kind != GQL_VALUE_STRING && v->kind != GQL_VALUE_INT && v->kind != GQL_VALUE_FLOAT))
        return false;
    const char *s = v->text.ptr;
    /* Only decimal notation: strtod would also read "inf", "nan" and hexadecimal. */
    if (*s == '\0' || strspn(s, "+-0123456789.eE") != strlen(s))
        return false;
    char *end;
    double w = strtod(s, &end);
    if (*end != '\0' || !isfinite(w))
        return false;
    *out = w;
    return true;
}

static bool cost_directive(const gql_directives *dirs, double *out)
{
    const gql_directive *d = gql_applied_directive(dirs, "cost");
    return d != NULL && parse_weight(gql_directive_arg(d, "weight"), out);
}

/* A type's weight: its @cost, the most of its possible types for an abstract one, else 1 or 0. */
static double type_weight(const gql_typedef *t)
{
    double w;
    if (cost_directive(t->directives, &w))
        return w < 0 ? 0 : w;
    if (t->kind == GQL_INTERFACE || t->kind == GQL_UNION) {
        const gql_typedef *const *objects = t->kind == GQL_INTERFACE ? t->implementations : t->members;
        size_t n = t->kind == GQL_INTERFACE ? t->nimplementations : t->nmembers;
        double most = n > 0 ? 0 : 1;
        for (size_t i = 0; i < n; i++)
            if (type_weight(objects[i]) > most)
                most = type_weight(objects[i]);
        return most;
    }
    return gql_type_is_composite(t) ? 1 : 0;
}

/* A field's own weight: its @cost, else its type's; on an interface, the most of the implementations' field.
 */
static double field_weight(const gql_typedef *parent, const gql_fielddef *def)
{
    double w;
    if (parent != NULL && parent->kind == GQL_INTERFACE && parent->nimplementations > 0) {
        double most = 0;
        for (size_t i = 0; i < parent->nimplementations; i++) {
            const gql_fielddef *f = gql_type_field(parent->implementations[i], def->name, strlen(def->name));
            double fw = f != NULL ? field_weight(parent->implementations[i], f) : 0;
            most = fw > most ? fw : most;
        }
        return most;
    }
    if (cost_directive(def->directives, &w))
        return w;
    return type_weight(gql_tref_named(def->type));
}

/* An argument's or input field's weight: its @cost, else 1 for an input object and 0 for a scalar or enum. */
static double input_weight(const gql_argdef *def)
{
    double w;
    if (cost_directive(def->directives, &w))
        return w;
    return gql_tref_named(def->type)->kind == GQL_INPUT_OBJECT ? 1 : 0;
}

static double input_cost(const gql_argdef *def, const gql_value *value, int depth);

/* The input fields a value of an input object type uses. */
static double input_fields_cost(const gql_typedef *type, const gql_value *value, int depth)
{
    if (type->kind != GQL_INPUT_OBJECT || value == NULL || depth > MAX_INPUT_DEPTH)
        return 0;
    double sum = 0;
    if (value->kind == GQL_VALUE_LIST) {
        for (const gql_value *item = value->list.first; item != NULL; item = item->next)
            sum += input_fields_cost(type, item, depth + 1);
    } else if (value->kind == GQL_VALUE_OBJECT) {
        for (const gql_object_field *f = value->object.first; f != NULL; f = f->next)
            for (size_t i = 0; i < type->ninput_fields; i++)
                if (strcmp(type->input_fields[i].name, f->name.ptr) == 0)
                    sum += input_cost(&type->input_fields[i], f->value, depth + 1);
    } else if (value->kind == GQL_VALUE_VARIABLE) {
        /* Which fields a variable's object holds is not known here: each field's positive weight, once. */
        for (size_t i = 0; i < type->ninput_fields; i++) {
            double c = input_cost(&type->input_fields[i], value, depth + 1);
            sum += c > 0 ? c : 0;
        }
    }
    return sum;
}

/* An argument's (or input field's) cost: its weight plus the input fields its value uses (5.3.2.2). */
static double input_cost(const gql_argdef *def, const gql_value *value, int depth)
{
    return sat(input_weight(def) + input_fields_cost(gql_tref_named(def->type), value, depth));
}

/* ---- @skip and @include with literal conditions ---- */

static bool literal_if(const gql_directive *d, bool *out)
{
    for (const gql_argument *a = d->args.first; a != NULL; a = a->next)
        if (strcmp(a->name.ptr, "if") == 0 && a->value->kind == GQL_VALUE_BOOLEAN) {
            *out = a->value->boolean;
            return true;
        }
    return false;
}

/* True when a literal @skip(if: true) or @include(if: false) removes the selection. */
static bool removed(const gql_directives *dirs)
{
    bool cond;
    for (const gql_directive *d = dirs->first; d != NULL; d = d->next) {
        if (strcmp(d->name.ptr, "skip") == 0 && literal_if(d, &cond) && cond)
            return true;
        if (strcmp(d->name.ptr, "include") == 0 && literal_if(d, &cond) && !cond)
            return true;
    }
    return false;
}

/*
 * The directives used on a field: each its arguments' costs (5.3.2.2; such a
 * sum may be negative: the specification's @approx example lowers the cost of
 * the fields that use it; only the field's total stops at zero).
 */
static double directives_cost(const coster *c, const gql_directives *dirs)
{
    double sum = 0;
    for (const gql_directive *d = dirs->first; d != NULL; d = d->next) {
        const gql_directivedef *def = gql_schema_directive(c->schema, d->name.ptr, d->name.len);
        for (const gql_argument *a = d->args.first; a != NULL && def != NULL; a = a->next)
            for (size_t i = 0; i < def->nargs; i++)
                if (strcmp(def->args[i].name, a->name.ptr) == 0)
                    sum += input_cost(&def->args[i], a->value, 0);
    }
    return sum;
}

/* ---- list sizes (8) ---- */

static const gql_argument *given(const gql_selection *sel, const char *name)
{
    for (const gql_argument *a = sel->args.first; a != NULL; a = a->next)
        if (strcmp(a->name.ptr, name) == 0)
            return a;
    return NULL;
}

static double capped(const coster *c, double v)
{
    if (v < 0)
        return 0;
    return v > c->sizes->list_max ? c->sizes->list_max : v;
}

/* An Int literal's value, or -1 when the value is no Int literal. */
static double int_literal(const gql_value *v)
{
    return v != NULL && v->kind == GQL_VALUE_INT ? strtod(v->text.ptr, NULL) : -1;
}

static bool list_has(const gql_value *list, const char *name)
{
    if (list == NULL)
        return false;
    if (list->kind == GQL_VALUE_STRING)
        return strcmp(list->text.ptr, name) == 0; /* a lone value coerces to a list of one */
    for (const gql_value *v = list->kind == GQL_VALUE_LIST ? list->list.first : NULL; v != NULL; v = v->next)
        if (v->kind == GQL_VALUE_STRING && strcmp(v->text.ptr, name) == 0)
            return true;
    return false;
}

/*
 * The size @listSize gives a field: its slicing arguments' largest value
 * (given, else defaulted), else assumedSize; with neither, list_default when
 * slicing arguments exist, list_max when none do. A field without @listSize:
 * list_max.
 */
static double sized_by_directive(coster *c, const gql_typedef *parent, const gql_fielddef *def,
                                 const gql_selection *sel)
{
    const gql_directive *ls = gql_applied_directive(def->directives, "listSize");
    if (ls == NULL)
        return c->sizes->list_max;
    const gql_value *slicing = gql_directive_arg(ls, "slicingArguments");
    const gql_value *require = gql_directive_arg(ls, "requireOneSlicingArgument");
    bool require_one = require == NULL || require->kind != GQL_VALUE_BOOLEAN || require->boolean;
    double explicit_max = -1, default_max = -1;
    size_t explicit_count = 0, slicing_count = 0;
    for (size_t i = 0; i < def->nargs; i++) {
        const gql_argdef *arg = &def->args[i];
        if (!list_has(slicing, arg->name))
            continue;
        slicing_count++;
        const gql_argument *a = given(sel, arg->name);
        if (a != NULL && a->value->kind != GQL_VALUE_NULL) {
            explicit_count++;
            double v = a->value->kind == GQL_VALUE_VARIABLE ? c->sizes->list_max : int_literal(a->value);
            explicit_max = v > explicit_max ? v : explicit_max;
        } else if (arg->default_value != NULL && int_literal(arg->default_value) >= 0) {
            double v = int_literal(arg->default_value);
            default_max = v > default_max ? v : default_max;
        }
    }
    if (slicing_count > 0 && require_one &&
        (explicit_count > 1 || (explicit_count == 0 && default_max < 0))) {
        gql_errors_add(c->errors, &sel->loc,
                       "Field \"%s.%s\" must be given exactly one of its slicing arguments.", parent->name,
                       def->name);
        c->found++;
    }
    if (explicit_max >= 0)
        return capped(c, explicit_max);
    if (default_max >= 0)
        return capped(c, default_max);
    double assumed = int_literal(gql_directive_arg(ls, "assumedSize"));
    if (assumed >= 0)
        return capped(c, assumed);
    return slicing_count > 0 ? c->sizes->list_default : c->sizes->list_max;
}

/* How many values of its named type one resolution of a field produces: the product over its list wrappers.
 */
static double values_per_resolution(const gql_fielddef *def, double first_size, double list_max)
{
    double n = 1;
    bool first = true;
    for (const gql_tref *r = def->type; r != NULL; r = r->of)
        if (r->wrap == GQL_TYPE_LIST) {
            n = sat(n * (first ? first_size : list_max));
            first = false;
        }
    return n;
}

static bool is_list(const gql_fielddef *def)
{
    for (const gql_tref *r = def->type; r != NULL; r = r->of)
        if (r->wrap == GQL_TYPE_LIST)
            return true;
    return false;
}

/* ---- selections ---- */

static void cost_set(coster *c, const gql_typedef *type, const gql_selection_set *set, const sizing *sz,
                     gql_cost *out);

static void add_scaled(gql_cost *into, const gql_cost *c, double times)
{
    into->type = sat(into->type + sat(c->type * times));
    into->field = sat(into->field + sat(c->field * times));
}

static void cost_field(coster *c, const gql_typedef *parent, const gql_selection *sel, const sizing *sz,
                       gql_cost *out)
{
    const gql_schema *s = c->schema;
    const gql_fielddef *def = gql_type_field_meta(s, parent, sel->name.ptr, sel->name.len);
    if (def == NULL || def == s->meta_schema || def == s->meta_type || def == s->meta_typename)
        return; /* introspection and __typename read the schema in memory: free */
    double raw = field_weight(parent, def) + directives_cost(c, &sel->directives);
    for (const gql_argument *a = sel->args.first; a != NULL; a = a->next) {
        const gql_argdef *arg = gql_field_arg(def, a->name.ptr, a->name.len);
        if (arg != NULL)
            raw += input_cost(arg, a->value, 0);
    }
    out->field = sat(out->field + (raw > 0 ? raw : 0));

    /* The size of its own list: handed down by the parent's sizedFields, else its own @listSize. */
    const gql_directive *ls = gql_applied_directive(def->directives, "listSize");
    const gql_value *sized_fields = ls != NULL ? gql_directive_arg(ls, "sizedFields") : NULL;
    double own = c->sizes->list_max, handed = -1;
    if (sz != NULL && list_has(sz->names, def->name))
        own = sz->size;
    else if (is_list(def) && sized_fields == NULL)
        own = sized_by_directive(c, parent, def, sel);
    if (sized_fields != NULL)
        handed = sized_by_directive(c, parent, def, sel);
    const gql_typedef *named = gql_tref_named(def->type);
    double values = values_per_resolution(def, own, c->sizes->list_max);
    out->type = sat(out->type + sat(values * type_weight(named)));
    if (sel->selection_set == NULL || !gql_type_is_composite(named))
        return;
    sizing handed_sizing = {sized_fields, handed};
    gql_cost sub = {0, 0};
    cost_set(c, named, sel->selection_set, handed >= 0 ? &handed_sizing : NULL, &sub);
    add_scaled(out, &sub, values);
}

static void cost_fragment(coster *c, const gql_selection *spread, const sizing *sz, gql_cost *out)
{
    const gql_definition *def = gqlv_map_get(&c->fragments, spread->name.ptr, spread->name.len);
    const gql_typedef *type =
        def != NULL ? gql_schema_type(c->schema, def->type_condition.ptr, def->type_condition.len) : NULL;
    if (type == NULL)
        return; /* unknown: validation reports it */
    if (sz != NULL) {
        /* Sized subfields depend on where the fragment is spread: costed here, not remembered. */
        cost_set(c, type, def->selection_set, sz, out);
        return;
    }
    void **slot = gqlv_map_slot(&c->memo, spread->name.ptr, spread->name.len);
    frag_memo *m = slot != NULL ? *slot : NULL;
    if (slot != NULL && m == NULL && (m = base_arena_calloc(c->arena, 1, sizeof(*m))) != NULL)
        *slot = m;
    if (m == NULL) {
        c->failed = true;
        return;
    }
    if (m->state == 0) {
        m->state = 1;
        cost_set(c, type, def->selection_set, NULL, &m->cost);
        m->state = 2;
    }
    if (m->state == 2)
        add_scaled(out, &m->cost, 1);
}

static void cost_set(coster *c, const gql_typedef *type, const gql_selection_set *set, const sizing *sz,
                     gql_cost *out)
{
    if (c->failed || set == NULL)
        return;
    if (++c->nesting > MAX_NESTING) {
        c->failed = true;
        return;
    }
    for (const gql_selection *sel = set->first; sel != NULL && !c->failed; sel = sel->next) {
        if (removed(&sel->directives))
            continue;
        if (sel->kind == GQL_SELECTION_FIELD) {
            cost_field(c, type, sel, sz, out);
        } else if (sel->kind == GQL_SELECTION_INLINE_FRAGMENT) {
            const gql_typedef *t =
                sel->type_condition.ptr != NULL
                    ? gql_schema_type(c->schema, sel->type_condition.ptr, sel->type_condition.len)
                    : type;
            cost_set(c, t != NULL ? t : type, sel->selection_set, sz, out);
        } else {
            cost_fragment(c, sel, sz, out);
        }
    }
    c->nesting--;
}

size_t gql_cost_operation(const gql_schema *schema, const gql_document *doc, const gql_definition *operation,
                          const gql_cost_sizes *sizes, gql_cost *out, gql_errors *errors)
{
    *out = (gql_cost){0, 0};
    const gql_typedef *root = operation->operation == GQL_OP_MUTATION       ? schema->mutation
                              : operation->operation == GQL_OP_SUBSCRIPTION ? schema->subscription
                                                                            : schema->query;
    if (root == NULL)
        return 0; /* not served: validation said so */
    base_arena scratch;
    base_arena_init(&scratch, 0);
    coster c = {.schema = schema, .sizes = sizes, .errors = errors, .arena = &scratch};
    gqlv_map_init(&c.fragments, &scratch);
    gqlv_map_init(&c.memo, &scratch);
    for (const gql_definition *d = doc->first; d != NULL && !c.failed; d = d->next) {
        void **slot =
            d->kind == GQL_DEF_FRAGMENT ? gqlv_map_slot(&c.fragments, d->name.ptr, d->name.len) : NULL;
        if (d->kind == GQL_DEF_FRAGMENT && slot == NULL)
            c.failed = true;
        else if (slot != NULL)
            *slot = (void *)d;
    }
    out->type = type_weight(root); /* the root object itself: one value of its type */
    cost_set(&c, root, operation->selection_set, NULL, out);
    if (c.failed) {
        /* Out of memory, or nesting past any document limit: counted as the most it could be. */
        *out = (gql_cost){GQL_COST_MAX, GQL_COST_MAX};
    }
    base_arena_free(&scratch);
    return c.found;
}

const char *gql_cost_format(double cost, char *buf, size_t size)
{
    if (cost == floor(cost) && fabs(cost) < 1e15)
        snprintf(buf, size, "%.0f", cost);
    else
        snprintf(buf, size, "%.15g", cost);
    return buf;
}
