/* test_pricing.c - unit tests for pricing a cart (formats.md 3) through the
 * typed API: carts built with ec_cart_*, results read with the
 * ec_price_result_* accessors.  Every expected amount is worked out by hand
 * in the comment beside it (minor units, EUR cents unless said otherwise);
 * none is taken from the code under test.
 *
 * Each test uses a fixture `f` (helpers.h): a ruleset, a EUR cart at
 * 2026-11-28T10:00:00Z and a result.  CART("A*2 B*3 country=DE coupon=X")
 * adds lines and sets the context (helpers.h th_fx_cart); RECART starts a
 * new cart first.
 * Results are compared as short summaries:
 *   PROMOS("P=350 Q:stopped")       promotions: applied with amount, or reason
 *   DISCS(0, "P=200 Q=100")         the cart discounts of line 0
 *   UNIT(0, "1000@list 800@promo")  list price @ price list, unit price @
 *                                   product promotion of line 0
 *   LINES(tax, "190 70")            one accessor over every line
 *   TOTALS("3500 438 0 3062")       subtotal, discount, tax, total
 *   SHIP("std 490 0 93 583")        method, price, discount, tax, total
 * Ruleset documents use single quotes for double quotes. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "ecommerce/cart.h"
#include "ecommerce/pricing.h"
#include "helpers.h"

#define EXPECT_ERR(st, e, status, field)                                                           \
    th_expect_error(st, &(e), status, field, __FILE__, __LINE__)
#define EQ(a, b) th_expect_i64((int64_t)(a), (int64_t)(b), #a, __FILE__, __LINE__)
#define STR_EQ(a, b) th_expect_str(a, b, #a, __FILE__, __LINE__)

#define R (f.r)
#define OPEN(rules) CU_ASSERT_FATAL(th_fx_open(&f, rules))
#define NEW_CART() CU_ASSERT(th_fx_new_cart(&f))
#define CART(spec) th_fx_cart(&f, spec)
#define RECART(spec) th_fx_recart(&f, spec)
#define SET(field, v) CU_ASSERT_EQUAL(ec_cart_set_##field(f.cart, v, NULL), EC_OK)
#define PRICE_OK() EXPECT_ERR(th_fx_price(&f), f.e, EC_OK, "")
#define PRICE_FAILS(status, field) EXPECT_ERR(th_fx_price(&f), f.e, status, field)
#define UNIT(i, want) th_expect_unit(R, i, want, __FILE__, __LINE__)
#define DISCS(i, want) th_expect_discounts(R, i, want, __FILE__, __LINE__)
#define PROMOS(want) th_expect_promos(R, want, __FILE__, __LINE__)
#define COUPONS(want) th_expect_coupons(R, want, __FILE__, __LINE__)
#define TOTALS(want) th_expect_totals(R, want, __FILE__, __LINE__)
#define SHIP(want) th_expect_shipping(R, want, __FILE__, __LINE__)
#define LINES(acc, want)                                                                           \
    th_expect_lines(R, ec_price_result_line_##acc, want, #acc, __FILE__, __LINE__)

#define OPEN_PROMOS(promos) CU_ASSERT_FATAL(th_open_promos(&f, promos))

/* ---- 3.1 price lists --------------------------------------------------------- */

static void test_pricing_price_list_priority_and_ties(void)
{
    th_fx f;
    OPEN("{'currency':'EUR','products':[{'sku':'A','prices':'10.00'},{'sku':'B','prices':'5.00'}],"
         "'price_lists':[{'id':'low','priority':5,'prices':[{'sku':'A','price':'7.00'}]},"
         "{'id':'z','priority':10,'prices':[{'sku':'A','price':'8.00'}]},"
         "{'id':'y','priority':10,'prices':[{'sku':'A','price':'8.50'}]},"
         "{'id':'b','priority':3,'prices':[{'sku':'B','price':'4.00'}]},"
         "{'id':'a','priority':3,'prices':[{'sku':'B','price':'4.00'}]},"
         "{'id':'c','priority':2,'prices':[{'sku':'B','price':'1.00'}]}]}");
    CART("A B*2");
    PRICE_OK();
    UNIT(0, "800@z 800"); /* priority 10 beats the cheaper 7.00; z is cheaper than y */
    UNIT(1, "400@a 400"); /* b and a tie on priority and price: the smaller id */
    LINES(subtotal, "800 800");
    TOTALS("1600 0 0 1600");
    th_fx_close(&f);
}

static void test_pricing_price_list_context_filters(void)
{
    th_fx f;
    OPEN("{'currency':'EUR','products':[{'sku':'A','prices':{'EUR':'10.00','USD':'12.00'}}],"
         "'price_lists':[{'id':'b2b','priority':9,'customer_groups':['b2b'],"
         "'prices':[{'sku':'A','price':'8.00'}]},"
         "{'id':'app','priority':8,'channels':['app'],'prices':[{'sku':'A','price':'8.50'}]},"
         "{'id':'at','priority':7,'countries':['AT'],'prices':[{'sku':'A','price':'9.00'}]},"
         "{'id':'usd','priority':9,'currency':'USD','prices':[{'sku':'A','price':'11.00'}]}]}");
    CART("A");
    PRICE_OK(); /* no context: every list filters something out */
    UNIT(0, "1000 1000");
    CART("group=b2b");
    PRICE_OK();
    UNIT(0, "800@b2b 800");
    CART("group=retail channel=app");
    PRICE_OK();
    UNIT(0, "850@app 850");
    CART("channel=web country=AT");
    PRICE_OK();
    UNIT(0, "900@at 900");
    CART("currency=USD"); /* lists in another currency never apply; USD has its own */
    PRICE_OK();
    UNIT(0, "1100@usd 1100");
    STR_EQ(ec_price_result_currency(R), "USD");
    th_fx_close(&f);
}

static void test_pricing_price_list_window_half_open(void)
{
    th_fx f;
    OPEN("{'currency':'EUR','products':[{'sku':'A','prices':'10.00'}],"
         "'price_lists':[{'id':'bf','valid_from':'2026-11-27T00:00:00Z',"
         "'valid_to':'2026-11-30T00:00:00+00:00','prices':[{'sku':'A','price':'6.00'}]}]}");
    CART("A");
    int64_t from = th_time("2026-11-27T00:00:00Z"), to = th_time("2026-11-30T00:00:00Z");
    const int64_t at[] = {from - 1, from, to - 1, to};
    const char *const want[] = {"1000 1000", "600@bf 600", "600@bf 600", "1000 1000"};
    for (int k = 0; k < 4; k++) {
        SET(at, at[k]);
        PRICE_OK();
        UNIT(0, want[k]);
    }
    th_fx_close(&f);
}

