/* order_apply.c - moving an order by one event, all or nothing.
 *
 * The event is first turned into a plan: the units it fulfils or returns
 * per line (in the order's scratch array), the payment as it would be
 * after it, the transition to take.  Guards read the plan, never the
 * order; only when everything has been checked and the history has room is
 * the plan written into the order.  A failure at any step therefore leaves
 * the order exactly as it was. */
#include <stdio.h>
#include <string.h>

#include "common/internal.h"
#include "ecommerce/money.h"
#include "order/order_internal.h"

typedef struct plan {
    const ec__otable *t;
    ec_order *o;
    const ec_order_event *ev;
    uint32_t state, event;
    int64_t authorized, captured, refunded; /* payment after the event */
    int amount_used;
} plan;

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

static ec_status no_transition(const plan *p, const char *why, ec_error *err)
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

static ec_status find_state_event(plan *p, ec_error *err)
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

/* ---- lines ------------------------------------------------------------------------ */

/* Room left on line l for this kind of event: unfulfilled or unreturned units. */
static int64_t room(const ec__oline *l, int kind)
{
    return kind == EC__OKIND_FULFILL ? l->quantity - l->fulfilled : l->fulfilled - l->returned;
}

static ec_status line_fail(uint32_t i, const char *what, const char *msg, ec_error *err)
{
    ec__fail(err, EC_INVALID_FIELD, NULL, "%s", msg);
    ec__error_field(err, "lines[%u].%s", i, what);
    return EC_INVALID_FIELD;
}

/* The units per line into o->delta.  Without event lines: all the room.
 * Event lines naming the same SKU add up. */
static ec_status plan_lines(plan *p, ec_error *err)
{
    ec_order *o = p->o;
    const ec_order_event *ev = p->ev;
    int kind = ev->kind;
    int uses_lines = kind == EC__OKIND_FULFILL || kind == EC__OKIND_RETURN;
    EC_FAIL_IF(!uses_lines && ev->nlines, err, EC_INVALID_FIELD, "lines",
               "%.128s takes no lines (only fulfill and request_return do)", ev->type);
    memset(o->delta, 0, o->nlines * sizeof *o->delta);
    if (!uses_lines) return EC_OK;
    if (!ev->nlines) {
        for (uint32_t i = 0; i < o->nlines; i++) o->delta[i] = room(&o->lines[i], kind);
        return EC_OK;
    }
    char msg[EC_ERROR_MESSAGE_MAX];
    for (uint32_t i = 0; i < ev->nlines; i++) {
        const ec__oevent_line *el = &ev->lines[i];
        int32_t k = ec__order_find_line(o, el->sku, el->sku_len);
        if (k < 0) {
            snprintf(msg, sizeof msg, "%.128s is not a line of the order", el->sku);
            return line_fail(i, "sku", msg, err);
        }
        /* quantities are at most 10^6 each and lines at most 10^3: no overflow */
        o->delta[k] += el->quantity;
        if (o->delta[k] > room(&o->lines[k], kind)) {
            snprintf(msg, sizeof msg, "%.128s: cannot %s %lld units, only %lld can be", el->sku,
                     kind == EC__OKIND_FULFILL ? "fulfil" : "return", (long long)o->delta[k],
                     (long long)room(&o->lines[k], kind));
            return line_fail(i, "quantity", msg, err);
        }
    }
    return EC_OK;
}

/* ---- payment ------------------------------------------------------------------------ */

static ec_status add_amount(int64_t *field, int64_t amount, ec_error *err)
{
    ec_status st = ec_money_add(*field, amount, field);
    EC_FAIL_IF(st != EC_OK, err, st, "amount", "the amount makes the payment overflow");
    return EC_OK;
}

/* authorize and capture record their amount; absent, it is what the total
 * still needs. */
static ec_status plan_payment(plan *p, ec_error *err)
{
    const ec_order *o = p->o;
    const ec_order_event *ev = p->ev;
    p->authorized = o->authorized;
    p->captured = o->captured;
    p->refunded = o->refunded;
    if (ev->kind == EC__OKIND_AUTHORIZE) {
        int64_t need = o->total > o->authorized ? o->total - o->authorized : 0;
        EC_TRY(add_amount(&p->authorized, ev->has_amount ? ev->amount : need, err));
        p->amount_used = 1;
    } else if (ev->kind == EC__OKIND_CAPTURE) {
        int64_t need = o->total > o->captured ? o->total - o->captured : 0;
        EC_TRY(add_amount(&p->captured, ev->has_amount ? ev->amount : need, err));
        /* a capture without an authorization authorizes what it takes */
        if (p->authorized < p->captured) p->authorized = p->captured;
        p->amount_used = 1;
    }
    return EC_OK;
}

/* ---- guards ------------------------------------------------------------------------- */

static int64_t fulfilled_after(const plan *p, uint32_t i)
{
    return p->o->lines[i].fulfilled + (p->ev->kind == EC__OKIND_FULFILL ? p->o->delta[i] : 0);
}

static int64_t returned_after(const plan *p, uint32_t i)
{
    return p->o->lines[i].returned + (p->ev->kind == EC__OKIND_RETURN ? p->o->delta[i] : 0);
}

