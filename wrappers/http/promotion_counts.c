/* promotion_counts.c - what a checkout spends of the promotions' limits,
 * locked and counted in its transaction.
 *
 * The library says what a checkout spends (ec_checkout_use_*); this file
 * only names the store's keys for it and takes the locks in one order.
 * Checkouts spending the same limited promotion wait for each other, so
 * that its last use or the last of its budget is spent once; the others
 * never wait. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

int ecomd_coupon_key(char *key, size_t size, const char *code)
{
    size_t n = strlen(code);
    if (n >= size) return 0;
    for (size_t i = 0; i <= n; i++)
        key[i] = code[i] >= 'A' && code[i] <= 'Z' ? (char)(code[i] - 'A' + 'a') : code[i];
    return 1;
}

static int held(const ecomd_locks *l, const char *key)
{
    for (size_t k = 0; k < l->n; k++)
        if (strcmp(l->keys[k], key) == 0) return 1;
    return 0;
}

/* The smallest key the checkout spends that l does not hold, into next;
 * 0 when none. */
static int next_key(const ecomd_ruleset *rs, const ec_checkout *co, const ecomd_locks *l,
                    char next[ECOMD_COUPON_KEY_MAX + 8])
{
    int found = 0;
    char key[ECOMD_COUPON_KEY_MAX + 8];
    for (size_t k = 0; k < ec_checkout_use_count(co); k++) {
        const char *id = ec_checkout_use_promotion(co, k);
        if (!ecomd_ruleset_limited(rs, id)) continue;
        for (size_t j = 0; j <= ec_checkout_use_code_count(co, k); j++) {
            if (j == 0)
                snprintf(key, sizeof key, "%s", id);
            else if (!ecomd_coupon_key(key + 7, sizeof key - 7, ec_checkout_use_code(co, k, j - 1)))
                continue;
            else
                memcpy(key, "coupon:", 7);
            if (!held(l, key) && (!found || strcmp(key, next) < 0)) {
                strcpy(next, key);
                found = 1;
            }
        }
    }
    return found;
}

static ec_status hold(ecomd_locks *l, const char *key)
{
    char **keys = ecomd_grow(l->keys, &l->cap, l->n + 1, sizeof *keys);
    if (!keys) return EC_NO_MEMORY;
    l->keys = keys;
    if (!(l->keys[l->n] = strdup(key))) return EC_NO_MEMORY;
    l->n++;
    return EC_OK;
}

ec_status ecomd_lock_spent(ecomd_store *s, ecomd_tx *tx, const ecomd_ruleset *rs,
                           const ec_checkout *co, ecomd_locks *l, int *added)
{
    char key[ECOMD_COUPON_KEY_MAX + 8];
    ec_status st = EC_OK;
    *added = 0;
    while (st == EC_OK && next_key(rs, co, l, key)) {
        st = hold(l, key);
        if (st == EC_OK) st = s->ops->promotion_lock(tx, key);
        *added = 1;
    }
    return st;
}

void ecomd_locks_free(ecomd_locks *l)
{
    for (size_t k = 0; k < l->n; k++) free(l->keys[k]);
    free(l->keys);
    memset(l, 0, sizeof *l);
}

ec_status ecomd_count_spent(ecomd_store *s, ecomd_tx *tx, ec_checkout *co, const ec_cart *cart)
{
    const char *order_id = ec_order_id(ec_checkout_order(co));
    const char *customer = ec_cart_customer(cart);
    ec_status st = EC_OK;
    for (size_t k = 0; st == EC_OK && k < ec_checkout_use_count(co); k++) {
        ecomd_promotion_use u = {.promotion_id = ec_checkout_use_promotion(co, k),
                                 .customer = customer ? customer : "",
                                 .currency = ec_cart_currency(cart),
                                 .code = "",
                                 .uses = 1,
                                 .spent = ec_checkout_use_spent(co, k)};
        size_t codes = ec_checkout_use_code_count(co, k);
        /* the use and the spend go with the first code; each further code
         * is one more use of that code only */
        for (size_t j = 0; st == EC_OK && j < (codes ? codes : 1); j++) {
            char key[ECOMD_COUPON_KEY_MAX];
            int keyed = codes && ecomd_coupon_key(key, sizeof key, ec_checkout_use_code(co, k, j));
            u.code = keyed ? key : "";
            st = s->ops->promotion_spend(tx, order_id, &u);
            u.uses = u.spent = 0;
        }
    }
    return st;
}
