/* sync: copy the shared tables and the usage rows between the instance's
 * SQLite file and the team's PostgreSQL (see sync.h). */
#include "sync/sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route/usage.h"
#include "sync/local.h"
#include "sync/tables.h"

#define USAGE_BATCH 2000	/* usage rows a statement: bounded memory whatever the backlog */

static int local_fail(sqlite3 *db, struct buf *err)
{
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	if (!err->len)
		buf_printf(err, "sqlite: %s", sqlite3_errmsg(db));
	return -1;
}

static int pg_fail(PGconn *pg)
{
	if (PQtransactionStatus(pg) != PQTRANS_IDLE)
		PQclear(PQexec(pg, "ROLLBACK"));
	return -1;
}

int nr_sync_attach(sqlite3 *db, PGconn *pg, struct buf *err)
{
	if (nr_pg_migrate(pg, err) < 0 || sync_local_setup(db, err) < 0)
		return -1;
	/* a database not seen before: read all of it */
	PGresult *r = nr_pg_run(pg, "SELECT id FROM nr_meta", 0, NULL, err);
	if (!r)
		return -1;
	struct buf id = BUF_INIT, seen = BUF_INIT;
	int rc = -1;
	if (PQntuples(r) != 1) {
		buf_puts(err, "postgresql: nr_meta has no id");
		goto done;
	}
	if (buf_puts(&id, PQgetvalue(r, 0, 0)) < 0 || sync_local_get(db, "sync_db", &seen, err) < 0)
		goto done;
	rc = 0;
	if (!seen.p || strcmp(seen.p, id.p) != 0)
		rc = sync_local_exec(db, "BEGIN IMMEDIATE", err) < 0 || sync_local_set(db, "sync_db", id.p, err) < 0 ||
		     sync_local_set(db, "sync_mark", "0", err) < 0 || sync_local_exec(db, "COMMIT", err) < 0 ?
			     local_fail(db, err) : 0;
done:
	PQclear(r);
	buf_free(&id);
	buf_free(&seen);
	return rc;
}

/* The JSON text the local query gives (a json_group_array: never NULL). */
static int local_json(sqlite3 *db, const char *sql, long long n, struct buf *out, struct buf *err)
{
	return sync_local_text(db, sql, NULL, n, out, err) < 0 ? -1 : 0;
}

static int empty(const struct buf *b)
{
	return !b->p || strcmp(b->p, "[]") == 0;
}

/* Sends the shared rows the outbox names, up to its id `last`, in the
 * current PostgreSQL transaction. */
static int push_tables(sqlite3 *db, PGconn *pg, long long last, struct nr_sync_counts *n, struct buf *err)
{
	struct buf rows = BUF_INIT, gone = BUF_INIT;
	int rc = 0;
	for (int i = 0; rc == 0 && i < SYNC_NTABLES; i++) {
		const struct sync_table *t = &sync_tables_all[i];
		const char *p[1];
		rc = local_json(db, t->up_rows.p, last, &rows, err) | local_json(db, t->up_gone.p, last, &gone, err);
		if (rc == 0 && !empty(&rows)) {
			p[0] = rows.p;
			PGresult *r = nr_pg_run(pg, t->pg_put.p, 1, p, err);
			rc = r ? 0 : -1;
			if (r)
				n->up_rows += atol(PQcmdTuples(r));
			PQclear(r);
		}
		if (rc == 0 && !empty(&gone)) {
			p[0] = gone.p;
			rc = nr_pg_do(pg, t->pg_del.p, 1, p, err);
		}
	}
	buf_free(&rows);
	buf_free(&gone);
	return rc;
}

static const char USAGE_UP_SQL[] =
	"SELECT json_group_array(json_object('request', request, 'attempt', attempt, 'ts', ts, 'day', day,"
	" 'client_key', client_key, 'requested', requested, 'combo', combo, 'provider', provider, 'model', model,"
	" 'account', account, 'position', position, 'status', status, 'outcome', outcome, 'reason', reason,"
	" 'latency_ms', latency_ms, 'ttfb_ms', ttfb_ms, 'input_tokens', input_tokens, 'output_tokens', output_tokens,"
	" 'cache_read_tokens', cache_read_tokens, 'cache_write_tokens', cache_write_tokens, 'cost', cost,"
	" 'rtk_saved_bytes', rtk_saved_bytes, 'rtk_saved_tokens', rtk_saved_tokens, 'rtk_saved_cost', rtk_saved_cost,"
	" 'caveman', caveman, 'output_cost', output_cost))"
	" FILTER (WHERE id NOT IN (SELECT id FROM sync_pulled)), max(id), count(*)"
	" FROM (SELECT * FROM usage WHERE id > ?1 ORDER BY id LIMIT " "2000" ")";
