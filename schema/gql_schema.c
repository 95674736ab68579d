#include "schema/gql_schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/gql_parser.h"

typedef struct builder {
    gql_schema *s;
    const char *filename;
    char *err;
    size_t errlen;
} builder;

static int fail(builder *b, gql_loc loc, const char *fmt, const char *name)
{
    char msg[300];
    snprintf(msg, sizeof(msg), fmt, name);
    snprintf(b->err, b->errlen, "%s:%u:%u: %s", b->filename, loc.line, loc.column, msg);
    return -1;
}

static bool str_eq(const char *a, const char *b, size_t blen)
{
    return strncmp(a, b, blen) == 0 && a[blen] == '\0';
}

const gql_typedef *gql_schema_type(const gql_schema *schema, const char *name, size_t len)
{
    for (size_t i = 0; i < schema->ntypes; i++)
        if (str_eq(schema->types[i]->name, name, len))
            return schema->types[i];
    return NULL;
}

const gql_fielddef *gql_type_field_meta(const gql_schema *schema, const gql_typedef *type, const char *name,
                                        size_t len)
{
    if (len > 2 && name[0] == '_' && name[1] == '_') {
        if (str_eq("__typename", name, len))
            return schema->meta_typename;
        if (type == schema->query && str_eq("__schema", name, len))
            return schema->meta_schema;
        if (type == schema->query && str_eq("__type", name, len))
            return schema->meta_type;
    }
    return gql_type_field(type, name, len);
}

const gql_fielddef *gql_type_field(const gql_typedef *type, const char *name, size_t len)
{
    for (size_t i = 0; i < type->nfields; i++)
        if (str_eq(type->fields[i].name, name, len))
            return &type->fields[i];
    return NULL;
}

const gql_argdef *gql_field_arg(const gql_fielddef *field, const char *name, size_t len)
{
    for (size_t i = 0; i < field->nargs; i++)
        if (str_eq(field->args[i].name, name, len))
            return &field->args[i];
    return NULL;
}

const gql_directive *gql_applied_directive(const gql_directives *directives, const char *name)
{
    for (const gql_directive *d = directives != NULL ? directives->first : NULL; d != NULL; d = d->next)
        if (strcmp(d->name.ptr, name) == 0)
            return d;
    return NULL;
}

const gql_value *gql_directive_arg(const gql_directive *directive, const char *name)
{
    for (const gql_argument *a = directive->args.first; a != NULL; a = a->next)
        if (strcmp(a->name.ptr, name) == 0)
            return a->value;
    return NULL;
}

const gql_directivedef *gql_schema_directive(const gql_schema *schema, const char *name, size_t len)
{
    for (size_t i = 0; i < schema->ndirectives; i++)
        if (str_eq(schema->directives[i].name, name, len))
            return &schema->directives[i];
    return NULL;
}

bool gql_type_possible(const gql_typedef *type, const gql_typedef *object)
{
    if (type == object)
        return true;
    if (type->kind == GQL_INTERFACE) {
        for (size_t i = 0; i < type->nimplementations; i++)
            if (type->implementations[i] == object)
                return true;
    } else if (type->kind == GQL_UNION) {
        for (size_t i = 0; i < type->nmembers; i++)
            if (type->members[i] == object)
                return true;
    }
    return false;
}

const char *gql_directive_location_name(unsigned bit_index)
{
    /* The location bits follow the spec's order, as the parser's name table does. */
    return bit_index < GQL_DIRECTIVE_LOCATION_COUNT ? gql_directive_location_names[bit_index] : "";
}

/*
 * What every schema has besides its own SDL: the introspection types of the
 * working draft (with specifiedByURL, isRepeatable, includeDeprecated on
 * arguments and input fields) and graphql-js 16's specified directives, with
 * their descriptions, so introspection tools see exactly what they expect.
 */
