// Execution semantics (spec section 6) against the real schema and real data:
// operation selection, variable coercion, @skip/@include, fragments and field
// merging, aliases, __typename, errors with path and locations, and null
// propagation (a null in a non-null field nulls the nearest nullable parent).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSeededDatabase, postJson, psql, startServer } from './lib.mjs';

let db;
let server;

before(async () => {
  db = await createSeededDatabase('gqld_exec');
  // numeric accepts NaN and NaN >= 0 holds, so the CHECK lets it in; JSON has no NaN.
  await psql(
    `INSERT INTO products (product_id, product_name, price, description)
     VALUES ('nan-price', 'broken', 'NaN', NULL), ('plain', 'plain "one"', 1.50, 'd')`,
    { url: db.url },
  );
  server = await startServer({ DATABASE_URL: db.url });
});

after(async () => {
  if (server) await server.stop();
  if (db) await db.drop();
});

const run = (body) => postJson(server.url, body);

test('the operation is chosen by operationName; several need a name', async () => {
  const doc = 'query A { a: Product(productId: "plain") { productName } } query B { b: __typename }';
  assert.deepEqual((await run({ query: doc, operationName: 'B' })).json, { data: { b: 'Query' } });
  assert.deepEqual((await run({ query: doc, operationName: 'A' })).json, {
    data: { a: { productName: 'plain "one"' } },
  });
  const none = await run({ query: doc });
  assert.equal(none.json.errors[0].message, 'Must provide operation name if query contains multiple operations.');
  assert.equal('data' in none.json, false);
  const unknown = await run({ query: doc, operationName: 'C' });
  assert.equal(unknown.json.errors[0].message, 'Unknown operation named "C".');
});

test('variables: defaults, explicit values, integers as IDs, required ones', async () => {
  const q = 'query ($id: ID = "plain", $with: Boolean = false) { Product(productId: $id) { productId description @include(if: $with) } }';
  assert.deepEqual((await run({ query: q })).json, { data: { Product: { productId: 'plain' } } });
  assert.deepEqual((await run({ query: q, variables: { with: true } })).json, {
    data: { Product: { productId: 'plain', description: 'd' } },
  });
  assert.deepEqual((await run({ query: q, variables: { id: 42 } })).json, { data: { Product: null } });
  const nullDefault = await run({ query: q, variables: { id: null } });
  assert.equal(nullDefault.json.errors[0].message, 'Argument "productId" of non-null type "ID!" must not be null.');
  assert.deepEqual(nullDefault.json.errors[0].path, ['Product']);
  assert.deepEqual(nullDefault.json.data, { Product: null });

  const required = 'query ($id: ID!) { Product(productId: $id) { productId } }';
  const missing = await run({ query: required, variables: {} });
  assert.equal(missing.json.errors[0].message, 'Variable "$id" of required type "ID!" was not provided.');
  assert.deepEqual(missing.json.errors[0].locations, [{ line: 1, column: 8 }]);
  assert.equal('data' in missing.json, false);
  const wrongType = await run({ query: required, variables: { id: { x: 1 } } });
  assert.match(wrongType.json.errors[0].message, /^Variable "\$id" got invalid value \{"x":1\}; ID cannot represent value/);
  const notObject = await run({ query: required, variables: [1] });
  assert.equal(notObject.status, 400);
});

test('@skip and @include on fields, fragments and inline fragments', async () => {
  const q = `query ($s: Boolean!) {
    Product(productId: "plain") {
      a: productId @skip(if: $s)
      ...F @include(if: $s)
      ... on Product @skip(if: true) { description }
      ... @include(if: true) { price }
    }
  }
  fragment F on Product { productName }`;
  assert.deepEqual((await run({ query: q, variables: { s: true } })).json, {
    data: { Product: { productName: 'plain "one"', price: 1.5 } },
  });
  assert.deepEqual((await run({ query: q, variables: { s: false } })).json, {
    data: { Product: { a: 'plain', price: 1.5 } },
  });
});

