/* regions_store.c - the regions' rows in either store, through the
 * adapter's `sql` operation and its statements (regions.h, ECOMD_RQ_*).
 *
 * A transfer is kept as its document, written and read by the library,
 * next to the columns the store queries (regions, SKU, status, quantity),
 * so the store moves rows and never looks inside a transfer.  A new row is
 * inserted, never upserted: should two transactions ever credit one
 * transfer past the ledger's lock, the second fails on the key instead of
 * counting it twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "regions.h"

static ecomd_sql_value text(const char *s)
{
    return (ecomd_sql_value){s, 0, 0};
}

static ecomd_sql_value num(int64_t i)
{
    return (ecomd_sql_value){NULL, i, 1};
}

static int64_t num_of(const char *s)
{
    return s ? strtoll(s, NULL, 10) : 0;
}

static ec_status run(ecomd_store *s, ecomd_tx *tx, int stmt, int n, const ecomd_sql_value *vals,
                     ecomd_sql_row_fn fn, void *ctx)
{
    return s->ops->sql(s, tx, stmt, n, vals, fn, ctx, NULL);
}

/* ---- the ledger ------------------------------------------------------------------------------ */

static ec_status restore_row(void *ctx, int ncols, const char *const *cols)
{
    static const char *const names[] = {"pending", "delivered", "credited", "canceled"};
    ec_escrow *led = ctx;
    int32_t status = -1;
    for (int32_t k = 0; k < 4; k++)
        if (ncols > 1 && cols[1] && strcmp(cols[1], names[k]) == 0) status = k;
    ec_escrow_transfer *t = ec_escrow_transfer_new();
    if (!t) return EC_NO_MEMORY;
    ec_status rc =
        cols[0] ? ec_escrow_transfer_from_json(t, cols[0], strlen(cols[0]), NULL) : EC_INTERNAL;
    if (rc == EC_OK) rc = ec_escrow_restore(led, t, status, NULL);
    ec_escrow_transfer_free(t);
    return rc == EC_OK || rc == EC_NO_MEMORY ? rc : EC_INTERNAL; /* a damaged row */
}

static ec_status restore_lost(void *ctx, int ncols, const char *const *cols)
{
    (void)ncols;
    return ec_escrow_restore_lost(ctx, cols[0], NULL) == EC_OK ? EC_OK : EC_INTERNAL;
}

ec_status ecomd_ledger_load(ecomd_store *s, ecomd_tx *tx, const char *ids, const char *pending_to,
                            ec_escrow *led)
{
    ecomd_sql_value v[2] = {text(ids), text(pending_to)};
    ec_status rc = run(s, tx, ECOMD_RQ_LEDGER_LOCK, 1, v, NULL, NULL);
    if (rc == EC_OK) rc = run(s, tx, ECOMD_RQ_LEDGER_LOAD, 2, v, restore_row, led);
    if (rc == EC_OK) rc = run(s, tx, ECOMD_RQ_LOST_READ, 0, NULL, restore_lost, led);
    return rc;
}

ec_status ecomd_pending_read(ecomd_store *s, const char *to, int limit, ec_escrow *led)
{
    ecomd_sql_value v[2] = {text(to), num(limit)};
    ec_status rc = run(s, NULL, ECOMD_RQ_PENDING_READ, 2, v, restore_row, led);
    if (rc == EC_OK) rc = run(s, NULL, ECOMD_RQ_LOST_READ, 0, NULL, restore_lost, led);
    return rc;
}

