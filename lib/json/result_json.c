/* result_json.c - the pricing result document, written straight from the
 * typed result (no intermediate tree: this is the hot path of every JSON
 * surface). */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/json.h"
#include "json/writer.h"
#include "pricing/engine.h"

/* Literals are written with their compile-time length: this document is
 * mostly punctuation and key names, and strlen and the calls showed in
 * profiles. */
#define KEY(b, lit) EC__BUF_LIT(b, lit)

/* What follows the id of a promotion that did not apply, per reason: a
 * cart's document lists every promotion, and most did not apply. */
#define TAIL_TEXT(str) ",\"applied\":false,\"reason\":\"" str "\"}"
#define TAIL(name, str) {TAIL_TEXT(str), sizeof(TAIL_TEXT(str)) - 1},
static const struct reason_tail {
    char text[64]; /* copied whole when the room allows: a fixed-size copy is inlined */
    uint8_t len;
} reason_tails[] = {EC__REASON_MAP(TAIL)};
#undef TAIL
#undef TAIL_TEXT

static void put_tail(ec__buf *b, const struct reason_tail *t)
{
    if (b->len + sizeof t->text < b->cap) {
        memcpy(b->p + b->len, t->text, sizeof t->text);
        b->len += t->len;
    } else {
        ec__buf_raw(b, t->text, t->len);
    }
}

static void str_or_null(ec__buf *b, const ec__str *s)
{
    if (s)
        ec__buf_str(b, s->p, s->n);
    else
        KEY(b, "null");
}

static void write_line_discounts(ec__buf *b, const ec_price_result *r, const ec__line_result *l)
{
    int32_t e = r->exponent;
    KEY(b, "\"discounts\":[");
    for (uint32_t j = 0; j < l->disc_n; j++) {
        const ec__line_discount *d = &r->discounts[l->disc_off + j];
        const ec__str *id = &r->promo_list[d->promo]->id;
        if (j) KEY(b, ",");
        KEY(b, "{\"promotion\":");
        ec__buf_str(b, id->p, id->n);
        KEY(b, ",\"amount\":");
        ec__buf_money(b, d->amount, e);
        KEY(b, "}");
    }
    KEY(b, "],");
}

/* {"name", "percent", "amount"} of one rate or one summary entry. */
static void write_rate(ec__buf *b, const ec__str *name, int32_t pct, int64_t amount, int32_t e)
{
    KEY(b, "{\"name\":");
    ec__buf_str(b, name->p, name->n);
    KEY(b, ",\"percent\":");
    ec__buf_percent(b, pct);
    KEY(b, ",\"amount\":");
    ec__buf_money(b, amount, e);
    KEY(b, "}");
}

/* The line's rates ([] without tax entries). */
static void write_line_taxes(ec__buf *b, const ec_price_result *r, uint32_t i)
{
    const ec__tax_entry *e = r->lines[i].tax_entry;
    KEY(b, ",\"taxes\":[");
    for (uint32_t j = 0; e && j < e->nrates; j++) {
        if (j) KEY(b, ",");
        write_rate(b, &e->rates[j].name, e->rates[j].percent, r->rate_tax[r->items[i].off + j],
                   r->exponent);
    }
    KEY(b, "]");
}

/* The summary by name and percent, over lines and shipping. */
static void write_taxes(ec__buf *b, const ec_price_result *r)
{
    KEY(b, "\"taxes\":[");
    for (uint32_t k = 0; k < r->nsums; k++) {
        if (k) KEY(b, ",");
        write_rate(b, &r->sums[k].rate->name, r->sums[k].percent, r->sums[k].amount, r->exponent);
    }
    KEY(b, "]");
}

static void write_line(ec__buf *b, const ec_price_result *r, uint32_t i)
{
    const ec__line_result *l = &r->lines[i];
    int32_t e = r->exponent;
    KEY(b, "{\"sku\":");
    ec__buf_str(b, l->sku.p, l->sku.n);
    KEY(b, ",\"quantity\":");
    ec__buf_int(b, l->quantity);
    KEY(b, ",\"list_price\":");
    ec__buf_money(b, l->list_price, e);
    KEY(b, ",\"unit_price\":");
    ec__buf_money(b, l->unit_price, e);
    KEY(b, ",\"price_list\":");
    str_or_null(b, l->price_list);
    KEY(b, ",\"product_promotion\":");
    str_or_null(b, l->product_promo);
    KEY(b, ",\"subtotal\":");
    ec__buf_money(b, l->subtotal, e);
    KEY(b, ",");
    write_line_discounts(b, r, l);
    KEY(b, "\"discount\":");
    ec__buf_money(b, l->subtotal - l->net - l->relief, e);
    KEY(b, ",\"net\":");
    ec__buf_money(b, l->net, e);
    KEY(b, ",\"tax_percent\":");
    ec__buf_percent(b, l->tax_percent);
    KEY(b, ",\"tax\":");
    ec__buf_money(b, l->tax, e);
    write_line_taxes(b, r, i);
    KEY(b, ",\"total\":");
    ec__buf_money(b, l->total, e);
    KEY(b, "}");
}

