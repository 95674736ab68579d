#include "schema/gql_exec.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- operation selection (spec 6.1 GetOperation) ---- */

const gql_definition *gql_exec_find_operation(const gql_document *doc, const char *name, gql_errors *errors)
{
    const gql_definition *found = NULL;
    size_t ops = 0;
    for (const gql_definition *d = doc->first; d != NULL; d = d->next) {
        if (d->kind != GQL_DEF_OPERATION)
            continue;
        ops++;
        if (name == NULL) {
            found = d;
        } else if (d->name.ptr != NULL && strcmp(d->name.ptr, name) == 0) {
            return d;
        }
    }
    if (name != NULL) {
        gql_errors_add(errors, NULL, "Unknown operation named \"%s\".", name);
        return NULL;
    }
    if (ops == 0) {
        gql_errors_add(errors, NULL, "Must provide an operation.");
        return NULL;
    }
    if (ops > 1) {
        gql_errors_add(errors, NULL, "Must provide operation name if query contains multiple operations.");
        return NULL;
    }
    return found;
}

/* ---- variable coercion (spec 6.4.1), JSON input to constant AST values ---- */

static gql_value *new_value(base_arena *a, gql_value_kind kind)
{
    gql_value *v = base_arena_calloc(a, 1, sizeof(*v));
    if (v != NULL)
        v->kind = kind;
    return v;
}

static gql_value *text_value(base_arena *a, gql_value_kind kind, const char *s, size_t len)
{
    gql_value *v = new_value(a, kind);
    if (v == NULL)
        return NULL;
    v->text.ptr = base_arena_strndup(a, s, len);
    v->text.len = len;
    return v->text.ptr ? v : NULL;
}

typedef struct var_site {
    gql_exec_ctx *ctx;
    const gql_variable_definition *def;
    char type_text[256];
} var_site;

static int var_invalid(var_site *site, const json_t *j, const char *why)
{
    char *dump = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    gql_errors_add(site->ctx->errors, &site->def->loc, "Variable \"$%s\" got invalid value %s; %s",
                   site->def->name.ptr, dump ? dump : "?", why);
    free(dump);
    return -1;
}

static int coerce_json(var_site *site, const json_t *j, const gql_tref *type, const gql_value **out);

/* graphql-js 16's input coercion messages, which end with the offending value. */
static int scalar_invalid(var_site *site, const json_t *j, const char *what)
{
    char *dump = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
    char why[256];
    snprintf(why, sizeof(why), "%s%s", what, dump ? dump : "?");
    free(dump);
    return var_invalid(site, j, why);
}

static int coerce_scalar(var_site *site, const json_t *j, const gql_typedef *t, const gql_value **out)
{
    base_arena *a = site->ctx->arena;
    char num[64];
    const char *n = t->name;
    bool is_id = strcmp(n, "ID") == 0;
    if (is_id || strcmp(n, "String") == 0) {
        if (json_is_string(j)) {
            *out = text_value(a, GQL_VALUE_STRING, json_string_value(j), json_string_length(j));
            return *out ? 0 : -1;
        }
        if (is_id && json_is_integer(j)) {
            int len = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
            *out = text_value(a, GQL_VALUE_STRING, num, (size_t)len);
            return *out ? 0 : -1;
        }
        return scalar_invalid(
            site, j, is_id ? "ID cannot represent value: " : "String cannot represent a non string value: ");
    }
    if (strcmp(n, "Int") == 0) {
        if (json_is_integer(j) && json_integer_value(j) >= INT32_MIN && json_integer_value(j) <= INT32_MAX) {
            int len = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j));
            *out = text_value(a, GQL_VALUE_INT, num, (size_t)len);
            return *out ? 0 : -1;
        }
        return scalar_invalid(site, j,
                              json_is_integer(j) ? "Int cannot represent non 32-bit signed integer value: "
                                                 : "Int cannot represent non-integer value: ");
    }
    if (strcmp(n, "Float") == 0) {
        if (json_is_number(j) && isfinite(json_number_value(j))) {
            int len = json_is_integer(j)
                          ? snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(j))
                          : snprintf(num, sizeof(num), "%.17g", json_real_value(j));
            *out = text_value(a, GQL_VALUE_FLOAT, num, (size_t)len);
            return *out ? 0 : -1;
        }
        return scalar_invalid(site, j, "Float cannot represent non numeric value: ");
    }
    if (strcmp(n, "Boolean") == 0) {
        if (json_is_boolean(j)) {
            gql_value *v = new_value(a, GQL_VALUE_BOOLEAN);
            if (v == NULL)
                return -1;
            v->boolean = json_is_true(j);
            *out = v;
            return 0;
        }
        return scalar_invalid(site, j, "Boolean cannot represent a non boolean value: ");
    }
    /* Custom scalars take a JSON string as given. */
    if (json_is_string(j)) {
        *out = text_value(a, GQL_VALUE_STRING, json_string_value(j), json_string_length(j));
        return *out ? 0 : -1;
    }
    return scalar_invalid(site, j, "Expected a string, found: ");
}

