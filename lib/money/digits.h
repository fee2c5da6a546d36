/* digits.h - the decimal writer behind ec_money_format(); private.
 *
 * Shared with the JSON writer, which formats amounts straight into its
 * buffer: one formatter, so an amount reads the same on every surface. */
#ifndef EC_MONEY_DIGITS_H
#define EC_MONEY_DIGITS_H

#include <stdint.h>

/* Longest output: a sign, 19 digits and a point. */
#define EC__MONEY_DIGITS_MAX 21

/* Write minor's digits right-aligned so that they end just before `end`,
 * with a point before the last `exponent` (0 to 4) of them; returns the
 * first byte.  At least exponent+1 digits are written, so 5 at exponent 2
 * is "0.05". */
char *ec__money_digits(int64_t minor, int32_t exponent, char *end);

#endif /* EC_MONEY_DIGITS_H */
