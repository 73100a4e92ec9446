/* run: one request through the router — its model's targets, the state
 * database, the attempt loop — kept apart from any command line (see route.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "exitcodes.h"
#include "logsafe.h"
#include "route/fallback.h"
#include "route/filecheck.h"
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

/* The model named by the argument, else by the body. */
static jv model_name(jv body, const char *arg)
{
	if (arg) {
		jv_free(body);
		return jv_string(arg);
	}
	jv m = jv_object_get(body, jv_string("model"));
	if (jv_get_kind(m) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(m)) > 0)
		return m;
	jv_free(m);
	return jv_invalid();
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
	int rc = nr_route(rq, &t, db, out);
	nr_targets_free(&t);
	return rc;
}

int nr_route_request(const struct nr_route_args *a, const char *text, size_t len, struct nr_out *out)
{
	jv body = jv_parse_sized(text ? text : "", (int)len);
	if (jv_get_kind(body) != JV_KIND_OBJECT) {
		jv_free(body);
		return nr_route_refuse(a->from, out, 400, "invalid_request", "the request body is not a JSON object", NR_EXIT_DATA);
	}
	jv name = model_name(jv_copy(body), a->model);
	if (!jv_is_valid(name)) {
		jv_free(body);
		return nr_route_refuse(a->from, out, 400, "invalid_request",
			      "no model: give --model or \"model\" in the body", NR_EXIT_DATA);
	}
	int stream = a->stream;
	if (a->from != NR_FMT_GEMINI) {
		jv s = jv_object_get(jv_copy(body), jv_string("stream"));
		stream = jv_get_kind(s) == JV_KIND_TRUE;
		jv_free(s);
	}
	struct nr_request rq = { a->from, body, jv_string_value(name), stream, a->client_key,
				 a->rtk_bytes, a->rtk_tokens, a->anthropic_beta,
				 a->anthropic_version, "" };
	snprintf(rq.id, sizeof rq.id, "%08x%08x", arc4random(), arc4random());
	nr_conf_hold();	/* each provider and combo file stat'ed once for all targets */
	int rc = route(&rq, out);
	nr_conf_release();
	jv_free(name);
	jv_free(body);
	return rc;
}

void nr_route_flush(void)
{
	nr_usage_flush();
}

void nr_route_release(void)
{
	nr_usage_flush_final();
	nr_upstream_cleanup();
	nr_db_shared_close();
}
