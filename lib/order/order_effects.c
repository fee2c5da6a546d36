/* order_effects.c - the effects of one applied event: what the caller must
 * do outside the order, with the lines and amounts it is done for.
 *
 * Lines name an order line by index; their SKU is read from the order, so
 * the effects copy no strings.  The line array grows to the largest event
 * seen and is reused. */
#include "common/internal.h"
#include "order/order_internal.h"

ec_order_effects *ec_order_effects_new(void)
{
    return ec_order_effects_new_ex(NULL);
}

ec_order_effects *ec_order_effects_new_ex(const ec_allocator *alloc)
{
    ec_order_effects *fx = ec__calloc(alloc, 1, sizeof *fx);
    if (!fx) return NULL;
    if (alloc) {
        fx->alloc_copy = *alloc;
        fx->alloc = &fx->alloc_copy;
    }
    return fx;
}

void ec_order_effects_free(ec_order_effects *fx)
{
    if (!fx) return;
    ec__dealloc(fx->alloc, fx->lines);
    ec_allocator copy = fx->alloc_copy;
    ec__dealloc(fx->alloc ? &copy : NULL, fx);
}

void ec__order_effects_clear(ec_order_effects *fx, const ec_order *o)
{
    fx->order = o;
    fx->n = 0;
    fx->nlines = 0;
}

int ec__order_effects_reserve(ec_order_effects *fx, size_t lines)
{
    if (fx->nlines + lines <= fx->lines_cap) return 1;
    uint32_t cap = fx->lines_cap ? fx->lines_cap : 8;
    while (cap < fx->nlines + lines) cap *= 2;
    ec__oeffect_line *l = ec__realloc(fx->alloc, fx->lines, cap * sizeof *l);
    if (!l) return 0;
    fx->lines = l;
    fx->lines_cap = cap;
    return 1;
}

void ec__order_effects_amount(ec_order_effects *fx, int type, int64_t amount)
{
    fx->fx[fx->n++] = (ec__oeffect){(uint8_t)type, amount, fx->nlines, 0};
}

void ec__order_effects_units(ec_order_effects *fx, int type, const int64_t *delta, uint32_t n)
{
    ec__oeffect *e = &fx->fx[fx->n++];
    *e = (ec__oeffect){(uint8_t)type, 0, fx->nlines, 0};
    for (uint32_t i = 0; i < n; i++)
        if (delta[i] > 0) fx->lines[fx->nlines++] = (ec__oeffect_line){i, delta[i]};
    e->n = fx->nlines - e->off;
}

/* ---- accessors ----------------------------------------------------------------- */

static const ec__oeffect *effect_at(const ec_order_effects *fx, size_t i)
{
    return fx && i < fx->n ? &fx->fx[i] : NULL;
}

static const ec__oeffect_line *line_at(const ec_order_effects *fx, size_t i, size_t j)
{
    const ec__oeffect *e = effect_at(fx, i);
    return e && j < e->n ? &fx->lines[e->off + j] : NULL;
}

size_t ec_order_effects_count(const ec_order_effects *fx)
{
    return fx ? fx->n : 0;
}

int32_t ec_order_effects_get(const ec_order_effects *fx, size_t i)
{
    const ec__oeffect *e = effect_at(fx, i);
    return e ? e->type : -1;
}

int64_t ec_order_effects_amount(const ec_order_effects *fx, size_t i)
{
    const ec__oeffect *e = effect_at(fx, i);
    return e ? e->amount : 0;
}

size_t ec_order_effects_line_count(const ec_order_effects *fx, size_t i)
{
    const ec__oeffect *e = effect_at(fx, i);
    return e ? e->n : 0;
}

size_t ec_order_effects_line_index(const ec_order_effects *fx, size_t i, size_t j)
{
    const ec__oeffect_line *l = line_at(fx, i, j);
    return l ? l->line : 0;
}

const char *ec_order_effects_line_sku(const ec_order_effects *fx, size_t i, size_t j)
{
    const ec__oeffect_line *l = line_at(fx, i, j);
    if (!l || !fx->order || l->line >= fx->order->nlines) return NULL;
    return ec__order_sku(fx->order, l->line);
}

int64_t ec_order_effects_line_quantity(const ec_order_effects *fx, size_t i, size_t j)
{
    const ec__oeffect_line *l = line_at(fx, i, j);
    return l ? l->quantity : 0;
}
