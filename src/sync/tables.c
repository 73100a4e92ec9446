/* tables: the shared tables (tables.h) and the statements that copy them.
 * A row travels as a JSON object of its shared columns: SQLite's
 * json_group_array() makes the array PostgreSQL's json_populate_recordset()
 * reads, and PostgreSQL's json_agg() the one SQLite's json_each() reads, so
 * a table's copy is one statement each way whatever its size. A row's key,
 * for the outbox and the tombstones, is the JSON array of its key's values. */
#include "sync/tables.h"

#include <string.h>

const char sync_usage_cols[] =
	"request,attempt,ts,day,client_key,requested,combo,provider,model,account,position,status,outcome,"
	"reason,latency_ms,ttfb_ms,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost,"
	"rtk_saved_bytes,rtk_saved_tokens,rtk_saved_cost,caveman,output_cost";

struct sync_table sync_tables_all[SYNC_NTABLES] = {
	{ .name = "keys", .key = "name",
	  .cols = "name,hash,created,revoked,rtk,caveman,allow,deny,budget_day,budget_month,rate" },
	{ .name = "accounts", .key = "provider,name",
	  .cols = "provider,name,secret,added,login,refresh,expires,refreshed,headers,base_url,plan,relogin" },
	/* a cooldown ends at the later of two ends */
	{ .name = "cooldowns", .key = "scope", .cols = "scope,until,reason",
	  .pg_merge = "until = greatest(cooldowns.until, excluded.until),"
		      " reason = CASE WHEN excluded.until >= cooldowns.until THEN excluded.reason ELSE cooldowns.reason END",
	  .merge = "until = max(until, excluded.until),"
		   " reason = CASE WHEN excluded.until >= until THEN excluded.reason ELSE reason END" },
	/* a quota window is what the latest answer said */
	{ .name = "quota_windows", .key = "provider,account,name",
	  .cols = "provider,account,name,used,minutes,resets_at,exhausted,seen",
	  .pg_merge = "used = excluded.used, minutes = excluded.minutes, resets_at = excluded.resets_at,"
		      " exhausted = excluded.exhausted, seen = excluded.seen WHERE excluded.seen >= quota_windows.seen",
	  .merge = "used = excluded.used, minutes = excluded.minutes, resets_at = excluded.resets_at,"
		   " exhausted = excluded.exhausted, seen = excluded.seen WHERE excluded.seen >= seen" },
	{ .name = "rotation", .key = "provider", .cols = "provider,next" },
	/* a session names its key by the key's name: key ids are each file's own */
	{ .name = "sessions", .key = "id", .cols = "id,key_name,csrf,created,expires",
	  .out = "'id', id, 'key_name', (SELECT name FROM keys WHERE keys.id = sessions.key_id),"
		 " 'csrf', csrf, 'created', created, 'expires', expires",
	  .out_where = "key_id IN (SELECT id FROM keys)",
	  .in_cols = "id,key_id,csrf,created,expires",
	  .in = "value->>'id', (SELECT id FROM keys WHERE name = value->>'key_name'), value->>'csrf',"
		" value->>'created', value->>'expires'",
	  .in_where = "value->>'key_name' IN (SELECT name FROM keys)" },
};


/* Appends, for each column of the comma-separated list, fmt with the column
 * in place of every '@', separated by sep; but the key's columns when
 * skip_key. */
static int each_col(struct buf *b, const char *list, const char *key, int skip_key, const char *fmt,
		    const char *sep)
{
	int first = 1;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		int in_key = 0;
		for (const char *k = key; *k;) {
			size_t m = strcspn(k, ",");
			in_key |= m == n && memcmp(k, p, n) == 0;
			k += m + (k[m] == ',');
		}
		if (!(skip_key && in_key)) {
			if (!first && buf_puts(b, sep) < 0)
				return -1;
			first = 0;
			for (const char *f = fmt; *f; f++)
				if (f[0] == '@' ? buf_append(b, p, n) : buf_putc(b, *f))
					return -1;
		}
		p += n + (p[n] == ',');
	}
	return 0;
}

/* The row's key as SQLite's json_array() of the columns (local) or of the
 * incoming object's members. */
