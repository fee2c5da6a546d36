/* handlers_orders.c - checkout, orders and order events with their stock
 * effects (formats.md 4 and 5, http.md).
 *
 * An order row holds an envelope: {"order": <formats.md 4 order>, "pricing":
 * <the checkout's pricing result>, "cart_id", "reservation_id" (the
 * committed reservation holding the unshipped units, null when none),
 * "payment_due_by", "shipped": {sku: {location: units}}, "restocked": {sku:
 * units}}.  The last two are bookkeeping for returns and stay internal.
 *
 * The library decides: pricing (checkout), the order machine (events), the
 * inventory (every stock effect).  This file maps effects to inventory
 * operations and keeps everything of one request in one transaction. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

/* ---- small helpers -----------------------------------------------------------------------------
 */

static cJSON *item(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static const char *text(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(item(obj, key));
}

static int64_t number(const cJSON *obj, const char *key)
{
    const cJSON *n = item(obj, key);
    return cJSON_IsNumber(n) ? (int64_t)n->valuedouble : 0;
}

static void now_text(char *buf, size_t size)
{
    ecomd_format_time(ecomd_now_us(), buf, size);
}

static void refuse(ecomd_outcome *out, unsigned status, const char *code, const char *field,
                   const char *message)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", message);
    if (field) cJSON_AddStringToObject(e, "field", field);
    char *s = cJSON_PrintUnformatted(e);
    cJSON_Delete(e);
    if (s) ecomd_outcome_error(out, status, s);
    free(s);
}

static void refuse_error_object(ecomd_outcome *out, ec_status st, const cJSON *error)
{
    char *s = error ? cJSON_PrintUnformatted(error) : NULL;
    if (s) ecomd_outcome_error(out, ecomd_http_status(st), s);
    free(s);
}

static void refuse_ec(ecomd_outcome *out, const ec_error *err)
{
    char *e = NULL;
    size_t n = 0;
    if (ec_error_to_json(err, &e, &n) != EC_OK) return;
    cJSON *doc = cJSON_ParseWithLength(e, n);
    ec_free(e);
    refuse_error_object(out, (ec_status)err->code, item(doc, "error"));
    cJSON_Delete(doc);
}

static char *json_array_of_keys(const cJSON *obj)
{
    cJSON *arr = cJSON_CreateArray();
    for (const cJSON *it = obj ? obj->child : NULL; it; it = it->next)
        cJSON_AddItemToArray(arr, cJSON_CreateString(it->string));
    char *s = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return s;
}

/* {"sku": n} into the [{"sku", "quantity"}] lines of an operation. */
static cJSON *lines_of(const cJSON *units)
{
    cJSON *lines = cJSON_CreateArray();
    for (const cJSON *u = units ? units->child : NULL; u; u = u->next) {
        if (u->valuedouble <= 0) continue;
        cJSON *l = cJSON_CreateObject();
        cJSON_AddStringToObject(l, "sku", u->string);
        cJSON_AddNumberToObject(l, "quantity", u->valuedouble);
        cJSON_AddItemToArray(lines, l);
    }
    return lines;
}

static void add_units(cJSON *units, const char *sku, double n)
{
    cJSON *have = item(units, sku);
    if (have)
        cJSON_SetNumberValue(have, have->valuedouble + n);
    else
        cJSON_AddNumberToObject(units, sku, n);
}

static cJSON *op_new(const char *name, const char *id)
{
    char at[48];
    now_text(at, sizeof at);
    cJSON *op = cJSON_CreateObject();
    cJSON_AddStringToObject(op, "op", name);
    if (id) cJSON_AddStringToObject(op, "id", id);
    if (strcmp(name, "reserve") == 0 || strcmp(name, "commit") == 0)
        cJSON_AddStringToObject(op, "at", at);
    return op;
}

/* reserve + commit `units` as reservation `id` of order `order_id`. */
static void add_reserve_commit(cJSON *ops, const char *id, const char *order_id, const cJSON *units,
                               unsigned ttl, cJSON *locations)
{
    cJSON *reserve = op_new("reserve", id);
    cJSON_AddItemToObject(reserve, "lines", lines_of(units));
    cJSON_AddNumberToObject(reserve, "ttl_seconds", ttl);
    if (locations) cJSON_AddItemToObject(reserve, "locations", locations);
    cJSON_AddItemToArray(ops, reserve);
    cJSON *commit = op_new("commit", id);
    cJSON_AddStringToObject(commit, "order", order_id);
    cJSON_AddItemToArray(ops, commit);
}

