/* test_inventory_lifecycle.c - the typed inventory API after reserve:
 * commit, release, ship, expiry (lazy, and exact when time goes back),
 * available and get.  Same conventions as test_inventory.c, whose helpers
 * (ti_*) it shares: hand-worked values, and the internal consistency check
 * at the end of every scenario. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory_fixture.h"

/* ---- commit ------------------------------------------------------------------------------ */

static void test_inventory_commit_active(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:4", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "r1", "o1", T0 + MIN, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_status(r), EC_RESERVATION_STATUS_COMMITTED);
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_order(r), "o1");
    CU_ASSERT_EQUAL(ec_inventory_result_duplicate(r), 0);
    /* committed stock stays held after the reservation's expiry */
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + 60 * MIN), 3);
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "r1", "o1", T0 + 61 * MIN, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_duplicate(r), 1);
    EXPECT_ERR(ec_inventory_commit(inv, "r1", "o2", T0 + 61 * MIN, r, &e), e, EC_INVALID_TRANSITION,
               "order");
    EXPECT_ERR(ec_inventory_commit(inv, "nope", "o1", T0, r, &e), e, EC_NOT_FOUND, "id");
    EXPECT_ERR(ec_inventory_commit(inv, "r1", "", T0, r, &e), e, EC_INVALID_FIELD, "order");
    CU_ASSERT_EQUAL(ti_status_of(inv, "r1"), EC_RESERVATION_STATUS_COMMITTED);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_commit_after_expiry_takes_again(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:4", 60, T0, NULL, 0, &e), EC_OK);
    /* at expires_at exactly the reservation no longer holds (half-open) */
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + MIN), 7);
    CU_ASSERT_EQUAL(ti_status_of(inv, "r1"), EC_RESERVATION_STATUS_ACTIVE);
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "r1", "o1", T0 + MIN, r, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "A@berlin:2,A@hamburg:2");
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + MIN), 3);
    /* a second one is taken over by r3 while lapsed: its commit fails whole */
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r2", "A:2", 60, T0 + MIN, "berlin,munich", 0, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "A@munich:2");
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r3", "A:1", 600, T0 + 3 * MIN, "munich", 0, &e), EC_OK);
    EXPECT_ERR(ec_inventory_commit(inv, "r2", "o2", T0 + 3 * MIN, r, &e), e, EC_RESERVATION_EXPIRED,
               "id");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_shortage_sku(r), "A");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_shortage_location(r), "munich");
    CU_ASSERT_EQUAL(ec_inventory_result_shortage_requested(r), 2);
    CU_ASSERT_EQUAL(ec_inventory_result_shortage_available(r), 1);
    CU_ASSERT_EQUAL(ti_status_of(inv, "r2"), EC_RESERVATION_STATUS_ACTIVE);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + 3 * MIN), 2);
    /* once r3 is released the quantities are there again */
    CU_ASSERT_EQUAL(ec_inventory_release(inv, "r3", NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "r2", "o2", T0 + 4 * MIN, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + 4 * MIN), 1);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_commit_expired_status(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "B:4", 60, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_expire(inv, T0 + 2 * MIN, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_status_of(inv, "r1"), EC_RESERVATION_STATUS_EXPIRED);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r2", "B:1", 60, T0 + 2 * MIN, NULL, 0, &e), EC_OK);
    EXPECT_ERR(ec_inventory_commit(inv, "r1", "o1", T0 + 2 * MIN, r, &e), e, EC_RESERVATION_EXPIRED,
               "id");
    CU_ASSERT_EQUAL(ti_status_of(inv, "r1"), EC_RESERVATION_STATUS_EXPIRED);
    /* r2 lapses a minute later: r1 fits again and is committed */
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "r1", "o1", T0 + 3 * MIN, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_status(r), EC_RESERVATION_STATUS_COMMITTED);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "B", NULL, T0 + 3 * MIN), 0);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_commit_refuses_released_and_shipped(void)
{
    ec_inventory *inv = ti_shop();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, NULL, "r1", "A:1", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_reserve(inv, NULL, "r2", "A:1", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_release(inv, "r1", NULL, &e), EC_OK);
    EXPECT_ERR(ec_inventory_commit(inv, "r1", "o1", T0, NULL, &e), e, EC_INVALID_TRANSITION, "id");
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "r2", "o2", T0, NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_ship(inv, "r2", NULL, &e), EC_OK);
    EXPECT_ERR(ec_inventory_commit(inv, "r2", "o2", T0, NULL, &e), e, EC_INVALID_TRANSITION, "id");
    CHECK_CONSISTENT(inv);
    ec_inventory_free(inv);
}

