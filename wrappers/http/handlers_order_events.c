/* handlers_order_events.c - order events and their stock effects, and the
 * sweeper that expires reservations and unpaid orders.
 *
 * Effects map to inventory operations on the order's committed
 * reservation (docs/orders.md "Effects and stock"):
 * - ship_stock ships exactly the units the event fulfilled: the
 *   reservation is released and, in the same step, one reservation for the
 *   shipped units is reserved, committed and shipped and another is
 *   reserved and committed for the units still to ship (at the same
 *   locations, so that nothing else can take them in between);
 * - release_stock and release_unshipped_stock release that reservation;
 * - restock receives the returned units back at the locations they were
 *   shipped from. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

static cJSON *item(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static const char *text(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(item(obj, key));
}

/* A number member; 0 when absent (cJSON would say NaN). */
static double number(const cJSON *obj, const char *key)
{
    const cJSON *n = item(obj, key);
    return cJSON_IsNumber(n) ? n->valuedouble : 0;
}

static void refuse_object(ecomd_outcome *out, ec_status st, const cJSON *error)
{
    char *s = error ? cJSON_PrintUnformatted(error) : NULL;
    if (s) ecomd_outcome_error(out, ecomd_http_status(st), s);
    free(s);
}

/* Units per SKU: after.key - before.key over the order lines. */
static cJSON *line_delta(const cJSON *before, const cJSON *after, const char *key)
{
    cJSON *units = cJSON_CreateObject();
    const cJSON *line;
    cJSON_ArrayForEach(line, item(after, "lines"))
    {
        double was = 0;
        const cJSON *old;
        cJSON_ArrayForEach(
            old, item(before, "lines")) if (strcmp(text(old, "sku"), text(line, "sku")) == 0) was =
            number(old, key);
        if (number(line, key) > was)
            cJSON_AddNumberToObject(units, text(line, "sku"), number(line, key) - was);
    }
    return units;
}

static cJSON *lines_of(const cJSON *units)
{
    cJSON *lines = cJSON_CreateArray();
    for (const cJSON *u = units ? units->child : NULL; u; u = u->next) {
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "sku", u->string);
        cJSON_AddNumberToObject(l, "quantity", u->valuedouble);
        cJSON_AddItemToArray(lines, l);
    }
    return lines;
}

static cJSON *op(const char *name, const char *id)
{
    char at[48];
    ecomd_format_time(ecomd_now_us(), at, sizeof at);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "op", name);
    if (id) cJSON_AddStringToObject(o, "id", id);
    if (strcmp(name, "reserve") == 0 || strcmp(name, "commit") == 0)
        cJSON_AddStringToObject(o, "at", at);
    return o;
}

typedef struct effect_ctx {
    ecomd_server *srv;
    ecomd_tx *tx;
    cJSON *env;          /* the order envelope, updated */
    const cJSON *before; /* the order before the event */
    const cJSON *after;  /* and after */
    char *skus;          /* every SKU of the order, a JSON array */
    ecomd_outcome *out;
} effect_ctx;

/* Run ops; on refusal fill out.  *results (may be NULL) takes the results. */
static ec_status run_ops(effect_ctx *e, const char *res_id, cJSON *ops, cJSON **results)
{
    ecomd_inv_run run = {.skus = e->skus, .res_id = res_id, .ops = ops};
    ec_status st = ecomd_inventory_run(e->tx, e->srv->store, &run);
    if (st == EC_OK && run.op_status != EC_OK)
        refuse_object(e->out, run.op_status,
                      item(cJSON_GetArrayItem(run.results, run.failed), "error"));
    if (results && st == EC_OK && run.op_status == EC_OK) {
        *results = run.results;
        run.results = NULL;
    }
    ecomd_inventory_run_done(&run);
    return st;
}

/* Release the order's reservation; *locations (may be NULL) receives the
 * locations it held, in its line order. */
static ec_status release_reservation(effect_ctx *e, cJSON **locations)
{
    const char *res = text(e->env, "reservation_id");
    if (!res) return EC_OK;
    cJSON *ops = cJSON_CreateArray(), *results = NULL;
    cJSON_AddItemToArray(ops, op("release", res));
    ec_status st = run_ops(e, res, ops, &results);
    if (locations && results) {
        *locations = cJSON_CreateArray();
        const cJSON *l;
        cJSON_ArrayForEach(l, item(cJSON_GetArrayItem(results, 0), "lines"))
        {
            int seen = 0;
            const cJSON *have;
            cJSON_ArrayForEach(have, *locations) seen |=
                strcmp(have->valuestring, text(l, "location")) == 0;
            if (!seen) cJSON_AddItemToArray(*locations, cJSON_CreateString(text(l, "location")));
        }
    }
    cJSON_Delete(results);
    if (st == EC_OK && !e->out->body)
        cJSON_ReplaceItemInObjectCaseSensitive(e->env, "reservation_id", cJSON_CreateNull());
    return st;
}

