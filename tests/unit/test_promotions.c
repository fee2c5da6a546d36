/* test_promotions.c - promotions that combine, limit and reward: groups,
 * exclude_discounted, coupon code lists and code_usage_limit,
 * usage_limit_per_customer, budgets, reward_target, units worth their
 * current net, no_discount; what a service reads to keep its counts; and
 * the refusals of the new keys with their paths.
 *
 * The products are those of th_open_promos (helpers.h): A 10.00 (category
 * x), B 5.00 (y), C 20.00 (x), shipping "std" 4.90, no tax.  Amounts are
 * cents, each worked out by hand beside it.  Summaries as in
 * test_pricing.c: PROMOS("P=350 Q:stopped"), DISCS(0, "P=200"),
 * COUPONS("X:applied"), LINES(discount, "200 150"). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

#define EXPECT_ERR(st, e, status, field)                                                           \
    th_expect_error(st, &(e), status, field, __FILE__, __LINE__)
#define EQ(a, b) th_expect_i64((int64_t)(a), (int64_t)(b), #a, __FILE__, __LINE__)
#define STR_EQ(a, b) th_expect_str(a, b, #a, __FILE__, __LINE__)
#define R (f.r)
#define OPEN_PROMOS(promos) CU_ASSERT_FATAL(th_open_promos(&f, promos))
#define RECART(spec) th_fx_recart(&f, spec)
#define PRICE_OK() EXPECT_ERR(th_fx_price(&f), f.e, EC_OK, "")
#define DISCS(i, want) th_expect_discounts(R, i, want, __FILE__, __LINE__)
#define PROMOS(want) th_expect_promos(R, want, __FILE__, __LINE__)
#define COUPONS(want) th_expect_coupons(R, want, __FILE__, __LINE__)
#define TOTALS(want) th_expect_totals(R, want, __FILE__, __LINE__)
#define LINES(acc, want)                                                                           \
    th_expect_lines(R, ec_price_result_line_##acc, want, #acc, __FILE__, __LINE__)

/* ---- units worth their current net; no_discount ---------------------------------- */

/* 3 units of A at 10.00, 50% off then buy 2 get 1: one line of 3 or three
 * lines of 1, the same total. */
static void test_promotions_units_worth_current_net(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'HALF','priority':2,'action':{'type':'percent_off','percent':'50'}},"
                "{'id':'B2G1','priority':1,'action':{'type':'buy_x_get_y','buy':2,'get':1}}");
    RECART("A*3");
    PRICE_OK(); /* 3000 - 1500 = 1500 over 3 units: 500 each; the cheapest is free */
    PROMOS("HALF=1500 B2G1=500");
    TOTALS("3000 2000 0 1000");
    RECART("A A A");
    PRICE_OK(); /* each line 500 after HALF; the last of equal units is the cheapest */
    PROMOS("HALF=1500 B2G1=500");
    LINES(discount, "500 500 1000");
    TOTALS("3000 2000 0 1000");
    th_fx_close(&f);
}

/* A line an earlier promotion took to 0 gives nothing to the later ones:
 * its units are buy_x_get_y's cheapest (free for nothing), an allocation
 * passes it by, a capped percent takes 0 from it. */
static void test_promotions_lines_at_zero(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'FREEB','priority':3,'target':{'skus':['B']},"
                "'action':{'type':'percent_off','percent':'100'}},"
                "{'id':'B2G1','priority':1,'action':{'type':'buy_x_get_y','buy':2,'get':1}}");
    RECART("A*2 B");
    PRICE_OK(); /* 3 units, 1 free: B's, worth 0 */
    PROMOS("FREEB=500 B2G1:no_discount");
    RECART("A*2 B C*3");
    PRICE_OK(); /* 6 units, 2 free: B's for nothing, then an A (1000 < 2000) */
    PROMOS("FREEB=500 B2G1=1000");
    LINES(discount, "1000 500 0");
    th_fx_close(&f);
    OPEN_PROMOS("{'id':'FREEB','priority':3,'target':{'skus':['B']},"
                "'action':{'type':'percent_off','percent':'100'}},"
                "{'id':'ORD','priority':2,'action':{'type':'amount_off_order','amount':'1.00'}},"
                "{'id':'CAP','priority':1,'max_discount':'1.00',"
                "'action':{'type':'percent_off','percent':'10'}}");
    RECART("A B C");
    PRICE_OK(); /* ORD by 1000:0:2000: 33.3 and 66.7, the unit left to C's larger
                 * remainder; CAP: 10% of 967 and 1933 is 97 + 193 = 290, capped to
                 * 100 by 97:193: 33.4 and 66.6, the unit left to C's again */
    PROMOS("FREEB=500 ORD=100 CAP=100");
    LINES(discount, "66 500 134");
    th_fx_close(&f);
}

