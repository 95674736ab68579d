'use strict';
// The seed's stack: graphql-yoga on Node's http server, graphql-js execution, pg Pool.
//   DATABASE_URL=... BENCH_DB_POOL=8 node tests/bench/peers/yoga.js
// With BENCH_PEER_CACHE=on and MEMCACHED_SERVERS=host:port: yoga's own response cache
// plugin (@graphql-yoga/plugin-response-cache, on @envelop/response-cache) with its Cache
// kept in memcached. Whole responses, keyed by the plugin (document, variables, operation
// name, session); looked up before parsing. session: null, i.e. one shared (public) cache:
// the benchmark runs gqld with AUTH_MODE=none, so gqld shares its entries the same way.
const { createServer } = require('node:http');
const { createYoga, createSchema } = require('graphql-yoga');
const { typeDefs, resolvers, loaders, announce } = require('./common.js');
const cache = require('./memcached.js');

const plugins = [];
let store = null;
if (cache.enabled) {
  const { useResponseCache } = require('@graphql-yoga/plugin-response-cache');
  store = cache.memcached('yoga:');
  plugins.push(
    useResponseCache({
      session: () => null,
      // gqld's @cacheControl hints (schema/schema.graphql): Product 60 s but its price 30 s,
      // so a Product query lives 30 s; orders and their items 30 s. The plugin takes the
      // least over the response's types and fields, as gqld does.
      ttl: cache.TTL_SECONDS * 1000,
      ttlPerSchemaCoordinate: { Product: 60_000, 'Product.price': 30_000, Order: 30_000, OrderItem: 30_000 },
      cache: {
        async get(id) {
          const text = await store.get(id);
          return text === null ? undefined : JSON.parse(text);
        },
        async set(id, data, _entities, ttlMs) {
          await store.set(id, JSON.stringify(data), Math.max(1, Math.ceil(ttlMs / 1000)));
        },
        // Invalidation by entity needs an index memcached does not have; the schema has no
        // mutations (the plugin invalidates only on them), so entries just expire, as gqld's do.
        invalidate() {},
      },
    }),
  );
}

const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers }),
  graphqlEndpoint: '/graphql',
  context: () => ({ loaders: loaders() }),
  plugins,
  logging: false,
  graphiql: false,
  landingPage: false,
});
// GET /metrics (cache on only): the gets' hits and misses, for run.sh's hit ratio.
const server = createServer(
  store
    ? (req, res) => {
        if (req.url !== '/metrics') return yoga(req, res);
        res.setHeader('content-type', 'text/plain');
        res.end(store.metrics());
      }
    : yoga,
);
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => announce(server.address().port));
process.on('SIGTERM', () => process.exit(0));
