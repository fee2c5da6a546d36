/* test_escrow_chaos.c - allocation failures in the escrow operations.
 *
 * The inventory, the ledger and the message use a counting allocator
 * (helpers.h) that fails the Nth call.  Each operation runs for N = 1, 2,
 * ... after a set-up that allocates freely, until a run completes without
 * a failure injected.  Every run must answer EC_NO_MEMORY and leave the
 * inventory (its state document, byte for byte), the ledger (its entries
 * and its list of changes) and the message as they were, or succeed as
 * the failure-free run does; once everything is freed, no block is left. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"
#include "helpers.h"

#define T0 INT64_C(1795860000000000)

typedef struct fixture {
    th_counter counter;
    ec_allocator alloc;
    ec_inventory *inv;
    ec_escrow *led;
    ec_escrow_message *msg;
    ec_escrow_transfer *in; /* a transfer to credit: a new SKU at two new locations */
} fixture;

static void fixture_open(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->alloc = th_allocator(&f->counter);
    f->inv = ec_inventory_new_ex(&f->alloc);
    f->led = ec_escrow_new_ex("east", &f->alloc);
    f->msg = ec_escrow_message_new_ex(&f->alloc);
    f->in = ec_escrow_transfer_new_ex(&f->alloc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->inv && f->led && f->msg && f->in);
    CU_ASSERT_EQUAL(ec_inventory_set(f->inv, "A", "hamburg", 20, NULL, NULL, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_set(f->inv, "A", "berlin", 5, NULL, NULL, NULL, NULL), EC_OK);
    ec_escrow_transfer_set(f->in, "w1", 0, "west", "east", "NEW", T0, NULL);
    ec_escrow_transfer_add_line(f->in, "munich", 3, NULL);
    ec_escrow_transfer_add_line(f->in, "cologne", 2, NULL);
    CU_ASSERT_EQUAL(ec_escrow_message_set(f->msg, "west", "east", T0, NULL), EC_OK);
    for (int i = 0; i < 12; i++) { /* a ledger that has to grow */
        char id[16];
        snprintf(id, sizeof id, "old%d", i);
        CU_ASSERT_EQUAL(ec_escrow_debit(f->led, f->inv, id, "A", "west", 1, T0, NULL, NULL, NULL),
                        EC_OK);
    }
    CU_ASSERT_EQUAL(ec_escrow_debit(f->led, f->inv, "gone", "A", "north", 2, T0, NULL, NULL, NULL),
                    EC_OK);
    ec_escrow_clear_changes(f->led);
    ec_inventory_clear_changes(f->inv);
}

static void fixture_close(fixture *f)
{
    ec_escrow_transfer_free(f->in);
    ec_escrow_message_free(f->msg);
    ec_escrow_free(f->led);
    ec_inventory_free(f->inv);
    CU_ASSERT_EQUAL(f->counter.live, 0);
}

typedef ec_status (*chaos_op)(fixture *f, ec_error *err);

static ec_status op_debit(fixture *f, ec_error *err)
{
    return ec_escrow_debit(f->led, f->inv, "t1", "A", "west", 9, T0, NULL, NULL, err);
}

static ec_status op_credit(fixture *f, ec_error *err)
{
    return ec_escrow_credit(f->led, f->inv, f->in, NULL, err);
}

static ec_status op_declare_lost(fixture *f, ec_error *err)
{
    return ec_escrow_declare_lost(f->led, f->inv, "north", NULL, err);
}

static ec_status op_message(fixture *f, ec_error *err)
{
    ec_status st = ec_escrow_message_add_transfer(f->msg, f->in, err);
    if (st == EC_OK) st = ec_escrow_message_add_report(f->msg, f->inv, "A", 4, T0, err);
    if (st == EC_OK) st = ec_escrow_message_add_credited(f->msg, "w0", err);
    return st;
}

/* The state a failed run must leave: the inventory's document, the
 * ledger's size and newest change, the message's document. */
static char *snapshot(fixture *f)
{
    char *inv = NULL, *msg = NULL, buf[64];
    const ec_escrow_transfer *t = NULL;
    size_t changed = ec_escrow_changed(f->led, 0, &t, NULL);
    long before = f->counter.fail_at;
    f->counter.fail_at = 0; /* taking the snapshot must not fail */
    ec_inventory_to_json(f->inv, &inv, NULL);
    ec_escrow_message_to_json(f->msg, &msg, NULL);
    f->counter.fail_at = before;
    snprintf(buf, sizeof buf, "|%zu|%zu|%d|", ec_escrow_count(f->led), changed,
             ec_escrow_lost(f->led, "north"));
    size_t n = strlen(inv) + strlen(msg) + strlen(buf) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%s%s%s", inv, buf, msg);
    ec_free(inv);
    ec_free(msg);
    return s;
}

static void run_chaos(chaos_op op, const char *name)
{
    int done = 0;
    for (long n = 1; n < 10000 && !done; n++) {
        fixture f;
        fixture_open(&f);
        char *before = snapshot(&f);
        f.counter.fail_at = f.counter.calls + n;
        ec_error e;
        ec_error_clear(&e);
        ec_status st = op(&f, &e);
        int injected = f.counter.calls >= f.counter.fail_at;
        f.counter.fail_at = 0;
        if (!injected) {
            CU_ASSERT_EQUAL(st, EC_OK);
            done = 1;
        } else {
            char *after = snapshot(&f);
            if (st != EC_NO_MEMORY || strcmp(before, after) != 0)
                fprintf(stderr, "\n  %s, allocation %ld failed: %s, state %s\n", name, n,
                        ec_status_name(st), strcmp(before, after) ? "changed" : "kept");
            CU_ASSERT_EQUAL(st, EC_NO_MEMORY);
            CU_ASSERT_STRING_EQUAL(before, after);
            free(after);
        }
        free(before);
        fixture_close(&f);
    }
    CU_ASSERT(done);
}

static void test_escrow_chaos_debit(void)
{
    run_chaos(op_debit, "debit");
}
static void test_escrow_chaos_credit_new_entries(void)
{
    run_chaos(op_credit, "credit");
}
static void test_escrow_chaos_declare_lost(void)
{
    run_chaos(op_declare_lost, "declare_lost");
}

/* A message's parts are added one at a time: a failure keeps what was
 * added before it, and never a half-added part.  So only the first part
 * (the transfer) is held to "unchanged"; the others are checked by a
 * complete run afterwards. */
static void test_escrow_chaos_message(void)
{
    for (long n = 1; n < 1000; n++) {
        fixture f;
        fixture_open(&f);
        f.counter.fail_at = f.counter.calls + n;
        ec_status st = op_message(&f, NULL);
        int injected = f.counter.calls >= f.counter.fail_at;
        f.counter.fail_at = 0;
        if (st != (injected ? EC_NO_MEMORY : EC_OK))
            fprintf(stderr, "\n  message, allocation %ld failed: %s\n", n, ec_status_name(st));
        CU_ASSERT_EQUAL(st, injected ? EC_NO_MEMORY : EC_OK);
        char *doc = NULL;
        CU_ASSERT_EQUAL(ec_escrow_message_to_json(f.msg, &doc, NULL), EC_OK);
        CU_ASSERT_PTR_NOT_NULL(doc);
        ec_free(doc);
        fixture_close(&f);
        if (!injected) return;
    }
    CU_FAIL("the message never completed");
}

static void test_escrow_chaos_new_objects(void)
{
    for (long n = 1; n < 5; n++) {
        th_counter c = {0, n, 0};
        ec_allocator a = th_allocator(&c);
        ec_escrow *e = ec_escrow_new_ex("east", &a);
        ec_escrow_plan *p = ec_escrow_plan_new_ex(&a);
        ec_escrow_message *m = ec_escrow_message_new_ex(&a);
        ec_escrow_transfer *t = ec_escrow_transfer_new_ex(&a);
        CU_ASSERT(!e || !p || !m || !t || n > 4);
        ec_escrow_free(e);
        ec_escrow_plan_free(p);
        ec_escrow_message_free(m);
        ec_escrow_transfer_free(t);
        CU_ASSERT_EQUAL(c.live, 0);
    }
}

static CU_TestInfo escrow_chaos_tests[] = {
    {"test_escrow_chaos_debit", test_escrow_chaos_debit},
    {"test_escrow_chaos_credit_new_entries", test_escrow_chaos_credit_new_entries},
    {"test_escrow_chaos_declare_lost", test_escrow_chaos_declare_lost},
    {"test_escrow_chaos_message", test_escrow_chaos_message},
    {"test_escrow_chaos_new_objects", test_escrow_chaos_new_objects},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_escrow_chaos_suites[] = {
    {"escrow.chaos", NULL, NULL, NULL, NULL, escrow_chaos_tests},
    CU_SUITE_INFO_NULL,
};
