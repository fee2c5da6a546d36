/* test_order_property.c - a property test of orders: 1,000,000 random
 * events (EC_PROPERTY_OPS overrides) over random orders priced from random
 * carts, with and without tax included, checking after every event the
 * invariants of docs/orders.md:
 *   0 <= refunded <= captured <= authorized;
 *   fulfilled + canceled <= quantity, returned <= fulfilled;
 *   0 <= balance <= total, and balance = total - value left + fees, where
 *   the value left of a line is floor(total * (canceled + returned) / q);
 *   when every unit and the shipping left and no fee was kept, balance is
 *   0, and refunding refund_due makes refunded equal captured;
 * and that effects account for every unit and every rise of refund_due
 * and of the open authorization's excess, that a refused event changes
 * nothing, and that documents round-trip. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "order_fixture.h"

/* Awkward prices, 19% and 7% tax, a 7.5% promotion, taxed shipping. */
static const char exclusive_rules[] =
    "{'currency':'EUR','tax':[{'category':'standard','country':'*','percent':'19'},"
    "{'category':'reduced','country':'*','percent':'7'}],"
    "'products':[{'sku':'P1','prices':{'EUR':'9.99'}},{'sku':'P2','prices':{'EUR':'0.33'}},"
    "{'sku':'P3','prices':{'EUR':'123.45'},'tax_category':'reduced'},"
    "{'sku':'P4','prices':{'EUR':'0.01'}},{'sku':'P5','prices':{'EUR':'17.00'}}],"
    "'promotions':[{'id':'SEVEN','action':{'type':'percent_off','percent':'7.5'}}],"
    "'shipping':[{'id':'std','prices':{'EUR':'4.95'}}]}";

static const char inclusive_rules[] =
    "{'currency':'EUR','prices_include_tax':true,'tax_rounding':'total',"
    "'tax':[{'category':'standard','country':'*','percent':'19'}],"
    "'products':[{'sku':'P1','prices':{'EUR':'9.99'}},{'sku':'P2','prices':{'EUR':'0.33'}},"
    "{'sku':'P3','prices':{'EUR':'123.45'}},{'sku':'P4','prices':{'EUR':'0.01'}},"
    "{'sku':'P5','prices':{'EUR':'17.00'}}],"
    "'promotions':[{'id':'SEVEN','action':{'type':'amount_off_order','amount':'3.00'}}],"
    "'shipping':[{'id':'std','prices':{'EUR':'4.95'}}]}";

/* xorshift64*: a fixed seed makes every run apply the same events. */
static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t pick(uint32_t n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32) % n;
}

static long events_wanted(void)
{
    const char *env = getenv("EC_PROPERTY_OPS");
    if (env && atol(env) > 0) return atol(env);
    return 1000000;
}

/* ---- a random event ------------------------------------------------------------------ */

static const char *const types[] = {
    "authorize", "capture", "void",   "fail_payment", "retry_payment", "fulfill", "cancel",
    "expire",    "deliver", "return", "refund",       "complete",      "bogus"};

/* An amount near one the order cares about: what is due, what is open,
 * what was paid, a bit more or less, or zero. */
static int64_t some_amount(const ec_order *o)
{
    int64_t base[] = {ec_order_amount_due(o), ec_order_refund_due(o),
                      ec_order_payment_authorized(o) - ec_order_payment_captured(o),
                      ec_order_payment_captured(o) - ec_order_payment_refunded(o),
                      ec_order_total(o)};
    int64_t a = base[pick(5)];
    switch (pick(5)) {
    case 0:
        return a / 2;
    case 1:
        return a + 1;
    case 2:
        return a > 0 ? a - 1 : 0;
    case 3:
        return pick(10) == 0 ? 0 : (int64_t)pick(5000);
    default:
        return a;
    }
}

