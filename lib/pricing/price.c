/* price.c - ec_price_cart(): the steps of pricing a cart, in order. */
#include <string.h>

#include "common/internal.h"
#include "pricing/engine.h"

static void clear_result(ec_price_result *r)
{
    r->currency = -1;
    r->exponent = 0;
    r->at = 0;
    r->prices_include_tax = 0;
    r->subtotal = r->discount = r->tax = r->total = 0;
    r->has_shipping = 0;
    r->shipping_method = NULL;
    r->shipping_price = r->shipping_discount = r->shipping_tax = r->shipping_total = 0;
    r->shipping_relief = 0;
    r->shipping_entry = NULL;
    r->ship_promo = UINT32_MAX;
    r->nlines = r->ndiscounts = r->npromos = r->ncoupons = r->ntargets = r->npass = 0;
    r->nexcl = 0;
    r->nitems = r->nrate_tax = r->nsums = 0;
}

/* Lines and per-line scratch (one extra item for shipping). */
static ec_status reserve_lines(ec_price_result *r, uint32_t n, ec_error *err)
{
    void **const per_line[] = {(void **)&r->nets, (void **)&r->trial, (void **)&r->d};
    void **const alloc[] = {(void **)&r->w, (void **)&r->parts};
    int ok =
        ec__result_reserve(r, (void **)&r->lines, &r->lines_cap, n, sizeof *r->lines) &&
        ec__result_reserve(r, (void **)&r->disc_end, &r->disc_end_cap, n + 1, sizeof *r->disc_end);
    if (ok && r->scratch_cap < n + 1)
        ok = ec__result_reserve_same(r, per_line, 3, &r->scratch_cap, n + 1, 8);
    if (ok && r->alloc_cap < n + 1)
        ok = ec__result_reserve_same(r, alloc, 2, &r->alloc_cap, n + 1, 8);
    return ok ? EC_OK : ec__fail(err, EC_NO_MEMORY, NULL, NULL);
}

static ec_status check_cart(const ec_cart *cart, ec_error *err)
{
    EC_FAIL_IF(cart->currency < 0, err, EC_INVALID_FIELD, "currency", "currency is required");
    EC_FAIL_IF(!cart->has_at, err, EC_INVALID_FIELD, "at", "at is required");
    EC_FAIL_IF(cart->nlines == 0, err, EC_INVALID_FIELD, "lines", "a cart needs 1 to %d lines",
               EC_CART_MAX_LINES);
    return EC_OK;
}

static uint32_t context_symbol(const ec_ruleset *rs, const ec__str *s)
{
    return s->p ? ec__ruleset_lookup_symbol(rs, s->p, s->n) : EC__SYM_NONE;
}

ec_status ec_price_cart(const ec_ruleset *rules, const ec_cart *cart, ec_price_result *result,
                        ec_error *err)
{
    EC_FAIL_IF(!rules || !cart || !result, err, EC_MISUSE, NULL,
               "ec_price_cart needs a ruleset, a cart and a result");
    clear_result(result);
    ec_error_clear(err);
    EC_TRY(check_cart(cart, err));
    EC_TRY(reserve_lines(result, cart->nlines, err));
    ec__pricing pc = {
        .rs = rules,
        .cart = cart,
        .r = result,
        .err = err,
        .cur = cart->currency,
        .mode = rules->rounding,
        .at = cart->at,
        .country = context_symbol(rules, &cart->country),
        .group = context_symbol(rules, &cart->customer_group),
        .channel = context_symbol(rules, &cart->channel),
    };
    result->nlines = cart->nlines;
    result->at = cart->at;
    result->prices_include_tax = rules->prices_include_tax;
    ec_status st = ec__price_units(&pc);
    if (st == EC_OK) st = ec__price_shipping_method(&pc);
    if (st == EC_OK) st = ec__price_tax_rates(&pc);
    if (st == EC_OK) st = ec__price_promotions(&pc);
    if (st == EC_OK) st = ec__price_tax(&pc);
    if (st != EC_OK) {
        /* a step that failed in a money helper reports the bare status */
        if (err && err->code == EC_OK) ec__fail(err, st, NULL, NULL);
        clear_result(result);
        return st;
    }
    result->currency = cart->currency;
    result->exponent = ec_currency_exponent(cart->currency);
    return EC_OK;
}
