/* handlers_carts.c - stored carts: create, read, and the small writes a
 * storefront makes (context fields, one line, one coupon).
 *
 * A cart is stored as its document (currency, context, lines, coupons) and
 * a version.  The context includes where and as whom the cart is taxed
 * (region, postal_code, tax_class, tax_exempt) and the customer's id.  Every write runs in one
 * transaction: load, check If-Match, change, validate with the library (the same setters that a
 * cart document goes through), price, store version + 1.  A change that would leave the cart
 * unpriceable (an unknown SKU, a shipping method that does not serve the country) is refused with
 * the pricing error and nothing is stored. Responses carry the cart priced with the rules active
 * now ("at" = now). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ecomd.h"

/* Context fields: the ones PATCH may change and their library setters
 * (tax_exempt, the one boolean, has set_flag instead of set). */
static const struct context_field {
    const char *name;
    ec_status (*set)(ec_cart *cart, const char *value, ec_error *err);
    ec_status (*set_flag)(ec_cart *cart, int32_t value, ec_error *err);
} context_fields[] = {
    {"currency", ec_cart_set_currency, NULL},
    {"country", ec_cart_set_country, NULL},
    {"region", ec_cart_set_region, NULL},
    {"postal_code", ec_cart_set_postal_code, NULL},
    {"customer_group", ec_cart_set_customer_group, NULL},
    {"customer", ec_cart_set_customer, NULL},
    {"channel", ec_cart_set_channel, NULL},
    {"tax_class", ec_cart_set_tax_class, NULL},
    {"tax_exempt", NULL, ec_cart_set_tax_exempt},
    {"shipping_method", ec_cart_set_shipping_method, NULL},
};
#define NCONTEXT (sizeof context_fields / sizeof context_fields[0])

static const struct context_field *context_field(const char *name)
{
    for (size_t i = 0; i < NCONTEXT; i++)
        if (strcmp(context_fields[i].name, name) == 0) return &context_fields[i];
    return NULL;
}

/* ---- validation ----------------------------------------------------------------------------- */

static ec_status fail(ec_error *err, ec_status st, const char *field, const char *msg)
{
    err->code = st;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    snprintf(err->message, sizeof err->message, "%s", msg);
    return st;
}

/* Replace err's field (truncated to fit). */
static void set_field(ec_error *err, const char *field)
{
    size_t n = strlen(field);
    if (n >= sizeof err->field) n = sizeof err->field - 1;
    memmove(err->field, field, n);
    err->field[n] = '\0';
}

static ec_status check_lines(ec_cart *cart, const cJSON *lines, ec_error *err)
{
    if (!cJSON_IsArray(lines)) return fail(err, EC_INVALID_FIELD, "lines", "lines is an array");
    int i = 0;
    const cJSON *line;
    cJSON_ArrayForEach(line, lines)
    {
        char path[48];
        snprintf(path, sizeof path, "lines[%d]", i++);
        const cJSON *sku = cJSON_GetObjectItemCaseSensitive(line, "sku");
        const cJSON *qty = cJSON_GetObjectItemCaseSensitive(line, "quantity");
        if (!cJSON_IsObject(line) || cJSON_GetArraySize(line) != 2 || !cJSON_IsString(sku) ||
            !cJSON_IsNumber(qty) || qty->valuedouble != (double)(int64_t)qty->valuedouble)
            return fail(err, EC_INVALID_FIELD, path, "a line is {\"sku\", \"quantity\"}");
        ec_status st = ec_cart_add_line(cart, sku->valuestring, (int64_t)qty->valuedouble, err);
        if (st != EC_OK) {
            /* The library numbers the line itself ("lines[2].quantity"). */
            if (strncmp(err->field, "lines[", 6) != 0) set_field(err, path);
            return st;
        }
    }
    return EC_OK;
}

static ec_status check_coupons(ec_cart *cart, const cJSON *coupons, ec_error *err)
{
    if (!cJSON_IsArray(coupons))
        return fail(err, EC_INVALID_FIELD, "coupons", "coupons is an array of strings");
    int i = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, coupons)
    {
        char path[48];
        snprintf(path, sizeof path, "coupons[%d]", i++);
        if (!cJSON_IsString(c)) return fail(err, EC_INVALID_FIELD, path, "a coupon is a string");
        ec_status st = ec_cart_add_coupon(cart, c->valuestring, err);
        if (st != EC_OK) {
            set_field(err, path);
            return st;
        }
    }
    return EC_OK;
}

