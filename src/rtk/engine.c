/* engine: feeds lines to a filter and picks the filtered text or the input. */
#include "rtk/engine.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "utf8.h"

#define SPOOL_MEM_LIMIT (8u * 1024 * 1024)	/* per spool, before temp file */
#define READ_CHUNK (64u * 1024)

struct engine {
	const struct rtk_filter *f;
	void *state;
	struct rtk_out out;
	struct buf partial;	/* a line split across reads */
	int failed;		/* filter gave up: the input is the answer */
	unsigned long long in_bytes, in_lines;	/* in_lines: newlines read */
};

static int engine_start(struct engine *e, const struct rtk_filter *f, size_t out_limit)
{
	memset(e, 0, sizeof *e);
	e->f = f;
	spool_init(&e->out.sp, out_limit);
	e->state = f->start();
	if (!e->state)
		e->failed = 1;
	return 0;
}

static void give_line(struct engine *e, const char *s, size_t n)
{
	if (!e->failed && e->f->line(e->state, s, n, &e->out) < 0)
		e->failed = 1;
}

static void engine_feed(struct engine *e, const char *p, size_t n)
{
	e->in_bytes += n;
	if (e->failed)
		return;
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) : n;
		if (e->partial.len + take > RTK_LINE_MAX) {
			e->failed = 1;	/* not line-oriented text: pass it through */
			return;
		}
		if (!nl) {
			if (buf_append(&e->partial, p, take) < 0)
				e->failed = 1;
			return;
		}
		if (e->partial.len) {
			if (buf_append(&e->partial, p, take) < 0) {
				e->failed = 1;
				return;
			}
			give_line(e, e->partial.p, e->partial.len);
			buf_reset(&e->partial);
		} else {
			give_line(e, p, take);
		}
		e->in_lines++;
		p += take + 1;
		n -= take + 1;
	}
}

/* Nonzero when the filtered text should be the answer: fewer bytes, or as
 * many on fewer lines (names joined by blanks, not newlines: a tokeniser
 * merges a blank into the word after it, never a newline). */
static int engine_finish(struct engine *e)
{
	if (!e->failed && e->partial.len)
		give_line(e, e->partial.p, e->partial.len);
	if (!e->failed && e->f->finish(e->state, &e->out) < 0)
		e->failed = 1;
	unsigned long long size = e->out.sp.size;
	if (e->failed || size > e->in_bytes)
		return 0;
	if (size < e->in_bytes)
		return 1;
	/* a tie: counted here, not on every write (ties are rare; one past the
	 * spool's memory keeps the input) */
	const char *p = spool_mem(&e->out.sp);
	return p && rtk_count(p, (size_t)size, '\n') < e->in_lines;
}

static void engine_free(struct engine *e)
{
	if (e->state)
		e->f->free(e->state);
	spool_free(&e->out.sp);
	buf_free(&e->partial);
}

static int looks_binary(const char *head, size_t n)
{
	return memchr(head, '\0', n) != NULL || !utf8_valid(head, n, 1);
}

unsigned long long rtk_estimate_tokens(unsigned long long bytes)
{
	return (bytes + 3) / 4;
}

static void stats_set(struct rtk_stats *st, const char *filter, unsigned long long in,
		      unsigned long long out, int unchanged)
{
	if (!st)
		return;
	st->filter = filter;
	st->in_bytes = in;
	st->out_bytes = out;
	st->unchanged = unchanged;
}

/* Raw input kept for the pass-through answer: a seek offset on a regular
 * file, else a spool of everything read. */
struct raw {
	int seekable;
	off_t start;
	struct spool sp;
};

static int raw_write(struct raw *r, int in, int out)
{
	if (!r->seekable)
		return spool_write_to(&r->sp, out);
	if (lseek(in, r->start, SEEK_SET) < 0)
		return -1;
	return copy_fd(in, out);
}

int rtk_filter_fd(int in, int out, const struct rtk_filter *forced, struct rtk_stats *st)
{
	char head[RTK_HEAD_MAX];
	ssize_t hn = read_full(in, head, sizeof head);
	if (hn < 0)
		return -1;
	if (hn == 0) {
		stats_set(st, "none", 0, 0, 1);
		return 0;
	}
	size_t n = (size_t)hn;
	if (looks_binary(head, n)) {
		struct stat sb;
		off_t rest = 0;
		if (write_all(out, head, n) < 0 || copy_fd(in, out) < 0)
			return -1;
		if (fstat(in, &sb) == 0 && S_ISREG(sb.st_mode))
			rest = sb.st_size - (off_t)n;
		stats_set(st, "none", n + (unsigned long long)rest, n + (unsigned long long)rest, 1);
		return 0;
	}

	const struct rtk_filter *f = forced ? forced : rtk_detect(head, n);
	struct raw raw = { 0 };
	struct stat sb;
	spool_init(&raw.sp, SPOOL_MEM_LIMIT);
	if (fstat(in, &sb) == 0 && S_ISREG(sb.st_mode)) {
		off_t pos = lseek(in, 0, SEEK_CUR);
		if (pos >= (off_t)n) {
			raw.seekable = 1;
			raw.start = pos - (off_t)n;
		}
	}

	struct engine e;
	engine_start(&e, f, SPOOL_MEM_LIMIT);
	int rc = 0;
	if (!raw.seekable && spool_append(&raw.sp, head, n) < 0)
		rc = -1;
	engine_feed(&e, head, n);

	static char chunk[READ_CHUNK];
	while (rc == 0) {
		ssize_t r = read(in, chunk, sizeof chunk);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		if (r == 0)
			break;
		if (!raw.seekable && spool_append(&raw.sp, chunk, (size_t)r) < 0) {
			rc = -1;
			break;
		}
		engine_feed(&e, chunk, (size_t)r);
	}

	if (rc == 0) {
		if (engine_finish(&e)) {
			rc = spool_write_to(&e.out.sp, out);
			stats_set(st, f->name, e.in_bytes, (unsigned long long)e.out.sp.size, 0);
		} else {
			rc = raw_write(&raw, in, out);
			stats_set(st, f->name, e.in_bytes, e.in_bytes, 1);
		}
	}
	engine_free(&e);
	spool_free(&raw.sp);
	return rc;
}

int rtk_filter_mem(const char *in, size_t n, const struct rtk_filter *forced,
		   struct buf *out, struct rtk_stats *st)
{
	buf_reset(out);
	size_t hn = n < RTK_HEAD_MAX ? n : RTK_HEAD_MAX;
	if (n == 0 || looks_binary(in, hn)) {
		stats_set(st, "none", n, n, 1);
		return buf_append(out, in, n);
	}
	const struct rtk_filter *f = forced ? forced : rtk_detect(in, hn);
	struct engine e;
	engine_start(&e, f, SIZE_MAX);
	engine_feed(&e, in, n);
	int rc;
	if (engine_finish(&e)) {
		rc = buf_append(out, spool_mem(&e.out.sp), e.out.sp.mem.len);
		stats_set(st, f->name, n, out->len, 0);
	} else {
		rc = buf_append(out, in, n);
		stats_set(st, f->name, n, n, 1);
	}
	engine_free(&e);
	return rc;
}
