// The response cache against real memcached and PostgreSQL: Cache-Control from
// the schema's @cacheControl hints, hits and misses in each tier (asked of a
// memcached of this test's own, whose counters only this test moves), and the
// visibility rule: a private entry is never served to another class.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertCleanExit,
  createSeededDatabase,
  graphql,
  psql,
  request,
  startServer,
  uniqueName,
} from './lib.mjs';
import { memcachedKeys, memcachedStats, ownMemcached } from './cache_helpers.mjs';

let db;
let mc;
const servers = [];

before(async () => {
  db = await createSeededDatabase('gqld_cache');
  mc = await ownMemcached('cache');
});

after(async () => {
  try {
    for (const s of servers) assertCleanExit(s, await s.stop(), 'gqld exits 0 on SIGTERM');
  } finally {
    await mc?.remove();
    await db?.drop();
  }
});

async function server(env) {
  const s = await startServer({ DATABASE_URL: db.url, MEMCACHED_SERVERS: mc.address, ...env });
  servers.push(s);
  return s;
}

const productIds = async () => (await psql('SELECT product_id FROM products ORDER BY 1', { url: db.url })).split('\n');

test('Cache-Control follows the @cacheControl hints (smallest maxAge, PRIVATE sticks, errors no-store)', async () => {
  const s = await server({ AUTH_MODE: 'none' }); // an admin: orders are readable
  const cc = async (query) => (await graphql(s.url, query)).headers.get('cache-control');
  assert.equal(await cc('{ Product(productId: "notebook") { productId productName } }'), 'max-age=60, public');
  // Product.price has its own hint (30): the smallest wins.
  assert.equal(await cc('{ Product(productId: "notebook") { productName price } }'), 'max-age=30, public');
  assert.equal(await cc('{ products(first: 2) { items { productId } pageInfo { hasNextPage } } }'),
    'max-age=60, public');
  // An order is PRIVATE; its products are PUBLIC, and PRIVATE sticks.
  assert.equal(await cc('{ Order(customerId: "1") { orderId items { product { productName } } } }'),
    'max-age=30, private');
  // A root field without a hint takes GQLD_CACHE_DEFAULT_MAX_AGE (0: not cacheable).
  assert.equal(await cc('{ __typename }'), 'no-store');
  // Errors are never cacheable.
  assert.equal(await cc('{ Product(productId: "notebook") { nope } }'), 'no-store');
  // GET carries the same header, so that a CDN can keep it.
  const get = await request(`${s.url}/graphql?query=${encodeURIComponent('{ Product(productId: "notebook") { productId } }')}`);
  assert.equal(get.headers.get('cache-control'), 'max-age=60, public');

  const anon = await server({ GQLD_CACHE_DEFAULT_MAX_AGE: 7 });
  assert.equal((await graphql(anon.url, '{ __typename }')).headers.get('cache-control'), 'max-age=7, public');
  // Anonymous reading orders: UNAUTHENTICATED, no-store.
  const denied = await graphql(anon.url, '{ Order(customerId: "1") { orderId } }');
  assert.equal(denied.json.errors[0].extensions.code, 'UNAUTHENTICATED');
  assert.equal(denied.headers.get('cache-control'), 'no-store');
});

