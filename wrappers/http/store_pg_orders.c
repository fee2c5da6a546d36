/* store_pg_orders.c - the PostgreSQL adapter's orders and the
 * reservation sweeper. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "list_sql.h"
#include "store_pg.h"
#include "store_pg_sql.h"

ec_status pg_order_get(ecomd_store *base, ecomd_tx *tx, const char *id, ec_order *order)
{
    pg_store *s = (pg_store *)base;
    pg_conn *c = tx ? tx->conn : pg_acquire(s);
    const char *vals[1] = {id};
    /* In a write, the order's row lock makes events on one order queue. */
    PGresult *res = tx ? pg_run(c, "SELECT version, doc FROM orders WHERE id = $1 FOR UPDATE", 1,
                                vals, NULL, NULL, 0, NULL)
                       : pg_read(s, c, "SELECT version, doc FROM orders WHERE id = $1", 1, vals, 0);
    if (!tx) pg_release(s, c);
    ec_status rc = !res ? EC_UNAVAILABLE : PQntuples(res) == 0 ? EC_NOT_FOUND : EC_OK;
    /* rows this program wrote always read: a refusal is a damaged store */
    if (rc == EC_OK && ec_order_from_json(order, PQgetvalue(res, 0, 1),
                                          (size_t)PQgetlength(res, 0, 1), NULL) != EC_OK)
        rc = EC_INTERNAL;
    PQclear(res);
    return rc;
}

ec_status pg_order_of_cart(ecomd_tx *tx, const char *cart_id, char **order_id)
{
    const char *vals[1] = {cart_id};
    *order_id = NULL;
    PGresult *res =
        pg_run(tx->conn, "SELECT id FROM orders WHERE cart_id = $1", 1, vals, NULL, NULL, 0, NULL);
    if (!res) return EC_UNAVAILABLE;
    ec_status rc = EC_OK;
    if (PQntuples(res) == 1 && !(*order_id = pg_dup(res, 0, 0, NULL))) rc = EC_NO_MEMORY;
    PQclear(res);
    return rc;
}

/* A new order's SKUs, for the list of a SKU's orders. */
static ec_status order_skus_add(pg_conn *c, const ec_order *order, int64_t at_us)
{
    char *skus = ecomd_order_skus_json(order), b[PG_INT_BUF];
    if (!skus) return EC_NO_MEMORY;
    const char *vals[3] = {skus, pg_int(b, at_us), ec_order_id(order)};
    ec_status rc = pg_do(c,
                         "INSERT INTO order_skus(sku, created_at, order_id)"
                         " SELECT json_array_elements_text($1::json), $2::bigint, $3"
                         " ON CONFLICT DO NOTHING",
                         3, vals);
    free(skus);
    return rc;
}

ec_status pg_order_put(ecomd_tx *tx, const ec_order *order, const char *doc, const char *cart_id,
                       int64_t due_us, int64_t at_us, char **existing)
{
    const char *id = ec_order_id(order), *state = ec_order_state(order);
    int64_t version = ec_order_version(order);
    if (existing) *existing = NULL;
    if (version == 1 && existing) {
        ec_status rc = pg_order_of_cart(tx, cart_id, existing);
        if (rc != EC_OK) return rc;
        if (*existing) return EC_INVALID_TRANSITION;
    }
    char b1[PG_INT_BUF], b2[PG_INT_BUF], b3[PG_INT_BUF];
    char code[6];
    const char *paid = ec_order_payment_status_name(ec_order_payment_status(order));
    PGresult *res = NULL;
    if (version == 1) {
        const char *vals[8] = {id,  pg_int(b1, version), state, cart_id, pg_int(b2, due_us),
                               doc, pg_int(b3, at_us),   paid};
        res = pg_run(tx->conn,
                     "INSERT INTO orders(id, version, state, cart_id, due_at, doc, created_at,"
                     " updated_at, payment_status) VALUES ($1, $2::bigint, $3, $4, $5::bigint, $6,"
                     " $7::bigint, $7::bigint, $8)",
                     8, vals, NULL, NULL, 0, code);
    } else {
        const char *vals[6] = {id, pg_int(b1, version), state, doc, pg_int(b3, at_us), paid};
        res = pg_run(tx->conn,
                     "UPDATE orders SET version = $2::bigint, state = $3, doc = $4,"
                     " updated_at = $5::bigint, payment_status = $6"
                     " WHERE id = $1 AND version = $2::bigint - 1",
                     6, vals, NULL, NULL, 0, code);
    }
    if (!res) return strcmp(code, "23505") == 0 ? EC_VERSION_CONFLICT : EC_UNAVAILABLE;
    ec_status rc = strcmp(PQcmdTuples(res), "1") == 0 ? EC_OK : EC_VERSION_CONFLICT;
    PQclear(res);
    return rc == EC_OK && version == 1 ? order_skus_add(tx->conn, order, at_us) : rc;
}

/* A JSON array of the first column's values. */
static ec_status column_array(PGresult *res, char **out)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < PQntuples(res); i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(PQgetvalue(res, i, 0)));
    *out = arr ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    return *out ? EC_OK : EC_NO_MEMORY;
}

