// CORS on /graphql at the HTTP level (tests/browser/cors.test.mjs checks what a
// real browser makes of it): off by default; with GQLD_CORS_ORIGINS a list of
// origins or "*"; preflights; the headers of actual answers, errors included;
// nothing for origins not listed; start-up errors for a malformed list.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertCleanExit, request, runGqld, startServer } from './lib.mjs';

const APP = 'http://localhost:3000';
const OTHER_APP = 'https://shop.example.com:8443';
const STRANGER = 'http://evil.example';
// What Apollo Client and urql may send, beside content-type and authorization.
const CLIENT_HEADERS = [
  'content-type',
  'authorization',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
];
const QUERY = JSON.stringify({ query: '{ __typename }' });

const servers = {};
// The requests carry a stand-in token ("Bearer x"): AUTH_MODE=none ignores it (tokens: auth_*.test.mjs).
const NO_AUTH = { AUTH_MODE: 'none' };
before(async () => {
  [servers.off, servers.list, servers.any] = await Promise.all([
    startServer(NO_AUTH),
    startServer({ ...NO_AUTH, GQLD_CORS_ORIGINS: `${APP}, ${OTHER_APP}`, GQLD_CORS_MAX_AGE: 120, GQLD_MAX_BODY_BYTES: 1024 }),
    startServer({ ...NO_AUTH, GQLD_CORS_ORIGINS: '*' }),
  ]);
});
after(async () => {
  for (const s of Object.values(servers)) assertCleanExit(s, await s.stop(), 'gqld exits 0 (and the sanitizers find nothing)');
});

const corsHeaders = (headers) => [...headers.keys()].filter((k) => k.startsWith('access-control-'));

const preflight = (server, origin, method = 'POST', requestHeaders = 'authorization,content-type') =>
  request(`${server.url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      ...(requestHeaders ? { 'access-control-request-headers': requestHeaders } : {}),
    },
  });

const postFrom = (server, origin, body = QUERY, headers = {}) =>
  request(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}), authorization: 'Bearer x', ...headers },
    body,
  });

describe('CORS off (the default)', () => {
  test('no CORS header and no Vary on answers to a page of another origin', async () => {
    const r = await postFrom(servers.off, APP);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(corsHeaders(r.headers), []);
    assert.equal(r.headers.get('vary'), null);
  });

  test('OPTIONS, preflight or not, is an unsupported method: 405 with Allow: GET, POST', async () => {
    for (const r of [await preflight(servers.off, APP), await request(`${servers.off.url}/graphql`, { method: 'OPTIONS' })]) {
      assert.equal(r.status, 405, r.text);
      assert.equal(r.headers.get('allow'), 'GET, POST');
      assert.deepEqual(corsHeaders(r.headers), []);
    }
  });
});

describe('GQLD_CORS_ORIGINS with origins', () => {
  test('a preflight from a listed origin: 204 with origin, credentials, methods, headers, max age, Vary', async () => {
    for (const origin of [APP, OTHER_APP]) {
      const r = await preflight(servers.list, origin);
      assert.equal(r.status, 204, r.text);
      assert.equal(r.text, '');
      assert.equal(r.headers.get('content-length'), null, 'a 204 has no Content-Length');
      assert.equal(r.headers.get('access-control-allow-origin'), origin);
      assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
      assert.equal(r.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
      const allowed = r.headers.get('access-control-allow-headers').split(/\s*,\s*/);
      for (const h of CLIENT_HEADERS) assert.ok(allowed.includes(h), `${h} in ${allowed}`);
      assert.equal(r.headers.get('access-control-max-age'), '120', 'GQLD_CORS_MAX_AGE');
      assert.match(r.headers.get('vary'), /\bOrigin\b/);
    }
  });

  test('a preflight from an origin not listed: 403 without CORS headers', async () => {
    for (const origin of [STRANGER, 'null', `${APP}/`, 'http://localhost:3001', 'https://localhost:3000']) {
      const r = await preflight(servers.list, origin);
      assert.equal(r.status, 403, `${origin}: ${r.text}`);
      assert.deepEqual(corsHeaders(r.headers), [], origin);
      assert.match(r.headers.get('vary'), /\bOrigin\b/);
      assert.match(r.json?.errors?.[0]?.message ?? '', /GQLD_CORS_ORIGINS/);
    }
  });

  test('OPTIONS that is not a preflight: 204 with Allow: GET, POST, OPTIONS', async () => {
    const r = await request(`${servers.list.url}/graphql`, { method: 'OPTIONS' });
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('allow'), 'GET, POST, OPTIONS');
  });

  test('an answer to a listed origin: Allow-Origin, Allow-Credentials, Expose-Headers, Vary', async () => {
    const r = await postFrom(servers.list, APP);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"data":{"__typename":"Query"}}');
    assert.equal(r.headers.get('access-control-allow-origin'), APP);
    assert.equal(r.headers.get('access-control-allow-credentials'), 'true');
    assert.match(r.headers.get('access-control-expose-headers'), /\bx-request-id\b/);
    assert.match(r.headers.get('vary'), /\bOrigin\b/);
    assert.ok(r.headers.get('x-request-id'));
  });

  test('GET from a listed origin too', async () => {
    const r = await request(`${servers.list.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { origin: OTHER_APP },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('access-control-allow-origin'), OTHER_APP);
  });

  test('an answer to an origin not listed, or without Origin: no CORS header, Vary: Origin', async () => {
    for (const origin of [STRANGER, undefined]) {
      const r = await postFrom(servers.list, origin);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(corsHeaders(r.headers), [], String(origin));
      assert.match(r.headers.get('vary'), /\bOrigin\b/, 'caches must key on Origin');
    }
  });

  test('error answers carry the headers too, so the page can read them (400, 405, 406, 415, 413)', async () => {
    const url = `${servers.list.url}/graphql`;
    const answers = {
      400: await postFrom(servers.list, APP, '{"query":'),
      405: await request(url, { method: 'PUT', headers: { origin: APP } }),
      406: await postFrom(servers.list, APP, QUERY, { accept: 'text/html' }),
      415: await postFrom(servers.list, APP, QUERY, { 'content-type': 'text/plain' }),
      413: await postFrom(servers.list, APP, JSON.stringify({ query: `{ __typename }${' '.repeat(2048)}` })),
    };
    for (const [status, r] of Object.entries(answers)) {
      assert.equal(r.status, Number(status), r.text);
      assert.equal(r.headers.get('access-control-allow-origin'), APP, `on the ${status}`);
      assert.match(r.headers.get('vary') ?? '', /\bOrigin\b/, `on the ${status}`);
    }
    assert.equal(answers[405].headers.get('allow'), 'GET, POST, OPTIONS');
  });

  test('a mutation over GET from a listed origin: 405 with Allow: POST and the CORS headers', async () => {
    const r = await request(`${servers.list.url}/graphql?query=${encodeURIComponent('mutation { __typename }')}`, {
      headers: { origin: APP },
    });
    assert.equal(r.status, 405, r.text);
    assert.equal(r.headers.get('allow'), 'POST');
    assert.equal(r.headers.get('access-control-allow-origin'), APP);
  });

  test('other paths get no CORS headers', async () => {
    const r = await request(`${servers.list.url}/healthz`, { headers: { origin: APP } });
    assert.equal(r.status, 200);
    assert.deepEqual(corsHeaders(r.headers), []);
  });
});

