/* main.c - the CUnit driver for the unit tests (build/tests/unit).
 *
 * Every tests/unit/test_<module>.c defines one non-static, NULL-terminated
 * array of suites:
 *
 *     CU_SuiteInfo test_<module>_suites[] = {
 *         {"money.parse", NULL, NULL, NULL, NULL, parse_tests},
 *         CU_SUITE_INFO_NULL,
 *     };
 *
 * The Makefile generates suites.h with one EC_TEST_SUITES(test_<module>) line
 * per file, so a new test file needs no change here.
 *
 * Usage: unit [SUITE [TEST]]    all tests, one suite, or one test of a suite.
 * Exits 0 only when at least one test ran and no test, assertion or suite
 * set-up failed. */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

/* Declare every suite array... */
#define EC_TEST_SUITES(name) extern CU_SuiteInfo name##_suites[];
#include "suites.h"
#undef EC_TEST_SUITES

/* ...and list them, NULL-terminated. */
static CU_SuiteInfo *const suite_arrays[] = {
#define EC_TEST_SUITES(name) name##_suites,
#include "suites.h"
#undef EC_TEST_SUITES
    NULL,
};

static int fail(const char *what)
{
    fprintf(stderr, "unit: %s: %s\n", what, CU_get_error_msg());
    CU_cleanup_registry();
    return 2;
}

int main(int argc, char **argv)
{
    if (argc > 3) {
        fprintf(stderr, "usage: %s [SUITE [TEST]]\n", argv[0]);
        return 2;
    }
    if (CU_initialize_registry() != CUE_SUCCESS) return fail("initializing the registry");
    for (size_t i = 0; suite_arrays[i] != NULL; i++) {
        if (CU_register_suites(suite_arrays[i]) != CUE_SUCCESS) return fail("registering suites");
    }

    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_ErrorCode rc;
    if (argc == 1) {
        rc = CU_basic_run_tests();
    } else {
        CU_pSuite suite = CU_get_suite(argv[1]);
        if (suite == NULL) {
            fprintf(stderr, "unit: no suite named '%s'\n", argv[1]);
            CU_cleanup_registry();
            return 2;
        }
        if (argc == 2) {
            rc = CU_basic_run_suite(suite);
        } else {
            CU_pTest test = CU_get_test(suite, argv[2]);
            if (test == NULL) {
                fprintf(stderr, "unit: no test '%s' in suite '%s'\n", argv[2], argv[1]);
                CU_cleanup_registry();
                return 2;
            }
            rc = CU_basic_run_test(suite, test);
        }
    }
    if (rc != CUE_SUCCESS) return fail("running tests");

    /* Read the counts before CU_cleanup_registry() resets them. */
    unsigned ran = CU_get_number_of_tests_run();
    unsigned failed = CU_get_number_of_tests_failed();
    unsigned failed_asserts = CU_get_number_of_failures();
    unsigned failed_suites = CU_get_number_of_suites_failed();
    unsigned records = CU_get_number_of_failure_records();
    CU_cleanup_registry();

    printf("\n");
    if (ran == 0) {
        printf("unit: no test ran\n");
        return 1;
    }
    if (failed_suites > 0)
        printf("unit: %u suite(s) failed to initialise or clean up\n", failed_suites);
    printf("unit: %u passed, %u failed\n", ran - failed, failed);
    return (failed || failed_asserts || failed_suites || records) ? 1 : 0;
}
