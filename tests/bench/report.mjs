// Writes the benchmark report from tests/bench/run.sh's results (SERVER \t SCENARIO \t BENCH line):
// a Markdown table (printed too) and a bar chart as plain SVG text, no dependencies.
//   node tests/bench/report.mjs RESULTS.tsv report.md report.svg   (context from BENCH_* variables)
import { readFileSync, writeFileSync } from 'node:fs';

const [resultsFile, mdFile, svgFile] = process.argv.slice(2);
const env = (k) => process.env[k] || 'unknown';
const results = new Map(); // "server scenario" -> {rps, p50_us, ...}
for (const line of readFileSync(resultsFile, 'utf8').split('\n')) {
  if (!line) continue;
  const [server, scenario, bench] = line.split('\t');
  const fields = {};
  for (const m of bench.matchAll(/(\w+)=([0-9.]+)/g)) fields[m[1]] = Number(m[2]);
  results.set(`${server} ${scenario}`, fields);
}
const get = (server, scenario) => results.get(`${server} ${scenario}`);
const ms = (us) => (us === undefined ? '-' : `${(us / 1000).toFixed(2)} ms`);
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : '-');

const scenarios = [
  ['typename', '1. `{ __typename }`'],
  ['product', '2. `Product(productId)`, Zipf ids over 100k'],
  ['order', '3. `Order(customerId) { … items { … product { … } } }`'],
  ['products', '5. `products(first: 20, after)`, random pages'],
];
// gqld's variants (one row each where measured), then the peers (without, then with their
// response cache plugins kept in memcached).
const variants = ['gqld', 'gqld-proxy', 'gqld-mc', 'gqld-cache'];
const peers = ['yoga', 'mercurius', 'yoga-cache', 'mercurius-cache'].filter((p) => scenarios.some(([s]) => get(p, s)));
const label = {
  gqld: 'gqld (prepared, cache off)',
  'gqld-proxy': 'gqld (proxy protocol, cache off)',
  'gqld-mc': 'gqld (memcached only)',
  'gqld-cache': 'gqld (in-process + memcached)',
  'gqld-cache-rl': 'gqld (in-process + memcached, rate limited)',
  'gqld-mckill': 'gqld (memcached only, memcached stopped halfway)',
  yoga: 'graphql-yoga',
  mercurius: 'mercurius + graphql-jit',
  'yoga-cache': 'graphql-yoga + response cache (memcached)',
  'mercurius-cache': 'mercurius + graphql-jit + mercurius-cache (memcached)',
  pgbench: 'pgbench (same SELECT)',
  healthz: 'gqld GET /healthz',
};

const md = [];
md.push(`## gqld load benchmark, ${env('BENCH_DATE')}`, '');
md.push(`- machine: ${env('BENCH_MACHINE')}; load average before the runs ${env('BENCH_LOAD')}, after ${env('BENCH_LOAD_AFTER')}`);
md.push(`- placement: ${env('BENCH_PLACEMENT')}`);
md.push(`- gqld: ${env('BENCH_SERVER')}; PostgreSQL and memcached on the same machine`);
if (peers.length) md.push(`- peers: ${env('BENCH_PEER_VERSIONS')}; pg Pool of the same size, DataLoader for items and products; no response cache except in the rows marked (memcached)`);
md.push(`- data: ${env('BENCH_DATA')}`);
md.push(`- load: ${env('BENCH_LOADGEN')}`);
if (process.env.BENCH_CACHE) md.push(`- cache: ${process.env.BENCH_CACHE}`);
if (process.env.BENCH_NOTE) md.push(`- note: ${process.env.BENCH_NOTE}`);
md.push('');
const mainTableAt = md.length; // a run of chosen scenarios (BENCH_SCENARIOS) may have no read rows
md.push('| scenario | server | req/s | p50 | p90 | p99 | errors | cache hit ratio | req/s ratio gqld (prepared, cache off) / server | CPU steal |');
md.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
const steal = (r) => (r.steal_pct === undefined ? '-' : `${r.steal_pct.toFixed(1)}%`);
const hit = (r) => (r.hit_ratio === undefined ? '-' : `${(r.hit_ratio * 100).toFixed(1)}%`);
const row = (scenario, server, r, ratioText) =>
  md.push(`| ${scenario} | ${label[server] || server} | ${r.rps} | ${ms(r.p50_us)} | ${ms(r.p90_us)} | ${ms(r.p99_us)} | ${r.errors} | ${hit(r)} | ${ratioText} | ${steal(r)} |`);
