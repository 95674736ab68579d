#include "schema/gql_introspect.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "schema/gql_value_print.h"

/*
 * Execution walks values that are (kind, pointer) pairs over the schema's own
 * structs; nothing is copied. A list is materialized as an array of values in
 * the request's arena when a field returns one.
 */
typedef enum ikind {
    IK_NULL,
    IK_STRING,
    IK_BOOL,
    IK_LIST,
    IK_SCHEMA,
    IK_TYPE, /* a named gql_typedef */
    IK_WRAP, /* a LIST or NON_NULL gql_tref */
    IK_FIELD,
    IK_INPUT, /* an argument or an input field (gql_argdef) */
    IK_ENUM_VALUE,
    IK_DIRECTIVE,
} ikind;

typedef struct ival ival;
struct ival {
    ikind kind;
    const void *ptr;   /* the schema object */
    const char *str;   /* IK_STRING */
    bool boolean;      /* IK_BOOL */
    const ival *items; /* IK_LIST */
    size_t count;
};

/* Collected sub-selections per (field group, object type): every object at one place in the query shares
 * them. */
typedef struct memo memo;
struct memo {
    const gql_field_group *group;
    const gql_typedef *type;
    gql_field_groups sub;
    memo *next;
};

enum { MEMO_BUCKETS = 64, MAX_BUILTIN_TYPES = 32 };

typedef struct introspector {
    const gql_exec_ctx *ctx;
    const gql_schema *schema;
    base_buf *out;
    const gql_typedef **types; /* what __schema.types lists, computed on first need */
    size_t ntypes;
    const gql_directivedef **directives; /* in graphql-js's order, computed on first need */
    memo *memos[MEMO_BUCKETS];
} introspector;

static bool name_is(const char *name, const char *want)
{
    return strcmp(name, want) == 0;
}

/* ---- which types and directives, in which order ---- */

