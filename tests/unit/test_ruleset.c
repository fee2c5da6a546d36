/* test_ruleset.c - unit tests for loading a ruleset document (docs/reference/ruleset.md
 * and 2): every refusal with its status and exact field path, what counts
 * as absent, identifiers, limits, and what a loaded ruleset reports.
 *
 * Documents use single quotes for double quotes (helpers.h). */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce/json.h"
#include "ecommerce/ruleset.h"
#include "helpers.h"

#define EXPECT_ERR(st, e, status, field)                                                           \
    th_expect_error(st, &(e), status, field, __FILE__, __LINE__)
#define EQ(a, b) th_expect_i64((int64_t)(a), (int64_t)(b), #a, __FILE__, __LINE__)
#define STR_EQ(a, b) th_expect_str(a, b, #a, __FILE__, __LINE__)

/* Load a document that must be refused with status at field. */
#define REFUSED(doc, status, field)                                                                \
    do {                                                                                           \
        ec_ruleset *rs_ = (ec_ruleset *)&rs_;                                                      \
        ec_error e_ = th_error();                                                                  \
        ec_status st_ = th_rules(doc, &rs_, &e_);                                                  \
        EXPECT_ERR(st_, e_, status, field);                                                        \
        CU_ASSERT_PTR_NULL(rs_);                                                                   \
        if (st_ == EC_OK) ec_ruleset_free(rs_);                                                    \
    } while (0)

/* The message of a refusal, for the few tests that check its wording. */
static ec_error refusal(const char *doc)
{
    ec_ruleset *rs = NULL;
    ec_error e = th_error();
    if (th_rules(doc, &rs, &e) == EC_OK) ec_ruleset_free(rs);
    return e;
}

/* One promotion in an otherwise empty EUR ruleset. */
static char *with_promotion(const char *promo)
{
    static const char head[] = "{'currency':'EUR','products':[{'sku':'A','prices':'1.00'}],"
                               "'promotions':[";
    char *s = malloc(sizeof head + strlen(promo) + 3);
    if (s) sprintf(s, "%s%s]}", head, promo);
    return s;
}

#define PROMO_REFUSED(promo, status, field)                                                        \
    do {                                                                                           \
        char *d_ = with_promotion(promo);                                                          \
        REFUSED(d_, status, field);                                                                \
        free(d_);                                                                                  \
    } while (0)

/* ---- successful loads -------------------------------------------------------- */

static void test_ruleset_loads_spec_example(void)
{
    ec_ruleset *rs = th_load(th_spec_ruleset());
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    EQ(ec_ruleset_product_count(rs), 1);
    EQ(ec_ruleset_price_list_count(rs), 1);
    EQ(ec_ruleset_promotion_count(rs), 1);
    STR_EQ(ec_ruleset_currency(rs), "EUR");
    ec_ruleset_free(rs);
}

