/* order.h - orders born from a priced cart, the state machines they move
 * through, and the money that follows their units.
 *
 * An order is created from a price result (ec_order_create()) and keeps
 * every line's amounts: unit price, subtotal, discount, net, tax, total.
 * From then on, every unit that leaves it (canceled before shipping, or
 * returned after) takes exactly its share of the money with it: of a line
 * whose total is T for q units, the first n units that leave are worth
 * floor(T*n/q), so the parts of a line always add up to its total.  The
 * payment is a set of recorded amounts (authorized, captured, refunded);
 * what is still due, what must be given back and the payment and
 * fulfilment statuses are derived from them and never stored apart.
 *
 * A machine is a table of transitions (from a set of states, on an event,
 * to a state, optionally under a named guard).  For one (state, event) the
 * first transition in table order whose guard holds is taken.  A machine
 * decides which events are allowed when, never what they are worth: the
 * money and unit rules of every event are the library's, whatever the
 * machine.  The built-in default machine is static, constant data; custom
 * machines are built (here or from JSON), sealed, and never change again,
 * so any number of threads may apply events with one machine at once.
 *
 * ec_order_apply() moves an order by one event, all or nothing: on any
 * failure the order is left exactly as it was.  It reports what the caller
 * must do outside the order as effects: stock to ship, release or put
 * back, with lines; money to refund or an authorization to release, with
 * amounts.  An order, an event and an effects list are not thread-safe:
 * use each from one thread at a time.
 *
 * Amounts are int64_t minor units of the order's currency; times are
 * microseconds since the Unix epoch (UTC).  docs/orders.md describes the
 * default machine and every rule this module applies.
 *
 * The last section declares the JSON facade for these documents. */
#ifndef EC_ORDER_H
#define EC_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "error.h"
#include "export.h"
#include "pricing.h"

typedef struct ec_order_machine ec_order_machine;
typedef struct ec_order ec_order;
typedef struct ec_order_event ec_order_event;
typedef struct ec_order_effects ec_order_effects;

/* Limits; going past one is EC_LIMIT_EXCEEDED. */
#define EC_ORDER_MAX_LINES 1000                        /* lines of an order, lines of an event */
#define EC_ORDER_MAX_QUANTITY 1000000                  /* units of one line */
#define EC_ORDER_MAX_HISTORY 1000                      /* applied events kept by one order */
#define EC_ORDER_MAX_PROMOTIONS 1000                   /* promotions and coupons of one order */
#define EC_ORDER_MAX_VERSION INT64_C(9007199254740991) /* 2^53 - 1: exact in JSON */
#define EC_ORDER_MACHINE_MAX_STATES 256
#define EC_ORDER_MACHINE_MAX_EVENTS 256
#define EC_ORDER_MACHINE_MAX_TRANSITIONS 1024
#define EC_ORDER_MAX_EFFECTS 8 /* effects of one event */

/* The guards a transition may name: X(value, NAME, "name").  Values are
 * pinned and append-only.  Each is a pure predicate on the order as the
 * event would leave it (docs/orders.md gives the exact rule). */
#define EC_ORDER_GUARD_MAP(X)                                                                      \
    X(0, AMOUNT_COVERS_TOTAL, "amount_covers_total")                                               \
    X(1, ALL_LINES_FULFILLED, "all_lines_fulfilled")                                               \
    X(2, HAS_RETURNABLE_LINES, "has_returnable_lines")                                             \
    X(3, ALL_LINES_RETURNED, "all_lines_returned")                                                 \
    X(4, NOTHING_FULFILLED, "nothing_fulfilled")                                                   \
    X(5, ALL_UNITS_CANCELED, "all_units_canceled")                                                 \
    X(6, SETTLED, "settled")

/* The effects an event may have: X(value, NAME, "name").  Values are
 * pinned and append-only (3, release_unshipped_stock, is no longer
 * produced: a cancel of the unshipped rest is a release_stock).  Stock
 * effects carry lines; payment effects carry an amount. */
