/* cmd_order.c - `ecom order machine` and `ecom order apply` (cli.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define APPLY_USAGE "usage: ecom order apply [--machine M] --order ORDER [EVENT]"

static int order_machine(int argc, char **argv)
{
    (void)argv;
    if (argc != 2) return cli_usage("usage: ecom order machine");
    char *out = NULL;
    if (ec_order_machine_to_json(ec_order_machine_default(), &out, NULL) != EC_OK) {
        fputs("ecom: out of memory\n", stderr);
        return EXIT_REFUSED;
    }
    puts(out);
    ec_free(out);
    return EXIT_OK;
}

typedef struct apply_args {
    const char *machine, *order, *event;
} apply_args;

/* An option's value, as "--name VALUE" or "--name=VALUE"; NULL when argv[*i]
 * is not that option. */
static const char *option(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return NULL;
    if (argv[*i][n] == '=') return argv[*i] + n + 1;
    if (argv[*i][n] != '\0' || *i + 1 >= argc) return NULL;
    return argv[++*i];
}

static int parse_apply(int argc, char **argv, apply_args *a)
{
    int have_event = 0;
    for (int i = 2; i < argc; i++) {
        const char *v;
        if ((v = option(argc, argv, &i, "--machine")))
            a->machine = v;
        else if ((v = option(argc, argv, &i, "--order")))
            a->order = v;
        else if ((argv[i][0] != '-' || strcmp(argv[i], "-") == 0) && !have_event)
            a->event = argv[i], have_event = 1;
        else
            return cli_usage("unexpected argument '%s'\n" APPLY_USAGE, argv[i]);
    }
    if (!a->order) return cli_usage("--order is required\n" APPLY_USAGE);
    int from_stdin = (a->machine && strcmp(a->machine, "-") == 0) + (strcmp(a->order, "-") == 0) +
                     (strcmp(a->event, "-") == 0);
    if (from_stdin > 1) return cli_usage("only one document can come from stdin ('-')");
    return EXIT_OK;
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

static int order_apply(int argc, char **argv)
{
    apply_args a = {NULL, NULL, "-"};
    int status = parse_apply(argc, argv, &a);
    if (status != EXIT_OK) return status;
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

int cmd_order(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "machine") == 0) return order_machine(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "apply") == 0) return order_apply(argc, argv);
    return cli_usage("usage: ecom order machine\n       ecom order apply [--machine M] "
                     "--order ORDER [EVENT]");
}
