/* model.h - the compiled ruleset's internal shape; private to the library.
 *
 * The JSON codec (lib/json) fills these structures inside the ruleset's
 * arena, then ec__ruleset_compile() validates what spans several entries and
 * builds the indexes that pricing reads.  After that nothing changes, which
 * is what lets threads share a ruleset without locks. */
#ifndef EC_RULESET_MODEL_H
#define EC_RULESET_MODEL_H

#include <stdint.h>

#include "common/arena.h"
#include "common/strmap.h"
#include "ecommerce/money.h"
#include "ecommerce/ruleset.h"

#define EC__CURRENCY_WORDS 4         /* bits for up to 256 currencies in the table */
#define EC__SYM_NONE UINT32_MAX      /* a name no rule mentions */
#define EC__SYM_ANY (UINT32_MAX - 1) /* tax country "*" */
#define EC__JSON_HEAD 32             /* bytes per cart_json_heads entry */
#define EC__POSTAL_MAX 128           /* bytes of a postal code (an identifier) */

typedef struct ec__tax_index ec__tax_index;

typedef struct ec__str {
    const char *p; /* NUL-terminated, in the arena */
    uint32_t n;
} ec__str;

typedef struct ec__money {
    int32_t cur; /* index in the currency table */
    int64_t amount;
} ec__money;

/* An amount per currency; n == 0 means the field is absent. */
typedef struct ec__money_map {
    const ec__money *e;
    uint32_t n;
} ec__money_map;

/* Interned names; n == 0 matches every cart. */
typedef struct ec__symset {
    const uint32_t *ids;
    uint32_t n;
} ec__symset;

/* Half-open validity window [from, to). */
typedef struct ec__window {
    int64_t from, to;
    uint8_t has_from, has_to;
} ec__window;

typedef struct ec__product {
    ec__str sku;
    ec__money_map prices;
    const uint32_t *cats;
    uint32_t ncats;
    uint32_t tax_cat;
} ec__product;

typedef struct ec__pl_tier {
    int64_t min_quantity;
    int64_t price;
} ec__pl_tier;

typedef struct ec__pl_entry {
    ec__str sku;
    int64_t price;
    const ec__pl_tier *tiers;
    uint32_t ntiers;
} ec__pl_entry;

typedef struct ec__price_list {
    ec__str id;
    int32_t cur;
    int64_t priority;
    ec__symset groups, channels, countries;
    ec__window window;
    const ec__pl_entry *entries;
    uint32_t nentries;
} ec__price_list;

/* One named rate of a tax entry ("GST" 5%); a bare "percent" is one rate
 * named after the category. */
typedef struct ec__tax_rate {
    ec__str name;
    uint32_t name_sym; /* interned: summaries compare numbers */
    int32_t percent;   /* millionths */
    uint8_t compound;  /* on the net plus the rates listed before it */
} ec__tax_rate;

#define EC__TAX_MAX_RATES 16       /* rates in one tax entry */
#define EC__TAX_MAX_ENTRIES 100000 /* tax entries, and postal prefixes of one */

/* A tax entry: where it applies (category, country, region, postal
 * prefixes, tax classes) and the rates it gives there. */
typedef struct ec__tax_entry {
    uint32_t cat;
    uint32_t country;      /* EC__SYM_ANY for "*" */
    uint32_t region;       /* EC__SYM_NONE: any region */
    const ec__str *postal; /* prefixes, spaces removed and upper-cased */
    uint32_t npostal;
    ec__symset classes; /* n == 0: every cart */
    const ec__tax_rate *rates;
    uint32_t nrates;
    int32_t percent; /* the sum of the rates' percents */
    uint32_t src;    /* index in the document's tax array */
} ec__tax_entry;

typedef struct ec__shipping {
    ec__str id;
    ec__money_map prices;
    ec__money_map free_over;
    ec__symset countries;
    uint32_t tax_cat;
} ec__shipping;

enum ec__level { EC__LEVEL_CART, EC__LEVEL_PRODUCT };
enum ec__stacking { EC__STACK, EC__STOP, EC__EXCLUSIVE };
enum ec__action_type {
    EC__ACT_PERCENT_OFF,
    EC__ACT_AMOUNT_OFF_EACH,
    EC__ACT_AMOUNT_OFF_ORDER,
    EC__ACT_FIXED_PRICE,
    EC__ACT_BUY_X_GET_Y,
    EC__ACT_TIERED_PERCENT,
    EC__ACT_FREE_SHIPPING
};

typedef struct ec__percent_tier {
    ec__money_map min_subtotal;
    int32_t percent;
} ec__percent_tier;

/* Which lines a promotion (or a buy_x_get_y reward) selects. */
typedef struct ec__target {
    /* every line when the document has none (or only exclusions) */
    uint8_t has_target;
    const ec__str *skus;
    uint32_t nskus;
    const uint32_t *cats;
    uint32_t ncats;
    ec__str pattern;
    void *regex; /* pcre2_code_8 *, compiled by ec__ruleset_compile */
    const ec__str *exclude;
    uint32_t nexclude;
    /* exclude_skus as SKU entries (index in skus): a line is excluded when
     * its entry is one of these, a compare of two integers instead of two
     * strings; SKUs the ruleset cannot price are left out, since no priced
     * line can carry them */
    const uint32_t *exclude_idx;
    uint32_t nexclude_idx;
} ec__target;

