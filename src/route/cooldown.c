/* cooldown: rest periods in SQLite (see cooldown.h). */
#include "route/cooldown.h"

#include "db.h"
#include "route/now.h"
#include "route/quick_write.h"

void nr_cooldown_read(sqlite3 *db, const char *const *scopes, size_t n, struct nr_cooling *c)
{
	for (size_t i = 0; i < n; i++)
		c[i].left = 0;
	sqlite3_stmt *st;
	if (!db || n == 0 || !(st = nr_db_prepare(db, "SELECT until, reason FROM cooldowns WHERE scope = ? AND until > ?")))
		return;
	double now = nr_now();
	for (size_t i = 0; i < n; i++) {
		sqlite3_bind_text(st, 1, scopes[i], -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 2, now);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *r = sqlite3_column_text(st, 1);
			c[i].left = sqlite3_column_double(st, 0) - now;
			buf_reset(&c[i].reason);
			if (buf_puts(&c[i].reason, r ? (const char *)r : "cooling down") < 0)
				buf_reset(&c[i].reason);
		}
		sqlite3_reset(st);
	}
	nr_db_done(st);
}

int nr_cooldown_set(sqlite3 *db, const char *scope, double seconds, const char *reason)
{
	static int said;
	if (!db || seconds <= 0)
		return 0;
	if (seconds > NR_COOLDOWN_MAX_S)
		seconds = NR_COOLDOWN_MAX_S;
	sqlite3_stmt *st;
	if (!(st = nr_db_prepare(db, "INSERT INTO cooldowns VALUES (?1, ?2, ?3) ON CONFLICT(scope) DO UPDATE"
			       " SET reason = iif(excluded.until > until, excluded.reason, reason),"
			       " until = max(until, excluded.until)")))
		return -1;
	sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 2, nr_now() + seconds);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	int rc = nr_quick_step(db, st, &said, "cooldown not recorded; it is set again on the next failure") == SQLITE_DONE ? 0 : -1;
	nr_db_done(st);
	return rc;
}

