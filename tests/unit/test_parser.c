/*
 * The parser: the whole Document grammar (a kitchen-sink query and a
 * kitchen-sink SDL, modelled on graphql-js's fixtures), the spec's examples,
 * graphql-js 16's error messages and locations, the token, depth and memory
 * limits, and survival of every prefix of a valid document. Sources are
 * copied into exact-size heap buffers so ASan sees any read past the end.
 */
#include "check.h"
#include "schema/gql_parser.h"

#include <stdlib.h>

static gql_document *parse_n(base_arena *arena, const char *src, size_t len, const gql_parse_limits *limits,
                             gql_syntax_error *err)
{
    char *copy = malloc(len ? len : 1);
    memcpy(copy, src, len);
    gql_document *doc = gql_parse(arena, copy, len, limits, err);
    free(copy); /* the AST must not point into the source */
    return doc;
}

static gql_document *parse(base_arena *arena, const char *src, gql_syntax_error *err)
{
    return parse_n(arena, src, strlen(src), NULL, err);
}

static void check_error_at(int at, const char *src, size_t len, const char *want, uint32_t line, uint32_t col)
{
    base_arena arena;
    base_arena_init(&arena, 0);
    gql_syntax_error err;
    gql_document *doc = parse_n(&arena, src, len, NULL, &err);
    check_count++;
    if (doc != NULL || strcmp(err.message, want) != 0 || err.loc.line != line || err.loc.column != col) {
        check_failures++;
        fprintf(stderr, "test_parser.c:%d: parsing [%.*s]: got \"%s\" at %u:%u, want \"%s\" at %u:%u\n", at,
                (int)len, src, doc ? "(parsed)" : err.message, err.loc.line, err.loc.column, want, line, col);
    }
    base_arena_free(&arena);
}

#define CHECK_PARSE_ERROR(src, want, line, col)                                                              \
    check_error_at(__LINE__, src, sizeof(src) - 1, want, line, col)

static void check_parses_at(int at, const char *src)
{
    base_arena arena;
    base_arena_init(&arena, 0);
    gql_syntax_error err;
    check_count++;
    if (parse(&arena, src, &err) == NULL) {
        check_failures++;
        fprintf(stderr, "test_parser.c:%d: parsing [%s]: %s at %u:%u\n", at, src, err.message, err.loc.line,
                err.loc.column);
    }
    base_arena_free(&arena);
}

#define CHECK_PARSES(src) check_parses_at(__LINE__, src)

/* The i-th item of a linked list of any node type with a `next`. */
#define NTH(first, i) nth_node((void *)(first), offsetof(__typeof__(*(first)), next), (i))
static void *nth_node(void *node, size_t next_offset, size_t i)
{
    while (node != NULL && i-- > 0)
        node = *(void **)((char *)node + next_offset);
    return node;
}

/* A type reference printed back: [Int!]! */
static const char *type_str(const gql_type_ref *t, char *buf, size_t cap)
{
    if (t == NULL)
        return "(null)";
    char inner[128];
    switch (t->kind) {
    case GQL_TYPE_NAMED:
        snprintf(buf, cap, "%s", t->name.ptr);
        break;
    case GQL_TYPE_LIST:
        snprintf(buf, cap, "[%s]", type_str(t->of, inner, sizeof(inner)));
        break;
    case GQL_TYPE_NON_NULL:
        snprintf(buf, cap, "%s!", type_str(t->of, inner, sizeof(inner)));
        break;
    }
    return buf;
}

#define CHECK_TYPE(t, want)                                                                                  \
    do {                                                                                                     \
        char tb_[128];                                                                                       \
        CHECK_STR(type_str((t), tb_, sizeof(tb_)), (want));                                                  \
    } while (0)

static const char kitchen_sink_query[] =
    "# A document with every executable construct, after graphql-js's kitchen-sink.graphql.\n"
    "query queryName($foo: ComplexType, $site: Site = MOBILE, $ids: [ID!]! = [\"a\"]) @onQuery {\n"
    "  whoever123is: node(id: [123, 456]) {\n"
    "    id ,\n"
    "    ... on User @onInlineFragment {\n"
    "      field2 {\n"
    "        id ,\n"
    "        alias: field1(first:10, after:$foo,) @include(if: $foo) {\n"
    "          id,\n"
    "          ...frag @onFragmentSpread\n"
    "        }\n"
    "      }\n"
    "    }\n"
    "    ... @skip(unless: $foo) {\n"
    "      id\n"
    "    }\n"
    "    ... {\n"
    "      id\n"
    "    }\n"
    "  }\n"
    "}\n"
    "\n"
    "mutation likeStory @onMutation {\n"
    "  like(story: 123) @onField {\n"
    "    story {\n"
    "      id @onField\n"
    "    }\n"
    "  }\n"
    "}\n"
    "\n"
    "subscription StoryLikeSubscription(\n"
    "  $input: StoryLikeSubscribeInput @onVariableDefinition\n"
    ")\n"
    "  @onSubscription {\n"
    "  storyLikeSubscribe(input: $input) {\n"
    "    story {\n"
    "      likers {\n"
    "        count\n"
    "      }\n"
    "      likeSentence {\n"
    "        text\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n"
    "\n"
    "\"\"\"Fragments can be described (working draft).\"\"\"\n"
    "fragment frag on Friend @onFragmentDefinition {\n"
    "  foo(\n"
    "    size: $size\n"
    "    bar: $b\n"
    "    obj: {key: \"value\", block: \"\"\"\n"
    "      block string uses \\\"\"\"\n"
    "    \"\"\"}\n"
    "  )\n"
    "}\n"
    "\n"
    "{\n"
    "  unnamed(truthy: true, falsy: false, nullish: null, f: -1.5e3, e: ENUM_VALUE, empty: [], none: {}),\n"
    "  query\n"
    "}\n"
    "\n"
    "\"Operations too.\"\n"
    "query ($v: Int = 1 \"described variable\" $w: [[Int]]) { __typename }\n";

