/* stock_rows.h - the part of a store adapter's inventory work that does not
 * depend on the database: building the formats.md 5 state document that an
 * operation sees from rows, and turning the operation's result back into
 * row writes.  Each adapter supplies the row reads and writes
 * (ecomd_stock_io) on the connection of its transaction.
 *
 * The rows: stock(sku, location, on_hand, safety_stock, backorder_limit,
 * held), reservations(id, status, expires_at, order, doc) and their lines.
 * `held` is what the active and committed reservations hold at a location,
 * kept up to date by every write, so that an operation reads a SKU's
 * availability from its stock rows instead of summing every reservation of
 * the SKU (which made each checkout slower than the one before).  Active
 * reservations past their expiry still count in `held` until the sweeper
 * expires them; a load subtracts those few ("lapsed"), so lazy expiry holds
 * exactly as in the library. */
#ifndef ECOMD_STOCK_ROWS_H
#define ECOMD_STOCK_ROWS_H

#include <stdint.h>

#include "ecommerce/error.h"

/* Ids of the stand-in reservations that carry what other reservations hold;
 * the API refuses ids with this prefix. */
#define ECOMD_HELD_PREFIX "~held~"

typedef struct ecomd_stock_row {
    const char *sku, *location;
    int64_t on_hand, safety_stock, backorder_limit, held;
} ecomd_stock_row;

/* Called for each row a read yields; a status other than EC_OK stops it. */
typedef ec_status (*ecomd_stock_row_fn)(void *ctx, const ecomd_stock_row *row);

typedef struct ecomd_stock_io {
    /* The document of reservation `id` (malloc'd), NULL when there is none. */
    ec_status (*reservation)(void *conn, const char *id, char **doc);
    /* The stock rows of `skus` (a JSON array of strings) in (sku, location)
     * order; for a write, locked. */
    ec_status (*stock)(void *conn, const char *skus, ecomd_stock_row_fn fn, void *ctx);
    /* The lines of active reservations other than `id` that are past their
     * expiry at `now`, on `skus`, summed per (sku, location) into `held`. */
    ec_status (*lapsed)(void *conn, const char *skus, const char *id, int64_t now,
                        ecomd_stock_row_fn fn, void *ctx);
    /* Upsert a stock row's counts (held untouched). */
    ec_status (*stock_put)(void *conn, const ecomd_stock_row *row);
    /* held += delta on an existing row; EC_NOT_FOUND when there is none. */
    ec_status (*held_add)(void *conn, const char *sku, const char *location, int64_t delta);
    ec_status (*reservation_put)(void *conn, const char *id, const char *status, int64_t expires_us,
                                 const char *order, const char *doc);
    /* Replace a reservation's line rows: clear, then add each. */
    ec_status (*lines_clear)(void *conn, const char *id);
    ec_status (*line_add)(void *conn, const char *id, const char *sku, const char *location,
                          int64_t quantity);
} ecomd_stock_io;

/* The state document (malloc'd) an operation on `skus` (a JSON array of
 * strings) or on reservation `id` (may be NULL; its SKUs are added) can
 * read at `now_us`; see store.h's stock_load. */
ec_status ecomd_stock_load(const ecomd_stock_io *io, void *conn, const char *skus, const char *id,
                           int64_t now_us, char **state);
/* Write back what differs between `before` (as loaded) and `after`,
 * keeping `held` in step with the reservations. */
ec_status ecomd_stock_save(const ecomd_stock_io *io, void *conn, const char *before,
                           const char *after);

#endif /* ECOMD_STOCK_ROWS_H */
