/* test_order.c - unit tests for order machines through the typed API: every
 * transition of the default machine, every guard passing and failing, every
 * refusal of ec_order_apply() (each leaving the order byte-identical), the
 * setters' validation, custom machines built call by call, and allocation
 * failure at every step of an order's life.  The JSON documents, and the
 * property test over random events, are in test_order_json.c. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce/order.h"
#include "helpers.h"

#define EXPECT_ERR(st, e, status, field)                                                           \
    th_expect_error((st), &(e), (status), (field), __FILE__, __LINE__)
#define EXPECT_STR(a, b) th_expect_str((a), (b), #a, __FILE__, __LINE__)
#define EXPECT_I64(a, b) th_expect_i64((a), (b), #a, __FILE__, __LINE__)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define AT0 INT64_C(1795600800000000) /* 2026-11-25T10:00:00Z */

/* ---- building orders and events -------------------------------------------------- */

/* The order every test starts from: EUR 100.00, lines A (2 units) and B (3). */
typedef struct spec {
    const char *state;
    int64_t fa, ra, fb, rb; /* fulfilled / returned of A and B */
    int64_t authorized, captured, refunded;
} spec;

static ec_order *order_from(const ec_allocator *alloc, const spec *s)
{
    ec_order *o = ec_order_new_ex(alloc);
    if (!o) return NULL;
    int ok = ec_order_set_id(o, "ord-1", NULL) == EC_OK &&
             ec_order_set_state(o, s->state, NULL) == EC_OK &&
             ec_order_set_currency(o, "EUR", NULL) == EC_OK &&
             ec_order_set_total(o, 10000, NULL) == EC_OK &&
             ec_order_add_line(o, "A", 2, s->fa, s->ra, NULL) == EC_OK &&
             ec_order_add_line(o, "B", 3, s->fb, s->rb, NULL) == EC_OK &&
             ec_order_set_payment(o, s->authorized, s->captured, s->refunded, NULL) == EC_OK;
    if (!ok) {
        ec_order_free(o);
        return NULL;
    }
    return o;
}