static int coerce_named(var_site *site, const json_t *j, const gql_typedef *t, const gql_value **out)
{
    base_arena *a = site->ctx->arena;
    switch (t->kind) {
    case GQL_SCALAR:
        return coerce_scalar(site, j, t, out);
    case GQL_ENUM:
        if (json_is_string(j))
            for (size_t i = 0; i < t->nvalues; i++)
                if (strcmp(t->values[i].name, json_string_value(j)) == 0) {
                    *out = text_value(a, GQL_VALUE_ENUM, t->values[i].name, strlen(t->values[i].name));
                    return *out ? 0 : -1;
                }
        {
            char why[200];
            snprintf(why, sizeof(why), "Value does not exist in \"%s\" enum.", t->name);
            return var_invalid(site, j, why);
        }
    case GQL_INPUT_OBJECT: {
        if (!json_is_object(j)) {
            char why[200];
            snprintf(why, sizeof(why), "Expected type \"%s\" to be an object.", t->name);
            return var_invalid(site, j, why);
        }
        gql_value *obj = new_value(a, GQL_VALUE_OBJECT);
        if (obj == NULL)
            return -1;
        gql_object_field **tail = &obj->object.first;
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)j, key, val)
        {
            int known = 0;
            for (size_t i = 0; i < t->ninput_fields; i++)
                known |= strcmp(t->input_fields[i].name, key) == 0;
            if (!known) {
                char why[200];
                snprintf(why, sizeof(why), "Field \"%s\" is not defined by type \"%s\".", key, t->name);
                return var_invalid(site, j, why);
            }
        }
        for (size_t i = 0; i < t->ninput_fields; i++) {
            const gql_argdef *f = &t->input_fields[i];
            json_t *fv = json_object_get(j, f->name);
            const gql_value *cv = NULL;
            if (fv == NULL) {
                if (f->default_value != NULL)
                    cv = f->default_value;
                else if (f->type->wrap == GQL_TYPE_NON_NULL) {
                    char why[200], tt[128];
                    snprintf(why, sizeof(why), "Field \"%s\" of required type \"%s\" was not provided.",
                             f->name, gql_tref_print(f->type, tt, sizeof(tt)));
                    return var_invalid(site, j, why);
                } else
                    continue;
            } else if (coerce_json(site, fv, f->type, &cv) != 0) {
                return -1;
            }
            gql_object_field *of = base_arena_calloc(a, 1, sizeof(*of));
            if (of == NULL)
                return -1;
            of->name.ptr = f->name;
            of->name.len = strlen(f->name);
            of->value = (gql_value *)cv;
            *tail = of;
            tail = &of->next;
            obj->object.count++;
        }
        *out = obj;
        return 0;
    }
    default:
        return var_invalid(site, j, "Variables must be of input types.");
    }
}

static int coerce_json(var_site *site, const json_t *j, const gql_tref *type, const gql_value **out)
{
    if (type->wrap == GQL_TYPE_NON_NULL) {
        if (json_is_null(j)) {
            char tt[128];
            snprintf(site->type_text, sizeof(site->type_text),
                     "Expected non-nullable type \"%s\" not to be null.",
                     gql_tref_print(type, tt, sizeof(tt)));
            return var_invalid(site, j, site->type_text);
        }
        return coerce_json(site, j, type->of, out);
    }
    if (json_is_null(j)) {
        *out = new_value(site->ctx->arena, GQL_VALUE_NULL);
        return *out ? 0 : -1;
    }
    if (type->wrap == GQL_TYPE_LIST) {
        gql_value *list = new_value(site->ctx->arena, GQL_VALUE_LIST);
        if (list == NULL)
            return -1;
        gql_value **tail = &list->list.first;
        size_t n = json_is_array(j) ? json_array_size(j) : 1;
        for (size_t i = 0; i < n; i++) {
            const gql_value *item;
            if (coerce_json(site, json_is_array(j) ? json_array_get(j, i) : j, type->of, &item) != 0)
                return -1;
            /* Items are linked through ->next, so each needs its own node. */
            gql_value *copy = base_arena_alloc(site->ctx->arena, sizeof(*copy));
            if (copy == NULL)
                return -1;
            *copy = *item;
            copy->next = NULL;
            *tail = copy;
            tail = &copy->next;
            list->list.count++;
        }
        *out = list;
        return 0;
    }
    return coerce_named(site, j, type->named, out);
}

