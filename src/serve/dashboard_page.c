/* dashboard_page: the dashboard's HTML (dashboard_page.h): the usage
 * sections from the sums, the state ones from dashboard_state.c, written
 * through dashboard_html.h. Times are UTC, as the usage rows' days are. */
#include "serve/dashboard_page.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "serve/dashboard_html.h"
#include "serve/rollup.h"
#include "serve/svg.h"

/* A year's bars are weeks: 365 days of stacks made the page 570 kB (and
 * unreadable at 2 px a bar), and reading the days' sums took 20-45 ms of a
 * 365-day page on a million rows (bench/dashboard). */
static const struct range ranges[] = {
	{ "24h", "last 24 hours, per hour", ROLLUP_HOUR, 24 },
	{ "7d", "last 7 days, per hour", ROLLUP_HOUR, 168 },
	{ "30d", "last 30 days, per day", ROLLUP_DAY, 30 },
	{ "365d", "last 53 weeks, per week from Monday", ROLLUP_WEEK, 53 },
};
#define NRANGES (sizeof ranges / sizeof ranges[0])
#define RANGE_DEFAULT 2

const char *dashboard_view_parse(const struct http_request *req, struct dashboard_view *v)
{
	char *range = http_query_param(req, "range"), *by = http_query_param(req, "by");
	const char *bad = NULL;
	v->range = RANGE_DEFAULT;
	v->by_model = 0;
	if (range) {
		v->range = -1;
		for (size_t i = 0; i < NRANGES; i++)
			if (strcmp(range, ranges[i].name) == 0)
				v->range = (int)i;
		if (v->range < 0)
			bad = "range must be 24h, 7d, 30d or 365d";
	}
	if (by && strcmp(by, "model") == 0)
		v->by_model = 1;
	else if (by && strcmp(by, "provider") != 0)
		bad = "by must be provider or model";
	free(range);
	free(by);
	return bad;
}

static void header(struct page *pg, const struct dashboard_view *v, const char *csrf, const char *who)
{
	pg_put(pg, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>nr dashboard</title>"
		   "<link rel=\"stylesheet\" href=\"/dashboard/dashboard.css\">"
		   "<link rel=\"icon\" href=\"/dashboard/favicon.svg\">"
		   "<script src=\"/dashboard/dashboard.js\" defer></script></head><body><header><h1>nr</h1><nav>");
	for (size_t i = 0; i < NRANGES; i++)
		pg_printf(pg, "<a href=\"/dashboard?range=%s&amp;by=%s\"%s>%s</a>", ranges[i].name,
			  v->by_model ? "model" : "provider", (int)i == v->range ? " aria-current=\"page\"" : "",
			  ranges[i].name);
	pg_put(pg, "<span class=\"sep\"></span>");
	for (int m = 0; m <= 1; m++)
		pg_printf(pg, "<a href=\"/dashboard?range=%s&amp;by=%s\"%s>by %s</a>", pg->r->name,
			  m ? "model" : "provider", m == v->by_model ? " aria-current=\"page\"" : "",
			  m ? "model" : "provider");
	pg_put(pg, "</nav>");
	if (csrf) {
		pg_put(pg, "<form method=\"post\" action=\"/dashboard/logout\"><span class=\"who\">");
		pg_text(pg, who);
		pg_printf(pg, "</span><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
			      "<button type=\"submit\">Log out</button></form>", csrf);
	}
	pg_put(pg, "</header><main id=\"main\">");
}

/* One figure with its label. */
static void tile(struct page *pg, const char *id, const char *label, double v, int usd)
{
	pg_printf(pg, "<div class=\"tile\"><span class=\"label\">%s</span><span class=\"figure\" id=\"%s\" title=\"",
		  label, id);
	pg_printf(pg, usd ? "%.6f" : "%.0f", v);
	pg_put(pg, "\">");
	if (usd)
		pg_usd(pg, v);
	else
		pg_count(pg, v);
	pg_put(pg, "</span></div>");
}

