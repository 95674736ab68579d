// JWT verification end to end: tokens minted by jose (RS256, ES256, HS256)
// against gqld's verifier, and every attack the issue lists, each answered
// 401 with WWW-Authenticate and a GraphQL error body.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import { NOTEBOOK_BODY, PRODUCT_QUERY, assertCleanExit, createSeededDatabase, graphql, parseJsonLine, runGqld, startServer } from './lib.mjs';
import { AUDIENCE, ISSUER, b64url, bearer, jwtEnv, makeKeys, mint, weakRsaJwk } from './auth_keys.mjs';

let db;
let keys;
let server;

const ORDER_QUERY = '{ Order(customerId: "4567") { orderId orderRef } }';
const ORDER_BODY = '{"data":{"Order":[{"orderId":"52","orderRef":123123}]}}';

before(async () => {
  keys = await makeKeys();
  db = await createSeededDatabase('gqld_auth_jwt');
  server = await startServer({ DATABASE_URL: db.url, ...jwtEnv(keys) });
});

after(async () => {
  if (server) assertCleanExit(server, await server.stop(), 'gqld exits 0 after every attack (no leak, no crash)');
  if (db) await db.drop();
});

function ask(query, headers = {}, srv = server) {
  return graphql(srv.url, query, undefined, { headers });
}

function assertRefused(r, what) {
  assert.equal(r.status, 401, `${what}: ${r.text}`);
  const challenge = r.headers.get('www-authenticate');
  assert.match(challenge ?? '', /^Bearer error="invalid_token", error_description="[^"\\]+"$/, what);
  assert.equal(r.json?.data, undefined, `${what}: no data`);
  assert.equal(r.json?.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', `${what}: ${r.text}`);
  assert.match(r.json.errors[0].message, /^Invalid token: /);
  return challenge;
}

test('a customer token signed RS256, ES256 or HS256 reads that customer\'s orders', async () => {
  for (const alg of ['RS256', 'ES256', 'HS256']) {
    const token = await mint(keys, { sub: 'user-a', 'custom:customer_id': '4567' }, { alg });
    const r = await ask(ORDER_QUERY, bearer(token));
    assert.equal(r.status, 200, `${alg}: ${r.text}`);
    assert.equal(r.text, ORDER_BODY, alg);
  }
});

test('the bare token (no Bearer) is accepted, as API Gateway does; the scheme is case-insensitive', async () => {
  const token = await mint(keys, { sub: '4567' });
  assert.equal((await ask(ORDER_QUERY, { authorization: token })).text, ORDER_BODY);
  assert.equal((await ask(ORDER_QUERY, { authorization: `bearer   ${token}` })).text, ORDER_BODY);
});

test('sub is the customer id when the customer id claim is absent', async () => {
  const token = await mint(keys, { sub: '4567' }, { alg: 'ES256' });
  assert.equal((await ask(ORDER_QUERY, bearer(token))).text, ORDER_BODY);
});

test('no Authorization header: anonymous, products only (UNAUTHENTICATED at the private field)', async () => {
  const r = await ask(`{ Product(productId: "notebook") { productId productName price } customer(customerId: "4567") { name } }`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.data, { Product: { productId: 'notebook', productName: 'notebook_red', price: 19.99 }, customer: null });
  assert.equal(r.json.errors[0].extensions.code, 'UNAUTHENTICATED');
  assert.deepEqual(r.json.errors[0].path, ['customer']);
  assert.equal((await ask(PRODUCT_QUERY)).text, NOTEBOOK_BODY);
});

test('a valid token that maps to no customer id reads nothing private: FORBIDDEN at the path', async () => {
  const token = await mint(keys, { sub: 'not-a-number' });
  const r = await ask('{ customer(customerId: "4567") { name } Product(productId: "notebook") { price } }', bearer(token));
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.data, { customer: null, Product: { price: 19.99 } });
  assert.equal(r.json.errors[0].extensions.code, 'FORBIDDEN');
  assert.deepEqual(r.json.errors[0].path, ['customer']);
});

