// The playground in a real browser: headless Chromium (Debian's package)
// driven by playwright-core opens gqld's page, which must work with every byte
// coming from gqld: the page loads under its Content-Security-Policy, the
// docs explorer shows the schema (introspection), the example query runs and
// shows its JSON, the Headers pane sends what is pasted into it, and not one
// request leaves 127.0.0.1. Saves a screenshot beside meson's logs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHROMIUM, launchChromium } from './chromium.mjs';
import { assertCleanExit, startServer } from '../integration/lib.mjs';

// The build directory's meson-logs (set by tests/browser/meson.build), or the system's temp directory.
const ARTIFACTS = process.env.GQLD_TEST_ARTIFACTS ?? tmpdir();


let server;
let context;
let page;
let browser;
const requests = []; // every URL the page asked for
const cspReports = []; // console lines and securitypolicyviolation events about the CSP
const pageErrors = []; // uncaught exceptions in the page
const consoleErrors = [];

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (./dev deps does)`);
  server = await startServer();
  browser = await launchChromium({ width: 1400, height: 850 });
  context = browser.context;
  // Runs before the page's own scripts (through the DevTools protocol, which the page's CSP does not govern).
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (msg) => {
    const text = msg.text();
    if (/content security policy|refused to (load|execute|apply|evaluate|connect)/i.test(text)) cspReports.push(text);
    if (msg.type() === 'error') consoleErrors.push(text);
  });
});

after(async () => {
  await browser?.close();
  if (server) assertCleanExit(server, await server.stop(), 'gqld exits 0 (and the sanitizers find nothing)');
});

// The editor of the Headers pane while that pane is shown (the Variables one sits beside it, hidden).
const HEADERS_EDITOR = 'section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror';

// The text of a CodeMirror editor (GraphiQL 3's editors), through its own API: the DOM holds only what is in view.
const editorText = (selector) =>
  page.evaluate((sel) => document.querySelector(sel)?.CodeMirror?.getValue() ?? null, selector);

test('the page loads from gqld alone and mounts GraphiQL with the example query', async () => {
  const response = await page.goto(`${server.url}/`, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  await page.locator('.graphiql-container').waitFor({ timeout: 30000 });
  assert.equal(await page.title(), 'gqld playground');
  const query = await editorText('.graphiql-query-editor .CodeMirror');
  assert.match(query, /^# /, 'the example starts with a comment line');
  assert.match(query, /Product\(productId: "notebook"\) \{\s+productId\s+productName\s+price\s+\}/);
});

test('the Headers pane is there, open, for a Bearer token', async () => {
  const tab = page.getByRole('button', { name: 'Headers' });
  await tab.waitFor();
  assert.match((await tab.getAttribute('class')) ?? '', /active/, 'the Headers tab is the one shown');
  await page.locator(HEADERS_EDITOR).waitFor({ state: 'visible' });
});

test('the docs explorer is open and shows the schema from introspection, Product among its types', async () => {
  const explorer = page.locator('.graphiql-doc-explorer');
  await explorer.waitFor();
  await explorer.getByText('Query', { exact: true }).first().waitFor({ timeout: 20000 });
  await explorer.getByText('Product', { exact: true }).first().waitFor({ timeout: 20000 });
  await explorer.getByText('Query', { exact: true }).first().click();
  await explorer.getByText('Product', { exact: true }).first().waitFor();
  assert.match(await explorer.innerText(), /productId/, 'Query.Product and its argument are documented');
});

test('Ctrl-Enter runs the example query and the result pane shows the notebook', async () => {
  const answered = page.waitForResponse((r) => r.url() === `${server.url}/graphql` && r.request().method() === 'POST');
  await page.locator('.graphiql-query-editor .CodeMirror').click();
  await page.keyboard.press('Control+Enter');
  const response = await answered;
  assert.equal(response.status(), 200);
  await page.waitForFunction(
    () => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror?.getValue().includes('notebook_red'),
    null,
    { timeout: 20000 },
  );
  const result = await editorText('.graphiql-response .CodeMirror');
  assert.match(result, /"productName": "notebook_red"/);
  assert.match(result, /"price": 19\.99/);

  mkdirSync(ARTIFACTS, { recursive: true });
  const shot = path.join(ARTIFACTS, 'playground.png');
  await page.screenshot({ path: shot });
  console.log(`screenshot: ${shot}`);
});

test('what is pasted into the Headers pane goes with the request', async () => {
  const setHeaders = (text) =>
    page.evaluate(([sel, value]) => document.querySelector(sel).CodeMirror.setValue(value), [HEADERS_EDITOR, text]);
  await setHeaders('{"Authorization": "Bearer playground-test"}');
  const sent = page.waitForRequest((r) => r.url() === `${server.url}/graphql` && r.method() === 'POST');
  await page.locator('.graphiql-execute-button').click();
  const request = await sent;
  assert.equal(request.headers().authorization, 'Bearer playground-test');
  assert.equal(request.headers()['content-type'], 'application/json');
  await request.response();
  // GraphiQL saves its tabs (debounced) in localStorage: the token must not be there.
  await page.waitForFunction(() => localStorage.getItem('graphiql:tabState')?.includes('Notebook'), null, { timeout: 10000 });
  await page.waitForTimeout(1000);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
  assert.doesNotMatch(stored, /playground-test/, 'the pasted token is not persisted');
  await setHeaders('');
});

test('the settings and shortcuts dialogs open (they add a <style> element: the CSP allows inline styles)', async () => {
  for (const name of [/settings/i, /short ?keys/i]) {
    await page.getByRole('button', { name }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  }
});

test('no CSP violation, no uncaught error, and not one request beyond 127.0.0.1', async () => {
  const violations = await page.evaluate(() => window.__cspViolations);
  assert.deepEqual([...cspReports, ...violations], [], 'the page runs under its Content-Security-Policy');
  assert.deepEqual(pageErrors, [], 'no uncaught exception');
  if (consoleErrors.length) console.log(`console errors (not CSP): ${consoleErrors.join('\n')}`);
  const origin = `${server.url}/`;
  // data: URLs (GraphiQL's inlined fonts, the blank favicon) never leave the browser.
  const outside = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'));
  assert.deepEqual(outside, [], 'every request goes to gqld');
  assert.ok(requests.filter((u) => u.startsWith(`${origin}playground/assets/`)).length >= 6, requests.join('\n'));
  assert.ok(requests.includes(`${origin}graphql`), 'introspection and queries go to /graphql');
});
