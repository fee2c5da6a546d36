/* main.c - ecomd: start-up, the background ruleset poller, signals and
 * the orderly shutdown of http.md "Lifecycle". */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecomd.h"

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
    ecomd_tx *tx = NULL;
    int64_t now = ecomd_now_us();
    ec_status st = srv->store->ops->tx_begin(srv->store, &tx);
    if (st == EC_OK) st = srv->store->ops->rules_insert(tx, body, len, 0, now, &version);
    if (st == EC_OK) st = srv->store->ops->event_add(tx, "rules.activated", "{\"version\":1}", now);
    if (st == EC_OK)
        st = srv->store->ops->tx_commit(tx);
    else if (tx)
        srv->store->ops->tx_rollback(tx);
    free(body);
    return st == EC_OK || st == EC_VERSION_CONFLICT ? 0 : 1;
}

/* The state document of --stock: entries missing from the store are
 * added (set), existing ones are left alone, so a restart never undoes
 * what happened since. */
static ec_status seed_one(ecomd_server *srv, ecomd_tx *tx, const cJSON *entry)
{
    cJSON *skus = cJSON_CreateArray();
    cJSON_AddItemToArray(skus, cJSON_CreateString(cJSON_GetStringValue(
                                   cJSON_GetObjectItemCaseSensitive(entry, "sku"))));
    char *list = cJSON_PrintUnformatted(skus), *state = NULL;
    cJSON_Delete(skus);
    ec_status st =
        list ? srv->store->ops->stock_load(tx, list, NULL, ecomd_now_us(), &state) : EC_NO_MEMORY;
    cJSON *have = st == EC_OK ? cJSON_Parse(state) : NULL;
    const cJSON *e;
    int present = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(have, "stock")) present |=
        cJSON_Compare(cJSON_GetObjectItemCaseSensitive(e, "location"),
                      cJSON_GetObjectItemCaseSensitive(entry, "location"), 1);
    if (st == EC_OK && !present) {
        ecomd_inv_run run = {.skus = list, .ops = cJSON_CreateArray()};
        cJSON *op = cJSON_Duplicate(entry, 1);
        cJSON_AddStringToObject(op, "op", "set");
        cJSON_AddItemToArray(run.ops, op);
        st = ecomd_inventory_run(tx, srv->store, &run);
        if (st == EC_OK && run.op_status != EC_OK) st = run.op_status;
        ecomd_inventory_run_done(&run);
    }
    cJSON_Delete(have);
    free(state);
    free(list);
    return st;
}

static int seed_stock(ecomd_server *srv)
{
    if (!srv->cfg.stock_path) return 0;
    size_t len = 0;
    char *body = read_file(srv->cfg.stock_path, &len);
    ec_inventory *inv = NULL;
    ec_error err;
    ec_error_clear(&err);
    cJSON *doc = NULL;
    if (!body || ec_inventory_from_json(body, len, NULL, &inv, &err) != EC_OK ||
        !(doc = cJSON_Parse(body))) {
        fprintf(stderr, "ecomd: %s: %s %s\n", srv->cfg.stock_path,
                body ? err.message : "cannot read the file", err.field);
        free(body);
        return 1;
    }
    ec_inventory_free(inv);
    free(body);
    ecomd_tx *tx = NULL;
    ec_status st = srv->store->ops->tx_begin(srv->store, &tx);
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(doc, "stock")) if (st == EC_OK) st =
        seed_one(srv, tx, entry);
    if (st == EC_OK)
        st = srv->store->ops->tx_commit(tx);
    else if (tx)
        srv->store->ops->tx_rollback(tx);
    cJSON_Delete(doc);
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
    /* postgresql:// (or postgres://) URIs and "pg:" + a key=value libpq
     * string go to the PostgreSQL store. */
    const char *spec = srv->cfg.store;
    int uri = strncmp(spec, "postgresql://", 13) == 0 || strncmp(spec, "postgres://", 11) == 0;
    int kv = strncmp(spec, "pg:", 3) == 0;
    unsigned pool = srv->cfg.store_connections ? srv->cfg.store_connections : srv->cfg.threads + 2;
    ecomd_pg_options pg = {pool, srv->cfg.store_timeout_ms, srv->cfg.pool_wait_ms, srv};
    srv->store =
        uri || kv ? ecomd_store_pg_open(kv ? spec + 3 : spec, &pg) : ecomd_store_open(spec, pool);
    if (!srv->store) return 1;
    if (seed_rules(srv) || seed_stock(srv)) return 1;
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
    /* Block the stop signals in every thread (MHD's inherit the mask);
     * the main thread takes them with sigwait. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (open_all(&srv) != 0 || (rc = ecomd_server_start(&srv)) != 0) {
        close_all(&srv);
        return rc ? rc : 1;
    }
    poller p = {.srv = &srv};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    if (pthread_create(&p.thread, NULL, poll_loop, &p) != 0) {
        fprintf(stderr, "ecomd: cannot start the ruleset poller\n");
        return 1;
    }
    log_listening(&srv);
    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0) {
    }
    ecomd_server_drain(&srv);
    poller_stop(&p);
    ecomd_log(&srv, "info", "stopped", NULL);
    close_all(&srv);
    return 0;
}
