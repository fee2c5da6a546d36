/* escrow_ops.c - what moves rights: debit, credit, acknowledge, declare a
 * region lost; and a region's rights for a SKU.
 *
 * Rights are the inventory's availability, so these operations only move
 * a region's share of the stock (on_hand at the SKU's locations) and keep
 * the ledger.  Each checks everything and takes every resource (the
 * ledger's copy of the transfer, room for new stock entries) before its
 * first change. */
#include <string.h>

#include "escrow/escrow_internal.h"
#include "inventory/inventory_internal.h"

/* What a location can give away: its availability, never more than its
 * on_hand (backorder capacity stays where it was set). */
static int64_t spare_of(const ec__inv_stock *s)
{
    int64_t free_units = ec__inv_free(s);
    int64_t on_hand = s->on_hand > 0 ? s->on_hand : 0;
    return free_units < on_hand ? free_units : on_hand;
}

static uint32_t sku_index(ec_inventory *inv, const char *sku)
{
    return ec__inv_find_sku(inv, sku, strlen(sku));
}

ec_status ec_escrow_rights(ec_inventory *inv, const char *sku, int64_t at_us, int64_t *rights,
                           int64_t *spare, ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    ec__esc_name name;
    EC_TRY(ec__esc_name_set(name, sku, "sku", err));
    ec__inv_sync(inv, at_us);
    int64_t r = 0, s = 0;
    uint32_t k = sku_index(inv, name);
    for (uint32_t i = k == EC__INV_NONE ? EC__INV_NONE : inv->skus.v[k].first; i != EC__INV_NONE;
         i = inv->stock.v[i].next) {
        const ec__inv_stock *st = &inv->stock.v[i];
        EC_FAIL_IF(__builtin_add_overflow(r, ec__inv_free(st), &r) ||
                       __builtin_add_overflow(s, spare_of(st), &s),
                   err, EC_OVERFLOW, "sku", "the rights of \"%s\" do not fit in 64 bits", name);
    }
    if (rights) *rights = r;
    if (spare) *spare = s;
    return EC_OK;
}

/* ---- debit ------------------------------------------------------------------------------ */

/* The lines of a debit of `quantity` units of SKU k: the locations with
 * the most to spare first, then by name (the SKU's entries are threaded in
 * name order, so the first of equals wins). */
static ec_status plan_debit(ec_inventory *inv, uint32_t k, int64_t quantity, ec_escrow_transfer *t,
                            ec_error *err)
{
    uint32_t used[EC_ESCROW_MAX_LINES];
    int64_t left = quantity, total = 0;
    for (uint32_t i = k == EC__INV_NONE ? EC__INV_NONE : inv->skus.v[k].first; i != EC__INV_NONE;
         i = inv->stock.v[i].next)
        total += spare_of(&inv->stock.v[i]) < quantity ? spare_of(&inv->stock.v[i]) : quantity;
    EC_FAIL_IF(total < quantity, err, EC_INSUFFICIENT_STOCK, "quantity",
               "%lld units can be spared, %lld asked for", (long long)total, (long long)quantity);
    while (left > 0) {
        EC_FAIL_IF(t->nlines == EC_ESCROW_MAX_LINES, err, EC_LIMIT_EXCEEDED, "quantity",
                   "the units would come from more than %d locations", EC_ESCROW_MAX_LINES);
        uint32_t best = EC__INV_NONE;
        int64_t best_spare = 0;
        for (uint32_t i = inv->skus.v[k].first; i != EC__INV_NONE; i = inv->stock.v[i].next) {
            int taken = 0;
            for (size_t j = 0; j < t->nlines; j++) taken |= used[j] == i;
            if (!taken && spare_of(&inv->stock.v[i]) > best_spare)
                best = i, best_spare = spare_of(&inv->stock.v[i]);
        }
        int64_t q = best_spare < left ? best_spare : left;
        const ec__inv_name *loc = &inv->locs.v[inv->stock.v[best].loc];
        memcpy(t->lines[t->nlines].location, loc->p, loc->n);
        t->lines[t->nlines].location[loc->n] = '\0';
        t->lines[t->nlines].quantity = q;
        used[t->nlines++] = best;
        t->total += q;
        left -= q;
    }
    return EC_OK;
}

/* Move the transfer's units: -1 takes them out of inv, +1 puts them in. */
static ec_status move_units(ec_inventory *inv, const ec_escrow_transfer *t, int sign, ec_error *err)
{
    const char *locs[EC_ESCROW_MAX_LINES];
    int64_t deltas[EC_ESCROW_MAX_LINES];
    for (size_t i = 0; i < t->nlines; i++) {
        locs[i] = t->lines[i].location;
        deltas[i] = sign * t->lines[i].quantity;
    }
    return ec__inv_adjust(inv, t->sku, t->nlines, locs, deltas, err);
}

