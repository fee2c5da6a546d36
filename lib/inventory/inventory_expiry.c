/* inventory_expiry.c - lazy expiry of active reservations.
 *
 * The documents want an active reservation past expires_at to hold nothing in
 * every check, whether or not `expire` ran, and `expire` to cost only what
 * expires.  Both come from a watermark W, the `at` of the latest operation
 * that brought one:
 * - active reservations with expires_at > W are counted in `held` and
 *   queued by expires_at;
 * - those with expires_at <= W are "lapsed": not counted, kept on a stack in
 *   expires_at order (they leave the queues in that order), status still
 *   active until `expire` turns them into expired.
 * Moving W forward takes the earliest queued ones onto the stack; an
 * operation whose `at` lies before W (clocks of two callers disagree) takes
 * the stack back into the queues, so every check is exact at its own `at`.
 *
 * The queues: reservations made with one TTL while time moves forward
 * expire in the order they were made, so a first-in-first-out run per
 * recent TTL holds them (append and pop in O(1), memory touched in order,
 * so the next reservations can be prefetched while one is handled); a
 * binary heap takes everything else (other TTLs, times out of order,
 * rewinds, restored reservations).  The earliest entry is the earliest of
 * the runs' heads and the heap's top.
 *
 * Reservations that are committed or released leave stale entries behind,
 * skipped when met and compacted away once they outnumber the live ones. */
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory_internal.h"

void ec__inv_hold(ec_inventory *inv, const ec__inv_res *r, int sign)
{
    for (uint32_t i = 0; i < r->nlines; i++)
        inv->stock.v[r->lines[i].stock].held += sign * ec__inv_line_open(&r->lines[i]);
}

/* ---- the heap: earliest expires_at first, ties by creation --------------------------- */

static int earlier(const ec__inv_heap_entry *a, const ec__inv_heap_entry *b)
{
    return a->expires_at < b->expires_at || (a->expires_at == b->expires_at && a->res < b->res);
}