static void test_ruleset_minimal_and_counts(void)
{
    ec_ruleset *rs = th_load("{'currency':'JPY'}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    EQ(ec_ruleset_product_count(rs), 0);
    EQ(ec_ruleset_price_list_count(rs), 0);
    EQ(ec_ruleset_promotion_count(rs), 0);
    STR_EQ(ec_ruleset_currency(rs), "JPY");
    ec_ruleset_free(rs);

    /* product and cart promotions both count; a SKU may sit in several lists */
    rs = th_load(
        "{'currency':'USD','products':[{'sku':'A','prices':'1'},{'sku':'B','prices':'2'},"
        "{'sku':'C','prices':{'EUR':'3.00'}}],"
        "'price_lists':[{'id':'l1','prices':[{'sku':'A','price':'0.50'}]},"
        "{'id':'l2','prices':[{'sku':'A','price':'0.40'}]}],"
        "'promotions':[{'id':'p1','level':'product','action':{'type':'percent_off','percent':'5'}},"
        "{'id':'p2','action':{'type':'free_shipping'}},"
        "{'id':'p3','action':{'type':'amount_off_order','amount':'1'}}]}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    EQ(ec_ruleset_product_count(rs), 3);
    EQ(ec_ruleset_price_list_count(rs), 2);
    EQ(ec_ruleset_promotion_count(rs), 3);
    STR_EQ(ec_ruleset_currency(rs), "USD");
    ec_ruleset_free(rs);
}

static void test_ruleset_promotion_usage_limits(void)
{
    ec_ruleset *rs = th_load("{'currency':'EUR','promotions':["
                             "{'id':'free','action':{'type':'free_shipping'}},"
                             "{'id':'w5','coupon':'W5','usage_limit':1000,"
                             "'action':{'type':'amount_off_order','amount':'5'}},"
                             "{'id':'p','usage_limit':0,"
                             "'action':{'type':'percent_off','percent':'5'}}]}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    int seen = 0;
    for (size_t i = 0; i < ec_ruleset_promotion_count(rs); i++) {
        const char *id = NULL;
        int64_t limit = -1;
        int has = ec_ruleset_promotion_at(rs, i, &id, &limit);
        CU_ASSERT_PTR_NOT_NULL_FATAL(id);
        if (strcmp(id, "free") == 0) {
            EQ(has, 0);
            EQ(limit, -1); /* untouched without a limit */
            seen |= 1;
        } else if (strcmp(id, "w5") == 0) {
            EQ(has, 1);
            EQ(limit, 1000);
            seen |= 2;
        } else if (strcmp(id, "p") == 0) {
            EQ(has, 1);
            EQ(limit, 0);
            seen |= 4;
        }
    }
    EQ(seen, 7);
    EQ(ec_ruleset_promotion_at(rs, 3, NULL, NULL), -1);
    EQ(ec_ruleset_promotion_at(NULL, 0, NULL, NULL), -1);
    EQ(ec_ruleset_promotion_at(rs, 1, NULL, NULL) >= 0, 1); /* out pointers optional */
    ec_ruleset_free(rs);
}

static void test_ruleset_null_handling(void)
{
    ec_ruleset *rs = NULL;
    ec_error e = th_error();
    ec_ruleset_free(NULL);
    EQ(ec_ruleset_product_count(NULL), 0);
    EQ(ec_ruleset_price_list_count(NULL), 0);
    EQ(ec_ruleset_promotion_count(NULL), 0);
    CU_ASSERT_PTR_NULL(ec_ruleset_currency(NULL));
    EXPECT_ERR(ec_ruleset_from_json("{}", 2, NULL, NULL, &e), e, EC_MISUSE, "");
    e = th_error();
    EXPECT_ERR(ec_ruleset_from_json(NULL, 5, NULL, &rs, &e), e, EC_MISUSE, "");
    CU_ASSERT_PTR_NULL(rs);
    /* a NULL error is allowed: the status alone tells */
    CU_ASSERT_EQUAL(ec_ruleset_from_json("{}", 2, NULL, &rs, NULL), EC_INVALID_FIELD);
    CU_ASSERT_EQUAL(ec_ruleset_from_json("{'", 2, NULL, &rs, NULL), EC_INVALID_JSON);
    CU_ASSERT_PTR_NULL(rs);
}

/* An optional key given as null is absent (docs/reference/conventions.md). */
static void test_ruleset_null_means_absent(void)
{
    ec_ruleset *rs = th_load(
        "{'currency':'EUR','rounding':null,'prices_include_tax':null,'tax_rounding':null,"
        "'tax':null,'price_lists':null,'shipping':null,"
        "'products':[{'sku':'A','prices':'1.00','categories':null,'tax_category':null}],"
        "'promotions':[{'id':'p','name':null,'level':null,'priority':null,'stacking':null,"
        "'valid_from':null,'valid_to':null,'coupon':null,'usage_limit':null,"
        "'customer_groups':null,'channels':null,'countries':null,'min_subtotal':null,"
        "'min_quantity':null,'max_discount':null,"
        "'target':{'skus':null,'categories':null,'sku_pattern':null,'exclude_skus':null},"
        "'action':{'type':'buy_x_get_y','buy':1,'get':1,'percent':null,'max_applications':null}},"
        /* product level: null coupon and min_subtotal are absent, so allowed */
        "{'id':'q','level':'product','coupon':null,'min_subtotal':null,'usage_limit':null,"
        "'min_quantity':null,'target':null,'action':{'type':'fixed_price','price':'0.50'}}]}");
    CU_ASSERT_PTR_NOT_NULL(rs);
    EQ(ec_ruleset_promotion_count(rs), 2);
    ec_ruleset_free(rs);
    /* ...but a required key given as null is missing */
    REFUSED("{'currency':null}", EC_INVALID_FIELD, "currency");
    REFUSED("{'currency':'EUR','products':[{'sku':null,'prices':'1'}]}", EC_INVALID_FIELD,
            "products[0].sku");
    PROMO_REFUSED("{'id':'p','action':null}", EC_INVALID_FIELD, "promotions[0].action");
}

/* ---- document and settings --------------------------------------------------- */

static void test_ruleset_refuses_bad_documents(void)
{
    REFUSED("", EC_INVALID_JSON, "");
    REFUSED("{'currency':'EUR'", EC_INVALID_JSON, "");
    REFUSED("{'currency':'EUR'} x", EC_INVALID_JSON, "");
    REFUSED("[]", EC_INVALID_FIELD, "");
    REFUSED("'EUR'", EC_INVALID_FIELD, "");
}

static void test_ruleset_currency_required_and_known(void)
{
    REFUSED("{}", EC_INVALID_FIELD, "currency");
    REFUSED("{'products':[]}", EC_INVALID_FIELD, "currency");
    REFUSED("{'currency':'XYZ'}", EC_UNKNOWN_CURRENCY, "currency");
    REFUSED("{'currency':'eur'}", EC_UNKNOWN_CURRENCY, "currency");
    REFUSED("{'currency':'EURO'}", EC_UNKNOWN_CURRENCY, "currency");
    REFUSED("{'currency':978}", EC_INVALID_FIELD, "currency");
    REFUSED("{'currency':'EUR','price_lists':[{'id':'l','currency':'ABC'}]}", EC_UNKNOWN_CURRENCY,
            "price_lists[0].currency");
}

static void test_ruleset_unknown_currency_as_money_key(void)
{
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':{'EUR':'1.00','XYZ':'1.00'}}]}",
            EC_UNKNOWN_CURRENCY, "products[0].prices.XYZ");
    REFUSED("{'currency':'EUR','shipping':[{'id':'s','prices':'1.00','free_over':{'QQQ':'9'}}]}",
            EC_UNKNOWN_CURRENCY, "shipping[0].free_over.QQQ");
    PROMO_REFUSED("{'id':'p','action':{'type':'tiered_percent','tiers':[{'min_subtotal':"
                  "{'EUR':'1.00'},'percent':'1'},{'min_subtotal':{'usd':'1'},'percent':'2'}]}}",
                  EC_UNKNOWN_CURRENCY, "promotions[0].action.tiers[1].min_subtotal.usd");
}

static void test_ruleset_unknown_keys(void)
{
    REFUSED("{'currency':'EUR','foo':1}", EC_INVALID_FIELD, "foo");
    REFUSED("{'currency':'EUR','Currency':'EUR'}", EC_INVALID_FIELD, "Currency");
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':'1','price':'1'}]}",
            EC_INVALID_FIELD, "products[0].price");
    PROMO_REFUSED("{'id':'p','action':{'type':'free_shipping'}},"
                  "{'id':'q','action':{'type':'percent_off','percent':'10','foo':true}}",
                  EC_INVALID_FIELD, "promotions[1].action.foo");
    /* keys of another action type are unknown to this one */
    PROMO_REFUSED("{'id':'p','action':{'type':'percent_off','percent':'10','amount':'1'}}",
                  EC_INVALID_FIELD, "promotions[0].action.amount");
    PROMO_REFUSED("{'id':'p','target':{'sku':['A']},'action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].target.sku");
    REFUSED("{'currency':'EUR','price_lists':[{'id':'l','prices':[{'sku':'A','price':'1',"
            "'tiers':[{'min_quantity':2,'price':'1','max_quantity':3}]}]}]}",
            EC_INVALID_FIELD, "price_lists[0].prices[0].tiers[0].max_quantity");
    REFUSED("{'currency':'EUR','tax':[{'category':'s','country':'DE','percent':'1','rate':'1'}]}",
            EC_INVALID_FIELD, "tax[0].rate");
    ec_error e = refusal("{'currency':'EUR','foo':1}");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "foo"));
}

