/* reprice_feed.c - Google Merchant Center RSS 2.0 feeds for `ecom reprice`:
 * a worker reads its chunk of items with libxml2's streaming reader,
 * prices each item, and writes g:sale_price back into the item's bytes.
 *
 * Each chunk is parsed inside a small wrapper (the XML declaration and the
 * start tags open around the items, taken from the feed's prolog), so that
 * namespace prefixes resolve as in the whole feed.  Values come from the
 * parser (entities and CDATA decoded, namespaces by URI); the output is the
 * item's own bytes with only its g:sale_price elements replaced, so
 * everything else in the feed is kept byte for byte.
 *
 * Parser options: never XML_PARSE_NOENT (entities are not substituted),
 * XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR, XML_PARSE_XINCLUDE or
 * XML_PARSE_HUGE (libxml2's default limits on text, names and depth stay);
 * XML_PARSE_NONET forbids any network access.  The lexer has already
 * refused DOCTYPEs, so no entity is ever declared. */
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <string.h>

#include "reprice_feed.h"

#define G_NS "http://base.google.com/ns/1.0"
#define RP_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_COMPACT)

enum { GF_ID, GF_PRICE, GF_SALE, GF_TAX, GF_TYPE, GF_N };
static const char *const gf_names[GF_N] = {"id", "price", "sale_price", "tax_category",
                                           "product_type"};

struct rp_feed_state {
    xmlTextReaderPtr reader;
    rp_buf vals;             /* text of the item's fields */
    rp_range field[GF_TYPE]; /* single-valued fields, offsets into vals */
    uint8_t set[GF_TYPE];
    int twice;       /* a single-valued field given twice, or -1 */
    rp_range *types; /* g:product_type values */
    size_t ntypes, types_cap;
    uint32_t *sales; /* child ordinals (1-based) of g:sale_price */
    size_t nsales, sales_cap;
    uint32_t nchildren;
    int capture;           /* field whose text is being read, -1 none */
    const xmlChar *prefix; /* of the Google namespace in this item, NULL: default */
    int prefix_known;
    int prefix_local; /* declared on the child itself: redeclare it */
    /* this chunk's names as libxml2 interned them: compared by address */
    const xmlChar *names[GF_N], *item_name;
    int interned;          /* the parser interns names (it does by default) */
    const xmlNs *root_gns; /* this chunk's wrapper declares it; NULL: none seen */
    int roots_seen;
    rp_range *kids;
    size_t kids_cap;
    int err, err_line; /* the parser's first error */
    char err_msg[300];
    rp_buf skeleton;
};

void rp_feed_global_init(void)
{
    xmlInitParser();
}

static rp_feed_state *state(rp_worker *w)
{
    if (!w->feed) {
        w->feed = calloc(1, sizeof *w->feed);
        if (!w->feed) rp_oom();
    }
    return w->feed;
}

void rp_feed_worker_free(rp_worker *w)
{
    rp_feed_state *s = w->feed;
    if (!s) return;
    if (s->reader) xmlFreeTextReader(s->reader);
    free(s->vals.p);
    free(s->types);
    free(s->sales);
    free(s->kids);
    free(s->skeleton.p);
    free(s);
    w->feed = NULL;
}

static void on_error(void *arg, xmlErrorPtr e)
{
    rp_feed_state *s = arg;
    if (s->err || !e || e->level < XML_ERR_ERROR) return; /* warnings do not stop a feed */
    s->err = 1;
    s->err_line = e->line;
    snprintf(s->err_msg, sizeof s->err_msg, "%s", e->message ? e->message : "malformed XML");
    size_t n = strlen(s->err_msg);
    while (n > 0 && (s->err_msg[n - 1] == '\n' || s->err_msg[n - 1] == ' ')) s->err_msg[--n] = 0;
}

