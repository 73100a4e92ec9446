/* rollup: the usage rows added up per hour, per UTC day, per week (from
 * Monday) and for all time (the usage_rollup table, db.c's migration 11), for
 * the dashboard and /metrics: a year of rows is a million, its sums
 * a few thousand. The sums are kept by their readers, not by the request
 * path: each read first adds the rows written since the last one (above the
 * id in settings), so that a request pays nothing for them. A row of sums is
 * one target (provider, model) of one combo ('' for none) in one hour, day,
 * week or all time; the attempts' outcomes are its columns n_OUTCOME, and the
 * failed ones' classes (nr status's, status_failure_class) its columns
 * c_CLASS: an answer and a client that left have none. Caveman mode's two
 * sides are columns too (db.c's migration 13): the answers (outcome ok,
 * output tokens known) whose row says it was on, their output tokens and
 * their output's cost (caveman_on_*), and those whose row says it was off
 * (caveman_off_*). Which grains the
 * table holds is recorded in settings ('usage_rollup_grains'): sums of
 * other grains are dropped and made again from the rows. */
#ifndef NR_SERVE_ROLLUP_H
#define NR_SERVE_ROLLUP_H

#include <sqlite3.h>

#define ROLLUP_HOUR 3600
#define ROLLUP_DAY 86400
#define ROLLUP_WEEK (7 * 86400)	/* from Monday 00:00 UTC */
#define ROLLUP_WEEK_OFFSET (4 * 86400)	/* the epoch was a Thursday: Mondays are 4 days on */
#define ROLLUP_ALL 0

/* The latency buckets' upper bounds (seconds), l0 … l10 in the table: each
 * counts the attempts at most that long (cumulative, as Prometheus's le). */
#define ROLLUP_NBUCKETS 11
extern const double rollup_bucket_s[ROLLUP_NBUCKETS];

/* The outcomes and classes, in the order of their columns. */
#define ROLLUP_NOUTCOMES 5
extern const char *const rollup_outcomes[ROLLUP_NOUTCOMES];	/* ok fallback error cut client_gone */
#define ROLLUP_NCLASSES 9
extern const char *const rollup_classes[ROLLUP_NCLASSES];

/* Adds the rows written since the last call, in transactions of at most
 * ROLLUP_CHUNK rows, so that a usage writer waits for one chunk at most
 * (~0.1 s; its own wait is NR_DB_FLUSH_MS), and ROLLUP_PER_READ rows in all,
 * so that a page or a scrape after a million new rows (an upgrade) is not
 * held for their whole sum (~12 s): the next reads go on where it stopped.
 * 0; -1 when the database refused (locked, read-only): the sums are then as
 * of the last update, and the caller reads them anyway. */
#define ROLLUP_CHUNK 10000
#define ROLLUP_PER_READ 100000
int rollup_update(sqlite3 *db);

/* The id of the last row the sums include (0 when none); -1 on error. */
long long rollup_mark(sqlite3 *db);
/* How many usage rows (by id) the sums do not include yet; -1 on error. */
long long rollup_behind(sqlite3 *db);

#endif