static void test_pricing_tiers(void)
{
    th_fx f;
    /* tiers out of order: the greatest min_quantity <= quantity counts */
    OPEN("{'currency':'EUR','price_lists':[{'id':'t','prices':[{'sku':'A','price':'10.00',"
         "'tiers':[{'min_quantity':5,'price':'9.00'},{'min_quantity':10,'price':'8.00'},"
         "{'min_quantity':3,'price':'9.50'}]}]},"
         /* equal priority: the lower price after tiers wins */
         "{'id':'x','prices':[{'sku':'T','price':'9.00'}]},{'id':'y','prices':[{'sku':'T',"
         "'price':'10.00','tiers':[{'min_quantity':5,'price':'8.00'}]}]}]}");
    CART("A*1 A*2 A*3 A*4 A*5 A*9 A*10 A*1000000 T*4 T*5");
    PRICE_OK();
    LINES(list_price, "1000 1000 950 950 900 900 800 800 900 800");
    LINES(subtotal, "1000 2000 2850 3800 4500 8100 8000 800000000 3600 4000");
    UNIT(8, "900@x 900"); /* 4 units: x 9.00 < y 10.00 */
    UNIT(9, "800@y 800"); /* 5 units: y's tier 8.00 < x 9.00 */
    th_fx_close(&f);
}

static void test_pricing_no_price(void)
{
    th_fx f;
    OPEN("{'currency':'EUR','products':[{'sku':'A','prices':'10.00'},"
         "{'sku':'U','prices':{'USD':'1.00'}}],"
         "'price_lists':[{'id':'usd','currency':'USD','prices':[{'sku':'L','price':'2.00'}]}]}");
    CART("A");
    PRICE_OK(); /* the product's own price when no list has the SKU */
    UNIT(0, "1000 1000");
    /* unknown; the product lacks EUR; only a USD list has it */
    const char *const carts[] = {"A NOPE NOPE", "A U NOPE", "A L NOPE"};
    for (int k = 0; k < 3; k++) {
        RECART(carts[k]);
        PRICE_FAILS(EC_NO_PRICE, "lines[1].sku"); /* the first in line order */
        EQ(ec_price_result_line_count(R), 0);     /* a failure leaves the result empty */
    }
    th_fx_close(&f);
}

/* ---- 3.1 product promotions -------------------------------------------------- */

static void test_pricing_product_promotions(void)
{
    th_fx f;
    OPEN("{'currency':'EUR','products':[{'sku':'A','prices':{'EUR':'10.00','USD':'10.00'}},"
         "{'sku':'B','prices':'9.99'},{'sku':'C','prices':'1.50'},{'sku':'D','prices':'10.00'},"
         "{'sku':'E','prices':'5.00'},{'sku':'F','prices':'10.00'},{'sku':'G','prices':'10.00'}],"
         "'promotions':[{'id':'half','level':'product','priority':1,'target':{'skus':['A']},"
         "'action':{'type':'percent_off','percent':'50'}},"
         "{'id':'b-pick','level':'product','priority':5,'target':{'skus':['A']},"
         "'action':{'type':'percent_off','percent':'10'}},"
         "{'id':'a-pick','level':'product','priority':5,'target':{'skus':['A']},"
         "'action':{'type':'percent_off','percent':'20'}},"
         "{'id':'usd-only','level':'product','priority':99,"
         "'action':{'type':'amount_off_each','amount':{'USD':'1.00'}}},"
         "{'id':'third','level':'product','priority':3,'target':{'skus':['B']},"
         "'action':{'type':'percent_off','percent':'33.33'}},"
         "{'id':'vip','level':'product','priority':50,'customer_groups':['vip'],"
         "'target':{'skus':['B']},'action':{'type':'percent_off','percent':'100'}},"
         "{'id':'two-off','level':'product','priority':3,'target':{'skus':['C','F']},"
         "'action':{'type':'amount_off_each','amount':'2.00'}},"
         "{'id':'fixed','level':'product','priority':3,'target':{'skus':['D','E']},"
         "'action':{'type':'fixed_price','price':'7.00'}},"
         "{'id':'rest','level':'product','target':{'exclude_skus':['G']},"
         "'action':{'type':'percent_off','percent':'1'}}]}");
    CART("A*2 B*2 C*2 D*2 E*2 F*2 G*2");
    PRICE_OK();
    /* usd-only (priority 99) lacks EUR and is skipped; a-pick and b-pick
     * tie on priority 5, the smaller id wins: 1000 - round(1000 * 20%) */
    UNIT(0, "1000 800@a-pick");
    UNIT(1, "999 666@third");    /* 999 - round(999 * 33.33% = 332.9667) */
    UNIT(2, "150 0@two-off");    /* max(0, 150 - 200) */
    UNIT(3, "1000 700@fixed");   /* min(1000, 700) */
    UNIT(4, "500 500@fixed");    /* min(500, 700) */
    UNIT(5, "1000 800@two-off"); /* 1000 - 200 */
    UNIT(6, "1000 1000");        /* excluded from "rest", nothing else */
    LINES(subtotal, "1600 1332 0 1400 1000 1600 2000");
    LINES(discount, "0 0 0 0 0 0 0"); /* product promotions are not discounts */
    CART("group=vip");                /* vip's context matches and outranks third */
    PRICE_OK();
    UNIT(1, "999 0@vip");
    RECART("currency=USD A"); /* in USD the all-lines amount_off_each comes first: 1000 - 100 */
    PRICE_OK();
    UNIT(0, "1000 900@usd-only");
    th_fx_close(&f);
}

/* ---- 3.2 the seven cart actions ---------------------------------------------- */

/* Price the cart under promos (th_open_promos) and compare the cart discounts
 * of lines 0 and 1, the promotions and the totals. */
static void promo_case(const char *promos, const char *cart, const char *line0, const char *line1,
                       const char *want_promos, const char *totals, unsigned at)
{
    th_fx f;
    CU_ASSERT_FATAL(th_open_promos(&f, promos));
    th_fx_cart(&f, cart);
    th_expect_error(th_fx_price(&f), &f.e, EC_OK, "", __FILE__, at);
    th_expect_discounts(f.r, 0, line0, __FILE__, at);
    th_expect_discounts(f.r, 1, line1, __FILE__, at);
    th_expect_promos(f.r, want_promos, __FILE__, at);
    th_expect_totals(f.r, totals, __FILE__, at);
    th_fx_close(&f);
}
#define PROMO_CASE(promos, cart, line0, line1, want_promos, totals)                                \
    promo_case(promos, cart, line0, line1, want_promos, totals, __LINE__)

static void test_pricing_action_percent_off(void)
{
    /* 2000 * 12.5% = 250; 1500 * 12.5% = 187.5 -> half_even 188 */
    PROMO_CASE("{'id':'P','action':{'type':'percent_off','percent':'12.5'}}", "A*2 B*3", "P=250",
               "P=188", "P=438", "3500 438 0 3062");
}

static void test_pricing_action_amount_off_each(void)
{
    /* P: A min(2000, 100*2) = 200, B min(1500, 100*3) = 300
     * Q on the nets left: A min(1800, 600*2) = 1200, B min(1200, 600*3) = 1200 */
    PROMO_CASE("{'id':'P','priority':2,'action':{'type':'amount_off_each','amount':'1.00'}},"
               "{'id':'Q','priority':1,'action':{'type':'amount_off_each','amount':'6.00'}}",
               "A*2 B*3", "P=200 Q=1200", "P=300 Q=1200", "P=500 Q=2400", "3500 2900 0 600");
}

