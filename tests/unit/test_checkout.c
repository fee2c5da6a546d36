/* test_checkout.c - checkout and order events with their stock: the
 * order made from a priced cart holds its units in a committed
 * reservation; shipments, cancellations and returns move those units; a
 * refusal from the order or the inventory leaves both as they were; the
 * promotion uses come back when a whole order is canceled before anything
 * shipped; and allocation failure at every step. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce/checkout.h"
#include "order_fixture.h"

#define EXPECT_ERR(st, e, status, field)                                                           \
    th_expect_error((st), &(e), (status), (field), __FILE__, __LINE__)
#define EXPECT_I64(a, b) th_expect_i64((a), (b), #a, __FILE__, __LINE__)
#define T0 INT64_C(1795860000000000) /* 2026-11-28T10:00:00Z */

typedef struct co_fx {
    of_fx o; /* ruleset, cart, event, effects */
    ec_checkout *c;
    ec_inventory *inv;
} co_fx;

/* A, B and D in stock at two warehouses: A 3 + 2, B 5, D 4. */
static int co_open(co_fx *f, const ec_allocator *a)
{
    int ok = of_open(&f->o, NULL);
    f->c = a ? ec_checkout_new_ex(a) : ec_checkout_new();
    f->inv = a ? ec_inventory_new_ex(a) : ec_inventory_new();
    ok = ok && f->c && f->inv;
    ok = ok && ec_inventory_set(f->inv, "A", "north", 3, NULL, NULL, NULL, NULL) == EC_OK &&
         ec_inventory_set(f->inv, "A", "south", 2, NULL, NULL, NULL, NULL) == EC_OK &&
         ec_inventory_set(f->inv, "B", "north", 5, NULL, NULL, NULL, NULL) == EC_OK &&
         ec_inventory_set(f->inv, "D", "south", 4, NULL, NULL, NULL, NULL) == EC_OK;
    return ok;
}

static void co_close(co_fx *f)
{
    ec_inventory_free(f->inv);
    ec_checkout_free(f->c);
    of_close(&f->o);
}

static int64_t on_hand(co_fx *f, const char *sku, const char *loc)
{
    int64_t v = -1;
    ec_inventory_stock(f->inv, sku, loc, &v, NULL, NULL, NULL);
    return v;
}

static int64_t available(co_fx *f, const char *sku)
{
    ec_inventory_result *r = ec_inventory_result_new();
    int64_t v = -1;
    if (ec_inventory_available(f->inv, sku, T0, r, NULL) == EC_OK)
        v = ec_inventory_result_available(r);
    ec_inventory_result_free(r);
    return v;
}

static int32_t reservation_status(co_fx *f, const char *id)
{
    ec_inventory_result *r = ec_inventory_result_new();
    int32_t s = ec_inventory_get(f->inv, id, r, NULL) == EC_OK ? ec_inventory_result_status(r) : -1;
    ec_inventory_result_free(r);
    return s;
}

/* Check out "ord-1" for a cart (th_fx_cart words). */
static ec_status checkout(co_fx *f, const char *cart, ec_error *e)
{
    th_fx_recart(&f->o.p, cart);
    ec_status st = ec_checkout_prepare(f->c, f->o.p.rs, f->o.p.cart, "ord-1", NULL, T0, 900, e);
    if (st == EC_OK) st = ec_checkout_reserve(f->c, f->inv, NULL, e);
    return st;
}

/* Apply an event string (order_fixture.h) with its stock. */
static ec_status event(co_fx *f, const char *spec, int32_t *uses_back)
{
    f->o.e = th_error();
    ec_status st = of_event(&f->o, spec);
    if (st == EC_OK)
        st = ec_checkout_apply_event(f->c, NULL,
                                     ec_checkout_order(f->c) ? ec_checkout_order(f->c) : f->o.o,
                                     f->o.ev, f->inv, f->o.fx, &f->o.duplicate, uses_back, &f->o.e);
    return st;
}

