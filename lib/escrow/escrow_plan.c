/* escrow_plan.c - the rebalancing policy: targets per region from rights
 * and demand, and the transfers the planning region proposes toward them
 * (escrow.h says the rule).
 *
 * Integers only, with the 128-bit helpers for products: the same figures
 * give the same proposals on every machine.  A region's expected sales are
 * capped at EXPECTED_CAP, far above any stock (EC_INVENTORY_MAX_STOCK),
 * so that a long horizon over a short window cannot overflow the sums. */
#include <string.h>

#include "escrow/escrow_internal.h"
#include "money/checked.h"

#define EXPECTED_CAP (INT64_C(1) << 55)

typedef struct plan_region {
    ec__esc_name name;
    int64_t rights, demand, in_flight, target;
    int32_t reachable;
} plan_region;

typedef struct proposal {
    uint32_t region;
    int64_t quantity;
} proposal;

struct ec_escrow_plan {
    ec_allocator alloc_copy;
    const ec_allocator *alloc;
    int64_t horizon, window, min_transfer;
    plan_region regions[EC_ESCROW_MAX_REGIONS];
    size_t n;
    proposal proposals[EC_ESCROW_MAX_REGIONS];
    size_t np;
    int ran;
};

ec_escrow_plan *ec_escrow_plan_new(void)
{
    return ec_escrow_plan_new_ex(NULL);
}

ec_escrow_plan *ec_escrow_plan_new_ex(const ec_allocator *alloc)
{
    ec_escrow_plan *p = ec__calloc(alloc, 1, sizeof *p);
    if (!p) return NULL;
    if (alloc) {
        p->alloc_copy = *alloc;
        p->alloc = &p->alloc_copy;
    }
    p->horizon = p->window = 600;
    p->min_transfer = 1;
    return p;
}

void ec_escrow_plan_free(ec_escrow_plan *p)
{
    if (!p) return;
    ec_allocator copy = p->alloc_copy;
    ec__dealloc(p->alloc ? &copy : NULL, p);
}

void ec_escrow_plan_reset(ec_escrow_plan *p)
{
    if (!p) return;
    p->n = p->np = 0;
    p->ran = 0;
}

ec_status ec_escrow_plan_set_policy(ec_escrow_plan *p, int64_t horizon_seconds,
                                    int64_t window_seconds, int64_t min_transfer, ec_error *err)
{
    EC_FAIL_IF(!p, err, EC_MISUSE, NULL, "plan is NULL");
    EC_FAIL_IF(horizon_seconds < 1 || horizon_seconds > EC_ESCROW_MAX_SECONDS, err,
               EC_INVALID_FIELD, "horizon_seconds", "the horizon is 1 to %d seconds",
               EC_ESCROW_MAX_SECONDS);
    EC_FAIL_IF(window_seconds < 1 || window_seconds > EC_ESCROW_MAX_SECONDS, err, EC_INVALID_FIELD,
               "window_seconds", "the demand window is 1 to %d seconds", EC_ESCROW_MAX_SECONDS);
    EC_FAIL_IF(min_transfer < 1 || min_transfer > EC_ESCROW_MAX_QUANTITY, err, EC_INVALID_FIELD,
               "min_transfer", "min_transfer is 1 to %lld", (long long)EC_ESCROW_MAX_QUANTITY);
    p->horizon = horizon_seconds;
    p->window = window_seconds;
    p->min_transfer = min_transfer;
    return EC_OK;
}

static uint32_t region_index(const ec_escrow_plan *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->regions[i].name, name) == 0) return (uint32_t)i;
    return EC__ESC_NONE;
}

static ec_status check_figure(int64_t v, const char *field, ec_error *err)
{
    EC_FAIL_IF(v < 0 || v > EC_INVENTORY_MAX_STOCK, err, EC_INVALID_FIELD, field,
               "%s must be 0 to %lld", field, (long long)EC_INVENTORY_MAX_STOCK);
    return EC_OK;
}

ec_status ec_escrow_plan_add_region(ec_escrow_plan *p, const char *region, int64_t rights,
                                    int64_t demand, int64_t in_flight, int32_t reachable,
                                    ec_error *err)
{
    EC_FAIL_IF(!p, err, EC_MISUSE, NULL, "plan is NULL");
    ec__esc_name name;
    EC_TRY(ec__esc_name_set(name, region, "region", err));
    EC_FAIL_IF(region_index(p, name) != EC__ESC_NONE, err, EC_INVALID_FIELD, "region",
               "region \"%s\" was added before", name);
    EC_TRY(check_figure(rights, "rights", err));
    EC_TRY(check_figure(demand, "demand", err));
    EC_TRY(check_figure(in_flight, "in_flight", err));
    EC_FAIL_IF(p->n == EC_ESCROW_MAX_REGIONS, err, EC_LIMIT_EXCEEDED, "region",
               "a plan has at most %d regions", EC_ESCROW_MAX_REGIONS);
    plan_region *r = &p->regions[p->n++];
    memcpy(r->name, name, sizeof name);
    r->rights = rights;
    r->demand = demand;
    r->in_flight = in_flight;
    r->reachable = reachable != 0;
    r->target = -1;
    p->ran = 0;
    return EC_OK;
}

