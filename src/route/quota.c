/* quota: quota windows from answer headers, into SQLite (see quota.h). */
#include "route/quota.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "route/cooldown.h"

/* A number header, or -1 when absent or not a number. */
static double number(const char *headers, const char *name)
{
	struct buf v = BUF_INIT;
	double d = -1;
	if (nr_header_get(headers, name, &v) && v.p && *v.p) {
		char *end;
		double x = strtod(v.p, &end);
		if (*end == '\0' && x >= 0)
			d = x;
	}
	buf_free(&v);
	return d;
}

/* A reset time: unix seconds, or RFC 3339 (which some proxies rewrite it to). */
static double reset_at(const char *headers, const char *name)
{
	double t = number(headers, name);
	if (t >= 0)
		return t;
	struct buf v = BUF_INIT;
	struct tm tm = { 0 };
	if (nr_header_get(headers, name, &v) && v.p && strptime(v.p, "%Y-%m-%dT%H:%M:%S", &tm))
		t = (double)timegm(&tm);
	buf_free(&v);
	return t;
}

static size_t add(struct nr_window *w, size_t n, const char *name, double used, long minutes, double at,
		  int rejected)
{
	if (n >= NR_WINDOWS_MAX || (used < 0 && at < 0 && !rejected))
		return n;
	w[n] = (struct nr_window){ .used = used > 100 ? 100 : used, .minutes = minutes, .resets_at = at,
				   .exhausted = rejected || used >= 100 };
	snprintf(w[n].name, sizeof w[n].name, "%s", name);
	return n + 1;
}

size_t nr_quota_windows(const char *headers, double now, struct nr_window *w)
{
	char h[96];
	size_t n = 0;
	/* this runs on every answer: most carry neither family, and then one scan
	 * each says so instead of a dozen header lookups */
	if (!headers || (!strstr(headers, "x-codex-") && !strstr(headers, "anthropic-ratelimit-unified-")))
		return 0;
	/* Codex: x-codex-primary-used-percent: 12.5, -window-minutes: 300, -reset-at: unix s */
	static const char *const codex[] = { "primary", "secondary" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(h, sizeof h, "x-codex-%s-used-percent", codex[i]);
		double used = number(headers, h);
		snprintf(h, sizeof h, "x-codex-%s-window-minutes", codex[i]);
		double minutes = number(headers, h);
		snprintf(h, sizeof h, "x-codex-%s-reset-at", codex[i]);
		double at = reset_at(headers, h);
		if (at < 0) {
			snprintf(h, sizeof h, "x-codex-%s-reset-after-seconds", codex[i]);
			double after = number(headers, h);
			at = after >= 0 ? now + after : -1;
		}
		n = add(w, n, codex[i], used, minutes >= 0 ? (long)minutes : -1, at, 0);
	}
	/* Anthropic: anthropic-ratelimit-unified-5h-utilization: 0.42 (a fraction),
	 * -5h-reset: unix s, -5h-status: allowed | rejected */
	static const char *const unified[][2] = { { "5h", "300" }, { "7d", "10080" } };
	for (size_t i = 0; i < 2; i++) {
		snprintf(h, sizeof h, "anthropic-ratelimit-unified-%s-utilization", unified[i][0]);
		double used = number(headers, h);
		snprintf(h, sizeof h, "anthropic-ratelimit-unified-%s-reset", unified[i][0]);
		double at = reset_at(headers, h);
		snprintf(h, sizeof h, "anthropic-ratelimit-unified-%s-status", unified[i][0]);
		struct buf st = BUF_INIT;
		int rejected = nr_header_get(headers, h, &st) && st.p && strcmp(st.p, "rejected") == 0;
		buf_free(&st);
		n = add(w, n, unified[i][0], used >= 0 ? used * 100 : -1, atol(unified[i][1]), at, rejected);
	}
	return n;
}

double nr_quota_record(sqlite3 *db, const char *provider, const char *account, const struct nr_window *w,
		       size_t n, struct buf *why)
{
	static int said;
	double now = nr_now(), rest = 0;
	const struct nr_window *last = NULL;
	for (size_t i = 0; i < n; i++)
		if (w[i].exhausted && w[i].resets_at - now > rest) {
			rest = w[i].resets_at - now;
			last = &w[i];
		}
	sqlite3_stmt *st;
	if (db && n && nr_db_may_write() &&
	    (st = nr_db_prepare(db, "INSERT INTO quota_windows VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
				    " ON CONFLICT(provider, account, name) DO UPDATE SET used = ?4, minutes = ?5,"
				    " resets_at = ?6, exhausted = ?7, seen = ?8"))) {
		int ok = 1;
		for (size_t i = 0; i < n && ok; i++) {
			sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, w[i].name, -1, SQLITE_STATIC);
			if (w[i].used >= 0)
				sqlite3_bind_double(st, 4, w[i].used);
			else
				sqlite3_bind_null(st, 4);
			if (w[i].minutes >= 0)
				sqlite3_bind_int64(st, 5, w[i].minutes);
			else
				sqlite3_bind_null(st, 5);
			if (w[i].resets_at >= 0)
				sqlite3_bind_double(st, 6, w[i].resets_at);
			else
				sqlite3_bind_null(st, 6);
			sqlite3_bind_int(st, 7, w[i].exhausted);
			sqlite3_bind_double(st, 8, now);
			ok = sqlite3_step(st) == SQLITE_DONE;
			sqlite3_reset(st);
		}
		nr_db_done(st);
		if (!ok) {
			nr_db_write_failed(db);
			if (!said++)
				fprintf(stderr, "nr-route: quota windows not recorded (%s); read again from the next answer\n",
					sqlite3_errmsg(db));
		}
	}
	if (last) {
		buf_reset(why);
		buf_printf(why, "quota window %s exhausted (%.0f%% used), resets in %.0f s", last->name,
			   last->used >= 0 ? last->used : 100.0, rest);
		struct buf scope = BUF_INIT;
		if (buf_printf(&scope, "account %s %s", provider, account) == 0)
			nr_cooldown_set(db, scope.p, rest, why->p);
		buf_free(&scope);
	}
	return rest;
}
