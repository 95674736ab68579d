// Introspection conformance: gqld's answers to introspection queries are
// graphql-js 16's for the same SDL (`graphql(buildSchema(sdl), query)`), and
// graphql-js's getIntrospectionQuery answered by gqld, fed to
// buildClientSchema and printed, is the printed SDL. Over HTTP for the served
// schema (compiled into gqld); through introspect_driver (the same schema/
// code over any SDL file) for introspection_rich.graphql, which uses every
// part of the type system. Also GQLD_INTROSPECTION=off against graphql-js's
// NoSchemaIntrospectionCustomRule.
//
// graphql-js 16.9 also has the @oneOf directive and __Type.isOneOf (an RFC
// gqld does not serve); the reference schemas here are built without them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  __Type,
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  graphqlSync,
  lexicographicSortSchema,
  parse,
  printSchema,
  validate,
  validateSchema,
} from 'graphql';
import { NOTEBOOK_BODY, PRODUCT_QUERY, ROOT, assertCleanExit, postJson, runGqld, startServer } from '../integration/lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DRIVER = process.env.INTROSPECT_DRIVER ?? path.join(ROOT, 'build', 'tests', 'conformance', 'introspect_driver');
const SERVED_SDL = path.join(ROOT, 'schema', 'schema.graphql');
const RICH_SDL = path.join(HERE, 'introspection_rich.graphql');

const FULL_QUERY = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
});

// graphql-js's buildSchema, without what gqld does not serve (@oneOf, __Type.isOneOf).
delete __Type.getFields().isOneOf;
function referenceSchema(sdl) {
  const config = buildSchema(sdl).toConfig();
  return new GraphQLSchema({ ...config, directives: config.directives.filter((d) => d.name !== 'oneOf') });
}

// graphql-js's answer, as JSON.
function reference(schema, query, variables) {
  return JSON.parse(JSON.stringify(graphqlSync({ schema, source: query, variableValues: variables })));
}

// The round trip: introspection -> buildClientSchema -> printSchema equals the SDL printed by graphql-js.
function assertRoundTrip(sdlSchema, data) {
  const client = buildClientSchema(data);
  assert.deepEqual(validateSchema(client).map((e) => e.message), [], 'the client schema is valid');
  assert.equal(printSchema(lexicographicSortSchema(client)), printSchema(lexicographicSortSchema(sdlSchema)));
  // Types and directives come in graphql-js's order too, so even unsorted they print the same.
  assert.equal(printSchema(client), printSchema(sdlSchema));
}

// Queries whose whole answer (text) must be graphql-js's: selections, arguments, variables.
const CORPUS = [
  ['{ __schema { description } }'],
  ['{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }'],
  ['{ __schema { types { name kind } } }'],
  ['{ __schema { directives { name isRepeatable locations args(includeDeprecated: true) { name defaultValue } } } }'],
  ['{ __type(name: "Nope") { name } int: __type(name: "Int") { name } id: __type(name: "ID") { name } }'],
  ['{ q: __type(name: "Query") { n: name fields { name args { name type { ...Ref } defaultValue } type { ...Ref } } } }' +
    ' fragment Ref on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }'],
  ['{ __typename __schema { __typename types { __typename fields { __typename type { __typename } } } } }'],
  ['query($name: String!, $all: Boolean) { __type(name: $name) { name fields(includeDeprecated: $all) { name isDeprecated deprecationReason } } }',
    { name: 'Product' }],
  ['query($name: String!, $all: Boolean) { __type(name: $name) { name fields(includeDeprecated: $all) { name isDeprecated deprecationReason } } }',
    { name: 'Product', all: true }],
  ['query($s: Boolean!) { __schema { queryType { name @skip(if: $s) ... on __Type @include(if: $s) { kind } } } }', { s: true }],
  ['query($s: Boolean!) { __schema { queryType { name @skip(if: $s) ... on __Type @include(if: $s) { kind } } } }', { s: false }],
  ['{ __type(name: "Query") { ...A ...B } } fragment A on __Type { fields { name } } fragment B on __Type { fields { description } }'],
  ['{ a: __type(name: "__Type") { fields { name args { name defaultValue type { name ofType { name } } } } } ' +
    'b: __type(name: "__DirectiveLocation") { enumValues(includeDeprecated: false) { name description } } }'],
];

