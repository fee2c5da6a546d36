/* test_chaos.c - allocation-failure ("chaos") tests for pricing.
 *
 * A counting ec_allocator fails the Nth allocation attempt (alloc or
 * realloc).  Every public entry point that allocates is run for N = 1, 2, ...
 * until a run in which no failure was injected succeeds.  Each run must
 *   - return EC_NO_MEMORY (err filled the same), or succeed with exactly the
 *     outcome of the failure-free run when the library could do without the
 *     memory (PCRE2's JIT compilation is optional, for instance);
 *   - give back every block it took (allocations == frees, no bytes live),
 *     and free only blocks this allocator handed out;
 *   - leave reusable objects (result, pricer) usable: the next call without
 *     failures gives the failure-free outcome.
 * Two injection modes: "once" fails attempt N only, "sticky" fails N and
 * every later attempt (as when memory really runs out), which reaches the
 * paths where a first failure was absorbed and a later one is not.
 *
 * cJSON allocates with process-wide hooks, not with the objects' allocator.
 * The "cjson" modes also route cJSON_InitHooks() through the same counter,
 * so the parse step of the JSON facade fails too; the hooks are restored
 * before each test returns.  cJSON reports a failed allocation exactly like
 * a syntax error (NULL), so a failure injected inside cJSON's parser comes
 * back as EC_INVALID_JSON: accepted here for that case only (a limitation
 * of cJSON's API, not of the library's cleanup), EC_NO_MEMORY everywhere
 * else.
 * Buffers the facade returns with plain malloc (ec_json_price) are outside
 * any hook and not covered. */
#include <CUnit/CUnit.h>
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"

/* ---- the counting, failing allocator ----------------------------------------- */

enum { CHAOS_MAGIC = 0x6368616fu, CHAOS_MAX_RUNS = 100000, CHAOS_MAX_REPORTS = 6 };

/* Header in front of every block: its size, and a magic number that tells
 * our blocks from anyone else's.  max_align_t keeps the payload aligned. */
typedef union chaos_header {
    struct {
        size_t size;
        uint32_t magic;
    } h;
    max_align_t align;
} chaos_header;

typedef struct chaos {
    ec_allocator a;          /* opaque points back here */
    unsigned long fail_at;   /* attempt that fails (1-based); 0: none */
    int sticky;              /* fail every attempt from fail_at on */
    int armed;               /* 0: count blocks, never fail, count no attempts */
    unsigned long attempts;  /* alloc and realloc calls while armed */
    unsigned long injected;  /* failures returned */
    int first_failure_cjson; /* the first injected failure hit cJSON */
    unsigned long allocs, frees, foreign_frees;
    size_t live_bytes;
} chaos;

static int chaos_should_fail(chaos *ch, int from_cjson)
{
    if (!ch->armed) return 0;
    ch->attempts++;
    int fail =
        ch->fail_at && (ch->sticky ? ch->attempts >= ch->fail_at : ch->attempts == ch->fail_at);
    if (fail && ch->injected++ == 0) ch->first_failure_cjson = from_cjson;
    return fail;
}

static chaos_header *chaos_header_of(chaos *ch, void *p)
{
    chaos_header *h = (chaos_header *)p - 1;
    if (h->h.magic == CHAOS_MAGIC) return h;
    ch->foreign_frees++;
    return NULL;
}

static void *chaos_take(chaos *ch, size_t size, int from_cjson)
{
    if (chaos_should_fail(ch, from_cjson)) return NULL;
    chaos_header *h = malloc(sizeof *h + size);
    if (!h) return NULL;
    h->h.size = size;
    h->h.magic = CHAOS_MAGIC;
    ch->allocs++;
    ch->live_bytes += size;
    return h + 1;
}

static void chaos_give(chaos *ch, void *p)
{
    if (!p) return;
    chaos_header *h = chaos_header_of(ch, p);
    if (!h) return; /* leak it rather than corrupt the heap: it is reported */
    h->h.magic = 0;
    ch->frees++;
    ch->live_bytes -= h->h.size;
    free(h);
}

static void *chaos_alloc(void *opaque, size_t size)
{
    return chaos_take(opaque, size, 0);
}
static void chaos_free(void *opaque, void *p)
{
    chaos_give(opaque, p);
}

static void *chaos_realloc(void *opaque, void *p, size_t size)
{
    chaos *ch = opaque;
    if (!p) return chaos_take(ch, size, 0);
    chaos_header *old = chaos_header_of(ch, p);
    if (!old || chaos_should_fail(ch, 0)) return NULL;
    size_t old_size = old->h.size;
    chaos_header *h = realloc(old, sizeof *h + size);
    if (!h) return NULL;
    h->h.size = size;
    ch->live_bytes = ch->live_bytes - old_size + size;
    return h + 1;
}

static void chaos_init(chaos *ch, unsigned long fail_at, int sticky)
{
    memset(ch, 0, sizeof *ch);
    ch->a = (ec_allocator){chaos_alloc, chaos_realloc, chaos_free, ch};
    ch->fail_at = fail_at;
    ch->sticky = sticky;
    ch->armed = 1;
}