static void test_ruleset_key_given_twice(void)
{
    REFUSED("{'currency':'EUR','currency':'EUR'}", EC_INVALID_FIELD, "currency");
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':'1','sku':'B'}]}", EC_INVALID_FIELD,
            "products[0].sku");
    PROMO_REFUSED("{'id':'p','action':{'type':'percent_off','percent':'1','percent':'2'}}",
                  EC_INVALID_FIELD, "promotions[0].action.percent");
    /* in a money map the duplicate is a currency given twice */
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':{'EUR':'1','EUR':'2'}}]}",
            EC_INVALID_FIELD, "products[0].prices.EUR");
    ec_error e = refusal("{'currency':'EUR','currency':'EUR'}");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "twice"));
}

static void test_ruleset_settings_names(void)
{
    REFUSED("{'currency':'EUR','rounding':'bankers'}", EC_INVALID_FIELD, "rounding");
    REFUSED("{'currency':'EUR','rounding':'HALF_EVEN'}", EC_INVALID_FIELD, "rounding");
    REFUSED("{'currency':'EUR','tax_rounding':'lines'}", EC_INVALID_FIELD, "tax_rounding");
    REFUSED("{'currency':'EUR','prices_include_tax':'yes'}", EC_INVALID_FIELD,
            "prices_include_tax");
    REFUSED("{'currency':'EUR','prices_include_tax':1}", EC_INVALID_FIELD, "prices_include_tax");
    static const char *const modes[] = {"half_even", "half_up", "half_down", "up",
                                        "down",      "ceiling", "floor"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        char doc[96];
        snprintf(doc, sizeof doc, "{'currency':'EUR','rounding':'%s','tax_rounding':'total'}",
                 modes[i]);
        ec_ruleset *rs = th_load(doc);
        CU_ASSERT_PTR_NOT_NULL(rs);
        ec_ruleset_free(rs);
    }
}

/* ---- money and percent ------------------------------------------------------- */

static void test_ruleset_money_must_be_quoted(void)
{
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':5}]}", EC_INVALID_FIELD,
            "products[0].prices");
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':{'EUR':5.5}}]}", EC_INVALID_FIELD,
            "products[0].prices.EUR");
    PROMO_REFUSED("{'id':'p','max_discount':30,'action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].max_discount");
    ec_error e = refusal("{'currency':'EUR','products':[{'sku':'A','prices':19.99}]}");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "quote"));
}