static void kitchen_sink_query_shape(void)
{
    base_arena arena;
    base_arena_init(&arena, 0);
    gql_syntax_error err;
    gql_document *doc = parse(&arena, kitchen_sink_query, &err);
    CHECK(doc != NULL);
    if (doc == NULL) {
        fprintf(stderr, "  %s at %u:%u\n", err.message, err.loc.line, err.loc.column);
        base_arena_free(&arena);
        return;
    }
    CHECK_INT(doc->count, 6);
    CHECK(doc->token_count > 200);

    /* query queryName(...) @onQuery */
    gql_definition *q = doc->first;
    CHECK_INT(q->kind, GQL_DEF_OPERATION);
    CHECK_INT(q->operation, GQL_OP_QUERY);
    CHECK_STR(q->name.ptr, "queryName");
    CHECK_INT(q->name_loc.line, 2);
    CHECK_INT(q->name_loc.column, 7);
    CHECK_INT(q->loc.line, 2);
    CHECK_INT(q->loc.column, 1);
    CHECK(q->description.ptr == NULL);
    CHECK_INT(q->variables.count, 3);
    gql_variable_definition *foo = q->variables.first, *site = NTH(foo, 1), *ids = NTH(foo, 2);
    CHECK_STR(foo->name.ptr, "foo");
    CHECK_INT(foo->loc.column, 17);
    CHECK_TYPE(foo->type, "ComplexType");
    CHECK(foo->default_value == NULL);
    CHECK_STR(site->name.ptr, "site");
    CHECK_TYPE(site->type, "Site");
    CHECK(site->default_value != NULL && site->default_value->kind == GQL_VALUE_ENUM);
    CHECK_STR(site->default_value->text.ptr, "MOBILE");
    CHECK_TYPE(ids->type, "[ID!]!");
    CHECK_INT(ids->type->loc.column, 64);
    CHECK(ids->default_value->kind == GQL_VALUE_LIST && ids->default_value->list.count == 1);
    CHECK_STR(ids->default_value->list.first->text.ptr, "a");
    CHECK_INT(q->directives.count, 1);
    CHECK_STR(q->directives.first->name.ptr, "onQuery");
    CHECK_INT(q->directives.first->loc.column, 80);

    gql_selection_set *set = q->selection_set;
    CHECK_INT(set->count, 1);
    CHECK_INT(set->loc.column, 89);
    gql_selection *node = set->first;
    CHECK_INT(node->kind, GQL_SELECTION_FIELD);
    CHECK_STR(node->alias.ptr, "whoever123is");
    CHECK_STR(node->name.ptr, "node");
    CHECK_INT(node->loc.line, 3);
    CHECK_INT(node->loc.column, 3);
    CHECK_INT(node->args.count, 1);
    CHECK_STR(node->args.first->name.ptr, "id");
    gql_value *id_list = node->args.first->value;
    CHECK(id_list->kind == GQL_VALUE_LIST && id_list->list.count == 2);
    CHECK_INT(id_list->list.first->kind, GQL_VALUE_INT);
    CHECK_STR(id_list->list.first->text.ptr, "123");
    CHECK_STR(id_list->list.first->next->text.ptr, "456");
    CHECK_INT(node->selection_set->count, 4);

    gql_selection *id = node->selection_set->first, *on_user = NTH(id, 1), *skip = NTH(id, 2),
                  *bare = NTH(id, 3);
    CHECK(id->kind == GQL_SELECTION_FIELD && id->alias.ptr == NULL && id->selection_set == NULL);
    CHECK_STR(id->name.ptr, "id");
    CHECK_INT(on_user->kind, GQL_SELECTION_INLINE_FRAGMENT);
    CHECK_STR(on_user->type_condition.ptr, "User");
    CHECK_INT(on_user->type_condition_loc.column, 12);
    CHECK_INT(on_user->loc.column, 5);
    CHECK_STR(on_user->directives.first->name.ptr, "onInlineFragment");
    gql_selection *field2 = on_user->selection_set->first;
    CHECK_STR(field2->name.ptr, "field2");
    gql_selection *alias = NTH(field2->selection_set->first, 1);
    CHECK_STR(alias->alias.ptr, "alias");
    CHECK_STR(alias->name.ptr, "field1");
    CHECK_INT(alias->args.count, 2);
    CHECK_STR(alias->args.first->value->text.ptr, "10");
    gql_argument *after = NTH(alias->args.first, 1);
    CHECK_STR(after->name.ptr, "after");
    CHECK_INT(after->value->kind, GQL_VALUE_VARIABLE);
    CHECK_STR(after->value->text.ptr, "foo");
    CHECK_INT(alias->directives.count, 1);
    CHECK_STR(alias->directives.first->name.ptr, "include");
    CHECK_STR(alias->directives.first->args.first->name.ptr, "if");
    gql_selection *spread = NTH(alias->selection_set->first, 1);
    CHECK_INT(spread->kind, GQL_SELECTION_FRAGMENT_SPREAD);
    CHECK_STR(spread->name.ptr, "frag");
    CHECK_STR(spread->directives.first->name.ptr, "onFragmentSpread");
    CHECK(spread->selection_set == NULL);
    CHECK_INT(skip->kind, GQL_SELECTION_INLINE_FRAGMENT);
    CHECK(skip->type_condition.ptr == NULL);
    CHECK_STR(skip->directives.first->name.ptr, "skip");
    CHECK_INT(bare->kind, GQL_SELECTION_INLINE_FRAGMENT);
    CHECK(bare->type_condition.ptr == NULL && bare->directives.count == 0);
    CHECK_INT(bare->selection_set->count, 1);

    gql_definition *m = q->next;
    CHECK_INT(m->operation, GQL_OP_MUTATION);
    CHECK_STR(m->name.ptr, "likeStory");
    CHECK_STR(m->directives.first->name.ptr, "onMutation");
    gql_selection *like = m->selection_set->first;
    CHECK_STR(like->directives.first->name.ptr, "onField");
    CHECK_STR(like->selection_set->first->selection_set->first->directives.first->name.ptr, "onField");

    gql_definition *s = m->next;
    CHECK_INT(s->operation, GQL_OP_SUBSCRIPTION);
    CHECK_STR(s->name.ptr, "StoryLikeSubscription");
    CHECK_INT(s->variables.count, 1);
    CHECK_STR(s->variables.first->directives.first->name.ptr, "onVariableDefinition");
    CHECK_INT(s->variables.first->loc.line, 32);
    CHECK_STR(s->directives.first->name.ptr, "onSubscription");

    gql_definition *f = s->next;
    CHECK_INT(f->kind, GQL_DEF_FRAGMENT);
    CHECK_STR(f->description.ptr, "Fragments can be described (working draft).");
    CHECK_INT(f->loc.line, 47);
    CHECK_STR(f->name.ptr, "frag");
    CHECK_INT(f->name_loc.line, 48);
    CHECK_INT(f->name_loc.column, 10);
    CHECK_STR(f->type_condition.ptr, "Friend");
    CHECK_INT(f->type_condition_loc.column, 18);
    CHECK_STR(f->directives.first->name.ptr, "onFragmentDefinition");
    gql_selection *foo_field = f->selection_set->first;
    CHECK_INT(foo_field->args.count, 3);
    gql_value *obj = ((gql_argument *)NTH(foo_field->args.first, 2))->value;
    CHECK_INT(obj->kind, GQL_VALUE_OBJECT);
    CHECK_INT(obj->object.count, 2);
    CHECK_STR(obj->object.first->name.ptr, "key");
    CHECK_STR(obj->object.first->value->text.ptr, "value");
    CHECK(!obj->object.first->value->block);
    gql_value *block = obj->object.first->next->value;
    CHECK(block->kind == GQL_VALUE_STRING && block->block);
    CHECK_STR(block->text.ptr, "block string uses \"\"\"");

    gql_definition *anon = f->next;
    CHECK_INT(anon->kind, GQL_DEF_OPERATION);
    CHECK_INT(anon->operation, GQL_OP_QUERY);
    CHECK(anon->name.ptr == NULL && anon->variables.count == 0);
    gql_selection *unnamed = anon->selection_set->first;
    CHECK_INT(unnamed->args.count, 7);
    gql_argument *a = unnamed->args.first;
    CHECK(a->value->kind == GQL_VALUE_BOOLEAN && a->value->boolean);
    a = a->next;
    CHECK(a->value->kind == GQL_VALUE_BOOLEAN && !a->value->boolean);
    a = a->next;
    CHECK_INT(a->value->kind, GQL_VALUE_NULL);
    a = a->next;
    CHECK_INT(a->value->kind, GQL_VALUE_FLOAT);
    CHECK_STR(a->value->text.ptr, "-1.5e3");
    a = a->next;
    CHECK_INT(a->value->kind, GQL_VALUE_ENUM);
    CHECK_STR(a->value->text.ptr, "ENUM_VALUE");
    a = a->next;
    CHECK(a->value->kind == GQL_VALUE_LIST && a->value->list.count == 0);
    a = a->next;
    CHECK(a->value->kind == GQL_VALUE_OBJECT && a->value->object.count == 0);
    /* Keywords are names like any other in a selection. */
    CHECK_STR(unnamed->next->name.ptr, "query");

    gql_definition *described = anon->next;
    CHECK_STR(described->description.ptr, "Operations too.");
    CHECK(described->name.ptr == NULL);
    CHECK_INT(described->variables.count, 2);
    CHECK_TYPE(((gql_variable_definition *)NTH(described->variables.first, 1))->type, "[[Int]]");
    CHECK_STR(described->selection_set->first->name.ptr, "__typename");
    base_arena_free(&arena);
}

