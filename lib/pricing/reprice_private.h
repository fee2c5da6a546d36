/* reprice_private.h - batch repricing (reprice.h): what the repricer and
 * its contexts hold, shared by reprice_index.c (building them, once per
 * ruleset and context) and reprice.c (pricing items with them); private.
 *
 * Everything here is read-only once built, so that threads share a
 * repricer and its contexts without locks. */
#ifndef EC_REPRICE_PRIVATE_H
#define EC_REPRICE_PRIVATE_H

#include <stdint.h>

#include "ecommerce/reprice.h"
#include "pricing/engine.h"

/* SKUs named by promotions: open addressing on ec__rp_hash, load <= 1/2,
 * keys in the ruleset's arena. */
typedef struct ec__rp_sku_slot {
    const char *key; /* NULL: empty */
    uint32_t len, k;
} ec__rp_sku_slot;

typedef struct ec__rp_sku_table {
    ec__rp_sku_slot *slots;
    size_t mask, count;
} ec__rp_sku_table;

/* A pattern and the literal text every match starts with ("^SKU-12" gives
 * "SKU-12"): most catalog patterns are such prefixes, and comparing bytes
 * costs far less than entering the regex engine. */
typedef struct ec__rp_pattern {
    uint32_t pos;
    uint32_t plen; /* bytes of prefix */
    const char *prefix;
    uint8_t exact; /* the pattern is ^ and the prefix, nothing else */
    uint8_t jit;   /* compiled by the JIT: call it directly */
} ec__rp_pattern;

struct ec_repricer {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    const ec_ruleset *rs;
    /* product promotions naming a SKU in target.skus: sku -> k, then the
     * positions by_sku_pos[by_sku_off[k] .. by_sku_off[k + 1]) */
    ec__rp_sku_table by_sku;
    uint32_t *by_sku_off, *by_sku_pos;
    /* by category symbol, the same way (nsymbols + 1 offsets) */
    uint32_t *by_cat_off, *by_cat_pos;
    /* targeted promotions with a sku_pattern, by ascending position */
    ec__rp_pattern *by_pattern;
    uint32_t nby_pattern;
    /* a Bloom filter of the ruleset's SKU index: most catalog rows name
     * SKUs no rule lists, and two bit tests are cheaper than the index's
     * hash and probe */
    uint64_t *bloom;
    uint64_t bloom_mask; /* bits - 1, bits a power of two */
};

struct ec_reprice_context {
    const ec_repricer *rp;
    int32_t cur; /* -1: the item's currency, else the ruleset's */
    int64_t at;
    uint32_t country, group, channel;
    const ec__tax_entry **tax; /* per symbol: the entry for that tax category, or NULL */
    uint8_t *promo_ok;         /* per product promotion: matches the context (and,
                                  with a currency, has money in it) */
};

/* 64-bit hash reading 8 bytes at a time. */
uint64_t ec__rp_hash(const char *s, size_t n);

/* The number of a promotion-listed SKU with hash h, or EC__STRMAP_NONE. */
uint32_t ec__rp_sku_get(const ec__rp_sku_table *t, uint64_t h, const char *key, size_t len);

/* 0 when the SKU with hash h is certainly not in the ruleset's index. */
static inline int ec__rp_maybe_indexed(const ec_repricer *rp, uint64_t h)
{
    uint64_t a = h & rp->bloom_mask, b = (h >> 32 ^ h >> 7) & rp->bloom_mask;
    return (rp->bloom[a >> 6] >> (a & 63) & 1) && (rp->bloom[b >> 6] >> (b & 63) & 1);
}

/* Whether a product promotion's action has money in currency cur (a
 * percent needs none): otherwise pricing skips it. */
int ec__rp_usable(const ec__promotion *p, int32_t cur);

#endif /* EC_REPRICE_PRIVATE_H */