static ec_status save_transfer(ecomd_store *s, ecomd_tx *tx, const ec_escrow_transfer *t,
                               int32_t status, int64_t at_us)
{
    const char *name = ec_escrow_status_name(status);
    if (status == EC_ESCROW_DELIVERED || status == EC_ESCROW_CANCELED) {
        ecomd_sql_value v[3] = {text(ec_escrow_transfer_id(t)), text(name), num(at_us)};
        return run(s, tx, ECOMD_RQ_TRANSFER_MOVE, 3, v, NULL, NULL);
    }
    char *doc = NULL;
    if (ec_escrow_transfer_to_json(t, &doc, NULL) != EC_OK) return EC_NO_MEMORY;
    ecomd_sql_value v[9] = {text(ec_escrow_transfer_id(t)),
                            text(ec_escrow_transfer_from(t)),
                            text(ec_escrow_transfer_to(t)),
                            text(ec_escrow_transfer_sku(t)),
                            text(ec_escrow_kind_name(ec_escrow_transfer_kind(t))),
                            num(ec_escrow_transfer_quantity(t)),
                            text(name),
                            text(doc),
                            num(at_us)};
    ec_status rc = run(s, tx, ECOMD_RQ_TRANSFER_ADD, 9, v, NULL, NULL);
    ec_free(doc);
    return rc;
}

ec_status ecomd_ledger_save(ecomd_store *s, ecomd_tx *tx, const ec_escrow *led, int64_t at_us,
                            const char *by, const char *reason)
{
    const ec_escrow_transfer *t = NULL;
    int32_t status = 0;
    ec_status rc = EC_OK;
    for (size_t c = ec_escrow_changed(led, 0, &t, &status); rc == EC_OK && c;
         c = ec_escrow_changed(led, c, &t, &status))
        rc = save_transfer(s, tx, t, status, at_us);
    const char *region = NULL;
    for (size_t c = ec_escrow_changed_lost(led, 0, &region); rc == EC_OK && c;
         c = ec_escrow_changed_lost(led, c, &region)) {
        ecomd_sql_value v[4] = {text(region), num(at_us), text(by), text(reason)};
        rc = run(s, tx, ECOMD_RQ_LOST_ADD, 4, v, NULL, NULL);
    }
    return rc;
}

typedef struct lost_ctx {
    ecomd_lost_fn fn;
    void *ctx;
} lost_ctx;

static ec_status lost_row(void *ctx, int ncols, const char *const *cols)
{
    lost_ctx *l = ctx;
    (void)ncols;
    return l->fn(l->ctx, cols[0], num_of(cols[1]), cols[2] ? cols[2] : "", cols[3] ? cols[3] : "");
}

ec_status ecomd_lost_read(ecomd_store *s, ecomd_lost_fn fn, void *ctx)
{
    lost_ctx l = {fn, ctx};
    return run(s, NULL, ECOMD_RQ_LOST_READ, 0, NULL, lost_row, &l);
}

/* ---- the picture of the other regions ---------------------------------------------------------
 */

/* [{"location","rights"}] of report item i. */
static char *locations_of(const ec_escrow_message *m, size_t i)
{
    ecomd_doc d = {0};
    ecomd_doc_lit(&d, "[");
    for (size_t k = 0; k < ec_escrow_message_report_location_count(m, i); k++) {
        ecomd_doc_lit(&d, k ? ",{\"location\":" : "{\"location\":");
        ecomd_doc_str(&d, ec_escrow_message_report_location(m, i, k));
        ecomd_doc_printf(&d, ",\"rights\":%lld}",
                         (long long)ec_escrow_message_report_location_rights(m, i, k));
    }
    ecomd_doc_lit(&d, "]");
    return ecomd_doc_take(&d, NULL);
}

ec_status ecomd_view_put(ecomd_store *s, ecomd_tx *tx, const ec_escrow_message *m)
{
    ec_status rc = EC_OK;
    for (size_t i = 0; rc == EC_OK && i < ec_escrow_message_report_count(m); i++) {
        char *locs = locations_of(m, i);
        if (!locs) return EC_NO_MEMORY;
        ecomd_sql_value v[6] = {text(ec_escrow_message_from(m)),
                                text(ec_escrow_message_report_sku(m, i)),
                                num(ec_escrow_message_report_rights(m, i)),
                                num(ec_escrow_message_report_demand(m, i)),
                                text(locs),
                                num(ec_escrow_message_at(m))};
        rc = run(s, tx, ECOMD_RQ_VIEW_PUT, 6, v, NULL, NULL);
        free(locs);
    }
    return rc;
}

