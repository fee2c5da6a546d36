/* test_escrow_json.c - the transfer and message documents: golden bytes,
 * round trips, reports read from an inventory, and refusals that name the
 * offending field.  Documents are written with single quotes (th_json). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"
#include "helpers.h"

#define T0 INT64_C(1795860000000000) /* 2026-11-28T10:00:00Z */

#define EXPECT_ERROR(st, e, status, field)                                                         \
    th_expect_error((st), &(e), (status), (field), __FILE__, __LINE__)
#define EXPECT_STR(a, b) th_expect_str((a), (b), #a, __FILE__, __LINE__)

static const char transfer_doc[] =
    "{'id':'t1','kind':'transfer','from':'east','to':'west','sku':'A',"
    "'at':'2026-11-28T10:00:00Z','quantity':9,"
    "'lines':[{'location':'hamburg','quantity':7},{'location':'berlin','quantity':2}]}";

static ec_status read_transfer(ec_escrow_transfer *t, const char *sq, ec_error *e)
{
    char *doc = th_json(sq);
    ec_status st = ec_escrow_transfer_from_json(t, doc, strlen(doc), e);
    free(doc);
    return st;
}

static ec_status read_message(ec_escrow_message *m, const char *sq, ec_error *e)
{
    char *doc = th_json(sq);
    ec_status st = ec_escrow_message_from_json(m, doc, strlen(doc), e);
    free(doc);
    return st;
}

static void test_escrow_json_transfer_round_trip(void)
{
    ec_escrow_transfer *t = ec_escrow_transfer_new();
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(read_transfer(t, transfer_doc, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_transfer_at(t), T0);
    CU_ASSERT_EQUAL(ec_escrow_transfer_quantity(t), 9);
    char *out = NULL, *want = th_json(transfer_doc);
    size_t len = 0;
    CU_ASSERT_EQUAL(ec_escrow_transfer_to_json(t, &out, &len), EC_OK);
    EXPECT_STR(out, want);
    CU_ASSERT_EQUAL(len, strlen(want));
    /* "kind" and "quantity" may be left out */
    CU_ASSERT_EQUAL(read_transfer(t,
                                  "{'id':'r','from':'west','to':'east','sku':'A',"
                                  "'at':'2026-11-28T10:00:00.5Z','lines':[{'location':'b',"
                                  "'quantity':1}]}",
                                  &e),
                    EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_transfer_kind(t), EC_ESCROW_TRANSFER);
    CU_ASSERT_EQUAL(ec_escrow_transfer_at(t), T0 + 500000);
    ec_free(out);
    free(want);
    ec_escrow_transfer_reset(t);
    CU_ASSERT_EQUAL(ec_escrow_transfer_to_json(t, &out, &len), EC_MISUSE);
    CU_ASSERT_PTR_NULL(out);
    ec_escrow_transfer_free(t);
}

static void test_escrow_json_transfer_refusals_name_the_field(void)
{
    static const struct {
        const char *doc;
        ec_status status;
        const char *field;
    } cases[] = {
        {"[]", EC_INVALID_FIELD, ""},
        {"{'id':'t','from':'e','to':'w','sku':'A','at':'2026-11-28T10:00:00Z','lines':[],"
         "'extra':1}",
         EC_INVALID_FIELD, "extra"},
        {"{'from':'e','to':'w','sku':'A','at':'2026-11-28T10:00:00Z','lines':[]}", EC_INVALID_FIELD,
         "id"},
        {"{'id':'t','kind':'gift','from':'e','to':'w','sku':'A','at':'x','lines':[]}",
         EC_INVALID_FIELD, "kind"},
        {"{'id':'t','from':'e','to':'e','sku':'A','at':'2026-11-28T10:00:00Z','lines':[]}",
         EC_INVALID_FIELD, "to"},
        {"{'id':'t','from':'e','to':'w','sku':'A','at':'yesterday','lines':[]}", EC_INVALID_FIELD,
         "at"},
        {"{'id':'t','from':'e','to':'w','sku':'A','at':'2026-11-28T10:00:00Z','lines':[]}",
         EC_INVALID_FIELD, "lines"},
        {"{'id':'t','from':'e','to':'w','sku':'A','at':'2026-11-28T10:00:00Z',"
         "'lines':[{'location':'b','quantity':0}]}",
         EC_INVALID_FIELD, "lines[0].quantity"},
        {"{'id':'t','from':'e','to':'w','sku':'A','at':'2026-11-28T10:00:00Z',"
         "'lines':[{'location':'b','quantity':1},{'location':'b','quantity':1}]}",
         EC_INVALID_FIELD, "lines[1].location"},
        {"{'id':'t','from':'e','to':'w','sku':'A','at':'2026-11-28T10:00:00Z',"
         "'lines':[{'location':'b','quantity':1,'x':2}]}",
         EC_INVALID_FIELD, "lines[0].x"},
        {"{'id':'t','from':'e','to':'w','sku':'A','at':'2026-11-28T10:00:00Z','quantity':3,"
         "'lines':[{'location':'b','quantity':1}]}",
         EC_INVALID_FIELD, "quantity"},
        {"{'id':'t'", EC_INVALID_JSON, ""},
    };
    ec_escrow_transfer *t = ec_escrow_transfer_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ec_error e = th_error();
        EXPECT_ERROR(read_transfer(t, cases[i].doc, &e), e, cases[i].status, cases[i].field);
        CU_ASSERT_PTR_NULL(ec_escrow_transfer_id(t)); /* a refused document leaves nothing */
    }
    ec_escrow_transfer_free(t);
}

