/* reprice_record.c - one row of `ecom reprice` through the library: the row
 * becomes an ec_reprice_item, is priced in every context, and becomes one
 * output record per context or one reject.
 *
 * A row is priced whole: when any context fails (no price in USD, say),
 * the row is rejected with that context's error and none of its records
 * is written, so an output never holds half a row. */
#include <stdarg.h>
#include <string.h>

#include "reprice_cli.h"

const char *const rp_col_names[RP_NCOLS] = {"sku",        "price",        "currency",
                                            "categories", "tax_category", "current_price"};

/* ---- rows and chunks ----------------------------------------------------------------- */

void rp_row_clear(rp_row *row)
{
    memset(row->col, 0, sizeof row->col);
    memset(row->has, 0, sizeof row->has);
    row->ncats = 0;
    row->cat_sep = 0;
    row->bad = EC_OK;
    row->line = 0;
}

void rp_row_add_cat(rp_row *row, char *p, size_t n)
{
    /* one more than the item takes, so that the item reports the limit */
    if (row->ncats > EC_REPRICE_MAX_CATEGORIES) return;
    if (row->ncats == row->cats_cap) {
        row->cats_cap = row->cats_cap ? row->cats_cap * 2 : 16;
        row->cats = rp_xrealloc(row->cats, row->cats_cap * sizeof *row->cats);
    }
    row->cats[row->ncats].p = p;
    row->cats[row->ncats++].n = n;
}

void rp_row_fail(rp_row *row, ec_status st, const char *field, const char *fmt, ...)
{
    if (row->bad != EC_OK) return; /* the first problem is the one reported */
    va_list ap;
    va_start(ap, fmt);
    row->bad = st;
    snprintf(row->bad_field, sizeof row->bad_field, "%s", field ? field : "");
    vsnprintf(row->bad_msg, sizeof row->bad_msg, fmt, ap);
    va_end(ap);
}

void rp_chunk_fail(rp_chunk *c, ec_status st, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    c->fatal = st;
    c->fatal_field[0] = '\0';
    c->fatal_line = line;
    c->stop = 1;
    vsnprintf(c->fatal_msg, sizeof c->fatal_msg, fmt, ap);
    va_end(ap);
}

/* ---- workers ---------------------------------------------------------------------------- */

void rp_worker_init(rp_worker *w, const rp_job *job)
{
    memset(w, 0, sizeof *w);
    w->job = job;
    w->item = ec_reprice_item_new();
    w->res = calloc(job->nctx ? job->nctx : 1, sizeof *w->res);
    if (!w->item || !w->res) rp_oom();
    for (size_t k = 0; k < job->nctx; k++)
        if (!(w->res[k] = ec_reprice_result_new())) rp_oom();
}

void rp_worker_free(rp_worker *w)
{
    for (size_t k = 0; w->res && k < w->job->nctx; k++) ec_reprice_result_free(w->res[k]);
    free(w->res);
    ec_reprice_item_free(w->item);
    free(w->row.cats);
    rp_feed_worker_free(w);
}

/* ---- the item --------------------------------------------------------------------------- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Categories of one source: split on sep ('>' parts are trimmed). */
static ec_status add_categories(rp_worker *w, const rp_slice *src, char sep)
{
    char *p = src->p, *end = src->p + src->n;
    if (!sep) return ec_reprice_item_add_category(w->item, p, src->n, &w->err);
    for (;;) {
        char *q = memchr(p, sep, (size_t)(end - p));
        char *e = q ? q : end, *s = p;
        if (sep == '>') {
            while (s < e && is_space(*s)) s++;
            while (e > s && is_space(e[-1])) e--;
        }
        ec_status st = ec_reprice_item_add_category(w->item, s, (size_t)(e - s), &w->err);
        if (st != EC_OK || !q) return st;
        p = q + 1;
    }
}

#define SET(call)                                                                                  \
    do {                                                                                           \
        if ((call) != EC_OK) return 0;                                                             \
    } while (0)

