'use strict';
// The peers' "cache on" mode (BENCH_PEER_CACHE=on): a memcached client (memjs) over
// MEMCACHED_SERVERS, the memcached gqld's response cache uses in the same run. Every key
// is PREFIX + sha256(the plugin's key): one stack never reads another's entries (gqld's,
// the other peer's), and the plugins' keys (documents, JSON of arguments) may be longer
// than memcached's 250 bytes. Hits and misses of the gets are counted for run.sh (GET
// /metrics, as gqld's counters), so the report can show the peers' hit ratios too.
const { createHash } = require('node:crypto');
const memjs = require('memjs');

const enabled = process.env.BENCH_PEER_CACHE === 'on';
const TTL_SECONDS = 30; // gqld's maxAge for these queries: Product 60 s but price 30 s; Order 30 s

function memcached(prefix) {
  const client = memjs.Client.create(process.env.MEMCACHED_SERVERS || '127.0.0.1:11211', {
    // Give up quickly on a miss-by-failure, as gqld does: the query then goes to PostgreSQL.
    retries: 1,
    timeout: 0.5,
    logger: { log: () => {} },
  });
  const counts = { hits: 0, misses: 0 };
  const key = (k) => prefix + createHash('sha256').update(k).digest('hex');
  return {
    counts,
    // -> the stored string, or null
    async get(k) {
      let value = null;
      try {
        ({ value } = await client.get(key(k)));
      } catch {
        value = null; // memcached down or slow: a miss
      }
      if (value) counts.hits++;
      else counts.misses++;
      return value ? value.toString('utf8') : null;
    },
    async set(k, text, seconds) {
      try {
        await client.set(key(k), text, { expires: seconds });
      } catch {
        // a failed write only costs a later miss
      }
    },
    // the counters in Prometheus text, the names run.sh reads
    metrics() {
      return `peer_cache_hits_total ${counts.hits}\npeer_cache_misses_total ${counts.misses}\n`;
    },
  };
}

module.exports = { enabled, memcached, TTL_SECONDS };
