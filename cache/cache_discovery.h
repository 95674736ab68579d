/*
 * cache_discovery: ElastiCache for Memcached auto discovery. A thread asks
 * the cluster's configuration endpoint `config get cluster` at start and then
 * every interval, and hands the node list to cache_shared (the cache threads
 * pick it up by its generation). A failed poll keeps the last list.
 */
#ifndef CACHE_DISCOVERY_H
#define CACHE_DISCOVERY_H

#include <stddef.h>

typedef struct cache_shared cache_shared;
typedef struct cache_discovery cache_discovery;

cache_discovery *cache_discovery_start(cache_shared *shared, const char *endpoint, unsigned interval_ms,
                                       char *err, size_t errlen);
void cache_discovery_stop(cache_discovery *d);

/*
 * Reads the answer to `config get cluster`:
 *   CONFIG cluster 0 <bytes>\r\n<version>\n<host>|<ip>|<port> ...\n\r\nEND\r\n
 * into "ip:port,ip:port" (the host name when the ip is empty). 0, or -1 when
 * the answer is malformed, incomplete or lists no node.
 */
int cache_discovery_parse(const char *answer, size_t len, char *out, size_t size);

#endif