static void test_ruleset_money_decimals_and_sign(void)
{
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':'1.234'}]}", EC_INVALID_FIELD,
            "products[0].prices");
    REFUSED("{'currency':'JPY','products':[{'sku':'A','prices':'1.5'}]}", EC_INVALID_FIELD,
            "products[0].prices");
    /* the exponent is the map key's, not the ruleset's */
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':{'JPY':'100.0'}}]}",
            EC_INVALID_FIELD, "products[0].prices.JPY");
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':'-1'}]}", EC_INVALID_FIELD,
            "products[0].prices");
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':'1e3'}]}", EC_INVALID_FIELD,
            "products[0].prices");
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':{}}]}", EC_INVALID_FIELD,
            "products[0].prices");
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':'92233720368547758.08'}]}",
            EC_OVERFLOW, "products[0].prices");
    /* a price list's money is in its currency only */
    REFUSED("{'currency':'EUR','price_lists':[{'id':'l','prices':[{'sku':'A',"
            "'price':{'USD':'1.00'}}]}]}",
            EC_INVALID_FIELD, "price_lists[0].prices[0].price");
    REFUSED("{'currency':'EUR','price_lists':[{'id':'l','currency':'KWD','prices':[{'sku':'A',"
            "'price':'1.2345'}]}]}",
            EC_INVALID_FIELD, "price_lists[0].prices[0].price");
    ec_ruleset *rs =
        th_load("{'currency':'KWD','products':[{'sku':'A','prices':'1.250'},"
                "{'sku':'B','prices':{'CLF':'0.0001','JPY':'7','EUR':'0'}}],"
                "'price_lists':[{'id':'l','prices':[{'sku':'A','price':{'KWD':'1'}}]}]}");
    CU_ASSERT_PTR_NOT_NULL(rs);
    ec_ruleset_free(rs);
}

static void test_ruleset_percent_range(void)
{
    PROMO_REFUSED("{'id':'p','action':{'type':'percent_off','percent':'100.5'}}", EC_INVALID_FIELD,
                  "promotions[0].action.percent");
    PROMO_REFUSED("{'id':'p','action':{'type':'percent_off','percent':'12.12345'}}",
                  EC_INVALID_FIELD, "promotions[0].action.percent");
    PROMO_REFUSED("{'id':'p','action':{'type':'percent_off','percent':10}}", EC_INVALID_FIELD,
                  "promotions[0].action.percent");
    PROMO_REFUSED("{'id':'p','action':{'type':'percent_off','percent':'-5'}}", EC_INVALID_FIELD,
                  "promotions[0].action.percent");
    PROMO_REFUSED("{'id':'p','action':{'type':'buy_x_get_y','buy':1,'get':1,'percent':'101'}}",
                  EC_INVALID_FIELD, "promotions[0].action.percent");
    REFUSED("{'currency':'EUR','tax':[{'category':'s','country':'DE','percent':'100.0001'}]}",
            EC_INVALID_FIELD, "tax[0].percent");
    ec_ruleset *rs = th_load("{'currency':'EUR','tax':[{'category':'s','country':'DE',"
                             "'percent':'100'},{'category':'s','country':'AT','percent':'0.0001'}],"
                             "'promotions':[{'id':'p','action':{'type':'percent_off',"
                             "'percent':'12.1234'}}]}");
    CU_ASSERT_PTR_NOT_NULL(rs);
    ec_ruleset_free(rs);
}

/* ---- enumerations and integers ----------------------------------------------- */

static void test_ruleset_promotion_names(void)
{
    PROMO_REFUSED("{'id':'p','level':'item','action':{'type':'free_shipping'}}", EC_INVALID_FIELD,
                  "promotions[0].level");
    PROMO_REFUSED("{'id':'p','stacking':'stack_all','action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].stacking");
    PROMO_REFUSED("{'id':'p','action':{'type':'percent'}}", EC_INVALID_FIELD,
                  "promotions[0].action.type");
    PROMO_REFUSED("{'id':'p','action':{'percent':'5'}}", EC_INVALID_FIELD,
                  "promotions[0].action.type");
    PROMO_REFUSED("{'id':'p','action':{'type':'percent_off'}}", EC_INVALID_FIELD,
                  "promotions[0].action.percent");
    PROMO_REFUSED("{'id':'p','action':{'type':'tiered_percent','tiers':[]}}", EC_INVALID_FIELD,
                  "promotions[0].action.tiers");
    PROMO_REFUSED("{'id':'p','action':'percent_off'}", EC_INVALID_FIELD, "promotions[0].action");
    PROMO_REFUSED("{'action':{'type':'free_shipping'}}", EC_INVALID_FIELD, "promotions[0].id");
    ec_error e = refusal("{'currency':'EUR','promotions':[{'id':'p','stacking':'x',"
                         "'action':{'type':'free_shipping'}}]}");
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "exclusive"));
}

