// Helpers for the integration tests: they drive the real gqld binary over HTTP
// against the PostgreSQL and memcached that `./dev test` starts, and talk to
// PostgreSQL with psql. Node's standard library only (node:test, fetch).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

if (!process.env.GQLD_TEST_DATABASE_URL) {
  console.log('GQLD_TEST_DATABASE_URL is not set: run ./dev test');
  process.exit(77); // meson: skipped
}

export const ROOT =
  process.env.GQLD_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const GQLD_BIN = process.env.GQLD_BIN ?? path.join(ROOT, 'build', 'server', 'gqld');
export const DATABASE_URL = process.env.GQLD_TEST_DATABASE_URL;
export const MEMCACHED = process.env.GQLD_TEST_MEMCACHED ?? '';
export const PSQL = process.env.GQLD_TEST_PGBIN ? path.join(process.env.GQLD_TEST_PGBIN, 'psql') : 'psql';
export const SERVICES = path.join(ROOT, 'infra', 'dev', 'services.sh');

export const PRODUCT_QUERY = '{ Product(productId: "notebook") { productId productName price } }';
export const NOTEBOOK_BODY =
  '{"data":{"Product":{"productId":"notebook","productName":"notebook_red","price":19.99}}}';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves like promise, or with onTimeout's value after ms; the timer never
