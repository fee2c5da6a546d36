/* test_eligibility.c - the checks a ruleset compiles into bitsets (windows
 * as events with checkpoints, customer groups, channels, countries,
 * currencies, min_subtotal per currency) give the reasons the checks give
 * one promotion at a time, in their order; buy_x_get_y picks the same
 * units whether its unit groups are ordered by their integer keys or, for
 * nets too large for a key, field by field.
 *
 * Expected reasons are worked out from the rules beside each case (a
 * window is [valid_from, valid_to)); "ID" alone means applied. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define EXPECT_ERR(st, e, status, field)                                                           \
    th_expect_error(st, &(e), status, field, __FILE__, __LINE__)
#define R (f.r)
#define RECART(spec) th_fx_recart(&f, spec)
#define PRICE_OK() EXPECT_ERR(th_fx_price(&f), f.e, EC_OK, "")
#define REASONS(want) expect_reasons(R, want, __FILE__, __LINE__)
#define LINES(acc, want)                                                                           \
    th_expect_lines(R, ec_price_result_line_##acc, want, #acc, __FILE__, __LINE__)

/* The promotions' summary without amounts: "id" when applied. */
static void expect_reasons(const ec_price_result *r, const char *want, const char *file,
                           unsigned line)
{
    char got[4096];
    th_promo_summary(r, 0, got, sizeof got);
    th_expect_str(got, want, "promotions", file, line);
}

/* ---- windows: more events than one stride between checkpoints ---------------- */

#define NWINDOWED 150

/* Hour h after 2026-01-01T00:00:00Z (h >= -24), as RFC 3339. */
static void hour_text(char *out, size_t n, int h)
{
    if (h < 0)
        snprintf(out, n, "2025-12-31T%02d:00:00Z", 24 + h);
    else
        snprintf(out, n, "2026-01-%02dT%02d:00:00Z", 1 + h / 24, h % 24);
}

/* Promotion k starts at hour k (k % 3 != 2) and ends at hour k + 40
 * (k % 3 != 1): 200 events, over three 64-bit words of promotions. */
static char *windows_ruleset(void)
{
    size_t cap = 200 + NWINDOWED * 200, n;
    char *doc = malloc(cap), from[32], to[32];
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    n = (size_t)snprintf(doc, cap,
                         "{'currency':'EUR','products':[{'sku':'A','prices':'100.00'}],"
                         "'promotions':[");
    for (int k = 0; k < NWINDOWED; k++) {
        hour_text(from, sizeof from, k);
        hour_text(to, sizeof to, k + 40);
        n += (size_t)snprintf(doc + n, cap - n,
                              "%s{'id':'W%03d','priority':%d,%s%s%s%s%s%s"
                              "'action':{'type':'percent_off','percent':'1'}}",
                              k ? "," : "", k, 1000 - k, k % 3 != 2 ? "'valid_from':'" : "",
                              k % 3 != 2 ? from : "", k % 3 != 2 ? "'," : "",
                              k % 3 != 1 ? "'valid_to':'" : "", k % 3 != 1 ? to : "",
                              k % 3 != 1 ? "'," : "");
    }
    snprintf(doc + n, cap - n, "]}");
    return doc;
}

/* What the window rule says for promotion k at hour h. */
static void expected_at(int h, char *want, size_t cap)
{
    char item[64];
    want[0] = '\0';
    for (int k = 0; k < NWINDOWED; k++) {
        int has_from = k % 3 != 2, has_to = k % 3 != 1;
        if (has_from && h < k)
            snprintf(item, sizeof item, "W%03d:not_started", k);
        else if (has_to && h >= k + 40)
            snprintf(item, sizeof item, "W%03d:expired", k);
        else
            snprintf(item, sizeof item, "W%03d", k);
        th_append(want, cap, item);
    }
}

static void test_eligibility_windows_many_events(void)
{
    static const int hours[] = {-1,  0,   1,   39,  40,  41,  63,  64,  65,
                                127, 128, 148, 149, 150, 188, 189, 190, 250};
    char *doc = windows_ruleset(), when[32], want[4096];
    th_fx f;
    CU_ASSERT_FATAL(th_fx_open(&f, doc));
    for (size_t i = 0; i < sizeof hours / sizeof hours[0]; i++) {
        RECART("A");
        hour_text(when, sizeof when, hours[i]);
        CU_ASSERT_EQUAL(ec_cart_set_at(f.cart, th_time(when), NULL), EC_OK);
        PRICE_OK();
        expected_at(hours[i], want, sizeof want);
        REASONS(want);
    }
    th_fx_close(&f);
    free(doc);
}

/* ---- customer group, channel, country and currency --------------------------- */

