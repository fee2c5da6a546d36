/* store.h - the one interface between ecomd and its database.
 *
 * An adapter (SQLite in store_sqlite*.c, PostgreSQL in store_pg*.c) fills
 * a table of function pointers.  The handlers never see SQL: reads take
 * the store, writes take a transaction that the adapter opens as the
 * single writer of what it touches (SQLite: BEGIN IMMEDIATE; PostgreSQL:
 * row locks in a fixed order) and that either commits everything or
 * nothing.  Every write request is one transaction, so a 2xx is only sent
 * after its commit.
 *
 * Rows come back as the library's typed objects: stock and reservations
 * as an ec_inventory (stock_rows.h), orders as an ec_order, promotion
 * counts straight into an ec_cart.  What goes back is what changed.
 *
 * Functions return EC_OK, EC_NOT_FOUND where said, EC_INTERNAL for a row
 * the library refuses (a damaged store), or EC_UNAVAILABLE when the
 * database fails or stays busy (the request is answered 503 and may be
 * retried).  Strings returned through char ** are malloc'd; free() them.
 * Every function is safe to call from any thread; a transaction belongs to
 * the thread that began it. */
#ifndef ECOMD_STORE_H
#define ECOMD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ecommerce.h"
#include "stock_rows.h"

typedef struct ecomd_store ecomd_store;
typedef struct ecomd_tx ecomd_tx;

/* A parameter of a statement run through `sql` below: NULL, text or an
 * integer; and each row's columns as text (NULL for SQL NULL). */
typedef struct ecomd_sql_value {
    const char *s; /* text; NULL with is_int 0 is SQL NULL */
    int64_t i;
    int is_int;
} ecomd_sql_value;
typedef ec_status (*ecomd_sql_row_fn)(void *ctx, int ncols, const char *const *cols);

/* A stored first response to an idempotent request. */
typedef struct ecomd_idem {
    int found;
    unsigned char hash[32]; /* of method, route and body */
    unsigned status;
    char *body; /* malloc'd */
    size_t len;
} ecomd_idem;

