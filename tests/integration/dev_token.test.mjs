// ./dev token, as the README shows it next to the Order example: a development JWT minted by
// the documented command (Node's crypto, a local RSA key under .dev/jwt/), and a gqld started
// with exactly the settings the command prints, which must then serve that customer's orders
// (and an admin's token everyone's), with the default AUTH_MODE=jwt.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, assertCleanExit, createSeededDatabase, graphql, run, startServer } from './lib.mjs';

const DEV = path.join(ROOT, 'dev');
const ORDERS = '{ Order(customerId: "4567") { orderId orderRef } }';
const ORDERS_BODY = '{"data":{"Order":[{"orderId":"52","orderRef":123123}]}}';

let db;
before(async () => {
  db = await createSeededDatabase('gqld_dev_token');
});
after(async () => {
  await db?.drop();
});

// Runs ./dev token ARGS: the token (stdout) and the settings it prints (stderr's indented line).
async function token(...args) {
  const r = await run(DEV, ['token', ...args], { env: { ...process.env } });
  assert.equal(r.code, 0, r.stderr);
  const line = r.stderr.split('\n').find((l) => l.startsWith('  JWT_JWKS_FILE='));
  assert.ok(line, `the settings on stderr: ${r.stderr}`);
  const settings = Object.fromEntries(line.trim().split(/ +/).map((kv) => kv.split('=')));
  return { token: r.stdout.trim(), settings, stderr: r.stderr };
}

test('./dev token --customer 4567 and --admin: a gqld started with the printed settings serves them', async () => {
  const customer = await token('--customer', '4567');
  assert.match(customer.token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  assert.deepEqual(Object.keys(customer.settings), ['JWT_JWKS_FILE', 'JWT_ISSUER', 'JWT_AUDIENCE']);
  assert.equal(customer.settings.JWT_JWKS_FILE, path.join(ROOT, '.dev', 'jwt', 'jwks.json'));
  const admin = await token('--admin');
  assert.deepEqual(admin.settings, customer.settings, 'one key for every token');
  const other = await token('--customer', '1');

  // AUTH_MODE is not set: jwt, the default.
  const server = await startServer({ DATABASE_URL: db.url, ...customer.settings });
  try {
    const ask = (t) => graphql(server.url, ORDERS, undefined, { headers: { authorization: `Bearer ${t}` } });
    assert.equal((await ask(customer.token)).text, ORDERS_BODY, 'customer 4567 reads their orders');
    assert.equal((await ask(admin.token)).text, ORDERS_BODY, 'an admin reads anyone\'s');
    assert.equal((await ask(other.token)).text, '{"data":{"Order":[]}}', 'another customer reads none of them');
    assert.equal((await graphql(server.url, ORDERS)).json?.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.ok(!server.stderrLines.some((l) => /no JWT keys/.test(l)), 'keys are configured');
  } finally {
    assertCleanExit(server, await server.stop());
  }
});

test('./dev token needs to know whom the token is for', async () => {
  for (const args of [[], ['--customer', 'abc'], ['--admin', '--ttl', '0'], ['--nobody']]) {
    const r = await run(DEV, ['token', ...args], { env: { ...process.env } });
    assert.notEqual(r.code, 0, `${args.join(' ')}: ${r.stdout}`);
    assert.equal(r.stdout, '', 'no token');
    assert.match(r.stderr, /^dev: token: /m);
  }
});
