/* dispatch: runs an authenticated API request through the pipeline
 * (pipeline.h) and writes the answer as HTTP: whole with a Content-Length, or
 * chunk by chunk for event streams. The stock stages run in this process
 * (forking one per request cost more than the routing itself: page tables,
 * copy-on-write faults, libcurl set-up); any other stage is a child process
 * (stage_run.h), with the same request and facts, so both give the same answer. */
#include "serve/dispatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "exitcodes.h"
#include "facts.h"
#include "json_span.h"
#include "request_max.h"
#include "route/route.h"
#include "route/upstream.h"
#include "rtk/request.h"
#include "serve/knobs.h"
#include "serve/pipeline.h"
#include "serve/reply.h"
#include "serve/stage_env.h"
#include "serve/stage_run.h"

/* The router's answer, turned into HTTP on the client's connection. */
struct http_out {
	struct nr_out out;	/* first: the router sees a struct nr_out * */
	struct http_conn *c;
	int keep_alive, head_only;
	int status, sse;
	struct buf hdrs;	/* "Name: value\r\n" lines */
	struct buf body;	/* a whole answer, sent with its length once complete */
};

static int out_head(struct nr_out *o, int status, const char *content_type, const char *target)
{
	struct http_out *h = (struct http_out *)o;
	h->status = status;
	/* appended, not printf'd: this runs for every answer */
	if (buf_puts(&h->hdrs, "Content-Type: ") < 0 || buf_puts(&h->hdrs, content_type) < 0 ||
	    buf_puts(&h->hdrs, "\r\n") < 0 ||
	    (target && (buf_puts(&h->hdrs, "X-Nr-Target: ") < 0 || buf_puts(&h->hdrs, target) < 0 ||
			buf_puts(&h->hdrs, "\r\n") < 0)) ||
	    (o->retry_after > 0 && buf_printf(&h->hdrs, "Retry-After: %ld\r\n", o->retry_after) < 0) ||
	    (o->extra_headers && buf_puts(&h->hdrs, o->extra_headers) < 0))
		return -1;
	h->sse = !h->head_only && strncasecmp(content_type, "text/event-stream", 17) == 0;
	if (h->sse)
		return http_write_chunked_start(h->c, status, h->hdrs.p, h->keep_alive);
	return 0;
}

static int out_body(struct nr_out *o, const char *p, size_t n)
{
	struct http_out *h = (struct http_out *)o;
	return h->sse ? http_write_chunk(h->c, p, n) : buf_append(&h->body, p, n);
}

/* After the router returned: the end of a stream, or the whole answer. */
static int out_finish(struct http_out *h, enum nr_format f, int route_rc)
{
	if (!h->out.started)
		return serve_send_error(h->c, f, 502, "server_error", "the router ended without an answer",
					h->keep_alive, h->head_only);
	if (h->sse)
		return route_rc == NR_EXIT_SYS ? -1 : http_write_chunked_end(h->c);
	return http_write_response(h->c, h->status, h->hdrs.p, h->body.p, h->body.len,
				   h->keep_alive, h->head_only);
}

/* One request on its way: the request as it now is, and what the stages
 * have told about it. */
struct way {
	struct http_conn *c;
	struct http_request *req;
	const struct endpoint *ep;
	const struct serve_config *cfg;
	const struct auth_result *who;
	struct knobs k;
	int head_only;
	const char *cred;	/* the client's credential, for auth=passthrough */
	struct buf beta;	/* several anthropic-beta lines are one list */
	struct buf cur;		/* the request after the stages so far */
	size_t off;		/* where it starts in cur (after a facts block) */
	int own;		/* cur holds it (else it is still req->body) */
	struct nr_facts facts;
	struct stage_env env;
	int env_ready;
};

static const char *way_body(const struct way *w, size_t *n)
{
	if (!w->own) {
		*n = w->req->body.len;
		return w->req->body.p ? w->req->body.p : "";
	}
	*n = w->cur.len - w->off;
	return w->cur.p ? w->cur.p + w->off : "";
}

static int way_error(struct way *w, int status, const char *type, const char *msg)
{
	return serve_send_error(w->c, w->ep->format, status, type, msg, w->req->keep_alive,
				w->head_only);
}

/* A stage that let the request down: the message formatted, written to the
 * log too when it is the server's side (5xx), and sent in the client's format. */
