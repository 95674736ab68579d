// HTTPS: GQLD_TLS_CERT / GQLD_TLS_KEY turn the listener into TLS 1.2+ only,
// HTTP/2 by ALPN with HTTP/1.1 for clients that do not offer h2. Checked with
// independent clients: curl (nghttp2 for h2), the openssl CLI (protocol
// versions, ciphers, ALPN) and Node's http2 module, against a self-signed
// certificate made here by the openssl CLI. (tls.test.mjs is TLS to the
// database.)
//
// The server runs under an OpenSSL configuration that allows TLS 1.0 and every
// cipher (checked with `openssl s_server` as a control), so the refusals below
// are gqld's own settings, not the library's or the system's defaults.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  NOTEBOOK_BODY,
  PRODUCT_QUERY,
  assertCleanExit,
  connectRefused,
  parseJsonLine,
  pollUntil,
  run,
  runGqld,
  services,
  startServer,
  withTimeout,
} from './lib.mjs';

let dir;
let server;
let cert;
let key;
let permissiveConf;

const PERMISSIVE_CONF = `openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1
CipherString = ALL@SECLEVEL=0
`;

async function openssl(args, input) {
  return run('openssl', args, { input, timeoutMs: 20000 });
}

async function makeKeyAndCert(name) {
  const r = await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout', path.join(dir, `${name}.key`), '-out', path.join(dir, `${name}.crt`),
  ]);
  assert.equal(r.code, 0, `openssl req: ${r.stderr}`);
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

// curl against the server, verifying its certificate; -w prints the HTTP version after the body.
function curl(args) {
  return run('curl', ['-sS', '--max-time', '10', '--cacert', cert, ...args], { timeoutMs: 20000 });
}

// openssl s_client: {completed, protocol, cipher, alpn, out}. A handshake completed when a cipher was agreed.
async function handshake(args, port = server.port) {
  const r = await openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', cert, ...args], '');
  const out = r.stdout + r.stderr;
  const cipher = /New, (\S+), Cipher is (\S+)/.exec(out);
  const alpn = /ALPN protocol: (\S+)/.exec(out);
  return {
    completed: r.code === 0 && cipher !== null && cipher[2] !== '(NONE)',
    protocol: cipher?.[1],
    cipher: cipher?.[2],
    alpn: alpn?.[1] ?? null,
    out,
  };
}

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gqld-https-'));
  ({ cert, key } = await makeKeyAndCert('server'));
  permissiveConf = path.join(dir, 'permissive.cnf');
  writeFileSync(permissiveConf, PERMISSIVE_CONF);
  server = await startServer({ GQLD_TLS_CERT: cert, GQLD_TLS_KEY: key, OPENSSL_CONF: permissiveConf });
});

