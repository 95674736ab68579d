// SIGTERM drain: stop accepting, finish what is in flight (bounded by the
// drain timeout), exit 0. A request is held in flight by a table lock taken
// from psql, in a database of this test's own so that no other test waits on it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NOTEBOOK_BODY,
  PRODUCT_QUERY,
  assertCleanExit,
  connectRefused,
  createSeededDatabase,
  graphql,
  lockTable,
  lockWaiters,
  pollUntil,
  startServer,
  withTimeout,
} from './lib.mjs';

let db;

before(async () => {
  db = await createSeededDatabase('gqld_drain');
});

after(async () => {
  if (db) await db.drop();
});

// Polls new connections until one is refused: the listener is closed.
function listenerClosed(port) {
  return pollUntil(() => connectRefused(port), { timeoutMs: 3000, intervalMs: 50, what: 'connections to be refused' });
}

const serverEnv = () => ({ DATABASE_URL: db.url, MEMCACHED_SERVERS: '', DB_STATEMENT_TIMEOUT_MS: 30000 });

test('SIGTERM: refuse new connections, finish the request in flight, exit 0', async () => {
  const server = await startServer({ ...serverEnv(), GQLD_DRAIN_TIMEOUT_MS: 20000 });
  const lock = await lockTable(db.url, 'products');
  try {
    const inflight = graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 30000 });
    inflight.catch(() => {});
    await lockWaiters(db.url, 1);

    server.proc.kill('SIGTERM');
    await listenerClosed(server.port);
    assert.equal(server.exit, null, 'still running while a request is in flight');

    await lock.release();
    const r = await inflight;
    assert.equal(r.status, 200);
    assert.equal(r.text, NOTEBOOK_BODY);

    assertCleanExit(server, await withTimeout(server.exited, 10000), 'exit 0 once drained');
  } finally {
    await lock.release();
    await server.stop('SIGKILL').catch(() => {});
  }
});

test('SIGTERM with a request stuck past GQLD_DRAIN_TIMEOUT_MS: exit 0 without it', async () => {
  const server = await startServer({ ...serverEnv(), GQLD_DRAIN_TIMEOUT_MS: 500 });
  const lock = await lockTable(db.url, 'products');
  try {
    const inflight = graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 30000 });
    inflight.catch(() => {});
    await lockWaiters(db.url, 1);

    const signalled = Date.now();
    server.proc.kill('SIGTERM');
    // The lock is held far longer than the drain timeout: exiting at all proves
    // that gqld gave up on the request.
    const exit = await withTimeout(server.exited, 10000);
    const elapsed = Date.now() - signalled;
    assertCleanExit(server, exit, 'exit 0 after the drain timeout');
    assert.ok(elapsed >= 400, `waited for the drain timeout before giving up (${elapsed} ms)`);
  } finally {
    await lock.release();
    await server.stop('SIGKILL').catch(() => {});
  }
});
