/* main.c - ecomd: start-up, the background ruleset poller, signals and
 * the orderly shutdown of docs/service.md "Lifecycle". */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecomd.h"
#include "regions.h"

/* ---- the ruleset poller ------------------------------------------------------------ */

typedef struct poller {
    ecomd_server *srv;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
} poller;

/* Every poll_ms: read the stored version and activate a newer ruleset, so
 * a PUT on any instance reaches this one within that time; then sweep
 * expired reservations and unpaid orders. */
static void *poll_loop(void *arg)
{
    poller *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long long ns = until.tv_nsec + (long long)p->srv->cfg.poll_ms * 1000000;
        until.tv_sec += (time_t)(ns / 1000000000);
        until.tv_nsec = (long)(ns % 1000000000);
        pthread_cond_timedwait(&p->cv, &p->mu, &until);
        if (p->stop) break;
        pthread_mutex_unlock(&p->mu);
        ec_error err;
        ec_error_clear(&err);
        ec_status st = ecomd_rules_refresh(p->srv->rules, p->srv->store, &err);
        if (st == EC_UNAVAILABLE) ecomd_metrics_store_error(p->srv->metrics);
        if (st != EC_OK) ecomd_log(p->srv, "error", "cannot refresh the ruleset", NULL);
        ecomd_sweep(p->srv);
        ecomd_store_outbox_refresh(p->srv->store);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void poller_stop(poller *p)
{
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
}

/* ---- start-up ------------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            char *grown = realloc(buf, cap = cap ? cap * 2 : 65536);
            if (!grown) break;
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    int bad = ferror(f) || n == cap;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

struct rules_seed {
    ecomd_server *srv;
    const char *body;
    size_t len;
};

static ec_status seed_rules_tx(ecomd_tx *tx, void *ctx)
{
    struct rules_seed *seed = ctx;
    const ecomd_store_ops *ops = seed->srv->store->ops;
    int64_t now = ecomd_now_us(), version = 0;
    ec_status st = ops->rules_insert(tx, seed->body, seed->len, 0, now, &version);
    return st == EC_OK ? ops->event_add(tx, "rules.activated", "{\"version\":1}", now) : st;
}

/* A store without a ruleset gets --rules as version 1.  Instances that
 * start together race harmlessly: the loser sees a version conflict. */
static int seed_rules(ecomd_server *srv)
{
    int64_t version = 0;
    if (srv->store->ops->rules_current(srv->store, &version, NULL, NULL) != EC_OK) return 1;
    if (version > 0 || !srv->cfg.rules_path) return 0;
    size_t len = 0;
    char *body = read_file(srv->cfg.rules_path, &len);
    ec_ruleset *rules = NULL;
    ec_error err;
    ec_error_clear(&err);
    if (!body || ec_ruleset_from_json(body, len, NULL, &rules, &err) != EC_OK) {
        fprintf(stderr, "ecomd: %s: %s%s%s\n", srv->cfg.rules_path,
                body ? err.message : "cannot read the file", err.field[0] ? " at " : "", err.field);
        free(body);
        return 1;
    }
    ec_ruleset_free(rules);
    struct rules_seed seed = {srv, body, len};
    ec_status st = ecomd_in_tx(srv->store, seed_rules_tx, &seed);
    free(body);
    return st == EC_OK || st == EC_VERSION_CONFLICT ? 0 : 1;
}

/* The entries of --stock missing from the store are added; existing ones
 * are left alone, so a restart never undoes what happened since. */
typedef struct stock_seed {
    ecomd_server *srv;
    const ec_inventory *from; /* the --stock document */
} stock_seed;

static ec_status seed_entry(ecomd_tx *tx, ecomd_server *srv, const char *sku, const char *loc,
                            const ec_inventory *from)
{
    ecomd_skus skus = {0};
    ecomd_stock stock = {0};
    int64_t on_hand = 0, safety = 0, backorder = 0;
    ec_status st = ecomd_skus_add(&skus, sku);
    if (st == EC_OK) st = srv->store->ops->stock_load(tx, &skus, NULL, ecomd_now_us(), &stock);
    if (st == EC_OK && ec_inventory_stock(stock.inv, sku, loc, NULL, NULL, NULL, NULL) != EC_OK) {
        ec_inventory_stock(from, sku, loc, &on_hand, &safety, &backorder, NULL);
        st = ec_inventory_set(stock.inv, sku, loc, on_hand, &safety, &backorder, NULL, NULL);
        if (st == EC_OK) st = srv->store->ops->stock_save(tx, &stock);
    }
    ecomd_stock_done(&stock);
    ecomd_skus_free(&skus);
    return st;
}

static ec_status seed_stock_tx(ecomd_tx *tx, void *ctx)
{
    stock_seed *seed = ctx;
    const char *sku = NULL, *loc = NULL;
    ec_status st = EC_OK;
    for (size_t i = 0; st == EC_OK && ec_inventory_stock_entry(seed->from, i, &sku, &loc); i++)
        st = seed_entry(tx, seed->srv, sku, loc, seed->from);
    return st;
}

static int seed_stock(ecomd_server *srv)
{
    if (!srv->cfg.stock_path) return 0;
    size_t len = 0;
    char *body = read_file(srv->cfg.stock_path, &len);
    ec_inventory *from = NULL;
    ec_error err;
    ec_error_clear(&err);
    if (!body || ec_inventory_from_json(body, len, NULL, &from, &err) != EC_OK) {
        fprintf(stderr, "ecomd: %s: %s %s\n", srv->cfg.stock_path,
                body ? err.message : "cannot read the file", err.field);
        free(body);
        return 1;
    }
    free(body);
    stock_seed seed = {srv, from};
    ec_status st = ecomd_in_tx(srv->store, seed_stock_tx, &seed);
    ec_inventory_free(from);
    if (st != EC_OK) fprintf(stderr, "ecomd: cannot seed the stock of %s\n", srv->cfg.stock_path);
    return st == EC_OK ? 0 : 1;
}

static int open_all(ecomd_server *srv)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "ecomd: libsodium failed to initialise\n");
        return 1;
    }
    if (srv->cfg.keys_path && !(srv->keys = ecomd_keys_load(srv->cfg.keys_path))) return 1;
    srv->metrics = ecomd_metrics_new();
    srv->rules = ecomd_rules_new();
    if (!srv->metrics || !srv->rules) return 1;
    unsigned pool = srv->cfg.store_connections ? srv->cfg.store_connections : srv->cfg.threads + 2;
    ecomd_pg_options opt = {pool, srv->cfg.store_timeout_ms, srv->cfg.pool_wait_ms, srv,
                            srv->cfg.store_prepare};
    srv->store = ecomd_store_open(srv->cfg.store, &opt);
    if (!srv->store || !ecomd_store_observe(srv->store)) return 1;
    if (srv->cfg.relay_only) return 0; /* no rules, stock or requests: the relay alone */
    ecomd_store_outbox_refresh(srv->store);
    if (seed_rules(srv) || seed_stock(srv)) return 1;
    int bad = 0;
    srv->regions = ecomd_regions_new(srv, &bad);
    if (bad) return 1;
    ec_error err;
    ec_error_clear(&err);
    if (ecomd_rules_refresh(srv->rules, srv->store, &err) != EC_OK) {
        fprintf(stderr, "ecomd: the stored ruleset does not load: %s\n", err.message);
        return 1;
    }
    return 0;
}

