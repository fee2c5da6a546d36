/* helpers.h - small helpers shared by the pricing-engine unit tests
 * (test_ruleset.c, test_cart.c, test_pricing.c, test_json.c).
 *
 * JSON in C string literals drowns in backslashes, so test documents are
 * written with single quotes standing for double quotes: th_json() turns
 * {'currency':'EUR'} into {"currency":"EUR"}.  A document that needs a
 * literal single quote cannot use these helpers (none does).
 *
 * The th_expect_* checks report through CUnit with the actual and expected
 * values in the failure text, which the plain CU_ASSERT_* macros do not
 * show; each test file wraps them in a macro passing __FILE__/__LINE__. */
#ifndef EC_TEST_HELPERS_H
#define EC_TEST_HELPERS_H

#include <CUnit/CUnit.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce/alloc.h"
#include "ecommerce/error.h"
#include "ecommerce/cart.h"
#include "ecommerce/json.h"
#include "ecommerce/money.h"
#include "ecommerce/pricing.h"
#include "ecommerce/ruleset.h"

/* ---- random sequences ---------------------------------------------------------- */

/* splitmix64: the next value of the sequence that *state seeds, so that a
 * property test applies the same operations on every run. */
static inline uint64_t th_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* ---- documents --------------------------------------------------------------- */

/* A malloc'd copy of sq with every ' replaced by "; free() it. */
static inline char *th_json(const char *sq)
{
    size_t n = strlen(sq);
    char *s = malloc(n + 1);
    if (!s) return NULL;
    for (size_t i = 0; i <= n; i++) s[i] = sq[i] == '\'' ? '"' : sq[i];
    return s;
}

/* Load a single-quoted ruleset document. */
static inline ec_status th_rules(const char *sq, ec_ruleset **out, ec_error *err)
{
    char *doc = th_json(sq);
    if (!doc) return EC_NO_MEMORY;
    ec_status st = ec_ruleset_from_json(doc, strlen(doc), NULL, out, err);
    free(doc);
    return st;
}

/* A ruleset that is expected to load; NULL (and a note on stderr, so the
 * failing assertion that follows is easy to explain) when it does not. */
static inline ec_ruleset *th_load(const char *sq)
{
    ec_ruleset *rs = NULL;
    ec_error e;
    ec_error_clear(&e);
    if (th_rules(sq, &rs, &e) != EC_OK)
        fprintf(stderr, "\n  ruleset refused: %s at '%s': %s\n", ec_status_name(e.code), e.field,
                e.message);
    return rs;
}

/* Load a single-quoted cart document into cart. */
static inline ec_status th_cart_json(ec_cart *cart, const char *sq, ec_error *err)
{
    char *doc = th_json(sq);
    if (!doc) return EC_NO_MEMORY;
    ec_status st = ec_cart_from_json(cart, doc, strlen(doc), err);
    free(doc);
    return st;
}

/* An RFC 3339 time in microseconds; INT64_MIN when it does not parse. */
static inline int64_t th_time(const char *s)
{
    int64_t us = 0;
    return ec_time_parse(s, strlen(s), &us, NULL) == EC_OK ? us : INT64_MIN;
}

static inline ec_error th_error(void)
{
    ec_error e;
    ec_error_clear(&e);
    return e;
}

