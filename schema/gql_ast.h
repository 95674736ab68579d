/*
 * gql_ast: the syntax tree of a GraphQL document (executable and type-system
 * definitions alike; rule 5.1.1 "Executable Definitions" is validation's job,
 * not the parser's). Every node lives in the request's base_arena.
 *
 * Sequences are singly linked through `next` with a `count` on their head so
 * the parser never reallocates. Names and string values are NUL-terminated
 * copies (string values are cooked: escapes resolved, block strings dedented).
 * Locations are 1-based line and column in Unicode code points, as the spec's
 * error `locations` want them.
 */
#ifndef GQL_AST_H
#define GQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gql_loc {
    uint32_t line;   /* 1-based */
    uint32_t column; /* 1-based, counted in code points */
    uint32_t offset; /* byte offset in the source */
} gql_loc;

typedef struct gql_str {
    const char *ptr; /* NUL-terminated; NULL when absent (e.g. no alias) */
    size_t len;
} gql_str;

/* ---- values ---- */

typedef enum gql_value_kind {
    GQL_VALUE_VARIABLE, /* text = variable name without '$' */
    GQL_VALUE_INT,      /* text = the literal as written */
    GQL_VALUE_FLOAT,    /* text = the literal as written */
    GQL_VALUE_STRING,   /* text = cooked UTF-8; block = it was a block string */
    GQL_VALUE_BOOLEAN,
    GQL_VALUE_NULL,
    GQL_VALUE_ENUM, /* text = the enum value's name */
    GQL_VALUE_LIST,
    GQL_VALUE_OBJECT,
} gql_value_kind;

typedef struct gql_value gql_value;
typedef struct gql_object_field gql_object_field;

struct gql_object_field {
    gql_str name;
    gql_value *value;
    gql_loc loc;
    gql_object_field *next;
};

struct gql_value {
    gql_value_kind kind;
    gql_loc loc;
    gql_str text;
    bool boolean;
    bool block;
    struct {
        gql_value *first; /* items linked through gql_value.next */
        size_t count;
    } list;
    struct {
        gql_object_field *first;
        size_t count;
    } object;
    gql_value *next; /* next item when this value is inside a list */
};

/* ---- types ---- */

typedef enum gql_type_kind { GQL_TYPE_NAMED, GQL_TYPE_LIST, GQL_TYPE_NON_NULL } gql_type_kind;

typedef struct gql_type_ref gql_type_ref;
struct gql_type_ref {
    gql_type_kind kind;
    gql_str name;     /* GQL_TYPE_NAMED */
    gql_type_ref *of; /* GQL_TYPE_LIST, GQL_TYPE_NON_NULL */
    gql_loc loc;
};

/* ---- arguments and directives ---- */

typedef struct gql_argument gql_argument;
struct gql_argument {
    gql_str name;
    gql_value *value;
    gql_loc loc;
    gql_argument *next;
};

typedef struct gql_arguments {
    gql_argument *first;
    size_t count;
} gql_arguments;

typedef struct gql_directive gql_directive;
struct gql_directive {
    gql_str name;
    gql_arguments args;
    gql_loc loc; /* of the '@' */
    gql_directive *next;
};

typedef struct gql_directives {
    gql_directive *first;
    size_t count;
} gql_directives;

/* ---- selections ---- */

typedef enum gql_selection_kind {
    GQL_SELECTION_FIELD,
    GQL_SELECTION_FRAGMENT_SPREAD,
    GQL_SELECTION_INLINE_FRAGMENT,
} gql_selection_kind;

typedef struct gql_selection gql_selection;

typedef struct gql_selection_set {
    gql_selection *first;
    size_t count;
    gql_loc loc; /* of the '{' */
} gql_selection_set;

struct gql_selection {
    gql_selection_kind kind;
    gql_loc loc;            /* field: of the alias or name; fragments: of the '...' */
    gql_str alias;          /* FIELD: ptr NULL when there is none */
    gql_str name;           /* FIELD: field name; FRAGMENT_SPREAD: fragment name */
    gql_loc name_loc;       /* FIELD, FRAGMENT_SPREAD: of the name (validation reports some errors there) */
    gql_str type_condition; /* INLINE_FRAGMENT: ptr NULL when there is none */
    gql_loc type_condition_loc;
    gql_arguments args;               /* FIELD */
    gql_directives directives;        /* all kinds */
    gql_selection_set *selection_set; /* FIELD: NULL for a leaf; INLINE_FRAGMENT: always */
    gql_selection *next;
};

/* ---- executable definitions ---- */

