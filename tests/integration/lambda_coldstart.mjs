// Measures the Lambda front door's cold start on this machine: from exec of the
// binary to the Runtime API emulator receiving the first response, the event
// queued before the process starts (as Lambda does for a cold invocation).
// Not a test (no timed assertion): a figure for the README.
//
//   GQLD_BIN=build/server/gqld DATABASE_URL=postgresql://... node tests/integration/lambda_coldstart.mjs [runs]
import { spawn } from 'node:child_process';
import { RuntimeEmulator } from './lambda_emulator.mjs';

const runs = Number(process.argv[2] ?? 20);
const bin = process.env.GQLD_BIN;
const db = process.env.DATABASE_URL;
if (!bin || !db) {
  console.error('set GQLD_BIN and DATABASE_URL');
  process.exit(2);
}

const event = (rawPath, body) => ({
  version: '2.0', rawPath, rawQueryString: '', headers: { 'content-type': 'application/json' },
  requestContext: { http: { method: body ? 'POST' : 'GET' }, requestId: 'cold', stage: '$default' },
  body, isBase64Encoded: false,
});
const cases = [
  ['GET /healthz (no database work)', event('/healthz')],
  ['POST /graphql Product (connects to PostgreSQL, one query)',
    event('/graphql', JSON.stringify({ query: '{ Product(productId: "notebook") { productId productName price } }' }))],
];

async function once(ev) {
  const emulator = new RuntimeEmulator();
  await emulator.start();
  const answer = emulator.invoke(ev);
  const t0 = process.hrtime.bigint();
  const child = spawn(bin, [], {
    env: { PATH: process.env.PATH, AWS_LAMBDA_RUNTIME_API: emulator.address, DATABASE_URL: db, DB_POOL_SIZE: '1', GQLD_ACCESS_LOG: 'off' },
    stdio: 'ignore',
  });
  const r = await answer;
  const ms = Number(r.at - t0) / 1e6;
  const initMs = Number(emulator.firstNextAt - t0) / 1e6; // what Lambda reports as Init Duration
  const exited = new Promise((resolve) => child.on('close', resolve));
  child.kill('SIGTERM');
  await exited;
  await emulator.close();
  if (!JSON.parse(r.body).statusCode) throw new Error(r.body);
  return [ms, initMs];
}

const summary = (times) => {
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(1);
  return `median ${q(0.5)} ms, p90 ${q(0.9)} ms, min ${times[0].toFixed(1)} ms`;
};
for (const [name, ev] of cases) {
  const first = [];
  const init = [];
  for (let i = 0; i < runs; i++) {
    const [ms, initMs] = await once(ev);
    first.push(ms);
    init.push(initMs);
  }
  console.log(`${name}, ${runs} cold starts: exec to first response ${summary(first)}; exec to first GET next ${summary(init)}`);
}
