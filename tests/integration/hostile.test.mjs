// Issue 17, "a hostile caller cannot hurt anyone else": points 3, 4, 5, 7 and 8,
// each as the review reproduced it. Ambiguous HTTP/1.1 framing over raw
// sockets (answered 400, the connection closed, the bytes behind never
// served); encoded slashes and dot-segments that reached /metrics, and the
// separate metrics listener; NUL in GraphQL strings; the access log's bytes;
// aud arrays, cursors the server did not write, Cache-Control on errors, JSON
// errors in our own words, and an empty operationName.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  ROOT,
  assertCleanExit,
  createSeededDatabase,
  graphql,
  parseJsonLine,
  postJson,
  request,
  runGqld,
  sleep,
  startServer,
} from './lib.mjs';
import { AUDIENCE, bearer, jwtEnv, makeKeys, mint } from './auth_keys.mjs';

let db;
let keys;
let server; // JWT auth, /metrics on the public listener
let metricsServer; // GQLD_METRICS_LISTEN, GQLD_CURSOR_SECRET
let rawStdout = []; // server's stdout as bytes, from the moment the tests start

before(async () => {
  keys = await makeKeys();
  db = await createSeededDatabase('gqld_hostile');
  server = await startServer({ DATABASE_URL: db.url, ...jwtEnv(keys) });
  server.proc.stdout.on('data', (chunk) => rawStdout.push(chunk));
  metricsServer = await startServer({
    DATABASE_URL: db.url,
    AUTH_MODE: 'none',
    GQLD_METRICS_LISTEN: '127.0.0.1:0',
    GQLD_CURSOR_SECRET: 'secret-one',
  });
});

after(async () => {
  if (server) assertCleanExit(server, await server.stop());
  if (metricsServer) assertCleanExit(metricsServer, await metricsServer.stop());
  if (db) await db.drop();
});

// Writes bytes on a fresh connection and reads until the server closes it (or timeoutMs passes):
// {text, closed}. The connection is ours to end only when the server has not.
function exchange(port, bytes, { timeoutMs = 3000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const chunks = [];
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => sock.write(Buffer.from(bytes, 'latin1')));
    sock.on('data', (d) => chunks.push(d));
    sock.on('end', () => finish(true));
    sock.on('error', (err) => (done ? undefined : reject(err)));
  });
}

