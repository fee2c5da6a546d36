/* tax_json.c - the ruleset's tax entries and shipping methods into the
 * model.
 *
 * A tax entry says where it applies (category, country or "*", and
 * optionally a region, postal prefixes and tax classes) and what it
 * charges there: one `percent`, or a list of named `rates`, some of which
 * may be compound.  Entries are checked one by one here; two entries that
 * are equally specific are refused when the tax index is built. */
#include <string.h>

#include "json/ruleset_read.h"

/* ---- rates -------------------------------------------------------------------- */

static const char *const rate_keys[] = {"name", "percent", "compound", NULL};

static ec_status read_rate(ec__rctx *c, const cJSON *v, ec__tax_rate *r)
{
    const cJSON *f = NULL;
    int compound = 0;
    EC_TRY(ec__jkeys(v, rate_keys, "a rate", c->err));
    EC_TRY(ec__jrequire(v, "name", &f, c->err));
    EC_TRY(ec__rstr(c, f, "name", &r->name, 1));
    r->name_sym = ec__ruleset_symbol(c->rs, r->name.p, r->name.n);
    if (r->name_sym == EC__SYM_NONE) return EC__RNOMEM(c);
    EC_TRY(ec__jrequire(v, "percent", &f, c->err));
    EC_TRY(ec__jpercent(f, "percent", &r->percent, c->err));
    if ((f = ec__jget(v, "compound"))) EC_TRY(ec__jbool(f, "compound", &compound, c->err));
    /* a compound rate taxes tax: only an exclusive price taxed line by line
     * has a tax to build on when the rate is computed */
    EC_FAIL_IF(compound && (c->rs->prices_include_tax || c->rs->tax_total), c->err,
               EC_INVALID_FIELD, "compound",
               "compound rates need prices_include_tax false and tax_rounding \"line\"");
    r->compound = (uint8_t)compound;
    return EC_OK;
}

static ec_status distinct_names(ec__rctx *c, const ec__tax_rate *rates, uint32_t n)
{
    for (uint32_t j = 1; j < n; j++)
        for (uint32_t k = 0; k < j; k++)
            if (rates[k].name_sym == rates[j].name_sym) {
                ec__fail(c->err, EC_INVALID_FIELD, NULL,
                         "rate \"%s\" is named twice in one entry (rates[%u] and rates[%u])",
                         rates[j].name.p, k, j);
                ec__error_field(c->err, "rates[%u].name", j);
                return EC_INVALID_FIELD;
            }
    return EC_OK;
}

static ec_status read_rates(ec__rctx *c, const cJSON *v, ec__tax_entry *t)
{
    size_t n = 0;
    EC_TRY(ec__jarray(v, "rates", EC__TAX_MAX_RATES, &n, c->err));
    EC_FAIL_IF(n == 0, c->err, EC_INVALID_FIELD, "rates", "rates needs at least one rate");
    ec__tax_rate *rates = EC__RARRAY(c, n, ec__tax_rate);
    if (!rates) return EC__RNOMEM(c);
    EC__REACH(c, v, "rates", j, r, read_rate(c, r, &rates[j]));
    EC_TRY(distinct_names(c, rates, (uint32_t)n));
    t->rates = rates;
    t->nrates = (uint32_t)n;
    return EC_OK;
}

/* A bare percent: one rate named after the category. */
static ec_status one_rate(ec__rctx *c, const cJSON *v, const ec__str *category, ec__tax_entry *t)
{
    ec__tax_rate *r = EC__RARRAY(c, 1, ec__tax_rate);
    if (!r) return EC__RNOMEM(c);
    r->name = *category;
    r->name_sym = t->cat;
    EC_TRY(ec__jpercent(v, "percent", &r->percent, c->err));
    t->rates = r;
    t->nrates = 1;
    return EC_OK;
}

/* ---- where an entry applies -------------------------------------------------------- */

