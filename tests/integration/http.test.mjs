// The HTTP surface: GraphQL over HTTP (POST and GET), errors, health, logs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import {
  NOTEBOOK_BODY,
  assertCleanExit,
  PRODUCT_QUERY,
  graphql,
  parseJsonLine,
  postJson,
  psql,
  request,
  startServer,
  uniqueName,
} from './lib.mjs';

const JSON_UTF8 = 'application/json; charset=utf-8';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  if (!server) return;
  assertCleanExit(server, await server.stop(), 'gqld exits 0 on SIGTERM (and the sanitizers find nothing)');
  for (const line of server.stderrLines) {
    const entry = parseJsonLine(line);
    assert.ok(entry && typeof entry.level === 'string' && typeof entry.msg === 'string',
      `stderr lines are JSON with "level" and "msg": ${line}`);
  }
});

// The column (1-based) of the first occurrence of needle in a one-line query.
const columnOf = (query, needle) => query.indexOf(needle) + 1;

describe('queries', () => {
  test('the example query, byte for byte', async () => {
    const r = await graphql(server.url, PRODUCT_QUERY);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), JSON_UTF8);
    assert.equal(r.text, NOTEBOOK_BODY);
  });

  test('variables', async () => {
    const r = await graphql(server.url, 'query P($id: ID!) { Product(productId: $id) { productName } }', {
      id: 'notebook',
    });
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"data":{"Product":{"productName":"notebook_red"}}}');
  });

  test('aliases', async () => {
    const r = await graphql(server.url, '{ a: Product(productId:"notebook"){ n: productName } }');
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"data":{"a":{"n":"notebook_red"}}}');
  });

  test('two root fields keep the query order', async () => {
    const r = await graphql(
      server.url,
      '{ z: Product(productId: "notebook") { productId } a: Product(productId: "no-such-product") { productId } }',
    );
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"data":{"z":{"productId":"notebook"},"a":null}}');
  });

  test('__typename on Query and Product', async () => {
    const r = await graphql(server.url, '{ __typename Product(productId: "notebook") { __typename productId } }');
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"data":{"__typename":"Query","Product":{"__typename":"Product","productId":"notebook"}}}');
  });

  test('an unknown product is null', async () => {
    const r = await graphql(server.url, '{ Product(productId: "no-such-product") { productId productName price } }');
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"data":{"Product":null}}');
  });

  test('GET with the query in the URL gives the same bytes as POST', async () => {
    const post = await graphql(server.url, PRODUCT_QUERY);
    const get = await request(`${server.url}/graphql?query=${encodeURIComponent(PRODUCT_QUERY)}`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('content-type'), post.headers.get('content-type'));
    assert.equal(get.text, post.text);
  });

  test('strings are escaped: quotes, backslashes, control characters, non-ASCII', async () => {
    const id = uniqueName('esc-test');
    const name = '"quote" back\\slash \n newline, tab\t, control \x01, unicode é 😀';
    const hex = Buffer.from(name, 'utf8').toString('hex');
    await psql(`INSERT INTO products (product_id, product_name, price)
                VALUES ('${id}', convert_from(decode('${hex}', 'hex'), 'UTF8'), 1.5)`);
    try {
      assert.equal(await psql(`SELECT md5(product_name) FROM products WHERE product_id = '${id}'`),
        createHash('md5').update(name).digest('hex'), 'stored as is');
      const r = await graphql(server.url, `{ Product(productId: "${id}") { productId productName price } }`);
      assert.equal(r.status, 200);
      assert.doesNotMatch(r.text, /[\u0000-\u001f]/, 'no raw control characters in JSON');
      assert.match(r.text, /\\u0001/i, 'U+0001 is written as \\u0001');
      assert.match(r.text, /\\n/);
      assert.match(r.text, /\\t/);
      assert.match(r.text, /\\"quote\\"/);
      assert.match(r.text, /back\\\\slash/);
      assert.deepEqual(JSON.parse(r.text), { data: { Product: { productId: id, productName: name, price: 1.5 } } });
    } finally {
      await psql(`DELETE FROM products WHERE product_id = '${id}'`);
    }
  });
});

