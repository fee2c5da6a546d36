/* test_escrow.c - the escrow module by hand-checked cases: building a
 * transfer, debit and credit on a region's inventory (which locations give,
 * what stays held, idempotency by id), acknowledgements, restoring a saved
 * ledger and listing what changed, a region declared lost and its
 * recovery, rights, and the rebalancing policy's arithmetic.  The
 * inventory helpers (ti_*) are test_inventory.c's. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory_fixture.h"

/* A transfer made from "loc:qty,loc:qty". */
static ec_escrow_transfer *transfer(const char *id, int32_t kind, const char *from, const char *to,
                                    const char *sku, const char *lines)
{
    ec_escrow_transfer *t = ec_escrow_transfer_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(ec_escrow_transfer_set(t, id, kind, from, to, sku, T0, NULL), EC_OK);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", lines);
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(p, ':');
        *colon = '\0';
        CU_ASSERT_EQUAL(ec_escrow_transfer_add_line(t, p, atoll(colon + 1), NULL), EC_OK);
    }
    return t;
}

/* "loc:qty,..." of a transfer's lines. */
static void lines_of(const ec_escrow_transfer *t, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < ec_escrow_transfer_line_count(t); i++) {
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s:%" PRId64, i ? "," : "",
                 ec_escrow_transfer_line_location(t, i), ec_escrow_transfer_line_quantity(t, i));
    }
}

static int64_t rights(ec_inventory *inv, const char *sku)
{
    int64_t r = -1;
    CU_ASSERT_EQUAL(ec_escrow_rights(inv, sku, T0, &r, NULL, NULL), EC_OK);
    return r;
}

/* ---- transfers ---------------------------------------------------------------------------- */

static void test_escrow_transfer_builder_checks_every_field(void)
{
    ec_escrow_transfer *t = ec_escrow_transfer_new();
    ec_error e = ti_fresh();
    EXPECT_ERR(ec_escrow_transfer_set(t, "", 0, "east", "west", "A", T0, &e), e, EC_INVALID_FIELD,
               "id");
    EXPECT_ERR(ec_escrow_transfer_set(t, "t1", 7, "east", "west", "A", T0, &e), e, EC_INVALID_FIELD,
               "kind");
    EXPECT_ERR(ec_escrow_transfer_set(t, "t1", 0, NULL, "west", "A", T0, &e), e, EC_INVALID_FIELD,
               "from");
    EXPECT_ERR(ec_escrow_transfer_set(t, "t1", 0, "east", "east", "A", T0, &e), e, EC_INVALID_FIELD,
               "to");
    EXPECT_ERR(ec_escrow_transfer_set(t, "t1", 0, "east", "west", "A\x01", T0, &e), e,
               EC_INVALID_FIELD, "sku");
    EXPECT_ERR(ec_escrow_transfer_set(t, "t1", 0, "east", "west", "A", INT64_MAX, &e), e,
               EC_INVALID_FIELD, "at");
    CU_ASSERT_PTR_NULL(ec_escrow_transfer_id(t)); /* nothing was set by the refusals */
    CU_ASSERT_EQUAL(ec_escrow_transfer_set(t, "t1", 1, "east", "west", "A", T0, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_transfer_add_line(t, "berlin", 3, &e), EC_OK);
    EXPECT_ERR(ec_escrow_transfer_add_line(t, "berlin", 1, &e), e, EC_INVALID_FIELD,
               "lines[1].location");
    EXPECT_ERR(ec_escrow_transfer_add_line(t, "munich", 0, &e), e, EC_INVALID_FIELD,
               "lines[1].quantity");
    EXPECT_ERR(ec_escrow_transfer_add_line(t, "munich", EC_ESCROW_MAX_QUANTITY - 2, &e), e,
               EC_INVALID_FIELD, "lines[1].quantity");
    CU_ASSERT_EQUAL(ec_escrow_transfer_add_line(t, "munich", 4, &e), EC_OK);
    CU_ASSERT_STRING_EQUAL(ec_escrow_transfer_id(t), "t1");
    CU_ASSERT_EQUAL(ec_escrow_transfer_kind(t), EC_ESCROW_RECOVERY);
    CU_ASSERT_STRING_EQUAL(ec_escrow_transfer_to(t), "west");
    CU_ASSERT_EQUAL(ec_escrow_transfer_quantity(t), 7);
    CU_ASSERT_EQUAL(ec_escrow_transfer_line_quantity(t, 1), 4);
    CU_ASSERT_PTR_NULL(ec_escrow_transfer_line_location(t, 2));
    char loc[16];
    for (int i = 0; i < EC_ESCROW_MAX_LINES - 2; i++) {
        snprintf(loc, sizeof loc, "l%d", i);
        CU_ASSERT_EQUAL(ec_escrow_transfer_add_line(t, loc, 1, NULL), EC_OK);
    }
    EXPECT_ERR(ec_escrow_transfer_add_line(t, "one-more", 1, &e), e, EC_LIMIT_EXCEEDED, "lines");
    ec_escrow_transfer_reset(t);
    CU_ASSERT_EQUAL(ec_escrow_transfer_line_count(t), 0);
    CU_ASSERT_EQUAL(ec_escrow_transfer_quantity(t), 0);
    CU_ASSERT_PTR_NULL(ec_escrow_transfer_sku(t));
    CU_ASSERT_STRING_EQUAL(ec_escrow_status_name(EC_ESCROW_CANCELED), "canceled");
    CU_ASSERT_PTR_NULL(ec_escrow_status_name(4));
    CU_ASSERT_STRING_EQUAL(ec_escrow_kind_name(EC_ESCROW_RECOVERY), "recovery");
    ec_escrow_transfer_free(t);
    ec_escrow_transfer_free(NULL);
}

/* ---- debit ---------------------------------------------------------------------------------- */

/* A at hamburg 10 (3 reserved) and berlin 5: hamburg spares 7, berlin 5. */
static ec_inventory *east_shop(void)
{
    ec_inventory *inv = ec_inventory_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
    ti_stock(inv, "A", "hamburg", 10, 0, 0);
    ti_stock(inv, "A", "berlin", 5, 0, 0);
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, NULL, "r1", "A:3", 600, T0, "hamburg", 0, &e), EC_OK);
    return inv;
}

