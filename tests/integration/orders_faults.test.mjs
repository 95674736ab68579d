// No order lost, none duplicated, under faults: many concurrent clients place
// 2,000 orders, each retrying a failed or unanswered call with the same
// idempotency key until it gets its order, while PostgreSQL (a cluster of this
// test's own) crashes twice (pg_ctl restart -m immediate). Afterwards, by SQL:
// exactly one order per key, every answered orderId exists with exactly its
// items, no order without a key, every total the sum of its items.
// Bounded: 2,000 orders, 40 clients, a 90 s deadline (it takes well under a
// minute here, with ASan).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertCleanExit, psql, runGqld, services, sleep, startServer } from './lib.mjs';

const ORDERS = 2000;
const CLIENTS = 40;
const CUSTOMERS = 20;
const PRODUCTS = 30;
const DEADLINE_MS = 90000;

let dir;
let url;
let server;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gqld-faults-'));
  const port = await services('free-port');
  await services('pg-start', path.join(dir, 'pg'), port);
  url = `postgresql://postgres@127.0.0.1:${port}/gqld`;
  // The dev clusters acknowledge commits before their WAL is written (synchronous_commit
  // off), which a crash may undo: this test needs what PostgreSQL promises by default.
  await psql('ALTER SYSTEM SET synchronous_commit = on', { url });
  await psql('SELECT pg_reload_conf()', { url });
  for (const args of [
    ['migrate', '--database-url', url],
    ['seed', '--database-url', url, '--customers', String(CUSTOMERS), '--products', String(PRODUCTS), '--orders', '10', '--items-per-order', '2'],
  ]) {
    const r = await runGqld(args);
    assert.equal(r.code, 0, `gqld ${args[0]}: ${r.stderr}`);
  }
  server = await startServer({
    DATABASE_URL: url, AUTH_MODE: 'none', MEMCACHED_SERVERS: '', GQLD_THREADS: 2, DB_WRITE_POOL_SIZE: 4,
    DB_CONNECT_TIMEOUT_MS: 2000, GQLD_ACCESS_LOG: 'off',
  });
});

