// Query cost (IBM's GraphQL Cost Directives, schema/gql_cost.h) and the smaller
// limits of issue 18: every query of the README and the benchmark runs under
// the default GQLD_MAX_COST; issue 17's `items { order {` nesting is refused
// before any SQL with COST_LIMIT_EXCEEDED; GQLD_COST_REPORT puts the cost in
// every answer, cached ones included; /metrics has a histogram of costs;
// suggestions go with introspection or GQLD_SUGGESTIONS=off; root fields per
// operation and operations per document are bounded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { graphql, postJson, request, startServer } from './lib.mjs';

let server;

before(async () => {
  // AUTH_MODE=none: every request is an admin, as ./dev up and the benchmark run (orders are readable).
  server = await startServer({ AUTH_MODE: 'none', GQLD_COST_REPORT: 'on', GQLD_CACHE: 'on', GQLD_CACHE_PREFIX: `cost${process.pid}` });
  // Each worker purges expired idempotency keys on its writer a second after start: past it, the
  // statement counter moves only for the requests these tests send.
  await new Promise((resolve) => setTimeout(resolve, 2500));
});

after(async () => {
  await server?.stop();
});

// `items { order { ` nested `levels` times under a customer's orders, as issue 17 sent it.
function nested(levels) {
  return `{ Order(customerId: "4567") { ${'items { order { '.repeat(levels)}orderId ${'} } '.repeat(levels)}} }`;
}

async function statements() {
  const text = (await request(`${server.url}/metrics`)).text;
  return Number(/^gqld_db_statements_total (\d+)$/m.exec(text)[1]);
}

// The README's queries and the benchmark's (tests/bench/*.lua, openloop.mjs, run.sh), with their costs.
const ADMITTED = [
  ['README: a product', '{ Product(productId: "notebook") { productId productName price } }', undefined, 3],
  ['README: orders, customer, items, products',
    '{ Order(customerId: "4567") { orderId orderRef createdAt total customer { name } items { quantity product { productName price } } } }',
    undefined, 120802],
  ['README: a search page', '{ products(first: 2, nameContains: "notebook") { items { productId productName price } pageInfo { endCursor hasNextPage } } }', undefined, 18],
  ['README: the next page', 'query($after: String) { products(first: 2, nameContains: "notebook", after: $after) { items { productId } pageInfo { endCursor hasNextPage } } }', 'next', 18],
  ['bench: typename', '{ __typename }', undefined, 1],
  ['bench: product', 'query($id: ID!) { Product(productId: $id) { productId productName price } }', { id: 'p000042' }, 3],
  ['bench: orders', 'query($c: ID!) { Order(customerId: $c) { orderId orderRef createdAt total items { quantity unitPrice product { productName price } } } }', { c: '4567' }, 120402],
  ['bench: catalog pages', 'query($after: String) { products(first: 20, after: $after) { items { productId productName price } pageInfo { endCursor hasNextPage } } }', { after: null }, 26],
  ['playground: introspection', '{ __schema { queryType { name } types { name kind fields { name args { name } type { name ofType { name } } } } } }', undefined, 1],
];

test('every README and benchmark query runs under the default limit, its cost in extensions', async () => {
  for (let [what, query, variables, cost] of ADMITTED) {
    if (variables === 'next') {
      // the cursor the first page ends with, as the README says to page
      const first = await graphql(server.url, ADMITTED[2][1]);
      variables = { after: first.json.data.products.pageInfo.endCursor };
    }
    for (const round of ['cold', 'warm']) {
      const r = await graphql(server.url, query, variables);
      assert.equal(r.status, 200, `${what}: ${r.text}`);
      assert.equal(r.json.errors, undefined, `${what} (${round}): ${r.text.slice(0, 300)}`);
      assert.deepEqual(r.json.extensions.cost, { requested: cost, limit: 1000000 }, `${what} (${round})`);
    }
    console.log(`# ${what}: cost ${cost}`);
  }
});