static void test_checkout_reserves_and_commits(void)
{
    co_fx f;
    CU_ASSERT_FATAL(co_open(&f, NULL));
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(checkout(&f, "A*2 B A*2", &e), EC_OK);
    const ec_order *o = ec_checkout_order(f.c);
    CU_ASSERT_STRING_EQUAL(ec_order_id(o), "ord-1");
    EXPECT_I64(ec_order_total(o), 6000);
    EXPECT_I64(ec_price_result_total(ec_checkout_result(f.c)), 6000);
    CU_ASSERT_PTR_NOT_NULL(ec_checkout_reservation(f.c));
    EXPECT_I64(reservation_status(&f, "ord-1"), EC_RESERVATION_STATUS_COMMITTED);
    EXPECT_I64(available(&f, "A"), 1);
    EXPECT_I64(available(&f, "B"), 4);
    co_close(&f);
}

/* Each applied promotion spends one use, its line discounts and the codes
 * it used, as the cart spelt them; nothing before a prepare or for a cart
 * that takes no promotion. */
static void test_checkout_lists_what_promotions_spend(void)
{
    co_fx f;
    CU_ASSERT_FATAL(co_open(&f, NULL));
    ec_error e = th_error();
    EXPECT_I64((int64_t)ec_checkout_use_count(f.c), 0);
    CU_ASSERT_PTR_NULL(ec_checkout_use_promotion(f.c, 0));
    CU_ASSERT_EQUAL_FATAL(checkout(&f, "A*2 D*3 coupon=ten coupon=TWO", &e), EC_OK);
    const ec_price_result *r = ec_checkout_result(f.c);
    CU_ASSERT_EQUAL_FATAL(ec_checkout_use_count(f.c), 2);
    int64_t spent = 0;
    for (size_t k = 0; k < 2; k++) {
        const char *id = ec_checkout_use_promotion(f.c, k);
        CU_ASSERT_EQUAL_FATAL(ec_checkout_use_code_count(f.c, k), 1);
        CU_ASSERT_STRING_EQUAL(ec_checkout_use_code(f.c, k, 0),
                               strcmp(id, "TEN") == 0 ? "ten" : "TWO");
        CU_ASSERT_PTR_NULL(ec_checkout_use_code(f.c, k, 1));
        if (strcmp(id, "TWO") == 0) EXPECT_I64(ec_checkout_use_spent(f.c, k), 200);
        spent += ec_checkout_use_spent(f.c, k);
    }
    EXPECT_I64(spent, ec_price_result_discount(r)); /* no shipping, no product promotion */
    CU_ASSERT_PTR_NULL(ec_checkout_use_promotion(f.c, 2));
    EXPECT_I64((int64_t)ec_checkout_use_code_count(f.c, 2), 0);
    ec_inventory_release(f.inv, "ord-1", NULL, NULL);
    CU_ASSERT_EQUAL_FATAL(
        ec_checkout_prepare(f.c, f.o.p.rs, f.o.p.cart, "ord-2", NULL, T0, 900, &e), EC_OK);
    th_fx_recart(&f.o.p, "A B");
    CU_ASSERT_EQUAL_FATAL(
        ec_checkout_prepare(f.c, f.o.p.rs, f.o.p.cart, "ord-3", NULL, T0, 900, &e), EC_OK);
    EXPECT_I64((int64_t)ec_checkout_use_count(f.c), 0);
    co_close(&f);
}

