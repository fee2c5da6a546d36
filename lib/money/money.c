/* money.c - decimal money strings and checked arithmetic on minor units.
 *
 * Amounts never pass through floating point: strings are read digit by
 * digit into int64_t and every product or quotient that can leave 64 bits
 * is computed in 128 bits first, then range-checked. */
#include <stdio.h> /* snprintf only: messages, no I/O */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/money.h"
#include "money/digits.h"
#include "money/money_private.h"
#include "money/checked.h"

/* Longest input quoted back verbatim in an error message. */
#define QUOTE_MAX 64

static const int64_t pow10_table[EC__MONEY_EXPONENT_MAX + 1] = {
    1, 10, 100, 1000, 10000,
};

/* ---- shared decimal helpers ---------------------------------------------- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t count_digits(const char *s, size_t len)
{
    size_t n = 0;
    while (n < len && is_digit(s[n])) n++;
    return n;
}

int ec__decimal_scan(const char *s, size_t len, size_t *int_digits, size_t *frac_digits)
{
    size_t i = count_digits(s, len);
    *int_digits = i;
    *frac_digits = 0;
    if (i == 0) return 0; /* "", ".5", "-1", "+1", " 1" */
    if (i == len) return 1;
    if (s[i] != '.') return 0; /* "1e3", "1,000", "1 " */
    size_t f = count_digits(s + i + 1, len - i - 1);
    *frac_digits = f;
    return f > 0 && i + 1 + f == len; /* refuses "1." and "1.2.3" */
}

/* Accumulate n digits into *v; 0 on overflow.  Leading zeros cost
 * nothing, so "007.50" is as good as "7.50". */
static int digits_value(const char *s, size_t n, int64_t *v)
{
    for (size_t i = 0; i < n; i++) {
        if (__builtin_mul_overflow(*v, 10, v)) return 0;
        if (__builtin_add_overflow(*v, s[i] - '0', v)) return 0;
    }
    return 1;
}

int ec__decimal_value(const char *s, size_t int_digits, size_t frac_digits, int32_t exponent,
                      int64_t *out)
{
    int64_t whole = 0, frac = 0, v;
    if (!digits_value(s, int_digits, &whole)) return 0;
    /* frac_digits <= exponent <= 4, so the fraction alone cannot overflow. */
    digits_value(s + int_digits + 1, frac_digits, &frac);
    frac *= pow10_table[exponent - (int32_t)frac_digits];
    if (__builtin_mul_overflow(whole, pow10_table[exponent], &v)) return 0;
    if (__builtin_add_overflow(v, frac, &v)) return 0;
    *out = v;
    return 1;
}

static int quotable(const char *s, size_t len)
{
    if (len > QUOTE_MAX) return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < 0x20 || s[i] > 0x7E) return 0;
    return 1;
}

ec_status ec__fail_input(ec_error *err, ec_status status, const char *noun, const char *s,
                         size_t len, const char *why)
{
    if (quotable(s, len)) return ec__fail(err, status, NULL, "\"%.*s\" %s", (int)len, s, why);
    return ec__fail(err, status, NULL, "the %s %s", noun, why);
}

/* ---- parse and format ---------------------------------------------------- */

static int exponent_valid(int32_t exponent)
{
    return exponent >= 0 && exponent <= EC__MONEY_EXPONENT_MAX;
}

static ec_status too_many_places(ec_error *err, const char *s, size_t len, int32_t exponent)
{
    char why[64];
    if (exponent == 0)
        snprintf(why, sizeof why, "has decimal places; the currency has none");
    else
        snprintf(why, sizeof why, "has more than %d decimal place%s", (int)exponent,
                 exponent == 1 ? "" : "s");
    return ec__fail_input(err, EC_INVALID_FIELD, "amount", s, len, why);
}

