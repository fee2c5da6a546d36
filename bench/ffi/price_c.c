/* price_c.c - the C figure of bench/ffi.sh: carts priced per second through
 * ec_pricer_price_json(), the same call the Python and Node packages make.
 *
 * Usage: price_c RULES CARTS.jsonl ROUNDS
 *
 * Reads every line of CARTS.jsonl into memory, prices all of them ROUNDS
 * times with one pricer (as a service thread would) and prints one line:
 * "c <carts> <seconds> <checksum>", the checksum being the total bytes of
 * output so that the work cannot be optimised away and the surfaces can be
 * seen to produce the same documents.  Built by bench/ffi.sh against
 * build/lib; not part of `make bench`, which builds only the top level of bench/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecommerce.h"

typedef struct carts {
    char **doc;
    size_t *len;
    size_t n, cap;
} carts;

static char *slurp(const char *path, size_t *len)
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
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    fclose(f);
    return buf;
}

/* Split the file in place at newlines; empty lines are skipped. */
static int split_lines(char *text, carts *c)
{
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 1024;
            char **d = realloc(c->doc, c->cap * sizeof *d);
            size_t *l = d ? realloc(c->len, c->cap * sizeof *l) : NULL;
            if (d) c->doc = d;
            if (!d || !l) return -1;
            c->len = l;
        }
        c->doc[c->n] = line;
        c->len[c->n++] = strlen(line);
    }
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const ec_ruleset *rules, const carts *c, long rounds)
{
    ec_pricer *p = ec_pricer_new();
    if (!p) return 1;
    ec_error err;
    unsigned long long bytes = 0;
    double t0 = now();
    for (long r = 0; r < rounds; r++) {
        for (size_t i = 0; i < c->n; i++) {
            const char *out = NULL;
            size_t out_len = 0;
            ec_status st =
                ec_pricer_price_json(p, rules, c->doc[i], c->len[i], &out, &out_len, &err);
            if (st != EC_OK) {
                fprintf(stderr, "price_c: cart %zu: %s at %s: %s\n", i, ec_status_name(st),
                        err.field, err.message);
                ec_pricer_free(p);
                return 1;
            }
            bytes += out_len;
        }
    }
    double secs = now() - t0;
    printf("c %lu %.6f %llu\n", (unsigned long)(c->n * (size_t)rounds), secs, bytes);
    ec_pricer_free(p);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s RULES CARTS.jsonl ROUNDS\n", argv[0]);
        return 2;
    }
    size_t rules_len = 0, carts_len = 0;
    char *rules_json = slurp(argv[1], &rules_len);
    char *carts_text = slurp(argv[2], &carts_len);
    long rounds = strtol(argv[3], NULL, 10);
    carts c = {0};
    ec_ruleset *rules = NULL;
    ec_error err;
    int rc = 1;
    if (!rules_json || !carts_text || rounds < 1) {
        fprintf(stderr, "price_c: cannot read %s or %s, or bad ROUNDS\n", argv[1], argv[2]);
    } else if (split_lines(carts_text, &c) != 0) {
        fprintf(stderr, "price_c: out of memory\n");
    } else if (ec_ruleset_from_json(rules_json, rules_len, NULL, &rules, &err) != EC_OK) {
        fprintf(stderr, "price_c: ruleset refused: %s at %s: %s\n", ec_status_name(err.code),
                err.field, err.message);
    } else {
        rc = run(rules, &c, rounds);
    }
    ec_ruleset_free(rules);
    free(c.doc);
    free(c.len);
    free(carts_text);
    free(rules_json);
    return rc;
}
