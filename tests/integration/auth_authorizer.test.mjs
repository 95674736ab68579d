// `gqld authorizer`: the API Gateway Lambda authorizer from the same
// verification, fed the event examples of the AWS documentation
// (tests/fixtures/auth) with tokens jose minted; exact response shapes out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { GQLD_BIN, ROOT, childEnv, run } from './lib.mjs';
import { jwtEnv, makeKeys, mint } from './auth_keys.mjs';

const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'auth');
let keys;

before(async () => {
  keys = await makeKeys();
});

after(() => {
  if (keys) rmSync(keys.dir, { recursive: true, force: true });
});

function event(name, token) {
  return readFileSync(path.join(FIXTURES, name), 'utf8').replaceAll('{caller-supplied-token}', token);
}

async function authorize(input, env = {}) {
  // No DATABASE_URL: the authorizer needs none.
  const r = await run(GQLD_BIN, ['authorizer'], { env: childEnv({ ...jwtEnv(keys), AUTH_MODE: 'gateway', ...env }), input });
  return { ...r, json: r.code === 0 ? JSON.parse(r.stdout) : undefined };
}

const TOKEN_ARN = 'arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/';
const REQUEST_ARN = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request';

function policy(principalId, effect, resource, context) {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    context,
  };
}

test('REST TOKEN event (the bare token): a customer token is allowed, with its principal in the context', async () => {
  const token = await mint(keys, { sub: 'alice', 'custom:customer_id': '4567', scope: 'orders:read openid' });
  const r = await authorize(event('rest-token-event.json', token));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    r.json,
    policy('alice', 'Allow', TOKEN_ARN, { sub: 'alice', 'custom:customer_id': '4567', scope: 'orders:read openid', role: 'customer' }),
  );
  // Context values are strings, numbers or booleans only (API Gateway refuses objects and arrays).
  for (const v of Object.values(r.json.context)) assert.ok(['string', 'number', 'boolean'].includes(typeof v));
});

test('REST TOKEN event ("Bearer <token>"): an admin token (ES256) is allowed with its groups', async () => {
  const token = await mint(keys, { sub: 'root', 'cognito:groups': ['staff', 'admin'] }, { alg: 'ES256' });
  const r = await authorize(event('rest-token-event.json', `Bearer ${token}`));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json, policy('root', 'Allow', TOKEN_ARN, { sub: 'root', 'custom:customer_id': 'root', 'cognito:groups': 'staff,admin', role: 'admin' }));
});

test('REST REQUEST event: the Authorization header is the identity source', async () => {
  const token = await mint(keys, { sub: '910002' }, { alg: 'HS256' });
  const r = await authorize(event('rest-request-event.json', token));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.json, policy('910002', 'Allow', REQUEST_ARN, { sub: '910002', 'custom:customer_id': '910002', role: 'customer' }));
});

test('a valid token that maps to no customer and no admin group gets Effect Deny', async () => {
  const token = await mint(keys, { sub: 'nobody-in-particular' });
  const r = await authorize(event('rest-token-event.json', token));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.policyDocument.Statement[0].Effect, 'Deny');
  assert.equal(r.json.principalId, 'nobody-in-particular');
});

test('an invalid or missing token is the Lambda error "Unauthorized"', async () => {
  const now = Math.floor(Date.now() / 1000);
  const expired = await mint(keys, { sub: '4567', exp: now - 3600 });
  for (const input of [
    event('rest-token-event.json', expired),
    event('rest-token-event.json', 'not.a.token'),
    event('rest-request-event.json', `${expired}x`),
    JSON.stringify({ ...JSON.parse(event('rest-request-event.json', 'x')), headers: {}, multiValueHeaders: {} }),
  ]) {
    const r = await authorize(input);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, 'Unauthorized\n');
  }
});

test('HTTP API payload 2.0: the simple response', async () => {
  const token = await mint(keys, { sub: 'alice', 'custom:customer_id': '4567' }, { alg: 'ES256' });
  const ok = await authorize(event('http-v2-request-event.json', token));
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(ok.json, { isAuthorized: true, context: { sub: 'alice', 'custom:customer_id': '4567', role: 'customer' } });
  const bad = await authorize(event('http-v2-request-event.json', `${token.slice(0, -4)}AAAA`));
  assert.equal(bad.code, 0, bad.stderr);
  assert.deepEqual(bad.json, { isAuthorized: false });
  const nobody = await authorize(event('http-v2-request-event.json', await mint(keys, { sub: 'x' })));
  assert.deepEqual(nobody.json, { isAuthorized: false });
  // No token at all: the same simple answer (API Gateway turns it into 403), never the Lambda error of 401.
  const e = JSON.parse(event('http-v2-request-event.json', 'x'));
  delete e.identitySource;
  delete e.headers.authorization;
  delete e.headers.Authorization;
  const none = await authorize(JSON.stringify(e));
  assert.equal(none.code, 0, none.stderr);
  assert.deepEqual(none.json, { isAuthorized: false });
});

test('a malformed event exits 2 with a message on stderr', async () => {
  for (const input of ['', 'not json', '[]', '{"type":"TOKEN"}', '{"type":"OTHER","methodArn":"x"}', '\u0000\u00ff']) {
    const r = await authorize(input);
    assert.equal(r.code, 2, `${JSON.stringify(input)}: ${r.stdout}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /gqld authorizer: /);
  }
});

test('required scopes stay gqld\'s to apply per field: a customer token without them is still allowed', async () => {
  const token = await mint(keys, { sub: '4567' });
  const r = await authorize(event('rest-token-event.json', token), { JWT_REQUIRED_SCOPES: 'Order=orders:read' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.policyDocument.Statement[0].Effect, 'Allow');
});
