/*
 * What the two halves of OverlappingFieldsCanBeMerged share: the field maps
 * and structural classes (overlapping_fields_maps.c) and the comparisons
 * (overlapping_fields_can_be_merged.c). Internal to schema/validate/.
 */
#ifndef GQL_VALIDATE_OVERLAPPING_FIELDS_H
#define GQL_VALIDATE_OVERLAPPING_FIELDS_H

#include "schema/validate/validate_internal.h"

/*
 * Comparisons (of two fields, of two lists of fields under one response
 * name, of a fragment with fields or another fragment) before validation
 * gives up on a document: tens of milliseconds of work, far beyond any
 * legitimate document, reached only by hundreds of copies of one field with
 * distinct subselections or hundreds of fragments spread side by side. The
 * memo of conflict-free class pairs is bounded as well.
 */
enum { OFC_WORK_LIMIT = 100000, OFC_MEMO_ENTRIES = 1 << 18, OFC_MAX_RECURSION = 5000 };

typedef struct ofc_field {
    const gql_typedef *parent; /* NULL when unknown */
    const gql_selection *node;
    const gql_fielddef *def; /* NULL when unknown (meta fields too, as in graphql-js) */
    uint32_t cls;            /* structural class, 0 until computed */
} ofc_field;

typedef struct ofc_group {
    const char *response_name;
    ofc_field *fields;
    size_t n;
} ofc_group;

typedef struct ofc_map {
    ofc_group *groups; /* in first-seen order */
    size_t ngroups;
    gqlv_map index;          /* response name -> group index + 1, when there are many groups */
    gqlv_vec fragments;      /* names of the fragments spread here, first-seen order */
    gqlv_map fragment_index; /* when there are many */
    uint32_t cls;
} ofc_map;

typedef struct ofc_conflict ofc_conflict;
struct ofc_conflict {
    const char *response_name;
    const char *reason; /* NULL when the conflict is in the subfields */
    ofc_conflict *subs; /* the subfields' conflicts */
    const gql_selection *node1, *node2;
    ofc_conflict *next;
};

typedef struct ofc_list {
    ofc_conflict *first, *last;
    size_t count;
    size_t limit; /* 0, or the count at which the caller has all it can use */
} ofc_list;

typedef struct ofc {
    gqlv_ctx *ctx;
    gqlv_map maps;           /* selection set -> ofc_map * */
    gqlv_keyset pairs;       /* fragment name pair -> 1 (not exclusive) or 2 (mutually exclusive) */
    gqlv_map strings;        /* interned strings -> id */
    gqlv_map classes;        /* interned structures -> class */
    gqlv_map arg_values;     /* gql_argument * -> id of its printed, sorted value */
    gqlv_keyset no_conflict; /* class pair and exclusivity found free of conflicts */
    uint32_t nstrings, nclasses;
    size_t work, depth;
    bool stop; /* the top-level list is full: unwind */
} ofc;

void *ofc_oom(ofc *o);
bool ofc_halted(const ofc *o);
/* Counts one unit of work; false (validation aborted, with an error) past the limit. */
bool ofc_work(ofc *o);
/* Past the recursion bound validation is aborted: false. Balanced by o->depth--. */
bool ofc_enter_recursion(ofc *o);

/* getFieldsAndFragmentNames: the field map of a set, memoised per set (the first parent type asked wins). */
ofc_map *ofc_field_map(ofc *o, const gql_typedef *parent, const gql_selection_set *set);
/* getReferencedFieldsAndFragmentNames: a fragment's, with its type condition as the parent type. */
ofc_map *ofc_fragment_field_map(ofc *o, const gqlv_fragment *f);
ofc_group *ofc_group_named(const ofc_map *m, const char *name);
/* The named type of a field's type, or NULL for an unknown field (getNamedType(def?.type)). */
const gql_typedef *ofc_named_or_null(const gql_fielddef *def);

/* A field's structural class: equal classes behave the same in every comparison. */
uint32_t ofc_field_class(ofc *o, ofc_field *f);
/* The id of an argument value as graphql-js compares it: print(sortValueNode(value)). */
uint32_t ofc_argument_value(ofc *o, const gql_argument *a);
uint32_t ofc_intern_string(ofc *o, const char *s, size_t len);

#endif