after(async () => {
  try {
    if (server) assertCleanExit(server, await server.stop(), 'gqld exits 0 on SIGTERM');
  } finally {
    if (dir) {
      await services('pg-stop', path.join(dir, 'pg')).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

const q = (sql) => psql(sql, { url });

// Deterministic orders: a customer, 1 to 3 different products, quantities 1 to 5.
function orderFor(i) {
  const lines = 1 + (i % 3);
  const items = [];
  for (let j = 0; j < lines; j++) {
    const n = 1 + ((i * 7 + j * 11) % PRODUCTS);
    items.push({ productId: `p${String(n).padStart(6, '0')}`, quantity: 1 + ((i + j) % 5) });
  }
  return { customerId: String(1 + (i % CUSTOMERS)), idempotencyKey: `fault-${process.pid}-${i}`, items };
}

const PLACE = 'mutation P($input: PlaceOrderInput!) { placeOrder(input: $input) { orderId customerId total items { product { productId } quantity unitPrice } } }';

test(`${ORDERS} orders from ${CLIENTS} clients through two PostgreSQL crashes: none lost, none duplicated`, async () => {
  const seedMax = Number(await q('SELECT max(order_id) FROM orders'));
  const started = Date.now();
  const answered = new Map(); // key -> the answer's order
  const outcomes = {}; // what the failed attempts got
  const wrong = []; // answers no retry may fix
  let next = 0;
  let completed = 0;

  async function attempt(input) {
    try {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: PLACE, variables: { input } }),
        signal: AbortSignal.timeout(10000),
      });
      const text = await res.text();
      const json = JSON.parse(text);
      if (res.status === 200 && json.data?.placeOrder) return json.data.placeOrder;
      const code = json.errors?.[0]?.extensions?.code ?? `HTTP ${res.status}`;
      if (!['OUTCOME_UNKNOWN', 'DB_UNAVAILABLE', 'DB_TIMEOUT', 'OVERLOADED'].includes(code)) wrong.push(text);
      outcomes[code] = (outcomes[code] ?? 0) + 1;
    } catch (err) {
      const what = `no answer (${err.name})`;
      outcomes[what] = (outcomes[what] ?? 0) + 1;
    }
    return null;
  }

  async function client() {
    while (next < ORDERS && wrong.length === 0 && Date.now() - started < DEADLINE_MS) {
      const input = orderFor(next++);
      let order = null;
      while (!order && wrong.length === 0 && Date.now() - started < DEADLINE_MS) {
        order = await attempt(input);
        if (!order) await sleep(20 + Math.random() * 30); // then the same request again
      }
      if (order) {
        answered.set(input.idempotencyKey, { input, order });
        completed++;
      }
    }
  }

  // The faults: PostgreSQL killed and restarted when a quarter, then 60%, of the orders are in.
  const restarts = (async () => {
    for (const share of [0.25, 0.6]) {
      while (completed < ORDERS * share && wrong.length === 0 && Date.now() - started < DEADLINE_MS) await sleep(5);
      await services('pg-restart', path.join(dir, 'pg'), 'immediate');
    }
  })();
  await Promise.all([...Array.from({ length: CLIENTS }, client), restarts]);
  const seconds = (Date.now() - started) / 1000;
  console.log(`# ${answered.size} orders in ${seconds.toFixed(1)} s; failed attempts retried: ${JSON.stringify(outcomes)}`);

  assert.deepEqual(wrong, [], 'answers no retry can fix');
  assert.equal(answered.size, ORDERS, `every order answered within ${DEADLINE_MS} ms`);
  const retried = Object.values(outcomes).reduce((a, b) => a + b, 0);
  assert.ok(retried > 0, 'the crashes made some calls fail (else this test tested nothing)');

  // Exactly one order per key, and it is the one the client was told.
  const rows = JSON.parse(await q(`SELECT json_agg(json_build_array(k.idempotency_key, o.order_id::text, o.customer_id::text,
        (SELECT json_agg(json_build_array(i.product_id, i.quantity, i.unit_price) ORDER BY i.order_item_id)
         FROM order_items i WHERE i.order_id = o.order_id)))
      FROM idempotency_keys k JOIN orders o USING (order_id) WHERE k.idempotency_key LIKE 'fault-${process.pid}-%'`));
  assert.equal(rows.length, ORDERS, 'one key row per order');
  for (const [key, orderId, customerId, items] of rows) {
    const a = answered.get(key);
    assert.ok(a, `key ${key} in the database was never answered`);
    assert.equal(orderId, a.order.orderId, `key ${key}: the database's order is not the one answered`);
    assert.equal(customerId, a.input.customerId);
    assert.deepEqual(items.map(([p, n]) => [p, n]), a.input.items.map((i) => [i.productId, i.quantity]), `order ${orderId}: its items`);
    assert.deepEqual(items.map(([p, n, price]) => [p, n, price]),
      a.order.items.map((i) => [i.product.productId, i.quantity, i.unitPrice]), `order ${orderId}: the items answered`);
  }
  // No order without a key, no second order for a key, every total its items' sum.
  assert.equal(await q(`SELECT count(*) FROM orders WHERE order_id > ${seedMax}`), String(ORDERS), 'orders placed: one per key');
  assert.equal(await q(`SELECT count(*) FROM orders o WHERE order_id > ${seedMax}
      AND NOT EXISTS (SELECT FROM idempotency_keys k WHERE k.order_id = o.order_id)`), '0', 'orders without a key');
  assert.equal(await q(`SELECT count(*) FROM orders o WHERE o.total <> (SELECT coalesce(sum(quantity * unit_price), 0)
      FROM order_items i WHERE i.order_id = o.order_id)`), '0', 'orders whose total is not the sum of their items');
  assert.equal(await q(`SELECT count(*) FROM orders o WHERE order_id > ${seedMax}
      AND NOT EXISTS (SELECT FROM order_items i WHERE i.order_id = o.order_id)`), '0', 'orders without items');
});