/* ---- release and ship ----------------------------------------------------------------------- */

static void test_inventory_release_frees_stock(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:4", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r2", "A:2", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "r2", "o2", T0, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 1);
    CU_ASSERT_EQUAL(ec_inventory_release(inv, "r1", r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_status(r), EC_RESERVATION_STATUS_RELEASED);
    CU_ASSERT_EQUAL(ec_inventory_result_duplicate(r), 0);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 5);
    CU_ASSERT_EQUAL(ec_inventory_release(inv, "r2", r, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 7);
    CU_ASSERT_EQUAL(ec_inventory_release(inv, "r2", r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_duplicate(r), 1);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 7);
    EXPECT_ERR(ec_inventory_release(inv, "nope", r, &e), e, EC_NOT_FOUND, "id");
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_release_expired_and_lapsed(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:2", 60, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r2", "A:2", 60, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_expire(inv, T0 + MIN, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_release(inv, "r1", r, &e), EC_OK); /* expired: no-op */
    CU_ASSERT_EQUAL(ec_inventory_result_status(r), EC_RESERVATION_STATUS_EXPIRED);
    CU_ASSERT_EQUAL(ec_inventory_result_duplicate(r), 1);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r3", "B:1", 60, T0 + MIN, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "B", NULL, T0 + 5 * MIN), 4); /* r3 lapsed */
    CU_ASSERT_EQUAL(ec_inventory_release(inv, "r3", r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_status(r), EC_RESERVATION_STATUS_RELEASED);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "B", NULL, T0 + 5 * MIN), 4);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "B", NULL, T0 + MIN), 4); /* also before its expiry */
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_ship_moves_stock_out(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:4", 600, T0, NULL, 0, &e), EC_OK);
    EXPECT_ERR(ec_inventory_ship(inv, "r1", r, &e), e, EC_INVALID_TRANSITION, "id");
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "r1", "o1", T0, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_ship(inv, "r1", r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_status(r), EC_RESERVATION_STATUS_SHIPPED);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "berlin"), 0);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "hamburg"), 1);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0),
                    3); /* shipping changes on_hand and held alike */
    EXPECT_ERR(ec_inventory_ship(inv, "r1", r, &e), e, EC_INVALID_TRANSITION, "id");
    EXPECT_ERR(ec_inventory_release(inv, "r1", r, &e), e, EC_INVALID_TRANSITION, "id");
    EXPECT_ERR(ec_inventory_ship(inv, "nope", r, &e), e, EC_NOT_FOUND, "id");
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r2", "A:1", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_release(inv, "r2", r, &e), EC_OK);
    EXPECT_ERR(ec_inventory_ship(inv, "r2", r, &e), e, EC_INVALID_TRANSITION, "id");
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "hamburg"), 1);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_ship_on_backorder_goes_negative(void)
{
    ec_inventory *inv = ti_shop();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, NULL, "r1", "A:2", 600, T0, "munich", 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "r1", "o1", T0, NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_ship(inv, "r1", NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "munich"), -2);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "munich", T0), 0);
    CU_ASSERT_EQUAL(ec_inventory_receive(inv, "A", "munich", 3, NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "munich", T0), 3);
    CHECK_CONSISTENT(inv);
    ec_inventory_free(inv);
}

/* ---- expiry ------------------------------------------------------------------------------ */

