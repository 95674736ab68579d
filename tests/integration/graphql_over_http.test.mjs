// GraphQL over HTTP beyond what graphql-http's audit checks (audit.test.mjs):
// Accept negotiation with q-values, wildcards and charsets; GET parameters;
// mutations over GET; methods; request Content-Types; malformed parameters;
// the status of request errors under each media type; the body limit for
// Content-Length and chunked bodies.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { assertCleanExit, parseJsonLine, request, startServer } from './lib.mjs';

const JSON_TYPE = 'application/json; charset=utf-8';
const GQL_TYPE = 'application/graphql-response+json; charset=utf-8';
const TYPENAME = '{"data":{"__typename":"Query"}}';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  if (server) assertCleanExit(server, await server.stop(), 'gqld exits 0 (and the sanitizers find nothing)');
});

// node:http sends only the headers given (fetch always adds Accept); an array value sends the header repeatedly.
function raw(port, { method = 'GET', path = '/graphql', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, timeout: 15000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const post = (payload, headers = {}) =>
  request(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

const get = (params, headers = {}) => {
  const qs = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  return request(`${server.url}/graphql?${qs}`, { headers });
};

// A GraphQL error body: JSON with errors[0].message and no data.
function assertErrorBody(r, pattern) {
  assert.ok(r.json, `a JSON body: ${r.text}`);
  assert.equal('data' in r.json, false, `no "data": ${r.text}`);
  assert.equal(typeof r.json.errors?.[0]?.message, 'string', r.text);
  if (pattern) assert.match(r.json.errors[0].message, pattern);
}

describe('Accept negotiation', () => {
  const cases = [
    ['application/graphql-response+json', 200, GQL_TYPE],
    ['application/json', 200, JSON_TYPE],
    ['*/*', 200, JSON_TYPE],
    ['application/*', 200, JSON_TYPE],
    ['APPLICATION/JSON', 200, JSON_TYPE],
    ['application/graphql-response+json, application/json', 200, GQL_TYPE],
    ['application/json, application/graphql-response+json', 200, GQL_TYPE],
    ['application/graphql-response+json, application/json;q=0.9', 200, GQL_TYPE],
    ['application/graphql-response+json;q=0.5, application/json', 200, JSON_TYPE],
    ['application/json;q=0.9, application/graphql-response+json', 200, GQL_TYPE],
    ['application/graphql-response+json;q=0.8, */*', 200, JSON_TYPE],
    ['application/json;q=0, */*', 200, GQL_TYPE],
    ['*/*;q=0.1, application/graphql-response+json;q=0', 200, JSON_TYPE],
    ['application/graphql-response+json, */*;q=0.1', 200, GQL_TYPE],
    ['application/json; charset=utf-8', 200, JSON_TYPE],
    ['application/json;charset="UTF-8"', 200, JSON_TYPE],
    ['application/json; charset=iso-8859-1, application/graphql-response+json;q=0.5', 200, GQL_TYPE],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 200, JSON_TYPE],
    ['text/html', 406],
    ['application/xml, text/*', 406],
    ['application/json;q=0', 406],
    ['application/json;q=0, application/graphql-response+json;q=0', 406],
    ['*/*;q=0', 406],
    ['application/json; charset=iso-8859-1', 406],
  ];
  for (const [accept, status, type] of cases) {
    test(`Accept: ${accept} -> ${status}${type ? ` ${type.split(';')[0]}` : ''}`, async () => {
      const r = await post({ query: '{ __typename }' }, { accept });
      assert.equal(r.status, status, r.text);
      if (status === 200) {
        assert.equal(r.headers.get('content-type'), type);
        assert.equal(r.text, TYPENAME);
      } else {
        assert.equal(r.headers.get('content-type'), JSON_TYPE);
        assertErrorBody(r, /Accept/);
      }
    });
  }

  test('no Accept header: application/json (the draft, until its watershed)', async () => {
    for (const method of ['GET', 'POST']) {
      const r = await raw(server.port, {
        method,
        path: method === 'GET' ? '/graphql?query=%7B__typename%7D' : '/graphql',
        headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
        body: method === 'POST' ? '{"query":"{__typename}"}' : undefined,
      });
      assert.equal(r.status, 200, `${method}: ${r.text}`);
      assert.equal(r.headers['content-type'], JSON_TYPE);
      assert.equal(r.text, TYPENAME);
    }
  });

  test('several Accept headers count as one list', async () => {
    const r = await raw(server.port, {
      path: '/graphql?query=%7B__typename%7D',
      headers: { accept: ['text/html', 'application/graphql-response+json'] },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], GQL_TYPE);
  });

  test('406 comes before the method-specific checks (415, 400)', async () => {
    const r = await request(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'text/html' },
      body: 'not json',
    });
    assert.equal(r.status, 406);
  });
});

