/* test_order_json.c - unit tests for the order documents: the machine,
 * order and event codecs (golden output, round trips, every refusal with
 * its path, an order that does not add up), the one-call checkout and
 * apply, the effects document, and allocation failure at every step.
 * Documents are written with ' for " (helpers.h). */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "order_fixture.h"

#define EXPECT_ERR(st, e, status, field)                                                           \
    th_expect_error((st), &(e), (status), (field), __FILE__, __LINE__)
#define EXPECT_STR(a, b) th_expect_str((a), (b), #a, __FILE__, __LINE__)
#define EXPECT_I64(a, b) th_expect_i64((a), (b), #a, __FILE__, __LINE__)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ------------------------------------------------------------------------ */

static ec_status machine_sq(const char *sq, const ec_allocator *a, ec_order_machine **m,
                            ec_error *e)
{
    char *doc = th_json(sq);
    ec_status st = ec_order_machine_from_json(doc, strlen(doc), a, m, e);
    free(doc);
    return st;
}

static ec_status order_sq(ec_order *o, const char *sq, ec_error *e)
{
    char *doc = th_json(sq);
    ec_status st = ec_order_from_json(o, doc, strlen(doc), e);
    free(doc);
    return st;
}

static ec_status event_sq(ec_order_event *ev, const char *sq, const char *cur, ec_error *e)
{
    char *doc = th_json(sq);
    ec_status st = ec_order_event_from_json(ev, doc, strlen(doc), cur, e);
    free(doc);
    return st;
}

/* ec_json_order_apply_ex on single-quoted documents; *out as written. */
static ec_status apply_sq(const ec_allocator *a, const ec_order_machine *m, const char *order,
                          const char *event, char **out, ec_error *e)
{
    char *o = th_json(order), *ev = th_json(event);
    size_t len = 0;
    ec_status st = ec_json_order_apply_ex(a, m, o, strlen(o), ev, strlen(ev), out, &len, e);
    if (st == EC_OK) CU_ASSERT_EQUAL(len, strlen(*out));
    free(o);
    free(ev);
    return st;
}

/* Compare output with a single-quoted expectation. */
static void expect_doc(const char *got, const char *sq, const char *file, unsigned line)
{
    char *want = th_json(sq);
    th_expect_str(got, want, "document", file, line);
    free(want);
}
#define EXPECT_DOC(got, sq) expect_doc((got), (sq), __FILE__, __LINE__)

/* ---- machines -------------------------------------------------------------------------- */

static const char default_machine_doc[] =
    "{'initial':'pending_payment','transitions':["
    "{'from':['pending_payment'],'event':'authorize','to':'processing'},"
    "{'from':['pending_payment'],'event':'capture','to':'processing'},"
    "{'from':['pending_payment'],'event':'fail_payment','to':'payment_failed'},"
    "{'from':['payment_failed'],'event':'retry_payment','to':'pending_payment'},"
    "{'from':['pending_payment','payment_failed'],'event':'cancel','to':'canceled',"
    "'guard':'all_units_canceled'},"
    "{'from':['pending_payment'],'event':'cancel','to':'pending_payment'},"
    "{'from':['pending_payment','payment_failed'],'event':'expire','to':'canceled'},"
    "{'from':['processing'],'event':'authorize','to':'processing'},"
    "{'from':['processing'],'event':'capture','to':'processing'},"
    "{'from':['processing'],'event':'void','to':'processing'},"
    "{'from':['processing'],'event':'fail_payment','to':'processing'},"
    "{'from':['processing'],'event':'fulfill','to':'processing'},"
    "{'from':['processing'],'event':'cancel','to':'canceled','guard':'all_units_canceled'},"
    "{'from':['processing'],'event':'cancel','to':'processing'},"
    "{'from':['processing'],'event':'return','to':'processing'},"
    "{'from':['processing'],'event':'refund','to':'processing'},"
    "{'from':['processing'],'event':'deliver','to':'delivered','guard':'all_lines_fulfilled'},"
    "{'from':['delivered'],'event':'authorize','to':'delivered'},"
    "{'from':['delivered'],'event':'capture','to':'delivered'},"
    "{'from':['delivered'],'event':'void','to':'delivered'},"
    "{'from':['delivered'],'event':'return','to':'delivered'},"
    "{'from':['delivered'],'event':'refund','to':'delivered'},"
    "{'from':['delivered'],'event':'complete','to':'completed','guard':'settled'},"
    "{'from':['canceled'],'event':'void','to':'canceled'},"
    "{'from':['canceled'],'event':'refund','to':'canceled'}],"
    "'final':['completed']}";

static void test_order_json_default_machine_document(void)
{
    char *out = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL(ec_order_machine_to_json(ec_order_machine_default(), &out, &len), EC_OK);
    EXPECT_DOC(out, default_machine_doc);
    CU_ASSERT_EQUAL(len, strlen(out));
    ec_free(out);
    CU_ASSERT_EQUAL(ec_order_machine_to_json(NULL, &out, NULL), EC_MISUSE);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_EQUAL(ec_order_machine_to_json(ec_order_machine_default(), NULL, NULL), EC_MISUSE);
}

