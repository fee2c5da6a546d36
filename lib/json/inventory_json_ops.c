/* inventory_json_ops.c - one operation document in, one result document out.
 *
 * The operation is read strictly (unknown keys refused, like every input
 * document), run through the typed API with a request and a result the
 * inventory keeps for its codec, and answered as docs/reference/inventory.md shows:
 * {"ok": true, ...} or {"ok": false, "error": {...}}.  A document that is
 * not JSON is answered like any other failure (code invalid_json). */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/inventory.h"
#include "ecommerce/json.h"
#include "inventory/inventory_internal.h"
#include "json/read.h"
#include "json/writer.h"

void ec__inv_json_time(ec__buf *b, int64_t us);

typedef struct op_ctx {
    ec_inventory *inv;
    ec_inventory_request *req;
    ec_inventory_result *res;
    ec_error *err;
} op_ctx;

typedef enum op_kind {
    OP_SET,
    OP_RECEIVE,
    OP_RESERVE,
    OP_COMMIT,
    OP_RELEASE,
    OP_SHIP,
    OP_EXPIRE,
    OP_AVAILABLE,
    OP_RESTOCK
} op_kind;

static const char *const op_names[] = {"set",  "receive", "reserve",   "commit",  "release",
                                       "ship", "expire",  "available", "restock", NULL};

/* ---- reading the operations ----------------------------------------------------------- */

static ec_status get_id(const cJSON *obj, const char *key, const char **s, ec_error *err)
{
    const cJSON *f = NULL;
    size_t n = 0;
    EC_TRY(ec__jrequire(obj, key, &f, err));
    return ec__jid(f, key, s, &n, err);
}

static ec_status get_int(const cJSON *obj, const char *key, int64_t min, int64_t max, int64_t *out,
                         ec_error *err)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jrequire(obj, key, &f, err));
    return ec__jint(f, key, min, max, out, err);
}

static ec_status get_time(const cJSON *obj, int64_t *out, ec_error *err)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jrequire(obj, "at", &f, err));
    return ec__jtime(f, "at", out, err);
}

static const char *const set_keys[] = {
    "op", "sku", "location", "on_hand", "safety_stock", "backorder_limit", NULL};

static ec_status op_set(op_ctx *c, const cJSON *o)
{
    const char *sku = NULL, *loc = NULL;
    int64_t on_hand = 0, levels[2] = {0, 0};
    const int64_t *given[2] = {NULL, NULL};
    const char *const names[2] = {"safety_stock", "backorder_limit"};
    EC_TRY(ec__jkeys(o, set_keys, "a set operation", c->err));
    EC_TRY(get_id(o, "sku", &sku, c->err));
    EC_TRY(get_id(o, "location", &loc, c->err));
    EC_TRY(get_int(o, "on_hand", 0, EC_INVENTORY_MAX_STOCK, &on_hand, c->err));
    for (int i = 0; i < 2; i++) {
        const cJSON *f = ec__jget(o, names[i]);
        if (!f) continue;
        EC_TRY(ec__jint(f, names[i], 0, EC_INVENTORY_MAX_STOCK, &levels[i], c->err));
        given[i] = &levels[i];
    }
    return ec_inventory_set(c->inv, sku, loc, on_hand, given[0], given[1], c->res, c->err);
}

static const char *const receive_keys[] = {"op", "sku", "location", "quantity", NULL};

static ec_status op_receive(op_ctx *c, const cJSON *o)
{
    const char *sku = NULL, *loc = NULL;
    int64_t qty = 0;
    EC_TRY(ec__jkeys(o, receive_keys, "a receive operation", c->err));
    EC_TRY(get_id(o, "sku", &sku, c->err));
    EC_TRY(get_id(o, "location", &loc, c->err));
    EC_TRY(get_int(o, "quantity", 1, EC_INVENTORY_MAX_QUANTITY, &qty, c->err));
    return ec_inventory_receive(c->inv, sku, loc, qty, c->res, c->err);
}

static const char *const line_keys[] = {"sku", "quantity", NULL};

static ec_status read_line(op_ctx *c, const cJSON *v, const char **sku, int64_t *qty)
{
    EC_TRY(ec__jkeys(v, line_keys, "a line", c->err));
    EC_TRY(get_id(v, "sku", sku, c->err));
    return get_int(v, "quantity", 1, EC_INVENTORY_MAX_QUANTITY, qty, c->err);
}

