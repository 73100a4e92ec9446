/* fallback: the attempt loop over targets and accounts (see fallback.h); an
 * attempt's URL and headers are upstream_request.c's, its failure classes
 * classify.c's. */
#include "route/fallback.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db.h"
#include "exitcodes.h"
#include "json.h"
#include "json_span.h"
#include "logsafe.h"
#include "route/accounts.h"
#include "route/budget.h"
#include "route/classify.h"
#include "route/cooldown.h"
#include "route/headers.h"
#include "route/now.h"
#include "route/oauth.h"
#include "route/provider.h"
#include "route/quota.h"
#include "route/reqbody.h"
#include "route/retry_hint.h"
#include "route/rotation.h"
#include "route/upstream.h"
#include "route/upstream_request.h"
#include "route/usage.h"
#include "translate/translate.h"

#define WHOLE_BODY_MAX (64L * 1024 * 1024)	/* a non-streaming answer larger than this fails */
#define ERROR_BODY_MAX (1024 * 1024)		/* an error body is kept up to this */
#define DEFAULT_RATE_COOLDOWN_S 60
#define DEFAULT_QUOTA_COOLDOWN_S 3600
#define DEFAULT_AUTH_COOLDOWN_S 3600

/* What an attempt's outcome asks for next. */
/* RENEW: a login's token was refused (401): renew it, try once more */
enum next { DONE, NEXT_ACCOUNT, NEXT_TARGET, CLIENT_GONE, RENEW };

struct attempt {
	struct nr_call call;
	enum nr_format from, to;
	const char *model, *label;
	struct nr_out *out;
	int decided, sse, stream_bad, write_failed, body_over;
	int usage_added;	/* nr asked for openai stream usage the client did not */
	int whole;		/* the client wants a whole answer from a stream=always upstream */
	struct nr_stream *stream;
	struct buf tbuf, body;
	struct nr_usage u;	/* of a whole answer; a stream's is the translator's */
	int passthrough;	/* the client's own credential: its limits' headers go back to it */
	struct buf relay;	/* those headers, as the head's extra lines */
};

/* In pass-through, the upstream's rate-limit headers go back with the answer,
 * so the client's own usage display (Claude Code's /usage, Codex's /status)
 * keeps working: Anthropic's anthropic-ratelimit-*, Codex's x-codex-*. */
static void relay_limits(struct attempt *a)
{
	if (!a->passthrough || a->out->started || !a->call.headers_in.p)
		return;
	buf_reset(&a->relay);
	for (const char *l = a->call.headers_in.p; *l;) {
		size_t n = strcspn(l, "\n");
		if ((strncmp(l, "anthropic-ratelimit-", 20) == 0 || strncmp(l, "x-codex-", 8) == 0) &&
		    !memchr(l, '\r', n) && (buf_append(&a->relay, l, n) < 0 || buf_puts(&a->relay, "\r\n") < 0)) {
			buf_reset(&a->relay);
			break;
		}
		l += n + (l[n] == '\n');
	}
	a->out->extra_headers = a->relay.len ? a->relay.p : NULL;
}

static int ok_status(long s)
{
	return s >= 200 && s < 300;
}

static int send_out(struct attempt *a)
{
	if (!a->tbuf.len)
		return 0;
	relay_limits(a);
	if (nr_out_begin(a->out, 200, "text/event-stream", a->label) < 0 ||
	    nr_out_write(a->out, a->tbuf.p, a->tbuf.len) < 0) {
		a->write_failed = 1;
		return -1;
	}
	buf_reset(&a->tbuf);
	return 0;
}

static int on_body(void *ctx, const char *p, size_t n)
{
	struct attempt *a = ctx;
	if (!a->decided) {
		struct buf ct = BUF_INIT;
		a->decided = 1;
		a->sse = ok_status(a->call.status) && nr_header_get(a->call.headers_in.p, "content-type", &ct) &&
			 strcasestr(ct.p, "text/event-stream");
		buf_free(&ct);
		if (a->sse && !(a->stream = a->whole ? nr_stream_whole(a->to, a->from, a->model)
						      : nr_stream_new(a->to, a->from, a->model)))
			return -1;
		if (a->sse && a->usage_added)
			nr_stream_drop_usage_only(a->stream);
	}
	if (!a->sse) {
		long cap = ok_status(a->call.status) ? WHOLE_BODY_MAX : ERROR_BODY_MAX;
		if ((long)(a->body.len + n) > cap) {
			a->body_over = 1;
			return ok_status(a->call.status) ? -1 : 0;	/* an error body is just truncated */
		}
		return buf_append(&a->body, p, n);
	}
	if (nr_stream_feed(a->stream, p, n, &a->tbuf) < 0) {
		a->stream_bad = 1;
		if (a->out->started)
			send_out(a);	/* the translator's terminal error event */
		return -1;
	}
	return send_out(a);	/* each piece leaves as soon as it is translated */
}

