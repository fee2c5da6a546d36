/* regions_tick.c - one tick of the regions' thread: the lease, the
 * exchange with each peer, the rebalancing, and the figures the metrics
 * and the stock view read.
 *
 * Only the instance holding the lease exchanges and rebalances, so one
 * policy speaks for the region at a time; it holds it for three ticks and
 * renews it on each, and another instance takes over when it stops.  A
 * peer that cannot be reached gets nothing new: transfers are planned only
 * toward peers that answered recently, so a cut strands no rights. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "regions.h"
#include "regions_state.h"

#define LEASE_NAME "regions"

/* ---- the exchange ---------------------------------------------------------------------------- */

typedef struct answer_ctx {
    ecomd_regions *rg;
    const ec_escrow_message *in;
    ec_error err;
} answer_ctx;

static ec_status take_answer(ecomd_tx *tx, void *ctx)
{
    answer_ctx *a = ctx;
    return ecomd_regions_receive(a->rg, tx, a->in, NULL, &a->err);
}

/* The message to `p`: its pending transfers and this region's report. */
static ec_status compose(ecomd_regions *rg, ecomd_peer *p, ec_escrow_message *m, int64_t now)
{
    ecomd_store *s = rg->srv->store;
    ec_escrow *led = ec_escrow_new(rg->self);
    ecomd_skus skus = {0};
    ec_status st =
        led ? ecomd_pending_read(s, p->name, ECOMD_EXCHANGE_TRANSFERS, led) : EC_NO_MEMORY;
    if (st == EC_OK && ec_escrow_lost(led, p->name)) atomic_store(&p->lost, 1);
    if (st == EC_OK) st = ec_escrow_message_set(m, rg->self, p->name, now, NULL);
    const ec_escrow_transfer *t = NULL;
    for (size_t i = 0; st == EC_OK && ec_escrow_entry(led, i, &t, NULL); i++) {
        st = ec_escrow_message_add_transfer(m, t, NULL);
        if (st == EC_OK) st = ecomd_skus_add(&skus, ec_escrow_transfer_sku(t));
    }
    if (st == EC_OK) st = ecomd_regions_active_skus(rg, NULL, &skus);
    if (st == EC_OK) st = ecomd_regions_report(rg, NULL, &skus, m);
    ecomd_skus_free(&skus);
    ec_escrow_free(led);
    return st;
}

/* Read the peer's answer and keep what it says, in one transaction. */
static int take(ecomd_regions *rg, ecomd_peer *p, const char *body, size_t len)
{
    ec_escrow_message *in = ec_escrow_message_new();
    answer_ctx a = {rg, in, {0}};
    ec_error_clear(&a.err);
    ec_status st = in ? ec_escrow_message_from_json(in, body, len, &a.err) : EC_NO_MEMORY;
    if (st == EC_OK && strcmp(ec_escrow_message_from(in), p->name) != 0) st = EC_INVALID_FIELD;
    if (st == EC_OK) st = ecomd_in_tx(rg->srv->store, take_answer, &a);
    if (st != EC_OK)
        ecomd_regions_log(rg, "error", "the peer's answer was not taken", p->name, a.err.message);
    ec_escrow_message_free(in);
    return st == EC_OK;
}

/* Send `p` its pending transfers and this region's report; keep what it
 * answers.  1 when the exchange went through. */
