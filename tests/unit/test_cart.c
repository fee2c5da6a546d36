/* test_cart.c - unit tests for building a cart through the typed setters:
 * validation and field paths, limits, reset, NULL handling and memory reuse. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "cart/cart_internal.h"
#include "ecommerce/cart.h"
#include "helpers.h"

#define EXPECT_ERR(st, e, status, field)                                                           \
    th_expect_error(st, &(e), status, field, __FILE__, __LINE__)
#define EQ(a, b) th_expect_i64((int64_t)(a), (int64_t)(b), #a, __FILE__, __LINE__)
#define STR_EQ(a, b) th_expect_str(a, b, #a, __FILE__, __LINE__)

/* Run a setter that must fail with status at field. */
#define SETTER_FAILS(call, status, field)                                                          \
    do {                                                                                           \
        ec_error e_ = th_error();                                                                  \
        ec_error *err = &e_;                                                                       \
        ec_status st_ = (call);                                                                    \
        EXPECT_ERR(st_, e_, status, field);                                                        \
    } while (0)

static void test_cart_new_and_free(void)
{
    ec_cart_free(NULL);
    ec_cart *c = ec_cart_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    EQ(ec_cart_line_count(c), 0);
    CU_ASSERT_PTR_NULL(ec_cart_currency(c));
    CU_ASSERT_PTR_NULL(ec_cart_id(c));
    CU_ASSERT_PTR_NULL(ec_cart_line_sku(c, 0));
    EQ(ec_cart_line_quantity(c, 0), 0);
    ec_cart_free(c);
}

static void test_cart_currency(void)
{
    ec_cart *c = ec_cart_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    ec_error e = th_error();
    EQ(ec_cart_set_currency(c, "JPY", &e), EC_OK);
    STR_EQ(ec_cart_currency(c), "JPY");
    SETTER_FAILS(ec_cart_set_currency(c, "XYZ", err), EC_UNKNOWN_CURRENCY, "currency");
    SETTER_FAILS(ec_cart_set_currency(c, "eur", err), EC_UNKNOWN_CURRENCY, "currency");
    SETTER_FAILS(ec_cart_set_currency(c, "", err), EC_UNKNOWN_CURRENCY, "currency");
    SETTER_FAILS(ec_cart_set_currency(c, NULL, err), EC_MISUSE, "currency");
    /* a refused code leaves the previous one in place */
    STR_EQ(ec_cart_currency(c), "JPY");
    EQ(ec_cart_set_currency(c, "KWD", NULL), EC_OK);
    STR_EQ(ec_cart_currency(c), "KWD");
    ec_cart_free(c);
}

static void test_cart_context_identifiers(void)
{
    ec_cart *c = ec_cart_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    char id[130];
    memset(id, 'x', 129);
    id[129] = '\0';
    SETTER_FAILS(ec_cart_set_id(c, id, err), EC_INVALID_FIELD, "id");
    SETTER_FAILS(ec_cart_set_country(c, "", err), EC_INVALID_FIELD, "country");
    SETTER_FAILS(ec_cart_set_customer_group(c, "b2b\n", err), EC_INVALID_FIELD, "customer_group");
    SETTER_FAILS(ec_cart_set_channel(c, "w\xffz", err), EC_INVALID_FIELD, "channel");
    SETTER_FAILS(ec_cart_set_shipping_method(c, "\x7f", err), EC_INVALID_FIELD, "shipping_method");
    CU_ASSERT_PTR_NULL(ec_cart_id(c));
    id[128] = '\0'; /* 128 bytes is allowed */
    EQ(ec_cart_set_id(c, id, NULL), EC_OK);
    STR_EQ(ec_cart_id(c), id);
    /* the cart keeps a copy, not the caller's pointer */
    char mine[] = "cart-\xc3\xa9";
    EQ(ec_cart_set_id(c, mine, NULL), EC_OK);
    mine[0] = 'X';
    STR_EQ(ec_cart_id(c), "cart-\xc3\xa9");
    /* NULL clears an optional field */
    EQ(ec_cart_set_id(c, NULL, NULL), EC_OK);
    CU_ASSERT_PTR_NULL(ec_cart_id(c));
    EQ(ec_cart_set_country(c, NULL, NULL), EC_OK);
    EQ(ec_cart_set_customer_group(c, "retail", NULL), EC_OK);
    EQ(ec_cart_set_channel(c, "web", NULL), EC_OK);
    EQ(ec_cart_set_shipping_method(c, "standard", NULL), EC_OK);
    ec_cart_free(c);
}

