/* documents.c - the service's own documents: one text builder, one error
 * document, one reader of request bodies.
 *
 * Every error the service sends, from a handler, a refused write or the
 * server itself, is written by ecomd_error_document() with the code names
 * of the library's status table; every request body is read by the library's
 * rules (ec_json_check) before anything looks at it. */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

/* ---- growing arrays ------------------------------------------------------------------ */

void *ecomd_grow(void *items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return items;
    size_t n = *cap ? *cap : 8;
    while (n < need) n *= 2;
    void *p = realloc(items, n * size);
    if (p) *cap = n;
    return p;
}

/* ---- the text builder ---------------------------------------------------------------- */

static int grow(ecomd_doc *d, size_t more)
{
    if (d->failed) return 0;
    if (d->len + more + 1 <= d->cap) return 1;
    size_t cap = d->cap ? d->cap : 256;
    while (cap < d->len + more + 1) cap *= 2;
    char *p = realloc(d->p, cap);
    if (!p) {
        d->failed = 1;
        return 0;
    }
    d->p = p;
    d->cap = cap;
    return 1;
}

void ecomd_doc_add(ecomd_doc *d, const char *s, size_t n)
{
    if (!grow(d, n)) return;
    memcpy(d->p + d->len, s, n);
    d->len += n;
    d->p[d->len] = '\0';
}

void ecomd_doc_lit(ecomd_doc *d, const char *s)
{
    ecomd_doc_add(d, s, strlen(s));
}

void ecomd_doc_str(ecomd_doc *d, const char *s)
{
    size_t n = strlen(s), cap = 6 * n + 10; /* ecomd_json_quote wants room to spare */
    if (!grow(d, cap)) return;
    size_t w = ecomd_json_quote(d->p + d->len, cap, s);
    d->len += w;
    if (!w) d->failed = 1;
}