static int fill_item(rp_worker *w)
{
    const rp_row *row = &w->row;
    ec_reprice_item *it = w->item;
    ec_error *err = &w->err;
    ec_reprice_item_reset(it);
    if (row->bad != EC_OK) {
        err->code = row->bad;
        snprintf(err->field, sizeof err->field, "%s", row->bad_field);
        snprintf(err->message, sizeof err->message, "%s", row->bad_msg);
        return 0;
    }
    const rp_slice *c = row->col;
    if (row->has[RP_COL_SKU])
        SET(ec_reprice_item_set_sku(it, c[RP_COL_SKU].p, c[RP_COL_SKU].n, err));
    if (row->has[RP_COL_CURRENCY])
        SET(ec_reprice_item_set_currency(it, c[RP_COL_CURRENCY].p, c[RP_COL_CURRENCY].n, err));
    if (row->has[RP_COL_PRICE])
        SET(ec_reprice_item_set_price(it, c[RP_COL_PRICE].p, c[RP_COL_PRICE].n, err));
    if (row->has[RP_COL_CURRENT_PRICE])
        SET(ec_reprice_item_set_current_price(it, c[RP_COL_CURRENT_PRICE].p,
                                              c[RP_COL_CURRENT_PRICE].n, err));
    if (row->has[RP_COL_TAX_CATEGORY])
        SET(ec_reprice_item_set_tax_category(it, c[RP_COL_TAX_CATEGORY].p, c[RP_COL_TAX_CATEGORY].n,
                                             err));
    if (row->has[RP_COL_CATEGORIES]) {
        SET(ec_reprice_item_clear_categories(it, err));
        for (uint32_t k = 0; k < row->ncats; k++)
            SET(add_categories(w, &row->cats[k], row->cat_sep));
    }
    return 1;
}

int rp_record_price(rp_worker *w)
{
    const rp_job *job = w->job;
    rp_chunk *c = w->chunk;
    w->err_ctx = SIZE_MAX;
    if (!fill_item(w)) {
        rp_record_reject(w);
        return 0;
    }
    int changed = 0;
    for (size_t k = 0; k < job->nctx; k++) {
        ec_status st = ec_repricer_price(job->rp, job->ctxs[k].ctx, w->item, w->res[k], &w->err);
        if (st != EC_OK) {
            /* only these depend on the context; the others are the row's */
            if (st == EC_NO_PRICE || st == EC_NO_TAX_RATE) w->err_ctx = k;
            rp_record_reject(w);
            return 0;
        }
        changed |= ec_reprice_result_changed(w->res[k]) == 1;
    }
    c->rows++;
    c->priced++;
    c->changed += (uint64_t)changed;
    return 1;
}

/* ---- rejects ----------------------------------------------------------------------------------
 */

/* A JSON string of text that may be cut or malformed (an input's SKU, a
 * message quoting it): at most max bytes (and 599), never a character cut
 * in two, bad bytes as U+FFFD. */
static void put_text(rp_buf *b, const char *s, size_t n, size_t max)
{
    char tmp[600];
    size_t cap = max + 1 < sizeof tmp ? max + 1 : sizeof tmp;
    rp_json_put_string(b, tmp, ec_utf8_clean(tmp, cap, s, n < cap ? n : cap));
}

/* The field as the input names it: feeds use their element names. */
static const char *input_field(const rp_job *job, const char *field)
{
    static const char *const feed[][2] = {
        {"sku", "g:id"},
        {"price", "g:price"},
        {"currency", "g:price"},
        {"current_price", "g:sale_price"},
        {"tax_category", "g:tax_category"},
        {"categories", "g:product_type"},
    };
    if (job->in_fmt != RP_XML) return field;
    for (size_t i = 0; i < sizeof feed / sizeof feed[0]; i++)
        if (strncmp(field, feed[i][0], strlen(feed[i][0])) == 0 &&
            (field[strlen(feed[i][0])] == '\0' || field[strlen(feed[i][0])] == '['))
            return feed[i][1];
    return field;
}

