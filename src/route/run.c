/* run: one request through the router — its model's targets, the state
 * database, the attempt loop — kept apart from any command line (see route.h). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "exitcodes.h"
#include "json_span.h"
#include "logsafe.h"
#include "route/budget.h"
#include "route/fallback.h"
#include "route/filecheck.h"
#include "route/key_policy.h"
#include "route/now.h"
#include "route/route.h"
#include "route/target.h"
#include "route/upstream.h"
#include "route/usage.h"
#include "translate/translate.h"

int nr_route_refuse(enum nr_format fmt, struct nr_out *out, int status, const char *type,
		    const char *msg, int code)
{
	nr_log("nr-route: %s", msg);
	if (nr_out_json(out, status, NULL, nr_error_body(fmt, status, type, msg)) < 0)
		code = NR_EXIT_SYS;
	return code;
}

static uint64_t id_prefix;
static uint32_t id_count;

static void id_forget(void)
{
	id_prefix = 0;	/* a forked child draws its own */
}

/* A request's id: 64 random bits drawn once a process (and again when the
 * counter wraps), then a counter. Unique within a process; across processes
 * as unlikely to meet as two random 64-bit numbers. One getrandom a process,
 * where two a request cost two system calls; and a worker's ids follow one
 * another, so each flush adds its rows to one end of the usage table's
 * (request, attempt) index instead of dirtying a page of it a row. */
static void request_id(char id[NR_REQUEST_ID_LEN + 1])
{
	static int registered;
	if (!registered)
		registered = pthread_atfork(NULL, NULL, id_forget) == 0;
	if (++id_count == 0)
		id_prefix = 0;
	while (!id_prefix)
		arc4random_buf(&id_prefix, sizeof id_prefix);
	snprintf(id, NR_REQUEST_ID_LEN + 1, "%016llx%08lx", (unsigned long long)id_prefix, (unsigned long)id_count);
}

/* The model named by the argument, else by the body, into *name. */
static int model_name(struct json_span top, const char *arg, struct buf *name)
{
	if (arg)
		return buf_puts(name, arg);
	struct json_span m = json_get(top, "model");
	if (json_type_of(m) != JSON_STRING || m.n <= 2)
		return -1;
	return json_str_decode(m, name) < 0 || !name->p || strlen(name->p) != name->len ? -1 : 0;
}

/* A 403 or 429 naming the key's rule; its exit code. */
static int policy_refuse(struct nr_request *rq, struct nr_out *out, int status, double rest, const char *msg)
{
	if (status == 429)	/* so that clients and SDKs wait rather than retry at once */
		nr_out_retry_after(out, rest);
	return nr_route_refuse(rq->from, out, status, status == 429 ? "rate_limit" : "permission", msg,
			       NR_EXIT_NOPERM);
}

/* What decides whether a target may serve a key's request. */
struct may_use {
	const struct key_policy *kp;
	int by_name;		/* allow= names the requested model, combo or alias */
	struct buf target, pat;	/* "PROVIDER/MODEL", a pattern that matched */
};

static int may_use(const struct nr_target *v, void *ctx)
{
	struct may_use *m = ctx;
	buf_reset(&m->target);
	return buf_printf(&m->target, "%s/%s", v->provider, v->model) == 0 &&
	       key_policy_match(m->kp->deny.p, m->target.p, &m->pat) == 0 &&
	       (m->by_name || key_policy_match(m->kp->allow.p, m->target.p, &m->pat) > 0);
}

/* The policy of the request's nr key (key_policy.h): drops the targets it
 * may not use from t; -1 when the request may go on, else the exit code of
 * the refusal written to out. */