static void totals(struct page *pg)
{
	sqlite3_stmt *st = pg_query(pg, "SELECT coalesce(sum(attempts - n_fallback), 0),"
				  " coalesce(sum(input_tokens + cache_read_tokens + cache_write_tokens), 0),"
				  " coalesce(sum(output_tokens), 0), coalesce(sum(cost), 0), coalesce(sum(rtk_saved_tokens), 0),"
				  " coalesce(sum(rtk_saved_cost), 0), coalesce(sum(n_fallback), 0),"
				  " coalesce(sum(attempts - n_ok - n_client_gone), 0)"
				  " FROM usage_rollup WHERE grain = ?1 AND t >= ?2");
	if (!st)
		return;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		pg_printf(pg, "<section class=\"tiles\" aria-label=\"totals, %s\">", pg->r->title);
		tile(pg, "requests", "requests", sqlite3_column_double(st, 0), 0);
		tile(pg, "tokens-in", "tokens in", sqlite3_column_double(st, 1), 0);
		tile(pg, "tokens-out", "tokens out", sqlite3_column_double(st, 2), 0);
		tile(pg, "cost", "cost", sqlite3_column_double(st, 3), 1);
		tile(pg, "rtk-tokens", "saved by rtk", sqlite3_column_double(st, 4), 0);
		tile(pg, "rtk-usd", "rtk saved", sqlite3_column_double(st, 5), 1);
		tile(pg, "fallbacks", "fallbacks", sqlite3_column_double(st, 6), 0);
		tile(pg, "failed", "failed attempts", sqlite3_column_double(st, 7), 0);
		pg_put(pg, "</section>");
		rc = sqlite3_step(st);
	}
	pg_done(pg, st, rc);
}

/* The series a chart stacks: the largest by tokens, the rest as "other". */
struct series {
	char *name[SVG_SERIES_MAX];
	size_t n;
	int other;	/* name[n - 1] is "other" */
};

static void series_free(struct series *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->name[i]);
}

static size_t series_index(const struct series *s, const char *name)
{
	for (size_t i = 0; i < s->n - (size_t)s->other; i++)
		if (strcmp(s->name[i], name) == 0)
			return i;
	return s->n - 1;	/* "other" */
}

/* The bucket's label: "2026-12-07" for a day, "12-07 14:00" for an hour,
 * "week of 2026-12-01" for a week. */
static void bucket_label(const struct range *r, long long t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	const char *fmt = r->grain == ROLLUP_WEEK ? "week of %Y-%m-%d" : r->grain == ROLLUP_DAY ? "%Y-%m-%d" : "%m-%d %H:00";
	if (!gmtime_r(&tt, &tm) || !strftime(out, n, fmt, &tm))
		snprintf(out, n, "%lld", t);
}

