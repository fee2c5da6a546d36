/* coupon_index.c - the cart promotions' coupon codes, hashed.
 *
 * A promotion may list many codes (10,000 single-use codes is a common
 * campaign), and a code may belong to several promotions.  Compiling gives
 * every distinct code (compared case-insensitively, as ASCII) a number and
 * lists, per number, the positions of the cart promotions that hold it.  A
 * cart then looks each of its coupons up once and learns at once which
 * promotions it activates; nothing scans a promotion's code list. */
#include <string.h>

#include "common/internal.h"
#include "ruleset/model.h"

/* Number every distinct lowered code; pairs (code, position) in
 * evaluation order, each promotion once per code. */
static ec_status number_codes(ec_ruleset *rs, uint32_t (*pairs)[2], size_t *npairs, uint32_t *last,
                              ec_error *err)
{
    for (uint32_t pos = 0; pos < rs->ncart_promos; pos++) {
        const ec__promotion *p = rs->cart_promos[pos];
        for (uint32_t k = 0; k < p->ncoupons; k++) {
            const ec__str *code = &p->coupons[k];
            char *key = ec__arena_alloc(&rs->arena, (size_t)code->n + 1);
            uint32_t id;
            EC_FAIL_IF(!key, err, EC_NO_MEMORY, NULL, NULL);
            ec__ascii_lower(key, code->p, code->n);
            key[code->n] = '\0';
            EC_FAIL_IF(!ec__strmap_put(&rs->coupon_index, key, code->n, rs->ncoupon_ids, &id), err,
                       EC_NO_MEMORY, NULL, NULL);
            if (id == EC__STRMAP_NONE) id = rs->ncoupon_ids++;
            if (last[id] == pos + 1) continue; /* listed twice by this promotion */
            last[id] = pos + 1;
            pairs[*npairs][0] = id;
            pairs[(*npairs)++][1] = pos;
        }
    }
    return EC_OK;
}

/* Counting sort of the pairs by code: positions stay ascending per code. */
static ec_status file_codes(ec_ruleset *rs, const uint32_t (*pairs)[2], size_t npairs,
                            ec_error *err)
{
    uint32_t n = rs->ncoupon_ids;
    rs->code_off = ec__arena_calloc(&rs->arena, (size_t)n + 2, sizeof *rs->code_off);
    rs->code_pos = ec__arena_calloc(&rs->arena, npairs + 1, sizeof *rs->code_pos);
    EC_FAIL_IF(!rs->code_off || !rs->code_pos, err, EC_NO_MEMORY, NULL, NULL);
    for (size_t i = 0; i < npairs; i++) rs->code_off[pairs[i][0] + 2]++;
    for (uint32_t k = 0; k < n; k++) rs->code_off[k + 2] += rs->code_off[k + 1];
    /* code_off[k + 1] is now where code k starts: fill, moving it to its end */
    for (size_t i = 0; i < npairs; i++) rs->code_pos[rs->code_off[pairs[i][0] + 1]++] = pairs[i][1];
    return EC_OK;
}

ec_status ec__index_coupons(ec_ruleset *rs, ec_error *err);

ec_status ec__index_coupons(ec_ruleset *rs, ec_error *err)
{
    size_t total = 0, npairs = 0;
    for (uint32_t pos = 0; pos < rs->ncart_promos; pos++) total += rs->cart_promos[pos]->ncoupons;
    EC_FAIL_IF(!ec__strmap_reserve(&rs->coupon_index, total), err, EC_NO_MEMORY, NULL, NULL);
    uint32_t(*pairs)[2] = ec__calloc(rs->alloc, total + 1, sizeof *pairs);
    uint32_t *last = ec__calloc(rs->alloc, total + 1, sizeof *last);
    ec_status st = pairs && last ? EC_OK : ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    if (st == EC_OK) st = number_codes(rs, pairs, &npairs, last, err);
    if (st == EC_OK) st = file_codes(rs, (const uint32_t(*)[2])pairs, npairs, err);
    ec__dealloc(rs->alloc, pairs);
    ec__dealloc(rs->alloc, last);
    return st;
}