static const char *invalid_msg(jv v, struct buf *out)
{
	jv m = jv_invalid_get_msg(v);
	buf_reset(out);
	buf_puts(out, jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "unknown error");
	jv_free(m);
	return out->p;
}

struct ctx {
	struct nr_request *rq;
	const struct nr_targets *t;
	sqlite3 *db;
	struct nr_out *out;
	struct buf reasons;	/* "P/M: why; …" for the final error */
	int only_limits;	/* every failure so far was a rate limit, quota or cooldown */
	int only_refused;	/* every failure so far was the request not translating */
	int failed;		/* failures other than a target without a key */
	int attempts;		/* usage rows so far: the next row's attempt number */
	double free_in;		/* seconds until the first limited target frees up, < 0 none */
};

/* What kind of failure note() records: it decides the final status. A
 * target whose provider has no key set is skipped without a word to its
 * upstream and leaves the status to the others: with one key exported, a
 * combo of many providers answers 429 when that one is rate-limited. */
enum failed { FAILED_OTHER, FAILED_LIMIT, FAILED_REQUEST, FAILED_NO_KEY };

/* A target (or account) that frees up in secs: the earliest is the Retry-After
 * of a 429 when every target is limited. */
static void free_in(struct ctx *c, double secs)
{
	if (secs >= 0 && (c->free_in < 0 || secs < c->free_in))
		c->free_in = secs;
}

static void note(struct ctx *c, const struct nr_target *t, const char *account, const char *why,
		 enum failed kind)
{
	buf_printf(&c->reasons, "%s%s/%s%s%s%s: %s", c->reasons.len ? "; " : "", t->provider, t->model,
		   account ? " (" : "", account ? account : "", account ? ")" : "", why);
	if (kind == FAILED_NO_KEY)
		return;
	c->failed++;
	if (kind != FAILED_LIMIT)
		c->only_limits = 0;
	if (kind != FAILED_REQUEST)
		c->only_refused = 0;
}

static void record(struct ctx *c, const struct nr_target *t, int pos, const struct nr_provider *p,
		   const char *account, struct attempt *a, const char *outcome, const char *reason, int last)
{
	struct nr_usage_row r = {
		.ts = nr_now(), .request = c->rq->id, .client_key = c->rq->args.client_key, .requested = c->rq->requested,
		.attempt = c->attempts++, .combo = c->t->combo, .provider = t->provider, .model = t->model,
		.account = account,
		.position = pos, .status = (int)a->call.status, .outcome = outcome, .reason = reason,
		.latency_ms = nr_mono_ms() - a->call.start_ms, .ttfb_ms = a->call.ttfb_ms, .u = a->u,
		.rtk_bytes = last ? c->rq->args.rtk_bytes : -1, .rtk_tokens = last ? c->rq->args.rtk_tokens : -1,
		.caveman = c->rq->args.caveman,	/* every attempt was asked the same */
	};
	const struct nr_price *price = nr_provider_price(p, t->model);
	r.cost = nr_cost(price, &r.u);
	r.rtk_cost = nr_saved_cost(price, r.rtk_tokens);
	r.output_cost = nr_output_cost(price, r.u.output);
	nr_usage_defer(&r);	/* written once the answer is out: nr_usage_flush() */
}

/* The usage of a whole answer in the client's format: its usage member is
 * read where it lies, the answer stays bytes. */
static void whole_usage(struct json_span top, enum nr_format f, struct nr_usage *u)
{
	static const char *const names[] = { "usage", "usageMetadata" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct json_span v = json_get(top, names[i]);
		if (json_type_of(v) == JSON_OBJECT)
			nr_usage_from_span(v, f, u);
	}
}

/* The answer arrived whole (not SSE): in the client's format its bytes go
 * as they came; else it is translated back. */