typedef struct ecomd_store_ops {
    const char *name;
    /* Cheap query that proves the database answers. */
    ec_status (*ping)(ecomd_store *s);
    void (*close)(ecomd_store *s);

    /* The active ruleset: highest version (0 and NULL body when none).
     * body may be NULL to read the version only. */
    ec_status (*rules_current)(ecomd_store *s, int64_t *version, char **body, size_t *len);
    /* Domain events after id `after`, at most `limit`, as a JSON array of
     * {"id", "type", "at", "data"}; *next receives the last id returned. */
    ec_status (*events_list)(ecomd_store *s, int64_t after, int limit, char **json, size_t *len,
                             int64_t *next);

    ec_status (*tx_begin)(ecomd_store *s, ecomd_tx **tx);
    ec_status (*tx_commit)(ecomd_tx *tx); /* the tx is gone either way */
    void (*tx_rollback)(ecomd_tx *tx);
    /* A write that changes nothing anyone reads but reaches the disk at
     * the commit, as every write does: whether the store takes writes
     * (readiness, after writes failed; a full disk fails it). */
    ec_status (*write_probe)(ecomd_tx *tx);

    /* Store a new ruleset version (previous + 1).  With expected >= 0,
     * EC_VERSION_CONFLICT unless the current version is `expected`. */
    ec_status (*rules_insert)(ecomd_tx *tx, const char *body, size_t len, int64_t expected,
                              int64_t at_us, int64_t *version);
    /* Append a domain event to the outbox; `data` is a JSON document. */
    ec_status (*event_add)(ecomd_tx *tx, const char *type, const char *data, int64_t at_us);
    /* Idempotency keys, scoped by the key's owner: look one up, store the
     * first response. */
    ec_status (*idem_get)(ecomd_tx *tx, const char *owner, const char *key, ecomd_idem *out);
    ec_status (*idem_put)(ecomd_tx *tx, const char *owner, const char *key,
                          const unsigned char hash[32], unsigned status, const char *body,
                          size_t len, int64_t at_us);

    /* Inventory: the part an operation on `skus` or on reservation `id`
     * (may be NULL) can see, loaded into stock->inv (see stock_rows.h),
     * locked for the rest of the transaction; stock_save writes back what
     * the operation changed.  stock_read loads the same outside a write,
     * from one consistent snapshot. */
    ec_status (*stock_load)(ecomd_tx *tx, const ecomd_skus *skus, const char *id, int64_t now_us,
                            ecomd_stock *stock);
    ec_status (*stock_save)(ecomd_tx *tx, const ecomd_stock *stock);
    ec_status (*stock_read)(ecomd_store *s, const ecomd_skus *skus, const char *id, int64_t now_us,
                            ecomd_stock *stock);

    /* Carts: a version and a document.  cart_get is EC_NOT_FOUND for an
     * unknown id; tx may be NULL to read outside a transaction.  cart_put
     * stores `version`: 1 creates the cart, N replaces version N - 1
     * (EC_VERSION_CONFLICT when the stored version is another). */
    ec_status (*cart_get)(ecomd_store *s, ecomd_tx *tx, const char *id, int64_t *version,
                          char **doc);
    ec_status (*cart_put)(ecomd_tx *tx, const char *id, int64_t version, const char *doc,
                          int64_t at_us);

    /* Orders, kept as their documents next to the columns the service
     * queries (state, cart, payment due time).  order_get reads one into
     * `order` (EC_NOT_FOUND when unknown; tx may be NULL; in a write the
     * row stays locked).  order_put stores `doc`, the document of `order`:
     * version 1 creates it (EC_INVALID_TRANSITION when the cart already
     * has an order: *existing gets its id, malloc'd), version N replaces
     * N - 1 (else EC_VERSION_CONFLICT).  orders_due lists up to `limit`
     * ids of unpaid orders due at now_us, as a JSON array. */
    ec_status (*order_get)(ecomd_store *s, ecomd_tx *tx, const char *id, ec_order *order);
    ec_status (*order_put)(ecomd_tx *tx, const ec_order *order, const char *doc,
                           const char *cart_id, int64_t due_us, int64_t at_us, char **existing);
    ec_status (*orders_due)(ecomd_store *s, int64_t now_us, int limit, char **ids);
    /* The id of the order made from a cart (malloc'd), NULL when none. */
    ec_status (*order_of_cart)(ecomd_tx *tx, const char *cart_id, char **order_id);
    /* Promotion usage: every count into `cart` (ec_cart_set_promotion_uses;
     * tx may be NULL); add `delta` uses (a checkout counts +1, a canceled
     * order gives its use back with -1). */
    ec_status (*promotion_uses)(ecomd_store *s, ecomd_tx *tx, ec_cart *cart);
    ec_status (*promotion_use_add)(ecomd_tx *tx, const char *promotion_id, int delta);
    /* Hold promotion `id` until the transaction ends, waiting for any other
     * transaction that holds it: a checkout spending a promotion with a
     * usage limit takes it before trusting the promotion's count, so that
     * two checkouts never both spend its last use.  Counts read without it
     * may be stale, never too high. */
    ec_status (*promotion_lock)(ecomd_tx *tx, const char *promotion_id);
    /* Mark active reservations past their expiry expired; *count receives
     * how many.  Safe when several instances run it at once. */
    ec_status (*reservations_expire)(ecomd_store *s, int64_t now_us, int64_t *count);
    /* Forget the idempotency keys stored before `keys_before_us` and the
     * outbox events appended before `events_before_us` (0: none), at most
     * ECOMD_PRUNE_BATCH of each per call so that no transaction grows
     * long; *count receives how many rows went. */
    ec_status (*prune)(ecomd_store *s, int64_t keys_before_us, int64_t events_before_us,
                       int64_t *count);

    /* Statement `stmt` of the regions' tables (regions.h, ECOMD_RQ_*), in
     * the adapter's dialect, with n parameters; each row to fn (may be
     * NULL).  In tx, or when tx is NULL on a connection of its own (reads).
     * *changes (may be NULL) receives the number of rows a write changed. */
    ec_status (*sql)(ecomd_store *s, ecomd_tx *tx, int stmt, int n, const ecomd_sql_value *vals,
                     ecomd_sql_row_fn fn, void *ctx, int64_t *changes);
} ecomd_store_ops;

#define ECOMD_PRUNE_BATCH 1000

/* Adapters embed this header first in their own state. */
struct ecomd_store {
    const ecomd_store_ops *ops;
};

/* Open the store a --store value names, "sqlite:PATH" or a PostgreSQL
 * connection string ("postgresql://...", "postgres://...", or "pg:" and
 * key=value pairs), with `connections` connections; runs the schema
 * migrations.  NULL with a message on stderr on failure. */
ecomd_store *ecomd_store_open(const char *spec, unsigned connections);
ecomd_store *ecomd_store_sqlite_open(const char *path, unsigned connections);
/* The PostgreSQL store (store_pg.c): `conninfo` is any libpq connection
 * string; `connections` is the pool size.  Runs the migrations under an
 * advisory lock.  NULL with a message on stderr on failure. */
ecomd_store *ecomd_store_pg_open(const char *conninfo, unsigned connections);

/* Run fn(tx, ctx) in one transaction: commit when it returns EC_OK, roll
 * back otherwise; the status of fn, or of the commit. */
typedef ec_status (*ecomd_tx_fn)(ecomd_tx *tx, void *ctx);
ec_status ecomd_in_tx(ecomd_store *s, ecomd_tx_fn fn, void *ctx);

#endif /* ECOMD_STORE_H */
