/* result.c - the pricing result: lifetime and read accessors. */
#include <string.h>

#include "common/internal.h"
#include "pricing/engine.h"

ec_price_result *ec_price_result_new(void)
{
    return ec_price_result_new_ex(NULL);
}

ec_price_result *ec_price_result_new_ex(const ec_allocator *alloc)
{
    ec_price_result *r = ec__calloc(alloc, 1, sizeof *r);
    if (!r) return NULL;
    if (alloc) {
        r->alloc_copy = *alloc;
        r->alloc = &r->alloc_copy;
    }
    r->currency = -1;
    return r;
}

void ec_price_result_free(ec_price_result *r)
{
    if (!r) return;
    void *arrays[] = {r->lines,       r->discounts,  r->promos,    r->coupons,     r->targets,
                      r->nets,        r->trial,      r->d,         r->w,           r->parts,
                      r->pass,        r->excl,       r->reasons,   r->units,       r->coupon_seen,
                      r->dyn,         r->coupon_use, r->disc_end,  r->items,       r->rate_tax,
                      r->sums,        r->shares,     r->seen_bits, r->marked_bits, r->decided_bits,
                      r->window_bits, r->pp_mark};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) ec__dealloc(r->alloc, arrays[i]);
    ec_allocator copy = r->alloc_copy;
    ec__dealloc(r->alloc ? &copy : NULL, r);
}

int ec__result_grow(ec_price_result *r, void **arr, uint32_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 1;
    if (need > UINT32_MAX / 2) return 0;
    size_t n = *cap ? *cap : 16, bytes;
    while (n < need) n *= 2;
    if (ec__mul_overflows(n, elem, &bytes)) return 0;
    void *p = ec__realloc(r->alloc, *arr, bytes);
    if (!p) return 0;
    *arr = p;
    *cap = (uint32_t)n;
    return 1;
}

/* Grow arrays that share one capacity (*cap) to `need` elements of `elem`
 * bytes; on failure *cap drops to 0, so that those already grown are
 * realloc'd again (to the same size) next time. */
int ec__result_reserve_same(ec_price_result *r, void **const *arrays, size_t n, uint32_t *cap,
                            size_t need, size_t elem)
{
    uint32_t old = *cap, c;
    for (size_t k = 0; k < n; k++) {
        c = old;
        if (!ec__result_reserve(r, arrays[k], &c, need, elem)) {
            *cap = 0;
            return 0;
        }
        *cap = c;
    }
    return 1;
}

/* ---- accessors: out-of-range reads give 0 / NULL, never a crash -------- */

#define LINE(r, i) (((r) && (i) < (r)->nlines) ? &(r)->lines[i] : NULL)

const char *ec_price_result_currency(const ec_price_result *r)
{
    return r && r->currency >= 0 ? ec_currency_code(r->currency) : NULL;
}

int32_t ec_price_result_exponent(const ec_price_result *r)
{
    return r && r->currency >= 0 ? r->exponent : -1;
}

int64_t ec_price_result_at(const ec_price_result *r)
{
    return r && r->currency >= 0 ? r->at : 0;
}

int32_t ec_price_result_prices_include_tax(const ec_price_result *r)
{
    return r && r->currency >= 0 ? r->prices_include_tax : 0;
}

int64_t ec_price_result_subtotal(const ec_price_result *r)
{
    return r ? r->subtotal : 0;
}
int64_t ec_price_result_discount(const ec_price_result *r)
{
    return r ? r->discount : 0;
}
int64_t ec_price_result_tax(const ec_price_result *r)
{
    return r ? r->tax : 0;
}
int64_t ec_price_result_total(const ec_price_result *r)
{
    return r ? r->total : 0;
}
size_t ec_price_result_line_count(const ec_price_result *r)
{
    return r ? r->nlines : 0;
}

