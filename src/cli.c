/* cli: getopt_long options and --help text from one table. */
#include "cli.h"

void cli_getopt_tables(const struct cli_opt *o, size_t n, struct option *lopts, char *s)
{
	for (size_t i = 0; i < n; i++) {
		lopts[i] = (struct option){ o[i].name, o[i].has_arg, NULL, o[i].val };
		int v = o[i].val;
		if (!((v >= 'a' && v <= 'z') || (v >= 'A' && v <= 'Z')))
			continue;
		*s++ = (char)v;
		if (o[i].has_arg == required_argument)
			*s++ = ':';
	}
	lopts[n] = (struct option){ 0 };
	*s = '\0';
}

void cli_print_options(FILE *f, const struct cli_opt *o, size_t n, int width)
{
	for (size_t i = 0; i < n; i++) {
		int len = fprintf(f, "  --%s%s%s", o[i].name, o[i].arg ? " " : "",
				  o[i].arg ? o[i].arg : "");
		fprintf(f, "%*s %s\n", len < width ? width - len : 0, "", o[i].help);
	}
}