static void charts(struct page *pg, const struct dashboard_view *v)
{
	const char *key = v->by_model ? "provider || '/' || model" : "provider";
	struct buf sql = BUF_INIT;
	struct series s = { .n = 0 };
	size_t nx = (size_t)pg->r->n;
	double *val = NULL;
	char(*labels)[24] = calloc(nx, sizeof *labels);
	const char **xs = calloc(nx, sizeof *xs);
	if (!labels || !xs || buf_printf(&sql, "SELECT %s, sum(input_tokens + output_tokens + cache_read_tokens"
					    " + cache_write_tokens) FROM usage_rollup WHERE grain = ?1 AND t >= ?2"
					    " GROUP BY 1 ORDER BY 2 DESC, 1", key) < 0)
		pg->bad = 1;
	sqlite3_stmt *st = pg_query(pg, sql.p);
	int rc = SQLITE_DONE;
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (s.n == SVG_SERIES_MAX - 1 && !s.other) {
			if (!(s.name[s.n++] = strdup("other")))
				pg->bad = 1;
			s.other = 1;
		}
		if (!s.other && !(s.name[s.n++] = strdup(pg_col(st, 0))))
			pg->bad = 1;
	}
	pg_done(pg, st, rc);
	/* three charts of ns x nx values each */
	size_t ns = s.n ? s.n : 1;
	if (!pg->bad && !(val = calloc(3 * ns * nx, sizeof *val)))
		pg->bad = 1;
	buf_reset(&sql);
	if (!pg->bad && buf_printf(&sql, "SELECT t, %s, sum(attempts - n_fallback),"
				     " sum(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens), sum(cost)"
				     " FROM usage_rollup WHERE grain = ?1 AND t >= ?2 GROUP BY 1, 2", key) < 0)
		pg->bad = 1;
	st = pg_query(pg, sql.p);
	while (st && s.n && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long x = (sqlite3_column_int64(st, 0) - pg->start) / pg->r->grain;
		if (x < 0 || x >= (long long)nx)
			continue;
		size_t i = series_index(&s, pg_col(st, 1));
		for (int m = 0; m < 3; m++)
			val[(size_t)m * ns * nx + i * nx + (size_t)x] += sqlite3_column_double(st, 2 + m);
	}
	pg_done(pg, st, st && s.n ? rc : SQLITE_DONE);
	for (size_t x = 0; !pg->bad && x < nx; x++) {
		bucket_label(pg->r, pg->start + (long long)x * pg->r->grain, labels[x], sizeof labels[x]);
		xs[x] = labels[x];
	}
	static const char *const names[] = { "requests", "tokens", "cost" }, *const units[] = { "requests", "tokens", "USD" };
	for (int m = 0; m < 3 && !pg->bad; m++) {
		struct svg_stack c = { .label = names[m], .unit = units[m], .nx = nx, .ns = s.n, .x = xs,
				       .series = (const char *const *)s.name, .v = val + (size_t)m * ns * nx };
		pg_printf(pg, "<section class=\"chart\" id=\"chart-%s\"><h2>%s <small>%s, UTC</small></h2>", names[m],
			  names[m], pg->r->title);
		if (!pg->bad && svg_stacked(pg->out, &c) < 0)
			pg->bad = 1;
		pg_put(pg, "<ul class=\"legend\">");
		for (size_t i = 0; i < s.n; i++) {
			pg_printf(pg, "<li><i class=\"s%zu\"></i>", i);
			pg_text(pg, s.name[i]);
			pg_put(pg, "</li>");
		}
		pg_put(pg, s.n ? "</ul></section>" : "<li>no requests in this period</li></ul></section>");
	}
	series_free(&s);
	free(val);
	free(labels);
	free(xs);
	buf_free(&sql);
}

static void combos(struct page *pg)
{
	sqlite3_stmt *st = pg_query(pg, "SELECT combo, provider || '/' || model, sum(n_ok), sum(n_fallback)"
				  " FROM usage_rollup WHERE grain = ?1 AND t >= ?2 AND combo <> ''"
				  " GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2");
	pg_put(pg, "<section id=\"combos\"><h2>combos <small>which target answered, which fell back</small></h2>"
		   "<table><thead><tr><th>combo</th><th>target</th><th class=\"n\">answered</th>"
		   "<th class=\"n\">fell back</th></tr></thead><tbody>");
	int rc = SQLITE_DONE, rows = 0;
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		pg_put(pg, "<tr><td>");
		pg_text(pg, pg_col(st, 0));
		pg_put(pg, "</td><td>");
		pg_text(pg, pg_col(st, 1));
		pg_printf(pg, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td></tr>",
			  (long long)sqlite3_column_int64(st, 2), (long long)sqlite3_column_int64(st, 3));
		rows++;
	}
	pg_done(pg, st, rc);
	pg_put(pg, rows ? "</tbody></table></section>"
			: "<tr><td colspan=\"4\">no combo was asked for in this period</td></tr></tbody></table></section>");
}

/* The q-quantile from cumulative bucket counts (linear within a bucket, as
 * Prometheus's histogram_quantile); INFINITY when past the last bound. */
static double quantile(double q, const double *cum, double n)
{
	double rank = q * n, prev = 0;
	for (int i = 0; i < ROLLUP_NBUCKETS; i++) {
		if (cum[i] >= rank && cum[i] > prev) {
			double lo = i ? rollup_bucket_s[i - 1] : 0;
			return lo + (rollup_bucket_s[i] - lo) * (rank - prev) / (cum[i] - prev);
		}
		prev = cum[i];
	}
	return INFINITY;
}

