/* regions_view.c - what the regions show: their part of GET
 * /v1/stock/{sku}, GET /v1/regions, and their metrics.  The stock view
 * reads the store; the rest shows the figures of the last tick. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "regions.h"
#include "regions_state.h"

static void put_time(ecomd_doc *d, int64_t us)
{
    char at[48];
    if (!us) {
        ecomd_doc_lit(d, "null");
        return;
    }
    ecomd_format_time(us, at, sizeof at);
    ecomd_doc_str(d, at);
}

/* ---- GET /v1/stock/{sku} ------------------------------------------------------------------- */

typedef struct stock_peers {
    ecomd_regions *rg;
    ecomd_view_row rows[ECOMD_MAX_PEERS]; /* by peer; region NULL when not reported */
} stock_peers;

static ec_status stock_peer_row(void *ctx, const ecomd_view_row *row)
{
    stock_peers *sp = ctx;
    for (size_t i = 0; i < sp->rg->npeers; i++)
        if (strcmp(sp->rg->peers[i].name, row->region) == 0) {
            sp->rows[i] = *row;
            sp->rows[i].region = sp->rg->peers[i].name; /* outlives the row */
            sp->rows[i].sku = sp->rows[i].locations = NULL;
        }
    return EC_OK;
}

ec_status ecomd_regions_stock_view(ecomd_regions *rg, const char *sku, int64_t rights, ecomd_doc *d)
{
    ecomd_store *s = rg->srv->store;
    stock_peers sp = {rg, {{0}}};
    ec_escrow *led = ec_escrow_new(rg->self);
    ec_status st =
        led ? ecomd_pending_read(s, NULL, 10 * ECOMD_EXCHANGE_TRANSFERS, led) : EC_NO_MEMORY;
    if (st == EC_OK) st = ecomd_view_read(s, NULL, sku, stock_peer_row, &sp);
    int64_t flight = st == EC_OK ? ec_escrow_in_flight(led, sku, NULL) : 0;
    int64_t global = rights + flight, now = ecomd_now_us();
    ecomd_doc_lit(d, ",\"regions\":{\"region\":");
    ecomd_doc_str(d, rg->self);
    ecomd_doc_printf(d, ",\"rights\":%lld,\"in_flight\":%lld,\"peers\":[", (long long)rights,
                     (long long)flight);
    for (size_t i = 0; st == EC_OK && i < rg->npeers; i++) {
        const ecomd_view_row *v = &sp.rows[i];
        int lost = ec_escrow_lost(led, rg->peers[i].name);
        ecomd_doc_lit(d, i ? ",{\"region\":" : "{\"region\":");
        ecomd_doc_str(d, rg->peers[i].name);
        ecomd_doc_printf(d, ",\"rights\":%lld,\"demand\":%lld,\"reported_at\":",
                         (long long)(v->region ? v->rights : 0),
                         (long long)(v->region ? v->demand : 0));
        put_time(d, v->region ? v->reported_us : 0);
        ecomd_doc_printf(d, ",\"reachable\":%s,\"lost\":%s}",
                         ecomd_regions_reachable(rg, &rg->peers[i], now) ? "true" : "false",
                         lost ? "true" : "false");
        if (v->region && !lost) global += v->rights;
    }
    ecomd_doc_printf(d, "],\"global_rights\":%lld}", (long long)global);
    ec_escrow_free(led);
    return st;
}

/* ---- GET /v1/regions ------------------------------------------------------------------------- */

static ec_status lost_item(void *ctx, const char *region, int64_t at_us, const char *by,
                           const char *reason)
{
    ecomd_doc *d = ctx;
    ecomd_doc_lit(d, d->p[d->len - 1] == '[' ? "{\"region\":" : ",{\"region\":");
    ecomd_doc_str(d, region);
    ecomd_doc_lit(d, ",\"at\":");
    put_time(d, at_us);
    ecomd_doc_lit(d, ",\"by\":");
    ecomd_doc_str(d, by);
    ecomd_doc_lit(d, ",\"reason\":");
    ecomd_doc_str(d, reason);
    ecomd_doc_lit(d, "}");
    return EC_OK;
}

static const char *const counter_names[ECOMD_RG_COUNTERS] = {"sent", "credited", "duplicate",
                                                             "acknowledged", "counted_twice"};

