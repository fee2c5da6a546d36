/* test_inventory_property.c - a randomized property test of the inventory.
 *
 * A fixed-seed generator drives EC_PROPERTY_OPS operations (default
 * 1,000,000; 200,000 under AddressSanitizer) of every kind through the
 * typed API, with ids that repeat, unknown ids and SKUs, named location
 * lists, both strategies, and times that mostly advance but sometimes step
 * back (as two callers' clocks would).  A shadow model kept here, written
 * the naive way (no heap, no lazy expiry: each check scans the
 * reservations that may hold), answers every operation too, and:
 * - every result must equal the shadow's (status, placed lines,
 *   availability, expired ids);
 * - held quantities (active unexpired + committed) never exceed
 *   on_hand - safety_stock + backorder_limit where reserve or commit raised
 *   them;
 * - on_hand changes only by receive, set and ship;
 * - a failed operation changes nothing (touched entries, the reservation,
 *   counts; and now and then the whole state document, byte for byte);
 * - repeating a successful operation with the same id changes nothing;
 * - the library's own held counters equal the shadow's after every
 *   operation on the entries it touched, and on all entries (with the
 *   internal consistency check) every 50,000 operations. */
#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"
#include "helpers.h"
#include "inventory/inventory_internal.h"

enum { NSKU = 24, NLOC = 4, MAXD = 4, MAXL = MAXD * NLOC, RECENT = 4096, MAXJ_S = 30 };

#define SEC INT64_C(1000000)
#define T0 INT64_C(1795860000000000)

/* ---- deterministic generator (splitmix64) ------------------------------------------- */

static uint64_t rng_state;
static uint64_t next_u64(void)
{
    return th_splitmix64(&rng_state);
}
static int rnd(int n)
{
    return (int)(next_u64() % (uint64_t)n);
}

/* ---- the shadow model ------------------------------------------------------------------ */

typedef struct pair {
    int res;
    int64_t qty;
} pair;

typedef struct entry {
    int exists;
    int64_t on_hand, safety, back, committed;
    pair *active; /* reservations that may hold here while active */
    int nactive, capactive;
} entry;

typedef struct sres {
    int status, order, n, nd;
    int64_t exp;
    int ent[MAXL];
    int64_t qty[MAXL];
    int dsku[MAXD];
    int64_t dqty[MAXD];
} sres;

typedef struct model {
    entry e[NSKU][NLOC];
    sres *res;
    int nres, capres;
    int *live; /* active reservations, for expire */
    int nlive, caplive;
    int64_t base, last_at;
} model;

static const char *const loc_names[NLOC] = {"L0", "L1", "L2", "L3"};
static char sku_names[NSKU + 1][16];

static void push_pair(entry *x, int res, int64_t qty)
{
    if (x->nactive == x->capactive) {
        x->capactive = x->capactive ? x->capactive * 2 : 8;
        x->active = realloc(x->active, (size_t)x->capactive * sizeof *x->active);
    }
    x->active[x->nactive++] = (pair){res, qty};
}

/* held at time t: committed plus active reservations not yet expired.
 * Pairs that can never hold again (finished, or expired before any time a
 * later operation may bring) are dropped on the way. */
static int64_t held_at(model *m, entry *x, int64_t t)
{
    int64_t h = x->committed;
    int keep = 0;
    for (int i = 0; i < x->nactive; i++) {
        const sres *r = &m->res[x->active[i].res];
        if (r->status != EC_RESERVATION_STATUS_ACTIVE || r->exp <= m->base - MAXJ_S * SEC) continue;
        x->active[keep++] = x->active[i];
        if (r->exp > t) h += x->active[i].qty;
    }
    x->nactive = keep;
    return h;
}

static int64_t free_at(model *m, int s, int l, int64_t t)
{
    entry *x = &m->e[s][l];
    if (!x->exists) return 0;
    int64_t f = x->on_hand - x->safety - held_at(m, x, t) + x->back;
    return f > 0 ? f : 0;
}

static int64_t cap_of(const entry *x)
{
    return x->on_hand - x->safety + x->back;
}

/* ---- one generated operation ------------------------------------------------------------- */

