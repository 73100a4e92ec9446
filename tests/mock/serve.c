/* serve: one connection, request after request: find the endpoint, decide
 * the status (keys, model words), log, then answer in the endpoint's format. */
#include "mock.h"

#include <stdlib.h>	/* arc4random: glibc 2.36 */
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "io.h"
#include "json.h"

struct exchange {
	struct request *rq;
	int fmt;		/* -1: GET /v1/models */
	int stream;
	int count_tokens;	/* anthropic's POST /v1/messages/count_tokens */
	enum mock_sub sub;	/* a subscription backend: its own token check */
	struct buf own;		/* the error body of that check */
	char *model;		/* from the body, or from the URL for gemini */
	char *key;
	jv req;			/* the parsed body */
	int status;
	const char *message;	/* an error message of the mock's own, or NULL */
	int by_model;		/* the status comes from the model's words */
	struct behaviour bh;
};

int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The endpoint of `path` (any prefix before /v1 is accepted); 0 when none. */
static int find_endpoint(struct exchange *x, const char *path)
{
	static const struct { const char *suffix; int fmt; enum mock_sub sub; } ends[] = {
		{ "/v1/chat/completions", NR_FMT_OPENAI, SUB_NONE }, { "/v1/messages", NR_FMT_ANTHROPIC, SUB_NONE },
		{ "/v1/responses", NR_FMT_RESPONSES, SUB_NONE }, { "/v1/models", -1, SUB_NONE },
		/* chatgpt.com's Codex backend and api.githubcopilot.com (no /v1) */
		{ "/backend-api/codex/responses", NR_FMT_RESPONSES, SUB_CODEX },
		{ "/chat/completions", NR_FMT_OPENAI, SUB_COPILOT },
	};
	if (ends_with(path, "/v1/messages/count_tokens")) {
		x->fmt = NR_FMT_ANTHROPIC;
		x->count_tokens = 1;
		return 1;
	}
	for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
		if (ends_with(path, ends[i].suffix)) {
			x->fmt = ends[i].fmt;
			x->sub = ends[i].sub;
			return 1;
		}
	/* /v1beta/models/{MODEL}:generateContent or :streamGenerateContent */
	const char *g = strstr(path, "/v1beta/models/");
	if (!g)
		return 0;
	const char *m = g + strlen("/v1beta/models/");
	const char *colon = strrchr(m, ':');
	if (!colon || colon == m)
		return 0;
	if (strcmp(colon, ":streamGenerateContent") == 0)
		x->stream = 1;
	else if (strcmp(colon, ":generateContent") != 0)
		return 0;
	x->fmt = NR_FMT_GEMINI;
	x->model = strndup(m, (size_t)(colon - m));
	must(x->model ? 0 : -1);
	return 1;
}

/* The key from any of the places clients put it (PROTOCOLS.md §7). */
static char *find_key(const struct request *rq)
{
	const char *auth = request_header(rq, "authorization");
	const char *v = auth && strncasecmp(auth, "Bearer ", 7) == 0 ? auth + 7 : NULL;
	if (!v || !*v)
		v = request_header(rq, "x-api-key");
	if (!v || !*v)
		v = request_header(rq, "x-goog-api-key");
	char *key = v && *v ? strdup(v) : request_query(rq, "key");
	if (key && !*key) {
		free(key);
		key = NULL;
	}
	return key;
}

static int is_true(jv x)
{
	int yes = jv_get_kind(x) == JV_KIND_TRUE;
	jv_free(x);
	return yes;
}

