/* store_sqlite_regions.c - the SQLite adapter's statements of the regions'
 * tables (regions.h, ECOMD_RQ_*; the tables are migration 11), and the
 * store operation that runs them.  regions_store.c holds the logic.
 *
 * Within a write nobody else writes (BEGIN IMMEDIATE), so loading a
 * transfer is locking it; the lock statement does nothing here. */
#include <sqlite3.h>
#include <stdio.h>

#include "ecomd.h"
#include "regions.h"
#include "store_sqlite.h"

static const char *const sq_regions_sql[ECOMD_RQ_COUNT] = {
    [ECOMD_RQ_LEDGER_LOCK] = "SELECT ?1 WHERE 0",
    [ECOMD_RQ_LEDGER_LOAD] = "SELECT doc, status FROM region_transfers"
                             " WHERE id IN (SELECT value FROM json_each(?1))"
                             " OR (status = 'pending' AND to_region = ?2)"
                             " ORDER BY created_at, id",
    [ECOMD_RQ_PENDING_READ] = "SELECT doc, status FROM region_transfers"
                              " WHERE status = 'pending' AND (?1 IS NULL OR to_region = ?1)"
                              " ORDER BY created_at, id LIMIT ?2",
    [ECOMD_RQ_TRANSFER_ADD] = "INSERT INTO region_transfers(id, from_region, to_region, sku, kind,"
                              " quantity, status, doc, created_at, updated_at)"
                              " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
    [ECOMD_RQ_TRANSFER_MOVE] = "UPDATE region_transfers SET status = ?2, updated_at = ?3"
                               " WHERE id = ?1",
    [ECOMD_RQ_LOST_READ] = "SELECT region, at, by, reason FROM region_lost ORDER BY region",
    [ECOMD_RQ_LOST_ADD] = "INSERT INTO region_lost(region, at, by, reason) VALUES (?1, ?2, ?3, ?4)"
                          " ON CONFLICT(region) DO NOTHING",
    [ECOMD_RQ_VIEW_PUT] = "INSERT INTO region_view(region, sku, rights, demand, locations,"
                          " reported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                          " ON CONFLICT(region, sku) DO UPDATE SET rights = excluded.rights,"
                          " demand = excluded.demand, locations = excluded.locations,"
                          " reported_at = excluded.reported_at"
                          " WHERE excluded.reported_at >= region_view.reported_at",
    [ECOMD_RQ_VIEW_READ] = "SELECT region, sku, rights, demand, locations, reported_at"
                           " FROM region_view WHERE ?1 IS NULL OR sku = ?1"
                           " ORDER BY sku, region LIMIT 10000",
    [ECOMD_RQ_DEMAND_ADD] =
        "INSERT INTO region_demand(sku, second, units) VALUES (?1, ?2, ?3)"
        " ON CONFLICT(sku, second) DO UPDATE SET units = units + excluded.units",
    [ECOMD_RQ_DEMAND_READ] = "SELECT sku, sum(units) FROM region_demand WHERE second >= ?1"
                             " GROUP BY sku ORDER BY sku LIMIT ?2",
    [ECOMD_RQ_DEMAND_PRUNE] = "DELETE FROM region_demand WHERE second < ?1",
    [ECOMD_RQ_LEASE_TAKE] = "INSERT INTO region_leases(name, holder, until) VALUES (?1, ?2, ?4)"
                            " ON CONFLICT(name) DO UPDATE SET holder = excluded.holder,"
                            " until = excluded.until"
                            " WHERE region_leases.until < ?3 OR region_leases.holder = ?2"
                            " RETURNING holder",
    [ECOMD_RQ_RIGHTS_TOTAL] = "SELECT coalesce(sum(max(0, on_hand - safety_stock - held"
                              " + backorder_limit)), 0) FROM stock",
    [ECOMD_RQ_IN_FLIGHT] = "SELECT to_region, count(*), sum(quantity) FROM region_transfers"
                           " WHERE status = 'pending' GROUP BY to_region ORDER BY to_region",
};

static void sq_regions_log(sqlite3 *db)
{
    char extra[600], quoted[560];
    if (!ecomd_json_quote(quoted, sizeof quoted, sqlite3_errmsg(db))) snprintf(quoted, 3, "\"\"");
    snprintf(extra, sizeof extra, "\"store\":\"sqlite\",\"detail\":%s", quoted);
    ecomd_log(NULL, "error", "store error", extra);
}

/* Step st to its end, each row to fn. */
static ec_status each_row(sqlite3_stmt *st, ecomd_sql_row_fn fn, void *ctx)
{
    const char *cols[8];
    ec_status rc = EC_OK;
    int step;
    while (rc == EC_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int n = sqlite3_column_count(st);
        if (n > 8) n = 8;
        for (int i = 0; i < n; i++) cols[i] = (const char *)sqlite3_column_text(st, i);
        if (fn) rc = fn(ctx, n, cols);
    }
    if (rc == EC_OK && step != SQLITE_DONE) rc = EC_UNAVAILABLE;
    return rc;
}

ec_status sq_regions_sql_run(ecomd_store *base, ecomd_tx *tx, int stmt, int n,
                             const ecomd_sql_value *vals, ecomd_sql_row_fn fn, void *ctx,
                             int64_t *changes)
{
    if (stmt < 0 || stmt >= ECOMD_RQ_COUNT) return EC_INTERNAL;
    sq_store *s = (sq_store *)base;
    sq_conn *c = tx ? tx->conn : sq_acquire(s);
    sqlite3_stmt *st = NULL;
    ec_status rc = EC_UNAVAILABLE;
    if (sqlite3_prepare_v2(c->db, sq_regions_sql[stmt], -1, &st, NULL) == SQLITE_OK) {
        for (int i = 0; i < n; i++) {
            if (vals[i].is_int)
                sqlite3_bind_int64(st, i + 1, vals[i].i);
            else if (vals[i].s)
                sqlite3_bind_text(st, i + 1, vals[i].s, -1, SQLITE_STATIC);
        }
        rc = each_row(st, fn, ctx);
        if (rc == EC_UNAVAILABLE) sq_regions_log(c->db);
        if (changes) *changes = sqlite3_changes(c->db);
    } else {
        sq_regions_log(c->db);
    }
    sqlite3_finalize(st);
    if (!tx) sq_release(s, c);
    return rc;
}