static xmlTextReaderPtr open_reader(rp_feed_state *s, const char *doc, size_t n)
{
    s->err = 0;
    if (!s->reader) {
        s->reader = xmlReaderForMemory(doc, (int)n, NULL, NULL, RP_XML_OPTIONS);
    } else if (xmlReaderNewMemory(s->reader, doc, (int)n, NULL, NULL, RP_XML_OPTIONS) != 0) {
        xmlFreeTextReader(s->reader);
        s->reader = xmlReaderForMemory(doc, (int)n, NULL, NULL, RP_XML_OPTIONS);
    }
    if (!s->reader) rp_oom();
    xmlTextReaderSetStructuredErrorHandler(s->reader, on_error, s);
    return s->reader;
}

static uint64_t count_nl(const char *p, size_t n)
{
    uint64_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) k++;
    return k;
}

static int xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* ---- one item's fields -------------------------------------------------------------------- */

static void begin_item(rp_feed_state *s)
{
    s->vals.len = 0;
    memset(s->set, 0, sizeof s->set);
    s->twice = -1;
    s->ntypes = s->nsales = 0;
    s->nchildren = 0;
    s->capture = -1;
    s->prefix_known = 0; /* a prefix is only known in scope of its item */
}

static void *grow(void *p, size_t *cap, size_t elem)
{
    *cap = *cap ? *cap * 2 : 8;
    return rp_xrealloc(p, *cap * elem);
}

/* The Google namespace, by its URI.  A declaration on an element around
 * the items (in the chunk's wrapper) lives as long as the chunk, so its
 * address is remembered; one declared on an item dies with it and another
 * may take its address, so those are compared by text. */
static int is_google(rp_feed_state *s, const xmlNs *ns)
{
    if (!ns) return 0;
    if (ns == s->root_gns) return 1;
    return ns->href && strcmp((const char *)ns->href, G_NS) == 0;
}

/* The wrapper's declaration of the Google namespace, if any: found on the
 * ancestors of the first item. */
static void find_root_gns(rp_feed_state *s, const xmlNode *item)
{
    for (const xmlNode *n = item->parent; n && n->type == XML_ELEMENT_NODE; n = n->parent)
        for (const xmlNs *d = n->nsDef; d; d = d->next)
            if (d->href && strcmp((const char *)d->href, G_NS) == 0 && !s->root_gns)
                s->root_gns = d;
}

static int nsdef_has(const xmlNode *node, const xmlNs *ns)
{
    for (const xmlNs *d = node->nsDef; d; d = d->next)
        if (d == ns) return 1;
    return 0;
}

/* A child element of the item: which of our fields it is (-1: none).  The
 * node's fields are read directly: the reader's accessors intern every
 * string they return, which costs more than the rest of an item. */
static int child_field(rp_feed_state *s, const xmlNode *node)
{
    if (!is_google(s, node->ns)) return -1;
    if (!s->prefix_known) {
        s->prefix = node->ns->prefix;
        s->prefix_local = nsdef_has(node, node->ns);
        s->prefix_known = 1;
    }
    int f = -1;
    for (int k = 0; k < GF_N && f < 0; k++)
        if (s->interned ? node->name == s->names[k]
                        : strcmp((const char *)node->name, gf_names[k]) == 0)
            f = k;
    if (f == GF_SALE) {
        if (s->nsales == s->sales_cap) s->sales = grow(s->sales, &s->sales_cap, sizeof *s->sales);
        s->sales[s->nsales++] = s->nchildren;
    }
    if (f == GF_TYPE) {
        if (s->ntypes == s->types_cap) s->types = grow(s->types, &s->types_cap, sizeof *s->types);
        s->types[s->ntypes].start = s->types[s->ntypes].end = s->vals.len;
        s->ntypes++;
    } else if (f >= 0 && s->set[f]) { /* the first value is kept and named */
        if (s->twice < 0) s->twice = f;
        return -1;
    } else if (f >= 0) {
        s->set[f] = 1;
        s->field[f].start = s->field[f].end = s->vals.len;
    }
    return f;
}

