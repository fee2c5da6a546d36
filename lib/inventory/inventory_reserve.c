/* inventory_reserve.c - reserve: all lines or none (docs/reference/inventory.md).
 *
 * Three phases, so that a failure leaves the inventory as it was:
 * 1. demand: lines of one SKU are added up (first-appearance order), and an
 *    id seen before is answered from the stored reservation;
 * 2. plan: each SKU's demand is placed on stock entries, reading only;
 * 3. resources (arena copy, array and index room), then the changes, none
 *    of which can fail. */
#include <string.h>

#include "inventory/inventory_internal.h"

static ec_status check_request(const ec_inventory_request *req, int64_t *expires_at, ec_error *err)
{
    EC_FAIL_IF(!req->id.p, err, EC_INVALID_FIELD, "id", "id is required");
    EC_FAIL_IF(!req->has_at, err, EC_INVALID_FIELD, "at", "at is required");
    EC_FAIL_IF(!req->has_ttl, err, EC_INVALID_FIELD, "ttl_seconds", "ttl_seconds is required");
    EC_FAIL_IF(req->lines.n == 0, err, EC_INVALID_FIELD, "lines",
               "a reservation needs at least one line");
    EC_FAIL_IF(req->at < EC__INV_TIME_MIN || req->at > EC__INV_TIME_MAX, err, EC_INVALID_FIELD,
               "at", "at must lie in the years 0000 to 9999");
    *expires_at = req->at + req->ttl * 1000000;
    EC_FAIL_IF(*expires_at > EC__INV_TIME_MAX, err, EC_INVALID_FIELD, "ttl_seconds",
               "the reservation would expire after the year 9999");
    return EC_OK;
}

/* ---- phase 1: demand ------------------------------------------------------------- */

static int same_sku(const ec_inventory_request *req, const ec__inv_demand *d, uint32_t sku,
                    const ec__inv_name *name)
{
    if (d->sku != EC__INV_NONE || sku != EC__INV_NONE) return d->sku == sku;
    const ec__inv_name *first = &req->lines.v[d->first].sku;
    return first->n == name->n && memcmp(first->p, name->p, name->n) == 0;
}

static ec_status add_demand(ec_inventory *inv, const ec_inventory_request *req, ec_error *err)
{
    inv->demand.n = 0;
    for (uint32_t i = 0; i < req->lines.n; i++) {
        const ec__inv_req_line *l = &req->lines.v[i];
        uint32_t sku = ec__inv_find_sku(inv, l->sku.p, l->sku.n);
        size_t k = 0;
        while (k < inv->demand.n && !same_sku(req, &inv->demand.v[k], sku, &l->sku)) k++;
        if (k < inv->demand.n) {
            inv->demand.v[k].qty += l->qty;
            continue;
        }
        EC_FAIL_IF(!EC__INV_VEC_FIT(inv->alloc, inv->demand, k + 1), err, EC_NO_MEMORY, NULL, NULL);
        inv->demand.v[inv->demand.n++] = (ec__inv_demand){sku, i, l->qty};
    }
    return EC_OK;
}

/* The same demand per SKU as stored reservation r (line order is free). */
static int same_demand(const ec_inventory *inv, const ec__inv_res *r)
{
    int64_t total = 0;
    for (uint32_t i = 0; i < r->nlines; i++) total += r->lines[i].qty;
    for (size_t k = 0; k < inv->demand.n; k++) {
        const ec__inv_demand *d = &inv->demand.v[k];
        if (d->sku == EC__INV_NONE) return 0;
        int64_t have = 0;
        for (uint32_t i = 0; i < r->nlines; i++)
            if (inv->stock.v[r->lines[i].stock].sku == d->sku) have += r->lines[i].qty;
        if (have != d->qty) return 0;
        total -= have;
    }
    return total == 0;
}

static ec_status answer_duplicate(ec_inventory *inv, uint32_t index, ec_inventory_result *result,
                                  ec_error *err)
{
    const ec__inv_res *r = &inv->res.v[index];
    if (!same_demand(inv, r))
        return ec__fail(err, EC_IDEMPOTENCY_CONFLICT, "id",
                        "reservation \"%.128s\" exists with other lines", r->id.p);
    if (result) ec__inv_result_reservation(result, inv, index, 1);
    return EC_OK;
}

