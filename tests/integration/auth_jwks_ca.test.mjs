// JWT_JWKS_CA_FILE: an https JWT_JWKS_URL is trusted through that file and
// nothing else. The JWKS server here has a certificate from a CA made for the
// test (test_ca.mjs): with the CA file the keys are fetched and tokens work;
// with libcurl's default bundle (which cannot know that CA), or with a file of
// another CA, the fetch fails on the certificate and every token is refused;
// a CA file that cannot be read is a start-up error naming the setting.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createSeededDatabase, graphql, runGqld, startServer } from './lib.mjs';
import { bearer, jwtEnv, makeKeys, mint } from './auth_keys.mjs';
import { makeTestCa, startJwksServer } from './test_ca.mjs';

const ORDER_QUERY = '{ Order(customerId: "4567") { orderId } }';
const ORDER_BODY = '{"data":{"Order":[{"orderId":"52"}]}}';

let db;
let keys;
let ca;
let otherCa;
let idp;

before(async () => {
  keys = await makeKeys();
  ca = await makeTestCa();
  otherCa = await makeTestCa('another test CA');
  idp = await startJwksServer(ca, () => JSON.stringify({ keys: [keys.rsaJwk] }));
  db = await createSeededDatabase('gqld_auth_jwks_ca');
});

after(async () => {
  await idp?.close();
  await db?.drop();
  for (const c of [ca, otherCa]) if (c) rmSync(c.dir, { recursive: true, force: true });
});

function env(extra) {
  return { DATABASE_URL: db.url, ...jwtEnv(keys), JWT_ALGORITHMS: 'RS256', JWT_HS256_SECRET_FILE: '', JWT_JWKS_FILE: '', JWT_JWKS_URL: idp.url, ...extra };
}

test('with JWT_JWKS_CA_FILE naming the CA, the https JWKS is fetched and its keys verify tokens', async () => {
  const before = idp.fetches();
  const server = await startServer(env({ JWT_JWKS_CA_FILE: ca.caFile }));
  try {
    assert.equal(idp.fetches(), before + 1, 'fetched at start-up');
    const token = await mint(keys, { sub: '4567' });
    const r = await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(token) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, ORDER_BODY);
  } finally {
    await server.stop();
  }
});

for (const [what, extra] of [
  ['libcurl\'s default bundle (no JWT_JWKS_CA_FILE)', {}],
  ['a CA file of another CA', () => ({ JWT_JWKS_CA_FILE: otherCa.caFile })],
]) {
  test(`with ${what}, the certificate is refused, the failure logged, and tokens are refused`, async () => {
    const server = await startServer(env(typeof extra === 'function' ? extra() : extra));
    try {
      const token = await mint(keys, { sub: '4567' });
      const r = await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(token) });
      assert.equal(r.status, 401, r.text);
      const failure = server.stderrLines.find((l) => l.includes('JWT_JWKS_URL fetch failed'));
      assert.ok(failure, server.stderrLines.join('\n'));
      assert.match(failure, /certificate/i, 'the failure is the certificate, not the network');
    } finally {
      await server.stop();
    }
  });
}

test('a JWT_JWKS_CA_FILE that cannot be read: exit 2 naming it', async () => {
  const r = await runGqld(['serve'], { GQLD_LISTEN: '127.0.0.1:0', ...env({ JWT_JWKS_CA_FILE: '/nonexistent/ca.pem' }) }, { timeoutMs: 20000 });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /JWT_JWKS_CA_FILE "\/nonexistent\/ca\.pem": No such file/);
});
