/* test_reprice.c - unit tests for batch repricing (reprice.h).
 *
 * Two kinds of expectations: golden values worked out by hand from
 * docs/reference/cart.md (unit prices, tax), and agreement with the cart engine, which is
 * the definition: an item is priced as one unit in a cart against the
 * ruleset with the item merged into its products.  The merged ruleset is
 * written out as JSON here, so that the oracle never shares code with the
 * index the repricer builds for items the ruleset does not know. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"

#define STR(lit) lit, sizeof(lit) - 1
#define AT_2026_11_28 INT64_C(1795860000000000) /* 2026-11-28T10:00:00Z */

/* Tax: DE 19/7, "*" 20 for standard only.  Prices lists: b2b (group),
 * web-sale (channel, priority 20 over b2b's 10, USD list ignored in EUR).
 * Product promotions, in selection order (priority, then id):
 *   P50-FIXED   fixed_price 3.00 EUR only, skus [SOCK-3, NEW-9]
 *   P40-PATTERN 25% off, sku_pattern ^HAT-, exclude HAT-EX
 *   P30-CAT     10% off, categories [shoes, garden]
 *   P20-ALL     1.00 off each, every SKU except SHOE-2 (window until 2026-12-01)
 *   P10-B2B     50% off, customer group b2b, every SKU
 * plus a cart promotion that must never show.  The document is built from
 * parts so that the oracle can replace one product and drop the cart
 * promotion. */
static const char rules_head[] =
    "{\"currency\": \"EUR\","
    " \"tax\": [{\"category\": \"standard\", \"country\": \"DE\", \"percent\": \"19\"},"
    "          {\"category\": \"reduced\", \"country\": \"DE\", \"percent\": \"7\"},"
    "          {\"category\": \"standard\", \"country\": \"*\", \"percent\": \"20\"}],"
    " \"products\": [";

static const char *const products[][2] = {
    {"SHOE-1", "{\"sku\": \"SHOE-1\", \"prices\": {\"EUR\": \"59.90\", \"USD\": \"64.90\"},"
               " \"categories\": [\"shoes\", \"sale\"]}"},
    {"SHOE-2",
     "{\"sku\": \"SHOE-2\", \"prices\": {\"EUR\": \"89.00\"}, \"categories\": [\"shoes\"]}"},
    {"SOCK-3", "{\"sku\": \"SOCK-3\", \"prices\": {\"EUR\": \"4.99\", \"USD\": \"5.49\"},"
               " \"categories\": [\"socks\"]}"},
    {"BOOK-4",
     "{\"sku\": \"BOOK-4\", \"prices\": {\"EUR\": \"24.00\"}, \"tax_category\": \"reduced\"}"},
    {"HAT-5", "{\"sku\": \"HAT-5\", \"prices\": {\"EUR\": \"19.50\"}, \"categories\": [\"hats\"]}"},
    {"HAT-EX",
     "{\"sku\": \"HAT-EX\", \"prices\": {\"EUR\": \"30.00\"}, \"categories\": [\"hats\"]}"},
    {"GIFT-7",
     "{\"sku\": \"GIFT-7\", \"prices\": {\"EUR\": \"50.00\"}, \"tax_category\": \"exempt\"}"},
};

static const char rules_tail[] =
    "], \"price_lists\": ["
    "  {\"id\": \"b2b\", \"priority\": 10, \"customer_groups\": [\"b2b\"],"
    "   \"prices\": [{\"sku\": \"SHOE-1\", \"price\": \"49.90\","
    "                \"tiers\": [{\"min_quantity\": 10, \"price\": \"45.00\"}]},"
    "               {\"sku\": \"LIST-ONLY\", \"price\": \"7.00\"}]},"
    "  {\"id\": \"web-sale\", \"priority\": 20, \"channels\": [\"web\"],"
    "   \"prices\": [{\"sku\": \"SHOE-2\", \"price\": \"79.00\"}]},"
    "  {\"id\": \"usd\", \"currency\": \"USD\", \"priority\": 30,"
    "   \"prices\": [{\"sku\": \"SHOE-2\", \"price\": \"99.00\"}]}],"
    " \"promotions\": ["
    "  {\"id\": \"P10-B2B\", \"level\": \"product\", \"priority\": 10,"
    "   \"customer_groups\": [\"b2b\"], \"action\": {\"type\": \"percent_off\", \"percent\": "
    "\"50\"}},"
    "  {\"id\": \"P20-ALL\", \"level\": \"product\", \"priority\": 20,"
    "   \"valid_to\": \"2026-12-01T00:00:00Z\", \"target\": {\"exclude_skus\": [\"SHOE-2\"]},"
    "   \"action\": {\"type\": \"amount_off_each\", \"amount\": \"1.00\"}},"
    "  {\"id\": \"P30-CAT\", \"level\": \"product\", \"priority\": 30,"
    "   \"target\": {\"categories\": [\"shoes\", \"garden\"]},"
    "   \"action\": {\"type\": \"percent_off\", \"percent\": \"10\"}},"
    "  {\"id\": \"P40-PATTERN\", \"level\": \"product\", \"priority\": 40,"
    "   \"target\": {\"sku_pattern\": \"^HAT-\", \"exclude_skus\": [\"HAT-EX\"]},"
    "   \"action\": {\"type\": \"percent_off\", \"percent\": \"25\"}},"
    "  {\"id\": \"P50-FIXED\", \"level\": \"product\", \"priority\": 50,"
    "   \"target\": {\"skus\": [\"SOCK-3\", \"NEW-9\"]},"
    "   \"action\": {\"type\": \"fixed_price\", \"price\": {\"EUR\": \"3.00\"}}}";