/* cJSON's hooks take no context: this is the chaos they report to.  Only
 * set between cjson_hooks_on() and cjson_hooks_off() of one test. */
static chaos *cjson_chaos;

static void *cjson_malloc(size_t size)
{
    return chaos_take(cjson_chaos, size, 1);
}
static void cjson_free(void *p)
{
    chaos_give(cjson_chaos, p);
}

static void cjson_hooks_on(chaos *ch)
{
    cjson_chaos = ch;
    cJSON_Hooks hooks = {cjson_malloc, cjson_free};
    cJSON_InitHooks(&hooks);
}

static void cjson_hooks_off(void)
{
    cJSON_InitHooks(NULL);
    cjson_chaos = NULL;
}

/* ---- fixtures: one ruleset using every feature, one big cart ---------------- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

/* Append printf output, written with ' for " so that the JSON fixtures
 * stay readable: no value here, and no output of the library for them,
 * contains an apostrophe. */
__attribute__((format(printf, 2, 3))) static void sb_json(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) abort();
    if (b->len + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + (size_t)n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) abort(); /* a test fixture without memory cannot test anything */
        b->p = p;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    for (size_t i = b->len; i < b->len + (size_t)n; i++)
        if (b->p[i] == '\'') b->p[i] = '"';
    b->len += (size_t)n;
}

/* 150 products (pairs of promotion targets outgrow their first 256 slots)
 * with 100-byte SKUs (a cart of 40 lines outgrows its first arena block). */
enum { NPRODUCTS = 150, NLINES = 40, NCOUPONS = 20, NUSES = 20, SKU_LEN = 100 };

static const char *sku(int i)
{
    static char s[NPRODUCTS][SKU_LEN + 1];
    if (!s[i][0]) {
        snprintf(s[i], sizeof s[i], "SKU-%03d-", i);
        memset(s[i] + 8, 'x', SKU_LEN - 8);
        s[i][SKU_LEN] = '\0';
    }
    return s[i];
}

static void ruleset_products(sbuf *b, int n)
{
    sb_json(b, "'products':[");
    for (int i = 0; i < n; i++)
        sb_json(b,
                "%s{'sku':'%s','prices':{'EUR':'%d.%02d','USD':'%d.99'},"
                "'categories':['cat%d','all']%s}",
                i ? "," : "", sku(i), 5 + i % 40, (i * 7) % 100, 6 + i % 40, i % 7,
                i % 3 == 0 ? ",'tax_category':'reduced'" : "");
    sb_json(b, "],");
}

static void ruleset_price_lists(sbuf *b, int n)
{
    sb_json(b, "'price_lists':[{'id':'b2b','currency':'EUR','priority':10,"
               "'customer_groups':['b2b'],'channels':['web','app'],'countries':['DE','AT'],"
               "'valid_from':'2026-01-01T00:00:00Z','valid_to':'2027-01-01T00:00:00Z',"
               "'prices':[");
    for (int i = 0; i < n; i += 2)
        sb_json(b,
                "%s{'sku':'%s','price':'%d.50','tiers':[{'min_quantity':5,'price':'%d.25'},"
                "{'min_quantity':10,'price':{'EUR':'%d.00'}}]}",
                i ? "," : "", sku(i), 4 + i % 30, 3 + i % 30, 2 + i % 30);
    sb_json(b, "]},{'id':'retail','priority':1,'valid_to':null,'prices':[");
    for (int i = 0; i < n; i += 3)
        sb_json(b, "%s{'sku':'%s','price':'%d.10'}", i ? "," : "", sku(i), 6 + i % 20);
    sb_json(b, "]},{'id':'usd','currency':'USD','prices':[{'sku':'%s','price':'1.00'}]}],", sku(1));
}

static void ruleset_product_promotions(sbuf *b)
{
    sb_json(b, "{'id':'PROD-PCT','name':'Ten off','level':'product','priority':5,"
               "'target':{'categories':['cat1']},"
               "'action':{'type':'percent_off','percent':'10'}},");
    sb_json(b,
            "{'id':'PROD-AMT','level':'product','countries':['DE'],'target':{'skus':['%s']},"
            "'action':{'type':'amount_off_each','amount':'1.00'}},",
            sku(33));
    sb_json(b, "{'id':'PROD-FIX','level':'product','priority':9,"
               "'valid_from':'2026-01-01T00:00:00Z','target':{'sku_pattern':'^SKU-00[0-4]'},"
               "'action':{'type':'fixed_price','price':{'EUR':'3.00'}}},");
}

