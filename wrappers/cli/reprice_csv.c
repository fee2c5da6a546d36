/* reprice_csv.c - RFC 4180 catalogs for `ecom reprice`: where records end,
 * the header, the fields of a record, and quoting on output.
 *
 * The reader thread only needs to know where records end, so that chunks
 * hold whole records; the workers parse them.  Both follow one rule: a
 * field that starts with a quote runs to the quote that is not doubled, and
 * a newline outside such a field ends the record.  A quote anywhere else is
 * an error of that record (its row is rejected), but the rule above still
 * says where the record ends, so one bad row never shifts the next ones.
 * Fields are unescaped in place: the chunk is the worker's to modify. */
#include <string.h>

#include "reprice_cli.h"

/* Bytes that end or escape an unquoted field. */
static const unsigned char special[256] = {['\n'] = 1, ['\r'] = 1, [','] = 1, ['"'] = 1};

/* ---- where records end ------------------------------------------------------------- */

enum { AT_START, IN_UNQUOTED, IN_QUOTED, AFTER_QUOTE };

/* With quotes about, the state machine of the header comment. */
static size_t split_quoted(const char *p, size_t n)
{
    size_t cut = 0;
    int st = AT_START;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (st == IN_QUOTED) {
            const char *q = memchr(p + i, '"', n - i);
            if (!q) break;
            i = (size_t)(q - p);
            st = AFTER_QUOTE;
        } else if (c == '\n') {
            cut = i + 1;
            st = AT_START;
        } else if (c == ',') {
            st = AT_START;
        } else if (c == '"' && (st == AT_START || st == AFTER_QUOTE)) {
            st = IN_QUOTED;
        } else {
            st = IN_UNQUOTED;
        }
    }
    return cut;
}

size_t rp_csv_split(const char *p, size_t n, int eof)
{
    if (eof) return n;
    if (!memchr(p, '"', n)) { /* the common case: the last newline */
        size_t i = n;
        while (i > 0 && p[i - 1] != '\n') i--;
        return i;
    }
    return split_quoted(p, n);
}

/* ---- one record ------------------------------------------------------------------------ */

static uint64_t count_newlines(const char *p, size_t n)
{
    uint64_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) k++;
    return k;
}

/* A quoted field starting at the quote p[*i]; unescaped into place.  Sets
 * *err when it has no closing quote. */
static rp_slice quoted_field(char *p, size_t n, size_t *i, uint64_t *lines, const char **err)
{
    size_t r = *i + 1, w = r;
    rp_slice f = {p + r, 0};
    for (;;) {
        char *q = memchr(p + r, '"', n - r);
        size_t k = q ? (size_t)(q - (p + r)) : n - r;
        *lines += count_newlines(p + r, k);
        if (w != r) memmove(p + w, p + r, k);
        w += k;
        r += k + 1;
        if (!q) {
            *err = "a quoted field has no closing quote";
            r = n;
            break;
        }
        if (r < n && p[r] == '"') { /* "" stands for one quote */
            p[w++] = '"';
            r++;
            continue;
        }
        break;
    }
    f.n = w - (size_t)(f.p - p);
    *i = r;
    return f;
}

/* Lanes of v (8 bytes) that are special: the high bit of the first one is
 * exact (a byte equal to c shows as a zero byte of v ^ c; borrows can only
 * mark lanes above a true one). */
