/* inventory_units.c - some of a reservation's units: ship them, release
 * them, or put shipped ones back into stock.
 *
 * An order ships in parcels, cancels part of what it bought and takes
 * back returns one at a time; its reservation follows unit by unit
 * instead of being released and made again.  A request line names a SKU
 * and a number of units; they are taken from the reservation's lines of
 * that SKU in line order (the order its locations were filled in), so
 * shipped units leave from where they were held and return units go back
 * to where they shipped from.  All lines or none: everything is planned
 * in the plan scratch before the first change. */
#include <string.h>

#include "inventory/inventory_internal.h"

typedef enum units_op { UNITS_SHIP, UNITS_RELEASE, UNITS_RESTOCK } units_op;

static const char *const op_names[] = {"ship", "release", "restock"};

/* Units of line l the operation can still move. */
static int64_t movable(const ec__inv_line *l, units_op op)
{
    return op == UNITS_RESTOCK ? (int64_t)l->shipped - l->returned : ec__inv_line_open(l);
}

static ec_status check_status(const ec__inv_res *r, units_op op, ec_error *err)
{
    int ok = op == UNITS_SHIP      ? r->status == EC_RESERVATION_STATUS_COMMITTED
             : op == UNITS_RELEASE ? r->status == EC_RESERVATION_STATUS_ACTIVE ||
                                         r->status == EC_RESERVATION_STATUS_COMMITTED
                                   : r->status != EC_RESERVATION_STATUS_ACTIVE;
    EC_FAIL_IF(!ok, err, EC_INVALID_TRANSITION, "id",
               "cannot %s units of reservation \"%.128s\": it is %s", op_names[op], r->id.p,
               ec_reservation_status_name(r->status));
    return EC_OK;
}

static ec_status line_fail(ec_error *err, size_t i, const char *what)
{
    ec__error_field(err, "lines[%zu].%s", i, what);
    return EC_INVALID_FIELD;
}

/* Spread request line i over the reservation's lines of its SKU:
 * plan.v[k].qty holds what line k moves so far. */
static ec_status place(ec_inventory *inv, const ec__inv_res *r, const ec__inv_req_line *want,
                       size_t i, units_op op, ec_error *err)
{
    int64_t left = want->qty, could = 0;
    int found = 0;
    for (uint32_t k = 0; k < r->nlines && left > 0; k++) {
        const ec__inv_stock *s = &inv->stock.v[r->lines[k].stock];
        const ec__inv_name *sku = &inv->skus.v[s->sku].name;
        if (sku->n != want->sku.n || memcmp(sku->p, want->sku.p, sku->n) != 0) continue;
        found = 1;
        int64_t room = movable(&r->lines[k], op) - inv->plan.v[k].qty;
        int64_t take = room < left ? room : left;
        inv->plan.v[k].qty += take;
        left -= take;
        could += take;
    }
    if (!found) {
        ec__fail(err, EC_INVALID_FIELD, NULL, "\"%.128s\" is not in the reservation", want->sku.p);
        return line_fail(err, i, "sku");
    }
    if (left > 0) {
        ec__fail(err, EC_INVALID_FIELD, NULL, "\"%.128s\": only %lld more units can be moved",
                 want->sku.p, (long long)could);
        return line_fail(err, i, "quantity");
    }
    return EC_OK;
}

/* on_hand stays within its bounds at every stock entry the plan touches. */
static ec_status check_levels(const ec_inventory *inv, const ec__inv_res *r, units_op op,
                              ec_error *err)
{
    if (op == UNITS_RELEASE) return EC_OK;
    for (uint32_t k = 0; k < r->nlines; k++) {
        int64_t sum = 0;
        for (uint32_t j = 0; j < r->nlines; j++)
            if (r->lines[j].stock == r->lines[k].stock) sum += inv->plan.v[j].qty;
        const ec__inv_stock *s = &inv->stock.v[r->lines[k].stock];
        int64_t after = op == UNITS_SHIP ? s->on_hand - sum : s->on_hand + sum;
        EC_FAIL_IF(after < -EC_INVENTORY_MAX_STOCK || after > EC_INVENTORY_MAX_STOCK, err,
                   EC_LIMIT_EXCEEDED, "lines", "on_hand of \"%.128s\" would leave its bounds",
                   inv->skus.v[s->sku].name.p);
    }
    return EC_OK;
}

