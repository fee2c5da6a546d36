/* test_order.c - unit tests for orders: creation from a priced cart, every
 * event of the default machine with its money and units, every refusal
 * with its field, the effects, the derived statuses, duplicates, versions
 * and limits, and custom machines.  Amounts are hand-checked; events are
 * written as short strings (order_fixture.h). */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "order_fixture.h"

#define EXPECT(f, spec, effects) of_expect((f), (spec), (effects), __FILE__, __LINE__)
#define REFUSED(f, spec, status, field)                                                            \
    of_refused((f), (spec), (status), (field), __FILE__, __LINE__)
#define SUMMARY(f, want) of_expect_summary((f), (want), __FILE__, __LINE__)
#define EXPECT_STR(a, b) th_expect_str((a), (b), #a, __FILE__, __LINE__)
#define EXPECT_I64(a, b) th_expect_i64((a), (b), #a, __FILE__, __LINE__)
#define EXPECT_ERR(st, e, status, field)                                                           \
    th_expect_error((st), &(e), (status), (field), __FILE__, __LINE__)

#define OPEN(f)                                                                                    \
    of_fx f;                                                                                       \
    CU_ASSERT_FATAL(of_open(&f, NULL))

/* ---- creation ------------------------------------------------------------------------ */

static void test_order_create_copies_the_priced_cart(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 C ship=std country=DE coupon=TEN coupon=nope"), EC_OK);
    const ec_order *o = f.o;
    EXPECT_STR(ec_order_id(o), "ord-1");
    EXPECT_STR(ec_order_state(o), "pending_payment");
    EXPECT_I64(ec_order_version(o), 1);
    EXPECT_STR(ec_order_currency(o), "EUR");
    EXPECT_I64(ec_order_created_at(o), th_time("2026-11-28T10:00:00Z"));
    EXPECT_I64(ec_order_prices_include_tax(o), 0);
    CU_ASSERT_EQUAL_FATAL(ec_order_line_count(o), 2);
    EXPECT_STR(ec_order_line_sku(o, 0), "A");
    EXPECT_I64(ec_order_line_quantity(o, 0), 2);
    EXPECT_I64(ec_order_line_unit_price(o, 0), 1000);
    EXPECT_I64(ec_order_line_subtotal(o, 0), 2000);
    EXPECT_I64(ec_order_line_discount(o, 0), 200);
    EXPECT_I64(ec_order_line_net(o, 0), 1800);
    EXPECT_I64(ec_order_line_tax(o, 0), 0);
    EXPECT_I64(ec_order_line_total(o, 0), 1800);
    EXPECT_I64(ec_order_line_total(o, 1), 270);
    EXPECT_I64(ec_order_has_shipping(o), 1);
    EXPECT_STR(ec_order_shipping_method(o), "std");
    EXPECT_I64(ec_order_shipping_total(o), 490);
    EXPECT_I64(ec_order_subtotal(o), 2300);
    EXPECT_I64(ec_order_discount(o), 230);
    EXPECT_I64(ec_order_total(o), 2560);
    CU_ASSERT_EQUAL_FATAL(ec_order_promotion_count(o), 1);
    EXPECT_STR(ec_order_promotion_id(o, 0), "TEN");
    EXPECT_I64(ec_order_promotion_amount(o, 0), 230);
    CU_ASSERT_EQUAL_FATAL(ec_order_coupon_count(o), 1);
    EXPECT_STR(ec_order_coupon(o, 0), "TEN");
    SUMMARY(&f, "pending_payment 25.60 25.60 0.00 unpaid unfulfilled");
    of_close(&f);
}

static void test_order_create_keeps_only_what_applied(void)
{
    OPEN(f);
    /* TWO's coupon is given but no D line is bought: no promotion, no coupon */
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A coupon=TWO"), EC_OK);
    EXPECT_I64(ec_order_promotion_count(f.o), 0);
    EXPECT_I64(ec_order_coupon_count(f.o), 0);
    EXPECT_I64(ec_order_has_shipping(f.o), 0);
    CU_ASSERT_PTR_NULL(ec_order_shipping_method(f.o));
    of_close(&f);
}