/* The response view of an envelope: without the internal bookkeeping. */
static char *order_view(const cJSON *env)
{
    cJSON *view = cJSON_Duplicate(env, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(view, "shipped");
    cJSON_DeleteItemFromObjectCaseSensitive(view, "restocked");
    char *s = cJSON_PrintUnformatted(view);
    cJSON_Delete(view);
    return s;
}

static void set_etag(ecomd_outcome *out, int64_t version)
{
    out->header_names[out->nheaders] = "ETag";
    snprintf(out->header_values[out->nheaders], sizeof out->header_values[0], "\"%lld\"",
             (long long)version);
    out->nheaders++;
}

/* ---- checkout
 * ---------------------------------------------------------------------------------------- */

/* The cart priced with the promotion counts `uses` (a JSON object); NULL
 * after filling out with the refusal. */
static cJSON *price_with_uses(const ecomd_ruleset *rs, const char *cart_id, const cJSON *cart,
                              const char *uses, ecomd_outcome *out, ec_status *st)
{
    char at[48], *doc_text = NULL, *res = NULL;
    size_t len = 0;
    cJSON *doc = cJSON_Duplicate(cart, 1);
    now_text(at, sizeof at);
    cJSON_AddStringToObject(doc, "id", cart_id);
    cJSON_AddStringToObject(doc, "at", at);
    cJSON_AddItemToObject(doc, "promotion_uses", cJSON_Parse(uses));
    doc_text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    ec_error err;
    ec_error_clear(&err);
    ec_status ps = doc_text ? ec_json_price(rs->rules, doc_text, strlen(doc_text), &res, &len, &err)
                            : EC_NO_MEMORY;
    free(doc_text);
    cJSON *pricing = ps == EC_OK ? cJSON_ParseWithLength(res, len) : NULL;
    ec_free(res);
    if (ps == EC_NO_MEMORY || (ps == EC_OK && !pricing))
        *st = EC_NO_MEMORY;
    else if (ps != EC_OK)
        refuse_ec(out, &err);
    return pricing;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lock the applied promotions with a usage limit that `locked` lacks, in
 * id order, and add them to it; *added tells whether there were any. */
static ec_status lock_limited(ecomd_store *s, ecomd_tx *tx, const ecomd_ruleset *rs,
                              const cJSON *pricing, cJSON *locked, int *added)
{
    const cJSON *promos = item(pricing, "promotions"), *p;
    const char **ids = malloc(((size_t)cJSON_GetArraySize(promos) + 1) * sizeof *ids);
    size_t n = 0;
    if (!ids) return EC_NO_MEMORY;
    cJSON_ArrayForEach(p, promos)
    {
        const char *id = text(p, "id");
        if (cJSON_IsTrue(item(p, "applied")) && id && ecomd_ruleset_limited(rs, id) &&
            !item(locked, id))
            ids[n++] = id;
    }
    qsort(ids, n, sizeof *ids, by_text);
    ec_status st = EC_OK;
    *added = n > 0;
    for (size_t k = 0; k < n && st == EC_OK; k++) {
        if (k && strcmp(ids[k], ids[k - 1]) == 0) continue;
        st = s->ops->promotion_lock(tx, ids[k]);
        if (st == EC_OK && !cJSON_AddTrueToObject(locked, ids[k])) st = EC_NO_MEMORY;
    }
    free(ids);
    return st;
}

/* A promotion's count in a reading; none stored yet is 0. */
static double count_of(const cJSON *uses, const char *id)
{
    const cJSON *n = item(uses, id);
    return cJSON_IsNumber(n) ? n->valuedouble : 0;
}

/* Whether every locked promotion has the same count in both readings. */
static int same_counts(const cJSON *locked, const cJSON *before, const cJSON *now)
{
    const cJSON *id;
    cJSON_ArrayForEach(id, locked)
    {
        if (count_of(before, id->string) != count_of(now, id->string)) return 0;
    }
    return 1;
}

/* The cart priced now.  Counts are read without a lock, so under load they
 * may be stale (never too high).  The limited promotions the price spends
 * are then locked and their counts read again: unchanged, the price
 * stands; changed, the cart is priced again with the new counts, which the
 * locks now hold still (a new limited promotion is locked in turn). */
static cJSON *price_for_checkout(ecomd_request *r, ecomd_tx *tx, const char *cart_id,
                                 const cJSON *cart, ecomd_outcome *out, ec_status *st)
{
    ecomd_store *s = r->srv->store;
    ecomd_ruleset *rs = ecomd_rules_acquire(r->srv->rules);
    char *uses = NULL;
    cJSON *pricing = NULL, *locked = cJSON_CreateObject();
    *st = !rs ? EC_UNAVAILABLE : locked ? s->ops->promotion_uses(s, tx, &uses) : EC_NO_MEMORY;
    if (*st == EC_OK) pricing = price_with_uses(rs, cart_id, cart, uses, out, st);
    for (int round = 0; pricing && *st == EC_OK; round++) {
        int added = 0;
        char *fresh = NULL;
        *st = lock_limited(s, tx, rs, pricing, locked, &added);
        if (*st != EC_OK || !added) break;
        if (round == 8) *st = EC_UNAVAILABLE; /* counts moving every time: retry later */
        if (*st == EC_OK) *st = s->ops->promotion_uses(s, tx, &fresh);
        cJSON *a = cJSON_Parse(uses), *b = fresh ? cJSON_Parse(fresh) : NULL;
        int same = *st == EC_OK && same_counts(locked, a, b);
        cJSON_Delete(a);
        cJSON_Delete(b);
        free(uses);
        uses = fresh;
        if (*st != EC_OK || same) break;
        cJSON_Delete(pricing);
        pricing = price_with_uses(rs, cart_id, cart, uses, out, st);
    }
    free(uses);
    cJSON_Delete(locked);
    ecomd_rules_release(rs);
    if (*st != EC_OK) {
        cJSON_Delete(pricing);
        return NULL;
    }
    return pricing;
}

/* A new order document in pending_payment, canonical (through the
 * library), with one line per SKU. */
static cJSON *new_order(const char *id, const cJSON *pricing, const cJSON *units)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "state", ec_order_machine_initial(ec_order_machine_default()));
    cJSON_AddNumberToObject(o, "version", 1);
    cJSON_AddStringToObject(o, "currency", text(pricing, "currency"));
    cJSON_AddStringToObject(o, "total", text(pricing, "total"));
    cJSON_AddItemToObject(o, "lines", lines_of(units));
    char *s = cJSON_PrintUnformatted(o), *canon = NULL;
    cJSON_Delete(o);
    size_t n = 0;
    ec_order *order = ec_order_new();
    cJSON *out = NULL;
    if (s && order && ec_order_from_json(order, s, strlen(s), NULL) == EC_OK &&
        ec_order_to_json(order, &canon, &n) == EC_OK)
        out = cJSON_ParseWithLength(canon, n);
    ec_free(canon);
    ec_order_free(order);
    free(s);
    return out;
}