static const char message_doc[] =
    "{'from':'east','to':'west','at':'2026-11-28T10:00:00Z','transfers':[{'id':'t1',"
    "'kind':'transfer','from':'east','to':'west','sku':'A','at':'2026-11-28T10:00:00Z',"
    "'quantity':2,'lines':[{'location':'hamburg','quantity':2}]}],'credited':['w1','w2'],"
    "'report':[{'sku':'A','rights':5,'demand':12,'locations':[{'location':'berlin','rights':1},"
    "{'location':'hamburg','rights':4}]},{'sku':'B','rights':0,'demand':3,'locations':[]}]}";

static void test_escrow_json_message_round_trip_and_report_from_inventory(void)
{
    ec_escrow_message *m = ec_escrow_message_new();
    ec_error e = th_error();
    CU_ASSERT_EQUAL_FATAL(read_message(m, message_doc, &e), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_message_transfer_count(m), 1);
    EXPECT_STR(ec_escrow_message_credited(m, 1), "w2");
    CU_ASSERT_EQUAL(ec_escrow_message_report_rights(m, 0), 5);
    CU_ASSERT_EQUAL(ec_escrow_message_report_demand(m, 1), 3);
    EXPECT_STR(ec_escrow_message_report_location(m, 0, 1), "hamburg");
    CU_ASSERT_EQUAL(ec_escrow_message_report_location_rights(m, 0, 1), 4);
    CU_ASSERT_PTR_NULL(ec_escrow_message_report_location(m, 0, 2));
    char *out = NULL, *want = th_json(message_doc);
    CU_ASSERT_EQUAL(ec_escrow_message_to_json(m, &out, NULL), EC_OK);
    EXPECT_STR(out, want);
    ec_free(out);
    free(want);
    /* the same report made from an inventory: A at berlin 1, hamburg 6 (2
     * reserved), munich 0 (no rights: not listed) */
    ec_inventory *inv = ec_inventory_new();
    CU_ASSERT_EQUAL(ec_inventory_set(inv, "A", "hamburg", 6, NULL, NULL, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_set(inv, "A", "berlin", 1, NULL, NULL, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_set(inv, "A", "munich", 0, NULL, NULL, NULL, NULL), EC_OK);
    ec_inventory_request *req = ec_inventory_request_new();
    ec_inventory_request_set_id(req, "r1", NULL);
    ec_inventory_request_set_at(req, T0, NULL);
    ec_inventory_request_set_ttl(req, 60, NULL);
    ec_inventory_request_add_line(req, "A", 2, NULL);
    ec_inventory_request_add_location(req, "hamburg", NULL);
    CU_ASSERT_EQUAL(ec_inventory_reserve(inv, req, NULL, NULL), EC_OK);
    ec_escrow_message_reset(m);
    CU_ASSERT_EQUAL(ec_escrow_message_set(m, "east", "west", T0, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_message_add_report(m, inv, "A", 12, T0, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_message_add_report(m, inv, "B", 3, T0, NULL), EC_OK);
    EXPECT_ERROR(ec_escrow_message_add_report(m, inv, "A", 1, T0, &e), e, EC_INVALID_FIELD, "sku");
    ec_escrow_transfer *t = ec_escrow_transfer_new();
    ec_escrow_transfer_set(t, "t1", 0, "east", "west", "A", T0, NULL);
    ec_escrow_transfer_add_line(t, "hamburg", 2, NULL);
    CU_ASSERT_EQUAL(ec_escrow_message_add_transfer(m, t, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_message_add_credited(m, "w1", NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_message_add_credited(m, "w2", NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_escrow_message_to_json(m, &out, NULL), EC_OK);
    want = th_json(message_doc);
    EXPECT_STR(out, want);
    ec_free(out);
    free(want);
    ec_escrow_transfer_set(t, "t2", 0, "west", "east", "A", T0, NULL);
    EXPECT_ERROR(ec_escrow_message_add_transfer(m, t, &e), e, EC_INVALID_FIELD, "from");
    ec_escrow_transfer_free(t);
    ec_inventory_request_free(req);
    ec_inventory_free(inv);
    ec_escrow_message_free(m);
}

static void test_escrow_json_message_refusals_name_the_field(void)
{
    static const struct {
        const char *doc;
        ec_status status;
        const char *field;
    } cases[] = {
        {"{'from':'east','at':'2026-11-28T10:00:00Z'}", EC_INVALID_FIELD, "to"},
        {"{'from':'east','to':'east','at':'2026-11-28T10:00:00Z'}", EC_INVALID_FIELD, "to"},
        {"{'from':'east','to':'west','at':'2026-11-28T10:00:00Z','credited':[1]}", EC_INVALID_FIELD,
         "credited[0]"},
        {"{'from':'east','to':'west','at':'2026-11-28T10:00:00Z','credited':'t1'}",
         EC_INVALID_FIELD, "credited"},
        {"{'from':'east','to':'west','at':'2026-11-28T10:00:00Z','transfers':[{'id':'t',"
         "'from':'north','to':'west','sku':'A','at':'2026-11-28T10:00:00Z',"
         "'lines':[{'location':'b','quantity':1}]}]}",
         EC_INVALID_FIELD, "transfers[0].from"},
        {"{'from':'east','to':'west','at':'2026-11-28T10:00:00Z','transfers':[{'id':'t',"
         "'from':'east','to':'west','sku':'A','at':'2026-11-28T10:00:00Z',"
         "'lines':[{'location':'b','quantity':-1}]}]}",
         EC_INVALID_FIELD, "transfers[0].lines[0].quantity"},
        {"{'from':'east','to':'west','at':'2026-11-28T10:00:00Z','report':[{'sku':'A',"
         "'rights':2,'demand':0,'locations':[{'location':'b','rights':1}]}]}",
         EC_INVALID_FIELD, "report[0].rights"},
        {"{'from':'east','to':'west','at':'2026-11-28T10:00:00Z','report':[{'sku':'A',"
         "'rights':2,'demand':0,'locations':[{'location':'b','rights':1},"
         "{'location':'b','rights':1}]}]}",
         EC_INVALID_FIELD, "report[0].locations[1].location"},
        {"{'from':'east','to':'west','at':'2026-11-28T10:00:00Z','report':[{'sku':'A',"
         "'rights':0,'demand':-1}]}",
         EC_INVALID_FIELD, "report[0].demand"},
        {"{'from':'east','to':'west','at':'2026-11-28T10:00:00Z','report':[{'sku':'A',"
         "'rights':0,'demand':0},{'sku':'A','rights':0,'demand':0}]}",
         EC_INVALID_FIELD, "report[1].sku"},
    };
    ec_escrow_message *m = ec_escrow_message_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ec_error e = th_error();
        EXPECT_ERROR(read_message(m, cases[i].doc, &e), e, cases[i].status, cases[i].field);
        CU_ASSERT_PTR_NULL(ec_escrow_message_from(m));
        CU_ASSERT_EQUAL(ec_escrow_message_report_count(m), 0);
    }
    char *out = NULL;
    CU_ASSERT_EQUAL(ec_escrow_message_to_json(m, &out, NULL), EC_MISUSE);
    ec_escrow_message_free(m);
}

static CU_TestInfo escrow_json_tests[] = {
    {"test_escrow_json_transfer_round_trip", test_escrow_json_transfer_round_trip},
    {"test_escrow_json_transfer_refusals_name_the_field",
     test_escrow_json_transfer_refusals_name_the_field},
    {"test_escrow_json_message_round_trip_and_report_from_inventory",
     test_escrow_json_message_round_trip_and_report_from_inventory},
    {"test_escrow_json_message_refusals_name_the_field",
     test_escrow_json_message_refusals_name_the_field},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_escrow_json_suites[] = {
    {"escrow.json", NULL, NULL, NULL, NULL, escrow_json_tests},
    CU_SUITE_INFO_NULL,
};
