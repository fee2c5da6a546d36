/* ruleset.c - ruleset lifetime, symbols and read-only accessors. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "common/internal.h"
#include "ruleset/model.h"

ec_ruleset *ec__ruleset_alloc(const ec_allocator *alloc)
{
    ec_ruleset *rs = ec__calloc(alloc, 1, sizeof *rs);
    if (!rs) return NULL;
    if (alloc) {
        rs->alloc_copy = *alloc;
        rs->alloc = &rs->alloc_copy;
    }
    ec__arena_init(&rs->arena, rs->alloc, 0);
    ec__strmap_init(&rs->symbols, rs->alloc);
    ec__strmap_init(&rs->sku_index, rs->alloc);
    ec__strmap_init(&rs->coupon_index, rs->alloc);
    rs->sym_standard = EC__SYM_NONE;
    return rs;
}

void ec_ruleset_free(ec_ruleset *rs)
{
    if (!rs) return;
    for (uint32_t i = 0; i < rs->npromotions; i++) {
        pcre2_code_free((pcre2_code *)rs->promotions[i].target.regex);
        pcre2_code_free((pcre2_code *)rs->promotions[i].action.reward.regex);
    }
    ec__tax_index_free(rs);
    ec__strmap_free(&rs->symbols);
    ec__strmap_free(&rs->sku_index);
    ec__strmap_free(&rs->coupon_index);
    ec__arena_free(&rs->arena);
    ec_allocator copy = rs->alloc_copy;
    ec__dealloc(rs->alloc ? &copy : NULL, rs);
}

uint32_t ec__ruleset_symbol(ec_ruleset *rs, const char *name, size_t len)
{
    uint32_t id = ec__strmap_get(&rs->symbols, name, len);
    if (id != EC__STRMAP_NONE) return id;
    char *key = ec__arena_strndup(&rs->arena, name, len);
    if (!key || !ec__strmap_put(&rs->symbols, key, len, rs->nsymbols, NULL)) return EC__SYM_NONE;
    return rs->nsymbols++;
}

uint32_t ec__ruleset_lookup_symbol(const ec_ruleset *rs, const char *name, size_t len)
{
    uint32_t id = ec__strmap_get(&rs->symbols, name, len);
    return id == EC__STRMAP_NONE ? EC__SYM_NONE : id;
}

size_t ec_ruleset_product_count(const ec_ruleset *rs)
{
    return rs ? rs->nproducts : 0;
}
size_t ec_ruleset_price_list_count(const ec_ruleset *rs)
{
    return rs ? rs->nprice_lists : 0;
}
size_t ec_ruleset_promotion_count(const ec_ruleset *rs)
{
    return rs ? rs->npromotions : 0;
}

const char *ec_ruleset_currency(const ec_ruleset *rs)
{
    return rs ? ec_currency_code(rs->currency) : NULL;
}

int ec_ruleset_promotion_at(const ec_ruleset *rs, size_t i, const char **id, int64_t *usage_limit)
{
    if (!rs || i >= rs->npromotions) return -1;
    const ec__promotion *p = &rs->promotions[i];
    if (id) *id = p->id.p;
    if (!p->has_usage_limit) return 0;
    if (usage_limit) *usage_limit = p->usage_limit;
    return 1;
}

int ec_ruleset_promotion_customer_limit(const ec_ruleset *rs, size_t i, int64_t *limit)
{
    if (!rs || i >= rs->npromotions) return -1;
    const ec__promotion *p = &rs->promotions[i];
    if (p->has_customer_limit && limit) *limit = p->customer_limit;
    return p->has_customer_limit;
}

int ec_ruleset_promotion_code_limit(const ec_ruleset *rs, size_t i, int64_t *limit)
{
    if (!rs || i >= rs->npromotions) return -1;
    const ec__promotion *p = &rs->promotions[i];
    if (p->has_code_limit && limit) *limit = p->code_limit;
    return p->has_code_limit;
}

int ec_ruleset_promotion_budget(const ec_ruleset *rs, size_t i, const char *currency,
                                int64_t *budget)
{
    if (!rs || i >= rs->npromotions) return -1;
    const ec__promotion *p = &rs->promotions[i];
    if (p->budget.n == 0) return 0;
    int32_t cur = currency ? ec_currency_find(currency, strlen(currency)) : -1;
    int64_t amount = 0;
    if (cur < 0 || !ec__money_in(&p->budget, cur, &amount)) return 2;
    if (budget) *budget = amount;
    return 1;
}