static void test_escrow_debit_takes_the_most_spare_first_and_never_what_is_held(void)
{
    ec_inventory *inv = east_shop();
    ec_escrow *e = ec_escrow_new("east");
    const ec_escrow_transfer *t = NULL;
    int32_t dup = -1, status = -1;
    char lines[128];
    CU_ASSERT_EQUAL(rights(inv, "A"), 12);
    CU_ASSERT_EQUAL(ec_escrow_debit(e, inv, "t1", "A", "west", 9, T0, &t, &dup, NULL), EC_OK);
    CU_ASSERT_EQUAL(dup, 0);
    lines_of(t, lines, sizeof lines);
    CU_ASSERT_STRING_EQUAL(lines, "hamburg:7,berlin:2");
    CU_ASSERT_STRING_EQUAL(ec_escrow_transfer_from(t), "east");
    CU_ASSERT_EQUAL(ec_escrow_transfer_at(t), T0);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "hamburg"), 3); /* the 3 held stay */
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "berlin"), 3);
    CU_ASSERT_EQUAL(ti_avail_at(inv, "A", "hamburg", T0), 0);
    CU_ASSERT_EQUAL(rights(inv, "A"), 3);
    CU_ASSERT_EQUAL(ec_escrow_find(e, "t1", NULL, &status, NULL), EC_OK);
    CU_ASSERT_EQUAL(status, EC_ESCROW_PENDING);
    CU_ASSERT_EQUAL(ec_escrow_in_flight(e, "A", "west"), 9);
    CU_ASSERT_EQUAL(ec_escrow_in_flight(e, "A", "north"), 0);
    CU_ASSERT_EQUAL(ec_escrow_in_flight(e, "A", NULL), 9);
    /* the same debit again: the same transfer, nothing moves */
    CU_ASSERT_EQUAL(ec_escrow_debit(e, inv, "t1", "A", "west", 9, T0 + 5, &t, &dup, NULL), EC_OK);
    CU_ASSERT_EQUAL(dup, 1);
    CU_ASSERT_EQUAL(ec_escrow_transfer_at(t), T0);
    CU_ASSERT_EQUAL(rights(inv, "A"), 3);
    CU_ASSERT_EQUAL(ec_escrow_count(e), 1);
    ec_escrow_free(e);
    ec_inventory_free(inv);
}

