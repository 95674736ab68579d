// A small emulator of the AWS Lambda Runtime API (version 2018-06-01) on
// loopback, for driving gqld's Lambda front door the way Lambda does: the
// runtime long-polls GET .../invocation/next, then POSTs .../response or
// .../error; start-up failures go to /runtime/init/error. Only Node's standard
// library. Behaviour follows the Runtime API reference: 202 for accepted
// answers, 400 for an unknown request id, 413 for a response over 6 MB.
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const PREFIX = '/2018-06-01/runtime';
const MAX_RESPONSE = 6 * 1024 * 1024;

export class RuntimeEmulator {
  constructor() {
    this.queue = []; // invocations waiting for a GET next
    this.waiting = []; // GET next requests waiting for an invocation
    this.pending = new Map(); // request id -> {resolve}
    this.initErrors = [];
    this.nextCalls = 0;
    this.firstNextAt = null;
    this.onInitError = null;
    this.server = http.createServer((req, res) => this.route(req, res));
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.address = `127.0.0.1:${this.server.address().port}`;
    return this.address;
  }

  async close() {
    for (const res of this.waiting) res.destroy();
    this.waiting = [];
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  // Queues an event; resolves with {kind: 'response'|'error', body, headers, at} when the runtime answers.
  invoke(event, { requestId = randomUUID(), traceId, deadlineMs = Date.now() + 30000 } = {}) {
    const body = typeof event === 'string' ? event : JSON.stringify(event);
    return new Promise((resolve) => {
      const inv = {
        requestId,
        body,
        deadlineMs,
        traceId: traceId ?? `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=53995c3f42cd8ad8;Sampled=0`,
      };
      this.pending.set(requestId, { resolve });
      this.queue.push(inv);
      this.deliver();
    });
  }

  // Resolves with the first init error posted (or one already posted).
  initError() {
    if (this.initErrors.length) return Promise.resolve(this.initErrors[0]);
    return new Promise((resolve) => (this.onInitError = resolve));
  }

  deliver() {
    while (this.queue.length && this.waiting.length) {
      const inv = this.queue.shift();
      const res = this.waiting.shift();
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Aws-Request-Id': inv.requestId,
        'Lambda-Runtime-Deadline-Ms': String(inv.deadlineMs),
        'Lambda-Runtime-Invoked-Function-Arn': 'arn:aws:lambda:us-east-1:123456789012:function:gqld',
        'Lambda-Runtime-Trace-Id': inv.traceId,
      });
      res.end(inv.body);
    }
  }

  route(req, res) {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= MAX_RESPONSE + 1) chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url;
      if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
        this.nextCalls++;
        this.firstNextAt ??= process.hrtime.bigint();
        this.waiting.push(res);
        req.socket.setTimeout(0); // no timeout: the runtime waits as long as Lambda has nothing
        this.deliver();
        return;
      }
      if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
        const e = { body, headers: req.headers, at: process.hrtime.bigint() };
        this.initErrors.push(e);
        if (this.onInitError) this.onInitError(e);
        return this.reply(res, 202, { status: 'OK' });
      }
      const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (req.method === 'POST' && m) {
        const id = decodeURIComponent(m[1]);
        const p = this.pending.get(id);
        if (!p) return this.reply(res, 400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
        if (size > MAX_RESPONSE) {
          return this.reply(res, 413, { errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).', errorType: 'Function.ResponseSizeTooLarge' });
        }
        this.pending.delete(id);
        this.reply(res, 202, { status: 'OK' });
        p.resolve({ kind: m[2], body, headers: req.headers, at: process.hrtime.bigint() });
        return;
      }
      this.reply(res, 404, { errorMessage: 'not found', errorType: 'NotFound' });
    });
  }

  reply(res, status, obj) {
    const text = JSON.stringify(obj);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
}
