/* internal.h - helpers shared by the library's own files; not API.
 *
 * Cross-file internal names start with ec__.  Nothing here is exported. */
#ifndef EC_INTERNAL_H
#define EC_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ecommerce/alloc.h"
#include "ecommerce/error.h"

/* EC__INLINE: a hot static helper the compiler would keep out of line
 * (it has a second caller), whose call costs more than its body. */
#if defined(__GNUC__)
#define EC__PRINTF(f, a) __attribute__((format(printf, f, a)))
#define EC__LIKELY(x) __builtin_expect(!!(x), 1)
#define EC__UNLIKELY(x) __builtin_expect(!!(x), 0)
#define EC__INLINE __attribute__((always_inline)) inline
#else
#define EC__PRINTF(f, a)
#define EC__LIKELY(x) (x)
#define EC__UNLIKELY(x) (x)
#define EC__INLINE inline
#endif

/* Return the status of an expression when it is not EC_OK. */
#define EC_TRY(expr)                                                                               \
    do {                                                                                           \
        ec_status ec__st_ = (expr);                                                                \
        if (EC__UNLIKELY(ec__st_ != EC_OK)) return ec__st_;                                        \
    } while (0)

/* Fail with a status and a message when cond holds. */
#define EC_FAIL_IF(cond, err, status, field, ...)                                                  \
    do {                                                                                           \
        if (EC__UNLIKELY(cond)) return ec__fail((err), (status), (field), __VA_ARGS__);            \
    } while (0)

/* Fill err (may be NULL) and return status.  field may be NULL or "";
 * fmt may be NULL for the status's default message. */
ec_status ec__fail(ec_error *err, ec_status status, const char *field, const char *fmt, ...)
    EC__PRINTF(4, 5);

/* Set err's field path from a printf format (replacing what was there). */
void ec__error_field(ec_error *err, const char *fmt, ...) EC__PRINTF(2, 3);

/* Prefix err's field path with a parent ("lines[2]" + "quantity"). */
void ec__error_prefix(ec_error *err, const char *fmt, ...) EC__PRINTF(2, 3);

/* ---- allocation through an object's allocator (NULL: libc) ------------ */

void *ec__alloc(const ec_allocator *a, size_t size);
void *ec__calloc(const ec_allocator *a, size_t n, size_t size);
void *ec__realloc(const ec_allocator *a, void *p, size_t size);
void ec__dealloc(const ec_allocator *a, void *p);
/* Copy len bytes and add a NUL. */
char *ec__strndup(const ec_allocator *a, const char *s, size_t len);

/* Overflow-checked n*size for array allocations. */
static inline int ec__mul_overflows(size_t n, size_t size, size_t *out)
{
    return __builtin_mul_overflow(n, size, out);
}

/* ASCII case-insensitive comparison (coupon codes). */
int ec__ascii_casecmp(const char *a, size_t alen, const char *b, size_t blen);
/* dst = s with A-Z lowered: two codes are equal under ec__ascii_casecmp
 * exactly when their lowered bytes are, so they can be hashed. */
void ec__ascii_lower(char *dst, const char *s, size_t n);

#define EC__ID_MAX 128 /* bytes in an identifier */

/* The identifier rule (docs/reference/conventions.md): 1..128 bytes, valid UTF-8, no control
 * characters.  Returns 1 when s is a valid identifier. */
int ec__id_valid(const char *s, size_t len);
/* 1 when s holds well-formed UTF-8 (no overlong forms or surrogates). */
int ec__utf8_valid(const char *s, size_t len);

#endif /* EC_INTERNAL_H */
