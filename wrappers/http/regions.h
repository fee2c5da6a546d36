/* regions.h - ecomd across regions: each region its own store, stock rights
 * held per region (the library's escrow module), transfers between the
 * regions.  Private to wrappers/http; docs/regions.md says why it is built
 * this way.
 *
 * A region's stock rows are its share of each location's stock, so a
 * checkout or a reservation is checked against the region's own rights by
 * the inventory, in the region's own transaction: nothing here is on that
 * path but two counters (demand, and refusals while a peer holds rights).
 *
 * The rest runs beside it:
 * - POST /v1/transfers takes a message from a peer region: its transfers
 *   are credited (once each, by id), its acknowledgements recorded, its
 *   report kept as the picture of that region as last known; the answer
 *   is this region's message (what it credited, and its report);
 * - one instance of the region at a time (a lease in the store) sends
 *   each peer its pending transfers and report with that endpoint, every
 *   --rebalance-ms, and runs the rebalancing policy, whose transfers are
 *   debited here and sent at once;
 * - POST /v1/regions/{region}/recover declares a region lost for good and
 *   records the rights an operator recovers from it, audited. */
#ifndef ECOMD_REGIONS_H
#define ECOMD_REGIONS_H

#include <stddef.h>
#include <stdint.h>

#include "ecommerce.h"
#include "store.h"

struct ecomd_server;
struct ecomd_request;
struct ecomd_doc;

/* ---- the store's part (regions_store.c, and each adapter's statements) ----------------------- */

/* The statements of the regions' tables.  Each adapter holds their text in
 * its own dialect, in this order (store_sqlite_sql.h, store_pg_sql.h), and
 * runs them with the store's `sql` operation (store.h); regions_store.c
 * holds the logic once for both.  Parameters are numbered $1.. in the
 * order given here; rows come back as text. */
enum {
    ECOMD_RQ_LEDGER_LOCK,   /* $1 ids (JSON array): hold each id until the commit */
    ECOMD_RQ_LEDGER_LOAD,   /* $1 ids, $2 pending_to (NULL): doc, status; locked */
    ECOMD_RQ_PENDING_READ,  /* $1 to (NULL: any), $2 limit: doc, status */
    ECOMD_RQ_TRANSFER_ADD,  /* $1 id, from, to, sku, kind, quantity, status, doc, $9 at */
    ECOMD_RQ_TRANSFER_MOVE, /* $1 id, $2 status, $3 at */
    ECOMD_RQ_LOST_READ,     /* region, at, by, reason */
    ECOMD_RQ_LOST_ADD,      /* $1 region, $2 at, $3 by, $4 reason */
    ECOMD_RQ_VIEW_PUT,      /* $1 region, sku, rights, demand, locations, $6 reported_at */
    ECOMD_RQ_VIEW_READ,     /* $1 sku (NULL: all): region, sku, rights, demand, locations, at */
    ECOMD_RQ_DEMAND_ADD,    /* $1 sku, $2 second, $3 units */
    ECOMD_RQ_DEMAND_READ,   /* $1 since second, $2 limit: sku, units */
    ECOMD_RQ_DEMAND_PRUNE,  /* $1 before second */
    ECOMD_RQ_LEASE_TAKE,    /* $1 name, $2 holder, $3 now, $4 until: a row when held */
    ECOMD_RQ_RIGHTS_TOTAL,  /* units */
    ECOMD_RQ_IN_FLIGHT,     /* to, count, units */
    ECOMD_RQ_COUNT
};

/* A peer's figures for one SKU, as last reported. */
typedef struct ecomd_view_row {
    const char *region, *sku;
    int64_t rights, demand;
    const char *locations; /* [{"location","rights"}] as reported */
    int64_t reported_us;
} ecomd_view_row;

typedef ec_status (*ecomd_view_fn)(void *ctx, const ecomd_view_row *row);
/* (sku, units) of local demand; (region, count, units) of transfers in
 * flight; a lost region with who declared it, when and why. */
typedef ec_status (*ecomd_units_fn)(void *ctx, const char *name, int64_t count, int64_t units);
typedef ec_status (*ecomd_lost_fn)(void *ctx, const char *region, int64_t at_us, const char *by,
                                   const char *reason);

/* What the service asks of the store (regions_store.c).  `tx` is a write
 * transaction; reads without one take their own connection. */

/* Into `led`: the transfers whose ids are in `ids` (a JSON array of
 * strings; "[]" for none), every transfer still pending to `pending_to`
 * (NULL: none), and the regions declared lost.  What is loaded stays
 * locked until the commit, and two transactions naming one id wait for
 * each other, so a transfer delivered twice at once is credited once.
 * Call it before stock_load: ledger rows are locked before stock rows. */
ec_status ecomd_ledger_load(ecomd_store *s, ecomd_tx *tx, const char *ids, const char *pending_to,
                            ec_escrow *led);
/* Write back what `led` lists as changed; a region declared lost is
 * recorded with `by` and `reason`. */
ec_status ecomd_ledger_save(ecomd_store *s, ecomd_tx *tx, const ec_escrow *led, int64_t at_us,
                            const char *by, const char *reason);
/* The oldest `limit` transfers pending to `to` (NULL: to any region) and
 * the lost regions, into led. */
ec_status ecomd_pending_read(ecomd_store *s, const char *to, int limit, ec_escrow *led);
/* Keep a peer's report as its rows, unless newer ones are kept. */
ec_status ecomd_view_put(ecomd_store *s, ecomd_tx *tx, const ec_escrow_message *m);
/* The peers' figures for `sku` (NULL: every SKU, at most 10,000 rows), by
 * SKU then region; in tx, or on a connection of its own when tx is NULL
 * (a transaction that holds row locks reads on its own connection, never
 * waiting for another one). */