static void test_pricing_action_amount_off_order(void)
{
    /* P: 1000 over 2000:1500 (W 3500) floors 571 (rem 1500) and 428 (rem
     * 2000): the leftover unit to B.  Q: min(5000, 1429 + 1071) takes all. */
    PROMO_CASE("{'id':'P','action':{'type':'amount_off_order','amount':'10.00'}},"
               "{'id':'Q','priority':-1,'action':{'type':'amount_off_order','amount':'50.00'}}",
               "A*2 B*3", "P=571 Q=1429", "P=429 Q=1071", "P=1000 Q=2500", "3500 3500 0 0");
}

static void test_pricing_action_fixed_price(void)
{
    /* A: 2000 - 800*2 = 400; B: max(0, 1500 - 5*800) = 0 is not listed */
    PROMO_CASE("{'id':'P','action':{'type':'fixed_price','price':'8.00'}}", "A*2 B*3", "P=400", "",
               "P=400", "3500 400 0 3100");
}

static void test_pricing_action_buy_x_get_y(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'P','action':{'type':'buy_x_get_y','buy':2,'get':1}},"
                "{'id':'H','priority':-1,'coupon':'H','action':{'type':'buy_x_get_y','buy':2,"
                "'get':1,'percent':'50','max_applications':1}}");
    CART("A*2 B*3 C");
    PRICE_OK();
    /* 6 units, k = floor(6/3) = 2: the two cheapest units are B's (500) */
    LINES(discount, "0 1000 0");
    PROMOS("P=1000 H:coupon_missing");
    CART("coupon=H"); /* then H: one application on units worth their current net:
                       * B's net 500 over 3 units is 167, 167, 166; the cheapest
                       * unit (166) at 50% is 83 */
    PRICE_OK();
    DISCS(1, "P=1000 H=83");
    th_fx_close(&f);

    OPEN_PROMOS("{'id':'P','action':{'type':'buy_x_get_y','buy':1,'get':1}}");
    CART("A*3 B"); /* k = 2 spans lines: B's one unit (500), then one A (1000) */
    PRICE_OK();
    LINES(discount, "1000 500");
    RECART("B B B"); /* equal unit prices keep cart order: the last line is cheapest */
    PRICE_OK();
    LINES(discount, "0 0 500");
    th_fx_close(&f);
}

static void test_pricing_action_tiered_percent(void)
{
    th_fx f;
    OPEN_PROMOS(
        "{'id':'P','priority':2,'action':{'type':'tiered_percent','tiers':["
        "{'min_subtotal':'100.00','percent':'10'},{'min_subtotal':'50.00','percent':'5'}]}},"
        /* the target lines' subtotals decide the tier */
        "{'id':'Q','priority':1,'target':{'skus':['A']},'action':{'type':"
        "'tiered_percent','tiers':[{'min_subtotal':'30.00','percent':'50'}]}}");
    CART("A*2 B*3"); /* 35.00: below every tier of P; Q's target A is 20.00 */
    PRICE_OK();
    PROMOS("P:min_subtotal Q:min_subtotal");
    /* 100.00 reaches the 10% tier exactly: 500 + 500; Q: A's subtotal
     * 5000 >= 3000, 50% of its net 4500 */
    RECART("A*5 B*10");
    PRICE_OK();
    PROMOS("P=1000 Q=2250");
    RECART("A*5 B"); /* 55.00: the 5% tier, 250 + 25; Q: 50% of 4750 */
    PRICE_OK();
    PROMOS("P=275 Q=2375");
    th_fx_close(&f);
}

static void test_pricing_action_free_shipping(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'F1','priority':2,'action':{'type':'free_shipping'}},"
                "{'id':'F2','priority':1,'action':{'type':'free_shipping'}}");
    CART("A*2 B*3 ship=std");
    PRICE_OK();
    SHIP("std 490 490 0 0");
    PROMOS("F1=490 F2=0"); /* the first takes it, the others add nothing */
    DISCS(0, "");
    TOTALS("3500 0 0 3500");    /* the cart's discount is the lines' only */
    SET(shipping_method, NULL); /* no method: nothing to discount */
    PRICE_OK();
    SHIP("none");
    CU_ASSERT_PTR_NULL(ec_price_result_shipping_method(R));
    PROMOS("F1=0 F2=0");
    TOTALS("3500 0 0 3500");
    th_fx_close(&f);
}

/* ---- caps, order and stacking ------------------------------------------------ */

static void test_pricing_max_discount_in_proportion(void)
{
    /* P uncapped 1000 + 750 = 1750 > 1000: 1000 over 1000:750 (W 1750)
     * floors 571 (rem 750) and 428 (rem 1000): the leftover unit to B.
     * Q: 10% of 1429 and 1071 = 142.9 -> 143 and 107.1 -> 107, under its cap */
    PROMO_CASE("{'id':'P','max_discount':'10.00','action':{'type':'percent_off','percent':'50'}},"
               "{'id':'Q','priority':-1,'max_discount':{'EUR':'20.00'},"
               "'action':{'type':'percent_off','percent':'10'}}",
               "A*2 B*3", "P=571 Q=143", "P=429 Q=107", "P=1000 Q=250", "3500 1250 0 2250");
}

static void test_pricing_promotions_apply_in_order_on_nets(void)
{
    /* Ids chosen so that id order and priority order differ.  z-first: 200
     * and 150 -> nets 1800, 1350 (W 3150); a-second 500: floors 285 (rem
     * 2250) and 214 (rem 900): A gets the leftover unit.  b-third (same
     * priority, larger id) takes nothing: no_discount, and no line lists it. */
    PROMO_CASE("{'id':'a-second','priority':5,'action':{'type':'amount_off_order','amount':"
               "'5.00'}},{'id':'z-first','priority':10,'action':{'type':'percent_off','percent':"
               "'10'}},{'id':'b-third','priority':5,'action':{'type':'percent_off','percent':'0'}}",
               "A*2 B*3", "z-first=200 a-second=286", "z-first=150 a-second=214",
               "z-first=350 a-second=500 b-third:no_discount", "3500 850 0 2650");
}

static void test_pricing_stop(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'S','priority':10,'stacking':'stop','action':{'type':'percent_off',"
                "'percent':'10'}},{'id':'T','priority':5,'action':{'type':'percent_off',"
                "'percent':'10'}},{'id':'U','priority':20,'stacking':'stop','coupon':'GO',"
                "'action':{'type':'percent_off','percent':'10'}}");
    CART("A*2 B*3");
    PRICE_OK(); /* U does not apply, so it stops nothing; S does */
    PROMOS("U:coupon_missing S=350 T:stopped");
    CART("coupon=go");
    PRICE_OK();
    PROMOS("U=350 S:stopped T:stopped");
    th_fx_close(&f);
}

/* ---- 3.3 exclusive promotions (stacked S: 10% of 3500 = 350) ----------------- */

