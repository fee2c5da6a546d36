/* test_inventory_units.c - some units of a reservation: partial shipping,
 * release and restock, the progress they leave in a reservation's lines
 * and its documents, holds kept outside the inventory, and the list of
 * what changed.  Same conventions as test_inventory.c, whose helpers (ti_*)
 * it shares, with the internal consistency check after every scenario. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory_fixture.h"

typedef ec_status (*units_fn)(ec_inventory *, const ec_inventory_request *, ec_inventory_result *,
                              ec_error *);

/* Some units ("A:2,B:1") of reservation `id`. */
static ec_status units(units_fn fn, ec_inventory *inv, const char *id, const char *lines,
                       ec_error *err)
{
    ec_inventory_request *req = ec_inventory_request_new();
    char buf[256];
    snprintf(buf, sizeof buf, "%s", lines);
    ec_status st = ec_inventory_request_set_id(req, id, err);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && st == EC_OK;
         t = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(t, ':');
        *colon = '\0';
        st = ec_inventory_request_add_line(req, t, atoll(colon + 1), err);
    }
    if (st == EC_OK) st = fn(inv, req, NULL, err);
    ec_inventory_request_free(req);
    return st;
}

/* "berlin:2/1/0/0" per line: quantity, shipped, released, returned. */
static const char *progress_of(ec_inventory *inv, const char *id)
{
    static char buf[256];
    ec_inventory_result *r = ec_inventory_result_new();
    size_t n = 0;
    buf[0] = '\0';
    if (ec_inventory_get(inv, id, r, NULL) == EC_OK)
        for (size_t i = 0; i < ec_inventory_result_line_count(r); i++)
            n += (size_t)snprintf(
                buf + n, sizeof buf - n, "%s%s@%s:%" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64,
                i ? "," : "", ec_inventory_result_line_sku(r, i),
                ec_inventory_result_line_location(r, i), ec_inventory_result_line_quantity(r, i),
                ec_inventory_result_line_shipped(r, i), ec_inventory_result_line_released(r, i),
                ec_inventory_result_line_returned(r, i));
    ec_inventory_result_free(r);
    return buf;
}

/* A shop with "o1" holding A:4 (berlin 2, hamburg 2), committed. */
static ec_inventory *committed_shop(void)
{
    ec_inventory *inv = ti_shop();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL_FATAL(ti_reserve(inv, NULL, "o1", "A:4", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL_FATAL(ec_inventory_commit(inv, "o1", "o1", T0, NULL, &e), EC_OK);
    return inv;
}

static void test_inventory_units_ship_in_parcels(void)
{
    ec_inventory *inv = committed_shop();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(units(ec_inventory_ship_units, inv, "o1", "A:3", &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(progress_of(inv, "o1"), "A@berlin:2/2/0/0,A@hamburg:2/1/0/0");
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "berlin"), 0);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "hamburg"), 2);
    /* one unit still held at hamburg: 2 on hand, 1 held */
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "hamburg", T0), 1);
    CU_ASSERT_EQUAL(ti_status_of(inv, "o1"), EC_RESERVATION_STATUS_COMMITTED);
    CU_ASSERT_EQUAL(units(ec_inventory_ship_units, inv, "o1", "A:1", &e), EC_OK);
    CU_ASSERT_EQUAL(ti_status_of(inv, "o1"), EC_RESERVATION_STATUS_SHIPPED);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "hamburg"), 1);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "hamburg", T0), 1);
    CHECK_CONSISTENT(inv);
    ec_inventory_free(inv);
}

