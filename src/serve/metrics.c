/* metrics: the Prometheus exposition (metrics.h). Each family is one query
 * over the all-time sums (grain 0) whose first columns are its labels and
 * whose last is the value. */
#include "serve/metrics.h"

#include <jv.h>
#include <stdio.h>
#include <string.h>

#include "admin/commands.h"
#include "admin/cooldown_table.h"
#include "db.h"
#include "logsafe.h"
#include "route/now.h"
#include "serve/rollup.h"

#define ALL " FROM usage_rollup WHERE grain = 0"
#define BY_TARGET " GROUP BY 1, 2 ORDER BY 1, 2"

/* A family is a query whose first columns are its labels' values; then
 * either its one value, or (split) one value per split value, each a sample
 * with split=VALUE (those at 0 left out: the classes are many, most unseen). */
static const struct family {
	const char *name, *type, *help;
	const char *labels[3];	/* NULL-terminated unless all three */
	const char *split;	/* the label the value columns stand for, or NULL */
	const char *values[10];	/* its values, NULL-terminated unless all ten */
	const char *sql;
} families[] = {
	{ "nr_requests_total", "counter",
	  "Requests by the target of their last attempt and its outcome (ok, error, cut, client_gone).",
	  { "provider", "model", NULL }, "outcome", { "ok", "error", "cut", "client_gone", NULL },
	  "SELECT provider, model, sum(n_ok), sum(n_error), sum(n_cut), sum(n_client_gone)" ALL BY_TARGET },
	{ "nr_upstream_attempts_total", "counter",
	  "Upstream attempts by target, combo (empty: none) and outcome; outcome=\"fallback\": the combo "
	  "went on to its next target.",
	  { "provider", "model", "combo" }, "outcome", { "ok", "fallback", "error", "cut", "client_gone", NULL },
	  "SELECT provider, model, combo, sum(n_ok), sum(n_fallback), sum(n_error), sum(n_cut), sum(n_client_gone)"
	  ALL " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" },
	{ "nr_upstream_errors_total", "counter",
	  "Failed upstream attempts by class (nr status's), and clients that left (client_gone).",
	  { "provider", NULL, NULL }, "class",
	  { "rate_limit", "quota", "auth", "upstream_error", "timeout", "unreachable", "cut", "refused", "bad_answer",
	    "client_gone" },
	  "SELECT provider, sum(c_rate_limit), sum(c_quota), sum(c_auth), sum(c_upstream_error), sum(c_timeout),"
	  " sum(c_unreachable), sum(c_cut), sum(c_refused), sum(c_bad_answer), sum(n_client_gone)" ALL
	  " GROUP BY 1 ORDER BY 1" },
	{ "nr_tokens_total", "counter",
	  "Tokens by type: input (neither read from nor written to the cache), output, cache_read, cache_write.",
	  { "provider", "model", NULL }, "type", { "cache_read", "cache_write", "input", "output", NULL },
	  "SELECT provider, model, sum(cache_read_tokens), sum(cache_write_tokens), sum(input_tokens),"
	  " sum(output_tokens)" ALL BY_TARGET },
	{ "nr_cost_usd_total", "counter", "Estimated cost in US dollars, from the providers' price lines.",
	  { "provider", "model", NULL }, NULL, { NULL }, "SELECT provider, model, sum(cost)" ALL BY_TARGET },
	{ "nr_rtk_saved_tokens_total", "counter", "Tokens rtk-filter took out of the requests (bytes/4).",
	  { "provider", "model", NULL }, NULL, { NULL }, "SELECT provider, model, sum(rtk_saved_tokens)" ALL BY_TARGET },
	{ "nr_rtk_saved_bytes_total", "counter", "Bytes rtk-filter took out of the requests.",
	  { "provider", "model", NULL }, NULL, { NULL }, "SELECT provider, model, sum(rtk_saved_bytes)" ALL BY_TARGET },
	{ "nr_rtk_saved_usd_total", "counter",
	  "What rtk-filter's saved tokens would have cost as input, in US dollars.",
	  { "provider", "model", NULL }, NULL, { NULL }, "SELECT provider, model, sum(rtk_saved_cost)" ALL BY_TARGET },
	/* caveman mode's saving is output never written: these let a query
	 * compare the average output of its two sides */
	{ "nr_caveman_requests_total", "counter",
	  "Answered requests with a known output token count, by whether rtk-filter put caveman mode (terse "
	  "answers) on; requests no stage told nr-route about are in neither.",
	  { "provider", "model", NULL }, "caveman", { "on", "off", NULL },
	  "SELECT provider, model, sum(caveman_on_answers), sum(caveman_off_answers)" ALL BY_TARGET },
	{ "nr_caveman_output_tokens_total", "counter",
	  "Output tokens of those answers, by whether caveman mode was on.",
	  { "provider", "model", NULL }, "caveman", { "on", "off", NULL },
	  "SELECT provider, model, sum(caveman_on_output_tokens), sum(caveman_off_output_tokens)" ALL BY_TARGET },
};

