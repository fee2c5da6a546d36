/* list_sql.c - the SQL of list pages for both store adapters (see
 * list_sql.h).
 *
 * Each filter is a condition that an index serves (migration 10): orders by
 * (state | payment_status, created_at, id), by (created_at, id), or, with
 * a SKU, through order_skus (sku, created_at, order_id); reservations and
 * carts by (created_at, id).  The page reads that index backwards from the
 * cursor and stops after `limit` rows.
 *
 * A reservation's status is what GET /v1/reservations/{id} reports: an
 * active one past its expiry is expired, whether or not the sweeper has
 * marked it yet (the store's lazy expiry, as in stock_rows.c). */
#include "list_sql.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stock_rows.h"

/* The statement being written. */
typedef struct builder {
    ecomd_list_sql *out;
    size_t len;
    int dollar;
} builder;

static void add(builder *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(builder *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->out->text + b->len, sizeof b->out->text - b->len, fmt, ap);
    va_end(ap);
    if (n > 0) b->len += (size_t)n; /* the longest statement is under 600 bytes */
}

/* A placeholder for the next parameter. */
static void param(builder *b, int type, const char *text, int64_t value)
{
    ecomd_list_sql *o = b->out;
    o->params[o->nparams] = (ecomd_sql_param){type, text, value};
    o->nparams++;
    add(b, "%c%d", b->dollar ? '$' : '?', o->nparams);
}

/* " AND <column> <op> <placeholder>" */
static void cond(builder *b, const char *column, const char *op, int type, const char *text,
                 int64_t value)
{
    add(b, " AND %s %s ", column, op);
    param(b, type, text, value);
}

/* Below the cursor row's own (created_at, id), read by a subquery in the
 * same statement: a cursor that names nothing makes the page empty. */
static void cursor(builder *b, const char *at, const char *id, const char *table,
                   const ecomd_list_query *q)
{
    if (!q->starting_after) return;
    add(b, " AND (%s, %s) < ((SELECT created_at FROM %s WHERE id = ", at, id, table);
    param(b, ECOMD_SQL_TEXT, q->starting_after, 0);
    add(b, "), %c%d)", b->dollar ? '$' : '?', b->out->nparams);
}

static void order_by(builder *b, const char *at, const char *id, int limit)
{
    add(b, " ORDER BY %s DESC, %s DESC LIMIT ", at, id);
    param(b, ECOMD_SQL_INT, NULL, limit);
}

static void orders(builder *b, const ecomd_list_query *q)
{
    /* With a SKU the page walks order_skus, whose key holds its order's
     * created_at: the index is (sku, created_at, order_id). */
    const char *at = q->sku ? "k.created_at" : "o.created_at";
    const char *id = q->sku ? "k.order_id" : "o.id";
    if (q->sku) {
        add(b, "SELECT o.id, o.version, o.doc FROM order_skus k"
               " JOIN orders o ON o.id = k.order_id WHERE k.sku = ");
        param(b, ECOMD_SQL_TEXT, q->sku, 0);
    } else {
        add(b, "SELECT o.id, o.version, o.doc FROM orders o WHERE 1 = 1");
    }
    if (q->state) cond(b, "o.state", "=", ECOMD_SQL_TEXT, q->state, 0);
    if (q->payment_status) cond(b, "o.payment_status", "=", ECOMD_SQL_TEXT, q->payment_status, 0);
    if (q->created_after != ECOMD_TIME_UNSET)
        cond(b, at, ">=", ECOMD_SQL_INT, NULL, q->created_after);
    if (q->created_before != ECOMD_TIME_UNSET)
        cond(b, at, "<", ECOMD_SQL_INT, NULL, q->created_before);
    cursor(b, at, id, "orders", q);
    order_by(b, at, id, q->limit);
    b->out->shape = (q->state ? 1 : 0) | (q->payment_status ? 2 : 0) |
                    (q->created_after != ECOMD_TIME_UNSET ? 4 : 0) |
                    (q->created_before != ECOMD_TIME_UNSET ? 8 : 0) | (q->sku ? 16 : 0) |
                    (q->starting_after ? 32 : 0);
}

static void reservations(builder *b, const ecomd_list_query *q)
{
    add(b, "SELECT r.id FROM reservations r WHERE 1 = 1");
    int status = 0;
    if (q->status && strcmp(q->status, "active") == 0) {
        status = 1;
        add(b, " AND r.status = 'active'");
        cond(b, "r.expires_at", ">", ECOMD_SQL_INT, NULL, q->now_us);
    } else if (q->status && strcmp(q->status, "expired") == 0) {
        status = 2;
        add(b, " AND (r.status = 'expired' OR (r.status = 'active' AND r.expires_at <= ");
        param(b, ECOMD_SQL_INT, NULL, q->now_us);
        add(b, "))");
    } else if (q->status) {
        status = 3;
        cond(b, "r.status", "=", ECOMD_SQL_TEXT, q->status, 0);
    }
    if (q->sku) {
        add(b, " AND r.id IN (SELECT reservation_id FROM reservation_lines WHERE sku = ");
        param(b, ECOMD_SQL_TEXT, q->sku, 0);
        add(b, ")");
    }
    cursor(b, "r.created_at", "r.id", "reservations", q);
    order_by(b, "r.created_at", "r.id", q->limit);
    b->out->shape = 64 + status * 4 + (q->sku ? 2 : 0) + (q->starting_after ? 1 : 0);
}

static void carts(builder *b, const ecomd_list_query *q)
{
    add(b, "SELECT c.id, c.version, c.doc FROM carts c WHERE 1 = 1");
    if (q->updated_after != ECOMD_TIME_UNSET)
        cond(b, "c.updated_at", ">=", ECOMD_SQL_INT, NULL, q->updated_after);
    cursor(b, "c.created_at", "c.id", "carts", q);
    order_by(b, "c.created_at", "c.id", q->limit);
    b->out->shape =
        80 + (q->updated_after != ECOMD_TIME_UNSET ? 2 : 0) + (q->starting_after ? 1 : 0);
}

void ecomd_list_sql_build(const ecomd_list_query *q, int dollar, ecomd_list_sql *out)
{
    builder b = {out, 0, dollar};
    out->text[0] = '\0';
    out->nparams = 0;
    if (q->kind == ECOMD_LIST_ORDERS)
        orders(&b, q);
    else if (q->kind == ECOMD_LIST_RESERVATIONS)
        reservations(&b, q);
    else
        carts(&b, q);
}

const char *ecomd_list_cursor_sql(int kind, int dollar)
{
    static const char *const sql[3][2] = {
        {"SELECT 1 FROM orders WHERE id = ?1", "SELECT 1 FROM orders WHERE id = $1"},
        {"SELECT 1 FROM reservations WHERE id = ?1", "SELECT 1 FROM reservations WHERE id = $1"},
        {"SELECT 1 FROM carts WHERE id = ?1", "SELECT 1 FROM carts WHERE id = $1"},
    };
    return sql[kind][dollar ? 1 : 0];
}

char *ecomd_order_skus_json(const ec_order *order)
{
    ecomd_skus skus = {0};
    ec_status st = EC_OK;
    for (size_t i = 0; st == EC_OK && i < ec_order_line_count(order); i++)
        st = ecomd_skus_add(&skus, ec_order_line_sku(order, i));
    char *json = st == EC_OK ? ecomd_skus_json(&skus) : NULL;
    ecomd_skus_free(&skus);
    return json;
}