/* The text of a field element and of elements inside it, in order. */
static void capture_text(rp_feed_state *s, const xmlNode *node, int depth)
{
    for (const xmlNode *n = node->children; n; n = n->next) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content)
            rp_buf_puts(&s->vals, (const char *)n->content);
        else if (n->type == XML_ELEMENT_NODE && depth < 16)
            capture_text(s, n, depth + 1);
    }
    if (s->capture == GF_TYPE)
        s->types[s->ntypes - 1].end = s->vals.len;
    else
        s->field[s->capture].end = s->vals.len;
}

/* An expanded item: its child elements, in order. */
static void read_item(rp_feed_state *s, const xmlNode *item)
{
    for (const xmlNode *n = item->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        s->nchildren++;
        s->capture = child_field(s, n);
        if (s->capture >= 0) capture_text(s, n, 0);
    }
}

static rp_slice trimmed(rp_feed_state *s, rp_range r)
{
    char *p = s->vals.p + r.start, *e = s->vals.p + r.end;
    while (p < e && xml_space(*p)) p++;
    while (e > p && xml_space(e[-1])) e--;
    rp_slice out = {p, (size_t)(e - p)};
    return out;
}

/* "59.90 EUR": the amount, and the currency after the last space. */
static void split_price(rp_slice v, rp_slice *amount, rp_slice *cur)
{
    size_t k = v.n;
    while (k > 0 && !xml_space(v.p[k - 1])) k--;
    cur->p = v.p + k;
    cur->n = k ? v.n - k : 0;
    amount->p = v.p;
    amount->n = k ? k : v.n;
    while (amount->n > 0 && xml_space(amount->p[amount->n - 1])) amount->n--;
}

static void feed_fill_row(rp_feed_state *s, rp_row *row)
{
    rp_slice v, amount, cur, sale_amount, sale_cur;
    if (s->twice >= 0)
        rp_row_fail(row, EC_INVALID_FIELD, "", "g:%s is given twice", gf_names[s->twice]);
    if (s->set[GF_ID] && (v = trimmed(s, s->field[GF_ID])).n) {
        row->col[RP_COL_SKU] = v;
        row->has[RP_COL_SKU] = 1;
    }
    if (s->set[GF_PRICE]) {
        split_price(trimmed(s, s->field[GF_PRICE]), &amount, &cur);
        row->col[RP_COL_PRICE] = row->col[RP_COL_CURRENT_PRICE] = amount;
        row->has[RP_COL_PRICE] = row->has[RP_COL_CURRENT_PRICE] = 1;
        row->col[RP_COL_CURRENCY] = cur;
        row->has[RP_COL_CURRENCY] = cur.n > 0;
    }
    if (s->set[GF_SALE]) { /* the price published today */
        split_price(trimmed(s, s->field[GF_SALE]), &sale_amount, &sale_cur);
        if (sale_cur.n && row->has[RP_COL_CURRENCY] &&
            (sale_cur.n != cur.n || memcmp(sale_cur.p, cur.p, cur.n) != 0))
            rp_row_fail(row, EC_INVALID_FIELD, "g:sale_price",
                        "g:sale_price is in another currency than g:price");
        row->col[RP_COL_CURRENT_PRICE] = sale_amount;
        row->has[RP_COL_CURRENT_PRICE] = 1;
        if (sale_cur.n && !row->has[RP_COL_CURRENCY]) {
            row->col[RP_COL_CURRENCY] = sale_cur;
            row->has[RP_COL_CURRENCY] = 1;
        }
    }
    if (s->set[GF_TAX] && (v = trimmed(s, s->field[GF_TAX])).n) {
        row->col[RP_COL_TAX_CATEGORY] = v;
        row->has[RP_COL_TAX_CATEGORY] = 1;
    }
    for (size_t k = 0; k < s->ntypes; k++) {
        row->has[RP_COL_CATEGORIES] = 1;
        row->cat_sep = '>';
        rp_row_add_cat(row, s->vals.p + s->types[k].start, s->types[k].end - s->types[k].start);
    }
}