static void test_ruleset_integers_not_strings(void)
{
    PROMO_REFUSED("{'id':'p','min_quantity':'2','action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].min_quantity");
    PROMO_REFUSED("{'id':'p','min_quantity':1.5,'action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].min_quantity");
    PROMO_REFUSED("{'id':'p','priority':'5','action':{'type':'free_shipping'}}", EC_INVALID_FIELD,
                  "promotions[0].priority");
    PROMO_REFUSED("{'id':'p','usage_limit':'3','action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].usage_limit");
    PROMO_REFUSED("{'id':'p','action':{'type':'buy_x_get_y','buy':'2','get':1}}", EC_INVALID_FIELD,
                  "promotions[0].action.buy");
    PROMO_REFUSED("{'id':'p','action':{'type':'buy_x_get_y','buy':2,'get':0}}", EC_INVALID_FIELD,
                  "promotions[0].action.get");
    PROMO_REFUSED("{'id':'p','action':{'type':'buy_x_get_y','buy':2,'get':1,"
                  "'max_applications':-1}}",
                  EC_INVALID_FIELD, "promotions[0].action.max_applications");
    REFUSED("{'currency':'EUR','price_lists':[{'id':'l','priority':'10'}]}", EC_INVALID_FIELD,
            "price_lists[0].priority");
    REFUSED("{'currency':'EUR','price_lists':[{'id':'l','prices':[{'sku':'A','price':'1',"
            "'tiers':[{'min_quantity':'10','price':'0.5'}]}]}]}",
            EC_INVALID_FIELD, "price_lists[0].prices[0].tiers[0].min_quantity");
    REFUSED("{'currency':'EUR','price_lists':[{'id':'l','prices':[{'sku':'A','price':'1',"
            "'tiers':[{'min_quantity':5,'price':'0.9'},{'min_quantity':0,'price':'0.5'}]}]}]}",
            EC_INVALID_FIELD, "price_lists[0].prices[0].tiers[1].min_quantity");
}

/* ---- product-level restrictions ---------------------------------------------- */

static void test_ruleset_product_level_restrictions(void)
{
    static const char *const fields[][2] = {
        {"'coupon':'X'", "promotions[0].coupon"},
        {"'min_subtotal':'1.00'", "promotions[0].min_subtotal"},
        {"'usage_limit':5", "promotions[0].usage_limit"},
        {"'min_quantity':2", "promotions[0].min_quantity"},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char promo[160];
        snprintf(promo, sizeof promo,
                 "{'id':'p','level':'product',%s,'action':{'type':'percent_off','percent':'1'}}",
                 fields[i][0]);
        PROMO_REFUSED(promo, EC_INVALID_FIELD, fields[i][1]);
    }
    static const char *const cart_only[] = {
        "{'type':'amount_off_order','amount':'1'}", "{'type':'buy_x_get_y','buy':1,'get':1}",
        "{'type':'tiered_percent','tiers':[{'min_subtotal':'1','percent':'1'}]}",
        "{'type':'free_shipping'}"};
    for (size_t i = 0; i < sizeof cart_only / sizeof cart_only[0]; i++) {
        char promo[160];
        snprintf(promo, sizeof promo, "{'id':'p','level':'product','action':%s}", cart_only[i]);
        PROMO_REFUSED(promo, EC_INVALID_FIELD, "promotions[0].action.type");
    }
    /* the three per-unit actions are allowed */
    ec_ruleset *rs = th_load(
        "{'currency':'EUR','promotions':["
        "{'id':'a','level':'product','action':{'type':'percent_off','percent':'1'}},"
        "{'id':'b','level':'product','action':{'type':'amount_off_each','amount':'1'}},"
        "{'id':'c','level':'product','priority':3,'action':{'type':'fixed_price','price':'1'}}]}");
    CU_ASSERT_PTR_NOT_NULL(rs);
    ec_ruleset_free(rs);
}

/* ---- entries that must be unique --------------------------------------------- */