static int guard_holds(const plan *p, int guard)
{
    const ec_order *o = p->o;
    switch (guard) {
    case EC__ORDER_NO_GUARD:
        return 1;
    case EC_ORDER_GUARD_AMOUNT_COVERS_TOTAL:
        return (p->ev->kind == EC__OKIND_AUTHORIZE ? p->authorized : p->captured) >= o->total;
    case EC_ORDER_GUARD_ALL_LINES_FULFILLED:
        for (uint32_t i = 0; i < o->nlines; i++)
            if (fulfilled_after(p, i) != o->lines[i].quantity) return 0;
        return 1;
    case EC_ORDER_GUARD_HAS_RETURNABLE_LINES:
        for (uint32_t i = 0; i < o->nlines; i++)
            if (o->lines[i].fulfilled > o->lines[i].returned) return 1;
        return 0;
    case EC_ORDER_GUARD_ALL_LINES_RETURNED:
        for (uint32_t i = 0; i < o->nlines; i++)
            if (returned_after(p, i) != fulfilled_after(p, i)) return 0;
        return 1;
    case EC_ORDER_GUARD_NOTHING_FULFILLED:
        for (uint32_t i = 0; i < o->nlines; i++)
            if (fulfilled_after(p, i) != 0) return 0;
        return 1;
    default:
        return 0;
    }
}

/* The first candidate whose guard holds; NULL with the failed guards
 * named in `why`. */
static const ec__otrans *choose(const plan *p, char *why, size_t cap)
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

/* ---- effects ------------------------------------------------------------------------ */

static ec_status plan_effects(plan *p, const ec__otrans *tr, ec_error *err)
{
    const ec_order_event *ev = p->ev;
    for (uint8_t k = 0; k < tr->neffects; k++) {
        if (tr->effects[k] == EC_ORDER_EFFECT_VOID_PAYMENT) {
            p->authorized = p->captured; /* the uncaptured rest is given up */
        } else if (tr->effects[k] == EC_ORDER_EFFECT_REFUND_PAYMENT) {
            int64_t left = p->captured - p->refunded;
            int64_t amount = ev->has_amount ? ev->amount : left;
            if (amount > left) {
                char a[EC_MONEY_FORMAT_MAX] = "", b[EC_MONEY_FORMAT_MAX] = "";
                int32_t e = ec_currency_exponent(p->o->currency);
                ec_money_format(amount, e, a, sizeof a, NULL);
                ec_money_format(left, e, b, sizeof b, NULL);
                return ec__fail(err, EC_INVALID_FIELD, "amount",
                                "a refund of %s exceeds the %s captured and not yet refunded", a,
                                b);
            }
            p->refunded += amount;
            p->amount_used = 1;
        }
    }
    EC_FAIL_IF(ev->has_amount && !p->amount_used, err, EC_INVALID_FIELD, "amount",
               "%.60s in state %.60s takes no amount", ev->type, p->o->state);
    return EC_OK;
}

/* ---- commit --------------------------------------------------------------------------- */

static void commit(plan *p, const ec__otrans *tr, ec_order_effects *fx)
{
    ec_order *o = p->o;
    const ec_order_event *ev = p->ev;
    const ec__oname *to = &p->t->states[tr->to];
    for (uint32_t i = 0; i < o->nlines; i++) {
        o->lines[i].fulfilled = fulfilled_after(p, i);
        o->lines[i].returned = returned_after(p, i);
    }
    o->authorized = p->authorized;
    o->captured = p->captured;
    o->refunded = p->refunded;
    ec__order_history_push(o, ev->id, ev->id_len, ev->id_hash, ev->type, ev->type_len, o->state,
                           o->state_len, to->p, to->n, ev->at);
    memcpy(o->state, to->p, to->n + 1);
    o->state_len = to->n;
    o->version++;
    if (fx) {
        for (uint8_t k = 0; k < tr->neffects; k++) fx->codes[k] = tr->effects[k];
        fx->n = tr->neffects;
    }
}

ec_status ec_order_apply(const ec_order_machine *m, ec_order *o, const ec_order_event *ev,
                         ec_order_effects *fx, int32_t *duplicate, ec_error *err)
{
    if (fx) fx->n = 0;
    if (duplicate) *duplicate = 0;
    EC_FAIL_IF(!m || !o || !ev, err, EC_MISUSE, NULL, "machine, order and event are required");
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
    plan p = {.t = &m->t, .o = o, .ev = ev};
    EC_TRY(find_state_event(&p, err));
    EC_TRY(plan_lines(&p, err));
    EC_TRY(plan_payment(&p, err));
    char why[200];
    const ec__otrans *tr = choose(&p, why, sizeof why);
    if (!tr) return no_transition(&p, why, err);
    EC_TRY(plan_effects(&p, tr, err));
    EC_FAIL_IF(o->version >= EC_ORDER_MAX_VERSION, err, EC_LIMIT_EXCEEDED, "order.version",
               "the order's version cannot grow past %lld", (long long)EC_ORDER_MAX_VERSION);
    const ec__oname *to = &p.t->states[tr->to];
    EC_TRY(ec__order_history_reserve(o, ev->id_len + ev->type_len + o->state_len + to->n + 4, err));
    commit(&p, tr, fx);
    return EC_OK;
}
