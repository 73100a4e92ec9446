/* journal: $NR_DATA_DIR/usage.journal, where usage rows wait while SQLite
 * cannot take them (locked past the busy timeout, full, read-only). Append
 * only, 0600. Each row goes in as "\n" JSON "\n" by one write(2) on an
 * O_APPEND descriptor, so that concurrent writers never interleave and a row
 * cut short (a full disk) is ended by the next one and skipped on replay.
 * Writers hold a shared flock, the replayer an exclusive one: nothing is
 * appended between reading the journal and emptying it. Replays are
 * idempotent (usage_row.c inserts OR IGNORE on (request, attempt)), so a
 * crash between the COMMIT and emptying the journal counts nothing twice. */
#ifndef NR_ROUTE_JOURNAL_H
#define NR_ROUTE_JOURNAL_H

#include <sqlite3.h>
#include <stddef.h>

#include "buf.h"

#define NR_JOURNAL_LINE_MAX (1024 * 1024)	/* a longer line is not a row: skipped */

/* The journal's path into out; 0 or -1. */
int nr_journal_path(struct buf *out);

/* Appends one row (JSON, no newline). 0, or -1 with errno: EWOULDBLOCK when
 * another process is replaying the journal right now (try again later). */
int nr_journal_append(const char *row, size_t len);

/* Whether the journal holds anything (one stat). */
int nr_journal_waiting(void);

struct nr_journal {
	int fd;		/* locked while >= 0 */
};

/* When the journal holds rows and this process gets its lock: inserts them
 * into db, inside the caller's transaction, and keeps the lock. Malformed
 * lines are skipped, and said on stderr after `prog`. Returns the rows read
 * (0 when there are none or another process replays), -1 on a database error. */
long nr_journal_replay(sqlite3 *db, struct nr_journal *j, const char *prog);

/* Ends a replay: empties the journal if the transaction committed; unlocks. */
void nr_journal_end(struct nr_journal *j, int committed);

/* How many rows wait and the oldest one's time (unix seconds, 0 when none);
 * 0 or -1 when the journal cannot be read. */
int nr_journal_pending(long *rows, double *oldest);

#endif
