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

int main(int argc, char **argv)
{
    if (argc < 2) return cli_usage("no command given");
    const char *cmd = argv[1];
    int help = argc > 2 && (strcmp(argv[argc - 1], "--help") == 0 || strcmp(argv[argc - 1], "-h") == 0);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || help) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) return cmd_version();
    if (strcmp(cmd, "rules") == 0) return cmd_rules(argc - 1, argv + 1);
    if (strcmp(cmd, "cart") == 0) return cmd_cart(argc - 1, argv + 1);
    return cli_usage("unknown command '%s'", cmd);
}