static void test_escrow_debit_refusals_change_nothing(void)
{
    ec_inventory *inv = east_shop();
    ec_escrow *e = ec_escrow_new("east");
    ec_error err = ti_fresh();
    CU_ASSERT_EQUAL(ec_escrow_debit(e, inv, "t1", "A", "west", 2, T0, NULL, NULL, NULL), EC_OK);
    char *before = NULL;
    CU_ASSERT_EQUAL(ec_inventory_to_json(inv, &before, NULL), EC_OK);
    EXPECT_ERR(ec_escrow_debit(e, inv, "t2", "A", "west", 11, T0, NULL, NULL, &err), err,
               EC_INSUFFICIENT_STOCK, "quantity");
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "10 units can be spared"));
    EXPECT_ERR(ec_escrow_debit(e, inv, "t1", "A", "west", 3, T0, NULL, NULL, &err), err,
               EC_IDEMPOTENCY_CONFLICT, "id");
    EXPECT_ERR(ec_escrow_debit(e, inv, "t1", "A", "north", 2, T0, NULL, NULL, &err), err,
               EC_IDEMPOTENCY_CONFLICT, "id");
    EXPECT_ERR(ec_escrow_debit(e, inv, "t3", "A", "east", 1, T0, NULL, NULL, &err), err,
               EC_INVALID_FIELD, "to");
    EXPECT_ERR(ec_escrow_debit(e, inv, "t3", "A", "west", 0, T0, NULL, NULL, &err), err,
               EC_INVALID_FIELD, "quantity");
    EXPECT_ERR(ec_escrow_debit(e, inv, "t3", "Z", "west", 1, T0, NULL, NULL, &err), err,
               EC_INSUFFICIENT_STOCK, "quantity");
    EXPECT_ERR(ec_escrow_debit(NULL, inv, "t3", "A", "west", 1, T0, NULL, NULL, &err), err,
               EC_MISUSE, "");
    char *after = NULL;
    CU_ASSERT_EQUAL(ec_inventory_to_json(inv, &after, NULL), EC_OK);
    CU_ASSERT_STRING_EQUAL(before, after);
    CU_ASSERT_EQUAL(ec_escrow_count(e), 1);
    ec_free(before);
    ec_free(after);
    ec_escrow_free(e);
    ec_inventory_free(inv);
}

static void test_escrow_debit_leaves_safety_and_backorder_where_they_were_set(void)
{
    ec_inventory *inv = ec_inventory_new();
    ti_stock(inv, "A", "hamburg", 5, 2, 10); /* available 13, on_hand 5 */
    ec_escrow *e = ec_escrow_new("east");
    int64_t r = 0, spare = 0;
    CU_ASSERT_EQUAL(ec_escrow_rights(inv, "A", T0, &r, &spare, NULL), EC_OK);
    CU_ASSERT_EQUAL(r, 13);
    CU_ASSERT_EQUAL(spare, 5);
    ec_error err = ti_fresh();
    EXPECT_ERR(ec_escrow_debit(e, inv, "t1", "A", "west", 6, T0, NULL, NULL, &err), err,
               EC_INSUFFICIENT_STOCK, "quantity");
    CU_ASSERT_EQUAL(ec_escrow_debit(e, inv, "t1", "A", "west", 5, T0, NULL, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "hamburg"), 0);
    CU_ASSERT_EQUAL(rights(inv, "A"), 8); /* the backorder capacity stays here */
    ec_escrow_free(e);
    ec_inventory_free(inv);
}

