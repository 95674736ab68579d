// The orders API end to end: every root field and relationship against the
// seeded example rows (exact response bytes), cursor pagination walked to the
// end, list limits, fragments and directives at nested levels, client values
// that look like SQL or LIKE patterns, the visibility rule, and the number of
// statements a nested query costs, counted by PostgreSQL (pg_stat_statements).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  NOTEBOOK_BODY,
  ROOT,
  createSeededDatabase,
  graphql,
  lockTable,
  psql,
  startServer,
} from './lib.mjs';

let db;
let admin; // AUTH_MODE=none: every request is an admin
let anonymous; // AUTH_MODE=jwt: without tokens, every request is anonymous

// Customer 900001 has one order, 900002 has 200, each with two items; and products
// whose names hold the characters LIKE and SQL treat specially.
const TEST_ROWS = `
INSERT INTO customers (customer_id, name, email)
VALUES (900001, 'One Order', 'one@example.com'), (900002, 'Many Orders', 'many@example.com');
INSERT INTO orders (order_id, order_ref, customer_id, created_at)
SELECT 900000 + g, 900000 + g, CASE WHEN g = 0 THEN 900001 ELSE 900002 END,
       timestamptz '2024-01-01 00:00:00+00' + g * interval '1 hour'
FROM generate_series(0, 200) AS g;
INSERT INTO order_items (order_id, order_item_id, product_id, quantity, unit_price)
SELECT o.order_id, i, CASE WHEN i = 1 THEN 'notebook' ELSE 'p000001' END, i, 1.50
FROM orders o, generate_series(1, 2) AS i
WHERE o.customer_id IN (900001, 900002);
INSERT INTO products (product_id, product_name, price) VALUES
  ('promo1', 'Promo 50% off', 1), ('promo2', 'Promo 50x off', 1), ('promo3', 'Promo a_b', 1),
  ('promo4', 'Promo axb', 1), ('promo5', 'Promo back\\slash', 1), ('promo6', 'Promo backxslash', 1),
  ('promo7', 'Promo it''s', 1);
`;

before(async () => {
  db = await createSeededDatabase('gqld_orders');
  await psql(TEST_ROWS, { url: db.url });
  [admin, anonymous] = await Promise.all([
    startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none' }),
    startServer({ DATABASE_URL: db.url, AUTH_MODE: 'jwt' }),
  ]);
});

after(async () => {
  await Promise.all([admin?.stop(), anonymous?.stop()]);
  if (db) await db.drop();
});

async function ask(server, query, variables, opts) {
  const r = await graphql(server.url, query, variables, opts);
  assert.equal(r.status, 200, r.text);
  return r;
}

test('AUTH_MODE=none warns once at start-up', () => {
  const warnings = admin.stderrLines.filter((l) => /AUTH_MODE=none/.test(l));
  assert.equal(warnings.length, 1, admin.stderrLines.join('\n'));
  assert.equal(JSON.parse(warnings[0]).level, 'warn');
  assert.equal(anonymous.stderrLines.filter((l) => /AUTH_MODE/.test(l)).length, 0);
});

test('every root field answers the example rows, byte for byte', async () => {
  const product = await ask(admin, '{ Product(productId: "notebook") { productId productName price } }');
  assert.equal(product.text, NOTEBOOK_BODY);

  const orders = await ask(
    admin,
    `{ Order(customerId: "4567") { orderId orderRef customerId createdAt total
         customer { customerId name email }
         items { orderId orderItemId quantity unitPrice product { productId productName price description } } } }`,
  );
  assert.equal(
    orders.text,
    '{"data":{"Order":[{"orderId":"52","orderRef":123123,"customerId":"4567","createdAt":"2023-12-21T07:03:04Z",' +
      '"total":79.96,"customer":{"customerId":"4567","name":"Niklaus Lovelace","email":"customer4567@example.com"},' +
      '"items":[{"orderId":"52","orderItemId":"1","quantity":4,"unitPrice":19.99,"product":{"productId":"notebook",' +
      '"productName":"notebook_red","price":19.99,"description":"A red notebook, 80 sheets, dotted."}}]}]}}',
  );

  const items = await ask(admin, '{ OrderItem(order: "52") { orderId orderItemId quantity unitPrice } }');
  assert.equal(items.text, '{"data":{"OrderItem":[{"orderId":"52","orderItemId":"1","quantity":4,"unitPrice":19.99}]}}');

  const customer = await ask(
    admin,
    '{ customer(customerId: "4567") { customerId name email orders { orderId orderRef createdAt total } } }',
  );
  assert.equal(
    customer.text,
    '{"data":{"customer":{"customerId":"4567","name":"Niklaus Lovelace","email":"customer4567@example.com",' +
      '"orders":[{"orderId":"52","orderRef":123123,"createdAt":"2023-12-21T07:03:04Z","total":79.96}]}}}',
  );

  const page = await ask(admin, '{ products(first: 2) { items { productId price } pageInfo { hasNextPage } } }');
  assert.equal(
    page.text,
    '{"data":{"products":{"items":[{"productId":"notebook","price":19.99},{"productId":"p000001","price":378.67}],' +
      '"pageInfo":{"hasNextPage":true}}}}',
  );
});

