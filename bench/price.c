/* price.c - pricing benchmark: throughput, latency, allocations, compile time.
 *
 * Generates its whole workload in memory from a fixed seed (nothing is read
 * or committed): a ruleset of 10,000 products in 200 categories, 3 price
 * lists (one with tiers), 200 promotions of every kind, DE and "*" tax and
 * two shipping methods, compiled with ec_ruleset_from_json(); and 10,000
 * carts of 10 random lines.  It prints, each the median of several runs,
 * carts/s through the typed API and the JSON facade on one and two threads,
 * the latency per cart, the allocations per cart in steady state and the
 * time to compile a ruleset ten times as large, next to the project's
 * targets.  bench/README.md describes every line.
 *
 * Usage: price [--quick] [--runs N] [--only typed|json]
 *   --quick       1,000 carts and a 10,000-product compile (for profilers)
 *   --runs N      runs per figure (default 5)
 *   --only typed  one-thread typed throughput only; --only json, the JSON
 *                 facade only: under a profiler the other path, the threads,
 *                 the latency, allocation and compile figures stay out of
 *                 the profile (the setup and the checksum pass remain)
 * Exits 1 when the workload does not price (a functional failure); missing
 * a target is reported, not an error, since timings depend on the machine. */
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ecommerce/cart.h"
#include "ecommerce/json.h"
#include "ecommerce/money.h"
#include "ecommerce/pricing.h"
#include "ecommerce/ruleset.h"
#include "ecommerce/version.h"

#define SEED 0x5eed2026u
#define LINES_PER_CART 10
#define AT "2026-11-28T10:00:00Z"

/* ---- small tools ------------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("price: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* splitmix64: the same workload on every machine and every run. */
static uint64_t rng_state = SEED;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static int below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

/* A second stream for what only one workload draws (a US cart's city, a
 * code), so that every workload has the same products, rules and lines. */
static uint64_t side_state = SEED ^ 0x51de;

