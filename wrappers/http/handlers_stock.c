/* handlers_stock.c - stock levels and reservations.
 *
 * Each write loads, inside its transaction, the part of the inventory the
 * operation can see (the SKUs' stock rows, the reservation it names, what
 * the others hold), runs the operation in the library's typed inventory,
 * and writes back what the inventory lists as changed.  The library
 * decides everything: no oversell, all-or-nothing reserves, lazy expiry
 * (an active reservation past expires_at holds nothing, whether or not the
 * sweeper ran).  A request body is read once, by the library, with the
 * server's own members (the operation, the time, the path's names) in
 * front of the client's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "regions.h"

/* "\"op\":\"set\",\"sku\":\"A\",..." for ecomd_body_with(). */
static void member(ecomd_doc *d, const char *key, const char *value)
{
    ecomd_doc_printf(d, "%s\"%s\":", d->len ? "," : "", key);
    ecomd_doc_str(d, value);
}

static void member_now(ecomd_doc *d)
{
    char at[48];
    ecomd_format_time(ecomd_now_us(), at, sizeof at);
    member(d, "at", at);
}

/* The library's result document as the response: {"ok": true, ...} loses
 * its "ok" member; a failure answers with the error document. */
static void answer_result(ecomd_outcome *out, unsigned ok_status, ec_status st, const ec_error *err,
                          const char *result, size_t len)
{
    static const char ok[] = "{\"ok\":true,";
    if (st != EC_OK) {
        ecomd_refuse(out, err);
        return;
    }
    size_t skip = strncmp(result, ok, sizeof ok - 1) == 0 ? sizeof ok - 2 : 0;
    char *body = malloc(len - skip + 1);
    if (body) {
        body[0] = '{';
        memcpy(body + 1, result + skip + 1, len - skip - 1);
        body[len - skip] = '\0';
    }
    ecomd_answer(out, ok_status, body, len - skip);
}

/* ---- stock ------------------------------------------------------------------------------ */

typedef struct stock_put {
    const char *sku;
    char *op; /* the set operation document */
    size_t len;
} stock_put;

static ec_status stock_set(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    stock_put *p = ctx;
    ecomd_store *s = r->srv->store;
    ecomd_skus skus = {0};
    ecomd_stock stock = {0};
    ec_error err;
    ec_error_clear(&err);
    ec_status st = ecomd_skus_add(&skus, p->sku);
    if (st == EC_OK) st = s->ops->stock_load(tx, &skus, NULL, ecomd_now_us(), &stock);
    const char *res = NULL;
    size_t len = 0;
    ec_status op = st == EC_OK
                       ? ec_inventory_apply_json_view(stock.inv, p->op, p->len, &res, &len, &err)
                       : EC_OK;
    if (st == EC_OK && op == EC_NO_MEMORY) st = op;
    if (st == EC_OK) answer_result(out, 200, op, &err, res, len);
    if (st == EC_OK && op == EC_OK) st = out->body ? s->ops->stock_save(tx, &stock) : EC_NO_MEMORY;
    if (st == EC_OK && op == EC_OK)
        st = s->ops->event_add(tx, "stock.changed", out->body, ecomd_now_us());
    ecomd_stock_done(&stock);
    ecomd_skus_free(&skus);
    return st;
}

void ecomd_h_stock_put(ecomd_request *r)
{
    ecomd_doc d = {0};
    member(&d, "op", "set");
    member(&d, "sku", r->params[0]);
    member(&d, "location", r->params[1]);
    char *members = ecomd_doc_take(&d, NULL);
    stock_put p = {r->params[0], NULL, 0};
    if (!members)
        ecomd_reply_error(r, 500, EC_NO_MEMORY, NULL, NULL);
    else if ((p.op = ecomd_body_with(r, members, &p.len)))
        ecomd_write(r, 0, stock_set, &p);
    free(p.op);
    free(members);
}

/* {"sku", "available", "locations": [{"location", "on_hand",
 * "safety_stock", "backorder_limit", "available"}]}, and across regions
 * "regions" (regions.h); *st fails when that part could not be read. */
