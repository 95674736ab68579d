// A spike of orders, open loop (scenario 7 of tests/bench/run.sh): placeOrder at a steady
// rate, then ten times that for SPIKE_S seconds, then the steady rate again, each request a
// new order with a key of its own, while reads (the mix of openloop.mjs) go on at READ_RATE.
// Latencies count from each request's intended send time (coordinated omission accounted
// for). Afterwards the answers are checked against the database (psql):
//   placed      answered with an order; lost: such an order the database does not have
//   refused     503 OVERLOADED; written_after_refusal: such a key the database has (shed
//               after writing, must be 0)
//   unknown     any other failure or no answer (OUTCOME_UNKNOWN, a timeout), and how many of
//               those the database has
//   duplicated  orders written during the run beyond one per key (must be 0)
//   node tests/bench/spike.mjs URL STEADY_RATE SPIKE_S READ_RATE   (BENCH_PSQL, BENCH_DATABASE_URL)
// Prints one BENCH line; the write latencies are the accepted (placed) orders'.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';

const [url, steadyArg, spikeArg, readArg] = process.argv.slice(2);
const steady = Number(steadyArg), spikeSecs = Number(spikeArg), readRate = Number(readArg);
if (!url || !(steady > 0) || !(spikeSecs > 0) || !(readRate >= 0)) {
  console.error('usage: spike.mjs URL STEADY_RATE SPIKE_S READ_RATE');
  process.exit(2);
}
const customers = Number(process.env.BENCH_CUSTOMERS || 10000);
const products = Number(process.env.BENCH_PRODUCTS || 100000);
const psql = (sql) =>
  execFileSync(process.env.BENCH_PSQL || 'psql', ['-X', '-q', '-A', '-t', '-d', process.env.BENCH_DATABASE_URL, '-c', sql],
    { encoding: 'utf8', maxBuffer: 1 << 28 }).trim();

const phases = [['before', 5, steady], ['spike', spikeSecs, steady * 10], ['after', 5, steady]];
const nonce = `spike-${randomBytes(6).toString('hex')}`;
const target = new URL(url);
// Many connections (a spike is many clients at once), but bounded: new connections cost the
// load generator more than the requests do.
const writeAgent = new http.Agent({ keepAlive: true, maxSockets: 512 });
const readAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const now = () => performance.now();

const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { orderId } }';
const READS = [
  (n) => ({ query: 'query($id: ID!) { Product(productId: $id) { productId productName price } }', variables: { id: `p${String(1 + (n % products)).padStart(6, '0')}` } }),
  (n) => ({ query: 'query($c: ID!) { Order(customerId: $c) { orderId orderRef createdAt total items { quantity unitPrice product { productName price } } } }', variables: { c: String(1 + (n % customers)) } }),
];

// When each request got a connection, against its intended time: whether this generator kept up.
const lags = [];
function post(agent, payload, done, intended) {
  const body = JSON.stringify(payload);
  const req = http.request({
    agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', timeout: 30000,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
  }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => done(res.statusCode, Buffer.concat(chunks).toString()));
    res.on('error', () => done(0, ''));
  });
  req.on('socket', () => lags.push(now() - intended));
  req.on('timeout', () => req.destroy());
  req.on('error', () => done(0, ''));
  req.end(body);
}

const writes = []; // {key, phase, intended, status, code, orderId, ms}
const reads = []; // {phase, ms, ok}
let pending = 0;

function sendWrite(i, phase, intended) {
  const p = 1 + Math.floor(Math.random() * products);
  const w = { key: `${nonce}-${i}`, phase, intended };
  writes.push(w);
  pending++;
  post(writeAgent, {
    query: PLACE,
    variables: { input: { customerId: String(1 + Math.floor(Math.random() * customers)), idempotencyKey: w.key,
      items: [{ productId: `p${String(p).padStart(6, '0')}`, quantity: 1 + (i % 5) }, { productId: `p${String((p % products) + 1).padStart(6, '0')}`, quantity: 1 + (i % 3) }] } },
  }, (status, text) => {
    pending--;
    w.ms = now() - intended;
    w.status = status;
    try {
      const j = JSON.parse(text);
      w.orderId = j.data?.placeOrder?.orderId;
      w.code = j.errors?.[0]?.extensions?.code;
    } catch {
      w.code = status ? `HTTP ${status}` : 'no answer';
    }
  }, intended);
}