/* An order in `state` with the lines and payment that state implies. */
static ec_order *order_in(const char *state)
{
    static const spec specs[] = {
        {"pending_payment", 0, 0, 0, 0, 0, 0, 0},
        {"payment_failed", 0, 0, 0, 0, 0, 0, 0},
        {"authorized", 0, 0, 0, 0, 10000, 0, 0},
        {"paid", 0, 0, 0, 0, 10000, 10000, 0},
        {"partially_fulfilled", 1, 0, 0, 0, 10000, 10000, 0},
        {"fulfilled", 2, 0, 3, 0, 10000, 10000, 0},
        {"delivered", 2, 0, 3, 0, 10000, 10000, 0},
        {"return_requested", 2, 1, 3, 0, 10000, 10000, 0},
        {"returned", 2, 1, 3, 0, 10000, 10000, 0},
        {"refunded", 2, 1, 3, 0, 10000, 10000, 2000},
        {"completed", 2, 0, 3, 0, 10000, 10000, 0},
        {"canceled", 0, 0, 0, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < COUNT(specs); i++)
        if (strcmp(specs[i].state, state) == 0) return order_from(NULL, &specs[i]);
    return NULL;
}

static ec_order_event *event_of(const char *id, const char *type)
{
    ec_order_event *ev = ec_order_event_new();
    if (!ev) return NULL;
    if (ec_order_event_set_id(ev, id, NULL) != EC_OK ||
        ec_order_event_set_type(ev, type, NULL) != EC_OK ||
        ec_order_event_set_at(ev, AT0, NULL) != EC_OK) {
        ec_order_event_free(ev);
        return NULL;
    }
    return ev;
}

/* The order as JSON (malloc'd), to compare whole orders byte for byte. */
static char *snapshot(const ec_order *o)
{
    char *s = NULL;
    return ec_order_to_json(o, &s, NULL) == EC_OK ? s : NULL;
}

/* Apply with the default machine; effects as "a,b" into fx_text. */
static ec_status apply_default(ec_order *o, const ec_order_event *ev, char *fx_text, int32_t *dup,
                               ec_error *err)
{
    ec_order_effects *fx = ec_order_effects_new();
    if (!fx) return EC_NO_MEMORY;
    ec_status st = ec_order_apply(ec_order_machine_default(), o, ev, fx, dup, err);
    fx_text[0] = '\0';
    for (size_t k = 0; k < ec_order_effects_count(fx); k++) {
        if (k) strcat(fx_text, ",");
        strcat(fx_text, ec_order_effect_name(ec_order_effects_get(fx, k)));
    }
    ec_order_effects_free(fx);
    return st;
}

/* ---- the default machine ------------------------------------------------------------ */

static void test_order_default_shape(void)
{
    const ec_order_machine *m = ec_order_machine_default();
    static const char *const states[] = {
        "pending_payment", "payment_failed", "authorized",       "paid",     "partially_fulfilled",
        "fulfilled",       "delivered",      "return_requested", "returned", "refunded",
        "completed",       "canceled"};
    static const char *const events[] = {
        "authorize",      "capture", "fail_payment", "retry_payment",    "cancel",
        "expire",         "fulfill", "deliver",      "cancel_remaining", "request_return",
        "receive_return", "refund",  "complete"};
    EXPECT_STR(ec_order_machine_initial(m), "pending_payment");
    CU_ASSERT_EQUAL_FATAL(ec_order_machine_state_count(m), COUNT(states));
    for (size_t i = 0; i < COUNT(states); i++) {
        EXPECT_STR(ec_order_machine_state_name(m, i), states[i]);
        int final = i >= 9; /* refunded, completed, canceled */
        CU_ASSERT_EQUAL(ec_order_machine_state_is_final(m, i), final);
    }
    CU_ASSERT_EQUAL_FATAL(ec_order_machine_event_count(m), COUNT(events));
    for (size_t i = 0; i < COUNT(events); i++)
        EXPECT_STR(ec_order_machine_event_name(m, i), events[i]);
    CU_ASSERT_EQUAL(ec_order_machine_transition_count(m), 17);
    CU_ASSERT_PTR_NULL(ec_order_machine_state_name(m, COUNT(states)));
    /* the default is static: freeing it is ignored, and it stays usable */
    ec_order_machine_free((ec_order_machine *)m);
    EXPECT_STR(ec_order_machine_initial(ec_order_machine_default()), "pending_payment");
}

typedef struct step {
    const char *from, *event;
    const char *lines; /* "A:1" or NULL for none */
    const char *to, *effects;
} step;

/* Every transition of the default machine, from every state it leaves. */
static const step every_transition[] = {
    {"pending_payment", "authorize", NULL, "authorized", ""},
    {"authorized", "capture", NULL, "paid", ""},
    {"pending_payment", "capture", NULL, "paid", ""},
    {"paid", "fulfill", NULL, "fulfilled", "ship_stock"},
    {"partially_fulfilled", "fulfill", NULL, "fulfilled", "ship_stock"},
    {"paid", "fulfill", "A:1", "partially_fulfilled", "ship_stock"},
    {"partially_fulfilled", "fulfill", "B:2", "partially_fulfilled", "ship_stock"},
    {"pending_payment", "cancel", NULL, "canceled", "release_stock"},
    {"payment_failed", "cancel", NULL, "canceled", "release_stock"},
    {"authorized", "cancel", NULL, "canceled", "void_payment,release_stock"},
    {"paid", "cancel", NULL, "canceled", "refund_payment,release_stock"},
    {"pending_payment", "expire", NULL, "canceled", "release_stock"},
    {"payment_failed", "expire", NULL, "canceled", "release_stock"},
    {"pending_payment", "fail_payment", NULL, "payment_failed", ""},
    {"authorized", "fail_payment", NULL, "payment_failed", "void_payment"},
    {"payment_failed", "retry_payment", NULL, "pending_payment", ""},
    {"fulfilled", "deliver", NULL, "delivered", ""},
    {"partially_fulfilled", "cancel_remaining", NULL, "fulfilled", "release_unshipped_stock"},
    {"delivered", "request_return", NULL, "return_requested", ""},
    {"return_requested", "receive_return", NULL, "returned", "restock"},
    {"returned", "refund", NULL, "refunded", "refund_payment"},
    {"delivered", "complete", NULL, "completed", ""},
};

static void run_step(const step *s)
{
    ec_order *o = order_in(s->from);
    ec_order_event *ev = event_of("evt-new", s->event);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
    if (s->lines)
        CU_ASSERT_EQUAL(
            ec_order_event_add_line(ev, s->lines[0] == 'A' ? "A" : "B", s->lines[2] - '0', NULL),
            EC_OK);
    ec_error e = th_error();
    char fx[128];
    int32_t dup = -1;
    ec_status st = apply_default(o, ev, fx, &dup, &e);
    EXPECT_ERR(st, e, EC_OK, "");
    EXPECT_STR(ec_order_state(o), s->to);
    EXPECT_STR(fx, s->effects);
    CU_ASSERT_EQUAL(dup, 0);
    EXPECT_I64(ec_order_version(o), 1);
    CU_ASSERT_EQUAL_FATAL(ec_order_history_count(o), 1);
    EXPECT_STR(ec_order_history_event_id(o, 0), "evt-new");
    EXPECT_STR(ec_order_history_event(o, 0), s->event);
    EXPECT_STR(ec_order_history_from(o, 0), s->from);
    EXPECT_STR(ec_order_history_to(o, 0), s->to);
    EXPECT_I64(ec_order_history_at(o, 0), AT0);
    ec_order_event_free(ev);
    ec_order_free(o);
}

static void test_order_default_every_transition(void)
{
    for (size_t i = 0; i < COUNT(every_transition); i++) run_step(&every_transition[i]);
}

/* What each state allows, in table order, as the refusal message says it. */
static void test_order_default_allowed_events_per_state(void)
{
    static const struct {
        const char *state, *event, *message;
    } v[] = {
        {"pending_payment", "fulfill",
         "cannot fulfill in state pending_payment; allowed: authorize, capture, cancel, expire, "
         "fail_payment"},
        {"payment_failed", "capture",
         "cannot capture in state payment_failed; allowed: cancel, expire, retry_payment"},
        {"authorized", "authorize",
         "cannot authorize in state authorized; allowed: capture, cancel, fail_payment"},
        {"paid", "deliver", "cannot deliver in state paid; allowed: fulfill, cancel"},
        {"partially_fulfilled", "cancel",
         "cannot cancel in state partially_fulfilled; allowed: fulfill, cancel_remaining"},
        {"fulfilled", "complete", "cannot complete in state fulfilled; allowed: deliver"},
        {"delivered", "refund",
         "cannot refund in state delivered; allowed: request_return, complete"},
        {"return_requested", "refund",
         "cannot refund in state return_requested; allowed: receive_return"},
        {"returned", "complete", "cannot complete in state returned; allowed: refund"},
        {"refunded", "refund",
         "cannot refund in state refunded; allowed: none (refunded is final)"},
        {"completed", "cancel",
         "cannot cancel in state completed; allowed: none (completed is final)"},
        {"canceled", "retry_payment",
         "cannot retry_payment in state canceled; allowed: none (canceled is final)"},
    };
    for (size_t i = 0; i < COUNT(v); i++) {
        ec_order *o = order_in(v[i].state);
        ec_order_event *ev = event_of("evt-x", v[i].event);
        CU_ASSERT_PTR_NOT_NULL_FATAL(o);
        CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
        char *before = snapshot(o), *after = NULL, fx[64];
        ec_error e = th_error();
        ec_status st = apply_default(o, ev, fx, NULL, &e);
        EXPECT_ERR(st, e, EC_INVALID_TRANSITION, "");
        EXPECT_STR(e.message, v[i].message);
        EXPECT_STR(fx, "");
        after = snapshot(o);
        EXPECT_STR(after, before);
        free(before);
        free(after);
        ec_order_event_free(ev);
        ec_order_free(o);
    }
}

/* Final states: no event leaves them, whatever its type. */
static void test_order_default_final_states_are_final(void)
{
    const ec_order_machine *m = ec_order_machine_default();
    static const char *const finals[] = {"refunded", "completed", "canceled"};
    for (size_t f = 0; f < COUNT(finals); f++)
        for (size_t i = 0; i < ec_order_machine_event_count(m); i++) {
            ec_order *o = order_in(finals[f]);
            ec_order_event *ev = event_of("evt-x", ec_order_machine_event_name(m, i));
            ec_error e = th_error();
            EXPECT_ERR(ec_order_apply(m, o, ev, NULL, NULL, &e), e, EC_INVALID_TRANSITION, "");
            EXPECT_STR(ec_order_state(o), finals[f]);
            ec_order_event_free(ev);
            ec_order_free(o);
        }
}

static void test_order_default_unknown_event(void)
{
    ec_order *o = order_in("paid");
    ec_order_event *ev = event_of("evt-x", "ship");
    ec_error e = th_error();
    EXPECT_ERR(ec_order_apply(ec_order_machine_default(), o, ev, NULL, NULL, &e), e,
               EC_INVALID_TRANSITION, "type");
    EXPECT_STR(e.message, "ship is not an event of the machine; allowed: fulfill, cancel");
    ec_order_event_free(ev);
    ec_order_free(o);
}

/* ---- bookkeeping of the default machine ------------------------------------------- */

static ec_status apply_one(ec_order *o, const char *id, const char *type, int64_t amount,
                           const char *sku, int64_t q, ec_error *e)
{
    ec_order_event *ev = event_of(id, type);
    if (!ev) return EC_NO_MEMORY;
    if (amount >= 0) ec_order_event_set_amount(ev, amount, NULL);
    if (sku) ec_order_event_add_line(ev, sku, q, NULL);
    char fx[128];
    ec_status st = apply_default(o, ev, fx, NULL, e);
    ec_order_event_free(ev);
    return st;
}

static void test_order_payment_bookkeeping(void)
{
    ec_error e = th_error();
    ec_order *o = order_in("pending_payment");
    /* authorize without amount: the total; capture without amount: the rest */
    CU_ASSERT_EQUAL(apply_one(o, "e1", "authorize", -1, NULL, 0, &e), EC_OK);
    EXPECT_I64(ec_order_payment_authorized(o), 10000);
    EXPECT_I64(ec_order_payment_captured(o), 0);
    CU_ASSERT_EQUAL(apply_one(o, "e2", "capture", -1, NULL, 0, &e), EC_OK);
    EXPECT_I64(ec_order_payment_captured(o), 10000);
    /* cancel from paid refunds everything captured, and says so */
    CU_ASSERT_EQUAL(apply_one(o, "e3", "cancel", -1, NULL, 0, &e), EC_OK);
    EXPECT_I64(ec_order_payment_refunded(o), 10000);
    EXPECT_STR(ec_order_state(o), "canceled");
    ec_order_free(o);

    /* a direct capture, here of more than the total, authorizes what it takes */
    o = order_in("pending_payment");
    CU_ASSERT_EQUAL(apply_one(o, "e1", "capture", 12000, NULL, 0, &e), EC_OK);
    EXPECT_I64(ec_order_payment_authorized(o), 12000);
    EXPECT_I64(ec_order_payment_captured(o), 12000);
    ec_order_free(o);

    /* void gives up the uncaptured authorization */
    o = order_in("authorized");
    CU_ASSERT_EQUAL(apply_one(o, "e1", "fail_payment", -1, NULL, 0, &e), EC_OK);
    EXPECT_I64(ec_order_payment_authorized(o), 0);
    CU_ASSERT_EQUAL(apply_one(o, "e2", "retry_payment", -1, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(apply_one(o, "e3", "authorize", 10000, NULL, 0, &e), EC_OK);
    EXPECT_I64(ec_order_payment_authorized(o), 10000);
    ec_order_free(o);

    /* a partial refund of a return, then nothing more than captured */
    o = order_in("returned");
    EXPECT_ERR(apply_one(o, "e1", "refund", 10001, NULL, 0, &e), e, EC_INVALID_FIELD, "amount");
    EXPECT_STR(e.message, "a refund of 100.01 exceeds the 100.00 captured and not yet refunded");
    CU_ASSERT_EQUAL(apply_one(o, "e1", "refund", 2990, NULL, 0, &e), EC_OK);
    EXPECT_I64(ec_order_payment_refunded(o), 2990);
    ec_order_free(o);
}

static void test_order_lines_bookkeeping(void)
{
    ec_error e = th_error();
    ec_order *o = order_in("paid");
    /* two event lines for one SKU add up */
    ec_order_event *ev = event_of("e1", "fulfill");
    ec_order_event_add_line(ev, "B", 1, NULL);
    ec_order_event_add_line(ev, "B", 1, NULL);
    char fx[64];
    CU_ASSERT_EQUAL(apply_default(o, ev, fx, NULL, &e), EC_OK);
    EXPECT_I64(ec_order_line_fulfilled(o, 1), 2);
    EXPECT_I64(ec_order_line_fulfilled(o, 0), 0);
    ec_order_event_free(ev);
    /* without lines: everything left */
    CU_ASSERT_EQUAL(apply_one(o, "e2", "fulfill", -1, NULL, 0, &e), EC_OK);
    EXPECT_STR(ec_order_state(o), "fulfilled");
    EXPECT_I64(ec_order_line_fulfilled(o, 0), 2);
    EXPECT_I64(ec_order_line_fulfilled(o, 1), 3);
    CU_ASSERT_EQUAL(apply_one(o, "e3", "deliver", -1, NULL, 0, &e), EC_OK);
    CU_ASSERT_EQUAL(apply_one(o, "e4", "request_return", -1, "B", 2, &e), EC_OK);
    EXPECT_I64(ec_order_line_returned(o, 1), 2);
    EXPECT_I64(ec_order_line_returned(o, 0), 0);
    EXPECT_I64(ec_order_version(o), 4);
    ec_order_free(o);

    /* a return without lines returns every fulfilled unit */
    o = order_in("delivered");
    CU_ASSERT_EQUAL(apply_one(o, "e1", "request_return", -1, NULL, 0, &e), EC_OK);
    EXPECT_I64(ec_order_line_returned(o, 0), 2);
    EXPECT_I64(ec_order_line_returned(o, 1), 3);
    ec_order_free(o);

    /* cancel_remaining leaves fulfilled as it was: the rest is released */
    o = order_in("partially_fulfilled");
    CU_ASSERT_EQUAL(apply_one(o, "e1", "cancel_remaining", -1, NULL, 0, &e), EC_OK);
    EXPECT_I64(ec_order_line_fulfilled(o, 0), 1);
    EXPECT_I64(ec_order_line_fulfilled(o, 1), 0);
    ec_order_free(o);
}

/* ---- guards ---------------------------------------------------------------------- */

static void test_order_guard_amount_covers_total(void)
{
    ec_error e = th_error();
    ec_order *o = order_in("pending_payment");
    EXPECT_ERR(apply_one(o, "e1", "authorize", 9999, NULL, 0, &e), e, EC_INVALID_TRANSITION, "");
    EXPECT_STR(e.message, "cannot authorize in state pending_payment: no guard holds "
                          "(amount_covers_total); allowed: authorize, capture, cancel, expire, "
                          "fail_payment");
    CU_ASSERT_EQUAL(apply_one(o, "e1", "authorize", 10000, NULL, 0, &e), EC_OK);
    EXPECT_STR(ec_order_state(o), "authorized");
    EXPECT_ERR(apply_one(o, "e2", "capture", 5000, NULL, 0, &e), e, EC_INVALID_TRANSITION, "");
    CU_ASSERT_EQUAL(apply_one(o, "e2", "capture", 10000, NULL, 0, &e), EC_OK);
    EXPECT_STR(ec_order_state(o), "paid");
    ec_order_free(o);

    /* earlier authorizations count: 60.00 on record plus 40.00 covers it */
    spec s = {"pending_payment", 0, 0, 0, 0, 6000, 0, 0};
    o = order_from(NULL, &s);
    CU_ASSERT_EQUAL(apply_one(o, "e1", "authorize", 4000, NULL, 0, &e), EC_OK);
    EXPECT_I64(ec_order_payment_authorized(o), 10000);
    ec_order_free(o);
}

static void test_order_guard_all_lines_fulfilled(void)
{
    ec_error e = th_error();
    ec_order *o = order_in("paid");
    CU_ASSERT_EQUAL(apply_one(o, "e1", "fulfill", -1, "A", 2, &e), EC_OK);
    EXPECT_STR(ec_order_state(o), "partially_fulfilled"); /* fails: B is open */
    CU_ASSERT_EQUAL(apply_one(o, "e2", "fulfill", -1, "B", 3, &e), EC_OK);
    EXPECT_STR(ec_order_state(o), "fulfilled"); /* holds after the event's lines */
    ec_order_free(o);
}

static void test_order_guard_has_returnable_lines(void)
{
    ec_error e = th_error();
    spec all_back = {"delivered", 2, 2, 3, 3, 10000, 10000, 0};
    ec_order *o = order_from(NULL, &all_back);
    EXPECT_ERR(apply_one(o, "e1", "request_return", -1, NULL, 0, &e), e, EC_INVALID_TRANSITION, "");
    EXPECT_STR(e.message, "cannot request_return in state delivered: no guard holds "
                          "(has_returnable_lines); allowed: request_return, complete");
    ec_order_free(o);
    spec one_left = {"delivered", 2, 2, 3, 2, 10000, 10000, 0};
    o = order_from(NULL, &one_left);
    CU_ASSERT_EQUAL(apply_one(o, "e1", "request_return", -1, NULL, 0, &e), EC_OK);
    EXPECT_I64(ec_order_line_returned(o, 1), 3);
    ec_order_free(o);
}

/* all_lines_returned and nothing_fulfilled are not in the default: a
 * custom machine uses each as the first of two transitions. */
static ec_order_machine *guard_machine(const char *guard)
{
    ec_order_machine *m = ec_order_machine_new();
    const char *open[] = {"open"};
    ec_order_machine_set_initial(m, "open", NULL);
    ec_order_machine_add_transition(m, open, 1, "request_return", "yes", guard, NULL, 0, NULL);
    ec_order_machine_add_transition(m, open, 1, "request_return", "no", NULL, NULL, 0, NULL);
    if (ec_order_machine_seal(m, NULL) != EC_OK) {
        ec_order_machine_free(m);
        return NULL;
    }
    return m;
}

static const char *guard_outcome(const char *guard, const spec *s, const char *sku, int64_t q)
{
    static char state[32];
    ec_order_machine *m = guard_machine(guard);
    ec_order *o = order_from(NULL, s);
    ec_order_event *ev = event_of("e1", "request_return");
    if (sku) ec_order_event_add_line(ev, sku, q, NULL);
    ec_status st = ec_order_apply(m, o, ev, NULL, NULL, NULL);
    snprintf(state, sizeof state, "%s", st == EC_OK ? ec_order_state(o) : ec_status_name(st));
    ec_order_event_free(ev);
    ec_order_free(o);
    ec_order_machine_free(m);
    return state;
}

static void test_order_guard_all_lines_returned(void)
{
    spec s = {"open", 2, 1, 3, 3, 0, 0, 0};
    EXPECT_STR(guard_outcome("all_lines_returned", &s, "A", 1), "yes");
    EXPECT_STR(guard_outcome("all_lines_returned", &s, NULL, 0), "yes"); /* all that is left */
    spec partly = {"open", 2, 0, 3, 1, 0, 0, 0};
    EXPECT_STR(guard_outcome("all_lines_returned", &partly, "A", 2), "no"); /* B: 2 out */
}

static void test_order_guard_nothing_fulfilled(void)
{
    spec none = {"open", 0, 0, 0, 0, 0, 0, 0};
    EXPECT_STR(guard_outcome("nothing_fulfilled", &none, NULL, 0), "yes");
    spec some = {"open", 0, 0, 1, 0, 0, 0, 0};
    EXPECT_STR(guard_outcome("nothing_fulfilled", &some, NULL, 0), "no");
}

/* ---- refusals --------------------------------------------------------------------- */

/* Apply and expect a refusal that leaves the order exactly as it was. */
static void expect_refused(const ec_order_machine *m, ec_order *o, ec_order_event *ev,
                           ec_status status, const char *field, const char *file, unsigned line)
{
    char *before = snapshot(o);
    ec_order_effects *fx = ec_order_effects_new();
    ec_error e = th_error();
    int32_t dup = -1;
    ec_status st = ec_order_apply(m ? m : ec_order_machine_default(), o, ev, fx, &dup, &e);
    th_expect_error(st, &e, status, field, file, line);
    CU_ASSERT(e.message[0] != '\0');
    CU_ASSERT_EQUAL(ec_order_effects_count(fx), 0);
    CU_ASSERT_EQUAL(dup, 0);
    char *after = snapshot(o);
    CU_ASSERT_PTR_NOT_NULL(before);
    if (before && after) th_expect_str(after, before, "order after a refusal", file, line);
    free(before);
    free(after);
    ec_order_effects_free(fx);
}

#define EXPECT_REFUSED(m, o, ev, status, field)                                                    \
    expect_refused((m), (o), (ev), (status), (field), __FILE__, __LINE__)

static void test_order_apply_version_conflict(void)
{
    ec_order *o = order_in("paid");
    ec_order_set_version(o, 3, NULL);
    ec_order_event *ev = event_of("e1", "deliver"); /* not allowed either: version first */
    ec_order_event_set_expected_version(ev, 2, NULL);
    EXPECT_REFUSED(NULL, o, ev, EC_VERSION_CONFLICT, "expected_version");
    ec_order_event_set_expected_version(ev, 3, NULL);
    EXPECT_REFUSED(NULL, o, ev, EC_INVALID_TRANSITION, "");
    ec_order_event_free(ev);
    ev = event_of("e1", "fulfill");
    ec_order_event_set_expected_version(ev, 3, NULL);
    ec_error e = th_error();
    CU_ASSERT_EQUAL(ec_order_apply(ec_order_machine_default(), o, ev, NULL, NULL, &e), EC_OK);
    EXPECT_I64(ec_order_version(o), 4);
    ec_order_event_free(ev);
    ec_order_free(o);
}

static void test_order_apply_line_quantities(void)
{
    ec_order *o = order_in("partially_fulfilled"); /* A: 1 of 2 fulfilled */
    ec_order_event *ev = event_of("e1", "fulfill");
    ec_order_event_add_line(ev, "B", 3, NULL);
    ec_order_event_add_line(ev, "A", 2, NULL);
    EXPECT_REFUSED(NULL, o, ev, EC_INVALID_FIELD, "lines[1].quantity");
    ec_order_event_reset(ev);
    ec_order_event_set_id(ev, "e1", NULL);
    ec_order_event_set_type(ev, "fulfill", NULL);
    ec_order_event_set_at(ev, AT0, NULL);
    ec_order_event_add_line(ev, "A", 1, NULL);
    ec_order_event_add_line(ev, "C", 1, NULL);
    EXPECT_REFUSED(NULL, o, ev, EC_INVALID_FIELD, "lines[1].sku");
    ec_order_event_free(ev);
    /* the sum over lines of one SKU is what counts */
    ev = event_of("e1", "fulfill");
    ec_order_event_add_line(ev, "B", 2, NULL);
    ec_order_event_add_line(ev, "B", 2, NULL);
    EXPECT_REFUSED(NULL, o, ev, EC_INVALID_FIELD, "lines[1].quantity");
    ec_order_event_free(ev);
    ec_order_free(o);

    /* returns: no more than fulfilled and not yet returned */
    spec s = {"delivered", 2, 1, 0, 0, 10000, 10000, 0};
    o = order_from(NULL, &s);
    ev = event_of("e1", "request_return");
    ec_order_event_add_line(ev, "A", 2, NULL);
    EXPECT_REFUSED(NULL, o, ev, EC_INVALID_FIELD, "lines[0].quantity");
    ec_order_event_free(ev);
    ev = event_of("e1", "request_return");
    ec_order_event_add_line(ev, "B", 1, NULL);
    EXPECT_REFUSED(NULL, o, ev, EC_INVALID_FIELD, "lines[0].quantity");
    ec_order_event_free(ev);
    ec_order_free(o);
}

static void test_order_apply_unused_data(void)
{
    ec_order *o = order_in("fulfilled");
    ec_order_event *ev = event_of("e1", "deliver");
    ec_order_event_add_line(ev, "A", 1, NULL);
    EXPECT_REFUSED(NULL, o, ev, EC_INVALID_FIELD, "lines");
    ec_order_event_free(ev);
    ev = event_of("e1", "deliver");
    ec_order_event_set_amount(ev, 100, NULL);
    EXPECT_REFUSED(NULL, o, ev, EC_INVALID_FIELD, "amount");
    ec_order_event_free(ev);
    ec_order_free(o);
    /* cancel uses an amount only where it refunds */
    o = order_in("authorized");
    ev = event_of("e1", "cancel");
    ec_order_event_set_amount(ev, 100, NULL);
    EXPECT_REFUSED(NULL, o, ev, EC_INVALID_FIELD, "amount");
    ec_order_event_free(ev);
    ec_order_free(o);
}

static void test_order_apply_overflow_and_limits(void)
{
    spec s = {"pending_payment", 0, 0, 0, 0, INT64_MAX - 5, 0, 0};
    ec_order *o = order_from(NULL, &s);
    ec_order_event *ev = event_of("e1", "authorize");
    ec_order_event_set_amount(ev, 10, NULL);
    EXPECT_REFUSED(NULL, o, ev, EC_OVERFLOW, "amount");
    ec_order_event_free(ev);
    ec_order_free(o);

    o = order_in("fulfilled");
    ec_order_set_version(o, EC_ORDER_MAX_VERSION, NULL);
    ev = event_of("e1", "deliver");
    EXPECT_REFUSED(NULL, o, ev, EC_LIMIT_EXCEEDED, "order.version");
    ec_order_set_version(o, 0, NULL);
    char id[32];
    ec_error e = th_error();
    for (int i = 0; i < EC_ORDER_MAX_HISTORY; i++) {
        snprintf(id, sizeof id, "h%d", i);
        if (ec_order_add_history(o, id, "x", "y", "z", AT0, &e) != EC_OK) break;
    }
    EXPECT_I64((int64_t)ec_order_history_count(o), EC_ORDER_MAX_HISTORY);
    EXPECT_ERR(ec_order_add_history(o, "one-more", "x", "y", "z", AT0, &e), e, EC_LIMIT_EXCEEDED,
               "history[100000].order.history");
    EXPECT_REFUSED(NULL, o, ev, EC_LIMIT_EXCEEDED, "order.history");
    ec_order_event_free(ev);
    ec_order_free(o);
}

static void test_order_apply_duplicate_event(void)
{
    ec_order *o = order_in("paid");
    ec_error e = th_error();
    CU_ASSERT_EQUAL(apply_one(o, "evt-7", "fulfill", -1, "A", 1, &e), EC_OK);
    char *before = snapshot(o);
    /* same id: no change, no effects, even with another type and a stale version */
    ec_order_event *ev = event_of("evt-7", "cancel");
    ec_order_event_set_expected_version(ev, 0, NULL);
    ec_order_effects *fx = ec_order_effects_new();
    int32_t dup = 0;
    CU_ASSERT_EQUAL(ec_order_apply(ec_order_machine_default(), o, ev, fx, &dup, &e), EC_OK);
    CU_ASSERT_EQUAL(dup, 1);
    CU_ASSERT_EQUAL(ec_order_effects_count(fx), 0);
    CU_ASSERT_EQUAL(ec_order_effects_get(fx, 0), -1);
    char *after = snapshot(o);
    EXPECT_STR(after, before);
    free(before);
    free(after);
    ec_order_effects_free(fx);
    ec_order_event_free(ev);
    ec_order_free(o);
}

static void test_order_apply_incomplete_or_misused(void)
{
    ec_order *o = ec_order_new();
    ec_order_event *ev = event_of("e1", "authorize");
    ec_error e = th_error();
    const ec_order_machine *m = ec_order_machine_default();
    EXPECT_ERR(ec_order_apply(m, o, ev, NULL, NULL, &e), e, EC_INVALID_FIELD, "order.id");
    ec_order_set_id(o, "o", NULL);
    EXPECT_ERR(ec_order_apply(m, o, ev, NULL, NULL, &e), e, EC_INVALID_FIELD, "order.state");
    ec_order_set_state(o, "pending_payment", NULL);
    EXPECT_ERR(ec_order_apply(m, o, ev, NULL, NULL, &e), e, EC_INVALID_FIELD, "order.currency");
    ec_order_set_currency(o, "JPY", NULL);
    EXPECT_ERR(ec_order_apply(m, o, ev, NULL, NULL, &e), e, EC_INVALID_FIELD, "order.lines");
    ec_order_add_line(o, "A", 1, 0, 0, NULL);
    ec_order_set_state(o, "limbo", NULL);
    EXPECT_ERR(ec_order_apply(m, o, ev, NULL, NULL, &e), e, EC_INVALID_FIELD, "order.state");
    ec_order_set_state(o, "pending_payment", NULL);
    ec_order_event_reset(ev);
    EXPECT_ERR(ec_order_apply(m, o, ev, NULL, NULL, &e), e, EC_INVALID_FIELD, "id");
    ec_order_event_set_id(ev, "e1", NULL);
    EXPECT_ERR(ec_order_apply(m, o, ev, NULL, NULL, &e), e, EC_INVALID_FIELD, "type");
    ec_order_event_set_type(ev, "authorize", NULL);
    EXPECT_ERR(ec_order_apply(m, o, ev, NULL, NULL, &e), e, EC_INVALID_FIELD, "at");
    ec_order_event_set_at(ev, AT0, NULL);
    CU_ASSERT_EQUAL(ec_order_apply(m, o, ev, NULL, NULL, &e), EC_OK); /* JPY total 0 */
    EXPECT_STR(ec_order_state(o), "authorized");
    EXPECT_ERR(ec_order_apply(NULL, o, ev, NULL, NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_order_apply(m, NULL, ev, NULL, NULL, &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_order_apply(m, o, NULL, NULL, NULL, &e), e, EC_MISUSE, "");
    ec_order_machine *unsealed = ec_order_machine_new();
    EXPECT_ERR(ec_order_apply(unsealed, o, ev, NULL, NULL, &e), e, EC_MISUSE, "");
    ec_order_machine_free(unsealed);
    ec_order_event_free(ev);
    ec_order_free(o);
}

/* ---- setters --------------------------------------------------------------------------- */

static void test_order_setters_validate(void)
{
    ec_order *o = ec_order_new();
    ec_error e = th_error();
    EXPECT_ERR(ec_order_set_id(o, "", &e), e, EC_INVALID_FIELD, "id");
    EXPECT_ERR(ec_order_set_state(o, "a\nb", &e), e, EC_INVALID_FIELD, "state");
    EXPECT_ERR(ec_order_set_version(o, -1, &e), e, EC_INVALID_FIELD, "version");
    EXPECT_ERR(ec_order_set_currency(o, "EURO", &e), e, EC_UNKNOWN_CURRENCY, "currency");
    EXPECT_ERR(ec_order_set_total(o, -1, &e), e, EC_INVALID_FIELD, "total");
    EXPECT_ERR(ec_order_add_line(o, "A", 0, 0, 0, &e), e, EC_INVALID_FIELD, "lines[0].quantity");
    EXPECT_ERR(ec_order_add_line(o, "A", 2, 3, 0, &e), e, EC_INVALID_FIELD, "lines[0].fulfilled");
    EXPECT_ERR(ec_order_add_line(o, "A", 2, 1, 2, &e), e, EC_INVALID_FIELD, "lines[0].returned");
    CU_ASSERT_EQUAL(ec_order_add_line(o, "A", 2, 1, 1, &e), EC_OK);
    EXPECT_ERR(ec_order_add_line(o, "A", 2, 0, 0, &e), e, EC_INVALID_FIELD, "lines[1].sku");
    EXPECT_ERR(ec_order_set_payment(o, 0, 5, 6, &e), e, EC_INVALID_FIELD, "payment.refunded");
    EXPECT_ERR(ec_order_set_payment(o, -1, 0, 0, &e), e, EC_INVALID_FIELD, "payment.authorized");
    CU_ASSERT_EQUAL(ec_order_add_history(o, "e1", "x", "y", "z", AT0, &e), EC_OK);
    EXPECT_ERR(ec_order_add_history(o, "e1", "x", "y", "z", AT0, &e), e, EC_INVALID_FIELD,
               "history[1].event_id");
    EXPECT_ERR(ec_order_add_history(o, "e2", "x", "", "z", AT0, &e), e, EC_INVALID_FIELD,
               "history[1].from");
    EXPECT_ERR(ec_order_add_history(o, "e2", "x", "y", "z", INT64_MIN, &e), e, EC_INVALID_FIELD,
               "history[1].at");
    EXPECT_ERR(ec_order_set_id(NULL, "x", &e), e, EC_MISUSE, "");
    CU_ASSERT_PTR_NULL(ec_order_id(o)); /* nothing was set by the refusals */
    CU_ASSERT_EQUAL(ec_order_line_count(o), 1);
    CU_ASSERT_EQUAL(ec_order_history_count(o), 1);
    CU_ASSERT_EQUAL(ec_order_exponent(o), -1);
    ec_order_free(o);

    ec_order_event *ev = ec_order_event_new();
    EXPECT_ERR(ec_order_event_set_at(ev, INT64_C(253402300800000000) /* year 10000 */, &e), e,
               EC_INVALID_FIELD, "at");
    EXPECT_ERR(ec_order_event_set_amount(ev, -5, &e), e, EC_INVALID_FIELD, "amount");
    EXPECT_ERR(ec_order_event_add_line(ev, "A", 1000001, &e), e, EC_INVALID_FIELD,
               "lines[0].quantity");
    EXPECT_ERR(ec_order_event_set_expected_version(ev, -1, &e), e, EC_INVALID_FIELD,
               "expected_version");
    CU_ASSERT_EQUAL(ec_order_event_has_amount(ev), 0);
    CU_ASSERT_EQUAL(ec_order_event_line_count(ev), 0);
    ec_order_event_free(ev);
    ec_order_free(NULL);
    ec_order_event_free(NULL);
    ec_order_effects_free(NULL);
    ec_order_machine_free(NULL);
}

/* ---- custom machines built call by call ---------------------------------------------------- */

static void test_order_custom_machine_builds_and_applies(void)
{
    ec_order_machine *m = ec_order_machine_new();
    ec_error e = th_error();
    const char *open[] = {"open"}, *any[] = {"open", "held"};
    const char *fx[] = {"release_stock", "void_payment"};
    CU_ASSERT_EQUAL(ec_order_machine_set_initial(m, "open", &e), EC_OK);
    CU_ASSERT_EQUAL(ec_order_machine_add_transition(m, open, 1, "hold", "held", NULL, NULL, 0, &e),
                    EC_OK);
    CU_ASSERT_EQUAL(ec_order_machine_add_transition(m, any, 2, "close", "closed", NULL, fx, 2, &e),
                    EC_OK);
    CU_ASSERT_EQUAL(ec_order_machine_add_final(m, "closed", &e), EC_OK);
    /* not sealed yet: nothing to read, nothing to apply */
    CU_ASSERT_PTR_NULL(ec_order_machine_initial(m));
    CU_ASSERT_EQUAL(ec_order_machine_seal(m, &e), EC_OK);
    EXPECT_ERR(ec_order_machine_add_final(m, "open", &e), e, EC_MISUSE, "");
    EXPECT_ERR(ec_order_machine_seal(m, &e), e, EC_MISUSE, "");
    EXPECT_STR(ec_order_machine_initial(m), "open");
    CU_ASSERT_EQUAL(ec_order_machine_state_count(m), 3);
    CU_ASSERT_EQUAL(ec_order_machine_state_is_final(m, 2), 1);
    spec s = {"held", 0, 0, 0, 0, 500, 0, 0};
    ec_order *o = order_from(NULL, &s);
    ec_order_event *ev = event_of("e1", "close");
    ec_order_effects *effects = ec_order_effects_new();
    CU_ASSERT_EQUAL(ec_order_apply(m, o, ev, effects, NULL, &e), EC_OK);
    EXPECT_STR(ec_order_state(o), "closed");
    CU_ASSERT_EQUAL(ec_order_effects_count(effects), 2);
    CU_ASSERT_EQUAL(ec_order_effects_get(effects, 0), EC_ORDER_EFFECT_RELEASE_STOCK);
    CU_ASSERT_EQUAL(ec_order_effects_get(effects, 1), EC_ORDER_EFFECT_VOID_PAYMENT);
    EXPECT_I64(ec_order_payment_authorized(o), 0);
    ec_order_effects_free(effects);
    ec_order_event_free(ev);
    ec_order_free(o);
    ec_order_machine_free(m);
}

static void test_order_custom_machine_refusals(void)
{
    ec_error e = th_error();
    const char *a[] = {"a"}, *aa[] = {"a", "a"}, *bad[] = {"a", ""},
               *fx7[] = {"restock", "restock"};
    const char *nul[] = {NULL};
    ec_order_machine *m = ec_order_machine_new();
    EXPECT_ERR(ec_order_machine_seal(m, &e), e, EC_INVALID_FIELD, "transitions");
    EXPECT_ERR(ec_order_machine_set_initial(m, "", &e), e, EC_INVALID_FIELD, "initial");
    EXPECT_ERR(ec_order_machine_add_transition(m, a, 0, "go", "b", NULL, NULL, 0, &e), e,
               EC_INVALID_FIELD, "from");
    EXPECT_ERR(ec_order_machine_add_transition(m, aa, 2, "go", "b", NULL, NULL, 0, &e), e,
               EC_INVALID_FIELD, "from[1]");
    EXPECT_ERR(ec_order_machine_add_transition(m, bad, 2, "go", "b", NULL, NULL, 0, &e), e,
               EC_INVALID_FIELD, "from[1]");
    EXPECT_ERR(ec_order_machine_add_transition(m, nul, 1, "go", "b", NULL, NULL, 0, &e), e,
               EC_MISUSE, "from[0]");
    EXPECT_ERR(ec_order_machine_add_transition(m, a, 1, "", "b", NULL, NULL, 0, &e), e,
               EC_INVALID_FIELD, "event");
    EXPECT_ERR(ec_order_machine_add_transition(m, a, 1, "go", "b\x01", NULL, NULL, 0, &e), e,
               EC_INVALID_FIELD, "to");
    EXPECT_ERR(ec_order_machine_add_transition(m, a, 1, "go", "b", "is_paid", NULL, 0, &e), e,
               EC_INVALID_FIELD, "guard");
    EXPECT_ERR(ec_order_machine_add_transition(m, a, 1, "go", "b", NULL, fx7, 2, &e), e,
               EC_INVALID_FIELD, "effects[1]");
    EXPECT_ERR(ec_order_machine_add_transition(m, a, 1, "go", "b", NULL, fx7, 9, &e), e,
               EC_LIMIT_EXCEEDED, "effects");
    /* none of the refused calls left a state or event behind */
    CU_ASSERT_EQUAL(ec_order_machine_add_transition(m, a, 1, "go", "b", NULL, NULL, 0, &e), EC_OK);
    EXPECT_ERR(ec_order_machine_seal(m, &e), e, EC_INVALID_FIELD, "initial");
    CU_ASSERT_EQUAL(ec_order_machine_set_initial(m, "a", &e), EC_OK);
    CU_ASSERT_EQUAL(ec_order_machine_seal(m, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_order_machine_state_count(m), 2);
    CU_ASSERT_EQUAL(ec_order_machine_event_count(m), 1);
    ec_order_machine_free(m);
    EXPECT_ERR(
        ec_order_machine_set_initial((ec_order_machine *)ec_order_machine_default(), "x", &e), e,
        EC_MISUSE, "");
}

/* ---- allocation failure ------------------------------------------------------------------ */

/* One order through a whole life with every allocation counted; fail_at
 * fails that allocation.  Returns 1 when the run reached its end. */
static int chaos_run(th_counter *c)
{
    static const char *const life[] = {"authorize", "capture",        "fulfill",        "fulfill",
                                       "deliver",   "request_return", "receive_return", "refund"};
    ec_allocator a = th_allocator(c);
    spec s = {"pending_payment", 0, 0, 0, 0, 0, 0, 0};
    ec_order *o = order_from(&a, &s);
    ec_order_event *ev = ec_order_event_new_ex(&a);
    ec_order_effects *fx = ec_order_effects_new_ex(&a);
    int done = o && ev && fx;
    char id[16];
    for (size_t i = 0; done && i < COUNT(life); i++) {
        ec_error e = th_error();
        snprintf(id, sizeof id, "e%zu", i);
        ec_order_event_reset(ev);
        ec_status st = ec_order_event_set_id(ev, id, &e);
        if (st == EC_OK) st = ec_order_event_set_type(ev, life[i], &e);
        if (st == EC_OK) st = ec_order_event_set_at(ev, AT0 + (int64_t)i, &e);
        if (st == EC_OK && i == 2) st = ec_order_event_add_line(ev, "A", 1, &e);
        char *before = snapshot(o);
        if (st == EC_OK) st = ec_order_apply(ec_order_machine_default(), o, ev, fx, NULL, &e);
        if (st != EC_OK) {
            CU_ASSERT_EQUAL(st, EC_NO_MEMORY);
            CU_ASSERT_EQUAL(e.code, EC_NO_MEMORY);
            char *after = snapshot(o);
            if (before && after) CU_ASSERT_STRING_EQUAL(after, before);
            free(after);
            done = 0;
        }
        free(before);
    }
    if (done) EXPECT_STR(ec_order_state(o), "refunded");
    ec_order_effects_free(fx);
    ec_order_event_free(ev);
    ec_order_free(o);
    return done;
}

static void test_order_chaos_apply(void)
{
    int finished = 0;
    for (long n = 1; n < 500 && !finished; n++) {
        th_counter c = {0, n, 0};
        finished = chaos_run(&c);
        th_expect_i64(c.live, 0, "blocks leaked", __FILE__, __LINE__);
        if (finished) CU_ASSERT(c.calls < n); /* no failure was injected */
    }
    CU_ASSERT_TRUE(finished);
}

static CU_TestInfo default_tests[] = {
    {"test_order_default_shape", test_order_default_shape},
    {"test_order_default_every_transition", test_order_default_every_transition},
    {"test_order_default_allowed_events_per_state", test_order_default_allowed_events_per_state},
    {"test_order_default_final_states_are_final", test_order_default_final_states_are_final},
    {"test_order_default_unknown_event", test_order_default_unknown_event},
    {"test_order_payment_bookkeeping", test_order_payment_bookkeeping},
    {"test_order_lines_bookkeeping", test_order_lines_bookkeeping},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo guard_tests[] = {
    {"test_order_guard_amount_covers_total", test_order_guard_amount_covers_total},
    {"test_order_guard_all_lines_fulfilled", test_order_guard_all_lines_fulfilled},
    {"test_order_guard_has_returnable_lines", test_order_guard_has_returnable_lines},
    {"test_order_guard_all_lines_returned", test_order_guard_all_lines_returned},
    {"test_order_guard_nothing_fulfilled", test_order_guard_nothing_fulfilled},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo apply_tests[] = {
    {"test_order_apply_version_conflict", test_order_apply_version_conflict},
    {"test_order_apply_line_quantities", test_order_apply_line_quantities},
    {"test_order_apply_unused_data", test_order_apply_unused_data},
    {"test_order_apply_overflow_and_limits", test_order_apply_overflow_and_limits},
    {"test_order_apply_duplicate_event", test_order_apply_duplicate_event},
    {"test_order_apply_incomplete_or_misused", test_order_apply_incomplete_or_misused},
    {"test_order_setters_validate", test_order_setters_validate},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo machine_tests[] = {
    {"test_order_custom_machine_builds_and_applies", test_order_custom_machine_builds_and_applies},
    {"test_order_custom_machine_refusals", test_order_custom_machine_refusals},
    {"test_order_chaos_apply", test_order_chaos_apply},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_order_suites[] = {
    {"order.default", NULL, NULL, NULL, NULL, default_tests},
    {"order.guards", NULL, NULL, NULL, NULL, guard_tests},
    {"order.apply", NULL, NULL, NULL, NULL, apply_tests},
    {"order.machine", NULL, NULL, NULL, NULL, machine_tests},
    CU_SUITE_INFO_NULL,
};