ec_status pg_orders_due(ecomd_store *base, int64_t now_us, int limit, char **ids)
{
    pg_store *s = (pg_store *)base;
    pg_conn *c = pg_acquire(s);
    char b1[PG_INT_BUF], b2[PG_INT_BUF];
    const char *vals[2] = {pg_int(b1, now_us), pg_int(b2, limit)};
    PGresult *res = pg_read(s, c,
                            "SELECT id FROM orders WHERE state IN ('pending_payment',"
                            " 'payment_failed') AND due_at <= $1::bigint ORDER BY due_at"
                            " LIMIT $2::integer",
                            2, vals, 0);
    pg_release(s, c);
    *ids = NULL;
    ec_status rc = res ? column_array(res, ids) : EC_UNAVAILABLE;
    PQclear(res);
    return rc;
}

/* Conditional, so that instances sweeping at once never expire a
 * reservation twice or one that was committed meanwhile (the row lock
 * makes the second UPDATE re-check the status). */
/* The ids (a JSON array) of up to 1,000 active reservations past their
 * expiry, locked; SKIP LOCKED leaves those that a write (or another
 * instance's sweeper) holds now to the next sweep. */
static ec_status lock_lapsed(pg_conn *c, const char *now, char **ids)
{
    const char *vals[1] = {now};
    PGresult *res = pg_run(c,
                           "SELECT coalesce(json_agg(id), '[]')::text FROM (SELECT id"
                           " FROM reservations WHERE status = 'active' AND expires_at <= $1::bigint"
                           " ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED) AS lapsed",
                           1, vals, NULL, NULL, 0, NULL);
    *ids = res ? pg_dup(res, 0, 0, NULL) : NULL;
    PQclear(res);
    return !res ? EC_UNAVAILABLE : *ids ? EC_OK : EC_NO_MEMORY;
}

/* In one transaction: the lapsed reservations, then their stock rows in
 * (sku, location) order as every write takes them, then `held` and the
 * statuses. */
ec_status pg_reservations_expire(ecomd_store *base, int64_t now_us, int64_t *count)
{
    static const char *const steps[] = {
        "SELECT 1 FROM stock WHERE (sku, location) IN (SELECT sku, location"
        " FROM reservation_lines WHERE reservation_id IN (SELECT "
        "json_array_elements_text($1::json)))"
        " ORDER BY sku, location FOR UPDATE",
        "UPDATE stock SET held = stock.held - e.quantity FROM (SELECT sku, location,"
        " sum(quantity - shipped - released) AS quantity FROM reservation_lines"
        " WHERE reservation_id IN (SELECT json_array_elements_text($1::json))"
        " GROUP BY sku, location) AS e WHERE stock.sku = e.sku AND stock.location = e.location",
        "UPDATE reservations SET status = 'expired'"
        " WHERE id IN (SELECT json_array_elements_text($1::json))",
    };
    ecomd_tx *tx = NULL;
    char b[PG_INT_BUF], *ids = NULL;
    PGresult *res = NULL;
    *count = 0;
    ec_status rc = base->ops->tx_begin(base, &tx);
    if (rc != EC_OK) return rc;
    rc = lock_lapsed(tx->conn, pg_int(b, now_us), &ids);
    const char *vals[1] = {ids};
    for (size_t i = 0; rc == EC_OK && i < sizeof steps / sizeof steps[0]; i++) {
        PQclear(res);
        res = pg_run(tx->conn, steps[i], 1, vals, NULL, NULL, 0, NULL);
        if (!res) rc = EC_UNAVAILABLE;
    }
    int64_t expired = res ? strtoll(PQcmdTuples(res), NULL, 10) : 0;
    PQclear(res);
    free(ids);
    if (rc != EC_OK) {
        base->ops->tx_rollback(tx);
        return rc;
    }
    rc = base->ops->tx_commit(tx);
    if (rc == EC_OK) *count = expired;
    return rc;
}

/* One statement each, outside a transaction: a delete is safe to repeat,
 * so each is retried like a read.  Outbox ids follow commit order (see
 * pg_event_add), so the first ones by id are the old ones. */
ec_status pg_prune(ecomd_store *base, int64_t keys_before_us, int64_t events_before_us,
                   int64_t *count)
{
    static const char *const sql[2] = {
        "DELETE FROM idempotency WHERE (owner, key) IN (SELECT owner, key FROM idempotency"
        " WHERE created_at < $1::bigint ORDER BY created_at LIMIT $2::integer)",
        /* never an event a relay seen since the cut has not published */
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT $2::integer)"
        " AND at < $1 AND id <= coalesce((SELECT min(position) FROM relay_positions"
        " WHERE seen_at >= $3::bigint), id)",
    };
    pg_store *s = (pg_store *)base;
    char before[2][48], limit[PG_INT_BUF], seen[PG_INT_BUF];
    pg_int(before[0], keys_before_us);
    pg_int(seen, events_before_us);
    ecomd_format_time(events_before_us, before[1], sizeof before[1]);
    pg_int(limit, ECOMD_PRUNE_BATCH);
    int64_t cut[2] = {keys_before_us, events_before_us};
    ec_status rc = EC_OK;
    *count = 0;
    for (int i = 0; i < 2 && rc == EC_OK; i++) {
        if (!cut[i]) continue;
        const char *vals[3] = {before[i], limit, seen};
        pg_conn *c = pg_acquire(s);
        PGresult *res = pg_read(s, c, sql[i], i + 2, vals, 0);
        pg_release(s, c);
        if (res)
            *count += strtoll(PQcmdTuples(res), NULL, 10);
        else
            rc = EC_UNAVAILABLE;
        PQclear(res);
    }
    return rc;
}
