/* handlers_orders.c - checkout and reading an order.
 *
 * Checkout is one transaction and one call into the library's checkout
 * module: the cart is priced with the stored promotion counts, the order
 * made from the result and its units reserved and committed; what it
 * spends of the promotions' limits is counted (promotion_counts.c); the
 * order and its order.created event are
 * stored.  The request body is read once, the stored cart once, and the
 * order document is written once: it is the row, the event's payload and
 * the response. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "regions.h"

/* What a checkout works with, freed together. */
typedef struct checkout_run {
    ecomd_request *r;
    ecomd_tx *tx;
    const char *cart_id;
    ecomd_ruleset *rs;
    ec_cart *cart;
    ec_checkout *co;
    ec_error err;
    int64_t now;
} checkout_run;

/* Read the cart into c->cart; a refusal fills out. */
static ec_status load_cart(checkout_run *c, ecomd_outcome *out)
{
    ecomd_store *s = c->r->srv->store;
    int64_t version = 0;
    char *doc = NULL, *existing = NULL;
    ec_status st = s->ops->cart_get(s, c->tx, c->cart_id, &version, &doc);
    if (st == EC_NOT_FOUND) {
        ecomd_refuse_with(out, EC_NOT_FOUND, "cart_id", "no such cart");
        return EC_OK;
    }
    if (st == EC_OK) st = s->ops->order_of_cart(c->tx, c->cart_id, &existing);
    if (st == EC_OK && existing)
        ecomd_refuse_with(out, EC_INVALID_TRANSITION, "cart_id",
                          "the cart was already checked out as order %.100s", existing);
    char *full = st == EC_OK && !existing ? ecomd_cart_doc_at(doc, c->cart_id, c->now) : NULL;
    if (st == EC_OK && !existing && !full) st = EC_NO_MEMORY;
    if (full && ec_cart_from_json(c->cart, full, strlen(full), &c->err) != EC_OK) {
        if (strcmp(c->err.field, "lines") == 0)
            ecomd_refuse_with(out, EC_INVALID_FIELD, "cart_id", "the cart has no lines");
        else
            st = EC_INTERNAL; /* a stored cart always reads */
    }
    free(full);
    free(existing);
    free(doc);
    return st;
}

/* Price and make the order with the counts in the cart. */
static ec_status prepare(checkout_run *c, const char *order_id, ecomd_outcome *out)
{
    unsigned ttl = c->r->srv->cfg.payment_ttl;
    ec_status st = ec_checkout_prepare(c->co, c->rs->rules, c->cart, order_id, NULL, c->now,
                                       ttl ? ttl : 1, &c->err);
    if (st == EC_NO_MEMORY) return st;
    if (st != EC_OK) ecomd_refuse(out, &c->err);
    return EC_OK;
}

/* Counts read without a lock may be stale (never too high).  The limited
 * promotions the price spends are locked and the counts read again, and
 * the cart priced again with them, until a price spends no promotion that
 * is not locked: its counts then stand still until the commit. */
static ec_status price_for_checkout(checkout_run *c, const char *order_id, ecomd_outcome *out)
{
    ecomd_store *s = c->r->srv->store;
    ecomd_locks l = {0};
    ec_status st = s->ops->promotion_counts(s, c->tx, c->cart);
    if (st == EC_OK) st = prepare(c, order_id, out);
    for (int round = 0; st == EC_OK && !out->body; round++) {
        int added = 0;
        st = ecomd_lock_spent(s, c->tx, c->rs, c->co, &l, &added);
        if (st != EC_OK || !added) break;
        if (round == 8) st = EC_UNAVAILABLE; /* counts moving every time: retry later */
        if (st == EC_OK) st = s->ops->promotion_counts(s, c->tx, c->cart);
        if (st == EC_OK) st = prepare(c, order_id, out);
    }
    ecomd_locks_free(&l);
    return st;
}

/* Reserve and commit the order's units; a shortage fills out. */
static ec_status take_stock(checkout_run *c, ecomd_outcome *out)
{
    ecomd_store *s = c->r->srv->store;
    ecomd_skus skus = {0};
    ecomd_stock stock = {0};
    ec_inventory_result *res = ec_inventory_result_new();
    const ec_order *o = ec_checkout_order(c->co);
    ec_status st = res ? EC_OK : EC_NO_MEMORY;
    for (size_t i = 0; st == EC_OK && i < ec_order_line_count(o); i++)
        st = ecomd_skus_add(&skus, ec_order_line_sku(o, i));
    if (st == EC_OK) st = s->ops->stock_load(c->tx, &skus, ec_order_id(o), c->now, &stock);
    ec_status op = st == EC_OK ? ec_checkout_reserve(c->co, stock.inv, res, &c->err) : EC_OK;
    if (st == EC_OK)
        ecomd_regions_note(c->r->srv->regions, ec_checkout_reservation(c->co), op, res);
    if (st == EC_OK) {
        ecomd_metrics_reservation(c->r->srv->metrics, op == EC_OK ? "reserved"
                                                      : op == EC_INSUFFICIENT_STOCK
                                                          ? "insufficient_stock"
                                                          : "error");
        if (op == EC_NO_MEMORY)
            st = op;
        else if (op != EC_OK)
            ecomd_refuse_shortage(out, &c->err, res);
        else
            st = s->ops->stock_save(c->tx, &stock);
    }
    ec_inventory_result_free(res);
    ecomd_stock_done(&stock);
    ecomd_skus_free(&skus);
    return st;
}

