/* strmap.h - an open-addressing hash index from byte strings to uint32_t.
 *
 * Keys are not copied: they must outlive the map (they live in the owning
 * object's arena).  Used for the SKU index of a ruleset and for interning
 * category, country, group and channel names. */
#ifndef EC_STRMAP_H
#define EC_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "ecommerce/alloc.h"

#define EC__STRMAP_NONE UINT32_MAX

typedef struct ec__strmap_slot {
    const char *key;
    uint32_t len;
    uint32_t value;
    uint64_t hash;
} ec__strmap_slot;

typedef struct ec__strmap {
    const ec_allocator *alloc;
    ec__strmap_slot *slots;
    size_t mask; /* capacity - 1; capacity is a power of two */
    size_t count;
} ec__strmap;

void ec__strmap_init(ec__strmap *m, const ec_allocator *alloc);
void ec__strmap_free(ec__strmap *m);
uint64_t ec__strhash(const char *s, size_t len);
/* Value for key, or EC__STRMAP_NONE. */
uint32_t ec__strmap_get(const ec__strmap *m, const char *key, size_t len);
/* The same for a key whose ec__strhash() the caller kept. */
uint32_t ec__strmap_get_hashed(const ec__strmap *m, const char *key, size_t len, uint64_t hash);
/* Make room for n keys in all, so that inserting them never grows the
 * table again; 0 when out of memory. */
int ec__strmap_reserve(ec__strmap *m, size_t n);
/* Insert key -> value unless present.  Returns 0 when out of memory;
 * otherwise 1, with *existing (may be NULL) set to the value already
 * stored or EC__STRMAP_NONE when the key is new. */
int ec__strmap_put(ec__strmap *m, const char *key, size_t len, uint32_t value, uint32_t *existing);

#endif /* EC_STRMAP_H */
