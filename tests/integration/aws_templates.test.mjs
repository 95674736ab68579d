// The AWS templates (infra/aws/*.yaml) parse, with CloudFormation's short-form
// tags, and every reference resolves: each Ref, Fn::GetAtt, ${...} in Fn::Sub,
// DependsOn and condition name points at a declared resource, parameter,
// condition or pseudo parameter; GetAtt names an attribute the resource type
// has; and a resource that exists only under a condition is referred to only
// where that condition (or one that implies it) holds. Parameters are documented
// in the template and in infra/aws/README.md. Needs no AWS account.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import YAML from 'yaml';
import { spawnSync } from 'node:child_process';

// Not lib.mjs's run(): that module wants the test database, which this file does not need.
const run = async (file, args) => {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 180000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
};

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const AWS_DIR = path.join(ROOT, 'infra', 'aws');

// CloudFormation's short forms, as the long forms they stand for.
const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'If', 'ImportValue', 'Join', 'Select', 'Split', 'Sub',
  'Equals', 'And', 'Or', 'Not', 'Transform', 'Length', 'ToJsonString', 'Contains'];
const customTags = [
  { tag: '!Ref', resolve: (v) => ({ Ref: v }) },
  { tag: '!Condition', resolve: (v) => ({ Condition: v }) },
  // !GetAtt Resource.Attribute (scalar) or [Resource, Attribute] (sequence).
  { tag: '!GetAtt', resolve: (v) => ({ 'Fn::GetAtt': v.split(/\.(.*)/s).slice(0, 2) }) },
  { tag: '!GetAtt', collection: 'seq', resolve: (seq) => ({ 'Fn::GetAtt': seq.toJSON() }) },
];
for (const f of FUNCTIONS) {
  customTags.push({ tag: `!${f}`, resolve: (v) => ({ [`Fn::${f}`]: v }) });
  customTags.push({ tag: `!${f}`, collection: 'seq', resolve: (seq) => ({ [`Fn::${f}`]: seq.toJSON() }) });
  customTags.push({ tag: `!${f}`, collection: 'map', resolve: (map) => ({ [`Fn::${f}`]: map.toJSON() }) });
}

const PSEUDO = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region',
  'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);

// The attributes Fn::GetAtt may read, per resource type used here (CloudFormation reference, "Return values").
const ATTRIBUTES = {
  'AWS::IAM::Role': ['Arn', 'RoleId'],
  'AWS::RDS::DBProxy': ['DBProxyArn', 'Endpoint', 'VpcId'],
  'AWS::RDS::DBCluster': ['Endpoint.Address', 'Endpoint.Port', 'ReadEndpoint.Address', 'DBClusterArn', 'DBClusterResourceId'],
  'AWS::ElastiCache::CacheCluster': ['ConfigurationEndpoint.Address', 'ConfigurationEndpoint.Port'],
  'AWS::Lambda::Function': ['Arn'],
  'AWS::ApiGatewayV2::Api': ['ApiEndpoint', 'ApiId'],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': ['DNSName', 'LoadBalancerFullName', 'CanonicalHostedZoneID'],
  'AWS::EC2::SecurityGroup': ['GroupId', 'VpcId'],
  'AWS::EC2::VPC': ['CidrBlock', 'VpcId', 'DefaultSecurityGroup'],
  'AWS::EC2::EIP': ['AllocationId', 'PublicIp'],
  'AWS::RDS::DBProxyEndpoint': ['DBProxyEndpointArn', 'Endpoint', 'VpcId', 'IsDefault'],
  'AWS::Cognito::UserPool': ['Arn', 'ProviderName', 'ProviderURL', 'UserPoolId'],
  'AWS::Logs::LogGroup': ['Arn'],
};

function loadTemplate(file) {
  const text = readFileSync(file, 'utf8');
  const doc = YAML.parseDocument(text, { customTags });
  assert.deepEqual(doc.errors, [], `${path.basename(file)} parses`);
  return doc.toJS();
}