static void test_checkout_refused_for_lack_of_stock(void)
{
    co_fx f;
    CU_ASSERT_FATAL(co_open(&f, NULL));
    ec_inventory_clear_changes(f.inv);
    ec_error e = th_error();
    ec_inventory_result *r = ec_inventory_result_new();
    th_fx_recart(&f.o.p, "A*6");
    CU_ASSERT_EQUAL_FATAL(
        ec_checkout_prepare(f.c, f.o.p.rs, f.o.p.cart, "ord-1", NULL, T0, 900, &e), EC_OK);
    EXPECT_ERR(ec_checkout_reserve(f.c, f.inv, r, &e), e, EC_INSUFFICIENT_STOCK,
               "lines[0].quantity");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_shortage_sku(r), "A");
    EXPECT_I64(ec_inventory_result_shortage_available(r), 5);
    EXPECT_I64(ec_inventory_changed_reservation(f.inv, 0, NULL), 0);
    EXPECT_I64(available(&f, "A"), 5);
    /* a cart that cannot be priced makes no order */
    th_fx_recart(&f.o.p, "Z");
    e = th_error();
    EXPECT_ERR(ec_checkout_prepare(f.c, f.o.p.rs, f.o.p.cart, "ord-2", NULL, T0, 900, &e), e,
               EC_NO_PRICE, "lines[0].sku");
    CU_ASSERT_PTR_NULL(ec_checkout_order(f.c));
    e = th_error();
    EXPECT_ERR(ec_checkout_reserve(f.c, f.inv, NULL, &e), e, EC_MISUSE, "");
    th_fx_recart(&f.o.p, "A");
    e = th_error();
    EXPECT_ERR(ec_checkout_prepare(f.c, f.o.p.rs, f.o.p.cart, "ord-3", NULL, T0, 0, &e), e,
               EC_INVALID_FIELD, "ttl_seconds");
    ec_inventory_result_free(r);
    co_close(&f);
}

/* Parcels, a cancel of the rest and a return move the units of the
 * order's reservation. */
static void test_checkout_events_move_the_units(void)
{
    co_fx f;
    CU_ASSERT_FATAL(co_open(&f, NULL));
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(checkout(&f, "A*4 B", &e), EC_OK);
    int32_t back = -1;
    CU_ASSERT_EQUAL(event(&f, "capture", &back), EC_OK);
    EXPECT_I64(back, 0);
    CU_ASSERT_EQUAL(event(&f, "fulfill A:3", &back), EC_OK);
    EXPECT_I64(on_hand(&f, "A", "north"), 0);
    EXPECT_I64(on_hand(&f, "A", "south"), 2);
    EXPECT_I64(available(&f, "A"), 1); /* one unit still held at south */
    CU_ASSERT_EQUAL(event(&f, "cancel", &back), EC_OK);
    EXPECT_I64(back, 0);
    EXPECT_I64(available(&f, "A"), 2);
    EXPECT_I64(available(&f, "B"), 5);
    EXPECT_I64(reservation_status(&f, "ord-1"), EC_RESERVATION_STATUS_SHIPPED);
    CU_ASSERT_EQUAL(event(&f, "return A:2", &back), EC_OK);
    EXPECT_I64(on_hand(&f, "A", "north"), 2);
    char got[300];
    of_effects(&f.o, got, sizeof got);
    CU_ASSERT_STRING_EQUAL(got, "restock A:2; refund_payment 20.00");
    co_close(&f);
}

static void test_checkout_refusals_change_neither(void)
{
    co_fx f;
    CU_ASSERT_FATAL(co_open(&f, NULL));
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(checkout(&f, "A*2", &e), EC_OK);
    CU_ASSERT_EQUAL(event(&f, "capture", NULL), EC_OK);
    ec_inventory_clear_changes(f.inv);
    char *before = NULL, *after = NULL;
    CU_ASSERT_EQUAL(ec_order_to_json(ec_checkout_order(f.c), &before, NULL), EC_OK);
    /* the order refuses */
    EXPECT_ERR(event(&f, "fulfill A:3", NULL), f.o.e, EC_INVALID_FIELD, "lines[0].quantity");
    /* the inventory refuses: the reservation went elsewhere */
    CU_ASSERT_EQUAL(ec_inventory_release(f.inv, "ord-1", NULL, NULL), EC_OK);
    ec_inventory_clear_changes(f.inv);
    EXPECT_ERR(event(&f, "fulfill A:1", NULL), f.o.e, EC_INVALID_TRANSITION, "id");
    EXPECT_I64(ec_order_effects_count(f.o.fx), 0);
    CU_ASSERT_EQUAL(ec_order_to_json(ec_checkout_order(f.c), &after, NULL), EC_OK);
    CU_ASSERT_STRING_EQUAL(after, before);
    EXPECT_I64(ec_inventory_changed_reservation(f.inv, 0, NULL), 0);
    EXPECT_I64(ec_inventory_changed_stock(f.inv, 0, NULL, NULL), 0);
    ec_free(before);
    ec_free(after);
    co_close(&f);
}