static void test_escrow_rights_ignore_lapsed_reservations(void)
{
    ec_inventory *inv = ec_inventory_new();
    ti_stock(inv, "A", "hamburg", 4, 0, 0);
    ec_error e = ti_fresh();
    CU_ASSERT_EQUAL(ti_reserve(inv, NULL, "r1", "A:3", 60, T0, NULL, 0, &e), EC_OK);
    int64_t r = 0;
    CU_ASSERT_EQUAL(ec_escrow_rights(inv, "A", T0, &r, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(r, 1);
    CU_ASSERT_EQUAL(ec_escrow_rights(inv, "A", T0 + 61 * INT64_C(1000000), &r, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(r, 4); /* the reservation lapsed: its rights came back */
    EXPECT_ERR(ec_escrow_rights(inv, "", T0, &r, NULL, &e), e, EC_INVALID_FIELD, "sku");
    CU_ASSERT_EQUAL(ec_escrow_rights(inv, "nothing", T0, &r, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(r, 0);
    ec_inventory_free(inv);
}

/* ---- credit and acknowledge ------------------------------------------------------------------ */

static void test_escrow_credit_once_per_id_and_creates_entries(void)
{
    ec_inventory *inv = ec_inventory_new();
    ti_stock(inv, "A", "berlin", 1, 0, 0);
    ec_escrow *w = ec_escrow_new("west");
    ec_escrow_transfer *t = transfer("t1", 0, "east", "west", "A", "hamburg:7,berlin:2");
    int32_t dup = -1, status = -1;
    CU_ASSERT_EQUAL(ec_escrow_credit(w, inv, t, &dup, NULL), EC_OK);
    CU_ASSERT_EQUAL(dup, 0);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "hamburg"), 7);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "A", "berlin"), 3);
    CU_ASSERT_EQUAL(rights(inv, "A"), 10);
    CU_ASSERT_EQUAL(ec_escrow_find(w, "t1", NULL, &status, NULL), EC_OK);
    CU_ASSERT_EQUAL(status, EC_ESCROW_CREDITED);
    /* delivered twice (a retry, a reordered duplicate): credited once */
    CU_ASSERT_EQUAL(ec_escrow_credit(w, inv, t, &dup, NULL), EC_OK);
    CU_ASSERT_EQUAL(dup, 1);
    CU_ASSERT_EQUAL(rights(inv, "A"), 10);
    /* the same lines in another order are the same transfer */
    ec_escrow_transfer *again = transfer("t1", 0, "east", "west", "A", "berlin:2,hamburg:7");
    CU_ASSERT_EQUAL(ec_escrow_credit(w, inv, again, &dup, NULL), EC_OK);
    CU_ASSERT_EQUAL(dup, 1);
    ec_escrow_transfer *other = transfer("t1", 0, "east", "west", "A", "hamburg:8,berlin:2");
    ec_escrow_transfer *wrong = transfer("t2", 0, "east", "north", "A", "hamburg:1");
    ec_escrow_transfer *new_sku = transfer("t3", 0, "east", "west", "B", "munich:4,berlin:1");
    ec_error e = ti_fresh();
    EXPECT_ERR(ec_escrow_credit(w, inv, other, &dup, &e), e, EC_IDEMPOTENCY_CONFLICT, "id");
    EXPECT_ERR(ec_escrow_credit(w, inv, wrong, &dup, &e), e, EC_INVALID_FIELD, "to");
    CU_ASSERT_EQUAL(ec_escrow_credit(w, inv, new_sku, &dup, NULL), EC_OK);
    CU_ASSERT_EQUAL(ti_on_hand(inv, "B", "munich"), 4);
    CU_ASSERT_EQUAL(rights(inv, "B"), 5);
    CU_ASSERT_PTR_NULL(ec__inventory_check(inv));
    ec_escrow_transfer_reset(other);
    EXPECT_ERR(ec_escrow_credit(w, inv, other, &dup, &e), e, EC_INVALID_FIELD, "id");
    ec_escrow_transfer_free(t);
    ec_escrow_transfer_free(again);
    ec_escrow_transfer_free(other);
    ec_escrow_transfer_free(wrong);
    ec_escrow_transfer_free(new_sku);
    ec_escrow_free(w);
    ec_inventory_free(inv);
}

static void test_escrow_acknowledge_marks_delivered_once(void)
{
    ec_inventory *inv = east_shop();
    ec_escrow *e = ec_escrow_new("east");
    ec_escrow_transfer *in = transfer("in1", 0, "west", "east", "A", "hamburg:1");
    CU_ASSERT_EQUAL(ec_escrow_credit(e, inv, in, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_debit(e, inv, "t1", "A", "west", 4, T0, NULL, NULL, NULL), EC_OK);
    int32_t dup = -1, status = -1;
    ec_error err = ti_fresh();
    CU_ASSERT_EQUAL(ec_escrow_acknowledge(e, "t1", &dup, NULL), EC_OK);
    CU_ASSERT_EQUAL(dup, 0);
    CU_ASSERT_EQUAL(ec_escrow_find(e, "t1", NULL, &status, NULL), EC_OK);
    CU_ASSERT_EQUAL(status, EC_ESCROW_DELIVERED);
    CU_ASSERT_EQUAL(ec_escrow_in_flight(e, "A", NULL), 0);
    CU_ASSERT_EQUAL(ec_escrow_acknowledge(e, "t1", &dup, NULL), EC_OK);
    CU_ASSERT_EQUAL(dup, 1);
    EXPECT_ERR(ec_escrow_acknowledge(e, "nope", &dup, &err), err, EC_NOT_FOUND, "id");
    EXPECT_ERR(ec_escrow_acknowledge(e, "in1", &dup, &err), err, EC_NOT_FOUND, "id");
    ec_escrow_transfer_free(in);
    ec_escrow_free(e);
    ec_inventory_free(inv);
}

/* ---- restoring and changes ------------------------------------------------------------------- */

static void test_escrow_restore_then_list_only_what_changed(void)
{
    ec_inventory *inv = east_shop();
    ec_escrow *e = ec_escrow_new("east");
    ec_escrow_transfer *out = transfer("o1", 0, "east", "west", "A", "berlin:1");
    ec_escrow_transfer *in = transfer("i1", 0, "west", "east", "A", "berlin:1");
    ec_escrow_transfer *far = transfer("f1", 0, "west", "north", "A", "berlin:1");
    ec_error err = ti_fresh();
    CU_ASSERT_EQUAL(ec_escrow_restore(e, out, EC_ESCROW_PENDING, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_restore(e, in, EC_ESCROW_CREDITED, NULL), EC_OK);
    EXPECT_ERR(ec_escrow_restore(e, out, EC_ESCROW_PENDING, &err), err, EC_INVALID_FIELD, "id");
    EXPECT_ERR(ec_escrow_restore(e, far, EC_ESCROW_CREDITED, &err), err, EC_INVALID_FIELD, "to");
    ec_escrow_transfer *in2 = transfer("i2", 0, "west", "east", "A", "berlin:1");
    EXPECT_ERR(ec_escrow_restore(e, in2, EC_ESCROW_PENDING, &err), err, EC_INVALID_FIELD, "status");
    EXPECT_ERR(ec_escrow_restore_lost(e, "east", &err), err, EC_INVALID_FIELD, "region");
    CU_ASSERT_EQUAL(ec_escrow_restore_lost(e, "north", NULL), EC_OK);
    CU_ASSERT(ec_escrow_lost(e, "north"));
    CU_ASSERT_EQUAL(ec_escrow_changed(e, 0, NULL, NULL), 0);
    CU_ASSERT_EQUAL(ec_escrow_changed_lost(e, 0, NULL), 0);
    CU_ASSERT_EQUAL(rights(inv, "A"), 12); /* restoring moves no stock */
    CU_ASSERT_EQUAL(ec_escrow_acknowledge(e, "o1", NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_debit(e, inv, "o2", "A", "west", 1, T0, NULL, NULL, NULL), EC_OK);
    const ec_escrow_transfer *t = NULL;
    int32_t status = -1;
    size_t c = ec_escrow_changed(e, 0, &t, &status);
    CU_ASSERT_STRING_EQUAL(ec_escrow_transfer_id(t), "o2"); /* newest first */
    CU_ASSERT_EQUAL(status, EC_ESCROW_PENDING);
    c = ec_escrow_changed(e, c, &t, &status);
    CU_ASSERT_STRING_EQUAL(ec_escrow_transfer_id(t), "o1");
    CU_ASSERT_EQUAL(status, EC_ESCROW_DELIVERED);
    CU_ASSERT_EQUAL(ec_escrow_changed(e, c, &t, &status), 0);
    ec_escrow_clear_changes(e);
    CU_ASSERT_EQUAL(ec_escrow_changed(e, 0, &t, &status), 0);
    CU_ASSERT_EQUAL(ec_escrow_count(e), 3);
    CU_ASSERT(ec_escrow_entry(e, 1, &t, &status));
    CU_ASSERT_STRING_EQUAL(ec_escrow_transfer_id(t), "i1");
    CU_ASSERT(!ec_escrow_entry(e, 3, &t, &status));
    CU_ASSERT_PTR_NULL(ec_escrow_new("bad\nregion"));
    ec_escrow_transfer_free(out);
    ec_escrow_transfer_free(in);
    ec_escrow_transfer_free(in2);
    ec_escrow_transfer_free(far);
    ec_escrow_free(e);
    ec_inventory_free(inv);
}

/* ---- a region lost for good ----------------------------------------------------------------- */

static void test_escrow_lost_region_takes_back_and_recovers(void)
{
    ec_inventory *inv = east_shop(); /* rights 12 */
    ec_escrow *e = ec_escrow_new("east");
    CU_ASSERT_EQUAL(ec_escrow_debit(e, inv, "t1", "A", "west", 4, T0, NULL, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_debit(e, inv, "t2", "A", "west", 3, T0, NULL, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_debit(e, inv, "t3", "A", "north", 1, T0, NULL, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_acknowledge(e, "t2", NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(rights(inv, "A"), 4);
    ec_escrow_clear_changes(e);
    int32_t dup = -1, status = -1;
    ec_error err = ti_fresh();
    CU_ASSERT_EQUAL(ec_escrow_declare_lost(e, inv, "west", &dup, NULL), EC_OK);
    CU_ASSERT_EQUAL(dup, 0);
    CU_ASSERT_EQUAL(rights(inv, "A"), 8); /* t1 came back; t2 was delivered */
    CU_ASSERT_EQUAL(ec_escrow_find(e, "t1", NULL, &status, NULL), EC_OK);
    CU_ASSERT_EQUAL(status, EC_ESCROW_CANCELED);
    const char *region = NULL;
    CU_ASSERT_NOT_EQUAL(ec_escrow_changed_lost(e, 0, &region), 0);
    CU_ASSERT_STRING_EQUAL(region, "west");
    CU_ASSERT_EQUAL(ec_escrow_declare_lost(e, inv, "west", &dup, NULL), EC_OK);
    CU_ASSERT_EQUAL(dup, 1);
    CU_ASSERT_EQUAL(rights(inv, "A"), 8);
    /* nothing goes to a lost region, nothing is taken from it... */
    EXPECT_ERR(ec_escrow_debit(e, inv, "t4", "A", "west", 1, T0, NULL, NULL, &err), err,
               EC_INVALID_TRANSITION, "to");
    ec_escrow_transfer *late = transfer("w9", 0, "west", "east", "A", "berlin:2");
    EXPECT_ERR(ec_escrow_credit(e, inv, late, NULL, &err), err, EC_INVALID_TRANSITION, "from");
    /* ...but what it held, an operator recovers */
    ec_escrow_transfer *rec =
        transfer("rec-1", EC_ESCROW_RECOVERY, "west", "east", "A", "berlin:6");
    CU_ASSERT_EQUAL(ec_escrow_credit(e, inv, rec, &dup, NULL), EC_OK);
    CU_ASSERT_EQUAL(rights(inv, "A"), 14);
    ec_escrow_transfer *bad =
        transfer("rec-2", EC_ESCROW_RECOVERY, "north", "east", "A", "berlin:1");
    EXPECT_ERR(ec_escrow_credit(e, inv, bad, NULL, &err), err, EC_INVALID_TRANSITION, "from");
    /* west had credited t1 after all: its acknowledgement is an alarm */
    EXPECT_ERR(ec_escrow_acknowledge(e, "t1", &dup, &err), err, EC_INVALID_TRANSITION, "id");
    EXPECT_ERR(ec_escrow_declare_lost(e, inv, "east", &dup, &err), err, EC_INVALID_FIELD, "region");
    CU_ASSERT_PTR_NULL(ec__inventory_check(inv));
    ec_escrow_transfer_free(late);
    ec_escrow_transfer_free(rec);
    ec_escrow_transfer_free(bad);
    ec_escrow_free(e);
    ec_inventory_free(inv);
}

static void test_escrow_take_back_needs_the_stock_it_came_from(void)
{
    ec_inventory *inv = ec_inventory_new();
    ec_escrow *e = ec_escrow_new("east");
    ec_escrow_transfer *out = transfer("o1", 0, "east", "west", "A", "berlin:1");
    CU_ASSERT_EQUAL(ec_escrow_restore(e, out, EC_ESCROW_PENDING, NULL), EC_OK);
    ec_error err = ti_fresh();
    EXPECT_ERR(ec_escrow_declare_lost(e, inv, "west", NULL, &err), err, EC_INVALID_FIELD, "region");
    CU_ASSERT(!ec_escrow_lost(e, "west"));
    ec_escrow_transfer_free(out);
    ec_escrow_free(e);
    ec_inventory_free(inv);
}

/* ---- the rebalancing policy ------------------------------------------------------------------ */

/* Proposals as "to:qty,..." after a run by `sender`. */
static void plan_text(ec_escrow_plan *p, const char *sender, char *out, size_t size)
{
    out[0] = '\0';
    CU_ASSERT_EQUAL(ec_escrow_plan_run(p, sender, NULL), EC_OK);
    for (size_t i = 0; i < ec_escrow_plan_count(p); i++) {
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s:%" PRId64, i ? "," : "", ec_escrow_plan_to(p, i),
                 ec_escrow_plan_quantity(p, i));
    }
}

static void test_escrow_plan_keeps_expected_sales_and_shares_the_rest(void)
{
    ec_escrow_plan *p = ec_escrow_plan_new();
    char text[128];
    /* expected east 10, west 30; 60 left, shared 10:30 -> targets 25 and 75 */
    CU_ASSERT_EQUAL(ec_escrow_plan_add_region(p, "east", 100, 10, 0, 1, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_plan_add_region(p, "west", 0, 30, 0, 1, NULL), EC_OK);
    plan_text(p, "east", text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "west:75");
    CU_ASSERT_EQUAL(ec_escrow_plan_target(p, "east"), 25);
    CU_ASSERT_EQUAL(ec_escrow_plan_target(p, "west"), 75);
    plan_text(p, "west", text, sizeof text); /* west has nothing to give */
    CU_ASSERT_STRING_EQUAL(text, "");
    /* scarce: 20 rights for 40 expected sales, shared 10:30 -> 5 and 15 */
    ec_escrow_plan_reset(p);
    CU_ASSERT_EQUAL(ec_escrow_plan_target(p, "east"), -1);
    ec_escrow_plan_add_region(p, "east", 20, 10, 0, 1, NULL);
    ec_escrow_plan_add_region(p, "west", 0, 30, 10, 1, NULL); /* 10 already on the way */
    plan_text(p, "east", text, sizeof text);
    CU_ASSERT_EQUAL(ec_escrow_plan_target(p, "west"), 22);
    CU_ASSERT_STRING_EQUAL(text, "west:12");
    ec_escrow_plan_free(p);
}

static void test_escrow_plan_reaches_only_who_it_can_and_moves_enough(void)
{
    ec_escrow_plan *p = ec_escrow_plan_new();
    char text[128];
    ec_escrow_plan_add_region(p, "east", 90, 0, 0, 1, NULL);
    ec_escrow_plan_add_region(p, "west", 0, 20, 0, 0, NULL); /* cut off */
    ec_escrow_plan_add_region(p, "south", 0, 10, 0, 1, NULL);
    ec_escrow_plan_add_region(p, "north", 5, 10, 0, 1, NULL);
    /* expected 0, 20, 10, 10 = 40; 55 left by demand 0:20:10:10 */
    plan_text(p, "east", text, sizeof text);
    CU_ASSERT_EQUAL(ec_escrow_plan_target(p, "east"), 0);
    CU_ASSERT_EQUAL(ec_escrow_plan_target(p, "west"), 47);
    CU_ASSERT_STRING_EQUAL(text, "south:23,north:18");
    CU_ASSERT_EQUAL(ec_escrow_plan_set_policy(p, 600, 600, 20, NULL), EC_OK);
    plan_text(p, "east", text, sizeof text); /* north's 18 is too small a move */
    CU_ASSERT_STRING_EQUAL(text, "south:23");
    /* no demand anywhere: nothing moves */
    ec_escrow_plan_reset(p);
    ec_escrow_plan_add_region(p, "east", 90, 0, 0, 1, NULL);
    ec_escrow_plan_add_region(p, "west", 0, 0, 0, 1, NULL);
    plan_text(p, "east", text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "");
    CU_ASSERT_EQUAL(ec_escrow_plan_target(p, "east"), 90);
    ec_escrow_plan_free(p);
}

static void test_escrow_plan_horizon_window_and_refusals(void)
{
    ec_escrow_plan *p = ec_escrow_plan_new();
    ec_error e = ti_fresh();
    char text[128];
    /* 7 units in 10 minutes expect ceil(0.7) = 1 in the next minute */
    CU_ASSERT_EQUAL(ec_escrow_plan_set_policy(p, 60, 600, 1, NULL), EC_OK);
    ec_escrow_plan_add_region(p, "east", 2, 0, 0, 1, NULL);
    ec_escrow_plan_add_region(p, "west", 0, 7, 0, 1, NULL);
    plan_text(p, "east", text, sizeof text);
    CU_ASSERT_STRING_EQUAL(text, "west:2");
    CU_ASSERT_EQUAL(ec_escrow_plan_target(p, "west"), 2);
    EXPECT_ERR(ec_escrow_plan_run(p, "north", &e), e, EC_INVALID_FIELD, "sender");
    EXPECT_ERR(ec_escrow_plan_add_region(p, "east", 1, 1, 0, 1, &e), e, EC_INVALID_FIELD, "region");
    EXPECT_ERR(ec_escrow_plan_add_region(p, "x", -1, 1, 0, 1, &e), e, EC_INVALID_FIELD, "rights");
    EXPECT_ERR(ec_escrow_plan_add_region(p, "x", 1, -1, 0, 1, &e), e, EC_INVALID_FIELD, "demand");
    EXPECT_ERR(ec_escrow_plan_set_policy(p, 0, 600, 1, &e), e, EC_INVALID_FIELD, "horizon_seconds");
    EXPECT_ERR(ec_escrow_plan_set_policy(p, 60, EC_ESCROW_MAX_SECONDS + 1, 1, &e), e,
               EC_INVALID_FIELD, "window_seconds");
    EXPECT_ERR(ec_escrow_plan_set_policy(p, 60, 60, 0, &e), e, EC_INVALID_FIELD, "min_transfer");
    /* a long horizon over a short window with the largest figures: west's
     * expected sales (10^15 x 2592000) are capped at 2^55, and the shares
     * are computed exactly: 10^15 x 2592000 / (2^55 + 2592000) = 71942 */
    ec_escrow_plan_reset(p);
    CU_ASSERT_EQUAL(ec_escrow_plan_set_policy(p, EC_ESCROW_MAX_SECONDS, 1, 1, NULL), EC_OK);
    ec_escrow_plan_add_region(p, "east", EC_INVENTORY_MAX_STOCK, 1, 0, 1, NULL);
    ec_escrow_plan_add_region(p, "west", 0, EC_INVENTORY_MAX_STOCK, 0, 1, NULL);
    plan_text(p, "east", text, sizeof text);
    CU_ASSERT_EQUAL(ec_escrow_plan_target(p, "east"), 71942);
    CU_ASSERT_EQUAL(ec_escrow_plan_target(p, "west"), INT64_C(999999999928057));
    CU_ASSERT_EQUAL(ec_escrow_plan_count(p), 1);
    CU_ASSERT_EQUAL(ec_escrow_plan_quantity(p, 0), INT64_C(999999999928057));
    for (int i = 0; i < EC_ESCROW_MAX_REGIONS - 2; i++) {
        snprintf(text, sizeof text, "r%d", i);
        CU_ASSERT_EQUAL(ec_escrow_plan_add_region(p, text, 0, 0, 0, 1, NULL), EC_OK);
    }
    EXPECT_ERR(ec_escrow_plan_add_region(p, "last", 0, 0, 0, 1, &e), e, EC_LIMIT_EXCEEDED,
               "region");
    ec_escrow_plan_free(p);
}

static CU_TestInfo escrow_tests[] = {
    {"test_escrow_transfer_builder_checks_every_field",
     test_escrow_transfer_builder_checks_every_field},
    {"test_escrow_debit_takes_the_most_spare_first_and_never_what_is_held",
     test_escrow_debit_takes_the_most_spare_first_and_never_what_is_held},
    {"test_escrow_debit_refusals_change_nothing", test_escrow_debit_refusals_change_nothing},
    {"test_escrow_debit_leaves_safety_and_backorder_where_they_were_set",
     test_escrow_debit_leaves_safety_and_backorder_where_they_were_set},
    {"test_escrow_rights_ignore_lapsed_reservations",
     test_escrow_rights_ignore_lapsed_reservations},
    {"test_escrow_credit_once_per_id_and_creates_entries",
     test_escrow_credit_once_per_id_and_creates_entries},
    {"test_escrow_acknowledge_marks_delivered_once", test_escrow_acknowledge_marks_delivered_once},
    {"test_escrow_restore_then_list_only_what_changed",
     test_escrow_restore_then_list_only_what_changed},
    {"test_escrow_lost_region_takes_back_and_recovers",
     test_escrow_lost_region_takes_back_and_recovers},
    {"test_escrow_take_back_needs_the_stock_it_came_from",
     test_escrow_take_back_needs_the_stock_it_came_from},
    {"test_escrow_plan_keeps_expected_sales_and_shares_the_rest",
     test_escrow_plan_keeps_expected_sales_and_shares_the_rest},
    {"test_escrow_plan_reaches_only_who_it_can_and_moves_enough",
     test_escrow_plan_reaches_only_who_it_can_and_moves_enough},
    {"test_escrow_plan_horizon_window_and_refusals", test_escrow_plan_horizon_window_and_refusals},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_escrow_suites[] = {
    {"escrow", NULL, NULL, NULL, NULL, escrow_tests},
    CU_SUITE_INFO_NULL,
};
