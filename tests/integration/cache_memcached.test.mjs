// memcached failures and topology, with memcached instances of this test's
// own: a node killed under a request stream (every answer still correct,
// hits resume after its restart, one log line per state change), keys spread
// over two nodes by consistent hashing (asked of each node directly) with one
// of them killed, and the node list taken from a fake ElastiCache
// configuration endpoint that changes it while gqld runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertCleanExit,
  createSeededDatabase,
  graphql,
  parseJsonLine,
  pollUntil,
  services,
  startServer,
  uniqueName,
} from './lib.mjs';
import { fakeConfigEndpoint, memcachedKeys, memcachedStats, ownMemcached } from './cache_helpers.mjs';

let db;
const servers = [];
const nodes = [];

before(async () => {
  db = await createSeededDatabase('gqld_cache_mc');
});

after(async () => {
  try {
    for (const s of servers) assertCleanExit(s, await s.stop(), 'gqld exits 0 on SIGTERM');
  } finally {
    for (const n of nodes) await n.remove();
    await db?.drop();
  }
});

async function node() {
  const n = await ownMemcached('mcnode');
  nodes.push(n);
  return n;
}

async function server(env) {
  const s = await startServer({
    DATABASE_URL: db.url,
    GQLD_CACHE: 'on',
    GQLD_CACHE_LOCAL_BYTES: 0, // memcached only: every read goes through it
    GQLD_CACHE_PREFIX: uniqueName('mc').slice(0, 30),
    MEMCACHED_RETRY_TIMEOUT_S: 1,
    ...env,
  });
  servers.push(s);
  return s;
}

// Distinct queries (unknown ids answer null, which is cacheable like any answer) and their right answers.
const queries = (n, tag) =>
  Array.from({ length: n }, (_, i) => `{ Product(productId: "${tag}-${i}") { productId productName } }`);
const expected = '{"data":{"Product":null}}';
const logs = (s, msg) => s.stderrLines.filter((l) => parseJsonLine(l)?.msg?.startsWith(msg));

// The "unavailable" line says which node failed and how, not libmemcached's summary of the call.
function assertNamesNode(line, address) {
  const { detail } = parseJsonLine(line);
  assert.ok(detail.startsWith(`${address}: `), `the failing node first: ${detail}`);
  assert.ok(detail.length > address.length + 2, `and its error: ${detail}`);
  assert.doesNotMatch(detail, /SOME ERRORS WERE REPORTED|0x[0-9a-f]+|\.cc:\d+/, detail);
  console.log(`# memcached unavailable: ${detail}`);
}

test('memcached killed mid-stream: every answer correct, no error; restarted: hits resume', async () => {
  const mc = await node();
  const s = await server({ MEMCACHED_SERVERS: mc.address });
  const qs = [...queries(20, 'kill'), '{ Product(productId: "notebook") { productId productName } }'];
  const right = new Map(qs.map((q) => [q, expected]));
  right.set(qs[20], '{"data":{"Product":{"productId":"notebook","productName":"notebook_red"}}}');

  let stop = false;
  let answered = 0;
  const wrong = [];
  const stream = async () => {
    for (let i = 0; !stop; i++) {
      const q = qs[i % qs.length];
      const r = await graphql(s.url, q);
      answered++;
      if (r.status !== 200 || r.text !== right.get(q)) wrong.push(`${r.status} ${r.text}`);
    }
  };
  const workers = Array.from({ length: 8 }, stream);
  await pollUntil(() => answered > 200, { what: '200 answers before the kill' });
  await mc.stop();
  const atKill = answered;
  await pollUntil(() => answered > atKill + 300, { timeoutMs: 30000, what: '300 answers with memcached down' });
  assert.equal(logs(s, 'memcached unavailable').length, 1, 'one line for the state change, not one per request');
  assertNamesNode(logs(s, 'memcached unavailable')[0], mc.address);
  await mc.start();
  // Hits resume: the restarted (empty) memcached gets entries and serves them.
  await pollUntil(async () => (await memcachedStats(mc.port)).get_hits > 20, {
    timeoutMs: 20000, what: 'memcached hits after the restart',
  });
  await pollUntil(() => logs(s, 'memcached available again').length === 1, { what: 'the "available again" line' });
  stop = true;
  await Promise.all(workers);
  assert.deepEqual(wrong, [], 'every answer was right');
  assert.equal(logs(s, 'memcached unavailable').length, 1);
});

