/* inventory_json.c - the inventory state document (docs/reference/inventory.md) in and out.
 *
 * In: every field is checked in document order and the inventory is built
 * through the restore functions, so the first problem is reported with its
 * full path ("reservations[2].lines[0].location").
 * Out: deterministic bytes for equal states, whatever their history: stock
 * by SKU then location and reservations by id, bytewise; every stock field
 * is written, "order" only when a reservation has one. */
#include <stdlib.h>
#include <string.h>

#include "common/internal.h"
#include "ecommerce/inventory.h"
#include "ecommerce/json.h"
#include "inventory/inventory_internal.h"
#include "json/read.h"
#include "json/writer.h"

void ec__inv_json_time(ec__buf *b, int64_t us);

static ec_status prefixed(ec_status st, ec_error *err, const char *key, size_t i)
{
    if (st != EC_OK) ec__error_prefix(err, "%s[%zu]", key, i);
    return st;
}

/* ---- stock ------------------------------------------------------------------------ */

static const char *const stock_keys[] = {"sku",          "location",        "on_hand",
                                         "safety_stock", "backorder_limit", NULL};

static ec_status opt_level(const cJSON *obj, const char *key, int64_t *out, ec_error *err)
{
    const cJSON *v = ec__jget(obj, key);
    *out = 0;
    return v ? ec__jint(v, key, 0, EC_INVENTORY_MAX_STOCK, out, err) : EC_OK;
}

static ec_status read_stock(ec_inventory *inv, const cJSON *v, ec_error *err)
{
    const cJSON *f = NULL;
    const char *sku = NULL, *loc = NULL;
    size_t n = 0;
    int64_t on_hand = 0, safety = 0, backorder = 0;
    EC_TRY(ec__jkeys(v, stock_keys, "a stock entry", err));
    EC_TRY(ec__jrequire(v, "sku", &f, err));
    EC_TRY(ec__jid(f, "sku", &sku, &n, err));
    EC_TRY(ec__jrequire(v, "location", &f, err));
    EC_TRY(ec__jid(f, "location", &loc, &n, err));
    EC_TRY(ec__jrequire(v, "on_hand", &f, err));
    EC_TRY(ec__jint(f, "on_hand", -EC_INVENTORY_MAX_STOCK, EC_INVENTORY_MAX_STOCK, &on_hand, err));
    EC_TRY(opt_level(v, "safety_stock", &safety, err));
    EC_TRY(opt_level(v, "backorder_limit", &backorder, err));
    return ec_inventory_restore_stock(inv, sku, loc, on_hand, safety, backorder, err);
}

/* ---- reservations --------------------------------------------------------------------- */

static const char *const res_keys[] = {"id", "lines", "status", "expires_at", "order", NULL};
static const char *const line_keys[] = {"sku",      "location", "quantity", "shipped",
                                        "released", "returned", NULL};
static const char *const status_names[] = {"active",  "committed", "released",
                                           "expired", "shipped",   NULL};

/* progress[i]: shipped, released, returned; has_progress[i] when any of
 * them was given. */
typedef struct saved_lines {
    const char *sku[EC_INVENTORY_MAX_LINES];
    const char *loc[EC_INVENTORY_MAX_LINES];
    int64_t qty[EC_INVENTORY_MAX_LINES];
    int64_t progress[EC_INVENTORY_MAX_LINES][3];
    uint8_t has_progress[EC_INVENTORY_MAX_LINES];
} saved_lines;

static const char *const progress_keys[3] = {"shipped", "released", "returned"};

