/* cooldown: accounts and targets that must rest, kept in SQLite so that
 * concurrent nr-route processes agree.
 * Scopes are strings: "account PROVIDER KEYNAME" (quota gone, key rejected),
 * "rate PROVIDER KEYNAME MODEL" (rate limited), "target PROVIDER/MODEL"
 * (the upstream asked everyone to wait). Every function tolerates db == NULL
 * (no state: nothing is cooling). Writes are best-effort and never wait past
 * NR_DB_QUICK_MS (db.h, quick_write.h): under a lock a cooldown is lost (set
 * again on the next failure). */
#ifndef NR_ROUTE_COOLDOWN_H
#define NR_ROUTE_COOLDOWN_H

#include <sqlite3.h>
#include <stddef.h>

#include "buf.h"
/* once all in this file: the callers that include it for them still build */
#include "route/headers.h"
#include "route/now.h"
#include "route/retry_hint.h"
#include "route/rotation.h"

#define NR_COOLDOWN_MAX_S (7 * 24 * 3600.0)	/* cap on any hint an upstream sends */

/* One scope's rest as read: the seconds left (0 when none) and, when some
 * are, the stored reason. */
struct nr_cooling {
	double left;
	struct buf reason;
};

/* The rest of each of n scopes into c[0..n-1] (initialised with BUF_INIT
 * reasons; free them with buf_free). Read them inside one read transaction
 * (nr_db_begin_read), as the router does with a target's accounts: the
 * database's locks are then taken once, not once a scope. */
void nr_cooldown_read(sqlite3 *db, const char *const *scopes, size_t n, struct nr_cooling *c);

/* Cools `scope` down for `seconds` (an existing longer cooldown is kept);
 * 0, or -1 (said on stderr once per process). */
int nr_cooldown_set(sqlite3 *db, const char *scope, double seconds, const char *reason);

#endif
