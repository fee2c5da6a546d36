/* store_sqlite.h - what the SQLite adapter's files share (store_sqlite.c:
 * connections, transactions, rules, outbox, idempotency;
 * store_sqlite_stock.c: inventory rows).  Private to the adapter. */
#ifndef ECOMD_STORE_SQLITE_H
#define ECOMD_STORE_SQLITE_H

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <sqlite3.h>

#include "ecommerce.h"
#include "list_sql.h"
#include "store.h"

/* The prepared statements; their SQL is in store_sqlite_sql.h. */
enum {
    SQ_PING,
    SQ_BEGIN,
    SQ_COMMIT,
    SQ_ROLLBACK,
    SQ_SAVEPOINT,
    SQ_SAVEPOINT_RELEASE,
    SQ_SAVEPOINT_UNDO,
    SQ_RULES_VERSION,
    SQ_RULES_CURRENT,
    SQ_RULES_INSERT,
    SQ_EVENT_ADD,
    SQ_EVENTS_LIST,
    SQ_IDEM_GET,
    SQ_IDEM_PUT,
    SQ_RES_LOAD,
    SQ_RES_LINES_LOAD,
    SQ_LAPSED_LOAD,
    SQ_STOCK_LOAD,
    SQ_STOCK_SAVE,
    SQ_HELD_ADD,
    SQ_RES_SAVE,
    SQ_RES_LINES_DELETE,
    SQ_RES_LINE_SAVE,
    SQ_CART_GET,
    SQ_CART_INSERT,
    SQ_CART_UPDATE,
    SQ_ORDER_GET,
    SQ_ORDER_INSERT,
    SQ_ORDER_UPDATE,
    SQ_ORDER_BY_CART,
    SQ_ORDER_SKUS_ADD,
    SQ_OUTBOX_ENDS,
    SQ_ORDERS_DUE,
    SQ_PROMO_USES,
    SQ_CUSTOMER_USES,
    SQ_COUPON_USES,
    SQ_PROMO_SPENT,
    SQ_USE_KEEP,
    SQ_PROMO_USE_ADD,
    SQ_CUSTOMER_USE_ADD,
    SQ_COUPON_USE_ADD,
    SQ_SPENT_ADD,
    SQ_PROMO_USE_BACK,
    SQ_CUSTOMER_USE_BACK,
    SQ_COUPON_USE_BACK,
    SQ_SPENT_BACK,
    SQ_USES_FORGET,
    SQ_PRUNE_KEYS,
    SQ_PRUNE_EVENTS,
    SQ_HELD_EXPIRE,
    SQ_RES_EXPIRE,
    SQ_RELAY_SEEN,
    SQ_RELAY_TAKE,
    SQ_RELAY_DROP,
    SQ_RELAY_STATE,
    SQ_RELAY_RENEW,
    SQ_RELAY_ADVANCE,
    SQ_STMT_COUNT
};

typedef struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *stmts[SQ_STMT_COUNT];
    /* List pages, one statement per shape (list_sql.h), and the cursor
     * lookups per kind: store_sqlite_lists.c. */
    sqlite3_stmt *lists[ECOMD_LIST_SHAPES];
    sqlite3_stmt *cursors[3];
    int busy; /* handed out */
} sq_conn;