static ec_status count_promotions(ecomd_tx *tx, ecomd_store *s, const cJSON *pricing)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, item(pricing, "promotions"))
    {
        if (!cJSON_IsTrue(item(p, "applied")) || !text(p, "id")) continue;
        ec_status st = s->ops->promotion_use_add(tx, text(p, "id"));
        if (st != EC_OK) return st;
    }
    return EC_OK;
}

/* Reserve and commit the cart's units for the order; 0 after refusing. */
static int take_stock(ecomd_request *r, ecomd_tx *tx, const char *order_id, const cJSON *units,
                      ecomd_outcome *out, ec_status *st)
{
    char *skus = json_array_of_keys(units);
    ecomd_inv_run run = {.skus = skus, .ops = cJSON_CreateArray()};
    add_reserve_commit(run.ops, order_id, order_id, units, r->srv->cfg.payment_ttl, NULL);
    *st = skus ? ecomd_inventory_run(tx, r->srv->store, &run) : EC_NO_MEMORY;
    int ok = *st == EC_OK && run.op_status == EC_OK;
    if (*st == EC_OK) {
        ecomd_metrics_reservation(r->srv->metrics, ok ? "reserved"
                                                   : run.op_status == EC_INSUFFICIENT_STOCK
                                                       ? "insufficient_stock"
                                                       : "error");
        if (!ok)
            refuse_error_object(out, run.op_status,
                                item(cJSON_GetArrayItem(run.results, run.failed), "error"));
    }
    ecomd_inventory_run_done(&run);
    free(skus);
    return ok;
}

typedef struct checkout_ctx {
    const char *cart_id;
} checkout_ctx;

static ec_status store_new_order(ecomd_request *r, ecomd_tx *tx, const char *cart_id, cJSON *env,
                                 const cJSON *order, ecomd_outcome *out)
{
    ecomd_store *s = r->srv->store;
    char *doc = cJSON_PrintUnformatted(env), *existing = NULL;
    int64_t due = ecomd_now_us() + (int64_t)r->srv->cfg.payment_ttl * 1000000;
    ec_status st = doc ? s->ops->order_put(tx, text(order, "id"), 1, text(order, "state"), cart_id,
                                           due, doc, ecomd_now_us(), &existing)
                       : EC_NO_MEMORY;
    free(doc);
    if (st == EC_INVALID_TRANSITION) {
        char msg[300];
        snprintf(msg, sizeof msg, "the cart was already checked out as order %s", existing);
        refuse(out, 409, "invalid_transition", "cart_id", msg);
        free(existing);
        return EC_OK;
    }
    if (st != EC_OK) return st;
    cJSON *data = cJSON_CreateObject();
    cJSON_AddStringToObject(data, "id", text(order, "id"));
    cJSON_AddStringToObject(data, "cart_id", cart_id);
    cJSON_AddItemToObject(data, "order", cJSON_Duplicate(order, 1));
    char *d = cJSON_PrintUnformatted(data);
    cJSON_Delete(data);
    st = d ? s->ops->event_add(tx, "order.created", d, ecomd_now_us()) : EC_NO_MEMORY;
    free(d);
    if (st != EC_OK) return st;
    out->status = 201;
    out->body = order_view(env);
    out->len = out->body ? strlen(out->body) : 0;
    set_etag(out, 1);
    ecomd_metrics_order(r->srv->metrics, "created");
    return EC_OK;
}

