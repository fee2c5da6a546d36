/* test_order_json.c - unit tests for the order documents of formats.md 4:
 * the machine, order and event codecs (golden output, round trips, every
 * refusal with its path), the one-call ec_json_order_apply(), allocation
 * failure at every step of the JSON functions, and a property test of
 * ec_order_apply() over 200,000 random events.  Documents are written with
 * ' for " (helpers.h). */
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
    "{'from':['pending_payment'],'event':'authorize','to':'authorized',"
    "'guard':'amount_covers_total'},"
    "{'from':['authorized','pending_payment'],'event':'capture','to':'paid',"
    "'guard':'amount_covers_total'},"
    "{'from':['paid','partially_fulfilled'],'event':'fulfill','to':'fulfilled',"
    "'guard':'all_lines_fulfilled','effects':['ship_stock']},"
    "{'from':['paid','partially_fulfilled'],'event':'fulfill','to':'partially_fulfilled',"
    "'effects':['ship_stock']},"
    "{'from':['pending_payment','payment_failed'],'event':'cancel','to':'canceled',"
    "'effects':['release_stock']},"
    "{'from':['authorized'],'event':'cancel','to':'canceled',"
    "'effects':['void_payment','release_stock']},"
    "{'from':['paid'],'event':'cancel','to':'canceled',"
    "'effects':['refund_payment','release_stock']},"
    "{'from':['pending_payment','payment_failed'],'event':'expire','to':'canceled',"
    "'effects':['release_stock']},"
    "{'from':['pending_payment'],'event':'fail_payment','to':'payment_failed'},"
    "{'from':['authorized'],'event':'fail_payment','to':'payment_failed',"
    "'effects':['void_payment']},"
    "{'from':['payment_failed'],'event':'retry_payment','to':'pending_payment'},"
    "{'from':['fulfilled'],'event':'deliver','to':'delivered'},"
    "{'from':['partially_fulfilled'],'event':'cancel_remaining','to':'fulfilled',"
    "'effects':['release_unshipped_stock']},"
    "{'from':['delivered'],'event':'request_return','to':'return_requested',"
    "'guard':'has_returnable_lines'},"
    "{'from':['return_requested'],'event':'receive_return','to':'returned',"
    "'effects':['restock']},"
    "{'from':['returned'],'event':'refund','to':'refunded','effects':['refund_payment']},"
    "{'from':['delivered'],'event':'complete','to':'completed'}],"
    "'final':['refunded','completed','canceled']}";

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
    CU_ASSERT_EQUAL(ec_order_machine_state_count(m), 12);
    ec_order_machine_free(m);
    /* optional keys as null are absent; final is optional */
    static const char small[] = "{'initial':'new','transitions':[{'from':['new'],'event':'go',"
                                "'to':'done','guard':null,'effects':null}],'final':null}";
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
         "'effects':['ship_stock','send_mail']}]}",
         EC_INVALID_FIELD, "transitions[0].effects[1]"},
        {"{'initial':'a','transitions':[{'from':['a'],'event':'e','to':'b',"
         "'effects':['restock','restock']}]}",
         EC_INVALID_FIELD, "transitions[0].effects[1]"},
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

static const char full_order[] =
    "{'id':'ord-9','state':'partially_fulfilled','version':3,'currency':'KWD','total':'12.500',"
    "'lines':[{'sku':'SHOE-1','quantity':2,'fulfilled':1,'returned':0},"
    "{'sku':'S\\u00fcd \\'x\\'','quantity':1,'fulfilled':0,'returned':0}],"
    "'payment':{'authorized':'12.500','captured':'12.500','refunded':'0.000'},"
    "'history':[{'event_id':'e1','event':'capture','from':'pending_payment','to':'paid',"
    "'at':'2026-11-25T10:00:00Z'},{'event_id':'e2','event':'fulfill','from':'paid',"
    "'to':'partially_fulfilled','at':'2026-11-25T10:00:00.5Z'}]}";

static void test_order_json_order_round_trip(void)
{
    ec_order *o = ec_order_new();
    ec_error e = th_error();
    char *sq = th_json(full_order);
    CU_ASSERT_EQUAL_FATAL(order_sq(o, full_order, &e), EC_OK);
    EXPECT_STR(ec_order_line_sku(o, 1), "S\xc3\xbc"
                                        "d \"x\"");
    EXPECT_I64(ec_order_total(o), 12500);
    EXPECT_I64(ec_order_history_at(o, 1), AT0 + 500000);
    char *out = NULL;
    CU_ASSERT_EQUAL(ec_order_to_json(o, &out, NULL), EC_OK);
    /* the writer keeps UTF-8 as is and escapes only what JSON requires */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"S\xc3\xbc"
                                       "d \\\"x\\\"\""));
    CU_ASSERT_EQUAL(order_sq(o, out, &e), EC_OK);
    char *again = NULL;
    CU_ASSERT_EQUAL(ec_order_to_json(o, &again, NULL), EC_OK);
    EXPECT_STR(again, out);
    ec_free(again);
    ec_free(out);
    free(sq);
    ec_order_free(o);
}