static int key_json(struct buf *b, const char *key, int incoming)
{
	return buf_puts(b, "json_array(") | each_col(b, key, "", 0, incoming ? "value->>'@'" : "@", ", ") |
	       buf_putc(b, ')');
}

static int make(struct sync_table *t)
{
	const char *in_cols = t->in_cols ? t->in_cols : t->cols;
	int rc = 0;
	/* SQLite, up: the rows the outbox names (?1: its last id), then the keys it names that are gone */
	struct buf *b = &t->up_rows;
	rc |= buf_puts(b, "SELECT json_group_array(json_object(");
	rc |= t->out ? buf_puts(b, t->out) : each_col(b, t->cols, "", 0, "'@', @", ", ");
	rc |= buf_printf(b, ")) FROM %s WHERE ", t->name) | key_json(b, t->key, 0);
	rc |= buf_printf(b, " IN (SELECT k FROM sync_outbox WHERE tbl = '%s' AND id <= ?1)", t->name);
	if (t->out_where)
		rc |= buf_printf(b, " AND %s", t->out_where);
	b = &t->up_gone;
	rc |= buf_printf(b, "SELECT json_group_array(json(k)) FROM (SELECT DISTINCT k FROM sync_outbox"
			 " WHERE tbl = '%s' AND id <= ?1 AND k NOT IN (SELECT ", t->name);
	rc |= key_json(b, t->key, 0) | buf_printf(b, " FROM %s))", t->name);
	/* PostgreSQL: the rows put ($1), the keys gone ($1), what changed since $1 */
	b = &t->pg_put;
	rc |= buf_printf(b, "INSERT INTO %s (%s) SELECT %s FROM json_populate_recordset(NULL::%s, $1::json)"
			 " ON CONFLICT (%s) DO UPDATE SET ", t->name, t->cols, t->cols, t->name, t->key);
	rc |= t->pg_merge ? buf_puts(b, t->pg_merge) : each_col(b, t->cols, t->key, 1, "@ = excluded.@", ", ");
	b = &t->pg_del;
	rc |= buf_printf(b, "DELETE FROM %s WHERE jsonb_build_array(%s) IN"
			 " (SELECT value FROM jsonb_array_elements($1::jsonb))", t->name, t->key);
	b = &t->pg_read;
	rc |= buf_printf(b, "SELECT coalesce(json_agg(r), '[]') FROM (SELECT %s FROM %s WHERE xid >= $1::xid8) r",
			 t->cols, t->name);
	/* SQLite, down: the rows that came (?1), but those with a change here not yet sent */
	b = &t->down_put;
	rc |= buf_printf(b, "INSERT INTO %s (%s) SELECT ", t->name, in_cols);
	rc |= t->in ? buf_puts(b, t->in) : each_col(b, t->cols, "", 0, "value->>'@'", ", ");
	rc |= buf_puts(b, " FROM json_each(?1) WHERE ") | key_json(b, t->key, 1);
	rc |= buf_printf(b, " NOT IN (SELECT k FROM sync_outbox WHERE tbl = '%s')", t->name);
	if (t->in_where)
		rc |= buf_printf(b, " AND %s", t->in_where);
	rc |= buf_printf(b, " ON CONFLICT (%s) DO UPDATE SET ", t->key);
	rc |= t->merge ? buf_puts(b, t->merge) : each_col(b, in_cols, t->key, 1, "@ = excluded.@", ", ");
	/* SQLite, down: the tombstones ([table, key] pairs, ?1) */
	b = &t->down_del;
	rc |= buf_printf(b, "DELETE FROM %s WHERE ", t->name) | key_json(b, t->key, 0);
	rc |= buf_printf(b, " IN (SELECT json(value->>1) FROM json_each(?1) WHERE value->>0 = '%s') AND ", t->name);
	rc |= key_json(b, t->key, 0);
	rc |= buf_printf(b, " NOT IN (SELECT k FROM sync_outbox WHERE tbl = '%s')", t->name);
	return rc ? -1 : 0;
}

int sync_tables(void)
{
	static int made;
	for (int i = 0; !made && i < SYNC_NTABLES; i++)
		if (make(&sync_tables_all[i]) < 0)
			return -1;
	made = 1;
	return 0;
}
