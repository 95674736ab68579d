#include "resolvers/sql/plan.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolvers/sql/cursor.h"
#include "schema/base/buf.h"

typedef struct planner {
    const rs_plan_ctx *pc;
    const gql_exec_ctx *exec;
    base_arena *arena;
    rs_plan *plan;
    unsigned params_cap;
    unsigned owner_param; /* the principal's customer id, numbered where first needed */
    rs_access denied;     /* RS_ACCESS_ALL unless a private table was refused */
    bool request_error;
    bool failed; /* out of memory, or a schema the catalog does not serve */
} planner;

static int fail(planner *p)
{
    p->failed = true;
    return -1;
}

/* Numbers a parameter: $1, $2, ... in the order the shape is walked. */
static unsigned add_param(planner *p, const char *value)
{
    rs_plan *plan = p->plan;
    if (plan->nparams == p->params_cap) {
        unsigned cap = p->params_cap ? p->params_cap * 2 : 8;
        const char **grown = base_arena_alloc(p->arena, cap * sizeof(*grown));
        if (grown == NULL) {
            fail(p);
            return 0;
        }
        if (plan->nparams > 0)
            memcpy(grown, plan->params, plan->nparams * sizeof(*grown));
        plan->params = grown;
        p->params_cap = cap;
    }
    plan->params[plan->nparams++] = value;
    return plan->nparams;
}

static rs_node *new_node(planner *p, rs_node_kind kind, const rs_entity *entity, const rs_node *parent)
{
    rs_node *n = base_arena_calloc(p->arena, 1, sizeof(*n));
    /* Every column a node can read: its columns, its relations' columns, its order. */
    size_t cap = entity->ncolumns + entity->nrelations + entity->norder + 1;
    const char **reads = base_arena_calloc(p->arena, cap, sizeof(*reads));
    if (n == NULL || reads == NULL) {
        fail(p);
        return NULL;
    }
    n->kind = kind;
    n->id = p->plan->nnodes++;
    n->entity = entity;
    n->parent = parent;
    n->reads = reads;
    return n;
}

static void add_read(rs_node *n, const char *column)
{
    for (size_t i = 0; i < n->nreads; i++)
        if (strcmp(n->reads[i], column) == 0)
            return;
    n->reads[n->nreads++] = column;
}

/* ---- arguments ---- */

static const gql_argument *find_arg(const gql_field_group *group, const char *name)
{
    for (const gql_argument *a = group->field->args.first; a != NULL; a = a->next)
        if (strcmp(a->name.ptr, name) == 0)
            return a;
    return NULL;
}

/* A request error at the argument (or the field when the argument is not written). */
__attribute__((format(printf, 4, 5))) static int request_error(planner *p, const gql_field_group *group,
                                                               const char *arg, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const gql_argument *a = find_arg(group, arg);
    gql_errors_add(p->pc->request_errors, a != NULL ? &a->loc : &group->field->loc, "%s", msg);
    p->request_error = true;
    return -1;
}

/*
 * A string argument that holds NUL (a "\u0000" escape, in the document or in a
 * variable): PostgreSQL text cannot hold one, and every C string would read it
 * as the prefix before it, so it is a request error rather than a prefix.
 */
static int refuse_nul(planner *p, const gql_field_group *group, const char *owner_type, const char *arg,
                      const gql_value *v)
{
    if (v == NULL || v->text.ptr == NULL || memchr(v->text.ptr, '\0', v->text.len) == NULL)
        return 0;
    return request_error(p, group, arg,
                         "Argument \"%s\" of field \"%s.%s\" holds a NUL character (\\u0000), which no value "
                         "can hold.",
                         arg, owner_type, group->def->name);
}

/* The argument's coerced value: NULL when absent or null. */
static const gql_value *arg_value(planner *p, const gql_field_group *group, const char *name)
{
    const gql_value *v = NULL;
    if (gql_exec_arg(p->exec, group, name, NULL, &v) != 0 || v == NULL || v->kind == GQL_VALUE_NULL)
        return NULL; /* optional arguments raise no coercion error: validation checked them */
    return v;
}

