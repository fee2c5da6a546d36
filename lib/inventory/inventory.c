/* inventory.c - the inventory object, its indexes, and the stock
 * operations set and receive. */
#include <string.h>

#include "inventory/inventory_internal.h"

ec_inventory *ec_inventory_new(void)
{
    return ec_inventory_new_ex(NULL);
}

ec_inventory *ec_inventory_new_ex(const ec_allocator *alloc)
{
    ec_inventory *inv = ec__calloc(alloc, 1, sizeof *inv);
    if (!inv) return NULL;
    if (alloc) {
        inv->alloc_copy = *alloc;
        inv->alloc = &inv->alloc_copy;
    }
    ec__arena_init(&inv->arena, inv->alloc, 0);
    ec__inv_table_init(&inv->sku_index, inv->alloc);
    ec__inv_table_init(&inv->loc_index, inv->alloc);
    ec__inv_table_init(&inv->stock_index, inv->alloc);
    ec__inv_table_init(&inv->res_index, inv->alloc);
    inv->watermark = INT64_MIN;
    inv->push_to = -1;
    inv->changed_stock = inv->changed_res = EC__INV_NONE;
    return inv;
}

void ec_inventory_free(ec_inventory *inv)
{
    if (!inv) return;
    const ec_allocator *a = inv->alloc;
    ec__arena_free(&inv->arena);
    ec__inv_table_free(&inv->sku_index);
    ec__inv_table_free(&inv->loc_index);
    ec__inv_table_free(&inv->stock_index);
    ec__inv_table_free(&inv->res_index);
    ec__inv_expiry_free(inv);
    void *arrays[] = {inv->skus.v, inv->locs.v,    inv->stock.v,    inv->res.v,    inv->demand.v,
                      inv->plan.v, inv->scratch.v, inv->expiring.v, inv->codec_out};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) ec__dealloc(a, arrays[i]);
    ec_inventory_request_free(inv->codec_req);
    ec_inventory_result_free(inv->codec_res);
    ec_allocator copy = inv->alloc_copy;
    ec__dealloc(a ? &copy : NULL, inv);
}

size_t ec_inventory_stock_count(const ec_inventory *inv)
{
    return inv ? inv->stock.n : 0;
}
int32_t ec_inventory_stock_entry(const ec_inventory *inv, size_t i, const char **sku,
                                 const char **location)
{
    if (!inv || i >= inv->stock.n) return 0;
    const ec__inv_stock *s = &inv->stock.v[i];
    if (sku) *sku = inv->skus.v[s->sku].name.p;
    if (location) *location = inv->locs.v[s->loc].p;
    return 1;
}

size_t ec_inventory_reservation_count(const ec_inventory *inv)
{
    return inv ? inv->res.n : 0;
}

/* ---- lookups --------------------------------------------------------------------- */

static int name_eq(const ec__inv_name *name, const char *s, size_t n)
{
    return name->n == n && memcmp(name->p, s, n) == 0;
}

void ec__inv_set_head(char *head, const char *s, size_t n)
{
    memset(head, 0, EC__INV_HEAD);
    memcpy(head, s, n < EC__INV_HEAD ? n : EC__INV_HEAD);
}

/* name == s, reading the name only when its head does not settle it. */
static int key_eq(const char *head, const ec__inv_name *name, const char *s, size_t n)
{
    size_t h = n < EC__INV_HEAD ? n : EC__INV_HEAD;
    if (name->n != n || memcmp(head, s, h) != 0) return 0;
    return n <= EC__INV_HEAD || memcmp(name->p + h, s + h, n - h) == 0;
}

uint32_t ec__inv_find_sku(const ec_inventory *inv, const char *s, size_t n)
{
    ec__inv_probe p;
    for (uint32_t i = ec__inv_table_first(&inv->sku_index, ec__strhash(s, n), &p);
         i != EC__INV_NONE; i = ec__inv_table_next(&inv->sku_index, &p))
        if (key_eq(inv->skus.v[i].head, &inv->skus.v[i].name, s, n)) return i;
    return EC__INV_NONE;
}