typedef struct ec__action {
    uint8_t type;
    uint8_t has_reward;   /* buy_x_get_y with a reward_target */
    int32_t percent;      /* percent_off, buy_x_get_y */
    ec__money_map amount; /* amount_off_*: amount; fixed_price: price */
    int64_t buy, get, max_applications;
    const ec__percent_tier *tiers;
    uint32_t ntiers;
    ec__target reward; /* buy_x_get_y: the units given (has_reward) */
} ec__action;

typedef struct ec__promotion {
    ec__str id;
    uint32_t src; /* index in the document's promotions array */
    uint8_t level, stacking;
    uint8_t exclude_discounted; /* lines already discounted are no targets */
    uint8_t has_usage_limit, has_customer_limit, has_code_limit;
    int64_t priority;
    ec__window window;
    /* coupon codes (any one activates it); ncoupons == 0: none */
    const ec__str *coupons;
    uint32_t ncoupons;
    int64_t usage_limit;    /* uses of the promotion, all customers */
    int64_t customer_limit; /* usage_limit_per_customer */
    int64_t code_limit;     /* code_usage_limit: uses of each code */
    ec__symset groups, channels, countries;
    ec__money_map min_subtotal;
    int64_t min_quantity;
    ec__target target;
    ec__action action;
    ec__money_map max_discount;
    ec__money_map budget; /* n == 0: none */
    uint32_t group_sym;   /* the group's name; EC__SYM_NONE: none */
    uint32_t group;       /* index in the ruleset's groups (compiled) */
    /* currencies every money field of the promotion has (bit per table
     * index), so the "currency" check costs one bit test per cart */
    uint64_t currencies[EC__CURRENCY_WORDS];
} ec__promotion;

/* What ec__price_promotions() checks for every cart promotion of every
 * cart, packed into one cache line per promotion (in evaluation order), so
 * that the usual promotion costs one line fetch; the flags send the rare
 * ones (coupon, customer group, channel, country, usage limits, budget,
 * min_subtotal) to their full ec__promotion, and the `dyn` flags to the
 * evaluation steps that only some promotions need. */
enum ec__check_flag {
    EC__CHK_FROM = 1,       /* window.has_from */
    EC__CHK_TO = 2,         /* window.has_to */
    EC__CHK_CONTEXT = 4,    /* coupons or a group, channel or country set */
    EC__CHK_LIMITS = 8,     /* a usage limit of any kind, budget or min_subtotal */
    EC__CHK_ALL_LINES = 16, /* ec__promo_targets_all() */
    EC__CHK_EXCLUDES = 32   /* all lines, less exclude_idx */
};
/* The flags whose checks read the full ec__promotion. */
enum { EC__CHK_FULL = EC__CHK_CONTEXT | EC__CHK_LIMITS };

/* What evaluation does beyond the common path. */
enum ec__dyn_flag {
    EC__DYN_EXCLUDE_DISCOUNTED = 1, /* targets change as promotions apply */
    EC__DYN_GROUP = 2,              /* competes with its group */
    EC__DYN_REWARD = 4              /* buy_x_get_y with a reward_target */
};

typedef struct ec__promo_check {
    /* the window; INT64_MIN and INT64_MAX when open, so that one test of
     * from <= at < to passes most carts (the flags still say which ends
     * exist, for the cart at INT64_MAX) */
    int64_t from, to;
    uint64_t currencies[EC__CURRENCY_WORDS];
    int64_t min_quantity;
    uint8_t flags, stacking, action, dyn;
} ec__promo_check;

/* Everything pricing needs for one SKU, found with one hash lookup. */
typedef struct ec__sku_info {
    ec__str sku;
    int32_t product;       /* index in products, or -1 */
    uint32_t pl_off, pl_n; /* price-list refs, by list priority descending */
    uint32_t pp_off, pp_n; /* product promotions targeting it, in order */
    uint32_t cp_off, cp_n; /* cart promotions targeting it, in order */
    uint32_t rw_off, rw_n; /* cart promotions whose reward_target holds it */
    uint8_t excluded;      /* in some promotion's exclude_skus */
} ec__sku_info;

typedef struct ec__pl_ref {
    uint32_t list;  /* index in price_lists */
    uint32_t entry; /* index in that list's entries */
} ec__pl_ref;

struct ec_ruleset {
    ec_allocator alloc_copy;
    const ec_allocator *alloc; /* &alloc_copy or NULL */
    ec__arena arena;

    int32_t currency;
    uint8_t rounding;
    uint8_t prices_include_tax;
    uint8_t tax_total;          /* tax_rounding "total" */
    uint8_t shipping_tax_split; /* shipping_tax "proportional" */

