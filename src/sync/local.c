/* local: sync's end in the instance's SQLite file (sync.h): the outbox the
 * shared tables' triggers fill, the usage rows that came from PostgreSQL
 * (not to be sent back), and sync's marks in the settings table. Made when
 * an instance first joins a team: a file that never does stays as it was. */
#include "sync/local.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sync/tables.h"

int sync_local_exec(sqlite3 *db, const char *sql, struct buf *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	buf_reset(err);
	buf_printf(err, "sqlite: %s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

int sync_local_text(sqlite3 *db, const char *sql, const char *arg, long long n, struct buf *out, struct buf *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	buf_reset(out);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		goto done;
	if (sqlite3_bind_parameter_count(st) > 0 &&
	    (arg ? sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC) : sqlite3_bind_int64(st, 1, n)) != SQLITE_OK)
		goto done;
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		rc = t && buf_puts(out, t) < 0 ? -1 : (t ? 1 : 0);
		if (rc < 0)
			buf_puts(err, "out of memory");
		goto free;
	}
	rc = s == SQLITE_DONE ? 0 : -1;
done:
	if (rc < 0) {
		buf_reset(err);
		buf_printf(err, "sqlite: %s", sqlite3_errmsg(db));
	}
free:
	sqlite3_finalize(st);
	return rc;
}

int sync_local_get(sqlite3 *db, const char *name, struct buf *out, struct buf *err)
{
	return sync_local_text(db, "SELECT value FROM settings WHERE name = ?1", name, 0, out, err);
}

int sync_local_set(sqlite3 *db, const char *name, const char *value, struct buf *err)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	if (sqlite3_prepare_v2(db, "INSERT INTO settings VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE"
				   " SET value = excluded.value", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	else {
		buf_reset(err);
		buf_printf(err, "sqlite: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(st);
	return rc;
}

/* The triggers of one table: each insert, update and delete names its key
 * (the old one too when an update changes it). */
static int triggers(sqlite3 *db, const struct sync_table *t, struct buf *err)
{
	struct buf sql = BUF_INIT, nk = BUF_INIT, ok = BUF_INIT;
	int rc = -1;
	const char *p = t->key;
	if (buf_puts(&nk, "json_array(") < 0 || buf_puts(&ok, "json_array(") < 0)
		goto done;
	for (int first = 1; *p; first = 0) {
		size_t n = strcspn(p, ",");
		if (buf_printf(&nk, "%sNEW.%.*s", first ? "" : ", ", (int)n, p) < 0 ||
		    buf_printf(&ok, "%sOLD.%.*s", first ? "" : ", ", (int)n, p) < 0)
			goto done;
		p += n + (p[n] == ',');
	}
	if (buf_putc(&nk, ')') < 0 || buf_putc(&ok, ')') < 0)
		goto done;
	const char *ins = "INSERT INTO sync_outbox (tbl, k) VALUES";
	if (buf_printf(&sql,
		       "CREATE TRIGGER IF NOT EXISTS %1$s_sync_ins AFTER INSERT ON %1$s BEGIN %2$s ('%1$s', %3$s); END;"
		       "CREATE TRIGGER IF NOT EXISTS %1$s_sync_upd AFTER UPDATE ON %1$s BEGIN %2$s ('%1$s', %3$s);"
		       " %2$s ('%1$s', %4$s); END;"
		       "CREATE TRIGGER IF NOT EXISTS %1$s_sync_del AFTER DELETE ON %1$s BEGIN %2$s ('%1$s', %4$s); END;",
		       t->name, ins, nk.p, ok.p) < 0)
		goto done;
	rc = sync_local_exec(db, sql.p, err);
done:
	if (rc < 0 && !err->len)
		buf_puts(err, "out of memory");
	buf_free(&sql);
	buf_free(&nk);
	buf_free(&ok);
	return rc;
}

int sync_local_setup(sqlite3 *db, struct buf *err)
{
	if (sync_tables() < 0) {
		buf_puts(err, "out of memory");
		return -1;
	}
	if (sync_local_exec(db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (sync_local_exec(db, "CREATE TABLE IF NOT EXISTS sync_outbox (id INTEGER PRIMARY KEY,"
				" tbl TEXT NOT NULL, k TEXT NOT NULL);"
				"CREATE TABLE IF NOT EXISTS sync_pulled (id INTEGER PRIMARY KEY);", err) < 0)
		goto fail;
	for (int i = 0; i < SYNC_NTABLES; i++)
		if (triggers(db, &sync_tables_all[i], err) < 0)
			goto fail;
	/* this instance's name: the host's, and random bits for two on one host */
	struct buf have = BUF_INIT;
	int got = sync_local_get(db, "sync_origin", &have, err);
	buf_free(&have);
	if (got < 0)
		goto fail;
	if (got == 0) {
		char host[256] = "host", name[300];
		unsigned r;
		if (gethostname(host, sizeof host) < 0)
			strcpy(host, "host");
		host[sizeof host - 1] = '\0';
		arc4random_buf(&r, sizeof r);
		snprintf(name, sizeof name, "%.64s-%08x", host, r);
		/* usage rows already here stay here: `nr db import` sends a file's */
		if (sync_local_set(db, "sync_origin", name, err) < 0 ||
		    sync_local_exec(db, "INSERT OR REPLACE INTO settings SELECT 'sync_usage_sent',"
					" coalesce(max(id), 0) FROM usage", err) < 0)
			goto fail;
	}
	return sync_local_exec(db, "COMMIT", err);
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}