/* The printed default loads as a custom machine and prints the same. */
static void test_order_json_machine_round_trip(void)
{
    ec_order_machine *m = NULL;
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(machine_sq(default_machine_doc, NULL, &m, &e), EC_OK);
    char *out = NULL;
    CU_ASSERT_EQUAL(ec_order_machine_to_json(m, &out, NULL), EC_OK);
    EXPECT_DOC(out, default_machine_doc);
    ec_free(out);
    CU_ASSERT_EQUAL(ec_order_machine_state_count(m), 6);
    ec_order_machine_free(m);
    /* optional keys as null are absent; final is optional; no effects */
    static const char small[] = "{'initial':'new','transitions':[{'from':['new'],'event':'go',"
                                "'to':'done','guard':null,'effects':[]}],'final':null}";
    CU_ASSERT_EQUAL_FATAL(machine_sq(small, NULL, &m, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_order_machine_to_json(m, &out, NULL), EC_OK);
    EXPECT_DOC(out, "{'initial':'new','transitions':[{'from':['new'],'event':'go','to':'done'}]}");
    ec_free(out);
    ec_order_machine_free(m);
}

static void test_order_json_machine_refusals(void)
{
    static const struct {
        const char *doc;
        ec_status status;
        const char *field;
    } v[] = {
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b'}],'states':[]}",
         EC_INVALID_FIELD, "states"},
        {"{'transitions':[{'from':['a'],'event':'e','to':'b'}]}", EC_INVALID_FIELD, "initial"},
        {"{'initial':'x','transitions':[{'from':['a'],'event':'e','to':'b'}]}", EC_INVALID_FIELD,
         "initial"},
        {"{'initial':'a','transitions':[]}", EC_INVALID_FIELD, "transitions"},
        {"{'initial':'a','transitions':{}}", EC_INVALID_FIELD, "transitions"},
        {"{'initial':'a','transitions':[{'from':'a','event':'e','to':'b'}]}", EC_INVALID_FIELD,
         "transitions[0].from"},
        {"{'initial':'a','transitions':[{'from':[],'event':'e','to':'b'}]}", EC_INVALID_FIELD,
         "transitions[0].from"},
        {"{'initial':'a','transitions':[{'from':['a',7],'event':'e','to':'b'}]}", EC_INVALID_FIELD,
         "transitions[0].from[1]"},
        {"{'initial':'a','transitions':[{'from':['a','a'],'event':'e','to':'b'}]}",
         EC_INVALID_FIELD, "transitions[0].from[1]"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':''}]}", EC_INVALID_FIELD,
         "transitions[0].to"},
        {"{'initial':'a','transitions':[{'from':['a'],'to':'b'}]}", EC_INVALID_FIELD,
         "transitions[0].event"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b','when':'x'}]}",
         EC_INVALID_FIELD, "transitions[0].when"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b'},"
         "{'from':['b'],'event':'f','to':'c'},{'from':['c'],'event':'g','to':'d'},"
         "{'from':['d'],'event':'h','to':'a','guard':'is_paid'}]}",
         EC_INVALID_FIELD, "transitions[3].guard"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b',"
         "'effects':['ship_stock']}]}",
         EC_INVALID_FIELD, "transitions[0].effects[0]"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b','effects':"
         "['restock','restock','restock','restock','restock','restock','restock','restock',"
         "'restock']}]}",
         EC_LIMIT_EXCEEDED, "transitions[0].effects"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b'}],'final':['c']}",
         EC_INVALID_FIELD, "final[0]"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b'}],'final':['b','b']}",
         EC_INVALID_FIELD, "final[1]"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b'},"
         "{'from':['a','b'],'event':'f','to':'a'}],'final':['b']}",
         EC_INVALID_FIELD, "transitions[1].from[1]"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b'},"
         "{'from':['b'],'event':'f','to':'a'},{'from':['c'],'event':'g','to':'a'}]}",
         EC_INVALID_FIELD, "transitions[2].from[0]"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b'},"
         "{'from':['b','a'],'event':'e','to':'c','guard':'nothing_fulfilled'}]}",
         EC_INVALID_FIELD, "transitions[1]"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b'}]", EC_INVALID_JSON, ""},
        {"[]", EC_INVALID_FIELD, ""},
    };
    for (size_t i = 0; i < COUNT(v); i++) {
        ec_order_machine *m = (ec_order_machine *)1;
        ec_error e = th_error();
        th_expect_error(machine_sq(v[i].doc, NULL, &m, &e), &e, v[i].status, v[i].field, __FILE__,
                        __LINE__ + 1000 * (unsigned)i);
        CU_ASSERT_PTR_NULL(m);
    }
    ec_error e = th_error();
    ec_order_machine *m = NULL;
    EXPECT_ERR(machine_sq("{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b'},"
                          "{'from':['c'],'event':'f','to':'b'}]}",
                          NULL, &m, &e),
               e, EC_INVALID_FIELD, "transitions[1].from[0]");
    EXPECT_STR(e.message, "state c cannot be reached from the initial state a");
    EXPECT_ERR(machine_sq("{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b'},"
                          "{'from':['a'],'event':'e','to':'c'}]}",
                          NULL, &m, &e),
               e, EC_INVALID_FIELD, "transitions[1]");
    EXPECT_STR(e.message, "never taken: transitions[0] has no guard and already handles e in "
                          "state a");
    EXPECT_ERR(ec_order_machine_from_json("{}", 2, NULL, NULL, &e), e, EC_MISUSE, "");
}

/* ---- orders ---------------------------------------------------------------------------- */

/* "A*2 C ship=std country=DE coupon=TEN" with the fixture's rules. */
static const char new_order[] =
    "{'id':'ord-1','state':'pending_payment','version':1,'currency':'EUR',"
    "'created_at':'2026-11-28T10:00:00Z','prices_include_tax':false,'lines':["
    "{'sku':'A','quantity':2,'unit_price':'10.00','subtotal':'20.00','discount':'2.00',"
    "'net':'18.00','tax':'0.00','total':'18.00','fulfilled':0,'canceled':0,'returned':0},"
    "{'sku':'C','quantity':1,'unit_price':'3.00','subtotal':'3.00','discount':'0.30',"
    "'net':'2.70','tax':'0.00','total':'2.70','fulfilled':0,'canceled':0,'returned':0}],"
    "'shipping':{'method':'std','total':'4.90','tax':'0.00','returned':false},"
    "'subtotal':'23.00','discount':'2.30','tax':'0.00','total':'25.60',"
    "'promotions':[{'id':'TEN','amount':'2.30'}],'coupons':['TEN'],'balance':'25.60',"
    "'payment':{'authorized':'0.00','captured':'0.00','refunded':'0.00','amount_due':'25.60',"
    "'refund_due':'0.00','status':'unpaid'},'fulfillment':'unfulfilled','history':[]}";

static void test_order_json_checkout_document(void)
{
    ec_ruleset *rs = th_load(of_rules_doc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    char *cart = th_json("{'currency':'EUR','country':'DE','at':'2026-11-28T10:00:00Z',"
                         "'lines':[{'sku':'A','quantity':2},{'sku':'C','quantity':1}],"
                         "'coupons':['TEN'],'shipping_method':'std'}");
    char *out = NULL;
    size_t len = 0;
    ec_error e = th_error();
    CU_ASSERT_EQUAL(ec_json_order_create(rs, cart, strlen(cart), "ord-1", &out, &len, &e), EC_OK);
    EXPECT_DOC(out, new_order);
    CU_ASSERT_EQUAL(len, out ? strlen(out) : 0);
    ec_free(out);
    /* pricing errors are the cart's */
    free(cart);
    cart = th_json(
        "{'currency':'EUR','at':'2026-11-28T10:00:00Z','lines':[{'sku':'Z','quantity':1}]}");
    e = th_error();
    EXPECT_ERR(ec_json_order_create(rs, cart, strlen(cart), "ord-1", &out, NULL, &e), e,
               EC_NO_PRICE, "lines[0].sku");
    CU_ASSERT_PTR_NULL(out);
    e = th_error();
    EXPECT_ERR(ec_json_order_create(rs, "{", 1, "ord-1", &out, NULL, &e), e, EC_INVALID_JSON, "");
    e = th_error();
    EXPECT_ERR(ec_json_order_create(rs, cart, strlen(cart), "ord-1", NULL, NULL, &e), e, EC_MISUSE,
               "");
    free(cart);
    ec_ruleset_free(rs);
}

/* Prices that include tax: the order keeps each line's tax inside net. */
static void test_order_json_checkout_with_tax(void)
{
    ec_ruleset *rs = th_load(th_spec_ruleset());
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    char *cart = th_json("{'currency':'EUR','country':'DE','customer_group':'retail',"
                         "'channel':'web','at':'2026-11-28T10:00:00Z',"
                         "'lines':[{'sku':'SHOE-1','quantity':2}],'shipping_method':'standard'}");
    char *out = NULL;
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(ec_json_order_create(rs, cart, strlen(cart), "o", &out, NULL, &e), EC_OK);
    ec_order *o = ec_order_new();
    CU_ASSERT_EQUAL(ec_order_from_json(o, out, strlen(out), &e), EC_OK);
    EXPECT_I64(ec_order_line_discount(o, 0), 1198);
    EXPECT_I64(ec_order_line_net(o, 0), 10782);
    EXPECT_I64(ec_order_line_tax(o, 0), 2049);
    EXPECT_I64(ec_order_line_total(o, 0), 12831);
    EXPECT_I64(ec_order_shipping_total(o), 0);
    EXPECT_I64(ec_order_total(o), 12831);
    ec_order_free(o);
    ec_free(out);
    free(cart);
    ec_ruleset_free(rs);
}

/* An order after events writes, reads back and writes the same bytes. */
static void test_order_json_round_trip(void)
{
    of_fx f;
    CU_ASSERT_FATAL(of_open(&f, NULL));
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 C ship=std country=DE coupon=TEN"), EC_OK);
    static const char *const events[] = {"authorize 25.60", "capture 10.00",
                                         "fulfill A:2",     "cancel",
                                         "capture",         "return A:1 fee=1.00 ship"};
    ec_order *back = ec_order_new();
    for (size_t i = 0; i < COUNT(events); i++) {
        CU_ASSERT_EQUAL_FATAL(of_apply(&f, events[i]), EC_OK);
        char *one = NULL, *two = NULL;
        CU_ASSERT_EQUAL_FATAL(ec_order_to_json(f.o, &one, NULL), EC_OK);
        ec_error e = th_error();
        CU_ASSERT_EQUAL(ec_order_from_json(back, one, strlen(one), &e), EC_OK);
        CU_ASSERT_EQUAL(ec_order_to_json(back, &two, NULL), EC_OK);
        EXPECT_STR(two, one);
        ec_free(one);
        ec_free(two);
    }
    EXPECT_I64(ec_order_fees(back), 100);
    EXPECT_I64(ec_order_shipping_returned(back), 1);
    EXPECT_I64(ec_order_history_count(back), COUNT(events));
    ec_order_free(back);
    of_close(&f);
}

/* Optional keys: an order with only what is required reads with defaults
 * and writes every key. */
static void test_order_json_defaults(void)
{
    ec_order *o = ec_order_new();
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(order_sq(o,
                                   "{'id':'o','state':'s','currency':'JPY','lines':[{'sku':'A',"
                                   "'quantity':2,'unit_price':'500','subtotal':'1000',"
                                   "'discount':'0','net':'1000','tax':'100','total':'1100'}],"
                                   "'subtotal':'1000','discount':'0','tax':'100','total':'1100',"
                                   "'shipping':null,'history':null}",
                                   &e),
                          EC_OK);
    char *out = NULL;
    CU_ASSERT_EQUAL(ec_order_to_json(o, &out, NULL), EC_OK);
    EXPECT_DOC(out, "{'id':'o','state':'s','version':0,'currency':'JPY','created_at':null,"
                    "'prices_include_tax':false,'lines':[{'sku':'A','quantity':2,"
                    "'unit_price':'500','subtotal':'1000','discount':'0','net':'1000',"
                    "'tax':'100','total':'1100','fulfilled':0,'canceled':0,'returned':0}],"
                    "'shipping':null,'subtotal':'1000','discount':'0','tax':'100',"
                    "'total':'1100','promotions':[],'coupons':[],'balance':'1100',"
                    "'payment':{'authorized':'0','captured':'0','refunded':'0',"
                    "'amount_due':'1100','refund_due':'0','status':'unpaid'},"
                    "'fulfillment':'unfulfilled','history':[]}");
    ec_free(out);
    e = th_error();
    EXPECT_ERR(order_sq(o,
                        "{'id':'o','state':'s','currency':'JPY','lines':[],'subtotal':'0',"
                        "'discount':'0','tax':'0','total':'0'}",
                        &e),
               e, EC_INVALID_FIELD, "lines");
    ec_order_free(o);
}

/* doc with its first `from` replaced by `to`. */
static char *replaced(const char *doc, const char *from, const char *to)
{
    const char *at = strstr(doc, from);
    if (!at) return NULL;
    size_t n = strlen(doc) - strlen(from) + strlen(to) + 1;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%.*s%s%s", (int)(at - doc), doc, to, at + strlen(from));
    return s;
}

/* new_order with its first `from` replaced by `to`. */
static char *mutate(const char *from, const char *to)
{
    return replaced(new_order, from, to);
}

static void test_order_json_order_refusals(void)
{
    static const struct {
        const char *from, *to;
        ec_status status;
        const char *field;
    } v[] = {
        {"'version':1", "'version':1,'notes':''", EC_INVALID_FIELD, "notes"},
        {"'id':'ord-1',", "", EC_INVALID_FIELD, "id"},
        {"'currency':'EUR'", "'currency':'EUX'", EC_UNKNOWN_CURRENCY, "currency"},
        {"'version':1", "'version':-1", EC_INVALID_FIELD, "version"},
        {"'created_at':'2026-11-28T10:00:00Z'", "'created_at':'yesterday'", EC_INVALID_FIELD,
         "created_at"},
        {"'prices_include_tax':false", "'prices_include_tax':0", EC_INVALID_FIELD,
         "prices_include_tax"},
        {"'sku':'A'", "'sku':''", EC_INVALID_FIELD, "lines[0].sku"},
        {"'quantity':2", "'quantity':0", EC_INVALID_FIELD, "lines[0].quantity"},
        {"'unit_price':'10.00'", "'unit_price':10", EC_INVALID_FIELD, "lines[0].unit_price"},
        {"'unit_price':'10.00'", "'unit_price':'10.001'", EC_INVALID_FIELD, "lines[0].unit_price"},
        {"'net':'18.00',", "", EC_INVALID_FIELD, "lines[0].net"},
        {"'subtotal':'20.00'", "'subtotal':'20.01'", EC_INVALID_FIELD, "lines[0].subtotal"},
        {"'net':'18.00'", "'net':'18.01'", EC_INVALID_FIELD, "lines[0].net"},
        {"'total':'18.00'", "'total':'18.10'", EC_INVALID_FIELD, "lines[0].total"},
        {"'fulfilled':0,'canceled':0", "'fulfilled':2,'canceled':1", EC_INVALID_FIELD,
         "lines[0].canceled"},
        {"'fulfilled':0,'canceled':0,'returned':0", "'fulfilled':1,'canceled':0,'returned':2",
         EC_INVALID_FIELD, "lines[0].returned"},
        {"'fulfilled':0", "'fulfilled':3", EC_INVALID_FIELD, "lines[0].fulfilled"},
        {"'method':'std'", "'method':''", EC_INVALID_FIELD, "shipping.method"},
        {"'tax':'0.00','returned'", "'tax':'5.00','returned'", EC_INVALID_FIELD, "shipping.tax"},
        {"'returned':false}", "'returned':'no'}", EC_INVALID_FIELD, "shipping.returned"},
        {"'subtotal':'23.00'", "'subtotal':'23.01'", EC_INVALID_FIELD, "subtotal"},
        {"'discount':'2.30'", "'discount':'2.31'", EC_INVALID_FIELD, "discount"},
        {"'tax':'0.00','total':'25.60'", "'tax':'0.01','total':'25.60'", EC_INVALID_FIELD, "tax"},
        {"'total':'25.60'", "'total':'25.61'", EC_INVALID_FIELD, "total"},
        {"'id':'TEN','amount':'2.30'", "'id':'TEN','amount':2.3", EC_INVALID_FIELD,
         "promotions[0].amount"},
        {"'coupons':['TEN']", "'coupons':['']", EC_INVALID_FIELD, "coupons[0]"},
        {"'authorized':'0.00','captured':'0.00'", "'authorized':'0.00','captured':'1.00'",
         EC_INVALID_FIELD, "payment.captured"},
        {"'captured':'0.00','refunded':'0.00'", "'captured':'0.00','refunded':'1.00'",
         EC_INVALID_FIELD, "payment.refunded"},
        {"'balance':'25.60'", "'balance':'25.61'", EC_INVALID_FIELD, "balance"},
        {"'balance':'25.60'", "'balance':'25.59'", EC_INVALID_FIELD, "balance"},
        {"'amount_due':'25.60'", "'amount_due':'0.00'", EC_INVALID_FIELD, "payment.amount_due"},
        {"'refund_due':'0.00'", "'refund_due':'1.00'", EC_INVALID_FIELD, "payment.refund_due"},
        {"'status':'unpaid'", "'status':'paid'", EC_INVALID_FIELD, "payment.status"},
        {"'fulfillment':'unfulfilled'", "'fulfillment':'fulfilled'", EC_INVALID_FIELD,
         "fulfillment"},
        {"'history':[]", "'history':[{'event_id':'e','event':'x','from':'a','to':'b'}]",
         EC_INVALID_FIELD, "history[0].at"},
        {"'history':[]",
         "'history':[{'event_id':'e','event':'x','from':'a','to':'b','at':'2026-01-01T00:00:00Z'},"
         "{'event_id':'e','event':'x','from':'a','to':'b','at':'2026-01-01T00:00:00Z'}]",
         EC_INVALID_FIELD, "history[1].event_id"},
    };
    ec_order *o = ec_order_new();
    for (size_t i = 0; i < COUNT(v); i++) {
        char *doc = mutate(v[i].from, v[i].to);
        CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
        ec_error e = th_error();
        th_expect_error(order_sq(o, doc, &e), &e, v[i].status, v[i].field, __FILE__,
                        __LINE__ + 1000 * (unsigned)i);
        CU_ASSERT_PTR_NULL(ec_order_id(o)); /* left reset */
        free(doc);
    }
    ec_error e = th_error();
    EXPECT_ERR(ec_order_from_json(o, "{\"id\":", 6, &e), e, EC_INVALID_JSON, "");
    EXPECT_ERR(ec_order_from_json(NULL, "{}", 2, &e), e, EC_MISUSE, "");
    ec_order_free(o);
}

/* A stored balance says which fees were kept on returns: they can reach
 * the value of the returned units, not a cent more.  A (18.00 for 2) had
 * one unit returned with a 1.00 fee and C (2.70) canceled: balance 14.90,
 * refund_due 10.70 of the 25.60 paid.  A balance of 22.90 means fees of
 * 9.00, the unit's whole value; 22.91 is a cent too much. */
static void test_order_json_fees_capped_on_read(void)
{
    of_fx f;
    CU_ASSERT_FATAL(of_open(&f, NULL));
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 C ship=std country=DE coupon=TEN"), EC_OK);
    static const char *const events[] = {"authorize 25.60", "capture", "fulfill A:2", "cancel",
                                         "return A:1 fee=1.00"};
    for (size_t i = 0; i < COUNT(events); i++)
        CU_ASSERT_EQUAL_FATAL(of_apply(&f, events[i]), EC_OK);
    char *doc = NULL;
    CU_ASSERT_EQUAL_FATAL(ec_order_to_json(f.o, &doc, NULL), EC_OK);
    static const char *const balance[] = {"\"balance\":\"22.90\"", "\"balance\":\"22.91\""};
    static const char *const due[] = {"\"refund_due\":\"2.70\"", "\"refund_due\":\"2.69\""};
    ec_order *back = ec_order_new();
    for (int i = 0; i < 2; i++) {
        char *b = replaced(doc, "\"balance\":\"14.90\"", balance[i]);
        char *d = b ? replaced(b, "\"refund_due\":\"10.70\"", due[i]) : NULL;
        CU_ASSERT_PTR_NOT_NULL_FATAL(d);
        ec_error e = th_error();
        if (i == 0) {
            CU_ASSERT_EQUAL(ec_order_from_json(back, d, strlen(d), &e), EC_OK);
            EXPECT_I64(ec_order_fees(back), 900);
        } else {
            EXPECT_ERR(ec_order_from_json(back, d, strlen(d), &e), e, EC_INVALID_FIELD, "balance");
        }
        free(b);
        free(d);
    }
    ec_free(doc);
    ec_order_free(back);
    of_close(&f);
}

/* The history holds at most EC_ORDER_MAX_HISTORY entries. */
static void test_order_json_history_limit(void)
{
    size_t cap = strlen(new_order) + (size_t)(EC_ORDER_MAX_HISTORY + 1) * 100;
    char *doc = malloc(cap), *p;
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    char *base = th_json(new_order);
    p = doc + snprintf(doc, cap, "%.*s[", (int)(strlen(base) - 3), base);
    for (int i = 0; i <= EC_ORDER_MAX_HISTORY; i++)
        p += sprintf(p,
                     "%s{\"event_id\":\"e%d\",\"event\":\"x\",\"from\":\"a\",\"to\":\"b\","
                     "\"at\":\"2026-01-01T00:00:00Z\"}",
                     i ? "," : "", i);
    strcpy(p, "]}");
    ec_order *o = ec_order_new();
    ec_error e = th_error();
    EXPECT_ERR(ec_order_from_json(o, doc, strlen(doc), &e), e, EC_LIMIT_EXCEEDED, "history");
    ec_order_free(o);
    free(base);
    free(doc);
}

/* ---- events -------------------------------------------------------------------------------- */

static void test_order_json_event_fields(void)
{
    ec_order_event *ev = ec_order_event_new();
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(event_sq(ev,
                                   "{'id':'e1','type':'return','at':'2026-11-25T10:00:00+01:00',"
                                   "'lines':[{'sku':'A','quantity':2}],'fee':'1.500',"
                                   "'shipping':true,'expected_version':4,'amount':null}",
                                   "KWD", &e),
                          EC_OK);
    EXPECT_STR(ec_order_event_type(ev), "return");
    EXPECT_I64(ec_order_event_at(ev), th_time("2026-11-25T09:00:00Z"));
    EXPECT_I64(ec_order_event_has_fee(ev), 1);
    EXPECT_I64(ec_order_event_fee(ev), 1500);
    EXPECT_I64(ec_order_event_has_shipping(ev), 1);
    EXPECT_I64(ec_order_event_shipping(ev), 1);
    EXPECT_I64(ec_order_event_has_amount(ev), 0);
    EXPECT_I64(ec_order_event_expected_version(ev), 4);
    EXPECT_STR(ec_order_event_line_sku(ev, 0), "A");
    EXPECT_I64(ec_order_event_line_quantity(ev, 0), 2);
    ec_order_event_free(ev);
}

static void test_order_json_event_refusals(void)
{
    static const struct {
        const char *doc;
        ec_status status;
        const char *field;
    } v[] = {
        {"{'type':'capture','at':'2026-11-25T10:00:00Z'}", EC_INVALID_FIELD, "id"},
        {"{'id':'e','type':'capture','at':'2026-11-25T10:00:00Z','amount':12.5}", EC_INVALID_FIELD,
         "amount"},
        {"{'id':'e','type':'capture','at':'2026-11-25T10:00:00Z','amount':'1.001'}",
         EC_INVALID_FIELD, "amount"},
        {"{'id':'e','type':'return','at':'2026-11-25T10:00:00Z','fee':'-1.00'}", EC_INVALID_FIELD,
         "fee"},
        {"{'id':'e','type':'return','at':'2026-11-25T10:00:00Z','shipping':'yes'}",
         EC_INVALID_FIELD, "shipping"},
        {"{'id':'e','type':'fulfill','at':'2026-11-25T10:00:00Z','lines':[]}", EC_INVALID_FIELD,
         "lines"},
        {"{'id':'e','type':'fulfill','at':'2026-11-25T10:00:00Z','lines':[{'sku':'A'}]}",
         EC_INVALID_FIELD, "lines[0].quantity"},
        {"{'id':'e','type':'fulfill','at':'2026-11-25T10:00:00Z','lines':[{'sku':'A',"
         "'quantity':1,'note':1}]}",
         EC_INVALID_FIELD, "lines[0].note"},
        {"{'id':'e','type':'fulfill','at':'2026-11-25T10:00:00Z','expected_version':1e400}",
         EC_INVALID_FIELD, "expected_version"},
        {"{'id':'e','type':'capture','at':'2026-11-25T10:00:00Z','reason':'x'}", EC_INVALID_FIELD,
         "reason"},
        {"{'id':'e','type':'capture','at':'2026-11-25T10:00:00Z'} x", EC_INVALID_JSON, ""},
    };
    ec_order_event *ev = ec_order_event_new();
    for (size_t i = 0; i < COUNT(v); i++) {
        ec_error e = th_error();
        th_expect_error(event_sq(ev, v[i].doc, "EUR", &e), &e, v[i].status, v[i].field, __FILE__,
                        __LINE__ + 1000 * (unsigned)i);
        CU_ASSERT_PTR_NULL(ec_order_event_id(ev));
    }
    ec_error e = th_error();
    EXPECT_ERR(
        event_sq(ev, "{'id':'e','type':'refund','at':'2026-11-25T10:00:00Z','fee':'1'}", NULL, &e),
        e, EC_MISUSE, "fee");
    ec_order_event_free(ev);
}

/* ---- one call: apply ---------------------------------------------------------------------- */

static void test_order_json_apply_output(void)
{
    char *out = NULL;
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(apply_sq(NULL, NULL, new_order,
                                   "{'id':'e1','type':'capture','at':'2026-11-28T11:00:00Z'}", &out,
                                   &e),
                          EC_OK);
    ec_order *o = ec_order_new();
    CU_ASSERT_EQUAL_FATAL(ec_order_from_json(o, strstr(out, "{\"id\""),
                                             strlen(strstr(out, "{\"id\"")) -
                                                 strlen(",\"effects\":[],\"duplicate\":false}"),
                                             &e),
                          EC_OK);
    EXPECT_STR(ec_order_state(o), "processing");
    EXPECT_I64(ec_order_payment_captured(o), 2560);
    char *paid = NULL;
    CU_ASSERT_EQUAL(ec_order_to_json(o, &paid, NULL), EC_OK);
    ec_free(out);
    out = NULL;
    char fulfil[] = "{'id':'e2','type':'fulfill','at':'2026-11-28T12:00:00Z',"
                    "'lines':[{'sku':'A','quantity':1}]}";
    char *paid_sq = strdup(paid);
    for (char *c = paid_sq; *c; c++)
        if (*c == '"') *c = '\'';
    CU_ASSERT_EQUAL_FATAL(apply_sq(NULL, NULL, paid_sq, fulfil, &out, &e), EC_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"effects\":[{\"type\":\"ship_stock\",\"lines\":"
                                       "[{\"sku\":\"A\",\"quantity\":1}]}],\"duplicate\":false}"));
    ec_free(out);
    out = NULL;
    CU_ASSERT_EQUAL_FATAL(apply_sq(NULL, NULL, paid_sq,
                                   "{'id':'e2','type':'cancel','at':'2026-11-28T12:00:00Z',"
                                   "'lines':[{'sku':'C','quantity':1}]}",
                                   &out, &e),
                          EC_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"effects\":[{\"type\":\"release_stock\",\"lines\":"
                                       "[{\"sku\":\"C\",\"quantity\":1}]},{\"type\":"
                                       "\"refund_payment\",\"amount\":\"2.70\"}]"));
    ec_free(out);
    out = NULL;
    /* a duplicate: the order as it was, no effects */
    CU_ASSERT_EQUAL_FATAL(apply_sq(NULL, NULL, paid_sq,
                                   "{'id':'e1','type':'refund','at':'2026-11-28T12:00:00Z'}", &out,
                                   &e),
                          EC_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"effects\":[],\"duplicate\":true}"));
    ec_free(out);
    free(paid_sq);
    ec_free(paid);
    ec_order_free(o);
}