static int side_below(int n)
{
    uint64_t z = (side_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (int)((z ^ (z >> 31)) % (uint64_t)n);
}

/* A growable string. */
typedef struct sb {
    char *p;
    size_t n, cap;
} sb;

static void sb_put(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_put(sb *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k < 0) die("vsnprintf failed");
        if ((size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + (size_t)k + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) die("out of memory");
        b->p = p;
        b->cap = cap;
    }
}

/* Amount in cents as a money string, at most 31 bytes. */
static const char *eur(int64_t cents, char *buf)
{
    snprintf(buf, 32, "%lld.%02lld", (long long)(cents / 100), (long long)(cents % 100));
    return buf;
}

/* ---- the ruleset -------------------------------------------------------------- */

typedef struct shape {
    int products, categories, list_entries, promotions;
} shape;

/* The workloads: the main one; the same with a US tax table (50 states,
 * 3,000 county and city ZIP entries, 3 rates an item); the same with 20
 * promotion groups and 100,000 single-use coupon codes. */
enum variant { PLAIN, US_TAX, GROUPS_CODES };

#define NSTATES 50
#define NCOUNTIES 500 /* per tax category: 3-digit ZIP prefixes */
#define NCITIES 1000  /* per tax category: 5-digit ZIP prefixes */
#define NGROUPS 20
#define NCODE_PROMOS 10
#define CODES_EACH 10000

static const shape main_shape = {10000, 200, 2000, 200};
static const shape big_shape = {100000, 2000, 20000, 1000};
static const shape quick_big_shape = {10000, 200, 2000, 200};

#define NCOUPONS 25

static void put_sku(sb *b, int i)
{
    sb_put(b, "\"P%06d\"", i);
}

static void put_products(sb *b, const shape *s)
{
    char m[32];
    sb_put(b, "\"products\":[");
    for (int i = 0; i < s->products; i++) {
        sb_put(b, "%s{\"sku\":", i ? "," : "");
        put_sku(b, i);
        sb_put(b, ",\"prices\":{\"EUR\":\"%s\"},\"categories\":[\"c%d\"", eur(99 + below(20000), m),
               below(s->categories));
        if (below(3) == 0) sb_put(b, ",\"c%d\"", below(s->categories));
        sb_put(b, "],\"tax_category\":\"%s\"}", below(5) == 0 ? "reduced" : "standard");
    }
    sb_put(b, "]");
}

/* `n` distinct random product indexes (partial Fisher-Yates on `perm`). */
static void pick_distinct(int *perm, int products, int n)
{
    for (int i = 0; i < products; i++) perm[i] = i;
    for (int i = 0; i < n; i++) {
        int j = i + below(products - i), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

static void put_price_list(sb *b, const shape *s, int *perm, int which)
{
    static const char *const heads[] = {
        "{\"id\":\"web-deals\",\"priority\":1,\"channels\":[\"web\"]",
        "{\"id\":\"b2b\",\"priority\":10,\"customer_groups\":[\"b2b\"]",
        "{\"id\":\"vip\",\"priority\":5,\"customer_groups\":[\"vip\"],"
        "\"valid_from\":\"2026-11-01T00:00:00Z\",\"valid_to\":\"2026-12-01T00:00:00Z\""};
    char m[32], m2[32], m3[32];
    pick_distinct(perm, s->products, s->list_entries);
    sb_put(b, "%s%s,\"currency\":\"EUR\",\"prices\":[", which ? "," : "", heads[which]);
    for (int e = 0; e < s->list_entries; e++) {
        int64_t price = 90 + below(18000);
        sb_put(b, "%s{\"sku\":", e ? "," : "");
        put_sku(b, perm[e]);
        sb_put(b, ",\"price\":\"%s\"", eur(price, m));
        if (which == 1) /* b2b: volume tiers */
            sb_put(b,
                   ",\"tiers\":[{\"min_quantity\":3,\"price\":\"%s\"},"
                   "{\"min_quantity\":5,\"price\":\"%s\"}]",
                   eur(price * 95 / 100, m2), eur(price * 90 / 100, m3));
        sb_put(b, "}");
    }
    sb_put(b, "]}");
}

static const char *const action_names[] = {"percent_off",  "amount_off_each", "amount_off_order",
                                           "fixed_price",  "buy_x_get_y",     "tiered_percent",
                                           "free_shipping"};

static void put_action(sb *b, int type)
{
    char m[32], m2[32];
    sb_put(b, ",\"action\":{\"type\":\"%s\"", action_names[type]);
    switch (type) {
    case 0:
        sb_put(b, ",\"percent\":\"%d\"", 5 + below(26));
        break;
    case 1:
        sb_put(b, ",\"amount\":\"%s\"", eur(50 + below(450), m));
        break;
    case 2:
        sb_put(b, ",\"amount\":\"%s\"", eur(500 + below(1500), m));
        break;
    case 3:
        sb_put(b, ",\"price\":\"%s\"", eur(100 + below(1900), m));
        break;
    case 4:
        sb_put(b, ",\"buy\":2,\"get\":1%s%s", below(2) ? ",\"percent\":\"50\"" : "",
               below(2) ? ",\"max_applications\":2" : "");
        break;
    case 5:
        sb_put(b,
               ",\"tiers\":[{\"min_subtotal\":\"%s\",\"percent\":\"5\"},"
               "{\"min_subtotal\":\"%s\",\"percent\":\"10\"}]",
               eur(5000, m), eur(10000, m2));
        break;
    default:
        break;
    }
    sb_put(b, "}");
}

/* Target by i % 10: 0-3 SKUs (40%), 4-6 categories (30%), 7 sku_pattern
 * (10%), 8-9 every line (20%, some with exclusions). */
static void put_target(sb *b, const shape *s, int i, int *perm)
{
    int kind = i % 10;
    if (kind >= 8) {
        if (i % 3 == 0) {
            sb_put(b, ",\"target\":{\"exclude_skus\":[");
            put_sku(b, below(s->products));
            sb_put(b, "]}");
        }
        return;
    }
    sb_put(b, ",\"target\":{");
    if (kind <= 3) {
        int n = 5 + below(16);
        pick_distinct(perm, s->products, n);
        sb_put(b, "\"skus\":[");
        for (int k = 0; k < n; k++) {
            sb_put(b, "%s", k ? "," : "");
            put_sku(b, perm[k]);
        }
        sb_put(b, "]");
    } else if (kind <= 6) {
        int n = 1 + below(3);
        sb_put(b, "\"categories\":[");
        for (int k = 0; k < n; k++) sb_put(b, "%s\"c%d\"", k ? "," : "", below(s->categories));
        sb_put(b, "]");
    } else {
        /* a 4-digit prefix selects 100 SKUs; with [0-4] after it, 50 */
        sb_put(b, "\"sku_pattern\":\"^P%04d%s\"", below(s->products) / 100,
               below(2) ? "[0-4]" : "");
    }
    sb_put(b, "}");
}

static void put_promotion(sb *b, const shape *s, int i, int *perm, enum variant v)
{
    char m[32];
    int type = (i * 3 + i / 10) % 7;
    /* some unconditional price cuts are product promotions */
    int product = i % 13 == 0 && type <= 3 && type != 2;
    int exclusive = i % 23 != 5 && i % 17 == 3;
    sb_put(b, "%s{\"id\":\"PR%04d\",\"priority\":%d", i ? "," : "", i, below(100));
    if (v == GROUPS_CODES && !product && !exclusive && i % 5 == 2) /* 40 members */
        sb_put(b, ",\"group\":\"g%02d\"", i / 5 % NGROUPS);
    if (product) {
        sb_put(b, ",\"level\":\"product\"");
    } else {
        if (i % 9 == 1) sb_put(b, ",\"coupon\":\"SAVE%02d\"", i % NCOUPONS);
        if (i % 4 == 2 && type != 6) sb_put(b, ",\"max_discount\":\"%s\"", eur(1000, m));
        if (i % 6 == 0) sb_put(b, ",\"min_subtotal\":\"%s\"", eur(2000, m));
        if (i % 11 == 4) sb_put(b, ",\"min_quantity\":3");
        if (i % 23 == 5)
            sb_put(b, ",\"stacking\":\"stop\"");
        else if (i % 17 == 3)
            sb_put(b, ",\"stacking\":\"exclusive\"");
    }
    if (i % 7 == 6) sb_put(b, ",\"customer_groups\":[\"vip\",\"b2b\"]");
    sb_put(b, ",\"valid_from\":\"2026-01-01T00:00:00Z\",\"valid_to\":\"%s\"",
           i % 31 == 0 ? "2026-06-01T00:00:00Z" : "2027-01-01T00:00:00Z");
    put_target(b, s, i, perm);
    put_action(b, type);
    sb_put(b, "}");
}

/* ---- the US tax table ------------------------------------------------------------ */

/* Per tax category: a state rate for each of the 50 states, then county
 * entries (3-digit ZIP prefixes, state + county) and city entries (5-digit
 * prefixes under them, state + county + city).  County c lies in state
 * c % 50; city k in county k % 500, ZIP (100 + county) * 100 + k / 500. */
static int zip_of_city(int k)
{
    return (100 + k % NCOUNTIES) * 100 + k / NCOUNTIES;
}

static void put_us_tax(sb *b)
{
    static const char *const cats[] = {"standard", "reduced"};
    sb_put(b, "{\"category\":\"standard\",\"country\":\"*\",\"percent\":\"19\"},"
              "{\"category\":\"reduced\",\"country\":\"*\",\"percent\":\"7\"}");
    for (int c = 0; c < 2; c++) {
        int st = c ? 2 : 6; /* state percents: 6.xx, reduced 2.xx */
        for (int s = 0; s < NSTATES; s++)
            sb_put(b,
                   ",{\"category\":\"%s\",\"country\":\"US\",\"region\":\"US-%02d\","
                   "\"rates\":[{\"name\":\"state\",\"percent\":\"%d.%02d\"}]}",
                   cats[c], s, st, s);
        for (int k = 0; k < NCOUNTIES; k++)
            sb_put(b,
                   ",{\"category\":\"%s\",\"country\":\"US\",\"region\":\"US-%02d\","
                   "\"postal_codes\":[\"%03d\"],\"rates\":[{\"name\":\"state\",\"percent\":"
                   "\"%d.%02d\"},{\"name\":\"county\",\"percent\":\"%d.%d\"}]}",
                   cats[c], k % NSTATES, 100 + k, st, k % NSTATES, k % 3, k % 10);
        for (int k = 0; k < NCITIES; k++)
            sb_put(b,
                   ",{\"category\":\"%s\",\"country\":\"US\",\"region\":\"US-%02d\","
                   "\"postal_codes\":[\"%05d\"],\"rates\":[{\"name\":\"state\",\"percent\":"
                   "\"%d.%02d\"},{\"name\":\"county\",\"percent\":\"%d.%d\"},"
                   "{\"name\":\"city\",\"percent\":\"%d.%d\"}]}",
                   cats[c], k % NCOUNTIES % NSTATES, zip_of_city(k), st, k % NCOUNTIES % NSTATES,
                   k % NCOUNTIES % 3, k % NCOUNTIES % 10, 1 + k % 4, k % 10);
    }
}

static void put_de_tax(sb *b)
{
    sb_put(b, "{\"category\":\"standard\",\"country\":\"DE\",\"percent\":\"19\"},"
              "{\"category\":\"reduced\",\"country\":\"DE\",\"percent\":\"7\"},"
              "{\"category\":\"standard\",\"country\":\"*\",\"percent\":\"19\"},"
              "{\"category\":\"reduced\",\"country\":\"*\",\"percent\":\"7\"}");
}

/* NCODE_PROMOS promotions of CODES_EACH single-use codes each, "C000000"
 * up; `first` writes no leading comma. */
static void put_code_promotions(sb *b, int first)
{
    for (int p = 0; p < NCODE_PROMOS; p++) {
        sb_put(b, "%s{\"id\":\"CODES%02d\",\"priority\":%d,\"code_usage_limit\":1,\"coupon\":[",
               first && p == 0 ? "" : ",", p, 50 + p);
        for (int k = 0; k < CODES_EACH; k++)
            sb_put(b, "%s\"C%06d\"", k ? "," : "", p * CODES_EACH + k);
        sb_put(b, "],\"action\":{\"type\":\"amount_off_order\",\"amount\":\"%d.00\"}}", 5 + p);
    }
}

static char *ruleset_json(const shape *s, enum variant v, size_t *len)
{
    sb b = {0};
    rng_state = SEED; /* the same products and promotions in every workload */
    int *perm = xmalloc((size_t)s->products * sizeof *perm);
    sb_put(&b, "{\"currency\":\"EUR\",\"rounding\":\"half_even\",\"tax\":[");
    if (v == US_TAX)
        put_us_tax(&b);
    else
        put_de_tax(&b);
    sb_put(&b, "],");
    put_products(&b, s);
    sb_put(&b, ",\"price_lists\":[");
    for (int l = 0; l < 3; l++) put_price_list(&b, s, perm, l);
    sb_put(&b, "],\"promotions\":[");
    for (int i = 0; i < s->promotions; i++) put_promotion(&b, s, i, perm, v);
    if (v == GROUPS_CODES) put_code_promotions(&b, 0);
    sb_put(&b, "],\"shipping\":["
               "{\"id\":\"standard\",\"prices\":\"4.90\",\"free_over\":\"50.00\","
               "\"countries\":[\"DE\",\"AT\",\"FR\",\"US\"]},"
               "{\"id\":\"express\",\"prices\":\"9.90\",\"free_over\":\"150.00\"}]}");
    free(perm);
    *len = b.n;
    return b.p;
}

/* Only the coupon promotions: what compiling 100,000 codes costs. */
static char *codes_json(size_t *len)
{
    sb b = {0};
    sb_put(&b, "{\"currency\":\"EUR\",\"promotions\":[");
    put_code_promotions(&b, 1);
    sb_put(&b, "]}");
    *len = b.n;
    return b.p;
}

static ec_ruleset *compile(const char *json, size_t len, double *seconds)
{
    ec_ruleset *rs = NULL;
    ec_error err;
    double t0 = now();
    if (ec_ruleset_from_json(json, len, NULL, &rs, &err) != EC_OK)
        die("the generated ruleset is refused: %s: %s", err.field, err.message);
    *seconds = now() - t0;
    return rs;
}

/* ---- the carts ------------------------------------------------------------------ */

typedef struct workload {
    int ncarts;
    char **json; /* cart documents */
    size_t *json_len;
    ec_cart **carts; /* the same carts, parsed before any timing */
} workload;

/* US carts are in a random city (a 5-digit ZIP with 4 more digits). */
static void put_place(sb *b, enum variant v, const char *country)
{
    if (v != US_TAX) {
        sb_put(b, "\"country\":\"%s\"", country);
        return;
    }
    int k = side_below(NCITIES);
    sb_put(b, "\"country\":\"US\",\"region\":\"US-%02d\",\"postal_code\":\"%05d-%04d\"",
           k % NCOUNTIES % NSTATES, zip_of_city(k), side_below(10000));
}

static void put_cart(sb *b, int products, enum variant v)
{
    static const char *const countries[] = {"DE", "DE", "DE", "AT", "FR"};
    static const char *const groups[] = {"retail", "retail", "vip", "b2b"};
    static const char *const ships[] = {"standard", "standard", "express", NULL};
    /* drawn in the order the workload has always drawn them */
    const char *ship = ships[below(4)], *channel = below(3) ? "web" : "app";
    const char *group = groups[below(4)], *country = countries[below(5)];
    sb_put(b, "{\"currency\":\"EUR\",\"at\":\"" AT "\",");
    put_place(b, v, country);
    sb_put(b, ",\"customer_group\":\"%s\",\"channel\":\"%s\",\"lines\":[", group, channel);
    for (int l = 0; l < LINES_PER_CART; l++) {
        sb_put(b, "%s{\"sku\":", l ? "," : "");
        put_sku(b, below(products));
        sb_put(b, ",\"quantity\":%d}", 1 + below(5));
    }
    sb_put(b, "]");
    if (below(10) < 3) { /* 30% carry a coupon, a few an unknown one too */
        int nope = below(4) == 0, save = below(NCOUPONS); /* the order they always had */
        if (v == GROUPS_CODES) { /* a single-use code instead, a third of them used */
            int code = side_below(NCODE_PROMOS * CODES_EACH);
            sb_put(b, ",\"coupons\":[\"c%06d\"],\"coupon_uses\":{\"C%06d\":%d}", code, code,
                   side_below(3) == 0);
        } else {
            sb_put(b, ",\"coupons\":[\"SAVE%02d\"%s]", save, nope ? ",\"NOPE\"" : "");
        }
    }
    if (ship) sb_put(b, ",\"shipping_method\":\"%s\"", ship);
    sb_put(b, "}");
}

/* Carts continue the generator where the ruleset left it, and every
 * variant's ruleset leaves it in the same state: the same lines in every
 * workload. */
static void make_carts(workload *w, int ncarts, int products, enum variant v)
{
    side_state = SEED ^ 0x51de;
    w->ncarts = ncarts;
    w->json = xmalloc((size_t)ncarts * sizeof *w->json);
    w->json_len = xmalloc((size_t)ncarts * sizeof *w->json_len);
    w->carts = xmalloc((size_t)ncarts * sizeof *w->carts);
    for (int i = 0; i < ncarts; i++) {
        sb b = {0};
        ec_error err;
        put_cart(&b, products, v);
        w->json[i] = b.p;
        w->json_len[i] = b.n;
        w->carts[i] = ec_cart_new();
        if (!w->carts[i]) die("out of memory");
        if (ec_cart_from_json(w->carts[i], b.p, b.n, &err) != EC_OK)
            die("cart %d is refused: %s: %s", i, err.field, err.message);
    }
}

static void free_carts(workload *w)
{
    for (int i = 0; i < w->ncarts; i++) {
        ec_cart_free(w->carts[i]);
        free(w->json[i]);
    }
    free(w->json);
    free(w->json_len);
    free(w->carts);
}

/* Every cart prices, typed and through JSON; returns the sum of totals and
 * the mean size of the result documents. */
static int64_t verify(const ec_ruleset *rs, const workload *w, double *doc_bytes)
{
    ec_price_result *r = ec_price_result_new();
    int64_t sum = 0;
    size_t bytes = 0;
    if (!r) die("out of memory");
    for (int i = 0; i < w->ncarts; i++) {
        ec_error err;
        char *out = NULL;
        size_t n = 0;
        if (ec_price_cart(rs, w->carts[i], r, &err) != EC_OK)
            die("cart %d does not price: %s: %s", i, err.field, err.message);
        if (ec_json_price(rs, w->json[i], w->json_len[i], &out, &n, &err) != EC_OK)
            die("cart %d does not price as JSON: %s: %s", i, err.field, err.message);
        ec_free(out);
        sum += ec_price_result_total(r);
        bytes += n;
    }
    ec_price_result_free(r);
    *doc_bytes = (double)bytes / w->ncarts;
    return sum;
}

/* ---- counting allocations ------------------------------------------------------- */

typedef struct counter {
    size_t calls;
} counter;

static void *count_alloc(void *opaque, size_t n)
{
    ((counter *)opaque)->calls++;
    return malloc(n);
}

static void *count_realloc(void *opaque, void *p, size_t n)
{
    ((counter *)opaque)->calls++;
    return realloc(p, n);
}

static void count_free(void *opaque, void *p)
{
    (void)opaque;
    free(p);
}

/* cJSON allocates with its own hooks (process-wide), not the pricer's. */
static size_t cjson_mallocs;

static void *cjson_count_malloc(size_t n)
{
    cjson_mallocs++;
    return malloc(n);
}

/* ---- timed loops ---------------------------------------------------------------- */

typedef struct job {
    const ec_ruleset *rs;
    const workload *w;
    int from, to, passes, json;
    int64_t sink; /* keeps the work observable */
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    ec_price_result *r = j->json ? NULL : ec_price_result_new();
    ec_pricer *p = j->json ? ec_pricer_new() : NULL;
    int64_t sink = 0; /* local: the two jobs share a cache line */
    if (!r && !p) die("out of memory");
    for (int pass = 0; pass < j->passes; pass++)
        for (int i = j->from; i < j->to; i++) {
            if (j->json) {
                size_t n = 0;
                if (ec_pricer_price_json(p, j->rs, j->w->json[i], j->w->json_len[i], NULL, &n,
                                         NULL) != EC_OK)
                    die("cart %d failed", i);
                sink += (int64_t)n;
            } else {
                if (ec_price_cart(j->rs, j->w->carts[i], r, NULL) != EC_OK)
                    die("cart %d failed", i);
                sink += ec_price_result_total(r);
            }
        }
    j->sink = sink;
    ec_price_result_free(r);
    ec_pricer_free(p);
    return NULL;
}

/* Carts per second over `passes` passes, the carts split over `threads`
 * threads, each with its own result or pricer. */
static double throughput(const ec_ruleset *rs, const workload *w, int json, int threads, int passes)
{
    pthread_t tid[2];
    job jobs[2];
    for (int t = 0; t < threads; t++)
        jobs[t] =
            (job){rs, w, w->ncarts * t / threads, w->ncarts * (t + 1) / threads, passes, json, 0};
    double t0 = now();
    for (int t = 0; t < threads; t++)
        if (pthread_create(&tid[t], NULL, run_job, &jobs[t]) != 0) die("pthread_create failed");
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
    return (double)w->ncarts * passes / (now() - t0);
}

static double median_throughput(const ec_ruleset *rs, const workload *w, int json, int threads,
                                int passes, int runs)
{
    double v[64];
    for (int k = 0; k < runs; k++) v[k] = throughput(rs, w, json, threads, passes);
    return median(v, runs);
}

/* p50 and p99 of one pass, timing each cart. */
static void latency(const ec_ruleset *rs, const workload *w, double *lat, double *p50, double *p99)
{
    ec_price_result *r = ec_price_result_new();
    if (!r) die("out of memory");
    for (int i = 0; i < w->ncarts; i++) {
        double t0 = now();
        if (ec_price_cart(rs, w->carts[i], r, NULL) != EC_OK) die("cart %d failed", i);
        lat[i] = now() - t0;
    }
    ec_price_result_free(r);
    qsort(lat, (size_t)w->ncarts, sizeof *lat, cmp_double);
    *p50 = lat[w->ncarts / 2];
    *p99 = lat[(size_t)w->ncarts * 99 / 100];
}

/* Allocator calls per cart after one warm-up pass: typed (the result's
 * allocator) or JSON (the pricer's allocator; cJSON's own mallocs are
 * counted apart in *cjson_per_cart). */
static double allocations(const ec_ruleset *rs, const workload *w, int json, double *cjson_per_cart)
{
    counter c = {0};
    ec_allocator a = {count_alloc, count_realloc, count_free, &c};
    ec_price_result *r = ec_price_result_new_ex(&a);
    ec_pricer *p = ec_pricer_new_ex(&a);
    if (!r || !p) die("out of memory");
    for (int pass = 0; pass < 2; pass++) {
        c.calls = 0;
        cjson_mallocs = 0;
        for (int i = 0; i < w->ncarts; i++) {
            ec_status st =
                json ? ec_pricer_price_json(p, rs, w->json[i], w->json_len[i], NULL, NULL, NULL)
                     : ec_price_cart(rs, w->carts[i], r, NULL);
            if (st != EC_OK) die("cart %d failed", i);
        }
    }
    ec_price_result_free(r);
    ec_pricer_free(p);
    *cjson_per_cart = (double)cjson_mallocs / w->ncarts;
    return (double)c.calls / w->ncarts;
}

/* ---- report ----------------------------------------------------------------------- */

static void row(const char *what, const char *value, const char *target, int ok)
{
    printf("  %-50s %16s   %-12s %s\n", what, value, target,
           target[0] ? (ok ? "ok" : "MISSED") : "");
}

static void row_rate(const char *what, double v, double target)
{
    char value[32], goal[32] = "";
    snprintf(value, sizeof value, "%.0f carts/s", v);
    if (target > 0) snprintf(goal, sizeof goal, ">= %.0f", target);
    row(what, value, goal, v >= target);
}

static void row_ratio(const char *what, double v, double target)
{
    char value[32], goal[32];
    snprintf(value, sizeof value, "%.2fx", v);
    snprintf(goal, sizeof goal, ">= %.1fx", target);
    row(what, value, goal, v >= target);
}

static void row_plain(const char *what, const char *fmt, double v)
{
    char value[32];
    snprintf(value, sizeof value, fmt, v);
    row(what, value, "", 1);
}

static void header(const ec_ruleset *rs, const workload *w, size_t json_len, double compile_s)
{
    double doc_bytes = 0;
    int64_t checksum = verify(rs, w, &doc_bytes);
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1) load = -1;
        fclose(f);
    }
    printf("libecommerce %s pricing benchmark (seed %#x, %ld CPUs online, load %.2f)\n",
           ec_version_string(), SEED, sysconf(_SC_NPROCESSORS_ONLN), load);
    printf("workload: %d products in %d categories, 3 price lists x %d entries, %d promotions,\n"
           "          %d carts x %d lines; ruleset %.1f MB of JSON, compiled in %.1f ms\n",
           main_shape.products, main_shape.categories, main_shape.list_entries,
           main_shape.promotions, w->ncarts, LINES_PER_CART, json_len / 1e6, compile_s * 1e3);
    printf("every cart prices (typed and JSON): sum of totals %lld cents, result documents\n"
           "          %.0f bytes on average (every promotion is listed in each)\n\n",
           (long long)checksum, doc_bytes);
}

enum only { ONLY_ALL, ONLY_TYPED, ONLY_JSON };

typedef struct options {
    int quick, runs, only;
    enum variant workload; /* with --only typed: which carts */
} options;

static int only_mode(const char *s)
{
    if (strcmp(s, "typed") == 0) return ONLY_TYPED;
    if (strcmp(s, "json") == 0) return ONLY_JSON;
    die("--only takes typed or json");
}

static enum variant workload_of(const char *s)
{
    if (strcmp(s, "plain") == 0) return PLAIN;
    if (strcmp(s, "us") == 0) return US_TAX;
    if (strcmp(s, "codes") == 0) return GROUPS_CODES;
    die("--workload takes plain, us or codes");
}

static options parse_args(int argc, char **argv)
{
    options o = {0, 5, ONLY_ALL, PLAIN};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            o.quick = 1;
        else if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc)
            o.workload = workload_of(argv[++i]);
        else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            o.runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            o.only = only_mode(argv[++i]);
        else
            die("usage: price [--quick] [--runs N] [--only typed|json] [--workload "
                "plain|us|codes]");
    }
    if (o.runs < 1 || o.runs > 64) die("--runs takes 1 to 64");
    return o;
}