static ec_status read_line(const cJSON *v, saved_lines *l, size_t i, ec_error *err)
{
    const cJSON *f = NULL;
    size_t n = 0;
    EC_TRY(ec__jkeys(v, line_keys, "a reservation line", err));
    EC_TRY(ec__jrequire(v, "sku", &f, err));
    EC_TRY(ec__jid(f, "sku", &l->sku[i], &n, err));
    EC_TRY(ec__jrequire(v, "location", &f, err));
    EC_TRY(ec__jid(f, "location", &l->loc[i], &n, err));
    EC_TRY(ec__jrequire(v, "quantity", &f, err));
    EC_TRY(ec__jint(f, "quantity", 1, EC_INVENTORY_MAX_LINE_QUANTITY, &l->qty[i], err));
    l->has_progress[i] = 0;
    for (int k = 0; k < 3; k++) {
        l->progress[i][k] = 0;
        if (!(f = ec__jget(v, progress_keys[k]))) continue;
        EC_TRY(ec__jint(f, progress_keys[k], 0, EC_INVENTORY_MAX_LINE_QUANTITY, &l->progress[i][k],
                        err));
        l->has_progress[i] = 1;
    }
    return EC_OK;
}

/* A shipped reservation whose lines say nothing of their progress shipped
 * every unit (the shape of documents before lines had progress). */
static ec_status restore_progress(ec_inventory *inv, const char *id, int status,
                                  const saved_lines *l, size_t count, ec_error *err)
{
    for (size_t i = 0; i < count; i++) {
        const int64_t *p = l->progress[i];
        int64_t shipped =
            !l->has_progress[i] && status == EC_RESERVATION_STATUS_SHIPPED ? l->qty[i] : p[0];
        if (!shipped && !p[1] && !p[2]) continue;
        ec_status st = ec_inventory_restore_progress(inv, id, i, shipped, p[1], p[2], err);
        if (st != EC_OK) {
            if (st != EC_NO_MEMORY) ec__error_prefix(err, "lines[%zu]", i);
            return st;
        }
    }
    return EC_OK;
}

static ec_status read_reservation(ec_inventory *inv, const cJSON *v, saved_lines *l, ec_error *err)
{
    const cJSON *f = NULL, *lines = NULL;
    const char *id = NULL, *order = NULL;
    size_t n = 0, count = 0;
    int status = 0;
    int64_t expires_at = 0;
    EC_TRY(ec__jkeys(v, res_keys, "a reservation", err));
    EC_TRY(ec__jrequire(v, "id", &f, err));
    EC_TRY(ec__jid(f, "id", &id, &n, err));
    EC_TRY(ec__jrequire(v, "lines", &lines, err));
    EC_TRY(ec__jarray(lines, "lines", EC_INVENTORY_MAX_LINES, &count, err));
    size_t i = 0;
    for (const cJSON *e = lines->child; e; e = e->next, i++)
        EC_TRY(prefixed(read_line(e, l, i, err), err, "lines", i));
    EC_TRY(ec__jrequire(v, "status", &f, err));
    EC_TRY(ec__jenum(f, "status", status_names, &status, err));
    EC_TRY(ec__jrequire(v, "expires_at", &f, err));
    EC_TRY(ec__jtime(f, "expires_at", &expires_at, err));
    if ((f = ec__jget(v, "order"))) EC_TRY(ec__jid(f, "order", &order, &n, err));
    EC_TRY(ec_inventory_restore_reservation(inv, id, status, expires_at, order, count, l->sku,
                                            l->loc, l->qty, err));
    return restore_progress(inv, id, status, l, count, err);
}

static const char *const state_keys[] = {"stock", "reservations", NULL};

static ec_status read_state(ec_inventory *inv, const cJSON *root, ec_error *err)
{
    const cJSON *v = NULL;
    size_t n = 0, i = 0;
    EC_TRY(ec__jkeys(root, state_keys, "the state", err));
    if ((v = ec__jget(root, "stock"))) {
        EC_TRY(ec__jarray(v, "stock", EC_INVENTORY_MAX_ENTRIES, &n, err));
        for (const cJSON *e = v->child; e; e = e->next, i++)
            EC_TRY(prefixed(read_stock(inv, e, err), err, "stock", i));
    }
    if (!(v = ec__jget(root, "reservations"))) return EC_OK;
    EC_TRY(ec__jarray(v, "reservations", EC_INVENTORY_MAX_ENTRIES, &n, err));
    saved_lines *lines = ec__alloc(inv->alloc, sizeof *lines);
    EC_FAIL_IF(!lines, err, EC_NO_MEMORY, NULL, NULL);
    ec_status st = EC_OK;
    i = 0;
    for (const cJSON *e = v->child; e && st == EC_OK; e = e->next, i++)
        st = prefixed(read_reservation(inv, e, lines, err), err, "reservations", i);
    ec__dealloc(inv->alloc, lines);
    return st;
}