static void add_lines(of_fx *f, const ec_order *o)
{
    uint32_t n = 1 + pick(3);
    for (uint32_t k = 0; k < n; k++) {
        const char *sku =
            pick(20) ? ec_order_line_sku(o, pick((uint32_t)ec_order_line_count(o))) : "P9";
        CU_ASSERT_EQUAL(ec_order_event_add_line(f->ev, sku, 1 + pick(4), NULL), EC_OK);
    }
}

/* Three events in four are ones the state usually allows, so that orders
 * get deep into the machine instead of being refused at its start. */
static const char *likely_type(const char *state)
{
    static const struct {
        const char *state;
        const char *types[9];
    } likely[] = {
        {"pending_payment",
         {"authorize", "capture", "capture", "authorize", "cancel", "expire", "fail_payment"}},
        {"payment_failed", {"retry_payment", "cancel", "expire"}},
        {"processing",
         {"capture", "fulfill", "fulfill", "cancel", "return", "refund", "authorize", "void",
          "deliver"}},
        {"delivered", {"return", "refund", "complete", "capture", "refund"}},
        {"canceled", {"refund", "void"}},
    };
    for (size_t i = 0; pick(4) && i < sizeof likely / sizeof likely[0]; i++) {
        if (strcmp(likely[i].state, state) != 0) continue;
        uint32_t n = 0;
        while (n < 9 && likely[i].types[n]) n++;
        return likely[i].types[pick(n)];
    }
    return types[pick(sizeof types / sizeof types[0])];
}

/* A random event in f->ev; its data mostly fits its type, sometimes not.
 * Ids are "r<n>", apart from the fixture's "e<n>"; one in 50 repeats the
 * first, to be a duplicate. */
static void random_event(of_fx *f, unsigned long id)
{
    const ec_order *o = f->o;
    char name[32];
    const char *type = likely_type(ec_order_state(o));
    ec_order_event_reset(f->ev);
    snprintf(name, sizeof name, "r%lu", id);
    CU_ASSERT_EQUAL(ec_order_event_set_id(f->ev, pick(50) ? name : "r1", NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_order_event_set_type(f->ev, type, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_order_event_set_at(f->ev, 0, NULL), EC_OK);
    int lines = !strcmp(type, "fulfill") || !strcmp(type, "return") || !strcmp(type, "cancel");
    int money = !strcmp(type, "authorize") || !strcmp(type, "capture") || !strcmp(type, "refund");
    if ((lines && pick(4)) || pick(30) == 0) add_lines(f, o);
    if ((money && pick(3)) || pick(30) == 0)
        CU_ASSERT_EQUAL(ec_order_event_set_amount(f->ev, some_amount(o), NULL), EC_OK);
    if (!strcmp(type, "return") && pick(3) == 0)
        CU_ASSERT_EQUAL(ec_order_event_set_fee(f->ev, (int64_t)pick(800), NULL), EC_OK);
    if (!strcmp(type, "return") && pick(4) == 0)
        CU_ASSERT_EQUAL(ec_order_event_set_shipping(f->ev, 1, NULL), EC_OK);
}

/* ---- what must hold ----------------------------------------------------------------- */

typedef struct snapshot {
    char state[130];
    int64_t version, authorized, captured, refunded, balance, fees;
    int64_t f[8], c[8], r[8];
    int32_t ship_left;
    size_t nhist;
} snapshot;

static void snap(const ec_order *o, snapshot *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->state, sizeof s->state, "%s", ec_order_state(o));
    s->version = ec_order_version(o);
    s->authorized = ec_order_payment_authorized(o);
    s->captured = ec_order_payment_captured(o);
    s->refunded = ec_order_payment_refunded(o);
    s->balance = ec_order_balance(o);
    s->fees = ec_order_fees(o);
    s->ship_left = ec_order_shipping_returned(o);
    s->nhist = ec_order_history_count(o);
    for (size_t i = 0; i < ec_order_line_count(o) && i < 8; i++) {
        s->f[i] = ec_order_line_fulfilled(o, i);
        s->c[i] = ec_order_line_canceled(o, i);
        s->r[i] = ec_order_line_returned(o, i);
    }
}

static int64_t excess(const snapshot *s, int64_t due)
{
    int64_t x = s->authorized - s->captured - due;
    return x > 0 ? x : 0;
}

static int64_t due_of(const snapshot *s)
{
    int64_t d = s->balance - (s->captured - s->refunded);
    return d > 0 ? d : 0;
}

static int64_t refund_due_of(const snapshot *s)
{
    int64_t d = (s->captured - s->refunded) - s->balance;
    return d > 0 ? d : 0;
}

static long failures;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond) && failures++ < 5) CU_FAIL(#cond);                                             \
    } while (0)