// The responses in a stream of HTTP/1.1 answers: [{status, headers, body}], each body by its Content-Length.
function responses(text) {
  const out = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = {};
    for (const l of lines) {
      const i = l.indexOf(':');
      headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    out.push({ status: Number(statusLine.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

// One GET over a raw socket, the path sent as written (fetch would resolve dot-segments first).
async function rawGet(port, path, headers = '') {
  const r = await exchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}Connection: close\r\n\r\n`);
  const [res] = responses(r.text);
  assert.ok(res, `an answer to GET ${path}: ${JSON.stringify(r.text)}`);
  return res;
}

// The access-log lines (as parsed JSON) of the main server whose request_id is id, seen so far.
function logLinesOf(id) {
  return server.stdoutLines.map(parseJsonLine).filter((l) => l?.request_id === id);
}

describe('point 3: ambiguous HTTP/1.1 framing', () => {
  // A request a proxy that frames by the other header would forward as a second one.
  const smuggled = (id) => `GET /metrics HTTP/1.1\r\nHost: x\r\nx-request-id: ${id}\r\n\r\n`;

  test('control: pipelined requests on one keep-alive connection are all answered', async () => {
    const r = await exchange(
      server.port,
      'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.deepEqual(responses(r.text).map((x) => x.status), [200, 200]);
    assert.equal(r.closed, true);
  });

  const cases = [
    ['Content-Length and Transfer-Encoding: chunked', (s) =>
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${5 + s.length}\r\n` +
      `Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n${s}`],
    ['Transfer-Encoding: chunked, then Content-Length', (s) =>
      `POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: ${5 + s.length}\r\n` +
      `Content-Type: application/json\r\n\r\n0\r\n\r\n${s}`],
    ['two Content-Lengths, the first 0', (s) =>
      `GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: ${s.length}\r\n\r\n${s}`],
    ['two Content-Lengths, the first the smuggled request\'s', (s) =>
      `GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: ${s.length}\r\nContent-Length: 0\r\n\r\n${s}`],
    ['Transfer-Encoding twice', (s) =>
      `POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${s}`],
    ['Transfer-Encoding in HTTP/1.0 (with keep-alive)', (s) =>
      `POST /graphql HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${s}`],
    ['a folded field that hides a Transfer-Encoding', (s) =>
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n${s}`],
  ];
  for (const [what, make] of cases) {
    test(`${what}: 400, Connection: close, and the bytes behind it are never served`, async () => {
      const id = `smuggled-${Math.random().toString(36).slice(2)}`;
      const r = await exchange(server.port, make(smuggled(id)));
      const got = responses(r.text);
      assert.equal(got.length, 1, `one answer only: ${JSON.stringify(r.text)}`);
      assert.equal(got[0].status, 400, r.text);
      assert.equal(got[0].headers.connection, 'close', r.text);
      assert.equal(got[0].headers['cache-control'], 'no-store');
      assert.match(JSON.parse(got[0].body).error, /^ambiguous request framing: /);
      assert.equal(r.closed, true, 'the server closed the connection');
      await sleep(200); // a smuggled request, had it been served, would be in the log by now
      assert.deepEqual(logLinesOf(id), [], 'the smuggled request was never served');
      assert.doesNotMatch(r.text, /gqld_http_requests_total/);
    });
  }

  test('the same Content-Length twice is one reading: served, connection kept', async () => {
    const body = '{"query":"{ __typename }"}';
    const r = await exchange(
      server.port,
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body}GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    const got = responses(r.text);
    assert.deepEqual(got.map((x) => x.status), [200, 200], r.text);
    assert.equal(got[0].body, '{"data":{"__typename":"Query"}}');
  });
});

describe('point 4: paths that normalize to another route', () => {
  const paths = ['/graphql%2f..%2fmetrics', '/graphql%2F..%2Fmetrics', '/graphql/..%2fmetrics', '/graphql/%2e%2e/metrics',
    '/graphql/../metrics', '/graphql/./../metrics', '/%6detrics', '/graphql/..%2F..%2Fmetrics?x=1', '/./graphql'];
  for (const path of paths) {
    test(`${path}: 400 with a clear body, never /metrics`, async () => {
      const r = await rawGet(server.port, path);
      assert.equal(r.status, 400, r.body);
      assert.match(JSON.parse(r.body).error, /path must be written plainly/);
      assert.doesNotMatch(r.body, /gqld_/);
      assert.equal(r.headers['cache-control'], 'no-store');
    });
  }

  test('control: the plain paths are served', async () => {
    assert.equal((await rawGet(server.port, '/metrics')).status, 200);
    assert.equal((await rawGet(server.port, '/graphql?query=%7B__typename%7D')).status, 200);
    assert.equal((await rawGet(server.port, '/healthz')).status, 200);
  });

  test('GQLD_METRICS_LISTEN: /metrics only there, and there only /metrics', async () => {
    const line = metricsServer.stderrLines.map(parseJsonLine).find((l) => l?.msg === 'listening');
    const m = /^127\.0\.0\.1:(\d+)$/.exec(line?.metrics_address ?? '');
    assert.ok(m && Number(m[1]) > 0, `the listening line names the metrics address: ${JSON.stringify(line)}`);
    const metricsPort = Number(m[1]);
    assert.notEqual(metricsPort, metricsServer.port);
    await graphql(metricsServer.url, '{ __typename }');
    const pub = await request(`${metricsServer.url}/metrics`);
    assert.equal(pub.status, 404, 'not on the public listener');
    assert.doesNotMatch(pub.text, /gqld_/);
    const scrape = await request(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(scrape.status, 200, scrape.text);
    assert.match(scrape.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
    assert.match(scrape.text, /^gqld_http_requests_total\{route="graphql",status="200"\} [1-9]/m, 'the public requests count');
    for (const path of ['/graphql', '/healthz', '/', '/metrics/']) {
      const r = await request(`http://127.0.0.1:${metricsPort}${path}`);
      assert.equal(r.status, 404, path);
      assert.match(r.json?.error ?? '', /serves \/metrics only/, path);
    }
    assert.equal((await rawGet(metricsPort, '/graphql/..%2fmetrics')).status, 400);
    const counted = await request(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.match(counted.text, /^gqld_http_requests_total\{route="metrics",status="200"\} [1-9]/m, 'scrapes count too');
  });

  test('GQLD_METRICS_LISTEN while GQLD_METRICS is off is a configuration error', async () => {
    const r = await runGqld(['serve'], { GQLD_METRICS: 'off', GQLD_METRICS_LISTEN: '127.0.0.1:0', DATABASE_URL: db.url });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /GQLD_METRICS_LISTEN/);
    const bad = await runGqld(['serve'], { GQLD_METRICS_LISTEN: 'nowhere', DATABASE_URL: db.url });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /GQLD_METRICS_LISTEN/);
  });
});

