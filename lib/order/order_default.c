/* order_default.c - the built-in default order machine as static const data.
 *
 * Three lists generate everything: the states (S for ordinary, F for final
 * ones), the events, and the transitions in table order.  Table order is
 * the contract: for one (state, event) the first transition whose guard
 * holds is taken, and it is the order `ecom order machine` prints and in
 * which an invalid_transition message lists the events allowed now.  The
 * semantics are written down in docs/orders.md. */
#include "order/order_internal.h"

#define EC__DEFAULT_STATES(S, F)                                                                   \
    S(PENDING_PAYMENT, "pending_payment")                                                          \
    S(PAYMENT_FAILED, "payment_failed")                                                            \
    S(PROCESSING, "processing")                                                                    \
    S(DELIVERED, "delivered")                                                                      \
    S(CANCELED, "canceled")                                                                        \
    F(COMPLETED, "completed")

#define EC__DEFAULT_EVENTS(X)                                                                      \
    X(AUTHORIZE, "authorize")                                                                      \
    X(CAPTURE, "capture")                                                                          \
    X(VOID, "void")                                                                                \
    X(FAIL_PAYMENT, "fail_payment")                                                                \
    X(RETRY_PAYMENT, "retry_payment")                                                              \
    X(FULFILL, "fulfill")                                                                          \
    X(CANCEL, "cancel")                                                                            \
    X(EXPIRE, "expire")                                                                            \
    X(DELIVER, "deliver")                                                                          \
    X(RETURN, "return")                                                                            \
    X(REFUND, "refund")                                                                            \
    X(COMPLETE, "complete")

/* T(from states, event, to, guard).  An unpaid order waits in
 * pending_payment; the first authorization or capture opens it
 * (processing), where payments, shipments, cancellations, returns and
 * refunds come in any order the money and the units allow; once every unit
 * is fulfilled or canceled it can be delivered, and once nothing is owed
 * either way, completed.  An order whose every unit was canceled is
 * canceled, where what was paid can still be refunded and an open
 * authorization released. */
#define EC__DEFAULT_TRANSITIONS(T)                                                                 \
    T(FROM(ST_PENDING_PAYMENT), EV_AUTHORIZE, ST_PROCESSING, NO_GUARD)                             \
    T(FROM(ST_PENDING_PAYMENT), EV_CAPTURE, ST_PROCESSING, NO_GUARD)                               \
    T(FROM(ST_PENDING_PAYMENT), EV_FAIL_PAYMENT, ST_PAYMENT_FAILED, NO_GUARD)                      \
    T(FROM(ST_PAYMENT_FAILED), EV_RETRY_PAYMENT, ST_PENDING_PAYMENT, NO_GUARD)                     \
    T(FROM(ST_PENDING_PAYMENT, ST_PAYMENT_FAILED), EV_CANCEL, ST_CANCELED,                         \
      GUARD(ALL_UNITS_CANCELED))                                                                   \
    T(FROM(ST_PENDING_PAYMENT), EV_CANCEL, ST_PENDING_PAYMENT, NO_GUARD)                           \
    T(FROM(ST_PENDING_PAYMENT, ST_PAYMENT_FAILED), EV_EXPIRE, ST_CANCELED, NO_GUARD)               \
    T(FROM(ST_PROCESSING), EV_AUTHORIZE, ST_PROCESSING, NO_GUARD)                                  \
    T(FROM(ST_PROCESSING), EV_CAPTURE, ST_PROCESSING, NO_GUARD)                                    \
    T(FROM(ST_PROCESSING), EV_VOID, ST_PROCESSING, NO_GUARD)                                       \
    T(FROM(ST_PROCESSING), EV_FAIL_PAYMENT, ST_PROCESSING, NO_GUARD)                               \
    T(FROM(ST_PROCESSING), EV_FULFILL, ST_PROCESSING, NO_GUARD)                                    \
    T(FROM(ST_PROCESSING), EV_CANCEL, ST_CANCELED, GUARD(ALL_UNITS_CANCELED))                      \
    T(FROM(ST_PROCESSING), EV_CANCEL, ST_PROCESSING, NO_GUARD)                                     \
    T(FROM(ST_PROCESSING), EV_RETURN, ST_PROCESSING, NO_GUARD)                                     \
    T(FROM(ST_PROCESSING), EV_REFUND, ST_PROCESSING, NO_GUARD)                                     \
    T(FROM(ST_PROCESSING), EV_DELIVER, ST_DELIVERED, GUARD(ALL_LINES_FULFILLED))                   \
    T(FROM(ST_DELIVERED), EV_AUTHORIZE, ST_DELIVERED, NO_GUARD)                                    \
    T(FROM(ST_DELIVERED), EV_CAPTURE, ST_DELIVERED, NO_GUARD)                                      \
    T(FROM(ST_DELIVERED), EV_VOID, ST_DELIVERED, NO_GUARD)                                         \
    T(FROM(ST_DELIVERED), EV_RETURN, ST_DELIVERED, NO_GUARD)                                       \
    T(FROM(ST_DELIVERED), EV_REFUND, ST_DELIVERED, NO_GUARD)                                       \
    T(FROM(ST_DELIVERED), EV_COMPLETE, ST_COMPLETED, GUARD(SETTLED))                               \
    T(FROM(ST_CANCELED), EV_VOID, ST_CANCELED, NO_GUARD)                                           \
    T(FROM(ST_CANCELED), EV_REFUND, ST_CANCELED, NO_GUARD)

