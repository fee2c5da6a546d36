/* store_pg_stock.c - the PostgreSQL adapter's inventory rows: the row reads
 * and writes that stock_rows.c turns into an ec_inventory and back.
 *
 * No oversell across instances: a write transaction first locks the named
 * reservation, then the stock rows of every SKU it touches, in (sku,
 * location) order, and only then reads the lapsed reservations.  Every
 * change to `held` (and every reservation a load reads as lapsed) happens
 * under the lock of its stock rows, so two operations on a common SKU run
 * one after the other, and at READ COMMITTED the second one sees the first
 * one's counts.  The fixed order means two such transactions (and the
 * sweeper, which takes the same order) cannot deadlock. */
#include <stdio.h>
#include <stdlib.h>

#include "stock_rows.h"
#include "store_pg.h"

/* The connection and whether the reads take the write's row locks. */
typedef struct pg_stock_conn {
    pg_conn *c;
    int lock;
} pg_stock_conn;

static int64_t int_value(const PGresult *res, int row, int col);

static ec_status io_reservation(void *conn, const char *id, ecomd_res_row *row, int *found)
{
    pg_stock_conn *sc = conn;
    const char *vals[1] = {id};
    PGresult *res = pg_run(sc->c,
                           sc->lock ? "SELECT status, expires_at, order_id FROM reservations"
                                      " WHERE id = $1 FOR UPDATE"
                                    : "SELECT status, expires_at, order_id FROM reservations"
                                      " WHERE id = $1",
                           1, vals, NULL, NULL, 0, NULL);
    *found = 0;
    if (!res) return EC_UNAVAILABLE;
    if (PQntuples(res) > 0) {
        snprintf(row->status, sizeof row->status, "%s", PQgetvalue(res, 0, 0));
        row->expires_us = int_value(res, 0, 1);
        snprintf(row->order, sizeof row->order, "%s", PQgetvalue(res, 0, 2));
        *found = 1;
    }
    PQclear(res);
    return EC_OK;
}

static ec_status io_reservation_lines(void *conn, const char *id, ecomd_res_line_fn fn, void *ctx)
{
    pg_stock_conn *sc = conn;
    const char *vals[1] = {id};
    PGresult *res = pg_run(sc->c,
                           "SELECT sku, location, quantity, shipped, released, returned"
                           " FROM reservation_lines WHERE reservation_id = $1"
                           " ORDER BY position, sku, location",
                           1, vals, NULL, NULL, 0, NULL);
    if (!res) return EC_UNAVAILABLE;
    ec_status rc = EC_OK;
    for (int i = 0; i < PQntuples(res) && rc == EC_OK; i++) {
        ecomd_res_line line = {PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), int_value(res, i, 2),
                               int_value(res, i, 3),  int_value(res, i, 4),  int_value(res, i, 5)};
        rc = fn(ctx, &line);
    }
    PQclear(res);
    return rc;
}

static int64_t int_value(const PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* Each row of `res` to fn: (sku, location, on_hand, safety_stock,
 * backorder_limit, held) for stock rows, else (sku, location, held). */
static ec_status each_row(PGresult *res, int stock_rows, ecomd_stock_row_fn fn, void *ctx)
{
    if (!res) return EC_UNAVAILABLE;
    ec_status rc = EC_OK;
    for (int i = 0; i < PQntuples(res) && rc == EC_OK; i++) {
        ecomd_stock_row row = {PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), 0, 0, 0, 0};
        if (stock_rows) {
            row.on_hand = int_value(res, i, 2);
            row.safety_stock = int_value(res, i, 3);
            row.backorder_limit = int_value(res, i, 4);
        }
        row.held = int_value(res, i, stock_rows ? 5 : 2);
        rc = fn(ctx, &row);
    }
    PQclear(res);
    return rc;
}

static ec_status io_stock(void *conn, const char *skus, ecomd_stock_row_fn fn, void *ctx)
{
    pg_stock_conn *sc = conn;
    const char *vals[1] = {skus};
    return each_row(pg_run(sc->c,
                           sc->lock ? "SELECT sku, location, on_hand, safety_stock,"
                                      " backorder_limit, held FROM stock"
                                      " WHERE sku IN (SELECT json_array_elements_text($1::json))"
                                      " ORDER BY sku, location FOR UPDATE"
                                    : "SELECT sku, location, on_hand, safety_stock,"
                                      " backorder_limit, held FROM stock"
                                      " WHERE sku IN (SELECT json_array_elements_text($1::json))"
                                      " ORDER BY sku, location",
                           1, vals, NULL, NULL, 0, NULL),
                    1, fn, ctx);
}

