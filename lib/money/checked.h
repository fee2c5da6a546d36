/* checked.h - the bodies of ec_money_add(), ec_money_mul() and
 * ec_money_muldiv(), inline for the pricing loops; not API.
 *
 * There is one of each: the public functions are these, called.  Inlined,
 * the argument checks fold away and, where a caller passes a constant
 * divisor (percentages), the division becomes a multiplication, without a
 * second copy of the overflow or rounding rules. */
#ifndef EC_MONEY_CHECKED_H
#define EC_MONEY_CHECKED_H

#include <stdint.h>

#include "ecommerce/money.h"

static inline ec_status ec__money_add(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (!out) return EC_MISUSE;
    if (__builtin_add_overflow(a, b, &r)) return EC_OVERFLOW;
    *out = r;
    return EC_OK;
}

static inline ec_status ec__money_mul(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (!out) return EC_MISUSE;
    if (__builtin_mul_overflow(a, b, &r)) return EC_OVERFLOW;
    *out = r;
    return EC_OK;
}

/* Whether a truncated quotient moves one unit away from zero.  half_cmp
 * compares the discarded remainder with one half (-1 below, 0 exactly, 1
 * above); odd tells half-even which neighbour is even. */
static inline int ec__round_away(ec_rounding mode, int negative, int half_cmp, int odd)
{
    switch (mode) {
    case EC_ROUND_HALF_EVEN:
        return half_cmp > 0 || (half_cmp == 0 && odd);
    case EC_ROUND_HALF_UP:
        return half_cmp >= 0;
    case EC_ROUND_HALF_DOWN:
        return half_cmp > 0;
    case EC_ROUND_UP:
        return 1;
    case EC_ROUND_DOWN:
        return 0;
    case EC_ROUND_CEILING:
        return !negative;
    case EC_ROUND_FLOOR:
        return negative;
    }
    return 0;
}

/* a*b/c when a*b does not fit in 64 bits (money.c). */
ec_status ec__money_muldiv_wide(int64_t a, int64_t b, int64_t c, ec_rounding mode, int64_t *out);

static inline ec_status ec__money_muldiv(int64_t a, int64_t b, int64_t c, ec_rounding mode,
                                         int64_t *out)
{
    /* Compare as int: an FFI caller can pass any value for the enum. */
    int m = (int)mode;
    if (!out || c == 0 || m < EC_ROUND_HALF_EVEN || m > EC_ROUND_FLOOR) return EC_MISUSE;
    /* Fast path: most products fit in 64 bits, and a 64-bit division is
     * several times cheaper than the 128-bit one (a library call). */
    int64_t n64;
    if (__builtin_mul_overflow(a, b, &n64) || (n64 == INT64_MIN && c == -1))
        return ec__money_muldiv_wide(a, b, c, mode, out);
    int64_t q = n64 / c, r = n64 % c;
    if (r != 0) {
        int negative = (n64 < 0) != (c < 0);
        uint64_t ar = r < 0 ? (uint64_t)0 - (uint64_t)r : (uint64_t)r;
        uint64_t ac = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;
        int half_cmp = (ar > ac - ar) - (ar < ac - ar); /* 2|r| vs |c|, no overflow */
        if (ec__round_away(mode, negative, half_cmp, (int)(q % 2 != 0))) q += negative ? -1 : 1;
    }
    *out = q;
    return EC_OK;
}

#endif /* EC_MONEY_CHECKED_H */