static void test_order_json_apply_errors(void)
{
    char *out = (char *)1;
    ec_error e = th_error();
    EXPECT_ERR(apply_sq(NULL, NULL, "{'id':'o'}",
                        "{'id':'e','type':'capture','at':'2026-11-28T11:00:00Z'}", &out, &e),
               e, EC_INVALID_FIELD, "order.state");
    CU_ASSERT_PTR_NULL(out);
    EXPECT_ERR(apply_sq(NULL, NULL, "[", "{}", &out, &e), e, EC_INVALID_JSON, "order");
    EXPECT_ERR(apply_sq(NULL, NULL, new_order,
                        "{'id':'e','type':'capture','at':'2026-11-28T11:00:00Z','amount':'99.00'}",
                        &out, &e),
               e, EC_INVALID_FIELD, "amount");
    EXPECT_ERR(apply_sq(NULL, NULL, new_order,
                        "{'id':'e','type':'fulfill','at':'2026-11-28T11:00:00Z',"
                        "'lines':[{'sku':'A','quantity':1}]}",
                        &out, &e),
               e, EC_INVALID_TRANSITION, "");
    EXPECT_ERR(ec_json_order_apply(NULL, "{}", 2, "{}", 2, NULL, NULL, &e), e, EC_MISUSE, "");
}

