/* test_json.c - unit tests for the JSON facade of pricing: reading cart
 * documents (every refusal with its field path), the result document byte
 * for byte, the error document, the reusable pricer and string escaping.
 *
 * Documents, and the expected output, use single quotes for double quotes
 * (helpers.h); \\' in a literal is an escaped quote inside a JSON string. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "cart/cart_internal.h"
#include "ecommerce/json.h"
#include "helpers.h"
#include "json/cart_json.h"

#define EXPECT_ERR(st, e, status, field)                                                           \
    th_expect_error(st, &(e), status, field, __FILE__, __LINE__)
#define EQ(a, b) th_expect_i64((int64_t)(a), (int64_t)(b), #a, __FILE__, __LINE__)
#define STR_EQ(a, b) th_expect_str(a, b, #a, __FILE__, __LINE__)

/* A cart document that must be refused with status at field. */
#define CART_REFUSED(doc, status, field) cart_refused(doc, status, field, __LINE__)

static void cart_refused(const char *doc, ec_status status, const char *field, unsigned line)
{
    ec_cart *cart = ec_cart_new();
    ec_error e = th_error();
    th_expect_error(th_cart_json(cart, doc, &e), &e, status, field, __FILE__, line);
    /* a refused document leaves the cart empty */
    th_expect_i64((int64_t)ec_cart_line_count(cart), 0, "lines after a refusal", __FILE__, line);
    ec_cart_free(cart);
}

/* A valid cart document with the given members before "lines". */
static char *cart_with(const char *members, const char *lines)
{
    static const char fmt[] = "{'currency':'EUR','at':'2026-11-28T10:00:00Z',%s'lines':%s}";
    char *s = malloc(sizeof fmt + strlen(members) + strlen(lines));
    if (s) sprintf(s, fmt, members, lines);
    return s;
}

#define CART_WITH_REFUSED(members, lines, status, field)                                           \
    do {                                                                                           \
        char *d_ = cart_with(members, lines);                                                      \
        cart_refused(d_, status, field, __LINE__);                                                 \
        free(d_);                                                                                  \
    } while (0)

/* ---- reading a cart document ------------------------------------------------------ */

static void test_json_cart_invalid_json(void)
{
    CART_REFUSED("", EC_INVALID_JSON, "");
    CART_REFUSED(" \n\t", EC_INVALID_JSON, "");
    CART_REFUSED("{'currency':'EUR'", EC_INVALID_JSON, "");
    CART_REFUSED("{'currency':'EUR',}", EC_INVALID_JSON, "");
    /* only white space may follow the document */
    char *doc = cart_with("", "[{'sku':'A','quantity':1}]");
    char *tail = malloc(strlen(doc) + 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tail);
    const char *const after[] = {" x", "{}", ",", "\x01", " // c"};
    for (size_t k = 0; k < sizeof after / sizeof after[0]; k++) {
        sprintf(tail, "%s%s", doc, after[k]);
        CART_REFUSED(tail, EC_INVALID_JSON, "");
    }
    sprintf(tail, "%s \r\n\t", doc);
    ec_cart *cart = ec_cart_new();
    ec_error e = th_error();
    EXPECT_ERR(th_cart_json(cart, tail, &e), e, EC_OK, "");
    /* len bounds the document: what lies beyond it is not read */
    e = th_error();
    char *json = th_json(doc);
    EXPECT_ERR(ec_cart_from_json(cart, json, strlen(json) - 1, &e), e, EC_INVALID_JSON, "");
    e = th_error();
    EXPECT_ERR(ec_cart_from_json(cart, NULL, 0, &e), e, EC_INVALID_JSON, "");
    e = th_error();
    EXPECT_ERR(ec_cart_from_json(cart, NULL, 5, &e), e, EC_MISUSE, "");
    e = th_error();
    EXPECT_ERR(ec_cart_from_json(NULL, json, strlen(json), &e), e, EC_MISUSE, "");
    /* nesting beyond EC_JSON_MAX_DEPTH is refused before cJSON recurses */
    char deep[2 * (EC_JSON_MAX_DEPTH + 1) + 1];
    for (int k = 0; k <= EC_JSON_MAX_DEPTH; k++) {
        deep[k] = '[';
        deep[2 * (EC_JSON_MAX_DEPTH + 1) - 1 - k] = ']';
    }
    deep[2 * (EC_JSON_MAX_DEPTH + 1)] = '\0';
    e = th_error();
    EXPECT_ERR(ec_cart_from_json(cart, deep, strlen(deep), &e), e, EC_INVALID_JSON, "");
    /* an escaped NUL would cut a SKU short; an escaped backslash before
     * "u0000" is an ordinary string */
    const char nul[] = "{\"currency\":\"EUR\",\"at\":\"2026-11-28T10:00:00Z\","
                       "\"lines\":[{\"sku\":\"A\\u0000x\",\"quantity\":1}]}";
    e = th_error();
    EXPECT_ERR(ec_cart_from_json(cart, nul, strlen(nul), &e), e, EC_INVALID_FIELD, "");
    const char slash[] = "{\"currency\":\"EUR\",\"at\":\"2026-11-28T10:00:00Z\","
                         "\"lines\":[{\"sku\":\"A\\\\u0000x\",\"quantity\":1}]}";
    e = th_error();
    EXPECT_ERR(ec_cart_from_json(cart, slash, strlen(slash), &e), e, EC_OK, "");
    STR_EQ(ec_cart_line_sku(cart, 0), "A\\u0000x");
    ec_cart_free(cart);
    free(json);
    free(tail);
    free(doc);
}

