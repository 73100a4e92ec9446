/* rollup: keeps usage_rollup up to date with the usage rows (rollup.h). */
#include "serve/rollup.h"

#include "admin/status.h"
#include "db.h"

const double rollup_bucket_s[ROLLUP_NBUCKETS] = { 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300 };

const char *const rollup_outcomes[ROLLUP_NOUTCOMES] = { "ok", "fallback", "error", "cut", "client_gone" };
const char *const rollup_classes[ROLLUP_NCLASSES] = { "rate_limit", "quota", "auth", "upstream_error", "timeout",
	"unreachable", "cut", "refused", "bad_answer" };

/* The rows ?1 < id <= ?2 added to the sums of the four grains, in one
 * statement: each row's class is found once (MATERIALIZED), then grouped per
 * grain (a week's from Monday: off). The column lists follow rollup_outcomes,
 * rollup_classes and rollup_bucket_s (in milliseconds). */
#define SUM(c) "coalesce(sum(" c "), 0)"
#define N(o) "sum(outcome = '" o "')"
#define C(c) "sum(cls = '" c "')"
#define LE(ms) SUM("latency_ms <= " #ms)
#define ADD(c) c " = " c " + excluded." c
/* caveman mode's sides: answers whose output tokens are known, with it on
 * (cm = 1) or off (cm = 0); a row that does not say is in neither */
#define CM(side, c) SUM("CASE WHEN cm = " side " THEN " c " END")
static const char add_sql[] =
	"WITH r AS MATERIALIZED (SELECT ts, provider, model, coalesce(combo, '') AS combo, outcome,"
	"  CASE WHEN outcome IN ('ok', 'client_gone') THEN ''"
	"   ELSE nr_failure_class(status, outcome, coalesce(reason, '')) END AS cls,"
	"  input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost, rtk_saved_tokens,"
	"  rtk_saved_bytes, rtk_saved_cost, latency_ms,"
	"  CASE WHEN outcome = 'ok' AND output_tokens IS NOT NULL THEN caveman END AS cm, output_cost"
	"  FROM usage WHERE id > ?1 AND id <= ?2),"
	" g(grain, off) AS (VALUES (3600, 0), (86400, 0), (604800, 345600), (0, 0))"
	" INSERT INTO usage_rollup SELECT grain,"
	" CASE WHEN grain > 0 THEN CAST((ts - off) / grain AS INTEGER) * grain + off ELSE 0 END,"
	" provider, model, combo, count(*),"
	" " N("ok") ", " N("fallback") ", " N("error") ", " N("cut") ", " N("client_gone") ","
	" " C("rate_limit") ", " C("quota") ", " C("auth") ", " C("upstream_error") ", " C("timeout") ","
	" " C("unreachable") ", " C("cut") ", " C("refused") ", " C("bad_answer") ","
	" " SUM("input_tokens") ", " SUM("output_tokens") ", " SUM("cache_read_tokens") ","
	" " SUM("cache_write_tokens") ", " SUM("cost") ", " SUM("rtk_saved_tokens") ","
	" " SUM("rtk_saved_bytes") ", " SUM("rtk_saved_cost") ", count(latency_ms), " SUM("latency_ms") ","
	" " LE(100) ", " LE(250) ", " LE(500) ", " LE(1000) ", " LE(2500) ", " LE(5000) ", " LE(10000) ","
	" " LE(30000) ", " LE(60000) ", " LE(120000) ", " LE(300000) ","
	" " CM("1", "1") ", " CM("1", "output_tokens") ", " CM("1", "output_cost") ", " CM("0", "1") ","
	" " CM("0", "output_tokens")
	" FROM r, g WHERE true GROUP BY 1, 2, 3, 4, 5"
	" ON CONFLICT DO UPDATE SET " ADD("attempts") ", " ADD("n_ok") ", " ADD("n_fallback") ", " ADD("n_error") ","
	" " ADD("n_cut") ", " ADD("n_client_gone") ", " ADD("c_rate_limit") ", " ADD("c_quota") ", " ADD("c_auth") ","
	" " ADD("c_upstream_error") ", " ADD("c_timeout") ", " ADD("c_unreachable") ", " ADD("c_cut") ","
	" " ADD("c_refused") ", " ADD("c_bad_answer") ", " ADD("input_tokens") ", " ADD("output_tokens") ","
	" " ADD("cache_read_tokens") ", " ADD("cache_write_tokens") ", " ADD("cost") ", " ADD("rtk_saved_tokens") ","
	" " ADD("rtk_saved_bytes") ", " ADD("rtk_saved_cost") ", " ADD("lat_n") ", " ADD("lat_sum_ms") ","
	" " ADD("l0") ", " ADD("l1") ", " ADD("l2") ", " ADD("l3") ", " ADD("l4") ", " ADD("l5") ", " ADD("l6") ","
	" " ADD("l7") ", " ADD("l8") ", " ADD("l9") ", " ADD("l10") ", " ADD("caveman_on_answers") ","
	" " ADD("caveman_on_output_tokens") ", " ADD("caveman_on_output_cost") ", " ADD("caveman_off_answers") ","
	" " ADD("caveman_off_output_tokens");

