/* cooldown: accounts and targets that must rest, and the round-robin
 * counters, kept in SQLite so that concurrent nr-route processes agree.
 * Scopes are strings: "account PROVIDER KEYNAME" (quota gone, key rejected),
 * "rate PROVIDER KEYNAME MODEL" (rate limited), "target PROVIDER/MODEL"
 * (the upstream asked everyone to wait). Every function tolerates db == NULL
 * (no state: nothing is cooling, rotation starts anywhere). Writes are
 * best-effort and never wait past NR_DB_QUICK_MS (db.h): under a lock a
 * cooldown is lost (set again on the next failure) and a rotation step too. */
#ifndef NR_ROUTE_COOLDOWN_H
#define NR_ROUTE_COOLDOWN_H

#include <sqlite3.h>
#include <stddef.h>

#include "buf.h"

#define NR_COOLDOWN_MAX_S (7 * 24 * 3600.0)	/* cap on any hint an upstream sends */

double nr_now(void);	/* unix time in seconds, with fractions */

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

/* The next round-robin position for `provider` (0, 1, 2 …, shared); a
 * random one when the counter cannot be written. */
long nr_rotation_next(sqlite3 *db, const char *provider);

/* How long the upstream asks us to wait, from its response headers (lowercased
 * "name: value\n" lines) and error body: retry-after-ms, retry-after (seconds
 * or HTTP date), the anthropic-ratelimit-*-reset and x-ratelimit-reset-*
 * headers (preferring those whose remaining count is 0), gemini's
 * RetryInfo.retryDelay. Seconds, or -1 when there is no hint. */
double nr_retry_hint(const char *headers, const char *body);

/* The value of header `name` (lowercase) in `headers`, copied into out; 1 or 0. */
int nr_header_get(const char *headers, const char *name, struct buf *out);

#endif
