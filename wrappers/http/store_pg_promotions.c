/* store_pg_promotions.c - the PostgreSQL adapter's promotion counts: uses,
 * uses per customer, uses of each coupon code, budget spent, and what each
 * order counted (store.h).  Each call is one round trip. */
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "store_pg.h"
#include "store_pg_sql.h"

/* A text[] literal of the keys of the cart's coupon codes: {"a","b"}, with
 * " and \ escaped (malloc'd; NULL without memory). */
static char *coupon_keys(const ec_cart *cart)
{
    size_t n = ec_cart_coupon_count(cart), cap = 3 + n * (2 * ECOMD_COUPON_KEY_MAX + 3), len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[len++] = '{';
    for (size_t i = 0; i < n; i++) {
        char key[ECOMD_COUPON_KEY_MAX];
        if (!ecomd_coupon_key(key, sizeof key, ec_cart_coupon(cart, i))) continue;
        if (len > 1) out[len++] = ',';
        out[len++] = '"';
        for (const char *p = key; *p; p++) {
            if (*p == '"' || *p == '\\') out[len++] = '\\';
            out[len++] = *p;
        }
        out[len++] = '"';
    }
    out[len++] = '}';
    out[len] = '\0';
    return out;
}

typedef ec_status (*count_setter)(ec_cart *cart, const char *key, int64_t value, ec_error *err);

/* The row's count into the cart, by its kind: u(ses), c(ustomer uses),
 * k(ey of a coupon code), s(pent). */
static ec_status set_count(ec_cart *cart, const PGresult *res, int row)
{
    const char *kind = PQgetvalue(res, row, 0), *key = PQgetvalue(res, row, 1);
    int64_t v = strtoll(PQgetvalue(res, row, 2), NULL, 10);
    count_setter set = kind[0] == 'u'   ? ec_cart_set_promotion_uses
                       : kind[0] == 'c' ? ec_cart_set_customer_promotion_uses
                       : kind[0] == 'k' ? ec_cart_set_coupon_uses
                                        : ec_cart_set_promotion_spent;
    return set(cart, key, v, NULL);
}

ec_status pg_promotion_counts(ecomd_store *base, ecomd_tx *tx, ec_cart *cart)
{
    pg_store *s = (pg_store *)base;
    char *keys = coupon_keys(cart);
    if (!keys) return EC_NO_MEMORY;
    const char *vals[3] = {ec_cart_customer(cart) ? ec_cart_customer(cart) : "",
                           ec_cart_currency(cart), keys};
    /* No lock: a checkout locks the limited promotions it spends
     * (pg_promotion_lock) and then reads their counts again. */
    static const char sql[] =
        "SELECT 'u', promotion_id, uses FROM promotion_uses"
        " UNION ALL SELECT 'c', promotion_id, uses FROM customer_promotion_uses"
        "  WHERE customer = $1 AND $1 <> ''"
        " UNION ALL SELECT 'k', code, uses FROM coupon_uses WHERE code = ANY($3::text[])"
        " UNION ALL SELECT 's', promotion_id, spent FROM promotion_spent WHERE currency = $2";
    PGresult *res = NULL;
    if (tx) {
        res = pg_run(tx->conn, sql, 3, vals, NULL, NULL, 0, NULL);
    } else {
        pg_conn *c = pg_acquire(s);
        res = pg_read(s, c, sql, 3, vals, 0);
        pg_release(s, c);
    }
    free(keys);
    ec_status rc = res ? EC_OK : EC_UNAVAILABLE;
    for (int i = 0; rc == EC_OK && i < PQntuples(res); i++) rc = set_count(cart, res, i);
    PQclear(res);
    /* a count the cart cannot take (more promotions than it keeps) */
    return rc == EC_OK || rc == EC_UNAVAILABLE || rc == EC_NO_MEMORY ? rc : EC_INTERNAL;
}