static ec_status read_lines(op_ctx *c, const cJSON *o)
{
    const cJSON *lines = NULL;
    size_t n = 0, i = 0;
    EC_TRY(ec__jrequire(o, "lines", &lines, c->err));
    EC_FAIL_IF(cJSON_IsArray(lines) && !lines->child, c->err, EC_INVALID_FIELD, "lines",
               "lines must name at least one SKU");
    EC_TRY(ec__jarray(lines, "lines", EC_INVENTORY_MAX_LINES, &n, c->err));
    for (const cJSON *e = lines->child; e; e = e->next, i++) {
        const char *sku = NULL;
        int64_t qty = 0;
        ec_status st = read_line(c, e, &sku, &qty);
        if (st != EC_OK) {
            ec__error_prefix(c->err, "lines[%zu]", i);
            return st;
        }
        EC_TRY(ec_inventory_request_add_line(c->req, sku, qty, c->err));
    }
    return EC_OK;
}

static ec_status read_locations(op_ctx *c, const cJSON *o)
{
    const cJSON *locs = ec__jget(o, "locations");
    size_t n = 0, i = 0;
    if (!locs) return EC_OK;
    EC_TRY(ec__jarray(locs, "locations", EC_INVENTORY_MAX_LOCATIONS, &n, c->err));
    EC_FAIL_IF(n == 0, c->err, EC_INVALID_FIELD, "locations",
               "locations must name at least one location (leave it out for all)");
    for (const cJSON *e = locs->child; e; e = e->next, i++) {
        ec_status st =
            cJSON_IsString(e)
                ? ec_inventory_request_add_location(c->req, e->valuestring, c->err)
                : ec__fail(c->err, EC_INVALID_FIELD, NULL, "a location must be a string");
        if (st != EC_OK) {
            ec__error_field(c->err, "locations[%zu]", i);
            return st;
        }
    }
    return EC_OK;
}

static const char *const reserve_keys[] = {"op", "id",        "lines",    "ttl_seconds",
                                           "at", "locations", "strategy", NULL};
static const char *const strategy_names[] = {"priority", "single", NULL};

/* A reserve operation into c->req; the id may be left for the caller to
 * set (the reserve refuses a request without one). */
static ec_status read_reserve(op_ctx *c, const cJSON *o)
{
    const char *id = NULL;
    int64_t ttl = 0, at = 0;
    const cJSON *f = NULL;
    ec_inventory_request_reset(c->req);
    EC_TRY(ec__jkeys(o, reserve_keys, "a reserve operation", c->err));
    if ((f = ec__jget(o, "op"))) {
        int k = 0;
        EC_TRY(ec__jenum(f, "op", op_names, &k, c->err));
        EC_FAIL_IF(k != OP_RESERVE, c->err, EC_INVALID_FIELD, "op",
                   "the operation must be reserve");
    }
    if (ec__jget(o, "id")) {
        EC_TRY(get_id(o, "id", &id, c->err));
        EC_TRY(ec_inventory_request_set_id(c->req, id, c->err));
    }
    EC_TRY(read_lines(c, o));
    EC_TRY(get_int(o, "ttl_seconds", 1, EC_INVENTORY_MAX_TTL_SECONDS, &ttl, c->err));
    EC_TRY(ec_inventory_request_set_ttl(c->req, ttl, c->err));
    EC_TRY(get_time(o, &at, c->err));
    EC_TRY(ec_inventory_request_set_at(c->req, at, c->err));
    EC_TRY(read_locations(c, o));
    if ((f = ec__jget(o, "strategy"))) {
        int strategy = 0;
        EC_TRY(ec__jenum(f, "strategy", strategy_names, &strategy, c->err));
        EC_TRY(ec_inventory_request_set_strategy(c->req, strategy, c->err));
    }
    return EC_OK;
}

static ec_status op_reserve(op_ctx *c, const cJSON *o)
{
    EC_TRY(read_reserve(c, o));
    return ec_inventory_reserve(c->inv, c->req, c->res, c->err);
}