/*
 * The row bound of a list with a `first` argument: the value given, from 0 to
 * list_max; when none is given, the argument's default in the schema or else
 * list_default, capped at list_max (a server configured below a default still
 * answers).
 */
static int plan_first(planner *p, const gql_field_group *group, const char *owner_type, unsigned *out)
{
    const gql_argdef *def = gql_field_arg(group->def, RS_PAGE_FIRST_ARGUMENT, strlen(RS_PAGE_FIRST_ARGUMENT));
    const gql_value *v = arg_value(p, group, RS_PAGE_FIRST_ARGUMENT);
    unsigned max = p->pc->list_max;
    if (v == NULL || v == def->default_value) {
        long d =
            v != NULL && v->kind == GQL_VALUE_INT ? strtol(v->text.ptr, NULL, 10) : (long)p->pc->list_default;
        *out = d < 0 ? 0 : d > (long)max ? max : (unsigned)d;
        return 0;
    }
    long n = v->kind == GQL_VALUE_INT ? strtol(v->text.ptr, NULL, 10) : -1; /* validation admits only Int */
    if (n < 0)
        return request_error(p, group, RS_PAGE_FIRST_ARGUMENT,
                             "Argument \"first\" of field \"%s.%s\" must not be negative; got %s.",
                             owner_type, group->def->name, v->text.ptr ? v->text.ptr : "?");
    if (n > (long)max)
        return request_error(
            p, group, RS_PAGE_FIRST_ARGUMENT,
            "Argument \"first\" of field \"%s.%s\" is %ld, above the maximum list size of %u.", owner_type,
            group->def->name, n, max);
    *out = (unsigned)n;
    return 0;
}

static int limit_param(planner *p, rs_node *n, unsigned rows)
{
    char text[16];
    snprintf(text, sizeof(text), "%u", rows);
    const char *copy = base_arena_strndup(p->arena, text, strlen(text));
    if (copy == NULL)
        return fail(p);
    n->limit_param = add_param(p, copy);
    return p->failed ? -1 : 0;
}

/* LIKE pattern for "contains `text`": its own %, _ and \ escaped with LIKE's default escape, the backslash.
 */
static const char *contains_pattern(planner *p, const char *text)
{
    base_buf b;
    base_buf_init(&b);
    base_buf_putc(&b, '%');
    for (const char *s = text; *s != '\0'; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            base_buf_putc(&b, '\\');
        base_buf_putc(&b, *s);
    }
    base_buf_putc(&b, '%');
    const char *copy = b.failed ? NULL : base_arena_strndup(p->arena, b.data, b.len);
    base_buf_free(&b);
    if (copy == NULL)
        fail(p);
    return copy;
}

/* ---- visibility ---- */

/* Refuses a private table to a principal that may read none of it, or scopes its rows to the principal. */
static int plan_scope(planner *p, rs_node *n, bool scoped_by_parent)
{
    rs_access access = auth_scope_access(&p->pc->principal, n->entity);
    if (access == RS_ACCESS_UNAUTHENTICATED || access == RS_ACCESS_FORBIDDEN) {
        p->denied = access;
        return -1;
    }
    /* Below a row already scoped, a same-owner relationship reaches only that owner's rows (catalog.h). */
    if (access == RS_ACCESS_OWN && !scoped_by_parent) {
        if (p->owner_param == 0)
            p->owner_param = add_param(p, p->pc->principal.customer_id);
        n->owner_param = p->owner_param;
    }
    return p->failed ? -1 : 0;
}

/* ---- selections ---- */

static int plan_object(planner *p, rs_node *n, const gql_typedef *type, const gql_field_group *group,
                       rs_output **outs, size_t *nouts);

static void read_order(rs_node *n)
{
    for (size_t i = 0; i < n->entity->norder; i++)
        add_read(n, n->entity->order[i]);
}