// For the rich schema: every kind of type, deprecation everywhere, every kind of default.
const RICH_CORPUS = [
  ...CORPUS.filter(([q]) => !q.includes('"Product"') && !q.includes('"Query"')),
  ['{ __type(name: "Filter") { inputFields { name defaultValue isDeprecated } all: inputFields(includeDeprecated: true) { name defaultValue isDeprecated deprecationReason } } }'],
  ['{ __type(name: "Root") { fields(includeDeprecated: true) { name deprecationReason args(includeDeprecated: true) { name defaultValue } } } }'],
  ['{ __type(name: "Robot") { fields { name args { name isDeprecated } all: args(includeDeprecated: true) { name isDeprecated deprecationReason } } } }'],
  ['{ __type(name: "Order") { enumValues { name } all: enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } } }'],
  ['{ n: __type(name: "Node") { kind possibleTypes { name } interfaces { name } } named: __type(name: "Named") { interfaces { name } possibleTypes { name } } ' +
    'a: __type(name: "Actor") { kind possibleTypes { name } fields { name } } s: __type(name: "Single") { possibleTypes { name } } }'],
  ['{ __type(name: "Instant") { kind name description specifiedByURL } o: __type(name: "Opaque") { specifiedByURL } }'],
  ['{ __type(name: "Person") { fields { name type { kind ofType { kind ofType { kind ofType { kind ofType { name } } } } } } } }'],
  ['query($n: String!) { t: __type(name: $n) { ... on __Type { name } ...F } } fragment F on __Type { kind inputFields { name } }', { n: 'Inner' }],
];

// Documents for GQLD_INTROSPECTION=off: which fields graphql-js's rule reports, and where.
const DISABLED_CORPUS = [
  '{ __schema { queryType { name } } }',
  '{ __type(name: "Product") { name fields { name type { name } } } }',
  'query { ...F } fragment F on Query { t: __type(name: "Product") { name } }',
  'fragment T on __Type { fields { name } } { __type(name: "Product") { ...T } }',
  '{ __typename }',
];

const served = referenceSchema(readFileSync(SERVED_SDL, 'utf8'));
const rich = referenceSchema(readFileSync(RICH_SDL, 'utf8'));

function rejectedBy(schema, query) {
  return validate(schema, parse(query), [NoSchemaIntrospectionCustomRule]).map((e) => ({
    message: e.message,
    locations: e.locations,
  }));
}

function driver(sdlFile, query, variables, args = []) {
  const r = spawnSync(DRIVER, [sdlFile, ...args], { input: JSON.stringify({ query, variables }), encoding: 'utf8' });
  assert.equal(r.status, 0, `introspect_driver exits 0; stderr: ${r.stderr}`);
  return r.stdout.trim();
}

describe('the served schema over HTTP', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    assertCleanExit(server, await server.stop());
  });

  test('the full introspection query is graphql-js\'s answer, and prints back to schema.graphql', async () => {
    const res = await postJson(server.url, { query: FULL_QUERY });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json?.errors, undefined, res.text);
    assert.deepEqual(res.json.data, reference(served, FULL_QUERY).data);
    assertRoundTrip(served, res.json.data);
  });

  test('{ __schema { description } } is the SDL\'s schema description', async () => {
    const res = await postJson(server.url, { query: '{ __schema { description } }' });
    assert.equal(res.status, 200);
    const description = served.description;
    assert.ok(description?.startsWith('The gqld API'), 'schema.graphql describes its schema');
    assert.equal(res.text, JSON.stringify({ data: { __schema: { description } } }));
  });

  for (const [query, variables] of CORPUS) {
    test(`same answer as graphql-js: ${query.slice(0, 90)}${variables ? ` ${JSON.stringify(variables)}` : ''}`, async () => {
      const res = await postJson(server.url, variables ? { query, variables } : { query });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, JSON.stringify(reference(served, query, variables)));
    });
  }
});

