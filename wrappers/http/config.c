/* config.c - ecomd's settings: defaults, then ECOMD_* environment
 * variables, then command-line options (the last one wins).
 *
 * Options are parsed with getopt_long, as ecom's are: "--name value" or
 * "--name=value", "-h"/"--help" and "-V"/"--version"; docs/ecomd.8 lists
 * them all. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecomd.h"
#include "request_head.h"

static const char usage[] =
    "usage: ecomd [options]   (each option also reads ECOMD_<NAME>, e.g. ECOMD_LISTEN)\n"
    "  -h, --help               print this help and exit\n"
    "  -V, --version            print ecomd's and the library's versions and exit\n"
    "  --listen HOST:PORT       address to serve (127.0.0.1:8080; [::1]:8080 for IPv6)\n"
    "  --store sqlite:PATH      the store (sqlite:./ecom.db), or a shared PostgreSQL\n"
    "                           store: a libpq URI postgresql://... or pg:KEY=VALUE...\n"
    "  --rules FILE             ruleset stored as version 1 when the store holds none\n"
    "  --stock FILE             stock entries (an inventory state document) added\n"
    "                           when missing\n"
    "  --keys FILE              API key file (lines: name admin|client blake2b-hex);\n"
    "                           without it only loopback addresses are served\n"
    "  --region NAME            region label of logs and metrics (local)\n"
    "  --instance NAME          instance label (the host name)\n"
    "  --threads N              worker threads (4)\n"
    "  --max-body BYTES         largest request body (1048576)\n"
    "  --header-limit BYTES     memory for one connection's request head (65536)\n"
    "  --timeout SECONDS        a connection that sends nothing this long is closed;\n"
    "                           idle kept-alive connections wait this long (30)\n"
    "  --request-timeout SECONDS  a request, from its first byte to the end of its\n"
    "                           body, headers included, must arrive within this,\n"
    "                           else 408 or the connection is closed (10)\n"
    "  --max-connections N      connections at once (4096)\n"
    "  --per-ip-limit N         connections at once from one address (1024)\n"
    "  --grace-ms MS            on SIGTERM, keep serving this long before closing (2000)\n"
    "  --poll-ms MS             how often the stored ruleset version is read and\n"
    "                           expired reservations and unpaid orders are swept (1000)\n"
    "  --payment-ttl SECONDS    an order not paid within this is expired (1800)\n"
    "  --idempotency-ttl SECONDS  stored responses to Idempotency-Keys are\n"
    "                           forgotten after this; 0 keeps them (86400)\n"
    "  --events-ttl SECONDS     outbox events are deleted after this; 0 keeps\n"
    "                           them (604800)\n"
    "  --store-connections N    database connections of the pool (threads + 2)\n"
    "  --store-timeout-ms MS    PostgreSQL: statement_timeout of every transaction;\n"
    "                           a database that has not answered this + 1000 ms\n"
    "                           later loses its connection and the request gets\n"
    "                           503 (5000)\n"
    "  --pool-wait-ms MS        PostgreSQL: a request waits this long for a free\n"
    "                           connection, /readyz this long for SELECT 1, then\n"
    "                           503 (2000)\n"
    "  --store-prepare on|off   PostgreSQL: prepare each statement once per\n"
    "                           connection; off for a pooler in transaction mode\n"
    "                           that does not keep prepared statements (on)\n"
    "  --events nats://HOST:PORT  publish every outbox event to this NATS\n"
    "                           JetStream (several: comma-separated URLs;\n"
    "                           user:password@ or a token@ in a URL)\n"
    "  --events-stream NAME     the JetStream stream, created when absent with\n"
    "                           subjects ecom.> (ECOM)\n"
    "  --events-batch N         events per publish round (256)\n"
    "  --events-poll-ms MS      how often an idle relay reads the outbox (100)\n"
    "  --events-lease-ms MS     one instance publishes at a time, holding a lease\n"
    "                           in the store this long unrenewed (5000)\n"
    "  --events-dedupe-window SECONDS  duplicate window of a stream ecomd\n"
    "                           creates (120)\n"
    "  --events-ca FILE         CA certificates (PEM) of the broker's TLS\n"
    "                           certificate; TLS is then required\n"
    "  --log-level LEVEL        least level logged: debug, info, warn, error (info)\n"
    "  --access-log on|off      one JSON line per request (on)\n"
    "  --cors-origin ORIGIN     let browser pages of ORIGIN (https://shop.example)\n"
    "                           call the API (CORS); repeatable, or a comma-separated\n"
    "                           list; none by default\n"
    "  --peers NAME=URL,...     the other regions, each with its own store, and\n"
    "                           where to reach one of their instances: this\n"
    "                           region's stock rows become its share of the\n"
    "                           stock (docs/regions.md); none: one region\n"
    "  --peer-key FILE          the API key (first line) presented to the peers\n"
    "  --rebalance-ms MS        how often transfers are sent and rights\n"
    "                           rebalanced, by one instance of the region (1000)\n"
    "  --rebalance-horizon SECONDS  each region keeps the rights for its expected\n"
    "                           sales over this (600)\n"
    "  --demand-window SECONDS  the demand the rebalancing looks at (600)\n"
    "usage: ecomd relay [options]   the outbox relay alone (needs --events and\n"
    "                           --store): serves /healthz, /readyz and /metrics\n";

/* T_UINT and T_SIZE take 1 to max; T_UINT0 also 0 ("never", for the ttls).
 * T_LEVEL: a log level name; T_SWITCH: on or off; T_ORIGINS: a list of
 * origins, appended to (the options replace what the environment gave). */
