/* handlers_stock.c - stock levels and reservations (formats.md 5).
 *
 * Each write loads, inside its transaction, the part of the inventory the
 * operation can see (the SKUs' stock rows and the reservations holding
 * them), applies the operation with the library's inventory, and writes
 * back the rows that changed.  The library decides everything: no
 * oversell, all-or-nothing reserves, lazy expiry (an active reservation
 * past expires_at holds nothing, whether or not the sweeper ran). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

/* The JSON array ["sku"] of one SKU (malloc'd). */
static char *one_sku(const char *sku)
{
    cJSON *arr = cJSON_CreateArray();
    cJSON_AddItemToArray(arr, cJSON_CreateString(sku));
    char *s = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return s;
}

/* The request body as a JSON object that may not carry `reserved` keys
 * (the path and the server set those).  NULL after answering 400. */
static cJSON *body_object(ecomd_request *r, const char *const *reserved)
{
    cJSON *doc = r->body ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        ecomd_reply_error(r, 400, EC_INVALID_JSON, NULL, "the body must be a JSON object");
        return NULL;
    }
    for (; *reserved; reserved++) {
        if (cJSON_GetObjectItemCaseSensitive(doc, *reserved)) {
            cJSON_Delete(doc);
            ecomd_reply_error(r, 400, EC_INVALID_FIELD, *reserved, "unknown key");
            return NULL;
        }
    }
    return doc;
}

/* ---- applying one operation ---------------------------------------------------------- */

typedef struct inv_call {
    const char *skus;   /* JSON array */
    const char *res_id; /* or NULL */
    cJSON *op;          /* the operation document */
    ec_status op_status;
    cJSON *result; /* the library's result document */
} inv_call;

static ec_status apply_op(ecomd_tx *tx, ecomd_store *s, inv_call *call)
{
    ecomd_inv_run run = {.skus = call->skus, .res_id = call->res_id, .ops = cJSON_CreateArray()};
    if (!run.ops) return EC_NO_MEMORY;
    cJSON_AddItemReferenceToArray(run.ops, call->op);
    ec_status st = ecomd_inventory_run(tx, s, &run);
    call->op_status = run.op_status;
    if (st == EC_OK) {
        call->result = cJSON_DetachItemFromArray(run.results, 0);
        if (!call->result) st = EC_NO_MEMORY;
    }
    ecomd_inventory_run_done(&run);
    return st;
}

/* The result document as the response: {"ok": true, ...} loses "ok";
 * {"ok": false, "error": {...}} becomes the error document. */
static void outcome_from_result(inv_call *call, unsigned ok_status, ecomd_outcome *out)
{
    cJSON *res = call->result;
    cJSON_DeleteItemFromObjectCaseSensitive(res, "ok");
    if (call->op_status != EC_OK) {
        cJSON *err = cJSON_GetObjectItemCaseSensitive(res, "error");
        char *e = err ? cJSON_PrintUnformatted(err) : NULL;
        if (e) ecomd_outcome_error(out, ecomd_http_status(call->op_status), e);
        free(e);
        return;
    }
    out->status = ok_status;
    out->body = cJSON_PrintUnformatted(res);
    if (out->body) out->len = strlen(out->body);
}

static void inv_call_done(inv_call *call)
{
    cJSON_Delete(call->op);
    cJSON_Delete(call->result);
}

/* ---- stock ------------------------------------------------------------------------------ */

static ec_status stock_set(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    inv_call *call = ctx;
    ecomd_store *s = r->srv->store;
    ec_status st = apply_op(tx, s, call);
    if (st != EC_OK) return st;
    outcome_from_result(call, 200, out);
    if (call->op_status == EC_OK && out->body)
        st = s->ops->event_add(tx, "stock.changed", out->body, ecomd_now_us());
    return out->body || st != EC_OK ? st : EC_NO_MEMORY;
}

void ecomd_h_stock_put(ecomd_request *r)
{
    static const char *const reserved[] = {"op", "sku", "location", NULL};
    cJSON *op = body_object(r, reserved);
    if (!op) return;
    cJSON_AddStringToObject(op, "op", "set");
    cJSON_AddStringToObject(op, "sku", r->params[0]);
    cJSON_AddStringToObject(op, "location", r->params[1]);
    char *skus = one_sku(r->params[0]);
    inv_call call = {.skus = skus, .op = op};
    ecomd_write(r, 0, stock_set, &call);
    inv_call_done(&call);
    free(skus);
}

