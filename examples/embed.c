/* embed.c - embedding libecommerce in a C program.
 *
 * Build against the installed library with pkg-config:
 *
 *     cc -std=c11 embed.c $(pkg-config --cflags --libs libecommerce) -o embed
 *
 * (`make examples` builds it against the build tree and runs it.)
 *
 * Usage: embed [RULES [CART]]   default: examples/rules.json examples/cart.json
 *
 * It shows the four things an embedding program does:
 *   1. compile the ruleset once (immutable, shareable by threads);
 *   2. price a cart document with a pricer (one per thread, reused: the
 *      output buffer belongs to the pricer, nothing to free per call);
 *   3. price a cart built through the typed API, as a POS terminal would,
 *      and read amounts as int64_t minor units;
 *   4. check out: make an order of the priced cart and move it by events
 *      (a capture, a cancel of one line), reading the effects: what to do
 *      with stock and money;
 * and how every failure reads: a status, plus code, field and message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ecommerce.h>

/* Read a whole file; the caller frees.  NULL when it cannot be read. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    fclose(f);
    return buf;
}

/* code, field (when one is at fault) and message: all a person needs. */
static void report(FILE *to, const char *what, ec_status st, const ec_error *err)
{
    fprintf(to, "%s: %s", what, ec_status_name(st));
    if (err->field[0]) fprintf(to, " at %s", err->field);
    fprintf(to, ": %s\n", err->message);
}

/* An amount in minor units as text ("128.31"), in a caller's buffer. */
static const char *money(int64_t minor, int32_t exponent, char buf[EC_MONEY_FORMAT_MAX])
{
    if (ec_money_format(minor, exponent, buf, EC_MONEY_FORMAT_MAX, NULL) != EC_OK) strcpy(buf, "?");
    return buf;
}

/* 2. The JSON facade: what the CLI and the FFI packages call. */
static int price_document(const ec_ruleset *rules, const char *cart_path)
{
    size_t len = 0;
    char *cart = read_file(cart_path, &len);
    if (!cart) {
        fprintf(stderr, "embed: cannot read %s\n", cart_path);
        return 1;
    }
    ec_pricer *pricer = ec_pricer_new();
    const char *out = NULL;
    ec_error err;
    ec_status st =
        pricer ? ec_pricer_price_json(pricer, rules, cart, len, &out, NULL, &err) : EC_NO_MEMORY;
    if (st == EC_OK)
        printf("priced %s:\n%s\n", cart_path, out);
    else if (pricer)
        report(stderr, cart_path, st, &err);
    ec_pricer_free(pricer);
    free(cart);
    return st == EC_OK ? 0 : 1;
}

static void print_receipt(const ec_price_result *r)
{
    char a[EC_MONEY_FORMAT_MAX], b[EC_MONEY_FORMAT_MAX];
    int32_t e = ec_price_result_exponent(r);
    for (size_t i = 0; i < ec_price_result_line_count(r); i++)
        printf("  %-8s x%-3lld %10s  net %10s\n", ec_price_result_line_sku(r, i),
               (long long)ec_price_result_line_quantity(r, i),
               money(ec_price_result_line_unit_price(r, i), e, a),
               money(ec_price_result_line_net(r, i), e, b));
    printf("  discount %s, tax %s\n", money(ec_price_result_discount(r), e, a),
           money(ec_price_result_tax(r), e, b));
    printf("  total    %s %s\n", money(ec_price_result_total(r), e, a),
           ec_price_result_currency(r));
}

/* Apply one event to the order: a type, optionally one line (sku, units).
 * Prints the order's money and the effects, stock with its lines and
 * payment with its amount. */
static ec_status apply_event(ec_order *order, ec_order_event *ev, ec_order_effects *fx,
                             const char *id, const char *type, const char *sku, int64_t units,
                             ec_error *err)
{
    static const char at[] = "2026-11-28T10:05:00Z";
    char a[EC_MONEY_FORMAT_MAX], b[EC_MONEY_FORMAT_MAX];
    int64_t at_us = 0;
    ec_order_event_reset(ev);
    ec_status st = ec_time_parse(at, sizeof at - 1, &at_us, err);
    if (st == EC_OK) st = ec_order_event_set_id(ev, id, err);
    if (st == EC_OK) st = ec_order_event_set_type(ev, type, err);
    if (st == EC_OK) st = ec_order_event_set_at(ev, at_us, err);
    if (st == EC_OK && sku) st = ec_order_event_add_line(ev, sku, units, err);
    if (st == EC_OK) st = ec_order_apply(NULL, order, ev, fx, NULL, err);
    if (st != EC_OK) return st;
    int32_t e = ec_order_exponent(order);
    printf("  %-7s -> %s, balance %s, %s\n", type, ec_order_state(order),
           money(ec_order_balance(order), e, a),
           ec_order_payment_status_name(ec_order_payment_status(order)));
    for (size_t i = 0; i < ec_order_effects_count(fx); i++) {
        printf("    effect %s", ec_order_effect_name(ec_order_effects_get(fx, i)));
        for (size_t j = 0; j < ec_order_effects_line_count(fx, i); j++)
            printf(" %s x%lld", ec_order_effects_line_sku(fx, i, j),
                   (long long)ec_order_effects_line_quantity(fx, i, j));
        if (ec_order_effects_line_count(fx, i) == 0)
            printf(" %s", money(ec_order_effects_amount(fx, i), e, b));
        printf("\n");
    }
    return EC_OK;
}