static void test_inventory_expire_only_what_is_due(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "rb", "A:1", 60, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "ra", "A:1", 60, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r0", "A:1", 30, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "rc", "A:1", 120, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "rd", "A:1", 30, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "rd", "o1", T0, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_expire(inv, T0 + 29 * SEC, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_expired_count(r), 0);
    /* expires_at <= at, by expires_at then id */
    CU_ASSERT_EQUAL(ec_inventory_expire(inv, T0 + MIN, r, &e), EC_OK);
    CU_ASSERT_EQUAL_FATAL(ec_inventory_result_expired_count(r), 3);
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_expired_id(r, 0), "r0");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_expired_id(r, 1), "ra");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_expired_id(r, 2), "rb");
    CU_ASSERT_PTR_NULL(ec_inventory_result_expired_id(r, 3));
    CU_ASSERT_EQUAL(ti_status_of(inv, "rc"), EC_RESERVATION_STATUS_ACTIVE);
    CU_ASSERT_EQUAL(ti_status_of(inv, "rd"), EC_RESERVATION_STATUS_COMMITTED);
    CU_ASSERT_EQUAL(ec_inventory_expire(inv, T0 + MIN, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_expired_count(r), 0);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + MIN), 5);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_expiry_is_lazy(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:7", 60, T0, NULL, 0, &e), EC_OK);
    EXPECT_ERR(ti_reserve(inv, r, "r2", "A:1", 60, T0 + 59 * SEC, NULL, 0, &e), e,
               EC_INSUFFICIENT_STOCK, "lines[0].quantity");
    /* no expire ran: r1 stops holding at its expiry all the same */
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r2", "A:7", 60, T0 + MIN, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_status_of(inv, "r1"), EC_RESERVATION_STATUS_ACTIVE);
    CU_ASSERT_EQUAL(ec_inventory_expire(inv, T0 + MIN, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_expired_count(r), 1);
    CU_ASSERT_EQUAL(ti_status_of(inv, "r1"), EC_RESERVATION_STATUS_EXPIRED);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_time_going_back_is_exact(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:3", 60, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r2", "A:2", 120, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + 3 * MIN), 7);
    CHECK_CONSISTENT(inv);
    /* a caller whose clock is behind sees what holds at its own time */
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + 90 * SEC), 5);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + 30 * SEC), 2);
    CHECK_CONSISTENT(inv);
    EXPECT_ERR(ti_reserve(inv, r, "r3", "A:3", 60, T0 + 30 * SEC, NULL, 0, &e), e,
               EC_INSUFFICIENT_STOCK, "lines[0].quantity");
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + 3 * MIN), 7);
    /* expire at an earlier time takes only what was due then */
    CU_ASSERT_EQUAL(ec_inventory_expire(inv, T0 + 90 * SEC, r, &e), EC_OK);
    CU_ASSERT_EQUAL_FATAL(ec_inventory_result_expired_count(r), 1);
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_expired_id(r, 0), "r1");
    CU_ASSERT_EQUAL(ti_status_of(inv, "r2"), EC_RESERVATION_STATUS_ACTIVE);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + 30 * SEC), 5);
    CHECK_CONSISTENT(inv);
    /* back to exactly r2's expiry: it holds nothing then (half-open) */
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + 10 * MIN), 7);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + 2 * MIN), 7);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + 2 * MIN - 1), 5);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

/* ---- available, get ------------------------------------------------------------------------ */

static void test_inventory_available_per_location(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ec_inventory_available(inv, "A", T0, r, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_sku(r), "A");
    CU_ASSERT_EQUAL(ec_inventory_result_available(r), 7);
    CU_ASSERT_EQUAL_FATAL(ec_inventory_result_location_count(r), 3);
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_location_name(r, 0), "berlin");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_location_name(r, 1), "hamburg");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_location_name(r, 2), "munich");
    CU_ASSERT_EQUAL(ec_inventory_result_location_available(r, 0), 2);
    CU_ASSERT_EQUAL(ec_inventory_result_location_available(r, 1), 3);
    CU_ASSERT_EQUAL(ec_inventory_result_location_available(r, 2), 2);
    CU_ASSERT_EQUAL(ec_inventory_available(inv, "unknown", T0, r, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_sku(r), "unknown");
    CU_ASSERT_EQUAL(ec_inventory_result_available(r), 0);
    CU_ASSERT_EQUAL(ec_inventory_result_location_count(r), 0);
    EXPECT_ERR(ec_inventory_available(inv, "", T0, r, &e), e, EC_INVALID_FIELD, "sku");
    /* safety stock above on_hand: 0, not negative */
    ti_stock(inv, "C", "x", 1, 3, 0);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "C", "x", T0), 0);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_get_reads_back(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "B:2,A:3", 60, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "r1", "order-9", T0, NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_get(inv, "r1", r, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_id(r), "r1");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_order(r), "order-9");
    CU_ASSERT_EQUAL(ec_inventory_result_status(r), EC_RESERVATION_STATUS_COMMITTED);
    CU_ASSERT_EQUAL(ec_inventory_result_expires_at(r), T0 + MIN);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "B@berlin:2,A@berlin:2,A@hamburg:1");
    EXPECT_ERR(ec_inventory_get(inv, "r2", r, &e), e, EC_NOT_FOUND, "id");
    CU_ASSERT_EQUAL(ec_inventory_result_line_count(r), 0);
    CU_ASSERT_PTR_NULL(ec_inventory_result_line_sku(r, 0));
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