static const char kitchen_sink_sdl[] =
    "\"\"\"This is a description\nof the `Foo` type.\"\"\"\n"
    "schema @onSchema {\n"
    "  query: QueryType\n"
    "  mutation: MutationType\n"
    "  subscription: SubscriptionType\n"
    "}\n"
    "\n"
    "\"\"\"\n"
    "    This is a description\n"
    "      of the `Foo` type.\n"
    "\"\"\"\n"
    "type Foo implements Bar & Baz & Two {\n"
    "  \"Description of the `one` field.\"\n"
    "  one: Type\n"
    "  \"\"\"This is a description of the `two` field.\"\"\"\n"
    "  two(\n"
    "    \"\"\"This is a description of the `argument` argument.\"\"\"\n"
    "    argument: InputType!\n"
    "  ): Type\n"
    "  three(argument: InputType, other: String): Int\n"
    "  four(argument: String = \"string\"): String\n"
    "  five(argument: [String] = [\"string\", \"string\"]): String\n"
    "  six(argument: InputType = {key: \"value\"}): Type\n"
    "  seven(argument: Int = null): Type\n"
    "  eight(argument: OneOfInputType): Type\n"
    "}\n"
    "\n"
    "type AnnotatedObject @onObject(arg: \"value\") {\n"
    "  annotatedField(arg: Type = \"default\" @onArgumentDefinition): Type @onField\n"
    "}\n"
    "\n"
    "type UndefinedType\n"
    "\n"
    "extend type Foo {\n"
    "  seven(argument: [String]): Type\n"
    "}\n"
    "\n"
    "extend type Foo @onType\n"
    "\n"
    "interface Bar {\n"
    "  one: Type\n"
    "  four(argument: String = \"string\"): String\n"
    "}\n"
    "\n"
    "interface AnnotatedInterface @onInterface {\n"
    "  annotatedField(arg: Type @onArgumentDefinition): Type @onField\n"
    "}\n"
    "\n"
    "interface UndefinedInterface\n"
    "\n"
    "extend interface Bar implements Two {\n"
    "  two(argument: InputType!): Type\n"
    "}\n"
    "\n"
    "extend interface Bar @onInterface\n"
    "\n"
    "interface Baz implements & Bar & Two {\n"
    "  one: Type\n"
    "  two(argument: InputType!): Type\n"
    "  four(argument: String = \"string\"): String\n"
    "}\n"
    "\n"
    "union Feed =\n"
    "  | Story\n"
    "  | Article\n"
    "  | Advert\n"
    "\n"
    "union AnnotatedUnion @onUnion = A | B\n"
    "\n"
    "union AnnotatedUnionTwo @onUnion = | A | B\n"
    "\n"
    "union UndefinedUnion\n"
    "\n"
    "extend union Feed = Photo | Video\n"
    "\n"
    "extend union Feed @onUnion\n"
    "\n"
    "scalar CustomScalar\n"
    "\n"
    "scalar AnnotatedScalar @onScalar\n"
    "\n"
    "extend scalar CustomScalar @onScalar\n"
    "\n"
    "enum Site {\n"
    "  \"\"\"This is a description of the `DESKTOP` value\"\"\"\n"
    "  DESKTOP\n"
    "\n"
    "  \"\"\"This is a description of the `MOBILE` value\"\"\"\n"
    "  MOBILE\n"
    "\n"
    "  \"This is a description of the `WEB` value\"\n"
    "  WEB\n"
    "}\n"
    "\n"
    "enum AnnotatedEnum @onEnum {\n"
    "  ANNOTATED_VALUE @onEnumValue\n"
    "  OTHER_VALUE\n"
    "}\n"
    "\n"
    "enum UndefinedEnum\n"
    "\n"
    "extend enum Site {\n"
    "  VR\n"
    "}\n"
    "\n"
    "extend enum Site @onEnum\n"
    "\n"
    "input InputType {\n"
    "  key: String!\n"
    "  answer: Int = 42\n"
    "}\n"
    "\n"
    "input OneOfInputType @oneOf {\n"
    "  string: String\n"
    "  int: Int\n"
    "}\n"
    "\n"
    "input AnnotatedInput @onInputObject {\n"
    "  annotatedField: Type @onInputFieldDefinition\n"
    "}\n"
    "\n"
    "input UndefinedInput\n"
    "\n"
    "extend input InputType {\n"
    "  other: Float = 1.23e4 @onInputFieldDefinition\n"
    "}\n"
    "\n"
    "extend input InputType @onInputObject\n"
    "\n"
    "\"\"\"\n"
    "This is a description of the `@skip` directive\n"
    "\"\"\"\n"
    "directive @skip(\n"
    "  \"\"\"This is a description of the `if` argument\"\"\"\n"
    "  if: Boolean! @onArgumentDefinition\n"
    ") on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "\n"
    "directive @include(if: Boolean!)\n"
    "  on FIELD\n"
    "   | FRAGMENT_SPREAD\n"
    "   | INLINE_FRAGMENT\n"
    "\n"
    "directive @include2(if: Boolean!) on\n"
    "  | FIELD\n"
    "  | FRAGMENT_SPREAD\n"
    "  | INLINE_FRAGMENT\n"
    "\n"
    "directive @myRepeatableDir(name: String!) repeatable on\n"
    "  | OBJECT\n"
    "  | INTERFACE\n"
    "\n"
    "extend schema @onSchema\n"
    "\n"
    "extend schema @onSchema {\n"
    "  subscription: SubscriptionType\n"
    "}\n";

static size_t name_list_len(const gql_name_list *n)
{
    size_t count = 0;
    for (; n != NULL; n = n->next)
        count++;
    return count;
}

