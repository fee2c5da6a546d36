/* cmd_inventory.c - `ecom inventory apply` (docs/inventory.md).
 *
 *   ecom inventory apply --state STATE [OPS] [--state-out FILE]
 *
 * Loads the state document, then reads OPS (a file, or - / nothing for
 * stdin) one line at a time: each non-blank line is one operation and gets
 * exactly one compact result line on stdout, in order.  The stream is never
 * held in memory, so it may be as long as the caller likes.
 *
 * Exit status: 0 when every line was processed; a failed operation
 * (insufficient_stock, not_found, ...) is a result, not a refusal.  3 when
 * the stream was processed but some lines were not well-formed operations
 * (invalid_json, invalid_field, limit_exceeded): the batch finished with
 * rejected rows.  1 when the state document is refused (error document on
 * stdout, one line on stderr).  2 on usage errors and unreadable or
 * unwritable files.  The final state is written to --state-out in every
 * case but 1 and 2, through a temporary file renamed into place, so that
 * --state-out may name the STATE file itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct inv_args {
    const char *state, *ops, *state_out;
} inv_args;

static int parse_args(int argc, char **argv, inv_args *a)
{
    enum { STATE = CLI_OPT, STATE_OUT };
    static const struct option opts[] = {{"state", required_argument, NULL, STATE},
                                         {"state-out", required_argument, NULL, STATE_OUT},
                                         CLI_HELP_OPTION};
    int c, status = EXIT_OK;
    *a = (inv_args){NULL, "-", NULL};
    while ((c = cli_getopt(argc, argv, opts, &status)) != -1) {
        if (c == CLI_DONE) return status;
        *(c == STATE ? &a->state : &a->state_out) = optarg;
    }
    if (optind < argc) a->ops = argv[optind];
    if (optind + 1 < argc) return cli_usage("unexpected argument '%s'", argv[optind + 1]);
    if (!a->state || !a->state[0]) return cli_usage("--state is required");
    if (a->state_out && (!a->state_out[0] || strcmp(a->state_out, "-") == 0))
        return cli_usage("--state-out needs a file name");
    return CLI_PARSED;
}

static ec_inventory *load_state(const char *path, int *status)
{
    size_t len = 0;
    char *json = cli_read_file(path, &len);
    ec_inventory *inv = NULL;
    ec_error err;
    *status = EXIT_USAGE;
    if (!json) return NULL;
    if (ec_inventory_from_json(json, len, NULL, &inv, &err) != EC_OK)
        *status = cli_refuse("inventory state", &err);
    free(json);
    return inv;
}

/* A line of white space only carries no operation. */
static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\r\n", s[i]) || !s[i]) return 0;
    return 1;
}

static int rejected_code(ec_status st)
{
    return st == EC_INVALID_JSON || st == EC_INVALID_FIELD || st == EC_LIMIT_EXCEEDED;
}

/* Apply every line of `in`; *rejected counts malformed ones. */
static int run_stream(ec_inventory *inv, FILE *in, unsigned long *ops, unsigned long *rejected)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, in)) >= 0) {
        size_t n = (size_t)got;
        if (blank(line, n)) continue;
        const char *out = NULL;
        size_t out_len = 0;
        ec_error err;
        ec_status st = ec_inventory_apply_json_view(inv, line, n, &out, &out_len, &err);
        (*ops)++;
        if (rejected_code(st) || !out) (*rejected)++;
        if (out) {
            fwrite(out, 1, out_len, stdout);
            fputc('\n', stdout);
        } else {
            printf("{\"ok\":false,\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n",
                   ec_status_name(st), ec_status_message(st));
        }
    }
    int failed = ferror(in);
    free(line);
    return failed ? -1 : 0;
}

static int save_state(const ec_inventory *inv, const char *path)
{
    char *doc = NULL;
    size_t len = 0;
    if (ec_inventory_to_json(inv, &doc, &len) != EC_OK) {
        fprintf(stderr, "ecom: out of memory writing the state\n");
        return EXIT_USAGE;
    }
    size_t tmp_len = strlen(path) + 16;
    char *tmp = malloc(tmp_len);
    FILE *f = NULL;
    if (tmp) {
        snprintf(tmp, tmp_len, "%s.tmp", path);
        f = fopen(tmp, "wb");
    }
    int ok = f && fwrite(doc, 1, len, f) == len && fputc('\n', f) != EOF;
    if (f && fclose(f) != 0) ok = 0;
    if (ok && rename(tmp, path) != 0) ok = 0;
    if (!ok) {
        fprintf(stderr, "ecom: cannot write %s: %s\n", path, strerror(errno));
        if (tmp) remove(tmp);
    }
    free(tmp);
    ec_free(doc);
    return ok ? EXIT_OK : EXIT_USAGE;
}

static int run_apply(int argc, char **argv)
{
    inv_args a;
    int status = parse_args(argc, argv, &a);
    if (status != CLI_PARSED) return status;
    ec_inventory *inv = load_state(a.state, &status);
    if (!inv) return status;
    FILE *in = strcmp(a.ops, "-") == 0 ? stdin : fopen(a.ops, "rb");
    if (!in) {
        fprintf(stderr, "ecom: cannot open %s: %s\n", a.ops, strerror(errno));
        ec_inventory_free(inv);
        return EXIT_USAGE;
    }
    unsigned long ops = 0, rejected = 0;
    int read_failed = run_stream(inv, in, &ops, &rejected);
    if (in != stdin) fclose(in);
    if (fflush(stdout) != 0) read_failed = -1;
    status = read_failed ? EXIT_USAGE : rejected ? EXIT_REJECTS : EXIT_OK;
    if (read_failed) fprintf(stderr, "ecom: cannot read %s or write the results\n", a.ops);
    if (rejected)
        fprintf(stderr, "ecom: inventory apply: %lu operations, %lu not well-formed\n", ops,
                rejected);
    if (a.state_out && !read_failed) {
        int saved = save_state(inv, a.state_out);
        if (saved != EXIT_OK) status = saved;
    }
    ec_inventory_free(inv);
    return status;
}

const cli_command cli_inventory_apply = {
    "inventory apply",
    "inventory apply --state STATE [OPS] [--state-out FILE]",
    "apply JSON-lines inventory operations (file or - for\n"
    "stdin), print one result line each, save the state",
    "Load the inventory state document STATE, apply the operations of OPS (one\n"
    "JSON object a line; a file, or - or nothing for stdin) in order and print\n"
    "one result line for each: {\"ok\": true, ...} or {\"ok\": false, \"error\": ...}.\n"
    "A refused operation (insufficient stock, say) is a result, not a failure.\n"
    "Exit 3 when some lines were not well-formed operations, 1 when STATE is\n"
    "refused.  The final state is written to --state-out through a temporary\n"
    "file renamed into place, so that it may name STATE itself.\n"
    "\n"
    "options:\n"
    "  --state FILE      the state document to start from (required)\n"
    "  --state-out FILE  write the final state here\n"
    "  -h, --help        print this help\n",
    run_apply,
};
