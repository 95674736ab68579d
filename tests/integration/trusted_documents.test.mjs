// Trusted documents (GQLD_TRUSTED_DOCUMENTS, server/trusted_docs.c): a
// manifest of {"<sha256>": "<document>"} read at start-up and on SIGHUP,
// requests naming a document by documentId ("sha256:<hex>", POST and GET) or
// Apollo's persistedQuery hash, and the modes: off, allow (manifest documents
// and any other text), enforce (only manifest documents; APQ registration
// refused; admins exempt when configured). A manifest that does not parse or
// validate is refused at start-up and keeps the old one on SIGHUP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NOTEBOOK_BODY, PRODUCT_QUERY, graphql, pollUntil, postJson, request, runGqld, startServer } from './lib.mjs';

const sha = (text) => createHash('sha256').update(text).digest('hex');
const TYPENAME = 'query Typename { __typename }';
const OTHER = '{ Product(productId: "notebook") { productName } }';
const EXTRA = 'query Extra { Product(productId: "notebook") { price } }';

let dir;
let manifest;

function writeManifest(docs, file = manifest) {
  writeFileSync(file, JSON.stringify(Object.fromEntries(docs.map((d) => [sha(d), d]))));
}

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gqld-trusted-'));
  manifest = path.join(dir, 'manifest.json');
  writeManifest([PRODUCT_QUERY, TYPENAME]);
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const byId = (url, text, extra = {}) => postJson(url, { documentId: `sha256:${sha(text)}`, ...extra });
const apq = (url, hash, query) =>
  postJson(url, { ...(query ? { query } : {}), extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

test('allow: manifest documents by documentId (POST and GET) or hash; any other text runs too', async () => {
  const server = await startServer({ GQLD_TRUSTED_DOCUMENTS: manifest, GQLD_TRUSTED_DOCUMENTS_MODE: 'allow' });
  try {
    assert.ok(server.stderrLines.some((l) => l.includes('"trusted documents loaded"') && l.includes('"documents":"2"')));
    assert.equal((await byId(server.url, PRODUCT_QUERY)).text, NOTEBOOK_BODY);
    const get = await request(`${server.url}/graphql?documentId=sha256:${sha(PRODUCT_QUERY)}`);
    assert.equal(get.text, NOTEBOOK_BODY);
    assert.equal((await byId(server.url, TYPENAME, { operationName: 'Typename' })).text, '{"data":{"__typename":"Query"}}');
    // Apollo's hash names a manifest document too, nothing registered before
    assert.equal((await apq(server.url, sha(PRODUCT_QUERY))).text, NOTEBOOK_BODY);
    // any other document, as before
    assert.equal((await graphql(server.url, OTHER)).json.data.Product.productName, 'notebook_red');
    // an unknown id, a malformed one, both query and documentId
    const unknown = await postJson(server.url, { documentId: `sha256:${sha('{ nope }')}` });
    assert.equal(unknown.status, 200);
    assert.equal(unknown.json.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal((await postJson(server.url, { documentId: 'md5:abc' })).status, 400);
    assert.equal((await postJson(server.url, { documentId: `sha256:${'0'.repeat(63)}` })).status, 400);
    const both = await byId(server.url, PRODUCT_QUERY, { query: PRODUCT_QUERY });
    assert.equal(both.status, 400);
    assert.match(both.json.errors[0].message, /either "query" or "documentId"/);
    assert.equal((await postJson(server.url, { documentId: 7 })).status, 400);
  } finally {
    await server.stop();
  }
});

test('enforce: only manifest documents run; other text and APQ registration are refused', async () => {
  const server = await startServer({ GQLD_TRUSTED_DOCUMENTS: manifest, GQLD_TRUSTED_DOCUMENTS_MODE: 'enforce' });
  try {
    assert.equal((await byId(server.url, PRODUCT_QUERY)).text, NOTEBOOK_BODY);
    assert.equal((await graphql(server.url, PRODUCT_QUERY)).text, NOTEBOOK_BODY, 'a manifest document as text');
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      const r = await graphql(server.url, OTHER, undefined, { headers: { accept } });
      assert.equal(r.status, accept === 'application/json' ? 200 : 400);
      assert.equal(r.json.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_ALLOWED');
      assert.equal('data' in r.json, false);
    }
    const get = await request(`${server.url}/graphql?query=${encodeURIComponent(OTHER)}`);
    assert.equal(get.json.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_ALLOWED');
    // Apollo: an unknown hash is not found; registering its text is refused, and it stays unknown
    assert.equal((await apq(server.url, sha(OTHER))).json.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal((await apq(server.url, sha(OTHER), OTHER)).json.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_ALLOWED');
    assert.equal((await apq(server.url, sha(OTHER))).json.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal((await apq(server.url, sha(PRODUCT_QUERY), PRODUCT_QUERY)).text, NOTEBOOK_BODY);
  } finally {
    await server.stop();
  }
});

test('enforce with GQLD_TRUSTED_DOCUMENTS_ADMIN_EXEMPT: admins may send any document, others not', async () => {
  // AUTH_MODE=none: every request is an admin
  const exempt = await startServer({
    AUTH_MODE: 'none',
    GQLD_TRUSTED_DOCUMENTS: manifest,
    GQLD_TRUSTED_DOCUMENTS_MODE: 'enforce',
    GQLD_TRUSTED_DOCUMENTS_ADMIN_EXEMPT: 'on',
  });
  const strict = await startServer({ AUTH_MODE: 'none', GQLD_TRUSTED_DOCUMENTS: manifest, GQLD_TRUSTED_DOCUMENTS_MODE: 'enforce' });
  try {
    assert.equal((await graphql(exempt.url, OTHER)).json.data.Product.productName, 'notebook_red');
    assert.equal((await graphql(strict.url, OTHER)).json.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_ALLOWED');
  } finally {
    await exempt.stop();
    await strict.stop();
  }
});

test('off: documentId is not a parameter', async () => {
  const server = await startServer({ GQLD_TRUSTED_DOCUMENTS: manifest });
  try {
    const r = await byId(server.url, PRODUCT_QUERY);
    assert.equal(r.status, 400);
    assert.match(r.json.errors[0].message, /no "query"/);
  } finally {
    await server.stop();
  }
});

test('a manifest that does not parse or validate is refused at start-up, naming why', async () => {
  const bad = path.join(dir, 'bad.json');
  const cases = [
    ['{"not": json', /the trusted documents manifest is refused","detail":".*bad\.json: invalid token/],
    [JSON.stringify({ [sha('{ a }')]: '{ __typename }' }), /is not the SHA-256 of its document/],
    [JSON.stringify({ [sha('{ nope }')]: '{ nope }' }), /is not valid: 1:3: Cannot query field \\"nope\\" on type \\"Query\\"/],
    [JSON.stringify({ abc: '{ __typename }' }), /is not a SHA-256 in hex/],
    [JSON.stringify(['{ __typename }']), /not a JSON object/],
  ];
  for (const [text, why] of cases) {
    writeFileSync(bad, text);
    const r = await runGqld(['serve'], {
      DATABASE_URL: process.env.GQLD_TEST_DATABASE_URL,
      GQLD_LISTEN: '127.0.0.1:0',
      GQLD_TRUSTED_DOCUMENTS: bad,
      GQLD_TRUSTED_DOCUMENTS_MODE: 'enforce',
    }, { timeoutMs: 20000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, why);
  }
  const r = await runGqld(['serve'], { DATABASE_URL: 'postgresql://x@127.0.0.1/x', GQLD_TRUSTED_DOCUMENTS_MODE: 'enforce' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /GQLD_TRUSTED_DOCUMENTS_MODE=enforce needs GQLD_TRUSTED_DOCUMENTS/);
});

test('SIGHUP reloads the manifest under load without a failed request; a bad one keeps the old', async () => {
  const file = path.join(dir, 'reload.json');
  writeManifest([PRODUCT_QUERY], file);
  const server = await startServer({ GQLD_TRUSTED_DOCUMENTS: file, GQLD_TRUSTED_DOCUMENTS_MODE: 'enforce' });
  let stop = false;
  let answered = 0;
  const failures = [];
  const load = async () => {
    while (!stop) {
      const r = await byId(server.url, PRODUCT_QUERY);
      answered++;
      if (r.text !== NOTEBOOK_BODY) failures.push(`${r.status} ${r.text}`);
    }
  };
  const loops = Array.from({ length: 6 }, load);
  try {
    assert.equal((await byId(server.url, EXTRA)).json.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
    for (let round = 0; round < 5; round++) {
      writeManifest(round % 2 === 0 ? [PRODUCT_QUERY, EXTRA] : [PRODUCT_QUERY], file);
      server.proc.kill('SIGHUP');
      const want = round % 2 === 0 ? 200 : 'PERSISTED_QUERY_NOT_FOUND';
      await pollUntil(async () => {
        const r = await byId(server.url, EXTRA);
        return want === 200 ? r.json?.data?.Product?.price === 19.99 : r.json?.errors?.[0]?.extensions?.code === want;
      }, { what: `the manifest of round ${round}` });
    }
    // now with EXTRA; a broken manifest is refused and EXTRA stays
    writeFileSync(file, '{"broken"');
    server.proc.kill('SIGHUP');
    await server.stderr.waitFor((l) => l.includes('trusted documents not reloaded'), 10000);
    assert.equal((await byId(server.url, EXTRA)).json.data.Product.price, 19.99);
  } finally {
    stop = true;
    await Promise.all(loops);
    await server.stop();
  }
  console.log(`# ${answered} requests during 6 reloads, ${failures.length} failed`);
  assert.deepEqual(failures, []);
  assert.ok(answered > 20);
  assert.equal(server.stderrLines.filter((l) => l.includes('"trusted documents reloaded"')).length, 5);
});
