/* escrow_message.c - the message regions exchange: transfers to credit,
 * acknowledgements, and the sender's report of its rights and demand. */
#include <string.h>

#include "escrow/escrow_internal.h"
#include "escrow/escrow_message.h"
#include "inventory/inventory_internal.h"

ec_escrow_message *ec_escrow_message_new(void)
{
    return ec_escrow_message_new_ex(NULL);
}

ec_escrow_message *ec_escrow_message_new_ex(const ec_allocator *alloc)
{
    ec_escrow_message *m = ec__calloc(alloc, 1, sizeof *m);
    if (!m) return NULL;
    if (alloc) {
        m->alloc_copy = *alloc;
        m->alloc = &m->alloc_copy;
    }
    return m;
}

static void free_reports(ec_escrow_message *m)
{
    for (size_t i = 0; i < m->nr; i++) ec__dealloc(m->alloc, m->reports[i].locs);
    m->nr = 0;
}

void ec_escrow_message_free(ec_escrow_message *m)
{
    if (!m) return;
    free_reports(m);
    for (size_t i = 0; i < m->capt; i++) ec_escrow_transfer_free(m->transfers[i]);
    ec__dealloc(m->alloc, m->transfers);
    ec__dealloc(m->alloc, m->credited);
    ec__dealloc(m->alloc, m->reports);
    ec_allocator copy = m->alloc_copy;
    ec__dealloc(m->alloc ? &copy : NULL, m);
}

void ec_escrow_message_reset(ec_escrow_message *m)
{
    if (!m) return;
    free_reports(m);
    m->set = 0;
    m->from[0] = m->to[0] = '\0';
    m->at = 0;
    m->nt = m->nc = 0;
}

ec_status ec_escrow_message_set(ec_escrow_message *m, const char *from, const char *to,
                                int64_t at_us, ec_error *err)
{
    EC_FAIL_IF(!m, err, EC_MISUSE, NULL, "message is NULL");
    ec__esc_name f, t;
    EC_TRY(ec__esc_name_set(f, from, "from", err));
    EC_TRY(ec__esc_name_set(t, to, "to", err));
    EC_FAIL_IF(strcmp(f, t) == 0, err, EC_INVALID_FIELD, "to",
               "a message goes to another region than the one it leaves");
    EC_FAIL_IF(!ec__esc_time_ok(at_us), err, EC_INVALID_FIELD, "at",
               "at must lie in the years 0000 to 9999");
    memcpy(m->from, f, sizeof f);
    memcpy(m->to, t, sizeof t);
    m->at = at_us;
    m->set = 1;
    return EC_OK;
}

/* Room for one more item of an array of `elem`-byte items (at most
 * EC_ESCROW_MAX_ITEMS); 0 when out of memory. */
static int room(const ec_allocator *a, void **v, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap) return 1;
    size_t c = *cap ? *cap * 2 : 8;
    if (c > EC_ESCROW_MAX_ITEMS) c = EC_ESCROW_MAX_ITEMS;
    void *grown = ec__realloc(a, *v, c * elem);
    if (!grown) return 0;
    *v = grown;
    *cap = c;
    return 1;
}

#define ROOM(m, field, n, cap)                                                                     \
    room((m)->alloc, (void **)&(m)->field, (m)->n, &(m)->cap, sizeof *(m)->field)

ec_status ec_escrow_message_add_transfer(ec_escrow_message *m, const ec_escrow_transfer *t,
                                         ec_error *err)
{
    EC_FAIL_IF(!m, err, EC_MISUSE, NULL, "message is NULL");
    EC_TRY(ec__esc_transfer_complete(t, err));
    EC_FAIL_IF(m->set && strcmp(t->from, m->from) != 0, err, EC_INVALID_FIELD, "from",
               "the transfer leaves another region than the message");
    EC_FAIL_IF(m->set && strcmp(t->to, m->to) != 0, err, EC_INVALID_FIELD, "to",
               "the transfer goes to another region than the message");
    EC_FAIL_IF(m->nt == EC_ESCROW_MAX_ITEMS, err, EC_LIMIT_EXCEEDED, "transfers",
               "a message carries at most %d transfers", EC_ESCROW_MAX_ITEMS);
    /* transfer objects are kept across resets: slots past nt are reused */
    if (m->nt == m->capt) {
        size_t cap = m->capt;
        EC_FAIL_IF(!ROOM(m, transfers, nt, capt), err, EC_NO_MEMORY, NULL, NULL);
        for (size_t i = cap; i < m->capt; i++) m->transfers[i] = NULL;
    }
    if (!m->transfers[m->nt]) m->transfers[m->nt] = ec_escrow_transfer_new_ex(m->alloc);
    EC_FAIL_IF(!m->transfers[m->nt] || ec__esc_transfer_copy(m->transfers[m->nt], t) != EC_OK, err,
               EC_NO_MEMORY, NULL, NULL);
    m->nt++;
    return EC_OK;
}