/* One that takes nothing has not applied: it stops nothing, and a coupon
 * only it carries is not_applicable. */
static void test_promotions_no_discount(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'ZERO','priority':3,'coupon':'Z','stacking':'stop','target':{'skus':['B']},"
                "'action':{'type':'fixed_price','price':'9.00'}},"
                "{'id':'TEN','priority':1,'action':{'type':'percent_off','percent':'10'}}");
    RECART("A B*3 coupon=Z");
    PRICE_OK(); /* B at 5.00 is under 9.00: nothing taken, no stop; TEN: 100 + 150 */
    PROMOS("ZERO:no_discount TEN=250");
    COUPONS("Z:not_applicable");
    th_fx_close(&f);
}

/* ---- groups ------------------------------------------------------------------------ */

static void test_promotions_group_of_three(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'G1','priority':30,'group':'best','action':{'type':'percent_off',"
                "'percent':'10'}},{'id':'S','priority':25,'action':{'type':'percent_off',"
                "'percent':'10'}},{'id':'G2','priority':20,'group':'best','action':{'type':"
                "'amount_off_order','amount':'5.00'}},{'id':'G3','priority':10,'group':'best',"
                "'target':{'skus':['B']},'action':{'type':'buy_x_get_y','buy':2,'get':1}}");
    RECART("A*2 B*3");
    PRICE_OK(); /* at G1, each alone on 2000 + 1500: G1 350, G2 500, G3 one B unit 500; G2
                 * and G3 tie, the earlier wins and applies there: 500 by 2000 : 1500 is
                 * 285.7 + 214.3 -> 286 + 214; then S 10% of 1714 and 1286: 171 + 129 */
    PROMOS("G1:not_best_in_group S=300 G2=500 G3:not_best_in_group");
    DISCS(0, "G2=286 S=171");
    DISCS(1, "G2=214 S=129");
    RECART("A*2 B*3 C*3");
    PRICE_OK(); /* 9500: G1 950 beats G2 500 and G3 500; S: 10% of 1800, 1350, 5400 */
    PROMOS("G1=950 S=855 G2:not_best_in_group G3:not_best_in_group");
    th_fx_close(&f);
    /* a member that fails its own checks keeps its reason; the first member
     * need not pass for the group to be weighed at its place */
    OPEN_PROMOS("{'id':'G1','priority':30,'group':'g','coupon':'NONE','action':{'type':"
                "'percent_off','percent':'50'}},{'id':'S','priority':25,'action':{'type':"
                "'amount_off_order','amount':'10.00'}},{'id':'G2','priority':20,'group':'g',"
                "'action':{'type':'percent_off','percent':'10'}},{'id':'G3','priority':10,"
                "'group':'g','min_quantity':10,'action':{'type':'percent_off','percent':'90'}}");
    RECART("A*2 B*3");
    PRICE_OK(); /* G2 alone at G1's place: 10% of 3500 = 350, before S takes 1000 */
    PROMOS("G1:coupon_missing S=1000 G2=350 G3:min_quantity");
    th_fx_close(&f);
}

static void test_promotions_group_and_exclusive(void)
{
    th_fx f;
    OPEN_PROMOS(
        "{'id':'G1','priority':3,'group':'g','action':{'type':'percent_off','percent':'10'}},"
        "{'id':'G2','priority':2,'group':'g','action':{'type':'percent_off','percent':'5'}},"
        "{'id':'X','priority':1,'stacking':'exclusive','action':{'type':"
        "'amount_off_order','amount':'20.00'}}");
    RECART("A*2 B*3");
    PRICE_OK(); /* the stacked set is worth G1's 350; X alone 2000 wins: the set is excluded */
    PROMOS("G1:excluded G2:excluded X=2000");
    th_fx_close(&f);
}

