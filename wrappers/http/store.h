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

/* One outbox event as events_each hands it over (the strings live until
 * the callback returns). */
typedef ec_status (*ecomd_event_fn)(void *ctx, int64_t id, const char *type, const char *at,
                                    const char *data);
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

/* A page of a list (GET /v1/orders, /v1/reservations, /v1/carts):
 * newest first, by (created_at, id) descending, so that a cursor (the
 * last id of a page) keeps its place while rows are added; filters are
 * NULL (or ECOMD_TIME_UNSET) when absent. */
enum { ECOMD_LIST_ORDERS = 0, ECOMD_LIST_RESERVATIONS, ECOMD_LIST_CARTS };
#define ECOMD_TIME_UNSET INT64_MIN

typedef struct ecomd_list_query {
    int kind;
    const char *state, *payment_status;    /* orders */
    const char *status;                    /* reservations (see list_sql.c) */
    const char *sku;                       /* orders, reservations */
    int64_t created_after, created_before; /* orders: [after, before) */
    int64_t updated_after;                 /* carts: updated at or after */
    const char *starting_after;            /* the cursor: an id, or NULL */
    int64_t now_us;                        /* what "expired" means now */
    int limit;                             /* rows at most */
} ecomd_list_query;

/* Rows of a list: the id, and for orders and carts their version and
 * stored document (NULL for reservations, which are read whole apart). */
typedef struct ecomd_row {
    char *id;
    int64_t version;
    char *doc;
} ecomd_row;

typedef struct ecomd_rows {
    ecomd_row *v;
    size_t n, cap;
} ecomd_rows;

/* Append a row (copies; doc may be NULL); EC_OK or EC_NO_MEMORY. */
ec_status ecomd_rows_add(ecomd_rows *rows, const char *id, int64_t version, const char *doc,
                         size_t len);
void ecomd_rows_free(ecomd_rows *rows);

/* The ends of the outbox: its oldest and newest event (ids 0 when empty),
 * with the times they were written. */
typedef struct ecomd_outbox_ends {
    int64_t first_id, first_at_us;
    int64_t last_id, last_at_us;
} ecomd_outbox_ends;

/* Fill out from the ids and RFC 3339 times of the two rows. */
ec_status ecomd_outbox_ends_set(ecomd_outbox_ends *out, int64_t first_id, const char *first_at,
                                int64_t last_id, const char *last_at);
/* One use a checkout makes of a promotion (ec_checkout_use_*): `uses`
 * (1; 0 for a promotion's second and further codes) of promotion_id by
 * everyone and by `customer` ("" when the cart names none), `spent` minor
 * units of `currency` from its budget, and one use of coupon `code`
 * (its ecomd_coupon_key; "" when none). */
typedef struct ecomd_promotion_use {
    const char *promotion_id, *customer, *currency, *code;
    int64_t uses, spent;
} ecomd_promotion_use;

