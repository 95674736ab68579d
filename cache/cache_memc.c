#include "cache/cache_memc.h"

enum { SERVERS_MAX = 4096 }; /* the node list as text */

bool cache_memc_failed(memcached_return_t rc)
{
    switch (rc) {
    case MEMCACHED_SUCCESS:
    case MEMCACHED_END:
    case MEMCACHED_NOTFOUND:
    case MEMCACHED_NOTSTORED:
    case MEMCACHED_STORED:
    case MEMCACHED_DATA_EXISTS:
    case MEMCACHED_E2BIG:
    case MEMCACHED_BUFFERED:
    case MEMCACHED_VALUE:
        return false;
    default:
        return true;
    }
}

memcached_st *cache_memc_connect(cache_shared *shared, bool quiet, uint64_t *generation)
{
    const cache_settings *s = cache_shared_settings(shared);
    memcached_st *m = memcached_create(NULL);
    if (m == NULL)
        return NULL;
    /* Behaviours first: setting one resets the connections. */
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
    if (quiet) {
        memcached_behavior_set(m, MEMCACHED_BEHAVIOR_NOREPLY, 1);
        memcached_behavior_set(m, MEMCACHED_BEHAVIOR_BUFFER_REQUESTS, 1);
    }
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_DISTRIBUTION, MEMCACHED_DISTRIBUTION_CONSISTENT_KETAMA);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, s->connect_timeout_ms);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, s->poll_timeout_ms);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 1);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 1);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, s->retry_timeout_s);
    memcached_behavior_set(m, MEMCACHED_BEHAVIOR_DEAD_TIMEOUT, s->retry_timeout_s);
    char servers[SERVERS_MAX];
    *generation = cache_shared_servers(shared, servers, sizeof(servers));
    if (servers[0] != '\0') {
        memcached_server_list_st list = memcached_servers_parse(servers);
        if (list != NULL) {
            memcached_server_push(m, list);
            memcached_server_list_free(list);
        }
    }
    return m;
}