static ec_status io_lapsed(void *conn, const char *skus, const char *id, int64_t now,
                           ecomd_stock_row_fn fn, void *ctx)
{
    pg_stock_conn *sc = conn;
    char b[PG_INT_BUF];
    const char *vals[3] = {skus, id, pg_int(b, now)};
    return each_row(
        pg_run(sc->c,
               "SELECT l.sku, l.location, sum(l.quantity - l.shipped - l.released)"
               " FROM reservations r"
               " JOIN reservation_lines l ON l.reservation_id = r.id"
               " WHERE r.status = 'active' AND r.expires_at <= $3::bigint AND r.id <> $2"
               " AND l.sku IN (SELECT json_array_elements_text($1::json))"
               " GROUP BY l.sku, l.location",
               3, vals, NULL, NULL, 0, NULL),
        0, fn, ctx);
}

static ec_status io_stock_put(void *conn, const ecomd_stock_row *row)
{
    pg_stock_conn *sc = conn;
    char b1[PG_INT_BUF], b2[PG_INT_BUF], b3[PG_INT_BUF];
    const char *vals[5] = {row->sku, row->location, pg_int(b1, row->on_hand),
                           pg_int(b2, row->safety_stock), pg_int(b3, row->backorder_limit)};
    return pg_do(
        sc->c,
        "INSERT INTO stock(sku, location, on_hand, safety_stock, backorder_limit)"
        " VALUES ($1, $2, $3::bigint, $4::bigint, $5::bigint)"
        " ON CONFLICT(sku, location) DO UPDATE SET on_hand = excluded.on_hand,"
        " safety_stock = excluded.safety_stock, backorder_limit = excluded.backorder_limit",
        5, vals);
}

static ec_status io_held_add(void *conn, const char *sku, const char *location, int64_t delta)
{
    pg_stock_conn *sc = conn;
    char b[PG_INT_BUF];
    const char *vals[3] = {sku, location, pg_int(b, delta)};
    PGresult *res = pg_run(sc->c,
                           "UPDATE stock SET held = held + $3::bigint"
                           " WHERE sku = $1 AND location = $2",
                           3, vals, NULL, NULL, 0, NULL);
    if (!res) return EC_UNAVAILABLE;
    ec_status rc = strtoll(PQcmdTuples(res), NULL, 10) == 1 ? EC_OK : EC_NOT_FOUND;
    PQclear(res);
    return rc;
}

static ec_status io_reservation_put(void *conn, const char *id, const char *status,
                                    int64_t expires_us, const char *order, int64_t created_us)
{
    pg_stock_conn *sc = conn;
    char b[PG_INT_BUF], c[PG_INT_BUF];
    const char *vals[5] = {id, status, pg_int(b, expires_us), order, pg_int(c, created_us)};
    return pg_do(sc->c,
                 "INSERT INTO reservations(id, status, expires_at, order_id, created_at)"
                 " VALUES ($1, $2, $3::bigint, $4, $5::bigint) ON CONFLICT(id) DO UPDATE SET"
                 " status = excluded.status, expires_at = excluded.expires_at,"
                 " order_id = excluded.order_id",
                 5, vals);
}

static ec_status io_lines_clear(void *conn, const char *id)
{
    pg_stock_conn *sc = conn;
    const char *vals[1] = {id};
    return pg_do(sc->c, "DELETE FROM reservation_lines WHERE reservation_id = $1", 1, vals);
}

static ec_status io_line_add(void *conn, const char *id, int64_t position,
                             const ecomd_res_line *line)
{
    pg_stock_conn *sc = conn;
    char b[5][PG_INT_BUF];
    const char *vals[8] = {id,
                           line->sku,
                           line->location,
                           pg_int(b[0], line->quantity),
                           pg_int(b[1], position),
                           pg_int(b[2], line->shipped),
                           pg_int(b[3], line->released),
                           pg_int(b[4], line->returned)};
    return pg_do(sc->c,
                 "INSERT INTO reservation_lines(reservation_id, sku, location, quantity, position,"
                 " shipped, released, returned) VALUES ($1, $2, $3, $4::bigint, $5::bigint,"
                 " $6::bigint, $7::bigint, $8::bigint) ON CONFLICT(reservation_id, sku, location)"
                 " DO UPDATE SET quantity = reservation_lines.quantity + excluded.quantity,"
                 " shipped = reservation_lines.shipped + excluded.shipped,"
                 " released = reservation_lines.released + excluded.released,"
                 " returned = reservation_lines.returned + excluded.returned",
                 8, vals);
}

static const ecomd_stock_io pg_stock_io = {
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

ec_status pg_stock_load_conn(pg_conn *c, const ecomd_skus *skus, const char *id, int64_t now,
                             int lock, ecomd_stock *stock)
{
    pg_stock_conn sc = {c, lock};
    return ecomd_stock_load(&pg_stock_io, &sc, skus, id, now, stock);
}

ec_status pg_stock_save_conn(pg_conn *c, const ecomd_stock *stock)
{
    pg_stock_conn sc = {c, 1};
    return ecomd_stock_save(&pg_stock_io, &sc, stock);
}