enum { T_STR, T_UINT, T_UINT0, T_SIZE, T_LEVEL, T_SWITCH, T_ORIGINS };

typedef struct setting {
    const char *flag; /* without the leading "--" */
    const char *env;
    int type;
    size_t offset;
    unsigned long max;
} setting;

#define OPT(f, e, t, field, m)                                                                     \
    {                                                                                              \
        f, e, t, offsetof(ecomd_config, field), m                                                  \
    }

static const setting options[] = {
    OPT("listen", "ECOMD_LISTEN", T_STR, listen, 0),
    OPT("store", "ECOMD_STORE", T_STR, store, 0),
    OPT("rules", "ECOMD_RULES", T_STR, rules_path, 0),
    OPT("stock", "ECOMD_STOCK", T_STR, stock_path, 0),
    OPT("keys", "ECOMD_KEYS", T_STR, keys_path, 0),
    OPT("region", "ECOMD_REGION", T_STR, region, 0),
    OPT("instance", "ECOMD_INSTANCE", T_STR, instance, 0),
    OPT("threads", "ECOMD_THREADS", T_UINT, threads, 256),
    OPT("max-body", "ECOMD_MAX_BODY", T_SIZE, max_body, 1ul << 30),
    OPT("header-limit", "ECOMD_HEADER_LIMIT", T_UINT, header_limit, 1u << 24),
    OPT("timeout", "ECOMD_TIMEOUT", T_UINT, conn_timeout, 86400),
    OPT("request-timeout", "ECOMD_REQUEST_TIMEOUT", T_UINT, request_timeout, 86400),
    OPT("max-connections", "ECOMD_MAX_CONNECTIONS", T_UINT, max_conns, 1000000),
    OPT("per-ip-limit", "ECOMD_PER_IP_LIMIT", T_UINT, per_ip, 1000000),
    OPT("grace-ms", "ECOMD_GRACE_MS", T_UINT, grace_ms, 600000),
    OPT("poll-ms", "ECOMD_POLL_MS", T_UINT, poll_ms, 60000),
    OPT("payment-ttl", "ECOMD_PAYMENT_TTL", T_UINT, payment_ttl, 31536000),
    OPT("idempotency-ttl", "ECOMD_IDEMPOTENCY_TTL", T_UINT0, idempotency_ttl, 315360000),
    OPT("events-ttl", "ECOMD_EVENTS_TTL", T_UINT0, events_ttl, 315360000),
    OPT("store-connections", "ECOMD_STORE_CONNECTIONS", T_UINT, store_connections, 10000),
    OPT("store-timeout-ms", "ECOMD_STORE_TIMEOUT_MS", T_UINT, store_timeout_ms, 3600000),
    OPT("pool-wait-ms", "ECOMD_POOL_WAIT_MS", T_UINT, pool_wait_ms, 3600000),
    OPT("store-prepare", "ECOMD_STORE_PREPARE", T_SWITCH, store_prepare, 0),
    OPT("events", "ECOMD_EVENTS", T_STR, events_url, 0),
    OPT("events-stream", "ECOMD_EVENTS_STREAM", T_STR, events_stream, 0),
    OPT("events-batch", "ECOMD_EVENTS_BATCH", T_UINT, events_batch, 10000),
    OPT("events-poll-ms", "ECOMD_EVENTS_POLL_MS", T_UINT, events_poll_ms, 60000),
    OPT("events-lease-ms", "ECOMD_EVENTS_LEASE_MS", T_UINT, events_lease_ms, 600000),
    OPT("events-dedupe-window", "ECOMD_EVENTS_DEDUPE_WINDOW", T_UINT, events_dedupe_s, 604800),
    OPT("events-ca", "ECOMD_EVENTS_CA", T_STR, events_ca, 0),
    OPT("log-level", "ECOMD_LOG_LEVEL", T_LEVEL, log_level, 0),
    OPT("access-log", "ECOMD_ACCESS_LOG", T_SWITCH, access_log, 0),
    OPT("cors-origin", "ECOMD_CORS_ORIGIN", T_ORIGINS, cors, 0),
    OPT("peers", "ECOMD_PEERS", T_STR, peers, 0),
    OPT("peer-key", "ECOMD_PEER_KEY", T_STR, peer_key_path, 0),
    OPT("rebalance-ms", "ECOMD_REBALANCE_MS", T_UINT, rebalance_ms, 3600000),
    OPT("rebalance-horizon", "ECOMD_REBALANCE_HORIZON", T_UINT, rebalance_horizon, 2592000),
    OPT("demand-window", "ECOMD_DEMAND_WINDOW", T_UINT, demand_window, 2592000),
};
#define NOPTIONS (sizeof options / sizeof options[0])

