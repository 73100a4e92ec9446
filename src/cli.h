/* cli: one option table per program gives both getopt_long's options and
 * the --help text, so the two never disagree. */
#ifndef NR_CLI_H
#define NR_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

struct cli_opt {
	const char *name;
	int has_arg, val;
	const char *arg, *help;	/* arg: the value's name in --help, NULL for flags */
};

/* getopt_long's two tables from one option table: lopts[0..n] (n + 1
 * entries, the last all zero) and the short options in s (each val that is
 * a letter, with ':' when it takes a value; CLI_SHORTOPTS_SIZE(n) bytes, so
 * every option fits and nothing is cut). */
#define CLI_SHORTOPTS_SIZE(n) (2 * (n) + 1)
void cli_getopt_tables(const struct cli_opt *o, size_t n, struct option *lopts, char *s);
/* One "  --name ARG   help" line per option, the help column at `width`. */
void cli_print_options(FILE *f, const struct cli_opt *o, size_t n, int width);

#endif