/* One context field's value through its library setter. */
static ec_status check_context(ec_cart *cart, const struct context_field *f, const cJSON *v,
                               ec_error *err)
{
    ec_status st;
    if (f->set_flag && !cJSON_IsBool(v))
        return fail(err, EC_INVALID_FIELD, f->name, "must be true or false");
    if (!f->set_flag && !cJSON_IsString(v))
        return fail(err, EC_INVALID_FIELD, f->name, "must be a string");
    st = f->set_flag ? f->set_flag(cart, cJSON_IsTrue(v), err) : f->set(cart, v->valuestring, err);
    if (st != EC_OK) set_field(err, f->name);
    return st;
}

/* A stored cart document: known keys only, every value through the
 * library's setters.  null context values are removed first (absent). */
static ec_status check_doc(cJSON *doc, ec_error *err)
{
    ec_cart *cart = ec_cart_new();
    if (!cart) return fail(err, EC_NO_MEMORY, NULL, "out of memory");
    ec_status st = EC_OK;
    cJSON *it = doc->child;
    while (st == EC_OK && it) {
        cJSON *next = it->next;
        const struct context_field *f = context_field(it->string);
        if (f && cJSON_IsNull(it) && strcmp(it->string, "currency") != 0)
            cJSON_DeleteItemFromObjectCaseSensitive(doc, it->string);
        else if (f)
            st = check_context(cart, f, it, err);
        else if (strcmp(it->string, "lines") == 0)
            st = check_lines(cart, it, err);
        else if (strcmp(it->string, "coupons") == 0)
            st = check_coupons(cart, it, err);
        else
            st = fail(err, EC_INVALID_FIELD, it->string, "unknown key");
        it = next;
    }
    if (st == EC_OK && !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "currency")))
        st = fail(err, EC_INVALID_FIELD, "currency", "currency is required");
    ec_cart_free(cart);
    return st;
}

/* ---- pricing and the response ------------------------------------------------------------------
 */

/* The error document's inner object for err (NULL when out of memory). */
static cJSON *error_object(const ec_error *err)
{
    char *e = NULL;
    size_t n = 0;
    cJSON *wrapped = ec_error_to_json(err, &e, &n) == EC_OK ? cJSON_ParseWithLength(e, n) : NULL;
    cJSON *obj = wrapped ? cJSON_DetachItemFromObjectCaseSensitive(wrapped, "error") : NULL;
    cJSON_Delete(wrapped);
    ec_free(e);
    return obj;
}

/* The cart priced now with the stored promotion counts (so that
 * usage_limit shows as it would at checkout): the document read once by
 * the library, the counts set on the typed cart. */
static ec_status price_typed(ecomd_request *r, ecomd_tx *tx, const char *id, const char *text,
                             char **out, size_t *len, ec_error *err)
{
    ecomd_ruleset *rs = ecomd_rules_acquire(r->srv->rules);
    char *full = ecomd_cart_doc_at(text, id, ecomd_now_us());
    ec_cart *cart = ec_cart_new();
    ec_price_result *res = ec_price_result_new();
    ec_status st = !rs                   ? fail(err, EC_UNAVAILABLE, NULL, "no ruleset is loaded")
                   : full && cart && res ? EC_OK
                                         : fail(err, EC_NO_MEMORY, NULL, "out of memory");
    if (st == EC_OK) st = ec_cart_from_json(cart, full, strlen(full), err);
    if (st == EC_OK && r->srv->store->ops->promotion_uses(r->srv->store, tx, cart) != EC_OK)
        st = fail(err, EC_UNAVAILABLE, NULL, "the store does not answer");
    if (st == EC_OK) st = ec_price_cart(rs->rules, cart, res, err);
    if (st == EC_OK && ec_price_result_to_json(res, cart, out, len) != EC_OK)
        st = fail(err, EC_NO_MEMORY, NULL, "out of memory");
    ec_price_result_free(res);
    ec_cart_free(cart);
    free(full);
    if (rs) ecomd_rules_release(rs);
    return st;
}