static void latency(struct page *pg)
{
	sqlite3_stmt *st = pg_query(pg, "SELECT provider, sum(lat_n), sum(lat_sum_ms), sum(l0), sum(l1), sum(l2),"
				  " sum(l3), sum(l4), sum(l5), sum(l6), sum(l7), sum(l8), sum(l9), sum(l10)"
				  " FROM usage_rollup WHERE grain = ?1 AND t >= ?2 GROUP BY 1 HAVING sum(lat_n) > 0 ORDER BY 1");
	pg_put(pg, "<section id=\"latency\"><h2>latency <small>of upstream attempts; percentiles estimated from"
		   " buckets</small></h2><table><thead><tr><th>provider</th><th class=\"n\">attempts</th>"
		   "<th class=\"n\">mean</th><th class=\"n\">p50</th><th class=\"n\">p90</th><th class=\"n\">p99</th>"
		   "</tr></thead><tbody>");
	int rc = SQLITE_DONE;
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		double n = sqlite3_column_double(st, 1), cum[ROLLUP_NBUCKETS];
		for (int i = 0; i < ROLLUP_NBUCKETS; i++)
			cum[i] = sqlite3_column_double(st, 3 + i);
		pg_put(pg, "<tr><td>");
		pg_text(pg, pg_col(st, 0));
		pg_printf(pg, "</td><td class=\"n\">%.0f</td><td class=\"n\">", n);
		pg_seconds(pg, sqlite3_column_double(st, 2) / 1000 / n);
		static const double qs[] = { 0.5, 0.9, 0.99 };
		for (int i = 0; i < 3; i++) {
			pg_put(pg, "</td><td class=\"n\">");
			pg_seconds(pg, quantile(qs[i], cum, n));
		}
		pg_put(pg, "</td></tr>");
	}
	pg_done(pg, st, rc);
	pg_put(pg, "</tbody></table></section>");
}

static void errors(struct page *pg)
{
	sqlite3_stmt *st = pg_query(pg, "SELECT sum(c_rate_limit), sum(c_quota), sum(c_auth), sum(c_upstream_error),"
				  " sum(c_timeout), sum(c_unreachable), sum(c_cut), sum(c_refused), sum(c_bad_answer),"
				  " sum(n_client_gone) FROM usage_rollup WHERE grain = ?1 AND t >= ?2");
	const char *names[ROLLUP_NCLASSES + 1];
	double v[ROLLUP_NCLASSES + 1];
	size_t n = 0;
	int rc = st ? sqlite3_step(st) : SQLITE_DONE;
	/* the classes seen, the most frequent first (a few: a plain insertion) */
	for (int i = 0; rc == SQLITE_ROW && i <= ROLLUP_NCLASSES; i++) {
		double x = sqlite3_column_double(st, i);
		if (x <= 0)
			continue;
		size_t k = n++;
		for (; k > 0 && v[k - 1] < x; k--)
			names[k] = names[k - 1], v[k] = v[k - 1];
		names[k] = i < ROLLUP_NCLASSES ? rollup_classes[i] : "client_gone";
		v[k] = x;
	}
	if (rc == SQLITE_ROW)
		rc = sqlite3_step(st);
	pg_done(pg, st, rc);
	pg_put(pg, "<section id=\"errors\"><h2>failed attempts <small>by class</small></h2>");
	if (n && !pg->bad && svg_hbars(pg->out, "failed attempts by class", names, v, n, "attempts") < 0)
		pg->bad = 1;
	pg_put(pg, n ? "</section>" : "<p>none in this period</p></section>");
}

