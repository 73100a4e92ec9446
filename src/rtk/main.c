/* rtk-filter: shrink tool output (or the tool results inside an API request)
 * without losing what a coding model needs from it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "exitcodes.h"
#include "facts.h"
#include "io.h"
#include "logsafe.h"
#include "request_max.h"
#include "rtk/engine.h"
#include "rtk/filter.h"
#include "rtk/request.h"
#include "leak_check.h"

static const struct cli_opt opts[] = {
	{ "filter", 1, 'f', "NAME", "use this filter instead of auto-detecting one" },
	{ "list", 0, 'l', NULL, "list the filters and what each keeps" },
	{ "stats", 0, 's', NULL, "report filter, bytes and estimated tokens on stderr" },
	{ "request", 0, 'r', NULL, "read a whole API request (JSON) and compress its tool results" },
	{ "format", 1, 'F', "FMT", "request format: openai, anthropic, responses or gemini (env NR_FORMAT)" },
	{ "caveman", 0, 'c', NULL, "request mode: ask the model for terse technical answers" },
	{ "facts", 0, 'a', NULL, "request mode: put the savings and caveman mode before the request, for nr-route" },
	{ "help", 0, 'h', NULL, "show this help" },
};
#define NOPTS (sizeof opts / sizeof opts[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: some-tool | rtk-filter [--filter NAME] [--stats]\n"
		   "       rtk-filter --request --format FMT [--caveman] [--facts] < request.json\n"
		   "       rtk-filter --list\n\n");
	cli_print_options(f, opts, NOPTS, 20);
	fprintf(f, "\nThe output is never larger than the input; on any internal failure the\n"
		   "input is printed unchanged. --facts prints \"Nr-Rtk-Saved-Bytes: N\",\n"
		   "\"Nr-Rtk-Saved-Tokens: N\" and \"Nr-Rtk-Caveman: 0|1\" (caveman mode off or on)\n"
		   "lines and a blank line before the request, which nr-route reads and records:\n"
		   "rtk-filter --request --facts | nr-route.\n"
		   "In nr-serve's pipeline: NR_RTK=off leaves the tool results as they came and\n"
		   "NR_CAVEMAN=on acts as --caveman.\n"
		   "exit: 0 ok, %d invalid request JSON, %d usage, %d system error\n",
		NR_EXIT_DATA, NR_EXIT_USAGE, NR_EXIT_SYS);
}

static int list_filters(void)
{
	for (size_t i = 0; rtk_filters[i]; i++)
		printf("%-15s %s\n", rtk_filters[i]->name, rtk_filters[i]->keeps);
	return NR_EXIT_OK;
}

static void print_stats(const char *filter, unsigned long long in, unsigned long long out)
{
	double saved = in ? 100.0 * (double)(in - out) / (double)in : 0.0;
	fprintf(stderr, "rtk-filter: filter=%s bytes=%llu->%llu tokens~%llu->%llu saved=%.1f%%\n",
		filter, in, out, rtk_estimate_tokens(in), rtk_estimate_tokens(out), saved);
}

static int run_text(const struct rtk_filter *forced, int stats)
{
	struct rtk_stats st = { 0 };
	if (rtk_filter_fd(STDIN_FILENO, STDOUT_FILENO, forced, &st) < 0) {
		fprintf(stderr, "rtk-filter: unable to filter stdin to stdout: %s\n", strerror(errno));
		return NR_EXIT_SYS;
	}
	if (stats)
		print_stats(st.filter, st.in_bytes, st.out_bytes);
	return NR_EXIT_OK;
}

/* The knobs nr-serve sets for a stage it runs: "on" or "off" (else unset). */
static int env_is(const char *name, const char *value)
{
	const char *v = getenv(name);
	return v && strcmp(v, value) == 0;
}

