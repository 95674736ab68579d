'use strict';
// The fast Node stack: fastify + mercurius with graphql-jit (jit: 1: compiled after the
// first run of a query), pg Pool, DataLoader for the nested lookups.
//   DATABASE_URL=... BENCH_DB_POOL=8 node tests/bench/peers/mercurius.js
const Fastify = require('fastify');
const mercurius = require('mercurius');
const { typeDefs, resolvers, loaders, announce } = require('./common.js');

const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
app.register(mercurius, {
  schema: typeDefs,
  resolvers,
  jit: 1,
  graphiql: false,
  context: () => ({ loaders: loaders() }),
});
app.listen({ host: '127.0.0.1', port: Number(process.env.PORT || 0) }).then(
  () => announce(app.server.address().port),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
process.on('SIGTERM', () => process.exit(0));
