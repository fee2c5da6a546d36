/* test_json_check.c - ec_json_check(): the facade's reading rules for
 * documents a caller reads itself. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "helpers.h"

static void check(const char *doc, ec_status want, const char *field, unsigned line)
{
    ec_error e = th_error();
    ec_status st = ec_json_check(doc, strlen(doc), &e);
    th_expect_error(st, &e, want, want == EC_OK ? "" : field, __FILE__, line);
}
#define CHECK(doc, want, field) check((doc), (want), (field), __LINE__)

static void test_json_check_rules(void)
{
    CHECK("{\"a\":1,\"b\":[{\"c\":\"d\"}],\"e\":null}", EC_OK, "");
    CHECK("  [1, 2.5, \"x\"]  \n", EC_OK, "");
    CHECK("{\"a\":1} x", EC_INVALID_JSON, "");
    CHECK("{\"a\":", EC_INVALID_JSON, "");
    CHECK("{\"a\":1,\"a\":2}", EC_INVALID_FIELD, "a");
    CHECK("{\"lines\":[{\"sku\":\"A\"},{\"sku\":\"B\",\"sku\":\"C\"}]}", EC_INVALID_FIELD,
          "lines[1].sku");
    CHECK("{\"x\":{\"y\":1e400}}", EC_INVALID_FIELD, "x.y");
    CHECK("{\"id\":\"A\\u0000B\"}", EC_INVALID_FIELD, "");
    CHECK("{\"id\":\"\xff\"}", EC_INVALID_FIELD, "id");
    CHECK("{\"\xc3\x28\":1}", EC_INVALID_FIELD, "");
    CHECK("{\"s\\u00fc\":\"\xe2\x82\xac\"}", EC_OK, "");
    char deep[200] = "";
    for (int i = 0; i < 65; i++) strcat(deep, "[");
    for (int i = 0; i < 65; i++) strcat(deep, "]");
    CHECK(deep, EC_INVALID_JSON, "");
    /* many keys: sorted, not compared pairwise */
    static char many[400000];
    size_t n = 0;
    many[n++] = '{';
    for (int i = 0; i < 20000; i++) n += (size_t)sprintf(many + n, "%s\"k%d\":1", i ? "," : "", i);
    strcpy(many + n, ",\"k77\":2}");
    CHECK(many, EC_INVALID_FIELD, "k77");
}

static CU_TestInfo check_tests[] = {
    {"rules", test_json_check_rules},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_json_check_suites[] = {
    {"json.check", NULL, NULL, NULL, NULL, check_tests},
    CU_SUITE_INFO_NULL,
};