describe('GQLD_CORS_ORIGINS=*', () => {
  test('a preflight from any origin: Allow-Origin *, never with credentials', async () => {
    for (const origin of [APP, STRANGER, 'null']) {
      const r = await preflight(servers.any, origin);
      assert.equal(r.status, 204, r.text);
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      assert.equal(r.headers.get('access-control-allow-credentials'), null);
      assert.match(r.headers.get('access-control-allow-headers'), /\bauthorization\b/, 'listed: "*" would not cover it');
      assert.equal(r.headers.get('access-control-max-age'), '600', 'the default GQLD_CORS_MAX_AGE');
    }
  });

  test('an answer: Allow-Origin *, no credentials', async () => {
    const r = await postFrom(servers.any, STRANGER);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
    assert.equal(r.headers.get('access-control-allow-credentials'), null);
    assert.match(r.headers.get('access-control-expose-headers'), /\bx-request-id\b/);
  });

  test('a request without Origin is no CORS request: no CORS header', async () => {
    const r = await postFrom(servers.any, undefined);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(corsHeaders(r.headers), []);
  });
});

describe('start-up checks of GQLD_CORS_ORIGINS', () => {
  const bad = ['http://localhost:3000/', 'localhost:3000', '*, http://localhost:3000', 'http://a.example,', 'null', 'ftp://x.example', 'http://a.example/path'];
  for (const value of bad) {
    test(`"${value}": exit 2 with a message naming the setting`, async () => {
      const r = await runGqld(['serve'], { GQLD_CORS_ORIGINS: value, DATABASE_URL: 'postgresql://127.0.0.1:1/none' });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /GQLD_CORS_ORIGINS/);
    });
  }

  test('--cors-origins overrides the environment', async () => {
    const s = await startServer({ GQLD_CORS_ORIGINS: 'not an origin' }, { args: ['--cors-origins', APP] });
    try {
      const r = await preflight(s, APP);
      assert.equal(r.status, 204);
      assert.equal(r.headers.get('access-control-allow-origin'), APP);
    } finally {
      assertCleanExit(s, await s.stop());
    }
  });

  test('--help lists both settings', async () => {
    const r = await runGqld(['--help']);
    assert.match(r.stdout + r.stderr, /GQLD_CORS_ORIGINS/);
    assert.match(r.stdout + r.stderr, /GQLD_CORS_MAX_AGE/);
  });
});
