/*
 * The schema as graphql-js's rules see it: its type map (which holds only the
 * types a schema reaches, so an unused built-in scalar is unknown), types
 * built from the document's type references, the predicates and relations of
 * graphql-js's type utilities (isSubType, isTypeSubTypeOf, doTypesOverlap),
 * field definitions with the meta fields where TypeInfo finds them, and
 * directives, where the document's own definitions override the schema's.
 */
#include <string.h>

#include "schema/validate/validate_internal.h"

/* ---- the schema as graphql-js's type map has it ---- */

static const char *const builtin_scalar_names[] = {"String", "Int", "Float", "Boolean", "ID"};
enum { BUILTIN_SCALARS = 5 };

static int builtin_scalar_index(const gql_typedef *t)
{
    if (t == NULL || t->kind != GQL_SCALAR)
        return -1;
    for (int i = 0; i < BUILTIN_SCALARS; i++)
        if (strcmp(t->name, builtin_scalar_names[i]) == 0)
            return i;
    return -1;
}

static void mark_referenced(unsigned *bits, const gql_tref *ref)
{
    int i = builtin_scalar_index(gql_tref_named(ref));
    if (i >= 0)
        *bits |= 1u << i;
}

static void mark_args(unsigned *bits, const gql_argdef *args, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mark_referenced(bits, args[i].type);
}

/* graphql-js builds its type map from the types a schema reaches; an unused built-in scalar is not there. */
static unsigned unreferenced_scalars(gqlv_ctx *ctx)
{
    if (ctx->unreferenced_scalars >= 0)
        return (unsigned)ctx->unreferenced_scalars;
    const gql_schema *s = ctx->schema;
    unsigned bits = 0;
    for (size_t i = 0; i < s->ntypes; i++) {
        const gql_typedef *t = s->types[i];
        for (size_t j = 0; j < t->nfields; j++) {
            mark_referenced(&bits, t->fields[j].type);
            mark_args(&bits, t->fields[j].args, t->fields[j].nargs);
        }
        mark_args(&bits, t->input_fields, t->ninput_fields);
    }
    for (size_t i = 0; i < s->ndirectives; i++)
        mark_args(&bits, s->directives[i].args, s->directives[i].nargs);
    ctx->unreferenced_scalars = (int)(~bits & ((1u << BUILTIN_SCALARS) - 1));
    return (unsigned)ctx->unreferenced_scalars;
}

/* A type's name stands for no type (cached as this, since NULL means "not looked up yet"). */
static const char unknown_type;

const gql_typedef *gqlv_type(gqlv_ctx *ctx, const char *name, size_t len)
{
    void **slot = gqlv_map_slot(&ctx->types, name, len);
    if (slot != NULL && *slot != NULL)
        return *slot == &unknown_type ? NULL : *slot;
    const gql_typedef *t = gql_schema_type(ctx->schema, name, len);
    int i = builtin_scalar_index(t);
    if (i >= 0 && (unreferenced_scalars(ctx) & (1u << i)) != 0)
        t = NULL;
    if (slot != NULL)
        *slot = t != NULL ? (void *)t : (void *)&unknown_type;
    return t;
}

const gql_tref *gqlv_named_ref(gqlv_ctx *ctx, const gql_typedef *type)
{
    if (type == NULL)
        return NULL;
    void **slot = gqlv_map_slot_u64(&ctx->named_refs, (uint64_t)(uintptr_t)type);
    if (slot == NULL)
        return gqlv_oom(ctx);
    if (*slot == NULL) {
        gql_tref *r = base_arena_calloc(ctx->arena, 1, sizeof(*r));
        if (r == NULL)
            return gqlv_oom(ctx);
        r->wrap = GQL_TYPE_NAMED;
        r->named = type;
        *slot = r;
    }
    return *slot;
}

const gql_tref *gqlv_type_from_ast(gqlv_ctx *ctx, const gql_type_ref *ref)
{
    if (ref->kind == GQL_TYPE_NAMED)
        return gqlv_named_ref(ctx, gqlv_type(ctx, ref->name.ptr, ref->name.len));
    const gql_tref *of = gqlv_type_from_ast(ctx, ref->of);
    if (of == NULL)
        return NULL;
    gql_tref *r = base_arena_calloc(ctx->arena, 1, sizeof(*r));
    if (r == NULL)
        return gqlv_oom(ctx);
    r->wrap = ref->kind;
    r->of = of;
    return r;
}

bool gqlv_is_input_type(const gql_tref *t)
{
    if (t == NULL)
        return false;
    gql_kind k = gql_tref_named(t)->kind;
    return k == GQL_SCALAR || k == GQL_ENUM || k == GQL_INPUT_OBJECT;
}

bool gqlv_is_output_type(const gql_tref *t)
{
    return t != NULL && gql_tref_named(t)->kind != GQL_INPUT_OBJECT;
}

bool gqlv_is_leaf(const gql_typedef *t)
{
    return t != NULL && (t->kind == GQL_SCALAR || t->kind == GQL_ENUM);
}

bool gqlv_is_abstract(const gql_typedef *t)
{
    return t != NULL && (t->kind == GQL_INTERFACE || t->kind == GQL_UNION);
}