static const char builtin_sdl[] =
    "\"A GraphQL Schema defines the capabilities of a GraphQL server. It exposes all available types and "
    "directives on the server, as well as the entry points for query, mutation, and subscription "
    "operations.\"\n"
    "type __Schema { description: String\n"
    "\"A list of all types supported by this server.\" types: [__Type!]!\n"
    "\"The type that query operations will be rooted at.\" queryType: __Type!\n"
    "\"If this server supports mutation, the type that mutation operations will be rooted at.\" "
    "mutationType: __Type\n"
    "\"If this server support subscription, the type that subscription operations will be rooted at.\" "
    "subscriptionType: __Type\n"
    "\"A list of all directives supported by this server.\" directives: [__Directive!]! }\n"
    "\"The fundamental unit of any GraphQL Schema is the type. There are many kinds of types in GraphQL as "
    "represented by the `__TypeKind` enum.\\n\\nDepending on the kind of a type, certain fields describe "
    "information about that type. Scalar types provide no information beyond a name, description and "
    "optional "
    "`specifiedByURL`, while Enum types provide their values. Object and Interface types provide the fields "
    "they "
    "describe. Abstract types, Union and Interface, provide the Object types possible at runtime. List and "
    "NonNull "
    "types compose other types.\"\n"
    "type __Type { kind: __TypeKind! name: String description: String specifiedByURL: String\n"
    "fields(includeDeprecated: Boolean = false): [__Field!] interfaces: [__Type!] possibleTypes: [__Type!]\n"
    "enumValues(includeDeprecated: Boolean = false): [__EnumValue!]\n"
    "inputFields(includeDeprecated: Boolean = false): [__InputValue!] ofType: __Type }\n"
    "\"An enum describing what kind of type a given `__Type` is.\"\n"
    "enum __TypeKind {\n"
    "\"Indicates this type is a scalar.\" SCALAR\n"
    "\"Indicates this type is an object. `fields` and `interfaces` are valid fields.\" OBJECT\n"
    "\"Indicates this type is an interface. `fields`, `interfaces`, and `possibleTypes` are valid fields.\" "
    "INTERFACE\n"
    "\"Indicates this type is a union. `possibleTypes` is a valid field.\" UNION\n"
    "\"Indicates this type is an enum. `enumValues` is a valid field.\" ENUM\n"
    "\"Indicates this type is an input object. `inputFields` is a valid field.\" INPUT_OBJECT\n"
    "\"Indicates this type is a list. `ofType` is a valid field.\" LIST\n"
    "\"Indicates this type is a non-null. `ofType` is a valid field.\" NON_NULL }\n"
    "\"Object and Interface types are described by a list of Fields, each of which has a name, potentially a "
    "list "
    "of arguments, and a return type.\"\n"
    "type __Field { name: String! description: String args(includeDeprecated: Boolean = false): "
    "[__InputValue!]!\n"
    "type: __Type! isDeprecated: Boolean! deprecationReason: String }\n"
    "\"Arguments provided to Fields or Directives and the input fields of an InputObject are represented as "
    "Input "
    "Values which describe their type and optionally a default value.\"\n"
    "type __InputValue { name: String! description: String type: __Type!\n"
    "\"A GraphQL-formatted string representing the default value for this input value.\" defaultValue: "
    "String\n"
    "isDeprecated: Boolean! deprecationReason: String }\n"
    "\"One possible value for a given Enum. Enum values are unique values, not a placeholder for a string or "
    "numeric value. However an Enum value is returned in a JSON response as a string.\"\n"
    "type __EnumValue { name: String! description: String isDeprecated: Boolean! deprecationReason: String "
    "}\n"
    "\"A Directive provides a way to describe alternate runtime execution and type validation behavior in a "
    "GraphQL document.\\n\\nIn some cases, you need to provide options to alter GraphQL's execution behavior "
    "in ways field arguments will not suffice, such as conditionally including or skipping a field. "
    "Directives "
    "provide this by describing additional information to the executor.\"\n"
    "type __Directive { name: String! description: String isRepeatable: Boolean!\n"
    "locations: [__DirectiveLocation!]! args(includeDeprecated: Boolean = false): [__InputValue!]! }\n"
    "\"A Directive can be adjacent to many parts of the GraphQL language, a __DirectiveLocation describes "
    "one "
    "such possible adjacencies.\"\n"
    "enum __DirectiveLocation {\n"
    "\"Location adjacent to a query operation.\" QUERY\n"
    "\"Location adjacent to a mutation operation.\" MUTATION\n"
    "\"Location adjacent to a subscription operation.\" SUBSCRIPTION\n"
    "\"Location adjacent to a field.\" FIELD\n"
    "\"Location adjacent to a fragment definition.\" FRAGMENT_DEFINITION\n"
    "\"Location adjacent to a fragment spread.\" FRAGMENT_SPREAD\n"
    "\"Location adjacent to an inline fragment.\" INLINE_FRAGMENT\n"
    "\"Location adjacent to a variable definition.\" VARIABLE_DEFINITION\n"
    "\"Location adjacent to a schema definition.\" SCHEMA\n"
    "\"Location adjacent to a scalar definition.\" SCALAR\n"
    "\"Location adjacent to an object type definition.\" OBJECT\n"
    "\"Location adjacent to a field definition.\" FIELD_DEFINITION\n"
    "\"Location adjacent to an argument definition.\" ARGUMENT_DEFINITION\n"
    "\"Location adjacent to an interface definition.\" INTERFACE\n"
    "\"Location adjacent to a union definition.\" UNION\n"
    "\"Location adjacent to an enum definition.\" ENUM\n"
    "\"Location adjacent to an enum value definition.\" ENUM_VALUE\n"
    "\"Location adjacent to an input object type definition.\" INPUT_OBJECT\n"
    "\"Location adjacent to an input object field definition.\" INPUT_FIELD_DEFINITION\n"
    "}\n"
    "\"Directs the executor to include this field or fragment only when the `if` argument is true.\"\n"
    "directive @include(\"Included when true.\" if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "\"Directs the executor to skip this field or fragment when the `if` argument is true.\"\n"
    "directive @skip(\"Skipped when true.\" if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "\"Marks an element of a GraphQL schema as no longer supported.\"\n"
    "directive @deprecated(\"Explains why this element was deprecated, usually also including a suggestion "
    "for how "
    "to access supported similar data. Formatted using the Markdown syntax, as specified by "
    "[CommonMark](https://commonmark.org/).\" reason: String = \"No longer supported\") "
    "on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE\n"
    "\"Exposes a URL that specifies the behavior of this scalar.\"\n"
    "directive @specifiedBy(\"The URL that specifies the behavior of this scalar.\" url: String!) on "
    "SCALAR\n";