static void close_all(ecomd_server *srv)
{
    ecomd_relay_stop(srv->relay);
    ecomd_regions_free(srv->regions);
    if (srv->store) srv->store->ops->close(srv->store);
    ecomd_rules_free(srv->rules);
    ecomd_metrics_free(srv->metrics);
    ecomd_keys_free(srv->keys);
}

static void log_listening(ecomd_server *srv)
{
    char extra[600], listen[300];
    ecomd_json_quote(listen, sizeof listen, srv->cfg.listen);
    snprintf(extra, sizeof extra,
             "\"listen\":%s,\"port\":%u,\"threads\":%u,\"auth\":%s,\"rules_version\":%lld", listen,
             srv->port, srv->cfg.threads, srv->keys ? "true" : "false",
             (long long)ecomd_rules_version(srv->rules));
    ecomd_log(srv, "info", "listening", extra);
}

int main(int argc, char **argv)
{
    static ecomd_server srv;
    int rc = ecomd_config_load(&srv.cfg, argc, argv);
    if (rc) return rc == 1 ? 0 : 2;
    ecomd_log_setup(srv.cfg.log_level, srv.cfg.access_log);
    /* Block the stop signals in every thread (MHD's inherit the mask);
     * the main thread takes them with sigwait. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A store file that may not grow (RLIMIT_FSIZE) is an I/O error the
     * store reports (EFBIG), like a full disk, not a reason to die. */
    signal(SIGXFSZ, SIG_IGN);
    if (open_all(&srv) != 0 || (srv.cfg.events_url && !(srv.relay = ecomd_relay_start(&srv))) ||
        (rc = ecomd_server_start(&srv)) != 0) {
        close_all(&srv);
        return rc ? rc : 1;
    }
    poller p = {.srv = &srv};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    if ((!srv.cfg.relay_only && pthread_create(&p.thread, NULL, poll_loop, &p) != 0) ||
        !ecomd_regions_start(srv.regions)) {
        fprintf(stderr, "ecomd: cannot start the ruleset poller or the regions' thread\n");
        return 1;
    }
    log_listening(&srv);
    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0) {
    }
    ecomd_server_drain(&srv);
    ecomd_regions_stop(srv.regions);
    if (!srv.cfg.relay_only) poller_stop(&p);
    ecomd_log(&srv, "info", "stopped", NULL);
    close_all(&srv);
    return 0;
}
