/* local: sync's tables and marks in the instance's SQLite file (local.c). */
#ifndef NR_SYNC_LOCAL_H
#define NR_SYNC_LOCAL_H

#include <sqlite3.h>

#include "buf.h"

/* The outbox, its triggers and this instance's origin; 0 or -1 (err). */
int sync_local_setup(sqlite3 *db, struct buf *err);

/* SQL without results; 0 or -1 (err). */
int sync_local_exec(sqlite3 *db, const char *sql, struct buf *err);
/* The first column of the first row of sql, with ?1 bound to arg (text) or
 * else n, into out: 1, 0 when no row or NULL, -1 on error (err). */
int sync_local_text(sqlite3 *db, const char *sql, const char *arg, long long n, struct buf *out, struct buf *err);
/* A row of the settings table; get as sync_local_text. */
int sync_local_get(sqlite3 *db, const char *name, struct buf *out, struct buf *err);
int sync_local_set(sqlite3 *db, const char *name, const char *value, struct buf *err);

#endif