static void ruleset_cart_promotions(sbuf *b)
{
    sb_json(b,
            "{'id':'C-PCT','priority':100,'stacking':'stack','customer_groups':['retail','b2b'],"
            "'channels':['web'],'countries':['DE'],'min_subtotal':'10.00','min_quantity':2,"
            "'target':{'categories':['all'],'exclude_skus':['%s']},"
            "'action':{'type':'percent_off','percent':'5'},'max_discount':'50.00'},",
            sku(0));
    sb_json(b, "{'id':'C-ALL','priority':95,'target':{'categories':['all','cat0']},"
               "'action':{'type':'percent_off','percent':'0.5'}},");
    sb_json(b,
            "{'id':'C-EACH','priority':90,'target':{'sku_pattern':'-0[12][0-9]-','skus':['%s']},"
            "'action':{'type':'amount_off_each','amount':{'EUR':'0.50','USD':'0.60'}}},",
            sku(30));
    sb_json(b, "{'id':'C-ORDER','priority':80,'coupon':'SAVE10','usage_limit':1000,"
               "'action':{'type':'amount_off_order','amount':'10.00'}},"
               "{'id':'C-FIX','priority':70,'target':{'categories':['cat3']},"
               "'action':{'type':'fixed_price','price':'2.00'}},"
               "{'id':'C-BXGY','priority':60,'target':{'categories':['cat2','cat4']},"
               "'action':{'type':'buy_x_get_y','buy':2,'get':1,'percent':'50',"
               "'max_applications':3}},");
    sb_json(b, "{'id':'C-TIER','priority':50,'action':{'type':'tiered_percent','tiers':["
               "{'min_subtotal':'50.00','percent':'2'},"
               "{'min_subtotal':{'EUR':'100.00'},'percent':'3.5'}]}},"
               "{'id':'C-SHIP','priority':40,'stacking':'stop','coupon':'FREESHIP',"
               "'action':{'type':'free_shipping'}},"
               "{'id':'C-LATE','priority':35,'action':{'type':'percent_off','percent':'50'}},"
               "{'id':'C-EXCL','priority':30,'stacking':'exclusive',"
               "'valid_to':'2030-01-01T00:00:00Z','action':{'type':'percent_off','percent':'1'}},"
               "{'id':'C-APP','priority':20,'channels':['app'],"
               "'action':{'type':'percent_off','percent':'20'}},");
    /* the version 2 keys: a group, exclude_discounted, code lists with a
     * limit, customer limits, a budget, a reward set */
    sb_json(b,
            "{'id':'G-ONE','priority':99,'group':'best','target':{'categories':['cat4']},"
            "'action':{'type':'percent_off','percent':'3'}},"
            "{'id':'G-TWO','priority':98,'group':'best','target':{'categories':['cat4']},"
            "'action':{'type':'amount_off_order','amount':'0.10'}},"
            "{'id':'V2-EXCL','priority':101,'exclude_discounted':true,'budget':'2.00',"
            "'usage_limit_per_customer':3,'action':{'type':'percent_off','percent':'2'}},"
            "{'id':'V2-GIFT','priority':96,'target':{'categories':['cat5']},'action':{"
            "'type':'buy_x_get_y','buy':1,'get':1,'percent':'10','reward_target':"
            "{'categories':['cat6'],'exclude_skus':['%s']}}},"
            "{'id':'V2-CODES','priority':15,'coupon':[",
            sku(6));
    for (int i = 0; i < 300; i++) sb_json(b, "%s'CODE-%03d'", i ? "," : "", i);
    sb_json(b, "],'code_usage_limit':1,'action':{'type':'amount_off_order','amount':'1.00'}}");
}

/* nproducts products; the promotions and the rest do not change. */
static char *make_ruleset_json(int nproducts)
{
    sbuf b = {0};
    sb_json(&b,
            "{'currency':'EUR','rounding':'half_up','prices_include_tax':false,"
            "'tax_rounding':'total','shipping_tax':'proportional','tax':["
            "{'category':'standard','country':'DE','percent':'19'},"
            "{'category':'reduced','country':'DE','percent':'7'},"
            "{'category':'standard','country':'*','percent':'20'},"
            "{'category':'reduced','country':'*','percent':'10'},"
            "{'category':'standard','country':'DE','region':'DE-BE','rates':["
            "{'name':'VAT','percent':'19'},{'name':'city','percent':'1.5'}]},"
            "{'category':'reduced','country':'DE','region':'DE-BE','postal_codes':['101','10 2'],"
            "'rates':[{'name':'VAT','percent':'7'},{'name':'city','percent':'0.5'}]},"
            "{'category':'reduced','country':'DE','tax_classes':['b2b','gov'],"
            "'rates':[{'name':'VAT','percent':'7'},{'name':'b2b','percent':'0'}]},");
    for (int i = 0; i < 40; i++) /* the index grows past its first table */
        sb_json(&b,
                "{'category':'standard','country':'US','region':'US-%02d','postal_codes':["
                "'%03d','%03d1'],'rates':[{'name':'state','percent':'%d'},"
                "{'name':'county','percent':'1'},{'name':'city','percent':'0.25'}]},",
                i, i, i, 4 + i % 4);
    sb_json(&b, "{'category':'standard','country':'US','percent':'0'}],");
    ruleset_products(&b, nproducts);
    ruleset_price_lists(&b, nproducts);
    sb_json(&b, "'promotions':[");
    ruleset_product_promotions(&b);
    ruleset_cart_promotions(&b);
    sb_json(&b, "],'shipping':[{'id':'standard','prices':{'EUR':'4.90','USD':'5.90'},"
                "'free_over':'5000.00','countries':['DE','AT','FR'],'tax_category':'standard'},"
                "{'id':'express','prices':'9.90','tax_category':'reduced'}]}");
    return b.p;
}