ec_status ec_escrow_message_add_credited(ec_escrow_message *m, const char *id, ec_error *err)
{
    EC_FAIL_IF(!m, err, EC_MISUSE, NULL, "message is NULL");
    ec__esc_name name;
    EC_TRY(ec__esc_name_set(name, id, "id", err));
    EC_FAIL_IF(m->nc == EC_ESCROW_MAX_ITEMS, err, EC_LIMIT_EXCEEDED, "credited",
               "a message carries at most %d ids", EC_ESCROW_MAX_ITEMS);
    EC_FAIL_IF(!ROOM(m, credited, nc, capc), err, EC_NO_MEMORY, NULL, NULL);
    memcpy(m->credited[m->nc++], name, sizeof name);
    return EC_OK;
}

static ec_status check_locations(size_t n, const char *const *locations, const int64_t *rights,
                                 ec_error *err)
{
    ec__esc_name name;
    for (size_t i = 0; i < n; i++) {
        ec_status st = ec__esc_name_set(name, locations[i], "location", err);
        for (size_t j = 0; st == EC_OK && j < i; j++)
            if (strcmp(locations[j], name) == 0)
                st = ec__fail(err, EC_INVALID_FIELD, "location", "the location is listed twice");
        if (st == EC_OK && (rights[i] < 0 || rights[i] > EC_INVENTORY_MAX_STOCK))
            st = ec__fail(err, EC_INVALID_FIELD, "rights", "rights must be 0 to %lld",
                          (long long)EC_INVENTORY_MAX_STOCK);
        if (st != EC_OK) {
            ec__error_prefix(err, "locations[%zu]", i);
            return st;
        }
    }
    return EC_OK;
}

ec_status ec__esc_message_report(ec_escrow_message *m, const char *sku, int64_t demand, size_t n,
                                 const char *const *locations, const int64_t *rights, ec_error *err)
{
    ec__esc_name name;
    EC_TRY(ec__esc_name_set(name, sku, "sku", err));
    for (size_t i = 0; i < m->nr; i++)
        EC_FAIL_IF(strcmp(m->reports[i].sku, name) == 0, err, EC_INVALID_FIELD, "sku",
                   "\"%s\" is reported twice", name);
    EC_FAIL_IF(demand < 0 || demand > EC_INVENTORY_MAX_STOCK, err, EC_INVALID_FIELD, "demand",
               "demand must be 0 to %lld", (long long)EC_INVENTORY_MAX_STOCK);
    EC_FAIL_IF(m->nr == EC_ESCROW_MAX_ITEMS, err, EC_LIMIT_EXCEEDED, "report",
               "a message reports at most %d SKUs", EC_ESCROW_MAX_ITEMS);
    EC_FAIL_IF(n > EC_ESCROW_MAX_ITEMS, err, EC_LIMIT_EXCEEDED, "locations",
               "a report lists at most %d locations", EC_ESCROW_MAX_ITEMS);
    EC_TRY(check_locations(n, locations, rights, err));
    EC_FAIL_IF(!ROOM(m, reports, nr, capr), err, EC_NO_MEMORY, NULL, NULL);
    ec__esc_report *r = &m->reports[m->nr];
    memset(r, 0, sizeof *r);
    memcpy(r->sku, name, sizeof name);
    r->demand = demand;
    if (n && !(r->locs = ec__calloc(m->alloc, n, sizeof *r->locs)))
        return ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        memcpy(r->locs[i].location, locations[i], strlen(locations[i]) + 1);
        r->locs[i].quantity = rights[i];
        r->rights += rights[i];
    }
    r->nlocs = n;
    m->nr++;
    return EC_OK;
}

