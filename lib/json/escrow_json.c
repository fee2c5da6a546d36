/* escrow_json.c - the transfer and message documents of escrow.h in and
 * out.
 *
 * In: every field is checked in document order and the objects are built
 * through their setters, so the first problem is reported with its full
 * path ("transfers[2].lines[0].quantity").  A transfer's "quantity" and a
 * report's "rights" are sums, written for readers; reading checks them
 * against their parts, so a document that disagrees with itself is
 * refused rather than half believed.
 * Out: keys in a fixed order, lines and locations as held. */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/escrow.h"
#include "ecommerce/json.h"
#include "escrow/escrow_message.h"
#include "json/read.h"
#include "json/writer.h"

void ec__inv_json_time(ec__buf *b, int64_t us);

static ec_status prefixed(ec_status st, ec_error *err, const char *key, size_t i)
{
    if (st != EC_OK && st != EC_NO_MEMORY) ec__error_prefix(err, "%s[%zu]", key, i);
    return st;
}

/* ---- reading a transfer ------------------------------------------------------------------- */

static const char *const transfer_keys[] = {"id", "kind",     "from",  "to", "sku",
                                            "at", "quantity", "lines", NULL};
static const char *const line_keys[] = {"location", "quantity", NULL};
static const char *const kind_names[] = {"transfer", "recovery", NULL};

/* Line i: the document's own checks name "lines[i].x"; the builder's
 * (a location named twice, the total) name it already. */
static ec_status read_line(ec_escrow_transfer *t, const cJSON *v, size_t i, ec_error *err)
{
    const cJSON *f = NULL;
    const char *loc = NULL;
    size_t n = 0;
    int64_t q = 0;
    ec_status st = ec__jkeys(v, line_keys, "a transfer line", err);
    if (st == EC_OK) st = ec__jrequire(v, "location", &f, err);
    if (st == EC_OK) st = ec__jid(f, "location", &loc, &n, err);
    if (st == EC_OK) st = ec__jrequire(v, "quantity", &f, err);
    if (st == EC_OK) st = ec__jint(f, "quantity", 1, EC_ESCROW_MAX_QUANTITY, &q, err);
    if (st != EC_OK) return prefixed(st, err, "lines", i);
    return ec_escrow_transfer_add_line(t, loc, q, err);
}

/* One string member that must be an identifier. */
static ec_status id_member(const cJSON *v, const char *key, const char **out, ec_error *err)
{
    const cJSON *f = NULL;
    size_t n = 0;
    EC_TRY(ec__jrequire(v, key, &f, err));
    return ec__jid(f, key, out, &n, err);
}

static ec_status read_transfer(ec_escrow_transfer *t, const cJSON *v, ec_error *err)
{
    const cJSON *f = NULL, *lines = NULL;
    const char *id = NULL, *from = NULL, *to = NULL, *sku = NULL;
    int kind = EC_ESCROW_TRANSFER;
    int64_t at = 0, quantity = 0;
    size_t count = 0;
    ec_escrow_transfer_reset(t);
    EC_TRY(ec__jkeys(v, transfer_keys, "a transfer", err));
    EC_TRY(id_member(v, "id", &id, err));
    if ((f = ec__jget(v, "kind"))) EC_TRY(ec__jenum(f, "kind", kind_names, &kind, err));
    EC_TRY(id_member(v, "from", &from, err));
    EC_TRY(id_member(v, "to", &to, err));
    EC_TRY(id_member(v, "sku", &sku, err));
    EC_TRY(ec__jrequire(v, "at", &f, err));
    EC_TRY(ec__jtime(f, "at", &at, err));
    EC_TRY(ec_escrow_transfer_set(t, id, kind, from, to, sku, at, err));
    if ((f = ec__jget(v, "quantity")))
        EC_TRY(ec__jint(f, "quantity", 1, EC_ESCROW_MAX_QUANTITY, &quantity, err));
    EC_TRY(ec__jrequire(v, "lines", &lines, err));
    EC_TRY(ec__jarray(lines, "lines", EC_ESCROW_MAX_LINES, &count, err));
    EC_FAIL_IF(count == 0, err, EC_INVALID_FIELD, "lines", "a transfer has at least one line");
    size_t i = 0;
    for (const cJSON *e = lines->child; e; e = e->next, i++) EC_TRY(read_line(t, e, i, err));
    EC_FAIL_IF(f && quantity != ec_escrow_transfer_quantity(t), err, EC_INVALID_FIELD, "quantity",
               "quantity is %lld but the lines add up to %lld", (long long)quantity,
               (long long)ec_escrow_transfer_quantity(t));
    return EC_OK;
}