static void test_json_cart_wrong_types(void)
{
    CART_REFUSED("[]", EC_INVALID_FIELD, "");
    CART_REFUSED("'cart'", EC_INVALID_FIELD, "");
    CART_REFUSED("{'currency':978,'at':'2026-11-28T10:00:00Z','lines':[{'sku':'A','quantity':1}]}",
                 EC_INVALID_FIELD, "currency");
    CART_REFUSED("{'currency':'EUR','at':1764324000,'lines':[{'sku':'A','quantity':1}]}",
                 EC_INVALID_FIELD, "at");
    CART_WITH_REFUSED("", "{'sku':'A','quantity':1}", EC_INVALID_FIELD, "lines");
    CART_WITH_REFUSED("", "['A']", EC_INVALID_FIELD, "lines[0]");
    CART_WITH_REFUSED("", "[{'sku':'A','quantity':1},{'sku':5,'quantity':1}]", EC_INVALID_FIELD,
                      "lines[1].sku");
    CART_WITH_REFUSED("'coupons':'WELCOME5',", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                      "coupons");
    CART_WITH_REFUSED("'coupons':['OK',5],", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                      "coupons[1]");
    CART_WITH_REFUSED("'country':276,", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD, "country");
    CART_WITH_REFUSED("'customer_group':true,", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                      "customer_group");
    CART_WITH_REFUSED("'channel':['web'],", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                      "channel");
    CART_WITH_REFUSED("'shipping_method':{},", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                      "shipping_method");
    CART_WITH_REFUSED("'id':7,", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD, "id");
    CART_WITH_REFUSED("'promotion_uses':[],", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                      "promotion_uses");
}

static void test_json_cart_unknown_and_repeated_keys(void)
{
    CART_WITH_REFUSED("'foo':1,", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD, "foo");
    CART_WITH_REFUSED("'Currency':'EUR',", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                      "Currency");
    CART_WITH_REFUSED("", "[{'sku':'A','quantity':1,'price':'1.00'}]", EC_INVALID_FIELD,
                      "lines[0].price");
    CART_WITH_REFUSED("'currency':'EUR',", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                      "currency");
    CART_WITH_REFUSED("", "[{'sku':'A','quantity':1,'sku':'B'}]", EC_INVALID_FIELD, "lines[0].sku");
}

static void test_json_cart_required_members(void)
{
    CART_REFUSED("{'at':'2026-11-28T10:00:00Z','lines':[{'sku':'A','quantity':1}]}",
                 EC_INVALID_FIELD, "currency");
    CART_REFUSED("{'currency':'EUR','lines':[{'sku':'A','quantity':1}]}", EC_INVALID_FIELD, "at");
    CART_REFUSED("{'currency':'EUR','at':'2026-11-28T10:00:00Z'}", EC_INVALID_FIELD, "lines");
    CART_REFUSED("{'currency':null,'at':'2026-11-28T10:00:00Z','lines':[{'sku':'A','quantity':1}]}",
                 EC_INVALID_FIELD, "currency");
    CART_WITH_REFUSED("", "[]", EC_INVALID_FIELD, "lines");
    CART_WITH_REFUSED("", "null", EC_INVALID_FIELD, "lines");
    CART_WITH_REFUSED("", "[{'quantity':1}]", EC_INVALID_FIELD, "lines[0].sku");
    CART_WITH_REFUSED("", "[{'sku':'A'}]", EC_INVALID_FIELD, "lines[0].quantity");
    CART_REFUSED(
        "{'currency':'XYZ','at':'2026-11-28T10:00:00Z','lines':[{'sku':'A','quantity':1}]}",
        EC_UNKNOWN_CURRENCY, "currency");
    CART_REFUSED("{'currency':'EUR','at':'2026-11-28','lines':[{'sku':'A','quantity':1}]}",
                 EC_INVALID_FIELD, "at");
}

static void test_json_cart_quantities(void)
{
    static const char *const bad[] = {"1.5", "'2'", "0", "-1", "1000001", "true", "null"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char lines[128];
        snprintf(lines, sizeof lines,
                 "[{'sku':'A','quantity':1},{'sku':'B','quantity':2},{'sku':'C','quantity':%s}]",
                 bad[k]);
        CART_WITH_REFUSED("", lines, EC_INVALID_FIELD, "lines[2].quantity");
    }
    ec_cart *cart = ec_cart_new();
    ec_error e = th_error();
    char *doc = cart_with("", "[{'sku':'A','quantity':1000000},{'sku':'A','quantity':1}]");
    EXPECT_ERR(th_cart_json(cart, doc, &e), e, EC_OK, "");
    EQ(ec_cart_line_count(cart), 2);
    EQ(ec_cart_line_quantity(cart, 0), 1000000);
    EQ(ec_cart_line_quantity(cart, 1), 1);
    free(doc);
    ec_cart_free(cart);
}

