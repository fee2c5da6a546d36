/* test_inventory_json.c - the inventory JSON facade: state documents in and
 * out, operation documents, result documents, and every conformance case
 * of tests/conformance/inventory/ (the unit binary runs from the repository
 * root).
 *
 * Result documents are compared as exact bytes where the facade promises
 * its own format (golden strings written by hand from docs/reference/inventory.md), and by
 * the conformance README's rules for the shared cases. */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"
#include "inventory/inventory_internal.h"

#define CASES_DIR "tests/conformance/inventory"

/* JSON in C literals with ' for " (no document here needs a real '). */
static char *dq(const char *sq)
{
    size_t n = strlen(sq);
    char *s = malloc(n + 1);
    for (size_t i = 0; s && i <= n; i++) s[i] = sq[i] == '\'' ? '"' : sq[i];
    return s;
}

static ec_inventory *load(const char *sq, ec_error *err)
{
    char *doc = dq(sq);
    ec_inventory *inv = NULL;
    if (ec_inventory_from_json(doc, strlen(doc), NULL, &inv, err) != EC_OK) inv = NULL;
    free(doc);
    return inv;
}

/* Apply a single-quoted operation; returns the result document (static
 * copy) and the status in *st. */
static const char *apply(ec_inventory *inv, const char *sq, ec_status *st)
{
    static char copy[4096];
    char *doc = dq(sq), *out = NULL;
    ec_error e;
    *st = ec_inventory_apply_json(inv, doc, strlen(doc), &out, NULL, &e);
    snprintf(copy, sizeof copy, "%s", out ? out : "(null)");
    ec_free(out);
    free(doc);
    return copy;
}

/* Compare a result with a single-quoted golden document, with a diff. */
#define EXPECT_DOC(got, want_sq) expect_doc((got), (want_sq), __LINE__)

static void expect_doc(const char *got, const char *want_sq, int line)
{
    char *want = dq(want_sq);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n  %s:%d:\n    got  %s\n    want %s\n", __FILE__, line, got, want);
    CU_assertImplementation(strcmp(got, want) == 0, (unsigned)line, "result document differs",
                            __FILE__, "", CU_FALSE);
    free(want);
}

static char *state_of(const ec_inventory *inv)
{
    char *out = NULL;
    CU_ASSERT_EQUAL(ec_inventory_to_json(inv, &out, NULL), EC_OK);
    return out;
}

static const char *shop_state =
    "{'stock':[{'sku':'A','location':'hamburg','on_hand':3},"
    "{'sku':'A','location':'berlin','on_hand':2,'safety_stock':null},"
    "{'sku':'B','location':'berlin','on_hand':5,'safety_stock':1,'backorder_limit':2}]}";

/* ---- state documents ------------------------------------------------------------------ */