static void test_order_create_refusals(void)
{
    OPEN(f);
    ec_price_result *empty = ec_price_result_new();
    ec_error e = th_error();
    EXPECT_ERR(ec_order_create(f.o, empty, "x", NULL, &e), e, EC_INVALID_FIELD, "result");
    CU_ASSERT_PTR_NULL(ec_order_id(f.o));
    th_fx_recart(&f.p, "A");
    CU_ASSERT_EQUAL_FATAL(th_fx_price(&f.p), EC_OK);
    e = th_error();
    EXPECT_ERR(ec_order_create(f.o, f.p.r, "", NULL, &e), e, EC_INVALID_FIELD, "id");
    e = th_error();
    EXPECT_ERR(ec_order_create(NULL, f.p.r, "x", NULL, &e), e, EC_MISUSE, "");
    ec_order_machine *unsealed = ec_order_machine_new();
    e = th_error();
    EXPECT_ERR(ec_order_create(f.o, f.p.r, "x", unsealed, &e), e, EC_MISUSE, "");
    ec_order_machine_free(unsealed);
    ec_price_result_free(empty);
    of_close(&f);
}

/* ---- the value rule ------------------------------------------------------------------ */

static void test_order_units_leave_with_their_share(void)
{
    OPEN(f);
    /* three D at 4.00 less 2.00: one line of 10.00 for 3 units */
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "D*3 coupon=TWO"), EC_OK);
    EXPECT_I64(ec_order_line_total(f.o, 0), 1000);
    EXPECT(&f, "capture", "");
    EXPECT(&f, "fulfill D:3", "ship_stock D:3");
    EXPECT(&f, "return D:1", "restock D:1; refund_payment 3.33");
    EXPECT(&f, "return D:1", "restock D:1; refund_payment 3.33");
    EXPECT(&f, "return D:1", "restock D:1; refund_payment 3.34");
    EXPECT_I64(ec_order_line_left_value(f.o, 0), 1000);
    SUMMARY(&f, "processing 0.00 0.00 10.00 refund_due fulfilled");
    EXPECT(&f, "refund", "");
    SUMMARY(&f, "processing 0.00 0.00 0.00 refunded fulfilled");
    EXPECT_I64(ec_order_payment_refunded(f.o), ec_order_payment_captured(f.o));
    of_close(&f);
}

/* Any split of any line gives back exactly its total, and each step is
 * worth floor(T*(m+k)/q) - floor(T*m/q). */
static void test_order_any_split_adds_up(void)
{
    static const char *const carts[] = {"D*3 coupon=TWO", "A*7 coupon=TEN", "C*11", "B*1"};
    uint64_t seed = 7;
    for (size_t c = 0; c < sizeof carts / sizeof carts[0]; c++) {
        for (int round = 0; round < 40; round++) {
            OPEN(f);
            CU_ASSERT_EQUAL_FATAL(of_order(&f, carts[c]), EC_OK);
            const char *sku = ec_order_line_sku(f.o, 0);
            int64_t q = ec_order_line_quantity(f.o, 0), t = ec_order_line_total(f.o, 0), m = 0;
            while (m < q) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                int64_t k = 1 + (int64_t)((seed >> 33) % (uint64_t)(q - m));
                char spec[64];
                snprintf(spec, sizeof spec, "cancel %s:%lld", sku, (long long)k);
                int64_t before = ec_order_balance(f.o);
                CU_ASSERT_EQUAL_FATAL(of_apply(&f, spec), EC_OK);
                __int128 want = (__int128)t * (m + k) / q - (__int128)t * m / q;
                EXPECT_I64(before - ec_order_balance(f.o), (int64_t)want);
                m += k;
            }
            EXPECT_I64(ec_order_balance(f.o), 0);
            EXPECT_I64(ec_order_line_left_value(f.o, 0), t);
            of_close(&f);
        }
    }
}

/* ---- the money: what the issue found broken -------------------------------------------- */

static void test_order_cancel_of_the_rest_refunds_it(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B"), EC_OK);
    EXPECT(&f, "capture", "");
    SUMMARY(&f, "processing 40.00 0.00 0.00 paid unfulfilled");
    EXPECT(&f, "fulfill A:1", "ship_stock A:1");
    SUMMARY(&f, "processing 40.00 0.00 0.00 paid partially_fulfilled");
    EXPECT(&f, "cancel", "release_stock A:1 B:1; refund_payment 30.00");
    SUMMARY(&f, "processing 10.00 0.00 30.00 refund_due fulfilled");
    EXPECT(&f, "refund", "");
    SUMMARY(&f, "processing 10.00 0.00 0.00 paid fulfilled");
    EXPECT(&f, "deliver", "");
    EXPECT(&f, "complete", "");
    SUMMARY(&f, "completed 10.00 0.00 0.00 paid fulfilled");
    of_close(&f);
}