/* {"sku", "available", "locations": [{"location", "on_hand", "safety_stock",
 * "backorder_limit", "available"}]} from the state and the library's
 * availability result. */
static cJSON *stock_view(const char *sku, const cJSON *state, const cJSON *avail)
{
    cJSON *view = cJSON_CreateObject(), *locs = cJSON_CreateArray();
    cJSON_AddStringToObject(view, "sku", sku);
    cJSON_AddNumberToObject(
        view, "available",
        cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(avail, "available")));
    cJSON_AddItemToObject(view, "locations", locs);
    const cJSON *per = cJSON_GetObjectItemCaseSensitive(avail, "locations"), *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(state, "stock"))
    {
        const char *esku = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "sku"));
        const char *loc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "location"));
        if (!esku || !loc || strcmp(esku, sku) != 0) continue;
        cJSON *l = cJSON_Duplicate(e, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(l, "sku");
        cJSON_AddNumberToObject(l, "available",
                                cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(per, loc)));
        cJSON_AddItemToArray(locs, l);
    }
    return view;
}

/* Read the state for skus / res_id into a parsed document and an
 * inventory; answers the request on failure (returns 0). */
static int read_state(ecomd_request *r, const char *skus, const char *res_id, cJSON **doc,
                      ec_inventory **inv)
{
    char *state = NULL;
    ec_status st =
        r->srv->store->ops->stock_read(r->srv->store, skus, res_id, ecomd_now_us(), &state);
    if (st == EC_OK && ec_inventory_from_json(state, strlen(state), NULL, inv, NULL) != EC_OK)
        st = EC_INTERNAL;
    if (st == EC_OK && !(*doc = cJSON_Parse(state))) st = EC_NO_MEMORY;
    free(state);
    if (st != EC_OK) {
        ec_inventory_free(*inv);
        *inv = NULL;
        ecomd_reply_store_error(r, st);
        return 0;
    }
    return 1;
}

void ecomd_h_stock_get(ecomd_request *r)
{
    char *skus = one_sku(r->params[0]);
    cJSON *state = NULL;
    ec_inventory *inv = NULL;
    if (!skus || !read_state(r, skus, NULL, &state, &inv)) {
        if (!skus) ecomd_reply_error(r, 500, EC_NO_MEMORY, NULL, NULL);
        free(skus);
        return;
    }
    char at[48], *res = NULL;
    size_t res_len = 0;
    ecomd_format_time(ecomd_now_us(), at, sizeof at);
    cJSON *op = cJSON_CreateObject();
    cJSON_AddStringToObject(op, "op", "available");
    cJSON_AddStringToObject(op, "sku", r->params[0]);
    cJSON_AddStringToObject(op, "at", at);
    char *op_text = cJSON_PrintUnformatted(op);
    ec_error err;
    ec_error_clear(&err);
    ec_status st =
        op_text ? ec_inventory_apply_json(inv, op_text, strlen(op_text), &res, &res_len, &err)
                : EC_NO_MEMORY;
    cJSON *avail = st == EC_OK ? cJSON_ParseWithLength(res, res_len) : NULL;
    if (st != EC_OK) {
        err.code = st;
        ecomd_reply_ec_error(r, &err);
    } else {
        cJSON *view = stock_view(r->params[0], state, avail);
        char *body = cJSON_PrintUnformatted(view);
        cJSON_Delete(view);
        ecomd_reply(r, 200, body, body ? strlen(body) : 0);
    }
    cJSON_Delete(avail);
    cJSON_Delete(op);
    cJSON_Delete(state);
    free(op_text);
    ec_free(res);
    ec_inventory_free(inv);
    free(skus);
}

/* ---- reservations ---------------------------------------------------------------------- */

static const char *reservation_result(ec_status st, int duplicate)
{
    if (st == EC_OK) return duplicate ? "duplicate" : "reserved";
    return st == EC_INSUFFICIENT_STOCK ? "insufficient_stock" : "error";
}

