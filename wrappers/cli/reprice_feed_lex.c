/* reprice_feed_lex.c - where a product feed's items are, found without
 * parsing it: the prolog before the first <item>, item boundaries for
 * chunks, and an item's child elements for rewriting g:sale_price.
 *
 * The reader thread cuts the feed into chunks of whole items so that
 * workers can parse them with libxml2 in parallel; it needs only markup
 * boundaries (tags, comments, CDATA, processing instructions, quoted
 * attribute values), never values.  Well-formedness is libxml2's job: a
 * chunk this lexer cuts wrongly is a chunk libxml2 refuses.  Declarations
 * (<!DOCTYPE ...>) are refused here, before any parser sees them: a feed
 * has no use for a DTD, and refusing it refuses entity expansion
 * ("billion laughs") and external entities whatever the parser does. */
#include <string.h>

#include "reprice_feed.h"

static const char *find(const char *p, size_t n, size_t from, const char *pat)
{
    size_t k = strlen(pat);
    while (from + k <= n) {
        const char *q = memchr(p + from, pat[0], n - from - k + 1);
        if (!q) return NULL;
        if (memcmp(q, pat, k) == 0) return q;
        from = (size_t)(q - p) + 1;
    }
    return NULL;
}

static int name_end(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>';
}

/* <!-- -->, <![CDATA[ ]]>, or a declaration; RP_MK_NONE when cut short. */
static int bang(const char *p, size_t n, size_t a, rp_markup *m)
{
    static const char comment[] = "<!--", cdata[] = "<![CDATA[";
    const char *close = NULL;
    size_t left = n - a;
    if (left >= 4 && memcmp(p + a, comment, 4) == 0) {
        close = find(p, n, a + 4, "-->");
        if (!close) return RP_MK_NONE;
        m->end = (size_t)(close - p) + 3;
        return RP_MK_OTHER;
    }
    if (left >= 9 && memcmp(p + a, cdata, 9) == 0) {
        close = find(p, n, a + 9, "]]>");
        if (!close) return RP_MK_NONE;
        m->end = (size_t)(close - p) + 3;
        return RP_MK_OTHER;
    }
    if ((left < 4 && memcmp(p + a, comment, left) == 0) ||
        (left < 9 && memcmp(p + a, cdata, left) == 0))
        return RP_MK_NONE;
    return RP_MK_DECL;
}

/* A start tag: to the '>' outside quoted attribute values. */
static int start_tag(const char *p, size_t n, size_t a, rp_markup *m)
{
    size_t j = a + 1;
    while (j < n && !name_end(p[j])) j++;
    if (j >= n) return RP_MK_NONE;
    m->name = a + 1;
    m->name_len = j - (a + 1);
    if (m->name_len == 0) return RP_MK_BAD;
    for (;;) {
        while (j < n && p[j] != '>' && p[j] != '"' && p[j] != '\'') j++;
        if (j >= n) return RP_MK_NONE;
        if (p[j] == '>') break;
        const char *q = memchr(p + j + 1, p[j], n - j - 1);
        if (!q) return RP_MK_NONE;
        j = (size_t)(q - p) + 1;
    }
    m->end = j + 1;
    return p[j - 1] == '/' ? RP_MK_EMPTY : RP_MK_START;
}

int rp_markup_next(const char *p, size_t n, size_t *i, rp_markup *m)
{
    const char *lt = *i < n ? memchr(p + *i, '<', n - *i) : NULL;
    int kind;
    if (!lt) {
        *i = n;
        return RP_MK_NONE;
    }
    size_t a = (size_t)(lt - p);
    m->start = a;
    m->name = m->name_len = 0;
    *i = a;
    if (n - a < 2) return RP_MK_NONE;
    if (p[a + 1] == '!') {
        kind = bang(p, n, a, m);
    } else if (p[a + 1] == '?') {
        const char *close = find(p, n, a + 2, "?>");
        kind = close ? RP_MK_OTHER : RP_MK_NONE;
        if (close) m->end = (size_t)(close - p) + 2;
    } else if (p[a + 1] == '/') {
        size_t j = a + 2;
        while (j < n && !name_end(p[j])) j++;
        const char *gt = j < n ? memchr(p + j, '>', n - j) : NULL;
        kind = gt ? RP_MK_END : RP_MK_NONE;
        m->name = a + 2;
        m->name_len = j - (a + 2);
        if (gt) m->end = (size_t)(gt - p) + 1;
    } else {
        kind = start_tag(p, n, a, m);
    }
    if (kind != RP_MK_NONE && kind != RP_MK_DECL && kind != RP_MK_BAD) *i = m->end;
    return kind;
}

