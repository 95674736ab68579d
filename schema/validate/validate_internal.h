/*
 * validate_internal.h: what the validation rules share. Not a public header:
 * only schema/gql_validate.c and schema/validate/ include it.
 *
 * The shape is graphql-js's (src/validation/): one walk over the document in
 * the order of graphql-js's visitor keys, a TypeInfo kept beside it, and every
 * rule a small table of enter/leave handlers called in `specifiedRules` order
 * for each node. A handler that returns true skips the node's subtree for its
 * own rule only, as returning `false` from a graphql-js visitor does. Keeping
 * that shape is what makes the errors come out in graphql-js's order, with
 * graphql-js's messages and locations, so the differential test can demand
 * exact agreement.
 *
 * Memory: everything here lives in a scratch arena released when validation
 * ends; only the error messages go to the caller's arena.
 */
#ifndef GQL_VALIDATE_INTERNAL_H
#define GQL_VALIDATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema/base/arena.h"
#include "schema/gql_ast.h"
#include "schema/gql_errors.h"
#include "schema/gql_schema.h"

/* graphql-js's validate() default: past this many errors it adds one more and stops. */
enum { GQLV_MAX_ERRORS = 100 };

/* ---- small containers in the scratch arena ---- */

/* Open-addressing hash map from a string or a 64-bit key (pointers included) to a pointer. */
typedef struct gqlv_slot gqlv_slot;
typedef struct gqlv_map {
    base_arena *arena;
    gqlv_slot *slots;
    size_t cap; /* a power of two, or 0 before the first insertion */
    size_t count;
} gqlv_map;

void gqlv_map_init(gqlv_map *m, base_arena *arena);
/* The value stored under the key, or NULL. */
void *gqlv_map_get(const gqlv_map *m, const char *key, size_t len);
void *gqlv_map_get_u64(const gqlv_map *m, uint64_t key);
/* The slot of the key's value, inserted (NULL) when absent; NULL only when out of memory. */
void **gqlv_map_slot(gqlv_map *m, const char *key, size_t len);
void **gqlv_map_slot_u64(gqlv_map *m, uint64_t key);
/* The same map holding numbers instead (0 when absent): one map holds one kind of value. */
uint64_t gqlv_map_id(const gqlv_map *m, const char *key, size_t len);
uint64_t *gqlv_map_id_slot(gqlv_map *m, const char *key, size_t len);
uint64_t *gqlv_map_id_slot_u64(gqlv_map *m, uint64_t key);

/*
 * A compact map from nonzero 64-bit keys to a small nonzero value (8 bytes and
 * one per slot), for memos that may grow large. With max_entries, insertions
 * past it are refused (a memo then simply remembers no more).
 */
typedef struct gqlv_keyset {
    base_arena *arena;
    uint64_t *keys; /* 0 marks a free slot */
    uint8_t *values;
    size_t cap;
    size_t count;
    size_t max;
} gqlv_keyset;

void gqlv_keyset_init(gqlv_keyset *k, base_arena *arena, size_t max_entries);
uint8_t gqlv_keyset_get(const gqlv_keyset *k, uint64_t key); /* 0 when absent */
/* False when refused: out of memory, or full. */
bool gqlv_keyset_put(gqlv_keyset *k, uint64_t key, uint8_t value);

/* A growable array of pointers. */
typedef struct gqlv_vec {
    const void **items;
    size_t len;
    size_t cap;
} gqlv_vec;

bool gqlv_vec_push(base_arena *arena, gqlv_vec *v, const void *item);

/* A string builder; allocation failure is sticky (`failed`) and leaves the text as it was. */
typedef struct gqlv_str {
    base_arena *arena;
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} gqlv_str;