const gql_typedef *gql_tref_named(const gql_tref *ref)
{
    while (ref->wrap != GQL_TYPE_NAMED)
        ref = ref->of;
    return ref->named;
}

bool gql_type_is_composite(const gql_typedef *type)
{
    return type->kind == GQL_OBJECT || type->kind == GQL_INTERFACE || type->kind == GQL_UNION;
}

const char *gql_tref_print(const gql_tref *ref, char *buf, size_t size)
{
    switch (ref->wrap) {
    case GQL_TYPE_NAMED:
        snprintf(buf, size, "%s", ref->named->name);
        break;
    case GQL_TYPE_LIST: {
        char inner[256];
        snprintf(buf, size, "[%s]", gql_tref_print(ref->of, inner, sizeof(inner)));
        break;
    }
    case GQL_TYPE_NON_NULL: {
        char inner[256];
        snprintf(buf, size, "%s!", gql_tref_print(ref->of, inner, sizeof(inner)));
        break;
    }
    }
    return buf;
}

static const char *const builtin_scalars[][2] = {
    {"Int", "The `Int` scalar type represents non-fractional signed whole numeric values. Int can represent "
            "values between -(2^31) and 2^31 - 1."},
    {"Float", "The `Float` scalar type represents signed double-precision fractional values as specified by "
              "[IEEE 754](https://en.wikipedia.org/wiki/IEEE_floating_point)."},
    {"String",
     "The `String` scalar type represents textual data, represented as UTF-8 character sequences. The "
     "String type is most often used by GraphQL to represent free-form human-readable text."},
    {"Boolean", "The `Boolean` scalar type represents `true` or `false`."},
    {"ID",
     "The `ID` scalar type represents a unique identifier, often used to refetch an object or as key for a "
     "cache. The ID type appears in a JSON response as a String; however, it is not intended to be "
     "human-readable. When expected as an input type, any string (such as `\"4\"`) or integer (such as "
     "`4`) input value will be accepted as an ID."},
};

static int resolve_tref(builder *b, const gql_type_ref *ast, const gql_tref **out)
{
    gql_tref *r = base_arena_calloc(&b->s->arena, 1, sizeof(*r));
    if (r == NULL)
        return fail(b, ast->loc, "%s", "out of memory");
    r->wrap = ast->kind;
    if (ast->kind == GQL_TYPE_NAMED) {
        r->named = gql_schema_type(b->s, ast->name.ptr, ast->name.len);
        if (r->named == NULL)
            return fail(b, ast->loc, "Unknown type \"%s\".", ast->name.ptr);
    } else if (resolve_tref(b, ast->of, &r->of) != 0) {
        return -1;
    }
    *out = r;
    return 0;
}