/* Optional members: version 0, payment zero, history empty; null is absent. */
static void test_order_json_order_defaults(void)
{
    ec_order *o = ec_order_new();
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(order_sq(o,
                                   "{'id':'o','state':'new','currency':'JPY','total':'1000',"
                                   "'lines':[{'sku':'A','quantity':1}],'payment':null,"
                                   "'version':null}",
                                   &e),
                          EC_OK);
    char *out = NULL;
    CU_ASSERT_EQUAL(ec_order_to_json(o, &out, NULL), EC_OK);
    EXPECT_DOC(out, "{'id':'o','state':'new','version':0,'currency':'JPY','total':'1000',"
                    "'lines':[{'sku':'A','quantity':1,'fulfilled':0,'returned':0}],"
                    "'payment':{'authorized':'0','captured':'0','refunded':'0'},'history':[]}");
    ec_free(out);
    CU_ASSERT_EQUAL(ec_order_to_json(NULL, &out, NULL), EC_MISUSE);
    ec_order_reset(o);
    CU_ASSERT_EQUAL(ec_order_to_json(o, &out, NULL), EC_MISUSE); /* incomplete */
    ec_order_free(o);
}

/* History times come out in UTC, fraction trimmed. */
static void test_order_json_history_times(void)
{
    static const struct {
        const char *in, *out;
    } v[] = {
        {"2026-11-25T11:00:00+01:00", "2026-11-25T10:00:00Z"},
        {"2026-11-25t10:00:00.120z", "2026-11-25T10:00:00.12Z"},
        {"2024-02-29T23:59:59.999999999-00:30", "2024-03-01T00:29:59.999999Z"},
        {"0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"},
        {"9999-12-31T23:59:59.000001Z", "9999-12-31T23:59:59.000001Z"},
        {"1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.5Z"},
        {"2000-03-01T00:00:00Z", "2000-03-01T00:00:00Z"},
    };
    char doc[512], want[128];
    for (size_t i = 0; i < COUNT(v); i++) {
        ec_order *o = ec_order_new();
        ec_error e = th_error();
        snprintf(doc, sizeof doc,
                 "{'id':'o','state':'s','currency':'EUR','total':'1',"
                 "'lines':[{'sku':'A','quantity':1}],'history':[{'event_id':'e','event':'x',"
                 "'from':'a','to':'b','at':'%s'}]}",
                 v[i].in);
        CU_ASSERT_EQUAL(order_sq(o, doc, &e), EC_OK);
        char *out = NULL;
        CU_ASSERT_EQUAL(ec_order_to_json(o, &out, NULL), EC_OK);
        snprintf(want, sizeof want, "\"at\":\"%s\"", v[i].out);
        CU_ASSERT_PTR_NOT_NULL(out ? strstr(out, want) : NULL);
        ec_free(out);
        ec_order_free(o);
    }
    /* outside the years 0000..9999 in UTC */
    ec_order *o = ec_order_new();
    ec_error e = th_error();
    EXPECT_ERR(order_sq(o,
                        "{'id':'o','state':'s','currency':'EUR','total':'1','lines':[{'sku':"
                        "'A','quantity':1}],'history':[{'event_id':'e','event':'x','from':'a',"
                        "'to':'b','at':'0000-01-01T00:00:00+00:01'}]}",
                        &e),
               e, EC_INVALID_FIELD, "history[0].at");
    ec_order_free(o);
}