for (const [s, name] of scenarios) {
  const g = get('gqld', s);
  for (const v of [...variants, ...(s === 'product' ? ['gqld-mckill'] : []), ...peers]) {
    const r = get(v, s);
    if (r) row(name, v, r, v === 'gqld' ? '1.00' : ratio(g?.rps, r.rps));
  }
}
for (const v of ['gqld', 'gqld-cache']) {
  const mix = get(v, 'mix');
  if (mix) row(`4. mix 90% product / 10% order at ${mix.rate} req/s (open loop)`, v, mix, '-');
}
if (md.length === mainTableAt + 2) md.splice(mainTableAt, 2);
const cacheRows = [];
for (const [s, name] of scenarios.filter(([s]) => s === 'product' || s === 'order')) {
  for (const p of ['yoga-cache', 'mercurius-cache']) {
    const r = get(p, s), both = get('gqld-cache', s), mc = get('gqld-mc', s);
    if (r) cacheRows.push(`| ${name} | ${label[p]} | ${r.rps} | ${hit(r)} | ${both ? `${both.rps} (${hit(both)} hits)` : '-'} | ${ratio(both?.rps, r.rps)} | ${mc ? `${mc.rps} (${hit(mc)} hits)` : '-'} | ${ratio(mc?.rps, r.rps)} |`);
  }
}
if (cacheRows.length) {
  md.push('');
  md.push('Cache on: gqld\'s response cache against the peers with their response cache plugins, same memcached, same run:', '');
  md.push('| scenario | peer with its cache | peer req/s | peer hit ratio | gqld (in-process + memcached) req/s | ratio gqld (both tiers) / peer | gqld (memcached only) req/s | ratio gqld (memcached only) / peer |');
  md.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  md.push(...cacheRows);
  md.push('');
  md.push('Every cache starts empty with each server and fills during the warm-up and the run (closed loop, ttl 30 s):');
  md.push('a slower server makes fewer requests, so sees fewer hits; compare the hit ratios with the req/s.');
  md.push('yoga\'s plugin caches whole responses (looked up before parsing); mercurius-cache caches each');
  md.push('resolver\'s result (a hit still goes through mercurius\'s pipeline and the compiled query); mercurius has no');
  md.push('whole-response cache plugin.');
}
const warmRows = [];
for (const [s, what, ceiling] of [['product-warm', 'Zipf over 100k, all stored', 'healthz-zipf'], ['product-hot', 'one product', 'healthz-one']])
  for (const [v, target] of [['gqld-cache', 0.7], ['gqld-cache-rl', 0.7], ['gqld-mc', 0.5]]) {
    const w = get(v, s), c = get(v, ceiling), h = get(v, 'healthz');
    if (w && c && h) warmRows.push(`| ${what} | ${label[v]} | ${w.rps} | ${ms(w.p50_us)} | ${ms(w.p99_us)} | ${hit(w)} | ${c.rps} | **${ratio(w.rps, c.rps)}** | ${target.toFixed(2)} | ${h.rps} | ${ratio(w.rps, h.rps)} | ${steal(w)}, ${steal(c)}, ${steal(h)} |`);
  }
