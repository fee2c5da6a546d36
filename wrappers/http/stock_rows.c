/* stock_rows.c - inventory rows to state documents and back, for every
 * store adapter (see stock_rows.h).
 *
 * The library does the inventory logic; this file only decides which rows
 * an operation sees and which rows its result changes.  What other
 * reservations hold enters the document as stand-in committed reservations,
 * one per location (split when above the largest line a document may
 * carry): the library's checks at `now` see the same availability as with
 * every reservation loaded, and stand-ins never change, so they are never
 * written back. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"
#include "stock_rows.h"

static const cJSON *field(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

static const char *str(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(field(obj, key));
}

/* Stock counts stay below 2^53 (EC_INVENTORY_MAX_STOCK): exact as doubles. */
static int64_t num(const cJSON *obj, const char *key)
{
    return (int64_t)cJSON_GetNumberValue(field(obj, key));
}

/* Whether a reservation counts in its locations' `held`. */
static int counted(const cJSON *r)
{
    const char *status = r ? str(r, "status") : NULL;
    return status && (strcmp(status, "active") == 0 || strcmp(status, "committed") == 0);
}

/* ---- loading -------------------------------------------------------------------------- */

/* What others hold at one loaded location; the strings belong to the document. */
typedef struct held_slot {
    const char *sku, *location;
    int64_t held;
} held_slot;

typedef struct loading {
    cJSON *stock;
    held_slot *slots;
    size_t n, cap;
} loading;

static held_slot *slot_of(loading *l, const char *sku, const char *location)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->slots[i].sku, sku) == 0 && strcmp(l->slots[i].location, location) == 0)
            return &l->slots[i];
    return NULL;
}

static ec_status on_stock(void *ctx, const ecomd_stock_row *row)
{
    loading *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        held_slot *grown = realloc(l->slots, cap * sizeof *grown);
        if (!grown) return EC_NO_MEMORY;
        l->slots = grown;
        l->cap = cap;
    }
    cJSON *e = cJSON_CreateObject();
    if (!e || !cJSON_AddItemToArray(l->stock, e)) {
        cJSON_Delete(e);
        return EC_NO_MEMORY;
    }
    cJSON *sku = cJSON_AddStringToObject(e, "sku", row->sku);
    cJSON *location = cJSON_AddStringToObject(e, "location", row->location);
    if (!sku || !location || !cJSON_AddNumberToObject(e, "on_hand", (double)row->on_hand) ||
        !cJSON_AddNumberToObject(e, "safety_stock", (double)row->safety_stock) ||
        !cJSON_AddNumberToObject(e, "backorder_limit", (double)row->backorder_limit))
        return EC_NO_MEMORY;
    l->slots[l->n++] = (held_slot){sku->valuestring, location->valuestring, row->held};
    return EC_OK;
}

/* Lapsed lines no longer hold anything: take them out of `held`. */
static ec_status on_lapsed(void *ctx, const ecomd_stock_row *row)
{
    held_slot *slot = slot_of(ctx, row->sku, row->location);
    if (slot) slot->held -= row->held;
    return EC_OK;
}

/* Add the string to the array unless present. */
static int add_unique(cJSON *arr, const char *s)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0) return 1;
    cJSON *v = cJSON_CreateString(s);
    return v && cJSON_AddItemToArray(arr, v);
}

/* The named reservation into the document; the SKUs it sits on into `skus`. */
static ec_status load_named(const ecomd_stock_io *io, void *conn, const char *id, cJSON *out,
                            cJSON *skus, cJSON **named)
{
    char *text = NULL;
    ec_status st = io->reservation(conn, id, &text);
    if (st != EC_OK || !text) return st;
    cJSON *doc = cJSON_Parse(text);
    free(text);
    if (!doc || !cJSON_AddItemToArray(out, doc)) {
        cJSON_Delete(doc);
        return EC_INTERNAL;
    }
    const cJSON *line;
    cJSON_ArrayForEach(line, field(doc, "lines"))
    {
        const char *sku = str(line, "sku");
        if (sku && !add_unique(skus, sku)) return EC_NO_MEMORY;
    }
    *named = doc;
    return EC_OK;
}

