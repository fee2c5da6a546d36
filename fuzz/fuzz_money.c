/* fuzz_money.c - libFuzzer target for the money module's parsers.
 *
 * The input bytes are offered as a money string at every exponent (0..4),
 * as a percent and as an RFC 3339 time, and also read as binary operands
 * for muldiv and allocation.  Beyond "no crash, no sanitizer report" it
 * checks invariants and traps on any violation:
 * - parsers only ever answer OK, INVALID_FIELD or OVERFLOW, and a failure
 *   fills the error with a printable message;
 * - an accepted amount formats to the input up to leading zeros and
 *   fractional padding, and that text parses back to the same value;
 * - an accepted percent is in 0..100 and round-trips through format;
 * - an accepted time is within years 0000..9999 give or take one day of
 *   offset, and 't'/'z' mean the same as 'T'/'Z';
 * - every rounding mode lands on floor or ceiling of the exact quotient;
 * - allocated parts are non-negative and sum to the amount. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ecommerce/money.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

#define DAY_US (86400 * INT64_C(1000000))
#define YEAR_0000_US INT64_C(-62167219200000000)
#define YEAR_9999_END_US INT64_C(253402300799999999)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_failure(ec_status st, const ec_error *err)
{
    CHECK(st == EC_INVALID_FIELD || st == EC_OVERFLOW);
    CHECK(err->code == (int32_t)st);
    CHECK(err->message[0] != '\0');
    CHECK(err->field[0] == '\0');
    for (const char *p = err->message; *p; p++) CHECK((unsigned char)*p >= 0x20);
}

/* The input as the formatter must print it: integer part without leading
 * zeros (one kept), fraction padded to `exponent` digits.  Only called on
 * accepted input, whose value fits 19 digits once zeros are dropped. */
static size_t canonical(const char *s, size_t len, int32_t exponent, char *out)
{
    const char *dot = memchr(s, '.', len);
    size_t int_len = dot ? (size_t)(dot - s) : len;
    size_t frac_len = dot ? len - int_len - 1 : 0;
    size_t skip = 0, n = 0;
    while (skip + 1 < int_len && s[skip] == '0') skip++;
    memcpy(out, s + skip, int_len - skip);
    n = int_len - skip;
    if (exponent == 0) return n;
    out[n++] = '.';
    memcpy(out + n, s + int_len + 1, frac_len);
    n += frac_len;
    for (size_t i = frac_len; i < (size_t)exponent; i++) out[n++] = '0';
    return n;
}

static void fuzz_money_parse(const char *s, size_t len, int32_t exponent)
{
    ec_error err;
    int64_t v, back;
    char text[EC_MONEY_FORMAT_MAX], want[EC_MONEY_FORMAT_MAX];
    size_t n;
    ec_error_clear(&err);
    ec_status st = ec_money_parse(s, len, exponent, &v, &err);
    if (st != EC_OK) {
        check_failure(st, &err);
        return;
    }
    CHECK(v >= 0);
    CHECK(ec_money_format(v, exponent, text, sizeof text, &n) == EC_OK);
    CHECK(canonical(s, len, exponent, want) == n);
    CHECK(memcmp(want, text, n) == 0);
    CHECK(ec_money_parse(text, n, exponent, &back, NULL) == EC_OK);
    CHECK(back == v);
}

static void fuzz_percent(const char *s, size_t len)
{
    ec_error err;
    int32_t p, back;
    int64_t as_money;
    char text[EC_MONEY_FORMAT_MAX];
    size_t n;
    ec_error_clear(&err);
    ec_status st = ec_percent_parse(s, len, &p, &err);
    if (st != EC_OK) {
        CHECK(st == EC_INVALID_FIELD);
        check_failure(st, &err);
        return;
    }
    CHECK(p >= 0 && p <= EC_PERCENT_ONE);
    /* a percent is a decimal with four places: the money parser agrees */
    CHECK(ec_money_parse(s, len, 4, &as_money, NULL) == EC_OK);
    CHECK(as_money == p);
    CHECK(ec_percent_format(p, text, sizeof text, &n) == EC_OK);
    CHECK(ec_percent_parse(text, n, &back, NULL) == EC_OK);
    CHECK(back == p);
}

static void fuzz_time(const char *s, size_t len)
{
    ec_error err;
    int64_t us, again;
    char lower[64];
    ec_error_clear(&err);
    ec_status st = ec_time_parse(s, len, &us, &err);
    if (st != EC_OK) {
        CHECK(st == EC_INVALID_FIELD);
        check_failure(st, &err);
        return;
    }
    CHECK(us >= YEAR_0000_US - DAY_US && us <= YEAR_9999_END_US + DAY_US);
    CHECK(len < sizeof lower);
    memcpy(lower, s, len);
    lower[10] = 't';
    if (lower[len - 1] == 'Z') lower[len - 1] = 'z';
    CHECK(ec_time_parse(lower, len, &again, NULL) == EC_OK);
    CHECK(again == us);
}

static int64_t read_i64(const uint8_t *p)
{
    uint64_t u;
    memcpy(&u, p, sizeof u);
    return (int64_t)u;
}

/* Every mode is floor or ceiling; ceiling - floor is 0 or 1. */
static void fuzz_muldiv(int64_t a, int64_t b, int64_t c)
{
    int64_t fl, ce, r;
    if (c == 0) {
        CHECK(ec_money_muldiv(a, b, c, EC_ROUND_DOWN, &r) == EC_MISUSE);
        return;
    }
    if (ec_money_muldiv(a, b, c, EC_ROUND_FLOOR, &fl) != EC_OK ||
        ec_money_muldiv(a, b, c, EC_ROUND_CEILING, &ce) != EC_OK)
        return;
    CHECK(ce == fl || (fl < INT64_MAX && ce == fl + 1));
    for (int m = EC_ROUND_HALF_EVEN; m <= EC_ROUND_FLOOR; m++) {
        CHECK(ec_money_muldiv(a, b, c, (ec_rounding)m, &r) == EC_OK);
        CHECK(r == fl || r == ce);
    }
}

static void fuzz_allocate(const uint8_t *data, size_t size)
{
    int64_t weights[8], parts[8], sum = 0;
    int64_t amount = read_i64(data) & INT64_MAX;
    size_t n = (size - 8) / 8;
    if (n > 8) n = 8;
    /* non-negative weights: negative ones are a plain EC_MISUSE */
    for (size_t i = 0; i < n; i++) weights[i] = read_i64(data + 8 + 8 * i) & INT64_MAX;
    ec_status st = ec_money_allocate(amount, weights, n, parts);
    if (st != EC_OK) {
        CHECK(st == EC_MISUSE);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        CHECK(parts[i] >= 0 && parts[i] <= amount);
        sum += parts[i]; /* parts sum to amount: no overflow */
    }
    CHECK(sum == amount);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    for (int32_t e = 0; e <= 4; e++) fuzz_money_parse(s, size, e);
    fuzz_percent(s, size);
    fuzz_time(s, size);
    if (size >= 24) fuzz_muldiv(read_i64(data), read_i64(data + 8), read_i64(data + 16));
    if (size >= 8) fuzz_allocate(data, size);
    return 0;
}
