/* fuzz_ruleset.c - libFuzzer target for the ruleset codec and compiler.
 *
 * The input bytes are offered as a ruleset document to
 * ec_ruleset_from_json().  Beyond "no crash, no sanitizer report, no leak"
 * it traps on any violated invariant:
 * - a refused document answers a codec status (invalid_json, invalid_field,
 *   unknown_currency, limit_exceeded, overflow) with no ruleset and a
 *   message; invalid_json names no field;
 * - an accepted one prices one fixed cart in a few currencies, the cart
 *   carrying every context field (region, postal code, tax class, customer,
 *   coupon and customer counts, budgets spent; tax-exempt or not, as the
 *   input's hash says).  Fuzzed
 *   rulesets rarely know every SKU of it, so a line the ruleset cannot price
 *   or tax is dropped (and so is the shipping method) until the cart prices
 *   or nothing is left.  The typed result must add up: line figures, line
 *   discounts, taxes (each line's rates, the taxes summary), shipping and
 *   promotion amounts agree with the totals, and pricing again into the same, reused result gives
 * the same figures;
 * - every block the ruleset, the cart and the result allocate goes through a
 *   counting allocator and is returned by their _free functions;
 * - loading again with an allocator that fails one allocation (the Nth, N
 *   taken from a hash of the input) either fails with EC_NO_MEMORY and
 *   returns every block, or (an optional allocation such as PCRE2's JIT)
 *   yields a ruleset that prices exactly like the first;
 * - pricing into a result whose Nth allocation fails answers EC_NO_MEMORY,
 *   and the same result then prices the cart like a fresh one. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce/cart.h"
#include "ecommerce/json.h"
#include "ecommerce/money.h"
#include "ecommerce/pricing.h"
#include "ecommerce/ruleset.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- a counting allocator that can fail one call --------------------------- */

typedef struct counter {
    size_t calls;   /* alloc and realloc calls so far */
    size_t live;    /* blocks handed out and not yet freed */
    size_t fail_at; /* the call (1-based) that returns NULL; 0: none */
} counter;

static void *count_alloc(void *opaque, size_t size)
{
    counter *c = opaque;
    if (++c->calls == c->fail_at) return NULL;
    void *p = malloc(size);
    if (p) c->live++;
    return p;
}

static void *count_realloc(void *opaque, void *ptr, size_t size)
{
    counter *c = opaque;
    if (++c->calls == c->fail_at) return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr) c->live++;
    return p;
}

static void count_free(void *opaque, void *ptr)
{
    counter *c = opaque;
    if (!ptr) return;
    CHECK(c->live > 0); /* a block freed twice, or one we never gave */
    c->live--;
    free(ptr);
}

static ec_allocator allocator_of(counter *c, size_t fail_at)
{
    memset(c, 0, sizeof *c);
    c->fail_at = fail_at;
    return (ec_allocator){count_alloc, count_realloc, count_free, c};
}

/* FNV-1a: picks the allocation to fail, the same one on every replay. */
static uint64_t hash_of(const uint8_t *data, size_t size)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 1099511628211u;
    return h;
}

/* ---- the fixed cart -------------------------------------------------------- */

/* SKUs and contexts that the conformance rulesets (and so the seeds) use. */
static const struct {
    const char *sku;
    int64_t quantity;
} cart_lines[] = {{"SHOE-0", 1}, {"SOCK-1", 3},  {"HAT-1", 2},  {"BOOK-0", 5},
                  {"TEA-0", 1},  {"SHOE-1", 12}, {"SOCK-0", 2}, {"A", 1}};
#define NLINES (sizeof cart_lines / sizeof cart_lines[0])
#define ALL_LINES ((1u << NLINES) - 1)

/* Currencies of the conformance cases; the ruleset's own is tried first. */
static const char *const currencies[] = {"EUR", "USD", "JPY", "KWD"};

/* The lines kept and whether the shipping method is set; the cart is
 * tax-exempt when `exempt` (the same for every pricing of one input). */
typedef struct shape {
    uint32_t keep;
    int ship;
} shape;

static int exempt;