static void test_cart_lines(void)
{
    ec_cart *c = ec_cart_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    char sku[] = "SHOE-1";
    EQ(ec_cart_add_line(c, sku, 1, NULL), EC_OK);
    sku[0] = 'X'; /* copied */
    EQ(ec_cart_add_line(c, "SHOE-1", EC_CART_MAX_QUANTITY, NULL), EC_OK);
    EQ(ec_cart_line_count(c), 2);
    /* two lines with the same SKU stay separate */
    STR_EQ(ec_cart_line_sku(c, 0), "SHOE-1");
    STR_EQ(ec_cart_line_sku(c, 1), "SHOE-1");
    EQ(ec_cart_line_quantity(c, 0), 1);
    EQ(ec_cart_line_quantity(c, 1), 1000000);
    CU_ASSERT_PTR_NULL(ec_cart_line_sku(c, 2));
    EQ(ec_cart_line_quantity(c, 2), 0);
    ec_cart_free(c);
}

static void test_cart_line_quantity_range(void)
{
    ec_cart *c = ec_cart_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    SETTER_FAILS(ec_cart_add_line(c, "A", 0, err), EC_INVALID_FIELD, "lines[0].quantity");
    SETTER_FAILS(ec_cart_add_line(c, "A", 1000001, err), EC_INVALID_FIELD, "lines[0].quantity");
    SETTER_FAILS(ec_cart_add_line(c, "A", -1, err), EC_INVALID_FIELD, "lines[0].quantity");
    SETTER_FAILS(ec_cart_add_line(c, "A", INT64_MIN, err), EC_INVALID_FIELD, "lines[0].quantity");
    EQ(ec_cart_line_count(c), 0);
    EQ(ec_cart_add_line(c, "A", 3, NULL), EC_OK);
    /* the path names the index the line would have had */
    SETTER_FAILS(ec_cart_add_line(c, "B", 0, err), EC_INVALID_FIELD, "lines[1].quantity");
    SETTER_FAILS(ec_cart_add_line(c, "", 1, err), EC_INVALID_FIELD, "lines[1].sku");
    SETTER_FAILS(ec_cart_add_line(c, "a\tb", 1, err), EC_INVALID_FIELD, "lines[1].sku");
    EQ(ec_cart_line_count(c), 1);
    EQ(ec_cart_add_line(c, "B", 2, NULL), EC_OK);
    STR_EQ(ec_cart_line_sku(c, 1), "B");
    ec_cart_free(c);
}

static void test_cart_line_limit(void)
{
    ec_cart *c = ec_cart_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int failures = 0;
    for (int i = 0; i < EC_CART_MAX_LINES; i++) {
        char sku[16];
        snprintf(sku, sizeof sku, "S%d", i);
        failures += ec_cart_add_line(c, sku, 1, NULL) != EC_OK;
    }
    EQ(failures, 0);
    EQ(ec_cart_line_count(c), 1000);
    SETTER_FAILS(ec_cart_add_line(c, "one-more", 1, err), EC_LIMIT_EXCEEDED, "lines");
    EQ(ec_cart_line_count(c), 1000);
    STR_EQ(ec_cart_line_sku(c, 999), "S999");
    ec_cart_free(c);
}

static void test_cart_coupons(void)
{
    ec_cart *c = ec_cart_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    SETTER_FAILS(ec_cart_add_coupon(c, "", err), EC_INVALID_FIELD, "coupons[0]");
    EQ(ec_cart_add_coupon(c, "WELCOME5", NULL), EC_OK);
    SETTER_FAILS(ec_cart_add_coupon(c, "BAD\x01", err), EC_INVALID_FIELD, "coupons[1]");
    int failures = 0;
    for (int i = 1; i < EC_CART_MAX_COUPONS; i++) {
        char code[16];
        snprintf(code, sizeof code, "C%d", i);
        failures += ec_cart_add_coupon(c, code, NULL) != EC_OK;
    }
    EQ(failures, 0);
    SETTER_FAILS(ec_cart_add_coupon(c, "C100", err), EC_LIMIT_EXCEEDED, "coupons[100]");
    ec_cart_free(c);
}

static void test_cart_promotion_uses(void)
{
    ec_cart *c = ec_cart_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    EQ(ec_cart_set_promotion_uses(c, "WELCOME5", 41, NULL), EC_OK);
    EQ(ec_cart_set_promotion_uses(c, "WELCOME5", 0, NULL), EC_OK); /* replaces */
    SETTER_FAILS(ec_cart_set_promotion_uses(c, "P1", -1, err), EC_INVALID_FIELD,
                 "promotion_uses.P1");
    SETTER_FAILS(ec_cart_set_promotion_uses(c, "", 1, err), EC_INVALID_FIELD, "promotion_uses.");
    SETTER_FAILS(ec_cart_set_promotion_uses(c, NULL, 1, err), EC_MISUSE, "promotion_uses");
    ec_cart_free(c);
}