static void test_order_json_order_refusals(void)
{
    static const char head[] = "{'id':'o','state':'s','currency':'EUR','total':'10.00',";
    static const struct {
        const char *rest; /* after head */
        ec_status status;
        const char *field;
    } v[] = {
        {"'lines':[{'sku':'A','quantity':1}],'notes':'x'}", EC_INVALID_FIELD, "notes"},
        {"'lines':[]}", EC_INVALID_FIELD, "lines"},
        {"'lines':[{'sku':'A'}]}", EC_INVALID_FIELD, "lines[0].quantity"},
        {"'lines':[{'sku':'A','quantity':1},{'sku':'A','quantity':2}]}", EC_INVALID_FIELD,
         "lines[1].sku"},
        {"'lines':[{'sku':'A','quantity':2,'fulfilled':3}]}", EC_INVALID_FIELD,
         "lines[0].fulfilled"},
        {"'lines':[{'sku':'A','quantity':2,'fulfilled':1,'returned':2}]}", EC_INVALID_FIELD,
         "lines[0].returned"},
        {"'lines':[{'sku':'A','quantity':1.5}]}", EC_INVALID_FIELD, "lines[0].quantity"},
        {"'lines':[{'sku':'A','quantity':1,'price':'1.00'}]}", EC_INVALID_FIELD, "lines[0].price"},
        {"'lines':[{'sku':'A','quantity':1}],'payment':{'captured':'5.00','refunded':'6.00'}}",
         EC_INVALID_FIELD, "payment.refunded"},
        {"'lines':[{'sku':'A','quantity':1}],'payment':{'captured':5}}", EC_INVALID_FIELD,
         "payment.captured"},
        {"'lines':[{'sku':'A','quantity':1}],'payment':{'voided':'1.00'}}", EC_INVALID_FIELD,
         "payment.voided"},
        {"'lines':[{'sku':'A','quantity':1}],'version':-1}", EC_INVALID_FIELD, "version"},
        {"'lines':[{'sku':'A','quantity':1}],'history':[{'event_id':'e','event':'x',"
         "'from':'a','to':'b','at':'2026-01-01T00:00:00Z'},{'event_id':'e','event':'y',"
         "'from':'b','to':'c','at':'2026-01-01T00:00:00Z'}]}",
         EC_INVALID_FIELD, "history[1].event_id"},
        {"'lines':[{'sku':'A','quantity':1}],'history':[{'event_id':'e','event':'x',"
         "'from':'a','to':'b','at':'yesterday'}]}",
         EC_INVALID_FIELD, "history[0].at"},
        {"'lines':[{'sku':'A','quantity':1}],'history':[{'event_id':'e','event':'x',"
         "'from':'a','at':'2026-01-01T00:00:00Z'}]}",
         EC_INVALID_FIELD, "history[0].to"},
    };
    char doc[1024];
    ec_order *o = ec_order_new();
    for (size_t i = 0; i < COUNT(v); i++) {
        ec_error e = th_error();
        snprintf(doc, sizeof doc, "%s%s", head, v[i].rest);
        th_expect_error(order_sq(o, doc, &e), &e, v[i].status, v[i].field, __FILE__,
                        __LINE__ + 1000 * (unsigned)i);
        CU_ASSERT_EQUAL(ec_order_line_count(o), 0); /* left reset */
    }
    ec_error e = th_error();
    const char *lines = "'lines':[{'sku':'A','quantity':1}]}";
    snprintf(doc, sizeof doc, "{'id':'o','state':'s','currency':'EUR','total':10,%s", lines);
    EXPECT_ERR(order_sq(o, doc, &e), e, EC_INVALID_FIELD, "total");
    EXPECT_STR(e.message, "money must be a quoted decimal string such as \"19.99\", not a number");
    snprintf(doc, sizeof doc, "{'id':'o','state':'s','currency':'EUR','total':'1.234',%s", lines);
    EXPECT_ERR(order_sq(o, doc, &e), e, EC_INVALID_FIELD, "total");
    snprintf(doc, sizeof doc, "{'id':'o','state':'s','currency':'EUX','total':'1',%s", lines);
    EXPECT_ERR(order_sq(o, doc, &e), e, EC_UNKNOWN_CURRENCY, "currency");
    snprintf(doc, sizeof doc, "{'id':'','state':'s','currency':'EUR','total':'1',%s", lines);
    EXPECT_ERR(order_sq(o, doc, &e), e, EC_INVALID_FIELD, "id");
    EXPECT_ERR(order_sq(o, "{'id':'o'", &e), e, EC_INVALID_JSON, "");
    EXPECT_ERR(ec_order_from_json(NULL, "{}", 2, &e), e, EC_MISUSE, "");
    ec_order_free(o);
}

/* ---- events ------------------------------------------------------------------------------ */