static void test_order_return_of_one_unit_refunds_one_unit(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*5"), EC_OK);
    EXPECT(&f, "capture", "");
    EXPECT(&f, "fulfill A:5", "ship_stock A:5");
    EXPECT(&f, "deliver", "");
    EXPECT(&f, "return A:1", "restock A:1; refund_payment 10.00");
    EXPECT(&f, "refund", "");
    EXPECT_I64(ec_order_payment_refunded(f.o), 1000);
    SUMMARY(&f, "delivered 40.00 0.00 0.00 paid fulfilled");
    of_close(&f);
}

static void test_order_captures_partial_never_above(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B"), EC_OK);
    EXPECT(&f, "authorize 40.00", "");
    REFUSED(&f, "capture 200.00", EC_INVALID_FIELD, "amount");
    EXPECT_I64(ec_order_payment_authorized(f.o), 4000);
    EXPECT(&f, "capture 15.00", "");
    SUMMARY(&f, "processing 40.00 25.00 0.00 partially_paid unfulfilled");
    EXPECT(&f, "capture", "");
    SUMMARY(&f, "processing 40.00 0.00 0.00 paid unfulfilled");
    REFUSED(&f, "capture", EC_INVALID_FIELD, "amount");
    REFUSED(&f, "capture 0.01", EC_INVALID_FIELD, "amount");
    of_close(&f);
}

/* Capture on shipment: authorize the whole, ship and capture per parcel. */
static void test_order_capture_on_shipment(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B"), EC_OK);
    EXPECT(&f, "authorize 40.00", "");
    SUMMARY(&f, "processing 40.00 40.00 0.00 authorized unfulfilled");
    EXPECT(&f, "fulfill B:1", "ship_stock B:1");
    EXPECT(&f, "capture 20.00", "");
    EXPECT(&f, "fulfill A:2", "ship_stock A:2");
    EXPECT(&f, "capture 20.00", "");
    SUMMARY(&f, "processing 40.00 0.00 0.00 paid fulfilled");
    EXPECT(&f, "deliver", "");
    EXPECT(&f, "complete", "");
    of_close(&f);
}

static void test_order_returns_with_fees(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*4"), EC_OK);
    EXPECT(&f, "capture", "");
    EXPECT(&f, "fulfill A:4", "ship_stock A:4");
    EXPECT(&f, "return A:1 fee=2.00", "restock A:1; refund_payment 8.00");
    EXPECT(&f, "return A:2 fee=1.00", "restock A:2; refund_payment 19.00");
    SUMMARY(&f, "processing 13.00 0.00 27.00 refund_due fulfilled");
    REFUSED(&f, "return A:2", EC_INVALID_FIELD, "lines[0].quantity");
    REFUSED(&f, "return A:1 fee=10.01", EC_INVALID_FIELD, "fee");
    EXPECT(&f, "return A:1 fee=10.00", "restock A:1");
    EXPECT_I64(ec_order_fees(f.o), 1300);
    EXPECT(&f, "refund", "");
    SUMMARY(&f, "processing 13.00 0.00 0.00 paid fulfilled");
    of_close(&f);
}

static void test_order_unpaid_cancel_takes_the_shipping(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 ship=std country=DE"), EC_OK);
    EXPECT(&f, "cancel A:1", "release_stock A:1");
    SUMMARY(&f, "pending_payment 14.90 14.90 0.00 unpaid unfulfilled");
    EXPECT_I64(ec_order_shipping_returned(f.o), 0);
    EXPECT(&f, "cancel", "release_stock A:1");
    SUMMARY(&f, "canceled 0.00 0.00 0.00 unpaid canceled");
    EXPECT_I64(ec_order_shipping_returned(f.o), 1);
    of_close(&f);
}

static void test_order_shipping_stays_with_a_shipment(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 ship=std country=DE"), EC_OK);
    EXPECT(&f, "capture", "");
    EXPECT(&f, "fulfill A:1", "ship_stock A:1");
    EXPECT(&f, "cancel", "release_stock A:1; refund_payment 10.00");
    SUMMARY(&f, "processing 14.90 0.00 10.00 refund_due fulfilled");
    EXPECT(&f, "return A:1 ship", "restock A:1; refund_payment 14.90");
    SUMMARY(&f, "processing 0.00 0.00 24.90 refund_due fulfilled");
    EXPECT(&f, "refund", "");
    SUMMARY(&f, "processing 0.00 0.00 0.00 refunded fulfilled");
    of_close(&f);
}

