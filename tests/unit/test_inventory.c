/* test_inventory.c - the typed inventory API (docs/reference/inventory.md), operation by
 * operation and error by error.
 *
 * Every test builds a small inventory, runs operations, checks results,
 * availability and stored state by hand-worked values, and ends with the
 * internal consistency check (held quantities, expiry heap, indexes), so
 * that each scenario also proves the incremental bookkeeping right. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory_fixture.h"

/* ---- helpers ------------------------------------------------------------------------ */

ec_error ti_fresh(void)
{
    ec_error e;
    ec_error_clear(&e);
    return e;
}

void ti_stock(ec_inventory *inv, const char *sku, const char *loc, int64_t on_hand, int64_t safety,
              int64_t backorder)
{
    CU_ASSERT_EQUAL_FATAL(ec_inventory_set(inv, sku, loc, on_hand, &safety, &backorder, NULL, NULL),
                          EC_OK);
}

/* Reserve "A:2,B:3" style lines; locs "berlin,hamburg" or NULL. */
ec_status ti_reserve(ec_inventory *inv, ec_inventory_result *res, const char *id, const char *lines,
                     int64_t ttl, int64_t at, const char *locs, int single, ec_error *err)
{
    ec_inventory_request *req = ec_inventory_request_new();
    char buf[512];
    ec_status st = ec_inventory_request_set_id(req, id, err);
    snprintf(buf, sizeof buf, "%s", lines);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && st == EC_OK;
         t = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(t, ':');
        *colon = '\0';
        st = ec_inventory_request_add_line(req, t, atoll(colon + 1), err);
    }
    if (locs) {
        snprintf(buf, sizeof buf, "%s", locs);
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && st == EC_OK;
             t = strtok_r(NULL, ",", &save))
            st = ec_inventory_request_add_location(req, t, err);
    }
    if (st == EC_OK) st = ec_inventory_request_set_ttl(req, ttl, err);
    if (st == EC_OK) st = ec_inventory_request_set_at(req, at, err);
    if (st == EC_OK && single)
        st = ec_inventory_request_set_strategy(req, EC_INVENTORY_SINGLE, err);
    if (st == EC_OK) st = ec_inventory_reserve(inv, req, res, err);
    ec_inventory_request_free(req);
    return st;
}

/* Availability of sku at one location (-1 when not listed) and in total. */
int64_t ti_avail_at(ec_inventory *inv, const char *sku, const char *loc, int64_t at)
{
    ec_inventory_result *r = ec_inventory_result_new();
    int64_t v = -1;
    if (ec_inventory_available(inv, sku, at, r, NULL) == EC_OK) {
        if (!loc) v = ec_inventory_result_available(r);
        for (size_t i = 0; loc && i < ec_inventory_result_location_count(r); i++)
            if (strcmp(ec_inventory_result_location_name(r, i), loc) == 0)
                v = ec_inventory_result_location_available(r, i);
    }
    ec_inventory_result_free(r);
    return v;
}

int64_t ti_on_hand(ec_inventory *inv, const char *sku, const char *loc)
{
    int64_t v = INT64_MIN;
    ec_inventory_stock(inv, sku, loc, &v, NULL, NULL, NULL);
    return v;
}

int32_t ti_status_of(ec_inventory *inv, const char *id)
{
    ec_inventory_result *r = ec_inventory_result_new();
    int32_t s = ec_inventory_get(inv, id, r, NULL) == EC_OK ? ec_inventory_result_status(r) : -1;
    ec_inventory_result_free(r);
    return s;
}

/* "A@berlin:2,A@hamburg:1" for the result's lines, in order. */
const char *ti_lines_of(const ec_inventory_result *r)
{
    static char buf[512];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < ec_inventory_result_line_count(r); i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s@%s:%" PRId64, i ? "," : "",
                              ec_inventory_result_line_sku(r, i),
                              ec_inventory_result_line_location(r, i),
                              ec_inventory_result_line_quantity(r, i));
    return buf;
}

/* Two SKUs at three locations, used by most tests:
 *   A: berlin 2, hamburg 3, munich 0 (+2 backorder)
 *   B: berlin 5 (safety 1) */
