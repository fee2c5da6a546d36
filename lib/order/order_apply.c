/* order_apply.c - moving an order by one event, all or nothing.
 *
 * The steps: checks that need no plan (complete, duplicate, version, a
 * transition exists), the plan of the event's units and money
 * (order_plan.c), the transition whose guard holds on the plan, room for
 * the history and the effects, and only then the writes.  A failure at
 * any step therefore leaves the order exactly as it was. */
#include <stdio.h>
#include <string.h>

#include "common/internal.h"
#include "order/order_plan.h"

/* ---- messages ----------------------------------------------------------------- */

/* "a, b, c": the events with a transition from `state`, in table order. */
static void allowed_events(const ec__otable *t, uint32_t state, char *buf, size_t cap)
{
    uint8_t listed[EC_ORDER_MACHINE_MAX_EVENTS] = {0};
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < t->ntrans; i++) {
        const ec__otrans *tr = &t->trans[i];
        if (listed[tr->event] || !ec__otrans_from(tr, state)) continue;
        listed[tr->event] = 1;
        int n = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", t->events[tr->event].p);
        if (n < 0 || (size_t)n >= cap - used) break; /* truncated: the message stays readable */
        used += (size_t)n;
    }
    if (!used)
        snprintf(buf, cap, "none (%s is %s)", t->states[state].p,
                 t->final_flag[state] ? "final" : "a dead end");
}

static ec_status no_transition(const ec__oplan *p, const char *why, ec_error *err)
{
    char allowed[200];
    allowed_events(p->t, p->state, allowed, sizeof allowed);
    return ec__fail(err, EC_INVALID_TRANSITION, NULL, "cannot %.60s in state %.60s%s; allowed: %s",
                    p->ev->type, p->o->state, why, allowed);
}

/* ---- checks before anything is planned --------------------------------------------- */

static ec_status check_complete(const ec_order *o, const ec_order_event *ev, ec_error *err)
{
    EC_FAIL_IF(!o->id_len, err, EC_INVALID_FIELD, "order.id", "the order has no id");
    EC_FAIL_IF(!o->state_len, err, EC_INVALID_FIELD, "order.state", "the order has no state");
    EC_FAIL_IF(o->currency < 0, err, EC_INVALID_FIELD, "order.currency",
               "the order has no currency");
    EC_FAIL_IF(!o->nlines, err, EC_INVALID_FIELD, "order.lines", "the order has no lines");
    EC_FAIL_IF(!ev->id_len, err, EC_INVALID_FIELD, "id", "the event has no id");
    EC_FAIL_IF(!ev->type_len, err, EC_INVALID_FIELD, "type", "the event has no type");
    EC_FAIL_IF(!ev->has_at, err, EC_INVALID_FIELD, "at", "the event has no time (at)");
    return EC_OK;
}

static ec_status find_state_event(ec__oplan *p, ec_error *err)
{
    int32_t s = ec__omachine_state(p->t, p->o->state, p->o->state_len);
    EC_FAIL_IF(s < 0, err, EC_INVALID_FIELD, "order.state", "%.128s is not a state of the machine",
               p->o->state);
    p->state = (uint32_t)s;
    int32_t e = ec__omachine_event(p->t, p->ev->type, p->ev->type_len);
    if (e < 0) {
        char allowed[200];
        allowed_events(p->t, p->state, allowed, sizeof allowed);
        return ec__fail(err, EC_INVALID_TRANSITION, "type",
                        "%.100s is not an event of the machine; allowed: %s", p->ev->type, allowed);
    }
    p->event = (uint32_t)e;
    for (uint32_t i = 0; i < p->t->ntrans; i++)
        if (p->t->trans[i].event == p->event && ec__otrans_from(&p->t->trans[i], p->state))
            return EC_OK;
    return no_transition(p, "", err);
}

/* ---- guards ------------------------------------------------------------------------- */

static int64_t fulfilled_after(const ec__oplan *p, uint32_t i)
{
    return p->o->lines[i].fulfilled + (p->kind == EC__OKIND_FULFILL ? p->delta[i] : 0);
}

static int64_t returned_after(const ec__oplan *p, uint32_t i)
{
    return p->o->lines[i].returned + (p->kind == EC__OKIND_RETURN ? p->delta[i] : 0);
}