test('relationships are navigable both ways', async () => {
  const up = await ask(
    admin,
    `{ OrderItem(order: "52") { orderItemId
         order { orderRef customer { customerId orders { orderId } } items { orderItemId } }
         product { productId } } }`,
  );
  assert.equal(
    up.text,
    '{"data":{"OrderItem":[{"orderItemId":"1","order":{"orderRef":123123,"customer":{"customerId":"4567",' +
      '"orders":[{"orderId":"52"}]},"items":[{"orderItemId":"1"}]},"product":{"productId":"notebook"}}]}}',
  );
  const down = await ask(
    admin,
    '{ customer(customerId: "900001") { orders { customer { name } items { order { orderRef } product { productId } } } } }',
  );
  assert.equal(
    down.text,
    '{"data":{"customer":{"orders":[{"customer":{"name":"One Order"},"items":[{"order":{"orderRef":900000},' +
      '"product":{"productId":"notebook"}},{"order":{"orderRef":900000},"product":{"productId":"p000001"}}]}]}}}',
  );
});

test('unknown ids are null or an empty list', async () => {
  const r = await ask(
    admin,
    `{ p: Product(productId: "nope") { productId } c: customer(customerId: "123456789") { name }
       o: Order(customerId: "123456789") { orderId } i: OrderItem(order: "123456789") { orderId }
       notAnId: Order(customerId: "abc") { orderId } leadingZero: customer(customerId: "04567") { name }
       tooBig: OrderItem(order: "99999999999999999999") { orderId } }`,
  );
  assert.equal(r.text, '{"data":{"p":null,"c":null,"o":[],"i":[],"notAnId":[],"leadingZero":null,"tooBig":[]}}');
});

test('aliases, fragments, @skip and @include work at nested levels', async () => {
  const query = `query ($withItems: Boolean!, $noRef: Boolean!) {
    c: customer(customerId: "4567") {
      __typename
      ...Who
      recent: orders(first: 1) {
        ... on Order { id: orderId }
        orderRef @skip(if: $noRef)
        items @include(if: $withItems) { ...Line }
        items @include(if: $withItems) { n: quantity unitPrice }
      }
    }
  }
  fragment Who on Customer { name customerId }
  fragment Line on OrderItem { product { __typename productId } n: quantity }`;
  const r = await ask(admin, query, { withItems: true, noRef: true });
  assert.equal(
    r.text,
    '{"data":{"c":{"__typename":"Customer","name":"Niklaus Lovelace","customerId":"4567","recent":[{"id":"52",' +
      '"items":[{"product":{"__typename":"Product","productId":"notebook"},"n":4,"unitPrice":19.99}]}]}}}',
  );
  const r2 = await ask(admin, query, { withItems: false, noRef: false });
  assert.equal(
    r2.text,
    '{"data":{"c":{"__typename":"Customer","name":"Niklaus Lovelace","customerId":"4567","recent":[{"id":"52",' +
      '"orderRef":123123}]}}}',
  );
});

