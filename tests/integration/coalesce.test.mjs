// Requests of the same shape that arrive together share one statement
// (DB_COALESCE, resolvers/db_coalesce.h): bursts of concurrent Product and
// Order reads against one worker thread, each answer compared byte for byte
// with what a server that sends a statement per request answers, and the
// statements counted by the server (metrics) and by PostgreSQL
// (pg_stat_statements).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheus, sampleValue } from './prometheus.mjs';
import { createSeededDatabase, graphql, psql, request, startServer } from './lib.mjs';

let db;
let shared; // DB_COALESCE's default
let alone; // DB_COALESCE=1: a statement per request

before(async () => {
  db = await createSeededDatabase('gqld_coalesce');
  await psql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  [shared, alone] = await Promise.all([
    startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', GQLD_THREADS: 1, DB_POOL_SIZE: 2 }),
    startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', GQLD_THREADS: 1, DB_POOL_SIZE: 2, DB_COALESCE: 1 }),
  ]);
});

after(async () => {
  await Promise.all([shared?.stop(), alone?.stop()]);
  if (db) await db.drop();
});

async function metric(server, name) {
  const r = await request(`${server.url}/metrics`);
  return sampleValue(parsePrometheus(r.text), name, name);
}

const PRODUCT = 'query ($id: ID!) { Product(productId: $id) { productId productName price description } }';
const ORDERS =
  'query ($c: ID!) { Order(customerId: $c) { orderId createdAt total items { quantity product { productName } } } }';

// Every id at once; the answers' bodies in order. A burst of hundreds of requests on a pool of two
// connections under ASan takes seconds on a busy machine: each request gets a minute, which still
// fails a hang.
const burst = (server, query, name, ids) =>
  Promise.all(
    ids.map(async (id) => {
      const r = await graphql(server.url, query, { [name]: id }, { timeoutMs: 60000 });
      assert.equal(r.status, 200, r.text);
      return r.text;
    }),
  );

// Bursts until some requests shared a statement (a burst's requests may all land in different turns
// of the loop); every answer of every burst must be the one a statement of its own gives.
async function sharedBursts(query, name, ids) {
  const expected = [];
  for (const id of ids) expected.push((await graphql(alone.url, query, { [name]: id })).text);
  const before = await metric(shared, 'gqld_db_coalesced_queries_total');
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(await burst(shared, query, name, ids), expected);
    if ((await metric(shared, 'gqld_db_coalesced_queries_total')) > before) return expected;
  }
  assert.fail('20 bursts and no request shared a statement');
}

test('concurrent Product reads share statements; each gets its own row, null when there is none', async () => {
  const rows = (await psql('SELECT product_id FROM products ORDER BY product_id')).split('\n').filter(Boolean);
  assert.ok(rows.length >= 10);
  // Rows, repeats (asked once, answered to each), ids that match nothing, and text that looks like SQL.
  const ids = [...rows, rows[0], rows[1], 'no-such-product', "x' OR '1'='1", '{"a",NULL}', 'back\\slash'];
  const expected = await sharedBursts(PRODUCT, 'id', ids);
  assert.equal(JSON.parse(expected[rows.length + 2]).data.Product, null);
  assert.equal(JSON.parse(expected[0]).data.Product.productId, rows[0]);
  assert.equal(await metric(shared, 'gqld_db_coalesce_retries_total'), 0);
});

test('concurrent nested Order reads share statements and keep their own orders and items', async () => {
  const customers = (await psql('SELECT customer_id FROM customers ORDER BY customer_id')).split('\n').filter(Boolean);
  const ids = [...customers, 'not-a-number', '999999999'];
  const expected = await sharedBursts(ORDERS, 'c', ids);
  assert.ok(JSON.parse(expected[0]).data.Order.length > 0, 'the seed gives customer 1 orders');
  assert.deepEqual(JSON.parse(expected[customers.length]).data.Order, []);
});

test('PostgreSQL runs fewer statements than there were requests', async () => {
  const dbid = `(SELECT oid FROM pg_database WHERE datname = '${db.name}')`;
  const rows = (await psql('SELECT product_id FROM products ORDER BY product_id')).split('\n').filter(Boolean);
  const ids = Array.from({ length: 60 }, (_, i) => rows[i % rows.length]);
  let calls = Infinity;
  for (let i = 0; i < 10 && calls >= ids.length; i++) {
    await psql(`SELECT pg_stat_statements_reset(0, ${dbid}, 0)`);
    await burst(shared, PRODUCT, 'id', ids);
    calls = Number(
      await psql(
        `SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE dbid = ${dbid} AND query LIKE '%FROM products t0%'`,
      ),
    );
  }
  assert.ok(calls < ids.length, `${calls} statements for ${ids.length} requests`);
});
