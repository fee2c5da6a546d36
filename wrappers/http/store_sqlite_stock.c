/* store_sqlite_stock.c - the SQLite adapter's inventory rows: loading the
 * part of the inventory an operation touches as a state document (the
 * SKUs' stock rows, the reservation it names, and what all other
 * reservations hold, summed), and writing back the rows that changed.
 *
 * The library does the inventory logic; this file only moves rows.  Within
 * one BEGIN IMMEDIATE transaction nobody else writes, so the loaded part is
 * exact and the operation's checks (no oversell) hold for the database. */
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_sqlite.h"

/* Add the string to the array unless present. */
static int add_unique(cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0) return 1;
    cJSON *v = cJSON_CreateString(s);
    return v && cJSON_AddItemToArray(arr, v);
}

/* The named reservation into `out`; the SKUs it sits on into `closure`. */
static ec_status load_named(sq_conn *c, const char *id, cJSON *out, cJSON *closure)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_RES_LOAD);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *doc = cJSON_Parse((const char *)sqlite3_column_text(st, 0));
        if (!doc || !cJSON_AddItemToArray(out, doc)) {
            cJSON_Delete(doc);
            rc = SQLITE_CORRUPT;
            break;
        }
        const cJSON *line;
        cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(doc, "lines"))
        {
            const cJSON *sku = cJSON_GetObjectItemCaseSensitive(line, "sku");
            if (cJSON_IsString(sku) && !add_unique(closure, sku->valuestring)) rc = SQLITE_NOMEM;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? EC_OK : EC_UNAVAILABLE;
}

/* One stand-in reservation holding `qty` at a location. */
static int add_held(cJSON *out, int *n, const char *sku, const char *location, int64_t qty)
{
    char id[40];
    snprintf(id, sizeof id, "%s%d", SQ_HELD_PREFIX, (*n)++);
    cJSON *r = cJSON_CreateObject(), *lines = cJSON_CreateArray(), *line = cJSON_CreateObject();
    cJSON_AddStringToObject(line, "sku", sku);
    cJSON_AddStringToObject(line, "location", location);
    cJSON_AddNumberToObject(line, "quantity", (double)qty);
    cJSON_AddItemToArray(lines, line);
    cJSON_AddStringToObject(r, "id", id);
    cJSON_AddItemToObject(r, "lines", lines);
    cJSON_AddStringToObject(r, "status", "committed");
    cJSON_AddStringToObject(r, "expires_at", "9999-12-31T00:00:00Z");
    cJSON_AddStringToObject(r, "order", SQ_HELD_PREFIX);
    return cJSON_AddItemToArray(out, r);
}

/* What every other reservation holds, summed per SKU and location, as
 * stand-in committed reservations: the library's checks at `now` see the
 * same availability as with every reservation loaded, and a write costs
 * the locations of its SKUs rather than their reservations.  Stand-ins
 * never change, so they are never written back. */
static ec_status load_held(sq_conn *c, const char *skus, const char *id, int64_t now, cJSON *out)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_HELD_LOAD);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, skus, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id ? id : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    int rc, n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *sku = (const char *)sqlite3_column_text(st, 0);
        const char *loc = (const char *)sqlite3_column_text(st, 1);
        /* A stored line holds at most EC_INVENTORY_MAX_LINE_QUANTITY. */
        for (int64_t left = sqlite3_column_int64(st, 2); left > 0 && rc == SQLITE_ROW;) {
            int64_t part =
                left < EC_INVENTORY_MAX_LINE_QUANTITY ? left : EC_INVENTORY_MAX_LINE_QUANTITY;
            if (!add_held(out, &n, sku, loc, part)) rc = SQLITE_NOMEM;
            left -= part;
        }
        if (rc != SQLITE_ROW) break;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? EC_OK : EC_UNAVAILABLE;
}

static ec_status load_stock(sq_conn *c, const char *skus, cJSON *out)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_STOCK_LOAD);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, skus, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(out, e)) {
            cJSON_Delete(e);
            rc = SQLITE_NOMEM;
            break;
        }
        cJSON_AddStringToObject(e, "sku", (const char *)sqlite3_column_text(st, 0));
        cJSON_AddStringToObject(e, "location", (const char *)sqlite3_column_text(st, 1));
        /* Stock counts stay below 2^53 (EC_INVENTORY_MAX_STOCK): exact as doubles. */
        cJSON_AddNumberToObject(e, "on_hand", (double)sqlite3_column_int64(st, 2));
        cJSON_AddNumberToObject(e, "safety_stock", (double)sqlite3_column_int64(st, 3));
        cJSON_AddNumberToObject(e, "backorder_limit", (double)sqlite3_column_int64(st, 4));
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? EC_OK : EC_UNAVAILABLE;
}

