/* inventory_ops.c - commit, release, ship, expire, available and get.
 *
 * Each operation checks everything and takes every resource it needs
 * (result room, an arena copy of the order) before its first change. */
#include <string.h>

#include "inventory/inventory_internal.h"

/* The reservation named by `id`, or EC_NOT_FOUND. */
static ec_status find(const ec_inventory *inv, const char *id, uint32_t *out, ec_error *err)
{
    size_t n = 0;
    EC_TRY(ec__inv_check_id(id, "id", &n, err));
    *out = ec__inv_find_res(inv, id, n);
    EC_FAIL_IF(*out == EC__INV_NONE, err, EC_NOT_FOUND, "id", "no reservation \"%.128s\"", id);
    return EC_OK;
}

static ec_status answer(const ec_inventory *inv, uint32_t index, ec_inventory_result *result,
                        int duplicate)
{
    if (result) ec__inv_result_reservation(result, inv, index, duplicate);
    return EC_OK;
}

/* Describe what reservation `index` is about to become, before the change
 * (the facade's result document is written here: see ec__inv_result_ready). */
static ec_status describe(const ec_inventory *inv, uint32_t index, ec_inventory_result *result,
                          int32_t status, const char *order, ec_error *err)
{
    if (!result) return EC_OK;
    ec__inv_result_reservation(result, inv, index, 0);
    ec__inv_result_outcome(result, status, order);
    EC_FAIL_IF(!ec__inv_result_ready(result), err, EC_NO_MEMORY, NULL, NULL);
    return EC_OK;
}

static ec_status wrong_state(const ec__inv_res *r, const char *op, ec_error *err)
{
    return ec__fail(err, EC_INVALID_TRANSITION, "id", "cannot %s reservation \"%.128s\": it is %s",
                    op, r->id.p, ec_reservation_status_name(r->status));
}

/* Add up r's open quantities per stock entry in inv->plan (a saved
 * reservation may list one entry twice). */
static ec_status sum_lines(ec_inventory *inv, const ec__inv_res *r, ec_error *err)
{
    EC_FAIL_IF(!EC__INV_VEC_FIT(inv->alloc, inv->plan, r->nlines), err, EC_NO_MEMORY, NULL, NULL);
    inv->plan.n = 0;
    for (uint32_t i = 0; i < r->nlines; i++) {
        size_t k = 0;
        while (k < inv->plan.n && inv->plan.v[k].stock != r->lines[i].stock) k++;
        if (k == inv->plan.n) inv->plan.v[inv->plan.n++] = (ec__inv_plan){r->lines[i].stock, i, 0};
        inv->plan.v[k].qty += ec__inv_line_open(&r->lines[i]);
    }
    return EC_OK;
}

/* ---- commit ------------------------------------------------------------------------ */

/* A lapsed or expired reservation commits only if its quantities are free
 * at `at`: taken again as one step, or not at all. */
static ec_status check_retake(ec_inventory *inv, const ec__inv_res *r, ec_inventory_result *result,
                              ec_error *err)
{
    EC_TRY(sum_lines(inv, r, err));
    for (size_t k = 0; k < inv->plan.n; k++) {
        const ec__inv_stock *s = &inv->stock.v[inv->plan.v[k].stock];
        int64_t avail = ec__inv_free(s);
        if (avail >= inv->plan.v[k].qty) continue;
        const ec__inv_name *sku = &inv->skus.v[s->sku].name;
        const char *loc = inv->locs.v[s->loc].p;
        if (result) ec__inv_result_shortage(result, sku->p, sku->n, loc, inv->plan.v[k].qty, avail);
        /* one name per message: it then always fits, never cut inside a character */
        return ec__fail(err, EC_RESERVATION_EXPIRED, "id",
                        "the reservation expired and \"%.128s\" is no longer available at one of "
                        "its locations: %lld needed, %lld available",
                        sku->p, (long long)inv->plan.v[k].qty, (long long)avail);
    }
    return EC_OK;
}

ec_status ec_inventory_commit(ec_inventory *inv, const char *id, const char *order, int64_t at_us,
                              ec_inventory_result *result, ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    if (result) ec__inv_result_clear(result);
    uint32_t index = EC__INV_NONE;
    size_t on = 0;
    EC_TRY(ec__inv_check_id(order, "order", &on, err));
    ec__inv_sync(inv, at_us); /* every operation that brings a time moves expiry to it */
    EC_TRY(find(inv, id, &index, err));
    ec__inv_res *r = &inv->res.v[index];
    if (r->status == EC_RESERVATION_STATUS_COMMITTED) {
        if (r->order.n == on && memcmp(r->order.p, order, on) == 0) {
            return answer(inv, index, result, 1);
        }
        return ec__fail(err, EC_INVALID_TRANSITION, "order",
                        "the reservation is committed to another order, \"%.128s\"", r->order.p);
    }
    if (r->status != EC_RESERVATION_STATUS_ACTIVE && r->status != EC_RESERVATION_STATUS_EXPIRED)
        return wrong_state(r, "commit", err);
    int retake = r->hold != EC__HOLD_ACTIVE;
    if (retake) EC_TRY(check_retake(inv, r, result, err));
    char *copy = ec__arena_strndup(&inv->arena, order, on);
    EC_FAIL_IF(!copy, err, EC_NO_MEMORY, NULL, NULL);
    EC_TRY(describe(inv, index, result, EC_RESERVATION_STATUS_COMMITTED, copy, err));
    ec__inv_leave_active(inv, r);
    if (retake) ec__inv_hold(inv, r, 1);
    r->hold = EC__HOLD_COMMITTED;
    r->status = EC_RESERVATION_STATUS_COMMITTED;
    r->order = (ec__inv_name){copy, (uint32_t)on};
    ec__inv_touch_res(inv, index);
    return EC_OK;
}

