/* regions_sync.c - what the regions do beside the requests: each tick,
 * every instance adds its demand to the store and refreshes its figures;
 * the one holding the lease sends each peer its pending transfers and this
 * region's report, records what the peer answers, and runs the
 * rebalancing policy, whose transfers it debits and sends at once.  The
 * same reading of a peer's message serves POST /v1/transfers.
 *
 * The library decides: credits, acknowledgements and debits are the
 * escrow module's, the proposals its policy's.  This file moves rows and
 * messages. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "regions.h"
#include "regions_state.h"

static int64_t second_of(int64_t us)
{
    return us / 1000000;
}

/* A refusal of a peer's message: err filled, code returned. */
static ec_status refuse(ec_error *err, ec_status code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static ec_status refuse(ec_error *err, ec_status code, const char *field, const char *fmt, ...)
{
    va_list ap;
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

int ecomd_regions_reachable(ecomd_regions *rg, const ecomd_peer *p, int64_t now_us)
{
    int64_t within = 3 * (int64_t)rg->srv->cfg.rebalance_ms * 1000;
    if (within < 2000000) within = 2000000;
    int64_t last = atomic_load(&p->last_ok_us);
    return last && now_us - last <= within && !atomic_load(&p->lost);
}

/* ---- demand ---------------------------------------------------------------------------------- */

typedef struct flush_ctx {
    ecomd_regions *rg;
    const ecomd_sku_list *l;
    int64_t second;
} flush_ctx;

static ec_status flush_tx(ecomd_tx *tx, void *ctx)
{
    flush_ctx *f = ctx;
    ec_status st = EC_OK;
    for (size_t i = 0; st == EC_OK && i < f->l->n; i++)
        st = ecomd_demand_add(f->rg->srv->store, tx, f->l->v[i].sku, f->second, f->l->v[i].units);
    return st;
}

void ecomd_regions_flush(ecomd_regions *rg)
{
    ecomd_sku_list l = ecomd_regions_take_demand(rg);
    flush_ctx f = {rg, &l, second_of(ecomd_now_us())};
    if (l.n && ecomd_in_tx(rg->srv->store, flush_tx, &f) != EC_OK)
        ecomd_metrics_store_error(rg->srv->metrics);
    free(l.v);
}

static ec_status demand_row(void *ctx, const char *sku, int64_t count, int64_t units)
{
    (void)count;
    return ecomd_sku_list_add(ctx, sku, units);
}

ec_status ecomd_regions_demand(ecomd_regions *rg, ecomd_tx *tx, ecomd_sku_list *l)
{
    int64_t since = second_of(ecomd_now_us()) - rg->srv->cfg.demand_window;
    return ecomd_demand_read(rg->srv->store, tx, since, ECOMD_PLAN_SKUS, demand_row, l);
}

int64_t ecomd_demand_of(const ecomd_sku_list *l, const char *sku)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].sku, sku) == 0) return l->v[i].units;
    return 0;
}

/* ---- active SKUs ----------------------------------------------------------------------------- */

typedef struct active_ctx {
    ecomd_skus *skus;
} active_ctx;

static ec_status active_view_row(void *ctx, const ecomd_view_row *row)
{
    active_ctx *a = ctx;
    return row->demand > 0 && a->skus->n < ECOMD_PLAN_SKUS ? ecomd_skus_add(a->skus, row->sku)
                                                           : EC_OK;
}

ec_status ecomd_regions_active_skus(ecomd_regions *rg, ecomd_tx *tx, ecomd_skus *skus)
{
    ecomd_sku_list l = {0};
    ec_status st = ecomd_regions_demand(rg, tx, &l);
    for (size_t i = 0; st == EC_OK && i < l.n; i++) st = ecomd_skus_add(skus, l.v[i].sku);
    free(l.v);
    active_ctx a = {skus};
    if (st == EC_OK) st = ecomd_view_read(rg->srv->store, tx, NULL, active_view_row, &a);
    return st;
}

/* ---- a peer's message ------------------------------------------------------------------------ */

/* This region's report of `skus` into m, from inv (demand read in tx). */
static ec_status add_reports(ecomd_regions *rg, ecomd_tx *tx, ec_inventory *inv,
                             const ecomd_skus *skus, ec_escrow_message *m)
{
    ecomd_sku_list l = {0};
    ec_status st = ecomd_regions_demand(rg, tx, &l);
    int64_t now = ecomd_now_us();
    for (size_t i = 0; st == EC_OK && i < skus->n && i < EC_ESCROW_MAX_ITEMS; i++)
        st = ec_escrow_message_add_report(m, inv, skus->v[i], ecomd_demand_of(&l, skus->v[i]), now,
                                          NULL);
    free(l.v);
    return st == EC_OK || st == EC_UNAVAILABLE || st == EC_NO_MEMORY ? st : EC_INTERNAL;
}

ec_status ecomd_regions_report(ecomd_regions *rg, ecomd_tx *tx, const ecomd_skus *skus,
                               ec_escrow_message *m)
{
    ecomd_store *s = rg->srv->store;
    ecomd_stock stock = {0};
    ec_status st = tx ? s->ops->stock_load(tx, skus, NULL, ecomd_now_us(), &stock)
                      : s->ops->stock_read(s, skus, NULL, ecomd_now_us(), &stock);
    if (st == EC_OK) st = add_reports(rg, tx, stock.inv, skus, m);
    ecomd_stock_done(&stock);
    return st;
}