// Walks a products listing page by page; returns the product ids and checks the page invariants.
async function walkProducts(server, first, nameContains) {
  const ids = [];
  let cursor = null;
  for (let pages = 0; pages < 100; pages++) {
    const r = await ask(
      server,
      `query ($first: Int, $after: String, $q: String) {
         products(first: $first, after: $after, nameContains: $q) { items { productId } pageInfo { endCursor hasNextPage } } }`,
      { first, after: cursor, q: nameContains },
    );
    const page = r.json.data.products;
    assert.ok(page.items.length <= first, r.text);
    ids.push(...page.items.map((p) => p.productId));
    if (page.items.length > 0) assert.equal(typeof page.pageInfo.endCursor, 'string');
    if (!page.pageInfo.hasNextPage) {
      return ids;
    }
    assert.equal(page.items.length, first, 'only the last page is short');
    cursor = page.pageInfo.endCursor;
  }
  throw new Error('the listing did not end');
}

test('products pages walk the whole listing: no duplicates, no gaps, hasNextPage false at the end', async () => {
  const all = (await psql('SELECT product_id FROM products ORDER BY product_id', { url: db.url })).split('\n');
  assert.deepEqual(await walkProducts(admin, 4, null), all);
  assert.deepEqual(await walkProducts(admin, all.length, null), all); // exactly one full page
  const promos = (
    await psql("SELECT product_id FROM products WHERE product_name ILIKE '%promo%' ORDER BY product_id", { url: db.url })
  ).split('\n');
  assert.equal(promos.length, 7);
  assert.deepEqual(await walkProducts(admin, 2, 'PROMO'), promos); // case-insensitive
  // An empty page without after has no cursor.
  const none = await ask(admin, '{ products(nameContains: "no such product") { items { productId } pageInfo { endCursor hasNextPage } } }');
  assert.equal(none.text, '{"data":{"products":{"items":[],"pageInfo":{"endCursor":null,"hasNextPage":false}}}}');
});

test('an empty page lets a walk continue or stop: endCursor is the after it was given; first: 0 has no next page', async () => {
  const page = (args) =>
    ask(admin, `{ products(${args}) { items { productId } pageInfo { endCursor hasNextPage } } }`).then((r) => r.text);
  // A cursor is the key and its MAC (resolvers/sql/cursor.h; no GQLD_CURSOR_SECRET here), made with node's crypto.
  const schemaVersion = createHash('sha256').update(readFileSync(path.join(ROOT, 'schema', 'schema.graphql'))).digest('hex');
  const macKey = createHmac('sha256', '').update(`gqld cursor 1\n${schemaVersion}`).digest();
  const cursor = (id) =>
    Buffer.concat([Buffer.from(id), createHmac('sha256', macKey).update(id).digest().subarray(0, 16)]).toString('base64url');
  const [second, last] = (await psql('SELECT max(product_id) FILTER (WHERE product_id < (SELECT max(product_id) FROM products)), max(product_id) FROM products', { url: db.url })).split('|');
  // first: 0 reads no rows; with rows to come it still says no next page, or a walk by the rule never ends.
  assert.equal(await page('first: 0'), '{"data":{"products":{"items":[],"pageInfo":{"endCursor":null,"hasNextPage":false}}}}');
  assert.equal(await page(`first: 0, after: "${cursor(second)}"`),
    `{"data":{"products":{"items":[],"pageInfo":{"endCursor":"${cursor(second)}","hasNextPage":false}}}}`);
  assert.deepEqual(await walkProducts(admin, 0, null), []);
  // Past the last row: the cursor given comes back, so a client that continues stays at the end.
  assert.equal(await page(`first: 2, after: "${cursor(last)}"`),
    `{"data":{"products":{"items":[],"pageInfo":{"endCursor":"${cursor(last)}","hasNextPage":false}}}}`);
  assert.equal(await page(`first: 2, after: "${cursor(second)}"`),
    `{"data":{"products":{"items":[{"productId":"${last}"}],"pageInfo":{"endCursor":"${cursor(last)}","hasNextPage":false}}}}`);
  assert.equal(await page(`first: 1, after: "${cursor(second)}"`),
    `{"data":{"products":{"items":[{"productId":"${last}"}],"pageInfo":{"endCursor":"${cursor(last)}","hasNextPage":false}}}}`);
});