static int open_exclusive(th_fx *f, const char *exclusives)
{
    char promos[1024];
    snprintf(promos, sizeof promos,
             "{'id':'S','priority':50,'action':{'type':'percent_off','percent':'10'}},%s",
             exclusives);
    if (!th_open_promos(f, promos)) return 0;
    th_fx_cart(f, "A*2 B*3 ship=std");
    return 1;
}
#define OPEN_EXCLUSIVE(x) CU_ASSERT_FATAL(open_exclusive(&f, x))
#define EXCL "'stacking':'exclusive','action':"

static void test_pricing_exclusive_wins_and_loses(void)
{
    th_fx f;
    OPEN_EXCLUSIVE("{'id':'X'," EXCL "{'type':'percent_off','percent':'20'}}");
    PRICE_OK();
    PROMOS("S:excluded X=700"); /* 400 + 300 > 350 */
    DISCS(0, "X=400");
    TOTALS("3500 700 0 3290"); /* 3500 - 700 + 490 */
    th_fx_close(&f);

    OPEN_EXCLUSIVE("{'id':'X'," EXCL "{'type':'percent_off','percent':'5'}}");
    PRICE_OK();
    PROMOS("S=350 X:not_best"); /* 175 < 350 */
    DISCS(0, "S=200");
    th_fx_close(&f);

    /* the shipping discount counts: free shipping's 490 beats 350 */
    OPEN_EXCLUSIVE("{'id':'X'," EXCL "{'type':'free_shipping'}}");
    PRICE_OK();
    PROMOS("S:excluded X=490");
    SHIP("std 490 490 0 0");
    TOTALS("3500 0 0 3500");
    th_fx_close(&f);
}

static void test_pricing_exclusive_ties(void)
{
    th_fx f;
    /* 3.50 off the order equals the stacked 350: the stacked set wins */
    OPEN_EXCLUSIVE("{'id':'X'," EXCL "{'type':'amount_off_order','amount':'3.50'}}");
    PRICE_OK();
    PROMOS("S=350 X:not_best");
    th_fx_close(&f);
    /* two exclusives worth 700: the earlier in promotion order wins */
    OPEN_EXCLUSIVE("{'id':'X2','priority':5," EXCL "{'type':'amount_off_order','amount':'7.00'}},"
                   "{'id':'X1','priority':10," EXCL "{'type':'percent_off','percent':'20'}}");
    PRICE_OK();
    PROMOS("S:excluded X1=700 X2:not_best");
    th_fx_close(&f);
    /* one cent more and the later one wins */
    OPEN_EXCLUSIVE("{'id':'X2','priority':5," EXCL "{'type':'amount_off_order','amount':'7.01'}},"
                   "{'id':'X1','priority':10," EXCL "{'type':'percent_off','percent':'20'}}");
    PRICE_OK();
    PROMOS("S:excluded X1:not_best X2=701");
    /* 701 over 2000:1500 (W 3500): floors 400 (rem 2000) and 300 (rem 1500) */
    LINES(discount, "401 300");
    th_fx_close(&f);
}

/* A promotion stopped inside the losing stacked set is reported as
 * excluded; one that failed its own check keeps its reason. */
static void test_pricing_exclusive_with_stop_and_failures(void)
{
    th_fx f;
    OPEN_EXCLUSIVE("{'id':'T','priority':40,'stacking':'stop','action':{'type':'percent_off',"
                   "'percent':'1'}},{'id':'U','priority':30,'action':{'type':'percent_off',"
                   "'percent':'1'}},{'id':'V','priority':20,'coupon':'V','action':{'type':"
                   "'percent_off','percent':'1'}},{'id':'X'," EXCL "{'type':'percent_off',"
                   "'percent':'20'}}");
    PRICE_OK();
    /* stacked: S 350, T 1% of 1800 and 1350 = 18 + 14 = 32, U stopped: 382 < 700 */
    PROMOS("S:excluded T:excluded U:excluded V:coupon_missing X=700");
    th_fx_close(&f);
}

/* ---- reasons, in the order of the checks ------------------------------------- */

static void test_pricing_reasons_in_check_order(void)
{
    th_fx f;
    /* each promotion fails its own check and every later one, so only the
     * order of the checks decides the reason reported */
#define LATER                                                                                      \
    "'customer_groups':['b2b'],'channels':['app'],'countries':['AT'],"                             \
    "'min_subtotal':{'USD':'1.00'},'usage_limit':0,'target':{'skus':['NONE']},"                    \
    "'min_quantity':99,'action':{'type':'percent_off','percent':'1'}}"
#define ONE "'action':{'type':'percent_off','percent':'1'}}"
    OPEN_PROMOS("{'id':'r00','priority':100,'stacking':'stop'," ONE ","
                "{'id':'r01','priority':90,'valid_from':'2027-01-01T00:00:00Z',"
                "'valid_to':'2026-01-01T00:00:00Z','coupon':'NOPE'," LATER ","
                /* r02 ends and r03 starts at the cart's instant */
                "{'id':'r02','priority':89,'valid_to':'2026-11-28T10:00:00Z',"
                "'coupon':'NOPE'," LATER ","
                "{'id':'r03','priority':88,'valid_from':'2026-11-28T10:00:00Z',"
                "'coupon':'NOPE'," LATER ","
                "{'id':'r04','priority':87," LATER ","
                "{'id':'r05','priority':86,'channels':['app'],'countries':['AT'],"
                "'min_subtotal':{'USD':'1'},'usage_limit':0," ONE ","
                "{'id':'r06','priority':85,'countries':['AT'],'usage_limit':0,"
                "'action':{'type':'amount_off_each','amount':{'USD':'1'}}},"
                "{'id':'r07','priority':84,'usage_limit':5,'max_discount':{'USD':'1'}," ONE ","
                "{'id':'r08','priority':83,'usage_limit':5,'min_subtotal':'35.01',"
                "'target':{'skus':['NONE']}," ONE ","
                "{'id':'r09','priority':82,'min_subtotal':'35.01','target':{'skus':['C']},"
                "'min_quantity':9," ONE ","
                "{'id':'r10','priority':81,'target':{'skus':['C']},'min_quantity':9," ONE ","
                "{'id':'r11','priority':80,'target':{'skus':['A']},'min_quantity':3," ONE ","
                /* min_subtotal reached exactly and min_quantity met: only stopped */
                "{'id':'r12','priority':79,'min_subtotal':'35.00','target':{'skus':['A']},"
                "'min_quantity':2," ONE);
#undef LATER
#undef ONE
    CART("A*2 B*3 group=retail channel=web country=DE uses.r07=5 uses.r08=5");
    PRICE_OK();
    PROMOS("r00=35 r01:not_started r02:expired r03:coupon_missing r04:customer_group "
           "r05:channel r06:country r07:currency r08:usage_limit_reached r09:min_subtotal "
           "r10:no_target_lines r11:min_quantity r12:stopped");
    th_fx_close(&f);
}