static void test_order_json_event_fields(void)
{
    ec_order_event *ev = ec_order_event_new();
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(event_sq(ev,
                                   "{'id':'evt-7','type':'fulfill','at':'2026-11-25T10:00:00Z',"
                                   "'amount':'128.31','lines':[{'sku':'SHOE-1','quantity':1}],"
                                   "'expected_version':3}",
                                   "EUR", &e),
                          EC_OK);
    EXPECT_STR(ec_order_event_id(ev), "evt-7");
    EXPECT_STR(ec_order_event_type(ev), "fulfill");
    EXPECT_I64(ec_order_event_at(ev), AT0);
    CU_ASSERT_EQUAL(ec_order_event_has_amount(ev), 1);
    EXPECT_I64(ec_order_event_amount(ev), 12831);
    CU_ASSERT_EQUAL(ec_order_event_has_expected_version(ev), 1);
    EXPECT_I64(ec_order_event_expected_version(ev), 3);
    CU_ASSERT_EQUAL(ec_order_event_line_count(ev), 1);
    EXPECT_STR(ec_order_event_line_sku(ev, 0), "SHOE-1");
    EXPECT_I64(ec_order_event_line_quantity(ev, 0), 1);
    /* the amount is read in the order's currency */
    CU_ASSERT_EQUAL(event_sq(ev,
                             "{'id':'e','type':'refund','at':'2026-11-25T10:00:00Z',"
                             "'amount':'1.250'}",
                             "KWD", &e),
                    EC_OK);
    EXPECT_I64(ec_order_event_amount(ev), 1250);
    CU_ASSERT_EQUAL(ec_order_event_has_expected_version(ev), 0);
    CU_ASSERT_EQUAL(ec_order_event_line_count(ev), 0);
    /* without an amount no currency is needed */
    CU_ASSERT_EQUAL(
        event_sq(ev, "{'id':'e','type':'deliver','at':'2026-11-25T10:00:00Z'}", NULL, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_order_event_has_amount(ev), 0);
    ec_order_event_free(ev);
}

static void test_order_json_event_refusals(void)
{
    static const struct {
        const char *doc;
        ec_status status;
        const char *field;
    } v[] = {
        {"{'id':'e','type':'t','at':'2026-11-25T10:00:00Z','amount':'1.234'}", EC_INVALID_FIELD,
         "amount"},
        {"{'id':'e','type':'t','at':'2026-11-25T10:00:00Z','amount':12}", EC_INVALID_FIELD,
         "amount"},
        {"{'id':'e','type':'t','at':'2026-11-25T10:00:00Z','lines':[]}", EC_INVALID_FIELD, "lines"},
        {"{'id':'e','type':'t','at':'2026-11-25T10:00:00Z','lines':[{'sku':'A','quantity':0}]}",
         EC_INVALID_FIELD, "lines[0].quantity"},
        {"{'id':'e','type':'t','at':'2026-11-25T10:00:00Z','lines':[{'sku':'A','quantity':1},"
         "{'sku':'','quantity':1}]}",
         EC_INVALID_FIELD, "lines[1].sku"},
        {"{'id':'e','type':'t','at':'2026-11-25T10:00:00Z','lines':[{'sku':'A','qty':1}]}",
         EC_INVALID_FIELD, "lines[0].qty"},
        {"{'id':'e','type':'t','at':'2026-11-25T10:00:00Z','expected_version':'3'}",
         EC_INVALID_FIELD, "expected_version"},
        {"{'id':'e','type':'t','at':'2026-11-25T10:00:00Z','source':'pos'}", EC_INVALID_FIELD,
         "source"},
        {"{'id':'e','type':'t'}", EC_INVALID_FIELD, "at"},
        {"{'id':'e','at':'2026-11-25T10:00:00Z'}", EC_INVALID_FIELD, "type"},
        {"{'type':'t','at':'2026-11-25T10:00:00Z'}", EC_INVALID_FIELD, "id"},
        {"{'id':'e','type':'t','at':'2026-11-25 10:00:00Z'}", EC_INVALID_FIELD, "at"},
        {"'event'", EC_INVALID_FIELD, ""},
    };
    ec_order_event *ev = ec_order_event_new();
    for (size_t i = 0; i < COUNT(v); i++) {
        ec_error e = th_error();
        th_expect_error(event_sq(ev, v[i].doc, "EUR", &e), &e, v[i].status, v[i].field, __FILE__,
                        __LINE__ + 1000 * (unsigned)i);
        CU_ASSERT_PTR_NULL(ec_order_event_id(ev)); /* left reset */
    }
    ec_error e = th_error();
    EXPECT_ERR(
        event_sq(ev, "{'id':'e','type':'t','at':'2026-11-25T10:00:00Z','amount':'1'}", NULL, &e), e,
        EC_MISUSE, "amount");
    ec_order_event_free(ev);
}

/* ---- one-call apply --------------------------------------------------------------------- */

static const char new_order[] =
    "{'id':'ord-1','state':'pending_payment','version':0,'currency':'EUR','total':'128.31',"
    "'lines':[{'sku':'SHOE-1','quantity':2},{'sku':'SOCK-3','quantity':3}]}";

static void test_order_json_apply_output(void)
{
    char *out = NULL;
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(apply_sq(NULL, NULL, new_order,
                                   "{'id':'evt-1','type':'capture','at':'2026-11-25T10:00:00Z',"
                                   "'amount':'128.31','expected_version':0}",
                                   &out, &e),
                          EC_OK);
    EXPECT_DOC(out, "{'order':{'id':'ord-1','state':'paid','version':1,'currency':'EUR',"
                    "'total':'128.31','lines':[{'sku':'SHOE-1','quantity':2,'fulfilled':0,"
                    "'returned':0},{'sku':'SOCK-3','quantity':3,'fulfilled':0,'returned':0}],"
                    "'payment':{'authorized':'128.31','captured':'128.31','refunded':'0.00'},"
                    "'history':[{'event_id':'evt-1','event':'capture','from':'pending_payment',"
                    "'to':'paid','at':'2026-11-25T10:00:00Z'}]},'effects':[],'duplicate':false}");
    /* the output's order goes straight back in: fulfil one shoe, then repeat */
    char *order = strstr(out, "{\"id\"");
    char *end = strstr(out, ",\"effects\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(order && end);
    *end = '\0';
    static const char fulfil[] = "{\"id\":\"evt-2\",\"type\":\"fulfill\",\"at\":"
                                 "\"2026-11-25T12:00:00Z\",\"lines\":[{\"sku\":\"SHOE-1\","
                                 "\"quantity\":1}]}";
    char *out2 = NULL;
    CU_ASSERT_EQUAL_FATAL(
        ec_json_order_apply(NULL, order, strlen(order), fulfil, strlen(fulfil), &out2, NULL, &e),
        EC_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out2, "\"state\":\"partially_fulfilled\",\"version\":2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out2, "\"effects\":[\"ship_stock\"],\"duplicate\":false}"));
    ec_free(out2);
    static const char again[] = "{\"id\":\"evt-1\",\"type\":\"cancel\",\"at\":"
                                "\"2026-11-25T12:00:00Z\"}";
    CU_ASSERT_EQUAL(
        ec_json_order_apply(NULL, order, strlen(order), again, strlen(again), &out2, NULL, &e),
        EC_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out2, "\"state\":\"paid\",\"version\":1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out2, "\"effects\":[],\"duplicate\":true}"));
    ec_free(out2);
    ec_free(out);
}