static void test_ruleset_duplicates(void)
{
    PROMO_REFUSED("{'id':'p','action':{'type':'free_shipping'}},"
                  "{'id':'q','action':{'type':'free_shipping'}},"
                  "{'id':'p','level':'product','action':{'type':'percent_off','percent':'1'}}",
                  EC_INVALID_FIELD, "promotions[2].id");
    REFUSED("{'currency':'EUR','price_lists':[{'id':'l'},{'id':'l','priority':5}]}",
            EC_INVALID_FIELD, "price_lists[1].id");
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':'1'},{'sku':'B','prices':'1'},"
            "{'sku':'A','prices':'2'}]}",
            EC_INVALID_FIELD, "products[2].sku");
    /* adjacent duplicates once slipped through the index (found by fuzzing) */
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':'1'},{'sku':'A','prices':'2'},"
            "{'sku':'B','prices':'4','categories':['c']}]}",
            EC_INVALID_FIELD, "products[1].sku");
    REFUSED("{'currency':'EUR','shipping':[{'id':'s','prices':'1'},{'id':'s','prices':'2'}]}",
            EC_INVALID_FIELD, "shipping[1].id");
    REFUSED("{'currency':'EUR','tax':[{'category':'a','country':'DE','percent':'1'},"
            "{'category':'a','country':'*','percent':'2'},"
            "{'category':'a','country':'DE','percent':'3'}]}",
            EC_INVALID_FIELD, "tax[2]");
    REFUSED("{'currency':'EUR','tax':[{'category':'a','country':'*','percent':'1'},"
            "{'category':'a','country':'*','percent':'1'}]}",
            EC_INVALID_FIELD, "tax[1]");
    /* within one price list; the list of lower priority is checked after the
     * other but keeps its document index in the path */
    REFUSED("{'currency':'EUR','price_lists':[{'id':'x','prices':[{'sku':'A','price':'1'}]},"
            "{'id':'y','priority':9,'prices':[{'sku':'B','price':'1'},{'sku':'C','price':'1'},"
            "{'sku':'B','price':'2'}]}]}",
            EC_INVALID_FIELD, "price_lists[1].prices[2].sku");
    REFUSED("{'currency':'EUR','price_lists':[{'id':'x','prices':[{'sku':'A','price':'1'},"
            "{'sku':'A','price':'1'}]},{'id':'y','priority':9}]}",
            EC_INVALID_FIELD, "price_lists[0].prices[1].sku");
    /* the same key in different tables is fine */
    ec_ruleset *rs = th_load("{'currency':'EUR','products':[{'sku':'s','prices':'1'}],"
                             "'price_lists':[{'id':'s','prices':[{'sku':'s','price':'1'}]}],"
                             "'shipping':[{'id':'s','prices':'1'}],"
                             "'promotions':[{'id':'s','action':{'type':'free_shipping'}}],"
                             "'tax':[{'category':'s','country':'DE','percent':'1'},"
                             "{'category':'t','country':'DE','percent':'1'}]}");
    CU_ASSERT_PTR_NOT_NULL(rs);
    ec_ruleset_free(rs);
}

/* ---- targets and times ------------------------------------------------------- */

static void test_ruleset_sku_pattern_must_compile(void)
{
    /* the bad one sorts first (higher priority) yet keeps its document index */
    PROMO_REFUSED("{'id':'a','target':{'sku_pattern':'^A'},'action':{'type':'free_shipping'}},"
                  "{'id':'b','priority':50,'target':{'sku_pattern':'SHOE-('},"
                  "'action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[1].target.sku_pattern");
    PROMO_REFUSED("{'id':'a','target':{'sku_pattern':''},'action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].target.sku_pattern");
    PROMO_REFUSED("{'id':'a','target':{'sku_pattern':5},'action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].target.sku_pattern");
    ec_error e = refusal("{'currency':'EUR','promotions':[{'id':'a','target':"
                         "{'sku_pattern':'[z-a]'},'action':{'type':'free_shipping'}}]}");
    EQ(e.code, EC_INVALID_FIELD);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "offset"));
}

static void test_ruleset_sku_pattern_work_is_bounded(void)
{
    /* nested quantifiers backtrack exponentially on a near miss: refused at
     * the first SKU that makes the pattern pass its match limit (before,
     * PCRE2's default of ten million steps made this take seconds) */
    static const char doc[] = "{'currency':'EUR','products':[{'sku':'SHOE-1','prices':'1.00'},"
                              "{'sku':'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab','prices':'1.00'}],"
                              "'promotions':[{'id':'ok','target':{'sku_pattern':'^(a|b)+$'},"
                              "'action':{'type':'percent_off','percent':'5'}},"
                              "{'id':'bad','level':'product','target':{'sku_pattern':'%s'},"
                              "'action':{'type':'percent_off','percent':'5'}}]}";
    char text[sizeof doc + 32];
    snprintf(text, sizeof text, doc, "^(a+)+$");
    REFUSED(text, EC_INVALID_FIELD, "promotions[1].target.sku_pattern");
    ec_error e = refusal(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "match limits"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "aaaab"));
    /* the same SKUs with a pattern that needs no backtracking */
    snprintf(text, sizeof text, doc, "^a+b$");
    ec_ruleset *rs = th_load(text);
    CU_ASSERT_PTR_NOT_NULL(rs);
    ec_ruleset_free(rs);
}

static void test_ruleset_bad_times(void)
{
    PROMO_REFUSED("{'id':'p','valid_from':'tomorrow','action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].valid_from");
    PROMO_REFUSED(
        "{'id':'p','valid_from':'2026-11-27 00:00:00Z','action':{'type':'free_shipping'}}",
        EC_INVALID_FIELD, "promotions[0].valid_from");
    PROMO_REFUSED("{'id':'p','valid_to':'2026-11-27T00:00:00','action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].valid_to");
    PROMO_REFUSED("{'id':'p','valid_from':1700000000,'action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].valid_from");
    REFUSED("{'currency':'EUR','price_lists':[{'id':'l','valid_to':'2026-02-30T00:00:00Z'}]}",
            EC_INVALID_FIELD, "price_lists[0].valid_to");
    ec_ruleset *rs = th_load("{'currency':'EUR','price_lists':[{'id':'l',"
                             "'valid_from':'2026-02-28T23:00:00-01:00',"
                             "'valid_to':'2028-02-29T00:00:00.5z'}]}");
    CU_ASSERT_PTR_NOT_NULL(rs);
    ec_ruleset_free(rs);
}