static void test_pricing_usage_limit(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'U','usage_limit':5,'action':{'type':'percent_off','percent':'10'}},"
                "{'id':'Z','usage_limit':0,'action':{'type':'percent_off','percent':'10'}}");
    CART("A*2 B*3");
    PRICE_OK(); /* no count given: U is unused; a limit of 0 is already reached */
    PROMOS("U=350 Z:usage_limit_reached");
    const int64_t uses[] = {4, 5, 6, 4}; /* the last replaces the 6 */
    for (int k = 0; k < 4; k++) {
        CU_ASSERT_EQUAL(ec_cart_set_promotion_uses(f.cart, "U", uses[k], NULL), EC_OK);
        PRICE_OK();
        PROMOS(uses[k] < 5 ? "U=350 Z:usage_limit_reached"
                           : "U:usage_limit_reached Z:usage_limit_reached");
    }
    th_fx_close(&f);
}

static void test_pricing_coupons(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'W','priority':2,'coupon':'WELCOME5','action':{'type':'percent_off',"
                "'percent':'10'}},{'id':'V','priority':1,'coupon':'vip','min_subtotal':'1000.00',"
                "'action':{'type':'percent_off','percent':'10'}}");
    CART("A*2 B*3");
    PRICE_OK();
    COUPONS("");
    CART("coupon=welcome5 coupon=NOPE coupon=VIP coupon=WELCOME5 coupon=nope coupon=Vip");
    PRICE_OK();
    PROMOS("W=350 V:min_subtotal"); /* matched case-insensitively */
    /* each code once, as first written, in cart order */
    COUPONS("welcome5:applied NOPE:unknown VIP:not_applicable");
    th_fx_close(&f);
}

/* Codes are matched once per cart through the ruleset's coupon index: one
 * code in several promotions (in any case) is applied when any of them is;
 * only ASCII letters fold, so "\303\244bc" (a-umlaut) is not "\303\204BC". */
static void test_pricing_coupons_shared_codes(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'X','priority':3,'coupon':'Shared','target':{'skus':['C']},"
                "'action':{'type':'percent_off','percent':'10'}},"
                "{'id':'Y','priority':2,'coupon':'SHARED','action':{'type':'percent_off',"
                "'percent':'10'}},{'id':'Z','priority':1,'coupon':'\303\204BC','target':{'skus':"
                "['C']},'action':{'type':'percent_off','percent':'10'}}");
    CART("A*2 B*3 coupon=sHaReD coupon=\303\244bc coupon=shared coupon=\303\204BC");
    PRICE_OK();
    PROMOS("X:no_target_lines Y=350 Z:no_target_lines");
    COUPONS("sHaReD:applied \303\244bc:unknown \303\204BC:not_applicable");
    RECART("A coupon=other coupon=OTHER");
    PRICE_OK();
    PROMOS("X:coupon_missing Y:coupon_missing Z:coupon_missing");
    COUPONS("other:unknown");
    th_fx_close(&f);
}

/* ---- targets ----------------------------------------------------------------- */

static void test_pricing_targets(void)
{
    th_fx f;
    OPEN("{'currency':'EUR','products':[{'sku':'SHOE-1','prices':'10.00','categories':['shoes']},"
         "{'sku':'SHOE-2','prices':'20.00','categories':['shoes']},{'sku':'SOCK-1','prices':'5.00',"
         "'categories':['socks']},{'sku':'SHOEHORN','prices':'3.00'}],'promotions':["
         "{'id':'cat','priority':3,'target':{'categories':['shoes'],'exclude_skus':['SHOE-2']},"
         "'action':{'type':'percent_off','percent':'10'}},"
         /* unanchored: 'OE-' matches inside SHOE-1 and SHOE-2, not SHOEHORN */
         "{'id':'pat','priority':2,'target':{'sku_pattern':'OE-'},"
         "'action':{'type':'amount_off_each','amount':'1.00'}},"
         "{'id':'all-but','priority':1,'target':{'exclude_skus':['SOCK-1']},"
         "'action':{'type':'percent_off','percent':'50'}},"
         "{'id':'skus','target':{'skus':['SOCK-1','GONE']},"
         "'action':{'type':'amount_off_each','amount':'0.01'}}]}");
    CART("SHOE-1 SHOE-2 SOCK-1 SHOEHORN");
    PRICE_OK();
    DISCS(0, "cat=100 pat=100 all-but=400"); /* 1000 -> 900 -> 800 -> 400 */
    DISCS(1, "pat=100 all-but=950");         /* 2000 -> 1900 -> 950 */
    DISCS(2, "skus=1");
    DISCS(3, "all-but=150");
    TOTALS("3800 1801 0 1999"); /* 600 + 1050 + 1 + 150 */
    RECART("SOCK-1*2");         /* with only the sock, only the SKU list targets anything */
    PRICE_OK();
    PROMOS("cat:no_target_lines pat:no_target_lines all-but:no_target_lines skus=2");
    th_fx_close(&f);
}

/* ---- 3.4 shipping ------------------------------------------------------------ */

static int open_shipping(th_fx *f)
{
    return th_fx_open(
        f, "{'currency':'EUR','products':[{'sku':'A','prices':'10.00'},{'sku':'N','prices':"
           "'49.99'},{'sku':'F','prices':'50.00'}],'shipping':[{'id':'std','prices':{'EUR':"
           "'4.90','USD':'5.00'},'free_over':'50.00','countries':['DE','AT']},{'id':'usd',"
           "'prices':{'USD':'3.00'}}],'promotions':[{'id':'ten','coupon':'TEN','action':"
           "{'type':'percent_off','percent':'10'}}]}");
}

static void test_pricing_shipping_free_over(void)
{
    th_fx f;
    CU_ASSERT_FATAL(open_shipping(&f));
    RECART("N ship=std country=DE"); /* 49.99 < 50.00 */
    PRICE_OK();
    SHIP("std 490 0 0 490");
    TOTALS("4999 0 0 5489");
    RECART("F ship=std country=AT"); /* reaching free_over exactly is free */
    PRICE_OK();
    SHIP("std 0 0 0 0");
    TOTALS("5000 0 0 5000");
    RECART("A*5 ship=std country=DE coupon=TEN"); /* nets after promotions: 5000 - 10% */
    PRICE_OK();
    SHIP("std 490 0 0 490");
    TOTALS("5000 500 0 4990");
    th_fx_close(&f);
}

static void test_pricing_shipping_errors(void)
{
    th_fx f;
    CU_ASSERT_FATAL(open_shipping(&f));
    RECART("A ship=express country=DE");
    PRICE_FAILS(EC_UNKNOWN_SHIPPING_METHOD, "shipping_method");
    RECART("A ship=STD country=DE"); /* method ids are exact */
    PRICE_FAILS(EC_UNKNOWN_SHIPPING_METHOD, "shipping_method");
    RECART("A ship=std country=FR");
    PRICE_FAILS(EC_SHIPPING_UNAVAILABLE, "shipping_method");
    RECART("A ship=std"); /* a method limited to countries needs one */
    PRICE_FAILS(EC_SHIPPING_UNAVAILABLE, "shipping_method");
    RECART("A ship=usd country=DE");
    PRICE_FAILS(EC_NO_PRICE, "shipping_method");
    RECART("A country=FR"); /* no method: no shipping at all */
    PRICE_OK();
    SHIP("none");
    EQ(ec_price_result_shipping_price(R), 0);
    EQ(ec_price_result_shipping_total(R), 0);
    th_fx_close(&f);
}

