// Repeats answered before parsing: a cacheable request's bytes are remembered
// with its response key's base and cache policy, so the same bytes again go to
// the cache without their JSON, document or variables being read. Checked
// against real memcached and PostgreSQL: the answer and headers are the ones
// the parsing path gives, other bytes with the same meaning still hit (through
// parsing), the caller is checked every time (tokens, visibility classes), an
// expired entry is fetched once and asked of memcached once, and
// GQLD_CACHE_REQUESTS=0 turns the shortcut off.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCleanExit, createSeededDatabase, postJson, psql, request, startServer, uniqueName } from './lib.mjs';
import { memcachedStats, ownMemcached } from './cache_helpers.mjs';
import { bearer, jwtEnv, makeKeys, mint } from './auth_keys.mjs';
import { parsePrometheus, sampleValue } from './prometheus.mjs';

let db;
let mc;
let keys;
let ids; // three product ids of the seed
const servers = [];

before(async () => {
  db = await createSeededDatabase('gqld_cache_repeat');
  mc = await ownMemcached('repeat');
  keys = await makeKeys();
  ids = (await psql('SELECT product_id FROM products ORDER BY 1 LIMIT 3', { url: db.url })).split('\n');
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
  const s = await startServer({
    DATABASE_URL: db.url,
    MEMCACHED_SERVERS: mc.address,
    GQLD_THREADS: 1, // one worker: its in-process tier and remembered requests see every request
    GQLD_CACHE: 'on',
    GQLD_CACHE_PREFIX: uniqueName('rep').slice(0, 30),
    ...env,
  });
  servers.push(s);
  return s;
}

async function counters(s) {
  const families = parsePrometheus((await request(`${s.url}/metrics`)).text);
  return {
    unparsed: sampleValue(families, 'gqld_cache_unparsed_hits_total', 'gqld_cache_unparsed_hits_total'),
    local: sampleValue(families, 'gqld_cache_hits_total', 'gqld_cache_hits_total', { tier: 'local' }),
    memcached: sampleValue(families, 'gqld_cache_hits_total', 'gqld_cache_hits_total', { tier: 'memcached' }),
    misses: sampleValue(families, 'gqld_cache_misses_total', 'gqld_cache_misses_total'),
  };
}

// Sets leave after their answers, quietly: waits (at most 1 s) for n more to reach memcached; its stats then.
async function setsSince(before, n) {
  let now = await memcachedStats(mc.port);
  for (let i = 0; i < 50 && now.cmd_set - before.cmd_set < n; i++) {
    await new Promise((r) => setTimeout(r, 20));
    now = await memcachedStats(mc.port);
  }
  return now;
}

const delta = (a, b) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]));
const productBody = (id, spacing = '') =>
  `{"query":"query($id: ID!) { Product(productId: $id) { productId productName price } }",${spacing}"variables":{"id":"${id}"}}`;
const strip = (headers) => ({ cacheControl: headers.get('cache-control'), type: headers.get('content-type') });