uint32_t ec__inv_find_loc(const ec_inventory *inv, const char *s, size_t n)
{
    ec__inv_probe p;
    for (uint32_t i = ec__inv_table_first(&inv->loc_index, ec__strhash(s, n), &p);
         i != EC__INV_NONE; i = ec__inv_table_next(&inv->loc_index, &p))
        if (name_eq(&inv->locs.v[i], s, n)) return i;
    return EC__INV_NONE;
}

uint32_t ec__inv_find_stock(const ec_inventory *inv, uint32_t sku, uint32_t loc)
{
    ec__inv_probe p;
    for (uint32_t i = ec__inv_table_first(&inv->stock_index, ec__inv_hash_pair(sku, loc), &p);
         i != EC__INV_NONE; i = ec__inv_table_next(&inv->stock_index, &p))
        if (inv->stock.v[i].sku == sku && inv->stock.v[i].loc == loc) return i;
    return EC__INV_NONE;
}

uint32_t ec__inv_find_res(const ec_inventory *inv, const char *s, size_t n)
{
    ec__inv_probe p;
    for (uint32_t i = ec__inv_table_first(&inv->res_index, ec__strhash(s, n), &p);
         i != EC__INV_NONE; i = ec__inv_table_next(&inv->res_index, &p))
        if (key_eq(inv->res.v[i].head, &inv->res.v[i].id, s, n)) return i;
    return EC__INV_NONE;
}

int64_t ec__inv_free(const ec__inv_stock *s)
{
    int64_t f = s->on_hand - s->safety - s->held + s->backorder;
    return f > 0 ? f : 0;
}

void ec__inv_touch_stock(ec_inventory *inv, uint32_t index)
{
    ec__inv_stock *s = &inv->stock.v[index];
    if (s->changed) return;
    s->changed = 1;
    s->next_changed = inv->changed_stock;
    inv->changed_stock = index;
}

void ec__inv_touch_res(ec_inventory *inv, uint32_t index)
{
    ec__inv_res *r = &inv->res.v[index];
    if (r->changed) return;
    r->changed = 1;
    r->next_changed = inv->changed_res;
    inv->changed_res = index;
}

/* ---- what changed ------------------------------------------------------------------- */

size_t ec_inventory_changed_stock(const ec_inventory *inv, size_t cursor, const char **sku,
                                  const char **location)
{
    if (!inv || cursor > inv->stock.n) return 0;
    uint32_t i = cursor ? inv->stock.v[cursor - 1].next_changed : inv->changed_stock;
    if (i == EC__INV_NONE) return 0;
    const ec__inv_stock *s = &inv->stock.v[i];
    if (sku) *sku = inv->skus.v[s->sku].name.p;
    if (location) *location = inv->locs.v[s->loc].p;
    return (size_t)i + 1;
}

size_t ec_inventory_changed_reservation(const ec_inventory *inv, size_t cursor, const char **id)
{
    if (!inv || cursor > inv->res.n) return 0;
    uint32_t i = cursor ? inv->res.v[cursor - 1].next_changed : inv->changed_res;
    if (i == EC__INV_NONE) return 0;
    if (id) *id = inv->res.v[i].id.p;
    return (size_t)i + 1;
}

void ec_inventory_clear_changes(ec_inventory *inv)
{
    if (!inv) return;
    for (uint32_t i = inv->changed_stock; i != EC__INV_NONE; i = inv->stock.v[i].next_changed)
        inv->stock.v[i].changed = 0;
    for (uint32_t i = inv->changed_res; i != EC__INV_NONE; i = inv->res.v[i].next_changed)
        inv->res.v[i].changed = 0;
    inv->changed_stock = inv->changed_res = EC__INV_NONE;
}