static enum next finish_whole(struct ctx *c, struct attempt *a, struct buf *why)
{
	relay_limits(a);
	if (a->from == a->to) {
		struct json_span top;
		char e[128];
		if (json_validate(a->body.p ? a->body.p : "", a->body.len, &top, e, sizeof e) < 0) {
			buf_printf(why, "invalid JSON in the upstream's answer: %s", e);
			return NEXT_TARGET;
		}
		if (json_type_of(top) == JSON_OBJECT)
			whole_usage(top, a->to, &a->u);
		return nr_out_begin(c->out, 200, "application/json", a->label) < 0 ||
		       nr_out_write(c->out, a->body.p, a->body.len) < 0 ? CLIENT_GONE : DONE;
	}
	jv resp = jv_parse_sized(a->body.p ? a->body.p : "", (int)a->body.len);
	if (!jv_is_valid(resp)) {
		jv_free(resp);
		buf_puts(why, "invalid JSON in the upstream's answer");
		return NEXT_TARGET;
	}
	nr_usage_from_json(jv_copy(resp), a->to, &a->u);
	jv out = nr_translate_response(resp, a->to, a->from, a->model);
	if (!jv_is_valid(out)) {
		struct buf m = BUF_INIT;
		buf_printf(why, "unable to translate the answer: %s", invalid_msg(out, &m));
		buf_free(&m);
		return NEXT_TARGET;
	}
	struct buf text = BUF_INIT;	/* with the upstream's numbers as it wrote them */
	int rc = json_dump(&text, out) < 0 ||
		 nr_keep_written(NR_BODY_RESPONSE, a->to, a->body.p, a->body.len, a->from, &text) < 0 ||
		 nr_out_begin(c->out, 200, "application/json", a->label) < 0 ||
		 nr_out_write(c->out, text.p, text.len) < 0;
	buf_free(&text);
	return rc ? CLIENT_GONE : DONE;
}

/* A status the client must see as is (400, 403, 404 …): translated, sent. */
static enum next send_error(struct ctx *c, struct attempt *a)
{
	int fwd;
	relay_limits(a);
	if (nr_error_forward(a->body.p, a->body.len, (int)a->call.status, a->to, a->from, &fwd))
		/* the client's own format: the upstream's bytes (its key already scrubbed) */
		return nr_out_begin(c->out, fwd, "application/json", a->label) < 0 ||
		       nr_out_write(c->out, a->body.p, a->body.len) < 0 ? CLIENT_GONE : DONE;
	jv body = jv_parse_sized(a->body.p ? a->body.p : "", (int)a->body.len);
	if (!jv_is_valid(body)) {
		jv_free(body);
		body = jv_string(a->body.p ? a->body.p : "");
	}
	int status = (int)a->call.status;
	jv out = nr_translate_error(body, status, a->to, a->from, &status);
	if (!jv_is_valid(out)) {
		jv_free(out);
		out = nr_error_body(a->from, status, "server_error", "the upstream's error could not be translated");
	}
	return nr_out_json(c->out, status, a->label, out) < 0 ? CLIENT_GONE : DONE;
}

/* The stream had started: finish it well-formed whatever happened. */
static const char *finish_stream(struct attempt *a, struct buf *why)
{
	const char *outcome = "ok";
	if (a->stream_bad) {
		buf_puts(why, "invalid stream from the upstream");
		outcome = "cut";
	} else if (a->call.rc != CURLE_OK) {
		buf_printf(why, "the upstream stopped mid-stream: %s",
			   a->call.idle_timeout_hit ? "idle timeout" : a->call.error);
		nr_stream_fail(a->stream, a->call.idle_timeout_hit ? "timeout" : "server_error", why->p, &a->tbuf);
		outcome = "cut";
	} else if (nr_stream_end(a->stream, &a->tbuf) < 0) {
		buf_puts(why, "the upstream's stream ended before its last event");
		outcome = "cut";
	}
	send_out(a);
	return outcome;
}

/* One attempt on one account; returns what to do next, with the reason in why,
 * and in *limit the seconds a rate limit or quota cools it down (else -1). */
