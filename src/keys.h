/* keys: nr's own API keys. A key is random (arc4random), shown once when
 * created, stored only as its SHA-256, compared in constant time, named and
 * revocable. */
#ifndef NR_KEYS_H
#define NR_KEYS_H

#include <sqlite3.h>

#include "buf.h"

/* Creates key NAME; the key itself goes to *key (shown once, never stored).
 * 0, or -1 with a message in *err (e.g. the name exists). */
int keys_add(sqlite3 *db, const char *name, struct buf *key, struct buf *err);
/* 1 when `key` is a live key (its name into *name), 0 when not, -1 on error. */
int keys_check(sqlite3 *db, const char *key, struct buf *name);
/* 1 revoked, 0 no live key of that name, -1 error. */
int keys_revoke(sqlite3 *db, const char *name);
/* How many live keys exist; -1 on error. */
int keys_count(sqlite3 *db);
/* Calls fn for each key: name, created and revoked (0 when live) as Unix times. */
int keys_each(sqlite3 *db, void (*fn)(void *ctx, const char *name, double created,
				      double revoked), void *ctx);

#endif