const char *ec_price_result_line_sku(const ec_price_result *r, size_t i)
{
    const ec__line_result *l = LINE(r, i);
    return l ? l->sku.p : NULL;
}

#define LINE_INT(name, expr)                                                                       \
    int64_t ec_price_result_line_##name(const ec_price_result *r, size_t i)                        \
    {                                                                                              \
        const ec__line_result *l = LINE(r, i);                                                     \
        return l ? (expr) : 0;                                                                     \
    }
LINE_INT(quantity, l->quantity)
LINE_INT(list_price, l->list_price)
LINE_INT(unit_price, l->unit_price)
LINE_INT(subtotal, l->subtotal)
LINE_INT(discount, l->subtotal - l->net - l->relief)
LINE_INT(net, l->net)
LINE_INT(tax, l->tax)
LINE_INT(total, l->total)
#undef LINE_INT

const char *ec_price_result_line_price_list(const ec_price_result *r, size_t i)
{
    const ec__line_result *l = LINE(r, i);
    return l && l->price_list ? l->price_list->p : NULL;
}

const char *ec_price_result_line_product_promotion(const ec_price_result *r, size_t i)
{
    const ec__line_result *l = LINE(r, i);
    return l && l->product_promo ? l->product_promo->p : NULL;
}

int32_t ec_price_result_line_tax_percent(const ec_price_result *r, size_t i)
{
    const ec__line_result *l = LINE(r, i);
    return l ? l->tax_percent : 0;
}

size_t ec_price_result_line_discount_count(const ec_price_result *r, size_t i)
{
    const ec__line_result *l = LINE(r, i);
    return l ? l->disc_n : 0;
}

static const ec__line_discount *line_discount(const ec_price_result *r, size_t i, size_t j)
{
    const ec__line_result *l = LINE(r, i);
    return l && j < l->disc_n ? &r->discounts[l->disc_off + j] : NULL;
}

const char *ec_price_result_line_discount_promotion(const ec_price_result *r, size_t i, size_t j)
{
    const ec__line_discount *d = line_discount(r, i, j);
    return d ? r->promo_list[d->promo]->id.p : NULL;
}

int64_t ec_price_result_line_discount_amount(const ec_price_result *r, size_t i, size_t j)
{
    const ec__line_discount *d = line_discount(r, i, j);
    return d ? d->amount : 0;
}

int32_t ec_price_result_has_shipping(const ec_price_result *r)
{
    return r ? r->has_shipping : 0;
}

const char *ec_price_result_shipping_method(const ec_price_result *r)
{
    return r && r->has_shipping ? r->shipping_method->p : NULL;
}

int64_t ec_price_result_shipping_price(const ec_price_result *r)
{
    return r ? r->shipping_price : 0;
}
int64_t ec_price_result_shipping_discount(const ec_price_result *r)
{
    return r ? r->shipping_discount : 0;
}
int64_t ec_price_result_shipping_tax(const ec_price_result *r)
{
    return r ? r->shipping_tax : 0;
}
int64_t ec_price_result_shipping_total(const ec_price_result *r)
{
    return r ? r->shipping_total : 0;
}

size_t ec_price_result_promotion_count(const ec_price_result *r)
{
    return r ? r->npromos : 0;
}

const char *ec_price_result_promotion_id(const ec_price_result *r, size_t k)
{
    return r && k < r->npromos ? r->promo_list[k]->id.p : NULL;
}

int32_t ec_price_result_promotion_applied(const ec_price_result *r, size_t k)
{
    return r && k < r->npromos ? ec__promo_applied(r, (uint32_t)k) : 0;
}

int64_t ec_price_result_promotion_amount(const ec_price_result *r, size_t k)
{
    return r && k < r->npromos && ec__promo_applied(r, (uint32_t)k) ? r->promos[k].amount : 0;
}

int64_t ec_price_result_promotion_line_discount(const ec_price_result *r, size_t k)
{
    int64_t amount = ec_price_result_promotion_amount(r, k);
    return r && k == r->ship_promo ? amount - r->shipping_discount : amount;
}