ec_status ec_inventory_from_json(const char *json, size_t len, const ec_allocator *alloc,
                                 ec_inventory **out, ec_error *err)
{
    EC_FAIL_IF(!out, err, EC_MISUSE, NULL, "out is NULL");
    *out = NULL;
    cJSON *root = NULL;
    EC_TRY(ec__jparse(json, len, &root, err));
    ec_inventory *inv = ec_inventory_new_ex(alloc);
    ec_status st = inv ? read_state(inv, root, err) : ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    cJSON_Delete(root);
    if (st != EC_OK) {
        ec_inventory_free(inv);
        return st;
    }
    *out = inv;
    return EC_OK;
}

/* ---- out ------------------------------------------------------------------------------ */

/* Howard Hinnant's civil_from_days: exact for every year 0000..9999. */
static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void put_digits(char *p, int64_t v, int n)
{
    while (n-- > 0) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* "2026-11-28T10:10:00Z", with ".25" style fractions when there are any;
 * the caller keeps us within years 0000..9999. */
void ec__inv_json_time(ec__buf *b, int64_t us)
{
    int64_t day_us = INT64_C(86400000000);
    int64_t days = us >= 0 ? us / day_us : -((-us + day_us - 1) / day_us);
    int64_t rest = us - days * day_us;
    int y = 0, m = 0, d = 0;
    civil_from_days(days, &y, &m, &d);
    char t[40] = "\"0000-00-00T00:00:00";
    put_digits(t + 1, y, 4);
    put_digits(t + 6, m, 2);
    put_digits(t + 9, d, 2);
    put_digits(t + 12, rest / INT64_C(3600000000), 2);
    put_digits(t + 15, rest / 60000000 % 60, 2);
    put_digits(t + 18, rest / 1000000 % 60, 2);
    size_t n = 20;
    int64_t frac = rest % 1000000;
    if (frac) {
        int digits = 6;
        while (frac % 10 == 0) frac /= 10, digits--;
        t[n++] = '.';
        put_digits(t + n, frac, digits);
        n += (size_t)digits;
    }
    t[n++] = 'Z';
    t[n++] = '"';
    ec__buf_raw(b, t, n);
}

typedef struct sorted_name {
    const char *p;
    uint32_t n, index;
} sorted_name;

static int by_name(const void *pa, const void *pb)
{
    const sorted_name *a = pa, *b = pb;
    int c = memcmp(a->p, b->p, a->n < b->n ? a->n : b->n);
    return c ? c : (a->n > b->n) - (a->n < b->n);
}

/* n names from `get`, sorted; NULL when out of memory. */
static sorted_name *sort_names(const ec_inventory *inv, size_t n, int reservations)
{
    sorted_name *s = ec__calloc(inv->alloc, n ? n : 1, sizeof *s);
    if (!s) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        const ec__inv_name *name = reservations ? &inv->res.v[i].id : &inv->skus.v[i].name;
        s[i] = (sorted_name){name->p, name->n, i};
    }
    qsort(s, n, sizeof *s, by_name);
    return s;
}