/* The example ruleset of docs/reference/ruleset.md. */
static inline const char *th_spec_ruleset(void)
{
    return "{'currency':'EUR','rounding':'half_even','prices_include_tax':false,"
           "'tax_rounding':'line',"
           "'tax':[{'category':'standard','country':'DE','percent':'19'},"
           "{'category':'reduced','country':'DE','percent':'7'},"
           "{'category':'standard','country':'*','percent':'20'}],"
           "'products':[{'sku':'SHOE-1','prices':{'EUR':'59.90','USD':'64.90'},"
           "'categories':['shoes','sale'],'tax_category':'standard'}],"
           "'price_lists':[{'id':'b2b','currency':'EUR','priority':10,'customer_groups':['b2b'],"
           "'channels':[],'countries':[],'valid_from':'2026-01-01T00:00:00Z','valid_to':null,"
           "'prices':[{'sku':'SHOE-1','price':'49.90',"
           "'tiers':[{'min_quantity':10,'price':'45.00'}]}]}],"
           "'promotions':[{'id':'BF-SHOES','name':'Black Friday shoes','level':'cart',"
           "'priority':100,'stacking':'stack','valid_from':'2026-11-27T00:00:00Z',"
           "'valid_to':'2026-11-30T00:00:00Z','coupon':null,'usage_limit':null,"
           "'customer_groups':[],'channels':[],'countries':[],"
           "'min_subtotal':'50.00','min_quantity':1,"
           "'target':{'skus':[],'categories':['shoes'],'sku_pattern':null},"
           "'action':{'type':'percent_off','percent':'10'},'max_discount':'30.00'}],"
           "'shipping':[{'id':'standard','prices':{'EUR':'4.90'},'free_over':'50.00',"
           "'countries':['DE','AT'],'tax_category':'standard'}]}";
}

/* ---- checks with values in the failure text ---------------------------------- */

static inline void th_expect_i64(int64_t actual, int64_t expected, const char *what,
                                 const char *file, unsigned line)
{
    char msg[256];
    snprintf(msg, sizeof msg, "%s: got %" PRId64 ", expected %" PRId64, what, actual, expected);
    CU_assertImplementation(actual == expected, line, msg, file, "", CU_FALSE);
}

/* Strings compared exactly; NULL equals only NULL.  A failure shows where
 * long strings first differ. */
static inline void th_expect_str(const char *actual, const char *expected, const char *what,
                                 const char *file, unsigned line)
{
    char msg[512];
    if (actual && expected) {
        size_t k = 0;
        while (actual[k] && actual[k] == expected[k]) k++;
        size_t from = k > 40 ? k - 40 : 0;
        snprintf(msg, sizeof msg, "%s: at byte %zu got \"%s%.160s\", expected \"%s%.160s\"", what,
                 k, from ? "..." : "", actual + from, from ? "..." : "", expected + from);
        CU_assertImplementation(strcmp(actual, expected) == 0, line, msg, file, "", CU_FALSE);
        return;
    }
    snprintf(msg, sizeof msg, "%s: got %s%.200s%s, expected %s%.200s%s", what, actual ? "\"" : "",
             actual ? actual : "NULL", actual ? "\"" : "", expected ? "\"" : "",
             expected ? expected : "NULL", expected ? "\"" : "");
    CU_assertImplementation(actual == expected, line, msg, file, "", CU_FALSE);
}

/* Status returned, err's code and err's field path. */
static inline void th_expect_error(ec_status st, const ec_error *e, ec_status status,
                                   const char *field, const char *file, unsigned line)
{
    char msg[512];
    int ok = st == status && e->code == (int32_t)status && strcmp(e->field, field) == 0;
    snprintf(msg, sizeof msg, "got %s (err %s) at '%s' [%.200s], expected %s at '%s'",
             ec_status_name(st), ec_status_name(e->code), e->field, e->message,
             ec_status_name(status), field);
    CU_assertImplementation(ok, line, msg, file, "", CU_FALSE);
}

/* ---- a pricing fixture: a ruleset, a EUR cart and a result ------------------ */

typedef struct th_fx {
    ec_ruleset *rs;
    ec_cart *cart;
    ec_price_result *r;
    ec_error e;
} th_fx;

/* Start again with an empty EUR cart priced at 2026-11-28T10:00:00Z; 0
 * when a setter failed. */
static inline int th_fx_new_cart(th_fx *f)
{
    ec_cart_reset(f->cart);
    return ec_cart_set_currency(f->cart, "EUR", NULL) == EC_OK &&
           ec_cart_set_at(f->cart, th_time("2026-11-28T10:00:00Z"), NULL) == EC_OK;
}

