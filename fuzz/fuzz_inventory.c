/* fuzz_inventory.c - libFuzzer target for the inventory JSON facade.
 *
 * Input: the first line is a state document (docs/reference/inventory.md), every further
 * line one operation, as `ecom inventory apply` reads them.  A state that
 * is refused is replaced by an empty inventory, so the operations are
 * fuzzed either way.  Beyond "no crash, no sanitizer report" it checks, and
 * traps on any violation:
 * - a refused state fills the error with a code and a message;
 * - every operation yields exactly one result document: a JSON object
 *   whose "ok" agrees with the returned status, and whose error code is
 *   that status's name;
 * - the internal bookkeeping (held quantities, expiry heap, indexes) stays
 *   consistent after every operation;
 * - a failed operation leaves the state document byte for byte unchanged;
 * - the final state document loads again and writes the same bytes. */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"
#include "inventory/inventory_internal.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

/* Bounds that keep one input fast: operations run, and the state size up
 * to which every failed operation is compared byte for byte. */
enum { MAX_OPS = 256, MAX_COMPARED_STATE = 1 << 16 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(ec_status st, const ec_error *err)
{
    CHECK(st != EC_OK);
    CHECK(err->code == (int32_t)st);
    CHECK(err->message[0] != '\0');
}

static char *state_of(const ec_inventory *inv)
{
    char *doc = NULL;
    CHECK(ec_inventory_to_json(inv, &doc, NULL) == EC_OK);
    return doc;
}

/* The result document agrees with the status. */
static void check_result(ec_status st, const char *out, size_t len)
{
    CHECK(out != NULL && strlen(out) == len);
    cJSON *doc = cJSON_ParseWithLength(out, len);
    CHECK(doc && cJSON_IsObject(doc));
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(doc, "ok");
    CHECK(cJSON_IsBool(ok) && (cJSON_IsTrue(ok) == (st == EC_OK)));
    if (st != EC_OK) {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(doc, "error"), "code");
        CHECK(cJSON_IsString(code) && strcmp(code->valuestring, ec_status_name(st)) == 0);
    }
    cJSON_Delete(doc);
}

static void apply_line(ec_inventory *inv, const char *line, size_t len)
{
    char *before = state_of(inv);
    int compare = strlen(before) <= MAX_COMPARED_STATE;
    const char *out = NULL;
    size_t out_len = 0;
    ec_error err;
    ec_status st = ec_inventory_apply_json_view(inv, line, len, &out, &out_len, &err);
    check_result(st, out, out_len);
    CHECK(ec__inventory_check(inv) == NULL);
    if (st != EC_OK && compare) {
        char *after = state_of(inv);
        CHECK(strcmp(before, after) == 0);
        ec_free(after);
    }
    ec_free(before);
}

static void round_trip(const ec_inventory *inv)
{
    char *doc = state_of(inv);
    ec_inventory *again = NULL;
    CHECK(ec_inventory_from_json(doc, strlen(doc), NULL, &again, NULL) == EC_OK);
    char *doc2 = state_of(again);
    CHECK(strcmp(doc, doc2) == 0);
    ec_free(doc2);
    ec_free(doc);
    ec_inventory_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    size_t state_len = nl ? (size_t)(nl - text) : size;
    ec_inventory *inv = NULL;
    ec_error err;
    ec_status st = ec_inventory_from_json(text, state_len, NULL, &inv, &err);
    if (st != EC_OK) {
        check_refusal(st, &err);
        CHECK(inv == NULL);
        inv = ec_inventory_new();
        CHECK(inv != NULL);
    }
    CHECK(ec__inventory_check(inv) == NULL);
    size_t at = nl ? state_len + 1 : size;
    for (int ops = 0; at < size && ops < MAX_OPS; ops++) {
        const char *end = memchr(text + at, '\n', size - at);
        size_t len = end ? (size_t)(end - (text + at)) : size - at;
        apply_line(inv, text + at, len);
        at += len + 1;
    }
    round_trip(inv);
    ec_inventory_free(inv);
    return 0;
}