static void test_checkout_uses_come_back_with_a_whole_cancel(void)
{
    co_fx f;
    CU_ASSERT_FATAL(co_open(&f, NULL));
    ec_error e = th_error();
    int32_t back = -1;
    CU_ASSERT_EQUAL_FATAL(checkout(&f, "A*2 B coupon=TEN", &e), EC_OK);
    CU_ASSERT_EQUAL(event(&f, "cancel A:1", &back), EC_OK);
    EXPECT_I64(back, 0);
    CU_ASSERT_EQUAL(event(&f, "cancel", &back), EC_OK);
    EXPECT_I64(back, 1);
    EXPECT_I64(reservation_status(&f, "ord-1"), EC_RESERVATION_STATUS_RELEASED);
    EXPECT_I64(available(&f, "A"), 5);
    /* a duplicate gives nothing back again */
    f.o.next_id--;
    CU_ASSERT_EQUAL(event(&f, "cancel", &back), EC_OK);
    EXPECT_I64(f.o.duplicate, 1);
    EXPECT_I64(back, 0);
    /* expiry of an unpaid order */
    ec_inventory_free(f.inv);
    f.inv = ec_inventory_new();
    CU_ASSERT_EQUAL(ec_inventory_set(f.inv, "B", "north", 5, NULL, NULL, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL_FATAL(checkout(&f, "B*2", &e), EC_OK);
    CU_ASSERT_EQUAL(event(&f, "expire", &back), EC_OK);
    EXPECT_I64(back, 1);
    EXPECT_I64(available(&f, "B"), 5);
    co_close(&f);
}

/* Allocation failure at every step: a clean EC_NO_MEMORY, no leak. */
static int chaos_once(th_counter *counter)
{
    ec_allocator a = th_allocator(counter);
    co_fx f;
    memset(&f, 0, sizeof f);
    int ok = of_open(&f.o, NULL);
    f.c = ec_checkout_new_ex(&a);
    f.inv = ec_inventory_new_ex(&a);
    ec_order_effects *fx = ec_order_effects_new_ex(&a);
    ec_order_effects_free(f.o.fx);
    f.o.fx = fx;
    ec_error e = th_error();
    ec_status st = ok && f.c && f.inv && fx ? EC_OK : EC_NO_MEMORY;
    if (st == EC_OK) st = ec_inventory_set(f.inv, "A", "north", 9, NULL, NULL, NULL, &e);
    if (st == EC_OK) st = checkout(&f, "A*3", &e);
    if (st == EC_OK) st = event(&f, "capture", NULL);
    if (st == EC_OK) st = event(&f, "fulfill A:2", NULL);
    if (st == EC_OK) st = event(&f, "cancel", NULL);
    if (st == EC_OK) st = event(&f, "return A:1", NULL);
    if (st != EC_OK) CU_ASSERT_EQUAL(st, EC_NO_MEMORY);
    co_close(&f);
    return st == EC_OK;
}

static void test_checkout_chaos(void)
{
    int finished = 0;
    for (long n = 1; n < 500 && !finished; n++) {
        th_counter c = {0, n, 0};
        finished = chaos_once(&c);
        th_expect_i64(c.live, 0, "blocks leaked", __FILE__, __LINE__);
    }
    CU_ASSERT_TRUE(finished);
}

static CU_TestInfo checkout_tests[] = {
    {"lists_what_promotions_spend", test_checkout_lists_what_promotions_spend},
    {"reserves_and_commits", test_checkout_reserves_and_commits},
    {"refused_for_lack_of_stock", test_checkout_refused_for_lack_of_stock},
    {"events_move_the_units", test_checkout_events_move_the_units},
    {"refusals_change_neither", test_checkout_refusals_change_neither},
    {"uses_come_back_with_a_whole_cancel", test_checkout_uses_come_back_with_a_whole_cancel},
    {"chaos", test_checkout_chaos},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_checkout_suites[] = {
    {"checkout", NULL, NULL, NULL, NULL, checkout_tests},
    CU_SUITE_INFO_NULL,
};
