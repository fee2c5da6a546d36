/* handlers_order_events.c - order events, and the sweeper that expires
 * reservations and unpaid orders.
 *
 * An event is one call into the library's checkout module, inside one
 * transaction: the order moves and its stock effects happen on the
 * order's reservation (shipped units leave, canceled ones are released,
 * returned ones come back where they shipped from), all or nothing.  The
 * service then writes what the event left for others: the order row, the
 * order.state_changed event, payment.refund_requested and
 * payment.void_requested for the payment service, and the promotion uses
 * given back when a whole order was canceled before anything shipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

typedef struct event_run {
    ecomd_server *srv;
    ecomd_tx *tx;
    ec_order *order;
    ec_order_event *event;
    ec_order_effects *fx;
    ec_checkout *co;
    ecomd_stock stock;
    ec_error err;
    int64_t now;
    char from[129];
} event_run;

/* The event from the request: its own "at" and "expected_version" win
 * over the server's clock and If-Match. */
static ec_status read_event(event_run *e, const ecomd_event_in *in, ecomd_outcome *out)
{
    ec_status st =
        ec_order_event_from_json(e->event, in->body, in->len, ec_order_currency(e->order), &e->err);
    if (st == EC_NO_MEMORY) return st;
    if (st != EC_OK) {
        ecomd_refuse(out, &e->err);
        return EC_OK;
    }
    if (!ec_order_event_at(e->event) && in->at_us)
        st = ec_order_event_set_at(e->event, in->at_us, &e->err);
    if (st == EC_OK && !ec_order_event_has_expected_version(e->event) && in->expected_version >= 0)
        st = ec_order_event_set_expected_version(e->event, in->expected_version, &e->err);
    if (st != EC_OK) ecomd_refuse(out, &e->err);
    return st == EC_NO_MEMORY ? st : EC_OK;
}

/* The order's reservation and the stock of its SKUs, when the event moves
 * units; NULL inventory otherwise (a payment never locks stock rows). */
static ec_status load_stock(event_run *e)
{
    if (!ec_order_event_moves_units(e->event)) return EC_OK;
    ecomd_skus skus = {0};
    ec_status st = EC_OK;
    for (size_t i = 0; st == EC_OK && i < ec_order_line_count(e->order); i++)
        st = ecomd_skus_add(&skus, ec_order_line_sku(e->order, i));
    if (st == EC_OK)
        st = e->srv->store->ops->stock_load(e->tx, &skus, ec_order_id(e->order), e->now, &e->stock);
    ecomd_skus_free(&skus);
    return st;
}

/* An outbox event per payment effect, with its amount in the order's
 * currency. */
static ec_status payment_events(event_run *e)
{
    ec_status st = EC_OK;
    for (size_t k = 0; st == EC_OK && k < ec_order_effects_count(e->fx); k++) {
        int32_t type = ec_order_effects_get(e->fx, k);
        if (type != EC_ORDER_EFFECT_REFUND_PAYMENT && type != EC_ORDER_EFFECT_VOID_PAYMENT)
            continue;
        char amount[EC_MONEY_FORMAT_MAX];
        ec_money_format(ec_order_effects_amount(e->fx, k), ec_order_exponent(e->order), amount,
                        sizeof amount, NULL);
        ecomd_doc d = {0};
        ecomd_doc_lit(&d, "{\"order_id\":");
        ecomd_doc_str(&d, ec_order_id(e->order));
        ecomd_doc_lit(&d, ",\"event_id\":");
        ecomd_doc_str(&d, ec_order_event_id(e->event));
        ecomd_doc_printf(&d, ",\"amount\":\"%s\",\"currency\":\"%s\"}", amount,
                         ec_order_currency(e->order));
        char *data = ecomd_doc_take(&d, NULL);
        st = !data ? EC_NO_MEMORY
                   : e->srv->store->ops->event_add(e->tx,
                                                   type == EC_ORDER_EFFECT_REFUND_PAYMENT
                                                       ? "payment.refund_requested"
                                                       : "payment.void_requested",
                                                   data, e->now);
        free(data);
    }
    return st;
}

/* {"id", "event_id", "event", "from", "to", "version", "effects",
 * "payment_status", "fulfillment", "balance"} */
static char *state_changed(event_run *e, const char *effects)
{
    char balance[EC_MONEY_FORMAT_MAX];
    ec_money_format(ec_order_balance(e->order), ec_order_exponent(e->order), balance,
                    sizeof balance, NULL);
    ecomd_doc d = {0};
    ecomd_doc_lit(&d, "{\"id\":");
    ecomd_doc_str(&d, ec_order_id(e->order));
    ecomd_doc_lit(&d, ",\"event_id\":");
    ecomd_doc_str(&d, ec_order_event_id(e->event));
    ecomd_doc_lit(&d, ",\"event\":");
    ecomd_doc_str(&d, ec_order_event_type(e->event));
    ecomd_doc_lit(&d, ",\"from\":");
    ecomd_doc_str(&d, e->from);
    ecomd_doc_lit(&d, ",\"to\":");
    ecomd_doc_str(&d, ec_order_state(e->order));
    ecomd_doc_printf(&d, ",\"version\":%lld,\"effects\":%s", (long long)ec_order_version(e->order),
                     effects);
    ecomd_doc_printf(&d, ",\"payment_status\":\"%s\",\"fulfillment\":\"%s\",\"balance\":\"%s\"}",
                     ec_order_payment_status_name(ec_order_payment_status(e->order)),
                     ec_order_fulfillment_name(ec_order_fulfillment(e->order)), balance);
    return ecomd_doc_take(&d, NULL);
}

