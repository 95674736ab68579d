// The differential validation test: every document of validation_corpus.jsonl
// goes through graphql-js (parse, then validate with its specifiedRules) and
// through gqld's own parser and validator (gql_check, built by meson and named
// by GQL_CHECK), against the same schema: the served schema/schema.graphql or
// test_schema.graphql, as each line says. The test fails on any disagreement:
// in the verdict (valid or not), and in the errors themselves (messages and
// locations, in order). It prints the totals either way.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { __Type, buildSchema, GraphQLError, GraphQLSchema, parse, validate } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const schemaFiles = {
  served: join(here, '..', '..', 'schema', 'schema.graphql'),
  test: join(here, 'test_schema.graphql'),
};
const corpusFile = process.env.VALIDATION_CORPUS ?? join(here, 'validation_corpus.jsonl');
const gqlCheck = process.env.GQL_CHECK;
if (!gqlCheck) {
  console.error('differential: GQL_CHECK (the gql_check binary) is not set');
  process.exit(1);
}

const corpus = readFileSync(corpusFile, 'utf8')
  .split('\n')
  .map((line, i) => ({ line, number: i + 1 }))
  .filter(({ line }) => line.trim() !== '')
  .map(({ line, number }) => ({ ...JSON.parse(line), number }));

// graphql-js's buildSchema, without what gqld does not serve (the @oneOf directive
// and __Type.isOneOf, an RFC that graphql-js 16.9 ships), as introspection.test.mjs.
delete __Type.getFields().isOneOf;
function referenceSchema(sdl) {
  const config = buildSchema(sdl).toConfig();
  return new GraphQLSchema({ ...config, directives: config.directives.filter((d) => d.name !== 'oneOf') });
}

const shape = (errors) =>
  errors.map((e) => ({
    message: e.message,
    locations: (e.locations ?? []).map(({ line, column }) => ({ line, column })),
  }));

// graphql-js's verdict; a syntax error is then the only error, as gqld reports it.
function reference(schema, query) {
  let doc;
  try {
    doc = parse(query);
  } catch (e) {
    if (e instanceof GraphQLError) return shape([e]);
    throw e;
  }
  return shape(validate(schema, doc));
}

// gqld's verdicts on many documents, from one run of gql_check.
function gqld(schemaFile, entries) {
  const input = entries.map((e) => JSON.stringify({ query: e.query })).join('\n') + '\n';
  const r = spawnSync(gqlCheck, [schemaFile], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`gql_check exited ${r.status}: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  if (lines.length !== entries.length) throw new Error(`gql_check answered ${lines.length} of ${entries.length}`);
  return lines.map((l) => JSON.parse(l));
}

let verdicts = 0;
let exact = 0;
let validCount = 0;
const mismatches = [];
for (const [name, file] of Object.entries(schemaFiles)) {
  const entries = corpus.filter((e) => (e.schema ?? 'served') === name);
  if (entries.length === 0) continue;
  const schema = referenceSchema(readFileSync(file, 'utf8'));
  const ours = gqld(file, entries);
  entries.forEach((entry, i) => {
    const want = reference(schema, entry.query);
    const got = shape(ours[i].errors);
    const sameVerdict = (want.length === 0) === ours[i].valid;
    const sameErrors = JSON.stringify(want) === JSON.stringify(got);
    validCount += want.length === 0;
    verdicts += sameVerdict;
    exact += sameVerdict && sameErrors;
    if (!sameVerdict || !sameErrors) mismatches.push({ entry, want, got, sameVerdict });
  });
}

for (const { entry, want, got, sameVerdict } of mismatches) {
  const what = sameVerdict ? 'messages or locations differ' : 'VERDICT differs';
  console.log(`--- line ${entry.number} (${entry.schema ?? 'served'}: ${entry.about ?? ''}) ${what}`);
  console.log(entry.query);
  console.log('graphql-js:', JSON.stringify(want));
  console.log('gqld:      ', JSON.stringify(got));
}
const invalid = corpus.length - validCount;
console.log(
  `differential: ${corpus.length} queries (${validCount} valid, ${invalid} invalid per graphql-js), ` +
    `${verdicts} agree on verdict, ${exact} on messages and locations`,
);
process.exit(verdicts === corpus.length && exact === corpus.length ? 0 : 1);
