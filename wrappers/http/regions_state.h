/* regions_state.h - what the regions' files share of one instance's state
 * (regions.c, regions_sync.c, regions_view.c, handlers_regions.c).
 * Private. */
#ifndef ECOMD_REGIONS_STATE_H
#define ECOMD_REGIONS_STATE_H

#include <pthread.h>
#include <stdatomic.h>

#include "regions.h"

#define ECOMD_MAX_PEERS 16
/* SKUs whose demand one instance counts between two ticks; past this,
 * the rest waits for the next tick. */
#define ECOMD_DEMAND_SKUS 65536
/* SKUs the rebalancer plans per tick, and transfers sent per exchange. */
#define ECOMD_PLAN_SKUS 1000
#define ECOMD_EXCHANGE_TRANSFERS 500

typedef struct ecomd_sku_units {
    char sku[129];
    int64_t units;
} ecomd_sku_units;

/* A growable list of (SKU, units); free v when done. */
typedef struct ecomd_sku_list {
    ecomd_sku_units *v;
    size_t n, cap;
} ecomd_sku_list;

typedef struct ecomd_peer {
    char name[65];
    char url[512];
    atomic_llong last_ok_us;    /* the last exchange that was answered, 0: never */
    atomic_ullong exchanges[2]; /* answered, failed */
    atomic_llong rights;        /* its rights over all SKUs, as last reported */
    atomic_llong in_flight_n, in_flight_units;
    atomic_int lost;
    int resend; /* the thread's: transfers were debited for it this tick */
} ecomd_peer;

struct ecomd_regions {
    ecomd_server *srv;
    char self[65];
    ecomd_peer peers[ECOMD_MAX_PEERS];
    size_t npeers;
    char *key;                  /* presented to the peers; NULL without --peer-key */
    char holder[96];            /* this instance in the lease */
    pthread_mutex_t mu;         /* demand and peer_rights */
    ecomd_sku_list demand;      /* counted since the last flush */
    ecomd_sku_list peer_rights; /* per SKU, sorted */
    atomic_llong rights;        /* this region's, over all SKUs */
    atomic_int lease_held;      /* this instance delivers and rebalances */
    atomic_ullong counters[ECOMD_RG_COUNTERS];
    atomic_ullong refusals[2]; /* no other region held rights, one did */
    pthread_t thread;
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cv;
    int stop, started;
    int http; /* libcurl was set up */
};

ecomd_peer *ecomd_regions_find_peer(ecomd_regions *rg, const char *name);
/* One JSON log line about a peer. */
void ecomd_regions_log(ecomd_regions *rg, const char *level, const char *msg, const char *peer,
                       const char *detail);

/* Append; EC_NO_MEMORY (the list as it was). */
ec_status ecomd_sku_list_add(ecomd_sku_list *l, const char *sku, int64_t units);

/* The region's demand per SKU over the window (regions_sync.c), by SKU. */
ec_status ecomd_regions_demand(ecomd_regions *rg, ecomd_tx *tx, ecomd_sku_list *l);
int64_t ecomd_demand_of(const ecomd_sku_list *l, const char *sku);
/* The demand counted since the last flush (taken over). */
ecomd_sku_list ecomd_regions_take_demand(ecomd_regions *rg);
/* The other regions' rights per SKU (taken over). */
void ecomd_regions_set_peer_rights(ecomd_regions *rg, ecomd_sku_list *l);

/* One tick of the thread (regions_sync.c): flush the demand; take the
 * lease; if held, exchange with every peer and rebalance; refresh the
 * figures.  Flush only: the demand counted so far goes to the store. */
void ecomd_regions_tick(ecomd_regions *rg);
void ecomd_regions_flush(ecomd_regions *rg);
/* A peer is reachable when an exchange with it was answered within the
 * last three ticks (and at least the last two seconds). */
int ecomd_regions_reachable(ecomd_regions *rg, const ecomd_peer *p, int64_t now_us);

#endif /* ECOMD_REGIONS_STATE_H */
