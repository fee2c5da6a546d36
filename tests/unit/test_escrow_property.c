/* test_escrow_property.c - a randomized property test of the escrow.
 *
 * Three regions, each with its own inventory and ledger, sell four SKUs
 * at three locations.  A fixed-seed generator drives EC_PROPERTY_OPS
 * operations (default 200,000, over four worlds with their own seeds):
 * reservations, commits, releases, shipments, expiry as time moves on,
 * stock received and counted, debits (some repeated with their id, some
 * asking for more than can be spared), the rebalancing policy's proposals,
 * and a channel between the regions that delivers transfers and
 * acknowledgements in any order, delivers some of them twice, and is cut
 * and healed between pairs of regions (a partition).  In two of the worlds
 * a region is lost for good half-way: the others declare it lost, take
 * back what they had sent it, and an operator recovers what it held; its
 * late messages are refused.  After every operation, for every SKU:
 *
 *     rights held + units in flight + units reserved or committed
 *         = sellable stock
 *
 * where the sellable stock is followed here through receipts, counts and
 * shipments only, and the units in flight are counted incrementally (and
 * recounted from the ledgers every 5,000 operations).  No stock entry
 * holds more than its capacity (no region's rights below zero), every
 * refusal is the one expected and changes nothing, and the inventories
 * stay internally consistent. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"
#include "helpers.h"
#include "inventory/inventory_internal.h"

enum { NREG = 3, NSKU = 4, NLOC = 3, MAXRES = 1 << 16 };

#define SEC INT64_C(1000000)
#define T0 INT64_C(1795860000000000)

static const char *const region_names[NREG] = {"east", "west", "north"};
static const char *const sku_names[NSKU] = {"A", "B", "C", "D"};
static const char *const loc_names[NLOC] = {"l0", "l1", "l2"};

/* ---- deterministic generator (splitmix64) ------------------------------------------------ */

static uint64_t rng_state;
static uint64_t next_u64(void)
{
    return th_splitmix64(&rng_state);
}
static int rnd(int n)
{
    return (int)(next_u64() % (uint64_t)n);
}

/* ---- the world ----------------------------------------------------------------------------- */

typedef struct message {
    int ack; /* 0: a transfer to credit; 1: the acknowledgement of one */
    int from, to;
    ec_escrow_transfer *t; /* the transfer (also for an ack: its id) */
} message;

typedef struct world {
    ec_inventory *inv[NREG];
    ec_escrow *led[NREG];
    int dead; /* the region lost for good, -1 while none */
    int cut[NREG][NREG];
    message *chan;
    size_t nchan, capchan;
    int64_t stock[NSKU];     /* sellable stock, followed through receipts, counts, shipments */
    int64_t in_flight[NSKU]; /* debited, not yet credited or taken back */
    int64_t now;
    int nres[NREG];
    long next_id, ops, failures;
    /* what the run went through, so that a run that missed a case fails */
    long duplicates, refused_late, short_debits, proposals, recoveries;
} world;

static int sku_of(const char *sku)
{
    for (int k = 0; k < NSKU; k++)
        if (strcmp(sku_names[k], sku) == 0) return k;
    return -1;
}

static void fail(world *w, const char *what, ec_status st, const ec_error *e)
{
    if (w->failures++ < 5)
        fprintf(stderr, "\n  op %ld: %s: %s at '%s' (%s)\n", w->ops, what, ec_status_name(st),
                e ? e->field : "", e ? e->message : "");
    CU_FAIL("escrow property violated (see stderr)");
}

static void push(world *w, int ack, int from, int to, const ec_escrow_transfer *t)
{
    if (w->nchan == w->capchan) {
        w->capchan = w->capchan ? w->capchan * 2 : 64;
        w->chan = realloc(w->chan, w->capchan * sizeof *w->chan);
        CU_ASSERT_PTR_NOT_NULL_FATAL(w->chan);
    }
    message *m = &w->chan[w->nchan++];
    *m = (message){ack, from, to, ec_escrow_transfer_new()};
    CU_ASSERT_PTR_NOT_NULL_FATAL(m->t);
    /* a copy through the document: what travels between regions */
    char *doc = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL(ec_escrow_transfer_to_json(t, &doc, &len), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_transfer_from_json(m->t, doc, len, NULL), EC_OK);
    ec_free(doc);
}