static void write_stock(ec__buf *b, const ec_inventory *inv, const sorted_name *skus)
{
    int first = 1;
    ec__buf_lit(b, "{\"stock\":[");
    for (size_t k = 0; k < inv->skus.n; k++) {
        const ec__inv_sku *sku = &inv->skus.v[skus[k].index];
        for (uint32_t e = sku->first; e != EC__INV_NONE; e = inv->stock.v[e].next) {
            const ec__inv_stock *s = &inv->stock.v[e];
            ec__buf_lit(b, first ? "{\"sku\":" : ",{\"sku\":");
            first = 0;
            ec__buf_str(b, sku->name.p, sku->name.n);
            ec__buf_lit(b, ",\"location\":");
            ec__buf_str(b, inv->locs.v[s->loc].p, inv->locs.v[s->loc].n);
            ec__buf_lit(b, ",\"on_hand\":");
            ec__buf_int(b, s->on_hand);
            ec__buf_lit(b, ",\"safety_stock\":");
            ec__buf_int(b, s->safety);
            ec__buf_lit(b, ",\"backorder_limit\":");
            ec__buf_int(b, s->backorder);
            ec__buf_lit(b, "}");
        }
    }
    ec__buf_lit(b, "]");
}

/* Progress as far as it says something: nothing for a line that shipped
 * whole in a shipped reservation (see restore_progress). */
static void write_progress(ec__buf *b, const ec__inv_res *r, const ec__inv_line *l)
{
    if (r->status == EC_RESERVATION_STATUS_SHIPPED && l->shipped == l->qty && !l->returned) return;
    const uint32_t v[3] = {l->shipped, l->released, l->returned};
    static const char *const keys[3] = {",\"shipped\":", ",\"released\":", ",\"returned\":"};
    for (int k = 0; k < 3; k++) {
        if (!v[k]) continue;
        ec__buf_lit(b, keys[k]);
        ec__buf_int(b, v[k]);
    }
}

static void write_reservation(ec__buf *b, const ec_inventory *inv, const ec__inv_res *r)
{
    ec__buf_lit(b, "{\"id\":");
    ec__buf_str(b, r->id.p, r->id.n);
    ec__buf_lit(b, ",\"lines\":[");
    for (uint32_t i = 0; i < r->nlines; i++) {
        const ec__inv_stock *s = &inv->stock.v[r->lines[i].stock];
        ec__buf_lit(b, i ? ",{\"sku\":" : "{\"sku\":");
        ec__buf_str(b, inv->skus.v[s->sku].name.p, inv->skus.v[s->sku].name.n);
        ec__buf_lit(b, ",\"location\":");
        ec__buf_str(b, inv->locs.v[s->loc].p, inv->locs.v[s->loc].n);
        ec__buf_lit(b, ",\"quantity\":");
        ec__buf_int(b, r->lines[i].qty);
        write_progress(b, r, &r->lines[i]);
        ec__buf_lit(b, "}");
    }
    ec__buf_lit(b, "],\"status\":\"");
    ec__buf_lit(b, ec_reservation_status_name(r->status));
    ec__buf_lit(b, "\",\"expires_at\":");
    ec__inv_json_time(b, r->expires_at);
    if (r->order.p) {
        ec__buf_lit(b, ",\"order\":");
        ec__buf_str(b, r->order.p, r->order.n);
    }
    ec__buf_lit(b, "}");
}

ec_status ec_inventory_to_json(const ec_inventory *inv, char **out, size_t *out_len)
{
    if (!out) return EC_MISUSE;
    *out = NULL;
    if (!inv) return EC_MISUSE;
    sorted_name *skus = sort_names(inv, inv->skus.n, 0);
    sorted_name *ids = skus ? sort_names(inv, inv->res.n, 1) : NULL;
    ec__buf b = {0};
    if (ids) {
        write_stock(&b, inv, skus);
        ec__buf_lit(&b, ",\"reservations\":[");
        for (size_t i = 0; i < inv->res.n; i++) {
            if (i) ec__buf_lit(&b, ",");
            write_reservation(&b, inv, &inv->res.v[ids[i].index]);
        }
        ec__buf_lit(&b, "]}");
    }
    ec__dealloc(inv->alloc, skus);
    ec__dealloc(inv->alloc, ids);
    if (!ids || !ec__buf_finish(&b)) {
        ec__dealloc(NULL, b.p);
        return EC_NO_MEMORY;
    }
    *out = b.p;
    if (out_len) *out_len = b.len;
    return EC_OK;
}
