/* cmd_order.c - `ecom order machine`, `ecom order create` and `ecom order
 * apply`. */
#include <sodium.h>
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

/* ---- order create ----------------------------------------------------------------- */

typedef struct create_args {
    const char *rules, *id, *at, *cart;
} create_args;

static int parse_create(int argc, char **argv, create_args *a)
{
    enum { RULES = CLI_OPT, ID, AT };
    static const struct option opts[] = {{"rules", required_argument, NULL, RULES},
                                         {"id", required_argument, NULL, ID},
                                         {"at", required_argument, NULL, AT},
                                         CLI_HELP_OPTION};
    int c, status = EXIT_OK;
    while ((c = cli_getopt(argc, argv, opts, &status)) != -1) {
        if (c == CLI_DONE) return status;
        *(c == RULES ? &a->rules : c == ID ? &a->id : &a->at) = optarg;
    }
    if (optind < argc) a->cart = argv[optind];
    if (optind + 1 < argc) return cli_usage("unexpected argument '%s'", argv[optind + 1]);
    if (!a->rules || !a->rules[0]) return cli_usage("--rules is required");
    if (strcmp(a->rules, "-") == 0 && strcmp(a->cart, "-") == 0)
        return cli_usage("only one document can come from stdin ('-')");
    return CLI_PARSED;
}

/* A new order id when none is given: "ord_" and 32 random hex digits. */
static int new_id(char *out, size_t size)
{
    unsigned char raw[16];
    if (sodium_init() < 0) return 0;
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "ord_", 5);
    sodium_bin2hex(out + 4, size - 4, raw, sizeof raw);
    return 1;
}

/* Parse the cart once, price it, create the order, write it once. */
static int create(const ec_ruleset *rules, const char *cart_json, size_t len, const char *id,
                  const char *at)
{
    ec_cart *cart = ec_cart_new();
    ec_price_result *result = ec_price_result_new();
    ec_order *order = ec_order_new();
    ec_error err;
    int64_t at_us = 0;
    char *out = NULL;
    int status = EXIT_REFUSED;
    if (!cart || !result || !order)
        fputs("ecom: out of memory\n", stderr);
    else if (ec_cart_from_json(cart, cart_json, len, &err) != EC_OK)
        cli_refuse("cart", &err);
    else if (at && (ec_time_parse(at, strlen(at), &at_us, &err) != EC_OK ||
                    ec_cart_set_at(cart, at_us, &err) != EC_OK))
        status = cli_usage("--at: %s", err.message);
    else if (ec_price_cart(rules, cart, result, &err) != EC_OK)
        cli_refuse("cart", &err);
    else if (ec_order_create(order, result, id, NULL, &err) != EC_OK)
        cli_refuse("order", &err); /* a bad --id */
    else if (ec_order_to_json(order, &out, NULL) != EC_OK)
        fputs("ecom: out of memory\n", stderr);
    else
        status = EXIT_OK, puts(out);
    ec_free(out);
    ec_order_free(order);
    ec_price_result_free(result);
    ec_cart_free(cart);
    return status;
}

static int run_create(int argc, char **argv)
{
    create_args a = {NULL, NULL, NULL, "-"};
    int status = parse_create(argc, argv, &a);
    if (status != CLI_PARSED) return status;
    char id[40];
    if (!a.id && !new_id(id, sizeof id)) {
        fputs("ecom: cannot initialise the random number generator\n", stderr);
        return EXIT_REFUSED;
    }
    if (!a.id) a.id = id;
    ec_ruleset *rules = cli_load_rules(a.rules, &status);
    if (!rules) return status;
    size_t len = 0;
    char *cart = cli_read_file(a.cart, &len);
    status = cart ? create(rules, cart, len, a.id, a.at) : EXIT_USAGE;
    free(cart);
    ec_ruleset_free(rules);
    return status;
}

const cli_command cli_order_create = {
    "order create",
    "order create --rules RULES [--id ID] [--at TIME] [CART]",
    "price a cart and print the new order (checkout)",
    "Price the cart document CART (a file; - or nothing for stdin) with the\n"
    "ruleset RULES and print the order it makes: every line with its unit\n"
    "price, discount, tax and total, the shipping, the promotions and coupons\n"
    "taken, in the initial state with nothing paid.  Prices are those at the\n"
    "cart's \"at\" time, or at --at.  A cart the rules refuse exits 1 with its\n"
    "error document.  One document at most comes from stdin.\n"
    "\n"
    "options:\n"
    "  --rules FILE    the ruleset (required)\n"
    "  --id ID         the order's id (default: ord_ and 32 random hex digits)\n"
    "  --at TIME       price as at this RFC 3339 time instead of the cart's\n"
    "  -h, --help      print this help\n",
    run_create,
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