static void kitchen_sink_sdl_shape(void)
{
    base_arena arena;
    base_arena_init(&arena, 0);
    gql_syntax_error err;
    gql_document *doc = parse(&arena, kitchen_sink_sdl, &err);
    CHECK(doc != NULL);
    if (doc == NULL) {
        fprintf(stderr, "  %s at %u:%u\n", err.message, err.loc.line, err.loc.column);
        base_arena_free(&arena);
        return;
    }
    CHECK_INT(doc->count, 38);

    gql_definition *d = doc->first;
    CHECK_INT(d->kind, GQL_DEF_SCHEMA);
    CHECK(!d->is_extension && d->name.ptr == NULL);
    CHECK_STR(d->description.ptr, "This is a description\nof the `Foo` type.");
    CHECK_STR(d->directives.first->name.ptr, "onSchema");
    gql_root_operation_def *r = d->root_operations;
    CHECK(r->operation == GQL_OP_QUERY && strcmp(r->type_name.ptr, "QueryType") == 0);
    CHECK_INT(r->loc.line, 4);
    CHECK_INT(r->loc.column, 3);
    CHECK(r->next->operation == GQL_OP_MUTATION && strcmp(r->next->type_name.ptr, "MutationType") == 0);
    CHECK(r->next->next->operation == GQL_OP_SUBSCRIPTION && r->next->next->next == NULL);

    d = d->next; /* type Foo */
    CHECK_INT(d->kind, GQL_DEF_OBJECT);
    CHECK_STR(d->name.ptr, "Foo");
    CHECK_INT(d->loc.line, 9);
    CHECK_INT(d->name_loc.line, 13);
    CHECK_STR(d->description.ptr, "This is a description\n  of the `Foo` type.");
    CHECK_INT(name_list_len(d->interfaces), 3);
    CHECK_STR(d->interfaces->name.ptr, "Bar");
    CHECK_STR(d->interfaces->next->next->name.ptr, "Two");
    CHECK_INT(d->interfaces->loc.column, 21);
    CHECK_INT(d->field_count, 8);
    gql_field_def *fd = d->fields;
    CHECK_STR(fd->description.ptr, "Description of the `one` field.");
    CHECK_STR(fd->name.ptr, "one");
    CHECK_INT(fd->loc.line, 15);
    CHECK_INT(fd->loc.column, 3);
    CHECK_TYPE(fd->type, "Type");
    fd = fd->next;
    CHECK_STR(fd->description.ptr, "This is a description of the `two` field.");
    CHECK_INT(fd->args.count, 1);
    CHECK_STR(fd->args.first->description.ptr, "This is a description of the `argument` argument.");
    CHECK_STR(fd->args.first->name.ptr, "argument");
    CHECK_TYPE(fd->args.first->type, "InputType!");
    fd = fd->next;
    CHECK_INT(fd->args.count, 2);
    CHECK(fd->description.ptr == NULL);
    fd = fd->next; /* four */
    CHECK_STR(fd->args.first->default_value->text.ptr, "string");
    fd = fd->next; /* five */
    CHECK_INT(fd->args.first->default_value->list.count, 2);
    fd = fd->next; /* six */
    CHECK_STR(fd->args.first->default_value->object.first->name.ptr, "key");
    fd = fd->next; /* seven */
    CHECK_INT(fd->args.first->default_value->kind, GQL_VALUE_NULL);

    d = d->next; /* AnnotatedObject */
    CHECK_STR(d->directives.first->args.first->value->text.ptr, "value");
    gql_input_value_def *arg = d->fields->args.first;
    CHECK_STR(arg->default_value->text.ptr, "default");
    CHECK_STR(arg->directives.first->name.ptr, "onArgumentDefinition");
    CHECK_STR(d->fields->directives.first->name.ptr, "onField");

    d = d->next; /* type UndefinedType */
    CHECK(d->kind == GQL_DEF_OBJECT && d->fields == NULL && d->field_count == 0);
    d = d->next; /* extend type Foo { seven } */
    CHECK(d->kind == GQL_DEF_OBJECT && d->is_extension);
    CHECK_INT(d->loc.column, 1);
    CHECK_INT(d->name_loc.column, 13);
    CHECK_INT(d->field_count, 1);
    d = d->next; /* extend type Foo @onType */
    CHECK(d->is_extension && d->directives.count == 1 && d->field_count == 0);

    d = d->next; /* interface Bar */
    CHECK_INT(d->kind, GQL_DEF_INTERFACE);
    CHECK_INT(d->field_count, 2);
    d = d->next->next; /* interface UndefinedInterface */
    CHECK(d->kind == GQL_DEF_INTERFACE && d->field_count == 0);
    d = d->next; /* extend interface Bar implements Two */
    CHECK(d->is_extension && d->kind == GQL_DEF_INTERFACE);
    CHECK_STR(d->interfaces->name.ptr, "Two");
    d = d->next->next; /* interface Baz implements & Bar & Two */
    CHECK_INT(name_list_len(d->interfaces), 2);
    CHECK_STR(d->interfaces->name.ptr, "Bar");

    d = d->next; /* union Feed */
    CHECK_INT(d->kind, GQL_DEF_UNION);
    CHECK_INT(name_list_len(d->members), 3);
    CHECK_STR(d->members->name.ptr, "Story");
    CHECK_INT(d->members->loc.line, 65);
    CHECK_INT(d->members->loc.column, 5);
    d = d->next; /* AnnotatedUnion */
    CHECK_INT(name_list_len(d->members), 2);
    CHECK_STR(d->directives.first->name.ptr, "onUnion");
    d = d->next; /* AnnotatedUnionTwo, leading | */
    CHECK_INT(name_list_len(d->members), 2);
    d = d->next; /* UndefinedUnion */
    CHECK(d->members == NULL);
    d = d->next; /* extend union Feed = Photo | Video */
    CHECK(d->is_extension && name_list_len(d->members) == 2);
    d = d->next; /* extend union Feed @onUnion */
    CHECK(d->is_extension && d->members == NULL && d->directives.count == 1);

    d = d->next; /* scalar CustomScalar */
    CHECK_INT(d->kind, GQL_DEF_SCALAR);
    CHECK_STR(d->name.ptr, "CustomScalar");
    d = d->next;
    CHECK_STR(d->directives.first->name.ptr, "onScalar");
    d = d->next; /* extend scalar */
    CHECK(d->kind == GQL_DEF_SCALAR && d->is_extension);

    d = d->next; /* enum Site */
    CHECK_INT(d->kind, GQL_DEF_ENUM);
    gql_enum_value_def *ev = d->enum_values;
    CHECK_STR(ev->name.ptr, "DESKTOP");
    CHECK_STR(ev->description.ptr, "This is a description of the `DESKTOP` value");
    CHECK_INT(ev->loc.line, 87);
    CHECK_INT(ev->loc.column, 3);
    CHECK_STR(ev->next->name.ptr, "MOBILE");
    CHECK_STR(ev->next->next->description.ptr, "This is a description of the `WEB` value");
    CHECK(ev->next->next->next == NULL);
    d = d->next; /* AnnotatedEnum */
    CHECK_STR(d->enum_values->directives.first->name.ptr, "onEnumValue");
    d = d->next; /* UndefinedEnum */
    CHECK(d->enum_values == NULL);
    d = d->next; /* extend enum Site { VR } */
    CHECK(d->is_extension && strcmp(d->enum_values->name.ptr, "VR") == 0);
    d = d->next->next; /* input InputType */
    CHECK_INT(d->kind, GQL_DEF_INPUT_OBJECT);
    CHECK_INT(d->input_fields.count, 2);
    CHECK_TYPE(d->input_fields.first->type, "String!");
    CHECK_STR(d->input_fields.first->next->default_value->text.ptr, "42");
    d = d->next; /* OneOfInputType */
    CHECK_STR(d->directives.first->name.ptr, "oneOf");
    d = d->next->next; /* UndefinedInput */
    CHECK(d->input_fields.count == 0);
    d = d->next; /* extend input */
    CHECK(d->is_extension && d->input_fields.first->default_value->kind == GQL_VALUE_FLOAT);
    d = d->next->next; /* directive @skip */
    CHECK_INT(d->kind, GQL_DEF_DIRECTIVE);
    CHECK_STR(d->name.ptr, "skip");
    CHECK_STR(d->description.ptr, "This is a description of the `@skip` directive");
    CHECK_STR(d->args.first->description.ptr, "This is a description of the `if` argument");
    CHECK_STR(d->args.first->directives.first->name.ptr, "onArgumentDefinition");
    CHECK(!d->repeatable);
    CHECK_INT(name_list_len(d->locations), 3);
    CHECK_STR(d->locations->name.ptr, "FIELD");
    CHECK_STR(d->locations->next->next->name.ptr, "INLINE_FRAGMENT");
    d = d->next->next; /* @include2 with leading | */
    CHECK_INT(name_list_len(d->locations), 3);
    d = d->next; /* repeatable */
    CHECK(d->repeatable);
    CHECK_STR(d->locations->next->name.ptr, "INTERFACE");
    d = d->next; /* extend schema @onSchema */
    CHECK(d->kind == GQL_DEF_SCHEMA && d->is_extension && d->root_operations == NULL);
    d = d->next; /* extend schema @onSchema { subscription } */
    CHECK(d->is_extension && d->root_operations != NULL &&
          d->root_operations->operation == GQL_OP_SUBSCRIPTION);
    CHECK(d->next == NULL);
    base_arena_free(&arena);
}