static void test_inventory_units_restock_where_they_left(void)
{
    ec_inventory *inv = committed_shop();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(units(ec_inventory_ship_units, inv, "o1", "A:4", &e), EC_OK);
    CU_ASSERT_EQUAL(units(ec_inventory_restock_units, inv, "o1", "A:3", &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(progress_of(inv, "o1"), "A@berlin:2/2/0/2,A@hamburg:2/2/0/1");
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "berlin"), 2);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "hamburg"), 2);
    e = ti_fresh();
    EXPECT_ERR(units(ec_inventory_restock_units, inv, "o1", "A:2", &e), e, EC_INVALID_FIELD,
               "lines[0].quantity");
    CU_ASSERT_EQUAL(units(ec_inventory_restock_units, inv, "o1", "A:1", &e), EC_OK);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "hamburg"), 3);
    CU_ASSERT_EQUAL(ti_status_of(inv, "o1"), EC_RESERVATION_STATUS_SHIPPED);
    CHECK_CONSISTENT(inv);
    ec_inventory_free(inv);
}

static void test_inventory_units_release_some_then_all(void)
{
    ec_inventory *inv = ti_shop();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL_FATAL(ti_reserve(inv, NULL, "r1", "A:3,B:2", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "B", "berlin", T0), 2);
    CU_ASSERT_EQUAL(units(ec_inventory_release_units, inv, "r1", "B:1,A:2", &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "B", "berlin", T0), 3);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 6);
    CU_ASSERT_EQUAL(ti_status_of(inv, "r1"), EC_RESERVATION_STATUS_ACTIVE);
    CU_ASSERT_EQUAL(units(ec_inventory_release_units, inv, "r1", "A:1,B:1", &e), EC_OK);
    CU_ASSERT_EQUAL(ti_status_of(inv, "r1"), EC_RESERVATION_STATUS_RELEASED);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 7);
    CHECK_CONSISTENT(inv);
    /* a committed reservation partly shipped, the rest released: shipped */
    ec_inventory_free(inv);
    inv = committed_shop();
    CU_ASSERT_EQUAL(units(ec_inventory_ship_units, inv, "o1", "A:1", &e), EC_OK);
    CU_ASSERT_EQUAL(units(ec_inventory_release_units, inv, "o1", "A:3", &e), EC_OK);
    CU_ASSERT_EQUAL(ti_status_of(inv, "o1"), EC_RESERVATION_STATUS_SHIPPED);
    CU_ASSERT_STRING_EQUAL(progress_of(inv, "o1"), "A@berlin:2/1/1/0,A@hamburg:2/0/2/0");
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 6);
    CHECK_CONSISTENT(inv);
    ec_inventory_free(inv);
}

static void test_inventory_units_refusals_change_nothing(void)
{
    ec_inventory *inv = committed_shop();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, NULL, "r2", "B:1", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_reserve(inv, NULL, "r3", "B:1", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_release(inv, "r3", NULL, &e), EC_OK);
    char *before = NULL, *after = NULL;
    CU_ASSERT_EQUAL_FATAL(ec_inventory_to_json(inv, &before, NULL), EC_OK);
    EXPECT_ERR(units(ec_inventory_ship_units, inv, "nope", "A:1", &e), e, EC_NOT_FOUND, "id");
    EXPECT_ERR(units(ec_inventory_ship_units, inv, "o1", "A:2,B:1", &e), e, EC_INVALID_FIELD,
               "lines[1].sku");
    EXPECT_ERR(units(ec_inventory_ship_units, inv, "o1", "A:3,A:2", &e), e, EC_INVALID_FIELD,
               "lines[1].quantity");
    EXPECT_ERR(units(ec_inventory_restock_units, inv, "o1", "A:1", &e), e, EC_INVALID_FIELD,
               "lines[0].quantity");
    ec_inventory_request *empty = ec_inventory_request_new();
    CU_ASSERT_EQUAL(ec_inventory_request_set_id(empty, "o1", NULL), EC_OK);
    EXPECT_ERR(ec_inventory_ship_units(inv, empty, NULL, &e), e, EC_INVALID_FIELD, "lines");
    ec_inventory_request_free(empty);
    EXPECT_ERR(units(ec_inventory_ship_units, inv, "r2", "B:1", &e), e, EC_INVALID_TRANSITION,
               "id");
    EXPECT_ERR(units(ec_inventory_restock_units, inv, "r2", "B:1", &e), e, EC_INVALID_TRANSITION,
               "id");
    EXPECT_ERR(units(ec_inventory_release_units, inv, "r3", "B:1", &e), e, EC_INVALID_TRANSITION,
               "id");
    CU_ASSERT_EQUAL(ec_inventory_to_json(inv, &after, NULL), EC_OK);
    CU_ASSERT_STRING_EQUAL(after, before);
    CHECK_CONSISTENT(inv);
    ec_free(before);
    ec_free(after);
    ec_inventory_free(inv);
}