ec_inventory *ti_shop(void)
{
    ec_inventory *inv = ec_inventory_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
    ti_stock(inv, "A", "hamburg", 3, 0, 0);
    ti_stock(inv, "A", "berlin", 2, 0, 0);
    ti_stock(inv, "A", "munich", 0, 0, 2);
    ti_stock(inv, "B", "berlin", 5, 1, 0);
    return inv;
}

/* ---- set, receive, stock ------------------------------------------------------------------ */

static void test_inventory_set_creates_and_keeps_levels(void)
{
    ec_inventory *inv = ec_inventory_new();
    ec_inventory_result *r = ec_inventory_result_new();
    int64_t safety = 2, back = 5, s = -1, b = -1, h = -1;
    CU_ASSERT_EQUAL(ec_inventory_set(inv, "A", "berlin", 10, &safety, &back, r, NULL), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_sku(r), "A");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_location(r), "berlin");
    CU_ASSERT_EQUAL(ec_inventory_result_on_hand(r), 10);
    CU_ASSERT_EQUAL(ec_inventory_result_safety_stock(r), 2);
    CU_ASSERT_EQUAL(ec_inventory_result_backorder_limit(r), 5);
    /* absent levels stay as they were: a count changes on_hand only */
    CU_ASSERT_EQUAL(ec_inventory_set(inv, "A", "berlin", 4, NULL, NULL, r, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_stock(inv, "A", "berlin", &h, &s, &b, NULL), EC_OK);
    CU_ASSERT_EQUAL(h, 4);
    CU_ASSERT_EQUAL(s, 2);
    CU_ASSERT_EQUAL(b, 5);
    safety = 0;
    CU_ASSERT_EQUAL(ec_inventory_set(inv, "A", "berlin", 4, &safety, NULL, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_stock(inv, "A", "berlin", NULL, &s, &b, NULL), EC_OK);
    CU_ASSERT_EQUAL(s, 0);
    CU_ASSERT_EQUAL(b, 5);
    /* a new entry starts with zero levels */
    CU_ASSERT_EQUAL(ec_inventory_set(inv, "A", "munich", 0, NULL, NULL, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_stock(inv, "A", "munich", &h, &s, &b, NULL), EC_OK);
    CU_ASSERT_EQUAL(h + s + b, 0);
    CU_ASSERT_EQUAL(ec_inventory_stock_count(inv), 2);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_set_refuses_bad_fields(void)
{
    ec_inventory *inv = ec_inventory_new();
    ec_error e = ti_fresh();
    int64_t neg = -1, big = EC_INVENTORY_MAX_STOCK + 1;
    EXPECT_ERR(ec_inventory_set(inv, "A", "berlin", -1, NULL, NULL, NULL, &e), e, EC_INVALID_FIELD,
               "on_hand");
    EXPECT_ERR(ec_inventory_set(inv, "A", "berlin", big, NULL, NULL, NULL, &e), e, EC_INVALID_FIELD,
               "on_hand");
    EXPECT_ERR(ec_inventory_set(inv, "A", "berlin", 1, &neg, NULL, NULL, &e), e, EC_INVALID_FIELD,
               "safety_stock");
    EXPECT_ERR(ec_inventory_set(inv, "A", "berlin", 1, NULL, &big, NULL, &e), e, EC_INVALID_FIELD,
               "backorder_limit");
    EXPECT_ERR(ec_inventory_set(inv, "", "berlin", 1, NULL, NULL, NULL, &e), e, EC_INVALID_FIELD,
               "sku");
    EXPECT_ERR(ec_inventory_set(inv, NULL, "berlin", 1, NULL, NULL, NULL, &e), e, EC_INVALID_FIELD,
               "sku");
    EXPECT_ERR(ec_inventory_set(inv, "A", "ber\nlin", 1, NULL, NULL, NULL, &e), e, EC_INVALID_FIELD,
               "location");
    char long_id[130];
    memset(long_id, 'x', 129);
    long_id[129] = '\0';
    EXPECT_ERR(ec_inventory_set(inv, long_id, "berlin", 1, NULL, NULL, NULL, &e), e,
               EC_INVALID_FIELD, "sku");
    long_id[128] = '\0'; /* 128 bytes is the longest identifier */
    CU_ASSERT_EQUAL(ec_inventory_set(inv, long_id, "berlin", 1, NULL, NULL, NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_stock_count(inv), 1);
    CHECK_CONSISTENT(inv);
    ec_inventory_free(inv);
}

static void test_inventory_receive_adds_and_creates(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ec_inventory_receive(inv, "A", "berlin", 5, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_on_hand(r), 7);
    CU_ASSERT_EQUAL(ec_inventory_receive(inv, "C", "paris", 1, r, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "C", "paris"), 1);
    CU_ASSERT_EQUAL(ec_inventory_stock_count(inv), 5);
    EXPECT_ERR(ec_inventory_receive(inv, "A", "berlin", 0, r, &e), e, EC_INVALID_FIELD, "quantity");
    EXPECT_ERR(ec_inventory_receive(inv, "A", "berlin", EC_INVENTORY_MAX_QUANTITY + 1, r, &e), e,
               EC_INVALID_FIELD, "quantity");
    CU_ASSERT_EQUAL(
        ec_inventory_set(inv, "A", "berlin", EC_INVENTORY_MAX_STOCK, NULL, NULL, NULL, NULL),
        EC_OK);
    EXPECT_ERR(ec_inventory_receive(inv, "A", "berlin", 1, r, &e), e, EC_LIMIT_EXCEEDED,
               "quantity");
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "berlin"), EC_INVENTORY_MAX_STOCK);
    /* a refused receive of a new pair creates nothing */
    EXPECT_ERR(ec_inventory_receive(inv, "D", "rome", 0, r, &e), e, EC_INVALID_FIELD, "quantity");
    CU_ASSERT_EQUAL(ec_inventory_stock_count(inv), 5);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_stock_read_back(void)
{
    ec_inventory *inv = ti_shop();
    ec_error e = ti_fresh();
    int64_t h = 0, s = 0, b = 0;
    CU_ASSERT_EQUAL(ec_inventory_stock(inv, "B", "berlin", &h, &s, &b, &e), EC_OK);
    CU_ASSERT_EQUAL(h, 5);
    CU_ASSERT_EQUAL(s, 1);
    CU_ASSERT_EQUAL(b, 0);
    EXPECT_ERR(ec_inventory_stock(inv, "B", "hamburg", &h, NULL, NULL, &e), e, EC_NOT_FOUND, "");
    EXPECT_ERR(ec_inventory_stock(inv, "Z", "berlin", &h, NULL, NULL, &e), e, EC_NOT_FOUND, "");
    EXPECT_ERR(ec_inventory_stock(inv, "B", "", &h, NULL, NULL, &e), e, EC_INVALID_FIELD,
               "location");
    CU_ASSERT_EQUAL(ec_inventory_stock_count(inv), 4);
    CU_ASSERT_EQUAL(ec_inventory_reservation_count(inv), 0);
    ec_inventory_free(inv);
}

/* ---- reserve ----------------------------------------------------------------------------------
 */

static void test_inventory_reserve_priority_fills_in_name_order(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:4", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "A@berlin:2,A@hamburg:2");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_id(r), "r1");
    CU_ASSERT_EQUAL(ec_inventory_result_duplicate(r), 0);
    CU_ASSERT_EQUAL(ec_inventory_result_status(r), EC_RESERVATION_STATUS_ACTIVE);
    CU_ASSERT_EQUAL(ec_inventory_result_expires_at(r), T0 + 600 * SEC);
    CU_ASSERT_PTR_NULL(ec_inventory_result_order(r));
    /* backorder at munich is the last resort of the name order */
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r2", "A:3", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "A@hamburg:1,A@munich:2");
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 0);
    CU_ASSERT_EQUAL(ec_inventory_reservation_count(inv), 2);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_reserve_given_locations_order_and_restrict(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:4", 600, T0, "hamburg,nowhere,berlin", 0, &e),
                    EC_OK);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "A@hamburg:3,A@berlin:1");
    /* only the named locations count: berlin has 1 left, munich is not named */
    EXPECT_ERR(ti_reserve(inv, r, "r2", "A:2", 600, T0, "berlin", 0, &e), e, EC_INSUFFICIENT_STOCK,
               "lines[0].quantity");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_shortage_sku(r), "A");
    CU_ASSERT_PTR_NULL(ec_inventory_result_shortage_location(r));
    CU_ASSERT_EQUAL(ec_inventory_result_shortage_requested(r), 2);
    CU_ASSERT_EQUAL(ec_inventory_result_shortage_available(r), 1);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r2", "A:3", 600, T0, "munich,berlin", 0, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "A@munich:2,A@berlin:1");
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_reserve_single_needs_one_location(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    /* berlin (2) cannot hold 3, hamburg can: the line is not split */
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:3", 600, T0, NULL, 1, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "A@hamburg:3");
    /* 2 left at berlin, 2 at munich: 4 in all but no single location holds 3 */
    EXPECT_ERR(ti_reserve(inv, r, "r2", "A:3", 600, T0, NULL, 1, &e), e, EC_INSUFFICIENT_STOCK,
               "lines[0].quantity");
    CU_ASSERT_EQUAL(ec_inventory_result_shortage_available(r), 2);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r2", "A:3", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "A@berlin:2,A@munich:1");
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_reserve_sums_same_sku_before_checking(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    /* each line alone fits berlin (2) or hamburg (3); together 5 > 3 for single */
    EXPECT_ERR(ti_reserve(inv, r, "r1", "B:1,A:2,A:3", 600, T0, NULL, 1, &e), e,
               EC_INSUFFICIENT_STOCK, "lines[1].quantity");
    CU_ASSERT_EQUAL(ec_inventory_result_shortage_requested(r), 5);
    CU_ASSERT_EQUAL(ec_inventory_result_shortage_available(r), 3);
    /* priority: 5 of 7, one line per location, SKUs in first-appearance order */
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "B:1,A:2,A:3", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "B@berlin:1,A@berlin:2,A@hamburg:3");
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_reserve_all_or_nothing(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    /* B: 5 on hand - 1 safety = 4 */
    EXPECT_ERR(ti_reserve(inv, r, "r1", "A:1,B:5", 600, T0, NULL, 0, &e), e, EC_INSUFFICIENT_STOCK,
               "lines[1].quantity");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_shortage_sku(r), "B");
    CU_ASSERT_EQUAL(ec_inventory_result_shortage_available(r), 4);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 7);
    CU_ASSERT_EQUAL(ec_inventory_reservation_count(inv), 0);
    CU_ASSERT_EQUAL(ec_inventory_get(inv, "r1", r, &e), EC_NOT_FOUND);
    /* an unknown SKU is short by everything, not "not found" */
    EXPECT_ERR(ti_reserve(inv, r, "r1", "A:1,Z:1,Z:2", 600, T0, NULL, 0, &e), e,
               EC_INSUFFICIENT_STOCK, "lines[1].quantity");
    CU_ASSERT_STRING_EQUAL(ec_inventory_result_shortage_sku(r), "Z");
    CU_ASSERT_EQUAL(ec_inventory_result_shortage_requested(r), 3);
    CU_ASSERT_EQUAL(ec_inventory_result_shortage_available(r), 0);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:1,B:4", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "B", NULL, T0), 0);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_reserve_is_idempotent_by_id(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:2,B:1,A:1", 600, T0, NULL, 0, &e), EC_OK);
    /* the same demand per SKU, in another order and split: the same reservation */
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "B:1,A:3", 60, T0 + MIN, "hamburg", 1, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_duplicate(r), 1);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "A@berlin:2,A@hamburg:1,B@berlin:1");
    CU_ASSERT_EQUAL(ec_inventory_result_expires_at(r), T0 + 600 * SEC);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + MIN), 4); /* taken once only */
    EXPECT_ERR(ti_reserve(inv, r, "r1", "A:3", 600, T0, NULL, 0, &e), e, EC_IDEMPOTENCY_CONFLICT,
               "id");
    EXPECT_ERR(ti_reserve(inv, r, "r1", "A:3,B:2", 600, T0, NULL, 0, &e), e,
               EC_IDEMPOTENCY_CONFLICT, "id");
    EXPECT_ERR(ti_reserve(inv, r, "r1", "A:3,B:1,Z:1", 600, T0, NULL, 0, &e), e,
               EC_IDEMPOTENCY_CONFLICT, "id");
    /* whatever its status: a released reservation still owns its id */
    CU_ASSERT_EQUAL(ec_inventory_release(inv, "r1", NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:3,B:1", 600, T0 + MIN, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_duplicate(r), 1);
    CU_ASSERT_EQUAL(ec_inventory_result_status(r), EC_RESERVATION_STATUS_RELEASED);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0 + MIN), 7);
    CU_ASSERT_EQUAL(ec_inventory_reservation_count(inv), 1);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_reserve_respects_safety_and_backorder(void)
{
    ec_inventory *inv = ec_inventory_new();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    ti_stock(inv, "A", "x", 5, 2, 1); /* 5 - 2 + 1 = 4 */
    EXPECT_ERR(ti_reserve(inv, r, "r1", "A:5", 600, T0, NULL, 0, &e), e, EC_INSUFFICIENT_STOCK,
               "lines[0].quantity");
    CU_ASSERT_EQUAL(ec_inventory_result_shortage_available(r), 4);
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:4", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "x", T0), 0);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

static void test_inventory_reserve_refuses_incomplete_requests(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_request *req = ec_inventory_request_new();
    ec_error e = ti_fresh();
    EXPECT_ERR(ec_inventory_reserve(inv, req, NULL, &e), e, EC_INVALID_FIELD, "id");
    CU_ASSERT_EQUAL(ec_inventory_request_set_id(req, "r1", &e), EC_OK);
    EXPECT_ERR(ec_inventory_reserve(inv, req, NULL, &e), e, EC_INVALID_FIELD, "at");
    CU_ASSERT_EQUAL(ec_inventory_request_set_at(req, T0, &e), EC_OK);
    EXPECT_ERR(ec_inventory_reserve(inv, req, NULL, &e), e, EC_INVALID_FIELD, "ttl_seconds");
    CU_ASSERT_EQUAL(ec_inventory_request_set_ttl(req, 60, &e), EC_OK);
    EXPECT_ERR(ec_inventory_reserve(inv, req, NULL, &e), e, EC_INVALID_FIELD, "lines");
    CU_ASSERT_EQUAL(ec_inventory_request_add_line(req, "A", 1, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_reserve(inv, req, NULL, &e), EC_OK);
    /* reset forgets everything */
    ec_inventory_request_reset(req);
    EXPECT_ERR(ec_inventory_reserve(inv, req, NULL, &e), e, EC_INVALID_FIELD, "id");
    /* expiry must stay within the years a document can write */
    CU_ASSERT_EQUAL(ec_inventory_request_set_id(req, "r2", &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_request_add_line(req, "A", 1, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_request_set_ttl(req, 60, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_request_set_at(req, EC__INV_TIME_MAX - 30 * SEC, &e), EC_OK);
    EXPECT_ERR(ec_inventory_reserve(inv, req, NULL, &e), e, EC_INVALID_FIELD, "ttl_seconds");
    CU_ASSERT_EQUAL(ec_inventory_request_set_at(req, EC__INV_TIME_MIN - SEC, &e), EC_OK);
    EXPECT_ERR(ec_inventory_reserve(inv, req, NULL, &e), e, EC_INVALID_FIELD, "at");
    CU_ASSERT_EQUAL(ec_inventory_reservation_count(inv), 1);
    CHECK_CONSISTENT(inv);
    ec_inventory_request_free(req);
    ec_inventory_free(inv);
}

static void test_inventory_request_validates_each_part(void)
{
    ec_inventory_request *req = ec_inventory_request_new();
    ec_error e = ti_fresh();
    EXPECT_ERR(ec_inventory_request_set_id(req, "", &e), e, EC_INVALID_FIELD, "id");
    EXPECT_ERR(ec_inventory_request_set_ttl(req, 0, &e), e, EC_INVALID_FIELD, "ttl_seconds");
    EXPECT_ERR(ec_inventory_request_set_ttl(req, EC_INVENTORY_MAX_TTL_SECONDS + 1, &e), e,
               EC_INVALID_FIELD, "ttl_seconds");
    CU_ASSERT_EQUAL(ec_inventory_request_set_ttl(req, EC_INVENTORY_MAX_TTL_SECONDS, &e), EC_OK);
    EXPECT_ERR(ec_inventory_request_set_strategy(req, 2, &e), e, EC_INVALID_FIELD, "strategy");
    CU_ASSERT_EQUAL(ec_inventory_request_add_line(req, "A", 1, &e), EC_OK);
    EXPECT_ERR(ec_inventory_request_add_line(req, "A", 0, &e), e, EC_INVALID_FIELD,
               "lines[1].quantity");
    EXPECT_ERR(ec_inventory_request_add_line(req, "A", EC_INVENTORY_MAX_QUANTITY + 1, &e), e,
               EC_INVALID_FIELD, "lines[1].quantity");
    EXPECT_ERR(ec_inventory_request_add_line(req, "\x01", 1, &e), e, EC_INVALID_FIELD,
               "lines[1].sku");
    for (int i = 1; i < EC_INVENTORY_MAX_LINES; i++)
        CU_ASSERT_EQUAL_FATAL(ec_inventory_request_add_line(req, "A", 1, &e), EC_OK);
    EXPECT_ERR(ec_inventory_request_add_line(req, "A", 1, &e), e, EC_LIMIT_EXCEEDED, "lines");
    CU_ASSERT_EQUAL(ec_inventory_request_add_location(req, "berlin", &e), EC_OK);
    EXPECT_ERR(ec_inventory_request_add_location(req, "berlin", &e), e, EC_INVALID_FIELD,
               "locations[1]");
    EXPECT_ERR(ec_inventory_request_add_location(req, "", &e), e, EC_INVALID_FIELD, "locations[1]");
    ec_inventory_request_free(req);
}

static void test_inventory_reserve_a_thousand_lines(void)
{
    ec_inventory *inv = ec_inventory_new();
    ec_inventory_request *req = ec_inventory_request_new();
    ec_inventory_result *r = ec_inventory_result_new();
    char sku[16];
    for (int i = 0; i < 500; i++) {
        snprintf(sku, sizeof sku, "S%03d", i);
        ti_stock(inv, sku, "x", 2, 0, 0);
    }
    ec_inventory_request_set_id(req, "big", NULL);
    ec_inventory_request_set_at(req, T0, NULL);
    ec_inventory_request_set_ttl(req, 60, NULL);
    for (int i = 0; i < EC_INVENTORY_MAX_LINES; i++) {
        snprintf(sku, sizeof sku, "S%03d", i % 500);
        CU_ASSERT_EQUAL_FATAL(ec_inventory_request_add_line(req, sku, 1, NULL), EC_OK);
    }
    CU_ASSERT_EQUAL(ec_inventory_reserve(inv, req, r, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_line_count(r), 500);
    CU_ASSERT_EQUAL(ec_inventory_result_line_quantity(r, 499), 2);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "S123", NULL, T0), 0);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_request_free(req);
    ec_inventory_free(inv);
}

static void test_inventory_set_below_held_oversells_without_loss(void)
{
    ec_inventory *inv = ti_shop();
    ec_inventory_result *r = ec_inventory_result_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, r, "r1", "A:3", 600, T0, "hamburg", 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_set(inv, "A", "hamburg", 1, NULL, NULL, NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "hamburg", T0), 0); /* never below 0 */
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 4);
    EXPECT_ERR(ti_reserve(inv, r, "r2", "A:1", 600, T0, "hamburg", 0, &e), e, EC_INSUFFICIENT_STOCK,
               "lines[0].quantity");
    CU_ASSERT_EQUAL(ec_inventory_get(inv, "r1", r, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ti_lines_of(r), "A@hamburg:3"); /* nothing is lost */
    CU_ASSERT_EQUAL(ec_inventory_receive(inv, "A", "hamburg", 3, NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "hamburg", T0), 1);
    CHECK_CONSISTENT(inv);
    ec_inventory_result_free(r);
    ec_inventory_free(inv);
}

/* ---- restore ------------------------------------------------------------------------------ */

static ec_status restore(ec_inventory *inv, const char *id, int32_t status, int64_t expires,
                         const char *order, const char *sku, const char *loc, int64_t qty,
                         ec_error *err)
{
    const char *skus[1] = {sku}, *locs[1] = {loc};
    int64_t q[1] = {qty};
    return ec_inventory_restore_reservation(inv, id, status, expires, order, 1, skus, locs, q, err);
}

static void test_inventory_restore_state(void)
{
    ec_inventory *inv = ec_inventory_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ec_inventory_restore_stock(inv, "A", "x", -3, 0, 5, &e), EC_OK);
    EXPECT_ERR(ec_inventory_restore_stock(inv, "A", "x", 1, 0, 0, &e), e, EC_INVALID_FIELD,
               "location");
    EXPECT_ERR(ec_inventory_restore_stock(inv, "A", "y", 1, -1, 0, &e), e, EC_INVALID_FIELD,
               "safety_stock");
    CU_ASSERT_EQUAL(ec_inventory_restore_stock(inv, "A", "y", 10, 0, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(restore(inv, "c", EC_RESERVATION_STATUS_COMMITTED, T0, "o1", "A", "x", 2, &e),
                    EC_OK);
    CU_ASSERT_EQUAL(
        restore(inv, "a", EC_RESERVATION_STATUS_ACTIVE, T0 + MIN, NULL, "A", "y", 4, &e), EC_OK);
    CU_ASSERT_EQUAL(restore(inv, "s", EC_RESERVATION_STATUS_SHIPPED, T0, "o2", "A", "y", 4, &e),
                    EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "x", T0), 0); /* -3 - 2 + 5 */
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "y", T0), 6);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "y", T0 + MIN), 10);
    EXPECT_ERR(restore(inv, "c", EC_RESERVATION_STATUS_RELEASED, T0, NULL, "A", "x", 1, &e), e,
               EC_INVALID_FIELD, "id");
    EXPECT_ERR(restore(inv, "n", EC_RESERVATION_STATUS_COMMITTED, T0, NULL, "A", "x", 1, &e), e,
               EC_INVALID_FIELD, "order");
    EXPECT_ERR(restore(inv, "n", EC_RESERVATION_STATUS_ACTIVE, T0, "o", "A", "x", 1, &e), e,
               EC_INVALID_FIELD, "order");
    EXPECT_ERR(restore(inv, "n", 7, T0, NULL, "A", "x", 1, &e), e, EC_INVALID_FIELD, "status");
    EXPECT_ERR(restore(inv, "n", EC_RESERVATION_STATUS_ACTIVE, EC__INV_TIME_MAX + 1, NULL, "A", "x",
                       1, &e),
               e, EC_INVALID_FIELD, "expires_at");
    EXPECT_ERR(restore(inv, "n", EC_RESERVATION_STATUS_ACTIVE, T0, NULL, "A", "z", 1, &e), e,
               EC_INVALID_FIELD, "lines[0].location");
    EXPECT_ERR(restore(inv, "n", EC_RESERVATION_STATUS_ACTIVE, T0, NULL, "A", "x", 0, &e), e,
               EC_INVALID_FIELD, "lines[0].quantity");
    EXPECT_ERR(ec_inventory_restore_reservation(inv, "n", EC_RESERVATION_STATUS_ACTIVE, T0, NULL, 0,
                                                NULL, NULL, NULL, &e),
               e, EC_INVALID_FIELD, "lines");
    CU_ASSERT_EQUAL(ec_inventory_reservation_count(inv), 3);
    /* restored after time moved on, and already past that time: not held */
    CU_ASSERT_EQUAL(
        restore(inv, "late", EC_RESERVATION_STATUS_ACTIVE, T0 + 30 * SEC, NULL, "A", "y", 1, &e),
        EC_OK);
    CHECK_CONSISTENT(inv);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "y", T0 + MIN), 10);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "y", T0), 5);
    CHECK_CONSISTENT(inv);
    ec_inventory_free(inv);
}

