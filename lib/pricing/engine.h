/* engine.h - the pricing engine's shared state; private.
 *
 * ec_price_result is both the outcome and the per-call scratch: its arrays
 * grow to the largest cart seen and are reused, so pricing in a loop stops
 * allocating.  ec__pricing is the per-call context threaded through the
 * steps of formats.md 3 (unit prices, cart promotions, shipping, tax). */
#ifndef EC_PRICING_ENGINE_H
#define EC_PRICING_ENGINE_H

#include "cart/cart_internal.h"
#include "ecommerce/pricing.h"
#include "money/checked.h"
#include "ruleset/model.h"

/* Why a cart promotion did not apply, in the order of the checks.  Every
 * name is a literal, NONE's empty, so that writers can splice them into
 * literals of their own. */
#define EC__REASON_MAP(X)                                                                          \
    X(NONE, "")                                                                                    \
    X(NOT_STARTED, "not_started")                                                                  \
    X(EXPIRED, "expired")                                                                          \
    X(COUPON_MISSING, "coupon_missing")                                                            \
    X(CUSTOMER_GROUP, "customer_group")                                                            \
    X(CHANNEL, "channel")                                                                          \
    X(COUNTRY, "country")                                                                          \
    X(CURRENCY, "currency")                                                                        \
    X(USAGE_LIMIT, "usage_limit_reached")                                                          \
    X(MIN_SUBTOTAL, "min_subtotal")                                                                \
    X(NO_TARGET_LINES, "no_target_lines")                                                          \
    X(MIN_QUANTITY, "min_quantity")                                                                \
    X(STOPPED, "stopped")                                                                          \
    X(EXCLUDED, "excluded")                                                                        \
    X(NOT_BEST, "not_best")

enum ec__reason {
#define EC__REASON_ENUM(name, str) EC__REASON_##name,
    EC__REASON_MAP(EC__REASON_ENUM)
#undef EC__REASON_ENUM
};

enum ec__coupon_status { EC__COUPON_UNKNOWN, EC__COUPON_NOT_APPLICABLE, EC__COUPON_APPLIED };

typedef struct ec__line_result {
    const ec__sku_info *info;
    ec__str sku;
    int64_t quantity;
    int64_t list_price, unit_price, subtotal, net, tax, total;
    const ec__str *price_list;    /* NULL: product price */
    const ec__str *product_promo; /* NULL: none */
    uint32_t tax_cat;
    int32_t tax_percent;
    uint32_t disc_off, disc_n; /* into discounts */
} ec__line_result;

typedef struct ec__line_discount {
    uint32_t promo; /* position in cart_promos */
    int64_t amount;
} ec__line_discount;

/* A discount as it is found, before grouping by line. */
typedef struct ec__raw_discount {
    uint32_t promo, line;
    int64_t amount;
} ec__raw_discount;

typedef struct ec__promo_result {
    uint8_t reason; /* EC__REASON_NONE when applied */
    uint8_t applied;
    uint8_t tier_miss;       /* tiered_percent with no tier reached */
    uint32_t tier;           /* chosen tier of tiered_percent */
    uint32_t tgt_off, tgt_n; /* target lines, into targets */
    int64_t amount;          /* line discounts + shipping discount */
} ec__promo_result;

typedef struct ec__coupon_result {
    ec__str code;
    uint32_t id; /* in the ruleset's coupon_index; EC__SYM_NONE: unknown */
    uint8_t status;
} ec__coupon_result;

struct ec_price_result {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;

    int32_t currency, exponent;
    int64_t at;                 /* the cart's pricing time */
    uint8_t prices_include_tax; /* the ruleset's */
    int64_t subtotal, discount, tax, total;
    uint8_t has_shipping;
    const ec__str *shipping_method;
    int64_t shipping_price, shipping_discount, shipping_tax, shipping_total;
    int32_t shipping_tax_percent;
    uint32_t shipping_tax_cat;

    ec__line_result *lines;
    uint32_t nlines, lines_cap;
    ec__line_discount *discounts;
    uint32_t ndiscounts, discounts_cap;
    ec__promo_result *promos;
    const ec__promotion *const *promo_list;  /* the ruleset's cart_promos */
    const char (*json_heads)[EC__JSON_HEAD]; /* and its cart_json_heads */
    uint32_t npromos, promos_cap;
    ec__coupon_result *coupons;
    uint32_t ncoupons, coupons_cap;