const gql_tref *gqlv_nullable(const gql_tref *t)
{
    return t != NULL && t->wrap == GQL_TYPE_NON_NULL ? t->of : t;
}

bool gqlv_is_sub_type(const gql_typedef *abstract, const gql_typedef *maybe)
{
    if (abstract->kind == GQL_UNION) {
        for (size_t i = 0; i < abstract->nmembers; i++)
            if (abstract->members[i] == maybe)
                return true;
        return false;
    }
    if (abstract->kind != GQL_INTERFACE)
        return false;
    for (size_t i = 0; i < maybe->ninterfaces; i++)
        if (maybe->interfaces[i] == abstract)
            return true;
    return false;
}

bool gqlv_is_type_sub_type_of(const gql_tref *maybe, const gql_tref *super)
{
    if (super->wrap == GQL_TYPE_NON_NULL) {
        if (maybe->wrap == GQL_TYPE_NON_NULL)
            return gqlv_is_type_sub_type_of(maybe->of, super->of);
        return false;
    }
    if (maybe->wrap == GQL_TYPE_NON_NULL)
        return gqlv_is_type_sub_type_of(maybe->of, super);
    if (super->wrap == GQL_TYPE_LIST) {
        if (maybe->wrap == GQL_TYPE_LIST)
            return gqlv_is_type_sub_type_of(maybe->of, super->of);
        return false;
    }
    if (maybe->wrap == GQL_TYPE_LIST)
        return false;
    if (maybe->named == super->named)
        return true;
    return gqlv_is_abstract(super->named) &&
           (maybe->named->kind == GQL_INTERFACE || maybe->named->kind == GQL_OBJECT) &&
           gqlv_is_sub_type(super->named, maybe->named);
}

/* The object types an abstract type may be (schema.getPossibleTypes). */
static void possible_types(const gql_typedef *t, const gql_typedef *const **list, size_t *n)
{
    if (t->kind == GQL_UNION) {
        *list = t->members;
        *n = t->nmembers;
    } else {
        *list = t->implementations;
        *n = t->nimplementations;
    }
}

bool gqlv_types_overlap(const gql_typedef *a, const gql_typedef *b)
{
    if (a == b)
        return true;
    if (gqlv_is_abstract(a)) {
        if (gqlv_is_abstract(b)) {
            const gql_typedef *const *list;
            size_t n;
            possible_types(a, &list, &n);
            for (size_t i = 0; i < n; i++)
                if (gqlv_is_sub_type(b, list[i]))
                    return true;
            return false;
        }
        return gqlv_is_sub_type(a, b);
    }
    if (gqlv_is_abstract(b))
        return gqlv_is_sub_type(b, a);
    return false;
}

const gql_fielddef *gqlv_type_field(const gql_typedef *type, const char *name, size_t len)
{
    if (type == NULL || (type->kind != GQL_OBJECT && type->kind != GQL_INTERFACE))
        return NULL;
    for (size_t i = 0; i < type->nfields; i++) {
        const char *f = type->fields[i].name;
        if (f[0] == name[0] && strncmp(f, name, len) == 0 && f[len] == '\0')
            return &type->fields[i];
    }
    return NULL;
}

const gql_fielddef *gqlv_field_def(const gqlv_ctx *ctx, const gql_typedef *parent, const char *name,
                                   size_t len)
{
    if (parent == NULL)
        return NULL;
    const gql_schema *s = ctx->schema;
    if (name[0] == '_' && name[1] == '_') {
        if (parent == s->query && len == 8 && memcmp(name, "__schema", 8) == 0)
            return s->meta_schema;
        if (parent == s->query && len == 6 && memcmp(name, "__type", 6) == 0)
            return s->meta_type;
        if (len == 10 && memcmp(name, "__typename", 10) == 0 && gql_type_is_composite(parent))
            return s->meta_typename;
    }
    return gqlv_type_field(parent, name, len);
}

/* ---- directives: the document's own definitions override the schema's, as in graphql-js's rules ---- */

static unsigned location_bits(const gql_name_list *locations)
{
    unsigned bits = 0;
    for (const gql_name_list *l = locations; l != NULL; l = l->next)
        for (unsigned i = 0; i < GQL_DIRLOC_COUNT; i++)
            if (strcmp(gql_directive_location_name(i), l->name.ptr) == 0)
                bits |= 1u << i;
    return bits;
}

bool gqlv_directive_lookup(gqlv_ctx *ctx, const char *name, size_t len, gqlv_directive *out)
{
    memset(out, 0, sizeof(*out));
    const gql_definition *d =
        ctx->doc_directives.count ? gqlv_map_get(&ctx->doc_directives, name, len) : NULL;
    if (d != NULL) {
        out->name = d->name.ptr;
        out->locations = location_bits(d->locations);
        out->repeatable = d->repeatable;
        out->doc_def = d;
        return true;
    }
    const gql_directivedef *def = gql_schema_directive(ctx->schema, name, len);
    if (def == NULL)
        return false;
    out->name = def->name;
    out->locations = def->locations;
    out->repeatable = def->repeatable;
    out->schema_def = def;
    return true;
}