describe('GQLD_INTROSPECTION=off', () => {
  let server;
  before(async () => {
    server = await startServer({ GQLD_INTROSPECTION: 'off' });
  });
  after(async () => {
    assertCleanExit(server, await server.stop());
  });

  for (const query of DISABLED_CORPUS) {
    test(`graphql-js's NoSchemaIntrospectionCustomRule errors: ${query}`, async () => {
      const want = rejectedBy(served, query);
      const res = await postJson(server.url, { query }, { headers: { accept: 'application/json' } });
      assert.equal(res.status, 200, res.text);
      if (want.length === 0) {
        assert.equal(res.text, '{"data":{"__typename":"Query"}}');
        return;
      }
      assert.deepEqual(res.json, { errors: want }, 'a request error: no data');
      const strict = await postJson(server.url, { query }, { headers: { accept: 'application/graphql-response+json' } });
      assert.equal(strict.status, 400, strict.text);
      assert.deepEqual(strict.json, { errors: want });
    });
  }

  test('the error names __schema, as graphql-js words it', async () => {
    const res = await postJson(server.url, { query: '{ __schema { description } }' });
    assert.deepEqual(res.json, {
      errors: [{
        message: 'GraphQL introspection has been disabled, but the requested query contained the field "__schema".',
        locations: [{ line: 1, column: 3 }],
      }],
    });
  });

  test('ordinary queries still run', async () => {
    const res = await postJson(server.url, { query: PRODUCT_QUERY });
    assert.equal(res.status, 200);
    assert.equal(res.text, NOTEBOOK_BODY);
  });
});

describe('the --introspection flag', () => {
  test('--introspection off overrides GQLD_INTROSPECTION=on', async () => {
    const server = await startServer({ GQLD_INTROSPECTION: 'on' }, { args: ['--introspection', 'off'] });
    try {
      const res = await postJson(server.url, { query: '{ __type(name: "Product") { name } }' });
      assert.equal(res.json?.data, undefined, res.text);
      assert.match(res.json.errors[0].message, /introspection has been disabled.*"__type"/);
    } finally {
      assertCleanExit(server, await server.stop());
    }
  });

  test('--help documents it', async () => {
    const r = await runGqld(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /GQLD_INTROSPECTION\s+--introspection\s+default: on\s+answer __schema and __type queries/);
  });
});

describe('a rich schema through introspect_driver', () => {
  test('the full introspection query is graphql-js\'s answer, and prints back to the SDL', () => {
    const out = JSON.parse(driver(RICH_SDL, FULL_QUERY));
    assert.equal(out.errors, undefined, JSON.stringify(out.errors));
    assert.deepEqual(out.data, reference(rich, FULL_QUERY).data);
    assertRoundTrip(rich, out.data);
  });

  for (const [query, variables] of RICH_CORPUS) {
    test(`same answer as graphql-js: ${query.slice(0, 90)}${variables ? ` ${JSON.stringify(variables)}` : ''}`, () => {
      assert.equal(driver(RICH_SDL, query, variables), JSON.stringify(reference(rich, query, variables)));
    });
  }

  test('introspection off: the same errors as graphql-js\'s rule', () => {
    for (const query of [
      '{ __schema { types { name fields { name } } } }',
      '{ __type(name: "Person") { ... on __Type { name interfaces { name } } } }',
      'fragment F on __Field { type { name } } { __type(name: "Robot") { fields { ...F } } }',
      '{ __typename node(id: 1) { __typename } }',
    ]) {
      const want = rejectedBy(rich, query);
      const got = JSON.parse(driver(RICH_SDL, query, undefined, ['--introspection=off']));
      if (want.length === 0) assert.equal(got.errors, undefined, query);
      else assert.deepEqual(got, { errors: want }, query);
    }
  });
});
