/* rotation: the round-robin counters over a provider's accounts, kept in
 * SQLite so that concurrent nr-route processes agree. Tolerates db == NULL
 * (no state: rotation starts anywhere); a step lost under a lock (the write
 * never waits past NR_DB_QUICK_MS, db.h) starts anywhere too. */
#ifndef NR_ROUTE_ROTATION_H
#define NR_ROUTE_ROTATION_H

#include <sqlite3.h>

/* The next round-robin position for `provider` (0, 1, 2 …, shared); a
 * random one when the counter cannot be written. */
long nr_rotation_next(sqlite3 *db, const char *provider);

#endif
