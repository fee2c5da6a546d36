/* regions.c - the regions' state in one instance: the peers of --peers,
 * the demand and refusal counters the handlers feed, the figures the
 * metrics and GET /v1/stock show, and the thread that runs the exchange
 * and the rebalancing (regions_sync.c) every --rebalance-ms.
 *
 * Demand is counted here per SKU, in memory, by every instance, and added
 * to the store's per-second buckets on each tick, so that the instance that
 * holds the lease plans with the whole region's demand.  The figures of
 * the other regions come from the store (the reports the exchange kept)
 * and are refreshed on each tick; between ticks a refusal is compared
 * with them without touching the store. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecomd.h"
#include "regions.h"
#include "regions_state.h"

/* ---- peers ------------------------------------------------------------------------------------
 */

static int plain_name(const char *s, size_t n)
{
    return n > 0 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") >= n;
}

/* One "name=url" of --peers. */
static int parse_peer(ecomd_regions *rg, const char *item, size_t len)
{
    const char *eq = memchr(item, '=', len);
    size_t n = eq ? (size_t)(eq - item) : 0, ulen = eq ? len - n - 1 : 0;
    if (!eq || !plain_name(item, n) || ulen == 0 || ulen >= sizeof rg->peers[0].url ||
        (strncmp(eq + 1, "http://", 7) != 0 && strncmp(eq + 1, "https://", 8) != 0)) {
        fprintf(stderr, "ecomd: --peers: '%.*s' is not NAME=http(s)://HOST:PORT\n", (int)len, item);
        return 0;
    }
    if (rg->npeers == ECOMD_MAX_PEERS) {
        fprintf(stderr, "ecomd: --peers: at most %d peers\n", ECOMD_MAX_PEERS);
        return 0;
    }
    ecomd_peer *p = &rg->peers[rg->npeers];
    memcpy(p->name, item, n);
    p->name[n] = '\0';
    memcpy(p->url, eq + 1, ulen);
    p->url[ulen] = '\0';
    while (ulen && p->url[ulen - 1] == '/') p->url[--ulen] = '\0';
    if (strcmp(p->name, rg->self) == 0 || ecomd_regions_is_peer(rg, p->name)) {
        fprintf(stderr, "ecomd: --peers: '%s' is this region or named twice\n", p->name);
        return 0;
    }
    rg->npeers++;
    return 1;
}

/* The bearer key presented to peers: the first line of --peer-key. */
static int read_key(ecomd_regions *rg, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (!f || !fgets(line, sizeof line, f)) {
        fprintf(stderr, "ecomd: --peer-key: cannot read %s\n", path);
        if (f) fclose(f);
        return 0;
    }
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    rg->key = strdup(line);
    return rg->key != NULL;
}

ecomd_regions *ecomd_regions_new(ecomd_server *srv, int *bad)
{
    const char *list = srv->cfg.peers;
    *bad = 0;
    if (!list || !*list) return NULL;
    ecomd_regions *rg = calloc(1, sizeof *rg);
    if (!rg) {
        *bad = 1;
        return NULL;
    }
    rg->srv = srv;
    snprintf(rg->self, sizeof rg->self, "%s", srv->cfg.region);
    pthread_mutex_init(&rg->mu, NULL);
    pthread_mutex_init(&rg->stop_mu, NULL);
    pthread_cond_init(&rg->stop_cv, NULL);
    unsigned char r[6];
    ecomd_random(r, sizeof r);
    snprintf(rg->holder, sizeof rg->holder, "%s.%02x%02x%02x%02x%02x%02x", srv->cfg.instance, r[0],
             r[1], r[2], r[3], r[4], r[5]);
    int ok = 1;
    for (const char *p = list; ok && *p;) {
        size_t n = strcspn(p, ",");
        ok = parse_peer(rg, p, n);
        p += n + (p[n] == ',');
    }
    if (ok && srv->cfg.peer_key_path) ok = read_key(rg, srv->cfg.peer_key_path);
    if (ok && !(rg->http = ecomd_regions_http_start())) {
        fprintf(stderr, "ecomd: libcurl failed to initialise\n");
        ok = 0;
    }
    if (!ok) {
        ecomd_regions_free(rg);
        *bad = 1;
        return NULL;
    }
    return rg;
}

void ecomd_regions_free(ecomd_regions *rg)
{
    if (!rg) return;
    if (rg->http) ecomd_regions_http_stop();
    free(rg->demand.v);
    free(rg->peer_rights.v);
    free(rg->key);
    pthread_mutex_destroy(&rg->mu);
    pthread_mutex_destroy(&rg->stop_mu);
    pthread_cond_destroy(&rg->stop_cv);
    free(rg);
}

const char *ecomd_regions_self(const ecomd_regions *rg)
{
    return rg->self;
}

int ecomd_regions_is_peer(const ecomd_regions *rg, const char *name)
{
    for (size_t i = 0; rg && name && i < rg->npeers; i++)
        if (strcmp(rg->peers[i].name, name) == 0) return 1;
    return 0;
}

ecomd_peer *ecomd_regions_find_peer(ecomd_regions *rg, const char *name)
{
    for (size_t i = 0; rg && name && i < rg->npeers; i++)
        if (strcmp(rg->peers[i].name, name) == 0) return &rg->peers[i];
    return NULL;
}