/* ---- phase 2: plan ----------------------------------------------------------------- */

/* The eligible stock entries of a SKU, in fill order: the request's
 * locations (resolved in inv->scratch) or the SKU's own, by name. */
typedef struct cursor {
    const ec_inventory *inv;
    uint32_t sku, next_entry;
    size_t next_loc;
    int listed;
} cursor;

static uint32_t cursor_next(cursor *c)
{
    const ec_inventory *inv = c->inv;
    if (!c->listed) {
        uint32_t e = c->next_entry;
        if (e != EC__INV_NONE) c->next_entry = inv->stock.v[e].next;
        return e;
    }
    while (c->next_loc < inv->scratch.n) {
        uint32_t loc = inv->scratch.v[c->next_loc++];
        uint32_t e = loc == EC__INV_NONE ? EC__INV_NONE : ec__inv_find_stock(inv, c->sku, loc);
        if (e != EC__INV_NONE) return e;
    }
    return EC__INV_NONE;
}

static ec_status plan_add(ec_inventory *inv, uint32_t stock, uint32_t line, int64_t qty,
                          ec_error *err)
{
    EC_FAIL_IF(!EC__INV_VEC_FIT(inv->alloc, inv->plan, inv->plan.n + 1), err, EC_NO_MEMORY, NULL,
               NULL);
    inv->plan.v[inv->plan.n++] = (ec__inv_plan){stock, line, qty};
    return EC_OK;
}