static int lines_hold(const ec__oplan *p, int guard)
{
    const ec_order *o = p->o;
    for (uint32_t i = 0; i < o->nlines; i++) {
        int64_t f = fulfilled_after(p, i), r = returned_after(p, i);
        if (guard == EC_ORDER_GUARD_HAS_RETURNABLE_LINES &&
            o->lines[i].fulfilled > o->lines[i].returned)
            return 1;
        if (guard == EC_ORDER_GUARD_ALL_LINES_RETURNED && r != f) return 0;
        if (guard == EC_ORDER_GUARD_NOTHING_FULFILLED && f != 0) return 0;
    }
    return guard != EC_ORDER_GUARD_HAS_RETURNABLE_LINES;
}

static int guard_holds(const ec__oplan *p, int guard)
{
    const ec__omoney *m = &p->after;
    switch (guard) {
    case EC__ORDER_NO_GUARD:
        return 1;
    case EC_ORDER_GUARD_AMOUNT_COVERS_TOTAL:
        return p->kind == EC__OKIND_AUTHORIZE ? ec__omoney_open(m) >= ec__omoney_due(m)
                                              : ec__omoney_due(m) == 0;
    case EC_ORDER_GUARD_ALL_LINES_FULFILLED:
        return ec__oplan_fulfillment(p) == EC_ORDER_FULFILLMENT_FULFILLED;
    case EC_ORDER_GUARD_ALL_UNITS_CANCELED:
        return ec__oplan_fulfillment(p) == EC_ORDER_FULFILLMENT_CANCELED;
    case EC_ORDER_GUARD_SETTLED:
        return ec__omoney_due(m) == 0 && ec__omoney_refund_due(m) == 0 && ec__omoney_open(m) == 0;
    case EC_ORDER_GUARD_HAS_RETURNABLE_LINES:
    case EC_ORDER_GUARD_ALL_LINES_RETURNED:
    case EC_ORDER_GUARD_NOTHING_FULFILLED:
        return lines_hold(p, guard);
    default:
        return 0;
    }
}

/* The first candidate whose guard holds; NULL with the failed guards
 * named in `why`. */
static const ec__otrans *choose(const ec__oplan *p, char *why, size_t cap)
{
    size_t used = (size_t)snprintf(why, cap, ": no guard holds (");
    int first = 1;
    for (uint32_t i = 0; i < p->t->ntrans; i++) {
        const ec__otrans *tr = &p->t->trans[i];
        if (tr->event != p->event || !ec__otrans_from(tr, p->state)) continue;
        if (guard_holds(p, tr->guard)) return tr;
        int n = snprintf(why + used, cap - used, "%s%s", first ? "" : ", ",
                         ec_order_guard_name(tr->guard));
        if (n > 0 && (size_t)n < cap - used) used += (size_t)n;
        first = 0;
    }
    snprintf(why + used, cap - used, ")");
    return NULL;
}

/* ---- effects and commit --------------------------------------------------------------- */

static int stock_effect(int kind)
{
    switch (kind) {
    case EC__OKIND_FULFILL:
        return EC_ORDER_EFFECT_SHIP_STOCK;
    case EC__OKIND_CANCEL:
    case EC__OKIND_EXPIRE:
        return EC_ORDER_EFFECT_RELEASE_STOCK;
    case EC__OKIND_RETURN:
        return EC_ORDER_EFFECT_RESTOCK;
    default:
        return -1;
    }
}

/* Stock, then the rise of refund_due, then the rise of the open
 * authorization's excess over what is due. */
static void fill_effects(const ec__oplan *p, ec_order_effects *fx)
{
    int stock = stock_effect(p->kind);
    if (stock >= 0) ec__order_effects_units(fx, stock, p->delta, p->o->nlines);
    int64_t refund = ec__omoney_refund_due(&p->after) - ec__omoney_refund_due(&p->before);
    if (refund > 0) ec__order_effects_amount(fx, EC_ORDER_EFFECT_REFUND_PAYMENT, refund);
    int64_t release = ec__omoney_excess(&p->after) - ec__omoney_excess(&p->before);
    if (release > 0) ec__order_effects_amount(fx, EC_ORDER_EFFECT_VOID_PAYMENT, release);
}

