/* test_tax.c - tax by jurisdiction: which entry taxes an item (region,
 * postal prefixes, tax classes, specificity), named and compound rates,
 * inclusive prices split over rates, total rounding per rate, exempt
 * customers, shipping taxed proportionally, the taxes summary, and every
 * refusal of a tax entry with its path.
 *
 * Amounts are minor units (cents); every expected amount is worked out by
 * hand in the comment beside it.  The fixture and the summaries are those
 * of test_pricing.c (helpers.h):
 *   LTAXES(0, "state@6=120 county@1=20")   line 0's rates: name@percent=amount
 *   TAXES("state@6=120 ...")               the result's summary
 *   TOTALS("subtotal discount tax total"), SHIP("method price discount tax total") */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "ecommerce/reprice.h"
#include "helpers.h"

#define EXPECT_ERR(st, e, status, field)                                                           \
    th_expect_error(st, &(e), status, field, __FILE__, __LINE__)
#define EQ(a, b) th_expect_i64((int64_t)(a), (int64_t)(b), #a, __FILE__, __LINE__)
#define R (f.r)
#define OPEN(rules) CU_ASSERT_FATAL(th_fx_open(&f, rules))
#define RECART(spec) th_fx_recart(&f, spec)
#define PRICE_OK() EXPECT_ERR(th_fx_price(&f), f.e, EC_OK, "")
#define PRICE_FAILS(status, field) EXPECT_ERR(th_fx_price(&f), f.e, status, field)
#define LTAXES(i, want) th_expect_line_taxes(R, i, want, __FILE__, __LINE__)
#define TAXES(want) th_expect_taxes(R, want, __FILE__, __LINE__)
#define TOTALS(want) th_expect_totals(R, want, __FILE__, __LINE__)
#define SHIP(want) th_expect_shipping(R, want, __FILE__, __LINE__)
#define LINES(acc, want)                                                                           \
    th_expect_lines(R, ec_price_result_line_##acc, want, #acc, __FILE__, __LINE__)

/* A ruleset of products A 10.00, B 25.00 (category "reduced"), C 1.05,
 * shipping "std" 5.00 and the given settings and tax entries. */
static int open_tax(th_fx *f, const char *settings, const char *tax)
{
    char doc[8192];
    snprintf(doc, sizeof doc,
             "{'currency':'EUR'%s,'tax':[%s],'products':[{'sku':'A','prices':'10.00'},"
             "{'sku':'B','prices':'25.00','tax_category':'reduced'},{'sku':'C','prices':'1.05'}],"
             "'shipping':[{'id':'std','prices':'5.00'}]}",
             settings, tax);
    return th_fx_open(f, doc);
}
#define OPEN_TAX(settings, tax) CU_ASSERT_FATAL(open_tax(&f, settings, tax))

/* The US: a state rate, ZIP prefixes adding county and city rates. */
static const char us_tax[] =
    "{'category':'standard','country':'US','percent':'0'},"
    "{'category':'standard','country':'US','region':'US-CA','rates':[{'name':'state','percent':'6'}"
    "]},"
    "{'category':'standard','country':'US','region':'US-CA','postal_codes':['900','901'],"
    "'rates':[{'name':'state','percent':'6'},{'name':'county','percent':'1'},"
    "{'name':'city','percent':'2.5'}]},"
    "{'category':'standard','country':'US','region':'US-CA','postal_codes':['9001'],"
    "'rates':[{'name':'state','percent':'6'},{'name':'county','percent':'1'},"
    "{'name':'city','percent':'3.5'}]},"
    "{'category':'standard','country':'GB','postal_codes':['SW1'],'percent':'20'},"
    "{'category':'reduced','country':'*','percent':'0'}";

static void test_tax_us_state_county_city(void)
{
    th_fx f;
    OPEN_TAX("", us_tax);
    RECART("A*2 country=US region=US-CA postal=90012");
    PRICE_OK(); /* "9001" is the longest prefix: 2000 * 6% = 120, 1% = 20, 3.5% = 70 */
    LTAXES(0, "state@6=120 county@1=20 city@3.5=70");
    EQ(ec_price_result_line_tax_percent(R, 0), 105000); /* millionths of one */
    TOTALS("2000 0 210 2210");
    RECART("A*2 country=US region=US-CA postal=90055");
    PRICE_OK(); /* "900": 120 + 20 + 2.5% of 2000 = 50 */
    LTAXES(0, "state@6=120 county@1=20 city@2.5=50");
    RECART("A*2 country=US region=US-CA postal=90210");
    PRICE_OK(); /* "902" has no entry: the state's 6% alone */
    LTAXES(0, "state@6=120");
    RECART("A*2 country=US");
    PRICE_OK(); /* no region: the country's 0%, named after the category */
    LTAXES(0, "standard@0=0");
    TOTALS("2000 0 0 2000");
    RECART("A B country=US region=US-CA postal=90123");
    PRICE_OK(); /* "901" for A: 60 + 10 + 25; B is "reduced", 0% everywhere */
    LTAXES(0, "state@6=60 county@1=10 city@2.5=25");
    LTAXES(1, "reduced@0=0");
    TAXES("state@6=60 county@1=10 city@2.5=25 reduced@0=0");
    th_fx_close(&f);
}

static void test_tax_postal_codes_normalized(void)
{
    th_fx f;
    OPEN_TAX("", us_tax);
    /* the cart's code compares without spaces and upper-cased: sw1a1aa */
    CU_ASSERT_FATAL(th_fx_new_cart(&f));
    EQ(ec_cart_set_country(f.cart, "GB", NULL), EC_OK);
    EQ(ec_cart_set_postal_code(f.cart, "sw1a 1aa", NULL), EC_OK);
    EQ(ec_cart_add_line(f.cart, "A", 1, NULL), EC_OK);
    PRICE_OK();
    LTAXES(0, "standard@20=200");
    EQ(ec_cart_set_postal_code(f.cart, "W1A 1AA", NULL), EC_OK);
    PRICE_FAILS(EC_NO_TAX_RATE, "lines[0].sku"); /* no GB entry but SW1's */
    th_fx_close(&f);
    /* an entry's prefixes are kept the same way: " 9 00" is "900" */
    OPEN_TAX("", "{'category':'standard','country':'US','postal_codes':[' 9 00'],'percent':'5'}");
    RECART("A country=US postal=900-12");
    PRICE_OK();
    LTAXES(0, "standard@5=50");
    th_fx_close(&f);
}

/* A class match beats any entry without one; then postal, region,
 * country, "*"; then the earlier entry. */
static void test_tax_specificity(void)
{
    th_fx f;
    OPEN_TAX("", "{'category':'standard','country':'DE','percent':'19'},"
                 "{'category':'standard','country':'DE','postal_codes':['10'],'percent':'16'},"
                 "{'category':'standard','country':'*','tax_classes':['b2b'],"
                 "'rates':[{'name':'reverse charge','percent':'0'}]},"
                 "{'category':'standard','country':'*','region':'DE-BE','percent':'18'},"
                 "{'category':'standard','country':'DE','region':'DE-BE','percent':'17'},"
                 "{'category':'standard','country':'*','percent':'20'},"
                 "{'category':'reduced','country':'*','percent':'7'}");
    const char *const carts[][2] = {
        {"A country=DE postal=10115 class=b2b", "reverse charge@0=0"}, /* class beats postal */
        {"A country=DE postal=10115", "standard@16=160"},              /* postal beats region */
        {"A country=DE region=DE-BE", "standard@18=180"},  /* two region entries: the earlier */
        {"A country=DE region=DE-BY", "standard@19=190"},  /* no DE-BY: the country's */
        {"A country=FR", "standard@20=200"},               /* "*" */
        {"A country=FR class=unknown", "standard@20=200"}, /* a class no entry names */
        {"A country=FR class=b2b", "reverse charge@0=0"},  /* the class entry is "*" */
    };
    for (size_t k = 0; k < sizeof carts / sizeof carts[0]; k++) {
        RECART(carts[k][0]);
        PRICE_OK();
        LTAXES(0, carts[k][1]);
    }
    th_fx_close(&f);
}

/* Entries keyed on country and category only: a cart's region, postal
 * code or tax class changes nothing, and a country without an entry of
 * its own takes the "*" one; the same with so many countries and
 * categories that the index probes for them instead of tabling them. */
static void test_tax_country_and_category_only(void)
{
    th_fx f;
    OPEN_TAX("", "{'category':'standard','country':'DE','percent':'19'},"
                 "{'category':'standard','country':'*','percent':'20'},"
                 "{'category':'reduced','country':'DE','percent':'7'}");
    const char *const carts[][2] = {
        {"A country=DE", "standard@19=190"},
        {"A country=DE region=DE-BE postal=10115 class=b2b", "standard@19=190"},
        {"A country=FR", "standard@20=200"},
        {"A", "standard@20=200"}, /* no country: "*" */
        {"B country=DE", "reduced@7=175"},
    };
    for (size_t k = 0; k < sizeof carts / sizeof carts[0]; k++) {
        RECART(carts[k][0]);
        PRICE_OK();
        LTAXES(0, carts[k][1]);
    }
    RECART("B country=FR");
    PRICE_FAILS(EC_NO_TAX_RATE, "lines[0].sku"); /* no "*" entry for reduced */
    th_fx_close(&f);
    char tax[4096] = "{'category':'standard','country':'*','percent':'20'},"
                     "{'category':'standard','country':'C07','percent':'7'}";
    for (int k = 0; k < 40; k++) /* 41 rows (40 countries, the others) of 41 categories: probed */
        snprintf(tax + strlen(tax), sizeof tax - strlen(tax),
                 ",{'category':'k%02d','country':'C%02d','percent':'1'}", k, k);
    OPEN_TAX("", tax);
    RECART("A country=C07");
    PRICE_OK();
    LTAXES(0, "standard@7=70");
    RECART("A country=C08");
    PRICE_OK();
    LTAXES(0, "standard@20=200");
    RECART("B country=C07");
    PRICE_FAILS(EC_NO_TAX_RATE, "lines[0].sku");
    th_fx_close(&f);
}

static void test_tax_canada_gst_qst_hst(void)
{
    th_fx f;
    OPEN_TAX("", "{'category':'standard','country':'CA','region':'CA-QC','rates':["
                 "{'name':'GST','percent':'5'},{'name':'QST','percent':'9.975'}]},"
                 "{'category':'standard','country':'CA','region':'CA-ON',"
                 "'rates':[{'name':'HST','percent':'13'}]},"
                 "{'category':'standard','country':'CA','region':'CA-PE','rates':["
                 "{'name':'GST','percent':'5'},{'name':'PST','percent':'10','compound':true}]}");
    RECART("A country=CA region=CA-QC ship=std");
    PRICE_OK(); /* GST 5% of 1000 = 50; QST 9.975% = 99.75 -> 100 (half even); shipping 500:
                 * 25 and 49.875 -> 50 */
    LTAXES(0, "GST@5=50 QST@9.975=100");
    EQ(ec_price_result_line_tax_percent(R, 0), 149750);
    TAXES("GST@5=75 QST@9.975=150");
    SHIP("std 500 0 75 575");
    TOTALS("1000 0 225 1725");
    RECART("A country=CA region=CA-ON");
    PRICE_OK(); /* HST 13% instead of both */
    LTAXES(0, "HST@13=130");
    RECART("A country=CA region=CA-PE");
    PRICE_OK(); /* compound: 10% of 1000 + 50 = 105 */
    LTAXES(0, "GST@5=50 PST@10=105");
    TOTALS("1000 0 155 1155");
    th_fx_close(&f);
}

/* Inclusive prices: the tax inside the net for the summed percent, split
 * over the rates by their percents; the parts add up to the tax. */
static void test_tax_inclusive_two_rates(void)
{
    th_fx f;
    OPEN_TAX(",'prices_include_tax':true",
             "{'category':'standard','country':'CA','rates':[{'name':'GST','percent':'5'},"
             "{'name':'QST','percent':'9.975'}]}");
    RECART("A country=CA");
    PRICE_OK(); /* 1000 - round(1000 / 1.14975 = 869.75) = 130; by 5 : 9.975, 43.4 and 86.6:
                 * floors 43 + 86, the leftover to the larger remainder (QST): 43 + 87 */
    LTAXES(0, "GST@5=43 QST@9.975=87");
    TOTALS("1000 0 130 1000");
    RECART("A*7 country=CA");
    PRICE_OK(); /* 7000 - round(6088.28) = 912: 304.51 and 607.49 -> 304 + 607, the
                 * leftover to the larger remainder (GST) */
    LTAXES(0, "GST@5=305 QST@9.975=607");
    EQ(ec_price_result_line_tax(R, 0), 912);
    th_fx_close(&f);
}

/* tax_rounding total: per distinct percent over every rate of every item,
 * rounded once, allocated by base. */
static void test_tax_total_rounding_per_rate(void)
{
    th_fx f;
    const char *tax =
        "{'category':'standard','country':'US','rates':[{'name':'state','percent':'6'},"
        "{'name':'county','percent':'1'}]}";
    OPEN_TAX("", tax);
    RECART("C C country=US");
    PRICE_OK(); /* line rounding: 6% of 105 = 6.3 -> 6, 1% = 1.05 -> 1, twice */
    TAXES("state@6=12 county@1=2");
    th_fx_close(&f);
    OPEN_TAX(",'tax_rounding':'total'", tax);
    RECART("C C country=US");
    PRICE_OK(); /* 6% of 210 = 12.6 -> 13, split 105 : 105 as 7 + 6 (tie: the earlier);
                 * 1% of 210 = 2.1 -> 2, as 1 + 1 */
    LTAXES(0, "state@6=7 county@1=1");
    LTAXES(1, "state@6=6 county@1=1");
    TAXES("state@6=13 county@1=2");
    TOTALS("210 0 15 225");
    th_fx_close(&f);
    /* the same percent under two names shares one rounding */
    OPEN_TAX(",'tax_rounding':'total'",
             "{'category':'standard','country':'US','rates':[{'name':'state','percent':'6'}]},"
             "{'category':'reduced','country':'US','rates':[{'name':'local','percent':'6'}]}");
    RECART("C B country=US");
    PRICE_OK(); /* 6% of 105 + 2500 = 156.3 -> 156, by base: 6.29 and 149.71 -> 6 + 150 */
    LTAXES(0, "state@6=6");
    LTAXES(1, "local@6=150");
    th_fx_close(&f);
}

/* An exempt customer pays no tax: exclusive prices drop it, inclusive
 * prices are paid without it. */
static void test_tax_exempt_both_modes(void)
{
    th_fx f;
    const char *vat =
        "{'category':'standard','country':'DE','rates':[{'name':'VAT','percent':'19'}]},"
        "{'category':'reduced','country':'DE','rates':[{'name':'VAT','percent':'7'}]}";
    OPEN_TAX("", vat);
    RECART("A ship=std country=DE exempt=1");
    PRICE_OK(); /* 190 and 95 would be due; the rates stay listed at 0 */
    LTAXES(0, "VAT@19=0");
    TAXES("VAT@19=0");
    SHIP("std 500 0 0 500");
    TOTALS("1000 0 0 1500");
    th_fx_close(&f);
    OPEN_TAX(",'prices_include_tax':true", vat);
    RECART("A B ship=std country=DE");
    PRICE_OK(); /* inside 1000: 1000 - round(840.34) = 160; inside 2500 at 7%: 2500 - 2336 = 164;
                 * inside 500: 500 - 420 = 80 */
    LINES(tax, "160 164");
    TOTALS("3500 0 404 4000");
    RECART("A B ship=std country=DE exempt=1");
    PRICE_OK(); /* the customer pays the nets without their tax: 840, 2336 and 420 */
    LINES(net, "840 2336");
    LINES(total, "840 2336");
    LINES(tax, "0 0");
    LINES(discount, "0 0");
    LTAXES(1, "VAT@7=0");
    SHIP("std 500 0 0 420");
    TOTALS("3500 0 0 3596");
    th_fx_close(&f);
}

/* shipping_tax proportional: the fee spread over the lines by net, each
 * share taxed with that line's rates. */
static void test_tax_proportional_shipping_three_rates(void)
{
    th_fx f;
    CU_ASSERT_FATAL(th_fx_open(
        &f, "{'currency':'EUR','shipping_tax':'proportional','tax':["
            "{'category':'standard','country':'DE','percent':'19'},"
            "{'category':'reduced','country':'DE','percent':'7'},"
            "{'category':'zero','country':'DE','percent':'0'}],"
            "'products':[{'sku':'S','prices':'60.00'},{'sku':'R','prices':'30.00',"
            "'tax_category':'reduced'},{'sku':'Z','prices':'10.00','tax_category':'zero'}],"
            "'promotions':[{'id':'ALL','coupon':'ALL','action':{'type':'percent_off',"
            "'percent':'100'}}],'shipping':[{'id':'std','prices':'5.00'}]}"));
    RECART("S R Z ship=std country=DE");
    PRICE_OK(); /* 500 by 6000 : 3000 : 1000 = 300, 150, 50; taxed 57, 10.5 -> 10, 0 */
    LINES(tax, "1140 210 0");
    SHIP("std 500 0 67 567");
    TAXES("standard@19=1197 reduced@7=220 zero@0=0");
    TOTALS("10000 0 1417 11917");
    RECART("S R Z ship=std country=DE coupon=ALL");
    PRICE_OK(); /* every net 0: the fee is taxed by its category, standard 19% */
    SHIP("std 500 0 95 595");
    TAXES("standard@19=95 reduced@7=0 zero@0=0");
    th_fx_close(&f);
}

static void test_tax_without_entries(void)
{
    th_fx f;
    CU_ASSERT_FATAL(th_fx_open(&f, "{'currency':'EUR','products':[{'sku':'A','prices':'1.00'}]}"));
    RECART("A country=US region=US-CA postal=90012 class=b2b exempt=1");
    PRICE_OK(); /* no entries: every tax 0 and no rates at all */
    LTAXES(0, "");
    TAXES("");
    TOTALS("100 0 0 100");
    th_fx_close(&f);
}

/* ---- refusals --------------------------------------------------------------------- */

/* A ruleset with these tax entries must be refused at field; the message
 * must contain `says` when given. */
static void refused(const char *settings, const char *tax, ec_status status, const char *field,
                    const char *says, unsigned line)
{
    char doc[4096];
    ec_ruleset *rs = NULL;
    ec_error e = th_error();
    snprintf(doc, sizeof doc, "{'currency':'EUR'%s,'tax':[%s]}", settings, tax);
    ec_status st = th_rules(doc, &rs, &e);
    th_expect_error(st, &e, status, field, __FILE__, line);
    char what[200];
    snprintf(what, sizeof what, "message \"%.150s\" says it", e.message);
    if (says) th_expect_i64(strstr(e.message, says) != NULL, 1, what, __FILE__, line);
    ec_ruleset_free(rs);
}
#define REFUSED(settings, tax, field, says)                                                        \
    refused(settings, tax, EC_INVALID_FIELD, field, says, __LINE__)

static const char std_de[] = "{'category':'standard','country':'DE','percent':'19'},";

static void test_tax_entry_refusals(void)
{
    char tax[1024];
    snprintf(tax, sizeof tax, "%s%s{'category':'y','country':'US','percent':'2'}", std_de, std_de);
    REFUSED("", tax, "tax[1]", "tax[0] and tax[1]"); /* the same rule twice */
    /* a field's problem comes before any problem between entries */
    snprintf(tax, sizeof tax,
             "%s{'category':'y','country':'US','percent':'2'},{'category':'z','country':'US',"
             "'percent':'3'},{'category':'x','country':'DE','rates':[{'name':'a','percent':'1'},"
             "{'name':'b','percent':'abc'}]}",
             std_de);
    REFUSED("", tax, "tax[3].rates[1].percent", NULL);
    REFUSED("", "{'category':'x','country':'DE','rates':[]}", "tax[0].rates", NULL);
    REFUSED("",
            "{'category':'x','country':'DE','rates':[{'name':'a','percent':'1'},"
            "{'name':'a','percent':'2'}]}",
            "tax[0].rates[1].name", "named twice");
    REFUSED("", "{'category':'x','country':'DE'}", "tax[0].percent", "percent or rates");
    REFUSED("",
            "{'category':'x','country':'DE','percent':'1','rates':[{'name':'a','percent':'1'}]}",
            "tax[0].rates", "not both");
    REFUSED("", "{'category':'x','country':'DE','rates':[{'name':'a','percent':'1','colour':1}]}",
            "tax[0].rates[0].colour", NULL);
    REFUSED("", "{'category':'x','country':'DE','postal_codes':['10','  '],'percent':'1'}",
            "tax[0].postal_codes[1]", "more than spaces");
    REFUSED("", "{'category':'x','country':'DE','region':'','percent':'1'}", "tax[0].region", NULL);
    REFUSED("", "{'category':'x','country':'DE','tax_classes':'b2b','percent':'1'}",
            "tax[0].tax_classes", NULL);
    REFUSED(",'shipping_tax':'lines'", "", "shipping_tax", "proportional");
    /* compound rates need exclusive prices taxed line by line */
    const char *compound = "{'category':'x','country':'DE','rates':[{'name':'a','percent':'5'},"
                           "{'name':'b','percent':'9','compound':true}]}";
    REFUSED(",'prices_include_tax':true", compound, "tax[0].rates[1].compound", "line");
    REFUSED(",'tax_rounding':'total'", compound, "tax[0].rates[1].compound", NULL);
    REFUSED("", "{'category':'x','country':'DE','rates':[{'name':'a','percent':'5','compound':1}]}",
            "tax[0].rates[0].compound", NULL);
}

/* Equally specific entries are refused naming both; entries that differ
 * in a key, a prefix or disjoint classes are not. */
static void test_tax_equally_specific_refused(void)
{
    REFUSED("",
            "{'category':'s','country':'US','region':'US-CA','postal_codes':['900','901'],"
            "'percent':'1'},{'category':'r','country':'US','percent':'1'},"
            "{'category':'s','country':'US','region':'US-CA','postal_codes':['905','901'],"
            "'percent':'2'}",
            "tax[2]", "tax[0] and tax[2] are equally specific");
    REFUSED("",
            "{'category':'s','country':'DE','tax_classes':['a','b'],'percent':'1'},"
            "{'category':'s','country':'DE','tax_classes':['c','b'],'percent':'2'}",
            "tax[1]", "a tax class in common");
    ec_ruleset *rs =
        th_load("{'currency':'EUR','tax':[{'category':'s','country':'DE','percent':'19'},"
                "{'category':'s','country':'DE','tax_classes':['a'],'percent':'1'},"
                "{'category':'s','country':'DE','tax_classes':['b'],'percent':'2'},"
                "{'category':'s','country':'DE','region':'DE-BE','percent':'3'},"
                "{'category':'s','country':'*','region':'DE-BE','percent':'4'},"
                "{'category':'s','country':'DE','postal_codes':['10'],'percent':'5'},"
                "{'category':'s','country':'DE','postal_codes':['101','10 1'],'percent':'6'},"
                "{'category':'r','country':'DE','percent':'7'}]}");
    CU_ASSERT_PTR_NOT_NULL(rs); /* the same prefix twice in one entry is one prefix */
    ec_ruleset_free(rs);
}

/* Display prices of batch repricing follow the place as a cart's do. */
static void test_tax_reprice_place(void)
{
    ec_ruleset *rs = th_load("{'currency':'EUR','tax':[{'category':'standard','country':'CA',"
                             "'region':'CA-PE','rates':[{'name':'GST','percent':'5'},"
                             "{'name':'PST','percent':'10','compound':true}]},"
                             "{'category':'standard','country':'CA','percent':'5'}],"
                             "'products':[{'sku':'A','prices':'10.00'}]}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    ec_repricer *rp = ec_repricer_new(rs);
    ec_reprice_item *it = ec_reprice_item_new();
    ec_reprice_result *res = ec_reprice_result_new();
    ec_reprice_context *pe = NULL, *ca = NULL;
    ec_error e = th_error();
    CU_ASSERT_FATAL(rp && it && res);
    EXPECT_ERR(
        ec_reprice_context_new_v2(rp, NULL, "CA", NULL, NULL, "CA-PE", NULL, NULL, 0, &pe, &e), e,
        EC_OK, "");
    EXPECT_ERR(ec_reprice_context_new(rp, NULL, "CA", NULL, NULL, 0, &ca, &e), e, EC_OK, "");
    EQ(ec_reprice_item_set_sku(it, "A", 1, NULL), EC_OK);
    EQ(ec_repricer_price(rp, pe, it, res, NULL), EC_OK);
    EQ(ec_reprice_result_display_price(res), 1155); /* 1000 + 50 + 10% of 1050 */
    EQ(ec_reprice_result_tax_percent(res), 150000);
    EQ(ec_repricer_price(rp, ca, it, res, NULL), EC_OK);
    EQ(ec_reprice_result_display_price(res), 1050); /* the country's 5% */
    ec_reprice_context *bad = NULL;
    EXPECT_ERR(ec_reprice_context_new_v2(rp, NULL, "CA", NULL, NULL, NULL, "\t", NULL, 0, &bad, &e),
               e, EC_INVALID_FIELD, "postal_code");
    CU_ASSERT_PTR_NULL(bad);
    ec_reprice_context_free(pe);
    ec_reprice_context_free(ca);
    ec_reprice_result_free(res);
    ec_reprice_item_free(it);
    ec_repricer_free(rp);
    ec_ruleset_free(rs);
}

static CU_TestInfo jurisdiction_tests[] = {
    {"us_state_county_city", test_tax_us_state_county_city},
    {"postal_codes_normalized", test_tax_postal_codes_normalized},
    {"specificity", test_tax_specificity},
    {"country_and_category_only", test_tax_country_and_category_only},
    {"without_entries", test_tax_without_entries},
    {"reprice_place", test_tax_reprice_place},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo rate_tests[] = {
    {"canada_gst_qst_hst", test_tax_canada_gst_qst_hst},
    {"inclusive_two_rates", test_tax_inclusive_two_rates},
    {"total_rounding_per_rate", test_tax_total_rounding_per_rate},
    {"exempt_both_modes", test_tax_exempt_both_modes},
    {"proportional_shipping_three_rates", test_tax_proportional_shipping_three_rates},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo refusal_tests[] = {
    {"entry_refusals", test_tax_entry_refusals},
    {"equally_specific_refused", test_tax_equally_specific_refused},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_tax_suites[] = {
    {.pName = "tax.jurisdiction", .pTests = jurisdiction_tests},
    {.pName = "tax.rates", .pTests = rate_tests},
    {.pName = "tax.refusals", .pTests = refusal_tests},
    CU_SUITE_INFO_NULL,
};
