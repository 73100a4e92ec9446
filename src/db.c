/* db: open, configure and migrate nr.sqlite (see db.h). */
#include "db.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"

/* The sums every version of usage_rollup has (migrations 10 and 11). */
#define ROLLUP_SUMS \
	" cache_read_tokens INTEGER NOT NULL, cache_write_tokens INTEGER NOT NULL, cost REAL NOT NULL," \
	" rtk_saved_tokens INTEGER NOT NULL, rtk_saved_bytes INTEGER NOT NULL, rtk_saved_cost REAL NOT NULL," \
	" lat_n INTEGER NOT NULL, lat_sum_ms INTEGER NOT NULL," \
	" l0 INTEGER NOT NULL, l1 INTEGER NOT NULL, l2 INTEGER NOT NULL, l3 INTEGER NOT NULL," \
	" l4 INTEGER NOT NULL, l5 INTEGER NOT NULL, l6 INTEGER NOT NULL, l7 INTEGER NOT NULL," \
	" l8 INTEGER NOT NULL, l9 INTEGER NOT NULL, l10 INTEGER NOT NULL,"

/* Forward migrations, applied in order; never edit one that has shipped,
 * append a new one. Index + 1 is the version recorded in `migrations`. */
static const char *const migrations[] = {
	/* 1: usage rows, cooldowns, rotation counters, API key hashes, settings */
	"CREATE TABLE usage ("
	" id INTEGER PRIMARY KEY,"
	" request TEXT NOT NULL,"		/* one id per nr-route run: groups its attempts */
	" ts REAL NOT NULL,"			/* unix time, seconds */
	" day TEXT NOT NULL,"			/* UTC YYYY-MM-DD, for reports */
	" client_key TEXT,"			/* name of the nr API key used, never the key */
	" requested TEXT NOT NULL,"		/* the model name the client asked for */
	" combo TEXT,"				/* combo name when the request named one */
	" provider TEXT NOT NULL,"
	" model TEXT NOT NULL,"
	" account TEXT,"			/* name of the upstream key (its env var), never the key */
	" position INTEGER NOT NULL,"		/* 0 for the first attempt, 1 for the first fallback … */
	" status INTEGER NOT NULL,"		/* HTTP status, 0 when no answer */
	" outcome TEXT NOT NULL,"		/* ok, cut, error, fallback */
	" reason TEXT,"				/* why it failed, for fallbacks and errors */
	" latency_ms INTEGER,"
	" ttfb_ms INTEGER,"
	" input_tokens INTEGER, output_tokens INTEGER,"
	" cache_read_tokens INTEGER, cache_write_tokens INTEGER,"
	" cost REAL,"				/* USD, from the provider's price table */
	" rtk_saved_bytes INTEGER, rtk_saved_tokens INTEGER"
	");"
	"CREATE INDEX usage_day ON usage(day);"
	"CREATE TABLE cooldowns (scope TEXT PRIMARY KEY, until REAL NOT NULL, reason TEXT);"
	"CREATE TABLE rotation (provider TEXT PRIMARY KEY, next INTEGER NOT NULL);"
	"CREATE TABLE keys (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" hash TEXT NOT NULL, created REAL NOT NULL, revoked REAL);"
	"CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT);",
	/* 2: what rtk-filter's savings would have cost: the saved tokens at the
	 * input price of the model that served the request (USD) */
	"ALTER TABLE usage ADD COLUMN rtk_saved_cost REAL;",
	/* 3: the attempt's number within its request (0, 1, 2 …): with request,
	 * what makes a row replayed twice from the usage journal one row */
	("ALTER TABLE usage ADD COLUMN attempt INTEGER;"
	 "CREATE UNIQUE INDEX usage_attempt ON usage(request, attempt);"),
	/* 4: a key's own rtk and caveman settings (1 on, 0 off), which a
	 * request's x-nr-rtk / x-nr-caveman header overrides; NULL: the server's */
	("ALTER TABLE keys ADD COLUMN rtk INTEGER;"
	 "ALTER TABLE keys ADD COLUMN caveman INTEGER;"),
	/* 5: a provider's accounts added with `nr account add` (the key read
	 * from stdin; the file is 0600), beside those of the environment */
	("CREATE TABLE accounts (provider TEXT NOT NULL, name TEXT NOT NULL, secret TEXT NOT NULL,"
	 " added REAL NOT NULL, PRIMARY KEY (provider, name));"),
	/* 6: each account's quota windows as its last answer reported them
	 * (route/quota.h): percent used, length, reset time */
	("CREATE TABLE quota_windows (provider TEXT NOT NULL, account TEXT NOT NULL, name TEXT NOT NULL,"
	 " used REAL, minutes INTEGER, resets_at REAL, exhausted INTEGER NOT NULL, seen REAL NOT NULL,"
	 " PRIMARY KEY (provider, account, name));"),
	/* 7: the cost recorded per provider per UTC day ("2026-12-06") and month
	 * ("2026-12"), kept with each usage row, so that a budget check is one
	 * lookup, not a sum over the day's rows; filled from the rows so far */
	("CREATE TABLE spend (provider TEXT NOT NULL, period TEXT NOT NULL, cost REAL NOT NULL,"
	 " PRIMARY KEY (provider, period));"
	 "INSERT INTO spend SELECT provider, day, sum(cost) FROM usage"
	 " WHERE cost > 0 AND provider IS NOT NULL GROUP BY provider, day;"
	 "INSERT INTO spend SELECT provider, substr(day, 1, 7), sum(cost) FROM usage"
	 " WHERE cost > 0 AND provider IS NOT NULL GROUP BY provider, substr(day, 1, 7);"),
	/* 8: accounts of a login (`nr login`, route/oauth.h): `secret` is then
	 * the access token, which nr refreshes; the headers and base URL the
	 * login came with; why it must be redone, when it must */
	("ALTER TABLE accounts ADD COLUMN login TEXT;"
	 "ALTER TABLE accounts ADD COLUMN refresh TEXT;"
	 "ALTER TABLE accounts ADD COLUMN expires REAL;"
	 "ALTER TABLE accounts ADD COLUMN refreshed REAL;"
	 "ALTER TABLE accounts ADD COLUMN headers TEXT;"
	 "ALTER TABLE accounts ADD COLUMN base_url TEXT;"
	 "ALTER TABLE accounts ADD COLUMN plan TEXT;"
	 "ALTER TABLE accounts ADD COLUMN relogin TEXT;"),
	/* 9: the cost recorded per combo target too (its budget_day=,
	 * budget_month=; route/budget.h), in the spend table keyed
	 * "PROVIDER/MODEL" (no provider's name has a '/'), per UTC day and
	 * month; filled from the rows so far, as 7 did */
	("INSERT INTO spend SELECT provider || '/' || model, day, sum(cost) FROM usage"
	 " WHERE cost > 0 AND provider IS NOT NULL AND model IS NOT NULL GROUP BY 1, 2;"
	 "INSERT INTO spend SELECT provider || '/' || model, substr(day, 1, 7), sum(cost) FROM usage"
	 " WHERE cost > 0 AND provider IS NOT NULL AND model IS NOT NULL GROUP BY 1, 2;"),
	/* 10: the dashboard's and /metrics' sums (serve/rollup.h): the usage
	 * rows added up per hour, per UTC day and for all time (grain 3600,
	 * 86400, 0), so that a page over a year of rows reads thousands of
	 * sums, not a million rows; filled by their readers from the rows
	 * above the id recorded in settings ('usage_rollup_id'). And the
	 * dashboard's login sessions (serve/session.h): the SHA-256 of the
	 * cookie's random id, never the id itself, and the key it was opened
	 * with (revoking the key ends them). IF NOT EXISTS: tests run migrations
	 * again from an older version */
	("CREATE TABLE IF NOT EXISTS usage_rollup (grain INTEGER NOT NULL, t INTEGER NOT NULL,"
	 " provider TEXT NOT NULL, model TEXT NOT NULL, combo TEXT NOT NULL,"
	 " outcome TEXT NOT NULL, class TEXT NOT NULL,"
	 " attempts INTEGER NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,"
	 ROLLUP_SUMS
	 " PRIMARY KEY (grain, t, provider, model, combo, outcome, class)) WITHOUT ROWID;"
	 "CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, key_id INTEGER NOT NULL, csrf TEXT NOT NULL,"
	 " created REAL NOT NULL, expires REAL NOT NULL);"),
	/* 11: usage_rollup again, narrower: one row per target and combo, the
	 * outcomes (n_*) and the failures' classes (c_*) as columns, not keys;
	 * the 365-day page read six times fewer rows (129 ms with 10's on a
	 * million rows, bench/dashboard). Its sums are made again from the
	 * rows (the mark goes) */
	("DROP TABLE IF EXISTS usage_rollup;"
	 "DELETE FROM settings WHERE name = 'usage_rollup_id';"
	 "CREATE TABLE usage_rollup (grain INTEGER NOT NULL, t INTEGER NOT NULL,"
	 " provider TEXT NOT NULL, model TEXT NOT NULL, combo TEXT NOT NULL, attempts INTEGER NOT NULL,"
	 " n_ok INTEGER NOT NULL, n_fallback INTEGER NOT NULL, n_error INTEGER NOT NULL, n_cut INTEGER NOT NULL,"
	 " n_client_gone INTEGER NOT NULL, c_rate_limit INTEGER NOT NULL, c_quota INTEGER NOT NULL,"
	 " c_auth INTEGER NOT NULL, c_upstream_error INTEGER NOT NULL, c_timeout INTEGER NOT NULL,"
	 " c_unreachable INTEGER NOT NULL, c_cut INTEGER NOT NULL, c_refused INTEGER NOT NULL,"
	 " c_bad_answer INTEGER NOT NULL,"
	 " input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,"
	 ROLLUP_SUMS
	 " PRIMARY KEY (grain, t, provider, model, combo)) WITHOUT ROWID;"),
	/* 12: a key's policy (key_policy.h): the names and targets it may use
	 * (allow, deny: glob patterns, comma-separated), what it may spend per
	 * UTC day and month (USD, against the spend table's rows keyed "@NAME",
	 * filled from the rows so far; no provider's name starts with '@'), and
	 * its requests a minute (key_rate: the count of the current minute) */
	("ALTER TABLE keys ADD COLUMN allow TEXT;"
	 "ALTER TABLE keys ADD COLUMN deny TEXT;"
	 "ALTER TABLE keys ADD COLUMN budget_day REAL;"
	 "ALTER TABLE keys ADD COLUMN budget_month REAL;"
	 "ALTER TABLE keys ADD COLUMN rate INTEGER;"
	 "CREATE TABLE key_rate (name TEXT PRIMARY KEY, minute INTEGER NOT NULL, n INTEGER NOT NULL) WITHOUT ROWID;"
	 "INSERT INTO spend SELECT '@' || client_key, day, sum(cost) FROM usage"
	 " WHERE cost > 0 AND client_key IS NOT NULL GROUP BY 1, 2;"
	 "INSERT INTO spend SELECT '@' || client_key, substr(day, 1, 7), sum(cost) FROM usage"
	 " WHERE cost > 0 AND client_key IS NOT NULL GROUP BY 1, 2;"),
	/* 13: whether caveman mode was on for the request (rtk-filter's fact
	 * Nr-Rtk-Caveman, facts.h: 1 on, 0 off, NULL not told: the rows from
	 * before, and those of a pipeline without rtk-filter --facts), and what
	 * the attempt's output tokens cost alone (USD, a part of cost). Caveman
	 * mode saves output the model did not write, which no row can show: the
	 * dashboard estimates it from the answers (outcome ok, output tokens
	 * known) with it on against those with it off, so usage_rollup sums
	 * both sides' answers and output tokens, and the on side's output cost
	 * for the price. The sums made before hold only rows that say nothing:
	 * 0 is theirs, and they are kept, not made again */
	("ALTER TABLE usage ADD COLUMN caveman INTEGER;"
	 "ALTER TABLE usage ADD COLUMN output_cost REAL;"
	 "ALTER TABLE usage_rollup ADD COLUMN caveman_on_answers INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE usage_rollup ADD COLUMN caveman_on_output_tokens INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE usage_rollup ADD COLUMN caveman_on_output_cost REAL NOT NULL DEFAULT 0;"
	 "ALTER TABLE usage_rollup ADD COLUMN caveman_off_answers INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE usage_rollup ADD COLUMN caveman_off_output_tokens INTEGER NOT NULL DEFAULT 0;"),
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int nr_data_dir(struct buf *out)
{
	const char *d = getenv("NR_DATA_DIR");
	if (d && *d)
		return buf_puts(out, d);
	const char *x = getenv("XDG_DATA_HOME");
	if (x && *x)
		return buf_printf(out, "%s/nr", x);
	const char *h = getenv("HOME");
	if (!h || !*h) {
		errno = ENOENT;
		return -1;
	}
	return buf_printf(out, "%s/.local/share/nr", h);
}