#define EC_ORDER_EFFECT_MAP(X)                                                                     \
    X(0, SHIP_STOCK, "ship_stock")                                                                 \
    X(1, RELEASE_STOCK, "release_stock")                                                           \
    X(2, RELEASE_UNSHIPPED_STOCK, "release_unshipped_stock")                                       \
    X(3, VOID_PAYMENT, "void_payment")                                                             \
    X(4, REFUND_PAYMENT, "refund_payment")                                                         \
    X(5, RESTOCK, "restock")

/* The derived payment status (first match, in this order): refund_due
 * when money must go back; refunded when everything captured went back
 * and nothing is owed; paid when something was captured and nothing is
 * due; partially_paid when something is paid; authorized when an
 * authorization is open; else unpaid. */
#define EC_ORDER_PAYMENT_STATUS_MAP(X)                                                             \
    X(0, UNPAID, "unpaid")                                                                         \
    X(1, AUTHORIZED, "authorized")                                                                 \
    X(2, PARTIALLY_PAID, "partially_paid")                                                         \
    X(3, PAID, "paid")                                                                             \
    X(4, REFUND_DUE, "refund_due")                                                                 \
    X(5, REFUNDED, "refunded")

/* The derived fulfilment status: canceled when every unit was canceled;
 * fulfilled when every unit is fulfilled or canceled and one was fulfilled;
 * partially_fulfilled when one was fulfilled; else unfulfilled.  Returned
 * units stay counted as fulfilled. */
#define EC_ORDER_FULFILLMENT_MAP(X)                                                                \
    X(0, UNFULFILLED, "unfulfilled")                                                               \
    X(1, PARTIALLY_FULFILLED, "partially_fulfilled")                                               \
    X(2, FULFILLED, "fulfilled")                                                                   \
    X(3, CANCELED, "canceled")

/* Enumerators generated from a macro list: clang-format would misindent. */
/* clang-format off */
typedef enum ec_order_guard {
#define EC__ORDER_GUARD_ENUM(v, name, str) EC_ORDER_GUARD_##name = v,
    EC_ORDER_GUARD_MAP(EC__ORDER_GUARD_ENUM)
#undef EC__ORDER_GUARD_ENUM
        EC__ORDER_GUARD_COUNT
} ec_order_guard;

typedef enum ec_order_effect {
#define EC__ORDER_EFFECT_ENUM(v, name, str) EC_ORDER_EFFECT_##name = v,
    EC_ORDER_EFFECT_MAP(EC__ORDER_EFFECT_ENUM)
#undef EC__ORDER_EFFECT_ENUM
        EC__ORDER_EFFECT_COUNT
} ec_order_effect;

typedef enum ec_payment_status {
#define EC__ORDER_PAY_ENUM(v, name, str) EC_ORDER_PAYMENT_##name = v,
    EC_ORDER_PAYMENT_STATUS_MAP(EC__ORDER_PAY_ENUM)
#undef EC__ORDER_PAY_ENUM
        EC__ORDER_PAYMENT_STATUS_COUNT
} ec_payment_status;

typedef enum ec_fulfillment_status {
#define EC__ORDER_FUL_ENUM(v, name, str) EC_ORDER_FULFILLMENT_##name = v,
    EC_ORDER_FULFILLMENT_MAP(EC__ORDER_FUL_ENUM)
#undef EC__ORDER_FUL_ENUM
        EC__ORDER_FULFILLMENT_COUNT
} ec_fulfillment_status;
/* clang-format on */

EC_BEGIN_DECLS

/* Names of guards, effects and statuses ("settled", "ship_stock",
 * "partially_paid", "fulfilled"), static storage; NULL for a value outside
 * the table.  The counts are the number of table entries (function twins of
 * the enums, for FFI callers). */
EC_API const char *ec_order_guard_name(int32_t guard);
EC_API int32_t ec_order_guard_count(void);
EC_API const char *ec_order_effect_name(int32_t effect);
EC_API int32_t ec_order_effect_count(void);
EC_API const char *ec_order_payment_status_name(int32_t status);
EC_API const char *ec_order_fulfillment_name(int32_t status);

/* ==== machines ============================================================ */

/* The built-in default machine (docs/orders.md lists its transitions).
 * Static, constant storage: never free it (ec_order_machine_free() ignores
 * it).  Thread-safe. */
EC_API const ec_order_machine *ec_order_machine_default(void);