test('memcached only: a miss stores, the next request hits memcached; both tiers: hot keys stay in-process', async () => {
  const prefix = uniqueName('t').replace(/_/g, '-').slice(0, 30);
  const [id] = await productIds();
  const query = `{ Product(productId: "${id}") { productId productName } }`;
  const memcachedOnly = await server({ GQLD_CACHE: 'on', GQLD_CACHE_LOCAL_BYTES: 0, GQLD_CACHE_PREFIX: prefix });
  const before = await memcachedStats(mc.port);

  const first = await graphql(memcachedOnly.url, query);
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('age'), null, 'a miss is not served from the cache');
  const original = first.text;
  // The database changes; the cached response does not (until its maxAge, 60 s).
  await psql(`UPDATE products SET product_name = 'renamed' WHERE product_id = '${id}'`, { url: db.url });
  const second = await graphql(memcachedOnly.url, query);
  assert.equal(second.text, original, 'served from the cache');
  assert.notEqual(second.headers.get('age'), null, 'a hit has an Age header');
  assert.equal(second.headers.get('cache-control'), 'max-age=60, public');
  const mid = await memcachedStats(mc.port);
  assert.equal(mid.get_hits - before.get_hits, 1, 'the second request was a memcached hit');
  assert.equal(mid.cmd_set - before.cmd_set, 1, 'the miss stored one entry');
  const keys = await memcachedKeys(mc.port, `${prefix}:r:`);
  assert.equal(keys.length, 1, `one response key under the prefix: ${keys}`);
  assert.match(keys[0], new RegExp(`^${prefix}:r:[0-9a-f]{64}$`));

  // Another process with both tiers: the first read comes from memcached, the next ones from its own memory.
  const both = await server({ GQLD_CACHE: 'on', GQLD_CACHE_PREFIX: prefix, GQLD_THREADS: 1,
    GQLD_CACHE_LOCAL_TTL_MS: 60000 });
  for (let i = 0; i < 5; i++) assert.equal((await graphql(both.url, query)).text, original);
  const end = await memcachedStats(mc.port);
  assert.equal(end.get_hits - mid.get_hits, 1, 'one memcached hit, then in-process hits');
  assert.equal(end.get_misses - mid.get_misses, 0);

  // With the cache off the database answers: the new name.
  const off = await server({ GQLD_CACHE: 'off', GQLD_CACHE_PREFIX: prefix });
  assert.match((await graphql(off.url, query)).text, /"productName":"renamed"/);
  await psql(`UPDATE products SET product_name = 'notebook_red' WHERE product_id = '${id}'`, { url: db.url });
});

test('a new schema version or another prefix never reads old entries', async () => {
  const [, id] = await productIds();
  const query = `{ Product(productId: "${id}") { productId productName } }`;
  const a = await server({ GQLD_CACHE: 'on', GQLD_CACHE_LOCAL_BYTES: 0, GQLD_CACHE_PREFIX: uniqueName('a').slice(0, 30) });
  const b = await server({ GQLD_CACHE: 'on', GQLD_CACHE_LOCAL_BYTES: 0, GQLD_CACHE_PREFIX: uniqueName('b').slice(0, 30) });
  const original = (await graphql(a.url, query)).text;
  await psql(`UPDATE products SET product_name = 'other' WHERE product_id = '${id}'`, { url: db.url });
  assert.equal((await graphql(a.url, query)).text, original, 'a: cached');
  assert.match((await graphql(b.url, query)).text, /"productName":"other"/, 'b: its own keys, a miss');
});

test('a private entry is never served to another visibility class (warm or cold)', async () => {
  const prefix = uniqueName('iso').slice(0, 30);
  const customer = await psql('SELECT customer_id FROM orders ORDER BY order_id LIMIT 1', { url: db.url });
  const query = `{ Order(customerId: "${customer}") { orderId customer { email } } }`;
  const env = { GQLD_CACHE: 'on', GQLD_CACHE_LOCAL_BYTES: 0, GQLD_CACHE_PREFIX: prefix };
  const admin = await server({ ...env, AUTH_MODE: 'none' });
  const anonymous = await server({ ...env, AUTH_MODE: 'jwt' });

  // Cold: nothing cached; the anonymous caller is refused and nothing is stored for it.
  const cold = await graphql(anonymous.url, query);
  assert.equal(cold.json.errors[0].extensions.code, 'UNAUTHENTICATED', cold.text);
  assert.equal((await memcachedKeys(mc.port, `${prefix}:r:`)).length, 0, 'errors are not cached');

  // The admin's answer is cached (private) ...
  const adminBody = (await graphql(admin.url, query)).text;
  assert.match(adminBody, /"email":"/);
  assert.equal((await graphql(admin.url, query)).text, adminBody);
  assert.equal((await memcachedKeys(mc.port, `${prefix}:r:`)).length, 1, 'the admin entry is in memcached');
  // ... and, warm, the anonymous caller still gets only the refusal, never the admin's entry.
  const warm = await graphql(anonymous.url, query);
  assert.equal(warm.json.errors[0].extensions.code, 'UNAUTHENTICATED', warm.text);
  assert.doesNotMatch(warm.text, /email/);
  assert.equal(warm.headers.get('age'), null);
});