static void test_order_shipping_returns_once(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 ship=std country=DE"), EC_OK);
    EXPECT(&f, "capture", "");
    EXPECT(&f, "fulfill A:2", "ship_stock A:2");
    EXPECT(&f, "return A:1 ship", "restock A:1; refund_payment 14.90");
    REFUSED(&f, "return A:1 ship", EC_INVALID_FIELD, "shipping");
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2"), EC_OK);
    EXPECT(&f, "capture", "");
    EXPECT(&f, "fulfill A:2", "ship_stock A:2");
    REFUSED(&f, "return A:1 ship", EC_INVALID_FIELD, "shipping");
    of_close(&f);
}

/* ---- each event's rules ------------------------------------------------------------------ */

static void test_order_authorize_rules(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B"), EC_OK);
    REFUSED(&f, "authorize", EC_INVALID_FIELD, "amount");
    REFUSED(&f, "authorize 0.00", EC_INVALID_FIELD, "amount");
    REFUSED(&f, "authorize 40.01", EC_INVALID_FIELD, "amount");
    EXPECT(&f, "authorize 30.00", "");
    REFUSED(&f, "authorize 20.00", EC_INVALID_FIELD, "amount");
    EXPECT(&f, "authorize 10.00", "");
    EXPECT_I64(ec_order_payment_authorized(f.o), 4000);
    SUMMARY(&f, "processing 40.00 40.00 0.00 authorized unfulfilled");
    of_close(&f);
}

static void test_order_void_releases_the_open_authorization(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B"), EC_OK);
    REFUSED(&f, "void", EC_INVALID_TRANSITION, "");
    EXPECT(&f, "authorize 40.00", "");
    EXPECT(&f, "capture 10.00", "");
    EXPECT(&f, "void", "");
    EXPECT_I64(ec_order_payment_authorized(f.o), 1000);
    SUMMARY(&f, "processing 40.00 30.00 0.00 partially_paid unfulfilled");
    REFUSED(&f, "void", EC_INVALID_FIELD, "");
    /* with nothing open, a capture is a sale of what is due */
    EXPECT(&f, "capture", "");
    EXPECT_I64(ec_order_payment_authorized(f.o), 4000);
    EXPECT_I64(ec_order_payment_captured(f.o), 4000);
    of_close(&f);
}

static void test_order_cancel_rules(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B"), EC_OK);
    REFUSED(&f, "cancel A:3", EC_INVALID_FIELD, "lines[0].quantity");
    REFUSED(&f, "cancel X:1", EC_INVALID_FIELD, "lines[0].sku");
    REFUSED(&f, "cancel A:1 A:2", EC_INVALID_FIELD, "lines[1].quantity");
    REFUSED(&f, "cancel fee=1.00", EC_INVALID_FIELD, "fee");
    REFUSED(&f, "cancel ship", EC_INVALID_FIELD, "shipping");
    REFUSED(&f, "cancel 1.00", EC_INVALID_FIELD, "amount");
    EXPECT(&f, "cancel A:1 A:1", "release_stock A:2");
    SUMMARY(&f, "pending_payment 20.00 20.00 0.00 unpaid unfulfilled");
    EXPECT(&f, "cancel", "release_stock B:1");
    SUMMARY(&f, "canceled 0.00 0.00 0.00 unpaid canceled");
    REFUSED(&f, "cancel", EC_INVALID_TRANSITION, "");
    of_close(&f);
}

static void test_order_cancel_of_nothing_is_refused(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A"), EC_OK);
    EXPECT(&f, "capture", "");
    EXPECT(&f, "fulfill A:1", "ship_stock A:1");
    REFUSED(&f, "cancel", EC_INVALID_FIELD, "");
    of_close(&f);
}

static void test_order_expire_of_an_unpaid_order(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B ship=std country=DE"), EC_OK);
    REFUSED(&f, "expire A:1", EC_INVALID_FIELD, "lines");
    EXPECT(&f, "expire", "release_stock A:2 B:1");
    SUMMARY(&f, "canceled 0.00 0.00 0.00 unpaid canceled");
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A"), EC_OK);
    EXPECT(&f, "capture", "");
    REFUSED(&f, "expire", EC_INVALID_TRANSITION, "");
    of_close(&f);
}

static void test_order_fulfill_rules(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B"), EC_OK);
    REFUSED(&f, "fulfill A:1", EC_INVALID_TRANSITION, "");
    EXPECT(&f, "authorize 40.00", "");
    REFUSED(&f, "fulfill", EC_INVALID_FIELD, "lines");
    REFUSED(&f, "fulfill A:1 1.00", EC_INVALID_FIELD, "amount");
    REFUSED(&f, "fulfill A:3", EC_INVALID_FIELD, "lines[0].quantity");
    REFUSED(&f, "fulfill B:1 Z:1", EC_INVALID_FIELD, "lines[1].sku");
    EXPECT(&f, "fulfill B:1 A:1", "ship_stock A:1 B:1");
    REFUSED(&f, "cancel A:2", EC_INVALID_FIELD, "lines[0].quantity");
    REFUSED(&f, "deliver", EC_INVALID_TRANSITION, "");
    of_close(&f);
}