/* Returns the one-thread typed figure (0 when not measured). */
static double bench_throughput(const ec_ruleset *rs, const workload *w, const options *o)
{
    /* passes per run: a run lasts about 0.1 s at the target rates */
    int tp = o->quick ? 1 : 3, jp = 1;
    char what[80];
    double t1 = 0, j1 = 0;
    if (o->only != ONLY_JSON) {
        snprintf(what, sizeof what, "typed, 1 thread (%d carts per run)", w->ncarts * tp);
        t1 = median_throughput(rs, w, 0, 1, tp, o->runs);
        row_rate(what, t1, 300000);
    }
    if (o->only != ONLY_TYPED) {
        snprintf(what, sizeof what, "JSON facade, 1 thread (%d carts per run)", w->ncarts * jp);
        j1 = median_throughput(rs, w, 1, 1, jp, o->runs);
        row_rate(what, j1, 100000);
    }
    if (o->only != ONLY_ALL) return t1; /* one path alone, for a profiler */
    double t2 = median_throughput(rs, w, 0, 2, tp, o->runs);
    row_rate("typed, 2 threads (shared ruleset)", t2, 0);
    row_ratio("  ratio to 1 thread", t2 / t1, 1.8);
    double j2 = median_throughput(rs, w, 1, 2, jp, o->runs);
    row_rate("JSON facade, 2 threads (shared ruleset)", j2, 0);
    row_ratio("  ratio to 1 thread", j2 / j1, 1.8);
    return t1;
}