describe('GET', () => {
  test('query, operationName, variables and extensions from the URL', async () => {
    const r = await get({
      query: 'query A { a: __typename } query B($id: ID!) { Product(productId: $id) { productId } }',
      operationName: 'B',
      variables: JSON.stringify({ id: 'notebook' }),
      extensions: JSON.stringify({ tracing: true }),
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"data":{"Product":{"productId":"notebook"}}}');
  });

  test('"+" is a space and parameter names may be percent-encoded', async () => {
    const r = await get('qu%65ry=%7B+__typename+%7D');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, TYPENAME);
  });

  test('empty operationName, variables and extensions, and null ones, count as absent', async () => {
    for (const qs of ['query={__typename}&operationName=&variables=&extensions=', 'query={__typename}&variables=null&extensions=null']) {
      const r = await get(qs.replace('{__typename}', encodeURIComponent('{__typename}')));
      assert.equal(r.status, 200, `${qs}: ${r.text}`);
      assert.equal(r.text, TYPENAME);
    }
  });

  const bad = [
    ['no query parameter', 'variables=%7B%7D', /query/],
    ['query twice', 'query=%7B__typename%7D&query=%7B__typename%7D', /"query" parameter appears twice/],
    ['a bad percent-escape', 'query=%7B__typename%7', /percent/],
    ['variables that are not JSON', 'query=%7B__typename%7D&variables=%7Bnope', /variables/],
    ['variables that are an array', 'query=%7B__typename%7D&variables=%5B1%5D', /variables/],
    ['variables that are a number', 'query=%7B__typename%7D&variables=5', /variables/],
    ['extensions that are a string', 'query=%7B__typename%7D&extensions=%22x%22', /extensions/],
  ];
  for (const [what, qs, pattern] of bad) {
    test(`${what}: 400 under either media type`, async () => {
      for (const accept of ['application/json', 'application/graphql-response+json']) {
        const r = await get(qs, { accept });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.headers.get('content-type'), accept === 'application/json' ? JSON_TYPE : GQL_TYPE);
        assertErrorBody(r, pattern);
      }
    });
  }

  test('a mutation: 405 with Allow: POST, under either media type, before anything runs', async () => {
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const r = await get({ query: 'mutation { __typename }' }, { accept });
      assert.equal(r.status, 405, r.text);
      assert.equal(r.headers.get('allow'), 'POST');
      assertErrorBody(r, /POST/);
    }
  });

  test('validation comes before the 405: an invalid mutation over GET gets its validation errors', async () => {
    const invalid = await get({ query: 'mutation ($v: Nope) { __typename }' });
    assert.equal(invalid.status, 200, invalid.text);
    assertErrorBody(invalid, /Unknown type "Nope"/);
    const other = await get({ query: 'mutation M { __typename } query Q { nope }', operationName: 'M' });
    assert.equal(other.status, 200, other.text);
    assertErrorBody(other, /Cannot query field "nope"/);
    const unknownField = await get({ query: 'mutation { nope }' });
    assert.equal(unknownField.status, 200, unknownField.text);
    assertErrorBody(unknownField, /Cannot query field "nope" on type "Mutation"/);
  });

  test('the operation operationName picks decides: mutation 405, query 200', async () => {
    const query = 'query Q { __typename } mutation M { __typename }';
    const m = await get({ query, operationName: 'M' });
    assert.equal(m.status, 405, m.text);
    assert.equal(m.headers.get('allow'), 'POST');
    const q = await get({ query, operationName: 'Q' });
    assert.equal(q.status, 200, q.text);
    assert.equal(q.text, TYPENAME);
  });

  test('a mutation over POST is not a method error: it runs', async () => {
    const r = await post({ query: 'mutation { __typename }' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"data":{"__typename":"Mutation"}}');
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });
});