static void spec_examples(void)
{
    base_arena arena;
    base_arena_init(&arena, 0);
    gql_syntax_error err;
    gql_document *doc =
        parse(&arena, "{ Product(productId: \"notebook\") { productId productName price } }", &err);
    CHECK(doc != NULL);
    if (doc != NULL) {
        CHECK_INT(doc->count, 1);
        CHECK_INT(doc->token_count, 13);
        gql_selection *product = doc->first->selection_set->first;
        CHECK_STR(product->name.ptr, "Product");
        CHECK_STR(product->args.first->name.ptr, "productId");
        CHECK_INT(product->args.first->value->kind, GQL_VALUE_STRING);
        CHECK_STR(product->args.first->value->text.ptr, "notebook");
        CHECK_INT(product->args.first->value->loc.column, 22);
        CHECK_INT(product->selection_set->count, 3);
        CHECK_STR(((gql_selection *)NTH(product->selection_set->first, 2))->name.ptr, "price");
    }

    doc = parse(&arena,
                "query Q($id: ID! = \"x\") @dir { a: f(x: [1, 2.5, \"s\", true, null, ENUM, {k: $id}]) ...F "
                "... on T @skip(if: $c) { g } } fragment F on T { h }",
                &err);
    CHECK(doc != NULL);
    if (doc != NULL) {
        gql_definition *q = doc->first;
        CHECK_STR(q->name.ptr, "Q");
        CHECK_TYPE(q->variables.first->type, "ID!");
        CHECK_STR(q->variables.first->default_value->text.ptr, "x");
        CHECK_STR(q->directives.first->name.ptr, "dir");
        gql_selection *a = q->selection_set->first;
        CHECK_STR(a->alias.ptr, "a");
        CHECK_STR(a->name.ptr, "f");
        gql_value *list = a->args.first->value;
        CHECK_INT(list->list.count, 7);
        static const gql_value_kind kinds[] = {GQL_VALUE_INT,     GQL_VALUE_FLOAT, GQL_VALUE_STRING,
                                               GQL_VALUE_BOOLEAN, GQL_VALUE_NULL,  GQL_VALUE_ENUM,
                                               GQL_VALUE_OBJECT};
        gql_value *item = list->list.first;
        for (size_t i = 0; i < 7 && item != NULL; i++, item = item->next)
            CHECK_INT(item->kind, kinds[i]);
        gql_value *k = ((gql_value *)NTH(list->list.first, 6))->object.first->value;
        CHECK(k->kind == GQL_VALUE_VARIABLE && strcmp(k->text.ptr, "id") == 0);
        gql_selection *spread = a->next, *inline_frag = spread->next;
        CHECK(spread->kind == GQL_SELECTION_FRAGMENT_SPREAD && strcmp(spread->name.ptr, "F") == 0);
        CHECK(inline_frag->kind == GQL_SELECTION_INLINE_FRAGMENT);
        CHECK_STR(inline_frag->type_condition.ptr, "T");
        CHECK_STR(inline_frag->directives.first->args.first->value->text.ptr, "c");
        CHECK_STR(inline_frag->selection_set->first->name.ptr, "g");
        gql_definition *f = q->next;
        CHECK(f->kind == GQL_DEF_FRAGMENT && strcmp(f->name.ptr, "F") == 0);
        CHECK_STR(f->selection_set->first->name.ptr, "h");
    }

    /* Keywords are ordinary names everywhere a Name is expected. */
    CHECK_PARSES(
        "query query($query: query = query) { query(query: $query) { fragment on } ... on on { on } }");
    CHECK_PARSES("fragment fragment on on { on }");
    CHECK_PARSES("mutation { subscription } subscription { mutation }");
    CHECK_PARSES("{ a(x: \"\"\"\"\"\"), b(x: -0, y: 0.0e0) }");
    CHECK_PARSES("\xEF\xBB\xBF{ a }");
    CHECK_PARSES("{ a } # trailing comment");
    CHECK_PARSES("type T { f(a: [[Int!]!] = [[1]]): [[T]!]! }");
    CHECK_PARSES("extend type T implements I");
    CHECK_PARSES("extend schema { query: Q }");
    CHECK_PARSES("directive @d on VARIABLE_DEFINITION | SCHEMA | ENUM_VALUE | INPUT_FIELD_DEFINITION");
    base_arena_free(&arena);
}

