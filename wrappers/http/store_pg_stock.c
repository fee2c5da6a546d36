/* store_pg_stock.c - the PostgreSQL adapter's inventory rows: loading the
 * part of the inventory an operation touches as a state document, and
 * writing back the rows that changed (the same documents as the SQLite
 * store, so the library sees no difference).
 *
 * No oversell across instances: a write transaction first locks the named
 * reservation, then the stock rows of every SKU it touches, in (sku,
 * location) order, and only then sums what other reservations hold.  Two
 * operations on a common SKU therefore run one after the other, and at
 * READ COMMITTED the second one's sums include the first one's committed
 * lines.  The fixed order means two such transactions cannot deadlock. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"

/* Add the string to the array unless present. */
static int add_unique(cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0) return 1;
    cJSON *v = cJSON_CreateString(s);
    return v && cJSON_AddItemToArray(arr, v);
}

/* The named reservation into `out`; the SKUs it sits on into `closure`. */
static ec_status load_named(pg_conn *c, const char *id, int lock, cJSON *out, cJSON *closure)
{
    const char *vals[1] = {id};
    PGresult *res = pg_run(c,
                           lock ? "SELECT doc FROM reservations WHERE id = $1 FOR UPDATE"
                                : "SELECT doc FROM reservations WHERE id = $1",
                           1, vals, NULL, NULL, 0, NULL);
    if (!res) return EC_UNAVAILABLE;
    ec_status rc = EC_OK;
    for (int i = 0; i < PQntuples(res) && rc == EC_OK; i++) {
        cJSON *doc = cJSON_Parse(PQgetvalue(res, i, 0));
        if (!doc || !cJSON_AddItemToArray(out, doc)) {
            cJSON_Delete(doc);
            rc = EC_UNAVAILABLE;
            break;
        }
        const cJSON *line;
        cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(doc, "lines"))
        {
            const cJSON *sku = cJSON_GetObjectItemCaseSensitive(line, "sku");
            if (cJSON_IsString(sku) && !add_unique(closure, sku->valuestring)) rc = EC_NO_MEMORY;
        }
    }
    PQclear(res);
    return rc;
}

/* One stand-in reservation holding `qty` at a location. */
static int add_held(cJSON *out, int *n, const char *sku, const char *location, int64_t qty)
{
    char id[40];
    snprintf(id, sizeof id, "%s%d", PG_HELD_PREFIX, (*n)++);
    cJSON *r = cJSON_CreateObject(), *lines = cJSON_CreateArray(), *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "sku", sku);
    cJSON_AddStringToObject(line, "location", location);
    cJSON_AddNumberToObject(line, "quantity", (double)qty);
    cJSON_AddItemToArray(lines, line);
    cJSON_AddStringToObject(r, "id", id);
    cJSON_AddItemToObject(r, "lines", lines);
    cJSON_AddStringToObject(r, "status", "committed");
    cJSON_AddStringToObject(r, "expires_at", "9999-12-31T00:00:00Z");
    cJSON_AddStringToObject(r, "order", PG_HELD_PREFIX);
    return cJSON_AddItemToArray(out, r);
}

/* What every other reservation holds, summed per SKU and location, as
 * stand-in committed reservations (see store_sqlite_stock.c for why). */
static ec_status load_held(pg_conn *c, const char *skus, const char *id, int64_t now, cJSON *out)
{
    char b[PG_INT_BUF];
    const char *vals[3] = {skus, id ? id : "", pg_int(b, now)};
    PGresult *res = pg_run(
        c,
        "SELECT l.sku, l.location, sum(l.quantity) FROM reservation_lines l"
        " JOIN reservations r ON r.id = l.reservation_id"
        " WHERE l.sku IN (SELECT json_array_elements_text($1::json)) AND r.id <> $2"
        " AND (r.status = 'committed' OR (r.status = 'active' AND r.expires_at > $3::bigint))"
        " GROUP BY l.sku, l.location ORDER BY l.sku, l.location",
        3, vals, NULL, NULL, 0, NULL);
    if (!res) return EC_UNAVAILABLE;
    ec_status rc = EC_OK;
    int n = 0;
    for (int i = 0; i < PQntuples(res) && rc == EC_OK; i++) {
        const char *sku = PQgetvalue(res, i, 0), *loc = PQgetvalue(res, i, 1);
        /* A stored line holds at most EC_INVENTORY_MAX_LINE_QUANTITY. */
        for (int64_t left = strtoll(PQgetvalue(res, i, 2), NULL, 10); left > 0 && rc == EC_OK;) {
            int64_t part =
                left < EC_INVENTORY_MAX_LINE_QUANTITY ? left : EC_INVENTORY_MAX_LINE_QUANTITY;
            if (!add_held(out, &n, sku, loc, part)) rc = EC_NO_MEMORY;
            left -= part;
        }
    }
    PQclear(res);
    return rc;
}

