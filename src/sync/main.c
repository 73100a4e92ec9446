/* nr-db: `nr db status|migrate|sync|export|import` (nr runs it), the
 * database's own commands: which engine holds the state, its schema, a team
 * instance's link to the shared PostgreSQL (sync/sync.h), and copies between
 * the engines. The one program linked with libpq (admin/beside.c says why). */
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "admin/commands.h"
#include "db.h"
#include "exitcodes.h"
#include "sync/local.h"
#include "sync/sync.h"
#include "sync/tables.h"
#include "leak_check.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: nr db status\n"
		   "       nr db migrate\n"
		   "       nr db attach\n"
		   "       nr db sync [--once] [--interval MS] [--with-parent]\n"
		   "       nr db export FILE\n"
		   "       nr db import FILE\n\n"
		   "One user's state is in $NR_DATA_DIR/nr.sqlite. A team's instances share a\n"
		   "PostgreSQL named by NR_DATABASE_URL (or the first line of\n"
		   "$NR_CONFIG_DIR/database_url): each keeps serving from its own file, and\n"
		   "`nr db sync` beside it copies keys, accounts, cooldowns, quota windows,\n"
		   "sessions and usage both ways (doc/team.md).\n\n"
		   "  status   the engines, schema versions, what waits here to go up, rows there\n"
		   "  migrate  brings both schemas up to this nr's (instances do it when they start)\n"
		   "  attach   makes the local file a team instance's: from now on each change is\n"
		   "           noted, to go up; rows already there stay here (import sends them).\n"
		   "           Reaches no PostgreSQL: run it before nr-serve (nr-start does)\n"
		   "  sync     the loop beside an instance: a round every MS (default 500) and when\n"
		   "           another instance announces a change, and a last one when stopped\n"
		   "           (SIGTERM, SIGINT); --once: one round, then exit; --with-parent:\n"
		   "           exit when the process that started it does (nr-start)\n"
		   "  export   a consistent copy, as an nr.sqlite file, of PostgreSQL's state\n"
		   "           (with NR_DATABASE_URL) or of the local file; FILE must not exist\n"
		   "  import   sends an nr.sqlite file's keys, accounts and usage to PostgreSQL\n"
		   "           (needs NR_DATABASE_URL); running it again adds nothing twice\n\n"
		   "exit: 0 ok, 1 FILE exists or is not an nr database, %d usage, %d PostgreSQL\n"
		   "unreachable, %d system error\n", NR_EXIT_USAGE, NR_EXIT_UNAVAILABLE, NR_EXIT_SYS);
}

/* PostgreSQL's connection when a URL is set; *code is the exit code when it
 * is needed and cannot be had (a message said why). */
static PGconn *pg_or_say(const char *cmd, int needed, int *code)
{
	struct buf err = BUF_INIT, url = BUF_INIT;
	int found = nr_pg_url(&url, &err);
	buf_free(&url);
	PGconn *pg = found > 0 ? nr_pg_connect(&err) : NULL;
	*code = NR_EXIT_OK;
	if (found < 0) {
		fprintf(stderr, "nr db %s: %s\n", cmd, err.p);
		*code = NR_EXIT_SYS;
	} else if (found > 0 && !pg) {
		fprintf(stderr, "nr db %s: %s\n", cmd, err.p ? err.p : "postgresql: unable to connect");
		*code = NR_EXIT_UNAVAILABLE;
	} else if (found == 0 && needed) {
		fprintf(stderr, "nr db %s: no PostgreSQL named: set NR_DATABASE_URL\n", cmd);
		*code = NR_EXIT_USAGE;
	}
	buf_free(&err);
	return pg;
}