/* ---- exclude_discounted --------------------------------------------------------------- */

static void test_promotions_exclude_discounted(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'SALE','level':'product','target':{'skus':['A']},"
                "'action':{'type':'percent_off','percent':'20'}},"
                "{'id':'HALF-B','priority':5,'coupon':'HB','target':{'skus':['B']},"
                "'action':{'type':'percent_off','percent':'50'}},"
                "{'id':'REG','priority':1,'exclude_discounted':true,"
                "'action':{'type':'percent_off','percent':'10'}}");
    RECART("A*2 B*3 C");
    PRICE_OK(); /* A is on sale (800 a unit): REG takes 10% of B 1500 and C 2000 only */
    PROMOS("HALF-B:coupon_missing REG=350");
    LINES(discount, "0 150 200");
    RECART("A*2 B*3 C coupon=HB");
    PRICE_OK(); /* HALF-B took 750 from B first: REG is left with C */
    PROMOS("HALF-B=750 REG=200");
    LINES(discount, "0 750 200");
    RECART("A*2 B*3 coupon=HB");
    PRICE_OK(); /* nothing left for REG */
    PROMOS("HALF-B=750 REG:no_target_lines");
    th_fx_close(&f);
}

/* ---- coupon lists, code and customer limits ------------------------------------------ */

static void test_promotions_coupon_lists_used_up(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'ONCE','coupon':['AAA','BBB','CCC'],'code_usage_limit':1,"
                "'action':{'type':'amount_off_order','amount':'1.00'}}");
    RECART("A coupon=aaa coupon=BBB codeuses.AAA=1");
    PRICE_OK(); /* AAA is used up (compared without case); BBB is not: it is the one used */
    PROMOS("ONCE=100");
    COUPONS("aaa:not_applicable BBB:applied");
    EQ(ec_price_result_promotion_coupon_count(R, 0), 1);
    STR_EQ(ec_price_result_promotion_coupon(R, 0, 0), "BBB");
    RECART("A coupon=AAA coupon=CCC codeuses.aaa=1 codeuses.ccc=3");
    PRICE_OK(); /* every presented code is used up */
    PROMOS("ONCE:coupon_used_up");
    COUPONS("AAA:not_applicable CCC:not_applicable");
    EQ(ec_price_result_promotion_coupon_count(R, 0), 0);
    RECART("A coupon=CCC coupon=BBB");
    PRICE_OK(); /* two codes still good: the first the cart presents is used */
    COUPONS("CCC:applied BBB:not_applicable");
    RECART("A codeuses.BBB=1");
    PRICE_OK(); /* no code at all comes first */
    PROMOS("ONCE:coupon_missing");
    th_fx_close(&f);
}

/* Ten thousand single-use codes, hashed: any one activates the promotion. */
static void test_promotions_many_codes(void)
{
    enum { NCODES = 10000 };
    char *codes = malloc((size_t)NCODES * 16 + 64), *p = codes;
    CU_ASSERT_PTR_NOT_NULL_FATAL(codes);
    for (int i = 0; i < NCODES; i++) p += sprintf(p, "%s'GIFT-%05d'", i ? "," : "", i);
    char *promo = malloc(strlen(codes) + 256);
    CU_ASSERT_PTR_NOT_NULL_FATAL(promo);
    sprintf(promo,
            "{'id':'GIFT','coupon':[%s],'code_usage_limit':1,'action':{'type':'amount_off_order',"
            "'amount':'2.00'}}",
            codes);
    th_fx f;
    OPEN_PROMOS(promo);
    RECART("A coupon=gift-09999");
    PRICE_OK();
    PROMOS("GIFT=200");
    RECART("A coupon=GIFT-04242 codeuses.gift-04242=1");
    PRICE_OK();
    PROMOS("GIFT:coupon_used_up");
    RECART("A coupon=GIFT-10000");
    PRICE_OK();
    PROMOS("GIFT:coupon_missing");
    COUPONS("GIFT-10000:unknown");
    th_fx_close(&f);
    free(promo);
    free(codes);
}

