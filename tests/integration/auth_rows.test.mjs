// Row-level rules through real tokens: customer A never sees customer B's
// orders, items or customer row through any root field or relationship; an
// admin sees all; an anonymous caller sees products only. Each check runs
// twice in a row (a cold, then a warm path: with a response cache enabled the
// second answer comes from it and must be the same, and never another
// principal's). meson runs this file twice: without the response cache and,
// as integration-cache-auth_rows, with it (GQLD_TEST_CACHE=on).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NOTEBOOK_BODY, PRODUCT_QUERY, createSeededDatabase, graphql, psql, request, startServer } from './lib.mjs';
import { bearer, jwtEnv, makeKeys, mint } from './auth_keys.mjs';

const CACHED = process.env.GQLD_TEST_CACHE === 'on';
let db;
let keys;
let server;
const tokens = {};

// Customer A is the seed's 4567 (order 52); customer B is added here with two orders.
const A = '4567';
const B = '910002';
const B_ROWS = `
INSERT INTO customers (customer_id, name, email) VALUES (${B}, 'Customer B', 'b@example.com');
INSERT INTO orders (order_id, order_ref, customer_id, created_at)
VALUES (910100, 910100, ${B}, '2024-02-01T00:00:00Z'), (910101, 910101, ${B}, '2024-02-02T00:00:00Z');
INSERT INTO order_items (order_id, order_item_id, product_id, quantity, unit_price)
VALUES (910100, 1, 'notebook', 1, 19.99), (910101, 1, 'notebook', 2, 19.99);
`;

before(async () => {
  keys = await makeKeys();
  db = await createSeededDatabase('gqld_auth_rows');
  await psql(B_ROWS, { url: db.url });
  server = await startServer({
    DATABASE_URL: db.url,
    ...jwtEnv(keys),
    GQLD_CACHE: CACHED ? 'on' : 'off',
    GQLD_CACHE_PREFIX: `authrows${process.pid}`, // never another run's entries
  });
  tokens.A = await mint(keys, { sub: 'alice', 'custom:customer_id': A });
  tokens.B = await mint(keys, { sub: 'bob', 'custom:customer_id': B }, { alg: 'ES256' });
  tokens.admin = await mint(keys, { sub: 'root', 'cognito:groups': ['staff', 'admin'] }, { alg: 'HS256' });
});

after(async () => {
  await server?.stop();
  if (db) await db.drop();
});

// Asks twice (cold, then warm) and checks both answers are the same; returns the parsed one.
async function ask(who, query) {
  const headers = who === 'anonymous' ? {} : bearer(tokens[who]);
  const first = await graphql(server.url, query, undefined, { headers });
  const second = await graphql(server.url, query, undefined, { headers });
  assert.equal(first.status, 200, first.text);
  assert.equal(second.text, first.text, `warm answer differs for ${who}: ${query}`);
  return first.json;
}

async function orderIdsOfCustomer(id) {
  return (await psql(`SELECT order_id FROM orders WHERE customer_id = ${id} ORDER BY created_at DESC, order_id DESC`, { url: db.url }))
    .split('\n')
    .filter(Boolean);
}

test('customer A reads A\'s rows through every root field and relationship', async () => {
  const own = await orderIdsOfCustomer(A);
  assert.ok(own.length >= 1 && own.includes('52'));
  const r = await ask('A', `{
    Order(customerId: "${A}") { orderId customerId customer { customerId orders { orderId } } items { orderId order { customerId } } }
    OrderItem(order: "52") { orderId order { orderId customerId customer { customerId } } product { productId } }
    customer(customerId: "${A}") { customerId orders { orderId customerId items { order { customerId } } } }
  }`);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  assert.deepEqual(r.data.Order.map((o) => o.orderId), own);
  assert.deepEqual(r.data.customer.orders.map((o) => o.orderId), own);
  // Every customer id anywhere in the answer is A's.
  const ids = JSON.stringify(r).match(/"customerId":"\d+"/g);
  assert.ok(ids.length > 3);
  assert.ok(ids.every((m) => m === `"customerId":"${A}"`), JSON.stringify(r));
});