/* The extremes of the levels: sums that do not fit are errors, never wraps. */
static void test_inventory_limits_are_errors(void)
{
    ec_inventory *inv = ec_inventory_new();
    ec_error e = ti_fresh();
    char loc[16];
    /* 4,700 locations of 2*10^15 free each: more than int64 holds in total */
    for (int i = 0; i < 4700; i++) {
        snprintf(loc, sizeof loc, "L%04d", i);
        CU_ASSERT_EQUAL_FATAL(ec_inventory_restore_stock(inv, "A", loc, EC_INVENTORY_MAX_STOCK, 0,
                                                         EC_INVENTORY_MAX_STOCK, &e),
                              EC_OK);
    }
    EXPECT_ERR(ec_inventory_available(inv, "A", T0, NULL, &e), e, EC_OVERFLOW, "");
    /* shipping may not take on_hand below -10^15 (a saved, oversold state) */
    CU_ASSERT_EQUAL(ec_inventory_restore_stock(inv, "B", "x", -EC_INVENTORY_MAX_STOCK, 0, 0, &e),
                    EC_OK);
    const char *sku[1] = {"B"}, *at[1] = {"x"};
    int64_t qty[1] = {5};
    CU_ASSERT_EQUAL(ec_inventory_restore_reservation(inv, "r1", EC_RESERVATION_STATUS_COMMITTED, T0,
                                                     "o1", 1, sku, at, qty, &e),
                    EC_OK);
    EXPECT_ERR(ec_inventory_ship(inv, "r1", NULL, &e), e, EC_LIMIT_EXCEEDED, "id");
    CU_ASSERT_EQUAL(ti_status_of(inv, "r1"), EC_RESERVATION_STATUS_COMMITTED);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "B", "x"), -EC_INVENTORY_MAX_STOCK);
    CHECK_CONSISTENT(inv);
    ec_inventory_free(inv);
}

static CU_TestInfo lifecycle_tests[] = {
    {"commit_active", test_inventory_commit_active},
    {"commit_after_expiry_takes_again", test_inventory_commit_after_expiry_takes_again},
    {"commit_expired_status", test_inventory_commit_expired_status},
    {"commit_refuses_released_and_shipped", test_inventory_commit_refuses_released_and_shipped},
    {"release_frees_stock", test_inventory_release_frees_stock},
    {"release_expired_and_lapsed", test_inventory_release_expired_and_lapsed},
    {"ship_moves_stock_out", test_inventory_ship_moves_stock_out},
    {"ship_on_backorder_goes_negative", test_inventory_ship_on_backorder_goes_negative},
    {"limits_are_errors", test_inventory_limits_are_errors},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo expiry_tests[] = {
    {"expire_only_what_is_due", test_inventory_expire_only_what_is_due},
    {"expiry_is_lazy", test_inventory_expiry_is_lazy},
    {"time_going_back_is_exact", test_inventory_time_going_back_is_exact},
    {"available_per_location", test_inventory_available_per_location},
    {"get_reads_back", test_inventory_get_reads_back},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_inventory_lifecycle_suites[] = {
    {.pName = "inventory.lifecycle", .pTests = lifecycle_tests},
    {.pName = "inventory.expiry", .pTests = expiry_tests},
    CU_SUITE_INFO_NULL,
};