static ec_status reserve(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    inv_call *call = ctx;
    ec_status st = apply_op(tx, r->srv->store, call);
    if (st != EC_OK) return st;
    int dup = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(call->result, "duplicate"));
    ecomd_metrics_reservation(r->srv->metrics, reservation_result(call->op_status, dup));
    outcome_from_result(call, dup ? 200 : 201, out);
    if (call->op_status == EC_OK) {
        out->header_names[0] = "Location";
        snprintf(out->header_values[0], sizeof out->header_values[0], "/v1/reservations/%s",
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(call->op, "id")));
        out->nheaders = 1;
    }
    return out->body ? EC_OK : EC_NO_MEMORY;
}

/* The SKUs named by the lines of a reserve request, as a JSON array. */
static char *line_skus(const cJSON *op)
{
    cJSON *arr = cJSON_CreateArray();
    const cJSON *line;
    cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(op, "lines"))
    {
        const char *sku = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(line, "sku"));
        if (sku) cJSON_AddItemToArray(arr, cJSON_CreateString(sku));
    }
    char *s = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return s;
}

void ecomd_h_reservations_post(ecomd_request *r)
{
    static const char *const reserved[] = {"op", "at", NULL};
    cJSON *op = body_object(r, reserved);
    if (!op) return;
    char at[48], id[40];
    ecomd_format_time(ecomd_now_us(), at, sizeof at);
    cJSON_AddStringToObject(op, "op", "reserve");
    cJSON_AddStringToObject(op, "at", at);
    if (!cJSON_GetObjectItemCaseSensitive(op, "id")) {
        ecomd_new_id(id, sizeof id, "res_");
        cJSON_AddStringToObject(op, "id", id);
    }
    const char *rid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "id"));
    /* '~' starts the ids the store uses internally. */
    if (!rid || strlen(rid) > 40 || rid[0] == '~') {
        cJSON_Delete(op);
        ecomd_reply_error(r, 400, EC_INVALID_FIELD, "id",
                          "id is a string of 1 to 40 bytes, not starting with '~'");
        return;
    }
    char *skus = line_skus(op);
    /* Naming the id loads an earlier reservation of that id, whatever its
     * status, so that the library answers duplicate or conflict. */
    inv_call call = {.skus = skus, .res_id = rid, .op = op};
    ecomd_write(r, 1, reserve, &call);
    inv_call_done(&call);
    free(skus);
}

static ec_status release(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    inv_call *call = ctx;
    ec_status st = apply_op(tx, r->srv->store, call);
    if (st != EC_OK) return st;
    if (call->op_status == EC_OK) ecomd_metrics_reservation(r->srv->metrics, "released");
    outcome_from_result(call, 200, out);
    return out->body ? EC_OK : EC_NO_MEMORY;
}

void ecomd_h_reservation_release(ecomd_request *r)
{
    cJSON *op = cJSON_CreateObject();
    cJSON_AddStringToObject(op, "op", "release");
    cJSON_AddStringToObject(op, "id", r->params[0]);
    inv_call call = {.skus = "[]", .res_id = r->params[0], .op = op};
    ecomd_write(r, 0, release, &call);
    inv_call_done(&call);
}

void ecomd_h_reservation_get(ecomd_request *r)
{
    cJSON *state = NULL;
    ec_inventory *inv = NULL;
    if (!read_state(r, "[]", r->params[0], &state, &inv)) return;
    ec_inventory_free(inv);
    cJSON *found = NULL, *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(state, "reservations"))
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "id"));
        if (id && strcmp(id, r->params[0]) == 0) found = it;
    }
    if (!found) {
        cJSON_Delete(state);
        ecomd_reply_error(r, 404, EC_NOT_FOUND, "id", "no such reservation");
        return;
    }
    /* Report what the reservation means now: past its expiry an active one
     * holds nothing, whether or not the sweeper has marked it yet. */
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(found, "status"));
    const char *exp = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(found, "expires_at"));
    int64_t exp_us = 0;
    if (status && exp && strcmp(status, "active") == 0 &&
        ec_time_parse(exp, strlen(exp), &exp_us, NULL) == EC_OK && exp_us <= ecomd_now_us())
        cJSON_ReplaceItemInObjectCaseSensitive(found, "status", cJSON_CreateString("expired"));
    char *body = cJSON_PrintUnformatted(found);
    cJSON_Delete(state);
    ecomd_reply(r, 200, body, body ? strlen(body) : 0);
}