// outlives the race (a pending timer would keep the test process alive).
export function withTimeout(promise, ms, onTimeout = () => 'timeout') {
  let timer;
  const expired = new Promise((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

export function uniqueName(prefix) {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

// The environment of a child gqld: ours minus every gqld setting, so that only
// what a test passes applies. A value of undefined removes a variable.
export function childEnv(overrides = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(GQLD_|DATABASE_|DB_|MEMCACHED_|AUTH_|JWT_)/.test(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

// Collects a stream's lines and lets callers wait for one.
class Lines extends EventEmitter {
  constructor(stream) {
    super();
    this.all = [];
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      this.all.push(line);
      this.emit('line', line);
    });
  }

  // Resolves with the first line (already seen or to come) for which pred is true.
  waitFor(pred, timeoutMs = 5000, what = 'a matching line') {
    const found = this.all.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('line', onLine);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got:\n${this.all.join('\n')}`));
      }, timeoutMs);
      timer.unref(); // the child's pipes keep the process alive while it matters
      const onLine = (line) => {
        if (!pred(line)) return;
        clearTimeout(timer);
        this.off('line', onLine);
        resolve(line);
      };
      this.on('line', onLine);
    });
  }
}

export function parseJsonLine(line) {
  try {
    const v = JSON.parse(line);
    return v !== null && typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}

function spawnTracked(file, args, env) {
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const exited = new Promise((resolve) => {
    child.on('error', (err) => {
      live.delete(child);
      resolve({ code: null, signal: null, error: err });
    });
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, exited };
}

// Starts `gqld serve` on a free port and waits for its "listening" line.
// env adds to (or, with undefined, removes from) the defaults below.
export async function startServer(env = {}, { args = [], timeoutMs = 20000 } = {}) {
  const fullEnv = childEnv({
    GQLD_LISTEN: '127.0.0.1:0',
    DATABASE_URL,
    MEMCACHED_SERVERS: MEMCACHED,
    GQLD_THREADS: 2,
    // The second meson run of some suites (integration-proxy-*) sets this.
    ...(process.env.GQLD_TEST_DB_PROTOCOL ? { DB_PROTOCOL: process.env.GQLD_TEST_DB_PROTOCOL } : {}),
    ...env,
  });
  const { child, exited } = spawnTracked(GQLD_BIN, ['serve', ...args], fullEnv);
  const stdout = new Lines(child.stdout);
  const stderr = new Lines(child.stderr);
  let exit = null;
  exited.then((r) => (exit = r));

  const listening = stderr.waitFor((l) => parseJsonLine(l)?.msg === 'listening', timeoutMs, 'the "listening" line');
  const died = exited.then((r) => {
    throw new Error(`gqld exited (${JSON.stringify(r)}) before listening; stderr:\n${stderr.all.join('\n')}`);
  });
  let line;
  try {
    line = await Promise.race([listening, died]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const address = parseJsonLine(line).address;
  const m = /^127\.0\.0\.1:(\d+)$/.exec(address ?? '');
  if (!m || Number(m[1]) === 0) {
    child.kill('SIGKILL');
    throw new Error(`unexpected listening address ${address}; line: ${line}`);
  }
  const port = Number(m[1]);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    proc: child,
    stdout,
    stderr,
    stdoutLines: stdout.all,
    stderrLines: stderr.all,
    exited,
    get exit() {
      return exit;
    },
    // Sends signal and waits for the exit; SIGKILL and an error after timeoutMs.
    async stop(signal = 'SIGTERM', timeoutMs = 15000) {
      if (exit) return exit;
      child.kill(signal);
      const r = await withTimeout(exited, timeoutMs, () => null);
      if (r) return r;
      child.kill('SIGKILL');
      await exited;
      throw new Error(`gqld did not exit within ${timeoutMs} ms of ${signal}`);
    },
  };
}

// Asserts that a stopped server exited with status 0 (a sanitizer report
// aborts it), showing the end of its stderr otherwise.
export function assertCleanExit(server, exit, what = 'gqld exits 0') {
  const { code, signal } = exit ?? {};
  assert.deepEqual({ code, signal }, { code: 0, signal: null },
    `${what}; stderr:\n${server.stderrLines.slice(-60).join('\n')}`);
}

// Runs a gqld command to completion: {code, signal, stdout, stderr}.
export async function runGqld(args, env = {}, { timeoutMs = 60000 } = {}) {
  const { child, exited } = spawnTracked(GQLD_BIN, args, childEnv(env));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const r = await exited;
  clearTimeout(timer);
  return { ...r, stdout, stderr };
}

// Runs a command, resolving with {code, stdout, stderr} (never rejects on status).
export function run(file, args, { env = process.env, input, timeoutMs = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    // No input: stdin is /dev/null, so a child that exits without reading it
    // (psql -c) cannot make our write fail with EPIPE.
    const child = spawn(file, args, { env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (input !== undefined) {
      child.stdin.on('error', () => {}); // the exit status tells what happened
      child.stdin.end(input);
    }
  });
}

// psql -c SQL; resolves with {code, stdout, stderr}, stdout unaligned, tuples only.
export function psqlRun(sql, { url = DATABASE_URL } = {}) {
  return run(PSQL, ['-X', '-q', '-A', '-t', '-w', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql]);
}

// psql -c SQL; resolves with trimmed stdout, rejects on failure.
export async function psql(sql, opts = {}) {
  const r = await psqlRun(sql, opts);
  if (r.code !== 0) throw new Error(`psql failed (${r.code}): ${r.stderr}\nSQL: ${sql}`);
  return r.stdout.trim();
}

// The URL of another database on the test cluster.
export function databaseUrlFor(dbname, base = DATABASE_URL) {
  if (/^postgres(ql)?:\/\//.test(base)) {
    const u = new URL(base);
    u.pathname = `/${dbname}`;
    return u.toString();
  }
  return `${base} dbname=${dbname}`;
}

// Creates an empty database on the test cluster; drop() removes it.
export async function createDatabase(prefix) {
  const name = uniqueName(prefix);
  await psql(`CREATE DATABASE ${name}`);
  return {
    name,
    url: databaseUrlFor(name),
    drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

// A database of the test's own, migrated and seeded small, so that a test that
// locks tables or stops things cannot stall the others.
export async function createSeededDatabase(prefix) {
  const db = await createDatabase(prefix);
  for (const args of [
    ['migrate', '--database-url', db.url],
    ['seed', '--database-url', db.url, '--customers', '10', '--products', '10', '--orders', '10', '--items-per-order', '2'],
  ]) {
    const r = await runGqld(args);
    if (r.code !== 0) {
      await db.drop();
      throw new Error(`gqld ${args[0]} failed (${r.code}): ${r.stderr}`);
    }
  }
  return db;
}

// A psql session holding ACCESS EXCLUSIVE on a table until release(): requests
// that read it stay in flight as long as the test wants.
export async function lockTable(url, table) {
  const child = spawn(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  child.stdin.on('error', () => {}); // psql's exit status and stderr tell what happened
  const exited = new Promise((resolve) => child.on('close', resolve));
  child.stdin.write(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE;\n`);
  try {
    await pollUntil(
      async () =>
        (await psql(
          `SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
           WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND c.relname = '${table}' AND l.mode = 'AccessExclusiveLock' AND l.granted`,
          { url },
        )) === '1',
      { timeoutMs: 10000, what: `the lock on ${table} (psql: ${stderr})` },
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

// Waits until at least n backends of the database wait for a lock: that many statements are in flight.
export function lockWaiters(url, n) {
  return pollUntil(
    async () =>
      Number(
        await psql(
          `SELECT count(*) FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          { url },
        ),
      ) >= n,
    { timeoutMs: 10000, what: `${n} statement(s) to wait on the lock` },
  );
}

export function migrationFiles() {
  return readdirSync(path.join(ROOT, 'infra', 'db', 'migrations')).filter((f) => /^\d+_.*\.sql$/.test(f));
}

// infra/dev/services.sh COMMAND ARGS; rejects on failure.
export async function services(...args) {
  const r = await run(SERVICES, args, { timeoutMs: 120000 });
  if (r.code !== 0) throw new Error(`services.sh ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

// HTTP helpers: every request has a deadline so that a hung server fails the
// test instead of the whole suite's timeout.
export async function request(url, { method = 'GET', headers = {}, body, timeoutMs = 15000 } = {}) {
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: parseJsonLine(text) };
}

export function postJson(base, payload, { headers = {}, ...opts } = {}) {
  return request(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    ...opts,
  });
}

export function graphql(base, query, variables, opts = {}) {
  return postJson(base, variables === undefined ? { query } : { query, variables }, opts);
}

// True once a TCP connect to 127.0.0.1:port is refused.
export function connectRefused(port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (refused) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(refused);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(false));
    sock.once('error', (err) => done(err.code === 'ECONNREFUSED'));
  });
}

// Polls fn until it returns a truthy value; rejects after timeoutMs with the last value.
export async function pollUntil(fn, { timeoutMs = 10000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last?.stack ?? JSON.stringify(last)}`);
    }
    await sleep(intervalMs);
  }
}
