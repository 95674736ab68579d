// Expiry and stale-if-error, with a PostgreSQL cluster of this test's own that
// it stops: a response past its maxAge is fetched again while the database
// answers; once the database is down, an entry within its stale grace is
// served marked stale (extensions.cache.stale, Warning 110, no-store) instead
// of an error, and a query never cached fails as before (503).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  assertCleanExit,
  graphql,
  pollUntil,
  psql,
  runGqld,
  services,
  sleep,
  startServer,
  uniqueName,
} from './lib.mjs';

let dir;
let url;
let server;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gqld-stale-'));
  const port = await services('free-port');
  await services('pg-start', path.join(dir, 'pg'), port);
  url = `postgresql://postgres@127.0.0.1:${port}/gqld`;
  for (const args of [
    ['migrate', '--database-url', url],
    ['seed', '--database-url', url, '--customers', '2', '--products', '4', '--orders', '2', '--items-per-order', '1'],
  ]) {
    const r = await runGqld(args);
    assert.equal(r.code, 0, `gqld ${args[0]}: ${r.stderr}`);
  }
  server = await startServer({
    DATABASE_URL: url,
    GQLD_CACHE: 'on',
    GQLD_CACHE_PREFIX: uniqueName('stale').slice(0, 30),
    GQLD_CACHE_STALE_GRACE: 300,
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

test('expired entries are fetched again; with PostgreSQL stopped a stale entry is served, marked', async () => {
  const ids = (await psql('SELECT product_id FROM products ORDER BY 1', { url })).split('\n');
  // price has @cacheControl(maxAge: 30): these responses are fresh for 30 s.
  const q = (id) => `{ Product(productId: "${id}") { productId productName price } }`;
  const a0 = await graphql(server.url, q(ids[0]));
  const b0 = await graphql(server.url, q(ids[1]));
  assert.equal(a0.headers.get('cache-control'), 'max-age=30, public');
  await psql(`UPDATE products SET product_name = 'changed' WHERE product_id = '${ids[0]}'`, { url });
  assert.equal((await graphql(server.url, q(ids[0]))).text, a0.text, 'fresh: from the cache');

  await sleep(31000);
  const a1 = await graphql(server.url, q(ids[0]));
  assert.match(a1.text, /"productName":"changed"/, 'expired: fetched again');
  assert.equal(a1.headers.get('age'), null);

  await services('pg-stop', path.join(dir, 'pg'));
  const stale = await pollUntil(async () => {
    const r = await graphql(server.url, q(ids[1]), undefined, { timeoutMs: 10000 });
    assert.equal(r.status, 200, `never an error while a stale entry exists: ${r.status} ${r.text}`);
    return r.json.extensions?.cache?.stale ? r : null;
  }, { timeoutMs: 15000, what: 'a stale answer' });
  const { extensions, ...rest } = stale.json;
  assert.deepEqual(rest, b0.json, 'the stale entry is the response cached before');
  assert.ok(extensions.cache.age >= 31, JSON.stringify(extensions));
  assert.equal(stale.headers.get('warning'), '110 - "Response is Stale"');
  assert.equal(stale.headers.get('cache-control'), 'no-store');

  // Nothing cached for this one: the database's absence shows (503 DB_UNAVAILABLE).
  const never = await graphql(server.url, q('never-cached'), undefined, { timeoutMs: 10000 });
  assert.equal(never.status, 503, never.text);
  assert.equal(never.json.errors[0].extensions.code, 'DB_UNAVAILABLE');

  await services('pg-start', path.join(dir, 'pg'), new URL(url).port);
  const fresh = await pollUntil(async () => {
    const r = await graphql(server.url, q(ids[1]), undefined, { timeoutMs: 10000 });
    return r.status === 200 && !r.json.extensions ? r : null;
  }, { timeoutMs: 30000, what: 'a fresh answer after the restart' });
  assert.equal(fresh.text, b0.text);
  assert.equal(fresh.headers.get('warning'), null);
});