static void build_cart(ec_cart *cart, const char *currency, shape s)
{
    static const char at[] = "2026-11-28T10:00:00Z";
    int64_t at_us = 0;
    ec_cart_reset(cart);
    CHECK(ec_time_parse(at, sizeof at - 1, &at_us, NULL) == EC_OK);
    CHECK(ec_cart_set_currency(cart, currency, NULL) == EC_OK);
    CHECK(ec_cart_set_at(cart, at_us, NULL) == EC_OK);
    CHECK(ec_cart_set_id(cart, "fuzz-cart", NULL) == EC_OK);
    CHECK(ec_cart_set_country(cart, "DE", NULL) == EC_OK);
    CHECK(ec_cart_set_customer_group(cart, "vip", NULL) == EC_OK);
    CHECK(ec_cart_set_channel(cart, "web", NULL) == EC_OK);
    for (size_t i = 0; i < NLINES; i++)
        if (s.keep & (1u << i))
            CHECK(ec_cart_add_line(cart, cart_lines[i].sku, cart_lines[i].quantity, NULL) == EC_OK);
    /* "WELCOME" repeats "welcome" in another case: listed once in the result */
    static const char *const coupons[] = {"welcome", "VIP", "SAVE", "WELCOME"};
    for (size_t i = 0; i < sizeof coupons / sizeof coupons[0]; i++)
        CHECK(ec_cart_add_coupon(cart, coupons[i], NULL) == EC_OK);
    CHECK(ec_cart_set_promotion_uses(cart, "A0", 3, NULL) == EC_OK);
    CHECK(ec_cart_set_promotion_uses(cart, "P0", 1, NULL) == EC_OK);
    CHECK(ec_cart_set_region(cart, "US-CA", NULL) == EC_OK);
    CHECK(ec_cart_set_postal_code(cart, "900 12", NULL) == EC_OK);
    CHECK(ec_cart_set_tax_class(cart, "b2b", NULL) == EC_OK);
    CHECK(ec_cart_set_customer(cart, "cust-1", NULL) == EC_OK);
    CHECK(ec_cart_set_tax_exempt(cart, exempt, NULL) == EC_OK);
    CHECK(ec_cart_set_coupon_uses(cart, "Welcome", 1, NULL) == EC_OK);
    CHECK(ec_cart_set_coupon_uses(cart, "SAVE-2", 2, NULL) == EC_OK);
    CHECK(ec_cart_set_customer_promotion_uses(cart, "Q0", 1, NULL) == EC_OK);
    CHECK(ec_cart_set_promotion_spent(cart, "A1", 500, NULL) == EC_OK);
    CHECK(ec_cart_set_promotion_spent(cart, "Z0", 100000, NULL) == EC_OK);
    if (s.ship) CHECK(ec_cart_set_shipping_method(cart, "standard", NULL) == EC_OK);
}

/* Drop what err blames (a line's SKU, or the shipping method); 0 when it
 * blames nothing that can be dropped. */
static int drop_blamed(const ec_error *err, shape *s)
{
    unsigned idx = 0;
    char tail[8] = "";
    if (strcmp(err->field, "shipping_method") == 0 && s->ship) {
        s->ship = 0;
        return 1;
    }
    if (sscanf(err->field, "lines[%u].%7s", &idx, tail) != 2 || strcmp(tail, "sku") != 0) return 0;
    for (uint32_t i = 0; i < NLINES; i++) /* idx counts kept lines only */
        if ((s->keep & (1u << i)) && idx-- == 0) {
            s->keep &= ~(1u << i);
            return 1;
        }
    CHECK(0); /* the error names a line the cart does not have */
    return 0;
}

/* Price the fixed cart, dropping what the ruleset cannot price.  Returns
 * EC_OK, EC_OVERFLOW (huge amounts are legal input), or EC_NO_PRICE when no
 * line is left; *s is the shape that gave that answer. */
