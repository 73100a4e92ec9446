/* quick_write: best-effort writes on the request path (see quick_write.h). */
#include "route/quick_write.h"

#include <stdio.h>

#include "db.h"

/* A request-path write is best-effort: skipped in the back-off after the lock
 * was found held, never waiting past NR_DB_QUICK_MS; what is lost is said
 * once per process. The statement's step result; SQLITE_BUSY when skipped. */
int nr_quick_step(sqlite3 *db, sqlite3_stmt *st, int *said, const char *lost)
{
	int tried = nr_db_may_write();
	int rc = tried ? sqlite3_step(st) : SQLITE_BUSY;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		if (tried)
			nr_db_write_failed(db);
		if (!*said) {
			*said = 1;
			fprintf(stderr, "nr-route: %s (%s)\n", lost, rc == SQLITE_BUSY ? "database is locked" : sqlite3_errmsg(db));
		}
	}
	return rc;
}