static char *stock_view(ecomd_regions *rg, const ec_inventory *inv,
                        const ec_inventory_result *avail, size_t *len, ec_status *st)
{
    ecomd_doc d = {0};
    const char *sku = ec_inventory_result_sku(avail);
    ecomd_doc_lit(&d, "{\"sku\":");
    ecomd_doc_str(&d, sku);
    ecomd_doc_printf(&d, ",\"available\":%lld,\"locations\":[",
                     (long long)ec_inventory_result_available(avail));
    for (size_t i = 0; i < ec_inventory_result_location_count(avail); i++) {
        const char *loc = ec_inventory_result_location_name(avail, i);
        int64_t on_hand = 0, safety = 0, backorder = 0;
        ec_inventory_stock(inv, sku, loc, &on_hand, &safety, &backorder, NULL);
        ecomd_doc_lit(&d, i ? ",{\"location\":" : "{\"location\":");
        ecomd_doc_str(&d, loc);
        ecomd_doc_printf(&d,
                         ",\"on_hand\":%lld,\"safety_stock\":%lld,\"backorder_limit\":%lld,"
                         "\"available\":%lld}",
                         (long long)on_hand, (long long)safety, (long long)backorder,
                         (long long)ec_inventory_result_location_available(avail, i));
    }
    ecomd_doc_lit(&d, "]");
    if (rg) *st = ecomd_regions_stock_view(rg, sku, ec_inventory_result_available(avail), &d);
    ecomd_doc_lit(&d, "}");
    return ecomd_doc_take(&d, len);
}

void ecomd_h_stock_get(ecomd_request *r)
{
    ecomd_store *s = r->srv->store;
    ecomd_skus skus = {0};
    ecomd_stock stock = {0};
    ec_inventory_result *avail = ec_inventory_result_new();
    ec_error err;
    ec_error_clear(&err);
    int64_t now = ecomd_now_us();
    ec_status st = avail ? ecomd_skus_add(&skus, r->params[0]) : EC_NO_MEMORY;
    if (st == EC_OK) st = s->ops->stock_read(s, &skus, NULL, now, &stock);
    if (st == EC_OK && ec_inventory_available(stock.inv, r->params[0], now, avail, &err) != EC_OK)
        ecomd_reply_ec_error(r, &err);
    else if (st != EC_OK)
        ecomd_reply_store_error(r, st);
    else {
        size_t len = 0;
        char *body = stock_view(r->srv->regions, stock.inv, avail, &len, &st);
        if (st == EC_OK)
            ecomd_reply(r, 200, body, len);
        else
            ecomd_reply_store_error(r, st);
        if (st != EC_OK) free(body);
    }
    ec_inventory_result_free(avail);
    ecomd_stock_done(&stock);
    ecomd_skus_free(&skus);
}

/* ---- reservations ---------------------------------------------------------------------- */

static const char *reservation_result(ec_status st, int duplicate)
{
    if (st == EC_OK) return duplicate ? "duplicate" : "reserved";
    return st == EC_INSUFFICIENT_STOCK ? "insufficient_stock" : "error";
}

/* The reservation in `res` as the response. */
static void answer_reservation(ecomd_outcome *out, unsigned status, const ec_inventory_result *res)
{
    char *doc = NULL;
    size_t len = 0;
    if (ec_inventory_reservation_to_json(res, &doc, &len) == EC_OK)
        ecomd_answer(out, status, doc, len);
}

/* One reservation operation (reserve, release) on a loaded inventory. */
typedef ec_status (*res_op)(ec_inventory *inv, void *ctx, ec_inventory_result *res, ec_error *err);

typedef struct res_call {
    ecomd_skus skus;
    const char *id;
    res_op op;
    void *op_ctx;
    unsigned ok_status, duplicate_status;
    const char *metric_ok;           /* NULL: reserve's own results */
    const ec_inventory_request *req; /* a reserve's: its demand counts across regions */
} res_call;

static ec_status run_reservation(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    res_call *c = ctx;
    ecomd_store *s = r->srv->store;
    ecomd_stock stock = {0};
    ec_inventory_result *res = ec_inventory_result_new();
    ec_error err;
    ec_error_clear(&err);
    ec_status st =
        res ? s->ops->stock_load(tx, &c->skus, c->id, ecomd_now_us(), &stock) : EC_NO_MEMORY;
    ec_status op = st == EC_OK ? c->op(stock.inv, c->op_ctx, res, &err) : EC_OK;
    int dup = op == EC_OK && ec_inventory_result_duplicate(res);
    if (st == EC_OK && op == EC_NO_MEMORY) st = op;
    if (st == EC_OK && !dup) ecomd_regions_note(r->srv->regions, c->req, op, res);
    if (st == EC_OK) {
        ecomd_metrics_reservation(r->srv->metrics, c->metric_ok && op == EC_OK
                                                       ? c->metric_ok
                                                       : reservation_result(op, dup));
        if (op != EC_OK)
            ecomd_refuse_shortage(out, &err, res);
        else
            answer_reservation(out, dup ? c->duplicate_status : c->ok_status, res);
    }
    if (st == EC_OK && op == EC_OK) st = out->body ? s->ops->stock_save(tx, &stock) : EC_NO_MEMORY;
    if (st == EC_OK && op == EC_OK && c->ok_status == 201)
        ecomd_outcome_header(out, "Location", "/v1/reservations/%.100s", c->id);
    ec_inventory_result_free(res);
    ecomd_stock_done(&stock);
    return st;
}

