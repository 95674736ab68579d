// GET /metrics (Prometheus text format, read by a strict parser of our own:
// prometheus.mjs) after a known sequence of requests, the database pool's
// gauges while statements are held by a lock, database errors, and the
// CloudWatch Embedded Metric Format lines of GQLD_EMF=1 (checked against the
// specification's structure: emf.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MEMCACHED,
  assertCleanExit,
  createSeededDatabase,
  graphql,
  lockTable,
  lockWaiters,
  parseJsonLine,
  pollUntil,
  postJson,
  request,
  runGqld,
  sleep,
  startServer,
} from './lib.mjs';
import { parsePrometheus, sampleValue } from './prometheus.mjs';
import { checkEmfLine } from './emf.mjs';

// A product read whose text no other request of the run uses (an alias of its own), so that each one
// reaches the database even where a response cache or single-flight would answer repeated texts.
let reads = 0;
const productRead = () => `{ read${reads++}: Product(productId: "notebook") { productId productName price } }`;

async function scrape(server) {
  const r = await request(`${server.url}/metrics`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(r.text);
}

const requests = (m, route, status) =>
  sampleValue(m, 'gqld_http_requests_total', 'gqld_http_requests_total', { route, status: String(status) }) ?? 0;
const gauge = (m, name, labels = {}) => sampleValue(m, name, name, labels);

const FAMILIES = {
  gqld_http_requests_total: 'counter',
  gqld_http_request_duration_seconds: 'histogram',
  gqld_db_pool_size: 'gauge',
  gqld_db_pool_connections: 'gauge',
  gqld_db_statements_in_flight: 'gauge',
  gqld_db_queries_waiting: 'gauge',
  gqld_db_statements_total: 'counter',
  gqld_db_reconnects_total: 'counter',
  gqld_db_coalesced_queries_total: 'counter',
  gqld_db_coalesce_retries_total: 'counter',
  gqld_db_errors_total: 'counter',
  gqld_db_time_seconds_total: 'counter',
  gqld_cache_hits_total: 'counter',
  gqld_cache_misses_total: 'counter',
  gqld_cache_stale_served_total: 'counter',
  gqld_cache_errors_total: 'counter',
  gqld_cache_stores_total: 'counter',
  gqld_cache_memcached_bytes_total: 'counter',
  gqld_cache_flight_waits_total: 'counter',
  gqld_cache_unparsed_hits_total: 'counter',
  gqld_apq_lookups_total: 'counter',
  gqld_cache_memcached_up: 'gauge',
};

describe('the parser is strict', () => {
  const ok = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 3\n';
  test('accepts a valid exposition', () => {
    assert.equal(sampleValue(parsePrometheus(ok), 'a_total', 'a_total', { x: '1' }), 3);
  });
  for (const [what, text] of [
    ['no final newline', ok.slice(0, -1)],
    ['a sample before its TYPE', 'a_total 1\n# TYPE a_total counter\n'],
    ['a duplicate series', `${ok}a_total{x="1"} 4\n`],
    ['a bad value', '# TYPE a gauge\na one\n'],
    ['a bad label', '# TYPE a gauge\na{1x="y"} 1\n'],
    ['an unquoted label value', '# TYPE a gauge\na{x=y} 1\n'],
    ['a split family', '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# HELP a again\n'],
    ['non-cumulative buckets',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'],
    ['+Inf bucket unlike _count', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n'],
    ['no +Inf bucket', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
  ]) {
    test(`rejects ${what}`, () => assert.throws(() => parsePrometheus(text)));
  }
});

describe('the EMF checker is strict', () => {
  const good = {
    _aws: { Timestamp: 1700000000000, CloudWatchMetrics: [{ Namespace: 'n', Dimensions: [['Service']], Metrics: [{ Name: 'Requests', Unit: 'Count' }] }] },
    Service: 'gqld',
    Requests: 3,
  };
  const variant = (f) => {
    const d = structuredClone(good);
    f(d);
    return JSON.stringify(d);
  };
  test('accepts a valid document', () => assert.equal(checkEmfLine(JSON.stringify(good)).Requests, 3));
  for (const [what, line] of [
    ['no _aws', variant((d) => delete d._aws)],
    ['a Timestamp in seconds as a string', variant((d) => (d._aws.Timestamp = '1700000000'))],
    ['a missing metric value', variant((d) => delete d.Requests)],
    ['a metric value that is a string', variant((d) => (d.Requests = '3'))],
    ['a missing dimension value', variant((d) => delete d.Service)],
    ['an unknown unit', variant((d) => (d._aws.CloudWatchMetrics[0].Metrics[0].Unit = 'Requests'))],
    ['an extra directive member', variant((d) => (d._aws.CloudWatchMetrics[0].Extra = 1))],
    ['an empty namespace', variant((d) => (d._aws.CloudWatchMetrics[0].Namespace = ''))],
    ['more than 100 values', variant((d) => (d.Requests = Array(101).fill(1)))],
    ['not JSON', '{"_aws":'],
  ]) {
    test(`rejects ${what}`, () => assert.throws(() => checkEmfLine(line)));
  }
});

describe('/metrics after a known sequence of requests', () => {
  let server;
  before(async () => {
    server = await startServer({ GQLD_THREADS: 2, GQLD_MAX_BODY_BYTES: 2048 });
  });
  after(async () => assertCleanExit(server, await server.stop()));

  test('counts by route and status are exact; histograms, TYPE and HELP lines', async () => {
    // Nothing but the scrape itself has happened yet.
    const first = await scrape(server);
    for (const [name, type] of Object.entries(FAMILIES)) {
      assert.equal(first.get(name)?.type, type, `# TYPE ${name} ${type}`);
      assert.ok(first.get(name).help?.length > 0, `# HELP ${name}`);
    }
    assert.equal(first.get('gqld_http_requests_total').samples.length, 0, 'no request counted before the first');
    let scrapes = 1;

    for (let i = 0; i < 4; i++) assert.equal((await graphql(server.url, productRead())).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await postJson(server.url, '{"query": ')).status, 400);
    assert.equal((await request(`${server.url}/graphql`, { method: 'PUT' })).status, 405);
    assert.equal((await request(`${server.url}/graphql?query=%7B__typename%7D`, { headers: { accept: 'text/html' } })).status, 406);
    for (let i = 0; i < 3; i++) assert.equal((await request(`${server.url}/no-such-path`)).status, 404);
    for (let i = 0; i < 2; i++) assert.equal((await request(`${server.url}/healthz`)).status, 200);
    assert.equal((await request(`${server.url}/metrics`, { method: 'POST' })).status, 405);
    // h2o answers an oversized body itself: counted too.
    assert.equal((await postJson(server.url, JSON.stringify({ query: `{ __typename }${' '.repeat(4096)}` }))).status, 413);

    // Requests are counted when h2o disposes of them, just after the response: let the last ones land.
    await sleep(300);
    const m = await scrape(server);
    scrapes++;
    const expected = [
      ['graphql', 200, 4], ['graphql', 400, 2], ['graphql', 405, 1], ['graphql', 406, 1], ['graphql', 413, 1],
      ['other', 404, 3], ['healthz', 200, 2], ['metrics', 405, 1], ['metrics', 200, scrapes - 1],
    ];
    for (const [route, status, n] of expected) assert.equal(requests(m, route, status), n, `${route} ${status}`);
    assert.equal(m.get('gqld_http_requests_total').samples.length, expected.length, 'no other series');

    const hist = m.get('gqld_http_request_duration_seconds').histograms;
    const byRoute = Object.fromEntries(hist.map((h) => [h.labels.route, h]));
    assert.deepEqual(Object.keys(byRoute).sort(), ['graphql', 'healthz', 'metrics', 'other', 'playground', 'readyz']);
    for (const [route, n] of [['graphql', 9], ['other', 3], ['healthz', 2], ['metrics', scrapes], ['readyz', 0]]) {
      assert.equal(byRoute[route].count, n, `${route} histogram count`);
    }
    assert.ok(byRoute.graphql.sum > 0, 'graphql latency sum');
    assert.ok(byRoute.graphql.buckets.length >= 10, 'enough buckets');
    // The database answered the four product queries: one statement each.
    assert.ok(gauge(m, 'gqld_db_statements_total') >= 4);
    assert.ok(gauge(m, 'gqld_db_time_seconds_total') > 0);
    for (const kind of ['timeout', 'unavailable', 'query']) {
      assert.equal(gauge(m, 'gqld_db_errors_total', { kind }), 0, `no ${kind} errors`);
    }
    // The response cache is off (GQLD_CACHE's default): nothing counted.
    assert.equal(gauge(m, 'gqld_cache_hits_total', { tier: 'local' }), 0);
    assert.equal(gauge(m, 'gqld_cache_hits_total', { tier: 'memcached' }), 0);
    assert.equal(gauge(m, 'gqld_cache_misses_total'), 0);
  });

  test('no EMF lines on stdout unless GQLD_EMF is on', () => {
    for (const line of server.stdoutLines) assert.equal(parseJsonLine(line)?._aws, undefined, line);
  });
});

describe('database pool gauges and errors', () => {
  let db;
  before(async () => {
    db = await createSeededDatabase('gqld_metrics');
  });
  after(async () => db?.drop());

  test('in-use connections, statements in flight and queries waiting while a lock holds them', async () => {
    // DB_COALESCE=1: a statement per request (requests arriving together would otherwise share one).
    const server = await startServer({
      DATABASE_URL: db.url, GQLD_THREADS: 1, DB_POOL_SIZE: 1, DB_PIPELINE_DEPTH: 1, DB_IDLE_CHECK_MS: 0,
      DB_COALESCE: 1,
    });
    try {
      await pollUntil(async () => gauge(await scrape(server), 'gqld_db_pool_connections', { state: 'up' }) === 1,
        { what: 'the connection to be up' });
      const idle = await scrape(server);
      assert.equal(gauge(idle, 'gqld_db_pool_size'), 1);
      assert.equal(gauge(idle, 'gqld_db_pool_connections', { state: 'in_use' }), 0);
      assert.equal(gauge(idle, 'gqld_db_statements_in_flight'), 0);
      assert.equal(gauge(idle, 'gqld_db_queries_waiting'), 0);

      const lock = await lockTable(db.url, 'products');
      let pending;
      try {
        pending = [0, 1, 2].map(() => graphql(server.url, productRead()));
        await lockWaiters(db.url, 1);
        // Depth 1 and one connection: one statement in flight, two queries waiting for it.
        await pollUntil(async () => {
          const m = await scrape(server);
          return gauge(m, 'gqld_db_statements_in_flight') === 1 && gauge(m, 'gqld_db_queries_waiting') === 2 &&
            gauge(m, 'gqld_db_pool_connections', { state: 'in_use' }) === 1;
        }, { what: '1 in use, 1 in flight, 2 waiting' });
      } finally {
        await lock.release();
      }
      for (const r of await Promise.all(pending)) assert.equal(r.status, 200);
      await pollUntil(async () => {
        const m = await scrape(server);
        return gauge(m, 'gqld_db_statements_in_flight') === 0 && gauge(m, 'gqld_db_queries_waiting') === 0 &&
          gauge(m, 'gqld_db_pool_connections', { state: 'in_use' }) === 0;
      }, { what: 'the pool to be idle again' });
    } finally {
      assertCleanExit(server, await server.stop());
    }
  });

  test('statement timeouts are counted as database errors, with the time spent waiting', async () => {
    const server = await startServer({ DATABASE_URL: db.url, GQLD_THREADS: 1, DB_STATEMENT_TIMEOUT_MS: 300 });
    try {
      const lock = await lockTable(db.url, 'products');
      let answers;
      try {
        answers = await Promise.all([0, 1].map(() => graphql(server.url, productRead())));
      } finally {
        await lock.release();
      }
      for (const r of answers) assert.equal(r.json?.errors?.[0]?.extensions?.code, 'DB_TIMEOUT', r.text);
      await sleep(200);
      const m = await scrape(server);
      assert.equal(gauge(m, 'gqld_db_errors_total', { kind: 'timeout' }), 2);
      assert.equal(gauge(m, 'gqld_db_errors_total', { kind: 'unavailable' }), 0);
      assert.equal(gauge(m, 'gqld_db_errors_total', { kind: 'query' }), 0);
      assert.ok(gauge(m, 'gqld_db_time_seconds_total') >= 0.5, `two statements waited about 0.3 s each: ${gauge(m, 'gqld_db_time_seconds_total')}`);
    } finally {
      assertCleanExit(server, await server.stop());
    }
  });
});

describe('GQLD_METRICS=off', () => {
  test('/metrics answers 404', async () => {
    const server = await startServer({ GQLD_METRICS: 'off' });
    try {
      assert.equal((await request(`${server.url}/metrics`)).status, 404);
    } finally {
      assertCleanExit(server, await server.stop());
    }
  });
});

describe('CloudWatch Embedded Metric Format (GQLD_EMF=1)', () => {
  test('lines on stdout follow the EMF structure and add up to the requests served', async () => {
    const server = await startServer({ GQLD_EMF: 1, GQLD_EMF_INTERVAL_MS: 200, GQLD_EMF_NAMESPACE: 'gqld/test' });
    const emfDocs = () => server.stdoutLines.filter((l) => parseJsonLine(l)?._aws !== undefined).map(checkEmfLine);
    const total = (name) => emfDocs().reduce((s, d) => s + (d[name] ?? 0), 0);
    try {
      for (let i = 0; i < 3; i++) assert.equal((await graphql(server.url, productRead())).status, 200);
      assert.equal((await postJson(server.url, '{"query": ')).status, 400);
      assert.equal((await request(`${server.url}/healthz`)).status, 200); // not a GraphQL request: not counted
      await pollUntil(() => total('Requests') === 4, { what: 'EMF lines counting the 4 GraphQL requests' });
    } finally {
      assertCleanExit(server, await server.stop());
    }
    const docs = emfDocs(); // every line checked against the specification's structure
    assert.ok(docs.length >= 2, 'a line per interval');
    for (const d of docs) {
      assert.ok(Math.abs(d._aws.Timestamp - Date.now()) < 60000, 'Timestamp is now, in milliseconds');
      const [directive] = d._aws.CloudWatchMetrics;
      assert.equal(directive.Namespace, 'gqld/test');
      assert.deepEqual(directive.Dimensions, [['Service']]);
      assert.equal(d.Service, 'gqld');
      const names = directive.Metrics.map((x) => x.Name);
      for (const n of ['Requests', 'Http4xx', 'Http5xx', 'DatabaseErrors', 'DatabaseConnectionsInUse', 'DatabaseQueriesWaiting']) {
        assert.ok(names.includes(n), `${n} in every line`);
      }
      // Latencies only in lines that counted requests.
      assert.equal(names.includes('LatencyP99'), d.Requests > 0);
    }
    assert.equal(total('Requests'), 4, 'the lines add up to the requests (the last one written at exit)');
    assert.equal(total('Http4xx'), 1);
    assert.equal(total('Http5xx'), 0);
    const busy = docs.filter((d) => d.Requests > 0);
    for (const d of busy) {
      assert.ok(d.LatencyAverage > 0 && d.LatencyP50 > 0 && d.LatencyP99 >= d.LatencyP50, JSON.stringify(d));
      assert.equal(d._aws.CloudWatchMetrics[0].Metrics.find((x) => x.Name === 'LatencyP99').Unit, 'Milliseconds');
    }
    assert.ok(total('DatabaseTime') > 0, 'database time of the product queries');
    // Access-log lines and EMF lines share stdout: each line is whole JSON.
    for (const l of server.stdoutLines) assert.ok(parseJsonLine(l), `stdout has only JSON lines: ${l}`);
  });

  test('an invalid namespace exits 2 naming GQLD_EMF_NAMESPACE', async () => {
    for (const ns of ['', 'AWS/Lambda', 'bad*chars']) {
      const r = await runGqld(['serve'], {
        GQLD_LISTEN: '127.0.0.1:0', DATABASE_URL: process.env.GQLD_TEST_DATABASE_URL, GQLD_EMF: 1, GQLD_EMF_NAMESPACE: ns,
      }, { timeoutMs: 20000 });
      assert.equal(r.code, 2, `${ns}: ${r.stderr}`);
      assert.match(r.stderr, /GQLD_EMF_NAMESPACE/);
    }
  });
});

describe('/metrics counts the response cache', { skip: MEMCACHED === '' && 'needs GQLD_TEST_MEMCACHED' }, () => {
  let server;
  before(async () => {
    // A prefix of its own: entries of other tests sharing this memcached are never read.
    server = await startServer({ GQLD_THREADS: 1, GQLD_CACHE: 'on', GQLD_CACHE_PREFIX: `metrics${process.pid}` });
  });
  after(async () => assertCleanExit(server, await server.stop()));

  test('a miss, then in-process hits; memcached written; the tiers add up to the requests', async () => {
    const q = '{ Product(productId: "notebook") { productId productName } }';
    const before = await scrape(server);
    const v = (m, name, labels) => sampleValue(m, name, name, labels) ?? 0;
    for (let i = 0; i < 3; i++) {
      const r = await graphql(server.url, q);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.data.Product.productName, 'notebook_red');
    }
    const m = await scrape(server);
    const d = (name, labels) => v(m, name, labels) - v(before, name, labels);
    assert.equal(d('gqld_cache_misses_total'), 1, 'the first read missed');
    assert.equal(d('gqld_cache_hits_total', { tier: 'local' }), 2, 'the next two came from the in-process tier');
    assert.equal(d('gqld_cache_hits_total', { tier: 'memcached' }), 0);
    assert.equal(d('gqld_cache_stores_total'), 1);
    assert.ok(d('gqld_cache_memcached_bytes_total', { direction: 'written' }) > 0, 'the entry went to memcached');
    assert.equal(v(m, 'gqld_cache_memcached_up'), 1);
  });
});