static int way_fail(struct way *w, int status, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int way_fail(struct way *w, int status, const char *type, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;	/* its contents are undefined then */
	va_end(ap);
	const char *m = s ? s : "a pipeline stage failed";
	if (status >= 500)
		fprintf(stderr, "nr-serve: %s\n", m);
	int rc = way_error(w, status, type, m);
	free(s);
	return rc;
}

/* What a stage wrote on stderr, for the operator's log. */
static void log_stage_stderr(const struct stage *st, const struct buf *err)
{
	if (err->len)
		fprintf(stderr, "nr-serve: stage '%s' said: %.*s%s", st->name, (int)err->len, err->p,
			err->p[err->len - 1] == '\n' ? "" : "\n");
}

/* The environment of a stage run as a process (doc/pipeline.md). */
static int way_env(struct way *w, const struct stage *st, size_t len)
{
	struct stage_env *e = &w->env;
	if (!w->env_ready) {
		struct http_request *r = w->req;
		if (stage_env_init(e) < 0 || stage_env_set(e, "GATEWAY_INTERFACE", "CGI/1.1") < 0 ||
		    stage_env_set(e, "REQUEST_METHOD", r->method) < 0 ||
		    stage_env_set(e, "PATH_INFO", r->path) < 0 ||
		    stage_env_set(e, "QUERY_STRING", r->query) < 0 ||
		    stage_env_set(e, "CONTENT_TYPE", "application/json") < 0 ||
		    stage_env_set(e, "NR_FORMAT", nr_format_name(w->ep->format)) < 0 ||
		    stage_env_set(e, "NR_MODEL", w->ep->model) < 0 ||
		    stage_env_set(e, "NR_STREAM", w->ep->stream ? "1" : NULL) < 0 ||
		    stage_env_set(e, "NR_CLIENT_KEY", w->who->key_name) < 0 ||
		    stage_env_set(e, "NR_RTK", w->k.rtk ? "on" : "off") < 0 ||
		    stage_env_set(e, "NR_CAVEMAN", w->k.caveman ? "on" : "off") < 0 ||
		    stage_env_set(e, "HTTP_ANTHROPIC_VERSION", http_header(r, "anthropic-version")) < 0 ||
		    stage_env_set(e, "HTTP_ANTHROPIC_BETA", w->beta.len ? w->beta.p : NULL) < 0 ||
		    stage_env_set(e, "HTTP_USER_AGENT", http_header(r, "user-agent")) < 0)
			return -1;
		w->env_ready = 1;
	}
	/* the client's own credential goes to nr-route alone */
	const char *acct = st->stock_route && w->cred ? http_header(w->req, "chatgpt-account-id") : NULL;
	if (stage_env_set_count(e, "CONTENT_LENGTH", (long long)len) < 0 ||
	    stage_env_set(e, "HTTP_X_API_KEY", st->stock_route ? w->cred : NULL) < 0 ||
	    stage_env_set(e, "HTTP_CHATGPT_ACCOUNT_ID", acct) < 0 ||
	    (w->facts.rtk_bytes >= 0 && stage_env_set_count(e, "NR_RTK_SAVED_BYTES", w->facts.rtk_bytes) < 0) ||
	    (w->facts.rtk_tokens >= 0 && stage_env_set_count(e, "NR_RTK_SAVED_TOKENS", w->facts.rtk_tokens) < 0) ||
	    (w->facts.caveman >= 0 && stage_env_set_count(e, "NR_RTK_CAVEMAN", w->facts.caveman) < 0))
		return -1;
	return 0;
}

/* The last non-empty line of a stage's stderr, less a "NAME: " prefix: what
 * it says to the client when it refuses a request. */
static void refusal(const struct stage *st, struct buf *err, struct buf *msg)
{
	char *s = err->p ? err->p : "";
	size_t n = err->len;
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	size_t from = n;
	while (from && s[from - 1] != '\n')
		from--;
	const char *line = s + from;
	size_t len = n - from, name = strlen(st->name);
	if (len > name + 2 && strncmp(line, st->name, name) == 0 && line[name] == ':' && line[name + 1] == ' ')
		line += name + 2, len -= name + 2;
	if (len > 1000)
		len = 1000;
	if (len == 0 || buf_append(msg, line, len) < 0)
		buf_printf(msg, "the request was refused by the pipeline stage '%s'", st->name);
}

/* The answer when a request stage did not pass the request on. */
static int stage_failed(struct way *w, const struct stage *st, struct stage_result *r)
{
	if (r->client_gone)
		return -1;
	log_stage_stderr(st, &r->err);
	int code = r->exited && WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
	if (r->spawn_errno)
		return way_fail(w, 500, "server_error", "unable to start the pipeline stage '%s': %s", st->name,
				strerror(r->spawn_errno));
	if (r->timed_out)
		return way_fail(w, 504, "timeout", "the pipeline stage '%s' did not finish within %d s", st->name,
				w->cfg->stage_timeout_ms / 1000);
	if (r->too_big)
		return way_fail(w, 502, "server_error", "the pipeline stage '%s' wrote a request larger than %d MiB",
				st->name, NR_REQUEST_MAX >> 20);
	if (code == NR_EXIT_DATA || code == NR_EXIT_NOPERM) {
		struct buf msg = BUF_INIT;
		refusal(st, &r->err, &msg);
		int rc = code == NR_EXIT_DATA ? way_fail(w, 400, "invalid_request", "%s", msg.p ? msg.p : "")
					      : way_fail(w, 403, "permission", "%s", msg.p ? msg.p : "");
		buf_free(&msg);
		return rc;
	}
	if (r->exited && WIFSIGNALED(r->status))
		return way_fail(w, 502, "server_error", "the pipeline stage '%s' was killed by signal %d", st->name,
				WTERMSIG(r->status));
	return way_fail(w, 502, "server_error", "the pipeline stage '%s' failed (exit %d)", st->name, code);
}

/* A request stage: the request through it, into w->cur. 0 to go on; else
 * the answer was sent (1 kept, -1 not). */
static int run_request_stage(struct way *w, const struct stage *st)
{
	size_t n;
	const char *in = way_body(w, &n);
	struct buf next = BUF_INIT;
	if (st->kind == STAGE_RTK) {
		struct rtk_request_stats rs = { 0 };
		char *err = NULL;
		int flags = (w->k.caveman || st->caveman ? RTK_REQUEST_CAVEMAN : 0) |
			    (w->k.rtk ? 0 : RTK_REQUEST_KEEP_RESULTS);
		if (rtk_request(in, n, w->ep->format, flags, &next, &rs, &err) < 0) {
			struct buf msg = BUF_INIT;
			int rc = buf_printf(&msg, "invalid request: %s", err ? err : "not JSON");
			rc = rc == 0 ? way_error(w, 400, "invalid_request", msg.p) : way_error(w, 500, "server_error", "out of memory");
			buf_free(&msg);
			free(err);
			buf_free(&next);
			return rc < 0 ? -1 : 1;
		}
		if (st->facts)
			w->facts = rtk_request_facts(&rs, flags);
		buf_free(&w->cur);
		w->cur = next;
		w->off = 0;
		w->own = 1;
		return 0;
	}
	struct stage_result r = { 0 };
	nr_db_read_ahead_end();	/* no snapshot held while a process works */
	if (way_env(w, st, n) < 0) {
		buf_free(&next);
		return way_error(w, 500, "server_error", "out of memory") < 0 ? -1 : 1;
	}
	if (stage_filter(st, w->env.vars, in, n, w->cfg->stage_timeout_ms, w->c->hangup_fd,
			 NR_REQUEST_MAX + NR_FACTS_MAX_HEAD, &next, &r) < 0) {
		int rc = stage_failed(w, st, &r);
		stage_result_free(&r);
		buf_free(&next);
		return rc < 0 ? -1 : 1;
	}
	log_stage_stderr(st, &r.err);	/* a stage that passed the request may still have said something */
	stage_result_free(&r);
	size_t off = 0;
	const char *why = NULL;
	struct json_span top = { 0 };
	char jerr[128];
	if (facts_split(next.p, next.len, &w->facts, &off, &why) == 0) {	/* else why says */
		if (json_validate(next.p ? next.p + off : "", next.len - off, &top, jerr, sizeof jerr) < 0)
			why = jerr;
		else if (json_type_of(top) != JSON_OBJECT)
			why = "not an object";
	}
	if (why) {
		int rc = way_fail(w, 502, "server_error", "the pipeline stage '%s' wrote no JSON request: %s",
				  st->name, why);
		buf_free(&next);
		return rc < 0 ? -1 : 1;
	}
	buf_free(&w->cur);
	w->cur = next;
	w->off = off;
	w->own = 1;
	return 0;
}

/* The last stage: the answer to the client. */
static int run_answer_stage(struct way *w, const struct stage *st)
{
	size_t n;
	const char *in = way_body(w, &n);
	struct http_out h = {
		.out = { out_head, out_body, 0, 0, 0, NULL }, .c = w->c, .keep_alive = w->req->keep_alive,
		.head_only = w->head_only, .hdrs = BUF_INIT, .body = BUF_INIT,
	};
	int route_rc, rc;
	if (st->kind == STAGE_ROUTE) {
		struct nr_route_args a = {
			.from = w->ep->format, .model = w->ep->model, .stream = w->ep->stream,
			.client_key = w->who->key_name,
			.rtk_bytes = w->facts.rtk_bytes, .rtk_tokens = w->facts.rtk_tokens,
			.caveman = (int)w->facts.caveman,
			.anthropic_beta = w->beta.len ? w->beta.p : NULL,
			.anthropic_version = http_header(w->req, "anthropic-version"),
			.client_credential = w->cred,
			.client_account_id = w->cred ? http_header(w->req, "chatgpt-account-id") : NULL,
		};
		nr_upstream_watch(w->c->hangup_fd);	/* a client that hangs up stops the upstream call */
		route_rc = nr_route_request(&a, in, n, &h.out);
		nr_upstream_watch(-1);
		rc = out_finish(&h, w->ep->format, route_rc);
		if (nr_route_flush_due() == 0)	/* else when the connection goes quiet (conn.c) */
			nr_route_flush();	/* usage: only now, so that no client waits on the database */
	} else {
		struct stage_result r = { 0 };
		nr_db_read_ahead_end();	/* no snapshot held while a process works */
		if (way_env(w, st, n) < 0) {
			rc = way_error(w, 500, "server_error", "out of memory");
		} else if (stage_answer(st, w->env.vars, in, n, w->c->hangup_fd, &h.out, &r) == 0) {
			rc = out_finish(&h, w->ep->format, NR_EXIT_OK);
		} else if (r.client_gone) {
			rc = -1;
		} else if (h.out.started && h.sse) {
			rc = -1;	/* the stream is cut: the client sees it end early */
		} else if (r.spawn_errno) {	/* nothing is out yet (a whole answer is sent once complete) */
			rc = way_fail(w, 500, "server_error", "unable to start the pipeline stage '%s': %s", st->name,
				      strerror(r.spawn_errno));
		} else {
			rc = way_fail(w, 502, "server_error", "the pipeline stage '%s' %s", st->name,
				      h.out.started ? "died while answering"
				      : r.bad_answer ? "wrote no CGI answer (Status, Content-Type, a blank line)"
						     : "ended without an answer");
		}
		stage_result_free(&r);	/* after the answer: it may be writing its usage rows */
	}
	buf_free(&h.hdrs);
	buf_free(&h.body);
	return rc;
}

int dispatch(struct http_conn *c, struct http_request *req, const struct endpoint *ep,
	     const struct serve_config *cfg, const struct auth_result *who)
{
	struct way w = { .c = c, .req = req, .ep = ep, .cfg = cfg, .who = who,
			 .head_only = strcmp(req->method, "HEAD") == 0, .beta = BUF_INIT,
			 .cur = BUF_INIT, .facts = NR_FACTS_NONE };
	const char *bad;
	if (knobs_resolve(req, cfg, &who->settings, &w.k, &bad) < 0) {
		struct buf msg = BUF_INIT;
		int rc = bad ? buf_printf(&msg, "the %s header must be on or off (or true/false, 1/0)", bad)
			     : buf_puts(&msg, "out of memory");
		if (rc == 0)
			rc = way_error(&w, bad ? 400 : 500, bad ? "invalid_request" : "server_error", msg.p);
		buf_free(&msg);
		return rc;
	}
	if (http_header_list(req, "anthropic-beta", &w.beta) < 0)
		return serve_send_error(c, ep->format, 500, "server_error", "out of memory", 0, w.head_only);
	/* the client's own credential, for auth=passthrough providers: its
	 * Authorization (or x-api-key) when nr's key came apart, in X-NR-Key, or
	 * when nr takes no key */
	if (http_header(req, "x-nr-key") || !cfg->auth) {
		w.cred = http_header(req, "authorization");
		if (w.cred && strncasecmp(w.cred, "Bearer ", 7) == 0)
			w.cred += 7 + strspn(w.cred + 7, " ");
		else
			w.cred = http_header(req, "x-api-key");
	}
	/* A JSON request never starts with a letter; a facts block does (facts.h):
	 * one from the client is refused, whichever stages run, so that a client
	 * cannot tell nr-route what rtk-filter saved */
	const char *b = req->body.p;
	if (req->body.len && ((*b >= 'A' && *b <= 'Z') || (*b >= 'a' && *b <= 'z'))) {
		buf_free(&w.beta);
		return way_error(&w, 400, "invalid_request", "invalid request: not a JSON object");
	}
	const struct pipeline *p = cfg->pipeline;
	int rc = 0;
	for (size_t i = 0; i + 1 < p->n && rc == 0; i++)
		rc = run_request_stage(&w, &p->stage[i]);
	if (rc == 0)
		rc = run_answer_stage(&w, &p->stage[p->n - 1]);
	else
		rc = rc > 0 ? 0 : -1;
	buf_free(&w.beta);
	buf_free(&w.cur);
	if (w.env_ready)
		stage_env_free(&w.env);
	return rc;
}