test('the same bytes again are a hit before parsing, with the answer and headers of the parsing path', async () => {
  const s = await server({ AUTH_MODE: 'none', GQLD_CACHE_LOCAL_TTL_MS: 60000 });
  const c0 = await counters(s);
  const first = await postJson(s.url, productBody(ids[0]));
  assert.equal(first.status, 200, first.text);
  assert.match(first.text, new RegExp(`"productId":"${ids[0]}"`));
  assert.equal(first.headers.get('age'), null, 'the first is a miss');
  // The database changes: from now on only the cache can give the old name.
  await psql(`UPDATE products SET product_name = 'renamed' WHERE product_id = '${ids[0]}'`, { url: db.url });
  const second = await postJson(s.url, productBody(ids[0]));
  assert.equal(second.text, first.text);
  assert.deepEqual(strip(second.headers), strip(first.headers));
  assert.equal(second.headers.get('cache-control'), 'max-age=30, public');
  assert.match(second.headers.get('age') ?? '', /^\d+$/);
  const c1 = await counters(s);
  assert.deepEqual(delta(c0, c1), { unparsed: 1, local: 1, memcached: 0, misses: 1 });

  // Other bytes, same meaning (a space): parsed, then the same entry.
  const spaced = await postJson(s.url, productBody(ids[0], ' '));
  assert.equal(spaced.text, first.text);
  const c2 = await counters(s);
  assert.deepEqual(delta(c1, c2), { unparsed: 0, local: 1, memcached: 0, misses: 0 });
  // ... and remembered in turn.
  assert.equal((await postJson(s.url, productBody(ids[0], ' '))).text, first.text);
  assert.equal((await counters(s)).unparsed - c2.unparsed, 1);

  // GET: the query string's bytes.
  const url = `${s.url}/graphql?query=${encodeURIComponent(`{ Product(productId: "${ids[1]}") { productId } }`)}`;
  const g1 = await request(url);
  const g2 = await request(url);
  assert.equal(g2.text, g1.text);
  assert.match(g2.text, new RegExp(`"productId":"${ids[1]}"`));
  assert.equal(g2.headers.get('cache-control'), 'max-age=60, public');
  const c3 = await counters(s);
  assert.equal(c3.unparsed - c2.unparsed, 2, 'the spaced repeat and the GET repeat');
  // The Accept header still decides the content type of a remembered request's answer.
  const g3 = await request(url, { headers: { accept: 'application/graphql-response+json' } });
  assert.equal(g3.text, g1.text);
  assert.equal(g3.headers.get('content-type'), 'application/graphql-response+json; charset=utf-8');
  assert.equal((await counters(s)).unparsed - c3.unparsed, 1);
  // So does a POST's Content-Type, checked before anything is remembered.
  const wrongType = await request(`${s.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: productBody(ids[0]),
  });
  assert.equal(wrongType.status, 415);
  const name = first.json.data.Product.productName;
  await psql(`UPDATE products SET product_name = '${name}' WHERE product_id = '${ids[0]}'`, { url: db.url });
});

test('GQLD_CACHE_REQUESTS=0: repeats are parsed every time and still hit', async () => {
  const s = await server({ AUTH_MODE: 'none', GQLD_CACHE_REQUESTS: 0, GQLD_CACHE_LOCAL_TTL_MS: 60000 });
  const c0 = await counters(s);
  const first = await postJson(s.url, productBody(ids[2]));
  for (let i = 0; i < 3; i++) assert.equal((await postJson(s.url, productBody(ids[2]))).text, first.text);
  assert.deepEqual(delta(c0, await counters(s)), { unparsed: 0, local: 3, memcached: 0, misses: 1 });
});

test('each repeat is checked as its caller: tokens, visibility classes, anonymous', async () => {
  const s = await server(jwtEnv(keys));
  const customer = '4567';
  const other = await psql(`SELECT min(customer_id) FROM customers WHERE customer_id <> ${customer}`, { url: db.url });
  const body = JSON.stringify({ query: `{ Order(customerId: "${customer}") { orderId customer { email } } }` });
  const a = bearer(await mint(keys, { sub: 'alice', 'custom:customer_id': customer }));
  const b = bearer(await mint(keys, { sub: 'bob', 'custom:customer_id': other }));
  const ask = (headers) => postJson(s.url, body, { headers });

  const own = await ask(a);
  assert.match(own.text, /"email":"/, own.text);
  const c0 = await counters(s);
  assert.equal((await ask(a)).text, own.text);
  assert.equal((await counters(s)).unparsed - c0.unparsed, 1, "A's repeat comes from the cache");

  // The same bytes from B: B's own answer (nothing of A's), never A's entry.
  const fromB = await ask(b);
  assert.doesNotMatch(fromB.text, /"email"/);
  assert.ok(fromB.json.errors?.length > 0 || fromB.json.data?.Order?.length === 0, fromB.text);
  assert.equal(fromB.headers.get('age'), null);
  // Anonymous: refused (PRIVATE data), not served from anyone's entry.
  const anonymous = await ask({});
  assert.equal(anonymous.json.errors[0].extensions.code, 'UNAUTHENTICATED', anonymous.text);
  assert.equal(anonymous.headers.get('age'), null);
  // A bad token on remembered bytes: 401, as on any other request.
  const bad = await ask({ authorization: 'Bearer not.a.token' });
  assert.equal(bad.status, 401);
  assert.match(bad.headers.get('www-authenticate') ?? '', /invalid_token/);
  // An expired token likewise, even though A's answer is in the cache.
  const expired = bearer(await mint(keys, { sub: 'alice', 'custom:customer_id': customer, exp: 1000, iat: 900 }));
  assert.equal((await ask(expired)).status, 401);
  assert.equal((await ask(a)).text, own.text);
});

test('an expired entry is fetched once: one memcached get, one miss, then stored again', async () => {
  // __typename has no hint: GQLD_CACHE_DEFAULT_MAX_AGE=1 makes it cacheable for a second, with no grace.
  const s = await server({
    AUTH_MODE: 'none',
    GQLD_CACHE_LOCAL_BYTES: 0,
    GQLD_CACHE_DEFAULT_MAX_AGE: 1,
    GQLD_CACHE_STALE_GRACE: 0,
  });
  const body = JSON.stringify({ query: '{ __typename t: __typename }' });
  const stored = await memcachedStats(mc.port);
  const first = await postJson(s.url, body);
  assert.equal(first.headers.get('cache-control'), 'max-age=1, public');
  await setsSince(stored, 1);
  const hit = await postJson(s.url, body);
  assert.equal(hit.text, first.text);
  assert.notEqual(hit.headers.get('age'), null);
  await new Promise((r) => setTimeout(r, 2200)); // memcached drops it after max-age + grace
  const m0 = await memcachedStats(mc.port);
  const c0 = await counters(s);
  const again = await postJson(s.url, body);
  assert.equal(again.text, first.text);
  assert.equal(again.headers.get('age'), null, 'answered by the executor, not the cache');
  const m1 = await setsSince(m0, 1);
  assert.equal(m1.cmd_get - m0.cmd_get, 1, 'memcached asked once, not again by the parsing path');
  assert.equal(m1.cmd_set - m0.cmd_set, 1, 'stored again');
  assert.deepEqual(delta(c0, await counters(s)), { unparsed: 0, local: 0, memcached: 0, misses: 1 });
});
