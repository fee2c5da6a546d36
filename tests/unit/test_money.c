/* test_money.c - unit tests for the money module: currencies, money and
 * percent strings, checked arithmetic, rounding, allocation and RFC 3339
 * times.  Expected values are golden vectors worked out by hand or with
 * exact rational arithmetic, never by calling the code under test. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <string.h>

#include "ecommerce/money.h"

__extension__ typedef __int128 i128;

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define STR(lit) lit, sizeof(lit) - 1

static ec_error fresh_error(void)
{
    ec_error e;
    ec_error_clear(&e);
    return e;
}

/* ---- currencies ---------------------------------------------------------- */

static int32_t exponent_of(const char *code)
{
    return ec_currency_exponent(ec_currency_find(code, strlen(code)));
}

static void test_money_currency_lookup(void)
{
    CU_ASSERT_EQUAL(exponent_of("EUR"), 2);
    CU_ASSERT_EQUAL(exponent_of("USD"), 2);
    CU_ASSERT_EQUAL(exponent_of("JPY"), 0);
    CU_ASSERT_EQUAL(exponent_of("KWD"), 3);
    CU_ASSERT_EQUAL(exponent_of("CLF"), 4);
    int32_t i = ec_currency_find(STR("EUR"));
    CU_ASSERT_TRUE(i >= 0);
    CU_ASSERT_STRING_EQUAL(ec_currency_code(i), "EUR");
    CU_ASSERT_TRUE(ec_currency_count() >= 150);
}

static void test_money_currency_refuses_malformed_codes(void)
{
    CU_ASSERT_EQUAL(ec_currency_find(STR("XYZ")), -1);
    CU_ASSERT_EQUAL(ec_currency_find(STR("eur")), -1);
    CU_ASSERT_EQUAL(ec_currency_find(STR("Eur")), -1);
    CU_ASSERT_EQUAL(ec_currency_find(STR("EU")), -1);
    CU_ASSERT_EQUAL(ec_currency_find(STR("EURO")), -1);
    CU_ASSERT_EQUAL(ec_currency_find("EUR", 2), -1);
    CU_ASSERT_EQUAL(ec_currency_find(STR("E\0R")), -1);
    CU_ASSERT_EQUAL(ec_currency_find(STR("")), -1);
    CU_ASSERT_EQUAL(ec_currency_find(NULL, 3), -1);
    CU_ASSERT_PTR_NULL(ec_currency_code(-1));
    CU_ASSERT_PTR_NULL(ec_currency_code((int32_t)ec_currency_count()));
    CU_ASSERT_EQUAL(ec_currency_exponent(-1), -1);
    CU_ASSERT_EQUAL(ec_currency_exponent((int32_t)ec_currency_count()), -1);
}

/* The binary search depends on the order; every entry must be findable. */
static void test_money_currency_table_sorted_and_findable(void)
{
    const char *prev = "";
    for (int32_t i = 0; i < (int32_t)ec_currency_count(); i++) {
        const char *code = ec_currency_code(i);
        CU_ASSERT_PTR_NOT_NULL_FATAL(code);
        CU_ASSERT_EQUAL(strlen(code), 3);
        CU_ASSERT_TRUE(strcmp(prev, code) < 0);
        CU_ASSERT_EQUAL(ec_currency_find(code, 3), i);
        int32_t e = ec_currency_exponent(i);
        CU_ASSERT_TRUE(e >= 0 && e <= 4);
        prev = code;
    }
}

static void test_money_currency_exponents(void)
{
    static const struct {
        const char *code;
        int32_t exponent;
    } v[] = {
        {"BHD", 3}, {"CLF", 4}, {"CLP", 0}, {"IQD", 3}, {"JOD", 3}, {"JPY", 0},
        {"KRW", 0}, {"KWD", 3}, {"LYD", 3}, {"OMR", 3}, {"TND", 3}, {"UYW", 4},
        {"VND", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0}, {"ISK", 0}, {"PYG", 0},
        {"UGX", 0}, {"VUV", 0}, {"RWF", 0}, {"KMF", 0}, {"GNF", 0}, {"DJF", 0},
        {"BIF", 0}, {"UYI", 0}, {"GBP", 2}, {"CHF", 2}, {"SLE", 2}, {"VED", 2},
        {"VES", 2}, {"ZWG", 2}, {"XCG", 2}, {"XAD", 2}, {"MRU", 2}, {"STN", 2},
    };
    for (size_t i = 0; i < COUNT(v); i++) CU_ASSERT_EQUAL(exponent_of(v[i].code), v[i].exponent);
}

/* Withdrawn currencies and codes without a minor unit are not money. */
static void test_money_currency_excludes_withdrawn_and_unitless(void)
{
    static const char *const absent[] = {
        "ANG", "BGN", "CUC", "HRK", "SLL", "ZWL", "VEF", "MRO", "STD", "XAU", "XAG",
        "XPT", "XPD", "XDR", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD", "XTS", "XXX",
    };
    for (size_t i = 0; i < COUNT(absent); i++) CU_ASSERT_EQUAL(ec_currency_find(absent[i], 3), -1);
}

/* ---- money parse --------------------------------------------------------- */

