/* cmd_keygen.c - `ecom keygen [--name N --role R]`: a new API key for
 * ecomd.
 *
 * Line 1 is the key itself (32 random bytes, base64url without padding): it
 * is shown once and stored nowhere.  Line 2 is the line for ecomd's key
 * file, "name role blake2b-hex", which holds only the key's BLAKE2b-256
 * hash, so a leaked key file gives no key away. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define KEY_BYTES 32

/* Names go into a space-separated file and into logs: keep them plain. */
static int plain_name(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@") == n;
}

static int parse_args(int argc, char **argv, const char **name, const char **role)
{
    enum { NAME = CLI_OPT, ROLE };
    static const struct option opts[] = {{"name", required_argument, NULL, NAME},
                                         {"role", required_argument, NULL, ROLE},
                                         CLI_HELP_OPTION};
    int c, status = EXIT_OK;
    while ((c = cli_getopt(argc, argv, opts, &status)) != -1) {
        if (c == CLI_DONE) return status;
        *(c == NAME ? name : role) = optarg;
    }
    if (optind < argc) return cli_usage("unexpected argument '%s'", argv[optind]);
    if (!plain_name(*name)) return cli_usage("--name takes 1 to 64 of [A-Za-z0-9._@-]");
    if (strcmp(*role, "admin") != 0 && strcmp(*role, "client") != 0)
        return cli_usage("--role is admin or client");
    return CLI_PARSED;
}

static int run_keygen(int argc, char **argv)
{
    const char *name = "client", *role = "client";
    int rc = parse_args(argc, argv, &name, &role);
    if (rc != CLI_PARSED) return rc;
    if (sodium_init() < 0) {
        fprintf(stderr, "ecom keygen: libsodium failed to initialise\n");
        return EXIT_REFUSED;
    }
    unsigned char raw[KEY_BYTES], hash[crypto_generichash_BYTES];
    char key[sodium_base64_ENCODED_LEN(KEY_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    char hex[crypto_generichash_BYTES * 2 + 1];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(key, sizeof key, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    crypto_generichash(hash, sizeof hash, (const unsigned char *)key, strlen(key), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    printf("%s\n%s %s %s\n", key, name, role, hex);
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(key, sizeof key);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_REFUSED;
}

const cli_command cli_keygen = {
    "keygen",
    "keygen [--name N --role R]",
    "print a new API key for ecomd (line 1) and its\n"
    "key-file line (line 2: name, role, hash of the key)",
    "Print a new random API key for ecomd on the first line (32 random bytes,\n"
    "base64url) and, on the second, the line ecomd's key file stores for it:\n"
    "name, role and the key's BLAKE2b-256 hash, never the key itself.  The key\n"
    "is shown once: keep it, append the second line to the key file.\n"
    "\n"
    "options:\n"
    "  --name N        the key's name in logs: 1 to 64 of [A-Za-z0-9._@-] (client)\n"
    "  --role R        admin (may change rules and stock) or client (client)\n"
    "  -h, --help      print this help\n",
    run_keygen,
};
