/* money.h - exact money: ISO 4217 currencies, decimal strings, checked
 * arithmetic, rounding and allocation.
 *
 * Amounts are int64_t counts of minor units (cents for EUR, yen for JPY,
 * fils for KWD).  Nothing here wraps: every operation that would leave the
 * 64-bit range returns EC_OVERFLOW.  Every non-integral intermediate goes
 * through ec_money_muldiv(), which computes a*b/c exactly in 128 bits and
 * rounds once with an explicit mode.  All functions are pure and
 * thread-safe. */
#ifndef EC_MONEY_H
#define EC_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"

/* The seven rounding modes (docs/reference/conventions.md), values pinned. */
typedef enum ec_rounding {
    EC_ROUND_HALF_EVEN = 0, /* ties to the even neighbour (default) */
    EC_ROUND_HALF_UP = 1,   /* ties away from zero */
    EC_ROUND_HALF_DOWN = 2, /* ties toward zero */
    EC_ROUND_UP = 3,        /* away from zero */
    EC_ROUND_DOWN = 4,      /* toward zero */
    EC_ROUND_CEILING = 5,   /* toward +infinity */
    EC_ROUND_FLOOR = 6      /* toward -infinity */
} ec_rounding;

/* Percent values are held in millionths of one (1/10000 of a percent):
 * "19" is 190000, "12.5" is 125000, "100" is 1000000. */
#define EC_PERCENT_ONE 1000000

/* Longest formatted amount: sign, 19 digits, point, NUL, with margin. */
#define EC_MONEY_FORMAT_MAX 32

EC_BEGIN_DECLS

/* ---- currencies ------------------------------------------------------ */

/* Number of active ISO 4217 currencies in the built-in table. */
EC_API size_t ec_currency_count(void);

/* Index of an alphabetic code ("EUR") in the table, or -1.  len is the
 * code's length in bytes (codes are exactly 3 upper-case letters). */
EC_API int32_t ec_currency_find(const char *code, size_t len);

/* The code ("EUR", static storage) and exponent (2) of table entry i;
 * NULL / -1 when i is out of range. */
EC_API const char *ec_currency_code(int32_t index);
EC_API int32_t ec_currency_exponent(int32_t index);

/* ---- decimal strings ---------------------------------------------------- */

/* Parse a money string ("19.99") of len bytes into minor units for a
 * currency with the given exponent (0..4).  Strict: ^[0-9]+(\.[0-9]+)?$, at
 * most `exponent` fractional digits.  Returns EC_OK, EC_INVALID_FIELD (bad
 * syntax or too many digits) or EC_OVERFLOW; EC_MISUSE for an exponent
 * outside 0..4, a NULL out, or a NULL s with len > 0.  *out is written only
 * on success.  err may be NULL; its field is left empty for the caller to
 * fill. */
EC_API ec_status ec_money_parse(const char *s, size_t len, int32_t exponent, int64_t *out,
                                ec_error *err);

/* Format minor units with exactly `exponent` fractional digits ("-1.50"
 * for -150 at exponent 2).  Writes at most cap bytes including the NUL into
 * buf; EC_LIMIT_EXCEEDED when it does not fit (buf then holds "" when cap
 * > 0).  *len_out (may be NULL) receives the length without the NUL, the
 * needed length when it does not fit.  EC_MISUSE for an exponent outside
 * 0..4 or a NULL buf with cap > 0. */
EC_API ec_status ec_money_format(int64_t minor, int32_t exponent, char *buf, size_t cap,
                                 size_t *len_out);

/* ---- checked arithmetic ------------------------------------------------- */

/* *out = a + b, a - b, a * b.  EC_OVERFLOW when the result does not fit in
 * int64_t, EC_MISUSE for a NULL out; *out is written only on success. */
EC_API ec_status ec_money_add(int64_t a, int64_t b, int64_t *out);
EC_API ec_status ec_money_sub(int64_t a, int64_t b, int64_t *out);
EC_API ec_status ec_money_mul(int64_t a, int64_t b, int64_t *out);

/* *out = round(a * b / c) with a 128-bit intermediate and one rounding in
 * `mode`.  EC_MISUSE when c is 0 or mode is unknown, EC_OVERFLOW when the
 * result does not fit in int64_t. */
EC_API ec_status ec_money_muldiv(int64_t a, int64_t b, int64_t c, ec_rounding mode, int64_t *out);

/* Largest-remainder allocation of `amount` (>= 0) over n weights (>= 0):
 * parts[i] = floor(amount*w[i]/W) and the leftover units go one each to the
 * largest remainders amount*w[i] mod W, ties to the earlier item.  The parts
 * sum to amount exactly.  When every weight is 0 (W == 0) the amount must be
 * 0 and every part is 0; otherwise EC_MISUSE (also for a negative amount or
 * weight, or NULL arrays with n > 0; nothing is written then).  parts must
 * not alias weights.  Needs no memory: O(n log W) time, at most 128 passes
 * over the weights. */
EC_API ec_status ec_money_allocate(int64_t amount, const int64_t *weights, size_t n,
                                   int64_t *parts);

/* ---- percent ------------------------------------------------------------ */

/* Parse a percent string ("12.5") into millionths (125000): 0 to 100, at
 * most 4 fractional digits.  EC_INVALID_FIELD otherwise (EC_MISUSE for a
 * NULL out, or a NULL s with len > 0). */
EC_API ec_status ec_percent_parse(const char *s, size_t len, int32_t *out, ec_error *err);

/* Format millionths without trailing zeros ("19", "7.5", "0").  Buffer
 * rules as ec_money_format(); values outside 0..100 are formatted too. */
EC_API ec_status ec_percent_format(int32_t millionths, char *buf, size_t cap, size_t *len_out);

/* ---- time --------------------------------------------------------------- */

/* Parse an RFC 3339 date-time ("2026-11-25T10:00:00Z", "...+01:00",
 * fractional seconds allowed, 't'/'z' accepted, a space for the 'T' is
 * not) into microseconds since the Unix epoch (UTC).  Fractions finer than
 * a microsecond are truncated; more than 9 fractional digits are refused.
 * Validates month lengths and leap years; second 60 is refused.
 * EC_INVALID_FIELD on any syntax or range error. */
EC_API ec_status ec_time_parse(const char *s, size_t len, int64_t *out_us, ec_error *err);

EC_END_DECLS

#endif /* EC_MONEY_H */
