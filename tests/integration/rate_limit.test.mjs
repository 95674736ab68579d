// Rate limits per caller (server/http_ratelimit.c, cache/cache_ratelimit.c):
// budgets of cost points per second by class, a refusal is a 429 with
// Retry-After and the IETF draft's RateLimit-Policy / RateLimit fields and a
// RATE_LIMITED error; cached answers are charged too; health, metrics and the
// playground are not limited; X-Forwarded-For counts only from a trusted
// proxy; customers are told apart by customer id. Two processes sharing one
// memcached under load above the budget admit the budget between them (within
// 10%); with memcached stopped, each enforces its share.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearer, jwtEnv, makeKeys, mint } from './auth_keys.mjs';
import { ownMemcached } from './cache_helpers.mjs';
import { PRODUCT_QUERY, createSeededDatabase, graphql, request, sleep, startServer } from './lib.mjs';

const COST = 3; // PRODUCT_QUERY: Query and one Product, one root field of object type

let keys;
let prefixes = 0;
// Every server its own key prefix: servers sharing one memcached and a prefix share their budgets (as they should).
const own = () => `rl${process.pid}x${prefixes++}`;

before(async () => {
  keys = await makeKeys();
});

function product(url, headers = {}) {
  return graphql(url, PRODUCT_QUERY, undefined, { headers });
}

// Requests until the first refusal (at most `max`): how many were admitted, and the refusal.
async function exhaust(url, headers = {}, max = 200) {
  for (let admitted = 0; admitted < max; admitted++) {
    const r = await product(url, headers);
    if (r.status === 429) return { admitted, refusal: r };
    assert.equal(r.status, 200, r.text);
  }
  return { admitted: max, refusal: null };
}

test('a spent budget is a 429 with Retry-After, RateLimit-Policy, RateLimit and RATE_LIMITED; cached answers count', async () => {
  const server = await startServer({
    GQLD_RATE_LIMIT_ANONYMOUS: '3:30', // a burst of 30 points, refilled at 3 a second
    GQLD_CACHE: 'on',
    GQLD_CACHE_PREFIX: own(),
  });
  try {
    // 30 points: ten reads of 3, every one after the first from the response cache
    const { admitted, refusal } = await exhaust(server.url);
    assert.equal(admitted, 10);
    assert.equal(refusal.status, 429);
    assert.match(refusal.headers.get('retry-after'), /^[1-9]\d*$/);
    assert.equal(refusal.headers.get('ratelimit-policy'), '"anonymous";q=30;w=10');
    assert.match(refusal.headers.get('ratelimit'), /^"anonymous";r=\d+;t=[1-9]\d*$/);
    assert.equal(refusal.headers.get('cache-control'), 'no-store');
    assert.match(refusal.headers.get('content-type'), /^application\/json/);
    const [e] = refusal.json.errors;
    assert.equal(e.extensions.code, 'RATE_LIMITED');
    assert.equal(e.extensions.policy, 'anonymous');
    assert.match(e.message, /^Rate limit exceeded: the anonymous budget of cost points is spent; retry in \d+ s\.$/);
    assert.equal('data' in refusal.json, false);
    // GET too: the budget is the caller's
    const get = await request(`${server.url}/graphql?query=${encodeURIComponent(PRODUCT_QUERY)}`);
    assert.equal(get.status, 429);
    // health, readiness, metrics and the playground are never limited
    for (let i = 0; i < 20; i++)
      for (const path of ['/healthz', '/readyz', '/metrics', '/'])
        assert.equal((await request(`${server.url}${path}`)).status, 200, path);
    // the budget refills at 3 points a second
    await sleep(1100);
    assert.equal((await product(server.url)).status, 200);
    const metrics = (await request(`${server.url}/metrics`)).text;
    assert.match(metrics, /^gqld_rate_limit_requests_total\{policy="anonymous",result="admitted"\} 1[1-9]$/m);
    assert.match(metrics, /^gqld_rate_limit_requests_total\{policy="anonymous",result="refused"\} [2-9]$/m);
  } finally {
    await server.stop();
  }
});