static void sift_up(ec__inv_heap_entry *h, size_t i)
{
    ec__inv_heap_entry e = h[i];
    while (i > 0 && earlier(&e, &h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = e;
}

static void sift_down(ec__inv_heap_entry *h, size_t n, size_t i)
{
    ec__inv_heap_entry e = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && earlier(&h[c + 1], &h[c])) c++;
        if (!earlier(&h[c], &e)) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = e;
}

static void heap_add(ec_inventory *inv, ec__inv_heap_entry e)
{
    inv->heap.v[inv->heap.n] = e;
    sift_up(inv->heap.v, inv->heap.n++);
}

/* ---- the queues together ------------------------------------------------------------- */

/* The queue holding the earliest entry: a run index, -1 for the heap, or
 * -2 when every queue is empty. */
static int earliest(const ec_inventory *inv, const ec__inv_heap_entry **e)
{
    int which = -2;
    *e = NULL;
    if (inv->heap.n) {
        *e = &inv->heap.v[0];
        which = -1;
    }
    for (int k = 0; k < EC__INV_RUNS; k++) {
        const ec__inv_run *run = &inv->runs[k];
        if (run->head < run->q.n && (!*e || earlier(&run->q.v[run->head], *e))) {
            *e = &run->q.v[run->head];
            which = k;
        }
    }
    return which;
}

/* The reservations due next in a run are handled soon, each needing its
 * record, then its lines, then their stock entries: start loading them in
 * that order, a few steps apart, so that the loads overlap. */
static void prefetch_ahead(const ec_inventory *inv, const ec__inv_run *run)
{
    size_t h = run->head, n = run->q.n;
    if (h + 8 < n) __builtin_prefetch(&inv->res.v[run->q.v[h + 8].res]);
    if (h + 4 < n) __builtin_prefetch(inv->res.v[run->q.v[h + 4].res].lines);
    if (h + 2 < n) {
        const ec__inv_res *r = &inv->res.v[run->q.v[h + 2].res];
        for (uint32_t i = 0; i < r->nlines && i < 4; i++)
            __builtin_prefetch(&inv->stock.v[r->lines[i].stock]);
    }
}

static ec__inv_heap_entry pop(ec_inventory *inv, int which)
{
    ec__inv_heap_entry top;
    inv->queued--;
    if (which >= 0) {
        ec__inv_run *run = &inv->runs[which];
        prefetch_ahead(inv, run);
        return run->q.v[run->head++];
    }
    top = inv->heap.v[0];
    inv->heap.v[0] = inv->heap.v[--inv->heap.n];
    if (inv->heap.n) sift_down(inv->heap.v, inv->heap.n, 0);
    return top;
}

/* Drop stale entries, keeping each queue's order; O(queued). */
static void compact_queues(ec_inventory *inv)
{
    size_t n = 0, total = 0;
    for (size_t i = 0; i < inv->heap.n; i++)
        if (inv->res.v[inv->heap.v[i].res].hold == EC__HOLD_ACTIVE)
            inv->heap.v[n++] = inv->heap.v[i];
    inv->heap.n = n;
    for (size_t i = n / 2; i-- > 0;) sift_down(inv->heap.v, n, i);
    total = n;
    for (int k = 0; k < EC__INV_RUNS; k++) {
        ec__inv_run *run = &inv->runs[k];
        size_t m = 0;
        for (size_t i = run->head; i < run->q.n; i++)
            if (inv->res.v[run->q.v[i].res].hold == EC__HOLD_ACTIVE) run->q.v[m++] = run->q.v[i];
        run->head = 0;
        run->q.n = m;
        total += m;
    }
    inv->queued = total;
}

static void lapsed_compact(ec_inventory *inv)
{
    size_t n = 0;
    for (size_t i = 0; i < inv->lapsed.n; i++)
        if (inv->res.v[inv->lapsed.v[i]].hold == EC__HOLD_LAPSED)
            inv->lapsed.v[n++] = inv->lapsed.v[i];
    inv->lapsed.n = n;
}

/* The run for a new entry of this TTL that keeps the run sorted, or -1.
 * A run whose entries are all gone may be given to another TTL. */
static int pick_run(ec_inventory *inv, int64_t expires_at, int64_t ttl)
{
    int spare = -1;
    if (ttl <= 0) return -1;
    for (int k = 0; k < EC__INV_RUNS; k++) {
        ec__inv_run *run = &inv->runs[k];
        if (run->ttl == ttl) {
            int fits = run->head == run->q.n || run->q.v[run->q.n - 1].expires_at <= expires_at;
            return fits ? k : -1;
        }
        if (spare < 0 && run->head == run->q.n) spare = k;
    }
    if (spare >= 0) {
        inv->runs[spare].ttl = ttl;
        inv->runs[spare].head = inv->runs[spare].q.n = 0;
    }
    return spare;
}

int ec__inv_expiry_reserve(ec_inventory *inv, int64_t expires_at, int64_t ttl_seconds)
{
    size_t need = inv->queued + inv->lapsed_live + 1;
    if (!EC__INV_VEC_FIT(inv->alloc, inv->heap, need) ||
        !EC__INV_VEC_FIT(inv->alloc, inv->lapsed, need))
        return 0;
    inv->push_to = pick_run(inv, expires_at, ttl_seconds);
    if (inv->push_to < 0) return 1;
    ec__inv_run *run = &inv->runs[inv->push_to];
    if (run->q.n == run->q.cap && run->head > run->q.n / 2) {
        /* reuse the popped front before growing */
        memmove(run->q.v, run->q.v + run->head, (run->q.n - run->head) * sizeof *run->q.v);
        run->q.n -= run->head;
        run->head = 0;
    }
    return EC__INV_VEC_FIT(inv->alloc, run->q, run->q.n + 1);
}

void ec__inv_expiry_push(ec_inventory *inv, uint32_t r)
{
    ec__inv_heap_entry e = {inv->res.v[r].expires_at, r};
    if (inv->push_to >= 0) {
        ec__inv_run *run = &inv->runs[inv->push_to];
        run->q.v[run->q.n++] = e;
    } else {
        heap_add(inv, e);
    }
    inv->push_to = -1;
    inv->queued++;
    inv->heap_live++;
}

void ec__inv_expiry_free(ec_inventory *inv)
{
    for (int k = 0; k < EC__INV_RUNS; k++) ec__dealloc(inv->alloc, inv->runs[k].q.v);
    ec__dealloc(inv->alloc, inv->heap.v);
    ec__dealloc(inv->alloc, inv->lapsed.v);
}

void ec__inv_leave_active(ec_inventory *inv, ec__inv_res *r)
{
    uint8_t was = r->hold;
    r->hold = EC__HOLD_NONE; /* its entry is stale from here on */
    if (was == EC__HOLD_ACTIVE && --inv->heap_live * 2 + 64 < inv->queued) compact_queues(inv);
    if (was == EC__HOLD_LAPSED && --inv->lapsed_live * 2 + 64 < inv->lapsed.n) lapsed_compact(inv);
}

/* ---- moving the watermark ------------------------------------------------------------------ */

static void drain(ec_inventory *inv, int64_t at)
{
    const ec__inv_heap_entry *e = NULL;
    int which;
    while ((which = earliest(inv, &e)) != -2 && e->expires_at <= at) {
        uint32_t r = pop(inv, which).res;
        ec__inv_res *res = &inv->res.v[r];
        if (res->hold != EC__HOLD_ACTIVE) continue;
        inv->heap_live--;
        ec__inv_hold(inv, res, -1);
        res->hold = EC__HOLD_LAPSED;
        /* capacity >= queued + lapsed_live: after compaction it fits */
        if (inv->lapsed.n == inv->lapsed.cap) lapsed_compact(inv);
        inv->lapsed.v[inv->lapsed.n++] = r;
        inv->lapsed_live++;
    }
}

static void rewind_to(ec_inventory *inv, int64_t at)
{
    while (inv->lapsed.n) {
        uint32_t r = inv->lapsed.v[inv->lapsed.n - 1];
        ec__inv_res *res = &inv->res.v[r];
        if (res->expires_at <= at) break;
        inv->lapsed.n--;
        if (res->hold != EC__HOLD_LAPSED) continue;
        inv->lapsed_live--;
        res->hold = EC__HOLD_ACTIVE;
        ec__inv_hold(inv, res, 1);
        heap_add(inv, (ec__inv_heap_entry){res->expires_at, r});
        inv->queued++;
        inv->heap_live++;
    }
}

void ec__inv_sync(ec_inventory *inv, int64_t at)
{
    if (at > inv->watermark)
        drain(inv, at);
    else if (at < inv->watermark)
        rewind_to(inv, at);
    inv->watermark = at;
}

/* ---- what expire needs ------------------------------------------------------------------------
 */

static int by_expiry_then_id(const void *pa, const void *pb)
{
    const ec__inv_expiring *a = pa, *b = pb;
    if (a->expires_at != b->expires_at) return a->expires_at < b->expires_at ? -1 : 1;
    int c = memcmp(a->id, b->id, a->id_len < b->id_len ? a->id_len : b->id_len);
    return c ? c : (a->id_len > b->id_len) - (a->id_len < b->id_len);
}

int ec__inv_lapsed_collect(ec_inventory *inv)
{
    if (!EC__INV_VEC_FIT(inv->alloc, inv->expiring, inv->lapsed_live)) return 0;
    size_t n = 0;
    for (size_t i = 0; i < inv->lapsed.n; i++) {
        const ec__inv_res *r = &inv->res.v[inv->lapsed.v[i]];
        if (i + 8 < inv->lapsed.n) __builtin_prefetch(&inv->res.v[inv->lapsed.v[i + 8]]);
        if (r->hold == EC__HOLD_LAPSED)
            inv->expiring.v[n++] =
                (ec__inv_expiring){r->expires_at, r->id.p, r->id.n, inv->lapsed.v[i]};
    }
    inv->expiring.n = n;
    /* already in expires_at order: only runs of equal instants move */
    if (n > 1) qsort(inv->expiring.v, n, sizeof *inv->expiring.v, by_expiry_then_id);
    return 1;
}

void ec__inv_lapsed_clear(ec_inventory *inv)
{
    inv->lapsed.n = 0;
    inv->lapsed_live = 0;
}
