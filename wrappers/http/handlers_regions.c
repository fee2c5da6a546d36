/* handlers_regions.c - the endpoints of the regions (docs/regions.md):
 * POST /v1/transfers (a peer region's message), GET /v1/regions (the
 * picture), POST /v1/regions/{region}/recover (a region lost for good).
 * An instance without --peers serves one region and answers them 404.
 *
 * Each write is one transaction: the library credits, acknowledges,
 * declares lost and recovers; the handlers read the body once and write
 * the rows and the answer. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "regions.h"

static int in_regions(ecomd_request *r)
{
    if (r->srv->regions) return 1;
    ecomd_reply_error(r, 404, EC_NOT_FOUND, NULL,
                      "this instance serves one region: start it with --peers");
    return 0;
}

/* A failure of the store, not a refusal of the request. */
static int store_failure(ec_status st)
{
    return st == EC_UNAVAILABLE || st == EC_INTERNAL || st == EC_NO_MEMORY;
}

/* ---- POST /v1/transfers ------------------------------------------------------------------------
 */

static ec_status transfers_write(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    ec_escrow_message *answer = ec_escrow_message_new();
    ec_error err;
    ec_error_clear(&err);
    ec_status st =
        answer ? ecomd_regions_receive(r->srv->regions, tx, ctx, answer, &err) : EC_NO_MEMORY;
    char *doc = NULL;
    size_t len = 0;
    if (!store_failure(st) && st != EC_OK) {
        ecomd_refuse(out, &err);
        st = EC_OK;
    } else if (st == EC_OK) {
        st = ec_escrow_message_to_json(answer, &doc, &len) == EC_OK ? EC_OK : EC_NO_MEMORY;
        if (st == EC_OK) ecomd_answer(out, 200, doc, len);
    }
    ec_escrow_message_free(answer);
    return st;
}

void ecomd_h_transfers_post(ecomd_request *r)
{
    if (!in_regions(r)) return;
    ec_escrow_message *in = ec_escrow_message_new();
    ec_error err;
    ec_error_clear(&err);
    if (!in)
        ecomd_reply_error(r, 500, EC_NO_MEMORY, NULL, NULL);
    else if (!r->body)
        ecomd_reply_error(r, 400, EC_INVALID_JSON, NULL, "the body must be a message");
    else if (ec_json_check(r->body, r->body_len, &err) != EC_OK ||
             ec_escrow_message_from_json(in, r->body, r->body_len, &err) != EC_OK)
        ecomd_reply_ec_error(r, &err);
    else
        ecomd_write(r, 0, transfers_write, in);
    ec_escrow_message_free(in);
}

/* ---- GET /v1/regions ------------------------------------------------------------------------- */

void ecomd_h_regions_get(ecomd_request *r)
{
    if (!in_regions(r)) return;
    size_t len = 0;
    ec_status st = EC_OK;
    char *doc = ecomd_regions_picture(r->srv->regions, &len, &st);
    if (!doc)
        ecomd_reply_error(r, 500, EC_NO_MEMORY, NULL, NULL);
    else if (st != EC_OK)
        ecomd_reply_store_error(r, st);
    else {
        ecomd_reply(r, 200, doc, len);
        doc = NULL;
    }
    free(doc);
}

/* ---- POST /v1/regions/{region}/recover --------------------------------------------------------
 */

/* The operator's figures: one recovery transfer per SKU. */
typedef struct recovery {
    const char *region, *reason, *by;
    ec_escrow_transfer *t[EC_ESCROW_MAX_LINES];
    size_t n;
} recovery;

static void recovery_free(recovery *rc)
{
    for (size_t i = 0; i < rc->n; i++) ec_escrow_transfer_free(rc->t[i]);
}

/* The recovery transfer of `sku`, made when first named. */
static ec_escrow_transfer *transfer_of(recovery *rc, const char *self, const char *sku,
                                       ec_error *err)
{
    for (size_t i = 0; i < rc->n; i++)
        if (strcmp(ec_escrow_transfer_sku(rc->t[i]), sku) == 0) return rc->t[i];
    if (rc->n == EC_ESCROW_MAX_LINES) {
        err->field[0] = '\0';
        snprintf(err->message, sizeof err->message, "at most %d SKUs", EC_ESCROW_MAX_LINES);
        err->code = EC_LIMIT_EXCEEDED;
        return NULL;
    }
    char id[48];
    ecomd_new_id(id, sizeof id, "rcv_");
    ec_escrow_transfer *t = ec_escrow_transfer_new();
    if (!t || ec_escrow_transfer_set(t, id, EC_ESCROW_RECOVERY, rc->region, self, sku,
                                     ecomd_now_us(), err) != EC_OK) {
        if (!t) err->code = EC_NO_MEMORY;
        ec_escrow_transfer_free(t);
        return NULL;
    }
    return rc->t[rc->n++] = t;
}

