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
    "  --peers NAME=URL,...     the other regions, each with its own store, and\n"
    "                           where to reach one of their instances: this\n"
    "                           region's stock rows become its share of the\n"
    "                           stock (docs/regions.md); none: one region\n"
    "  --peer-key FILE          the API key (first line) presented to the peers\n"
    "  --rebalance-ms MS        how often transfers are sent and rights\n"
    "                           rebalanced, by one instance of the region (1000)\n"
    "  --rebalance-horizon SECONDS  each region keeps the rights for its expected\n"
    "                           sales over this (600)\n"
    "  --demand-window SECONDS  the demand the rebalancing looks at (600)\n";

/* T_UINT and T_SIZE take 1 to max; T_UINT0 also 0 ("never", for the ttls). */
enum { T_STR, T_UINT, T_UINT0, T_SIZE };

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

static int set(ecomd_config *cfg, const setting *o, const char *value, const char *from)
{
    char *base = (char *)cfg + o->offset;
    if (o->type == T_STR) {
        memcpy(base, &value, sizeof value);
        return 0;
    }
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
    int c;
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
        if (set(cfg, &options[c - OPT_BASE], optarg, flag)) return 2;
    }
    if (optind < argc) return bad_usage("unexpected argument ", argv[optind], "");
    return 0;
}

int ecomd_config_load(ecomd_config *cfg, int argc, char **argv)
{
    defaults(cfg);
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
    return 0;
}