/* mkdir -p with mode 0700: the database holds key hashes and usage. */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = mkdir(path, 0700);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -1;
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int exec_sql(sqlite3 *db, const char *sql, struct buf *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	if (err)
		buf_printf(err, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

/* WAL on a file still in rollback mode (a fresh one): several processes
 * starting at once each read it under a shared lock and then want the
 * exclusive one to switch; SQLite refuses one of them at once, without the
 * busy handler (waiting would deadlock), so that one tries again shortly. */
static int set_wal(sqlite3 *db, struct buf *err)
{
	long long end = nr_mono_ms() + NR_DB_BUSY_MS;
	for (;;) {
		struct buf e = BUF_INIT;
		if (exec_sql(db, "PRAGMA journal_mode=WAL", &e) == 0)
			return 0;
		if ((sqlite3_errcode(db) & 0xff) != SQLITE_BUSY || nr_mono_ms() >= end) {
			buf_printf(err, "%s", e.p ? e.p : "unknown error");
			buf_free(&e);
			return -1;
		}
		buf_free(&e);
		sqlite3_sleep(2);
	}
}

/* A statement without rows, kept prepared (nr_db_prepare): a worker begins
 * and commits once per request, and sqlite3_exec would compile it each time. */
static int step_kept(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = nr_db_prepare(db, sql);
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
	nr_db_done(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static sqlite3 *ahead;	/* the connection whose read transaction runs ahead (nr_db_begin_read_ahead) */

int nr_db_begin(sqlite3 *db)
{
	if (db == ahead)
		nr_db_read_ahead_end();	/* a write never starts inside the request's snapshot */
	return step_kept(db, "BEGIN IMMEDIATE");
}

int nr_db_begin_read(sqlite3 *db)
{
	if (db == ahead) {
		ahead = NULL;	/* taken over: the caller's COMMIT ends it */
		return 0;
	}
	return step_kept(db, "BEGIN");
}

int nr_db_begin_read_ahead(sqlite3 *db)
{
	nr_db_read_ahead_end();
	if (step_kept(db, "BEGIN") < 0)
		return -1;
	ahead = db;
	return 0;
}

void nr_db_read_ahead_end(void)
{
	sqlite3 *db = ahead;
	ahead = NULL;
	if (db && nr_db_commit(db) < 0)
		nr_db_rollback(db);
}

int nr_db_commit(sqlite3 *db)
{
	return step_kept(db, "COMMIT");
}

void nr_db_rollback(sqlite3 *db)
{
	(void)step_kept(db, "ROLLBACK");
}

int nr_db_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(version),0) FROM migrations", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Applies the migrations newer than the recorded version, all in one
 * immediate transaction so that concurrent first opens migrate once. */
static int migrate(sqlite3 *db, struct buf *err)
{
	if (exec_sql(db, "CREATE TABLE IF NOT EXISTS migrations"
			 " (version INTEGER PRIMARY KEY, applied REAL NOT NULL)", err) < 0)
		return -1;
	int v = nr_db_version(db);
	if (v >= NMIGRATIONS)
		return 0;	/* the common case: no write transaction at all */
	if (exec_sql(db, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	v = nr_db_version(db);	/* another process may have migrated meanwhile */
	if (v < 0) {
		buf_printf(err, "%s", sqlite3_errmsg(db));
		nr_db_rollback(db);
		return -1;
	}
	for (int i = v; i < NMIGRATIONS; i++) {
		char rec[128];
		snprintf(rec, sizeof rec, "INSERT INTO migrations VALUES (%d, (julianday('now')-2440587.5)*86400.0)", i + 1);
		if (exec_sql(db, migrations[i], err) < 0 || exec_sql(db, rec, err) < 0) {
			nr_db_rollback(db);
			return -1;
		}
	}
	return exec_sql(db, "COMMIT", err);
}

sqlite3 *nr_db_open(struct buf *err)
{
	struct buf path = BUF_INIT;
	sqlite3 *db = NULL;
	if (nr_data_dir(&path) < 0)
		buf_printf(err, "unable to find the data directory: set NR_DATA_DIR or HOME");
	else if (make_dirs(path.p) < 0)
		buf_printf(err, "unable to create %s: %s", path.p, strerror(errno));
	else if (buf_puts(&path, "/nr.sqlite") < 0)
		buf_printf(err, "out of memory");
	else
		db = nr_db_open_file(path.p, err);
	buf_free(&path);
	return db;
}

sqlite3 *nr_db_open_file(const char *path, struct buf *err)
{
	sqlite3 *db = NULL;
	/* SQLite creates a file 0644 and gives -wal and -shm the main file's
	 * mode: created here first, all three are 0600 whatever the directory.
	 * Any failure but EEXIST is left for sqlite3_open to report. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	/* Each nr process uses its connections from one thread: without the
	 * connection's mutex and the global one around every SQLite allocation
	 * (memory statistics nr never reads) a routed request takes about 110
	 * fewer lock/unlock pairs. Once SQLite is initialised (by another
	 * caller) sqlite3_config is SQLITE_MISUSE and the statistics stay on:
	 * slower, not wrong, hence its result unused. */
	static int configured;
	if (!configured) {
		configured = 1;
		(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		buf_printf(err, "unable to open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(db, NR_DB_BUSY_MS);
	/* Each nr-route process is short-lived and often the last connection:
	 * without these, every exit would checkpoint (fsync) and delete the WAL.
	 * The automatic checkpoint every 1000 pages still keeps the WAL small. */
	int one = 1;
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	/* WAL: readers never block the writer; NORMAL: no fsync per commit
	 * (a crash may lose the last usage rows, never corrupt the file). */
	struct buf e = BUF_INIT;
	if (set_wal(db, &e) < 0 || exec_sql(db, "PRAGMA synchronous=NORMAL", &e) < 0 ||
	    migrate(db, &e) < 0) {
		buf_printf(err, "unable to set up %s: %s", path, e.p ? e.p : "unknown error");
		buf_free(&e);
		goto fail;
	}
	buf_free(&e);
	return db;
fail:
	if (db)
		sqlite3_close(db);
	return NULL;
}

#define STMT_CACHE 16	/* more distinct statements than nr runs on one connection */

static struct cached {
	sqlite3 *db;
	const char *sql;
	sqlite3_stmt *st;
} cache[STMT_CACHE];

sqlite3_stmt *nr_db_prepare(sqlite3 *db, const char *sql)
{
	struct cached *free_slot = NULL;
	for (int i = 0; i < STMT_CACHE; i++) {
		if (cache[i].db == db && cache[i].sql == sql)
			return cache[i].st;
		if (!cache[i].db && !free_slot)
			free_slot = &cache[i];
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(db, sql, -1, free_slot ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) != SQLITE_OK)
		return NULL;
	if (free_slot)
		*free_slot = (struct cached){ db, sql, st };
	return st;
}

void nr_db_done(sqlite3_stmt *st)
{
	if (!st)
		return;
	for (int i = 0; i < STMT_CACHE; i++)
		if (cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	sqlite3_finalize(st);	/* the cache was full: it was never kept */
}

void nr_db_close(sqlite3 *db)
{
	if (!db)
		return;
	if (db == ahead)
		nr_db_read_ahead_end();
	for (int i = 0; i < STMT_CACHE; i++)
		if (cache[i].db == db) {
			sqlite3_finalize(cache[i].st);
			cache[i] = (struct cached){ 0 };
		}
	sqlite3_close(db);
}

static sqlite3 *shared;
static int shared_readonly;	/* a write found it read-only: reopen, the directory may be writable again */

sqlite3 *nr_db_shared(struct buf *err)
{
	if (shared && shared_readonly)
		nr_db_shared_close();
	shared_readonly = 0;
	if (!shared && (shared = nr_db_open(err)))
		sqlite3_busy_timeout(shared, NR_DB_QUICK_MS);
	return shared;
}

static double locked_at = -1;	/* monotonic seconds when a write last found the lock held */

int nr_db_may_write(void)
{
	return locked_at < 0 || nr_mono_s() - locked_at >= NR_DB_BACKOFF_S;
}

void nr_db_write_failed(sqlite3 *db)
{
	int rc = db ? sqlite3_extended_errcode(db) & 0xff : SQLITE_OK;
	if (rc == SQLITE_BUSY)
		locked_at = nr_mono_s();
	if (rc == SQLITE_READONLY && db == shared)
		shared_readonly = 1;
}

void nr_db_shared_close(void)
{
	nr_db_close(shared);
	shared = NULL;
}