/* A new, empty custom machine to be filled by the calls below and then
 * sealed; NULL when out of memory.  _ex uses `alloc` (copied; NULL for libc)
 * for all of the machine's memory.  Free with ec_order_machine_free(). */
EC_API ec_order_machine *ec_order_machine_new(void);
EC_API ec_order_machine *ec_order_machine_new_ex(const ec_allocator *alloc);

/* Release a custom machine.  NULL and the default machine are ignored.  No
 * other thread may still apply events with it. */
EC_API void ec_order_machine_free(ec_order_machine *machine);

/* Building.  Names (states, events) are identifiers: 1 to 128 bytes of
 * UTF-8 without control characters.  Each call validates its own arguments
 * and returns EC_INVALID_FIELD (err's field: "initial", "from[1]", "event",
 * "to", "guard", "effects[0]", "final"), EC_LIMIT_EXCEEDED, EC_NO_MEMORY, or
 * EC_MISUSE (NULL arguments, or a machine that is sealed).  The machine is
 * unchanged by a failed call.
 *
 * add_transition appends one transition: `from` holds nfrom (at least one)
 * distinct state names; `guard` is a guard name or NULL.  Effects follow
 * from the event itself (what it ships, cancels, returns, and how it moves
 * the money), so a transition names none: `effects` must be NULL and
 * neffects 0 (any effect is refused with EC_INVALID_FIELD, "effects[0]");
 * the parameters stay so that the signature of 0.1 holds.  add_final marks
 * a state final: no transition may leave it. */
EC_API ec_status ec_order_machine_set_initial(ec_order_machine *machine, const char *state,
                                              ec_error *err);
EC_API ec_status ec_order_machine_add_transition(ec_order_machine *machine, const char *const *from,
                                                 size_t nfrom, const char *event, const char *to,
                                                 const char *guard, const char *const *effects,
                                                 size_t neffects, ec_error *err);
EC_API ec_status ec_order_machine_add_final(ec_order_machine *machine, const char *state,
                                            ec_error *err);

/* Validate the whole machine and make it immutable; only a sealed machine
 * applies events.  The states are the names used by the transitions and
 * `initial`.  Refused with EC_INVALID_FIELD and the path of the JSON
 * document (transitions and finals numbered in the order they were added):
 * no transition ("transitions"), no initial state or one no transition
 * names ("initial"), a final name that is not a state or given twice
 * ("final[i]"), a transition leaving a final state or a state that the
 * initial state cannot reach ("transitions[i].from[j]"), a transition that
 * can never be taken because an earlier one for the same state and event
 * has no guard ("transitions[i]").  EC_MISUSE for NULL or an already sealed
 * machine.  Not thread-safe; after it returns EC_OK, the machine is. */
EC_API ec_status ec_order_machine_seal(ec_order_machine *machine, ec_error *err);

/* Read back a sealed machine (0 / NULL for NULL, unsealed, or out-of-range
 * arguments).  Strings belong to the machine.  A custom machine numbers its
 * states and events in order of first mention (per transition: its from
 * states, its to, its event); the default numbers them as docs/orders.md
 * lists them.  Thread-safe. */
EC_API const char *ec_order_machine_initial(const ec_order_machine *machine);
EC_API size_t ec_order_machine_state_count(const ec_order_machine *machine);
EC_API const char *ec_order_machine_state_name(const ec_order_machine *machine, size_t i);
EC_API int32_t ec_order_machine_state_is_final(const ec_order_machine *machine, size_t i);
EC_API size_t ec_order_machine_event_count(const ec_order_machine *machine);
EC_API const char *ec_order_machine_event_name(const ec_order_machine *machine, size_t i);
EC_API size_t ec_order_machine_transition_count(const ec_order_machine *machine);

/* ==== orders =============================================================== */

/* A new, empty order; NULL when out of memory.  _ex uses `alloc` (copied;
 * NULL for libc) for everything the order keeps.  Free with
 * ec_order_free() (NULL is ignored). */
EC_API ec_order *ec_order_new(void);
EC_API ec_order *ec_order_new_ex(const ec_allocator *alloc);
EC_API void ec_order_free(ec_order *order);

/* Forget every field, line, promotion and history entry, keeping the
 * memory. */
EC_API void ec_order_reset(ec_order *order);