/* err's field as the body's "lines[i].x" (the library named the field of
 * its own line, or the argument). */
static ec_status line_error(ec_error *err, size_t i, ec_status st)
{
    const char *dot = strrchr(err->field, '.');
    const char *leaf = dot ? dot + 1 : err->field;
    char field[EC_ERROR_FIELD_MAX];
    snprintf(field, sizeof field, "lines[%zu]%s%.100s", i, *leaf ? "." : "", leaf);
    memcpy(err->field, field, sizeof field);
    err->code = st;
    return st;
}

/* Line i of the body, added to its SKU's transfer. */
static ec_status read_line(recovery *rc, const char *self, const cJSON *line, size_t i,
                           ec_error *err)
{
    const char *sku = ecomd_body_string(line, "sku"), *loc = ecomd_body_string(line, "location");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(line, "quantity");
    int whole = cJSON_IsNumber(q) && q->valuedouble == (double)(int64_t)q->valuedouble;
    const char *bad = !cJSON_IsObject(line)           ? ""
                      : !sku                          ? "sku"
                      : !loc                          ? "location"
                      : !whole                        ? "quantity"
                      : cJSON_GetArraySize(line) != 3 ? "" /* another key */
                                                      : NULL;
    if (bad) {
        snprintf(err->field, sizeof err->field, "%s", bad);
        snprintf(err->message, sizeof err->message,
                 "a line is {\"sku\", \"location\", \"quantity\": an integer}");
        return line_error(err, i, EC_INVALID_FIELD);
    }
    ec_escrow_transfer *t = transfer_of(rc, self, sku, err);
    ec_status st = t ? ec_escrow_transfer_add_line(t, loc, (int64_t)q->valuedouble, err)
                     : (ec_status)err->code;
    return st == EC_OK ? EC_OK : line_error(err, i, st);
}

static ec_status read_recovery(recovery *rc, const char *self, const cJSON *body, ec_error *err)
{
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(body, "lines");
    size_t len = rc->reason ? strlen(rc->reason) : 0;
    if (len < 1 || len > 500) {
        snprintf(err->field, sizeof err->field, "reason");
        snprintf(err->message, sizeof err->message, "reason is 1 to 500 bytes: why, for the audit");
        return err->code = EC_INVALID_FIELD;
    }
    if (lines && !cJSON_IsArray(lines)) {
        snprintf(err->field, sizeof err->field, "lines");
        snprintf(err->message, sizeof err->message, "lines is an array");
        return err->code = EC_INVALID_FIELD;
    }
    size_t i = 0;
    for (const cJSON *l = lines ? lines->child : NULL; l; l = l->next, i++)
        if (read_line(rc, self, l, i, err) != EC_OK) return (ec_status)err->code;
    return EC_OK;
}

/* The audit record: the event's payload and the answer. */
static char *recovered_doc(const recovery *rc, const ec_escrow *led, int duplicate)
{
    ecomd_doc d = {0};
    ecomd_doc_lit(&d, "{\"region\":");
    ecomd_doc_str(&d, rc->region);
    ecomd_doc_lit(&d, ",\"by\":");
    ecomd_doc_str(&d, rc->by);
    ecomd_doc_lit(&d, ",\"reason\":");
    ecomd_doc_str(&d, rc->reason);
    ecomd_doc_printf(&d, ",\"declared_before\":%s,\"taken_back\":[", duplicate ? "true" : "false");
    const ec_escrow_transfer *t = NULL;
    int32_t status = 0;
    int first = 1;
    for (size_t c = ec_escrow_changed(led, 0, &t, &status); c;
         c = ec_escrow_changed(led, c, &t, &status)) {
        char *doc = NULL;
        if (status != EC_ESCROW_CANCELED || ec_escrow_transfer_to_json(t, &doc, NULL) != EC_OK)
            continue;
        ecomd_doc_lit(&d, first ? "" : ",");
        ecomd_doc_lit(&d, doc);
        ec_free(doc);
        first = 0;
    }
    ecomd_doc_lit(&d, "],\"recovered\":[");
    for (size_t i = 0; i < rc->n; i++) {
        char *doc = NULL;
        if (ec_escrow_transfer_to_json(rc->t[i], &doc, NULL) != EC_OK) d.failed = 1;
        ecomd_doc_lit(&d, i ? "," : "");
        if (doc) ecomd_doc_lit(&d, doc);
        ec_free(doc);
    }
    ecomd_doc_lit(&d, "]}");
    return ecomd_doc_take(&d, NULL);
}

