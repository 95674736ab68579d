// SIGTERM drain: stop accepting, finish what is in flight (bounded by the
// drain timeout), exit 0. A request is held in flight by a table lock taken
// from psql, in a database of this test's own so that no other test waits on it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  NOTEBOOK_BODY,
  PRODUCT_QUERY,
  PSQL,
  assertCleanExit,
  connectRefused,
  createDatabase,
  graphql,
  pollUntil,
  psql,
  runGqld,
  startServer,
  withTimeout,
} from './lib.mjs';

let db;

before(async () => {
  db = await createDatabase('gqld_drain');
  for (const args of [
    ['migrate', '--database-url', db.url],
    ['seed', '--database-url', db.url, '--customers', '10', '--products', '10', '--orders', '10', '--items-per-order', '2'],
  ]) {
    const r = await runGqld(args);
    assert.equal(r.code, 0, `gqld ${args[0]}: ${r.stderr}`);
  }
});

after(async () => {
  if (db) await db.drop();
});

// A psql session holding ACCESS EXCLUSIVE on products until release().
async function lockProducts() {
  const child = spawn(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db.url], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', resolve));
  child.stdin.write('BEGIN; LOCK TABLE products IN ACCESS EXCLUSIVE MODE;\n');
  try {
    await pollUntil(
      async () =>
        (await psql(
          `SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
           WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND c.relname = 'products' AND l.mode = 'AccessExclusiveLock' AND l.granted`,
          { url: db.url },
        )) === '1',
      { timeoutMs: 10000, what: `the lock on products (psql: ${stderr})` },
    );
  } catch (err) {
    child.kill('SIGKILL'); // a stray lock holder would keep the test process alive
    throw err;
  }
  return {
    async release() {
      if (child.exitCode === null) child.stdin.end('COMMIT;\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// Waits until some backend of the test database waits for a lock: the request is in flight.
function requestBlocked() {
  return pollUntil(
    async () =>
      Number(
        await psql(
          `SELECT count(*) FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          { url: db.url },
        ),
      ) > 0,
    { timeoutMs: 10000, what: 'the request to wait on the lock' },
  );
}

// Polls new connections until one is refused: the listener is closed.
function listenerClosed(port) {
  return pollUntil(() => connectRefused(port), { timeoutMs: 3000, intervalMs: 50, what: 'connections to be refused' });
}

const serverEnv = () => ({ DATABASE_URL: db.url, MEMCACHED_SERVERS: '', DB_STATEMENT_TIMEOUT_MS: 30000 });

test('SIGTERM: refuse new connections, finish the request in flight, exit 0', async () => {
  const server = await startServer({ ...serverEnv(), GQLD_DRAIN_TIMEOUT_MS: 20000 });
  const lock = await lockProducts();
  try {
    const inflight = graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 30000 });
    inflight.catch(() => {});
    await requestBlocked();

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
  const lock = await lockProducts();
  try {
    const inflight = graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 30000 });
    inflight.catch(() => {});
    await requestBlocked();

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
