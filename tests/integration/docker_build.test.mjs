// The container's build and run steps, run on the host (no Docker engine here):
// infra/docker/build.sh is what the Dockerfile RUNs, so this runs it too, into
// a temporary DESTDIR, and starts the installed binary the way the image does
// (environment only), against the test PostgreSQL. The same release build makes
// the Lambda package, whose bootstrap is run under the Runtime API emulator.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';

import {
  NOTEBOOK_BODY, PRODUCT_QUERY, ROOT, childEnv, createSeededDatabase, parseJsonLine, run, withTimeout,
} from './lib.mjs';
import { RuntimeEmulator } from './lambda_emulator.mjs';
import { AUDIENCE, ISSUER, makeKeys, mint } from './auth_keys.mjs';
import { makeTestCa, startJwksServer } from './test_ca.mjs';

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

  test('the Dockerfile is multi-stage bookworm -> bookworm-slim, pinned by digest, and runs this script in both stages', () => {
    const from = [...DOCKERFILE.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    assert.equal(from.length, 2);
    assert.match(from[0], /^debian:bookworm-\d{8}@sha256:[0-9a-f]{64}$/, 'the build stage: Debian 12, by digest');
    assert.match(from[1], /^debian:bookworm-\d{8}-slim@sha256:[0-9a-f]{64}$/, 'the runtime stage: Debian 12 slim, by digest');
    // The toolchain layer comes from the script alone, before the source is copied (a source change keeps it).
    const lines = DOCKERFILE.split('\n');
    const deps = lines.findIndex((l) => /^RUN \S*build\.sh build-deps$/.test(l));
    const copySrc = lines.findIndex((l) => /^COPY \. \/src$/.test(l));
    assert.ok(deps > 0 && copySrc > deps, 'build-deps runs before COPY . /src');
    assert.match(lines[deps - 1], /^COPY infra\/docker\/build\.sh \S+build\.sh$/);
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
    assert.ok(list.includes('ca-certificates'), 'the image gets /etc/ssl/certs/ca-certificates.crt (JWT_JWKS_CA_FILE)');
    const roots = readFileSync(path.join(dest, 'usr', 'local', 'share', 'gqld', 'amazon-root-ca.pem'), 'utf8');
    assert.equal(roots.match(/-----BEGIN CERTIFICATE-----/g).length, 5, 'the image gets the roots of RDS Proxy\'s certificates');
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

  // The zip is run as Lambda runs it, and nothing else: unpacked at /var/task of an otherwise empty root
  // (no /lib, /usr, /etc, /bin: no library, loader, shell or CA file of this host), under chroot,
  // driven by the Runtime API emulator on loopback.
  describe('the Lambda package, in an empty chroot', () => {
    let dir;
    let zip;
    let root;
    let ca;
    let keys;
    let idp;

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'gqld-lambda-zip-'));
      zip = path.join(dir, 'gqld-lambda.zip');
      await buildSh('lambda', zip);
      root = path.join(dir, 'root');
      mkdirSync(path.join(root, 'var', 'task'), { recursive: true });
      mkdirSync(path.join(root, 'tmp'));
      assert.equal((await run('unzip', ['-q', zip, '-d', path.join(root, 'var', 'task')])).code, 0);
      ca = await makeTestCa();
      copyFileSync(ca.caFile, path.join(root, 'tmp', 'test-ca.pem'));
      keys = await makeKeys();
      idp = await startJwksServer(ca, () => JSON.stringify({ keys: [keys.rsaJwk] }));
    });

    after(async () => {
      await idp?.close();
      if (ca) rmSync(ca.dir, { recursive: true, force: true });
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    // Starts /var/task/bootstrap under chroot with env alone (no host variable); {emulator, stop, stderr}.
    async function startInChroot(env) {
      const emulator = new RuntimeEmulator();
      await emulator.start();
      const chroot = ['/usr/sbin/chroot', '/usr/bin/chroot'].find((f) => existsSync(f)); // the child's env has no PATH
      const child = spawn(chroot, [root, '/var/task/bootstrap'], {
        env: { AWS_LAMBDA_RUNTIME_API: emulator.address, LAMBDA_TASK_ROOT: '/var/task', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
      const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
      const invoke = async (event) => {
        const answer = emulator.invoke(event).then((r) => ({ r }));
        const init = emulator.initError().then((e) => ({ e }));
        const out = await withTimeout(Promise.race([answer, init]), 20000, () => ({}));
        assert.ok(out.r, `no answer (init error: ${out.e?.body}); stderr:\n${stderr}`);
        return out.r;
      };
      return {
        invoke,
        stderr: () => stderr,
        async stop() {
          child.kill('SIGTERM');
          await withTimeout(exited, 10000, () => child.kill('SIGKILL'));
          await emulator.close();
        },
      };
    }

    test('the root holds the package and nothing else; bootstrap is the binary, its loader the bundled one', async () => {
      if (process.getuid() !== 0) return void console.log('# SKIPPED: chroot needs root');
      assert.deepEqual(readdirSync(root).sort(), ['tmp', 'var']);
      const task = path.join(root, 'var', 'task');
      assert.deepEqual(readdirSync(task).sort(), ['bootstrap', 'lib', 'share']);
      accessSync(path.join(task, 'bootstrap'), constants.X_OK);
      const interp = await run('patchelf', ['--print-interpreter', path.join(task, 'bootstrap')]);
      assert.match(interp.stdout.trim(), /^\/var\/task\/lib\/ld-linux-[a-z0-9_-]+\.so\.\d$/);
      assert.ok(existsSync(path.join(root, interp.stdout.trim())), 'the loader is in the package');
      assert.deepEqual(readdirSync(path.join(task, 'share', 'gqld')).sort(), ['amazon-root-ca.pem', 'ca-certificates.crt']);
      const roots = readFileSync(path.join(task, 'share', 'gqld', 'amazon-root-ca.pem'), 'utf8');
      assert.equal(roots.match(/-----BEGIN CERTIFICATE-----/g).length, 5, 'Amazon Root CA 1-4 and Starfield Services Root CA G2');
    });

    test('the same build gives a byte-identical zip', async () => {
      const again = path.join(dir, 'again.zip');
      await buildSh('lambda', again);
      const digest = (f) => createHash('sha256').update(readFileSync(f)).digest('hex');
      assert.equal(digest(again), digest(zip));
    });

    test('graphql handler: a query served against PostgreSQL', async () => {
      if (process.getuid() !== 0) return void console.log('# SKIPPED: chroot needs root');
      const fn = await startInChroot({ _HANDLER: 'graphql', DATABASE_URL: db.url, DB_POOL_SIZE: '1' });
      try {
        const r = await fn.invoke({
          version: '2.0', rawPath: '/graphql', rawQueryString: '', headers: { 'content-type': 'application/json' },
          requestContext: { http: { method: 'POST' }, requestId: 'zip', stage: '$default' },
          body: JSON.stringify({ query: PRODUCT_QUERY }), isBase64Encoded: false,
        });
        assert.equal(JSON.parse(r.body).body, NOTEBOOK_BODY, r.body);
      } finally {
        await fn.stop();
      }
    });

    const authorizerEvent = (token) => ({
      ...JSON.parse(readFileSync(path.join(ROOT, 'tests', 'fixtures', 'lambda', 'authorizer-token-doc.json'), 'utf8')),
      authorizationToken: `Bearer ${token}`,
    });
    const authorizerEnv = (caFile) => ({
      _HANDLER: 'authorizer', JWT_ALGORITHMS: 'RS256', JWT_JWKS_URL: idp.url, JWT_JWKS_CA_FILE: caFile,
      JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE,
    });

    test('authorizer handler: the JWKS fetched over HTTPS, trusted through JWT_JWKS_CA_FILE; the token allowed', async () => {
      if (process.getuid() !== 0) return void console.log('# SKIPPED: chroot needs root');
      const before = idp.fetches();
      const fn = await startInChroot(authorizerEnv('/tmp/test-ca.pem'));
      try {
        const r = await fn.invoke(authorizerEvent(await mint(keys, { sub: '4567' })));
        assert.equal(r.kind, 'response', `${r.body}\n${fn.stderr()}`);
        assert.equal(JSON.parse(r.body).policyDocument.Statement[0].Effect, 'Allow');
        assert.ok(idp.fetches() > before, 'the JWKS was fetched');
      } finally {
        await fn.stop();
      }
    });

    test('the package\'s own CA bundle is found and used: it does not trust the test CA, so the fetch fails on the certificate', async () => {
      if (process.getuid() !== 0) return void console.log('# SKIPPED: chroot needs root');
      const fn = await startInChroot(authorizerEnv('/var/task/share/gqld/ca-certificates.crt'));
      try {
        const r = await fn.invoke(authorizerEvent(await mint(keys, { sub: '4567' })));
        assert.equal(r.kind, 'error');
        assert.equal(JSON.parse(r.body).errorMessage, 'Unauthorized');
        const failure = fn.stderr().split('\n').find((l) => l.includes('JWT_JWKS_URL fetch failed'));
        assert.ok(failure, fn.stderr());
        assert.match(failure, /certificate/i);
        assert.doesNotMatch(failure, /error setting certificate|file/i, 'the bundle itself was read');
      } finally {
        await fn.stop();
      }
    });
  });

  // infra/aws/deploy.sh against a stub of the AWS CLI (a script on PATH that logs its arguments and answers
  // like the real one): the steps, their order and their refusals, with no AWS account.
  describe('infra/aws/deploy.sh, with a stub aws CLI', () => {
    let dir;
    let log;
    let env;
    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'gqld-deploy-'));
      log = path.join(dir, 'aws.log');
      mkdirSync(path.join(dir, 'bin'));
      writeFileSync(path.join(dir, 'bin', 'aws'), `#!/bin/sh
echo "$*" >> ${log}
case "$1 $2" in
"s3api head-object") exit 1 ;;
"cloudformation describe-stacks")
  case "$*" in
  *FunctionName*) echo gqld-fn ;; *EcsClusterName*) echo gqld-cluster ;; *TaskDefinitionArn*) echo arn:task-def ;;
  *PrivateSubnetIds*) echo subnet-a,subnet-b ;; *AppSecurityGroupId*) echo sg-1 ;; *) echo outputs ;;
  esac ;;
"lambda invoke") for last; do :; done; echo '{"command":"migrate","ok":true,"output":"applied 4 of 4 migrations"}' > "$last" ;;
"ecs run-task") echo arn:task ;;
"ecs describe-tasks") echo 0 ;;
esac
exit 0
`, { mode: 0o755 });
      env = { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, BUILD_DIR };
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const deploy = (...args) => run(path.join(ROOT, 'infra', 'aws', 'deploy.sh'), ['stack', 'bucket', ...args], { env, timeoutMs: 1200000 });
    const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);

    test('Lambda: package uploaded under its digest, stack deployed (no failure on an empty change set), migrate invoked', async () => {
      rmSync(log, { force: true });
      const r = await deploy('AuthorizerType=JWT');
      assert.equal(r.code, 0, r.stderr);
      const c = calls();
      const cp = c.find((l) => l.startsWith('s3 cp '));
      const zip = path.join(ROOT, 'infra', 'aws', '.build', 'gqld-lambda.zip');
      const digest = createHash('sha256').update(readFileSync(zip)).digest('hex');
      const arch = process.arch === 'arm64' ? 'arm64' : 'x86_64';
      assert.equal(cp, `s3 cp ${zip} s3://bucket/gqld/gqld-lambda-${arch}-${digest}.zip`);
      const dep = c.find((l) => l.startsWith('cloudformation deploy '));
      assert.match(dep, /--no-fail-on-empty-changeset/);
      assert.match(dep, /--capabilities CAPABILITY_IAM/);
      assert.match(dep, new RegExp(`AuthorizerType=JWT LambdaCodeBucket=bucket LambdaCodeKey=gqld/gqld-lambda-${arch}-${digest}\\.zip`));
      const inv = c.findIndex((l) => l.startsWith('lambda invoke --function-name gqld-fn') && l.includes('{"gqld":"migrate"}'));
      assert.ok(inv > c.indexOf(dep), 'migrate after the deploy');
    });

    test('Lambda: an Architecture other than the build host\'s is refused before anything is built or sent', async () => {
      rmSync(log, { force: true });
      const other = process.arch === 'arm64' ? 'x86_64' : 'arm64';
      const r = await deploy(`Architecture=${other}`);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`Architecture=${other} but this host builds`));
      assert.deepEqual(calls(), []);
    });

    test('Ecs: nothing built, the image required, the migrate task run after the deploy and its exit code checked', async () => {
      rmSync(log, { force: true });
      const missing = await deploy('ComputeMode=Ecs');
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /needs ContainerImage/);
      const r = await deploy('ComputeMode=Ecs', 'ContainerImage=123.dkr.ecr.eu-west-1.amazonaws.com/gqld:1');
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /build\.sh/, 'no Lambda build in Ecs mode');
      const c = calls();
      assert.ok(!c.some((l) => l.startsWith('s3 cp')), 'nothing uploaded');
      assert.ok(!c.join('\n').includes('LambdaCode'), 'no Lambda code parameters');
      const task = c.find((l) => l.startsWith('ecs run-task'));
      assert.match(task, /--task-definition arn:task-def/);
      assert.match(task, /subnets=\[subnet-a,subnet-b\],securityGroups=\[sg-1\],assignPublicIp=DISABLED/);
      assert.match(task, /"command":\["migrate"\]/);
      assert.ok(c.some((l) => l.startsWith('ecs wait tasks-stopped --cluster gqld-cluster --tasks arn:task')));
    });
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
