/* money_private.h - helpers shared by the money module's files; not API.
 *
 * The decimal scanner is shared by money and percent parsing so that both
 * accept exactly the same syntax (docs/reference/conventions.md); each caller words its own
 * error messages. */
#ifndef EC_MONEY_PRIVATE_H
#define EC_MONEY_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "ecommerce/error.h"

/* __int128 is a GCC/Clang extension; __extension__ keeps -pedantic quiet.
 * Every a*b of two int64 values fits (|a*b| <= 2^126). */
__extension__ typedef __int128 ec__i128;
__extension__ typedef unsigned __int128 ec__u128;

/* Largest exponent (fractional digits) of any ISO 4217 currency: CLF, UYW. */
#define EC__MONEY_EXPONENT_MAX 4

/* 1 when s is ^[0-9]+(\.[0-9]+)?$; *int_digits and *frac_digits receive the
 * digit counts on either side of the point (0 fractional without one). */
int ec__decimal_scan(const char *s, size_t len, size_t *int_digits, size_t *frac_digits);

/* Value of a string that passed ec__decimal_scan, scaled to `exponent`
 * fractional digits (frac_digits <= exponent <= EC__MONEY_EXPONENT_MAX).
 * 0 when the value does not fit in int64_t. */
int ec__decimal_value(const char *s, size_t int_digits, size_t frac_digits, int32_t exponent,
                      int64_t *out);

/* Fail with status and a message that quotes the input: "\"1.234\" has
 * more than 2 decimal places".  Input that is long or not printable ASCII
 * is described by noun instead ("the amount has ..."), so a message never
 * carries control bytes or stops at an embedded NUL. */
ec_status ec__fail_input(ec_error *err, ec_status status, const char *noun, const char *s,
                         size_t len, const char *why);

#endif /* EC_MONEY_PRIVATE_H */