if (warmRows.length) {
  md.push('');
  md.push('Warm cache, against the fixed-response ceiling of the same process. 2w is scenario 2 after every product was read once (all 100k stored); 2h is one product read again and again (a fixed body). Each is measured twice more: the same requests (same wrk script, same bytes) POSTed to `/healthz`, which answers its fixed response whatever the body (the ceiling the target is read against: the load generator\'s own cost is in both), and `GET /healthz`:', '');
  md.push('| reads | server | Product req/s | p50 | p99 | cache hit ratio | fixed response, same requests, req/s | ratio | target (issue 5) | `GET /healthz` req/s | ratio to `GET /healthz` | CPU steal (Product, same requests, GET) |');
  md.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  md.push(...warmRows);
  // What the rate limiter costs a cached read: the warm-cache ratios with and without it.
  const limited = [['product-warm', 'healthz-zipf', 'Zipf over 100k'], ['product-hot', 'healthz-one', 'one product']]
    .map(([s, c, what]) => {
      const a = get('gqld-cache', s), ac = get('gqld-cache', c), b = get('gqld-cache-rl', s), bc = get('gqld-cache-rl', c);
      return a && ac && b && bc ? `${what}: ${ratio(b.rps, bc.rps)} with the limiter, ${ratio(a.rps, ac.rps)} without (${((b.rps / bc.rps / (a.rps / ac.rps) - 1) * 100).toFixed(1)}%)` : null;
    })
    .filter(Boolean);
  if (limited.length) md.push('', `The rate limiter on every cached read (warm-cache ratio, both tiers): ${limited.join('; ')}.`);
}
const place = get('gqld', 'place'), placePg = get('pgbench', 'place'), spike = get('gqld', 'spike');
if (place || placePg) {
  md.push('');
  md.push('Writes (scenario 6): placeOrder, every request a new order, closed loop; pgbench runs the two statements gqld sends for it (the write and the read of its answer, captured from PostgreSQL\'s log) in one pipeline, one transaction each, on as many connections as gqld\'s writer pool:', '');
  md.push('| scenario | server | req/s | p50 | p90 | p99 | errors | req/s ratio gqld / pgbench (goal 0.80) | CPU steal |');
  md.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [server, r] of [['gqld', place], ['pgbench', placePg]])
    if (r) md.push(`| 6. \`placeOrder\` | ${server === 'gqld' ? label.gqld : 'pgbench (same two statements, one pipeline)'} | ${r.rps} | ${ms(r.p50_us)} | ${ms(r.p90_us)} | ${ms(r.p99_us)} | ${r.errors} | ${server === 'gqld' ? `**${ratio(place?.rps, placePg?.rps)}**` : '-'} | ${steal(r)} |`);
}
if (spike) {
  md.push('');
  md.push(`A spike of orders (scenario 7): placeOrder open loop at ${spike.steady} req/s for 5 s, ${spike.spike_rate} req/s (ten times) for ${spike.spike_s} s, ${spike.steady} req/s for 5 s, each request a new order, on a writer pool of ${process.env.BENCH_SPIKE_WRITE_POOL || 1} connection, with reads (scenario 4's mix) at ${spike.read_rate} req/s throughout; every answer checked against the database afterwards:`, '');
  md.push('| orders sent | placed | refused (503, before writing) | other failures (outcome unknown) | lost | duplicated | refused but written | accepted p50 | accepted p99 | accepted p99 during the spike (from sending) | reads p99 during the spike (from sending) | reads p99 before and after (from sending) | read errors | load generator lag p99 |');
  md.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  md.push(`| ${spike.sent} | ${spike.placed} | ${spike.refused} | ${spike.unknown} (${spike.unknown_written} written) | **${spike.lost}** | **${spike.duplicated}** | ${spike.written_after_refusal} | ${ms(spike.p50_us)} | ${ms(spike.p99_us)} | ${ms(spike.spike_p99_us)} (${ms(spike.spike_sent_p99_us)}) | ${ms(spike.reads_spike_p99_us)} (${ms(spike.reads_spike_sent_p99_us)}) | ${ms(spike.reads_calm_p99_us)} (${ms(spike.reads_calm_sent_p99_us)}) | ${spike.read_errors} | ${ms(spike.send_lag_p99_us)} |`);
  md.push('');
  md.push('Latencies count from each request\'s intended send time, and in brackets from when it got its connection.');
  md.push('The load generator (Node, one core, at most 512 connections for the orders) is late by its lag: when');
  md.push('that is large it could not send at the spike\'s rate, so the spike was smaller and its own queueing is in');
  md.push('the first latencies; the bracketed ones are the server\'s share.');
}
const ceilingsAt = md.length;
md.push('');
md.push('Ceilings, same run:', '');
md.push('| ceiling | req/s | p50 | p90 | p99 | compared with | its req/s / ceiling | CPU steal (ceiling, compared) |');
md.push('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
const hz = get('gqld', 'healthz');
const ceil = (what, c, vs) => {
  for (const [server, s] of vs) {
    const r = get(server, s);
    if (c && r) md.push(`| ${what} | ${c.rps} | ${ms(c.p50_us)} | ${ms(c.p90_us)} | ${ms(c.p99_us)} | ${label[server]}, ${s} | ${ratio(r.rps, c.rps)} | ${steal(c)}, ${steal(r)} |`);
  }
};
ceil('gqld `GET /healthz` (fixed response)', hz, [['gqld', 'typename'], ['gqld-cache', 'product'], ['gqld-mc', 'product'], ['gqld-cache', 'order'], ['gqld-mc', 'order']]);
for (const [s, what] of [['product', 'scenario 2'], ['order', 'scenario 3'], ['products', 'scenario 5']])
  ceil(`pgbench, the SELECT of ${what}`, get('pgbench', s), [['gqld', s], ['gqld-proxy', s]]);
if (md.length === ceilingsAt + 5) md.splice(ceilingsAt, 5);
md.push('');
md.push('Servers run one at a time, scenario by scenario, each a fresh process warmed up by the');
md.push('scenario\'s warm-up. pgbench runs the SELECT text gqld sends for one request (captured from PostgreSQL\'s log),');
md.push('with the product id built in SQL (`\'p\' || lpad(n, 6, \'0\')`, Zipf n; uniform n for pages) and a uniform');
md.push('customer id, with as many connections as gqld\'s pool; under load gqld sends one statement for the');
md.push('requests of the same shape that arrive together (DB_COALESCE, README "Shared statements"), which is how');
md.push('it passes that rate. Cache hit ratios come from gqld\'s own counters');
md.push('(GET /metrics) over the measured run; a peer\'s hit ratio counts its gets from memcached (yoga: one per');
md.push('request; mercurius-cache: one per cached resolver call, so several per Order query).');
md.push('Scenario 4\'s latencies count from each request\'s intended send time (coordinated omission');
md.push('accounted for); its errors include requests still unanswered 5 s after the end.');
md.push('Figures are noisy: the machine is a virtual machine on a shared host. CPU steal is the share of the');
md.push('machine\'s CPU time the hypervisor gave to other guests during each run (/proc/stat): a run with much of');
md.push('it measured a slower machine than its neighbours in the table.');
const text = md.join('\n') + '\n';
writeFileSync(mdFile, text);
process.stdout.write('\n' + text);

// The chart: req/s per scenario and server, one group of bars per scenario, each group on
// its own scale (the longest bar is the group's best), figures written on the bars.
const groups = scenarios.map(([s, name]) => ({
  name: name.replace(/`/g, ''),
  bars: [...variants.map((v) => [v, get(v, s)]), ...(s === 'typename' ? [['healthz', get('gqld', 'healthz')]] : []), ...peers.map((p) => [p, get(p, s)]), ['pgbench', get('pgbench', s)]]
    .filter(([, r]) => r)
    .map(([server, r]) => ({ server, rps: r.rps })),
}));
const colour = { gqld: '#2b6cb0', 'gqld-proxy': '#4c51bf', 'gqld-mc': '#3182ce', 'gqld-cache': '#63b3ed', yoga: '#dd6b20', mercurius: '#38a169', 'yoga-cache': '#f6ad55', 'mercurius-cache': '#68d391', pgbench: '#718096', healthz: '#a0aec0' };
const esc = (t) => String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const W = 860, left = 290, barH = 20, gap = 6, pad = 16;
let y = 48;
const parts = [];
for (const g of groups) {
  parts.push(`<text x="10" y="${y}" font-weight="bold">${esc(g.name)}</text>`);
  y += 10;
  const max = Math.max(1, ...g.bars.map((b) => b.rps));
  for (const b of g.bars) {
    const w = Math.max(1, Math.round(((W - left - 90) * b.rps) / max));
    parts.push(`<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(label[b.server] || b.server)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${w}" height="${barH}" fill="${colour[b.server] || '#999'}"/>`);
    parts.push(`<text x="${left + w + 6}" y="${y + 15}">${b.rps} req/s</text>`);
    y += barH + gap;
  }
  y += pad + 10;
}
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="20" font-size="15" font-weight="bold">${esc(`gqld load benchmark, ${env('BENCH_DATE')}`)}</text>
<text x="${W - 10}" y="20" text-anchor="end" fill="#555">req/s; each group on its own scale</text>
${parts.join('\n')}
</svg>
`;
writeFileSync(svgFile, svg);
