// {"gqld":"migrate"} under the Lambda front door: the function applies the
// built-in migrations to DATABASE_URL from where it runs (in AWS: inside the
// VPC, where no operator host reaches), as infra/aws/deploy.sh invokes it after
// a deploy. Driven through the Runtime API emulator like lambda.test.mjs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';

import { GQLD_BIN, PRODUCT_QUERY, childEnv, createDatabase, databaseUrlFor, migrationFiles, psql, uniqueName, withTimeout } from './lib.mjs';
import { RuntimeEmulator } from './lambda_emulator.mjs';

let db;
let emulator; // one per function process: a dead process's pending GET next would swallow the next event

before(async () => {
  db = await createDatabase('gqld_lambda_migrate'); // empty: no tables yet
});

after(async () => {
  await emulator?.close();
  await db?.drop();
});

async function startLambda(env) {
  await emulator?.close();
  emulator = new RuntimeEmulator();
  await emulator.start();
  const child = spawn(GQLD_BIN, [], {
    env: childEnv({ AWS_LAMBDA_RUNTIME_API: emulator.address, _HANDLER: 'graphql', DB_POOL_SIZE: 1, MEMCACHED_SERVERS: '', ...env }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, exited, stderr: () => stderr };
}

const invoke = (event, lambda) => withTimeout(emulator.invoke(event), 30000,
  () => { throw new Error(`no answer; stderr:\n${lambda.stderr()}`); });

test('{"gqld":"migrate"} applies the migrations once; a second one finds nothing to do; API events still work', async () => {
  const lambda = await startLambda({ DATABASE_URL: db.url });
  try {
    const first = await invoke({ gqld: 'migrate' }, lambda);
    assert.equal(first.kind, 'response', first.body);
    const answer = JSON.parse(first.body);
    assert.equal(answer.command, 'migrate');
    assert.equal(answer.ok, true);
    const files = migrationFiles();
    assert.match(answer.output, new RegExp(`applied ${files.length} of ${files.length} migrations`), answer.output);
    assert.equal(await psql('SELECT count(*) FROM schema_migrations', { url: db.url }), String(files.length));

    const again = JSON.parse((await invoke({ gqld: 'migrate' }, lambda)).body);
    assert.match(again.output, /database is up to date/);

    // The same process goes on serving API Gateway events against the tables it made (empty: no product).
    const r = await invoke({
      version: '2.0', rawPath: '/graphql', rawQueryString: '', headers: { 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST' }, requestId: 'after-migrate', stage: '$default' },
      body: JSON.stringify({ query: PRODUCT_QUERY }), isBase64Encoded: false,
    }, lambda);
    assert.equal(r.kind, 'response', r.body);
    assert.equal(JSON.parse(r.body).body, '{"data":{"Product":null}}');

    const unknown = await invoke({ gqld: 'drop-everything' }, lambda);
    assert.equal(unknown.kind, 'error');
    assert.equal(JSON.parse(unknown.body).errorType, 'Gqld.UnknownCommand');
    assert.equal(unknown.headers['lambda-runtime-function-error-type'], 'Gqld.UnknownCommand');
  } finally {
    lambda.child.kill('SIGTERM');
    assert.deepEqual(await lambda.exited, { code: 0, signal: null }, lambda.stderr());
  }
});

test('a migration that cannot run is the Lambda error Gqld.MigrateFailed, and the function lives on', async () => {
  const lambda = await startLambda({ DATABASE_URL: databaseUrlFor(uniqueName('gqld_no_such_db')) });
  try {
    const r = await invoke({ gqld: 'migrate' }, lambda);
    assert.equal(r.kind, 'error', r.body);
    const e = JSON.parse(r.body);
    assert.equal(e.errorType, 'Gqld.MigrateFailed');
    assert.match(e.errorMessage, /does not exist/);
    const health = await invoke({
      version: '2.0', rawPath: '/healthz', rawQueryString: '', headers: {},
      requestContext: { http: { method: 'GET' }, requestId: 'health', stage: '$default' }, isBase64Encoded: false,
    }, lambda);
    assert.equal(JSON.parse(health.body).statusCode, 200);
  } finally {
    lambda.child.kill('SIGTERM');
    await lambda.exited;
  }
});
