/* quick_write: the request path's writes to the state database (cooldowns,
 * rotation), best-effort and never waiting past NR_DB_QUICK_MS (db.h). */
#ifndef NR_ROUTE_QUICK_WRITE_H
#define NR_ROUTE_QUICK_WRITE_H

#include <sqlite3.h>

/* Steps st; on failure says `lost` on stderr once per process (*said). The
 * statement's step result; SQLITE_BUSY when skipped. */
int nr_quick_step(sqlite3 *db, sqlite3_stmt *st, int *said, const char *lost);

#endif
