/* store_sqlite_orders.c - the SQLite adapter's orders and the
 * reservation sweeper. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "store_sqlite.h"

ec_status sq_order_get(ecomd_store *base, ecomd_tx *tx, const char *id, ec_order *order)
{
    int64_t version = 0;
    char *doc = NULL;
    ec_status rc = sq_versioned_get(base, tx, SQ_ORDER_GET, id, &version, &doc);
    /* rows this program wrote always read: a refusal is a damaged store */
    if (rc == EC_OK && ec_order_from_json(order, doc, strlen(doc), NULL) != EC_OK) rc = EC_INTERNAL;
    free(doc);
    return rc;
}

/* The order already made from a cart, if any. */
static ec_status order_of_cart(sq_conn *c, const char *cart_id, char **existing)
{
    *existing = NULL;
    sqlite3_stmt *st = sq_stmt(c, SQ_ORDER_BY_CART);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, cart_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *existing = sq_dup_column(st, 0, NULL);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? EC_OK : EC_UNAVAILABLE;
}

/* A new order's SKUs, for the list of a SKU's orders. */
static ec_status order_skus_add(sq_conn *c, const ec_order *order, int64_t at_us)
{
    char *skus = ecomd_order_skus_json(order);
    sqlite3_stmt *st = skus ? sq_stmt(c, SQ_ORDER_SKUS_ADD) : NULL;
    ec_status rc = !skus ? EC_NO_MEMORY : !st ? EC_UNAVAILABLE : EC_OK;
    if (rc == EC_OK) {
        sqlite3_bind_text(st, 1, skus, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, at_us);
        sqlite3_bind_text(st, 3, ec_order_id(order), -1, SQLITE_STATIC);
        rc = sq_step_done(c, st);
    }
    free(skus);
    return rc;
}

ec_status sq_order_put(ecomd_tx *tx, const ec_order *order, const char *doc, const char *cart_id,
                       int64_t due_us, int64_t at_us, char **existing)
{
    const char *id = ec_order_id(order), *state = ec_order_state(order);
    int64_t version = ec_order_version(order);
    if (existing) *existing = NULL;
    if (version == 1 && existing) {
        ec_status rc = order_of_cart(tx->conn, cart_id, existing);
        if (rc != EC_OK) return rc;
        if (*existing) return EC_INVALID_TRANSITION;
    }
    sqlite3_stmt *st = sq_stmt(tx->conn, version == 1 ? SQ_ORDER_INSERT : SQ_ORDER_UPDATE);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, version);
    sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
    if (version == 1) {
        sqlite3_bind_text(st, 4, cart_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, due_us);
    } else {
        sqlite3_bind_int64(st, 5, 1); /* replaces version - 1 */
    }
    sqlite3_bind_text(st, 6, doc, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, at_us);
    sqlite3_bind_text(st, 8, ec_order_payment_status_name(ec_order_payment_status(order)), -1,
                      SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT) return EC_VERSION_CONFLICT;
    if (rc != SQLITE_DONE) return EC_UNAVAILABLE;
    if (sqlite3_changes(tx->conn->db) != 1) return EC_VERSION_CONFLICT;
    return version == 1 ? order_skus_add(tx->conn, order, at_us) : EC_OK;
}

ec_status sq_order_of_cart(ecomd_tx *tx, const char *cart_id, char **order_id)
{
    return order_of_cart(tx->conn, cart_id, order_id);
}

ec_status sq_orders_due(ecomd_store *base, int64_t now_us, int limit, char **ids)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = sq_acquire(s);
    sqlite3_stmt *st = sq_stmt(c, SQ_ORDERS_DUE);
    cJSON *arr = cJSON_CreateArray();
    int rc = SQLITE_ERROR;
    if (st && arr) {
        sqlite3_bind_int64(st, 1, now_us);
        sqlite3_bind_int(st, 2, limit);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            cJSON_AddItemToArray(arr, cJSON_CreateString((const char *)sqlite3_column_text(st, 0)));
        sqlite3_reset(st);
    }
    sq_release(s, c);
    *ids = rc == SQLITE_DONE ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    return rc != SQLITE_DONE ? EC_UNAVAILABLE : *ids ? EC_OK : EC_NO_MEMORY;
}

/* One write transaction: `held` and the statuses change together. */
ec_status sq_reservations_expire(ecomd_store *base, int64_t now_us, int64_t *count)
{
    ecomd_tx *tx = NULL;
    *count = 0;
    ec_status rc = base->ops->tx_begin(base, &tx);
    if (rc != EC_OK) return rc;
    sq_conn *c = tx->conn;
    static const int steps[] = {SQ_HELD_EXPIRE, SQ_RES_EXPIRE};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *st = sq_stmt(c, steps[i]);
        if (!st) rc = EC_UNAVAILABLE;
        if (rc != EC_OK) break;
        sqlite3_bind_int64(st, 1, now_us);
        rc = sq_step_done(c, st);
    }
    if (rc != EC_OK) {
        base->ops->tx_rollback(tx);
        return rc;
    }
    int64_t expired = sqlite3_changes(c->db);
    rc = base->ops->tx_commit(tx);
    if (rc == EC_OK) *count = expired;
    return rc;
}

/* Both deletes in one write transaction (they join a group commit). */
ec_status sq_prune(ecomd_store *base, int64_t keys_before_us, int64_t events_before_us,
                   int64_t *count)
{
    ecomd_tx *tx = NULL;
    *count = 0;
    if (!keys_before_us && !events_before_us) return EC_OK;
    ec_status rc = base->ops->tx_begin(base, &tx);
    if (rc != EC_OK) return rc;
    sqlite3_stmt *st;
    int64_t removed = 0;
    if (keys_before_us) {
        if (!(st = sq_stmt(tx->conn, SQ_PRUNE_KEYS))) rc = EC_UNAVAILABLE;
        if (rc == EC_OK) {
            sqlite3_bind_int64(st, 1, keys_before_us);
            sqlite3_bind_int(st, 2, ECOMD_PRUNE_BATCH);
            rc = sq_step_done(tx->conn, st);
            removed += sqlite3_changes(tx->conn->db);
        }
    }
    if (rc == EC_OK && events_before_us) {
        char before[48];
        ecomd_format_time(events_before_us, before, sizeof before);
        if (!(st = sq_stmt(tx->conn, SQ_PRUNE_EVENTS))) rc = EC_UNAVAILABLE;
        if (rc == EC_OK) {
            sqlite3_bind_text(st, 1, before, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int(st, 2, ECOMD_PRUNE_BATCH);
            sqlite3_bind_int64(st, 3, events_before_us);
            rc = sq_step_done(tx->conn, st);
            removed += sqlite3_changes(tx->conn->db);
        }
    }
    if (rc != EC_OK) {
        base->ops->tx_rollback(tx);
        return rc;
    }
    rc = base->ops->tx_commit(tx);
    if (rc == EC_OK) *count = removed;
    return rc;
}