static void write_shipping(ec__buf *b, const ec_price_result *r)
{
    int32_t e = r->exponent;
    if (!r->has_shipping) {
        KEY(b, "null");
        return;
    }
    KEY(b, "{\"method\":");
    ec__buf_str(b, r->shipping_method->p, r->shipping_method->n);
    KEY(b, ",\"price\":");
    ec__buf_money(b, r->shipping_price, e);
    KEY(b, ",\"discount\":");
    ec__buf_money(b, r->shipping_discount, e);
    KEY(b, ",\"tax\":");
    ec__buf_money(b, r->shipping_tax, e);
    KEY(b, ",\"total\":");
    ec__buf_money(b, r->shipping_total, e);
    KEY(b, "}");
}

/* {"id":"<id>": the ruleset's ready head when it has one, copied whole
 * when the room allows (a fixed-size copy is inlined). */
static void put_head(ec__buf *b, const char *head, const ec__str *id)
{
    size_t n = (unsigned char)head[EC__JSON_HEAD - 1];
    if (n && b->len + EC__JSON_HEAD < b->cap) {
        memcpy(b->p + b->len, head, EC__JSON_HEAD);
        b->len += n;
    } else if (n) {
        ec__buf_raw(b, head, n);
    } else {
        KEY(b, "{\"id\":");
        ec__buf_str(b, id->p, id->n);
    }
}

static void write_promotions(ec__buf *b, const ec_price_result *r)
{
    KEY(b, "\"promotions\":[");
    for (uint32_t k = 0; k < r->npromos; k++) {
        if (k) KEY(b, ",");
        put_head(b, r->json_heads[k], &r->promo_list[k]->id);
        if (r->promos[k].applied) {
            KEY(b, ",\"applied\":true,\"amount\":");
            ec__buf_money(b, r->promos[k].amount, r->exponent);
            KEY(b, "}");
        } else {
            put_tail(b, &reason_tails[r->promos[k].reason]);
        }
    }
    KEY(b, "]");
}

static void write_coupons(ec__buf *b, const ec_price_result *r)
{
    KEY(b, "\"coupons\":[");
    for (uint32_t k = 0; k < r->ncoupons; k++) {
        if (k) KEY(b, ",");
        KEY(b, "{\"code\":");
        ec__buf_str(b, r->coupons[k].code.p, r->coupons[k].code.n);
        KEY(b, ",\"status\":\"");
        ec__buf_lit(b, ec_price_result_coupon_status(r, k));
        KEY(b, "\"}");
    }
    KEY(b, "]");
}

void ec__write_result(ec__buf *b, const ec_price_result *r, const ec_cart *cart);

void ec__write_result(ec__buf *b, const ec_price_result *r, const ec_cart *cart)
{
    int32_t e = r->exponent;
    const char *cur = ec_currency_code(r->currency);
    KEY(b, "{");
    if (cart && ec_cart_id(cart)) {
        KEY(b, "\"id\":");
        ec__buf_str(b, ec_cart_id(cart), strlen(ec_cart_id(cart)));
        KEY(b, ",");
    }
    KEY(b, "\"currency\":\"");
    ec__buf_lit(b, cur);
    KEY(b, "\",\"lines\":[");
    for (uint32_t i = 0; i < r->nlines; i++) {
        if (i) KEY(b, ",");
        write_line(b, r, i);
    }
    KEY(b, "],\"subtotal\":");
    ec__buf_money(b, r->subtotal, e);
    KEY(b, ",\"discount\":");
    ec__buf_money(b, r->discount, e);
    KEY(b, ",\"shipping\":");
    write_shipping(b, r);
    KEY(b, ",\"tax\":");
    ec__buf_money(b, r->tax, e);
    KEY(b, ",");
    write_taxes(b, r);
    KEY(b, ",\"total\":");
    ec__buf_money(b, r->total, e);
    KEY(b, ",");
    write_promotions(b, r);
    KEY(b, ",");
    write_coupons(b, r);
    KEY(b, "}");
}

void ec__write_error(ec__buf *b, const ec_error *err);

void ec__write_error(ec__buf *b, const ec_error *err)
{
    KEY(b, "{\"error\":{\"code\":\"");
    ec__buf_lit(b, ec_status_name(err->code));
    KEY(b, "\",\"message\":");
    ec__buf_str(b, err->message, strlen(err->message));
    if (err->field[0]) {
        KEY(b, ",\"field\":");
        ec__buf_str(b, err->field, strlen(err->field));
    }
    KEY(b, "}}");
}