void ecomd_regions_log(ecomd_regions *rg, const char *level, const char *msg, const char *peer,
                       const char *detail)
{
    char extra[700], p[140], d[520];
    if (!ecomd_json_quote(p, sizeof p, peer ? peer : "")) snprintf(p, sizeof p, "\"\"");
    if (!ecomd_json_quote(d, sizeof d, detail ? detail : "")) snprintf(d, sizeof d, "\"\"");
    snprintf(extra, sizeof extra, "\"peer\":%s,\"detail\":%s", p, d);
    ecomd_log(rg->srv, level, msg, extra);
}

void ecomd_regions_count(ecomd_regions *rg, int counter, long n)
{
    if (rg && counter >= 0 && counter < ECOMD_RG_COUNTERS)
        atomic_fetch_add_explicit(&rg->counters[counter], (unsigned long long)n,
                                  memory_order_relaxed);
}

/* ---- demand and refusals ----------------------------------------------------------------- */

ec_status ecomd_sku_list_add(ecomd_sku_list *l, const char *sku, int64_t units)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        ecomd_sku_units *v = realloc(l->v, cap * sizeof *v);
        if (!v) return EC_NO_MEMORY;
        l->v = v;
        l->cap = cap;
    }
    snprintf(l->v[l->n].sku, sizeof l->v[l->n].sku, "%s", sku);
    l->v[l->n++].units = units;
    return EC_OK;
}

/* Add units to the SKU's count since the last flush (under mu); past
 * ECOMD_DEMAND_SKUS SKUs a new one waits for the next tick. */
static void add_demand(ecomd_regions *rg, const char *sku, int64_t units)
{
    for (size_t i = 0; i < rg->demand.n; i++)
        if (strcmp(rg->demand.v[i].sku, sku) == 0) {
            rg->demand.v[i].units += units;
            return;
        }
    if (rg->demand.n < ECOMD_DEMAND_SKUS) ecomd_sku_list_add(&rg->demand, sku, units);
}

static int by_sku(const void *a, const void *b)
{
    return strcmp(((const ecomd_sku_units *)a)->sku, ((const ecomd_sku_units *)b)->sku);
}

/* The other regions' rights of `sku` as last reported (under mu). */
static int64_t peer_rights_of(const ecomd_regions *rg, const char *sku)
{
    ecomd_sku_units key;
    snprintf(key.sku, sizeof key.sku, "%s", sku);
    const ecomd_sku_units *hit =
        rg->peer_rights.n ? bsearch(&key, rg->peer_rights.v, rg->peer_rights.n, sizeof key, by_sku)
                          : NULL;
    return hit ? hit->units : 0;
}

void ecomd_regions_note(ecomd_regions *rg, const ec_inventory_request *req, ec_status st,
                        const ec_inventory_result *shortage)
{
    if (!rg || !req || (st != EC_OK && st != EC_INSUFFICIENT_STOCK)) return;
    pthread_mutex_lock(&rg->mu);
    for (size_t i = 0; i < ec_inventory_request_line_count(req); i++)
        add_demand(rg, ec_inventory_request_line_sku(req, i),
                   ec_inventory_request_line_quantity(req, i));
    const char *sku =
        st == EC_INSUFFICIENT_STOCK && shortage ? ec_inventory_result_shortage_sku(shortage) : NULL;
    int peer_holds = sku && peer_rights_of(rg, sku) > 0;
    pthread_mutex_unlock(&rg->mu);
    if (sku) atomic_fetch_add_explicit(&rg->refusals[peer_holds], 1, memory_order_relaxed);
}

/* Take the counts since the last flush (the caller frees them). */
ecomd_sku_list ecomd_regions_take_demand(ecomd_regions *rg)
{
    pthread_mutex_lock(&rg->mu);
    ecomd_sku_list l = rg->demand;
    memset(&rg->demand, 0, sizeof rg->demand);
    pthread_mutex_unlock(&rg->mu);
    return l;
}

/* Replace the other regions' rights per SKU (taken over; sorted here). */
void ecomd_regions_set_peer_rights(ecomd_regions *rg, ecomd_sku_list *l)
{
    if (l->n) qsort(l->v, l->n, sizeof *l->v, by_sku);
    pthread_mutex_lock(&rg->mu);
    free(rg->peer_rights.v);
    rg->peer_rights = *l;
    pthread_mutex_unlock(&rg->mu);
    memset(l, 0, sizeof *l);
}

/* ---- the thread ----------------------------------------------------------------------------- */

static void *loop(void *arg)
{
    ecomd_regions *rg = arg;
    pthread_mutex_lock(&rg->stop_mu);
    while (!rg->stop) {
        pthread_mutex_unlock(&rg->stop_mu);
        ecomd_regions_tick(rg);
        pthread_mutex_lock(&rg->stop_mu);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long long ns = until.tv_nsec + (long long)rg->srv->cfg.rebalance_ms * 1000000;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        if (!rg->stop) pthread_cond_timedwait(&rg->stop_cv, &rg->stop_mu, &until);
    }
    pthread_mutex_unlock(&rg->stop_mu);
    return NULL;
}

int ecomd_regions_start(ecomd_regions *rg)
{
    if (!rg) return 1;
    if (pthread_create(&rg->thread, NULL, loop, rg) != 0) return 0;
    rg->started = 1;
    return 1;
}

void ecomd_regions_stop(ecomd_regions *rg)
{
    if (!rg || !rg->started) return;
    pthread_mutex_lock(&rg->stop_mu);
    rg->stop = 1;
    pthread_cond_signal(&rg->stop_cv);
    pthread_mutex_unlock(&rg->stop_mu);
    pthread_join(rg->thread, NULL);
    rg->started = 0;
    ecomd_regions_flush(rg); /* the last counts of demand are not lost */
}
