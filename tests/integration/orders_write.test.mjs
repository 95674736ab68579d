// Orders in: placeOrder, cancelOrder and updateProduct against a database of
// this test's own, every rule its own case, the database checked by SQL after
// each: atomic writes, exactly one order per idempotency key (the same answer
// byte for byte, 50 concurrent requests, a conflicting reuse), bad input that
// writes nothing (with extensions.code and inputPath), authorization (tokens,
// required scopes per field, AUTH_MODE=gateway, the Lambda front door),
// shedding before writing (OVERLOADED) and the outcome-unknown answer, writes
// on DATABASE_URL while reads use the reader, POST only, never cached.
// meson runs it twice: in DB_PROTOCOL=prepared and (integration-proxy-) proxy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  GQLD_BIN, ROOT, childEnv, createSeededDatabase, graphql, lockTable, lockWaiters, pollUntil, psql, request,
  sleep, startServer, withTimeout,
} from './lib.mjs';
import { bearer, jwtEnv, makeKeys, mint } from './auth_keys.mjs';
import { RuntimeEmulator } from './lambda_emulator.mjs';

const PROXY = process.env.GQLD_TEST_DB_PROTOCOL === 'proxy';
const A = '4567'; // the seed's example customer
const B = '3';
const LIMITS = { GQLD_ORDER_MAX_LINES: 3, GQLD_ORDER_MAX_QUANTITY: 5 };

let db;
let keys;
let server; // AUTH_MODE=jwt
const tokens = {};

before(async () => {
  keys = await makeKeys();
  db = await createSeededDatabase('gqld_write');
  server = await startServer({ DATABASE_URL: db.url, ...jwtEnv(keys), ...LIMITS });
  tokens.A = await mint(keys, { sub: 'alice', 'custom:customer_id': A });
  tokens.B = await mint(keys, { sub: 'bob', 'custom:customer_id': B });
  tokens.admin = await mint(keys, { sub: 'root', 'cognito:groups': ['admin'] });
  tokens.nobody = await mint(keys, { sub: 'not-a-customer-id' });
});

after(async () => {
  await server?.stop();
  if (db) await db.drop();
});

const q = (sql, url = db.url) => psql(sql, { url });
const newKey = (prefix = 'k') => `${prefix}-${randomUUID()}`;