static void bench_latency_allocs(const ec_ruleset *rs, const workload *w, const options *o)
{
    double *lat = xmalloc((size_t)w->ncarts * sizeof *lat), p50[64], p99[64], cj = 0;
    for (int k = 0; k < o->runs; k++) latency(rs, w, lat, &p50[k], &p99[k]);
    free(lat);
    row_plain("latency per cart, typed, p50", "%.2f us", median(p50, o->runs) * 1e6);
    row_plain("latency per cart, typed, p99", "%.2f us", median(p99, o->runs) * 1e6);
    row_plain("allocations per cart, typed (result)", "%.3f", allocations(rs, w, 0, &cj));
    /* cJSON's hooks are process-wide: set only while no other thread runs */
    cJSON_Hooks hooks = {cjson_count_malloc, free};
    cJSON_InitHooks(&hooks);
    double per_cart = allocations(rs, w, 1, &cj);
    cJSON_InitHooks(NULL);
    row_plain("allocations per cart, JSON (pricer only)", "%.3f", per_cart);
    row_plain("  cJSON mallocs per cart (not the pricer's)", "%.1f", cj);
}

static void bench_compile(const options *o)
{
    const shape *s = o->quick ? &quick_big_shape : &big_shape;
    size_t len = 0;
    double v[64];
    char *json = ruleset_json(s, PLAIN, &len);
    for (int k = 0; k < o->runs; k++) ec_ruleset_free(compile(json, len, &v[k]));
    free(json);
    char what[80], value[32];
    snprintf(what, sizeof what, "compile %d products, %d promotions (%.1f MB)", s->products,
             s->promotions, len / 1e6);
    double secs = median(v, o->runs);
    snprintf(value, sizeof value, "%.3f s", secs);
    row(what, value, "< 1 s", secs < 1.0);
}