static ec_status recover_in(ecomd_request *r, ecomd_tx *tx, recovery *rc, ec_escrow *led,
                            ecomd_stock *stock, ecomd_outcome *out)
{
    ecomd_store *s = r->srv->store;
    ecomd_skus skus = {0};
    ec_error err;
    ec_error_clear(&err);
    int32_t dup = 0;
    int64_t now = ecomd_now_us();
    ec_status st = ecomd_ledger_load(s, tx, "[]", rc->region, led);
    const ec_escrow_transfer *t = NULL;
    for (size_t i = 0; st == EC_OK && ec_escrow_entry(led, i, &t, NULL); i++)
        st = ecomd_skus_add(&skus, ec_escrow_transfer_sku(t));
    for (size_t i = 0; st == EC_OK && i < rc->n; i++)
        st = ecomd_skus_add(&skus, ec_escrow_transfer_sku(rc->t[i]));
    if (st == EC_OK) st = s->ops->stock_load(tx, &skus, NULL, now, stock);
    ec_status op =
        st == EC_OK ? ec_escrow_declare_lost(led, stock->inv, rc->region, &dup, &err) : EC_OK;
    for (size_t i = 0; st == EC_OK && op == EC_OK && i < rc->n; i++)
        op = ec_escrow_credit(led, stock->inv, rc->t[i], NULL, &err);
    ecomd_skus_free(&skus);
    if (st != EC_OK || store_failure(op)) return st != EC_OK ? st : op;
    if (op != EC_OK) {
        ecomd_refuse(out, &err);
        return EC_OK;
    }
    char *doc = recovered_doc(rc, led, dup);
    st = doc ? s->ops->stock_save(tx, stock) : EC_NO_MEMORY;
    if (st == EC_OK) st = ecomd_ledger_save(s, tx, led, now, rc->by, rc->reason);
    if (st == EC_OK) st = s->ops->event_add(tx, "regions.recovered", doc, now);
    if (st == EC_OK)
        ecomd_answer(out, 200, doc, strlen(doc));
    else
        free(doc);
    return st;
}

static ec_status recover_write(ecomd_request *r, ecomd_tx *tx, void *ctx, ecomd_outcome *out)
{
    ec_escrow *led = ec_escrow_new(r->srv->regions ? ecomd_regions_self(r->srv->regions) : "");
    ecomd_stock stock = {0};
    ec_status st = led ? recover_in(r, tx, ctx, led, &stock, out) : EC_NO_MEMORY;
    ecomd_stock_done(&stock);
    ec_escrow_free(led);
    return st;
}

void ecomd_h_region_recover(ecomd_request *r)
{
    static const char *const keys[] = {"reason", "lines", NULL};
    if (!in_regions(r)) return;
    const char *self = ecomd_regions_self(r->srv->regions);
    if (strcmp(r->params[0], self) == 0) {
        ecomd_reply_error(r, 409, EC_INVALID_TRANSITION, "region",
                          "a region cannot declare itself lost");
        return;
    }
    cJSON *body = ecomd_body_object(r);
    if (!body || !ecomd_body_only(r, body, keys)) {
        cJSON_Delete(body);
        return;
    }
    recovery rc = {
        r->params[0], ecomd_body_string(body, "reason"), r->key_name ? r->key_name : "-", {0}, 0};
    ec_error err;
    ec_error_clear(&err);
    if (read_recovery(&rc, self, body, &err) != EC_OK)
        ecomd_reply_ec_error(r, &err);
    else
        ecomd_write(r, 1, recover_write, &rc);
    recovery_free(&rc);
    cJSON_Delete(body);
}
