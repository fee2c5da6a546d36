/* fuzz_escrow.c - libFuzzer target for the escrow documents and the
 * credit of what they carry.
 *
 * Input: the first line is a message document, every further line a
 * transfer document.  Beyond "no crash, no sanitizer report" it checks,
 * and traps on any violation:
 * - a refused document fills the error with a code and a message and
 *   leaves the object empty;
 * - an accepted document is written back, read again, and written to the
 *   same bytes;
 * - every transfer (the message's, then each line's) is credited to the
 *   region it names as its receiver: a refused credit leaves the
 *   inventory's state document byte for byte as it was, an accepted one
 *   raises the SKU's rights by exactly the transfer's quantity, and a
 *   second credit of it changes nothing;
 * - the inventory's bookkeeping stays consistent. */
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

enum { MAX_LINES = 64 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *state_of(const ec_inventory *inv)
{
    char *doc = NULL;
    CHECK(ec_inventory_to_json(inv, &doc, NULL) == EC_OK);
    return doc;
}

static void check_refusal(ec_status st, const ec_error *err)
{
    CHECK(st != EC_OK);
    CHECK(err->code == (int32_t)st);
    CHECK(err->message[0] != '\0');
}

static int64_t rights_of(ec_inventory *inv, const char *sku)
{
    int64_t r = 0;
    CHECK(ec_escrow_rights(inv, sku, 0, &r, NULL, NULL) == EC_OK);
    return r;
}

/* Credit t into a ledger of its receiver; inv is that region's stock. */
static void credit(ec_inventory *inv, const ec_escrow_transfer *t)
{
    ec_escrow *led = ec_escrow_new(ec_escrow_transfer_to(t));
    CHECK(led != NULL);
    char *before = state_of(inv);
    int64_t r0 = rights_of(inv, ec_escrow_transfer_sku(t));
    ec_error err;
    int32_t dup = -1;
    ec_status st = ec_escrow_credit(led, inv, t, &dup, &err);
    CHECK(ec__inventory_check(inv) == NULL);
    if (st != EC_OK) {
        check_refusal(st, &err);
        char *after = state_of(inv);
        CHECK(strcmp(before, after) == 0);
        ec_free(after);
    } else {
        int64_t r1 = rights_of(inv, ec_escrow_transfer_sku(t));
        CHECK(dup == 0 && r1 - r0 == ec_escrow_transfer_quantity(t));
        CHECK(ec_escrow_credit(led, inv, t, &dup, NULL) == EC_OK && dup == 1);
        CHECK(rights_of(inv, ec_escrow_transfer_sku(t)) == r1);
    }
    ec_free(before);
    ec_escrow_free(led);
}

static void message_line(ec_inventory *inv, const char *text, size_t len)
{
    ec_escrow_message *m = ec_escrow_message_new();
    CHECK(m != NULL);
    ec_error err;
    ec_status st = ec_escrow_message_from_json(m, text, len, &err);
    if (st != EC_OK) {
        check_refusal(st, &err);
        CHECK(ec_escrow_message_from(m) == NULL && ec_escrow_message_transfer_count(m) == 0);
    } else {
        char *doc = NULL, *again = NULL;
        size_t n = 0;
        CHECK(ec_escrow_message_to_json(m, &doc, &n) == EC_OK);
        CHECK(ec_escrow_message_from_json(m, doc, n, NULL) == EC_OK);
        CHECK(ec_escrow_message_to_json(m, &again, NULL) == EC_OK);
        CHECK(strcmp(doc, again) == 0);
        ec_free(doc);
        ec_free(again);
        for (size_t i = 0; i < ec_escrow_message_transfer_count(m); i++)
            credit(inv, ec_escrow_message_transfer(m, i));
    }
    ec_escrow_message_free(m);
}

static void transfer_line(ec_inventory *inv, ec_escrow_transfer *t, const char *text, size_t len)
{
    ec_error err;
    ec_status st = ec_escrow_transfer_from_json(t, text, len, &err);
    if (st != EC_OK) {
        check_refusal(st, &err);
        CHECK(ec_escrow_transfer_id(t) == NULL);
        return;
    }
    char *doc = NULL, *again = NULL;
    size_t n = 0;
    CHECK(ec_escrow_transfer_to_json(t, &doc, &n) == EC_OK);
    CHECK(ec_escrow_transfer_from_json(t, doc, n, NULL) == EC_OK);
    CHECK(ec_escrow_transfer_to_json(t, &again, NULL) == EC_OK);
    CHECK(strcmp(doc, again) == 0);
    ec_free(doc);
    ec_free(again);
    credit(inv, t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    ec_inventory *inv = ec_inventory_new();
    ec_escrow_transfer *t = ec_escrow_transfer_new();
    CHECK(inv && t);
    size_t at = 0;
    for (int line = 0; at < size && line < MAX_LINES; line++) {
        const char *end = memchr(text + at, '\n', size - at);
        size_t len = end ? (size_t)(end - (text + at)) : size - at;
        if (line == 0)
            message_line(inv, text + at, len);
        else
            transfer_line(inv, t, text + at, len);
        at += len + 1;
    }
    ec_escrow_transfer_free(t);
    ec_inventory_free(inv);
    return 0;
}