test('attacks: each token is refused with 401 and WWW-Authenticate', async () => {
  const now = Math.floor(Date.now() / 1000);
  const good = await mint(keys, { sub: '4567' });
  const [h, p, s] = good.split('.');
  const sig = Buffer.from(s, 'base64url');
  sig[sig.length - 1] ^= 1; // one bit flipped
  const attacks = {
    'alg none': `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${p}.`,
    'alg none with a kid': `${b64url(JSON.stringify({ alg: 'none', kid: 'rsa-1' }))}.${p}.`,
    'HS256 signed with the RSA public key as the secret': await new SignJWT({ sub: '4567', iss: ISSUER, aud: AUDIENCE, exp: now + 600 })
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .sign(new TextEncoder().encode(keys.rsaPublicPem)),
    expired: await mint(keys, { sub: '4567', exp: now - 3600, iat: now - 7200 }),
    'not yet valid': await mint(keys, { sub: '4567', nbf: now + 3600 }),
    'issued in the future': await mint(keys, { sub: '4567', iat: now + 3600 }),
    'no exp': await mint(keys, { sub: '4567', exp: undefined }),
    'wrong iss': await mint(keys, { sub: '4567', iss: 'https://evil.example.com' }),
    'no iss': await mint(keys, { sub: '4567', iss: undefined }),
    'wrong aud': await mint(keys, { sub: '4567', aud: 'another-client' }),
    'unknown kid': await mint(keys, { sub: '4567' }, { kid: 'rsa-2', key: keys.stranger.privateKey }),
    'known kid, other key': await mint(keys, { sub: '4567' }, { key: keys.stranger.privateKey }),
    'RS256 header on the EC key id': await mint(keys, { sub: '4567' }, { kid: 'ec-1' }),
    'bad signature (one bit flipped)': `${h}.${p}.${sig.toString('base64url')}`,
    truncated: good.slice(0, good.length - 12),
    'two parts': `${h}.${p}`,
    'four parts': `${good}.${s}`,
    'non-base64url signature': `${h}.${p}.${s.slice(0, -2)}+/`,
    'padded base64': `${h}=.${p}.${s}`,
    'non-base64url payload': `${h}.${p.slice(0, 10)}*${p.slice(11)}.${s}`,
    'huge header': await mint(keys, { sub: '4567' }, { header: { pad: 'x'.repeat(4000) } }),
    'exp of the wrong JSON type': await mint(keys, { sub: '4567', exp: String(now + 600) }),
    'sub of the wrong JSON type': await mint(keys, { sub: 4567 }),
    'groups of the wrong JSON type': await mint(keys, { sub: '4567', 'cognito:groups': { admin: true } }),
    'aud of the wrong JSON type': await mint(keys, { sub: '4567', aud: 7 }),
    'crit header (an extension gqld does not know)': await mint(keys, { sub: '4567' }, { header: { crit: ['x-ext'], 'x-ext': 1 }, signOptions: { crit: { 'x-ext': true } } }),
    'payload not an object': `${h}.${b64url('[1,2]')}.${s}`,
    'empty': '',
    'garbage bytes': '\u00ff\u0001...',
  };
  for (const [what, token] of Object.entries(attacks)) {
    const r = await ask(ORDER_QUERY, { authorization: `Bearer ${token}` }).catch((err) => ({ err }));
    if (r.err) {
      // fetch refuses some byte sequences in a header before sending: nothing reached gqld.
      assert.equal(what, 'garbage bytes', `${what}: ${r.err}`);
      continue;
    }
    assertRefused(r, what);
  }
  // The server is still up and well after all of it.
  assert.equal((await ask(ORDER_QUERY, bearer(good))).text, ORDER_BODY);
});

test('claim types: groups an array or one string (never split), scope a string, scp either, customer id string or integer', async () => {
  const as = async (claims) => ask(ORDER_QUERY, bearer(await mint(keys, claims)));
  // A list given as a string, as some identity providers write a single group: that one group.
  assert.equal((await as({ sub: 'boss', 'cognito:groups': 'admin' })).text, ORDER_BODY, 'the string "admin" is the admin group');
  assert.equal((await as({ sub: 'boss', 'cognito:groups': ['staff', 'admin'] })).text, ORDER_BODY);
  assert.equal((await as({ sub: '1', 'cognito:groups': 'staff' })).text, '{"data":{"Order":[]}}', 'a customer: not 4567\'s orders');
  assert.equal((await as({ sub: 'x', 'custom:customer_id': 4567 })).text, ORDER_BODY, 'an integer customer id');
  assert.equal((await as({ sub: '4567', scp: 'orders:read' })).text, ORDER_BODY, 'scp as a string');
  assert.equal((await as({ sub: '4567', scp: ['orders:read'] })).text, ORDER_BODY, 'scp as an array');
  // Anything else makes the token invalid: never guessed at (a split "Domain Admins" would make "Admins").
  for (const [what, claims] of Object.entries({
    'groups as one string holding two': { sub: '1', 'cognito:groups': 'admin,staff' },
    'a group name with a space': { sub: '1', 'cognito:groups': ['Domain admin'] },
    'groups a number': { sub: '1', 'cognito:groups': 7 },
    'groups with a non-string entry': { sub: '1', 'cognito:groups': ['admin', 7] },
    'scope as an array': { sub: '4567', scope: ['orders:read'] },
    'scp a number': { sub: '4567', scp: 1 },
    'a negative customer id': { sub: 'x', 'custom:customer_id': -1 },
    'a customer id object': { sub: 'x', 'custom:customer_id': { id: 4567 } },
  })) {
    const r = await as(claims);
    assertRefused(r, what);
    assert.match(r.json.errors[0].message, /claim/, what);
  }
});

