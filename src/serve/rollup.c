/* rollup: keeps usage_rollup up to date with the usage rows (rollup.h). */
#include "serve/rollup.h"

#include "admin/status.h"
#include "db.h"

const double rollup_bucket_s[ROLLUP_NBUCKETS] = { 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300 };

/* The rows ?2 < id <= ?3 added to the sums of grain ?1. The bucket bounds
 * are rollup_bucket_s in milliseconds. */
#define SUM(c) "coalesce(sum(" c "), 0)"
#define LE(ms) SUM("latency_ms <= " #ms)
static const char add_sql[] =
	"INSERT INTO usage_rollup SELECT ?1, CASE WHEN ?1 > 0 THEN CAST(ts / ?1 AS INTEGER) * ?1 ELSE 0 END,"
	" provider, model, coalesce(combo, ''), outcome,"
	" CASE outcome WHEN 'ok' THEN '' WHEN 'client_gone' THEN 'client_gone'"
	"  ELSE nr_failure_class(status, outcome, coalesce(reason, '')) END,"
	" count(*), " SUM("input_tokens") ", " SUM("output_tokens") ", " SUM("cache_read_tokens") ","
	" " SUM("cache_write_tokens") ", " SUM("cost") ", " SUM("rtk_saved_tokens") ","
	" " SUM("rtk_saved_bytes") ", " SUM("rtk_saved_cost") ", count(latency_ms), " SUM("latency_ms") ","
	" " LE(100) ", " LE(250) ", " LE(500) ", " LE(1000) ", " LE(2500) ", " LE(5000) ", " LE(10000) ","
	" " LE(30000) ", " LE(60000) ", " LE(120000) ", " LE(300000)
	" FROM usage WHERE id > ?2 AND id <= ?3 GROUP BY 2, 3, 4, 5, 6, 7"
	" ON CONFLICT DO UPDATE SET attempts = attempts + excluded.attempts,"
	" input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,"
	" cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,"
	" cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens, cost = cost + excluded.cost,"
	" rtk_saved_tokens = rtk_saved_tokens + excluded.rtk_saved_tokens,"
	" rtk_saved_bytes = rtk_saved_bytes + excluded.rtk_saved_bytes,"
	" rtk_saved_cost = rtk_saved_cost + excluded.rtk_saved_cost,"
	" lat_n = lat_n + excluded.lat_n, lat_sum_ms = lat_sum_ms + excluded.lat_sum_ms,"
	" l0 = l0 + excluded.l0, l1 = l1 + excluded.l1, l2 = l2 + excluded.l2, l3 = l3 + excluded.l3,"
	" l4 = l4 + excluded.l4, l5 = l5 + excluded.l5, l6 = l6 + excluded.l6, l7 = l7 + excluded.l7,"
	" l8 = l8 + excluded.l8, l9 = l9 + excluded.l9, l10 = l10 + excluded.l10";

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

/* Rows (from, to] into the three grains and the mark moved to `to`; in the
 * caller's transaction. 0 or -1. */
static int add_rows(sqlite3 *db, long long from, long long to)
{
	static const int grains[] = { ROLLUP_HOUR, ROLLUP_DAY, ROLLUP_ALL };
	for (size_t i = 0; i < sizeof grains / sizeof grains[0]; i++) {
		sqlite3_stmt *st = nr_db_prepare(db, add_sql);
		if (!st)
			return -1;
		sqlite3_bind_int(st, 1, grains[i]);
		sqlite3_bind_int64(st, 2, from);
		sqlite3_bind_int64(st, 3, to);
		int rc = sqlite3_step(st);
		nr_db_done(st);
		if (rc != SQLITE_DONE)
			return -1;
	}
	sqlite3_stmt *st = nr_db_prepare(db, "INSERT OR REPLACE INTO settings VALUES ('usage_rollup_id', ?1)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, to);
	int rc = sqlite3_step(st);
	nr_db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int rollup_update(sqlite3 *db)
{
	/* on every call: the connection may be a new one (nr_db_shared reopens) */
	if (sqlite3_create_function(db, "nr_failure_class", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
				    failure_class_fn, NULL, NULL) != SQLITE_OK)
		return -1;
	for (;;) {
		/* cheap checks first, outside a write lock: nothing new is the common case */
		long long mark = rollup_mark(db), last = one_int(db, "SELECT coalesce(max(id), 0) FROM usage");
		if (mark < 0 || last < 0)
			return -1;
		if (last <= mark)
			return 0;
		if (!nr_db_may_write() || nr_db_begin(db) < 0)
			return -1;
		/* again under the lock: another process may have added them */
		mark = rollup_mark(db);
		long long to = last - mark > ROLLUP_CHUNK ? mark + ROLLUP_CHUNK : last;
		if (mark < 0 || (mark < to && add_rows(db, mark, to) < 0) || nr_db_commit(db) < 0) {
			nr_db_rollback(db);
			nr_db_write_failed(db);
			return -1;
		}
	}
}