static rs_node *plan_relation(planner *p, rs_node *parent, const rs_relation *r, const gql_field_group *group)
{
    const rs_entity *target = catalog_entity(r->target);
    rs_node *n = target ? new_node(p, r->list ? RS_NODE_LIST : RS_NODE_ONE, target, parent) : NULL;
    if (n == NULL) {
        fail(p);
        return NULL;
    }
    n->match_column = r->target_column;
    n->parent_column = r->column;
    add_read(parent, r->column);
    if (plan_scope(p, n, r->same_owner && parent->entity->owner != NULL) != 0)
        return NULL;
    if (r->list) {
        unsigned rows = p->pc->list_max;
        if (r->paged) {
            /* `after` names the last row already seen by its key; one that is no key continues nowhere. */
            const gql_value *after = arg_value(p, group, RS_PAGE_AFTER_ARGUMENT);
            if (refuse_nul(p, group, parent->entity->type, RS_PAGE_AFTER_ARGUMENT, after) != 0)
                return NULL;
            if (after != NULL)
                n->after_param = add_param(
                    p, catalog_value_valid(target->key_type, after->text.ptr) ? after->text.ptr : NULL);
            if (plan_first(p, group, parent->entity->type, &rows) != 0)
                return NULL;
        }
        if (limit_param(p, n, rows) != 0)
            return NULL;
    }
    if (plan_object(p, n, gql_tref_named(group->def->type), group, &n->outputs, &n->noutputs) != 0)
        return NULL;
    if (r->list)
        read_order(n);
    return n;
}

static int plan_object(planner *p, rs_node *n, const gql_typedef *type, const gql_field_group *group,
                       rs_output **outs, size_t *nouts)
{
    gql_field_groups fields;
    if (gql_collect_subfields(p->exec, type, group, &fields) != 0)
        return fail(p);
    rs_output *o = base_arena_calloc(p->arena, fields.count ? fields.count : 1, sizeof(*o));
    if (o == NULL)
        return fail(p);
    *outs = o;
    *nouts = 0;
    for (const gql_field_group *f = fields.first; f != NULL; f = f->next) {
        rs_output *out = &o[(*nouts)++];
        out->key = f->response_key;
        out->node = f->field;
        out->def = f->def;
        if (f->def == NULL)
            return fail(p); /* validation admits no unknown field */
        out->nullable = f->def->type->wrap != GQL_TYPE_NON_NULL;
        if (f->def == p->exec->schema->meta_typename) {
            out->kind = RS_OUT_TYPENAME;
            out->type_name = type->name;
            continue;
        }
        const rs_column *c = catalog_column(n->entity, f->def->name);
        if (c != NULL) {
            out->kind = RS_OUT_COLUMN;
            out->column = c;
            add_read(n, c->column);
            continue;
        }
        const rs_relation *r = catalog_relation(n->entity, f->def->name);
        const rs_entity *target = r != NULL ? catalog_entity(r->target) : NULL;
        if (target == NULL)
            return fail(p); /* catalog_check rules this out at start-up */
        /* Refused below a row the principal reads: not read, null and an error where it is reached. */
        rs_access access = auth_scope_access(&p->pc->principal, target);
        if (access == RS_ACCESS_UNAUTHENTICATED || access == RS_ACCESS_FORBIDDEN) {
            out->kind = RS_OUT_DENIED;
            out->code = auth_scope_denial(access, &out->message);
            p->plan->denied++;
            continue;
        }
        out->kind = RS_OUT_CHILD;
        if ((out->child = plan_relation(p, n, r, f)) == NULL)
            return -1;
    }
    return 0;
}

static int plan_page_info(planner *p, const gql_typedef *type, const gql_field_group *group, rs_output *out)
{
    gql_field_groups fields;
    if (gql_collect_subfields(p->exec, type, group, &fields) != 0 ||
        (out->fields = base_arena_calloc(p->arena, fields.count ? fields.count : 1, sizeof(*out->fields))) ==
            NULL)
        return fail(p);
    for (const gql_field_group *f = fields.first; f != NULL; f = f->next) {
        rs_output *o = &out->fields[out->nfields++];
        o->key = f->response_key;
        o->type_name = type->name;
        if (f->def == p->exec->schema->meta_typename)
            o->kind = RS_OUT_TYPENAME;
        else if (f->def != NULL && strcmp(f->def->name, RS_PAGE_END_CURSOR) == 0)
            o->kind = RS_OUT_END_CURSOR;
        else if (f->def != NULL && strcmp(f->def->name, RS_PAGE_HAS_NEXT_PAGE) == 0)
            o->kind = RS_OUT_HAS_NEXT_PAGE;
        else
            return fail(p);
    }
    return 0;
}