/* The cart as setter calls; the JSON fixture below says the same. */
static int line_sku(int i)
{
    return (i * 11) % NPRODUCTS;
}
static int64_t line_quantity(int i)
{
    return 1 + i % 12;
}

static char *make_cart_json(const char *currency)
{
    sbuf b = {0};
    sb_json(&b,
            "{'id':'cart-chaos','currency':'%s','country':'DE','customer_group':'b2b',"
            "'channel':'web','at':'2026-06-01T12:00:00Z','shipping_method':'standard','lines':[",
            currency);
    for (int i = 0; i < NLINES; i++)
        sb_json(&b, "%s{'sku':'%s','quantity':%lld}", i ? "," : "", sku(line_sku(i)),
                (long long)line_quantity(i));
    sb_json(&b, "],'coupons':['save10','FREESHIP'");
    for (int i = 4; i < NCOUPONS; i++) sb_json(&b, ",'UNKNOWN-%d'", i);
    sb_json(&b, ",'code-007','CODE-008'],'promotion_uses':{'C-ORDER':5");
    for (int i = 1; i < NUSES; i++) sb_json(&b, ",'OTHER-%d':%d", i, i);
    sb_json(&b, "},'region':'DE-BE','postal_code':'10115','tax_class':'b2b','customer':'cust-1',"
                "'coupon_uses':{'Code-007':1");
    for (int i = 1; i < NUSES; i++) sb_json(&b, ",'OTHER-%d':%d", i, i);
    sb_json(&b, "},'customer_promotion_uses':{'V2-EXCL':1");
    for (int i = 1; i < NUSES; i++) sb_json(&b, ",'OTHER-%d':%d", i, i);
    sb_json(&b, "},'promotion_spent':{'V2-EXCL':'0.50'");
    for (int i = 1; i < NUSES; i++) sb_json(&b, ",'OTHER-%d':'%d.00'", i, i);
    sb_json(&b, "}}");
    return b.p;
}

static struct {
    char *rules_json, *small_rules_json, *cart_json, *usd_cart_json;
    ec_ruleset *rules; /* libc allocator: the fixture under every test */
    ec_cart *cart;
} fx;

static int chaos_suite_init(void)
{
    fx.rules_json = make_ruleset_json(NPRODUCTS);
    /* every cJSON node is an allocation: the cjson modes parse a smaller
     * document with the same features, to keep the runs few */
    fx.small_rules_json = make_ruleset_json(8);
    fx.cart_json = make_cart_json("EUR");
    fx.usd_cart_json = make_cart_json("USD");
    fx.cart = ec_cart_new();
    if (ec_ruleset_from_json(fx.rules_json, strlen(fx.rules_json), NULL, &fx.rules, NULL) != EC_OK)
        return 1;
    if (!fx.cart || ec_cart_from_json(fx.cart, fx.cart_json, strlen(fx.cart_json), NULL) != EC_OK)
        return 1;
    return 0;
}

static int chaos_suite_cleanup(void)
{
    cjson_hooks_off(); /* in case a test was cut short */
    ec_ruleset_free(fx.rules);
    ec_cart_free(fx.cart);
    free(fx.rules_json);
    free(fx.small_rules_json);
    free(fx.cart_json);
    free(fx.usd_cart_json);
    memset(&fx, 0, sizeof fx);
    return 0;
}

/* ---- outcomes that the runs compare ------------------------------------------ */

/* The pricing result document (malloc'd), or NULL. */
static char *result_document(const ec_price_result *r, const ec_cart *cart)
{
    char *doc = NULL;
    if (ec_price_result_to_json(r, cart, &doc, NULL) != EC_OK) return NULL;
    char *copy = strdup(doc);
    ec_free(doc);
    return copy;
}

/* What a ruleset prices: its counts and two carts through the facade. */
static char *ruleset_fingerprint(const ec_ruleset *rs)
{
    sbuf b = {0};
    sb_json(&b, "%zu/%zu/%zu %s\n", ec_ruleset_product_count(rs), ec_ruleset_price_list_count(rs),
            ec_ruleset_promotion_count(rs), ec_ruleset_currency(rs));
    const char *carts[] = {fx.cart_json, fx.usd_cart_json};
    for (size_t i = 0; i < 2; i++) {
        char *out = NULL;
        ec_error err;
        ec_status st = ec_json_price(rs, carts[i], strlen(carts[i]), &out, NULL, &err);
        sb_json(&b, "%s %s\n", ec_status_name(st), st == EC_OK ? out : err.field);
        ec_free(out);
    }
    return b.p;
}

/* ---- the scenarios: each runs one entry point and frees everything ----------- */

/* A scenario runs the call under test on doc (a ruleset or cart document,
 * or nothing) and returns its status and, on success, a malloc'd
 * description of the outcome in *fp.  Everything it creates is freed
 * before it returns. */
typedef ec_status (*scenario)(chaos *ch, const char *doc, ec_error *err, char **fp);

static ec_status no_memory(ec_error *err)
{
    ec_error_clear(err);
    err->code = EC_NO_MEMORY; /* a NULL handle from *_new_ex means this */
    return EC_NO_MEMORY;
}