typedef struct gen_reserve {
    char id[16];
    int nlines, line_sku[8];
    int64_t line_qty[8];
    int nlocs, locs[NLOC + 1]; /* NLOC stands for an unknown location */
    int single;
    int64_t ttl;
} gen_reserve;

/* The shadow's answer to a reserve: status, and lines on success. */
typedef struct plan {
    ec_status st;
    int n, ent[MAXL];
    int64_t qty[MAXL];
    int nd, dsku[MAXD];
    int64_t dqty[MAXD];
    int existing;
} plan;

static int res_index(const model *m, const char *id)
{
    if (id[0] != 'r') return -1;
    int i = atoi(id + 1);
    return i >= 0 && i < m->nres ? i : -1;
}

static void demand_of(const gen_reserve *g, plan *p)
{
    p->nd = 0;
    for (int i = 0; i < g->nlines; i++) {
        int k = 0;
        while (k < p->nd && p->dsku[k] != g->line_sku[i]) k++;
        if (k == p->nd) p->dsku[p->nd] = g->line_sku[i], p->dqty[p->nd++] = 0;
        p->dqty[k] += g->line_qty[i];
    }
}

static int same_demand(const sres *r, const plan *p)
{
    if (r->nd != p->nd) return 0;
    for (int i = 0; i < p->nd; i++) {
        int k = 0;
        while (k < r->nd && r->dsku[k] != p->dsku[i]) k++;
        if (k == r->nd || r->dqty[k] != p->dqty[i]) return 0;
    }
    return 1;
}

static void shadow_reserve(model *m, const gen_reserve *g, int64_t at, plan *p)
{
    demand_of(g, p);
    p->n = 0;
    p->existing = res_index(m, g->id);
    if (p->existing >= 0) {
        p->st = same_demand(&m->res[p->existing], p) ? EC_OK : EC_IDEMPOTENCY_CONFLICT;
        return;
    }
    for (int k = 0; k < p->nd; k++) {
        int s = p->dsku[k];
        int64_t need = p->dqty[k];
        int order[NLOC + 1], n = 0;
        if (g->nlocs) {
            for (int i = 0; i < g->nlocs; i++) order[n++] = g->locs[i];
        } else {
            for (int l = 0; l < NLOC; l++) order[n++] = l;
        }
        for (int i = 0; i < n && need > 0; i++) {
            int l = order[i];
            if (l >= NLOC || s >= NSKU || !m->e[s][l].exists) continue;
            int64_t f = free_at(m, s, l, at);
            int64_t take = g->single ? (f >= need ? need : 0) : (f < need ? f : need);
            if (take <= 0) continue;
            p->ent[p->n] = s * NLOC + l;
            p->qty[p->n++] = take;
            need -= take;
        }
        if (need > 0) {
            p->st = EC_INSUFFICIENT_STOCK;
            return;
        }
    }
    p->st = EC_OK;
}

static void shadow_add(model *m, const plan *p, int64_t exp)
{
    if (m->nres == m->capres) {
        m->capres = m->capres ? m->capres * 2 : 1024;
        m->res = realloc(m->res, (size_t)m->capres * sizeof *m->res);
    }
    sres *r = &m->res[m->nres];
    memset(r, 0, sizeof *r);
    r->status = EC_RESERVATION_STATUS_ACTIVE;
    r->exp = exp;
    r->order = -1;
    r->n = p->n;
    r->nd = p->nd;
    memcpy(r->ent, p->ent, sizeof r->ent);
    memcpy(r->qty, p->qty, sizeof r->qty);
    memcpy(r->dsku, p->dsku, sizeof r->dsku);
    memcpy(r->dqty, p->dqty, sizeof r->dqty);
    for (int i = 0; i < p->n; i++) push_pair(&m->e[0][0] + p->ent[i], m->nres, p->qty[i]);
    if (m->nlive == m->caplive) {
        m->caplive = m->caplive ? m->caplive * 2 : 1024;
        m->live = realloc(m->live, (size_t)m->caplive * sizeof *m->live);
    }
    m->live[m->nlive++] = m->nres++;
}

/* ---- the run ------------------------------------------------------------------------------ */

typedef struct run {
    model m;
    ec_inventory *inv;
    ec_inventory_request *req;
    ec_inventory_result *res;
    long failures, samples, checks;
    long by_code[EC__STATUS_COUNT]; /* failures by status */
} run;

