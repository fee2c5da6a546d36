/* runner.c - the conformance runner (build/tests/conformance).
 *
 * Usage: conformance DIR|FILE...
 *
 * Every *.json file of each directory (sorted by name) is one case
 * {"name", "rules", "cart", "expected"} (tests/conformance/README of the
 * spec).  Each case is priced three times and every answer must agree:
 *
 *   1. ec_json_price(), the one-call facade;
 *   2. ec_pricer_price_json() on one pricer shared by the whole run, so that
 *      state left behind by earlier carts (reused arena, grown arrays,
 *      output buffer) would show up as a wrong answer;
 *   3. the same pricer again on the same cart: reuse must give the same
 *      bytes.
 *
 * The first answer is then compared with `expected` as JSON values: object
 * key order is free, arrays are ordered, strings and numbers exact; for an
 * expected error only `code` and `field` are compared (the message is free).
 * A mismatch prints the case name and one `path: want X got Y` line per
 * differing path.  The run ends with `conformance: N passed, M failed` and
 * exits 1 on any failure or when no case ran, 2 on a usage error. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecommerce.h"

/* Lines of diff printed per case: enough to see the pattern, short enough
 * that one broken rule does not bury the summary. */
enum { MAX_DIFF_LINES = 25, MAX_VALUE_CHARS = 160, PATH_MAX_CHARS = 512 };

typedef struct runner {
    ec_pricer *pricer; /* shared by every case on purpose: see the header */
    unsigned passed, failed;
} runner;

/* One case being checked: its name and the diff lines printed so far. */
typedef struct check {
    const char *name;
    unsigned problems;
} check;

/* ---- reporting ------------------------------------------------------------ */

static void problem(check *c, const char *fmt, ...)
{
    if (c->problems == 0) printf("FAIL %s\n", c->name);
    if (c->problems++ == MAX_DIFF_LINES) printf("  ... (more differences not shown)\n");
    if (c->problems > MAX_DIFF_LINES) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("  ", stdout);
    vprintf(fmt, ap);
    fputs("\n", stdout);
    va_end(ap);
}

/* A JSON value as compact text, cut short for the diff; caller frees. */
static char *show(const cJSON *v)
{
    if (!v) return strdup("(absent)");
    char *text = cJSON_PrintUnformatted(v);
    if (!text) return strdup("(unprintable)");
    if (strlen(text) > MAX_VALUE_CHARS) strcpy(text + MAX_VALUE_CHARS - 3, "...");
    return text;
}

static void differ(check *c, const char *path, const cJSON *want, const cJSON *got)
{
    char *w = show(want), *g = show(got);
    problem(c, "%s: want %s got %s", path[0] ? path : "(document)", w ? w : "?", g ? g : "?");
    free(w);
    free(g);
}

/* ---- recursive JSON diff ------------------------------------------------- */

static void diff(check *c, const char *path, const cJSON *want, const cJSON *got);

static void child_path(char *out, const char *path, const char *key, int index)
{
    if (key)
        snprintf(out, PATH_MAX_CHARS, "%s%s%s", path, path[0] ? "." : "", key);
    else
        snprintf(out, PATH_MAX_CHARS, "%s[%d]", path, index);
}

static void diff_objects(check *c, const char *path, const cJSON *want, const cJSON *got)
{
    char sub[PATH_MAX_CHARS];
    for (const cJSON *w = want->child; w; w = w->next) {
        child_path(sub, path, w->string, 0);
        diff(c, sub, w, cJSON_GetObjectItemCaseSensitive(got, w->string));
    }
    for (const cJSON *g = got->child; g; g = g->next) {
        if (cJSON_GetObjectItemCaseSensitive(want, g->string)) continue;
        child_path(sub, path, g->string, 0);
        differ(c, sub, NULL, g);
    }
}

static void diff_arrays(check *c, const char *path, const cJSON *want, const cJSON *got)
{
    char sub[PATH_MAX_CHARS];
    int nw = cJSON_GetArraySize(want), ng = cJSON_GetArraySize(got);
    if (nw != ng) problem(c, "%s: want %d elements got %d", path[0] ? path : "(document)", nw, ng);
    const cJSON *w = want->child, *g = got->child;
    for (int i = 0; w || g; i++) {
        child_path(sub, path, NULL, i);
        diff(c, sub, w, g);
        w = w ? w->next : NULL;
        g = g ? g->next : NULL;
    }
}