ec_status ec_money_parse(const char *s, size_t len, int32_t exponent, int64_t *out, ec_error *err)
{
    size_t int_digits, frac_digits;
    EC_FAIL_IF(!out || (!s && len), err, EC_MISUSE, NULL, "ec_money_parse: NULL argument");
    EC_FAIL_IF(!exponent_valid(exponent), err, EC_MISUSE, NULL,
               "ec_money_parse: exponent %d is outside 0..4", (int)exponent);
    if (!s) s = "";
    if (!ec__decimal_scan(s, len, &int_digits, &frac_digits))
        return ec__fail_input(err, EC_INVALID_FIELD, "amount", s, len,
                              "is not a decimal amount (digits with an "
                              "optional point, like \"19.99\")");
    if (frac_digits > (size_t)exponent) return too_many_places(err, s, len, exponent);
    if (!ec__decimal_value(s, int_digits, frac_digits, exponent, out))
        return ec__fail_input(err, EC_OVERFLOW, "amount", s, len,
                              "does not fit in 64 bits of minor units");
    return EC_OK;
}

/* "00" to "99": two digits per division halves the divisions of the
 * result documents' amounts. */
static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

static char *put_pair(char *p, uint64_t v)
{
    p -= 2;
    memcpy(p, digit_pairs + 2 * v, 2);
    return p;
}

/* The magnitude is taken as uint64_t, where INT64_MIN still fits. */
char *ec__money_digits(int64_t minor, int32_t exponent, char *end)
{
    uint64_t u = minor < 0 ? 0 - (uint64_t)minor : (uint64_t)minor;
    char *p = end;
    if (exponent > 0) {
        int32_t e = exponent;
        for (; e >= 2; e -= 2, u /= 100) p = put_pair(p, u % 100);
        if (e) {
            *--p = (char)('0' + u % 10);
            u /= 10;
        }
        *--p = '.';
    }
    for (; u >= 100; u /= 100) p = put_pair(p, u % 100);
    if (u >= 10)
        p = put_pair(p, u);
    else
        *--p = (char)('0' + u);
    if (minor < 0) *--p = '-';
    return p;
}

ec_status ec_money_format(int64_t minor, int32_t exponent, char *buf, size_t cap, size_t *len_out)
{
    char tmp[EC_MONEY_FORMAT_MAX];
    if (!exponent_valid(exponent) || (!buf && cap)) return EC_MISUSE;
    char *start = ec__money_digits(minor, exponent, tmp + sizeof tmp);
    size_t n = (size_t)(tmp + sizeof tmp - start);
    if (len_out) *len_out = n; /* the needed length, even when too small */
    if (n >= cap) {
        if (cap) buf[0] = '\0';
        return EC_LIMIT_EXCEEDED;
    }
    memcpy(buf, start, n);
    buf[n] = '\0';
    return EC_OK;
}

/* ---- checked arithmetic -------------------------------------------------- */

/* The builtins store the wrapped value even on overflow; go through a
 * local so *out is only ever written with a correct result. */
ec_status ec_money_add(int64_t a, int64_t b, int64_t *out)
{
    return ec__money_add(a, b, out);
}

ec_status ec_money_sub(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (!out) return EC_MISUSE;
    if (__builtin_sub_overflow(a, b, &r)) return EC_OVERFLOW;
    *out = r;
    return EC_OK;
}

ec_status ec_money_mul(int64_t a, int64_t b, int64_t *out)
{
    return ec__money_mul(a, b, out);
}

static ec__i128 abs128(ec__i128 v)
{
    return v < 0 ? -v : v;
}

/* The 128-bit path of ec__money_muldiv(), whose checks have passed. */
ec_status ec__money_muldiv_wide(int64_t a, int64_t b, int64_t c, ec_rounding mode, int64_t *out)
{
    /* |a*b| <= 2^126 and |c| >= 1: neither the product nor the quotient
     * (even INT64_MIN * INT64_MIN / -1) can overflow 128 bits. */
    ec__i128 n = (ec__i128)a * b;
    ec__i128 q = n / c, r = n % c; /* C truncates toward zero */
    if (r != 0) {
        int negative = (n < 0) != (c < 0);
        ec__i128 twice = 2 * abs128(r), whole = abs128(c);
        int half_cmp = (twice > whole) - (twice < whole);
        if (ec__round_away(mode, negative, half_cmp, (int)(q % 2 != 0))) q += negative ? -1 : 1;
    }
    if (q < INT64_MIN || q > INT64_MAX) return EC_OVERFLOW;
    *out = (int64_t)q;
    return EC_OK;
}

ec_status ec_money_muldiv(int64_t a, int64_t b, int64_t c, ec_rounding mode, int64_t *out)
{
    return ec__money_muldiv(a, b, c, mode, out);
}
