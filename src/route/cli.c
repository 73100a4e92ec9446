/* cli: nr-route's command line — a request in the client's format on stdin →
 * the first target of its model or combo that answers → a CGI response in the
 * client's format on stdout. doc/route.md describes the files, rules and exit
 * codes. The routing itself is run.c, which nr-serve calls in-process. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "exitcodes.h"
#include "facts.h"
#include "io.h"
#include "request_max.h"
#include "route/cgi.h"
#include "route/route.h"
#include "route/upstream.h"
#include "translate/translate.h"

static const struct cli_opt opts[] = {
	{ "from", 1, 'f', "FMT", "the client's format: openai, anthropic, responses, gemini (env NR_FORMAT)" },
	{ "model", 1, 'm', "NAME", "PROVIDER/MODEL, a combo or another name (below; default: env NR_MODEL, else the body's \"model\")" },
	{ "stream", 0, 's', NULL, "the client wants SSE (gemini clients: :streamGenerateContent; env NR_STREAM=1)" },
	{ "client-key", 1, 'k', "NAME", "name of the client's nr key, for usage rows (env NR_CLIENT_KEY)" },
	{ "rtk-saved-bytes", 1, 'b', "N", "bytes rtk-filter saved on this request (env NR_RTK_SAVED_BYTES)" },
	{ "rtk-saved-tokens", 1, 't', "N", "tokens rtk-filter saved (env NR_RTK_SAVED_TOKENS)" },
	{ "rtk-caveman", 1, 'c', "0|1", "1: rtk-filter asked for terse answers, caveman mode (env NR_RTK_CAVEMAN)" },
	{ "help", 0, 'h', NULL, "show this help" },
};
#define NOPTS (sizeof opts / sizeof opts[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: nr-route --from FMT [--model NAME] [--stream] < request > cgi-response\n\n");
	fprintf(f, "The request may follow a block of facts from an earlier stage of the pipe\n"
		   "(rtk-filter's savings and caveman mode): \"Nr-Rtk-Saved-Bytes: N\" lines and a\n"
		   "blank line. A flag beats the pipe, which beats the environment.\n\n");
	cli_print_options(f, opts, NOPTS, 24);
	fprintf(f, "\nmodel names, the first that knows the name wins: PROVIDER/MODEL (never aliased);\n"
		   "a combo; the user's aliases ($NR_CONFIG_DIR/aliases); the providers whose models=\n"
		   "lists it, followed by a shipped alias's targets as fallbacks; the shipped aliases\n"
		   "(share/aliases). In an aliases file an exact name beats the globs, then the first\n"
		   "glob that matches wins; an alias names PROVIDER/MODEL or a combo, never an alias.\n");
	fprintf(f, "\nenv: NR_CONFIG_DIR, NR_SHARE_DIR, NR_DATA_DIR, NR_CONNECT_TIMEOUT_MS, NR_IDLE_TIMEOUT_MS\n"
		   "exit: 0 an answer was sent, %d every target failed (the body says why),\n"
		   "      %d bad request or unknown model (an error body was sent), %d usage, %d system error\n",
		NR_EXIT_UPSTREAM, NR_EXIT_DATA, NR_EXIT_USAGE, NR_EXIT_SYS);
}

static void on_term(int sig)
{
	(void)sig;
	nr_upstream_stop = 1;
}

static long long count_arg(const char *flag, const char *v)
{
	if (!v || !*v)
		return -1;
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || *end || n < 0) {
		fprintf(stderr, "nr-route: %s wants a count, got '%s'\n", flag, v);
		return -2;
	}
	return n;
}

/* A flag's value as count_arg's: 0 or 1, -1 not given, -2 neither (said). */
static long long flag_arg(const char *flag, const char *v)
{
	if (!v || !*v)
		return -1;
	if (strcmp(v, "0") == 0 || strcmp(v, "1") == 0)
		return *v - '0';
	fprintf(stderr, "nr-route: %s wants 0 or 1, got '%s'\n", flag, v);
	return -2;
}

/* The answer is whole: stdout is closed (kept open on /dev/null) so that the
 * caller reading to EOF does not wait for the usage rows to be written. */
static void answered(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
		close(STDOUT_FILENO);
	if (fd > STDOUT_FILENO)
		close(fd);
}