/* Resolves a variable's AST type against the schema; NULL (with an error) when unknown or not an input type.
 */
static const gql_tref *resolve_ast_type(gql_exec_ctx *ctx, const gql_type_ref *t)
{
    gql_tref *r = base_arena_calloc(ctx->arena, 1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->wrap = t->kind;
    if (t->kind == GQL_TYPE_NAMED) {
        r->named = gql_schema_type(ctx->schema, t->name.ptr, t->name.len);
        if (r->named == NULL)
            return NULL;
    } else if ((r->of = resolve_ast_type(ctx, t->of)) == NULL) {
        return NULL;
    }
    return r;
}

static int coerce_variables(gql_exec_ctx *ctx, const json_t *variables)
{
    const gql_variable_definitions *defs = &ctx->operation->variables;
    ctx->vars = base_arena_calloc(ctx->arena, defs->count ? defs->count : 1, sizeof(*ctx->vars));
    if (ctx->vars == NULL)
        return -1;
    int rc = 0;
    for (const gql_variable_definition *d = defs->first; d != NULL; d = d->next) {
        var_site site = {ctx, d, {0}};
        const gql_tref *type = resolve_ast_type(ctx, d->type);
        if (type == NULL) {
            rc = -1; /* validation reports unknown variable types; never execute them */
            continue;
        }
        const json_t *j = variables ? json_object_get(variables, d->name.ptr) : NULL;
        const gql_value *value = NULL;
        if (j == NULL) {
            if (d->default_value != NULL) {
                value = d->default_value;
            } else if (type->wrap == GQL_TYPE_NON_NULL) {
                char tt[128];
                gql_errors_add(ctx->errors, &d->loc,
                               "Variable \"$%s\" of required type \"%s\" was not provided.", d->name.ptr,
                               gql_tref_print(type, tt, sizeof(tt)));
                rc = -1;
                continue;
            } else {
                continue;
            }
        } else if (json_is_null(j) && type->wrap == GQL_TYPE_NON_NULL) {
            char tt[128];
            gql_errors_add(ctx->errors, &d->loc, "Variable \"$%s\" of non-null type \"%s\" must not be null.",
                           d->name.ptr, gql_tref_print(type, tt, sizeof(tt)));
            rc = -1;
            continue;
        } else if (coerce_json(&site, j, type, &value) != 0) {
            rc = -1;
            continue;
        }
        ctx->vars[ctx->nvars].name = d->name.ptr;
        ctx->vars[ctx->nvars].value = value;
        ctx->nvars++;
    }
    return rc;
}

int gql_exec_prepare(gql_exec_ctx *ctx, const gql_schema *schema, const gql_document *doc,
                     const char *operation_name, const json_t *variables, base_arena *arena,
                     gql_errors *errors)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->schema = schema;
    ctx->doc = doc;
    ctx->arena = arena;
    ctx->errors = errors;
    ctx->operation = gql_exec_find_operation(doc, operation_name, errors);
    if (ctx->operation == NULL)
        return -1;
    if (variables != NULL && !json_is_object(variables)) {
        gql_errors_add(errors, NULL, "Variables must be provided as an Object.");
        return -1;
    }
    if (gql_exec_root_type(ctx) == NULL) {
        static const char *const names[] = {"query", "mutation", "subscription"};
        gql_errors_add(errors, &ctx->operation->loc, "Schema is not configured to execute %s operation.",
                       names[ctx->operation->operation]);
        return -1;
    }
    return coerce_variables(ctx, variables);
}

const gql_typedef *gql_exec_root_type(const gql_exec_ctx *ctx)
{
    switch (ctx->operation->operation) {
    case GQL_OP_QUERY:
        return ctx->schema->query;
    case GQL_OP_MUTATION:
        return ctx->schema->mutation;
    default:
        return ctx->schema->subscription;
    }
}

/* ---- field collection (spec 6.3.2 CollectFields) ---- */

static const gql_value *variable_value(const gql_exec_ctx *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->nvars; i++)
        if (strcmp(ctx->vars[i].name, name) == 0)
            return ctx->vars[i].value;
    return NULL;
}

