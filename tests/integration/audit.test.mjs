// graphql-http's server audit (the GraphQL-over-HTTP draft's conformance
// checks, tests/node_modules/graphql-http/lib/audits/server.js) run against the
// real gqld: every audit is a test case, and any result but "ok" fails it,
// optional (MAY) audits included. Prints "audit: N of M ok".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAudits } from 'graphql-http';
import { assertCleanExit, startServer } from './lib.mjs';

// graphql-http 1.23.1 (pinned in tests/package.json) has 61 audits: a new version must be read before it counts.
const EXPECTED_AUDITS = 61;

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  if (server) assertCleanExit(server, await server.stop(), 'gqld exits 0 (and the sanitizers find nothing)');
});

// Every request of the audit with a deadline, so a hung server fails a test instead of the suite.
const fetchFn = (url, init = {}) => fetch(url, { ...init, signal: AbortSignal.timeout(15000) });

// The audit list is built from options; the URL is read when each audit runs, after the server started.
const audits = serverAudits({ url: () => `${server.url}/graphql`, fetchFn });
const results = new Map();

describe('graphql-http serverAudits', () => {
  for (const { id, name, fn } of audits) {
    test(`${id}: ${name}`, async () => {
      const result = await fn();
      results.set(id, result);
      if (result.status === 'ok') return;
      const res = result.response;
      let body = '';
      try {
        body = res && !res.bodyUsed ? await res.text() : '(body already read by the audit)';
      } catch (err) {
        body = `(unreadable: ${err.message})`;
      }
      assert.fail(
        `${result.status}: ${result.reason}\n` +
          `  status ${res?.status}, content-type ${res?.headers?.get('content-type')}\n  body ${body}`,
      );
    });
  }
});

test(`all ${EXPECTED_AUDITS} audits ok`, () => {
  const ok = [...results.values()].filter((r) => r.status === 'ok').length;
  console.log(`audit: ${ok} of ${audits.length} ok`);
  assert.equal(audits.length, EXPECTED_AUDITS, 'the number of audits graphql-http has');
  assert.equal(results.size, audits.length, 'every audit ran');
  assert.equal(ok, audits.length);
});