test('fields merge across fragments and keep the query order; aliases and __typename', async () => {
  const q = `{
    x: Product(productId: "plain") { __typename productName ...More productName ... on Product { productId t: __typename } }
    __typename
    y: Product(productId: "absent") { productId }
  }
  fragment More on Product { price productId }`;
  const r = await run({ query: q });
  assert.equal(
    r.text,
    '{"data":{"x":{"__typename":"Product","productName":"plain \\"one\\"","price":1.50,"productId":"plain","t":"Product"},"__typename":"Query","y":null}}',
  );
});

test('a null in a non-null field nulls its parent, with the error at the field path', async () => {
  const q = '{ ok: Product(productId: "plain") { price } bad: Product(productId: "nan-price") { productName price } }';
  const r = await run({ query: q });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.data, { ok: { price: 1.5 }, bad: null });
  assert.equal(r.json.errors.length, 1);
  assert.deepEqual(r.json.errors[0].path, ['bad', 'price']);
  assert.deepEqual(r.json.errors[0].locations, [{ line: 1, column: q.lastIndexOf('price') + 1 }]);
  assert.match(r.json.errors[0].message, /Float cannot represent/);
  // errors come first, as graphql-js serializes them
  assert.ok(r.text.startsWith('{"errors":'));
});

test('subscriptions parse but are refused clearly; an unknown mutation field is a validation error', async () => {
  const r = await run({ query: 'subscription S { x }' });
  assert.equal(r.json.errors[0].message, 'Schema is not configured to execute subscription operation.');
  assert.equal('data' in r.json, false);
  const m = await run({ query: 'mutation { x }' });
  assert.equal(m.json.errors[0].message, 'Cannot query field "x" on type "Mutation".');
  assert.equal('data' in m.json, false);
});

test('the document cache serves repeated texts, and different texts stay different', async () => {
  const q = '{ Product(productId: "plain") { productId } }';
  for (let i = 0; i < 5; i++) assert.deepEqual((await run({ query: q })).json, { data: { Product: { productId: 'plain' } } });
  // same text, different variables: cached document, fresh coercion
  const v = 'query ($id: ID!) { Product(productId: $id) { productId } }';
  assert.deepEqual((await run({ query: v, variables: { id: 'plain' } })).json, { data: { Product: { productId: 'plain' } } });
  assert.deepEqual((await run({ query: v, variables: { id: 'absent' } })).json, { data: { Product: null } });
  // an invalid document is reported every time, never cached as valid
  for (let i = 0; i < 2; i++) {
    const bad = await run({ query: '{ Product(productId: "plain") { nope } }' });
    assert.equal(bad.json.errors[0].message, 'Cannot query field "nope" on type "Product".');
  }
});

test('query text and token limits', async () => {
  const big = await run({ query: `{ __typename ${' '.repeat(70000)}}` });
  assert.match(big.json.errors[0].message, /the limit is 65536 bytes/);
  const many = await run({ query: `{ ${'a '.repeat(20000)}}` });
  assert.match(many.json.errors[0].message, /^Syntax Error: Document contains more than 10000 tokens/);
});

test('depth, alias and field limits are checked with fragments expanded, before validation', async () => {
  // 25 levels through introspection's ofType chain.
  const deep = `{ __schema { types { ${'ofType { '.repeat(23)}name${' }'.repeat(23)} } } }`;
  const d = await run({ query: deep });
  assert.match(d.json.errors[0].message, /maximum depth of 20/);
  assert.equal('data' in d.json, false);

  const aliases = `{ ${Array.from({ length: 60 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
  const a = await run({ query: aliases });
  assert.match(a.json.errors[0].message, /alias/i);

  // A fragment bomb: 10 spreads per level, 9 levels = 10^9 fields once expanded.
  const levels = 9;
  let bomb = 'query { ...F0 }\n';
  for (let i = 0; i < levels; i++) bomb += `fragment F${i} on Query { ${`...F${i + 1} `.repeat(10)}}\n`;
  bomb += `fragment F${levels} on Query { __typename }`;
  const started = Date.now();
  const b = await run({ query: bomb });
  assert.ok(Date.now() - started < 2000, 'refused quickly');
  assert.match(b.json.errors[0].message, /field/i);
  assert.equal('data' in b.json, false);

  const big = await postJson(server.url, { query: '{ __typename }', variables: { x: 'y'.repeat(70000) } });
  assert.equal(big.status, 400);
  assert.match(big.json.errors[0].message, /variables.*limit of 65536 bytes/);
});
