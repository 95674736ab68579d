#include "cache/cache_value.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char magic[4] = {'G', 'Q', 'C', '1'};

/* Little-endian on the wire whatever the host: values are shared between machines. */
static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

char *cache_value_encode(const cache_value_meta *meta, const char *payload, size_t payload_len, size_t *len)
{
    char *v = malloc(CACHE_VALUE_HEADER + payload_len);
    if (v == NULL)
        return NULL;
    unsigned char *h = (unsigned char *)v;
    memcpy(h, magic, 4);
    put_u64(h + 4, meta->created_ms);
    put_u32(h + 12, meta->max_age_s);
    put_u32(h + 16, meta->grace_s);
    if (payload_len > 0)
        memcpy(v + CACHE_VALUE_HEADER, payload, payload_len);
    *len = CACHE_VALUE_HEADER + payload_len;
    return v;
}

int cache_value_decode(const char *value, size_t len, cache_value_meta *meta, const char **payload,
                       size_t *payload_len)
{
    if (value == NULL || len < CACHE_VALUE_HEADER || memcmp(value, magic, 4) != 0)
        return -1;
    const unsigned char *h = (const unsigned char *)value;
    meta->created_ms = get_u64(h + 4);
    meta->max_age_s = get_u32(h + 12);
    meta->grace_s = get_u32(h + 16);
    *payload = value + CACHE_VALUE_HEADER;
    *payload_len = len - CACHE_VALUE_HEADER;
    return 0;
}

cache_freshness cache_value_freshness(const cache_value_meta *meta, uint64_t now_ms)
{
    uint64_t fresh_until = meta->created_ms + (uint64_t)meta->max_age_s * 1000;
    if (now_ms < fresh_until)
        return CACHE_FRESH;
    if (now_ms < fresh_until + (uint64_t)meta->grace_s * 1000)
        return CACHE_STALE;
    return CACHE_EXPIRED;
}

uint32_t cache_value_age_s(const cache_value_meta *meta, uint64_t now_ms)
{
    return now_ms > meta->created_ms ? (uint32_t)((now_ms - meta->created_ms) / 1000) : 0;
}

uint64_t cache_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