/* Labels end up in Prometheus labels and log lines: keep them plain. */
static int plain_label(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789-_.") == n;
}

static const char *const level_names[] = {"debug", "info", "warn", "error"};

/* The words of T_LEVEL and T_SWITCH options: the value's index, or -1. */
static int word(const char *value, const char *const *words, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(value, words[i]) == 0) return i;
    return -1;
}

/* Every comma-separated item of an origin list is an origin. */
static int origins_valid(const char *list)
{
    int items = 0;
    for (const char *p = list;; p++) {
        p += strspn(p, " ");
        size_t n = strcspn(p, ",");
        while (n > 0 && p[n - 1] == ' ') n--;
        if (!ecomd_origin_valid(p, n)) return 0;
        items++;
        p += strcspn(p, ",");
        if (!*p) return items > 0;
    }
}

static int set_word(ecomd_config *cfg, const setting *o, const char *value, const char *from)
{
    static const char *const switches[] = {"off", "on"};
    int v = o->type == T_LEVEL ? word(value, level_names, 4) : word(value, switches, 2);
    if (v < 0) {
        fprintf(stderr, "ecomd: %s: '%s' is not one of %s\n(see 'ecomd --help')\n", from, value,
                o->type == T_LEVEL ? "debug, info, warn, error" : "on, off");
        return 2;
    }
    *(int *)(void *)((char *)cfg + o->offset) = v;
    return 0;
}

static int add_origins(ecomd_config *cfg, const char *value, const char *from)
{
    if (!origins_valid(value)) {
        fprintf(stderr,
                "ecomd: %s: '%s' is not a list of origins (scheme://host[:port], "
                "no path)\n(see 'ecomd --help')\n",
                from, value);
        return 2;
    }
    if (cfg->ncors == ECOMD_CORS_MAX) {
        fprintf(stderr, "ecomd: %s: more than %d values\n", from, ECOMD_CORS_MAX);
        return 2;
    }
    cfg->cors[cfg->ncors++] = value;
    return 0;
}

int ecomd_cors_allowed(const ecomd_config *cfg, const char *origin)
{
    for (unsigned i = 0; i < cfg->ncors; i++)
        if (ecomd_origin_listed(cfg->cors[i], origin)) return 1;
    return 0;
}

static int set(ecomd_config *cfg, const setting *o, const char *value, const char *from)
{
    char *base = (char *)cfg + o->offset;
    if (o->type == T_STR) {
        memcpy(base, &value, sizeof value);
        return 0;
    }
    if (o->type == T_LEVEL || o->type == T_SWITCH) return set_word(cfg, o, value, from);
    if (o->type == T_ORIGINS) return add_origins(cfg, value, from);
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    unsigned long min = o->type == T_UINT0 ? 0 : 1;
    if (errno || end == value || *end || value[0] == '-' || v < min || v > o->max) {
        fprintf(stderr, "ecomd: %s: '%s' is not a number from %lu to %lu\n(see 'ecomd --help')\n",
                from, value, min, o->max);
        return 2;
    }
    if (o->type != T_SIZE)
        *(unsigned *)(void *)base = (unsigned)v;
    else
        *(size_t *)(void *)base = (size_t)v;
    return 0;
}

static void defaults(ecomd_config *cfg)
{
    static char host[65];
    memset(cfg, 0, sizeof *cfg);
    cfg->listen = "127.0.0.1:8080";
    cfg->store = "sqlite:./ecom.db";
    cfg->region = "local";
    if (gethostname(host, sizeof host - 1) != 0 || !plain_label(host)) strcpy(host, "ecomd");
    cfg->instance = host;
    cfg->threads = 4;
    cfg->max_body = 1u << 20;
    cfg->header_limit = 1u << 16;
    cfg->conn_timeout = 30;
    cfg->request_timeout = 10;
    cfg->max_conns = 4096;
    cfg->per_ip = 1024;
    cfg->grace_ms = 2000;
    cfg->poll_ms = 1000;
    cfg->payment_ttl = 1800;
    cfg->idempotency_ttl = 86400;
    cfg->events_ttl = 604800;
    cfg->store_timeout_ms = 5000;
    cfg->pool_wait_ms = 2000;
    cfg->store_prepare = 1;
    cfg->events_stream = "ECOM";
    cfg->events_batch = 256;
    cfg->events_poll_ms = 100;
    cfg->events_lease_ms = 5000;
    cfg->events_dedupe_s = 120;
    cfg->log_level = ECOMD_LOG_INFO;
    cfg->access_log = 1;
    cfg->rebalance_ms = 1000;
    cfg->rebalance_horizon = 600;
    cfg->demand_window = 600;
}

