// Helpers for the cache suites: memcached instances of a test's own (via
// infra/dev/services.sh), a tiny memcached text-protocol client to ask a node
// directly what it holds, and a fake ElastiCache configuration endpoint that
// speaks the one command gqld sends (`config get cluster`).
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { services } from './lib.mjs';

// Starts a memcached on a free port; stop() kills it, start() brings it back on the same port.
export async function ownMemcached(name = 'mc') {
  const dir = mkdtempSync(path.join(os.tmpdir(), `gqld-${name}-`));
  const port = Number(await services('free-port'));
  const mc = {
    dir,
    port,
    address: `127.0.0.1:${port}`,
    start: () => services('mc-start', dir, port),
    stop: () => services('mc-stop', dir),
    async remove() {
      await services('mc-stop', dir).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await mc.start();
  return mc;
}

// Sends one text-protocol command and resolves with the answer once `until` matches it.
export function memcachedCommand(port, command, until = /(END|ERROR|OK)\r\n$/, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`memcached ${port}: no answer to ${command}; got ${data}`));
    }, timeoutMs);
    sock.setEncoding('latin1');
    sock.on('connect', () => sock.write(`${command}\r\n`));
    sock.on('data', (d) => {
      data += d;
      if (until.test(data)) {
        clearTimeout(timer);
        sock.end();
        resolve(data);
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

// The node's counters (`stats`) as numbers.
export async function memcachedStats(port) {
  const text = await memcachedCommand(port, 'stats');
  const stats = {};
  for (const m of text.matchAll(/^STAT (\S+) (\S+)\r$/gm)) stats[m[1]] = Number(m[2]);
  return stats;
}

// The keys the node holds that start with prefix (lru_crawler metadump: live items only).
export async function memcachedKeys(port, prefix) {
  const text = await memcachedCommand(port, 'lru_crawler metadump all', /(^|\n)(END|BUSY.*|ERROR.*)\r\n$/);
  const keys = [];
  for (const m of text.matchAll(/^key=(\S+) /gm)) {
    const key = decodeURIComponent(m[1]);
    if (key.startsWith(prefix)) keys.push(key);
  }
  return keys;
}

// A fake ElastiCache configuration endpoint: answers `config get cluster` with
// the nodes set by setNodes (host|ip|port entries), counting the polls.
export async function fakeConfigEndpoint(nodes) {
  let version = 1;
  let current = nodes;
  const state = { polls: 0 };
  const server = net.createServer((sock) => {
    let buf = '';
    sock.setEncoding('latin1');
    sock.on('error', () => {});
    sock.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        if (line === 'config get cluster') {
          state.polls++;
          const body = `${version}\n${current.map((n) => `localhost|${n.replace(':', '|')}`).join(' ')}\n`;
          sock.write(`CONFIG cluster 0 ${Buffer.byteLength(body)}\r\n${body}\r\nEND\r\n`);
        } else {
          sock.write('ERROR\r\n');
        }
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${server.address().port}`,
    state,
    setNodes(next) {
      current = next;
      version++;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