test('Customer.orders pages newest first, continuing after an order id', async () => {
  const all = (
    await psql('SELECT order_id FROM orders WHERE customer_id = 900002 ORDER BY created_at DESC, order_id DESC', {
      url: db.url,
    })
  ).split('\n');
  assert.equal(all.length, 200);
  const seen = [];
  let afterId = null;
  for (;;) {
    const r = await ask(
      admin,
      'query ($after: String) { customer(customerId: "900002") { orders(first: 64, after: $after) { orderId } } }',
      { after: afterId },
    );
    const orders = r.json.data.customer.orders;
    seen.push(...orders.map((o) => o.orderId));
    if (orders.length < 64) break;
    afterId = orders.at(-1).orderId;
  }
  assert.deepEqual(seen, all);
  // Another customer's order id continues nowhere.
  const other = await ask(admin, '{ customer(customerId: "900002") { orders(after: "900000") { orderId } } }');
  assert.equal(other.text, '{"data":{"customer":{"orders":[]}}}');
});

test('first above the maximum is a request error at the argument; lists without first are capped', async () => {
  const r = await ask(admin, '{ products(first: 1000) { items { productId } } }');
  assert.equal(
    r.text,
    '{"errors":[{"message":"Argument \\"first\\" of field \\"Query.products\\" is 1000, above the maximum list size of 200.",' +
      '"locations":[{"line":1,"column":12}]}]}',
  );
  // Like a validation error: no data, and 400 under the GraphQL response media type.
  const strict = await graphql(admin.url, '{ customer(customerId: "4567") { orders(first: 201) { orderId } } }', undefined, {
    headers: { accept: 'application/graphql-response+json' },
  });
  assert.equal(strict.status, 400, strict.text);
  assert.equal('data' in strict.json, false);
  assert.match(strict.json.errors[0].message, /"Customer\.orders" is 201, above the maximum list size of 200/);
  // With a variable, and alongside a valid root field: nothing runs.
  const v = await ask(admin, 'query ($n: Int) { Product(productId: "notebook") { price } products(first: $n) { items { productId } } }', { n: -5 });
  assert.deepEqual(v.json, {
    errors: [{ message: 'Argument "first" of field "Query.products" must not be negative; got -5.', locations: [{ line: 1, column: 69 }] }],
  });
  const cursor = await ask(admin, '{ products(after: "\' OR 1=1 --") { items { productId } } }');
  assert.equal(cursor.json.errors[0].message, 'Argument "after" of field "Query.products" is not a cursor from this server.');
  assert.equal('data' in cursor.json, false);

  const all = await ask(admin, '{ Order(customerId: "900002") { orderId } }');
  assert.equal(all.json.data.Order.length, 200);

  const small = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', GQLD_LIST_MAX: 50, GQLD_LIST_DEFAULT: 10 });
  try {
    const capped = await ask(small, '{ Order(customerId: "900002") { orderId } customer(customerId: "900002") { orders { orderId } } products { items { productId } } }');
    const { Order, customer, products } = capped.json.data;
    assert.equal(Order.length, 50, 'a list without first returns at most GQLD_LIST_MAX');
    assert.equal(Order[0].orderId, '900200');
    assert.equal(customer.orders.length, 10, 'first omitted: GQLD_LIST_DEFAULT');
    assert.equal(products.items.length, 18, 'the schema default (20), all 18 products here');
    const over = await ask(small, '{ products(first: 51) { items { productId } } }');
    assert.match(over.json.errors[0].message, /is 51, above the maximum list size of 50\./);
  } finally {
    await small.stop();
  }
});

test('values that look like SQL or LIKE patterns are plain values', async () => {
  const names = async (q) => {
    const r = await ask(admin, 'query ($q: String) { products(first: 200, nameContains: $q) { items { productName } } }', { q });
    return r.json.data.products.items.map((p) => p.productName);
  };
  assert.deepEqual(await names("' OR 1=1 --"), []);
  assert.deepEqual(await names('50%'), ['Promo 50% off']);
  assert.deepEqual(await names('%'), ['Promo 50% off']);
  assert.deepEqual(await names('a_b'), ['Promo a_b']);
  assert.deepEqual(await names('k\\s'), ['Promo back\\slash']);
  assert.deepEqual(await names('\\'), ['Promo back\\slash']);
  assert.deepEqual(await names("it's"), ["Promo it's"]);
  assert.deepEqual(await names('"); DROP TABLE products; --'), []);

  const r = await ask(
    admin,
    `{ p: Product(productId: "' OR 1=1 --") { productId } o: Order(customerId: "1 OR 1=1") { orderId }
       c: customer(customerId: "4567; DROP TABLE customers") { name } i: OrderItem(order: "52' --") { orderId } }`,
  );
  assert.equal(r.text, '{"data":{"p":null,"o":[],"c":null,"i":[]}}');
  assert.equal(await psql('SELECT count(*) FROM products', { url: db.url }), '18');
});