static void test_order_json_apply_errors(void)
{
    static const struct {
        const char *order, *event;
        ec_status status;
        const char *field;
    } v[] = {
        {"{'id':'o','state':'s','currency':'EUR','total':'1','lines':[{'sku':'A','quantity':0}]}",
         "{}", EC_INVALID_FIELD, "order.lines[0].quantity"},
        {"{'id':'o'", "{}", EC_INVALID_JSON, "order"},
        {new_order, "{'id':'e','type':'fulfill','at':'2026-11-25T10:00:00Z','amount':'1.001'}",
         EC_INVALID_FIELD, "amount"},
        {new_order, "{'id':'e','type':'fulfill','at':'2026-11-25T10:00:00Z'}",
         EC_INVALID_TRANSITION, ""},
        {new_order, "{'id':'e','type':'capture','at':'2026-11-25T10:00:00Z','expected_version':4}",
         EC_VERSION_CONFLICT, "expected_version"},
        {"{'id':'o','state':'paid','currency':'EUR','total':'1','lines':[{'sku':'A','quantity':1}]"
         "}",
         "{'id':'e','type':'fulfill','at':'2026-11-25T10:00:00Z','lines':[{'sku':'A','quantity':2}]"
         "}",
         EC_INVALID_FIELD, "lines[0].quantity"},
        {"{'id':'o','state':'shipped','currency':'EUR','total':'1','lines':[{'sku':'A',"
         "'quantity':1}]}",
         "{'id':'e','type':'deliver','at':'2026-11-25T10:00:00Z'}", EC_INVALID_FIELD,
         "order.state"},
    };
    for (size_t i = 0; i < COUNT(v); i++) {
        char *out = (char *)1;
        ec_error e = th_error();
        th_expect_error(apply_sq(NULL, NULL, v[i].order, v[i].event, &out, &e), &e, v[i].status,
                        v[i].field, __FILE__, __LINE__ + 1000 * (unsigned)i);
        CU_ASSERT_PTR_NULL(out);
    }
    ec_error e = th_error();
    EXPECT_ERR(ec_json_order_apply(NULL, "{}", 2, "{}", 2, NULL, NULL, &e), e, EC_MISUSE, "");
}