static int cmd_status(void)
{
	int code;
	sqlite3 *db = nr_admin_db("nr db status");
	if (!db)
		return NR_EXIT_SYS;
	const char *file = sqlite3_db_filename(db, "main");
	printf("local: sqlite %s (schema %d)\n", file ? file : "?", nr_db_version(db));
	struct buf v = BUF_INIT, err = BUF_INIT, url = BUF_INIT;
	int team = nr_pg_url(&url, &err);
	buf_free(&url);
	buf_reset(&err);
	if (sync_local_get(db, "sync_origin", &v, &err) > 0) {
		long changes, rows = nr_sync_backlog(db, &changes);
		printf("instance: %s\nwaiting here: %ld usage rows, %ld changes\n", v.p, rows, changes);
	}
	/* a URL file that cannot be read is said as such (pg_or_say), never "none" */
	PGconn *pg = team ? pg_or_say("status", 0, &code) : NULL;
	if (!team) {
		printf("team: none (one user: set NR_DATABASE_URL to share a PostgreSQL)\n");
		code = NR_EXIT_OK;
	} else if (pg) {
		buf_reset(&v);
		nr_pg_where(pg, &v);
		printf("postgresql: %s (schema %d, this nr's %d)\n", v.p, nr_pg_version(pg, &err), nr_pg_latest());
		static const char *const tables[] = { "keys", "accounts", "cooldowns", "quota_windows", "rotation",
						      "sessions", "usage" };
		for (size_t i = 0; nr_pg_version(pg, &err) > 0 && i < sizeof tables / sizeof *tables; i++) {
			buf_reset(&v);
			buf_printf(&v, "SELECT count(*) FROM %s", tables[i]);
			PGresult *r = nr_pg_run(pg, v.p, 0, NULL, &err);
			printf("  %-14s %s rows\n", tables[i], r ? PQgetvalue(r, 0, 0) : "?");
			PQclear(r);
		}
	}
	PQfinish(pg);
	buf_free(&v);
	buf_free(&err);
	nr_db_close(db);
	return code;
}

static int cmd_migrate(void)
{
	int code;
	sqlite3 *db = nr_admin_db("nr db migrate");
	if (!db)
		return NR_EXIT_SYS;
	printf("local: schema %d\n", nr_db_version(db));
	nr_db_close(db);
	PGconn *pg = pg_or_say("migrate", 0, &code);
	if (pg) {
		struct buf err = BUF_INIT;
		int v = nr_pg_migrate(pg, &err);
		if (v < 0) {
			fprintf(stderr, "nr db migrate: %s\n", err.p);
			code = NR_EXIT_SYS;
		} else {
			printf("postgresql: schema %d\n", v);
		}
		buf_free(&err);
		PQfinish(pg);
	}
	return code;
}

/* The local half of joining a team (sync.h), which needs no PostgreSQL: done
 * before the instance serves, no change it makes is missed. */
static int cmd_attach(void)
{
	int named = nr_pg_named("attach", "no team to attach to");
	if (named <= 0)
		return named < 0 ? NR_EXIT_SYS : NR_EXIT_USAGE;
	sqlite3 *db = nr_admin_db("nr db attach");
	if (!db)
		return NR_EXIT_SYS;
	struct buf err = BUF_INIT;
	int code = NR_EXIT_OK;
	if (sync_local_setup(db, &err) < 0) {
		fprintf(stderr, "nr db attach: %s\n", err.p ? err.p : "failed");
		code = NR_EXIT_SYS;
	}
	nr_db_close(db);
	buf_free(&err);
	return code;
}

/* FILE's directory's temporary name for it: written there, renamed at the end. */
static int temp_beside(const char *file, struct buf *tmp)
{
	return buf_printf(tmp, "%s.tmp-%ld", file, (long)getpid());
}

/* The sync tables and marks out of an exported file: it is a plain nr.sqlite. */
static int strip_sync(sqlite3 *db, struct buf *err)
{
	struct buf sql = BUF_INIT;
	int rc = 0;
	for (int i = 0; i < SYNC_NTABLES; i++)
		rc |= buf_printf(&sql, "DROP TRIGGER %1$s_sync_ins; DROP TRIGGER %1$s_sync_upd; DROP TRIGGER %1$s_sync_del;",
				 sync_tables_all[i].name);
	/* and one file, not three: the WAL folded in (nr_db_open_file keeps it) */
	rc |= buf_puts(&sql, "DROP TABLE sync_outbox; DROP TABLE sync_pulled;"
			     " DELETE FROM settings WHERE name LIKE 'sync\\_%' ESCAPE '\\';"
			     " PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;");
	if (rc < 0) {
		buf_puts(err, "out of memory");
	} else {
		rc = sync_local_exec(db, sql.p, err);
	}
	buf_free(&sql);
	return rc;
}