/* Parse a document and read it into obj with `read`; on failure obj is
 * left empty (`empty`). */
typedef ec_status (*doc_reader)(void *obj, const cJSON *v, ec_error *err);
typedef void (*doc_emptier)(void *obj);

static ec_status read_document(void *obj, doc_reader read, doc_emptier empty, const char *json,
                               size_t len, ec_error *err)
{
    empty(obj);
    cJSON *doc = NULL;
    EC_TRY(ec__jparse(json, len, &doc, err));
    ec_status st = read(obj, doc, err);
    cJSON_Delete(doc);
    if (st != EC_OK) empty(obj);
    return st;
}

static ec_status transfer_reader(void *obj, const cJSON *v, ec_error *err)
{
    return read_transfer(obj, v, err);
}

static void transfer_emptier(void *obj)
{
    ec_escrow_transfer_reset(obj);
}

ec_status ec_escrow_transfer_from_json(ec_escrow_transfer *t, const char *json, size_t len,
                                       ec_error *err)
{
    EC_FAIL_IF(!t, err, EC_MISUSE, NULL, "transfer is NULL");
    return read_document(t, transfer_reader, transfer_emptier, json, len, err);
}

/* ---- reading a message --------------------------------------------------------------------- */

static const char *const message_keys[] = {"from",     "to",     "at", "transfers",
                                           "credited", "report", NULL};
static const char *const report_keys[] = {"sku", "rights", "demand", "locations", NULL};
static const char *const location_keys[] = {"location", "rights", NULL};

static ec_status read_location(const cJSON *v, const char **loc, int64_t *rights, ec_error *err)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, location_keys, "a report location", err));
    EC_TRY(id_member(v, "location", loc, err));
    EC_TRY(ec__jrequire(v, "rights", &f, err));
    return ec__jint(f, "rights", 0, EC_INVENTORY_MAX_STOCK, rights, err);
}

/* Locations and their rights, read into arrays the caller frees. */
typedef struct report_parts {
    const char **locs;
    int64_t *rights;
    size_t n;
} report_parts;

static ec_status read_report(ec_escrow_message *m, const cJSON *v, report_parts *p, ec_error *err)
{
    const cJSON *f = NULL, *locs = NULL;
    const char *sku = NULL;
    int64_t rights = 0, demand = 0;
    EC_TRY(ec__jkeys(v, report_keys, "a report", err));
    EC_TRY(id_member(v, "sku", &sku, err));
    EC_TRY(ec__jrequire(v, "rights", &f, err));
    EC_TRY(ec__jint(f, "rights", 0, EC_INVENTORY_MAX_STOCK, &rights, err));
    EC_TRY(ec__jrequire(v, "demand", &f, err));
    EC_TRY(ec__jint(f, "demand", 0, EC_INVENTORY_MAX_STOCK, &demand, err));
    p->n = 0;
    if ((locs = ec__jget(v, "locations")))
        EC_TRY(ec__jarray(locs, "locations", EC_ESCROW_MAX_ITEMS, &p->n, err));
    if (p->n) {
        p->locs = ec__calloc(m->alloc, p->n, sizeof *p->locs);
        p->rights = ec__calloc(m->alloc, p->n, sizeof *p->rights);
        EC_FAIL_IF(!p->locs || !p->rights, err, EC_NO_MEMORY, NULL, NULL);
    }
    size_t i = 0;
    int64_t sum = 0;
    for (const cJSON *e = locs ? locs->child : NULL; e; e = e->next, i++) {
        EC_TRY(prefixed(read_location(e, &p->locs[i], &p->rights[i], err), err, "locations", i));
        sum += p->rights[i];
    }
    EC_FAIL_IF(sum != rights, err, EC_INVALID_FIELD, "rights",
               "rights is %lld but the locations add up to %lld", (long long)rights,
               (long long)sum);
    return ec__esc_message_report(m, sku, demand, p->n, p->locs, p->rights, err);
}