static void drop(world *w, size_t i)
{
    ec_escrow_transfer_free(w->chan[i].t);
    w->chan[i] = w->chan[--w->nchan];
}

static void world_init(world *w, uint64_t seed)
{
    memset(w, 0, sizeof *w);
    rng_state = seed;
    w->dead = -1;
    w->now = T0;
    for (int r = 0; r < NREG; r++) {
        w->inv[r] = ec_inventory_new();
        w->led[r] = ec_escrow_new(region_names[r]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(w->inv[r]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(w->led[r]);
    }
    /* stock where it is: each SKU in one or two regions; D has some
     * backorder capacity, which stays where it was set */
    for (int k = 0; k < NSKU; k++)
        for (int r = 0; r < NREG; r++) {
            if (r && rnd(2)) continue;
            for (int l = 0; l < NLOC; l++) {
                int64_t on_hand = rnd(30), back = k == 3 ? 2 : 0, safety = 0;
                CU_ASSERT_EQUAL(ec_inventory_set(w->inv[r], sku_names[k], loc_names[l], on_hand,
                                                 &safety, &back, NULL, NULL),
                                EC_OK);
                w->stock[k] += on_hand + back;
            }
        }
}

static void world_free(world *w)
{
    for (size_t i = 0; i < w->nchan; i++) ec_escrow_transfer_free(w->chan[i].t);
    free(w->chan);
    for (int r = 0; r < NREG; r++) {
        ec_inventory_free(w->inv[r]);
        ec_escrow_free(w->led[r]);
    }
}

static int alive(const world *w, int r)
{
    return r != w->dead;
}

/* A live region, and another one. */
static int some_region(const world *w)
{
    int r;
    do r = rnd(NREG);
    while (!alive(w, r));
    return r;
}

static int other_region(int r)
{
    return (r + 1 + rnd(NREG - 1)) % NREG;
}

/* ---- the invariant ------------------------------------------------------------------------- */

/* Units in flight recounted from the ledgers: debited, not canceled, not
 * credited by the receiver (and, once a region is lost, neither from it
 * nor to it: those were recovered or taken back). */
static int64_t recount_in_flight(const world *w, int k)
{
    int64_t sum = 0;
    for (int s = 0; s < NREG; s++) {
        const ec_escrow_transfer *t = NULL;
        int32_t status = 0;
        for (size_t i = 0; ec_escrow_entry(w->led[s], i, &t, &status); i++) {
            int to = 0;
            while (strcmp(region_names[to], ec_escrow_transfer_to(t)) != 0) to++;
            if (strcmp(ec_escrow_transfer_from(t), region_names[s]) != 0 ||
                status == EC_ESCROW_CANCELED || sku_of(ec_escrow_transfer_sku(t)) != k ||
                !alive(w, s) || !alive(w, to))
                continue;
            if (ec_escrow_find(w->led[to], ec_escrow_transfer_id(t), NULL, NULL, NULL) != EC_OK)
                sum += ec_escrow_transfer_quantity(t);
        }
    }
    return sum;
}

static void check(world *w, int full)
{
    for (int k = 0; k < NSKU; k++) {
        int64_t rights = 0, held = 0;
        for (int r = 0; r < NREG; r++) {
            if (!alive(w, r)) continue;
            ec_inventory *inv = w->inv[r];
            ec__inv_sync(inv, w->now);
            uint32_t s = ec__inv_find_sku(inv, sku_names[k], 1);
            for (uint32_t i = s == EC__INV_NONE ? EC__INV_NONE : inv->skus.v[s].first;
                 i != EC__INV_NONE; i = inv->stock.v[i].next) {
                const ec__inv_stock *e = &inv->stock.v[i];
                rights += ec__inv_free(e);
                held += e->held;
                if (e->held > e->on_hand - e->safety + e->backorder)
                    fail(w, "a location holds more than it has", EC_OK, NULL);
            }
        }
        if (rights + held + w->in_flight[k] != w->stock[k]) {
            char what[160];
            snprintf(what, sizeof what,
                     "SKU %s: rights %" PRId64 " + held %" PRId64 " + in flight %" PRId64
                     " != stock %" PRId64,
                     sku_names[k], rights, held, w->in_flight[k], w->stock[k]);
            fail(w, what, EC_OK, NULL);
        }
        if (full && recount_in_flight(w, k) != w->in_flight[k])
            fail(w, "units in flight recounted differ", EC_OK, NULL);
    }
    for (int r = 0; full && r < NREG; r++)
        if (ec__inventory_check(w->inv[r])) fail(w, ec__inventory_check(w->inv[r]), EC_OK, NULL);
}

/* ---- stock operations ---------------------------------------------------------------------- */

static void res_id(char *buf, size_t size, int r, int n)
{
    snprintf(buf, size, "%s-r%d", region_names[r], n);
}

static void op_reserve(world *w, int r)
{
    if (w->nres[r] == MAXRES) return;
    ec_inventory_request *req = ec_inventory_request_new();
    char id[64];
    res_id(id, sizeof id, r, w->nres[r]++);
    ec_inventory_request_set_id(req, id, NULL);
    ec_inventory_request_set_at(req, w->now, NULL);
    ec_inventory_request_set_ttl(req, 30 + rnd(300), NULL);
    for (int n = 1 + rnd(2), i = 0; i < n; i++)
        ec_inventory_request_add_line(req, sku_names[rnd(NSKU)], 1 + rnd(4), NULL);
    ec_error e;
    ec_status st = ec_inventory_reserve(w->inv[r], req, NULL, &e);
    if (st != EC_OK && st != EC_INSUFFICIENT_STOCK) fail(w, "reserve", st, &e);
    ec_inventory_request_free(req);
}

/* A reservation of region r made before, by number. */
static void some_reservation(world *w, int r, char *id, size_t size)
{
    res_id(id, size, r, w->nres[r] ? rnd(w->nres[r]) : 0);
}

/* Ship a committed reservation: its open units leave the stock. */
static void op_ship(world *w, int r)
{
    char id[64];
    some_reservation(w, r, id, sizeof id);
    ec_inventory_result *res = ec_inventory_result_new();
    int64_t open[NSKU] = {0};
    if (ec_inventory_get(w->inv[r], id, res, NULL) == EC_OK)
        for (size_t i = 0; i < ec_inventory_result_line_count(res); i++)
            open[sku_of(ec_inventory_result_line_sku(res, i))] +=
                ec_inventory_result_line_quantity(res, i) -
                ec_inventory_result_line_shipped(res, i) -
                ec_inventory_result_line_released(res, i);
    if (ec_inventory_ship(w->inv[r], id, NULL, NULL) == EC_OK)
        for (int k = 0; k < NSKU; k++) w->stock[k] -= open[k];
    ec_inventory_result_free(res);
}

static void op_reservation(world *w, int r)
{
    char id[64], order[80];
    some_reservation(w, r, id, sizeof id);
    snprintf(order, sizeof order, "o-%s", id);
    if (rnd(2))
        ec_inventory_commit(w->inv[r], id, order, w->now, NULL, NULL);
    else
        ec_inventory_release(w->inv[r], id, NULL, NULL);
}

static void op_receive(world *w, int r)
{
    int k = rnd(NSKU), q = 1 + rnd(20);
    if (ec_inventory_receive(w->inv[r], sku_names[k], loc_names[rnd(NLOC)], q, NULL, NULL) == EC_OK)
        w->stock[k] += q;
}

/* A count: on_hand moves, never below what reservations hold. */
static void op_count(world *w, int r)
{
    int k = rnd(NSKU);
    const char *loc = loc_names[rnd(NLOC)];
    int64_t on_hand = 0, avail = 0;
    if (ec_inventory_stock(w->inv[r], sku_names[k], loc, &on_hand, NULL, NULL, NULL) != EC_OK)
        return;
    ec__inv_sync(w->inv[r], w->now);
    uint32_t s = ec__inv_find_stock(w->inv[r], ec__inv_find_sku(w->inv[r], sku_names[k], 1),
                                    ec__inv_find_loc(w->inv[r], loc, 2));
    avail = ec__inv_free(&w->inv[r]->stock.v[s]);
    int64_t spare = avail < on_hand ? avail : on_hand;
    int64_t now_on_hand = on_hand - rnd((int)spare + 1) + rnd(6);
    if (ec_inventory_set(w->inv[r], sku_names[k], loc, now_on_hand, NULL, NULL, NULL, NULL) ==
        EC_OK)
        w->stock[k] += now_on_hand - on_hand;
}

/* ---- transfers ---------------------------------------------------------------------------- */

static void debit(world *w, int r, int to, int k, int64_t q)
{
    char id[48];
    snprintf(id, sizeof id, "t%ld", w->next_id++);
    int64_t spare = 0;
    ec_escrow_rights(w->inv[r], sku_names[k], w->now, NULL, &spare, NULL);
    const ec_escrow_transfer *t = NULL;
    int32_t dup = -1;
    ec_error e;
    ec_status st = ec_escrow_debit(w->led[r], w->inv[r], id, sku_names[k], region_names[to], q,
                                   w->now, &t, &dup, &e);
    ec_status want = ec_escrow_lost(w->led[r], region_names[to]) ? EC_INVALID_TRANSITION
                     : q > spare                                 ? EC_INSUFFICIENT_STOCK
                                                                 : EC_OK;
    if (st != want) fail(w, "debit", st, &e);
    w->short_debits += st == EC_INSUFFICIENT_STOCK;
    if (st != EC_OK) return;
    w->in_flight[k] += q;
    push(w, 0, r, to, t);
    if (rnd(8) == 0) { /* the same debit again: the same transfer, nothing moves */
        st = ec_escrow_debit(w->led[r], w->inv[r], id, sku_names[k], region_names[to], q,
                             w->now + SEC, NULL, &dup, &e);
        if (st != EC_OK || dup != 1) fail(w, "debit again", st, &e);
    }
}

static void op_debit(world *w, int r)
{
    int k = rnd(NSKU), to = other_region(r);
    int64_t spare = 0;
    ec_escrow_rights(w->inv[r], sku_names[k], w->now, NULL, &spare, NULL);
    debit(w, r, to, k, 1 + rnd((int)(spare < 40 ? spare : 40) + 2));
}

/* The policy with this world's exact figures and random demand. */
static void op_plan(world *w, int r)
{
    int k = rnd(NSKU);
    ec_escrow_plan *p = ec_escrow_plan_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    ec_escrow_plan_set_policy(p, 60 + rnd(600), 600, 1 + rnd(3), NULL);
    for (int x = 0; x < NREG; x++) {
        int64_t rights = 0;
        if (!alive(w, x)) continue;
        ec_escrow_rights(w->inv[x], sku_names[k], w->now, x == r ? NULL : &rights,
                         x == r ? &rights : NULL, NULL);
        int64_t flight = x == r ? 0 : ec_escrow_in_flight(w->led[r], sku_names[k], region_names[x]);
        ec_escrow_plan_add_region(p, region_names[x], rights, rnd(40), flight, !w->cut[r][x], NULL);
    }
    CU_ASSERT_EQUAL(ec_escrow_plan_run(p, region_names[r], NULL), EC_OK);
    for (size_t i = 0; i < ec_escrow_plan_count(p); i++) {
        int to = 0;
        while (strcmp(region_names[to], ec_escrow_plan_to(p, i)) != 0) to++;
        if (w->cut[r][to]) fail(w, "a proposal to a region out of reach", EC_OK, NULL);
        debit(w, r, to, k, ec_escrow_plan_quantity(p, i));
        w->proposals++;
    }
    ec_escrow_plan_free(p);
}

static int region_of(const char *name)
{
    int r = 0;
    while (strcmp(region_names[r], name) != 0) r++;
    return r;
}

static void deliver_transfer(world *w, const message *m)
{
    int32_t dup = -1;
    ec_error e;
    ec_status st = ec_escrow_credit(w->led[m->to], w->inv[m->to], m->t, &dup, &e);
    if (!alive(w, m->from)) { /* declared lost: refused */
        if (st != EC_INVALID_TRANSITION) fail(w, "credit from a lost region", st, &e);
        w->refused_late++;
        return;
    }
    if (st != EC_OK) fail(w, "credit", st, &e);
    w->duplicates += st == EC_OK && dup;
    if (st == EC_OK && !dup)
        w->in_flight[sku_of(ec_escrow_transfer_sku(m->t))] -= ec_escrow_transfer_quantity(m->t);
    if (st == EC_OK) push(w, 1, m->to, m->from, m->t);
}

static void deliver_ack(world *w, const message *m)
{
    int32_t dup = -1, status = -1;
    ec_error e;
    ec_status st = ec_escrow_acknowledge(w->led[m->to], ec_escrow_transfer_id(m->t), &dup, &e);
    ec_escrow_find(w->led[m->to], ec_escrow_transfer_id(m->t), NULL, &status, NULL);
    /* a transfer taken back from the lost region, which had credited it:
     * the alarm an operator gets (the recovery counted it) */
    if (st == EC_INVALID_TRANSITION && status == EC_ESCROW_CANCELED && !alive(w, m->from)) return;
    if (st != EC_OK) fail(w, "acknowledge", st, &e);
}

/* One message off the channel (unless its pair is cut): now and then it
 * stays for a second delivery later. */
static void op_deliver(world *w)
{
    if (!w->nchan) return;
    size_t i = (size_t)rnd((int)w->nchan);
    message m = w->chan[i];
    if (w->cut[m.from][m.to]) return;
    int keep = rnd(4) == 0;
    if (alive(w, m.to)) {
        if (m.ack)
            deliver_ack(w, &m);
        else
            deliver_transfer(w, &m);
    }
    if (!keep || !alive(w, m.to)) drop(w, i);
}

static void op_cut(world *w)
{
    int a = rnd(NREG), b = other_region(a);
    w->cut[a][b] = w->cut[b][a] = !w->cut[a][b];
}

/* ---- a region lost for good ------------------------------------------------------------------ */

/* What the operator recovers for SKU k (omniscient here): everything the
 * lost region held (its orders are lost with it, so their units are free),
 * what it had sent that nobody credited, less what the others take back
 * although it had credited it. */
static int64_t recovery_units(world *w, int lost, int k)
{
    int64_t units = 0;
    ec_inventory *inv = w->inv[lost];
    ec__inv_sync(inv, w->now);
    uint32_t s = ec__inv_find_sku(inv, sku_names[k], 1);
    for (uint32_t i = s == EC__INV_NONE ? EC__INV_NONE : inv->skus.v[s].first; i != EC__INV_NONE;
         i = inv->stock.v[i].next)
        units += ec__inv_free(&inv->stock.v[i]) + inv->stock.v[i].held;
    for (int x = 0; x < NREG; x++) {
        const ec_escrow_transfer *t = NULL;
        int32_t status = 0;
        for (size_t i = 0; ec_escrow_entry(w->led[x], i, &t, &status); i++) {
            if (sku_of(ec_escrow_transfer_sku(t)) != k || status == EC_ESCROW_CREDITED) continue;
            int to = region_of(ec_escrow_transfer_to(t));
            int credited =
                ec_escrow_find(w->led[to], ec_escrow_transfer_id(t), NULL, NULL, NULL) == EC_OK;
            if (x == lost && !credited && status != EC_ESCROW_CANCELED)
                units += ec_escrow_transfer_quantity(t);
            if (x != lost && to == lost && status == EC_ESCROW_PENDING && credited)
                units -= ec_escrow_transfer_quantity(t);
        }
    }
    return units;
}

/* Take back units an operator's count finds missing: lower on_hand where
 * they are free. */
static void count_down(world *w, int r, int k, int64_t units)
{
    for (int l = 0; l < NLOC && units > 0; l++) {
        int64_t on_hand = 0;
        if (ec_inventory_stock(w->inv[r], sku_names[k], loc_names[l], &on_hand, NULL, NULL, NULL) !=
            EC_OK)
            continue;
        uint32_t s = ec__inv_find_stock(w->inv[r], ec__inv_find_sku(w->inv[r], sku_names[k], 1),
                                        ec__inv_find_loc(w->inv[r], loc_names[l], 2));
        int64_t take = ec__inv_free(&w->inv[r]->stock.v[s]);
        if (take > on_hand) take = on_hand;
        if (take > units) take = units;
        ec_inventory_set(w->inv[r], sku_names[k], loc_names[l], on_hand - take, NULL, NULL, NULL,
                         NULL);
        units -= take;
    }
    if (units) fail(w, "the taken-back units are not there to count down", EC_OK, NULL);
}

static void lose_region(world *w, int lost)
{
    int64_t recover[NSKU];
    for (int k = 0; k < NSKU; k++) recover[k] = recovery_units(w, lost, k);
    w->dead = lost;
    for (int x = 0; x < NREG; x++) {
        if (x == lost) continue;
        ec_error e;
        int32_t dup = -1;
        ec_status st = ec_escrow_declare_lost(w->led[x], w->inv[x], region_names[lost], &dup, &e);
        if (st != EC_OK || dup) fail(w, "declare lost", st, &e);
    }
    int to = (lost + 1) % NREG;
    for (int k = 0; k < NSKU; k++) {
        w->in_flight[k] = recount_in_flight(w, k);
        if (recover[k] < 0) count_down(w, to, k, -recover[k]);
        if (recover[k] <= 0) continue;
        ec_escrow_transfer *t = ec_escrow_transfer_new();
        char id[32];
        snprintf(id, sizeof id, "recovery-%s", sku_names[k]);
        ec_escrow_transfer_set(t, id, EC_ESCROW_RECOVERY, region_names[lost], region_names[to],
                               sku_names[k], w->now, NULL);
        ec_escrow_transfer_add_line(t, "l0", recover[k], NULL);
        ec_error e;
        ec_status st = ec_escrow_credit(w->led[to], w->inv[to], t, NULL, &e);
        if (st != EC_OK) fail(w, "recovery", st, &e);
        w->recoveries++;
        ec_escrow_transfer_free(t);
    }
}

/* ---- the driver ----------------------------------------------------------------------------- */

static void step(world *w)
{
    int r = some_region(w), op = rnd(100);
    if (op < 20)
        op_reserve(w, r);
    else if (op < 32)
        op_reservation(w, r);
    else if (op < 36)
        op_ship(w, r);
    else if (op < 40)
        op_receive(w, r);
    else if (op < 43)
        op_count(w, r);
    else if (op < 50)
        w->now += rnd(60) * SEC;
    else if (op < 52)
        ec_inventory_expire(w->inv[r], w->now, NULL, NULL);
    else if (op < 64)
        op_debit(w, r);
    else if (op < 69)
        op_plan(w, r);
    else if (op < 97)
        op_deliver(w);
    else
        op_cut(w);
}

static void run_world(uint64_t seed, long ops, int lose)
{
    world w;
    world_init(&w, seed);
    for (w.ops = 0; w.ops < ops && w.failures == 0; w.ops++) {
        if (lose && w.ops == ops / 2) lose_region(&w, 2);
        step(&w);
        check(&w, w.ops % 5000 == 0);
    }
    /* heal and drain: everything in flight arrives */
    memset(w.cut, 0, sizeof w.cut);
    while (w.nchan && w.failures == 0) {
        op_deliver(&w);
        check(&w, 0);
    }
    check(&w, 1);
    for (int k = 0; k < NSKU; k++) CU_ASSERT_EQUAL(w.in_flight[k], 0);
    CU_ASSERT(w.duplicates > 0 && w.short_debits > 0 && w.proposals > 0);
    CU_ASSERT(!lose || (w.recoveries > 0 && w.refused_late > 0));
    world_free(&w);
}

static long property_ops(void)
{
    const char *env = getenv("EC_PROPERTY_OPS");
    long ops = env ? atol(env) : 200000;
    return ops > 0 ? ops : 200000;
}

static void test_escrow_property_rights_are_conserved(void)
{
    long ops = property_ops() / 4;
    run_world(0x5EED0001u, ops, 0);
    run_world(0x5EED0002u, ops, 0);
    run_world(0x5EED0003u, ops, 1);
    run_world(0x5EED0004u, ops, 1);
}

static CU_TestInfo property_tests[] = {
    {"test_escrow_property_rights_are_conserved", test_escrow_property_rights_are_conserved},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_escrow_property_suites[] = {
    {"escrow.property", NULL, NULL, NULL, NULL, property_tests},
    CU_SUITE_INFO_NULL,
};
