/* percent.c - percent strings ("12.5") to and from millionths of one.
 *
 * One millionth of one is 1/10000 of a percent, so a percent string read
 * with four fractional digits is already in millionths: "12.5" -> 125000.
 * That lets percent share the money scanner and formatter exactly. */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/money.h"
#include "money/money_private.h"

#define PERCENT_EXPONENT 4

ec_status ec_percent_parse(const char *s, size_t len, int32_t *out, ec_error *err)
{
    size_t int_digits, frac_digits;
    int64_t v;
    EC_FAIL_IF(!out || (!s && len), err, EC_MISUSE, NULL, "ec_percent_parse: NULL argument");
    if (!s) s = "";
    if (!ec__decimal_scan(s, len, &int_digits, &frac_digits))
        return ec__fail_input(err, EC_INVALID_FIELD, "percent", s, len,
                              "is not a percent (a decimal from 0 to 100, "
                              "like \"12.5\")");
    if (frac_digits > PERCENT_EXPONENT)
        return ec__fail_input(err, EC_INVALID_FIELD, "percent", s, len,
                              "has more than 4 decimal places");
    /* A value too large for 64 bits is just as surely above 100. */
    if (!ec__decimal_value(s, int_digits, frac_digits, PERCENT_EXPONENT, &v) || v > EC_PERCENT_ONE)
        return ec__fail_input(err, EC_INVALID_FIELD, "percent", s, len, "is more than 100 percent");
    *out = (int32_t)v;
    return EC_OK;
}

/* Drop trailing fractional zeros and then a bare point: "7.5000" -> "7.5",
 * "19.0000" -> "19". */
static size_t trim_fraction(const char *s, size_t n)
{
    if (!memchr(s, '.', n)) return n;
    while (s[n - 1] == '0') n--;
    if (s[n - 1] == '.') n--;
    return n;
}

/* Values outside 0..100 are formatted too (a sign, more integer digits):
 * output is only ever lenient, parsing is what enforces the range. */
ec_status ec_percent_format(int32_t millionths, char *buf, size_t cap, size_t *len_out)
{
    char tmp[EC_MONEY_FORMAT_MAX];
    size_t n;
    if (!buf && cap) return EC_MISUSE;
    EC_TRY(ec_money_format(millionths, PERCENT_EXPONENT, tmp, sizeof tmp, &n));
    n = trim_fraction(tmp, n);
    if (len_out) *len_out = n; /* the needed length, even when too small */
    if (n >= cap) {
        if (cap) buf[0] = '\0';
        return EC_LIMIT_EXCEEDED;
    }
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return EC_OK;
}
