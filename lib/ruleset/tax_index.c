/* tax_index.c - which tax entry gives an item its rates.
 *
 * An entry applies where its keys say: a category, a country (or "*"), a
 * region, postal prefixes and tax classes.  The most specific candidate
 * wins: a tax-class match beats none, then postal beats region beats
 * country beats "*", the longest postal prefix beats shorter ones, and the
 * earlier entry breaks a remaining tie.
 *
 * A US seller has thousands of entries (a state, then counties and cities
 * by ZIP prefix), so an item must not scan them.  Every entry is filed
 * under its exact keys (category, country, region, one postal prefix) in a
 * hash table; an item then probes the few keys its cart could match, from
 * the most specific down: the distinct prefix lengths of its postal code,
 * its region, its country, "*".  Entries under one key differ only in their
 * tax classes, and two whose classes overlap (or are both empty) are the
 * same rule twice: refused when the index is built.
 *
 * Most carts name a country and nothing else the table keys on (no region,
 * postal prefix or tax class that some entry uses): their entry depends on
 * the country and the category alone, and the index keeps those answers
 * in a small table, found by the same probes when it is built. */
#include <stdio.h>
#include <string.h>

#include "common/internal.h"
#include "ruleset/model.h"

/* One key: the entries filed under it are entries[off .. off + n). */
typedef struct tax_slot {
    uint64_t hash; /* 0: empty (hashes are forced odd) */
    uint32_t cat, country, region;
    const char *prefix; /* NULL: no postal prefix */
    uint32_t plen;
    uint32_t off, n;
} tax_slot;

struct ec__tax_index {
    tax_slot *slots;
    size_t mask;
    uint32_t *entries;
    /* distinct postal prefix lengths, longest first */
    uint8_t lens[EC__POSTAL_MAX];
    uint32_t nlens;
    /* which (country, region) shapes postal entries use, bit (any_country
     * << 1 | any_region): most tables use one, so most probes are skipped */
    uint8_t postal_shapes;
    uint8_t has_classes; /* some entry names tax classes */
    uint8_t has_regions; /* some entry names a region */
    /* the entries of places that name a country only: row (per country
     * symbol, 0 for any other) times ncols + column - 1 (per category
     * symbol, 0 when no entry names it); NULL when too large */
    const ec__tax_entry **by_country;
    uint32_t (*row_col)[2]; /* per symbol */
    uint32_t ncols;
};

/* ---- keys ------------------------------------------------------------------------ */

typedef struct tax_key {
    uint32_t cat, country, region;
    const char *prefix;
    uint32_t plen;
} tax_key;

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static uint64_t key_hash(const tax_key *k)
{
    uint64_t h = mix(((uint64_t)k->cat << 32 | k->country) ^ 0x9e3779b97f4a7c15ULL);
    h = mix(h ^ k->region);
    for (uint32_t i = 0; i < k->plen; i++) h = (h ^ (unsigned char)k->prefix[i]) * 0x100000001b3ULL;
    return mix(h) | 1;
}

static int key_equal(const tax_slot *s, const tax_key *k, uint64_t h)
{
    return s->hash == h && s->cat == k->cat && s->country == k->country && s->region == k->region &&
           s->plen == k->plen && (k->plen == 0 || memcmp(s->prefix, k->prefix, k->plen) == 0);
}

static tax_slot *find_slot(const ec__tax_index *ix, const tax_key *k, uint64_t h)
{
    for (size_t i = h & ix->mask;; i = (i + 1) & ix->mask) {
        tax_slot *s = &ix->slots[i];
        if (!s->hash || key_equal(s, k, h)) return s;
    }
}