static ec_status sc_ruleset(chaos *ch, const char *doc, ec_error *err, char **fp)
{
    ec_ruleset *rs = (ec_ruleset *)&rs; /* must come back NULL on failure */
    ec_status st = ec_ruleset_from_json(doc, strlen(doc), &ch->a, &rs, err);
    ch->armed = 0;
    if (st == EC_OK)
        *fp = ruleset_fingerprint(rs);
    else
        CU_ASSERT_PTR_NULL(rs);
    ec_ruleset_free(st == EC_OK ? rs : NULL);
    return st;
}

/* The version 2 context and every count map, each grown past its first
 * allocation; the same as the JSON fixture says. */
static ec_status fill_context_v2(ec_cart *c, ec_error *err)
{
    char key[32];
    ec_status st = ec_cart_set_region(c, "DE-BE", err);
    if (st == EC_OK) st = ec_cart_set_postal_code(c, "10115", err);
    if (st == EC_OK) st = ec_cart_set_tax_class(c, "b2b", err);
    if (st == EC_OK) st = ec_cart_set_customer(c, "cust-1", err);
    if (st == EC_OK) st = ec_cart_set_coupon_uses(c, "Code-007", 1, err);
    if (st == EC_OK) st = ec_cart_set_customer_promotion_uses(c, "V2-EXCL", 1, err);
    if (st == EC_OK) st = ec_cart_set_promotion_spent(c, "V2-EXCL", 50, err);
    for (int i = 1; st == EC_OK && i < NUSES; i++) {
        snprintf(key, sizeof key, "OTHER-%d", i);
        st = ec_cart_set_promotion_uses(c, key, i, err);
        if (st == EC_OK) st = ec_cart_set_coupon_uses(c, key, i, err);
        if (st == EC_OK) st = ec_cart_set_customer_promotion_uses(c, key, i, err);
        if (st == EC_OK) st = ec_cart_set_promotion_spent(c, key, i * 100, err);
    }
    return st;
}

/* Every setter, enough of each that every growable array and the arena
 * grow at least once. */
static ec_status fill_cart(ec_cart *c, ec_error *err)
{
    ec_status st = ec_cart_set_id(c, "cart-chaos", err);
    if (st == EC_OK) st = ec_cart_set_currency(c, "EUR", err);
    if (st == EC_OK) st = ec_cart_set_at(c, INT64_C(1780315200000000), err);
    if (st == EC_OK) st = ec_cart_set_country(c, "DE", err);
    if (st == EC_OK) st = ec_cart_set_customer_group(c, "b2b", err);
    if (st == EC_OK) st = ec_cart_set_channel(c, "web", err);
    if (st == EC_OK) st = ec_cart_set_shipping_method(c, "standard", err);
    for (int i = 0; st == EC_OK && i < NLINES; i++)
        st = ec_cart_add_line(c, sku(line_sku(i)), line_quantity(i), err);
    char code[32];
    if (st == EC_OK) st = ec_cart_add_coupon(c, "save10", err);
    if (st == EC_OK) st = ec_cart_add_coupon(c, "FREESHIP", err);
    for (int i = 4; st == EC_OK && i < NCOUPONS; i++) {
        snprintf(code, sizeof code, "UNKNOWN-%d", i);
        st = ec_cart_add_coupon(c, code, err);
    }
    if (st == EC_OK) st = ec_cart_add_coupon(c, "code-007", err);
    if (st == EC_OK) st = ec_cart_add_coupon(c, "CODE-008", err);
    st = st == EC_OK ? ec_cart_set_promotion_uses(c, "C-ORDER", 5, err) : st;
    return st == EC_OK ? fill_context_v2(c, err) : st;
}

/* A cart is described by what it prices to (libc result). */
static char *cart_fingerprint(const ec_cart *c)
{
    ec_price_result *r = ec_price_result_new();
    char *doc = NULL;
    if (r && ec_price_cart(fx.rules, c, r, NULL) == EC_OK) doc = result_document(r, c);
    ec_price_result_free(r);
    return doc ? doc : strdup("(cart does not price)");
}

static ec_status sc_cart(chaos *ch, const char *doc, ec_error *err, char **fp)
{
    (void)doc; /* built with the setters */
    ec_cart *c = ec_cart_new_ex(&ch->a);
    if (!c) return no_memory(err);
    ec_status st = fill_cart(c, err);
    ch->armed = 0;
    if (st == EC_OK) *fp = cart_fingerprint(c);
    ec_cart_free(c);
    return st;
}

/* After a failed call the same result must price correctly. */
static void result_recovers(chaos *ch, ec_price_result *r)
{
    ch->armed = 0;
    char *doc = NULL, *want = NULL;
    CU_ASSERT_EQUAL(ec_price_cart(fx.rules, fx.cart, r, NULL), EC_OK);
    doc = result_document(r, fx.cart);
    want = cart_fingerprint(fx.cart);
    CU_ASSERT_TRUE(doc && want && strcmp(doc, want) == 0);
    free(doc);
    free(want);
}