static void test_promotions_customer_limit_and_check_order(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'P','coupon':'X','usage_limit':100,'usage_limit_per_customer':1,"
                "'code_usage_limit':5,'budget':'10.00','action':{'type':'percent_off',"
                "'percent':'10'}}");
    const char *const carts[][2] = {
        {"A coupon=X customer=c1", "P=100"},
        {"A coupon=X customer=c1 cuses.P=1", "P:customer_usage_limit_reached"},
        /* every limit reached: they are checked in this order */
        {"A coupon=X uses.P=100 cuses.P=1 codeuses.X=5 spent.P=1000", "P:usage_limit_reached"},
        {"A coupon=X cuses.P=1 codeuses.X=5 spent.P=1000", "P:customer_usage_limit_reached"},
        {"A coupon=X codeuses.X=5 spent.P=1000", "P:coupon_used_up"},
        {"A coupon=X spent.P=1000", "P:budget_exhausted"},
        {"A coupon=X cuses.Q=7 uses.P=99 codeuses.Y=9", "P=100"}, /* others' counts */
    };
    for (size_t k = 0; k < sizeof carts / sizeof carts[0]; k++) {
        RECART(carts[k][0]);
        PRICE_OK();
        PROMOS(carts[k][1]);
    }
    th_fx_close(&f);
    OPEN_PROMOS("{'id':'P','usage_limit_per_customer':0,'action':{'type':'percent_off',"
                "'percent':'10'}}");
    RECART("A");
    PRICE_OK(); /* a limit of 0 is always reached */
    PROMOS("P:customer_usage_limit_reached");
    th_fx_close(&f);
}

/* ---- budgets --------------------------------------------------------------------------- */

static void test_promotions_budget_exhausted_mid_cart(void)
{
    th_fx f;
    OPEN_PROMOS("{'id':'BUD','priority':2,'budget':{'EUR':'10.00','USD':'1.00'},"
                "'action':{'type':'percent_off','percent':'20'}},"
                "{'id':'CAP','priority':1,'budget':'50.00','max_discount':'3.00',"
                "'action':{'type':'percent_off','percent':'20'}},"
                "{'id':'USD','priority':0,'budget':{'USD':'5.00'},"
                "'action':{'type':'percent_off','percent':'20'}}");
    RECART("A*2 B*3 spent.BUD=500");
    PRICE_OK(); /* 20% would be 400 + 300; 500 are left: 285.7 + 214.3 -> 286 + 214.
                 * CAP: 20% of 1714 and 1286 = 343 + 257, capped by max_discount 300 (its
                 * budget leaves 5000): 171.5 and 128.5, the leftover to the first: 172 + 128 */
    PROMOS("BUD=500 CAP=300 USD:currency"); /* USD's budget has no EUR */
    DISCS(0, "BUD=286 CAP=172");
    DISCS(1, "BUD=214 CAP=128");
    EQ(ec_price_result_promotion_line_discount(R, 0), 500); /* what the service adds to spent */
    RECART("A*2 B*3 spent.BUD=1000");
    PRICE_OK(); /* the next cart finds it spent */
    PROMOS("BUD:budget_exhausted CAP=300 USD:currency");
    RECART("A*2 B*3 spent.BUD=1200");
    PRICE_OK();
    PROMOS("BUD:budget_exhausted CAP=300 USD:currency");
    RECART("A*2 B*3 spent.BUD=990");
    PRICE_OK(); /* 10 left: 5.7 and 4.3 -> 6 + 4.  CAP on 1994 and 1496: 399 + 299 capped
                 * at 300: 171.49 and 128.51, the leftover to the larger remainder (B) */
    DISCS(0, "BUD=6 CAP=171");
    DISCS(1, "BUD=4 CAP=129");
    th_fx_close(&f);
}

/* ---- reward_target ------------------------------------------------------------------- */