/* The page object: each `items` is its own object over the same rows; pageInfo is computed from them. */
static int plan_page(planner *p, rs_node *n, const gql_typedef *page_type, const gql_field_group *group)
{
    gql_field_groups fields;
    if (gql_collect_subfields(p->exec, page_type, group, &fields) != 0 ||
        (n->outputs = base_arena_calloc(p->arena, fields.count ? fields.count : 1, sizeof(*n->outputs))) ==
            NULL)
        return fail(p);
    for (const gql_field_group *f = fields.first; f != NULL; f = f->next) {
        rs_output *o = &n->outputs[n->noutputs++];
        o->key = f->response_key;
        if (f->def == p->exec->schema->meta_typename) {
            o->kind = RS_OUT_TYPENAME;
            o->type_name = page_type->name;
        } else if (f->def != NULL && strcmp(f->def->name, RS_PAGE_ITEMS) == 0) {
            o->kind = RS_OUT_ITEMS;
            if (plan_object(p, n, gql_tref_named(f->def->type), f, &o->fields, &o->nfields) != 0)
                return -1;
        } else if (f->def != NULL && strcmp(f->def->name, RS_PAGE_INFO) == 0) {
            o->kind = RS_OUT_PAGE_INFO;
            if (plan_page_info(p, gql_tref_named(f->def->type), f, o) != 0)
                return -1;
        } else {
            return fail(p);
        }
    }
    read_order(n);
    add_read(n, n->entity->key); /* the cursor */
    return 0;
}

static int plan_page_arguments(planner *p, rs_node *n, const rs_root *root, const gql_field_group *group)
{
    const gql_value *after = arg_value(p, group, RS_PAGE_AFTER_ARGUMENT);
    const gql_value *search = root->search_argument ? arg_value(p, group, root->search_argument) : NULL;
    if (refuse_nul(p, group, "Query", RS_PAGE_AFTER_ARGUMENT, after) != 0 ||
        (search != NULL && refuse_nul(p, group, "Query", root->search_argument, search) != 0))
        return -1;
    if (after != NULL) {
        const char *key = cursor_decode(p->arena, after->text.ptr);
        if (key == NULL || !catalog_value_valid(n->entity->key_type, key))
            return request_error(p, group, RS_PAGE_AFTER_ARGUMENT,
                                 "Argument \"after\" of field \"Query.%s\" is not a cursor from this server.",
                                 root->field);
        n->after_param = add_param(p, key);
    }
    if (search != NULL) {
        const char *pattern = contains_pattern(p, search->text.ptr);
        if (pattern == NULL)
            return -1;
        n->search_column = root->search_column;
        n->search_param = add_param(p, pattern);
    }
    unsigned rows = 0;
    if (plan_first(p, group, "Query", &rows) != 0 || limit_param(p, n, rows) != 0)
        return -1;
    return p->failed ? -1 : 0;
}