/* Same JSON type and, for scalars, the same value. */
static int same_scalar(const cJSON *want, const cJSON *got)
{
    if ((want->type & 0xFF) != (got->type & 0xFF)) return 0;
    if (cJSON_IsString(want)) return strcmp(want->valuestring, got->valuestring) == 0;
    if (cJSON_IsNumber(want)) return want->valuedouble == got->valuedouble;
    return 1; /* true, false, null: the type says it all */
}

static void diff(check *c, const char *path, const cJSON *want, const cJSON *got)
{
    if (!want || !got) {
        if (want || got) differ(c, path, want, got);
        return;
    }
    if (cJSON_IsObject(want) && cJSON_IsObject(got))
        diff_objects(c, path, want, got);
    else if (cJSON_IsArray(want) && cJSON_IsArray(got))
        diff_arrays(c, path, want, got);
    else if (!same_scalar(want, got))
        differ(c, path, want, got);
}

/* ---- comparing one answer with `expected` --------------------------------- */

static const char *error_member(const cJSON *doc, const char *key)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int same_opt(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Only code and field of an error are contract; the message is free, but
 * it must be there for a person to act on. */
static void compare_error(check *c, const cJSON *want, const cJSON *got, ec_status st)
{
    const char *wc = error_member(want, "code"), *gc = error_member(got, "code");
    const char *wf = error_member(want, "field"), *gf = error_member(got, "field");
    if (!same_opt(wc, gc))
        problem(c, "error.code: want %s got %s", wc ? wc : "(absent)", gc ? gc : "(absent)");
    if (!same_opt(wf, gf))
        problem(c, "error.field: want %s got %s", wf ? wf : "(absent)", gf ? gf : "(absent)");
    if (gc && strcmp(gc, ec_status_name(st)) != 0)
        problem(c, "status %s does not match the document's code %s", ec_status_name(st), gc);
    const char *msg = error_member(got, "message");
    if (!msg || !msg[0])
        problem(c, "error.message: want a message got %s", msg ? "\"\"" : "(absent)");
}

static void compare(check *c, const cJSON *want, const char *doc, ec_status st)
{
    cJSON *got = cJSON_ParseWithOpts(doc, NULL, 1);
    if (!got) {
        problem(c, "the output is not one JSON document: %.*s", MAX_VALUE_CHARS, doc);
        return;
    }
    int want_error = cJSON_GetObjectItemCaseSensitive(want, "error") != NULL;
    int got_error = cJSON_GetObjectItemCaseSensitive(got, "error") != NULL;
    if (want_error != got_error || (st == EC_OK) == got_error)
        differ(c, "", want, got);
    else if (want_error)
        compare_error(c, want, got, st);
    else
        diff(c, "", want, got);
    cJSON_Delete(got);
}

/* ---- pricing one case on every path ---------------------------------------- */

/* The document of an ec_json_price() call: its result, or the error
 * document the facade would print for err.  Caller ec_free()s. */
static char *facade_document(const ec_ruleset *rules, const char *cart, ec_status *st, check *c)
{
    char *out = NULL;
    size_t len = 0;
    ec_error err;
    ec_error_clear(&err);
    *st = ec_json_price(rules, cart, strlen(cart), &out, &len, &err);
    if (*st == EC_OK) {
        if (!out || len != strlen(out)) problem(c, "ec_json_price: out_len does not match");
        return out;
    }
    if (out) problem(c, "ec_json_price: failed with %s but set *out", ec_status_name(*st));
    ec_free(out);
    if (err.code != (int32_t)*st)
        problem(c, "ec_json_price: returned %s but err says %s", ec_status_name(*st),
                ec_status_name(err.code));
    out = NULL;
    if (ec_error_to_json(&err, &out, NULL) != EC_OK) problem(c, "ec_error_to_json failed");
    return out;
}

/* Price with the shared pricer; returns a copy of its document (the
 * pricer's own buffer is overwritten by the next call). */
static char *pricer_document(runner *r, const ec_ruleset *rules, const char *cart, ec_status *st,
                             check *c)
{
    const char *out = NULL;
    size_t len = 0;
    ec_error err;
    ec_error_clear(&err);
    *st = ec_pricer_price_json(r->pricer, rules, cart, strlen(cart), &out, &len, &err);
    if (!out) {
        problem(c, "ec_pricer_price_json: %s and no document", ec_status_name(*st));
        return NULL;
    }
    if (len != strlen(out)) problem(c, "ec_pricer_price_json: out_len does not match");
    if (*st != EC_OK && err.code != (int32_t)*st)
        problem(c, "ec_pricer_price_json: returned %s but err says %s", ec_status_name(*st),
                ec_status_name(err.code));
    return strdup(out);
}

static void agree(check *c, const char *what, const char *a, ec_status sa, const char *b,
                  ec_status sb)
{
    if (sa != sb)
        problem(c, "%s: status %s vs %s", what, ec_status_name(sa), ec_status_name(sb));
    else if (a && b && strcmp(a, b) != 0)
        problem(c, "%s: documents differ:\n    %.*s\n    %.*s", what, MAX_VALUE_CHARS * 2, a,
                MAX_VALUE_CHARS * 2, b);
}

static void price_case(runner *r, check *c, const ec_ruleset *rules, const cJSON *cart,
                       const cJSON *want)
{
    char *cart_json = cJSON_PrintUnformatted(cart);
    if (!cart_json) {
        problem(c, "cannot print the case's cart");
        return;
    }
    ec_status s1 = EC_OK, s2 = EC_OK, s3 = EC_OK;
    char *d1 = facade_document(rules, cart_json, &s1, c);
    char *d2 = pricer_document(r, rules, cart_json, &s2, c);
    char *d3 = pricer_document(r, rules, cart_json, &s3, c);
    agree(c, "ec_json_price vs ec_pricer_price_json", d1, s1, d2, s2);
    agree(c, "pricer reused on the same cart", d2, s2, d3, s3);
    if (d1) compare(c, want, d1, s1);
    ec_free(d1);
    free(d2);
    free(d3);
    cJSON_free(cart_json);
}

/* A ruleset the case expects to be refused is compared like a cart
 * error: the facade's document for err against `expected`. */
static void refused_ruleset(check *c, const ec_error *err, ec_status st, const cJSON *want)
{
    char *doc = NULL;
    if (ec_error_to_json(err, &doc, NULL) != EC_OK || !doc) {
        problem(c, "ec_error_to_json failed");
        return;
    }
    compare(c, want, doc, st);
    ec_free(doc);
}

static void run_case(runner *r, check *c, const cJSON *tc)
{
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(tc, "rules");
    const cJSON *cart = cJSON_GetObjectItemCaseSensitive(tc, "cart");
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(tc, "expected");
    if (!cJSON_IsObject(rules) || !cart || !cJSON_IsObject(want)) {
        problem(c, "the case lacks rules, cart or expected");
        return;
    }
    char *rules_json = cJSON_PrintUnformatted(rules);
    if (!rules_json) {
        problem(c, "cannot print the case's rules");
        return;
    }
    ec_ruleset *rs = NULL;
    ec_error err;
    ec_error_clear(&err);
    ec_status st = ec_ruleset_from_json(rules_json, strlen(rules_json), NULL, &rs, &err);
    cJSON_free(rules_json);
    if (st != EC_OK)
        refused_ruleset(c, &err, st, want);
    else
        price_case(r, c, rs, cart, want);
    ec_ruleset_free(rs);
}

/* ---- files and directories ----------------------------------------------- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) buf[n] = '\0';
    fclose(f);
    return buf;
}

static void run_file(runner *r, const char *path)
{
    check c = {.name = path};
    char *text = read_file(path);
    cJSON *tc = text ? cJSON_Parse(text) : NULL;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(tc, "name");
    if (cJSON_IsString(name)) c.name = name->valuestring;
    if (!text)
        problem(&c, "cannot read %s", path);
    else if (!tc)
        problem(&c, "%s is not valid JSON", path);
    else
        run_case(r, &c, tc);
    if (c.problems)
        r->failed++;
    else
        r->passed++;
    cJSON_Delete(tc);
    free(text);
}

static int is_case(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

/* alphasort compares with strcoll; the program never calls setlocale, so
 * that is the "C" locale's byte order and the run order is stable. */
static void run_dir(runner *r, const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, is_case, alphasort);
    if (n < 0) {
        /* not a directory: a single case file */
        run_file(r, dir);
        return;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        run_file(r, path);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
        return 2;
    }
    runner r = {.pricer = ec_pricer_new()};
    if (!r.pricer) {
        fprintf(stderr, "conformance: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) run_dir(&r, argv[i]);
    ec_pricer_free(r.pricer);
    printf("conformance: %u passed, %u failed\n", r.passed, r.failed);
    return (r.failed || r.passed == 0) ? 1 : 0;
}
