// A throwaway certificate authority and a server certificate it signs for
// 127.0.0.1, made with the openssl CLI: for HTTPS servers on loopback that gqld
// must trust through a CA file (JWT_JWKS_CA_FILE), never through the system's.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { run } from './lib.mjs';

async function openssl(args) {
  const r = await run('openssl', args, { timeoutMs: 30000 });
  assert.equal(r.code, 0, `openssl ${args[0]}: ${r.stderr}`);
}

// {dir, caFile, certFile, keyFile, cert, key}: CA "gqld test CA", leaf for IP 127.0.0.1 and localhost.
export async function makeTestCa(name = 'gqld test CA') {
  const dir = mkdtempSync(path.join(tmpdir(), 'gqld-test-ca-'));
  const f = (n) => path.join(dir, n);
  await openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', f('ca.key'), '-out', f('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=127.0.0.1',
    '-keyout', f('server.key'), '-out', f('server.csr')]);
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await openssl(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
    '-CAcreateserial', '-days', '2', '-extfile', f('ext.cnf'), '-out', f('server.pem')]);
  return {
    dir, caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key'),
    cert: readFileSync(f('server.pem')), key: readFileSync(f('server.key')),
  };
}

// An HTTPS server on 127.0.0.1 serving body at /.well-known/jwks.json: {url, fetches(), close()}.
export async function startJwksServer(ca, getBody) {
  let fetches = 0;
  const server = https.createServer({ cert: ca.cert, key: ca.key }, (req, res) => {
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(getBody());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${server.address().port}/.well-known/jwks.json`,
    fetches: () => fetches,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
