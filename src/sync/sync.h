/* sync: a team's instances share one PostgreSQL (pg.h) through their own
 * SQLite files. Each instance's request path reads and writes its local
 * nr.sqlite as it does for one user, never waiting on the network; `nr db
 * sync` beside it copies both ways, every half second and whenever another
 * instance announces a change (LISTEN/NOTIFY):
 *  - up: the rows of the shared tables (keys, accounts, cooldowns, quota
 *    windows, rotation, dashboard sessions) that changed here, found in a
 *    local outbox that triggers fill (local.c), and the usage rows not
 *    yet sent, all in one PostgreSQL transaction; merged there by each
 *    table's rule (a cooldown keeps the later end, a quota window the later
 *    reading, the rest the last writer);
 *  - down: what changed there since the last look (each row carries the
 *    transaction that wrote it; nr reads from the oldest transaction that
 *    was still running last time, so no late commit is missed), deletions
 *    from tombstones, and the other instances' usage rows, whose cost goes
 *    into the local spend sums as a local row's does, so budgets and the
 *    dashboard count the team's spending. A row with a local change not yet
 *    sent keeps the local change.
 * When PostgreSQL cannot be reached the instance goes on with what its file
 * holds; its changes and usage rows wait there and go up when it is back.
 * Returns are 0, or -1 with the reason in err. */
#ifndef NR_SYNC_SYNC_H
#define NR_SYNC_SYNC_H

#include <sqlite3.h>

#include "buf.h"
#include "sync/pg.h"

struct nr_sync_counts {
	long up_rows, up_usage, down_rows, down_usage, down_deleted, renewed;
};

/* Makes ready both ends: PostgreSQL's schema, the local outbox and its
 * triggers, this instance's name (its origin). A database not seen before
 * (another server, or one restored) is read whole on the next pull. */
int nr_sync_attach(sqlite3 *db, PGconn *pg, struct buf *err);
int nr_sync_push(sqlite3 *db, PGconn *pg, struct nr_sync_counts *n, struct buf *err);
int nr_sync_pull(sqlite3 *db, PGconn *pg, struct nr_sync_counts *n, struct buf *err);

/* Renews the due `nr login` tokens of the accounts here, each under
 * PostgreSQL's advisory lock for it (logins.c). */
int nr_sync_logins(sqlite3 *db, PGconn *pg, struct nr_sync_counts *n, struct buf *err);

/* `nr db sync`: rounds until SIGTERM or SIGINT (once: one round), reporting
 * to stderr when PostgreSQL goes away and comes back. Exit status. */
int nr_sync_run(int once, long interval_ms);

/* What waits here to go up: usage rows and changed shared rows; -1 on error. */
long nr_sync_backlog(sqlite3 *db, long *changes);

#endif
