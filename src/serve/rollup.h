/* rollup: the usage rows added up per hour, per UTC day and for all time
 * (the usage_rollup table, db.c's migration 10), for the dashboard and
 * /metrics: a year of rows is a million, its sums a few thousand. The sums
 * are kept by their readers, not by the request path: each read first adds
 * the rows written since the last one (above the id in settings), so that a
 * request pays nothing for them. A row's class is nr status's
 * (status_failure_class): "" for an answer, client_gone for a client that
 * left, else the failure's. */
#ifndef NR_SERVE_ROLLUP_H
#define NR_SERVE_ROLLUP_H

#include <sqlite3.h>

#define ROLLUP_HOUR 3600
#define ROLLUP_DAY 86400
#define ROLLUP_ALL 0

/* The latency buckets' upper bounds (seconds), l0 … l10 in the table: each
 * counts the attempts at most that long (cumulative, as Prometheus's le). */
#define ROLLUP_NBUCKETS 11
extern const double rollup_bucket_s[ROLLUP_NBUCKETS];

/* Adds the rows written since the last call, in transactions of at most
 * ROLLUP_CHUNK rows (a writer waits for one chunk at most). 0; -1 when the
 * database refused (locked, read-only: the sums are then as of the last
 * update; the caller reads them anyway). */
#define ROLLUP_CHUNK 50000
int rollup_update(sqlite3 *db);

/* The id of the last row the sums include (0 when none); -1 on error. */
long long rollup_mark(sqlite3 *db);

#endif