ec_status ec__inv_check_id(const char *s, const char *field, size_t *len, ec_error *err)
{
    EC_FAIL_IF(!s, err, EC_INVALID_FIELD, field, "%s is required", field);
    size_t n = strnlen(s, 129);
    EC_FAIL_IF(!ec__id_valid(s, n), err, EC_INVALID_FIELD, field,
               "%s must be 1 to 128 bytes of UTF-8 without control characters", field);
    *len = n;
    return EC_OK;
}

/* ---- creating stock entries ----------------------------------------------------------- */

/* A (sku, location) pair: its indexes where known, and copies of new
 * names made before anything changes. */
typedef struct pair_ref {
    const char *sku, *loc;
    size_t sn, ln;
    uint32_t k, l, entry; /* EC__INV_NONE when unknown */
    ec__inv_name sku_name, loc_name;
} pair_ref;

static ec_status locate(const ec_inventory *inv, const char *sku, const char *loc, pair_ref *p,
                        ec_error *err)
{
    *p = (pair_ref){sku, loc, 0, 0, EC__INV_NONE, EC__INV_NONE, EC__INV_NONE, {0}, {0}};
    EC_TRY(ec__inv_check_id(sku, "sku", &p->sn, err));
    EC_TRY(ec__inv_check_id(loc, "location", &p->ln, err));
    p->k = ec__inv_find_sku(inv, sku, p->sn);
    p->l = ec__inv_find_loc(inv, loc, p->ln);
    if (p->k != EC__INV_NONE && p->l != EC__INV_NONE)
        p->entry = ec__inv_find_stock(inv, p->k, p->l);
    if (p->k != EC__INV_NONE) p->sku_name = inv->skus.v[p->k].name;
    if (p->l != EC__INV_NONE) p->loc_name = inv->locs.v[p->l];
    return EC_OK;
}

static int copy_name(ec_inventory *inv, const char *s, size_t n, ec__inv_name *out)
{
    char *p = ec__arena_strndup(&inv->arena, s, n);
    if (!p) return 0;
    out->p = p;
    out->n = (uint32_t)n;
    return 1;
}

/* Every resource a new entry needs; nothing is changed. */
static ec_status prepare_entry(ec_inventory *inv, pair_ref *p, ec_error *err)
{
    const ec_allocator *a = inv->alloc;
    EC_FAIL_IF(inv->stock.n >= EC_INVENTORY_MAX_ENTRIES, err, EC_LIMIT_EXCEEDED, NULL,
               "the inventory holds %d stock entries already", EC_INVENTORY_MAX_ENTRIES);
    int ok = EC__INV_VEC_FIT(a, inv->stock, inv->stock.n + 1) &&
             ec__inv_table_reserve(&inv->stock_index, 1);
    if (ok && p->k == EC__INV_NONE)
        ok = EC__INV_VEC_FIT(a, inv->skus, inv->skus.n + 1) &&
             ec__inv_table_reserve(&inv->sku_index, 1) &&
             copy_name(inv, p->sku, p->sn, &p->sku_name);
    if (ok && p->l == EC__INV_NONE)
        ok = EC__INV_VEC_FIT(a, inv->locs, inv->locs.n + 1) &&
             ec__inv_table_reserve(&inv->loc_index, 1) &&
             copy_name(inv, p->loc, p->ln, &p->loc_name);
    return ok ? EC_OK : ec__fail(err, EC_NO_MEMORY, NULL, NULL);
}

static int loc_before(const ec_inventory *inv, uint32_t a, uint32_t b)
{
    const ec__inv_name *x = &inv->locs.v[a], *y = &inv->locs.v[b];
    int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
    return c < 0 || (c == 0 && x->n < y->n);
}

/* Thread entry `index` into its SKU's list, keeping location-name order. */
static void link_entry(ec_inventory *inv, uint32_t index)
{
    ec__inv_stock *s = &inv->stock.v[index];
    ec__inv_sku *k = &inv->skus.v[s->sku];
    uint32_t *at = &k->first;
    while (*at != EC__INV_NONE && loc_before(inv, inv->stock.v[*at].loc, s->loc))
        at = &inv->stock.v[*at].next;
    s->next = *at;
    *at = index;
    k->count++;
}

