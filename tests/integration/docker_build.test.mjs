// The container's build and run steps, run on the host (no Docker engine here):
// infra/docker/build.sh is what the Dockerfile RUNs, so this runs it too, into
// a temporary DESTDIR, and starts the installed binary the way the image does
// (environment only), against the test PostgreSQL. The same release build makes
// the Lambda package, whose bootstrap is run under the Runtime API emulator.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';

import {
  NOTEBOOK_BODY, PRODUCT_QUERY, ROOT, childEnv, createSeededDatabase, parseJsonLine, run, withTimeout,
} from './lib.mjs';
import { RuntimeEmulator } from './lambda_emulator.mjs';

const SCRIPT = path.join(ROOT, 'infra', 'docker', 'build.sh');
const DOCKERFILE = readFileSync(path.join(ROOT, 'infra', 'docker', 'Dockerfile'), 'utf8');
// A build directory that persists between runs (meson: the suite's build dir), so a rerun is incremental.
const BUILD_DIR = process.env.GQLD_DOCKER_BUILD_DIR ?? path.join(ROOT, 'build-release');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function buildSh(...args) {
  const r = await run(SCRIPT, args, { env: { ...process.env, BUILD_DIR }, timeoutMs: 1200000 });
  assert.equal(r.code, 0, `build.sh ${args.join(' ')}:\n${r.stderr}`);
  return r;
}

