/* inventory_table.c - the inventory's hash indexes and growable arrays.
 *
 * A slot is one uint64_t (tag << 32 | index + 1) rather than the key
 * itself: at a million keys the table stays at 16 MiB and a probe touches
 * one cache line; the key is compared in its array only on a matching tag.
 * Capacity is reserved before an operation changes anything, so inserting
 * cannot fail halfway through one. */
#include <string.h>

#include "inventory/inventory_internal.h"

void ec__inv_table_init(ec__inv_table *t, const ec_allocator *alloc)
{
    memset(t, 0, sizeof *t);
    t->alloc = alloc;
}

void ec__inv_table_free(ec__inv_table *t)
{
    ec__dealloc(t->alloc, t->slots);
    t->slots = NULL;
    t->mask = t->count = 0;
}

static size_t slot_index(uint64_t hash)
{
    return (size_t)hash;
}

static void place(uint64_t *slots, size_t mask, uint64_t slot, uint64_t hash)
{
    size_t i = slot_index(hash) & mask;
    while (slots[i]) i = (i + 1) & mask;
    slots[i] = slot;
}

/* Rehashing needs every key's hash, which slots do not keep whole: the
 * position bits are gone.  So the table keeps the tag in the high half and
 * uses the tag itself, mixed, as the position: tag and position come from
 * the same 32 bits, and growing needs nothing but the slots. */
static uint64_t slot_hash(uint32_t tag)
{
    return (uint64_t)tag * 0x9E3779B97F4A7C15ULL >> 16;
}

int ec__inv_table_reserve(ec__inv_table *t, size_t extra)
{
    size_t cap = t->slots ? t->mask + 1 : 0;
    if (extra > SIZE_MAX / 4 - t->count) return 0;
    size_t need = (t->count + extra) * 2;
    if (need <= cap) return 1;
    size_t ncap = cap ? cap : 16;
    while (ncap < need) ncap *= 2;
    uint64_t *slots = ec__calloc(t->alloc, ncap, sizeof *slots);
    if (!slots) return 0;
    for (size_t i = 0; i < cap; i++)
        if (t->slots[i])
            place(slots, ncap - 1, t->slots[i], slot_hash((uint32_t)(t->slots[i] >> 32)));
    ec__dealloc(t->alloc, t->slots);
    t->slots = slots;
    t->mask = ncap - 1;
    return 1;
}

void ec__inv_table_insert(ec__inv_table *t, uint64_t hash, uint32_t index)
{
    uint32_t tag = (uint32_t)(hash >> 32);
    place(t->slots, t->mask, (uint64_t)tag << 32 | ((uint64_t)index + 1), slot_hash(tag));
    t->count++;
}

uint32_t ec__inv_table_next(const ec__inv_table *t, ec__inv_probe *p)
{
    for (;;) {
        uint64_t s = t->slots[p->pos];
        if (!s) return EC__INV_NONE;
        p->pos = (p->pos + 1) & t->mask;
        if ((uint32_t)(s >> 32) == p->tag) return (uint32_t)(s & 0xFFFFFFFFu) - 1;
    }
}

uint32_t ec__inv_table_first(const ec__inv_table *t, uint64_t hash, ec__inv_probe *p)
{
    if (!t->slots) return EC__INV_NONE;
    p->tag = (uint32_t)(hash >> 32);
    p->pos = slot_index(slot_hash(p->tag)) & t->mask;
    return ec__inv_table_next(t, p);
}

/* Stock entries are found by (SKU index, location index): a 64-bit mix of
 * the pair, so that the tag in the upper half depends on both. */
uint64_t ec__inv_hash_pair(uint32_t a, uint32_t b)
{
    uint64_t h = ((uint64_t)a << 32 | b) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 32;
    return h;
}

void *ec__inv_vec_grow(const ec_allocator *a, void *v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return v;
    if (need > (size_t)EC_INVENTORY_MAX_ENTRIES + 1) return v;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) ncap *= 2;
    size_t bytes = 0;
    if (ec__mul_overflows(ncap, elem, &bytes)) return v;
    void *p = ec__realloc(a, v, bytes);
    if (!p) return v;
    *cap = ncap;
    return p;
}