/* a * b / c rounded as asked, for non-negative figures; past the cap when
 * it does not fit. */
static int64_t muldiv(int64_t a, int64_t b, int64_t c, ec_rounding mode)
{
    int64_t out = 0;
    if (ec__money_muldiv(a, b, c, mode, &out) != EC_OK || out > EXPECTED_CAP) return EXPECTED_CAP;
    return out;
}

/* Each region's target (see escrow.h). */
static void set_targets(ec_escrow_plan *p)
{
    int64_t total = 0, expected_sum = 0, demand_sum = 0;
    int64_t expected[EC_ESCROW_MAX_REGIONS];
    for (size_t i = 0; i < p->n; i++) {
        const plan_region *r = &p->regions[i];
        expected[i] = muldiv(r->demand, p->horizon, p->window, EC_ROUND_CEILING);
        total += r->rights + r->in_flight;
        expected_sum += expected[i];
        demand_sum += r->demand;
    }
    for (size_t i = 0; i < p->n; i++) {
        plan_region *r = &p->regions[i];
        if (demand_sum == 0)
            r->target = r->rights + r->in_flight; /* no demand anywhere: nothing moves */
        else if (total <= expected_sum)
            r->target = muldiv(total, expected[i], expected_sum, EC_ROUND_FLOOR);
        else
            r->target =
                expected[i] + muldiv(total - expected_sum, r->demand, demand_sum, EC_ROUND_FLOOR);
    }
}

/* The reachable region below its target by the most (then by name) that
 * has no proposal yet; EC__ESC_NONE when none is short. */
static uint32_t most_short(const ec_escrow_plan *p, uint32_t sender)
{
    uint32_t best = EC__ESC_NONE;
    int64_t best_short = 0;
    for (uint32_t i = 0; i < p->n; i++) {
        const plan_region *r = &p->regions[i];
        int64_t s = r->target - r->rights - r->in_flight;
        int proposed = 0;
        for (size_t k = 0; k < p->np; k++) proposed |= p->proposals[k].region == i;
        if (i == sender || !r->reachable || proposed || s <= 0) continue;
        if (s > best_short || (s == best_short && strcmp(r->name, p->regions[best].name) < 0))
            best = i, best_short = s;
    }
    return best;
}

ec_status ec_escrow_plan_run(ec_escrow_plan *p, const char *sender, ec_error *err)
{
    EC_FAIL_IF(!p, err, EC_MISUSE, NULL, "plan is NULL");
    EC_FAIL_IF(!sender, err, EC_INVALID_FIELD, "sender", "sender is required");
    uint32_t s = region_index(p, sender);
    EC_FAIL_IF(s == EC__ESC_NONE, err, EC_INVALID_FIELD, "sender",
               "the sender is not one of the plan's regions");
    set_targets(p);
    p->np = 0;
    p->ran = 1;
    const plan_region *me = &p->regions[s];
    int64_t surplus = me->rights + me->in_flight - me->target;
    for (uint32_t to; surplus >= p->min_transfer && (to = most_short(p, s)) != EC__ESC_NONE;) {
        const plan_region *r = &p->regions[to];
        int64_t q = r->target - r->rights - r->in_flight;
        if (q > surplus) q = surplus;
        if (q < p->min_transfer) break; /* the largest shortfall is too small: so are the rest */
        p->proposals[p->np++] = (proposal){to, q};
        surplus -= q;
    }
    return EC_OK;
}

size_t ec_escrow_plan_count(const ec_escrow_plan *p)
{
    return p ? p->np : 0;
}

const char *ec_escrow_plan_to(const ec_escrow_plan *p, size_t i)
{
    return p && i < p->np ? p->regions[p->proposals[i].region].name : NULL;
}

int64_t ec_escrow_plan_quantity(const ec_escrow_plan *p, size_t i)
{
    return p && i < p->np ? p->proposals[i].quantity : 0;
}

int64_t ec_escrow_plan_target(const ec_escrow_plan *p, const char *region)
{
    if (!p || !region || !p->ran) return -1;
    uint32_t i = region_index(p, region);
    return i == EC__ESC_NONE ? -1 : p->regions[i].target;
}