static void test_inventory_json_state_round_trip(void)
{
    ec_error e;
    ec_inventory *inv =
        load("{'reservations':[{'id':'r2','lines':[{'sku':'A','location':'x','quantity':2}],"
             "'status':'committed','expires_at':'2026-11-28T11:00:00+01:00','order':'o1'},"
             "{'id':'r1','lines':[{'sku':'B','location':'y','quantity':1},"
             "{'sku':'A','location':'x','quantity':1}],'status':'active',"
             "'expires_at':'2028-02-29T23:59:59.250Z','order':null}],"
             "'stock':[{'sku':'B','location':'y','on_hand':-1,'backorder_limit':4},"
             "{'sku':'A','location':'x','on_hand':9,'safety_stock':1},"
             "{'sku':'A','location':'w','on_hand':0}]}",
             &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
    char *out = state_of(inv);
    EXPECT_DOC(
        out,
        "{'stock':[{'sku':'A','location':'w','on_hand':0,'safety_stock':0,'backorder_limit':0},"
        "{'sku':'A','location':'x','on_hand':9,'safety_stock':1,'backorder_limit':0},"
        "{'sku':'B','location':'y','on_hand':-1,'safety_stock':0,'backorder_limit':4}],"
        "'reservations':[{'id':'r1','lines':[{'sku':'B','location':'y','quantity':1},"
        "{'sku':'A','location':'x','quantity':1}],'status':'active',"
        "'expires_at':'2028-02-29T23:59:59.25Z'},"
        "{'id':'r2','lines':[{'sku':'A','location':'x','quantity':2}],'status':'committed',"
        "'expires_at':'2026-11-28T10:00:00Z','order':'o1'}]}");
    /* held stock survives the trip: 9 - 1 - 3 */
    ec_inventory_result *r = ec_inventory_result_new();
    CU_ASSERT_EQUAL(ec_inventory_available(inv, "A", INT64_C(1795860000000000), r, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_inventory_result_location_available(r, 1), 5);
    ec_inventory *again = NULL;
    CU_ASSERT_EQUAL(ec_inventory_from_json(out, strlen(out), NULL, &again, &e), EC_OK);
    char *out2 = state_of(again);
    CU_ASSERT_STRING_EQUAL(out, out2);
    ec_free(out2);
    ec_free(out);
    ec_inventory_result_free(r);
    ec_inventory_free(again);
    ec_inventory_free(inv);
}

/* Equal states give equal bytes, whatever order they were built in. */
static void test_inventory_json_state_is_deterministic(void)
{
    ec_error e;
    ec_inventory *a = load("{'stock':[{'sku':'B','location':'b','on_hand':1},"
                           "{'sku':'A','location':'b','on_hand':1},"
                           "{'sku':'A','location':'a','on_hand':1}]}",
                           &e);
    ec_inventory *b = ec_inventory_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    ec_inventory_set(b, "A", "a", 1, NULL, NULL, NULL, NULL);
    ec_inventory_set(b, "B", "b", 1, NULL, NULL, NULL, NULL);
    ec_inventory_set(b, "A", "b", 1, NULL, NULL, NULL, NULL);
    char *sa = state_of(a), *sb = state_of(b);
    CU_ASSERT_STRING_EQUAL(sa, sb);
    ec_free(sa);
    ec_free(sb);
    ec_inventory *empty = load("{}", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
    char *se = state_of(empty);
    EXPECT_DOC(se, "{'stock':[],'reservations':[]}");
    ec_free(se);
    ec_inventory_free(empty);
    ec_inventory_free(a);
    ec_inventory_free(b);
}

static void expect_refused(const char *sq, ec_status status, const char *field)
{
    ec_error e;
    ec_error_clear(&e);
    char *doc = dq(sq);
    ec_inventory *inv = (ec_inventory *)1;
    ec_status st = ec_inventory_from_json(doc, strlen(doc), NULL, &inv, &e);
    if (st != status || strcmp(e.field, field) != 0)
        fprintf(stderr, "\n  %s\n    got %s at '%s' (%s), want %s at '%s'\n", doc,
                ec_status_name(st), e.field, e.message, ec_status_name(status), field);
    CU_ASSERT_EQUAL(st, status);
    CU_ASSERT_STRING_EQUAL(e.field, field);
    CU_ASSERT_PTR_NULL(inv);
    CU_ASSERT_TRUE(e.message[0] != '\0');
    free(doc);
}

static void test_inventory_json_state_refusals(void)
{
    const char *stock = "'stock':[{'sku':'A','location':'x','on_hand':1}]";
    char doc[512];
    expect_refused("{'stock':[}", EC_INVALID_JSON, "");
    expect_refused("[]", EC_INVALID_FIELD, "");
    expect_refused("{'stok':[]}", EC_INVALID_FIELD, "stok");
    expect_refused("{'stock':{}}", EC_INVALID_FIELD, "stock");
    expect_refused("{'stock':[{'sku':'A','location':'x'}]}", EC_INVALID_FIELD, "stock[0].on_hand");
    expect_refused("{'stock':[{'sku':'A','location':'x','on_hand':'1'}]}", EC_INVALID_FIELD,
                   "stock[0].on_hand");
    expect_refused("{'stock':[{'sku':'A','location':'x','on_hand':1.5}]}", EC_INVALID_FIELD,
                   "stock[0].on_hand");
    expect_refused("{'stock':[{'sku':'A','location':'x','on_hand':1,'safety_stock':-1}]}",
                   EC_INVALID_FIELD, "stock[0].safety_stock");
    expect_refused("{'stock':[{'sku':'','location':'x','on_hand':1}]}", EC_INVALID_FIELD,
                   "stock[0].sku");
    expect_refused("{'stock':[{'sku':'A','location':'x','on_hand':1,'extra':1}]}", EC_INVALID_FIELD,
                   "stock[0].extra");
    expect_refused("{'stock':[{'sku':'A','location':'x','on_hand':1},"
                   "{'sku':'A','location':'x','on_hand':2}]}",
                   EC_INVALID_FIELD, "stock[1].location");
#define RES(body) (snprintf(doc, sizeof doc, "{%s,'reservations':[%s]}", stock, body), doc)
    expect_refused(RES("{'id':'r','lines':[{'sku':'A','location':'y','quantity':1}],"
                       "'status':'active','expires_at':'2026-11-28T10:00:00Z'}"),
                   EC_INVALID_FIELD, "reservations[0].lines[0].location");
    expect_refused(RES("{'id':'r','lines':[{'sku':'A','location':'x','quantity':0}],"
                       "'status':'active','expires_at':'2026-11-28T10:00:00Z'}"),
                   EC_INVALID_FIELD, "reservations[0].lines[0].quantity");
    expect_refused(RES("{'id':'r','lines':[],'status':'active',"
                       "'expires_at':'2026-11-28T10:00:00Z'}"),
                   EC_INVALID_FIELD, "reservations[0].lines");
    expect_refused(RES("{'id':'r','lines':[{'sku':'A','location':'x','quantity':1}],"
                       "'status':'held','expires_at':'2026-11-28T10:00:00Z'}"),
                   EC_INVALID_FIELD, "reservations[0].status");
    expect_refused(RES("{'id':'r','lines':[{'sku':'A','location':'x','quantity':1}],"
                       "'status':'active','expires_at':'2026-11-28 10:00:00Z'}"),
                   EC_INVALID_FIELD, "reservations[0].expires_at");
    expect_refused(RES("{'id':'r','lines':[{'sku':'A','location':'x','quantity':1}],"
                       "'status':'shipped','expires_at':'2026-11-28T10:00:00Z'}"),
                   EC_INVALID_FIELD, "reservations[0].order");
    expect_refused(RES("{'id':'r','lines':[{'sku':'A','location':'x','quantity':1}],"
                       "'status':'active','expires_at':'2026-11-28T10:00:00Z'},"
                       "{'id':'r','lines':[{'sku':'A','location':'x','quantity':1}],"
                       "'status':'released','expires_at':'2026-11-28T10:00:00Z'}"),
                   EC_INVALID_FIELD, "reservations[1].id");
    expect_refused(RES("{'id':'r','lines':[{'sku':'A','location':'x','quantity':1}],"
                       "'status':'active'}"),
                   EC_INVALID_FIELD, "reservations[0].expires_at");
#undef RES
    ec_inventory *inv = NULL;
    CU_ASSERT_EQUAL(ec_inventory_from_json("{}", 2, NULL, NULL, NULL), EC_MISUSE);
    CU_ASSERT_EQUAL(ec_inventory_from_json(NULL, 5, NULL, &inv, NULL), EC_MISUSE);
    char *out = (char *)1;
    CU_ASSERT_EQUAL(ec_inventory_to_json(NULL, &out, NULL), EC_MISUSE);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_EQUAL(ec_inventory_to_json(inv, NULL, NULL), EC_MISUSE);
}

/* ---- operations ------------------------------------------------------------------------- */

static void test_inventory_json_operation_results(void)
{
    ec_error e;
    ec_status st = EC_OK;
    ec_inventory *inv = load(shop_state, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
    EXPECT_DOC(apply(inv,
                     "{'op':'reserve','id':'r1','lines':[{'sku':'A','quantity':2},"
                     "{'sku':'B','quantity':1},{'sku':'A','quantity':2}],'ttl_seconds':90,"
                     "'at':'2026-11-28T11:00:00.5+01:00','strategy':null,'locations':null}",
                     &st),
               "{'ok':true,'id':'r1','duplicate':false,'status':'active','lines':["
               "{'sku':'A','location':'berlin','quantity':2},{'sku':'A','location':'hamburg',"
               "'quantity':2},{'sku':'B','location':'berlin','quantity':1}],"
               "'expires_at':'2026-11-28T10:01:30.5Z'}");
    CU_ASSERT_EQUAL(st, EC_OK);
    EXPECT_DOC(apply(inv,
                     "{'op':'reserve','id':'r1','lines':[{'sku':'B','quantity':1},"
                     "{'sku':'A','quantity':4}],'ttl_seconds':5,'at':'2026-11-28T10:00:01Z'}",
                     &st),
               "{'ok':true,'id':'r1','duplicate':true,'status':'active','lines':["
               "{'sku':'A','location':'berlin','quantity':2},{'sku':'A','location':'hamburg',"
               "'quantity':2},{'sku':'B','location':'berlin','quantity':1}],"
               "'expires_at':'2026-11-28T10:01:30.5Z'}");
    EXPECT_DOC(apply(inv, "{'op':'available','sku':'A','at':'2026-11-28T10:00:00Z'}", &st),
               "{'ok':true,'sku':'A','available':1,'locations':{'berlin':0,'hamburg':1}}");
    EXPECT_DOC(
        apply(inv, "{'op':'commit','id':'r1','order':'o-1','at':'2026-11-28T10:01:00Z'}", &st),
        "{'ok':true,'id':'r1','duplicate':false,'status':'committed','order':'o-1',"
        "'lines':[{'sku':'A','location':'berlin','quantity':2},{'sku':'A','location':"
        "'hamburg','quantity':2},{'sku':'B','location':'berlin','quantity':1}],"
        "'expires_at':'2026-11-28T10:01:30.5Z'}");
    EXPECT_DOC(apply(inv, "{'op':'ship','id':'r1'}", &st),
               "{'ok':true,'id':'r1','duplicate':false,'status':'shipped','order':'o-1',"
               "'lines':[{'sku':'A','location':'berlin','quantity':2},{'sku':'A','location':"
               "'hamburg','quantity':2},{'sku':'B','location':'berlin','quantity':1}],"
               "'expires_at':'2026-11-28T10:01:30.5Z'}");
    EXPECT_DOC(apply(inv, "{'op':'set','sku':'A','location':'berlin','on_hand':7}", &st),
               "{'ok':true,'sku':'A','location':'berlin','on_hand':7,'safety_stock':0,"
               "'backorder_limit':0}");
    EXPECT_DOC(apply(inv,
                     "{'op':'set','sku':'A','location':'berlin','on_hand':7,'safety_stock':1,"
                     "'backorder_limit':null}",
                     &st),
               "{'ok':true,'sku':'A','location':'berlin','on_hand':7,'safety_stock':1,"
               "'backorder_limit':0}");
    EXPECT_DOC(apply(inv, "{'op':'receive','sku':'C','location':'paris','quantity':4}", &st),
               "{'ok':true,'sku':'C','location':'paris','on_hand':4,'safety_stock':0,"
               "'backorder_limit':0}");
    EXPECT_DOC(apply(inv,
                     "{'op':'reserve','id':'r2','lines':[{'sku':'C','quantity':1}],"
                     "'ttl_seconds':60,'at':'2026-11-28T10:00:00Z','locations':['paris'],"
                     "'strategy':'single'}",
                     &st),
               "{'ok':true,'id':'r2','duplicate':false,'status':'active','lines':["
               "{'sku':'C','location':'paris','quantity':1}],'expires_at':'2026-11-28T10:01:00Z'}");
    EXPECT_DOC(apply(inv, "{'op':'release','id':'r2'}", &st),
               "{'ok':true,'id':'r2','duplicate':false,'status':'released','lines':["
               "{'sku':'C','location':'paris','quantity':1}],'expires_at':'2026-11-28T10:01:00Z'}");
    EXPECT_DOC(apply(inv,
                     "{'op':'reserve','id':'r3','lines':[{'sku':'C','quantity':1}],"
                     "'ttl_seconds':60,'at':'2026-11-28T10:00:00Z'}",
                     &st),
               "{'ok':true,'id':'r3','duplicate':false,'status':'active','lines':["
               "{'sku':'C','location':'paris','quantity':1}],'expires_at':'2026-11-28T10:01:00Z'}");
    EXPECT_DOC(apply(inv, "{'op':'expire','at':'2026-11-28T10:05:00Z'}", &st),
               "{'ok':true,'expired':['r3']}");
    EXPECT_DOC(apply(inv, "{'op':'expire','at':'2026-11-28T10:05:00Z'}", &st),
               "{'ok':true,'expired':[]}");
    EXPECT_DOC(apply(inv, "{'op':'available','sku':'nothing','at':'2026-11-28T10:00:00Z'}", &st),
               "{'ok':true,'sku':'nothing','available':0,'locations':{}}");
    CU_ASSERT_EQUAL(st, EC_OK);
    CU_ASSERT_PTR_NULL(ec__inventory_check(inv));
    ec_inventory_free(inv);
}

static void test_inventory_json_operation_failures(void)
{
    ec_error e;
    ec_status st = EC_OK;
    ec_inventory *inv = load(shop_state, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
    EXPECT_DOC(apply(inv,
                     "{'op':'reserve','id':'r1','lines':[{'sku':'B','quantity':1},"
                     "{'sku':'A','quantity':4},{'sku':'A','quantity':2}],'ttl_seconds':60,"
                     "'at':'2026-11-28T10:00:00Z'}",
                     &st),
               "{'ok':false,'error':{'code':'insufficient_stock','message':'not enough \\'A\\': "
               "6 requested, 5 available','field':'lines[1].quantity','sku':'A','requested':6,"
               "'available':5}}");
    CU_ASSERT_EQUAL(st, EC_INSUFFICIENT_STOCK);
    EXPECT_DOC(apply(inv, "{'op':'ship','id':'nope'}", &st),
               "{'ok':false,'error':{'code':'not_found','message':'no reservation \\'nope\\'',"
               "'field':'id'}}");
    CU_ASSERT_EQUAL(st, EC_NOT_FOUND);
    EXPECT_DOC(apply(inv, "{'op':'ship'", &st),
               "{'ok':false,'error':{'code':'invalid_json','message':'the document is not valid "
               "JSON (near byte 11)'}}");
    CU_ASSERT_EQUAL(st, EC_INVALID_JSON);
    struct {
        const char *op, *code, *field;
    } bad[] = {
        {"[]", "invalid_field", ""},
        {"{}", "invalid_field", "op"},
        {"{'op':'burn'}", "invalid_field", "op"},
        {"{'op':7}", "invalid_field", "op"},
        {"{'op':'ship','id':'r','order':'o'}", "invalid_field", "order"},
        {"{'op':'ship','id':''}", "invalid_field", "id"},
        {"{'op':'release'}", "invalid_field", "id"},
        {"{'op':'set','sku':'A','location':'x'}", "invalid_field", "on_hand"},
        {"{'op':'set','sku':'A','location':'x','on_hand':-2}", "invalid_field", "on_hand"},
        {"{'op':'set','sku':'A','location':'x','on_hand':2,'safety_stock':'1'}", "invalid_field",
         "safety_stock"},
        {"{'op':'receive','sku':'A','location':'x','quantity':0}", "invalid_field", "quantity"},
        {"{'op':'receive','sku':'A','quantity':1}", "invalid_field", "location"},
        {"{'op':'reserve','id':'r','lines':[],'ttl_seconds':1,'at':'2026-11-28T10:00:00Z'}",
         "invalid_field", "lines"},
        {"{'op':'reserve','id':'r','lines':[{'sku':'A'}],'ttl_seconds':1,"
         "'at':'2026-11-28T10:00:00Z'}",
         "invalid_field", "lines[0].quantity"},
        {"{'op':'reserve','id':'r','lines':[{'sku':'A','quantity':1,'x':1}],'ttl_seconds':1,"
         "'at':'2026-11-28T10:00:00Z'}",
         "invalid_field", "lines[0].x"},
        {"{'op':'reserve','id':'r','lines':[{'sku':'A','quantity':1000001}],'ttl_seconds':1,"
         "'at':'2026-11-28T10:00:00Z'}",
         "invalid_field", "lines[0].quantity"},
        {"{'op':'reserve','id':'r','lines':[{'sku':'A','quantity':1}],'ttl_seconds':0,"
         "'at':'2026-11-28T10:00:00Z'}",
         "invalid_field", "ttl_seconds"},
        {"{'op':'reserve','id':'r','lines':[{'sku':'A','quantity':1}],'ttl_seconds':1}",
         "invalid_field", "at"},
        {"{'op':'reserve','id':'r','lines':[{'sku':'A','quantity':1}],'ttl_seconds':1,"
         "'at':'yesterday'}",
         "invalid_field", "at"},
        {"{'op':'reserve','id':'r','lines':[{'sku':'A','quantity':1}],'ttl_seconds':1,"
         "'at':'2026-11-28T10:00:00Z','locations':[]}",
         "invalid_field", "locations"},
        {"{'op':'reserve','id':'r','lines':[{'sku':'A','quantity':1}],'ttl_seconds':1,"
         "'at':'2026-11-28T10:00:00Z','locations':['x',3]}",
         "invalid_field", "locations[1]"},
        {"{'op':'reserve','id':'r','lines':[{'sku':'A','quantity':1}],'ttl_seconds':1,"
         "'at':'2026-11-28T10:00:00Z','locations':['x','x']}",
         "invalid_field", "locations[1]"},
        {"{'op':'reserve','id':'r','lines':[{'sku':'A','quantity':1}],'ttl_seconds':1,"
         "'at':'2026-11-28T10:00:00Z','strategy':'fastest'}",
         "invalid_field", "strategy"},
        {"{'op':'reserve','id':'r','lines':[{'sku':'A','quantity':1}],'ttl_seconds':60,"
         "'at':'9999-12-31T23:59:30Z'}",
         "invalid_field", "ttl_seconds"},
        {"{'op':'commit','id':'r','order':'o'}", "invalid_field", "at"},
        {"{'op':'commit','id':'r','order':'o','at':'2026-11-28T10:00:00Z'}", "not_found", "id"},
        {"{'op':'expire'}", "invalid_field", "at"},
        {"{'op':'available','sku':'A','location':'x','at':'2026-11-28T10:00:00Z'}", "invalid_field",
         "location"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *got = apply(inv, bad[i].op, &st);
        cJSON *doc = cJSON_Parse(got);
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(err, "code");
        const cJSON *field = cJSON_GetObjectItemCaseSensitive(err, "field");
        const char *fs = cJSON_IsString(field) ? field->valuestring : "";
        int ok = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(doc, "ok")) &&
                 cJSON_IsString(code) && strcmp(code->valuestring, bad[i].code) == 0 &&
                 strcmp(fs, bad[i].field) == 0 && strcmp(ec_status_name(st), bad[i].code) == 0;
        if (!ok)
            fprintf(stderr, "\n  %s\n    got %s\n    want %s at '%s'\n", bad[i].op, got,
                    bad[i].code, bad[i].field);
        CU_ASSERT_TRUE(ok);
        cJSON_Delete(doc);
    }
    /* none of that changed anything */
    char *out = state_of(inv);
    ec_inventory *fresh = load(shop_state, &e);
    char *want = state_of(fresh);
    CU_ASSERT_STRING_EQUAL(out, want);
    ec_free(out);
    ec_free(want);
    ec_inventory_free(fresh);
    ec_inventory_free(inv);
}

static void test_inventory_json_view_and_misuse(void)
{
    ec_error e;
    ec_inventory *inv = load(shop_state, &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
    const char *out = NULL;
    size_t n = 0;
    const char *op = "{\"op\":\"available\",\"sku\":\"B\",\"at\":\"2026-11-28T10:00:00Z\"}";
    CU_ASSERT_EQUAL(ec_inventory_apply_json_view(inv, op, strlen(op), &out, &n, NULL), EC_OK);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(n, strlen(out));
    CU_ASSERT_STRING_EQUAL(out, "{\"ok\":true,\"sku\":\"B\",\"available\":6,"
                                "\"locations\":{\"berlin\":6}}");
    /* the length bounds the document: trailing bytes are not read */
    CU_ASSERT_EQUAL(ec_inventory_apply_json_view(inv, "{\"op\":\"ship\",\"id\":\"x\"}garbage", 22,
                                                 &out, &n, &e),
                    EC_NOT_FOUND);
    CU_ASSERT_PTR_NOT_NULL(out);
    CU_ASSERT_EQUAL(ec_inventory_apply_json_view(inv, "", 0, &out, NULL, &e), EC_INVALID_JSON);
    CU_ASSERT_PTR_NOT_NULL(out);
    CU_ASSERT_EQUAL(ec_inventory_apply_json_view(NULL, op, strlen(op), &out, &n, &e), EC_MISUSE);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_EQUAL(ec_inventory_apply_json(inv, op, strlen(op), NULL, NULL, &e), EC_MISUSE);
    char *owned = (char *)1;
    CU_ASSERT_EQUAL(ec_inventory_apply_json(NULL, op, strlen(op), &owned, NULL, NULL), EC_MISUSE);
    CU_ASSERT_PTR_NULL(owned);
    CU_ASSERT_EQUAL(ec_inventory_apply_json(inv, NULL, 3, &owned, NULL, &e), EC_MISUSE);
    CU_ASSERT_PTR_NOT_NULL(owned); /* the refusal is a result document too */
    ec_free(owned);
    ec_inventory_free(inv);
}

/* ---- the shared conformance cases ---------------------------------------------------------- */

static int json_equal(const cJSON *a, const cJSON *b)
{
    return a && b && cJSON_Compare(a, b, 1);
}

/* Compare result `got` with the expected entry by the README's rules;
 * NULL when it matches, else what differs. */
static const char *mismatch(const cJSON *op, const cJSON *got, const cJSON *want)
{
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(got, "ok");
    const cJSON *want_ok = cJSON_GetObjectItemCaseSensitive(want, "ok");
    if (!ok || !cJSON_IsBool(ok) || cJSON_IsTrue(ok) != cJSON_IsTrue(want_ok)) return "ok";
    if (cJSON_IsFalse(want_ok)) {
        const cJSON *err = cJSON_GetObjectItemCaseSensitive(got, "error");
        return json_equal(cJSON_GetObjectItemCaseSensitive(err, "code"),
                          cJSON_GetObjectItemCaseSensitive(want, "code"))
                   ? NULL
                   : "error.code";
    }
    const char *kind = cJSON_GetObjectItemCaseSensitive(op, "op")->valuestring;
    static const char *const keys[] = {"available", "locations", "duplicate"};
    for (int k = 0; k < 3; k++) {
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(want, keys[k]);
        if (!w) continue;
        if (k == 2 && strcmp(kind, "reserve") != 0) continue;
        if (k < 2 && strcmp(kind, "available") != 0) continue;
        if (!json_equal(cJSON_GetObjectItemCaseSensitive(got, keys[k]), w)) return keys[k];
    }
    return NULL;
}

static void report(const char *name, int i, const cJSON *op, const char *got, const cJSON *want,
                   const char *what)
{
    char *o = cJSON_PrintUnformatted(op), *w = cJSON_PrintUnformatted(want);
    fprintf(stderr,
            "\n  FAIL %s operation %d (%s differs)\n    op   %s\n    want %s\n    got  %s\n", name,
            i, what, o, w, got);
    cJSON_free(o);
    cJSON_free(w);
}

/* Run one case through both output flavours; 1 when every result matches. */
static int run_case(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    cJSON *c = cJSON_Parse(buf);
    if (!c) return 0;
    const char *name = cJSON_GetObjectItemCaseSensitive(c, "name")->valuestring;
    char *state = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c, "state"));
    ec_inventory *a = NULL, *b = NULL;
    ec_error e;
    int ok = ec_inventory_from_json(state, strlen(state), NULL, &a, &e) == EC_OK &&
             ec_inventory_from_json(state, strlen(state), NULL, &b, &e) == EC_OK;
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(c, "ops");
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(c, "expected")->child;
    int i = 0;
    for (const cJSON *op = ops->child; ok && op; op = op->next, want = want->next, i++) {
        char *doc = cJSON_PrintUnformatted(op), *out = NULL;
        const char *view = NULL;
        ec_inventory_apply_json(a, doc, strlen(doc), &out, NULL, &e);
        ec_inventory_apply_json_view(b, doc, strlen(doc), &view, NULL, &e);
        cJSON *got = out ? cJSON_Parse(out) : NULL;
        const char *what = !got ? "parse" : mismatch(op, got, want);
        if (!what && strcmp(out, view) != 0) what = "view vs owned output";
        if (!what && ec__inventory_check(a)) what = ec__inventory_check(a);
        if (what) report(name, i, op, out ? out : "(null)", want, what);
        ok = !what;
        cJSON_Delete(got);
        ec_free(out);
        cJSON_free(doc);
    }
    if (ok) {
        char *sa = NULL, *sb = NULL;
        ok = ec_inventory_to_json(a, &sa, NULL) == EC_OK &&
             ec_inventory_to_json(b, &sb, NULL) == EC_OK && strcmp(sa, sb) == 0;
        ec_free(sa);
        ec_free(sb);
    }
    ec_inventory_free(a);
    ec_inventory_free(b);
    cJSON_free(state);
    cJSON_Delete(c);
    return ok;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_inventory_json_conformance_cases(void)
{
    DIR *d = opendir(CASES_DIR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    char *names[1024];
    size_t n = 0, passed = 0;
    for (struct dirent *ent; (ent = readdir(d)) && n < 1024;) {
        size_t len = strlen(ent->d_name);
        if (len > 5 && strcmp(ent->d_name + len - 5, ".json") == 0)
            names[n++] = strdup(ent->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", CASES_DIR, names[i]);
        passed += (size_t)run_case(path);
        free(names[i]);
    }
    if (passed != n)
        fprintf(stderr, "\n  inventory conformance: %zu of %zu cases pass\n", passed, n);
    CU_ASSERT_TRUE(n >= 60);
    CU_ASSERT_EQUAL(passed, n);
}

static CU_TestInfo state_tests[] = {
    {"state_round_trip", test_inventory_json_state_round_trip},
    {"state_is_deterministic", test_inventory_json_state_is_deterministic},
    {"state_refusals", test_inventory_json_state_refusals},
    CU_TEST_INFO_NULL,
};

static CU_TestInfo op_tests[] = {
    {"operation_results", test_inventory_json_operation_results},
    {"operation_failures", test_inventory_json_operation_failures},
    {"view_and_misuse", test_inventory_json_view_and_misuse},
    {"conformance_cases", test_inventory_json_conformance_cases},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_inventory_json_suites[] = {
    {.pName = "inventory.json_state", .pTests = state_tests},
    {.pName = "inventory.json_ops", .pTests = op_tests},
    CU_SUITE_INFO_NULL,
};
