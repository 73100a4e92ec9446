/* pg_schema: the tables nr keeps in PostgreSQL and their migrations (pg.h).
 * They are SQLite's tables that a team shares (db.c names what each column
 * means), each row stamped with the transaction that last wrote it (xid) and
 * the instance it came from (origin, the session's nr.origin), so that an
 * instance reads what changed since it last looked (sync.c); a deleted row
 * leaves a tombstone with its key. */
#include "sync/pg.h"

#include <stdio.h>
#include <stdlib.h>

/* Forward migrations, applied in order; never edit one that has shipped. */
static const char *const migrations[] = {
	/* 1: the shared tables, the stamps and the tombstones */
	/* which database this is: an instance that finds another one here
	 * (a restore, a new server) reads it all again (sync.c) */
	"CREATE TABLE nr_meta (id text NOT NULL DEFAULT gen_random_uuid()::text);"
	"INSERT INTO nr_meta DEFAULT VALUES;"
	"CREATE FUNCTION nr_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
	" NEW.xid := pg_current_xact_id(); NEW.origin := coalesce(current_setting('nr.origin', true), '');"
	" RETURN NEW; END $$;"
	"CREATE TABLE nr_tombstones (tbl text NOT NULL, k jsonb NOT NULL,"
	" xid xid8 NOT NULL DEFAULT pg_current_xact_id(), origin text NOT NULL DEFAULT '');"
	"CREATE INDEX nr_tombstones_xid ON nr_tombstones (xid);"
	/* the deleted row's key: its primary key's columns, in order, as a JSON array */
	"CREATE FUNCTION nr_tombstone() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
	" INSERT INTO nr_tombstones (tbl, k, origin) SELECT TG_TABLE_NAME,"
	"  (SELECT jsonb_agg(to_jsonb(OLD) -> c ORDER BY i) FROM unnest(TG_ARGV) WITH ORDINALITY AS a(c, i)),"
	"  coalesce(current_setting('nr.origin', true), '');"
	" RETURN OLD; END $$;"
	"CREATE TABLE keys (name text PRIMARY KEY, hash text NOT NULL, created float8 NOT NULL, revoked float8,"
	" rtk integer, caveman integer, allow text, deny text, budget_day float8, budget_month float8, rate integer,"
	" xid xid8 NOT NULL, origin text NOT NULL);"
	"CREATE TABLE accounts (provider text NOT NULL, name text NOT NULL, secret text NOT NULL,"
	" added float8 NOT NULL, login text, refresh text, expires float8, refreshed float8, headers text,"
	" base_url text, plan text, relogin text, xid xid8 NOT NULL, origin text NOT NULL,"
	" PRIMARY KEY (provider, name));"
	"CREATE TABLE cooldowns (scope text PRIMARY KEY, until float8 NOT NULL, reason text,"
	" xid xid8 NOT NULL, origin text NOT NULL);"
	"CREATE TABLE quota_windows (provider text NOT NULL, account text NOT NULL, name text NOT NULL,"
	" used float8, minutes bigint, resets_at float8, exhausted integer NOT NULL, seen float8 NOT NULL,"
	" xid xid8 NOT NULL, origin text NOT NULL, PRIMARY KEY (provider, account, name));"
	"CREATE TABLE rotation (provider text PRIMARY KEY, next bigint NOT NULL, xid xid8 NOT NULL, origin text NOT NULL);"
	"CREATE TABLE sessions (id text PRIMARY KEY, key_name text NOT NULL, csrf text NOT NULL,"
	" created float8 NOT NULL, expires float8 NOT NULL, xid xid8 NOT NULL, origin text NOT NULL);"
	"CREATE TABLE usage (request text NOT NULL, attempt integer NOT NULL, ts float8 NOT NULL, day text NOT NULL,"
	" client_key text, requested text NOT NULL, combo text, provider text NOT NULL, model text NOT NULL,"
	" account text, position integer NOT NULL, status integer NOT NULL, outcome text NOT NULL, reason text,"
	" latency_ms bigint, ttfb_ms bigint, input_tokens bigint, output_tokens bigint,"
	" cache_read_tokens bigint, cache_write_tokens bigint, cost float8,"
	" rtk_saved_bytes bigint, rtk_saved_tokens bigint, rtk_saved_cost float8,"
	" xid xid8 NOT NULL, origin text NOT NULL, PRIMARY KEY (request, attempt));"
	"CREATE INDEX usage_xid ON usage (xid);"
	"CREATE INDEX usage_day ON usage (day);"
	"CREATE TRIGGER keys_stamp BEFORE INSERT OR UPDATE ON keys FOR EACH ROW EXECUTE FUNCTION nr_stamp();"
	"CREATE TRIGGER accounts_stamp BEFORE INSERT OR UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION nr_stamp();"
	"CREATE TRIGGER cooldowns_stamp BEFORE INSERT OR UPDATE ON cooldowns FOR EACH ROW EXECUTE FUNCTION nr_stamp();"
	"CREATE TRIGGER quota_windows_stamp BEFORE INSERT OR UPDATE ON quota_windows"
	" FOR EACH ROW EXECUTE FUNCTION nr_stamp();"
	"CREATE TRIGGER rotation_stamp BEFORE INSERT OR UPDATE ON rotation FOR EACH ROW EXECUTE FUNCTION nr_stamp();"
	"CREATE TRIGGER sessions_stamp BEFORE INSERT OR UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION nr_stamp();"
	"CREATE TRIGGER usage_stamp BEFORE INSERT OR UPDATE ON usage FOR EACH ROW EXECUTE FUNCTION nr_stamp();"
	"CREATE TRIGGER keys_gone AFTER DELETE ON keys FOR EACH ROW EXECUTE FUNCTION nr_tombstone('name');"
	"CREATE TRIGGER accounts_gone AFTER DELETE ON accounts"
	" FOR EACH ROW EXECUTE FUNCTION nr_tombstone('provider', 'name');"
	"CREATE TRIGGER cooldowns_gone AFTER DELETE ON cooldowns FOR EACH ROW EXECUTE FUNCTION nr_tombstone('scope');"
	"CREATE TRIGGER quota_windows_gone AFTER DELETE ON quota_windows"
	" FOR EACH ROW EXECUTE FUNCTION nr_tombstone('provider', 'account', 'name');"
	"CREATE TRIGGER rotation_gone AFTER DELETE ON rotation FOR EACH ROW EXECUTE FUNCTION nr_tombstone('provider');"
	"CREATE TRIGGER sessions_gone AFTER DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION nr_tombstone('id');",
	/* 2: SQLite's migration 13: whether caveman mode was on, and the output
	 * tokens' cost alone (db.c says why) */
	"ALTER TABLE usage ADD COLUMN caveman integer, ADD COLUMN output_cost float8;",
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int nr_pg_latest(void)
{
	return NMIGRATIONS;
}

/* The version table is made under the lock: CREATE TABLE IF NOT EXISTS
 * alone fails one of two sessions that run it at once. */
static const char LOCK_SQL[] =
	"SELECT pg_advisory_xact_lock(7234627372)";	/* "nr-migrate"; any constant all instances share */
static const char VERSION_TABLE_SQL[] =
	"CREATE TABLE IF NOT EXISTS nr_migrations (version integer PRIMARY KEY,"
	" applied timestamptz NOT NULL DEFAULT now())";

int nr_pg_version(PGconn *pg, struct buf *err)
{
	PGresult *r = nr_pg_run(pg, "SELECT to_regclass('nr_migrations') IS NOT NULL", 0, NULL, err);
	if (!r)
		return -1;
	int made = *PQgetvalue(r, 0, 0) == 't';
	PQclear(r);
	if (!made)
		return 0;
	r = nr_pg_run(pg, "SELECT coalesce(max(version), 0) FROM nr_migrations", 0, NULL, err);
	if (!r)
		return -1;
	int v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

int nr_pg_migrate(PGconn *pg, struct buf *err)
{
	if (nr_pg_do(pg, "BEGIN", 0, NULL, err) < 0)
		return -1;
	if (nr_pg_do(pg, LOCK_SQL, 0, NULL, err) < 0 || nr_pg_do(pg, VERSION_TABLE_SQL, 0, NULL, err) < 0)
		goto fail;
	PGresult *r = nr_pg_run(pg, "SELECT coalesce(max(version), 0) FROM nr_migrations", 0, NULL, err);
	if (!r)
		goto fail;
	int v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (v > NMIGRATIONS) {
		buf_printf(err, "postgresql: its schema is version %d, newer than this nr's %d", v, NMIGRATIONS);
		goto fail;
	}
	for (; v < NMIGRATIONS; v++) {
		char num[16];
		snprintf(num, sizeof num, "%d", v + 1);
		const char *p[] = { num };
		if (nr_pg_do(pg, migrations[v], 0, NULL, err) < 0 ||
		    nr_pg_do(pg, "INSERT INTO nr_migrations (version) VALUES ($1::integer)", 1, p, err) < 0) {
			buf_printf(err, " (migration %d)", v + 1);
			goto fail;
		}
	}
	if (nr_pg_do(pg, "COMMIT", 0, NULL, err) < 0)
		return -1;
	return v;
fail:
	PQclear(PQexec(pg, "ROLLBACK"));
	return -1;
}