// Every reference in value: {kind, name, attr?, under: [conditions of the Fn::If branches around it]}.
function* references(value, under = []) {
  if (Array.isArray(value)) {
    for (const v of value) yield* references(v, under);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [k] = keys;
    const v = value[k];
    if (k === 'Ref') return void (yield { kind: 'ref', name: v, under });
    if (k === 'Condition' && typeof v === 'string') return void (yield { kind: 'condition', name: v, under });
    if (k === 'Fn::GetAtt') {
      const [name, attr] = typeof v === 'string' ? v.split(/\.(.*)/s) : v;
      return void (yield { kind: 'getatt', name, attr, under });
    }
    if (k === 'Fn::If') {
      const [cond, yes, no] = v;
      yield { kind: 'condition', name: cond, under };
      yield* references(yes, [...under, cond]);
      yield* references(no, under);
      return;
    }
    if (k === 'Fn::Sub') {
      const [text, vars] = typeof v === 'string' ? [v, {}] : v;
      yield* references(vars, under);
      for (const m of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
        const [name, attr] = m[1].split(/\.(.*)/s);
        if (name in vars) continue;
        yield attr ? { kind: 'getatt', name, attr, under } : { kind: 'ref', name, under };
      }
      return;
    }
  }
  for (const v of Object.values(value)) yield* references(v, under);
}

// What each condition implies (X = And[Condition Y, ...] implies Y; Y implies X = Or[Condition Y, ...]),
// transitively.
function implications(conditions) {
  const direct = {};
  for (const [name, def] of Object.entries(conditions ?? {})) {
    direct[name] ??= new Set();
    for (const c of (def['Fn::And'] ?? []).filter((c) => c?.Condition)) direct[name].add(c.Condition);
    for (const c of (def['Fn::Or'] ?? []).filter((c) => c?.Condition)) (direct[c.Condition] ??= new Set()).add(name);
  }
  const closure = (name, seen = new Set([name])) => {
    for (const d of direct[name] ?? []) if (!seen.has(d)) { seen.add(d); closure(d, seen); }
    return seen;
  };
  return (name) => (name ? closure(name) : new Set());
}

const templates = readdirSync(AWS_DIR).filter((f) => /\.ya?ml$/.test(f));

test('there is a template set', () => {
  assert.ok(templates.includes('gqld.yaml'), `templates: ${templates}`);
});

for (const file of templates) {
  test(`${file}: every reference resolves, conditionally where the target is conditional`, () => {
    const t = loadTemplate(path.join(AWS_DIR, file));
    const resources = t.Resources ?? {};
    const params = t.Parameters ?? {};
    const conditions = t.Conditions ?? {};
    assert.ok(Object.keys(resources).length > 0, 'declares resources');
    const holds = implications(conditions);
    const problems = [];
    const check = (where, ownCondition, value) => {
      for (const r of references(value)) {
        if (r.kind === 'condition') {
          if (!(r.name in conditions)) problems.push(`${where}: unknown condition ${r.name}`);
          continue;
        }
        if (r.kind === 'ref' && (PSEUDO.has(r.name) || r.name in params)) continue;
        const target = resources[r.name];
        if (!target) {
          problems.push(`${where}: ${r.kind === 'ref' ? 'Ref' : 'GetAtt'} ${r.name} is not declared`);
          continue;
        }
        if (r.kind === 'getatt') {
          const known = ATTRIBUTES[target.Type];
          if (!known) problems.push(`${where}: GetAtt on ${target.Type}: add its attributes to the test's table`);
          else if (!known.includes(r.attr)) problems.push(`${where}: ${target.Type} has no attribute ${r.attr}`);
        }
        if (target.Condition) {
          const context = new Set([...holds(ownCondition), ...r.under.flatMap((c) => [...holds(c)])]);
          if (!context.has(target.Condition)) {
            problems.push(`${where}: refers to ${r.name} (only if ${target.Condition}) where that may not hold`);
          }
        }
      }
    };
    for (const [name, def] of Object.entries(conditions)) check(`Conditions.${name}`, null, def);
    for (const [name, r] of Object.entries(resources)) {
      assert.match(r.Type ?? '', /^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/, `${name} has a resource type`);
      if (r.Condition && !(r.Condition in conditions)) problems.push(`${name}: unknown condition ${r.Condition}`);
      for (const d of [r.DependsOn ?? []].flat()) {
        if (!resources[d]) problems.push(`${name}: DependsOn ${d} is not declared`);
        else if (resources[d].Condition && !holds(r.Condition).has(resources[d].Condition)) {
          problems.push(`${name}: DependsOn ${d}, which exists only if ${resources[d].Condition}`);
        }
      }
      check(name, r.Condition, r.Properties ?? {});
    }
    for (const [name, o] of Object.entries(t.Outputs ?? {})) check(`Outputs.${name}`, o.Condition, o.Value);
    assert.deepEqual(problems, []);
  });

  test(`${file}: every parameter is described, in the template and in infra/aws/README.md`, () => {
    const t = loadTemplate(path.join(AWS_DIR, file));
    const readme = readFileSync(path.join(AWS_DIR, 'README.md'), 'utf8');
    for (const [name, p] of Object.entries(t.Parameters ?? {})) {
      assert.ok((p.Description ?? '').length > 10, `${name} has a Description`);
      assert.ok(readme.includes(`\`${name}\``), `README documents ${name}`);
      if (p.AllowedValues && p.Default !== undefined) assert.ok(p.AllowedValues.includes(p.Default), `${name} default is allowed`);
    }
  });
}