/* Every entry point survives NULL and says EC_MISUSE; err may be NULL. */
static void test_cart_null_handling(void)
{
    ec_cart_reset(NULL);
    SETTER_FAILS(ec_cart_set_currency(NULL, "EUR", err), EC_MISUSE, "currency");
    SETTER_FAILS(ec_cart_set_at(NULL, 0, err), EC_MISUSE, "at");
    SETTER_FAILS(ec_cart_set_id(NULL, "x", err), EC_MISUSE, "id");
    SETTER_FAILS(ec_cart_set_country(NULL, "DE", err), EC_MISUSE, "country");
    SETTER_FAILS(ec_cart_set_customer_group(NULL, "b2b", err), EC_MISUSE, "customer_group");
    SETTER_FAILS(ec_cart_set_channel(NULL, "web", err), EC_MISUSE, "channel");
    SETTER_FAILS(ec_cart_set_shipping_method(NULL, "std", err), EC_MISUSE, "shipping_method");
    SETTER_FAILS(ec_cart_add_line(NULL, "A", 1, err), EC_MISUSE, "lines");
    SETTER_FAILS(ec_cart_add_coupon(NULL, "C", err), EC_MISUSE, "coupons");
    SETTER_FAILS(ec_cart_set_promotion_uses(NULL, "P", 1, err), EC_MISUSE, "promotion_uses");
    EQ(ec_cart_set_id(NULL, NULL, NULL), EC_MISUSE);
    EQ(ec_cart_add_line(NULL, NULL, 0, NULL), EC_MISUSE);
    EQ(ec_cart_line_count(NULL), 0);
    CU_ASSERT_PTR_NULL(ec_cart_line_sku(NULL, 0));
    EQ(ec_cart_line_quantity(NULL, 0), 0);
    CU_ASSERT_PTR_NULL(ec_cart_currency(NULL));
    CU_ASSERT_PTR_NULL(ec_cart_id(NULL));
    ec_cart *c = ec_cart_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    SETTER_FAILS(ec_cart_add_line(c, NULL, 1, err), EC_MISUSE, "lines");
    SETTER_FAILS(ec_cart_add_coupon(c, NULL, err), EC_MISUSE, "coupons");
    EQ(ec_cart_line_count(c), 0);
    ec_cart_free(c);
}

/* Fill a cart the same way each time (8 lines, 3 coupons, context). */
static int fill(ec_cart *c)
{
    int bad = 0;
    bad += ec_cart_set_currency(c, "EUR", NULL) != EC_OK;
    bad += ec_cart_set_at(c, 1, NULL) != EC_OK;
    bad += ec_cart_set_id(c, "cart-1", NULL) != EC_OK;
    bad += ec_cart_set_country(c, "DE", NULL) != EC_OK;
    bad += ec_cart_set_shipping_method(c, "standard", NULL) != EC_OK;
    for (int i = 0; i < 8; i++) {
        char sku[16];
        snprintf(sku, sizeof sku, "SKU-%d", i);
        bad += ec_cart_add_line(c, sku, i + 1, NULL) != EC_OK;
    }
    for (int i = 0; i < 3; i++) bad += ec_cart_add_coupon(c, "CODE", NULL) != EC_OK;
    bad += ec_cart_set_promotion_uses(c, "P", 2, NULL) != EC_OK;
    return bad;
}

static void test_cart_reset_clears_fields(void)
{
    ec_cart *c = ec_cart_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    EQ(fill(c), 0);
    EQ(ec_cart_line_count(c), 8);
    ec_cart_reset(c);
    EQ(ec_cart_line_count(c), 0);
    CU_ASSERT_PTR_NULL(ec_cart_currency(c));
    CU_ASSERT_PTR_NULL(ec_cart_id(c));
    CU_ASSERT_PTR_NULL(ec_cart_line_sku(c, 0));
    EQ(ec_cart_line_quantity(c, 0), 0);
    /* the cart is usable again from empty */
    EQ(ec_cart_add_line(c, "X", 5, NULL), EC_OK);
    EQ(ec_cart_line_count(c), 1);
    STR_EQ(ec_cart_line_sku(c, 0), "X");
    ec_cart_free(c);
}