/* ---- 3.5 tax ----------------------------------------------------------------- */

/* A 10.01 and G 11.90 standard, R 10.00 reduced, Z in a category without
 * any rate; shipping "std" 4.90 in category "ship", "plain" 4.90 standard.
 * The cart's country is DE. */
static int open_tax(th_fx *f, const char *settings)
{
    char doc[2048];
    snprintf(doc, sizeof doc,
             "{'currency':'EUR',%s'tax':[{'category':'standard','country':'DE','percent':'19'},"
             "{'category':'standard','country':'*','percent':'20'},"
             "{'category':'reduced','country':'DE','percent':'7'},"
             "{'category':'ship','country':'DE','percent':'19'}],"
             "'products':[{'sku':'A','prices':'10.01'},{'sku':'G','prices':'11.90'},"
             "{'sku':'R','prices':'10.00','tax_category':'reduced'},"
             "{'sku':'Z','prices':'1.00','tax_category':'zero'}],"
             "'shipping':[{'id':'std','prices':'4.90','tax_category':'ship'},"
             "{'id':'plain','prices':'4.90'}]}",
             settings);
    return th_fx_open(f, doc) && ec_cart_set_country(f->cart, "DE", NULL) == EC_OK;
}
#define OPEN_TAX(settings) CU_ASSERT_FATAL(open_tax(&f, settings))

static void test_pricing_tax_exclusive_line(void)
{
    th_fx f;
    OPEN_TAX("");
    CART("A R ship=std");
    PRICE_OK();
    EQ(ec_price_result_line_tax_percent(R, 0), 190000); /* millionths */
    EQ(ec_price_result_line_tax_percent(R, 1), 70000);
    LINES(tax, "190 70"); /* 1001 * 19% = 190.19; 1000 * 7% */
    LINES(total, "1191 1070");
    SHIP("std 490 0 93 583"); /* 490 * 19% = 93.1 */
    TOTALS("2001 0 353 2844");
    th_fx_close(&f);
}

/* Price cart (shipped with method) under open_tax(settings) and compare
 * the line taxes, the shipping and the totals. */
static void tax_case(const char *settings, const char *cart, const char *method, const char *taxes,
                     const char *ship, const char *totals, unsigned at)
{
    th_fx f;
    CU_ASSERT_FATAL(open_tax(&f, settings));
    th_fx_cart(&f, cart);
    CU_ASSERT_EQUAL(ec_cart_set_shipping_method(f.cart, method, NULL), EC_OK);
    th_expect_error(th_fx_price(&f), &f.e, EC_OK, "", __FILE__, at);
    th_expect_lines(f.r, ec_price_result_line_tax, taxes, "tax", __FILE__, at);
    th_expect_shipping(f.r, ship, __FILE__, at);
    th_expect_totals(f.r, totals, __FILE__, at);
    th_fx_close(&f);
}
#define TAX_CASE(settings, cart, method, taxes, ship, totals)                                      \
    tax_case(settings, cart, method, taxes, ship, totals, __LINE__)

static void test_pricing_tax_exclusive_total(void)
{
    /* 19% groups the A lines and shipping (another category, same percent):
     * round(3493 * 19% = 663.67) = 664 over 1001:1001:1001:490 floors
     * 190 190 190 93 (rems 994 994 994 511): one leftover unit to line 0.
     * 7%: R alone, 70.  Rounded per line it would be 190 x3 and 93. */
    TAX_CASE("'tax_rounding':'total',", "A A A R", "std", "191 190 190 70", "std 490 0 93 583",
             "4003 0 734 5227");
}

static void test_pricing_tax_inclusive_line(void)
{
    /* 1190 - round(1000), 1001 - round(841.18), 1000 - round(934.58);
     * shipping 490 - round(411.76).  Totals are the nets: tax is inside. */
    TAX_CASE("'prices_include_tax':true,", "G A R", "std", "190 160 65", "std 490 0 78 490",
             "3191 0 493 3681");
}

static void test_pricing_tax_inclusive_total(void)
{
    /* G = 3003: 3003 - round(2523.53) = 479 over three equal nets: 159
     * each and the two leftover units to the first two (per line 160 x3) */
    TAX_CASE("'prices_include_tax':true,'tax_rounding':'total',", "A A A", NULL, "160 160 159",
             "none", "3003 0 479 3003");
}

static void test_pricing_tax_rates_and_fallback(void)
{
    th_fx f;
    OPEN_TAX("");
    CART("country=FR A ship=plain");
    PRICE_OK(); /* no FR rate: the "*" entry, 20% */
    EQ(ec_price_result_line_tax_percent(R, 0), 200000);
    LINES(tax, "200");          /* 1001 * 20% = 200.2 */
    SHIP("plain 490 0 98 588"); /* standard: 490 * 20% */
    SET(country, NULL);
    PRICE_OK(); /* no country at all: "*" too */
    LINES(tax, "200");
    CART("ship=std"); /* "ship" has a DE rate only */
    PRICE_FAILS(EC_NO_TAX_RATE, "shipping_method");
    RECART("country=FR A R"); /* reduced has a DE rate only */
    PRICE_FAILS(EC_NO_TAX_RATE, "lines[1].sku");
    RECART("country=DE Z");
    PRICE_FAILS(EC_NO_TAX_RATE, "lines[0].sku");
    th_fx_close(&f);
}

static void test_pricing_no_tax_entries(void)
{
    th_fx f;
    OPEN_PROMOS("");
    CART("A*2 B*3 ship=std country=XX");
    PRICE_OK();
    LINES(tax, "0 0");
    EQ(ec_price_result_line_tax_percent(R, 1), 0);
    SHIP("std 490 0 0 490");
    TOTALS("3500 0 0 3990");
    th_fx_close(&f);
}

/* ---- rounding modes ---------------------------------------------------------- */