/* ---- writing g:sale_price ------------------------------------------------------------------ */

static void put_sale(rp_buf *out, const rp_feed_state *s, const char *value, size_t n)
{
    const char *pf = s->prefix ? (const char *)s->prefix : "";
    rp_buf_putc(out, '<');
    if (pf[0]) {
        rp_buf_puts(out, pf);
        rp_buf_putc(out, ':');
    }
    rp_buf_puts(out, "sale_price");
    if (s->prefix_local) { /* the item's g:id declared the prefix for itself only */
        rp_buf_puts(out, pf[0] ? " xmlns:" : " xmlns");
        rp_buf_puts(out, pf);
        rp_buf_puts(out, "=\"" G_NS "\"");
    }
    rp_buf_putc(out, '>');
    rp_buf_put(out, value, n);
    rp_buf_puts(out, "</");
    if (pf[0]) {
        rp_buf_puts(out, pf);
        rp_buf_putc(out, ':');
    }
    rp_buf_puts(out, "sale_price>");
}

/* A new g:sale_price before </item>, indented like the item's first child
 * (the whitespace after <item>), without lexing the item. */
static void insert_sale(rp_feed_state *s, rp_chunk *c, const rp_xitem *it, const char *value,
                        size_t n)
{
    const char *d = rp_chunk_data(c);
    size_t wc = it->close, ws = it->body;
    while (wc > it->body && xml_space(d[wc - 1])) wc--;
    while (ws < wc && xml_space(d[ws])) ws++;
    rp_buf_put(&c->out, d + it->start, wc - it->start);
    rp_buf_put(&c->out, d + it->body, ws - it->body);
    put_sale(&c->out, s, value, n);
    rp_buf_put(&c->out, d + wc, it->end - wc);
}

/* The item's bytes with every g:sale_price removed and, when value is not
 * NULL, one written where the first was.  The parser said which children
 * they are; the lexer says where: 0 when the two disagree. */
static int splice(rp_feed_state *s, rp_chunk *c, const rp_xitem *it, const char *value, size_t n)
{
    const char *d = rp_chunk_data(c);
    rp_buf *out = &c->out;
    size_t nk = rp_feed_children(d, it->body, it->close, &s->kids, &s->kids_cap);
    size_t pos = it->start;
    int written = value == NULL;
    if (nk != s->nchildren) return 0;
    for (size_t j = 0; j < s->nsales; j++) {
        rp_range r = s->kids[s->sales[j] - 1];
        size_t ws = r.start;
        while (ws > it->body && xml_space(d[ws - 1])) ws--;
        if (!written) {
            rp_buf_put(out, d + pos, r.start - pos);
            put_sale(out, s, value, n);
            written = 1;
        } else {
            rp_buf_put(out, d + pos, ws - pos);
        }
        pos = r.end;
    }
    rp_buf_put(out, d + pos, it->end - pos);
    return 1;
}

/* The sale price is written when the price differs from the item's
 * g:price (the list price when the item has none in this currency). */