static void test_promotions_reward_sets(void)
{
    th_fx f;
    /* disjoint: buy one A, get one C free */
    OPEN_PROMOS("{'id':'GIFT','target':{'skus':['A']},'action':{'type':'buy_x_get_y','buy':1,"
                "'get':1,'reward_target':{'skus':['C']}}}");
    RECART("A*2 C*3");
    PRICE_OK(); /* k = 2 A units / 1 = 2, 3 C units allow 3: two C units, 2000 each */
    LINES(discount, "0 4000");
    PROMOS("GIFT=4000");
    RECART("A C");
    PRICE_OK();
    PROMOS("GIFT=2000");
    RECART("A*2 B");
    PRICE_OK(); /* no reward line: nothing taken */
    PROMOS("GIFT:no_discount");
    RECART("C*2");
    PRICE_OK(); /* no target line */
    PROMOS("GIFT:no_target_lines");
    th_fx_close(&f);
    /* overlapping: target and reward both category x; buy 2, get 1 */
    OPEN_PROMOS("{'id':'SET','target':{'categories':['x']},'action':{'type':'buy_x_get_y',"
                "'buy':2,'get':1,'percent':'50','max_applications':2,"
                "'reward_target':{'categories':['x']}}}");
    RECART("A*2 B");
    PRICE_OK(); /* 2 target units: k = 1; the cheapest x unit (A, 1000) at 50% */
    PROMOS("SET=500");
    RECART("A*3 C*3");
    PRICE_OK(); /* 6 units: k = 3, capped at 2: the two cheapest (A) at 50% */
    LINES(discount, "1000 0");
    th_fx_close(&f);
}

/* ---- refusals -------------------------------------------------------------------------- */

static void promo_refused(const char *promo, const char *field, unsigned line)
{
    char *doc = malloc(strlen(promo) + 256);
    ec_ruleset *rs = NULL;
    ec_error e = th_error();
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    sprintf(doc, "{'currency':'EUR','products':[{'sku':'A','prices':'1.00'}],'promotions':[%s]}",
            promo);
    th_expect_error(th_rules(doc, &rs, &e), &e, EC_INVALID_FIELD, field, __FILE__, line);
    ec_ruleset_free(rs);
    free(doc);
}
#define REFUSED(promo, field) promo_refused(promo, field, __LINE__)

#define PCT "'action':{'type':'percent_off','percent':'5'}"

static void test_promotions_refusals(void)
{
    REFUSED("{'id':'P','group':'g','stacking':'exclusive'," PCT "}", "promotions[0].group");
    REFUSED("{'id':'P','coupon':[]," PCT "}", "promotions[0].coupon");
    REFUSED("{'id':'P','coupon':['A','']," PCT "}", "promotions[0].coupon[1]");
    REFUSED("{'id':'P','coupon':['A',7]," PCT "}", "promotions[0].coupon[1]");
    REFUSED("{'id':'P','code_usage_limit':2," PCT "}", "promotions[0].code_usage_limit");
    REFUSED("{'id':'P','coupon':'A','code_usage_limit':-1," PCT "}",
            "promotions[0].code_usage_limit");
    REFUSED("{'id':'P','usage_limit_per_customer':1.5," PCT "}",
            "promotions[0].usage_limit_per_customer");
    REFUSED("{'id':'P','budget':12," PCT "}", "promotions[0].budget");
    REFUSED("{'id':'P','budget':{'EUR':'1.001'}," PCT "}", "promotions[0].budget.EUR");
    REFUSED("{'id':'P','exclude_discounted':'yes'," PCT "}", "promotions[0].exclude_discounted");
    REFUSED("{'id':'P','group':''," PCT "}", "promotions[0].group");
    const char *product[] = {"'budget':'1.00'", "'group':'g'", "'exclude_discounted':true",
                             "'usage_limit_per_customer':1"};
    const char *fields[] = {"promotions[0].budget", "promotions[0].group",
                            "promotions[0].exclude_discounted",
                            "promotions[0].usage_limit_per_customer"};
    for (size_t k = 0; k < 4; k++) {
        char promo[256];
        snprintf(promo, sizeof promo, "{'id':'P','level':'product',%s," PCT "}", product[k]);
        REFUSED(promo, fields[k]);
    }
    REFUSED("{'id':'P','action':{'type':'percent_off','percent':'5','reward_target':{}}}",
            "promotions[0].action.reward_target");
    REFUSED("{'id':'P','action':{'type':'buy_x_get_y','buy':1,'get':1,'reward_target':"
            "{'colour':['red']}}}",
            "promotions[0].action.reward_target.colour");
    REFUSED("{'id':'P','action':{'type':'buy_x_get_y','buy':1,'get':1,'reward_target':"
            "{'skus':['A',3]}}}",
            "promotions[0].action.reward_target.skus[1]");
    REFUSED("{'id':'P','action':{'type':'buy_x_get_y','buy':1,'get':1,'reward_target':"
            "{'sku_pattern':'('}}}",
            "promotions[0].action.reward_target.sku_pattern");
}

