// _HANDLER=authorizer under the Lambda Runtime API: the authorizer of the auth
// module (server/auth/authorizer.h) answers API Gateway authorizer events
// through the same Runtime API loop. Tokens are HS256, signed here with Node's
// crypto (an implementation independent of gqld's).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

import { GQLD_BIN, ROOT, childEnv, withTimeout } from './lib.mjs';
import { RuntimeEmulator } from './lambda_emulator.mjs';

const b64url = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function hs256(secret, claims) {
  const head = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

test('_HANDLER=authorizer answers TOKEN events: Allow for a valid token, "Unauthorized" otherwise', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gqld-authz-'));
  const secret = 'a-test-secret-of-at-least-32-bytes-long!';
  writeFileSync(path.join(dir, 'secret'), secret);
  const emulator = new RuntimeEmulator();
  await emulator.start();
  const child = spawn(GQLD_BIN, [], {
    env: childEnv({
      AWS_LAMBDA_RUNTIME_API: emulator.address, _HANDLER: 'authorizer',
      JWT_ALGORITHMS: 'HS256', JWT_HS256_SECRET_FILE: path.join(dir, 'secret'),
      JWT_ISSUER: 'https://issuer.test', JWT_AUDIENCE: 'gqld',
    }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  try {
    const event = JSON.parse(readFileSync(path.join(ROOT, 'tests/fixtures/lambda/authorizer-token-doc.json'), 'utf8'));
    const now = Math.floor(Date.now() / 1000);
    const token = hs256(secret, { sub: '4567', iss: 'https://issuer.test', aud: 'gqld', iat: now, exp: now + 300 });
    const first = emulator.invoke({ ...event, authorizationToken: `Bearer ${token}` });
    const outcome = await withTimeout(Promise.race([first.then((r) => ({ r })), emulator.initError().then((e) => ({ e }))]),
      15000, () => ({ timeout: true }));
    assert.ok(!outcome.timeout, `no answer; stderr:\n${stderr}`);
    assert.ok(outcome.r, `init error: ${outcome.e?.body}`);
    assert.equal(outcome.r.kind, 'response', outcome.r.body);
    const allow = JSON.parse(outcome.r.body);
    assert.equal(allow.principalId, '4567');
    assert.equal(allow.policyDocument.Version, '2012-10-17');
    assert.equal(allow.policyDocument.Statement[0].Effect, 'Allow');

    const bad = await emulator.invoke({ ...event, authorizationToken: `Bearer ${token.slice(0, -2)}xx` });
    assert.equal(bad.kind, 'error');
    assert.equal(JSON.parse(bad.body).errorMessage, 'Unauthorized');

    const malformed = await emulator.invoke('{"type":');
    assert.equal(malformed.kind, 'error');
    assert.notEqual(JSON.parse(malformed.body).errorMessage, 'Unauthorized');
  } finally {
    child.kill('SIGTERM');
    await exited;
    await emulator.close();
  }
});