_Static_assert(USAGE_BATCH == 2000, "USAGE_UP_SQL's LIMIT");

/* One batch of the usage rows above the sent mark; the local id of the last
 * into *top (unchanged when none). */
static int push_usage(sqlite3 *db, PGconn *pg, long long *top, int *more, struct nr_sync_counts *n,
		      struct buf *err)
{
	sqlite3_stmt *st = NULL;
	*more = 0;
	if (sqlite3_prepare_v2(db, USAGE_UP_SQL, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, *top) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		buf_printf(err, "sqlite: %s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	int rc = 0;
	long long count = sqlite3_column_int64(st, 2);
	if (count > 0) {
		struct buf q = BUF_INIT;
		const char *p[] = { (const char *)sqlite3_column_text(st, 0) };
		if (buf_printf(&q, "INSERT INTO usage (%s) SELECT %s FROM json_populate_recordset(NULL::usage, $1::json)"
				   " ON CONFLICT (request, attempt) DO NOTHING", sync_usage_cols, sync_usage_cols) < 0) {
			rc = -1;
			buf_puts(err, "out of memory");
		} else if (p[0] && strcmp(p[0], "[]") != 0) {
			PGresult *r = nr_pg_run(pg, q.p, 1, p, err);
			rc = r ? 0 : -1;
			if (r)
				n->up_usage += atol(PQcmdTuples(r));
			PQclear(r);
		}
		buf_free(&q);
		*top = sqlite3_column_int64(st, 1);
		*more = count == USAGE_BATCH;
	}
	sqlite3_finalize(st);
	return rc;
}

static int mark_sent(sqlite3 *db, long long outbox_last, long long usage_top, struct buf *err)
{
	char num[32];
	snprintf(num, sizeof num, "%lld", usage_top);
	sqlite3_stmt *st = NULL;
	if (sync_local_exec(db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (sqlite3_prepare_v2(db, "DELETE FROM sync_outbox WHERE id <= ?1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, outbox_last) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return local_fail(db, err);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "DELETE FROM sync_pulled WHERE id <= ?1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, usage_top) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return local_fail(db, err);
	}
	sqlite3_finalize(st);
	if (sync_local_set(db, "sync_usage_sent", num, err) < 0)
		return local_fail(db, err);
	return sync_local_exec(db, "COMMIT", err) < 0 ? local_fail(db, err) : 0;
}

/* PostgreSQL's transaction for a push: this instance's origin on its rows. */
static int pg_begin_as(sqlite3 *db, PGconn *pg, struct buf *err)
{
	struct buf origin = BUF_INIT;
	int rc = -1;
	if (sync_local_get(db, "sync_origin", &origin, err) > 0 && nr_pg_do(pg, "BEGIN", 0, NULL, err) == 0) {
		const char *p[] = { origin.p };
		rc = nr_pg_do(pg, "SELECT set_config('nr.origin', $1, true)", 1, p, err);
	} else if (!err->len) {
		buf_puts(err, "sync: this instance has no origin (nr db sync attaches it)");
	}
	buf_free(&origin);
	return rc;
}

int nr_sync_push(sqlite3 *db, PGconn *pg, struct nr_sync_counts *n, struct buf *err)
{
	struct buf v = BUF_INIT;
	long long last = 0, top = 0;
	int more = 1;
	if (sync_local_text(db, "SELECT max(id) FROM sync_outbox", NULL, 0, &v, err) < 0)
		goto fail;
	last = v.p ? atoll(v.p) : 0;
	if (sync_local_get(db, "sync_usage_sent", &v, err) < 0)
		goto fail;
	top = v.p ? atoll(v.p) : 0;
	if (sync_local_text(db, "SELECT max(id) FROM usage", NULL, 0, &v, err) < 0)
		goto fail;
	more = (v.p ? atoll(v.p) : 0) > top;
	for (int first = 1; last > 0 ? first || more : more; first = 0) {
		long long was = top;
		long before = n->up_rows + n->up_usage;
		if (pg_begin_as(db, pg, err) < 0 || (first && push_tables(db, pg, last, n, err) < 0) ||
		    push_usage(db, pg, &top, &more, n, err) < 0)
			goto pg_failed;
		/* the others read now, not at their next round */
		if (n->up_rows + n->up_usage > before && nr_pg_do(pg, "NOTIFY nr_change", 0, NULL, err) < 0)
			goto pg_failed;
		if (nr_pg_do(pg, "COMMIT", 0, NULL, err) < 0)
			goto pg_failed;
		/* sent: marked so here (a crash before this sends them again, and
		 * PostgreSQL keeps one of each) */
		if ((first && last > 0) || top != was)
			if (mark_sent(db, first ? last : 0, top, err) < 0)
				goto fail;
	}
	buf_free(&v);
	return 0;
pg_failed:
	pg_fail(pg);
fail:
	buf_free(&v);
	return -1;
}

/* Applies what changed in PostgreSQL's snapshot (the current transaction)
 * since mark: read first, then written here in one short transaction (the
 * request path's writes wait on it; they must not wait on the network): the
 * tables in order (keys before the sessions that name them), then the
 * tombstones. Triggers fired by these writes would send the rows back:
 * their outbox entries go before the COMMIT. */
static int pull_tables(sqlite3 *db, PGconn *pg, const char *mark, struct nr_sync_counts *n, struct buf *err)
{
	const char *p[] = { mark };
	PGresult *got[SYNC_NTABLES + 1];
	struct buf v = BUF_INIT;
	int rc = -1, nread = 0;
	for (; nread < SYNC_NTABLES + 1; nread++) {
		got[nread] = nr_pg_run(pg, nread < SYNC_NTABLES ? sync_tables_all[nread].pg_read.p :
			"SELECT coalesce(json_agg(json_build_array(tbl, k)), '[]') FROM nr_tombstones WHERE xid >= $1::xid8",
			1, p, err);
		if (!got[nread])
			goto free;
	}
	if (sync_local_exec(db, "BEGIN IMMEDIATE", err) < 0)
		goto free;
	if (sync_local_text(db, "SELECT coalesce(max(id), 0) FROM sync_outbox", NULL, 0, &v, err) < 0)
		goto done;
	long long outbox_top = v.p ? atoll(v.p) : 0;
	for (int i = 0; i < 2 * SYNC_NTABLES; i++) {
		int put = i < SYNC_NTABLES;
		const struct sync_table *t = &sync_tables_all[i % SYNC_NTABLES];
		const char *rows = PQgetvalue(got[put ? i : SYNC_NTABLES], 0, 0);
		if (strcmp(rows, "[]") == 0)
			continue;
		sqlite3_stmt *st = NULL;
		int ok = sqlite3_prepare_v2(db, put ? t->down_put.p : t->down_del.p, -1, &st, NULL) == SQLITE_OK &&
			 sqlite3_bind_text(st, 1, rows, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE;
		if (ok)
			*(put ? &n->down_rows : &n->down_deleted) += sqlite3_changes(db);
		sqlite3_finalize(st);
		if (!ok) {
			buf_printf(err, "sqlite: %s (%s)", sqlite3_errmsg(db), t->name);
			goto done;
		}
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "DELETE FROM sync_outbox WHERE id > ?1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 1, outbox_top) != SQLITE_OK || sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		goto done;
	}
	sqlite3_finalize(st);
	rc = sync_local_exec(db, "COMMIT", err);
done:
	if (rc < 0)
		local_fail(db, err);
free:
	for (int i = 0; i < nread; i++)
		PQclear(got[i]);
	buf_free(&v);
	return rc;
}

/* Inserts one batch of the other instances' usage rows (one JSON object a
 * tuple, as the usage journal holds them) with their cost in the spend
 * sums, and notes their local ids as pulled, not to be sent back. */
static int pull_usage_batch(sqlite3 *db, PGresult *r, struct nr_sync_counts *n, struct buf *err)
{
	struct buf v = BUF_INIT;
	if (sync_local_exec(db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	int rc = sync_local_text(db, "SELECT coalesce(max(id), 0) FROM usage", NULL, 0, &v, err) < 0 ? -1 : 0;
	long long before = v.p ? atoll(v.p) : 0;
	buf_free(&v);
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		int one = nr_usage_insert(db, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0));
		rc = one < 0 ? -1 : 0;
	}
	sqlite3_stmt *st = NULL;
	if (rc == 0 && nr_usage_spend_write(db) == 0 &&
	    sqlite3_prepare_v2(db, "INSERT INTO sync_pulled SELECT id FROM usage WHERE id > ?1", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_bind_int64(st, 1, before) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE) {
		n->down_usage += sqlite3_changes(db);
		sqlite3_finalize(st);
		return sync_local_exec(db, "COMMIT", err) < 0 ? local_fail(db, err) : 0;
	}
	sqlite3_finalize(st);
	nr_usage_spend_drop();
	return local_fail(db, err);
}

/* The other instances' usage rows since mark, through a cursor, a batch at a time. */
static int pull_usage(sqlite3 *db, PGconn *pg, const char *mark, const char *origin, struct nr_sync_counts *n,
		      struct buf *err)
{
	struct buf q = BUF_INIT;
	char *lit = PQescapeLiteral(pg, origin, strlen(origin));
	int rc = -1;
	/* the usage columns but day, which SQLite makes from ts */
	const char *cols = strstr(sync_usage_cols, "day,");
	if (!lit || !cols ||
	    buf_printf(&q, "DECLARE nr_pull NO SCROLL CURSOR FOR SELECT json_strip_nulls(row_to_json(r))::text"
			   " FROM (SELECT %.*s%s FROM usage WHERE xid >= '%s'::xid8 AND origin <> %s) r",
		       (int)(cols - sync_usage_cols), sync_usage_cols, cols + 4, mark, lit) < 0) {
		buf_puts(err, "out of memory");
		goto done;
	}
	if (nr_pg_do(pg, q.p, 0, NULL, err) < 0)
		goto done;
	for (;;) {
		PGresult *r = nr_pg_run(pg, "FETCH 1000 FROM nr_pull", 0, NULL, err);
		if (!r)
			goto done;
		int got = PQntuples(r);
		int one = got ? pull_usage_batch(db, r, n, err) : 0;
		PQclear(r);
		if (one < 0)
			goto done;
		if (got < 1000)
			break;
	}
	rc = nr_pg_do(pg, "CLOSE nr_pull", 0, NULL, err);
done:
	PQfreemem(lit);
	buf_free(&q);
	return rc;
}

int nr_sync_pull(sqlite3 *db, PGconn *pg, struct nr_sync_counts *n, struct buf *err)
{
	struct buf mark = BUF_INIT, origin = BUF_INIT, next = BUF_INIT;
	int rc = -1;
	if (sync_local_get(db, "sync_mark", &mark, err) < 0 || sync_local_get(db, "sync_origin", &origin, err) <= 0) {
		if (!err->len)
			buf_puts(err, "sync: this instance has no origin (nr db sync attaches it)");
		goto done;
	}
	/* marks are numbers this code wrote; checked, as they go into SQL text */
	const char *m = mark.p && *mark.p ? mark.p : "0";
	if (strspn(m, "0123456789") != strlen(m)) {
		buf_printf(err, "sync: the settings' sync_mark is not a number");
		goto done;
	}
	/* one snapshot for all: its oldest running transaction is where the next pull starts */
	if (nr_pg_do(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, err) < 0)
		goto done;
	PGresult *r = nr_pg_run(pg, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text", 0, NULL, err);
	if (!r || buf_puts(&next, PQgetvalue(r, 0, 0)) < 0) {
		PQclear(r);
		pg_fail(pg);
		goto done;
	}
	PQclear(r);
	if (pull_tables(db, pg, m, n, err) < 0 || pull_usage(db, pg, m, origin.p, n, err) < 0 ||
	    nr_pg_do(pg, "COMMIT", 0, NULL, err) < 0) {
		pg_fail(pg);
		goto done;
	}
	rc = strcmp(next.p, m) == 0 ? 0 : sync_local_set(db, "sync_mark", next.p, err);
done:
	buf_free(&mark);
	buf_free(&origin);
	buf_free(&next);
	return rc;
}

long nr_sync_backlog(sqlite3 *db, long *changes)
{
	struct buf v = BUF_INIT, err = BUF_INIT;
	long usage = -1;
	*changes = -1;
	if (sync_local_text(db, "SELECT count(DISTINCT tbl || k) FROM sync_outbox", NULL, 0, &v, &err) >= 0) {
		*changes = v.p ? atol(v.p) : 0;
		if (sync_local_text(db, "SELECT count(*) FROM usage WHERE id > coalesce((SELECT value FROM settings"
					" WHERE name = 'sync_usage_sent'), 0) AND id NOT IN (SELECT id FROM sync_pulled)",
				    NULL, 0, &v, &err) >= 0)
			usage = v.p ? atol(v.p) : 0;
	}
	buf_free(&v);
	buf_free(&err);
	return usage;
}