static int exchange(ecomd_regions *rg, ecomd_peer *p)
{
    if (atomic_load(&p->lost)) return 0;
    int64_t now = ecomd_now_us();
    ec_escrow_message *m = ec_escrow_message_new();
    char *doc = NULL, *answer = NULL;
    size_t len = 0, alen = 0;
    long status = 0;
    ec_status st = m ? compose(rg, p, m, now) : EC_NO_MEMORY;
    if (atomic_load(&p->lost)) st = EC_INVALID_TRANSITION; /* declared lost meanwhile */
    if (st == EC_OK && ec_escrow_message_to_json(m, &doc, &len) != EC_OK) st = EC_NO_MEMORY;
    long timeout = (long)rg->srv->cfg.rebalance_ms * 2;
    if (timeout < 1000) timeout = 1000;
    if (st == EC_OK)
        answer = ecomd_regions_post(p->url, rg->key, doc, len, timeout, &status, &alen);
    int ok = answer && take(rg, p, answer, alen);
    int was_ok = ecomd_regions_reachable(rg, p, now);
    if (ok) atomic_store(&p->last_ok_us, now);
    atomic_fetch_add(&p->exchanges[ok ? 0 : 1], 1);
    if (!ok && st == EC_OK && was_ok) {
        char detail[64];
        snprintf(detail, sizeof detail, "HTTP status %ld", status);
        ecomd_regions_log(rg, "warn", "the peer region does not answer", p->name, detail);
    }
    if (ok && !was_ok) ecomd_regions_log(rg, "info", "the peer region answers", p->name, NULL);
    free(answer);
    ec_free(doc);
    ec_escrow_message_free(m);
    return ok;
}

/* ---- rebalancing ----------------------------------------------------------------------------- */

/* What the policy needs of the other regions, read once per tick. */
typedef struct picture {
    ecomd_view_row *rows; /* strings owned */
    size_t n, cap;
    ec_escrow *pending; /* transfers in flight from here */
} picture;

static ec_status picture_row(void *ctx, const ecomd_view_row *row)
{
    picture *pc = ctx;
    if (pc->n == pc->cap) {
        size_t cap = pc->cap ? pc->cap * 2 : 64;
        ecomd_view_row *v = realloc(pc->rows, cap * sizeof *v);
        if (!v) return EC_NO_MEMORY;
        pc->rows = v;
        pc->cap = cap;
    }
    ecomd_view_row *r = &pc->rows[pc->n];
    *r = *row;
    r->region = strdup(row->region);
    r->sku = strdup(row->sku);
    r->locations = NULL;
    pc->n++;
    return r->region && r->sku ? EC_OK : EC_NO_MEMORY;
}

static void picture_free(picture *pc)
{
    for (size_t i = 0; i < pc->n; i++) {
        free((char *)pc->rows[i].region);
        free((char *)pc->rows[i].sku);
    }
    free(pc->rows);
    ec_escrow_free(pc->pending);
}

static const ecomd_view_row *reported(const picture *pc, const char *region, const char *sku)
{
    for (size_t i = 0; i < pc->n; i++)
        if (strcmp(pc->rows[i].sku, sku) == 0 && strcmp(pc->rows[i].region, region) == 0)
            return &pc->rows[i];
    return NULL;
}

typedef struct debit_ctx {
    ecomd_regions *rg;
    const char *sku, *to;
    int64_t quantity;
    char id[48];
    ec_error err;
} debit_ctx;

static ec_status debit_tx(ecomd_tx *tx, void *ctx)
{
    debit_ctx *d = ctx;
    ecomd_store *s = d->rg->srv->store;
    ec_escrow *led = ec_escrow_new(d->rg->self);
    ecomd_skus skus = {0};
    ecomd_stock stock = {0};
    char ids[64];
    int64_t now = ecomd_now_us();
    snprintf(ids, sizeof ids, "[\"%s\"]", d->id);
    ec_status st = led ? ecomd_skus_add(&skus, d->sku) : EC_NO_MEMORY;
    if (st == EC_OK) st = ecomd_ledger_load(s, tx, ids, NULL, led);
    if (st == EC_OK) st = s->ops->stock_load(tx, &skus, NULL, now, &stock);
    const ec_escrow_transfer *made = NULL;
    char *doc = NULL;
    if (st == EC_OK)
        st = ec_escrow_debit(led, stock.inv, d->id, d->sku, d->to, d->quantity, now, &made, NULL,
                             &d->err);
    if (st == EC_OK) st = s->ops->stock_save(tx, &stock);
    if (st == EC_OK) st = ecomd_ledger_save(s, tx, led, now, "", "");
    /* the transfer leaves through the outbox too, for any relay of it */
    if (st == EC_OK && ec_escrow_transfer_to_json(made, &doc, NULL) != EC_OK) st = EC_NO_MEMORY;
    if (st == EC_OK) st = s->ops->event_add(tx, "regions.transfer", doc, now);
    ec_free(doc);
    ecomd_stock_done(&stock);
    ecomd_skus_free(&skus);
    ec_escrow_free(led);
    return st;
}