static void add_reserve_commit(effect_ctx *e, cJSON *ops, const char *id, const cJSON *units,
                               const cJSON *locations)
{
    cJSON *res = op("reserve", id);
    cJSON_AddItemToObject(res, "lines", lines_of(units));
    cJSON_AddNumberToObject(res, "ttl_seconds", e->srv->cfg.payment_ttl);
    if (locations && cJSON_GetArraySize(locations) > 0)
        cJSON_AddItemToObject(res, "locations", cJSON_Duplicate(locations, 1));
    cJSON_AddItemToArray(ops, res);
    cJSON *commit = op("commit", id);
    cJSON_AddStringToObject(commit, "order", text(e->after, "id"));
    cJSON_AddItemToArray(ops, commit);
}

/* Record where shipped units left from, for restocking returns. */
static void note_shipped(effect_ctx *e, const cJSON *placed)
{
    cJSON *shipped = item(e->env, "shipped");
    const cJSON *l;
    cJSON_ArrayForEach(l, item(placed, "lines"))
    {
        cJSON *per = item(shipped, text(l, "sku"));
        if (!per) cJSON_AddItemToObject(shipped, text(l, "sku"), per = cJSON_CreateObject());
        cJSON *have = item(per, text(l, "location"));
        if (have)
            cJSON_SetNumberValue(have, have->valuedouble + number(l, "quantity"));
        else
            cJSON_AddNumberToObject(per, text(l, "location"), number(l, "quantity"));
    }
}

static ec_status ship(effect_ctx *e)
{
    cJSON *now = line_delta(e->before, e->after, "fulfilled"), *rest = cJSON_CreateObject();
    const cJSON *line;
    cJSON_ArrayForEach(line, item(e->after, "lines")) if (number(line, "quantity") >
                                                          number(line, "fulfilled"))
        cJSON_AddNumberToObject(rest, text(line, "sku"),
                                number(line, "quantity") - number(line, "fulfilled"));
    cJSON *locations = NULL, *results = NULL;
    ec_status st = now->child ? release_reservation(e, &locations) : EC_OK;
    if (st == EC_OK && now->child && !e->out->body) {
        char sid[96], rid[96];
        long long v = (long long)number(e->after, "version");
        snprintf(sid, sizeof sid, "%s-ship-%lld", text(e->after, "id"), v);
        snprintf(rid, sizeof rid, "%s-rest-%lld", text(e->after, "id"), v);
        cJSON *ops = cJSON_CreateArray();
        add_reserve_commit(e, ops, sid, now, locations);
        cJSON_AddItemToArray(ops, op("ship", sid));
        if (rest->child) add_reserve_commit(e, ops, rid, rest, locations);
        st = run_ops(e, NULL, ops, &results);
        if (results) {
            note_shipped(e, cJSON_GetArrayItem(results, 0));
            cJSON_ReplaceItemInObjectCaseSensitive(e->env, "reservation_id",
                                                   rest->child ? cJSON_CreateString(rid)
                                                               : cJSON_CreateNull());
        }
    }
    cJSON_Delete(results);
    cJSON_Delete(locations);
    cJSON_Delete(now);
    cJSON_Delete(rest);
    return st;
}

static ec_status restock(effect_ctx *e)
{
    cJSON *ops = cJSON_CreateArray(), *restocked = item(e->env, "restocked");
    const cJSON *line;
    cJSON_ArrayForEach(line, item(e->after, "lines"))
    {
        const char *sku = text(line, "sku");
        double due = number(line, "returned") - number(restocked, sku);
        for (cJSON *loc = item(item(e->env, "shipped"), sku)
                              ? item(item(e->env, "shipped"), sku)->child
                              : NULL;
             loc && due > 0; loc = loc->next) {
            double n = loc->valuedouble < due ? loc->valuedouble : due;
            if (n <= 0) continue;
            cJSON *o = op("receive", NULL);
            cJSON_AddStringToObject(o, "sku", sku);
            cJSON_AddStringToObject(o, "location", loc->string);
            cJSON_AddNumberToObject(o, "quantity", n);
            cJSON_AddItemToArray(ops, o);
            cJSON_SetNumberValue(loc, loc->valuedouble - n);
            due -= n;
            cJSON *have = item(restocked, sku);
            if (have)
                cJSON_SetNumberValue(have, have->valuedouble + n);
            else
                cJSON_AddNumberToObject(restocked, sku, n);
        }
    }
    if (!ops->child) {
        cJSON_Delete(ops);
        return EC_OK;
    }
    return run_ops(e, NULL, ops, NULL);
}

