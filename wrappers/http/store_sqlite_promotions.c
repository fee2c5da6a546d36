/* store_sqlite_promotions.c - the SQLite adapter's promotion counts: uses,
 * uses per customer, uses of each coupon code, budget spent, and what each
 * order counted (store.h). */
#include <string.h>

#include "ecomd.h"
#include "store_sqlite.h"

typedef ec_status (*count_setter)(ec_cart *cart, const char *key, int64_t value, ec_error *err);

/* Every (key, count) row of statement `id` (with `param` as ?1 when not
 * NULL) into the cart through `set`. */
static ec_status load_counts(sq_conn *c, int id, const char *param, ec_cart *cart, count_setter set)
{
    sqlite3_stmt *st = sq_stmt(c, id);
    if (!st) return EC_UNAVAILABLE;
    if (param) sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
    ec_status result = EC_OK;
    int rc = SQLITE_ERROR;
    while (result == EC_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        result =
            set(cart, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), NULL);
    if (result == EC_OK && rc != SQLITE_DONE) result = EC_UNAVAILABLE;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return result;
}

/* The uses of each of the cart's coupon codes, looked up by key. */
static ec_status load_coupon_uses(sq_conn *c, ec_cart *cart)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_COUPON_USES);
    ec_status result = st ? EC_OK : EC_UNAVAILABLE;
    for (size_t i = 0; result == EC_OK && i < ec_cart_coupon_count(cart); i++) {
        char key[ECOMD_COUPON_KEY_MAX];
        const char *code = ec_cart_coupon(cart, i);
        if (!ecomd_coupon_key(key, sizeof key, code)) continue; /* never used: too long */
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            result = ec_cart_set_coupon_uses(cart, code, sqlite3_column_int64(st, 0), NULL);
        else if (rc != SQLITE_DONE)
            result = EC_UNAVAILABLE;
        sqlite3_reset(st);
    }
    return result;
}

ec_status sq_promotion_counts(ecomd_store *base, ecomd_tx *tx, ec_cart *cart)
{
    sq_store *s = (sq_store *)base;
    sq_conn *c = tx ? tx->conn : sq_acquire(s);
    const char *customer = ec_cart_customer(cart);
    ec_status st = load_counts(c, SQ_PROMO_USES, NULL, cart, ec_cart_set_promotion_uses);
    if (st == EC_OK && customer)
        st = load_counts(c, SQ_CUSTOMER_USES, customer, cart, ec_cart_set_customer_promotion_uses);
    if (st == EC_OK) st = load_coupon_uses(c, cart);
    if (st == EC_OK)
        st = load_counts(c, SQ_PROMO_SPENT, ec_cart_currency(cart), cart,
                         ec_cart_set_promotion_spent);
    if (!tx) sq_release(s, c);
    /* a count the cart cannot take (more promotions than it keeps) */
    return st == EC_OK || st == EC_UNAVAILABLE || st == EC_NO_MEMORY ? st : EC_INTERNAL;
}

/* Statement `id` with the use's fields as ?1..?7 (order, promotion, code,
 * customer, currency, uses, spent). */
static ec_status run_use(sq_conn *c, int id, const char *order_id, const ecomd_promotion_use *u)
{
    sqlite3_stmt *st = sq_stmt(c, id);
    if (!st) return EC_UNAVAILABLE;
    const char *text[5] = {order_id, u->promotion_id, u->code, u->customer, u->currency};
    for (int i = 0; i < 5; i++) sqlite3_bind_text(st, i + 1, text[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, u->uses);
    sqlite3_bind_int64(st, 7, u->spent);
    return sq_step_done(c, st);
}

ec_status sq_promotion_spend(ecomd_tx *tx, const char *order_id, const ecomd_promotion_use *u)
{
    sq_conn *c = tx->conn;
    ec_status st = run_use(c, SQ_USE_KEEP, order_id, u);
    if (st == EC_OK && u->uses > 0) st = run_use(c, SQ_PROMO_USE_ADD, order_id, u);
    if (st == EC_OK && u->uses > 0 && u->customer[0])
        st = run_use(c, SQ_CUSTOMER_USE_ADD, order_id, u);
    if (st == EC_OK && u->code[0]) st = run_use(c, SQ_COUPON_USE_ADD, order_id, u);
    if (st == EC_OK && u->spent > 0) st = run_use(c, SQ_SPENT_ADD, order_id, u);
    return st;
}

ec_status sq_promotion_give_back(ecomd_tx *tx, const char *order_id)
{
    static const int steps[] = {SQ_PROMO_USE_BACK, SQ_CUSTOMER_USE_BACK, SQ_COUPON_USE_BACK,
                                SQ_SPENT_BACK, SQ_USES_FORGET};
    ec_status st = EC_OK;
    for (size_t i = 0; st == EC_OK && i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *stmt = sq_stmt(tx->conn, steps[i]);
        if (!stmt) return EC_UNAVAILABLE;
        sqlite3_bind_text(stmt, 1, order_id, -1, SQLITE_STATIC);
        st = sq_step_done(tx->conn, stmt);
    }
    return st;
}

/* A write transaction is the only writer: counts cannot move under it. */
ec_status sq_promotion_lock(ecomd_tx *tx, const char *key)
{
    (void)tx;
    (void)key;
    return EC_OK;
}