static int64_t add_capped(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Place one SKU's demand; *short_of receives what was available when it
 * does not fit (-1 when it does). */
static ec_status place(ec_inventory *inv, const ec_inventory_request *req, const ec__inv_demand *d,
                       int64_t *short_of, ec_error *err)
{
    cursor c = {inv, d->sku, EC__INV_NONE, 0, req->locations.n > 0};
    if (d->sku != EC__INV_NONE) c.next_entry = inv->skus.v[d->sku].first;
    int64_t need = d->qty, seen = 0;
    for (uint32_t e = d->sku == EC__INV_NONE ? EC__INV_NONE : cursor_next(&c); e != EC__INV_NONE;
         e = cursor_next(&c)) {
        int64_t avail = ec__inv_free(&inv->stock.v[e]);
        if (req->strategy == EC_INVENTORY_SINGLE) {
            if (avail >= need) {
                *short_of = -1;
                return plan_add(inv, e, d->first, need, err);
            }
            seen = avail > seen ? avail : seen;
            continue;
        }
        seen = add_capped(seen, avail);
        int64_t take = avail < need ? avail : need;
        if (take > 0) EC_TRY(plan_add(inv, e, d->first, take, err));
        if ((need -= take) == 0) {
            *short_of = -1;
            return EC_OK;
        }
    }
    *short_of = seen;
    return EC_OK;
}

static ec_status plan_all(ec_inventory *inv, const ec_inventory_request *req,
                          ec_inventory_result *result, ec_error *err)
{
    inv->plan.n = inv->scratch.n = 0;
    EC_FAIL_IF(!EC__INV_VEC_FIT(inv->alloc, inv->scratch, req->locations.n), err, EC_NO_MEMORY,
               NULL, NULL);
    for (size_t i = 0; i < req->locations.n; i++)
        inv->scratch.v[inv->scratch.n++] =
            ec__inv_find_loc(inv, req->locations.v[i].p, req->locations.v[i].n);
    for (size_t k = 0; k < inv->demand.n; k++) {
        const ec__inv_demand *d = &inv->demand.v[k];
        int64_t short_of = -1;
        EC_TRY(place(inv, req, d, &short_of, err));
        if (short_of < 0) continue;
        const ec__inv_name *sku = &req->lines.v[d->first].sku;
        if (result) ec__inv_result_shortage(result, sku->p, sku->n, NULL, d->qty, short_of);
        ec__fail(err, EC_INSUFFICIENT_STOCK, NULL,
                 "not enough \"%.128s\": %lld requested, %lld available", sku->p, (long long)d->qty,
                 (long long)short_of);
        ec__error_field(err, "lines[%u].quantity", d->first);
        return EC_INSUFFICIENT_STOCK;
    }
    return EC_OK;
}

/* ---- phase 3: resources and changes ------------------------------------------------------ */

/* The reservation's lines (filled from the plan) and id in one new arena
 * block: not yet part of the inventory, so filling it changes nothing. */
static ec__inv_line *take_block(ec_inventory *inv, const ec__inv_name *id, const char **id_copy)
{
    size_t bytes = inv->plan.n * sizeof(ec__inv_line);
    unsigned char *p = ec__arena_alloc(&inv->arena, bytes + id->n + 1);
    if (!p) return NULL;
    ec__inv_line *lines = (ec__inv_line *)(void *)p;
    for (size_t i = 0; i < inv->plan.n; i++)
        lines[i] = (ec__inv_line){inv->plan.v[i].stock, (uint32_t)inv->plan.v[i].qty, 0, 0, 0};
    memcpy(p + bytes, id->p, id->n);
    p[bytes + id->n] = '\0';
    *id_copy = (const char *)p + bytes;
    return lines;
}

static ec_status prepare(ec_inventory *inv, const ec_inventory_request *req, ec__inv_line **lines,
                         const char **id, ec_error *err)
{
    EC_FAIL_IF(inv->res.n >= EC_INVENTORY_MAX_ENTRIES, err, EC_LIMIT_EXCEEDED, NULL,
               "the inventory holds %d reservations already", EC_INVENTORY_MAX_ENTRIES);
    int ok = EC__INV_VEC_FIT(inv->alloc, inv->res, inv->res.n + 1) &&
             ec__inv_table_reserve(&inv->res_index, 1) &&
             ec__inv_expiry_reserve(inv, req->at + req->ttl * 1000000, req->ttl) &&
             (*lines = take_block(inv, &req->id, id)) != NULL;
    return ok ? EC_OK : ec__fail(err, EC_NO_MEMORY, NULL, NULL);
}

static void create(ec_inventory *inv, const ec_inventory_request *req, ec__inv_line *lines,
                   const char *id, int64_t expires_at)
{
    for (size_t i = 0; i < inv->plan.n; i++) inv->stock.v[lines[i].stock].held += lines[i].qty;
    uint32_t index = (uint32_t)inv->res.n++;
    inv->res.v[index] = (ec__inv_res){.id = {id, req->id.n},
                                      .lines = lines,
                                      .expires_at = expires_at,
                                      .nlines = (uint32_t)inv->plan.n,
                                      .next_changed = EC__INV_NONE,
                                      .status = EC_RESERVATION_STATUS_ACTIVE,
                                      .hold = EC__HOLD_ACTIVE};
    ec__inv_set_head(inv->res.v[index].head, id, req->id.n);
    ec__inv_table_insert(&inv->res_index, ec__strhash(id, req->id.n), index);
    ec__inv_expiry_push(inv, index);
    ec__inv_touch_res(inv, index);
}

ec_status ec_inventory_reserve(ec_inventory *inv, const ec_inventory_request *req,
                               ec_inventory_result *result, ec_error *err)
{
    EC_FAIL_IF(!inv || !req, err, EC_MISUSE, NULL, "inventory and request are required");
    if (result) ec__inv_result_clear(result);
    int64_t expires_at = 0;
    EC_TRY(check_request(req, &expires_at, err));
    ec__inv_sync(inv, req->at);
    EC_TRY(add_demand(inv, req, err));
    uint32_t existing = ec__inv_find_res(inv, req->id.p, req->id.n);
    if (existing != EC__INV_NONE) return answer_duplicate(inv, existing, result, err);
    EC_TRY(plan_all(inv, req, result, err));
    ec__inv_line *lines = NULL;
    const char *id = NULL;
    EC_TRY(prepare(inv, req, &lines, &id, err));
    if (result) {
        ec__inv_result_planned(result, inv, id, expires_at, lines, inv->plan.n);
        EC_FAIL_IF(!ec__inv_result_ready(result), err, EC_NO_MEMORY, NULL, NULL);
    }
    create(inv, req, lines, id, expires_at);
    return EC_OK;
}