typedef enum gql_operation_type {
    GQL_OP_QUERY,
    GQL_OP_MUTATION,
    GQL_OP_SUBSCRIPTION,
} gql_operation_type;

typedef struct gql_variable_definition gql_variable_definition;
struct gql_variable_definition {
    gql_str name;     /* without '$' */
    gql_loc loc;      /* of the '$' */
    gql_loc name_loc; /* of the name after the '$' */
    gql_type_ref *type;
    gql_value *default_value; /* NULL when there is none */
    gql_directives directives;
    gql_variable_definition *next;
};

typedef struct gql_variable_definitions {
    gql_variable_definition *first;
    size_t count;
} gql_variable_definitions;

/* ---- type-system definitions (SDL) ---- */

typedef struct gql_input_value_def gql_input_value_def; /* arguments and input fields */
struct gql_input_value_def {
    gql_str description; /* ptr NULL when there is none */
    gql_str name;
    gql_loc loc;
    gql_type_ref *type;
    gql_value *default_value;
    gql_directives directives;
    gql_input_value_def *next;
};

typedef struct gql_input_value_defs {
    gql_input_value_def *first;
    size_t count;
} gql_input_value_defs;

typedef struct gql_field_def gql_field_def;
struct gql_field_def {
    gql_str description;
    gql_str name;
    gql_loc loc;
    gql_input_value_defs args;
    gql_type_ref *type;
    gql_directives directives;
    gql_field_def *next;
};

typedef struct gql_enum_value_def gql_enum_value_def;
struct gql_enum_value_def {
    gql_str description;
    gql_str name;
    gql_loc loc;
    gql_directives directives;
    gql_enum_value_def *next;
};

typedef struct gql_name_list gql_name_list; /* implements A & B, union members, directive locations */
struct gql_name_list {
    gql_str name;
    gql_loc loc;
    gql_name_list *next;
};

typedef struct gql_root_operation_def gql_root_operation_def; /* schema { query: Query } */
struct gql_root_operation_def {
    gql_operation_type operation;
    gql_str type_name;
    gql_loc loc;
    gql_root_operation_def *next;
};

/* ---- the document ---- */

typedef enum gql_definition_kind {
    GQL_DEF_OPERATION,
    GQL_DEF_FRAGMENT,
    GQL_DEF_SCHEMA,
    GQL_DEF_SCALAR,
    GQL_DEF_OBJECT,
    GQL_DEF_INTERFACE,
    GQL_DEF_UNION,
    GQL_DEF_ENUM,
    GQL_DEF_INPUT_OBJECT,
    GQL_DEF_DIRECTIVE,
} gql_definition_kind;

typedef struct gql_definition gql_definition;
struct gql_definition {
    gql_definition_kind kind;
    bool is_extension; /* `extend type ...`, `extend schema ...` */
    gql_loc loc;       /* of the first token of the definition */
    gql_str description;
    gql_str name; /* ptr NULL for an anonymous operation and for schema definitions */
    gql_loc name_loc;

    /* GQL_DEF_OPERATION */
    gql_operation_type operation;
    gql_variable_definitions variables;

    /* GQL_DEF_FRAGMENT */
    gql_str type_condition;
    gql_loc type_condition_loc;

    /* all but GQL_DEF_DIRECTIVE */
    gql_directives directives;
    /* GQL_DEF_OPERATION and GQL_DEF_FRAGMENT */
    gql_selection_set *selection_set;

    /* GQL_DEF_OBJECT and GQL_DEF_INTERFACE */
    gql_name_list *interfaces;
    gql_field_def *fields;
    size_t field_count;
    /* GQL_DEF_UNION */
    gql_name_list *members;
    /* GQL_DEF_ENUM */
    gql_enum_value_def *enum_values;
    /* GQL_DEF_INPUT_OBJECT */
    gql_input_value_defs input_fields;
    /* GQL_DEF_SCHEMA */
    gql_root_operation_def *root_operations;
    /* GQL_DEF_DIRECTIVE */
    gql_input_value_defs args;
    bool repeatable;
    gql_name_list *locations;

    gql_definition *next;
};

/* The spec's DirectiveLocation names ("QUERY" ... "INPUT_FIELD_DEFINITION"), in the spec's order. */
enum { GQL_DIRECTIVE_LOCATION_COUNT = 19 };
extern const char *const gql_directive_location_names[GQL_DIRECTIVE_LOCATION_COUNT];

typedef struct gql_document {
    gql_definition *first;
    size_t count;
    size_t token_count; /* tokens read, for the token limit */
} gql_document;

#endif