test('anonymous callers read products only: private roots are UNAUTHENTICATED', async () => {
  const product = await ask(anonymous, '{ Product(productId: "notebook") { productId productName price } }');
  assert.equal(product.text, NOTEBOOK_BODY);

  // A non-null list root that errors nulls `data` (the spec's null propagation).
  const orders = await ask(anonymous, '{ Order(customerId: "4567") { orderId } }');
  assert.deepEqual(orders.json, {
    errors: [
      {
        message: 'Authentication required to read this field.',
        locations: [{ line: 1, column: 3 }],
        path: ['Order'],
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ],
    data: null,
  });
  const items = await ask(anonymous, '{ OrderItem(order: "52") { orderId } }');
  assert.equal(items.json.data, null);
  assert.equal(items.json.errors[0].extensions.code, 'UNAUTHENTICATED');

  // A nullable root is null with the error at its path; the rest of the response stands.
  const mixed = await ask(anonymous, '{ Product(productId: "notebook") { price } customer(customerId: "4567") { name } }');
  assert.deepEqual(mixed.json, {
    errors: [
      {
        message: 'Authentication required to read this field.',
        locations: [{ line: 1, column: 44 }],
        path: ['customer'],
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ],
    data: { Product: { price: 19.99 }, customer: null },
  });
});

test('a database error on a non-null root is an error at its path and data null, without SQL', async () => {
  const server = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', DB_STATEMENT_TIMEOUT_MS: 300 });
  const lock = await lockTable(db.url, 'orders');
  try {
    const r = await ask(server, '{ Order(customerId: "4567") { orderId items { product { productName } } } }', undefined, {
      timeoutMs: 10000,
    });
    assert.equal(r.json.data, null);
    assert.deepEqual(r.json.errors[0].path, ['Order']);
    assert.equal(r.json.errors[0].extensions.code, 'DB_TIMEOUT');
    assert.doesNotMatch(r.text, /SELECT|orders|statement/i);
  } finally {
    await lock.release();
    await server.stop();
  }
});

// Statements executed in the test database, as pg_stat_statements counts them.
async function statementsRunBy(fn) {
  const dbid = `(SELECT oid FROM pg_database WHERE datname = '${db.name}')`;
  await psql(`SELECT pg_stat_statements_reset(0, ${dbid}, 0)`);
  await fn();
  const row = await psql(`SELECT coalesce(sum(calls), 0) || ' ' || count(DISTINCT queryid) FROM pg_stat_statements WHERE dbid = ${dbid}`);
  const [calls, distinct] = row.split(' ').map(Number);
  return { calls, distinct };
}

test('a nested query costs one statement per root field, whatever the number of rows', async () => {
  await psql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const server = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', GQLD_THREADS: 1, DB_POOL_SIZE: 1 });
  // The worker purges expired idempotency keys on its writer a second after start: counted from
  // past it, the statements are the reads' alone.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  try {
    const query = 'query ($id: ID!) { Order(customerId: $id) { orderId items { product { productName price } } } }';
    let orders;
    const run = (id) => async () => {
      orders = (await ask(server, query, { id })).json.data.Order;
    };
    await run('900001')(); // the statement is prepared on the connection once

    const one = await statementsRunBy(run('900001'));
    assert.equal(orders.length, 1);
    const many = await statementsRunBy(run('900002'));
    assert.equal(orders.length, 200);
    assert.equal(orders[0].items.length, 2);
    assert.deepEqual(one, { calls: 1, distinct: 1 });
    assert.deepEqual(many, one, '1 order and 200 orders: the same statements');

    // Two root fields: two statements, sent together.
    const two = await statementsRunBy(async () => {
      await ask(server, '{ a: Order(customerId: "900002") { items { product { price } } } b: customer(customerId: "4567") { orders { items { orderId } } } }');
    });
    assert.equal(two.calls, 2);
  } finally {
    await server.stop();
  }
});

// A list is an ARRAY subquery in its index's order (resolvers/sql_build.c: put_list): its rows
// need no sort and no aggregate. The statement gqld sent, from the text pg_stat_statements
// recorded, planned as gqld's prepared statements are (a generic plan). The test tables are
// small enough for a sequential scan and a sort to be cheaper; with both priced out (not
// forbidden: a sort that no index order can replace still appears), the plan shows that an
// index-ordered plan without a sort exists, which is what the big tables get.
test('lists are read in their index order: no sort and no aggregate in the plan', async () => {
  await psql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const server = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', GQLD_THREADS: 1, DB_POOL_SIZE: 1 });
  try {
    const cases = [
      ['{ Order(customerId: "900002") { orderId items { quantity product { productName price } } } }', 'FROM orders t0'],
      ['{ OrderItem(order: "900001") { orderItemId quantity } }', 'FROM order_items t0'],
    ];
    const dbid = `(SELECT oid FROM pg_database WHERE datname = '${db.name}')`;
    for (const [query, table] of cases) {
      await psql(`SELECT pg_stat_statements_reset(0, ${dbid}, 0)`);
      const answer = (await ask(server, query)).json;
      assert.equal(answer.errors, undefined, JSON.stringify(answer));
      const text = await psql(
        `SELECT query FROM pg_stat_statements WHERE dbid = ${dbid} AND query LIKE '%${table}%' AND query LIKE 'SELECT %'`,
      );
      assert.match(text, /array_to_string\(ARRAY\(SELECT /, text);
      // gqld's parameters are $1 (the id) and the lists' bounds, all written $n::type; the others are
      // the text and boolean constants pg_stat_statements wrote as parameters: 't' is both.
      const nparams = Math.max(...text.match(/\$\d+/g).map((p) => Number(p.slice(1))));
      const args = Array.from({ length: nparams }, (_, i) =>
        i === 0 ? `'${query.match(/"(\d+)"/)[1]}'` : text.includes(`$${i + 1}::`) ? "'200'" : "'t'",
      );
      const plan = await psql(
        `SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off; PREPARE s AS ${text}; EXPLAIN (COSTS OFF) EXECUTE s(${args.join(', ')})`,
        { url: db.url },
      );
      assert.match(plan, /Index Only Scan/, plan);
      assert.doesNotMatch(plan, /Sort|Aggregate/, plan);
      // Each item's product by its id: the hash index of migration 0004, never a B-tree descent.
      if (query.includes('product')) assert.match(plan, /Index Scan using products_id_hash_idx on products/, plan);
    }
  } finally {
    await server.stop();
  }
});

test('a value JSON cannot hold (a NaN price) nulls up to the nearest nullable field, with the error at its path', async () => {
  await psql(
    `INSERT INTO products (product_id, product_name, price) VALUES ('nan-price', 'broken', 'NaN');
     INSERT INTO customers (customer_id, name, email) VALUES (900003, 'Broken', 'broken@example.com');
     INSERT INTO orders (order_id, order_ref, customer_id, created_at) VALUES (990001, 990001, 900003, now());
     INSERT INTO order_items VALUES (990001, 1, 'p000001', 1, 2.00), (990001, 2, 'nan-price', 1, 3.00)`,
    { url: db.url },
  );
  const query = '{ Order(customerId: "900003") { orderId items { product { price } } } }';
  const list = await ask(admin, query);
  assert.deepEqual(list.json, {
    errors: [
      {
        message: 'Float cannot represent value: NaN',
        locations: [{ line: 1, column: query.indexOf('price') + 1 }],
        path: ['Order', 0, 'items', 1, 'product', 'price'],
      },
    ],
    data: null,
  });
  const nullable = await ask(admin, '{ customer(customerId: "900003") { name orders { items { unitPrice product { productId price } } } } }');
  assert.deepEqual(nullable.json.data, { customer: null });
  assert.deepEqual(nullable.json.errors[0].path, ['customer', 'orders', 0, 'items', 1, 'product', 'price']);
  // The rest of the response stands.
  const both = await ask(admin, '{ a: Product(productId: "nan-price") { productId price } b: Product(productId: "notebook") { price } }');
  assert.equal(
    both.text,
    '{"errors":[{"message":"Float cannot represent value: NaN","locations":[{"line":1,"column":50}],"path":["a","price"]}],' +
      '"data":{"a":null,"b":{"price":19.99}}}',
  );
});
