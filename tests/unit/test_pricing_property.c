/* test_pricing_property.c - randomized properties of pricing.
 *
 * A fixed-seed generator builds rulesets and carts; EC_PROPERTY_OPS / 50
 * rulesets (default 2,000), five carts each.
 *
 * 1. Splitting a line changes nothing: a cart where a SKU is one line of
 *    quantity q and the same cart with q lines of quantity 1 in its place
 *    have the same subtotal, discount, tax and total.  The rulesets stay
 *    where that holds by the rules: amounts that divide exactly (prices of
 *    whole hundreds, percents of 10, 20, 25 and 50), tax rounded on totals,
 *    amount_off_each or fixed_price while a SKU's units are all worth the
 *    same (before the buy_x_get_y: after it, a line's units are worth
 *    different amounts, and a per-line floor at 0 is not per unit), one
 *    buy_x_get_y (optionally with a reward_target; units are worth their
 *    current net), free_shipping, groups, and amount_off_order last, on one
 *    category whose products share a tax category (spread over lines of
 *    different rates, its cents could land on another rate).
 * 2. Taxes add up, for any ruleset the generator can make (named, compound
 *    and inclusive rates, regions, postal prefixes, classes, exempt
 *    customers, proportional shipping): each line's rates sum to its tax,
 *    line and shipping taxes sum to the result's tax, and so does the
 *    taxes summary. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* ---- a generator and a string builder --------------------------------------------- */

static uint64_t rng = 0x2026112810000000ULL;

static uint64_t next(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int below(int n)
{
    return (int)(next() % (uint64_t)n);
}

typedef struct sb {
    char p[32768];
    size_t n;
} sb;

__attribute__((format(printf, 2, 3))) static void put(sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p + b->n, sizeof b->p - b->n, fmt, ap);
    va_end(ap);
    if (k > 0) b->n += (size_t)k < sizeof b->p - b->n ? (size_t)k : sizeof b->p - b->n - 1;
}

static long rulesets_wanted(void)
{
    const char *env = getenv("EC_PROPERTY_OPS");
    long ops = env && atol(env) > 0 ? atol(env) : 100000;
    return ops / 50 > 0 ? ops / 50 : 1;
}

#define NSKUS 6
static const char *const cats[] = {"x", "y", "z"};

/* ---- 1. splitting a line ------------------------------------------------------------- */

static const int exact_percents[] = {10, 20, 25, 50};

static void put_target(sb *b, const char *key)
{
    int kind = below(3);
    if (kind == 0) return; /* every line */
    if (kind == 1) {
        put(b, ",'%s':{'categories':['%s']}", key, cats[below(3)]);
        return;
    }
    put(b, ",'%s':{'skus':['S%d','S%d']}", key, below(NSKUS), below(NSKUS));
}

/* Priority decides the order: percents first, the per-unit amounts, the
 * buy_x_get_y, free shipping, the order amount last. */
static void put_exact_promotions(sb *b)
{
    int n = 0, prio = 100;
    for (int k = below(3); k > 0; k--, n++) {
        put(b, "%s{'id':'PCT%d','priority':%d%s", n ? "," : "", k, prio--,
            below(3) == 0 ? ",'group':'g'" : "");
        put_target(b, "target");
        put(b, ",'action':{'type':'percent_off','percent':'%d'}}", exact_percents[below(4)]);
    }
    if (below(2)) {
        put(b, "%s{'id':'EACH','priority':%d", n++ ? "," : "", prio--);
        put_target(b, "target");
        int each = below(2);
        put(b, ",'action':{'type':'%s','%s':'%d.00'}}", each ? "amount_off_each" : "fixed_price",
            each ? "amount" : "price", 1 + below(40));
    }
    if (below(3)) {
        put(b, "%s{'id':'BXGY','priority':%d", n++ ? "," : "", prio--);
        put_target(b, "target");
        put(b, ",'action':{'type':'buy_x_get_y','buy':%d,'get':%d,'percent':'%d'", 1 + below(3),
            1 + below(2), below(2) ? 100 : 50);
        if (below(3) == 0) put_target(b, "reward_target");
        put(b, "}}");
    }
    if (below(3) == 0)
        put(b, "%s{'id':'SHIP','priority':%d,'action':{'type':'free_shipping'}}", n++ ? "," : "",
            prio--);
    if (below(2)) {
        /* one category, so one tax category: how the amount is spread
         * over the lines then moves no cent between tax rates */
        put(b, "%s{'id':'ORDER','priority':%d,'min_quantity':%d,'target':{'categories':['%s']}",
            n++ ? "," : "", prio--, below(4), cats[below(3)]);
        put(b, ",'action':{'type':'amount_off_order','amount':'%d.%02d'}}", below(30), below(100));
    }
}