static ec_status apply_effects(effect_ctx *e, const cJSON *effects)
{
    ec_status st = EC_OK;
    const cJSON *eff;
    cJSON_ArrayForEach(eff, effects)
    {
        if (st != EC_OK || e->out->body) break;
        const char *name = eff->valuestring;
        if (strcmp(name, "ship_stock") == 0)
            st = ship(e);
        else if (strcmp(name, "release_stock") == 0 || strcmp(name, "release_unshipped_stock") == 0)
            st = release_reservation(e, NULL);
        else if (strcmp(name, "restock") == 0)
            st = restock(e);
        /* void_payment and refund_payment go to the payment service through
         * the order.state_changed event. */
    }
    return st;
}

/* ---- applying an event --------------------------------------------------------------------- */

static char *order_skus(const cJSON *order)
{
    cJSON *arr = cJSON_CreateArray();
    const cJSON *line;
    cJSON_ArrayForEach(line, item(order, "lines"))
        cJSON_AddItemToArray(arr, cJSON_CreateString(text(line, "sku")));
    char *s = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return s;
}

static ec_status record(ecomd_server *srv, ecomd_tx *tx, cJSON *env, const cJSON *result,
                        const cJSON *event, const cJSON *before)
{
    const cJSON *after = item(result, "order");
    cJSON_ReplaceItemInObjectCaseSensitive(env, "order", cJSON_Duplicate(after, 1));
    char *doc = cJSON_PrintUnformatted(env);
    ec_status st =
        doc ? srv->store->ops->order_put(tx, text(after, "id"), (int64_t)number(after, "version"),
                                         text(after, "state"), NULL, 0, doc, ecomd_now_us(), NULL)
            : EC_NO_MEMORY;
    free(doc);
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "id", text(after, "id"));
    cJSON_AddStringToObject(data, "event_id", text(event, "id"));
    cJSON_AddStringToObject(data, "event", text(event, "type"));
    cJSON_AddStringToObject(data, "from", text(before, "state"));
    cJSON_AddStringToObject(data, "to", text(after, "state"));
    cJSON_AddNumberToObject(data, "version", number(after, "version"));
    cJSON_AddItemToObject(data, "effects", cJSON_Duplicate(item(result, "effects"), 1));
    cJSON_AddItemToObject(data, "payment", cJSON_Duplicate(item(after, "payment"), 1));
    char *d = cJSON_PrintUnformatted(data);
    cJSON_Delete(data);
    if (st == EC_OK)
        st = d ? srv->store->ops->event_add(tx, "order.state_changed", d, ecomd_now_us())
               : EC_NO_MEMORY;
    free(d);
    return st;
}

/* The library's verdict on the event; NULL after refusing. */
static cJSON *decide(const cJSON *order, const cJSON *event, ecomd_outcome *out, ec_status *st)
{
    char *o = cJSON_PrintUnformatted(order), *ev = cJSON_PrintUnformatted(event), *res = NULL,
         *e = NULL;
    size_t len = 0, elen = 0;
    ec_error err;
    ec_error_clear(&err);
    ec_status as = o && ev
                       ? ec_json_order_apply(NULL, o, strlen(o), ev, strlen(ev), &res, &len, &err)
                       : EC_NO_MEMORY;
    cJSON *result = as == EC_OK ? cJSON_ParseWithLength(res, len) : NULL;
    if (as == EC_NO_MEMORY || (as == EC_OK && !result))
        *st = EC_NO_MEMORY;
    else if (as != EC_OK && ec_error_to_json(&err, &e, &elen) == EC_OK) {
        cJSON *doc = cJSON_ParseWithLength(e, elen);
        refuse_object(out, as, item(doc, "error"));
        cJSON_Delete(doc);
    }
    ec_free(e);
    ec_free(res);
    free(o);
    free(ev);
    return result;
}

