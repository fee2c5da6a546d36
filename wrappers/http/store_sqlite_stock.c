/* store_sqlite_stock.c - the SQLite adapter's inventory rows: the row reads
 * and writes that stock_rows.c turns into an ec_inventory and back.
 *
 * Within one BEGIN IMMEDIATE transaction nobody else writes, so what a
 * write loads is exact and the operation's checks (no oversell) hold for
 * the database; reads outside a write run in a read transaction (one
 * snapshot). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "stock_rows.h"
#include "store_sqlite.h"

static const char *column_text(sqlite3_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(st, col);
}

static ec_status io_reservation(void *conn, const char *id, ecomd_res_row *row, int *found)
{
    sqlite3_stmt *st = sq_stmt(conn, SQ_RES_LOAD);
    *found = 0;
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    ec_status result = rc == SQLITE_ROW || rc == SQLITE_DONE ? EC_OK : EC_UNAVAILABLE;
    if (rc == SQLITE_ROW) {
        const char *status = column_text(st, 0), *order = column_text(st, 2);
        snprintf(row->status, sizeof row->status, "%s", status ? status : "");
        snprintf(row->order, sizeof row->order, "%s", order ? order : "");
        row->expires_us = sqlite3_column_int64(st, 1);
        *found = 1;
    }
    sqlite3_reset(st);
    return result;
}

static ec_status io_reservation_lines(void *conn, const char *id, ecomd_res_line_fn fn, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(conn, SQ_RES_LINES_LOAD);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    ec_status result = EC_OK;
    int rc;
    while (result == EC_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ecomd_res_line line = {column_text(st, 0),          column_text(st, 1),
                               sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                               sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5)};
        result = line.sku && line.location ? fn(ctx, &line) : EC_NO_MEMORY;
    }
    if (result == EC_OK && rc != SQLITE_DONE) result = EC_UNAVAILABLE;
    sqlite3_reset(st);
    return result;
}

/* Step `st` to the end, handing each row to fn: (sku, location, on_hand,
 * safety_stock, backorder_limit, held) for stock rows, else (sku,
 * location, held). */
static ec_status each_row(sqlite3_stmt *st, int stock_rows, ecomd_stock_row_fn fn, void *ctx)
{
    ec_status result = EC_OK;
    int rc;
    while (result == EC_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        ecomd_stock_row row = {column_text(st, 0), column_text(st, 1), 0, 0, 0, 0};
        if (stock_rows) {
            row.on_hand = sqlite3_column_int64(st, 2);
            row.safety_stock = sqlite3_column_int64(st, 3);
            row.backorder_limit = sqlite3_column_int64(st, 4);
        }
        row.held = sqlite3_column_int64(st, stock_rows ? 5 : 2);
        result = row.sku && row.location ? fn(ctx, &row) : EC_NO_MEMORY;
    }
    if (result == EC_OK && rc != SQLITE_DONE) result = EC_UNAVAILABLE;
    sqlite3_reset(st);
    return result;
}

static ec_status io_stock(void *conn, const char *skus, ecomd_stock_row_fn fn, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(conn, SQ_STOCK_LOAD);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, skus, -1, SQLITE_STATIC);
    return each_row(st, 1, fn, ctx);
}

static ec_status io_lapsed(void *conn, const char *skus, const char *id, int64_t now,
                           ecomd_stock_row_fn fn, void *ctx)
{
    sqlite3_stmt *st = sq_stmt(conn, SQ_LAPSED_LOAD);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, skus, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    return each_row(st, 0, fn, ctx);
}

static ec_status io_stock_put(void *conn, const ecomd_stock_row *row)
{
    sqlite3_stmt *st = sq_stmt(conn, SQ_STOCK_SAVE);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, row->sku, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, row->location, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, row->on_hand);
    sqlite3_bind_int64(st, 4, row->safety_stock);
    sqlite3_bind_int64(st, 5, row->backorder_limit);
    return sq_step_done(conn, st);
}

static ec_status io_held_add(void *conn, const char *sku, const char *location, int64_t delta)
{
    sq_conn *c = conn;
    sqlite3_stmt *st = sq_stmt(c, SQ_HELD_ADD);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, sku, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, location, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, delta);
    ec_status rc = sq_step_done(c, st);
    return rc == EC_OK && sqlite3_changes(c->db) != 1 ? EC_NOT_FOUND : rc;
}

static ec_status io_reservation_put(void *conn, const char *id, const char *status,
                                    int64_t expires_us, const char *order, int64_t created_us)
{
    sqlite3_stmt *st = sq_stmt(conn, SQ_RES_SAVE);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, expires_us);
    if (order) sqlite3_bind_text(st, 4, order, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, created_us);
    return sq_step_done(conn, st);
}

static ec_status io_lines_clear(void *conn, const char *id)
{
    sqlite3_stmt *st = sq_stmt(conn, SQ_RES_LINES_DELETE);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return sq_step_done(conn, st);
}

static ec_status io_line_add(void *conn, const char *id, int64_t position,
                             const ecomd_res_line *line)
{
    sqlite3_stmt *st = sq_stmt(conn, SQ_RES_LINE_SAVE);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, line->sku, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, line->location, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, line->quantity);
    sqlite3_bind_int64(st, 5, position);
    sqlite3_bind_int64(st, 6, line->shipped);
    sqlite3_bind_int64(st, 7, line->released);
    sqlite3_bind_int64(st, 8, line->returned);
    return sq_step_done(conn, st);
}

static const ecomd_stock_io sq_stock_io = {
    .reservation = io_reservation,
    .reservation_lines = io_reservation_lines,
    .stock = io_stock,
    .lapsed = io_lapsed,
    .stock_put = io_stock_put,
    .held_add = io_held_add,
    .reservation_put = io_reservation_put,
    .lines_clear = io_lines_clear,
    .line_add = io_line_add,
};

ec_status sq_stock_load_conn(sq_conn *c, const ecomd_skus *skus, const char *id, int64_t now,
                             ecomd_stock *stock)
{
    return ecomd_stock_load(&sq_stock_io, c, skus, id, now, stock);
}

ec_status sq_stock_save_conn(sq_conn *c, const ecomd_stock *stock)
{
    return ecomd_stock_save(&sq_stock_io, c, stock);
}