const ORDER_FIELDS = 'orderId orderRef customerId status total createdAt items { orderItemId quantity unitPrice product { productId price } }';
const PLACE = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { ${ORDER_FIELDS} } }`;

function as(who) {
  return who === 'anonymous' ? {} : bearer(tokens[who]);
}

async function place(who, input, { srv = server, headers = {} } = {}) {
  return graphql(srv.url, PLACE, { input }, { headers: { ...as(who), ...headers } });
}

// Everything a refused write must leave as it was.
const snapshot = () =>
  q(`SELECT concat_ws(' ', (SELECT count(*) FROM orders), (SELECT count(*) FROM order_items),
       (SELECT count(*) FROM idempotency_keys), (SELECT md5(string_agg(o::text, ',' ORDER BY order_id)) FROM orders o),
       (SELECT md5(string_agg(p::text, ',' ORDER BY product_id)) FROM products p))`);

async function assertWritesNothing(fn, what) {
  const before = await snapshot();
  const r = await fn();
  assert.equal(await snapshot(), before, `${what}: the database changed`);
  return r;
}

function assertFieldError(r, field, code, inputPath) {
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data, null, r.text);
  assert.equal(r.json.errors.length, 1, r.text);
  const e = r.json.errors[0];
  assert.deepEqual(e.path, [field], r.text);
  assert.equal(e.extensions.code, code, r.text);
  if (inputPath !== undefined) assert.deepEqual(e.extensions.inputPath, inputPath, r.text);
  assert.ok(e.message.length > 10, r.text);
  return e;
}

// The order as the database has it: its row, items and key.
async function orderInDb(orderId) {
  const row = await q(`SELECT json_build_object('customer', customer_id::text, 'ref', order_ref, 'status', status,
      'total', total, 'created', created_at,
      'items', (SELECT json_agg(json_build_array(order_item_id, product_id, quantity, unit_price) ORDER BY order_item_id)
                FROM order_items WHERE order_id = o.order_id),
      'sum', (SELECT sum(quantity * unit_price) FROM order_items WHERE order_id = o.order_id),
      'keys', (SELECT count(*) FROM idempotency_keys k WHERE k.order_id = o.order_id))
    FROM orders o WHERE order_id = ${Number(orderId)}`);
  return row ? JSON.parse(row) : null;
}

describe('placeOrder', () => {
  test('a customer places an order: one transaction, ids and prices from the database, total by the triggers', async () => {
    const prices = Object.fromEntries(
      (await q(`SELECT product_id || '=' || price FROM products WHERE product_id IN ('notebook', 'p000002')`))
        .split('\n').map((l) => l.split('=')));
    const maxBefore = await q('SELECT max(order_id) || \' \' || max(order_ref) FROM orders');
    const t0 = Date.now();
    const r = await place('A', { idempotencyKey: newKey(), items: [{ productId: 'notebook', quantity: 2 }, { productId: 'p000002', quantity: 1 }] });
    const t1 = Date.now();
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const o = r.json.data.placeOrder;
    assert.equal(o.customerId, A);
    assert.equal(o.status, 'PLACED');
    assert.deepEqual(o.items.map((i) => [i.orderItemId, i.product.productId, i.quantity, i.unitPrice]),
      [['1', 'notebook', 2, Number(prices.notebook)], ['2', 'p000002', 1, Number(prices.p000002)]]);
    assert.equal(o.total, Math.round((2 * prices.notebook + 1 * prices.p000002) * 100) / 100);
    const [maxId, maxRef] = maxBefore.split(' ').map(Number);
    assert.ok(Number(o.orderId) > maxId && o.orderRef > maxRef, `new ids from the sequences: ${r.text}`);
    const created = Date.parse(o.createdAt);
    assert.ok(created >= Math.floor(t0 / 1000) * 1000 - 1000 && created <= t1 + 1000, `createdAt ${o.createdAt} is the commit's time`);
    // The database: the row, its items at the products' prices, the total, the key.
    const row = await orderInDb(o.orderId);
    assert.equal(row.customer, A);
    assert.equal(row.ref, o.orderRef);
    assert.equal(row.status, 'PLACED');
    assert.deepEqual(row.items, [[1, 'notebook', 2, Number(prices.notebook)], [2, 'p000002', 1, Number(prices.p000002)]]);
    assert.equal(row.total, row.sum);
    assert.equal(row.total, o.total);
    assert.equal(row.keys, 1);
  });

  test('the same key and input again: the same order, byte for byte, nothing written', async () => {
    const input = { idempotencyKey: newKey(), items: [{ productId: 'p000003', quantity: 3 }] };
    const first = await place('A', input);
    assert.equal(first.status, 200, first.text);
    const again = await assertWritesNothing(() => place('A', input), 'a repeat');
    assert.equal(again.text, first.text);
    // Naming oneself, and the document as a literal instead of variables: still the same request.
    const literal = `mutation { placeOrder(input: {items: [{quantity: 3, productId: "p000003"}], customerId: "${A}", idempotencyKey: "${input.idempotencyKey}"}) { ${ORDER_FIELDS} } }`;
    const third = await assertWritesNothing(() => graphql(server.url, literal, undefined, { headers: as('A') }), 'a literal repeat');
    assert.equal(third.text, first.text);
    // Apart from status changes.
    const orderId = first.json.data.placeOrder.orderId;
    await graphql(server.url, `mutation { cancelOrder(orderId: "${orderId}") { status } }`, undefined, { headers: as('A') });
    const fourth = await place('A', input);
    assert.equal(fourth.text, first.text.replace('"status":"PLACED"', '"status":"CANCELLED"'));
  });

  test('the same key with other items: IDEMPOTENCY_CONFLICT, nothing written', async () => {
    const key = newKey();
    const first = await place('A', { idempotencyKey: key, items: [{ productId: 'p000004', quantity: 1 }] });
    assert.equal(first.status, 200, first.text);
    for (const items of [
      [{ productId: 'p000004', quantity: 2 }],
      [{ productId: 'p000005', quantity: 1 }],
      [{ productId: 'p000004', quantity: 1 }, { productId: 'p000005', quantity: 1 }],
    ]) {
      const r = await assertWritesNothing(() => place('A', { idempotencyKey: key, items }), 'a conflicting reuse');
      assertFieldError(r, 'placeOrder', 'IDEMPOTENCY_CONFLICT', ['input', 'idempotencyKey']);
    }
    assert.equal(await q(`SELECT count(*) FROM idempotency_keys WHERE idempotency_key = '${key}'`), '1');
  });

  test('keys are the customer\'s own: another customer\'s same key is another order', async () => {
    const key = newKey();
    const input = { idempotencyKey: key, items: [{ productId: 'p000006', quantity: 1 }] };
    const a = await place('A', input);
    const b = await place('B', input);
    assert.equal(a.status, 200, a.text);
    assert.equal(b.status, 200, b.text);
    assert.notEqual(a.json.data.placeOrder.orderId, b.json.data.placeOrder.orderId);
    assert.equal(b.json.data.placeOrder.customerId, B);
    assert.equal(await q(`SELECT string_agg(customer_id::text, ',' ORDER BY customer_id) FROM idempotency_keys WHERE idempotency_key = '${key}'`),
      [A, B].sort().join(','));
  });

  test('50 concurrent requests with one key: one order, 50 identical answers', async () => {
    const input = { idempotencyKey: newKey('burst'), items: [{ productId: 'notebook', quantity: 1 }, { productId: 'p000007', quantity: 2 }] };
    const ordersBefore = Number(await q('SELECT count(*) FROM orders'));
    const answers = await Promise.all(Array.from({ length: 50 }, () => place('A', input)));
    for (const r of answers) assert.equal(r.status, 200, r.text);
    assert.equal(new Set(answers.map((r) => r.text)).size, 1, answers.map((r) => r.text).join('\n'));
    assert.equal(Number(await q('SELECT count(*) FROM orders')), ordersBefore + 1);
    const orderId = answers[0].json.data.placeOrder.orderId;
    assert.equal(await q(`SELECT order_id FROM idempotency_keys WHERE idempotency_key = '${input.idempotencyKey}'`), orderId);
    assert.equal((await orderInDb(orderId)).items.length, 2);
  });

  test('a key kept past GQLD_IDEMPOTENCY_KEY_TTL may place a new order', async () => {
    const key = newKey();
    const first = await place('A', { idempotencyKey: key, items: [{ productId: 'p000008', quantity: 1 }] });
    await q(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE idempotency_key = '${key}'`);
    const second = await place('A', { idempotencyKey: key, items: [{ productId: 'p000009', quantity: 1 }] });
    assert.equal(second.status, 200, second.text);
    assert.notEqual(second.json.data.placeOrder.orderId, first.json.data.placeOrder.orderId);
    assert.equal(await q(`SELECT order_id FROM idempotency_keys WHERE idempotency_key = '${key}'`), second.json.data.placeOrder.orderId);
    // Inside the TTL the first order stands.
    const key2 = newKey();
    const kept = await place('A', { idempotencyKey: key2, items: [{ productId: 'p000008', quantity: 1 }] });
    await q(`UPDATE idempotency_keys SET created_at = now() - interval '23 hours' WHERE idempotency_key = '${key2}'`);
    const r = await place('A', { idempotencyKey: key2, items: [{ productId: 'p000009', quantity: 1 }] });
    assertFieldError(r, 'placeOrder', 'IDEMPOTENCY_CONFLICT');
    assert.ok(kept.json.data.placeOrder.orderId);
  });

  test('expired keys are deleted by gqld (soon after start, then every 5 minutes); others stay', async () => {
    const old = newKey('old');
    const young = newKey('young');
    for (const key of [old, young]) {
      const r = await place('A', { idempotencyKey: key, items: [{ productId: 'p000008', quantity: 1 }] });
      assert.equal(r.status, 200, r.text);
    }
    await q(`UPDATE idempotency_keys SET created_at = now() - interval '3 hours' WHERE idempotency_key = '${old}';
             UPDATE idempotency_keys SET created_at = now() - interval '1 hour' WHERE idempotency_key = '${young}'`);
    const orderOfOld = await q(`SELECT order_id FROM idempotency_keys WHERE idempotency_key = '${old}'`);
    const srv = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', GQLD_IDEMPOTENCY_KEY_TTL: 2 * 3600 });
    try {
      await pollUntil(async () => (await q(`SELECT count(*) FROM idempotency_keys WHERE idempotency_key = '${old}'`)) === '0',
        { timeoutMs: 10000, what: 'the expired key to be deleted' });
    } finally {
      await srv.stop();
    }
    assert.equal(await q(`SELECT count(*) FROM idempotency_keys WHERE idempotency_key = '${young}'`), '1');
    assert.equal(await q(`SELECT count(*) FROM orders WHERE order_id = ${orderOfOld}`), '1', 'the order stays, only its key goes');
  });

  describe('bad input: a clear error, nothing written', () => {
    const line = (productId, quantity) => ({ productId, quantity });
    const cases = [
      ['no lines', { items: [] }, ['input', 'items']],
      ['a quantity of 0', { items: [line('p000001', 1), line('p000002', 0)] }, ['input', 'items', 1, 'quantity']],
      ['a negative quantity', { items: [line('p000001', -2)] }, ['input', 'items', 0, 'quantity']],
      ['a quantity above GQLD_ORDER_MAX_QUANTITY', { items: [line('p000001', 6)] }, ['input', 'items', 0, 'quantity'], /GQLD_ORDER_MAX_QUANTITY/],
      ['more lines than GQLD_ORDER_MAX_LINES', { items: ['p000001', 'p000002', 'p000003', 'p000004'].map((p) => line(p, 1)) }, ['input', 'items'], /GQLD_ORDER_MAX_LINES/],
      ['an unknown product (found by the database: the key is not kept)', { items: [line('p000001', 1), line('no-such-product', 1)] }, ['input', 'items', 1, 'productId'], /no-such-product/],
      ['a product id that cannot be one', { items: [line('x'.repeat(65), 1)] }, ['input', 'items', 0, 'productId']],
      ['a duplicate product line (refused, not merged)', { items: [line('p000001', 1), line('p000002', 1), line('p000001', 2)] }, ['input', 'items', 2, 'productId'], /line 1/],
      ['an empty key', { idempotencyKey: '' }, ['input', 'idempotencyKey']],
      ['a key over 128 bytes', { idempotencyKey: 'é'.repeat(65) }, ['input', 'idempotencyKey'], /130 bytes/],
      ['an unknown customer named by an admin', { customerId: '999999999', who: 'admin' }, ['input', 'customerId']],
      ['an admin without a customer', { who: 'admin' }, ['input', 'customerId']],
    ];
    for (const [name, c, inputPath, message] of cases) {
      test(name, async () => {
        const { who = 'A', ...fields } = c;
        const input = { idempotencyKey: newKey(), items: [line('p000001', 1)], ...fields };
        const r = await assertWritesNothing(() => place(who, input), name);
        const e = assertFieldError(r, 'placeOrder', 'BAD_USER_INPUT', inputPath);
        if (message) assert.match(e.message, message);
        if (input.idempotencyKey) {
          assert.equal(await q(`SELECT count(*) FROM idempotency_keys WHERE idempotency_key = '${input.idempotencyKey}'`), '0');
        }
      });
    }
    test('a key of exactly 128 bytes is fine', async () => {
      const r = await place('A', { idempotencyKey: `${'é'.repeat(63)}${'x'.repeat(2)}`, items: [line('p000001', 1)] });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.data.placeOrder.orderId);
    });
    test('a value of the wrong type is a request error (no data), before anything runs', async () => {
      const r = await assertWritesNothing(
        () => place('A', { idempotencyKey: newKey(), items: [{ productId: 'p000001', quantity: 'two' }] }), 'coercion');
      assert.equal(r.status, 200, r.text);
      assert.equal('data' in r.json, false);
      assert.match(r.json.errors[0].message, /Int cannot represent/);
    });
  });

  describe('authorization, as for reads', () => {
    test('anonymous: UNAUTHENTICATED', async () => {
      const r = await assertWritesNothing(() => place('anonymous', { idempotencyKey: newKey(), items: [{ productId: 'p000001', quantity: 1 }] }), 'anonymous');
      assertFieldError(r, 'placeOrder', 'UNAUTHENTICATED');
    });
    test('a customer naming another customer: FORBIDDEN', async () => {
      const r = await assertWritesNothing(
        () => place('A', { customerId: B, idempotencyKey: newKey(), items: [{ productId: 'p000001', quantity: 1 }] }), 'another customer');
      assertFieldError(r, 'placeOrder', 'FORBIDDEN', ['input', 'customerId']);
    });
    test('a principal that is no customer: FORBIDDEN', async () => {
      const r = await assertWritesNothing(() => place('nobody', { idempotencyKey: newKey(), items: [{ productId: 'p000001', quantity: 1 }] }), 'no customer');
      assertFieldError(r, 'placeOrder', 'FORBIDDEN');
    });
    test('an admin places an order for any customer', async () => {
      const r = await place('admin', { customerId: B, idempotencyKey: newKey(), items: [{ productId: 'p000001', quantity: 1 }] });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.data.placeOrder.customerId, B);
      assert.equal((await orderInDb(r.json.data.placeOrder.orderId)).customer, B);
    });
  });
});

describe('cancelOrder', () => {
  test('the owner cancels; again changes nothing and answers the same', async () => {
    const placed = await place('A', { idempotencyKey: newKey(), items: [{ productId: 'p000001', quantity: 1 }] });
    const id = placed.json.data.placeOrder.orderId;
    const cancel = `mutation { cancelOrder(orderId: "${id}") { orderId status total items { quantity } } }`;
    const first = await graphql(server.url, cancel, undefined, { headers: as('A') });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.data.cancelOrder.status, 'CANCELLED');
    assert.equal((await orderInDb(id)).status, 'CANCELLED');
    const xmin = await q(`SELECT xmin FROM orders WHERE order_id = ${id}`);
    const second = await graphql(server.url, cancel, undefined, { headers: as('A') });
    assert.equal(second.text, first.text);
    assert.equal(await q(`SELECT xmin FROM orders WHERE order_id = ${id}`), xmin, 'no new row version');
  });
  test('another customer\'s order: NOT_FOUND (as for reads), unchanged; an admin cancels it', async () => {
    const placed = await place('B', { idempotencyKey: newKey(), items: [{ productId: 'p000001', quantity: 1 }] });
    const id = placed.json.data.placeOrder.orderId;
    const cancel = `mutation { cancelOrder(orderId: "${id}") { status } }`;
    const r = await assertWritesNothing(() => graphql(server.url, cancel, undefined, { headers: as('A') }), 'someone else\'s order');
    assertFieldError(r, 'cancelOrder', 'NOT_FOUND', ['orderId']);
    const anon = await assertWritesNothing(() => graphql(server.url, cancel), 'anonymous');
    assertFieldError(anon, 'cancelOrder', 'UNAUTHENTICATED');
    const admin = await graphql(server.url, cancel, undefined, { headers: as('admin') });
    assert.equal(admin.json.data.cancelOrder.status, 'CANCELLED', admin.text);
    assert.equal((await orderInDb(id)).status, 'CANCELLED');
  });
  test('an id that is no order: NOT_FOUND, nothing written', async () => {
    for (const id of ['999999999', 'abc']) {
      const r = await assertWritesNothing(
        () => graphql(server.url, `mutation { cancelOrder(orderId: "${id}") { status } }`, undefined, { headers: as('admin') }), id);
      assertFieldError(r, 'cancelOrder', 'NOT_FOUND', ['orderId']);
    }
  });
});

describe('updateProduct', () => {
  const update = (id, input, who = 'admin') =>
    graphql(server.url, 'mutation U($id: ID!, $input: ProductUpdateInput!) { updateProduct(productId: $id, input: $input) { productId productName price description } }',
      { id, input }, { headers: as(who) });

  test('an admin changes the fields given, the others keep their values', async () => {
    const r = await update('p000010', { price: 12.345, description: null });
    assert.equal(r.status, 200, r.text);
    const name = await q(`SELECT product_name FROM products WHERE product_id = 'p000010'`);
    assert.deepEqual(r.json.data.updateProduct, { productId: 'p000010', productName: name, price: 12.35, description: null });
    assert.equal(await q(`SELECT price || ' ' || coalesce(description, '-') FROM products WHERE product_id = 'p000010'`), '12.35 -');
    const renamed = await update('p000010', { productName: 'renamed' });
    assert.equal(renamed.json.data.updateProduct.productName, 'renamed');
    assert.equal(await q(`SELECT product_name || ' ' || price FROM products WHERE product_id = 'p000010'`), 'renamed 12.35');
  });
  test('customers and anonymous callers: FORBIDDEN, UNAUTHENTICATED, unchanged', async () => {
    assertFieldError(await assertWritesNothing(() => update('p000010', { price: 1 }, 'A'), 'a customer'), 'updateProduct', 'FORBIDDEN');
    assertFieldError(await assertWritesNothing(() => update('p000010', { price: 1 }, 'anonymous'), 'anonymous'), 'updateProduct', 'UNAUTHENTICATED');
  });
  test('bad values and unknown products: errors, nothing written', async () => {
    for (const [input, path] of [
      [{ price: -1 }, ['input', 'price']],
      [{ price: 1e12 }, ['input', 'price']],
      [{ price: null }, ['input', 'price']],
      [{ productName: '' }, ['input', 'productName']],
      [{ productName: null }, ['input', 'productName']],
      [{}, ['input']],
    ]) {
      assertFieldError(await assertWritesNothing(() => update('p000010', input), JSON.stringify(input)), 'updateProduct', 'BAD_USER_INPUT', path);
    }
    assertFieldError(await assertWritesNothing(() => update('nope', { price: 1 }), 'unknown'), 'updateProduct', 'NOT_FOUND', ['productId']);
  });
});

describe('a mutation\'s fields run one after another', () => {
  test('each commits before the next; a failure stops the ones after it', async () => {
    const [k1, k2, k3] = [newKey(), newKey(), newKey()];
    const doc = `mutation {
      a: placeOrder(input: {idempotencyKey: "${k1}", items: [{productId: "p000001", quantity: 1}]}) { orderId }
      b: placeOrder(input: {idempotencyKey: "${k2}", items: [{productId: "p000001", quantity: 0}]}) { orderId }
      c: placeOrder(input: {idempotencyKey: "${k3}", items: [{productId: "p000001", quantity: 1}]}) { orderId }
    }`;
    const r = await graphql(server.url, doc, undefined, { headers: as('A') });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.data, null);
    assert.deepEqual(r.json.errors.map((e) => e.path), [['b']]);
    assert.equal(await q(`SELECT count(*) FROM idempotency_keys WHERE idempotency_key IN ('${k1}', '${k2}', '${k3}')`), '1');
    assert.equal(await q(`SELECT idempotency_key FROM idempotency_keys WHERE idempotency_key IN ('${k1}', '${k2}', '${k3}')`), k1);
    const two = await graphql(server.url, `mutation { __typename x: placeOrder(input: {idempotencyKey: "${k2}", items: [{productId: "p000002", quantity: 1}]}) { customerId }
      y: cancelOrder(orderId: "52") { orderId status } }`, undefined, { headers: as('A') });
    assert.equal(two.status, 200, two.text);
    assert.deepEqual(two.json, { data: { __typename: 'Mutation', x: { customerId: A }, y: { orderId: '52', status: 'CANCELLED' } } });
  });
});

describe('transport', () => {
  test('a mutation over GET: 405, nothing written', async () => {
    const query = `mutation { placeOrder(input: {idempotencyKey: "${newKey()}", items: [{productId: "p000001", quantity: 1}]}) { orderId } }`;
    const r = await assertWritesNothing(
      () => request(`${server.url}/graphql?query=${encodeURIComponent(query)}`, { headers: as('A') }), 'GET');
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST');
  });
  test('never cached: no-store, and the cache bypassed with GQLD_CACHE=on', async () => {
    const cached = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', GQLD_CACHE: 'on', GQLD_CACHE_DEFAULT_MAX_AGE: 60,
      GQLD_CACHE_PREFIX: `write${process.pid}` });
    try {
      const doc = `mutation { updateProduct(productId: "p000009", input: {description: "d1"}) { description } }`;
      for (const description of ['d1', 'd1']) {
        const r = await graphql(cached.url, doc);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.headers.get('cache-control'), 'no-store');
        assert.equal(r.json.data.updateProduct.description, description);
      }
      await q(`UPDATE products SET description = 'd2' WHERE product_id = 'p000009'`);
      const r = await graphql(cached.url, doc);
      assert.equal(r.json.data.updateProduct.description, 'd1', 'written again, not a cached answer');
      assert.equal(await q(`SELECT description FROM products WHERE product_id = 'p000009'`), 'd1');
    } finally {
      await cached.stop();
    }
  });
});

describe('writes go to DATABASE_URL, reads to DATABASE_READER_URL', () => {
  test('the order is in the primary, the reader never sees the write', async () => {
    const reader = await createSeededDatabase('gqld_write_reader');
    const srv = await startServer({ DATABASE_URL: db.url, DATABASE_READER_URL: reader.url, AUTH_MODE: 'none' });
    try {
      const key = newKey();
      const r = await graphql(srv.url, `mutation { placeOrder(input: {customerId: "${A}", idempotencyKey: "${key}", items: [{productId: "p000001", quantity: 1}]}) { orderId } }`);
      assert.equal(r.status, 200, r.text);
      const id = r.json.data.placeOrder.orderId;
      assert.equal(await q(`SELECT order_id FROM idempotency_keys WHERE idempotency_key = '${key}'`), id);
      assert.equal(await q(`SELECT count(*) FROM idempotency_keys`, reader.url), '0');
      // A query reads the reader: the order is not there.
      const read = await graphql(srv.url, `{ OrderItem(order: "${id}") { orderId } }`);
      assert.deepEqual(read.json, { data: { OrderItem: [] } });
    } finally {
      await srv.stop();
      await reader.drop();
    }
  });
  test('DB_WRITE_POOL_SIZE=0 shares the query pool; with a reader it is refused at start-up', async () => {
    const shared = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', DB_WRITE_POOL_SIZE: 0, DB_POOL_SIZE: 1, GQLD_THREADS: 1 });
    try {
      const r = await graphql(shared.url, `mutation { placeOrder(input: {customerId: "${A}", idempotencyKey: "${newKey()}", items: [{productId: "p000001", quantity: 1}]}) { orderId } }`);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.json.data.placeOrder.orderId);
    } finally {
      await shared.stop();
    }
    await assert.rejects(
      startServer({ DATABASE_URL: db.url, DATABASE_READER_URL: db.url, DB_WRITE_POOL_SIZE: 0 }, { timeoutMs: 5000 }),
      /DB_WRITE_POOL_SIZE/);
  });
});

describe('required scopes per field; AUTH_MODE=gateway', () => {
  test('Mutation.placeOrder=orders:write: without the scope FORBIDDEN, with it placed; Order=orders:read guards the answer', async () => {
    const scoped = await startServer({ DATABASE_URL: db.url, ...jwtEnv(keys),
      JWT_REQUIRED_SCOPES: 'Mutation.placeOrder=orders:write Mutation.cancelOrder=orders:write Order=orders:read' });
    try {
      const t = async (scope) => bearer(await mint(keys, { sub: 'alice', 'custom:customer_id': A, scope }));
      const input = () => ({ idempotencyKey: newKey(), items: [{ productId: 'p000001', quantity: 1 }] });
      const anonymous = await assertWritesNothing(() => graphql(scoped.url, PLACE, { input: input() }), 'anonymous, scoped');
      assertFieldError(anonymous, 'placeOrder', 'UNAUTHENTICATED');
      const noWrite = await assertWritesNothing(async () => graphql(scoped.url, PLACE, { input: input() }, { headers: await t('orders:read') }), 'no write scope');
      assertFieldError(noWrite, 'placeOrder', 'FORBIDDEN');
      const noRead = await assertWritesNothing(async () => graphql(scoped.url, PLACE, { input: input() }, { headers: await t('orders:write') }), 'no read scope');
      assertFieldError(noRead, 'placeOrder', 'FORBIDDEN');
      const ok = await graphql(scoped.url, PLACE, { input: input() }, { headers: await t('orders:read orders:write') });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.json.data.placeOrder.customerId, A);
    } finally {
      await scoped.stop();
    }
  });
  test('behind API Gateway: the principal from the authorizer headers', async () => {
    const gw = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'gateway' });
    try {
      const headers = { 'x-authorizer-sub': 'carol', 'x-authorizer-customer-id': B };
      const r = await graphql(gw.url, PLACE, { input: { idempotencyKey: newKey(), items: [{ productId: 'p000001', quantity: 1 }] } }, { headers });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.data.placeOrder.customerId, B);
      const other = await assertWritesNothing(() => graphql(gw.url, PLACE,
        { input: { customerId: A, idempotencyKey: newKey(), items: [{ productId: 'p000001', quantity: 1 }] } }, { headers }), 'gateway, other customer');
      assertFieldError(other, 'placeOrder', 'FORBIDDEN');
      const none = await graphql(gw.url, PLACE, { input: { idempotencyKey: newKey(), items: [{ productId: 'p000001', quantity: 1 }] } });
      assert.equal(none.status, 401);
    } finally {
      await gw.stop();
    }
  });
  test('the Lambda front door places orders too (HTTP API JWT authorizer context)', async () => {
    const emulator = new RuntimeEmulator();
    await emulator.start();
    const child = spawn(GQLD_BIN, [], {
      env: childEnv({ AWS_LAMBDA_RUNTIME_API: emulator.address, _HANDLER: 'graphql', DATABASE_URL: db.url, AUTH_MODE: 'gateway',
        DB_POOL_SIZE: 1, DB_WRITE_POOL_SIZE: 1 }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    try {
      const key = newKey('lambda');
      // The documented HTTP API example with this request in it, its JWT authorizer's claims naming customer A.
      const event = JSON.parse(readFileSync(path.join(ROOT, 'tests', 'fixtures', 'lambda', 'http-api-v2-doc.json'), 'utf8'));
      Object.assign(event, { rawPath: '/graphql', rawQueryString: '', cookies: undefined, isBase64Encoded: false,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: PLACE, variables: { input: { idempotencyKey: key, items: [{ productId: 'p000002', quantity: 2 }] } } }) });
      Object.assign(event.requestContext, { requestId: 'lambda-write', stage: '$default',
        authorizer: { jwt: { claims: { sub: 'dave', 'custom:customer_id': A }, scopes: ['orders'] } } });
      Object.assign(event.requestContext.http, { method: 'POST', path: '/graphql' });
      const answers = [];
      for (let i = 0; i < 2; i++) {
        const r = await withTimeout(emulator.invoke(event), 20000, () => { throw new Error(`no answer; stderr:\n${stderr}`); });
        assert.equal(r.kind, 'response', r.body);
        const res = JSON.parse(r.body);
        assert.equal(res.statusCode, 200, r.body);
        assert.equal(res.headers['cache-control'], 'no-store');
        answers.push(res.body);
      }
      assert.equal(answers[1], answers[0], 'the same key through Lambda: the same order');
      const id = JSON.parse(answers[0]).data.placeOrder.orderId;
      assert.equal(await q(`SELECT order_id FROM idempotency_keys WHERE idempotency_key = '${key}'`), id);
      assert.deepEqual((await orderInDb(id)).items.map((i) => i.slice(1, 3)), [['p000002', 2]]);
    } finally {
      child.kill('SIGKILL');
      await emulator.close();
    }
  });
});

describe('spikes shed before writing; an unknown outcome says so', () => {
  test('a full write queue: 503, Retry-After, OVERLOADED, before anything is sent', async () => {
    const srv = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', GQLD_THREADS: 1, DB_WRITE_POOL_SIZE: 1,
      DB_PIPELINE_DEPTH: 1, DB_WRITE_QUEUE_MAX: 1 });
    const lock = await lockTable(db.url, 'idempotency_keys');
    const keysSent = [newKey('held'), newKey('queued'), newKey('refused')];
    const send = (key) => graphql(srv.url, `mutation { placeOrder(input: {customerId: "${A}", idempotencyKey: "${key}", items: [{productId: "p000001", quantity: 1}]}) { orderId } }`);
    let held;
    let queued;
    try {
      held = send(keysSent[0]); // in flight, waiting on the lock
      await lockWaiters(db.url, 1);
      queued = send(keysSent[1]); // the one place in the queue
      await sleep(200);
      const refused = await send(keysSent[2]);
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(refused.json.errors[0].extensions.code, 'OVERLOADED');
      assert.equal('data' in refused.json, false);
    } finally {
      await lock.release();
    }
    assert.equal((await held).status, 200);
    assert.equal((await queued).status, 200);
    assert.equal(await q(`SELECT string_agg(idempotency_key, ',' ORDER BY idempotency_key) FROM idempotency_keys WHERE idempotency_key IN ('${keysSent.join("','")}')`),
      [keysSent[0], keysSent[1]].sort().join(','));
    await srv.stop();
  });

  test('the connection lost after the write was sent: OUTCOME_UNKNOWN (503); the same key again places it once', async () => {
    const srv = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', GQLD_THREADS: 1, DB_WRITE_POOL_SIZE: 1 });
    const key = newKey('lost');
    const doc = `mutation { placeOrder(input: {customerId: "${A}", idempotencyKey: "${key}", items: [{productId: "p000003", quantity: 1}]}) { orderId } }`;
    const lock = await lockTable(db.url, 'idempotency_keys');
    let r;
    try {
      const pending = graphql(srv.url, doc);
      await lockWaiters(db.url, 1);
      await q(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
               WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%gqld_place_order%'`);
      r = await pending;
    } finally {
      await lock.release();
    }
    assert.equal(r.status, 503, r.text);
    assert.equal(r.json.errors[0].extensions.code, 'OUTCOME_UNKNOWN');
    assert.deepEqual(r.json.errors[0].path, ['placeOrder']);
    const again = await pollUntil(async () => {
      const a = await graphql(srv.url, doc);
      return a.status === 200 ? a : null;
    }, { timeoutMs: 15000, what: 'the retry to succeed' });
    const id = again.json.data.placeOrder.orderId;
    assert.equal(await q(`SELECT count(*) || ' ' || min(order_id) FROM idempotency_keys WHERE idempotency_key = '${key}'`), `1 ${id}`);
    assert.equal((await graphql(srv.url, doc)).text, again.text);
    await srv.stop();
  });

  test('a statement timeout: nothing written (DB_TIMEOUT), or in proxy mode OUTCOME_UNKNOWN; the retry places it once', async () => {
    const srv = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', GQLD_THREADS: 1, DB_WRITE_POOL_SIZE: 1, DB_STATEMENT_TIMEOUT_MS: 500 });
    const key = newKey('slow');
    const doc = `mutation { placeOrder(input: {customerId: "${A}", idempotencyKey: "${key}", items: [{productId: "p000004", quantity: 1}]}) { orderId } }`;
    const lock = await lockTable(db.url, 'idempotency_keys');
    let r;
    try {
      r = await graphql(srv.url, doc);
    } finally {
      await lock.release();
    }
    if (PROXY) {
      assert.equal(r.status, 503, r.text); // the client-side deadline closed the connection: unknown
      assert.equal(r.json.errors[0].extensions.code, 'OUTCOME_UNKNOWN');
    } else {
      assert.equal(r.status, 200, r.text); // the server's statement_timeout rolled it back
      assert.equal(r.json.errors[0].extensions.code, 'DB_TIMEOUT');
      assert.equal(await q(`SELECT count(*) FROM idempotency_keys WHERE idempotency_key = '${key}'`), '0');
    }
    const again = await pollUntil(async () => {
      const a = await graphql(srv.url, doc);
      return a.status === 200 && a.json.data ? a : null;
    }, { timeoutMs: 15000, what: 'the retry to succeed' });
    assert.equal(await q(`SELECT count(*) || ' ' || min(order_id) FROM idempotency_keys WHERE idempotency_key = '${key}'`),
      `1 ${again.json.data.placeOrder.orderId}`);
    await srv.stop();
  });
});

