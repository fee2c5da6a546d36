/* inventory_result.c - what an inventory operation answers.
 *
 * A result points into the inventory rather than copying: a reservation's
 * lines are its line block, which lives as long as the inventory, and names
 * are looked up only when an accessor asks (a caller that only needs the
 * status pays nothing for them).  Only the shortage SKU and the SKU of
 * available are copied: they may be names the inventory never stored. */
#include <string.h>

#include "inventory/inventory_internal.h"

typedef struct result_location {
    const char *name;
    int64_t available;
} result_location;

struct ec_inventory_result {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    const char *id, *order;
    int32_t status, duplicate;
    int64_t expires_at;
    const ec_inventory *inv; /* of the lines */
    const ec__inv_line *lines;
    size_t nlines;
    const char *sku, *location;
    int64_t on_hand, safety, backorder, available;
    EC__INV_VEC(result_location) locations;
    EC__INV_VEC(const char *) expired;
    int has_shortage;
    char short_sku[129], short_loc[129], sku_copy[129];
    int64_t short_requested, short_available;
    ec__inv_ready_fn ready;
    void *ready_ctx;
};

ec_inventory_result *ec_inventory_result_new(void)
{
    return ec_inventory_result_new_ex(NULL);
}

ec_inventory_result *ec_inventory_result_new_ex(const ec_allocator *alloc)
{
    ec_inventory_result *r = ec__calloc(alloc, 1, sizeof *r);
    if (!r) return NULL;
    if (alloc) {
        r->alloc_copy = *alloc;
        r->alloc = &r->alloc_copy;
    }
    ec__inv_result_clear(r);
    return r;
}

void ec_inventory_result_free(ec_inventory_result *r)
{
    if (!r) return;
    ec__dealloc(r->alloc, r->locations.v);
    ec__dealloc(r->alloc, r->expired.v);
    ec_allocator copy = r->alloc_copy;
    ec__dealloc(r->alloc ? &copy : NULL, r);
}

void ec__inv_result_clear(ec_inventory_result *r)
{
    r->id = r->order = r->sku = r->location = NULL;
    r->status = -1;
    r->duplicate = 0;
    r->expires_at = r->on_hand = r->safety = r->backorder = r->available = 0;
    r->inv = NULL;
    r->lines = NULL;
    r->nlines = r->locations.n = r->expired.n = 0;
    r->has_shortage = 0;
    r->short_requested = r->short_available = 0;
}

void ec__inv_result_reservation(ec_inventory_result *r, const ec_inventory *inv, uint32_t index,
                                int duplicate)
{
    const ec__inv_res *res = &inv->res.v[index];
    r->id = res->id.p;
    r->order = res->order.p;
    r->status = res->status;
    r->expires_at = res->expires_at;
    r->duplicate = duplicate;
    r->inv = inv;
    r->lines = res->lines;
    r->nlines = res->nlines;
}

void ec__inv_result_levels(ec_inventory_result *r, const char *sku, const char *loc,
                           int64_t on_hand, int64_t safety, int64_t backorder)
{
    r->sku = sku;
    r->location = loc;
    r->on_hand = on_hand;
    r->safety = safety;
    r->backorder = backorder;
}

void ec__inv_result_outcome(ec_inventory_result *r, int32_t status, const char *order)
{
    r->status = status;
    r->order = order;
}

void ec__inv_result_planned(ec_inventory_result *r, const ec_inventory *inv, const char *id,
                            int64_t expires_at, const ec__inv_line *lines, size_t n)
{
    r->id = id;
    r->order = NULL;
    r->status = EC_RESERVATION_STATUS_ACTIVE;
    r->expires_at = expires_at;
    r->duplicate = 0;
    r->inv = inv;
    r->lines = lines;
    r->nlines = n;
}

void ec__inv_result_on_ready(ec_inventory_result *r, ec__inv_ready_fn fn, void *ctx)
{
    r->ready = fn;
    r->ready_ctx = ctx;
}

int ec__inv_result_ready(ec_inventory_result *r)
{
    return !r || !r->ready || r->ready(r->ready_ctx, r);
}