static ec_status sc_result(chaos *ch, const char *doc, ec_error *err, char **fp)
{
    (void)doc; /* prices the fixture cart */
    ec_price_result *r = ec_price_result_new_ex(&ch->a);
    if (!r) return no_memory(err);
    ec_status st = ec_price_cart(fx.rules, fx.cart, r, err);
    ch->armed = 0;
    if (st == EC_OK) {
        *fp = result_document(r, fx.cart);
    } else {
        CU_ASSERT_PTR_NULL(ec_price_result_currency(r)); /* failure leaves it empty */
        CU_ASSERT_EQUAL(ec_price_result_line_count(r), 0);
        result_recovers(ch, r);
    }
    ec_price_result_free(r);
    return st;
}

/* A failed pricer call hands back the error document when it could write
 * one; its code is the status. */
static void check_error_document(const char *doc, ec_status st)
{
    if (!doc) return;
    cJSON *d = cJSON_Parse(doc);
    const cJSON *code =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d, "error"), "code");
    CU_ASSERT_TRUE(cJSON_IsString(code) && strcmp(code->valuestring, ec_status_name(st)) == 0);
    cJSON_Delete(d);
}

/* After a failed call the same pricer, memory back, must give the
 * document a fresh facade call gives. */
static void pricer_recovers(ec_pricer *p, const char *cart)
{
    const char *again = NULL;
    char *want = NULL;
    CU_ASSERT_EQUAL(ec_json_price(fx.rules, cart, strlen(cart), &want, NULL, NULL), EC_OK);
    CU_ASSERT_EQUAL(ec_pricer_price_json(p, fx.rules, cart, strlen(cart), &again, NULL, NULL),
                    EC_OK);
    CU_ASSERT_TRUE(again && want && strcmp(again, want) == 0);
    ec_free(want);
}

static ec_status sc_pricer(chaos *ch, const char *cart, ec_error *err, char **fp)
{
    ec_pricer *p = ec_pricer_new_ex(&ch->a);
    if (!p) return no_memory(err);
    const char *doc = NULL;
    ec_status st = ec_pricer_price_json(p, fx.rules, cart, strlen(cart), &doc, NULL, err);
    ch->armed = 0;
    if (st == EC_OK) {
        *fp = doc ? strdup(doc) : NULL;
    } else {
        check_error_document(doc, st);
        pricer_recovers(p, cart);
    }
    ec_pricer_free(p);
    return st;
}

/* ---- the driver ------------------------------------------------------------ */

typedef struct mode {
    const char *name;
    int sticky, cjson;
} mode;

static const mode ONCE = {"once", 0, 0}, STICKY = {"sticky", 1, 0};
static const mode CJSON_ONCE = {"cjson+once", 0, 1}, CJSON_STICKY = {"cjson+sticky", 1, 1};

__attribute__((format(printf, 5, 6))) static void
report(const char *what, const mode *m, unsigned long n, int *reports, const char *fmt, ...)
{
    if ((*reports)++ >= CHAOS_MAX_REPORTS) return;
    va_list ap;
    va_start(ap, fmt);
    printf("\n    chaos %s (%s) N=%lu: ", what, m->name, n);
    vprintf(fmt, ap);
    va_end(ap);
}

/* One run with attempt n failing (0: none).  Returns 1 when the run
 * succeeded without any injected failure: the loop is over. */
static int run_once(const char *what, scenario fn, const char *doc, const mode *m, unsigned long n,
                    const char *base, int *reports)
{
    chaos ch;
    chaos_init(&ch, n, m->sticky);
    if (m->cjson) cjson_hooks_on(&ch);
    ec_error err;
    ec_error_clear(&err);
    char *fp = NULL;
    ec_status st = fn(&ch, doc, &err, &fp);
    if (m->cjson) cjson_hooks_off();
    int ok = 1;
    if (ch.allocs != ch.frees || ch.live_bytes != 0 || ch.foreign_frees != 0)
        ok = 0, report(what, m, n, reports,
                       "leak: %lu allocations, %lu frees, %zu bytes live, "
                       "%lu frees of foreign blocks",
                       ch.allocs, ch.frees, ch.live_bytes, ch.foreign_frees);
    if (st == EC_OK && (!fp || !base || strcmp(fp, base) != 0))
        ok = 0, report(what, m, n, reports,
                       "succeeded after %lu injected failure(s) with a "
                       "different outcome:\n      %.300s",
                       ch.injected, fp ? fp : "(none)");
    /* invalid_json only when cJSON's parser took the (first) failure */
    int allowed = st == EC_NO_MEMORY || (st == EC_INVALID_JSON && ch.first_failure_cjson);
    if (st != EC_OK && (!allowed || err.code != (int32_t)st))
        ok = 0, report(what, m, n, reports, "returned %s (err %s at '%s': %s), want no_memory%s",
                       ec_status_name(st), ec_status_name(err.code), err.field, err.message,
                       ch.first_failure_cjson ? " or invalid_json" : "");
    if (st != EC_OK && ch.injected == 0)
        ok = 0, report(what, m, n, reports, "failed with no failure injected: %s", err.message);
    CU_ASSERT_TRUE(ok);
    free(fp);
    return st == EC_OK && ch.injected == 0;
}

/* The failure-free outcome, then N = 1, 2, ... until a run succeeds with
 * no failure injected. */