static char *exact_ruleset(void)
{
    static sb b;
    b.n = 0;
    put(&b,
        "{'currency':'EUR','tax_rounding':'total','prices_include_tax':%s,'tax':["
        "{'category':'standard','country':'*','rates':[{'name':'a','percent':'%d'},"
        "{'name':'b','percent':'7.5'}]},{'category':'reduced','country':'*','percent':'%d'}],"
        "'products':[",
        below(2) ? "true" : "false", exact_percents[below(4)], exact_percents[below(4)]);
    for (int i = 0; i < NSKUS; i++)
        put(&b, "%s{'sku':'S%d','prices':'%d.00','categories':['%s'],'tax_category':'%s'}",
            i ? "," : "", i, 4 * (1 + below(25)), cats[i % 3], i % 3 == 2 ? "reduced" : "standard");
    put(&b, "],'shipping':[{'id':'std','prices':'4.90','free_over':'%d.00'}],'promotions':[",
        50 + below(200));
    put_exact_promotions(&b);
    put(&b, "]}");
    return th_json(b.p);
}

typedef struct line_spec {
    int sku;
    int64_t q;
} line_spec;

/* The cart: lines in order; line `split` as that many lines of 1. */
static void fill_cart(ec_cart *cart, const line_spec *lines, int n, int split, int ship, int exempt)
{
    ec_cart_reset(cart);
    CU_ASSERT(ec_cart_set_currency(cart, "EUR", NULL) == EC_OK);
    CU_ASSERT(ec_cart_set_at(cart, th_time("2026-11-28T10:00:00Z"), NULL) == EC_OK);
    if (ship) CU_ASSERT(ec_cart_set_shipping_method(cart, "std", NULL) == EC_OK);
    CU_ASSERT(ec_cart_set_tax_exempt(cart, exempt, NULL) == EC_OK);
    for (int i = 0; i < n; i++) {
        char sku[8];
        snprintf(sku, sizeof sku, "S%d", lines[i].sku);
        for (int64_t k = 0; k < (i == split ? lines[i].q : 1); k++)
            CU_ASSERT(ec_cart_add_line(cart, sku, i == split ? 1 : lines[i].q, NULL) == EC_OK);
    }
}

static void totals_of(const ec_price_result *r, char *out, size_t cap)
{
    snprintf(out, cap, "%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64, ec_price_result_subtotal(r),
             ec_price_result_discount(r), ec_price_result_tax(r), ec_price_result_total(r));
}

static void split_one(const ec_ruleset *rs, ec_cart *cart, ec_price_result *r, const char *doc,
                      long *checked)
{
    line_spec lines[5];
    int n = 1 + below(5), ship = below(2), exempt = below(5) == 0;
    for (int i = 0; i < n; i++) lines[i] = (line_spec){below(NSKUS), 1 + below(6)};
    int split = below(n);
    char one[128], many[128];
    fill_cart(cart, lines, n, -1, ship, exempt);
    CU_ASSERT_EQUAL_FATAL(ec_price_cart(rs, cart, r, NULL), EC_OK);
    totals_of(r, one, sizeof one);
    fill_cart(cart, lines, n, split, ship, exempt);
    CU_ASSERT_EQUAL_FATAL(ec_price_cart(rs, cart, r, NULL), EC_OK);
    totals_of(r, many, sizeof many);
    if (strcmp(one, many) != 0) {
        fprintf(stderr, "\n  split line %d of %d changed %s into %s; ship %d exempt %d, lines",
                split, n, one, many, ship, exempt);
        for (int i = 0; i < n; i++) fprintf(stderr, " S%d*%" PRId64, lines[i].sku, lines[i].q);
        fprintf(stderr, "\n  rules %s\n", doc);
    }
    th_expect_str(many, one, "totals with the line split", __FILE__, __LINE__);
    (*checked)++;
}

static void test_pricing_property_split_lines(void)
{
    ec_cart *cart = ec_cart_new();
    ec_price_result *r = ec_price_result_new();
    CU_ASSERT_FATAL(cart && r);
    long n = rulesets_wanted(), checked = 0;
    rng = 0x5eed2026ULL;
    for (long k = 0; k < n && CU_get_number_of_failures() == 0; k++) {
        char *doc = exact_ruleset();
        ec_ruleset *rs = NULL;
        ec_error e = th_error();
        if (ec_ruleset_from_json(doc, strlen(doc), NULL, &rs, &e) != EC_OK)
            fprintf(stderr, "\n  refused at %s: %s\n  %s\n", e.field, e.message, doc);
        CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
        for (int c = 0; c < 5; c++) split_one(rs, cart, r, doc, &checked);
        ec_ruleset_free(rs);
        free(doc);
    }
    th_expect_i64(checked, n * 5, "carts checked", __FILE__, __LINE__);
    ec_price_result_free(r);
    ec_cart_free(cart);
}

/* ---- 2. taxes add up --------------------------------------------------------------------- */

static void put_rates(sb *b, int compound_ok)
{
    int n = 1 + below(3);
    put(b, "'rates':[");
    for (int j = 0; j < n; j++)
        put(b, "%s{'name':'r%d','percent':'%d.%03d'%s}", j ? "," : "", j + below(2) * 3, below(20),
            below(1000), compound_ok && j && below(2) ? ",'compound':true" : "");
    put(b, "]");
}

