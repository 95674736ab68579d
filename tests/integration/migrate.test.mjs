// `gqld migrate` and `gqld seed` against a database of this test's own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDatabase, migrationFiles, psql, psqlRun, runGqld } from './lib.mjs';

let db;

before(async () => {
  db = await createDatabase('gqld_mig');
});

after(async () => {
  if (db) await db.drop();
});

const q = (sql) => psql(sql, { url: db.url });
const TABLES = ['customers', 'products', 'orders', 'order_items'];

// Everything a seed must leave as the migrations made it.
const schemaFingerprint = () =>
  q(`SELECT string_agg(d, E'\\n' ORDER BY d) FROM (
       SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d
       FROM pg_constraint WHERE conrelid = ANY ('{${TABLES}}'::regclass[])
       UNION ALL
       SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = ANY ('{${TABLES}}'::regclass[])) s`);

// An md5 over every row of every table, in key order.
const dataFingerprint = () =>
  q(`SELECT concat_ws(' ',
       (SELECT md5(string_agg(t::text, ',' ORDER BY customer_id)) FROM customers t),
       (SELECT md5(string_agg(t::text, ',' ORDER BY product_id)) FROM products t),
       (SELECT md5(string_agg(t::text, ',' ORDER BY order_id)) FROM orders t),
       (SELECT md5(string_agg(t::text, ',' ORDER BY order_id, order_item_id)) FROM order_items t))`);

test('migrate applies every migration once; a second run applies nothing', async () => {
  const first = await runGqld(['migrate', '--database-url', db.url]);
  assert.equal(first.code, 0, first.stderr);
  const count = Number(await q('SELECT count(*) FROM schema_migrations'));
  assert.equal(count, migrationFiles().length, 'one schema_migrations row per file in infra/db/migrations');
  const recorded = await q('SELECT * FROM schema_migrations ORDER BY 1');

  const second = await runGqld(['migrate', '--database-url', db.url]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(
    second.stdout + second.stderr,
    /\b(0|no|nothing|none)\b[^\n]*\b(migrations?|pending|apply|applied|to apply)\b|up[ -]to[ -]date|already/i,
    `the second run says it applied nothing: ${second.stdout}${second.stderr}`,
  );
  assert.equal(await q('SELECT * FROM schema_migrations ORDER BY 1'), recorded, 'schema_migrations unchanged');
});

test('the tables exist with their constraints and indexes', async () => {
  for (const t of TABLES) {
    assert.equal(await q(`SELECT to_regclass('public.${t}') IS NOT NULL`), 't', `table ${t}`);
  }
  const rejects = async (sql, pattern) => {
    const r = await psqlRun(sql, { url: db.url });
    assert.notEqual(r.code, 0, `rejected: ${sql}`);
    assert.match(r.stderr, pattern, sql);
  };
  await rejects(`INSERT INTO products (product_id, product_name, price) VALUES ('neg', 'x', -1)`, /violates check constraint/);
  await rejects(`INSERT INTO products (product_id, product_name, price) VALUES ('', 'x', 1)`, /violates check constraint/);
  await rejects(`INSERT INTO products (product_id, product_name, price) VALUES (repeat('x', 65), 'x', 1)`, /violates check constraint/);
  await rejects(`INSERT INTO products (product_id, product_name, price) VALUES ('nameless', NULL, 1)`, /violates not-null constraint/);
  await rejects(`INSERT INTO orders (order_id, order_ref, customer_id, created_at) VALUES (1, 1, 424242, now())`, /violates foreign key constraint/);
  await rejects(`INSERT INTO order_items VALUES (1, 1, 'x', 0, 1)`, /violates check constraint/);
  await rejects(`INSERT INTO order_items VALUES (1, 0, 'x', 1, 1)`, /violates check constraint/);
  await rejects(`INSERT INTO order_items VALUES (1, 1, 'x', 1, -1)`, /violates check constraint/);
  await rejects(`INSERT INTO order_items VALUES (424242, 1, 'x', 1, 1)`, /violates foreign key constraint/);
  await rejects(
    `BEGIN;
     INSERT INTO customers (customer_id, name, email) VALUES (1, 'a', 'same@example.com');
     INSERT INTO customers (customer_id, name, email) VALUES (2, 'b', 'same@example.com');
     ROLLBACK;`,
    /violates unique constraint/,
  );
  assert.equal(await q('SELECT count(*) FROM customers'), '0', 'the failed inserts left nothing behind');

  // Every foreign key a query walks leads an index.
  const leadingIndex = (table, column) =>
    q(`SELECT count(*) > 0 FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
       WHERE i.indrelid = '${table}'::regclass AND a.attname = '${column}'`);
  assert.equal(await leadingIndex('orders', 'customer_id'), 't', 'index on orders.customer_id');
  assert.equal(await leadingIndex('order_items', 'order_id'), 't', 'index on order_items.order_id');
  assert.equal(await leadingIndex('order_items', 'product_id'), 't', 'index on order_items.product_id');
});

test('seed: the sizes asked for, the example rows, the same data every time', async () => {
  const schemaBefore = await schemaFingerprint();
  const args = ['seed', '--database-url', db.url, '--customers', '50', '--products', '100', '--orders', '200',
    '--items-per-order', '3'];
  const first = await runGqld(args);
  assert.equal(first.code, 0, first.stderr);

  const count = async (t) => Number(await q(`SELECT count(*) FROM ${t}`));
  assert.ok([50, 51].includes(await count('customers')), 'customers: 50, plus 4567');
  assert.ok([100, 101].includes(await count('products')), 'products: 100, plus notebook');
  assert.equal(await count('orders'), 200);
  const [min, max, items] = (await q(
    'SELECT min(n), max(n), sum(n) FROM (SELECT count(*) AS n FROM order_items GROUP BY order_id) s',
  )).split('|').map(Number);
  assert.ok(min >= 1 && max <= 3, `1 to 3 items per order (${min}..${max})`);
  assert.equal(Number(await q('SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT FROM order_items i WHERE i.order_id = o.order_id)')), 0, 'every order has items');
  assert.ok(items >= 200 && items <= 600, `${items} items`);

  assert.equal(await q(`SELECT product_name || '|' || price FROM products WHERE product_id = 'notebook'`), 'notebook_red|19.99');
  assert.equal(await q('SELECT count(*) FROM customers WHERE customer_id = 4567'), '1');
  assert.equal(await q('SELECT order_ref || \'|\' || customer_id FROM orders WHERE order_id = 52'), '123123|4567');
  assert.equal(await q(`SELECT count(*) > 0 FROM order_items WHERE order_id = 52 AND product_id = 'notebook'`), 't');

  assert.equal(await schemaFingerprint(), schemaBefore, 'the seed leaves constraints and indexes as migrated');

  const data = await dataFingerprint();
  const second = await runGqld(args);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(await dataFingerprint(), data, 'seeding twice gives identical data');
});

test('seed: the example rows exist at the smallest sizes', async () => {
  const r = await runGqld(['seed', '--database-url', db.url, '--customers', '1', '--products', '1', '--orders', '1',
    '--items-per-order', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(await q(`SELECT product_name || '|' || price FROM products WHERE product_id = 'notebook'`), 'notebook_red|19.99');
  assert.equal(await q('SELECT order_ref || \'|\' || customer_id FROM orders WHERE order_id = 52'), '123123|4567');
  assert.equal(await q(`SELECT count(*) > 0 FROM order_items WHERE order_id = 52 AND product_id = 'notebook'`), 't');
});