/* Plan one SKU and debit what the policy proposes. */
static void plan_sku(ecomd_regions *rg, ec_escrow_plan *plan, const picture *pc, ec_inventory *inv,
                     const char *sku, int64_t demand, int64_t now)
{
    int64_t spare = 0;
    ec_escrow_plan_reset(plan);
    if (ec_escrow_rights(inv, sku, now, NULL, &spare, NULL) != EC_OK ||
        ec_escrow_plan_add_region(plan, rg->self, spare, demand, 0, 1, NULL) != EC_OK)
        return;
    for (size_t i = 0; i < rg->npeers; i++) {
        ecomd_peer *p = &rg->peers[i];
        if (atomic_load(&p->lost)) continue;
        const ecomd_view_row *v = reported(pc, p->name, sku);
        ec_escrow_plan_add_region(plan, p->name, v ? v->rights : 0, v ? v->demand : 0,
                                  ec_escrow_in_flight(pc->pending, sku, p->name),
                                  ecomd_regions_reachable(rg, p, now), NULL);
    }
    if (ec_escrow_plan_run(plan, rg->self, NULL) != EC_OK) return;
    for (size_t i = 0; i < ec_escrow_plan_count(plan); i++) {
        debit_ctx d = {rg, sku, ec_escrow_plan_to(plan, i), ec_escrow_plan_quantity(plan, i),
                       "", {0}};
        ecomd_new_id(d.id, sizeof d.id, "xfer_");
        ec_status st = ecomd_in_tx(rg->srv->store, debit_tx, &d);
        if (st == EC_OK) {
            ecomd_regions_count(rg, ECOMD_RG_SENT, 1);
            ecomd_peer *p = ecomd_regions_find_peer(rg, d.to);
            if (p) p->resend = 1;
        } else if (st == EC_UNAVAILABLE) {
            ecomd_metrics_store_error(rg->srv->metrics);
        }
    }
}

static void rebalance(ecomd_regions *rg)
{
    ecomd_store *s = rg->srv->store;
    ecomd_skus skus = {0};
    picture pc = {0};
    ecomd_stock stock = {0};
    ecomd_sku_list demand = {0};
    ec_escrow_plan *plan = ec_escrow_plan_new();
    int64_t now = ecomd_now_us();
    pc.pending = ec_escrow_new(rg->self);
    ec_status st = plan && pc.pending ? ecomd_regions_active_skus(rg, NULL, &skus) : EC_NO_MEMORY;
    if (st == EC_OK) st = ecomd_regions_demand(rg, NULL, &demand);
    if (st == EC_OK)
        st = ec_escrow_plan_set_policy(plan, rg->srv->cfg.rebalance_horizon,
                                       rg->srv->cfg.demand_window, 1, NULL);
    if (st == EC_OK) st = ecomd_view_read(s, NULL, NULL, picture_row, &pc);
    if (st == EC_OK) st = ecomd_pending_read(s, NULL, 10 * ECOMD_EXCHANGE_TRANSFERS, pc.pending);
    if (st == EC_OK && skus.n) st = s->ops->stock_read(s, &skus, NULL, now, &stock);
    for (size_t i = 0; st == EC_OK && i < skus.n; i++)
        plan_sku(rg, plan, &pc, stock.inv, skus.v[i], ecomd_demand_of(&demand, skus.v[i]), now);
    if (st == EC_UNAVAILABLE) ecomd_metrics_store_error(rg->srv->metrics);
    ecomd_stock_done(&stock);
    free(demand.v);
    picture_free(&pc);
    ec_escrow_plan_free(plan);
    ecomd_skus_free(&skus);
}

/* ---- the figures ------------------------------------------------------------------------------
 */

typedef struct figures {
    ecomd_regions *rg;
    ecomd_sku_list per_sku; /* the other regions' rights per SKU */
    int64_t per_peer[ECOMD_MAX_PEERS];
} figures;