static char *tax_ruleset(void)
{
    static sb b;
    int inclusive = below(2), total = below(2);
    static const char *const regions[] = {"US-CA", "US-NY", "CA-QC"};
    b.n = 0;
    put(&b,
        "{'currency':'EUR','rounding':'%s','prices_include_tax':%s,'tax_rounding':'%s',"
        "'shipping_tax':'%s','tax':[{'category':'standard','country':'*','percent':'%d'},"
        "{'category':'reduced','country':'*','percent':'%d'}",
        below(2) ? "half_even" : "up", inclusive ? "true" : "false", total ? "total" : "line",
        below(2) ? "proportional" : "category", below(30), below(10));
    for (int k = 0; k < 6; k++) {
        put(&b, ",{'category':'%s','country':'US','region':'%s'", k % 2 ? "reduced" : "standard",
            regions[k % 3]);
        if (k >= 3) put(&b, ",'postal_codes':['%d']", 90 + k);
        if (k == 5) put(&b, ",'tax_classes':['b2b']");
        put(&b, ",");
        put_rates(&b, !inclusive && !total);
        put(&b, "}");
    }
    put(&b, "],'products':[");
    for (int i = 0; i < NSKUS; i++)
        put(&b, "%s{'sku':'S%d','prices':'%d.%02d','tax_category':'%s'}", i ? "," : "", i,
            below(80), below(100), i % 2 ? "reduced" : "standard");
    put(&b,
        "],'shipping':[{'id':'std','prices':'%d.%02d','tax_category':'reduced'}],"
        "'promotions':[{'id':'P','action':{'type':'percent_off','percent':'%d'}},"
        "{'id':'O','action':{'type':'amount_off_order','amount':'%d.00'}}]}",
        below(10), below(100), below(60), below(20));
    return th_json(b.p);
}

static void sums_one(const ec_ruleset *rs, ec_cart *cart, ec_price_result *r)
{
    static const char *const regions[] = {"US-CA", "US-NY", "CA-QC", "US-TX"};
    ec_cart_reset(cart);
    CU_ASSERT(ec_cart_set_currency(cart, "EUR", NULL) == EC_OK);
    CU_ASSERT(ec_cart_set_at(cart, th_time("2026-11-28T10:00:00Z"), NULL) == EC_OK);
    CU_ASSERT(ec_cart_set_country(cart, below(4) ? "US" : "FR", NULL) == EC_OK);
    CU_ASSERT(ec_cart_set_region(cart, regions[below(4)], NULL) == EC_OK);
    if (below(2))
        CU_ASSERT(ec_cart_set_postal_code(cart, below(2) ? "94 1" : "95012", NULL) == EC_OK);
    if (below(2)) CU_ASSERT(ec_cart_set_tax_class(cart, "b2b", NULL) == EC_OK);
    CU_ASSERT(ec_cart_set_tax_exempt(cart, below(4) == 0, NULL) == EC_OK);
    if (below(3)) CU_ASSERT(ec_cart_set_shipping_method(cart, "std", NULL) == EC_OK);
    for (int n = 1 + below(6); n > 0; n--) {
        char sku[8];
        snprintf(sku, sizeof sku, "S%d", below(NSKUS));
        CU_ASSERT(ec_cart_add_line(cart, sku, 1 + below(9), NULL) == EC_OK);
    }
    CU_ASSERT_EQUAL_FATAL(ec_price_cart(rs, cart, r, NULL), EC_OK);
    int64_t lines = ec_price_result_shipping_tax(r), summary = 0;
    for (size_t i = 0; i < ec_price_result_line_count(r); i++) {
        int64_t rates = 0;
        for (size_t j = 0; j < ec_price_result_line_taxes_count(r, i); j++)
            rates += ec_price_result_line_taxes_amount(r, i, j);
        th_expect_i64(rates, ec_price_result_line_tax(r, i), "a line's rates", __FILE__, __LINE__);
        lines += ec_price_result_line_tax(r, i);
    }
    for (size_t k = 0; k < ec_price_result_taxes_count(r); k++)
        summary += ec_price_result_taxes_amount(r, k);
    th_expect_i64(lines, ec_price_result_tax(r), "line and shipping taxes", __FILE__, __LINE__);
    th_expect_i64(summary, ec_price_result_tax(r), "the taxes summary", __FILE__, __LINE__);
}

static void test_pricing_property_taxes_add_up(void)
{
    ec_cart *cart = ec_cart_new();
    ec_price_result *r = ec_price_result_new();
    CU_ASSERT_FATAL(cart && r);
    rng = 0x7a8e5ULL;
    for (long k = 0, n = rulesets_wanted(); k < n && CU_get_number_of_failures() == 0; k++) {
        char *doc = tax_ruleset();
        ec_ruleset *rs = th_load(doc);
        CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
        for (int c = 0; c < 5; c++) sums_one(rs, cart, r);
        ec_ruleset_free(rs);
        free(doc);
    }
    ec_price_result_free(r);
    ec_cart_free(cart);
}

static CU_TestInfo property_tests[] = {
    {"split_lines", test_pricing_property_split_lines},
    {"taxes_add_up", test_pricing_property_taxes_add_up},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_pricing_property_suites[] = {
    {.pName = "pricing.property", .pTests = property_tests},
    CU_SUITE_INFO_NULL,
};
