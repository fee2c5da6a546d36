/* facade.c - one-call JSON pricing and the reusable per-thread pricer. */
#include <string.h>

#include "common/internal.h"
#include "ecommerce/json.h"
#include "json/writer.h"

void ec__write_result(ec__buf *b, const ec_price_result *r, const ec_cart *cart);
void ec__write_error(ec__buf *b, const ec_error *err);

struct ec_pricer {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    ec_cart *cart;
    ec_price_result *result;
    ec__buf out;
};

ec_status ec_price_result_to_json(const ec_price_result *result, const ec_cart *cart, char **out,
                                  size_t *out_len)
{
    if (!out) return EC_MISUSE;
    *out = NULL;
    if (!result || ec_price_result_currency(result) == NULL) return EC_MISUSE;
    ec__buf b = {0};
    ec__write_result(&b, result, cart);
    return ec__buf_take(&b, out, out_len);
}

ec_status ec_error_to_json(const ec_error *err, char **out, size_t *out_len)
{
    if (!out) return EC_MISUSE;
    *out = NULL;
    if (!err) return EC_MISUSE;
    ec__buf b = {0};
    ec__write_error(&b, err);
    return ec__buf_take(&b, out, out_len);
}

ec_status ec_json_price(const ec_ruleset *rules, const char *cart_json, size_t len, char **out,
                        size_t *out_len, ec_error *err)
{
    EC_FAIL_IF(!out, err, EC_MISUSE, NULL, "out is NULL");
    *out = NULL;
    ec_pricer *p = ec_pricer_new();
    EC_FAIL_IF(!p, err, EC_NO_MEMORY, NULL, NULL);
    const char *doc;
    size_t n = 0;
    ec_status st = ec_pricer_price_json(p, rules, cart_json, len, &doc, &n, err);
    if (st == EC_OK) {
        /* the pricer's buffer is malloc'd: hand it over instead of copying */
        *out = p->out.p;
        if (out_len) *out_len = n;
        p->out.p = NULL;
    }
    ec_pricer_free(p);
    return st;
}

ec_pricer *ec_pricer_new(void)
{
    return ec_pricer_new_ex(NULL);
}

ec_pricer *ec_pricer_new_ex(const ec_allocator *alloc)
{
    ec_pricer *p = ec__calloc(alloc, 1, sizeof *p);
    if (!p) return NULL;
    if (alloc) {
        p->alloc_copy = *alloc;
        p->alloc = &p->alloc_copy;
    }
    p->out.alloc = p->alloc;
    p->cart = ec_cart_new_ex(p->alloc);
    p->result = ec_price_result_new_ex(p->alloc);
    if (!p->cart || !p->result) {
        ec_pricer_free(p);
        return NULL;
    }
    return p;
}

void ec_pricer_free(ec_pricer *p)
{
    if (!p) return;
    ec_cart_free(p->cart);
    ec_price_result_free(p->result);
    ec__dealloc(p->alloc, p->out.p);
    ec_allocator copy = p->alloc_copy;
    ec__dealloc(p->alloc ? &copy : NULL, p);
}

ec_status ec_pricer_price_json(ec_pricer *p, const ec_ruleset *rules, const char *cart_json,
                               size_t len, const char **out, size_t *out_len, ec_error *err)
{
    ec_error local;
    if (!err) err = &local; /* the error document needs the detail */
    ec_error_clear(err);
    if (out) *out = NULL;
    EC_FAIL_IF(!p || !rules, err, EC_MISUSE, NULL, "pricer and ruleset are required");
    ec_status st = ec_cart_from_json(p->cart, cart_json, len, err);
    if (st == EC_OK) st = ec_price_cart(rules, p->cart, p->result, err);
    p->out.len = 0;
    p->out.failed = 0;
    if (st == EC_OK)
        ec__write_result(&p->out, p->result, p->cart);
    else
        ec__write_error(&p->out, err);
    if (!ec__buf_finish(&p->out)) {
        p->out.len = 0;
        p->out.failed = 0;
        return ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    }
    if (out) *out = p->out.p;
    if (out_len) *out_len = p->out.len;
    return st;
}