static ec_status load_stock(pg_conn *c, const char *skus, int lock, cJSON *out)
{
    const char *vals[1] = {skus};
    PGresult *res =
        pg_run(c,
               lock ? "SELECT sku, location, on_hand, safety_stock, backorder_limit"
                      " FROM stock WHERE sku IN (SELECT json_array_elements_text($1::json))"
                      " ORDER BY sku, location FOR UPDATE"
                    : "SELECT sku, location, on_hand, safety_stock, backorder_limit"
                      " FROM stock WHERE sku IN (SELECT json_array_elements_text($1::json))"
                      " ORDER BY sku, location",
               1, vals, NULL, NULL, 0, NULL);
    if (!res) return EC_UNAVAILABLE;
    ec_status rc = EC_OK;
    for (int i = 0; i < PQntuples(res); i++) {
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(out, e)) {
            cJSON_Delete(e);
            rc = EC_NO_MEMORY;
            break;
        }
        cJSON_AddStringToObject(e, "sku", PQgetvalue(res, i, 0));
        cJSON_AddStringToObject(e, "location", PQgetvalue(res, i, 1));
        /* Stock counts stay below 2^53 (EC_INVENTORY_MAX_STOCK): exact as doubles. */
        cJSON_AddNumberToObject(e, "on_hand", (double)strtoll(PQgetvalue(res, i, 2), NULL, 10));
        cJSON_AddNumberToObject(e, "safety_stock",
                                (double)strtoll(PQgetvalue(res, i, 3), NULL, 10));
        cJSON_AddNumberToObject(e, "backorder_limit",
                                (double)strtoll(PQgetvalue(res, i, 4), NULL, 10));
    }
    PQclear(res);
    return rc;
}

ec_status pg_stock_load_conn(pg_conn *c, const char *skus_json, const char *id, int64_t now,
                             int lock, char **state)
{
    *state = NULL;
    cJSON *skus = cJSON_Parse(skus_json);
    cJSON *doc = cJSON_CreateObject();
    cJSON *stock = cJSON_AddArrayToObject(doc, "stock");
    cJSON *res = cJSON_AddArrayToObject(doc, "reservations");
    ec_status st = cJSON_IsArray(skus) && stock && res ? EC_OK : EC_NO_MEMORY;
    if (st == EC_OK && id) st = load_named(c, id, lock, res, skus);
    char *list = st == EC_OK ? cJSON_PrintUnformatted(skus) : NULL;
    /* Stock rows (locked) before the sums: see the top of this file. */
    if (st == EC_OK) st = list ? load_stock(c, list, lock, stock) : EC_NO_MEMORY;
    if (st == EC_OK) st = load_held(c, list, id, now, res);
    free(list);
    if (st == EC_OK && !(*state = cJSON_PrintUnformatted(doc))) st = EC_NO_MEMORY;
    cJSON_Delete(skus);
    cJSON_Delete(doc);
    return st;
}

/* ---- writing back ------------------------------------------------------------------- */

static const cJSON *find_by(const cJSON *arr, const char *k1, const char *v1, const char *k2,
                            const char *v2)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        const char *a = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, k1));
        const char *b = k2 ? cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, k2)) : NULL;
        if (a && strcmp(a, v1) == 0 && (!k2 || (b && strcmp(b, v2) == 0))) return it;
    }
    return NULL;
}