ec_status ec_inventory_request_from_json(ec_inventory_request *req, const char *json, size_t len,
                                         ec_error *err)
{
    EC_FAIL_IF(!req, err, EC_MISUSE, NULL, "request is NULL");
    op_ctx c = {NULL, req, NULL, err};
    cJSON *root = NULL;
    ec_status st = ec__jparse(json, len, &root, err);
    if (st == EC_OK) st = read_reserve(&c, root);
    cJSON_Delete(root);
    if (st != EC_OK) ec_inventory_request_reset(req);
    return st;
}

static const char *const commit_keys[] = {"op", "id", "order", "at", NULL};
static const char *const id_keys[] = {"op", "id", "lines", NULL};
static const char *const expire_keys[] = {"op", "at", NULL};
static const char *const available_keys[] = {"op", "sku", "at", NULL};

static ec_status op_commit(op_ctx *c, const cJSON *o)
{
    const char *id = NULL, *order = NULL;
    int64_t at = 0;
    EC_TRY(ec__jkeys(o, commit_keys, "a commit operation", c->err));
    EC_TRY(get_id(o, "id", &id, c->err));
    EC_TRY(get_id(o, "order", &order, c->err));
    EC_TRY(get_time(o, &at, c->err));
    return ec_inventory_commit(c->inv, id, order, at, c->res, c->err);
}

/* ship and release: the whole reservation, or with lines some of its
 * units; restock: always some units. */
static ec_status op_by_id(op_ctx *c, const cJSON *o, op_kind kind)
{
    static const char *const what[] = {[OP_SHIP] = "a ship operation",
                                       [OP_RELEASE] = "a release operation",
                                       [OP_RESTOCK] = "a restock operation"};
    const char *id = NULL;
    EC_TRY(ec__jkeys(o, id_keys, what[kind], c->err));
    EC_TRY(get_id(o, "id", &id, c->err));
    if (kind != OP_RESTOCK && !ec__jget(o, "lines"))
        return kind == OP_SHIP ? ec_inventory_ship(c->inv, id, c->res, c->err)
                               : ec_inventory_release(c->inv, id, c->res, c->err);
    ec_inventory_request_reset(c->req);
    EC_TRY(ec_inventory_request_set_id(c->req, id, c->err));
    EC_TRY(read_lines(c, o));
    if (kind == OP_SHIP) return ec_inventory_ship_units(c->inv, c->req, c->res, c->err);
    if (kind == OP_RELEASE) return ec_inventory_release_units(c->inv, c->req, c->res, c->err);
    return ec_inventory_restock_units(c->inv, c->req, c->res, c->err);
}

static ec_status op_expire(op_ctx *c, const cJSON *o)
{
    int64_t at = 0;
    EC_TRY(ec__jkeys(o, expire_keys, "an expire operation", c->err));
    EC_TRY(get_time(o, &at, c->err));
    return ec_inventory_expire(c->inv, at, c->res, c->err);
}

static ec_status op_available(op_ctx *c, const cJSON *o)
{
    const char *sku = NULL;
    int64_t at = 0;
    EC_TRY(ec__jkeys(o, available_keys, "an available operation", c->err));
    EC_TRY(get_id(o, "sku", &sku, c->err));
    EC_TRY(get_time(o, &at, c->err));
    return ec_inventory_available(c->inv, sku, at, c->res, c->err);
}

static ec_status run(op_ctx *c, const cJSON *o, op_kind *kind)
{
    const cJSON *f = NULL;
    int k = 0;
    EC_FAIL_IF(!cJSON_IsObject(o), c->err, EC_INVALID_FIELD, NULL,
               "an operation must be a JSON object");
    EC_TRY(ec__jrequire(o, "op", &f, c->err));
    EC_TRY(ec__jenum(f, "op", op_names, &k, c->err));
    *kind = (op_kind)k;
    switch (*kind) {
    case OP_SET:
        return op_set(c, o);
    case OP_RECEIVE:
        return op_receive(c, o);
    case OP_RESERVE:
        return op_reserve(c, o);
    case OP_COMMIT:
        return op_commit(c, o);
    case OP_RELEASE:
    case OP_SHIP:
    case OP_RESTOCK:
        return op_by_id(c, o, *kind);
    case OP_EXPIRE:
        return op_expire(c, o);
    case OP_AVAILABLE:
        return op_available(c, o);
    }
    return ec__fail(c->err, EC_INTERNAL, "op", NULL);
}

/* ---- writing the results ----------------------------------------------------------------- */