static void drive(const char *what, scenario fn, const char *doc, const mode *m)
{
    chaos ch;
    chaos_init(&ch, 0, 0);
    if (m->cjson) cjson_hooks_on(&ch);
    ec_error err;
    char *base = NULL;
    ec_status st = fn(&ch, doc, &err, &base);
    if (m->cjson) cjson_hooks_off();
    CU_ASSERT_EQUAL(st, EC_OK);
    CU_ASSERT_PTR_NOT_NULL(base);
    CU_ASSERT_TRUE(ch.attempts > 0);
    CU_ASSERT_EQUAL(ch.allocs, ch.frees);
    if (st != EC_OK || !base) {
        free(base);
        return;
    }
    int reports = 0;
    unsigned long n = 1;
    while (n < CHAOS_MAX_RUNS && !run_once(what, fn, doc, m, n, base, &reports)) n++;
    CU_ASSERT_TRUE(n < CHAOS_MAX_RUNS);
    /* every attempt of the failure-free run was failed once */
    CU_ASSERT_TRUE(n > ch.attempts);
    free(base);
}

/* ---- tests ----------------------------------------------------------------- */

/* The fixtures really exercise what they claim to: the regex, category
 * and SKU targets, price lists, tiers, coupons and shipping all show up
 * in the failure-free outcome the chaos runs are compared with. */
static void test_chaos_fixture_covers_features(void)
{
    char *fp = ruleset_fingerprint(fx.rules);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    static const char *const want[] = {
        "150/3/19 EUR\nok {\"id\":\"cart-chaos\"", "\"price_list\":\"b2b\"",
        "\"price_list\":\"retail\"", "\"product_promotion\":\"PROD-FIX\"",
        "\"product_promotion\":\"PROD-PCT\"", "\"product_promotion\":\"PROD-AMT\"",
        "{\"id\":\"C-PCT\",\"applied\":true", "{\"id\":\"C-EACH\",\"applied\":true",
        "{\"id\":\"C-ORDER\",\"applied\":true", "{\"id\":\"C-FIX\",\"applied\":true",
        "{\"id\":\"C-BXGY\",\"applied\":true", "{\"id\":\"C-TIER\",\"applied\":true",
        "{\"id\":\"C-SHIP\",\"applied\":true,\"amount\":\"4.90\"}",
        "{\"id\":\"C-LATE\",\"applied\":false,\"reason\":\"stopped\"}",
        "{\"id\":\"C-EXCL\",\"applied\":false,\"reason\":\"not_best\"}",
        "{\"code\":\"save10\",\"status\":\"applied\"}", "\"shipping\":{\"method\":\"standard\"",
        /* the USD cart skips the promotions without a USD amount */
        "\nok {\"id\":\"cart-chaos\",\"currency\":\"USD\"",
        "{\"id\":\"C-PCT\",\"applied\":false,\"reason\":\"currency\"}",
        /* version 2: jurisdiction rates, a class, the summary, the new keys */
        "{\"name\":\"city\",\"percent\":\"1.5\"", "{\"name\":\"b2b\",\"percent\":\"0\"",
        "{\"name\":\"b2b\",\"percent\":\"0\",\"amount\":\"0.00\"},{\"name\":\"VAT\",\"percent\":"
        "\"19\"",
        "{\"id\":\"G-ONE\",\"applied\":true",
        "{\"id\":\"G-TWO\",\"applied\":false,\"reason\":\"not_best_in_group\"}",
        "{\"id\":\"V2-EXCL\",\"applied\":true", "{\"id\":\"V2-GIFT\",\"applied\":true",
        "{\"id\":\"V2-CODES\",\"applied\":false,\"reason\":\"stopped\"}",
        "{\"code\":\"code-007\",\"status\":\"not_applicable\"}"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!strstr(fp, want[i])) printf("\n    chaos fixture: no %s", want[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(fp, want[i]));
    }
    /* the setter-built cart prices like the JSON one */
    char *a = cart_fingerprint(fx.cart);
    ec_cart *c = ec_cart_new();
    CU_ASSERT_EQUAL_FATAL(fill_cart(c, NULL), EC_OK);
    char *b = cart_fingerprint(c);
    CU_ASSERT_STRING_EQUAL(a, b);
    ec_cart_free(c);
    free(a);
    free(b);
    free(fp);
}

static void test_chaos_ruleset_from_json(void)
{
    drive("ec_ruleset_from_json", sc_ruleset, fx.rules_json, &ONCE);
    drive("ec_ruleset_from_json", sc_ruleset, fx.rules_json, &STICKY);
}

static void test_chaos_ruleset_from_json_cjson(void)
{
    drive("ec_ruleset_from_json", sc_ruleset, fx.small_rules_json, &CJSON_ONCE);
    drive("ec_ruleset_from_json", sc_ruleset, fx.small_rules_json, &CJSON_STICKY);
}

static void test_chaos_cart_setters(void)
{
    drive("ec_cart_new_ex+setters", sc_cart, NULL, &ONCE);
    drive("ec_cart_new_ex+setters", sc_cart, NULL, &STICKY);
}