static void commit(const ec__oplan *p, const ec__otrans *tr)
{
    ec_order *o = p->o;
    const ec_order_event *ev = p->ev;
    const ec__oname *to = &p->t->states[tr->to];
    for (uint32_t i = 0; i < o->nlines; i++) {
        ec__oline *l = &o->lines[i];
        if (p->kind == EC__OKIND_FULFILL) l->fulfilled += p->delta[i];
        if (p->kind == EC__OKIND_CANCEL || p->kind == EC__OKIND_EXPIRE) l->canceled += p->delta[i];
        if (p->kind == EC__OKIND_RETURN) l->returned += p->delta[i];
    }
    o->m = p->after;
    o->shipping_left = p->ship_left;
    ec__order_history_push(o, ev->id, ev->id_len, ev->id_hash, ev->type, ev->type_len, o->state,
                           o->state_len, to->p, to->n, ev->at);
    memcpy(o->state, to->p, to->n + 1);
    o->state_len = to->n;
    o->version++;
}

/* Everything a commit needs that could fail: version room, history room,
 * effect line room. */
static ec_status make_room(const ec__oplan *p, const ec__otrans *tr, ec_order_effects *fx,
                           ec_error *err)
{
    ec_order *o = p->o;
    EC_FAIL_IF(o->version >= EC_ORDER_MAX_VERSION, err, EC_LIMIT_EXCEEDED, "order.version",
               "the order's version cannot grow past %lld", (long long)EC_ORDER_MAX_VERSION);
    const ec__oname *to = &p->t->states[tr->to];
    EC_TRY(ec__order_history_reserve(o, p->ev->id_len + p->ev->type_len + o->state_len + to->n + 4,
                                     err));
    EC_FAIL_IF(fx && !ec__order_effects_reserve(fx, o->nlines), err, EC_NO_MEMORY, NULL, NULL);
    return EC_OK;
}

ec_status ec__order_prepare(const ec_order_machine *m, ec_order *o, const ec_order_event *ev,
                            ec_order_effects *fx, int32_t *duplicate, ec__oplan *p,
                            const ec__otrans **tr, ec_error *err)
{
    *tr = NULL;
    if (fx) ec__order_effects_clear(fx, o);
    if (duplicate) *duplicate = 0;
    EC_FAIL_IF(!o || !ev, err, EC_MISUSE, NULL, "order and event are required");
    if (!m) m = &ec__order_default_machine;
    EC_FAIL_IF(!m->sealed, err, EC_MISUSE, NULL, "the machine is not sealed");
    EC_TRY(check_complete(o, ev, err));
    if (ec__order_has_event(o, ev->id, ev->id_len, ev->id_hash)) {
        if (duplicate) *duplicate = 1;
        return EC_OK;
    }
    EC_FAIL_IF(ev->has_expected_version && ev->expected_version != o->version, err,
               EC_VERSION_CONFLICT, "expected_version",
               "expected version %lld, but the order is at version %lld",
               (long long)ev->expected_version, (long long)o->version);
    *p = (ec__oplan){.t = &m->t,
                     .o = o,
                     .ev = ev,
                     .kind = ev->kind,
                     .delta = o->delta,
                     .before = o->m,
                     .after = o->m,
                     .ship_left = o->shipping_left};
    EC_TRY(find_state_event(p, err));
    EC_TRY(ec__oplan_event(p, err));
    char why[200];
    *tr = choose(p, why, sizeof why);
    if (!*tr) return no_transition(p, why, err);
    EC_TRY(make_room(p, *tr, fx, err));
    if (fx) fill_effects(p, fx);
    return EC_OK;
}

void ec__order_commit(const ec__oplan *p, const ec__otrans *tr)
{
    commit(p, tr);
}

ec_status ec_order_apply(const ec_order_machine *m, ec_order *o, const ec_order_event *ev,
                         ec_order_effects *fx, int32_t *duplicate, ec_error *err)
{
    ec__oplan p;
    const ec__otrans *tr = NULL;
    ec_status st = ec__order_prepare(m, o, ev, fx, duplicate, &p, &tr, err);
    if (st != EC_OK) {
        if (fx) ec__order_effects_clear(fx, o);
        return st;
    }
    if (tr) commit(&p, tr);
    return EC_OK;
}