/* 0 when anything failed (the ruleset's refusal is on stderr). */
static inline int th_fx_open(th_fx *f, const char *rules)
{
    memset(f, 0, sizeof *f);
    f->rs = th_load(rules);
    f->cart = ec_cart_new();
    f->r = ec_price_result_new();
    return f->rs && f->cart && f->r && th_fx_new_cart(f);
}

static inline void th_fx_close(th_fx *f)
{
    ec_price_result_free(f->r);
    ec_cart_free(f->cart);
    ec_ruleset_free(f->rs);
}

static inline ec_status th_fx_price(th_fx *f)
{
    f->e = th_error();
    return ec_price_cart(f->rs, f->cart, f->r, &f->e);
}

/* One context field of the cart by a short name (see th_fx_cart). */
static inline ec_status th_fx_set(th_fx *f, const char *key, const char *v)
{
    ec_cart *c = f->cart;
    if (strcmp(key, "country") == 0) return ec_cart_set_country(c, v, NULL);
    if (strcmp(key, "group") == 0) return ec_cart_set_customer_group(c, v, NULL);
    if (strcmp(key, "channel") == 0) return ec_cart_set_channel(c, v, NULL);
    if (strcmp(key, "ship") == 0) return ec_cart_set_shipping_method(c, v, NULL);
    if (strcmp(key, "currency") == 0) return ec_cart_set_currency(c, v, NULL);
    if (strcmp(key, "coupon") == 0) return ec_cart_add_coupon(c, v, NULL);
    if (strcmp(key, "region") == 0) return ec_cart_set_region(c, v, NULL);
    if (strcmp(key, "postal") == 0) return ec_cart_set_postal_code(c, v, NULL);
    if (strcmp(key, "class") == 0) return ec_cart_set_tax_class(c, v, NULL);
    if (strcmp(key, "customer") == 0) return ec_cart_set_customer(c, v, NULL);
    if (strcmp(key, "exempt") == 0) return ec_cart_set_tax_exempt(c, (int32_t)atoi(v), NULL);
    if (strncmp(key, "uses.", 5) == 0)
        return ec_cart_set_promotion_uses(c, key + 5, strtoll(v, NULL, 10), NULL);
    if (strncmp(key, "cuses.", 6) == 0)
        return ec_cart_set_customer_promotion_uses(c, key + 6, strtoll(v, NULL, 10), NULL);
    if (strncmp(key, "codeuses.", 9) == 0)
        return ec_cart_set_coupon_uses(c, key + 9, strtoll(v, NULL, 10), NULL);
    if (strncmp(key, "spent.", 6) == 0)
        return ec_cart_set_promotion_spent(c, key + 6, strtoll(v, NULL, 10), NULL);
    return EC_MISUSE;
}

/* Fill the cart from space-separated words: "SKU" or "SKU*quantity" adds
 * a line; "country=DE", "group=", "channel=", "ship=", "currency=",
 * "coupon=" (adds one), "region=", "postal=" (no spaces), "class=",
 * "customer=", "exempt=0|1" set the context; "uses.PROMO=n",
 * "cuses.PROMO=n" (customer uses), "codeuses.CODE=n" and "spent.PROMO=n"
 * (minor units) set the counts. */
static inline void th_fx_cart(th_fx *f, const char *spec)
{
    char word[160];
    while (*spec) {
        size_t n = strcspn(spec, " ");
        snprintf(word, sizeof word, "%.*s", (int)n, spec);
        spec += n;
        spec += strspn(spec, " ");
        char *eq = strchr(word, '='), *star = strchr(word, '*');
        long long q = 1;
        if (eq) {
            *eq = '\0';
        } else if (star) {
            *star = '\0';
            q = strtoll(star + 1, NULL, 10);
        }
        ec_status st = eq ? th_fx_set(f, word, eq + 1) : ec_cart_add_line(f->cart, word, q, NULL);
        CU_ASSERT_EQUAL(st, EC_OK);
    }
}