static int failed_once;

#define PCHECK(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            if (!failed_once) {                                                                    \
                fprintf(stderr, "\n  property violated (%s:%d): ", __FILE__, __LINE__);            \
                fprintf(stderr, __VA_ARGS__);                                                      \
                fprintf(stderr, "\n");                                                             \
            }                                                                                      \
            failed_once = 1;                                                                       \
        }                                                                                          \
    } while (0)

static uint32_t lib_entry(run *R, int e)
{
    const ec_inventory *inv = R->inv;
    uint32_t s = ec__inv_find_sku(inv, sku_names[e / NLOC], strlen(sku_names[e / NLOC]));
    uint32_t l = ec__inv_find_loc(inv, loc_names[e % NLOC], 2);
    return s == EC__INV_NONE || l == EC__INV_NONE ? EC__INV_NONE : ec__inv_find_stock(inv, s, l);
}

/* Library entry e against the shadow at the library's current watermark. */
static void compare_entry(run *R, int e, const char *after)
{
    entry *x = &R->m.e[0][0] + e;
    uint32_t k = lib_entry(R, e);
    PCHECK((k != EC__INV_NONE) == x->exists, "entry %d existence after %s", e, after);
    if (k == EC__INV_NONE || !x->exists) return;
    const ec__inv_stock *s = &R->inv->stock.v[k];
    int64_t held = held_at(&R->m, x, R->m.last_at);
    PCHECK(s->on_hand == x->on_hand && s->safety == x->safety && s->backorder == x->back,
           "entry %d levels after %s: %" PRId64 " vs %" PRId64, e, after, s->on_hand, x->on_hand);
    PCHECK(s->held == held, "entry %d held after %s: library %" PRId64 ", shadow %" PRId64, e,
           after, s->held, held);
}

static void sweep(run *R, const char *after)
{
    const char *why = ec__inventory_check(R->inv);
    PCHECK(!why, "inconsistent after %s: %s", after, why ? why : "");
    for (int e = 0; e < NSKU * NLOC; e++) compare_entry(R, e, after);
    R->checks++;
}

static int pick_id(run *R, char *id)
{
    if (R->m.nres == 0 || rnd(20) == 0) {
        snprintf(id, 16, "x%d", rnd(1000));
        return -1;
    }
    int lo = R->m.nres > RECENT ? R->m.nres - RECENT : 0;
    int i = lo + rnd(R->m.nres - lo);
    snprintf(id, 16, "r%d", i);
    return i;
}

static int64_t op_time(run *R)
{
    /* whole seconds, like the TTLs: times often land exactly on an expiry */
    R->m.base += rnd(3) * SEC;
    int64_t at = rnd(10) == 0 ? R->m.base - rnd(MAXJ_S) * SEC : R->m.base;
    R->m.last_at = at;
    return at;
}

/* Snapshot of what a failed operation must not change. */
typedef struct snap {
    size_t nstock, nres;
    int64_t level[MAXL][3];
    int status;
    const char *order;
} snap;

static void take_snap(run *R, const int *ents, int n, const char *id, snap *s)
{
    s->nstock = ec_inventory_stock_count(R->inv);
    s->nres = ec_inventory_reservation_count(R->inv);
    for (int i = 0; i < n; i++) {
        uint32_t k = lib_entry(R, ents[i]);
        const ec__inv_stock *x = k == EC__INV_NONE ? NULL : &R->inv->stock.v[k];
        s->level[i][0] = x ? x->on_hand : -1;
        s->level[i][1] = x ? x->safety : -1;
        s->level[i][2] = x ? x->backorder : -1;
    }
    s->status = -1;
    s->order = NULL;
    if (id && ec_inventory_get(R->inv, id, R->res, NULL) == EC_OK) {
        s->status = ec_inventory_result_status(R->res);
        s->order = ec_inventory_result_order(R->res);
    }
}

static void expect_unchanged(run *R, const int *ents, int n, const char *id, const snap *before,
                             const char *what)
{
    snap after;
    take_snap(R, ents, n, id, &after);
    PCHECK(after.nstock == before->nstock && after.nres == before->nres, "%s changed counts", what);
    PCHECK(memcmp(after.level, before->level, sizeof(int64_t) * 3 * (size_t)n) == 0,
           "%s changed stock", what);
    PCHECK(after.status == before->status && after.order == before->order,
           "%s changed reservation %s", what, id ? id : "");
}

