/* checkout.c - checkout and order events with their stock, as one call
 * each (checkout.h).
 *
 * Everything here is sequencing of the domain modules: pricing makes the
 * result, the order module makes and moves the order, the inventory holds
 * and moves the units.  An event is planned on the order first, its stock
 * effect carried out in the inventory (all lines or none), and only then
 * is the plan written into the order, so a refusal from either side leaves
 * both as they were. */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/checkout.h"
#include "order/order_plan.h"

struct ec_checkout {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    ec_price_result *result;
    ec_order *order;
    ec_inventory_request *req;
    uint32_t *uses; /* the result's applied promotions, by index */
    uint32_t nuses, uses_cap;
    int64_t at;    /* of the reservation */
    int prepared;  /* result and order made by the last prepare */
    int req_ready; /* and req is its reservation (events reuse req) */
};

ec_checkout *ec_checkout_new(void)
{
    return ec_checkout_new_ex(NULL);
}

ec_checkout *ec_checkout_new_ex(const ec_allocator *alloc)
{
    ec_checkout *c = ec__calloc(alloc, 1, sizeof *c);
    if (!c) return NULL;
    if (alloc) {
        c->alloc_copy = *alloc;
        c->alloc = &c->alloc_copy;
    }
    c->result = ec_price_result_new_ex(c->alloc);
    c->order = ec_order_new_ex(c->alloc);
    c->req = ec_inventory_request_new_ex(c->alloc);
    if (c->result && c->order && c->req) return c;
    ec_checkout_free(c);
    return NULL;
}

void ec_checkout_free(ec_checkout *c)
{
    if (!c) return;
    ec_price_result_free(c->result);
    ec_order_free(c->order);
    ec_inventory_request_free(c->req);
    ec__dealloc(c->alloc, c->uses);
    ec_allocator copy = c->alloc_copy;
    ec__dealloc(c->alloc ? &copy : NULL, c);
}

/* ---- checkout ------------------------------------------------------------------------ */

/* The request that holds the order's units: one line per cart line (the
 * inventory adds up lines of one SKU). */
static ec_status build_reservation(ec_checkout *c, const ec_cart *cart, const char *order_id,
                                   int64_t at_us, int64_t ttl, ec_error *err)
{
    ec_inventory_request_reset(c->req);
    EC_TRY(ec_inventory_request_set_id(c->req, order_id, err));
    EC_TRY(ec_inventory_request_set_at(c->req, at_us, err));
    EC_TRY(ec_inventory_request_set_ttl(c->req, ttl, err));
    for (size_t i = 0; i < ec_cart_line_count(cart); i++)
        EC_TRY(ec_inventory_request_add_line(c->req, ec_cart_line_sku(cart, i),
                                             ec_cart_line_quantity(cart, i), err));
    return EC_OK;
}

/* The applied promotions of the result: each spends one use of its
 * limits (ec_checkout_use_count()). */
static ec_status list_uses(ec_checkout *c, ec_error *err)
{
    size_t n = ec_price_result_promotion_count(c->result);
    if (n > c->uses_cap) {
        uint32_t *p = ec__realloc(c->alloc, c->uses, n * sizeof *p);
        EC_FAIL_IF(!p, err, EC_NO_MEMORY, NULL, NULL);
        c->uses = p;
        c->uses_cap = (uint32_t)n;
    }
    c->nuses = 0;
    for (size_t k = 0; k < n; k++)
        if (ec_price_result_promotion_applied(c->result, k)) c->uses[c->nuses++] = (uint32_t)k;
    return EC_OK;
}

ec_status ec_checkout_prepare(ec_checkout *c, const ec_ruleset *rules, const ec_cart *cart,
                              const char *order_id, const ec_order_machine *machine, int64_t at_us,
                              int64_t ttl_seconds, ec_error *err)
{
    EC_FAIL_IF(!c || !rules || !cart || !order_id, err, EC_MISUSE, NULL,
               "checkout, ruleset, cart and order id are required");
    c->prepared = c->req_ready = 0;
    EC_TRY(ec_price_cart(rules, cart, c->result, err));
    EC_TRY(ec_order_create(c->order, c->result, order_id, machine, err));
    EC_TRY(build_reservation(c, cart, order_id, at_us, ttl_seconds, err));
    EC_TRY(list_uses(c, err));
    c->at = at_us;
    c->prepared = c->req_ready = 1;
    return EC_OK;
}

const ec_price_result *ec_checkout_result(const ec_checkout *c)
{
    return c && c->prepared ? c->result : NULL;
}

ec_order *ec_checkout_order(ec_checkout *c)
{
    return c && c->prepared ? c->order : NULL;
}

const ec_inventory_request *ec_checkout_reservation(const ec_checkout *c)
{
    return c && c->prepared && c->req_ready ? c->req : NULL;
}