static void test_order_json_apply_custom_machine(void)
{
    ec_order_machine *m = NULL;
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(machine_sq("{'initial':'open','transitions':[{'from':['open'],'event':"
                                     "'close','to':'closed','guard':'nothing_fulfilled',"
                                     "'effects':['release_stock']}],'final':['closed']}",
                                     NULL, &m, &e),
                          EC_OK);
    char *out = NULL;
    CU_ASSERT_EQUAL(apply_sq(NULL, m,
                             "{'id':'o','state':'open','currency':'EUR','total':'1',"
                             "'lines':[{'sku':'A','quantity':1}]}",
                             "{'id':'e','type':'close','at':'2026-11-25T10:00:00Z'}", &out, &e),
                    EC_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"effects\":[\"release_stock\"]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"state\":\"closed\""));
    ec_free(out);
    /* a state of the default machine is not one of this machine's */
    EXPECT_ERR(apply_sq(NULL, m, new_order, "{'id':'e','type':'close','at':'2026-11-25T10:00:00Z'}",
                        &out, &e),
               e, EC_INVALID_FIELD, "order.state");
    ec_order_machine_free(m);
}

/* ---- allocation failure ------------------------------------------------------------------- */

static ec_status ec__no_memory(ec_error *e)
{
    e->code = EC_NO_MEMORY;
    return EC_NO_MEMORY;
}

/* Every JSON function with the Nth allocation failing, for every N until
 * one run needs no failure: a clean EC_NO_MEMORY (or success), no leak. */
static int chaos_json(th_counter *c)
{
    ec_allocator a = th_allocator(c);
    ec_error e = th_error();
    ec_order_machine *m = NULL;
    ec_status st = machine_sq(default_machine_doc, &a, &m, &e);
    ec_order *o = st == EC_OK ? ec_order_new_ex(&a) : NULL;
    ec_order_event *ev = o ? ec_order_event_new_ex(&a) : NULL;
    if (st == EC_OK && !ev) st = ec__no_memory(&e);
    if (st == EC_OK) st = order_sq(o, full_order, &e);
    if (st == EC_OK)
        st = event_sq(ev,
                      "{'id':'e3','type':'fulfill','at':'2026-11-25T11:00:00Z','lines':"
                      "[{'sku':'SHOE-1','quantity':1}]}",
                      "KWD", &e);
    if (st == EC_OK) st = ec_order_apply(m, o, ev, NULL, NULL, &e);
    char *out = NULL;
    if (st == EC_OK)
        st = apply_sq(&a, m, new_order,
                      "{'id':'e','type':'authorize','at':"
                      "'2026-11-25T10:00:00Z'}",
                      &out, &e);
    if (st == EC_OK) CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"state\":\"authorized\""));
    if (out) a.free(a.opaque, out);
    if (st != EC_OK) {
        CU_ASSERT_EQUAL(st, EC_NO_MEMORY);
        CU_ASSERT_EQUAL(e.code, EC_NO_MEMORY);
    }
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

/* ---- property test ---------------------------------------------------------------------- */

/* xorshift64*: a fixed seed makes every run apply the same events. */
static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t pick(uint32_t n)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32) % n;
}

static const char *const any_event[] = {
    "authorize", "capture", "fail_payment",     "retry_payment",  "cancel",         "expire",
    "fulfill",   "deliver", "cancel_remaining", "request_return", "receive_return", "refund",
    "complete",  "bogus"};

/* Three events in four are ones the state usually allows, so that orders
 * get deep into the machine instead of being refused at its start. */
static const char *likely_event(const char *state)
{
    static const struct {
        const char *state;
        const char *events[5];
    } likely[] = {
        {"pending_payment", {"authorize", "capture", "cancel", "expire", "fail_payment"}},
        {"payment_failed", {"retry_payment", "cancel", "expire"}},
        {"authorized", {"capture", "cancel", "fail_payment"}},
        {"paid", {"fulfill", "fulfill", "cancel"}},
        {"partially_fulfilled", {"fulfill", "fulfill", "cancel_remaining"}},
        {"fulfilled", {"deliver"}},
        {"delivered", {"request_return", "complete"}},
        {"return_requested", {"receive_return"}},
        {"returned", {"refund"}},
    };
    int use_likely = pick(4) != 0;
    for (size_t i = 0; use_likely && i < COUNT(likely); i++) {
        if (strcmp(likely[i].state, state) != 0) continue;
        uint32_t n = 0;
        while (n < 5 && likely[i].events[n]) n++;
        return likely[i].events[pick(n)];
    }
    return any_event[pick(COUNT(any_event))];
}

/* What the stock effects have done so far to one order. */
typedef struct stock_model {
    int64_t shipped[4];
    int64_t restocked; /* units, all lines */
    int released;
} stock_model;

/* The order's numbers before an event, to compare with after. */
typedef struct numbers {
    int64_t f[4], r[4], q[4];
    int64_t version, authorized, captured, refunded;
    size_t nlines, nhist;
} numbers;