static void recent(struct page *pg)
{
	sqlite3_stmt *st = NULL;
	if (!pg->bad && sqlite3_prepare_v2(pg->db, "SELECT ts, client_key, requested, combo, provider || '/' || model,"
				       " account, status, outcome, latency_ms,"
				       " coalesce(input_tokens, 0) + coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0),"
				       " coalesce(output_tokens, 0), coalesce(cost, 0) FROM usage ORDER BY id DESC LIMIT ?1",
				       -1, &st, NULL) != SQLITE_OK) {
		buf_printf(pg->why, "%s", sqlite3_errmsg(pg->db));
		pg->bad = 1;
	}
	if (st)
		sqlite3_bind_int(st, 1, DASHBOARD_RECENT);
	pg_printf(pg, "<section id=\"recent\"><h2>last %d attempts <small>UTC; names and numbers only</small></h2>"
		      "<table><thead><tr><th>time</th><th>key</th><th>asked for</th><th>combo</th><th>target</th><th>account</th>"
		      "<th class=\"n\">status</th><th>outcome</th><th class=\"n\">latency</th><th class=\"n\">in</th>"
		      "<th class=\"n\">out</th><th class=\"n\">cost</th></tr></thead><tbody>", DASHBOARD_RECENT);
	int rc = SQLITE_DONE;
	while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char when[32];
		time_t t = (time_t)sqlite3_column_double(st, 0);
		struct tm tm;
		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm))
			strcpy(when, "?");
		pg_printf(pg, "<tr><td>%s</td>", when);
		for (int i = 1; i <= 5; i++) {
			pg_put(pg, "<td>");
			pg_text(pg, i == 3 && sqlite3_column_type(st, 3) == SQLITE_NULL ? "" : pg_col(st, i));
			pg_put(pg, "</td>");
		}
		const char *outcome = pg_col(st, 7);
		pg_printf(pg, "<td class=\"n\">%d</td><td><span class=\"outcome %s\">", sqlite3_column_int(st, 6),
			  strcmp(outcome, "ok") == 0 ? "ok" : "bad");
		pg_text(pg, outcome);
		pg_put(pg, "</span></td><td class=\"n\">");
		if (sqlite3_column_type(st, 8) != SQLITE_NULL)
			pg_seconds(pg, sqlite3_column_double(st, 8) / 1000);
		pg_put(pg, "</td><td class=\"n\">");
		pg_count(pg, sqlite3_column_double(st, 9));
		pg_put(pg, "</td><td class=\"n\">");
		pg_count(pg, sqlite3_column_double(st, 10));
		pg_put(pg, "</td><td class=\"n\">");
		pg_usd(pg, sqlite3_column_double(st, 11));
		pg_put(pg, "</td></tr>");
	}
	pg_done(pg, st, rc);
	pg_put(pg, "</tbody></table></section>");
}

int dashboard_page(sqlite3 *db, double now, const struct dashboard_view *v, const char *csrf, const char *who,
		   struct buf *out, struct buf *why)
{
	struct page pg = { .db = db, .out = out, .why = why, .r = &ranges[v->range], .now = now };
	long long off = pg.r->grain == ROLLUP_WEEK ? ROLLUP_WEEK_OFFSET : 0;
	long long last = ((long long)now - off) / pg.r->grain * pg.r->grain + off;	/* this hour, day or week */
	pg.start = last - (long long)(pg.r->n - 1) * pg.r->grain;
	(void)rollup_update(db);	/* else the sums as of the last update */
	header(&pg, v, csrf, who);
	dashboard_accounts(&pg);	/* what is about to run out first; they read in transactions of their own */
	dashboard_quota(&pg);
	/* the sums and the last rows from one snapshot */
	if (nr_db_begin_read(db) < 0) {
		buf_printf(why, "%s", sqlite3_errmsg(db));
		return -1;
	}
	long long behind = rollup_behind(db);
	if (behind > 0)	/* a million rows from before the sums take a few views (rollup.h) */
		pg_printf(&pg, "<p class=\"behind\" id=\"behind\">The sums are catching up with the usage rows:"
			       " %lld rows still to add, at each view; the figures below leave them out.</p>", behind);
	totals(&pg);
	charts(&pg, v);
	dashboard_caveman(&pg);
	combos(&pg);
	latency(&pg);
	errors(&pg);
	recent(&pg);
	if (nr_db_commit(db) < 0)
		nr_db_rollback(db);
	char when[32];
	time_t t = (time_t)now;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm))
		strcpy(when, "?");
	pg_printf(&pg, "</main><footer>drawn at <time id=\"drawn\">%s</time> UTC from the usage rows up to"
		       " row %lld; <a href=\"/metrics\">/metrics</a> for Prometheus</footer></body></html>",
		  when, rollup_mark(db));
	if (pg.bad && !why->len)
		buf_puts(why, "out of memory");
	return pg.bad ? -1 : 0;
}
