/* allocate.c - largest-remainder allocation (formats.md 1, "Allocation").
 *
 * parts[i] = floor(A*w[i]/W), then the leftover units go one each to the
 * largest remainders A*w[i] mod W, ties to the earlier item.  Everything is
 * unsigned 128-bit: A*w[i] < 2^126 and W < n * 2^63 < 2^127.
 *
 * No memory is allocated, so remainders cannot be sorted.  Instead the
 * cut-off remainder t is found by binary search over [0, W): the largest t
 * such that at least `leftover` items have a remainder >= t.  Items above t
 * all get a unit; the units still left go to items exactly at t in list
 * order, which is the "ties to the earlier item" rule.  Cost: O(n log W)
 * remainder computations, at most 128 passes over the weights.
 *
 * Pricing allocates over a few lines at a time (a promotion's targets, a
 * tax over rates), where every product fits 64 bits: those keep their
 * remainders in a small array and hand the leftover units out by picking
 * the largest remainder each time, earliest first among equals, which is
 * the same rule without 128-bit division. */
#include "common/internal.h"
#include "ecommerce/money.h"
#include "money/money_private.h"

/* Sum of the weights; 0 when one is negative. */
static int weight_sum(const int64_t *weights, size_t n, ec__u128 *total)
{
    *total = 0;
    for (size_t i = 0; i < n; i++) {
        if (weights[i] < 0) return 0;
        *total += (ec__u128)weights[i];
    }
    return 1;
}

static ec__u128 remainder_of(int64_t amount, int64_t weight, ec__u128 total)
{
    return (ec__u128)amount * (ec__u128)weight % total;
}

/* Write the floor shares; returns the units they leave over (< n). */
static uint64_t floor_parts(int64_t amount, const int64_t *weights, size_t n, ec__u128 total,
                            int64_t *parts)
{
    ec__u128 given = 0;
    for (size_t i = 0; i < n; i++) {
        /* w[i] <= W, so each share is at most amount and fits. */
        parts[i] = (int64_t)((ec__u128)amount * (ec__u128)weights[i] / total);
        given += (ec__u128)parts[i];
    }
    return (uint64_t)((ec__u128)amount - given);
}

static size_t count_at_least(int64_t amount, const int64_t *weights, size_t n, ec__u128 total,
                             ec__u128 t)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) count += remainder_of(amount, weights[i], total) >= t;
    return count;
}

/* Largest t in [0, W) with at least `leftover` remainders >= t.  t = 0
 * always qualifies (all n remainders, and leftover < n). */
static ec__u128 cutoff(int64_t amount, const int64_t *weights, size_t n, ec__u128 total,
                       uint64_t leftover)
{
    ec__u128 lo = 0, hi = total - 1;
    while (lo < hi) {
        ec__u128 mid = lo + (hi - lo + 1) / 2;
        if (count_at_least(amount, weights, n, total, mid) >= leftover)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static void give_leftover(int64_t amount, const int64_t *weights, size_t n, ec__u128 total,
                          int64_t *parts, uint64_t leftover)
{
    ec__u128 t = cutoff(amount, weights, n, total, leftover);
    uint64_t at_cutoff = leftover - count_at_least(amount, weights, n, total, t + 1);
    for (size_t i = 0; i < n; i++) {
        ec__u128 r = remainder_of(amount, weights[i], total);
        if (r > t) {
            parts[i]++;
        } else if (r == t && at_cutoff > 0) {
            parts[i]++;
            at_cutoff--;
        }
    }
}

enum { SMALL = 64 };

/* The allocation when n <= SMALL and amount * w[i] fits 64 bits for every
 * weight; 0 when not (the caller then takes the general path, which
 * overwrites any part written here).  W = total > 0, weights valid. */
static int allocate_small(int64_t amount, const int64_t *weights, size_t n, uint64_t total,
                          int64_t *parts)
{
    uint64_t rem[SMALL], given = 0, product;
    if (n > SMALL) return 0;
    for (size_t i = 0; i < n; i++) {
        if (__builtin_mul_overflow((uint64_t)amount, (uint64_t)weights[i], &product)) return 0;
        parts[i] = (int64_t)(product / total);
        rem[i] = product % total;
        given += (uint64_t)parts[i];
    }
    for (uint64_t left = (uint64_t)amount - given; left > 0; left--) {
        size_t best = SIZE_MAX; /* remainders are < total: UINT64_MAX marks one given */
        for (size_t i = 0; i < n; i++)
            if (rem[i] != UINT64_MAX && (best == SIZE_MAX || rem[i] > rem[best])) best = i;
        parts[best]++;
        rem[best] = UINT64_MAX;
    }
    return 1;
}

ec_status ec_money_allocate(int64_t amount, const int64_t *weights, size_t n, int64_t *parts)
{
    ec__u128 total;
    if (amount < 0 || (n && (!weights || !parts))) return EC_MISUSE;
    /* Validate every weight before writing any part. */
    if (!weight_sum(weights, n, &total)) return EC_MISUSE;
    if (total == 0) {
        /* Nothing to weigh by: only "allocate nothing" has an answer. */
        if (amount != 0) return EC_MISUSE;
        for (size_t i = 0; i < n; i++) parts[i] = 0;
        return EC_OK;
    }
    if (total <= INT64_MAX && allocate_small(amount, weights, n, (uint64_t)total, parts))
        return EC_OK;
    uint64_t leftover = floor_parts(amount, weights, n, total, parts);
    if (leftover) give_leftover(amount, weights, n, total, parts, leftover);
    return EC_OK;
}
