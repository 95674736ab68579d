'use strict';
// The fast Node stack: fastify + mercurius with graphql-jit (jit: 1: compiled after the
// first run of a query), pg Pool, DataLoader for the nested lookups.
//   DATABASE_URL=... BENCH_DB_POOL=8 node tests/bench/peers/mercurius.js
// With BENCH_PEER_CACHE=on and MEMCACHED_SERVERS=host:port: mercurius's own cache plugin,
// mercurius-cache (async-cache-dedupe underneath), kept in memcached. It caches resolvers'
// results, not whole responses: every resolver of the benchmark's queries has a policy, so
// a hit answers without PostgreSQL, but parsing, validation and (compiled) execution still
// run, and a nested Order query costs one memcached get per cached field (root, each
// order's items, each item's product). It has no pluggable storage, only "memory" and
// "redis"; its redis storage takes the client object and, with invalidation off, calls only
// client.get(key) and client.set(key, text, 'EX', seconds): that client here is memcached.
// No session in the keys: the benchmark runs gqld with AUTH_MODE=none (one shared cache).
const Fastify = require('fastify');
const mercurius = require('mercurius');
const { typeDefs, resolvers, loaders, announce } = require('./common.js');
const cache = require('./memcached.js');

const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
app.register(mercurius, {
  schema: typeDefs,
  resolvers,
  jit: 1,
  graphiql: false,
  context: () => ({ loaders: loaders() }),
});
if (cache.enabled) {
  const store = cache.memcached('mercurius:');
  const client = {
    get: (key) => store.get(key),
    set: (key, text, _ex, seconds) => store.set(key, text, seconds),
  };
  app.register(require('mercurius-cache'), {
    // gqld's @cacheControl hints: Product 60 s but its price 30 s; orders and items 30 s.
    ttl: cache.TTL_SECONDS,
    storage: { type: 'redis', options: { client, invalidation: false } },
    policy: {
      Query: { Product: true, Order: true },
      // The resolvers return whole rows whatever the selection: keyed by the row's id alone.
      Order: { items: { key: ({ self }) => self.orderId } },
      OrderItem: { product: { key: ({ self }) => self.productId } },
    },
  });
  app.get('/metrics', async (_, reply) => reply.type('text/plain').send(store.metrics()));
}
app.listen({ host: '127.0.0.1', port: Number(process.env.PORT || 0) }).then(
  () => announce(app.server.address().port),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
process.on('SIGTERM', () => process.exit(0));
