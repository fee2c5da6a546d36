/* arena.h - a bump allocator for objects whose parts all die together.
 *
 * A compiled ruleset and a cart keep their strings and arrays in an arena:
 * one free releases everything, and reset reuses the first block so that a
 * cart priced in a loop stops allocating once it has grown. */
#ifndef EC_ARENA_H
#define EC_ARENA_H

#include <stddef.h>

#include "ecommerce/alloc.h"

typedef struct ec__arena_block ec__arena_block;

typedef struct ec__arena {
    const ec_allocator *alloc;
    ec__arena_block *head; /* current block; older ones follow */
    size_t used;           /* bytes used in head */
    size_t cap;            /* usable bytes in head */
    size_t limit;          /* total bytes allowed, 0 = none */
    size_t total;          /* bytes obtained from the allocator */
} ec__arena;

void ec__arena_init(ec__arena *a, const ec_allocator *alloc, size_t limit);
/* Aligned to 16 bytes; NULL when out of memory or over the limit. */
void *ec__arena_alloc(ec__arena *a, size_t size);
void *ec__arena_calloc(ec__arena *a, size_t n, size_t size);
char *ec__arena_strndup(ec__arena *a, const char *s, size_t len);
/* Keep the newest block, drop the others, forget every allocation. */
void ec__arena_reset(ec__arena *a);
void ec__arena_free(ec__arena *a);

#endif /* EC_ARENA_H */
