// Open-loop, fixed-rate load generator for the read-heavy mix (scenario 4), written here
// because Debian has no wrk2. Requests are scheduled at intended send times
// (start + i / rate) whatever the server does, and each latency is measured from its
// intended send time, not from when a connection became free: a stalled server shows up
// in the percentiles (coordinated omission accounted for, as wrk2 does).
//   node tests/bench/openloop.mjs URL RATE DURATION_S CONNECTIONS [WARMUP_S]
// Mix: 90% Product(productId) with Zipf ids (s = 1.1, BENCH_PRODUCTS), 10% the nested
// Order(customerId) over BENCH_CUSTOMERS. Prints one BENCH line like tests/bench/report.lua,
// plus rate= (the target) and late= (requests not answered within 5 s after the end).
import http from 'node:http';

const [url, rateArg, durationArg, connArg, warmupArg] = process.argv.slice(2);
const rate = Number(rateArg), duration = Number(durationArg), connections = Number(connArg);
const warmup = Number(warmupArg || 0);
if (!url || !(rate > 0) || !(duration > 0) || !(connections > 0)) {
  console.error('usage: openloop.mjs URL RATE DURATION_S CONNECTIONS [WARMUP_S]');
  process.exit(2);
}
const products = Number(process.env.BENCH_PRODUCTS || 100000);
const customers = Number(process.env.BENCH_CUSTOMERS || 10000);
const s = Number(process.env.BENCH_ZIPF_S || 1.1);

const cdf = new Float64Array(products);
let sum = 0;
for (let k = 1; k <= products; k++) cdf[k - 1] = sum += 1 / k ** s;
for (let k = 0; k < products; k++) cdf[k] /= sum;
function zipf() {
  const u = Math.random();
  let lo = 0, hi = products - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}
const productQuery = 'query($id: ID!) { Product(productId: $id) { productId productName price } }';
const orderQuery = 'query($c: ID!) { Order(customerId: $c) { orderId orderRef createdAt total items { quantity unitPrice product { productName price } } } }';
function body() {
  if (Math.random() < 0.9)
    return JSON.stringify({ query: productQuery, variables: { id: 'p' + String(zipf()).padStart(6, '0') } });
  return JSON.stringify({ query: orderQuery, variables: { c: String(1 + Math.floor(Math.random() * customers)) } });
}

const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const now = () => performance.now();

// One phase: sends for `secs` at `rate`; resolves with latencies (ms) from intended times.
function phase(secs) {
  return new Promise((resolve) => {
    const latencies = [];
    let errors = 0, sent = 0, answered = 0, ended = false;
    const total = Math.round(rate * secs);
    const t0 = now();
    function send(intended) {
      const payload = body();
      const req = http.request({
        agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200 || !text.startsWith('{"data":') || text.includes('"errors"')) errors++;
          finish(intended);
        });
        res.on('error', () => { errors++; finish(intended); });
      });
      req.on('error', () => { errors++; finish(intended); });
      req.end(payload);
    }
    function finish(intended) {
      answered++;
      latencies.push(now() - intended);
      if (sent === total && answered === total) done();
    }
    function tick() {
      const elapsed = now() - t0;
      const due = Math.min(total, Math.floor((elapsed / 1000) * rate) + 1);
      while (sent < due) send(t0 + (sent++ * 1000) / rate);
      if (sent < total) setTimeout(tick, 1);
      else grace = setTimeout(done, 5000);
    }
    let grace;
    function done() {
      if (ended) return;
      ended = true;
      clearTimeout(grace);
      resolve({ latencies, errors, late: total - answered, total, secs: (now() - t0) / 1000 });
    }
    tick();
  });
}

function pct(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

if (warmup > 0) await phase(warmup);
const r = await phase(duration);
const sorted = Float64Array.from(r.latencies).sort();
const us = (ms) => Math.round(ms * 1000);
console.log(`BENCH requests=${r.latencies.length} rps=${Math.round(r.latencies.length / duration)} ` +
  `p50_us=${us(pct(sorted, 50))} p90_us=${us(pct(sorted, 90))} p99_us=${us(pct(sorted, 99))} ` +
  `errors=${r.errors + r.late} non2xx=0 rate=${rate} late=${r.late}`);
agent.destroy();
process.exit(0);