describe('request errors', () => {
  test('malformed JSON body: 400 with a JSON error about JSON', async () => {
    const r = await postJson(server.url, '{"query": "{ Product(productId: \\"notebook\\") { productId } }"');
    assert.equal(r.status, 400);
    assert.ok(r.json, `a JSON body: ${r.text}`);
    assert.equal(typeof r.json.errors?.[0]?.message, 'string');
    assert.match(r.json.errors[0].message, /json/i);
  });

  for (const body of ['{}', '{"query":5}', '{"query":null}', '[]', '"{ __typename }"', '{"variables":{}}']) {
    test(`JSON without a string "query" (${body}): 400`, async () => {
      const r = await postJson(server.url, body);
      assert.equal(r.status, 400, r.text);
      assert.ok(r.json?.errors?.[0]?.message, `a GraphQL error body: ${r.text}`);
    });
  }

  test('wrong content type: 415', async () => {
    const r = await request(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: PRODUCT_QUERY }),
    });
    assert.equal(r.status, 415);
  });

  test('PUT /graphql: 405 with Allow: GET, POST', async () => {
    const r = await request(`${server.url}/graphql`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PRODUCT_QUERY }),
    });
    assert.equal(r.status, 405);
    const allow = r.headers.get('allow') ?? '';
    assert.match(allow, /\bGET\b/);
    assert.match(allow, /\bPOST\b/);
  });

  test('an unknown path: 404', async () => {
    const r = await request(`${server.url}/no-such-path`);
    assert.equal(r.status, 404);
  });
});

describe('GraphQL errors', () => {
  const syntaxError = (r, line, column) => {
    assert.ok(r.json, `a JSON body: ${r.text}`);
    assert.equal('data' in r.json, false, 'no "data" when the document does not parse');
    const [error] = r.json.errors;
    assert.match(error.message, /^Syntax Error: /);
    assert.deepEqual(error.locations, [{ line, column }]);
  };

  test('syntax error: 200 for application/json, with the location', async () => {
    const query = '{ Product(';
    const plain = await graphql(server.url, query);
    assert.equal(plain.status, 200);
    assert.match(plain.headers.get('content-type'), /^application\/json/);
    syntaxError(plain, 1, query.length + 1);
    const json = await graphql(server.url, query, undefined, { headers: { accept: 'application/json' } });
    assert.equal(json.status, 200);
    syntaxError(json, 1, query.length + 1);
  });

  test('syntax error: 400 for application/graphql-response+json', async () => {
    const r = await graphql(server.url, '{ Product(', undefined, {
      headers: { accept: 'application/graphql-response+json' },
    });
    assert.equal(r.status, 400);
    assert.match(r.headers.get('content-type'), /^application\/graphql-response\+json/);
    syntaxError(r, 1, 11);
  });

  test('syntax error on a later line: the location counts lines', async () => {
    const r = await graphql(server.url, '{\n  Product(productId: "notebook") {\n    productId(\n  }\n}');
    assert.equal(r.status, 200);
    syntaxError(r, 4, 3);
  });

  test('an unknown field is an error with its location, and the server stays up', async () => {
    const query = '{ Product(productId:"notebook") { nope } }';
    const r = await graphql(server.url, query);
    assert.equal(r.status, 200);
    assert.ok(r.json, r.text);
    assert.equal('data' in r.json, false, 'no "data" when the document is invalid');
    assert.equal(r.json.errors[0].message, 'Cannot query field "nope" on type "Product".');
    assert.deepEqual(r.json.errors[0].locations, [{ line: 1, column: columnOf(query, 'nope') }]);

    const multi = await graphql(server.url, '{\n  Product(productId: "notebook") {\n    productId\n    nope\n  }\n}');
    assert.deepEqual(multi.json.errors[0].locations, [{ line: 4, column: 5 }]);

    const strict = await graphql(server.url, query, undefined, {
      headers: { accept: 'application/graphql-response+json' },
    });
    assert.equal(strict.status, 400);

    const next = await graphql(server.url, PRODUCT_QUERY);
    assert.equal(next.text, NOTEBOOK_BODY);
  });

  test('a missing required argument names it', async () => {
    const r = await graphql(server.url, '{ Product { productId } }');
    assert.equal(r.status, 200);
    assert.equal('data' in r.json, false);
    assert.match(r.json.errors[0].message, /productId/);
    assert.ok(Array.isArray(r.json.errors[0].locations));
  });

  test('an object field without a selection', async () => {
    const r = await graphql(server.url, '{ Product(productId:"notebook") }');
    assert.equal(r.status, 200);
    assert.equal('data' in r.json, false);
    assert.equal(
      r.json.errors[0].message,
      'Field "Product" of type "Product" must have a selection of subfields. Did you mean "Product { ... }"?',
    );
  });
});