ec_status ecomd_view_read(ecomd_store *s, ecomd_tx *tx, const char *sku, ecomd_view_fn fn,
                          void *ctx);
/* Local demand: add units to a SKU's second (since the epoch); the units
 * per SKU since `since_second` (at most `limit` SKUs, by SKU; tx as for
 * ecomd_view_read); forget the seconds before one. */
ec_status ecomd_demand_add(ecomd_store *s, ecomd_tx *tx, const char *sku, int64_t second,
                           int64_t units);
ec_status ecomd_demand_read(ecomd_store *s, ecomd_tx *tx, int64_t since_second, int limit,
                            ecomd_units_fn fn, void *ctx);
ec_status ecomd_demand_prune(ecomd_store *s, ecomd_tx *tx, int64_t before_second);
/* Take or renew lease `name` for `holder` until `until_us` when it is free
 * (expired at now_us) or `holder`'s already; *held is 1 when it is. */
ec_status ecomd_lease_take(ecomd_store *s, ecomd_tx *tx, const char *name, const char *holder,
                           int64_t now_us, int64_t until_us, int *held);
/* For the metrics: this region's rights over all its stock rows
 * (reservations past their expiry that the sweeper has not reached still
 * count as held), and per receiving region the transfers pending. */
ec_status ecomd_rights_total(ecomd_store *s, int64_t *units);
ec_status ecomd_in_flight_read(ecomd_store *s, ecomd_units_fn fn, void *ctx);
/* The regions declared lost, with who, when and why. */
ec_status ecomd_lost_read(ecomd_store *s, ecomd_lost_fn fn, void *ctx);

/* ---- the service's part (regions.c) -------------------------------------------------------- */

typedef struct ecomd_regions ecomd_regions;

/* From --peers ("name=url,..."): NULL when there are none (one region,
 * as before); on a malformed list, a message on stderr and *bad = 1. */
ecomd_regions *ecomd_regions_new(struct ecomd_server *srv, int *bad);
/* Start the thread that exchanges, rebalances and flushes (0 on
 * failure); stop and join it; free (NULL accepted). */
int ecomd_regions_start(ecomd_regions *rg);
void ecomd_regions_stop(ecomd_regions *rg);
void ecomd_regions_free(ecomd_regions *rg);

/* This region's name; whether `name` is one of its peers. */
const char *ecomd_regions_self(const ecomd_regions *rg);
int ecomd_regions_is_peer(const ecomd_regions *rg, const char *name);

/* A reservation request was answered (st): its units count as demand,
 * served or not; a shortage while a peer holds rights of the short SKU
 * is counted.  NULL rg (one region) does nothing. */
void ecomd_regions_note(ecomd_regions *rg, const ec_inventory_request *req, ec_status st,
                        const ec_inventory_result *shortage);
/* The SKUs with demand in the window, here or (as last reported) in a
 * peer region, into skus (read in tx, or outside one when NULL). */
ec_status ecomd_regions_active_skus(ecomd_regions *rg, ecomd_tx *tx, ecomd_skus *skus);

/* ",\"regions\":{...}" for GET /v1/stock/{sku}: this region's rights
 * (`rights`, what its stock rows can reserve) and units in flight, each
 * peer's figures as last known, and their sum. */
ec_status ecomd_regions_stock_view(ecomd_regions *rg, const char *sku, int64_t rights,
                                   struct ecomd_doc *d);
/* GET /v1/regions: the peers, what is in flight to each, the regions
 * declared lost (malloc'd; *st the store's status). */
char *ecomd_regions_picture(ecomd_regions *rg, size_t *len, ec_status *st);
/* The metrics of the regions (Prometheus text appended to d). */
void ecomd_regions_metrics(ecomd_regions *rg, struct ecomd_doc *d);

/* Counters the handlers and the thread keep. */
enum {
    ECOMD_RG_SENT,          /* transfers debited here */
    ECOMD_RG_CREDITED,      /* transfers credited here (not duplicates) */
    ECOMD_RG_DUPLICATES,    /* transfers delivered again */
    ECOMD_RG_ACKNOWLEDGED,  /* transfers the peer confirmed */
    ECOMD_RG_COUNTED_TWICE, /* acknowledged after being taken back: an alarm */
    ECOMD_RG_COUNTERS
};
void ecomd_regions_count(ecomd_regions *rg, int counter, long n);

/* Answer a peer's message inside tx (POST /v1/transfers): credit its
 * transfers, record its acknowledgements and report, and answer with this
 * region's message.  Also used by the thread for the answer it gets. */
ec_status ecomd_regions_receive(ecomd_regions *rg, ecomd_tx *tx, const ec_escrow_message *in,
                                ec_escrow_message *out, ec_error *err);
/* This region's report for `skus` to go in `m` (stock read in tx, or from
 * a snapshot when tx is NULL). */
ec_status ecomd_regions_report(ecomd_regions *rg, ecomd_tx *tx, const ecomd_skus *skus,
                               ec_escrow_message *m);

/* The exchange with one peer over HTTP (regions_client.c): POST `body` to
 * `url`/v1/transfers with the bearer `key` (may be NULL); the answer's
 * body (malloc'd) when it is 200, else NULL with *status the HTTP status
 * (0 when the peer could not be reached in time). */
char *ecomd_regions_post(const char *url, const char *key, const char *body, size_t len,
                         long timeout_ms, long *status, size_t *out_len);
/* libcurl's process-wide set-up, before any thread starts (0 on failure),
 * and its clean-up after they stopped. */
int ecomd_regions_http_start(void);
void ecomd_regions_http_stop(void);

#endif /* ECOMD_REGIONS_H */