static const char cart_promotion[] =
    ", {\"id\": \"CART-10\", \"priority\": 99,"
    "   \"action\": {\"type\": \"percent_off\", \"percent\": \"10\"}}";

/* The ruleset document; `product` (when not NULL) replaces the product of
 * the same SKU or is added; the cart promotion only when asked for. */
static const char *rules_doc(const char *sku, const char *product, int with_cart)
{
    static char buf[16384];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s", rules_head);
    int first = 1;
    if (product) {
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", product);
        first = 0;
    }
    for (size_t i = 0; i < sizeof products / sizeof products[0]; i++) {
        if (product && strcmp(products[i][0], sku) == 0) continue;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", first ? "" : ", ", products[i][1]);
        first = 0;
    }
    snprintf(buf + n, sizeof buf - n, "%s%s]}", rules_tail, with_cart ? cart_promotion : "");
    return buf;
}

typedef struct fixture {
    ec_ruleset *rules;
    ec_repricer *rp;
    ec_reprice_item *item;
    ec_reprice_result *res;
} fixture;

static ec_ruleset *load(const char *json)
{
    ec_ruleset *rs = NULL;
    ec_error err;
    ec_status st = ec_ruleset_from_json(json, strlen(json), NULL, &rs, &err);
    if (st != EC_OK)
        fprintf(stderr, "ruleset: %s at %s: %s\n", ec_status_name(st), err.field, err.message);
    return rs;
}

static fixture setup(const char *json)
{
    fixture f = {0};
    f.rules = load(json);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.rules);
    f.rp = ec_repricer_new(f.rules);
    f.item = ec_reprice_item_new();
    f.res = ec_reprice_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.rp);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.item);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.res);
    return f;
}

static void teardown(fixture *f)
{
    ec_reprice_result_free(f->res);
    ec_reprice_item_free(f->item);
    ec_repricer_free(f->rp);
    ec_ruleset_free(f->rules);
}

static ec_reprice_context *context(const ec_repricer *rp, const char *cur, const char *country,
                                   const char *group, const char *channel, int64_t at)
{
    ec_reprice_context *c = NULL;
    ec_error err;
    CU_ASSERT_EQUAL(ec_reprice_context_new(rp, cur, country, group, channel, at, &c, &err), EC_OK);
    CU_ASSERT_PTR_NOT_NULL(c);
    return c;
}

static ec_status price_sku(fixture *f, const ec_reprice_context *c, const char *sku, ec_error *err)
{
    ec_reprice_item_reset(f->item);
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(f->item, sku, strlen(sku), err), EC_OK);
    return ec_repricer_price(f->rp, c, f->item, f->res, err);
}