int nr_route_main(int argc, char **argv)
{
	struct option lopts[NOPTS + 1];
	char sopts[CLI_SHORTOPTS_SIZE(NOPTS)];
	cli_getopt_tables(opts, NOPTS, lopts, sopts);

	/* the flags first: a flag stands for its environment variable, which
	 * is then not read (a bad NR_FORMAT under --from is no error) */
	int from = -1, stream = 0, c;
	const char *model = NULL, *client_key = NULL, *rtk_b = NULL, *rtk_t = NULL, *rtk_c = NULL, *why;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((from = nr_format_parse(optarg)) < 0) {
				fprintf(stderr, "nr-route: unknown format '%s' (openai, anthropic, responses, gemini)\n", optarg);
				return NR_EXIT_USAGE;
			}
			break;
		case 'm': model = optarg; break;
		case 's': stream = 1; break;
		case 'k': client_key = optarg; break;
		case 'b': rtk_b = optarg; break;
		case 't': rtk_t = optarg; break;
		case 'c': rtk_c = optarg; break;
		case 'h': usage(stdout); return NR_EXIT_OK;
		default: usage(stderr); return NR_EXIT_USAGE;
		}
	}
	const char *env_from = getenv("NR_FORMAT"), *env_stream = getenv("NR_STREAM");
	if (from < 0 && env_from && *env_from && (from = nr_format_parse(env_from)) < 0) {
		fprintf(stderr, "nr-route: unknown format '%s' in NR_FORMAT (openai, anthropic, responses, gemini)\n", env_from);
		return NR_EXIT_USAGE;
	}
	stream |= env_stream && strcmp(env_stream, "1") == 0;
	if (!model && (model = getenv("NR_MODEL")) && !*model)
		model = NULL;
	if (!client_key)
		client_key = getenv("NR_CLIENT_KEY");
	long long saved_b = count_arg("--rtk-saved-bytes", rtk_b), saved_t = count_arg("--rtk-saved-tokens", rtk_t);
	long long caveman = flag_arg("--rtk-caveman", rtk_c);
	if (saved_b < -1 || saved_t < -1 || caveman < -1)
		return NR_EXIT_USAGE;
	struct nr_facts facts = { saved_b, saved_t, caveman };	/* the environment's where no flag told */
	if (facts_from_env(&facts, &why) < 0) {
		fprintf(stderr, "nr-route: %s wants %s, got '%s'\n", why, facts_wants(why), getenv(why));
		return NR_EXIT_USAGE;
	}
	if (optind < argc || from < 0) {
		fprintf(stderr, optind < argc ? "nr-route: unexpected argument '%s'\n" : "nr-route: --from (or NR_FORMAT) is required\n",
			optind < argc ? argv[optind] : "");
		usage(stderr);
		return NR_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);	/* a client that went away is an EPIPE to handle */
	/* SIGTERM: stop the transfer, record the attempt, exit */
	struct sigaction sa = { .sa_handler = on_term };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);

	struct nr_cgi out;
	nr_cgi_init(&out, STDOUT_FILENO);
	struct buf in = BUF_INIT;
	if (read_all(STDIN_FILENO, &in, NR_REQUEST_MAX) < 0) {
		int big = errno == EFBIG;
		buf_free(&in);
		return big ? nr_route_refuse(from, &out.out, 413, "invalid_request", "request body too large", NR_EXIT_DATA)
			   : nr_route_refuse(from, &out.out, 500, "server_error", "unable to read the request", NR_EXIT_SYS);
	}
	size_t body = 0;
	if (facts_split(in.p, in.len, &facts, &body, &why) < 0) {
		buf_free(&in);
		return nr_route_refuse(from, &out.out, 400, "invalid_request", why, NR_EXIT_DATA);
	}
	if (saved_b >= 0)	/* a flag beats the pipe, which beats the environment */
		facts.rtk_bytes = saved_b;
	if (saved_t >= 0)
		facts.rtk_tokens = saved_t;
	if (caveman >= 0)
		facts.caveman = caveman;
	/* request headers come as CGI meta-variables; the client's own
	 * credential (auth=passthrough) from HTTP_AUTHORIZATION, never argv */
	const char *cred = getenv("HTTP_AUTHORIZATION");
	if (cred && strncasecmp(cred, "Bearer ", 7) == 0)
		cred += 7;
	else
		cred = getenv("HTTP_X_API_KEY");
	struct nr_route_args a = {
		.from = from, .model = model, .stream = stream, .client_key = client_key,
		.rtk_bytes = facts.rtk_bytes, .rtk_tokens = facts.rtk_tokens, .caveman = (int)facts.caveman,
		.anthropic_beta = getenv("HTTP_ANTHROPIC_BETA"), .anthropic_version = getenv("HTTP_ANTHROPIC_VERSION"),
		.client_credential = cred && *cred ? cred : NULL, .client_account_id = getenv("HTTP_CHATGPT_ACCOUNT_ID"),
	};
	int rc = nr_route_request(&a, body ? in.p + body : in.p, in.len - body, &out.out);
	buf_free(&in);
	answered();
	nr_route_release();	/* the usage rows, now that the caller has its answer */
	return rc;
}
