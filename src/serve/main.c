/* nr-serve: the HTTP/1.1 front of nr. One connection on stdin/stdout
 * (--inetd, or systemd Accept=yes), systemd's listening socket (Accept=no),
 * or its own listener (--listen ADDR:PORT), served by a pool of workers. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exitcodes.h"
#include "route/route.h"
#include "serve/http.h"
#include "serve/pipeline.h"
#include "serve/server.h"
#include "leak_check.h"

static const struct cli_opt opts[] = {
	{ "inetd", 0, 'i', NULL, "serve one connection on stdin/stdout" },
	{ "listen", 1, 'l', "ADDR:PORT", "listen here (e.g. 127.0.0.1:20128)" },
	{ "max-connections", 1, 'm', "N", "connections served at once when listening (default 256)" },
	{ "no-auth", 0, 'n', NULL, "accept requests without an API key (loopback only)" },
	{ "metrics-public", 0, 'M', NULL, "GET /metrics without a key for loopback clients" },
	{ "max-body", 1, 'b', "BYTES", "largest request body (default 64 MiB)" },
	{ "timeout", 1, 't', "SECONDS", "drop a client silent this long (default 30)" },
	{ "caveman", 0, 'c', NULL, "ask models for terse technical answers" },
	{ "no-rtk", 0, 'r', NULL, "leave tool results uncompressed" },
	{ "pipeline", 1, 'p', "'CMD | ...'", "the request's way (default: $NR_CONFIG_DIR/pipeline, else below)" },
	{ "no-builtins", 0, 'x', NULL, "run the stock stages as processes too" },
	{ "stage-timeout", 1, 'T', "SECONDS", "a request stage run as a process has this long (default 30)" },
	{ "help", 0, 'h', NULL, "show this help" },
};
#define NOPTS (sizeof opts / sizeof opts[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: nr-serve --listen ADDR:PORT [options]\n"
		   "       nr-serve --inetd [options]          (inetd, systemd Accept=yes)\n"
		   "       nr-serve [options]                  (systemd socket, LISTEN_FDS)\n\n");
	cli_print_options(f, opts, NOPTS, 24);
	fprintf(f, "\nThe pipeline: stages joined by '|'; each but the last reads the request on\n"
		   "stdin and writes it on stdout, the last answers it as CGI (doc/pipeline.md).\n"
		   "rtk-filter --request and nr-route run in this process unless --no-builtins;\n"
		   "any other command runs as a child process. Default: %s\n", PIPELINE_DEFAULT);
	fprintf(f, "\nPer request, the headers x-nr-rtk: on|off and x-nr-caveman: on|off (also\n"
		   "true/false, 1/0; never sent upstream) override the key's settings (nr key set\n"
		   "NAME rtk=off caveman=on), which override --no-rtk and --caveman.\n"
		   "GET /metrics (Prometheus) needs a key too; GET /dashboard asks for one once.\n"
		   "Keys: nr key add NAME. Environment: NR_DATA_DIR, NR_CONFIG_DIR.\n"
		   "exit: 0 stopped cleanly, %d usage, %d system error\n",
		NR_EXIT_USAGE, NR_EXIT_SYS);
}

static int parse_number(const char *flag, const char *s, unsigned long long max,
			unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || !*s || v == 0 || v > max) {
		fprintf(stderr, "nr-serve: %s needs a number from 1 to %llu, not '%s'\n", flag, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int serve_fd(int fd, const struct serve_config *cfg)
{
	if (serve_fd_is_listening(fd))
		return serve_accept_loop(fd, cfg) < 0 ? NR_EXIT_SYS : NR_EXIT_OK;
	serve_connection(fd, fd, cfg, serve_fd_is_loopback(fd, 1));
	nr_route_release();
	return NR_EXIT_OK;
}

NR_LEAK_CHECK_AT_EXIT(1, 1)

int main(int argc, char **argv)
{
	struct option lopts[NOPTS + 1];
	char sopts[CLI_SHORTOPTS_SIZE(NOPTS)];
	cli_getopt_tables(opts, NOPTS, lopts, sopts);

	struct serve_config cfg = { .body_max = HTTP_BODY_MAX_DEFAULT,
				    .timeout_ms = HTTP_READ_TIMEOUT_MS_DEFAULT, .auth = 1 };
	int inetd = 0, c;
	const char *listen_addr = NULL;
	unsigned long long v;
	const char *pipeline_text = NULL;
	int builtins = 1;
	cfg.stage_timeout_ms = SERVE_STAGE_TIMEOUT_S_DEFAULT * 1000;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		switch (c) {
		case 'i': inetd = 1; break;
		case 'l': listen_addr = optarg; break;
		case 'n': cfg.auth = 0; break;
		case 'M': cfg.metrics_public = 1; break;
		case 'm':
			if (parse_number("--max-connections", optarg, 65536, &v) < 0)
				return NR_EXIT_USAGE;
			cfg.max_connections = (int)v;
			break;
		case 'b':
			if (parse_number("--max-body", optarg, 1ULL << 32, &v) < 0)
				return NR_EXIT_USAGE;
			cfg.body_max = (size_t)v;
			break;
		case 't':
			if (parse_number("--timeout", optarg, 86400, &v) < 0)
				return NR_EXIT_USAGE;
			cfg.timeout_ms = (int)v * 1000;
			break;
		case 'c': cfg.caveman = 1; break;
		case 'r': cfg.no_rtk = 1; break;
		case 'p': pipeline_text = optarg; break;
		case 'x': builtins = 0; break;
		case 'T':
			if (parse_number("--stage-timeout", optarg, 86400, &v) < 0)
				return NR_EXIT_USAGE;
			cfg.stage_timeout_ms = (int)v * 1000;
			break;
		case 'h': usage(stdout); return NR_EXIT_OK;
		default: usage(stderr); return NR_EXIT_USAGE;
		}
	}
	if (optind < argc || (inetd && listen_addr)) {
		usage(stderr);
		return NR_EXIT_USAGE;
	}
	struct pipeline pipeline;
	struct buf why = BUF_INIT;
	char *from_file = NULL;
	if (!pipeline_text) {
		from_file = pipeline_from_config(&why);
		if (!from_file && why.len) {
			fprintf(stderr, "nr-serve: %s\n", why.p);
			buf_free(&why);
			return NR_EXIT_USAGE;
		}
	}
	const char *text = pipeline_text ? pipeline_text : from_file ? from_file : PIPELINE_DEFAULT;
	if (pipeline_parse(text, builtins, &pipeline, &why) < 0) {
		fprintf(stderr, "nr-serve: the pipeline '%s': %s\n", text, why.p);
		free(from_file);
		buf_free(&why);
		return NR_EXIT_USAGE;
	}
	free(from_file);
	buf_free(&why);
	cfg.pipeline = &pipeline;
	int rc;
	if (listen_addr) {
		int loopback;
		int fd = serve_listen(listen_addr, &loopback);
		if (fd < 0) {
			rc = NR_EXIT_SYS;
		} else if (!cfg.auth && !loopback) {
			fprintf(stderr, "nr-serve: refusing --no-auth on the non-loopback address %s\n",
				listen_addr);
			rc = NR_EXIT_USAGE;
		} else if (cfg.metrics_public && !loopback) {
			fprintf(stderr, "nr-serve: refusing --metrics-public on the non-loopback address %s\n",
				listen_addr);
			rc = NR_EXIT_USAGE;
		} else {
			/* the real port, for --listen HOST:0 */
			fprintf(stderr, "nr-serve: listening on port %d\n", serve_local_port(fd));
			rc = serve_accept_loop(fd, &cfg) < 0 ? NR_EXIT_SYS : NR_EXIT_OK;
		}
	} else if (inetd) {
		serve_connection(0, 1, &cfg, serve_fd_is_loopback(0, 1));
		nr_route_release();
		rc = NR_EXIT_OK;
	} else if (serve_listen_fds() >= 1) {
		unsetenv("LISTEN_PID");	/* not for our children */
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		rc = serve_fd(3, &cfg);
	} else {
		fprintf(stderr, "nr-serve: no socket: use --listen ADDR:PORT or --inetd, or run "
				"under systemd socket activation\n");
		usage(stderr);
		rc = NR_EXIT_USAGE;
	}
	pipeline_free(&pipeline);
	return rc;
}