static void syntax_errors(void)
{
    CHECK_PARSE_ERROR("", "Syntax Error: Unexpected <EOF>.", 1, 1);
    CHECK_PARSE_ERROR("  \n  # nothing", "Syntax Error: Unexpected <EOF>.", 2, 12);
    CHECK_PARSE_ERROR("{", "Syntax Error: Expected Name, found <EOF>.", 1, 2);
    CHECK_PARSE_ERROR("{ a", "Syntax Error: Expected Name, found <EOF>.", 1, 4);
    CHECK_PARSE_ERROR("{ a { b }", "Syntax Error: Expected Name, found <EOF>.", 1, 10);
    CHECK_PARSE_ERROR("{}", "Syntax Error: Expected Name, found \"}\".", 1, 2);
    CHECK_PARSE_ERROR("query", "Syntax Error: Expected \"{\", found <EOF>.", 1, 6);
    CHECK_PARSE_ERROR("query Q ", "Syntax Error: Expected \"{\", found <EOF>.", 1, 9);
    CHECK_PARSE_ERROR("{ ...MissingOn }\nfragment MissingOn Type",
                      "Syntax Error: Expected \"on\", found Name \"Type\".", 2, 20);
    CHECK_PARSE_ERROR("{ field: {} }", "Syntax Error: Expected Name, found \"{\".", 1, 10);
    CHECK_PARSE_ERROR("notAnOperation Foo { field }", "Syntax Error: Unexpected Name \"notAnOperation\".", 1,
                      1);
    CHECK_PARSE_ERROR("...", "Syntax Error: Unexpected \"...\".", 1, 1);
    CHECK_PARSE_ERROR("{ \"\" }", "Syntax Error: Expected Name, found String \"\".", 1, 3);
    CHECK_PARSE_ERROR("{ a: }", "Syntax Error: Expected Name, found \"}\".", 1, 6);
    CHECK_PARSE_ERROR("{ a() }", "Syntax Error: Expected Name, found \")\".", 1, 5);
    CHECK_PARSE_ERROR("{ a(b) }", "Syntax Error: Expected \":\", found \")\".", 1, 6);
    CHECK_PARSE_ERROR("{ a(b:) }", "Syntax Error: Unexpected \")\".", 1, 7);
    CHECK_PARSE_ERROR("{ a(b: $) }", "Syntax Error: Expected Name, found \")\".", 1, 9);
    CHECK_PARSE_ERROR("{ a(b: [1, 2) }", "Syntax Error: Unexpected \")\".", 1, 13);
    CHECK_PARSE_ERROR("{ a(b: {c 1}) }", "Syntax Error: Expected \":\", found Int \"1\".", 1, 11);
    CHECK_PARSE_ERROR("{ a @ }", "Syntax Error: Expected Name, found \"}\".", 1, 7);
    CHECK_PARSE_ERROR("{ ... on }", "Syntax Error: Expected Name, found \"}\".", 1, 10);
    CHECK_PARSE_ERROR("{ ... @d }", "Syntax Error: Expected \"{\", found \"}\".", 1, 10);
    CHECK_PARSE_ERROR("query Q() { a }", "Syntax Error: Expected \"$\", found \")\".", 1, 9);
    CHECK_PARSE_ERROR("query Q($x) { a }", "Syntax Error: Expected \":\", found \")\".", 1, 11);
    CHECK_PARSE_ERROR("query Q($x: Int!!) { a }", "Syntax Error: Expected \"$\", found \"!\".", 1, 17);
    CHECK_PARSE_ERROR("query Q($x: [Int) { a }", "Syntax Error: Expected \"]\", found \")\".", 1, 17);
    CHECK_PARSE_ERROR("query Q($x: Int = ) { a }", "Syntax Error: Unexpected \")\".", 1, 19);
    CHECK_PARSE_ERROR("query Q($x: Int = $y) { a }",
                      "Syntax Error: Unexpected variable \"$y\" in constant value.", 1, 19);
    CHECK_PARSE_ERROR("query Foo($x: Complex = { a: { b: [ $var ] } }) { field }",
                      "Syntax Error: Unexpected variable \"$var\" in constant value.", 1, 37);
    CHECK_PARSE_ERROR("query Q($x: Int = $) { a }", "Syntax Error: Unexpected \"$\".", 1, 19);
    CHECK_PARSE_ERROR("query Q($x: Int @d(a: $y)) { a }",
                      "Syntax Error: Unexpected variable \"$y\" in constant value.", 1, 23);
    CHECK_PARSE_ERROR("type T { f(a: Int = $v): Int }",
                      "Syntax Error: Unexpected variable \"$v\" in constant value.", 1, 21);
    CHECK_PARSE_ERROR("type T @d(a: $v)", "Syntax Error: Unexpected variable \"$v\" in constant value.", 1,
                      14);
    CHECK_PARSE_ERROR("fragment on on T { a }", "Syntax Error: Unexpected Name \"on\".", 1, 10);
    CHECK_PARSE_ERROR("fragment F { a }", "Syntax Error: Expected \"on\", found \"{\".", 1, 12);
    CHECK_PARSE_ERROR("{ ...on }", "Syntax Error: Expected Name, found \"}\".", 1, 9);
    CHECK_PARSE_ERROR("{ a ? }", "Syntax Error: Unexpected character: \"?\".", 1, 5);
    CHECK_PARSE_ERROR("{ a(x: \"abc) }", "Syntax Error: Unterminated string.", 1, 15);
    CHECK_PARSE_ERROR("{ a(x: 01) }", "Syntax Error: Invalid number, unexpected digit after 0: \"1\".", 1, 9);
    CHECK_PARSE_ERROR("{ a(x: 1.) }", "Syntax Error: Invalid number, expected digit but got: \")\".", 1, 10);
    CHECK_PARSE_ERROR("{ a(x: \"\xFF\") }", "Syntax Error: Invalid UTF-8 byte 0xFF.", 1, 9);
    CHECK_PARSE_ERROR("{ a\xC3 }", "Syntax Error: Invalid UTF-8 byte 0xC3.", 1, 4);
    CHECK_PARSE_ERROR("{ a\0 }", "Syntax Error: Unexpected character: U+0000.", 1, 4);
    CHECK_PARSE_ERROR("{ a(x: 'b') }",
                      "Syntax Error: Unexpected single quote character ('), did you mean to use a "
                      "double quote (\")?",
                      1, 8);
    CHECK_PARSE_ERROR(
        "\"desc\" { a }",
        "Syntax Error: Unexpected description, descriptions are not supported on shorthand queries.", 1, 1);
    CHECK_PARSE_ERROR("\"desc\" extend type A @d",
                      "Syntax Error: Unexpected description, only GraphQL definitions support descriptions.",
                      1, 1);
    CHECK_PARSE_ERROR("\"desc\" unknown",
                      "Syntax Error: Unexpected description, only GraphQL definitions support "
                      "descriptions.",
                      1, 1);
    CHECK_PARSE_ERROR("\"desc\" \"again\"", "Syntax Error: Unexpected String \"again\".", 1, 8);
    CHECK_PARSE_ERROR("\"desc\"", "Syntax Error: Unexpected <EOF>.", 1, 7);
    CHECK_PARSE_ERROR("\"desc\" \"\"\"unterminated", "Syntax Error: Unterminated string.", 1, 23);
    CHECK_PARSE_ERROR("query Q { a } garbage", "Syntax Error: Unexpected Name \"garbage\".", 1, 15);
    CHECK_PARSE_ERROR("{ a } }", "Syntax Error: Unexpected \"}\".", 1, 7);
    CHECK_PARSE_ERROR("query { a(b: [1 2 3 {c: [}]) }", "Syntax Error: Unexpected \"}\".", 1, 26);
    CHECK_PARSE_ERROR("{ a }\n\n  1", "Syntax Error: Unexpected Int \"1\".", 3, 3);
    CHECK_PARSE_ERROR("query Q { a }\nfoo", "Syntax Error: Unexpected Name \"foo\".", 2, 1);
    CHECK_PARSE_ERROR("query: Q", "Syntax Error: Expected \"{\", found \":\".", 1, 6);
    CHECK_PARSE_ERROR("fragment F on T @d(a: 1)", "Syntax Error: Expected \"{\", found <EOF>.", 1, 25);
}