static void check_invariants(const ec_order *o)
{
    int64_t left = 0, units = 0, gone = 0;
    for (size_t i = 0; i < ec_order_line_count(o); i++) {
        int64_t q = ec_order_line_quantity(o, i), f = ec_order_line_fulfilled(o, i);
        int64_t c = ec_order_line_canceled(o, i), r = ec_order_line_returned(o, i);
        CHECK(f >= 0 && c >= 0 && r >= 0 && f + c <= q && r <= f);
        __int128 v = (__int128)ec_order_line_total(o, i) * (c + r) / q;
        CHECK(ec_order_line_left_value(o, i) == (int64_t)v);
        left += (int64_t)v;
        units += q;
        gone += c + r;
    }
    int shipping_gone = !ec_order_has_shipping(o) || ec_order_shipping_returned(o);
    if (ec_order_shipping_returned(o)) left += ec_order_shipping_total(o);
    int64_t a = ec_order_payment_authorized(o), cap = ec_order_payment_captured(o);
    int64_t ref = ec_order_payment_refunded(o), bal = ec_order_balance(o);
    CHECK(0 <= ref && ref <= cap && cap <= a);
    CHECK(0 <= bal && bal <= ec_order_total(o));
    CHECK(bal == ec_order_total(o) - left + ec_order_fees(o));
    if (gone == units && shipping_gone && ec_order_fees(o) == 0) {
        CHECK(bal == 0);
        CHECK(cap - (ref + ec_order_refund_due(o)) == 0);
    }
}

/* Effects: the units each counter moved, the rises of refund_due and of
 * the excess, nothing else. */
static void check_effects(const of_fx *f, const snapshot *b, const snapshot *a)
{
    int64_t moved[3] = {0, 0, 0}, said[3] = {0, 0, 0}, refund = 0, release = 0;
    for (size_t i = 0; i < ec_order_line_count(f->o); i++) {
        moved[0] += a->f[i] - b->f[i];
        moved[1] += a->c[i] - b->c[i];
        moved[2] += a->r[i] - b->r[i];
    }
    for (size_t k = 0; k < ec_order_effects_count(f->fx); k++) {
        int32_t t = ec_order_effects_get(f->fx, k);
        int slot = t == EC_ORDER_EFFECT_SHIP_STOCK      ? 0
                   : t == EC_ORDER_EFFECT_RELEASE_STOCK ? 1
                   : t == EC_ORDER_EFFECT_RESTOCK       ? 2
                                                        : -1;
        for (size_t j = 0; slot >= 0 && j < ec_order_effects_line_count(f->fx, k); j++)
            said[slot] += ec_order_effects_line_quantity(f->fx, k, j);
        if (t == EC_ORDER_EFFECT_REFUND_PAYMENT) refund += ec_order_effects_amount(f->fx, k);
        if (t == EC_ORDER_EFFECT_VOID_PAYMENT) release += ec_order_effects_amount(f->fx, k);
    }
    for (int k = 0; k < 3; k++) CHECK(moved[k] == said[k]);
    int64_t rise = refund_due_of(a) - refund_due_of(b);
    CHECK(refund == (rise > 0 ? rise : 0));
    rise = excess(a, due_of(a)) - excess(b, due_of(b));
    CHECK(release == (rise > 0 ? rise : 0));
    CHECK(a->version == b->version + 1 && a->nhist == b->nhist + 1);
}

