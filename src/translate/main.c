/* nr-translate: convert requests, responses and SSE streams between the
 * openai, anthropic, responses and gemini formats. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "exitcodes.h"
#include "io.h"
#include "json_span.h"
#include "logsafe.h"
#include "request_max.h"	/* requests and whole responses alike */
#include "translate/translate.h"
#include "leak_check.h"

enum mode { MODE_NONE, MODE_REQUEST, MODE_RESPONSE, MODE_STREAM, MODE_ERROR };

static const struct cli_opt opts[] = {
	{ "request", 0, 'q', NULL, "translate a request body (JSON on stdin)" },
	{ "response", 0, 'p', NULL, "translate a whole response body (JSON on stdin)" },
	{ "stream", 0, 's', NULL, "translate an SSE stream, event by event" },
	{ "error", 1, 'e', "STATUS", "translate an upstream error body sent with HTTP STATUS" },
	{ "from", 1, 'f', "FMT", "source format: openai, anthropic, responses, gemini" },
	{ "to", 1, 't', "FMT", "target format" },
	{ "model", 1, 'm', "NAME", "model name where the source format does not carry it" },
	{ "help", 0, 'h', NULL, "show this help" },
};
#define NOPTS (sizeof opts / sizeof opts[0])

static void usage(FILE *f)
{
	fprintf(f, "usage: nr-translate --request|--response|--stream|--error STATUS\n"
		   "                    --from FMT --to FMT [--model NAME] < in > out\n\n");
	cli_print_options(f, opts, NOPTS, 20);
	fprintf(f, "\n--error prints the translated status on stderr as \"status: N\".\n"
		   "exit: 0 ok, %d invalid input (or a stream cut short: a terminal error\n"
		   "event was written), %d usage, %d system error\n",
		NR_EXIT_DATA, NR_EXIT_USAGE, NR_EXIT_SYS);
}

/* Prints a valid jv as compact JSON with a newline, or reports the invalid one. */
static int emit_json(jv v)
{
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);
		nr_log("nr-translate: %s",
			jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "invalid input");
		jv_free(msg);
		return NR_EXIT_DATA;
	}
	jv s = jv_dump_string(v, 0);
	const char *p = jv_string_value(s);
	int rc = write_all(STDOUT_FILENO, p, strlen(p)) < 0 || write_all(STDOUT_FILENO, "\n", 1) < 0;
	jv_free(s);
	if (rc) {
		fprintf(stderr, "nr-translate: unable to write: %s\n", strerror(errno));
		return NR_EXIT_SYS;
	}
	return NR_EXIT_OK;
}

/* A translated body, with the values it carries over written as in the
 * source `in` (nr_keep_written), then a newline. */
static int emit_kept(jv v, enum nr_body kind, enum nr_format from, const struct buf *in,
		     enum nr_format to)
{
	if (!jv_is_valid(v))
		return emit_json(v);
	struct buf out = BUF_INIT;
	int rc = NR_EXIT_OK;
	if (json_dump(&out, v) < 0 || nr_keep_written(kind, from, in->p, in->len, to, &out) < 0) {
		fprintf(stderr, "nr-translate: unable to write the translation: %s\n", strerror(errno));
		rc = NR_EXIT_SYS;
	} else if (write_all(STDOUT_FILENO, out.p, out.len) < 0 || write_all(STDOUT_FILENO, "\n", 1) < 0) {
		fprintf(stderr, "nr-translate: unable to write: %s\n", strerror(errno));
		rc = NR_EXIT_SYS;
	}
	buf_free(&out);
	return rc;
}

/* The same format on both sides: valid JSON goes out byte for byte (a jv
 * round trip would print 1.0 as 1 and 12345678901234567890 as 1.2345678901234567e+19). */
static int pass_through(struct buf *in)
{
	struct json_span top;
	char why[128];
	int rc = NR_EXIT_OK;
	if (json_validate(in->p ? in->p : "", in->len, &top, why, sizeof why) < 0) {
		nr_log("nr-translate: invalid JSON: %s", why);
		rc = NR_EXIT_DATA;
	} else if (write_all(STDOUT_FILENO, in->p, in->len) < 0) {
		fprintf(stderr, "nr-translate: unable to write: %s\n", strerror(errno));
		rc = NR_EXIT_SYS;
	}
	buf_free(in);
	return rc;
}