static int is_item(const char *p, const rp_markup *m)
{
    return m->name_len == 4 && memcmp(p + m->name, "item", 4) == 0;
}

/* ---- the prolog ------------------------------------------------------------------------ */

static long feed_refuse(rp_refusal *why, const char *msg, size_t at)
{
    why->status = EC_INVALID_FIELD;
    why->at = at;
    why->field[0] = '\0';
    snprintf(why->msg, sizeof why->msg, "%s", msg);
    return -2;
}

static uint64_t newlines(const char *p, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++) k += p[i] == '\n';
    return k;
}

/* The wrapper a worker parses each chunk in: the XML declaration, then the
 * start tags open around the first item; and their end tags. */
static void build_wrapper(rp_feed_shape *f, const char *p, const rp_markup *decl,
                          const rp_markup *open, uint32_t depth)
{
    f->wrapper_head.len = f->wrapper_tail.len = 0;
    if (decl) rp_buf_put(&f->wrapper_head, p + decl->start, decl->end - decl->start);
    for (uint32_t d = 0; d < depth; d++)
        rp_buf_put(&f->wrapper_head, p + open[d].start, open[d].end - open[d].start);
    for (uint32_t d = depth; d-- > 0;) {
        rp_buf_puts(&f->wrapper_tail, "</");
        rp_buf_put(&f->wrapper_tail, p + open[d].name, open[d].name_len);
        rp_buf_putc(&f->wrapper_tail, '>');
    }
    f->head_lines = newlines(f->wrapper_head.p ? f->wrapper_head.p : "", f->wrapper_head.len);
}

long rp_feed_prologue(rp_job *job, char *p, size_t n, int eof, rp_refusal *why)
{
    rp_feed_shape *f = &job->feed;
    rp_markup m = {0}, decl = {0}, open[RP_FEED_MAX_DEPTH];
    int have_decl = 0;
    uint32_t depth = 0;
    size_t i = 0, bom = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    if (n >= 2 && (p[0] == '\0' || p[1] == '\0' || (unsigned char)p[0] == 0xFE ||
                   (unsigned char)p[0] == 0xFF))
        return feed_refuse(why, "the feed is not UTF-8 or another ASCII-compatible encoding", 0);
    for (;;) {
        int k = rp_markup_next(p, n, &i, &m);
        if (k == RP_MK_NONE) {
            if (!eof) return -1;
            f->found_item = 0; /* no item at all: the whole feed is prolog */
            f->prolog.len = 0;
            rp_buf_put(&f->prolog, p, n);
            f->prolog_lines = newlines(p, n);
            return (long)n;
        }
        if (k == RP_MK_DECL)
            return feed_refuse(why,
                               "the feed has a DOCTYPE or another declaration; feeds are read "
                               "without DTDs, entities or external references",
                               m.start);
        if (k == RP_MK_BAD)
            return feed_refuse(why, "the feed is not well-formed XML before its first item",
                               m.start);
        if (k == RP_MK_OTHER && m.start == bom && n - bom > 5 && memcmp(p + bom, "<?xml", 5) == 0) {
            decl = m;
            have_decl = 1;
        }
        if ((k == RP_MK_START || k == RP_MK_EMPTY) && is_item(p, &m)) break;
        if (k == RP_MK_START) {
            if (depth == RP_FEED_MAX_DEPTH)
                return feed_refuse(why, "the feed nests too deeply", m.start);
            open[depth++] = m;
        } else if (k == RP_MK_END && depth > 0) {
            depth--;
        }
    }
    f->found_item = 1;
    f->item_depth = depth;
    build_wrapper(f, p, have_decl ? &decl : NULL, open, depth);
    f->prolog.len = 0;
    rp_buf_put(&f->prolog, p, m.start);
    f->prolog_lines = newlines(p, m.start);
    return (long)m.start;
}

/* ---- chunks of items ---------------------------------------------------------------------- */

static void push_item(rp_chunk *c, size_t start, size_t body, size_t close, size_t end)
{
    if (c->nitems == c->items_cap) {
        c->items_cap = c->items_cap ? c->items_cap * 2 : 256;
        c->items = rp_xrealloc(c->items, c->items_cap * sizeof *c->items);
    }
    rp_xitem *it = &c->items[c->nitems++];
    it->start = start;
    it->body = body;
    it->close = close;
    it->end = end;
}

/* Where the tag at a ends: the '>' outside quoted attribute values, found
 * with memchr when the tag has no quotes (nearly all); 0 when cut short. */
static size_t tag_end(const char *p, size_t n, size_t a)
{
    const char *gt = memchr(p + a, '>', n - a);
    if (!gt) return 0;
    size_t e = (size_t)(gt - p);
    if (!memchr(p + a, '"', e - a) && !memchr(p + a, '\'', e - a)) return e + 1;
    rp_markup m;
    return start_tag(p, n, a, &m) == RP_MK_NONE ? 0 : m.end;
}