static int feed_item_out(rp_worker *w, rp_chunk *c, const rp_xitem *it)
{
    rp_feed_state *s = w->feed;
    const rp_row *row = &w->row;
    const ec_reprice_result *r = w->res[0];
    const char *d = rp_chunk_data(c), *code = ec_reprice_result_currency(r);
    int32_t e = ec_reprice_result_exponent(r);
    int64_t price = ec_reprice_result_price(r), regular = ec_reprice_result_list_price(r);
    if (w->job->changed_only && ec_reprice_result_changed(r) == 0) { /* dropped, with its line */
        rp_buf *o = &c->out;
        while (o->len > 0 && (o->p[o->len - 1] == ' ' || o->p[o->len - 1] == '\t')) o->len--;
        if (o->len > 0 && o->p[o->len - 1] == '\n') o->len--;
        return 1;
    }
    const char *icur = row->has[RP_COL_CURRENCY] ? row->col[RP_COL_CURRENCY].p
                                                 : ec_ruleset_currency(w->job->rules);
    if (row->has[RP_COL_PRICE] && memcmp(icur, code, 3) == 0)
        ec_money_parse(row->col[RP_COL_PRICE].p, row->col[RP_COL_PRICE].n, e, &regular, NULL);
    if (price == regular && s->nsales == 0) {
        rp_buf_put(&c->out, d + it->start, it->end - it->start);
        return 1;
    }
    char value[48];
    size_t n = rp_fmt_money(value, price, e);
    value[n++] = ' ';
    memcpy(value + n, code, 3);
    n += 3;
    if (s->nsales == 0) {
        insert_sale(s, c, it, value, n);
        return 1;
    }
    return splice(s, c, it, price != regular ? value : NULL, n);
}

/* ---- chunks ------------------------------------------------------------------------------ */

typedef struct walk {
    size_t item;    /* next item of the chunk */
    size_t out_pos; /* data copied to the output so far */
} walk;

/* Items' rows carry their offset in the chunk while it is read: lines are
 * counted only for the few that need one (rejects), in one pass after. */
static void offsets_to_lines(rp_chunk *c)
{
    const char *d = rp_chunk_data(c);
    size_t pos = 0;
    uint64_t line = 0;
    for (size_t i = 0; i < c->nrejs; i++) {
        line += count_nl(d + pos, c->rejs[i].line - pos);
        pos = c->rejs[i].line;
        c->rejs[i].line = line;
    }
    if (c->stop && c->fatal == EC_OK) c->stop_line = count_nl(d, c->stop_line);
}

static void internal_error(rp_chunk *c, size_t at, const char *what)
{
    rp_chunk_fail(c, EC_INTERNAL, count_nl(rp_chunk_data(c), at), "%s", what);
}

static void end_item(rp_worker *w, rp_chunk *c, walk *k)
{
    rp_feed_state *s = w->feed;
    const rp_xitem *it = &c->items[k->item++];
    char *d = rp_chunk_data(c);
    rp_row_clear(&w->row);
    w->row.line = it->start; /* an offset until offsets_to_lines() */
    feed_fill_row(s, &w->row);
    if (w->job->out_fmt != RP_XML) {
        rp_record(w);
        return;
    }
    rp_buf_put(&c->out, d + k->out_pos, it->start - k->out_pos);
    k->out_pos = it->end;
    if (!rp_record_price(w)) { /* a rejected item stays as it was */
        if (!c->stop) rp_buf_put(&c->out, d + it->start, it->end - it->start);
    } else if (!feed_item_out(w, c, it)) {
        internal_error(c, it->start, "the item's elements could not be located");
    }
}

static int is_item_node(rp_feed_state *s, xmlTextReaderPtr r)
{
    const xmlNode *node = xmlTextReaderCurrentNode(r);
    if (!node || (node->ns && node->ns->prefix)) return 0;
    if (node->name == s->item_name) return s->interned = 1;
    s->interned = 0; /* a parser that does not intern: compare text */
    return strcmp((const char *)node->name, "item") == 0;
}

/* The reader's record pattern: at each item, expand its subtree (one item
 * in memory, never the document), read it, and move past it with Next.
 * Returns the reader's status: 1 while there is more. */