static int key_policy_apply(struct nr_request *rq, struct nr_targets *t, sqlite3 *db, struct nr_out *out)
{
	const char *key = rq->args.client_key;
	struct key_policy kp = KEY_POLICY_INIT;
	int found = key && db ? key_policy_load(db, key, &kp) : 0;
	if (found < 0) {
		key_policy_free(&kp);
		return nr_route_refuse(rq->from, out, 500, "server_error", "unable to read the key's policy", NR_EXIT_SYS);
	}
	struct may_use m = { &kp, 0, BUF_INIT, BUF_INIT };
	struct buf msg = BUF_INIT;
	int rc = -1;
	double rest;
	size_t had = t->n;
	if (!found)
		goto out;
	if (key_policy_match(kp.deny.p, rq->requested, &m.pat) > 0) {
		buf_printf(&msg, "key %s may not use '%s': deny=%s", key, rq->requested, m.pat.p);
		rc = policy_refuse(rq, out, 403, 0, msg.p);
		goto out;
	}
	m.by_name = !kp.allow.len || key_policy_match(kp.allow.p, rq->requested, &m.pat) > 0;
	if (!nr_targets_keep(t, may_use, &m)) {
		if (kp.allow.len)
			buf_printf(&msg, "key %s may not use '%s': allow=%s admits none of its %zu target%s%s", key,
				   rq->requested, kp.allow.p, had, had == 1 ? "" : "s", kp.deny.len ? " that deny= leaves" : "");
		else
			buf_printf(&msg, "key %s may not use '%s': deny= refuses every one of its targets", key, rq->requested);
		rc = policy_refuse(rq, out, 403, 0, msg.p);
		goto out;
	}
	if (nr_key_budget_over(db, key, kp.budget_day, kp.budget_month, &msg, &rest)) {
		rc = policy_refuse(rq, out, 429, rest, msg.len ? msg.p : "the key is over its budget");
		goto out;
	}
	if (kp.rate > 0) {
		long n = key_policy_count(db, key, nr_now(), &rest);
		if (n > kp.rate) {
			buf_printf(&msg, "key %s over its rate: rate=%ld requests a minute", key, kp.rate);
			rc = policy_refuse(rq, out, 429, rest, msg.p);
		} else if (n < 0) {
			nr_log("nr-route: unable to count key %s's request against its rate; let through", key);
		}
	}
out:
	key_policy_free(&kp);
	buf_free(&m.target);
	buf_free(&m.pat);
	buf_free(&msg);
	return rc;
}

static int route(struct nr_request *rq, struct nr_out *out)
{
	struct nr_targets t;
	struct buf err = BUF_INIT;
	if (nr_targets_resolve(rq->requested, nr_format_name(rq->from), &t, &err) < 0) {
		int rc = nr_route_refuse(rq->from, out, 404, "not_found", err.p ? err.p : "unknown model", NR_EXIT_DATA);
		buf_free(&err);
		return rc;
	}
	/* no state is better than no answer: without the database, route anyway */
	sqlite3 *db = nr_db_shared(&err);
	if (!db)
		nr_log("nr-route: %s; routing without cooldowns or usage", err.p);
	buf_free(&err);
	if (nr_upstream_init() < 0) {
		nr_targets_free(&t);
		return nr_route_refuse(rq->from, out, 500, "server_error", "unable to initialise libcurl", NR_EXIT_SYS);
	}
	int rc = key_policy_apply(rq, &t, db, out);
	if (rc < 0)
		rc = nr_route(rq, &t, db, out);
	nr_targets_free(&t);
	return rc;
}

int nr_route_request(const struct nr_route_args *a, const char *text, size_t len, struct nr_out *out)
{
	/* validated once, as bytes: a target in the client's format gets these
	 * bytes, and only a translating target needs them parsed (reqbody.h) */
	struct json_span top;
	char why[128];
	text = text ? text : "";
	if (json_validate(text, len, &top, why, sizeof why) < 0 || json_type_of(top) != JSON_OBJECT)
		return nr_route_refuse(a->from, out, 400, "invalid_request", "the request body is not a JSON object", NR_EXIT_DATA);
	struct buf name = BUF_INIT;
	if (model_name(top, a->model, &name) < 0) {
		buf_free(&name);
		return nr_route_refuse(a->from, out, 400, "invalid_request",
			      "no model: give --model or \"model\" in the body", NR_EXIT_DATA);
	}
	int stream = a->from == NR_FMT_GEMINI ? a->stream : json_is_true(top, "stream");
	struct nr_request rq = { .from = a->from, .text = text, .len = len, .top = top, .body = jv_invalid(),
				 .requested = name.p, .stream = stream, .args = *a };
	request_id(rq.id);
	nr_conf_hold();	/* each provider and combo file stat'ed once for all targets */
	int rc = route(&rq, out);
	nr_conf_release();
	jv_free(rq.body);
	buf_free(&name);
	return rc;
}

void nr_route_flush(void)
{
	nr_usage_flush();
}

long nr_route_flush_due(void)
{
	return nr_usage_due_ms();
}

void nr_route_release(void)
{
	nr_usage_flush_final();
	nr_upstream_cleanup();
	nr_db_shared_close();
}