static void test_inventory_units_outside_holds(void)
{
    ec_inventory *inv = ec_inventory_new();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ec_inventory_restore_stock(inv, "A", "berlin", 5, 0, 0, &e), EC_OK);
    EXPECT_ERR(ec_inventory_restore_held(inv, "A", "hamburg", 1, &e), e, EC_INVALID_FIELD,
               "location");
    EXPECT_ERR(ec_inventory_restore_held(inv, "A", "berlin", -1, &e), e, EC_INVALID_FIELD, "held");
    CU_ASSERT_EQUAL(ec_inventory_restore_held(inv, "A", "berlin", 3, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 2);
    EXPECT_ERR(ti_reserve(inv, NULL, "r1", "A:3", 60, T0, NULL, 0, &e), e, EC_INSUFFICIENT_STOCK,
               "lines[0].quantity");
    CU_ASSERT_EQUAL(ti_reserve(inv, NULL, "r1", "A:2", 60, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 0);
    CHECK_CONSISTENT(inv);
    ec_inventory_free(inv);
}

/* Count the changes a cursor walk lists. */
static int changes(const ec_inventory *inv, int stock)
{
    int n = 0;
    const char *a = NULL, *b = NULL;
    for (size_t c = stock ? ec_inventory_changed_stock(inv, 0, &a, &b)
                          : ec_inventory_changed_reservation(inv, 0, &a);
         c; c = stock ? ec_inventory_changed_stock(inv, c, &a, &b)
                      : ec_inventory_changed_reservation(inv, c, &a))
        n++;
    return n;
}

static void test_inventory_units_changes_listed(void)
{
    ec_inventory *inv = ti_shop();
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(changes(inv, 1), 4);
    CU_ASSERT_EQUAL(changes(inv, 0), 0);
    ec_inventory_clear_changes(inv);
    CU_ASSERT_EQUAL(changes(inv, 1), 0);
    CU_ASSERT_EQUAL(ti_reserve(inv, NULL, "o1", "A:4", 600, T0, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_commit(inv, "o1", "o1", T0, NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(changes(inv, 0), 1);
    CU_ASSERT_EQUAL(changes(inv, 1), 0); /* holds are not levels */
    CU_ASSERT_EQUAL(units(ec_inventory_ship_units, inv, "o1", "A:3", &e), EC_OK);
    const char *sku = NULL, *loc = NULL, *id = NULL;
    size_t c = ec_inventory_changed_stock(inv, 0, &sku, &loc);
    CU_ASSERT(c != 0);
    CU_ASSERT_STRING_EQUAL(sku, "A");
    CU_ASSERT_EQUAL(changes(inv, 1), 2);
    CU_ASSERT(ec_inventory_changed_reservation(inv, 0, &id) != 0);
    CU_ASSERT_STRING_EQUAL(id, "o1");
    CU_ASSERT_EQUAL(ec_inventory_changed_reservation(inv, 999, &id), 0);
    /* a restored state starts with nothing changed */
    char *doc = NULL;
    ec_inventory *back = NULL;
    CU_ASSERT_EQUAL(ec_inventory_to_json(inv, &doc, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_from_json(doc, strlen(doc), NULL, &back, &e), EC_OK);
    CU_ASSERT_EQUAL(changes(back, 1) + changes(back, 0), 0);
    ec_free(doc);
    ec_inventory_free(back);
    ec_inventory_free(inv);
}

static void test_inventory_units_documents(void)
{
    static const char state[] =
        "{\"stock\":[{\"sku\":\"A\",\"location\":\"berlin\",\"on_hand\":3,\"safety_stock\":0,"
        "\"backorder_limit\":0}],\"reservations\":[{\"id\":\"o1\",\"lines\":[{\"sku\":\"A\","
        "\"location\":\"berlin\",\"quantity\":4,\"shipped\":2,\"released\":1,\"returned\":1}],"
        "\"status\":\"committed\",\"expires_at\":\"2026-11-28T10:10:00Z\",\"order\":\"o1\"},"
        "{\"id\":\"old\",\"lines\":[{\"sku\":\"A\",\"location\":\"berlin\",\"quantity\":2}],"
        "\"status\":\"shipped\",\"expires_at\":\"2026-11-28T10:10:00Z\",\"order\":\"old\"}]}";
    ec_inventory *inv = NULL;
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL_FATAL(ec_inventory_from_json(state, strlen(state), NULL, &inv, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(progress_of(inv, "o1"), "A@berlin:4/2/1/1");
    CU_ASSERT_STRING_EQUAL(progress_of(inv, "old"), "A@berlin:2/2/0/0");
    /* one open unit holds: 3 on hand, 1 held */
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", NULL, T0), 2);
    char *out = NULL;
    CU_ASSERT_EQUAL(ec_inventory_to_json(inv, &out, NULL), EC_OK);
    CU_ASSERT_STRING_EQUAL(out, state);
    ec_free(out);
    /* a document shipped whole, before lines had progress, can be restocked */
    CU_ASSERT_EQUAL(units(ec_inventory_restock_units, inv, "old", "A:2", &e), EC_OK);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "berlin"), 5);
    CHECK_CONSISTENT(inv);
    ec_inventory_free(inv);
    static const char bad[] =
        "{\"stock\":[{\"sku\":\"A\",\"location\":\"b\",\"on_hand\":3}],\"reservations\":[{\"id\":"
        "\"o1\",\"lines\":[{\"sku\":\"A\",\"location\":\"b\",\"quantity\":1,\"shipped\":1,"
        "\"returned\":2}],\"status\":\"committed\",\"expires_at\":\"2026-11-28T10:10:00Z\","
        "\"order\":\"o1\"}]}";
    inv = (ec_inventory *)1;
    EXPECT_ERR(ec_inventory_from_json(bad, strlen(bad), NULL, &inv, &e), e, EC_INVALID_FIELD,
               "reservations[0].lines[0].returned");
    CU_ASSERT_PTR_NULL(inv);
}

/* The JSON operations, and a refusal after a shortage that must not
 * repeat the shortage. */
static void test_inventory_units_json_operations(void)
{
    ec_inventory *inv = committed_shop();
    static const char *const ops[][2] = {
        {"{\"op\":\"ship\",\"id\":\"o1\",\"lines\":[{\"sku\":\"A\",\"quantity\":1}]}", "ok"},
        {"{\"op\":\"release\",\"id\":\"o1\",\"lines\":[{\"sku\":\"A\",\"quantity\":1}]}", "ok"},
        {"{\"op\":\"restock\",\"id\":\"o1\",\"lines\":[{\"sku\":\"A\",\"quantity\":1}]}", "ok"},
        {"{\"op\":\"restock\",\"id\":\"o1\"}", "lines"},
        {"{\"op\":\"ship\",\"id\":\"o1\",\"lines\":[]}", "lines"},
        {"{\"op\":\"reserve\",\"id\":\"r9\",\"lines\":[{\"sku\":\"A\",\"quantity\":99}],"
         "\"ttl_seconds\":60,\"at\":\"2026-11-28T10:00:00Z\"}",
         "lines[0].quantity"},
        {"{\"op\":\"commit\"}", "id"},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        char *out = NULL;
        ec_error e = ti_fresh();
        ec_status st = ec_inventory_apply_json(inv, ops[i][0], strlen(ops[i][0]), &out, NULL, &e);
        if (strcmp(ops[i][1], "ok") == 0) {
            CU_ASSERT_EQUAL(st, EC_OK);
        } else {
            CU_ASSERT_STRING_EQUAL(e.field, ops[i][1]);
        }
        if (i == 6) CU_ASSERT_PTR_NULL(strstr(out, "\"requested\""));
        ec_free(out);
    }
    CU_ASSERT_STRING_EQUAL(progress_of(inv, "o1"), "A@berlin:2/1/1/1,A@hamburg:2/0/0/0");
    CHECK_CONSISTENT(inv);
    ec_inventory_free(inv);
}

/* Random parcels, cancellations and returns on random reservations: the
 * counters always add up and the kept sums always agree. */
static void test_inventory_units_random(void)
{
    uint64_t seed = 42;
#define RND(n) ((int)((seed = seed * 6364136223846793005ULL + 1442695040888963407ULL) >> 33) % (n))
    ec_inventory *inv = ec_inventory_new();
    static const char *const locs[] = {"l0", "l1", "l2"};
    for (int l = 0; l < 3; l++) ti_stock(inv, "S", locs[l], 40, 0, 0);
    int64_t shipped = 0, returned = 0;
    for (int round = 0; round < 3000; round++) {
        char id[16], lines[32];
        snprintf(id, sizeof id, "r%d", RND(12));
        ec_error e = ti_fresh();
        snprintf(lines, sizeof lines, "S:%d", 1 + RND(5));
        int what = RND(5);
        ec_status st = EC_OK;
        if (what == 0) {
            st = ti_reserve(inv, NULL, id, lines, 600, T0, NULL, 0, &e);
            if (st == EC_OK) st = ec_inventory_commit(inv, id, id, T0, NULL, &e);
        } else {
            int64_t before = ti_on_hand(inv, "S", "l0") + ti_on_hand(inv, "S", "l1") +
                             ti_on_hand(inv, "S", "l2");
            units_fn fn = what == 1   ? ec_inventory_ship_units
                          : what == 2 ? ec_inventory_release_units
                                      : ec_inventory_restock_units;
            st = units(fn, inv, id, lines, &e);
            int64_t after = ti_on_hand(inv, "S", "l0") + ti_on_hand(inv, "S", "l1") +
                            ti_on_hand(inv, "S", "l2");
            if (st == EC_OK && fn == ec_inventory_ship_units) shipped += before - after;
            if (st == EC_OK && fn == ec_inventory_restock_units) returned += after - before;
            if (st != EC_OK) CU_ASSERT_EQUAL(after, before);
        }
        const char *why = ec__inventory_check(inv);
        if (why) {
            CU_FAIL(why);
            break;
        }
    }
    CU_ASSERT_EQUAL(ti_on_hand(inv, "S", "l0") + ti_on_hand(inv, "S", "l1") +
                        ti_on_hand(inv, "S", "l2"),
                    120 - shipped + returned);
    CU_ASSERT(shipped > 0 && returned > 0);
    ec_inventory_free(inv);
#undef RND
}

static CU_TestInfo units_tests[] = {
    {"ship_in_parcels", test_inventory_units_ship_in_parcels},
    {"restock_where_they_left", test_inventory_units_restock_where_they_left},
    {"release_some_then_all", test_inventory_units_release_some_then_all},
    {"refusals_change_nothing", test_inventory_units_refusals_change_nothing},
    {"outside_holds", test_inventory_units_outside_holds},
    {"changes_listed", test_inventory_units_changes_listed},
    {"documents", test_inventory_units_documents},
    {"json_operations", test_inventory_units_json_operations},
    {"random", test_inventory_units_random},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_inventory_units_suites[] = {
    {"inventory.units", NULL, NULL, NULL, NULL, units_tests},
    CU_SUITE_INFO_NULL,
};
