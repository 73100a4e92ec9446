/* run: `nr db sync`, the loop beside an instance that keeps its SQLite file
 * and the team's PostgreSQL in step (sync.h). A round sends what waits here,
 * then reads what changed there; rounds come every interval and at once when
 * another instance NOTIFYs. PostgreSQL gone: the loop says so once, with what
 * is waiting here, tries again with a growing pause (up to 5 s), and says
 * when it is back and what went up. */
#include "sync/sync.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "sync/local.h"
#include "exitcodes.h"

/* Between tries while PostgreSQL is away: doubling from a second to five, a
 * connection attempt that costs the server little and finds it back soon. */
#define PAUSE_MIN_MS 1000
#define PAUSE_MAX_MS 5000

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* The signal mask of the waits: SIGTERM and SIGINT come only there (a round
 * is bounded: libpq's timeouts, pg.c), so one that comes during a round ends
 * the wait after it at once instead of being lost to libpq's EINTR retry. */
static sigset_t wait_mask;

/* Waits up to ms for a notification on pg (or pg's end), or for a signal. */
static void wait_for(PGconn *pg, long ms)
{
	struct pollfd p = { .fd = pg ? PQsocket(pg) : -1, .events = POLLIN };
	struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L };
	if (stop)
		return;
	if (ppoll(&p, 1, &t, &wait_mask) > 0 && pg && PQconsumeInput(pg)) {
		PGnotify *note;
		while ((note = PQnotifies(pg)))
			PQfreemem(note);
	}
}

/* Says why the round failed: PostgreSQL gone (pg NULL or broken), or not. */
/* A connection with both ends ready (sync.h) and listening for the others'
 * announcements, or NULL (err). */
static PGconn *connect_attached(sqlite3 *db, struct buf *err)
{
	PGconn *pg = nr_pg_connect(err);
	if (pg && (nr_sync_attach(db, pg, err) < 0 || nr_pg_do(pg, "LISTEN nr_change", 0, NULL, err) < 0)) {
		PQfinish(pg);
		pg = NULL;
	}
	return pg;
}

static void report_down(sqlite3 *db, PGconn *pg, const char *where, const char *why)
{
	long changes, usage = nr_sync_backlog(db, &changes);
	if (pg && PQstatus(pg) == CONNECTION_OK)
		fprintf(stderr, "nr db sync: a round failed (%s): %s; the local file goes on serving", where, why);
	else
		fprintf(stderr, "nr db sync: postgresql unreachable (%s): %s; serving from the local file", where, why);
	if (usage >= 0)
		fprintf(stderr, ", where %ld usage rows and %ld changes wait", usage, changes);
	fputc('\n', stderr);
}

/* One round: this file's changes up, the others' down, the logins' tokens. */
static int sync_round(sqlite3 *db, PGconn *pg, struct nr_sync_counts *n, struct buf *err)
{
	return nr_sync_push(db, pg, n, err) < 0 || nr_sync_pull(db, pg, n, err) < 0 ||
			       nr_sync_logins(db, pg, n, err) < 0
		       ? -1
		       : 0;
}

int nr_sync_run(int once, long interval_ms)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigemptyset(&sa.sa_mask);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigprocmask(SIG_BLOCK, &block, &wait_mask) < 0) {
		fprintf(stderr, "nr db sync: signals: %s\n", strerror(errno));
		return NR_EXIT_SYS;
	}
	int named = nr_pg_named("sync", "no database to sync with");
	if (named <= 0)
		return named < 0 ? NR_EXIT_SYS : NR_EXIT_USAGE;
	struct buf err = BUF_INIT, where = BUF_INIT;
	sqlite3 *db = nr_db_open(&err);
	if (!db) {
		fprintf(stderr, "nr db sync: %s\n", err.p ? err.p : "unable to open the database");
		buf_free(&err);
		return NR_EXIT_SYS;
	}
	/* attached here first, PostgreSQL or not: the changes from now on are noted */
	if (sync_local_setup(db, &err) < 0) {
		fprintf(stderr, "nr db sync: %s\n", err.p ? err.p : "unable to attach the local file");
		nr_db_close(db);
		buf_free(&err);
		return NR_EXIT_SYS;
	}
	PGconn *pg = NULL;
	int down = 0, rc = NR_EXIT_OK;
	long pause_ms = PAUSE_MIN_MS;
	while (!stop) {
		struct nr_sync_counts n = { 0 };
		buf_reset(&err);
		if (!pg && (pg = connect_attached(db, &err)) != NULL) {
			buf_reset(&where);
			nr_pg_where(pg, &where);
		}
		if (!pg || sync_round(db, pg, &n, &err) < 0) {
			/* said once a spell; again when the connection is lost anew */
			int gone = !pg || PQstatus(pg) != CONNECTION_OK;
			if (!down || (pg && gone))
				report_down(db, pg, where.p ? where.p : "its URL", err.p ? err.p : "?");
			if (gone) {
				PQfinish(pg);
				pg = NULL;
			}
			down = 1;
			rc = NR_EXIT_UNAVAILABLE;
			if (once)
				break;
			wait_for(NULL, pause_ms);
			pause_ms = pause_ms * 2 < PAUSE_MAX_MS ? pause_ms * 2 : PAUSE_MAX_MS;
			continue;
		}
		if (down)
			fprintf(stderr, "nr db sync: postgresql back (%s): sent %ld usage rows and %ld changes\n", where.p,
				n.up_usage, n.up_rows);
		down = 0;
		rc = NR_EXIT_OK;
		pause_ms = PAUSE_MIN_MS;
		if (once) {
			printf("sent %ld usage rows, %ld changes; received %ld usage rows, %ld changes, %ld deletions\n",
			       n.up_usage, n.up_rows, n.down_usage, n.down_rows, n.down_deleted);
			break;
		}
		wait_for(pg, interval_ms);
	}
	/* Stopped (SIGTERM, SIGINT): what changed since the last round goes up
	 * now, not at the next start, on the connection there is (a round that
	 * failed here, say on a file an older nr wrote, is tried once more); no
	 * new connection on the way out. */
	if (stop && pg) {
		struct nr_sync_counts n = { 0 };
		buf_reset(&err);
		if (sync_round(db, pg, &n, &err) < 0) {
			report_down(db, pg, where.p ? where.p : "its URL", err.p ? err.p : "?");
			rc = NR_EXIT_UNAVAILABLE;
		}
	}
	PQfinish(pg);
	nr_db_close(db);
	buf_free(&err);
	buf_free(&where);
	return rc;
}