/* @skip(if:) / @include(if:) with a literal or variable; validation guarantees a Boolean. */
static bool directive_if(const gql_exec_ctx *ctx, const gql_directives *dirs, const char *name, bool *value)
{
    for (const gql_directive *d = dirs->first; d != NULL; d = d->next) {
        if (strcmp(d->name.ptr, name) != 0)
            continue;
        for (const gql_argument *a = d->args.first; a != NULL; a = a->next) {
            if (strcmp(a->name.ptr, "if") != 0)
                continue;
            const gql_value *v = a->value;
            if (v->kind == GQL_VALUE_VARIABLE)
                v = variable_value(ctx, v->text.ptr);
            *value = v != NULL && v->kind == GQL_VALUE_BOOLEAN && v->boolean;
            return true;
        }
    }
    return false;
}

static bool should_include(const gql_exec_ctx *ctx, const gql_directives *dirs)
{
    bool v;
    if (directive_if(ctx, dirs, "skip", &v) && v)
        return false;
    if (directive_if(ctx, dirs, "include", &v) && !v)
        return false;
    return true;
}

static bool type_applies(const gql_exec_ctx *ctx, const gql_typedef *object_type, const gql_str *condition)
{
    if (condition->ptr == NULL)
        return true;
    const gql_typedef *t = gql_schema_type(ctx->schema, condition->ptr, condition->len);
    return t != NULL && gql_type_possible(t, object_type);
}

static const gql_definition *find_fragment(const gql_document *doc, const char *name)
{
    for (const gql_definition *d = doc->first; d != NULL; d = d->next)
        if (d->kind == GQL_DEF_FRAGMENT && strcmp(d->name.ptr, name) == 0)
            return d;
    return NULL;
}

typedef struct collector {
    const gql_exec_ctx *ctx;
    const gql_typedef *type;
    gql_field_groups *out;
    gql_field_group *last;
    const char *visited[64]; /* fragment names already expanded on this collection */
    size_t nvisited;
} collector;

static int add_field(collector *c, const gql_selection *sel)
{
    const char *key = sel->alias.ptr ? sel->alias.ptr : sel->name.ptr;
    for (gql_field_group *g = c->out->first; g != NULL; g = g->next) {
        if (strcmp(g->response_key, key) != 0)
            continue;
        const gql_selection **nodes =
            base_arena_alloc(c->ctx->arena, (g->nnodes + 1) * sizeof(const gql_selection *));
        if (nodes == NULL)
            return -1;
        memcpy(nodes, g->nodes, g->nnodes * sizeof(const gql_selection *));
        nodes[g->nnodes++] = sel;
        g->nodes = nodes;
        return 0;
    }
    gql_field_group *g = base_arena_calloc(c->ctx->arena, 1, sizeof(*g));
    const gql_selection **nodes = base_arena_alloc(c->ctx->arena, sizeof(const gql_selection *));
    if (g == NULL || nodes == NULL)
        return -1;
    nodes[0] = sel;
    g->response_key = key;
    g->field = sel;
    g->nodes = nodes;
    g->nnodes = 1;
    g->def = gql_type_field_meta(c->ctx->schema, c->type, sel->name.ptr, sel->name.len);
    if (c->last != NULL)
        c->last->next = g;
    else
        c->out->first = g;
    c->last = g;
    c->out->count++;
    return 0;
}

static int collect(collector *c, const gql_selection_set *set)
{
    for (const gql_selection *sel = set->first; sel != NULL; sel = sel->next) {
        if (!should_include(c->ctx, &sel->directives))
            continue;
        switch (sel->kind) {
        case GQL_SELECTION_FIELD:
            if (add_field(c, sel) != 0)
                return -1;
            break;
        case GQL_SELECTION_INLINE_FRAGMENT:
            if (type_applies(c->ctx, c->type, &sel->type_condition) && collect(c, sel->selection_set) != 0)
                return -1;
            break;
        case GQL_SELECTION_FRAGMENT_SPREAD: {
            bool seen = false;
            for (size_t i = 0; i < c->nvisited; i++)
                seen |= strcmp(c->visited[i], sel->name.ptr) == 0;
            if (seen || c->nvisited == sizeof(c->visited) / sizeof(c->visited[0]))
                break;
            c->visited[c->nvisited++] = sel->name.ptr;
            const gql_definition *frag = find_fragment(c->ctx->doc, sel->name.ptr);
            if (frag != NULL && type_applies(c->ctx, c->type, &frag->type_condition) &&
                collect(c, frag->selection_set) != 0)
                return -1;
            break;
        }
        }
    }
    return 0;
}