/* @deprecated(reason: "...") -> the reason (spec default "No longer supported"); NULL when absent. */
static const char *deprecation(const gql_directives *dirs)
{
    for (const gql_directive *d = dirs->first; d != NULL; d = d->next) {
        if (strcmp(d->name.ptr, "deprecated") != 0)
            continue;
        for (const gql_argument *a = d->args.first; a != NULL; a = a->next)
            if (strcmp(a->name.ptr, "reason") == 0 && a->value->kind == GQL_VALUE_STRING)
                return a->value->text.ptr;
        return "No longer supported";
    }
    return NULL;
}

static const char *specified_by(const gql_directives *dirs)
{
    for (const gql_directive *d = dirs->first; d != NULL; d = d->next)
        if (strcmp(d->name.ptr, "specifiedBy") == 0)
            for (const gql_argument *a = d->args.first; a != NULL; a = a->next)
                if (strcmp(a->name.ptr, "url") == 0 && a->value->kind == GQL_VALUE_STRING)
                    return a->value->text.ptr;
    return NULL;
}

static int build_inputs(builder *b, const gql_input_value_defs *defs, const gql_argdef **out, size_t *n)
{
    gql_argdef *args = base_arena_calloc(&b->s->arena, defs->count ? defs->count : 1, sizeof(*args));
    if (args == NULL)
        return fail(b, (gql_loc){0, 0, 0}, "%s", "out of memory");
    size_t i = 0;
    for (const gql_input_value_def *d = defs->first; d != NULL; d = d->next, i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(args[j].name, d->name.ptr) == 0)
                return fail(b, d->loc, "Argument or input field \"%s\" is defined twice.", d->name.ptr);
        args[i].name = d->name.ptr;
        args[i].description = d->description.ptr;
        args[i].default_value = d->default_value;
        args[i].deprecation_reason = deprecation(&d->directives);
        args[i].directives = &d->directives;
        if (resolve_tref(b, d->type, &args[i].type) != 0)
            return -1;
        gql_kind k = gql_tref_named(args[i].type)->kind;
        if (k != GQL_SCALAR && k != GQL_ENUM && k != GQL_INPUT_OBJECT)
            return fail(b, d->loc, "The type of \"%s\" must be an input type.", d->name.ptr);
    }
    *out = args;
    *n = i;
    return 0;
}

static int build_fields(builder *b, const gql_definition *def, gql_typedef *t)
{
    gql_fielddef *fields =
        base_arena_calloc(&b->s->arena, def->field_count ? def->field_count : 1, sizeof(*fields));
    if (fields == NULL)
        return fail(b, def->loc, "%s", "out of memory");
    size_t i = 0;
    for (const gql_field_def *f = def->fields; f != NULL; f = f->next, i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(fields[j].name, f->name.ptr) == 0)
                return fail(b, f->loc, "Field \"%s\" is defined twice.", f->name.ptr);
        fields[i].name = f->name.ptr;
        fields[i].description = f->description.ptr;
        fields[i].deprecation_reason = deprecation(&f->directives);
        fields[i].directives = &f->directives;
        if (resolve_tref(b, f->type, &fields[i].type) != 0 ||
            build_inputs(b, &f->args, &fields[i].args, &fields[i].nargs) != 0)
            return -1;
        if (gql_tref_named(fields[i].type)->kind == GQL_INPUT_OBJECT)
            return fail(b, f->loc, "The type of field \"%s\" must be an output type.", f->name.ptr);
    }
    if (i == 0)
        return fail(b, def->loc, "Type \"%s\" must define one or more fields.", t->name);
    t->fields = fields;
    t->nfields = i;
    return 0;
}

static int resolve_names(builder *b, const gql_name_list *names, gql_kind want, const gql_typedef ***out,
                         size_t *n)
{
    size_t count = 0;
    for (const gql_name_list *l = names; l != NULL; l = l->next)
        count++;
    const gql_typedef **list =
        base_arena_calloc(&b->s->arena, count ? count : 1, sizeof(const gql_typedef *));
    if (list == NULL)
        return fail(b, (gql_loc){0, 0, 0}, "%s", "out of memory");
    size_t i = 0;
    for (const gql_name_list *l = names; l != NULL; l = l->next) {
        const gql_typedef *t = gql_schema_type(b->s, l->name.ptr, l->name.len);
        if (t == NULL)
            return fail(b, l->loc, "Unknown type \"%s\".", l->name.ptr);
        if (t->kind != want)
            return fail(b, l->loc,
                        want == GQL_INTERFACE ? "Type \"%s\" is not an interface."
                                              : "Union member \"%s\" is not an object type.",
                        l->name.ptr);
        list[i++] = t;
    }
    *out = list;
    *n = i;
    return 0;
}