/* Decides everything the log line holds: endpoint, model, stream, status. */
static void decide(struct exchange *x)
{
	if (!find_endpoint(x, x->rq->path)) {
		x->status = 404;
		x->message = "mock-upstream: no such endpoint";
		return;
	}
	if (strcmp(x->rq->method, x->fmt < 0 ? "GET" : "POST") != 0) {
		x->status = 405;
		return;
	}
	x->key = find_key(x->rq);
	if (x->fmt >= 0) {
		x->req = jv_parse_sized(x->rq->body.p ? x->rq->body.p : "", (int)x->rq->body.len);
		if (jv_get_kind(x->req) != JV_KIND_OBJECT) {
			x->status = 400;
			x->message = "mock-upstream: the request body is not a JSON object";
			return;
		}
		jv model = jv_object_get(jv_copy(x->req), S("model"));
		if (!x->model && jv_get_kind(model) == JV_KIND_STRING) {
			x->model = strdup(jv_string_value(model));
			must(x->model ? 0 : -1);
		}
		jv_free(model);
		if (!x->model) {
			x->status = 400;
			x->message = "mock-upstream: the request names no model";
			return;
		}
		x->stream |= is_true(jv_object_get(jv_copy(x->req), S("stream")));
		behaviour_parse(x->model, &x->bh);
	}
	if (x->sub) {
		int refused = oauth_check_bearer(x->sub, x->rq, x->key, &x->own);
		if (refused) {
			x->status = refused;
			return;
		}
	} else if (!x->key || strncmp(x->key, "bad", 3) == 0) {
		x->status = 401;
		x->message = x->key ? "Incorrect API key provided." : "mock-upstream: no API key";
		return;
	}
	if (x->bh.status || x->bh.quota) {
		x->status = x->bh.status ? x->bh.status : quota_status((enum nr_format)x->fmt);
		x->by_model = 1;
	}
}

static int reply_json(int fd, int status, const struct buf *body, const char *extra, int keep)
{
	return http_reply(fd, status, "application/json", body, extra, keep);
}

static int reply_stream(int fd, struct exchange *x, const struct answer *a)
{
	struct sse s = { fd, a->fmt, &x->bh, 0, 0 };
	int rc = -1;
	switch (a->fmt) {
	case NR_FMT_OPENAI: {
		jv opts = jv_object_get(jv_copy(x->req), S("stream_options"));
		int usage = jv_get_kind(opts) == JV_KIND_OBJECT &&
			    is_true(jv_object_get(jv_copy(opts), S("include_usage")));
		jv_free(opts);
		rc = openai_stream(a, &s, usage);
		break;
	}
	case NR_FMT_ANTHROPIC: rc = anthropic_stream(a, &s); break;
	case NR_FMT_RESPONSES: rc = responses_stream(a, &s); break;
	case NR_FMT_GEMINI: rc = gemini_stream(a, &s); break;
	}
	return rc < 0 ? -1 : sse_end(&s);
}

/* Adds a member before the closing brace of the answer object. */
static int add_exact_member(struct buf *body)
{
	static const char member[] = ",\"nr_exact\":{\"one\":1.0,\"hundred\":1e2,\"negzero\":-0,"
		"\"big\":12345678901234567890,\"tenth\":0.1000000000000000055511151231257827,"
		"\"text\":\"caf\\u00e9 \\/ \\ud83d\\ude00\"}}";
	if (!body->len || body->p[body->len - 1] != '}')
		return -1;
	body->len--;
	return buf_puts(body, member);
}

/* Quotes the key before the closing brace, as some upstreams do in a 401. */
static int add_key_member(struct buf *body, const char *key)
{
	body->len--;
	return buf_puts(body, ",\"nr_key\":") < 0 || json_cstr(body, key) < 0 || buf_putc(body, '}') < 0 ? -1 : 0;
}

/* A 200 answer, with the stream failures the model asks for. */
static int reply_answer(int fd, struct exchange *x, const char *extra, int keep)
{
	struct answer a;
	struct buf body = BUF_INIT;
	int rc = -1;
	answer_build(&a, (enum nr_format)x->fmt, x->model, jv_copy(x->req), x->rq->body.len, &x->bh);
	if (x->stream) {
		if (http_head(fd, 200, "text/event-stream", -1, extra, keep) == 0)
			rc = x->bh.cutearly ? -1 : reply_stream(fd, x, &a);
	} else {
		switch (a.fmt) {
		case NR_FMT_OPENAI: openai_json(&a, &body); break;
		case NR_FMT_ANTHROPIC: anthropic_json(&a, &body); break;
		case NR_FMT_RESPONSES: responses_json(&a, &body); break;
		case NR_FMT_GEMINI: gemini_json(&a, &body); break;
		}
		if (x->bh.exact)	/* literals a JSON round trip would rewrite */
			must(add_exact_member(&body));
		if (http_head(fd, 200, "application/json", (long)body.len, extra, keep) == 0 && !x->bh.cutearly) {
			sleep_ms(x->bh.stall_ms);
			/* badjson: the length announced, but only half the JSON in it */
			if (x->bh.badjson)
				memset(body.p + body.len / 2, ' ', body.len - body.len / 2);
			raw_answer(body.p, body.len);
			rc = write_all(fd, body.p, body.len);
		}
	}
	buf_free(&body);
	answer_free(&a);
	return rc;
}