static void test_money_parse_vectors(void)
{
    static const struct {
        const char *s;
        int32_t exponent;
        int64_t minor;
    } v[] = {
        {"0", 0, 0},
        {"1000", 0, 1000},
        {"19.99", 2, 1999},
        {"19.9", 2, 1990},
        {"19", 2, 1900},
        {"0.01", 2, 1},
        {"007.50", 2, 750},
        {"0000", 2, 0},
        {"1.250", 3, 1250},
        {"1.25", 3, 1250},
        {"1.2500", 4, 12500},
        {"0.0001", 4, 1},
        {"9.9", 1, 99},
        {"00000000000000000000000000000001", 0, 1},
        {"9223372036854775807", 0, INT64_MAX},
        {"92233720368547758.07", 2, INT64_MAX},
        {"922337203685477.5807", 4, INT64_MAX},
    };
    for (size_t i = 0; i < COUNT(v); i++) {
        int64_t out = -1;
        ec_error err = fresh_error();
        CU_ASSERT_EQUAL(ec_money_parse(v[i].s, strlen(v[i].s), v[i].exponent, &out, &err), EC_OK);
        CU_ASSERT_EQUAL(out, v[i].minor);
        CU_ASSERT_EQUAL(err.code, EC_OK);
    }
}

static void round_trip(const char *s, int32_t exponent, int64_t minor)
{
    int64_t out = 0;
    char buf[EC_MONEY_FORMAT_MAX];
    size_t n = 0;
    CU_ASSERT_EQUAL(ec_money_parse(s, strlen(s), exponent, &out, NULL), EC_OK);
    CU_ASSERT_EQUAL(out, minor);
    CU_ASSERT_EQUAL(ec_money_format(out, exponent, buf, sizeof buf, &n), EC_OK);
    CU_ASSERT_STRING_EQUAL(buf, s);
    CU_ASSERT_EQUAL(n, strlen(s));
}

static void test_money_parse_format_round_trip(void)
{
    round_trip("1000", exponent_of("JPY"), 1000);
    round_trip("19.99", exponent_of("EUR"), 1999);
    round_trip("1.250", exponent_of("KWD"), 1250);
    round_trip("1.2500", exponent_of("CLF"), 12500);
    round_trip("0.05", 2, 5);
    round_trip("9223372036854775807", 0, INT64_MAX);
    round_trip("92233720368547758.07", 2, INT64_MAX);
}

static void expect_invalid(const char *s, size_t len, int32_t exponent)
{
    int64_t out = 42;
    ec_error err = fresh_error();
    CU_ASSERT_EQUAL(ec_money_parse(s, len, exponent, &out, &err), EC_INVALID_FIELD);
    CU_ASSERT_EQUAL(err.code, EC_INVALID_FIELD);
    CU_ASSERT_STRING_EQUAL(err.field, "");
    CU_ASSERT_TRUE(err.message[0] != '\0');
    CU_ASSERT_EQUAL(out, 42); /* untouched on failure */
}

static void test_money_parse_refusals(void)
{
    static const char *const bad[] = {
        "",
        ".",
        "1.",
        ".5",
        "-1",
        "+1",
        "1e3",
        " 1",
        "1 ",
        "1,000",
        "1..2",
        "1.2.3",
        "0x10",
        "1.-2",
        "abc",
        "\xef\xbc\x91", /* full-width digit one */
        "1\xef\xbc\x90",
        "\t1",
        "1\n",
        "NaN",
    };
    for (size_t i = 0; i < COUNT(bad); i++) expect_invalid(bad[i], strlen(bad[i]), 2);
    expect_invalid(STR("1\0"), 2); /* embedded NUL counted by len */
    expect_invalid(STR("1\0002"), 2);
    expect_invalid(NULL, 0, 2);
}

static void expect_places_message(const char *s, int32_t exponent, const char *message)
{
    int64_t out;
    ec_error err = fresh_error();
    CU_ASSERT_EQUAL(ec_money_parse(s, strlen(s), exponent, &out, &err), EC_INVALID_FIELD);
    CU_ASSERT_STRING_EQUAL(err.message, message);
}

static void test_money_parse_refuses_extra_decimal_places(void)
{
    expect_places_message("1.234", 2, "\"1.234\" has more than 2 decimal places");
    expect_places_message("1.00", 0, "\"1.00\" has decimal places; the currency has none");
    expect_places_message("1.23456", 4, "\"1.23456\" has more than 4 decimal places");
    expect_places_message("0.10", 1, "\"0.10\" has more than 1 decimal place");
    expect_invalid(STR("19.990"), 2); /* trailing zeros are still digits */
}

/* Input that cannot be quoted safely is described instead. */
static void test_money_parse_message_never_echoes_binary(void)
{
    ec_error err = fresh_error();
    int64_t out;
    /* "1", byte 0x01, "2" */
    CU_ASSERT_EQUAL(ec_money_parse(STR("1\0012"), 2, &out, &err), EC_INVALID_FIELD);
    CU_ASSERT_PTR_NULL(strchr(err.message, '\x01'));
    CU_ASSERT_EQUAL(strncmp(err.message, "the amount ", 11), 0);
    char big[200];
    memset(big, '9', sizeof big);
    big[1] = '.';
    CU_ASSERT_EQUAL(ec_money_parse(big, sizeof big, 2, &out, &err), EC_INVALID_FIELD);
    CU_ASSERT_EQUAL(strncmp(err.message, "the amount ", 11), 0);
}

