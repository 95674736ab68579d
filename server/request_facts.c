#include "server/request_facts.h"

#include <string.h>

#define FACTS_NAME "gqld.facts"

const rs_facts *request_facts_find(h2o_req_t *req)
{
    /* env holds name, value, name, value... */
    for (size_t i = 0; i + 1 < req->env.size; i += 2) {
        h2o_iovec_t name = req->env.entries[i];
        if (h2o_memis(name.base, name.len, H2O_STRLIT(FACTS_NAME)) &&
            req->env.entries[i + 1].len == sizeof(rs_facts))
            return (const rs_facts *)req->env.entries[i + 1].base;
    }
    return NULL;
}

rs_facts *request_facts_of(h2o_req_t *req)
{
    rs_facts *facts = (rs_facts *)request_facts_find(req);
    if (facts != NULL)
        return facts;
    facts = h2o_mem_alloc_pool(&req->pool, sizeof(*facts));
    memset(facts, 0, sizeof(*facts));
    h2o_vector_reserve(&req->pool, &req->env, req->env.size + 2);
    req->env.entries[req->env.size++] = h2o_iovec_init(H2O_STRLIT(FACTS_NAME));
    req->env.entries[req->env.size++] = h2o_iovec_init(facts, sizeof(*facts));
    return facts;
}
