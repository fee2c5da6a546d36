/* stock_rows.h - the part of a store adapter's inventory work that does not
 * depend on the database: loading the rows an operation can see into the
 * library's ec_inventory, and writing back the rows the operation changed.
 * Each adapter supplies the row reads and writes (ecomd_stock_io) on the
 * connection of its transaction.
 *
 * The rows: stock(sku, location, on_hand, safety_stock, backorder_limit,
 * held), reservations(id, status, expires_at, order_id) and their lines
 * (position, sku, location, quantity, shipped, released, returned).
 * `held` is what the active and committed reservations hold at a location
 * (their open units), kept up to date by every write, so that an
 * operation reads a SKU's availability from its stock rows instead of
 * summing every reservation of the SKU.  Active reservations past their
 * expiry still count in `held` until the sweeper expires them; a load
 * subtracts those few ("lapsed"), so lazy expiry holds exactly as in the
 * library.  What other reservations hold enters the inventory as a hold
 * from outside (ec_inventory_restore_held); only the reservation the
 * operation names is loaded whole. */
#ifndef ECOMD_STOCK_ROWS_H
#define ECOMD_STOCK_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "ecommerce.h"

/* Distinct SKUs an operation touches (copied), and their JSON array text
 * for the SQL that takes a list. */
typedef struct ecomd_skus {
    char **v;
    size_t n, cap;
} ecomd_skus;

/* Add a SKU unless present: EC_OK or EC_NO_MEMORY. */
ec_status ecomd_skus_add(ecomd_skus *s, const char *sku);
/* ["a","b"] (malloc'd), NULL when out of memory. */
char *ecomd_skus_json(const ecomd_skus *s);
void ecomd_skus_free(ecomd_skus *s);

/* The loaded inventory, and the named reservation as it was loaded: what
 * each of its lines held, so that saving keeps `held` in step. */
typedef struct ecomd_stock {
    ec_inventory *inv;
    char id[129];  /* the named reservation; "" when none */
    int64_t *held; /* per line, as loaded; NULL when it did not exist */
    size_t nlines;
    int64_t now_us; /* the operation's time: a new reservation's created_at */
} ecomd_stock;

void ecomd_stock_done(ecomd_stock *st);

typedef struct ecomd_stock_row {
    const char *sku, *location;
    int64_t on_hand, safety_stock, backorder_limit, held;
} ecomd_stock_row;

/* A reservation as stored, and one of its lines. */
typedef struct ecomd_res_row {
    char status[16];
    char order[129]; /* "" when none */
    int64_t expires_us;
} ecomd_res_row;

typedef struct ecomd_res_line {
    const char *sku, *location;
    int64_t quantity, shipped, released, returned;
} ecomd_res_line;

/* Called for each row a read yields; a status other than EC_OK stops it. */
typedef ec_status (*ecomd_stock_row_fn)(void *ctx, const ecomd_stock_row *row);
typedef ec_status (*ecomd_res_line_fn)(void *ctx, const ecomd_res_line *line);

typedef struct ecomd_stock_io {
    /* Reservation `id`: *found 0 when there is none; for a write, locked. */
    ec_status (*reservation)(void *conn, const char *id, ecomd_res_row *row, int *found);
    /* Its lines, in position order. */
    ec_status (*reservation_lines)(void *conn, const char *id, ecomd_res_line_fn fn, void *ctx);
    /* The stock rows of `skus` (a JSON array of strings) in (sku, location)
     * order; for a write, locked. */
    ec_status (*stock)(void *conn, const char *skus, ecomd_stock_row_fn fn, void *ctx);
    /* The open units of active reservations other than `id` that are past
     * their expiry at `now`, on `skus`, summed per (sku, location) into
     * `held`. */
    ec_status (*lapsed)(void *conn, const char *skus, const char *id, int64_t now,
                        ecomd_stock_row_fn fn, void *ctx);
    /* Upsert a stock row's levels (held untouched). */
    ec_status (*stock_put)(void *conn, const ecomd_stock_row *row);
    /* held += delta on an existing row; EC_NOT_FOUND when there is none. */
    ec_status (*held_add)(void *conn, const char *sku, const char *location, int64_t delta);
    /* created_us is kept from the first put (the list's order). */
    ec_status (*reservation_put)(void *conn, const char *id, const char *status, int64_t expires_us,
                                 const char *order, int64_t created_us);
    /* Replace a reservation's line rows: clear, then add each. */
    ec_status (*lines_clear)(void *conn, const char *id);
    ec_status (*line_add)(void *conn, const char *id, int64_t position, const ecomd_res_line *line);
} ecomd_stock_io;

/* Load what an operation on `skus` or on reservation `id` (may be NULL;
 * its SKUs are added) can see at `now_us` into st (st->inv new). */
ec_status ecomd_stock_load(const ecomd_stock_io *io, void *conn, const ecomd_skus *skus,
                           const char *id, int64_t now_us, ecomd_stock *st);
/* Write back the stock levels and reservations the inventory lists as
 * changed, keeping `held` in step with the reservations. */
ec_status ecomd_stock_save(const ecomd_stock_io *io, void *conn, const ecomd_stock *st);

#endif /* ECOMD_STOCK_ROWS_H */