static int cmd_export(const char *file)
{
	if (access(file, F_OK) == 0) {
		fprintf(stderr, "nr db export: %s exists; give a new file's name\n", file);
		return 1;
	}
	int code;
	PGconn *pg = pg_or_say("export", 0, &code);
	if (code != NR_EXIT_OK)
		return code;
	struct buf tmp = BUF_INIT, err = BUF_INIT;
	sqlite3 *out = NULL;
	code = NR_EXIT_SYS;
	if (temp_beside(file, &tmp) < 0)
		goto done;
	if (!pg) {
		/* one user: SQLite's own consistent copy */
		sqlite3 *db = nr_admin_db("nr db export");
		if (!db)
			goto done;
		sqlite3_stmt *st = NULL;
		int ok = sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &st, NULL) == SQLITE_OK &&
			 sqlite3_bind_text(st, 1, tmp.p, -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE;
		if (!ok)
			buf_printf(&err, "%s", sqlite3_errmsg(db));
		sqlite3_finalize(st);
		nr_db_close(db);
		if (!ok)
			goto done;
	} else {
		/* PostgreSQL: everything read in one snapshot into a new file */
		struct nr_sync_counts n = { 0 };
		out = nr_db_open_file(tmp.p, &err);
		if (!out || sync_local_setup(out, &err) < 0 || nr_sync_pull(out, pg, &n, &err) < 0 ||
		    strip_sync(out, &err) < 0)
			goto done;
		nr_db_close(out);
		out = NULL;
		printf("exported %ld usage rows and %ld other rows\n", n.down_usage, n.down_rows);
	}
	if (rename(tmp.p, file) < 0) {
		buf_printf(&err, "rename to %s: %m", file);
		goto done;
	}
	code = NR_EXIT_OK;
done:
	if (code != NR_EXIT_OK) {
		fprintf(stderr, "nr db export: %s\n", err.p ? err.p : "failed");
		if (out)
			nr_db_close(out);
		if (tmp.p) {
			unlink(tmp.p);
			struct buf side = BUF_INIT;
			for (const char *suf = "-wal\0-shm\0"; *suf; suf += strlen(suf) + 1)
				if (buf_printf(&side, "%s%s", tmp.p, suf) == 0) {
					unlink(side.p);
					buf_reset(&side);
				}
			buf_free(&side);
		}
	}
	PQfinish(pg);
	buf_free(&tmp);
	buf_free(&err);
	return code;
}

/* FILE copied (SQLite's backup) into a temporary file, brought to this nr's
 * schema there: the user's file is only read. */