describe('point 5: NUL in GraphQL strings', () => {
  const customer = () => mint(keys, { sub: 'user-a', 'custom:customer_id': '4567' });
  const NUL_ERROR = /^Argument "(\w+)" of field "Query\.\w+" holds a NUL character \(\\u0000\), which no value can hold\.$/;

  function assertNulError(r, arg) {
    assert.equal(r.status, 200, r.text); // a request error under application/json
    assert.equal('data' in (r.json ?? {}), false, `no data: ${r.text}`);
    const [e] = r.json.errors;
    assert.match(e.message, NUL_ERROR);
    assert.equal(NUL_ERROR.exec(e.message)[1], arg);
    assert.ok(e.locations?.length === 1, `at the argument: ${r.text}`);
  }

  test('Product(productId: "notebook\\u0000junk") is a request error, not notebook', async () => {
    assertNulError(await graphql(server.url, '{ Product(productId: "notebook\\u0000junk") { productId } }'), 'productId');
  });

  test('customer(customerId: "4567\\u0000zzz") is a request error, not the caller\'s own customer', async () => {
    const r = await graphql(server.url, '{ customer(customerId: "4567\\u0000zzz") { customerId name } }', undefined,
      { headers: bearer(await customer()) });
    assertNulError(r, 'customerId');
    assert.doesNotMatch(r.text, /4567"/);
  });

  test('products(nameContains: "\\u0000") is a request error, not every product', async () => {
    assertNulError(await graphql(server.url, '{ products(nameContains: "\\u0000") { items { productId } } }'), 'nameContains');
    assertNulError(await graphql(server.url, '{ products(after: "x\\u0000") { items { productId } } }'), 'after');
  });

  test('a variable holding \\u0000: the body is refused (400), in our words', async () => {
    const r = await graphql(server.url, 'query ($id: ID!) { Product(productId: $id) { productId } }', { id: 'notebook\u0000junk' });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.errors[0].message, /^The request body is not valid JSON: a string holds \\u0000 \(NUL\)/);
    assert.doesNotMatch(r.text, /JSON_|notebook/);
    const get = await request(`${server.url}/graphql?query=${encodeURIComponent('query ($id: ID!) { Product(productId: $id) { productId } }')}` +
      `&variables=${encodeURIComponent('{"id":"notebook\\u0000junk"}')}`);
    assert.equal(get.status, 400, get.text);
    assert.doesNotMatch(get.text, /"productId":"notebook"/);
  });

  test('operationName=%00 in a URL is a 400, not another operation', async () => {
    const q = encodeURIComponent('query A { __typename } query AB { Product(productId: "notebook") { productId } }');
    const r = await request(`${server.url}/graphql?query=${q}&operationName=A%00B`);
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.errors[0].message, /operationName.*NUL/);
  });

  test('block strings: \\u0000 is six characters; a raw NUL byte is a syntax error', async () => {
    const r = await graphql(server.url, '{ Product(productId: """notebook\\u0000junk""") { productId } }');
    assert.equal(r.text, '{"data":{"Product":null}}');
    // A raw NUL cannot travel in JSON (jansson refuses it, as above): in a GET's URL it can.
    const raw = await request(`${server.url}/graphql?query=${encodeURIComponent('{ Product(productId: """notebook\u0000junk""") { productId } }')}`);
    assert.equal(raw.json.data, undefined, raw.text);
    assert.match(raw.json.errors[0].message, /^Syntax Error: Invalid character within String: U\+0000\.$/);
  });
});