/* After a reset, building a cart of the same shape allocates nothing. */
static void test_cart_reset_reuses_memory(void)
{
    th_counter n = {0, 0, 0};
    ec_allocator a = th_allocator(&n);
    ec_cart *c = ec_cart_new_ex(&a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    EQ(fill(c), 0);
    long calls = n.calls;
    CU_ASSERT_TRUE(calls > 1);
    for (int round = 0; round < 3; round++) {
        ec_cart_reset(c);
        EQ(fill(c), 0);
    }
    EQ(n.calls, calls);
    STR_EQ(ec_cart_line_sku(c, 7), "SKU-7");
    ec_cart_free(c);
    EQ(n.live, 0);
}

/* Where and as whom the cart is taxed, its customer, and the counts. */
static void test_cart_v2_context_and_counts(void)
{
    ec_cart *c = ec_cart_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    EQ(ec_cart_set_region(c, "US-CA", NULL), EC_OK);
    EQ(ec_cart_set_postal_code(c, "SW1A 1AA", NULL), EC_OK);
    EQ(ec_cart_set_tax_class(c, "b2b_reverse_charge", NULL), EC_OK);
    EQ(ec_cart_set_customer(c, "cust-1", NULL), EC_OK);
    EQ(ec_cart_set_tax_exempt(c, 1, NULL), EC_OK);
    STR_EQ(ec_cart_postal_code(c), "SW1A 1AA");
    EQ(ec_cart_tax_exempt(c), 1);
    SETTER_FAILS(ec_cart_set_region(c, "", err), EC_INVALID_FIELD, "region");
    SETTER_FAILS(ec_cart_set_postal_code(c, "a\tb", err), EC_INVALID_FIELD, "postal_code");
    SETTER_FAILS(ec_cart_set_tax_class(c, "\x80", err), EC_INVALID_FIELD, "tax_class");
    SETTER_FAILS(ec_cart_set_customer(NULL, "x", err), EC_MISUSE, "customer");
    SETTER_FAILS(ec_cart_set_tax_exempt(c, 2, err), EC_INVALID_FIELD, "tax_exempt");
    SETTER_FAILS(ec_cart_set_tax_exempt(NULL, 0, err), EC_MISUSE, "tax_exempt");
    SETTER_FAILS(ec_cart_set_coupon_uses(c, "SAVE", -1, err), EC_INVALID_FIELD, "coupon_uses.SAVE");
    SETTER_FAILS(ec_cart_set_customer_promotion_uses(c, "P", -2, err), EC_INVALID_FIELD,
                 "customer_promotion_uses.P");
    SETTER_FAILS(ec_cart_set_promotion_spent(c, "P", -1, err), EC_INVALID_FIELD,
                 "promotion_spent.P");
    SETTER_FAILS(ec_cart_set_promotion_spent(c, NULL, 1, err), EC_MISUSE, "promotion_spent");
    SETTER_FAILS(ec_cart_set_coupon_uses(c, "", 1, err), EC_INVALID_FIELD, "coupon_uses.");
    /* a coupon code's uses are one entry whatever its case */
    EQ(ec_cart_set_coupon_uses(c, "save", 1, NULL), EC_OK);
    EQ(ec_cart_set_coupon_uses(c, "SAVE", 4, NULL), EC_OK);
    EQ(c->coupon_uses.n, 1);
    EQ(ec__counts_get(&c->coupon_uses, "Save", 4), 4);
    /* promotion ids are not codes: case tells them apart */
    EQ(ec_cart_set_customer_promotion_uses(c, "p", 1, NULL), EC_OK);
    EQ(ec_cart_set_customer_promotion_uses(c, "P", 2, NULL), EC_OK);
    EQ(c->customer_uses.n, 2);
    ec_cart_reset(c);
    CU_ASSERT_PTR_NULL(ec_cart_region(c));
    CU_ASSERT_PTR_NULL(ec_cart_customer(c));
    EQ(ec_cart_tax_exempt(c), 0);
    EQ(c->coupon_uses.n + c->customer_uses.n + c->spent.n, 0);
    ec_cart_free(c);
}

static CU_TestInfo setter_tests[] = {
    {"new_and_free", test_cart_new_and_free},
    {"currency", test_cart_currency},
    {"context_identifiers", test_cart_context_identifiers},
    {"lines", test_cart_lines},
    {"line_quantity_range", test_cart_line_quantity_range},
    {"line_limit", test_cart_line_limit},
    {"coupons", test_cart_coupons},
    {"promotion_uses", test_cart_promotion_uses},
    {"v2_context_and_counts", test_cart_v2_context_and_counts},
    {"null_handling", test_cart_null_handling},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo memory_tests[] = {
    {"reset_clears_fields", test_cart_reset_clears_fields},
    {"reset_reuses_memory", test_cart_reset_reuses_memory},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_cart_suites[] = {
    {.pName = "cart.setters", .pTests = setter_tests},
    {.pName = "cart.memory", .pTests = memory_tests},
    CU_SUITE_INFO_NULL,
};