    ec__product *products;
    uint32_t nproducts;
    ec__price_list *price_lists;
    uint32_t nprice_lists;
    ec__promotion *promotions; /* as in the document, then sorted */
    uint32_t npromotions;
    ec__tax_entry *taxes;
    uint32_t ntaxes;
    ec__shipping *shipping;
    uint32_t nshipping;

    ec__strmap symbols; /* name -> symbol id */
    uint32_t nsymbols;
    uint32_t sym_standard;

    /* built by ec__ruleset_compile */
    const ec__promotion **cart_promos; /* evaluation order */
    uint32_t ncart_promos;
    const ec__promo_check *cart_checks; /* per cart_promos entry, 64-aligned */
    /* per cart_promos entry: the first bytes of its entry in a result
     * document, {"id":"<id>", with their length in the last byte (0: the
     * id is too long or needs escaping; the writer then escapes it) */
    const char (*cart_json_heads)[EC__JSON_HEAD];
    /* the cart promotions' coupon codes, lower-cased -> code id, so that a
     * cart's coupons are matched once per cart; then the positions of the
     * promotions holding code k are code_pos[code_off[k] .. code_off[k+1]) */
    ec__strmap coupon_index;
    uint32_t ncoupon_ids;
    uint32_t *code_off, *code_pos;
    /* groups (3.5b): the positions of group g's members are
     * group_pos[group_off[g] .. group_off[g+1]), in evaluation order */
    uint32_t ngroups;
    uint32_t *group_off, *group_pos;
    /* the tax index (tax_index.c) */
    ec__tax_index *tax_index;
    const ec__promotion **product_promos; /* selection order */
    uint32_t nproduct_promos;
    uint32_t *all_cart; /* cart promo positions that target every line */
    uint32_t nall_cart;
    uint32_t *all_product;
    uint32_t nall_product;
    uint32_t *all_reward; /* positions whose reward_target holds every line */
    uint32_t nall_reward;
    ec__strmap sku_index; /* sku -> index in skus */
    ec__sku_info *skus;
    uint32_t nskus;
    ec__pl_ref *pl_refs;
    uint32_t *promo_refs; /* positions, for pp_*, cp_* and rw_* */
};

/* An empty ruleset with its arena; NULL when out of memory. */
ec_ruleset *ec__ruleset_alloc(const ec_allocator *alloc);

/* Intern a name; EC__SYM_NONE when out of memory. */
uint32_t ec__ruleset_symbol(ec_ruleset *rs, const char *name, size_t len);

/* Symbol id of a name, or EC__SYM_NONE when no rule mentions it. */
uint32_t ec__ruleset_lookup_symbol(const ec_ruleset *rs, const char *name, size_t len);

/* Cross-entry validation (duplicate ids, patterns) and indexing. */
ec_status ec__ruleset_compile(ec_ruleset *rs, ec_error *err);

/* The tax index (tax_index.c): refuses two entries with the same keys,
 * then finds an item's entry with a few hash probes, whatever the size of
 * the tax table. */
ec_status ec__tax_index_build(ec_ruleset *rs, ec_error *err);
void ec__tax_index_free(ec_ruleset *rs);

/* A cart's place for tax: symbols (EC__SYM_NONE when absent or unknown to
 * the ruleset) and its postal code normalised as prefixes are. */
typedef struct ec__tax_place {
    uint32_t country, region, tax_class;
    char postal[EC__POSTAL_MAX];
    uint32_t npostal; /* 0: none */
} ec__tax_place;

/* The entry that gives category cat its rates at place, or NULL. */
const ec__tax_entry *ec__tax_find(const ec_ruleset *rs, const ec__tax_place *place, uint32_t cat);

/* Postal code or prefix without spaces, ASCII upper-cased, into out (at
 * least n bytes); returns the length. */
uint32_t ec__postal_normalize(char *out, const char *s, size_t n);

/* Amount of a money map in one currency: 1 when present. */
static inline int ec__money_in(const ec__money_map *m, int32_t cur, int64_t *out)
{
    for (uint32_t i = 0; i < m->n; i++) {
        if (m->e[i].cur == cur) {
            *out = m->e[i].amount;
            return 1;
        }
    }
    return 0;
}

static inline int ec__promo_has_currency(const ec__promotion *p, int32_t cur)
{
    return (p->currencies[cur >> 6] >> (cur & 63)) & 1;
}

static inline int ec__symset_has(const ec__symset *s, uint32_t sym)
{
    if (s->n == 0) return 1;
    for (uint32_t i = 0; i < s->n; i++)
        if (s->ids[i] == sym) return 1;
    return 0;
}

/* A target with no positive key selects every line, less its
 * exclude_skus (checked per line for these few promotions). */
static inline int ec__target_all(const ec__target *t)
{
    return !t->has_target || (t->nskus == 0 && t->ncats == 0 && t->pattern.n == 0);
}

static inline int ec__promo_targets_all(const ec__promotion *p)
{
    return ec__target_all(&p->target);
}

static inline int ec__window_has(const ec__window *w, int64_t at)
{
    return (!w->has_from || w->from <= at) && (!w->has_to || at < w->to);
}

#endif /* EC_RULESET_MODEL_H */