static enum next attempt_one(struct ctx *c, const struct nr_target *t, int pos, const struct nr_provider *p,
			     const struct nr_account *acct, const char *body, size_t body_len, int usage_added,
			     int acct_renewed, struct buf *why, double *limit)
{
	struct buf url = BUF_INIT, label = BUF_INIT;
	nr_request_url(&url, p, t->model, c->rq->stream, acct);
	if (buf_puts(&label, t->provider) < 0 || buf_putc(&label, '/') < 0 || buf_puts(&label, t->model) < 0)
		buf_free(&label);	/* NULL: out of memory, below */
	struct attempt a = { .from = c->rq->from, .to = p->format, .model = t->model, .label = label.p,
			     .out = c->out, .tbuf = BUF_INIT, .body = BUF_INIT, .usage_added = usage_added,
			     .u = { .input = -1, .output = -1, .cache_read = -1, .cache_write = -1 },
			     .passthrough = p->auth == NR_AUTH_PASSTHROUGH, .relay = BUF_INIT,
			     .whole = p->stream_always && !c->rq->stream };
	a.call = (struct nr_call){ .url = url.p, .body = body, .body_len = body_len, .on_body = on_body, .ctx = &a,
		.headers = nr_request_headers(p, acct, c->rq), .headers_in = BUF_INIT };
	const char *env_c = getenv("NR_CONNECT_TIMEOUT_MS"), *env_i = getenv("NR_IDLE_TIMEOUT_MS");
	a.call.connect_timeout_ms = p->connect_timeout_ms >= 0 ? p->connect_timeout_ms
				    : env_c ? atol(env_c) : NR_CONNECT_TIMEOUT_MS;
	a.call.idle_timeout_ms = p->idle_timeout_ms >= 0 ? p->idle_timeout_ms
				 : env_i ? atol(env_i) : NR_IDLE_TIMEOUT_MS;
	enum next next = NEXT_TARGET;
	const char *outcome = "fallback";
	*limit = -1;	/* not a rate limit or quota */
	if (!url.p || !label.p || !a.call.headers) {
		buf_puts(why, "out of memory");
		goto out;
	}
	nr_upstream_post(&a.call);
	if (!ok_status(a.call.status))
		log_scrub(&a.body, acct->key);	/* some upstreams quote the key they refuse */
	if (a.write_failed || a.call.client_gone) {
		buf_puts(why, "the client went away");
		next = CLIENT_GONE;
		outcome = "client_gone";
	} else if (c->out->started) {
		outcome = finish_stream(&a, why);
		next = a.write_failed ? CLIENT_GONE : DONE;
	} else if (a.call.rc != CURLE_OK && !a.body_over) {
		if (a.call.idle_timeout_hit)
			buf_printf(why, "no data for %ld ms", a.call.idle_timeout_ms);
		else if (a.call.rc == CURLE_OPERATION_TIMEDOUT && a.call.status == 0)
			buf_printf(why, "no connection within %ld ms", a.call.connect_timeout_ms);
		else if (a.stream_bad)
			buf_puts(why, "invalid stream from the upstream");
		else if (a.call.status && ok_status(a.call.status))
			buf_printf(why, "the answer broke off before its first byte reached the client: %s", a.call.error);
		else
			buf_printf(why, "unable to reach %s: %s", p->name, a.call.error);
	} else if (ok_status(a.call.status) && a.sse && a.whole) {
		jv whole = nr_stream_whole_body(a.stream);
		if (!jv_is_valid(whole)) {
			struct buf m = BUF_INIT;
			buf_printf(why, "%s", invalid_msg(whole, &m));
			buf_free(&m);
		} else {
			next = nr_out_json(c->out, 200, a.label, whole) < 0 ? CLIENT_GONE : DONE;
			outcome = next == DONE ? "ok" : "client_gone";
		}
	} else if (ok_status(a.call.status) && a.sse) {
		/* a translator may hold everything until the end of a short stream */
		if (nr_stream_end(a.stream, &a.tbuf) == 0 && a.tbuf.len) {
			next = send_out(&a) < 0 ? CLIENT_GONE : DONE;
			outcome = next == DONE ? "ok" : "client_gone";
		} else {
			buf_puts(why, "the stream ended before its first byte reached the client");
		}
	} else if (ok_status(a.call.status)) {
		if (a.body_over)
			buf_printf(why, "answer larger than %ld bytes", WHOLE_BODY_MAX);
		else if ((next = finish_whole(c, &a, why)) == DONE)
			outcome = "ok";
		else if (next == CLIENT_GONE)
			outcome = "client_gone";
	} else {
		enum nr_failure f = nr_classify(a.call.status, a.body.p);
		/* a client's own credential: only its quota or rate limit running out
		 * moves on; the rest (its login expired, the upstream failing) is the
		 * client's to see, unmodified (SUBSCRIPTIONS.md 8.2) */
		if (p->auth == NR_AUTH_PASSTHROUGH && f != NR_FAIL_RATE && f != NR_FAIL_QUOTA)
			f = NR_FAIL_FINAL;
		if (f == NR_FAIL_AUTH && acct->login != NR_LOGIN_NONE && !acct_renewed) {
			buf_printf(why, "HTTP %ld: the login's token was refused", a.call.status);
			next = RENEW;
			goto out;
		}
		double hint = nr_retry_hint(a.call.headers_in.p, a.body.p);
		struct buf scope = BUF_INIT;
		if (f == NR_FAIL_RATE || f == NR_FAIL_QUOTA || f == NR_FAIL_AUTH) {
			long dflt = f == NR_FAIL_RATE ? (p->cooldown_s >= 0 ? p->cooldown_s : DEFAULT_RATE_COOLDOWN_S)
				  : f == NR_FAIL_QUOTA ? (p->quota_cooldown_s >= 0 ? p->quota_cooldown_s : DEFAULT_QUOTA_COOLDOWN_S)
				  : (p->auth_cooldown_s >= 0 ? p->auth_cooldown_s : DEFAULT_AUTH_COOLDOWN_S);
			double secs = hint >= 0 && f != NR_FAIL_AUTH ? hint : (double)dflt;
			buf_printf(why, "HTTP %ld %s, account cooling down %.0f s", a.call.status,
				   f == NR_FAIL_RATE ? "rate limited" : f == NR_FAIL_QUOTA ? "quota exhausted" : "key rejected", secs);
			if (f == NR_FAIL_RATE)
				buf_printf(&scope, "rate %s %s %s", p->name, acct->name, t->model);
			else
				buf_printf(&scope, "account %s %s", p->name, acct->name);
			nr_cooldown_set(c->db, scope.p, secs, why->p);	/* best-effort */
			next = NEXT_ACCOUNT;
			*limit = f == NR_FAIL_AUTH ? -1 : secs >= 0 ? secs : 0;	/* NaN: a limit all the same */
		} else if (f == NR_FAIL_TARGET) {
			buf_printf(why, "HTTP %ld", a.call.status);
			if (hint > 0) {
				buf_printf(why, ", target cooling down %.0f s", hint);
				buf_printf(&scope, "target %s/%s", t->provider, t->model);
				nr_cooldown_set(c->db, scope.p, hint, why->p);
			}
		} else {
			buf_printf(why, "HTTP %ld from the upstream, passed to the client", a.call.status);
			next = send_error(c, &a);
			outcome = next == DONE ? "error" : "client_gone";
		}
		buf_free(&scope);
	}
out:
	if (a.stream)	/* the usage its events carried, read as they were translated */
		nr_stream_usage(a.stream, &a.u);
	struct nr_window win[NR_WINDOWS_MAX];
	size_t nwin = a.call.headers_in.p ? nr_quota_windows(a.call.headers_in.p, nr_now(), win) : 0;
	if (nwin) {	/* a subscription's windows: kept for nr quota, and an exhausted one rests the account */
		struct buf qwhy = BUF_INIT;
		nr_quota_record(c->db, p->name, acct->name, win, nwin, &qwhy);
		buf_free(&qwhy);
	}
	record(c, t, pos, p, acct->name, &a, outcome, strcmp(outcome, "ok") ? why->p : NULL,
	       next == DONE || next == CLIENT_GONE);
	curl_slist_free_all(a.call.headers);
	buf_free(&a.call.headers_in);
	if (a.stream)
		nr_stream_free(a.stream);
	c->out->extra_headers = NULL;	/* sent with the head, or not this attempt's to send */
	buf_free(&a.relay);
	buf_free(&a.tbuf);
	buf_free(&a.body);
	buf_free(&label);
	if (url.p)
		explicit_bzero(url.p, url.len);	/* may hold a key (auth=query) */
	buf_free(&url);
	return next;
}

