/* rotation: the shared round-robin counters (see rotation.h). */
#include "route/rotation.h"

#include <stdlib.h>

#include "db.h"
#include "route/quick_write.h"

long nr_rotation_next(sqlite3 *db, const char *provider)
{
	static int said;
	long v = -1;
	sqlite3_stmt *st;
	/* one statement: atomic without an explicit transaction */
	if (db && (st = nr_db_prepare(db, "INSERT INTO rotation VALUES (?, 1) ON CONFLICT(provider)"
				       " DO UPDATE SET next = next + 1 RETURNING next - 1"))) {
		sqlite3_bind_text(st, 1, provider, -1, SQLITE_STATIC);
		if (nr_quick_step(db, st, &said, "rotation step not recorded; starting at a random account") == SQLITE_ROW)
			v = (long)sqlite3_column_int64(st, 0);
		nr_db_done(st);
	}
	/* no shared counter: a random start still spreads the load */
	return v >= 0 ? v : (long)(arc4random() & 0x7fffffff);
}