describe('point 7: the access log is valid UTF-8', () => {
  test('a path with the bytes FF FE: the line parses as JSON, is valid UTF-8, and says which bytes came', async () => {
    const id = `utf8-${Math.random().toString(36).slice(2)}`;
    rawStdout = [];
    const r = await exchange(server.port, `GET /\xff\xfe?q=\xff HTTP/1.1\r\nHost: x\r\nx-request-id: ${id}\r\nConnection: close\r\n\r\n`);
    assert.equal(responses(r.text)[0]?.status, 404, r.text);
    let line;
    for (let i = 0; i < 50 && !line; i++) {
      await sleep(100);
      line = Buffer.concat(rawStdout).toString('latin1').split('\n').find((l) => l.includes(id));
    }
    assert.ok(line, 'the access-log line of the request');
    const bytes = Buffer.from(line, 'latin1');
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes); // throws on invalid UTF-8
    const entry = JSON.parse(text);
    assert.equal(entry.path, '/%FF%FE');
    assert.equal(entry.status, 404);
  });
});

describe('point 8: smaller ones', () => {
  test('an aud array with a non-string entry is refused whatever its order', async () => {
    for (const aud of [[AUDIENCE, 1], [1, AUDIENCE], [AUDIENCE, null], [{ a: 1 }, AUDIENCE]]) {
      const token = await mint(keys, { sub: '4567', aud });
      const r = await graphql(server.url, '{ __typename }', undefined, { headers: bearer(token) });
      assert.equal(r.status, 401, `${JSON.stringify(aud)}: ${r.text}`);
      assert.match(r.json.errors[0].message, /aud/);
    }
    const ok = await mint(keys, { sub: '4567', aud: ['another', AUDIENCE] });
    assert.equal((await graphql(server.url, '{ __typename }', undefined, { headers: bearer(ok) })).status, 200);
  });

  const PAGE = 'query ($after: String) { products(first: 2, after: $after) { items { productId } pageInfo { endCursor hasNextPage } } }';
  const page = async (url, after) => (await graphql(url, PAGE, { after })).json;
  const NOT_OURS = 'Argument "after" of field "Query.products" is not a cursor from this server.';

  test('a cursor the server did not write is a request error naming after', async () => {
    const first = await page(server.url, null);
    const cursor = first.data.products.pageInfo.endCursor;
    const next = await page(server.url, cursor);
    assert.ok(next.data, JSON.stringify(next));
    assert.notEqual(next.data.products.items[0].productId, first.data.products.items[0].productId);
    const lastId = first.data.products.items.at(-1).productId;
    const forged = [
      Buffer.from(lastId).toString('base64url'), // what a cursor was: the key alone
      Buffer.from('p000001').toString('base64url'),
      `${cursor.slice(0, -1)}${cursor.at(-1) === 'A' ? 'B' : 'A'}`, // the MAC changed
      Buffer.concat([Buffer.from('zzzz'), Buffer.from(cursor, 'base64url').subarray(-16)]).toString('base64url'),
    ];
    for (const after of forged) {
      const r = await page(server.url, after);
      assert.equal(r.data, undefined, `${after}: ${JSON.stringify(r)}`);
      assert.equal(r.errors[0].message, NOT_OURS, after);
    }
  });

  // The cursor of a key as resolvers/sql/cursor.h documents it, made here with node's crypto.
  function cursorOf(key, secret) {
    const schemaVersion = createHash('sha256').update(readFileSync(path.join(ROOT, 'schema', 'schema.graphql'))).digest('hex');
    const macKey = createHmac('sha256', secret).update(`gqld cursor 1\n${schemaVersion}`).digest();
    const tag = createHmac('sha256', macKey).update(key).digest().subarray(0, 16);
    return Buffer.concat([Buffer.from(key), tag]).toString('base64url');
  }

  test('a cursor is the key and its MAC, as documented (README: the example endCursor is this one)', async () => {
    const first = (await page(server.url, null)).data.products;
    assert.equal(first.pageInfo.endCursor, cursorOf(first.items.at(-1).productId, ''));
    const other = (await page(metricsServer.url, null)).data.products;
    assert.equal(other.pageInfo.endCursor, cursorOf(other.items.at(-1).productId, 'secret-one'));
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    assert.ok(readme.includes(`"endCursor":"${cursorOf('p000003', '')}"`), 'the README\'s example cursor is current');
  });

  test('cursors are the API\'s, not the process\'s: the same secret reads them, another refuses them', async () => {
    const sameSecret = await startServer({ DATABASE_URL: db.url, AUTH_MODE: 'none', GQLD_CURSOR_SECRET: 'secret-one' });
    try {
      const written = (await page(metricsServer.url, null)).data.products.pageInfo.endCursor;
      const read = await page(sameSecret.url, written);
      assert.ok(read.data?.products, `another process with the same secret: ${JSON.stringify(read)}`);
      const other = await page(server.url, written); // no secret: another key
      assert.equal(other.errors?.[0]?.message, NOT_OURS);
      const unsigned = (await page(server.url, null)).data.products.pageInfo.endCursor;
      assert.equal((await page(sameSecret.url, unsigned)).errors?.[0]?.message, NOT_OURS);
    } finally {
      assertCleanExit(sameSecret, await sameSecret.stop());
    }
  });

  test('400, 401, 404, 405, 406 and 415 answers carry Cache-Control: no-store', async () => {
    const answers = {
      400: await postJson(server.url, '{"query":'),
      401: await graphql(server.url, '{ __typename }', undefined, { headers: bearer('not.a.token') }),
      404: await request(`${server.url}/nowhere`),
      405: await request(`${server.url}/graphql`, { method: 'PUT' }),
      406: await request(`${server.url}/graphql?query=%7B__typename%7D`, { headers: { accept: 'text/html' } }),
      415: await request(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }),
    };
    for (const [status, r] of Object.entries(answers)) {
      assert.equal(r.status, Number(status), r.text);
      assert.equal(r.headers.get('cache-control'), 'no-store', `${status}: ${r.text}`);
    }
  });

  test('a body that is not JSON is described in our words, not the parser\'s', async () => {
    const cases = [
      ['{"query":"{ __typename }","variables":{"a":"\\u0000"}}', /a string holds \\u0000 \(NUL\)/],
      ['{"query":', /it ends before the JSON value does/],
      ['{"query":"{ __typename }"} x', /something follows the JSON value/],
      ['{"query":"{ __typename }","query":"{ __typename }"}', /an object has the same key twice/],
      ['{"query":"\xff"}', /it is not valid UTF-8/],
      ['{query}', /its syntax is wrong/],
    ];
    for (const [body, pattern] of cases) {
      const r = await request(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(body, 'latin1'),
      });
      assert.equal(r.status, 400, r.text);
      const message = r.json.errors[0].message;
      assert.match(message, /^The request body is not valid JSON: /);
      assert.match(message, pattern);
      assert.match(message, /\(line \d+, column \d+\)\.$/);
      assert.doesNotMatch(message, /JSON_|json_|near '/, message);
    }
  });

  test('an empty operationName means absent over POST as over GET', async () => {
    for (const query of ['query A { __typename }', 'query A { __typename } query B { __typename }']) {
      const post = await postJson(server.url, { query, operationName: '' });
      const get = await request(`${server.url}/graphql?query=${encodeURIComponent(query)}&operationName=`);
      const absent = await postJson(server.url, { query });
      assert.equal(post.text, absent.text, query);
      assert.equal(get.text, absent.text, query);
      assert.equal(post.status, get.status);
    }
  });
});