after(async () => {
  if (server) {
    const exit = await server.stop();
    assertCleanExit(server, exit);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const productBody = JSON.stringify({ query: PRODUCT_QUERY });

test('the listening line says TLS is on', () => {
  const line = server.stderrLines.map(parseJsonLine).find((l) => l?.msg === 'listening');
  assert.equal(line.tls, 'on');
});

test('curl --http2 negotiates h2 and gets the GraphQL answer over HTTP/2', async () => {
  const r = await curl(['--http2', '-w', '\n%{http_version} %{http_code}', '-H', 'content-type: application/json',
    '-d', productBody, `https://127.0.0.1:${server.port}/graphql`]);
  assert.equal(r.code, 0, r.stderr);
  const [body, meta] = r.stdout.split('\n');
  assert.equal(meta, '2 200');
  assert.equal(body, NOTEBOOK_BODY);
});

test('curl --http1.1 falls back to HTTP/1.1 on the same port', async () => {
  const r = await curl(['--http1.1', '-w', '\n%{http_version} %{http_code}', '-H', 'content-type: application/json',
    '-d', productBody, `https://127.0.0.1:${server.port}/graphql`]);
  assert.equal(r.code, 0, r.stderr);
  const [body, meta] = r.stdout.split('\n');
  assert.equal(meta, '1.1 200');
  assert.equal(body, NOTEBOOK_BODY);
});

test('ALPN: h2 when offered, http/1.1 when only it is offered, HTTP/1.1 without ALPN', async () => {
  const h2 = await handshake(['-alpn', 'h2,http/1.1']);
  assert.ok(h2.completed, h2.out);
  assert.equal(h2.alpn, 'h2');
  const h1 = await handshake(['-alpn', 'http/1.1']);
  assert.ok(h1.completed, h1.out);
  assert.equal(h1.alpn, 'http/1.1');
  const none = await handshake([]);
  assert.ok(none.completed, none.out);
  assert.equal(none.alpn, null);
  assert.match(none.out, /No ALPN negotiated/);
});

test('control: under the same OpenSSL configuration, openssl s_server accepts TLS 1.1 and CBC ciphers', async () => {
  const port = Number(await services('free-port'));
  const child = spawn('openssl', ['s_server', '-accept', String(port), '-cert', cert, '-key', key, '-www'], {
    env: { ...process.env, OPENSSL_CONF: permissiveConf }, stdio: 'ignore',
  });
  try {
    await pollUntil(async () => !(await connectRefused(port)), { what: 'openssl s_server to listen' });
    const old = await handshake(['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'], port);
    assert.ok(old.completed, old.out);
    const cbc = await handshake(['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA@SECLEVEL=0'], port);
    assert.ok(cbc.completed, cbc.out);
  } finally {
    child.kill();
  }
});

test('TLS 1.2 and 1.3 are accepted; TLS 1.1 and 1.0 are refused', async () => {
  const v13 = await handshake(['-tls1_3']);
  assert.ok(v13.completed, v13.out);
  assert.equal(v13.protocol, 'TLSv1.3');
  const v12 = await handshake(['-tls1_2']);
  assert.ok(v12.completed, v12.out);
  assert.equal(v12.protocol, 'TLSv1.2');
  // SECLEVEL=0 lets this client offer the old versions at all (OpenSSL 3 refuses them by default):
  // any refusal below is the server's.
  for (const version of ['-tls1_1', '-tls1']) {
    const old = await handshake([version, '-cipher', 'DEFAULT@SECLEVEL=0']);
    assert.equal(old.completed, false, `${version} must be refused:\n${old.out}`);
  }
  const r = await curl(['--tlsv1.1', '--tls-max', '1.1', '--ciphers', 'DEFAULT@SECLEVEL=0', '-o', '/dev/null',
    '-w', '%{http_code}', `https://127.0.0.1:${server.port}/healthz`]);
  assert.notEqual(r.code, 0, 'curl over TLS 1.1 fails');
  assert.equal(r.stdout, '000');
});

test('TLS 1.2 offers only AEAD ciphers with forward secrecy', async () => {
  const good = await handshake(['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
  assert.ok(good.completed, good.out);
  assert.equal(good.cipher, 'ECDHE-ECDSA-AES128-GCM-SHA256');
  const chacha = await handshake(['-tls1_2', '-cipher', 'ECDHE-ECDSA-CHACHA20-POLY1305']);
  assert.ok(chacha.completed, chacha.out);
  for (const weak of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'AES128-GCM-SHA256', 'AES128-SHA']) {
    const r = await handshake(['-tls1_2', '-cipher', `${weak}@SECLEVEL=0`]);
    assert.equal(r.completed, false, `${weak} must be refused:\n${r.out}`);
  }
});

test('cleartext HTTP on the TLS port gets no HTTP answer', async () => {
  const r = await run('curl', ['-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}',
    `http://127.0.0.1:${server.port}/healthz`], { timeoutMs: 20000 });
  assert.notEqual(r.code, 0, 'curl over cleartext fails');
  assert.equal(r.stdout, '000');
  // The raw bytes back, if any, are not HTTP: the connection is closed without a response.
  const reply = await withTimeout(new Promise((resolve) => {
    const chunks = [];
    const sock = net.connect({ host: '127.0.0.1', port: server.port }, () => {
      sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => resolve(Buffer.concat(chunks)));
    sock.on('close', () => resolve(Buffer.concat(chunks)));
  }), 10000, () => 'timeout');
  assert.notEqual(reply, 'timeout', 'the server closes the connection');
  assert.ok(!reply.toString('latin1').startsWith('HTTP/'), `no HTTP response: ${reply.toString('latin1')}`);
});

test('HTTP/2: concurrent streams on one connection each get their own answer, logged with the id', async () => {
  const client = http2.connect(`https://127.0.0.1:${server.port}`, { ca: readFileSync(cert) });
  try {
    const one = (i) => new Promise((resolve, reject) => {
      const stream = client.request({
        ':method': 'POST', ':path': '/graphql', 'content-type': 'application/json', 'x-request-id': `h2-stream-${i}`,
      });
      let body = '';
      let status;
      stream.on('response', (h) => (status = h[':status']));
      stream.setEncoding('utf8').on('data', (d) => (body += d));
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
      stream.end(productBody);
    });
    const answers = await withTimeout(Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(one)), 15000);
    assert.notEqual(answers, 'timeout');
    for (const a of answers) assert.deepEqual(a, { status: 200, body: NOTEBOOK_BODY });
  } finally {
    client.close();
  }
  for (let i = 0; i < 8; i++) {
    const line = await server.stdout.waitFor((l) => parseJsonLine(l)?.request_id === `h2-stream-${i}`, 5000,
      `the access-log line of stream ${i}`);
    assert.equal(parseJsonLine(line).status, 200);
  }
});

test('misconfigured TLS exits 2 naming the setting', async () => {
  const other = await makeKeyAndCert('other');
  const cases = [
    [{ GQLD_TLS_CERT: cert }, /GQLD_TLS_CERT is set without GQLD_TLS_KEY/],
    [{ GQLD_TLS_KEY: key }, /GQLD_TLS_KEY is set without GQLD_TLS_CERT/],
    [{ GQLD_TLS_CERT: key, GQLD_TLS_KEY: key }, /GQLD_TLS_CERT ".*" is not a usable PEM certificate \(chain\) \(OpenSSL: /], // a key is not a certificate
    [{ GQLD_TLS_CERT: cert, GQLD_TLS_KEY: cert }, /GQLD_TLS_KEY ".*" is not a usable PEM private key \(OpenSSL: /],
    [{ GQLD_TLS_CERT: cert, GQLD_TLS_KEY: other.key }, /GQLD_TLS_KEY ".*" does not match the certificate of GQLD_TLS_CERT \(OpenSSL: key values mismatch\)/],
  ];
  for (const [env, message] of cases) {
    const r = await runGqld(['serve'], {
      GQLD_LISTEN: '127.0.0.1:0', DATABASE_URL: process.env.GQLD_TEST_DATABASE_URL, ...env,
    }, { timeoutMs: 20000 });
    assert.equal(r.code, 2, `${JSON.stringify(env)}: exit 2; stderr: ${r.stderr}`);
    assert.match(r.stderr.replaceAll('\\"', '"'), message); // the event line's JSON escapes the quotes
  }
  // A file that cannot be read is an invalid setting like any other: one plain line naming it, exit 2.
  for (const [env, message] of [
    [{ GQLD_TLS_CERT: path.join(dir, 'missing.crt'), GQLD_TLS_KEY: key }, /^gqld: GQLD_TLS_CERT ".*missing\.crt" cannot be read: No such file or directory$/],
    [{ GQLD_TLS_CERT: cert, GQLD_TLS_KEY: dir }, /^gqld: GQLD_TLS_KEY ".*" cannot be read: it is a directory$/],
  ]) {
    const r = await runGqld(['serve'], {
      GQLD_LISTEN: '127.0.0.1:0', DATABASE_URL: process.env.GQLD_TEST_DATABASE_URL, ...env,
    }, { timeoutMs: 20000 });
    assert.equal(r.code, 2, `${JSON.stringify(env)}: exit 2; stderr: ${r.stderr}`);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], message);
  }
});
