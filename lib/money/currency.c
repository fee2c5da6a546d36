/* currency.c - the built-in ISO 4217 currency table and its lookup.
 *
 * Source: ISO 4217 List One (current currency & funds), edition published
 * by the maintenance agency (SIX) on 2026-01-01.  Every entry whose minor
 * unit is a number is here, national currencies and fund codes alike (CLF,
 * UYW, XAD, ... are priced in by real contracts).
 *
 * Deliberately left out:
 * - Codes whose minor unit is "N.A." (XAG XAU XPD XPT, XBA XBB XBC XBD, XDR
 *   XSU XUA, XTS XXX).  An amount here is an integer count of minor units,
 *   so a code without one has no meaning as money; guessing exponent 0
 *   would silently accept "1" ounce of gold as a price.
 * - Withdrawn codes, now in List Three: ANG (replaced by XCG, 2025), BGN
 *   (Bulgaria adopted the euro, 2026), CUC (2021), HRK (euro, 2023), SLL
 *   (redenominated to SLE), ZWL (replaced by ZWG, 2024).
 *
 * The table is sorted by code so that lookup is a binary search; the unit
 * tests check the order. */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/money.h"

typedef struct currency {
    char code[4]; /* NUL-terminated so ec_currency_code() can hand it out */
    int8_t exponent;
} currency;

/* One line per initial letter, so an amendment is easy to review. */
/* clang-format off */
static const currency currencies[] = {
    {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"AOA", 2}, {"ARS", 2},
    {"AUD", 2}, {"AWG", 2}, {"AZN", 2},
    {"BAM", 2}, {"BBD", 2}, {"BDT", 2}, {"BHD", 3}, {"BIF", 0}, {"BMD", 2},
    {"BND", 2}, {"BOB", 2}, {"BOV", 2}, {"BRL", 2}, {"BSD", 2}, {"BTN", 2},
    {"BWP", 2}, {"BYN", 2}, {"BZD", 2},
    {"CAD", 2}, {"CDF", 2}, {"CHE", 2}, {"CHF", 2}, {"CHW", 2}, {"CLF", 4},
    {"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"COU", 2}, {"CRC", 2}, {"CUP", 2},
    {"CVE", 2}, {"CZK", 2},
    {"DJF", 0}, {"DKK", 2}, {"DOP", 2}, {"DZD", 2},
    {"EGP", 2}, {"ERN", 2}, {"ETB", 2}, {"EUR", 2},
    {"FJD", 2}, {"FKP", 2},
    {"GBP", 2}, {"GEL", 2}, {"GHS", 2}, {"GIP", 2}, {"GMD", 2}, {"GNF", 0},
    {"GTQ", 2}, {"GYD", 2},
    {"HKD", 2}, {"HNL", 2}, {"HTG", 2}, {"HUF", 2},
    {"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2}, {"ISK", 0},
    {"JMD", 2}, {"JOD", 3}, {"JPY", 0},
    {"KES", 2}, {"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0},
    {"KWD", 3}, {"KYD", 2}, {"KZT", 2},
    {"LAK", 2}, {"LBP", 2}, {"LKR", 2}, {"LRD", 2}, {"LSL", 2}, {"LYD", 3},
    {"MAD", 2}, {"MDL", 2}, {"MGA", 2}, {"MKD", 2}, {"MMK", 2}, {"MNT", 2},
    {"MOP", 2}, {"MRU", 2}, {"MUR", 2}, {"MVR", 2}, {"MWK", 2}, {"MXN", 2},
    {"MXV", 2}, {"MYR", 2}, {"MZN", 2},
    {"NAD", 2}, {"NGN", 2}, {"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2},
    {"OMR", 3},
    {"PAB", 2}, {"PEN", 2}, {"PGK", 2}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2},
    {"PYG", 0},
    {"QAR", 2},
    {"RON", 2}, {"RSD", 2}, {"RUB", 2}, {"RWF", 0},
    {"SAR", 2}, {"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2},
    {"SHP", 2}, {"SLE", 2}, {"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2},
    {"SVC", 2}, {"SYP", 2}, {"SZL", 2},
    {"THB", 2}, {"TJS", 2}, {"TMT", 2}, {"TND", 3}, {"TOP", 2}, {"TRY", 2},
    {"TTD", 2}, {"TWD", 2}, {"TZS", 2},
    {"UAH", 2}, {"UGX", 0}, {"USD", 2}, {"USN", 2}, {"UYI", 0}, {"UYU", 2},
    {"UYW", 4}, {"UZS", 2},
    {"VED", 2}, {"VES", 2}, {"VND", 0}, {"VUV", 0},
    {"WST", 2},
    {"XAD", 2}, {"XAF", 0}, {"XCD", 2}, {"XCG", 2}, {"XOF", 0}, {"XPF", 0},
    {"YER", 2},
    {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
};
/* clang-format on */

#define CURRENCY_COUNT (sizeof currencies / sizeof currencies[0])

size_t ec_currency_count(void)
{
    return CURRENCY_COUNT;
}

/* Codes are exactly three upper-case ASCII letters; checking that first
 * keeps "eur", "EU" and "EUR\0" out without a special case in the search. */
static int code_well_formed(const char *code, size_t len)
{
    if (!code || len != 3) return 0;
    for (size_t i = 0; i < 3; i++)
        if (code[i] < 'A' || code[i] > 'Z') return 0;
    return 1;
}

int32_t ec_currency_find(const char *code, size_t len)
{
    if (!code_well_formed(code, len)) return -1;
    size_t lo = 0, hi = CURRENCY_COUNT;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = memcmp(code, currencies[mid].code, 3);
        if (d == 0) return (int32_t)mid;
        if (d < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

static int index_valid(int32_t index)
{
    return index >= 0 && (size_t)index < CURRENCY_COUNT;
}

const char *ec_currency_code(int32_t index)
{
    return index_valid(index) ? currencies[index].code : NULL;
}

int32_t ec_currency_exponent(int32_t index)
{
    return index_valid(index) ? currencies[index].exponent : -1;
}
