/* cmd_order.c - `ecom order machine` and `ecom order apply` (cli.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int run_machine(int argc, char **argv)
{
    static const struct option opts[] = {CLI_HELP_OPTION};
    int c, status = EXIT_OK;
    while ((c = cli_getopt(argc, argv, opts, &status)) != -1)
        if (c == CLI_DONE) return status;
    if (optind < argc) return cli_usage("unexpected argument '%s'", argv[optind]);
    char *out = NULL;
    if (ec_order_machine_to_json(ec_order_machine_default(), &out, NULL) != EC_OK) {
        fputs("ecom: out of memory\n", stderr);
        return EXIT_REFUSED;
    }
    puts(out);
    ec_free(out);
    return EXIT_OK;
}

const cli_command cli_order_machine = {
    "order machine",
    "order machine",
    "print the built-in default order machine",
    "Print the built-in default order state machine as a machine document: its\n"
    "initial state, transitions (from, event, to, guard, effects) and final\n"
    "states.  Edit a copy and pass it to 'ecom order apply --machine'.\n"
    "\n"
    "options:\n"
    "  -h, --help      print this help\n",
    run_machine,
};

typedef struct apply_args {
    const char *machine, *order, *event;
} apply_args;

static int parse_apply(int argc, char **argv, apply_args *a)
{
    enum { MACHINE = CLI_OPT, ORDER };
    static const struct option opts[] = {{"machine", required_argument, NULL, MACHINE},
                                         {"order", required_argument, NULL, ORDER},
                                         CLI_HELP_OPTION};
    int c, status = EXIT_OK;
    while ((c = cli_getopt(argc, argv, opts, &status)) != -1) {
        if (c == CLI_DONE) return status;
        *(c == MACHINE ? &a->machine : &a->order) = optarg;
    }
    if (optind < argc) a->event = argv[optind];
    if (optind + 1 < argc) return cli_usage("unexpected argument '%s'", argv[optind + 1]);
    if (!a->order || !a->order[0]) return cli_usage("--order is required");
    int from_stdin = (a->machine && strcmp(a->machine, "-") == 0) + (strcmp(a->order, "-") == 0) +
                     (strcmp(a->event, "-") == 0);
    if (from_stdin > 1) return cli_usage("only one document can come from stdin ('-')");
    return CLI_PARSED;
}

/* NULL machine: the default.  *status is set when loading fails. */
static ec_order_machine *load_machine(const char *path, int *status)
{
    size_t len = 0;
    char *json = cli_read_file(path, &len);
    ec_order_machine *m = NULL;
    ec_error err;
    *status = EXIT_USAGE;
    if (!json) return NULL;
    if (ec_order_machine_from_json(json, len, NULL, &m, &err) != EC_OK)
        *status = cli_refuse("machine", &err);
    free(json);
    return m;
}

static int apply(const ec_order_machine *m, const char *order, size_t order_len, const char *event,
                 size_t event_len)
{
    char *out = NULL;
    ec_error err;
    if (ec_json_order_apply(m, order, order_len, event, event_len, &out, NULL, &err) != EC_OK)
        return cli_refuse(strncmp(err.field, "order", 5) == 0 ? "order" : "event", &err);
    puts(out);
    ec_free(out);
    return EXIT_OK;
}

static int run_apply(int argc, char **argv)
{
    apply_args a = {NULL, NULL, "-"};
    int status = parse_apply(argc, argv, &a);
    if (status != CLI_PARSED) return status;
    ec_order_machine *m = NULL;
    if (a.machine && !(m = load_machine(a.machine, &status))) return status;
    size_t order_len = 0, event_len = 0;
    char *order = cli_read_file(a.order, &order_len);
    char *event = order ? cli_read_file(a.event, &event_len) : NULL;
    status = order && event ? apply(m, order, order_len, event, event_len) : EXIT_USAGE;
    free(event);
    free(order);
    ec_order_machine_free(m);
    return status;
}

const cli_command cli_order_apply = {
    "order apply",
    "order apply [--machine M] --order ORDER [EVENT]",
    "apply one event (file or - for stdin) to an order",
    "Apply the event document EVENT (a file; - or nothing for stdin) to the order\n"
    "document ORDER and print {\"order\", \"effects\", \"duplicate\"}: the order\n"
    "after the event, what the caller must do (ship, release or restock stock),\n"
    "and whether the event had been applied before.  A refused event (a\n"
    "transition the machine does not allow, a version conflict, a bad document)\n"
    "exits 1 with its error document.  One document at most comes from stdin.\n"
    "\n"
    "options:\n"
    "  --order FILE    the order document (required)\n"
    "  --machine FILE  a custom order machine (default: the built-in one)\n"
    "  -h, --help      print this help\n",
    run_apply,
};