// The template under given parameter values: conditions evaluated, Fn::If resolved, resources and outputs whose
// condition is false dropped. Enough of CloudFormation to ask what a deploy with those values would get.
function instantiate(t, overrides = {}) {
  const params = Object.fromEntries(Object.entries(t.Parameters).map(([k, p]) => [k, String(overrides[k] ?? p.Default ?? '')]));
  const value = (v) => (v && typeof v === 'object' && 'Ref' in v && v.Ref in params ? params[v.Ref] : v);
  const memo = {};
  const cond = (name) => (memo[name] ??= evalCond(t.Conditions[name]));
  const evalCond = (c) => {
    if (c.Condition) return cond(c.Condition);
    if (c['Fn::Equals']) { const [a, b] = c['Fn::Equals'].map(value); return String(a) === String(b); }
    if (c['Fn::And']) return c['Fn::And'].every(evalCond);
    if (c['Fn::Or']) return c['Fn::Or'].some(evalCond);
    if (c['Fn::Not']) return !evalCond(c['Fn::Not'][0]);
    throw new Error(`condition ${JSON.stringify(c)}`);
  };
  const resolve = (v) => {
    if (Array.isArray(v)) return v.map(resolve).filter((x) => x !== NO_VALUE);
    if (v === null || typeof v !== 'object') return v;
    if ('Fn::If' in v) { const [c, yes, no] = v['Fn::If']; return resolve(cond(c) ? yes : no); }
    if (v.Ref === 'AWS::NoValue') return NO_VALUE;
    if (typeof v.Ref === 'string' && v.Ref in params) return params[v.Ref];
    const out = {};
    for (const [k, x] of Object.entries(v)) { const r = resolve(x); if (r !== NO_VALUE) out[k] = r; }
    return out;
  };
  const NO_VALUE = Symbol('NoValue');
  const R = {};
  for (const [name, r] of Object.entries(t.Resources)) if (!r.Condition || cond(r.Condition)) R[name] = resolve(r);
  const O = {};
  for (const [name, o] of Object.entries(t.Outputs)) if (!o.Condition || cond(o.Condition)) O[name] = resolve(o);
  return { R, O, cond, params };
}

// Environment variables of a Lambda function or the ECS container, as {NAME: value}.
function envOf(r) {
  if (r.Type === 'AWS::Lambda::Function') return r.Properties.Environment?.Variables ?? {};
  return Object.fromEntries(r.Properties.ContainerDefinitions[0].Environment.map((e) => [e.Name, e.Value]));
}
const computes = (R) => Object.entries(R).filter(([, r]) => r.Type === 'AWS::Lambda::Function' || r.Type === 'AWS::ECS::TaskDefinition');
const text = (v) => JSON.stringify(v);
// A URL built by GetAtt or Sub, as the text CloudFormation would substitute into: "${UserPool.ProviderURL}/x".
const urlText = (v) => (v['Fn::GetAtt'] ? `\${${v['Fn::GetAtt'].join('.')}}`
  : typeof v['Fn::Sub'] === 'string' ? v['Fn::Sub'] : `${text(v['Fn::Sub'][1])} ${v['Fn::Sub'][0]}`);

const MODES = [
  { ComputeMode: 'Lambda', AuthorizerType: 'JWT' },
  { ComputeMode: 'Lambda', AuthorizerType: 'LAMBDA' },
  { ComputeMode: 'Lambda', AuthorizerType: 'NONE' },
  { ComputeMode: 'Ecs' },
  { ComputeMode: 'Lambda', AuthorizerType: 'NONE', CognitoUserPoolId: 'eu-west-1_AbCdEf', CognitoAppClientId: '3n4b5c6d7e' },
  { ComputeMode: 'Ecs', AuroraReader: 'false', Architecture: 'arm64' },
];