/* *pricing gets the result (NULL for a cart without lines) or *error the
 * pricing error object.  tx may be NULL.  Returns the pricing status. */
static ec_status price_cart(ecomd_request *r, ecomd_tx *tx, const char *id, const cJSON *doc,
                            cJSON **pricing, cJSON **error)
{
    *pricing = *error = NULL;
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "lines")) == 0) return EC_OK;
    ec_error err;
    ec_error_clear(&err);
    char *text = cJSON_PrintUnformatted(doc), *out = NULL;
    size_t len = 0;
    ec_status st = text ? price_typed(r, tx, id, text, &out, &len, &err)
                        : fail(&err, EC_NO_MEMORY, NULL, "out of memory");
    if (st == EC_OK)
        *pricing = cJSON_ParseWithLength(out, len);
    else
        *error = error_object(&err);
    ec_free(out);
    free(text);
    return st;
}

/* {"id", "version", ...the document..., "pricing": {...} | null,
 * "pricing_error"?: {...}} */
static char *cart_view(const char *id, int64_t version, const cJSON *doc, cJSON *pricing,
                       cJSON *error)
{
    cJSON *view = cJSON_CreateObject();
    cJSON_AddStringToObject(view, "id", id);
    cJSON_AddNumberToObject(view, "version", (double)version);
    for (const cJSON *it = doc->child; it; it = it->next)
        cJSON_AddItemToObject(view, it->string, cJSON_Duplicate(it, 1));
    cJSON_AddItemToObject(view, "pricing", pricing ? pricing : cJSON_CreateNull());
    if (error) cJSON_AddItemToObject(view, "pricing_error", error);
    char *body = cJSON_PrintUnformatted(view);
    cJSON_Delete(view);
    return body;
}

/* ---- the write ------------------------------------------------------------------------------- */

typedef ec_status (*cart_change)(ecomd_request *r, const cJSON *body, cJSON *doc, ec_error *err);

typedef struct cart_write {
    cJSON *body;        /* the request body, parsed (may be NULL) */
    cart_change change; /* NULL: create from body */
} cart_write;

/* Load the cart for a change, honouring If-Match; fills out on refusal. */
static ec_status load_for_change(ecomd_request *r, ecomd_tx *tx, int64_t *version, cJSON **doc,
                                 ecomd_outcome *out)
{
    char *text = NULL;
    ec_status st = r->srv->store->ops->cart_get(r->srv->store, tx, r->params[0], version, &text);
    if (st == EC_NOT_FOUND) {
        ecomd_refuse_with(out, EC_NOT_FOUND, "id", "no such cart");
        return EC_OK;
    }
    if (st != EC_OK) return st;
    *doc = cJSON_Parse(text);
    free(text);
    if (!*doc) return EC_INTERNAL;
    int64_t expected = ecomd_if_match(r);
    if (expected == -2) {
        cJSON_Delete(*doc);
        *doc = NULL;
        ecomd_refuse_with(out, EC_INVALID_FIELD, "If-Match", "If-Match must be \"<version>\"");
    } else if (expected >= 0 && expected != *version) {
        cJSON_Delete(*doc);
        *doc = NULL;
        ecomd_refuse_with(out, EC_VERSION_CONFLICT, "If-Match",
                          "the cart changed since that version");
        out->status = 412;
    }
    return EC_OK;
}