/* A SKU bought on two lines: each event line goes to the first line with
 * that SKU that can take all of its units. */
static void test_order_lines_of_one_sku(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B A*3"), EC_OK);
    EXPECT(&f, "capture", "");
    EXPECT(&f, "fulfill A:3", "ship_stock A:3");
    EXPECT_I64(ec_order_line_fulfilled(f.o, 0), 0);
    EXPECT_I64(ec_order_line_fulfilled(f.o, 2), 3);
    EXPECT(&f, "fulfill A:1 A:1", "ship_stock A:2");
    EXPECT_I64(ec_order_line_fulfilled(f.o, 0), 2);
    REFUSED(&f, "fulfill A:1", EC_INVALID_FIELD, "lines[0].quantity");
    of_close(&f);
}

static void test_order_refund_rules(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B"), EC_OK);
    EXPECT(&f, "capture", "");
    REFUSED(&f, "refund", EC_INVALID_FIELD, "amount");
    REFUSED(&f, "refund 0.00", EC_INVALID_FIELD, "amount");
    REFUSED(&f, "refund 40.01", EC_INVALID_FIELD, "amount");
    REFUSED(&f, "refund A:1", EC_INVALID_FIELD, "lines");
    /* goodwill: beyond what is due, up to what was paid */
    EXPECT(&f, "refund 5.00", "");
    SUMMARY(&f, "processing 40.00 5.00 0.00 partially_paid unfulfilled");
    EXPECT(&f, "refund 35.00", "");
    SUMMARY(&f, "processing 40.00 40.00 0.00 unpaid unfulfilled");
    REFUSED(&f, "refund 0.01", EC_INVALID_FIELD, "amount");
    of_close(&f);
}

static void test_order_state_only_events_take_nothing(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A"), EC_OK);
    REFUSED(&f, "fail_payment 1.00", EC_INVALID_FIELD, "amount");
    REFUSED(&f, "fail_payment A:1", EC_INVALID_FIELD, "lines");
    EXPECT(&f, "fail_payment", "");
    REFUSED(&f, "capture", EC_INVALID_TRANSITION, "");
    EXPECT(&f, "retry_payment", "");
    EXPECT(&f, "capture", "");
    EXPECT(&f, "fail_payment", "");
    EXPECT_STR(ec_order_state(f.o), "processing");
    of_close(&f);
}

/* Effects come stock first, then the refund, then the release of the
 * authorization. */
static void test_order_effects_in_order(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B"), EC_OK);
    EXPECT(&f, "authorize 40.00", "");
    EXPECT(&f, "capture 35.00", "");
    EXPECT(&f, "cancel B:1", "release_stock B:1; refund_payment 15.00; void_payment 5.00");
    SUMMARY(&f, "processing 20.00 0.00 15.00 refund_due unfulfilled");
    EXPECT(&f, "void", "");
    EXPECT(&f, "refund", "");
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B"), EC_OK);
    EXPECT(&f, "authorize 40.00", "");
    EXPECT(&f, "cancel A:1", "release_stock A:1; void_payment 10.00");
    EXPECT(&f, "cancel", "release_stock A:1 B:1; void_payment 30.00");
    SUMMARY(&f, "canceled 0.00 0.00 0.00 authorized canceled");
    EXPECT(&f, "void", "");
    SUMMARY(&f, "canceled 0.00 0.00 0.00 unpaid canceled");
    of_close(&f);
}

static void test_order_payment_statuses(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 B"), EC_OK);
    SUMMARY(&f, "pending_payment 40.00 40.00 0.00 unpaid unfulfilled");
    EXPECT(&f, "authorize 10.00", "");
    SUMMARY(&f, "processing 40.00 40.00 0.00 authorized unfulfilled");
    EXPECT(&f, "capture 10.00", "");
    SUMMARY(&f, "processing 40.00 30.00 0.00 partially_paid unfulfilled");
    EXPECT(&f, "capture 30.00", "");
    SUMMARY(&f, "processing 40.00 0.00 0.00 paid unfulfilled");
    EXPECT(&f, "cancel", "release_stock A:2 B:1; refund_payment 40.00");
    SUMMARY(&f, "canceled 0.00 0.00 40.00 refund_due canceled");
    EXPECT(&f, "refund 15.00", "");
    SUMMARY(&f, "canceled 0.00 0.00 25.00 refund_due canceled");
    EXPECT(&f, "refund", "");
    SUMMARY(&f, "canceled 0.00 0.00 0.00 refunded canceled");
    of_close(&f);
}

