/* fuzz_checkout.c - libFuzzer target for checkout and the order's money.
 *
 * The input is split on NUL bytes: the first part is a cart document,
 * priced with a fixed ruleset (tax, shipping, promotions, coupons) and made
 * into an order; every further part is an event document applied to that
 * order in turn.  Beyond "no crash, no leak, no sanitizer report" it
 * checks, and traps on any violation:
 * - the one-call ec_json_order_create() agrees with the typed path, and
 *   the order it prints loads again and prints the same bytes;
 * - after every event: 0 <= refunded <= captured <= authorized, counters
 *   within their lines, 0 <= balance <= total, balance = total - value
 *   left + fees with each line's value left floor(total*(c+r)/q);
 * - a refused or duplicate event leaves the order byte-identical;
 * - stock effects move exactly the units the counters moved. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ecommerce.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules_doc[] =
    "{\"currency\":\"EUR\",\"tax\":[{\"category\":\"standard\",\"country\":\"*\","
    "\"percent\":\"19\"},{\"category\":\"reduced\",\"country\":\"*\",\"percent\":\"7\"}],"
    "\"products\":[{\"sku\":\"A\",\"prices\":{\"EUR\":\"9.99\"}},"
    "{\"sku\":\"B\",\"prices\":{\"EUR\":\"0.33\"},\"tax_category\":\"reduced\"},"
    "{\"sku\":\"C\",\"prices\":{\"EUR\":\"120.00\",\"USD\":\"130.00\"}}],"
    "\"promotions\":[{\"id\":\"P\",\"coupon\":\"SAVE\",\"action\":{\"type\":\"percent_off\","
    "\"percent\":\"12.5\"}},{\"id\":\"Q\",\"action\":{\"type\":\"buy_x_get_y\",\"buy\":2,"
    "\"get\":1}}],\"shipping\":[{\"id\":\"std\",\"prices\":{\"EUR\":\"4.95\",\"USD\":\"5.00\"}}]}";

static ec_ruleset *rules(void)
{
    static ec_ruleset *rs;
    if (!rs) CHECK(ec_ruleset_from_json(rules_doc, strlen(rules_doc), NULL, &rs, NULL) == EC_OK);
    return rs;
}

static char *print(const ec_order *o, size_t *len)
{
    char *s = NULL;
    CHECK(ec_order_to_json(o, &s, len) == EC_OK);
    return s;
}

static void check_invariants(const ec_order *o)
{
    int64_t left = ec_order_shipping_returned(o) ? ec_order_shipping_total(o) : 0;
    for (size_t i = 0; i < ec_order_line_count(o); i++) {
        int64_t q = ec_order_line_quantity(o, i), f = ec_order_line_fulfilled(o, i);
        int64_t c = ec_order_line_canceled(o, i), r = ec_order_line_returned(o, i);
        CHECK(f >= 0 && c >= 0 && r >= 0 && f + c <= q && r <= f);
        left += (int64_t)((__int128)ec_order_line_total(o, i) * (c + r) / q);
    }
    int64_t a = ec_order_payment_authorized(o), cap = ec_order_payment_captured(o);
    int64_t ref = ec_order_payment_refunded(o), bal = ec_order_balance(o);
    CHECK(0 <= ref && ref <= cap && cap <= a);
    CHECK(0 <= bal && bal <= ec_order_total(o));
    CHECK(bal == ec_order_total(o) - left + ec_order_fees(o));
}

static int64_t units(const ec_order *o, int64_t (*counter)(const ec_order *, size_t))
{
    int64_t n = 0;
    for (size_t i = 0; i < ec_order_line_count(o); i++) n += counter(o, i);
    return n;
}

static int64_t effect_units(const ec_order_effects *fx, int32_t type)
{
    int64_t n = 0;
    for (size_t k = 0; k < ec_order_effects_count(fx); k++)
        for (size_t j = 0;
             ec_order_effects_get(fx, k) == type && j < ec_order_effects_line_count(fx, k); j++)
            n += ec_order_effects_line_quantity(fx, k, j);
    return n;
}

static void apply(ec_order *o, const char *event, size_t len)
{
    ec_order_event *ev = ec_order_event_new();
    ec_order_effects *fx = ec_order_effects_new();
    CHECK(ev && fx);
    if (ec_order_event_from_json(ev, event, len, ec_order_currency(o), NULL) == EC_OK) {
        size_t blen = 0, alen = 0;
        char *before = print(o, &blen);
        int64_t f = units(o, ec_order_line_fulfilled), c = units(o, ec_order_line_canceled);
        int64_t r = units(o, ec_order_line_returned);
        int32_t dup = 0;
        ec_status st = ec_order_apply(NULL, o, ev, fx, &dup, NULL);
        char *after = print(o, &alen);
        if (st != EC_OK || dup) {
            CHECK(alen == blen && memcmp(after, before, alen) == 0);
            CHECK(ec_order_effects_count(fx) == 0);
        } else {
            CHECK(effect_units(fx, EC_ORDER_EFFECT_SHIP_STOCK) ==
                  units(o, ec_order_line_fulfilled) - f);
            CHECK(effect_units(fx, EC_ORDER_EFFECT_RELEASE_STOCK) ==
                  units(o, ec_order_line_canceled) - c);
            CHECK(effect_units(fx, EC_ORDER_EFFECT_RESTOCK) ==
                  units(o, ec_order_line_returned) - r);
        }
        ec_free(before);
        ec_free(after);
        check_invariants(o);
    }
    ec_order_effects_free(fx);
    ec_order_event_free(ev);
}

/* The typed checkout and the one-call one agree; the order round-trips. */
static int checkout(ec_order *o, const char *cart_json, size_t len)
{
    ec_cart *cart = ec_cart_new();
    ec_price_result *r = ec_price_result_new();
    CHECK(cart && r);
    ec_status st = ec_cart_from_json(cart, cart_json, len, NULL);
    if (st == EC_OK) st = ec_price_cart(rules(), cart, r, NULL);
    if (st == EC_OK) st = ec_order_create(o, r, "ord-f", NULL, NULL);
    char *doc = NULL;
    size_t dlen = 0;
    ec_status st2 = ec_json_order_create(rules(), cart_json, len, "ord-f", &doc, &dlen, NULL);
    CHECK(st2 == st);
    if (st == EC_OK) {
        size_t plen = 0;
        char *printed = print(o, &plen);
        CHECK(plen == dlen && memcmp(printed, doc, dlen) == 0);
        CHECK(ec_order_from_json(o, doc, dlen, NULL) == EC_OK);
        check_invariants(o);
        ec_free(printed);
    }
    ec_free(doc);
    ec_price_result_free(r);
    ec_cart_free(cart);
    return st == EC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t start = 0, i = 0;
    while (i < size && data[i]) i++;
    ec_order *o = ec_order_new();
    CHECK(o != NULL);
    if (checkout(o, (const char *)data, i)) {
        for (start = i + 1; start <= size; start = i + 1) {
            for (i = start; i < size && data[i]; i++) continue;
            apply(o, (const char *)data + start, i - start);
        }
    }
    ec_order_free(o);
    return 0;
}