/* A new cart (th_fx_new_cart) filled from spec (th_fx_cart). */
static inline void th_fx_recart(th_fx *f, const char *spec)
{
    CU_ASSERT(th_fx_new_cart(f));
    th_fx_cart(f, spec);
}

/* A (10.00, category x), B (5.00, y), C (20.00, x), shipping "std" 4.90
 * everywhere, no tax, and the given cart promotions.  The usual cart is
 * A*2 B*3: 2000 + 1500 = 3500. */
static inline int th_open_promos(th_fx *f, const char *promos)
{
    size_t n = strlen(promos) + 512;
    char *doc = malloc(n);
    if (!doc) return 0;
    snprintf(doc, n,
             "{'currency':'EUR','products':[{'sku':'A','prices':'10.00','categories':['x']},"
             "{'sku':'B','prices':'5.00','categories':['y']},{'sku':'C','prices':'20.00',"
             "'categories':['x']}],'shipping':[{'id':'std','prices':'4.90'}],'promotions':[%s]}",
             promos);
    int ok = th_fx_open(f, doc);
    free(doc);
    return ok;
}

/* ---- results summarised as short strings, compared in one check -------------- */

/* Append an item to a space-separated summary of cap bytes. */
static inline void th_append(char *s, size_t cap, const char *item)
{
    size_t n = strlen(s);
    snprintf(s + n, cap - n, "%s%s", n ? " " : "", item);
}

/* Cart promotions in evaluation order: "id=amount" when applied (minor
 * units; "id" alone without amounts), "id:reason" when not. */
static inline void th_promo_summary(const ec_price_result *r, int amounts, char *got, size_t cap)
{
    char item[300];
    got[0] = '\0';
    for (size_t k = 0; k < ec_price_result_promotion_count(r); k++) {
        const char *id = ec_price_result_promotion_id(r, k);
        const char *why = ec_price_result_promotion_reason(r, k);
        if (ec_price_result_promotion_applied(r, k) && amounts)
            snprintf(item, sizeof item, "%s=%" PRId64, id, ec_price_result_promotion_amount(r, k));
        else if (ec_price_result_promotion_applied(r, k))
            snprintf(item, sizeof item, "%s", id);
        else
            snprintf(item, sizeof item, "%s:%s", id, why ? why : "(null)");
        th_append(got, cap, item);
    }
}

static inline void th_expect_promos(const ec_price_result *r, const char *want, const char *file,
                                    unsigned line)
{
    char got[1024];
    th_promo_summary(r, 1, got, sizeof got);
    th_expect_str(got, want, "promotions", file, line);
}

/* The cart discounts of line i: "id=amount ...", "" for none. */
static inline void th_expect_discounts(const ec_price_result *r, size_t i, const char *want,
                                       const char *file, unsigned line)
{
    char got[512] = "", item[300], what[32];
    for (size_t j = 0; j < ec_price_result_line_discount_count(r, i); j++) {
        snprintf(item, sizeof item, "%s=%" PRId64, ec_price_result_line_discount_promotion(r, i, j),
                 ec_price_result_line_discount_amount(r, i, j));
        th_append(got, sizeof got, item);
    }
    snprintf(what, sizeof what, "discounts of line %zu", i);
    th_expect_str(got, want, what, file, line);
}

/* Coupons: "code:status ...". */
static inline void th_expect_coupons(const ec_price_result *r, const char *want, const char *file,
                                     unsigned line)
{
    char got[512] = "", item[300];
    for (size_t k = 0; k < ec_price_result_coupon_count(r); k++) {
        snprintf(item, sizeof item, "%s:%s", ec_price_result_coupon_code(r, k),
                 ec_price_result_coupon_status(r, k));
        th_append(got, sizeof got, item);
    }
    th_expect_str(got, want, "coupons", file, line);
}