/* Checkout: reset `order` and fill it from a successful price result.  The
 * order gets `id` (an identifier), the initial state of `machine` (NULL:
 * the default), version 1, the result's currency, lines (one per result
 * line, in cart order, with their amounts), shipping (method, total, tax;
 * none without a method), totals, the applied promotions whose amount is
 * above zero, the coupons whose status is applied (as the cart spelt
 * them), created_at (the pricing time, the cart's `at`) and the ruleset's
 * prices_include_tax; nothing authorized, fulfilled or left.  EC_INVALID_FIELD
 * ("id") for a bad id or a result that holds no priced cart ("result"),
 * EC_NO_MEMORY, EC_MISUSE.  On failure the order is left reset.  The order
 * copies everything: the result, ruleset and cart may go afterwards. */
EC_API ec_status ec_order_create(ec_order *order, const ec_price_result *result, const char *id,
                                 const ec_order_machine *machine, ec_error *err);

/* Setters for the envelope of an order (usually one loaded from storage).
 * Each validates its argument: EC_INVALID_FIELD naming "id", "state" or
 * "version" (0 to EC_ORDER_MAX_VERSION), EC_MISUSE for NULL.  A failed
 * call leaves the order unchanged.  add_history appends an applied event
 * as storage recorded it ("history[i].event_id" for an id the history
 * already holds; EC_LIMIT_EXCEEDED past EC_ORDER_MAX_HISTORY). */
EC_API ec_status ec_order_set_id(ec_order *order, const char *id, ec_error *err);
EC_API ec_status ec_order_set_state(ec_order *order, const char *state, ec_error *err);
EC_API ec_status ec_order_set_version(ec_order *order, int64_t version, ec_error *err);
EC_API ec_status ec_order_add_history(ec_order *order, const char *event_id, const char *event,
                                      const char *from, const char *to, int64_t at_us,
                                      ec_error *err);

/* Read back (NULL / 0 when unset, NULL order or index out of range).
 * Strings belong to the order and stay valid until it is next changed. */
EC_API const char *ec_order_id(const ec_order *order);
EC_API const char *ec_order_state(const ec_order *order);
EC_API int64_t ec_order_version(const ec_order *order);
EC_API const char *ec_order_currency(const ec_order *order);
EC_API int32_t ec_order_exponent(const ec_order *order); /* -1 when unset */
EC_API int64_t ec_order_created_at(const ec_order *order);
EC_API int32_t ec_order_prices_include_tax(const ec_order *order);
EC_API int64_t ec_order_subtotal(const ec_order *order);
EC_API int64_t ec_order_discount(const ec_order *order);
EC_API int64_t ec_order_tax(const ec_order *order);
EC_API int64_t ec_order_total(const ec_order *order);

EC_API size_t ec_order_line_count(const ec_order *order);
EC_API const char *ec_order_line_sku(const ec_order *order, size_t i);
EC_API int64_t ec_order_line_quantity(const ec_order *order, size_t i);
EC_API int64_t ec_order_line_unit_price(const ec_order *order, size_t i);
EC_API int64_t ec_order_line_subtotal(const ec_order *order, size_t i);
EC_API int64_t ec_order_line_discount(const ec_order *order, size_t i);
EC_API int64_t ec_order_line_net(const ec_order *order, size_t i);
EC_API int64_t ec_order_line_tax(const ec_order *order, size_t i);
EC_API int64_t ec_order_line_total(const ec_order *order, size_t i);
EC_API int64_t ec_order_line_fulfilled(const ec_order *order, size_t i);
EC_API int64_t ec_order_line_canceled(const ec_order *order, size_t i);
EC_API int64_t ec_order_line_returned(const ec_order *order, size_t i);
/* What the units that left line i (canceled + returned) took with them,
 * floor(total*n/quantity), and the tax part of it, floor(tax*n/quantity). */
EC_API int64_t ec_order_line_left_value(const ec_order *order, size_t i);
EC_API int64_t ec_order_line_left_tax(const ec_order *order, size_t i);

/* Shipping: 1 when the order has a shipping method; its name, total (what
 * the customer pays for it) and tax; 1 when it left the order (all units
 * canceled before anything shipped, or given back with a return). */