/* One stand-in reservation holding `qty` at a location. */
static int add_stand_in(cJSON *out, int *n, const char *sku, const char *location, int64_t qty)
{
    char id[40];
    snprintf(id, sizeof id, "%s%d", ECOMD_HELD_PREFIX, (*n)++);
    cJSON *r = cJSON_CreateObject(), *lines = cJSON_CreateArray(), *line = cJSON_CreateObject();
    int ok = r && lines && line && cJSON_AddStringToObject(line, "sku", sku) &&
             cJSON_AddStringToObject(line, "location", location) &&
             cJSON_AddNumberToObject(line, "quantity", (double)qty) &&
             cJSON_AddItemToArray(lines, line);
    if (!ok) cJSON_Delete(line);
    ok = ok && cJSON_AddStringToObject(r, "id", id) && cJSON_AddItemToObject(r, "lines", lines);
    if (!ok) cJSON_Delete(lines);
    ok = ok && cJSON_AddStringToObject(r, "status", "committed") &&
         cJSON_AddStringToObject(r, "expires_at", "9999-12-31T00:00:00Z") &&
         cJSON_AddStringToObject(r, "order", ECOMD_HELD_PREFIX) && cJSON_AddItemToArray(out, r);
    if (!ok) cJSON_Delete(r);
    return ok;
}

/* What others hold, as stand-ins: `held` less the named reservation's own
 * lines (it is in the document itself). */
static ec_status add_stand_ins(loading *l, const cJSON *named, cJSON *out)
{
    const cJSON *line;
    if (counted(named)) {
        cJSON_ArrayForEach(line, field(named, "lines"))
        {
            held_slot *slot = str(line, "sku") && str(line, "location")
                                  ? slot_of(l, str(line, "sku"), str(line, "location"))
                                  : NULL;
            if (slot) slot->held -= num(line, "quantity");
        }
    }
    int n = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->slots[i].held < 0) return EC_INTERNAL; /* rows out of step */
        for (int64_t left = l->slots[i].held; left > 0;) {
            int64_t part =
                left < EC_INVENTORY_MAX_LINE_QUANTITY ? left : EC_INVENTORY_MAX_LINE_QUANTITY;
            if (!add_stand_in(out, &n, l->slots[i].sku, l->slots[i].location, part))
                return EC_NO_MEMORY;
            left -= part;
        }
    }
    return EC_OK;
}

ec_status ecomd_stock_load(const ecomd_stock_io *io, void *conn, const char *skus_json,
                           const char *id, int64_t now_us, char **state)
{
    *state = NULL;
    cJSON *skus = cJSON_Parse(skus_json), *doc = cJSON_CreateObject(), *named = NULL;
    loading l = {cJSON_AddArrayToObject(doc, "stock"), NULL, 0, 0};
    cJSON *res = cJSON_AddArrayToObject(doc, "reservations");
    ec_status st = cJSON_IsArray(skus) && l.stock && res ? EC_OK : EC_NO_MEMORY;
    if (st == EC_OK && id) st = load_named(io, conn, id, res, skus, &named);
    char *list = st == EC_OK ? cJSON_PrintUnformatted(skus) : NULL;
    if (st == EC_OK && !list) st = EC_NO_MEMORY;
    /* Stock rows first: a write locks them before reading anything else. */
    if (st == EC_OK) st = io->stock(conn, list, on_stock, &l);
    if (st == EC_OK) st = io->lapsed(conn, list, id ? id : "", now_us, on_lapsed, &l);
    if (st == EC_OK) st = add_stand_ins(&l, named, res);
    if (st == EC_OK && !(*state = cJSON_PrintUnformatted(doc))) st = EC_NO_MEMORY;
    free(list);
    free(l.slots);
    cJSON_Delete(skus);
    cJSON_Delete(doc);
    return st;
}

/* ---- writing back --------------------------------------------------------------------- */

static const cJSON *find_by(const cJSON *arr, const char *k1, const char *v1, const char *k2,
                            const char *v2)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        const char *a = str(it, k1), *b = k2 ? str(it, k2) : NULL;
        if (a && strcmp(a, v1) == 0 && (!k2 || (b && strcmp(b, v2) == 0))) return it;
    }
    return NULL;
}

