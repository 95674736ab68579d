/*
 * The few containers validation needs, all in the scratch arena: a hash map
 * (string or 64-bit keys), a pointer vector, a string builder and a name set
 * that stays a plain array while small. Nothing is freed one by one: the arena
 * goes when validation ends.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "schema/validate/validate_internal.h"

struct gqlv_slot {
    uint64_t hash;   /* top bit set when the slot is used */
    const char *key; /* NULL for a 64-bit key */
    uint64_t ikey;   /* the 64-bit key, or the string key's length */
    union {
        void *ptr;
        uint64_t id;
    } value;
};

#define USED_BIT (1ULL << 63)

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return (h ^ (h >> 29)) | USED_BIT;
}

static uint64_t hash_u64(uint64_t x)
{
    x ^= x >> 33; /* murmur3's finalizer */
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

void gqlv_map_init(gqlv_map *m, base_arena *arena)
{
    memset(m, 0, sizeof(*m));
    m->arena = arena;
}

/* The slot holding the key, or the free slot where it would go (NULL before the first insertion). */
static gqlv_slot *find(const gqlv_map *m, uint64_t hash, const char *key, size_t len, uint64_t ikey)
{
    if (m->cap == 0)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        gqlv_slot *s = &m->slots[i];
        if (s->hash == 0)
            return s;
        if (s->hash != hash)
            continue;
        if (key != NULL ? s->key != NULL && s->ikey == len && memcmp(s->key, key, len) == 0
                        : s->key == NULL && s->ikey == ikey)
            return s;
    }
}

static bool grow(gqlv_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    gqlv_slot *slots = base_arena_calloc(m->arena, cap, sizeof(*slots));
    if (slots == NULL)
        return false;
    gqlv_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = slots;
    m->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].hash == 0)
            continue;
        gqlv_slot *s = find(m, old[i].hash, old[i].key, old[i].ikey, old[i].ikey);
        *s = old[i];
    }
    return true;
}

static gqlv_slot *slot(gqlv_map *m, uint64_t hash, const char *key, size_t len, uint64_t ikey)
{
    if ((m->count + 1) * 2 > m->cap && !grow(m))
        return NULL;
    gqlv_slot *s = find(m, hash, key, len, ikey);
    if (s->hash == 0) {
        s->hash = hash;
        s->key = key;
        s->ikey = key != NULL ? len : ikey;
        memset(&s->value, 0, sizeof(s->value));
        m->count++;
    }
    return s;
}

void *gqlv_map_get(const gqlv_map *m, const char *key, size_t len)
{
    const gqlv_slot *s = find(m, hash_bytes(key, len), key, len, 0);
    return s != NULL && s->hash != 0 ? s->value.ptr : NULL;
}

void *gqlv_map_get_u64(const gqlv_map *m, uint64_t key)
{
    const gqlv_slot *s = find(m, hash_u64(key) | USED_BIT, NULL, 0, key);
    return s != NULL && s->hash != 0 ? s->value.ptr : NULL;
}

void **gqlv_map_slot(gqlv_map *m, const char *key, size_t len)
{
    gqlv_slot *s = slot(m, hash_bytes(key, len), key, len, 0);
    return s != NULL ? &s->value.ptr : NULL;
}

void **gqlv_map_slot_u64(gqlv_map *m, uint64_t key)
{
    gqlv_slot *s = slot(m, hash_u64(key) | USED_BIT, NULL, 0, key);
    return s != NULL ? &s->value.ptr : NULL;
}

uint64_t gqlv_map_id(const gqlv_map *m, const char *key, size_t len)
{
    const gqlv_slot *s = find(m, hash_bytes(key, len), key, len, 0);
    return s != NULL && s->hash != 0 ? s->value.id : 0;
}

uint64_t *gqlv_map_id_slot(gqlv_map *m, const char *key, size_t len)
{
    gqlv_slot *s = slot(m, hash_bytes(key, len), key, len, 0);
    return s != NULL ? &s->value.id : NULL;
}

uint64_t *gqlv_map_id_slot_u64(gqlv_map *m, uint64_t key)
{
    gqlv_slot *s = slot(m, hash_u64(key) | USED_BIT, NULL, 0, key);
    return s != NULL ? &s->value.id : NULL;
}

bool gqlv_vec_push(base_arena *arena, gqlv_vec *v, const void *item)
{
    if (v->len == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        const void **items = base_arena_alloc(arena, cap * sizeof(*items));
        if (items == NULL)
            return false;
        if (v->len != 0)
            memcpy(items, v->items, v->len * sizeof(*items));
        v->items = items;
        v->cap = cap;
    }
    v->items[v->len++] = item;
    return true;
}

void gqlv_str_init(gqlv_str *s, base_arena *arena)
{
    memset(s, 0, sizeof(*s));
    s->arena = arena;
}