/* Prefixes are kept as they compare: without spaces, upper-cased. */
static ec_status read_postal(ec__rctx *c, const cJSON *v, ec__tax_entry *t)
{
    const ec__str *raw = NULL;
    EC_TRY(ec__rstr_list(c, v, "postal_codes", EC__TAX_MAX_ENTRIES, &raw, &t->npostal));
    ec__str *norm = EC__RARRAY(c, t->npostal, ec__str);
    if (!norm) return EC__RNOMEM(c);
    for (uint32_t i = 0; i < t->npostal; i++) {
        char *p = (char *)raw[i].p; /* the arena copy, rewritten in place */
        norm[i].p = p;
        norm[i].n = ec__postal_normalize(p, raw[i].p, raw[i].n);
        p[norm[i].n] = '\0';
        if (norm[i].n) continue;
        ec__fail(c->err, EC_INVALID_FIELD, NULL, "a postal prefix needs more than spaces");
        ec__error_field(c->err, "postal_codes[%u]", i);
        return EC_INVALID_FIELD;
    }
    t->postal = norm;
    return EC_OK;
}

static const char *const tax_keys[] = {"category",    "country", "region", "postal_codes",
                                       "tax_classes", "percent", "rates",  NULL};

ec_status ec__read_tax(ec__rctx *c, const cJSON *v, ec__tax_entry *t)
{
    const cJSON *f = NULL, *pct, *rates;
    ec__str category;
    EC_TRY(ec__jkeys(v, tax_keys, "a tax entry", c->err));
    EC_TRY(ec__jrequire(v, "category", &f, c->err));
    EC_TRY(ec__rstr(c, f, "category", &category, 1));
    t->cat = ec__ruleset_symbol(c->rs, category.p, category.n);
    if (t->cat == EC__SYM_NONE) return EC__RNOMEM(c);
    EC_TRY(ec__jrequire(v, "country", &f, c->err));
    if (cJSON_IsString(f) && strcmp(f->valuestring, "*") == 0)
        t->country = EC__SYM_ANY;
    else
        EC_TRY(ec__rsymbol(c, f, "country", &t->country));
    t->region = EC__SYM_NONE;
    if ((f = ec__jget(v, "region"))) EC_TRY(ec__rsymbol(c, f, "region", &t->region));
    EC_TRY(read_postal(c, v, t));
    EC_TRY(ec__rsymset(c, v, "tax_classes", &t->classes));
    pct = ec__jget(v, "percent");
    rates = ec__jget(v, "rates");
    EC_FAIL_IF(pct && rates, c->err, EC_INVALID_FIELD, "rates",
               "a tax entry gives percent or rates, not both");
    EC_FAIL_IF(!pct && !rates, c->err, EC_INVALID_FIELD, "percent",
               "a tax entry needs percent or rates");
    EC_TRY(pct ? one_rate(c, pct, &category, t) : read_rates(c, rates, t));
    for (uint32_t j = 0; j < t->nrates; j++) t->percent += t->rates[j].percent; /* <= 16 * 100% */
    return EC_OK;
}

/* ---- shipping ------------------------------------------------------------------------ */

static const char *const shipping_keys[] = {"id",        "prices",       "free_over",
                                            "countries", "tax_category", NULL};

ec_status ec__read_shipping(ec__rctx *c, const cJSON *v, ec__shipping *s)
{
    const cJSON *f = NULL;
    EC_TRY(ec__jkeys(v, shipping_keys, "a shipping method", c->err));
    EC_TRY(ec__jrequire(v, "id", &f, c->err));
    EC_TRY(ec__rstr(c, f, "id", &s->id, 1));
    EC_TRY(ec__jrequire(v, "prices", &f, c->err));
    EC_TRY(ec__rmoney_map(c, f, "prices", &s->prices));
    EC_TRY(ec__rmoney_map(c, ec__jget(v, "free_over"), "free_over", &s->free_over));
    EC_TRY(ec__rsymset(c, v, "countries", &s->countries));
    s->tax_cat = c->rs->sym_standard;
    if ((f = ec__jget(v, "tax_category"))) EC_TRY(ec__rsymbol(c, f, "tax_category", &s->tax_cat));
    return EC_OK;
}