static void test_eligibility_context_sets(void)
{
    th_fx f;
    CU_ASSERT_FATAL(th_fx_open(
        &f, "{'currency':'EUR','products':[{'sku':'A','prices':{'EUR':'10.00','USD':'12.00'}}],"
            "'promotions':["
            "{'id':'G1','priority':9,'customer_groups':['vip','b2b'],"
            "'action':{'type':'percent_off','percent':'10'}},"
            "{'id':'C1','priority':8,'channels':['web'],"
            "'action':{'type':'percent_off','percent':'10'}},"
            "{'id':'N1','priority':7,'countries':['DE','AT'],"
            "'action':{'type':'percent_off','percent':'10'}},"
            "{'id':'GC','priority':6,'customer_groups':['vip'],'channels':['app'],"
            "'action':{'type':'percent_off','percent':'10'}},"
            "{'id':'E1','priority':5,'action':{'type':'amount_off_order','amount':{'EUR':'1.00'}}},"
            "{'id':'U1','priority':4,'action':{'type':'amount_off_order','amount':{'USD':'1.00'}}},"
            "{'id':'EU','priority':3,'action':{'type':'amount_off_order',"
            "'amount':{'EUR':'1.00','USD':'1.00'}}},"
            "{'id':'ALL','priority':2,'action':{'type':'percent_off','percent':'10'}},"
            "{'id':'CG','priority':1,'customer_groups':['b2b'],"
            "'action':{'type':'amount_off_order','amount':{'USD':'1.00'}}}]}"));
    RECART("A*5 group=vip channel=web country=DE");
    PRICE_OK(); /* GC: its group passes, its channel does not; U1, CG lack EUR */
    REASONS("G1 C1 N1 GC:channel E1 U1:currency EU ALL CG:customer_group");
    RECART("A*5 currency=USD group=b2b channel=app country=FR");
    PRICE_OK(); /* CG: customer_group passes before currency */
    REASONS("G1 C1:channel N1:country GC:customer_group E1:currency U1 EU ALL CG");
    RECART("A*5");
    PRICE_OK(); /* no group, channel or country: every set that lists names fails */
    REASONS("G1:customer_group C1:channel N1:country GC:customer_group E1 U1:currency EU ALL "
            "CG:customer_group");
    RECART("A*5 group=gold channel=shop country=US");
    PRICE_OK(); /* names no promotion lists */
    REASONS("G1:customer_group C1:channel N1:country GC:customer_group E1 U1:currency EU ALL "
            "CG:customer_group");
    th_fx_close(&f);
}

/* ---- min_subtotal as compiled minimums, and with other limits ---------------- */

static void test_eligibility_minimums(void)
{
    th_fx f;
    CU_ASSERT_FATAL(th_fx_open(
        &f, "{'currency':'EUR','products':[{'sku':'A','prices':{'EUR':'10.00','USD':'12.00'}}],"
            "'promotions':["
            "{'id':'M1','priority':3,'min_subtotal':{'EUR':'50.00','USD':'80.00'},"
            "'action':{'type':'percent_off','percent':'10'}},"
            "{'id':'M2','priority':2,'min_subtotal':{'EUR':'50.00'},'usage_limit':5,"
            "'action':{'type':'percent_off','percent':'10'}},"
            "{'id':'M3','priority':1,'min_subtotal':{'USD':'10.00'},"
            "'action':{'type':'percent_off','percent':'10'}}]}"));
    RECART("A*6");
    PRICE_OK(); /* 60.00 EUR: both EUR minimums reached; M3's money is USD only */
    REASONS("M1 M2 M3:currency");
    RECART("A*4");
    PRICE_OK(); /* 40.00 EUR */
    REASONS("M1:min_subtotal M2:min_subtotal M3:currency");
    RECART("A*4 uses.M2=5");
    PRICE_OK(); /* the usage limit is checked before min_subtotal */
    REASONS("M1:min_subtotal M2:usage_limit_reached M3:currency");
    RECART("A*6 currency=USD");
    PRICE_OK(); /* 72.00 USD: M1 needs 80.00; M2's money is EUR only; M3 needs 10.00 */
    REASONS("M1:min_subtotal M2:currency M3");
    th_fx_close(&f);
}

/* ---- buy_x_get_y: keyed and unkeyed unit groups ------------------------------ */

/* S costs 10.00; H 30,000,000,000,000.00, whose net (3e15 minor units) is
 * beyond the 51 bits of a group key.  Buy 2 get 1: the cheapest unit is
 * free; among equal units the later line's. */
static void test_eligibility_bxgy_keys(void)
{
    th_fx f;
    CU_ASSERT_FATAL(
        th_fx_open(&f, "{'currency':'EUR','products':[{'sku':'S','prices':'10.00'},"
                       "{'sku':'H','prices':'30000000000000.00'}],'promotions':[{'id':'B2G1',"
                       "'action':{'type':'buy_x_get_y','buy':2,'get':1}}]}"));
    RECART("S*3");
    PRICE_OK();
    LINES(discount, "1000");
    RECART("S S S");
    PRICE_OK();
    LINES(discount, "0 0 1000");
    RECART("H*3");
    PRICE_OK();
    LINES(discount, "3000000000000000");
    RECART("H H H");
    PRICE_OK();
    LINES(discount, "0 0 3000000000000000");
    RECART("H*2 S");
    PRICE_OK(); /* unkeyed: the cheap unit is still the one given */
    LINES(discount, "0 1000");
    RECART("S H S*4");
    PRICE_OK(); /* 6 units, 2 free: the two cheapest S units, the later line's */
    LINES(discount, "0 0 2000");
    RECART("S H H S*4");
    PRICE_OK(); /* 7 units, 2 free: the same with an H line more */
    LINES(discount, "0 0 0 2000");
    th_fx_close(&f);
}

static CU_TestInfo eligibility_tests[] = {
    {"windows_many_events", test_eligibility_windows_many_events},
    {"context_sets", test_eligibility_context_sets},
    {"minimums", test_eligibility_minimums},
    {"bxgy_keys", test_eligibility_bxgy_keys},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_eligibility_suites[] = {
    {.pName = "pricing.eligibility", .pTests = eligibility_tests},
    CU_SUITE_INFO_NULL,
};