typedef struct sq_store {
    ecomd_store base;
    /* Write transactions (store_sqlite_commit.c): one request at a time
     * runs on the batch connection, holding write_mu; waiting on a mutex
     * is prompt, where SQLite's busy handler sleeps and polls (the busy
     * timeout still orders writers of different processes). */
    pthread_mutex_t write_mu;
    pthread_cond_t batch_done;
    atomic_uint turns_waiting;
    sq_conn *batch_conn; /* open batch transaction, NULL when none */
    ecomd_tx *batch_members;
    unsigned batch_size;
    /* The connection pool. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sq_conn *conns;
    unsigned nconns;
} sq_store;

/* A request's write transaction: a savepoint in the batch. */
struct ecomd_tx {
    sq_store *store;
    sq_conn *conn;
    ecomd_tx *next; /* in the batch's members, once released */
    ec_status result;
    int done; /* the batch has ended with `result` */
};
/* store.h: a transaction's first member points to its store. */
_Static_assert(offsetof(struct ecomd_tx, store) == 0, "ecomd_tx starts with its store");

/* The transactions of store.h (store_sqlite_commit.c). */
ec_status sq_tx_begin(ecomd_store *s, ecomd_tx **tx);
ec_status sq_tx_commit(ecomd_tx *tx);
void sq_tx_rollback(ecomd_tx *tx);

/* The connection's prepared statement `id`, reset and unbound; NULL when
 * it cannot be prepared. */
sqlite3_stmt *sq_stmt(sq_conn *c, int id);
/* Step a statement that returns no rows (or ignores them), then reset it. */
ec_status sq_step_done(sq_conn *c, sqlite3_stmt *st);

/* The inventory functions of store.h on one connection. */
ec_status sq_stock_load_conn(sq_conn *c, const ecomd_skus *skus, const char *id, int64_t now,
                             ecomd_stock *stock);
ec_status sq_stock_save_conn(sq_conn *c, const ecomd_stock *stock);

/* A cart or order row's (version, doc) through statement `stmt`
 * (store_sqlite.c); EC_NOT_FOUND when none.  tx may be NULL. */
ec_status sq_versioned_get(ecomd_store *s, ecomd_tx *tx, int stmt, const char *id, int64_t *version,
                           char **doc);

/* A pooled connection and its return; sq_dup_column copies a column. */
sq_conn *sq_acquire(sq_store *s);
void sq_release(sq_store *s, sq_conn *c);
char *sq_dup_column(sqlite3_stmt *st, int col, size_t *len);

/* Orders and the sweeper (store_sqlite_orders.c). */
ec_status sq_order_get(ecomd_store *s, ecomd_tx *tx, const char *id, ec_order *order);
ec_status sq_order_put(ecomd_tx *tx, const ec_order *order, const char *doc, const char *cart_id,
                       int64_t due_us, int64_t at_us, char **existing);
ec_status sq_order_of_cart(ecomd_tx *tx, const char *cart_id, char **order_id);
ec_status sq_orders_due(ecomd_store *s, int64_t now_us, int limit, char **ids);
ec_status sq_reservations_expire(ecomd_store *s, int64_t now_us, int64_t *count);
ec_status sq_prune(ecomd_store *s, int64_t keys_before_us, int64_t events_before_us,
                   int64_t *count);

/* Lists and the outbox's ends (store_sqlite_lists.c). */
ec_status sq_list(ecomd_store *s, const ecomd_list_query *q, ecomd_rows *rows);
ec_status sq_outbox_ends(ecomd_store *s, ecomd_outbox_ends *out);
/* Finalize a connection's list statements. */
void sq_lists_close(sq_conn *c);
/* Promotion counts (store_sqlite_promotions.c). */
ec_status sq_promotion_counts(ecomd_store *s, ecomd_tx *tx, ec_cart *cart);
ec_status sq_promotion_spend(ecomd_tx *tx, const char *order_id, const ecomd_promotion_use *use);
ec_status sq_promotion_give_back(ecomd_tx *tx, const char *order_id);
ec_status sq_promotion_lock(ecomd_tx *tx, const char *key);

/* The outbox relay (store_sqlite_relay.c). */
ec_status sq_events_each(ecomd_store *s, int64_t after, int limit, ecomd_event_fn fn, void *ctx);
ec_status sq_relay_claim(ecomd_tx *tx, const char *name, const char *holder, unsigned ttl_ms,
                         int *held, int64_t *position);
ec_status sq_relay_advance(ecomd_tx *tx, const char *name, const char *holder, unsigned ttl_ms,
                           int64_t from, int64_t to);
/* The statements of the regions' tables (store_sqlite_regions.c). */
ec_status sq_regions_sql_run(ecomd_store *s, ecomd_tx *tx, int stmt, int n,
                             const ecomd_sql_value *vals, ecomd_sql_row_fn fn, void *ctx,
                             int64_t *changes);

#endif /* ECOMD_STORE_SQLITE_H */