/* Everything the applied event leaves behind, and the response:
 * {"order", "effects", "duplicate": false}. */
static ec_status record(event_run *e, int32_t uses_back, ecomd_outcome *out)
{
    ecomd_store *s = e->srv->store;
    char *doc = NULL, *effects = NULL, *changed = NULL;
    size_t len = 0, flen = 0;
    ec_status st = e->stock.inv ? s->ops->stock_save(e->tx, &e->stock) : EC_OK;
    if (st == EC_OK && uses_back) st = s->ops->promotion_give_back(e->tx, ec_order_id(e->order));
    if (st == EC_OK && (ec_order_to_json(e->order, &doc, &len) != EC_OK ||
                        ec_order_effects_to_json(e->fx, e->order, &effects, &flen) != EC_OK ||
                        !(changed = state_changed(e, effects))))
        st = EC_NO_MEMORY;
    if (st == EC_OK) st = s->ops->order_put(e->tx, e->order, doc, NULL, 0, e->now, NULL);
    if (st == EC_OK) st = s->ops->event_add(e->tx, "order.state_changed", changed, e->now);
    if (st == EC_OK) st = payment_events(e);
    if (st == EC_OK) {
        ecomd_doc d = {0};
        ecomd_doc_lit(&d, "{\"order\":");
        ecomd_doc_add(&d, doc, len);
        ecomd_doc_lit(&d, ",\"effects\":");
        ecomd_doc_add(&d, effects, flen);
        ecomd_doc_lit(&d, ",\"duplicate\":false}");
        char *body = ecomd_doc_take(&d, &len);
        if (!body) st = EC_NO_MEMORY;
        ecomd_answer(out, 200, body, len);
    }
    ec_free(doc);
    ec_free(effects);
    free(changed);
    return st;
}

/* A duplicate: the order as it is, nothing written. */
static ec_status replay(event_run *e, ecomd_outcome *out)
{
    char *doc = NULL;
    size_t len = 0;
    if (ec_order_to_json(e->order, &doc, &len) != EC_OK) return EC_NO_MEMORY;
    ecomd_doc d = {0};
    ecomd_doc_lit(&d, "{\"order\":");
    ecomd_doc_add(&d, doc, len);
    ecomd_doc_lit(&d, ",\"effects\":[],\"duplicate\":true}");
    ec_free(doc);
    char *body = ecomd_doc_take(&d, &len);
    if (!body) return EC_NO_MEMORY;
    ecomd_answer(out, 200, body, len);
    return EC_OK;
}

static ec_status run_event(event_run *e, const char *id, const ecomd_event_in *in,
                           ecomd_outcome *out)
{
    ec_status st = e->srv->store->ops->order_get(e->srv->store, e->tx, id, e->order);
    if (st == EC_NOT_FOUND) {
        ecomd_refuse_with(out, EC_NOT_FOUND, "id", "no such order");
        return EC_OK;
    }
    if (st == EC_OK) st = read_event(e, in, out);
    if (st != EC_OK || out->body) return st;
    snprintf(e->from, sizeof e->from, "%s", ec_order_state(e->order));
    st = load_stock(e);
    int32_t dup = 0, uses_back = 0;
    ec_status op = st == EC_OK
                       ? ec_checkout_apply_event(e->co, NULL, e->order, e->event, e->stock.inv,
                                                 e->fx, &dup, &uses_back, &e->err)
                       : EC_OK;
    if (st != EC_OK) return st;
    if (op == EC_NO_MEMORY) return op;
    if (op != EC_OK) {
        ecomd_refuse(out, &e->err);
        return EC_OK;
    }
    if (dup) return replay(e, out);
    st = record(e, uses_back, out);
    if (st == EC_OK) {
        ecomd_outcome_header(out, "ETag", "\"%lld\"", (long long)ec_order_version(e->order));
        ecomd_metrics_order(e->srv->metrics, ec_order_event_type(e->event));
    }
    return st;
}

ec_status ecomd_order_event(ecomd_server *srv, ecomd_tx *tx, const char *id,
                            const ecomd_event_in *in, ecomd_outcome *out)
{
    event_run e = {.srv = srv, .tx = tx, .now = ecomd_now_us()};
    ec_error_clear(&e.err);
    e.order = ec_order_new();
    e.event = ec_order_event_new();
    e.fx = ec_order_effects_new();
    e.co = ec_checkout_new();
    ec_status st = e.order && e.event && e.fx && e.co ? run_event(&e, id, in, out) : EC_NO_MEMORY;
    ecomd_stock_done(&e.stock);
    ec_checkout_free(e.co);
    ec_order_effects_free(e.fx);
    ec_order_event_free(e.event);
    ec_order_free(e.order);
    return st;
}