typedef struct ecomd_store_ops {
    const char *name;
    /* Cheap query that proves the database answers. */
    ec_status (*ping)(ecomd_store *s);
    void (*close)(ecomd_store *s);

    /* The active ruleset: highest version (0 and NULL body when none).
     * body may be NULL to read the version only. */
    ec_status (*rules_current)(ecomd_store *s, int64_t *version, char **body, size_t *len);
    /* Domain events after id `after`, at most `limit`, as a JSON array of
     * {"id", "type", "at", "data"}; *next receives the last id returned.
     * Both stores use ecomd_events_page (events.c), on events_each. */
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
    /* Promotion counts (docs/service.md, "Promotion limits"): into `cart`
     * every promotion's uses, the uses by the cart's customer (when it
     * names one), the uses of the cart's coupon codes and what each
     * promotion has spent in the cart's currency (tx may be NULL).
     * promotion_spend counts one use a checkout makes for order_id and
     * keeps it with the order; promotion_give_back takes back all an order
     * counted, once (nothing the second time). */
    ec_status (*promotion_counts)(ecomd_store *s, ecomd_tx *tx, ec_cart *cart);
    ec_status (*promotion_spend)(ecomd_tx *tx, const char *order_id,
                                 const ecomd_promotion_use *use);
    ec_status (*promotion_give_back)(ecomd_tx *tx, const char *order_id);
    /* Hold `key` (a promotion id, or a coupon code's ecomd_coupon_key)
     * until the transaction ends, waiting for any other transaction that
     * holds it: a checkout spending a limited promotion takes it before
     * trusting the promotion's counts, so that two checkouts never both
     * spend its last use or the last of its budget.  Counts read without
     * it may be stale, never too high. */
    ec_status (*promotion_lock)(ecomd_tx *tx, const char *key);
    /* Mark active reservations past their expiry expired; *count receives
     * how many.  Safe when several instances run it at once. */
    ec_status (*reservations_expire)(ecomd_store *s, int64_t now_us, int64_t *count);
    /* Forget the idempotency keys stored before `keys_before_us` and the
     * outbox events appended before `events_before_us` (0: none), at most
     * ECOMD_PRUNE_BATCH of each per call so that no transaction grows
     * long; *count receives how many rows went. */
    ec_status (*prune)(ecomd_store *s, int64_t keys_before_us, int64_t events_before_us,
                       int64_t *count);

    /* A page of a list into rows (outside any transaction): up to
     * q->limit rows after the cursor.  EC_NOT_FOUND when the cursor names
     * nothing of q's kind. */
    ec_status (*list)(ecomd_store *s, const ecomd_list_query *q, ecomd_rows *rows);
    /* The outbox's oldest and newest event (for /metrics). */
    ec_status (*outbox_ends)(ecomd_store *s, ecomd_outbox_ends *out);
    /* The outbox relay (relay.c).  events_each calls fn with each event
     * after id `after`, at most `limit`, in id order, as events_list reads
     * them (`at` as stored, `data` a JSON document); a status other than
     * EC_OK from fn stops the walk and is returned. */
    ec_status (*events_each)(ecomd_store *s, int64_t after, int limit, ecomd_event_fn fn,
                             void *ctx);
    /* Relay `name`'s lease and position (one row each, made on first use).
     * With ttl_ms > 0, `holder` takes the lease when it is free, expired or
     * its own, until ttl_ms from now; with 0 it gives up the lease if it
     * holds it.  Either way the relay is marked as seen now: prune keeps
     * the events a relay seen within the events' age has not passed yet.
     * *held is 1 when holder holds the lease after this; *position is the
     * relay's position (the last event id it had acknowledged; 0 at first).
     * Times are the store's clock (PostgreSQL's, so that instances on
     * several hosts agree). */
    ec_status (*relay_claim)(ecomd_tx *tx, const char *name, const char *holder, unsigned ttl_ms,
                             int *held, int64_t *position);
    /* Move relay `name` from position `from` to `to` and renew holder's
     * lease for ttl_ms, only while holder holds an unexpired lease and the
     * position is still `from` (the fencing check, in the transaction that
     * advances); EC_VERSION_CONFLICT otherwise. */
    ec_status (*relay_advance)(ecomd_tx *tx, const char *name, const char *holder, unsigned ttl_ms,
                               int64_t from, int64_t to);
    /* Statement `stmt` of the regions' tables (regions.h, ECOMD_RQ_*), in
     * the adapter's dialect, with n parameters; each row to fn (may be
     * NULL).  In tx, or when tx is NULL on a connection of its own (reads).
     * *changes (may be NULL) receives the number of rows a write changed. */
    ec_status (*sql)(ecomd_store *s, ecomd_tx *tx, int stmt, int n, const ecomd_sql_value *vals,
                     ecomd_sql_row_fn fn, void *ctx, int64_t *changes);
} ecomd_store_ops;

#define ECOMD_PRUNE_BATCH 1000

/* Adapters embed this header first in their own state, and their
 * struct ecomd_tx begins with a pointer to that state, so that the
 * timing layer (store_metrics.c) finds the store of a transaction. */
struct ecomd_store_metrics;
struct ecomd_store {
    const ecomd_store_ops *ops;
    /* Set by ecomd_store_observe: the adapter's own table (ops then times
     * each call) and what the timings go into. */
    const ecomd_store_ops *adapter;
    struct ecomd_store_metrics *metrics;
};

/* Time every call of s by kind (ecomd_store_duration_seconds) from now on,
 * and keep what /metrics says about the store; 0 when out of memory. */
int ecomd_store_observe(ecomd_store *s);
/* Read the outbox's ends into what /metrics shows (the poller, every
 * --poll-ms, so that a scrape never waits for the store). */
void ecomd_store_outbox_refresh(ecomd_store *s);
/* Append ecomd_store_duration_seconds and the outbox gauges to d. */
struct ecomd_doc;
void ecomd_store_metrics_render(ecomd_store *s, struct ecomd_doc *d);
/* The store's settings (--store-connections; for PostgreSQL also
 * --store-timeout-ms, --pool-wait-ms). */
typedef struct ecomd_pg_options {
    unsigned connections;           /* the pool size */
    unsigned timeout_ms;            /* statement_timeout; ecomd waits this + 1 s for an answer */
    unsigned wait_ms;               /* for a free connection, and for /readyz's SELECT 1 */
    const struct ecomd_server *log; /* labels of the store's log lines (may be NULL) */
    int prepare;                    /* prepare statements once per connection */
} ecomd_pg_options;

/* Open the store a --store value names, "sqlite:PATH" or a PostgreSQL
 * connection string ("postgresql://...", "postgres://...", or "pg:" and
 * key=value pairs), with opt's settings; runs the schema migrations.  NULL
 * with a message on stderr on failure. */
ecomd_store *ecomd_store_open(const char *spec, const ecomd_pg_options *opt);
ecomd_store *ecomd_store_sqlite_open(const char *path, unsigned connections);

/* The PostgreSQL store (store_pg.c): `conninfo` is any libpq connection
 * string.  Runs the migrations under an advisory lock.  NULL with a
 * message on stderr on failure. */
ecomd_store *ecomd_store_pg_open(const char *conninfo, const ecomd_pg_options *opt);

/* Run fn(tx, ctx) in one transaction: commit when it returns EC_OK, roll
 * back otherwise; the status of fn, or of the commit. */
typedef ec_status (*ecomd_tx_fn)(ecomd_tx *tx, void *ctx);
ec_status ecomd_in_tx(ecomd_store *s, ecomd_tx_fn fn, void *ctx);

#endif /* ECOMD_STORE_H */