/* ---- checks before the event's own rules -------------------------------------------------- */

static void test_order_duplicates_and_versions(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A"), EC_OK);
    EXPECT(&f, "capture", "");
    /* the same id again: unchanged, no effects, even with another type */
    ec_order_event_reset(f.ev);
    ec_error e = th_error();
    CU_ASSERT_EQUAL(ec_order_event_set_id(f.ev, "e1", &e), EC_OK);
    CU_ASSERT_EQUAL(ec_order_event_set_type(f.ev, "cancel", &e), EC_OK);
    CU_ASSERT_EQUAL(ec_order_event_set_at(f.ev, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_order_event_set_expected_version(f.ev, 1, &e), EC_OK);
    int32_t dup = 0;
    CU_ASSERT_EQUAL(ec_order_apply(NULL, f.o, f.ev, f.fx, &dup, &e), EC_OK);
    EXPECT_I64(dup, 1);
    EXPECT_I64(ec_order_version(f.o), 2);
    EXPECT_I64(ec_order_effects_count(f.fx), 0);
    REFUSED(&f, "fulfill A:1 v=1", EC_VERSION_CONFLICT, "expected_version");
    EXPECT(&f, "fulfill A:1 v=2", "ship_stock A:1");
    EXPECT_I64(ec_order_version(f.o), 3);
    EXPECT_I64(ec_order_history_count(f.o), 2);
    EXPECT_STR(ec_order_history_event_id(f.o, 1), "e3");
    EXPECT_STR(ec_order_history_event(f.o, 1), "fulfill");
    EXPECT_STR(ec_order_history_from(f.o, 1), "processing");
    EXPECT_STR(ec_order_history_to(f.o, 1), "processing");
    of_close(&f);
}

static void test_order_transition_messages(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A"), EC_OK);
    REFUSED(&f, "fulfill A:1", EC_INVALID_TRANSITION, "");
    EXPECT_STR(f.e.message, "cannot fulfill in state pending_payment; allowed: authorize, capture, "
                            "fail_payment, cancel, expire");
    REFUSED(&f, "ship A:1", EC_INVALID_TRANSITION, "type");
    EXPECT(&f, "capture", "");
    REFUSED(&f, "complete", EC_INVALID_TRANSITION, "");
    EXPECT(&f, "fulfill A:1", "ship_stock A:1");
    EXPECT(&f, "deliver", "");
    EXPECT(&f, "return A:1", "restock A:1; refund_payment 10.00");
    REFUSED(&f, "complete", EC_INVALID_TRANSITION, "");
    EXPECT_STR(f.e.message, "cannot complete in state delivered: no guard holds (settled); "
                            "allowed: authorize, capture, void, return, refund, complete");
    EXPECT(&f, "refund", "");
    EXPECT(&f, "complete", "");
    REFUSED(&f, "refund 1.00", EC_INVALID_TRANSITION, "");
    EXPECT_STR(f.e.message, "cannot refund in state completed; allowed: none (completed is final)");
    CU_ASSERT_EQUAL(ec_order_set_state(f.o, "lost", NULL), EC_OK);
    REFUSED(&f, "refund 1.00", EC_INVALID_FIELD, "order.state");
    of_close(&f);
}

static void test_order_history_is_capped(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A"), EC_OK);
    for (int i = 0; i < EC_ORDER_MAX_HISTORY; i++)
        CU_ASSERT_EQUAL_FATAL(of_apply(&f, i % 2 ? "retry_payment" : "fail_payment"), EC_OK);
    EXPECT_I64(ec_order_history_count(f.o), EC_ORDER_MAX_HISTORY);
    REFUSED(&f, "fail_payment", EC_LIMIT_EXCEEDED, "order.history");
    of_close(&f);
}

static void test_order_incomplete_or_misused(void)
{
    OPEN(f);
    ec_error e = th_error();
    ec_order *empty = ec_order_new();
    CU_ASSERT_EQUAL_FATAL(of_event(&f, "capture"), EC_OK);
    EXPECT_ERR(ec_order_apply(NULL, empty, f.ev, f.fx, NULL, &e), e, EC_INVALID_FIELD, "order.id");
    e = th_error();
    EXPECT_ERR(ec_order_apply(NULL, NULL, f.ev, NULL, NULL, &e), e, EC_MISUSE, "");
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A"), EC_OK);
    ec_order_event_reset(f.ev);
    e = th_error();
    CU_ASSERT_EQUAL(ec_order_event_set_id(f.ev, "x", &e), EC_OK);
    EXPECT_ERR(ec_order_apply(NULL, f.o, f.ev, NULL, NULL, &e), e, EC_INVALID_FIELD, "type");
    CU_ASSERT_EQUAL(ec_order_event_set_type(f.ev, "capture", &e), EC_OK);
    e = th_error();
    EXPECT_ERR(ec_order_apply(NULL, f.o, f.ev, NULL, NULL, &e), e, EC_INVALID_FIELD, "at");
    e = th_error();
    EXPECT_ERR(ec_order_event_set_amount(f.ev, -1, &e), e, EC_INVALID_FIELD, "amount");
    e = th_error();
    EXPECT_ERR(ec_order_event_set_fee(f.ev, -1, &e), e, EC_INVALID_FIELD, "fee");
    e = th_error();
    EXPECT_ERR(ec_order_event_add_line(f.ev, "A", 0, &e), e, EC_INVALID_FIELD, "lines[0].quantity");
    ec_order_machine *unsealed = ec_order_machine_new();
    e = th_error();
    CU_ASSERT_EQUAL(ec_order_event_set_at(f.ev, 0, &e), EC_OK);
    EXPECT_ERR(ec_order_apply(unsealed, f.o, f.ev, NULL, NULL, &e), e, EC_MISUSE, "");
    ec_order_machine_free(unsealed);
    ec_order_free(empty);
    of_close(&f);
}

static void test_order_accessors_out_of_range(void)
{
    OPEN(f);
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A"), EC_OK);
    CU_ASSERT_PTR_NULL(ec_order_line_sku(f.o, 1));
    EXPECT_I64(ec_order_line_total(f.o, 1), 0);
    CU_ASSERT_PTR_NULL(ec_order_promotion_id(f.o, 0));
    CU_ASSERT_PTR_NULL(ec_order_coupon(f.o, 0));
    CU_ASSERT_PTR_NULL(ec_order_history_event(f.o, 0));
    CU_ASSERT_PTR_NULL(ec_order_id(NULL));
    EXPECT_I64(ec_order_balance(NULL), 0);
    EXPECT_I64(ec_order_effects_get(f.fx, 0), -1);
    CU_ASSERT_PTR_NULL(ec_order_effects_line_sku(f.fx, 0, 0));
    CU_ASSERT_PTR_NULL(ec_order_payment_status_name(99));
    CU_ASSERT_PTR_NULL(ec_order_fulfillment_name(-1));
    EXPECT_STR(ec_order_payment_status_name(EC_ORDER_PAYMENT_REFUND_DUE), "refund_due");
    EXPECT_STR(ec_order_fulfillment_name(EC_ORDER_FULFILLMENT_PARTIALLY_FULFILLED),
               "partially_fulfilled");
    of_close(&f);
}

/* ---- machines --------------------------------------------------------------------------- */

static void test_order_default_machine_shape(void)
{
    const ec_order_machine *m = ec_order_machine_default();
    EXPECT_STR(ec_order_machine_initial(m), "pending_payment");
    CU_ASSERT_EQUAL(ec_order_machine_state_count(m), 6);
    CU_ASSERT_EQUAL(ec_order_machine_event_count(m), 12);
    CU_ASSERT_EQUAL(ec_order_machine_transition_count(m), 25);
    for (size_t i = 0; i < ec_order_machine_state_count(m); i++)
        EXPECT_I64(ec_order_machine_state_is_final(m, i),
                   strcmp(ec_order_machine_state_name(m, i), "completed") == 0);
    ec_order_machine_free((ec_order_machine *)m); /* ignored */
    EXPECT_STR(ec_order_machine_initial(ec_order_machine_default()), "pending_payment");
}

static void test_order_custom_machine(void)
{
    OPEN(f);
    ec_order_machine *m = ec_order_machine_new();
    ec_error e = th_error();
    const char *open[] = {"pending_payment"}, *fx[] = {"release_stock"};
    EXPECT_ERR(ec_order_machine_add_transition(m, open, 1, "close", "closed", NULL, fx, 1, &e), e,
               EC_INVALID_FIELD, "effects[0]");
    CU_ASSERT_EQUAL(ec_order_machine_set_initial(m, "pending_payment", &e), EC_OK);
    CU_ASSERT_EQUAL(ec_order_machine_add_transition(m, open, 1, "capture", "pending_payment", NULL,
                                                    NULL, 0, &e),
                    EC_OK);
    CU_ASSERT_EQUAL(ec_order_machine_add_transition(m, open, 1, "fulfill", "pending_payment", NULL,
                                                    NULL, 0, &e),
                    EC_OK);
    CU_ASSERT_EQUAL(ec_order_machine_add_transition(m, open, 1, "hold", "held", "nothing_fulfilled",
                                                    NULL, 0, &e),
                    EC_OK);
    CU_ASSERT_EQUAL(ec_order_machine_add_transition(m, open, 1, "close", "closed",
                                                    "amount_covers_total", NULL, 0, &e),
                    EC_OK);
    CU_ASSERT_EQUAL(ec_order_machine_add_final(m, "closed", &e), EC_OK);
    CU_ASSERT_EQUAL_FATAL(ec_order_machine_seal(m, &e), EC_OK);
    th_fx_recart(&f.p, "A*2");
    CU_ASSERT_EQUAL_FATAL(th_fx_price(&f.p), EC_OK);
    CU_ASSERT_EQUAL_FATAL(ec_order_create(f.o, f.p.r, "ord-9", m, &f.e), EC_OK);
    /* money and units follow the event's name, whatever the machine */
    CU_ASSERT_EQUAL(of_apply_with(&f, m, "capture 5.00"), EC_OK);
    CU_ASSERT_EQUAL(of_apply_with(&f, m, "fulfill A:1"), EC_OK);
    char got[200];
    of_effects(&f, got, sizeof got);
    EXPECT_STR(got, "ship_stock A:1");
    EXPECT_I64(of_apply_with(&f, m, "hold"), EC_INVALID_TRANSITION);
    EXPECT_STR(f.e.message, "cannot hold in state pending_payment: no guard holds "
                            "(nothing_fulfilled); allowed: capture, fulfill, hold, close");
    EXPECT_I64(of_apply_with(&f, m, "close"), EC_INVALID_TRANSITION);
    CU_ASSERT_EQUAL(of_apply_with(&f, m, "capture 15.00"), EC_OK);
    CU_ASSERT_EQUAL(of_apply_with(&f, m, "close"), EC_OK);
    EXPECT_STR(ec_order_state(f.o), "closed");
    ec_order_machine_free(m);
    of_close(&f);
}

static CU_TestInfo order_tests[] = {
    {"create_copies_the_priced_cart", test_order_create_copies_the_priced_cart},
    {"create_keeps_only_what_applied", test_order_create_keeps_only_what_applied},
    {"create_refusals", test_order_create_refusals},
    {"units_leave_with_their_share", test_order_units_leave_with_their_share},
    {"any_split_adds_up", test_order_any_split_adds_up},
    {"cancel_of_the_rest_refunds_it", test_order_cancel_of_the_rest_refunds_it},
    {"return_of_one_unit_refunds_one_unit", test_order_return_of_one_unit_refunds_one_unit},
    {"captures_partial_never_above", test_order_captures_partial_never_above},
    {"capture_on_shipment", test_order_capture_on_shipment},
    {"returns_with_fees", test_order_returns_with_fees},
    {"unpaid_cancel_takes_the_shipping", test_order_unpaid_cancel_takes_the_shipping},
    {"shipping_stays_with_a_shipment", test_order_shipping_stays_with_a_shipment},
    {"shipping_returns_once", test_order_shipping_returns_once},
    {"authorize_rules", test_order_authorize_rules},
    {"void_releases_the_open_authorization", test_order_void_releases_the_open_authorization},
    {"cancel_rules", test_order_cancel_rules},
    {"cancel_of_nothing_is_refused", test_order_cancel_of_nothing_is_refused},
    {"expire_of_an_unpaid_order", test_order_expire_of_an_unpaid_order},
    {"fulfill_rules", test_order_fulfill_rules},
    {"lines_of_one_sku", test_order_lines_of_one_sku},
    {"refund_rules", test_order_refund_rules},
    {"state_only_events_take_nothing", test_order_state_only_events_take_nothing},
    {"effects_in_order", test_order_effects_in_order},
    {"payment_statuses", test_order_payment_statuses},
    {"duplicates_and_versions", test_order_duplicates_and_versions},
    {"transition_messages", test_order_transition_messages},
    {"history_is_capped", test_order_history_is_capped},
    {"incomplete_or_misused", test_order_incomplete_or_misused},
    {"accessors_out_of_range", test_order_accessors_out_of_range},
    {"default_machine_shape", test_order_default_machine_shape},
    {"custom_machine", test_order_custom_machine},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_order_suites[] = {
    {"order", NULL, NULL, NULL, NULL, order_tests},
    CU_SUITE_INFO_NULL,
};