static void expect_overflow(const char *s, int32_t exponent)
{
    int64_t out = 42;
    ec_error err = fresh_error();
    CU_ASSERT_EQUAL(ec_money_parse(s, strlen(s), exponent, &out, &err), EC_OVERFLOW);
    CU_ASSERT_EQUAL(err.code, EC_OVERFLOW);
    CU_ASSERT_EQUAL(out, 42);
}

static void test_money_parse_overflow(void)
{
    expect_overflow("9223372036854775808", 0);
    expect_overflow("92233720368547758.08", 2);
    expect_overflow("92233720368547759", 2);
    expect_overflow("922337203685477.5808", 4);
    expect_overflow("99999999999999999999999999999999", 0);
    expect_overflow("18446744073709551616", 0); /* 2^64 wraps to 0 if unchecked */
}

static void test_money_parse_misuse(void)
{
    int64_t out;
    ec_error err = fresh_error();
    CU_ASSERT_EQUAL(ec_money_parse(STR("1"), -1, &out, &err), EC_MISUSE);
    CU_ASSERT_EQUAL(err.code, EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_parse(STR("1"), 5, &out, NULL), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_parse(STR("1"), 2, NULL, NULL), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_parse(NULL, 1, 2, &out, NULL), EC_MISUSE);
}

/* ---- money format -------------------------------------------------------- */

static void test_money_format_vectors(void)
{
    static const struct {
        int64_t minor;
        int32_t exponent;
        const char *s;
    } v[] = {
        {0, 0, "0"},
        {0, 2, "0.00"},
        {0, 4, "0.0000"},
        {5, 2, "0.05"},
        {-5, 2, "-0.05"},
        {-150, 2, "-1.50"},
        {1999, 2, "19.99"},
        {1250, 3, "1.250"},
        {12500, 4, "1.2500"},
        {1000, 0, "1000"},
        {-1, 0, "-1"},
        {7, 1, "0.7"},
        {INT64_MAX, 0, "9223372036854775807"},
        {INT64_MAX, 2, "92233720368547758.07"},
        {INT64_MIN, 0, "-9223372036854775808"},
        {INT64_MIN, 2, "-92233720368547758.08"},
        {INT64_MIN, 4, "-922337203685477.5808"},
    };
    for (size_t i = 0; i < COUNT(v); i++) {
        char buf[EC_MONEY_FORMAT_MAX];
        size_t n = 0;
        CU_ASSERT_EQUAL(ec_money_format(v[i].minor, v[i].exponent, buf, sizeof buf, &n), EC_OK);
        CU_ASSERT_STRING_EQUAL(buf, v[i].s);
        CU_ASSERT_EQUAL(n, strlen(v[i].s));
    }
}