/* "ecomd: unknown option '--nope'", worded as ecom words them. */
static int bad_usage(const char *before, const char *arg, const char *after)
{
    size_t n = strncmp(arg, "--", 2) == 0 ? strcspn(arg, "=") : strlen(arg);
    fprintf(stderr, "ecomd: %s'%.*s'%s\n(see 'ecomd --help')\n", before, (int)(n < 64 ? n : 64),
            arg, after);
    return 2;
}

static int print_version(void)
{
    printf("ecomd %s\nlibecommerce %s\n", EC_VERSION_STRING, ec_version_string());
    return 1;
}

/* Option k of the table is val OPT_BASE + k: no short option has it. */
enum { OPT_BASE = 256 };

static int from_args(ecomd_config *cfg, int argc, char **argv)
{
    struct option longopts[NOPTIONS + 3];
    char flag[80];
    for (size_t k = 0; k < NOPTIONS; k++)
        longopts[k] = (struct option){options[k].flag, required_argument, NULL, OPT_BASE + (int)k};
    longopts[NOPTIONS] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[NOPTIONS + 1] = (struct option){"version", no_argument, NULL, 'V'};
    longopts[NOPTIONS + 2] = (struct option){NULL, 0, NULL, 0};
    opterr = 0; /* our messages, not getopt's */
    optind = 0;
    int c, origins_flagged = 0;
    while ((c = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return 1;
        }
        if (c == 'V') return print_version();
        if (c == '?' && optopt > 0 && optopt < OPT_BASE && optopt != 'h' && optopt != 'V') {
            snprintf(flag, sizeof flag, "-%c", optopt);
            return bad_usage("unknown option ", flag, "");
        }
        if (c == '?')
            return optopt ? bad_usage("option ", argv[optind - 1], " takes no value")
                          : bad_usage("unknown option ", argv[optind - 1], "");
        if (c == ':') return bad_usage("option ", argv[optind - 1], " needs a value");
        snprintf(flag, sizeof flag, "--%s", options[c - OPT_BASE].flag);
        if (options[c - OPT_BASE].type == T_ORIGINS && !origins_flagged++)
            cfg->ncors = 0; /* the options replace the environment's list */
        if (set(cfg, &options[c - OPT_BASE], optarg, flag)) return 2;
    }
    if (optind < argc) return bad_usage("unexpected argument ", argv[optind], "");
    return 0;
}

/* The relay's settings: a stream name JetStream takes, and a relay to
 * run alone only with a broker to run it for. */
static int relay_settings_ok(const ecomd_config *cfg)
{
    size_t n = strlen(cfg->events_stream);
    if (n < 1 || n > 64 ||
        strspn(cfg->events_stream, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789-_") != n) {
        fprintf(stderr, "ecomd: --events-stream is 1 to 64 of [A-Za-z0-9_-]\n");
        return 0;
    }
    if (cfg->relay_only && (!cfg->events_url || !*cfg->events_url)) {
        fprintf(stderr, "ecomd: 'ecomd relay' needs --events nats://HOST:PORT\n");
        return 0;
    }
    if (cfg->events_lease_ms < 300) {
        fprintf(stderr, "ecomd: --events-lease-ms is at least 300\n");
        return 0;
    }
    return 1;
}

int ecomd_config_load(ecomd_config *cfg, int argc, char **argv)
{
    defaults(cfg);
    if (argc > 1 && strcmp(argv[1], "relay") == 0) { /* the subcommand comes first */
        cfg->relay_only = 1;
        argc--;
        argv++;
    }
    for (size_t k = 0; k < NOPTIONS; k++) {
        const char *v = getenv(options[k].env);
        if (v && *v && set(cfg, &options[k], v, options[k].env)) return 2;
    }
    int rc = from_args(cfg, argc, argv);
    if (rc) return rc;
    if (!plain_label(cfg->region) || !plain_label(cfg->instance)) {
        fprintf(stderr, "ecomd: region and instance are 1 to 64 of [A-Za-z0-9._-]\n");
        return 2;
    }
    return relay_settings_ok(cfg) ? 0 : 2;
}