/* ---- what a service reads ------------------------------------------------------------ */

static void test_promotions_service_counts(void)
{
    ec_ruleset *rs = th_load(
        "{'currency':'EUR','products':[{'sku':'A','prices':'10.00'}],'shipping':[{'id':'s',"
        "'prices':'4.90'}],'promotions':[{'id':'FREE','coupon':'SHIP','budget':{'EUR':'100.00'},"
        "'action':{'type':'free_shipping'}},{'id':'LIM','usage_limit_per_customer':2,"
        "'coupon':['X','Y'],'code_usage_limit':1,'action':{'type':'percent_off',"
        "'percent':'10'}}]}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    int64_t v = -1;
    /* document order: FREE is 0, LIM is 1 */
    EQ(ec_ruleset_promotion_customer_limit(rs, 0, &v), 0);
    EQ(ec_ruleset_promotion_customer_limit(rs, 1, &v), 1);
    EQ(v, 2);
    EQ(ec_ruleset_promotion_code_limit(rs, 1, &v), 1);
    EQ(v, 1);
    EQ(ec_ruleset_promotion_code_limit(rs, 0, NULL), 0);
    EQ(ec_ruleset_promotion_budget(rs, 0, "EUR", &v), 1);
    EQ(v, 10000);
    EQ(ec_ruleset_promotion_budget(rs, 0, "USD", &v), 2);
    EQ(ec_ruleset_promotion_budget(rs, 1, "EUR", &v), 0);
    EQ(ec_ruleset_promotion_budget(rs, 2, "EUR", &v), -1);
    EQ(ec_ruleset_promotion_customer_limit(NULL, 0, &v), -1);
    th_fx f;
    memset(&f, 0, sizeof f);
    f.rs = rs;
    f.cart = ec_cart_new();
    f.r = ec_price_result_new();
    CU_ASSERT_FATAL(f.cart && f.r);
    RECART("A ship=s coupon=SHIP coupon=y customer=c7");
    PRICE_OK();
    STR_EQ(ec_cart_customer(f.cart), "c7");
    /* FREE: amount 490, none of it line discounts (a budget counts those) */
    EQ(ec_price_result_promotion_amount(R, 0), 490);
    EQ(ec_price_result_promotion_line_discount(R, 0), 0);
    STR_EQ(ec_price_result_promotion_coupon(R, 0, 0), "SHIP");
    EQ(ec_price_result_promotion_line_discount(R, 1), 100);
    STR_EQ(ec_price_result_promotion_coupon(R, 1, 0), "y");
    STR_EQ(ec_price_result_promotion_coupon(R, 1, 1), NULL);
    STR_EQ(ec_price_result_promotion_coupon(R, 2, 0), NULL);
    EQ(ec_price_result_promotion_line_discount(NULL, 0), 0);
    th_fx_close(&f);
}

static CU_TestInfo combine_tests[] = {
    {"units_worth_current_net", test_promotions_units_worth_current_net},
    {"no_discount", test_promotions_no_discount},
    {"lines_at_zero", test_promotions_lines_at_zero},
    {"group_of_three", test_promotions_group_of_three},
    {"group_and_exclusive", test_promotions_group_and_exclusive},
    {"exclude_discounted", test_promotions_exclude_discounted},
    {"reward_sets", test_promotions_reward_sets},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo limit_tests[] = {
    {"coupon_lists_used_up", test_promotions_coupon_lists_used_up},
    {"many_codes", test_promotions_many_codes},
    {"customer_limit_and_check_order", test_promotions_customer_limit_and_check_order},
    {"budget_exhausted_mid_cart", test_promotions_budget_exhausted_mid_cart},
    {"service_counts", test_promotions_service_counts},
    {"refusals", test_promotions_refusals},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_promotions_suites[] = {
    {.pName = "promotions.combine", .pTests = combine_tests},
    {.pName = "promotions.limits", .pTests = limit_tests},
    CU_SUITE_INFO_NULL,
};
