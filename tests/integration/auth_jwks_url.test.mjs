// JWT_JWKS_URL: the key set is fetched at start-up, refreshed periodically and
// on an unknown kid (at most once per JWT_JWKS_MIN_REFRESH_SECONDS), by a
// background thread. A small HTTP server on loopback serves the JWKS and
// counts the fetches.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import { assertCleanExit, createSeededDatabase, graphql, parseJsonLine, pollUntil, sleep, startServer } from './lib.mjs';
import { bearer, jwtEnv, makeKeys, mint, weakRsaJwk } from './auth_keys.mjs';

let db;
let keys;
let rotated; // a second RS256 key, published later
let jwks;
let status = 200;
let fetches = 0;
let idp;
let url;

const ORDER_QUERY = '{ Order(customerId: "4567") { orderId } }';
const ORDER_BODY = '{"data":{"Order":[{"orderId":"52"}]}}';

before(async () => {
  keys = await makeKeys();
  rotated = await generateKeyPair('RS256', { extractable: true });
  jwks = { keys: [keys.rsaJwk] };
  idp = http.createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    fetches++;
    res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? JSON.stringify(jwks) : 'oops');
  });
  await new Promise((resolve) => idp.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${idp.address().port}/.well-known/jwks.json`;
  db = await createSeededDatabase('gqld_auth_jwks');
});

after(async () => {
  await new Promise((resolve) => idp?.close(resolve));
  if (db) await db.drop();
});

function urlEnv(extra = {}) {
  return { DATABASE_URL: db.url, ...jwtEnv(keys), JWT_JWKS_FILE: '', JWT_JWKS_URL: url, ...extra };
}

test('fetched once at start-up, not per request; a new kid is fetched on demand, rate limited', async () => {
  jwks = { keys: [keys.rsaJwk] };
  fetches = 0;
  const server = await startServer(urlEnv({ JWT_JWKS_MIN_REFRESH_SECONDS: 2 }));
  try {
    assert.equal(fetches, 1, 'the start-up fetch');
    const token = await mint(keys, { sub: '4567' });
    for (let i = 0; i < 10; i++) assert.equal((await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(token) })).text, ORDER_BODY);
    assert.equal(fetches, 1, 'no fetch per request');

    // The provider rotates: a key with a new kid appears; tokens signed with it arrive.
    jwks = { keys: [keys.rsaJwk, { ...(await exportJWK(rotated.publicKey)), kid: 'rsa-2', alg: 'RS256', use: 'sig' }] };
    const fresh = await mint(keys, { sub: '4567' }, { kid: 'rsa-2', key: rotated.privateKey });
    const first = await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(fresh) });
    assert.equal(first.status, 401, 'refused until the refresh lands (the request never waits on the network)');
    await pollUntil(async () => (await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(fresh) })).text === ORDER_BODY, {
      timeoutMs: 10000,
      what: 'the rotated key to be accepted',
    });
    const afterRotation = fetches;
    assert.ok(afterRotation >= 2 && afterRotation <= 3, `fetches after the rotation: ${afterRotation}`);

    // A stream of made-up kids cannot turn into a stream of fetches.
    const started = Date.now();
    const forged = await mint(keys, { sub: '4567' }, { kid: 'forged', key: keys.stranger.privateKey });
    for (let i = 0; i < 50; i++) assert.equal((await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(forged) })).status, 401);
    await sleep(500);
    const seconds = (Date.now() - started) / 1000;
    const allowed = Math.ceil(seconds / 2) + 1;
    assert.ok(fetches - afterRotation <= allowed, `${fetches - afterRotation} fetches in ${seconds} s for 50 unknown kids (at most ${allowed})`);
    // Both keys keep working.
    assert.equal((await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(token) })).text, ORDER_BODY);
    assert.equal((await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(fresh) })).text, ORDER_BODY);
  } finally {
    assertCleanExit(server, await server.stop(), 'gqld exits 0 (the key fetcher stops; no leak)');
  }
});

test('refreshed every JWT_JWKS_REFRESH_SECONDS; a removed key stops working', async () => {
  jwks = { keys: [keys.rsaJwk] };
  fetches = 0;
  const server = await startServer(urlEnv({ JWT_JWKS_REFRESH_SECONDS: 1, JWT_JWKS_MIN_REFRESH_SECONDS: 1 }));
  try {
    const token = await mint(keys, { sub: '4567' });
    assert.equal((await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(token) })).text, ORDER_BODY);
    await pollUntil(() => fetches >= 3, { timeoutMs: 10000, what: 'periodic fetches' });
    jwks = { keys: [keys.ecJwk] }; // the RSA key is withdrawn
    await pollUntil(async () => (await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(token) })).status === 401, {
      timeoutMs: 10000,
      what: 'the withdrawn key to be refused',
    });
    const ec = await mint(keys, { sub: '4567' }, { alg: 'ES256' });
    assert.equal((await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(ec) })).text, ORDER_BODY);
  } finally {
    assertCleanExit(server, await server.stop(), 'gqld exits 0 (the key fetcher stops; no leak)');
  }
});

test('a failed fetch keeps the previous keys; a failed start-up fetch is retried', async () => {
  jwks = { keys: [keys.rsaJwk] };
  status = 503;
  fetches = 0;
  const server = await startServer(urlEnv({ JWT_JWKS_MIN_REFRESH_SECONDS: 1, JWT_JWKS_REFRESH_SECONDS: 1 }));
  try {
    const token = await mint(keys, { sub: '4567' });
    assert.equal((await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(token) })).status, 401, 'no keys yet');
    await pollUntil(() => server.stderrLines.some((l) => /JWT_JWKS_URL fetch failed/.test(l)), { what: 'the fetch error in the log' });
    status = 200;
    await pollUntil(async () => (await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(token) })).text === ORDER_BODY, {
      timeoutMs: 10000,
      what: 'the retried fetch',
    });
    status = 500; // the provider fails again: the keys already fetched stay
    const failing = fetches;
    await pollUntil(() => fetches >= failing + 2, { timeoutMs: 10000, what: 'failed refreshes' });
    assert.equal((await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(token) })).text, ORDER_BODY);
  } finally {
    status = 200;
    assertCleanExit(server, await server.stop(), 'gqld exits 0 (the key fetcher stops; no leak)');
  }
});

test('a fetched set with a key under 2048 bits keeps its good keys; the weak one is skipped with a warning', async () => {
  jwks = { keys: [weakRsaJwk('weak-1'), keys.rsaJwk] };
  status = 200;
  const server = await startServer(urlEnv());
  try {
    const token = await mint(keys, { sub: '4567' });
    assert.equal((await graphql(server.url, ORDER_QUERY, undefined, { headers: bearer(token) })).text, ORDER_BODY);
    const warning = server.stderrLines.map(parseJsonLine).find((l) => l?.msg?.startsWith('JWKS key skipped'));
    assert.equal(warning?.kid, 'weak-1', server.stderrLines.join('\n'));
    assert.equal(warning.setting, 'JWT_JWKS_URL');
    assert.ok(!server.stderrLines.some((l) => /fetch failed/.test(l)), 'the set is not refused whole');
  } finally {
    jwks = { keys: [keys.rsaJwk] };
    assertCleanExit(server, await server.stop());
  }
});
