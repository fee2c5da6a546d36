/* inventory_check.c - an O(size) consistency check for tests and fuzzing.
 *
 * Everything the inventory keeps incrementally is recomputed from the
 * reservations and compared: held per stock entry, the expiry queues and
 * the lapsed stack against each reservation's hold, the indexes and the
 * location order of each SKU.  It allocates nothing, so it works under a
 * failing allocator too. */
#include <string.h>

#include "inventory/inventory_internal.h"

static int loc_order_ok(const ec_inventory *inv, uint32_t a, uint32_t b)
{
    const ec__inv_name *x = &inv->locs.v[inv->stock.v[a].loc],
                       *y = &inv->locs.v[inv->stock.v[b].loc];
    int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
    return c < 0 || (c == 0 && x->n < y->n);
}

static const char *check_skus(const ec_inventory *inv)
{
    size_t linked = 0;
    for (uint32_t k = 0; k < inv->skus.n; k++) {
        const ec__inv_sku *s = &inv->skus.v[k];
        if (ec__inv_find_sku(inv, s->name.p, s->name.n) != k) return "SKU index";
        uint32_t count = 0;
        for (uint32_t e = s->first; e != EC__INV_NONE; e = inv->stock.v[e].next, count++) {
            if (inv->stock.v[e].sku != k) return "stock entry on the wrong SKU list";
            uint32_t next = inv->stock.v[e].next;
            if (next != EC__INV_NONE && !loc_order_ok(inv, e, next)) return "location order";
        }
        if (count != s->count) return "SKU entry count";
        linked += count;
    }
    if (linked != inv->stock.n) return "stock entries missing from SKU lists";
    for (uint32_t l = 0; l < inv->locs.n; l++)
        if (ec__inv_find_loc(inv, inv->locs.v[l].p, inv->locs.v[l].n) != l) return "location index";
    for (uint32_t e = 0; e < inv->stock.n; e++)
        if (ec__inv_find_stock(inv, inv->stock.v[e].sku, inv->stock.v[e].loc) != e)
            return "stock index";
    return NULL;
}

static int holds(const ec__inv_res *r)
{
    return r->hold == EC__HOLD_ACTIVE || r->hold == EC__HOLD_COMMITTED;
}

static const char *check_hold(const ec__inv_res *r, int64_t watermark)
{
    switch (r->status) {
    case EC_RESERVATION_STATUS_ACTIVE:
        if (r->hold == EC__HOLD_ACTIVE && r->expires_at <= watermark)
            return "active past watermark";
        if (r->hold == EC__HOLD_LAPSED && r->expires_at > watermark)
            return "lapsed before watermark";
        if (r->hold != EC__HOLD_ACTIVE && r->hold != EC__HOLD_LAPSED) return "active without hold";
        return NULL;
    case EC_RESERVATION_STATUS_COMMITTED:
        return r->hold == EC__HOLD_COMMITTED ? NULL : "committed without hold";
    default:
        return r->hold == EC__HOLD_NONE ? NULL : "finished reservation holds";
    }
}

/* Each reservation's hold against its status, and the live counts. */
static const char *check_holds(const ec_inventory *inv)
{
    size_t active = 0, lapsed = 0;
    for (uint32_t i = 0; i < inv->res.n; i++) {
        const ec__inv_res *r = &inv->res.v[i];
        const char *why = check_hold(r, inv->watermark);
        if (why) return why;
        if (ec__inv_find_res(inv, r->id.p, r->id.n) != i) return "reservation index";
        active += r->hold == EC__HOLD_ACTIVE;
        lapsed += r->hold == EC__HOLD_LAPSED;
    }
    if (active != inv->heap_live || lapsed != inv->lapsed_live) return "live counts";
    return NULL;
}

/* One queue's entries: keys match, and the number of live ones. */
static const char *check_queue(const ec_inventory *inv, const ec__inv_heap_entry *q, size_t from,
                               size_t n, int heap, size_t *live)
{
    for (size_t i = from; i < n; i++) {
        const ec__inv_heap_entry *e = &q[i];
        const ec__inv_heap_entry *before =
            heap ? (i ? &q[(i - 1) / 2] : NULL) : (i > from ? &q[i - 1] : NULL);
        if (before && e->expires_at < before->expires_at) return heap ? "heap order" : "run order";
        if (e->expires_at != inv->res.v[e->res].expires_at) return "queued key";
        if (inv->res.v[e->res].hold == EC__HOLD_ACTIVE && e->expires_at <= inv->watermark)
            return "queued entry past the watermark";
        *live += inv->res.v[e->res].hold == EC__HOLD_ACTIVE;
    }
    return NULL;
}

static const char *check_expiry(const ec_inventory *inv)
{
    size_t seen = 0, queued = inv->heap.n;
    const char *why = check_queue(inv, inv->heap.v, 0, inv->heap.n, 1, &seen);
    for (int k = 0; !why && k < EC__INV_RUNS; k++) {
        const ec__inv_run *run = &inv->runs[k];
        why = check_queue(inv, run->q.v, run->head, run->q.n, 0, &seen);
        queued += run->q.n - run->head;
    }
    if (why) return why;
    if (seen != inv->heap_live) return "active reservations missing from the queues";
    if (queued != inv->queued) return "queued count";
    seen = 0;
    for (size_t i = 0; i < inv->lapsed.n; i++) {
        const ec__inv_res *r = &inv->res.v[inv->lapsed.v[i]];
        if (i > 0 && inv->res.v[inv->lapsed.v[i - 1]].expires_at > r->expires_at)
            return "lapsed order";
        seen += r->hold == EC__HOLD_LAPSED;
    }
    if (seen != inv->lapsed_live) return "lapsed reservations missing from the stack";
    size_t need = inv->queued + inv->lapsed_live;
    if (inv->heap.cap < need || inv->lapsed.cap < need) return "expiry room";
    return NULL;
}

/* held per entry, recomputed without scratch memory: subtract every
 * holding line from the entry's counter, expect zeros, add them back.  The
 * counters are restored before returning, hence the cast. */
static const char *check_sums(const ec_inventory *inv)
{
    ec__inv_stock *stock = (ec__inv_stock *)inv->stock.v;
    for (uint32_t i = 0; i < inv->res.n; i++) {
        const ec__inv_res *r = &inv->res.v[i];
        if (!holds(r)) continue;
        for (uint32_t l = 0; l < r->nlines; l++)
            stock[r->lines[l].stock].held -= ec__inv_line_open(&r->lines[l]);
    }
    const char *why = NULL;
    for (uint32_t e = 0; e < inv->stock.n; e++)
        if (stock[e].held != stock[e].outside && !why)
            why = "held differs from the holding reservations";
    for (uint32_t i = 0; i < inv->res.n; i++) {
        const ec__inv_res *r = &inv->res.v[i];
        if (!holds(r)) continue;
        for (uint32_t l = 0; l < r->nlines; l++)
            stock[r->lines[l].stock].held += ec__inv_line_open(&r->lines[l]);
    }
    return why;
}

const char *ec__inventory_check(const ec_inventory *inv)
{
    const char *why = check_skus(inv);
    if (!why) why = check_holds(inv);
    if (!why) why = check_expiry(inv);
    if (!why) why = check_sums(inv);
    return why;
}
