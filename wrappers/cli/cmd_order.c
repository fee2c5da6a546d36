/* cmd_order.c - `ecom order machine`, `ecom order create` and `ecom order
 * apply`. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define APPLY_USAGE "usage: ecom order apply [--machine M] --order ORDER [EVENT]"
#define CREATE_USAGE "usage: ecom order create --rules RULES [--id ID] [--at TIME] [CART]"

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

/* ---- order create ----------------------------------------------------------------- */

typedef struct create_args {
    const char *rules, *id, *at, *cart;
} create_args;

static int parse_create(int argc, char **argv, create_args *a)
{
    int have_cart = 0;
    for (int i = 2; i < argc; i++) {
        const char *v;
        if ((v = option(argc, argv, &i, "--rules")))
            a->rules = v;
        else if ((v = option(argc, argv, &i, "--id")))
            a->id = v;
        else if ((v = option(argc, argv, &i, "--at")))
            a->at = v;
        else if ((argv[i][0] != '-' || strcmp(argv[i], "-") == 0) && !have_cart)
            a->cart = argv[i], have_cart = 1;
        else
            return cli_usage("unexpected argument '%s'\n" CREATE_USAGE, argv[i]);
    }
    if (!a->rules) return cli_usage("--rules is required\n" CREATE_USAGE);
    if (strcmp(a->rules, "-") == 0 && strcmp(a->cart, "-") == 0)
        return cli_usage("only one document can come from stdin ('-')");
    return EXIT_OK;
}

/* A new order id when none is given: "ord_" and 32 random hex digits. */
static void new_id(char *out, size_t size)
{
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "ord_", 5);
    sodium_bin2hex(out + 4, size - 4, raw, sizeof raw);
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

static int order_create(int argc, char **argv)
{
    create_args a = {NULL, NULL, NULL, "-"};
    int status = parse_create(argc, argv, &a);
    if (status != EXIT_OK) return status;
    char id[40];
    if (!a.id) {
        if (sodium_init() < 0) {
            fputs("ecom: cannot initialise the random number generator\n", stderr);
            return EXIT_REFUSED;
        }
        new_id(id, sizeof id);
        a.id = id;
    }
    ec_ruleset *rules = cli_load_rules(a.rules, &status);
    if (!rules) return status;
    size_t len = 0;
    char *cart = cli_read_file(a.cart, &len);
    status = cart ? create(rules, cart, len, a.id, a.at) : EXIT_USAGE;
    free(cart);
    ec_ruleset_free(rules);
    return status;
}

int cmd_order(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "machine") == 0) return order_machine(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "create") == 0) return order_create(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "apply") == 0) return order_apply(argc, argv);
    return cli_usage("usage: ecom order machine\n"
                     "       ecom order create --rules RULES [--id ID] [--at TIME] [CART]\n"
                     "       ecom order apply [--machine M] --order ORDER [EVENT]");
}
