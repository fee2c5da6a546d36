/* main.c - ecom: the libecommerce command line (docs/ecom.1).
 *
 * `ecom [--help | --version] COMMAND [OPTIONS]`: the global options come
 * before the command; each command parses its own with cli_getopt(). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* In the order `ecom help` lists them. */
static const cli_command *const commands[] = {
    &cli_rules_check, &cli_cart_price,      &cli_reprice, &cli_order_machine, &cli_order_create,
    &cli_order_apply, &cli_inventory_apply, &cli_keygen,  &cli_version,       &cli_help,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

#define SYNOPSIS_WIDTH 30

static const char exit_text[] =
    "Exit status: 0 success, 1 input refused (error document on stdout),\n"
    "2 usage error, 3 a batch finished with rejected rows.\n";

/* The first word of a command's name, and its length. */
static size_t group_len(const cli_command *c)
{
    return strcspn(c->name, " ");
}

static int in_group(const cli_command *c, const char *group)
{
    return strlen(group) == group_len(c) && strncmp(c->name, group, group_len(c)) == 0;
}

/* Whether a word names a group of commands ("order"), not one command. */
static int is_group(const char *word)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (in_group(commands[i], word) && commands[i]->name[group_len(commands[i])] == ' ')
            return 1;
    return 0;
}

/* "  SYNOPSIS   SUMMARY" with the summary's lines aligned. */
static void list_command(const cli_command *c)
{
    int n = printf("  %s", c->synopsis);
    const char *s = c->summary;
    if (n > SYNOPSIS_WIDTH) {
        putchar('\n');
        n = 0;
    }
    while (*s) {
        size_t k = strcspn(s, "\n");
        printf("%*s%.*s\n", SYNOPSIS_WIDTH + 2 - n, "", (int)k, s);
        n = 0;
        s += k + (s[k] == '\n');
    }
}

/* Every command, or those of one group ("order"). */
static void list_commands(const char *group)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!group || in_group(commands[i], group)) list_command(commands[i]);
}

static int global_help(void)
{
    fputs("usage: ecom [--help | --version] COMMAND [OPTIONS]\n\ncommands:\n", stdout);
    list_commands(NULL);
    printf("\n'ecom COMMAND --help' or 'ecom help COMMAND' describes a command's options.\n\n%s",
           exit_text);
    return EXIT_OK;
}

static int group_help(const char *group)
{
    printf("usage: ecom %s COMMAND [OPTIONS]\n\ncommands:\n", group);
    list_commands(group);
    printf("\n'ecom %s COMMAND --help' describes a command's options.\n", group);
    return EXIT_OK;
}

/* The command named by argv[0] (and argv[1] for a group); *words gets how
 * many words its name took.  NULL with a usage message when none is. */
static const cli_command *find(int argc, char **argv, int *words, int *status)
{
    const char *group = argv[0];
    int known = 0;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const cli_command *c = commands[i];
        if (!in_group(c, group)) continue;
        known = 1;
        if (c->name[group_len(c)] == '\0') {
            *words = 1;
            return c;
        }
        if (argc > 1 && strcmp(c->name + group_len(c) + 1, argv[1]) == 0) {
            *words = 2;
            return c;
        }
    }
    if (!known) {
        *status = cli_usage("unknown command '%s'", group);
    } else if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        *status = group_help(group);
    } else {
        fprintf(stderr, "ecom %s: %s%s%s\n", group, argc > 1 ? "unknown command '" : "",
                argc > 1 ? argv[1] : "which command?", argc > 1 ? "'" : "");
        fprintf(stderr, "(see 'ecom %s --help')\n", group);
        *status = EXIT_USAGE;
    }
    return NULL;
}

static int dispatch(int argc, char **argv)
{
    int words = 0, status = EXIT_USAGE;
    const cli_command *c = find(argc, argv, &words, &status);
    if (!c) return status;
    cli_set_command(c);
    optind = 0; /* a fresh getopt_long for the command */
    return c->run(argc - words + 1, argv + words - 1);
}

/* ---- version and help ----------------------------------------------------------------- */

static int run_version(int argc, char **argv)
{
    static const struct option opts[] = {CLI_HELP_OPTION};
    int c, status = EXIT_OK;
    while ((c = cli_getopt(argc, argv, opts, &status)) != -1)
        if (c == CLI_DONE) return status;
    if (optind < argc) return cli_usage("unexpected argument '%s'", argv[optind]);
    printf("ecom %s\nlibecommerce %s\n", EC_VERSION_STRING, ec_version_string());
    return EXIT_OK;
}

const cli_command cli_version = {
    "version",
    "version",
    "print the program and library versions",
    "Print the program's version on the first line and the library's on the\n"
    "second (ecom links the library statically: they are the same release).\n"
    "'ecom --version' does the same.\n",
    run_version,
};

static int run_help(int argc, char **argv)
{
    static const struct option opts[] = {CLI_HELP_OPTION};
    int c, status = EXIT_OK;
    while ((c = cli_getopt(argc, argv, opts, &status)) != -1)
        if (c == CLI_DONE) return status;
    if (optind >= argc) return global_help();
    if (argc - optind == 1 && is_group(argv[optind])) return group_help(argv[optind]);
    int words = 0;
    cli_set_command(NULL);
    const cli_command *cmd = find(argc - optind, argv + optind, &words, &status);
    if (!cmd) return status;
    if (optind + words < argc) return cli_usage("unexpected argument '%s'", argv[optind + words]);
    return cli_print_help(cmd);
}

const cli_command cli_help = {
    "help",
    "help [COMMAND]",
    "print this help, or a command's",
    "Print the list of commands, or the help of one command (the same as\n"
    "'ecom COMMAND --help').\n",
    run_help,
};

/* ---- main ------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    enum { VERSION = CLI_OPT };
    static const struct option opts[] = {{"version", no_argument, NULL, VERSION}, CLI_HELP_OPTION};
    int c;
    opterr = 0;
    /* "+": stop at the command; what follows is the command's */
    while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
        if (c == 'h') return global_help();
        if (c == VERSION || c == 'V') {
            optind = 0;
            return run_version(1, argv);
        }
        return cli_usage("unknown option '%s'", argv[optind - 1]);
    }
    if (optind >= argc) return cli_usage("no command given");
    return dispatch(argc - optind, argv + optind);
}
