// The Lambda front door, driven the way Lambda drives it: tests/integration/
// lambda_emulator.mjs plays the Runtime API on loopback, gqld runs with
// AWS_LAMBDA_RUNTIME_API pointing at it, and the events are the examples of the
// API Gateway documentation (tests/fixtures/lambda/), as published or with
// only path, method, headers and body changed.
//
// "Same pipeline": each answer is checked byte for byte against the response
// object built from what a gqld serving TCP answers to the same HTTP request
// (same headers, same body), in the exact shape of the payload format.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';

import {
  DATABASE_URL, GQLD_BIN, NOTEBOOK_BODY, PRODUCT_QUERY, ROOT, childEnv, createSeededDatabase, psql,
  startServer, withTimeout,
} from './lib.mjs';
import { spawn } from 'node:child_process';
import { RuntimeEmulator } from './lambda_emulator.mjs';

const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'lambda');
const fixture = (name) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));

// Starts gqld as Lambda starts a custom runtime's bootstrap: environment only.
function startLambda(emulator, env) {
  const t0 = process.hrtime.bigint();
  const child = spawn(GQLD_BIN, [], {
    env: childEnv({ AWS_LAMBDA_RUNTIME_API: emulator.address, _HANDLER: 'graphql', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, t0, exited, stderr: () => stderr };
}

// What gqld serving TCP answers to one HTTP request: status, headers in order (minus the
// ones that belong to the connection), body bytes.
function viaTcp(port, { method, path: p, headers, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: { ...headers, connection: 'close' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const list = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i].toLowerCase();
          if (!['date', 'connection', 'content-length', 'transfer-encoding', 'keep-alive'].includes(name)) {
            list.push([name, res.rawHeaders[i + 1]]);
          }
        }
        resolve({ status: res.statusCode, headers: list, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

function isUtf8Text(buf) {
  return Buffer.from(buf.toString('utf8'), 'utf8').equals(buf);
}

// The response object each payload format defines, built from an HTTP response.
function expectedObject(format, { status, headers, body }) {
  const encoded = headers.some(([n, v]) => n === 'content-encoding' && v !== 'identity');
  const b64 = encoded || !isUtf8Text(body);
  const text = b64 ? body.toString('base64') : body.toString('utf8');
  const count = (n) => headers.filter(([m]) => m === n).length;
  if (format === 'v1') {
    const single = {};
    const multi = {};
    for (const [n, v] of headers) {
      if (count(n) === 1) single[n] = v;
      else (multi[n] ??= []).push(v);
    }
    return JSON.stringify({ statusCode: status, headers: single, multiValueHeaders: multi, body: text, isBase64Encoded: b64 });
  }
  const single = {};
  const cookies = [];
  for (const [n, v] of headers) {
    if (n === 'set-cookie') cookies.push(v);
    else single[n] = single[n] === undefined ? v : `${single[n]}, ${v}`;
  }
  return JSON.stringify({ statusCode: status, headers: single, cookies, body: text, isBase64Encoded: b64 });
}

// An HTTP API (payload 2.0) event: the documented example with this request in it.
function v2Event({ method = 'POST', rawPath = '/graphql', rawQueryString = '', headers = {}, body = null, base64 = false, requestId = 'req-v2', stage = '$default' }) {
  const e = fixture('http-api-v2-doc.json');
  e.rawPath = rawPath;
  e.rawQueryString = rawQueryString;
  e.cookies = undefined;
  e.headers = headers;
  e.requestContext.http.method = method;
  e.requestContext.http.path = rawPath;
  e.requestContext.requestId = requestId;
  e.requestContext.stage = stage;
  e.body = body === null ? undefined : base64 ? Buffer.from(body).toString('base64') : body;
  e.isBase64Encoded = base64;
  return JSON.parse(JSON.stringify(e));
}

const JSON_POST = { 'content-type': 'application/json' };
// Room for one large answer (the test of a response bigger than the socket buffers), the same on both sides.
const LIMITS = { GQLD_MAX_FIELDS: 100000, GQLD_MAX_ALIASES: 100 };

describe('Lambda front door (Runtime API emulator)', () => {
  let db;
  let emulator;
  let lambda;
  let tcp;
  let initMs;

  before(async () => {
    db = await createSeededDatabase('lambda');
    emulator = new RuntimeEmulator();
    await emulator.start();
    lambda = startLambda(emulator, { DATABASE_URL: db.url, DB_POOL_SIZE: 1, MEMCACHED_SERVERS: '', ...LIMITS });
    // The cold start: the first event is queued before gqld has even asked for it.
    const first = await withTimeout(
      emulator.invoke(v2Event({ body: JSON.stringify({ query: PRODUCT_QUERY }), headers: JSON_POST, requestId: 'cold' })),
      20000, () => { throw new Error(`no answer to the first event; stderr:\n${lambda.stderr()}`); });
    initMs = Number(first.at - lambda.t0) / 1e6;
    assert.equal(first.kind, 'response', first.body);
    assert.equal(JSON.parse(JSON.parse(first.body).body).data.Product.productName, 'notebook_red');
    tcp = await startServer({ DATABASE_URL: db.url, GQLD_THREADS: 1, DB_POOL_SIZE: 1, ...LIMITS });
  });

  after(async () => {
    await tcp?.stop();
    if (lambda && lambda.child.exitCode === null) lambda.child.kill('SIGKILL');
    await emulator?.close();
    await db?.drop();
  });

  test('cold start: exec to the first response, printed (no timed assertion)', () => {
    console.log(`# init (exec to first response, database connected lazily): ${initMs.toFixed(1)} ms with ${path.basename(path.dirname(path.dirname(GQLD_BIN)))}`);
    assert.ok(initMs > 0);
    assert.equal(emulator.initErrors.length, 0);
  });

  // Sends the event through Lambda and the equivalent request over TCP; the answers must match byte for byte.
  // An id gqld generates (when the event's is not usable) is handed to the TCP request, so both carry it.
  async function same(event, format, request) {
    const r = await emulator.invoke(event);
    assert.equal(r.kind, 'response', r.body);
    const id = JSON.parse(r.body).headers['x-request-id'];
    const want = expectedObject(format, await viaTcp(tcp.port, { ...request, headers: { ...request.headers, 'x-request-id': id } }));
    assert.equal(r.body, want);
    return JSON.parse(r.body);
  }

  test('HTTP API payload 2.0, the documented example as published: 404 in the 2.0 response shape', async () => {
    const got = await same(fixture('http-api-v2-doc.json'), 'v2', {
      method: 'POST', path: '/my/path?parameter1=value1&parameter1=value2&parameter2=value',
      headers: { header1: 'value1', header2: 'value1,value2', cookie: 'cookie1; cookie2', 'x-request-id': 'id', host: 'id.execute-api.us-east-1.amazonaws.com' },
      body: 'Hello from Lambda',
    });
    assert.equal(got.statusCode, 404);
    assert.deepEqual(Object.keys(got), ['statusCode', 'headers', 'cookies', 'body', 'isBase64Encoded']);
  });

  test('HTTP API payload 1.0, the documented example as published: 404 in the 1.0 response shape', async () => {
    const got = await same(fixture('http-api-v1-doc.json'), 'v1', {
      method: 'GET', path: '/my/path?parameter1=value1&parameter1=value2&parameter2=value',
      headers: { 'x-request-id': 'id=', host: 'id.execute-api.us-east-1.amazonaws.com' },
      body: 'Hello from Lambda!',
    });
    assert.equal(got.statusCode, 404);
    assert.deepEqual(Object.keys(got), ['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded']);
  });

  test('REST API proxy event, the documented example (with its empty header name): 1.0 shape', async () => {
    const e = fixture('rest-api-v1-doc.json');
    const got = await same(e, 'v1', {
      method: 'POST', path: '/hello/world?name=me&multivalueName=you&multivalueName=me',
      headers: { ...Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), v])), 'x-request-id': 'deef4878-7910-11e6-8f14-25afc3e9ae33' },
      body: '{\r\n\t"a": 1\r\n}',
    });
    assert.equal(got.statusCode, 404);
  });

  test('payload 2.0 POST /graphql: the GraphQL answer, byte for byte', async () => {
    const body = JSON.stringify({ query: PRODUCT_QUERY });
    const got = await same(v2Event({ body, headers: JSON_POST, requestId: 'p2' }), 'v2',
      { method: 'POST', path: '/graphql', headers: { ...JSON_POST, 'x-request-id': 'p2', host: 'id.execute-api.us-east-1.amazonaws.com' }, body });
    assert.equal(got.body, NOTEBOOK_BODY);
    assert.equal(got.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(got.headers['x-request-id'], 'p2', 'requestContext.requestId becomes the request id');
  });

  test('x-request-id: API Gateway\'s requestContext.requestId, even when the client sent its own id or a traceparent', async () => {
    const body = JSON.stringify({ query: PRODUCT_QUERY });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    for (const [format, event] of [
      ['v2', v2Event({ body, headers: { ...JSON_POST, 'x-request-id': 'client-1', traceparent }, requestId: 'apigw-v2' })],
      ['v1', { ...fixture('rest-api-v1-doc.json'), httpMethod: 'POST', path: '/graphql', body, isBase64Encoded: false,
        headers: { ...JSON_POST, 'X-Request-Id': 'client-1', traceparent }, multiValueHeaders: null,
        requestContext: { ...fixture('rest-api-v1-doc.json').requestContext, requestId: 'apigw-v1' } }],
    ]) {
      const r = await emulator.invoke(JSON.parse(JSON.stringify(event)));
      assert.equal(r.kind, 'response', r.body);
      const answer = JSON.parse(r.body);
      assert.equal(answer.body, NOTEBOOK_BODY, format);
      assert.equal(answer.headers['x-request-id'], `apigw-${format}`, `${format}: API Gateway's id comes first`);
    }
    // A request h2o answers alone (here a 413) carries API Gateway's id as well.
    const big = JSON.stringify({ query: PRODUCT_QUERY, variables: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    const r = JSON.parse((await emulator.invoke(v2Event({ body: big, headers: { ...JSON_POST, 'x-request-id': 'c' }, requestId: 'apigw-413' }))).body);
    assert.equal(r.statusCode, 413);
    assert.equal(r.headers['x-request-id'], 'apigw-413');
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    assert.match(JSON.parse(r.body).errors[0].message, /larger than the limit of \d+ bytes/);
  });

  test('payload 2.0 GET with rawQueryString, and Accept negotiation through the event headers', async () => {
    const qs = `query=${encodeURIComponent(PRODUCT_QUERY)}`;
    const headers = { accept: 'application/graphql-response+json' };
    const got = await same(v2Event({ method: 'GET', rawQueryString: qs, headers, requestId: 'g2' }), 'v2',
      { method: 'GET', path: `/graphql?${qs}`, headers: { ...headers, 'x-request-id': 'g2', host: 'id.execute-api.us-east-1.amazonaws.com' } });
    assert.equal(got.body, NOTEBOOK_BODY);
    assert.equal(got.headers['content-type'], 'application/graphql-response+json; charset=utf-8');
    // A syntax error under graphql-response+json is a 400, as over TCP.
    const bad = await emulator.invoke(v2Event({ method: 'GET', rawQueryString: 'query=%7B', headers }));
    assert.equal(JSON.parse(bad.body).statusCode, 400);
  });

  test('payload 1.0 GET: decoded multiValueQueryStringParameters are encoded again', async () => {
    const e = fixture('rest-api-v1-doc.json');
    e.path = '/graphql';
    e.httpMethod = 'GET';
    e.requestContext.requestId = 'g1';
    e.queryStringParameters = { query: PRODUCT_QUERY };
    e.multiValueQueryStringParameters = { query: [PRODUCT_QUERY] };
    e.body = null;
    const got = await same(e, 'v1', {
      method: 'GET', path: `/graphql?query=${encodeURIComponent(PRODUCT_QUERY)}`,
      headers: { ...Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), v])), 'x-request-id': 'g1' },
    });
    assert.equal(got.body, NOTEBOOK_BODY);
  });

  test('a base64 request body (isBase64Encoded) is decoded', async () => {
    const r = await emulator.invoke(v2Event({ body: JSON.stringify({ query: PRODUCT_QUERY }), base64: true, headers: JSON_POST }));
    assert.equal(JSON.parse(r.body).body, NOTEBOOK_BODY);
  });

  test('a body over GQLD_MAX_BODY_BYTES is a 413 from the pipeline; a large answer comes back whole', async () => {
    const big = JSON.stringify({ query: PRODUCT_QUERY, variables: { pad: 'x'.repeat(2 * 1024 * 1024) } });
    const r = await emulator.invoke(v2Event({ body: big, headers: JSON_POST }));
    assert.equal(r.kind, 'response', r.body);
    assert.equal(JSON.parse(r.body).statusCode, 413);
    // 40 introspections in one answer (about 400 kB): many socket buffers between the worker and the loop.
    const one = '__schema { types { name fields { name description type { name kind ofType { name kind } } } } }';
    const query = `{ ${Array.from({ length: 40 }, (_, i) => `s${i}: ${one}`).join(' ')} }`;
    const got = await same(v2Event({ body: JSON.stringify({ query }), headers: JSON_POST, requestId: 'big' }), 'v2',
      { method: 'POST', path: '/graphql', headers: { ...JSON_POST, host: 'id.execute-api.us-east-1.amazonaws.com' }, body: JSON.stringify({ query }) });
    assert.ok(got.body.length > 300000, `answer of ${got.body.length} bytes`);
  });

  test('a named stage prefix on rawPath is removed', async () => {
    const r = await emulator.invoke(v2Event({ rawPath: '/prod/graphql', stage: 'prod', body: JSON.stringify({ query: PRODUCT_QUERY }), headers: JSON_POST }));
    assert.equal(JSON.parse(r.body).body, NOTEBOOK_BODY);
  });

  test('a gzip-encoded answer (the playground) comes back base64 with isBase64Encoded', async () => {
    const got = await same(v2Event({ method: 'GET', rawPath: '/', headers: { 'accept-encoding': 'gzip' }, requestId: 'pg' }), 'v2',
      { method: 'GET', path: '/', headers: { 'accept-encoding': 'gzip', 'x-request-id': 'pg', host: 'id.execute-api.us-east-1.amazonaws.com' } });
    assert.equal(got.isBase64Encoded, true);
    assert.equal(got.headers['content-encoding'], 'gzip');
    assert.match(gunzipSync(Buffer.from(got.body, 'base64')).toString('utf8'), /<html/i);
  });

  test('events that are not API Gateway proxy events are invocation errors, and serving goes on', async () => {
    const cases = [
      'not json',
      { Records: [{ eventSource: 'aws:sqs' }] },
      { version: '2.0', rawPath: '/graphql', requestContext: { http: { method: 'GET' } }, headers: { a: 'x\r\nx-gqld-authorizer: {}' } },
      { httpMethod: 'POST', path: '/graphql', body: '%%%', isBase64Encoded: true },
    ];
    for (const c of cases) {
      const r = await emulator.invoke(c);
      assert.equal(r.kind, 'error', JSON.stringify(c));
      assert.equal(r.headers['lambda-runtime-function-error-type'], 'Gqld.InvalidEvent');
      const body = JSON.parse(r.body);
      assert.deepEqual(Object.keys(body), ['errorMessage', 'errorType', 'stackTrace']);
      assert.equal(body.errorType, 'Gqld.InvalidEvent');
      assert.ok(body.errorMessage.length > 0);
    }
    const ok = await emulator.invoke(v2Event({ method: 'GET', rawPath: '/healthz' }));
    assert.equal(JSON.parse(ok.body).statusCode, 200);
  });

  test('the database connection survives between invocations', async () => {
    const backends = `SELECT string_agg(pid::text || '@' || backend_start::text, ',' ORDER BY pid) FROM pg_stat_activity WHERE datname = '${db.name}' AND pid <> pg_backend_pid() AND application_name <> 'psql'`;
    const ask = () => emulator.invoke(v2Event({ body: JSON.stringify({ query: PRODUCT_QUERY }), headers: JSON_POST }));
    await ask();
    const before1 = await psql(backends);
    for (let i = 0; i < 3; i++) assert.equal(JSON.parse((await ask()).body).body, NOTEBOOK_BODY);
    const after1 = await psql(backends);
    assert.ok(before1.length > 0, 'gqld has connections open');
    assert.equal(after1, before1, 'no reconnection between invocations');
  });

  test('SIGTERM: the loop stops and gqld exits 0', async () => {
    lambda.child.kill('SIGTERM');
    const r = await withTimeout(lambda.exited, 15000, () => null);
    assert.deepEqual(r, { code: 0, signal: null }, lambda.stderr());
  });
});

describe('Lambda front door start-up', () => {
  test('an invalid setting is reported to /runtime/init/error and gqld exits 2', async () => {
    const emulator = new RuntimeEmulator();
    await emulator.start();
    const l = startLambda(emulator, { DATABASE_URL, GQLD_MAX_DEPTH: 'deep' });
    const e = await withTimeout(emulator.initError(), 15000, () => { throw new Error(l.stderr()); });
    assert.equal(e.headers['lambda-runtime-function-error-type'], 'Gqld.InvalidConfig');
    const body = JSON.parse(e.body);
    assert.deepEqual(Object.keys(body), ['errorMessage', 'errorType', 'stackTrace']);
    assert.match(body.errorMessage, /GQLD_MAX_DEPTH/);
    assert.deepEqual(await l.exited, { code: 2, signal: null });
    await emulator.close();
  });

  test('a missing DATABASE_URL is an init error', async () => {
    const emulator = new RuntimeEmulator();
    await emulator.start();
    const l = startLambda(emulator, {});
    const e = await withTimeout(emulator.initError(), 15000, () => { throw new Error(l.stderr()); });
    assert.equal(JSON.parse(e.body).errorType, 'Gqld.InvalidConfig');
    assert.match(JSON.parse(e.body).errorMessage, /DATABASE_URL/);
    assert.deepEqual(await l.exited, { code: 2, signal: null });
    await emulator.close();
  });

  test('init does not wait for the database: a database that never answers still lets events be served', async () => {
    // A TCP server that accepts and never speaks: a connection attempt hangs until its timeout.
    const held = [];
    const silent = net.createServer((s) => held.push(s));
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const emulator = new RuntimeEmulator();
    await emulator.start();
    const l = startLambda(emulator, {
      DATABASE_URL: `postgresql://gqld@127.0.0.1:${silent.address().port}/gqld`, DB_CONNECT_TIMEOUT_MS: 60000,
    });
    const r = await withTimeout(emulator.invoke(v2Event({ method: 'GET', rawPath: '/healthz' })), 15000,
      () => { throw new Error(`no answer while the database hangs; stderr:\n${l.stderr()}`); });
    assert.equal(JSON.parse(r.body).statusCode, 200);
    assert.ok(held.length > 0, 'gqld did start connecting, in the background');
    l.child.kill('SIGTERM');
    assert.deepEqual(await l.exited, { code: 0, signal: null }, l.stderr());
    for (const s of held) s.destroy();
    silent.close();
    await emulator.close();
  });
});
