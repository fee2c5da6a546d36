/* stock_rows.c - inventory rows into an ec_inventory and back, for every
 * store adapter (see stock_rows.h).
 *
 * The library does the inventory logic; this file only decides which rows
 * an operation sees and which rows its result changes.  Loading: the named
 * reservation and its lines, the stock rows of every SKU involved, and
 * what other reservations hold there as one hold from outside.  Saving:
 * the stock entries and reservations the inventory lists as changed; a
 * reservation's lines carry its progress, and `held` moves by what each
 * line holds now less what it held when loaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"
#include "stock_rows.h"

/* ---- SKU lists ----------------------------------------------------------------------- */

ec_status ecomd_skus_add(ecomd_skus *s, const char *sku)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], sku) == 0) return EC_OK;
    char **v = ecomd_grow(s->v, &s->cap, s->n + 1, sizeof *v);
    if (!v) return EC_NO_MEMORY;
    s->v = v;
    if (!(s->v[s->n] = strdup(sku))) return EC_NO_MEMORY;
    s->n++;
    return EC_OK;
}

char *ecomd_skus_json(const ecomd_skus *s)
{
    size_t cap = 3;
    for (size_t i = 0; i < s->n; i++) cap += 6 * strlen(s->v[i]) + 10;
    char *out = malloc(cap);
    if (!out) return NULL;
    size_t used = 1;
    out[0] = '[';
    for (size_t i = 0; i < s->n; i++) {
        if (i) out[used++] = ',';
        used += ecomd_json_quote(out + used, cap - used, s->v[i]);
    }
    out[used++] = ']';
    out[used] = '\0';
    return out;
}

void ecomd_skus_free(ecomd_skus *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

void ecomd_stock_done(ecomd_stock *st)
{
    ec_inventory_free(st->inv);
    free(st->held);
    memset(st, 0, sizeof *st);
}

/* ---- loading -------------------------------------------------------------------------- */

/* The named reservation as read, before the stock rows it sits on. */
typedef struct named {
    ecomd_res_row row;
    int found;
    ecomd_res_line *lines;
    size_t n, cap;
} named;

static void named_free(named *nr)
{
    for (size_t i = 0; i < nr->n; i++) {
        free((char *)nr->lines[i].sku);
        free((char *)nr->lines[i].location);
    }
    free(nr->lines);
}

static ec_status on_line(void *ctx, const ecomd_res_line *line)
{
    named *nr = ctx;
    ecomd_res_line *v = ecomd_grow(nr->lines, &nr->cap, nr->n + 1, sizeof *v);
    if (!v) return EC_NO_MEMORY;
    nr->lines = v;
    ecomd_res_line *l = &nr->lines[nr->n];
    *l = *line;
    l->sku = strdup(line->sku);
    l->location = strdup(line->location);
    nr->n++;
    return l->sku && l->location ? EC_OK : EC_NO_MEMORY;
}

/* Whether a status holds stock with its open units. */
static int counted(const char *status)
{
    return strcmp(status, "active") == 0 || strcmp(status, "committed") == 0;
}

static int64_t open_units(const ecomd_res_line *l)
{
    return l->quantity - l->shipped - l->released;
}

/* What others hold at each loaded stock row: the row's `held`, less the
 * named reservation's open units there, less the lapsed ones. */
typedef struct outside {
    char *sku, *location;
    int64_t held;
} outside;

typedef struct loading {
    ec_inventory *inv;
    const named *nr;
    outside *v;
    size_t n, cap;
} loading;

static void loading_free(loading *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].sku);
        free(l->v[i].location);
    }
    free(l->v);
}