static void sdl_errors(void)
{
    CHECK_PARSE_ERROR("schema {}", "Syntax Error: Expected Name, found \"}\".", 1, 9);
    CHECK_PARSE_ERROR("schema { foo: Q }", "Syntax Error: Unexpected Name \"foo\".", 1, 10);
    CHECK_PARSE_ERROR("schema { query Q }", "Syntax Error: Expected \":\", found Name \"Q\".", 1, 16);
    CHECK_PARSE_ERROR("schema @d", "Syntax Error: Expected \"{\", found <EOF>.", 1, 10);
    CHECK_PARSE_ERROR("type", "Syntax Error: Expected Name, found <EOF>.", 1, 5);
    CHECK_PARSE_ERROR("type Hello { }", "Syntax Error: Expected Name, found \"}\".", 1, 14);
    CHECK_PARSE_ERROR("type Hello { world }", "Syntax Error: Expected \":\", found \"}\".", 1, 20);
    CHECK_PARSE_ERROR("type Hello { world(): String }", "Syntax Error: Expected Name, found \")\".", 1, 20);
    CHECK_PARSE_ERROR("type Hello implements { f: Int }", "Syntax Error: Expected Name, found \"{\".", 1, 23);
    CHECK_PARSE_ERROR("type Hello implements A & { f: Int }", "Syntax Error: Expected Name, found \"{\".", 1,
                      27);
    CHECK_PARSE_ERROR("type Hello implements A B { f: Int }", "Syntax Error: Unexpected Name \"B\".", 1, 25);
    CHECK_PARSE_ERROR("interface I implements", "Syntax Error: Expected Name, found <EOF>.", 1, 23);
    CHECK_PARSE_ERROR("union U =", "Syntax Error: Expected Name, found <EOF>.", 1, 10);
    CHECK_PARSE_ERROR("union U = | A |", "Syntax Error: Expected Name, found <EOF>.", 1, 16);
    CHECK_PARSE_ERROR("union U = A | | B", "Syntax Error: Expected Name, found \"|\".", 1, 15);
    CHECK_PARSE_ERROR("enum E { }", "Syntax Error: Expected Name, found \"}\".", 1, 10);
    CHECK_PARSE_ERROR("enum Hello { true }",
                      "Syntax Error: Name \"true\" is reserved and cannot be used for an enum "
                      "value.",
                      1, 14);
    CHECK_PARSE_ERROR("enum Hello { A false }",
                      "Syntax Error: Name \"false\" is reserved and cannot be used for an "
                      "enum value.",
                      1, 16);
    CHECK_PARSE_ERROR("enum Hello { \"d\" null }",
                      "Syntax Error: Name \"null\" is reserved and cannot be used for an "
                      "enum value.",
                      1, 18);
    CHECK_PARSE_ERROR("input I { a }", "Syntax Error: Expected \":\", found \"}\".", 1, 13);
    CHECK_PARSE_ERROR("input I { a(b: Int): Int }", "Syntax Error: Expected \":\", found \"(\".", 1, 12);
    CHECK_PARSE_ERROR("scalar", "Syntax Error: Expected Name, found <EOF>.", 1, 7);
    CHECK_PARSE_ERROR("directive @d", "Syntax Error: Expected \"on\", found <EOF>.", 1, 13);
    CHECK_PARSE_ERROR("directive d on FIELD", "Syntax Error: Expected \"@\", found Name \"d\".", 1, 11);
    CHECK_PARSE_ERROR("directive @d on", "Syntax Error: Expected Name, found <EOF>.", 1, 16);
    CHECK_PARSE_ERROR("directive @foo on FIELD | INCORRECT_LOCATION",
                      "Syntax Error: Unexpected Name \"INCORRECT_LOCATION\".", 1, 27);
    CHECK_PARSE_ERROR("directive @foo repeatable FIELD",
                      "Syntax Error: Expected \"on\", found Name \"FIELD\".", 1, 27);
    CHECK_PARSE_ERROR("extend scalar Hello", "Syntax Error: Unexpected <EOF>.", 1, 20);
    CHECK_PARSE_ERROR("extend type Hello", "Syntax Error: Unexpected <EOF>.", 1, 18);
    CHECK_PARSE_ERROR("extend interface Hello", "Syntax Error: Unexpected <EOF>.", 1, 23);
    CHECK_PARSE_ERROR("extend union Hello", "Syntax Error: Unexpected <EOF>.", 1, 19);
    CHECK_PARSE_ERROR("extend enum Hello", "Syntax Error: Unexpected <EOF>.", 1, 18);
    CHECK_PARSE_ERROR("extend input Hello", "Syntax Error: Unexpected <EOF>.", 1, 19);
    CHECK_PARSE_ERROR("extend schema", "Syntax Error: Unexpected <EOF>.", 1, 14);
    CHECK_PARSE_ERROR("extend type Hello { }", "Syntax Error: Expected Name, found \"}\".", 1, 21);
    CHECK_PARSE_ERROR("extend scalar Hello type T", "Syntax Error: Unexpected Name \"type\".", 1, 21);
    CHECK_PARSE_ERROR("extend directive @foo on FIELD", "Syntax Error: Unexpected Name \"directive\".", 1, 8);
    CHECK_PARSE_ERROR("extend", "Syntax Error: Unexpected <EOF>.", 1, 7);
    CHECK_PARSE_ERROR("extend \"desc\" type T @d", "Syntax Error: Unexpected String \"desc\".", 1, 8);
    CHECK_PARSE_ERROR("\"\"\"desc\"\"\" extend type T @d",
                      "Syntax Error: Unexpected description, only GraphQL definitions support descriptions.",
                      1, 1);
    CHECK_PARSE_ERROR("type T { f: Int = 1 }", "Syntax Error: Expected Name, found \"=\".", 1, 17);
}

static gql_document *parse_limited(base_arena *arena, const char *src, size_t len, size_t max_tokens,
                                   size_t max_depth, gql_syntax_error *err)
{
    gql_parse_limits limits = {.max_tokens = max_tokens, .max_depth = max_depth};
    return parse_n(arena, src, len, &limits, err);
}

/* "{ a(x: " then n times `open`, a value, n times `close`, " }" */
static char *nested(const char *prefix, const char *open, const char *middle, const char *close,
                    const char *suffix, size_t n, size_t *len)
{
    size_t lo = strlen(open), lc = strlen(close), lp = strlen(prefix), lm = strlen(middle),
           ls = strlen(suffix);
    char *s = malloc(lp + n * (lo + lc) + lm + ls + 1), *w = s;
    memcpy(w, prefix, lp), w += lp;
    for (size_t i = 0; i < n; i++)
        memcpy(w, open, lo), w += lo;
    memcpy(w, middle, lm), w += lm;
    for (size_t i = 0; i < n; i++)
        memcpy(w, close, lc), w += lc;
    memcpy(w, suffix, ls), w += ls;
    *w = '\0';
    *len = (size_t)(w - s);
    return s;
}

