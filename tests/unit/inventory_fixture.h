/* inventory_fixture.h - what the typed inventory tests share: the time
 * base, the refusal and consistency checks, and the helpers (ti_*) that
 * test_inventory.c defines for test_inventory_lifecycle.c,
 * test_inventory_units.c and test_escrow.c. */
#ifndef EC_TEST_INVENTORY_FIXTURE_H
#define EC_TEST_INVENTORY_FIXTURE_H

#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdio.h>

#include "ecommerce.h"
#include "helpers.h"
#include "inventory/inventory_internal.h"

#define T0 INT64_C(1795860000000000) /* 2026-11-28T10:00:00Z */
#define SEC INT64_C(1000000)
#define MIN (60 * SEC)

/* A refusal: the status, the error's code and the field it names. */
#define EXPECT_ERR(st, e, status, fld)                                                             \
    th_expect_error((st), &(e), (status), (fld), __FILE__, __LINE__)

/* The internal consistency check (held quantities, expiry heap, indexes). */
#define CHECK_CONSISTENT(inv)                                                                      \
    do {                                                                                           \
        const char *why_ = ec__inventory_check(inv);                                               \
        if (why_) fprintf(stderr, "\n  %s:%d: inconsistent: %s\n", __FILE__, __LINE__, why_);      \
        CU_ASSERT_PTR_NULL(why_);                                                                  \
    } while (0)

ec_error ti_fresh(void);
void ti_stock(ec_inventory *inv, const char *sku, const char *loc, int64_t on_hand, int64_t safety,
              int64_t backorder);
ec_status ti_reserve(ec_inventory *inv, ec_inventory_result *res, const char *id, const char *lines,
                     int64_t ttl, int64_t at, const char *locs, int single, ec_error *err);
int64_t ti_avail_at(ec_inventory *inv, const char *sku, const char *loc, int64_t at);
int64_t ti_on_hand(ec_inventory *inv, const char *sku, const char *loc);
int32_t ti_status_of(ec_inventory *inv, const char *id);
const char *ti_lines_of(const ec_inventory_result *r);
ec_inventory *ti_shop(void);

#endif
