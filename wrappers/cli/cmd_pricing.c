/* cmd_pricing.c - `ecom rules check` and `ecom cart price`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_rules(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "check") != 0)
        return cli_usage("usage: ecom rules check RULES");
    if (argc != 3) return cli_usage("usage: ecom rules check RULES");
    int status;
    ec_ruleset *rules = cli_load_rules(argv[2], &status);
    if (!rules) return status;
    printf("ok: %zu products, %zu price lists, %zu promotions\n", ec_ruleset_product_count(rules),
           ec_ruleset_price_list_count(rules), ec_ruleset_promotion_count(rules));
    ec_ruleset_free(rules);
    return EXIT_OK;
}

int cmd_cart(int argc, char **argv)
{
    const char *rules_path = NULL, *cart_path = "-";
    int have_cart = 0;
    if (argc < 2 || strcmp(argv[1], "price") != 0)
        return cli_usage("usage: ecom cart price --rules RULES [CART]");
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
            rules_path = argv[++i];
        else if (strncmp(argv[i], "--rules=", 8) == 0)
            rules_path = argv[i] + 8;
        else if ((argv[i][0] != '-' || strcmp(argv[i], "-") == 0) && !have_cart)
            cart_path = argv[i], have_cart = 1;
        else
            return cli_usage("unexpected argument '%s'", argv[i]);
    }
    if (!rules_path) return cli_usage("usage: ecom cart price --rules RULES [CART]");
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