/* A label value, escaped as the format wants: backslash, quote, newline. */
static int put_label(struct buf *out, const char *name, const char *v, int first)
{
	if (buf_puts(out, first ? "{" : ",") < 0 || buf_puts(out, name) < 0 || buf_puts(out, "=\"") < 0)
		return -1;
	for (; *v; v++) {
		int rc = *v == '\\' ? buf_puts(out, "\\\\") : *v == '"' ? buf_puts(out, "\\\"")
			: *v == '\n' ? buf_puts(out, "\\n") : buf_putc(out, *v);
		if (rc < 0)
			return -1;
	}
	return buf_putc(out, '"');
}

static int put_head(struct buf *out, const char *name, const char *type, const char *help)
{
	return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int put_value(struct buf *out, double v)
{
	return buf_printf(out, " %.15g\n", v);
}

/* One sample: name{labels from the row's first nl columns[,split="v"]} value. */
static int sample(struct buf *out, const struct family *f, sqlite3_stmt *st, int nl, const char *v, double value)
{
	if (buf_puts(out, f->name) < 0)
		return -1;
	for (int i = 0; i < nl; i++) {
		const char *l = (const char *)sqlite3_column_text(st, i);
		if (put_label(out, f->labels[i], l ? l : "", i == 0) < 0)
			return -1;
	}
	if (v && put_label(out, f->split, v, nl == 0) < 0)
		return -1;
	return buf_putc(out, '}') < 0 || put_value(out, value) < 0 ? -1 : 0;
}

static int family(sqlite3 *db, const struct family *f, struct buf *out)
{
	int nl = 0, nv = 0;
	while (nl < 3 && f->labels[nl])
		nl++;
	while (f->split && nv < 10 && f->values[nv])
		nv++;
	sqlite3_stmt *st = nr_db_prepare(db, f->sql);
	if (!st || put_head(out, f->name, f->type, f->help) < 0) {
		nr_db_done(st);
		return -1;
	}
	int rc, bad = 0;
	while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!f->split)
			bad = sample(out, f, st, nl, NULL, sqlite3_column_double(st, nl)) < 0;
		for (int i = 0; i < nv && !bad; i++) {
			double v = sqlite3_column_double(st, nl + i);
			bad = v != 0 && sample(out, f, st, nl, f->values[i], v) < 0;
		}
	}
	nr_db_done(st);
	return !bad && rc == SQLITE_DONE ? 0 : -1;
}

/* The upstream latency histogram per provider, from the sums' buckets. */
static int latency(sqlite3 *db, struct buf *out)
{
	static const char name[] = "nr_upstream_latency_seconds";
	sqlite3_stmt *st = nr_db_prepare(db, "SELECT provider, sum(l0), sum(l1), sum(l2), sum(l3), sum(l4),"
					 " sum(l5), sum(l6), sum(l7), sum(l8), sum(l9), sum(l10), sum(lat_n),"
					 " sum(lat_sum_ms) / 1000.0" ALL " GROUP BY 1 ORDER BY 1");
	if (!st || put_head(out, name, "histogram", "Time an upstream attempt took, to its end.") < 0) {
		nr_db_done(st);
		return -1;
	}
	int rc, bad = 0;
	while (!bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		for (int i = 0; i <= ROLLUP_NBUCKETS && !bad; i++) {
			char le[32];
			if (i < ROLLUP_NBUCKETS)
				snprintf(le, sizeof le, "%g", rollup_bucket_s[i]);
			else
				strcpy(le, "+Inf");
			bad = buf_printf(out, "%s_bucket", name) < 0 || put_label(out, "provider", p ? p : "", 1) < 0 ||
			      put_label(out, "le", le, 0) < 0 || buf_putc(out, '}') < 0 ||
			      put_value(out, sqlite3_column_double(st, 1 + i)) < 0;
		}
		bad = bad || buf_printf(out, "%s_sum", name) < 0 || put_label(out, "provider", p ? p : "", 1) < 0 ||
		      buf_putc(out, '}') < 0 || put_value(out, sqlite3_column_double(st, 13)) < 0 ||
		      buf_printf(out, "%s_count", name) < 0 || put_label(out, "provider", p ? p : "", 1) < 0 ||
		      buf_putc(out, '}') < 0 || put_value(out, sqlite3_column_double(st, 12)) < 0;
	}
	nr_db_done(st);
	return !bad && rc == SQLITE_DONE ? 0 : -1;
}