static void test_chaos_price_cart(void)
{
    drive("ec_price_result_new_ex+ec_price_cart", sc_result, NULL, &ONCE);
    drive("ec_price_result_new_ex+ec_price_cart", sc_result, NULL, &STICKY);
}

static void test_chaos_pricer_price_json(void)
{
    drive("ec_pricer_new_ex+ec_pricer_price_json", sc_pricer, fx.cart_json, &ONCE);
    drive("ec_pricer_new_ex+ec_pricer_price_json", sc_pricer, fx.cart_json, &STICKY);
}

static void test_chaos_pricer_price_json_cjson(void)
{
    drive("ec_pricer_new_ex+ec_pricer_price_json", sc_pricer, fx.cart_json, &CJSON_ONCE);
    drive("ec_pricer_new_ex+ec_pricer_price_json", sc_pricer, fx.cart_json, &CJSON_STICKY);
}

/* pricing.h and json.h promise that a reused result / pricer stops
 * allocating once grown: a second identical call makes no attempt. */
static void test_chaos_reuse_stops_allocating(void)
{
    chaos ch;
    chaos_init(&ch, 0, 0);
    ec_price_result *r = ec_price_result_new_ex(&ch.a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(ec_price_cart(fx.rules, fx.cart, r, NULL), EC_OK);
    unsigned long warm = ch.attempts;
    CU_ASSERT_EQUAL(ec_price_cart(fx.rules, fx.cart, r, NULL), EC_OK);
    CU_ASSERT_EQUAL(ch.attempts, warm);
    ec_price_result_free(r);

    ec_pricer *p = ec_pricer_new_ex(&ch.a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    const char *doc = NULL;
    CU_ASSERT_EQUAL(
        ec_pricer_price_json(p, fx.rules, fx.cart_json, strlen(fx.cart_json), &doc, NULL, NULL),
        EC_OK);
    warm = ch.attempts;
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(
            ec_pricer_price_json(p, fx.rules, fx.cart_json, strlen(fx.cart_json), &doc, NULL, NULL),
            EC_OK);
    CU_ASSERT_EQUAL(ch.attempts, warm);
    ec_pricer_free(p);
    CU_ASSERT_EQUAL(ch.allocs, ch.frees);
    CU_ASSERT_EQUAL(ch.live_bytes, 0);
}

/* The allocator's own bookkeeping, so that a pass above means something:
 * it fails exactly the attempts asked for and sees every leak. */
static void test_chaos_allocator_counts(void)
{
    chaos ch;
    chaos_init(&ch, 2, 0);
    void *a = ch.a.alloc(ch.a.opaque, 10);
    CU_ASSERT_PTR_NOT_NULL(a);
    CU_ASSERT_PTR_NULL(ch.a.realloc(ch.a.opaque, a, 100)); /* attempt 2 fails, a intact */
    void *b = ch.a.realloc(ch.a.opaque, a, 100);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(ch.live_bytes, 100);
    void *c = ch.a.realloc(ch.a.opaque, NULL, 5);
    CU_ASSERT_EQUAL(ch.allocs, 2);
    ch.a.free(ch.a.opaque, b);
    CU_ASSERT_EQUAL(ch.allocs - ch.frees, 1); /* c is still out: a leak is visible */
    ch.a.free(ch.a.opaque, c);
    CU_ASSERT_EQUAL(ch.allocs, ch.frees);
    CU_ASSERT_EQUAL(ch.live_bytes, 0);
    CU_ASSERT_EQUAL(ch.attempts, 4);
    CU_ASSERT_EQUAL(ch.injected, 1);
    chaos_init(&ch, 3, 1);
    void *keep[2];
    for (int i = 0; i < 2; i++) keep[i] = ch.a.alloc(ch.a.opaque, 1);
    for (int i = 0; i < 3; i++) CU_ASSERT_PTR_NULL(ch.a.alloc(ch.a.opaque, 1)); /* sticky */
    for (int i = 0; i < 2; i++) ch.a.free(ch.a.opaque, keep[i]);
    CU_ASSERT_EQUAL(ch.injected, 3);
    CU_ASSERT_EQUAL(ch.allocs, ch.frees);
}

static CU_TestInfo chaos_tests[] = {
    {"allocator_counts", test_chaos_allocator_counts},
    {"fixture_covers_features", test_chaos_fixture_covers_features},
    {"ruleset_from_json", test_chaos_ruleset_from_json},
    {"ruleset_from_json_cjson", test_chaos_ruleset_from_json_cjson},
    {"cart_setters", test_chaos_cart_setters},
    {"price_cart", test_chaos_price_cart},
    {"pricer_price_json", test_chaos_pricer_price_json},
    {"pricer_price_json_cjson", test_chaos_pricer_price_json_cjson},
    {"reuse_stops_allocating", test_chaos_reuse_stops_allocating},
    CU_TEST_INFO_NULL,
};

CU_SuiteInfo test_chaos_suites[] = {
    {.pName = "chaos",
     .pInitFunc = chaos_suite_init,
     .pCleanupFunc = chaos_suite_cleanup,
     .pTests = chaos_tests},
    CU_SUITE_INFO_NULL,
};
