/* engine.h - the pricing engine's shared state; private.
 *
 * ec_price_result is both the outcome and the per-call scratch: its arrays
 * grow to the largest cart seen and are reused, so pricing in a loop stops
 * allocating.  ec__pricing is the per-call context threaded through the
 * steps of pricing a cart (unit prices, cart promotions, shipping, tax). */
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
    X(NOT_BEST, "not_best")                                                                        \
    X(CUSTOMER_LIMIT, "customer_usage_limit_reached")                                              \
    X(COUPON_USED_UP, "coupon_used_up")                                                            \
    X(BUDGET_EXHAUSTED, "budget_exhausted")                                                        \
    X(NO_DISCOUNT, "no_discount")                                                                  \
    X(NOT_BEST_IN_GROUP, "not_best_in_group")

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
    /* the tax an exempt customer does not pay on an inclusive price: the
     * line's net is shown (and paid) less it */
    int64_t relief;
    const ec__str *price_list;      /* NULL: product price */
    const ec__str *product_promo;   /* NULL: none */
    const ec__tax_entry *tax_entry; /* its rates; NULL without tax entries */
    uint32_t tax_cat;
    int32_t tax_percent;
    /* into discounts: room for a discount of every promotion that may
     * take from the line, of which the first disc_n are taken */
    uint32_t disc_off, disc_n;
} ec__line_result;

/* Something taxed: a line (item i is line i), the shipping fee, or with
 * shipping_tax "proportional" the fee's share of each line.  Its rates'
 * amounts are rate_tax[off .. off + e->nrates). */
typedef struct ec__tax_item {
    const ec__tax_entry *e;
    int64_t base;   /* the net taxed */
    int64_t tax;    /* the sum of its rates' amounts */
    int64_t relief; /* exempt, inclusive prices: the tax taken off */
    uint32_t off;
} ec__tax_item;

/* buy_x_get_y: `count` units of line `line`, each worth `worth` (a line's
 * net spread over its units: the first net mod quantity units are worth a
 * minor unit more than the others). */
typedef struct ec__unit_group {
    /* while worths fit in 51 bits, worth and seq in one integer that
     * orders the groups as they are taken (UINT64_MAX once taken); the
     * fields below it are then not written */
    uint64_t key;
    int64_t count;
    uint32_t line, seq; /* seq: order in the cart, ties keep it */
    int64_t worth;
} ec__unit_group;

/* tax_rounding total rounds per distinct percent over shares: a rate of
 * an item (exclusive prices) or an item (inclusive); out receives its tax. */
typedef struct ec__tax_share {
    int64_t base;
    int64_t *out;
    int32_t percent;
} ec__tax_share;

/* Room for as many entries as items times rates: allocation weights and
 * parts, and shares. */
typedef struct ec__tax_scratch {
    int64_t *w, *parts;
    ec__tax_share *shares;
} ec__tax_scratch;

/* One entry of the result's taxes summary. */
typedef struct ec__tax_sum {
    const ec__tax_rate *rate; /* its name; the first rate seen with it */
    uint32_t name_sym;        /* rate->name_sym, compared without a load */
    int32_t percent;
    int64_t amount;
} ec__tax_sum;

typedef struct ec__line_discount {
    uint32_t promo; /* position in cart_promos */
    int64_t amount;
} ec__line_discount;

/* What evaluation keeps for a promotion that passed its checks; its
 * reason is in the result's reasons, and the rest is written (and read)
 * only while that is EC__REASON_NONE. */
typedef struct ec__promo_result {
    uint8_t applied;
    uint8_t tier_miss; /* tiered_percent with no tier reached */
    uint32_t tier;     /* chosen tier of tiered_percent */
    /* the lines the action works on, into targets: its target lines, or a
     * reward_target's lines while such a buy_x_get_y is evaluated */
    uint32_t tgt_off, tgt_n;
    int64_t amount; /* line discounts + shipping discount */
} ec__promo_result;

/* For promotions whose lines change during evaluation (exclude_discounted,
 * reward_target): the lines found by the checks, before any cart
 * promotion applied, and the units of target lines when evaluated. */