static void test_money_format_buffer_limits(void)
{
    char buf[8];
    size_t n = 0;
    CU_ASSERT_EQUAL(ec_money_format(-150, 2, buf, 6, &n), EC_OK); /* "-1.50" */
    CU_ASSERT_STRING_EQUAL(buf, "-1.50");
    memset(buf, 'x', sizeof buf);
    CU_ASSERT_EQUAL(ec_money_format(-150, 2, buf, 5, &n), EC_LIMIT_EXCEEDED);
    CU_ASSERT_EQUAL(buf[0], '\0');
    CU_ASSERT_EQUAL(n, 5); /* the length it needs */
    CU_ASSERT_EQUAL(ec_money_format(1, 2, NULL, 0, &n), EC_LIMIT_EXCEEDED);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(ec_money_format(1, 2, buf, sizeof buf, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_money_format(1, 5, buf, sizeof buf, &n), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_format(1, -1, buf, sizeof buf, &n), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_format(1, 2, NULL, 8, &n), EC_MISUSE);
}

/* ---- checked arithmetic -------------------------------------------------- */

static void test_money_add_sub_mul(void)
{
    int64_t r = 0;
    CU_ASSERT_EQUAL(ec_money_add(1999, 1, &r), EC_OK);
    CU_ASSERT_EQUAL(r, 2000);
    CU_ASSERT_EQUAL(ec_money_sub(1999, 2000, &r), EC_OK);
    CU_ASSERT_EQUAL(r, -1);
    CU_ASSERT_EQUAL(ec_money_mul(1999, -3, &r), EC_OK);
    CU_ASSERT_EQUAL(r, -5997);
    CU_ASSERT_EQUAL(ec_money_add(INT64_MAX, INT64_MIN, &r), EC_OK);
    CU_ASSERT_EQUAL(r, -1);
    CU_ASSERT_EQUAL(ec_money_sub(INT64_MIN, -1, &r), EC_OK);
    CU_ASSERT_EQUAL(r, INT64_MIN + 1);
    CU_ASSERT_EQUAL(ec_money_mul(INT64_MIN, 1, &r), EC_OK);
    CU_ASSERT_EQUAL(r, INT64_MIN);
}

static void test_money_add_sub_mul_overflow(void)
{
    int64_t r = 42;
    CU_ASSERT_EQUAL(ec_money_add(INT64_MAX, 1, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_add(INT64_MIN, -1, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_sub(INT64_MIN, 1, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_sub(0, INT64_MIN, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_sub(INT64_MAX, -1, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_mul(INT64_MIN, -1, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_mul(INT64_MAX, 2, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_mul(3037000500, 3037000500, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(r, 42); /* never the wrapped value */
    CU_ASSERT_EQUAL(ec_money_add(1, 1, NULL), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_sub(1, 1, NULL), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_mul(1, 1, NULL), EC_MISUSE);
}

/* ---- muldiv -------------------------------------------------------------- */

/* One row per a*b/c; expected results in enum order: half_even, half_up,
 * half_down, up, down, ceiling, floor. */
typedef struct muldiv_vector {
    int64_t a, b, c;
    int64_t want[7];
} muldiv_vector;

static const muldiv_vector muldiv_vectors[] = {
    /* exact ties */
    {25, 1, 10, {2, 3, 2, 3, 2, 3, 2}},
    {-25, 1, 10, {-2, -3, -2, -3, -2, -2, -3}},
    {25, 1, -10, {-2, -3, -2, -3, -2, -2, -3}},
    {-25, 1, -10, {2, 3, 2, 3, 2, 3, 2}},
    {15, 1, 10, {2, 2, 1, 2, 1, 2, 1}},
    {-15, 1, 10, {-2, -2, -1, -2, -1, -1, -2}},
    {35, 1, 10, {4, 4, 3, 4, 3, 4, 3}},
    {5, 1, 10, {0, 1, 0, 1, 0, 1, 0}},
    {-5, 1, 10, {0, -1, 0, -1, 0, 0, -1}},
    {7, 1, -2, {-4, -4, -3, -4, -3, -3, -4}},
    /* below and above a half */
    {14, 1, 10, {1, 1, 1, 2, 1, 2, 1}},
    {-14, 1, 10, {-1, -1, -1, -2, -1, -1, -2}},
    {16, 1, 10, {2, 2, 2, 2, 1, 2, 1}},
    {-16, 1, 10, {-2, -2, -2, -2, -1, -1, -2}},
    {1, 1, 3, {0, 0, 0, 1, 0, 1, 0}},
    {-1, 1, 3, {0, 0, 0, -1, 0, 0, -1}},
    {2, 1, 3, {1, 1, 1, 1, 0, 1, 0}},
    {-2, 1, -3, {1, 1, 1, 1, 0, 1, 0}},
    /* exact */
    {20, 1, 10, {2, 2, 2, 2, 2, 2, 2}},
    {-20, 1, 10, {-2, -2, -2, -2, -2, -2, -2}},
    {0, 5, 7, {0, 0, 0, 0, 0, 0, 0}},
    /* 19% tax on 19.99: 379.81 */
    {1999, 190000, 1000000, {380, 380, 380, 380, 379, 380, 379}},
    {-1999, 190000, 1000000, {-380, -380, -380, -380, -379, -379, -380}},
    /* the product leaves 64 bits, the result does not */
    {3037000500,
     3037000500,
     1000,
     {9223372037000250, 9223372037000250, 9223372037000250, 9223372037000250, 9223372037000250,
      9223372037000250, 9223372037000250}},
    {INT64_MAX,
     1,
     2,
     {4611686018427387904, 4611686018427387904, 4611686018427387903, 4611686018427387904,
      4611686018427387903, 4611686018427387904, 4611686018427387903}},
    {1000000000000000000,
     9000000000000000000,
     1000000000000000001,
     {8999999999999999991, 8999999999999999991, 8999999999999999991, 8999999999999999992,
      8999999999999999991, 8999999999999999992, 8999999999999999991}},
    {-777777777777777777,
     1234567891,
     987654321,
     {-972222214150347221, -972222214150347221, -972222214150347221, -972222214150347222,
      -972222214150347221, -972222214150347221, -972222214150347222}},
    {INT64_MAX,
     -3,
     5,
     {-5534023222112865484, -5534023222112865484, -5534023222112865484, -5534023222112865485,
      -5534023222112865484, -5534023222112865484, -5534023222112865485}},
    {INT64_MAX,
     INT64_MAX,
     INT64_MAX,
     {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX}},
    {INT64_MAX,
     INT64_MAX,
     -INT64_MAX,
     {-INT64_MAX, -INT64_MAX, -INT64_MAX, -INT64_MAX, -INT64_MAX, -INT64_MAX, -INT64_MAX}},
    {INT64_MIN,
     INT64_MIN,
     INT64_MIN,
     {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN}},
    {INT64_MIN,
     3,
     4,
     {-6917529027641081856, -6917529027641081856, -6917529027641081856, -6917529027641081856,
      -6917529027641081856, -6917529027641081856, -6917529027641081856}},
};

static void test_money_muldiv_vectors(void)
{
    for (size_t i = 0; i < COUNT(muldiv_vectors); i++) {
        const muldiv_vector *v = &muldiv_vectors[i];
        for (int m = EC_ROUND_HALF_EVEN; m <= EC_ROUND_FLOOR; m++) {
            int64_t r = 42;
            CU_ASSERT_EQUAL(ec_money_muldiv(v->a, v->b, v->c, (ec_rounding)m, &r), EC_OK);
            CU_ASSERT_EQUAL(r, v->want[m]);
        }
    }
}

/* Independent reference built on floor division, unlike the library's
 * truncation: both must agree on every small case. */
static int64_t reference_round(i128 n, i128 c, int mode)
{
    i128 fl = n / c - ((n % c != 0) && ((n < 0) != (c < 0)));
    i128 frac = n - fl * c; /* fraction = frac / c, in [0, 1) */
    if (frac == 0) return (int64_t)fl;
    i128 ce = fl + 1;
    i128 d = (2 * frac - c) * (c < 0 ? -1 : 1);
    int cmp = (d > 0) - (d < 0); /* fraction vs one half */
    int positive = fl >= 0;
    switch (mode) {
    case EC_ROUND_CEILING:
        return (int64_t)ce;
    case EC_ROUND_FLOOR:
        return (int64_t)fl;
    case EC_ROUND_UP:
        return (int64_t)(positive ? ce : fl);
    case EC_ROUND_DOWN:
        return (int64_t)(positive ? fl : ce);
    default:
        break;
    }
    if (cmp != 0) return (int64_t)(cmp > 0 ? ce : fl);
    if (mode == EC_ROUND_HALF_UP) return (int64_t)(positive ? ce : fl);
    if (mode == EC_ROUND_HALF_DOWN) return (int64_t)(positive ? fl : ce);
    return (int64_t)(fl % 2 == 0 ? fl : ce);
}

static void test_money_muldiv_matches_reference(void)
{
    for (int64_t a = -60; a <= 60; a++)
        for (int64_t c = -12; c <= 12; c++) {
            if (c == 0) continue;
            for (int m = EC_ROUND_HALF_EVEN; m <= EC_ROUND_FLOOR; m++) {
                int64_t r;
                CU_ASSERT_EQUAL_FATAL(ec_money_muldiv(a, 3, c, (ec_rounding)m, &r), EC_OK);
                CU_ASSERT_EQUAL_FATAL(r, reference_round((i128)a * 3, c, m));
            }
        }
}

static void test_money_muldiv_overflow(void)
{
    int64_t r = 42;
    CU_ASSERT_EQUAL(ec_money_muldiv(INT64_MAX, 2, 1, EC_ROUND_DOWN, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_muldiv(INT64_MIN, -1, 1, EC_ROUND_DOWN, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_muldiv(INT64_MIN, 1, -1, EC_ROUND_DOWN, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_muldiv(INT64_MIN, INT64_MIN, 1, EC_ROUND_DOWN, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(r, 42);
    /* (2^64 - 1) / 2 = 2^63 - 0.5: truncation fits, rounding up does not. */
    const int64_t a = 4294967295, b = 4294967297;
    CU_ASSERT_EQUAL(ec_money_muldiv(a, b, 2, EC_ROUND_DOWN, &r), EC_OK);
    CU_ASSERT_EQUAL(r, INT64_MAX);
    CU_ASSERT_EQUAL(ec_money_muldiv(a, b, 2, EC_ROUND_FLOOR, &r), EC_OK);
    CU_ASSERT_EQUAL(ec_money_muldiv(a, b, 2, EC_ROUND_HALF_DOWN, &r), EC_OK);
    CU_ASSERT_EQUAL(ec_money_muldiv(a, b, 2, EC_ROUND_HALF_EVEN, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_muldiv(a, b, 2, EC_ROUND_HALF_UP, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_muldiv(a, b, 2, EC_ROUND_UP, &r), EC_OVERFLOW);
    CU_ASSERT_EQUAL(ec_money_muldiv(a, b, 2, EC_ROUND_CEILING, &r), EC_OVERFLOW);
    /* and the mirror image at the bottom: -2^63 - 0.5 */
    CU_ASSERT_EQUAL(ec_money_muldiv(-a, b, 2, EC_ROUND_DOWN, &r), EC_OK);
    CU_ASSERT_EQUAL(r, INT64_MIN + 1);
    CU_ASSERT_EQUAL(ec_money_muldiv(INT64_MAX, 2, -2, EC_ROUND_FLOOR, &r), EC_OK);
    CU_ASSERT_EQUAL(r, -INT64_MAX);
    CU_ASSERT_EQUAL(ec_money_muldiv(INT64_MIN, 3, 2, EC_ROUND_DOWN, &r), EC_OVERFLOW);
}

static void test_money_muldiv_misuse(void)
{
    int64_t r = 42;
    CU_ASSERT_EQUAL(ec_money_muldiv(1, 1, 0, EC_ROUND_HALF_EVEN, &r), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_muldiv(1, 1, 1, (ec_rounding)7, &r), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_muldiv(1, 1, 1, (ec_rounding)-1, &r), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_muldiv(1, 1, 1, EC_ROUND_HALF_EVEN, NULL), EC_MISUSE);
    CU_ASSERT_EQUAL(r, 42);
}

/* ---- allocation ---------------------------------------------------------- */

static void expect_allocation(int64_t amount, const int64_t *w, size_t n, const int64_t *want)
{
    int64_t parts[16];
    CU_ASSERT_EQUAL_FATAL(ec_money_allocate(amount, w, n, parts), EC_OK);
    for (size_t i = 0; i < n; i++) CU_ASSERT_EQUAL(parts[i], want[i]);
}

static void test_money_allocate_vectors(void)
{
    expect_allocation(1000, (const int64_t[]){1, 1, 1}, 3, (const int64_t[]){334, 333, 333});
    expect_allocation(2, (const int64_t[]){5, 5, 5}, 3, (const int64_t[]){1, 1, 0});
    expect_allocation(3, (const int64_t[]){0, 1, 0, 1}, 4, (const int64_t[]){0, 2, 0, 1});
    /* remainders 4,2,4,2: the two 4s win, earlier first */
    expect_allocation(10, (const int64_t[]){1, 2, 1, 2}, 4, (const int64_t[]){2, 3, 2, 3});
    /* a later item with a larger remainder beats an earlier one */
    expect_allocation(10, (const int64_t[]){3, 4}, 2, (const int64_t[]){4, 6});
    expect_allocation(100, (const int64_t[]){1, 1, 1, 4}, 4, (const int64_t[]){15, 14, 14, 57});
    expect_allocation(0, (const int64_t[]){3, 4}, 2, (const int64_t[]){0, 0});
    expect_allocation(999, (const int64_t[]){7}, 1, (const int64_t[]){999});
    expect_allocation(5, (const int64_t[]){0, 9, 0}, 3, (const int64_t[]){0, 5, 0});
    /* weights are line totals in minor units: 19.99 + 5.01 share 2.50 */
    expect_allocation(250, (const int64_t[]){1999, 501}, 2, (const int64_t[]){200, 50});
}

static void test_money_allocate_large_values(void)
{
    expect_allocation(
        INT64_MAX, (const int64_t[]){1, 1, 1}, 3,
        (const int64_t[]){3074457345618258603, 3074457345618258602, 3074457345618258602});
    /* W = 2^64 - 1: remainders above 64 bits */
    expect_allocation(INT64_MAX, (const int64_t[]){INT64_MAX, INT64_MAX, 1}, 3,
                      (const int64_t[]){4611686018427387903, 4611686018427387903, 1});
    expect_allocation(
        INT64_MAX, (const int64_t[]){INT64_MAX, INT64_MAX - 1, INT64_MAX - 2, 3}, 4,
        (const int64_t[]){3074457345618258602, 3074457345618258602, 3074457345618258602, 1});
    expect_allocation(1000000000000000000, (const int64_t[]){7, 11, 13, 17, 19}, 5,
                      (const int64_t[]){104477611940298507, 164179104477611940, 194029850746268657,
                                        253731343283582090, 283582089552238806});
}

static void test_money_allocate_misuse(void)
{
    int64_t parts[3] = {42, 42, 42};
    CU_ASSERT_EQUAL(ec_money_allocate(1, (const int64_t[]){0, 0, 0}, 3, parts), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_allocate(-1, (const int64_t[]){1, 1, 1}, 3, parts), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_allocate(5, (const int64_t[]){1, -1, 1}, 3, parts), EC_MISUSE);
    CU_ASSERT_EQUAL(parts[0], 42); /* nothing written on refusal */
    CU_ASSERT_EQUAL(ec_money_allocate(5, NULL, 3, parts), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_allocate(5, (const int64_t[]){1}, 1, NULL), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_money_allocate(5, NULL, 0, NULL), EC_MISUSE);
    /* nothing over nothing is fine, with or without items */
    CU_ASSERT_EQUAL(ec_money_allocate(0, NULL, 0, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_money_allocate(0, (const int64_t[]){0, 0, 0}, 3, parts), EC_OK);
    CU_ASSERT_EQUAL(parts[0] | parts[1] | parts[2], 0);
}

/* Fixed-seed LCG (Knuth's MMIX constants): the same vectors every run. */
static uint64_t lcg_next(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 11;
}

static int64_t random_weight(uint64_t *state)
{
    switch (lcg_next(state) % 4) {
    case 0:
        return 0;
    case 1:
        return (int64_t)(lcg_next(state) % 10);
    case 2:
        return (int64_t)(lcg_next(state) % 100000);
    default:
        return (int64_t)(lcg_next(state) >> 1); /* up to 2^52 */
    }
}

/* Reference: pick the largest (remainder, earlier index) leftover times. */
static void reference_allocate(int64_t amount, const int64_t *w, size_t n, int64_t *parts)
{
    i128 total = 0, given = 0;
    int chosen[32] = {0};
    for (size_t i = 0; i < n; i++) total += w[i];
    for (size_t i = 0; i < n; i++) {
        parts[i] = (int64_t)((i128)amount * w[i] / total);
        given += parts[i];
    }
    for (i128 left = amount - given; left > 0; left--) {
        size_t best = n;
        i128 best_rem = -1;
        for (size_t i = 0; i < n; i++) {
            i128 rem = (i128)amount * w[i] % total;
            if (!chosen[i] && rem > best_rem) {
                best = i;
                best_rem = rem;
            }
        }
        chosen[best] = 1;
        parts[best]++;
    }
}

static void test_money_allocate_random_sums(void)
{
    uint64_t state = 20261125;
    for (int round = 0; round < 3000; round++) {
        int64_t w[32], parts[32], want[32];
        size_t n = 1 + lcg_next(&state) % 32;
        i128 total = 0, sum = 0;
        for (size_t i = 0; i < n; i++) {
            w[i] = random_weight(&state);
            total += w[i];
        }
        if (total == 0) w[0] = 1;
        int64_t amount = lcg_next(&state) % 2 ? (int64_t)(lcg_next(&state) % 100000)
                                              : (int64_t)(lcg_next(&state) << 10 >> 1);
        CU_ASSERT_EQUAL_FATAL(ec_money_allocate(amount, w, n, parts), EC_OK);
        reference_allocate(amount, w, n, want);
        for (size_t i = 0; i < n; i++) {
            CU_ASSERT_EQUAL_FATAL(parts[i], want[i]);
            CU_ASSERT_TRUE(parts[i] >= 0);
            sum += parts[i];
        }
        CU_ASSERT_TRUE_FATAL(sum == amount);
    }
}

/* ---- percent ------------------------------------------------------------- */

static void test_money_percent_parse_vectors(void)
{
    static const struct {
        const char *s;
        int32_t millionths;
    } v[] = {
        {"19", 190000},   {"12.5", 125000},      {"0", 0},
        {"100", 1000000}, {"100.0000", 1000000}, {"0.0001", 1},
        {"007.5", 75000}, {"99.9999", 999999},   {"7.25", 72500},
    };
    for (size_t i = 0; i < COUNT(v); i++) {
        int32_t out = -1;
        CU_ASSERT_EQUAL(ec_percent_parse(v[i].s, strlen(v[i].s), &out, NULL), EC_OK);
        CU_ASSERT_EQUAL(out, v[i].millionths);
    }
}

static void test_money_percent_parse_refusals(void)
{
    static const char *const bad[] = {
        "101",
        "100.0001",
        "100.00001",
        "-1",
        "1.",
        "abc",
        "12.34567",
        "",
        ".5",
        " 5",
        "1e2",
        "5%",
        "99999999999999999999999999",
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        int32_t out = 42;
        ec_error err = fresh_error();
        CU_ASSERT_EQUAL(ec_percent_parse(bad[i], strlen(bad[i]), &out, &err), EC_INVALID_FIELD);
        CU_ASSERT_EQUAL(err.code, EC_INVALID_FIELD);
        CU_ASSERT_EQUAL(out, 42);
    }
    ec_error err = fresh_error();
    int32_t out;
    ec_percent_parse(STR("101"), &out, &err);
    CU_ASSERT_STRING_EQUAL(err.message, "\"101\" is more than 100 percent");
    ec_percent_parse(STR("12.34567"), &out, &err);
    CU_ASSERT_STRING_EQUAL(err.message, "\"12.34567\" has more than 4 decimal places");
    CU_ASSERT_EQUAL(ec_percent_parse(STR("1"), NULL, NULL), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_percent_parse(NULL, 1, &out, NULL), EC_MISUSE);
}

static void test_money_percent_format_vectors(void)
{
    static const struct {
        int32_t millionths;
        const char *s;
    } v[] = {
        {190000, "19"},      {75000, "7.5"},   {0, "0"},        {1000000, "100"},
        {123, "0.0123"},     {125000, "12.5"}, {1, "0.0001"},   {100, "0.01"},
        {999999, "99.9999"}, {100000, "10"},   {-5000, "-0.5"}, {INT32_MIN, "-214748.3648"},
    };
    for (size_t i = 0; i < COUNT(v); i++) {
        char buf[EC_MONEY_FORMAT_MAX];
        size_t n = 0;
        CU_ASSERT_EQUAL(ec_percent_format(v[i].millionths, buf, sizeof buf, &n), EC_OK);
        CU_ASSERT_STRING_EQUAL(buf, v[i].s);
        CU_ASSERT_EQUAL(n, strlen(v[i].s));
    }
    char small[3];
    size_t n = 0;
    CU_ASSERT_EQUAL(ec_percent_format(75000, small, sizeof small, &n), EC_LIMIT_EXCEEDED);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(small[0], '\0');
    CU_ASSERT_EQUAL(ec_percent_format(190000, small, sizeof small, &n), EC_OK);
    CU_ASSERT_STRING_EQUAL(small, "19");
}

/* Every representable percent survives format then parse. */
static void test_money_percent_round_trip(void)
{
    for (int32_t m = 0; m <= EC_PERCENT_ONE; m += 7) {
        char buf[EC_MONEY_FORMAT_MAX];
        size_t n;
        int32_t back = -1;
        CU_ASSERT_EQUAL_FATAL(ec_percent_format(m, buf, sizeof buf, &n), EC_OK);
        CU_ASSERT_EQUAL_FATAL(ec_percent_parse(buf, n, &back, NULL), EC_OK);
        CU_ASSERT_EQUAL_FATAL(back, m);
    }
}

/* ---- time ---------------------------------------------------------------- */

static void test_money_time_vectors(void)
{
    static const struct {
        const char *s;
        int64_t us;
    } v[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01t00:00:00z", 0},
        {"1970-01-01T00:00:00+00:00", 0},
        {"1970-01-01T00:00:00-00:00", 0},
        {"2026-11-25T10:00:00Z", 1795600800000000},
        {"2026-11-25T10:00:00+01:00", 1795597200000000},
        {"2026-11-25T10:00:00-05:30", 1795620600000000},
        {"2026-11-25T11:00:00+01:00", 1795600800000000},
        {"2024-02-29T12:34:56Z", 1709210096000000},
        {"2000-02-29T00:00:00Z", 951782400000000},
        {"2026-11-25T10:00:00.123456Z", 1795600800123456},
        {"2026-11-25T10:00:00.123456789Z", 1795600800123456},
        {"2026-11-25T10:00:00.5Z", 1795600800500000},
        {"2026-11-25T10:00:00.0000009Z", 1795600800000000},
        {"1969-12-31T23:59:59.5Z", -500000},
        {"0000-01-01T00:00:00Z", -62167219200000000},
        {"0001-01-01T00:00:00Z", -62135596800000000},
        {"9999-12-31T23:59:59.999999Z", 253402300799999999},
        {"2026-01-01T00:30:00+23:59", 1767141060000000},
    };
    for (size_t i = 0; i < COUNT(v); i++) {
        int64_t us = 42;
        ec_error err = fresh_error();
        CU_ASSERT_EQUAL(ec_time_parse(v[i].s, strlen(v[i].s), &us, &err), EC_OK);
        CU_ASSERT_EQUAL(us, v[i].us);
    }
}

static void test_money_time_refusals(void)
{
    static const char *const bad[] = {
        "",
        "2023-02-29T00:00:00Z", /* not a leap year */
        "1900-02-29T00:00:00Z", /* century, not a leap year */
        "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z",
        "2026-01-00T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T23:60:00Z",
        "2016-12-31T23:59:60Z", /* leap second */
        "2026-01-01T00:00:00+24:00",
        "2026-01-01T00:00:00+01:60",
        "2026-01-01T00:00:00",             /* no offset */
        "2026-01-01 00:00:00Z",            /* space for T */
        "2026-01-01T00:00:00.Z",           /* point without digits */
        "2026-01-01T00:00:00.1234567891Z", /* ten fractional digits */
        "2026-1-01T00:00:00Z",
        "2026-01-01T00:00Z",
        "2026-01-01T00:00:00+0100",
        "2026-01-01T00:00:00+01",
        "2026-01-01T00:00:00Zx",
        " 2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00+01:00 ",
        "2026-01-01",
        "+2026-01-01T00:00:00Z",
        "20260101T000000Z",
        "2026-01-01T00:00:00,5Z",
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        int64_t us = 42;
        ec_error err = fresh_error();
        CU_ASSERT_EQUAL(ec_time_parse(bad[i], strlen(bad[i]), &us, &err), EC_INVALID_FIELD);
        CU_ASSERT_EQUAL(err.code, EC_INVALID_FIELD);
        CU_ASSERT_EQUAL(us, 42);
    }
}

static void test_money_time_messages(void)
{
    int64_t us;
    ec_error err = fresh_error();
    ec_time_parse(STR("tomorrow"), &us, &err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "not an RFC 3339 date-time"));
    ec_time_parse(STR("2023-02-29T00:00:00Z"), &us, &err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "day 29 is out of range"));
    ec_time_parse(STR("2016-12-31T23:59:60Z"), &us, &err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "leap second"));
    CU_ASSERT_EQUAL(ec_time_parse(STR("2026-01-01T00:00:00\0Z"), &us, &err), EC_INVALID_FIELD);
    CU_ASSERT_EQUAL(ec_time_parse(STR("x"), NULL, NULL), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_time_parse(NULL, 3, &us, NULL), EC_MISUSE);
}

/* ---- registration -------------------------------------------------------- */

static CU_TestInfo currency_tests[] = {
    {"lookup", test_money_currency_lookup},
    {"refuses_malformed_codes", test_money_currency_refuses_malformed_codes},
    {"table_sorted_and_findable", test_money_currency_table_sorted_and_findable},
    {"exponents", test_money_currency_exponents},
    {"excludes_withdrawn_and_unitless", test_money_currency_excludes_withdrawn_and_unitless},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo string_tests[] = {
    {"parse_vectors", test_money_parse_vectors},
    {"parse_format_round_trip", test_money_parse_format_round_trip},
    {"parse_refusals", test_money_parse_refusals},
    {"parse_refuses_extra_decimal_places", test_money_parse_refuses_extra_decimal_places},
    {"parse_message_never_echoes_binary", test_money_parse_message_never_echoes_binary},
    {"parse_overflow", test_money_parse_overflow},
    {"parse_misuse", test_money_parse_misuse},
    {"format_vectors", test_money_format_vectors},
    {"format_buffer_limits", test_money_format_buffer_limits},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo arithmetic_tests[] = {
    {"add_sub_mul", test_money_add_sub_mul},
    {"add_sub_mul_overflow", test_money_add_sub_mul_overflow},
    {"muldiv_vectors", test_money_muldiv_vectors},
    {"muldiv_matches_reference", test_money_muldiv_matches_reference},
    {"muldiv_overflow", test_money_muldiv_overflow},
    {"muldiv_misuse", test_money_muldiv_misuse},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo allocate_tests[] = {
    {"vectors", test_money_allocate_vectors},
    {"large_values", test_money_allocate_large_values},
    {"misuse", test_money_allocate_misuse},
    {"random_sums", test_money_allocate_random_sums},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo percent_tests[] = {
    {"parse_vectors", test_money_percent_parse_vectors},
    {"parse_refusals", test_money_percent_parse_refusals},
    {"format_vectors", test_money_percent_format_vectors},
    {"round_trip", test_money_percent_round_trip},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo time_tests[] = {
    {"vectors", test_money_time_vectors},
    {"refusals", test_money_time_refusals},
    {"messages", test_money_time_messages},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_money_suites[] = {
    {.pName = "money.currency", .pTests = currency_tests},
    {.pName = "money.string", .pTests = string_tests},
    {.pName = "money.arithmetic", .pTests = arithmetic_tests},
    {.pName = "money.allocate", .pTests = allocate_tests},
    {.pName = "money.percent", .pTests = percent_tests},
    {.pName = "money.time", .pTests = time_tests},
    CU_SUITE_INFO_NULL,
};