static void numbers_of(const ec_order *o, numbers *n)
{
    n->nlines = ec_order_line_count(o);
    n->nhist = ec_order_history_count(o);
    for (size_t i = 0; i < n->nlines; i++) {
        n->q[i] = ec_order_line_quantity(o, i);
        n->f[i] = ec_order_line_fulfilled(o, i);
        n->r[i] = ec_order_line_returned(o, i);
    }
    n->version = ec_order_version(o);
    n->authorized = ec_order_payment_authorized(o);
    n->captured = ec_order_payment_captured(o);
    n->refunded = ec_order_payment_refunded(o);
}

static ec_order *random_order(stock_model *sm)
{
    ec_order *o = ec_order_new();
    static const char *const skus[] = {"S0", "S1", "S2", "S3"};
    ec_order_set_id(o, "ord-p", NULL);
    ec_order_set_state(o, "pending_payment", NULL);
    ec_order_set_currency(o, "EUR", NULL);
    ec_order_set_total(o, pick(20000), NULL);
    ec_order_set_version(o, pick(2), NULL);
    uint32_t n = 1 + pick(4);
    for (uint32_t i = 0; i < n; i++) ec_order_add_line(o, skus[i], 1 + pick(5), 0, 0, NULL);
    memset(sm, 0, sizeof *sm);
    return o;
}

static void random_event(ec_order_event *ev, const ec_order *o, unsigned long *next_id)
{
    char id[32];
    size_t nh = ec_order_history_count(o), nl = ec_order_line_count(o);
    ec_order_event_reset(ev);
    if (nh && pick(10) == 0)
        snprintf(id, sizeof id, "%s", ec_order_history_event_id(o, pick(nh)));
    else
        snprintf(id, sizeof id, "p%lu", (*next_id)++);
    ec_order_event_set_id(ev, id, NULL);
    ec_order_event_set_type(ev, likely_event(ec_order_state(o)), NULL);
    ec_order_event_set_at(ev, AT0 + pick(1000000), NULL);
    if (pick(5) == 0) ec_order_event_set_amount(ev, pick(25000), NULL);
    for (uint32_t k = pick(4) ? 0 : 1 + pick(2); k > 0; k--)
        ec_order_event_add_line(ev, pick(20) ? ec_order_line_sku(o, pick(nl)) : "ZZ", 1 + pick(3),
                                NULL);
    uint32_t v = pick(20);
    if (v < 4) ec_order_event_set_expected_version(ev, ec_order_version(o) + (v == 0), NULL);
}

/* The invariants of one applied event; returns the number of failures. */
static int check_applied(const ec_order *o, const numbers *b, const ec_order_event *ev,
                         const ec_order_effects *fx, stock_model *sm)
{
    numbers a;
    int bad = 0;
    numbers_of(o, &a);
    bad += a.version != b->version + 1 || a.nhist != b->nhist + 1;
    bad += !(0 <= a.refunded && a.refunded <= a.captured && a.captured <= a.authorized);
    const char *type = ec_order_event_type(ev);
    int64_t shipped_now = 0, returned = 0;
    for (size_t i = 0; i < a.nlines; i++) {
        bad += !(0 <= a.r[i] && a.r[i] <= a.f[i] && a.f[i] <= a.q[i]);
        bad += strcmp(type, "fulfill") != 0 && a.f[i] != b->f[i];
        bad += strcmp(type, "request_return") != 0 && a.r[i] != b->r[i];
        shipped_now += a.f[i] - b->f[i];
        returned += a.r[i];
    }
    int shipped_effect = 0;
    for (size_t k = 0; k < ec_order_effects_count(fx); k++) {
        switch (ec_order_effects_get(fx, k)) {
        case EC_ORDER_EFFECT_SHIP_STOCK: /* ships what this event fulfilled, never released units */
            shipped_effect = 1;
            bad += sm->released;
            for (size_t i = 0; i < a.nlines; i++) {
                sm->shipped[i] += a.f[i] - b->f[i];
                bad += sm->shipped[i] != a.f[i] || sm->shipped[i] > a.q[i];
            }
            break;
        case EC_ORDER_EFFECT_RELEASE_STOCK:
        case EC_ORDER_EFFECT_RELEASE_UNSHIPPED_STOCK: /* once, and only unshipped units */
            bad += sm->released;
            for (size_t i = 0; i < a.nlines; i++) bad += a.q[i] - sm->shipped[i] < 0;
            sm->released = 1;
            break;
        case EC_ORDER_EFFECT_RESTOCK: { /* only units that were shipped and returned */
            int64_t shipped = 0;
            for (size_t i = 0; i < a.nlines; i++) shipped += sm->shipped[i];
            bad += returned < sm->restocked || returned > shipped;
            sm->restocked = returned;
            break;
        }
        case EC_ORDER_EFFECT_VOID_PAYMENT:
            bad += a.authorized != a.captured;
            break;
        case EC_ORDER_EFFECT_REFUND_PAYMENT:
            bad += a.refunded < b->refunded;
            break;
        default:
            bad++;
        }
    }
    bad += shipped_now > 0 && !shipped_effect;
    return bad;
}