/* Cooldowns running now, per provider (each scope names one). */
static int cooldowns(sqlite3 *db, double now, struct buf *out)
{
	struct cooldowns cd;
	if (cooldowns_read(db, now, 1, &cd) < 0)
		return -1;
	int rc = put_head(out, "nr_cooldowns_active", "gauge",
			  "Cooldowns running now (an account, a model on an account, or a target resting).");
	/* each provider once, with its count: the list is short */
	for (size_t i = 0; i < cd.n && rc == 0; i++) {
		size_t k = 0, count = 0;
		while (k < i && strcmp(cd.v[k].provider, cd.v[i].provider) != 0)
			k++;
		if (k < i)
			continue;	/* counted with its first */
		for (size_t j = i; j < cd.n; j++)
			count += strcmp(cd.v[j].provider, cd.v[i].provider) == 0;
		rc = buf_puts(out, "nr_cooldowns_active") < 0 || put_label(out, "provider", cd.v[i].provider, 1) < 0 ||
		     buf_putc(out, '}') < 0 || put_value(out, (double)count) < 0 ? -1 : 0;
	}
	cooldowns_free(&cd);
	return rc;
}

static const char *str(jv o, const char *k)
{
	jv v = jv_object_get(jv_copy(o), jv_string(k));
	const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : "";
	jv_free(v);	/* o still holds the string */
	return s;
}

/* The quota windows as nr quota --json reports them: used ratio and reset time. */
static int quota(sqlite3 *db, struct buf *out)
{
	struct buf q = BUF_INIT;
	if (nr_quota_report(db, 1, &q) != 0) {
		buf_free(&q);
		return -1;
	}
	jv doc = jv_parse(q.p ? q.p : "");
	buf_free(&q);
	if (jv_get_kind(doc) != JV_KIND_OBJECT) {
		jv_free(doc);
		return -1;
	}
	jv windows = jv_object_get(doc, jv_string("windows"));
	static const struct {
		const char *name, *help, *member;
		double scale;
	} g[] = {
		{ "nr_quota_used_ratio", "Share of a subscription's quota window used, as its upstream last reported it.",
		  "used_percent", 0.01 },
		{ "nr_quota_resets_timestamp_seconds", "When a quota window resets (Unix time).", "resets_at", 1 },
	};
	int rc = 0;
	for (size_t i = 0; i < 2 && rc == 0; i++) {
		rc = put_head(out, g[i].name, "gauge", g[i].help);
		if (jv_get_kind(windows) != JV_KIND_ARRAY)
			continue;
		jv_array_foreach(windows, k, w) {
			(void)k;
			jv v = jv_object_get(jv_copy(w), jv_string(g[i].member));
			if (rc == 0 && jv_get_kind(v) == JV_KIND_NUMBER)
				rc = buf_puts(out, g[i].name) < 0 || put_label(out, "provider", str(w, "provider"), 1) < 0 ||
				     put_label(out, "account", str(w, "account"), 0) < 0 ||
				     put_label(out, "window", str(w, "window"), 0) < 0 || buf_putc(out, '}') < 0 ||
				     put_value(out, jv_number_value(v) * g[i].scale) < 0 ? -1 : 0;
			jv_free(v);
			jv_free(w);
		}
	}
	jv_free(windows);
	return rc;
}

int metrics_text(sqlite3 *db, double now, struct buf *out, struct buf *err)
{
	(void)rollup_update(db);	/* else the sums as of the last update */
	if (nr_db_begin_read(db) < 0) {
		buf_printf(err, "unable to read the database: %s", sqlite3_errmsg(db));
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < sizeof families / sizeof families[0] && rc == 0; i++)
		rc = family(db, &families[i], out);
	if (rc == 0)
		rc = latency(db, out);
	if (rc == 0)
		rc = cooldowns(db, now, out);
	if (rc == 0)
		rc = quota(db, out);
	if (rc < 0)
		buf_printf(err, "unable to read the usage sums: %s", sqlite3_errmsg(db));
	if (nr_db_commit(db) < 0)
		nr_db_rollback(db);
	return rc;
}

int metrics_answer(struct http_conn *c, const struct http_request *req)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int head = strcmp(req->method, "HEAD") == 0, rc;
	nr_db_read_ahead_end();	/* the key check's snapshot: the sums are brought up to date first */
	sqlite3 *db = nr_db_shared(&err);
	if (db && metrics_text(db, nr_now(), &out, &err) == 0) {
		rc = http_write_response(c, 200, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n",
					 out.p, out.len, req->keep_alive, head);
	} else {
		nr_log("nr-serve: /metrics: %s", err.p ? err.p : "out of memory");
		static const char msg[] = "unable to read the metrics; the server's log says why\n";
		rc = http_write_response(c, 500, "Content-Type: text/plain; charset=utf-8\r\n", msg,
					 sizeof msg - 1, req->keep_alive, head);
	}
	buf_free(&out);
	buf_free(&err);
	return rc;
}