/* ---- release and ship ------------------------------------------------------------------ */

ec_status ec_inventory_release(ec_inventory *inv, const char *id, ec_inventory_result *result,
                               ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    if (result) ec__inv_result_clear(result);
    uint32_t index = EC__INV_NONE;
    EC_TRY(find(inv, id, &index, err));
    ec__inv_res *r = &inv->res.v[index];
    if (r->status == EC_RESERVATION_STATUS_SHIPPED) return wrong_state(r, "release", err);
    if (r->status == EC_RESERVATION_STATUS_RELEASED || r->status == EC_RESERVATION_STATUS_EXPIRED)
        return answer(inv, index, result, 1);
    EC_TRY(describe(inv, index, result, EC_RESERVATION_STATUS_RELEASED, r->order.p, err));
    if (r->hold == EC__HOLD_ACTIVE || r->hold == EC__HOLD_COMMITTED) ec__inv_hold(inv, r, -1);
    ec__inv_leave_active(inv, r);
    r->status = EC_RESERVATION_STATUS_RELEASED;
    ec__inv_touch_res(inv, index);
    return EC_OK;
}

ec_status ec_inventory_ship(ec_inventory *inv, const char *id, ec_inventory_result *result,
                            ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    if (result) ec__inv_result_clear(result);
    uint32_t index = EC__INV_NONE;
    EC_TRY(find(inv, id, &index, err));
    ec__inv_res *r = &inv->res.v[index];
    if (r->status != EC_RESERVATION_STATUS_COMMITTED) return wrong_state(r, "ship", err);
    EC_TRY(sum_lines(inv, r, err));
    for (size_t k = 0; k < inv->plan.n; k++) {
        const ec__inv_stock *s = &inv->stock.v[inv->plan.v[k].stock];
        EC_FAIL_IF(s->on_hand - inv->plan.v[k].qty < -EC_INVENTORY_MAX_STOCK, err,
                   EC_LIMIT_EXCEEDED, "id", "on_hand of \"%.128s\" would fall below %lld",
                   inv->skus.v[s->sku].name.p, (long long)-EC_INVENTORY_MAX_STOCK);
    }
    EC_TRY(describe(inv, index, result, EC_RESERVATION_STATUS_SHIPPED, r->order.p, err));
    ec__inv_hold(inv, r, -1);
    for (uint32_t i = 0; i < r->nlines; i++) {
        ec__inv_line *l = &r->lines[i];
        inv->stock.v[l->stock].on_hand -= ec__inv_line_open(l);
        l->shipped += (uint32_t)ec__inv_line_open(l);
        ec__inv_touch_stock(inv, l->stock);
    }
    r->hold = EC__HOLD_NONE;
    r->status = EC_RESERVATION_STATUS_SHIPPED;
    ec__inv_touch_res(inv, index);
    return EC_OK;
}

/* ---- expire, available, get ---------------------------------------------------------------- */

ec_status ec_inventory_expire(ec_inventory *inv, int64_t at_us, ec_inventory_result *result,
                              ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    if (result) ec__inv_result_clear(result);
    ec__inv_sync(inv, at_us);
    EC_FAIL_IF(!ec__inv_lapsed_collect(inv), err, EC_NO_MEMORY, NULL, NULL);
    EC_FAIL_IF(result && !ec__inv_result_fit_expired(result, inv->expiring.n), err, EC_NO_MEMORY,
               NULL, NULL);
    for (size_t i = 0; result && i < inv->expiring.n; i++)
        ec__inv_result_add_expired(result, inv->expiring.v[i].id);
    EC_FAIL_IF(!ec__inv_result_ready(result), err, EC_NO_MEMORY, NULL, NULL);
    for (size_t i = 0; i < inv->expiring.n; i++) {
        ec__inv_res *r = &inv->res.v[inv->expiring.v[i].res];
        r->status = EC_RESERVATION_STATUS_EXPIRED;
        r->hold = EC__HOLD_NONE;
        ec__inv_touch_res(inv, inv->expiring.v[i].res);
    }
    ec__inv_lapsed_clear(inv);
    return EC_OK;
}

ec_status ec_inventory_available(ec_inventory *inv, const char *sku, int64_t at_us,
                                 ec_inventory_result *result, ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    if (result) ec__inv_result_clear(result);
    size_t n = 0;
    EC_TRY(ec__inv_check_id(sku, "sku", &n, err));
    ec__inv_sync(inv, at_us);
    uint32_t k = ec__inv_find_sku(inv, sku, n);
    size_t count = k == EC__INV_NONE ? 0 : inv->skus.v[k].count;
    EC_FAIL_IF(result && !ec__inv_result_fit_locations(result, count), err, EC_NO_MEMORY, NULL,
               NULL);
    int64_t total = 0;
    for (uint32_t e = count ? inv->skus.v[k].first : EC__INV_NONE; e != EC__INV_NONE;
         e = inv->stock.v[e].next) {
        int64_t avail = ec__inv_free(&inv->stock.v[e]);
        EC_FAIL_IF(__builtin_add_overflow(total, avail, &total), err, EC_OVERFLOW, NULL,
                   "the availability of \"%.128s\" does not fit in 64 bits", sku);
        if (result) ec__inv_result_add_location(result, inv->locs.v[inv->stock.v[e].loc].p, avail);
    }
    if (result) ec__inv_result_set_available(result, sku, n, total);
    return EC_OK;
}

ec_status ec_inventory_get(const ec_inventory *inv, const char *id, ec_inventory_result *result,
                           ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    if (result) ec__inv_result_clear(result);
    uint32_t index = EC__INV_NONE;
    EC_TRY(find(inv, id, &index, err));
    return answer(inv, index, result, 0);
}
