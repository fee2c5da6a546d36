/* args.c - option parsing and help for every ecom command.
 *
 * One parser (getopt_long) for all commands, so that each takes options
 * the same way: "--rules FILE" or "--rules=FILE", in any order among the
 * operands, "--" before an operand that starts with "-", and "-h" or
 * "--help" for the command's own help.  Messages name the command
 * ("ecom cart price: unknown option '--frob'") and where its help is. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const cli_command *current;

void cli_set_command(const cli_command *cmd)
{
    current = cmd;
}

int cli_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ecom%s%s: ", current ? " " : "", current ? current->name : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (current)
        fprintf(stderr, "\nusage: ecom %s\n(see 'ecom %s --help')\n", current->synopsis,
                current->name);
    else
        fputs("\n(see 'ecom help')\n", stderr);
    return EXIT_USAGE;
}

int cli_print_help(const cli_command *cmd)
{
    printf("usage: ecom %s\n\n%s", cmd->synopsis, cmd->help);
    return EXIT_OK;
}

/* The option as the user wrote it, up to any "=value".  The values of long
 * options are 256 and up (cli.h), --help's aside, so another optopt below
 * 256 names a short option. */
static void option_text(char *dst, size_t cap, char **argv)
{
    if (optopt > 0 && optopt < 256 && optopt != 'h') {
        snprintf(dst, cap, "-%c", optopt);
        return;
    }
    const char *arg = argv[optind - 1];
    size_t n = strcspn(arg, "=");
    snprintf(dst, cap, "%.*s", (int)(n < 64 ? n : 64), arg);
}

int cli_getopt(int argc, char **argv, const struct option *opts, int *status)
{
    char text[80];
    opterr = 0; /* our messages, not getopt's */
    int c = getopt_long(argc, argv, ":h", opts, NULL);
    switch (c) {
    case 'h':
        *status = cli_print_help(current);
        return CLI_DONE;
    case '?':
        option_text(text, sizeof text, argv);
        *status = optopt >= 256 || optopt == 'h' ? cli_usage("option '%s' takes no value", text)
                                                 : cli_usage("unknown option '%s'", text);
        return CLI_DONE;
    case ':':
        option_text(text, sizeof text, argv);
        *status = cli_usage("option '%s' needs a value", text);
        return CLI_DONE;
    default:
        return c;
    }
}
