// The playground over HTTP: the page and its embedded assets, content types,
// gzip by Accept-Encoding, caching (immutable assets, an ETag on the page),
// the security headers, HEAD, and GQLD_PLAYGROUND=off. The browser test
// (tests/browser/playground.test.mjs) checks that the page works.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { NOTEBOOK_BODY, PRODUCT_QUERY, assertCleanExit, graphql, startServer } from './lib.mjs';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
  "img-src 'self' data:; font-src 'self' data:; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
const IMMUTABLE = 'public, max-age=31536000, immutable';
const TYPES = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

// One keep-alive connection for every request of a test: a response framed
// wrongly (a HEAD or a 304 with a body, a missing length) breaks the next one.
function client() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  // node:http neither adds Accept-Encoding nor decompresses: the test sees the bytes gqld sends.
  const send = (base, path, { method = 'GET', headers = {} } = {}) =>
    new Promise((resolve, reject) => {
      const req = http.request(`${base}${path}`, { method, headers, agent, timeout: 15000 }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 15 s`)));
      req.on('error', reject);
      req.end();
    });
  return { send, close: () => agent.destroy() };
}

function assertSecurityHeaders(r, what) {
  assert.equal(r.headers['content-security-policy'], CSP, `${what}: CSP`);
  assert.equal(r.headers['x-content-type-options'], 'nosniff', `${what}: nosniff`);
  assert.equal(r.headers['referrer-policy'], 'no-referrer', `${what}: referrer policy`);
}

describe('playground on (the default)', () => {
  let server;
  let c;
  let page; // GET / without Accept-Encoding
  let assets; // the URLs the page loads

  before(async () => {
    server = await startServer();
    c = client();
    page = await c.send(server.url, '/');
    assets = [...page.body.toString('utf8').matchAll(/(?:src|href)="(\/playground\/assets\/[^"]+)"/g)].map((m) => m[1]);
  });
  after(async () => {
    c?.close();
    if (server) assertCleanExit(server, await server.stop(), 'gqld exits 0 (and the sanitizers find nothing)');
  });

  test('GET / is the GraphiQL page, revalidated on every use', () => {
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal(page.headers.vary, 'Accept-Encoding');
    assert.equal(page.headers['content-encoding'], undefined, 'identity without Accept-Encoding');
    assert.equal(Number(page.headers['content-length']), page.body.length);
    assert.match(page.headers.etag, /^W\/"[0-9a-f]{16}"$/);
    assertSecurityHeaders(page, 'the page');
    const html = page.body.toString('utf8');
    assert.match(html, /<div id="graphiql">/);
    assert.doesNotMatch(html, /<script>|<style|https?:\/\//, 'no inline script or style, nothing from elsewhere');
  });

  test('the page loads React, ReactDOM, GraphiQL and our script and style, by content-hashed URLs', () => {
    const names = assets.map((a) => a.replace(/^\/playground\/assets\//, ''));
    for (const re of [
      /^react-18\.3\.1\.[0-9a-f]{16}\.js$/,
      /^react-dom-18\.3\.1\.[0-9a-f]{16}\.js$/,
      /^graphiql-3\.9\.0\.[0-9a-f]{16}\.js$/,
      /^graphiql-3\.9\.0\.[0-9a-f]{16}\.css$/,
      /^playground\.[0-9a-f]{16}\.js$/,
      /^playground\.[0-9a-f]{16}\.css$/,
    ]) {
      assert.ok(names.some((n) => re.test(n)), `${re} among ${names.join(', ')}`);
    }
    assert.equal(assets.length, 6);
  });

  test('/playground and /playground/ serve the same page; a query string is ignored', async () => {
    for (const path of ['/playground', '/playground/', '/?query=%7B__typename%7D']) {
      const r = await c.send(server.url, path);
      assert.equal(r.status, 200, path);
      assert.ok(r.body.equals(page.body), `${path} is the page`);
    }
  });

  test('each asset: its content type, cached for a year, gzip when accepted and identical once unzipped', async () => {
    for (const url of assets) {
      const plain = await c.send(server.url, url);
      const ext = url.split('.').pop();
      assert.equal(plain.status, 200, url);
      assert.equal(plain.headers['content-type'], TYPES[ext], url);
      assert.equal(plain.headers['cache-control'], IMMUTABLE, url);
      assert.equal(plain.headers.vary, 'Accept-Encoding', url);
      assert.equal(plain.headers['content-encoding'], undefined, url);
      assert.equal(Number(plain.headers['content-length']), plain.body.length, url);
      assertSecurityHeaders(plain, url);
      assert.ok(plain.body.length > 0, url);

      const zipped = await c.send(server.url, url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
      assert.equal(zipped.status, 200, url);
      assert.equal(zipped.headers['content-encoding'], 'gzip', url);
      assert.equal(zipped.headers['content-type'], TYPES[ext], url);
      assert.equal(Number(zipped.headers['content-length']), zipped.body.length, url);
      assert.ok(zipped.body.length < plain.body.length, `${url}: the gzip copy is smaller`);
      assert.ok(gunzipSync(zipped.body).equals(plain.body), `${url}: gunzip gives the identity bytes`);
    }
  });

  test('the big assets really are the npm builds (GraphiQL 3.9.0, React 18.3.1)', async () => {
    const body = async (re) => (await c.send(server.url, assets.find((a) => re.test(a)))).body.toString('utf8');
    assert.match(await body(/\/react-18/), /\.version="18\.3\.1"/);
    assert.match(await body(/\/react-dom-18/), /\.version="18\.3\.1/);
    const graphiql = await body(/\/graphiql-.*\.js$/);
    assert.ok(graphiql.length > 500000, 'the whole UMD bundle');
    assert.match(graphiql, /\.GraphiQL=/);
    assert.doesNotMatch(graphiql, /new Function\(|[^.\w]eval\(/, 'nothing that needs unsafe-eval');
  });

  test('Accept-Encoding is read as RFC 9110 says: weights, x-gzip, * and identity', async () => {
    const url = assets.find((a) => a.endsWith('.css'));
    const cases = [
      ['gzip', 'gzip'],
      ['GZIP;q=0.5', 'gzip'],
      ['x-gzip', 'gzip'],
      ['*', 'gzip'],
      ['br;q=1.0, gzip;q=0.1', 'gzip'],
      ['gzip;q=0', undefined],
      ['gzip; q=0.000', undefined],
      ['identity', undefined],
      ['br', undefined],
      ['*;q=0', undefined],
      ['gzip;q=0, *', undefined],
      ['', undefined],
    ];
    for (const [value, expected] of cases) {
      const r = await c.send(server.url, url, { headers: { 'accept-encoding': value } });
      assert.equal(r.status, 200, value);
      assert.equal(r.headers['content-encoding'], expected, `Accept-Encoding: ${value}`);
    }
    const page = await c.send(server.url, '/', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(page.headers['content-encoding'], 'gzip', 'the page too');
    assert.match(gunzipSync(page.body).toString('utf8'), /<div id="graphiql">/);
  });

  test('If-None-Match with the page ETag answers 304 without a body; another tag gets the page', async () => {
    const etag = page.headers.etag;
    for (const value of [etag, etag.slice(2), `"nope", ${etag}`, '*']) {
      const r = await c.send(server.url, '/', { headers: { 'if-none-match': value } });
      assert.equal(r.status, 304, `If-None-Match: ${value}`);
      assert.equal(r.body.length, 0);
      assert.equal(r.headers.etag, etag);
      assert.equal(r.headers['cache-control'], 'no-cache');
    }
    const other = await c.send(server.url, '/playground', { headers: { 'if-none-match': 'W/"0000000000000000"' } });
    assert.equal(other.status, 200);
    assert.ok(other.body.equals(page.body));
    const zipped = await c.send(server.url, '/', { headers: { 'if-none-match': etag, 'accept-encoding': 'gzip' } });
    assert.equal(zipped.status, 304, 'the tag holds for the gzip representation too (a weak validator)');
  });

  test('HEAD: the headers of GET, no body', async () => {
    for (const [path, headers] of [
      ['/', {}],
      [assets[0], {}],
      [assets[0], { 'accept-encoding': 'gzip' }],
    ]) {
      const get = await c.send(server.url, path, { headers });
      const head = await c.send(server.url, path, { method: 'HEAD', headers });
      assert.equal(head.status, 200, path);
      assert.equal(head.body.length, 0, path);
      for (const h of ['content-type', 'content-length', 'content-encoding', 'cache-control', 'etag']) {
        assert.equal(head.headers[h], get.headers[h], `${path}: ${h}`);
      }
    }
  });

  test('other methods get 405 with Allow; unknown assets 404; /graphql is untouched', async () => {
    const post = await c.send(server.url, '/playground', { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET, HEAD');
    for (const path of ['/playground/assets/nope.js', '/playground/assets/', '/playground/x', '/index.html']) {
      assert.equal((await c.send(server.url, path)).status, 404, path);
    }
    const r = await graphql(server.url, PRODUCT_QUERY);
    assert.equal(r.status, 200);
    assert.equal(r.text, NOTEBOOK_BODY);
  });
});

describe('GQLD_PLAYGROUND=off', () => {
  let server;
  let c;
  before(async () => {
    server = await startServer({ GQLD_PLAYGROUND: 'off' });
    c = client();
  });
  after(async () => {
    c?.close();
    if (server) assertCleanExit(server, await server.stop(), 'gqld exits 0');
  });

  test('the page and its assets are 404; the API still answers', async () => {
    const on = await startServer();
    let assets;
    try {
      const html = (await c.send(on.url, '/')).body.toString('utf8');
      assets = [...html.matchAll(/(?:src|href)="(\/playground\/assets\/[^"]+)"/g)].map((m) => m[1]);
    } finally {
      assertCleanExit(on, await on.stop(), 'the reference server exits 0');
    }
    assert.ok(assets.length > 0);
    for (const path of ['/', '/playground', '/playground/', ...assets]) {
      const r = await c.send(server.url, path);
      assert.equal(r.status, 404, path);
      assert.equal(r.headers['content-security-policy'], undefined, path);
    }
    const r = await graphql(server.url, PRODUCT_QUERY);
    assert.equal(r.status, 200);
    assert.equal(r.text, NOTEBOOK_BODY);
  });

  test('--playground on overrides the environment', async () => {
    const flagged = await startServer({ GQLD_PLAYGROUND: 'off' }, { args: ['--playground', 'on'] });
    try {
      const r = await c.send(flagged.url, '/playground');
      assert.equal(r.status, 200);
    } finally {
      assertCleanExit(flagged, await flagged.stop(), 'gqld exits 0');
    }
  });
});