/* Create the prepared entry; cannot fail. */
static uint32_t commit_entry(ec_inventory *inv, pair_ref *p)
{
    if (p->k == EC__INV_NONE) {
        p->k = (uint32_t)inv->skus.n++;
        inv->skus.v[p->k] = (ec__inv_sku){p->sku_name, EC__INV_NONE, 0, {0}};
        ec__inv_set_head(inv->skus.v[p->k].head, p->sku_name.p, p->sku_name.n);
        ec__inv_table_insert(&inv->sku_index, ec__strhash(p->sku_name.p, p->sku_name.n), p->k);
    }
    if (p->l == EC__INV_NONE) {
        p->l = (uint32_t)inv->locs.n++;
        inv->locs.v[p->l] = p->loc_name;
        ec__inv_table_insert(&inv->loc_index, ec__strhash(p->loc_name.p, p->loc_name.n), p->l);
    }
    uint32_t index = (uint32_t)inv->stock.n++;
    inv->stock.v[index] = (ec__inv_stock){
        .sku = p->k, .loc = p->l, .next = EC__INV_NONE, .next_changed = EC__INV_NONE};
    ec__inv_table_insert(&inv->stock_index, ec__inv_hash_pair(p->k, p->l), index);
    link_entry(inv, index);
    return index;
}

/* ---- set and receive -------------------------------------------------------------------- */

static ec_status check_level(int64_t v, int64_t min, const char *field, ec_error *err)
{
    EC_FAIL_IF(v < min || v > EC_INVENTORY_MAX_STOCK, err, EC_INVALID_FIELD, field,
               "%s must be an integer from %lld to %lld", field, (long long)min,
               (long long)EC_INVENTORY_MAX_STOCK);
    return EC_OK;
}

/* Give entry p the levels (creating it when new), after describing them in
 * the result: the last step that may fail comes before the first change. */
static ec_status write_levels(ec_inventory *inv, pair_ref *p, int64_t on_hand,
                              const int64_t *safety, const int64_t *backorder,
                              ec_inventory_result *result, ec_error *err)
{
    const ec__inv_stock *cur = p->entry == EC__INV_NONE ? NULL : &inv->stock.v[p->entry];
    int64_t s = safety ? *safety : cur ? cur->safety : 0;
    int64_t b = backorder ? *backorder : cur ? cur->backorder : 0;
    if (!cur) EC_TRY(prepare_entry(inv, p, err));
    if (result) {
        ec__inv_result_levels(result, p->sku_name.p, p->loc_name.p, on_hand, s, b);
        EC_FAIL_IF(!ec__inv_result_ready(result), err, EC_NO_MEMORY, NULL, NULL);
    }
    if (!cur) p->entry = commit_entry(inv, p);
    ec__inv_stock *e = &inv->stock.v[p->entry];
    e->on_hand = on_hand;
    e->safety = s;
    e->backorder = b;
    return EC_OK;
}

ec_status ec_inventory_set(ec_inventory *inv, const char *sku, const char *location,
                           int64_t on_hand, const int64_t *safety_stock,
                           const int64_t *backorder_limit, ec_inventory_result *result,
                           ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    if (result) ec__inv_result_clear(result);
    EC_TRY(check_level(on_hand, 0, "on_hand", err));
    if (safety_stock) EC_TRY(check_level(*safety_stock, 0, "safety_stock", err));
    if (backorder_limit) EC_TRY(check_level(*backorder_limit, 0, "backorder_limit", err));
    pair_ref p;
    EC_TRY(locate(inv, sku, location, &p, err));
    EC_TRY(write_levels(inv, &p, on_hand, safety_stock, backorder_limit, result, err));
    ec__inv_touch_stock(inv, p.entry);
    return EC_OK;
}