test('the error description says why; two Authorization headers are refused', async () => {
  const now = Math.floor(Date.now() / 1000);
  const expired = await mint(keys, { sub: '4567', exp: now - 3600 });
  assert.match(assertRefused(await ask(ORDER_QUERY, bearer(expired)), 'expired'), /expired/);
  const wrongAud = await mint(keys, { sub: '4567', aud: 'x' });
  assert.match(assertRefused(await ask(ORDER_QUERY, bearer(wrongAud)), 'aud'), /audience/);
  const r = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: [['content-type', 'application/json'], ['authorization', `Bearer ${await mint(keys, { sub: '4567' })}`], ['authorization', 'Bearer x']],
    body: JSON.stringify({ query: ORDER_QUERY }),
  });
  assert.equal(r.status, 401, await r.text());
});

test('an invalid token is 401 under application/graphql-response+json too, and over GET', async () => {
  const r = await graphql(server.url, ORDER_QUERY, undefined, {
    headers: { authorization: 'Bearer nope', accept: 'application/graphql-response+json' },
  });
  assert.equal(r.status, 401);
  assert.match(r.headers.get('content-type'), /application\/graphql-response\+json/);
  const g = await fetch(`${server.url}/graphql?query=${encodeURIComponent(ORDER_QUERY)}`, { headers: { authorization: 'Bearer a.b.c' } });
  assert.equal(g.status, 401);
  assert.match(g.headers.get('www-authenticate'), /invalid_token/);
});

test('leeway: a token expired within JWT_LEEWAY_SECONDS is still accepted', async () => {
  const now = Math.floor(Date.now() / 1000);
  const justExpired = await mint(keys, { sub: '4567', exp: now - 5 });
  assert.equal((await ask(ORDER_QUERY, bearer(justExpired))).text, ORDER_BODY); // default leeway 30 s
  const strict = await startServer({ DATABASE_URL: db.url, ...jwtEnv(keys), JWT_LEEWAY_SECONDS: 0 });
  try {
    assertRefused(await ask(ORDER_QUERY, bearer(justExpired), strict), 'leeway 0');
  } finally {
    await strict.stop();
  }
});

test('JWT_ALGORITHMS: an algorithm not listed is refused even with a valid signature', async () => {
  const rsOnly = await startServer({ DATABASE_URL: db.url, ...jwtEnv(keys), JWT_ALGORITHMS: 'RS256', JWT_HS256_SECRET_FILE: '' });
  try {
    assert.equal((await ask(ORDER_QUERY, bearer(await mint(keys, { sub: '4567' })), rsOnly)).text, ORDER_BODY);
    for (const alg of ['ES256', 'HS256']) {
      const challenge = assertRefused(await ask(ORDER_QUERY, bearer(await mint(keys, { sub: '4567' }, { alg })), rsOnly), alg);
      assert.match(challenge, /algorithm/);
    }
  } finally {
    await rsOnly.stop();
  }
});

test('audience: client_id counts like aud (API Gateway\'s rule)', async () => {
  const token = await mint(keys, { sub: '4567', aud: undefined, client_id: AUDIENCE });
  assert.equal((await ask(ORDER_QUERY, bearer(token))).text, ORDER_BODY);
  const list = await mint(keys, { sub: '4567', aud: ['other', AUDIENCE] });
  assert.equal((await ask(ORDER_QUERY, bearer(list))).text, ORDER_BODY);
});