static ec_status read_reports(ec_escrow_message *m, const cJSON *list, ec_error *err)
{
    size_t count = 0, i = 0;
    EC_TRY(ec__jarray(list, "report", EC_ESCROW_MAX_ITEMS, &count, err));
    ec_status st = EC_OK;
    for (const cJSON *e = list->child; st == EC_OK && e; e = e->next, i++) {
        report_parts p = {NULL, NULL, 0};
        st = prefixed(read_report(m, e, &p, err), err, "report", i);
        ec__dealloc(m->alloc, p.locs);
        ec__dealloc(m->alloc, p.rights);
    }
    return st;
}

static ec_status read_transfers(ec_escrow_message *m, const cJSON *list, ec_error *err)
{
    size_t count = 0, i = 0;
    EC_TRY(ec__jarray(list, "transfers", EC_ESCROW_MAX_ITEMS, &count, err));
    ec_escrow_transfer *t = ec_escrow_transfer_new_ex(m->alloc);
    EC_FAIL_IF(!t, err, EC_NO_MEMORY, NULL, NULL);
    ec_status st = EC_OK;
    for (const cJSON *e = list->child; st == EC_OK && e; e = e->next, i++) {
        st = read_transfer(t, e, err);
        if (st == EC_OK) st = ec_escrow_message_add_transfer(m, t, err);
        st = prefixed(st, err, "transfers", i);
    }
    ec_escrow_transfer_free(t);
    return st;
}

static ec_status read_credited(ec_escrow_message *m, const cJSON *list, ec_error *err)
{
    size_t count = 0, i = 0, n = 0;
    const char *id = NULL;
    EC_TRY(ec__jarray(list, "credited", EC_ESCROW_MAX_ITEMS, &count, err));
    for (const cJSON *e = list->child; e; e = e->next, i++) {
        ec_status st = ec__jid(e, "credited", &id, &n, err);
        if (st == EC_OK) st = ec_escrow_message_add_credited(m, id, err);
        if (st != EC_OK) {
            if (st != EC_NO_MEMORY) ec__error_field(err, "credited[%zu]", i);
            return st;
        }
    }
    return EC_OK;
}

static ec_status read_message(ec_escrow_message *m, const cJSON *v, ec_error *err)
{
    const cJSON *f = NULL;
    const char *from = NULL, *to = NULL;
    int64_t at = 0;
    EC_TRY(ec__jkeys(v, message_keys, "a message", err));
    EC_TRY(id_member(v, "from", &from, err));
    EC_TRY(id_member(v, "to", &to, err));
    EC_TRY(ec__jrequire(v, "at", &f, err));
    EC_TRY(ec__jtime(f, "at", &at, err));
    EC_TRY(ec_escrow_message_set(m, from, to, at, err));
    if ((f = ec__jget(v, "transfers"))) EC_TRY(read_transfers(m, f, err));
    if ((f = ec__jget(v, "credited"))) EC_TRY(read_credited(m, f, err));
    if ((f = ec__jget(v, "report"))) EC_TRY(read_reports(m, f, err));
    return EC_OK;
}

static ec_status message_reader(void *obj, const cJSON *v, ec_error *err)
{
    return read_message(obj, v, err);
}

static void message_emptier(void *obj)
{
    ec_escrow_message_reset(obj);
}