static int str_eq(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* ---- golden values ------------------------------------------------------------ */

static void test_reprice_golden_values(void)
{
    fixture f = setup(rules_doc(NULL, NULL, 1));
    ec_reprice_context *de = context(f.rp, "EUR", "DE", NULL, NULL, AT_2026_11_28);
    ec_reprice_context *fr_web = context(f.rp, "EUR", "FR", NULL, "web", AT_2026_11_28);
    ec_error err;
    /* SHOE-1: 59.90, P30-CAT 10% = 5.99 off -> 53.91; +19% 10.2429 -> 10.24 */
    CU_ASSERT_EQUAL(price_sku(&f, de, "SHOE-1", &err), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_currency(f.res), "EUR");
    CU_ASSERT_EQUAL(ec_reprice_result_exponent(f.res), 2);
    CU_ASSERT_EQUAL(ec_reprice_result_list_price(f.res), 5990);
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 5391);
    CU_ASSERT_PTR_NULL(ec_reprice_result_price_list(f.res));
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_promotion(f.res), "P30-CAT");
    CU_ASSERT_EQUAL(ec_reprice_result_tax_percent(f.res), 190000);
    CU_ASSERT_EQUAL(ec_reprice_result_display_price(f.res), 6415);
    CU_ASSERT_EQUAL(ec_reprice_result_changed(f.res), -1);
    /* SOCK-3: P50-FIXED 3.00 beats everything; 3.00 + 0.57 */
    CU_ASSERT_EQUAL(price_sku(&f, de, "SOCK-3", &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 300);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_promotion(f.res), "P50-FIXED");
    CU_ASSERT_EQUAL(ec_reprice_result_display_price(f.res), 357);
    /* BOOK-4: only P20-ALL: 24.00 - 1.00, reduced 7%: 1.61 */
    CU_ASSERT_EQUAL(price_sku(&f, de, "BOOK-4", &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 2300);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_promotion(f.res), "P20-ALL");
    CU_ASSERT_EQUAL(ec_reprice_result_tax_percent(f.res), 70000);
    CU_ASSERT_EQUAL(ec_reprice_result_display_price(f.res), 2461);
    /* HAT-EX: the pattern excludes it, P20-ALL applies: 29.00 + 20% ("*") */
    CU_ASSERT_EQUAL(price_sku(&f, fr_web, "HAT-EX", &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 2900);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_promotion(f.res), "P20-ALL");
    CU_ASSERT_EQUAL(ec_reprice_result_display_price(f.res), 3480);
    /* SHOE-2 on web: web-sale 79.00, P20-ALL excludes it, P30-CAT: 7.90 off */
    CU_ASSERT_EQUAL(price_sku(&f, fr_web, "SHOE-2", &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_result_list_price(f.res), 7900);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_price_list(f.res), "web-sale");
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 7110);
    ec_reprice_context_free(de);
    ec_reprice_context_free(fr_web);
    teardown(&f);
}