int gql_collect_fields(const gql_exec_ctx *ctx, const gql_typedef *object_type, const gql_selection_set *set,
                       gql_field_groups *out)
{
    memset(out, 0, sizeof(*out));
    collector c = {.ctx = ctx, .type = object_type, .out = out};
    return collect(&c, set);
}

int gql_collect_subfields(const gql_exec_ctx *ctx, const gql_typedef *object_type,
                          const gql_field_group *group, gql_field_groups *out)
{
    memset(out, 0, sizeof(*out));
    collector c = {.ctx = ctx, .type = object_type, .out = out};
    for (size_t i = 0; i < group->nnodes; i++)
        if (group->nodes[i]->selection_set != NULL && collect(&c, group->nodes[i]->selection_set) != 0)
            return -1;
    return 0;
}

/* ---- argument values (spec 6.4.1 CoerceArgumentValues) ---- */

/* Replaces variables inside a literal (lists and objects included) with their coerced values. */
static const gql_value *substitute(const gql_exec_ctx *ctx, const gql_value *v)
{
    if (v->kind == GQL_VALUE_VARIABLE) {
        const gql_value *r = variable_value(ctx, v->text.ptr);
        return r; /* NULL: the variable was not provided */
    }
    if (v->kind != GQL_VALUE_LIST && v->kind != GQL_VALUE_OBJECT)
        return v;
    gql_value *copy = base_arena_alloc(ctx->arena, sizeof(*copy));
    if (copy == NULL)
        return NULL;
    *copy = *v;
    if (v->kind == GQL_VALUE_LIST) {
        gql_value **tail = &copy->list.first;
        for (const gql_value *item = v->list.first; item != NULL; item = item->next) {
            const gql_value *s = substitute(ctx, item);
            gql_value *node = base_arena_alloc(ctx->arena, sizeof(*node));
            if (node == NULL)
                return NULL;
            if (s != NULL)
                *node = *s;
            else {
                memset(node, 0, sizeof(*node));
                node->kind = GQL_VALUE_NULL;
            }
            node->next = NULL;
            *tail = node;
            tail = &node->next;
        }
    } else {
        gql_object_field **tail = &copy->object.first;
        copy->object.count = 0;
        for (const gql_object_field *f = v->object.first; f != NULL; f = f->next) {
            const gql_value *s = substitute(ctx, f->value);
            if (s == NULL)
                continue; /* an unprovided variable leaves the field absent */
            gql_object_field *nf = base_arena_alloc(ctx->arena, sizeof(*nf));
            if (nf == NULL)
                return NULL;
            *nf = *f;
            nf->value = (gql_value *)s;
            nf->next = NULL;
            *tail = nf;
            tail = &nf->next;
            copy->object.count++;
        }
    }
    return copy;
}

int gql_exec_arg(const gql_exec_ctx *ctx, const gql_field_group *group, const char *name,
                 const gql_path *path, const gql_value **out)
{
    *out = NULL;
    const gql_argdef *def = group->def ? gql_field_arg(group->def, name, strlen(name)) : NULL;
    if (def == NULL)
        return 0;
    const gql_argument *arg = NULL;
    for (const gql_argument *a = group->field->args.first; a != NULL; a = a->next)
        if (strcmp(a->name.ptr, name) == 0)
            arg = a;
    const gql_value *v = arg ? substitute(ctx, arg->value) : NULL;
    if (v == NULL)
        v = def->default_value;
    bool required = def->type->wrap == GQL_TYPE_NON_NULL;
    if (required && (v == NULL || v->kind == GQL_VALUE_NULL)) {
        /* graphql-js's three wordings: never given, given an unprovided variable, or null. */
        char tt[128];
        gql_tref_print(def->type, tt, sizeof(tt));
        gql_error *e;
        if (arg == NULL)
            e = gql_errors_add(ctx->errors, &group->field->loc,
                               "Argument \"%s\" of required type \"%s\" was not provided.", name, tt);
        else if (v == NULL && arg->value->kind == GQL_VALUE_VARIABLE)
            e = gql_errors_add(
                ctx->errors, &arg->value->loc,
                "Argument \"%s\" of required type \"%s\" was provided the variable \"$%s\" which was "
                "not provided a runtime value.",
                name, tt, arg->value->text.ptr);
        else
            e = gql_errors_add(ctx->errors, &arg->value->loc,
                               "Argument \"%s\" of non-null type \"%s\" must not be null.", name, tt);
        if (e != NULL)
            e->path = gql_path_copy(ctx->arena, path);
        return -1;
    }
    *out = v;
    return 0;
}