/* Line i's list price, price list, unit price and product promotion as
 * "list[@list-id] unit[@promotion-id]". */
static inline void th_expect_unit(const ec_price_result *r, size_t i, const char *want,
                                  const char *file, unsigned line)
{
    char got[300], what[32];
    const char *pl = ec_price_result_line_price_list(r, i);
    const char *pp = ec_price_result_line_product_promotion(r, i);
    snprintf(got, sizeof got, "%" PRId64 "%s%s %" PRId64 "%s%s",
             ec_price_result_line_list_price(r, i), pl ? "@" : "", pl ? pl : "",
             ec_price_result_line_unit_price(r, i), pp ? "@" : "", pp ? pp : "");
    snprintf(what, sizeof what, "unit price of line %zu", i);
    th_expect_str(got, want, what, file, line);
}

/* The cart's amounts: "subtotal discount tax total". */
static inline void th_expect_totals(const ec_price_result *r, const char *want, const char *file,
                                    unsigned line)
{
    char got[100];
    snprintf(got, sizeof got, "%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64,
             ec_price_result_subtotal(r), ec_price_result_discount(r), ec_price_result_tax(r),
             ec_price_result_total(r));
    th_expect_str(got, want, "subtotal discount tax total", file, line);
}

/* Shipping: "method price discount tax total", or "none". */
static inline void th_expect_shipping(const ec_price_result *r, const char *want, const char *file,
                                      unsigned line)
{
    char got[240] = "none";
    const char *m = ec_price_result_shipping_method(r);
    if (ec_price_result_has_shipping(r))
        snprintf(got, sizeof got, "%s %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64,
                 m ? m : "(null)", ec_price_result_shipping_price(r),
                 ec_price_result_shipping_discount(r), ec_price_result_shipping_tax(r),
                 ec_price_result_shipping_total(r));
    th_expect_str(got, want, "shipping", file, line);
}

/* Rates as "name@percent=amount ..." (percent as printed in documents);
 * count/name/percent/amount read entry k of some list. */
static inline void th_rates(char *got, size_t cap, size_t n, const char *(*name)(size_t),
                            int32_t (*pct)(size_t), int64_t (*amount)(size_t))
{
    char item[300], p[32];
    got[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        size_t len = 0;
        if (ec_percent_format(pct(k), p, sizeof p, &len) != EC_OK) snprintf(p, sizeof p, "?");
        snprintf(item, sizeof item, "%s@%s=%" PRId64, name(k), p, amount(k));
        th_append(got, cap, item);
    }
}

/* The accessors above bound to one result and line, for th_rates. */
static const ec_price_result *th_rates_r;
static size_t th_rates_i;
static inline const char *th_line_name(size_t j)
{
    return ec_price_result_line_taxes_name(th_rates_r, th_rates_i, j);
}
static inline int32_t th_line_pct(size_t j)
{
    return ec_price_result_line_taxes_percent(th_rates_r, th_rates_i, j);
}
static inline int64_t th_line_amount(size_t j)
{
    return ec_price_result_line_taxes_amount(th_rates_r, th_rates_i, j);
}
static inline const char *th_sum_name(size_t k)
{
    return ec_price_result_taxes_name(th_rates_r, k);
}
static inline int32_t th_sum_pct(size_t k)
{
    return ec_price_result_taxes_percent(th_rates_r, k);
}
static inline int64_t th_sum_amount(size_t k)
{
    return ec_price_result_taxes_amount(th_rates_r, k);
}

/* Line i's rates: "state@6=60 county@1=10"; "" without tax entries. */
static inline void th_expect_line_taxes(const ec_price_result *r, size_t i, const char *want,
                                        const char *file, unsigned line)
{
    char got[1024], what[40];
    th_rates_r = r;
    th_rates_i = i;
    th_rates(got, sizeof got, ec_price_result_line_taxes_count(r, i), th_line_name, th_line_pct,
             th_line_amount);
    snprintf(what, sizeof what, "taxes of line %zu", i);
    th_expect_str(got, want, what, file, line);
}