static ec_status checkout(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    const char *cart_id = ((checkout_ctx *)ctx)->cart_id;
    int64_t version = 0;
    char *cart_text = NULL;
    ec_status st = r->srv->store->ops->cart_get(r->srv->store, tx, cart_id, &version, &cart_text);
    if (st == EC_NOT_FOUND) {
        refuse(out, 404, "not_found", "cart_id", "no such cart");
        return EC_OK;
    }
    cJSON *cart = st == EC_OK ? cJSON_Parse(cart_text) : NULL;
    free(cart_text);
    if (st != EC_OK || !cart) return st != EC_OK ? st : EC_INTERNAL;
    cJSON *units = cJSON_CreateObject(), *pricing = NULL, *env = NULL;
    const cJSON *line;
    cJSON_ArrayForEach(line, item(cart, "lines"))
        add_units(units, text(line, "sku"), (double)number(line, "quantity"));
    char id[48];
    ecomd_new_id(id, sizeof id, "ord_");
    char *existing = NULL;
    if (st == EC_OK) st = r->srv->store->ops->order_of_cart(tx, cart_id, &existing);
    if (st != EC_OK) {
        /* the store failed: nothing more to try */
    } else if (existing) {
        char msg[300];
        snprintf(msg, sizeof msg, "the cart was already checked out as order %s", existing);
        refuse(out, 409, "invalid_transition", "cart_id", msg);
    } else if (!units->child)
        refuse(out, 400, "invalid_field", "cart_id", "the cart has no lines");
    else if ((pricing = price_for_checkout(r, tx, cart_id, cart, out, &st)) && st == EC_OK &&
             take_stock(r, tx, id, units, out, &st) &&
             (st = count_promotions(tx, r->srv->store, pricing)) == EC_OK) {
        cJSON *order = new_order(id, pricing, units);
        char due[48];
        ecomd_format_time(ecomd_now_us() + (int64_t)r->srv->cfg.payment_ttl * 1000000, due,
                          sizeof due);
        env = cJSON_CreateObject();
        cJSON_AddItemToObject(env, "order", order ? order : cJSON_CreateNull());
        cJSON_AddItemToObject(env, "pricing", pricing);
        pricing = NULL;
        cJSON_AddStringToObject(env, "cart_id", cart_id);
        cJSON_AddStringToObject(env, "reservation_id", id);
        cJSON_AddStringToObject(env, "payment_due_by", due);
        cJSON_AddItemToObject(env, "shipped", cJSON_CreateObject());
        cJSON_AddItemToObject(env, "restocked", cJSON_CreateObject());
        st = order ? store_new_order(r, tx, cart_id, env, order, out) : EC_INTERNAL;
    }
    free(existing);
    cJSON_Delete(env);
    cJSON_Delete(pricing);
    cJSON_Delete(units);
    cJSON_Delete(cart);
    return st;
}

void ecomd_h_orders_post(ecomd_request *r)
{
    cJSON *body = r->body ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
    const char *cart_id = text(body, "cart_id");
    if (!cJSON_IsObject(body) || !cart_id || cJSON_GetArraySize(body) != 1) {
        ecomd_reply_error(r, 400, body ? EC_INVALID_FIELD : EC_INVALID_JSON, "cart_id",
                          "the body is {\"cart_id\": \"...\"}");
        cJSON_Delete(body);
        return;
    }
    checkout_ctx ctx = {cart_id};
    ecomd_write(r, 1, checkout, &ctx);
    cJSON_Delete(body);
}

void ecomd_h_order_get(ecomd_request *r)
{
    int64_t version = 0;
    char *doc = NULL;
    ec_status st = r->srv->store->ops->order_get(r->srv->store, NULL, r->params[0], &version, &doc);
    if (st == EC_NOT_FOUND) {
        ecomd_reply_error(r, 404, EC_NOT_FOUND, "id", "no such order");
        return;
    }
    cJSON *env = st == EC_OK ? cJSON_Parse(doc) : NULL;
    free(doc);
    if (!env) {
        ecomd_reply_store_error(r, st == EC_OK ? EC_INTERNAL : st);
        return;
    }
    char *body = order_view(env);
    cJSON_Delete(env);
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)version);
    ecomd_add_header(r, "ETag", etag);
    ecomd_reply(r, 200, body, body ? strlen(body) : 0);
}