static void copy_bounded(char *dst, const char *src, size_t n)
{
    n = n > 128 ? 128 : n;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void ec__inv_result_shortage(ec_inventory_result *r, const char *sku, size_t sku_len,
                             const char *loc, int64_t requested, int64_t available)
{
    r->has_shortage = 1;
    copy_bounded(r->short_sku, sku, sku_len);
    copy_bounded(r->short_loc, loc ? loc : "", loc ? strlen(loc) : 0);
    r->short_requested = requested;
    r->short_available = available;
}

int ec__inv_result_fit_locations(ec_inventory_result *r, size_t n)
{
    return EC__INV_VEC_FIT(r->alloc, r->locations, n);
}

void ec__inv_result_add_location(ec_inventory_result *r, const char *name, int64_t avail)
{
    r->locations.v[r->locations.n++] = (result_location){name, avail};
}

void ec__inv_result_set_available(ec_inventory_result *r, const char *sku, size_t sku_len,
                                  int64_t total)
{
    copy_bounded(r->sku_copy, sku, sku_len);
    r->sku = r->sku_copy;
    r->available = total;
}

int ec__inv_result_fit_expired(ec_inventory_result *r, size_t n)
{
    return EC__INV_VEC_FIT(r->alloc, r->expired, n);
}

void ec__inv_result_add_expired(ec_inventory_result *r, const char *id)
{
    r->expired.v[r->expired.n++] = id;
}

/* ---- accessors ------------------------------------------------------------------------ */

const char *ec_inventory_result_id(const ec_inventory_result *r)
{
    return r ? r->id : NULL;
}
int32_t ec_inventory_result_status(const ec_inventory_result *r)
{
    return r ? r->status : -1;
}
const char *ec_inventory_result_order(const ec_inventory_result *r)
{
    return r ? r->order : NULL;
}
int64_t ec_inventory_result_expires_at(const ec_inventory_result *r)
{
    return r ? r->expires_at : 0;
}
int32_t ec_inventory_result_duplicate(const ec_inventory_result *r)
{
    return r ? r->duplicate : 0;
}
size_t ec_inventory_result_line_count(const ec_inventory_result *r)
{
    return r ? r->nlines : 0;
}

static const ec__inv_stock *line_stock(const ec_inventory_result *r, size_t i)
{
    return r && i < r->nlines ? &r->inv->stock.v[r->lines[i].stock] : NULL;
}

const char *ec_inventory_result_line_sku(const ec_inventory_result *r, size_t i)
{
    const ec__inv_stock *s = line_stock(r, i);
    return s ? r->inv->skus.v[s->sku].name.p : NULL;
}

const char *ec_inventory_result_line_location(const ec_inventory_result *r, size_t i)
{
    const ec__inv_stock *s = line_stock(r, i);
    return s ? r->inv->locs.v[s->loc].p : NULL;
}

int64_t ec_inventory_result_line_quantity(const ec_inventory_result *r, size_t i)
{
    return r && i < r->nlines ? r->lines[i].qty : 0;
}

int64_t ec_inventory_result_line_shipped(const ec_inventory_result *r, size_t i)
{
    return r && i < r->nlines ? r->lines[i].shipped : 0;
}

int64_t ec_inventory_result_line_released(const ec_inventory_result *r, size_t i)
{
    return r && i < r->nlines ? r->lines[i].released : 0;
}

int64_t ec_inventory_result_line_returned(const ec_inventory_result *r, size_t i)
{
    return r && i < r->nlines ? r->lines[i].returned : 0;
}

const char *ec_inventory_result_sku(const ec_inventory_result *r)
{
    return r ? r->sku : NULL;
}
const char *ec_inventory_result_location(const ec_inventory_result *r)
{
    return r ? r->location : NULL;
}
int64_t ec_inventory_result_on_hand(const ec_inventory_result *r)
{
    return r ? r->on_hand : 0;
}
int64_t ec_inventory_result_safety_stock(const ec_inventory_result *r)
{
    return r ? r->safety : 0;
}
int64_t ec_inventory_result_backorder_limit(const ec_inventory_result *r)
{
    return r ? r->backorder : 0;
}
int64_t ec_inventory_result_available(const ec_inventory_result *r)
{
    return r ? r->available : 0;
}
size_t ec_inventory_result_location_count(const ec_inventory_result *r)
{
    return r ? r->locations.n : 0;
}

const char *ec_inventory_result_location_name(const ec_inventory_result *r, size_t i)
{
    return r && i < r->locations.n ? r->locations.v[i].name : NULL;
}

int64_t ec_inventory_result_location_available(const ec_inventory_result *r, size_t i)
{
    return r && i < r->locations.n ? r->locations.v[i].available : 0;
}

size_t ec_inventory_result_expired_count(const ec_inventory_result *r)
{
    return r ? r->expired.n : 0;
}

const char *ec_inventory_result_expired_id(const ec_inventory_result *r, size_t i)
{
    return r && i < r->expired.n ? r->expired.v[i] : NULL;
}

const char *ec_inventory_result_shortage_sku(const ec_inventory_result *r)
{
    return r && r->has_shortage ? r->short_sku : NULL;
}

const char *ec_inventory_result_shortage_location(const ec_inventory_result *r)
{
    return r && r->has_shortage && r->short_loc[0] ? r->short_loc : NULL;
}

int64_t ec_inventory_result_shortage_requested(const ec_inventory_result *r)
{
    return r && r->has_shortage ? r->short_requested : 0;
}

int64_t ec_inventory_result_shortage_available(const ec_inventory_result *r)
{
    return r && r->has_shortage ? r->short_available : 0;
}

const char *ec_reservation_status_name(int32_t status)
{
    static const char *const names[] = {"active", "committed", "released", "expired", "shipped"};
    return status >= 0 && status < 5 ? names[status] : NULL;
}