typedef struct view_ctx {
    ecomd_view_fn fn;
    void *ctx;
} view_ctx;

static ec_status view_row(void *ctx, int ncols, const char *const *cols)
{
    view_ctx *v = ctx;
    (void)ncols;
    ecomd_view_row row = {
        cols[0],        cols[1], num_of(cols[2]), num_of(cols[3]), cols[4] ? cols[4] : "[]",
        num_of(cols[5])};
    return v->fn(v->ctx, &row);
}

ec_status ecomd_view_read(ecomd_store *s, ecomd_tx *tx, const char *sku, ecomd_view_fn fn,
                          void *ctx)
{
    view_ctx v = {fn, ctx};
    ecomd_sql_value val[1] = {text(sku)};
    return run(s, tx, ECOMD_RQ_VIEW_READ, 1, val, view_row, &v);
}

/* ---- demand, leases, totals ------------------------------------------------------------------ */

typedef struct units_ctx {
    ecomd_units_fn fn;
    void *ctx;
    int with_count; /* (name, count, units) rather than (name, units) */
} units_ctx;

static ec_status units_row(void *ctx, int ncols, const char *const *cols)
{
    units_ctx *u = ctx;
    (void)ncols;
    if (u->with_count) return u->fn(u->ctx, cols[0], num_of(cols[1]), num_of(cols[2]));
    return u->fn(u->ctx, cols[0], 0, num_of(cols[1]));
}

ec_status ecomd_demand_add(ecomd_store *s, ecomd_tx *tx, const char *sku, int64_t second,
                           int64_t units)
{
    ecomd_sql_value v[3] = {text(sku), num(second), num(units)};
    return run(s, tx, ECOMD_RQ_DEMAND_ADD, 3, v, NULL, NULL);
}

ec_status ecomd_demand_read(ecomd_store *s, ecomd_tx *tx, int64_t since_second, int limit,
                            ecomd_units_fn fn, void *ctx)
{
    units_ctx u = {fn, ctx, 0};
    ecomd_sql_value v[2] = {num(since_second), num(limit)};
    return run(s, tx, ECOMD_RQ_DEMAND_READ, 2, v, units_row, &u);
}

ec_status ecomd_demand_prune(ecomd_store *s, ecomd_tx *tx, int64_t before_second)
{
    ecomd_sql_value v[1] = {num(before_second)};
    return run(s, tx, ECOMD_RQ_DEMAND_PRUNE, 1, v, NULL, NULL);
}

static ec_status count_row(void *ctx, int ncols, const char *const *cols)
{
    (void)ncols;
    (void)cols;
    (*(int *)ctx)++;
    return EC_OK;
}

ec_status ecomd_lease_take(ecomd_store *s, ecomd_tx *tx, const char *name, const char *holder,
                           int64_t now_us, int64_t until_us, int *held)
{
    ecomd_sql_value v[4] = {text(name), text(holder), num(now_us), num(until_us)};
    *held = 0;
    return run(s, tx, ECOMD_RQ_LEASE_TAKE, 4, v, count_row, held);
}

static ec_status total_row(void *ctx, int ncols, const char *const *cols)
{
    (void)ncols;
    *(int64_t *)ctx = num_of(cols[0]);
    return EC_OK;
}

ec_status ecomd_rights_total(ecomd_store *s, int64_t *units)
{
    *units = 0;
    return run(s, NULL, ECOMD_RQ_RIGHTS_TOTAL, 0, NULL, total_row, units);
}

ec_status ecomd_in_flight_read(ecomd_store *s, ecomd_units_fn fn, void *ctx)
{
    units_ctx u = {fn, ctx, 1};
    return run(s, NULL, ECOMD_RQ_IN_FLIGHT, 0, NULL, units_row, &u);
}