test("issue 17's nested items { order { } } is refused before any SQL; one level is an ordinary read", async () => {
  const one = await graphql(server.url, nested(1));
  assert.equal(one.json.errors, undefined, one.text);
  assert.equal(one.json.extensions.cost.requested, 120402);
  for (const levels of [2, 6, 7, 8]) {
    const before = await statements();
    const r = await graphql(server.url, nested(levels), undefined, {
      headers: { accept: 'application/graphql-response+json' },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal('data' in r.json, false);
    const [e] = r.json.errors;
    assert.equal(e.extensions.code, 'COST_LIMIT_EXCEEDED');
    assert.equal(e.extensions.limit, 1000000);
    assert.ok(e.extensions.cost > 1000000, JSON.stringify(e));
    assert.match(e.message, /^Query exceeds the maximum cost of 1000000 \(found \d+(\.\d+)?(e\+\d+)?\)\.$/);
    assert.deepEqual(e.locations, [{ line: 1, column: 1 }]);
    assert.equal(await statements(), before, `${levels} levels: no statement sent`);
    console.log(`# ${levels} levels of items { order {: cost ${e.extensions.cost}, refused`);
  }
});

test('the costs requested are a histogram in /metrics', async () => {
  const text = (await request(`${server.url}/metrics`)).text;
  assert.match(text, /^# TYPE gqld_graphql_cost histogram$/m);
  const le = (bound) => {
    const line = text.split('\n').find((l) => l.startsWith(`gqld_graphql_cost_bucket{le="${bound}"} `));
    return Number(line.split(' ')[1]);
  };
  assert.ok(le('1') >= 2, text); // __typename and introspection, twice each
  assert.ok(le('1000000') - le('100000') >= 5, text); // the orders queries (120k) cold and warm, one level of nesting
  assert.ok(le('+Inf') - le('100000000') >= 3, 'the refused nesting');
  assert.ok(Number(/^gqld_graphql_cost_count (\d+)$/m.exec(text)[1]) >= 20);
});

test('GQLD_MAX_COST sets the limit, 0 removes it; the setting is in --help', async () => {
  const strict = await startServer({ AUTH_MODE: 'none', GQLD_MAX_COST: 100 });
  const open = await startServer({ AUTH_MODE: 'none', GQLD_MAX_COST: 0, GQLD_COST_REPORT: 'on' });
  try {
    const refused = await graphql(strict.url, ADMITTED[1][1]);
    assert.equal(refused.json.errors[0].extensions.code, 'COST_LIMIT_EXCEEDED');
    assert.deepEqual(refused.json.errors[0].extensions, { code: 'COST_LIMIT_EXCEEDED', cost: 120802, limit: 100 });
    assert.equal((await graphql(strict.url, ADMITTED[0][1])).json.errors, undefined);
    const two = await graphql(open.url, nested(2));
    assert.equal(two.json.errors, undefined, two.text);
    assert.deepEqual(two.json.extensions.cost, { requested: 24160402, limit: null });
  } finally {
    await strict.stop();
    await open.stop();
  }
});

test('no "Did you mean ...?" without introspection, or with GQLD_SUGGESTIONS=off', async () => {
  const typo = '{ Prodct(productId: "x") { productId } }';
  const hinted = (await graphql(server.url, typo)).json.errors[0].message;
  assert.equal(hinted, 'Cannot query field "Prodct" on type "Query". Did you mean "Product" or "products"?');
  for (const env of [{ GQLD_INTROSPECTION: 'off' }, { GQLD_SUGGESTIONS: 'off' }]) {
    const s = await startServer(env);
    try {
      for (const q of [typo, '{ Product(productID: "x") { productId } }', 'query($x: Strin) { __typename }', '{ Product(productId: "x") }']) {
        const r = await graphql(s.url, q);
        assert.ok(r.json.errors.length > 0, r.text);
        assert.doesNotMatch(r.text, /Did you mean/, `${JSON.stringify(env)}: ${r.text}`);
      }
      assert.equal((await graphql(s.url, typo)).json.errors[0].message, 'Cannot query field "Prodct" on type "Query".');
    } finally {
      await s.stop();
    }
  }
});

test('root fields per operation and operations per document are bounded, the limit named', async () => {
  // 64 root fields pass (40 aliased introspections in one answer are in the Lambda suite), 65 do not;
  // 1,500 __typename (issue 17) are refused the same way.
  const roots = (n) => `{ ${Array.from({ length: n }, (_, i) => `f${i % 40}: __typename`).join(' ')} }`;
  const ok = await postJson(server.url, { query: `{ ${Array.from({ length: 64 }, () => '__typename').join(' ')} }` });
  assert.equal(ok.json.errors, undefined, ok.text);
  for (const [n, query] of [[65, `{ ${Array.from({ length: 65 }, () => '__typename').join(' ')} }`], [1500, `{ ${'__typename '.repeat(1500)}}`]]) {
    const r = await postJson(server.url, { query });
    assert.equal(r.json.errors[0].message, `Operation exceeds the maximum of 64 root fields (found ${n}).`, r.text);
    assert.equal('data' in r.json, false);
  }
  assert.equal((await graphql(server.url, roots(40))).json.errors, undefined);
  const ops = (n) => Array.from({ length: n }, (_, i) => `query Q${i} { __typename }`).join('\n');
  const fine = await postJson(server.url, { query: ops(32), operationName: 'Q31' });
  assert.equal(fine.json.errors, undefined, fine.text);
  const many = await postJson(server.url, { query: ops(33), operationName: 'Q0' });
  assert.equal(many.json.errors[0].message, 'The document exceeds the maximum of 32 operations (found 33).');
  const limited = await startServer({ GQLD_MAX_ROOT_FIELDS: 2, GQLD_MAX_OPERATIONS: 1 });
  try {
    const r = await graphql(limited.url, '{ a: __typename b: __typename c: __typename }');
    assert.equal(r.json.errors[0].message, 'Operation exceeds the maximum of 2 root fields (found 3).');
    const d = await postJson(limited.url, { query: 'query A { __typename } query B { __typename }', operationName: 'A' });
    assert.equal(d.json.errors[0].message, 'The document exceeds the maximum of 1 operations (found 2).');
  } finally {
    await limited.stop();
  }
});
