/* result_json.c - the pricing result document of formats.md 3.6, written
 * straight from the typed result (no intermediate tree: this is the hot
 * path of every JSON surface). */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/json.h"
#include "json/writer.h"
#include "pricing/engine.h"

static void key(ec__buf *b, const char *k) { ec__buf_lit(b, k); }

static void str_or_null(ec__buf *b, const ec__str *s)
{
    if (s) ec__buf_str(b, s->p, s->n);
    else ec__buf_lit(b, "null");
}

static void write_line_discounts(ec__buf *b, const ec_price_result *r, const ec__line_result *l)
{
    int32_t e = r->exponent;
    ec__buf_lit(b, "\"discounts\":[");
    for (uint32_t j = 0; j < l->disc_n; j++) {
        const ec__line_discount *d = &r->discounts[l->disc_off + j];
        const ec__str *id = &r->promo_list[d->promo]->id;
        ec__buf_lit(b, j ? ",{\"promotion\":" : "{\"promotion\":");
        ec__buf_str(b, id->p, id->n);
        ec__buf_lit(b, ",\"amount\":");
        ec__buf_money(b, d->amount, e);
        ec__buf_lit(b, "}");
    }
    ec__buf_lit(b, "],");
}

static void write_line(ec__buf *b, const ec_price_result *r, const ec__line_result *l)
{
    int32_t e = r->exponent;
    key(b, "{\"sku\":");
    ec__buf_str(b, l->sku.p, l->sku.n);
    key(b, ",\"quantity\":");
    ec__buf_int(b, l->quantity);
    key(b, ",\"list_price\":");
    ec__buf_money(b, l->list_price, e);
    key(b, ",\"unit_price\":");
    ec__buf_money(b, l->unit_price, e);
    key(b, ",\"price_list\":");
    str_or_null(b, l->price_list);
    key(b, ",\"product_promotion\":");
    str_or_null(b, l->product_promo);
    key(b, ",\"subtotal\":");
    ec__buf_money(b, l->subtotal, e);
    key(b, ",");
    write_line_discounts(b, r, l);
    key(b, "\"discount\":");
    ec__buf_money(b, l->subtotal - l->net, e);
    key(b, ",\"net\":");
    ec__buf_money(b, l->net, e);
    key(b, ",\"tax_percent\":");
    ec__buf_percent(b, l->tax_percent);
    key(b, ",\"tax\":");
    ec__buf_money(b, l->tax, e);
    key(b, ",\"total\":");
    ec__buf_money(b, l->total, e);
    key(b, "}");
}

static void write_shipping(ec__buf *b, const ec_price_result *r)
{
    int32_t e = r->exponent;
    if (!r->has_shipping) {
        key(b, "null");
        return;
    }
    key(b, "{\"method\":");
    ec__buf_str(b, r->shipping_method->p, r->shipping_method->n);
    key(b, ",\"price\":");
    ec__buf_money(b, r->shipping_price, e);
    key(b, ",\"discount\":");
    ec__buf_money(b, r->shipping_discount, e);
    key(b, ",\"tax\":");
    ec__buf_money(b, r->shipping_tax, e);
    key(b, ",\"total\":");
    ec__buf_money(b, r->shipping_total, e);
    key(b, "}");
}

static void write_promotions(ec__buf *b, const ec_price_result *r)
{
    key(b, "\"promotions\":[");
    for (uint32_t k = 0; k < r->npromos; k++) {
        const ec__str *id = &r->promo_list[k]->id;
        key(b, k ? ",{\"id\":" : "{\"id\":");
        ec__buf_str(b, id->p, id->n);
        if (r->promos[k].applied) {
            key(b, ",\"applied\":true,\"amount\":");
            ec__buf_money(b, r->promos[k].amount, r->exponent);
        } else {
            key(b, ",\"applied\":false,\"reason\":\"");
            key(b, ec_price_result_promotion_reason(r, k));
            key(b, "\"");
        }
        key(b, "}");
    }
    key(b, "]");
}

static void write_coupons(ec__buf *b, const ec_price_result *r)
{
    key(b, "\"coupons\":[");
    for (uint32_t k = 0; k < r->ncoupons; k++) {
        key(b, k ? ",{\"code\":" : "{\"code\":");
        ec__buf_str(b, r->coupons[k].code.p, r->coupons[k].code.n);
        key(b, ",\"status\":\"");
        key(b, ec_price_result_coupon_status(r, k));
        key(b, "\"}");
    }
    key(b, "]");
}

void ec__write_result(ec__buf *b, const ec_price_result *r, const ec_cart *cart);

void ec__write_result(ec__buf *b, const ec_price_result *r, const ec_cart *cart)
{
    int32_t e = r->exponent;
    const char *cur = ec_currency_code(r->currency);
    key(b, "{");
    if (cart && ec_cart_id(cart)) {
        key(b, "\"id\":");
        ec__buf_str(b, ec_cart_id(cart), strlen(ec_cart_id(cart)));
        key(b, ",");
    }
    key(b, "\"currency\":\"");
    key(b, cur);
    key(b, "\",\"lines\":[");
    for (uint32_t i = 0; i < r->nlines; i++) {
        if (i) key(b, ",");
        write_line(b, r, &r->lines[i]);
    }
    key(b, "],\"subtotal\":");
    ec__buf_money(b, r->subtotal, e);
    key(b, ",\"discount\":");
    ec__buf_money(b, r->discount, e);
    key(b, ",\"shipping\":");
    write_shipping(b, r);
    key(b, ",\"tax\":");
    ec__buf_money(b, r->tax, e);
    key(b, ",\"total\":");
    ec__buf_money(b, r->total, e);
    key(b, ",");
    write_promotions(b, r);
    key(b, ",");
    write_coupons(b, r);
    key(b, "}");
}

void ec__write_error(ec__buf *b, const ec_error *err);

void ec__write_error(ec__buf *b, const ec_error *err)
{
    key(b, "{\"error\":{\"code\":\"");
    key(b, ec_status_name(err->code));
    key(b, "\",\"message\":");
    ec__buf_str(b, err->message, strlen(err->message));
    if (err->field[0]) {
        key(b, ",\"field\":");
        ec__buf_str(b, err->field, strlen(err->field));
    }
    key(b, "}}");
}
