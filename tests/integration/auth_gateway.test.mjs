// AUTH_MODE=gateway: the principal comes from what API Gateway forwards after
// its authorizer (X-Gqld-Authorizer with requestContext.authorizer, in each of
// its documented shapes, or the mapped X-Authorizer-* headers), never from a
// token; a request with neither is refused with 401.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GQLD_BIN, NOTEBOOK_BODY, PRODUCT_QUERY, ROOT, childEnv, createSeededDatabase, graphql, psql, run, startServer } from './lib.mjs';
import { jwtEnv, makeKeys, mint } from './auth_keys.mjs';

const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'auth');
let db;
let server;
let scoped;
let keys;

const A_ORDERS = '{ Order(customerId: "4567") { orderId } }';
const A_BODY = '{"data":{"Order":[{"orderId":"52"}]}}';
const B_ORDERS = '{ Order(customerId: "910002") { orderId } }';
const B_BODY = '{"data":{"Order":[{"orderId":"910100"}]}}';

before(async () => {
  keys = await makeKeys();
  db = await createSeededDatabase('gqld_auth_gateway');
  await psql(`INSERT INTO customers (customer_id, name, email) VALUES (910002, 'Customer B', 'b@example.com');
              INSERT INTO orders (order_id, order_ref, customer_id, created_at) VALUES (910100, 910100, 910002, now());`, { url: db.url });
  [server, scoped] = await Promise.all([
    startServer({ DATABASE_URL: db.url, AUTH_MODE: 'gateway' }),
    startServer({ DATABASE_URL: db.url, AUTH_MODE: 'gateway', JWT_REQUIRED_SCOPES: 'Order=orders:read' }),
  ]);
});

after(async () => {
  await Promise.all([server?.stop(), scoped?.stop()]);
  if (db) await db.drop();
});

const fixture = (name) => JSON.stringify(JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')));
const ask = (query, headers, srv = server) => graphql(srv.url, query, undefined, { headers });

test('X-Gqld-Authorizer in each documented shape gives the principal', async () => {
  // REST Lambda authorizer: principalId and the context keys.
  assert.equal((await ask(A_ORDERS, { 'x-gqld-authorizer': fixture('context-rest-lambda.json') })).text, A_BODY);
  // REST Cognito user pool authorizer: claims; "admin" in cognito:groups.
  const admin = await ask(`${B_ORDERS.slice(0, -1)} a: Order(customerId: "4567") { orderId } }`, { 'x-gqld-authorizer': fixture('context-rest-cognito.json') });
  assert.equal(admin.text, '{"data":{"Order":[{"orderId":"910100"}],"a":[{"orderId":"52"}]}}');
  // HTTP API JWT authorizer: jwt.claims, groups as "[a b]" (not admin), customer id claim.
  const jwt = { 'x-gqld-authorizer': fixture('context-http-jwt.json') };
  assert.equal((await ask(A_ORDERS, jwt)).text, A_BODY);
  assert.equal((await ask(B_ORDERS, jwt)).text, '{"data":{"Order":[]}}');
  // HTTP API Lambda authorizer: lambda context; sub is the customer id.
  const lambda = { 'x-gqld-authorizer': fixture('context-http-lambda.json') };
  assert.equal((await ask(B_ORDERS, lambda)).text, B_BODY);
  assert.equal((await ask(A_ORDERS, lambda)).text, '{"data":{"Order":[]}}');
});

test('the scopes of each shape count for JWT_REQUIRED_SCOPES', async () => {
  // jwt.scopes and the lambda context's scope hold orders:read; the Cognito claims hold none.
  assert.equal((await ask(A_ORDERS, { 'x-gqld-authorizer': fixture('context-http-jwt.json') }, scoped)).text, A_BODY);
  assert.equal((await ask(B_ORDERS, { 'x-gqld-authorizer': fixture('context-http-lambda.json') }, scoped)).text, B_BODY);
  const cognito = await ask(A_ORDERS, { 'x-gqld-authorizer': fixture('context-rest-cognito.json') }, scoped);
  assert.equal(cognito.json.errors[0].extensions.code, 'FORBIDDEN');
  const mapped = await ask(A_ORDERS, { 'x-authorizer-sub': '4567', 'x-authorizer-scopes': 'openid orders:read' }, scoped);
  assert.equal(mapped.text, A_BODY);
});

test('mapped headers (HTTP integrations): sub, groups, customer id', async () => {
  assert.equal((await ask(A_ORDERS, { 'x-authorizer-sub': 'alice', 'x-authorizer-customer-id': '4567' })).text, A_BODY);
  assert.equal((await ask(B_ORDERS, { 'x-authorizer-sub': 'alice', 'x-authorizer-customer-id': '4567' })).text, '{"data":{"Order":[]}}');
  assert.equal((await ask(B_ORDERS, { 'x-authorizer-sub': 'root', 'x-authorizer-groups': 'staff,admin' })).text, B_BODY);
  assert.equal((await ask(B_ORDERS, { 'x-authorizer-sub': '910002' })).text, B_BODY);
  const nobody = await ask(A_ORDERS, { 'x-authorizer-sub': 'someone' });
  assert.equal(nobody.json.errors[0].extensions.code, 'FORBIDDEN');
});

test('a request without the authorizer context is refused: 401 with a GraphQL error body', async () => {
  for (const headers of [{}, { authorization: `Bearer ${await mint(keys, { sub: '4567' })}` }]) {
    const r = await ask(PRODUCT_QUERY, headers);
    assert.equal(r.status, 401, r.text);
    assert.match(r.headers.get('www-authenticate'), /^Bearer/);
    assert.equal(r.json.data, undefined);
    assert.equal(r.json.errors[0].extensions.code, 'UNAUTHENTICATED');
  }
  // A context that is not one is refused too.
  for (const bad of ['not json', '[]', '{}', '{"iam":{"accessKey":"x"}}', '{"jwt":{"claims":{"sub":7}}}', '{"lambda":{"cognito:groups":{"a":1}}}']) {
    const r = await ask(PRODUCT_QUERY, { 'x-gqld-authorizer': bad });
    assert.equal(r.status, 401, `${bad}: ${r.text}`);
    assert.equal(r.json.errors[0].extensions.code, 'UNAUTHENTICATED');
  }
  // With a context, products are public as ever.
  assert.equal((await ask(PRODUCT_QUERY, { 'x-authorizer-sub': 'someone' })).text, NOTEBOOK_BODY);
});

test('behind gqld\'s own authorizer: its context, forwarded, maps to the same principal', async () => {
  const token = await mint(keys, { sub: 'alice', 'custom:customer_id': '4567', 'cognito:groups': ['customers'] });
  const input = readFileSync(path.join(FIXTURES, 'rest-token-event.json'), 'utf8').replace('{caller-supplied-token}', token);
  const r = await run(GQLD_BIN, ['authorizer'], { env: childEnv(jwtEnv(keys)), input });
  assert.equal(r.code, 0, r.stderr);
  const answer = JSON.parse(r.stdout);
  // What API Gateway puts in requestContext.authorizer for a REST Lambda authorizer.
  const forwarded = JSON.stringify({ principalId: answer.principalId, ...answer.context, integrationLatency: 3 });
  assert.equal((await ask(A_ORDERS, { 'x-gqld-authorizer': forwarded })).text, A_BODY);
  assert.equal((await ask(B_ORDERS, { 'x-gqld-authorizer': forwarded })).text, '{"data":{"Order":[]}}');
});