/* The n words at w, with sep between them and a NUL after, appended to b
 * (no printf: this runs for every scope of every request); 0 or -1. */
static int words(struct buf *b, char sep, const char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((i && buf_putc(b, sep) < 0) || buf_puts(b, w[i]) < 0)
			return -1;
	return buf_append(b, "", 1);
}

/* Every scope a target's attempts may meet, NUL-terminated one after the
 * other in b: [0] the target's ("target P/M"), then each account's quota
 * ("account P A") and rate ("rate P A M") scopes. 0, or -1 when out of memory. */
static int target_scopes(struct buf *b, size_t *off, const struct nr_target *t, const char *provider,
			 const struct nr_account *accts, size_t n)
{
	off[0] = 0;
	if (buf_puts(b, "target ") < 0 || words(b, '/', (const char *[]){ t->provider, t->model }, 2) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		off[1 + 2 * i] = b->len;
		if (words(b, ' ', (const char *[]){ "account", provider, accts[i].name }, 3) < 0)
			return -1;
		off[2 + 2 * i] = b->len;
		if (words(b, ' ', (const char *[]){ "rate", provider, accts[i].name, t->model }, 4) < 0)
			return -1;
	}
	return 0;
}

/* A cooling scope: its reason in the failure note, its end in free_in. */
static void cooling(struct ctx *c, const struct nr_target *t, const char *account, const struct nr_cooling *q)
{
	struct buf why = BUF_INIT;
	buf_printf(&why, "cooling down, %.0f s left (%s)", ceil(q->left), q->reason.p ? q->reason.p : "cooling down");
	note(c, t, account, why.p ? why.p : "cooling down", FAILED_LIMIT);
	free_in(c, q->left);
	buf_free(&why);
}

