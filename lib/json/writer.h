/* writer.h - a growable output buffer for JSON documents; private.
 *
 * Appends never fail mid-document: the first allocation failure sets
 * `failed`, later appends do nothing, and the caller checks once at the end.
 * The buffer is capped (EC_JSON_MAX_DOCUMENT) like every growable buffer. */
#ifndef EC_JSON_WRITER_H
#define EC_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ecommerce/alloc.h"
#include "ecommerce/error.h"

typedef struct ec__buf {
    const ec_allocator *alloc; /* NULL: malloc, so the caller can ec_free() */
    char *p;
    size_t len, cap;
    int failed;
} ec__buf;

void ec__buf_raw(ec__buf *b, const char *s, size_t n);

/* ec__buf_raw inlined for an append that fits the room already there (a
 * document is mostly short literals, where a call and a length check cost
 * more than the copy); growth takes the checked path.  After a failure an
 * append may still land in the room, which is harmless: ec__buf_finish
 * refuses the document either way. */
static inline void ec__buf_put(ec__buf *b, const char *s, size_t n)
{
    if (b->len + n < b->cap) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
    } else {
        ec__buf_raw(b, s, n);
    }
}

/* A string literal, its length known at compile time. */
#define EC__BUF_LIT(b, lit) ec__buf_put((b), "" lit, sizeof(lit) - 1)

void ec__buf_lit(ec__buf *b, const char *s);           /* NUL-terminated, no escaping */
void ec__buf_str(ec__buf *b, const char *s, size_t n); /* quoted and escaped */
void ec__buf_int(ec__buf *b, int64_t v);
void ec__buf_money(ec__buf *b, int64_t minor, int32_t exponent); /* quoted */
void ec__buf_percent(ec__buf *b, int32_t millionths);            /* quoted */
/* NUL-terminate; 0 when anything failed. */
int ec__buf_finish(ec__buf *b);
/* Finish b and hand its bytes to the caller (*out; *out_len may be NULL):
 * allocated with b->alloc, released by ec_free() when that is NULL.  On
 * failure the bytes are released and the result is EC_NO_MEMORY. */
ec_status ec__buf_take(ec__buf *b, char **out, size_t *out_len);

#endif /* EC_JSON_WRITER_H */