typedef struct ec__promo_dyn {
    uint32_t base_off, base_n; /* target lines, into targets */
    uint32_t rw_off, rw_n;     /* reward lines, into targets */
    int64_t units;             /* target units, for a reward_target */
} ec__promo_dyn;

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
    int64_t shipping_relief;             /* as a line's relief */
    const ec__tax_entry *shipping_entry; /* by the method's category */
    uint32_t ship_promo;                 /* position that took the shipping discount */

    /* tax: items (lines first, then shipping), their rates' amounts and
     * the summary by rate name and percent */
    ec__tax_item *items;
    uint32_t nitems, items_cap;
    int64_t *rate_tax;
    uint32_t nrate_tax, rate_tax_cap;
    ec__tax_sum *sums;
    uint32_t nsums, sums_cap;
    ec__tax_share *shares; /* scratch of tax_rounding total */
    uint32_t shares_cap;

    ec__line_result *lines;
    uint32_t nlines, lines_cap;
    ec__line_discount *discounts;
    uint32_t ndiscounts, discounts_cap;
    ec__promo_result *promos;
    uint8_t *reasons; /* per promotion: why it did not apply, EC__REASON_NONE */
    uint32_t reasons_cap;
    const ec__promotion *const *promo_list;  /* the ruleset's cart_promos */
    const char (*json_heads)[EC__JSON_HEAD]; /* and its cart_json_heads */
    uint32_t npromos, promos_cap;
    ec__coupon_result *coupons;
    uint32_t ncoupons, coupons_cap;

    /* scratch, sized with the lines */
    uint32_t *targets; /* the first nlines: every line, shared */
    uint32_t ntargets, targets_cap;
    /* positions still passing, in evaluation order: all of them during the
     * checks, then the stacked ones (pass) and the exclusive ones (excl) */
    uint32_t *pass, *excl;
    uint32_t npass, nexcl, pass_cap;
    /* per promotion position, valid where equal to stamp (a new stamp per
     * cart spares clearing them): coupon_seen, the cart presents one of
     * its codes, and coupon_use then the first such coupon (index in
     * coupons) not used up, or UINT32_MAX */
    uint32_t *coupon_seen, *coupon_use;
    uint32_t stamp_cap, stamp;
    /* bitsets over the positions (the ruleset's elig.words each), cleared
     * per cart: the cart presents one of its codes, a line targets it,
     * its reason is known; not started and expired, at the cart's time */
    uint64_t *seen_bits, *marked_bits, *decided_bits, *window_bits;
    uint32_t bits_cap;
    /* per product promotion (selection order): whether the cart's
     * context admits it, decided at a line's first try; pp_stamp << 1 |
     * the answer, valid where the stamp is the cart's */
    uint32_t *pp_mark;
    uint32_t pp_cap, pp_stamp;
    ec__promo_dyn *dyn; /* per position, for EC__DYN_* promotions */
    uint32_t dyn_cap;
    struct ec__unit_group *units; /* buy_x_get_y: a line's units of one worth */
    uint32_t units_cap;
    int64_t *nets, *trial, *d;
    uint32_t scratch_cap;
    /* per line, while a set is evaluated: where its next discount goes
     * (from its disc_off: a line past it is discounted) */
    uint32_t *disc_end;
    uint32_t disc_end_cap;
    int64_t *w, *parts; /* allocation weights and parts, for items or rates */
    uint32_t alloc_cap;
};

/* Tax categories of one cart whose entries are remembered: a cart has few,
 * and an entry costs a few hash probes to find. */
#define EC__TAX_CACHE 8

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
    int64_t quantity;                 /* units in the cart */
    uint8_t excludable;               /* a line's SKU is in some exclude_skus */
    uint32_t all_passing; /* promotions on every line that passed the checks before them */
    uint32_t first_free;  /* the first free_shipping applied in this set */
    /* tax: where the cart is, and the entries found for its categories */
    ec__tax_place place;
    uint32_t ncached;
    uint32_t cached_cat[EC__TAX_CACHE];
    const ec__tax_entry *cached[EC__TAX_CACHE];
} ec__pricing;

/* Pieces of unit pricing (unit_price.c), shared with batch repricing (reprice.c),
 * which prices one unit of an item without a cart. */
int ec__context_matches(const ec__pricing *pc, const ec__symset *groups, const ec__symset *channels,
                        const ec__symset *countries, const ec__window *w);
/* The winning price list for info at quantity: sets line->list_price and
 * line->price_list and returns 1, or returns 0 when none is a candidate. */
int ec__best_price_list(const ec__pricing *pc, const ec__sku_info *info, int64_t quantity,
                        ec__line_result *line);
/* 1 when sku is in the promotion's exclude_skus. */
int ec__promo_excluded(const ec__promotion *p, const ec__str *sku);
/* The same for a priced line and a target, by the line's SKU entry (most
 * entries are in no exclude_skus at all). */
static inline int ec__line_excluded(const ec_ruleset *rs, const ec__target *t,
                                    const ec__sku_info *info)
{
    if (!info->excluded) return 0;
    uint32_t s = (uint32_t)(info - rs->skus);
    for (uint32_t i = 0; i < t->nexclude_idx; i++)
        if (t->exclude_idx[i] == s) return 1;
    return 0;
}
/* Unit price under a product promotion; *usable is 0 when its money field
 * lacks pc->cur (the promotion is then skipped). */
