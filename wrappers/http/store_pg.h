/* store_pg.h - what the PostgreSQL adapter's files share (store_pg.c:
 * connection pool, transactions, rules, outbox, idempotency, carts;
 * store_pg_stock.c: inventory rows; store_pg_orders.c: orders, promotion
 * usage, the sweeper).  Private to the adapter.
 *
 * Concurrency model: transactions run at READ COMMITTED and take row locks
 * in one fixed order, so that many instances can write at once without
 * overselling and without serialization failures:
 *   idempotency key (advisory) -> cart or order row -> the limited
 *   promotions a checkout spends (advisory, by id) -> reservation row ->
 *   stock rows ordered by (sku, location) -> outbox (advisory).
 * A checkout whose re-pricing brings in another limited promotion locks
 * that one late; two such checkouts can deadlock, which PostgreSQL detects
 * and ends one of them with a 503 to retry.
 * Versioned rows (carts, orders) are also updated conditionally. */
#ifndef ECOMD_STORE_PG_H
#define ECOMD_STORE_PG_H

#include <libpq-fe.h>
#include <pthread.h>

#include "ecommerce.h"
#include "store.h"

typedef struct pg_conn {
    PGconn *db;
    int busy;   /* handed out */
    int broken; /* lost its server: reconnect before the next use */
} pg_conn;

typedef struct pg_store {
    ecomd_store base;
    char *conninfo;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pg_conn *conns;
    unsigned nconns;
} pg_store;

struct ecomd_tx {
    pg_store *store;
    pg_conn *conn;
};

/* Run one statement with text parameters (NULL values are SQL NULL; lens
 * and fmts may be NULL for all-text).  Returns the result when it is
 * PGRES_COMMAND_OK or PGRES_TUPLES_OK, else NULL after logging; *sqlstate
 * (may be NULL) receives the five-character error code or "" . */
PGresult *pg_run(pg_conn *c, const char *sql, int n, const char *const *vals, const int *lens,
                 const int *fmts, int binary, char sqlstate[6]);
/* pg_run for statements whose rows do not matter. */
ec_status pg_do(pg_conn *c, const char *sql, int n, const char *const *vals);
/* A copy of a result value (malloc'd, NUL-terminated). */
char *pg_dup(const PGresult *res, int row, int col, size_t *len);
/* Decimal text of an integer, for parameters. */
#define PG_INT_BUF 24
const char *pg_int(char buf[PG_INT_BUF], int64_t v);

pg_conn *pg_acquire(pg_store *s);
/* pg_run outside a transaction, retried once on a fresh connection when the
 * connection was lost (only for statements that are safe to run twice). */
PGresult *pg_read(pg_store *s, pg_conn *c, const char *sql, int n, const char *const *vals,
                  int binary);
void pg_release(pg_store *s, pg_conn *c);

/* The inventory functions of store.h on one connection; `lock` takes the
 * row locks of a write transaction. */
ec_status pg_stock_load_conn(pg_conn *c, const ecomd_skus *skus, const char *id, int64_t now,
                             int lock, ecomd_stock *stock);
ec_status pg_stock_save_conn(pg_conn *c, const ecomd_stock *stock);

ec_status pg_order_get(ecomd_store *s, ecomd_tx *tx, const char *id, ec_order *order);
ec_status pg_order_put(ecomd_tx *tx, const ec_order *order, const char *doc, const char *cart_id,
                       int64_t due_us, int64_t at_us, char **existing);
ec_status pg_order_of_cart(ecomd_tx *tx, const char *cart_id, char **order_id);
ec_status pg_orders_due(ecomd_store *s, int64_t now_us, int limit, char **ids);
ec_status pg_promotion_uses(ecomd_store *s, ecomd_tx *tx, ec_cart *cart);
ec_status pg_promotion_use_add(ecomd_tx *tx, const char *promotion_id, int delta);
ec_status pg_promotion_lock(ecomd_tx *tx, const char *promotion_id);
ec_status pg_reservations_expire(ecomd_store *s, int64_t now_us, int64_t *count);
ec_status pg_prune(ecomd_store *s, int64_t keys_before_us, int64_t events_before_us,
                   int64_t *count);

/* The statements of the regions' tables (store_pg_regions.c). */
ec_status pg_regions_sql_run(ecomd_store *s, ecomd_tx *tx, int stmt, int n,
                             const ecomd_sql_value *vals, ecomd_sql_row_fn fn, void *ctx,
                             int64_t *changes);

#endif /* ECOMD_STORE_PG_H */