ec_status ec_inventory_receive(ec_inventory *inv, const char *sku, const char *location,
                               int64_t quantity, ec_inventory_result *result, ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    if (result) ec__inv_result_clear(result);
    EC_FAIL_IF(quantity < 1 || quantity > EC_INVENTORY_MAX_QUANTITY, err, EC_INVALID_FIELD,
               "quantity", "quantity must be an integer from 1 to %d", EC_INVENTORY_MAX_QUANTITY);
    pair_ref p;
    EC_TRY(locate(inv, sku, location, &p, err));
    int64_t before = p.entry == EC__INV_NONE ? 0 : inv->stock.v[p.entry].on_hand;
    EC_FAIL_IF(before > EC_INVENTORY_MAX_STOCK - quantity, err, EC_LIMIT_EXCEEDED, "quantity",
               "on_hand would exceed %lld", (long long)EC_INVENTORY_MAX_STOCK);
    EC_TRY(write_levels(inv, &p, before + quantity, NULL, NULL, result, err));
    ec__inv_touch_stock(inv, p.entry);
    return EC_OK;
}

/* ---- moving a share of the stock (escrow) --------------------------------------------- */

/* Checks of ec__inv_adjust: every location named once, every on_hand in
 * bounds; counts the entries and locations to create. */
static ec_status adjust_check(const ec_inventory *inv, const char *sku, size_t n,
                              const char *const *locs, const int64_t *deltas, pair_ref *p,
                              size_t *fresh, size_t *fresh_locs, ec_error *err)
{
    *fresh = *fresh_locs = 0;
    for (size_t i = 0; i < n; i++) {
        ec_status st = locate(inv, sku, locs[i], &p[i], err);
        if (st != EC_OK) {
            if (strcmp(err ? err->field : "", "location") == 0)
                ec__error_prefix(err, "lines[%zu]", i);
            return st;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(locs[j], locs[i]) != 0) continue;
            ec__fail(err, EC_INVALID_FIELD, NULL, "a location is named twice");
            ec__error_field(err, "lines[%zu].location", i);
            return EC_INVALID_FIELD;
        }
        int64_t cur = p[i].entry == EC__INV_NONE ? 0 : inv->stock.v[p[i].entry].on_hand;
        if (deltas[i] > EC_INVENTORY_MAX_STOCK - cur || deltas[i] < -EC_INVENTORY_MAX_STOCK - cur) {
            ec__fail(err, EC_LIMIT_EXCEEDED, NULL, "on_hand would pass %lld",
                     (long long)EC_INVENTORY_MAX_STOCK);
            ec__error_field(err, "lines[%zu].quantity", i);
            return EC_LIMIT_EXCEEDED;
        }
        *fresh += p[i].entry == EC__INV_NONE;
        *fresh_locs += p[i].l == EC__INV_NONE;
    }
    return EC_OK;
}

/* Every resource the new entries need: array and index room, and copies
 * of the new names (the SKU's once, in p[0]). */
static int adjust_prepare(ec_inventory *inv, pair_ref *p, size_t n, size_t fresh, size_t fresh_locs)
{
    const ec_allocator *a = inv->alloc;
    if (!fresh) return 1;
    if (inv->stock.n + fresh > EC_INVENTORY_MAX_ENTRIES) return 0;
    int ok = EC__INV_VEC_FIT(a, inv->stock, inv->stock.n + fresh) &&
             ec__inv_table_reserve(&inv->stock_index, fresh);
    if (ok && p[0].k == EC__INV_NONE)
        ok = EC__INV_VEC_FIT(a, inv->skus, inv->skus.n + 1) &&
             ec__inv_table_reserve(&inv->sku_index, 1) &&
             copy_name(inv, p[0].sku, p[0].sn, &p[0].sku_name);
    if (ok && fresh_locs)
        ok = EC__INV_VEC_FIT(a, inv->locs, inv->locs.n + fresh_locs) &&
             ec__inv_table_reserve(&inv->loc_index, fresh_locs);
    for (size_t i = 0; ok && i < n; i++)
        if (p[i].l == EC__INV_NONE) ok = copy_name(inv, p[i].loc, p[i].ln, &p[i].loc_name);
    return ok;
}