typedef struct event_ctx {
    ecomd_event_in in;
    int if_match; /* expected_version may come from If-Match */
} event_ctx;

static ec_status event_write(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    event_ctx *c = ctx;
    c->in.at_us = ecomd_now_us();
    ec_status st = ecomd_order_event(r->srv, tx, r->params[0], &c->in, out);
    /* A stale If-Match is a failed precondition (412), as for carts. */
    if (st == EC_OK && c->if_match && out->code == EC_VERSION_CONFLICT) out->status = 412;
    return st;
}

void ecomd_h_order_events_post(ecomd_request *r)
{
    int64_t expected = ecomd_if_match(r);
    ec_error err;
    ec_error_clear(&err);
    if (expected == -2) {
        ecomd_reply_error(r, 400, EC_INVALID_FIELD, "If-Match", "If-Match must be \"<version>\"");
        return;
    }
    if (!r->body) {
        ecomd_reply_error(r, 400, EC_INVALID_JSON, NULL, "the body must be an event object");
        return;
    }
    event_ctx ctx = {{r->body, r->body_len, 0, expected}, expected >= 0};
    ecomd_write(r, 0, event_write, &ctx);
}

/* ---- the sweeper ------------------------------------------------------------------------------
 */

/* Expire one unpaid order.  The event id is fixed, so when two instances
 * sweep the same order the second finds the event in its history. */
typedef struct expiry {
    ecomd_server *srv;
    const char *id;
    ecomd_outcome out;
} expiry;

static ec_status expire_in_tx(ecomd_tx *tx, void *ctx)
{
    expiry *x = ctx;
    static const char event[] = "{\"id\":\"payment-window-expired\",\"type\":\"expire\"}";
    ecomd_event_in in = {event, sizeof event - 1, ecomd_now_us(), -1};
    ec_status st = ecomd_order_event(x->srv, tx, x->id, &in, &x->out);
    /* a refusal (paid meanwhile) writes nothing: roll back */
    return st == EC_OK && x->out.status != 200 ? EC_INVALID_TRANSITION : st;
}

static void expire_order(ecomd_server *srv, const char *id)
{
    expiry x = {srv, id, {0}};
    ec_status st = ecomd_in_tx(srv->store, expire_in_tx, &x);
    if (st != EC_OK && st != EC_INVALID_TRANSITION) ecomd_metrics_store_error(srv->metrics);
    free(x.out.body);
}

/* Retention: the cut-off before which rows go, 0 when kept for ever. */
static int64_t cutoff(int64_t now_us, unsigned ttl_seconds)
{
    return ttl_seconds ? now_us - (int64_t)ttl_seconds * 1000000 : 0;
}

/* The ids of a JSON array of strings ["a","b"], one by one: the store
 * writes them, ids have no quotes or escapes to undo beyond \". */
static void each_id(ecomd_server *srv, const char *ids)
{
    for (const char *p = strchr(ids, '"'); p; p = strchr(p, '"')) {
        const char *end = strchr(p + 1, '"');
        if (!end) break;
        char id[160];
        snprintf(id, sizeof id, "%.*s", (int)(end - p - 1), p + 1);
        expire_order(srv, id);
        p = end + 1;
    }
}

void ecomd_sweep(ecomd_server *srv)
{
    int64_t expired = 0, pruned = 0, now = ecomd_now_us();
    if (srv->store->ops->reservations_expire(srv->store, now, &expired) != EC_OK)
        ecomd_metrics_store_error(srv->metrics);
    if (srv->store->ops->prune(srv->store, cutoff(now, srv->cfg.idempotency_ttl),
                               cutoff(now, srv->cfg.events_ttl), &pruned) != EC_OK)
        ecomd_metrics_store_error(srv->metrics);
    for (int i = 0; i < expired; i++) ecomd_metrics_reservation(srv->metrics, "expired");
    char *ids = NULL;
    if (srv->store->ops->orders_due(srv->store, ecomd_now_us(), 100, &ids) != EC_OK) {
        ecomd_metrics_store_error(srv->metrics);
        return;
    }
    each_id(srv, ids);
    if (ecomd_log_enabled("debug")) {
        size_t quotes = 0; /* two per id of the JSON array */
        for (const char *p = ids; *p; p++) quotes += *p == '"';
        char extra[160];
        snprintf(extra, sizeof extra,
                 "\"reservations_expired\":%lld,\"rows_pruned\":%lld,\"orders_due\":%zu",
                 (long long)expired, (long long)pruned, quotes / 2);
        ecomd_log(srv, "debug", "swept", extra);
    }
    free(ids);
}