EC_API int32_t ec_order_has_shipping(const ec_order *order);
EC_API const char *ec_order_shipping_method(const ec_order *order);
EC_API int64_t ec_order_shipping_total(const ec_order *order);
EC_API int64_t ec_order_shipping_tax(const ec_order *order);
EC_API int32_t ec_order_shipping_returned(const ec_order *order);

/* The applied cart promotions with their amounts (a service counts their
 * uses), and the coupons that applied, as the cart spelt them. */
EC_API size_t ec_order_promotion_count(const ec_order *order);
EC_API const char *ec_order_promotion_id(const ec_order *order, size_t i);
EC_API int64_t ec_order_promotion_amount(const ec_order *order, size_t i);
EC_API size_t ec_order_coupon_count(const ec_order *order);
EC_API const char *ec_order_coupon(const ec_order *order, size_t i);

/* Money.  balance = total - value of every unit that left - shipping total
 * once it left + fees kept; paid = captured - refunded; amount_due =
 * max(0, balance - paid); refund_due = max(0, paid - balance).  The
 * statuses are ec_payment_status and ec_fulfillment_status values. */
EC_API int64_t ec_order_payment_authorized(const ec_order *order);
EC_API int64_t ec_order_payment_captured(const ec_order *order);
EC_API int64_t ec_order_payment_refunded(const ec_order *order);
EC_API int64_t ec_order_fees(const ec_order *order);
EC_API int64_t ec_order_balance(const ec_order *order);
EC_API int64_t ec_order_amount_due(const ec_order *order);
EC_API int64_t ec_order_refund_due(const ec_order *order);
EC_API int32_t ec_order_payment_status(const ec_order *order);
EC_API int32_t ec_order_fulfillment(const ec_order *order);

EC_API size_t ec_order_history_count(const ec_order *order);
EC_API const char *ec_order_history_event_id(const ec_order *order, size_t i);
EC_API const char *ec_order_history_event(const ec_order *order, size_t i);
EC_API const char *ec_order_history_from(const ec_order *order, size_t i);
EC_API const char *ec_order_history_to(const ec_order *order, size_t i);
EC_API int64_t ec_order_history_at(const ec_order *order, size_t i);

/* ==== events =============================================================== */

/* A new, empty event; NULL when out of memory.  Reuse one with
 * ec_order_event_reset() to apply many events without allocating. */
EC_API ec_order_event *ec_order_event_new(void);
EC_API ec_order_event *ec_order_event_new_ex(const ec_allocator *alloc);
EC_API void ec_order_event_free(ec_order_event *event);
EC_API void ec_order_event_reset(ec_order_event *event);

/* Required: id and type (identifiers) and the time the event happened
 * (microseconds, years 0000 to 9999 UTC).  Optional, as the type needs
 * them: amount (>= 0 minor units of the order's currency), fee (>= 0, a
 * return's fee), shipping (a return gives the shipping back),
 * expected_version, and lines (a SKU with a quantity of 1 to
 * EC_ORDER_MAX_QUANTITY; at most EC_ORDER_MAX_LINES).  Errors as for the
 * order setters; fields "id", "type", "at", "amount", "fee", "shipping",
 * "expected_version", "lines[i].sku", "lines[i].quantity". */
EC_API ec_status ec_order_event_set_id(ec_order_event *event, const char *id, ec_error *err);
EC_API ec_status ec_order_event_set_type(ec_order_event *event, const char *type, ec_error *err);
EC_API ec_status ec_order_event_set_at(ec_order_event *event, int64_t at_us, ec_error *err);
EC_API ec_status ec_order_event_set_amount(ec_order_event *event, int64_t amount, ec_error *err);
EC_API ec_status ec_order_event_set_fee(ec_order_event *event, int64_t fee, ec_error *err);
EC_API ec_status ec_order_event_set_shipping(ec_order_event *event, int32_t shipping,
                                             ec_error *err);
EC_API ec_status ec_order_event_set_expected_version(ec_order_event *event, int64_t version,
                                                     ec_error *err);
EC_API ec_status ec_order_event_add_line(ec_order_event *event, const char *sku, int64_t quantity,
                                         ec_error *err);