/* Every failure now and then: the whole state document, byte for byte. */
static char *maybe_state(run *R, int sample)
{
    char *doc = NULL;
    if (sample) ec_inventory_to_json(R->inv, &doc, NULL);
    return doc;
}

static void check_state_same(char *before, run *R, const char *what)
{
    if (!before) return;
    char *after = NULL;
    ec_inventory_to_json(R->inv, &after, NULL);
    PCHECK(after && strcmp(before, after) == 0, "%s changed the state document", what);
    R->samples++;
    ec_free(before);
    ec_free(after);
}

/* ---- the operations, each answered by the shadow and the library ---------------------- */

static void setup_stock(run *R)
{
    for (int s = 0; s < NSKU; s++)
        for (int l = 0; l < NLOC; l++) {
            if (rnd(10) >= 7 && !(l == NLOC - 1 && s % 3 == 0)) continue;
            entry *x = &R->m.e[s][l];
            x->exists = 1;
            x->on_hand = rnd(20);
            x->safety = rnd(4) == 0 ? rnd(3) : 0;
            x->back = rnd(5) == 0 ? rnd(3) : 0;
            ec_inventory_set(R->inv, sku_names[s], loc_names[l], x->on_hand, &x->safety, &x->back,
                             NULL, NULL);
        }
}

static void lines_match(run *R, const int *ent, const int64_t *qty, int n, const char *what)
{
    int ok = (int)ec_inventory_result_line_count(R->res) == n;
    for (int i = 0; ok && i < n; i++)
        ok = strcmp(ec_inventory_result_line_sku(R->res, i), sku_names[ent[i] / NLOC]) == 0 &&
             strcmp(ec_inventory_result_line_location(R->res, i), loc_names[ent[i] % NLOC]) == 0 &&
             ec_inventory_result_line_quantity(R->res, i) == qty[i];
    PCHECK(ok, "%s: placed lines differ from the shadow's", what);
}

static void generate_reserve(run *R, gen_reserve *g)
{
    int reuse = R->m.nres > 0 && rnd(7) == 0;
    int from = reuse ? pick_id(R, g->id) : -1;
    if (from < 0) snprintf(g->id, sizeof g->id, "r%d", R->m.nres);
    g->nlines = 0;
    if (from >= 0 && rnd(2)) { /* the same demand, split and reordered */
        const sres *r = &R->m.res[from];
        for (int k = r->nd - 1; k >= 0; k--) {
            int64_t half = r->dqty[k] > 1 && rnd(2) ? r->dqty[k] / 2 : 0;
            if (half) g->line_sku[g->nlines] = r->dsku[k], g->line_qty[g->nlines++] = half;
            g->line_sku[g->nlines] = r->dsku[k], g->line_qty[g->nlines++] = r->dqty[k] - half;
        }
    } else {
        int n = 1 + rnd(MAXD);
        for (int i = 0; i < n; i++) {
            g->line_sku[g->nlines] = rnd(60) == 0 ? NSKU : rnd(NSKU);
            g->line_qty[g->nlines++] = 1 + rnd(4);
        }
    }
    g->nlocs = 0;
    if (rnd(4) == 0) {
        int all[NLOC + 1] = {0, 1, 2, 3, NLOC};
        for (int i = NLOC; i > 0; i--) {
            int j = rnd(i + 1), t = all[i];
            all[i] = all[j], all[j] = t;
        }
        g->nlocs = 1 + rnd(NLOC);
        memcpy(g->locs, all, sizeof all);
    }
    g->single = rnd(10) < 3;
    /* half with a few common TTLs (the per-TTL expiry queues), half with any */
    static const int64_t common[3] = {60, 300, 900};
    g->ttl = rnd(2) ? common[rnd(3)] : 10 + rnd(3600);
}