ec_status ec__product_promo_price(const ec__pricing *pc, const ec__promotion *p, int64_t list,
                                  int64_t *unit, int *usable);
/* The best product promotion for line (info, sku, list_price set): sets
 * unit_price and product_promo when one applies. */
ec_status ec__product_promotion(const ec__pricing *pc, ec__line_result *line);

/* Steps of pricing, in the order their errors are reported. */
ec_status ec__price_units(ec__pricing *pc);           /* 3.1 */
ec_status ec__price_shipping_method(ec__pricing *pc); /* 3.4 checks */
ec_status ec__price_tax_rates(ec__pricing *pc);       /* 3.5, 3.5a rates */
ec_status ec__price_promotions(ec__pricing *pc);      /* 3.2, 3.3, 3.5b */
ec_status ec__price_tax(ec__pricing *pc);             /* 3.4 fee, 3.5 tax, totals */

/* The rates' amounts of items[0 .. n) by the ruleset's convention and
 * rounding, with item.e and item.base set and item.off pointing at room
 * for the amounts in `amounts`; sets item.tax.  Shared with batch
 * repricing, which taxes one item. */
ec_status ec__tax_items(const ec__pricing *pc, ec__tax_item *items, uint32_t n, int64_t *amounts,
                        const ec__tax_scratch *scratch);

/* Apply one cart promotion to nets; d is scratch for the line discounts
 * (room for every line).  *sum is the total.  Unless record is UINT32_MAX
 * (a trial), the discounts above 0 are recorded as promotion `record`'s,
 * each at its line's r->disc_end. */
ec_status ec__apply_action(ec__pricing *pc, const ec__promotion *p, const ec__promo_result *pr,
                           uint32_t record, int64_t *nets, int64_t *d, int64_t *sum);

/* What a budget leaves: 1 and *left when the promotion has one. */
int ec__budget_left(const ec__pricing *pc, const ec__promotion *p, int64_t *left);

/* Shipping price after free_over for these nets (0 without shipping). */
ec_status ec__shipping_fee(ec__pricing *pc, const int64_t *nets, int64_t *fee);

/* The checks of every cart promotion before its target lines (eligible.c):
 * each gets its reason in r->reasons or goes on r->pass with a fresh
 * result; the coupons are matched and r->marked_bits, pc->excludable set. */
ec_status ec__check_context(ec__pricing *pc);
/* The checks of every cart promotion that do not depend on the others,
 * in their order (promotions.c): those that pass are left on r->pass
 * (stacked) and r->excl (exclusive), with their target lines. */
ec_status ec__check_promotions(ec__pricing *pc);
/* The lines promotion `pos` works on now: for exclude_discounted, its
 * target lines less those discounted (r->disc_end; none when `alone`,
 * an exclusive promotion); for a reward_target, the reward lines (and the
 * target units in r->dyn).  Returns the reason it fails (no_target_lines,
 * min_quantity) or EC__REASON_NONE; *failed is set when out of memory (the
 * status is then in pc->err). */
uint8_t ec__promo_lines(ec__pricing *pc, uint32_t pos, int alone, ec_status *failed);

/* Whether promotion k applied (its result is kept only while it passes). */
static inline int ec__promo_applied(const ec_price_result *r, uint32_t k)
{
    return r->reasons[k] == EC__REASON_NONE && r->promos[k].applied;
}

/* Grow an array kept in the result (doubling); 0 when out of memory.  The
 * check that it is large enough already is inline: most calls stop there. */
int ec__result_grow(ec_price_result *r, void **arr, uint32_t *cap, size_t need, size_t elem);
static inline int ec__result_reserve(ec_price_result *r, void **arr, uint32_t *cap, size_t need,
                                     size_t elem)
{
    return need <= *cap || ec__result_grow(r, arr, cap, need, elem);
}
/* Grow arrays that share one capacity (*cap) to `need` elements of `elem`
 * bytes; on failure *cap drops to 0, so that those already grown are
 * realloc'd again (to the same size) next time. */
int ec__result_reserve_same(ec_price_result *r, void **const *arrays, size_t n, uint32_t *cap,
                            size_t need, size_t elem);

/* round(a * pct / 100) with pct in millionths, in the ruleset's mode;
 * ec_money_muldiv() inlined, its divisor a constant. */
static inline ec_status ec__percent_of(const ec__pricing *pc, int64_t a, int32_t pct, int64_t *out)
{
    return ec__money_muldiv(a, pct, EC_PERCENT_ONE, (ec_rounding)pc->mode, out);
}

#endif /* EC_PRICING_ENGINE_H */