static int64_t num(const cJSON *obj, const char *key)
{
    return (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static const char *str(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static ec_status save_stock(pg_conn *c, const cJSON *e)
{
    if (!str(e, "sku") || !str(e, "location")) return EC_UNAVAILABLE;
    char b1[PG_INT_BUF], b2[PG_INT_BUF], b3[PG_INT_BUF];
    const char *vals[5] = {str(e, "sku"), str(e, "location"), pg_int(b1, num(e, "on_hand")),
                           pg_int(b2, num(e, "safety_stock")),
                           pg_int(b3, num(e, "backorder_limit"))};
    return pg_do(
        c,
        "INSERT INTO stock(sku, location, on_hand, safety_stock, backorder_limit)"
        " VALUES ($1, $2, $3::bigint, $4::bigint, $5::bigint)"
        " ON CONFLICT(sku, location) DO UPDATE SET on_hand = excluded.on_hand,"
        " safety_stock = excluded.safety_stock, backorder_limit = excluded.backorder_limit",
        5, vals);
}

static ec_status save_lines(pg_conn *c, const char *id, const cJSON *lines)
{
    const char *del[1] = {id};
    ec_status rc = pg_do(c, "DELETE FROM reservation_lines WHERE reservation_id = $1", 1, del);
    const cJSON *line;
    cJSON_ArrayForEach(line, lines)
    {
        if (rc != EC_OK) break;
        char b[PG_INT_BUF];
        const char *vals[4] = {id, str(line, "sku"), str(line, "location"),
                               pg_int(b, num(line, "quantity"))};
        rc = pg_do(c,
                   "INSERT INTO reservation_lines(reservation_id, sku, location, quantity)"
                   " VALUES ($1, $2, $3, $4::bigint) ON CONFLICT(reservation_id, sku, location)"
                   " DO UPDATE SET quantity = reservation_lines.quantity + excluded.quantity",
                   4, vals);
    }
    return rc;
}

static ec_status save_reservation(pg_conn *c, const cJSON *r, int lines_changed)
{
    const char *id = str(r, "id"), *expires = str(r, "expires_at");
    int64_t expires_us = 0;
    if (!id || !expires || ec_time_parse(expires, strlen(expires), &expires_us, NULL) != EC_OK)
        return EC_INTERNAL;
    char *doc = cJSON_PrintUnformatted(r);
    if (!doc) return EC_NO_MEMORY;
    char b[PG_INT_BUF];
    const char *vals[5] = {id, str(r, "status"), pg_int(b, expires_us), str(r, "order"), doc};
    ec_status rc = pg_do(c,
                         "INSERT INTO reservations(id, status, expires_at, order_id, doc)"
                         " VALUES ($1, $2, $3::bigint, $4, $5) ON CONFLICT(id) DO UPDATE SET"
                         " status = excluded.status, expires_at = excluded.expires_at,"
                         " order_id = excluded.order_id, doc = excluded.doc",
                         5, vals);
    free(doc);
    if (rc == EC_OK && lines_changed)
        rc = save_lines(c, id, cJSON_GetObjectItemCaseSensitive(r, "lines"));
    return rc;
}

static ec_status save_changes(pg_conn *c, const cJSON *before, const cJSON *after)
{
    ec_status rc = EC_OK;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(after, "stock"))
    {
        const cJSON *old = find_by(cJSON_GetObjectItemCaseSensitive(before, "stock"), "sku",
                                   str(e, "sku"), "location", str(e, "location"));
        if (rc == EC_OK && (!old || !cJSON_Compare(old, e, 1))) rc = save_stock(c, e);
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(after, "reservations"))
    {
        const cJSON *old = find_by(cJSON_GetObjectItemCaseSensitive(before, "reservations"), "id",
                                   str(e, "id"), NULL, NULL);
        if (rc != EC_OK || (old && cJSON_Compare(old, e, 1))) continue;
        if (strncmp(str(e, "id"), PG_HELD_PREFIX, strlen(PG_HELD_PREFIX)) == 0) return EC_INTERNAL;
        const cJSON *old_lines = old ? cJSON_GetObjectItemCaseSensitive(old, "lines") : NULL;
        int lines_changed =
            !old_lines ||
            !cJSON_Compare(old_lines, cJSON_GetObjectItemCaseSensitive(e, "lines"), 1);
        rc = save_reservation(c, e, lines_changed);
    }
    return rc;
}

ec_status pg_stock_save_conn(pg_conn *c, const char *before_json, const char *after_json)
{
    cJSON *before = cJSON_Parse(before_json), *after = cJSON_Parse(after_json);
    ec_status rc = before && after ? save_changes(c, before, after) : EC_NO_MEMORY;
    cJSON_Delete(before);
    cJSON_Delete(after);
    return rc;
}
