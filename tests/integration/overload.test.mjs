// The database wait queue is bounded: when every connection is busy and the
// queue is full, a request is refused at once with HTTP 503, Retry-After and a
// GraphQL error coded OVERLOADED, instead of piling up latency; the requests
// already admitted still complete.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NOTEBOOK_BODY,
  PRODUCT_QUERY,
  createSeededDatabase,
  graphql,
  lockTable,
  lockWaiters,
  sleep,
  startServer,
} from './lib.mjs';

let db;

before(async () => {
  db = await createSeededDatabase('gqld_overload');
});

after(async () => {
  if (db) await db.drop();
});

test('a full queue answers 503 OVERLOADED; admitted requests complete', async () => {
  // One thread, one connection, one statement in flight, two waiting: the fourth request is one too many.
  const server = await startServer({
    DATABASE_URL: db.url,
    GQLD_THREADS: 1,
    DB_POOL_SIZE: 1,
    DB_PIPELINE_DEPTH: 1,
    DB_QUEUE_MAX: 2,
    DB_STATEMENT_TIMEOUT_MS: 30000,
  });
  const lock = await lockTable(db.url, 'products');
  try {
    const admitted = [graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 30000 })];
    await lockWaiters(db.url, 1);
    admitted.push(graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 30000 }));
    admitted.push(graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 30000 }));
    for (const p of admitted) p.catch(() => {});
    await sleep(500); // both are queued: nothing about them reaches the database

    const refused = await graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 5000 });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(refused.json?.errors?.[0]?.extensions?.code, 'OVERLOADED', refused.text);
    assert.equal('data' in refused.json, false);

    await lock.release();
    for (const r of await Promise.all(admitted)) {
      assert.equal(r.status, 200);
      assert.equal(r.text, NOTEBOOK_BODY);
    }
    // With the queue drained, the server takes requests again.
    const again = await graphql(server.url, PRODUCT_QUERY);
    assert.equal(again.text, NOTEBOOK_BODY);
  } finally {
    await lock.release();
    await server.stop();
  }
});
