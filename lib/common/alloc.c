/* alloc.c - allocation through an object's allocator, or libc's. */
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"

void ec_free(void *ptr)
{
    free(ptr);
}

void *ec__alloc(const ec_allocator *a, size_t size)
{
    if (size == 0) size = 1;
    return a ? a->alloc(a->opaque, size) : malloc(size);
}

void *ec__calloc(const ec_allocator *a, size_t n, size_t size)
{
    size_t total;
    if (ec__mul_overflows(n, size, &total)) return NULL;
    void *p = ec__alloc(a, total);
    if (p) memset(p, 0, total);
    return p;
}

void *ec__realloc(const ec_allocator *a, void *p, size_t size)
{
    if (size == 0) size = 1;
    return a ? a->realloc(a->opaque, p, size) : realloc(p, size);
}

void ec__dealloc(const ec_allocator *a, void *p)
{
    if (!p) return;
    if (a)
        a->free(a->opaque, p);
    else
        free(p);
}

char *ec__strndup(const ec_allocator *a, const char *s, size_t len)
{
    char *d = ec__alloc(a, len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}