static ec_status cart_apply(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    cart_write *w = ctx;
    char id[ECOMD_PARAM_MAX];
    int64_t version = 0;
    cJSON *doc = NULL;
    ec_error err;
    ec_error_clear(&err);
    if (!w->change) {
        ecomd_new_id(id, sizeof id, "cart_");
        doc = cJSON_Duplicate(w->body, 1);
    } else {
        snprintf(id, sizeof id, "%s", r->params[0]);
        ec_status st = load_for_change(r, tx, &version, &doc, out);
        if (st != EC_OK || !doc) return st;
    }
    cJSON *pricing = NULL, *perr = NULL;
    ec_status st = w->change ? w->change(r, w->body, doc, &err) : EC_OK;
    if (st == EC_OK) st = check_doc(doc, &err);
    if (st == EC_OK && !cJSON_GetObjectItemCaseSensitive(doc, "lines"))
        cJSON_AddItemToObject(doc, "lines", cJSON_CreateArray());
    if (st == EC_OK && !cJSON_GetObjectItemCaseSensitive(doc, "coupons"))
        cJSON_AddItemToObject(doc, "coupons", cJSON_CreateArray());
    if (st == EC_OK && (st = price_cart(r, tx, id, doc, &pricing, &perr)) != EC_OK) {
        char *e = perr ? cJSON_PrintUnformatted(perr) : NULL;
        if (e) {
            ecomd_doc d = {0};
            ecomd_doc_printf(&d, "{\"error\":%s}", e);
            size_t len = 0;
            char *body = ecomd_doc_take(&d, &len);
            ecomd_answer(out, ecomd_http_status(st), body, len);
            out->code = st;
        }
        free(e);
        cJSON_Delete(perr);
        cJSON_Delete(doc);
        return out->body ? EC_OK : EC_NO_MEMORY;
    }
    if (st != EC_OK) {
        ecomd_refuse(out, &err);
        cJSON_Delete(doc);
        return out->body ? EC_OK : EC_NO_MEMORY;
    }
    char *text = cJSON_PrintUnformatted(doc);
    ec_status rc = text ? r->srv->store->ops->cart_put(tx, id, version + 1, text, ecomd_now_us())
                        : EC_NO_MEMORY;
    free(text);
    if (rc == EC_OK) {
        out->status = w->change ? 200 : 201;
        out->body = cart_view(id, version + 1, doc, pricing, NULL);
        out->len = out->body ? strlen(out->body) : 0;
        out->header_names[0] = "ETag";
        snprintf(out->header_values[0], sizeof out->header_values[0], "\"%lld\"",
                 (long long)(version + 1));
        out->header_names[1] = "Location";
        snprintf(out->header_values[1], sizeof out->header_values[1], "/v1/carts/%s", id);
        out->nheaders = w->change ? 1 : 2;
        pricing = NULL;
    }
    cJSON_Delete(pricing);
    cJSON_Delete(doc);
    return rc != EC_OK ? rc : out->body ? EC_OK : EC_NO_MEMORY;
}

static void run_cart_write(ecomd_request *r, cJSON *body, cart_change change)
{
    cart_write w = {.body = body, .change = change};
    ecomd_write(r, 0, cart_apply, &w);
    cJSON_Delete(body);
}

/* ---- endpoints ---------------------------------------------------------------------------------
 */

void ecomd_h_carts_post(ecomd_request *r)
{
    cJSON *body = ecomd_body_object(r);
    if (body) run_cart_write(r, body, NULL);
}

void ecomd_h_cart_get(ecomd_request *r)
{
    int64_t version = 0;
    char *text = NULL;
    ec_status st = r->srv->store->ops->cart_get(r->srv->store, NULL, r->params[0], &version, &text);
    if (st == EC_NOT_FOUND) {
        ecomd_reply_error(r, 404, EC_NOT_FOUND, "id", "no such cart");
        return;
    }
    cJSON *doc = st == EC_OK ? cJSON_Parse(text) : NULL;
    free(text);
    if (!doc) {
        ecomd_reply_store_error(r, st == EC_OK ? EC_INTERNAL : st);
        return;
    }
    cJSON *pricing = NULL, *perr = NULL;
    price_cart(r, NULL, r->params[0], doc, &pricing, &perr);
    char *body = cart_view(r->params[0], version, doc, pricing, perr);
    cJSON_Delete(doc);
    char etag[32];
    snprintf(etag, sizeof etag, "\"%lld\"", (long long)version);
    ecomd_add_header(r, "ETag", etag);
    ecomd_reply(r, 200, body, body ? strlen(body) : 0);
}

/* PATCH: context fields only; null clears one (currency cannot be cleared). */
static ec_status patch_context(ecomd_request *r, const cJSON *patch, cJSON *doc, ec_error *err)
{
    (void)r;
    ec_status st = EC_OK;
    for (cJSON *it = patch ? patch->child : NULL; it && st == EC_OK; it = it->next) {
        if (!context_field(it->string))
            st = fail(err, EC_INVALID_FIELD, it->string, "PATCH changes context fields only");
        else if (cJSON_IsNull(it) && strcmp(it->string, "currency") == 0)
            st = fail(err, EC_INVALID_FIELD, "currency", "currency cannot be removed");
        else if (cJSON_GetObjectItemCaseSensitive(doc, it->string))
            cJSON_ReplaceItemInObjectCaseSensitive(doc, it->string, cJSON_Duplicate(it, 1));
        else
            cJSON_AddItemToObject(doc, it->string, cJSON_Duplicate(it, 1));
    }
    return st;
}