static uint64_t special_lanes(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t a = v ^ (',' * ones), b = v ^ ('\n' * ones), c = v ^ ('"' * ones),
             d = v ^ ('\r' * ones);
    return (((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c) | ((d - ones) & ~d)) & high;
}

/* The first special byte of p[j..n), or n; 8 bytes at a time (the last
 * word overlaps what was seen, never reads past n). */
static size_t skip_plain(const char *p, size_t n, size_t j)
{
    uint64_t v, m;
    for (; j + 8 <= n; j += 8) {
        memcpy(&v, p + j, 8);
        if ((m = special_lanes(v)) != 0) return j + ((size_t)__builtin_ctzll(m) >> 3);
    }
    if (j < n && n >= 8) {
        /* lanes before j read as 'A': a match there would borrow into the
         * lanes above and fake one at j */
        uint64_t below = (1ULL << (8 * (j - (n - 8)))) - 1;
        memcpy(&v, p + n - 8, 8);
        m = special_lanes((v & ~below) | (0x4141414141414141ULL & below));
        return m ? n - 8 + ((size_t)__builtin_ctzll(m) >> 3) : n;
    }
    while (j < n && !special[(unsigned char)p[j]]) j++;
    return j;
}

/* An unquoted field: up to a comma or the record's end.  A quote inside is
 * an error but, as for the splitter, data. */
static rp_slice unquoted_field(char *p, size_t n, size_t *i, const char **err)
{
    size_t j = *i;
    for (;;) {
        j = skip_plain(p, n, j);
        if (j < n && p[j] == '"') {
            if (!*err) *err = "a quote inside an unquoted field (quote the whole field)";
            j++;
            continue;
        }
        if (j < n && p[j] == '\r' && !(j + 1 == n || p[j + 1] == '\n')) {
            j++; /* a lone CR is data; an identifier check will refuse it */
            continue;
        }
        break;
    }
    rp_slice f = {p + *i, j - *i};
    *i = j;
    return f;
}

/* A record without quotes (nearly all of them): fields between commas up
 * to the newline, found with memchr, which beats any loop of ours on
 * short lines. */
static void plain_record(char *p, size_t n, size_t *pos, const char *nl, rp_slice *f, size_t maxf,
                         size_t *nf, uint64_t *lines)
{
    char *s = p + *pos, *end = nl ? (char *)nl : p + n;
    size_t count = 0;
    *pos = nl ? (size_t)(nl - p) + 1 : n;
    *lines = nl != NULL;
    if (end > s && end[-1] == '\r') end--; /* CRLF */
    for (;;) {
        char *comma = memchr(s, ',', (size_t)(end - s));
        char *e = comma ? comma : end;
        if (count < maxf) {
            f[count].p = s;
            f[count].n = (size_t)(e - s);
        }
        count++;
        if (!comma) break;
        s = comma + 1;
    }
    *nf = count;
}

const char *rp_csv_record(char *p, size_t n, size_t *pos, rp_slice *f, size_t maxf, size_t *nf,
                          uint64_t *lines)
{
    const char *nl = memchr(p + *pos, '\n', n - *pos);
    size_t end = nl ? (size_t)(nl - p) : n;
    if (!memchr(p + *pos, '"', end - *pos)) {
        plain_record(p, n, pos, nl, f, maxf, nf, lines);
        return NULL;
    }
    const char *err = NULL;
    size_t i = *pos, count = 0;
    *lines = 0;
    for (;;) {
        rp_slice field;
        if (i < n && p[i] == '"') {
            field = quoted_field(p, n, &i, lines, &err);
            if (i < n && p[i] != ',' && p[i] != '\n' && p[i] != '\r') {
                if (!err) err = "a quoted field must end at its closing quote";
                unquoted_field(p, n, &i, &err); /* the rest, as the splitter sees it */
            } else if (i < n && p[i] == '\r' && !(i + 1 == n || p[i + 1] == '\n')) {
                if (!err) err = "a quoted field must end at its closing quote";
                unquoted_field(p, n, &i, &err);
            }
        } else {
            field = unquoted_field(p, n, &i, &err);
        }
        if (count < maxf) f[count] = field;
        count++;
        if (i < n && p[i] == ',') {
            i++;
            continue;
        }
        if (i < n && p[i] == '\r') i++; /* CRLF */
        if (i < n && p[i] == '\n') {
            i++;
            (*lines)++;
        }
        break;
    }
    *pos = i;
    *nf = count;
    return err;
}

/* ---- the header -------------------------------------------------------------------------- */

static long csv_refuse(rp_refusal *why, const char *field, const char *fmt, const char *arg)
{
    why->status = EC_INVALID_FIELD;
    why->at = 0; /* the header is the first record */
    snprintf(why->field, sizeof why->field, "%s", field);
    snprintf(why->msg, sizeof why->msg, fmt, arg);
    return -2;
}

static long map_header(rp_job *job, const rp_slice *f, size_t nf, rp_refusal *why)
{
    char name[64];
    for (int c = 0; c < RP_NCOLS; c++) job->csv_index[c] = -1;
    for (size_t k = 0; k < nf; k++) {
        int col = -1;
        for (int c = 0; c < RP_NCOLS && col < 0; c++)
            if (strlen(rp_col_names[c]) == f[k].n && memcmp(rp_col_names[c], f[k].p, f[k].n) == 0)
                col = c;
        snprintf(name, sizeof name, "%.*s", (int)(f[k].n < 48 ? f[k].n : 48), f[k].p);
        if (col < 0)
            return csv_refuse(why, name,
                              "unknown column \"%s\" (columns: sku, price, currency, categories, "
                              "tax_category, current_price)",
                              name);
        if (job->csv_index[col] >= 0)
            return csv_refuse(why, name, "column \"%s\" given twice", name);
        job->csv_index[col] = (int)k;
    }
    if (job->csv_index[RP_COL_SKU] < 0)
        return csv_refuse(why, "sku", "%s", "the header has no sku column");
    job->csv_ncols = (int)nf;
    return 0;
}

long rp_csv_prologue(rp_job *job, char *p, size_t n, int eof, rp_refusal *why)
{
    size_t end = rp_csv_split(p, n, eof), pos = 0, nf = 0;
    uint64_t lines = 0;
    rp_slice f[RP_NCOLS + 1];
    if (n == 0) return 0; /* an empty file: no header, no rows */
    if (end == 0 && !eof) return -1;
    const char *err = rp_csv_record(p, n, &pos, f, RP_NCOLS + 1, &nf, &lines);
    if (err) return csv_refuse(why, "", "the header: %s", err);
    if (nf > RP_NCOLS)
        return csv_refuse(why, "", "%s", "the header has more columns than the six known ones");
    long st = map_header(job, f, nf, why);
    return st < 0 ? st : (long)pos;
}

/* ---- chunks of records -------------------------------------------------------------------- */

static void csv_fill_row(const rp_job *job, rp_row *row, rp_slice *f, size_t nf, const char *err)
{
    int at = job->csv_index[RP_COL_SKU];
    if ((err || (int)nf != job->csv_ncols) && at < (int)nf && at <= RP_NCOLS && f[at].n) {
        row->col[RP_COL_SKU] = f[at]; /* named in the reject */
        row->has[RP_COL_SKU] = 1;
    }
    if (err) {
        rp_row_fail(row, EC_INVALID_FIELD, "", "%s", err);
        return;
    }
    if ((int)nf != job->csv_ncols) {
        rp_row_fail(row, EC_INVALID_FIELD, "", "the record has %zu fields, the header %d", nf,
                    job->csv_ncols);
        return;
    }
    for (int c = 0; c < RP_NCOLS; c++) {
        int k = job->csv_index[c];
        if (k < 0 || f[k].n == 0) continue; /* an empty field leaves the product's value */
        row->col[c] = f[k];
        row->has[c] = 1;
    }
    if (row->has[RP_COL_CATEGORIES]) {
        row->cat_sep = '|';
        rp_row_add_cat(row, row->col[RP_COL_CATEGORIES].p, row->col[RP_COL_CATEGORIES].n);
    }
}

void rp_csv_process(rp_worker *w, rp_chunk *c)
{
    char *p = rp_chunk_data(c);
    size_t n = c->len, pos = 0, nf = 0;
    uint64_t line = 0, lines = 0;
    rp_slice f[RP_NCOLS + 1];
    while (pos < n && !c->stop) {
        if (p[pos] == '\n' || (p[pos] == '\r' && pos + 1 < n && p[pos + 1] == '\n')) {
            pos += p[pos] == '\n' ? 1 : 2; /* blank lines are no records */
            line++;
            continue;
        }
        rp_row_clear(&w->row);
        w->row.line = line;
        const char *err = rp_csv_record(p, n, &pos, f, RP_NCOLS + 1, &nf, &lines);
        csv_fill_row(w->job, &w->row, f, nf, err);
        rp_record(w);
        line += lines;
    }
    c->nlines = line;
}

/* ---- output ------------------------------------------------------------------------------------
 */

void rp_csv_put_field(rp_buf *b, const char *s, size_t n)
{
    size_t i = skip_plain(s, n, 0);
    if (i == n) {
        rp_buf_put(b, s, n);
        return;
    }
    char *d = rp_buf_room(b, 2 * n + 2), *start = d;
    *d++ = '"';
    for (i = 0; i < n; i++) {
        if (s[i] == '"') *d++ = '"';
        *d++ = s[i];
    }
    *d++ = '"';
    b->len += (size_t)(d - start);
}