static void models_list(struct buf *out)
{
	static const char *const ids[] = { "mock-model", "mock-tool", "mock-status-429", "mock-slow-2000" };
	jv data = jv_array();
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		data = jv_array_append(data, JV_OBJECT(S("id"), S(ids[i]), S("object"), S("model"),
						       S("created"), N(1700000000), S("owned_by"), S("mock-upstream")));
	json_append(out, JV_OBJECT(S("object"), S("list"), S("data"), data));
}

/* 0 to go on with the next request on this connection, -1 to close it. */
static int serve_request(int fd, int log_fd, struct request *rq)
{
	struct buf extra = BUF_INIT, body = BUF_INIT;
	must(buf_printf(&extra, "x-request-id: req_mock%08x\r\n", arc4random()));
	int route = oauth_route(rq->path);
	if (route >= 0) {
		int done = oauth_serve(fd, log_fd, rq, route, extra.p);
		buf_free(&extra);
		return done;
	}
	struct exchange x = { .rq = rq, .fmt = NR_FMT_OPENAI, .req = jv_invalid(), .status = 200 };
	behaviour_parse("", &x.bh);
	decide(&x);
	struct log_entry le = { rq, x.status == 404 ? NULL : x.fmt < 0 ? "models" : nr_format_name(x.fmt),
				x.model, x.stream, x.key, x.status, NULL };
	log_request(log_fd, &le);
	raw_begin(&rq->body);

	sleep_ms(x.bh.slow_ms);
	if (x.status == 200 || x.by_model)	/* not on the mock's own 4xx */
		behaviour_headers(&x.bh, x.fmt < 0 ? NR_FMT_OPENAI : (enum nr_format)x.fmt, &extra);
	enum nr_format fmt = x.fmt < 0 ? NR_FMT_OPENAI : (enum nr_format)x.fmt;
	int rc;
	if (x.own.len) {	/* a subscription backend refused the token */
		rc = reply_json(fd, x.status, &x.own, extra.p, rq->keep_alive);
	} else if (x.status != 200) {
		error_body(fmt, x.status, x.by_model ? &x.bh : NULL, x.message, &body);
		if (x.by_model && x.bh.exact)	/* an error body nr must pass on byte for byte */
			must(add_exact_member(&body) < 0 || add_key_member(&body, x.key) < 0 ? -1 : 0);
		rc = reply_json(fd, x.status, &body, extra.p, rq->keep_alive);
	} else if (x.fmt < 0) {
		models_list(&body);
		rc = reply_json(fd, 200, &body, extra.p, rq->keep_alive);
	} else if (x.count_tokens) {
		json_append(&body, JV_OBJECT(S("input_tokens"), N(rq->body.len / 4 + 1)));
		rc = reply_json(fd, 200, &body, extra.p, rq->keep_alive);
	} else {
		rc = reply_answer(fd, &x, extra.p, rq->keep_alive);
	}
	raw_end();
	buf_free(&extra);
	buf_free(&body);
	buf_free(&x.own);
	jv_free(x.req);
	free(x.model);
	free(x.key);
	return rc;
}

void serve_connection(int fd, int log_fd)
{
	struct conn c = { fd, BUF_INIT, 0 };
	for (;;) {
		struct request rq;
		int status;
		int r = http_read_request(&c, &rq, &status);
		if (r <= 0) {
			if (r < 0 && status) {	/* unreadable request: a plain error, then close */
				struct buf body = BUF_INIT;
				error_body(NR_FMT_OPENAI, status, NULL, "mock-upstream: malformed HTTP request", &body);
				(void)reply_json(fd, status, &body, NULL, 0);
				buf_free(&body);
			}
			request_free(&rq);
			break;
		}
		int keep = serve_request(fd, log_fd, &rq) == 0 && rq.keep_alive;
		request_free(&rq);
		if (!keep)
			break;
		/* drop the consumed bytes, keep any pipelined request */
		memmove(c.in.p, c.in.p + c.off, c.in.len - c.off);
		c.in.len -= c.off;
		c.off = 0;
	}
	buf_free(&c.in);
	close(fd);
}