/* A workload of the given variant: its ruleset (compiled, timed) and carts. */
typedef struct bench_set {
    char *json;
    size_t len;
    double compile_s;
    ec_ruleset *rs;
    workload w;
} bench_set;

static void set_up(bench_set *b, enum variant v, const options *o)
{
    b->json = ruleset_json(&main_shape, v, &b->len);
    b->rs = compile(b->json, b->len, &b->compile_s);
    make_carts(&b->w, o->quick ? 1000 : 10000, main_shape.products, v);
}

static void tear_down(bench_set *b)
{
    free_carts(&b->w);
    ec_ruleset_free(b->rs);
    free(b->json);
}

/* The US tax table and the groups with 100,000 codes, on the same lines:
 * typed throughput next to the main workload's t1, and the codes'
 * compile time. */
static void bench_workloads(double t1, const options *o)
{
    int tp = o->quick ? 1 : 3;
    char what[80], value[32];
    bench_set us, codes;
    set_up(&us, US_TAX, o);
    double t = median_throughput(us.rs, &us.w, 0, 1, tp, o->runs);
    snprintf(what, sizeof what, "US tax (%d ZIP entries, 3 rates), typed, 1 thread",
             2 * (NCOUNTIES + NCITIES));
    row_rate(what, t, 0);
    row_ratio("  ratio to the main workload", t / t1, 0.8);
    snprintf(value, sizeof value, "%.1f ms", us.compile_s * 1e3);
    row("  its ruleset compiled in", value, "", 1);
    tear_down(&us);
    set_up(&codes, GROUPS_CODES, o);
    t = median_throughput(codes.rs, &codes.w, 0, 1, tp, o->runs);
    snprintf(what, sizeof what, "%d groups, %d codes, typed, 1 thread", NGROUPS,
             NCODE_PROMOS * CODES_EACH);
    row_rate(what, t, 0);
    tear_down(&codes);
    size_t len = 0;
    double v[64];
    char *json = codes_json(&len);
    for (int k = 0; k < o->runs; k++) ec_ruleset_free(compile(json, len, &v[k]));
    free(json);
    snprintf(what, sizeof what, "compile %d coupon codes (%.1f MB)", NCODE_PROMOS * CODES_EACH,
             len / 1e6);
    double secs = median(v, o->runs);
    snprintf(value, sizeof value, "%.1f ms", secs * 1e3);
    row(what, value, "< 100 ms", secs < 0.1);
}

int main(int argc, char **argv)
{
    options o = parse_args(argc, argv);
    bench_set main_set;
    set_up(&main_set, o.only == ONLY_TYPED ? o.workload : PLAIN, &o);
    header(main_set.rs, &main_set.w, main_set.len, main_set.compile_s);
    printf("  %-50s %16s   %-12s\n", "figure (median of runs)", "value", "target");
    printf("  (runs per figure: %d)\n", o.runs);
    double t1 = bench_throughput(main_set.rs, &main_set.w, &o);
    if (o.only == ONLY_ALL) {
        bench_latency_allocs(main_set.rs, &main_set.w, &o);
        bench_compile(&o);
        bench_workloads(t1, &o);
    }
    tear_down(&main_set);
    return 0;
}
