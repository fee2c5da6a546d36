/* order_plan.h - an event planned on a copy of an order's counters and
 * money before anything changes; private to lib/order.
 *
 * Apply first turns the event into a plan (order_plan.c: the units per
 * line in the order's scratch array, the money as the event would leave
 * it), then chooses a transition whose guard holds on the plan, then
 * writes the plan into the order (order_apply.c).  Guards and effects read
 * the plan, never the order, so a refusal at any step changes nothing. */
#ifndef EC_ORDER_PLAN_H
#define EC_ORDER_PLAN_H

#include "order/order_internal.h"

typedef struct ec__oplan {
    const ec__otable *t;
    ec_order *o;
    const ec_order_event *ev;
    uint32_t state, event;
    int kind;          /* EC__OKIND_* of the event */
    int64_t *delta;    /* units per order line (o->delta) */
    ec__omoney before; /* the order's money now */
    ec__omoney after;  /* and once the event applied */
    uint8_t ship_left; /* shipping left the order, after the event */
} ec__oplan;

/* Check the event's own fields against its kind and plan its units and
 * money (docs/orders.md, "Events").  EC_INVALID_FIELD naming the field. */
ec_status ec__oplan_event(ec__oplan *p, ec_error *err);

/* Fulfilment once the plan applied. */
int32_t ec__oplan_fulfillment(const ec__oplan *p);

/* ec_order_apply() in two halves, for callers that carry an event's
 * effects out before the order moves (checkout.c): prepare runs every
 * check, makes room and fills the effects, leaving the order unchanged;
 * *tr is NULL when the event is a duplicate (nothing to commit).  commit
 * then writes the plan; it cannot fail.  Between the two the order must
 * not change. */
ec_status ec__order_prepare(const ec_order_machine *m, ec_order *o, const ec_order_event *ev,
                            ec_order_effects *fx, int32_t *duplicate, ec__oplan *p,
                            const ec__otrans **tr, ec_error *err);
void ec__order_commit(const ec__oplan *p, const ec__otrans *tr);

#endif /* EC_ORDER_PLAN_H */
