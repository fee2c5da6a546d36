/* store_pg_regions.c - the PostgreSQL adapter's statements of the regions'
 * tables (regions.h, ECOMD_RQ_*; the tables are migration 11), and the
 * store operation that runs them.  regions_store.c holds the logic.
 *
 * Locks: a write that names transfers first takes a transaction advisory
 * lock per id, in id order, then the ledger rows (FOR UPDATE), and only
 * then stock rows; a checkout never takes the first two, so the order of
 * store_pg.h holds.  The advisory lock also covers an id with no row yet:
 * two deliveries of one new transfer at once are credited one after the
 * other, the second as a duplicate. */
#include <stdio.h>
#include <stdlib.h>

#include "ecomd.h"
#include "regions.h"
#include "store_pg.h"

/* The advisory lock key of transfer ids (next to store_pg_sql.h's). */
#define PG_LOCK_TRANSFERS "7301010"

static const char *const pg_regions_sql[ECOMD_RQ_COUNT] = {
    [ECOMD_RQ_LEDGER_LOCK] = "SELECT pg_advisory_xact_lock(" PG_LOCK_TRANSFERS ", hashtext(v))"
                             " FROM (SELECT DISTINCT value AS v"
                             " FROM jsonb_array_elements_text($1::jsonb) ORDER BY 1) ids",
    [ECOMD_RQ_LEDGER_LOAD] = "SELECT doc, status FROM region_transfers"
                             " WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb))"
                             " OR (status = 'pending' AND to_region = $2::text)"
                             " ORDER BY created_at, id FOR UPDATE",
    [ECOMD_RQ_PENDING_READ] = "SELECT doc, status FROM region_transfers"
                              " WHERE status = 'pending' AND ($1::text IS NULL OR to_region = $1)"
                              " ORDER BY created_at, id LIMIT $2",
    [ECOMD_RQ_TRANSFER_ADD] = "INSERT INTO region_transfers(id, from_region, to_region, sku, kind,"
                              " quantity, status, doc, created_at, updated_at)"
                              " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    [ECOMD_RQ_TRANSFER_MOVE] = "UPDATE region_transfers SET status = $2, updated_at = $3"
                               " WHERE id = $1",
    [ECOMD_RQ_LOST_READ] = "SELECT region, at, by, reason FROM region_lost ORDER BY region",
    [ECOMD_RQ_LOST_ADD] = "INSERT INTO region_lost(region, at, by, reason) VALUES ($1, $2, $3, $4)"
                          " ON CONFLICT (region) DO NOTHING",
    [ECOMD_RQ_VIEW_PUT] = "INSERT INTO region_view(region, sku, rights, demand, locations,"
                          " reported_at) VALUES ($1, $2, $3, $4, $5, $6)"
                          " ON CONFLICT (region, sku) DO UPDATE SET rights = excluded.rights,"
                          " demand = excluded.demand, locations = excluded.locations,"
                          " reported_at = excluded.reported_at"
                          " WHERE excluded.reported_at >= region_view.reported_at",
    [ECOMD_RQ_VIEW_READ] = "SELECT region, sku, rights, demand, locations, reported_at"
                           " FROM region_view WHERE $1::text IS NULL OR sku = $1"
                           " ORDER BY sku, region LIMIT 10000",
    [ECOMD_RQ_DEMAND_ADD] = "INSERT INTO region_demand(sku, second, units) VALUES ($1, $2, $3)"
                            " ON CONFLICT (sku, second)"
                            " DO UPDATE SET units = region_demand.units + excluded.units",
    [ECOMD_RQ_DEMAND_READ] = "SELECT sku, sum(units) FROM region_demand WHERE second >= $1"
                             " GROUP BY sku ORDER BY sku LIMIT $2",
    [ECOMD_RQ_DEMAND_PRUNE] = "DELETE FROM region_demand WHERE second < $1",
    [ECOMD_RQ_LEASE_TAKE] = "INSERT INTO region_leases(name, holder, until) VALUES ($1, $2, $4)"
                            " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                            " until = excluded.until"
                            " WHERE region_leases.until < $3 OR region_leases.holder = $2"
                            " RETURNING holder",
    [ECOMD_RQ_RIGHTS_TOTAL] = "SELECT coalesce(sum(greatest(0, on_hand - safety_stock - held"
                              " + backorder_limit)), 0) FROM stock",
    [ECOMD_RQ_IN_FLIGHT] = "SELECT to_region, count(*), sum(quantity) FROM region_transfers"
                           " WHERE status = 'pending' GROUP BY to_region ORDER BY to_region",
};

enum { MAX_PARAMS = 12, MAX_COLS = 8 };

ec_status pg_regions_sql_run(ecomd_store *base, ecomd_tx *tx, int stmt, int n,
                             const ecomd_sql_value *vals, ecomd_sql_row_fn fn, void *ctx,
                             int64_t *changes)
{
    if (stmt < 0 || stmt >= ECOMD_RQ_COUNT || n > MAX_PARAMS) return EC_INTERNAL;
    pg_store *s = (pg_store *)base;
    char ints[MAX_PARAMS][PG_INT_BUF];
    const char *params[MAX_PARAMS];
    for (int i = 0; i < n; i++) params[i] = vals[i].is_int ? pg_int(ints[i], vals[i].i) : vals[i].s;
    pg_conn *c = tx ? tx->conn : pg_acquire(s);
    PGresult *res = tx ? pg_run(c, pg_regions_sql[stmt], n, params, NULL, NULL, 0, NULL)
                       : pg_read(s, c, pg_regions_sql[stmt], n, params, 0);
    ec_status rc = res ? EC_OK : EC_UNAVAILABLE;
    const char *cols[MAX_COLS];
    int ncols = res ? PQnfields(res) : 0;
    if (ncols > MAX_COLS) ncols = MAX_COLS;
    for (int r = 0; rc == EC_OK && fn && r < PQntuples(res); r++) {
        for (int k = 0; k < ncols; k++)
            cols[k] = PQgetisnull(res, r, k) ? NULL : PQgetvalue(res, r, k);
        rc = fn(ctx, ncols, cols);
    }
    if (res && changes) *changes = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    if (!tx) pg_release(s, c);
    return rc;
}