test('Cognito mode: token_use decides, client id from client_id (access) or aud (id)', async () => {
  const cognito = await startServer({ DATABASE_URL: db.url, ...jwtEnv(keys), JWT_COGNITO: 'on', JWT_COGNITO_TOKEN_USE: 'access,id' });
  const accessOnly = await startServer({ DATABASE_URL: db.url, ...jwtEnv(keys), JWT_COGNITO: 'on' });
  try {
    const access = await mint(keys, { sub: '4567', aud: undefined, client_id: AUDIENCE, token_use: 'access' });
    const id = await mint(keys, { sub: '4567', aud: AUDIENCE, token_use: 'id' });
    assert.equal((await ask(ORDER_QUERY, bearer(access), cognito)).text, ORDER_BODY);
    assert.equal((await ask(ORDER_QUERY, bearer(id), cognito)).text, ORDER_BODY);
    assert.equal((await ask(ORDER_QUERY, bearer(access), accessOnly)).text, ORDER_BODY);
    assertRefused(await ask(ORDER_QUERY, bearer(id), accessOnly), 'id token when only access is allowed');
    // An access token's client id must be in client_id, not aud.
    const misplaced = await mint(keys, { sub: '4567', aud: AUDIENCE, token_use: 'access' });
    assertRefused(await ask(ORDER_QUERY, bearer(misplaced), cognito), 'access token with aud only');
    assertRefused(await ask(ORDER_QUERY, bearer(await mint(keys, { sub: '4567' })), cognito), 'no token_use');
    assertRefused(await ask(ORDER_QUERY, bearer(await mint(keys, { sub: '4567', token_use: 'refresh' })), cognito), 'token_use refresh');
  } finally {
    await Promise.all([cognito.stop(), accessOnly.stop()]);
  }
});

test('JWT_REQUIRED_SCOPES: a type whose scope the token lacks is FORBIDDEN (scope or scp)', async () => {
  const scoped = await startServer({
    DATABASE_URL: db.url,
    ...jwtEnv(keys),
    JWT_REQUIRED_SCOPES: 'Order=orders:read Order=orders:all Customer=customers:read',
  });
  try {
    const q = '{ Order(customerId: "4567") { orderId } }';
    const none = await ask(q, bearer(await mint(keys, { sub: '4567' })), scoped);
    assert.equal(none.json.data, null);
    assert.equal(none.json.errors[0].extensions.code, 'FORBIDDEN');
    const withScope = await ask(q, bearer(await mint(keys, { sub: '4567', scope: 'openid orders:read' })), scoped);
    assert.equal(withScope.text, '{"data":{"Order":[{"orderId":"52"}]}}');
    const withScp = await ask(q, bearer(await mint(keys, { sub: '4567', scp: ['orders:all'] })), scoped);
    assert.equal(withScp.text, '{"data":{"Order":[{"orderId":"52"}]}}');
    // Nested: the customer is allowed, its orders are not. The error is at the field that lacked the
    // scope, with its location; orders is [Order!]!, so its null nulls the (nullable) customer.
    const customerOnly = bearer(await mint(keys, { sub: '4567', scope: 'customers:read' }));
    const cq = '{ customer(customerId: "4567") { name orders { orderId } } }';
    assert.equal((await ask(cq, customerOnly, scoped)).text,
      '{"errors":[{"message":"Not allowed to read this field.","locations":[{"line":1,"column":' +
      `${cq.indexOf('orders') + 1}}],"path":["customer","orders"],"extensions":{"code":"FORBIDDEN"}}],` +
      '"data":{"customer":null}}');
    // Below a list: at the item's index (one error: the first null nulls the list, and Order's root).
    const oq = '{ Order(customerId: "4567") { orderId customer { name } } }';
    const nested = await ask(oq, bearer(await mint(keys, { sub: '4567', scope: 'orders:read' })), scoped);
    assert.equal(nested.text,
      '{"errors":[{"message":"Not allowed to read this field.","locations":[{"line":1,"column":' +
      `${oq.indexOf('customer {') + 1}}],"path":["Order",0,"customer"],"extensions":{"code":"FORBIDDEN"}}],` +
      '"data":null}');
    // Admins need the scope too; products have no rule.
    const admin = await ask('{ Order(customerId: "4567") { orderId } Product(productId: "notebook") { price } }',
      bearer(await mint(keys, { sub: 'boss', 'cognito:groups': ['admin'] })), scoped);
    assert.equal(admin.json.errors[0].extensions.code, 'FORBIDDEN');
    assert.deepEqual(admin.json.errors[0].path, ['Order']);
  } finally {
    await scoped.stop();
  }
});

