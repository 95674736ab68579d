// TLS to the database: libpq does it, driven by DATABASE_URL
// (`?sslmode=verify-full&sslrootcert=...`). A cluster of this test's own gets
// ssl=on with a self-signed certificate for 127.0.0.1 made here by openssl;
// gqld serves over TLS with the certificate as its root, and refuses a server
// whose certificate another root does not vouch for.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  NOTEBOOK_BODY,
  PRODUCT_QUERY,
  assertCleanExit,
  graphql,
  pollUntil,
  psql,
  request,
  run,
  runGqld,
  services,
  startServer,
} from './lib.mjs';

let dir;
let port;
let plainUrl;

async function selfSigned(name, cn) {
  const r = await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', path.join(dir, `${name}.key`), '-out', path.join(dir, `${name}.crt`),
  ]);
  assert.equal(r.code, 0, `openssl: ${r.stderr}`);
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gqld-tls-'));
  port = await services('free-port');
  await services('pg-start', path.join(dir, 'pg'), port);
  plainUrl = `postgresql://postgres@127.0.0.1:${port}/gqld`;

  await selfSigned('server', '127.0.0.1');
  await selfSigned('other', 'someone-else');
  // The server's key and certificate in its data directory, owned by the cluster's user.
  const data = path.join(dir, 'pg', 'data');
  const { uid, gid } = statSync(data);
  for (const f of ['server.key', 'server.crt']) {
    const r = await run('cp', [path.join(dir, f), path.join(data, f)]);
    assert.equal(r.code, 0, r.stderr);
    chownSync(path.join(data, f), uid, gid);
    chmodSync(path.join(data, f), 0o600);
  }
  await psql("ALTER SYSTEM SET ssl = on", { url: plainUrl });
  await psql('SELECT pg_reload_conf()', { url: plainUrl });
  await pollUntil(async () => (await psql('SHOW ssl', { url: plainUrl })) === 'on',
    { timeoutMs: 10000, what: 'ssl = on' });

  for (const args of [
    ['migrate', '--database-url', tlsUrl('server')],
    ['seed', '--database-url', tlsUrl('server'), '--customers', '1', '--products', '1', '--orders', '1',
      '--items-per-order', '1'],
  ]) {
    const r = await runGqld(args);
    assert.equal(r.code, 0, `gqld ${args[0]}: ${r.stderr}`);
  }
});

after(async () => {
  if (dir) {
    await services('pg-stop', path.join(dir, 'pg')).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

function tlsUrl(root) {
  return `${plainUrl}?sslmode=verify-full&sslrootcert=${encodeURIComponent(path.join(dir, `${root}.crt`))}` +
    '&application_name=gqld_tls';
}

test('verify-full with the server certificate as root: queries run over TLS', async () => {
  const server = await startServer({ DATABASE_URL: tlsUrl('server'), MEMCACHED_SERVERS: '' });
  try {
    await pollUntil(async () => (await request(`${server.url}/readyz`)).status === 200 ? true : null,
      { timeoutMs: 10000, what: '/readyz 200' });
    const r = await graphql(server.url, PRODUCT_QUERY);
    assert.equal(r.text, NOTEBOOK_BODY);
    // Every gqld connection is encrypted.
    const row = await psql(
      `SELECT count(*) || ' ' || count(*) FILTER (WHERE s.ssl) FROM pg_stat_activity a
       JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = 'gqld_tls'`, { url: plainUrl });
    const [all, encrypted] = row.split(' ').map(Number);
    assert.ok(all > 0, row);
    assert.equal(encrypted, all, row);
  } finally {
    assertCleanExit(server, await server.stop());
  }
});

test('a certificate another root does not vouch for: DB_UNAVAILABLE, never plaintext', async () => {
  const server = await startServer({ DATABASE_URL: tlsUrl('other'), MEMCACHED_SERVERS: '',
    DB_CONNECT_TIMEOUT_MS: 1000 });
  try {
    const ready = await request(`${server.url}/readyz`);
    assert.equal(ready.status, 503, ready.text);
    const r = await graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 10000 });
    assert.equal(r.status, 503, r.text);
    assert.equal(r.json?.errors?.[0]?.extensions?.code, 'DB_UNAVAILABLE', r.text);
    await server.stderr.waitFor((l) => /certificate verify failed/i.test(l), 5000, 'the TLS failure in the log');
  } finally {
    assertCleanExit(server, await server.stop());
  }
});