void rp_record_reject(rp_worker *w)
{
    const rp_job *job = w->job;
    rp_chunk *c = w->chunk;
    rp_buf *b = &c->rej;
    const rp_row *row = &w->row;
    size_t off = b->len;
    rp_buf_puts(b, "\"sku\":");
    if (row->has[RP_COL_SKU])
        put_text(b, row->col[RP_COL_SKU].p, row->col[RP_COL_SKU].n, 200);
    else
        rp_buf_puts(b, "null");
    rp_buf_puts(b, ",\"context\":");
    if (w->err_ctx != SIZE_MAX)
        rp_json_put_string(b, job->ctxs[w->err_ctx].label, strlen(job->ctxs[w->err_ctx].label));
    else
        rp_buf_puts(b, "null");
    rp_buf_puts(b, ",\"error\":{\"code\":");
    rp_buf_putc(b, '"');
    rp_buf_puts(b, ec_status_name(w->err.code));
    rp_buf_puts(b, "\",\"message\":");
    put_text(b, w->err.message, strlen(w->err.message), sizeof w->err.message);
    if (w->err.field[0]) {
        const char *f = input_field(job, w->err.field);
        rp_buf_puts(b, ",\"field\":");
        put_text(b, f, strlen(f), 200);
    }
    rp_buf_puts(b, "}}\n");
    if (c->nrejs == c->rejs_cap) {
        c->rejs_cap = c->rejs_cap ? c->rejs_cap * 2 : 16;
        c->rejs = rp_xrealloc(c->rejs, c->rejs_cap * sizeof *c->rejs);
    }
    if (c->nrejs == 0) {
        c->first_err = w->err;
        snprintf(c->first_err.field, sizeof c->first_err.field, "%s",
                 input_field(job, w->err.field));
    }
    c->rejs[c->nrejs++] =
        (rp_reject){row->line, off, b->len - off, c->out.len, c->priced, c->changed};
    c->rows++;
    c->rejected++;
    if (job->strict && !c->stop) {
        c->stop = 1;
        c->stop_err = w->err;
        snprintf(c->stop_err.field, sizeof c->stop_err.field, "%s", input_field(job, w->err.field));
        c->stop_line = row->line;
    }
}

/* ---- output records ------------------------------------------------------------------------ */

static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233"
                            "34353637383940414243444546474849505152535455565758596061626364656667"
                            "6869707172737475767778798081828384858687888990919293949596979899";

/* Digits of u ending at end, two at a time; at least `width` of them. */
static char *digits(uint64_t u, int32_t width, char *end)
{
    char *p = end;
    while (u >= 100) {
        p -= 2;
        memcpy(p, pairs + 2 * (u % 100), 2);
        u /= 100;
    }
    if (u >= 10) {
        p -= 2;
        memcpy(p, pairs + 2 * u, 2);
    } else {
        *--p = (char)('0' + u);
    }
    while (end - p < width) *--p = '0';
    return p;
}

/* What ec_money_format() writes, for a caller that has checked the
 * exponent (0..4); written for speed, every output record has three. */
size_t rp_fmt_money(char *dst, int64_t v, int32_t exponent)
{
    static const uint64_t pow10[] = {1, 10, 100, 1000, 10000};
    char tmp[32], *end = tmp + sizeof tmp, *p;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v, scale = pow10[exponent];
    if (exponent > 0) {
        p = digits(u % scale, exponent, end);
        *--p = '.';
        p = digits(u / scale, 1, p);
    } else {
        p = digits(u, 1, end);
    }
    if (v < 0) *--p = '-';
    size_t n = (size_t)(end - p);
    memcpy(dst, p, n);
    return n;
}

/* A catalog has a few tax rates: each is formatted once per worker. */
static size_t fmt_percent(rp_worker *w, char *dst, int32_t pct)
{
    rp_pct_entry *e = &w->pcts[((uint32_t)pct * 2654435761u) >> 28]; /* 16 slots */
    if (pct != e->value || !e->len) {
        size_t n = 0;
        if (ec_percent_format(pct, e->text, sizeof e->text, &n) != EC_OK) n = 0;
        e->value = pct;
        e->len = n;
    }
    memcpy(dst, e->text, e->len);
    return e->len;
}

static void put_csv_id(rp_buf *b, const char *id)
{
    rp_buf_putc(b, ',');
    if (id) rp_csv_put_field(b, id, strlen(id));
}