test('settings: bad values stop start-up with status 2, naming the setting', async () => {
  const cases = [
    [{ JWT_ALGORITHMS: 'RS256,none' }, /JWT_ALGORITHMS/],
    [{ JWT_ALGORITHMS: 'HS256', JWT_HS256_SECRET_FILE: '' }, /JWT_HS256_SECRET_FILE/],
    [{ JWT_JWKS_FILE: path.join(keys.dir, 'missing.json') }, /JWT_JWKS_FILE/],
    [{ JWT_JWKS_URL: 'http://127.0.0.1:1/jwks' }, /JWT_JWKS_FILE and JWT_JWKS_URL/],
    [{ JWT_COGNITO_TOKEN_USE: 'refresh' }, /JWT_COGNITO_TOKEN_USE/],
    [{ JWT_REQUIRED_SCOPES: 'Order' }, /JWT_REQUIRED_SCOPES/],
    [{ AUTH_MODE: 'sometimes' }, /AUTH_MODE/],
  ];
  const short = path.join(keys.dir, 'short.secret');
  writeFileSync(short, 'too short');
  cases.push([{ JWT_HS256_SECRET_FILE: short }, /at least 32/]);
  const broken = path.join(keys.dir, 'broken.json');
  writeFileSync(broken, JSON.stringify({ keys: [{ kty: 'RSA', kid: 'x', n: 'AQAB', e: 'AQAB' }] }));
  cases.push([{ JWT_JWKS_FILE: broken }, /2048/]);
  for (const [env, message] of cases) {
    const r = await runGqld(['serve'], { DATABASE_URL: db.url, ...jwtEnv(keys), ...env });
    assert.equal(r.code, 2, `${JSON.stringify(env)}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('a JWKS file with a key under 2048 bits among good ones: that key is skipped with a warning, the others serve', async () => {
  const mixed = path.join(keys.dir, 'mixed.json');
  writeFileSync(mixed, JSON.stringify({ keys: [keys.rsaJwk, weakRsaJwk('weak-1'), keys.ecJwk] }));
  const srv = await startServer({ DATABASE_URL: db.url, ...jwtEnv(keys), JWT_JWKS_FILE: mixed });
  try {
    const warnings = srv.stderrLines.map(parseJsonLine).filter((l) => l?.msg?.startsWith('JWKS key skipped'));
    assert.equal(warnings.length, 1, srv.stderrLines.join('\n'));
    assert.equal(warnings[0].level, 'warn');
    assert.equal(warnings[0].kid, 'weak-1');
    assert.equal(warnings[0].setting, 'JWT_JWKS_FILE');
    assert.match(warnings[0].detail, /shorter than 2048 bits/);
    for (const alg of ['RS256', 'ES256']) {
      const r = await ask(ORDER_QUERY, bearer(await mint(keys, { sub: '4567' }, { alg })), srv);
      assert.equal(r.text, ORDER_BODY, alg);
    }
    // A token naming the skipped key is refused like one naming no key at all.
    assertRefused(await ask(ORDER_QUERY, bearer(await mint(keys, { sub: '4567' }, { kid: 'weak-1' })), srv), 'weak kid');
  } finally {
    assertCleanExit(srv, await srv.stop());
  }
});

test('AUTH_MODE=jwt without any key: a warning at start-up, every token refused, anonymous still served', async () => {
  const bare = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'jwt' });
  try {
    assert.equal(bare.stderrLines.filter((l) => /no JWT keys/.test(l)).length, 1);
    assert.match(bare.stderrLines.find((l) => /no JWT keys/.test(l)), /\.\/dev token/, 'a hint for development');
    assertRefused(await ask(ORDER_QUERY, bearer(await mint(keys, { sub: '4567' })), bare), 'no keys');
    assert.equal((await ask(PRODUCT_QUERY, {}, bare)).text, NOTEBOOK_BODY);
  } finally {
    assertCleanExit(bare, await bare.stop());
  }
});

test('a 401 carries the CORS headers, so a page of a listed origin can read why', async () => {
  const cors = await startServer({ DATABASE_URL: db.url, ...jwtEnv(keys), GQLD_CORS_ORIGINS: 'http://app.example.com' });
  try {
    const r = await ask(ORDER_QUERY, { authorization: 'Bearer nope', origin: 'http://app.example.com' }, cors);
    assertRefused(r, 'cors');
    assert.equal(r.headers.get('access-control-allow-origin'), 'http://app.example.com');
  } finally {
    assertCleanExit(cors, await cors.stop());
  }
});