static void write_str_field(ec__buf *b, const char *key, const char *s)
{
    ec__buf_lit(b, key);
    ec__buf_str(b, s, strlen(s));
}

static void write_int_field(ec__buf *b, const char *key, int64_t v)
{
    ec__buf_lit(b, key);
    ec__buf_int(b, v);
}

static void write_stock_result(ec__buf *b, const ec_inventory_result *r)
{
    write_str_field(b, "{\"ok\":true,\"sku\":", ec_inventory_result_sku(r));
    write_str_field(b, ",\"location\":", ec_inventory_result_location(r));
    write_int_field(b, ",\"on_hand\":", ec_inventory_result_on_hand(r));
    write_int_field(b, ",\"safety_stock\":", ec_inventory_result_safety_stock(r));
    write_int_field(b, ",\"backorder_limit\":", ec_inventory_result_backorder_limit(r));
    ec__buf_lit(b, "}");
}

static void write_reservation_result(ec__buf *b, const ec_inventory_result *r, int ok_member)
{
    write_str_field(b, ok_member ? "{\"ok\":true,\"id\":" : "{\"id\":", ec_inventory_result_id(r));
    ec__buf_lit(b,
                ec_inventory_result_duplicate(r) ? ",\"duplicate\":true" : ",\"duplicate\":false");
    ec__buf_lit(b, ",\"status\":\"");
    ec__buf_lit(b, ec_reservation_status_name(ec_inventory_result_status(r)));
    ec__buf_lit(b, "\"");
    if (ec_inventory_result_order(r))
        write_str_field(b, ",\"order\":", ec_inventory_result_order(r));
    ec__buf_lit(b, ",\"lines\":[");
    for (size_t i = 0; i < ec_inventory_result_line_count(r); i++) {
        write_str_field(b, i ? ",{\"sku\":" : "{\"sku\":", ec_inventory_result_line_sku(r, i));
        write_str_field(b, ",\"location\":", ec_inventory_result_line_location(r, i));
        write_int_field(b, ",\"quantity\":", ec_inventory_result_line_quantity(r, i));
        ec__buf_lit(b, "}");
    }
    ec__buf_lit(b, "],\"expires_at\":");
    ec__inv_json_time(b, ec_inventory_result_expires_at(r));
    ec__buf_lit(b, "}");
}

static void write_expired(ec__buf *b, const ec_inventory_result *r)
{
    ec__buf_lit(b, "{\"ok\":true,\"expired\":[");
    for (size_t i = 0; i < ec_inventory_result_expired_count(r); i++)
        write_str_field(b, i ? "," : "", ec_inventory_result_expired_id(r, i));
    ec__buf_lit(b, "]}");
}

static void write_available(ec__buf *b, const ec_inventory_result *r)
{
    write_str_field(b, "{\"ok\":true,\"sku\":", ec_inventory_result_sku(r));
    write_int_field(b, ",\"available\":", ec_inventory_result_available(r));
    ec__buf_lit(b, ",\"locations\":{");
    for (size_t i = 0; i < ec_inventory_result_location_count(r); i++) {
        write_str_field(b, i ? "," : "", ec_inventory_result_location_name(r, i));
        write_int_field(b, ":", ec_inventory_result_location_available(r, i));
    }
    ec__buf_lit(b, "}}");
}

static void write_failure(ec__buf *b, const ec_error *err, const ec_inventory_result *r)
{
    write_str_field(b, "{\"ok\":false,\"error\":{\"code\":", ec_status_name(err->code));
    write_str_field(b, ",\"message\":", err->message);
    if (err->field[0]) write_str_field(b, ",\"field\":", err->field);
    if (r && ec_inventory_result_shortage_sku(r)) {
        write_str_field(b, ",\"sku\":", ec_inventory_result_shortage_sku(r));
        if (ec_inventory_result_shortage_location(r))
            write_str_field(b, ",\"location\":", ec_inventory_result_shortage_location(r));
        write_int_field(b, ",\"requested\":", ec_inventory_result_shortage_requested(r));
        write_int_field(b, ",\"available\":", ec_inventory_result_shortage_available(r));
    }
    ec__buf_lit(b, "}}");
}