static void test_pricing_rounding_modes(void)
{
    /* 50% of 0.05 = 2.5 cents and of 0.15 = 7.5 cents */
    static const char *const cases[][2] = {
        {"half_even", "2 8"}, {"half_up", "3 8"}, {"half_down", "2 7"}, {"up", "3 8"},
        {"down", "2 7"},      {"ceiling", "3 8"}, {"floor", "2 7"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char doc[512];
        snprintf(doc, sizeof doc,
                 "{'currency':'EUR','rounding':'%s','products':[{'sku':'H','prices':'0.05'},"
                 "{'sku':'I','prices':'0.15'}],'promotions':[{'id':'P',"
                 "'action':{'type':'percent_off','percent':'50'}}]}",
                 cases[k][0]);
        th_fx f;
        OPEN(doc);
        CART("H I");
        PRICE_OK();
        LINES(discount, cases[k][1]);
        th_fx_close(&f);
    }
}

/* ---- errors ------------------------------------------------------------------ */

static void test_pricing_error_precedence(void)
{
    th_fx f;
    OPEN("{'currency':'EUR','tax':[{'category':'reduced','country':'DE','percent':'7'}],"
         "'products':[{'sku':'A','prices':'1.00'}],'shipping':[{'id':'std','prices':'1.00'}]}");
    CART("country=DE ship=express A NOPE1 NOPE2");
    /* unit prices first (in line order), then the method, then tax */
    PRICE_FAILS(EC_NO_PRICE, "lines[1].sku");
    RECART("country=DE ship=express A");
    PRICE_FAILS(EC_UNKNOWN_SHIPPING_METHOD, "shipping_method");
    CART("ship=std");
    PRICE_FAILS(EC_NO_TAX_RATE, "lines[0].sku");
    th_fx_close(&f);
}

static void test_pricing_incomplete_cart_and_misuse(void)
{
    th_fx f;
    OPEN_PROMOS("");
    PRICE_FAILS(EC_INVALID_FIELD, "lines");
    ec_cart_reset(f.cart);
    CART("A");
    PRICE_FAILS(EC_INVALID_FIELD, "currency");
    CART("currency=EUR");
    PRICE_FAILS(EC_INVALID_FIELD, "at");
    ec_error e = th_error();
    EXPECT_ERR(ec_price_cart(NULL, f.cart, R, &e), e, EC_MISUSE, "");
    e = th_error();
    EXPECT_ERR(ec_price_cart(f.rs, NULL, R, &e), e, EC_MISUSE, "");
    e = th_error();
    EXPECT_ERR(ec_price_cart(f.rs, f.cart, NULL, &e), e, EC_MISUSE, "");
    EQ(ec_price_cart(NULL, NULL, NULL, NULL), EC_MISUSE);
    ec_price_result_free(NULL);
    th_fx_close(&f);
}

static void test_pricing_overflow(void)
{
    th_fx f;
    /* INT64_MAX cents, 5e18 and INT64_MAX - 7 cents */
    OPEN("{'currency':'EUR','products':[{'sku':'MAX','prices':'92233720368547758.07'},"
         "{'sku':'BIG','prices':'50000000000000000.00'},{'sku':'NEAR','prices':"
         "'92233720368547758.00'}],'shipping':[{'id':'one','prices':'1.00'}],"
         "'tax':[{'category':'standard','country':'*','percent':'0'}]}");
    CART("MAX");
    PRICE_OK(); /* one unit fits exactly */
    TOTALS("9223372036854775807 0 0 9223372036854775807");
    RECART("MAX*2"); /* unit price times quantity */
    PRICE_FAILS(EC_OVERFLOW, "lines[0].quantity");
    RECART("BIG BIG"); /* 1e19: the cart subtotal */
    EQ(th_fx_price(&f), EC_OVERFLOW);
    EQ(f.e.code, EC_OVERFLOW);
    RECART("NEAR ship=one"); /* the cart total: INT64_MAX - 7 + 100 */
    EQ(th_fx_price(&f), EC_OVERFLOW);
    EQ(f.e.code, EC_OVERFLOW);
    th_fx_close(&f);
    /* every overflow fills err, here the "total" tax base INT64_MAX - 7 + 100 */
    OPEN("{'currency':'EUR','tax_rounding':'total','products':[{'sku':'NEAR','prices':"
         "'92233720368547758.00'}],'shipping':[{'id':'one','prices':'1.00'}],"
         "'tax':[{'category':'standard','country':'*','percent':'0'}]}");
    CART("NEAR ship=one");
    EQ(th_fx_price(&f), EC_OVERFLOW);
    EQ(f.e.code, EC_OVERFLOW);
    th_fx_close(&f);
    /* net or fee plus tax: 9e18 + 19% = 1.071e19 (a line, then shipping) */
    OPEN("{'currency':'EUR','products':[{'sku':'NINE','prices':'90000000000000000.00'},"
         "{'sku':'CENT','prices':'0.01'}],'shipping':[{'id':'huge','prices':"
         "'90000000000000000.00'}],'tax':[{'category':'standard','country':'*','percent':'19'}]}");
    CART("NINE");
    EQ(th_fx_price(&f), EC_OVERFLOW);
    EQ(f.e.code, EC_OVERFLOW);
    RECART("CENT ship=huge");
    EQ(th_fx_price(&f), EC_OVERFLOW);
    EQ(f.e.code, EC_OVERFLOW);
    th_fx_close(&f);
}

/* ---- the result object ------------------------------------------------------- */

static void test_pricing_result_reuse(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'W','coupon':'W','action':{'type':'percent_off','percent':'10'}}");
    CART("A*2 B*3 C coupon=W ship=std");
    PRICE_OK();
    EQ(ec_price_result_line_count(R), 3);
    TOTALS("5500 550 0 5440");
    RECART("C"); /* a smaller cart through the same result: nothing stale */
    PRICE_OK();
    EQ(ec_price_result_line_count(R), 1);
    STR_EQ(ec_price_result_line_sku(R, 0), "C");
    CU_ASSERT_PTR_NULL(ec_price_result_line_sku(R, 1));
    DISCS(0, "");
    PROMOS("W:coupon_missing");
    COUPONS("");
    SHIP("none");
    EQ(ec_price_result_shipping_price(R), 0);
    TOTALS("2000 0 0 2000");
    CART("NOPE"); /* a failure empties it */
    PRICE_FAILS(EC_NO_PRICE, "lines[1].sku");
    EQ(ec_price_result_line_count(R), 0);
    EQ(ec_price_result_promotion_count(R), 0);
    CU_ASSERT_PTR_NULL(ec_price_result_currency(R));
    TOTALS("0 0 0 0");
    th_fx_close(&f);
}

static void test_pricing_accessors_out_of_range(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'P','action':{'type':'percent_off','percent':'10'}}");
    CU_ASSERT_PTR_NULL(ec_price_result_currency(R)); /* never priced */
    EQ(ec_price_result_line_count(R), 0);
    CART("A coupon=X");
    PRICE_OK();
    STR_EQ(ec_price_result_currency(R), "EUR");
    EQ(ec_price_result_exponent(R), 2);
    STR_EQ(ec_price_result_line_sku(R, 0), "A");
    EQ(ec_price_result_line_quantity(R, 0), 1);
    th_expect_no_line(R, 1, __FILE__, __LINE__);
    th_expect_no_line(R, SIZE_MAX, __FILE__, __LINE__);
    CU_ASSERT_PTR_NULL(ec_price_result_line_discount_promotion(R, 0, 1));
    EQ(ec_price_result_line_discount_amount(R, 0, 1), 0);
    CU_ASSERT_PTR_NULL(ec_price_result_promotion_id(R, 1));
    EQ(ec_price_result_promotion_applied(R, 1), 0);
    EQ(ec_price_result_promotion_amount(R, 1), 0);
    CU_ASSERT_PTR_NULL(ec_price_result_promotion_reason(R, 1));
    CU_ASSERT_PTR_NULL(ec_price_result_coupon_code(R, 1));
    CU_ASSERT_PTR_NULL(ec_price_result_coupon_status(R, 1));
    TOTALS("1000 100 0 900");
    th_fx_close(&f);
    f.r = NULL; /* a NULL result reads as empty */
    CU_ASSERT_PTR_NULL(ec_price_result_currency(NULL));
    TOTALS("0 0 0 0");
    SHIP("none");
    th_expect_no_line(NULL, 0, __FILE__, __LINE__);
    EQ(ec_price_result_line_count(NULL), 0);
    EQ(ec_price_result_exponent(NULL), -1);
    EQ(ec_price_result_promotion_count(NULL), 0);
    CU_ASSERT_PTR_NULL(ec_price_result_promotion_reason(NULL, 0));
    CU_ASSERT_PTR_NULL(ec_price_result_coupon_status(NULL, 0));
}

