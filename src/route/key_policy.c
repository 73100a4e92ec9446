/* key_policy: a key's allow, deny, budgets and rate (see key_policy.h). */
#include "route/key_policy.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "route/budget.h"

int key_policy_load(sqlite3 *db, const char *name, struct key_policy *p)
{
	sqlite3_stmt *st = nr_db_prepare(db, "SELECT allow, deny, budget_day, budget_month, rate FROM keys"
					     " WHERE name = ? AND revoked IS NULL");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), found = rc == SQLITE_ROW;
	if (found) {
		const char *allow = (const char *)sqlite3_column_text(st, 0);
		const char *deny = (const char *)sqlite3_column_text(st, 1);
		if ((allow && buf_puts(&p->allow, allow) < 0) || (deny && buf_puts(&p->deny, deny) < 0))
			found = -1;
		p->budget_day = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_double(st, 2);
		p->budget_month = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_double(st, 3);
		p->rate = sqlite3_column_int64(st, 4);
	} else if (rc != SQLITE_DONE) {
		found = -1;
	}
	nr_db_done(st);
	return found;
}

void key_policy_free(struct key_policy *p)
{
	buf_free(&p->allow);
	buf_free(&p->deny);
}

static const char *const fields[] = { "allow", "deny", "budget_day", "budget_month", "rate" };
#define NFIELDS (sizeof fields / sizeof fields[0])

/* The field that "FIELD=VALUE" sets, one of fields[]; NULL when none. */
static const char *field_of(const char *arg)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		size_t n = strlen(fields[i]);
		if (strncmp(arg, fields[i], n) == 0 && arg[n] == '=')
			return fields[i];
	}
	return NULL;
}

int key_policy_field(const char *arg)
{
	return field_of(arg) != NULL;
}

/* A list of patterns: non-empty, printable, no spaces, no empty pattern. */
static int patterns_ok(const char *v)
{
	if (!*v || *v == ',' || v[strlen(v) - 1] == ',' || strstr(v, ",,"))
		return 0;
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return 0;
	return 1;
}

int key_policy_set(sqlite3 *db, const char *name, const char *arg, struct buf *err)
{
	/* the column's name comes from fields[], never from the caller */
	const char *col = field_of(arg);
	if (!col) {
		buf_printf(err, "'%s' is no policy field (allow, deny, budget_day, budget_month, rate)", arg);
		return -1;
	}
	const char *value = arg + strlen(col) + 1;
	int clear = !*value || strcmp(value, "none") == 0;
	double usd = 0;
	long rate = 0;
	if (!clear && col[0] == 'b' && nr_budget_usd(value, &usd) < 0) {
		buf_printf(err, "%s=%s: a budget is US dollars, from 0 (say 5 or 0.25)", col, value);
		return -1;
	}
	if (!clear && col[0] == 'r') {
		char *end;
		rate = strtol(value, &end, 10);
		if (*end || end == value || rate < 1 || rate > KEY_RATE_MAX) {
			buf_printf(err, "rate=%s: requests a minute, from 1 to %d", value, KEY_RATE_MAX);
			return -1;
		}
	}
	if (!clear && col[0] != 'b' && col[0] != 'r' && !patterns_ok(value)) {
		buf_printf(err, "%s=%s: patterns separated by commas, no spaces (say openai/*,claude-*)", col, value);
		return -1;
	}
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st = NULL;
	if (buf_printf(&sql, "UPDATE keys SET %s = ?2 WHERE name = ?1 AND revoked IS NULL", col) < 0 ||
	    sqlite3_prepare_v2(db, sql.p, -1, &st, NULL) != SQLITE_OK) {
		buf_free(&sql);
		buf_printf(err, "unable to change the key: %s", sqlite3_errmsg(db));
		return -1;
	}
	buf_free(&sql);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (clear)
		sqlite3_bind_null(st, 2);
	else if (col[0] == 'b')
		sqlite3_bind_double(st, 2, usd);
	else if (col[0] == 'r')
		sqlite3_bind_int64(st, 2, rate);
	else
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		buf_printf(err, "unable to change the key: %s", sqlite3_errmsg(db));
		return -1;
	}
	return sqlite3_changes(db) > 0;
}

int key_policy_match(const char *list, const char *s, struct buf *pat)
{
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		buf_reset(pat);
		if (buf_append(pat, p, n) < 0)
			return -1;
		if (n && fnmatch(pat->p, s, 0) == 0)
			return 1;
		p = end ? end + 1 : NULL;
	}
	buf_reset(pat);
	return 0;
}

long key_policy_count(sqlite3 *db, const char *name, double now, double *rest)
{
	double minute = floor(now / 60);
	*rest = (minute + 1) * 60 - now;
	if (nr_db_begin(db) < 0)
		return -1;
	sqlite3_stmt *st = nr_db_prepare(db, "INSERT INTO key_rate VALUES (?1, ?2, 1) ON CONFLICT(name) DO UPDATE"
					     " SET n = iif(minute = excluded.minute, n + 1, 1), minute = excluded.minute"
					     " RETURNING n");
	long n = -1;
	if (st) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)minute);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = (long)sqlite3_column_int64(st, 0);
		nr_db_done(st);
	}
	if (n < 0 || nr_db_commit(db) < 0) {
		nr_db_rollback(db);
		return -1;
	}
	return n;
}