test('a spoofed X-Forwarded-For from an untrusted peer changes nothing; from a trusted proxy it names the client', async () => {
  // 30 points at once (ten reads), refilled at 1 a second: slow enough that no refill muddles the counts
  const untrusted = await startServer({ GQLD_RATE_LIMIT_ANONYMOUS: '1:30', GQLD_TRUSTED_PROXIES: '10.0.0.0/8', GQLD_CACHE_PREFIX: own() });
  const trusted = await startServer({ GQLD_RATE_LIMIT_ANONYMOUS: '1:30', GQLD_TRUSTED_PROXIES: '127.0.0.1/32', GQLD_CACHE_PREFIX: own() });
  try {
    // a new address in every request: still one caller, the peer
    let n = 0;
    const spoof = () => ({ 'x-forwarded-for': `198.51.100.${(n++ % 250) + 1}` });
    let admitted = 0;
    for (let i = 0; i < 30; i++) admitted += (await product(untrusted.url, spoof())).status === 200 ? 1 : 0;
    assert.equal(admitted, 10);
    // behind a trusted proxy: each client address its own budget; what a client wrote left of the proxy's entry is ignored
    assert.equal((await exhaust(trusted.url, { 'x-forwarded-for': '198.51.100.1' })).admitted, 10);
    assert.ok((await exhaust(trusted.url, { 'x-forwarded-for': '203.0.113.5, 198.51.100.1' })).admitted <= 1);
    assert.equal((await exhaust(trusted.url, { 'x-forwarded-for': '198.51.100.1, 198.51.100.2' })).admitted, 10);
    assert.equal((await exhaust(trusted.url, {})).admitted, 10, 'the proxy itself, without the header');
  } finally {
    await untrusted.stop();
    await trusted.stop();
  }
});

test('customers are limited by customer id, admins by subject, anonymous callers apart', async () => {
  const server = await startServer({
    ...jwtEnv(keys),
    GQLD_RATE_LIMIT_CUSTOMER: '1:30',
    GQLD_RATE_LIMIT_ADMIN: '1:60',
    GQLD_CACHE_PREFIX: own(),
  });
  try {
    const a = bearer(await mint(keys, { sub: 'alice', 'custom:customer_id': '4567' }));
    const a2 = bearer(await mint(keys, { sub: 'alice-phone', 'custom:customer_id': '4567' }));
    const b = bearer(await mint(keys, { sub: 'bob', 'custom:customer_id': '910002' }));
    const admin = bearer(await mint(keys, { sub: 'root', 'cognito:groups': ['admin'] }));
    assert.equal((await exhaust(server.url, a)).admitted, 10);
    const other = await exhaust(server.url, a2);
    assert.ok(other.admitted <= 1, 'another token of the same customer shares the budget');
    assert.equal(other.refusal.headers.get('ratelimit-policy'), '"customer";q=30;w=30');
    assert.equal((await exhaust(server.url, b)).admitted, 10);
    assert.equal((await exhaust(server.url, admin)).admitted, 20);
    assert.equal((await exhaust(server.url, {}, 50)).admitted, 50, 'no anonymous budget set: not limited');
  } finally {
    await server.stop();
  }
});

test('mutations are charged to GQLD_RATE_LIMIT_MUTATIONS, per caller, apart from reads', async () => {
  const db = await createSeededDatabase('gqld_rl_mutations');
  const server = await startServer({
    DATABASE_URL: db.url,
    ...jwtEnv(keys),
    GQLD_RATE_LIMIT_MUTATIONS: '1:30', // two orders of one line (15 points each: the write 10, its line 1)
    GQLD_CACHE_PREFIX: own(),
  });
  try {
    const a = bearer(await mint(keys, { sub: 'alice', 'custom:customer_id': '4567' }));
    const b = bearer(await mint(keys, { sub: 'bob', 'custom:customer_id': '3' }));
    let n = 0;
    const place = (who) =>
      graphql(server.url, `mutation { placeOrder(input: {idempotencyKey: "rl-${process.pid}-${n++}", items: [{productId: "notebook", quantity: 1}]}) { orderId } }`,
        undefined, { headers: who });
    assert.equal((await place(a)).json.data.placeOrder.orderId.length > 0, true);
    assert.equal((await place(a)).status, 200);
    const refused = await place(a);
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.json.errors[0].extensions.policy, 'mutations');
    assert.equal(refused.headers.get('ratelimit-policy'), '"mutations";q=30;w=30');
    // reads of the same customer are not charged to it (no customer budget set), another customer has their own
    for (let i = 0; i < 20; i++) assert.equal((await graphql(server.url, PRODUCT_QUERY, undefined, { headers: a })).status, 200);
    assert.equal((await place(b)).status, 200);
    assert.equal(Number(/^gqld_rate_limit_requests_total\{policy="mutations",result="refused"\} (\d+)$/m
      .exec((await request(`${server.url}/metrics`)).text)[1]), 1);
  } finally {
    await server.stop();
    await db.drop();
  }
});