uint32_t ec__postal_normalize(char *out, const char *s, size_t n)
{
    uint32_t len = 0;
    for (size_t i = 0; i < n && len < EC__POSTAL_MAX; i++) {
        char c = s[i];
        if (c == ' ') continue;
        out[len++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    return len;
}

/* ---- building ------------------------------------------------------------------ */

/* Every (key, entry) pair in entry order, then filed by key. */
typedef struct builder {
    ec_ruleset *rs;
    ec__tax_index *ix;
    uint32_t (*pairs)[2]; /* slot index, entry */
    size_t npairs;
    uint8_t has_len[EC__POSTAL_MAX]; /* some prefix is i + 1 bytes long */
} builder;

static tax_key entry_key(const ec__tax_entry *e, uint32_t k)
{
    tax_key key = {e->cat, e->country, e->region, NULL, 0};
    if (e->npostal) {
        key.prefix = e->postal[k].p;
        key.plen = e->postal[k].n;
    }
    return key;
}

static ec_status add_keys(builder *b, uint32_t i)
{
    const ec__tax_entry *e = &b->rs->taxes[i];
    ec__tax_index *ix = b->ix;
    for (uint32_t k = 0; k < (e->npostal ? e->npostal : 1); k++) {
        tax_key key = entry_key(e, k);
        uint64_t h = key_hash(&key);
        tax_slot *s = find_slot(ix, &key, h);
        if (!s->hash) {
            *s = (tax_slot){h, key.cat, key.country, key.region, key.prefix, key.plen, 0, 0};
            if (key.plen) {
                b->has_len[key.plen - 1] = 1;
                ix->postal_shapes |= (uint8_t)(1u << ((key.country == EC__SYM_ANY) << 1 |
                                                      (key.region == EC__SYM_NONE)));
            }
        } else if (s->n && b->pairs[b->npairs - 1][1] == i &&
                   b->pairs[b->npairs - 1][0] == (uint32_t)(s - ix->slots)) {
            continue; /* the same prefix twice in one entry */
        }
        s->n++;
        b->pairs[b->npairs][0] = (uint32_t)(s - ix->slots);
        b->pairs[b->npairs++][1] = i;
    }
    ix->has_classes |= e->classes.n > 0;
    ix->has_regions |= e->region != EC__SYM_NONE;
    return EC_OK;
}

/* Slot offsets, then the entries of each slot in entry order. */
static void file_entries(builder *b)
{
    ec__tax_index *ix = b->ix;
    uint32_t off = 0;
    for (size_t i = 0; i <= ix->mask; i++) {
        ix->slots[i].off = off;
        off += ix->slots[i].n;
        ix->slots[i].n = 0;
    }
    for (size_t p = 0; p < b->npairs; p++) {
        tax_slot *s = &ix->slots[b->pairs[p][0]];
        ix->entries[s->off + s->n++] = b->pairs[p][1];
    }
    ix->nlens = 0;
    for (uint32_t len = EC__POSTAL_MAX; len > 0; len--)
        if (b->has_len[len - 1]) ix->lens[ix->nlens++] = (uint8_t)len;
}

static void name_conflict(const builder *b, uint32_t slot, uint32_t first, uint32_t second,
                          uint32_t cls, ec_error *err)
{
    const tax_slot *s = &b->ix->slots[slot];
    char what[200] = "";
    size_t n = 0;
    if (s->plen)
        n += (size_t)snprintf(what, sizeof what, ", postal prefix \"%.*s\"",
                              (int)(s->plen > 32 ? 32 : s->plen), s->prefix);
    if (cls != EC__SYM_NONE)
        snprintf(what + n, sizeof what - n, " and a tax class in common");
    else
        snprintf(what + n, sizeof what - n, " and no tax classes");
    ec__fail(err, EC_INVALID_FIELD, NULL,
             "tax[%u] and tax[%u] are equally specific: the same category, country, region%s",
             first, second, what);
    ec__error_field(err, "tax[%u]", second);
}

/* Entries filed under one key must not share a tax class, nor both have
 * none.  Owners of (slot, class) pairs are kept in a hash of 8-byte keys;
 * scanning the pairs in entry order reports the earliest later entry. */
static ec_status check_conflicts(builder *b, ec_error *err)
{
    const ec_ruleset *rs = b->rs;
    size_t total = 0;
    for (size_t p = 0; p < b->npairs; p++) {
        uint32_t n = rs->taxes[b->pairs[p][1]].classes.n;
        total += n ? n : 1;
    }
    uint32_t(*keys)[2] = ec__calloc(rs->alloc, total + 1, sizeof *keys);
    ec__strmap owners;
    ec__strmap_init(&owners, rs->alloc);
    ec_status st = keys ? EC_OK : ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    size_t used = 0;
    for (size_t p = 0; p < b->npairs && st == EC_OK; p++) {
        const ec__tax_entry *e = &rs->taxes[b->pairs[p][1]];
        for (uint32_t c = 0; c < (e->classes.n ? e->classes.n : 1) && st == EC_OK; c++) {
            uint32_t cls = e->classes.n ? e->classes.ids[c] : EC__SYM_NONE, old;
            keys[used][0] = b->pairs[p][0];
            keys[used][1] = cls;
            if (!ec__strmap_put(&owners, (const char *)keys[used], sizeof keys[used],
                                b->pairs[p][1], &old))
                st = ec__fail(err, EC_NO_MEMORY, NULL, NULL);
            else if (old != EC__STRMAP_NONE && old != b->pairs[p][1]) {
                name_conflict(b, b->pairs[p][0], old, b->pairs[p][1], cls, err);
                st = EC_INVALID_FIELD;
            }
            used++;
        }
    }
    ec__strmap_free(&owners);
    ec__dealloc(rs->alloc, keys);
    return st;
}

void ec__tax_index_free(ec_ruleset *rs)
{
    if (!rs->tax_index) return;
    ec__dealloc(rs->alloc, rs->tax_index->slots);
    ec__dealloc(rs->alloc, rs->tax_index->entries);
    ec__dealloc(rs->alloc, (void *)rs->tax_index->by_country);
    ec__dealloc(rs->alloc, rs->tax_index->row_col);
    ec__dealloc(rs->alloc, rs->tax_index);
    rs->tax_index = NULL;
}

/* ---- places that name a country only -------------------------------------------------- */

/* A place whose entry depends on its country and the category alone. */
static int country_only(const ec__tax_index *ix, const ec__tax_place *pl)
{
    return (pl->npostal == 0 || ix->nlens == 0) &&
           (pl->region == EC__SYM_NONE || !ix->has_regions) &&
           (pl->tax_class == EC__SYM_NONE || !ix->has_classes);
}

static const ec__tax_entry *by_country(const ec_ruleset *rs, const ec__tax_place *pl, uint32_t cat)
{
    const ec__tax_index *ix = rs->tax_index;
    uint32_t row = pl->country < rs->nsymbols ? ix->row_col[pl->country][0] : 0;
    uint32_t col = cat < rs->nsymbols ? ix->row_col[cat][1] : 0;
    return col ? ix->by_country[(size_t)row * ix->ncols + col - 1] : NULL;
}

/* A row per country the entries name (row 0: every other country, and
 * none), a column per category, each cell found by ec__tax_find(); a
 * table far larger than the entries (many countries times many
 * categories) is not built, and those places probe. */
static ec_status index_countries(ec_ruleset *rs, ec_error *err)
{
    ec__tax_index *ix = rs->tax_index;
    uint32_t nsym = rs->nsymbols, rows = 1;
    ix->row_col = ec__calloc(rs->alloc, (size_t)nsym + 1, sizeof *ix->row_col);
    uint32_t *country = ec__calloc(rs->alloc, (size_t)rs->ntaxes + 2, sizeof *country);
    uint32_t *cat = ec__calloc(rs->alloc, (size_t)rs->ntaxes + 1, sizeof *cat);
    ec_status st = ix->row_col && country && cat ? EC_OK : ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t i = 0; i < rs->ntaxes && st == EC_OK; i++) {
        const ec__tax_entry *e = &rs->taxes[i];
        if (e->country < nsym && !ix->row_col[e->country][0]) {
            ix->row_col[e->country][0] = rows;
            country[rows++] = e->country;
        }
        if (e->cat < nsym && !ix->row_col[e->cat][1]) {
            cat[ix->ncols++] = e->cat;
            ix->row_col[e->cat][1] = ix->ncols;
        }
    }
    size_t cells = (size_t)rows * ix->ncols;
    if (st == EC_OK && cells <= 16 * (size_t)rs->ntaxes + 256) {
        const ec__tax_entry **t = ec__calloc(rs->alloc, cells + 1, sizeof *t);
        ec__tax_place pl = {.region = EC__SYM_NONE, .tax_class = EC__SYM_NONE};
        country[0] = EC__SYM_NONE;
        for (uint32_t r = 0; t && r < rows; r++)
            for (uint32_t c = 0; c < ix->ncols; c++) {
                pl.country = country[r];
                t[(size_t)r * ix->ncols + c] = ec__tax_find(rs, &pl, cat[c]);
            }
        ix->by_country = t;
        if (!t) st = ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    }
    ec__dealloc(rs->alloc, country);
    ec__dealloc(rs->alloc, cat);
    return st;
}

ec_status ec__tax_index_build(ec_ruleset *rs, ec_error *err)
{
    size_t nkeys = 0, cap = 16;
    for (uint32_t i = 0; i < rs->ntaxes; i++)
        nkeys += rs->taxes[i].npostal ? rs->taxes[i].npostal : 1;
    while (cap < nkeys * 2) cap *= 2;
    ec__tax_index *ix = rs->tax_index = ec__calloc(rs->alloc, 1, sizeof *ix);
    builder b = {.rs = rs, .ix = ix};
    if (ix) {
        ix->slots = ec__calloc(rs->alloc, cap, sizeof *ix->slots);
        ix->entries = ec__calloc(rs->alloc, nkeys + 1, sizeof *ix->entries);
        ix->mask = cap - 1;
        b.pairs = ec__calloc(rs->alloc, nkeys + 1, sizeof *b.pairs);
    }
    ec_status st = EC_OK;
    if (!ix || !ix->slots || !ix->entries || !b.pairs) st = ec__fail(err, EC_NO_MEMORY, NULL, NULL);
    for (uint32_t i = 0; i < rs->ntaxes && st == EC_OK; i++) st = add_keys(&b, i);
    if (st == EC_OK) {
        file_entries(&b);
        st = check_conflicts(&b, err);
    }
    ec__dealloc(rs->alloc, b.pairs);
    if (st == EC_OK) st = index_countries(rs, err);
    return st; /* on failure the ruleset is freed, and the index with it */
}

/* ---- finding ----------------------------------------------------------------------- */

/* The best candidate so far of one kind: class match or no class. */
typedef struct pick {
    const ec__tax_entry *e;
    uint32_t rank;
} pick;

static void consider(pick *p, const ec__tax_entry *e, uint32_t rank)
{
    if (!p->e || rank > p->rank || (rank == p->rank && e->src < p->e->src)) {
        p->e = e;
        p->rank = rank;
    }
}

static void probe(const ec_ruleset *rs, const ec__tax_place *pl, const tax_key *k, uint32_t rank,
                  pick *with_class, pick *without)
{
    const ec__tax_index *ix = rs->tax_index;
    const tax_slot *s = find_slot(ix, k, key_hash(k));
    for (uint32_t i = 0; s->hash && i < s->n; i++) {
        const ec__tax_entry *e = &rs->taxes[ix->entries[s->off + i]];
        if (e->classes.n == 0)
            consider(without, e, rank);
        else if (pl->tax_class != EC__SYM_NONE && ec__symset_has(&e->classes, pl->tax_class))
            consider(with_class, e, rank);
    }
}

/* Ranks: "*" 1, country 2, region 3, postal 4 + prefix length. */
enum { RANK_ANY = 1, RANK_COUNTRY = 2, RANK_REGION = 3, RANK_POSTAL = 4 };

/* The postal probes: every prefix length the table uses that the code is
 * long enough for, in each (country, region) shape the table uses. */
static void probe_postal(const ec_ruleset *rs, const ec__tax_place *pl, uint32_t cat, pick *wc,
                         pick *wo)
{
    const ec__tax_index *ix = rs->tax_index;
    for (uint32_t l = 0; l < ix->nlens; l++) {
        uint32_t len = ix->lens[l];
        if (len > pl->npostal) continue;
        for (uint32_t shape = 0; shape < 4; shape++) {
            uint32_t country = shape & 2 ? EC__SYM_ANY : pl->country;
            uint32_t region = shape & 1 ? EC__SYM_NONE : pl->region;
            if (!(ix->postal_shapes >> shape & 1) || country == EC__SYM_NONE ||
                (!(shape & 1) && region == EC__SYM_NONE))
                continue;
            tax_key k = {cat, country, region, pl->postal, len};
            probe(rs, pl, &k, RANK_POSTAL + len, wc, wo);
        }
        /* a class match is final; so is any match when classes play no part */
        if (wc->e || (wo->e && (!ix->has_classes || pl->tax_class == EC__SYM_NONE))) return;
    }
}

/* Probes go from the most specific key down, so the first class match is
 * final, and so is the first match of any kind when classes play no part. */
#define FOUND (wc.e || (wo.e && !classes))

const ec__tax_entry *ec__tax_find(const ec_ruleset *rs, const ec__tax_place *pl, uint32_t cat)
{
    pick wc = {0}, wo = {0};
    if (!rs->tax_index || cat == EC__SYM_NONE) return NULL;
    if (rs->tax_index->by_country && country_only(rs->tax_index, pl))
        return by_country(rs, pl, cat);
    int classes = rs->tax_index->has_classes && pl->tax_class != EC__SYM_NONE;
    if (pl->npostal && rs->tax_index->nlens) probe_postal(rs, pl, cat, &wc, &wo);
    if (pl->region != EC__SYM_NONE && !FOUND) {
        if (pl->country != EC__SYM_NONE) {
            tax_key k = {cat, pl->country, pl->region, NULL, 0};
            probe(rs, pl, &k, RANK_REGION, &wc, &wo);
        }
        tax_key k = {cat, EC__SYM_ANY, pl->region, NULL, 0};
        probe(rs, pl, &k, RANK_REGION, &wc, &wo);
    }
    if (pl->country != EC__SYM_NONE && !FOUND) {
        tax_key k = {cat, pl->country, EC__SYM_NONE, NULL, 0};
        probe(rs, pl, &k, RANK_COUNTRY, &wc, &wo);
    }
    if (!FOUND) {
        tax_key k = {cat, EC__SYM_ANY, EC__SYM_NONE, NULL, 0};
        probe(rs, pl, &k, RANK_ANY, &wc, &wo);
    }
    return wc.e ? wc.e : wo.e;
}
#undef FOUND
