// Automatic persisted queries, Apollo's protocol byte for byte: an unknown
// hash is PersistedQueryNotFound (200), query + hash registers the text (once
// it validates) in memcached and the in-process tier, a wrong hash is a 400,
// and a registered hash works over GET (so a CDN can cache it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { assertCleanExit, MEMCACHED, postJson, request, startServer, uniqueName } from './lib.mjs';
import { memcachedKeys } from './cache_helpers.mjs';

const NOT_FOUND = '{"errors":[{"message":"PersistedQueryNotFound","extensions":{"code":"PERSISTED_QUERY_NOT_FOUND"}}]}';
const MISMATCH = '{"errors":[{"message":"provided sha does not match query","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}';
const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const pq = (hash, version = 1) => ({ persistedQuery: { version, sha256Hash: hash } });
const getUrl = (base, params) =>
  `${base}/graphql?${Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(typeof v === 'string' ? v : JSON.stringify(v))}`)
    .join('&')}`;

const prefix = uniqueName('apq').slice(0, 30);
const servers = [];
let s;

before(async () => {
  s = await startServer({ GQLD_CACHE_PREFIX: prefix });
  servers.push(s);
});

after(async () => {
  for (const x of servers) assertCleanExit(x, await x.stop(), 'gqld exits 0 on SIGTERM');
});

test('an unknown hash: PersistedQueryNotFound, HTTP 200, not cacheable', async () => {
  const hash = sha256(`{ __typename } # ${prefix}`);
  const r = await postJson(s.url, { extensions: pq(hash) });
  assert.equal(r.status, 200);
  assert.equal(r.text, NOT_FOUND);
  assert.equal(r.headers.get('cache-control'), 'private, no-cache, must-revalidate');
  const g = await request(getUrl(s.url, { extensions: pq(hash) }));
  assert.equal(g.status, 200);
  assert.equal(g.text, NOT_FOUND);
});

test('query + hash registers the text; then the hash alone runs it, over POST and GET', async () => {
  const query = `query ApqProduct($id: ID!) { Product(productId: $id) { productId productName } } # ${prefix}`;
  const hash = sha256(query);
  const variables = { id: 'notebook' };
  const want = '{"data":{"Product":{"productId":"notebook","productName":"notebook_red"}}}';
  const first = await postJson(s.url, { query, variables, extensions: pq(hash) });
  assert.equal(first.text, want);
  assert.equal((await postJson(s.url, { variables, extensions: pq(hash) })).text, want);
  const get = await request(getUrl(s.url, { variables, extensions: pq(hash) }));
  assert.equal(get.status, 200);
  assert.equal(get.text, want);
  assert.equal(get.headers.get('cache-control'), 'max-age=60, public', 'a CDN may keep the GET');
  // Stored in memcached under the prefix: another process finds it.
  assert.equal((await memcachedKeys(Number(MEMCACHED.split(':')[1]), `${prefix}:a:`)).length, 1);
  const other = await startServer({ GQLD_CACHE_PREFIX: prefix, GQLD_CACHE_LOCAL_BYTES: 0 });
  servers.push(other);
  assert.equal((await request(getUrl(other.url, { variables, extensions: pq(hash) }))).text, want);
});

test('the in-process tier alone keeps persisted queries (no memcached)', async () => {
  const alone = await startServer({ MEMCACHED_SERVERS: '', GQLD_THREADS: 1 });
  servers.push(alone);
  const query = `{ Product(productId: "notebook") { productId } } # alone ${prefix}`;
  const hash = sha256(query);
  assert.equal((await postJson(alone.url, { extensions: pq(hash) })).text, NOT_FOUND);
  await postJson(alone.url, { query, extensions: pq(hash) });
  assert.equal((await postJson(alone.url, { extensions: pq(hash) })).text,
    '{"data":{"Product":{"productId":"notebook"}}}');
});

test('a hash that is not the query\'s: 400, nothing runs or is stored', async () => {
  const query = `{ Product(productId: "notebook") { productId } } # mismatch ${prefix}`;
  const wrong = sha256(`${query} `);
  const r = await postJson(s.url, { query, extensions: pq(wrong) });
  assert.equal(r.status, 400);
  assert.equal(r.text, MISMATCH);
  const g = await request(getUrl(s.url, { query, extensions: pq(wrong) }));
  assert.equal(g.status, 400);
  assert.equal(g.text, MISMATCH);
  assert.equal((await postJson(s.url, { extensions: pq(wrong) })).text, NOT_FOUND);
});

test('an invalid document is not registered; an unsupported version is a 400', async () => {
  const query = `{ Product(productId: "notebook") { nope } } # invalid ${prefix}`;
  const hash = sha256(query);
  const r = await postJson(s.url, { query, extensions: pq(hash) });
  assert.match(r.json.errors[0].message, /nope/);
  assert.equal((await postJson(s.url, { extensions: pq(hash) })).text, NOT_FOUND);
  const v2 = await postJson(s.url, { query, extensions: pq(hash, 2) });
  assert.equal(v2.status, 400);
  assert.equal(v2.text,
    '{"errors":[{"message":"Unsupported persisted query version","extensions":{"code":"BAD_REQUEST"}}]}');
  // Without persistedQuery a request still needs its query.
  const none = await postJson(s.url, { extensions: {} });
  assert.equal(none.status, 400);
  assert.match(none.text, /no \\"query\\"/);
});