static bool is_builtin_type(const gql_typedef *t)
{
    static const char *const scalars[] = {"Int", "Float", "String", "Boolean", "ID"};
    if (strncmp(t->name, "__", 2) == 0)
        return true;
    for (size_t i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
        if (name_is(t->name, scalars[i]))
            return true;
    return false;
}

typedef struct type_order {
    const gql_typedef **items;
    size_t n, cap;
    const gql_typedef *builtins[MAX_BUILTIN_TYPES];
    size_t nbuiltins;
} type_order;

static void reach(type_order *o, const gql_typedef *t);

static void reach_refs(type_order *o, const gql_typedef *t)
{
    for (size_t i = 0; i < t->ninterfaces; i++)
        reach(o, t->interfaces[i]);
    for (size_t i = 0; i < t->nfields; i++) {
        reach(o, gql_tref_named(t->fields[i].type));
        for (size_t j = 0; j < t->fields[i].nargs; j++)
            reach(o, gql_tref_named(t->fields[i].args[j].type));
    }
    for (size_t i = 0; i < t->nmembers; i++)
        reach(o, t->members[i]);
    for (size_t i = 0; i < t->ninput_fields; i++)
        reach(o, gql_tref_named(t->input_fields[i].type));
}

/* A built-in type joins the list where graphql-js's collectReferencedTypes first meets it. */
static void reach(type_order *o, const gql_typedef *t)
{
    if (t == NULL || !is_builtin_type(t))
        return; /* the SDL's types are all listed, in definition order */
    for (size_t i = 0; i < o->nbuiltins; i++)
        if (o->builtins[i] == t)
            return;
    if (o->nbuiltins == MAX_BUILTIN_TYPES || o->n == o->cap)
        return;
    o->builtins[o->nbuiltins++] = t;
    o->items[o->n++] = t;
    reach_refs(o, t);
}

static bool is_specified_directive(const gql_directivedef *d)
{
    return name_is(d->name, "include") || name_is(d->name, "skip") || name_is(d->name, "deprecated") ||
           name_is(d->name, "specifiedBy");
}

/*
 * graphql-js's buildSchema: the directives are the SDL's, then the specified
 * ones; the types are the SDL's in definition order, each followed by the
 * built-in scalars it is the first to reference, then what the directives'
 * arguments and the introspection types reference. So Int, Float and ID
 * appear only when something uses them.
 */
static int compute_order(introspector *in)
{
    const gql_schema *s = in->schema;
    base_arena *a = in->ctx->arena;
    in->directives =
        base_arena_calloc(a, s->ndirectives ? s->ndirectives : 1, sizeof(const gql_directivedef *));
    type_order o = {.items = base_arena_calloc(a, s->ntypes ? s->ntypes : 1, sizeof(const gql_typedef *)),
                    .cap = s->ntypes};
    if (in->directives == NULL || o.items == NULL)
        return -1;
    size_t nd = 0;
    for (int specified = 0; specified < 2; specified++)
        for (size_t i = 0; i < s->ndirectives; i++)
            if (is_specified_directive(&s->directives[i]) == (specified == 1))
                in->directives[nd++] = &s->directives[i];
    for (size_t i = 0; i < s->ntypes; i++) {
        if (is_builtin_type(s->types[i]))
            continue;
        o.items[o.n++] = s->types[i];
        reach_refs(&o, s->types[i]);
    }
    for (size_t i = 0; i < nd; i++)
        for (size_t j = 0; j < in->directives[i]->nargs; j++)
            reach(&o, gql_tref_named(in->directives[i]->args[j].type));
    reach(&o, gql_schema_type(s, "__Schema", 8));
    in->types = o.items;
    in->ntypes = o.n;
    return 0;
}

static int ensure_order(introspector *in)
{
    return in->types != NULL ? 0 : compute_order(in);
}

/* __InputValue.defaultValue: the printed default, or NULL when there is none (or it does not coerce). */
static const char *default_value_text(introspector *in, const gql_argdef *arg)
{
    if (arg->default_value == NULL)
        return NULL;
    base_buf b;
    base_buf_init(&b);
    bool coerces = gql_value_print_coerced(&b, arg->default_value, arg->type);
    const char *text = coerces && !b.failed ? base_arena_strndup(in->ctx->arena, b.data, b.len) : NULL;
    base_buf_free(&b);
    return text;
}

/* ---- field resolution over schema objects ---- */

static ival v_null(void)
{
    return (ival){.kind = IK_NULL};
}

static ival v_str(const char *s)
{
    return s != NULL ? (ival){.kind = IK_STRING, .str = s} : v_null();
}

static ival v_bool(bool b)
{
    return (ival){.kind = IK_BOOL, .boolean = b};
}

static ival v_obj(ikind kind, const void *p)
{
    return p != NULL ? (ival){.kind = kind, .ptr = p} : v_null();
}

static ival v_tref(const gql_tref *r)
{
    return r->wrap == GQL_TYPE_NAMED ? v_obj(IK_TYPE, r->named) : v_obj(IK_WRAP, r);
}

static ival *new_list(introspector *in, size_t n, ival *res)
{
    ival *items = base_arena_calloc(in->ctx->arena, n ? n : 1, sizeof(*items));
    *res = (ival){.kind = IK_LIST, .items = items};
    return items;
}

/* The includeDeprecated argument (default false): through gql_exec_arg, so variables work. */
static int include_deprecated(introspector *in, const gql_field_group *g, const gql_path *path, bool *all)
{
    const gql_value *v;
    if (gql_exec_arg(in->ctx, g, "includeDeprecated", path, &v) != 0)
        return -1;
    *all = v != NULL && v->kind == GQL_VALUE_BOOLEAN && v->boolean;
    return 0;
}

static int list_types(introspector *in, const gql_typedef *const *types, size_t n, ival *res)
{
    ival *items = new_list(in, n, res);
    if (items == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        items[res->count++] = v_obj(IK_TYPE, types[i]);
    return 0;
}

static int list_inputs(introspector *in, const gql_argdef *args, size_t n, bool all, ival *res)
{
    ival *items = new_list(in, n, res);
    if (items == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (all || args[i].deprecation_reason == NULL)
            items[res->count++] = v_obj(IK_INPUT, &args[i]);
    return 0;
}

static int resolve_schema(introspector *in, const char *f, ival *res)
{
    const gql_schema *s = in->schema;
    if (name_is(f, "description")) {
        *res = v_str(s->description);
    } else if (name_is(f, "queryType")) {
        *res = v_obj(IK_TYPE, s->query);
    } else if (name_is(f, "mutationType")) {
        *res = v_obj(IK_TYPE, s->mutation);
    } else if (name_is(f, "subscriptionType")) {
        *res = v_obj(IK_TYPE, s->subscription);
    } else if (name_is(f, "types")) {
        return ensure_order(in) != 0 ? -1 : list_types(in, in->types, in->ntypes, res);
    } else if (name_is(f, "directives")) {
        if (ensure_order(in) != 0)
            return -1;
        ival *items = new_list(in, s->ndirectives, res);
        if (items == NULL)
            return -1;
        for (size_t i = 0; i < s->ndirectives; i++)
            items[res->count++] = v_obj(IK_DIRECTIVE, in->directives[i]);
    }
    return 0;
}

/* __Type's fields; *res is null on entry, and stays null for what does not apply to the kind of type. */
static int resolve_type(introspector *in, const ival *obj, const gql_field_group *g, const gql_path *path,
                        ival *res)
{
    static const char *const kinds[] = {"SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT"};
    const char *f = g->def->name;
    const gql_typedef *t = obj->kind == IK_TYPE ? obj->ptr : NULL;
    const gql_tref *w = obj->kind == IK_WRAP ? obj->ptr : NULL;
    if (w != NULL) { /* LIST and NON_NULL have a kind and an ofType, nothing else */
        if (name_is(f, "kind"))
            *res = v_str(w->wrap == GQL_TYPE_LIST ? "LIST" : "NON_NULL");
        else if (name_is(f, "ofType"))
            *res = v_tref(w->of);
        return 0;
    }
    if (t == NULL)
        return 0;
    bool has_fields = t->kind == GQL_OBJECT || t->kind == GQL_INTERFACE, all;
    if (name_is(f, "kind")) {
        *res = v_str(kinds[t->kind]);
    } else if (name_is(f, "name")) {
        *res = v_str(t->name);
    } else if (name_is(f, "description")) {
        *res = v_str(t->description);
    } else if (name_is(f, "specifiedByURL")) {
        *res = v_str(t->kind == GQL_SCALAR ? t->specified_by_url : NULL);
    } else if (name_is(f, "interfaces") && has_fields) {
        return list_types(in, t->interfaces, t->ninterfaces, res);
    } else if (name_is(f, "possibleTypes") && t->kind == GQL_INTERFACE) {
        return list_types(in, t->implementations, t->nimplementations, res);
    } else if (name_is(f, "possibleTypes") && t->kind == GQL_UNION) {
        return list_types(in, t->members, t->nmembers, res);
    } else if (name_is(f, "inputFields") && t->kind == GQL_INPUT_OBJECT) {
        if (include_deprecated(in, g, path, &all) != 0)
            return -1;
        return list_inputs(in, t->input_fields, t->ninput_fields, all, res);
    } else if (name_is(f, "fields") && has_fields) {
        if (include_deprecated(in, g, path, &all) != 0)
            return -1;
        ival *items = new_list(in, t->nfields, res);
        if (items == NULL)
            return -1;
        for (size_t i = 0; i < t->nfields; i++)
            if (all || t->fields[i].deprecation_reason == NULL)
                items[res->count++] = v_obj(IK_FIELD, &t->fields[i]);
    } else if (name_is(f, "enumValues") && t->kind == GQL_ENUM) {
        if (include_deprecated(in, g, path, &all) != 0)
            return -1;
        ival *items = new_list(in, t->nvalues, res);
        if (items == NULL)
            return -1;
        for (size_t i = 0; i < t->nvalues; i++)
            if (all || t->values[i].deprecation_reason == NULL)
                items[res->count++] = v_obj(IK_ENUM_VALUE, &t->values[i]);
    }
    return 0;
}

/* __Field, __InputValue and __EnumValue share name, description and deprecation. */
static bool resolve_common(const char *f, const char *name, const char *description, const char *reason,
                           ival *res)
{
    if (name_is(f, "name"))
        *res = v_str(name);
    else if (name_is(f, "description"))
        *res = v_str(description);
    else if (name_is(f, "isDeprecated"))
        *res = v_bool(reason != NULL);
    else if (name_is(f, "deprecationReason"))
        *res = v_str(reason);
    else
        return false;
    return true;
}

static int resolve_directive(introspector *in, const gql_directivedef *d, const gql_field_group *g,
                             const gql_path *path, ival *res)
{
    const char *f = g->def->name;
    if (name_is(f, "name")) {
        *res = v_str(d->name);
    } else if (name_is(f, "description")) {
        *res = v_str(d->description);
    } else if (name_is(f, "isRepeatable")) {
        *res = v_bool(d->repeatable);
    } else if (name_is(f, "args")) {
        bool all;
        return include_deprecated(in, g, path, &all) != 0 ? -1 : list_inputs(in, d->args, d->nargs, all, res);
    } else if (name_is(f, "locations")) {
        /* As written in the definition, which is the order graphql-js keeps. */
        size_t n = 0;
        for (const gql_name_list *l = d->declared_locations; l != NULL; l = l->next)
            n++;
        ival *items = new_list(in, n, res);
        if (items == NULL)
            return -1;
        for (const gql_name_list *l = d->declared_locations; l != NULL; l = l->next)
            items[res->count++] = v_str(l->name.ptr);
    }
    return 0;
}

/* The value of field g->def on obj. -1 with the error recorded (an argument that does not coerce). */
static int resolve(introspector *in, const ival *obj, const gql_field_group *g, const gql_path *path,
                   ival *res)
{
    const char *f = g->def->name;
    *res = v_null();
    switch (obj->kind) {
    case IK_SCHEMA:
        return resolve_schema(in, f, res);
    case IK_TYPE:
    case IK_WRAP:
        return resolve_type(in, obj, g, path, res);
    case IK_FIELD: {
        const gql_fielddef *fd = obj->ptr;
        if (resolve_common(f, fd->name, fd->description, fd->deprecation_reason, res))
            return 0;
        if (name_is(f, "type"))
            *res = v_tref(fd->type);
        else if (name_is(f, "args")) {
            bool all;
            return include_deprecated(in, g, path, &all) != 0
                       ? -1
                       : list_inputs(in, fd->args, fd->nargs, all, res);
        }
        return 0;
    }
    case IK_INPUT: {
        const gql_argdef *a = obj->ptr;
        if (resolve_common(f, a->name, a->description, a->deprecation_reason, res))
            return 0;
        if (name_is(f, "type"))
            *res = v_tref(a->type);
        else if (name_is(f, "defaultValue"))
            *res = v_str(default_value_text(in, a));
        return 0;
    }
    case IK_ENUM_VALUE: {
        const gql_enumdef *e = obj->ptr;
        resolve_common(f, e->name, e->description, e->deprecation_reason, res);
        return 0;
    }
    case IK_DIRECTIVE:
        return resolve_directive(in, obj->ptr, g, path, res);
    default:
        return 0;
    }
}

/* ---- completion (spec 6.4.3), errors and null propagation ---- */

static int field_error(introspector *in, const gql_field_group *g, const gql_path *path, const char *message)
{
    gql_error *e = gql_errors_add(in->ctx->errors, &g->nodes[0]->loc, "%s", message);
    for (size_t i = 1; i < g->nnodes; i++)
        gql_error_add_loc(e, g->nodes[i]->loc);
    if (e != NULL)
        e->path = gql_path_copy(in->ctx->arena, path);
    return -1;
}

static const gql_field_groups *subfields(introspector *in, const gql_typedef *type, const gql_field_group *g)
{
    size_t bucket = (((uintptr_t)g >> 4) ^ ((uintptr_t)type >> 4)) % MEMO_BUCKETS;
    for (const memo *m = in->memos[bucket]; m != NULL; m = m->next)
        if (m->group == g && m->type == type)
            return &m->sub;
    memo *m = base_arena_calloc(in->ctx->arena, 1, sizeof(*m));
    if (m == NULL || gql_collect_subfields(in->ctx, type, g, &m->sub) != 0)
        return NULL;
    m->group = g;
    m->type = type;
    m->next = in->memos[bucket];
    in->memos[bucket] = m;
    return &m->sub;
}

static int complete(introspector *in, const gql_typedef *parent, const gql_field_group *g,
                    const gql_tref *type, const ival *v, const gql_path *path);

/* Writes the object; -1 when a non-null field below it failed, which nulls this object in turn. */
static int complete_object(introspector *in, const gql_typedef *type, const gql_field_group *g, const ival *v,
                           const gql_path *path)
{
    const gql_field_groups *sub = subfields(in, type, g);
    if (sub == NULL)
        return field_error(in, g, path, "Out of memory.");
    base_buf *out = in->out;
    base_buf_putc(out, '{');
    for (const gql_field_group *sg = sub->first; sg != NULL; sg = sg->next) {
        if (sg != sub->first)
            base_buf_putc(out, ',');
        base_buf_json_string(out, sg->response_key, strlen(sg->response_key));
        base_buf_putc(out, ':');
        if (sg->def == in->schema->meta_typename) {
            base_buf_json_string(out, type->name, strlen(type->name));
            continue;
        }
        if (sg->def == NULL) {
            base_buf_puts(out, "null"); /* unvalidated: not a field of this type */
            continue;
        }
        gql_path fp = {path, sg->response_key, 0};
        size_t mark = out->len;
        ival fv;
        size_t nerrors = in->ctx->errors->count;
        int rc = resolve(in, v, sg, &fp, &fv);
        if (rc != 0 && in->ctx->errors->count == nerrors)
            field_error(in, sg, &fp, "Out of memory.");
        if (rc != 0 || complete(in, type, sg, sg->def->type, &fv, &fp) != 0) {
            if (sg->def->type->wrap == GQL_TYPE_NON_NULL)
                return -1;
            out->len = mark;
            base_buf_puts(out, "null");
        }
    }
    base_buf_putc(out, '}');
    return 0;
}

static int complete(introspector *in, const gql_typedef *parent, const gql_field_group *g,
                    const gql_tref *type, const ival *v, const gql_path *path)
{
    base_buf *out = in->out;
    if (type->wrap == GQL_TYPE_NON_NULL) {
        if (v->kind == IK_NULL) {
            char message[256];
            snprintf(message, sizeof(message), "Cannot return null for non-nullable field %s.%s.",
                     parent->name, g->def->name);
            return field_error(in, g, path, message);
        }
        return complete(in, parent, g, type->of, v, path);
    }
    if (v->kind == IK_NULL) {
        base_buf_puts(out, "null");
        return 0;
    }
    if (type->wrap == GQL_TYPE_LIST) {
        if (v->kind != IK_LIST || v->items == NULL)
            return field_error(in, g, path, "Out of memory.");
        base_buf_putc(out, '[');
        for (size_t i = 0; i < v->count; i++) {
            if (i > 0)
                base_buf_putc(out, ',');
            gql_path ip = {path, NULL, i};
            size_t mark = out->len;
            if (complete(in, parent, g, type->of, &v->items[i], &ip) != 0) {
                if (type->of->wrap == GQL_TYPE_NON_NULL)
                    return -1;
                out->len = mark;
                base_buf_puts(out, "null");
            }
        }
        base_buf_putc(out, ']');
        return 0;
    }
    if (gql_type_is_composite(type->named))
        return complete_object(in, type->named, g, v, path);
    if (v->kind == IK_STRING) {
        base_buf_json_string(out, v->str, strlen(v->str));
    } else if (v->kind == IK_BOOL) {
        base_buf_puts(out, v->boolean ? "true" : "false");
    } else {
        char message[256];
        snprintf(message, sizeof(message), "Expected a value of type \"%s\" for field %s.%s.",
                 type->named->name, parent->name, g->def->name);
        return field_error(in, g, path, message);
    }
    return 0;
}

int gql_introspect_root(const gql_exec_ctx *ctx, const gql_field_group *group, const gql_path *path,
                        base_buf *out)
{
    introspector in = {.ctx = ctx, .schema = ctx->schema, .out = out};
    const gql_schema *s = ctx->schema;
    ival v = v_null();
    if (group->def == s->meta_schema) {
        v = v_obj(IK_SCHEMA, s);
    } else if (group->def == s->meta_type) {
        const gql_value *name;
        if (gql_exec_arg(ctx, group, "name", path, &name) != 0)
            return -1;
        if (ensure_order(&in) != 0)
            return field_error(&in, group, path, "Out of memory.");
        /* Only listed types are found: __type(name: "Int") is null where graphql-js has no Int either. */
        for (size_t i = 0; name != NULL && name->kind == GQL_VALUE_STRING && i < in.ntypes; i++)
            if (name_is(in.types[i]->name, name->text.ptr))
                v = v_obj(IK_TYPE, in.types[i]);
    } else {
        base_buf_puts(out, "null"); /* not a field this module answers */
        return 0;
    }
    size_t mark = out->len;
    if (complete(&in, s->query, group, group->def->type, &v, path) != 0) {
        out->len = mark;
        return -1;
    }
    if (out->failed)
        return field_error(&in, group, path, "Out of memory.");
    return 0;
}

/* ---- GQLD_INTROSPECTION=off ---- */

typedef struct rejecter {
    const gql_schema *schema;
    gql_errors *errors;
    size_t count;
} rejecter;

/* Follows the types of the selections as graphql-js's TypeInfo does; fragments are visited where defined. */
static void reject_set(rejecter *r, const gql_typedef *parent, const gql_selection_set *set)
{
    if (parent == NULL || set == NULL)
        return;
    for (const gql_selection *sel = set->first; sel != NULL; sel = sel->next) {
        if (sel->kind == GQL_SELECTION_INLINE_FRAGMENT) {
            const gql_typedef *cond =
                sel->type_condition.ptr != NULL
                    ? gql_schema_type(r->schema, sel->type_condition.ptr, sel->type_condition.len)
                    : parent;
            reject_set(r, cond, sel->selection_set);
            continue;
        }
        if (sel->kind != GQL_SELECTION_FIELD)
            continue;
        const gql_fielddef *def = gql_type_field_meta(r->schema, parent, sel->name.ptr, sel->name.len);
        if (def == NULL)
            continue;
        const gql_typedef *named = gql_tref_named(def->type);
        if (strncmp(named->name, "__", 2) == 0) {
            gql_errors_add(r->errors, &sel->loc,
                           "GraphQL introspection has been disabled, but the requested query contained the "
                           "field \"%s\".",
                           sel->name.ptr);
            r->count++;
        }
        reject_set(r, gql_type_is_composite(named) ? named : NULL, sel->selection_set);
    }
}

size_t gql_introspect_reject(const gql_schema *schema, const gql_document *doc, gql_errors *errors)
{
    rejecter r = {schema, errors, 0};
    for (const gql_definition *d = doc->first; d != NULL; d = d->next) {
        if (d->kind == GQL_DEF_OPERATION) {
            const gql_typedef *root = d->operation == GQL_OP_QUERY      ? schema->query
                                      : d->operation == GQL_OP_MUTATION ? schema->mutation
                                                                        : schema->subscription;
            reject_set(&r, root, d->selection_set);
        } else if (d->kind == GQL_DEF_FRAGMENT) {
            reject_set(&r, gql_schema_type(schema, d->type_condition.ptr, d->type_condition.len),
                       d->selection_set);
        }
    }
    return r.count;
}
