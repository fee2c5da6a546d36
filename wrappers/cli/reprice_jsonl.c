/* reprice_jsonl.c - JSON-lines catalogs for `ecom reprice`: one flat object
 * per line with the keys of docs/batch.md, parsed by hand.
 *
 * A row object is small and flat, so a general JSON parser (a tree per
 * line) would cost more than pricing it.  This one reads the object in
 * place: strings are unescaped over themselves, values are slices of the
 * chunk.  It is strict like the library's codec: unknown or repeated keys
 * are refused, money must be a string, null means absent, and any syntax
 * error rejects the row as invalid_json. */
#include <string.h>

#include "reprice_cli.h"

size_t rp_jsonl_split(const char *p, size_t n, int eof)
{
    if (eof) return n;
    size_t i = n;
    while (i > 0 && p[i - 1] != '\n') i--;
    return i;
}

typedef struct jp {
    char *p;
    size_t n, i;
    rp_row *row;
} jp;

static int syntax(jp *j, const char *what)
{
    if (j->row->bad == EC_OK)
        rp_row_fail(j->row, EC_INVALID_JSON, "", "not a JSON object: %s at byte %zu", what,
                    j->i + 1);
    return 0;
}

static void skip_ws(jp *j)
{
    while (j->i < j->n &&
           (j->p[j->i] == ' ' || j->p[j->i] == '\t' || j->p[j->i] == '\r' || j->p[j->i] == '\n'))
        j->i++;
}

static int hex4(const char *s, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        unsigned d = (c >= '0' && c <= '9')   ? (unsigned)(c - '0')
                     : (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10)
                     : (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10)
                                              : 16u;
        if (d > 15) return 0;
        *v = *v * 16 + d;
    }
    return 1;
}

static char *put_utf8(char *w, unsigned cp)
{
    if (cp < 0x80) {
        *w++ = (char)cp;
    } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | (cp >> 6));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (cp >> 18));
        *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/* \uXXXX, with a surrogate pair for code points beyond U+FFFF. */
static int unicode_escape(jp *j, size_t *r, char **w)
{
    unsigned cp, lo;
    if (*r + 5 > j->n || !hex4(j->p + *r + 1, &cp)) return syntax(j, "a bad \\u escape");
    *r += 5;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return syntax(j, "a lone low surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (*r + 6 > j->n || j->p[*r] != '\\' || j->p[*r + 1] != 'u' || !hex4(j->p + *r + 2, &lo) ||
            lo < 0xDC00 || lo > 0xDFFF)
            return syntax(j, "a high surrogate without its low half");
        *r += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    *w = put_utf8(*w, cp);
    return 1;
}

/* A string at j->i (its opening quote); unescaped in place. */
static int string(jp *j, rp_slice *out)
{
    size_t r = j->i + 1;
    char *start = j->p + r, *w = start;
    for (;;) {
        size_t s = r;
        while (r < j->n && j->p[r] != '"' && j->p[r] != '\\' && (unsigned char)j->p[r] >= 0x20) r++;
        if (w != j->p + s) memmove(w, j->p + s, r - s);
        w += r - s;
        if (r >= j->n) return syntax(j, "an unterminated string");
        char c = j->p[r];
        if (c == '"') break;
        if (c != '\\') return syntax(j, "a control character in a string");
        if (r + 1 >= j->n) return syntax(j, "an unterminated string");
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = memchr(from, j->p[r + 1], sizeof from - 1);
        if (k) {
            *w++ = to[k - from];
            r += 2;
        } else if (j->p[r + 1] == 'u') {
            r++;
            if (!unicode_escape(j, &r, &w)) return 0;
        } else {
            return syntax(j, "a bad escape");
        }
    }
    out->p = start;
    out->n = (size_t)(w - start);
    j->i = r + 1;
    return 1;
}

static int literal(jp *j, const char *word)
{
    size_t k = strlen(word);
    if (j->n - j->i < k || memcmp(j->p + j->i, word, k) != 0) return syntax(j, "an unknown word");
    j->i += k;
    return 1;
}

static const char *value_kind(char c)
{
    return c == '{'                 ? "an object"
           : c == '['               ? "an array"
           : (c == 't' || c == 'f') ? "a boolean"
                                    : "a number";
}

/* A value of the wrong JSON type starting with c; money as a number gets
 * the message the library's codec gives. */
static int wrong_type(jp *j, int col, char c)
{
    const char *name = rp_col_names[col];
    int number = c == '-' || (c >= '0' && c <= '9');
    if (number && (col == RP_COL_PRICE || col == RP_COL_CURRENT_PRICE))
        rp_row_fail(j->row, EC_INVALID_FIELD, name,
                    "%s is a number; money must be a string: quote it, like \"19.99\"", name);
    else
        rp_row_fail(j->row, EC_INVALID_FIELD, name, "%s must be %s, not %s", name,
                    col == RP_COL_CATEGORIES ? "an array of strings" : "a string", value_kind(c));
    return 0;
}

