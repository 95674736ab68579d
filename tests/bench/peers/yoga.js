'use strict';
// The seed's stack: graphql-yoga on Node's http server, graphql-js execution, pg Pool.
//   DATABASE_URL=... BENCH_DB_POOL=8 node tests/bench/peers/yoga.js
const { createServer } = require('node:http');
const { createYoga, createSchema } = require('graphql-yoga');
const { typeDefs, resolvers, loaders, announce } = require('./common.js');

const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers }),
  graphqlEndpoint: '/graphql',
  context: () => ({ loaders: loaders() }),
  logging: false,
  graphiql: false,
  landingPage: false,
});
const server = createServer(yoga);
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => announce(server.address().port));
process.on('SIGTERM', () => process.exit(0));