/* Read back (NULL / 0 when unset or out of range). */
EC_API const char *ec_order_event_id(const ec_order_event *event);
EC_API const char *ec_order_event_type(const ec_order_event *event);
EC_API int32_t ec_order_event_has_at(const ec_order_event *event);
EC_API int64_t ec_order_event_at(const ec_order_event *event);
EC_API int32_t ec_order_event_has_amount(const ec_order_event *event);
EC_API int64_t ec_order_event_amount(const ec_order_event *event);
EC_API int32_t ec_order_event_has_fee(const ec_order_event *event);
EC_API int64_t ec_order_event_fee(const ec_order_event *event);
EC_API int32_t ec_order_event_has_shipping(const ec_order_event *event);
EC_API int32_t ec_order_event_shipping(const ec_order_event *event);
EC_API int32_t ec_order_event_has_expected_version(const ec_order_event *event);
EC_API int64_t ec_order_event_expected_version(const ec_order_event *event);
EC_API size_t ec_order_event_line_count(const ec_order_event *event);
EC_API const char *ec_order_event_line_sku(const ec_order_event *event, size_t i);
EC_API int64_t ec_order_event_line_quantity(const ec_order_event *event, size_t i);

/* ==== effects ============================================================== */

/* The effects of one applied event, in the order stock, then refund, then
 * void: ship_stock (the units a fulfil shipped), release_stock (the units a
 * cancel or expire took out), restock (the units a return brought back),
 * each with its lines (an order line and its units, in order line order);
 * refund_payment (by how much the event raised refund_due) and
 * void_payment (by how much it raised the open authorization's excess over
 * amount_due), each with an amount.  Grows to the largest event seen and is
 * reused; _new returns NULL when out of memory. */
EC_API ec_order_effects *ec_order_effects_new(void);
EC_API ec_order_effects *ec_order_effects_new_ex(const ec_allocator *alloc);
EC_API void ec_order_effects_free(ec_order_effects *effects);
EC_API size_t ec_order_effects_count(const ec_order_effects *effects);
/* An ec_order_effect value, or -1 when i is out of range. */
EC_API int32_t ec_order_effects_get(const ec_order_effects *effects, size_t i);
/* The amount of a payment effect (0 for stock effects). */
EC_API int64_t ec_order_effects_amount(const ec_order_effects *effects, size_t i);
/* The lines of a stock effect: the order line's index, its SKU (a string
 * of the order, valid until the order next changes) and the units. */
EC_API size_t ec_order_effects_line_count(const ec_order_effects *effects, size_t i);
EC_API size_t ec_order_effects_line_index(const ec_order_effects *effects, size_t i, size_t j);
EC_API const char *ec_order_effects_line_sku(const ec_order_effects *effects, size_t i, size_t j);
EC_API int64_t ec_order_effects_line_quantity(const ec_order_effects *effects, size_t i, size_t j);

/* ==== applying an event ==================================================== */

/* Apply `event` to `order` with a sealed `machine` (NULL: the default).
 *
 * Checks, in this order, the first failure being reported: an incomplete
 * order or event is EC_INVALID_FIELD ("order.id", "id", "at", ...); an
 * event id already in the order's history leaves the order unchanged with
 * *duplicate = 1 and no effects (EC_OK); an expected_version other than
 * the order's version is EC_VERSION_CONFLICT ("expected_version"); a state
 * the machine does not have is EC_INVALID_FIELD ("order.state"); an event
 * the machine does not know ("type"), or one with no transition from the
 * order's state, is EC_INVALID_TRANSITION (the message names the events
 * allowed now); then the event's own rules (docs/orders.md): fields it does
 * not take, units it cannot move ("lines[i].sku", "lines[i].quantity"),
 * amounts the money does not allow ("amount", "fee", "shipping"), all
 * EC_INVALID_FIELD; when no candidate transition's guard holds,
 * EC_INVALID_TRANSITION naming the guards.  Also EC_OVERFLOW,
 * EC_LIMIT_EXCEEDED ("order.version", "order.history"), EC_NO_MEMORY,
 * EC_MISUSE (NULL order or event, or an unsealed machine).
 *
 * On success the order moved: counters and payment updated, state set to
 * the transition's target, version + 1, history entry {event id, event,
 * from, to, at} appended; `effects` (may be NULL) receives the effects;
 * *duplicate (may be NULL) is 0.  On any failure the order is exactly as
 * before, `effects` is empty and *duplicate is 0.
 *
 * No allocation once the order's history and the effects have room.
 * Thread-safe for distinct orders sharing one machine. */
