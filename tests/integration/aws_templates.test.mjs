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

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const AWS_DIR = path.join(ROOT, 'infra', 'aws');

// CloudFormation's short forms, as the long forms they stand for.
const FUNCTIONS = ['Base64', 'Cidr', 'FindInMap', 'GetAZs', 'If', 'ImportValue', 'Join', 'Select', 'Split', 'Sub',
  'Equals', 'And', 'Or', 'Not', 'Transform', 'Length', 'ToJsonString'];
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

// What each condition implies (X = And[Condition Y, ...] implies Y), transitively.
function implications(conditions) {
  const direct = {};
  for (const [name, def] of Object.entries(conditions ?? {})) {
    direct[name] = new Set((def['Fn::And'] ?? []).filter((c) => c?.Condition).map((c) => c.Condition));
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
  assert.match(env.PGPASSWORD['Fn::Sub'], /^\{\{resolve:secretsmanager:\$\{DatabaseSecret\}:SecretString:password\}\}$/);
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
    assert.ok(p.DestinationSecurityGroupId || (r.Condition === 'IsEcs' && p.FromPort === 443), `${name} egress is to a group (or HTTPS to the S3 endpoint)`);
  }
});

test('infra/aws/README.md documents the one deploy command', () => {
  const readme = readFileSync(path.join(AWS_DIR, 'README.md'), 'utf8');
  assert.match(readme, /infra\/aws\/deploy\.sh STACK_NAME ARTIFACT_BUCKET/);
  const script = readFileSync(path.join(AWS_DIR, 'deploy.sh'), 'utf8');
  assert.match(script, /aws cloudformation package --template-file "\$here\/gqld\.yaml"/);
  assert.match(script, /aws cloudformation deploy /);
});
