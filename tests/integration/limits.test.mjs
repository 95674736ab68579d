// Bounds on waiting for the database. The wait queue is bounded: when every
// connection is busy and the queue is full, a request is refused at once with
// HTTP 503, Retry-After and a GraphQL error coded OVERLOADED, instead of piling
// up latency; the requests already admitted still complete. A statement past
// DB_STATEMENT_TIMEOUT_MS is a DB_TIMEOUT error at the field's path, and frees
// its connection for the next request (in both DB_PROTOCOL modes). A client
// that goes away while its statement runs costs nothing but the statement.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
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
  // DB_COALESCE=1: a statement per request (requests arriving together would otherwise share one queue entry).
  const server = await startServer({
    DATABASE_URL: db.url,
    GQLD_THREADS: 1,
    DB_POOL_SIZE: 1,
    DB_PIPELINE_DEPTH: 1,
    DB_QUEUE_MAX: 2,
    DB_COALESCE: 1,
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

test('a statement past DB_STATEMENT_TIMEOUT_MS is DB_TIMEOUT at the field, without SQL in the message', async () => {
  const server = await startServer({ DATABASE_URL: db.url, DB_STATEMENT_TIMEOUT_MS: 300 });
  const lock = await lockTable(db.url, 'products');
  try {
    const started = Date.now();
    const r = await graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 10000 });
    assert.ok(Date.now() - started < 5000, 'answered soon after the timeout');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.data, { Product: null });
    const [e] = r.json.errors;
    assert.equal(e.extensions.code, 'DB_TIMEOUT');
    assert.deepEqual(e.path, ['Product']);
    assert.deepEqual(e.locations, [{ line: 1, column: 3 }]);
    assert.doesNotMatch(e.message, /SELECT|products|statement timeout|canceling/i);
    // The details are in the server log instead.
    await server.stderr.waitFor((l) => /"code":"DB_TIMEOUT"/.test(l), 5000, 'the database error log line');
  } finally {
    await lock.release();
    await server.stop();
  }
});

test('a statement that hits the timeout frees its connection: the next request succeeds promptly', async () => {
  // One thread, one connection: if the timed-out statement kept it, nothing else could run.
  const server = await startServer({
    DATABASE_URL: db.url,
    GQLD_THREADS: 1,
    DB_POOL_SIZE: 1,
    DB_STATEMENT_TIMEOUT_MS: 300,
    AUTH_MODE: 'none',
  });
  const lock = await lockTable(db.url, 'products'); // held throughout: the timed-out statement never gets it
  try {
    const slow = await graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 10000 });
    assert.equal(slow.json?.errors?.[0]?.extensions?.code, 'DB_TIMEOUT', slow.text);
    const started = Date.now();
    const next = await graphql(server.url, '{ customer(customerId: "4567") { customerId } }', undefined,
      { timeoutMs: 10000 });
    assert.ok(Date.now() - started < 1000, `answered promptly (${Date.now() - started} ms)`);
    assert.equal(next.status, 200, next.text);
    assert.equal(next.json.errors, undefined, next.text);
    assert.ok('customer' in next.json.data, next.text);
    // And the locked table times out again rather than hanging.
    const again = await graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 10000 });
    assert.equal(again.json?.errors?.[0]?.extensions?.code, 'DB_TIMEOUT', again.text);
  } finally {
    await lock.release();
  }
  const r = await graphql(server.url, PRODUCT_QUERY);
  assert.equal(r.text, NOTEBOOK_BODY);
  await server.stop();
});

test('a client that disconnects while its statement runs does not disturb the server', async () => {
  const server = await startServer({ DATABASE_URL: db.url, DB_STATEMENT_TIMEOUT_MS: 30000 });
  const lock = await lockTable(db.url, 'products');
  try {
    // Raw HTTP/1.1 so the socket can be destroyed with the request in flight.
    const body = JSON.stringify({ query: PRODUCT_QUERY });
    for (let i = 0; i < 3; i++) {
      const sock = net.connect(server.port, '127.0.0.1');
      await new Promise((resolve) => sock.once('connect', resolve));
      sock.write(
        `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      await lockWaiters(db.url, i + 1);
      sock.destroy();
    }
    await sleep(200);
    await lock.release();
    await sleep(300); // the abandoned statements complete and their responses are dropped
    const r = await graphql(server.url, PRODUCT_QUERY);
    assert.equal(r.text, NOTEBOOK_BODY);
  } finally {
    await lock.release();
  }
  const exit = await server.stop();
  assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, server.stderrLines.join('\n'));
});