static void write_success(ec__buf *b, op_kind kind, const ec_inventory_result *r)
{
    switch (kind) {
    case OP_SET:
    case OP_RECEIVE:
        write_stock_result(b, r);
        return;
    case OP_EXPIRE:
        write_expired(b, r);
        return;
    case OP_AVAILABLE:
        write_available(b, r);
        return;
    default:
        write_reservation_result(b, r, 1);
        return;
    }
}

/* ---- entry points -------------------------------------------------------------------------- */

/* The codec's request and result live in the inventory, made on first use. */
static ec_status codec_objects(ec_inventory *inv, op_ctx *c, ec_error *err)
{
    if (!inv->codec_req) inv->codec_req = ec_inventory_request_new_ex(inv->alloc);
    if (!inv->codec_res) inv->codec_res = ec_inventory_result_new_ex(inv->alloc);
    EC_FAIL_IF(!inv->codec_req || !inv->codec_res, err, EC_NO_MEMORY, NULL, NULL);
    *c = (op_ctx){inv, inv->codec_req, inv->codec_res, err};
    return EC_OK;
}

/* An operation that changes the inventory calls this once its result is
 * known and before its first change: the document is written then, so that
 * running out of memory for it still leaves the inventory untouched. */
typedef struct early_writer {
    ec__buf *b;
    const op_kind *kind;
    int written;
} early_writer;

static int write_early(void *ctx, const ec_inventory_result *r)
{
    early_writer *w = ctx;
    w->b->len = 0;
    write_success(w->b, *w->kind, r);
    w->written = ec__buf_finish(w->b);
    return w->written;
}

/* Run one operation and write its result document into b. */
static ec_status apply(ec_inventory *inv, const char *json, size_t len, ec__buf *b, ec_error *err)
{
    op_ctx c = {inv, NULL, NULL, err};
    EC_TRY(codec_objects(inv, &c, err));
    cJSON *root = NULL;
    op_kind kind = OP_SET;
    early_writer w = {b, &kind, 0};
    ec_error_clear(err);
    /* a refusal before the operation runs must not show the last one's
     * shortage */
    ec__inv_result_clear(c.res);
    ec__inv_result_on_ready(c.res, write_early, &w);
    ec_status st = ec__jparse(json, len, &root, err);
    if (st == EC_OK) st = run(&c, root, &kind);
    cJSON_Delete(root);
    ec__inv_result_on_ready(c.res, NULL, NULL);
    if (st == EC_OK && w.written) return EC_OK;
    b->len = 0;
    b->failed = 0;
    if (st == EC_OK)
        write_success(b, kind, c.res);
    else
        write_failure(b, err, c.res);
    if (!ec__buf_finish(b)) return ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    return st;
}

ec_status ec_inventory_apply_json(ec_inventory *inv, const char *op_json, size_t len, char **out,
                                  size_t *out_len, ec_error *err)
{
    ec_error local;
    if (!err) err = &local; /* the result document needs the detail */
    EC_FAIL_IF(!out, err, EC_MISUSE, NULL, "out is NULL");
    *out = NULL;
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    ec__buf b = {0}; /* malloc'd: the caller releases it with ec_free() */
    ec_status st = apply(inv, op_json, len, &b, err);
    if (b.failed || !b.p) {
        ec__dealloc(NULL, b.p);
        return st;
    }
    *out = b.p;
    if (out_len) *out_len = b.len;
    return st;
}

ec_status ec_inventory_apply_json_view(ec_inventory *inv, const char *op_json, size_t len,
                                       const char **out, size_t *out_len, ec_error *err)
{
    ec_error local;
    if (!err) err = &local;
    if (out) *out = NULL;
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    ec__buf b = {inv->alloc, inv->codec_out, 0, inv->codec_out_cap, 0};
    ec_status st = apply(inv, op_json, len, &b, err);
    inv->codec_out = b.p;
    inv->codec_out_cap = b.cap;
    if (b.failed || !b.p) return st;
    if (out) *out = b.p;
    if (out_len) *out_len = b.len;
    return st;
}

ec_status ec_inventory_reservation_to_json(const ec_inventory_result *r, char **out,
                                           size_t *out_len)
{
    if (!out) return EC_MISUSE;
    *out = NULL;
    if (!r || !ec_inventory_result_id(r)) return EC_MISUSE;
    ec__buf b = {0};
    write_reservation_result(&b, r, 0);
    return ec__buf_take(&b, out, out_len);
}