ec_status ec__inv_adjust(ec_inventory *inv, const char *sku, size_t n, const char *const *locs,
                         const int64_t *deltas, ec_error *err)
{
    pair_ref p[EC__INV_ADJUST_MAX];
    size_t fresh = 0, fresh_locs = 0;
    EC_FAIL_IF(n > EC__INV_ADJUST_MAX, err, EC_LIMIT_EXCEEDED, "lines",
               "at most %d locations at once", EC__INV_ADJUST_MAX);
    size_t sn = 0;
    EC_TRY(ec__inv_check_id(sku, "sku", &sn, err));
    EC_TRY(adjust_check(inv, sku, n, locs, deltas, p, &fresh, &fresh_locs, err));
    EC_FAIL_IF(!adjust_prepare(inv, p, n, fresh, fresh_locs), err, EC_NO_MEMORY, NULL, NULL);
    uint32_t made_sku = EC__INV_NONE; /* the SKU, once the first new entry made it */
    for (size_t i = 0; i < n; i++) {
        if (p[i].entry == EC__INV_NONE) {
            /* a new SKU: every entry is new, and the first one makes it */
            if (p[i].k == EC__INV_NONE) p[i].sku_name = p[0].sku_name;
            if (p[i].k == EC__INV_NONE && made_sku != EC__INV_NONE) p[i].k = made_sku;
            p[i].entry = commit_entry(inv, &p[i]);
            made_sku = p[i].k;
        }
        inv->stock.v[p[i].entry].on_hand += deltas[i];
        ec__inv_touch_stock(inv, p[i].entry);
    }
    return EC_OK;
}

ec_status ec_inventory_stock(const ec_inventory *inv, const char *sku, const char *location,
                             int64_t *on_hand, int64_t *safety_stock, int64_t *backorder_limit,
                             ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    pair_ref p;
    EC_TRY(locate(inv, sku, location, &p, err));
    EC_FAIL_IF(p.entry == EC__INV_NONE, err, EC_NOT_FOUND, NULL,
               "no stock of \"%.128s\" at that location", sku);
    const ec__inv_stock *s = &inv->stock.v[p.entry];
    if (on_hand) *on_hand = s->on_hand;
    if (safety_stock) *safety_stock = s->safety;
    if (backorder_limit) *backorder_limit = s->backorder;
    return EC_OK;
}

ec_status ec_inventory_restore_stock(ec_inventory *inv, const char *sku, const char *location,
                                     int64_t on_hand, int64_t safety_stock, int64_t backorder_limit,
                                     ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    EC_TRY(check_level(on_hand, -EC_INVENTORY_MAX_STOCK, "on_hand", err));
    EC_TRY(check_level(safety_stock, 0, "safety_stock", err));
    EC_TRY(check_level(backorder_limit, 0, "backorder_limit", err));
    pair_ref p;
    EC_TRY(locate(inv, sku, location, &p, err));
    EC_FAIL_IF(p.entry != EC__INV_NONE, err, EC_INVALID_FIELD, "location",
               "\"%.128s\" is listed twice at that location", sku);
    return write_levels(inv, &p, on_hand, &safety_stock, &backorder_limit, NULL, err);
}

ec_status ec_inventory_restore_held(ec_inventory *inv, const char *sku, const char *location,
                                    int64_t held, ec_error *err)
{
    EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "inventory is NULL");
    EC_TRY(check_level(held, 0, "held", err));
    pair_ref p;
    EC_TRY(locate(inv, sku, location, &p, err));
    EC_FAIL_IF(p.entry == EC__INV_NONE, err, EC_INVALID_FIELD, "location",
               "\"%.128s\" has no stock entry at that location", sku);
    ec__inv_stock *s = &inv->stock.v[p.entry];
    EC_FAIL_IF(s->outside > EC_INVENTORY_MAX_STOCK - held, err, EC_LIMIT_EXCEEDED, "held",
               "held would exceed %lld", (long long)EC_INVENTORY_MAX_STOCK);
    s->outside += held;
    s->held += held;
    return EC_OK;
}