static void emit_csv(rp_worker *w, size_t k)
{
    const ec_reprice_result *r = w->res[k];
    const rp_context *ctx = &w->job->ctxs[k];
    rp_buf *b = &w->chunk->out;
    int32_t e = ec_reprice_result_exponent(r), ch = ec_reprice_result_changed(r);
    rp_csv_put_field(b, w->row.col[RP_COL_SKU].p, w->row.col[RP_COL_SKU].n);
    char *d = rp_buf_room(b, 8 + ctx->csv_tail.len + 2 * 24);
    *d++ = ',';
    memcpy(d, ec_reprice_result_currency(r), 3);
    d += 3;
    memcpy(d, ctx->csv_tail.p, ctx->csv_tail.len);
    d += ctx->csv_tail.len;
    *d++ = ',';
    d += rp_fmt_money(d, ec_reprice_result_list_price(r), e);
    *d++ = ',';
    d += rp_fmt_money(d, ec_reprice_result_price(r), e);
    b->len = (size_t)(d - b->p);
    put_csv_id(b, ec_reprice_result_price_list(r));
    put_csv_id(b, ec_reprice_result_promotion(r));
    d = rp_buf_room(b, 2 * 24 + 12);
    *d++ = ',';
    d += fmt_percent(w, d, ec_reprice_result_tax_percent(r));
    *d++ = ',';
    d += rp_fmt_money(d, ec_reprice_result_display_price(r), e);
    *d++ = ',';
    if (ch >= 0) {
        memcpy(d, ch ? "true" : "false", ch ? 4 : 5);
        d += ch ? 4 : 5;
    }
    *d++ = '\n';
    b->len = (size_t)(d - b->p);
}

static void put_json_money(rp_buf *b, const char *key, int64_t v, int32_t e)
{
    rp_buf_puts(b, key);
    char *d = rp_buf_room(b, 26);
    *d++ = '"';
    d += rp_fmt_money(d, v, e);
    *d++ = '"';
    b->len = (size_t)(d - b->p);
}

static void put_json_id(rp_buf *b, const char *key, const char *id)
{
    rp_buf_puts(b, key);
    if (id)
        rp_json_put_string(b, id, strlen(id));
    else
        rp_buf_puts(b, "null");
}

static void emit_json(rp_worker *w, size_t k)
{
    const ec_reprice_result *r = w->res[k];
    const rp_context *ctx = &w->job->ctxs[k];
    rp_buf *b = &w->chunk->out;
    int32_t e = ec_reprice_result_exponent(r), ch = ec_reprice_result_changed(r);
    char pct[EC_MONEY_FORMAT_MAX];
    rp_buf_puts(b, "{\"sku\":");
    rp_json_put_string(b, w->row.col[RP_COL_SKU].p, w->row.col[RP_COL_SKU].n);
    rp_buf_puts(b, ",\"currency\":\"");
    rp_buf_put(b, ec_reprice_result_currency(r), 3);
    rp_buf_putc(b, '"');
    rp_buf_put(b, ctx->json_tail.p, ctx->json_tail.len);
    put_json_money(b, ",\"list_price\":", ec_reprice_result_list_price(r), e);
    put_json_money(b, ",\"price\":", ec_reprice_result_price(r), e);
    put_json_id(b, ",\"price_list\":", ec_reprice_result_price_list(r));
    put_json_id(b, ",\"promotion\":", ec_reprice_result_promotion(r));
    rp_buf_puts(b, ",\"tax_percent\":\"");
    rp_buf_put(b, pct, fmt_percent(w, pct, ec_reprice_result_tax_percent(r)));
    rp_buf_putc(b, '"');
    put_json_money(b, ",\"display_price\":", ec_reprice_result_display_price(r), e);
    rp_buf_puts(b, ch < 0 ? ",\"changed\":null}\n"
                   : ch   ? ",\"changed\":true}\n"
                          : ",\"changed\":false}\n");
}

int rp_record(rp_worker *w)
{
    if (!rp_record_price(w)) return 0;
    for (size_t k = 0; k < w->job->nctx; k++) {
        if (w->job->changed_only && ec_reprice_result_changed(w->res[k]) == 0) continue;
        if (w->job->out_fmt == RP_JSONL)
            emit_json(w, k);
        else
            emit_csv(w, k);
    }
    return 1;
}