void gqlv_str_init(gqlv_str *s, base_arena *arena);
void gqlv_str_append(gqlv_str *s, const char *text, size_t len);
void gqlv_str_puts(gqlv_str *s, const char *text);
void gqlv_str_printf(gqlv_str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text so far, NUL-terminated ("" when nothing could be allocated). */
const char *gqlv_str_cstr(gqlv_str *s);

/* ---- the validation context: one per gql_validate call ---- */

/* A use of a variable, with the input type and default value of where it stands (graphql-js's VariableUsage).
 */
typedef struct gqlv_usage {
    const gql_value *node;
    const gql_tref *type;           /* NULL when the position has no known input type */
    const gql_value *default_value; /* the position's default; NULL when it has none */
} gqlv_usage;

typedef struct gqlv_usages {
    gqlv_usage *items;
    size_t count;
} gqlv_usages;

/* What the rules need to know about a fragment name, computed at most once. */
typedef struct gqlv_fragment {
    const gql_definition *def; /* the last definition of this name, as graphql-js's getFragment */
    gqlv_vec spreads;          /* getFragmentSpreads(def->selection_set), in graphql-js's order */
    bool have_spreads;
    gqlv_usages usages;
    bool have_usages;
    unsigned collected; /* the walk of getRecursivelyReferencedFragments that last reached it */
    unsigned used;      /* NoUnusedFragments' mark */
    /* NoFragmentCycles' depth-first search */
    bool cycle_visited;
    long cycle_path_index; /* -1 when not on the current spread path */
} gqlv_fragment;

typedef struct gqlv_operation {
    gqlv_vec fragments; /* getRecursivelyReferencedFragments: gqlv_fragment *, in graphql-js's order */
    bool have_fragments;
    gqlv_usages usages; /* getRecursiveVariableUsages */
    bool have_usages;
} gqlv_operation;

typedef struct gqlv_ctx {
    const gql_schema *schema;
    const gql_document *doc;
    gql_errors *errors;
    base_arena *arena; /* scratch, released after validation */
    size_t reported;
    bool aborted;            /* the error limit was reached (or memory ran out): every walk stops */
    gqlv_map fragments;      /* name -> gqlv_fragment * */
    gqlv_map operations;     /* definition pointer -> gqlv_operation * */
    gqlv_map named_refs;     /* gql_typedef pointer -> gql_tref * naming it */
    gqlv_map types;          /* type name -> gql_typedef * as gqlv_type found it */
    gqlv_map doc_directives; /* name -> gql_definition * of the document's own directive definitions */
    unsigned collect_walk;
    int unreferenced_scalars; /* -1 until computed; then a bit per built-in scalar the schema never uses */
    bool no_suggestions;      /* no "Did you mean ...?" in any message (gql_validate_options) */
} gqlv_ctx;

/*
 * Reports one error at the given locations. Returns false once validation is
 * aborted: the 101st error becomes graphql-js's "Too many validation errors"
 * and sets ctx->aborted, after which nothing more is reported.
 */
bool gqlv_report(gqlv_ctx *ctx, const char *message, const gql_loc *locs, size_t nlocs);
bool gqlv_reportf(gqlv_ctx *ctx, const gql_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool gqlv_reportn(gqlv_ctx *ctx, const gql_loc *locs, size_t nlocs, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/*
 * graphql-js's groupBy check: for each name given more than once, in order of
 * first appearance, "There can be only one <what> named "<name>"." at every
 * occurrence.
 */
void gqlv_report_duplicates(gqlv_ctx *ctx, const char *const *names, const gql_loc *locs, size_t n,
                            const char *what);
/* Stops validation with an error of our own (out of memory, a work limit): never a silent pass. */
void gqlv_abort(gqlv_ctx *ctx, const char *message);
/* Out of scratch memory: validation stops with an error. Returns NULL for the caller's convenience. */
void *gqlv_oom(gqlv_ctx *ctx);

/* graphql-js's getFragment: the last fragment definition of that name, or NULL. */
gqlv_fragment *gqlv_fragment_named(gqlv_ctx *ctx, const char *name, size_t len);
/* getFragmentSpreads of any selection set (cached for fragments' own sets). */
const gqlv_vec *gqlv_fragment_spreads(gqlv_ctx *ctx, const gqlv_fragment *frag);
bool gqlv_collect_spreads(gqlv_ctx *ctx, const gql_selection_set *set, gqlv_vec *out);
/* getRecursivelyReferencedFragments(operation): gqlv_fragment pointers. NULL when out of memory. */
const gqlv_vec *gqlv_referenced_fragments(gqlv_ctx *ctx, const gql_definition *operation);
/* getRecursiveVariableUsages(operation). NULL when out of memory. */
const gqlv_usages *gqlv_recursive_usages(gqlv_ctx *ctx, const gql_definition *operation);

/* ---- the schema as graphql-js sees it ---- */

/*
 * schema.getType(name): like gql_schema_type, except that a built-in scalar the
 * schema never references does not exist (graphql-js's type map only holds the
 * types a schema reaches; the spec's introspection omits them too).
 */
const gql_typedef *gqlv_type(gqlv_ctx *ctx, const char *name, size_t len);
/* typeFromAST: NULL when the named type is unknown. */
const gql_tref *gqlv_type_from_ast(gqlv_ctx *ctx, const gql_type_ref *ref);
/* A reference naming the type itself (for roots and type conditions). */
const gql_tref *gqlv_named_ref(gqlv_ctx *ctx, const gql_typedef *type);
bool gqlv_is_input_type(const gql_tref *t);
bool gqlv_is_output_type(const gql_tref *t);
bool gqlv_is_leaf(const gql_typedef *t);
bool gqlv_is_abstract(const gql_typedef *t);
/* Strips one non-null wrapper, as getNullableType. */
const gql_tref *gqlv_nullable(const gql_tref *t);
/* schema.isSubType(abstract, maybe): maybe is a member of the union or implements the interface. */
bool gqlv_is_sub_type(const gql_typedef *abstract, const gql_typedef *maybe);
/* isTypeSubTypeOf(maybe, super) for input positions. */
bool gqlv_is_type_sub_type_of(const gql_tref *maybe, const gql_tref *super);
/* doTypesOverlap. */
bool gqlv_types_overlap(const gql_typedef *a, const gql_typedef *b);

/* A directive as the rules see it: the document's own definition wins over the schema's. */
typedef struct gqlv_directive {
    const char *name;
    unsigned locations; /* gql_directive_location bits */
    bool repeatable;
    const gql_directivedef *schema_def; /* when defined by the schema */
    const gql_definition *doc_def;      /* when defined by the document */
} gqlv_directive;

bool gqlv_directive_lookup(gqlv_ctx *ctx, const char *name, size_t len, gqlv_directive *out);

/* ---- printing as graphql-js's print() and inspect() do ---- */

void gqlv_print_tref(gqlv_str *s, const gql_tref *t);
void gqlv_print_type_ref(gqlv_str *s, const gql_type_ref *t);
/* `sorted` orders object fields by name first, as sortValueNode (for comparing arguments). */
void gqlv_print_value(gqlv_str *s, const gql_value *v, bool sorted);

/* ---- "Did you mean" ---- */

/* suggestionList: the options close to input, closest first; *out is in the scratch arena. */
size_t gqlv_suggestions(gqlv_ctx *ctx, const char *input, const char *const *options, size_t noptions,
                        const char ***out);
/* didYouMean: appends " Did you mean <sub> "a", "b", or "c"?" (nothing when there are none). */
void gqlv_did_you_mean(gqlv_str *s, const char *sub, const char *const *suggestions, size_t n);
int gqlv_natural_compare(const char *a, const char *b);

/* ---- names seen so far (small sets stay linear; large ones get a map) ---- */

typedef struct gqlv_names {
    base_arena *arena;
    const char **names;
    const void **values;
    size_t count;
    size_t cap;
    gqlv_map index; /* built once count passes a few entries */
} gqlv_names;

void gqlv_names_init(gqlv_names *n, base_arena *arena);
/* The value recorded for name, or NULL. */
const void *gqlv_names_get(gqlv_names *n, const char *name);
/* Records name -> value (replacing an earlier value); false when out of memory. */
bool gqlv_names_put(gqlv_names *n, const char *name, const void *value);

/* ---- the walk ---- */

typedef enum gqlv_kind {
    GQLV_DOCUMENT,
    GQLV_OPERATION,
    GQLV_VARIABLE_DEFINITION,
    GQLV_SELECTION_SET,
    GQLV_FIELD,
    GQLV_FRAGMENT_SPREAD,
    GQLV_INLINE_FRAGMENT,
    GQLV_FRAGMENT_DEFINITION,
    GQLV_ARGUMENT,
    GQLV_DIRECTIVE,
    GQLV_VALUE, /* every value kind, variables included */
    GQLV_OBJECT_FIELD,
    GQLV_NAMED_TYPE,
    GQLV_LIST_TYPE,
    GQLV_NON_NULL_TYPE,
    GQLV_TYPE_SYSTEM_DEFINITION, /* schema, types, directives and their extensions */
    GQLV_FIELD_DEFINITION,
    GQLV_INPUT_VALUE_DEFINITION,
    GQLV_ENUM_VALUE_DEFINITION,
    GQLV_KIND_COUNT
} gqlv_kind;

typedef struct gqlv_node gqlv_node;
struct gqlv_node {
    gqlv_kind kind;
    const gqlv_node *parent; /* the node that holds this one (a directive's parent is what it applies to) */
    union {
        const gql_document *document;
        const gql_definition *definition; /* operations, fragment and type-system definitions */
        const gql_variable_definition *variable;
        const gql_selection_set *selection_set;
        const gql_selection *selection; /* fields, spreads, inline fragments */
        const gql_argument *argument;
        const gql_directive *directive;
        const gql_value *value;
        const gql_object_field *object_field;
        const gql_type_ref *type_ref; /* list and non-null types */
        const gql_field_def *field_def;
        const gql_input_value_def *input_value_def;
        const gql_enum_value_def *enum_value_def;
    } u;
    /* GQLV_NAMED_TYPE: the name and where it is written */
    gql_str name;
    gql_loc loc;
};

/* graphql-js's TypeInfo, kept beside a walk. */
typedef struct gqlv_typeinfo {
    gqlv_vec types;          /* const gql_tref *, NULL where unknown */
    gqlv_vec parent_types;   /* const gql_typedef * */
    gqlv_vec input_types;    /* const gql_tref * */
    gqlv_vec field_defs;     /* const gql_fielddef * */
    gqlv_vec default_values; /* const gql_value * */
    const gql_directivedef *directive;
    const gql_argdef *argument;
} gqlv_typeinfo;

typedef struct gqlv_rule gqlv_rule;

enum { GQLV_MAX_RULES = 64 };

typedef struct gqlv_walk {
    gqlv_ctx *ctx;
    gqlv_typeinfo ti;
    const gqlv_rule *const *rules;
    void **states;
    const gqlv_node **skipping; /* per rule: the node whose subtree it skips, or NULL */
    size_t nrules;
    uint8_t by_kind[GQLV_KIND_COUNT][GQLV_MAX_RULES]; /* per node kind, the rules with a handler for it */
    uint8_t nby_kind[GQLV_KIND_COUNT];
    const gql_definition *definition; /* the top-level definition being walked */
    size_t depth;
} gqlv_walk;

/* A handler; returning true from an enter handler skips the node's subtree for this rule. */
typedef bool (*gqlv_handler)(gqlv_walk *w, void *state, const gqlv_node *node);

struct gqlv_rule {
    const char *name; /* graphql-js's name, e.g. "NoFragmentCyclesRule" */
    size_t state_size;
    void (*init)(gqlv_ctx *ctx, void *state); /* state arrives zeroed */
    gqlv_handler enter[GQLV_KIND_COUNT];
    gqlv_handler leave[GQLV_KIND_COUNT];
};

/* Walks the whole document, or one definition of it, with the given rules. */
void gqlv_walk_document(gqlv_ctx *ctx, const gqlv_rule *const *rules, size_t nrules);
void gqlv_walk_definition(gqlv_ctx *ctx, const gql_definition *def, const gqlv_rule *const *rules,
                          void **states, size_t nrules);

/* TypeInfo: entered before the rules see a node, left after they have. */
void gqlv_ti_enter(gqlv_walk *w, const gqlv_node *n);
void gqlv_ti_leave(gqlv_walk *w, const gqlv_node *n);
/* TypeInfo's getters. */
const gql_tref *gqlv_ti_type(const gqlv_walk *w);
const gql_typedef *gqlv_ti_parent_type(const gqlv_walk *w);
const gql_tref *gqlv_ti_input_type(const gqlv_walk *w);
const gql_tref *gqlv_ti_parent_input_type(const gqlv_walk *w);
const gql_fielddef *gqlv_ti_field_def(const gqlv_walk *w);
const gql_value *gqlv_ti_default_value(const gqlv_walk *w);

/* A field an object or interface defines (no meta fields); NULL for other kinds. */
const gql_fielddef *gqlv_type_field(const gql_typedef *type, const char *name, size_t len);
/* The field definition graphql-js's TypeInfo finds: meta fields included where the spec puts them. */
const gql_fielddef *gqlv_field_def(const gqlv_ctx *ctx, const gql_typedef *parent, const char *name,
                                   size_t len);

/* ---- the rules, in graphql-js's specifiedRules order (see gql_validate.c) ---- */

extern const gqlv_rule gqlv_executable_definitions;
extern const gqlv_rule gqlv_unique_operation_names;
extern const gqlv_rule gqlv_lone_anonymous_operation;
extern const gqlv_rule gqlv_single_field_subscriptions;
extern const gqlv_rule gqlv_known_type_names;
extern const gqlv_rule gqlv_fragments_on_composite_types;
extern const gqlv_rule gqlv_variables_are_input_types;
extern const gqlv_rule gqlv_scalar_leafs;
extern const gqlv_rule gqlv_fields_on_correct_type;
extern const gqlv_rule gqlv_unique_fragment_names;
extern const gqlv_rule gqlv_known_fragment_names;
extern const gqlv_rule gqlv_no_unused_fragments;
extern const gqlv_rule gqlv_possible_fragment_spreads;
extern const gqlv_rule gqlv_no_fragment_cycles;
extern const gqlv_rule gqlv_unique_variable_names;
extern const gqlv_rule gqlv_no_undefined_variables;
extern const gqlv_rule gqlv_no_unused_variables;
extern const gqlv_rule gqlv_known_directives;
extern const gqlv_rule gqlv_unique_directives_per_location;
extern const gqlv_rule gqlv_known_argument_names;
extern const gqlv_rule gqlv_unique_argument_names;
extern const gqlv_rule gqlv_values_of_correct_type;
extern const gqlv_rule gqlv_provided_required_arguments;
extern const gqlv_rule gqlv_variables_in_allowed_position;
extern const gqlv_rule gqlv_overlapping_fields_can_be_merged;
extern const gqlv_rule gqlv_unique_input_field_names;

#endif