describe('unit prices are the price at the moment the order commits', () => {
  test('an order about to commit holds its price: an admin\'s change waits for it, then follows', async () => {
    const srv = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none' });
    const product = 'p000005';
    const p0 = Number(await q(`SELECT price FROM products WHERE product_id = '${product}'`));
    // The lock stops the order after it read its prices, before its row is written.
    const lock = await lockTable(db.url, 'orders');
    let order;
    let update;
    try {
      order = graphql(srv.url, `mutation { placeOrder(input: {customerId: "${A}", idempotencyKey: "${newKey()}", items: [{productId: "${product}", quantity: 1}]}) { items { unitPrice } } }`);
      await lockWaiters(db.url, 1);
      let answered = false;
      update = graphql(srv.url, `mutation { updateProduct(productId: "${product}", input: {price: ${p0 + 1}}) { price } }`);
      update.then(() => (answered = true), () => (answered = true));
      await pollUntil(async () => answered || Number(await q(`SELECT count(*) FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`)) >= 2, { what: 'the update to wait or finish' });
      assert.equal(answered, false, 'the price changed while an order that had read it had yet to commit');
      assert.equal(Number(await q(`SELECT price FROM products WHERE product_id = '${product}'`)), p0);
    } finally {
      await lock.release();
    }
    const o = await order;
    const u = await update;
    assert.equal(o.json.data.placeOrder.items[0].unitPrice, p0, o.text);
    assert.equal(u.json.data.updateProduct.price, p0 + 1, u.text);
    await srv.stop();
  });

  test('two customers order one product while an admin changes its price: each order has the price at its commit', async () => {
    const srv = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none' });
    const product = 'p000006';
    const base = 500;
    await q(`UPDATE products SET price = ${base} WHERE product_id = '${product}'`);
    const updates = []; // k -> {sent, answered}; price base + k / 100
    const orders = [];
    const now = () => performance.now();
    let done = false;
    const customerLoop = async (customer) => {
      for (let i = 0; i < 40; i++) {
        const sent = now();
        const r = await graphql(srv.url, `mutation { placeOrder(input: {customerId: "${customer}", idempotencyKey: "${newKey('price')}", items: [{productId: "${product}", quantity: 1}]}) { orderId items { unitPrice } } }`);
        assert.equal(r.status, 200, r.text);
        orders.push({ sent, answered: now(), id: r.json.data.placeOrder.orderId, price: r.json.data.placeOrder.items[0].unitPrice });
      }
    };
    const adminLoop = async () => {
      for (let k = 1; !done && k <= 200; k++) {
        const sent = now();
        const r = await graphql(srv.url, `mutation { updateProduct(productId: "${product}", input: {price: ${base + k / 100}}) { price } }`);
        assert.equal(r.status, 200, r.text);
        updates[k] = { sent, answered: now() };
        await sleep(2);
      }
    };
    const admin = adminLoop();
    await Promise.all([customerLoop(A), customerLoop(B)]);
    done = true;
    await admin;
    await srv.stop();
    const prices = new Set();
    for (const o of orders) {
      const k = Math.round((o.price - base) * 100);
      prices.add(k);
      assert.ok(k >= 0 && (k === 0 || updates[k]), `order ${o.id}: ${o.price} is no price the product had`);
      if (k > 0) assert.ok(updates[k].sent < o.answered, `order ${o.id} has price ${o.price} before it was set`);
      const next = updates[k + 1];
      assert.ok(!next || next.answered > o.sent, `order ${o.id} has price ${o.price}, though ${base + (k + 1) / 100} was committed before it was sent`);
    }
    assert.ok(prices.size >= 3, `the orders saw the price change: ${[...prices]}`);
    const rows = await q(`SELECT string_agg(order_id || '=' || unit_price, ',' ORDER BY order_id) FROM order_items
      WHERE order_id IN (${orders.map((o) => o.id).join(',')})`);
    assert.equal(rows, orders.slice().sort((a, b) => a.id - b.id).map((o) => `${o.id}=${o.price.toFixed(2)}`).join(','));
  });
});