static int starts_name(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (unsigned char)c >= 0x80;
}

/* Where an item whose body starts at j ends (after its '>'), when nothing
 * in it needs the full lexer: the first "</item" closes it if no comment,
 * CDATA section, processing instruction or nested item comes before it
 * (text holds no '<' in XML).  0 when cut short or not that simple. */
static size_t simple_item_end(const char *p, size_t n, size_t j, size_t *close)
{
    for (;;) {
        const char *lt = memchr(p + j, '<', n - j);
        if (!lt || (size_t)(lt - p) + 6 >= n) return 0;
        size_t a = (size_t)(lt - p);
        char c = p[a + 1];
        if (c == '!' || c == '?') return 0;
        const char *q = p + a + 1 + (c == '/');
        if (q[0] == 'i' && q[1] == 't' && q[2] == 'e' && q[3] == 'm' && name_end(q[4])) {
            if (c != '/') return 0; /* a nested item */
            const char *gt = memchr(p + a, '>', n - a);
            if (!gt) return 0;
            *close = a;
            return (size_t)(gt - p) + 1;
        }
        j = a + 1;
    }
}

/* The splitter runs in the one reader thread over the whole feed: it looks
 * at names only where an item may start, skips simple items whole, and
 * leaves everything but start and end tags to rp_markup_next(). */
size_t rp_feed_split(const rp_job *job, rp_chunk *c, const char *p, size_t n, int eof,
                     rp_refusal *why)
{
    uint32_t base = job->feed.item_depth, depth = base;
    size_t i = 0, cut = 0, start = 0, body = 0;
    int in_item = 0;
    (void)eof; /* the tail after the last item is the epilog either way */
    c->nitems = 0;
    for (;;) {
        const char *lt = i < n ? memchr(p + i, '<', n - i) : NULL;
        if (!lt || (size_t)(lt - p) + 1 >= n) break;
        size_t a = (size_t)(lt - p), e;
        if (p[a + 1] == '/') { /* an end tag: only its '>' matters */
            const char *gt = memchr(p + a, '>', n - a);
            if (!gt) break;
            e = (size_t)(gt - p) + 1;
            if (depth > 0) depth--;
            if (in_item && depth == base) {
                push_item(c, start, body, a, e);
                in_item = 0;
                cut = e;
            }
        } else if (starts_name(p[a + 1])) {
            if (!(e = tag_end(p, n, a))) break;
            int empty = p[e - 2] == '/';
            if (!in_item && depth == base && n - a > 5 && memcmp(p + a + 1, "item", 4) == 0 &&
                name_end(p[a + 5])) {
                size_t close = 0, end = empty ? 0 : simple_item_end(p, n, e, &close);
                if (empty || end) {
                    push_item(c, a, e, empty ? e : close, empty ? e : end);
                    cut = i = empty ? e : end;
                    continue;
                }
                in_item = 1;
                start = a;
                body = e;
            }
            depth += !empty;
        } else { /* comments, CDATA, processing instructions, and errors */
            rp_markup m;
            size_t j = a;
            int k = rp_markup_next(p, n, &j, &m);
            if (k == RP_MK_NONE) break;
            if (k == RP_MK_DECL || k == RP_MK_BAD) {
                feed_refuse(why,
                            k == RP_MK_DECL ? "a declaration (<!...>) among the feed's items"
                                            : "markup that is not XML among the feed's items",
                            a);
                break;
            }
            depth += k == RP_MK_START; /* a name no XML allows: libxml2 will say so */
            e = m.end;
        }
        i = e;
    }
    return cut;
}

size_t rp_feed_children(const char *p, size_t body, size_t close, rp_range **out, size_t *cap)
{
    size_t i = body, count = 0, start = 0;
    uint32_t depth = 0;
    rp_markup m;
    for (;;) {
        int k = rp_markup_next(p, close, &i, &m);
        if (k == RP_MK_NONE || k == RP_MK_DECL || k == RP_MK_BAD) break;
        int ends = 0;
        if (k == RP_MK_START) {
            if (depth++ == 0) start = m.start;
        } else if (k == RP_MK_EMPTY && depth == 0) {
            start = m.start;
            ends = 1;
        } else if (k == RP_MK_END && depth > 0) {
            ends = --depth == 0;
        }
        if (!ends) continue;
        if (count == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *out = rp_xrealloc(*out, *cap * sizeof **out);
        }
        (*out)[count].start = start;
        (*out)[count++].end = m.end;
    }
    return count;
}