EC_API ec_status ec_order_apply(const ec_order_machine *machine, ec_order *order,
                                const ec_order_event *event, ec_order_effects *effects,
                                int32_t *duplicate, ec_error *err);

/* ==== JSON facade ============================================================
 * The order, event and machine documents of docs/orders.md.  Parsing is
 * strict (unknown keys refused, money quoted, paths in errors).  Output
 * buffers returned through `char **out` are allocated with malloc and
 * released with ec_free(), except those of the _ex forms with a non-NULL
 * allocator. */

/* Build and seal a machine from its document ({"initial", "transitions",
 * "final"?}).  On success *out owns a new machine (ec_order_machine_free());
 * on failure *out is NULL and err names the first problem
 * ("transitions[3].guard").  `alloc` (may be NULL) is used for the machine. */
EC_API ec_status ec_order_machine_from_json(const char *json, size_t len, const ec_allocator *alloc,
                                            ec_order_machine **out, ec_error *err);

/* Write a sealed machine (the default too) as compact JSON. */
EC_API ec_status ec_order_machine_to_json(const ec_order_machine *machine, char **out,
                                          size_t *out_len);

/* Reset `order` and fill it from an order document, validated whole: the
 * line amounts add up, the order's totals are the sums of its lines and
 * shipping, the counters and payment hold the invariants of
 * docs/orders.md, and the derived fields (balance, amount_due, refund_due,
 * the statuses), when present, agree with what the rest says.  On failure
 * the order is left reset and err names the first field at fault
 * ("lines[2].net"). */
EC_API ec_status ec_order_from_json(ec_order *order, const char *json, size_t len, ec_error *err);

/* Write an order as compact JSON, every key present, times in UTC. */
EC_API ec_status ec_order_to_json(const ec_order *order, char **out, size_t *out_len);

/* Write the effects of an event applied to `order` as a JSON array. */
EC_API ec_status ec_order_effects_to_json(const ec_order_effects *effects, const ec_order *order,
                                          char **out, size_t *out_len);

/* 1 when applying the event moves units (fulfill, cancel, expire,
 * return), whatever the machine: its stock effect, if it applies, names
 * them.  A service loads stock only for those. */
EC_API int32_t ec_order_event_moves_units(const ec_order_event *event);

/* Reset `event` and fill it from an event document.  `currency` is the
 * order's currency code: the event's amount and fee are read in it.  "at"
 * may be left out for the caller to set (ec_order_apply() refuses an
 * event without it). */
EC_API ec_status ec_order_event_from_json(ec_order_event *event, const char *json, size_t len,
                                          const char *currency, ec_error *err);

/* Checkout without a store: price `cart_json` with `rules` and write the
 * new order (ec_order_create() with `id`, the default machine).  Pricing
 * errors are those of ec_json_price(). */
EC_API ec_status ec_json_order_create(const ec_ruleset *rules, const char *cart_json, size_t len,
                                      const char *id, char **out, size_t *out_len, ec_error *err);

/* One call: an order document and an event document in,
 * {"order": {...}, "effects": [...], "duplicate": false} out.  `machine`
 * NULL means the default.  Errors in the order document carry the prefix
 * "order." ("order.lines[0].sku"); errors in the event or in applying it
 * are as for ec_order_event_from_json() and ec_order_apply().  On failure
 * *out is NULL; callers wanting the error document use ec_error_to_json().
 * The _ex form uses `alloc` for all of its memory, the output included
 * (release it with alloc->free; with NULL, ec_free()). */
EC_API ec_status ec_json_order_apply(const ec_order_machine *machine, const char *order_json,
                                     size_t order_len, const char *event_json, size_t event_len,
                                     char **out, size_t *out_len, ec_error *err);
EC_API ec_status ec_json_order_apply_ex(const ec_allocator *alloc, const ec_order_machine *machine,
                                        const char *order_json, size_t order_len,
                                        const char *event_json, size_t event_len, char **out,
                                        size_t *out_len, ec_error *err);

EC_END_DECLS

#endif /* EC_ORDER_H */