static ec_status library_reserve(run *R, const gen_reserve *g, int64_t at)
{
    ec_inventory_request *q = R->req;
    ec_inventory_request_reset(q);
    ec_inventory_request_set_id(q, g->id, NULL);
    for (int i = 0; i < g->nlines; i++)
        ec_inventory_request_add_line(q, sku_names[g->line_sku[i]], g->line_qty[i], NULL);
    for (int i = 0; i < g->nlocs; i++)
        ec_inventory_request_add_location(q, g->locs[i] < NLOC ? loc_names[g->locs[i]] : "LX",
                                          NULL);
    ec_inventory_request_set_ttl(q, g->ttl, NULL);
    ec_inventory_request_set_at(q, at, NULL);
    ec_inventory_request_set_strategy(q, g->single ? EC_INVENTORY_SINGLE : EC_INVENTORY_PRIORITY,
                                      NULL);
    return ec_inventory_reserve(R->inv, q, R->res, NULL);
}

/* The entries a reserve may touch: every location of the demanded SKUs. */
static int demand_entries(const plan *p, int *ents)
{
    int n = 0;
    for (int k = 0; k < p->nd; k++)
        for (int l = 0; l < NLOC && p->dsku[k] < NSKU; l++) ents[n++] = p->dsku[k] * NLOC + l;
    return n;
}

static void check_capacity(run *R, const int *ents, const int64_t *before, int n, int64_t at,
                           const char *what)
{
    for (int i = 0; i < n; i++) {
        entry *x = &R->m.e[0][0] + ents[i];
        int64_t h = held_at(&R->m, x, at);
        PCHECK(h <= before[i] || h <= cap_of(x), "%s raised held to %" PRId64 " over %" PRId64,
               what, h, cap_of(x));
    }
}

static int do_reserve(run *R)
{
    gen_reserve g;
    plan p;
    snap s;
    int ents[MAXL] = {0};
    int64_t before[MAXL] = {0};
    generate_reserve(R, &g);
    int64_t at = op_time(R);
    shadow_reserve(&R->m, &g, at, &p);
    int n = demand_entries(&p, ents);
    for (int i = 0; i < n; i++) before[i] = held_at(&R->m, &R->m.e[0][0] + ents[i], at);
    take_snap(R, ents, n, g.id, &s);
    char *doc = maybe_state(R, p.st != EC_OK && R->failures % 25000 == 0);
    ec_status st = library_reserve(R, &g, at);
    PCHECK(st == p.st, "reserve %s: library %s, shadow %s", g.id, ec_status_name(st),
           ec_status_name(p.st));
    if (st != EC_OK) {
        R->failures++;
        R->by_code[st]++;
        expect_unchanged(R, ents, n, g.id, &s, "a failed reserve");
        check_state_same(doc, R, "a failed reserve");
    } else if (p.existing >= 0) {
        const sres *r = &R->m.res[p.existing];
        PCHECK(ec_inventory_result_duplicate(R->res) == 1, "reserve %s: not a duplicate", g.id);
        lines_match(R, r->ent, r->qty, r->n, "a duplicate reserve");
        expect_unchanged(R, ents, n, g.id, &s, "a duplicate reserve");
    } else {
        PCHECK(ec_inventory_result_duplicate(R->res) == 0, "reserve %s: a duplicate", g.id);
        lines_match(R, p.ent, p.qty, p.n, "a reserve");
        shadow_add(&R->m, &p, at + g.ttl * SEC);
        check_capacity(R, ents, before, n, at, "reserve");
        if (rnd(8) == 0) { /* the same request again changes nothing */
            take_snap(R, ents, n, g.id, &s);
            PCHECK(library_reserve(R, &g, at) == EC_OK && ec_inventory_result_duplicate(R->res),
                   "repeated reserve %s", g.id);
            expect_unchanged(R, ents, n, g.id, &s, "a repeated reserve");
        }
    }
    for (int i = 0; i < n; i++) compare_entry(R, ents[i], "reserve");
    return 0;
}

