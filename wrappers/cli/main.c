/* main.c - ecom: the libecommerce command line (cli.md). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: ecom COMMAND [OPTIONS]\n"
    "\n"
    "commands:\n"
    "  rules check RULES             validate a ruleset; print its counts or the first problem\n"
    "  cart price --rules RULES [CART]\n"
    "                                price a cart document (file or - for stdin)\n"
    "  reprice --rules RULES --in IN --out OUT [options]\n"
    "                                recompute the price of every SKU of a catalog (CSV,\n"
    "                                JSON lines or a product feed) in one or more contexts;\n"
    "                                `ecom reprice` alone lists the options\n"
    "  order machine                 print the built-in default order machine\n"
    "  order create --rules RULES [--id ID] [--at TIME] [CART]\n"
    "                                price a cart and print the new order (checkout)\n"
    "  order apply [--machine M] --order ORDER [EVENT]\n"
    "                                apply one event (file or - for stdin) to an order\n"
    "  inventory apply --state STATE [OPS] [--state-out FILE]\n"
    "                                apply JSON-lines inventory operations (file or - for\n"
    "                                stdin), print one result line each, save the state\n"
    "  keygen [--name N --role R]    print a new API key for ecomd (line 1) and its\n"
    "                                key-file line (line 2: name, role, hash of the key)\n"
    "  version                       print the library and program versions\n"
    "  help                          print this help\n"
    "\n"
    "Exit status: 0 success, 1 input refused (error document on stdout),\n"
    "2 usage error, 3 a batch finished with rejected rows.\n";

static int cmd_version(void)
{
    printf("ecom %s\nlibecommerce %s\n", EC_VERSION_STRING, ec_version_string());
    return EXIT_OK;
}

static int is_help(const char *arg)
{
    return strcmp(arg, "help") == 0 || strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"rules", cmd_rules}, {"cart", cmd_cart},           {"reprice", cmd_reprice},
    {"order", cmd_order}, {"inventory", cmd_inventory}, {"keygen", cmd_keygen},
};

int main(int argc, char **argv)
{
    if (argc < 2) return cli_usage("no command given");
    const char *cmd = argv[1];
    if (is_help(cmd)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) return cmd_version();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) != 0) continue;
        /* `ecom COMMAND ... --help` prints the help of a known command */
        if (argc > 2 && is_help(argv[argc - 1]) && strcmp(argv[argc - 1], "help") != 0) {
            fputs(usage, stdout);
            return EXIT_OK;
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    return cli_usage("unknown command '%s'", cmd);
}
