/* cmd_pricing.c - `ecom rules check` and `ecom cart price`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int run_rules_check(int argc, char **argv)
{
    static const struct option opts[] = {CLI_HELP_OPTION};
    int c, status = EXIT_OK;
    while ((c = cli_getopt(argc, argv, opts, &status)) != -1)
        if (c == CLI_DONE) return status;
    if (optind >= argc) return cli_usage("no RULES file given");
    if (optind + 1 < argc) return cli_usage("unexpected argument '%s'", argv[optind + 1]);
    ec_ruleset *rules = cli_load_rules(argv[optind], &status);
    if (!rules) return status;
    printf("ok: %zu products, %zu price lists, %zu promotions\n", ec_ruleset_product_count(rules),
           ec_ruleset_price_list_count(rules), ec_ruleset_promotion_count(rules));
    ec_ruleset_free(rules);
    return EXIT_OK;
}

const cli_command cli_rules_check = {
    "rules check",
    "rules check RULES",
    "validate a ruleset; print its counts or the first problem",
    "Validate and compile the ruleset in the file RULES (- for stdin).  Prints\n"
    "\"ok: N products, N price lists, N promotions\", or refuses it (exit 1) with\n"
    "the error document of its first problem, whose field is the path of the\n"
    "offending value (promotions[4].action.percent).\n"
    "\n"
    "options:\n"
    "  -h, --help      print this help\n",
    run_rules_check,
};

static int price(const char *rules_path, const char *cart_path)
{
    int status;
    ec_ruleset *rules = cli_load_rules(rules_path, &status);
    if (!rules) return status;
    size_t len;
    char *cart = cli_read_file(cart_path, &len);
    if (!cart) {
        ec_ruleset_free(rules);
        return EXIT_USAGE;
    }
    char *out = NULL;
    ec_error err;
    if (ec_json_price(rules, cart, len, &out, NULL, &err) == EC_OK) {
        puts(out);
        status = EXIT_OK;
    } else {
        status = cli_refuse("cart", &err);
    }
    ec_free(out);
    free(cart);
    ec_ruleset_free(rules);
    return status;
}

static int run_cart_price(int argc, char **argv)
{
    enum { RULES = CLI_OPT };
    static const struct option opts[] = {{"rules", required_argument, NULL, RULES},
                                         CLI_HELP_OPTION};
    const char *rules = NULL;
    int c, status = EXIT_OK;
    while ((c = cli_getopt(argc, argv, opts, &status)) != -1) {
        if (c == CLI_DONE) return status;
        rules = optarg;
    }
    if (!rules || !rules[0]) return cli_usage("--rules is required");
    if (optind + 1 < argc) return cli_usage("unexpected argument '%s'", argv[optind + 1]);
    return price(rules, optind < argc ? argv[optind] : "-");
}

const cli_command cli_cart_price = {
    "cart price",
    "cart price --rules RULES [CART]",
    "price a cart document (file or - for stdin)",
    "Price the cart document CART (a file; - or nothing for stdin) with the\n"
    "ruleset RULES and print the result document: unit prices, promotions with\n"
    "the reason each did or did not apply, coupons, shipping, tax and totals.\n"
    "A cart that cannot be priced is refused (exit 1) with its error document.\n"
    "\n"
    "options:\n"
    "  --rules FILE    the ruleset (required)\n"
    "  -h, --help      print this help\n",
    run_cart_price,
};