static void test_order_json_effects_document(void)
{
    of_fx f;
    CU_ASSERT_FATAL(of_open(&f, NULL));
    CU_ASSERT_EQUAL_FATAL(of_order(&f, "A*2 C"), EC_OK);
    CU_ASSERT_EQUAL(of_apply(&f, "authorize 23.00"), EC_OK);
    CU_ASSERT_EQUAL(of_apply(&f, "capture 20.00"), EC_OK);
    CU_ASSERT_EQUAL(of_apply(&f, "cancel"), EC_OK);
    char *out = NULL;
    CU_ASSERT_EQUAL(ec_order_effects_to_json(f.fx, f.o, &out, NULL), EC_OK);
    EXPECT_DOC(out, "[{'type':'release_stock','lines':[{'sku':'A','quantity':2},"
                    "{'sku':'C','quantity':1}]},{'type':'refund_payment','amount':'20.00'},"
                    "{'type':'void_payment','amount':'3.00'}]");
    ec_free(out);
    ec_order *other = ec_order_new();
    CU_ASSERT_EQUAL(ec_order_effects_to_json(f.fx, other, &out, NULL), EC_MISUSE);
    ec_order_free(other);
    of_close(&f);
}

/* ---- allocation failure ------------------------------------------------------------------- */

/* Every step with the Nth allocation failing, for every N until one run
 * needs no failure: a clean EC_NO_MEMORY (or success), no leak. */