char *ecomd_regions_picture(ecomd_regions *rg, size_t *len, ec_status *st)
{
    ecomd_doc d = {0};
    int64_t now = ecomd_now_us();
    ecomd_doc_lit(&d, "{\"region\":");
    ecomd_doc_str(&d, rg->self);
    ecomd_doc_printf(&d, ",\"rights\":%lld,\"lease_held_here\":%s,\"peers\":[",
                     (long long)atomic_load(&rg->rights),
                     atomic_load(&rg->lease_held) ? "true" : "false");
    for (size_t i = 0; i < rg->npeers; i++) {
        ecomd_peer *p = &rg->peers[i];
        ecomd_doc_lit(&d, i ? ",{\"region\":" : "{\"region\":");
        ecomd_doc_str(&d, p->name);
        ecomd_doc_lit(&d, ",\"url\":");
        ecomd_doc_str(&d, p->url);
        ecomd_doc_printf(&d, ",\"reachable\":%s,\"lost\":%s,\"last_answer_at\":",
                         ecomd_regions_reachable(rg, p, now) ? "true" : "false",
                         atomic_load(&p->lost) ? "true" : "false");
        put_time(&d, atomic_load(&p->last_ok_us));
        ecomd_doc_printf(&d, ",\"rights\":%lld,\"in_flight\":{\"transfers\":%lld,\"units\":%lld}}",
                         (long long)atomic_load(&p->rights),
                         (long long)atomic_load(&p->in_flight_n),
                         (long long)atomic_load(&p->in_flight_units));
    }
    ecomd_doc_lit(&d, "],\"lost\":[");
    *st = ecomd_lost_read(rg->srv->store, lost_item, &d);
    ecomd_doc_lit(&d, "],\"transfers\":{");
    for (int k = 0; k < ECOMD_RG_COUNTERS; k++)
        ecomd_doc_printf(&d, "%s\"%s\":%llu", k ? "," : "", counter_names[k],
                         atomic_load(&rg->counters[k]));
    ecomd_doc_lit(&d, "}}");
    return ecomd_doc_take(&d, len);
}

/* ---- metrics ----------------------------------------------------------------------------------
 */

void ecomd_regions_metrics(ecomd_regions *rg, ecomd_doc *d)
{
    ecomd_doc_printf(d,
                     "# HELP ecomd_region_rights Stock rights a region holds: this region's from "
                     "its store, the others' as last reported.\n"
                     "# TYPE ecomd_region_rights gauge\n"
                     "ecomd_region_rights{region=\"%s\"} %lld\n",
                     rg->self, (long long)atomic_load(&rg->rights));
    for (size_t i = 0; i < rg->npeers; i++)
        ecomd_doc_printf(d, "ecomd_region_rights{region=\"%s\"} %lld\n", rg->peers[i].name,
                         (long long)atomic_load(&rg->peers[i].rights));
    ecomd_doc_lit(d, "# HELP ecomd_region_transfers_in_flight Transfers debited here that the "
                     "region they go to has not acknowledged.\n"
                     "# TYPE ecomd_region_transfers_in_flight gauge\n");
    for (size_t i = 0; i < rg->npeers; i++)
        ecomd_doc_printf(d, "ecomd_region_transfers_in_flight{to=\"%s\"} %lld\n", rg->peers[i].name,
                         (long long)atomic_load(&rg->peers[i].in_flight_n));
    ecomd_doc_lit(d, "# HELP ecomd_region_transfer_units_in_flight Units of those transfers.\n"
                     "# TYPE ecomd_region_transfer_units_in_flight gauge\n");
    for (size_t i = 0; i < rg->npeers; i++)
        ecomd_doc_printf(d, "ecomd_region_transfer_units_in_flight{to=\"%s\"} %lld\n",
                         rg->peers[i].name, (long long)atomic_load(&rg->peers[i].in_flight_units));
    ecomd_doc_printf(d,
                     "# HELP ecomd_region_refusals_total Reservations and checkouts refused for "
                     "lack of this region's rights, by whether another region held rights of the "
                     "SKU as last reported.\n"
                     "# TYPE ecomd_region_refusals_total counter\n"
                     "ecomd_region_refusals_total{peer_holds_rights=\"false\"} %llu\n"
                     "ecomd_region_refusals_total{peer_holds_rights=\"true\"} %llu\n",
                     atomic_load(&rg->refusals[0]), atomic_load(&rg->refusals[1]));
    ecomd_doc_lit(d, "# HELP ecomd_region_transfers_total Transfers by what happened to them "
                     "here (counted_twice: acknowledged after being taken back; see "
                     "docs/regions.md).\n"
                     "# TYPE ecomd_region_transfers_total counter\n");
    for (int k = 0; k < ECOMD_RG_COUNTERS; k++)
        ecomd_doc_printf(d, "ecomd_region_transfers_total{event=\"%s\"} %llu\n", counter_names[k],
                         atomic_load(&rg->counters[k]));
    ecomd_doc_lit(d, "# HELP ecomd_region_exchanges_total Messages sent to a peer region, by "
                     "whether it answered.\n"
                     "# TYPE ecomd_region_exchanges_total counter\n");
    for (size_t i = 0; i < rg->npeers; i++)
        ecomd_doc_printf(d,
                         "ecomd_region_exchanges_total{peer=\"%s\",result=\"ok\"} %llu\n"
                         "ecomd_region_exchanges_total{peer=\"%s\",result=\"error\"} %llu\n",
                         rg->peers[i].name, atomic_load(&rg->peers[i].exchanges[0]),
                         rg->peers[i].name, atomic_load(&rg->peers[i].exchanges[1]));
    ecomd_doc_printf(d,
                     "# HELP ecomd_region_lease_held 1 while this instance exchanges and "
                     "rebalances for its region.\n"
                     "# TYPE ecomd_region_lease_held gauge\necomd_region_lease_held %d\n",
                     atomic_load(&rg->lease_held));
}
