/*
 * gql_schema: the type system that validation, execution and introspection
 * read, built once at start-up from SDL (schema/schema.graphql) plus the
 * built-in scalars, introspection types and directives. Immutable after
 * loading and shared by every thread without locks.
 */
#ifndef GQL_SCHEMA_H
#define GQL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "schema/base/arena.h"
#include "schema/gql_ast.h"

typedef enum gql_kind {
    GQL_SCALAR,
    GQL_OBJECT,
    GQL_INTERFACE,
    GQL_UNION,
    GQL_ENUM,
    GQL_INPUT_OBJECT,
} gql_kind;

typedef struct gql_typedef gql_typedef;

/* A reference to a type as written: Named, [T], T!. */
typedef struct gql_tref gql_tref;
struct gql_tref {
    gql_type_kind wrap;       /* GQL_TYPE_NAMED, GQL_TYPE_LIST or GQL_TYPE_NON_NULL (from gql_ast.h) */
    const gql_typedef *named; /* GQL_TYPE_NAMED */
    const gql_tref *of;       /* the wrapped reference */
};

typedef struct gql_argdef { /* field arguments and input object fields */
    const char *name;
    const char *description; /* NULL when none */
    const gql_tref *type;
    const gql_value *default_value;   /* NULL when none */
    const char *deprecation_reason;   /* NULL unless @deprecated */
    const gql_directives *directives; /* as applied in the SDL (hints such as @cost); never NULL */
} gql_argdef;

typedef struct gql_fielddef {
    const char *name;
    const char *description;
    const gql_tref *type;
    const gql_argdef *args;
    size_t nargs;
    const char *deprecation_reason;
    const gql_directives *directives; /* as applied in the SDL (hints such as @cacheControl); never NULL */
} gql_fielddef;

typedef struct gql_enumdef {
    const char *name;
    const char *description;
    const char *deprecation_reason;
} gql_enumdef;

/* Where a directive may appear (spec 3.13), as bits so a definition's set is one word. */
typedef enum gql_directive_location {
    GQL_DIRLOC_QUERY = 1u << 0,
    GQL_DIRLOC_MUTATION = 1u << 1,
    GQL_DIRLOC_SUBSCRIPTION = 1u << 2,
    GQL_DIRLOC_FIELD = 1u << 3,
    GQL_DIRLOC_FRAGMENT_DEFINITION = 1u << 4,
    GQL_DIRLOC_FRAGMENT_SPREAD = 1u << 5,
    GQL_DIRLOC_INLINE_FRAGMENT = 1u << 6,
    GQL_DIRLOC_VARIABLE_DEFINITION = 1u << 7,
    GQL_DIRLOC_SCHEMA = 1u << 8,
    GQL_DIRLOC_SCALAR = 1u << 9,
    GQL_DIRLOC_OBJECT = 1u << 10,
    GQL_DIRLOC_FIELD_DEFINITION = 1u << 11,
    GQL_DIRLOC_ARGUMENT_DEFINITION = 1u << 12,
    GQL_DIRLOC_INTERFACE = 1u << 13,
    GQL_DIRLOC_UNION = 1u << 14,
    GQL_DIRLOC_ENUM = 1u << 15,
    GQL_DIRLOC_ENUM_VALUE = 1u << 16,
    GQL_DIRLOC_INPUT_OBJECT = 1u << 17,
    GQL_DIRLOC_INPUT_FIELD_DEFINITION = 1u << 18,
} gql_directive_location;

enum { GQL_DIRLOC_COUNT = GQL_DIRECTIVE_LOCATION_COUNT };

/* The spec's name of location bit i ("QUERY", "FIELD", ...), in declaration order. */
const char *gql_directive_location_name(unsigned bit_index);

typedef struct gql_directivedef {
    const char *name; /* without '@' */
    const char *description;
    const gql_argdef *args;
    size_t nargs;
    bool repeatable;
    unsigned locations;                      /* gql_directive_location bits */
    const gql_name_list *declared_locations; /* as written: introspection lists them in this order */
} gql_directivedef;

struct gql_typedef {
    gql_kind kind;
    const char *name;
    const char *description;
    const char *specified_by_url; /* scalars with @specifiedBy */
    const gql_fielddef *fields;   /* objects and interfaces */
    size_t nfields;
    const gql_typedef **interfaces; /* objects and interfaces */
    size_t ninterfaces;
    const gql_typedef **members; /* unions */
    size_t nmembers;
    const gql_typedef *
        *implementations; /* interfaces: the object types that implement them, in schema order */
    size_t nimplementations;
    const gql_enumdef *values; /* enums */
    size_t nvalues;
    const gql_argdef *input_fields; /* input objects */
    size_t ninput_fields;
    const gql_directives
        *directives; /* as applied in the SDL (hints such as @cacheControl); NULL for built-ins */
};

typedef struct gql_schema {
    base_arena arena; /* owns everything below, the SDL text included */
    const char *description;
    const gql_typedef **types; /* in definition order, built-in scalars first */
    size_t ntypes;
    const gql_typedef *query;
    const gql_typedef *mutation;     /* NULL when not served */
    const gql_typedef *subscription; /* NULL when not served */
    /* Built-in (include, skip, deprecated, specifiedBy) first, then the SDL's. */
    const gql_directivedef *directives;
    size_t ndirectives;
    /* The meta fields: __typename (every composite type), __schema and __type (the query root). */
    const gql_fielddef *meta_typename;
    const gql_fielddef *meta_schema;
    const gql_fielddef *meta_type;
} gql_schema;

/*
 * Builds a schema from SDL text. On failure returns NULL and writes one line
 * naming the line of the SDL ("schema.graphql:12:3: Unknown type \"Prodcut\".").
 */
gql_schema *gql_schema_load(const char *sdl, size_t len, const char *filename, char *err, size_t errlen);
void gql_schema_free(gql_schema *schema);

const gql_typedef *gql_schema_type(const gql_schema *schema, const char *name, size_t len);
const gql_fielddef *gql_type_field(const gql_typedef *type, const char *name, size_t len);
/* As gql_type_field, plus the meta fields where the spec puts them (validation and execution use this one).
 */
const gql_fielddef *gql_type_field_meta(const gql_schema *schema, const gql_typedef *type, const char *name,
                                        size_t len);
const gql_argdef *gql_field_arg(const gql_fielddef *field, const char *name, size_t len);
/* The directive `name` applied to a type or field in the SDL, or NULL (directives may be NULL). */
const gql_directive *gql_applied_directive(const gql_directives *directives, const char *name);
/* The value of argument `name` of an applied directive, or NULL. */
const gql_value *gql_directive_arg(const gql_directive *directive, const char *name);
const gql_directivedef *gql_schema_directive(const gql_schema *schema, const char *name, size_t len);
/* True when an object type is `type` itself, implements it (interface) or is one of its members (union). */
bool gql_type_possible(const gql_typedef *abstract_or_object, const gql_typedef *object);

/* The innermost named type of a reference: [Product!]! -> Product. */
const gql_typedef *gql_tref_named(const gql_tref *ref);
/* Objects, interfaces and unions have subfields; scalars and enums are leaves. */
bool gql_type_is_composite(const gql_typedef *type);
/* Writes a reference as SDL does ("[ID!]!") into buf; returns buf. */
const char *gql_tref_print(const gql_tref *ref, char *buf, size_t size);

#endif