static int run_request(int format, int caveman, int facts, int stats)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct rtk_request_stats st = { 0 };
	char *err = NULL;
	if (read_all(STDIN_FILENO, &in, NR_REQUEST_MAX) < 0) {
		int big = errno == EFBIG;
		fprintf(stderr, "rtk-filter: unable to read the request: %s\n", strerror(errno));
		buf_free(&in);
		return big ? NR_EXIT_DATA : NR_EXIT_SYS;
	}
	int flags = (caveman || env_is("NR_CAVEMAN", "on") ? RTK_REQUEST_CAVEMAN : 0) |
		    (env_is("NR_RTK", "off") ? RTK_REQUEST_KEEP_RESULTS : 0);
	int rc = NR_EXIT_OK;
	if (rtk_request(in.p ? in.p : "", in.len, format, flags, &out, &st, &err) < 0) {
		/* "invalid request: ..." is what nr-serve tells the client */
		nr_log("rtk-filter: invalid request: %s", err ? err : "unknown error");
		rc = NR_EXIT_DATA;
		goto done;
	}
	struct nr_facts f = rtk_request_facts(&st, flags);
	struct buf head = BUF_INIT;
	if (facts && facts_write(&head, &f) < 0) {
		fprintf(stderr, "rtk-filter: out of memory\n");
		rc = NR_EXIT_SYS;
	} else if (write_all(STDOUT_FILENO, head.p, head.len) < 0 ||
		   write_all(STDOUT_FILENO, out.p, out.len) < 0) {
		fprintf(stderr, "rtk-filter: unable to write the request: %s\n", strerror(errno));
		rc = NR_EXIT_SYS;
	} else if (stats) {
		fprintf(stderr, "rtk-filter: tool results=%llu compressed=%llu\n", st.results,
			st.compressed);
		print_stats("request", st.in_bytes, st.out_bytes);
	}
	buf_free(&head);
done:
	free(err);
	buf_free(&in);
	buf_free(&out);
	return rc;
}

NR_LEAK_CHECK_AT_EXIT(0, 0)

int main(int argc, char **argv)
{
	struct option lopts[NOPTS + 1];
	char sopts[CLI_SHORTOPTS_SIZE(NOPTS)];
	cli_getopt_tables(opts, NOPTS, lopts, sopts);

	const struct rtk_filter *forced = NULL;
	int stats = 0, request = 0, caveman = 0, facts = 0, format = -1, c;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			forced = rtk_filter_by_name(optarg);
			if (!forced) {
				fprintf(stderr, "rtk-filter: unknown filter '%s' (see --list)\n", optarg);
				return NR_EXIT_USAGE;
			}
			break;
		case 'l':
			return list_filters();
		case 's':
			stats = 1;
			break;
		case 'r':
			request = 1;
			break;
		case 'F':
			format = nr_format_parse(optarg);
			if (format < 0) {
				fprintf(stderr, "rtk-filter: unknown format '%s' "
						"(openai, anthropic, responses, gemini)\n", optarg);
				return NR_EXIT_USAGE;
			}
			break;
		case 'c':
			caveman = 1;
			break;
		case 'a':
			facts = 1;
			break;
		case 'h':
			usage(stdout);
			return NR_EXIT_OK;
		default:
			usage(stderr);
			return NR_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rtk-filter: unexpected argument '%s' (input is read from stdin)\n",
			argv[optind]);
		return NR_EXIT_USAGE;
	}
	const char *env_format = getenv("NR_FORMAT");
	if (request && format < 0 && env_format && *env_format &&
	    (format = nr_format_parse(env_format)) < 0) {
		fprintf(stderr, "rtk-filter: unknown format '%s' in NR_FORMAT "
				"(openai, anthropic, responses, gemini)\n", env_format);
		return NR_EXIT_USAGE;
	}
	if (request && format < 0) {
		fprintf(stderr, "rtk-filter: --request needs --format (or NR_FORMAT)\n");
		return NR_EXIT_USAGE;
	}
	if (!request && (format >= 0 || caveman || facts)) {
		fprintf(stderr, "rtk-filter: --format, --caveman and --facts go with --request\n");
		return NR_EXIT_USAGE;
	}
	return request ? run_request(format, caveman, facts, stats) : run_text(forced, stats);
}