static int build_directive(builder *b, const gql_definition *d, gql_directivedef *out)
{
    if (gql_schema_directive(b->s, d->name.ptr, d->name.len) != NULL)
        return fail(b, d->name_loc, "Directive \"@%s\" already exists in the schema. It cannot be redefined.",
                    d->name.ptr);
    out->name = d->name.ptr;
    out->description = d->description.ptr;
    out->repeatable = d->repeatable;
    out->declared_locations = d->locations;
    if (build_inputs(b, &d->args, &out->args, &out->nargs) != 0)
        return -1;
    for (const gql_name_list *l = d->locations; l != NULL; l = l->next) {
        unsigned bit = 0;
        while (bit < GQL_DIRLOC_COUNT && strcmp(gql_directive_location_names[bit], l->name.ptr) != 0)
            bit++;
        if (bit == GQL_DIRLOC_COUNT)
            return fail(b, l->loc, "Unknown directive location \"%s\".", l->name.ptr);
        out->locations |= 1u << bit;
    }
    return 0;
}

/* Adds the directive definitions of one document (the built-ins, then the SDL's). */
static int build_directives(builder *b, const gql_document *doc, size_t capacity)
{
    gql_directivedef *dirs = (gql_directivedef *)b->s->directives;
    if (dirs == NULL) {
        dirs = base_arena_calloc(&b->s->arena, capacity, sizeof(*dirs));
        if (dirs == NULL)
            return fail(b, (gql_loc){0, 0, 0}, "%s", "out of memory");
        b->s->directives = dirs;
    }
    for (const gql_definition *d = doc->first; d != NULL; d = d->next) {
        if (d->kind != GQL_DEF_DIRECTIVE)
            continue;
        if (build_directive(b, d, &dirs[b->s->ndirectives]) != 0)
            return -1;
        b->s->ndirectives++;
    }
    return 0;
}

/* Each interface learns the object types that implement it, for fragments and introspection. */
static int link_implementations(builder *b)
{
    gql_schema *s = b->s;
    for (size_t i = 0; i < s->ntypes; i++) {
        gql_typedef *iface = (gql_typedef *)s->types[i];
        if (iface->kind != GQL_INTERFACE)
            continue;
        size_t n = 0;
        for (size_t j = 0; j < s->ntypes; j++)
            for (size_t k = 0; s->types[j]->kind == GQL_OBJECT && k < s->types[j]->ninterfaces; k++)
                n += s->types[j]->interfaces[k] == iface;
        const gql_typedef **list = base_arena_calloc(&s->arena, n ? n : 1, sizeof(const gql_typedef *));
        if (list == NULL)
            return fail(b, (gql_loc){0, 0, 0}, "%s", "out of memory");
        n = 0;
        for (size_t j = 0; j < s->ntypes; j++)
            for (size_t k = 0; s->types[j]->kind == GQL_OBJECT && k < s->types[j]->ninterfaces; k++)
                if (s->types[j]->interfaces[k] == iface)
                    list[n++] = s->types[j];
        iface->implementations = list;
        iface->nimplementations = n;
    }
    return 0;
}

static gql_kind kind_of(gql_definition_kind k)
{
    switch (k) {
    case GQL_DEF_OBJECT:
        return GQL_OBJECT;
    case GQL_DEF_INTERFACE:
        return GQL_INTERFACE;
    case GQL_DEF_UNION:
        return GQL_UNION;
    case GQL_DEF_ENUM:
        return GQL_ENUM;
    case GQL_DEF_INPUT_OBJECT:
        return GQL_INPUT_OBJECT;
    default:
        return GQL_SCALAR;
    }
}

static bool is_type_def(const gql_definition *d)
{
    return d->kind >= GQL_DEF_SCALAR && d->kind <= GQL_DEF_INPUT_OBJECT;
}