static void limits(void)
{
    base_arena arena;
    base_arena_init(&arena, 0);
    gql_syntax_error err;

    /* Tokens are counted as graphql-js counts them: every token advanced over, comments and <EOF> excluded.
     */
    static const char five[] = "{ a b # comment\n c }";
    gql_document *doc = parse_limited(&arena, five, sizeof(five) - 1, 5, 0, &err);
    CHECK(doc != NULL && doc->token_count == 5);
    doc = parse_limited(&arena, five, sizeof(five) - 1, 4, 0, &err);
    CHECK(doc == NULL);
    CHECK_STR(err.message, "Syntax Error: Document contains more than 4 tokens. Parsing aborted.");
    CHECK_INT(err.loc.line, 2);
    CHECK_INT(err.loc.column, 4);
    doc = parse_limited(&arena, five, sizeof(five) - 1, 0, 0, &err);
    CHECK(doc != NULL && doc->token_count == 5);

    /* 100000 nested lists in a value, in a type, nested objects and selection sets: an error, not a crash. */
    size_t len;
    char *deep = nested("{ a(x: ", "[", "1", "]", ") }", 100000, &len);
    doc = parse_limited(&arena, deep, len, 0, 0, &err);
    CHECK(doc == NULL);
    CHECK_STR(err.message, "Syntax Error: Document exceeds the maximum nesting depth of 256.");
    CHECK_INT(err.loc.column, 8 + 255); /* the selection set is level 1, so the 256th '[' is one too many */
    free(deep);

    deep = nested("query Q($v: ", "[", "Int", "]", ") { a }", 100000, &len);
    doc = parse_limited(&arena, deep, len, 0, 0, &err);
    CHECK(doc == NULL);
    CHECK_STR(err.message, "Syntax Error: Document exceeds the maximum nesting depth of 256.");
    CHECK_INT(err.loc.column, 13 + 256);
    free(deep);

    deep = nested("{ a(x: ", "{a: ", "1", "}", ") }", 100000, &len);
    doc = parse_limited(&arena, deep, len, 0, 0, &err);
    CHECK(doc == NULL);
    CHECK_STR(err.message, "Syntax Error: Document exceeds the maximum nesting depth of 256.");
    free(deep);

    deep = nested("", "{ a ", "", "}", "", 100000, &len);
    doc = parse_limited(&arena, deep, len, 0, 0, &err);
    CHECK(doc == NULL);
    CHECK_STR(err.message, "Syntax Error: Document exceeds the maximum nesting depth of 256.");
    CHECK_INT(err.loc.column, 1 + 256 * 4);
    free(deep);

    deep = nested("", "[", "", "", "", 100000, &len);
    doc = parse_limited(&arena, deep, len, 0, 0, &err);
    CHECK(doc == NULL);
    CHECK_STR(err.message, "Syntax Error: Unexpected \"[\".");
    free(deep);

    /* Exactly at the limit is fine; one more level is not. */
    deep = nested("", "{ a ", "", "}", "", 3, &len);
    doc = parse_limited(&arena, deep, len, 0, 3, &err);
    CHECK(doc != NULL);
    free(deep);
    deep = nested("", "{ a ", "", "}", "", 4, &len);
    doc = parse_limited(&arena, deep, len, 0, 3, &err);
    CHECK(doc == NULL);
    CHECK_STR(err.message, "Syntax Error: Document exceeds the maximum nesting depth of 3.");
    free(deep);
    static const char mixed[] = "query Q($v: [Int] = [1]) { a(x: [{b: 1}]) { c } }";
    CHECK(parse_limited(&arena, mixed, sizeof(mixed) - 1, 0, 3, &err) != NULL);
    CHECK(parse_limited(&arena, mixed, sizeof(mixed) - 1, 0, 2, &err) == NULL);
    CHECK_STR(err.message, "Syntax Error: Document exceeds the maximum nesting depth of 2.");
    CHECK_INT(err.loc.column, 34);
    base_arena_free(&arena);

    /* A full arena is an error, at every size, never a crash. */
    for (size_t limit = 0; limit <= 8192; limit += 64) {
        base_arena small;
        base_arena_init(&small, limit == 0 ? 1 : limit);
        doc = parse(&small, kitchen_sink_query, &err);
        if (doc == NULL)
            CHECK_STR(err.message, "Syntax Error: Document too large.");
        base_arena_free(&small);
    }
    base_arena_init(&arena, 256);
    CHECK(parse(&arena, kitchen_sink_sdl, &err) == NULL);
    CHECK_STR(err.message, "Syntax Error: Document too large.");
    base_arena_free(&arena);

    /* NULL limits and NULL err are allowed. */
    base_arena_init(&arena, 0);
    CHECK(gql_parse(&arena, "{ a }", 5, NULL, NULL) != NULL);
    CHECK(gql_parse(&arena, "{ a", 3, NULL, NULL) == NULL);
    /* Only len bytes are read: what follows is not part of the document. */
    CHECK(gql_parse(&arena, "{ a } }", 5, NULL, &err) != NULL);
    base_arena_free(&arena);
}

/* Every prefix of a valid document parses or fails cleanly, with a sane location. */
static void every_prefix(const char *src)
{
    size_t len = strlen(src), parsed = 0;
    for (size_t n = 0; n <= len; n++) {
        base_arena arena;
        base_arena_init(&arena, 0);
        gql_syntax_error err;
        gql_document *doc = parse_n(&arena, src, n, NULL, &err);
        if (doc != NULL) {
            parsed++;
            CHECK(doc->count > 0);
        } else {
            CHECK(strncmp(err.message, "Syntax Error: ", 14) == 0);
            CHECK(err.loc.line >= 1 && err.loc.column >= 1 && err.loc.offset <= n);
        }
        base_arena_free(&arena);
    }
    CHECK(parsed > 0);
}

static void truncated_inputs(void)
{
    every_prefix(kitchen_sink_query);
    every_prefix(kitchen_sink_sdl);
}

/*
 * Lexical errors met through the lookahead or inside an optional token, where
 * a later expectation could overwrite the first message. Add inputs the fuzzer
 * finds here (none so far).
 */
static void regressions(void)
{
    /* A lexer error in the lookahead after a description. */
    CHECK_PARSE_ERROR("\"d\" ?", "Syntax Error: Unexpected character: \"?\".", 1, 5);
    /* A lexer error in the lookahead after `extend`. */
    CHECK_PARSE_ERROR("extend \"", "Syntax Error: Unterminated string.", 1, 9);
    /* A failed advance inside an optional token does not get overwritten by a later expectation. */
    CHECK_PARSE_ERROR("{ a: \"", "Syntax Error: Unterminated string.", 1, 7);
    CHECK_PARSE_ERROR("type T implements A & ?", "Syntax Error: Unexpected character: \"?\".", 1, 23);
    CHECK_PARSE_ERROR("union U = A | ?", "Syntax Error: Unexpected character: \"?\".", 1, 15);
}

int main(void)
{
    kitchen_sink_query_shape();
    kitchen_sink_sdl_shape();
    spec_examples();
    syntax_errors();
    sdl_errors();
    limits();
    truncated_inputs();
    regressions();
    return CHECK_EXIT();
}