static ec_status plan(ec_inventory *inv, const ec__inv_res *r, const ec_inventory_request *req,
                      units_op op, ec_error *err)
{
    EC_FAIL_IF(req->lines.n == 0, err, EC_INVALID_FIELD, "lines", "name the units to %s",
               op_names[op]);
    EC_FAIL_IF(!EC__INV_VEC_FIT(inv->alloc, inv->plan, r->nlines), err, EC_NO_MEMORY, NULL, NULL);
    inv->plan.n = r->nlines;
    for (uint32_t k = 0; k < r->nlines; k++)
        inv->plan.v[k] = (ec__inv_plan){r->lines[k].stock, k, 0};
    for (size_t i = 0; i < req->lines.n; i++) EC_TRY(place(inv, r, &req->lines.v[i], i, op, err));
    return check_levels(inv, r, op, err);
}

/* The status once the plan applied: a reservation that holds nothing any
 * more is shipped when any of its units shipped, else released. */
static int32_t status_after(const ec_inventory *inv, const ec__inv_res *r, units_op op)
{
    if (op == UNITS_RESTOCK) return r->status;
    int any_shipped = 0;
    for (uint32_t k = 0; k < r->nlines; k++) {
        const ec__inv_line *l = &r->lines[k];
        if (ec__inv_line_open(l) > inv->plan.v[k].qty) return r->status;
        any_shipped |= l->shipped > 0 || (op == UNITS_SHIP && inv->plan.v[k].qty > 0);
    }
    return any_shipped ? EC_RESERVATION_STATUS_SHIPPED : EC_RESERVATION_STATUS_RELEASED;
}

static void apply_plan(ec_inventory *inv, uint32_t index, units_op op, int32_t status)
{
    ec__inv_res *r = &inv->res.v[index];
    int holds = r->hold == EC__HOLD_ACTIVE || r->hold == EC__HOLD_COMMITTED;
    for (uint32_t k = 0; k < r->nlines; k++) {
        ec__inv_line *l = &r->lines[k];
        int64_t n = inv->plan.v[k].qty;
        if (!n) continue;
        ec__inv_stock *s = &inv->stock.v[l->stock];
        if (op != UNITS_RESTOCK && holds) s->held -= n;
        if (op == UNITS_SHIP) l->shipped += (uint32_t)n, s->on_hand -= n;
        if (op == UNITS_RELEASE) l->released += (uint32_t)n;
        if (op == UNITS_RESTOCK) l->returned += (uint32_t)n, s->on_hand += n;
        if (op != UNITS_RELEASE) ec__inv_touch_stock(inv, l->stock);
    }
    if (status != r->status) {
        ec__inv_leave_active(inv, r);
        r->status = (uint8_t)status;
    }
    ec__inv_touch_res(inv, index);
}

static ec_status run(ec_inventory *inv, const ec_inventory_request *req, units_op op,
                     ec_inventory_result *result, ec_error *err)
{
    EC_FAIL_IF(!inv || !req, err, EC_MISUSE, NULL, "inventory and request are required");
    if (result) ec__inv_result_clear(result);
    EC_FAIL_IF(!req->id.n, err, EC_INVALID_FIELD, "id", "the reservation's id is required");
    uint32_t index = ec__inv_find_res(inv, req->id.p, req->id.n);
    EC_FAIL_IF(index == EC__INV_NONE, err, EC_NOT_FOUND, "id", "no reservation \"%.128s\"",
               req->id.p);
    const ec__inv_res *r = &inv->res.v[index];
    EC_TRY(check_status(r, op, err));
    EC_TRY(plan(inv, r, req, op, err));
    int32_t status = status_after(inv, r, op);
    if (result) {
        ec__inv_result_reservation(result, inv, index, 0);
        ec__inv_result_outcome(result, status, r->order.p);
        EC_FAIL_IF(!ec__inv_result_ready(result), err, EC_NO_MEMORY, NULL, NULL);
    }
    apply_plan(inv, index, op, status);
    return EC_OK;
}

ec_status ec_inventory_ship_units(ec_inventory *inv, const ec_inventory_request *req,
                                  ec_inventory_result *result, ec_error *err)
{
    return run(inv, req, UNITS_SHIP, result, err);
}

ec_status ec_inventory_release_units(ec_inventory *inv, const ec_inventory_request *req,
                                     ec_inventory_result *result, ec_error *err)
{
    return run(inv, req, UNITS_RELEASE, result, err);
}

ec_status ec_inventory_restock_units(ec_inventory *inv, const ec_inventory_request *req,
                                     ec_inventory_result *result, ec_error *err)
{
    return run(inv, req, UNITS_RESTOCK, result, err);
}