static ec_status on_stock(void *ctx, const ecomd_stock_row *row)
{
    loading *l = ctx;
    outside *v = ecomd_grow(l->v, &l->cap, l->n + 1, sizeof *v);
    if (!v) return EC_NO_MEMORY;
    l->v = v;
    ec_status st = ec_inventory_restore_stock(l->inv, row->sku, row->location, row->on_hand,
                                              row->safety_stock, row->backorder_limit, NULL);
    if (st != EC_OK) return st == EC_NO_MEMORY ? st : EC_INTERNAL;
    int64_t held = row->held;
    for (size_t i = 0; l->nr->found && counted(l->nr->row.status) && i < l->nr->n; i++) {
        const ecomd_res_line *nl = &l->nr->lines[i];
        if (strcmp(nl->sku, row->sku) == 0 && strcmp(nl->location, row->location) == 0)
            held -= open_units(nl);
    }
    outside *o = &l->v[l->n];
    *o = (outside){strdup(row->sku), strdup(row->location), held};
    l->n++;
    return o->sku && o->location ? EC_OK : EC_NO_MEMORY;
}

static ec_status on_lapsed(void *ctx, const ecomd_stock_row *row)
{
    loading *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].sku, row->sku) == 0 && strcmp(l->v[i].location, row->location) == 0)
            l->v[i].held -= row->held;
    return EC_OK;
}

/* The holds from outside, then the named reservation itself. */
static ec_status restore_rest(loading *l, const char *id, ecomd_stock *st)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].held < 0) return EC_INTERNAL; /* rows out of step */
        if (l->v[i].held > 0 && ec_inventory_restore_held(l->inv, l->v[i].sku, l->v[i].location,
                                                          l->v[i].held, NULL) != EC_OK)
            return EC_INTERNAL;
    }
    const named *nr = l->nr;
    if (!nr->found) return EC_OK;
    static const char *const names[] = {"active", "committed", "released", "expired", "shipped"};
    int32_t status = -1;
    for (int32_t k = 0; k < 5; k++)
        if (strcmp(nr->row.status, names[k]) == 0) status = k;
    const char **skus = malloc((nr->n + 1) * 2 * sizeof *skus);
    int64_t *qty = malloc((nr->n + 1) * sizeof *qty);
    st->held = calloc(nr->n + 1, sizeof *st->held);
    ec_status rc = skus && qty && st->held ? EC_OK : EC_NO_MEMORY;
    for (size_t i = 0; rc == EC_OK && i < nr->n; i++) {
        skus[i] = nr->lines[i].sku;
        skus[nr->n + i] = nr->lines[i].location;
        qty[i] = nr->lines[i].quantity;
        st->held[i] = counted(nr->row.status) ? open_units(&nr->lines[i]) : 0;
    }
    st->nlines = nr->n;
    if (rc == EC_OK &&
        ec_inventory_restore_reservation(l->inv, id, status, nr->row.expires_us,
                                         nr->row.order[0] ? nr->row.order : NULL, nr->n, skus,
                                         skus + nr->n, qty, NULL) != EC_OK)
        rc = EC_INTERNAL;
    for (size_t i = 0; rc == EC_OK && i < nr->n; i++) {
        const ecomd_res_line *nl = &nr->lines[i];
        if ((nl->shipped || nl->released || nl->returned) &&
            ec_inventory_restore_progress(l->inv, id, i, nl->shipped, nl->released, nl->returned,
                                          NULL) != EC_OK)
            rc = EC_INTERNAL;
    }
    free(skus);
    free(qty);
    return rc;
}

ec_status ecomd_stock_load(const ecomd_stock_io *io, void *conn, const ecomd_skus *skus,
                           const char *id, int64_t now_us, ecomd_stock *st)
{
    memset(st, 0, sizeof *st);
    named nr = {0};
    ecomd_skus all = {0};
    loading l = {NULL, &nr, NULL, 0, 0};
    char *list = NULL;
    ec_status rc = (st->inv = l.inv = ec_inventory_new()) ? EC_OK : EC_NO_MEMORY;
    if (id) snprintf(st->id, sizeof st->id, "%s", id);
    st->now_us = now_us;
    /* The reservation first: a write locks it before the stock rows. */
    if (rc == EC_OK && id) rc = io->reservation(conn, id, &nr.row, &nr.found);
    if (rc == EC_OK && nr.found) rc = io->reservation_lines(conn, id, on_line, &nr);
    for (size_t i = 0; rc == EC_OK && i < skus->n; i++) rc = ecomd_skus_add(&all, skus->v[i]);
    for (size_t i = 0; rc == EC_OK && i < nr.n; i++) rc = ecomd_skus_add(&all, nr.lines[i].sku);
    if (rc == EC_OK && !(list = ecomd_skus_json(&all))) rc = EC_NO_MEMORY;
    if (rc == EC_OK) rc = io->stock(conn, list, on_stock, &l);
    if (rc == EC_OK) rc = io->lapsed(conn, list, id ? id : "", now_us, on_lapsed, &l);
    if (rc == EC_OK) rc = restore_rest(&l, st->id, st);
    free(list);
    loading_free(&l);
    named_free(&nr);
    ecomd_skus_free(&all);
    if (rc != EC_OK) ecomd_stock_done(st);
    return rc;
}

