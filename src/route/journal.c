/* journal: usage rows that wait for SQLite in an append-only file (see journal.h). */
#include "route/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <jv.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "route/usage.h"

#define READ_CHUNK 65536

int nr_journal_path(struct buf *out)
{
	return nr_data_dir(out) < 0 ? -1 : buf_puts(out, "/usage.journal");
}

/* The journal opened with flags and flock'ed with op (non-blocking); -1 with errno. */
static int open_locked(int flags, int op)
{
	struct buf path = BUF_INIT;
	int fd = nr_journal_path(&path) < 0 ? -1 : open(path.p, flags | O_CLOEXEC, 0600);
	buf_free(&path);
	if (fd >= 0 && flock(fd, op | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int nr_journal_append(const char *row, size_t len)
{
	struct buf rec = BUF_INIT;
	if (buf_putc(&rec, '\n') < 0 || buf_append(&rec, row, len) < 0 || buf_putc(&rec, '\n') < 0) {
		buf_free(&rec);
		return -1;
	}
	int fd = open_locked(O_WRONLY | O_APPEND | O_CREAT, LOCK_SH), rc = -1;
	if (fd >= 0) {
		ssize_t n;
		do	/* one write: two could let another writer's row in between */
			n = write(fd, rec.p, rec.len);
		while (n < 0 && errno == EINTR);
		if (n == (ssize_t)rec.len)
			rc = 0;
		else if (n >= 0)
			errno = ENOSPC;	/* cut short: the next row's "\n" ends it */
		int e = errno;
		close(fd);
		errno = e;
	}
	buf_free(&rec);
	return rc;
}

int nr_journal_waiting(void)
{
	struct buf path = BUF_INIT;
	struct stat st;
	int r = nr_journal_path(&path) == 0 && stat(path.p, &st) == 0 && st.st_size > 0;
	buf_free(&path);
	return r;
}

/* Calls fn on each line of fd from its start (without the newline; a line
 * longer than NR_JOURNAL_LINE_MAX comes as NULL). Stops when fn returns < 0.
 * 0, or -1 on a read error or when fn stopped it. */
static int each_line(int fd, int (*fn)(void *ctx, const char *line, size_t n), void *ctx)
{
	struct buf line = BUF_INIT;
	char chunk[READ_CHUNK];
	int over = 0, rc = 0;
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(fd, chunk, sizeof chunk, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -1 : 0;
			break;
		}
		off += n;
		for (ssize_t i = 0; i < n && rc == 0; i++) {
			if (chunk[i] == '\n') {
				rc = fn(ctx, over ? NULL : line.p ? line.p : "", line.len);
				buf_reset(&line);
				over = 0;
			} else if (!over && (line.len >= NR_JOURNAL_LINE_MAX || buf_putc(&line, chunk[i]) < 0)) {
				over = 1;
				buf_reset(&line);
			}
		}
		if (rc < 0)
			break;
	}
	if (rc == 0 && (line.len || over))	/* the last line, unended */
		rc = fn(ctx, over ? NULL : line.p, line.len);
	buf_free(&line);
	return rc < 0 ? -1 : 0;
}

struct replay {
	sqlite3 *db;
	long rows, bad;
};

static int replay_line(void *ctx, const char *line, size_t n)
{
	struct replay *r = ctx;
	if (line && n == 0)
		return 0;	/* the "\n" before each row */
	int rc = line ? nr_usage_insert(r->db, line, n) : 1;
	if (rc < 0)
		return -1;
	if (rc > 0)
		r->bad++;
	else
		r->rows++;
	return 0;
}

long nr_journal_replay(sqlite3 *db, struct nr_journal *j, const char *prog)
{
	j->fd = -1;
	if (!nr_journal_waiting())
		return 0;
	/* EWOULDBLOCK: another process replays; ENOENT: emptied meanwhile */
	if ((j->fd = open_locked(O_RDWR, LOCK_EX)) < 0)
		return 0;
	struct replay r = { db, 0, 0 };
	if (each_line(j->fd, replay_line, &r) < 0) {
		nr_journal_end(j, 0);
		return -1;
	}
	if (r.bad)
		fprintf(stderr, "%s: usage.journal: skipped %ld malformed or cut-short rows\n", prog, r.bad);
	return r.rows;
}

void nr_journal_end(struct nr_journal *j, int committed)
{
	if (j->fd < 0)
		return;
	/* if this fails the rows are replayed again, and ignored as duplicates */
	if (committed && ftruncate(j->fd, 0) < 0)
		fprintf(stderr, "nr: unable to empty usage.journal: its rows will be replayed again\n");
	close(j->fd);	/* and the lock with it */
	j->fd = -1;
}

struct pending {
	long rows;
	double oldest;
};

static int count_line(void *ctx, const char *line, size_t n)
{
	struct pending *p = ctx;
	if (!line || n == 0)
		return 0;
	jv o = jv_parse_sized(line, (int)n);
	if (jv_get_kind(o) == JV_KIND_OBJECT) {
		jv ts = jv_object_get(o, jv_string("ts"));
		double t = jv_get_kind(ts) == JV_KIND_NUMBER ? jv_number_value(ts) : 0;
		jv_free(ts);
		p->rows++;
		if (t > 0 && (p->oldest == 0 || t < p->oldest))
			p->oldest = t;
	} else {
		jv_free(o);
	}
	return 0;
}

int nr_journal_pending(long *rows, double *oldest)
{
	struct pending p = { 0, 0 };
	struct buf path = BUF_INIT;
	int fd = nr_journal_path(&path) < 0 ? -1 : open(path.p, O_RDONLY | O_CLOEXEC);
	int rc = fd < 0 && errno != ENOENT ? -1 : 0;
	buf_free(&path);
	if (fd >= 0) {
		rc = each_line(fd, count_line, &p);
		close(fd);
	}
	*rows = p.rows;
	*oldest = p.oldest;
	return rc;
}