/* ---- identifiers ------------------------------------------------------------- */

static void test_ruleset_identifier_length(void)
{
    char doc[512], sku[130];
    memset(sku, 'S', 129);
    sku[129] = '\0';
    snprintf(doc, sizeof doc, "{'currency':'EUR','products':[{'sku':'%s','prices':'1'}]}", sku);
    REFUSED(doc, EC_INVALID_FIELD, "products[0].sku");
    sku[128] = '\0'; /* 128 bytes is the most allowed */
    snprintf(doc, sizeof doc, "{'currency':'EUR','products':[{'sku':'%s','prices':'1'}]}", sku);
    ec_ruleset *rs = th_load(doc);
    CU_ASSERT_PTR_NOT_NULL(rs);
    ec_ruleset_free(rs);
    /* 43 three-byte characters are 129 bytes though only 43 characters */
    char id[3 * 43 + 1] = "";
    for (int i = 0; i < 43; i++) strcat(id, "\xe2\x82\xac");
    snprintf(doc, sizeof doc, "{'currency':'EUR','price_lists':[{'id':'%s'}]}", id);
    REFUSED(doc, EC_INVALID_FIELD, "price_lists[0].id");
    REFUSED("{'currency':'EUR','products':[{'sku':'','prices':'1'}]}", EC_INVALID_FIELD,
            "products[0].sku");
}

static void test_ruleset_identifier_encoding(void)
{
    REFUSED("{'currency':'EUR','products':[{'sku':'A\xff','prices':'1'}]}", EC_INVALID_FIELD,
            "products[0].sku");
    REFUSED("{'currency':'EUR','products':[{'sku':'\xc0\xaf','prices':'1'}]}", EC_INVALID_FIELD,
            "products[0].sku"); /* overlong '/' */
    REFUSED("{'currency':'EUR','products':[{'sku':'\xed\xa0\x80','prices':'1'}]}", EC_INVALID_FIELD,
            "products[0].sku"); /* a surrogate */
    REFUSED("{'currency':'EUR','products':[{'sku':'A\\u0001','prices':'1'}]}", EC_INVALID_FIELD,
            "products[0].sku");
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':'1',"
            "'categories':['ok','a\\tb']}]}",
            EC_INVALID_FIELD, "products[0].categories[1]");
    REFUSED("{'currency':'EUR','products':[{'sku':'A','prices':'1','tax_category':'\\u007f'}]}",
            EC_INVALID_FIELD, "products[0].tax_category");
    PROMO_REFUSED("{'id':'line\\nbreak','action':{'type':'free_shipping'}}", EC_INVALID_FIELD,
                  "promotions[0].id");
    PROMO_REFUSED("{'id':'p','coupon':'C\\u0085','action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].coupon"); /* C1 control U+0085 */
    PROMO_REFUSED("{'id':'p','target':{'skus':['A','']},'action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].target.skus[1]");
    PROMO_REFUSED("{'id':'p','customer_groups':['b2b',7],'action':{'type':'free_shipping'}}",
                  EC_INVALID_FIELD, "promotions[0].customer_groups[1]");
    REFUSED("{'currency':'EUR','tax':[{'category':'s','country':'','percent':'1'}]}",
            EC_INVALID_FIELD, "tax[0].country");
    /* quotes, backslashes and any valid UTF-8 are fine */
    ec_ruleset *rs = th_load("{'currency':'EUR','products':[{'sku':'A\\'B\\\\C','prices':'1'},"
                             "{'sku':'\xc3\xa9t\xc3\xa9 \xf0\x9f\x91\x9f','prices':'1'}]}");
    CU_ASSERT_PTR_NOT_NULL(rs);
    EQ(ec_ruleset_product_count(rs), 2);
    ec_ruleset_free(rs);
}

/* ---- limits ------------------------------------------------------------------ */

/* "{'currency':'EUR','<key>':[" + n copies of elem (with %d for the index) + "]}" */
static char *array_document(const char *key, const char *elem, int n)
{
    size_t cap = 64 + strlen(key) + (size_t)n * (strlen(elem) + 12);
    char *doc = malloc(cap);
    if (!doc) return NULL;
    size_t len = (size_t)sprintf(doc, "{\"currency\":\"EUR\",\"%s\":[", key);
    for (int i = 0; i < n; i++) {
        if (i) doc[len++] = ',';
        len += (size_t)sprintf(doc + len, elem, i);
    }
    strcpy(doc + len, "]}");
    return doc;
}