/* Pass 1: every named type exists before any reference is resolved. */
static int declare_types(builder *b, const gql_document *doc, bool builtin)
{
    gql_schema *s = b->s;
    for (const gql_definition *d = doc->first; d != NULL; d = d->next) {
        if (d->kind == GQL_DEF_OPERATION || d->kind == GQL_DEF_FRAGMENT)
            return fail(b, d->loc, "%s", "An SDL document cannot contain operations or fragments.");
        if (d->is_extension)
            return fail(b, d->loc, "%s", "Type extensions are not supported in the served schema.");
        if (!is_type_def(d))
            continue;
        if (gql_schema_type(s, d->name.ptr, d->name.len) != NULL)
            return fail(b, d->name_loc, "There can be only one type named \"%s\".", d->name.ptr);
        if (!builtin && strncmp(d->name.ptr, "__", 2) == 0)
            return fail(b, d->name_loc, "Name \"%s\" must not begin with \"__\", which is reserved.",
                        d->name.ptr);
        gql_typedef *t = base_arena_calloc(&s->arena, 1, sizeof(*t));
        if (t == NULL)
            return fail(b, d->loc, "%s", "out of memory");
        t->kind = kind_of(d->kind);
        t->name = d->name.ptr;
        t->description = d->description.ptr;
        t->specified_by_url = specified_by(&d->directives);
        t->directives = &d->directives;
        s->types[s->ntypes++] = t;
    }
    return 0;
}

/* Pass 2: fields, arguments, members, values and root types. */
static int define_types(builder *b, const gql_document *doc)
{
    gql_schema *s = b->s;
    for (const gql_definition *d = doc->first; d != NULL; d = d->next) {
        if (d->kind == GQL_DEF_SCHEMA) {
            s->description = d->description.ptr;
            for (const gql_root_operation_def *r = d->root_operations; r != NULL; r = r->next) {
                const gql_typedef *t = gql_schema_type(s, r->type_name.ptr, r->type_name.len);
                if (t == NULL || t->kind != GQL_OBJECT)
                    return fail(b, r->loc, "Root type \"%s\" must be a defined object type.",
                                r->type_name.ptr);
                if (r->operation == GQL_OP_QUERY)
                    s->query = t;
                else if (r->operation == GQL_OP_MUTATION)
                    s->mutation = t;
                else
                    s->subscription = t;
            }
            continue;
        }
        if (!is_type_def(d))
            continue;
        gql_typedef *t = (gql_typedef *)gql_schema_type(s, d->name.ptr, d->name.len);
        switch (d->kind) {
        case GQL_DEF_OBJECT:
        case GQL_DEF_INTERFACE:
            if (build_fields(b, d, t) != 0 ||
                resolve_names(b, d->interfaces, GQL_INTERFACE, &t->interfaces, &t->ninterfaces) != 0)
                return -1;
            break;
        case GQL_DEF_UNION:
            if (resolve_names(b, d->members, GQL_OBJECT, &t->members, &t->nmembers) != 0)
                return -1;
            break;
        case GQL_DEF_INPUT_OBJECT:
            if (build_inputs(b, &d->input_fields, &t->input_fields, &t->ninput_fields) != 0)
                return -1;
            break;
        case GQL_DEF_ENUM: {
            size_t n = 0;
            for (const gql_enum_value_def *v = d->enum_values; v != NULL; v = v->next)
                n++;
            gql_enumdef *vals = base_arena_calloc(&s->arena, n ? n : 1, sizeof(*vals));
            if (vals == NULL)
                return fail(b, d->loc, "%s", "out of memory");
            n = 0;
            for (const gql_enum_value_def *v = d->enum_values; v != NULL; v = v->next, n++) {
                vals[n].name = v->name.ptr;
                vals[n].description = v->description.ptr;
                vals[n].deprecation_reason = deprecation(&v->directives);
            }
            t->values = vals;
            t->nvalues = n;
            break;
        }
        default:
            break;
        }
    }
    return 0;
}

/* The meta fields (spec 4.1 and 4.2): __typename on every type, __schema and __type on the query root. */
static int build_meta_fields(builder *b)
{
    gql_schema *s = b->s;
    static const char sdl[] =
        "type __Meta { __typename: String! __schema: __Schema! __type(name: String!): __Type }";
    gql_syntax_error syn;
    gql_document *doc = gql_parse(&s->arena, sdl, sizeof(sdl) - 1, NULL, &syn);
    if (doc == NULL)
        return fail(b, syn.loc, "%s", syn.message);
    gql_typedef holder = {.name = "__Meta"};
    if (build_fields(b, doc->first, &holder) != 0)
        return -1;
    s->meta_typename = &holder.fields[0];
    s->meta_schema = &holder.fields[1];
    s->meta_type = &holder.fields[2];
    return 0;
}

