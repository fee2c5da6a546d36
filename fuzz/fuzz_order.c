/* fuzz_order.c - libFuzzer target for the order, event and machine documents.
 *
 * The input is split on NUL bytes: with three or more parts they are a
 * machine, an order and an event document; with two, an order and an event
 * for the default machine; with one, the same bytes are offered to every
 * parser.  Beyond "no crash, no leak, no sanitizer report" it checks, and
 * traps on any violation:
 * - a failure fills the error with a known code and a message;
 * - an accepted machine or order prints, and what it prints loads again and
 *   prints the same bytes (the writers emit only what the readers accept);
 * - a refused or duplicate event leaves the order byte-identical, and an
 *   applied one adds exactly 1 to the version and one history entry;
 * - the one-call JSON apply agrees with the typed path. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ecommerce/alloc.h"
#include "ecommerce/error.h"
#include "ecommerce/order.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) __builtin_trap();                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(ec_status st, const ec_error *err)
{
    CHECK(st > EC_OK && st < EC__STATUS_COUNT && st != EC_INTERNAL);
    CHECK(err->code == (int32_t)st);
    /* Not checked: that the message is printable.  Unknown keys are quoted
     * as given, control bytes included (json/read.c); the error document
     * escapes them. */
    CHECK(err->message[0] != '\0');
    CHECK(memchr(err->message, '\0', sizeof err->message) != NULL);
}

/* Load a machine; NULL when refused.  An accepted one round-trips. */
static ec_order_machine *load_machine(const char *s, size_t n)
{
    ec_order_machine *m = NULL, *again = NULL;
    ec_error err;
    ec_error_clear(&err);
    ec_status st = ec_order_machine_from_json(s, n, NULL, &m, &err);
    if (st != EC_OK) {
        check_error(st, &err);
        CHECK(m == NULL);
        return NULL;
    }
    char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    CHECK(ec_order_machine_to_json(m, &a, &alen) == EC_OK);
    CHECK(ec_order_machine_from_json(a, alen, NULL, &again, NULL) == EC_OK);
    CHECK(ec_order_machine_to_json(again, &b, &blen) == EC_OK);
    CHECK(alen == blen && memcmp(a, b, alen) == 0);
    ec_free(a);
    ec_free(b);
    ec_order_machine_free(again);
    return m;
}

/* The order as JSON; NULL only for an order that cannot be written. */
static char *print(const ec_order *o, size_t *len)
{
    char *s = NULL;
    return ec_order_to_json(o, &s, len) == EC_OK ? s : NULL;
}

/* Load an order; 0 when refused.  An accepted one round-trips. */
static int load_order(ec_order *o, const char *s, size_t n)
{
    ec_error err;
    ec_error_clear(&err);
    ec_status st = ec_order_from_json(o, s, n, &err);
    if (st != EC_OK) {
        check_error(st, &err);
        CHECK(ec_order_line_count(o) == 0);
        return 0;
    }
    size_t alen = 0, blen = 0;
    char *a = print(o, &alen);
    CHECK(a != NULL);
    CHECK(ec_order_from_json(o, a, alen, NULL) == EC_OK);
    char *b = print(o, &blen);
    CHECK(b && alen == blen && memcmp(a, b, alen) == 0);
    ec_free(a);
    ec_free(b);
    return 1;
}

/* Apply through the typed API, then through the one-call facade, and
 * compare. */
static void apply_both(const ec_order_machine *m, ec_order *o, const char *order, size_t olen,
                       const char *event, size_t elen)
{
    ec_order_event *ev = ec_order_event_new();
    ec_order_effects *fx = ec_order_effects_new();
    CHECK(ev && fx);
    ec_error err;
    ec_error_clear(&err);
    ec_status st = ec_order_event_from_json(ev, event, elen, ec_order_currency(o), &err);
    if (st != EC_OK) check_error(st, &err);
    size_t before_len = 0, after_len = 0;
    char *before = print(o, &before_len);
    int32_t dup = -1;
    int64_t version = ec_order_version(o);
    size_t entries = ec_order_history_count(o);
    if (st == EC_OK) {
        st = ec_order_apply(m ? m : ec_order_machine_default(), o, ev, fx, &dup, &err);
        char *after = print(o, &after_len);
        if (st != EC_OK || dup) {
            if (st != EC_OK) check_error(st, &err);
            CHECK(ec_order_effects_count(fx) == 0);
            CHECK(after_len == before_len && memcmp(after, before, after_len) == 0);
        } else {
            CHECK(ec_order_version(o) == version + 1);
            CHECK(ec_order_history_count(o) == entries + 1);
        }
        ec_free(after);
    }
    char *out = NULL;
    size_t out_len = 0;
    ec_error err2;
    ec_error_clear(&err2);
    ec_status st2 = ec_json_order_apply(m, order, olen, event, elen, &out, &out_len, &err2);
    CHECK(st2 == st);
    if (st2 == EC_OK) {
        CHECK(out && strlen(out) == out_len);
        CHECK(strstr(out, dup ? "\"duplicate\":true}" : "\"duplicate\":false}") != NULL);
    } else {
        CHECK(out == NULL && err2.code == err.code && strcmp(err2.field, err.field) == 0);
    }
    ec_free(out);
    ec_free(before);
    ec_order_effects_free(fx);
    ec_order_event_free(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *part[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0}, n = 0, start = 0;
    for (size_t i = 0; i <= size && n < 3; i++)
        if (i == size || data[i] == 0) {
            part[n] = (const char *)data + start;
            len[n++] = i - start;
            start = i + 1;
        }
    if (n == 1) { /* one document: offer it to every reader */
        part[1] = part[2] = part[0];
        len[1] = len[2] = len[0];
    }
    ec_order_machine *m = n == 2 ? NULL : load_machine(part[0], len[0]);
    const char *order = n == 2 ? part[0] : part[1], *event = n == 2 ? part[1] : part[2];
    size_t olen = n == 2 ? len[0] : len[1], elen = n == 2 ? len[1] : len[2];
    ec_order *o = ec_order_new();
    CHECK(o != NULL);
    if (load_order(o, order, olen)) apply_both(m, o, order, olen, event, elen);
    ec_order_free(o);
    ec_order_machine_free(m);
    return 0;
}