static ec_status save_stock(const ecomd_stock_io *io, void *conn, const cJSON *e)
{
    ecomd_stock_row row = {str(e, "sku"),          str(e, "location"),        num(e, "on_hand"),
                           num(e, "safety_stock"), num(e, "backorder_limit"), 0};
    if (!row.sku || !row.location) return EC_INTERNAL;
    return io->stock_put(conn, &row);
}

/* held += sign x each line of `r`. */
static ec_status move_held(const ecomd_stock_io *io, void *conn, const cJSON *r, int sign)
{
    const cJSON *line;
    cJSON_ArrayForEach(line, field(r, "lines"))
    {
        const char *sku = str(line, "sku"), *location = str(line, "location");
        if (!sku || !location) return EC_INTERNAL;
        ec_status st = io->held_add(conn, sku, location, sign * num(line, "quantity"));
        /* A line always sits at a stock row: anything else is a bug. */
        if (st != EC_OK) return st == EC_NOT_FOUND ? EC_INTERNAL : st;
    }
    return EC_OK;
}

static ec_status save_lines(const ecomd_stock_io *io, void *conn, const char *id,
                            const cJSON *lines)
{
    ec_status st = io->lines_clear(conn, id);
    const cJSON *line;
    cJSON_ArrayForEach(line, lines)
    {
        if (st != EC_OK) break;
        if (!str(line, "sku") || !str(line, "location")) return EC_INTERNAL;
        st = io->line_add(conn, id, str(line, "sku"), str(line, "location"), num(line, "quantity"));
    }
    return st;
}

/* A new or changed reservation `r` (`old` as loaded, NULL when new). */
static ec_status save_reservation(const ecomd_stock_io *io, void *conn, const cJSON *old,
                                  const cJSON *r)
{
    const char *id = str(r, "id"), *expires = str(r, "expires_at");
    int64_t expires_us = 0;
    if (!id || !expires || ec_time_parse(expires, strlen(expires), &expires_us, NULL) != EC_OK)
        return EC_INTERNAL;
    if (strncmp(id, ECOMD_HELD_PREFIX, strlen(ECOMD_HELD_PREFIX)) == 0) return EC_INTERNAL;
    char *doc = cJSON_PrintUnformatted(r);
    if (!doc) return EC_NO_MEMORY;
    ec_status st =
        io->reservation_put(conn, id, str(r, "status"), expires_us, str(r, "order"), doc);
    free(doc);
    int same_lines = old && cJSON_Compare(field(old, "lines"), field(r, "lines"), 1);
    if (st == EC_OK && !same_lines) st = save_lines(io, conn, id, field(r, "lines"));
    if (st != EC_OK || (same_lines && counted(old) == counted(r))) return st;
    if (counted(old)) st = move_held(io, conn, old, -1);
    if (st == EC_OK && counted(r)) st = move_held(io, conn, r, +1);
    return st;
}

static ec_status save_changes(const ecomd_stock_io *io, void *conn, const cJSON *before,
                              const cJSON *after)
{
    ec_status st = EC_OK;
    const cJSON *e;
    cJSON_ArrayForEach(e, field(after, "stock"))
    {
        const cJSON *old =
            find_by(field(before, "stock"), "sku", str(e, "sku"), "location", str(e, "location"));
        if (st == EC_OK && (!old || !cJSON_Compare(old, e, 1))) st = save_stock(io, conn, e);
    }
    cJSON_ArrayForEach(e, field(after, "reservations"))
    {
        if (st != EC_OK) break;
        if (!str(e, "id")) return EC_INTERNAL;
        const cJSON *old = find_by(field(before, "reservations"), "id", str(e, "id"), NULL, NULL);
        if (!old || !cJSON_Compare(old, e, 1)) st = save_reservation(io, conn, old, e);
    }
    return st;
}

ec_status ecomd_stock_save(const ecomd_stock_io *io, void *conn, const char *before_json,
                           const char *after_json)
{
    cJSON *before = cJSON_Parse(before_json), *after = cJSON_Parse(after_json);
    ec_status st = before && after ? save_changes(io, conn, before, after) : EC_NO_MEMORY;
    cJSON_Delete(before);
    cJSON_Delete(after);
    return st;
}