/* Ids of the message's transfers and acknowledgements, and the SKUs the
 * transaction loads: its transfers' and, when answering, its report's and
 * this region's active ones. */
static ec_status names_of(ecomd_regions *rg, ecomd_tx *tx, const ec_escrow_message *in,
                          int answering, ecomd_skus *ids, ecomd_skus *skus)
{
    ec_status st = EC_OK;
    for (size_t i = 0; st == EC_OK && i < ec_escrow_message_transfer_count(in); i++) {
        const ec_escrow_transfer *t = ec_escrow_message_transfer(in, i);
        st = ecomd_skus_add(ids, ec_escrow_transfer_id(t));
        if (st == EC_OK) st = ecomd_skus_add(skus, ec_escrow_transfer_sku(t));
    }
    for (size_t i = 0; st == EC_OK && i < ec_escrow_message_credited_count(in); i++)
        st = ecomd_skus_add(ids, ec_escrow_message_credited(in, i));
    for (size_t i = 0; answering && st == EC_OK && i < ec_escrow_message_report_count(in); i++)
        st = ecomd_skus_add(skus, ec_escrow_message_report_sku(in, i));
    if (answering && st == EC_OK) st = ecomd_regions_active_skus(rg, tx, skus);
    return st;
}

/* Credit the message's transfers (all or none) and record its
 * acknowledgements; a refusal is returned with err filled. */
static ec_status apply(ecomd_regions *rg, ec_escrow *led, ec_inventory *inv,
                       const ec_escrow_message *in, ec_escrow_message *out, ec_error *err)
{
    for (size_t i = 0; i < ec_escrow_message_transfer_count(in); i++) {
        const ec_escrow_transfer *t = ec_escrow_message_transfer(in, i);
        int32_t dup = 0;
        ec_status st = ec_escrow_credit(led, inv, t, &dup, err);
        if (st != EC_OK) {
            char field[EC_ERROR_FIELD_MAX];
            snprintf(field, sizeof field, "transfers[%zu]%s%.150s", i, err->field[0] ? "." : "",
                     err->field);
            memcpy(err->field, field, sizeof field);
            return st;
        }
        ecomd_regions_count(rg, dup ? ECOMD_RG_DUPLICATES : ECOMD_RG_CREDITED, 1);
        if (out && ec_escrow_message_add_credited(out, ec_escrow_transfer_id(t), err) != EC_OK)
            return EC_NO_MEMORY;
    }
    for (size_t i = 0; i < ec_escrow_message_credited_count(in); i++) {
        const char *id = ec_escrow_message_credited(in, i);
        int32_t dup = 0;
        ec_error e;
        ec_status st = ec_escrow_acknowledge(led, id, &dup, &e);
        if (st == EC_OK && !dup) ecomd_regions_count(rg, ECOMD_RG_ACKNOWLEDGED, 1);
        if (st == EC_INVALID_TRANSITION) {
            ecomd_regions_count(rg, ECOMD_RG_COUNTED_TWICE, 1);
            ecomd_regions_log(rg, "error", "a transfer taken back was credited",
                              ec_escrow_message_from(in), e.message);
        }
    }
    return EC_OK;
}

ec_status ecomd_regions_receive(ecomd_regions *rg, ecomd_tx *tx, const ec_escrow_message *in,
                                ec_escrow_message *out, ec_error *err)
{
    ecomd_store *s = rg->srv->store;
    const char *from = ec_escrow_message_from(in);
    if (strcmp(ec_escrow_message_to(in), rg->self) != 0)
        return refuse(err, EC_INVALID_FIELD, "to", "this is region %s", rg->self);
    if (!ecomd_regions_is_peer(rg, from))
        return refuse(err, EC_INVALID_FIELD, "from", "%s is not a peer of this region", from);
    ecomd_skus ids = {0}, skus = {0};
    ecomd_stock stock = {0};
    ec_escrow *led = ec_escrow_new(rg->self);
    char *list = NULL;
    int64_t now = ecomd_now_us();
    ec_status st = led ? names_of(rg, tx, in, out != NULL, &ids, &skus) : EC_NO_MEMORY;
    if (st == EC_OK && !(list = ecomd_skus_json(&ids))) st = EC_NO_MEMORY;
    if (st == EC_OK) st = ecomd_ledger_load(s, tx, list, NULL, led);
    if (st == EC_OK && ec_escrow_lost(led, from))
        st = refuse(err, EC_INVALID_TRANSITION, "from",
                    "%s was declared lost: its messages are refused", from);
    if (st == EC_OK) st = s->ops->stock_load(tx, &skus, NULL, now, &stock);
    if (st == EC_OK && out) st = ec_escrow_message_set(out, rg->self, from, now, err);
    if (st == EC_OK) st = apply(rg, led, stock.inv, in, out, err);
    if (st == EC_OK) st = s->ops->stock_save(tx, &stock);
    if (st == EC_OK) st = ecomd_ledger_save(s, tx, led, now, from, "");
    if (st == EC_OK) st = ecomd_view_put(s, tx, in);
    if (st == EC_OK && out) st = add_reports(rg, tx, stock.inv, &skus, out);
    free(list);
    ecomd_stock_done(&stock);
    ec_escrow_free(led);
    ecomd_skus_free(&ids);
    ecomd_skus_free(&skus);
    return st;
}
