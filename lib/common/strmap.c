/* strmap.c - linear probing over a power-of-two table, load <= 1/2. */
#include <string.h>

#include "common/internal.h"
#include "common/strmap.h"

void ec__strmap_init(ec__strmap *m, const ec_allocator *alloc)
{
    memset(m, 0, sizeof *m);
    m->alloc = alloc;
}

void ec__strmap_free(ec__strmap *m)
{
    ec__dealloc(m->alloc, m->slots);
    m->slots = NULL;
    m->mask = m->count = 0;
}

/* 64-bit FNV-1a with a final avalanche: SKUs share long prefixes
 * ("SKU-000123"), so the low bits need the mixing. */
uint64_t ec__strhash(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t load4(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Whether a and b hold the same n bytes.  Keys are short (SKUs, codes,
 * names) and have the same hash already: comparing them a word at a time
 * (the last word overlapping the one before) costs less than a call. */
static int same_bytes(const char *a, const char *b, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            if (load8(a + i) != load8(b + i)) return 0;
        return load8(a + n - 8) == load8(b + n - 8);
    }
    if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

static ec__strmap_slot *find_slot(ec__strmap_slot *slots, size_t mask, const char *key, size_t len,
                                  uint64_t h)
{
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        ec__strmap_slot *s = &slots[i];
        if (!s->key) return s;
        if (s->hash == h && s->len == len && same_bytes(s->key, key, len)) return s;
    }
}

uint32_t ec__strmap_get_hashed(const ec__strmap *m, const char *key, size_t len, uint64_t hash)
{
    if (!m->slots) return EC__STRMAP_NONE;
    ec__strmap_slot *s = find_slot(m->slots, m->mask, key, len, hash);
    return s->key ? s->value : EC__STRMAP_NONE;
}

uint32_t ec__strmap_get(const ec__strmap *m, const char *key, size_t len)
{
    return m->slots ? ec__strmap_get_hashed(m, key, len, ec__strhash(key, len)) : EC__STRMAP_NONE;
}

/* Rehash into cap slots (a power of two above twice the count). */
static int resize(ec__strmap *m, size_t cap)
{
    ec__strmap_slot *slots = ec__calloc(m->alloc, cap, sizeof *slots);
    if (!slots) return 0;
    for (size_t i = 0; m->slots && i <= m->mask; i++) {
        ec__strmap_slot *old = &m->slots[i];
        if (old->key) *find_slot(slots, cap - 1, old->key, old->len, old->hash) = *old;
    }
    ec__dealloc(m->alloc, m->slots);
    m->slots = slots;
    m->mask = cap - 1;
    return 1;
}

static int grow(ec__strmap *m)
{
    return resize(m, m->slots ? (m->mask + 1) * 2 : 16);
}

int ec__strmap_reserve(ec__strmap *m, size_t n)
{
    size_t cap = m->slots ? m->mask + 1 : 16;
    if (n > SIZE_MAX / 4) return 0;
    while (cap < n * 2 + 2) cap *= 2;
    return cap == (m->slots ? m->mask + 1 : 0) || resize(m, cap);
}

int ec__strmap_put(ec__strmap *m, const char *key, size_t len, uint32_t value, uint32_t *existing)
{
    if ((m->count + 1) * 2 > (m->slots ? m->mask + 1 : 0) && !grow(m)) return 0;
    uint64_t h = ec__strhash(key, len);
    ec__strmap_slot *s = find_slot(m->slots, m->mask, key, len, h);
    if (existing) *existing = s->key ? s->value : EC__STRMAP_NONE;
    if (s->key) return 1;
    s->key = key;
    s->len = (uint32_t)len;
    s->value = value;
    s->hash = h;
    m->count++;
    return 1;
}