static void test_reprice_context_selects_lists_and_promotions(void)
{
    fixture f = setup(rules_doc(NULL, NULL, 1));
    ec_reprice_context *b2b = context(f.rp, "EUR", "DE", "b2b", NULL, AT_2026_11_28);
    ec_reprice_context *usd = context(f.rp, "USD", "US", NULL, NULL, AT_2026_11_28);
    ec_reprice_context *late = context(f.rp, "EUR", "DE", NULL, NULL, AT_2026_11_28 * 2);
    ec_error err;
    /* b2b list 49.90 (tier for 10 not reached); P30-CAT first: 4.99 off */
    CU_ASSERT_EQUAL(price_sku(&f, b2b, "SHOE-1", &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_result_list_price(f.res), 4990);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_price_list(f.res), "b2b");
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 4491);
    /* a SKU only a price list knows: 7.00, P20-ALL 1.00 off */
    CU_ASSERT_EQUAL(price_sku(&f, b2b, "LIST-ONLY", &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 600);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_promotion(f.res), "P20-ALL");
    /* USD: the usd list; P20-ALL has no USD amount and P30-CAT is 10% */
    CU_ASSERT_EQUAL(price_sku(&f, usd, "SHOE-2", &err), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_currency(f.res), "USD");
    CU_ASSERT_EQUAL(ec_reprice_result_list_price(f.res), 9900);
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 8910);
    CU_ASSERT_EQUAL(ec_reprice_result_tax_percent(f.res), 200000);
    /* SOCK-3 in USD: P50-FIXED lacks USD and is skipped; P20-ALL too */
    CU_ASSERT_EQUAL(price_sku(&f, usd, "SOCK-3", &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 549);
    CU_ASSERT_PTR_NULL(ec_reprice_result_promotion(f.res));
    /* after P20-ALL's window: BOOK-4 at list price */
    CU_ASSERT_EQUAL(price_sku(&f, late, "BOOK-4", &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 2400);
    CU_ASSERT_PTR_NULL(ec_reprice_result_promotion(f.res));
    ec_reprice_context_free(b2b);
    ec_reprice_context_free(usd);
    ec_reprice_context_free(late);
    teardown(&f);
}

/* ---- items that override the product ---------------------------------------------- */

static void test_reprice_item_overrides(void)
{
    fixture f = setup(rules_doc(NULL, NULL, 1));
    ec_reprice_context *de = context(f.rp, "EUR", "DE", NULL, NULL, AT_2026_11_28);
    ec_reprice_context *any = context(f.rp, NULL, "DE", NULL, NULL, AT_2026_11_28);
    ec_error err;
    ec_reprice_item *it = f.item;
    /* SHOE-1 at 100.00, now a book: no category promotion, P20-ALL; 7% */
    ec_reprice_item_reset(it);
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(it, STR("SHOE-1"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_set_price(it, STR("100.00"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_add_category(it, STR("books"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_set_tax_category(it, STR("reduced"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_set_current_price(it, STR("99"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_repricer_price(f.rp, de, it, f.res, &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_result_list_price(f.res), 10000);
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 9900);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_promotion(f.res), "P20-ALL");
    CU_ASSERT_EQUAL(ec_reprice_result_display_price(f.res), 10593);
    CU_ASSERT_EQUAL(ec_reprice_result_changed(f.res), 0);
    /* a new SKU in the garden, priced in USD: the context takes its currency */
    ec_reprice_item_reset(it);
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(it, STR("RAKE-1"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_set_currency(it, STR("USD"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_set_price(it, STR("20"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_add_category(it, STR("tools"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_add_category(it, STR("garden"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_set_current_price(it, STR("20.00"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_repricer_price(f.rp, any, it, f.res, &err), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_currency(f.res), "USD");
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 1800);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_promotion(f.res), "P30-CAT");
    CU_ASSERT_EQUAL(ec_reprice_result_changed(f.res), 1);
    /* the same item in the EUR context has no price */
    CU_ASSERT_EQUAL(ec_repricer_price(f.rp, de, it, f.res, &err), EC_NO_PRICE);
    CU_ASSERT_STRING_EQUAL(err.field, "sku");
    CU_ASSERT_PTR_NULL(ec_reprice_result_currency(f.res));
    CU_ASSERT_EQUAL(ec_reprice_result_changed(f.res), -1);
    /* a new SKU listed by a promotion, and one matching the pattern */
    ec_reprice_item_reset(it);
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(it, STR("NEW-9"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_set_price(it, STR("12.00"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_repricer_price(f.rp, de, it, f.res, &err), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_promotion(f.res), "P50-FIXED");
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 300);
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(it, STR("HAT-NEW"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_repricer_price(f.rp, de, it, f.res, &err), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_promotion(f.res), "P40-PATTERN");
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 900);
    /* HAT-EX with its own categories still falls outside the pattern */
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(it, STR("HAT-EX"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_clear_categories(it, &err), EC_OK);
    CU_ASSERT_EQUAL(ec_repricer_price(f.rp, de, it, f.res, &err), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_promotion(f.res), "P20-ALL");
    ec_reprice_context_free(de);
    ec_reprice_context_free(any);
    teardown(&f);
}

static void test_reprice_inclusive_prices_and_no_tax_table(void)
{
    static const char incl[] =
        "{\"currency\": \"EUR\", \"prices_include_tax\": true, \"rounding\": \"half_up\","
        " \"tax\": [{\"category\": \"standard\", \"country\": \"DE\", \"percent\": \"19\"}],"
        " \"products\": [{\"sku\": \"A\", \"prices\": \"10.05\"}],"
        " \"promotions\": [{\"id\": \"H\", \"level\": \"product\","
        "   \"action\": {\"type\": \"percent_off\", \"percent\": \"50\"}}]}";
    static const char none[] = "{\"currency\": \"JPY\","
                               " \"products\": [{\"sku\": \"A\", \"prices\": \"1000\"}]}";
    fixture f = setup(incl);
    ec_reprice_context *de = context(f.rp, NULL, "DE", NULL, NULL, 0);
    ec_error err;
    /* half_up: 10.05 * 50% = 5.025 -> 5.03 off: 5.02, gross as is */
    CU_ASSERT_EQUAL(price_sku(&f, de, "A", &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_result_price(f.res), 502);
    CU_ASSERT_EQUAL(ec_reprice_result_display_price(f.res), 502);
    CU_ASSERT_EQUAL(ec_reprice_result_tax_percent(f.res), 190000);
    ec_reprice_context_free(de);
    teardown(&f);
    f = setup(none);
    ec_reprice_context *c = context(f.rp, NULL, "FR", NULL, NULL, 0);
    CU_ASSERT_EQUAL(price_sku(&f, c, "A", &err), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_reprice_result_currency(f.res), "JPY");
    CU_ASSERT_EQUAL(ec_reprice_result_exponent(f.res), 0);
    CU_ASSERT_EQUAL(ec_reprice_result_display_price(f.res), 1000);
    CU_ASSERT_EQUAL(ec_reprice_result_tax_percent(f.res), 0);
    ec_reprice_context_free(c);
    teardown(&f);
}

/* ---- refusals ------------------------------------------------------------------------ */

static void test_reprice_refuses_bad_items(void)
{
    fixture f = setup(rules_doc(NULL, NULL, 1));
    ec_reprice_context *de = context(f.rp, "EUR", "DE", NULL, NULL, AT_2026_11_28);
    ec_reprice_item *it = f.item;
    ec_error err;
    char long_id[130];
    memset(long_id, 'x', sizeof long_id);
    CU_ASSERT_EQUAL(ec_repricer_price(f.rp, de, it, f.res, &err), EC_INVALID_FIELD);
    CU_ASSERT_STRING_EQUAL(err.field, "sku");
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(it, long_id, 129, &err), EC_INVALID_FIELD);
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(it, STR("A\tB"), &err), EC_INVALID_FIELD);
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(it, STR("\xff"), &err), EC_INVALID_FIELD);
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(it, "", 0, &err), EC_INVALID_FIELD);
    CU_ASSERT_STRING_EQUAL(err.field, "sku");
    CU_ASSERT_EQUAL(ec_reprice_item_set_currency(it, STR("EURO"), &err), EC_UNKNOWN_CURRENCY);
    CU_ASSERT_STRING_EQUAL(err.field, "currency");
    CU_ASSERT_EQUAL(ec_reprice_item_add_category(it, STR("ok"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_add_category(it, "", 0, &err), EC_INVALID_FIELD);
    CU_ASSERT_STRING_EQUAL(err.field, "categories[1]");
    CU_ASSERT_EQUAL(ec_reprice_item_set_tax_category(it, long_id, 130, &err), EC_INVALID_FIELD);
    CU_ASSERT_STRING_EQUAL(err.field, "tax_category");
    /* money is checked against the currency when priced */
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(it, STR("SHOE-1"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_set_price(it, STR("1.234"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_repricer_price(f.rp, de, it, f.res, &err), EC_INVALID_FIELD);
    CU_ASSERT_STRING_EQUAL(err.field, "price");
    CU_ASSERT_EQUAL(ec_reprice_item_set_currency(it, STR("KWD"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_set_current_price(it, STR("-1"), &err), EC_OK);
    CU_ASSERT_EQUAL(ec_repricer_price(f.rp, de, it, f.res, &err), EC_INVALID_FIELD);
    CU_ASSERT_STRING_EQUAL(err.field, "current_price");
    CU_ASSERT_EQUAL(ec_reprice_item_set_current_price(it, STR("99999999999999999999"), &err),
                    EC_OK);
    CU_ASSERT_EQUAL(ec_repricer_price(f.rp, de, it, f.res, &err), EC_OVERFLOW);
    CU_ASSERT_STRING_EQUAL(err.field, "current_price");
    /* a tax category with no rate in the country, nor a "*" rate */
    CU_ASSERT_EQUAL(price_sku(&f, de, "GIFT-7", &err), EC_NO_TAX_RATE);
    CU_ASSERT_STRING_EQUAL(err.field, "tax_category");
    CU_ASSERT_EQUAL(price_sku(&f, de, "NOBODY", &err), EC_NO_PRICE);
    CU_ASSERT_STRING_EQUAL(err.field, "sku");
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "NOBODY"));
    ec_reprice_context_free(de);
    teardown(&f);
}

static void test_reprice_refuses_misuse_and_bad_contexts(void)
{
    fixture f = setup(rules_doc(NULL, NULL, 1));
    ec_repricer *other = ec_repricer_new(f.rules);
    ec_reprice_context *c = NULL, *mine = context(f.rp, "EUR", NULL, NULL, NULL, 0);
    ec_error err;
    CU_ASSERT_PTR_NULL(ec_repricer_new(NULL));
    CU_ASSERT_EQUAL(ec_reprice_context_new(f.rp, "XXX", NULL, NULL, NULL, 0, &c, &err),
                    EC_UNKNOWN_CURRENCY);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_STRING_EQUAL(err.field, "currency");
    CU_ASSERT_EQUAL(ec_reprice_context_new(f.rp, NULL, "D\nE", NULL, NULL, 0, &c, &err),
                    EC_INVALID_FIELD);
    CU_ASSERT_STRING_EQUAL(err.field, "country");
    CU_ASSERT_EQUAL(ec_reprice_context_new(f.rp, NULL, NULL, "", NULL, 0, &c, &err),
                    EC_INVALID_FIELD);
    CU_ASSERT_STRING_EQUAL(err.field, "customer_group");
    CU_ASSERT_EQUAL(ec_reprice_context_new(NULL, NULL, NULL, NULL, NULL, 0, &c, &err), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_reprice_context_new(f.rp, NULL, NULL, NULL, NULL, 0, NULL, NULL), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_repricer_price(other, mine, f.item, f.res, &err), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_repricer_price(f.rp, NULL, f.item, f.res, NULL), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(NULL, STR("A"), &err), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_reprice_item_set_price(NULL, STR("1"), &err), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_reprice_item_set_price(f.item, NULL, 3, &err), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_reprice_item_add_category(f.item, NULL, 1, &err), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_reprice_item_clear_categories(NULL, &err), EC_MISUSE);
    /* accessors of NULL or empty results, and frees of NULL */
    CU_ASSERT_PTR_NULL(ec_reprice_result_currency(NULL));
    CU_ASSERT_EQUAL(ec_reprice_result_exponent(f.res), -1);
    CU_ASSERT_EQUAL(ec_reprice_result_price(NULL), 0);
    CU_ASSERT_EQUAL(ec_reprice_result_changed(NULL), -1);
    CU_ASSERT_PTR_NULL(ec_reprice_result_price_list(NULL));
    ec_repricer_free(NULL);
    ec_reprice_context_free(NULL);
    ec_reprice_item_free(NULL);
    ec_reprice_result_free(NULL);
    ec_reprice_item_reset(NULL);
    ec_reprice_context_free(mine);
    ec_repricer_free(other);
    teardown(&f);
}

static void test_reprice_category_limit(void)
{
    fixture f = setup(rules_doc(NULL, NULL, 1));
    ec_error err;
    ec_status st = EC_OK;
    CU_ASSERT_EQUAL(ec_reprice_item_set_sku(f.item, STR("A"), &err), EC_OK);
    for (int i = 0; i < EC_REPRICE_MAX_CATEGORIES && st == EC_OK; i++)
        st = ec_reprice_item_add_category(f.item, STR("c"), &err);
    CU_ASSERT_EQUAL(st, EC_OK);
    CU_ASSERT_EQUAL(ec_reprice_item_add_category(f.item, STR("c"), &err), EC_LIMIT_EXCEEDED);
    CU_ASSERT_STRING_EQUAL(err.field, "categories[1000]");
    teardown(&f);
}

/* ---- agreement with the cart engine ---------------------------------------------------- */

typedef struct line_view {
    ec_status st;
    int64_t list, unit, total;
    int32_t pct;
    const char *pl, *promo;
} line_view;

static line_view cart_line(const ec_ruleset *rs, const char *cur, const char *country,
                           const char *group, const char *channel, const char *sku)
{
    line_view v = {0};
    ec_cart *cart = ec_cart_new();
    ec_price_result *r = ec_price_result_new();
    ec_error err;
    ec_cart_set_currency(cart, cur, &err);
    ec_cart_set_at(cart, AT_2026_11_28, &err);
    ec_cart_set_country(cart, country, &err);
    ec_cart_set_customer_group(cart, group, &err);
    ec_cart_set_channel(cart, channel, &err);
    ec_cart_add_line(cart, sku, 1, &err);
    v.st = ec_price_cart(rs, cart, r, &err);
    if (v.st == EC_OK) {
        v.list = ec_price_result_line_list_price(r, 0);
        v.unit = ec_price_result_line_unit_price(r, 0);
        v.total = ec_price_result_line_total(r, 0);
        v.pct = ec_price_result_line_tax_percent(r, 0);
        v.pl = ec_price_result_line_price_list(r, 0);
        v.promo = ec_price_result_line_product_promotion(r, 0);
        v.pl = v.pl ? strdup(v.pl) : NULL;
        v.promo = v.promo ? strdup(v.promo) : NULL;
    }
    ec_price_result_free(r);
    ec_cart_free(cart);
    return v;
}

static void check_agrees(fixture *f, const ec_ruleset *oracle, const char *sku, const char *cur,
                         const char *country, const char *group, const char *channel)
{
    ec_reprice_context *c = context(f->rp, cur, country, group, channel, AT_2026_11_28);
    ec_error err;
    ec_status st = ec_repricer_price(f->rp, c, f->item, f->res, &err);
    line_view v = cart_line(oracle, cur, country, group, channel, sku);
    CU_ASSERT_EQUAL(st, v.st);
    if (st == EC_OK && v.st == EC_OK) {
        CU_ASSERT_EQUAL(ec_reprice_result_list_price(f->res), v.list);
        CU_ASSERT_EQUAL(ec_reprice_result_price(f->res), v.unit);
        CU_ASSERT_EQUAL(ec_reprice_result_tax_percent(f->res), v.pct);
        CU_ASSERT_EQUAL(ec_reprice_result_display_price(f->res), v.total);
        CU_ASSERT_TRUE(str_eq(ec_reprice_result_price_list(f->res), v.pl));
        CU_ASSERT_TRUE(str_eq(ec_reprice_result_promotion(f->res), v.promo));
    }
    free((void *)v.pl);
    free((void *)v.promo);
    ec_reprice_context_free(c);
}

static const char *const ctx_table[][4] = {
    {"EUR", "DE", NULL, NULL},  {"EUR", "FR", "b2b", "web"}, {"USD", "US", NULL, "web"},
    {"EUR", NULL, "b2b", NULL}, {"USD", "DE", "b2b", NULL},
};

static void test_reprice_agrees_with_cart_for_known_skus(void)
{
    static const char *const skus[] = {"SHOE-1", "SHOE-2", "SOCK-3",    "BOOK-4", "HAT-5",
                                       "HAT-EX", "GIFT-7", "LIST-ONLY", "NOBODY"};
    fixture f = setup(rules_doc(NULL, NULL, 1));
    ec_ruleset *oracle = load(rules_doc(NULL, NULL, 0));
    CU_ASSERT_PTR_NOT_NULL_FATAL(oracle);
    for (size_t s = 0; s < sizeof skus / sizeof skus[0]; s++) {
        ec_reprice_item_reset(f.item);
        ec_reprice_item_set_sku(f.item, skus[s], strlen(skus[s]), NULL);
        for (size_t c = 0; c < sizeof ctx_table / sizeof ctx_table[0]; c++)
            check_agrees(&f, oracle, skus[s], ctx_table[c][0], ctx_table[c][1], ctx_table[c][2],
                         ctx_table[c][3]);
    }
    ec_ruleset_free(oracle);
    teardown(&f);
}

/* Items with their own fields against the merged ruleset. */
static void test_reprice_agrees_with_cart_for_overrides(void)
{
    static const struct {
        const char *sku, *price, *cats[3], *tax, *product;
    } rows[] = {
        {"SHOE-1",
         "70.00",
         {"garden"},
         NULL,
         "{\"sku\": \"SHOE-1\", \"prices\": {\"EUR\": \"70.00\", \"USD\": \"64.90\"},"
         " \"categories\": [\"garden\"]}"},
        {"SHOE-2",
         NULL,
         {"socks"},
         "reduced",
         "{\"sku\": \"SHOE-2\", \"prices\": {\"EUR\": \"89.00\"}, \"categories\": [\"socks\"],"
         " \"tax_category\": \"reduced\"}"},
        {"HAT-NEW",
         "12.34",
         {"hats"},
         NULL,
         "{\"sku\": \"HAT-NEW\", \"prices\": \"12.34\", \"categories\": [\"hats\"]}"},
        {"NEW-9", "5.00", {NULL}, NULL, "{\"sku\": \"NEW-9\", \"prices\": \"5.00\"}"},
        {"LIST-ONLY",
         "8.00",
         {"shoes", "x"},
         NULL,
         "{\"sku\": \"LIST-ONLY\", \"prices\": \"8.00\", \"categories\": [\"shoes\", \"x\"]}"},
        {"HAT-EX",
         NULL,
         {"garden"},
         NULL,
         "{\"sku\": \"HAT-EX\", \"prices\": {\"EUR\": \"30.00\"}, \"categories\": [\"garden\"]}"},
        {"GIFT-7",
         "1.00",
         {NULL},
         "standard",
         "{\"sku\": \"GIFT-7\", \"prices\": \"1.00\", \"tax_category\": \"standard\"}"},
    };
    fixture f = setup(rules_doc(NULL, NULL, 1));
    ec_error err;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ec_ruleset *oracle = load(rules_doc(rows[i].sku, rows[i].product, 0));
        CU_ASSERT_PTR_NOT_NULL_FATAL(oracle);
        ec_reprice_item_reset(f.item);
        ec_reprice_item_set_sku(f.item, rows[i].sku, strlen(rows[i].sku), &err);
        if (rows[i].price)
            ec_reprice_item_set_price(f.item, rows[i].price, strlen(rows[i].price), &err);
        for (int k = 0; k < 3 && rows[i].cats[k]; k++)
            ec_reprice_item_add_category(f.item, rows[i].cats[k], strlen(rows[i].cats[k]), &err);
        if (rows[i].tax)
            ec_reprice_item_set_tax_category(f.item, rows[i].tax, strlen(rows[i].tax), &err);
        for (size_t c = 0; c < sizeof ctx_table / sizeof ctx_table[0]; c++)
            check_agrees(&f, oracle, rows[i].sku, ctx_table[c][0], ctx_table[c][1], ctx_table[c][2],
                         ctx_table[c][3]);
        ec_ruleset_free(oracle);
    }
    teardown(&f);
}

/* ---- allocation failures -------------------------------------------------------------- */

typedef struct chaos {
    long left; /* allocations allowed before the next one fails */
    long live;
} chaos;

static void *chaos_alloc(void *o, size_t n)
{
    chaos *c = o;
    if (c->left-- <= 0) return NULL;
    c->live++;
    return malloc(n);
}

static void *chaos_realloc(void *o, void *p, size_t n)
{
    chaos *c = o;
    if (c->left-- <= 0) return NULL;
    if (!p) c->live++;
    return realloc(p, n);
}

static void chaos_free(void *o, void *p)
{
    chaos *c = o;
    if (p) c->live--;
    free(p);
}

/* Fail the Nth allocation for every N: each constructor answers NULL or
 * EC_NO_MEMORY cleanly and nothing leaks; then all succeed. */
static void test_reprice_chaos_allocations(void)
{
    fixture f = setup(rules_doc(NULL, NULL, 1));
    int completed = 0;
    for (long n = 0; n < 200 && !completed; n++) {
        chaos c = {n, 0};
        ec_allocator a = {chaos_alloc, chaos_realloc, chaos_free, &c};
        ec_repricer *rp = ec_repricer_new_ex(f.rules, &a);
        ec_reprice_item *it = ec_reprice_item_new_ex(&a);
        ec_reprice_result *r = ec_reprice_result_new_ex(&a);
        ec_reprice_context *ctx = NULL;
        ec_error err;
        ec_status st =
            rp ? ec_reprice_context_new(rp, "EUR", "DE", NULL, NULL, 0, &ctx, &err) : EC_NO_MEMORY;
        if (rp) CU_ASSERT(st == EC_OK || (st == EC_NO_MEMORY && ctx == NULL));
        if (it) {
            for (int k = 0; k < 12 && st == EC_OK; k++)
                st = ec_reprice_item_add_category(it, STR("shoes"), &err);
            CU_ASSERT(st == EC_OK || st == EC_NO_MEMORY);
            if (st == EC_OK) st = ec_reprice_item_set_sku(it, STR("HAT-NEW"), &err);
            if (st == EC_OK) st = ec_reprice_item_set_price(it, STR("10.00"), &err);
        }
        if (rp && ctx && it && r && st == EC_OK) {
            /* the pattern runs on the result's own match data */
            CU_ASSERT_EQUAL(ec_repricer_price(rp, ctx, it, r, &err), EC_OK);
            CU_ASSERT_TRUE(str_eq(ec_reprice_result_promotion(r), "P40-PATTERN"));
            CU_ASSERT_EQUAL(ec_reprice_result_price(r), 750);
            completed = 1;
        }
        ec_reprice_context_free(ctx);
        ec_reprice_result_free(r);
        ec_reprice_item_free(it);
        ec_repricer_free(rp);
        CU_ASSERT_EQUAL(c.live, 0);
    }
    CU_ASSERT_TRUE(completed);
    teardown(&f);
}

static CU_TestInfo reprice_tests[] = {
    {"test_reprice_golden_values", test_reprice_golden_values},
    {"test_reprice_context_selects_lists_and_promotions",
     test_reprice_context_selects_lists_and_promotions},
    {"test_reprice_item_overrides", test_reprice_item_overrides},
    {"test_reprice_inclusive_prices_and_no_tax_table",
     test_reprice_inclusive_prices_and_no_tax_table},
    {"test_reprice_refuses_bad_items", test_reprice_refuses_bad_items},
    {"test_reprice_refuses_misuse_and_bad_contexts", test_reprice_refuses_misuse_and_bad_contexts},
    {"test_reprice_category_limit", test_reprice_category_limit},
    {"test_reprice_agrees_with_cart_for_known_skus", test_reprice_agrees_with_cart_for_known_skus},
    {"test_reprice_agrees_with_cart_for_overrides", test_reprice_agrees_with_cart_for_overrides},
    {"test_reprice_chaos_allocations", test_reprice_chaos_allocations},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_reprice_suites[] = {
    {"reprice", NULL, NULL, NULL, NULL, reprice_tests},
    CU_SUITE_INFO_NULL,
};