static int is_final(const ec_order_machine *m, const char *state)
{
    for (size_t i = 0; i < ec_order_machine_state_count(m); i++)
        if (strcmp(ec_order_machine_state_name(m, i), state) == 0)
            return ec_order_machine_state_is_final(m, i);
    return 0;
}

static char *snapshot(const ec_order *o)
{
    char *s = NULL;
    return ec_order_to_json(o, &s, NULL) == EC_OK ? s : NULL;
}

/* Random events (fixed seed) on random orders with the default machine.
 * A refused or duplicate event must leave the order byte-identical; an
 * applied one must keep every invariant of check_applied(). */
static void test_order_property_random_events(void)
{
    const ec_order_machine *m = ec_order_machine_default();
    ec_order_event *ev = ec_order_event_new();
    ec_order_effects *fx = ec_order_effects_new();
    stock_model sm;
    ec_order *o = random_order(&sm);
    unsigned long next_id = 0, applied = 0, refused = 0, dups = 0, orders = 1;
    unsigned long seen[EC__ORDER_EFFECT_COUNT] = {0};
    int bad = 0;
    for (int step = 0; step < 200000 && bad == 0; step++) {
        numbers before;
        numbers_of(o, &before);
        char *snap = snapshot(o);
        random_event(ev, o, &next_id);
        int32_t dup = -1;
        ec_status st = ec_order_apply(m, o, ev, fx, &dup, NULL);
        if (st != EC_OK || dup) {
            char *now = snapshot(o); /* a refusal or a duplicate changes nothing */
            bad += !snap || !now || strcmp(snap, now) != 0 || ec_order_effects_count(fx) != 0;
            bad += st != EC_OK && dup != 0;
            st == EC_OK ? dups++ : refused++;
            free(now);
        } else {
            bad += check_applied(o, &before, ev, fx, &sm);
            for (size_t k = 0; k < ec_order_effects_count(fx); k++)
                seen[ec_order_effects_get(fx, k)]++;
            applied++;
        }
        free(snap);
        if (is_final(m, ec_order_state(o)) || ec_order_history_count(o) >= 40) {
            ec_order_free(o);
            o = random_order(&sm);
            orders++;
        }
    }
    th_expect_i64(bad, 0, "invariant violations", __FILE__, __LINE__);
    /* the sequence exercised every outcome */
    CU_ASSERT(applied > 50000);
    CU_ASSERT(refused > 50000);
    CU_ASSERT(dups > 5000);
    CU_ASSERT(orders > 10000);
    for (int k = 0; k < EC__ORDER_EFFECT_COUNT; k++) CU_ASSERT(seen[k] > 300);
    ec_order_free(o);
    ec_order_effects_free(fx);
    ec_order_event_free(ev);
}

static CU_TestInfo machine_tests[] = {
    {"test_order_json_default_machine_document", test_order_json_default_machine_document},
    {"test_order_json_machine_round_trip", test_order_json_machine_round_trip},
    {"test_order_json_machine_refusals", test_order_json_machine_refusals},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo document_tests[] = {
    {"test_order_json_order_round_trip", test_order_json_order_round_trip},
    {"test_order_json_order_defaults", test_order_json_order_defaults},
    {"test_order_json_history_times", test_order_json_history_times},
    {"test_order_json_order_refusals", test_order_json_order_refusals},
    {"test_order_json_event_fields", test_order_json_event_fields},
    {"test_order_json_event_refusals", test_order_json_event_refusals},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo apply_tests[] = {
    {"test_order_json_apply_output", test_order_json_apply_output},
    {"test_order_json_apply_errors", test_order_json_apply_errors},
    {"test_order_json_apply_custom_machine", test_order_json_apply_custom_machine},
    {"test_order_json_chaos", test_order_json_chaos},
    {"test_order_property_random_events", test_order_property_random_events},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_order_json_suites[] = {
    {"order.json.machine", NULL, NULL, NULL, NULL, machine_tests},
    {"order.json.documents", NULL, NULL, NULL, NULL, document_tests},
    {"order.json.apply", NULL, NULL, NULL, NULL, apply_tests},
    CU_SUITE_INFO_NULL,
};