size_t ec_checkout_use_count(const ec_checkout *c)
{
    return c && c->prepared ? c->nuses : 0;
}

const char *ec_checkout_use_promotion(const ec_checkout *c, size_t k)
{
    if (k >= ec_checkout_use_count(c)) return NULL;
    return ec_price_result_promotion_id(c->result, c->uses[k]);
}

int64_t ec_checkout_use_spent(const ec_checkout *c, size_t k)
{
    if (k >= ec_checkout_use_count(c)) return 0;
    return ec_price_result_promotion_line_discount(c->result, c->uses[k]);
}

size_t ec_checkout_use_code_count(const ec_checkout *c, size_t k)
{
    if (k >= ec_checkout_use_count(c)) return 0;
    return ec_price_result_promotion_coupon_count(c->result, c->uses[k]);
}

const char *ec_checkout_use_code(const ec_checkout *c, size_t k, size_t j)
{
    if (k >= ec_checkout_use_count(c)) return NULL;
    return ec_price_result_promotion_coupon(c->result, c->uses[k], j);
}

ec_status ec_checkout_reserve(ec_checkout *c, ec_inventory *inv, ec_inventory_result *result,
                              ec_error *err)
{
    EC_FAIL_IF(!c || !c->prepared || !c->req_ready || !inv, err, EC_MISUSE, NULL,
               "prepare the checkout before reserving its stock");
    const char *id = ec_order_id(c->order);
    EC_TRY(ec_inventory_reserve(inv, c->req, result, err));
    ec_status st = ec_inventory_commit(inv, id, id, c->at, result, err);
    /* just made and active: a commit fails only for lack of memory */
    if (st != EC_OK) ec_inventory_release(inv, id, NULL, NULL);
    return st;
}

/* ---- order events ------------------------------------------------------------------------- */

/* The stock effect of the planned event as units of the order's
 * reservation: shipped, released or restocked. */
static ec_status carry_out(ec_checkout *c, const ec_order *o, const ec_order_effects *fx,
                           ec_inventory *inv, ec_error *err)
{
    for (size_t k = 0; k < ec_order_effects_count(fx); k++) {
        int32_t type = ec_order_effects_get(fx, k);
        if (type != EC_ORDER_EFFECT_SHIP_STOCK && type != EC_ORDER_EFFECT_RELEASE_STOCK &&
            type != EC_ORDER_EFFECT_RESTOCK)
            continue;
        EC_FAIL_IF(!inv, err, EC_MISUSE, NULL, "the event moves units: an inventory is required");
        ec_inventory_request_reset(c->req);
        c->req_ready = 0; /* the request is no longer the checkout's */
        EC_TRY(ec_inventory_request_set_id(c->req, ec_order_id(o), err));
        for (size_t j = 0; j < ec_order_effects_line_count(fx, k); j++)
            EC_TRY(ec_inventory_request_add_line(c->req, ec_order_effects_line_sku(fx, k, j),
                                                 ec_order_effects_line_quantity(fx, k, j), err));
        if (type == EC_ORDER_EFFECT_SHIP_STOCK)
            return ec_inventory_ship_units(inv, c->req, NULL, err);
        if (type == EC_ORDER_EFFECT_RELEASE_STOCK)
            return ec_inventory_release_units(inv, c->req, NULL, err);
        return ec_inventory_restock_units(inv, c->req, NULL, err);
    }
    return EC_OK;
}

ec_status ec_checkout_apply_event(ec_checkout *c, const ec_order_machine *m, ec_order *o,
                                  const ec_order_event *ev, ec_inventory *inv, ec_order_effects *fx,
                                  int32_t *duplicate, int32_t *uses_back, ec_error *err)
{
    if (uses_back) *uses_back = 0;
    EC_FAIL_IF(!c, err, EC_MISUSE, NULL, "a checkout is required");
    /* the effects drive the stock, so they are needed even when the caller
     * does not want them */
    ec_order_effects *own = fx ? NULL : ec_order_effects_new_ex(c->alloc);
    ec_order_effects *effects = fx ? fx : own;
    EC_FAIL_IF(!effects, err, EC_NO_MEMORY, NULL, NULL);
    int32_t was = ec_order_fulfillment(o);
    ec__oplan p;
    const ec__otrans *tr = NULL;
    ec_status st = ec__order_prepare(m, o, ev, effects, duplicate, &p, &tr, err);
    if (st == EC_OK && tr) st = carry_out(c, o, effects, inv, err);
    if (st == EC_OK && tr) ec__order_commit(&p, tr);
    if (st != EC_OK) ec__order_effects_clear(effects, o);
    if (st == EC_OK && tr && uses_back)
        *uses_back = was != EC_ORDER_FULFILLMENT_CANCELED &&
                     ec_order_fulfillment(o) == EC_ORDER_FULFILLMENT_CANCELED;
    ec_order_effects_free(own);
    return st;
}