void ecomd_h_cart_patch(ecomd_request *r)
{
    cJSON *body = ecomd_body_object(r);
    if (body) run_cart_write(r, body, patch_context);
}

/* PUT lines/{sku} {"quantity": n}: sets the SKU's line; 0 removes it. */
static ec_status set_line(ecomd_request *r, const cJSON *body, cJSON *doc, ec_error *err)
{
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(body, "quantity");
    int ok = cJSON_IsNumber(q) && cJSON_GetArraySize(body) == 1 && q->valuedouble >= 0 &&
             q->valuedouble <= 1000000 && q->valuedouble == (double)(int64_t)q->valuedouble;
    int64_t qty = ok ? (int64_t)q->valuedouble : 0;
    if (!ok)
        return fail(err, EC_INVALID_FIELD, "quantity", "quantity is an integer from 0 to 1000000");
    cJSON *lines = cJSON_GetObjectItemCaseSensitive(doc, "lines");
    if (!lines) cJSON_AddItemToObject(doc, "lines", lines = cJSON_CreateArray());
    int i = 0;
    for (cJSON *line = lines->child; line; line = line->next, i++) {
        const char *sku = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(line, "sku"));
        if (!sku || strcmp(sku, r->params[1]) != 0) continue;
        if (qty == 0)
            cJSON_DeleteItemFromArray(lines, i);
        else
            cJSON_ReplaceItemInObjectCaseSensitive(line, "quantity",
                                                   cJSON_CreateNumber((double)qty));
        return EC_OK;
    }
    if (qty > 0) {
        cJSON *line = cJSON_CreateObject();
        cJSON_AddStringToObject(line, "sku", r->params[1]);
        cJSON_AddNumberToObject(line, "quantity", (double)qty);
        cJSON_AddItemToArray(lines, line);
    }
    return EC_OK;
}

void ecomd_h_cart_line_put(ecomd_request *r)
{
    cJSON *body = ecomd_body_object(r);
    if (body) run_cart_write(r, body, set_line);
}

static int coupon_index(const cJSON *coupons, const char *code)
{
    int i = 0;
    for (const cJSON *c = coupons ? coupons->child : NULL; c; c = c->next, i++)
        if (cJSON_IsString(c) && strcasecmp(c->valuestring, code) == 0) return i;
    return -1;
}

static ec_status add_coupon(ecomd_request *r, const cJSON *body, cJSON *doc, ec_error *err)
{
    (void)r;
    const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "code"));
    ec_status st = code && cJSON_GetArraySize(body) == 1
                       ? EC_OK
                       : fail(err, EC_INVALID_FIELD, "code", "the body is {\"code\": \"...\"}");
    cJSON *coupons = cJSON_GetObjectItemCaseSensitive(doc, "coupons");
    if (!coupons) cJSON_AddItemToObject(doc, "coupons", coupons = cJSON_CreateArray());
    /* Codes compare case-insensitively: adding one twice changes nothing. */
    if (st == EC_OK && coupon_index(coupons, code) < 0)
        cJSON_AddItemToArray(coupons, cJSON_CreateString(code));
    return st;
}

void ecomd_h_cart_coupon_post(ecomd_request *r)
{
    cJSON *body = ecomd_body_object(r);
    if (body) run_cart_write(r, body, add_coupon);
}

static ec_status remove_coupon(ecomd_request *r, const cJSON *body, cJSON *doc, ec_error *err)
{
    (void)body;
    cJSON *coupons = cJSON_GetObjectItemCaseSensitive(doc, "coupons");
    int i = coupon_index(coupons, r->params[1]);
    if (i < 0) return fail(err, EC_NOT_FOUND, "code", "the cart has no such coupon");
    cJSON_DeleteItemFromArray(coupons, i);
    return EC_OK;
}

void ecomd_h_cart_coupon_delete(ecomd_request *r)
{
    run_cart_write(r, NULL, remove_coupon);
}
