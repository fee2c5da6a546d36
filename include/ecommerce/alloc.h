/* alloc.h - per-object allocator hooks and library-owned buffers.
 *
 * Objects created with a *_new_ex() function use the given allocator for all
 * of their memory; NULL means the C library's malloc/realloc/free.  There are
 * no process-wide hooks.  Buffers the library allocates for a caller with the
 * default allocator are released with ec_free(). */
#ifndef EC_ALLOC_H
#define EC_ALLOC_H

#include <stddef.h>

#include "export.h"

/* All three functions are required; realloc(opaque, NULL, n) allocates.
 * Returning NULL from alloc or realloc is reported as EC_NO_MEMORY. */
typedef struct ec_allocator {
    void *(*alloc)(void *opaque, size_t size);
    void *(*realloc)(void *opaque, void *ptr, size_t size);
    void (*free)(void *opaque, void *ptr);
    void *opaque;
} ec_allocator;

EC_BEGIN_DECLS

/* Release a buffer the library returned to the caller (for instance the
 * output of ec_json_price()).  NULL is ignored. */
EC_API void ec_free(void *ptr);

EC_END_DECLS

#endif /* EC_ALLOC_H */
