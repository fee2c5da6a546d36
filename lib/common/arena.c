/* arena.c - bump allocation in growing blocks. */
#include <string.h>

#include "common/arena.h"
#include "common/internal.h"

struct ec__arena_block {
    ec__arena_block *next;
    size_t cap;
    _Alignas(16) unsigned char data[];
};

enum { ARENA_MIN_BLOCK = 4096 - 64 };

void ec__arena_init(ec__arena *a, const ec_allocator *alloc, size_t limit)
{
    memset(a, 0, sizeof *a);
    a->alloc = alloc;
    a->limit = limit;
}

static int arena_grow(ec__arena *a, size_t need)
{
    size_t cap = a->cap ? a->cap * 2 : ARENA_MIN_BLOCK;
    while (cap < need) cap *= 2;
    if (a->limit && a->total + cap > a->limit) {
        if (a->total + need > a->limit) return 0;
        cap = a->limit - a->total;
    }
    ec__arena_block *b = ec__alloc(a->alloc, sizeof *b + cap);
    if (!b) return 0;
    b->next = a->head;
    b->cap = cap;
    a->head = b;
    a->cap = cap;
    a->used = 0;
    a->total += cap;
    return 1;
}

void *ec__arena_alloc(ec__arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    if (!a->head || a->cap - a->used < size) {
        if (size > ((size_t)-1) / 4 || !arena_grow(a, size)) return NULL;
    }
    void *p = a->head->data + a->used;
    a->used += size;
    return p;
}

void *ec__arena_calloc(ec__arena *a, size_t n, size_t size)
{
    size_t total;
    if (ec__mul_overflows(n, size, &total)) return NULL;
    void *p = ec__arena_alloc(a, total);
    if (p) memset(p, 0, total);
    return p;
}

char *ec__arena_strndup(ec__arena *a, const char *s, size_t len)
{
    char *d = ec__arena_alloc(a, len + 1);
    if (!d) return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void ec__arena_reset(ec__arena *a)
{
    if (!a->head) return;
    ec__arena_block *keep = a->head, *b = keep->next;
    while (b) {
        ec__arena_block *next = b->next;
        ec__dealloc(a->alloc, b);
        b = next;
    }
    keep->next = NULL;
    a->used = 0;
    a->total = keep->cap;
}

void ec__arena_free(ec__arena *a)
{
    ec__arena_block *b = a->head;
    while (b) {
        ec__arena_block *next = b->next;
        ec__dealloc(a->alloc, b);
        b = next;
    }
    a->head = NULL;
    a->used = a->cap = a->total = 0;
}
