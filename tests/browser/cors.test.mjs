// CORS in a real browser: headless Chromium (Debian's package) driven by
// playwright-core loads a tiny page that node serves on other loopback ports,
// and the page fetches /graphql on gqld with `Authorization: Bearer x` and a
// JSON body (so Chromium sends a preflight first). From an origin listed in
// GQLD_CORS_ORIGINS the JSON arrives; from another one fetch rejects with a
// CORS error and the query never reaches gqld. With "*", credentialed requests
// are refused by the browser (no Allow-Credentials with "*"); with a listed
// origin they work. Not one request leaves 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHROMIUM, launchChromium } from './chromium.mjs';
import { assertCleanExit, parseJsonLine, pollUntil, startServer } from '../integration/lib.mjs';

const ARTIFACTS = process.env.GQLD_TEST_ARTIFACTS ?? tmpdir();

if (!existsSync(CHROMIUM)) {
  // infra/dev/deps.sh installs Debian's chromium; skip only where no such package exists.
  if (spawnSync('apt-cache', ['show', 'chromium'], { stdio: 'ignore' }).status !== 0) {
    console.log(`${CHROMIUM} is missing and no chromium package is available here: skipped`);
    process.exit(77);
  }
}


// The page: a button-less harness. call() runs one fetch and shows its outcome in the page (for the screenshot).
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>gqld CORS test</title>
<style>body { font: 16px sans-serif; margin: 2em } pre { background: #eee; padding: 1em }</style></head>
<body><h1>A frontend app on another origin</h1><pre id="out">(nothing yet)</pre>
<script>
window.call = async (url, { method = 'POST', credentials = 'same-origin', headers = {} } = {}) => {
  const query = '{ Product(productId: "notebook") { productId productName } }';
  const init = { method, credentials, headers: { authorization: 'Bearer x', ...headers } };
  if (method === 'POST') {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify({ query });
  } else {
    url += '?query=' + encodeURIComponent(query);
  }
  let outcome;
  try {
    const r = await fetch(url, init);
    outcome = { ok: true, status: r.status, requestId: r.headers.get('x-request-id'), body: await r.json() };
  } catch (e) {
    outcome = { ok: false, error: e.name + ': ' + e.message };
  }
  document.getElementById('out').textContent = location.origin + ' -> ' + url + '\\n' + JSON.stringify(outcome, null, 2);
  return outcome;
};
</script></body></html>`;

// One node server per page origin (an origin includes its port).
function startPageServer() {
  return new Promise((resolve) => {
    const srv = http.createServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(PAGE);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
    srv.listen(0, '127.0.0.1', () => resolve({ srv, origin: `http://127.0.0.1:${srv.address().port}` }));
  });
}

let allowedPage; // its origin is in GQLD_CORS_ORIGINS
let strangerPage; // its origin is not
let listed; // gqld with GQLD_CORS_ORIGINS=<allowedPage's origin>
let any; // gqld with GQLD_CORS_ORIGINS=*
let context;
let browser;
const requests = []; // every URL any page asked for
const consoleMessages = [];

before(async () => {
  [allowedPage, strangerPage] = await Promise.all([startPageServer(), startPageServer()]);
  // The page sends a stand-in token ("Bearer x"): AUTH_MODE=none ignores it (tokens: tests/integration/auth_*).
  [listed, any] = await Promise.all([
    startServer({ GQLD_CORS_ORIGINS: allowedPage.origin, AUTH_MODE: 'none' }),
    startServer({ GQLD_CORS_ORIGINS: '*', AUTH_MODE: 'none' }),
  ]);
  browser = await launchChromium({ width: 1000, height: 700 });
  context = browser.context;
  context.on('request', (r) => requests.push(r.url()));
  context.on('console', (msg) => consoleMessages.push(msg.text()));
});

after(async () => {
  await browser?.close();
  for (const p of [allowedPage, strangerPage]) p?.srv.close();
  for (const s of [listed, any]) if (s) assertCleanExit(s, await s.stop(), 'gqld exits 0 (and the sanitizers find nothing)');
});