/* Ends the read transaction *reading says is open. */
static void read_end(sqlite3 *db, int *reading)
{
	if (*reading && nr_db_commit(db) < 0)
		nr_db_rollback(db);
	*reading = 0;
}

/* Every account of one target, starting where rotation says. */
static enum next try_target(struct ctx *c, const struct nr_target *t, int pos)
{
	struct nr_provider p;
	struct buf why = BUF_INIT;
	if (nr_provider_load(t->provider, &p, &why) < 0) {
		note(c, t, NULL, why.p ? why.p : "unknown provider", FAILED_OTHER);
		buf_free(&why);
		return NEXT_TARGET;
	}
	enum next next = NEXT_TARGET;
	struct buf text = BUF_INIT, scopes = BUF_INIT;
	static struct nr_account accts[NR_ACCOUNTS_MAX];
	size_t off[1 + 2 * NR_ACCOUNTS_MAX];
	const char *names[1 + 2 * NR_ACCOUNTS_MAX];
	struct nr_cooling cool[1 + 2 * NR_ACCOUNTS_MAX];
	size_t ns = 0;
	/* the stored accounts and every scope's cooldown: one read transaction,
	 * over before any write (rotation) and any upstream call */
	int reading = c->db && nr_db_begin_read(c->db) == 0;
	size_t n = p.auth == NR_AUTH_PASSTHROUGH ? nr_accounts_client(c->rq->args.client_credential, accts)
						  : nr_accounts_list(&p, c->db, accts);
	if (n == 0) {
		buf_reset(&why);
		if (p.auth == NR_AUTH_PASSTHROUGH)
			buf_puts(&why, "no key: auth=passthrough needs the client's own credential"
				       " (its Authorization, with nr's key in X-NR-Key)");
		else if (p.login != NR_LOGIN_NONE && !p.nkey_vars)
			buf_printf(&why, "not logged in: nr login %s", p.name);
		else
			buf_printf(&why, "no key: set %s or nr account add %s NAME",
				   p.nkey_vars ? p.key_vars[0] : "keys= in the provider file", p.name);
		note(c, t, NULL, why.p, FAILED_NO_KEY);
		goto out;
	}
	double rest;
	if (nr_budget_over(c->db, &p, &why, &rest) || nr_target_budget_over(c->db, t, &why, &rest)) {
		note(c, t, NULL, why.p ? why.p : "over budget", FAILED_LIMIT);
		free_in(c, rest);
		goto out;
	}
	if (target_scopes(&scopes, off, t, p.name, accts, n) < 0) {
		note(c, t, NULL, "out of memory", FAILED_OTHER);
		goto out;
	}
	ns = 1 + 2 * n;
	for (size_t i = 0; i < ns; i++) {
		names[i] = scopes.p + off[i];
		cool[i].reason = (struct buf)BUF_INIT;
	}
	nr_cooldown_read(c->db, names, ns, cool);
	read_end(c->db, &reading);
	if (cool[0].left > 0) {
		cooling(c, t, NULL, &cool[0]);
		goto out;
	}
	int usage_added;
	buf_reset(&why);
	int built = nr_request_body(c->rq, t, &p, &text, &usage_added, &why);
	if (built < 0) {
		note(c, t, NULL, why.p ? why.p : "out of memory", built == -2 ? FAILED_REQUEST : FAILED_OTHER);
		goto out;
	}
	size_t start = p.fill_first || n == 1 ? 0 : (size_t)nr_rotation_next(c->db, p.name) % n;
	for (size_t k = 0; k < n; k++) {
		size_t i = (start + k) % n;
		struct nr_account *acct = &accts[i];
		/* the longer of the account's quota and rate rests */
		const struct nr_cooling *q = &cool[1 + 2 * i], *r = q + 1;
		if (r->left > q->left)
			q = r;
		if (q->left > 0) {
			cooling(c, t, acct->name, q);
			continue;
		}
		double limit;
		buf_reset(&why);
		if (nr_oauth_fresh(c->db, &p, acct, 0, &why) < 0) {
			note(c, t, acct->name, why.p ? why.p : "login unusable", acct->relogin ? FAILED_NO_KEY : FAILED_OTHER);
			continue;
		}
		next = attempt_one(c, t, pos, &p, acct, text.p, text.len, usage_added, 0, &why, &limit);
		if (next == RENEW) {	/* the token was refused before its time: renewed once, tried again */
			note(c, t, acct->name, why.p, FAILED_OTHER);
			buf_reset(&why);
			if (nr_oauth_fresh(c->db, &p, acct, 1, &why) < 0) {
				note(c, t, acct->name, why.p ? why.p : "login unusable", FAILED_OTHER);
				continue;
			}
			next = attempt_one(c, t, pos, &p, acct, text.p, text.len, usage_added, 1, &why, &limit);
		}
		if (next == DONE || next == CLIENT_GONE)
			break;
		note(c, t, acct->name, why.p, limit >= 0 ? FAILED_LIMIT : FAILED_OTHER);
		free_in(c, limit);
		if (next == NEXT_TARGET)
			break;
		next = NEXT_TARGET;
	}
out:
	read_end(c->db, &reading);
	nr_accounts_free(accts, n);
	for (size_t i = 0; i < ns; i++)
		buf_free(&cool[i].reason);
	buf_free(&scopes);
	buf_free(&text);
	buf_free(&why);
	nr_provider_free(&p);
	return next;
}