static sqlite3 *copy_of(const char *file, struct buf *tmp, struct buf *err)
{
	sqlite3 *src = NULL, *dst = NULL;
	const char *dir = getenv("TMPDIR");
	if (buf_printf(tmp, "%s/nr-import-%ld.sqlite", dir && *dir ? dir : "/tmp", (long)getpid()) < 0)
		return NULL;
	if (sqlite3_open_v2(file, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		buf_printf(err, "%s: %s", file, src ? sqlite3_errmsg(src) : "out of memory");
		sqlite3_close(src);
		return NULL;
	}
	int ok = sqlite3_open_v2(tmp->p, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK;
	sqlite3_backup *b = ok ? sqlite3_backup_init(dst, "main", src, "main") : NULL;
	ok = b && sqlite3_backup_step(b, -1) == SQLITE_DONE;
	if (!ok)
		buf_printf(err, "%s: %s", file, sqlite3_errmsg(b ? dst : src));
	sqlite3_backup_finish(b);
	sqlite3_close(src);
	sqlite3_close(dst);
	if (!ok)
		return NULL;
	/* an nr database has a migrations table; another file is refused, not migrated */
	sqlite3 *db = nr_db_open_file(tmp->p, err);
	return db;
}

static int is_nr_file(const char *file)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int ok = sqlite3_open_v2(file, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
		 sqlite3_prepare_v2(db, "SELECT 1 FROM migrations LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
		 sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

static int cmd_import(const char *file)
{
	if (!is_nr_file(file)) {
		fprintf(stderr, "nr db import: %s is not an nr database (no migrations table)\n", file);
		return 1;
	}
	int code;
	PGconn *pg = pg_or_say("import", 1, &code);
	if (!pg)
		return code;
	struct buf tmp = BUF_INIT, err = BUF_INIT, sql = BUF_INIT;
	struct nr_sync_counts n = { 0 };
	code = NR_EXIT_SYS;
	sqlite3 *db = copy_of(file, &tmp, &err);
	if (!db || nr_sync_attach(db, pg, &err) < 0)
		goto done;
	/* every shared row into the outbox, every usage row unsent: then one push */
	int rc = 0;
	for (int i = 0; i < SYNC_NTABLES; i++) {
		const struct sync_table *t = &sync_tables_all[i];
		rc |= buf_printf(&sql, "INSERT INTO sync_outbox (tbl, k) SELECT '%s', json_array(%s) FROM %s;", t->name,
				 t->key, t->name);
	}
	rc |= buf_puts(&sql, "UPDATE settings SET value = '0' WHERE name = 'sync_usage_sent';");
	if (rc < 0 || sync_local_exec(db, sql.p, &err) < 0 || nr_sync_push(db, pg, &n, &err) < 0)
		goto done;
	printf("imported %ld usage rows and %ld other rows from %s\n", n.up_usage, n.up_rows, file);
	code = NR_EXIT_OK;
done:
	if (code != NR_EXIT_OK)
		fprintf(stderr, "nr db import: %s\n", err.p ? err.p : "failed");
	if (db)
		nr_db_close(db);
	if (tmp.p) {
		unlink(tmp.p);
		buf_puts(&tmp, "-wal");
		unlink(tmp.p);
		tmp.p[tmp.len - 3] = 's', tmp.p[tmp.len - 2] = 'h', tmp.p[tmp.len - 1] = 'm';
		unlink(tmp.p);
	}
	PQfinish(pg);
	buf_free(&tmp);
	buf_free(&err);
	buf_free(&sql);
	return code;
}

NR_LEAK_CHECK_AT_EXIT(1, 1)

int main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return NR_EXIT_OK;
	}
	const char *sub = argc >= 2 ? argv[1] : "";
	if (strcmp(sub, "status") == 0 && argc == 2)
		return cmd_status();
	if (strcmp(sub, "migrate") == 0 && argc == 2)
		return cmd_migrate();
	if (strcmp(sub, "attach") == 0 && argc == 2)
		return cmd_attach();
	if (strcmp(sub, "export") == 0 && argc == 3)
		return cmd_export(argv[2]);
	if (strcmp(sub, "import") == 0 && argc == 3)
		return cmd_import(argv[2]);
	if (strcmp(sub, "sync") == 0) {
		int once = 0, with_parent = 0;
		long interval = 500;
		for (int i = 2; i < argc; i++) {
			char *end;
			if (strcmp(argv[i], "--once") == 0) {
				once = 1;
			} else if (strcmp(argv[i], "--with-parent") == 0) {
				with_parent = 1;
			} else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc &&
				   (interval = strtol(argv[++i], &end, 10)) >= 10 && interval <= 3600000 && !*end) {
				continue;
			} else {
				fprintf(stderr, "nr db sync: bad argument '%s' (--interval takes 10 to 3600000 ms)\n",
					argv[i]);
				return NR_EXIT_USAGE;
			}
		}
		/* SIGTERM when the parent ends; it may have ended already */
		pid_t parent = getppid();
		if (with_parent && (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)) {
			fprintf(stderr, "nr db sync: its parent is gone\n");
			return NR_EXIT_SYS;
		}
		return nr_sync_run(once, interval);
	}
	if (*sub)
		fprintf(stderr, "nr db: unknown command or arguments: '%s'%s\n", sub, argc > 2 ? " ..." : "");
	usage(stderr);
	return NR_EXIT_USAGE;
}
