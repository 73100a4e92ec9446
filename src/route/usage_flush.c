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

/* Rows as they were given, each one allocation with its strings: bound
 * straight to the insert (usage_row.c); only the journal and stderr take
 * them as JSON. */
static struct nr_usage_row *queue[NR_USAGE_QUEUE_MAX];	/* oldest first */
static size_t queued;
static long long first_ms;	/* when the queue last went from empty to not */
static int said_db, said_journal;	/* each said once per process */

/* A row as its JSON line into out (reset first); 0 or -1. */
static int row_line(const struct nr_usage_row *r, struct buf *out)
{
	buf_reset(out);
	return nr_usage_row_json(r, out);
}

/* The last resort: the row on stderr (the server's log), whole. */
static void lose(const struct nr_usage_row *r)
{
	struct buf line = BUF_INIT;
	if (row_line(r, &line) == 0)
		fprintf(stderr, "nr-route: usage row not recorded: %s\n", line.p);
	else
		fprintf(stderr, "nr-route: usage row not recorded (out of memory): request %s attempt %d\n",
			r->request, r->attempt);
	buf_free(&line);
}

static void drop_first(size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(queue[i]);
	memmove(queue, queue + n, (queued - n) * sizeof queue[0]);
	queued -= n;
}

/* Copies of s into the block at *at, NULL for NULL. */
static const char *keep_str(const char *s, char **at)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = memcpy(*at, s, n);
	*at += n;
	return d;
}

/* r with its strings, in one allocation; NULL when out of memory. */
static struct nr_usage_row *row_copy(const struct nr_usage_row *r)
{
	const char *const strs[] = { r->request, r->client_key, r->requested, r->combo, r->provider,
				     r->model, r->account, r->outcome, r->reason };
	size_t size = sizeof *r;
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		size += strs[i] ? strlen(strs[i]) + 1 : 0;
	struct nr_usage_row *c = malloc(size);
	if (!c)
		return NULL;
	*c = *r;
	char *at = (char *)(c + 1);
	c->request = keep_str(r->request, &at);
	c->client_key = keep_str(r->client_key, &at);
	c->requested = keep_str(r->requested, &at);
	c->combo = keep_str(r->combo, &at);
	c->provider = keep_str(r->provider, &at);
	c->model = keep_str(r->model, &at);
	c->account = keep_str(r->account, &at);
	c->outcome = keep_str(r->outcome, &at);
	c->reason = keep_str(r->reason, &at);
	return c;
}

void nr_usage_defer(const struct nr_usage_row *r)
{
	struct nr_usage_row *c = row_copy(r);
	if (!c) {
		lose(r);
		return;
	}
	if (queued == NR_USAGE_QUEUE_MAX) {	/* nothing could be written for a long while */
		lose(queue[0]);
		drop_first(1);
	}
	if (!queued)
		first_ms = nr_mono_ms();
	queue[queued++] = c;
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
		rc = nr_usage_insert_row(db, queue[i]) < 0 ? -1 : 0;
	if (rc == 0 && (nr_usage_spend_write(db) < 0 || nr_db_commit(db) < 0))
		rc = -1;
	if (rc < 0) {
		nr_usage_spend_drop();
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
	struct buf line = BUF_INIT;
	while (done < queued) {
		if (row_line(queue[done], &line) < 0) {	/* out of memory: it waits in memory */
			errno = ENOMEM;
			break;
		}
		if (nr_journal_append(line.p, line.len) < 0)
			break;
		done++;
	}
	buf_free(&line);
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