/* An id used before: the same debit again, or a conflict. */
static ec_status debit_again(ec_escrow *e, uint32_t i, const char *sku, const char *to,
                             int64_t quantity, const ec_escrow_transfer **out, int32_t *duplicate,
                             ec_error *err)
{
    const ec__esc_entry *x = &e->entries[i];
    int same = strcmp(x->t->from, e->region) == 0 && strcmp(x->t->sku, sku) == 0 &&
               strcmp(x->t->to, to) == 0 && x->t->total == quantity &&
               x->t->kind == EC_ESCROW_TRANSFER;
    EC_FAIL_IF(!same, err, EC_IDEMPOTENCY_CONFLICT, "id",
               "transfer \"%s\" was made with other content", x->t->id);
    if (out) *out = x->t;
    if (duplicate) *duplicate = 1;
    return EC_OK;
}

ec_status ec_escrow_debit(ec_escrow *e, ec_inventory *inv, const char *id, const char *sku,
                          const char *to, int64_t quantity, int64_t at_us,
                          const ec_escrow_transfer **out, int32_t *duplicate, ec_error *err)
{
    EC_FAIL_IF(!e || !inv, err, EC_MISUSE, NULL, "ledger or inventory is NULL");
    if (duplicate) *duplicate = 0;
    ec__esc_line lines[EC_ESCROW_MAX_LINES];
    ec_escrow_transfer t = {.lines = lines, .cap = EC_ESCROW_MAX_LINES};
    EC_TRY(ec_escrow_transfer_set(&t, id, EC_ESCROW_TRANSFER, e->region, to, sku, at_us, err));
    EC_FAIL_IF(quantity < 1 || quantity > EC_ESCROW_MAX_QUANTITY, err, EC_INVALID_FIELD, "quantity",
               "quantity must be 1 to %lld", (long long)EC_ESCROW_MAX_QUANTITY);
    uint32_t found = ec__esc_find(e, t.id);
    if (found != EC__ESC_NONE)
        return debit_again(e, found, t.sku, t.to, quantity, out, duplicate, err);
    EC_FAIL_IF(ec_escrow_lost(e, t.to), err, EC_INVALID_TRANSITION, "to",
               "region \"%s\" was declared lost: nothing is sent to it", t.to);
    ec__inv_sync(inv, at_us);
    EC_TRY(plan_debit(inv, sku_index(inv, t.sku), quantity, &t, err));
    ec_escrow_transfer *copy = ec__esc_prepare(e, &t);
    EC_FAIL_IF(!copy, err, EC_NO_MEMORY, NULL, NULL);
    ec_status st = move_units(inv, copy, -1, err);
    if (st != EC_OK) {
        ec_escrow_transfer_free(copy);
        return st;
    }
    ec__esc_commit(e, copy, EC_ESCROW_PENDING, 1);
    if (out) *out = copy;
    return EC_OK;
}

/* ---- credit and acknowledge -------------------------------------------------------------- */

ec_status ec_escrow_credit(ec_escrow *e, ec_inventory *inv, const ec_escrow_transfer *t,
                           int32_t *duplicate, ec_error *err)
{
    EC_FAIL_IF(!e || !inv, err, EC_MISUSE, NULL, "ledger or inventory is NULL");
    if (duplicate) *duplicate = 0;
    EC_TRY(ec__esc_transfer_complete(t, err));
    EC_FAIL_IF(strcmp(t->to, e->region) != 0, err, EC_INVALID_FIELD, "to",
               "the transfer is for region \"%s\", not \"%s\"", t->to, e->region);
    int lost = ec_escrow_lost(e, t->from);
    EC_FAIL_IF(lost && t->kind != EC_ESCROW_RECOVERY, err, EC_INVALID_TRANSITION, "from",
               "region \"%s\" was declared lost: its transfers are refused", t->from);
    EC_FAIL_IF(!lost && t->kind == EC_ESCROW_RECOVERY, err, EC_INVALID_TRANSITION, "from",
               "a recovery is taken only from a region declared lost");
    uint32_t found = ec__esc_find(e, t->id);
    if (found != EC__ESC_NONE) {
        const ec__esc_entry *x = &e->entries[found];
        EC_FAIL_IF(x->status != EC_ESCROW_CREDITED || !ec__esc_transfer_same(x->t, t), err,
                   EC_IDEMPOTENCY_CONFLICT, "id", "transfer \"%s\" was credited with other content",
                   t->id);
        if (duplicate) *duplicate = 1;
        return EC_OK;
    }
    ec_escrow_transfer *copy = ec__esc_prepare(e, t);
    EC_FAIL_IF(!copy, err, EC_NO_MEMORY, NULL, NULL);
    ec_status st = move_units(inv, copy, 1, err);
    if (st != EC_OK) {
        ec_escrow_transfer_free(copy);
        return st;
    }
    ec__esc_commit(e, copy, EC_ESCROW_CREDITED, 1);
    return EC_OK;
}