static void failure_class_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *outcome = (const char *)sqlite3_value_text(argv[1]);
	const char *reason = (const char *)sqlite3_value_text(argv[2]);
	sqlite3_result_text(ctx, status_failure_class(sqlite3_value_int(argv[0]), outcome ? outcome : "",
						      reason ? reason : ""), -1, SQLITE_STATIC);
}

/* One value of one kept statement; -1 on error. */
static long long one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = nr_db_prepare(db, sql);
	long long v = -1;
	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	nr_db_done(st);
	return v;
}

long long rollup_mark(sqlite3 *db)
{
	return one_int(db, "SELECT coalesce((SELECT CAST(value AS INTEGER) FROM settings"
			   " WHERE name = 'usage_rollup_id'), 0)");
}

long long rollup_behind(sqlite3 *db)
{
	long long mark = rollup_mark(db), last = one_int(db, "SELECT coalesce(max(id), 0) FROM usage");
	return mark < 0 || last < 0 ? -1 : last > mark ? last - mark : 0;
}

/* Rows (from, to] into the sums and the mark moved to `to`; in the
 * caller's transaction. 0 or -1. */
static int add_rows(sqlite3 *db, long long from, long long to)
{
	sqlite3_stmt *st = nr_db_prepare(db, add_sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	int rc = sqlite3_step(st);
	nr_db_done(st);
	if (rc != SQLITE_DONE)
		return -1;
	st = nr_db_prepare(db, "INSERT OR REPLACE INTO settings VALUES ('usage_rollup_id', ?1)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, to);
	rc = sqlite3_step(st);
	nr_db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The grains add_sql fills, as recorded with the sums: 1 when the table
 * holds these, 0 when others (an older nr's) or none, -1 on error. */
#define GRAINS "3600,86400,604800,0"
static int grains_same(sqlite3 *db)
{
	sqlite3_stmt *st = nr_db_prepare(db, "SELECT value = '" GRAINS "' FROM settings WHERE name = 'usage_rollup_grains'");
	if (!st)
		return -1;
	int rc = sqlite3_step(st), same = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	nr_db_done(st);
	return rc != SQLITE_ROW && rc != SQLITE_DONE ? -1 : same;
}

/* Sums of other grains are emptied, and the mark with them, in the caller's
 * transaction: they are made again from the rows. 0 or -1. */
static int check_grains(sqlite3 *db)
{
	int same = grains_same(db);
	if (same != 0)
		return same;
	char *err = NULL;
	int rc = sqlite3_exec(db, "DELETE FROM usage_rollup; DELETE FROM settings WHERE name = 'usage_rollup_id';"
			      " INSERT OR REPLACE INTO settings VALUES ('usage_rollup_grains', '" GRAINS "')",
			      NULL, NULL, &err);
	sqlite3_free(err);
	return rc == SQLITE_OK ? 0 : -1;
}

int rollup_update(sqlite3 *db)
{
	/* on every call: the connection may be a new one (nr_db_shared reopens) */
	if (sqlite3_create_function(db, "nr_failure_class", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				    failure_class_fn, NULL, NULL) != SQLITE_OK)
		return -1;
	for (long long done = 0; done < ROLLUP_PER_READ;) {
		/* cheap checks first, outside a write lock: nothing new is the common case */
		long long mark = rollup_mark(db), last = one_int(db, "SELECT coalesce(max(id), 0) FROM usage");
		int same = grains_same(db);
		if (mark < 0 || last < 0 || same < 0)
			return -1;
		if (last <= mark && same)
			return 0;
		if (!nr_db_may_write() || nr_db_begin(db) < 0)
			return -1;
		/* again under the lock: another process may have added them */
		if (check_grains(db) < 0) {
			nr_db_rollback(db);
			nr_db_write_failed(db);
			return -1;
		}
		mark = rollup_mark(db);
		long long to = last - mark > ROLLUP_CHUNK ? mark + ROLLUP_CHUNK : last;
		if (mark < 0 || (mark < to && add_rows(db, mark, to) < 0) || nr_db_commit(db) < 0) {
			nr_db_rollback(db);
			nr_db_write_failed(db);
			return -1;
		}
		done += to - mark;
	}
	return 0;
}
