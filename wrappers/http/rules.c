/* rules.c - the active ruleset, shared by every request and swapped whole.
 *
 * A request takes a reference under a short mutex and drops it when done;
 * a swap replaces the pointer and drops the holder's reference.  Whoever
 * drops the last reference frees the ruleset, so a ruleset is never freed
 * while a request prices with it, and pricing itself runs without locks on
 * the immutable compiled ruleset. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ecomd.h"

struct ecomd_rules {
    pthread_mutex_t mu;
    ecomd_ruleset *cur;
};

ecomd_rules *ecomd_rules_new(void)
{
    ecomd_rules *h = calloc(1, sizeof *h);
    if (h) pthread_mutex_init(&h->mu, NULL);
    return h;
}

void ecomd_rules_release(ecomd_ruleset *rs)
{
    if (rs && atomic_fetch_sub(&rs->refs, 1) == 1) {
        ec_ruleset_free(rs->rules);
        free(rs->limited);
        free(rs);
    }
}

void ecomd_rules_free(ecomd_rules *h)
{
    if (!h) return;
    ecomd_rules_release(h->cur);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

ecomd_ruleset *ecomd_rules_acquire(ecomd_rules *h)
{
    pthread_mutex_lock(&h->mu);
    ecomd_ruleset *rs = h->cur;
    if (rs) atomic_fetch_add(&rs->refs, 1);
    pthread_mutex_unlock(&h->mu);
    return rs;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Whether promotion i has a limit the service counts: uses, uses per
 * customer, uses per code, or a budget (in any currency). */
static int counted(const ec_ruleset *rules, size_t i, const char **id)
{
    return ec_ruleset_promotion_at(rules, i, id, NULL) == 1 ||
           ec_ruleset_promotion_customer_limit(rules, i, NULL) == 1 ||
           ec_ruleset_promotion_code_limit(rules, i, NULL) == 1 ||
           ec_ruleset_promotion_budget(rules, i, NULL, NULL) > 0;
}

/* The sorted ids of the promotions with a counted limit; 0 without
 * memory. */
static int list_limited(ecomd_ruleset *rs)
{
    size_t n = ec_ruleset_promotion_count(rs->rules);
    rs->nlimited = 0;
    rs->limited = n ? malloc(n * sizeof *rs->limited) : NULL;
    if (n && !rs->limited) return 0;
    for (size_t i = 0; i < n; i++) {
        const char *id = NULL;
        if (counted(rs->rules, i, &id)) rs->limited[rs->nlimited++] = id;
    }
    if (rs->nlimited) qsort(rs->limited, rs->nlimited, sizeof *rs->limited, by_text);
    return 1;
}

int ecomd_ruleset_limited(const ecomd_ruleset *rs, const char *id)
{
    return rs->nlimited && bsearch(&id, rs->limited, rs->nlimited, sizeof *rs->limited, by_text);
}

int ecomd_rules_install(ecomd_rules *h, ec_ruleset *rules, int64_t version)
{
    ecomd_ruleset *rs = calloc(1, sizeof *rs);
    if (rs) rs->rules = rules;
    if (!rs || !list_limited(rs)) {
        ec_ruleset_free(rules);
        free(rs);
        return 0;
    }
    rs->version = version;
    atomic_init(&rs->refs, 1);
    pthread_mutex_lock(&h->mu);
    ecomd_ruleset *old = h->cur;
    /* Two threads may race to install (a PUT and the poller): the newer
     * version wins, whichever comes last. */
    int newer = !old || version > old->version;
    if (newer) h->cur = rs;
    pthread_mutex_unlock(&h->mu);
    ecomd_rules_release(newer ? old : rs);
    return newer;
}

int64_t ecomd_rules_version(ecomd_rules *h)
{
    pthread_mutex_lock(&h->mu);
    int64_t v = h->cur ? h->cur->version : 0;
    pthread_mutex_unlock(&h->mu);
    return v;
}

ec_status ecomd_rules_refresh(ecomd_rules *h, ecomd_store *store, ec_error *err)
{
    int64_t version = 0;
    ec_status st = store->ops->rules_current(store, &version, NULL, NULL);
    if (st != EC_OK || version <= ecomd_rules_version(h)) return st;
    char *body = NULL;
    size_t len = 0;
    st = store->ops->rules_current(store, &version, &body, &len);
    if (st != EC_OK || !body) return st;
    ec_ruleset *rules = NULL;
    st = ec_ruleset_from_json(body, len, NULL, &rules, err);
    free(body);
    if (st == EC_OK) ecomd_rules_install(h, rules, version);
    return st;
}