describe('container image steps (infra/docker/build.sh), run on the host', () => {
  let dest;
  let db;
  let bin;

  before(async () => {
    dest = mkdtempSync(path.join(tmpdir(), 'gqld-image-'));
    db = await createSeededDatabase('docker');
    await buildSh('build', dest);
    bin = path.join(dest, 'usr', 'local', 'bin', 'gqld');
  });

  after(async () => {
    await db?.drop();
    if (dest) rmSync(dest, { recursive: true, force: true });
  });

  test('the image\'s build stage installs every library the development set-up builds against', () => {
    // infra/dev/deps.sh is what ./dev and CI build with; build.sh build-deps is what the image builds with.
    const base = readFileSync(path.join(ROOT, 'infra', 'dev', 'deps.sh'), 'utf8').match(/^packages=\(([\s\S]*?)\)/m)[1];
    const devLibs = [...base.matchAll(/\b(lib[a-z0-9.+-]+-dev)\b/g)].map((m) => m[1]);
    const buildDeps = readFileSync(SCRIPT, 'utf8').match(/build_deps\(\) \{([\s\S]*?)\n\}/)[1];
    assert.ok(devLibs.length >= 6, devLibs.join(' '));
    for (const lib of devLibs) assert.match(buildDeps, new RegExp(`\\b${lib.replace(/[.+]/g, '\\$&')}\\b`), lib);
  });

  test('the Dockerfile is multi-stage bookworm -> bookworm-slim and runs this script in both stages', () => {
    const from = [...DOCKERFILE.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    assert.deepEqual(from, ['debian:bookworm', 'debian:bookworm-slim']);
    assert.match(DOCKERFILE, /^RUN infra\/docker\/build\.sh build-deps$/m);
    assert.match(DOCKERFILE, /^RUN BUILD_DIR=\S+ infra\/docker\/build\.sh build \/out$/m);
    assert.match(DOCKERFILE, /^COPY --from=build \/out\/ \/$/m);
    assert.match(DOCKERFILE, /^RUN \/usr\/local\/share\/gqld\/build\.sh runtime \//m);
    assert.match(DOCKERFILE, /^USER 10001:10001$/m, 'non-root');
    assert.match(DOCKERFILE, /^HEALTHCHECK .*CMD \["\/usr\/local\/bin\/gqld", "healthcheck"\]$/m);
    assert.match(DOCKERFILE, /^STOPSIGNAL SIGTERM$/m);
    assert.match(DOCKERFILE, /^ENTRYPOINT \["\/usr\/local\/bin\/gqld"\]$/m);
    // Configuration by environment only: the command carries no flags, and ENV sets the listener.
    assert.match(DOCKERFILE, /^CMD \["serve"\]$/m);
    assert.match(DOCKERFILE, /^ENV GQLD_LISTEN=0\.0\.0\.0:8080$/m);
    // COPY . /src must not carry local build trees (their paths and flags are the host's) or node_modules.
    const ignored = readFileSync(path.join(ROOT, 'infra', 'docker', 'Dockerfile.dockerignore'), 'utf8').split('\n');
    for (const p of ['.git', '.dev', 'build*', '**/node_modules']) assert.ok(ignored.includes(p), `${p} is ignored`);
  });

  test('the runtime packages are the owners of every library the binary loads', async () => {
    const list = readFileSync(path.join(dest, 'usr', 'local', 'share', 'gqld', 'runtime-packages'), 'utf8').trim().split('\n');
    for (const p of ['libc6', 'libh2o-evloop0.13', 'libpq5', 'libjansson4', 'libssl3']) assert.ok(list.includes(p), `${p} in ${list}`);
    assert.ok(!list.some((p) => p.endsWith('-dev')), 'no -dev package at run time');
    const ldd = await run('ldd', [bin]);
    for (const lib of ldd.stdout.matchAll(/=> (\/\S+)/g)) {
      const owner = await run('dpkg', ['-S', lib[1]]);
      const alt = owner.code === 0 ? owner : await run('dpkg', ['-S', `/usr${lib[1]}`]);
      const pkg = alt.stdout.split(':')[0];
      assert.ok(list.includes(pkg), `${lib[1]} (${pkg}) is covered`);
    }
    const dry = await buildSh('runtime', dest, '--dry-run');
    assert.ok(dry.stdout.includes(`apt-get install -y -qq --no-install-recommends ${list.join(' ')}\n`), dry.stdout);
    assert.match(dry.stdout, /useradd --system --uid 10001 /);
  });

  test('the installed binary serves from environment alone; gqld healthcheck follows it', async () => {
    const port = await freePort();
    const env = childEnv({ GQLD_LISTEN: `127.0.0.1:${port}`, DATABASE_URL: db.url });
    const child = spawn(bin, [], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const listening = new Promise((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (d) => {
        stderr += d;
        if (stderr.split('\n').some((l) => parseJsonLine(l)?.msg === 'listening')) resolve(true);
      });
    });
    const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    try {
      assert.ok(await withTimeout(listening, 20000, () => false), stderr);
      assert.equal((await run(bin, ['healthcheck'], { env })).code, 0);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(health.status, 200);
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: PRODUCT_QUERY }),
      });
      assert.equal(await res.text(), NOTEBOOK_BODY);
    } finally {
      child.kill('SIGTERM'); // the image's STOPSIGNAL
    }
    assert.deepEqual(await exited, { code: 0, signal: null }, stderr);
    const down = await run(bin, ['healthcheck'], { env });
    assert.equal(down.code, 1, 'healthcheck fails once the server is gone');
    assert.match(down.stderr, /gqld healthcheck: connect to 127\.0\.0\.1/);
  });

  test('the Lambda package: bootstrap runs the binary on its bundled libraries and serves an event', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gqld-lambda-zip-'));
    try {
      const zip = path.join(dir, 'gqld-lambda.zip');
      await buildSh('lambda', zip);
      const task = path.join(dir, 'task');
      assert.equal((await run('unzip', ['-q', zip, '-d', task])).code, 0);
      accessSync(path.join(task, 'bootstrap'), constants.X_OK);
      const loader = path.join(task, 'lib', 'ld-linux-x86-64.so.2');
      assert.ok(existsSync(loader));
      const list = await run(loader, ['--list', '--library-path', path.join(task, 'lib'), path.join(task, 'bin', 'gqld')]);
      assert.equal(list.code, 0, list.stderr);
      for (const m of list.stdout.matchAll(/=> (\S+)/g)) {
        assert.ok(m[1].startsWith(path.join(task, 'lib')) || m[1].startsWith('./'), `${m[1]} comes from the package`);
      }
      const emulator = new RuntimeEmulator();
      await emulator.start();
      const child = spawn(path.join(task, 'bootstrap'), [], {
        env: childEnv({ AWS_LAMBDA_RUNTIME_API: emulator.address, DATABASE_URL: db.url, LAMBDA_TASK_ROOT: task }),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
      const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
      try {
        const r = await withTimeout(emulator.invoke({
          version: '2.0', rawPath: '/graphql', rawQueryString: '', headers: { 'content-type': 'application/json' },
          requestContext: { http: { method: 'POST' }, requestId: 'zip', stage: '$default' },
          body: JSON.stringify({ query: PRODUCT_QUERY }), isBase64Encoded: false,
        }), 20000, () => ({ body: `{"timeout":true,"stderr":${JSON.stringify(stderr)}}` }));
        assert.equal(JSON.parse(r.body).body, NOTEBOOK_BODY, r.body);
      } finally {
        child.kill('SIGTERM');
        await exited;
        await emulator.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('compose.yaml: gqld, postgres and memcached, wired by environment', () => {
    const compose = YAML.parse(readFileSync(path.join(ROOT, 'infra', 'docker', 'compose.yaml'), 'utf8'));
    const { gqld, postgres, memcached, migrate } = compose.services;
    assert.ok(gqld && postgres && memcached);
    assert.equal(path.resolve(ROOT, 'infra', 'docker', migrate.build.context, migrate.build.dockerfile), path.join(ROOT, 'infra', 'docker', 'Dockerfile'));
    assert.equal(gqld.image, migrate.image, 'gqld runs the image migrate builds');
    const url = new URL(gqld.environment.DATABASE_URL);
    assert.equal(url.hostname, 'postgres');
    assert.equal(url.username, postgres.environment.POSTGRES_USER);
    assert.equal(url.password, postgres.environment.POSTGRES_PASSWORD);
    assert.equal(url.pathname, `/${postgres.environment.POSTGRES_DB}`);
    assert.equal(gqld.environment.MEMCACHED_SERVERS, 'memcached:11211');
    assert.deepEqual(gqld.ports, ['8080:8080']);
    assert.equal(gqld.depends_on.migrate.condition, 'service_completed_successfully');
  });
});