async function openPage(pageServer) {
  const page = await context.newPage();
  const response = await page.goto(`${pageServer.origin}/`, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  return page;
}

// The access-log lines of /graphql from a server since index `from`: "METHOD STATUS".
const graphqlLog = (server, from) =>
  server.stdoutLines
    .slice(from)
    .map(parseJsonLine)
    .filter((e) => e?.path === '/graphql')
    .map((e) => `${e.method} ${e.status}`);

const NOTEBOOK = { data: { Product: { productId: 'notebook', productName: 'notebook_red' } } };

describe('an origin in GQLD_CORS_ORIGINS', () => {
  test('POST with Authorization: the preflight passes and the JSON arrives, x-request-id readable', async () => {
    const page = await openPage(allowedPage);
    const from = listed.stdoutLines.length;
    const outcome = await page.evaluate((url) => window.call(url), `${listed.url}/graphql`);
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.equal(outcome.status, 200);
    assert.deepEqual(outcome.body, NOTEBOOK);
    assert.ok(outcome.requestId, 'Access-Control-Expose-Headers lets the page read x-request-id');
    await pollUntil(() => graphqlLog(listed, from).includes('POST 200'), { what: 'the POST in the access log' });
    assert.deepEqual(graphqlLog(listed, from), ['OPTIONS 204', 'POST 200'], 'a preflight, then the query');

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'cors-allowed.png');
    await page.screenshot({ path: shot });
    console.log(`screenshot: ${shot}`);
    await page.close();
  });

  test('GET with Authorization works too', async () => {
    const page = await openPage(allowedPage);
    const outcome = await page.evaluate((url) => window.call(url, { method: 'GET' }), `${listed.url}/graphql`);
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.deepEqual(outcome.body, NOTEBOOK);
    await page.close();
  });

  test('with credentials: "include" (Allow-Credentials: true for a listed origin)', async () => {
    const page = await openPage(allowedPage);
    const outcome = await page.evaluate((url) => window.call(url, { credentials: 'include' }), `${listed.url}/graphql`);
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.deepEqual(outcome.body, NOTEBOOK);
    await page.close();
  });

  test('an Apollo Client request (its CSRF and client-awareness headers) passes the preflight', async () => {
    const page = await openPage(allowedPage);
    const headers = {
      'apollo-require-preflight': 'true',
      'x-apollo-operation-name': 'Notebook',
      'apollographql-client-name': 'web',
      'apollographql-client-version': '1.0.0',
      accept: 'application/graphql-response+json, application/json;q=0.9',
    };
    const outcome = await page.evaluate(([url, h]) => window.call(url, { headers: h }), [`${listed.url}/graphql`, headers]);
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.deepEqual(outcome.body, NOTEBOOK);
    await page.close();
  });
});

describe('an origin not in GQLD_CORS_ORIGINS', () => {
  test('POST with Authorization: fetch rejects with a CORS error, the query never reaches gqld', async () => {
    const page = await openPage(strangerPage);
    const from = listed.stdoutLines.length;
    const seen = consoleMessages.length;
    const outcome = await page.evaluate((url) => window.call(url), `${listed.url}/graphql`);
    assert.equal(outcome.ok, false, JSON.stringify(outcome));
    assert.match(outcome.error, /^TypeError: Failed to fetch/);
    await pollUntil(() => consoleMessages.slice(seen).some((m) => /blocked by CORS policy/.test(m)), {
      what: "Chromium's CORS message on the console",
    });
    await pollUntil(() => graphqlLog(listed, from).length > 0, { what: 'the preflight in the access log' });
    assert.deepEqual(graphqlLog(listed, from), ['OPTIONS 403'], 'only the preflight, refused');

    const shot = path.join(ARTIFACTS, 'cors-refused.png');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: shot });
    console.log(`screenshot: ${shot}`);
    await page.close();
  });

  test('a simple GET (no preflight): gqld answers, but the page cannot read the answer', async () => {
    const page = await openPage(strangerPage);
    const outcome = await page.evaluate(async (url) => {
      try {
        await fetch(`${url}?query=${encodeURIComponent('{ __typename }')}`);
        return { ok: true };
      } catch (e) {
        return { ok: false, error: `${e.name}: ${e.message}` };
      }
    }, `${listed.url}/graphql`);
    assert.equal(outcome.ok, false, JSON.stringify(outcome));
    assert.match(outcome.error, /^TypeError: Failed to fetch/);
    await page.close();
  });
});

describe('GQLD_CORS_ORIGINS=*', () => {
  test('any origin gets the JSON without credentials', async () => {
    const page = await openPage(strangerPage);
    const outcome = await page.evaluate((url) => window.call(url), `${any.url}/graphql`);
    assert.equal(outcome.ok, true, JSON.stringify(outcome));
    assert.deepEqual(outcome.body, NOTEBOOK);
    await page.close();
  });

  test('with credentials: "include" the browser refuses (no Allow-Credentials with "*")', async () => {
    const page = await openPage(strangerPage);
    const outcome = await page.evaluate((url) => window.call(url, { credentials: 'include' }), `${any.url}/graphql`);
    assert.equal(outcome.ok, false, JSON.stringify(outcome));
    assert.match(outcome.error, /^TypeError: Failed to fetch/);
    await page.close();
  });
});

test('not one request left 127.0.0.1', () => {
  assert.ok(requests.length >= 8, `the pages and their fetches were seen: ${requests.join('\n')}`);
  const outside = requests.filter((u) => !u.startsWith('http://127.0.0.1:'));
  assert.deepEqual(outside, []);
});