static ec_status price_fixed(const ec_ruleset *rs, ec_cart *cart, ec_price_result *r,
                             const char *currency, shape *s)
{
    ec_error err;
    *s = (shape){ALL_LINES, 1};
    while (s->keep) {
        build_cart(cart, currency, *s);
        ec_error_clear(&err);
        ec_status st = ec_price_cart(rs, cart, r, &err);
        if (st == EC_OK) return st;
        CHECK(err.code == (int32_t)st && err.message[0] != '\0');
        CHECK(ec_price_result_currency(r) == NULL); /* a failure leaves it empty */
        CHECK(st == EC_NO_PRICE || st == EC_NO_TAX_RATE || st == EC_SHIPPING_UNAVAILABLE ||
              st == EC_UNKNOWN_SHIPPING_METHOD || st == EC_OVERFLOW);
        if (st == EC_OVERFLOW) return st;
        CHECK(drop_blamed(&err, s));
    }
    return EC_NO_PRICE;
}

/* ---- invariants of a priced cart ------------------------------------------- */

/* Sums of figures that the library itself summed with overflow checks. */
static int64_t plus(int64_t a, int64_t b)
{
    int64_t v = 0;
    CHECK(!__builtin_add_overflow(a, b, &v));
    return v;
}

/* Tax is either on top of every net or inside it; the first item with a
 * non-zero tax tells which, and every other item must agree. */
static void check_total(int64_t net, int64_t tax, int64_t total, int *inclusive)
{
    int64_t gross = 0;
    CHECK(tax >= 0); /* rates add up: an exclusive tax may pass the net */
    CHECK(total >= 0);
    if (tax == 0) {
        CHECK(total == net);
        return;
    }
    int incl = total == net;
    CHECK(incl || (!__builtin_add_overflow(net, tax, &gross) && total == gross));
    if (*inclusive < 0) *inclusive = incl;
    CHECK(*inclusive == incl);
}

static int promotion_applied(const ec_price_result *r, const char *id)
{
    for (size_t k = 0; k < ec_price_result_promotion_count(r); k++)
        if (strcmp(ec_price_result_promotion_id(r, k), id) == 0)
            return ec_price_result_promotion_applied(r, k);
    return 0;
}

/* One line; adds its figures to the running sums. */
static void check_line(const ec_price_result *r, const ec_cart *cart, size_t i, int64_t sums[4],
                       int *inclusive)
{
    int64_t q = ec_price_result_line_quantity(r, i), unit = ec_price_result_line_unit_price(r, i);
    int64_t sub = ec_price_result_line_subtotal(r, i), net = ec_price_result_line_net(r, i);
    int64_t disc = ec_price_result_line_discount(r, i), tax = ec_price_result_line_tax(r, i);
    int64_t prod = 0, listed = 0;
    CHECK(strcmp(ec_price_result_line_sku(r, i), ec_cart_line_sku(cart, i)) == 0);
    CHECK(q == ec_cart_line_quantity(cart, i));
    CHECK(unit >= 0 && unit <= ec_price_result_line_list_price(r, i));
    CHECK(!__builtin_mul_overflow(unit, q, &prod) && prod == sub);
    /* an exempt customer's inclusive price drops its tax from the net */
    CHECK(net >= 0 && disc >= 0 && (exempt ? plus(net, disc) <= sub : disc == sub - net));
    CHECK(ec_price_result_line_tax_percent(r, i) >= 0 &&
          ec_price_result_line_tax_percent(r, i) <= 16 * EC_PERCENT_ONE);
    int64_t rates = 0, pct = 0;
    for (size_t j = 0; j < ec_price_result_line_taxes_count(r, i); j++) {
        CHECK(ec_price_result_line_taxes_name(r, i, j) != NULL);
        rates = plus(rates, ec_price_result_line_taxes_amount(r, i, j));
        pct = plus(pct, ec_price_result_line_taxes_percent(r, i, j));
        CHECK(!exempt || ec_price_result_line_taxes_amount(r, i, j) == 0);
    }
    CHECK(rates == tax);
    CHECK(ec_price_result_line_taxes_count(r, i) == 0 ||
          pct == ec_price_result_line_tax_percent(r, i));
    for (size_t j = 0; j < ec_price_result_line_discount_count(r, i); j++) {
        int64_t a = ec_price_result_line_discount_amount(r, i, j);
        CHECK(a > 0);
        CHECK(promotion_applied(r, ec_price_result_line_discount_promotion(r, i, j)));
        listed = plus(listed, a);
    }
    CHECK(listed == disc);
    check_total(net, tax, ec_price_result_line_total(r, i), inclusive);
    sums[0] = plus(sums[0], sub);
    sums[1] = plus(sums[1], net);
    sums[2] = plus(sums[2], tax);
    sums[3] = plus(sums[3], ec_price_result_line_total(r, i));
}