static ec_status do_reserve(ec_inventory *inv, void *ctx, ec_inventory_result *res, ec_error *err)
{
    return ec_inventory_reserve(inv, ctx, res, err);
}

void ecomd_h_reservations_post(ecomd_request *r)
{
    ecomd_doc d = {0};
    member(&d, "op", "reserve");
    member_now(&d);
    char *members = ecomd_doc_take(&d, NULL), *doc = NULL;
    size_t len = 0;
    ec_inventory_request *req = ec_inventory_request_new();
    ec_error err;
    ec_error_clear(&err);
    res_call c = {
        .op = do_reserve, .op_ctx = req, .ok_status = 201, .duplicate_status = 200, .req = req};
    char id[48];
    if (!members || !req)
        ecomd_reply_error(r, 500, EC_NO_MEMORY, NULL, NULL);
    else if (!(doc = ecomd_body_with(r, members, &len)))
        ; /* answered */
    else if (ec_inventory_request_from_json(req, doc, len, &err) != EC_OK)
        ecomd_reply_ec_error(r, &err);
    else {
        if (!ec_inventory_request_id(req)) {
            ecomd_new_id(id, sizeof id, "res_");
            ec_inventory_request_set_id(req, id, NULL);
        }
        c.id = ec_inventory_request_id(req);
        ec_status st = EC_OK;
        for (size_t i = 0; st == EC_OK && i < ec_inventory_request_line_count(req); i++)
            st = ecomd_skus_add(&c.skus, ec_inventory_request_line_sku(req, i));
        if (st == EC_OK)
            ecomd_write(r, 1, run_reservation, &c);
        else
            ecomd_reply_error(r, 500, st, NULL, NULL);
    }
    ecomd_skus_free(&c.skus);
    ec_inventory_request_free(req);
    free(doc);
    free(members);
}

static ec_status do_release(ec_inventory *inv, void *ctx, ec_inventory_result *res, ec_error *err)
{
    return ec_inventory_release(inv, ctx, res, err);
}

void ecomd_h_reservation_release(ecomd_request *r)
{
    res_call c = {.id = r->params[0],
                  .op = do_release,
                  .op_ctx = r->params[0],
                  .ok_status = 200,
                  .duplicate_status = 200,
                  .metric_ok = "released"};
    ecomd_write(r, 0, run_reservation, &c);
    ecomd_skus_free(&c.skus);
}

ec_status ecomd_reservation_document(ecomd_server *srv, const char *id, int64_t now, char **doc,
                                     size_t *len)
{
    ecomd_store *s = srv->store;
    ecomd_skus none = {0};
    ecomd_stock stock = {0};
    ec_inventory_result *res = ec_inventory_result_new();
    *doc = NULL;
    ec_status st = res ? s->ops->stock_read(s, &none, id, now, &stock) : EC_NO_MEMORY;
    /* what the reservation means now: past its expiry an active one holds
     * nothing, whether or not the sweeper has marked it yet (this copy of
     * the inventory is never saved) */
    if (st == EC_OK) st = ec_inventory_expire(stock.inv, now, NULL, NULL);
    if (st == EC_OK && ec_inventory_get(stock.inv, id, res, NULL) != EC_OK) st = EC_NOT_FOUND;
    if (st == EC_OK && ec_inventory_reservation_to_json(res, doc, len) != EC_OK) st = EC_NO_MEMORY;
    ec_inventory_result_free(res);
    ecomd_stock_done(&stock);
    return st;
}

void ecomd_h_reservation_get(ecomd_request *r)
{
    char *doc = NULL;
    size_t len = 0;
    ec_status st = ecomd_reservation_document(r->srv, r->params[0], ecomd_now_us(), &doc, &len);
    if (st == EC_NOT_FOUND)
        ecomd_reply_error(r, 404, EC_NOT_FOUND, "id", "no such reservation");
    else if (st != EC_OK)
        ecomd_reply_store_error(r, st);
    else
        ecomd_reply(r, 200, doc, len);
}