/* 4. Checkout: the order keeps every line's amounts, so the units that
 * leave it later take exactly their share of the money. */
static int checkout(const ec_price_result *result)
{
    char a[EC_MONEY_FORMAT_MAX];
    ec_order *order = ec_order_new();
    ec_order_event *ev = ec_order_event_new();
    ec_order_effects *fx = ec_order_effects_new();
    ec_error err;
    ec_status st =
        order && ev && fx ? ec_order_create(order, result, "ord-till-1", NULL, &err) : EC_NO_MEMORY;
    if (st == EC_OK)
        printf("checkout: order %s, %s, total %s\n", ec_order_id(order), ec_order_state(order),
               money(ec_order_total(order), ec_order_exponent(order), a));
    /* no amount: capture what is due; nothing was authorized, so a sale */
    if (st == EC_OK) st = apply_event(order, ev, fx, "evt-1", "capture", NULL, 0, &err);
    /* the customer no longer wants the socks: their value is due back */
    if (st == EC_OK) st = apply_event(order, ev, fx, "evt-2", "cancel", "SOCK-3", 3, &err);
    if (st != EC_OK && order && ev && fx) report(stderr, "embed: checkout", st, &err);
    ec_order_effects_free(fx);
    ec_order_event_free(ev);
    ec_order_free(order);
    return st == EC_OK ? 0 : 1;
}

/* 3. The typed API: build the cart field by field, no JSON involved. */
static int price_typed(const ec_ruleset *rules, const char *extra_sku)
{
    static const char at[] = "2026-11-28T10:00:00Z";
    ec_cart *cart = ec_cart_new();
    ec_price_result *result = ec_price_result_new();
    ec_error err;
    int64_t at_us = 0;
    ec_status st = (cart && result) ? EC_OK : EC_NO_MEMORY;
    if (st == EC_OK) st = ec_time_parse(at, sizeof at - 1, &at_us, &err);
    if (st == EC_OK) st = ec_cart_set_currency(cart, "EUR", &err);
    if (st == EC_OK) st = ec_cart_set_at(cart, at_us, &err);
    if (st == EC_OK) st = ec_cart_set_country(cart, "DE", &err);
    if (st == EC_OK) st = ec_cart_add_line(cart, "SHOE-1", 1, &err);
    if (st == EC_OK) st = ec_cart_add_line(cart, "SOCK-3", 3, &err);
    if (st == EC_OK && extra_sku) st = ec_cart_add_line(cart, extra_sku, 1, &err);
    if (st == EC_OK) st = ec_price_cart(rules, cart, result, &err);
    if (st == EC_OK) {
        printf("a till's cart, built through the typed API:\n");
        print_receipt(result);
        if (!extra_sku && checkout(result) != 0) st = EC_INTERNAL;
    } else if (cart && result && extra_sku) {
        report(stdout, "a till's cart with an unknown SKU is refused", st, &err);
    } else if (cart && result) {
        report(stderr, "embed: a till's cart", st, &err);
    }
    ec_price_result_free(result);
    ec_cart_free(cart);
    return st == EC_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *rules_path = argc > 1 ? argv[1] : "examples/rules.json";
    const char *cart_path = argc > 2 ? argv[2] : "examples/cart.json";

    /* A program built against one major version must not run on another. */
    if (ec_version_number() / 10000 != EC_VERSION_MAJOR) {
        fprintf(stderr, "embed: built for %s, running with %s\n", EC_VERSION_STRING,
                ec_version_string());
        return 1;
    }
    printf("libecommerce %s\n", ec_version_string());

    /* 1. Compile once. */
    size_t len = 0;
    char *json = read_file(rules_path, &len);
    if (!json) {
        fprintf(stderr, "embed: cannot read %s\n", rules_path);
        return 1;
    }
    ec_ruleset *rules = NULL;
    ec_error err;
    ec_status st = ec_ruleset_from_json(json, len, NULL, &rules, &err);
    free(json); /* the ruleset keeps its own copies */
    if (st != EC_OK) {
        report(stderr, rules_path, st, &err);
        return 1;
    }
    printf("%s: %zu products, %zu price lists, %zu promotions\n", rules_path,
           ec_ruleset_product_count(rules), ec_ruleset_price_list_count(rules),
           ec_ruleset_promotion_count(rules));

    int rc = price_document(rules, cart_path);
    if (rc == 0) rc = price_typed(rules, NULL);
    /* A refusal is an answer, not a crash: this one must fail cleanly. */
    if (rc == 0 && price_typed(rules, "NO-SUCH-SKU") == 0) {
        fprintf(stderr, "embed: an unknown SKU was priced\n");
        rc = 1;
    }
    ec_ruleset_free(rules);
    return rc;
}