static bool reserve(gqlv_str *s, size_t more)
{
    if (s->failed)
        return false;
    if (s->len + more + 1 <= s->cap)
        return true;
    size_t cap = s->cap ? s->cap : 64;
    while (cap < s->len + more + 1)
        cap *= 2;
    char *data = base_arena_alloc(s->arena, cap);
    if (data == NULL) {
        s->failed = true;
        return false;
    }
    if (s->len != 0)
        memcpy(data, s->data, s->len);
    data[s->len] = '\0';
    s->data = data;
    s->cap = cap;
    return true;
}

void gqlv_str_append(gqlv_str *s, const char *text, size_t len)
{
    if (!reserve(s, len))
        return;
    memcpy(s->data + s->len, text, len);
    s->len += len;
    s->data[s->len] = '\0';
}

void gqlv_str_puts(gqlv_str *s, const char *text)
{
    gqlv_str_append(s, text, strlen(text));
}

void gqlv_str_printf(gqlv_str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(s, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(s->data + s->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->len += (size_t)n;
}

const char *gqlv_str_cstr(gqlv_str *s)
{
    return s->data != NULL ? s->data : "";
}

/* Below this many names a linear scan beats hashing (most argument lists and objects). */
enum { NAMES_LINEAR_MAX = 8 };

void gqlv_names_init(gqlv_names *n, base_arena *arena)
{
    memset(n, 0, sizeof(*n));
    n->arena = arena;
    gqlv_map_init(&n->index, arena);
}

static long names_find(gqlv_names *n, const char *name)
{
    if (n->count <= NAMES_LINEAR_MAX) {
        for (size_t i = 0; i < n->count; i++)
            if (strcmp(n->names[i], name) == 0)
                return (long)i;
        return -1;
    }
    uint64_t v = gqlv_map_id(&n->index, name, strlen(name));
    return v != 0 ? (long)(v - 1) : -1;
}

const void *gqlv_names_get(gqlv_names *n, const char *name)
{
    long i = names_find(n, name);
    return i >= 0 ? n->values[i] : NULL;
}

bool gqlv_names_put(gqlv_names *n, const char *name, const void *value)
{
    long i = names_find(n, name);
    if (i >= 0) {
        n->values[i] = value;
        return true;
    }
    if (n->count == n->cap) {
        size_t cap = n->cap ? n->cap * 2 : 8;
        const char **names = base_arena_alloc(n->arena, cap * sizeof(*names));
        const void **values = base_arena_alloc(n->arena, cap * sizeof(*values));
        if (names == NULL || values == NULL)
            return false;
        if (n->count != 0) {
            memcpy(names, n->names, n->count * sizeof(*names));
            memcpy(values, n->values, n->count * sizeof(*values));
        }
        n->names = names;
        n->values = values;
        n->cap = cap;
    }
    n->names[n->count] = name;
    n->values[n->count] = value;
    n->count++;
    if (n->count == NAMES_LINEAR_MAX + 1) {
        for (size_t j = 0; j < n->count; j++) {
            uint64_t *s = gqlv_map_id_slot(&n->index, n->names[j], strlen(n->names[j]));
            if (s == NULL)
                return false;
            *s = j + 1;
        }
    } else if (n->count > NAMES_LINEAR_MAX + 1) {
        uint64_t *s = gqlv_map_id_slot(&n->index, name, strlen(name));
        if (s == NULL)
            return false;
        *s = n->count;
    }
    return true;
}

void gqlv_keyset_init(gqlv_keyset *k, base_arena *arena, size_t max_entries)
{
    memset(k, 0, sizeof(*k));
    k->arena = arena;
    k->max = max_entries;
}

static size_t keyset_find(const gqlv_keyset *k, uint64_t key)
{
    size_t mask = k->cap - 1;
    size_t i = hash_u64(key) & mask;
    while (k->keys[i] != 0 && k->keys[i] != key)
        i = (i + 1) & mask;
    return i;
}

uint8_t gqlv_keyset_get(const gqlv_keyset *k, uint64_t key)
{
    if (k->cap == 0)
        return 0;
    size_t i = keyset_find(k, key);
    return k->keys[i] == key ? k->values[i] : 0;
}

bool gqlv_keyset_put(gqlv_keyset *k, uint64_t key, uint8_t value)
{
    if (k->cap != 0) {
        size_t i = keyset_find(k, key);
        if (k->keys[i] == key) {
            k->values[i] = value;
            return true;
        }
    }
    if (k->max != 0 && k->count >= k->max)
        return false;
    if ((k->count + 1) * 2 > k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 64;
        uint64_t *keys = base_arena_calloc(k->arena, cap, sizeof(*keys));
        uint8_t *values = base_arena_alloc(k->arena, cap);
        if (keys == NULL || values == NULL)
            return false;
        gqlv_keyset old = *k;
        k->keys = keys;
        k->values = values;
        k->cap = cap;
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i] != 0) {
                size_t j = keyset_find(k, old.keys[i]);
                k->keys[j] = old.keys[i];
                k->values[j] = old.values[i];
            }
    }
    size_t i = keyset_find(k, key);
    k->keys[i] = key;
    k->values[i] = value;
    k->count++;
    return true;
}