// POSTs the product read from `concurrency` loops for `ms`: [time, status] of each answer.
async function hammer(url, ms, concurrency = 12) {
  const deadline = Date.now() + ms;
  const events = [];
  const body = JSON.stringify({ query: PRODUCT_QUERY });
  const loop = async () => {
    while (Date.now() < deadline) {
      const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await r.arrayBuffer();
      events.push([Date.now(), r.status]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return events;
}

// Points admitted per second between from and to (ms since start), and requests answered.
function rate(events, start, from, to) {
  const inWindow = events.filter(([t]) => t - start >= from && t - start < to);
  const admitted = inWindow.filter(([, s]) => s === 200).length;
  assert.ok(inWindow.every(([, s]) => s === 200 || s === 429), 'only admitted or refused');
  return { points: (admitted * COST) / ((to - from) / 1000), answered: inWindow.length };
}

async function points(server) {
  const text = (await request(`${server.url}/metrics`)).text;
  const get = (re) => Number(re.exec(text)?.[1] ?? NaN);
  return {
    local: get(/^gqld_rate_limit_points_total\{policy="anonymous",by="local"\} (\d+)$/m),
    remote: get(/^gqld_rate_limit_points_total\{policy="anonymous",by="remote"\} (\d+)$/m),
    processes: get(/^gqld_rate_limit_processes (\d+)$/m),
    shared: get(/^gqld_rate_limit_shared (\d+)$/m),
  };
}

test('two processes on one memcached admit the budget between them; with memcached stopped, each its share', async () => {
  const mc = await ownMemcached('rl');
  // 30 reads a second: far below what one process answers, even on a busy machine; a burst of one second
  const RATE = 90;
  const env = {
    MEMCACHED_SERVERS: mc.address,
    GQLD_RATE_LIMIT_ANONYMOUS: `${RATE}:${RATE}`,
    GQLD_CACHE_PREFIX: own(),
    GQLD_ACCESS_LOG: 'off',
  };
  const one = await startServer(env);
  const two = await startServer(env);
  try {
    // 10 s above the budget on both (each alone could take many times it); the rate after the first
    // second, which the burst may add to
    let start = Date.now();
    const [e1, e2] = await Promise.all([hammer(one.url, 10000), hammer(two.url, 10000)]);
    const r1 = rate(e1, start, 1000, 10000), r2 = rate(e2, start, 1000, 10000);
    const shared = r1.points + r2.points;
    const m1 = await points(one), m2 = await points(two);
    console.log(`# shared through memcached: ${shared.toFixed(0)} points/s admitted by two processes ` +
      `(${r1.points.toFixed(0)} + ${r2.points.toFixed(0)}) for a budget of ${RATE}; offered ` +
      `${(((r1.answered + r2.answered) * COST) / 10).toFixed(0)} points/s; ` +
      `learned from the other: ${m1.remote} and ${m2.remote} points; processes counted: ${m1.processes}, ${m2.processes}`);
    assert.ok(((r1.answered + r2.answered) * COST) / 10 > 2 * RATE, 'the load is above the budget');
    assert.ok(Math.abs(shared - RATE) <= 0.1 * RATE, `admitted ${shared} points/s, budget ${RATE}`);
    assert.ok(m1.remote > 0 && m2.remote > 0, 'each learned what the other spent');
    assert.equal(m1.shared, 1);

    // memcached stopped: each process on its share, half the budget (two processes were counted);
    // after the first second (memcached found gone)
    await mc.stop();
    await sleep(1000);
    start = Date.now();
    const [d1, d2] = await Promise.all([hammer(one.url, 8000), hammer(two.url, 8000)]);
    const s1 = rate(d1, start, 1000, 8000), s2 = rate(d2, start, 1000, 8000);
    const down1 = await points(one), down2 = await points(two);
    console.log(`# memcached stopped: ${s1.points.toFixed(0)} + ${s2.points.toFixed(0)} = ` +
      `${(s1.points + s2.points).toFixed(0)} points/s for a budget of ${RATE}, shares of ` +
      `${RATE / down1.processes} and ${RATE / down2.processes}; offered ` +
      `${(((s1.answered + s2.answered) * COST) / 7).toFixed(0)} points/s`);
    assert.ok(((s1.answered + s2.answered) * COST) / 7 > 2 * RATE, 'the load is above the budget');
    assert.equal(down1.shared, 0);
    assert.equal(down1.processes, 2);
    assert.equal(down2.processes, 2);
    for (const s of [s1, s2]) assert.ok(Math.abs(s.points - RATE / 2) <= 0.2 * (RATE / 2), `a share: ${s.points}`);
    assert.ok(Math.abs(s1.points + s2.points - RATE) <= 0.15 * RATE, `${s1.points} + ${s2.points}`);
    // no request failed for the limiter's sake: every answer was 200 or 429 (rate() checks), and the log says why
    assert.ok(one.stderrLines.some((l) => l.includes('each process enforces its share')), one.stderrLines.join('\n'));
  } finally {
    await one.stop();
    await two.stop();
    await mc.remove();
  }
});