static void test_pricing_minor_units_follow_currency(void)
{
    th_fx f;
    OPEN("{'currency':'JPY','products':[{'sku':'A','prices':{'JPY':'1000','KWD':'1.250'}}],"
         "'promotions':[{'id':'P','action':{'type':'percent_off','percent':'12.5'}}]}");
    CART("currency=JPY A*3");
    PRICE_OK();
    EQ(ec_price_result_exponent(R), 0);
    TOTALS("3000 375 0 2625"); /* 3000 * 12.5% */
    CART("currency=KWD");
    PRICE_OK();
    EQ(ec_price_result_exponent(R), 3);
    TOTALS("3750 469 0 3281"); /* 3750 * 12.5% = 468.75 */
    th_fx_close(&f);
}

/* Promotions that target every line share one target list until their
 * exclude_skus hit a line of the cart; then each takes a list of its own,
 * and ten lines with five such promotions need more room than the lines'
 * own targets (the lists must not overrun one another). */
static void test_pricing_all_lines_exclusions(void)
{
    th_fx f;
    char doc[4096] = "{'currency':'EUR','products':[";
    for (char c = 'A'; c <= 'J'; c++) {
        char item[80];
        snprintf(item, sizeof item, "%s{'sku':'%c','prices':'10.00'}", c > 'A' ? "," : "", c);
        strcat(doc, item);
    }
    strcat(doc, "],'promotions':[");
    for (char c = 'A'; c <= 'E'; c++) {
        char item[160];
        snprintf(item, sizeof item,
                 "%s{'id':'E%c','target':{'exclude_skus':['%c','Z']},"
                 "'action':{'type':'amount_off_each','amount':'1.00'}}",
                 c > 'A' ? "," : "", c, c);
        strcat(doc, item);
    }
    strcat(doc, ",{'id':'F','target':{'exclude_skus':['Z']},'min_quantity':10,"
                "'action':{'type':'amount_off_each','amount':'0.50'}}]}");
    OPEN(doc);
    CART("A B C D E F G H I J");
    PRICE_OK();
    PROMOS("EA=900 EB=900 EC=900 ED=900 EE=900 F=500");
    DISCS(0, "EB=100 EC=100 ED=100 EE=100 F=50");
    DISCS(4, "EA=100 EB=100 EC=100 ED=100 F=50");
    DISCS(9, "EA=100 EB=100 EC=100 ED=100 EE=100 F=50");
    TOTALS("10000 5000 0 5000");
    RECART("A B*9"); /* F: the shared list, the quantity of every line */
    PRICE_OK();
    PROMOS("EA=900 EB=100 EC=1000 ED=1000 EE=1000 F=500");
    RECART("A B*8");
    PRICE_OK();
    PROMOS("EA=800 EB=100 EC=900 ED=900 EE=900 F:min_quantity");
    th_fx_close(&f);
}

static CU_TestInfo unit_price_tests[] = {
    {"price_list_priority_and_ties", test_pricing_price_list_priority_and_ties},
    {"price_list_context_filters", test_pricing_price_list_context_filters},
    {"price_list_window_half_open", test_pricing_price_list_window_half_open},
    {"tiers", test_pricing_tiers},
    {"no_price", test_pricing_no_price},
    {"product_promotions", test_pricing_product_promotions},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo promotion_tests[] = {
    {"all_lines_exclusions", test_pricing_all_lines_exclusions},
    {"action_percent_off", test_pricing_action_percent_off},
    {"action_amount_off_each", test_pricing_action_amount_off_each},
    {"action_amount_off_order", test_pricing_action_amount_off_order},
    {"action_fixed_price", test_pricing_action_fixed_price},
    {"action_buy_x_get_y", test_pricing_action_buy_x_get_y},
    {"action_tiered_percent", test_pricing_action_tiered_percent},
    {"action_free_shipping", test_pricing_action_free_shipping},
    {"max_discount_in_proportion", test_pricing_max_discount_in_proportion},
    {"promotions_apply_in_order_on_nets", test_pricing_promotions_apply_in_order_on_nets},
    {"stop", test_pricing_stop},
    {"exclusive_wins_and_loses", test_pricing_exclusive_wins_and_loses},
    {"exclusive_ties", test_pricing_exclusive_ties},
    {"exclusive_with_stop_and_failures", test_pricing_exclusive_with_stop_and_failures},
    {"reasons_in_check_order", test_pricing_reasons_in_check_order},
    {"usage_limit", test_pricing_usage_limit},
    {"coupons", test_pricing_coupons},
    {"coupons_shared_codes", test_pricing_coupons_shared_codes},
    {"targets", test_pricing_targets},
    {"rounding_modes", test_pricing_rounding_modes},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo shipping_tax_tests[] = {
    {"shipping_free_over", test_pricing_shipping_free_over},
    {"shipping_errors", test_pricing_shipping_errors},
    {"tax_exclusive_line", test_pricing_tax_exclusive_line},
    {"tax_exclusive_total", test_pricing_tax_exclusive_total},
    {"tax_inclusive_line", test_pricing_tax_inclusive_line},
    {"tax_inclusive_total", test_pricing_tax_inclusive_total},
    {"tax_rates_and_fallback", test_pricing_tax_rates_and_fallback},
    {"no_tax_entries", test_pricing_no_tax_entries},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo result_tests[] = {
    {"error_precedence", test_pricing_error_precedence},
    {"incomplete_cart_and_misuse", test_pricing_incomplete_cart_and_misuse},
    {"overflow", test_pricing_overflow},
    {"result_reuse", test_pricing_result_reuse},
    {"accessors_out_of_range", test_pricing_accessors_out_of_range},
    {"minor_units_follow_currency", test_pricing_minor_units_follow_currency},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_pricing_suites[] = {
    {.pName = "pricing.unit_price", .pTests = unit_price_tests},
    {.pName = "pricing.promotions", .pTests = promotion_tests},
    {.pName = "pricing.shipping_tax", .pTests = shipping_tax_tests},
    {.pName = "pricing.result", .pTests = result_tests},
    CU_SUITE_INFO_NULL,
};