static int chaos_json(th_counter *c)
{
    ec_allocator a = th_allocator(c);
    ec_error e = th_error();
    ec_order_machine *m = NULL;
    ec_status st = machine_sq(default_machine_doc, &a, &m, &e);
    ec_order *o = st == EC_OK ? ec_order_new_ex(&a) : NULL;
    ec_order_event *ev = o ? ec_order_event_new_ex(&a) : NULL;
    ec_order_effects *fx = ev ? ec_order_effects_new_ex(&a) : NULL;
    if (st == EC_OK && !fx) st = e.code = EC_NO_MEMORY;
    if (st == EC_OK) st = order_sq(o, new_order, &e);
    if (st == EC_OK)
        st = event_sq(ev, "{'id':'e1','type':'capture','at':'2026-11-25T11:00:00Z'}", "EUR", &e);
    if (st == EC_OK) st = ec_order_apply(m, o, ev, fx, NULL, &e);
    if (st == EC_OK)
        st = event_sq(ev,
                      "{'id':'e2','type':'cancel','at':'2026-11-25T11:00:00Z','lines':"
                      "[{'sku':'A','quantity':1},{'sku':'C','quantity':1}]}",
                      "EUR", &e);
    if (st == EC_OK) st = ec_order_apply(m, o, ev, fx, NULL, &e);
    if (st == EC_OK) CU_ASSERT_EQUAL(ec_order_effects_count(fx), 2);
    char *out = NULL;
    if (st == EC_OK)
        st = apply_sq(&a, m, new_order,
                      "{'id':'e','type':'authorize','amount':'1.00','at':"
                      "'2026-11-25T10:00:00Z'}",
                      &out, &e);
    if (st == EC_OK) CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"state\":\"processing\""));
    if (out) a.free(a.opaque, out);
    if (st != EC_OK) {
        CU_ASSERT_EQUAL(st, EC_NO_MEMORY);
        CU_ASSERT_EQUAL(e.code, EC_NO_MEMORY);
    }
    ec_order_effects_free(fx);
    ec_order_event_free(ev);
    ec_order_free(o);
    ec_order_machine_free(m);
    return st == EC_OK;
}