static void check_promotions(const ec_price_result *r)
{
    static const char *const reasons[] = {"not_started",
                                          "expired",
                                          "coupon_missing",
                                          "customer_group",
                                          "channel",
                                          "country",
                                          "currency",
                                          "usage_limit_reached",
                                          "customer_usage_limit_reached",
                                          "coupon_used_up",
                                          "budget_exhausted",
                                          "min_subtotal",
                                          "no_target_lines",
                                          "min_quantity",
                                          "stopped",
                                          "no_discount",
                                          "not_best_in_group",
                                          "excluded",
                                          "not_best"};
    int64_t applied = 0, lines = 0;
    for (size_t k = 0; k < ec_price_result_promotion_count(r); k++) {
        const char *why = ec_price_result_promotion_reason(r, k);
        int64_t amount = ec_price_result_promotion_amount(r, k);
        CHECK(ec_price_result_promotion_id(r, k) != NULL);
        if (ec_price_result_promotion_applied(r, k)) {
            CHECK(why == NULL && amount >= 0);
            applied = plus(applied, amount);
            lines = plus(lines, ec_price_result_promotion_line_discount(r, k));
            CHECK(ec_price_result_promotion_coupon_count(r, k) <= 1);
            continue;
        }
        CHECK(ec_price_result_promotion_coupon_count(r, k) == 0);
        CHECK(why != NULL && amount == 0);
        size_t m = 0;
        while (m < sizeof reasons / sizeof reasons[0] && strcmp(reasons[m], why) != 0) m++;
        CHECK(m < sizeof reasons / sizeof reasons[0]);
    }
    /* each applied promotion's amount is its line discounts plus the
     * shipping discount it took (formats.md 3.6) */
    CHECK(applied == plus(ec_price_result_discount(r), ec_price_result_shipping_discount(r)));
    CHECK(lines == ec_price_result_discount(r));
}

/* The summary adds up to the tax, one entry per name and percent. */
static void check_taxes(const ec_price_result *r)
{
    int64_t sum = 0;
    for (size_t k = 0; k < ec_price_result_taxes_count(r); k++) {
        sum = plus(sum, ec_price_result_taxes_amount(r, k));
        for (size_t m = 0; m < k; m++)
            CHECK(strcmp(ec_price_result_taxes_name(r, m), ec_price_result_taxes_name(r, k)) != 0 ||
                  ec_price_result_taxes_percent(r, m) != ec_price_result_taxes_percent(r, k));
    }
    CHECK(sum == ec_price_result_tax(r));
}

static void check_coupons(const ec_price_result *r)
{
    size_t n = ec_price_result_coupon_count(r);
    CHECK(n == 3); /* welcome, VIP, SAVE: "WELCOME" is the first again */
    for (size_t k = 0; k < n; k++) {
        const char *st = ec_price_result_coupon_status(r, k);
        CHECK(strcmp(st, "applied") == 0 || strcmp(st, "not_applicable") == 0 ||
              strcmp(st, "unknown") == 0);
    }
    CHECK(strcmp(ec_price_result_coupon_code(r, 0), "welcome") == 0);
}