static void check_round_trip(const ec_order *o, ec_order *back)
{
    char *one = NULL, *two = NULL;
    CHECK(ec_order_to_json(o, &one, NULL) == EC_OK);
    CHECK(one && ec_order_from_json(back, one, strlen(one), NULL) == EC_OK);
    CHECK(ec_order_to_json(back, &two, NULL) == EC_OK);
    CHECK(one && two && strcmp(one, two) == 0);
    ec_free(one);
    ec_free(two);
}

/* ---- the run -------------------------------------------------------------------------------- */

static void new_random_order(of_fx *f)
{
    static const char *const skus[] = {"P1", "P2", "P3", "P4", "P5"};
    char cart[200] = "", item[32];
    uint32_t n = 1 + pick(4);
    for (uint32_t i = 0; i < n; i++) {
        snprintf(item, sizeof item, "%s%s*%u", i ? " " : "", skus[pick(5)], 1 + pick(9));
        strncat(cart, item, sizeof cart - strlen(cart) - 1);
    }
    if (pick(2)) strncat(cart, " ship=std", sizeof cart - strlen(cart) - 1);
    CU_ASSERT_EQUAL_FATAL(of_order(f, cart), EC_OK);
}

/* Settle an order whose units all left: refunding refund_due leaves
 * refunded equal to captured (the last invariant, applied for real). */
static void settle(of_fx *f)
{
    if (ec_order_refund_due(f->o) == 0) return;
    ec_status st = of_apply(f, "refund");
    if (st == EC_OK && ec_order_balance(f->o) == 0)
        CHECK(ec_order_payment_refunded(f->o) == ec_order_payment_captured(f->o));
}

/* Completed, or canceled with nothing left to give back: a new order
 * tells more than events that can only be refused. */
static int at_rest(const ec_order *o)
{
    const char *s = ec_order_state(o);
    return strcmp(s, "completed") == 0 ||
           (strcmp(s, "canceled") == 0 && ec_order_refund_due(o) == 0 &&
            ec_order_payment_authorized(o) == ec_order_payment_captured(o));
}

static void run(of_fx *f, ec_order *back, long total, long *applied)
{
    unsigned long id = 0;
    while (id < (unsigned long)total) {
        new_random_order(f);
        long length = 10 + pick(90);
        for (long k = 0; k < length && id < (unsigned long)total; k++) {
            snapshot b, a;
            snap(f->o, &b);
            random_event(f, ++id);
            f->e = th_error();
            int32_t dup = 0;
            ec_status st = ec_order_apply(NULL, f->o, f->ev, f->fx, &dup, &f->e);
            snap(f->o, &a);
            if (st != EC_OK || dup) {
                CHECK(memcmp(&a, &b, sizeof a) == 0);
                CHECK(ec_order_effects_count(f->fx) == 0);
            } else {
                check_effects(f, &b, &a);
                (*applied)++;
            }
            check_invariants(f->o);
            if (id % 997 == 0) check_round_trip(f->o, back);
            if (at_rest(f->o)) break;
        }
        settle(f);
        check_invariants(f->o);
    }
}

static void test_order_property_random_events(void)
{
    long total = events_wanted(), applied = 0;
    failures = 0;
    ec_order *back = ec_order_new();
    for (int pass = 0; pass < 2; pass++) {
        of_fx f;
        CU_ASSERT_FATAL(of_open(&f, pass ? inclusive_rules : exclusive_rules));
        run(&f, back, total / 2, &applied);
        of_close(&f);
    }
    ec_order_free(back);
    fprintf(stderr, "\n  order property: %ld events, %ld applied, %ld failed checks\n", total,
            applied, failures);
    CU_ASSERT(applied > total / 5);
    CU_ASSERT_EQUAL(failures, 0);
}

static CU_TestInfo property_tests[] = {
    {"random_events", test_order_property_random_events},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_order_property_suites[] = {
    {"order.property", NULL, NULL, NULL, NULL, property_tests},
    CU_SUITE_INFO_NULL,
};