ec_status ec_escrow_message_from_json(ec_escrow_message *m, const char *json, size_t len,
                                      ec_error *err)
{
    EC_FAIL_IF(!m, err, EC_MISUSE, NULL, "message is NULL");
    return read_document(m, message_reader, message_emptier, json, len, err);
}

/* ---- writing ------------------------------------------------------------------------------- */

static void put_name(ec__buf *b, const char *key, const char *value)
{
    ec__buf_lit(b, key);
    ec__buf_str(b, value, strlen(value));
}

/* [{"location", <key>}] of n lines. */
static void put_lines(ec__buf *b, const ec__esc_line *lines, size_t n, const char *key)
{
    EC__BUF_LIT(b, "[");
    for (size_t i = 0; i < n; i++) {
        put_name(b, i ? ",{\"location\":" : "{\"location\":", lines[i].location);
        EC__BUF_LIT(b, ",\"");
        ec__buf_lit(b, key);
        EC__BUF_LIT(b, "\":");
        ec__buf_int(b, lines[i].quantity);
        EC__BUF_LIT(b, "}");
    }
    EC__BUF_LIT(b, "]");
}

static void put_transfer(ec__buf *b, const ec_escrow_transfer *t)
{
    put_name(b, "{\"id\":", t->id);
    put_name(b, ",\"kind\":", ec_escrow_kind_name(t->kind));
    put_name(b, ",\"from\":", t->from);
    put_name(b, ",\"to\":", t->to);
    put_name(b, ",\"sku\":", t->sku);
    EC__BUF_LIT(b, ",\"at\":");
    ec__inv_json_time(b, t->at);
    EC__BUF_LIT(b, ",\"quantity\":");
    ec__buf_int(b, t->total);
    EC__BUF_LIT(b, ",\"lines\":");
    put_lines(b, t->lines, t->nlines, "quantity");
    EC__BUF_LIT(b, "}");
}

ec_status ec_escrow_transfer_to_json(const ec_escrow_transfer *t, char **out, size_t *out_len)
{
    if (!out) return EC_MISUSE;
    *out = NULL;
    if (!t || !t->set || !t->nlines) return EC_MISUSE;
    ec__buf b = {0};
    put_transfer(&b, t);
    return ec__buf_take(&b, out, out_len);
}

static void put_report(ec__buf *b, const ec__esc_report *r)
{
    put_name(b, "{\"sku\":", r->sku);
    EC__BUF_LIT(b, ",\"rights\":");
    ec__buf_int(b, r->rights);
    EC__BUF_LIT(b, ",\"demand\":");
    ec__buf_int(b, r->demand);
    EC__BUF_LIT(b, ",\"locations\":");
    put_lines(b, r->locs, r->nlocs, "rights");
    EC__BUF_LIT(b, "}");
}

ec_status ec_escrow_message_to_json(const ec_escrow_message *m, char **out, size_t *out_len)
{
    if (!out) return EC_MISUSE;
    *out = NULL;
    if (!m || !m->set) return EC_MISUSE;
    ec__buf b = {0};
    put_name(&b, "{\"from\":", m->from);
    put_name(&b, ",\"to\":", m->to);
    EC__BUF_LIT(&b, ",\"at\":");
    ec__inv_json_time(&b, m->at);
    EC__BUF_LIT(&b, ",\"transfers\":[");
    for (size_t i = 0; i < m->nt; i++) {
        if (i) EC__BUF_LIT(&b, ",");
        put_transfer(&b, m->transfers[i]);
    }
    EC__BUF_LIT(&b, "],\"credited\":[");
    for (size_t i = 0; i < m->nc; i++) {
        if (i) EC__BUF_LIT(&b, ",");
        ec__buf_str(&b, m->credited[i], strlen(m->credited[i]));
    }
    EC__BUF_LIT(&b, "],\"report\":[");
    for (size_t i = 0; i < m->nr; i++) {
        if (i) EC__BUF_LIT(&b, ",");
        put_report(&b, &m->reports[i]);
    }
    EC__BUF_LIT(&b, "]}");
    return ec__buf_take(&b, out, out_len);
}