static void check_result(const ec_price_result *r, const ec_cart *cart, const char *currency,
                         shape s)
{
    int64_t sums[4] = {0, 0, 0, 0}; /* subtotal, net, tax, total */
    int inclusive = -1;
    size_t n = ec_price_result_line_count(r);
    CHECK(strcmp(ec_price_result_currency(r), currency) == 0);
    CHECK(ec_price_result_exponent(r) == ec_currency_exponent(ec_currency_find(currency, 3)));
    CHECK(n == ec_cart_line_count(cart) && n == (size_t)__builtin_popcount(s.keep));
    for (size_t i = 0; i < n; i++) check_line(r, cart, i, sums, &inclusive);
    CHECK(ec_price_result_subtotal(r) == sums[0]);
    CHECK(exempt ? ec_price_result_discount(r) <= sums[0] - sums[1]
                 : ec_price_result_discount(r) == sums[0] - sums[1]);
    int64_t price = ec_price_result_shipping_price(r), off = ec_price_result_shipping_discount(r);
    int64_t stax = ec_price_result_shipping_tax(r), stotal = ec_price_result_shipping_total(r);
    CHECK(ec_price_result_has_shipping(r) == s.ship);
    if (s.ship) {
        CHECK(strcmp(ec_price_result_shipping_method(r), "standard") == 0);
        CHECK(price >= 0 && off >= 0 && off <= price);
        /* exempt: no tax, and an inclusive fee without the tax inside it */
        if (exempt) CHECK(stax == 0 && stotal >= 0 && stotal <= price - off);
        if (!exempt) check_total(price - off, stax, stotal, &inclusive);
    } else {
        CHECK(ec_price_result_shipping_method(r) == NULL);
        CHECK(price == 0 && off == 0 && stax == 0 && stotal == 0);
    }
    CHECK(ec_price_result_tax(r) == plus(sums[2], stax));
    CHECK(ec_price_result_total(r) >= 0);
    CHECK(ec_price_result_total(r) == plus(sums[3], stotal));
    check_promotions(r);
    check_coupons(r);
    check_taxes(r);
}

/* ---- fingerprints: what must not change between equal pricings ------------- */

typedef struct print {
    ec_status st;
    shape s;
    int64_t v[6];
} print;

static print fingerprint(ec_status st, shape s, const ec_price_result *r)
{
    print p;
    memset(&p, 0, sizeof p);
    p.st = st;
    p.s = s;
    if (st != EC_OK) return p;
    p.v[0] = ec_price_result_subtotal(r);
    p.v[1] = ec_price_result_discount(r);
    p.v[2] = ec_price_result_tax(r);
    p.v[3] = ec_price_result_total(r);
    p.v[4] = ec_price_result_shipping_total(r);
    p.v[5] = (int64_t)ec_price_result_promotion_count(r);
    return p;
}

static int same(const print *a, const print *b)
{
    return a->st == b->st && a->s.keep == b->s.keep && a->s.ship == b->s.ship &&
           memcmp(a->v, b->v, sizeof a->v) == 0;
}

/* A result whose one allocation fails answers EC_NO_MEMORY with nothing in
 * it; the same result object then prices like a fresh one. */
static void check_result_oom(const ec_ruleset *rs, ec_cart *cart, const char *currency,
                             const print *want, uint64_t h)
{
    counter probe, c;
    ec_allocator pa = allocator_of(&probe, 0);
    ec_price_result *r = ec_price_result_new_ex(&pa);
    CHECK(r != NULL);
    build_cart(cart, currency, want->s);
    CHECK(ec_price_cart(rs, cart, r, NULL) == EC_OK);
    ec_price_result_free(r);
    CHECK(probe.live == 0);
    if (probe.calls < 2) return; /* the first call is the result itself */
    ec_allocator a = allocator_of(&c, 2 + h % (probe.calls - 1));
    r = ec_price_result_new_ex(&a);
    CHECK(r != NULL);
    ec_error err;
    ec_error_clear(&err);
    CHECK(ec_price_cart(rs, cart, r, &err) == EC_NO_MEMORY && err.code == EC_NO_MEMORY);
    CHECK(ec_price_result_currency(r) == NULL && ec_price_result_line_count(r) == 0);
    CHECK(ec_price_cart(rs, cart, r, NULL) == EC_OK);
    print again = fingerprint(EC_OK, want->s, r);
    CHECK(same(&again, want));
    check_result(r, cart, currency, want->s);
    ec_price_result_free(r);
    CHECK(c.live == 0);
}