/* Count the uses, store the order and its event, answer with it. */
static ec_status store_order(checkout_run *c, ecomd_outcome *out)
{
    ecomd_store *s = c->r->srv->store;
    const ec_order *o = ec_checkout_order(c->co);
    ec_status st = ecomd_count_spent(s, c->tx, c->co, c->cart);
    char *doc = NULL, *existing = NULL;
    size_t len = 0;
    if (st == EC_OK && ec_order_to_json(o, &doc, &len) != EC_OK) st = EC_NO_MEMORY;
    int64_t due = c->now + (int64_t)c->r->srv->cfg.payment_ttl * 1000000;
    if (st == EC_OK) st = s->ops->order_put(c->tx, o, doc, c->cart_id, due, c->now, &existing);
    if (st == EC_INVALID_TRANSITION) {
        ecomd_refuse_with(out, EC_INVALID_TRANSITION, "cart_id",
                          "the cart was already checked out as order %.100s", existing);
        st = EC_OK;
    } else if (st == EC_OK) {
        ecomd_doc d = {0};
        ecomd_doc_lit(&d, "{\"id\":");
        ecomd_doc_str(&d, ec_order_id(o));
        ecomd_doc_lit(&d, ",\"cart_id\":");
        ecomd_doc_str(&d, c->cart_id);
        ecomd_doc_lit(&d, ",\"order\":");
        ecomd_doc_add(&d, doc, len);
        ecomd_doc_lit(&d, "}");
        char *data = ecomd_doc_take(&d, NULL);
        st = data ? s->ops->event_add(c->tx, "order.created", data, c->now) : EC_NO_MEMORY;
        free(data);
    }
    if (st == EC_OK && !out->body) {
        ecomd_answer(out, 201, doc, len);
        doc = NULL;
        ecomd_outcome_header(out, "ETag", "\"%lld\"", (long long)ec_order_version(o));
        ecomd_metrics_order(c->r->srv->metrics, "created");
    }
    ec_free(doc);
    free(existing);
    return st;
}

static ec_status checkout(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    checkout_run c = {.r = r, .tx = tx, .cart_id = ctx, .now = ecomd_now_us()};
    ec_error_clear(&c.err);
    c.rs = ecomd_rules_acquire(r->srv->rules);
    c.cart = ec_cart_new();
    c.co = ec_checkout_new();
    ec_status st = !c.rs ? EC_UNAVAILABLE : c.cart && c.co ? EC_OK : EC_NO_MEMORY;
    char order_id[48];
    ecomd_new_id(order_id, sizeof order_id, "ord_");
    if (st == EC_OK) st = load_cart(&c, out);
    if (st == EC_OK && !out->body) st = price_for_checkout(&c, order_id, out);
    if (st == EC_OK && !out->body) st = take_stock(&c, out);
    if (st == EC_OK && !out->body) st = store_order(&c, out);
    ec_checkout_free(c.co);
    ec_cart_free(c.cart);
    if (c.rs) ecomd_rules_release(c.rs);
    return st;
}

void ecomd_h_orders_post(ecomd_request *r)
{
    static const char *const keys[] = {"cart_id", NULL};
    cJSON *body = ecomd_body_object(r);
    if (!body) return;
    const char *cart_id = ecomd_body_string(body, "cart_id");
    if (ecomd_body_only(r, body, keys) && !cart_id)
        ecomd_reply_error(r, 400, EC_INVALID_FIELD, "cart_id",
                          "the body is {\"cart_id\": \"...\"}");
    else if (cart_id)
        ecomd_write(r, 1, checkout, (void *)cart_id);
    cJSON_Delete(body);
}

void ecomd_h_order_get(ecomd_request *r)
{
    ecomd_store *s = r->srv->store;
    ec_order *o = ec_order_new();
    ec_status st = o ? s->ops->order_get(s, NULL, r->params[0], o) : EC_NO_MEMORY;
    char *doc = NULL;
    size_t len = 0;
    if (st == EC_OK && ec_order_to_json(o, &doc, &len) != EC_OK) st = EC_NO_MEMORY;
    if (st == EC_NOT_FOUND)
        ecomd_reply_error(r, 404, EC_NOT_FOUND, "id", "no such order");
    else if (st != EC_OK)
        ecomd_reply_store_error(r, st);
    else {
        char etag[32];
        snprintf(etag, sizeof etag, "\"%lld\"", (long long)ec_order_version(o));
        ecomd_add_header(r, "ETag", etag);
        ecomd_reply(r, 200, doc, len);
        doc = NULL;
    }
    ec_free(doc);
    ec_order_free(o);
}
