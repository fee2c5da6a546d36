/* store_pg.h - what the PostgreSQL adapter's files share (store_pg_conn.c:
 * connections, statements with a time limit, the pool; store_pg.c:
 * transactions, rules, outbox, idempotency, carts; store_pg_stock.c:
 * inventory rows; store_pg_orders.c: orders, the sweeper;
 * store_pg_promotions.c: promotion counts).  Private to the adapter.
 *
 * Concurrency model: transactions run at READ COMMITTED and take row locks
 * in one fixed order, so that many instances can write at once without
 * overselling and without serialization failures:
 *   idempotency key (advisory) -> cart or order row -> the limited
 *   promotions a checkout spends and their coupon codes (advisory, by
 *   key) -> reservation row ->
 *   stock rows ordered by (sku, location) -> outbox (advisory).
 * A checkout whose re-pricing brings in another limited promotion locks
 * that one late; two such checkouts can deadlock, which PostgreSQL detects
 * and ends one of them with a 503 to retry.
 * Versioned rows (carts, orders) are also updated conditionally. */
#ifndef ECOMD_STORE_PG_H
#define ECOMD_STORE_PG_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ecommerce.h"
#include "store.h"

typedef struct pg_store pg_store;

/* The statements a connection has prepared (store_pg_stmts.c): a text's
 * name is ecomd_N. */
#define PG_STMT_NAME 16
typedef struct pg_stmt {
    uint64_t hash; /* 0: an empty slot */
    char *sql;
    unsigned name;
} pg_stmt;
typedef struct pg_stmts {
    pg_stmt *slots;
    unsigned n;
} pg_stmts;

/* 1 and the name when the text is prepared; 0 and the name to prepare it
 * under; -1 when it is to run unprepared (the table is full). */
int pg_stmts_lookup(pg_stmts *t, const char *sql, char name[PG_STMT_NAME]);
void pg_stmts_add(pg_stmts *t, const char *sql);
void pg_stmts_clear(pg_stmts *t);

typedef struct pg_conn {
    PGconn *db;         /* NULL once dropped (and in the pool's stand-in) */
    int busy;           /* handed out */
    int broken;         /* lost its server: reconnect before the next use */
    int unreachable;    /* no answer in time, or no connection: not retried */
    unsigned answer_ms; /* longest wait for one round trip; 0: no limit */
    pg_store *store;
    pg_stmts stmts; /* prepared on this session */
} pg_conn;

struct pg_store {
    ecomd_store base;
    char *conninfo;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* CLOCK_MONOTONIC */
    pg_conn *conns;
    unsigned nconns;
    /* Handed out when no connection frees up within wait_ms: every
     * statement on it fails at once.  Never written after pg_pool_init. */
    pg_conn none;
    unsigned timeout_ms; /* statement_timeout of every transaction */
    unsigned wait_ms;    /* for a free connection; for /readyz's ping */
    int prepare;         /* prepare statements (--store-prepare) */
    const struct ecomd_server *log;
    int pool_ready;
    char begin_write[96]; /* BEGIN and SET LOCAL statement_timeout */
    char begin_read[112];
};

struct ecomd_tx {
    pg_store *store;
    pg_conn *conn;
};
/* store.h: a transaction's first member points to its store. */
_Static_assert(offsetof(struct ecomd_tx, store) == 0, "ecomd_tx starts with its store");

/* Run one statement with text parameters (NULL values are SQL NULL; lens
 * and fmts may be NULL for all-text), waiting at most c->answer_ms.
 * Returns the result when it is PGRES_COMMAND_OK or PGRES_TUPLES_OK, else
 * NULL after logging; a connection that timed out, was lost or is no
 * longer on the primary is dropped (closed, re-opened by the next
 * pg_acquire).  *sqlstate (may be NULL) receives the five-character error
 * code or "". */
PGresult *pg_run(pg_conn *c, const char *sql, int n, const char *const *vals, const int *lens,
                 const int *fmts, int binary, char sqlstate[6]);
/* pg_run for statements whose rows do not matter. */
ec_status pg_do(pg_conn *c, const char *sql, int n, const char *const *vals);
/* A copy of a result value (malloc'd, NUL-terminated). */
char *pg_dup(const PGresult *res, int row, int col, size_t *len);
/* Decimal text of an integer, for parameters. */
#define PG_INT_BUF 24
const char *pg_int(char buf[PG_INT_BUF], int64_t v);

/* One JSON error line (c may be NULL; sqlstate may be NULL). */
void pg_log(pg_store *s, pg_conn *c, const char *msg, const char *detail, const char *sqlstate);
/* The mutex, the monotonic condition variable and the stand-in; 0 on
 * failure. */
int pg_pool_init(pg_store *s);
/* (Re)open c with the store's connection string and ecomd's defaults;
 * 0 (logged) when the database cannot be reached. */
int pg_connect(pg_store *s, pg_conn *c);
/* A connection of the pool, waiting at most s->wait_ms for one to free up
 * (never NULL: the stand-in s->none when none did, logged); reconnected
 * first when it was dropped. */
pg_conn *pg_acquire(pg_store *s);
/* After a statement failed that wrote nothing: 1 when the connection was
 * lost (not timed out) and is open again, so the statement may be sent
 * once more. */
int pg_retry(pg_store *s, pg_conn *c);
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
/* Promotion counts (store_pg_promotions.c). */
ec_status pg_promotion_counts(ecomd_store *s, ecomd_tx *tx, ec_cart *cart);
ec_status pg_promotion_spend(ecomd_tx *tx, const char *order_id, const ecomd_promotion_use *use);
ec_status pg_promotion_give_back(ecomd_tx *tx, const char *order_id);
ec_status pg_promotion_lock(ecomd_tx *tx, const char *key);
ec_status pg_reservations_expire(ecomd_store *s, int64_t now_us, int64_t *count);
ec_status pg_prune(ecomd_store *s, int64_t keys_before_us, int64_t events_before_us,
                   int64_t *count);
/* Lists and the outbox's ends (store_pg_lists.c). */
ec_status pg_list(ecomd_store *s, const ecomd_list_query *q, ecomd_rows *rows);
ec_status pg_outbox_ends(ecomd_store *s, ecomd_outbox_ends *out);

/* The outbox relay (store_pg_relay.c). */
ec_status pg_events_each(ecomd_store *s, int64_t after, int limit, ecomd_event_fn fn, void *ctx);
ec_status pg_relay_claim(ecomd_tx *tx, const char *name, const char *holder, unsigned ttl_ms,
                         int *held, int64_t *position);
ec_status pg_relay_advance(ecomd_tx *tx, const char *name, const char *holder, unsigned ttl_ms,
                           int64_t from, int64_t to);

/* The statements of the regions' tables (store_pg_regions.c). */
ec_status pg_regions_sql_run(ecomd_store *s, ecomd_tx *tx, int stmt, int n,
                             const ecomd_sql_value *vals, ecomd_sql_row_fn fn, void *ctx,
                             int64_t *changes);

#endif /* ECOMD_STORE_PG_H */