ec_status ec_escrow_message_add_report(ec_escrow_message *m, ec_inventory *inv, const char *sku,
                                       int64_t demand, int64_t at_us, ec_error *err)
{
    EC_FAIL_IF(!m || !inv, err, EC_MISUSE, NULL, "message or inventory is NULL");
    ec__esc_name name;
    EC_TRY(ec__esc_name_set(name, sku, "sku", err));
    ec__inv_sync(inv, at_us);
    uint32_t k = ec__inv_find_sku(inv, name, strlen(name));
    size_t n = 0;
    for (uint32_t i = k == EC__INV_NONE ? EC__INV_NONE : inv->skus.v[k].first; i != EC__INV_NONE;
         i = inv->stock.v[i].next)
        n += ec__inv_free(&inv->stock.v[i]) > 0;
    const char **locs = n ? ec__calloc(m->alloc, n, sizeof *locs) : NULL;
    int64_t *rights = n ? ec__calloc(m->alloc, n, sizeof *rights) : NULL;
    ec_status st = !n || (locs && rights) ? EC_OK : ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    size_t j = 0;
    for (uint32_t i = n ? inv->skus.v[k].first : EC__INV_NONE; st == EC_OK && i != EC__INV_NONE;
         i = inv->stock.v[i].next) {
        int64_t free_units = ec__inv_free(&inv->stock.v[i]);
        if (free_units <= 0) continue;
        locs[j] = inv->locs.v[inv->stock.v[i].loc].p;
        rights[j++] = free_units;
    }
    if (st == EC_OK) st = ec__esc_message_report(m, name, demand, n, locs, rights, err);
    ec__dealloc(m->alloc, locs);
    ec__dealloc(m->alloc, rights);
    return st;
}

/* ---- accessors ---------------------------------------------------------------------------- */

const char *ec_escrow_message_from(const ec_escrow_message *m)
{
    return m && m->set ? m->from : NULL;
}
const char *ec_escrow_message_to(const ec_escrow_message *m)
{
    return m && m->set ? m->to : NULL;
}
int64_t ec_escrow_message_at(const ec_escrow_message *m)
{
    return m && m->set ? m->at : 0;
}
size_t ec_escrow_message_transfer_count(const ec_escrow_message *m)
{
    return m ? m->nt : 0;
}
const ec_escrow_transfer *ec_escrow_message_transfer(const ec_escrow_message *m, size_t i)
{
    return m && i < m->nt ? m->transfers[i] : NULL;
}
size_t ec_escrow_message_credited_count(const ec_escrow_message *m)
{
    return m ? m->nc : 0;
}
const char *ec_escrow_message_credited(const ec_escrow_message *m, size_t i)
{
    return m && i < m->nc ? m->credited[i] : NULL;
}
size_t ec_escrow_message_report_count(const ec_escrow_message *m)
{
    return m ? m->nr : 0;
}

static const ec__esc_report *report(const ec_escrow_message *m, size_t i)
{
    return m && i < m->nr ? &m->reports[i] : NULL;
}

const char *ec_escrow_message_report_sku(const ec_escrow_message *m, size_t i)
{
    return report(m, i) ? report(m, i)->sku : NULL;
}
int64_t ec_escrow_message_report_rights(const ec_escrow_message *m, size_t i)
{
    return report(m, i) ? report(m, i)->rights : 0;
}
int64_t ec_escrow_message_report_demand(const ec_escrow_message *m, size_t i)
{
    return report(m, i) ? report(m, i)->demand : 0;
}
size_t ec_escrow_message_report_location_count(const ec_escrow_message *m, size_t i)
{
    return report(m, i) ? report(m, i)->nlocs : 0;
}
const char *ec_escrow_message_report_location(const ec_escrow_message *m, size_t i, size_t k)
{
    const ec__esc_report *r = report(m, i);
    return r && k < r->nlocs ? r->locs[k].location : NULL;
}
int64_t ec_escrow_message_report_location_rights(const ec_escrow_message *m, size_t i, size_t k)
{
    const ec__esc_report *r = report(m, i);
    return r && k < r->nlocs ? r->locs[k].quantity : 0;
}