void ecomd_doc_printf(ecomd_doc *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !grow(d, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(d->p + d->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    d->len += (size_t)n;
}

char *ecomd_doc_take(ecomd_doc *d, size_t *len)
{
    char *p = d->failed ? NULL : d->p;
    if (d->failed) free(d->p);
    if (len) *len = p ? d->len : 0;
    memset(d, 0, sizeof *d);
    return p;
}

/* ---- errors ------------------------------------------------------------------------------ */

size_t ecomd_error_document(char *buf, size_t size, ec_status code, const char *field,
                            const char *message)
{
    /* Room for every character of a full ec_error escaped as \u00XX. */
    char m[6 * EC_ERROR_MESSAGE_MAX + 8], f[6 * EC_ERROR_FIELD_MAX + 8];
    if (!ecomd_json_quote(m, sizeof m, message ? message : ec_status_message(code)))
        strcpy(m, "\"\"");
    int n;
    if (field && *field && ecomd_json_quote(f, sizeof f, field))
        n = snprintf(buf, size, "{\"error\":{\"code\":\"%s\",\"message\":%s,\"field\":%s}}",
                     ec_status_name(code), m, f);
    else
        n = snprintf(buf, size, "{\"error\":{\"code\":\"%s\",\"message\":%s}}",
                     ec_status_name(code), m);
    return n > 0 && (size_t)n < size ? (size_t)n : strlen(buf);
}

/* The error document of err, and a shortage's "sku", "location"?,
 * "requested" and "available" inside the error object. */
static char *error_doc(const ec_error *err, const ec_inventory_result *shortage, size_t *len)
{
    char head[8 * (EC_ERROR_MESSAGE_MAX + EC_ERROR_FIELD_MAX)];
    size_t n = ecomd_error_document(head, sizeof head, (ec_status)err->code, err->field,
                                    err->message[0] ? err->message : NULL);
    ecomd_doc d = {0};
    ecomd_doc_add(&d, head, n - 2); /* open again: the shortage goes inside */
    if (shortage && ec_inventory_result_shortage_sku(shortage)) {
        ecomd_doc_lit(&d, ",\"sku\":");
        ecomd_doc_str(&d, ec_inventory_result_shortage_sku(shortage));
        if (ec_inventory_result_shortage_location(shortage)) {
            ecomd_doc_lit(&d, ",\"location\":");
            ecomd_doc_str(&d, ec_inventory_result_shortage_location(shortage));
        }
        ecomd_doc_printf(&d, ",\"requested\":%lld,\"available\":%lld",
                         (long long)ec_inventory_result_shortage_requested(shortage),
                         (long long)ec_inventory_result_shortage_available(shortage));
    }
    ecomd_doc_lit(&d, "}}");
    return ecomd_doc_take(&d, len);
}

static void fill_error(ec_error *err, ec_status code, const char *field, const char *fmt,
                       va_list ap)
{
    ec_error_clear(err);
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    if (fmt) vsnprintf(err->message, sizeof err->message, fmt, ap);
}

void ecomd_refuse_shortage(ecomd_outcome *out, const ec_error *err,
                           const ec_inventory_result *shortage)
{
    free(out->body);
    out->code = (ec_status)err->code;
    out->status = ecomd_http_status(out->code);
    out->body = error_doc(err, shortage, &out->len);
}

void ecomd_refuse(ecomd_outcome *out, const ec_error *err)
{
    ecomd_refuse_shortage(out, err, NULL);
}

void ecomd_refuse_with(ecomd_outcome *out, ec_status code, const char *field, const char *fmt, ...)
{
    ec_error err;
    va_list ap;
    va_start(ap, fmt);
    fill_error(&err, code, field, fmt, ap);
    va_end(ap);
    ecomd_refuse(out, &err);
}

void ecomd_answer(ecomd_outcome *out, unsigned status, char *body, size_t len)
{
    free(out->body);
    out->status = status;
    out->code = EC_OK;
    out->body = body;
    out->len = body ? len : 0;
}

void ecomd_outcome_header(ecomd_outcome *out, const char *name, const char *fmt, ...)
{
    if (out->nheaders >= sizeof out->header_names / sizeof out->header_names[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->header_values[out->nheaders], sizeof out->header_values[0], fmt, ap);
    va_end(ap);
    out->header_names[out->nheaders++] = name;
}

/* ---- request bodies ---------------------------------------------------------------------- */

cJSON *ecomd_body_object(ecomd_request *r)
{
    ec_error err;
    ec_error_clear(&err);
    if (!r->body) {
        ecomd_reply_error(r, 400, EC_INVALID_JSON, NULL, "the request needs a JSON body");
        return NULL;
    }
    if (ec_json_check(r->body, r->body_len, &err) != EC_OK) {
        ecomd_reply_ec_error(r, &err);
        return NULL;
    }
    cJSON *doc = cJSON_ParseWithLength(r->body, r->body_len);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        ecomd_reply_error(r, doc ? 400 : 500, doc ? EC_INVALID_JSON : EC_NO_MEMORY, NULL,
                          doc ? "the body must be a JSON object" : NULL);
        return NULL;
    }
    return doc;
}

const char *ecomd_body_string(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

int ecomd_body_only(ecomd_request *r, const cJSON *obj, const char *const *keys)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        size_t k = 0;
        while (keys[k] && strcmp(keys[k], c->string) != 0) k++;
        if (keys[k]) continue;
        char msg[200];
        snprintf(msg, sizeof msg, "unknown key \"%.100s\"", c->string);
        ecomd_reply_error(r, 400, EC_INVALID_FIELD, c->string, msg);
        return 0;
    }
    return 1;
}

char *ecomd_body_with(ecomd_request *r, const char *members, size_t *len)
{
    ec_error err;
    ec_error_clear(&err);
    const char *body = r->body ? r->body : "";
    size_t n = r->body ? r->body_len : 0, i = 0;
    if (ec_json_check(body, n, &err) != EC_OK) {
        ecomd_reply_ec_error(r, &err);
        return NULL;
    }
    while (i < n && strchr(" \t\r\n", body[i])) i++;
    if (i == n || body[i] != '{') {
        ecomd_reply_error(r, 400, EC_INVALID_JSON, NULL, "the body must be a JSON object");
        return NULL;
    }
    size_t j = i + 1;
    while (j < n && strchr(" \t\r\n", body[j])) j++;
    ecomd_doc d = {0};
    ecomd_doc_lit(&d, "{");
    ecomd_doc_lit(&d, members);
    ecomd_doc_lit(&d, body[j] == '}' ? "" : ",");
    ecomd_doc_add(&d, body + i + 1, n - i - 1);
    char *doc = ecomd_doc_take(&d, len);
    if (!doc) ecomd_reply_error(r, 500, EC_NO_MEMORY, NULL, NULL);
    return doc;
}

char *ecomd_cart_doc_at(const char *doc, const char *cart_id, int64_t at_us)
{
    char at[48];
    ecomd_format_time(at_us, at, sizeof at);
    const char *rest = strchr(doc, '{');
    if (!rest) return NULL;
    rest++;
    while (*rest == ' ') rest++;
    ecomd_doc d = {0};
    ecomd_doc_printf(&d, "{\"at\":\"%s\",\"id\":", at);
    ecomd_doc_str(&d, cart_id);
    ecomd_doc_lit(&d, *rest == '}' ? "" : ",");
    ecomd_doc_lit(&d, rest);
    return ecomd_doc_take(&d, NULL);
}
