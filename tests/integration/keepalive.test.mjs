// GQLD_KEEPALIVE_TIMEOUT_MS: how long an idle keep-alive connection stays
// open. Behind a load balancer it must outlast the balancer's own idle timeout
// (an ALB keeps idle connections 60 s by default), or the balancer sends a
// request on a connection gqld is closing and answers 502. A raw HTTP/1.1
// client sends a request, stays idle, and sends another on the same socket.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createSeededDatabase, runGqld, sleep, startServer } from './lib.mjs';

let db;
before(async () => {
  db = await createSeededDatabase('gqld_keepalive');
});
after(async () => {
  await db?.drop();
});

// One persistent connection: get(path) sends a request and resolves with the status of its answer;
// closed resolves once the server has closed the connection.
function connect(port) {
  const sock = net.connect({ host: '127.0.0.1', port });
  let buf = '';
  let waiter = null;
  const closed = new Promise((resolve) => sock.on('close', () => resolve(true)));
  sock.setEncoding('utf8');
  sock.on('error', () => {});
  sock.on('data', (d) => {
    buf += d;
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0 || !waiter) return;
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
    if (buf.length < end + 4 + length) return;
    const status = Number(buf.slice(9, 12));
    buf = buf.slice(end + 4 + length);
    const w = waiter;
    waiter = null;
    w(status);
  });
  const ready = new Promise((resolve) => sock.once('connect', resolve));
  return {
    async get(path) {
      await ready;
      const answered = new Promise((resolve) => (waiter = resolve));
      sock.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
      return Promise.race([answered, closed.then(() => 'closed')]);
    },
    closed,
    isClosed: () => sock.destroyed || sock.readyState === 'closed',
    destroy: () => sock.destroy(),
  };
}

test('a connection idle less than GQLD_KEEPALIVE_TIMEOUT_MS is reused; past it gqld closes it', async () => {
  const server = await startServer({ DATABASE_URL: db.url, GQLD_KEEPALIVE_TIMEOUT_MS: 2000 });
  const c = connect(server.port);
  try {
    assert.equal(await c.get('/healthz'), 200);
    await sleep(1200);
    assert.equal(await c.get('/healthz'), 200, 'reused after 1.2 s idle');
    await sleep(1200);
    assert.equal(await c.get('/healthz'), 200, 'the timer starts again after each request');
    const t0 = Date.now();
    assert.equal(await c.closed, true);
    const idle = Date.now() - t0;
    assert.ok(idle >= 1500 && idle < 5000, `closed by gqld after about 2 s idle (${idle} ms)`);
  } finally {
    c.destroy();
    await server.stop();
  }
});

test('the default keeps an idle connection longer than h2o\'s own 10 s: reused after 11 s idle', async () => {
  const server = await startServer({ DATABASE_URL: db.url });
  const c = connect(server.port);
  try {
    assert.equal(await c.get('/healthz'), 200);
    await sleep(11000);
    assert.ok(!c.isClosed(), 'still open after 11 s idle');
    assert.equal(await c.get('/healthz'), 200, 'reused after 11 s idle');
  } finally {
    c.destroy();
    await server.stop();
  }
});

test('the default is above an ALB\'s 60 s idle timeout, and the setting is validated', async () => {
  const help = await runGqld(['--help']);
  const m = /GQLD_KEEPALIVE_TIMEOUT_MS\s+--keepalive-timeout-ms\s+default: (\d+)/.exec(help.stdout);
  assert.ok(m, help.stdout);
  assert.ok(Number(m[1]) > 60000, `default ${m[1]} ms > 60000 ms`);
  const bad = await runGqld(['serve'], { DATABASE_URL: db.url, GQLD_LISTEN: '127.0.0.1:0', GQLD_KEEPALIVE_TIMEOUT_MS: '10' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /GQLD_KEEPALIVE_TIMEOUT_MS/);
});