static int plan_root_node(planner *p, const rs_root *root, const gql_field_group *group, const gql_path *path)
{
    const rs_entity *e = catalog_entity(root->type);
    rs_node_kind kind = root->kind == RS_ROOT_ONE    ? RS_NODE_ONE
                        : root->kind == RS_ROOT_LIST ? RS_NODE_LIST
                                                     : RS_NODE_PAGE;
    rs_node *n = e ? new_node(p, kind, e, NULL) : NULL;
    if (n == NULL)
        return fail(p);
    p->plan->root = n;
    if (plan_scope(p, n, false) != 0)
        return -1;
    if (root->kind == RS_ROOT_PAGE) {
        if (plan_page_arguments(p, n, root, group) != 0)
            return -1;
        return plan_page(p, n, gql_tref_named(group->def->type), group);
    }
    const gql_value *key;
    if (gql_exec_arg(p->exec, group, root->argument, path, &key) != 0)
        return -1; /* a null for the ID! argument: a field error, already at the path */
    /* A key that cannot be one (e.g. "x" for a bigint id) matches nothing: SQL NULL. */
    const char *text = key != NULL && key->kind != GQL_VALUE_NULL ? key->text.ptr : NULL;
    if (text != NULL && refuse_nul(p, group, "Query", root->argument, key) != 0)
        return -1;
    n->match_column = root->column;
    n->match_type = root->column_type;
    n->match_param = add_param(p, catalog_value_valid(root->column_type, text) ? text : NULL);
    if (root->kind == RS_ROOT_LIST && limit_param(p, n, p->pc->list_max) != 0)
        return -1;
    if (plan_object(p, n, gql_tref_named(group->def->type), group, &n->outputs, &n->noutputs) != 0)
        return -1;
    if (root->kind == RS_ROOT_LIST)
        read_order(n);
    return 0;
}

static int plan_written_node(planner *p, const gql_field_group *group, const rs_entity *e,
                             const char *key_value, const rs_lookup *lookup,
                             const char *const lookup_values[2])
{
    rs_node *n = new_node(p, RS_NODE_ONE, e, NULL);
    if (n == NULL)
        return fail(p);
    p->plan->root = n;
    if (plan_scope(p, n, false) != 0)
        return -1;
    n->match_column = e->key;
    n->match_type = e->key_type;
    if (lookup != NULL) {
        n->lookup = lookup;
        n->lookup_params[0] = add_param(p, lookup_values[0]);
        n->lookup_params[1] = add_param(p, lookup_values[1]);
    } else {
        n->match_param = add_param(p, catalog_value_valid(e->key_type, key_value) ? key_value : NULL);
    }
    if (p->failed)
        return -1;
    return plan_object(p, n, gql_tref_named(group->def->type), group, &n->outputs, &n->noutputs);
}

/* What a planner that stopped leaves: a request error, or a value (null) with any error at the path. */
static rs_plan_status plan_outcome(planner *p, const gql_field_group *group, const gql_path *path)
{
    const rs_plan_ctx *pc = p->pc;
    if (p->request_error)
        return RS_PLAN_REQUEST_ERROR;
    const char *message = "Internal server error.", *code = "INTERNAL";
    if (p->denied != RS_ACCESS_ALL)
        code = auth_scope_denial(p->denied, &message);
    else if (!p->failed)
        return RS_PLAN_VALUE; /* an argument error, recorded by gql_exec_arg */
    gql_error *e = gql_errors_add(pc->exec->errors, &group->field->loc, "%s", message);
    if (e != NULL) {
        e->code = code;
        e->path = gql_path_copy(pc->exec->arena, path);
    }
    return RS_PLAN_VALUE;
}

rs_plan_status plan_root(const rs_plan_ctx *pc, const gql_field_group *group, const rs_root *root,
                         const gql_path *path, rs_plan *out)
{
    memset(out, 0, sizeof(*out));
    out->value = "null";
    planner p = {.pc = pc, .exec = pc->exec, .arena = pc->exec->arena, .plan = out, .denied = RS_ACCESS_ALL};
    if (plan_root_node(&p, root, group, path) == 0 && !p.failed)
        return RS_PLAN_QUERY;
    return plan_outcome(&p, group, path);
}

rs_plan_status plan_written(const rs_plan_ctx *pc, const gql_field_group *group, const rs_entity *entity,
                            const char *key_value, const rs_lookup *lookup,
                            const char *const lookup_values[2], const gql_path *path, rs_plan *out)
{
    memset(out, 0, sizeof(*out));
    out->value = "null";
    planner p = {.pc = pc, .exec = pc->exec, .arena = pc->exec->arena, .plan = out, .denied = RS_ACCESS_ALL};
    if (plan_written_node(&p, group, entity, key_value, lookup, lookup_values) == 0 && !p.failed)
        return RS_PLAN_QUERY;
    return plan_outcome(&p, group, path);
}