test('memcached frozen (SIGSTOP: connections open, no answers): answers stay correct via timeouts', async () => {
  const mc = await node();
  const s = await server({ MEMCACHED_SERVERS: mc.address, MEMCACHED_POLL_TIMEOUT_MS: 50 });
  const qs = queries(10, 'frozen');
  for (const q of qs) assert.equal((await graphql(s.url, q)).text, expected);
  const pid = Number((await services('mc-status', mc.dir)).split(' ')[2]);
  process.kill(pid, 'SIGSTOP');
  try {
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(qs.map((q) => graphql(s.url, q)));
      for (const r of answers) assert.equal(`${r.status} ${r.text}`, `200 ${expected}`);
    }
    await pollUntil(() => logs(s, 'memcached unavailable').length === 1, { what: 'the "unavailable" line' });
    assertNamesNode(logs(s, 'memcached unavailable')[0], mc.address);
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const hits = (await memcachedStats(mc.port)).get_hits;
  await pollUntil(async () => {
    for (const q of qs) await graphql(s.url, q);
    return (await memcachedStats(mc.port)).get_hits > hits;
  }, { timeoutMs: 20000, what: 'hits after SIGCONT' });
});

test('two nodes: keys spread over both (ketama); one killed: service continues', async () => {
  const [a, b] = [await node(), await node()];
  const prefix = uniqueName('two').slice(0, 30);
  const s = await server({ MEMCACHED_SERVERS: `${a.address},${b.address}`, GQLD_CACHE_PREFIX: prefix });
  const qs = queries(40, 'two');
  for (const q of qs) assert.equal((await graphql(s.url, q)).text, expected);
  // Sets leave after their answers (quiet, from the memcached thread): the last ones may still be on their way.
  let onA = [];
  let onB = [];
  await pollUntil(async () => {
    onA = await memcachedKeys(a.port, `${prefix}:r:`);
    onB = await memcachedKeys(b.port, `${prefix}:r:`);
    return onA.length + onB.length >= 40;
  }, { timeoutMs: 5000, what: 'the 40 entries in memcached' }).catch(() => {});
  assert.equal(onA.length + onB.length, 40, `every response stored once: ${onA.length} + ${onB.length}`);
  assert.ok(onA.length >= 5 && onB.length >= 5, `spread over both nodes: ${onA.length} and ${onB.length}`);
  assert.equal(onA.filter((k) => onB.includes(k)).length, 0, 'no key on both');

  await b.stop();
  for (const q of qs) {
    const r = await graphql(s.url, q);
    assert.equal(r.status, 200);
    assert.equal(r.text, expected);
  }
  // The surviving node keeps serving its keys.
  const hitsBefore = (await memcachedStats(a.port)).get_hits;
  for (const q of qs) await graphql(s.url, q);
  assert.ok((await memcachedStats(a.port)).get_hits > hitsBefore, 'node a still serves hits');
});

// The keys under prefix on a node once `want` are there (or 2 s passed): a store reaches memcached
// shortly after its answer (it rides along with the next hand-over), not before the answer.
async function storedKeys(port, prefix, want) {
  await pollUntil(async () => (await memcachedKeys(port, prefix)).length >= want, { timeoutMs: 2000, what: `${want} keys on :${port}` }).catch(() => {});
  return (await memcachedKeys(port, prefix)).length;
}

test('MEMCACHED_DISCOVERY: the node list comes from `config get cluster` and follows its changes', async () => {
  const [a, b] = [await node(), await node()];
  const endpoint = await fakeConfigEndpoint([a.address]);
  const prefix = uniqueName('disc').slice(0, 30);
  try {
    const s = await server({
      MEMCACHED_SERVERS: '',
      MEMCACHED_DISCOVERY: endpoint.address,
      MEMCACHED_DISCOVERY_INTERVAL_MS: 200,
      GQLD_CACHE_PREFIX: prefix,
    });
    await pollUntil(() => logs(s, 'memcached node list changed').length === 1, { what: 'the first node list' });
    for (const q of queries(10, 'disc-a')) assert.equal((await graphql(s.url, q)).text, expected);
    assert.equal(await storedKeys(a.port, `${prefix}:r:`, 10), 10, 'stored on the discovered node');

    endpoint.setNodes([b.address]);
    await pollUntil(() => logs(s, 'memcached node list changed').length === 2, { what: 'the changed node list' });
    for (const q of queries(10, 'disc-b')) assert.equal((await graphql(s.url, q)).text, expected);
    assert.equal(await storedKeys(b.port, `${prefix}:r:`, 10), 10, 'stored on the new node');
    assert.equal((await memcachedKeys(a.port, `${prefix}:r:`)).length, 10, 'nothing more on the old one');
    assert.ok(endpoint.state.polls >= 2);
  } finally {
    await endpoint.close();
  }
});
