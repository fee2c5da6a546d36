/* cli.h - shared pieces of the ecom command line. */
#ifndef EC_CLI_H
#define EC_CLI_H

#include <stddef.h>

#include "ecommerce.h"

/* Exit statuses of cli.md. */
enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_REJECTS = 3 };

/* Read a whole file, or stdin for "-".  NULL (with a message on stderr)
 * when it cannot be read. */
char *cli_read_file(const char *path, size_t *len);

/* Print the error document on stdout and a one-line message on stderr;
 * returns EXIT_REFUSED. */
int cli_refuse(const char *what, const ec_error *err);

/* Print a usage problem on stderr; returns EXIT_USAGE. */
int cli_usage(const char *fmt, ...);

/* Load and compile a ruleset file; NULL after cli_refuse or a read error
 * (*status receives the exit status). */
ec_ruleset *cli_load_rules(const char *path, int *status);

int cmd_rules(int argc, char **argv);
int cmd_cart(int argc, char **argv);
int cmd_reprice(int argc, char **argv);
int cmd_order(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_keygen(int argc, char **argv);

#endif /* EC_CLI_H */
