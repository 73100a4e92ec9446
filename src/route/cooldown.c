/* cooldown: rest periods and rotation in SQLite, and the upstreams' retry
 * hints (see cooldown.h). */
#include "route/cooldown.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "db.h"

double nr_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void nr_cooldown_read(sqlite3 *db, const char *const *scopes, size_t n, struct nr_cooling *c)
{
	for (size_t i = 0; i < n; i++)
		c[i].left = 0;
	sqlite3_stmt *st;
	if (!db || n == 0 || !(st = nr_db_prepare(db, "SELECT until, reason FROM cooldowns WHERE scope = ? AND until > ?")))
		return;
	double now = nr_now();
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_text(st, 1, scopes[i], -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 2, now);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *r = sqlite3_column_text(st, 1);
			c[i].left = sqlite3_column_double(st, 0) - now;
			buf_reset(&c[i].reason);
			if (buf_puts(&c[i].reason, r ? (const char *)r : "cooling down") < 0)
				buf_reset(&c[i].reason);
		}
		sqlite3_reset(st);
	}
	nr_db_done(st);
}

/* A request-path write is best-effort: skipped in the back-off after the lock
 * was found held, never waiting past NR_DB_QUICK_MS; what is lost is said
 * once per process. The statement's step result; SQLITE_BUSY when skipped. */
static int try_step(sqlite3 *db, sqlite3_stmt *st, int *said, const char *lost)
{
	int tried = nr_db_may_write();
	int rc = tried ? sqlite3_step(st) : SQLITE_BUSY;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		if (tried)
			nr_db_write_failed(db);
		if (!*said) {
			*said = 1;
			fprintf(stderr, "nr-route: %s (%s)\n", lost, rc == SQLITE_BUSY ? "database is locked" : sqlite3_errmsg(db));
		}
	}
	return rc;
}

int nr_cooldown_set(sqlite3 *db, const char *scope, double seconds, const char *reason)
{
	static int said;
	if (!db || seconds <= 0)
		return 0;
	if (seconds > NR_COOLDOWN_MAX_S)
		seconds = NR_COOLDOWN_MAX_S;
	sqlite3_stmt *st;
	if (!(st = nr_db_prepare(db, "INSERT INTO cooldowns VALUES (?1, ?2, ?3) ON CONFLICT(scope) DO UPDATE"
			       " SET reason = iif(excluded.until > until, excluded.reason, reason),"
			       " until = max(until, excluded.until)")))
		return -1;
	sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, nr_now() + seconds);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	int rc = try_step(db, st, &said, "cooldown not recorded; it is set again on the next failure") == SQLITE_DONE ? 0 : -1;
	nr_db_done(st);
	return rc;
}

long nr_rotation_next(sqlite3 *db, const char *provider)
{
	static int said;
	long v = -1;
	sqlite3_stmt *st;
	/* one statement: atomic without an explicit transaction */
	if (db && (st = nr_db_prepare(db, "INSERT INTO rotation VALUES (?, 1) ON CONFLICT(provider)"
				       " DO UPDATE SET next = next + 1 RETURNING next - 1"))) {
		sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
		if (try_step(db, st, &said, "rotation step not recorded; starting at a random account") == SQLITE_ROW)
			v = (long)sqlite3_column_int64(st, 0);
		nr_db_done(st);
	}
	/* no shared counter: a random start still spreads the load */
	return v >= 0 ? v : (long)(arc4random() & 0x7fffffff);
}

