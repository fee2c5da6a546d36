/* test_text.c - unit tests for ec_utf8_clean(): input bytes made valid
 * UTF-8 for errors and documents that quote them.
 *
 * Valid text is copied unchanged; each byte that does not start a
 * well-formed sequence (stray continuation, malformed lead, overlong form,
 * surrogate, beyond U+10FFFF, cut short) becomes U+FFFD; a character never
 * straddles the end of the buffer; the result is always NUL-terminated. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "ecommerce/error.h"

#define FFFD "\xEF\xBF\xBD"

/* clean(src) into a roomy buffer compares equal to want. */
static void expect_clean(const char *src, size_t len, const char *want)
{
    char out[128];
    memset(out, 'x', sizeof out);
    size_t n = ec_utf8_clean(out, sizeof out, src, len);
    CU_ASSERT_EQUAL(n, strlen(want));
    CU_ASSERT_EQUAL(out[n], '\0');
    CU_ASSERT_STRING_EQUAL(out, want);
}

static void test_valid_text_unchanged(void)
{
    expect_clean("sku,price", 9, "sku,price");
    expect_clean("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x91\x9F", 14,
                 "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x91\x9F");
    expect_clean("\xF4\x8F\xBF\xBF", 4, "\xF4\x8F\xBF\xBF"); /* U+10FFFF */
    expect_clean("\xED\x9F\xBF", 3, "\xED\x9F\xBF");         /* U+D7FF */
    expect_clean("", 0, "");
}

static void test_bad_bytes_replaced(void)
{
    expect_clean("sk\xFFu", 4, "sk" FFFD "u");
    expect_clean("\x80\xBF", 2, FFFD FFFD);          /* stray continuations */
    expect_clean("\xC0\xAF", 2, FFFD FFFD);          /* overlong '/' */
    expect_clean("\xE0\x80\xAF", 3, FFFD FFFD FFFD); /* overlong, 3 bytes */
    expect_clean("\xF0\x80\x80\xAF", 4, FFFD FFFD FFFD FFFD);
    expect_clean("\xED\xA0\x80", 3, FFFD FFFD FFFD);          /* surrogate U+D800 */
    expect_clean("\xF4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD); /* U+110000 */
    expect_clean("\xF5\xFE", 2, FFFD FFFD);
    expect_clean("a\xE2\x82", 3, "a" FFFD FFFD); /* cut short */
    expect_clean("\xE2\x82"
                 "A",
                 3, FFFD FFFD "A"); /* interrupted */
}

static void test_nul_and_length(void)
{
    /* len, not a NUL, ends the input: an embedded NUL is copied */
    char out[8];
    CU_ASSERT_EQUAL(ec_utf8_clean(out, sizeof out, "a\0b", 3), 3);
    CU_ASSERT_EQUAL(memcmp(out, "a\0b\0", 4), 0);
    CU_ASSERT_EQUAL(ec_utf8_clean(out, sizeof out, "abc", 1), 1);
    CU_ASSERT_STRING_EQUAL(out, "a");
}

static void test_never_cuts_a_character(void)
{
    char out[6];
    /* "ab" + U+20AC (3 bytes) fits 5 + NUL exactly; one more byte does not */
    CU_ASSERT_EQUAL(ec_utf8_clean(out, 6,
                                  "ab\xE2\x82\xAC"
                                  "c",
                                  6),
                    5);
    CU_ASSERT_STRING_EQUAL(out, "ab\xE2\x82\xAC");
    CU_ASSERT_EQUAL(ec_utf8_clean(out, 5, "ab\xE2\x82\xAC", 5), 2);
    CU_ASSERT_STRING_EQUAL(out, "ab");
    /* a replacement does not fit in the last two bytes either */
    CU_ASSERT_EQUAL(ec_utf8_clean(out, 4, "a\xFF", 2), 1);
    CU_ASSERT_STRING_EQUAL(out, "a");
    CU_ASSERT_EQUAL(ec_utf8_clean(out, 1, "abc", 3), 0);
    CU_ASSERT_EQUAL(out[0], '\0');
}

static void test_misuse(void)
{
    char out[4] = "xyz";
    CU_ASSERT_EQUAL(ec_utf8_clean(NULL, 4, "abc", 3), 0);
    CU_ASSERT_EQUAL(ec_utf8_clean(out, 0, "abc", 3), 0);
    CU_ASSERT_STRING_EQUAL(out, "xyz"); /* cap 0: nothing written */
    CU_ASSERT_EQUAL(ec_utf8_clean(out, sizeof out, NULL, 3), 0);
    CU_ASSERT_STRING_EQUAL(out, "");
}

static CU_TestInfo utf8_clean_tests[] = {
    {"valid_text_unchanged", test_valid_text_unchanged},
    {"bad_bytes_replaced", test_bad_bytes_replaced},
    {"nul_and_length", test_nul_and_length},
    {"never_cuts_a_character", test_never_cuts_a_character},
    {"misuse", test_misuse},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_text_suites[] = {
    {.pName = "text.utf8_clean", .pTests = utf8_clean_tests},
    CU_SUITE_INFO_NULL,
};