ec_status ecomd_order_event(ecomd_server *srv, ecomd_tx *tx, const char *id, cJSON *event,
                            ecomd_outcome *out)
{
    int64_t version = 0;
    char *doc = NULL;
    ec_status st = srv->store->ops->order_get(srv->store, tx, id, &version, &doc);
    if (st == EC_NOT_FOUND) {
        ecomd_outcome_error(
            out, 404, "{\"code\":\"not_found\",\"message\":\"no such order\",\"field\":\"id\"}");
        return EC_OK;
    }
    cJSON *env = st == EC_OK ? cJSON_Parse(doc) : NULL;
    free(doc);
    if (st != EC_OK || !env) return st != EC_OK ? st : EC_INTERNAL;
    cJSON *before = cJSON_Duplicate(item(env, "order"), 1);
    cJSON *result = decide(before, event, out, &st);
    if (result && !cJSON_IsTrue(item(result, "duplicate"))) {
        effect_ctx e = {srv, tx, env, before, item(result, "order"), order_skus(before), out};
        st = e.skus ? apply_effects(&e, item(result, "effects")) : EC_NO_MEMORY;
        if (st == EC_OK && !out->body) st = record(srv, tx, env, result, event, before);
        if (st == EC_OK && !out->body) ecomd_metrics_order(srv->metrics, text(event, "type"));
        free(e.skus);
    }
    if (st == EC_OK && result && !out->body) {
        out->status = 200;
        out->body = cJSON_PrintUnformatted(result);
        out->len = out->body ? strlen(out->body) : 0;
        out->header_names[0] = "ETag";
        snprintf(out->header_values[0], sizeof out->header_values[0], "\"%lld\"",
                 (long long)number(item(result, "order"), "version"));
        out->nheaders = 1;
    }
    cJSON_Delete(result);
    cJSON_Delete(before);
    cJSON_Delete(env);
    return st;
}

typedef struct event_ctx {
    cJSON *event;
    int if_match; /* expected_version came from If-Match */
} event_ctx;

static ec_status event_write(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    event_ctx *c = ctx;
    ec_status st = ecomd_order_event(r->srv, tx, r->params[0], c->event, out);
    /* A stale If-Match is a failed precondition (412), as for carts. */
    if (st == EC_OK && c->if_match && out->status == 409 && out->body &&
        strstr(out->body, "\"code\":\"version_conflict\""))
        out->status = 412;
    return st;
}

void ecomd_h_order_events_post(ecomd_request *r)
{
    cJSON *event = r->body ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
    int64_t expected = ecomd_if_match(r);
    if (!cJSON_IsObject(event) || expected == -2) {
        ecomd_reply_error(
            r, 400, event ? EC_INVALID_FIELD : EC_INVALID_JSON, expected == -2 ? "If-Match" : NULL,
            expected == -2 ? "If-Match must be \"<version>\"" : "the body must be an event object");
        cJSON_Delete(event);
        return;
    }
    /* The server's clock when the caller gives no time; If-Match is the
     * expected_version when the event does not carry one. */
    if (!item(event, "at")) {
        char at[48];
        ecomd_format_time(ecomd_now_us(), at, sizeof at);
        cJSON_AddStringToObject(event, "at", at);
    }
    int from_header = expected >= 0 && !item(event, "expected_version");
    if (from_header) cJSON_AddNumberToObject(event, "expected_version", (double)expected);
    event_ctx ctx = {event, from_header};
    ecomd_write(r, 0, event_write, &ctx);
    cJSON_Delete(event);
}

/* ---- the sweeper ------------------------------------------------------------------------------
 */

/* Expire one unpaid order.  The event id is fixed, so when two instances
 * sweep the same order the second finds the event in its history. */
static void expire_order(ecomd_server *srv, const char *id)
{
    char at[48];
    ecomd_format_time(ecomd_now_us(), at, sizeof at);
    cJSON *event = cJSON_CreateObject();
    cJSON_AddStringToObject(event, "id", "payment-window-expired");
    cJSON_AddStringToObject(event, "type", "expire");
    cJSON_AddStringToObject(event, "at", at);
    ecomd_tx *tx = NULL;
    ecomd_outcome out = {0};
    ec_status st = srv->store->ops->tx_begin(srv->store, &tx);
    if (st == EC_OK) st = ecomd_order_event(srv, tx, id, event, &out);
    if (st == EC_OK && out.status == 200)
        st = srv->store->ops->tx_commit(tx);
    else if (tx)
        srv->store->ops->tx_rollback(tx);
    if (st != EC_OK) ecomd_metrics_store_error(srv->metrics);
    free(out.body);
    cJSON_Delete(event);
}

/* Retention: the cut-off before which rows go, 0 when kept for ever. */
static int64_t cutoff(int64_t now_us, unsigned ttl_seconds)
{
    return ttl_seconds ? now_us - (int64_t)ttl_seconds * 1000000 : 0;
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
    cJSON *arr = cJSON_Parse(ids);
    free(ids);
    const cJSON *id;
    cJSON_ArrayForEach(id, arr) expire_order(srv, id->valuestring);
    cJSON_Delete(arr);
}
