// Readiness follows the database: a cluster of this test's own is stopped and
// started again under a running gqld, which must notice both without a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  NOTEBOOK_BODY,
  PRODUCT_QUERY,
  assertCleanExit,
  graphql,
  pollUntil,
  request,
  runGqld,
  services,
  sleep,
  startServer,
} from './lib.mjs';

let dir;
let port;
let url;
let server;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gqld-readyz-'));
  port = await services('free-port');
  await services('pg-start', path.join(dir, 'pg'), port);
  url = `postgresql://postgres@127.0.0.1:${port}/gqld`;
  for (const args of [
    ['migrate', '--database-url', url],
    ['seed', '--database-url', url, '--customers', '1', '--products', '1', '--orders', '1', '--items-per-order', '1'],
  ]) {
    const r = await runGqld(args);
    assert.equal(r.code, 0, `gqld ${args[0]}: ${r.stderr}`);
  }
  // No shared cache: every answer below must come from the database (or its absence).
  server = await startServer({ DATABASE_URL: url, MEMCACHED_SERVERS: '', DB_STATEMENT_TIMEOUT_MS: 5000 });
});

after(async () => {
  try {
    if (server) {
      assertCleanExit(server, await server.stop(), 'gqld exits 0 on SIGTERM');
    }
  } finally {
    if (dir) {
      await services('pg-stop', path.join(dir, 'pg')).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

const readyz = () => request(`${server.url}/readyz`, { timeoutMs: 10000 });

// A product id nobody asked for before, so that no cache tier can answer.
let seq = 0;
const freshProductQuery = () => `{ Product(productId: "readyz-${process.pid}-${++seq}") { productId } }`;

test('ready while the database answers', async () => {
  const r = await readyz();
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ready' });
});

test('not ready once the database stops; queries fail fast with DB_UNAVAILABLE', async () => {
  await services('pg-stop', path.join(dir, 'pg'));

  const down = await pollUntil(async () => {
    const r = await readyz();
    return r.status === 503 ? r : null;
  }, { timeoutMs: 10000, what: '/readyz to answer 503' });
  assert.equal(down.json?.status, 'unavailable', down.text);

  // Every answer comes within the request deadline (no hanging on a dead
  // database); the first ones may still race the pool noticing the loss.
  const failed = await pollUntil(async () => {
    const started = Date.now();
    const r = await graphql(server.url, freshProductQuery(), undefined, { timeoutMs: 10000 });
    assert.ok(Date.now() - started < 10000);
    assert.ok(r.json, r.text);
    if (r.json.errors?.[0]?.extensions?.code !== 'DB_UNAVAILABLE') {
      assert.equal(r.status, 200, r.text);
      return null;
    }
    return r;
  }, { timeoutMs: 5000, what: 'a DB_UNAVAILABLE error' });
  // Every root field failed with DB_UNAVAILABLE: no data, HTTP 503 with Retry-After.
  assert.equal(failed.status, 503, failed.text);
  assert.equal(failed.headers.get('retry-after'), '5');
  assert.equal('data' in failed.json, false, failed.text);
  const [error] = failed.json.errors;
  assert.equal(failed.json.errors.length, 1);
  assert.deepEqual(error.path, ['Product']);
  assert.equal(typeof error.message, 'string');
  assert.notEqual(error.message, '');

  // Some data present (__typename needs no database): 200, data kept, the error at its path.
  const partial = await graphql(server.url, `{ __typename ${freshProductQuery().slice(1, -1)} }`, undefined,
    { timeoutMs: 10000 });
  assert.equal(partial.status, 200, partial.text);
  assert.deepEqual(partial.json.data, { __typename: 'Query', Product: null });
  assert.equal(partial.json.errors?.[0]?.extensions?.code, 'DB_UNAVAILABLE', partial.text);
});

test('ready again once the database is back, without restarting gqld', async () => {
  await services('pg-start', path.join(dir, 'pg'), port);
  const up = await pollUntil(async () => {
    const r = await readyz();
    return r.status === 200 ? r : null;
  }, { timeoutMs: 20000, what: '/readyz to answer 200 again' });
  assert.deepEqual(up.json, { status: 'ready' });

  await pollUntil(async () => {
    const r = await graphql(server.url, '{ Product(productId: "notebook") { productId productName price } }');
    return r.text === '{"data":{"Product":{"productId":"notebook","productName":"notebook_red","price":19.99}}}';
  }, { timeoutMs: 20000, what: 'the Product query to work again' });
  assert.equal(server.exit, null, 'the same gqld process');
});

// One answer of the stream below: a correct one, or DB_UNAVAILABLE as 503.
function classify(r) {
  if (r.status === 200 && r.text === NOTEBOOK_BODY) return 'ok';
  if (r.status === 503 && r.headers.get('retry-after') === '5' && r.json && !('data' in r.json) &&
      r.json.errors?.length === 1 && r.json.errors[0].extensions?.code === 'DB_UNAVAILABLE') return 'unavailable';
  return `unexpected: ${r.status} ${r.text}`;
}

test('PostgreSQL stops under a request stream: correct answers or DB_UNAVAILABLE, then recovery', async () => {
  await pollUntil(async () => (await graphql(server.url, PRODUCT_QUERY)).text === NOTEBOOK_BODY ? true : null,
    { timeoutMs: 20000, what: 'the Product query to work' });
  // 200 requests over 2 s; PostgreSQL stops (fast shutdown) 300 ms in.
  const answers = [];
  let stopped;
  for (let i = 0; i < 200; i++) {
    if (i === 30) stopped = services('pg-stop', path.join(dir, 'pg'));
    answers.push(graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 15000 }).then(classify));
    await sleep(10);
  }
  await stopped;
  const kinds = await Promise.all(answers);
  const unexpected = kinds.filter((k) => k !== 'ok' && k !== 'unavailable');
  assert.deepEqual(unexpected, [], 'only correct answers or DB_UNAVAILABLE');
  assert.ok(kinds.includes('ok'), 'answers before the stop');
  assert.ok(kinds.includes('unavailable'), 'DB_UNAVAILABLE answers after the stop');
  console.log(`stream: ${kinds.filter((k) => k === 'ok').length} ok, ${kinds.filter((k) => k === 'unavailable').length} unavailable`);
  // After the stop every query fails within the connect timeout bound.
  const started = Date.now();
  assert.equal(classify(await graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 10000 })), 'unavailable');
  assert.ok(Date.now() - started < 5000, 'fails within DB_CONNECT_TIMEOUT_MS (3 s) and some slack');
  assert.equal(server.exit, null, 'gqld is still alive');

  await services('pg-start', path.join(dir, 'pg'), port);
  await pollUntil(async () => (await graphql(server.url, PRODUCT_QUERY)).text === NOTEBOOK_BODY ? true : null,
    { timeoutMs: 20000, what: 'the Product query to work again' });
  assert.equal(server.exit, null, 'the same gqld process');
});
