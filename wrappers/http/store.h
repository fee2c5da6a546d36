/* store.h - the one interface between ecomd and its database.
 *
 * An adapter (SQLite in store_sqlite.c; PostgreSQL next) fills a table of
 * function pointers.  The handlers never see SQL: reads take the store,
 * writes take a transaction that the adapter opens as the single writer of
 * what it touches (SQLite: BEGIN IMMEDIATE; PostgreSQL: SERIALIZABLE or row
 * locks) and that either commits everything or nothing.  Every write request
 * is one transaction, so a 2xx is only sent after its commit.
 *
 * Functions return EC_OK, EC_NOT_FOUND where said, or EC_UNAVAILABLE when
 * the database fails or stays busy (the request is answered 503 and may be
 * retried).  Strings returned through char ** are malloc'd; free() them.
 * Every function is safe to call from any thread; a transaction belongs to
 * the thread that began it. */
#ifndef ECOMD_STORE_H
#define ECOMD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "ecommerce/error.h"

typedef struct ecomd_store ecomd_store;
typedef struct ecomd_tx ecomd_tx;

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

    /* Inventory, as formats.md 5 state documents.  stock_load returns the
     * part of the inventory that an operation on `skus` (a JSON array of
     * strings) or on reservation `reservation_id` (may be NULL; its SKUs
     * are added) can read: the stock entries of those SKUs, the named
     * reservation (any status), and what every other reservation holds of
     * those SKUs at `now_us`, as stand-in committed reservations whose ids
     * start with '~' (never changed, never written back).  stock_save
     * writes back what differs between `before` (as loaded) and `after`. */
    ec_status (*stock_load)(ecomd_tx *tx, const char *skus, const char *reservation_id,
                            int64_t now_us, char **state);
    ec_status (*stock_save)(ecomd_tx *tx, const char *before, const char *after);
    /* stock_load outside a write transaction, from one consistent snapshot. */
    ec_status (*stock_read)(ecomd_store *s, const char *skus, const char *reservation_id,
                            int64_t now_us, char **state);

    /* Carts: a version and a document.  cart_get is EC_NOT_FOUND for an
     * unknown id; tx may be NULL to read outside a transaction.  cart_put
     * stores `version`: 1 creates the cart, N replaces version N - 1
     * (EC_VERSION_CONFLICT when the stored version is another). */
    ec_status (*cart_get)(ecomd_store *s, ecomd_tx *tx, const char *id, int64_t *version,
                          char **doc);
    ec_status (*cart_put)(ecomd_tx *tx, const char *id, int64_t version, const char *doc,
                          int64_t at_us);

    /* Orders: a version, a state, the cart it came from, the instant its
     * payment is due (pending orders past it are expired by the sweeper)
     * and the envelope document.  order_get: EC_NOT_FOUND when unknown (tx
     * may be NULL).  order_put with version 1 creates the order
     * (EC_INVALID_TRANSITION when the cart already has one: *existing gets
     * its id, malloc'd); version N replaces N - 1 (else
     * EC_VERSION_CONFLICT).  orders_due lists up to `limit` ids of pending
     * orders due at now_us, as a JSON array. */
    ec_status (*order_get)(ecomd_store *s, ecomd_tx *tx, const char *id, int64_t *version,
                           char **doc);
    ec_status (*order_put)(ecomd_tx *tx, const char *id, int64_t version, const char *state,
                           const char *cart_id, int64_t due_us, const char *doc, int64_t at_us,
                           char **existing);
    ec_status (*orders_due)(ecomd_store *s, int64_t now_us, int limit, char **ids);
    /* The id of the order made from a cart (malloc'd), NULL when none. */
    ec_status (*order_of_cart)(ecomd_tx *tx, const char *cart_id, char **order_id);
    /* Promotion usage: all counts as a JSON object {"id": uses} (tx may be
     * NULL); count one more use. */
    ec_status (*promotion_uses)(ecomd_store *s, ecomd_tx *tx, char **json);
    ec_status (*promotion_use_add)(ecomd_tx *tx, const char *promotion_id);
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
} ecomd_store_ops;

#define ECOMD_PRUNE_BATCH 1000

/* Adapters embed this header first in their own state. */
struct ecomd_store {
    const ecomd_store_ops *ops;
};

/* Open the store named by a --store value ("sqlite:PATH"); runs the schema
 * migrations.  NULL with a message on stderr on failure. */
ecomd_store *ecomd_store_open(const char *spec, unsigned connections);
ecomd_store *ecomd_store_sqlite_open(const char *path, unsigned connections);
/* The PostgreSQL store's settings (--store-connections, --store-timeout-ms,
 * --pool-wait-ms). */
typedef struct ecomd_pg_options {
    unsigned connections;           /* the pool size */
    unsigned timeout_ms;            /* statement_timeout; ecomd waits this + 1 s for an answer */
    unsigned wait_ms;               /* for a free connection, and for /readyz's SELECT 1 */
    const struct ecomd_server *log; /* labels of the store's log lines (may be NULL) */
} ecomd_pg_options;

/* The PostgreSQL store (store_pg.c): `conninfo` is any libpq connection
 * string.  Runs the migrations under an advisory lock.  NULL with a
 * message on stderr on failure. */
ecomd_store *ecomd_store_pg_open(const char *conninfo, const ecomd_pg_options *opt);

#endif /* ECOMD_STORE_H */
