/* cli.h - shared pieces of the ecom command line. */
#ifndef EC_CLI_H
#define EC_CLI_H

#include <getopt.h>
#include <stddef.h>

#include "ecommerce.h"

/* Exit statuses (docs/ecom.1). */
enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_REJECTS = 3 };

/* One command of ecom: "cart price", "reprice".  Every command parses its
 * options with getopt_long through cli_getopt(), so that all of them take
 * "--name value" and "--name=value", "--" and "-h"/"--help" alike. */
typedef struct cli_command cli_command;
struct cli_command {
    const char *name;     /* one or two words: "reprice", "cart price" */
    const char *synopsis; /* after "ecom ": "cart price --rules RULES [CART]" */
    const char *summary;  /* a line (or lines) for `ecom help` */
    const char *help;     /* what `ecom NAME --help` prints after the usage line */
    /* argv[0] is the last word of the name; returns the exit status */
    int (*run)(int argc, char **argv);
};

extern const cli_command cli_rules_check, cli_cart_price, cli_reprice, cli_order_machine,
    cli_order_create, cli_order_apply, cli_inventory_apply, cli_keygen, cli_version, cli_help;

/* What every command's option table ends with: --help (and -h), then the
 * terminator.  The other options' values are CLI_OPT + n, 256 and up, so
 * that getopt's optopt never mistakes them for short options. */
enum { CLI_OPT = 256 };
/* clang-format off */
#define CLI_HELP_OPTION {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}
/* clang-format on */

/* cli_getopt() returns CLI_DONE when the command must return *status
 * now: --help was printed (EXIT_OK) or an option was wrong (EXIT_USAGE).
 * A command's own parser returns CLI_PARSED when it may go on. */
enum { CLI_PARSED = -1, CLI_DONE = -2 };

/* The next option of the command being run (getopt_long, GNU argument
 * order: options and operands may mix; "--" ends the options).  Returns
 * the option's val, -1 after the last option (operands are then
 * argv[optind..argc)), or CLI_DONE. */
int cli_getopt(int argc, char **argv, const struct option *opts, int *status);

/* Print `ecom NAME --help` on stdout; returns EXIT_OK. */
int cli_print_help(const cli_command *cmd);

/* The command that main() dispatched to, named in usage messages. */
void cli_set_command(const cli_command *cmd);

/* Read a whole file, or stdin for "-".  NULL (with a message on stderr)
 * when it cannot be read. */
char *cli_read_file(const char *path, size_t *len);

/* Print the error document on stdout and a one-line message on stderr;
 * returns EXIT_REFUSED.  Both are valid UTF-8 whatever the error quotes
 * (cli_error_clean). */
int cli_refuse(const char *what, const ec_error *err);

/* Only the one-line message on stderr: "ecom: WHAT refused: code at field:
 * message", control characters shown as '?'. */
void cli_error_line(const char *what, const ec_error *err);

/* The field and message of err made valid UTF-8 in place (ec_utf8_clean:
 * each byte that does not start a well-formed sequence becomes U+FFFD). */
void cli_error_clean(ec_error *err);

/* Print a usage problem on stderr, naming the command being run and
 * where its help is; returns EXIT_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Load and compile a ruleset file; NULL after cli_refuse or a read error
 * (*status receives the exit status). */
ec_ruleset *cli_load_rules(const char *path, int *status);

#endif /* EC_CLI_H */