describe('methods', () => {
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    test(`${method} /graphql: 405 with Allow: GET, POST (OPTIONS too only with CORS on)`, async () => {
      const r = await request(`${server.url}/graphql`, { method });
      assert.equal(r.status, 405, r.text);
      assert.equal(r.headers.get('allow'), 'GET, POST');
      assertErrorBody(r);
    });
  }

  test('a 405 speaks the negotiated type, with x-request-id; with no acceptable type, application/json', async () => {
    for (const [accept, type] of [['application/graphql-response+json', GQL_TYPE], ['application/json', JSON_TYPE],
      [undefined, JSON_TYPE], ['text/html', JSON_TYPE]]) {
      const r = await raw(server.port, { method: 'PUT', headers: accept ? { accept } : {} });
      assert.equal(r.status, 405, r.text);
      assert.equal(r.headers['content-type'], type, String(accept));
      assert.match(r.headers['x-request-id'] ?? '', /^[\w.=-]{1,64}$/);
      assert.equal(JSON.parse(r.text).errors[0].message, 'Use GET or POST on /graphql.');
    }
  });

  test('HEAD /graphql: 405', async () => {
    const r = await raw(server.port, { method: 'HEAD', path: '/graphql?query=%7B__typename%7D' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, POST');
  });
});

describe('POST Content-Type', () => {
  const accepted = ['application/json', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"', 'Application/JSON'];
  for (const type of accepted) {
    test(`${type}: accepted`, async () => {
      const r = await post({ query: '{ __typename }' }, { 'content-type': type });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.text, TYPENAME);
    });
  }
  const refused = [
    'text/plain',
    'application/graphql',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=utf-16',
    'application/jsonx',
    'application/json, text/plain',
  ];
  for (const type of refused) {
    test(`${type}: 415`, async () => {
      const r = await post({ query: '{ __typename }' }, { 'content-type': type });
      assert.equal(r.status, 415, r.text);
      assertErrorBody(r, /application\/json/);
    });
  }
  test('no Content-Type: 415', async () => {
    const r = await raw(server.port, { method: 'POST', body: '{"query":"{__typename}"}' });
    assert.equal(r.status, 415, r.text);
  });
});

describe('malformed POST bodies: 400 with a JSON error in the negotiated type', () => {
  const bodies = [
    ['invalid JSON', '{"query": "{ __typename }"', /JSON/],
    ['an empty body', '', /empty/],
    ['a JSON array', '[{"query":"{ __typename }"}]', /object/],
    ['a JSON string', '"{ __typename }"', /object/],
    ['no query', '{"variables":{}}', /query/],
    ['a number query', '{"query":1}', /query/],
    ['a null query', '{"query":null}', /query/],
    ['an object operationName', '{"query":"{ __typename }","operationName":{}}', /operationName/],
    ['a number operationName', '{"query":"{ __typename }","operationName":0}', /operationName/],
    ['string variables', '{"query":"{ __typename }","variables":"{}"}', /variables/],
    ['array variables', '{"query":"{ __typename }","variables":[]}', /variables/],
    ['boolean extensions', '{"query":"{ __typename }","extensions":false}', /extensions/],
    ['a duplicate key', '{"query":"{ __typename }","query":"{ __typename }"}', /JSON/],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), /JSON/],
  ];
  for (const [what, body, pattern] of bodies) {
    test(what, async () => {
      for (const accept of ['application/json', 'application/graphql-response+json']) {
        const r = await request(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept },
          body,
        });
        assert.equal(r.status, 400, r.text);
        assert.equal(r.headers.get('content-type'), accept === 'application/json' ? JSON_TYPE : GQL_TYPE);
        assertErrorBody(r, pattern);
      }
    });
  }

  test('null operationName, variables and extensions are absent ones', async () => {
    const r = await post({ query: '{ __typename }', operationName: null, variables: null, extensions: null });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, TYPENAME);
  });
});