/* The shadow's commit; moves quantities when it succeeds. */
static ec_status shadow_commit(model *m, int idx, int order, int64_t at, int *dup)
{
    *dup = 0;
    if (idx < 0) return EC_NOT_FOUND;
    sres *r = &m->res[idx];
    if (r->status == EC_RESERVATION_STATUS_COMMITTED) {
        *dup = r->order == order;
        return *dup ? EC_OK : EC_INVALID_TRANSITION;
    }
    if (r->status != EC_RESERVATION_STATUS_ACTIVE && r->status != EC_RESERVATION_STATUS_EXPIRED)
        return EC_INVALID_TRANSITION;
    int holding = r->status == EC_RESERVATION_STATUS_ACTIVE && r->exp > at;
    for (int i = 0; i < r->n && !holding; i++)
        if (free_at(m, r->ent[i] / NLOC, r->ent[i] % NLOC, at) < r->qty[i])
            return EC_RESERVATION_EXPIRED;
    r->status = EC_RESERVATION_STATUS_COMMITTED;
    r->order = order;
    for (int i = 0; i < r->n; i++) (&m->e[0][0] + r->ent[i])->committed += r->qty[i];
    return EC_OK;
}

static int do_commit(run *R)
{
    char id[16], order[16];
    snap s;
    int64_t before[MAXL] = {0};
    int idx = pick_id(R, id), o = idx >= 0 && rnd(6) ? idx : rnd(1000), dup = 0;
    int64_t at = op_time(R);
    snprintf(order, sizeof order, "o%d", o);
    int n = idx >= 0 ? R->m.res[idx].n : 0, *ents = idx >= 0 ? R->m.res[idx].ent : NULL;
    for (int i = 0; i < n; i++) before[i] = held_at(&R->m, &R->m.e[0][0] + ents[i], at);
    take_snap(R, ents, n, id, &s);
    int fails = idx < 0 || R->m.res[idx].status == EC_RESERVATION_STATUS_RELEASED;
    char *doc = maybe_state(R, fails && R->failures % 25000 == 0);
    ec_status want = shadow_commit(&R->m, idx, o, at, &dup);
    ec_status st = ec_inventory_commit(R->inv, id, order, at, R->res, NULL);
    PCHECK(st == want, "commit %s: library %s, shadow %s", id, ec_status_name(st),
           ec_status_name(want));
    if (st != EC_OK) {
        R->failures++;
        R->by_code[st]++;
        expect_unchanged(R, ents, n, id, &s, "a failed commit");
        check_state_same(doc, R, "a failed commit");
    } else {
        ec_free(doc);
        PCHECK(ec_inventory_result_duplicate(R->res) == dup, "commit %s: duplicate flag", id);
        check_capacity(R, ents, before, n, at, "commit");
        take_snap(R, ents, n, id, &s);
        if (rnd(8) == 0) {
            PCHECK(ec_inventory_commit(R->inv, id, order, at, R->res, NULL) == EC_OK &&
                       ec_inventory_result_duplicate(R->res),
                   "repeated commit %s", id);
            expect_unchanged(R, ents, n, id, &s, "a repeated commit");
        }
    }
    for (int i = 0; i < n; i++) compare_entry(R, ents[i], "commit");
    return 1;
}

/* release (ship = 0) or ship (1) in the shadow. */
static ec_status shadow_finish(model *m, int idx, int ship, int *dup)
{
    *dup = 0;
    if (idx < 0) return EC_NOT_FOUND;
    sres *r = &m->res[idx];
    if (ship && r->status != EC_RESERVATION_STATUS_COMMITTED) return EC_INVALID_TRANSITION;
    if (r->status == EC_RESERVATION_STATUS_SHIPPED) return EC_INVALID_TRANSITION;
    if (r->status == EC_RESERVATION_STATUS_RELEASED || r->status == EC_RESERVATION_STATUS_EXPIRED) {
        *dup = 1;
        return EC_OK;
    }
    for (int i = 0; r->status == EC_RESERVATION_STATUS_COMMITTED && i < r->n; i++) {
        entry *x = &m->e[0][0] + r->ent[i];
        x->committed -= r->qty[i];
        if (ship) x->on_hand -= r->qty[i];
    }
    r->status = ship ? EC_RESERVATION_STATUS_SHIPPED : EC_RESERVATION_STATUS_RELEASED;
    return EC_OK;
}