test('customer A cannot see B\'s orders through any root field or relationship', async () => {
  const bOrders = await orderIdsOfCustomer(B);
  assert.deepEqual(bOrders, ['910101', '910100']);
  // Root fields with B's ids: the same answer as for ids that do not exist.
  for (const [query, expected] of [
    [`{ Order(customerId: "${B}") { orderId } }`, { Order: [] }],
    [`{ OrderItem(order: "910100") { orderId orderItemId } }`, { OrderItem: [] }],
    [`{ customer(customerId: "${B}") { customerId name } }`, { customer: null }],
    [`{ customer(customerId: "${B}") { orders { orderId } } }`, { customer: null }],
    [`{ OrderItem(order: "910101") { order { orderId customer { name orders { orderId } } } } }`, { OrderItem: [] }],
    // Paging A's own orders from B's order id continues nowhere.
    [`{ customer(customerId: "${A}") { orders(after: "910101") { orderId } } }`, { customer: { orders: [] } }],
  ]) {
    const r = await ask('A', query);
    assert.equal(r.errors, undefined, `${query}: ${JSON.stringify(r.errors)}`);
    assert.deepEqual(r.data, expected, query);
  }
  // And B, symmetrically, sees B's rows and none of A's.
  const b = await ask('B', `{ Order(customerId: "${B}") { orderId items { order { customerId } } } a: Order(customerId: "${A}") { orderId }
    OrderItem(order: "52") { orderId } customer(customerId: "${A}") { name } }`);
  assert.deepEqual(b.data.Order.map((o) => o.orderId), bOrders);
  assert.deepEqual(b.data.a, []);
  assert.deepEqual(b.data.OrderItem, []);
  assert.equal(b.data.customer, null);
  assert.ok(JSON.stringify(b.data.Order).match(/"customerId":"\d+"/g).every((m) => m === `"customerId":"${B}"`));
});

test('an admin sees every customer\'s rows', async () => {
  const r = await ask('admin', `{
    a: Order(customerId: "${A}") { orderId }
    b: Order(customerId: "${B}") { orderId customer { name } items { order { customerId } } }
    OrderItem(order: "910100") { orderItemId order { customerId } }
    customer(customerId: "${B}") { name orders { orderId } }
  }`);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  assert.deepEqual(r.data.a.map((o) => o.orderId), await orderIdsOfCustomer(A));
  assert.deepEqual(r.data.b.map((o) => o.orderId), ['910101', '910100']);
  assert.equal(r.data.b[0].customer.name, 'Customer B');
  assert.deepEqual(r.data.OrderItem, [{ orderItemId: '1', order: { customerId: B } }]);
  assert.deepEqual(r.data.customer, { name: 'Customer B', orders: [{ orderId: '910101' }, { orderId: '910100' }] });
});

test('anonymous callers see products only', async () => {
  assert.deepEqual(await ask('anonymous', PRODUCT_QUERY), JSON.parse(NOTEBOOK_BODY));
  for (const [query, field] of [
    [`{ Order(customerId: "${A}") { orderId } }`, 'Order'],
    [`{ OrderItem(order: "52") { orderId } }`, 'OrderItem'],
    [`{ customer(customerId: "${A}") { name } }`, 'customer'],
  ]) {
    const r = await ask('anonymous', query);
    assert.equal(r.data?.[field] ?? null, null, query);
    assert.equal(r.errors[0].extensions.code, 'UNAUTHENTICATED', query);
    assert.deepEqual(r.errors[0].path, [field]);
  }
  // Customers and admins read products too.
  for (const who of ['A', 'B', 'admin']) assert.deepEqual(await ask(who, PRODUCT_QUERY), JSON.parse(NOTEBOOK_BODY));
});

test('interleaved principals on one server never see each other\'s answers', async () => {
  const query = `{ Order(customerId: "${B}") { orderId } }`;
  const answers = await Promise.all(
    ['A', 'B', 'admin', 'anonymous', 'A', 'B', 'admin', 'anonymous'].map(async (who) => [who, await ask(who, query)]),
  );
  for (const [who, r] of answers) {
    if (who === 'A') assert.deepEqual(r.data, { Order: [] });
    else if (who === 'anonymous') assert.equal(r.errors[0].extensions.code, 'UNAUTHENTICATED');
    else assert.deepEqual(r.data.Order.map((o) => o.orderId), ['910101', '910100'], who);
  }
});

async function cacheHits() {
  const text = (await request(`${server.url}/metrics`)).text;
  return text
    .split('\n')
    .filter((l) => l.startsWith('gqld_cache_hits_total'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

test('a warm cache entry of one principal never answers another', { skip: !CACHED && 'response cache off in this run' }, async () => {
  const query = `{ Order(customerId: "${B}") { orderId customer { name } } }`;
  const bView = { Order: [{ orderId: '910101', customer: { name: 'Customer B' } }, { orderId: '910100', customer: { name: 'Customer B' } }] };
  const hits0 = await cacheHits();
  // B's entry: stored, then hit. The store reaches memcached shortly after the first answer
  // (it rides along with the next hand-over), so the second read may still miss: read again.
  for (let i = 0; i < 10 && (await cacheHits()) === hits0; i++) assert.deepEqual((await ask('B', query)).data, bView);
  assert.ok((await cacheHits()) > hits0, 'a read of B came from the cache');
  // The same text, warm for B: A, anonymous and admin each get their own answer.
  assert.deepEqual((await ask('A', query)).data, { Order: [] });
  const anon = await ask('anonymous', query);
  assert.equal(anon.errors[0].extensions.code, 'UNAUTHENTICATED');
  assert.equal(anon.data?.Order ?? null, null);
  assert.deepEqual((await ask('admin', query)).data, bView);
  // And B's own entry is still B's.
  assert.deepEqual((await ask('B', query)).data, bView);
});
