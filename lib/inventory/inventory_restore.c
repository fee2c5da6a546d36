/* inventory_restore.c - adding a saved reservation (state documents).
 *
 * A saved state is taken as it is: an oversold location stays oversold (a
 * `set` may have made it so), so capacity is not checked here.  What is
 * checked is what the rest of the module relies on: every line names an
 * existing stock entry, and the order goes with the status. */
#include <string.h>

#include "inventory/inventory_internal.h"

typedef struct saved {
    const char *id;
    size_t id_len;
    int32_t status;
    int64_t expires_at;
    const char *order;
    size_t order_len;
    size_t n;
} saved;

static ec_status check_order(const saved *s, ec_error *err)
{
    int needs =
        s->status == EC_RESERVATION_STATUS_COMMITTED || s->status == EC_RESERVATION_STATUS_SHIPPED;
    int refuses =
        s->status == EC_RESERVATION_STATUS_ACTIVE || s->status == EC_RESERVATION_STATUS_EXPIRED;
    EC_FAIL_IF(needs && !s->order, err, EC_INVALID_FIELD, "order",
               "a %s reservation needs its order", ec_reservation_status_name(s->status));
    EC_FAIL_IF(refuses && s->order, err, EC_INVALID_FIELD, "order",
               "an %s reservation has no order", ec_reservation_status_name(s->status));
    return EC_OK;
}

static ec_status check_header(const ec_inventory *inv, saved *s, ec_error *err)
{
    EC_TRY(ec__inv_check_id(s->id, "id", &s->id_len, err));
    EC_FAIL_IF(ec__inv_find_res(inv, s->id, s->id_len) != EC__INV_NONE, err, EC_INVALID_FIELD, "id",
               "reservation \"%.128s\" is listed twice", s->id);
    EC_FAIL_IF(!ec_reservation_status_name(s->status), err, EC_INVALID_FIELD, "status",
               "status must be active, committed, released, expired or shipped");
    EC_FAIL_IF(s->expires_at < EC__INV_TIME_MIN || s->expires_at > EC__INV_TIME_MAX, err,
               EC_INVALID_FIELD, "expires_at", "expires_at must lie in the years 0000 to 9999");
    if (s->order) EC_TRY(ec__inv_check_id(s->order, "order", &s->order_len, err));
    EC_TRY(check_order(s, err));
    EC_FAIL_IF(s->n < 1 || s->n > EC_INVENTORY_MAX_LINES, err, EC_INVALID_FIELD, "lines",
               "a reservation has 1 to %d lines", EC_INVENTORY_MAX_LINES);
    EC_FAIL_IF(inv->res.n >= EC_INVENTORY_MAX_ENTRIES, err, EC_LIMIT_EXCEEDED, NULL,
               "the inventory holds %d reservations already", EC_INVENTORY_MAX_ENTRIES);
    return EC_OK;
}

/* Resolve line i into plan entry i (stock entry and quantity). */
static ec_status resolve_line(ec_inventory *inv, size_t i, const char *sku, const char *loc,
                              int64_t qty, ec_error *err)
{
    size_t sn = 0, ln = 0;
    ec_status st = ec__inv_check_id(sku, "sku", &sn, err);
    if (st == EC_OK) st = ec__inv_check_id(loc, "location", &ln, err);
    if (st == EC_OK && (qty < 1 || qty > EC_INVENTORY_MAX_LINE_QUANTITY))
        st = ec__fail(err, EC_INVALID_FIELD, "quantity", "quantity must be an integer from 1 to %d",
                      EC_INVENTORY_MAX_LINE_QUANTITY);
    uint32_t k = EC__INV_NONE, l = EC__INV_NONE, e = EC__INV_NONE;
    if (st == EC_OK) {
        k = ec__inv_find_sku(inv, sku, sn);
        l = ec__inv_find_loc(inv, loc, ln);
        e = (k == EC__INV_NONE || l == EC__INV_NONE) ? EC__INV_NONE : ec__inv_find_stock(inv, k, l);
        if (e == EC__INV_NONE)
            st = ec__fail(err, EC_INVALID_FIELD, "location",
                          "\"%.128s\" has no stock entry at that location", sku);
    }
    if (st != EC_OK) {
        ec__error_prefix(err, "lines[%zu]", i);
        return st;
    }
    inv->plan.v[i] = (ec__inv_plan){e, (uint32_t)i, qty};
    return EC_OK;
}