int nr_header_get(const char *headers, const char *name, struct buf *out)
{
	size_t nl = strlen(name);
	for (const char *p = headers; p && *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (v < p + len && isspace((unsigned char)*v))
				v++;
			size_t vl = (size_t)(p + len - v);
			while (vl && isspace((unsigned char)v[vl - 1]))
				vl--;
			buf_reset(out);
			return buf_append(out, v, vl) == 0;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

/* "6m0s", "1.5s", "20ms", "1h2m", "37s", or a bare number of seconds. */
static double parse_duration(const char *s)
{
	double total = 0;
	int any = 0;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		if (end == s || v < 0)
			return -1;
		s = end;
		if (strncmp(s, "ms", 2) == 0)
			v /= 1000, s += 2;
		else if (*s == 'h')
			v *= 3600, s++;
		else if (*s == 'm')
			v *= 60, s++;
		else if (*s == 's')
			s++;
		else if (*s)
			return -1;
		total += v;
		any = 1;
	}
	return any ? total : -1;
}

/* RFC 3339 "2026-11-26T01:02:03Z" (fractions and offsets tolerated). */
static double parse_rfc3339(const char *s, double now)
{
	struct tm tm = { 0 };
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return -1;
	double t = (double)timegm(&tm);
	if (*rest == '.')
		t += strtod(rest, NULL);
	return t - now;
}

/* A reset header: a duration (openai) or a timestamp (anthropic). */
static double reset_seconds(const char *v, double now)
{
	double d = parse_duration(v);
	return d >= 0 ? d : parse_rfc3339(v, now);
}

static double hint_from_resets(const char *headers, double now)
{
	static const char *const pairs[][2] = {
		{ "anthropic-ratelimit-requests-remaining", "anthropic-ratelimit-requests-reset" },
		{ "anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-tokens-reset" },
		{ "anthropic-ratelimit-input-tokens-remaining", "anthropic-ratelimit-input-tokens-reset" },
		{ "anthropic-ratelimit-output-tokens-remaining", "anthropic-ratelimit-output-tokens-reset" },
		{ "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests" },
		{ "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens" },
	};
	struct buf v = BUF_INIT;
	double exhausted = -1, any = -1;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		if (!nr_header_get(headers, pairs[i][1], &v))
			continue;
		double s = reset_seconds(v.p, now);
		if (s < 0)
			continue;
		any = s > any ? s : any;
		if (nr_header_get(headers, pairs[i][0], &v) && strcmp(v.p, "0") == 0)
			exhausted = s > exhausted ? s : exhausted;
	}
	buf_free(&v);
	return exhausted >= 0 ? exhausted : any;
}

double nr_retry_hint(const char *headers, const char *body)
{
	struct buf v = BUF_INIT;
	double now = nr_now(), hint = -1;
	if (nr_header_get(headers, "retry-after-ms", &v))
		hint = strtod(v.p, NULL) / 1000.0;
	else if (nr_header_get(headers, "retry-after", &v)) {
		hint = parse_duration(v.p);
		if (hint < 0) {
			time_t t = curl_getdate(v.p, NULL);
			hint = t > 0 ? (double)t - now : -1;
		}
	}
	buf_free(&v);
	if (hint < 0)
		hint = hint_from_resets(headers, now);
	const char *rd = body ? strstr(body, "\"retryDelay\"") : NULL;
	if (hint < 0 && rd) {	/* gemini: "retryDelay": "37s" */
		const char *q = strchr(rd + 12, '"');
		const char *e = q ? strchr(q + 1, '"') : NULL;
		if (q && e && e - q < 32) {
			char d[32];
			memcpy(d, q + 1, (size_t)(e - q - 1));
			d[e - q - 1] = '\0';
			hint = parse_duration(d);
		}
	}
	/* the Codex backend's usage_limit_reached: "resets_at" (unix seconds), or
	 * "resets_in_seconds" in older builds */
	const char *ra = body && hint < 0 ? strstr(body, "\"resets_at\"") : NULL;
	const char *ri = body && hint < 0 ? strstr(body, "\"resets_in_seconds\"") : NULL;
	if (ra && (ra = strchr(ra + 11, ':'))) {
		double t = strtod(ra + 1, NULL);
		hint = t > now ? t - now : -1;
	}
	if (hint < 0 && ri && (ri = strchr(ri + 19, ':')))
		hint = strtod(ri + 1, NULL);
	return hint < 0 ? -1 : hint;
}
