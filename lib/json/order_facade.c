/* order_facade.c - one-call JSON checkout and event application. */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/json.h"
#include "ecommerce/order.h"
#include "json/order_codec.h"

/* ---- checkout ------------------------------------------------------------------- */

typedef struct create_ctx {
    ec_cart *cart;
    ec_price_result *result;
    ec_order *order;
} create_ctx;

static ec_status run_create(create_ctx *c, const ec_ruleset *rules, const char *cart_json,
                            size_t len, const char *id, ec_error *err)
{
    EC_TRY(ec_cart_from_json(c->cart, cart_json, len, err));
    EC_TRY(ec_price_cart(rules, c->cart, c->result, err));
    return ec_order_create(c->order, c->result, id, NULL, err);
}

ec_status ec_json_order_create(const ec_ruleset *rules, const char *cart_json, size_t len,
                               const char *id, char **out, size_t *out_len, ec_error *err)
{
    EC_FAIL_IF(!out, err, EC_MISUSE, NULL, "out is NULL");
    *out = NULL;
    EC_FAIL_IF(!rules || !cart_json || !id, err, EC_MISUSE, NULL,
               "rules, cart and id are required");
    create_ctx c = {ec_cart_new(), ec_price_result_new(), ec_order_new()};
    ec_status st = !c.cart || !c.result || !c.order
                       ? ec__fail(err, EC_NO_MEMORY, NULL, NULL)
                       : run_create(&c, rules, cart_json, len, id, err);
    if (st == EC_OK) {
        st = ec_order_to_json(c.order, out, out_len);
        if (st != EC_OK) ec__fail(err, st, NULL, NULL);
    }
    ec_order_free(c.order);
    ec_price_result_free(c.result);
    ec_cart_free(c.cart);
    return st;
}

/* ---- applying an event ----------------------------------------------------------------- */

typedef struct apply_ctx {
    ec_order *order;
    ec_order_event *event;
    ec_order_effects *effects;
} apply_ctx;

static ec_status run_apply(apply_ctx *c, const ec_order_machine *m, const char *order_json,
                           size_t order_len, const char *event_json, size_t event_len,
                           int32_t *duplicate, ec_error *err)
{
    ec_status st = ec_order_from_json(c->order, order_json, order_len, err);
    if (st != EC_OK) {
        if (st != EC_NO_MEMORY) ec__error_prefix(err, "order");
        return st;
    }
    EC_TRY(ec_order_event_from_json(c->event, event_json, event_len, ec_order_currency(c->order),
                                    err));
    return ec_order_apply(m, c->order, c->event, c->effects, duplicate, err);
}

ec_status ec_json_order_apply_ex(const ec_allocator *alloc, const ec_order_machine *m,
                                 const char *order_json, size_t order_len, const char *event_json,
                                 size_t event_len, char **out, size_t *out_len, ec_error *err)
{
    EC_FAIL_IF(!out, err, EC_MISUSE, NULL, "out is NULL");
    *out = NULL;
    apply_ctx c = {ec_order_new_ex(alloc), ec_order_event_new_ex(alloc),
                   ec_order_effects_new_ex(alloc)};
    int32_t duplicate = 0;
    ec_status st = EC_NO_MEMORY;
    if (!c.order || !c.event || !c.effects)
        ec__fail(err, st, NULL, NULL);
    else
        st = run_apply(&c, m, order_json, order_len, event_json, event_len, &duplicate, err);
    if (st == EC_OK) {
        ec__buf b = {alloc, NULL, 0, 0, 0};
        ec__order_write_result(&b, c.order, c.effects, duplicate);
        st = ec__buf_take(&b, out, out_len);
        if (st != EC_OK) ec__fail(err, st, NULL, NULL);
    }
    ec_order_effects_free(c.effects);
    ec_order_event_free(c.event);
    ec_order_free(c.order);
    return st;
}

ec_status ec_json_order_apply(const ec_order_machine *m, const char *order_json, size_t order_len,
                              const char *event_json, size_t event_len, char **out, size_t *out_len,
                              ec_error *err)
{
    return ec_json_order_apply_ex(NULL, m, order_json, order_len, event_json, event_len, out,
                                  out_len, err);
}