ec_status ec_escrow_acknowledge(ec_escrow *e, const char *id, int32_t *duplicate, ec_error *err)
{
    EC_FAIL_IF(!e, err, EC_MISUSE, NULL, "ledger is NULL");
    if (duplicate) *duplicate = 0;
    ec__esc_name name;
    EC_TRY(ec__esc_name_set(name, id, "id", err));
    uint32_t i = ec__esc_find(e, name);
    EC_FAIL_IF(i == EC__ESC_NONE || strcmp(e->entries[i].t->from, e->region) != 0, err,
               EC_NOT_FOUND, "id", "no transfer \"%s\" was sent from here", name);
    ec__esc_entry *x = &e->entries[i];
    EC_FAIL_IF(x->status == EC_ESCROW_CANCELED, err, EC_INVALID_TRANSITION, "id",
               "transfer \"%s\" was taken back when its region was declared lost, and was "
               "credited all the same: its units are counted twice",
               name);
    if (x->status == EC_ESCROW_DELIVERED) {
        if (duplicate) *duplicate = 1;
        return EC_OK;
    }
    x->status = EC_ESCROW_DELIVERED;
    ec__esc_touch(e, i);
    return EC_OK;
}

/* ---- a region lost for good -------------------------------------------------------------- */

static int taken_back(const ec_escrow *e, const ec__esc_entry *x, const char *region)
{
    return x->status == EC_ESCROW_PENDING && strcmp(x->t->from, e->region) == 0 &&
           strcmp(x->t->to, region) == 0;
}

/* Every pending transfer to `region` can go back without failing: its
 * stock entries are in inv (a debit took the units from there) and stay
 * within bounds even if every such transfer came back to one entry. */
static ec_status check_take_back(const ec_escrow *e, ec_inventory *inv, const char *region,
                                 ec_error *err)
{
    int64_t all = 0;
    for (size_t i = 0; i < e->n; i++)
        if (taken_back(e, &e->entries[i], region)) all += e->entries[i].t->total;
    for (size_t i = 0; i < e->n; i++) {
        const ec_escrow_transfer *t = e->entries[i].t;
        if (!taken_back(e, &e->entries[i], region)) continue;
        uint32_t k = sku_index(inv, t->sku);
        for (size_t j = 0; j < t->nlines; j++) {
            const char *loc = t->lines[j].location;
            uint32_t l = ec__inv_find_loc(inv, loc, strlen(loc));
            uint32_t s = k == EC__INV_NONE || l == EC__INV_NONE ? EC__INV_NONE
                                                                : ec__inv_find_stock(inv, k, l);
            EC_FAIL_IF(s == EC__INV_NONE, err, EC_INVALID_FIELD, "region",
                       "the stock transfer \"%s\" came from is not in the inventory", t->id);
            EC_FAIL_IF(inv->stock.v[s].on_hand > EC_INVENTORY_MAX_STOCK - all, err,
                       EC_LIMIT_EXCEEDED, "region", "on_hand would pass %lld",
                       (long long)EC_INVENTORY_MAX_STOCK);
        }
    }
    return EC_OK;
}

ec_status ec_escrow_declare_lost(ec_escrow *e, ec_inventory *inv, const char *region,
                                 int32_t *duplicate, ec_error *err)
{
    EC_FAIL_IF(!e || !inv, err, EC_MISUSE, NULL, "ledger or inventory is NULL");
    if (duplicate) *duplicate = 0;
    ec__esc_name name;
    EC_TRY(ec__esc_name_set(name, region, "region", err));
    EC_FAIL_IF(strcmp(name, e->region) == 0, err, EC_INVALID_FIELD, "region",
               "a region cannot declare itself lost");
    int again = ec_escrow_lost(e, name);
    EC_TRY(check_take_back(e, inv, name, err));
    EC_FAIL_IF(!again && !ec__esc_lost_room(e), err, EC_NO_MEMORY, NULL, NULL);
    for (size_t i = 0; i < e->n; i++) {
        if (!taken_back(e, &e->entries[i], name)) continue;
        ec_status st = move_units(inv, e->entries[i].t, 1, err);
        if (st != EC_OK) return st; /* checked above: cannot happen */
        e->entries[i].status = EC_ESCROW_CANCELED;
        ec__esc_touch(e, (uint32_t)i);
    }
    if (!again) ec__esc_lost_add(e, name, 1);
    if (duplicate) *duplicate = again;
    return EC_OK;
}
