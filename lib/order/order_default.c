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
    S(AUTHORIZED, "authorized")                                                                    \
    S(PAID, "paid")                                                                                \
    S(PARTIALLY_FULFILLED, "partially_fulfilled")                                                  \
    S(FULFILLED, "fulfilled")                                                                      \
    S(DELIVERED, "delivered")                                                                      \
    S(RETURN_REQUESTED, "return_requested")                                                        \
    S(RETURNED, "returned")                                                                        \
    F(REFUNDED, "refunded")                                                                        \
    F(COMPLETED, "completed")                                                                      \
    F(CANCELED, "canceled")

#define EC__DEFAULT_EVENTS(X)                                                                      \
    X(AUTHORIZE, "authorize")                                                                      \
    X(CAPTURE, "capture")                                                                          \
    X(FAIL_PAYMENT, "fail_payment")                                                                \
    X(RETRY_PAYMENT, "retry_payment")                                                              \
    X(CANCEL, "cancel")                                                                            \
    X(EXPIRE, "expire")                                                                            \
    X(FULFILL, "fulfill")                                                                          \
    X(DELIVER, "deliver")                                                                          \
    X(CANCEL_REMAINING, "cancel_remaining")                                                        \
    X(REQUEST_RETURN, "request_return")                                                            \
    X(RECEIVE_RETURN, "receive_return")                                                            \
    X(REFUND, "refund")                                                                            \
    X(COMPLETE, "complete")

/* T(from states, event, to, guard, effects) */
#define EC__DEFAULT_TRANSITIONS(T)                                                                 \
    T(FROM(ST_PENDING_PAYMENT), EV_AUTHORIZE, ST_AUTHORIZED, GUARD(AMOUNT_COVERS_TOTAL),           \
      NO_EFFECTS)                                                                                  \
    T(FROM(ST_AUTHORIZED, ST_PENDING_PAYMENT), EV_CAPTURE, ST_PAID, GUARD(AMOUNT_COVERS_TOTAL),    \
      NO_EFFECTS)                                                                                  \
    T(FROM(ST_PAID, ST_PARTIALLY_FULFILLED), EV_FULFILL, ST_FULFILLED, GUARD(ALL_LINES_FULFILLED), \
      EFFECTS(SHIP))                                                                               \
    T(FROM(ST_PAID, ST_PARTIALLY_FULFILLED), EV_FULFILL, ST_PARTIALLY_FULFILLED, NO_GUARD,         \
      EFFECTS(SHIP))                                                                               \
    T(FROM(ST_PENDING_PAYMENT, ST_PAYMENT_FAILED), EV_CANCEL, ST_CANCELED, NO_GUARD,               \
      EFFECTS(RELEASE))                                                                            \
    T(FROM(ST_AUTHORIZED), EV_CANCEL, ST_CANCELED, NO_GUARD, EFFECTS(VOID, RELEASE))               \
    T(FROM(ST_PAID), EV_CANCEL, ST_CANCELED, NO_GUARD, EFFECTS(REFUND, RELEASE))                   \
    T(FROM(ST_PENDING_PAYMENT, ST_PAYMENT_FAILED), EV_EXPIRE, ST_CANCELED, NO_GUARD,               \
      EFFECTS(RELEASE))                                                                            \
    T(FROM(ST_PENDING_PAYMENT), EV_FAIL_PAYMENT, ST_PAYMENT_FAILED, NO_GUARD, NO_EFFECTS)          \
    T(FROM(ST_AUTHORIZED), EV_FAIL_PAYMENT, ST_PAYMENT_FAILED, NO_GUARD, EFFECTS(VOID))            \
    T(FROM(ST_PAYMENT_FAILED), EV_RETRY_PAYMENT, ST_PENDING_PAYMENT, NO_GUARD, NO_EFFECTS)         \
    T(FROM(ST_FULFILLED), EV_DELIVER, ST_DELIVERED, NO_GUARD, NO_EFFECTS)                          \
    T(FROM(ST_PARTIALLY_FULFILLED), EV_CANCEL_REMAINING, ST_FULFILLED, NO_GUARD,                   \
      EFFECTS(RELEASE_UNSHIPPED))                                                                  \
    T(FROM(ST_DELIVERED), EV_REQUEST_RETURN, ST_RETURN_REQUESTED, GUARD(HAS_RETURNABLE_LINES),     \
      NO_EFFECTS)                                                                                  \
    T(FROM(ST_RETURN_REQUESTED), EV_RECEIVE_RETURN, ST_RETURNED, NO_GUARD, EFFECTS(RESTOCK))       \
    T(FROM(ST_RETURNED), EV_REFUND, ST_REFUNDED, NO_GUARD, EFFECTS(REFUND))                        \
    T(FROM(ST_DELIVERED), EV_COMPLETE, ST_COMPLETED, NO_GUARD, NO_EFFECTS)

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

enum {
    SHIP = EC_ORDER_EFFECT_SHIP_STOCK,
    RELEASE = EC_ORDER_EFFECT_RELEASE_STOCK,
    RELEASE_UNSHIPPED = EC_ORDER_EFFECT_RELEASE_UNSHIPPED_STOCK,
    VOID = EC_ORDER_EFFECT_VOID_PAYMENT,
    REFUND = EC_ORDER_EFFECT_REFUND_PAYMENT,
    RESTOCK = EC_ORDER_EFFECT_RESTOCK
};

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
 * from list and effects list is a static array of its own. */
#define LIST(type, ...) ((const type[]){__VA_ARGS__})
#define COUNT(type, ...) (sizeof(LIST(type, __VA_ARGS__)) / sizeof(type))
#define FROM(...) LIST(uint16_t, __VA_ARGS__), COUNT(uint16_t, __VA_ARGS__)
#define EFFECTS(...) LIST(uint8_t, __VA_ARGS__), COUNT(uint8_t, __VA_ARGS__)
#define NO_EFFECTS NULL, 0
#define GUARD(name) EC_ORDER_GUARD_##name
#define NO_GUARD EC__ORDER_NO_GUARD
#define TRANSITION(from, nfrom, event, to, guard, effects, neffects)                               \
    {from, effects, nfrom, event, to, guard, neffects},
/* One level of indirection lets FROM and EFFECTS expand into two arguments. */
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
