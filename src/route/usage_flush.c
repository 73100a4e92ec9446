/* usage_flush: usage rows wait in memory until the answer is out, then go to
 * SQLite, else to the journal, else stay in memory, else to stderr; no row is
 * dropped silently and no client waits on the database (see usage.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "route/journal.h"
#include "route/usage.h"

static char *queue[NR_USAGE_QUEUE_MAX];	/* rows as JSON, oldest first */
static size_t queued;
static long long first_ms;	/* when the queue last went from empty to not */
static int said_db, said_journal;	/* each said once per process */

/* The last resort: the row on stderr (the server's log), whole. */
static void lose(const char *row)
{
	fprintf(stderr, "nr-route: usage row not recorded: %s\n", row);
}

static void drop_first(size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(queue[i]);
	memmove(queue, queue + n, (queued - n) * sizeof queue[0]);
	queued -= n;
}

void nr_usage_defer(const struct nr_usage_row *r)
{
	struct buf row = BUF_INIT;
	if (nr_usage_row_json(r, &row) < 0) {
		fprintf(stderr, "nr-route: usage row not recorded (out of memory): request %s attempt %d\n",
			r->request, r->attempt);
		buf_free(&row);
		return;
	}
	if (queued == NR_USAGE_QUEUE_MAX) {	/* nothing could be written for a long while */
		lose(queue[0]);
		drop_first(1);
	}
	if (!queued)
		first_ms = nr_mono_ms();
	queue[queued++] = buf_steal(&row, NULL);
}

long nr_usage_due_ms(void)
{
	if (!queued)
		return -1;
	long long left = NR_USAGE_WAIT_MS - (nr_mono_ms() - first_ms);
	return queued >= NR_USAGE_BATCH || left <= 0 ? 0 : (long)left;
}

/* One transaction: the journal's rows (when this process gets its lock) and
 * the first n queued rows. The journal's rows written, or -1 with everything
 * left where it was and the reason in why. */
static long write_rows(sqlite3 *db, int busy_ms, size_t n, const char *prog, struct buf *why)
{
	if (!nr_db_may_write()) {
		buf_puts(why, "database is locked");	/* lately: not tried again yet */
		return -1;
	}
	sqlite3_busy_timeout(db, busy_ms);
	int rc = nr_db_begin(db);
	sqlite3_busy_timeout(db, NR_DB_QUICK_MS);
	if (rc < 0) {
		buf_puts(why, sqlite3_errmsg(db));
		nr_db_write_failed(db);
		return -1;
	}
	struct nr_journal j;
	long replayed = nr_journal_replay(db, &j, prog);
	rc = replayed < 0 ? -1 : 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = nr_usage_insert(db, queue[i], strlen(queue[i])) < 0 ? -1 : 0;
	if (rc == 0 && nr_db_commit(db) < 0)
		rc = -1;
	if (rc < 0) {
		buf_puts(why, sqlite3_errmsg(db));
		nr_db_write_failed(db);
		nr_db_rollback(db);
	}
	nr_journal_end(&j, rc == 0);
	return rc < 0 ? -1 : replayed;
}

long nr_usage_replay(sqlite3 *db, int busy_ms, struct buf *why)
{
	return write_rows(db, busy_ms, 0, "nr usage", why);
}

/* Appends the queue to the journal, oldest first, as far as it goes. */
static void to_journal(void)
{
	size_t done = 0;
	while (done < queued && nr_journal_append(queue[done], strlen(queue[done])) == 0)
		done++;
	if (done < queued && errno != EWOULDBLOCK && !said_journal) {
		said_journal = 1;
		fprintf(stderr, "nr-route: unable to write usage.journal: %s; usage rows wait in memory"
				" (at most %d)\n", strerror(errno), NR_USAGE_QUEUE_MAX);
	}
	drop_first(done);
}

void nr_usage_flush(void)
{
	if (!queued && !nr_journal_waiting())
		return;
	struct buf why = BUF_INIT;
	sqlite3 *db = nr_db_shared(&why);
	if (db && write_rows(db, NR_DB_FLUSH_MS, queued, "nr-route", &why) >= 0) {
		drop_first(queued);
		said_db = 0;
	} else if (queued) {
		if (!said_db) {
			said_db = 1;
			fprintf(stderr, "nr-route: usage rows go to usage.journal until the database takes them: %s\n",
				why.p ? why.p : "unable to open it");
		}
		to_journal();
	}
	buf_free(&why);
}

void nr_usage_flush_final(void)
{
	nr_usage_flush();
	for (size_t i = 0; i < queued; i++)
		lose(queue[i]);
	drop_first(queued);
}