function sendRead(n, phase, intended) {
  pending++;
  post(readAgent, READS[n % 10 === 0 ? 1 : 0](Math.floor(Math.random() * 1e9)), (status, text) => {
    pending--;
    reads.push({ phase, ms: now() - intended, ok: status === 200 && text.startsWith('{"data":') && !text.includes('"errors"') });
  }, intended);
}

const maxBefore = Number(psql('SELECT coalesce(max(order_id), 0) FROM orders'));
const t0 = now();
let wi = 0, ri = 0, phaseStart = 0, written = 0;
for (const [name, secs, rate] of phases) {
  const total = Math.round(rate * secs);
  const start = t0 + phaseStart * 1000;
  let sent = 0;
  const readsStart = ri;
  await new Promise((resolve) => {
    (function tick() {
      const elapsed = now() - start;
      const due = Math.min(total, Math.floor((elapsed / 1000) * rate) + 1);
      while (sent < due) sendWrite(wi++, name, start + (sent++ * 1000) / rate);
      const readsDue = Math.min(Math.round(readRate * secs), Math.floor((elapsed / 1000) * readRate) + 1);
      while (ri - readsStart < readsDue) sendRead(ri, name, start + ((ri++ - readsStart) * 1000) / readRate);
      if (elapsed < secs * 1000) setTimeout(tick, 1);
      else resolve();
    })();
  });
  written += total;
  phaseStart += secs;
}
const graceEnd = now() + 35000;
while (pending > 0 && now() < graceEnd) await new Promise((r) => setTimeout(r, 20));
writeAgent.destroy();
readAgent.destroy();

// Reconciled with the database.
const inDb = new Map();
for (const line of psql(`SELECT idempotency_key || ' ' || order_id FROM idempotency_keys WHERE idempotency_key LIKE '${nonce}-%'`).split('\n')) {
  if (line) inDb.set(line.split(' ')[0], line.split(' ')[1]);
}
const ordersWritten = Number(psql(`SELECT count(*) FROM orders WHERE order_id > ${maxBefore}`));
let placed = 0, refused = 0, unknown = 0, unknownWritten = 0, lost = 0, writtenAfterRefusal = 0;
const accepted = [], spikeAccepted = [];
const failures = {};
for (const w of writes) {
  if (w.status === 200 && w.orderId) {
    placed++;
    if (inDb.get(w.key) !== w.orderId) lost++;
    accepted.push(w.ms);
    if (w.phase === 'spike') spikeAccepted.push(w.ms);
  } else if (w.status === 503 && w.code === 'OVERLOADED') {
    refused++;
    if (inDb.has(w.key)) writtenAfterRefusal++;
  } else {
    unknown++;
    failures[w.code ?? 'no answer'] = (failures[w.code ?? 'no answer'] ?? 0) + 1;
    if (inDb.has(w.key)) unknownWritten++;
  }
}
const duplicated = ordersWritten - inDb.size;
const pct = (a, p) => {
  if (a.length === 0) return 0;
  const s = Float64Array.from(a).sort();
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const us = (ms) => Math.round(ms * 1000);
const readsIn = (phase) => reads.filter((r) => (phase === 'spike') === (r.phase === 'spike'));
const spikeReads = readsIn('spike'), calmReads = readsIn('calm');
console.log(`BENCH requests=${writes.length} rps=${Math.round(placed / phaseStart)} p50_us=${us(pct(accepted, 50))} ` +
  `p90_us=${us(pct(accepted, 90))} p99_us=${us(pct(accepted, 99))} errors=${unknown} non2xx=${refused} ` +
  `steady=${steady} spike_rate=${steady * 10} spike_s=${spikeSecs} sent=${written} placed=${placed} refused=${refused} ` +
  `unknown=${unknown} unknown_written=${unknownWritten} lost=${lost} duplicated=${duplicated} ` +
  `written_after_refusal=${writtenAfterRefusal} spike_p99_us=${us(pct(spikeAccepted, 99))} ` +
  `reads=${reads.length} read_errors=${reads.filter((r) => !r.ok).length} read_rate=${readRate} ` +
  `reads_spike_p99_us=${us(pct(spikeReads.map((r) => r.ms), 99))} reads_calm_p99_us=${us(pct(calmReads.map((r) => r.ms), 99))} ` +
  `send_lag_p99_us=${us(pct(lags, 99))}`);
if (unknown > 0) console.log(`# other failures: ${JSON.stringify(failures)}`);
process.exit(0);
