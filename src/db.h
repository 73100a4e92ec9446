/* db: nr's one SQLite database, $NR_DATA_DIR/nr.sqlite (default
 * ~/.local/share/nr/nr.sqlite): WAL, a busy timeout, and a schema versioned in
 * the `migrations` table and migrated forward on open. Shared by nr-route
 * (cooldowns, rotation, usage), nr (reports, keys) and nr-serve (key checks).
 * Writers use BEGIN IMMEDIATE so that concurrent processes queue on the busy
 * timeout instead of failing with "database is locked". The request path
 * (nr_db_shared) never waits long: its writes are best-effort or journaled. */
#ifndef NR_DB_H
#define NR_DB_H

#include <sqlite3.h>

#include "buf.h"

#define NR_DB_BUSY_MS 10000	/* how long an admin writer (or a migration) waits for another process */
#define NR_DB_QUICK_MS 100	/* the request path: rotation and cooldowns, before the answer */
#define NR_DB_FLUSH_MS 250	/* usage rows, after the answer (then the journal takes them) */
#define NR_DB_BACKOFF_S 1.0	/* after finding the lock held, writes are not tried for this long */

/* The data directory ($NR_DATA_DIR or ~/.local/share/nr) into `out`; 0 or -1. */
int nr_data_dir(struct buf *out);

/* Opens (creating the directory 0700 and the file 0600 when missing) and
 * migrates; takes no write lock when nothing needs migrating. Returns the
 * handle, or NULL with a message naming the failed action in `err`. */
sqlite3 *nr_db_open(struct buf *err);
/* The same for the database file at path (`nr db export` and `import`'s). */
sqlite3 *nr_db_open_file(const char *path, struct buf *err);
void nr_db_close(sqlite3 *db);

/* The process's own connection, opened on first use and kept, so that the
 * requests a worker serves one after another skip the open and the schema
 * read (~0.6M instructions each). Retried while it fails. Not to be opened
 * before a fork whose child would use it. Its busy timeout is NR_DB_QUICK_MS. */
sqlite3 *nr_db_shared(struct buf *err);
void nr_db_shared_close(void);

/* The statement for sql, prepared once per connection and kept (preparing
 * costs more than running these small statements). sql must be a string
 * literal: its address is the key. Give it back with nr_db_done(), never
 * sqlite3_finalize(); nr_db_close() finalizes them. NULL on error. */
sqlite3_stmt *nr_db_prepare(sqlite3 *db, const char *sql);
void nr_db_done(sqlite3_stmt *st);

/* The schema version after migration (the highest applied). */
int nr_db_version(sqlite3 *db);

/* BEGIN IMMEDIATE / BEGIN (a read: several statements, one snapshot and
 * one round of locks) / COMMIT / ROLLBACK; 0 or -1. */
int nr_db_begin(sqlite3 *db);
int nr_db_begin_read(sqlite3 *db);
int nr_db_commit(sqlite3 *db);
void nr_db_rollback(sqlite3 *db);

/* A request's first read transaction, begun by nr-serve's key check and
 * carried on to the router's first read (one snapshot and one round of locks
 * a request, not two): nr_db_begin_read_ahead() begins it on db; the next
 * nr_db_begin_read() on db takes it over instead of beginning another (its
 * COMMIT ends it); nr_db_begin() and nr_db_read_ahead_end() end it (COMMIT)
 * when it was not taken over. It must not outlive the request, nor wait on
 * a client: a snapshot held open keeps the WAL from being checkpointed. */
int nr_db_begin_read_ahead(sqlite3 *db);
void nr_db_read_ahead_end(void);

/* Whether this process may try a request-path write now: not within
 * NR_DB_BACKOFF_S of one that found the database locked, so that a long lock
 * costs each process one short wait a second, not one per statement. */
int nr_db_may_write(void);
/* After a failed write on db: starts the back-off when the lock was the cause;
 * when db is the shared connection and found read-only, the next
 * nr_db_shared() opens it again (SQLite keeps a connection opened read-only so). */
void nr_db_write_failed(sqlite3 *db);

#endif