ec_status pg_promotion_spend(ecomd_tx *tx, const char *order_id, const ecomd_promotion_use *u)
{
    char b1[PG_INT_BUF], b2[PG_INT_BUF];
    const char *vals[7] = {order_id,
                           u->promotion_id,
                           u->code,
                           u->customer,
                           u->currency,
                           pg_int(b1, u->uses),
                           pg_int(b2, u->spent)};
    return pg_do(
        tx->conn,
        "WITH kept AS (INSERT INTO order_promotion_uses(order_id, promotion_id, code, customer,"
        "  currency, uses, spent) VALUES ($1, $2, $3, $4, $5, $6::bigint, $7::bigint)),"
        " u AS (INSERT INTO promotion_uses(promotion_id, uses) SELECT $2, $6::bigint"
        "  WHERE $6::bigint > 0 ON CONFLICT(promotion_id) DO UPDATE"
        "  SET uses = promotion_uses.uses + excluded.uses),"
        " c AS (INSERT INTO customer_promotion_uses(promotion_id, customer, uses)"
        "  SELECT $2, $4, $6::bigint WHERE $6::bigint > 0 AND $4 <> ''"
        "  ON CONFLICT(customer, promotion_id) DO UPDATE"
        "  SET uses = customer_promotion_uses.uses + excluded.uses),"
        " k AS (INSERT INTO coupon_uses(code, uses) SELECT $3, 1 WHERE $3 <> ''"
        "  ON CONFLICT(code) DO UPDATE SET uses = coupon_uses.uses + 1),"
        " s AS (INSERT INTO promotion_spent(currency, promotion_id, spent)"
        "  SELECT $5, $2, $7::bigint WHERE $7::bigint > 0 ON CONFLICT(currency, promotion_id)"
        "  DO UPDATE SET spent = promotion_spent.spent + excluded.spent)"
        " SELECT 1",
        7, vals);
}

ec_status pg_promotion_give_back(ecomd_tx *tx, const char *order_id)
{
    const char *vals[1] = {order_id};
    return pg_do(
        tx->conn,
        "WITH gone AS (DELETE FROM order_promotion_uses WHERE order_id = $1 RETURNING *),"
        " u AS (UPDATE promotion_uses p SET uses = greatest(p.uses - g.n, 0)"
        "  FROM (SELECT promotion_id, sum(uses) AS n FROM gone GROUP BY promotion_id) g"
        "  WHERE p.promotion_id = g.promotion_id AND g.n > 0),"
        " c AS (UPDATE customer_promotion_uses p SET uses = greatest(p.uses - g.n, 0)"
        "  FROM (SELECT promotion_id, customer, sum(uses) AS n FROM gone WHERE customer <> ''"
        "  GROUP BY promotion_id, customer) g"
        "  WHERE p.promotion_id = g.promotion_id AND p.customer = g.customer AND g.n > 0),"
        " k AS (UPDATE coupon_uses p SET uses = greatest(p.uses - g.n, 0)"
        "  FROM (SELECT code, count(*) AS n FROM gone WHERE code <> '' GROUP BY code) g"
        "  WHERE p.code = g.code),"
        " s AS (UPDATE promotion_spent p SET spent = greatest(p.spent - g.n, 0)"
        "  FROM (SELECT currency, promotion_id, sum(spent) AS n FROM gone"
        "  GROUP BY currency, promotion_id) g"
        "  WHERE p.currency = g.currency AND p.promotion_id = g.promotion_id AND g.n > 0)"
        " SELECT 1",
        1, vals);
}

/* An advisory lock per key, in the promotions' class (the two-key form):
 * only checkouts spending the same limited promotion wait for each other. */
ec_status pg_promotion_lock(ecomd_tx *tx, const char *key)
{
    const char *vals[1] = {key};
    return pg_do(tx->conn, "SELECT pg_advisory_xact_lock(" PG_LOCK_PROMOTIONS ", hashtext($1))", 1,
                 vals);
}