static ec_status figures_row(void *ctx, const ecomd_view_row *row)
{
    figures *f = ctx;
    for (size_t i = 0; i < f->rg->npeers; i++)
        if (strcmp(f->rg->peers[i].name, row->region) == 0) f->per_peer[i] += row->rights;
    ecomd_sku_list *l = &f->per_sku;
    if (l->n && strcmp(l->v[l->n - 1].sku, row->sku) == 0) { /* rows come by SKU */
        l->v[l->n - 1].units += row->rights;
        return EC_OK;
    }
    return ecomd_sku_list_add(l, row->sku, row->rights);
}

static ec_status flight_row(void *ctx, const char *to, int64_t count, int64_t units)
{
    ecomd_peer *p = ecomd_regions_find_peer(ctx, to);
    if (p) {
        atomic_store(&p->in_flight_n, count);
        atomic_store(&p->in_flight_units, units);
    }
    return EC_OK;
}

static ec_status lost_row(void *ctx, const char *region, int64_t at_us, const char *by,
                          const char *reason)
{
    (void)at_us, (void)by, (void)reason;
    ecomd_peer *p = ecomd_regions_find_peer(ctx, region);
    if (p) atomic_store(&p->lost, 1);
    return EC_OK;
}

/* What the metrics, the stock view and refusals read between ticks. */
static void refresh(ecomd_regions *rg)
{
    ecomd_store *s = rg->srv->store;
    int64_t rights = 0;
    figures f = {rg, {0}, {0}};
    for (size_t i = 0; i < rg->npeers; i++) {
        atomic_store(&rg->peers[i].in_flight_n, 0);
        atomic_store(&rg->peers[i].in_flight_units, 0);
    }
    ec_status st = ecomd_rights_total(s, &rights);
    if (st == EC_OK) atomic_store(&rg->rights, rights);
    if (st == EC_OK) st = ecomd_in_flight_read(s, flight_row, rg);
    if (st == EC_OK) st = ecomd_lost_read(s, lost_row, rg);
    if (st == EC_OK) st = ecomd_view_read(s, NULL, NULL, figures_row, &f);
    if (st == EC_OK) {
        for (size_t i = 0; i < rg->npeers; i++) atomic_store(&rg->peers[i].rights, f.per_peer[i]);
        ecomd_regions_set_peer_rights(rg, &f.per_sku);
    }
    free(f.per_sku.v);
    if (st != EC_OK) ecomd_metrics_store_error(rg->srv->metrics);
}

/* ---- the tick ----------------------------------------------------------------------------------
 */

typedef struct lease_ctx {
    ecomd_regions *rg;
    int held;
    int64_t now, prune_before;
} lease_ctx;

static ec_status lease_tx(ecomd_tx *tx, void *ctx)
{
    lease_ctx *l = ctx;
    int64_t until = l->now + 3 * (int64_t)l->rg->srv->cfg.rebalance_ms * 1000;
    ec_status st =
        ecomd_lease_take(l->rg->srv->store, tx, LEASE_NAME, l->rg->holder, l->now, until, &l->held);
    if (st == EC_OK && l->held) st = ecomd_demand_prune(l->rg->srv->store, tx, l->prune_before);
    return st;
}

void ecomd_regions_tick(ecomd_regions *rg)
{
    ecomd_regions_flush(rg);
    lease_ctx l = {rg, 0, ecomd_now_us(), 0};
    l.prune_before = l.now / 1000000 - 2 * (int64_t)rg->srv->cfg.demand_window;
    if (ecomd_in_tx(rg->srv->store, lease_tx, &l) != EC_OK) {
        ecomd_metrics_store_error(rg->srv->metrics);
        l.held = 0;
    }
    atomic_store(&rg->lease_held, l.held);
    if (l.held) {
        for (size_t i = 0; i < rg->npeers; i++) {
            rg->peers[i].resend = 0;
            exchange(rg, &rg->peers[i]);
        }
        rebalance(rg);
        for (size_t i = 0; i < rg->npeers; i++)
            if (rg->peers[i].resend) exchange(rg, &rg->peers[i]);
    }
    refresh(rg);
}