    /* scratch, sized with the lines */
    ec__raw_discount *raw;
    uint32_t nraw, raw_cap;
    uint32_t *targets; /* the first nlines: every line, shared */
    uint32_t ntargets, targets_cap;
    uint32_t *pass; /* positions still passing, in evaluation order */
    uint32_t npass, pass_cap;
    /* marks[pos] == stamp: a line of this cart targets promotion pos (a
     * new stamp per cart spares clearing the marks) */
    uint32_t *marks;
    uint32_t marks_cap, stamp;
    uint32_t *by_price; /* every line by unit price, see pc->by_price */
    uint32_t by_price_cap;
    int64_t *nets, *trial, *d, *w, *parts;
    uint32_t scratch_cap;
};

typedef struct ec__pricing {
    const ec_ruleset *rs;
    const ec_cart *cart;
    ec_price_result *r;
    ec_error *err;
    int32_t cur;
    uint8_t mode; /* ec_rounding */
    int64_t at;
    uint32_t country, group, channel; /* symbols */
    const ec__shipping *ship;         /* NULL without shipping_method */
    int64_t ship_price;               /* before free_over */
    int64_t subtotal;                 /* sum of line subtotals */
    uint8_t excludable;               /* a line's SKU is in some exclude_skus */
    uint8_t by_price;                 /* r->by_price holds this cart's order */
} ec__pricing;

/* Pieces of 3.1 (unit_price.c), shared with batch repricing (reprice.c),
 * which prices one unit of an item without a cart. */
int ec__context_matches(const ec__pricing *pc, const ec__symset *groups, const ec__symset *channels,
                        const ec__symset *countries, const ec__window *w);
/* The winning price list for info at quantity: sets line->list_price and
 * line->price_list and returns 1, or returns 0 when none is a candidate. */
int ec__best_price_list(const ec__pricing *pc, const ec__sku_info *info, int64_t quantity,
                        ec__line_result *line);
/* 1 when sku is in the promotion's exclude_skus. */
int ec__promo_excluded(const ec__promotion *p, const ec__str *sku);
/* The same for a priced line, by its SKU entry. */
static inline int ec__line_excluded(const ec_ruleset *rs, const ec__promotion *p,
                                    const ec__sku_info *info)
{
    uint32_t s = (uint32_t)(info - rs->skus);
    for (uint32_t i = 0; i < p->nexclude_idx; i++)
        if (p->exclude_idx[i] == s) return 1;
    return 0;
}
/* Unit price under a product promotion; *usable is 0 when its money field
 * lacks pc->cur (the promotion is then skipped). */
ec_status ec__product_promo_price(const ec__pricing *pc, const ec__promotion *p, int64_t list,
                                  int64_t *unit, int *usable);
/* The best product promotion for line (info, sku, list_price set): sets
 * unit_price and product_promo when one applies. */
ec_status ec__product_promotion(const ec__pricing *pc, ec__line_result *line);

/* Steps of formats.md 3, in the order their errors are reported. */
ec_status ec__price_units(ec__pricing *pc);           /* 3.1 */
ec_status ec__price_shipping_method(ec__pricing *pc); /* 3.4 checks */
ec_status ec__price_tax_rates(ec__pricing *pc);       /* 3.5 rates */
ec_status ec__price_promotions(ec__pricing *pc);      /* 3.2, 3.3 */
ec_status ec__price_tax(ec__pricing *pc);             /* 3.4 fee, 3.5 tax, totals */

/* Apply one cart promotion to nets; d[i] receives each line's discount
 * (0 for lines it does not target).  *sum is the total. */
ec_status ec__apply_action(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr,
                           int64_t *nets, int64_t *d, int64_t *sum);

/* Shipping price after free_over for these nets (0 without shipping). */
ec_status ec__shipping_fee(ec__pricing *pc, const int64_t *nets, int64_t *fee);

/* Grow an array kept in the result (doubling); 0 when out of memory. */
/* Record d[i] > 0 of the target lines of promotion `pos` as raw discounts. */
ec_status ec__record_discounts(ec__pricing *pc, uint32_t pos, const ec__promo_result *pr,
                               const int64_t *d);

int ec__result_reserve(ec_price_result *r, void **arr, uint32_t *cap, size_t need, size_t elem);

/* round(a * pct / 100) with pct in millionths, in the ruleset's mode;
 * ec_money_muldiv() inlined, its divisor a constant. */
static inline ec_status ec__percent_of(const ec__pricing *pc, int64_t a, int32_t pct, int64_t *out)
{
    return ec__money_muldiv(a, pct, EC_PERCENT_ONE, (ec_rounding)pc->mode, out);
}

#endif /* EC_PRICING_ENGINE_H */