static void test_order_json_chaos(void)
{
    int finished = 0;
    for (long n = 1; n < 2000 && !finished; n++) {
        th_counter c = {0, n, 0};
        finished = chaos_json(&c);
        th_expect_i64(c.live, 0, "blocks leaked", __FILE__, __LINE__);
        if (finished) CU_ASSERT(c.calls < n);
    }
    CU_ASSERT_TRUE(finished);
}

/* Creating an order from a result, with every allocation of the order
 * failing in turn. */
static void test_order_json_create_chaos(void)
{
    of_fx f;
    CU_ASSERT_FATAL(of_open(&f, NULL));
    th_fx_recart(&f.p, "A*2 C ship=std country=DE coupon=TEN");
    CU_ASSERT_EQUAL_FATAL(th_fx_price(&f.p), EC_OK);
    int finished = 0;
    for (long n = 1; n < 200 && !finished; n++) {
        th_counter c = {0, n, 0};
        ec_allocator a = th_allocator(&c);
        ec_order *o = ec_order_new_ex(&a);
        ec_error e = th_error();
        ec_status st = o ? ec_order_create(o, f.p.r, "ord-1", NULL, &e) : EC_NO_MEMORY;
        if (st == EC_OK) {
            char *out = NULL;
            CU_ASSERT_EQUAL(ec_order_to_json(o, &out, NULL), EC_OK);
            EXPECT_DOC(out, new_order);
            ec_free(out);
            finished = 1;
        } else {
            CU_ASSERT_EQUAL(st, EC_NO_MEMORY);
            if (o) CU_ASSERT_PTR_NULL(ec_order_id(o));
        }
        ec_order_free(o);
        th_expect_i64(c.live, 0, "blocks leaked", __FILE__, __LINE__);
    }
    CU_ASSERT_TRUE(finished);
    of_close(&f);
}

static CU_TestInfo order_json_tests[] = {
    {"default_machine_document", test_order_json_default_machine_document},
    {"machine_round_trip", test_order_json_machine_round_trip},
    {"machine_refusals", test_order_json_machine_refusals},
    {"checkout_document", test_order_json_checkout_document},
    {"checkout_with_tax", test_order_json_checkout_with_tax},
    {"round_trip", test_order_json_round_trip},
    {"defaults", test_order_json_defaults},
    {"order_refusals", test_order_json_order_refusals},
    {"fees_capped_on_read", test_order_json_fees_capped_on_read},
    {"history_limit", test_order_json_history_limit},
    {"event_fields", test_order_json_event_fields},
    {"event_refusals", test_order_json_event_refusals},
    {"apply_output", test_order_json_apply_output},
    {"apply_errors", test_order_json_apply_errors},
    {"effects_document", test_order_json_effects_document},
    {"chaos", test_order_json_chaos},
    {"create_chaos", test_order_json_create_chaos},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_order_json_suites[] = {
    {"order.json", NULL, NULL, NULL, NULL, order_json_tests},
    CU_SUITE_INFO_NULL,
};