static int run_whole(enum mode mode, int status, int from, int to, const char *model)
{
	struct buf in = BUF_INIT;
	if (read_all(STDIN_FILENO, &in, NR_REQUEST_MAX) < 0) {
		fprintf(stderr, "nr-translate: unable to read stdin: %s\n", strerror(errno));
		buf_free(&in);
		return errno == EFBIG ? NR_EXIT_DATA : NR_EXIT_SYS;
	}
	if (from == to && mode != MODE_ERROR)
		return pass_through(&in);
	int fwd;
	if (mode == MODE_ERROR && nr_error_forward(in.p, in.len, status, from, to, &fwd)) {
		fprintf(stderr, "status: %d\n", fwd);
		return pass_through(&in);	/* the client's own error shape: as it came */
	}
	jv body = jv_parse_sized(in.p ? in.p : "", (int)in.len);
	if (mode == MODE_ERROR && !jv_is_valid(body)) {
		/* an upstream may send text or HTML: its words are the message */
		jv_free(body);
		body = jv_string_sized(in.p ? in.p : "", (int)in.len);
	}
	if (mode == MODE_ERROR) {
		buf_free(&in);
		int out_status = status;
		jv out = nr_translate_error(body, status, from, to, &out_status);
		fprintf(stderr, "status: %d\n", out_status);
		return emit_json(out);
	}
	if (!jv_is_valid(body)) {
		jv msg = jv_invalid_get_msg(body);
		nr_log("nr-translate: invalid JSON: %s",
			jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "empty input");
		jv_free(msg);
		buf_free(&in);
		return NR_EXIT_DATA;
	}
	int rc = mode == MODE_REQUEST
		? emit_kept(nr_translate_request(body, from, to, model), NR_BODY_REQUEST, from, &in, to)
		: emit_kept(nr_translate_response(body, from, to, model), NR_BODY_RESPONSE, from, &in, to);
	buf_free(&in);
	return rc;
}

static int flush_out(struct buf *out)
{
	if (out->len && write_all(STDOUT_FILENO, out->p, out->len) < 0)
		return -1;
	buf_reset(out);
	return 0;
}

static int run_stream(int from, int to, const char *model)
{
	struct nr_stream *s = nr_stream_new(from, to, model);
	if (!s) {
		fprintf(stderr, "nr-translate: unable to start the stream: %s\n", strerror(errno));
		return NR_EXIT_SYS;
	}
	struct buf out = BUF_INIT;
	char chunk[65536];
	int rc = NR_EXIT_OK;
	for (;;) {
		ssize_t r = read(STDIN_FILENO, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "nr-translate: unable to read stdin: %s\n", strerror(errno));
			nr_stream_fail(s, "server_error", "the input stream could not be read", &out);
			rc = NR_EXIT_SYS;
			break;
		}
		if (r == 0) {
			if (nr_stream_end(s, &out) < 0) {
				fprintf(stderr, "nr-translate: the stream ended before its last event\n");
				rc = NR_EXIT_DATA;
			}
			break;
		}
		if (nr_stream_feed(s, chunk, (size_t)r, &out) < 0) {
			fprintf(stderr, "nr-translate: invalid %s stream\n", nr_format_name(from));
			rc = NR_EXIT_DATA;
			break;
		}
		if (flush_out(&out) < 0) {	/* each event leaves as soon as it is translated */
			rc = NR_EXIT_SYS;
			break;
		}
	}
	if (flush_out(&out) < 0 && rc == NR_EXIT_OK)
		rc = NR_EXIT_SYS;
	buf_free(&out);
	nr_stream_free(s);
	return rc;
}

static int parse_format(const char *flag, const char *name)
{
	int f = nr_format_parse(name);
	if (f < 0)
		fprintf(stderr, "nr-translate: unknown %s format '%s' "
				"(openai, anthropic, responses, gemini)\n", flag, name);
	return f;
}

NR_LEAK_CHECK_AT_EXIT(0, 0)

int main(int argc, char **argv)
{
	struct option lopts[NOPTS + 1];
	char sopts[CLI_SHORTOPTS_SIZE(NOPTS)];
	cli_getopt_tables(opts, NOPTS, lopts, sopts);

	enum mode mode = MODE_NONE;
	int from = -1, to = -1, status = 0, c;
	const char *model = NULL;
	while ((c = getopt_long(argc, argv, sopts, lopts, NULL)) != -1) {
		switch (c) {
		case 'q': mode = MODE_REQUEST; break;
		case 'p': mode = MODE_RESPONSE; break;
		case 's': mode = MODE_STREAM; break;
		case 'e': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 100 || v > 599) {
				fprintf(stderr, "nr-translate: --error needs an HTTP status, not '%s'\n", optarg);
				return NR_EXIT_USAGE;
			}
			status = (int)v;
			mode = MODE_ERROR;
			break;
		}
		case 'f':
			if ((from = parse_format("--from", optarg)) < 0)
				return NR_EXIT_USAGE;
			break;
		case 't':
			if ((to = parse_format("--to", optarg)) < 0)
				return NR_EXIT_USAGE;
			break;
		case 'm': model = optarg; break;
		case 'h': usage(stdout); return NR_EXIT_OK;
		default: usage(stderr); return NR_EXIT_USAGE;
		}
	}
	if (optind < argc || mode == MODE_NONE || from < 0 || to < 0) {
		fprintf(stderr, "nr-translate: need a mode (--request, --response, --stream or "
				"--error), --from and --to\n");
		usage(stderr);
		return NR_EXIT_USAGE;
	}
	if (mode == MODE_STREAM)
		return run_stream(from, to, model);
	return run_whole(mode, status, from, to, model);
}