ec_status sq_stock_load_conn(sq_conn *c, const char *skus_json, const char *id, int64_t now,
                             char **state)
{
    *state = NULL;
    cJSON *skus = cJSON_Parse(skus_json);
    cJSON *doc = cJSON_CreateObject();
    cJSON *stock = cJSON_AddArrayToObject(doc, "stock");
    cJSON *res = cJSON_AddArrayToObject(doc, "reservations");
    ec_status st = cJSON_IsArray(skus) && stock && res ? EC_OK : EC_NO_MEMORY;
    if (st == EC_OK && id) st = load_named(c, id, res, skus);
    char *list = st == EC_OK ? cJSON_PrintUnformatted(skus) : NULL;
    if (st == EC_OK) st = list ? load_held(c, list, id, now, res) : EC_NO_MEMORY;
    if (st == EC_OK) st = load_stock(c, list, stock);
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

static ec_status save_stock(sq_conn *c, const cJSON *e)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_STOCK_SAVE);
    if (!st || !str(e, "sku") || !str(e, "location")) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, str(e, "sku"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, str(e, "location"), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, num(e, "on_hand"));
    sqlite3_bind_int64(st, 4, num(e, "safety_stock"));
    sqlite3_bind_int64(st, 5, num(e, "backorder_limit"));
    return sq_step_done(c, st);
}

static ec_status save_lines(sq_conn *c, const char *id, const cJSON *lines)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_RES_LINES_DELETE);
    if (!st) return EC_UNAVAILABLE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    ec_status rc = sq_step_done(c, st);
    const cJSON *line;
    cJSON_ArrayForEach(line, lines)
    {
        if (rc != EC_OK || !(st = sq_stmt(c, SQ_RES_LINE_SAVE))) return EC_UNAVAILABLE;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, str(line, "sku"), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, str(line, "location"), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, num(line, "quantity"));
        rc = sq_step_done(c, st);
    }
    return rc;
}

static ec_status save_reservation(sq_conn *c, const cJSON *r, int lines_changed)
{
    const char *id = str(r, "id"), *expires = str(r, "expires_at");
    int64_t expires_us = 0;
    if (!id || !expires || ec_time_parse(expires, strlen(expires), &expires_us, NULL) != EC_OK)
        return EC_INTERNAL;
    char *doc = cJSON_PrintUnformatted(r);
    sqlite3_stmt *st = doc ? sq_stmt(c, SQ_RES_SAVE) : NULL;
    if (!st) {
        free(doc);
        return doc ? EC_UNAVAILABLE : EC_NO_MEMORY;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, str(r, "status"), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, expires_us);
    if (str(r, "order")) sqlite3_bind_text(st, 4, str(r, "order"), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, doc, -1, SQLITE_STATIC);
    ec_status rc = sq_step_done(c, st);
    free(doc);
    if (rc == EC_OK && lines_changed)
        rc = save_lines(c, id, cJSON_GetObjectItemCaseSensitive(r, "lines"));
    return rc;
}

static ec_status save_changes(sq_conn *c, const cJSON *before, const cJSON *after)
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
        if (strncmp(str(e, "id"), SQ_HELD_PREFIX, strlen(SQ_HELD_PREFIX)) == 0) return EC_INTERNAL;
        const cJSON *old_lines = old ? cJSON_GetObjectItemCaseSensitive(old, "lines") : NULL;
        int lines_changed =
            !old_lines ||
            !cJSON_Compare(old_lines, cJSON_GetObjectItemCaseSensitive(e, "lines"), 1);
        rc = save_reservation(c, e, lines_changed);
    }
    return rc;
}

ec_status sq_stock_save_conn(sq_conn *c, const char *before_json, const char *after_json)
{
    cJSON *before = cJSON_Parse(before_json), *after = cJSON_Parse(after_json);
    ec_status rc = before && after ? save_changes(c, before, after) : EC_NO_MEMORY;
    cJSON_Delete(before);
    cJSON_Delete(after);
    return rc;
}
