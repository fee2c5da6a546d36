/* fuzz_body.c - libFuzzer target for the reading rules of request bodies:
 * ec_json_check() and the reserve request reader, which ecomd runs on
 * every body before anything else looks at it.
 *
 * Beyond "no crash, no leak, no sanitizer report" it checks, and traps on
 * any violation: a refusal fills the error with a known code; an accepted
 * document parses with cJSON to exactly one value (so what ecomd reads
 * next is what was checked); a reserve request that reads has lines. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ecommerce.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    ec_error err;
    ec_error_clear(&err);
    ec_status st = ec_json_check(json, size, &err);
    if (st != EC_OK) {
        CHECK(st > EC_OK && st < EC__STATUS_COUNT && st != EC_INTERNAL && err.code == (int32_t)st);
    } else {
        cJSON *doc = cJSON_ParseWithLength(json, size);
        CHECK(doc != NULL);
        cJSON_Delete(doc);
    }
    ec_inventory_request *req = ec_inventory_request_new();
    CHECK(req != NULL);
    ec_error_clear(&err);
    st = ec_inventory_request_from_json(req, json, size, &err);
    if (st == EC_OK)
        CHECK(ec_inventory_request_line_count(req) > 0);
    else
        CHECK(err.code == (int32_t)st && ec_inventory_request_line_count(req) == 0);
    ec_inventory_request_free(req);
    return 0;
}