static int do_finish(run *R, int ship)
{
    char id[16];
    snap s;
    int idx = pick_id(R, id), dup = 0;
    int n = idx >= 0 ? R->m.res[idx].n : 0, *ents = idx >= 0 ? R->m.res[idx].ent : NULL;
    take_snap(R, ents, n, id, &s);
    ec_status want = shadow_finish(&R->m, idx, ship, &dup);
    char *doc = maybe_state(R, want != EC_OK && R->failures % 25000 == 0);
    ec_status st = ship ? ec_inventory_ship(R->inv, id, R->res, NULL)
                        : ec_inventory_release(R->inv, id, R->res, NULL);
    const char *what = ship ? "ship" : "release";
    PCHECK(st == want, "%s %s: library %s, shadow %s", what, id, ec_status_name(st),
           ec_status_name(want));
    if (st != EC_OK) {
        R->failures++;
        R->by_code[st]++;
        expect_unchanged(R, ents, n, id, &s, what);
        check_state_same(doc, R, what);
    } else {
        ec_free(doc);
        PCHECK(ec_inventory_result_duplicate(R->res) == dup, "%s %s: duplicate flag", what, id);
        take_snap(R, ents, n, id, &s);
        if (rnd(8) == 0) { /* again: a no-op for release, refused for ship */
            ec_status again = ship ? ec_inventory_ship(R->inv, id, R->res, NULL)
                                   : ec_inventory_release(R->inv, id, R->res, NULL);
            PCHECK(again == (ship ? EC_INVALID_TRANSITION : EC_OK), "repeated %s %s", what, id);
            expect_unchanged(R, ents, n, id, &s, what);
        }
    }
    for (int i = 0; i < n; i++) compare_entry(R, ents[i], what);
    return ship ? 3 : 2;
}

static int by_expiry(const void *pa, const void *pb, const model *m)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    if (m->res[a].exp != m->res[b].exp) return m->res[a].exp < m->res[b].exp ? -1 : 1;
    char x[16], y[16];
    snprintf(x, sizeof x, "r%d", a);
    snprintf(y, sizeof y, "r%d", b);
    return strcmp(x, y);
}

static const model *sort_model;
static int by_expiry_qsort(const void *a, const void *b)
{
    return by_expiry(a, b, sort_model);
}

static int do_expire(run *R)
{
    model *m = &R->m;
    int64_t at = op_time(R);
    int keep = 0, n = 0;
    int *due = malloc((size_t)(m->nlive ? m->nlive : 1) * sizeof *due);
    for (int i = 0; i < m->nlive; i++) {
        sres *r = &m->res[m->live[i]];
        if (r->status != EC_RESERVATION_STATUS_ACTIVE) continue;
        if (r->exp <= at)
            due[n++] = m->live[i];
        else
            m->live[keep++] = m->live[i];
    }
    m->nlive = keep;
    sort_model = m;
    qsort(due, (size_t)n, sizeof *due, by_expiry_qsort);
    PCHECK(ec_inventory_expire(R->inv, at, R->res, NULL) == EC_OK, "expire failed");
    PCHECK((int)ec_inventory_result_expired_count(R->res) == n, "expire: %d ids, shadow %d",
           (int)ec_inventory_result_expired_count(R->res), n);
    for (int i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%d", due[i]);
        const char *got = ec_inventory_result_expired_id(R->res, (size_t)i);
        PCHECK(got && strcmp(got, id) == 0, "expire: id %d is %s, shadow %s", i, got ? got : "-",
               id);
        m->res[due[i]].status = EC_RESERVATION_STATUS_EXPIRED;
    }
    free(due);
    return 4;
}

static int do_available(run *R)
{
    int s = rnd(NSKU + 1);
    int64_t at = op_time(R), total = 0;
    PCHECK(ec_inventory_available(R->inv, sku_names[s], at, R->res, NULL) == EC_OK,
           "available failed");
    size_t k = 0;
    for (int l = 0; s < NSKU && l < NLOC; l++) {
        if (!R->m.e[s][l].exists) continue;
        int64_t f = free_at(&R->m, s, l, at);
        total += f;
        PCHECK(k < ec_inventory_result_location_count(R->res) &&
                   strcmp(ec_inventory_result_location_name(R->res, k), loc_names[l]) == 0 &&
                   ec_inventory_result_location_available(R->res, k) == f,
               "available %s at %s differs", sku_names[s], loc_names[l]);
        k++;
    }
    PCHECK(k == ec_inventory_result_location_count(R->res) &&
               total == ec_inventory_result_available(R->res),
           "available %s: total %" PRId64 ", shadow %" PRId64, sku_names[s],
           ec_inventory_result_available(R->res), total);
    return 5;
}