static ec_status load_raw(const char *doc, ec_ruleset **rs, ec_error *e)
{
    return ec_ruleset_from_json(doc, strlen(doc), NULL, rs, e);
}

static void test_ruleset_limits(void)
{
    ec_ruleset *rs = NULL;
    ec_error e = th_error();
    char *doc = array_document("price_lists", "{\"id\":\"l%d\"}", EC_RULESET_MAX_PRICE_LISTS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_EQUAL(load_raw(doc, &rs, &e), EC_OK);
    EQ(ec_ruleset_price_list_count(rs), EC_RULESET_MAX_PRICE_LISTS);
    ec_ruleset_free(rs);
    free(doc);

    e = th_error();
    doc = array_document("price_lists", "{\"id\":\"l%d\"}", EC_RULESET_MAX_PRICE_LISTS + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    EXPECT_ERR(load_raw(doc, &rs, &e), e, EC_LIMIT_EXCEEDED, "price_lists");
    free(doc);

    /* the count is checked before any entry is read */
    e = th_error();
    doc = array_document("promotions", "{}", EC_RULESET_MAX_PROMOTIONS + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    EXPECT_ERR(load_raw(doc, &rs, &e), e, EC_LIMIT_EXCEEDED, "promotions");
    CU_ASSERT_PTR_NULL(rs);
    free(doc);
}

static void test_ruleset_nested_limits(void)
{
    ec_ruleset *rs = NULL;
    ec_error e = th_error();
    /* 1001 tiers in one price entry */
    char *tiers = array_document("t", "{\"min_quantity\":1,\"price\":\"1\"}", 1001);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tiers);
    char *doc = malloc(strlen(tiers) + 200);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    /* tiers is {"currency":"EUR","t":[...]}: keep the array, drop the '}' */
    int n = sprintf(doc,
                    "{\"currency\":\"EUR\",\"price_lists\":[{\"id\":\"l\",\"prices\":"
                    "[{\"sku\":\"A\",\"price\":\"1\",\"tiers\":%s",
                    strchr(tiers, '['));
    strcpy(doc + n - 1, "}]}]}");
    EXPECT_ERR(load_raw(doc, &rs, &e), e, EC_LIMIT_EXCEEDED, "price_lists[0].prices[0].tiers");
    free(doc);
    free(tiers);

    /* a money map naming more than 200 currencies */
    e = th_error();
    char map[201 * 12 + 64];
    size_t len =
        (size_t)sprintf(map, "{\"currency\":\"EUR\",\"products\":[{\"sku\":\"A\",\"prices\":{");
    for (int i = 0; i < 201; i++)
        len += (size_t)sprintf(map + len, "%s\"EUR\":\"1\"", i ? "," : "");
    strcpy(map + len, "}}]}");
    EXPECT_ERR(load_raw(map, &rs, &e), e, EC_LIMIT_EXCEEDED, "products[0].prices");
}

/* ---- registration ------------------------------------------------------------ */

static CU_TestInfo load_tests[] = {
    {"loads_spec_example", test_ruleset_loads_spec_example},
    {"minimal_and_counts", test_ruleset_minimal_and_counts},
    {"null_handling", test_ruleset_null_handling},
    {"promotion_usage_limits", test_ruleset_promotion_usage_limits},
    {"null_means_absent", test_ruleset_null_means_absent},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo refusal_tests[] = {
    {"refuses_bad_documents", test_ruleset_refuses_bad_documents},
    {"currency_required_and_known", test_ruleset_currency_required_and_known},
    {"unknown_currency_as_money_key", test_ruleset_unknown_currency_as_money_key},
    {"unknown_keys", test_ruleset_unknown_keys},
    {"key_given_twice", test_ruleset_key_given_twice},
    {"settings_names", test_ruleset_settings_names},
    {"money_must_be_quoted", test_ruleset_money_must_be_quoted},
    {"money_decimals_and_sign", test_ruleset_money_decimals_and_sign},
    {"percent_range", test_ruleset_percent_range},
    {"promotion_names", test_ruleset_promotion_names},
    {"integers_not_strings", test_ruleset_integers_not_strings},
    {"product_level_restrictions", test_ruleset_product_level_restrictions},
    {"duplicates", test_ruleset_duplicates},
    {"sku_pattern_must_compile", test_ruleset_sku_pattern_must_compile},
    {"sku_pattern_work_is_bounded", test_ruleset_sku_pattern_work_is_bounded},
    {"bad_times", test_ruleset_bad_times},
    {"identifier_length", test_ruleset_identifier_length},
    {"identifier_encoding", test_ruleset_identifier_encoding},
    {"limits", test_ruleset_limits},
    {"nested_limits", test_ruleset_nested_limits},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_ruleset_suites[] = {
    {.pName = "ruleset.load", .pTests = load_tests},
    {.pName = "ruleset.refusals", .pTests = refusal_tests},
    CU_SUITE_INFO_NULL,
};