/* Price the fixed cart in each currency: prints[k] per currency, checked. */
static void price_all(const ec_ruleset *rs, print prints[], int deep, uint64_t h)
{
    counter cc, rc;
    ec_allocator ca = allocator_of(&cc, 0), ra = allocator_of(&rc, 0);
    ec_cart *cart = ec_cart_new_ex(&ca);
    ec_price_result *r = ec_price_result_new_ex(&ra);
    CHECK(cart != NULL && r != NULL);
    const char *first = ec_ruleset_currency(rs);
    CHECK(first != NULL && ec_currency_find(first, strlen(first)) >= 0);
    for (size_t k = 0; k <= sizeof currencies / sizeof currencies[0]; k++) {
        const char *cur = k == 0 ? first : currencies[k - 1];
        if (k > 0 && strcmp(cur, first) == 0) cur = "CHF"; /* keep the count fixed */
        shape s;
        ec_status st = price_fixed(rs, cart, r, cur, &s);
        prints[k] = fingerprint(st, s, r);
        if (st != EC_OK) continue;
        check_result(r, cart, cur, s);
        if (!deep) continue;
        /* the reused result, after pricing the other carts, agrees */
        build_cart(cart, cur, s);
        CHECK(ec_price_cart(rs, cart, r, NULL) == EC_OK);
        print again = fingerprint(EC_OK, s, r);
        CHECK(same(&again, &prints[k]));
        if (k == h % (sizeof currencies / sizeof currencies[0] + 1))
            check_result_oom(rs, cart, cur, &prints[k], h >> 8);
    }
    ec_price_result_free(r);
    ec_cart_free(cart);
    CHECK(cc.live == 0 && rc.live == 0);
}

#define NPRINTS (sizeof currencies / sizeof currencies[0] + 1)

/* ---- the target -------------------------------------------------------------- */

static void check_refusal(ec_status st, const ec_error *err, const ec_ruleset *rs)
{
    CHECK(rs == NULL);
    CHECK(st == EC_INVALID_JSON || st == EC_INVALID_FIELD || st == EC_UNKNOWN_CURRENCY ||
          st == EC_LIMIT_EXCEEDED || st == EC_OVERFLOW);
    CHECK(err->code == (int32_t)st && err->message[0] != '\0');
    CHECK(memchr(err->field, '\0', sizeof err->field) != NULL);
    CHECK(memchr(err->message, '\0', sizeof err->message) != NULL);
    if (st == EC_INVALID_JSON) CHECK(err->field[0] == '\0');
}

/* The document again, its Nth allocation failing. */
static void check_load_oom(const char *json, size_t len, size_t calls, const print want[],
                           uint64_t h)
{
    counter c;
    ec_allocator a = allocator_of(&c, 1 + h % calls);
    ec_ruleset *rs = NULL;
    ec_error err;
    ec_error_clear(&err);
    ec_status st = ec_ruleset_from_json(json, len, &a, &rs, &err);
    if (st != EC_OK) {
        CHECK(st == EC_NO_MEMORY && err.code == EC_NO_MEMORY);
        CHECK(rs == NULL && c.live == 0);
        return;
    }
    print got[NPRINTS];
    price_all(rs, got, 0, h);
    for (size_t k = 0; k < NPRINTS; k++) CHECK(same(&got[k], &want[k]));
    ec_ruleset_free(rs);
    CHECK(c.live == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    counter c;
    ec_allocator a = allocator_of(&c, 0);
    exempt = (int)(hash_of(data, size) >> 60 & 1);
    ec_ruleset *rs = NULL;
    ec_error err;
    ec_error_clear(&err);
    ec_status st = ec_ruleset_from_json(json, size, &a, &rs, &err);
    if (st != EC_OK) {
        check_refusal(st, &err, rs);
        CHECK(c.live == 0);
        return 0;
    }
    CHECK(rs != NULL && err.code == EC_OK);
    CHECK(ec_ruleset_product_count(rs) <= EC_RULESET_MAX_PRODUCTS);
    CHECK(ec_ruleset_price_list_count(rs) <= EC_RULESET_MAX_PRICE_LISTS);
    CHECK(ec_ruleset_promotion_count(rs) <= EC_RULESET_MAX_PROMOTIONS);
    uint64_t h = hash_of(data, size);
    print prints[NPRINTS];
    price_all(rs, prints, 1, h);
    size_t calls = c.calls;
    ec_ruleset_free(rs);
    CHECK(c.live == 0);
    check_load_oom(json, size, calls, prints, h);
    return 0;
}