static void test_json_cart_promotion_uses(void)
{
    static const char *const bad[] = {"-1", "1.5", "'3'", "true"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char members[64];
        snprintf(members, sizeof members, "'promotion_uses':{'P0':1,'P1':%s},", bad[k]);
        CART_WITH_REFUSED(members, "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                          "promotion_uses.P1");
    }
    CART_WITH_REFUSED("'promotion_uses':{'':1},", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                      "promotion_uses.");
    /* null is absent, like any optional key */
    ec_cart *cart = ec_cart_new();
    ec_error e = th_error();
    char *doc = cart_with("'promotion_uses':null,'coupons':null,'id':null,'country':null,",
                          "[{'sku':'A','quantity':1}]");
    EXPECT_ERR(th_cart_json(cart, doc, &e), e, EC_OK, "");
    CU_ASSERT_PTR_NULL(ec_cart_id(cart));
    free(doc);
    ec_cart_free(cart);
}

static void test_json_cart_limits_and_identifiers(void)
{
    size_t cap = 1100 * 32 + 200;
    char *lines = malloc(cap), *coupons = malloc(cap);
    CU_ASSERT_FATAL(lines && coupons);
    size_t n = (size_t)sprintf(lines, "[");
    for (int i = 0; i < 1001; i++)
        n += (size_t)sprintf(lines + n, "%s{'sku':'S%d','quantity':1}", i ? "," : "", i);
    strcpy(lines + n, "]");
    CART_WITH_REFUSED("", lines, EC_LIMIT_EXCEEDED, "lines");
    n = (size_t)sprintf(coupons, "'coupons':[");
    for (int i = 0; i < 101; i++) n += (size_t)sprintf(coupons + n, "%s'C%d'", i ? "," : "", i);
    strcpy(coupons + n, "],");
    CART_WITH_REFUSED(coupons, "[{'sku':'A','quantity':1}]", EC_LIMIT_EXCEEDED, "coupons");
    free(coupons);
    free(lines);
    /* identifiers: no control characters, valid UTF-8, 1 to 128 bytes */
    CART_WITH_REFUSED("", "[{'sku':'A\\u0001','quantity':1}]", EC_INVALID_FIELD, "lines[0].sku");
    CART_WITH_REFUSED("", "[{'sku':'A\\u007f','quantity':1}]", EC_INVALID_FIELD, "lines[0].sku");
    CART_WITH_REFUSED("", "[{'sku':'\xff','quantity':1}]", EC_INVALID_FIELD, "lines[0].sku");
    CART_WITH_REFUSED("", "[{'sku':'','quantity':1}]", EC_INVALID_FIELD, "lines[0].sku");
    CART_WITH_REFUSED("'coupons':['A\\nB'],", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                      "coupons[0]");
    CART_WITH_REFUSED("'country':'D\\tE',", "[{'sku':'A','quantity':1}]", EC_INVALID_FIELD,
                      "country");
}

static void test_json_cart_reads_every_field(void)
{
    ec_cart *cart = ec_cart_new();
    ec_error e = th_error();
    char *doc = cart_with("'id':'c-1','country':'DE','customer_group':'retail','channel':'web',"
                          "'coupons':['WELCOME5'],'shipping_method':'standard',"
                          "'promotion_uses':{'WELCOME5':41},",
                          "[{'sku':'SHOE-1','quantity':2},{'sku':'SHOE-1','quantity':3}]");
    EXPECT_ERR(th_cart_json(cart, doc, &e), e, EC_OK, "");
    STR_EQ(ec_cart_id(cart), "c-1");
    STR_EQ(ec_cart_currency(cart), "EUR");
    EQ(ec_cart_line_count(cart), 2);
    STR_EQ(ec_cart_line_sku(cart, 1), "SHOE-1");
    EQ(ec_cart_line_quantity(cart, 1), 3);
    /* reading a document starts from an empty cart; a refused one leaves it empty */
    EXPECT_ERR(th_cart_json(cart, doc, &e), e, EC_OK, "");
    EQ(ec_cart_line_count(cart), 2);
    EXPECT_ERR(th_cart_json(cart, "{'currency':'EUR'}", &e), e, EC_INVALID_FIELD, "at");
    EQ(ec_cart_line_count(cart), 0);
    CU_ASSERT_PTR_NULL(ec_cart_currency(cart));
    CU_ASSERT_PTR_NULL(ec_cart_id(cart));
    free(doc);
    ec_cart_free(cart);
}

/* Where and as whom a cart is taxed, the customer, and the counts a
 * service keeps: read, and refused with their paths. */
static void test_json_cart_v2_fields(void)
{
    ec_cart *cart = ec_cart_new();
    ec_error e = th_error();
    char *doc = cart_with("'region':'US-CA','postal_code':'90012','tax_class':'b2b',"
                          "'customer':'c-9','tax_exempt':true,'coupon_uses':{'Save':2,'SAVE':3},"
                          "'customer_promotion_uses':{'P':1},'promotion_spent':{'P':'12.34'},",
                          "[{'sku':'A','quantity':1}]");
    EXPECT_ERR(th_cart_json(cart, doc, &e), e, EC_OK, "");
    STR_EQ(ec_cart_region(cart), "US-CA");
    STR_EQ(ec_cart_postal_code(cart), "90012");
    STR_EQ(ec_cart_tax_class(cart), "b2b");
    STR_EQ(ec_cart_customer(cart), "c-9");
    EQ(ec_cart_tax_exempt(cart), 1);
    EQ(cart->coupon_uses.n, 1); /* codes compare without case: the last count wins */
    EQ(ec__counts_get(&cart->coupon_uses, "save", 4), 3);
    EQ(ec__counts_get(&cart->spent, "P", 1), 1234); /* cents of the cart's currency */
    free(doc);
    ec_cart_free(cart);
    const char *one = "[{'sku':'A','quantity':1}]";
    CART_WITH_REFUSED("'tax_exempt':1,", one, EC_INVALID_FIELD, "tax_exempt");
    CART_WITH_REFUSED("'region':'',", one, EC_INVALID_FIELD, "region");
    CART_WITH_REFUSED("'postal_code':7,", one, EC_INVALID_FIELD, "postal_code");
    CART_WITH_REFUSED("'customer':'a\\u0001',", one, EC_INVALID_FIELD, "customer");
    CART_WITH_REFUSED("'tax_class':[],", one, EC_INVALID_FIELD, "tax_class");
    CART_WITH_REFUSED("'coupon_uses':{'X':-1},", one, EC_INVALID_FIELD, "coupon_uses.X");
    CART_WITH_REFUSED("'customer_promotion_uses':[],", one, EC_INVALID_FIELD,
                      "customer_promotion_uses");
    CART_WITH_REFUSED("'promotion_spent':{'P':12},", one, EC_INVALID_FIELD, "promotion_spent.P");
    CART_WITH_REFUSED("'promotion_spent':{'P':'1.234'},", one, EC_INVALID_FIELD,
                      "promotion_spent.P");
}

/* ---- the two cart readers --------------------------------------------------------- */

/* A valid document (raw JSON): the scanner reads it (scanned) or leaves it
 * to the cJSON reader; either way ec_cart_from_json reads the same cart as
 * the cJSON reader alone. */
static void both_readers(const char *json, int scanned, unsigned line)
{
    ec_cart *scan = ec_cart_new(), *tree = ec_cart_new(), *api = ec_cart_new();
    CU_ASSERT_FATAL(scan && tree && api);
    ec_error e = th_error();
    size_t n = strlen(json);
    th_expect_i64(ec__cart_scan(scan, json, n), scanned, "scanned", __FILE__, line);
    th_expect_error(ec__cart_from_json_tree(tree, json, n, &e), &e, EC_OK, "", __FILE__, line);
    th_expect_error(ec_cart_from_json(api, json, n, &e), &e, EC_OK, "", __FILE__, line);
    th_expect_i64(ec__cart_equal(api, tree), 1, "same cart", __FILE__, line);
    if (scanned) th_expect_i64(ec__cart_equal(scan, tree), 1, "same scanned cart", __FILE__, line);
    ec_cart_free(api);
    ec_cart_free(tree);
    ec_cart_free(scan);
}

#define BOTH(json, scanned) both_readers(json, scanned, __LINE__)
#define CART_HEAD "{\"currency\":\"EUR\",\"at\":\"2026-11-28T10:00:00Z\","
#define ONE_LINE "\"lines\":[{\"sku\":\"A\",\"quantity\":1}]"

static void test_json_cart_scanner_agrees(void)
{
    BOTH(CART_HEAD ONE_LINE "}", 1);
    /* every member, nulls, white space of each kind, any key order */
    BOTH(" \t\r\n{ \"promotion_uses\" : { \"P\" : 0 , \"Q\":12, \"P\":3 } ,\n"
         "\"lines\":[ {\"quantity\":1000000,\"sku\":\"\xc3\xa9t\xc3\xa9\"}, {\"sku\":\"A\","
         "\"quantity\":7} ],\"coupons\":[\"SAVE\",\"save\"],\"id\":\"c-1\","
         "\"country\":null,\"customer_group\":\"vip\",\"channel\":\"web\","
         "\"shipping_method\":\"express\",\"at\":\"2026-11-28T10:00:00+01:00\","
         "\"currency\":\"JPY\"}\r\n",
         1);
    BOTH(CART_HEAD "\"coupons\":[],\"promotion_uses\":{},\"id\":null," ONE_LINE "}", 1);
    /* the version 2 members */
    BOTH(CART_HEAD
         "\"region\":\"US-CA\",\"postal_code\":\"900 12\",\"tax_class\":\"b2b\","
         "\"customer\":\"c\",\"tax_exempt\":true,\"coupon_uses\":{\"A\":1,\"a\":2},"
         "\"customer_promotion_uses\":{\"P\":0},\"promotion_spent\":{\"P\":\"1.5\"}," ONE_LINE "}",
         1);
    BOTH(CART_HEAD "\"tax_exempt\":false,\"region\":null,\"coupon_uses\":null," ONE_LINE "}", 1);
    BOTH(CART_HEAD "\"tax_exempt\":null," ONE_LINE "}", 1);
    /* money before the currency: the scanner cannot read it yet */
    BOTH("{\"promotion_spent\":{\"P\":\"1\"},\"currency\":\"KWD\",\"at\":"
         "\"2026-11-28T10:00:00Z\"," ONE_LINE "}",
         0);
    /* valid, but left to the cJSON reader: escapes, numbers not written
     * as plain digits, a byte order mark, control bytes as white space */
    BOTH(CART_HEAD "\"lines\":[{\"sku\":\"A\\u0042\",\"quantity\":1}]}", 0);
    BOTH(CART_HEAD "\"lines\":[{\"sku\":\"A\",\"quantity\":1.0}]}", 0);
    BOTH(CART_HEAD "\"lines\":[{\"sku\":\"A\",\"quantity\":2e0}]}", 0);
    BOTH(CART_HEAD "\"lines\":[{\"sku\":\"A\",\"quantity\":01}]}", 0);
    BOTH(CART_HEAD "\"promotion_uses\":{\"P\":-0}," ONE_LINE "}", 0);
    BOTH("\xef\xbb\xbf" CART_HEAD ONE_LINE "}", 0);
    BOTH("\x0b" CART_HEAD ONE_LINE "}", 0);
    BOTH(CART_HEAD "\"id\":\"a\\\"b\"," ONE_LINE "}", 0);
}

#undef BOTH
#undef CART_HEAD
#undef ONE_LINE

/* ---- result documents ---------------------------------------------------------- */

/* Price a single-quoted cart document with ec_json_price and compare the
 * output with the single-quoted expectation, byte for byte. */
static void expect_output(const ec_ruleset *rs, const char *cart, const char *want, unsigned line)
{
    char *doc = th_json(cart), *expected = th_json(want), *out = NULL;
    size_t len = 0;
    ec_error e = th_error();
    ec_status st = ec_json_price(rs, doc, strlen(doc), &out, &len, &e);
    th_expect_error(st, &e, EC_OK, "", __FILE__, line);
    th_expect_str(out, expected, "result document", __FILE__, line);
    th_expect_i64((int64_t)len, out ? (int64_t)strlen(out) : -1, "out_len", __FILE__, line);
    ec_free(out);
    free(expected);
    free(doc);
}
#define OUTPUT(rs, cart, want) expect_output(rs, cart, want, __LINE__)

static const char spec_cart[] =
    "{'currency':'EUR','country':'DE','customer_group':'retail','channel':'web',"
    "'at':'2026-11-28T10:00:00Z','lines':[{'sku':'SHOE-1','quantity':2}],"
    "'coupons':['WELCOME5'],'shipping_method':'standard','promotion_uses':{'WELCOME5':41}}";

/* The documented example: the example ruleset and the cart's first line;
 * the shipping fee (0.00) counts in the summary's standard 19%. */
static const char spec_result[] =
    "{'currency':'EUR','lines':[{'sku':'SHOE-1','quantity':2,'list_price':'59.90',"
    "'unit_price':'59.90','price_list':null,'product_promotion':null,'subtotal':'119.80',"
    "'discounts':[{'promotion':'BF-SHOES','amount':'11.98'}],'discount':'11.98',"
    "'net':'107.82','tax_percent':'19','tax':'20.49',"
    "'taxes':[{'name':'standard','percent':'19','amount':'20.49'}],'total':'128.31'}],"
    "'subtotal':'119.80','discount':'11.98','shipping':{'method':'standard','price':'0.00',"
    "'discount':'0.00','tax':'0.00','total':'0.00'},'tax':'20.49',"
    "'taxes':[{'name':'standard','percent':'19','amount':'20.49'}],'total':'128.31',"
    "'promotions':[{'id':'BF-SHOES','applied':true,'amount':'11.98'}],"
    "'coupons':[{'code':'WELCOME5','status':'unknown'}]}";

static void test_json_price_spec_example_bytes(void)
{
    ec_ruleset *rs = th_load(th_spec_ruleset());
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    OUTPUT(rs, spec_cart, spec_result);
    ec_ruleset_free(rs);
}

static void test_json_price_every_member_bytes(void)
{
    /* list 2.00 from "web", half off by "half": unit 1.00, 3 units; Q takes
     * 50% of 3.00; tax 7.5% of 1.50 = 11.25 cents -> half_even 11 */
    ec_ruleset *rs =
        th_load("{'currency':'EUR','tax':[{'category':'standard','country':'*','percent':'7.5'}],"
                "'products':[{'sku':'A','prices':'9.00'}],'price_lists':[{'id':'web','prices':"
                "[{'sku':'A','price':'2.00'}]}],'promotions':[{'id':'half','level':'product',"
                "'action':{'type':'percent_off','percent':'50'}},{'id':'P','coupon':'X',"
                "'action':{'type':'percent_off','percent':'10'}},{'id':'Q','action':{'type':"
                "'percent_off','percent':'50'}}]}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    OUTPUT(rs,
           "{'id':'c-1','currency':'EUR','at':'2026-11-28T10:00:00Z',"
           "'lines':[{'sku':'A','quantity':3}]}",
           "{'id':'c-1','currency':'EUR','lines':[{'sku':'A','quantity':3,'list_price':'2.00',"
           "'unit_price':'1.00','price_list':'web','product_promotion':'half','subtotal':'3.00',"
           "'discounts':[{'promotion':'Q','amount':'1.50'}],'discount':'1.50','net':'1.50',"
           "'tax_percent':'7.5','tax':'0.11','taxes':[{'name':'standard','percent':'7.5',"
           "'amount':'0.11'}],'total':'1.61'}],'subtotal':'3.00','discount':'1.50',"
           "'shipping':null,'tax':'0.11','taxes':[{'name':'standard','percent':'7.5',"
           "'amount':'0.11'}],'total':'1.61','promotions':["
           "{'id':'P','applied':false,'reason':'coupon_missing'},"
           "{'id':'Q','applied':true,'amount':'1.50'}],'coupons':[]}");
    ec_ruleset_free(rs);
}

static void test_json_price_minor_units_bytes(void)
{
    ec_ruleset *rs = th_load("{'currency':'JPY','products':[{'sku':'A','prices':{'JPY':'1000',"
                             "'KWD':'1.25'}}],'shipping':[{'id':'s','prices':{'KWD':'0.5'}}]}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    OUTPUT(rs, "{'currency':'JPY','at':'2026-11-28T10:00:00Z','lines':[{'sku':'A','quantity':2}]}",
           "{'currency':'JPY','lines':[{'sku':'A','quantity':2,'list_price':'1000',"
           "'unit_price':'1000','price_list':null,'product_promotion':null,'subtotal':'2000',"
           "'discounts':[],'discount':'0','net':'2000','tax_percent':'0','tax':'0',"
           "'taxes':[],'total':'2000'}],'subtotal':'2000','discount':'0','shipping':null,"
           "'tax':'0','taxes':[],'total':'2000','promotions':[],'coupons':[]}");
    /* KWD prints three decimals however the ruleset wrote them */
    OUTPUT(rs,
           "{'currency':'KWD','at':'2026-11-28T10:00:00Z','lines':[{'sku':'A','quantity':1}],"
           "'shipping_method':'s'}",
           "{'currency':'KWD','lines':[{'sku':'A','quantity':1,'list_price':'1.250',"
           "'unit_price':'1.250','price_list':null,'product_promotion':null,'subtotal':'1.250',"
           "'discounts':[],'discount':'0.000','net':'1.250','tax_percent':'0','tax':'0.000',"
           "'taxes':[],'total':'1.250'}],'subtotal':'1.250','discount':'0.000',"
           "'shipping':{'method':'s','price':'0.500','discount':'0.000','tax':'0.000',"
           "'total':'0.500'},'tax':'0.000','taxes':[],'total':'1.750','promotions':[],"
           "'coupons':[]}");
    ec_ruleset_free(rs);
}

/* The typed path (ec_price_cart + ec_price_result_to_json) writes the same
 * bytes as the one-call facade, and echoes the id only when there is one. */
static void test_json_result_to_json_and_id_echo(void)
{
    th_fx f;
    CU_ASSERT_FATAL(th_fx_open(&f, th_spec_ruleset()));
    char *doc = th_json(spec_cart), *want = th_json(spec_result), *out = NULL;
    size_t len = 0;
    EQ(ec_price_result_to_json(f.r, f.cart, &out, &len), EC_MISUSE); /* not priced yet */
    CU_ASSERT_PTR_NULL(out);
    EQ(ec_cart_from_json(f.cart, doc, strlen(doc), NULL), EC_OK);
    EQ(th_fx_price(&f), EC_OK);
    EQ(ec_price_result_to_json(f.r, f.cart, &out, &len), EC_OK);
    STR_EQ(out, want);
    EQ(len, strlen(want));
    ec_free(out);
    EQ(ec_cart_set_id(f.cart, "cart-\"7\"\\", NULL), EC_OK);
    EQ(ec_price_result_to_json(f.r, f.cart, &out, NULL), EC_OK);
    char *with_id = malloc(strlen(want) + 32);
    CU_ASSERT_PTR_NOT_NULL_FATAL(with_id);
    strcat(strcpy(with_id, "{\"id\":\"cart-\\\"7\\\"\\\\\","), want + 1); /* first key */
    STR_EQ(out, with_id);
    free(with_id);
    ec_free(out);
    EQ(ec_price_result_to_json(f.r, NULL, &out, NULL), EC_OK); /* no cart: no id */
    STR_EQ(out, want);
    ec_free(out);
    EQ(ec_price_result_to_json(f.r, f.cart, NULL, NULL), EC_MISUSE);
    EQ(ec_price_result_to_json(NULL, f.cart, &out, NULL), EC_MISUSE);
    CU_ASSERT_PTR_NULL(out);
    ec_free(NULL);
    free(want);
    free(doc);
    th_fx_close(&f);
}

/* ---- errors --------------------------------------------------------------------- */

static void expect_error_json(const ec_error *e, const char *want, unsigned line)
{
    char *out = NULL, *expected = th_json(want);
    size_t len = 0;
    th_expect_i64(ec_error_to_json(e, &out, &len), EC_OK, "ec_error_to_json", __FILE__, line);
    th_expect_str(out, expected, "error document", __FILE__, line);
    th_expect_i64((int64_t)len, out ? (int64_t)strlen(out) : -1, "out_len", __FILE__, line);
    ec_free(out);
    free(expected);
}

static void test_json_error_to_json(void)
{
    ec_error e = {EC_INVALID_FIELD, "lines[2].quantity", "quantity must be 1 to 1000000"};
    expect_error_json(&e,
                      "{'error':{'code':'invalid_field','message':'quantity must be 1 to "
                      "1000000','field':'lines[2].quantity'}}",
                      __LINE__);
    ec_error none = {EC_INVALID_JSON, "", "not JSON"}; /* no field: the key is left out */
    expect_error_json(&none, "{'error':{'code':'invalid_json','message':'not JSON'}}", __LINE__);
    /* quotes, backslashes and control characters are escaped; UTF-8 is not */
    ec_error esc = {EC_NO_PRICE, "lines[0].sku", "no \"A\\B\"\n\t\r\x01\x1f \xe2\x82\xac /"};
    expect_error_json(&esc,
                      "{'error':{'code':'no_price','message':'no \\'A\\\\B\\'\\n\\t\\r"
                      "\\u0001\\u001f \xe2\x82\xac /','field':'lines[0].sku'}}",
                      __LINE__);
    ec_error odd = {99, "", ""};
    expect_error_json(&odd, "{'error':{'code':'unknown','message':''}}", __LINE__);
    char *out = (char *)&out;
    EQ(ec_error_to_json(NULL, &out, NULL), EC_MISUSE);
    CU_ASSERT_PTR_NULL(out);
    EQ(ec_error_to_json(&e, NULL, NULL), EC_MISUSE);
}

static void test_json_price_failures(void)
{
    ec_ruleset *rs = th_load(th_spec_ruleset());
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    char *doc = th_json("{'currency':'EUR','at':'2026-11-28T10:00:00Z','lines':"
                        "[{'sku':'SHOE-1','quantity':1},{'sku':'NOPE','quantity':1}]}");
    char *out = (char *)&out;
    size_t len = 7;
    ec_error e = th_error();
    EXPECT_ERR(ec_json_price(rs, doc, strlen(doc), &out, &len, &e), e, EC_NO_PRICE, "lines[1].sku");
    CU_ASSERT_PTR_NULL(out);
    e = th_error();
    EXPECT_ERR(ec_json_price(rs, "{", 1, &out, NULL, &e), e, EC_INVALID_JSON, "");
    e = th_error();
    EXPECT_ERR(ec_json_price(NULL, doc, strlen(doc), &out, NULL, &e), e, EC_MISUSE, "");
    CU_ASSERT_PTR_NULL(out);
    EQ(ec_json_price(rs, doc, strlen(doc), NULL, NULL, NULL), EC_MISUSE);
    EQ(ec_json_price(rs, doc, strlen(doc), &out, NULL, NULL), EC_NO_PRICE); /* err may be NULL */
    free(doc);
    ec_ruleset_free(rs);
    /* the error document names the failure: the "total" tax base of
     * INT64_MAX - 7 cents and a 1.00 fee does not fit in 64 bits */
    rs = th_load("{'currency':'EUR','tax_rounding':'total','products':[{'sku':'A','prices':"
                 "'92233720368547758.00'}],'shipping':[{'id':'s','prices':'1.00'}],"
                 "'tax':[{'category':'standard','country':'*','percent':'0'}]}");
    ec_pricer *p = ec_pricer_new();
    CU_ASSERT_FATAL(rs && p);
    doc = th_json("{'currency':'EUR','at':'2026-11-28T10:00:00Z','shipping_method':'s',"
                  "'lines':[{'sku':'A','quantity':1}]}");
    const char *doc_out = NULL;
    EQ(ec_pricer_price_json(p, rs, doc, strlen(doc), &doc_out, NULL, NULL), EC_OVERFLOW);
    CU_ASSERT(doc_out && strncmp(doc_out, "{\"error\":{\"code\":\"overflow\"", 27) == 0);
    free(doc);
    ec_pricer_free(p);
    ec_ruleset_free(rs);
}

/* ---- the reusable pricer ---------------------------------------------------------- */

static void test_json_pricer_reuse(void)
{
    ec_ruleset *rs = th_load(th_spec_ruleset());
    ec_pricer *p = ec_pricer_new();
    CU_ASSERT_FATAL(rs && p);
    char *a = th_json(spec_cart), *want = th_json(spec_result);
    char *b = th_json("{'id':'other','currency':'USD','at':'2026-11-28T10:00:00Z','lines':"
                      "[{'sku':'SHOE-1','quantity':1},{'sku':'SHOE-1','quantity':3}]}");
    char *bad = th_json("{'currency':'EUR','at':'2026-11-28T10:00:00Z','lines':"
                        "[{'sku':'NOPE','quantity':1}]}");
    const char *out = NULL;
    size_t len = 0;
    ec_error e = th_error();
    EXPECT_ERR(ec_pricer_price_json(p, rs, a, strlen(a), &out, &len, &e), e, EC_OK, "");
    STR_EQ(out, want);
    EQ(len, strlen(want));
    EXPECT_ERR(ec_pricer_price_json(p, rs, b, strlen(b), &out, &len, &e), e, EC_OK, "");
    static const char other[] = "{\"id\":\"other\",\"currency\":\"USD\",\"lines\":[";
    CU_ASSERT(out && strncmp(out, other, sizeof other - 1) == 0);
    EQ(len, out ? strlen(out) : 0);
    /* a failure answers with the error document of err */
    EXPECT_ERR(ec_pricer_price_json(p, rs, bad, strlen(bad), &out, &len, &e), e, EC_NO_PRICE,
               "lines[0].sku");
    char *err_doc = NULL;
    EQ(ec_error_to_json(&e, &err_doc, NULL), EC_OK);
    STR_EQ(out, err_doc);
    EQ(len, err_doc ? strlen(err_doc) : 0);
    ec_free(err_doc);
    /* ...also without an ec_error of the caller's */
    EQ(ec_pricer_price_json(p, rs, bad, strlen(bad), &out, NULL, NULL), EC_NO_PRICE);
    CU_ASSERT(out && strstr(out, "\"code\":\"no_price\"") && strstr(out, "lines[0].sku"));
    /* and the first cart again gives the same bytes as the first time */
    e = th_error();
    EXPECT_ERR(ec_pricer_price_json(p, rs, a, strlen(a), &out, &len, &e), e, EC_OK, "");
    STR_EQ(out, want);
    EQ(ec_pricer_price_json(p, rs, a, strlen(a), NULL, NULL, NULL), EC_OK);
    e = th_error();
    EXPECT_ERR(ec_pricer_price_json(NULL, rs, a, strlen(a), &out, NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_pricer_price_json(p, NULL, a, strlen(a), &out, NULL, &e), e, EC_MISUSE, "");
    ec_pricer_free(p);
    ec_pricer_free(NULL);
    free(bad);
    free(b);
    free(want);
    free(a);
    ec_ruleset_free(rs);
}

/* ---- escaping in the result ------------------------------------------------------- */

static void test_json_string_escaping(void)
{
    /* SKUs A"B\C, caf\u00e9 (read as UTF-8) and a shoe emoji; a coupon and
     * an id with quotes; "/" is left alone */
    ec_ruleset *rs = th_load("{'currency':'EUR','products':[{'sku':'A\\'B\\\\C','prices':'1.00'},"
                             "{'sku':'caf\\u00e9','prices':'2.00'},"
                             "{'sku':'\xf0\x9f\x91\x9f/1','prices':'3.00'}]}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    OUTPUT(rs,
           "{'id':'\\'q\\'','currency':'EUR','at':'2026-11-28T10:00:00Z','coupons':['C\\\\D'],"
           "'lines':[{'sku':'A\\'B\\\\C','quantity':1},{'sku':'caf\xc3\xa9','quantity':1},"
           "{'sku':'\xf0\x9f\x91\x9f/1','quantity':1}]}",
           "{'id':'\\'q\\'','currency':'EUR','lines':[{'sku':'A\\'B\\\\C','quantity':1,"
           "'list_price':'1.00','unit_price':'1.00','price_list':null,'product_promotion':null,"
           "'subtotal':'1.00','discounts':[],'discount':'0.00','net':'1.00','tax_percent':'0',"
           "'tax':'0.00','taxes':[],'total':'1.00'},{'sku':'caf\xc3\xa9','quantity':1,"
           "'list_price':'2.00','unit_price':'2.00','price_list':null,'product_promotion':null,"
           "'subtotal':'2.00','discounts':[],'discount':'0.00','net':'2.00','tax_percent':'0',"
           "'tax':'0.00','taxes':[],'total':'2.00'},{'sku':'\xf0\x9f\x91\x9f/1','quantity':1,"
           "'list_price':'3.00','unit_price':'3.00','price_list':null,'product_promotion':null,"
           "'subtotal':'3.00','discounts':[],'discount':'0.00','net':'3.00','tax_percent':'0',"
           "'tax':'0.00','taxes':[],'total':'3.00'}],'subtotal':'6.00','discount':'0.00',"
           "'shipping':null,'tax':'0.00','taxes':[],'total':'6.00','promotions':[],"
           "'coupons':[{'code':'C\\\\D','status':'unknown'}]}");
    /* the error document escapes the SKU quoted in its message */
    ec_pricer *p = ec_pricer_new();
    char *doc = th_json("{'currency':'EUR','at':'2026-11-28T10:00:00Z','lines':"
                        "[{'sku':'N\\'O\\\\PE','quantity':1}]}");
    const char *out = NULL;
    EQ(ec_pricer_price_json(p, rs, doc, strlen(doc), &out, NULL, NULL), EC_NO_PRICE);
    CU_ASSERT(out && strstr(out, "SKU \\\"N\\\"O\\\\PE\\\"") != NULL);
    free(doc);
    ec_pricer_free(p);
    ec_ruleset_free(rs);
}

/* Promotion entries are written from heads the ruleset renders once: ids
 * that need escaping and ids too long for a head (24 bytes; 23 still
 * fit) take the escaping path, and the bytes are the same either way.  Z
 * targets every line but B, so it takes a list of its own. */
static void test_json_promotion_entries_bytes(void)
{
    ec_ruleset *rs = th_load(
        "{'currency':'EUR','products':[{'sku':'A','prices':'1.00'},{'sku':'B','prices':'2.00'}],"
        "'promotions':[{'id':'Q\\'1','coupon':'X','action':{'type':'percent_off','percent':'5'}},"
        "{'id':'A\\\\B','coupon':'X','action':{'type':'percent_off','percent':'5'}},"
        "{'id':'ABCDEFGHIJKLMNOPQRSTUVWX','coupon':'X','action':{'type':'percent_off',"
        "'percent':'5'}},{'id':'ABCDEFGHIJKLMNOPQRSTUVW','coupon':'X','action':{'type':"
        "'percent_off','percent':'5'}},{'id':'Z','target':{'exclude_skus':['B','C']},"
        "'action':{'type':'percent_off','percent':'10'}}]}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    OUTPUT(rs,
           "{'currency':'EUR','at':'2026-11-28T10:00:00Z',"
           "'lines':[{'sku':'A','quantity':1},{'sku':'B','quantity':1}]}",
           "{'currency':'EUR','lines':[{'sku':'A','quantity':1,'list_price':'1.00',"
           "'unit_price':'1.00','price_list':null,'product_promotion':null,'subtotal':'1.00',"
           "'discounts':[{'promotion':'Z','amount':'0.10'}],'discount':'0.10','net':'0.90',"
           "'tax_percent':'0','tax':'0.00','taxes':[],'total':'0.90'},{'sku':'B','quantity':1,"
           "'list_price':'2.00','unit_price':'2.00','price_list':null,'product_promotion':null,"
           "'subtotal':'2.00','discounts':[],'discount':'0.00','net':'2.00','tax_percent':'0',"
           "'tax':'0.00','taxes':[],'total':'2.00'}],'subtotal':'3.00','discount':'0.10',"
           "'shipping':null,'tax':'0.00','taxes':[],'total':'2.90','promotions':["
           "{'id':'ABCDEFGHIJKLMNOPQRSTUVW','applied':false,'reason':'coupon_missing'},"
           "{'id':'ABCDEFGHIJKLMNOPQRSTUVWX','applied':false,'reason':'coupon_missing'},"
           "{'id':'A\\\\B','applied':false,'reason':'coupon_missing'},"
           "{'id':'Q\\'1','applied':false,'reason':'coupon_missing'},"
           "{'id':'Z','applied':true,'amount':'0.10'}],'coupons':[]}");
    ec_ruleset_free(rs);
}

static CU_TestInfo cart_tests[] = {
    {"cart_invalid_json", test_json_cart_invalid_json},
    {"cart_wrong_types", test_json_cart_wrong_types},
    {"cart_unknown_and_repeated_keys", test_json_cart_unknown_and_repeated_keys},
    {"cart_required_members", test_json_cart_required_members},
    {"cart_quantities", test_json_cart_quantities},
    {"cart_promotion_uses", test_json_cart_promotion_uses},
    {"cart_limits_and_identifiers", test_json_cart_limits_and_identifiers},
    {"cart_reads_every_field", test_json_cart_reads_every_field},
    {"cart_v2_fields", test_json_cart_v2_fields},
    {"cart_scanner_agrees", test_json_cart_scanner_agrees},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo output_tests[] = {
    {"price_spec_example_bytes", test_json_price_spec_example_bytes},
    {"price_every_member_bytes", test_json_price_every_member_bytes},
    {"price_minor_units_bytes", test_json_price_minor_units_bytes},
    {"result_to_json_and_id_echo", test_json_result_to_json_and_id_echo},
    {"error_to_json", test_json_error_to_json},
    {"price_failures", test_json_price_failures},
    {"pricer_reuse", test_json_pricer_reuse},
    {"string_escaping", test_json_string_escaping},
    {"promotion_entries_bytes", test_json_promotion_entries_bytes},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_json_suites[] = {
    {.pName = "json.cart", .pTests = cart_tests},
    {.pName = "json.output", .pTests = output_tests},
    CU_SUITE_INFO_NULL,
};