/* ---- misuse ------------------------------------------------------------------------------- */

static void test_inventory_misuse_is_an_error(void)
{
    ec_error e = ti_fresh();
    ec_inventory *inv = ti_shop();
    ec_inventory_request *req = ec_inventory_request_new();
    EXPECT_ERR(ec_inventory_set(NULL, "A", "x", 1, NULL, NULL, NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_receive(NULL, "A", "x", 1, NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_reserve(NULL, req, NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_reserve(inv, NULL, NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_commit(NULL, "r", "o", T0, NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_release(NULL, "r", NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_ship(NULL, "r", NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_expire(NULL, T0, NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_available(NULL, "A", T0, NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_get(NULL, "r", NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_stock(NULL, "A", "x", NULL, NULL, NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_restore_stock(NULL, "A", "x", 1, 0, 0, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_restore_reservation(inv, "r", 0, T0, NULL, 1, NULL, NULL, NULL, &e), e,
               EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_request_set_id(NULL, "r", &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_request_add_line(NULL, "A", 1, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_request_add_location(NULL, "x", &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_request_set_at(NULL, T0, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_request_set_ttl(NULL, 1, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_inventory_request_set_strategy(NULL, 0, &e), e, EC_MISUSE, "");
    /* errors may be NULL; NULL objects are fine to free and to read */
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "nope", "o", T0, NULL, NULL), EC_NOT_FOUND);
    CU_ASSERT_EQUAL(ec_inventory_stock_count(NULL), 0);
    CU_ASSERT_EQUAL(ec_inventory_reservation_count(NULL), 0);
    CU_ASSERT_PTR_NULL(ec_inventory_result_id(NULL));
    CU_ASSERT_EQUAL(ec_inventory_result_status(NULL), -1);
    CU_ASSERT_EQUAL(ec_inventory_result_line_count(NULL), 0);
    CU_ASSERT_PTR_NULL(ec_inventory_result_shortage_sku(NULL));
    CU_ASSERT_PTR_NULL(ec_reservation_status_name(5));
    CU_ASSERT_PTR_NULL(ec_reservation_status_name(-1));
    CU_ASSERT_STRING_EQUAL(ec_reservation_status_name(EC_RESERVATION_STATUS_SHIPPED), "shipped");
    ec_inventory_request_reset(NULL);
    ec_inventory_free(NULL);
    ec_inventory_request_free(NULL);
    ec_inventory_result_free(NULL);
    ec_inventory_request_free(req);
    ec_inventory_free(inv);
}

static CU_TestInfo stock_tests[] = {
    {"set_creates_and_keeps_levels", test_inventory_set_creates_and_keeps_levels},
    {"set_refuses_bad_fields", test_inventory_set_refuses_bad_fields},
    {"receive_adds_and_creates", test_inventory_receive_adds_and_creates},
    {"stock_read_back", test_inventory_stock_read_back},
    {"set_below_held_oversells_without_loss", test_inventory_set_below_held_oversells_without_loss},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo reserve_tests[] = {
    {"priority_fills_in_name_order", test_inventory_reserve_priority_fills_in_name_order},
    {"given_locations_order_and_restrict",
     test_inventory_reserve_given_locations_order_and_restrict},
    {"single_needs_one_location", test_inventory_reserve_single_needs_one_location},
    {"sums_same_sku_before_checking", test_inventory_reserve_sums_same_sku_before_checking},
    {"all_or_nothing", test_inventory_reserve_all_or_nothing},
    {"is_idempotent_by_id", test_inventory_reserve_is_idempotent_by_id},
    {"respects_safety_and_backorder", test_inventory_reserve_respects_safety_and_backorder},
    {"refuses_incomplete_requests", test_inventory_reserve_refuses_incomplete_requests},
    {"request_validates_each_part", test_inventory_request_validates_each_part},
    {"a_thousand_lines", test_inventory_reserve_a_thousand_lines},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo state_tests[] = {
    {"restore_state", test_inventory_restore_state},
    {"misuse_is_an_error", test_inventory_misuse_is_an_error},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_inventory_suites[] = {
    {.pName = "inventory.stock", .pTests = stock_tests},
    {.pName = "inventory.reserve", .pTests = reserve_tests},
    {.pName = "inventory.state", .pTests = state_tests},
    CU_SUITE_INFO_NULL,
};