test('gqld.yaml: the pieces the design asks for, wired to each other', () => {
  const t = loadTemplate(path.join(AWS_DIR, 'gqld.yaml'));
  const R = t.Resources;
  const ofType = (type) => Object.entries(R).filter(([, r]) => r.Type === type);
  assert.equal(R.DatabaseCluster.Properties.Engine, 'aurora-postgresql');
  assert.deepEqual(Object.keys(R.DatabaseCluster.Properties.ServerlessV2ScalingConfiguration).sort(),
    ['MaxCapacity', 'MinCapacity', 'SecondsUntilAutoPause']);
  assert.equal(R.DatabaseInstance.Properties.DBInstanceClass, 'db.serverless');
  assert.equal(R.DatabaseProxy.Properties.EngineFamily, 'POSTGRESQL');
  assert.equal(R.CacheCluster.Properties.Engine, 'memcached');
  assert.equal(R.Function.Properties.Runtime, 'provided.al2023');
  const env = R.Function.Properties.Environment.Variables;
  assert.equal(env.DB_PROTOCOL, 'proxy', 'gqld speaks to RDS Proxy without session state');
  assert.match(env.DATABASE_URL['Fn::Sub'], /\$\{DatabaseProxy\.Endpoint\}/, 'Lambda reaches the database through the proxy');
  assert.equal(R.HttpApi.Properties.ProtocolType, 'HTTP');
  assert.equal(R.HttpApiIntegration.Properties.PayloadFormatVersion, '2.0');
  assert.equal(R.AuthorizerFunction.Properties.Handler, 'authorizer');
  assert.equal(R.HttpApiJwtAuthorizer.Properties.AuthorizerType, 'JWT');
  const container = R.TaskDefinition.Properties.ContainerDefinitions[0];
  assert.deepEqual(container.Secrets.map((s) => s.Name), ['PGPASSWORD']);
  assert.ok(container.Environment.some((e) => e.Name === 'DB_PROTOCOL' && e.Value === 'proxy'));
  assert.deepEqual(container.HealthCheck.Command, ['CMD', '/usr/local/bin/gqld', 'healthcheck']);
  assert.equal(R.Service.Properties.LaunchType, 'FARGATE');
  assert.equal(R.Service.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp, 'DISABLED');

  // Least privilege: the database admits only the proxy, the proxy only gqld, the cache only gqld,
  // and every security group's default allow-all egress is gone.
  const ingress = ofType('AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties);
  const into = (sg) => ingress.filter((p) => p.GroupId.Ref === sg).map((p) => `${p.SourceSecurityGroupId.Ref}:${p.FromPort}`);
  assert.deepEqual(into('DatabaseSecurityGroup'), ['ProxySecurityGroup:5432']);
  assert.deepEqual(into('ProxySecurityGroup'), ['AppSecurityGroup:5432']);
  assert.deepEqual(into('CacheSecurityGroup'), ['AppSecurityGroup:11211']);
  for (const [name, sg] of ofType('AWS::EC2::SecurityGroup')) {
    assert.deepEqual(sg.Properties.SecurityGroupEgress, [{ IpProtocol: '-1', CidrIp: '127.0.0.1/32', Description: 'no default egress' }], `${name} has no default egress`);
  }
  for (const [name, r] of ofType('AWS::EC2::SecurityGroupEgress')) {
    const p = r.Properties;
    assert.ok(p.DestinationSecurityGroupId || (r.Condition === 'NeedsPublicSubnets' && p.FromPort === 443 && p.ToPort === 443),
      `${name} egress is to a group, or HTTPS out through the NAT gateway or S3 endpoint`);
  }
});

// Issue 23, points 1 and 2: every function or task that checks tokens has the pool's keys and a way to fetch them.
for (const mode of MODES) {
  test(`gqld.yaml ${text(mode)}: whatever checks tokens has the Cognito pool's JWKS, its CA file, and a route to it`, () => {
    const t = loadTemplate(path.join(AWS_DIR, 'gqld.yaml'));
    const { R, cond } = instantiate(t, mode);
    let checkers = 0;
    for (const [name, r] of computes(R)) {
      const e = envOf(r);
      const inVpc = r.Type === 'AWS::ECS::TaskDefinition' || r.Properties.VpcConfig;
      const verifies = r.Properties.Handler === 'authorizer' || e.AUTH_MODE === 'jwt';
      if (!verifies) {
        assert.equal(e.AUTH_MODE, 'gateway', `${name}: gateway mode when API Gateway checks tokens`);
        assert.ok(cond('UseGatewayAuth'));
        continue;
      }
      checkers++;
      for (const k of ['JWT_JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE', 'JWT_JWKS_CA_FILE']) assert.ok(e[k], `${name}: ${k} set`);
      assert.equal(e.JWT_COGNITO, 'on', `${name}: Cognito token rules`);
      assert.equal(e.JWT_ALGORITHMS, 'RS256', `${name}: Cognito signs with RS256`);
      assert.equal(urlText(e.JWT_JWKS_URL), `${urlText(e.JWT_ISSUER)}/.well-known/jwks.json`, `${name}: the JWKS is the issuer's`);
      const ca = r.Type === 'AWS::ECS::TaskDefinition' ? '/etc/ssl/certs/ca-certificates.crt' : '/var/task/share/gqld/ca-certificates.crt';
      assert.equal(e.JWT_JWKS_CA_FILE, ca, `${name}: the CA file the package or image ships`);
      if (inVpc) {
        assert.ok(R.NatGateway && R.PrivateDefaultRoute, `${name} fetches the JWKS from the VPC: a NAT gateway routes it out`);
        assert.equal(R.PrivateDefaultRoute.Properties.NatGatewayId.Ref, 'NatGateway');
        assert.ok(R.AppHttpsOut, `${name}: its security group lets HTTPS out`);
      }
    }
    if (mode.ComputeMode === 'Ecs' || mode.AuthorizerType !== 'JWT') assert.ok(checkers > 0, 'something checks the tokens');
    if (mode.ComputeMode === 'Lambda' && mode.AuthorizerType === 'JWT') {
      assert.equal(checkers, 0);
      assert.ok(!R.NatGateway, 'API Gateway checks the tokens: no NAT gateway needed');
      const jwt = R.HttpApiJwtAuthorizer.Properties;
      assert.deepEqual(jwt.IdentitySource, ['$request.header.Authorization']);
      assert.ok(jwt.JwtConfiguration.Issuer && jwt.JwtConfiguration.Audience[0], 'the pool\'s issuer and client');
    }
    if (mode.AuthorizerType === 'LAMBDA') {
      const a = R.HttpApiLambdaAuthorizer.Properties;
      assert.deepEqual(a.IdentitySource, ['$request.header.Authorization'], 'an identity source');
      assert.ok(a.AuthorizerResultTtlInSeconds > 0, 'a result cache');
      assert.ok(!R.AuthorizerFunction.Properties.VpcConfig, 'outside the VPC: Lambda\'s own network reaches Cognito');
    }
    if (mode.CognitoUserPoolId) {
      assert.ok(!R.UserPool, 'an existing pool is used, none created');
      assert.match(text(R.Function.Properties.Environment.Variables.JWT_JWKS_URL), /cognito-idp\.\$\{Region\}/);
    }
  });
}

// Issue 23: no secret value, and no resolved secret, in a plain environment variable or an output.
function secretLeaks(t, mode) {
  const { R, O } = instantiate(t, mode);
  const noEcho = new Set(Object.entries(t.Parameters).filter(([, p]) => p.NoEcho).map(([k]) => k));
  const secrets = new Set(Object.entries(R).filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret').map(([k]) => k));
  const leaks = [];
  const look = (where, v) => {
    const s = text(v);
    if (/\{\{resolve:(secretsmanager|ssm-secure):/.test(s)) leaks.push(`${where}: a resolved secret`);
    for (const r of references(v)) {
      if (r.kind === 'ref' && noEcho.has(r.name)) leaks.push(`${where}: NoEcho parameter ${r.name}`);
      if (r.kind === 'getatt' && secrets.has(r.name)) leaks.push(`${where}: ${r.name}.${r.attr}`);
    }
  };
  for (const [name, r] of computes(R)) for (const [k, v] of Object.entries(envOf(r))) look(`${name}.${k}`, v);
  for (const [name, o] of Object.entries(O)) look(`Outputs.${name}`, o.Value);
  return leaks;
}

for (const mode of MODES) {
  const lambda = mode.ComputeMode === 'Lambda';
  test(`gqld.yaml ${text(mode)}: no secret value or resolved secret in a plain environment variable or an output`,
    // Open (issue 23, point 3): the Lambda function still gets PGPASSWORD resolved at deploy time; it goes
    // when gqld takes RDS Proxy IAM tokens or reads the secret itself. Reported as a todo until then.
    lambda ? { todo: 'Lambda: PGPASSWORD is a resolved secret until gqld authenticates without it (issue 23, point 3)' } : {},
    () => {
      const t = loadTemplate(path.join(AWS_DIR, 'gqld.yaml'));
      assert.deepEqual(secretLeaks(t, mode), []);
    });
}

test('gqld.yaml: the check above catches a leak, and the only one today is the Lambda function\'s PGPASSWORD', () => {
  const t = loadTemplate(path.join(AWS_DIR, 'gqld.yaml'));
  assert.deepEqual(secretLeaks(t, { ComputeMode: 'Lambda' }), ['Function.PGPASSWORD: a resolved secret']);
  assert.deepEqual(secretLeaks(t, { ComputeMode: 'Ecs' }), []);
  const container = t.Resources.TaskDefinition.Properties.ContainerDefinitions[0];
  container.Environment.push({ Name: 'OOPS', Value: { 'Fn::Sub': '{{resolve:secretsmanager:${DatabaseSecret}:SecretString:password}}' } });
  t.Outputs.Oops = { Value: { 'Fn::GetAtt': ['DatabaseSecret', 'SecretString'] } };
  assert.deepEqual(secretLeaks(t, { ComputeMode: 'Ecs' }), ['TaskDefinition.OOPS: a resolved secret', 'Outputs.Oops: DatabaseSecret.SecretString']);
});

test('gqld.yaml: HTTPS only on the ALB (80 redirects), only /graphql reachable through either front, https:// URLs', () => {
  const t = loadTemplate(path.join(AWS_DIR, 'gqld.yaml'));
  const ecs = instantiate(t, { ComputeMode: 'Ecs' });
  assert.deepEqual(ecs.R.HttpListener.Properties.DefaultActions[0].RedirectConfig.Protocol, 'HTTPS');
  assert.equal(ecs.R.HttpListener.Properties.DefaultActions[0].RedirectConfig.StatusCode, 'HTTP_301');
  assert.equal(ecs.R.HttpsListener.Properties.Protocol, 'HTTPS');
  assert.equal(ecs.R.HttpsListener.Properties.DefaultActions[0].Type, 'fixed-response', 'anything but /graphql: 404 at the ALB');
  const rules = Object.values(ecs.R).filter((r) => r.Type === 'AWS::ElasticLoadBalancingV2::ListenerRule');
  assert.deepEqual(rules.map((r) => r.Properties.Conditions[0].PathPatternConfig.Values), [['/graphql']]);
  assert.ok(!Object.values(ecs.R).some((r) => r.Type === 'AWS::ElasticLoadBalancingV2::Listener' &&
    r.Properties.DefaultActions.some((a) => a.Type === 'forward')), 'no listener forwards everything');
  assert.match(ecs.O.GraphqlUrl.Value['Fn::Sub'], /^https:\/\//);
  const lambda = instantiate(t, { ComputeMode: 'Lambda' });
  const routes = Object.values(lambda.R).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').map((r) => r.Properties.RouteKey).sort();
  assert.deepEqual(routes, ['GET /graphql', 'POST /graphql'], 'no $default route: /metrics and the rest are not routed');
  assert.match(lambda.O.ApiUrl.Value['Fn::Sub'], /^\$\{HttpApi\.ApiEndpoint\}\/graphql$/, 'execute-api endpoints are https');
  for (const m of [ecs, lambda]) for (const [name, r] of computes(m.R)) if (r.Properties.Handler !== 'authorizer') {
    assert.equal(envOf(r).GQLD_METRICS, 'off', `${name}: no /metrics`);
  }
});

test('gqld.yaml: keep-alive and timeouts line up (ALB < gqld; function < integration; proxy borrow < gateway)', () => {
  const t = loadTemplate(path.join(AWS_DIR, 'gqld.yaml'));
  const ecs = instantiate(t, { ComputeMode: 'Ecs' });
  const albIdle = Number(ecs.R.LoadBalancer.Properties.LoadBalancerAttributes.find((a) => a.Key === 'idle_timeout.timeout_seconds').Value);
  assert.equal(albIdle, 60);
  assert.ok(Number(envOf(ecs.R.TaskDefinition).GQLD_KEEPALIVE_TIMEOUT_MS) > albIdle * 1000, 'gqld keeps idle connections longer than the ALB');
  const lambda = instantiate(t, { ComputeMode: 'Lambda' });
  const integration = lambda.R.HttpApiIntegration.Properties.TimeoutInMillis;
  const fn = lambda.R.Function.Properties;
  assert.ok(fn.Timeout * 1000 < integration, 'the function times out before the integration');
  const borrow = lambda.R.DatabaseProxyTargetGroup.Properties.ConnectionPoolConfigurationInfo.ConnectionBorrowTimeout;
  assert.ok(borrow * 1000 < integration, 'the proxy\'s borrow timeout is below the gateway\'s');
  const e = envOf(lambda.R.Function);
  assert.ok(Number(e.DB_CONNECT_TIMEOUT_MS) + 5000 <= fn.Timeout * 1000, 'a connection wait plus a statement fit in the function\'s time');
  assert.ok(fn.ReservedConcurrentExecutions, 'reserved concurrency bounds the proxy\'s client connections');
  assert.equal(e.DB_POOL_SIZE, '1');
  assert.ok(lambda.R.HttpApiStage.Properties.DefaultRouteSettings.ThrottlingRateLimit, 'stage throttling');
  assert.ok(lambda.R.HttpApiStage.Properties.AccessLogSettings.DestinationArn, 'API access logs');
});

test('gqld.yaml: TLS to the proxy verified against the roots shipped in the package and the image', () => {
  const t = loadTemplate(path.join(AWS_DIR, 'gqld.yaml'));
  for (const [mode, file] of [['Lambda', '/var/task/share/gqld/amazon-root-ca.pem'], ['Ecs', '/usr/local/share/gqld/amazon-root-ca.pem']]) {
    const { R } = instantiate(t, { ComputeMode: mode });
    const [name, r] = computes(R).find(([, c]) => c.Properties.Handler !== 'authorizer');
    const e = envOf(r);
    for (const k of ['DATABASE_URL', 'DATABASE_READER_URL']) {
      assert.match(text(e[k]), new RegExp(`sslmode=verify-full&sslrootcert=${file}`), `${name}.${k}`);
    }
    assert.match(text(e.DATABASE_READER_URL), /DatabaseProxyReaderEndpoint\.Endpoint/, 'reads go to the proxy\'s read-only endpoint');
  }
  const noReader = instantiate(t, { ComputeMode: 'Lambda', AuroraReader: 'false' });
  assert.equal(envOf(noReader.R.Function).DATABASE_READER_URL, undefined);
});

test('gqld.yaml: Aurora protected, backed up and in two AZs; cache on with discovery; EMF on; alarms; log retention', () => {
  const t = loadTemplate(path.join(AWS_DIR, 'gqld.yaml'));
  const { R } = instantiate(t, { ComputeMode: 'Lambda' });
  const c = R.DatabaseCluster.Properties;
  assert.equal(c.DeletionProtection, true);
  assert.ok(Number(t.Parameters.AuroraBackupRetentionDays.Default) >= 7);
  assert.equal(R.DatabaseCluster.DeletionPolicy, 'Snapshot');
  assert.deepEqual([R.DatabaseInstance, R.DatabaseReaderInstance].map((i) => i.Properties.AvailabilityZone['Fn::Select'][0]), [0, 1]);
  assert.equal(R.DatabaseProxyReaderEndpoint.Properties.TargetRole, 'READ_ONLY');
  for (const m of ['Lambda', 'Ecs']) {
    const inst = instantiate(t, { ComputeMode: m });
    const [, r] = computes(inst.R).find(([, x]) => x.Properties.Handler !== 'authorizer');
    const e = envOf(r);
    assert.equal(e.GQLD_CACHE, 'on');
    assert.match(text(e.MEMCACHED_DISCOVERY), /CacheCluster\.ConfigurationEndpoint/);
    assert.equal(e.GQLD_EMF, 'on');
    assert.ok(e.GQLD_THREADS, 'GQLD_THREADS explicit');
  }
  const metrics = (inst) => Object.values(inst.R).filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((a) => a.Properties.MetricName ?? a.Properties.Metrics.find((x) => x.MetricStat).MetricStat.Metric.MetricName).sort();
  assert.deepEqual(metrics(instantiate(t, { ComputeMode: 'Lambda' })),
    ['5xx', 'ACUUtilization', 'DatabaseConnections', 'DatabaseConnectionsCurrentlySessionPinned', 'Errors', 'Evictions', 'Latency', 'Throttles']);
  assert.deepEqual(metrics(instantiate(t, { ComputeMode: 'Ecs' })),
    ['ACUUtilization', 'DatabaseConnections', 'DatabaseConnectionsCurrentlySessionPinned', 'Evictions', 'HTTPCode_ELB_5XX_Count', 'HTTPCode_Target_5XX_Count', 'TargetResponseTime']);
  const pinned = Object.values(R).find((r) => r.Properties?.MetricName === 'DatabaseConnectionsCurrentlySessionPinned').Properties;
  assert.deepEqual([pinned.Threshold, pinned.ComparisonOperator], [0, 'GreaterThanThreshold'], 'pinned sessions must stay 0');
  for (const mode of MODES) {
    const inst = instantiate(t, mode);
    for (const [name, r] of Object.entries(inst.R).filter(([, x]) => x.Type === 'AWS::Lambda::Function')) {
      const group = inst.R[r.Properties.LoggingConfig.LogGroup.Ref];
      assert.ok(group?.Properties.RetentionInDays, `${name} logs to a log group with a retention`);
    }
    for (const [name, g] of Object.entries(inst.R).filter(([, x]) => x.Type === 'AWS::Logs::LogGroup')) {
      assert.ok(g.Properties.RetentionInDays, `${name} has a retention`);
    }
  }
});

test('gqld.yaml: architecture, ECS runtime platform, circuit breaker, Rules for the required values', () => {
  const t = loadTemplate(path.join(AWS_DIR, 'gqld.yaml'));
  for (const arch of ['x86_64', 'arm64']) {
    const l = instantiate(t, { ComputeMode: 'Lambda', AuthorizerType: 'LAMBDA', Architecture: arch });
    assert.deepEqual(l.R.Function.Properties.Architectures, [arch]);
    assert.deepEqual(l.R.AuthorizerFunction.Properties.Architectures, [arch]);
    const e = instantiate(t, { ComputeMode: 'Ecs', Architecture: arch });
    assert.equal(e.R.TaskDefinition.Properties.RuntimePlatform.CpuArchitecture, arch === 'arm64' ? 'ARM64' : 'X86_64');
  }
  const e = instantiate(t, { ComputeMode: 'Ecs' });
  assert.deepEqual(e.R.Service.Properties.DeploymentConfiguration.DeploymentCircuitBreaker, { Enable: true, Rollback: true });
  const rules = text(t.Rules);
  for (const p of ['ContainerImage', 'CertificateArn', 'DomainName', 'LambdaCodeBucket', 'LambdaCodeKey', 'CognitoAppClientId']) {
    assert.ok(rules.includes(`{"Ref":"${p}"}`), `a rule requires ${p}`);
  }
  // Every maximum capacity below the largest minimum has a rule bounding the minimum.
  const mins = t.Parameters.AuroraMinCapacity.AllowedValues.map(Number);
  for (const max of t.Parameters.AuroraMaxCapacity.AllowedValues) {
    if (Number(max) >= Math.max(...mins)) continue;
    const rule = Object.values(t.Rules).find((r) => r.RuleCondition?.['Fn::Equals']?.[1] === max);
    assert.ok(rule, `a rule for AuroraMaxCapacity=${max}`);
    const allowed = rule.Assertions[0].Assert['Fn::Contains'][0].map(Number);
    assert.deepEqual(allowed, mins.filter((m) => m <= Number(max)), `max ${max}: the minimums allowed`);
  }
  // The proxy's name cannot outgrow 63 characters: "gqld-" and 8 hex digits of the stack id.
  assert.deepEqual(t.Resources.DatabaseProxy.Properties.DBProxyName['Fn::Join'][1][0], 'gqld');
});

test('gqld.yaml: cfn-lint finds nothing (skipped, visibly, where cfn-lint is not installed)', async (t) => {
  const which = await run('sh', ['-c', 'command -v cfn-lint']);
  if (which.code !== 0) {
    console.log('# SKIPPED: cfn-lint is not installed on this machine (it is not in Debian\'s or npm\'s registries)');
    t.skip('cfn-lint is not installed');
    return;
  }
  const r = await run('cfn-lint', [path.join(AWS_DIR, 'gqld.yaml')]);
  assert.equal(r.code, 0, `cfn-lint:\n${r.stdout}${r.stderr}`);
});

test('infra/aws/README.md documents the one deploy command', () => {
  const readme = readFileSync(path.join(AWS_DIR, 'README.md'), 'utf8');
  assert.match(readme, /infra\/aws\/deploy\.sh STACK_NAME ARTIFACT_BUCKET/);
  const script = readFileSync(path.join(AWS_DIR, 'deploy.sh'), 'utf8');
  assert.match(script, /aws cloudformation deploy --template-file "\$here\/gqld\.yaml"/);
  assert.match(script, /--no-fail-on-empty-changeset/);
  // Run against a stub AWS CLI in docker_build.test.mjs.
});