static int do_stock(run *R)
{
    int s = rnd(NSKU), l = rnd(NLOC), e = s * NLOC + l;
    entry *x = &R->m.e[s][l];
    if (rnd(3) == 0) {
        int64_t on_hand = rnd(25), safety = rnd(3), back = rnd(3);
        int gs = rnd(10) < 3, gb = rnd(10) < 3;
        PCHECK(ec_inventory_set(R->inv, sku_names[s], loc_names[l], on_hand, gs ? &safety : NULL,
                                gb ? &back : NULL, NULL, NULL) == EC_OK,
               "set failed");
        if (!x->exists) x->safety = x->back = 0;
        x->exists = 1;
        x->on_hand = on_hand;
        if (gs) x->safety = safety;
        if (gb) x->back = back;
    } else {
        int64_t q = 1 + rnd(10);
        PCHECK(ec_inventory_receive(R->inv, sku_names[s], loc_names[l], q, NULL, NULL) == EC_OK,
               "receive failed");
        if (!x->exists) x->safety = x->back = x->on_hand = 0;
        x->exists = 1;
        x->on_hand += q;
    }
    compare_entry(R, e, "set or receive");
    return 6;
}

static int one_op(run *R, long i)
{
    (void)i;
    int r = rnd(100);
    if (r < 35) return do_reserve(R);
    if (r < 55) return do_commit(R);
    if (r < 65) return do_finish(R, 0);
    if (r < 75) return do_finish(R, 1);
    if (r < 79) return do_expire(R);
    if (r < 88) return do_available(R);
    return do_stock(R);
}

static long ops_wanted(void)
{
    const char *env = getenv("EC_PROPERTY_OPS");
    if (env && atol(env) > 0) return atol(env);
#if defined(__SANITIZE_ADDRESS__)
    return 200000;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return 200000;
#endif
#endif
    return 1000000;
}

static void test_inventory_property_random_operations(void)
{
    static run R;
    memset(&R, 0, sizeof R);
    failed_once = 0;
    rng_state = 20261128;
    for (int s = 0; s < NSKU; s++) snprintf(sku_names[s], sizeof sku_names[s], "S%02d", s);
    snprintf(sku_names[NSKU], sizeof sku_names[NSKU], "ZZZ");
    R.inv = ec_inventory_new();
    R.req = ec_inventory_request_new();
    R.res = ec_inventory_result_new();
    R.m.base = R.m.last_at = T0;
    setup_stock(&R);
    long n = ops_wanted(), counts[8] = {0};
    for (long i = 0; i < n && !failed_once; i++) {
        counts[one_op(&R, i)]++;
        if ((i + 1) % 50000 == 0) sweep(&R, "a periodic sweep");
    }
    sweep(&R, "the last operation");
    fprintf(stderr,
            "\n  property: %ld operations (reserve %ld, commit %ld, release %ld, ship %ld, "
            "expire %ld, available %ld, set/receive %ld), %ld failed, %ld state samples\n",
            n, counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6],
            R.failures, R.samples);
    static const ec_status kinds[] = {EC_INSUFFICIENT_STOCK, EC_IDEMPOTENCY_CONFLICT, EC_NOT_FOUND,
                                      EC_INVALID_TRANSITION, EC_RESERVATION_EXPIRED};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        fprintf(stderr, "  %s %ld", ec_status_name(kinds[k]), R.by_code[kinds[k]]);
        CU_ASSERT_TRUE(R.by_code[kinds[k]] > n / 1000);
    }
    fprintf(stderr, "\n");
    CU_ASSERT_FALSE(failed_once);
    CU_ASSERT_TRUE(R.failures > n / 10 && R.failures < n - n / 10);
    CU_ASSERT_TRUE(R.samples > 0);
    ec_inventory_result_free(R.res);
    ec_inventory_request_free(R.req);
    ec_inventory_free(R.inv);
    for (int e = 0; e < NSKU * NLOC; e++) free((&R.m.e[0][0] + e)->active);
    free(R.m.res);
    free(R.m.live);
}

static CU_TestInfo property_tests[] = {
    {"random_operations", test_inventory_property_random_operations},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_inventory_property_suites[] = {
    {.pName = "inventory.property", .pTests = property_tests},
    CU_SUITE_INFO_NULL,
};