/* The result's taxes summary, the same way. */
static inline void th_expect_taxes(const ec_price_result *r, const char *want, const char *file,
                                   unsigned line)
{
    char got[1024];
    th_rates_r = r;
    th_rates(got, sizeof got, ec_price_result_taxes_count(r), th_sum_name, th_sum_pct,
             th_sum_amount);
    th_expect_str(got, want, "taxes summary", file, line);
}

/* Every accessor of line i reads as absent (0 / NULL): i is out of range
 * or r is NULL. */
static inline void th_expect_no_line(const ec_price_result *r, size_t i, const char *file,
                                     unsigned line)
{
    int64_t (*const ints[])(const ec_price_result *, size_t) = {
        ec_price_result_line_quantity,   ec_price_result_line_list_price,
        ec_price_result_line_unit_price, ec_price_result_line_subtotal,
        ec_price_result_line_discount,   ec_price_result_line_net,
        ec_price_result_line_tax,        ec_price_result_line_total};
    int64_t sum = ec_price_result_line_tax_percent(r, i) != 0;
    for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) sum += ints[k](r, i) != 0;
    sum += ec_price_result_line_discount_count(r, i) != 0;
    sum += ec_price_result_line_discount_amount(r, i, 0) != 0;
    th_expect_i64(sum, 0, "non-zero accessors of an absent line", file, line);
    th_expect_str(ec_price_result_line_sku(r, i), NULL, "line_sku", file, line);
    th_expect_str(ec_price_result_line_price_list(r, i), NULL, "line_price_list", file, line);
    th_expect_str(ec_price_result_line_product_promotion(r, i), NULL, "line_product_promotion",
                  file, line);
    th_expect_str(ec_price_result_line_discount_promotion(r, i, 0), NULL, "line_discount_promotion",
                  file, line);
}

/* One accessor over every line: "v0 v1 ...". */
static inline void th_expect_lines(const ec_price_result *r,
                                   int64_t (*get)(const ec_price_result *, size_t),
                                   const char *want, const char *what, const char *file,
                                   unsigned line)
{
    char got[512] = "", item[24];
    for (size_t i = 0; i < ec_price_result_line_count(r); i++) {
        snprintf(item, sizeof item, "%" PRId64, get(r, i));
        th_append(got, sizeof got, item);
    }
    th_expect_str(got, want, what, file, line);
}

/* ---- a counting allocator that can fail on demand ---------------------------- */

typedef struct th_counter {
    long calls;   /* alloc and realloc calls so far */
    long fail_at; /* the call number (1-based) that returns NULL; 0: never */
    long live;    /* blocks allocated and not yet freed */
} th_counter;

static inline int th_counter_fails(th_counter *c)
{
    return ++c->calls == c->fail_at;
}

static inline void *th_alloc(void *opaque, size_t size)
{
    th_counter *c = opaque;
    if (th_counter_fails(c)) return NULL;
    void *p = malloc(size ? size : 1);
    if (p) c->live++;
    return p;
}

static inline void *th_realloc(void *opaque, void *ptr, size_t size)
{
    th_counter *c = opaque;
    if (th_counter_fails(c)) return NULL;
    void *p = realloc(ptr, size ? size : 1);
    if (p && !ptr) c->live++;
    return p;
}

static inline void th_free(void *opaque, void *ptr)
{
    th_counter *c = opaque;
    if (ptr) c->live--;
    free(ptr);
}

static inline ec_allocator th_allocator(th_counter *c)
{
    ec_allocator a = {th_alloc, th_realloc, th_free, c};
    return a;
}

#endif /* EC_TEST_HELPERS_H */