/* ---- writing back --------------------------------------------------------------------- */

static ec_status save_levels(const ecomd_stock_io *io, void *conn, const ec_inventory *inv)
{
    const char *sku = NULL, *loc = NULL;
    for (size_t c = ec_inventory_changed_stock(inv, 0, &sku, &loc); c;
         c = ec_inventory_changed_stock(inv, c, &sku, &loc)) {
        ecomd_stock_row row = {sku, loc, 0, 0, 0, 0};
        if (ec_inventory_stock(inv, sku, loc, &row.on_hand, &row.safety_stock, &row.backorder_limit,
                               NULL) != EC_OK)
            return EC_INTERNAL;
        ec_status rc = io->stock_put(conn, &row);
        if (rc != EC_OK) return rc;
    }
    return EC_OK;
}

/* The reservation's row and lines, and `held` moved by each line's hold
 * now less its hold as loaded (nothing for a new reservation). */
static ec_status save_reservation(const ecomd_stock_io *io, void *conn, const ecomd_stock *st,
                                  const ec_inventory_result *r)
{
    const char *id = ec_inventory_result_id(r);
    const char *status = ec_reservation_status_name(ec_inventory_result_status(r));
    int holds = counted(status), loaded = st->held && strcmp(id, st->id) == 0;
    ec_status rc = io->reservation_put(conn, id, status, ec_inventory_result_expires_at(r),
                                       ec_inventory_result_order(r), st->now_us);
    if (rc == EC_OK) rc = io->lines_clear(conn, id);
    for (size_t i = 0; rc == EC_OK && i < ec_inventory_result_line_count(r); i++) {
        ecomd_res_line line = {
            ec_inventory_result_line_sku(r, i),      ec_inventory_result_line_location(r, i),
            ec_inventory_result_line_quantity(r, i), ec_inventory_result_line_shipped(r, i),
            ec_inventory_result_line_released(r, i), ec_inventory_result_line_returned(r, i)};
        rc = io->line_add(conn, id, (int64_t)i, &line);
        int64_t delta =
            (holds ? open_units(&line) : 0) - (loaded && i < st->nlines ? st->held[i] : 0);
        if (rc == EC_OK && delta) rc = io->held_add(conn, line.sku, line.location, delta);
        /* a line always sits at a stock row: anything else is a bug */
        if (rc == EC_NOT_FOUND) rc = EC_INTERNAL;
    }
    return rc;
}

ec_status ecomd_stock_save(const ecomd_stock_io *io, void *conn, const ecomd_stock *st)
{
    ec_status rc = save_levels(io, conn, st->inv);
    ec_inventory_result *r = ec_inventory_result_new();
    if (rc == EC_OK && !r) rc = EC_NO_MEMORY;
    const char *id = NULL;
    for (size_t c = ec_inventory_changed_reservation(st->inv, 0, &id); rc == EC_OK && c;
         c = ec_inventory_changed_reservation(st->inv, c, &id)) {
        rc = ec_inventory_get(st->inv, id, r, NULL) == EC_OK ? EC_OK : EC_INTERNAL;
        if (rc == EC_OK) rc = save_reservation(io, conn, st, r);
    }
    ec_inventory_result_free(r);
    return rc;
}
