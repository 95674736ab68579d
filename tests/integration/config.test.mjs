// Configuration: --help, --version, environment variables, flags, and the
// one-line error (exit status 2) for anything missing or invalid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DATABASE_URL, ROOT, assertCleanExit, pollUntil, request, run, runGqld, startServer } from './lib.mjs';

const SETTINGS = ['GQLD_LISTEN', 'DATABASE_URL', 'DATABASE_READER_URL', 'DB_POOL_SIZE', 'MEMCACHED_SERVERS',
  'GQLD_THREADS', 'DB_STATEMENT_TIMEOUT_MS', 'GQLD_DRAIN_TIMEOUT_MS', 'GQLD_MAX_BODY_BYTES'];

// Exit status 2 and exactly one line on stderr that names the setting.
function assertUsageError(r, name) {
  assert.equal(r.code, 2, `exit status 2; stderr: ${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
  assert.match(lines[0], name);
}

// Exit status 2 and a message naming the culprit (a usage hint may follow).
function assertCommandLineError(r, name) {
  assert.equal(r.code, 2, `exit status 2; stderr: ${r.stderr}`);
  assert.match(r.stderr, name);
}

test('--help lists every setting with its environment variable and default', async () => {
  const r = await runGqld(['--help']);
  assert.equal(r.code, 0, r.stderr);
  const text = r.stdout + r.stderr;
  for (const name of SETTINGS) assert.ok(text.includes(name), `--help mentions ${name}`);
  for (const flag of ['--listen', '--database-url', '--db-pool-size', '--memcached-servers', '--threads']) {
    assert.ok(text.includes(flag), `--help mentions ${flag}`);
  }
  assert.ok(text.includes('127.0.0.1:8080'), 'the default of GQLD_LISTEN');
  for (const cmd of ['serve', 'migrate', 'seed']) assert.ok(text.includes(cmd), `--help mentions ${cmd}`);
});

test('help texts agree with the README: an empty MEMCACHED_SERVERS keeps the in-process tier; ./dev bench takes about 9 minutes', async () => {
  const help = (await runGqld(['--help'])).stdout;
  const mc = help.slice(help.indexOf('MEMCACHED_SERVERS'), help.indexOf('GQLD_THREADS'));
  assert.doesNotMatch(mc, /disables the cache/);
  assert.match(mc, /in-process/);
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const dev = await run(path.join(ROOT, 'dev'), ['help']);
  const devMinutes = /bench .*about (\d+)/s.exec(dev.stdout)?.[1];
  const readmeMinutes = /whole load benchmark on this machine, in about (\d+) minutes/.exec(readme)?.[1];
  assert.ok(devMinutes && devMinutes === readmeMinutes, `./dev help: about ${devMinutes}; README: about ${readmeMinutes}`);
});

test('switches take on/off, true/false, yes/no and 1/0 in any case; anything else names them all', async () => {
  const server = await startServer({ GQLD_PLAYGROUND: 'FALSE', GQLD_METRICS: 'No', GQLD_INTROSPECTION: '0', GQLD_ACCESS_LOG: 'Yes' });
  try {
    assert.equal((await request(`${server.url}/`)).status, 404, 'GQLD_PLAYGROUND=FALSE');
    assert.equal((await request(`${server.url}/metrics`)).status, 404, 'GQLD_METRICS=No');
    const r = await request(`${server.url}/graphql?query=${encodeURIComponent('{ __schema { queryType { name } } }')}`);
    assert.ok(r.json?.errors?.length > 0, `GQLD_INTROSPECTION=0: ${r.text}`);
  } finally {
    assertCleanExit(server, await server.stop());
  }
  const bad = await runGqld(['serve'], { DATABASE_URL, GQLD_LISTEN: '127.0.0.1:0', GQLD_METRICS: 'maybe' });
  assertUsageError(bad, /GQLD_METRICS.*on or off \(true\/false, yes\/no and 1\/0/);
});

test('--version', async () => {
  const r = await runGqld(['--version']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^gqld \d+\.\d+\.\d+/);
});

for (const [name, value, pattern] of [
  ['DB_POOL_SIZE', 'abc', /DB_POOL_SIZE/],
  ['DB_POOL_SIZE', '0', /DB_POOL_SIZE/],
  ['GQLD_LISTEN', 'nohostport', /GQLD_LISTEN/],
  ['GQLD_LISTEN', '127.0.0.1:99999', /GQLD_LISTEN/],
  ['GQLD_THREADS', '0', /GQLD_THREADS/],
  ['GQLD_THREADS', '-1', /GQLD_THREADS/],
  ['DB_STATEMENT_TIMEOUT_MS', '1x', /DB_STATEMENT_TIMEOUT_MS/],
  ['GQLD_MAX_BODY_BYTES', 'lots', /GQLD_MAX_BODY_BYTES/],
]) {
  test(`invalid ${name}=${value}: exit 2, one line naming it`, async () => {
    const r = await runGqld(['serve'], { DATABASE_URL, GQLD_LISTEN: '127.0.0.1:0', [name]: value }, { timeoutMs: 20000 });
    assertUsageError(r, pattern);
  });
}

test('an invalid value given by flag names the setting', async () => {
  const r = await runGqld(['serve', '--db-pool-size', 'abc'], { DATABASE_URL, GQLD_LISTEN: '127.0.0.1:0' });
  assertUsageError(r, /DB_POOL_SIZE|db-pool-size/i);
});

test('serve without DATABASE_URL: exit 2 naming it', async () => {
  const r = await runGqld(['serve'], { GQLD_LISTEN: '127.0.0.1:0' });
  assertUsageError(r, /DATABASE_URL/);
});

test('serve is the default command', async () => {
  const r = await runGqld([], { GQLD_LISTEN: '127.0.0.1:0' });
  assertUsageError(r, /DATABASE_URL/);
});

test('migrate without DATABASE_URL: exit 2 naming it', async () => {
  const r = await runGqld(['migrate']);
  assertUsageError(r, /DATABASE_URL/);
});

test('an unknown flag: exit 2', async () => {
  const r = await runGqld(['serve', '--no-such-flag'], { DATABASE_URL, GQLD_LISTEN: '127.0.0.1:0' });
  assertCommandLineError(r, /no-such-flag/);
});

test('a flag without its value: exit 2', async () => {
  const r = await runGqld(['serve', '--listen'], { DATABASE_URL });
  assertCommandLineError(r, /listen/i);
});

test('an unknown subcommand: exit 2', async () => {
  const r = await runGqld(['frobnicate'], { DATABASE_URL });
  assertCommandLineError(r, /frobnicate/);
});

test('a flag overrides its environment variable', async () => {
  const server = await startServer({ GQLD_LISTEN: 'nohostport' }, { args: ['--listen', '127.0.0.1:0'] });
  assertCleanExit(server, await server.stop());
});

test('--database-url stands in for DATABASE_URL', async () => {
  const server = await startServer({ DATABASE_URL: undefined }, { args: ['--database-url', DATABASE_URL] });
  try {
    // Connections open in the background: /readyz says 503 until the first is up (a loaded machine takes a moment).
    await pollUntil(async () => (await request(`${server.url}/readyz`)).status === 200, { what: '/readyz 200' });
  } finally {
    assertCleanExit(server, await server.stop());
  }
});

test('every setting of --help has its row in a README configuration table', async () => {
  const { readFileSync } = await import('node:fs');
  const path = await import('node:path');
  const { ROOT } = await import('./lib.mjs');
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const r = await runGqld(['--help']);
  const names = [...r.stdout.matchAll(/^ {2}([A-Z][A-Z0-9_]+) +--([a-z0-9-]+) +default: (.*)$/gm)];
  assert.ok(names.length > 50, `settings found in --help: ${names.length}`);
  for (const [, env, flag] of names) {
    assert.ok(readme.includes(`| \`${env}\` | \`--${flag}\` |`), `README has a row for ${env} (--${flag})`);
  }
});