static int on_node(rp_worker *w, rp_chunk *c, xmlTextReaderPtr r, walk *k)
{
    rp_feed_state *s = w->feed;
    if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT ||
        xmlTextReaderDepth(r) != (int)w->job->feed.item_depth || !is_item_node(s, r))
        return xmlTextReaderRead(r);
    if (k->item >= c->nitems) {
        internal_error(c, c->len, "more items than the splitter found");
        return 0;
    }
    const xmlNode *item = xmlTextReaderExpand(r);
    if (!item) return -1; /* the item is not well-formed */
    if (!s->roots_seen) {
        find_root_gns(s, item);
        s->roots_seen = 1;
    }
    begin_item(s);
    read_item(s, item);
    end_item(w, c, k);
    return xmlTextReaderNext(r);
}

static void parser_failed(rp_chunk *c, const rp_feed_state *s, uint64_t head_lines)
{
    uint64_t at = s->err_line > 0 ? (uint64_t)s->err_line - 1 : 0;
    rp_chunk_fail(c, EC_INVALID_FIELD, at > head_lines ? at - head_lines : 0,
                  "the feed is not well-formed XML: %s", s->err ? s->err_msg : "parse error");
}

void rp_feed_process(rp_worker *w, rp_chunk *c)
{
    const rp_feed_shape *f = &w->job->feed;
    rp_feed_state *s = state(w);
    char *d = rp_chunk_data(c), *doc = d - f->wrapper_head.len;
    walk k = {0, 0};
    int rc = 1;
    if (f->wrapper_head.len) memcpy(doc, f->wrapper_head.p, f->wrapper_head.len);
    if (f->wrapper_tail.len) memcpy(d + c->len, f->wrapper_tail.p, f->wrapper_tail.len);
    xmlTextReaderPtr r = open_reader(s, doc, f->wrapper_head.len + c->len + f->wrapper_tail.len);
    s->item_name = xmlTextReaderConstString(r, BAD_CAST "item");
    for (int i = 0; i < GF_N; i++) s->names[i] = xmlTextReaderConstString(r, BAD_CAST gf_names[i]);
    s->root_gns = NULL;
    s->roots_seen = 0;
    rc = xmlTextReaderRead(r);
    while (!c->stop && rc == 1) rc = on_node(w, c, r, &k);
    if (!c->stop && (rc < 0 || s->err))
        parser_failed(c, s, f->head_lines);
    else if (!c->stop && k.item != c->nitems)
        internal_error(c, c->len, "the parser found fewer items than the splitter");
    if (w->job->out_fmt == RP_XML && !c->stop)
        rp_buf_put(&c->out, d + k.out_pos, c->len - k.out_pos);
    offsets_to_lines(c);
    c->nlines = count_nl(d, c->len);
}

/* The feed without its items (prolog + epilog) must be well-formed too:
 * that checks the end of the feed and a feed with no item at all. */
void rp_feed_epilog(rp_worker *w, rp_chunk *c)
{
    const rp_feed_shape *f = &w->job->feed;
    rp_feed_state *s = state(w);
    const char *d = rp_chunk_data(c);
    int rc;
    s->skeleton.len = 0;
    rp_buf_put(&s->skeleton, f->prolog.p ? f->prolog.p : "", f->prolog.len);
    rp_buf_put(&s->skeleton, d, c->len);
    xmlTextReaderPtr r = open_reader(s, s->skeleton.p ? s->skeleton.p : "", s->skeleton.len);
    while ((rc = xmlTextReaderRead(r)) == 1) continue;
    c->nlines = count_nl(d, c->len);
    if (rc < 0 || s->err) {
        uint64_t at = s->err_line > 0 ? (uint64_t)s->err_line - 1 : 0;
        if (at < f->prolog_lines) { /* in the prolog, before any chunk */
            rp_chunk_fail(c, EC_INVALID_FIELD, at + 1, "the feed is not well-formed XML: %s",
                          s->err ? s->err_msg : "parse error");
            c->fatal_abs = 1;
        } else {
            parser_failed(c, s, f->prolog_lines);
        }
        return;
    }
    if (w->job->out_fmt == RP_XML) rp_buf_put(&c->out, d, c->len);
}
