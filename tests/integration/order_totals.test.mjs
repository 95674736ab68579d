// orders.total is kept by the database (migration 0003): after the seed and
// after every kind of change to order items (insert, update, a move to another
// order, delete, an order's cascade, TRUNCATE, concurrent transactions), each
// order's total is the sum of quantity * unit_price over its items, and the API
// answers it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSeededDatabase, graphql, psql, startServer } from './lib.mjs';

let db;
let server;

before(async () => {
  db = await createSeededDatabase('gqld_totals');
  server = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none' });
});

after(async () => {
  await server?.stop();
  if (db) await db.drop();
});

const q = (sql) => psql(sql, { url: db.url });

// Orders whose stored total is not the sum of their items, as "id stored summed" lines.
const mismatches = () =>
  q(`SELECT coalesce(string_agg(o.order_id || ' ' || o.total || ' ' || coalesce(s.sum, 0), E'\\n'), '')
     FROM orders o LEFT JOIN (SELECT order_id, sum(quantity * unit_price) AS sum FROM order_items GROUP BY 1) s
       USING (order_id)
     WHERE o.total <> coalesce(s.sum, 0)`);

const total = async (orderId) => q(`SELECT total FROM orders WHERE order_id = ${orderId}`);

test('after migrate and seed every total is its items sum, and the API answers it', async () => {
  assert.equal(await mismatches(), '');
  assert.ok(Number(await q('SELECT count(*) FROM orders WHERE total > 0')) > 0);
  const r = await graphql(server.url, '{ Order(customerId: "4567") { orderId total } }');
  const order52 = r.json.data.Order.find((o) => o.orderId === '52');
  assert.equal(String(order52.total), await total(52));
});

test('inserts, updates, moves and deletes of items keep the totals', async () => {
  await q(`INSERT INTO customers (customer_id, name, email) VALUES (700001, 'T', 't@example.com');
           INSERT INTO orders (order_id, order_ref, customer_id, created_at)
           VALUES (700001, 700001, 700001, now()), (700002, 700002, 700001, now())`);
  assert.equal(await total(700001), '0.00');
  await q(`INSERT INTO order_items (order_id, order_item_id, product_id, quantity, unit_price)
           VALUES (700001, 1, 'notebook', 2, 1.25), (700001, 2, 'notebook', 1, 10.00), (700002, 1, 'notebook', 3, 2.00)`);
  assert.equal(await total(700001), '12.50');
  assert.equal(await total(700002), '6.00');
  await q('UPDATE order_items SET quantity = quantity + 1 WHERE order_id = 700001');
  assert.equal(await total(700001), '23.75');
  await q('UPDATE order_items SET order_id = 700002, order_item_id = 2 WHERE order_id = 700001 AND order_item_id = 2');
  assert.equal(await total(700001), '3.75');
  assert.equal(await total(700002), '26.00');
  await q('DELETE FROM order_items WHERE order_id = 700002 AND order_item_id = 1');
  assert.equal(await total(700002), '20.00');
  const r = await graphql(server.url, '{ Order(customerId: "700001") { orderId total } }');
  assert.deepEqual(r.json.data.Order.map((o) => o.total).sort(), [20, 3.75].sort());
  await q('DELETE FROM orders WHERE order_id = 700002'); // cascades to its items
  assert.equal(await mismatches(), '');
});

test('concurrent transactions adding items to one order all count', async () => {
  await q(`INSERT INTO orders (order_id, order_ref, customer_id, created_at) VALUES (700003, 700003, 700001, now())`);
  // Each transaction holds its insert a while, so that they overlap and the later ones wait on the order row.
  await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      q(`BEGIN;
         INSERT INTO order_items (order_id, order_item_id, product_id, quantity, unit_price)
         VALUES (700003, ${i + 1}, 'notebook', ${i + 1}, 1.00);
         SELECT pg_sleep(0.2);
         COMMIT;`),
    ),
  );
  assert.equal(await total(700003), '36.00'); // 1 + 2 + ... + 8
  assert.equal(await mismatches(), '');
});

test('TRUNCATE of the items leaves every total at zero', async () => {
  await q('TRUNCATE order_items');
  assert.equal(await q('SELECT count(*) FROM orders WHERE total <> 0'), '0');
  assert.equal(await mismatches(), '');
});