describe('request errors: 200 under application/json, 400 under application/graphql-response+json', () => {
  const cases = [
    ['a syntax error', { query: '{ __typename' }],
    ['a validation error', { query: '{ nope }' }],
    ['a variable coercion error', { query: 'query ($id: ID!) { Product(productId: $id) { productId } }', variables: { id: null } }],
    ['an unknown operation name', { query: '{ __typename }', operationName: 'Nope' }],
  ];
  for (const [what, payload] of cases) {
    test(what, async () => {
      const json = await post(payload, { accept: 'application/json' });
      assert.equal(json.status, 200, json.text);
      assert.equal(json.headers.get('content-type'), JSON_TYPE);
      assertErrorBody(json);
      const gql = await post(payload, { accept: 'application/graphql-response+json' });
      assert.equal(gql.status, 400, gql.text);
      assert.equal(gql.headers.get('content-type'), GQL_TYPE);
      assert.equal(gql.text, json.text, 'the same body');
    });
  }
});

describe('body limit', () => {
  let small;
  before(async () => {
    small = await startServer({ GQLD_MAX_BODY_BYTES: 1024 });
  });
  after(async () => {
    if (small) assertCleanExit(small, await small.stop());
  });
  const padded = JSON.stringify({ query: `{ __typename }${' '.repeat(2048)}` });

  const TOO_LARGE = '{"errors":[{"message":"The request body is larger than the limit of 1024 bytes."}]}';

  test('a Content-Length over GQLD_MAX_BODY_BYTES: 413, GraphQL-shaped in the negotiated type, with x-request-id', async () => {
    for (const [accept, type] of [[undefined, JSON_TYPE], ['application/graphql-response+json', GQL_TYPE]]) {
      const headers = { 'content-type': 'application/json', 'x-request-id': `too-large-${type.length}`, ...(accept ? { accept } : {}) };
      const r = await raw(small.port, { method: 'POST', headers, body: padded });
      assert.equal(r.status, 413);
      assert.equal(r.headers['content-type'], type);
      assert.equal(r.headers['x-request-id'], headers['x-request-id'], 'the caller\'s id, as on every answer');
      assert.equal(r.text, TOO_LARGE);
    }
    // Without an id of the caller's, one is made, and the access log line carries the same.
    const r = await raw(small.port, { method: 'POST', headers: { 'content-type': 'application/json' }, body: padded });
    const id = r.headers['x-request-id'];
    assert.match(id ?? '', /^[\w.=-]{1,64}$/);
    const line = await small.stdout.waitFor((l) => parseJsonLine(l)?.request_id === id, 5000, 'the 413\'s access-log line');
    assert.equal(parseJsonLine(line).status, 413);
  });

  test('a chunked body that grows over GQLD_MAX_BODY_BYTES: 413', async () => {
    const chunks = [padded.slice(0, 600), padded.slice(600, 1200), padded.slice(1200)];
    const wire =
      'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
      chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('') +
      '0\r\n\r\n';
    const answer = await new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port: small.port });
      let text = '';
      const timer = setTimeout(() => sock.destroy(new Error('no answer in 15 s')), 15000);
      sock.setEncoding('utf8');
      sock.on('data', (d) => (text += d));
      sock.on('error', (err) => (text ? undefined : reject(err))); // a reset after the answer is fine
      sock.on('close', () => {
        clearTimeout(timer);
        resolve(text);
      });
      sock.end(wire);
    });
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
    assert.match(answer, /\r\nx-request-id: [\w.=-]+\r\n/i);
    assert.ok(answer.endsWith(`\r\n\r\n${TOO_LARGE}`), answer);
  });

  test('broken framing (h2o\'s own 400) is GraphQL-shaped too', async () => {
    const answer = await new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port: small.port });
      let text = '';
      sock.setEncoding('utf8');
      sock.on('data', (d) => (text += d));
      sock.on('error', (err) => (text ? undefined : reject(err)));
      sock.on('close', () => resolve(text));
      sock.end('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: nope\r\n\r\n');
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /\r\nx-request-id: [\w.=-]+\r\n/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    assert.deepEqual(body, { errors: [{ message: 'The request is malformed: broken content-length header.' }] });
  });

  test('a chunked body under the limit is served', async () => {
    const r = await raw(small.port, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: '{"query":"{ __typename }"}',
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, TYPENAME);
  });
});