static int categories(jp *j)
{
    rp_row *row = j->row;
    rp_slice s;
    row->has[RP_COL_CATEGORIES] = 1; /* [] gives the item no category */
    j->i++;
    skip_ws(j);
    if (j->i < j->n && j->p[j->i] == ']') {
        j->i++;
        return 1;
    }
    for (;;) {
        skip_ws(j);
        if (j->i >= j->n) return syntax(j, "an unterminated array");
        if (j->p[j->i] != '"') {
            rp_row_fail(row, EC_INVALID_FIELD, "categories", "categories must hold strings");
            return 0;
        }
        if (!string(j, &s)) return 0;
        rp_row_add_cat(row, s.p, s.n);
        skip_ws(j);
        if (j->i < j->n && j->p[j->i] == ',') {
            j->i++;
            continue;
        }
        if (j->i < j->n && j->p[j->i] == ']') {
            j->i++;
            return 1;
        }
        return syntax(j, "a missing ',' or ']' in an array");
    }
}

static int value(jp *j, int col)
{
    rp_row *row = j->row;
    if (j->i >= j->n) return syntax(j, "a missing value");
    char c = j->p[j->i];
    if (c == 'n') return literal(j, "null"); /* null: absent */
    if (c == '"') {
        if (!string(j, &row->col[col])) return 0;
        row->has[col] = 1;
        return 1;
    }
    if (c == '[' && col == RP_COL_CATEGORIES) return categories(j);
    if (c == '{' || c == '[' || c == 't' || c == 'f' || c == '-' || (c >= '0' && c <= '9'))
        return wrong_type(j, col, c);
    return syntax(j, "an unexpected character");
}

static int member(jp *j, uint8_t *seen)
{
    rp_slice key;
    int col = -1;
    if (j->i >= j->n || j->p[j->i] != '"') return syntax(j, "a missing key");
    if (!string(j, &key)) return 0;
    for (int c = 0; c < RP_NCOLS && col < 0; c++)
        if (strlen(rp_col_names[c]) == key.n && memcmp(rp_col_names[c], key.p, key.n) == 0) col = c;
    int shown = (int)(key.n < 48 ? key.n : 48);
    if (col < 0) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", shown, key.p);
        rp_row_fail(j->row, EC_INVALID_FIELD, name, "unknown key \"%s\"", name);
        return 0;
    }
    if (seen[col]) {
        rp_row_fail(j->row, EC_INVALID_FIELD, rp_col_names[col], "%s given twice",
                    rp_col_names[col]);
        return 0;
    }
    seen[col] = 1;
    skip_ws(j);
    if (j->i >= j->n || j->p[j->i] != ':') return syntax(j, "a missing ':'");
    j->i++;
    skip_ws(j);
    return value(j, col);
}

void rp_jsonl_parse(char *p, size_t n, rp_row *row)
{
    jp j = {p, n, 0, row};
    uint8_t seen[RP_NCOLS] = {0};
    skip_ws(&j);
    if (j.i >= n || p[j.i] != '{') {
        syntax(&j, "no '{'");
        return;
    }
    j.i++;
    skip_ws(&j);
    if (j.i < n && p[j.i] == '}') {
        j.i++;
    } else {
        for (;;) {
            if (!member(&j, seen)) return;
            skip_ws(&j);
            if (j.i < n && p[j.i] == ',') {
                j.i++;
                skip_ws(&j);
                continue;
            }
            if (j.i < n && p[j.i] == '}') {
                j.i++;
                break;
            }
            syntax(&j, "a missing ',' or '}'");
            return;
        }
    }
    skip_ws(&j);
    if (j.i < n) syntax(&j, "text after the object");
}

void rp_jsonl_process(rp_worker *w, rp_chunk *c)
{
    char *p = rp_chunk_data(c);
    size_t n = c->len, pos = 0;
    uint64_t line = 0;
    while (pos < n && !c->stop) {
        char *nl = memchr(p + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - p) : n, k = pos;
        while (k < end && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r')) k++;
        if (k < end) { /* blank lines are no records */
            rp_row_clear(&w->row);
            w->row.line = line;
            rp_jsonl_parse(p + pos, end - pos, &w->row);
            rp_record(w);
        }
        pos = end + 1;
        line += nl != NULL;
    }
    c->nlines = line;
}

void rp_json_put_string(rp_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *d = rp_buf_room(b, 6 * n + 2), *start = d;
    *d++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *d++ = '\\';
            *d++ = (char)c;
        } else if (c < 0x20) {
            memcpy(d, "\\u00", 4);
            d[4] = hex[c >> 4];
            d[5] = hex[c & 15];
            d += 6;
        } else {
            *d++ = (char)c;
        }
    }
    *d++ = '"';
    b->len += (size_t)(d - start);
}