int nr_route(struct nr_request *rq, const struct nr_targets *t, sqlite3 *db, struct nr_out *out)
{
	struct ctx c = { rq, t, db, out, BUF_INIT, 1, 1, 0, 0, -1 };
	for (size_t i = 0; i < t->n; i++) {
		enum next n = try_target(&c, &t->v[i], (int)i);
		if (n == DONE || n == CLIENT_GONE) {
			buf_free(&c.reasons);
			return n == DONE ? NR_EXIT_OK : NR_EXIT_SYS;
		}
	}
	struct buf msg = BUF_INIT;
	buf_printf(&msg, "nr-route: %s: %s", c.failed || !t->n ? "every target failed" : "no target's provider has a key set",
		   c.reasons.p ? c.reasons.p : "no targets");
	nr_log("%s", msg.p);
	/* no target at all is a server fault; a request no target's format could
	 * carry is the client's (an invalid request, or one PROTOCOLS.md §5.7 refuses) */
	int refused = c.only_refused && c.failed > 0;
	int status = refused ? 400 : c.only_limits && c.failed > 0 ? 429 : 502;
	jv e = nr_error_body(rq->from, status,
			     refused ? "invalid_request" : c.only_limits ? "rate_limit" : "server_error", msg.p);
	if (status == 429)	/* so that clients and SDKs wait rather than retry at once */
		nr_out_retry_after(out, c.free_in);
	int rc = nr_out_json(out, status, NULL, e) < 0;
	buf_free(&msg);
	buf_free(&c.reasons);
	return rc ? NR_EXIT_SYS : NR_EXIT_UPSTREAM;
}