/* ---- what the lists expand to ----------------------------------------------------- */

/* Enumerators after a macro list: clang-format would misindent them. */
/* clang-format off */
enum {
#define STATE_ENUM(name, str) ST_##name,
    EC__DEFAULT_STATES(STATE_ENUM, STATE_ENUM)
#undef STATE_ENUM
    NSTATES
};

enum {
#define EVENT_ENUM(name, str) EV_##name,
    EC__DEFAULT_EVENTS(EVENT_ENUM)
#undef EVENT_ENUM
    NEVENTS
};
/* clang-format on */

#define NAME(name, str) {str, sizeof(str) - 1},
static const ec__oname state_names[] = {EC__DEFAULT_STATES(NAME, NAME)};
static const ec__oname event_names[] = {EC__DEFAULT_EVENTS(NAME)};
#undef NAME

#define ZERO(name, str) 0,
#define ONE(name, str) 1,
#define SKIP(name, str)
#define INDEX(name, str) ST_##name,
static const uint8_t final_flags[] = {EC__DEFAULT_STATES(ZERO, ONE)};
static const uint16_t final_states[] = {EC__DEFAULT_STATES(SKIP, INDEX)};
#undef ZERO
#undef ONE
#undef SKIP
#undef INDEX

/* File-scope compound literals have static storage, so each transition's
 * from list is a static array of its own. */
#define LIST(type, ...) ((const type[]){__VA_ARGS__})
#define COUNT(type, ...) (sizeof(LIST(type, __VA_ARGS__)) / sizeof(type))
#define FROM(...) LIST(uint16_t, __VA_ARGS__), COUNT(uint16_t, __VA_ARGS__)
#define GUARD(name) EC_ORDER_GUARD_##name
#define NO_GUARD EC__ORDER_NO_GUARD
#define TRANSITION(from, nfrom, event, to, guard) {from, nfrom, event, to, guard},
/* One level of indirection lets FROM expand into two arguments. */
#define T(...) TRANSITION(__VA_ARGS__)
static const ec__otrans transitions[] = {EC__DEFAULT_TRANSITIONS(T)};
#undef T

const ec_order_machine ec__order_default_machine = {
    .t =
        {
            .states = state_names,
            .events = event_names,
            .trans = transitions,
            .finals = final_states,
            .final_flag = final_flags,
            .nstates = NSTATES,
            .nevents = NEVENTS,
            .ntrans = sizeof transitions / sizeof transitions[0],
            .nfinals = sizeof final_states / sizeof final_states[0],
            .initial = ST_PENDING_PAYMENT,
        },
    .sealed = 1,
    .builtin = 1,
};

const ec_order_machine *ec_order_machine_default(void)
{
    return &ec__order_default_machine;
}