static int build(builder *b, const gql_document *builtins, const gql_document *doc)
{
    gql_schema *s = b->s;
    size_t cap = 5 + builtins->count + doc->count;
    s->types = base_arena_calloc(&s->arena, cap, sizeof(const gql_typedef *));
    if (s->types == NULL)
        return fail(b, (gql_loc){0, 0, 0}, "%s", "out of memory");
    for (size_t i = 0; i < 5; i++) {
        gql_typedef *t = base_arena_calloc(&s->arena, 1, sizeof(*t));
        if (t == NULL)
            return fail(b, (gql_loc){0, 0, 0}, "%s", "out of memory");
        t->kind = GQL_SCALAR;
        t->name = builtin_scalars[i][0];
        t->description = builtin_scalars[i][1];
        s->types[s->ntypes++] = t;
    }
    /* Errors in the built-ins would be ours, not the SDL author's: name them apart. */
    const char *filename = b->filename;
    b->filename = "(built-in definitions)";
    int rc = declare_types(b, builtins, true);
    b->filename = filename;
    if (rc != 0 || declare_types(b, doc, false) != 0)
        return -1;
    b->filename = "(built-in definitions)";
    rc = define_types(b, builtins);
    b->filename = filename;
    if (rc != 0 || define_types(b, doc) != 0)
        return -1;

    size_t ndirectives = 0;
    for (const gql_definition *d = builtins->first; d != NULL; d = d->next)
        ndirectives += d->kind == GQL_DEF_DIRECTIVE;
    for (const gql_definition *d = doc->first; d != NULL; d = d->next)
        ndirectives += d->kind == GQL_DEF_DIRECTIVE;
    b->filename = "(built-in definitions)";
    rc = build_directives(b, builtins, ndirectives ? ndirectives : 1);
    b->filename = filename;
    if (rc != 0 || build_directives(b, doc, ndirectives ? ndirectives : 1) != 0 ||
        link_implementations(b) != 0 || build_meta_fields(b) != 0)
        return -1;
    /* Without a schema block the root types go by their conventional names, as graphql-js does. */
    bool explicit_roots = false;
    for (const gql_definition *d = doc->first; d != NULL; d = d->next)
        explicit_roots |= d->kind == GQL_DEF_SCHEMA;
    if (!explicit_roots) {
        s->query = gql_schema_type(s, "Query", 5);
        const gql_typedef *m = gql_schema_type(s, "Mutation", 8),
                          *sub = gql_schema_type(s, "Subscription", 12);
        s->mutation = m != NULL && m->kind == GQL_OBJECT ? m : NULL;
        s->subscription = sub != NULL && sub->kind == GQL_OBJECT ? sub : NULL;
    }
    if (s->query == NULL || s->query->kind != GQL_OBJECT)
        return fail(b, (gql_loc){1, 1, 0}, "%s", "The schema must define a Query object type.");
    return 0;
}

gql_schema *gql_schema_load(const char *sdl, size_t len, const char *filename, char *err, size_t errlen)
{
    gql_schema *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "%s: out of memory", filename);
        return NULL;
    }
    base_arena_init(&s->arena, 0);
    builder b = {s, filename, err, errlen};
    gql_syntax_error syn;
    gql_document *doc = gql_parse(&s->arena, sdl, len, NULL, &syn);
    if (doc == NULL) {
        snprintf(err, errlen, "%s:%u:%u: %s", filename, syn.loc.line, syn.loc.column, syn.message);
        gql_schema_free(s);
        return NULL;
    }
    gql_document *builtins = gql_parse(&s->arena, builtin_sdl, sizeof(builtin_sdl) - 1, NULL, &syn);
    if (builtins == NULL || build(&b, builtins, doc) != 0) {
        if (builtins == NULL)
            snprintf(err, errlen, "built-in definitions:%u:%u: %s", syn.loc.line, syn.loc.column,
                     syn.message);
        gql_schema_free(s);
        return NULL;
    }
    return s;
}

void gql_schema_free(gql_schema *schema)
{
    if (schema == NULL)
        return;
    base_arena_free(&schema->arena);
    free(schema);
}