/* The coupon (index in coupons) an applied promotion used, or UINT32_MAX. */
static uint32_t used_coupon(const ec_price_result *r, size_t k)
{
    if (!r || k >= r->npromos || !ec__promo_applied(r, (uint32_t)k) || !r->promo_list[k]->ncoupons)
        return UINT32_MAX;
    return r->coupon_seen[k] == r->stamp ? r->coupon_use[k] : UINT32_MAX;
}

size_t ec_price_result_promotion_coupon_count(const ec_price_result *r, size_t k)
{
    return used_coupon(r, k) != UINT32_MAX;
}

const char *ec_price_result_promotion_coupon(const ec_price_result *r, size_t k, size_t j)
{
    uint32_t c = used_coupon(r, k);
    return c != UINT32_MAX && j == 0 ? r->coupons[c].code.p : NULL;
}

static const char *const reason_names[] = {
#define EC__REASON_NAME(name, str) str,
    EC__REASON_MAP(EC__REASON_NAME)
#undef EC__REASON_NAME
};

const char *ec_price_result_promotion_reason(const ec_price_result *r, size_t k)
{
    return r && k < r->npromos && r->reasons[k] ? reason_names[r->reasons[k]] : NULL;
}

size_t ec_price_result_coupon_count(const ec_price_result *r)
{
    return r ? r->ncoupons : 0;
}

const char *ec_price_result_coupon_code(const ec_price_result *r, size_t k)
{
    return r && k < r->ncoupons ? r->coupons[k].code.p : NULL;
}

const char *ec_price_result_coupon_status(const ec_price_result *r, size_t k)
{
    static const char *const names[] = {"unknown", "not_applicable", "applied"};
    return r && k < r->ncoupons ? names[r->coupons[k].status] : NULL;
}

/* ---- taxes ------------------------------------------------------------------------------ */

/* Rate j of line i's tax entry, and where its amount is. */
static const ec__tax_rate *line_rate(const ec_price_result *r, size_t i, size_t j, int64_t **amount)
{
    const ec__line_result *l = LINE(r, i);
    if (!l || !l->tax_entry || j >= l->tax_entry->nrates || i >= r->nitems) return NULL;
    if (amount) *amount = &r->rate_tax[r->items[i].off + j];
    return &l->tax_entry->rates[j];
}

size_t ec_price_result_line_taxes_count(const ec_price_result *r, size_t i)
{
    const ec__line_result *l = LINE(r, i);
    return l && l->tax_entry ? l->tax_entry->nrates : 0;
}

const char *ec_price_result_line_taxes_name(const ec_price_result *r, size_t i, size_t j)
{
    const ec__tax_rate *rate = line_rate(r, i, j, NULL);
    return rate ? rate->name.p : NULL;
}

int32_t ec_price_result_line_taxes_percent(const ec_price_result *r, size_t i, size_t j)
{
    const ec__tax_rate *rate = line_rate(r, i, j, NULL);
    return rate ? rate->percent : 0;
}

int64_t ec_price_result_line_taxes_amount(const ec_price_result *r, size_t i, size_t j)
{
    int64_t *amount = NULL;
    return line_rate(r, i, j, &amount) ? *amount : 0;
}

size_t ec_price_result_taxes_count(const ec_price_result *r)
{
    return r ? r->nsums : 0;
}

const char *ec_price_result_taxes_name(const ec_price_result *r, size_t k)
{
    return r && k < r->nsums ? r->sums[k].rate->name.p : NULL;
}

int32_t ec_price_result_taxes_percent(const ec_price_result *r, size_t k)
{
    return r && k < r->nsums ? r->sums[k].percent : 0;
}

int64_t ec_price_result_taxes_amount(const ec_price_result *r, size_t k)
{
    return r && k < r->nsums ? r->sums[k].amount : 0;
}