static ec_status take_resources(ec_inventory *inv, const saved *s, ec__inv_line **lines,
                                const char **id, const char **order, ec_error *err)
{
    int ok = EC__INV_VEC_FIT(inv->alloc, inv->res, inv->res.n + 1) &&
             ec__inv_table_reserve(&inv->res_index, 1) &&
             (s->status != EC_RESERVATION_STATUS_ACTIVE ||
              ec__inv_expiry_reserve(inv, s->expires_at, 0));
    size_t bytes = s->n * sizeof(ec__inv_line);
    char *p = ok ? ec__arena_alloc(&inv->arena, bytes + s->id_len + 1 + s->order_len + 1) : NULL;
    EC_FAIL_IF(!p, err, EC_NO_MEMORY, NULL, NULL);
    *lines = (ec__inv_line *)(void *)p;
    memcpy(p + bytes, s->id, s->id_len);
    p[bytes + s->id_len] = '\0';
    *id = p + bytes;
    *order = NULL;
    if (s->order) {
        char *o = p + bytes + s->id_len + 1;
        memcpy(o, s->order, s->order_len);
        o[s->order_len] = '\0';
        *order = o;
    }
    return EC_OK;
}

static void add_saved(ec_inventory *inv, const saved *s, ec__inv_line *lines, const char *id,
                      const char *order)
{
    for (size_t i = 0; i < s->n; i++)
        lines[i] = (ec__inv_line){inv->plan.v[i].stock, (uint32_t)inv->plan.v[i].qty, 0, 0, 0};
    uint32_t index = (uint32_t)inv->res.n++;
    ec__inv_res *r = &inv->res.v[index];
    *r = (ec__inv_res){.id = {id, (uint32_t)s->id_len},
                       .order = {order, (uint32_t)s->order_len},
                       .lines = lines,
                       .expires_at = s->expires_at,
                       .nlines = (uint32_t)s->n,
                       .next_changed = EC__INV_NONE,
                       .status = (uint8_t)s->status,
                       .hold = EC__HOLD_NONE};
    ec__inv_set_head(r->head, id, s->id_len);
    ec__inv_table_insert(&inv->res_index, ec__strhash(id, s->id_len), index);
    if (s->status == EC_RESERVATION_STATUS_COMMITTED) {
        r->hold = EC__HOLD_COMMITTED;
        ec__inv_hold(inv, r, 1);
    } else if (s->status == EC_RESERVATION_STATUS_ACTIVE) {
        /* queues hold only reservations later than the watermark: when
         * this one is not, move the watermark back to just before it */
        if (s->expires_at <= inv->watermark) ec__inv_sync(inv, s->expires_at - 1);
        r->hold = EC__HOLD_ACTIVE;
        ec__inv_hold(inv, r, 1);
        ec__inv_expiry_push(inv, index);
    }
}

ec_status ec_inventory_restore_reservation(ec_inventory *inv, const char *id, int32_t status,
                                           int64_t expires_at_us, const char *order, size_t n,
                                           const char *const *skus, const char *const *locations,
                                           const int64_t *quantities, ec_error *err)
{
    EC_FAIL_IF(!inv || (n && (!skus || !locations || !quantities)), err, EC_MISUSE, NULL,
               "inventory and line arrays are required");
    saved s = {id, 0, status, expires_at_us, order, 0, n};
    EC_TRY(check_header(inv, &s, err));
    EC_FAIL_IF(!EC__INV_VEC_FIT(inv->alloc, inv->plan, n), err, EC_NO_MEMORY, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        EC_TRY(resolve_line(inv, i, skus[i], locations[i], quantities[i], err));
    ec__inv_line *lines = NULL;
    const char *id_copy = NULL, *order_copy = NULL;
    EC_TRY(take_resources(inv, &s, &lines, &id_copy, &order_copy, err));
    add_saved(inv, &s, lines, id_copy, order_copy);
    return EC_OK;
}

/* What a saved line went through: units shipped, released and returned.
 * Only open units hold stock, so a holding reservation gives back what
 * its line no longer holds. */
ec_status ec_inventory_restore_progress(ec_inventory *inv, const char *id, size_t line,
                                        int64_t shipped, int64_t released, int64_t returned,
                                        ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    size_t n = 0;
    EC_TRY(ec__inv_check_id(id, "id", &n, err));
    uint32_t index = ec__inv_find_res(inv, id, n);
    EC_FAIL_IF(index == EC__INV_NONE, err, EC_NOT_FOUND, "id", "no reservation \"%.128s\"", id);
    ec__inv_res *r = &inv->res.v[index];
    EC_FAIL_IF(line >= r->nlines, err, EC_INVALID_FIELD, "lines", "no line %zu", line);
    ec__inv_line *l = &r->lines[line];
    EC_FAIL_IF(shipped < 0 || released < 0 || shipped > (int64_t)l->qty - released, err,
               EC_INVALID_FIELD, "shipped",
               "shipped and released must be at least 0 and add up to at most the quantity");
    EC_FAIL_IF(returned < 0 || returned > shipped, err, EC_INVALID_FIELD, "returned",
               "returned must be from 0 to shipped");
    int holds = r->hold == EC__HOLD_ACTIVE || r->hold == EC__HOLD_COMMITTED;
    if (holds)
        inv->stock.v[l->stock].held -= (int64_t)shipped + released - l->shipped - l->released;
    l->shipped = (uint32_t)shipped;
    l->released = (uint32_t)released;
    l->returned = (uint32_t)returned;
    return EC_OK;
}