describe('health', () => {
  test('GET /healthz', async () => {
    const r = await request(`${server.url}/healthz`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ok' });
  });

  test('GET /readyz with the database up', async () => {
    const r = await request(`${server.url}/readyz`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, { status: 'ready' });
  });
});

describe('logs', () => {
  test('one JSON access-log line per request on stdout', async () => {
    const before = server.stdoutLines.length;
    const r = await graphql(server.url, PRODUCT_QUERY);
    assert.equal(r.status, 200);
    const line = await server.stdout.waitFor(
      (l) => server.stdoutLines.indexOf(l) >= before && parseJsonLine(l)?.path === '/graphql',
      5000,
      'the access-log line',
    );
    const entry = parseJsonLine(line);
    assert.match(entry.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(entry.time) - Date.now()) < 60000, `time is now: ${entry.time}`);
    assert.equal(entry.method, 'POST');
    assert.equal(entry.status, 200);
    assert.ok(Number.isInteger(entry.duration_us) && entry.duration_us >= 0, `duration_us: ${entry.duration_us}`);
    assert.equal(typeof entry.request_id, 'string');
    assert.notEqual(entry.request_id, '');
    for (const l of server.stdoutLines) assert.ok(parseJsonLine(l), `stdout has only JSON lines: ${l}`);
  });
});

describe('connections', () => {
  test('200 concurrent requests all succeed', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, () => graphql(server.url, PRODUCT_QUERY, undefined, { timeoutMs: 30000 })),
    );
    for (const r of results) {
      assert.equal(r.status, 200);
      assert.equal(r.text, NOTEBOOK_BODY);
    }
  });

  test('keep-alive: sequential requests reuse one connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const body = JSON.stringify({ query: PRODUCT_QUERY });
    const once = () =>
      new Promise((resolve, reject) => {
        const req = http.request(
          `${server.url}/graphql`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' }, timeout: 15000 },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode, text, reused: req.reusedSocket, port: req.socket.localPort }));
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(body);
      });
    try {
      const first = await once();
      const second = await once();
      const third = await once();
      for (const r of [first, second, third]) {
        assert.equal(r.status, 200);
        assert.equal(r.text, NOTEBOOK_BODY);
      }
      assert.equal(first.reused, false);
      assert.equal(second.reused, true, 'the second request went over the first connection');
      assert.equal(third.reused, true);
      assert.equal(third.port, first.port);
    } finally {
      agent.destroy();
    }
  });
});

describe('limits', () => {
  test('a body over GQLD_MAX_BODY_BYTES: 413', async () => {
    const small = await startServer({ GQLD_MAX_BODY_BYTES: 1024 });
    try {
      const ok = await graphql(small.url, PRODUCT_QUERY);
      assert.equal(ok.text, NOTEBOOK_BODY, 'a body under the limit is served');
      const padded = JSON.stringify({ query: PRODUCT_QUERY + ' '.repeat(2048) });
      const r = await postJson(small.url, padded);
      assert.equal(r.status, 413);
    } finally {
      assertCleanExit(small, await small.stop());
    }
  });
});
